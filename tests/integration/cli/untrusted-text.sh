#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Text from untrusted input never reaches the terminal raw (issue 11): an escape
# sequence or a newline in a golden database, in an evidence file or in event data is
# printed as \xNN in human output and escaped as JSON escapes in --json output.
. "$TESTS_LIB/common.sh"
cd "$TEST_TMP"
esc=$'\x1b' bel=$'\x07'

no_raw_control() { # file what
	if LC_ALL=C grep -q "[$esc$bel]" "$1"; then
		fail "$2: a raw control character reached the output: $(od -c "$1" | head -5)"
	fi
}

# a golden database: a control character in a name is refused, naming the place
printf '{"format": "bootchain-golden-v1", "components": [{"name": "k\\u001b[2Jernel", "pcr": 8, "versions": [{"digests": {"sha256": "%s"}}]}]}\n' \
	"$(printf '%064d' 0)" >evil-name.json
expect_exit 1 "$BOOTCHAIN" golden show evil-name.json
assert_contains "$(cat "$TEST_TMP/err")" "components[0].name" "the bad name is located"
assert_contains "$(cat "$TEST_TMP/err")" "control character (0x1b)" "and named"
no_raw_control "$TEST_TMP/err" "golden show"

# an error message that quotes the file: escaped
printf '{"format": "bootchain-golden-v1", "\\u001b]0;pwned\\u0007": 1, "components": []}\n' \
	>evil-format.json
expect_exit 1 "$BOOTCHAIN" golden show evil-format.json
assert_contains "$(cat "$TEST_TMP/err")" '\x1b]0;pwned\x07' "the unknown key is quoted escaped"
no_raw_control "$TEST_TMP/err" "golden show of a bad format"

# evidence that quotes itself in the reason it is refused
printf '{"format": "bootchain-evidence-v1\\u001b[31m\\nevil.json: every check passed"}' >evil.json
"$BOOTCHAIN" attest verify evil.json --ak "$TESTS_DATA/evidence/swtpm-ak.pem" --ak-pem-checked \
	--nonce 00 >out.txt 2>err.txt && fail "bad evidence passed"
no_raw_control out.txt "attest verify"
grep -q '^evil.json: every check passed' out.txt && fail "a forged line reached the output"
"$BOOTCHAIN" attest verify evil.json --ak "$TESTS_DATA/evidence/swtpm-ak.pem" --ak-pem-checked \
	--nonce 00 --json >out.json 2>err.txt && fail "bad evidence passed"
jq -e . out.json >/dev/null || fail "the JSON output is not JSON"
no_raw_control out.json "attest verify --json"

# event data: an EV_IPL string with an escape sequence and a newline
if command -v perl >/dev/null; then
	perl -e '
		my $data = "grub_cmd: linux /vmlinuz\x1b[2J\nHALT";
		my $d = "\0" x 32;
		print pack("V V a20 V", 0, 3, "\0" x 20, 33),
		      "Spec ID Event03\0", pack("V C C C C V v v C", 0, 0, 2, 0, 2, 1, 0x0b, 32, 0);
		print pack("V V V v", 8, 0x0d, 1, 0x0b), $d, pack("V", length $data), $data;
	' >evil.log
	expect_exit 0 "$BOOTCHAIN" log show evil.log
	no_raw_control "$TEST_TMP/out" "log show"
	expect_exit 0 "$BOOTCHAIN" log show evil.log --verbose
	no_raw_control "$TEST_TMP/out" "log show --verbose"
	assert_contains "$(cat "$TEST_TMP/out")" '\x1b[2J' "event data escaped"
	expect_exit 0 "$BOOTCHAIN" log show evil.log --json
	jq -e . "$TEST_TMP/out" >/dev/null || fail "log show --json is not JSON"
	no_raw_control "$TEST_TMP/out" "log show --json"
fi
echo "untrusted text: escaped everywhere it was printed"
