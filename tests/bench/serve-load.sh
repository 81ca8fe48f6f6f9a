#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark: `bootchain attest serve` on swtpm under load, loopback only: tests/bench/
# load-gen keeps CONNECTIONS keep-alive connections asking for evidence (a fresh nonce
# each time) for SECONDS_PER_MODE seconds, first with nonce batching (the default 20 ms
# window), then without (--batch-ms 0). Reported for each: answers a second, TPM quotes
# made, latency p50/p95/p99, and the server's RSS before and after. Every answer is
# checked by load-gen (status, JSON, its Merkle path from the nonce sent to the root);
# a sample of each mode is verified in full with `bootchain attest verify` and a golden
# database. Any failed or malformed answer ends the benchmark; timings are printed,
# never asserted. Targets: 1,000 answers a second with batching, 20 times the rate
# without.
#
#   BOOTCHAIN=path/to/bootchain LOADGEN=path/to/tests/bench/load-gen tests/bench/serve-load.sh
#
# Optional: SECONDS_PER_MODE (default 10), CONNECTIONS (default 512), THREADS (HTTP
# threads of the server, default: its own default, the number of cores), TMPDIR.
set -euo pipefail

PROG=${0##*/}
SECONDS_PER_MODE=${SECONDS_PER_MODE:-10}
CONNECTIONS=${CONNECTIONS:-512}
THREADS=${THREADS:-}
. "$(dirname "$0")/bench-lib.sh"
[ -x "${BOOTCHAIN:-}" ] || die 2 "set BOOTCHAIN to the bootchain binary"
[ -x "${LOADGEN:-}" ] || die 2 "set LOADGEN to tests/bench/load-gen (make tests/bench/load-gen)"
for tool in swtpm curl jq openssl; do
	command -v "$tool" >/dev/null || die 99 "$tool not found (run scripts/deps)"
done

SERVE_PID=
SWTPM_PID=
stop_all() {
	[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null
	[ -n "$SWTPM_PID" ] && kill "$SWTPM_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap stop_all EXIT

# A private swtpm, an AK, a 10-layer measured chain with its event log and golden database.
mkdir -p "$TMP/tpm" "$TMP/chain"
bench_swtpm "$TMP/tpm"
SWTPM_PID=$(cat "$TMP/tpm/pid")
for i in $(seq 10); do
	head -c 4096 /dev/urandom >"$TMP/chain/l$i"
	echo "layer$i $((i % 10)) l$i raw"
done >"$TMP/chain/chain"
"$BOOTCHAIN" attest ak create --out-public "$TMP/ak.pub" >/dev/null
"$BOOTCHAIN" measure --chain "$TMP/chain/chain" --log "$TMP/log" >/dev/null
"$BOOTCHAIN" golden create --out "$TMP/golden.json" --chain "$TMP/chain/chain" >/dev/null

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# One mode: prints its line; sets RATE (answers a second) and QUOTES.
run_mode() { # name batch_ms
	local name=$1 dir="$TMP/${1%% *}" url="" result quotes0 quotes rss0 rss1 root n ok=0
	local err="$dir/serve.err"
	mkdir -p "$dir"
	"$BOOTCHAIN" attest serve --listen 127.0.0.1:0 --log "$TMP/log" --batch-ms "$2" \
		--max-connections $((CONNECTIONS + 64)) ${THREADS:+--threads "$THREADS"} 2>"$err" &
	SERVE_PID=$!
	for _ in $(seq 100); do
		url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$err" || true)
		[ -n "$url" ] && break
		sleep 0.1
	done
	[ -n "$url" ] || die 1 "$name: the server did not start: $(cat "$err")"
	rss0=$(rss_kb "$SERVE_PID")
	quotes0=$(curl -s "$url/healthz" | jq .quotes)
	result=$("$LOADGEN" --url "$url" --connections "$CONNECTIONS" \
		--seconds "$SECONDS_PER_MODE" --save "$dir" --save-count 20) ||
		die 1 "$name: failed or malformed answers: $result"
	quotes=$(($(curl -s "$url/healthz" | jq .quotes) - quotes0))
	rss1=$(rss_kb "$SERVE_PID")
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID" || die 1 "$name: the server did not exit 0 on SIGTERM"
	SERVE_PID=
	for f in "$dir"/answer-*.json; do
		n=$(cat "${f%.json}.nonce")
		[ "$(jq -r .nonce "$f")" = "$n" ] || die 1 "$f: not the nonce sent"
		"$BOOTCHAIN" attest verify "$f" --ak "$TMP/ak.pub" --nonce "$n" \
			--golden "$TMP/golden.json" >/dev/null || die 1 "$f does not verify"
		ok=$((ok + 1))
	done
	[ "$ok" -gt 0 ] || die 1 "$name: no answer saved"
	printf '%-22s %8.0f/s %7d quotes  p50 %7.1f ms  p95 %7.1f ms  p99 %7.1f ms  RSS %6d -> %6d kB  (%d answers, %d verified in full)\n' \
		"$name" "$(jq .per_second <<<"$result")" "$quotes" "$(jq .p50_ms <<<"$result")" \
		"$(jq .p95_ms <<<"$result")" "$(jq .p99_ms <<<"$result")" "$rss0" "$rss1" \
		"$(jq .answers <<<"$result")" "$ok" >&2
	RATE=$(jq .per_second <<<"$result")
	QUOTES=$quotes
}

echo "$PROG: $CONNECTIONS connections, $SECONDS_PER_MODE s a mode, loopback, swtpm" >&2
run_mode "batching (20 ms)" 20
batched=$RATE batched_quotes=$QUOTES
run_mode "unbatched (--batch-ms 0)" 0
single=$RATE single_quotes=$QUOTES
ratio=$(awk -v a="$batched" -v b="$single" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
echo "$PROG: batching answers ${ratio}x the rate without (target 20x); $batched/s with (target 1000/s); quotes $batched_quotes vs $single_quotes" >&2
