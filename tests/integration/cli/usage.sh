#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Usage errors exit 2 with a message and a hint; help exits 0. No TPM is needed for
# those: every case fails (or succeeds) before a TPM is opened, and a bad TCTI proves it.
# Then, on swtpm: `bootchain -T TCTI COMMAND`, and the exit statuses of bootchain(1) for a
# bank the TPM does not have (1) and `golden verify` of an unsigned database (3).
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
usage "--root is for the relative file names of --chain" golden create --out r.json \
	--image k:8:/etc/hostname --root /
usage "--root is for the relative file names of --chain CHAIN" measure /etc/hostname --pcr 16 --root /
expect_exit 2 "$BOOTCHAIN"
assert_contains "$(cat "$TEST_TMP/err")" "Usage: bootchain" "no command"
expect_exit 2 "$BOOTCHAIN" --frobnicate
usage "option '-T' needs an argument" -T
usage "the TCTI is empty" -T "" pcr read

# --- with a TPM: -T before the command, and exit statuses bootchain(1) documents ---
CLOSED_TCTI=$BOOTCHAIN_TCTI
start_swtpm
export BOOTCHAIN_TCTI=$CLOSED_TCTI # only -T reaches the TPM
zeros=$(printf '0%.0s' $(seq 64))   # PCR 0 of a TPM just started
for global in "-T $TCTI" "--tcti $TCTI" "--tcti=$TCTI"; do
	# shellcheck disable=SC2086
	expect_exit 0 "$BOOTCHAIN" $global pcr read sha256:0 --json
	assert_eq "$(jq -r '.pcrs.sha256["0"]' "$TEST_TMP/out")" "$zeros" "'bootchain $global pcr read'"
done
expect_exit 4 "$BOOTCHAIN" pcr read sha256:0 # no -T: the closed port of the environment
expect_exit 0 "$BOOTCHAIN" -T "$CLOSED_TCTI" pcr read -T "$TCTI" sha256:0 # the command's wins
expect_exit 4 "$BOOTCHAIN" -T "$CLOSED_TCTI" pcr read sha256:0
assert_contains "$(cat "$TEST_TMP/err")" "$CLOSED_TCTI" "the global TCTI named"
# a bank this TPM does not have (swtpm: sha1, sha256, sha384, sha512) is an error, not 4
expect_exit 1 "$BOOTCHAIN" -T "$TCTI" pcr read sha3_256:0
assert_contains "$(cat "$TEST_TMP/err")" "the TPM has no sha3_256 bank" "pcr read sha3_256"
expect_exit 1 "$BOOTCHAIN" -T "$TCTI" pcr read sha256:0+sm3_256:0
assert_contains "$(cat "$TEST_TMP/err")" "no sm3_256 bank" "pcr read sm3_256"

# golden verify: not signed or not by this key is "not verified" (3); unreadable is 1
cd "$TEST_TMP" || exit 1
head -c 64 /dev/urandom >kernel
echo "kernel 8 kernel raw" >chain
expect_exit 0 "$BOOTCHAIN" golden create --out db.json --chain chain
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out pub.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.pem 2>/dev/null
expect_exit 3 "$BOOTCHAIN" golden verify db.json --pubkey pub.pem
assert_contains "$(cat "$TEST_TMP/err")" "not signed" "golden verify of an unsigned database"
expect_exit 1 "$BOOTCHAIN" golden show db.json --pubkey pub.pem # not verify: an error
openssl dgst -sha256 -sign other.pem -out db.json.sig db.json
expect_exit 3 "$BOOTCHAIN" golden verify db.json --pubkey pub.pem
assert_contains "$(cat "$TEST_TMP/err")" "does not verify" "golden verify, another key"
expect_exit 1 "$BOOTCHAIN" golden verify missing.json --pubkey pub.pem
expect_exit 1 "$BOOTCHAIN" golden verify db.json --pubkey missing.pem
openssl dgst -sha256 -sign key.pem -out db.json.sig db.json
expect_exit 0 "$BOOTCHAIN" golden verify db.json --pubkey pub.pem

# a quote of a bank the TPM does not have: an error (1), not a TPM failure (4)
expect_exit 0 "$BOOTCHAIN" -T "$TCTI" attest ak create --out-public ak.pub
expect_exit 1 "$BOOTCHAIN" -T "$TCTI" attest quote --nonce 01 --pcrs sha3_256:0 --out q.json
assert_contains "$(cat "$TEST_TMP/err")" "the TPM has no sha3_256 bank" "attest quote sha3_256"
[ ! -e q.json ] || fail "attest quote wrote evidence for a bank the TPM does not have"
echo "PASS"
