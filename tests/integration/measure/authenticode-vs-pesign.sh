#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The Authenticode digest of `bootchain measure --pe` equals the one `pesign -h` prints,
# for real EFI binaries from Debian packages (systemd-boot-efi, shim-unsigned,
# grub-efi-amd64-bin, and an image made with grub-mkimage), each one unsigned, signed
# with sbsign (with a key made here) and signed twice; and every malformed image of
# tests/data/pe is refused with exit status 1 and the message its README gives.
# A binary whose package is not installed is skipped; fewer than five compared fails.
. "$TESTS_LIB/common.sh"
for tool in pesign sbsign openssl jq; do
	command -v "$tool" >/dev/null ||
		{ echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
port=$(closed_port)
export BOOTCHAIN_TCTI="swtpm:host=127.0.0.1,port=$port" # a dry run needs no TPM

measure() { # file
	"$BOOTCHAIN" measure "$1" --dry-run --pe --banks sha256 --json
}

ours() { # file: the sha256 of the first "digests" object, wherever the JSON nests it
	measure "$1" | jq -er 'first(.. | objects | select(has("digests"))) | .digests.sha256'
}

# pesign 0.112 prints "hash: HEX"; without -P it hashes the image as it is, unpadded
theirs() { # file
	pesign -d sha256 -h -i "$1" | sed -n 's/^hash: \([0-9a-f]*\)$/\1/p'
}

compare() { # file label
	local want got
	want=$(theirs "$1") || fail "$2: pesign -h failed"
	[ -n "$want" ] || fail "$2: pesign -h printed no hash"
	got=$(ours "$1") || fail "$2: bootchain measure failed"
	assert_eq "$want" "$got" "$2: Authenticode sha256"
	echo "$2: $got"
}

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=bootchain test signer" \
	-keyout "$TEST_TMP/db.key" -out "$TEST_TMP/db.crt" 2>/dev/null || fail "openssl req failed"
sign() { # in out
	sbsign --key "$TEST_TMP/db.key" --cert "$TEST_TMP/db.crt" --output "$2" "$1" \
		>/dev/null 2>&1 || fail "sbsign $1 failed"
}

grub_dir=/usr/lib/grub/x86_64-efi
binaries=(
	/usr/lib/systemd/boot/efi/systemd-bootx64.efi
	/usr/lib/systemd/boot/efi/linuxx64.efi.stub
	/usr/lib/shim/shimx64.efi
	/usr/lib/shim/mmx64.efi
	/usr/lib/shim/fbx64.efi
	"$grub_dir"/monolithic/grubx64.efi
	"$grub_dir"/monolithic/gcdx64.efi
)
if command -v grub-mkimage >/dev/null && [ -f "$grub_dir/normal.mod" ]; then
	grub-mkimage -O x86_64-efi -d "$grub_dir" -p /boot/grub -o "$TEST_TMP/grub-mkimage.efi" \
		normal part_gpt fat ext2 || fail "grub-mkimage failed"
	binaries+=("$TEST_TMP/grub-mkimage.efi")
fi

compared=0
for efi in "${binaries[@]}"; do
	if [ ! -f "$efi" ]; then
		echo "SKIP: $efi: not installed (scripts/deps installs it)"
		continue
	fi
	name=$(basename "$efi")
	signed="$TEST_TMP/$name.signed"
	compare "$efi" "$name"
	sign "$efi" "$signed"
	compare "$signed" "$name, signed"
	sign "$signed" "$signed.twice"
	compare "$signed.twice" "$name, signed twice"
	# sbsign pads an image to 8 bytes before it appends the table: only an aligned
	# image keeps its digest when signed
	if [ $(($(stat -c %s "$efi") % 8)) = 0 ]; then
		assert_eq "$(ours "$efi")" "$(ours "$signed")" "$name: signing changed the digest"
	fi
	compared=$((compared + 1))
done
[ "$compared" -ge 5 ] ||
	fail "only $compared EFI binaries compared with pesign, need 5: run scripts/deps as root"

# every malformed image is refused as tests/data/pe/README.md says
dir="$TESTS_DATA/pe"
sed -n 's/^| `\([^`]*\.efi\)` | .* | `\([^`]*\)` |$/\1\t\2/p' "$dir/README.md" >"$TEST_TMP/table"
files=$(ls "$dir"/*.efi | wc -l)
assert_eq "$files" "$(wc -l <"$TEST_TMP/table")" "README rows for the malformed images"
[ "$files" -ge 20 ] || fail "only $files malformed images"
while IFS=$'\t' read -r file want; do
	expect_exit 1 measure "$dir/$file"
	err=$(cat "$TEST_TMP/err")
	assert_contains "$err" "bootchain: measure: $dir/$file: " "$file: the message names the file"
	assert_contains "$err" "$dir/$file: $want" "$file"
done <"$TEST_TMP/table"
echo "PASS: $compared EFI binaries (unsigned, signed, signed twice) agree with pesign;" \
	"$files malformed images refused"
