#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A trusted boot through bootchain.efi of a UKI with one byte changed (in its .osrel
# section: the Authenticode digest changes, and the image would still boot): the stage
# halts before starting it, says on the console which layer and which digest (pesign's
# Authenticode hash of the changed UKI), and powers the machine off after its timeout.
# The guest's initrd never runs. First, as a control, the changed UKI boots without the
# stage (as \EFI\BOOT\BOOTX64.EFI): it starts and prints its markers, so that their
# absence later is the stage's doing. Runs only with BC_EFI_BOOT_TESTS=1
# (tests/lib/ovmf.sh).
. "$TESTS_LIB/common.sh"
. "$TESTS_LIB/ovmf.sh"
ovmf_require

ovmf_setup_chain "$TEST_TMP/tree"
good=$(pesign_digest sha256 "$UKI")
ovmf_embed "$TEST_TMP/stage.efi" --timeout 1 --on-halt poweroff
# the golden database is made from the good UKI; the ESP gets it changed
flip_byte "$UKI" $(($(pe_section_offset "$UKI" .osrel) + 3))
bad=$(pesign_digest sha256 "$UKI")
[ "$good" != "$bad" ] || fail "the changed UKI has the good Authenticode digest $good"

ovmf_make_esp "$TEST_TMP/esp.img" "$UKI"
ovmf_boot "$TEST_TMP/boot-direct" "$TEST_TMP/esp.img" plain
ovmf_guest_started "$TEST_TMP/boot-direct" ||
	fail "the changed UKI does not boot without the stage: $(tail -c 2000 "$TEST_TMP/boot-direct/console.log")"
ovmf_check_replay "$TEST_TMP/boot-direct"
echo "control: the changed UKI boots without the stage ($BOOT_SECONDS s)"

ovmf_make_esp "$TEST_TMP/esp.img" "$TEST_TMP/stage.efi" "$UKI"
boot=$TEST_TMP/boot
ovmf_boot "$boot" "$TEST_TMP/esp.img" plain

console=$(ovmf_console_text "$boot")
if grep -q 'BOOTCHAIN-GUEST-STARTED' "$boot/console.log"; then
	fail "the changed UKI started; console: ${console: -3000}"
fi
# nothing of the kernel either (its first console line is a time stamp)
if grep -q '^\[ *[0-9]*\.[0-9]*\] ' "$boot/console.log"; then
	fail "a kernel ran: $(grep -m 3 '^\[ *[0-9]*\.[0-9]*\] ' "$boot/console.log")"
fi
assert_contains "$console" "HALT" "the stage's console"
assert_contains "$console" "layer uki" "the stage's halt message"
assert_contains "$console" "$bad" "the stage's halt message (the changed UKI's sha256)"
assert_contains "$console" "allowed: $good" "the stage's halt message (the golden sha256)"
assert_contains "$console" "failure marker was extended into PCR 4" "the stage's console"
ovmf_powered_off "$boot" ||
	fail "QEMU did not end by a power-off (qemu.log: $(cat "$boot/qemu.log")); console: ${console: -2000}"
assert_eq 0 "$BOOT_STATUS" "QEMU's exit status"
echo "tampered UKI: halted, naming $bad, powered off after $BOOT_SECONDS s"
