#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The stage fuzz target of the freestanding core (tests/fuzz/fuzz-stage.c) under the
# sanitizers of this build, over the .bcchain sections it encodes as seeds and
# deterministic mutations of each (tests/fuzz/mutate-main.c): every chain that parses is
# run by the stage in trusted and measured mode, and the properties of a halt, of what
# starts, of the digests extended and of the memory used hold. It aborts otherwise.
# `scripts/fuzz SECONDS stage` drives it with libFuzzer.
. "$TESTS_LIB/common.sh"
prog="$(dirname "$BOOTCHAIN")/tests/fuzz/fuzz-stage-corpus"
[ -x "$prog" ] || { echo "ERROR: $prog not built" >&2; exit 99; }
for seed in 1 2; do
	"$prog" -m 2000 -s "$seed" >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
		fail "seed $seed: a property failed: $(cat "$TEST_TMP/err")"
	cat "$TEST_TMP/out"
	# the stage must have run, halted and started images, not only refused chains
	line=$(cat "$TEST_TMP/out")
	run=$(sed -n 's/.*: \([0-9]*\) chains run.*/\1/p' <<<"$line")
	halts=$(sed -n 's/.* \([0-9]*\) trusted halts.*/\1/p' <<<"$line")
	started=$(sed -n 's/.* \([0-9]*\) images started.*/\1/p' <<<"$line")
	[ "${run:-0}" -gt 1000 ] || fail "seed $seed: only ${run:-0} chains ran"
	[ "${halts:-0}" -gt 500 ] || fail "seed $seed: only ${halts:-0} halts"
	[ "${started:-0}" -gt 500 ] || fail "seed $seed: only ${started:-0} images started"
done
