#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Side effects in a safe order, on swtpm. `attest ak create` checks every output path
# before the TPM holds a new key: after a refused path, the persistent handles are those
# of before (tpm2_getcap) and no file was written. `attest quote --log` parses the log
# before quoting and refuses a file that is not a log, or a log without a quoted bank,
# naming the file and the bank; no evidence is written.
. "$TESTS_LIB/common.sh"
for tool in tpm2_getcap jq; do
	command -v "$tool" >/dev/null || { echo "ERROR: $tool not installed" >&2; exit 99; }
done
start_swtpm
cd "$TEST_TMP" || exit 1
B=$BOOTCHAIN
logs=$TESTS_DATA/eventlogs

persistent() { tpm2_getcap -T "$TCTI" handles-persistent | sed 's/^- //' | tr '\n' ' '; }
transient() { tpm2_getcap -T "$TCTI" handles-transient; }

# ---- ak create: a bad output path fails before the first TPM change ----
before=$(persistent)
bad_path() { # message args...
	local msg=$1
	shift
	expect_exit 1 "$B" attest ak create "$@"
	assert_contains "$(cat err)" "$msg" "ak create $*"
	assert_eq "$before" "$(persistent)" "persistent handles after ak create $*"
	assert_eq "" "$(transient)" "transient handles after ak create $*"
}
mkdir adir
bad_path "/missing/dir/x: folder /missing/dir: No such file or directory" \
	--out-public /missing/dir/x
bad_path "adir: is a directory" --out-public adir
touch ak.pub
bad_path "ak.pub/ak.pem: ak.pub is not a directory" --out-public ak.pub2 --out-pem ak.pub/ak.pem
bad_path "/missing/ak.name: folder /missing" --out-public ak.pub2 --out-name /missing/ak.name \
	--persistent 0x81000005
bad_path "/missing/ak.ctx: folder /missing" --out-public ak.pub2 --context /missing/ak.ctx
[ ! -e ak.pub2 ] || fail "a refused ak create wrote --out-public"
if [ "$(id -u)" != 0 ]; then
	mkdir ro && chmod 555 ro
	bad_path "ro/ak.pub: folder ro: Permission denied" --out-public ro/ak.pub
fi
# the same with good paths makes the key
expect_exit 0 "$B" attest ak create --force --out-public ak.pub --out-pem ak.pem --out-name ak.name
assert_contains "$(persistent)" "0x81010003" "the AK is persistent"
for f in ak.pub ak.pem ak.name; do
	[ -s "$f" ] || fail "ak create did not write $f"
done

# ---- quote --log: the log must parse and have every quoted bank ----
nonce=$(openssl rand -hex 20)
no_quote() { # message args...
	local msg=$1
	shift
	expect_exit 1 "$B" attest quote --nonce "$nonce" --out ev.json "$@"
	assert_contains "$(cat err)" "$msg" "quote $*"
	[ ! -e ev.json ] || fail "quote $* wrote evidence"
	assert_eq "" "$(transient)" "transient handles after quote $*"
}
head -c 4096 /dev/urandom >random.bin
no_quote "random.bin: " --log random.bin
no_quote "missing.bin" --log missing.bin
: >empty.bin
no_quote "empty.bin: " --log empty.bin
no_quote "adir" --log adir
# a SHA-1 log (tpm2_eventlog's replay of it has the sha1 bank alone)
sed -n '/^pcrs:/,$p' "$logs/event-uefi-sha1-log.bin.tpm2-tools.yaml" | grep -q '^  sha256:' &&
	fail "the SHA-1 log fixture has sha256"
no_quote "event-uefi-sha1-log.bin: the event log has no digests of sha256, which the quote covers" \
	--log "$logs/event-uefi-sha1-log.bin" --pcrs sha256:0-7
# a sha256-only log (likewise) and a quote of sha1 and sha256: sha1 is named, sha256 not
sed -n '/^pcrs:/,$p' "$logs/event-sd-boot-fedora37.bin.tpm2-tools.yaml" | grep -q '^  sha1:' &&
	fail "the Fedora log fixture has sha1"
no_quote "of sha1, which the quote covers" --log "$logs/event-sd-boot-fedora37.bin" \
	--pcrs sha1:0+sha256:0
# a log cut in the middle of an event: parsed to its end before the quote
size=$(stat -c %s "$logs/event-sd-boot-fedora37.bin")
head -c $((size / 2)) "$logs/event-sd-boot-fedora37.bin" >cut.bin
no_quote "cut.bin: event " --log cut.bin --pcrs sha256:0

# the banks it has are quoted with it (the values need not match: verify judges them)
expect_exit 0 "$B" attest quote --nonce "$nonce" --out ev.json \
	--log "$logs/event-uefi-sha1-log.bin" --pcrs sha1:0-7
cmp <(jq -r .eventlog ev.json | base64 -d) "$logs/event-uefi-sha1-log.bin" ||
	fail "the evidence does not carry the log"
expect_exit 0 "$B" attest quote --nonce "$nonce" --out ev2.json \
	--log "$logs/event-sd-boot-fedora37.bin" --pcrs sha256:0-7
echo "PASS"
