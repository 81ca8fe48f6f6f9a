#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Valid logs with real-world quirks (StartupLocality 3 and 4, D-RTM PCRs 17-22 that
# reset to all ones, zero padding, short EV_POST_CODE, EV_EVENT_TAG, EV_NO_ACTION in the
# middle, EV_NO_ACTION in PCR index 0xFFFFFFFF as Windows logs them) replay to the values
# computed by hand with openssl (NAME.expected), and every command reads them without
# error.
. "$TESTS_LIB/common.sh"
dir="$TESTS_DATA/quirks"
count=0
for log in "$dir"/*.bin; do
	name=$(basename "$log" .bin)
	expected="$dir/$name.expected"
	[ -s "$expected" ] || fail "$name: no expected values"
	sort "$expected" >"$TEST_TMP/theirs"
	# select exactly the PCRs the expectation lists
	selection=$(awk '{ sel[$1] = sel[$1] (sel[$1] ? "," : "") $2 }
		END { n = 0; for (b in sel) printf "%s%s:%s", (n++ ? "+" : ""), b, sel[b] }' "$expected")
	"$BOOTCHAIN" log replay "$log" --pcrs "$selection" --json | json_pcrs >"$TEST_TMP/ours"
	diff -u "$TEST_TMP/theirs" "$TEST_TMP/ours" || fail "$name: replay differs from the expected values"
	for cmd in "show" "show --verbose" "show --json" "export --format cel-json"; do
		# shellcheck disable=SC2086
		expect_exit 0 "$BOOTCHAIN" log $cmd "$log"
	done
	count=$((count + 1))
done
[ "$count" -ge 6 ] || fail "only $count quirk logs"

# PCR index 0xFFFFFFFF (Windows): accepted on EV_NO_ACTION only, never extended (the
# replays above), shown as PCR -1; on any other event type the log is refused.
for name in no-action-pcr-none sha1-no-action-pcr-none; do
	log="$dir/$name.bin"
	expect_exit 0 "$BOOTCHAIN" log show "$log"
	assert_contains "$(cat "$TEST_TMP/out")" "  -1  EV_NO_ACTION" "$name: shown as PCR -1"
	expect_exit 0 "$BOOTCHAIN" log show "$log" --json
	offset=$(jq '[.events[] | select(.pcr == 4294967295)][0].offset' "$TEST_TMP/out")
	[ "$offset" != null ] || fail "$name: no event with PCR index 0xFFFFFFFF in the JSON"
	# the same event as an EV_SEPARATOR (type 4, after the 4-byte PCR index)
	cp "$log" "$TEST_TMP/bad.bin"
	printf '\004\000\000\000' | dd of="$TEST_TMP/bad.bin" bs=1 seek=$((offset + 4)) \
		conv=notrunc status=none
	expect_exit 1 "$BOOTCHAIN" log show "$TEST_TMP/bad.bin"
	assert_contains "$(cat "$TEST_TMP/err")" "PCR index 4294967295 is out of range" \
		"$name: PCR 0xFFFFFFFF on an EV_SEPARATOR refused"
done
echo "PASS: $count quirky logs"
