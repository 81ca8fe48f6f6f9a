#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The UEFI stage as built (bootchain-efi(7)), checked with binutils, pesign and sbsign,
# never with bootchain: a PE32+ EFI application; its .bcchain section is
# BC_CORE_CHAIN_SPACE (65536) bytes of file data, all zero, at a 4 KiB-aligned address
# (read from the PE section table with od); the array the stage parses is that section;
# pesign hashes it and sbsign signs it (sbverify checks); a chain written into the
# section in place changes the Authenticode digest, so a signature covers it, and the
# patched image signs and verifies too. Skipped (77) in a build without --enable-efi.
. "$TESTS_LIB/common.sh"
if [ -z "${BOOTCHAIN_EFI:-}" ]; then
	echo "SKIP: built without --enable-efi"
	exit 77
fi
for tool in objdump pesign sbsign sbverify openssl od; do
	command -v $tool >/dev/null ||
		{ echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
SPACE=65536
EFI=$BOOTCHAIN_EFI
[ -s "$EFI" ] || fail "$EFI: not built"
cd "$TEST_TMP"

u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; } # file offset
u16() { od -An -tu2 -j "$2" -N2 "$1" | tr -d ' '; }

# Sets VSIZE, VADDR, RAW_SIZE, RAW_AT of a section from the PE section table.
pe_section() { # file name
	local pe nsec opt table at i name
	pe=$(u32 "$1" 60)
	[ "$(od -An -c -j "$pe" -N4 "$1" | tr -d ' ')" = 'PE\0\0' ] || fail "$1: no PE signature"
	nsec=$(u16 "$1" $((pe + 6)))
	opt=$(u16 "$1" $((pe + 20)))
	table=$((pe + 24 + opt))
	for ((i = 0; i < nsec; i++)); do
		at=$((table + 40 * i))
		name=$(dd if="$1" bs=1 skip=$at count=8 2>/dev/null | tr -d '\0')
		[ "$name" = "$2" ] || continue
		VSIZE=$(u32 "$1" $((at + 8)))
		VADDR=$(u32 "$1" $((at + 12)))
		RAW_SIZE=$(u32 "$1" $((at + 16)))
		RAW_AT=$(u32 "$1" $((at + 20)))
		return 0
	done
	fail "$1: no section $2 in its $nsec sections"
}

# --- a PE32+ EFI application ---
objdump -p "$EFI" >pe.txt || fail "objdump -p cannot read $EFI"
grep -Eq '^Magic[[:space:]]+020b[[:space:]]+\(PE32\+\)' pe.txt || fail "not PE32+: $(grep Magic pe.txt)"
grep -Eq '^Subsystem[[:space:]]+0000000a[[:space:]]+\(EFI application\)' pe.txt ||
	fail "not an EFI application: $(grep Subsystem pe.txt)"

# --- .bcchain: the full space, with file data, zero ---
objdump -h "$EFI" >sections.txt
grep -A1 -E '[[:space:]]\.bcchain[[:space:]]' sections.txt >bcchain.txt ||
	fail "objdump -h lists no .bcchain: $(cat sections.txt)"
assert_eq 00010000 "$(awk 'NR == 1 { print $3 }' bcchain.txt)" "objdump's .bcchain size"
assert_contains "$(cat bcchain.txt)" CONTENTS "objdump's .bcchain flags"
pe_section "$EFI" .bcchain
assert_eq $SPACE "$VSIZE" ".bcchain VirtualSize"
[ "$RAW_SIZE" -ge $SPACE ] || fail ".bcchain SizeOfRawData $RAW_SIZE is below $SPACE"
[ $((VADDR % 4096)) = 0 ] || fail ".bcchain at $VADDR, not 4 KiB aligned"
size=$(stat -c %s "$EFI")
[ $((RAW_AT + SPACE)) -le "$size" ] || fail ".bcchain data at $RAW_AT runs past the $size-byte file"
dd if="$EFI" bs=1 skip="$RAW_AT" count=$SPACE 2>/dev/null >section.bin
head -c $SPACE /dev/zero >zero.bin
cmp -s section.bin zero.bin || fail ".bcchain is not all zero as built"

# --- the stage parses that very section: its array is the section's start ---
so=${EFI%.efi}.so
if [ -f "$so" ]; then
	sym=$(objdump -t "$so" | awk '$NF == "chain_section" { print $1, $(NF - 2), $(NF - 1) }')
	read -r addr section symsize <<<"$sym"
	assert_eq .bcchain "$section" "the section of chain_section"
	assert_eq "$VADDR" "$((16#$addr))" "chain_section's address"
	assert_eq $SPACE "$((16#$symsize))" "chain_section's size"
	objdump -d "$so" >code.txt
	grep -q 'call.*<bc_core_chain_parse>' code.txt ||
		fail "the stage never calls bc_core_chain_parse"
	grep -q 'lea .*<chain_section>' code.txt ||
		fail "the stage's code never takes chain_section's address"
fi

# --- pesign hashes it, sbsign signs it, sbverify checks ---
hash_of() { pesign -h -i "$1" | awk '/^hash:/ { print $2 }'; }
built_hash=$(hash_of "$EFI")
[[ "$built_hash" =~ ^[0-9a-f]{64}$ ]] || fail "pesign -h: no hash for $EFI: $built_hash"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=bootchain-test -days 1 \
	-keyout db.key -out db.crt 2>/dev/null || fail "openssl could not make a key"
sign_and_verify() { # in out
	sbsign --key db.key --cert db.crt --output "$2" "$1" >sign.log 2>&1 ||
		fail "sbsign $1: $(cat sign.log)"
	if grep -q warning sign.log; then fail "sbsign $1 warns: $(cat sign.log)"; fi
	sbverify --cert db.crt "$2" >verify.log 2>&1 || fail "sbverify $2: $(cat verify.log)"
	assert_contains "$(cat verify.log)" "Signature verification OK" "sbverify $2"
}
sign_and_verify "$EFI" signed.efi
pe_section signed.efi .bcchain
assert_eq $SPACE "$VSIZE" "the signed image's .bcchain"

# --- a chain written in place (as golden embed does) is covered by the signature ---
cp "$EFI" embedded.efi
pe_section embedded.efi .bcchain
printf 'BCCHAIN1 written in place' |
	dd of=embedded.efi bs=1 seek="$RAW_AT" conv=notrunc 2>/dev/null
embedded_hash=$(hash_of embedded.efi)
[ "$embedded_hash" != "$built_hash" ] ||
	fail "the Authenticode digest did not change with the section's bytes"
sign_and_verify embedded.efi embedded-signed.efi
# and a byte changed after signing breaks the signature
cp embedded-signed.efi tampered.efi
pe_section tampered.efi .bcchain
byte=$(od -An -tu1 -j $((RAW_AT + 100)) -N1 tampered.efi | tr -d ' ')
printf "\\x$(printf %02x $((byte ^ 0xff)))" |
	dd of=tampered.efi bs=1 seek=$((RAW_AT + 100)) conv=notrunc 2>/dev/null
if sbverify --cert db.crt tampered.efi >/dev/null 2>&1; then
	fail "sbverify accepts an image whose .bcchain changed after signing"
fi
echo "OK: $EFI"
