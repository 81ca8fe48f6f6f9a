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

# A private swtpm with its state in DIR (DIR/pid), on a free loopback port; sets
# BOOTCHAIN_TCTI to reach it. The caller stops it (kill "$(cat DIR/pid)").
bench_swtpm() { # dir
	local port
	for _ in $(seq 40); do
		port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000)) # below the ephemeral range
		swtpm socket --tpm2 --tpmstate dir="$1" \
			--server type=tcp,port="$port",bindaddr=127.0.0.1 \
			--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
			--flags not-need-init,startup-clear --pid file="$1/pid" --daemon 2>/dev/null &&
			break
	done
	[ -s "$1/pid" ] || die 1 "cannot start swtpm"
	export BOOTCHAIN_TCTI="swtpm:host=127.0.0.1,port=$port"
}
