#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `fleet run` over the fleet simulator (tests/tools/fleet-sim): 200 machines, each its
# own AK and loopback address, machine i booting another kernel when i % 100 < 10 and
# rebooting before each quote when i % 100 >= 90 (the simulator's rule: the expected sets
# are worked out here by arithmetic). On SQLite two rounds: every machine stored in each,
# the failing ones failed on the kernel, the rebooting ones flagged in the second round
# only. On PostgreSQL two workers at once, ten machines a batch: every machine attested
# once, by one worker or the other, and both took part; then one of two workers killed
# mid-round: its machines taken over in the same round.
. "$TESTS_LIB/common.sh"
for tool in sqlite3 psql; do
	command -v "$tool" >/dev/null || { echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
SIM="$(dirname "$BOOTCHAIN")/tests/tools/fleet-sim"
[ -x "$SIM" ] || fail "$SIM not built"
HOSTS=200
start_postgres
cd "$TEST_TMP"

"$SIM" --hosts "$HOSTS" --fail 10 --reboot 10 --write-enrolments recs \
	--write-golden golden.json >sim.out 2>sim.err &
SIM_PID=$!
trap 'kill -9 "$SIM_PID" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 100); do
	grep -q "hosts on port" sim.out && break
	kill -0 "$SIM_PID" 2>/dev/null || fail "fleet-sim did not start: $(cat sim.err)"
	sleep 0.1
done
PORT=$(sed -n 's/.* hosts on port \([0-9]*\)$/\1/p' sim.out)
[ -n "$PORT" ] || fail "fleet-sim did not start in 10 s: $(cat sim.err)"
assert_eq "$HOSTS" "$(ls recs | wc -l)" "enrolment records written"

# machine i is 127.0.0.(i+1) below 254 machines
name() { echo "127.0.0.$(($1 + 1)):$PORT"; }
FAILING=$(for i in $(seq 0 $((HOSTS - 1))); do
	if [ $((i % 100)) -lt 10 ]; then name "$i"; fi
done | sort)
REBOOTING=$(for i in $(seq 0 $((HOSTS - 1))); do
	if [ $((i % 100)) -ge 90 ]; then name "$i"; fi
done | sort)

sql() { # db statement
	case "$1" in
	postgresql://*) psql -X -q -tA -F' ' "$1" -c "$2" ;;
	*) sqlite3 -separator ' ' "${1#sqlite:}" "$2" ;;
	esac
}

# --- SQLite: two rounds
DB="sqlite:$TEST_TMP/fleet.db"
expect_exit 0 "$BOOTCHAIN" fleet init --db "$DB"
expect_exit 0 "$BOOTCHAIN" fleet add --db "$DB" recs
expect_exit 0 "$BOOTCHAIN" fleet run --db "$DB" --rounds 2 --interval 1s --golden golden.json \
	--timeout 10s --retries 2
out=$(cat "$TEST_TMP/out")
assert_contains "$out" "round 1: 200 machines attested: 180 pass, 20 fail, 0 error" "round 1"
assert_contains "$out" "round 2: 200 machines attested: 180 pass, 20 fail, 0 error" "round 2"
assert_eq "2 $HOSTS" "$(sql "$DB" "SELECT n, COUNT(*) FROM (SELECT machine_id, COUNT(*) AS n
	FROM attestations GROUP BY machine_id) AS c GROUP BY n")" "two attestations a machine"
assert_eq "$FAILING" "$(sql "$DB" "SELECT DISTINCT m.name FROM attestations a
	JOIN machines m ON m.id = a.machine_id WHERE a.verdict = 'fail' ORDER BY m.name")" \
	"the machines that failed"
assert_eq 40 "$(sql "$DB" "SELECT COUNT(*) FROM attestations WHERE verdict = 'fail'
	AND first_failing_check = 'golden' AND differing_events LIKE '%\"pcr\":8%'
	AND differing_events LIKE '%\"component\":\"kernel\"%'")" "failed on the kernel"
assert_eq "$REBOOTING" "$(sql "$DB" "SELECT m.name FROM attestations a
	JOIN machines m ON m.id = a.machine_id WHERE a.reboot = 1 ORDER BY m.name")" \
	"the machines flagged reboot"
# the first attestation has nothing to compare with: the reboots are all in the second
assert_eq 0 "$(sql "$DB" "SELECT COUNT(*) FROM attestations a WHERE reboot = 1 AND id =
	(SELECT MIN(id) FROM attestations b WHERE b.machine_id = a.machine_id)")" \
	"no reboot flagged in the first round"
assert_contains "$out" "$(name 95): reboot: " "a reboot reported"
assert_contains "$out" "$(name 3): fail: (none) -> fail: golden: PCR 8, event 3: changed component kernel" \
	"a failure reported"

# --- PostgreSQL: two workers at once, ten machines a batch
DB=$(pg_new_db fleet)
expect_exit 0 "$BOOTCHAIN" fleet init --db "$DB"
expect_exit 0 "$BOOTCHAIN" fleet add --db "$DB" recs
for w in a b; do
	"$BOOTCHAIN" fleet run --db "$DB" --rounds 1 --interval 1s --golden golden.json \
		--batch 10 --worker "worker-$w" --timeout 10s >"run-$w.out" 2>"run-$w.err" &
	eval "RUN_$w=\$!"
done
rc=0
wait "$RUN_a" || rc=$?
assert_eq 0 "$rc" "worker a: $(cat run-a.err)"
wait "$RUN_b" || rc=$?
assert_eq 0 "$rc" "worker b: $(cat run-b.err)"
count() { sed -n 's/.*round 1: \([0-9]*\) machines\{0,1\} attested.*/\1/p' "$1"; }
a=$(count run-a.out)
b=$(count run-b.out)
assert_eq "$HOSTS" "$((a + b))" "the machines of both workers ($a + $b)"
[ "$a" -gt 0 ] && [ "$b" -gt 0 ] || fail "one worker did all: $a and $b"
assert_eq "$HOSTS" "$(sql "$DB" "SELECT COUNT(*) FROM attestations")" "attestations stored"
assert_eq 0 "$(sql "$DB" "SELECT COUNT(*) FROM (SELECT machine_id FROM attestations
	GROUP BY machine_id HAVING COUNT(*) > 1) AS twice")" "machines attested twice"
assert_eq 0 "$(sql "$DB" "SELECT COUNT(*) FROM machines WHERE lease_worker IS NOT NULL")" \
	"leases left held"

# --- PostgreSQL: a worker killed (SIGKILL) while it holds a batch. Leases of 2 s, rounds
# 5 s apart: the survivor takes its machines over in the same round, once their leases
# expire, so that every machine is attested once in each of the survivor's two rounds.
DB=$(pg_new_db fleet_kill)
expect_exit 0 "$BOOTCHAIN" fleet init --db "$DB"
expect_exit 0 "$BOOTCHAIN" fleet add --db "$DB" recs
for w in survivor victim; do
	"$BOOTCHAIN" fleet run --db "$DB" --rounds 2 --interval 5s --lease 2s --golden golden.json \
		--batch 10 --jobs 4 --worker "$w" --timeout 10s >"kill-$w.out" 2>"kill-$w.err" &
	eval "KILL_$w=\$!"
done
for _ in $(seq 200); do # at most 10 s; the round is over in about 1
	[ "$(sql "$DB" "SELECT COUNT(*) FROM attestations")" -ge 20 ] &&
		[ "$(sql "$DB" "SELECT COUNT(*) FROM machines WHERE lease_worker = 'victim'")" -gt 0 ] &&
		break
	sleep 0.05
done
kill -KILL "$KILL_victim"
wait "$KILL_victim" 2>/dev/null || true
held=$(sql "$DB" "SELECT COUNT(*) FROM machines WHERE lease_worker = 'victim'")
[ "$held" -gt 0 ] || fail "the victim was not killed holding a lease (test too slow?)"
rc=0
wait "$KILL_survivor" || rc=$?
assert_eq 0 "$rc" "the survivor: $(cat kill-survivor.err)"
assert_contains "$(cat kill-survivor.out)" "round 2: 200 machines attested" "the survivor's round 2"
# round 2 began at the time that its completions set next_due to, less the interval;
# round 1 (2 s of lease at most after the kill) was over well before
second=$(sql "$DB" "SELECT MIN(next_due) - 5 FROM machines")
assert_eq "$second" "$(sql "$DB" "SELECT MAX(next_due) - 5 FROM machines")" "one round 2"
assert_eq "1 1 $HOSTS" "$(sql "$DB" "SELECT first, later, COUNT(*) FROM (SELECT m.id,
	SUM(CASE WHEN a.attested_at < $second THEN 1 ELSE 0 END) AS first,
	SUM(CASE WHEN a.attested_at >= $second THEN 1 ELSE 0 END) AS later
	FROM machines m LEFT JOIN attestations a ON a.machine_id = m.id GROUP BY m.id) AS c
	GROUP BY first, later")" "one attestation a machine in each round ($held held when killed)"
assert_eq 0 "$(sql "$DB" "SELECT COUNT(*) FROM machines WHERE lease_worker IS NOT NULL")" \
	"leases left held after the kill"

# --batch: 1 or more
expect_exit 2 "$BOOTCHAIN" fleet run --db "$DB" --batch 0
assert_contains "$(cat "$TEST_TMP/err")" "--batch" "a batch of 0"
echo "fleet run over the simulator: ok"
