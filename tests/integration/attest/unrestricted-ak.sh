#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A quote forged as an attacker would on swtpm: an unrestricted signing key (under the
# SRK, all the attributes of an AK but `restricted`) signs, with tpm2_sign, a TPMS_ATTEST
# built by hand: TPM_GENERATED magic, type quote, the verifier's nonce, PCRs 0-7 of
# sha256 all zero (a "pristine" machine). A TPM refuses to sign such bytes with a
# restricted key; with an unrestricted one it signs anything. So the key is refused
# where it enters: at `attest challenge` (enrolment) and at `attest verify` (as the AK
# given, and as the AK the evidence names); a bare PEM key only with --ak-pem-checked.
# A real AK from `attest ak create` passes both (positive control).
. "$TESTS_LIB/common.sh"
for tool in tpm2_createprimary tpm2_create tpm2_load tpm2_sign tpm2_readpublic openssl jq; do
	command -v "$tool" >/dev/null || { echo "ERROR: $tool not installed" >&2; exit 99; }
done
start_swtpm
cd "$TEST_TMP" || exit 1
B=$BOOTCHAIN
export TPM2TOOLS_TCTI=$TCTI

b64() { base64 -w0 "$1"; }
check() { # json-file check: its status in `attest verify --json`
	jq -r ".checks[\"$2\"].status" "$1"
}

# ---- the attacker's key: a signing key under the SRK, everything but `restricted` ----
# (no resource manager: each tpm2-tools command leaves its contexts loaded; flush them)
flush() { tpm2_flushcontext -t >/dev/null; }
tpm2_createprimary -C o -g sha256 -G rsa -c srk.ctx >/dev/null && flush
tpm2_create -C srk.ctx -G ecc256:ecdsa-sha256 -u evil.pub -r evil.priv \
	-a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign' >/dev/null && flush
tpm2_load -C srk.ctx -u evil.pub -r evil.priv -c evil.ctx -n evil.name >/dev/null && flush
tpm2_readpublic -c evil.ctx -f pem -o evil.pem >evil.txt && flush
assert_contains "$(grep '^attributes' -A1 evil.txt)" "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign" \
	"tpm2-tools made the key as asked"

# ---- the forged quote: TPMS_ATTEST (TPM 2.0 Part 2, 10.12.12), big-endian ----
nonce=$(openssl rand -hex 20)
# pcrDigest: SHA-256 over the eight selected values, each 32 zero bytes
pcr_digest=$(head -c 256 /dev/zero | openssl_digest sha256)
name=$(od -An -tx1 -v evil.name | tr -d ' \n')
attest_hex="ff544347"                            # magic: TPM_GENERATED_VALUE
attest_hex+="8018"                               # type: TPM_ST_ATTEST_QUOTE
attest_hex+=$(printf '%04x' $((${#name} / 2)))"$name" # qualifiedSigner
attest_hex+="0014$nonce"                         # extraData: the verifier's nonce
attest_hex+="0000000000123456"                   # clockInfo.clock (ms)
attest_hex+="00000001""00000000""01"             # resetCount, restartCount, safe
attest_hex+="0000000000000000"                   # firmwareVersion
attest_hex+="00000001000b03ff0000"               # pcrSelect: sha256, PCRs 0-7
attest_hex+="0020$pcr_digest"                    # pcrDigest
hex_to_bin "$attest_hex" >forged.msg
# the TPM hashes the message and signs it: TPMT_SIGNATURE (ECDSA, SHA-256)
tpm2_sign -c evil.ctx -g sha256 -s ecdsa -o forged.sig forged.msg && flush

zero=$(printf '%064d' 0)
evidence() { # out ak_public(base64 or null)
	jq -n --arg attest "$(b64 forged.msg)" --arg sig "$(b64 forged.sig)" --arg nonce "$nonce" \
		--arg zero "$zero" --argjson ak "$2" '{
		format: "bootchain-evidence-v1", nonce: $nonce,
		quote: {attest: $attest, signature: $sig},
		selection: "sha256:0-7",
		pcrs: {sha256: ([range(8) | {key: tostring, value: $zero}] | from_entries)},
		ak_public: $ak, eventlog: null, keep: null}' >"$1"
}
evidence forged.json "\"$(b64 evil.pub)\""
evidence forged-noak.json null

# (a) enrolment refuses it, naming the missing attribute
"$B" attest ek --out-public ek.pub >/dev/null
expect_exit 3 "$B" attest challenge --ek-public ek.pub --ak-public evil.pub --out c.json
assert_contains "$(cat err)" "evil.pub: not an attestation key: missing restricted (" \
	"challenge names restricted"
[ ! -e c.json ] || fail "a refused challenge was written"

# (b) verify refuses its TPM2B_PUBLIC as the AK, before any evidence is read
expect_exit 3 "$B" attest verify forged.json --ak evil.pub --nonce "$nonce"
assert_contains "$(cat err)" "--ak evil.pub: the AK: not an attestation key: missing restricted (" \
	"verify names restricted"

# (c) its PEM shows no attributes: refused unless vouched for
expect_exit 3 "$B" attest verify forged-noak.json --ak evil.pem --nonce "$nonce"
assert_contains "$(cat err)" "bare PEM public key" "a PEM AK without --ak-pem-checked"
assert_contains "$(cat err)" "--ak-pem-checked" "the message names the option"

# (d) Why the attribute check matters: vouched for with --ak-pem-checked (wrongly: no
# one checked this key), the forged quote is a well-formed quote of a pristine machine.
# Its signature, magic, type, nonce and PCR digest all pass: nothing in the quote shows
# the forgery; only the key's attributes do.
expect_exit 3 "$B" attest verify forged.json --ak evil.pem --ak-pem-checked --nonce "$nonce" \
	--json
cp "$TEST_TMP/out" d.json
for c in signature attest nonce pcr-selection pcr-digest; do
	assert_eq pass "$(check d.json "$c")" "forged quote, vouched-for PEM key: $c"
done
# the evidence names its AK: its attributes are checked, and the ak check fails
assert_eq fail "$(check d.json ak)" "the evidence's unrestricted AK"
assert_contains "$(jq -r '.checks.ak.message' d.json)" "missing restricted (" "ak check names restricted"
# and evidence that names no AK: only the attributes of a key checked elsewhere stop it
"$B" attest verify forged-noak.json --ak evil.pem --ak-pem-checked --nonce "$nonce" \
	--json >d2.json || true
for c in signature attest nonce pcr-selection pcr-digest; do
	assert_eq pass "$(check d2.json "$c")" "forged quote naming no AK: $c"
done
assert_eq skip "$(check d2.json ak)" "no AK in the evidence: nothing to check"
# the same bytes under a restricted AK's public area would never have been signed:
# a restricted key refuses to sign a message that starts with TPM_GENERATED
"$B" attest ak create --out-public ak.pub --out-pem ak.pem >/dev/null
if tpm2_sign -c 0x81010003 -g sha256 -o refused.sig forged.msg 2>sign.err; then
	fail "the TPM signed a TPM_GENERATED message with a restricted key"
fi
flush

# ---- the positive control: a real AK passes challenge and verify ----
expect_exit 0 "$B" attest challenge --ek-public ek.pub --ak-public ak.pub --out good.json \
	--out-secret good.bin
expect_exit 0 "$B" attest activate good.json --out-secret got.bin
cmp -s good.bin got.bin || fail "the real AK does not activate its credential"
# its name, computed by challenge, is the one tpm2-tools reads
tpm2_readpublic -c 0x81010003 -n ak.name >/dev/null && flush
expect_exit 0 "$B" attest challenge --ek-public ek.pub --ak-public ak.pub --ak-name ak.name \
	--out good.json --force
expect_exit 3 "$B" attest challenge --ek-public ek.pub --ak-public ak.pub --ak-name evil.name \
	--out good.json --force
assert_contains "$(cat err)" "--ak-name evil.name is not the name of ak.pub" "a name of another key"
head -c 100 /dev/urandom >junk.pub
expect_exit 1 "$B" attest challenge --ek-public ek.pub --ak-public junk.pub --out good.json --force
assert_contains "$(cat err)" "junk.pub: " "a file that is no TPM2B_PUBLIC"
expect_exit 1 "$B" attest challenge --ek-public ek.pub --ak-public missing.pub --out good.json --force
assert_contains "$(cat err)" "missing.pub" "an unreadable file"
# the EK is a restricted decryption key, no AK
expect_exit 3 "$B" attest challenge --ek-public ek.pub --ak-public ek.pub --out good.json --force
assert_contains "$(cat err)" "ek.pub: not an attestation key: missing sign; has decrypt (" "the EK"

echo 'a layer' >layer.img
expect_exit 0 "$B" measure layer.img --pcr 16 --log boot.log
nonce=$(openssl rand -hex 20)
expect_exit 0 "$B" attest quote --nonce "$nonce" --pcrs sha256:16 --log boot.log --out ev.json
expect_exit 0 "$B" attest verify ev.json --ak ak.pub --nonce "$nonce"
assert_contains "$(cat out)" "every check passed" "a real AK's quote verifies"
# attest poll takes its AKs the same way: the unrestricted key is refused as --ak, a PEM
# key only with --ak-pem-checked (in --ak-dir too, as that host's error)
expect_exit 0 "$B" golden create --out golden.json --from-log boot.log
echo "m1 http://127.0.0.1:$(closed_port)" >hosts
expect_exit 3 "$B" attest poll --hosts hosts --ak evil.pub --golden golden.json
assert_contains "$(cat err)" "evil.pub: the AK: not an attestation key: missing restricted (" \
	"poll --ak names restricted"
expect_exit 3 "$B" attest poll --hosts hosts --ak evil.pem --golden golden.json
assert_contains "$(cat err)" "evil.pem: the AK is a bare PEM public key" "poll --ak PEM"
mkdir aks
cp ak.pem aks/m1.pem
expect_exit 3 "$B" attest poll --hosts hosts --ak-dir aks --golden golden.json -r 0 --json
assert_contains "$(cat out)" "aks/m1.pem: the AK is a bare PEM public key" "poll --ak-dir PEM"
expect_exit 3 "$B" attest poll --hosts hosts --ak-dir aks --ak-pem-checked --golden golden.json \
	-r 0 --json
assert_contains "$(cat out)" "m1" "poll --ak-dir PEM, vouched for"
case "$(cat out)" in *"bare PEM"*) fail "--ak-pem-checked: the PEM key was refused" ;; esac

# the real AK's evidence against the attacker's key: the key bytes differ
expect_exit 3 "$B" attest verify ev.json --ak evil.pem --ak-pem-checked --nonce "$nonce" --json
assert_eq fail "$(check "$TEST_TMP/out" ak)" "another AK"
echo "PASS"
