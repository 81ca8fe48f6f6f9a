#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Remote attestation end to end on swtpm: EK and AK, credential activation, a measured
# chain, a quote, verification against a golden database (pass); the chain booted again
# with one changed layer (verification fails naming the event); tpm2-tools both ways;
# and every kind of bad evidence rejected with the failing check named.
. "$TESTS_LIB/common.sh"
start_swtpm
cd "$TEST_TMP"

# --- enrolment ---
expect_exit 0 "$BOOTCHAIN" attest ek --out-public ek.pem
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub --out-pem ak.pem --out-name ak.name
expect_exit 0 "$BOOTCHAIN" attest challenge --ek-public ek.pem --ak-public ak.pub --out challenge.json \
	--out-secret secret.bin
expect_exit 0 "$BOOTCHAIN" attest activate challenge.json --out-secret got.bin
cmp -s secret.bin got.bin || fail "the activated secret is not the challenge's"

# --- a measured chain and its golden database ---
mkdir chain
for layer in bios bootloader kernel initrd; do
	head -c 5000 /dev/urandom >"chain/$layer.img"
done
printf 'bios 0 bios.img\nbootloader 4 bootloader.img\nkernel 8 kernel.img\ninitrd 9 initrd.img\n' \
	>chain/chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain chain/chain --banks sha1,sha256
expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain --log boot.log

nonce=$(openssl rand -hex 20)
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --log boot.log --out ev.json \
	--tpm2-tools tt
expect_exit 0 "$BOOTCHAIN" attest verify ev.json --ak ak.pub --nonce "$nonce" --golden golden.json
assert_contains "$(cat "$TEST_TMP/out")" "ev.json: every check passed" "verify passes"
for check in ak signature attest nonce pcr-selection pcr-digest eventlog golden; do
	assert_contains "$(cat "$TEST_TMP/out")" "$(printf '  %-14s pass' "$check")" "$check passes"
done
# a PEM AK shows no attributes: taken only when its origin was checked (here: ak create)
expect_exit 0 "$BOOTCHAIN" attest verify ev.json --ak ak.pem --ak-pem-checked --nonce "$nonce" --json
assert_eq true "$(jq .pass "$TEST_TMP/out")" "JSON pass with a PEM AK"
assert_eq "$(jq -r '.pcrs.sha256["8"]' ev.json)" "$(pcr_value sha256 8)" "quoted PCR 8 is the TPM's"

# events of PCRs the quote does not cover prove nothing: their components are missing
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --log boot.log --pcrs sha256:0-7 \
	--out partial.json
expect_exit 3 "$BOOTCHAIN" attest verify partial.json --ak ak.pub --nonce "$nonce" \
	--golden golden.json
out=$(cat "$TEST_TMP/out")
assert_contains "$out" "$(printf '  %-14s pass' eventlog)" "the quoted PCRs replay"
assert_contains "$out" "missing: component kernel (PCR 8)" "unquoted kernel is missing"
assert_contains "$out" "missing: component initrd (PCR 9)" "unquoted initrd is missing"

# tpm2-tools verifies our quote, and we verify tpm2-tools' quote
if command -v tpm2_checkquote >/dev/null; then
	tpm2_checkquote -u ak.pem -m tt/quote.msg -s tt/quote.sig -f tt/quote.pcrs -g sha256 \
		-q "$nonce" >/dev/null || fail "tpm2_checkquote refuses our quote"
	handle=0x81010003
	TPM2TOOLS_TCTI=$TCTI tpm2_quote -c "$handle" -l sha256:0,4,8,9 -q "$nonce" -m q.msg -s q.sig \
		-o q.pcrs -g sha256 >/dev/null || fail "tpm2_quote failed"
	expect_exit 0 "$BOOTCHAIN" attest verify --message q.msg --signature q.sig --pcrs-file q.pcrs \
		--log boot.log --ak ak.pub --nonce "$nonce" --golden golden.json
fi

# --- the chain booted again with one changed layer: fails, naming the event ---
stop_swtpm
rm -rf "$TEST_TMP/swtpm"
start_swtpm
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak2.pub --force
flip_byte chain/kernel.img 100
rm -f boot.log
expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain --log boot.log
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --log boot.log --out bad.json
expect_exit 3 "$BOOTCHAIN" attest verify bad.json --ak ak2.pub --nonce "$nonce" --golden golden.json
out=$(cat "$TEST_TMP/out")
assert_contains "$out" "bad.json: FAILED: golden" "the failing check is golden"
assert_contains "$out" "PCR 8, event 3, EV_EVENT_TAG" "names the event"
assert_contains "$out" "changed, component kernel" "names the component"
expect_exit 3 "$BOOTCHAIN" attest verify bad.json --ak ak2.pub --nonce "$nonce" --golden golden.json --json
assert_eq '["golden"]' "$(jq -c .failed "$TEST_TMP/out")" "JSON failed checks"
assert_eq kernel "$(jq -r '.golden.problems[0].component' "$TEST_TMP/out")" "JSON component"

# --- bad evidence: each named ---
bad() { # check description file [ak]
	expect_exit 3 "$BOOTCHAIN" attest verify "$3" --ak "${4:-ak.pub}" --nonce "$nonce" --json
	jq -e --arg c "$1" '.failed | index($c) != null' "$TEST_TMP/out" >/dev/null ||
		fail "$2: expected check $1 to fail, got $(cat "$TEST_TMP/out")"
}
expect_exit 3 "$BOOTCHAIN" attest verify ev.json --ak ak.pub --nonce 00
assert_contains "$(cat "$TEST_TMP/out")" "FAILED: nonce" "wrong nonce"
bad signature "wrong AK" ev.json ak2.pub
bad ak "wrong AK (named)" ev.json ak2.pub
jq '.pcrs.sha256["0"] as $a | .pcrs.sha256["0"] = .pcrs.sha256["8"] | .pcrs.sha256["8"] = $a' \
	ev.json >swapped.json
bad pcr-digest "swapped PCR values" swapped.json
jq '.selection = "sha256:0-7" | del(.pcrs.sha256["8"], .pcrs.sha256["9"])' ev.json >subset.json
bad pcr-selection "another selection" subset.json
a=$(jq -r .quote.attest ev.json | base64 -d | head -c 40 | base64 -w0)
jq --arg a "$a" '.quote.attest = $a' ev.json >truncated.json
bad signature "truncated TPMS_ATTEST" truncated.json
expect_exit 0 "$BOOTCHAIN" attest ak create --type rsa --context rsa.ctx --out-public rsa.pub
bad signature "a signature of the wrong algorithm" ev.json rsa.pub
for field in .quote.attest .quote.signature .nonce .pcrs .selection .format; do
	jq "del($field)" ev.json >missing.json
	bad evidence "missing $field" missing.json
done
head -c 20000000 /dev/zero | base64 -w0 | jq -R '{format: "bootchain-evidence-v1", nonce: "00",
	quote: {attest: ., signature: ""}, selection: "sha256:0", pcrs: {}}' >huge.json
bad evidence "a huge base64 value" huge.json
echo '{"format": "bootchain-evidence-v1"' >broken.json
bad evidence "not JSON" broken.json

# many files at once, one JSON line each, in order
for i in 1 2 3 4 5; do cp ev.json "many-$i.json"; done
expect_exit 3 "$BOOTCHAIN" attest verify many-1.json bad.json many-2.json many-3.json missing.json \
	many-4.json many-5.json --ak ak.pub --nonce "$nonce" --json -j 4
assert_eq 7 "$(wc -l <"$TEST_TMP/out")" "one line per file"
assert_eq "true false true true false true true" "$(jq -r .pass "$TEST_TMP/out" | paste -sd' ')" \
	"results in order"
echo "PASS"
