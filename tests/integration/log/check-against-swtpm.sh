#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `bootchain log check` against swtpm: extend swtpm with the events of a real log (the
# digests taken from tpm2-tools' YAML, not from our parser), then the check matches;
# one extra extend makes it exit 3 naming the bank, the PCR and the last events.
. "$TESTS_LIB/common.sh"
start_swtpm
log="$TESTS_DATA/eventlogs/event-sd-boot-fedora37.bin"

# "pcr digest" for every extending event, from the YAML
awk '/^  PCRIndex:/ { pcr = $2 } /^  EventType:/ { type = $2 }
     /AlgorithmId: sha256/ { want = 1; next }
     want && /Digest:/ { gsub(/"/, "", $2); if (type != "EV_NO_ACTION") print pcr, $2; want = 0 }' \
	"$log.tpm2-tools.yaml" >"$TEST_TMP/extends"
[ "$(wc -l <"$TEST_TMP/extends")" -ge 20 ] || fail "too few events read from the YAML"
while read -r pcr digest; do
	"$BOOTCHAIN" pcr extend "$pcr" "sha256:$digest" >/dev/null
done <"$TEST_TMP/extends"

expect_exit 0 "$BOOTCHAIN" log check "$log"
assert_contains "$(cat "$TEST_TMP/out")" "replays to the TPM's values for sha256:0-7,9,12" "match"
expect_exit 0 "$BOOTCHAIN" log check "$log" --json
assert_eq "true" "$(jq .match "$TEST_TMP/out")" "JSON match"
assert_eq "0" "$(jq '.mismatches | length' "$TEST_TMP/out")" "JSON mismatches"
expect_exit 0 "$BOOTCHAIN" log check "$log" --pcrs sha256:4,7

# PCR 10 was never extended by the log: selecting it compares the reset value
expect_exit 0 "$BOOTCHAIN" log check "$log" --pcrs sha256:10

# one more measurement into PCR 4 that the log does not record
"$BOOTCHAIN" pcr extend 4 "sha256:$(echo intruder | openssl_digest sha256)" >/dev/null
expect_exit 3 "$BOOTCHAIN" log check "$log"
out=$(cat "$TEST_TMP/out")
assert_contains "$out" "sha256 PCR 4 differs" "names bank and PCR"
assert_contains "$out" "TPM has         $(pcr_value sha256 4)" "shows the TPM value"
# the last events that extended PCR 4 in the log, by tpm2-tools' numbering
last=$(awk '/^- EventNum:/ { n = $3 } /^  PCRIndex: 4$/ { print n }' "$log.tpm2-tools.yaml" | tail -1)
assert_contains "$out" "event $last EV_" "names the last event extending PCR 4"
assert_contains "$out" "1 of sha256:0-7,9,12 differ" "summary"
expect_exit 3 "$BOOTCHAIN" log check "$log" --json
assert_eq "false" "$(jq .match "$TEST_TMP/out")" "JSON match after tampering"
assert_eq "4" "$(jq '.mismatches[0].pcr' "$TEST_TMP/out")" "JSON mismatch PCR"
assert_eq "$last" "$(jq '.mismatches[0].last_events[-1].number' "$TEST_TMP/out")" "JSON last event"
expect_exit 0 "$BOOTCHAIN" log check "$log" --pcrs sha256:7 # other PCRs still match

# no TPM: exit 4
expect_exit 4 "$BOOTCHAIN" log check "$log" -T "swtpm:host=127.0.0.1,port=$(closed_port)"
echo "PASS"
