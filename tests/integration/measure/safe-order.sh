#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Side effects in a safe order (issue 11): everything that can be checked is checked
# before the first TPM change.
# - `measure FILE --pcr N --log L` with L a directory, not a log, a torn log, a SHA-1
#   format log, a log of other banks than the TPM's, a log in a missing directory, and
#   trusted mode with such a log: exit 1 (3 in trusted mode), PCRs and L unchanged.
# - trusted mode whose log fails only after the extend (file size limit): halts, and
#   the JSON and the message say what reached the PCR: the layer and the marker.
# - `pcr extend` with a digest for a bank the TPM does not have (sha1 deallocated with
#   tpm2_pcrallocate, swtpm restarted on the same state): exit 1, naming the banks the
#   TPM has, nothing extended.
. "$TESTS_LIB/common.sh"
start_swtpm
cd "$TEST_TMP"

read_pcrs() { "$BOOTCHAIN" pcr read --json | jq -c .pcrs; }
echo "a boot layer" >layer.img

# bad_log NAME EXIT MESSAGE [measure options]: the PCRs and the log stay as they were
bad_log() {
	local what=$1 want=$2 msg=$3 copy=
	shift 3
	[ -f "$what" ] && copy=$(mktemp -p "$TEST_TMP") && cp "$what" "$copy"
	local before
	before=$(read_pcrs)
	expect_exit "$want" "$BOOTCHAIN" measure layer.img --pcr 16 --log "$what" "$@"
	assert_contains "$(cat "$TEST_TMP/err")" "$msg" "log $what: message"
	assert_eq "$before" "$(read_pcrs)" "log $what: PCRs unchanged"
	if [ -n "$copy" ]; then
		cmp "$copy" "$what" || fail "log $what: the log changed"
	fi
}

mkdir logdir
bad_log logdir 1 "cannot write the log"
echo "not an event log" >text.log
bad_log text.log 1 "not an event log to append to"
cp "$TESTS_DATA/eventlogs/event-uefi-sha1-log.bin" sha1.log
bad_log sha1.log 1 "a SHA-1 format log cannot take new events"
# a crypto-agile log of sha1 and sha256 only; this TPM has four banks
cp "$TESTS_DATA/eventlogs/event-arch-linux.bin" other-banks.log
bad_log other-banks.log 1 "the log has banks sha1, sha256, the TPM sha1, sha256, sha384, sha512"
bad_log missing/dir.log 1 "cannot create the log in missing"
# a torn log: a good one less its last bytes
expect_exit 0 "$BOOTCHAIN" measure layer.img --pcr 16 --log good.log
head -c -3 good.log >torn.log
bad_log torn.log 1 "not a whole event log"
# trusted mode halts, but extends nothing: the marker could not be logged either
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --image layer.img:16:layer.img
bad_log text.log 3 "nothing extended" --trusted --golden golden.json --json
assert_eq "false" "$(jq -r .halted.capped "$TEST_TMP/out")" "trusted, bad log: not capped"
assert_contains "$(cat "$TEST_TMP/err")" "not an event log to append to" "trusted, bad log: why"
# the good log still takes events, and matches the TPM
before=$(read_pcrs)
expect_exit 0 "$BOOTCHAIN" measure layer.img --pcr 16 --log good.log
want=$(expected_extend sha256 "$(jq -r '.sha256."16"' <<<"$before")" \
	"$(openssl_digest sha256 <layer.img)")
assert_eq "$want" "$(pcr_value sha256 16)" "good log: PCR 16 extended (openssl)"

# --- the log fails after the extend: the PCR and the message agree ---
# a valid log that the next event would grow past a 1 KiB file size limit
cp good.log full.log
for _ in $(seq 80); do
	left=$(((1024 - $(stat -c %s full.log) % 1024) % 1024))
	[ "$left" -lt 100 ] && [ "$(stat -c %s full.log)" -lt 1024 ] && break
	[ "$(stat -c %s full.log)" -ge 1024 ] && cp good.log full.log # start again
	"$BOOTCHAIN" measure layer.img --pcr 16 --log full.log --layer "l$RANDOM" >/dev/null
done
[ "$left" -lt 100 ] || fail "could not make a log just under 1 KiB"
cp full.log full.before
before=$(read_pcrs)
got=0
(
	trap '' XFSZ # a write past the limit then fails with EFBIG instead of killing
	ulimit -f 1
	exec "$BOOTCHAIN" measure layer.img --pcr 16 --layer layer.img --trusted \
		--golden golden.json --log full.log --json
) >"$TEST_TMP/out" 2>"$TEST_TMP/err" || got=$?
assert_eq 3 "$got" "log full after the extend: halt"
err=$(cat "$TEST_TMP/err")
assert_contains "$err" "extended into PCR 16, but not logged" "the message says the layer was extended"
assert_contains "$err" "failure marker extended into PCR 16" "the message says the marker was extended"
assert_eq "true" "$(jq -r .halted.capped "$TEST_TMP/out")" "JSON: capped"
assert_eq "[16]" "$(jq -c .halted.capped_pcrs "$TEST_TMP/out")" "JSON: capped PCRs"
assert_eq "true false" "$(jq -r '.layers[0] | "\(.extended) \(.logged)"' "$TEST_TMP/out")" \
	"JSON: the layer extended, not logged"
cap=$(printf '\001\000\000\000' | openssl_digest sha256)
mid=$(expected_extend sha256 "$(jq -r '.sha256."16"' <<<"$before")" "$(openssl_digest sha256 <layer.img)")
assert_eq "$(expected_extend sha256 "$mid" "$cap")" "$(pcr_value sha256 16)" \
	"PCR 16: the layer and the marker, as the message says"
cmp full.before full.log || fail "a torn event was left in the log"

# --- a bank the TPM does not have ---
tpm2_pcrallocate -T "$TCTI" sha256:all+sha1:none >/dev/null 2>&1 ||
	fail "tpm2_pcrallocate could not deallocate sha1"
stop_swtpm
start_swtpm # the same state directory: the new allocation applies from this reset on
assert_eq '["sha256","sha384","sha512"]' "$("$BOOTCHAIN" pcr read --json | jq -c '.pcrs | keys')" \
	"sha1 deallocated"
before=$(read_pcrs)
one=$(printf '%040d' 1)
expect_exit 1 "$BOOTCHAIN" pcr extend 16 "sha1:$one"
assert_contains "$(cat "$TEST_TMP/err")" "no sha1 bank" "extend sha1: names the bank"
assert_contains "$(cat "$TEST_TMP/err")" "its banks: sha256, sha384, sha512" "extend sha1: names the TPM's banks"
sha=$(printf '%064d' 2)
expect_exit 1 "$BOOTCHAIN" pcr extend 16 "sha256:$sha,sha1:$one"
assert_eq "$before" "$(read_pcrs)" "no PCR extended when one bank is missing"
expect_exit 0 "$BOOTCHAIN" pcr extend 16 "sha256:$sha"
assert_eq "$(expected_extend sha256 "$(jq -r '.sha256."16"' <<<"$before")" "$sha")" \
	"$(pcr_value sha256 16)" "sha256 alone is extended"
# a log of the four banks of before is now of other banks than the TPM's
bad_log good.log 1 "the log has banks sha1, sha256, sha384, sha512, the TPM sha256, sha384, sha512"
echo "PASS"
