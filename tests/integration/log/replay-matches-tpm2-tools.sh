#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Acceptance: for every real log, `bootchain log replay --json` gives the PCR values
# that tpm2-tools computed (the pcrs: section of NAME.bin.tpm2-tools.yaml), for every
# bank and PCR listed there, and no others.
. "$TESTS_LIB/common.sh"

logs=("$TESTS_DATA"/eventlogs/*.bin)
[ ${#logs[@]} -ge 12 ] || fail "expected the 12 reference logs, found ${#logs[@]}"
values=0
for log in "${logs[@]}"; do
	name=$(basename "$log")
	tpm2_tools_pcrs "$log.tpm2-tools.yaml" >"$TEST_TMP/theirs"
	"$BOOTCHAIN" log replay "$log" --json >"$TEST_TMP/json" ||
		fail "$name: log replay exited $?"
	json_pcrs <"$TEST_TMP/json" >"$TEST_TMP/ours"
	diff -u "$TEST_TMP/theirs" "$TEST_TMP/ours" || fail "$name: replay differs from tpm2-tools"
	values=$((values + $(wc -l <"$TEST_TMP/theirs")))
done
[ "$values" -ge 100 ] || fail "only $values values compared"

# --pcrs selects, including PCRs no event extended (they keep their reset value)
log="$TESTS_DATA/eventlogs/event-sd-boot-fedora37.bin"
"$BOOTCHAIN" log replay "$log" --pcrs sha256:4,10,17 --json >"$TEST_TMP/json"
assert_eq "$(tpm2_tools_pcrs "$log.tpm2-tools.yaml" | awk '$2 == 4 { print $3 }')" \
	"$(jq -r '.pcrs.sha256["4"]' "$TEST_TMP/json")" "selected PCR 4"
assert_eq "$(printf '0%.0s' $(seq 64))" "$(jq -r '.pcrs.sha256["10"]' "$TEST_TMP/json")" \
	"PCR 10, never extended, is zero"
assert_eq "$(printf 'f%.0s' $(seq 64))" "$(jq -r '.pcrs.sha256["17"]' "$TEST_TMP/json")" \
	"PCR 17, never extended, is all ones"
expect_exit 1 "$BOOTCHAIN" log replay "$log" --pcrs sha1:0
assert_contains "$(cat "$TEST_TMP/err")" "sha1" "a bank the log lacks"
echo "PASS: $values values in ${#logs[@]} logs agree with tpm2-tools"
