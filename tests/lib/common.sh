# SPDX-License-Identifier: BSD-3-Clause
# Shared by the integration tests: a private temporary directory, assertions, and a
# private swtpm (own state directory, own free port), stopped at exit even on failure.
# Source it from bash; the test harness exports BOOTCHAIN and TESTS_LIB.
set -Eeuo pipefail
# A command that fails outside a condition ends the test (set -e): say which and where,
# so that no failure is silent (errtrace: in functions and subshells too; a failure in a
# command substitution given as an argument is told but does not end the test).
trap 'echo "bootchain-test: ${BASH_SOURCE[0]##*/}:$LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR

: "${BOOTCHAIN:?BOOTCHAIN must name the bootchain binary under test}"
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/bootchain-test.XXXXXX")
# the default event log of measure, log, attest quote and serve: the test's own, never
# this machine's /run/bootchain/eventlog (absent until a test measures without --log)
export BOOTCHAIN_EVENTLOG="$TEST_TMP/run-bootchain-eventlog"
SWTPM_PID_FILE=
SWTPM2_PID_FILE=
SERVE_PIDS=() # every `attest serve` start_serve started, killed at exit

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Stop the swtpm of a pid file (nothing when the name is empty or the file is not there).
stop_swtpm_of() { # pid-file
	[ -n "$1" ] && [ -s "$1" ] || return 0
	local pid
	pid=$(cat "$1")
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
}

stop_swtpm() {
	stop_swtpm_of "$SWTPM_PID_FILE"
	SWTPM_PID_FILE=
}

stop_swtpm2() {
	stop_swtpm_of "$SWTPM2_PID_FILE"
	SWTPM2_PID_FILE=
}

cleanup() {
	local pid
	for pid in "${SERVE_PIDS[@]}"; do
		kill -9 "$pid" 2>/dev/null || true
	done
	stop_postgres
	stop_swtpm2
	stop_swtpm
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT
for signal in INT TERM HUP; do
	# shellcheck disable=SC2064 # the signal's name, now
	trap "echo 'FAIL: the test got SIG$signal' >&2; exit 1" "$signal"
done

# A swtpm daemon on loopback PORT (its control channel on the next), its state, pid
# file and log in DIR. Returns 1 when it cannot start (the port is taken, say).
# A random port (and the one after it) below the kernel's ephemeral range (32768 and up
# on Linux): there the client side of other tests' connections never takes it, so a
# server can stop and start again on the same port.
random_port() {
	echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000))
}

# swtpm again on its port, as after a reboot: a few tries, for a port that a dying
# swtpm or a closing connection still holds a moment.
restart_swtpm() { # dir port
	for _ in $(seq 20); do
		swtpm_daemon "$1" "$2" && return 0
		sleep 0.25
	done
	return 1
}

swtpm_daemon() { # dir port
	mkdir -p "$1"
	swtpm socket --tpm2 --tpmstate dir="$1" \
		--server type=tcp,port="$2",bindaddr=127.0.0.1 \
		--ctrl type=tcp,port=$(($2 + 1)),bindaddr=127.0.0.1 \
		--flags not-need-init,startup-clear \
		--pid file="$1/pid" --log file="$1/log" --daemon 2>/dev/null
}

# swtpm_daemon on a free port; sets SWTPM_PORT. Returns 1 when none was found.
launch_swtpm() { # dir
	local port
	for _ in $(seq 40); do
		port=$(random_port)
		if swtpm_daemon "$1" "$port"; then
			SWTPM_PORT=$port
			return 0
		fi
	done
	return 1
}

# Start swtpm on a free loopback port; sets TCTI and BOOTCHAIN_TCTI to reach it.
start_swtpm() {
	command -v swtpm >/dev/null ||
		{ echo "ERROR: swtpm not found: run scripts/deps as root" >&2; exit 99; }
	if ! launch_swtpm "$TEST_TMP/swtpm"; then
		echo "ERROR: could not start swtpm on a free port" >&2
		exit 99
	fi
	SWTPM_PID_FILE="$TEST_TMP/swtpm/pid"
	TCTI="swtpm:host=127.0.0.1,port=$SWTPM_PORT"
	export BOOTCHAIN_TCTI="$TCTI"
	unset TPM2TOOLS_TCTI
}

# A second machine's TPM, fresh, on a free loopback port; sets TCTI2 to reach it.
start_swtpm2() {
	rm -rf "$TEST_TMP/swtpm2"
	launch_swtpm "$TEST_TMP/swtpm2" || fail "could not start a second swtpm"
	SWTPM2_PID_FILE="$TEST_TMP/swtpm2/pid"
	TCTI2="swtpm:host=127.0.0.1,port=$SWTPM_PORT"
}

# Start `bootchain attest serve` on a free loopback port in the background, its stderr
# to NAME.err in the current folder; sets SERVE_PID and URL (the http:// or https://
# address it prints).
start_serve() { # name [serve options...]
	local name=$1
	shift
	# a server started before under this name left its URL in name.err: gone first, so
	# that the loop below cannot read it before the new server's shell truncates the file
	rm -f "$name.err"
	"$BOOTCHAIN" attest serve --listen 127.0.0.1:0 "$@" 2>"$name.err" &
	SERVE_PID=$!
	SERVE_PIDS+=("$SERVE_PID")
	URL=
	for _ in $(seq 100); do
		URL=$(grep -o 'https\?://127\.0\.0\.1:[0-9]*' "$name.err" 2>/dev/null || true)
		[ -n "$URL" ] && return 0
		kill -0 "$SERVE_PID" 2>/dev/null || fail "$name did not start: $(cat "$name.err")"
		sleep 0.1
	done
	fail "$name did not start in 10 s: $(cat "$name.err")"
}

# SIGTERM: the server must exit 0.
stop_serve() { # pid name
	local rc=0
	kill -TERM "$1"
	wait "$1" || rc=$?
	[ "$rc" = 0 ] || fail "$2 exited $rc on SIGTERM: $(cat "$2.err")"
}

# Like start_swtpm, on a TPM manufactured by swtpm_setup: a persistent RSA 2048 EK at
# 0x81010001 with its certificate in NV at 0x01c00002 (and an ECC P-384 EK with its
# certificate in the high range), issued by a local CA kept in $TEST_TMP/swtpm-ca
# (SWTPM_CA_ROOT and SWTPM_CA_ISSUER name its certificates), and a platform certificate.
start_swtpm_with_ek_cert() {
	command -v swtpm_setup >/dev/null ||
		{ echo "ERROR: swtpm_setup not found: run scripts/deps as root" >&2; exit 99; }
	local ca="$TEST_TMP/swtpm-ca"
	mkdir -p "$ca" "$TEST_TMP/swtpm"
	cat >"$ca/swtpm_setup.conf" <<-EOF
		create_certs_tool = $(command -v swtpm_localca || echo /usr/bin/swtpm_localca)
		create_certs_tool_config = $ca/swtpm-localca.conf
		create_certs_tool_options = $ca/swtpm-localca.options
		active_pcr_banks = sha256
	EOF
	cat >"$ca/swtpm-localca.conf" <<-EOF
		statedir = $ca/state
		signingkey = $ca/state/signkey.pem
		issuercert = $ca/state/issuercert.pem
		certserial = $ca/state/certserial
	EOF
	printf -- '--platform-manufacturer bootchain\n--platform-version 1.0\n--platform-model swtpm\n' \
		>"$ca/swtpm-localca.options"
	if ! swtpm_setup --tpm2 --tpmstate "$TEST_TMP/swtpm" --create-ek-cert \
		--create-platform-cert --config "$ca/swtpm_setup.conf" \
		--logfile "$ca/setup.log" >/dev/null 2>&1; then
		echo "ERROR: swtpm_setup failed:" >&2
		cat "$ca/setup.log" >&2
		exit 99
	fi
	SWTPM_CA_ROOT="$ca/state/swtpm-localca-rootca-cert.pem"
	SWTPM_CA_ISSUER="$ca/state/issuercert.pem"
	start_swtpm
}

# A loopback port with nothing listening on it.
closed_port() {
	local port
	for _ in $(seq 40); do
		port=$(random_port)
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	echo "ERROR: no closed port found" >&2
	exit 99
}

assert_eq() { # expected actual what
	[ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

assert_contains() { # haystack needle what
	case "$1" in
	*"$2"*) ;;
	*) fail "$3: '$2' not found in: $1" ;;
	esac
}

# Run a command, which must exit with the given status; its stdout goes to
# $TEST_TMP/out and its stderr to $TEST_TMP/err.
expect_exit() {
	local want=$1 got=0
	shift
	"$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err" || got=$?
	[ "$got" = "$want" ] ||
		fail "'$*' exited $got, expected $want; stderr: $(cat "$TEST_TMP/err")"
}

# Hex of the digest of stdin, computed by the openssl command (independent of us).
openssl_digest() { # alg
	openssl dgst "-$1" -r | cut -d' ' -f1
}

hex_to_bin() {
	perl -e 'print pack("H*", $ARGV[0])' "$1"
}

# Invert every bit of the byte at offset: unlike writing a fixed value, the
# byte always changes, whatever the (often random) file held there.
flip_byte() { # file offset
	perl -e 'open(my $f, "+<", $ARGV[0]) or die "$ARGV[0]: $!";
		binmode $f; seek($f, $ARGV[1], 0); read($f, my $b, 1) == 1 or die "$ARGV[0]: short";
		seek($f, $ARGV[1], 0); print $f chr(ord($b) ^ 0xff); close $f or die' "$1" "$2"
}

# H(old || digest) in bank alg, computed with openssl.
expected_extend() { # alg old_hex digest_hex
	hex_to_bin "$2$3" | openssl_digest "$1"
}

# One PCR value read with bootchain --json.
pcr_value() { # alg pcr
	"$BOOTCHAIN" pcr read "$1:$2" --json | jq -r ".pcrs.$1[\"$2\"]"
}

# "bank pcr hex" lines, sorted, from the pcrs: section of tpm2_eventlog's YAML.
tpm2_tools_pcrs() { # yaml-file
	sed -n '/^pcrs:/,$p' "$1" | awk '
		/^  [a-z0-9_]+:$/ { bank = $1; sub(":", "", bank) }
		/^ +[0-9]+ *: 0x/ { split($0, f, ":"); gsub(/ /, "", f[1]); v = f[2]
		                   gsub(/ |0x/, "", v); print bank, f[1], tolower(v) }' | sort
}

# The same lines from bootchain's {"pcrs": ...} JSON on stdin.
json_pcrs() {
	jq -r '.pcrs | to_entries[] | .key as $b | .value | to_entries[] | "\($b) \(.key) \(.value)"' |
		sort
}

# ---- PostgreSQL: a server of the test's own (initdb + pg_ctl in $TEST_TMP/pg) ----
PG_DIR=
PG_AS=()

# Run a PostgreSQL program as the server's owner: initdb refuses root, so as root the
# cluster belongs to the postgres user (or nobody).
pg_run() {
	"${PG_AS[@]}" "$@"
}

stop_postgres() {
	[ -n "$PG_DIR" ] && [ -s "$PG_DIR/data/postmaster.pid" ] || return 0
	pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
	PG_DIR=
}

# Start PostgreSQL on a free loopback port, trusting local connections (test only); sets
# PG_PORT and PG_BIN. pg_new_db then makes a database and prints its URL.
start_postgres() {
	PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] ||
		{ echo "ERROR: PostgreSQL's initdb not found: run scripts/deps as root" >&2; exit 99; }
	local dir="$TEST_TMP/pg" port user
	mkdir -p "$dir"
	if [ "$(id -u)" = 0 ]; then
		user=postgres
		id "$user" >/dev/null 2>&1 || user=nobody
		chmod 711 "$TEST_TMP" # the server's user must reach its folder, not list ours
		chown "$user" "$dir"
		PG_AS=(runuser -u "$user" --)
	fi
	pg_run "$PG_BIN/initdb" -D "$dir/data" -A trust -U bootchain -E UTF8 --locale=C \
		--no-sync >"$dir/initdb.log" 2>&1 ||
		{ echo "ERROR: initdb failed:" >&2; cat "$dir/initdb.log" >&2; exit 99; }
	PG_DIR=$dir
	for _ in $(seq 20); do
		port=$(random_port)
		if pg_run "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
			-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" \
			start >/dev/null 2>&1; then
			PG_PORT=$port
			return 0
		fi
	done
	echo "ERROR: could not start PostgreSQL on a free port:" >&2
	cat "$dir/log" >&2
	exit 99
}

# A new database on the server of start_postgres; prints its URL.
pg_new_db() { # name
	"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U bootchain "$1" >&2
	echo "postgresql://bootchain@127.0.0.1:$PG_PORT/$1"
}
