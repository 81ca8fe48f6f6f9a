#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark: `bootchain log replay` against tpm2_eventlog (tpm2-tools) on two large
# generated logs, 100,000 events each: sha1+sha256, and sha1+sha256+sha384+sha512.
#
#   BOOTCHAIN=path/to/bootchain GEN=path/to/gen-eventlog tests/bench/log-replay.sh
#
# Optional: EVENTS (default 100000), RUNS (timed runs per tool and log, default 5),
# SEED (default 1), TMPDIR. Before timing, both tools must agree on every PCR value of
# each log, or the script fails. Each tool runs RUNS times, interleaved, with its output
# to /dev/null; the table gives the best and the median wall time and the events per
# second of the median. The targets are printed next to the results, never asserted:
# timings on shared machines are not a pass/fail matter.
# Exit status: 0 done, 1 a tool failed or the tools disagree, 2 usage, 99 missing tool.
set -euo pipefail

PROG=${0##*/}
EVENTS=${EVENTS:-100000}
RUNS=${RUNS:-5}
SEED=${SEED:-1}
TARGET_RATIO=20
TARGET_ONE_CORE=1000000

die() { # status message
	echo "$PROG: $2" >&2
	exit "$1"
}

[ -n "${BOOTCHAIN:-}" ] || die 2 "set BOOTCHAIN to the bootchain binary"
[ -n "${GEN:-}" ] || die 2 "set GEN to the gen-eventlog binary (built from tests/bench/gen-eventlog.c)"
[ -x "$BOOTCHAIN" ] || die 2 "BOOTCHAIN=$BOOTCHAIN is not an executable"
[ -x "$GEN" ] || die 2 "GEN=$GEN is not an executable"
[[ $EVENTS =~ ^[1-9][0-9]*$ ]] || die 2 "EVENTS must be a positive number"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die 2 "RUNS must be a positive number"
[[ $SEED =~ ^[0-9]+$ ]] || die 2 "SEED must be a number"
for tool in tpm2_eventlog jq taskset awk; do
	command -v "$tool" >/dev/null || die 99 "$tool not found (Debian: tpm2-tools, jq, util-linux)"
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bootchain-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP

# clock VAR: the wall clock in ns into VAR. bash 5's $EPOCHREALTIME costs no fork (and no
# millisecond of noise per run); date +%s%N is the fallback.
if [ -n "${EPOCHREALTIME:-}" ]; then
	clock() {
		local t=${EPOCHREALTIME/[.,]/}
		printf -v "$1" "%s000" "$t"
	}
else
	clock() { printf -v "$1" "%s" "$(date +%s%N)"; }
fi

# Run a command with stdout to /dev/null; print its wall time in ns. A failure ends the
# benchmark, with the command's stderr.
timed() {
	local t0 t1 rc=0
	clock t0
	"$@" >/dev/null 2>"$TMP/stderr" || rc=$?
	clock t1
	[ "$rc" = 0 ] || die 1 "'$*' failed with status $rc: $(head -c 2000 "$TMP/stderr")"
	echo $((t1 - t0))
}

# The PCR values tpm2_eventlog computes, as "bank pcr hex" lines. Its YAML ends with
#   pcrs:
#     sha256:
#       0  : 0x<HEX>
tpm2_pcrs() { # log
	tpm2_eventlog "$1" 2>"$TMP/stderr" >"$TMP/tpm2.yaml" ||
		die 1 "tpm2_eventlog $1 failed: $(head -c 2000 "$TMP/stderr")"
	awk '
		/^pcrs:/ { in_pcrs = 1; next }
		!in_pcrs { next }
		/^  [a-z0-9_]+:$/ { bank = $1; sub(":", "", bank); next }
		/^    [0-9]+ *: 0x[0-9a-fA-F]+$/ {
			split($0, f, ":"); pcr = f[1]; gsub(/ /, "", pcr)
			v = f[2]; gsub(/ |0x/, "", v); print bank, pcr, tolower(v) }' "$TMP/tpm2.yaml" |
		sort
}

# The PCR values `bootchain log replay --json` computes: {"pcrs": {"sha256": {"0": hex}}}
bootchain_pcrs() { # log
	"$BOOTCHAIN" log replay "$1" --json 2>"$TMP/stderr" >"$TMP/bootchain.json" ||
		die 1 "$BOOTCHAIN log replay $1 --json failed: $(head -c 2000 "$TMP/stderr")"
	jq -r '.pcrs | to_entries[] | .key as $b | .value | to_entries[] |
		"\($b) \(.key) \(.value | ascii_downcase)"' "$TMP/bootchain.json" |
		sort ||
		die 1 "unexpected JSON from $BOOTCHAIN log replay: $(head -c 500 "$TMP/bootchain.json")"
}

# Both tools must give the same value for every PCR tpm2_eventlog lists (the ones the
# log extends), in every bank of the log; PCRs bootchain lists beyond those must hold
# their reset value (zero; all ones for PCRs 17-22).
check_agreement() { # log banks
	local log=$1 banks=$2 n
	tpm2_pcrs "$log" >"$TMP/theirs"
	bootchain_pcrs "$log" >"$TMP/ours"
	n=$(wc -l <"$TMP/theirs")
	[ "$n" -gt 0 ] || die 1 "no PCR values in tpm2_eventlog's output for $log"
	[ "$(cut -d' ' -f1 "$TMP/theirs" | sort -u | paste -sd, -)" = \
		"$(tr , '\n' <<<"$banks" | sort | paste -sd, -)" ] ||
		die 1 "tpm2_eventlog's banks for $log are not $banks"
	if ! awk '
		NR == FNR { theirs[$1 " " $2] = $3; next }
		{
			key = $1 " " $2; ours[key] = 1
			if (key in theirs) {
				if (theirs[key] != $3) { print "differs: " key ": tpm2_eventlog " theirs[key] ", bootchain " $3; bad = 1 }
			} else {
				reset = ($2 >= 17 && $2 <= 22) ? "f" : "0"
				v = $3; gsub(reset, "", v)
				if (v != "") { print "bootchain only: " key " " $3 " (not a reset value)"; bad = 1 }
			}
		}
		END {
			for (key in theirs)
				if (!(key in ours)) { print "missing in bootchain: " key; bad = 1 }
			exit bad
		}' "$TMP/theirs" "$TMP/ours" >"$TMP/diff"; then
		echo "$PROG: bootchain and tpm2_eventlog disagree on the PCR values of $log:" >&2
		head -n 50 "$TMP/diff" >&2
		exit 1
	fi
	echo "$n PCR values agree" >&2
}

# Best and median of the numbers on stdin (ns), as "best median".
best_median() {
	sort -n | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%d %d\n", v[1], m }'
}

row() { # label best_ns median_ns
	awk -v label="$1" -v b="$2" -v m="$3" -v n="$EVENTS" 'BEGIN {
		printf "  %-26s %10.1f %10.1f %14.0f\n", label, b / 1e6, m / 1e6, n / (m / 1e9) }'
}

echo "bootchain:     $BOOTCHAIN"
echo "tpm2_eventlog: $(tpm2_eventlog --version 2>/dev/null | sed -n 's/.*version="\([^"]*\)".*/\1/p')"
echo "events per log: $EVENTS (plus the Spec ID event), $RUNS timed runs per tool"

results=()
for banks in sha1,sha256 sha1,sha256,sha384,sha512; do
	log="$TMP/${banks//,/-}.bin"
	echo "generating $log ..." >&2
	"$GEN" --events "$EVENTS" --banks "$banks" --seed "$SEED" --out "$log" ||
		die 1 "$GEN failed for $banks"
	check_agreement "$log" "$banks"

	: >"$TMP/t-bc"
	: >"$TMP/t-bc1"
	: >"$TMP/t-tpm2"
	for _ in $(seq "$RUNS"); do
		timed "$BOOTCHAIN" log replay "$log" --json >>"$TMP/t-bc"
		timed taskset -c 0 "$BOOTCHAIN" log replay "$log" --json >>"$TMP/t-bc1"
		timed tpm2_eventlog "$log" >>"$TMP/t-tpm2"
	done
	read -r bc_best bc_med < <(best_median <"$TMP/t-bc")
	read -r bc1_best bc1_med < <(best_median <"$TMP/t-bc1")
	read -r tpm_best tpm_med < <(best_median <"$TMP/t-tpm2")
	results+=("$banks $bc_best $bc_med $bc1_best $bc1_med $tpm_best $tpm_med")
done

echo
printf "  %-26s %10s %10s %14s\n" "tool" "best ms" "median ms" "events/s"
for r in "${results[@]}"; do
	read -r banks bc_best bc_med bc1_best bc1_med tpm_best tpm_med <<<"$r"
	ratio=$(awk -v a="$tpm_med" -v b="$bc_med" 'BEGIN { printf "%.1f", a / b }')
	eps1=$(awk -v n="$EVENTS" -v m="$bc1_med" 'BEGIN { printf "%.0f", n / (m / 1e9) }')
	echo "${banks//,/+} log, $EVENTS events:"
	row "bootchain log replay" "$bc_best" "$bc_med"
	row "bootchain, one core" "$bc1_best" "$bc1_med"
	row "tpm2_eventlog" "$tpm_best" "$tpm_med"
	verdict=$(awk -v r="$ratio" -v t="$TARGET_RATIO" 'BEGIN { print (r >= t) ? "met" : "NOT met" }')
	echo "  ratio bootchain/tpm2_eventlog: ${ratio}x (target: at least ${TARGET_RATIO}x: $verdict)"
	if [ "$banks" = sha1,sha256 ]; then
		verdict=$(awk -v e="$eps1" -v t="$TARGET_ONE_CORE" 'BEGIN { print (e >= t) ? "met" : "NOT met" }')
		echo "  bootchain on one core: $eps1 events/s (target: at least $TARGET_ONE_CORE: $verdict)"
	fi
	echo
done
echo "(events/s from the median; the targets are informative, not asserted)"
