#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Measured and trusted boot of a six-layer chain on swtpm.
# - measured mode: every layer extended and logged; `log check` matches the TPM; PCR 0
#   equals the value computed with openssl from the file alone.
# - trusted mode, untouched chain: exit 0.
# - trusted mode with one changed byte in each layer in turn: halts at exactly that
#   layer (exit 3), the real digest then the failure marker go into its PCR, nothing is
#   extended or logged after it.
# - trusted mode without its golden database, or with a bad signature: exit 3, capped.
. "$TESTS_LIB/common.sh"
start_swtpm
cd "$TEST_TMP"

mkdir chain
layers=(bios firmware bootloader hypervisor kernel initrd)
pcrs=(0 2 4 5 8 9)
for name in "${layers[@]}"; do
	head -c $((4096 + RANDOM)) /dev/urandom >"chain/$name.img"
done
# a real EFI binary as the bootloader when systemd-boot is installed: Authenticode
stub=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
[ -f "$stub" ] && cp "$stub" chain/bootloader.img
{
	echo "# test chain: name pcr file kind"
	for i in "${!layers[@]}"; do
		echo "${layers[$i]} ${pcrs[$i]} ${layers[$i]}.img auto"
	done
} >chain/chain.txt

# --- measured mode ---
expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain.txt --log measured.log
for name in "${layers[@]}"; do
	assert_contains "$(cat "$TEST_TMP/out")" "measured $name into PCR" "layer $name printed"
done
expect_exit 0 "$BOOTCHAIN" log check measured.log
want=$(expected_extend sha256 "$(printf '%064d' 0)" "$(openssl_digest sha256 <chain/bios.img)")
assert_eq "$want" "$(pcr_value sha256 0)" "PCR 0 after measuring bios (openssl)"
expect_exit 0 "$BOOTCHAIN" log show measured.log
assert_contains "$(cat "$TEST_TMP/out")" "layer=kernel kind=raw file=kernel.img" "event data"

# --- a golden database from the untouched chain ---
expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain.txt --dry-run --banks sha1,sha256 --json
jq '{format: "bootchain-golden-v1",
     components: [.layers[] | {name: .layer, pcr, versions: [{digests, source: {file}}]}]}' \
	"$TEST_TMP/out" >golden.json
[ -f "$stub" ] && assert_eq "pe" "$(jq -r '.layers[2].kind' "$TEST_TMP/out")" "bootloader is PE"

stop_swtpm # a fresh boot
rm -rf "$TEST_TMP/swtpm"
start_swtpm
expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain.txt --trusted --golden golden.json \
	--log trusted.log
assert_contains "$(cat "$TEST_TMP/out")" "golden   matches" "trusted: verdicts"
expect_exit 0 "$BOOTCHAIN" log check trusted.log

# --- one changed byte in each layer ---
read_pcrs() { "$BOOTCHAIN" pcr read sha256:0-23 --json | jq -c .pcrs.sha256; }
cap=$(printf '\001\000\000\000' | openssl_digest sha256)
for i in "${!layers[@]}"; do
	name=${layers[$i]}
	rm -rf bad && cp -r chain bad
	# flip a byte in the middle (inside a section for the PE image)
	size=$(stat -c %s "bad/$name.img")
	off=$((size / 2))
	byte=$(od -An -tu1 -j "$off" -N1 "bad/$name.img" | tr -d ' ')
	printf "$(printf '\\%03o' $(((byte + 1) % 256)))" |
		dd of="bad/$name.img" bs=1 seek="$off" conv=notrunc status=none
	before=$(read_pcrs)
	rm -f halt.log
	expect_exit 3 "$BOOTCHAIN" measure --chain bad/chain.txt --trusted --golden golden.json \
		--log halt.log
	err=$(cat "$TEST_TMP/err")
	assert_contains "$err" "HALT at layer $name," "halt names layer $name"
	assert_contains "$err" "is not an allowed version" "halt says why ($name)"
	assert_contains "$err" "$(jq -r ".components[$i].versions[0].digests.sha256" golden.json)" \
		"halt shows the allowed digest ($name)"
	after=$(read_pcrs)
	# the layer's PCR: old value, then the real digest, then the marker
	real=$(openssl_digest sha256 <"bad/$name.img")
	[ "$name" = bootloader ] && [ -f "$stub" ] &&
		real=$("$BOOTCHAIN" measure "bad/$name.img" --pcr 4 --dry-run --pe --banks sha256 \
			--json | jq -r '.layers[0].digests.sha256')
	old=$(jq -r ".\"${pcrs[$i]}\"" <<<"$before")
	mid=$(expected_extend sha256 "$old" "$real")
	assert_eq "$(expected_extend sha256 "$mid" "$cap")" "$(jq -r ".\"${pcrs[$i]}\"" <<<"$after")" \
		"PCR ${pcrs[$i]} holds the real digest and the marker ($name)"
	for j in "${!layers[@]}"; do
		[ "$j" -gt "$i" ] || continue
		assert_eq "$(jq -r ".\"${pcrs[$j]}\"" <<<"$before")" \
			"$(jq -r ".\"${pcrs[$j]}\"" <<<"$after")" "PCR ${pcrs[$j]} untouched after $name"
	done
	expect_exit 0 "$BOOTCHAIN" log show halt.log --json
	assert_eq "$((i + 2))" "$(jq '[.events[] | select(.type != "EV_NO_ACTION")] | length' \
		"$TEST_TMP/out")" "events logged up to $name and the marker"
	assert_eq "EV_SEPARATOR" "$(jq -r '.events[-1].type' "$TEST_TMP/out")" "marker last ($name)"
done

# measured mode records a changed layer and goes on
expect_exit 0 "$BOOTCHAIN" measure --chain bad/chain.txt --no-log

# --- fail closed ---
before=$(read_pcrs)
expect_exit 3 "$BOOTCHAIN" measure --chain chain/chain.txt --trusted --golden missing.json \
	--log closed.log
assert_contains "$(cat "$TEST_TMP/err")" "HALT at layer bios" "missing database halts"
assert_eq "$(expected_extend sha256 "$(jq -r '."0"' <<<"$before")" "$cap")" "$(pcr_value sha256 0)" \
	"missing database: PCR 0 capped"
[ ! -s closed.log ] || [ "$(jq '[.events[] | select(.type != "EV_NO_ACTION")] | length' \
	<("$BOOTCHAIN" log show closed.log --json))" = 1 ] || fail "missing database: layers logged"

# signed databases
openssl ecparam -name prime256v1 -genkey -noout -out key.pem 2>/dev/null
openssl ec -in key.pem -pubout -out pub.pem 2>/dev/null
expect_exit 3 "$BOOTCHAIN" measure --chain chain/chain.txt --trusted --golden golden.json \
	--pubkey pub.pem --no-log
assert_contains "$(cat "$TEST_TMP/err")" "not signed" "unsigned database refused"
openssl dgst -sha256 -sign key.pem -out golden.json.sig golden.json
expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain.txt --trusted --golden golden.json \
	--pubkey pub.pem --no-log
sed 's/"bios"/"BIOS"/' golden.json >tampered.json
cp golden.json.sig tampered.json.sig
expect_exit 3 "$BOOTCHAIN" measure --chain chain/chain.txt --trusted --golden tampered.json \
	--pubkey pub.pem --no-log
assert_contains "$(cat "$TEST_TMP/err")" "does not verify" "tampered database refused"

# trusted mode without a TPM halts too
expect_exit 3 "$BOOTCHAIN" measure --chain chain/chain.txt --trusted --golden golden.json \
	--no-log -T "swtpm:host=127.0.0.1,port=$(closed_port)"
echo "PASS"
