#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Every broken log under tests/data/broken is rejected by every log command with exit
# status 1, a message naming the file, the event and its byte offset (as the table in
# tests/data/broken/README.md gives them), and nothing on standard output.
. "$TESTS_LIB/common.sh"
dir="$TESTS_DATA/broken"
export BOOTCHAIN_TCTI="swtpm:host=127.0.0.1,port=$(closed_port)" # check must fail before the TPM

# "file event record-hex" from the README table
sed -n 's/^| `\([^`]*\.bin\)` |.*| \([0-9]*\) | [0-9]* (\(0x[0-9a-f]*\)) | [0-9]* (0x[0-9a-f]*) |$/\1 \2 \3/p' \
	"$dir/README.md" >"$TEST_TMP/table"
files=$(ls "$dir"/*.bin | wc -l)
assert_eq "$files" "$(wc -l <"$TEST_TMP/table")" "README rows for the broken logs"
[ "$files" -ge 20 ] || fail "only $files broken logs"

while read -r file event record; do
	log="$dir/$file"
	for cmd in "show" "show --verbose" "show --json" "replay" "replay --json" \
		"check" "export --format cel-json"; do
		# shellcheck disable=SC2086
		expect_exit 1 "$BOOTCHAIN" log $cmd "$log"
		err=$(cat "$TEST_TMP/err")
		[ ! -s "$TEST_TMP/out" ] || fail "$file: log $cmd printed output for a broken log"
		assert_contains "$err" "$log" "$file: log $cmd names the file"
		case "$file" in
		empty.bin) assert_contains "$err" "empty" "$file" ;;
		zeros-4096.bin) assert_contains "$err" "only zero bytes" "$file" ;;
		*) assert_contains "$err" "event $event at offset $record:" "$file: log $cmd" ;;
		esac
	done
done <"$TEST_TMP/table"

# the fuzz target's harness over every broken, quirky and real log, under the
# sanitizers of this build
"$FUZZ_CORPUS" "$dir"/*.bin "$TESTS_DATA"/quirks/*.bin "$TESTS_DATA"/eventlogs/*.bin >/dev/null ||
	fail "the fuzz harness failed on the sample logs"
echo "PASS: $files broken logs rejected by 7 commands each"
