#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The systemd units (bootchain-units(7)): `make install` puts them (and tmpfiles.d's
# /run/bootchain) where configure says, their ExecStart the installed binary;
# `systemd-analyze verify` finds nothing to say about any of them (ExecStart pointed at
# the built binary in a copy, as verify needs it to exist); `systemd-analyze security
# --offline` rates each below 2.5 ("OK"), and a unit that leaves out the sandboxing is
# rated above (the check can fail); the commands the units run work as written: the
# measure template's on a layers file against swtpm, the agent's with its default
# configuration answering /healthz and READY=1 under a notification socket. No systemd
# needs to run: verify and security read unit files.
. "$TESTS_LIB/common.sh"
command -v systemd-analyze >/dev/null ||
	{ echo "ERROR: systemd-analyze not found: run scripts/deps as root" >&2; exit 99; }
: "${SYSTEMD_UNITS_DIR:?}" "${BUILDDIR:?}"
UNITS=(bootchain-measure@.service bootchain-serve.service bootchain-fleet.service
	bootchain-fleet-serve.service)
THRESHOLD=25 # exposure 2.5, in systemd-analyze's tenths
cd "$TEST_TMP"

# --- make install: the units and the tmpfiles.d snippet, in a staging root ---
# bindir as make expands it: ${exec_prefix}/bin, exec_prefix ${prefix}
mkvar() { sed -n "s/^$1 = //p" "$BUILDDIR/Makefile"; }
prefix=$(mkvar prefix)
exec_prefix=$(mkvar exec_prefix)
exec_prefix=${exec_prefix//'${prefix}'/$prefix}
bindir=$(mkvar bindir)
bindir=${bindir//'${exec_prefix}'/$exec_prefix}
unitdir=$(mkvar systemdsystemunitdir) # distcheck's is $(prefix)/lib/systemd/system
unitdir=${unitdir//'$(prefix)'/$prefix}
[ -n "$unitdir" ] || fail "no systemdsystemunitdir in the Makefile"
[ "$unitdir" != no ] || { echo "SKIP: configured --with-systemdsystemunitdir=no"; exit 77; }
make -s -C "$BUILDDIR" install-systemdsystemunitDATA install-tmpfiles DESTDIR="$TEST_TMP/root" \
	>make.out 2>&1 || fail "make install of the units: $(cat make.out)"
for u in "${UNITS[@]}"; do
	[ -f "root$unitdir/$u" ] || fail "make install did not install $unitdir/$u"
	grep -q '@bindir@' "root$unitdir/$u" && fail "$u: @bindir@ left in the installed unit"
	assert_contains "$(grep '^ExecStart=' "root$unitdir/$u")" "ExecStart=$bindir/bootchain " \
		"$u runs the installed binary"
done
tmpfiles=$(find root -name bootchain.conf -path '*tmpfiles.d*')
[ -n "$tmpfiles" ] || fail "make install did not install tmpfiles.d/bootchain.conf"
assert_contains "$(cat "$tmpfiles")" "d /run/bootchain 0750 root tss" "the log's folder"

# --- copies of the units whose ExecStart is the built binary ---
mkdir units
for u in "${UNITS[@]}"; do
	sed "s|^\(ExecStart=\)[^ ]*/bootchain |\1$BOOTCHAIN |" "root$unitdir/$u" >"units/$u"
	assert_contains "$(grep '^ExecStart=' "units/$u")" "ExecStart=$BOOTCHAIN " "$u: the copy"
done

# --- systemd-analyze verify: not a word (a template is verified as an instance) ---
cd units
for u in bootchain-measure@rootfs.service bootchain-serve.service bootchain-fleet.service \
	bootchain-fleet-serve.service; do
	rc=0
	systemd-analyze verify --man=no "$u" >"../verify-$u.out" 2>&1 || rc=$?
	[ "$rc" = 0 ] && [ ! -s "../verify-$u.out" ] ||
		fail "systemd-analyze verify $u (exit $rc): $(cat "../verify-$u.out")"
done
# and it does complain: a unit whose binary is not there
sed "s|^ExecStart=[^ ]*|ExecStart=$TEST_TMP/none/bootchain|" bootchain-serve.service \
	>bootchain-broken.service
expect_exit 1 systemd-analyze verify --man=no bootchain-broken.service
assert_contains "$(cat "$TEST_TMP/err")" "is not executable" "verify of a missing binary"
rm bootchain-broken.service
cd ..

# --- systemd-analyze security --offline: each unit below the threshold ---
exposure() { # unit-file
	systemd-analyze security --offline=true "$1" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p'
}
for u in bootchain-measure@rootfs.service bootchain-serve.service bootchain-fleet.service \
	bootchain-fleet-serve.service; do
	file=units/$u
	[ "$u" = bootchain-measure@rootfs.service ] && cp units/bootchain-measure@.service "units/$u"
	rc=0
	systemd-analyze security --offline=true --threshold=$THRESHOLD "$file" >"security-$u.out" 2>&1 ||
		rc=$?
	e=$(exposure "$file")
	echo "$u: exposure $e"
	[ -n "$e" ] || fail "systemd-analyze security $u: no rating: $(cat "security-$u.out")"
	[ "$rc" = 0 ] || fail "$u: exposure $e is over 2.5: $(grep '✗' "security-$u.out" | head -20)"
	awk -v e="$e" 'BEGIN { exit !(e < 2.5) }' || fail "$u: exposure $e is not below 2.5"
done
# the same service without its sandbox is rated over the threshold
grep -v -E '^(DynamicUser|SupplementaryGroups|Device|ReadOnlyPaths|Protect|Private|NoNew|Restrict|SystemCall|Capability|Ambient|Lock|Memory|ProcSubset|KeyringMode|UMask)' \
	units/bootchain-serve.service >units/bootchain-bare.service
expect_exit 1 systemd-analyze security --offline=true --threshold=$THRESHOLD \
	units/bootchain-bare.service
echo "bootchain-bare.service: exposure $(exposure units/bootchain-bare.service)"

# --- what the units run, run as written ---
# The ExecStart of unit $1, with %I, /etc/bootchain and the environment substituted as
# systemd would (the environment file's variables given here).
exec_start() { # unit instance
	sed -n 's/^ExecStart=//p' "units/$1" | sed -e "s|%I|${2:-}|g" -e "s|/etc/bootchain|$TEST_TMP/etc|g"
}
start_swtpm
export BOOTCHAIN_EVENTLOG="$TEST_TMP/run/eventlog"
mkdir -p etc/layers run
echo "the root file system's verity root hash" >roothash
printf 'rootfs 11 %s raw\n' "$TEST_TMP/roothash" >etc/layers/rootfs
BOOTCHAIN_MEASURE_OPTIONS=
cmdline=$(exec_start bootchain-measure@.service rootfs)
assert_contains "$cmdline" "--chain $TEST_TMP/etc/layers/rootfs" "the layers file of the instance"
# shellcheck disable=SC2086 # split as systemd splits $VAR
eval "expect_exit 0 ${cmdline//\$BOOTCHAIN_MEASURE_OPTIONS/$BOOTCHAIN_MEASURE_OPTIONS}"
expect_exit 0 "$BOOTCHAIN" log replay --pcrs sha256:11 --json
want=$(expected_extend sha256 "$(printf '0%.0s' $(seq 64))" "$(openssl_digest sha256 <roothash)")
assert_contains "$(cat "$TEST_TMP/out")" "$want" "PCR 11 of the measured layer (log replay)"
assert_eq "$want" "$(pcr_value sha256 11)" "PCR 11 of the measured layer (the TPM)"

# the agent: its default listen address replaced by a free loopback port
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub
cmdline=$(exec_start bootchain-serve.service)
assert_contains "$cmdline" 'attest serve --listen ${BOOTCHAIN_SERVE_LISTEN}' "the agent's command"
BOOTCHAIN_SERVE_LISTEN=127.0.0.1:0
BOOTCHAIN_SERVE_OPTIONS=
cmdline=${cmdline//\$\{BOOTCHAIN_SERVE_LISTEN\}/$BOOTCHAIN_SERVE_LISTEN}
cmdline=${cmdline//\$BOOTCHAIN_SERVE_OPTIONS/$BOOTCHAIN_SERVE_OPTIONS}
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2], "w").write("bound\n")
s.settimeout(20)
open(sys.argv[2], "a").write(s.recv(4096).decode() + "\n")
' "$TEST_TMP/notify" notified &
SERVE_PIDS+=($!)
for _ in $(seq 50); do [ -s notified ] && break; sleep 0.1; done
eval "NOTIFY_SOCKET=$TEST_TMP/notify $cmdline 2>agent.err &"
SERVE_PID=$!
SERVE_PIDS+=("$SERVE_PID")
for _ in $(seq 100); do grep -q READY=1 notified && break; sleep 0.1; done
assert_contains "$(cat notified)" "READY=1" "the agent's readiness"
url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' agent.err)
assert_eq ok "$(curl -s --noproxy '*' "$url/healthz" | jq -r .status)" "the agent answers"
curl -s --noproxy '*' -o served.bin "$url/v1/eventlog"
cmp -s served.bin "$BOOTCHAIN_EVENTLOG" || fail "the agent does not serve the measured log"
stop_serve "$SERVE_PID" agent
