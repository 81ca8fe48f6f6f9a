#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `attest ek verify` on a swtpm manufactured by swtpm_setup with swtpm-localca: its EK
# certificates (RSA 2048 at 0x01c00002, ECC P-384 at 0x01c00016) chain to the local CA
# when it is in the store, and to nothing of the manufacturers' store; a changed byte is
# a bad signature; validity is checked at --at and on a certificate openssl issued
# already expired; a certificate in NV whose key is not the EK is refused; an
# intermediate in NV (0x01c00100) links the EK's issuer to a root in the store. Expected
# values come from openssl and tpm2-tools.
. "$TESTS_LIB/common.sh"
for tool in tpm2_nvread tpm2_nvdefine tpm2_nvwrite tpm2_readpublic openssl jq; do
	command -v "$tool" >/dev/null || { echo "ERROR: $tool not installed" >&2; exit 99; }
done
: "${TPM_CA_DIR:?TPM_CA_DIR must name data/tpm-ca of the source tree}"
start_swtpm_with_ek_cert
cd "$TEST_TMP" || exit 1
B=$BOOTCHAIN
unset BOOTCHAIN_TPM_CA_DIR

# ---- what openssl and tpm2-tools say of the certificates in NV ----
tpm2_nvread -T "$TCTI" -C o 0x01c00002 -o rsa-nv.bin >/dev/null 2>&1
tpm2_nvread -T "$TCTI" -C o 0x01c00016 -o ecc-nv.bin >/dev/null 2>&1
openssl x509 -inform DER -in rsa-nv.bin -outform DER -out rsa.der
openssl x509 -inform DER -in ecc-nv.bin -outform DER -out ecc.der
san=$(openssl x509 -inform DER -in rsa.der -noout -ext subjectAltName)
tcg_attr() { printf '%s\n' "$san" | tr '/' '\n' | sed -n "s/^$1=//p" | tr -d ' \n'; }
manufacturer=$(tcg_attr 2.23.133.2.1)
model=$(tcg_attr 2.23.133.2.2)
version=$(tcg_attr 2.23.133.2.3)
[ -n "$manufacturer" ] && [ -n "$model" ] && [ -n "$version" ] ||
	fail "openssl shows no TCG attributes in the SAN: $san"
# the certificates certify swtpm_setup's persistent EKs
for pair in rsa.der:0x81010001 ecc.der:0x81010016; do
	tpm2_readpublic -T "$TCTI" -c "${pair#*:}" -f pem -o ek.pem >/dev/null
	assert_eq "$(openssl pkey -pubin -in ek.pem)" \
		"$(openssl x509 -inform DER -in "${pair%%:*}" -noout -pubkey)" "EK of ${pair%%:*}"
done
fp() { openssl x509 -inform DER -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
	tr 'A-F' 'a-f'; }

# ---- the swtpm CA in the store: trusted, with what the certificate says ----
expect_exit 0 "$B" attest ek verify --ca-file "$SWTPM_CA_ROOT" --ca-file "$SWTPM_CA_ISSUER"
out=$(cat "$TEST_TMP/out")
assert_contains "$out" "certificate:  0x01c00002 (rsa2048, template L-1)" "NV, RSA"
assert_contains "$out" "certificate:  0x01c00016 (ecc-p384-h, template H-3)" "NV, ECC P-384"
assert_eq 2 "$(grep -c '^verdict:      trusted' <<<"$out")" "both trusted"
assert_eq 2 "$(grep -c '^matches ek:   yes' <<<"$out")" "both are the TPM's EKs"
assert_eq 2 "$(grep -c "^manufacturer: $manufacturer\$" <<<"$out")" "manufacturer"
assert_eq 2 "$(grep -c "^model:        $model\$" <<<"$out")" "model"
assert_eq 2 "$(grep -c "^version:      $version\$" <<<"$out")" "version"
assert_contains "$out" "sha256:       $(fp rsa.der)" "fingerprint of the RSA EK certificate"
assert_contains "$out" "ek eku:       yes" "EK EKU"

expect_exit 0 "$B" attest ek verify --json --ca-file "$SWTPM_CA_ROOT" --ca-file "$SWTPM_CA_ISSUER"
json=$TEST_TMP/out
assert_eq true "$(jq -r .trusted "$json")" "json: trusted"
assert_eq "true true" "$(jq -r '[.certificates[].matches_ek] | join(" ")' "$json")" "json: matches_ek"
assert_eq "$manufacturer/$model/$version" \
	"$(jq -r '.certificates[0] | "\(.manufacturer)/\(.model)/\(.version)"' "$json")" "json: SAN"
assert_eq "$(fp rsa.der)" "$(jq -r '.certificates[0].chain[0]' "$json")" "json: chain[0]"
assert_eq "$(openssl x509 -in "$SWTPM_CA_ISSUER" -outform DER | sha256sum | cut -c1-64)" \
	"$(jq -r '.certificates[0].chain[-1]' "$json")" "json: the anchor is the swtpm issuer"
assert_eq "$SWTPM_CA_ISSUER" "$(jq -r '.certificates[0].anchor.file' "$json")" "json: anchor file"

# a folder as the store; a certificate file, DER and PEM
mkdir store && cp "$SWTPM_CA_ROOT" "$SWTPM_CA_ISSUER" store/
expect_exit 0 "$B" attest ek verify --ca-dir store
expect_exit 0 "$B" attest ek verify rsa.der --ca-dir store
openssl x509 -inform DER -in ecc.der -out ecc.pem
expect_exit 0 "$B" attest ek verify ecc.pem --ca-dir store
# '-': the certificate from standard input, PEM or DER; not a certificate names it
expect_exit 0 "$B" attest ek verify - --ca-dir store <ecc.pem
assert_contains "$(cat "$TEST_TMP/out")" "verdict:      trusted" "ek verify - (PEM)"
expect_exit 0 "$B" attest ek verify - --ca-dir store <rsa.der
echo "not a certificate" >junk.txt
expect_exit 1 "$B" attest ek verify - --ca-dir store <junk.txt
assert_contains "$(cat "$TEST_TMP/err")" "standard input: not an X.509 certificate" "ek verify - of junk"

# ---- the manufacturers' store alone (the default store): unknown issuer ----
BOOTCHAIN_TPM_CA_DIR=$TPM_CA_DIR expect_exit 3 "$B" attest ek verify
assert_contains "$(cat "$TEST_TMP/out")" "verdict:      unknown issuer" "default store"
assert_contains "$(cat "$TEST_TMP/err")" "0x01c00002: not trusted: unknown issuer" "default store"
expect_exit 3 "$B" attest ek verify rsa.der --ca-dir "$TPM_CA_DIR"
assert_contains "$(cat "$TEST_TMP/err")" "unknown issuer" "manufacturers' store, file"
# every store certificate is an anchor: the issuer alone is enough; the root alone is
# not, as nothing gives the link from the root to the issuer
expect_exit 3 "$B" attest ek verify rsa.der --ca-file "$SWTPM_CA_ROOT"
expect_exit 0 "$B" attest ek verify rsa.der --ca-file "$SWTPM_CA_ISSUER"

# ---- a changed byte: the last one, in the signature ----
cp rsa.der changed.der
last=$(($(stat -c %s changed.der) - 1))
byte=$(od -An -tu1 -j "$last" -N1 changed.der | tr -d ' ')
printf "\\$(printf '%03o' $((byte ^ 1)))" | dd of=changed.der bs=1 seek="$last" conv=notrunc 2>/dev/null
cmp -s rsa.der changed.der && fail "the byte did not change"
expect_exit 3 "$B" attest ek verify changed.der --ca-dir store
assert_contains "$(cat "$TEST_TMP/out")" "verdict:      bad signature" "changed byte"
expect_exit 3 "$B" attest ek verify - --ca-dir store <changed.der
assert_contains "$(cat "$TEST_TMP/out")" "verdict:      bad signature" "changed byte, from standard input"

# ---- validity: before swtpm's notBefore; and a certificate openssl issued expired ----
expect_exit 3 "$B" attest ek verify rsa.der --ca-dir store --at 1000000000
assert_contains "$(cat "$TEST_TMP/out")" "verdict:      expired" "--at before notBefore"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
	-out ca.pem -subj "/CN=Test EK CA" -days 7300 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout old.key \
	-out old.csr -subj "/CN=old EK" 2>/dev/null
mkdir ca-db && touch ca-db/index.txt && echo 01 >ca-db/serial
cat >ca.cnf <<-EOF
	[ca]
	default_ca = test
	[test]
	database = ca-db/index.txt
	serial = ca-db/serial
	new_certs_dir = ca-db
	default_md = sha256
	policy = any
	[any]
	commonName = supplied
	[ek]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,keyAgreement
	extendedKeyUsage = 2.23.133.8.1
EOF
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in old.csr -out old.pem \
	-extensions ek -startdate 20200101000000Z -enddate 20210101000000Z 2>/dev/null ||
	fail "openssl ca could not issue the expired certificate"
expect_exit 3 "$B" attest ek verify old.pem --ca-file ca.pem
assert_contains "$(cat "$TEST_TMP/out")" "verdict:      expired" "expired certificate"
assert_contains "$(cat "$TEST_TMP/out")" "valid:        2020-01-01T00:00:00Z to 2021-01-01T00:00:00Z" \
	"validity"
# inside the window, --at is a time like another (the CA above is only valid from now)
expect_exit 0 "$B" attest ek verify rsa.der --ca-dir store --at "$(date -d 2040-06-01Z +%s)"

# ---- a certificate in NV whose key is not the EK of its index's template ----
size=$(stat -c %s rsa.der)
tpm2_nvdefine -T "$TCTI" -C o -s "$size" -a "ownerread|ownerwrite|authread|authwrite" \
	0x01c0000a >/dev/null
tpm2_nvwrite -T "$TCTI" -C o -i rsa.der 0x01c0000a
expect_exit 3 "$B" attest ek verify --ca-dir store
assert_contains "$(cat "$TEST_TMP/out")" "certificate:  0x01c0000a (ecc-p256, template L-2)" \
	"the ECC index"
assert_contains "$(cat "$TEST_TMP/out")" "matches ek:   NO" "a certificate of another key"
assert_contains "$(cat "$TEST_TMP/err")" \
	"0x01c0000a: not trusted: its public key is not the TPM's EK of template L-2" "reason"
expect_exit 3 "$B" attest ek verify --ca-dir store --json
assert_eq "false" "$(jq -r '.certificates[] | select(.nv_index == "0x01c0000a") | .matches_ek' \
	"$TEST_TMP/out")" "json: matches_ek of 0x01c0000a"
tpm2_nvundefine -T "$TCTI" -C o 0x01c0000a >/dev/null

# ---- an intermediate in NV (0x01c00100) fills the gap from the root to the EK's issuer ----
expect_exit 3 "$B" attest ek verify --ca-file "$SWTPM_CA_ROOT"
openssl x509 -in "$SWTPM_CA_ISSUER" -outform DER -out issuer.der
tpm2_nvdefine -T "$TCTI" -C o -s "$(($(stat -c %s issuer.der) + 16))" \
	-a "ownerread|ownerwrite|authread|authwrite" 0x01c00100 >/dev/null
tpm2_nvwrite -T "$TCTI" -C o -i issuer.der 0x01c00100
expect_exit 0 "$B" attest ek verify --ca-file "$SWTPM_CA_ROOT" --json
assert_eq "$(openssl x509 -in "$SWTPM_CA_ROOT" -outform DER | sha256sum | cut -c1-64)" \
	"$(jq -r '.certificates[0].chain[-1]' "$TEST_TMP/out")" "the root anchors the NV chain"
assert_eq 3 "$(jq -r '.certificates[0].chain | length' "$TEST_TMP/out")" "EK, NV issuer, root"
tpm2_nvundefine -T "$TCTI" -C o 0x01c00100 >/dev/null

# ---- unreadable input and usage ----
expect_exit 1 "$B" attest ek verify missing.der --ca-dir store
expect_exit 1 "$B" attest ek verify ca.cnf --ca-dir store
assert_contains "$(cat "$TEST_TMP/err")" "ca.cnf: not an X.509 certificate" "not a certificate"
expect_exit 1 "$B" attest ek verify rsa.der --ca-file ca.cnf
assert_contains "$(cat "$TEST_TMP/err")" "ca.cnf" "a store file that holds no certificate"
expect_exit 1 "$B" attest ek verify rsa.der --ca-dir "$TEST_TMP/no-such-dir"
expect_exit 2 "$B" attest ek verify rsa.der ecc.der
expect_exit 2 "$B" attest ek verify rsa.der --at yesterday
expect_exit 2 "$B" attest ek verify --bogus
# `attest ek` without a verb is as before
expect_exit 0 "$B" attest ek
assert_contains "$(cat "$TEST_TMP/out")" "its public key is the EK's" "attest ek"
echo "ok"
