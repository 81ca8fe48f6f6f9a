#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark: `bootchain golden check` of a 100,000-event log against a database of about
# 10,000 components (each allowing about ten versions), in events per second once the
# database is loaded.
#
#   BOOTCHAIN=path/to/bootchain GEN=path/to/gen-eventlog tests/bench/golden-check.sh
#
# The database is built from the log itself (`golden create --from-log`), then every ten
# consecutive components of a PCR are merged into one with ten versions, so that every
# event is known and each is found through the lookup index. The load time is measured
# with a one-event log against the same database and subtracted. The target (1,000,000
# events a second) is printed, never asserted.
# Exit status: 0 done, 1 a tool failed or the check did not match, 2 usage, 99 missing tool.
set -euo pipefail

PROG=${0##*/}
EVENTS=${EVENTS:-100000}
RUNS=${RUNS:-5}
TARGET=1000000

. "$(dirname "$0")/bench-lib.sh"
[ -x "${BOOTCHAIN:-}" ] || die 2 "set BOOTCHAIN to the bootchain binary"
[ -x "${GEN:-}" ] || die 2 "set GEN to the gen-eventlog binary"
command -v jq >/dev/null || die 99 "jq not found"

echo "generating a $EVENTS-event log and its database ..." >&2
"$GEN" --events "$EVENTS" --banks sha1,sha256 --seed 7 --out "$TMP/log.bin"
"$GEN" --events 1 --banks sha1,sha256 --seed 7 --out "$TMP/one.bin"
"$BOOTCHAIN" golden create --out "$TMP/full.json" --from-log "$TMP/log.bin"
jq '.components |= (group_by(.pcr) | map(. as $c | [range(0; length; 10)] |
	map($c[.:. + 10] | .[0] + {versions: (map(.versions[]))})) | flatten)' \
	"$TMP/full.json" >"$TMP/db.json"
components=$(jq '.components | length' "$TMP/db.json")
echo "database: $components components, $(($(stat -c %s "$TMP/db.json") >> 10)) KiB" >&2

"$BOOTCHAIN" golden check "$TMP/db.json" "$TMP/log.bin" --json >"$TMP/report.json" ||
	die 1 "the check of the log against its own database did not match"
[ "$(jq .known "$TMP/report.json")" = "$EVENTS" ] || die 1 "not every event is known"

# the one-event log leaves required components missing: exit 3 is its expected status
load_only() {
	local rc=0
	"$BOOTCHAIN" golden check "$TMP/db.json" "$TMP/one.bin" || rc=$?
	[ "$rc" = 3 ]
}

: >"$TMP/t-full"
: >"$TMP/t-load"
for _ in $(seq "$RUNS"); do
	timed "$BOOTCHAIN" golden check "$TMP/db.json" "$TMP/log.bin" >>"$TMP/t-full"
	timed load_only >>"$TMP/t-load"
done
full=$(median <"$TMP/t-full")
load=$(median <"$TMP/t-load")
eps=$(awk -v n="$EVENTS" -v f="$full" -v l="$load" 'BEGIN { d = f - l; if (d < 1) d = 1; printf "%.0f", n / (d / 1e9) }')
echo
echo "golden check, $EVENTS events against $components components (median of $RUNS):"
awk -v f="$full" -v l="$load" 'BEGIN {
	printf "  whole run       %8.1f ms\n  load (1 event)  %8.1f ms\n  checking        %8.1f ms\n", f / 1e6, l / 1e6, (f - l) / 1e6 }'
echo "  events per second once loaded: $eps (target: at least $TARGET: $(awk -v e="$eps" -v t="$TARGET" 'BEGIN { print (e >= t) ? "met" : "NOT met" }'))"
