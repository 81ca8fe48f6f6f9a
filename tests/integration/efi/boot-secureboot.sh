#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# bootchain.efi with Secure Boot enforced: OVMF's snakeoil firmware and variables (the
# snakeoil certificate in db), the stage signed with sbsign after `golden embed` (so the
# signature covers the golden values).
#  1. stage and UKI signed: the UKI starts, Secure Boot was on (the SecureBoot variable
#     measured into PCR 7 is 01), and the firmware log holds the stage's event with the
#     UKI's Authenticode digest (pesign), replaying to the guest's PCRs;
#  2. the stage unsigned: the firmware refuses it (Access Denied), nothing of it runs;
#  3. the stage signed, the UKI not: the UKI matches the golden database but the
#     firmware refuses to load it for the stage, which halts and powers off.
# Runs only with BC_EFI_BOOT_TESTS=1 (tests/lib/ovmf.sh).
. "$TESTS_LIB/common.sh"
. "$TESTS_LIB/ovmf.sh"
ovmf_require

# 1. everything signed
ovmf_setup_chain "$TEST_TMP/signed" signed
sbverify --cert "$OVMF_SNAKEOIL_CERT" "$UKI" >/dev/null 2>&1 || fail "sbverify: $UKI is not signed"
ovmf_embed "$TEST_TMP/stage.efi" --timeout 1 --on-halt poweroff
ovmf_sign "$TEST_TMP/stage.efi" "$TEST_TMP/stage-signed.efi"
ovmf_make_esp "$TEST_TMP/esp.img" "$TEST_TMP/stage-signed.efi" "$UKI"
boot=$TEST_TMP/boot-signed
ovmf_boot "$boot" "$TEST_TMP/esp.img" secureboot
console=$(ovmf_console_text "$boot")
ovmf_guest_started "$boot" ||
	fail "signed: the UKI did not start; console: ${console: -3000}"
secure_boot=$("$BOOTCHAIN" log show --json "$boot/eventlog.bin" |
	jq -r '[.events[] | select(.pcr == 7 and .data.variable_name? == "SecureBoot")][0].data.variable_data')
assert_eq 01 "$secure_boot" "signed: the SecureBoot variable measured into PCR 7"
assert_contains "$console" "matches golden version 1" "signed: the stage's console"
ovmf_check_stage_event "$boot"
ovmf_check_replay "$boot"
echo "signed: the UKI started with Secure Boot on in $BOOT_SECONDS s"

# 2. the stage unsigned: the firmware refuses to load it and goes on to its next boot
# option; the boot is stopped once the refusal is on the console
ovmf_make_esp "$TEST_TMP/esp.img" "$TEST_TMP/stage.efi" "$UKI"
boot=$TEST_TMP/boot-unsigned-stage
ovmf_boot "$boot" "$TEST_TMP/esp.img" secureboot 'BdsDxe: failed to load Boot0001 .*: Access Denied'
console=$(ovmf_console_text "$boot")
assert_eq 1 "$BOOT_STOPPED" "unsigned stage: the firmware's refusal seen on the console"
if grep -q 'bootchain' "$boot/console.log" || grep -q 'BOOTCHAIN-GUEST-STARTED' "$boot/console.log"; then
	fail "unsigned stage: it ran; console: ${console: -3000}"
fi
echo "unsigned stage: refused by the firmware"

# 3. the UKI unsigned (its golden database made from it): the stage's LoadImage is
# refused, and the stage halts
ovmf_setup_chain "$TEST_TMP/unsigned"
ovmf_embed "$TEST_TMP/stage-unsigned-uki.efi" --timeout 1 --on-halt poweroff
ovmf_sign "$TEST_TMP/stage-unsigned-uki.efi" "$TEST_TMP/stage-unsigned-uki-signed.efi"
ovmf_make_esp "$TEST_TMP/esp.img" "$TEST_TMP/stage-unsigned-uki-signed.efi" "$UKI"
boot=$TEST_TMP/boot-unsigned-uki
ovmf_boot "$boot" "$TEST_TMP/esp.img" secureboot
console=$(ovmf_console_text "$boot")
if grep -q 'BOOTCHAIN-GUEST-STARTED' "$boot/console.log"; then
	fail "unsigned UKI: it started; console: ${console: -3000}"
fi
assert_contains "$console" "matches golden version 1" "unsigned UKI: the stage's console"
assert_contains "$console" "HALT" "unsigned UKI: the stage's console"
assert_contains "$console" 'uki.efi: LoadImage refused it' "unsigned UKI: the stage's halt message"
ovmf_powered_off "$boot" ||
	fail "unsigned UKI: QEMU did not end by a power-off; console: ${console: -2000}"
echo "unsigned UKI: refused by the firmware, the stage halted ($BOOT_SECONDS s)"
