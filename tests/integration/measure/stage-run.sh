#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `bootchain stage run`: the chain embedded in a stage run through the stage's own code
# (bc_core_stage_run) on a volume in a folder and swtpm.
# - every layer matching: exit 0; PCR 4 and 9 equal the extends computed with openssl
#   from pesign -h (PE) and openssl dgst (raw); the log replays to the TPM; `log show`
#   shows the layers with names and kinds, and the event data of the log are those
#   `bootchain measure --chain` writes for the same chain, byte for byte; it says which
#   images it would start;
# - one changed byte in the kernel: exit 3, the halt names the layer and its digest,
#   PCR 4 holds the real digest then the failure marker (openssl), the initrd after it
#   is not measured (PCR 9 unchanged, not in the log), nothing would be started;
# - measured mode over the same volume: recorded and gone on (exit 0, PCR 9 extended);
# - a missing file halts (3); no TPM: exit 4; --dry-run extends nothing.
. "$TESTS_LIB/common.sh"
for tool in objcopy pesign openssl jq; do
	command -v "$tool" >/dev/null ||
		{ echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
loader=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
[ -f "$stub" ] && [ -f "$loader" ] ||
	{ echo "SKIP: systemd-boot-efi is not installed (real EFI images)" >&2; exit 77; }
built=$(cd "$(dirname "$BOOTCHAIN")" && pwd)/efi/bootchain.efi
start_swtpm
cd "$TEST_TMP"

if [ -f "$built" ]; then
	cp "$built" stage.efi
else
	head -c 65536 /dev/zero >zeros.bin
	objcopy --add-section .bcchain=zeros.bin --set-section-flags .bcchain=data,readonly \
		--change-section-vma .bcchain=0x20000 "$stub" stage.efi || fail "objcopy"
fi

# the volume; the chain names its files as the stage does ('\' from the root), so that
# `measure --chain` of the very same chain file can read them from a tree of files
# whose names are those paths
mkdir -p esp/EFI/BOOT esp/EFI/Linux same
cp "$loader" esp/EFI/BOOT/BOOTX64.EFI
cp "$stub" esp/EFI/Linux/linux.efi
head -c 9000 /dev/urandom >esp/EFI/Linux/initrd.img
cat >boot.chain <<'EOF'
loader 4 \EFI\BOOT\BOOTX64.EFI pe type=EV_EFI_BOOT_SERVICES_APPLICATION
kernel 4 \EFI\Linux\linux.efi
initrd 9 \EFI\Linux\initrd.img raw
EOF
cp esp/EFI/BOOT/BOOTX64.EFI 'same/\EFI\BOOT\BOOTX64.EFI'
cp esp/EFI/Linux/linux.efi 'same/\EFI\Linux\linux.efi'
cp esp/EFI/Linux/initrd.img 'same/\EFI\Linux\initrd.img'
expect_exit 0 "$BOOTCHAIN" golden create --out db.json --chain boot.chain --root same
expect_exit 0 "$BOOTCHAIN" golden embed --stage stage.efi --chain boot.chain --golden db.json \
	--out trusted.efi
expect_exit 0 "$BOOTCHAIN" golden embed --stage stage.efi --chain boot.chain --golden db.json \
	--out measured.efi --measured

pe() { pesign -d sha256 -h -i "$1" | sed -n 's/^hash: \([0-9a-f]*\)$/\1/p'; }
zero=$(printf '%064d' 0)
marker=$(printf '\001\000\000\000' | openssl_digest sha256)
L=$(pe esp/EFI/BOOT/BOOTX64.EFI) K=$(pe esp/EFI/Linux/linux.efi)
I=$(openssl_digest sha256 <esp/EFI/Linux/initrd.img)

# --- every layer matching ---
expect_exit 0 "$BOOTCHAIN" stage run trusted.efi --root esp --log stage.log
out=$(cat "$TEST_TMP/out") err=$(cat "$TEST_TMP/err")
assert_contains "$out" "measured kernel into PCR 4 (pe, \\EFI\\Linux\\linux.efi)" "run: kernel"
assert_contains "$out" "golden   matches version 1" "run: verdict"
assert_contains "$out" "would start loader (\\EFI\\BOOT\\BOOTX64.EFI)" "run: loader would start"
assert_contains "$out" "would start kernel (\\EFI\\Linux\\linux.efi)" "run: kernel would start"
case $out in *"would start initrd"*) fail "a raw layer would be started" ;; esac
assert_contains "$err" "bootchain: stage run: layer initrd (\\EFI\\Linux\\initrd.img), PCR 9: sha256 $I matches golden version 1" \
	"the stage's console"
assert_eq "$(expected_extend sha256 "$(expected_extend sha256 "$zero" "$L")" "$K")" \
	"$(pcr_value sha256 4)" "PCR 4: loader then kernel (pesign, openssl)"
assert_eq "$(expected_extend sha256 "$zero" "$I")" "$(pcr_value sha256 9)" "PCR 9: initrd"
expect_exit 0 "$BOOTCHAIN" log check stage.log
expect_exit 0 "$BOOTCHAIN" log show stage.log
show=$(cat "$TEST_TMP/out")
assert_contains "$show" 'layer=kernel kind=pe file=\EFI\Linux\linux.efi' "log show: kernel"
assert_contains "$show" 'layer=initrd kind=raw file=\EFI\Linux\initrd.img' "log show: initrd"
assert_contains "$show" "EV_EFI_BOOT_SERVICES_APPLICATION" "log show: loader's type"
assert_contains "$show" 'BOOTX64.EFI' "log show: loader's path"

# the same chain measured by `bootchain measure`: the same events (type, event data
# byte for byte, in base64 in the Canonical Event Log, and digests in every bank of the
# TPM), and so the same log file
events() { # log
	"$BOOTCHAIN" log export --format cel-json "$1" |
		jq -c '[.[] | select(.content.event_type != 3) | [.pcr, .content, .digests]]'
}
expect_exit 0 "$BOOTCHAIN" measure --chain boot.chain --root same --log measure.log
assert_eq "$(events measure.log)" "$(events stage.log)" "stage run logs the events of measure"
assert_eq 3 "$(events stage.log | jq length)" "three events"
cmp measure.log stage.log || fail "the logs of measure and stage run differ"

# --- one changed byte in the kernel ---
stop_swtpm # a fresh boot
rm -rf "$TEST_TMP/swtpm"
start_swtpm
cp -r esp bad
size=$(stat -c %s bad/EFI/Linux/linux.efi)
flip_byte bad/EFI/Linux/linux.efi $((size / 2))
B=$(pe bad/EFI/Linux/linux.efi)
[ "$B" != "$K" ] || fail "the flipped byte is outside the Authenticode digest"
rm -f halt.log
expect_exit 3 "$BOOTCHAIN" stage run trusted.efi --root bad --log halt.log
out=$(cat "$TEST_TMP/out") err=$(cat "$TEST_TMP/err")
assert_contains "$err" "HALT: layer kernel (\\EFI\\Linux\\linux.efi), PCR 4: sha256 digest $B is not an allowed version (allowed: $K)" \
	"the halt names layer and digest"
assert_contains "$err" "the failure marker was extended into PCR 4" "the marker is told"
assert_contains "$err" "not measured: initrd; the stage would wait 10 s, then reset" "the rest"
case $out in *"would start"*) fail "a halted run would start an image" ;; esac
assert_eq "$(expected_extend sha256 "$(expected_extend sha256 "$(expected_extend sha256 \
	"$zero" "$L")" "$B")" "$marker")" "$(pcr_value sha256 4)" \
	"PCR 4: loader, the changed kernel, the failure marker"
assert_eq "$zero" "$(pcr_value sha256 9)" "PCR 9: the initrd is not measured"
expect_exit 0 "$BOOTCHAIN" log show halt.log --json
assert_eq "EV_SEPARATOR" "$(jq -r '.events[-1].type' "$TEST_TMP/out")" "the marker is logged last"
assert_eq 3 "$(jq '[.events[] | select(.type != "EV_NO_ACTION")] | length' "$TEST_TMP/out")" \
	"loader, kernel and the marker logged, no initrd"
expect_exit 0 "$BOOTCHAIN" log check halt.log
# `measure --trusted` halts the same way: the same log, the same PCRs
halt_pcrs="$(pcr_value sha256 4) $(pcr_value sha256 9)"
stop_swtpm
rm -rf "$TEST_TMP/swtpm"
start_swtpm
cp -r same bad-same
flip_byte 'bad-same/\EFI\Linux\linux.efi' $((size / 2))
expect_exit 3 "$BOOTCHAIN" measure --chain boot.chain --root bad-same --trusted --golden db.json \
	--log measure-halt.log
assert_eq "$(events halt.log)" "$(events measure-halt.log)" "measure --trusted halts as the stage"
assert_eq "$halt_pcrs" "$(pcr_value sha256 4) $(pcr_value sha256 9)" "the same PCRs after the halt"

# --- measured mode records and goes on ---
stop_swtpm
rm -rf "$TEST_TMP/swtpm"
start_swtpm
expect_exit 0 "$BOOTCHAIN" stage run measured.efi --root bad --no-log
assert_contains "$(cat "$TEST_TMP/err")" "measured mode: going on" "measured mode goes on"
assert_eq "$(expected_extend sha256 "$(expected_extend sha256 "$zero" "$L")" "$B")" \
	"$(pcr_value sha256 4)" "measured: PCR 4 without a marker"
assert_eq "$(expected_extend sha256 "$zero" "$I")" "$(pcr_value sha256 9)" "measured: initrd"

# --- a missing file halts; a dry run extends nothing; no TPM ---
cp -r esp gone
rm gone/EFI/Linux/initrd.img
before=$(pcr_value sha256 9)
expect_exit 3 "$BOOTCHAIN" stage run trusted.efi --root gone --no-log
assert_contains "$(cat "$TEST_TMP/err")" "initrd.img" "the missing file is named"
assert_eq "$(expected_extend sha256 "$before" "$marker")" "$(pcr_value sha256 9)" \
	"the missing layer's PCR is capped"
before=$(pcr_value sha256 4)
expect_exit 0 "$BOOTCHAIN" stage run trusted.efi --root esp --dry-run
assert_contains "$(cat "$TEST_TMP/out")" "computed kernel into PCR 4" "dry run"
assert_eq "$before" "$(pcr_value sha256 4)" "a dry run extends nothing"
expect_exit 3 "$BOOTCHAIN" stage run trusted.efi --root bad --dry-run
port=$(closed_port)
expect_exit 4 "$BOOTCHAIN" stage run trusted.efi --root esp --no-log \
	-T "swtpm:host=127.0.0.1,port=$port"
expect_exit 2 "$BOOTCHAIN" stage run trusted.efi
expect_exit 2 "$BOOTCHAIN" stage run trusted.efi --root esp --dry-run --log x.log
expect_exit 1 "$BOOTCHAIN" stage run trusted.efi --root nowhere --no-log
expect_exit 1 "$BOOTCHAIN" stage run stage.efi --root esp --no-log
assert_contains "$(cat "$TEST_TMP/err")" "no chain is embedded" "a stage without a chain"
echo "ok: stage run"
