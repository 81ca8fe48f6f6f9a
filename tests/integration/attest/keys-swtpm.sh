#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Keys and enrolment on a swtpm manufactured with an EK certificate: `attest ek` agrees
# with the certificate and with tpm2-tools; `attest ak create` makes ECC and RSA AKs,
# persistent and in context files, that tpm2-tools reads and quotes with; a challenge
# made in software is recovered by `attest activate` for RSA and ECC EKs, and refused for
# another AK, another EK or a tampered credential; nothing is left loaded in the TPM.
. "$TESTS_LIB/common.sh"
for tool in tpm2_readpublic tpm2_quote openssl jq; do
	command -v "$tool" >/dev/null || { echo "ERROR: $tool not installed" >&2; exit 99; }
done
start_swtpm_with_ek_cert
cd "$TEST_TMP" || exit 1
B=$BOOTCHAIN

hexfile() { od -An -tx1 -v "$1" | tr -d ' \n'; }
tpm2_name() { # object (handle or context file): its name, as tpm2_readpublic prints it
	tpm2_readpublic -T "$TCTI" -c "$1" | sed -n 's/^name: //p'
	tpm2_flushcontext -T "$TCTI" -t >/dev/null # tpm2-tools leaves a loaded context behind
}
nothing_loaded() { # what
	for kind in handles-transient handles-loaded-session; do
		assert_eq "" "$(tpm2_getcap -T "$TCTI" "$kind")" "$kind after $1"
	done
}

# ---- EK, RSA: swtpm_setup persisted it at 0x81010001, with its certificate ----
"$B" attest ek --out-public ek-rsa.pub --out-pem ek-rsa.pem --out-cert ek-rsa.der >out
assert_contains "$(cat out)" "ek: rsa, persistent handle 0x81010001" "attest ek"
assert_contains "$(cat out)" "certificate: NV index 0x01c00002" "attest ek"
assert_contains "$(cat out)" "its public key is the EK's" "attest ek"
sed -n '/BEGIN PUBLIC KEY/,/END PUBLIC KEY/p' out | openssl pkey -pubin -noout ||
	fail "the printed EK public key does not parse"
openssl pkey -pubin -in ek-rsa.pem -noout || fail "--out-pem does not parse"
assert_eq "$(cat ek-rsa.pem)" "$(openssl x509 -inform DER -in ek-rsa.der -noout -pubkey)" \
	"the EK certificate's public key"
sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' out | openssl x509 -outform DER >printed.der
cmp printed.der ek-rsa.der || fail "the printed certificate is not --out-cert's"
tpm2_nvread -T "$TCTI" -C o 0x01c00002 -o nv.der >/dev/null 2>&1
cmp nv.der ek-rsa.der || fail "--out-cert is not what tpm2_nvread reads"
openssl verify -CAfile "$SWTPM_CA_ROOT" -untrusted "$SWTPM_CA_ISSUER" \
	<(openssl x509 -inform DER -in ek-rsa.der) >/dev/null ||
	fail "the EK certificate does not verify with swtpm_setup's local CA"
tpm2_readpublic -T "$TCTI" -c 0x81010001 -o rp.pub >/dev/null
cmp rp.pub ek-rsa.pub || fail "--out-public is not tpm2_readpublic's"
"$B" attest ek --json >ek.json
jq -e '.type == "rsa" and .handle == "0x81010001" and .certificate.nv_index == "0x01c00002"
	and .certificate.matches_ek and (.public_key | startswith("-----BEGIN PUBLIC KEY"))' \
	ek.json >/dev/null || fail "attest ek --json: $(cat ek.json)"
assert_eq "$(tpm2_name 0x81010001)" "$(jq -r .name ek.json)" "EK name"

# ---- EK, ECC: no P-256 EK is persisted (swtpm's is P-384), so template L-2; no cert ----
"$B" attest ek --type ecc --out-public ek-ecc.pub --out-pem ek-ecc.pem >out
assert_contains "$(cat out)" "ek: ecc, created from the template L-2" "attest ek --type ecc"
assert_contains "$(cat out)" "certificate: none (NV index 0x01c0000a is not defined)" "ecc"
openssl pkey -pubin -in ek-ecc.pem -noout || fail "ECC EK PEM does not parse"
tpm2_createek -T "$TCTI" -G ecc -c ekt.ctx -u ekt.pub >/dev/null
tpm2_flushcontext -T "$TCTI" -t >/dev/null
cmp ekt.pub ek-ecc.pub || fail "our ECC EK is not tpm2_createek's"
expect_exit 1 "$B" attest ek --type ecc --out-cert none.der
assert_contains "$(cat err)" "no ecc EK certificate" "--out-cert without a certificate"
[ ! -e none.der ] || fail "--out-cert wrote a file without a certificate"
nothing_loaded "attest ek"

# A certificate for the ECC EK, larger than the TPM's NV buffer (1024 bytes: two
# TPM2_NV_Read) in an index larger than itself (zero padding, as manufacturers do).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
	-out ca.pem -subj /CN=bootchain-test-ca -days 2 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyAgreement\nnsComment=%s\n' \
	"$(head -c 1300 /dev/zero | tr '\0' x)" >ext.cnf
openssl x509 -new -subj /CN=ek -force_pubkey ek-ecc.pem -CA ca.pem -CAkey ca.key -days 2 \
	-extfile ext.cnf -outform DER -out ecc-cert.der
size=$(($(stat -c %s ecc-cert.der) + 100))
[ "$size" -gt 1124 ] || fail "the test certificate is too small to need two reads"
{ cat ecc-cert.der; head -c 100 /dev/zero; } >ecc-cert.padded
tpm2_nvdefine -T "$TCTI" 0x01c0000a -C o -s "$size" \
	-a "ownerread|ownerwrite|authread|authwrite|no_da" >/dev/null
tpm2_nvwrite -T "$TCTI" 0x01c0000a -C o -i ecc-cert.padded
"$B" attest ek --type ecc --out-cert got.der >out
cmp got.der ecc-cert.der || fail "the ECC EK certificate read back differs"
assert_contains "$(cat out)" "its public key is the EK's" "ECC EK certificate"
# and one for another key is called out
tpm2_nvundefine -T "$TCTI" -C o 0x01c0000a
openssl pkey -in ca.key -pubout -out ca-pub.pem
openssl x509 -new -subj /CN=other -force_pubkey ca-pub.pem -CA ca.pem -CAkey ca.key -days 2 \
	-outform DER -out other.der
tpm2_nvdefine -T "$TCTI" 0x01c0000a -C o -s "$(stat -c %s other.der)" \
	-a "ownerread|ownerwrite|authread|authwrite|no_da" >/dev/null
tpm2_nvwrite -T "$TCTI" 0x01c0000a -C o -i other.der
expect_exit 0 "$B" attest ek --type ecc --json
jq -e '.certificate.matches_ek == false' out >/dev/null || fail "a foreign certificate matches"
assert_contains "$(cat err)" "certifies another key" "warning for a foreign certificate"
tpm2_nvundefine -T "$TCTI" -C o 0x01c0000a

# ---- AK create ----
# ECC (default) under the RSA EK (default) at 0x81010003 (default)
"$B" attest ak create --out-public ak1.pub --out-pem ak1.pem --out-name ak1.name --json >ak1.json
jq -e '.type == "ecc" and .handle == "0x81010003" and .context == null' ak1.json >/dev/null ||
	fail "ak create --json: $(cat ak1.json)"
assert_eq "$(tpm2_name 0x81010003)" "$(hexfile ak1.name)" "AK name (file) vs tpm2_readpublic"
assert_eq "$(jq -r .name ak1.json)" "$(hexfile ak1.name)" "AK name (JSON) vs file"
tpm2_readpublic -T "$TCTI" -c 0x81010003 -o rp.pub >rp.txt
cmp rp.pub ak1.pub || fail "--out-public is not tpm2_readpublic's"
openssl pkey -pubin -in ak1.pem -noout || fail "AK PEM does not parse"
assert_contains "$(cat rp.txt)" "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign" \
	"AK attributes"
assert_contains "$(grep -A2 '^scheme:' rp.txt)" "ecdsa" "AK scheme"
assert_contains "$(grep -A2 '^scheme-halg:' rp.txt)" "sha256" "AK scheme hash"
nothing_loaded "ak create"

# an occupied handle is refused, and replaced with --force
expect_exit 1 "$B" attest ak create --out-public x.pub
assert_contains "$(cat err)" "0x81010003 is already in use" "occupied handle"
[ ! -e x.pub ] || fail "a refused ak create wrote --out-public"
"$B" attest ak create -u ak1.pub -n ak1.name --force >/dev/null
old=$(jq -r .name ak1.json)
[ "$(hexfile ak1.name)" != "$old" ] || fail "--force kept the old AK"
assert_eq "$(tpm2_name 0x81010003)" "$(hexfile ak1.name)" "AK name after --force"
expect_exit 1 "$B" attest ak create -u x.pub --persistent 0x81010001
assert_contains "$(cat err)" "TCG handle of the RSA EK" "EK handle refused"
expect_exit 1 "$B" attest ak create -u x.pub --persistent 0x81010002 --force
assert_contains "$(cat err)" "TCG handle of the ECC EK" "EK handle refused even with --force"

# RSA under the ECC EK, persistent elsewhere
"$B" attest ak create --type rsa --ek-type ecc --persistent 0x81010004 -u ak2.pub \
	-n ak2.name >out
assert_contains "$(cat out)" "RSA 2048, RSASSA-SHA256, persistent handle 0x81010004" "RSA AK"
assert_eq "$(tpm2_name 0x81010004)" "$(hexfile ak2.name)" "RSA AK name"
tpm2_readpublic -T "$TCTI" -c 0x81010004 >rp.txt
assert_contains "$(grep -A2 '^scheme:' rp.txt)" "rsassa" "RSA AK scheme"

# context files, ECC and RSA, both under the RSA EK: tpm2-tools loads them
"$B" attest ak create --context ak3.ctx -u ak3.pub -n ak3.name >/dev/null
"$B" attest ak create --type rsa --context ak4.ctx -u ak4.pub -n ak4.name >/dev/null
assert_eq "$(tpm2_name ak3.ctx)" "$(hexfile ak3.name)" "ECC context AK name"
assert_eq "$(tpm2_name ak4.ctx)" "$(hexfile ak4.name)" "RSA context AK name"
nothing_loaded "ak create --context"

# tpm2_quote with our AKs, checked by tpm2_checkquote with our public areas
for ak in 0x81010003:ak1 0x81010004:ak2 ak3.ctx:ak3 ak4.ctx:ak4; do
	tpm2_quote -T "$TCTI" -c "${ak%%:*}" -l sha256:0,1,2 -q 1234abcd -g sha256 -m q.msg \
		-s q.sig -o q.pcrs >/dev/null || fail "tpm2_quote -c ${ak%%:*}"
	tpm2_flushcontext -T "$TCTI" -t >/dev/null
	tpm2_checkquote -u "${ak#*:}.pub" -m q.msg -s q.sig -f q.pcrs -g sha256 -q 1234abcd \
		>/dev/null || fail "tpm2_checkquote of the quote by ${ak%%:*}"
done

# usage errors: exit 2 before the TPM is touched
usage() { # message args...
	local msg=$1
	shift
	expect_exit 2 "$B" "$@"
	assert_contains "$(cat err)" "$msg" "'$*'"
}
usage "--out-public FILE is required" attest ak create
usage "expected a persistent handle" attest ak create -u x.pub --persistent 0x80000001
usage "exclude each other" attest ak create -u x.pub --persistent 0x81010005 --context x.ctx
usage "--type dsa: expected rsa or ecc" attest ak create -u x.pub --type dsa
usage "expected a verb: create" attest ak
usage "unknown verb 'delete'" attest ak delete
usage "--ek-public, --ak-public and --out are required" attest challenge --ak-name ak1.name
usage "--secret: expected 1 to 32 bytes" attest challenge --ek-public ek-rsa.pem -a ak1.pub -o c \
	--secret "$(printf '%066d' 0)"
usage "neither a file nor a key name" attest challenge --ek-public ek-rsa.pem -a ak1.pub -n 000bzz -o c
usage "expected one CHALLENGE" attest activate
usage "--ek-type x: expected rsa or ecc" attest activate c.json --ek-type x
for verb in ek "ak create" challenge activate; do
	# shellcheck disable=SC2086
	expect_exit 0 "$B" attest $verb --help
	assert_contains "$(cat out)" "Usage: bootchain attest" "attest $verb --help"
done

# ---- challenge (software) and activate (TPM) ----
# RSA EK, its PEM, persistent ECC AK
"$B" attest challenge --ek-public ek-rsa.pem --ak-public ak1.pub --out c1.json \
	--out-secret s1.bin
jq -e '.format == "bootchain-challenge-v1" and (.credential | length > 0) and
	(.secret | length > 0)' c1.json >/dev/null || fail "challenge file: $(cat c1.json)"
assert_eq 32 "$(stat -c %s s1.bin)" "default secret size"
"$B" attest activate c1.json --out-secret r1.bin
cmp s1.bin r1.bin || fail "RSA EK: the recovered secret differs"
# the EK as TPM2B_PUBLIC and as its certificate; the AK name checked, in hex; a given secret
openssl x509 -inform DER -in ek-rsa.der -out ek-rsa-cert.pem
for ek in ek-rsa.pub ek-rsa-cert.pem; do
	secret=$("$B" attest challenge --ek-public "$ek" -a ak1.pub -n "$(hexfile ak1.name)" -o c2.json --force \
		--secret 00c0ffee)
	assert_eq 00c0ffee "$secret" "challenge prints the secret"
	assert_eq 00c0ffee "$("$B" attest activate c2.json --ak 0x81010003)" "activate with $ek"
done
# ECC EK, RSA AK persisted under it
"$B" attest challenge --ek-public ek-ecc.pub -a ak2.pub -o c3.json --json >c3.out
secret=$(jq -r .secret c3.out)
assert_eq 64 "${#secret}" "ECC challenge secret"
assert_eq "$secret" "$("$B" attest activate c3.json --ek-type ecc --ak 0x81010004 --json |
	jq -r .secret)" "ECC EK: recovered secret"
"$B" attest challenge --ek-public ek-ecc.pem -a ak2.pub -n ak2.name -o c3.json --force --secret 01 >/dev/null
assert_eq 01 "$("$B" attest activate c3.json -e ecc -a 0x81010004)" "ECC EK from PEM"
# AKs in context files
"$B" attest challenge --ek-public ek-rsa.pub -a ak4.pub -o c4.json --secret abcdef >/dev/null
assert_eq abcdef "$("$B" attest activate c4.json --ak ak4.ctx)" "context AK"
nothing_loaded "activate"

# refusals: another AK, another EK, a tampered credential (exit 3)
expect_exit 3 "$B" attest activate c4.json --ak 0x81010003
assert_contains "$(cat err)" "not made for this AK and EK" "another AK"
expect_exit 3 "$B" attest activate c3.json --ek-type rsa --ak 0x81010004
assert_contains "$(cat err)" "not made for this AK and EK" "another EK"
jq '.credential |= (.[0:20] + (if .[20:21] == "A" then "B" else "A" end) + .[21:])' c4.json \
	>c5.json
expect_exit 3 "$B" attest activate c5.json --ak ak4.ctx
expect_exit 1 "$B" attest activate ek.json
assert_contains "$(cat err)" "\"format\" is not \"bootchain-challenge-v1\"" "not a challenge"
expect_exit 1 "$B" attest activate c4.json --ak 0x81010009
assert_contains "$(cat err)" "no key at persistent handle 0x81010009" "missing AK"
expect_exit 1 "$B" attest activate c4.json --ak 0x81010001
assert_contains "$(cat err)" "0x81010001: not an attestation key: missing sign; has decrypt" \
	"EK as AK"
nothing_loaded "refused activations"

# ---- nothing left behind, however often it runs ----
for _ in $(seq 8); do
	"$B" attest ek >/dev/null
	"$B" attest ak create --force --context loop.ctx -u loop.pub -n loop.name >/dev/null
	"$B" attest challenge --ek-public ek-rsa.pub -a loop.pub -o loop.json --force --secret 99 >/dev/null
	"$B" attest activate loop.json --ak loop.ctx >/dev/null
	"$B" attest activate c4.json --ak 0x81010003 >/dev/null 2>&1 || true
done
nothing_loaded "eight rounds"
assert_eq "0x81010001 0x81010003 0x81010004 0x81010016" \
	"$(tpm2_getcap -T "$TCTI" handles-persistent | sed 's/^- //' | tr '\n' ' ' | sed 's/ $//')" \
	"persistent handles"
echo "PASS"
