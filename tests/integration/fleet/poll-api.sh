#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The library's polling engine (bc_poll, bootchain/fleet.h) through its public API, by
# tests/tools/fleet-poll against `attest serve` on swtpm: one callback per host (the
# tool checks the count and the index itself); a host with its AK passes; a host with
# another AK of the same TPM fails on the ak check, in one attempt (a verdict on
# evidence is never retried); a closed port is an error after exactly 1 + --retries
# attempts, and waits the doubling backoff (200 + 400 ms) between them; a host without a
# key or with a URL that is not HTTP is an error without an attempt; every attempt gets
# its own nonce.
. "$TESTS_LIB/common.sh"
POLL="$(dirname "$BOOTCHAIN")/tests/tools/fleet-poll"
[ -x "$POLL" ] || { echo "ERROR: $POLL not built (make check builds it)" >&2; exit 99; }
start_swtpm
cd "$TEST_TMP"

# --- a machine: its AK, a measured chain, the golden database, `attest serve` ---
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub
# another AK of the same TPM: a real restricted key, not the one the server quotes with
expect_exit 0 "$BOOTCHAIN" attest ak create --persistent 0x81010004 --out-public other.pub
mkdir chain
for layer in bios kernel; do
	head -c 3000 /dev/urandom >"chain/$layer.img"
done
printf 'bios 0 bios.img\nkernel 8 kernel.img\n' >chain/chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain chain/chain --banks sha256
expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain --log boot.log
start_serve serve --log boot.log
SERVE=$SERVE_PID
GONE="http://127.0.0.1:$(closed_port)"

# field N of the line of host NAME
field() { # name n
	awk -F'\t' -v h="$1" -v n="$2" '$2 == h { print $n }' poll.out
}

# --- six hosts, two transfers at a time, two retries ---
expect_exit 0 "$POLL" --golden golden.json --jobs 2 --retries 2 --timeout 2000 \
	good "$URL" ak.pub \
	wrong "$URL" other.pub \
	gone "$GONE" ak.pub \
	nokey "$URL" - \
	notweb "ftp://127.0.0.1/" ak.pub \
	again "$URL/" ak.pub
cp "$TEST_TMP/out" poll.out
assert_eq 6 "$(wc -l <poll.out)" "one line per host"
assert_eq "0 1 2 3 4 5" "$(cut -f1 poll.out | sort -n | paste -sd' ')" "every index once"

assert_eq pass "$(field good 3)" "good: verdict"
assert_eq 1 "$(field good 4)" "good: attempts"
assert_eq 200 "$(field good 5)" "good: HTTP status"
assert_eq none "$(field good 8)" "good: no failed check"
assert_eq "every check passed" "$(field good 9)" "good: detail"
assert_eq pass "$(field again 3)" "a URL with a final /"

assert_eq fail "$(field wrong 3)" "wrong AK: verdict"
assert_eq 1 "$(field wrong 4)" "wrong AK: one attempt, never retried"
case ",$(field wrong 8)," in *,ak,*) ;; *) fail "wrong AK: the ak check not failed: $(field wrong 8)" ;; esac
case "$(field wrong 9)" in "ak: "*) ;; *) fail "wrong AK: detail not on the ak check: $(field wrong 9)" ;; esac

assert_eq error "$(field gone 3)" "closed port: verdict"
assert_eq 3 "$(field gone 4)" "closed port: 1 + 2 retries"
assert_eq 0 "$(field gone 5)" "closed port: no HTTP status"
case "$(field gone 9)" in "fetch: "*"(3 attempts)") ;; *) fail "closed port: $(field gone 9)" ;; esac
# the backoff: 200 ms before the first retry, 400 before the second
[ "$(field gone 6)" -ge 600 ] || fail "closed port: retried after $(field gone 6) ms, not >= 600"
assert_eq - "$(field gone 8)" "closed port: nothing verified"

assert_eq error "$(field nokey 3)" "no key: verdict"
assert_eq 0 "$(field nokey 4)" "no key: no attempt"
assert_eq - "$(field nokey 7)" "no key: no nonce"
assert_contains "$(field nokey 9)" "no AK" "no key: detail"
assert_eq error "$(field notweb 3)" "ftp URL: verdict"
assert_eq 0 "$(field notweb 4)" "ftp URL: no attempt"
assert_contains "$(field notweb 9)" "not an http:// or https:// URL" "ftp URL: detail"

# a nonce of 32 random bytes per host, never the same
for h in good wrong gone again; do
	[[ "$(field "$h" 7)" =~ ^[0-9a-f]{64}$ ]] || fail "$h: nonce '$(field "$h" 7)'"
done
assert_eq 4 "$(for h in good wrong gone again; do field "$h" 7; done | sort -u | wc -l)" \
	"a fresh nonce per host"

# --- no retries: the closed port is given up after one attempt ---
expect_exit 0 "$POLL" --golden golden.json --retries 0 --timeout 2000 gone "$GONE" ak.pub
cp "$TEST_TMP/out" poll.out
assert_eq 1 "$(field gone 4)" "--retries 0: one attempt"
case "$(field gone 9)" in *"(1 attempt)") ;; *) fail "--retries 0: $(field gone 9)" ;; esac

# --- a bad option is refused before any callback ---
expect_exit 1 "$POLL" --golden golden.json --jobs 5000 good "$URL" ak.pub
assert_eq "" "$(cat "$TEST_TMP/out")" "no callback after a refused option"
assert_contains "$(cat "$TEST_TMP/err")" "jobs" "the option named"

stop_serve "$SERVE" serve
echo "PASS"
