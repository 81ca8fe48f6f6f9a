#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `attest serve` under systemd's notification protocol, with a notification socket of
# the test's own (python3, AF_UNIX datagrams) standing in for systemd: READY=1 arrives
# when the port already answers (the listener connects as soon as it reads it);
# WATCHDOG=1 every half of WATCHDOG_USEC while the server answers /healthz, none while
# it cannot take a connection (its connections held by a client), again after; none when
# WATCHDOG_PID names another process; STOPPING=1 on SIGTERM, exit 0. The same for an
# abstract socket name (@...). Without NOTIFY_SOCKET nothing changes. `fleet serve`
# too: READY=1 when it answers (404 for /healthz, a page it does not have), WATCHDOG=1.
. "$TESTS_LIB/common.sh"
command -v python3 >/dev/null || { echo "ERROR: python3 not found" >&2; exit 99; }
start_swtpm
cd "$TEST_TMP"
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub

# The stand-in for systemd: prints "SECONDS STATE" for each datagram, as it arrives, to
# the file named by $2. On READY=1 it reads the server's URL from the stderr file $3 and
# asks /healthz at once: "READY-ANSWERED STATUS" when it answered, "READY-REFUSED ..." not.
cat >listener.py <<'PY'
import socket, sys, time, re, urllib.request, urllib.error
name, out, err = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + name[1:] if name.startswith("@") else name)
start = time.monotonic()
with open(out, "w", buffering=1) as f:
    f.write("LISTENING\n")
    while True:
        data = s.recv(4096).decode()
        for state in data.split("\n"):
            f.write("%.3f %s\n" % (time.monotonic() - start, state))
        if "READY=1" in data.split("\n"):
            m = re.search(r"https?://127\.0\.0\.1:[0-9]+", open(err).read())
            try:
                url = m.group(0) + "/healthz"
                req = urllib.request.Request(url)
                with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=2) as r:
                    f.write("READY-ANSWERED %d\n" % r.status)
            except urllib.error.HTTPError as e:
                f.write("READY-ANSWERED %d\n" % e.code)
            except Exception as e:
                f.write("READY-REFUSED %r\n" % (e,))
        if "STOPPING=1" in data.split("\n"):
            break
PY

LISTENER_PID=
start_listener() { # socket-name out err
	python3 listener.py "$1" "$2" "$3" &
	LISTENER_PID=$!
	SERVE_PIDS+=("$LISTENER_PID")
	for _ in $(seq 50); do
		grep -q LISTENING "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "the notification listener did not start"
}

wait_for_line() { # file pattern what
	for _ in $(seq 100); do
		grep -q -- "$2" "$1" && return 0
		sleep 0.1
	done
	fail "$3: no '$2' in $1: $(cat "$1")"
}

count() { # file pattern
	grep -c -- "$2" "$1" || true
}

# Run the server with NOTIFY_SOCKET=$1 and the rest of the environment given; the
# server's pid is its own (exec), as systemd's WATCHDOG_PID names the main process.
serve_notified() { # name socket watchdog-pid-rule [env...]
	local name=$1 sock=$2 rule=$3
	shift 3
	: >"$name.err"
	env NOTIFY_SOCKET="$sock" "$@" bash -c '
		[ "$0" = self ] && export WATCHDOG_PID=$$
		[ "$0" = other ] && export WATCHDOG_PID=1
		exec "$BOOTCHAIN" attest serve --listen 127.0.0.1:0 --no-log --max-connections 2 \
			--idle-timeout 60' "$rule" 2>"$name.err" &
	SERVE_PID=$!
	SERVE_PIDS+=("$SERVE_PID")
}

# --- a socket path; a watchdog every 0.2 s (WATCHDOG_USEC 0.4 s) ---
start_listener "$TEST_TMP/notify" states "serve1.err"
serve_notified serve1 "$TEST_TMP/notify" self WATCHDOG_USEC=400000
wait_for_line states "READY-" "READY=1"
assert_contains "$(cat states)" "READY-ANSWERED 200" "the port answers when READY=1 arrives"
[ "$(grep -n 'READY=1' states | cut -d: -f1)" -lt "$(grep -n 'READY-' states | cut -d: -f1)" ] ||
	fail "READY=1 is recorded before the check: $(cat states)"
sleep 2
n=$(count states WATCHDOG=1)
# 2 s at one ping a 0.2 s: about 10; fewer than 5 means the interval is not half of 0.4 s
[ "$n" -ge 5 ] && [ "$n" -le 14 ] || fail "expected about 10 WATCHDOG=1 in 2 s, got $n: $(cat states)"

# both of the server's connections held by an idle client: /healthz cannot be asked, no
# ping (the watchdog's own connection is closed after each probe, so it holds none)
python3 -c '
import socket, sys, time, re
url = re.search(r"127\.0\.0\.1:([0-9]+)", open("serve1.err").read())
held = []
for _ in range(2):
    c = socket.create_connection(("127.0.0.1", int(url.group(1))))
    c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")   # never finished
    held.append(c)
open("held", "w").write("held\n")
time.sleep(2.5)
' &
HOLDER=$!
for _ in $(seq 50); do [ -f held ] && break; sleep 0.1; done
sleep 0.5 # a probe started before the connection was held may still end with a ping
before=$(count states WATCHDOG=1)
sleep 1.5
after=$(count states WATCHDOG=1)
assert_eq "$before" "$after" "no WATCHDOG=1 while the server cannot answer"
wait "$HOLDER"
sleep 1.5
n=$(count states WATCHDOG=1)
[ "$n" -gt "$after" ] || fail "WATCHDOG=1 did not resume once the server answered again"

kill -TERM "$SERVE_PID"
rc=0
wait "$SERVE_PID" || rc=$?
assert_eq 0 "$rc" "attest serve exit status on SIGTERM"
wait_for_line states "STOPPING=1" "STOPPING=1 on SIGTERM"
wait "$LISTENER_PID"

# --- an abstract socket name; WATCHDOG_PID of another process: no watchdog ---
abstract="@bootchain-test-$$-$RANDOM"
start_listener "$abstract" states2 "serve2.err"
serve_notified serve2 "$abstract" other WATCHDOG_USEC=200000
wait_for_line states2 "READY-" "READY=1 on an abstract socket"
assert_contains "$(cat states2)" "READY-ANSWERED 200" "the port answers when READY=1 arrives"
sleep 1
assert_eq 0 "$(count states2 WATCHDOG=1)" "WATCHDOG=1 for another process's watchdog"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
wait_for_line states2 "STOPPING=1" "STOPPING=1 on an abstract socket"
wait "$LISTENER_PID"

# --- a NOTIFY_SOCKET that nobody reads: said on stderr, the server still serves ---
serve_notified serve3 "$TEST_TMP/nobody" self
for _ in $(seq 100); do grep -q 'listening on' serve3.err && break; sleep 0.1; done
url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' serve3.err)
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' --noproxy '*' "$url/healthz")" \
	"the server serves with an unreachable NOTIFY_SOCKET"
assert_contains "$(cat serve3.err)" "NOTIFY_SOCKET $TEST_TMP/nobody" "the unreachable socket named"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"

# --- fleet serve: READY=1 once it answers, WATCHDOG=1, STOPPING=1 ---
expect_exit 0 "$BOOTCHAIN" fleet init --db "sqlite:$TEST_TMP/fleet.db"
: >fleet.err
start_listener "$TEST_TMP/notify-fleet" states3 fleet.err
for _ in $(seq 20); do
	port=$(random_port)
	# emptied here, not only by the job's redirection, which may run late: the loop
	# below must not read the last try's "cannot start"
	: >fleet.err
	NOTIFY_SOCKET="$TEST_TMP/notify-fleet" WATCHDOG_USEC=400000 "$BOOTCHAIN" fleet serve \
		--db "sqlite:$TEST_TMP/fleet.db" --listen "127.0.0.1:$port" 2>fleet.err &
	SERVE_PID=$!
	SERVE_PIDS+=("$SERVE_PID")
	for _ in $(seq 50); do
		grep -q 'serving\|cannot start' fleet.err && break
		sleep 0.1
	done
	grep -q serving fleet.err && break
	wait "$SERVE_PID" || true
done
wait_for_line states3 "READY-" "fleet serve: READY=1"
assert_contains "$(cat states3)" "READY-ANSWERED 404" "fleet serve answers when READY=1 arrives"
sleep 1.5
n=$(count states3 WATCHDOG=1)
[ "$n" -ge 4 ] || fail "fleet serve: expected about 7 WATCHDOG=1 in 1.5 s, got $n"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
wait_for_line states3 "STOPPING=1" "fleet serve: STOPPING=1"
wait "$LISTENER_PID"
