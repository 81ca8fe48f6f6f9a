#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark: the freestanding core's hashes (freestanding/sha.c, what bootchain.efi computes
# with, no OpenSSL) against the tools a user would run instead:
#  1. SHA-1, SHA-256 and SHA-384 of a SIZE_MB file (default 256), against `openssl dgst`;
#  2. the Authenticode SHA-256 of the Debian kernel (a PE image, fetched by scripts/deps
#     into /var/cache/bootchain/vmlinuz) and of a UKI with a 64 MiB initrd, against
#     `pesign -h`.
#
#   CORE_DIGEST=path/to/tests/tools/core-digest tests/bench/core-digest.sh
#
# Optional: SIZE_MB, RUNS (default 5), TMPDIR. The digests must agree before anything
# is timed; the files are read once first, so every run hashes from the page cache. The
# core has no SIMD or SHA-NI code: it is portable C for firmware, so OpenSSL is expected
# to be faster; the ratio says by how much a boot stage pays for that.
set -euo pipefail

PROG=${0##*/}
SIZE_MB=${SIZE_MB:-256}
RUNS=${RUNS:-5}
STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
KERNEL=/var/cache/bootchain/vmlinuz

. "$(dirname "$0")/bench-lib.sh"

[ -x "${CORE_DIGEST:-}" ] || die 2 "set CORE_DIGEST to the tests/tools/core-digest binary"
[[ $SIZE_MB =~ ^[1-9][0-9]*$ ]] || die 2 "SIZE_MB must be a positive number"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die 2 "RUNS must be a positive number"
for tool in openssl pesign objcopy; do
	command -v "$tool" >/dev/null || die 99 "$tool not found (run scripts/deps)"
done
[ -f "$STUB" ] || die 99 "$STUB not found (Debian: systemd-boot-efi)"

# median wall time of RUNS runs, in ns
median_of() {
	for _ in $(seq "$RUNS"); do timed "$@"; done | median
}

ratio() { # what ours_ns theirs_ns
	awk -v w="$1" -v o="$2" -v t="$3" 'BEGIN {
		printf "%-34s core %8.1f ms  them %8.1f ms  freestanding/them %.2fx\n", w, o / 1e6, t / 1e6, o / t }'
}

file=$TMP/image.bin
head -c $((SIZE_MB << 20)) /dev/urandom >"$file"
head -c $((64 << 20)) /dev/urandom >"$TMP/initrd"
objcopy --add-section .initrd="$TMP/initrd" --change-section-vma .initrd=0x3000000 \
	--set-section-flags .initrd=data,readonly "$STUB" "$TMP/uki.efi"
cat "$file" "$TMP/uki.efi" >/dev/null
echo "$(openssl version); $(pesign --version 2>&1 | head -1); ${SIZE_MB} MiB, median of $RUNS"

for alg in sha1 sha256 sha384; do
	ours=$("$CORE_DIGEST" --raw "$file" "$alg" | cut -d' ' -f2)
	theirs=$(openssl dgst "-$alg" -r "$file" | cut -d' ' -f1)
	[ "$ours" = "$theirs" ] || die 1 "$alg of $file: core $ours, openssl $theirs"
	ratio "$alg, ${SIZE_MB} MiB vs openssl dgst" \
		"$(median_of "$CORE_DIGEST" --raw "$file" "$alg")" \
		"$(median_of openssl dgst "-$alg" "$file")"
done

pe_files=("$TMP/uki.efi")
[ -f "$KERNEL" ] && pe_files=("$KERNEL" "${pe_files[@]}")
for pe in "${pe_files[@]}"; do
	ours=$("$CORE_DIGEST" "$pe" sha256 | cut -d' ' -f2)
	theirs=$(pesign -h -i "$pe" | awk '{ print $NF }')
	[ "$ours" = "$theirs" ] || die 1 "Authenticode of $pe: core $ours, pesign $theirs"
	ratio "Authenticode ${pe##*/} ($(($(stat -c %s "$pe") >> 20)) MiB) vs pesign" \
		"$(median_of "$CORE_DIGEST" "$pe" sha256)" "$(median_of pesign -h -i "$pe")"
done
