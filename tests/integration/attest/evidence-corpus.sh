#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The evidence files under tests/data/evidence (real quotes made on swtpm, and the same
# broken by hand): the fuzz target's harness runs over every one under the sanitizers of
# this build, and `bootchain attest verify` gives each the verdict of the table in
# tests/data/evidence/README.md: the checks that fail, or the file refused with its
# message. Verification needs no TPM.
. "$TESTS_LIB/common.sh"
: "${FUZZ_EVIDENCE_CORPUS:?FUZZ_EVIDENCE_CORPUS must name the evidence fuzz harness}"
dir="$TESTS_DATA/evidence"
nonce=000102030405060708090a0b0c0d0e0f10111213

"$FUZZ_EVIDENCE_CORPUS" "$dir"/* >/dev/null || fail "the fuzz harness failed on the evidence files"

# "file|failed|message" from the README table
sed -n 's/^| `\([^`]*\.json\)` | \([^|]*\) | \([^|]*\) | .*|$/\1|\2|\3/p' "$dir/README.md" \
	>"$TEST_TMP/table"
files=$(find "$dir" -name '*.json' ! -name swtpm-golden.json | wc -l)
assert_eq "$files" "$(wc -l <"$TEST_TMP/table")" "README rows for the evidence files"
[ "$files" -ge 15 ] || fail "only $files evidence files"

while IFS='|' read -r file failed message; do
	status=3
	[ "$failed" = - ] && status=0
	# the PEM of the AK that `attest ak create` made (its origin checked by construction)
	expect_exit "$status" "$BOOTCHAIN" attest verify "$dir/$file" --ak "$dir/swtpm-ak.pem" \
		--ak-pem-checked \
		--nonce "$nonce" --golden "$dir/swtpm-golden.json" \
		--keep-ark "$dir/snp-ark.pem" --keep-ask "$dir/snp-ask.pem" --json
	got=$(jq -r '.failed | join(" ")' "$TEST_TMP/out")
	assert_eq "${failed/#-/}" "$got" "$file: failed checks"
	if [ "$message" != - ]; then
		error=$(jq -r .error "$TEST_TMP/out")
		assert_contains "$error" "$file: " "$file: the message names the file"
		assert_contains "$error" "$message" "$file: message"
	fi
done <"$TEST_TMP/table"
echo "PASS: $files evidence files"
