#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `bootchain fleet run` and `fleet status`, the same cases on SQLite and on PostgreSQL: a
# machine on swtpm served by `attest serve`, enrolled and added; a good boot (pass
# stored); a reboot into another kernel (flag reboot, verdict fail naming the kernel's
# event); the TPM's state restored from a copy taken earlier (reset count down: flag
# rollback, and back to pass); the server stopped (verdict error, "unreachable"). The
# expectations come from what the test did to the machine, and the stored rows are read
# with the sqlite3 and psql shells.
. "$TESTS_LIB/common.sh"
for tool in jq openssl sqlite3 psql; do
	command -v "$tool" >/dev/null || { echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
start_swtpm
start_postgres
cd "$TEST_TMP"

mkdir -p img
for f in bios bootloader kernel initrd other-kernel; do
	head -c 4096 /dev/urandom >"img/$f"
done
printf 'bios 0 bios\nbootloader 4 bootloader\nkernel 8 kernel\ninitrd 9 initrd\n' >img/chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain img/chain

boot() { # kernel-file: the chain measured into the TPM and boot.log
	local spec layer pcr file
	rm -f boot.log
	for spec in bios:0:bios bootloader:4:bootloader "kernel:8:$1" initrd:9:initrd; do
		IFS=: read -r layer pcr file <<<"$spec"
		expect_exit 0 "$BOOTCHAIN" measure "img/$file" --pcr "$pcr" --layer "$layer" \
			--log boot.log
	done
}
# A reboot: swtpm stopped and started again on its port with its state (TPM2_Startup:
# the reset count goes up).
reboot_tpm() {
	stop_swtpm
	restart_swtpm "$TEST_TMP/swtpm" "$SWTPM_PORT" || fail "swtpm did not start again"
	SWTPM_PID_FILE="$TEST_TMP/swtpm/pid"
}
# The TPM's state as it was when saved (a rolled-back TPM), started.
restore_tpm() {
	stop_swtpm
	rm -rf "$TEST_TMP/swtpm"
	cp -a saved-tpm "$TEST_TMP/swtpm"
	rm -f "$TEST_TMP/swtpm/pid"
	restart_swtpm "$TEST_TMP/swtpm" "$SWTPM_PORT" || fail "swtpm did not start again"
	SWTPM_PID_FILE="$TEST_TMP/swtpm/pid"
}

# the machine: its AK, its TPM state saved, a good boot, served on a fixed port (so that
# it can be stopped and started again at the address it was enrolled with)
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub
stop_swtpm
cp -a "$TEST_TMP/swtpm" saved-tpm
reboot_tpm
boot kernel
# The first start takes a port the kernel gives (no race with other tests for a port
# picked as free); restarts take that port again.
PORT=0
serve() {
	local port
	# The stopped server's serve.err (its URL) goes first: the background job truncates
	# the file when it gets the CPU, which under load can come after this shell has read
	# the old URL, between two reads (the second then found nothing: a silent exit under
	# pipefail), or not before the wait below has ended on the old URL.
	rm -f serve.err
	"$BOOTCHAIN" attest serve --listen "127.0.0.1:$PORT" --log boot.log 2>serve.err &
	SERVE_PID=$!
	SERVE_PIDS+=("$SERVE_PID")
	for _ in $(seq 100); do
		# one read; the line up to the "(" after the URL: written whole, never a prefix
		port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\) (.*|\1|p' serve.err \
			2>/dev/null || true)
		if [ -n "$port" ]; then
			PORT=$port
			return 0
		fi
		kill -0 "$SERVE_PID" 2>/dev/null || fail "attest serve did not start: $(cat serve.err)"
		sleep 0.1
	done
	fail "attest serve did not start in 10 s: $(cat serve.err)"
}
serve
HOST="127.0.0.1:$PORT"
expect_exit 0 "$BOOTCHAIN" attest enrol "http://$HOST" --out-dir recs --allow-uncertified \
	--ca-dir "$TPM_CA_DIR"

# A webhook receiver: each request's body to hook/N.json, its signature header to
# hook/N.sig; answers 200.
mkdir -p hook
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(Listen => 5, LocalAddr => "127.0.0.1", LocalPort => 0,
		ReuseAddr => 1) or die "listen: $!";
	open(my $p, ">", "hook.port.tmp") or die; print $p $s->sockport; close $p;
	rename("hook.port.tmp", "hook.port");
	my $n = 0;
	while (my $c = $s->accept) {
		my ($len, $sig) = (0, "");
		while (my $l = <$c>) {
			$l =~ s/\r?\n$//;
			last if $l eq "";
			$len = $1 if $l =~ /^Content-Length:\s*(\d+)/i;
			$sig = $1 if $l =~ /^X-Bootchain-Signature:\s*(\S+)/i;
		}
		my $body = "";
		read($c, $body, $len) if $len;
		$n++;
		open(my $f, ">", "hook/$n.json") or die; print $f $body; close $f;
		open($f, ">", "hook/$n.sig") or die; print $f $sig; close $f;
		print $c "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		close $c;
	}' 2>hook.err &
HOOK_PID=$!
trap 'kill -9 "$HOOK_PID" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 100); do [ -s hook.port ] && break; sleep 0.1; done
[ -s hook.port ] || fail "the webhook receiver did not start: $(cat hook.err)"
HOOK="http://127.0.0.1:$(cat hook.port)/events"
# the events received so far, "EVENT VERDICT" a line, each signature checked with openssl
hook_events() {
	local n body
	for n in $(ls hook | sed -n 's/\.json$//p' | sort -n); do
		body="hook/$n.json"
		assert_eq "sha256=$(openssl dgst -sha256 -hmac hook-secret -r "$body" | cut -d' ' -f1)" \
			"$(cat "hook/$n.sig")" "the signature of webhook event $n"
		jq -r '"\(.event) \(.verdict)"' "$body"
	done
}

sql() { # db statement
	case "$1" in
	postgresql://*) psql -X -q -tA -F' ' "$1" -c "$2" ;;
	*) sqlite3 -separator ' ' "${1#sqlite:}" "$2" ;;
	esac
}
# one round; its output in $TEST_TMP/out
run_round() { # db
	sleep 1 # the machine is due again: rounds are 1 s apart
	expect_exit 0 "$BOOTCHAIN" fleet run --db "$1" --rounds 1 --interval 1s \
		--golden golden.json --retries 3 --timeout 5000 --worker "test-worker" \
		--webhook "$HOOK" --webhook-secret hook-secret --exec "cat >>exec.log"
}
last_row() { # db: verdict check reboot clock_back rollback of the latest attestation
	sql "$1" "SELECT verdict, COALESCE(first_failing_check, '-'), reboot, clock_back, rollback
		FROM attestations ORDER BY id DESC LIMIT 1"
}

run_cases() { # db what
	local db=$1 what=$2 out
	echo "--- $what"
	rm -f hook/* exec.log
	expect_exit 0 "$BOOTCHAIN" fleet init --db "$db"
	expect_exit 0 "$BOOTCHAIN" fleet add --db "$db" recs
	expect_exit 0 "$BOOTCHAIN" fleet status --db "$db" --json
	assert_eq 1 "$(jq .verdicts.never "$TEST_TMP/out")" "$what: never attested before a run"

	# a good boot
	run_round "$db"
	out=$(cat "$TEST_TMP/out")
	assert_contains "$out" "round 1: 1 machine attested: 1 pass, 0 fail, 0 error" "$what: round"
	assert_eq "pass - 0 0 0" "$(last_row "$db")" "$what: the first attestation"
	assert_eq 1 "$(sql "$db" "SELECT COUNT(*) FROM machines WHERE lease_worker IS NULL
		AND next_due > 0")" "$what: the lease completed, next due set"

	# a reboot into another kernel
	reboot_tpm
	boot other-kernel
	run_round "$db"
	out=$(cat "$TEST_TMP/out")
	assert_contains "$out" "$HOST: fail: pass -> fail: golden" "$what: the change"
	assert_contains "$out" "$HOST: reboot: " "$what: the reboot"
	assert_eq "fail golden 1 0 0" "$(last_row "$db")" "$what: the other kernel's attestation"
	expect_exit 0 "$BOOTCHAIN" fleet status --db "$db" --json --host "$HOST" --history 1
	assert_eq '["reboot"]' "$(jq -c '.history[0].flags' "$TEST_TMP/out")" "$what: flags"
	assert_eq '{"pcr":8,"verdict":"changed","component":"kernel"}' \
		"$(jq -c '.history[0].differing_events[] | {pcr, verdict, component}' "$TEST_TMP/out")" \
		"$what: the differing event"
	expect_exit 0 "$BOOTCHAIN" fleet status --db "$db"
	assert_contains "$(cat "$TEST_TMP/out")" "1 machine: 0 pass, 1 fail, 0 error" "$what: status"
	assert_contains "$(cat "$TEST_TMP/out")" "$HOST  " "$what: the failing machine listed"

	# the TPM's state rolled back to the copy: one reset fewer than the last quote saw
	restore_tpm
	boot kernel
	run_round "$db"
	out=$(cat "$TEST_TMP/out")
	assert_contains "$out" "$HOST: pass: fail -> pass" "$what: back to pass"
	assert_contains "$out" "$HOST: rollback: " "$what: the rollback"
	assert_eq "pass - 0 0 1" "$(last_row "$db")" "$what: the rolled-back attestation"

	# the server stopped
	stop_serve "$SERVE_PID" serve
	run_round "$db"
	out=$(cat "$TEST_TMP/out")
	assert_contains "$out" "0 pass, 0 fail, 1 error" "$what: the round"
	assert_contains "$out" "$HOST: unreachable: pass -> error: fetch:" "$what: the change"
	assert_eq "error unreachable 0 0 0" "$(last_row "$db")" "$what: stored"
	expect_exit 0 "$BOOTCHAIN" fleet status --db "$db" --json --interval 1s
	assert_eq 1 "$(jq .verdicts.error "$TEST_TMP/out")" "$what: counted in error"
	assert_eq unreachable "$(jq -r '.hosts[0].last.first_failing_check' "$TEST_TMP/out")" \
		"$what: why"
	assert_eq 4 "$(sql "$db" "SELECT COUNT(*) FROM attestations")" "$what: four attestations"
	# the notifications: by webhook, signed, and by --exec, one JSON a line
	assert_eq "fail fail
reboot fail
pass pass
rollback pass
unreachable error" "$(hook_events)" "$what: the webhook's events"
	assert_eq "fail reboot pass rollback unreachable" \
		"$(jq -r .event exec.log | tr '\n' ' ' | sed 's/ $//')" "$what: the events of --exec"
	assert_eq kernel "$(jq -r 'select(.event == "fail") | .differing_events[0].component' \
		exec.log)" "$what: the fail event names the kernel"
	sleep 3 # three intervals of 1 s
	expect_exit 0 "$BOOTCHAIN" fleet status --db "$db" --json --interval 1s
	assert_eq true "$(jq '.hosts[0].not_seen' "$TEST_TMP/out")" "$what: not seen"
	expect_exit 0 "$BOOTCHAIN" fleet status --db "$db" --json --host "$HOST"
	assert_eq 'error pass fail pass' "$(jq -r '[.history[].verdict] | join(" ")' "$TEST_TMP/out")" \
		"$what: the history, newest first"
	# back for the next backend, with its TPM as at the start
	restore_tpm
	boot kernel
	serve
}

run_cases "sqlite:$TEST_TMP/fleet.db" SQLite
run_cases "$(pg_new_db fleet)" PostgreSQL

# until a signal: SIGTERM ends it after its round, exit 0, no lease left held
DB="sqlite:$TEST_TMP/fleet.db"
sleep 1
"$BOOTCHAIN" fleet run --db "$DB" --interval 1s --golden golden.json >loop.out 2>loop.err &
LOOP=$!
for _ in $(seq 100); do
	grep -q "round 1:" loop.out && break
	sleep 0.1
done
grep -q "round 1: 1 machine attested: 1 pass" loop.out || fail "fleet run's round: $(cat loop.out loop.err)"
kill -TERM "$LOOP"
rc=0
wait "$LOOP" || rc=$?
assert_eq 0 "$rc" "fleet run on SIGTERM: $(cat loop.err)"
assert_eq 0 "$(sql "$DB" "SELECT COUNT(*) FROM machines WHERE lease_worker IS NOT NULL")" \
	"leases held after SIGTERM"

# usage errors
expect_exit 2 "$BOOTCHAIN" fleet run --db "sqlite:$TEST_TMP/fleet.db" --interval 500ms
assert_contains "$(cat "$TEST_TMP/err")" "--interval" "a sub-second interval"
expect_exit 2 "$BOOTCHAIN" fleet run --db "sqlite:$TEST_TMP/fleet.db" --interval 5x
expect_exit 2 "$BOOTCHAIN" fleet status --db "sqlite:$TEST_TMP/fleet.db" --history -1
echo "fleet run: ok"
