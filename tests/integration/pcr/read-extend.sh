#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# After `pcr extend`, `pcr read` gives H(old || digest), computed independently with
# openssl, in every bank extended; --from-file hashes files and pipes in every bank.
. "$TESTS_LIB/common.sh"
start_swtpm

# one bank
old=$(pcr_value sha256 16)
digest=$(head -c 100 /dev/urandom | openssl_digest sha256)
"$BOOTCHAIN" pcr extend 16 "sha256:$digest" >/dev/null
assert_eq "$(expected_extend sha256 "$old" "$digest")" "$(pcr_value sha256 16)" "sha256 PCR 16"

# three banks in one extend, twice in a row
for round in 1 2; do
	declare -A before digests
	list=
	for alg in sha1 sha256 sha384; do
		before[$alg]=$(pcr_value "$alg" 10)
		digests[$alg]=$(echo "round $round $alg" | openssl_digest "$alg")
		list="$list${list:+,}$alg:${digests[$alg]}"
	done
	"$BOOTCHAIN" pcr extend 10 "$list" >/dev/null
	for alg in sha1 sha256 sha384; do
		assert_eq "$(expected_extend "$alg" "${before[$alg]}" "${digests[$alg]}")" \
			"$(pcr_value "$alg" 10)" "$alg PCR 10 round $round"
	done
done

# --from-file: every allocated bank, from a file and from a pipe
head -c 300000 /dev/urandom >"$TEST_TMP/layer"
banks=$("$BOOTCHAIN" pcr read --json | jq -r '.pcrs | keys[]')
[ -n "$banks" ] || fail "no allocated banks"
for source in file pipe; do
	declare -A before
	for alg in $banks; do before[$alg]=$(pcr_value "$alg" 23); done
	if [ $source = file ]; then
		"$BOOTCHAIN" pcr extend 23 --from-file "$TEST_TMP/layer" --json >"$TEST_TMP/ext"
	else
		"$BOOTCHAIN" pcr extend 23 --from-file <(cat "$TEST_TMP/layer") --json >"$TEST_TMP/ext"
	fi
	for alg in $banks; do
		d=$(openssl_digest "$alg" <"$TEST_TMP/layer")
		assert_eq "$d" "$(jq -r ".digests.$alg" "$TEST_TMP/ext")" "$source: printed $alg digest"
		assert_eq "$(expected_extend "$alg" "${before[$alg]}" "$d")" "$(pcr_value "$alg" 23)" \
			"$source: $alg PCR 23"
	done
done

# reading more than 8 PCRs of several banks loops over TPM2_PCR_Read
count=$("$BOOTCHAIN" pcr read sha1:all+sha256:all --json | jq '[.pcrs[] | length] | add')
assert_eq 48 "$count" "PCRs read from two full banks"

# text output names the bank and PCR
"$BOOTCHAIN" pcr read sha256:16 >"$TEST_TMP/text"
assert_contains "$(cat "$TEST_TMP/text")" "sha256:" "text output"
assert_contains "$(cat "$TEST_TMP/text")" "16: $(pcr_value sha256 16)" "text output"

# a missing file is an error (1), and nothing is extended
before=$(pcr_value sha256 23)
expect_exit 1 "$BOOTCHAIN" pcr extend 23 --from-file "$TEST_TMP/nonexistent"
assert_contains "$(cat "$TEST_TMP/err")" "nonexistent" "missing file message"
assert_eq "$before" "$(pcr_value sha256 23)" "PCR 23 after a failed extend"
echo "PASS"
