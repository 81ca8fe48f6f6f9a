#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The TD quote of an Azure TDX confidential VM, fetched by the attester: `attest quote
# --keep` and `attest serve --keep` send the HCL report's TDREPORT to the quoting
# service (Azure's metadata service, POST /acc/tdquote: attest/keep-azure.h) and put its
# answer in keep.quote, so that the evidence verifies as it is. A simulated paravisor
# (hcl-sim --tdx) writes the HCL report to swtpm's NV index and makes the TD quote with a
# test DCAP PKI; a simulated metadata service (tests/tools/imds-sim.pl) on a loopback
# port answers with it. Checked: the service got the TDREPORT's bytes in base64url
# (computed here with coreutils); --tdquote-url and $BOOTCHAIN_AZURE_TDQUOTE_URL; the
# refusals, each with exit 1, a message naming the URL and no evidence written: nothing
# listening, HTTP 500 (tried again) and 404 (not), an answer that is not JSON, has no
# "quote", is not base64url, decodes too large or is too large, is no quote, or is a
# quote of another TD (which the verifier refuses too).
. "$TESTS_LIB/common.sh"
tools="$(dirname "$BOOTCHAIN")/tests/tools"
IMDS="$TESTS_LIB/../tools/imds-sim.pl"
for t in hcl-sim dcap-sim; do
	[ -x "$tools/$t" ] || { echo "ERROR: $tools/$t not built" >&2; exit 99; }
done
for t in tpm2_nvdefine tpm2_nvwrite tpm2_nvundefine jq perl; do
	command -v "$t" >/dev/null || { echo "ERROR: $t not found" >&2; exit 99; }
done
start_swtpm
export TPM2TOOLS_TCTI="$TCTI" # the paravisor's side: tpm2-tools
cd "$TEST_TMP"
PIDS=() # the simulated metadata service
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; cleanup' EXIT
HCL_INDEX=0x01400001

put_hcl() { # file: the paravisor leaves it in the vTPM's NV index
	tpm2_nvundefine -C o "$HCL_INDEX" >/dev/null 2>&1 || true
	tpm2_nvdefine -C o -s "$(stat -c %s "$1")" -a "ownerread|ownerwrite|authread|authwrite" \
		"$HCL_INDEX" >/dev/null || fail "tpm2_nvdefine $HCL_INDEX"
	tpm2_nvwrite -C o -i "$1" "$HCL_INDEX" || fail "tpm2_nvwrite $HCL_INDEX"
}
b64url() { # stdin in base64url without padding (RFC 4648 section 5)
	base64 -w0 | tr '+/' '-_' | tr -d '='
}
answer() { # status body: what the simulated service answers from now on
	printf '%s\n' "$1" >imds/status
	printf '%s' "$2" >imds/answer
}
requests() {
	wc -l <imds/requests | tr -d ' '
}
quote() { # evidence [attest quote options...]
	local out=$1
	shift
	"$BOOTCHAIN" attest quote --ak ak.ctx --nonce "$nonce" --log boot.log --keep \
		--out "$out" "$@"
}
verify() { # evidence [verify options...]
	local file=$1
	shift
	"$BOOTCHAIN" attest verify "$file" --ak ak.pub --nonce "$nonce" --json \
		--golden tdx-golden.json --intel-root pki/root.pem "$@"
}
verifies() { # evidence: every check passes
	expect_exit 0 verify "$1"
	for check in nonce keep-signature keep-binding keep-golden golden; do
		assert_eq pass "$(jq -r --arg c "$check" '.checks[$c].status' "$TEST_TMP/out")" \
			"$check of $1"
	done
}
refused() { # message [attest quote options...]: exit 1, no evidence
	local message=$1
	shift
	rm -f bad.json
	expect_exit 1 quote bad.json --tdquote-url "$URL_TDQ" "$@"
	assert_contains "$(cat "$TEST_TMP/err")" "TD quote from $URL_TDQ: " "the URL named"
	assert_contains "$(cat "$TEST_TMP/err")" "$message" "the refusal"
	[ ! -e bad.json ] || fail "evidence written despite: $message"
}

# --- the TD: its HCL report in the NV index, the TD quote the service will give
mkdir pki imds
expect_exit 0 "$tools/dcap-sim" certs pki
expect_exit 0 "$BOOTCHAIN" attest ak create --type rsa --context ak.ctx --out-public ak.pub
head -c 3000 /dev/urandom >kernel.img
printf 'kernel 8 kernel.img\n' >chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain chain --banks sha256
mrtd=$(openssl rand -hex 48)
jq --arg m "$mrtd" '. + {keep: {tdx: {mrtd: [$m]}}}' golden.json >tdx-golden.json
expect_exit 0 "$BOOTCHAIN" measure --chain chain --log boot.log
nonce=$(openssl rand -hex 32)
expect_exit 0 "$tools/hcl-sim" --tdx pki --quote-out td.quote --out hcl.bin --ak-public ak.pub \
	--mrtd "$mrtd"
put_hcl hcl.bin
perl "$IMDS" --port-file imds.port --dir imds 2>imds.err &
PIDS+=($!)
disown # killed at exit without a word from bash
for _ in $(seq 100); do
	[ -s imds.port ] && break
	sleep 0.1
done
[ -s imds.port ] || fail "the simulated metadata service did not start: $(cat imds.err)"
URL_TDQ="http://127.0.0.1:$(cat imds.port)/acc/tdquote"
good=$(jq -cn --arg q "$(b64url <td.quote)" '{quote: $q}')
answer "200 OK" "$good"

# --- attest quote --keep --tdquote-url: evidence that verifies as it is
expect_exit 0 quote ev.json --tdquote-url "$URL_TDQ"
verifies ev.json
assert_eq "$(base64 -w0 td.quote)" "$(jq -r .keep.quote ev.json)" "keep.quote: the service's"
# what the service got: a POST of JSON {"report": the TDREPORT (the HCL report's bytes
# 0x20 to 0x41F) in base64url without padding: 1366 characters}
assert_eq "POST /acc/tdquote HTTP/1.1" "$(tail -n 1 imds/requests)" "the request"
assert_contains "$(cat imds/headers)" "content-type: application/json" "the request's type"
assert_eq '["report"]' "$(jq -c keys imds/request)" "the request's members"
tdreport=$(dd if=hcl.bin bs=1 skip=32 count=1024 status=none | b64url)
assert_eq 1366 "${#tdreport}" "the TDREPORT's length in base64url"
assert_eq "$tdreport" "$(jq -r .report imds/request)" "the TDREPORT sent"

# --- the URL from the environment; --tdquote-url belongs to --keep
n=$(requests)
BOOTCHAIN_AZURE_TDQUOTE_URL=$URL_TDQ expect_exit 0 quote env.json
verifies env.json
assert_eq $((n + 1)) "$(requests)" "\$BOOTCHAIN_AZURE_TDQUOTE_URL used"
expect_exit 2 "$BOOTCHAIN" attest quote --ak ak.ctx --nonce "$nonce" --out x.json \
	--tdquote-url "$URL_TDQ"
assert_contains "$(cat "$TEST_TMP/err")" "--tdquote-url belong to --keep" "without --keep"
[ ! -e x.json ] || fail "evidence written without --keep"

# --- attest serve --keep --tdquote-url: polled evidence passes
start_serve tdq --ak ak.ctx --log boot.log --keep --tdquote-url "$URL_TDQ"
printf 'vm %s ak.pub\n' "$URL" >hosts
n=$(requests)
expect_exit 0 "$BOOTCHAIN" attest poll --hosts hosts --ak ak.pub --keep --json \
	--golden tdx-golden.json --intel-root pki/root.pem
assert_eq true "$(jq -r .pass "$TEST_TMP/out")" "served evidence passes"
assert_eq pass "$(jq -r '.verify.checks["keep-signature"].status' "$TEST_TMP/out")" \
	"served keep-signature"
[ "$(requests)" -gt "$n" ] || fail "attest serve did not ask the service"
stop_serve "$SERVE_PID" tdq

# --- refusals: each names the URL and what was wrong, and writes no evidence
live=$URL_TDQ
URL_TDQ="http://127.0.0.1:$(closed_port)/acc/tdquote"
refused "no answer (3 tries)"
URL_TDQ=$live
n=$(requests)
answer "500 Internal Server Error" '{"error": "the quote service is down"}'
refused "HTTP status 500 (3 tries): the quote service is down"
assert_eq $((n + 3)) "$(requests)" "HTTP 500 tried 3 times"
n=$(requests)
answer "404 Not Found" 'no such thing'
refused "HTTP status 404 (1 try)"
assert_eq $((n + 1)) "$(requests)" "HTTP 404 tried once"
answer "200 OK" 'quote: yes'
refused "not JSON"
answer "200 OK" '["quote"]'
refused "the answer is not a JSON object"
answer "200 OK" '{"quotes": "AAAA"}'
refused 'the answer has no string "quote"'
answer "200 OK" '{"quote": 12}'
refused 'the answer has no string "quote"'
answer "200 OK" "$(jq -cn --arg q "$(base64 -w0 td.quote)" '{quote: $q}')"
if base64 -w0 td.quote | grep -q '[+/]'; then # the standard alphabet is not base64url
	refused '"quote" is not base64url of 1 to 16384 bytes'
fi
answer "200 OK" '{"quote": "AAAAA"}'
refused '"quote" is not base64url of 1 to 16384 bytes'
answer "200 OK" '{"quote": ""}'
refused '"quote" is not base64url of 1 to 16384 bytes'
big=$(head -c 16385 /dev/zero | b64url) # one byte more than a quote may have
answer "200 OK" "{\"quote\": \"$big\"}"
refused '"quote" is not base64url of 1 to 16384 bytes'
huge=$(head -c 30000 /dev/zero | b64url) # the answer past its cap
answer "200 OK" "{\"quote\": \"$huge\"}"
refused "the answer is larger than"
answer "200 OK" "{\"quote\": \"$(head -c 600 /dev/urandom | b64url)\"}"
refused "not a quote: "

# --- a TD quote of another TD: refused by the attester, and by the verifier
expect_exit 0 "$tools/hcl-sim" --tdx pki --quote-out other-td.quote --out other-td.bin \
	--ak-public ak.pub --mrtd "$mrtd" --quote-mrtd "$(openssl rand -hex 48)"
answer "200 OK" "$(jq -cn --arg q "$(b64url <other-td.quote)" '{quote: $q}')"
refused "a quote of another TD than the HCL report's TDREPORT: its MRTD differs"
jq --arg q "$(base64 -w0 other-td.quote)" '.keep.quote = $q' ev.json >other-td.json
expect_exit 3 verify other-td.json
assert_eq fail "$(jq -r '.checks["keep-signature"].status' "$TEST_TMP/out")" \
	"keep-signature of another TD's quote"
assert_contains "$(jq -r '.checks["keep-signature"].message' "$TEST_TMP/out")" \
	"the TD quote is of another TD than the HCL report's TDREPORT: its MRTD" "the verifier"
echo "PASS"
