#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `bootchain pcr read` gives the same values as tpm2_pcrread on the same swtpm, for every
# allocated bank, after extends made both by bootchain and by tpm2-tools.
. "$TESTS_LIB/common.sh"
command -v tpm2_pcrread >/dev/null || { echo "ERROR: tpm2-tools not installed" >&2; exit 99; }
start_swtpm

tpm2_pcrextend -T "$TCTI" "4:sha256=$(echo a | openssl_digest sha256)"
"$BOOTCHAIN" pcr extend 5 "sha1:$(echo b | openssl_digest sha1),sha384:$(echo c | openssl_digest sha384)" >/dev/null
"$BOOTCHAIN" pcr extend 7 --from-file /etc/os-release >/dev/null

selection=$("$BOOTCHAIN" pcr read --json | jq -r '.pcrs | keys | map(. + ":all") | join("+")')
[ -n "$selection" ] || fail "no banks"

# tpm2_pcrread prints "  sha256:" then "    0 : 0x<HEX>"
tpm2_pcrread -T "$TCTI" "$selection" | awk '
	/^  [a-z0-9_]+:$/ { bank = $1; sub(":", "", bank) }
	/^ +[0-9]+ *: 0x/ { split($0, f, ":"); gsub(/ /, "", f[1]); v = f[2]; gsub(/ |0x/, "", v);
	                   print bank, f[1], tolower(v) }' | sort >"$TEST_TMP/theirs"
"$BOOTCHAIN" pcr read "$selection" --json |
	jq -r '.pcrs | to_entries[] | .key as $b | .value | to_entries[] | "\($b) \(.key) \(.value)"' |
	sort >"$TEST_TMP/ours"

lines=$(wc -l <"$TEST_TMP/ours")
[ "$lines" -ge 48 ] || fail "only $lines PCR values read"
diff -u "$TEST_TMP/theirs" "$TEST_TMP/ours" || fail "bootchain and tpm2_pcrread disagree"
# the extends above really changed something, so the comparison is not of zeros only
grep -q '^sha384 5 0\{96\}$' "$TEST_TMP/ours" && fail "PCR 5 sha384 was not extended"
echo "PASS: $lines values agree"
