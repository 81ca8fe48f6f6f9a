#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The PE fuzz target of the freestanding core (tests/fuzz/fuzz-pe.c) under the sanitizers
# of this build, over its well-formed seeds, the malformed images of tests/data/pe and
# deterministic mutations of each (tests/fuzz/mutate-main.c): the ranges lie in the image
# in the order freestanding/pe.c promises, the core's digests equal OpenSSL's, and the
# core and the library accept and refuse the same images. It aborts otherwise.
# `scripts/fuzz SECONDS pe` drives it with libFuzzer.
. "$TESTS_LIB/common.sh"
prog="$(dirname "$BOOTCHAIN")/tests/fuzz/fuzz-pe-corpus"
[ -x "$prog" ] || { echo "ERROR: $prog not built" >&2; exit 99; }
for seed in 1 2; do
	"$prog" -m 500 -s "$seed" "$TESTS_DATA"/pe/*.efi >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
		fail "seed $seed: a property failed: $(cat "$TEST_TMP/err")"
	cat "$TEST_TMP/out"
	# the digests must have been compared: some mutations keep an image well-formed
	accepted=$(sed -n 's/.*: \([0-9]*\) images accepted.*/\1/p' "$TEST_TMP/out")
	[ "${accepted:-0}" -gt 500 ] || fail "seed $seed: only ${accepted:-0} images accepted"
done
# the seeds written for libFuzzer are the images the runs start from, and well-formed
port=$(closed_port)
export BOOTCHAIN_TCTI="swtpm:host=127.0.0.1,port=$port" # a dry run needs no TPM
mkdir "$TEST_TMP/seeds"
"$prog" -w "$TEST_TMP/seeds" >/dev/null || fail "the seeds were not written"
seeds=0
for f in "$TEST_TMP"/seeds/*; do
	"$BOOTCHAIN" measure "$f" --dry-run --pe --banks sha256 >/dev/null 2>"$TEST_TMP/err" ||
		fail "$f: a seed is refused: $(cat "$TEST_TMP/err")"
	seeds=$((seeds + 1))
done
[ "$seeds" -ge 6 ] || fail "only $seeds seeds written"
echo "PASS: $seeds well-formed seeds"
