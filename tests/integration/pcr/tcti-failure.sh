#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A TCTI that cannot connect gives exit 4 and a message naming the TCTI; the TCTI is
# chosen by -T, then BOOTCHAIN_TCTI, then TPM2TOOLS_TCTI.
. "$TESTS_LIB/common.sh"
start_swtpm
good=$TCTI
bad="swtpm:host=127.0.0.1,port=$(closed_port)"

for cmd in "pcr read" "pcr read sha256:0" "pcr extend 16 --from-file /etc/hostname"; do
	# shellcheck disable=SC2086
	expect_exit 4 "$BOOTCHAIN" $cmd -T "$bad"
	assert_contains "$(cat "$TEST_TMP/err")" "$bad" "$cmd: message names the TCTI"
	assert_contains "$(cat "$TEST_TMP/err")" "bootchain: pcr" "$cmd: message prefix"
done

expect_exit 4 "$BOOTCHAIN" pcr read -T "nosuchtcti:foo"
assert_contains "$(cat "$TEST_TMP/err")" "nosuchtcti:foo" "unknown TCTI named"
expect_exit 4 "$BOOTCHAIN" pcr read -T "device:$TEST_TMP/no-such-device"
assert_contains "$(cat "$TEST_TMP/err")" "no-such-device" "device TCTI named"

# order of precedence
BOOTCHAIN_TCTI=$bad TPM2TOOLS_TCTI=$good expect_exit 4 "$BOOTCHAIN" pcr read sha1:0
assert_contains "$(cat "$TEST_TMP/err")" "$bad" "BOOTCHAIN_TCTI comes before TPM2TOOLS_TCTI"
BOOTCHAIN_TCTI=$good TPM2TOOLS_TCTI=$bad expect_exit 0 "$BOOTCHAIN" pcr read sha1:0
BOOTCHAIN_TCTI= TPM2TOOLS_TCTI=$good expect_exit 0 "$BOOTCHAIN" pcr read sha1:0
BOOTCHAIN_TCTI=$bad expect_exit 0 "$BOOTCHAIN" pcr read sha1:0 -T "$good"
TPM2TOOLS_TCTI=$bad BOOTCHAIN_TCTI= expect_exit 4 "$BOOTCHAIN" pcr read sha1:0
assert_contains "$(cat "$TEST_TMP/err")" "$bad" "TPM2TOOLS_TCTI used when alone"

# a bank the TPM does not have (swtpm has no sm3_256 bank) is an error of the request,
# naming the banks it has, not a failure to reach the TPM (bootchain(1))
expect_exit 1 "$BOOTCHAIN" pcr read sm3_256:0
assert_contains "$(cat "$TEST_TMP/err")" "the TPM has no sm3_256 bank (it has sha1:0-23" \
	"the banks named"
echo "PASS"
