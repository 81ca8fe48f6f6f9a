#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `golden create --from-log` on a log that bootchain itself wrote, on swtpm:
# - each layer's event becomes a component named as the layer (the name in the event
#   data, "layer=kernel kind=raw ..."), EV_EVENT_TAG and text-typed (EV_IPL) layers alike;
#   the same layer measured twice into one log gets a unique second name;
# - round trip: measure a chain, build a database from that log, boot the same chain in
#   trusted mode on a fresh swtpm: exit 0; with one changed byte in one layer: halts at
#   exactly that layer (exit 3).
. "$TESTS_LIB/common.sh"
start_swtpm
cd "$TEST_TMP"

mkdir chain
layers=(bios loader kernel initrd)
for name in "${layers[@]}"; do
	head -c $((4096 + RANDOM)) /dev/urandom >"chain/$name.img"
done
cat >chain/chain.txt <<'CHAIN'
bios    0 bios.img
loader  4 loader.img raw type=EV_IPL
kernel  8 kernel.img
initrd  8 initrd.img
CHAIN

expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain.txt --log measured.log
expect_exit 0 "$BOOTCHAIN" golden create --from-log measured.log --out db.json
assert_eq "bios loader kernel initrd" "$(jq -r '[.components[].name] | join(" ")' db.json)" \
	"components named as the layers"
assert_eq "0 4 8 8" "$(jq -r '[.components[].pcr] | map(tostring) | join(" ")' db.json)" \
	"their PCRs"
assert_eq "EV_IPL" "$(jq -r '.components[1].event_type' db.json)" "a text-typed layer"
# the digests are the files' own (openssl), not something read back from bootchain
assert_eq "$(openssl_digest sha256 <chain/kernel.img)" \
	"$(jq -r '.components[2].versions[0].digests.sha256' db.json)" "kernel digest (openssl)"

# --- the same chain measured again into the same log: names stay unique ---
cp measured.log twice.log
expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain.txt --log twice.log
expect_exit 0 "$BOOTCHAIN" golden create --from-log twice.log --out twice.json
assert_eq "bios loader kernel initrd bios-2 loader-2 kernel-2 initrd-2" \
	"$(jq -r '[.components[].name] | join(" ")' twice.json)" "unique names"

# --- trusted boot of the same chain against that database, on a fresh TPM ---
fresh_tpm() {
	stop_swtpm
	rm -rf "$TEST_TMP/swtpm"
	start_swtpm
}
fresh_tpm
expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain.txt --trusted --golden db.json \
	--log trusted.log
expect_exit 0 "$BOOTCHAIN" golden check db.json trusted.log
assert_contains "$(cat "$TEST_TMP/out")" "matches the golden database" "trusted log checks"

# --- one changed byte in one layer: halts there ---
rm -rf bad && cp -r chain bad
byte=$(od -An -tu1 -j 100 -N1 bad/kernel.img | tr -d ' ')
printf "$(printf '\\%03o' $(((byte + 1) % 256)))" |
	dd of=bad/kernel.img bs=1 seek=100 conv=notrunc status=none
cmp -s chain/kernel.img bad/kernel.img && fail "the kernel image did not change"
fresh_tpm
expect_exit 3 "$BOOTCHAIN" measure --chain bad/chain.txt --trusted --golden db.json \
	--log halt.log
assert_contains "$(cat "$TEST_TMP/err")" "HALT at layer kernel," "halts at the changed layer"
echo "PASS"
