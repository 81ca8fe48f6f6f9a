#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The measured log's default place ($BOOTCHAIN_EVENTLOG stands in for
# /run/bootchain/eventlog): `measure` without --log appends there; `log show`, `log
# replay`, `log check` and `log export` without FILE read it; `attest quote` and
# `attest serve` include it without --log (the evidence's log is that file, byte for
# byte, and verifies), and leave it out with --no-log; an explicit FILE or --log still
# wins; with no log anywhere, `log show` names both places it looked (exit 1).
. "$TESTS_LIB/common.sh"
start_swtpm
cd "$TEST_TMP"
mkdir run
export BOOTCHAIN_EVENTLOG="$TEST_TMP/run/eventlog"
FIRMWARE_LOG=/sys/kernel/security/tpm0/binary_bios_measurements

# --- measure: no --log, the log is written at $BOOTCHAIN_EVENTLOG ---
echo "the kernel" >kernel
echo "the initrd" >initrd
expect_exit 0 "$BOOTCHAIN" measure kernel --pcr 9 --layer kernel --raw
expect_exit 0 "$BOOTCHAIN" measure initrd --pcr 9 --layer initrd --raw
[ -s "$BOOTCHAIN_EVENTLOG" ] || fail "measure wrote no log at \$BOOTCHAIN_EVENTLOG"
cp "$BOOTCHAIN_EVENTLOG" measured.bin

# --- log show / replay / export without FILE: the measured log ---
expect_exit 0 "$BOOTCHAIN" log show --json measured.bin
cp out named.json
expect_exit 0 "$BOOTCHAIN" log show --json
assert_eq "$BOOTCHAIN_EVENTLOG" "$(jq -r .file out)" "log show without FILE: the file shown"
assert_eq "$(jq -c .events named.json)" "$(jq -c .events out)" \
	"log show without FILE shows the measured log"
# the digests are the files' own (openssl), in the order measured
assert_contains "$(cat out)" "$(openssl_digest sha256 <kernel)" "the kernel's digest"
assert_contains "$(cat out)" "$(openssl_digest sha256 <initrd)" "the initrd's digest"
expect_exit 0 "$BOOTCHAIN" log replay --pcrs sha256:9 --json
k=$(openssl_digest sha256 <kernel)
i=$(openssl_digest sha256 <initrd)
pcr9=$(expected_extend sha256 "$(printf '0%.0s' $(seq 64))" "$k")
pcr9=$(expected_extend sha256 "$pcr9" "$i")
assert_contains "$(cat out)" "$pcr9" "log replay without FILE: PCR 9 of the measured log"
expect_exit 0 "$BOOTCHAIN" log export --format cel-json
assert_contains "$(cat out)" "$k" "log export without FILE"

# --- log check without FILE: the measured log against swtpm (it did the extends) ---
expect_exit 0 "$BOOTCHAIN" log check --pcrs sha256:9
# a PCR 9 extended behind the log's back: the check, without FILE, sees it
expect_exit 0 "$BOOTCHAIN" pcr extend 9 "sha256:$(openssl_digest sha256 </dev/null)"
expect_exit 3 "$BOOTCHAIN" log check --pcrs sha256:9
assert_contains "$(cat out)$(cat err)" "9" "log check names the PCR"

# --- an explicit FILE still wins ---
echo "another" >other
expect_exit 0 "$BOOTCHAIN" measure other --pcr 10 --raw --log other.bin
expect_exit 0 "$BOOTCHAIN" log show --json other.bin
assert_contains "$(cat out)" "$(openssl_digest sha256 <other)" "log show FILE"
[ "$(grep -c "$k" out)" = 0 ] || fail "log show FILE showed the measured log"

# --- attest quote: the measured log by default, none with --no-log, --log wins ---
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub
nonce=$(openssl rand -hex 16)
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --out ev.json --pcrs sha256:9,10
jq -r .eventlog ev.json | base64 -d >ev-log.bin
cmp -s ev-log.bin "$BOOTCHAIN_EVENTLOG" || fail "attest quote did not include the measured log"
expect_exit 3 "$BOOTCHAIN" attest verify ev.json --ak ak.pub --nonce "$nonce" --require-pcrs sha256:9
# (PCR 9 was extended behind the log: a replay that does not match)
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --out ev-none.json --no-log
assert_eq null "$(jq -r .eventlog ev-none.json)" "attest quote --no-log"
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --out ev-other.json --log other.bin \
	--pcrs sha256:10
jq -r .eventlog ev-other.json | base64 -d | cmp -s - other.bin ||
	fail "attest quote --log did not include the log named"
expect_exit 0 "$BOOTCHAIN" attest verify ev-other.json --ak ak.pub --nonce "$nonce" --require-pcrs sha256:10

# --- attest serve: the measured log served and included by default ---
start_serve serve
curl -s --noproxy '*' -o served.bin "$URL/v1/eventlog"
cmp -s served.bin "$BOOTCHAIN_EVENTLOG" || fail "attest serve does not serve the measured log"
stop_serve "$SERVE_PID" serve

# --- no log anywhere: named, exit 1 (only where this machine has no firmware log) ---
export BOOTCHAIN_EVENTLOG="$TEST_TMP/run/none"
if [ ! -e "$FIRMWARE_LOG" ]; then
	expect_exit 1 "$BOOTCHAIN" log show
	assert_contains "$(cat err)" "$TEST_TMP/run/none" "the measured log's place named"
	assert_contains "$(cat err)" "$FIRMWARE_LOG" "the firmware log's place named"
	expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --out ev-nolog.json
	assert_eq null "$(jq -r .eventlog ev-nolog.json)" "attest quote with no log anywhere"
fi
