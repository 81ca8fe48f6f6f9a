#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark: `bootchain measure --dry-run` against the tools a user would run instead.
#  1. a SIZE_MB file (default 1024) in the sha256 bank, against `openssl dgst -sha256`;
#  2. the same file in sha1+sha256+sha384 at once, against three `openssl dgst` runs;
#  3. the Authenticode digest of a large EFI image (a unified kernel image built with
#     objcopy from systemd's EFI stub and a 256 MiB initrd), against `pesign -h`.
#
#   BOOTCHAIN=path/to/bootchain tests/bench/measure-hash.sh
#
# Optional: SIZE_MB, RUNS (default 5), TMPDIR. The digests must agree before anything
# is timed. The file is read once before timing, so every run hashes from the page cache.
# The targets are printed next to the ratios, never asserted.
# Exit status: 0 done, 1 a tool failed or the digests disagree, 2 usage, 99 missing tool.
set -euo pipefail

PROG=${0##*/}
SIZE_MB=${SIZE_MB:-1024}
RUNS=${RUNS:-5}
STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub

. "$(dirname "$0")/bench-lib.sh"

[ -x "${BOOTCHAIN:-}" ] || die 2 "set BOOTCHAIN to the bootchain binary"
[[ $SIZE_MB =~ ^[1-9][0-9]*$ ]] || die 2 "SIZE_MB must be a positive number"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die 2 "RUNS must be a positive number"
for tool in openssl pesign objcopy jq awk; do
	command -v "$tool" >/dev/null ||
		die 99 "$tool not found (Debian: openssl, pesign, binutils, jq; or run scripts/deps)"
done
[ -f "$STUB" ] || die 99 "$STUB not found (Debian: systemd-boot-efi)"

free_mb=$(df -Pm "$TMP" | awk 'NR == 2 { print $4 }')
[ "$free_mb" -gt $((SIZE_MB + 512)) ] || die 1 "$TMP: ${free_mb} MiB free, need $((SIZE_MB + 512))"

ours() { # file banks kind
	"$BOOTCHAIN" measure "$1" --pcr 0 --dry-run "--$3" --banks "$2" --json
}

openssl3() {
	openssl dgst -sha1 "$1" && openssl dgst -sha256 "$1" && openssl dgst -sha384 "$1"
}

digest_of() { # json alg
	jq -r ".layers[0].digests.$2" <<<"$1"
}

echo "bootchain: $BOOTCHAIN"
echo "$(openssl version); $(pesign --version 2>&1 | head -1)"
echo "preparing a ${SIZE_MB} MiB file and a UKI ..." >&2
file=$TMP/image.bin
head -c $((SIZE_MB << 20)) /dev/urandom >"$file"
head -c $((256 << 20)) /dev/urandom >"$TMP/initrd"
objcopy --add-section .initrd="$TMP/initrd" --change-section-vma .initrd=0x3000000 \
	--set-section-flags .initrd=data,readonly "$STUB" "$TMP/uki.efi"
rm "$TMP/initrd"
cat "$file" "$TMP/uki.efi" >/dev/null

# agreement first
json=$(ours "$file" sha1,sha256,sha384 raw)
for alg in sha1 sha256 sha384; do
	theirs=$(openssl dgst "-$alg" -r "$file" | cut -d' ' -f1)
	[ "$(digest_of "$json" "$alg")" = "$theirs" ] || die 1 "$alg digests disagree with openssl"
done
theirs=$(pesign -h -i "$TMP/uki.efi" | awk '{ print $NF }')
[ "$(digest_of "$(ours "$TMP/uki.efi" sha256 pe)" sha256)" = "$theirs" ] ||
	die 1 "the Authenticode digest disagrees with pesign -h"
echo "digests agree with openssl and pesign" >&2

for name in bc1 ossl1 bc3 ossl3 bcpe pesign; do : >"$TMP/t-$name"; done
for _ in $(seq "$RUNS"); do
	timed ours "$file" sha256 raw >>"$TMP/t-bc1"
	timed openssl dgst -sha256 "$file" >>"$TMP/t-ossl1"
	timed ours "$file" sha1,sha256,sha384 raw >>"$TMP/t-bc3"
	timed openssl3 "$file" >>"$TMP/t-ossl3"
	timed ours "$TMP/uki.efi" sha256 pe >>"$TMP/t-bcpe"
	timed pesign -h -i "$TMP/uki.efi" >>"$TMP/t-pesign"
done
for name in bc1 ossl1 bc3 ossl3 bcpe pesign; do
	printf -v "m_$name" "%s" "$(median <"$TMP/t-$name")"
done

ms() { awk -v n="$1" 'BEGIN { printf "%.0f ms", n / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mbs() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f MB/s", s * 1048576 / 1e6 / (n / 1e9) }'; }

uki_mb=$(($(stat -c %s "$TMP/uki.efi") >> 20))
echo
echo "median of $RUNS runs, file in the page cache:"
echo "1. ${SIZE_MB} MiB, sha256:"
echo "   bootchain measure --dry-run   $(ms "$m_bc1")  $(mbs "$m_bc1" "$SIZE_MB")"
echo "   openssl dgst -sha256          $(ms "$m_ossl1")  $(mbs "$m_ossl1" "$SIZE_MB")"
r=$(ratio "$m_bc1" "$m_ossl1")
echo "   time ratio bootchain/openssl: $r (target: at most 1.10: $(awk -v r="$r" 'BEGIN { print (r <= 1.10) ? "met" : "NOT met" }'))"
echo "2. ${SIZE_MB} MiB, sha1+sha256+sha384:"
echo "   bootchain, three banks at once $(ms "$m_bc3")"
echo "   three openssl dgst runs        $(ms "$m_ossl3")"
r=$(ratio "$m_ossl3" "$m_bc3")
echo "   speed-up: ${r}x (target: faster than the three runs: $(awk -v r="$r" 'BEGIN { print (r > 1) ? "met" : "NOT met" }'))"
echo "3. Authenticode of a ${uki_mb} MiB UKI:"
echo "   bootchain measure --pe        $(ms "$m_bcpe")"
echo "   pesign -h                     $(ms "$m_pesign")"
r=$(ratio "$m_pesign" "$m_bcpe")
echo "   speed-up: ${r}x (target: faster than pesign: $(awk -v r="$r" 'BEGIN { print (r > 1) ? "met" : "NOT met" }'))"
