#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A real trusted boot through bootchain.efi: OVMF under QEMU with swtpm boots an ESP
# holding the stage (this build's efi/bootchain.efi, with a chain and its golden
# database embedded by `golden embed`) as \EFI\BOOT\BOOTX64.EFI and a UKI as
# \EFI\Linux\uki.efi. The stage checks the UKI against the golden database, logs and
# extends its event, and starts it. Inside the guest the firmware's own event log holds
# the stage's event (PCR 4, EV_EVENT_TAG "layer=uki kind=pe file=\EFI\Linux\uki.efi")
# with the UKI's Authenticode digest as pesign computes it, and the log replays to the
# PCR values the guest's kernel reads from the TPM. Runs only with BC_EFI_BOOT_TESTS=1
# (tests/lib/ovmf.sh).
. "$TESTS_LIB/common.sh"
. "$TESTS_LIB/ovmf.sh"
ovmf_require

ovmf_setup_chain "$TEST_TMP/tree"
ovmf_embed "$TEST_TMP/stage.efi" --timeout 1 --on-halt poweroff
ovmf_make_esp "$TEST_TMP/esp.img" "$TEST_TMP/stage.efi" "$UKI"
boot=$TEST_TMP/boot
ovmf_boot "$boot" "$TEST_TMP/esp.img" plain

console=$(ovmf_console_text "$boot")
ovmf_guest_started "$boot" ||
	fail "the UKI did not start (no markers of its initrd); console: ${console: -3000}"
[ -s "$boot/eventlog.bin" ] || fail "the guest printed no event log"
ovmf_powered_off "$boot" || fail "the guest did not power off (qemu.log: $(cat "$boot/qemu.log"))"
assert_contains "$console" "layer uki" "the stage's console"
assert_contains "$console" "matches golden version 1" "the stage's console"

ovmf_check_stage_event "$boot"
ovmf_check_replay "$boot"
echo "trusted boot: the UKI started in $BOOT_SECONDS s"
