#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The Authenticode digest of the freestanding core (freestanding/pe.c hashed with freestanding/sha.c,
# what bootchain.efi extends; printed by tests/tools/core-digest) equals `pesign -h` in
# sha1 and sha256, and `bootchain measure --pe` (OpenSSL) in sha1, sha256 and sha384, for
# the real EFI binaries of this machine: systemd-boot, the systemd stub, Debian's kernel
# (fetched by scripts/deps), shim and grub when installed, each also signed with sbsign.
# Every malformed image of tests/data/pe is refused by the core with the message its
# README gives. A binary that is absent is skipped with a message; fewer than three
# compared fails.
. "$TESTS_LIB/common.sh"
for tool in pesign sbsign openssl jq; do
	command -v "$tool" >/dev/null ||
		{ echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
CORE_DIGEST="$(dirname "$BOOTCHAIN")/tests/tools/core-digest"
[ -x "$CORE_DIGEST" ] || fail "$CORE_DIGEST not built"
port=$(closed_port)
export BOOTCHAIN_TCTI="swtpm:host=127.0.0.1,port=$port" # a dry run needs no TPM

core() { # file alg
	"$CORE_DIGEST" "$1" "$2" | sed -n "s/^$2 \([0-9a-f]*\)\$/\1/p"
}

pesign_hash() { # file alg
	pesign -d "$2" -h -i "$1" | sed -n 's/^hash: \([0-9a-f]*\)$/\1/p'
}

openssl_hash() { # file alg: the userspace library's digest (OpenSSL)
	"$BOOTCHAIN" measure "$1" --dry-run --pe --banks "$2" --json |
		jq -er --arg alg "$2" 'first(.. | objects | select(has("digests"))) | .digests[$alg]'
}

compare() { # file label
	local alg want got
	for alg in sha1 sha256 sha384; do
		got=$(core "$1" "$alg") || fail "$2: core-digest $alg failed"
		[ -n "$got" ] || fail "$2: core-digest printed no $alg digest"
		want=$(openssl_hash "$1" "$alg") || fail "$2: bootchain measure --banks $alg failed"
		assert_eq "$want" "$got" "$2: the core's $alg digest equals OpenSSL's"
		if [ "$alg" != sha384 ]; then # pesign knows sha1 and sha256
			want=$(pesign_hash "$1" "$alg") || fail "$2: pesign -d $alg -h failed"
			[ -n "$want" ] || fail "$2: pesign -d $alg -h printed no hash"
			assert_eq "$want" "$got" "$2: the core's $alg digest equals pesign -h"
		fi
	done
	# the three banks in one pass give the same digests as one at a time
	"$CORE_DIGEST" "$1" sha384 sha1 sha256 >"$TEST_TMP/all" || fail "$2: core-digest failed"
	assert_eq "sha384 $(core "$1" sha384)
sha1 $(core "$1" sha1)
sha256 $(core "$1" sha256)" "$(cat "$TEST_TMP/all")" "$2: three banks at once"
	echo "$2: sha256 $(core "$1" sha256)"
}

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=bootchain test signer" \
	-keyout "$TEST_TMP/db.key" -out "$TEST_TMP/db.crt" 2>/dev/null || fail "openssl req failed"

binaries=(
	/usr/lib/systemd/boot/efi/systemd-bootx64.efi
	/usr/lib/systemd/boot/efi/linuxx64.efi.stub
	/var/cache/bootchain/vmlinuz
	/usr/lib/shim/shimx64.efi
	/usr/lib/grub/x86_64-efi/monolithic/grubx64.efi
)
compared=0
for efi in "${binaries[@]}"; do
	if [ ! -f "$efi" ]; then
		echo "SKIP: $efi: absent (scripts/deps installs or fetches it)"
		continue
	fi
	name=$(basename "$efi")
	compare "$efi" "$name"
	sbsign --key "$TEST_TMP/db.key" --cert "$TEST_TMP/db.crt" --output "$TEST_TMP/$name.signed" \
		"$efi" >/dev/null 2>&1 || fail "sbsign $efi failed"
	compare "$TEST_TMP/$name.signed" "$name, signed"
	compared=$((compared + 1))
done
[ "$compared" -ge 3 ] ||
	fail "only $compared EFI binaries compared, need 3: run scripts/deps as root"

# a byte changed in a section changes the core's digest (the test can fail)
efi=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
if [ -f "$efi" ]; then
	cp "$efi" "$TEST_TMP/changed.efi"
	at=$(($(stat -c %s "$efi") / 2))
	byte=$(od -An -tu1 -j "$at" -N1 "$efi" | tr -d ' ')
	printf "$(printf '\\%03o' $((byte ^ 0xff)))" |
		dd of="$TEST_TMP/changed.efi" bs=1 seek="$at" conv=notrunc status=none
	[ "$(core "$efi" sha256)" != "$(core "$TEST_TMP/changed.efi" sha256)" ] ||
		fail "one byte changed at $at, the same digest"
	assert_eq "$(pesign_hash "$TEST_TMP/changed.efi" sha256)" \
		"$(core "$TEST_TMP/changed.efi" sha256)" "the changed image: the core equals pesign"
fi

# every malformed image is refused as tests/data/pe/README.md says
dir="$TESTS_DATA/pe"
sed -n 's/^| `\([^`]*\.efi\)` | .* | `\([^`]*\)` |$/\1\t\2/p' "$dir/README.md" >"$TEST_TMP/table"
files=$(ls "$dir"/*.efi | wc -l)
assert_eq "$files" "$(wc -l <"$TEST_TMP/table")" "README rows for the malformed images"
while IFS=$'\t' read -r file want; do
	expect_exit 1 "$CORE_DIGEST" "$dir/$file" sha256
	assert_contains "$(cat "$TEST_TMP/err")" "core-digest: $dir/$file: $want" "$file"
done <"$TEST_TMP/table"
echo "PASS: $compared EFI binaries (unsigned and signed) agree with pesign and OpenSSL;" \
	"$files malformed images refused by the core"
