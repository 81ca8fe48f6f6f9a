#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Write the broken evidence files of tests/data/evidence/ from its seeds, each with the
# one change that the README's table gives in its "made by" column:
#
#   tests/data/evidence/make-broken.sh
#
# Everything but keep-* starts from swtpm-small.json, keep-* from swtpm-keep.json. The
# changes are made on the seed's bytes as bootchain wrote them (one line of JSON, members
# in its order), so that a broken file differs from its seed in that one place and the
# byte offsets of the table's messages hold. A base64 member is decoded, changed as bytes
# and encoded again. The results are committed; run this again after making the seeds
# again (see the README). Needs bash, perl, jq, base64.
# shellcheck disable=SC2016 # perl code, in single quotes for the shell to leave alone
set -euo pipefail

PROG=${0##*/}
cd "$(dirname "$0")"
for tool in perl jq base64; do
	command -v "$tool" >/dev/null || { echo "$PROG: $tool not found" >&2; exit 99; }
done
SMALL=swtpm-small.json
KEEP=swtpm-keep.json
for seed in "$SMALL" "$KEEP"; do
	[ -s "$seed" ] || { echo "$PROG: $seed: missing" >&2; exit 1; }
done

# --- edits of the seed's text ---

# replace SEED OUT OLD NEW: OUT is SEED with OLD, which must occur exactly once, made NEW
replace() {
	OLD=$3 NEW=$4 perl -0777 -ne '
		my $count = () = /\Q$ENV{OLD}\E/g;
		die "$ARGV: \"$ENV{OLD}\" occurs $count times, not once\n" if $count != 1;
		s/\Q$ENV{OLD}\E/$ENV{NEW}/;
		print;' "$1" >"$2"
}

# member SEED JQ-PATH: the text of a string member
member() { jq -r "$2" "$1"; }

# with_bytes SEED OUT JQ-PATH PERL: OUT is SEED with the base64 member at JQ-PATH
# decoded, changed by PERL (on $_, the bytes) and encoded again
with_bytes() {
	local old new
	old=$(member "$1" "$3")
	new=$(printf '%s' "$old" | base64 -d | perl -0777 -pe "$4" | base64 -w0)
	[ "$new" != "$old" ] || { echo "$PROG: $2: $3 unchanged" >&2; exit 1; }
	replace "$1" "$2" "\"$old\"" "\"$new\""
}

# flip_bit OFFSET: the PERL for with_bytes that flips the low bit of the byte at OFFSET
flip_bit() {
	printf 'die "byte %d: past the end\\n" if length($_) <= %d; substr($_, %d, 1) ^= "\\x01";' \
		"$1" "$1" "$1"
}

# --- refused before any check ---

head -c 700 "$SMALL" >truncated.json
perl -0777 -pe 's/\}\n\z/}}\n/ or die "$ARGV: no final }\n"' "$SMALL" >trailing-garbage.json
replace "$SMALL" duplicate-key.json '"selection":' '"selection":"sha256:0","selection":'
replace "$SMALL" escaped-duplicate-key.json '"format":"bootchain-evidence-v1",' \
	'"format":"bootchain-evidence-v1","\u0066ormat":"bootchain-evidence-v1",'
nested=$(printf '%65s' '' | tr ' ' '[')$(printf '%65s' '' | tr ' ' ']')
replace "$SMALL" deep-keep.json '"keep":null' "\"keep\":$nested"
replace "$SMALL" overlong-utf8.json '"format":"' "\"format\":\"$(printf '\300\257')"
# the last group of the attest's base64 (one byte: two characters and "=="), its last
# character one higher: a bit after the padding set
attest=$(member "$SMALL" .quote.attest)
[[ $attest =~ [AQgw]==$ ]] || { echo "$PROG: the attest does not end in one byte" >&2; exit 1; }
replace "$SMALL" noncanonical-base64.json "\"$attest\"" \
	"\"$(printf '%s' "$attest" | perl -pe 's/([AQgw])==$/chr(ord($1) + 1) . "=="/e')\""
replace "$SMALL" base64-line-break.json "\"$attest\"" "\"${attest:0:40}\\n${attest:40}\""
replace "$SMALL" wrong-format.json '"bootchain-evidence-v1"' '"bootchain-evidence-v2"'
pcr() { member "$SMALL" ".pcrs.sha256[\"$1\"]"; }
replace "$SMALL" missing-pcr.json ",\"9\":\"$(pcr 9)\"" ''
replace "$SMALL" short-digest.json "\"4\":\"$(pcr 4)\"" "\"4\":\"$(pcr 4 | cut -c -62)\""
replace "$SMALL" nul-in-selection.json '"selection":"sha256:0,4,8,9"' \
	'"selection":"sha256:0,4,8,9\u0000"'
replace "$SMALL" keep-not-object.json '"keep":null' '"keep":[]'
replace "$KEEP" keep-no-provider.json '"provider":"sev_guest",' ''

# --- checks that fail ---

replace "$SMALL" swapped-pcrs.json \
	"\"0\":\"$(pcr 0)\",\"4\":\"$(pcr 4)\",\"8\":\"$(pcr 8)\"" \
	"\"0\":\"$(pcr 8)\",\"4\":\"$(pcr 4)\",\"8\":\"$(pcr 0)\""
replace "$SMALL" other-selection.tmp '"selection":"sha256:0,4,8,9"' '"selection":"sha256:0,4,8"'
replace other-selection.tmp other-selection.json ",\"9\":\"$(pcr 9)\"" ''
rm -f other-selection.tmp
with_bytes "$SMALL" flipped-attest.json .quote.attest "$(flip_bit 60)"
with_bytes "$SMALL" truncated-attest.json .quote.attest '$_ = substr($_, 0, 40);'
replace "$SMALL" signature-garbage.json "\"$(member "$SMALL" .quote.signature)\"" '"AAAA"'
with_bytes "$SMALL" other-ak.json .ak_public 'substr($_, -1, 1) ^= "\x01";'
with_bytes "$SMALL" eventlog-truncated.json .eventlog '$_ = substr($_, 0, -7);'
# the initrd's sha256 digest, as the golden database has it, found in the log
initrd=$(jq -r '.components[] | select(.name == "initrd") | .versions[0].digests.sha256' \
	swtpm-golden.json)
with_bytes "$SMALL" eventlog-tampered.json .eventlog "
	my \$at = index(\$_, pack('H*', '$initrd'));
	die \"the initrd's sha256 digest is not in the log\\n\" if \$at < 0;
	substr(\$_, \$at + 5, 1) ^= \"\\x01\";"
replace "$SMALL" nulls.tmp "\"ak_public\":\"$(member "$SMALL" .ak_public)\"" '"ak_public":null'
replace nulls.tmp nulls.json "\"eventlog\":\"$(member "$SMALL" .eventlog)\"" '"eventlog":null'
rm -f nulls.tmp
replace "$KEEP" keep-no-vcek.json "\"vcek\":\"$(member "$KEEP" .keep.vcek)\"" '"vcek":null'
replace "$KEEP" keep-vcek-garbage.json "\"vcek\":\"$(member "$KEEP" .keep.vcek)\"" '"vcek":"AAAA"'
with_bytes "$KEEP" keep-report-truncated.json .keep.report '$_ = substr($_, 0, 672);'
with_bytes "$KEEP" keep-report-data-flipped.json .keep.report "$(flip_bit 0x50)"

# --- passes: a member the format does not name, with every kind of JSON value and escape
# (and raw UTF-8: "é😀" read as Latin-1 and written as UTF-8 again)

note='"x-note":{"n":[-0.5e-3,1E+2,0,true,false,null],"s":"\u00e9\ud83d\ude00\t\"\\\/ '
note+=$(printf '\303\203\302\251\303\260\302\237\302\230\302\200')'","o":{},"a":[]}'
NOTE=$note perl -0777 -pe 's/\}\n\z/,$ENV{NOTE}}\n/ or die "$ARGV: no final }\n"' "$SMALL" \
	>extra-members.json
