#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The attested-view property (tests/fuzz/fuzz-attested-view.c) over random rewrites of
# real swtpm event logs, from fixed seeds: whenever a forged log passes verification
# with the golden database, every digest judged was attested and is the TPM's. It
# aborts otherwise. `scripts/fuzz SECONDS attested-view` drives it with libFuzzer.
. "$TESTS_LIB/common.sh"
prop="$(dirname "$BOOTCHAIN")/tests/fuzz/fuzz-attested-view-random"
[ -x "$prop" ] || { echo "ERROR: $prop not built" >&2; exit 99; }
export BC_EVIDENCE_DIR="$TESTS_DATA/evidence"
for seed in 1 2 3; do
	"$prop" 10000 "$seed" >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
		fail "seed $seed: the property failed: $(cat "$TEST_TMP/err")"
	cat "$TEST_TMP/err"
	passed=$(sed -n 's/.*forged logs, \([0-9]*\) passed.*/\1/p' "$TEST_TMP/err")
	# the property must have been tried: some rewrites keep the quoted values
	[ "${passed:-0}" -gt 100 ] || fail "seed $seed: only ${passed:-0} forged logs passed"
done
