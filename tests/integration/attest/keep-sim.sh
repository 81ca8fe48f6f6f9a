#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The Keep on a simulated SEV-SNP provider: snp-sim serves a configfs-tsm-like folder,
# tsm-report asks it through bc_tsm_report(). The report carries our inblob as
# REPORT_DATA and the given MEASUREMENT at their offsets (read with od), its signature
# verifies with the openssl command as with bc_snp_report_verify() up a test
# ARK/ASK/VCEK chain, concurrent clients each get their own inblob back, a racing writer
# is detected, and snp-sim stops cleanly on SIGTERM.
. "$TESTS_LIB/common.sh"
tools="$(dirname "$BOOTCHAIN")/tests/tools"
sim="$tools/snp-sim"
client="$tools/tsm-report"
for t in "$sim" "$client"; do
	[ -x "$t" ] || { echo "ERROR: $t not built (make check builds it)" >&2; exit 99; }
done

SIM_PIDS=()
stop_sims() {
	local pid
	for pid in "${SIM_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
}
trap 'stop_sims; cleanup' EXIT

# Whether pid has exited; a zombie has (a daemon's reaper, init, may be slow to reap).
wait_gone() { # pid
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || return 0
		[ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ] && return 0
		sleep 0.1
	done
	return 1
}

# Hex of LEN bytes of FILE at OFFSET.
bytes_at() { # file offset len
	od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'
}

# The same bytes in reverse order (little-endian to big-endian).
bytes_at_reversed() { # file offset len
	od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -s ' \n' '\n' | grep . | tac | tr -d '\n'
}

certs="$TEST_TMP/certs"
chip_id=$(openssl rand -hex 64) # the VCEK is this chip's (its hwID)
CHIP_ID=$chip_id bash "$TESTS_LIB/../tools/make-snp-certs.sh" "$certs" 2048 >/dev/null
for f in ark.pem ask.pem vcek.pem vcek-key.pem; do
	[ -s "$certs/$f" ] || fail "make-snp-certs.sh made no $f"
done
openssl verify -CAfile "$certs/ark.pem" -untrusted "$certs/ask.pem" "$certs/vcek.pem" \
	>/dev/null || fail "openssl does not verify the test chain"
chain=(--verify-vcek "$certs/vcek.pem" --ask "$certs/ask.pem" --ark "$certs/ark.pem")

root="$TEST_TMP/tsm"
mkdir "$root"
measurement=$(openssl rand -hex 48)
"$sim" --root "$root" --vcek-key "$certs/vcek-key.pem" --measurement "$measurement" \
	--policy 30000 --chip-id "$chip_id" --daemon --pid "$TEST_TMP/sim.pid"
sim_pid=$(cat "$TEST_TMP/sim.pid")
SIM_PIDS+=("$sim_pid")
kill -0 "$sim_pid" || fail "snp-sim --daemon is not running"

# --- one report, checked field by field and against the chain ---
nonce=$(openssl rand -hex 64)
expect_exit 0 "$client" --root "$root" --inblob "$nonce" --out "$TEST_TMP/r.bin" "${chain[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "provider: sev_guest" "tsm-report"
assert_contains "$(cat "$TEST_TMP/out")" "verified" "tsm-report"
assert_contains "$(cat "$TEST_TMP/out")" "debug: no" "tsm-report"
assert_eq 1184 "$(stat -c %s "$TEST_TMP/r.bin")" "report size"
assert_eq 02000000 "$(bytes_at "$TEST_TMP/r.bin" 0 4)" "VERSION"
assert_eq 0000030000000000 "$(bytes_at "$TEST_TMP/r.bin" 8 8)" "POLICY"
assert_eq 01000000 "$(bytes_at "$TEST_TMP/r.bin" $((0x34)) 4)" "SIGNATURE_ALGO"
assert_eq "$nonce" "$(bytes_at "$TEST_TMP/r.bin" $((0x50)) 64)" "REPORT_DATA"
assert_eq "$measurement" "$(bytes_at "$TEST_TMP/r.bin" $((0x90)) 48)" "MEASUREMENT"
assert_eq "$chip_id" "$(bytes_at "$TEST_TMP/r.bin" $((0x1A0)) 64)" "CHIP_ID"
assert_eq "" "$(ls -A "$root")" "entries left in the provider's folder"

# the signature, checked by the openssl command: r and s little-endian at 0x2A0
cat >"$TEST_TMP/sig.cnf" <<-CNF
	asn1 = SEQUENCE:sig
	[sig]
	r = INTEGER:0x$(bytes_at_reversed "$TEST_TMP/r.bin" $((0x2A0)) 72)
	s = INTEGER:0x$(bytes_at_reversed "$TEST_TMP/r.bin" $((0x2E8)) 72)
CNF
openssl asn1parse -genconf "$TEST_TMP/sig.cnf" -out "$TEST_TMP/sig.der" -noout
head -c $((0x2A0)) "$TEST_TMP/r.bin" >"$TEST_TMP/signed.bin"
openssl x509 -in "$certs/vcek.pem" -pubkey -noout >"$TEST_TMP/vcek-pub.pem"
openssl dgst -sha384 -verify "$TEST_TMP/vcek-pub.pem" -signature "$TEST_TMP/sig.der" \
	"$TEST_TMP/signed.bin" >/dev/null || fail "openssl does not verify the report's signature"

# a chain in the wrong order does not verify (exit 3)
expect_exit 3 "$client" --root "$root" --inblob 00 --out "$TEST_TMP/x.bin" \
	--verify-vcek "$certs/vcek.pem" --ask "$certs/ark.pem" --ark "$certs/ask.pem"
assert_contains "$(cat "$TEST_TMP/err")" "the ARK is not self-signed" "a swapped chain"

# --- concurrent clients each get their own inblob back ---
pids=()
for i in 1 2 3 4; do
	nonces[i]=$(openssl rand -hex 64)
	"$client" --root "$root" --inblob "${nonces[i]}" --out "$TEST_TMP/c$i.bin" \
		"${chain[@]}" >"$TEST_TMP/c$i.out" 2>&1 &
	pids+=($!)
done
for i in 1 2 3 4; do
	wait "${pids[i - 1]}" || fail "concurrent client $i: $(cat "$TEST_TMP/c$i.out")"
	assert_eq "${nonces[i]}" "$(bytes_at "$TEST_TMP/c$i.bin" $((0x50)) 64)" \
		"REPORT_DATA of concurrent client $i"
done
assert_eq "" "$(ls -A "$root")" "entries left after concurrent clients"

# --- a writer racing on the entry (the generation moves by 2) is refused ---
race_root="$TEST_TMP/tsm-race"
mkdir "$race_root"
"$sim" --root "$race_root" --vcek-key "$certs/vcek-key.pem" --generation-step 2 \
	--pid "$TEST_TMP/race.pid" &
race_pid=$!
SIM_PIDS+=("$race_pid")
for _ in $(seq 50); do [ -s "$TEST_TMP/race.pid" ] && break; sleep 0.1; done
expect_exit 3 "$client" --root "$race_root" --inblob 01 --out "$TEST_TMP/x.bin"
assert_contains "$(cat "$TEST_TMP/err")" "another writer" "a raced generation"
assert_eq "" "$(ls -A "$race_root")" "entries left after a race"
kill -TERM "$race_pid"
wait "$race_pid" || fail "snp-sim (foreground) exited $? on SIGTERM"
[ ! -e "$TEST_TMP/race.pid" ] || fail "snp-sim left its PID file"

# --- --once: one report, then it exits by itself ---
once_root="$TEST_TMP/tsm-once"
mkdir "$once_root"
"$sim" --root "$once_root" --vcek-key "$certs/vcek-key.pem" --chip-id "$chip_id" --once \
	--pid "$TEST_TMP/once.pid" &
once_pid=$!
SIM_PIDS+=("$once_pid")
for _ in $(seq 50); do [ -s "$TEST_TMP/once.pid" ] && break; sleep 0.1; done
expect_exit 0 "$client" --root "$once_root" --inblob 02 --out "$TEST_TMP/o.bin" \
	--verify-vcek "$certs/vcek.pem"
wait "$once_pid" || fail "snp-sim --once exited $?"

# --- nobody serves the folder: a clear error, within the 2 s bound ---
expect_exit 1 "$client" --root "$once_root" --inblob 03 --out "$TEST_TMP/x.bin"
assert_contains "$(cat "$TEST_TMP/err")" "$once_root/bootchain-" "no provider"
assert_contains "$(cat "$TEST_TMP/err")" "no TSM provider" "no provider"
assert_eq "" "$(ls -A "$once_root")" "entries left without a provider"

# --- SIGTERM stops the daemon and removes its PID file ---
kill -TERM "$sim_pid"
wait_gone "$sim_pid" || fail "snp-sim --daemon still runs 5 s after SIGTERM"
[ ! -e "$TEST_TMP/sim.pid" ] || fail "snp-sim --daemon left its PID file"
echo "PASS"
