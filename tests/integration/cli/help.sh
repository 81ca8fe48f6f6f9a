#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `--help` on every command and subcommand, and `bootchain help CMD SUB`: exit 0, the
# usage on stdout naming the subcommand, nothing on stderr. The subcommands are read
# from `bootchain help` (printed from the dispatch tables), not listed here, so that a
# new verb is tested without touching this file. No TPM: a closed port proves none is
# opened.
. "$TESTS_LIB/common.sh"
export BOOTCHAIN_TCTI="swtpm:host=127.0.0.1,port=$(closed_port)"

expect_exit 0 "$BOOTCHAIN" help
help=$(cat "$TEST_TMP/out")
commands=$(sed -n '/^Commands:/,/^$/p' <<<"$help" | awk 'NF > 1 { print $1 }')
[ "$(wc -w <<<"$commands")" -ge 8 ] || fail "bootchain help lists too few commands: $commands"

# "  attest     ek, ek verify, ak, ..." -> "attest ek", "attest ek verify", ...
subcommands=$(sed -n '/^Subcommands:/,/^$/p' <<<"$help" | sed 1d |
	awk 'NF { cmd = $1; sub(/^ *[^ ]+ +/, ""); n = split($0, v, /, */);
	          for (i = 1; i <= n; i++) print cmd " " v[i] }')
for must in "pcr read" "golden check" "attest quote" "attest ek verify" "fleet run"; do
	grep -qx "$must" <<<"$subcommands" || fail "bootchain help does not list '$must'"
done

check_help() { # label args...
	local label=$1
	shift
	expect_exit 0 "$BOOTCHAIN" "$@"
	assert_contains "$(cat "$TEST_TMP/out")" "Usage: bootchain" "'$*' prints usage"
	assert_contains "$(cat "$TEST_TMP/out")" "bootchain $label" "'$*' names '$label'"
	[ ! -s "$TEST_TMP/err" ] || fail "'$*' wrote to stderr: $(cat "$TEST_TMP/err")"
}

count=0
for cmd in $commands; do
	[ "$cmd" = help ] && continue
	check_help "$cmd" "$cmd" --help
	check_help "$cmd" help "$cmd"
done
while read -r line; do
	# shellcheck disable=SC2086
	set -- $line
	check_help "$line" "$@" --help
	check_help "$line" "$@" -h
	check_help "$line" help "$@"
	count=$((count + 1))
done <<<"$subcommands"
[ "$count" -ge 30 ] || fail "only $count subcommands tested"

# a word that is not a subcommand is a usage error, not a run of the command
expect_exit 2 "$BOOTCHAIN" help pcr frobnicate
assert_contains "$(cat "$TEST_TMP/err")" "'frobnicate' is not a subcommand of 'pcr'" "help pcr frobnicate"
expect_exit 2 "$BOOTCHAIN" help measure now
assert_contains "$(cat "$TEST_TMP/err")" "'now' is not a subcommand of 'measure'" "help measure now"
echo "ok: --help and help of $count subcommands"
