#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Valid logs with real-world quirks (StartupLocality 3 and 4, D-RTM PCRs 17-22 that
# reset to all ones, zero padding, short EV_POST_CODE, EV_EVENT_TAG, EV_NO_ACTION in the
# middle) replay to the values computed by hand with openssl (NAME.expected), and
# every command reads them without error.
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
echo "PASS: $count quirky logs"
