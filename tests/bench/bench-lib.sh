# SPDX-License-Identifier: BSD-3-Clause
# Shared by the benchmarks: die, a temporary directory, a wall clock without forks,
# timed runs and medians. Source it after setting PROG.

die() { # status message
	echo "$PROG: $2" >&2
	exit "$1"
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bootchain-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP

# clock VAR: the wall clock in ns into VAR (bash 5's $EPOCHREALTIME costs no fork).
clock() {
	local t=${EPOCHREALTIME/[.,]/}
	printf -v "$1" "%s000" "$t"
}

# Run a command (or function) with stdout to /dev/null; print its wall time in ns. A
# failure ends the benchmark, with the command's stderr.
timed() {
	local t0 t1 rc=0
	clock t0
	"$@" >/dev/null 2>"$TMP/stderr" || rc=$?
	clock t1
	[ "$rc" = 0 ] || die 1 "'$*' failed with status $rc: $(head -c 2000 "$TMP/stderr")"
	echo $((t1 - t0))
}

# The median of the numbers on stdin.
median() {
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
