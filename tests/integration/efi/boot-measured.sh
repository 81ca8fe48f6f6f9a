#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# bootchain.efi in measured mode (`golden embed --measured`) with a UKI that is not the
# golden one (one byte of its .osrel section changed): the stage records what it found
# and goes on, so the UKI starts; the console says it differs, and the firmware log
# holds the stage's event with the changed UKI's Authenticode digest (pesign), replaying
# to the guest's PCRs. Runs only with BC_EFI_BOOT_TESTS=1 (tests/lib/ovmf.sh).
. "$TESTS_LIB/common.sh"
. "$TESTS_LIB/ovmf.sh"
ovmf_require

ovmf_setup_chain "$TEST_TMP/tree"
good=$(pesign_digest sha256 "$UKI")
ovmf_embed "$TEST_TMP/stage.efi" --measured --timeout 1 --on-halt poweroff
flip_byte "$UKI" $(($(pe_section_offset "$UKI" .osrel) + 3))
bad=$(pesign_digest sha256 "$UKI")
[ "$good" != "$bad" ] || fail "the changed UKI has the good Authenticode digest $good"
ovmf_make_esp "$TEST_TMP/esp.img" "$TEST_TMP/stage.efi" "$UKI"
boot=$TEST_TMP/boot
ovmf_boot "$boot" "$TEST_TMP/esp.img" plain

console=$(ovmf_console_text "$boot")
ovmf_guest_started "$boot" ||
	fail "measured mode: the UKI did not start; console: ${console: -3000}"
assert_contains "$console" "$bad is not an allowed version" "the stage's console"
assert_contains "$console" "measured mode: going on" "the stage's console"
ovmf_check_stage_event "$boot"
ovmf_check_replay "$boot"
echo "measured mode: the changed UKI ($bad) was logged and started in $BOOT_SECONDS s"
