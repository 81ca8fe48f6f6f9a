#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Usage errors exit 2 with a message and a hint; help exits 0. No TPM is needed: every
# case here fails (or succeeds) before a TPM is opened, and a bad TCTI proves it.
. "$TESTS_LIB/common.sh"
export BOOTCHAIN_TCTI="swtpm:host=127.0.0.1,port=$(closed_port)"

expect_exit 0 "$BOOTCHAIN" --version
assert_contains "$(cat "$TEST_TMP/out")" "bootchain " "--version"
for args in "--help" "help" "help pcr" "pcr --help" "pcr read --help" "pcr extend -h"; do
	# shellcheck disable=SC2086
	expect_exit 0 "$BOOTCHAIN" $args
	assert_contains "$(cat "$TEST_TMP/out")" "Usage: bootchain" "'$args' prints usage"
done

usage() { # expected-message args...
	local msg=$1
	shift
	expect_exit 2 "$BOOTCHAIN" "$@"
	assert_contains "$(cat "$TEST_TMP/err")" "$msg" "'$*'"
	assert_contains "$(cat "$TEST_TMP/err")" "--help" "'$*' hints at --help"
}
usage "unknown command 'frobnicate'" frobnicate
usage "unknown command 'nope'" help nope
usage "expected a verb" pcr
usage "unknown verb 'write'" pcr write
usage "unknown option '--frobnicate'" pcr read --frobnicate
usage "option '-T' needs an argument" pcr read -T
usage "PCR 24 is out of range" pcr read sha256:24
usage "unknown hash algorithm 'sha999'" pcr read sha999:0
usage "no PCRs given" pcr read sha256:
usage "at most one PCR selection" pcr read sha1:0 sha256:0
usage "not a PCR number" pcr extend 24 sha1:a9993e364706816aba3e25717850c26c9cd0d89d
usage "not a PCR number" pcr extend x sha1:a9993e364706816aba3e25717850c26c9cd0d89d
usage "sha1 digest must be 20 bytes" pcr extend 16 sha1:abcd
usage "expected PCR and ALG:HEX" pcr extend 16
usage "expected PCR" pcr extend --from-file /etc/hostname
usage "option of 'pcr extend'" pcr read --from-file /etc/hostname
expect_exit 2 "$BOOTCHAIN"
assert_contains "$(cat "$TEST_TMP/err")" "Usage: bootchain" "no command"
expect_exit 2 "$BOOTCHAIN" --frobnicate
echo "PASS"
