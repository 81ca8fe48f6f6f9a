# SPDX-License-Identifier: BSD-3-Clause
# Shared by the integration tests: a private temporary directory, assertions, and a
# private swtpm (own state directory, own free port), stopped at exit even on failure.
# Source it from bash; the test harness exports BOOTCHAIN and TESTS_LIB.
set -euo pipefail

: "${BOOTCHAIN:?BOOTCHAIN must name the bootchain binary under test}"
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/bootchain-test.XXXXXX")
SWTPM_PID_FILE=

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

stop_swtpm() {
	[ -n "$SWTPM_PID_FILE" ] && [ -s "$SWTPM_PID_FILE" ] || return 0
	local pid
	pid=$(cat "$SWTPM_PID_FILE")
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	SWTPM_PID_FILE=
}

cleanup() {
	stop_swtpm
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Start swtpm on a free loopback port; sets TCTI and BOOTCHAIN_TCTI to reach it.
start_swtpm() {
	command -v swtpm >/dev/null ||
		{ echo "ERROR: swtpm not found: run scripts/deps as root" >&2; exit 99; }
	local dir="$TEST_TMP/swtpm" port
	mkdir -p "$dir"
	for _ in $(seq 40); do
		port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		if swtpm socket --tpm2 --tpmstate dir="$dir" \
			--server type=tcp,port="$port",bindaddr=127.0.0.1 \
			--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
			--flags not-need-init,startup-clear \
			--pid file="$dir/pid" --log file="$dir/log" --daemon 2>/dev/null; then
			SWTPM_PID_FILE="$dir/pid"
			TCTI="swtpm:host=127.0.0.1,port=$port"
			export BOOTCHAIN_TCTI="$TCTI"
			unset TPM2TOOLS_TCTI
			return 0
		fi
	done
	echo "ERROR: could not start swtpm on a free port" >&2
	exit 99
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
		port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
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
