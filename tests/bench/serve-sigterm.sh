#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Stress: `bootchain attest serve` stopped by SIGTERM under load, many times. Each
# iteration starts the server on swtpm on a free loopback port, loads it with
# tests/bench/load-gen (CONNECTIONS keep-alive connections asking for evidence), sends
# SIGTERM after a random 10-300 ms and checks that the server exits 0 within the grace
# period and that its stderr has no abort ("Failed", "abort", "panic", a signal). A
# server that aborts, hangs or exits otherwise is a failure; its stderr is printed.
# Prints "N passed, N failed" and exits 1 when any failed.
#
#   BOOTCHAIN=path/to/bootchain LOADGEN=path/to/tests/bench/load-gen tests/bench/serve-sigterm.sh
#
# Optional: ITERATIONS (default 300), CONNECTIONS (default 128), THREADS (HTTP threads
# of the server, default 4: a pool, where the shutdown race was), MAX_SECONDS (stop
# starting iterations after this long, default 900), TMPDIR.
set -uo pipefail

PROG=${0##*/}
ITERATIONS=${ITERATIONS:-300}
CONNECTIONS=${CONNECTIONS:-128}
THREADS=${THREADS:-4}
MAX_SECONDS=${MAX_SECONDS:-900}
STOP_WAIT_S=15 # the server's grace is 10 s
. "$(dirname "$0")/bench-lib.sh"
[ -x "${BOOTCHAIN:-}" ] || die 2 "set BOOTCHAIN to the bootchain binary"
[ -x "${LOADGEN:-}" ] || die 2 "set LOADGEN to tests/bench/load-gen (make tests/bench/load-gen)"
command -v swtpm >/dev/null || die 99 "swtpm not found (run scripts/deps)"

SERVE_PID=
LOAD_PID=
SWTPM_PID=
stop_all() {
	[ -n "$LOAD_PID" ] && kill -9 "$LOAD_PID" 2>/dev/null
	[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null
	[ -n "$SWTPM_PID" ] && kill "$SWTPM_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap stop_all EXIT

mkdir -p "$TMP/tpm"
bench_swtpm "$TMP/tpm"
SWTPM_PID=$(cat "$TMP/tpm/pid")
"$BOOTCHAIN" attest ak create --out-public "$TMP/ak.pub" >/dev/null || die 1 "cannot create an AK"

# Wait up to $2 seconds for pid $1 to exit; its status in STATUS, or "hung".
wait_exit() { # pid seconds
	local deadline=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.02
	done
	if kill -0 "$1" 2>/dev/null; then
		STATUS=hung
		kill -9 "$1" 2>/dev/null
		wait "$1" 2>/dev/null
	else
		wait "$1"
		STATUS=$?
	fi
}

# One iteration: 0 when the server stopped cleanly. Sets LOADED when it had answered
# requests before the signal.
one_stop() { # iteration
	local err="$TMP/serve.err" url="" ms requests
	LOADED=0
	"$BOOTCHAIN" attest serve --listen 127.0.0.1:0 --threads "$THREADS" \
		--max-connections $((CONNECTIONS + 64)) 2>"$err" &
	SERVE_PID=$!
	for _ in $(seq 200); do
		url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$err" || true)
		[ -n "$url" ] && break
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.02
	done
	if [ -z "$url" ]; then
		echo "$PROG: iteration $1: the server did not start: $(head -c 2000 "$err")" >&2
		kill -9 "$SERVE_PID" 2>/dev/null
		wait "$SERVE_PID" 2>/dev/null
		SERVE_PID=
		return 1
	fi
	"$LOADGEN" --url "$url" --connections "$CONNECTIONS" --seconds 5 >/dev/null 2>&1 &
	LOAD_PID=$!
	ms=$((10 + $(od -An -N2 -tu2 /dev/urandom) % 291))
	sleep "$(printf '0.%03d' "$ms")"
	kill -TERM "$SERVE_PID"
	wait_exit "$SERVE_PID" "$STOP_WAIT_S"
	SERVE_PID=
	kill -9 "$LOAD_PID" 2>/dev/null
	wait "$LOAD_PID" 2>/dev/null
	LOAD_PID=
	requests=$(sed -n 's/.*stopped: \([0-9]*\) requests.*/\1/p' "$err")
	[ "${requests:-0}" -gt 0 ] && LOADED=1
	if [ "$STATUS" != 0 ] || grep -qiE 'fail|abort|panic|fatal' "$err"; then
		echo "$PROG: iteration $1: SIGTERM after $ms ms: exit status $STATUS; stderr:" >&2
		head -c 2000 "$err" >&2
		return 1
	fi
	return 0
}

passed=0 failed=0 loaded=0 ran=0
start=$SECONDS
echo "$PROG: $ITERATIONS SIGTERMs, $CONNECTIONS connections, $THREADS server threads, swtpm" >&2
for i in $(seq "$ITERATIONS"); do
	if [ $((SECONDS - start)) -ge "$MAX_SECONDS" ]; then
		echo "$PROG: stopped after $MAX_SECONDS s" >&2
		break
	fi
	ran=$((ran + 1))
	if one_stop "$i"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	loaded=$((loaded + LOADED))
done
echo "$PROG: $passed passed, $failed failed of $ran SIGTERMs ($loaded under load, $((SECONDS - start)) s)"
[ "$failed" = 0 ] && [ "$ran" = "$ITERATIONS" ]
