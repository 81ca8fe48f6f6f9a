#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Enrolling a TDX machine records its Keep: swtpm served by `attest serve --keep` in a
# simulated TD (tests/tools/tdx-sim, quotes of the test DCAP PKI of dcap-sim). The
# identity names the Keep's kind, "tdx", and no chip id (a TD has none); `attest enrol`
# and `fleet enrol` keep the kind. Later verification with that record requires the TDX
# Keep: `attest poll` and `attest verify` pass with it; evidence without a Keep fails
# (the same TPM and AK served without --keep), and so does evidence whose Keep is an
# SEV-SNP report (tests/tools/snp-sim) of that AK: keep-binding, "the enrolled Keep is
# TDX".
. "$TESTS_LIB/common.sh"
tools="$(dirname "$BOOTCHAIN")/tests/tools"
for t in tdx-sim dcap-sim snp-sim; do
	[ -x "$tools/$t" ] || { echo "ERROR: $tools/$t not built (make check builds it)" >&2; exit 99; }
done
for t in jq curl; do
	command -v "$t" >/dev/null || { echo "ERROR: $t not found" >&2; exit 99; }
done
start_swtpm
cd "$TEST_TMP"
SIM_PIDS=()
trap 'for p in "${SIM_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup' EXIT

expect_exit 0 "$tools/dcap-sim" certs pki
expect_exit 0 "$tools/dcap-sim" tcb-info pki --id TDX -o tcb-info.json
expect_exit 0 "$tools/dcap-sim" qe-identity pki --id TD_QE -o qe-identity.json
intel=(--intel-root pki/root.pem --pck-crl pki/pck-crl.der --root-crl pki/root-crl.der
	--tcb-info tcb-info.json --qe-identity qe-identity.json --tcb-signing-chain pki/tcb-chain.pem)
mkdir tsm
"$tools/tdx-sim" --root tsm --pki pki --daemon --pid tsm.pid --event "1:td-firmware"
SIM_PIDS+=("$(cat tsm.pid)")
expect_exit 0 "$BOOTCHAIN" attest ak create --type rsa --out-public ak.pub
STORE=(--ca-dir "$TESTS_LIB/../../data/tpm-ca") # the makers'; this TPM has no EK certificate

head -c 3000 /dev/urandom >kernel.img
printf 'kernel 8 kernel.img\n' >chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain chain --banks sha256
expect_exit 0 "$BOOTCHAIN" measure --chain chain --log boot.log

# --- the identity and the enrolment ---
start_serve td --log boot.log --keep --tsm-root tsm
HOST=${URL#http://}
curl -sf "$URL/v1/identity" >identity.json || fail "GET /v1/identity"
assert_eq tdx "$(jq -r .keep.kind identity.json)" "the identity's Keep kind"
assert_eq tdx_guest "$(jq -r .keep.provider identity.json)" "the identity's Keep provider"
assert_eq false "$(jq '.keep | has("chip_id")' identity.json)" "a TD has no chip id"
mkdir recs
expect_exit 0 "$BOOTCHAIN" attest enrol "$URL" --out-dir recs --allow-uncertified "${STORE[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "with its Keep (tdx)" "enrol says the Keep"
rec="recs/$HOST.json"
assert_eq tdx "$(jq -r .keep.kind "$rec")" "the record's Keep kind"
assert_eq tdx_guest "$(jq -r .keep.provider "$rec")" "the record's Keep provider"
assert_eq false "$(jq '.keep | has("chip_id")' "$rec")" "the record has no chip id"
# the fleet store remembers a Keep without a chip id
expect_exit 0 "$BOOTCHAIN" fleet init --db "sqlite:$TEST_TMP/fleet.db"
expect_exit 0 "$BOOTCHAIN" fleet enrol --db "sqlite:$TEST_TMP/fleet.db" "$URL" --allow-uncertified \
	"${STORE[@]}"
expect_exit 0 "$BOOTCHAIN" fleet list --db "sqlite:$TEST_TMP/fleet.db" --json
assert_eq tdx "$(jq -r '.machines[0].keep_kind' "$TEST_TMP/out")" "fleet list: the Keep's kind"
assert_eq null "$(jq -r '.machines[0].keep_chip_id' "$TEST_TMP/out")" "fleet list: no chip id"

# --- poll and verify with the record: the TDX Keep passes ---
printf 'td %s\n' "$URL" >td.hosts
expect_exit 0 "$BOOTCHAIN" attest poll --hosts td.hosts --enrolment "$rec" --golden golden.json \
	"${intel[@]}" --json
assert_eq true "$(jq -r .pass "$TEST_TMP/out")" "poll: passes with the TDX Keep"
for check in keep-signature keep-binding; do
	assert_eq pass "$(jq -r --arg c "$check" '.verify.checks[$c].status' "$TEST_TMP/out")" \
		"poll: $check"
done
nonce=$(openssl rand -hex 16)
curl -sf "$URL/v1/evidence?nonce=$nonce" -o td-ev.json || fail "GET /v1/evidence"
expect_exit 0 "$BOOTCHAIN" attest verify td-ev.json --enrolment "$rec" --nonce "$nonce" \
	"${intel[@]}"
stop_serve "$SERVE_PID" td

# --- the same machine without its Keep: the enrolled Keep is required ---
start_serve bare --log boot.log
printf '%s %s\n' "$HOST" "$URL" >td.hosts # the record by its file's name: another port now
expect_exit 3 "$BOOTCHAIN" attest poll --hosts td.hosts --enrolment "$rec" --golden golden.json \
	"${intel[@]}" --json
assert_eq false "$(jq -r .pass "$TEST_TMP/out")" "poll: fails without a Keep"
assert_eq fail "$(jq -r '.verify.checks["keep-binding"].status' "$TEST_TMP/out")" \
	"poll: keep-binding without a Keep"
curl -sf "$URL/v1/evidence?nonce=$nonce" -o bare-ev.json || fail "GET /v1/evidence"
expect_exit 3 "$BOOTCHAIN" attest verify bare-ev.json --enrolment "$rec" --nonce "$nonce" \
	"${intel[@]}" --json
assert_eq fail "$(jq -r '.checks["keep-binding"].status' "$TEST_TMP/out")" \
	"verify: keep-binding without a Keep"
assert_contains "$(jq -r '.checks["keep-binding"].message' "$TEST_TMP/out")" \
	"enrolled with its Keep" "verify: the enrolled Keep named"
# the record alone, without the Keep in it, would have passed: the Keep is what failed
jq '.keep = null' "$rec" >nokeep.json
expect_exit 0 "$BOOTCHAIN" attest verify bare-ev.json --enrolment nokeep.json --nonce "$nonce"
stop_serve "$SERVE_PID" bare

# --- the same TPM and AK in an SEV-SNP guest: another Keep's report ---
bash "$TESTS_LIB/../tools/make-snp-certs.sh" snp 2048 >/dev/null
mkdir snp-tsm
"$tools/snp-sim" --root snp-tsm --vcek-key snp/vcek-key.pem \
	--measurement "$(openssl rand -hex 48)" --policy 30000 --daemon --pid snp-tsm.pid
SIM_PIDS+=("$(cat snp-tsm.pid)")
start_serve snp --no-log --keep --tsm-root snp-tsm --keep-vcek snp/vcek.pem
curl -sf "$URL/v1/evidence?nonce=$nonce" -o snp-ev.json || fail "GET /v1/evidence"
amd=(--keep-ark snp/ark.pem --keep-ask snp/ask.pem)
# it is good SEV-SNP evidence of this AK: with the record's Keep removed, it passes
expect_exit 0 "$BOOTCHAIN" attest verify snp-ev.json --enrolment nokeep.json --nonce "$nonce" \
	"${amd[@]}"
expect_exit 3 "$BOOTCHAIN" attest verify snp-ev.json --enrolment "$rec" --nonce "$nonce" \
	"${amd[@]}" --json
assert_eq pass "$(jq -r '.checks["keep-signature"].status' "$TEST_TMP/out")" \
	"an SNP report, well signed"
assert_eq fail "$(jq -r '.checks["keep-binding"].status' "$TEST_TMP/out")" \
	"an SNP report for a TDX record"
assert_contains "$(jq -r '.checks["keep-binding"].message' "$TEST_TMP/out")" \
	"the enrolled Keep is TDX" "the kind named"
stop_serve "$SERVE_PID" snp
echo "PASS"
