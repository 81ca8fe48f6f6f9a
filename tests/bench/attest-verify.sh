#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark: `bootchain attest verify -j 1` over FILES evidence files (default 10,000;
# ECDSA P-256 AK, a 40-event log each) against one tpm2_checkquote process per quote,
# and against `openssl speed -seconds 3 ecdsap256` (signature verifications alone) as
# the limit. The quote is made once on swtpm over a 40-layer measured chain and copied:
# every copy is verified in full (parse, signature, PCR digest, log replay). Two TPMs:
# one with the sha256 bank alone, as most are provisioned now, and one with four banks.
#
#   BOOTCHAIN=path/to/bootchain tests/bench/attest-verify.sh
#
# Optional: FILES (default 10000), CHECKQUOTE_RUNS (tpm2_checkquote processes timed,
# default 200), TMPDIR. Targets printed, never asserted: 50x tpm2_checkquote, and half
# the raw OpenSSL verify rate on one core.
set -euo pipefail

PROG=${0##*/}
FILES=${FILES:-10000}
CHECKQUOTE_RUNS=${CHECKQUOTE_RUNS:-200}
. "$(dirname "$0")/bench-lib.sh"
[ -x "${BOOTCHAIN:-}" ] || die 2 "set BOOTCHAIN to the bootchain binary"
for tool in swtpm swtpm_setup tpm2_checkquote openssl taskset; do
	command -v "$tool" >/dev/null || die 99 "$tool not found (run scripts/deps)"
done

# One configuration: a private swtpm with the given PCR banks, an AK, a 40-layer
# measured chain, one quote copied FILES times; prints "ours_ns checkquote_ns".
run_config() { # banks
	local dir="$TMP/$1" nonce
	mkdir -p "$dir/tpm" "$dir/chain" "$dir/ev"
	# an unprovisioned swtpm has all four banks; swtpm_setup allocates fewer
	[ "$1" = all ] || swtpm_setup --tpm2 --tpmstate "$dir/tpm" --pcr-banks "$1" >/dev/null 2>&1 ||
		die 1 "swtpm_setup --pcr-banks $1 failed"
	bench_swtpm "$dir/tpm"
	for i in $(seq 40); do
		head -c 1000 /dev/urandom >"$dir/chain/l$i"
		echo "layer$i $((8 + i % 8)) l$i raw"
	done >"$dir/chain/chain"
	"$BOOTCHAIN" attest ak create --out-public "$dir/ak.pub" --out-pem "$dir/ak.pem" >/dev/null
	"$BOOTCHAIN" measure --chain "$dir/chain/chain" --log "$dir/log" >/dev/null
	nonce=$(openssl rand -hex 32)
	"$BOOTCHAIN" attest quote --nonce "$nonce" --log "$dir/log" --out "$dir/ev.json" \
		--tpm2-tools "$dir/tt" >/dev/null
	kill "$(cat "$dir/tpm/pid")"
	"$BOOTCHAIN" attest verify "$dir/ev.json" --ak "$dir/ak.pub" --nonce "$nonce" >/dev/null ||
		die 1 "the quote does not verify"
	tpm2_checkquote -u "$dir/ak.pem" -m "$dir/tt/quote.msg" -s "$dir/tt/quote.sig" \
		-f "$dir/tt/quote.pcrs" -g sha256 -q "$nonce" >/dev/null ||
		die 1 "tpm2_checkquote refuses it"
	for i in $(seq "$FILES"); do cp "$dir/ev.json" "$dir/ev/$i.json"; done
	verify_all() {
		(cd "$dir/ev" && find . -name '*.json' -print0 |
			xargs -0 taskset -c 0 "$BOOTCHAIN" attest verify -j 1 --json \
				--ak "$dir/ak.pub" --nonce "$nonce" >"$dir/results")
	}
	checkquotes() {
		for _ in $(seq "$CHECKQUOTE_RUNS"); do
			tpm2_checkquote -u "$dir/ak.pem" -m "$dir/tt/quote.msg" -s "$dir/tt/quote.sig" \
				-f "$dir/tt/quote.pcrs" -g sha256 -q "$nonce" >/dev/null
		done
	}
	local t_ours t_tools passed
	t_ours=$(timed verify_all)
	passed=$(grep -c '"pass":true' "$dir/results" || true)
	[ "$passed" = "$FILES" ] || die 1 "$1: only $passed of $FILES evidence files passed"
	t_tools=$(timed checkquotes)
	echo "$t_ours $t_tools"
}

echo "making the quotes (40-layer chains on swtpm) ..." >&2
read -r t_one tools_one < <(run_config sha256)
read -r t_four tools_four < <(run_config all)
openssl speed -seconds 3 ecdsap256 2>/dev/null >"$TMP/speed"
ossl=$(awk '/256 bits ecdsa \(nistp256\)/ { print $NF }' "$TMP/speed")
[ -n "$ossl" ] || die 1 "cannot read openssl speed's output"

report() { # label ours_ns tools_ns
	awk -v label="$1" -v n="$FILES" -v t="$2" -v m="$CHECKQUOTE_RUNS" -v u="$3" -v o="$ossl" 'BEGIN {
		ours = n / (t / 1e9); tools = m / (u / 1e9)
		printf "\n%s:\n", label
		printf "  attest verify -j 1, %d evidence files: %.0f ms, %.0f quotes/s\n", n, t / 1e6, ours
		printf "  tpm2_checkquote, one process a quote (%d runs): %.0f quotes/s\n", m, tools
		printf "  ratio to tpm2_checkquote: %.1fx (target: at least 50x: %s)\n", ours / tools,
			(ours / tools >= 50) ? "met" : "NOT met"
		printf "  share of the raw OpenSSL verify rate: %.2f (target: at least 0.5: %s)\n",
			ours / o, (ours / o >= 0.5) ? "met" : "NOT met"
	}'
}
echo
echo "openssl speed ecdsap256, one core: $ossl verifications/s"
report "a sha256 TPM (the log replayed and the quote's digest in one bank)" "$t_one" "$tools_one"
report "a four-bank TPM (sha1, sha256, sha384, sha512: four times the hashing)" "$t_four" "$tools_four"
