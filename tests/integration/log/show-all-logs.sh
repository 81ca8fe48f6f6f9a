#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `bootchain log show` (plain, --verbose, --json) and `log export --format cel-json`
# handle every event of every real log without error; the JSON is valid and complete.
. "$TESTS_LIB/common.sh"

for log in "$TESTS_DATA"/eventlogs/*.bin; do
	name=$(basename "$log")
	# tpm2-tools numbers events from 0, as we do; its last EventNum is our last number
	want=$(grep -c '^- EventNum:' "$log.tpm2-tools.yaml" || true)
	[ "$want" -gt 0 ] || want=$(grep -c '^  PCRIndex:' "$log.tpm2-tools.yaml")

	expect_exit 0 "$BOOTCHAIN" log show "$log"
	lines=$(($(wc -l <"$TEST_TMP/out") - 2)) # a header line and a column line
	assert_eq "$want" "$lines" "$name: events listed"
	[ ! -s "$TEST_TMP/err" ] || fail "$name: log show wrote to stderr: $(cat "$TEST_TMP/err")"

	expect_exit 0 "$BOOTCHAIN" log show --verbose "$log"
	[ "$(wc -l <"$TEST_TMP/out")" -gt "$lines" ] || fail "$name: --verbose shows no more"

	expect_exit 0 "$BOOTCHAIN" log show --json "$log"
	assert_eq "$want" "$(jq '.events | length' "$TEST_TMP/out")" "$name: JSON events"
	assert_eq "0" "$(jq '[.events[] | select(.payload == "differs")] | length' "$TEST_TMP/out")" \
		"$name: events whose digest does not match their data"
	# every digest tpm2-tools printed is in our JSON, in order
	grep -o 'Digest: "[0-9a-f]*"' "$log.tpm2-tools.yaml" | cut -d'"' -f2 >"$TEST_TMP/theirs"
	jq -r '.events[].digests[]' "$TEST_TMP/out" >"$TEST_TMP/ours"
	diff -q "$TEST_TMP/theirs" "$TEST_TMP/ours" >/dev/null || fail "$name: digests differ from tpm2-tools"

	expect_exit 0 "$BOOTCHAIN" log export --format cel-json "$log"
	assert_eq "$want" "$(jq 'length' "$TEST_TMP/out")" "$name: CEL records"
	assert_eq "pcclient_std" "$(jq -r '.[0].content_type' "$TEST_TMP/out")" "$name: CEL content type"
	# the CEL event data is the event data: round-trip the first record's base64
	jq -r '.[-1].content.event_data' "$TEST_TMP/out" | base64 -d >"$TEST_TMP/data"
	size=$(jq '.events[-1].data_size' <("$BOOTCHAIN" log show --json "$log"))
	assert_eq "$size" "$(stat -c %s "$TEST_TMP/data")" "$name: CEL event data size"
done

expect_exit 2 "$BOOTCHAIN" log export "$TESTS_DATA/eventlogs/event.bin"
expect_exit 2 "$BOOTCHAIN" log export --format yaml "$TESTS_DATA/eventlogs/event.bin"
# export always writes JSON: --json is refused, not ignored
expect_exit 2 "$BOOTCHAIN" log export --format cel-json --json "$TESTS_DATA/eventlogs/event.bin"
assert_contains "$(cat "$TEST_TMP/err")" "--json: export always writes JSON" "log export --json"
expect_exit 1 "$BOOTCHAIN" log show "$TEST_TMP/does-not-exist"
assert_contains "$(cat "$TEST_TMP/err")" "does-not-exist" "missing file named"
echo "PASS"
