#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `bootchain fleet whatif`, the same cases on SQLite and on PostgreSQL, over the fleet
# simulator (tests/tools/fleet-sim): six machines booting bios (PCR 0), bootloader (4),
# kernel (8) and initrd (9), the simulator's golden database; machines 0 and 1 boot
# another kernel (--fail 2). Each is attested twice (the store keeps each distinct log
# once), then a seventh machine is added that was never attested (unknown). A policy is
# signed for the good boot's PCRs 0, 4, 8 and 9. Cases:
#   - a new kernel: every machine would pass against the database with it (the failing
#     ones too: their kernel is replaced), PCR 8's new value is the one openssl computes
#     (its only event: H(0^32 || H(image))), and none would unseal (PCR 8 changed);
#   - a new bootloader: machines 0 and 1 would still fail, on their kernel;
#   - a candidate for a component no machine has: nothing changes; the policy still
#     unseals for the good machines, not for 0 and 1;
#   - usage and input errors.
. "$TESTS_LIB/common.sh"
for tool in jq openssl sqlite3 psql; do
	command -v "$tool" >/dev/null || { echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
SIM="$(dirname "$BOOTCHAIN")/tests/tools/fleet-sim"
[ -x "$SIM" ] || fail "$SIM not built"
HOSTS=6
start_postgres
cd "$TEST_TMP"

"$SIM" --hosts "$HOSTS" --fail 2 --write-enrolments recs --write-golden golden.json \
	>sim.out 2>sim.err &
SIM_PID=$!
trap 'kill -9 "$SIM_PID" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 100); do
	grep -q "hosts on port" sim.out && break
	kill -0 "$SIM_PID" 2>/dev/null || fail "fleet-sim did not start: $(cat sim.err)"
	sleep 0.1
done
PORT=$(sed -n 's/.* hosts on port \([0-9]*\)$/\1/p' sim.out)
[ -n "$PORT" ] || fail "fleet-sim did not start in 10 s: $(cat sim.err)"
name() { echo "127.0.0.$(($1 + 1)):$PORT"; }
ALL=$(for i in $(seq 0 $((HOSTS - 1))); do name "$i"; done | sort)
FAILING=$(printf '%s\n%s\n' "$(name 0)" "$(name 1)" | sort)
NEVER="never:8400"
# a record of a machine never attested: machine 0's, under another name
jq --arg h "$NEVER" '.host = $h | .url = "http://127.0.0.1:1"' recs/host-0000000.json >never.json

# the database signed, with the policy of its good boot (PCRs 0, 4, 8, 9)
openssl ecparam -name prime256v1 -genkey -noout -out key.pem 2>/dev/null
openssl ec -in key.pem -pubout -out pub.pem 2>/dev/null
expect_exit 0 "$BOOTCHAIN" golden sign golden.json --key key.pem --policy-out policy.json \
	--policy-pcrs sha256:0,4,8,9

# the candidates: images are measured as their bytes (no PE): PCR 8 after a boot of the
# new kernel, computed here with openssl
printf 'fleet-sim new kernel' >new-kernel
printf 'fleet-sim new bootloader' >new-bootloader
printf 'a shim nobody boots' >shim.efi
NEW_PCR8=$({ head -c 32 /dev/zero; openssl dgst -sha256 -binary new-kernel; } |
	openssl dgst -sha256 -r | cut -d' ' -f1)
OLD_PCR8=$({ head -c 32 /dev/zero; printf 'fleet-sim kernel' | openssl dgst -sha256 -binary; } |
	openssl dgst -sha256 -r | cut -d' ' -f1)

sql() { # db statement
	case "$1" in
	postgresql://*) psql -X -q -tA -F' ' "$1" -c "$2" ;;
	*) sqlite3 -separator ' ' "${1#sqlite:}" "$2" ;;
	esac
}
whatif() { # expected-status db args...
	local want=$1 db=$2
	shift 2
	expect_exit "$want" "$BOOTCHAIN" fleet whatif --db "$db" --golden golden.json \
		--pubkey pub.pem "$@"
}
hosts_where() { # jq condition on a host: their names, sorted
	jq -r ".hosts[] | select($1) | .name" "$TEST_TMP/out" | sort
}

run_cases() { # db what
	local db=$1 what=$2 out
	echo "--- $what"
	expect_exit 0 "$BOOTCHAIN" fleet init --db "$db"
	expect_exit 0 "$BOOTCHAIN" fleet add --db "$db" recs
	expect_exit 0 "$BOOTCHAIN" fleet run --db "$db" --rounds 2 --interval 1s \
		--golden golden.json --timeout 10s --retries 2
	assert_contains "$(cat "$TEST_TMP/out")" \
		"round 2: 6 machines attested: 4 pass, 2 fail, 0 error" "$what: the rounds"
	# twelve attestations, two logs: the good boot's and the other kernel's
	assert_eq 12 "$(sql "$db" "SELECT COUNT(*) FROM attestations WHERE log_sha256 IS NOT NULL
		AND attested_pcrs = 'sha256:0-9'")" "$what: every attestation with its log"
	assert_eq 2 "$(sql "$db" "SELECT COUNT(*) FROM logs")" "$what: each log stored once"
	# the log kept for a machine is the one it booted: it replays to the PCR 8 computed
	sql "$db" "SELECT l.data FROM logs l JOIN attestations a ON a.log_sha256 = l.sha256
		JOIN machines m ON m.id = a.machine_id WHERE m.name = '$(name 3)' LIMIT 1" |
		base64 -d >kept.log
	expect_exit 0 "$BOOTCHAIN" log replay kept.log --pcrs sha256:8 --json
	assert_eq "$OLD_PCR8" "$(jq -r '.pcrs.sha256."8"' "$TEST_TMP/out")" \
		"$what: the kept log replays to PCR 8"

	# a new kernel: every machine passes with it; all of them before the never-attested one
	whatif 0 "$db" --with kernel:8:new-kernel --json
	assert_eq "6 6 0 0 6" "$(jq -r '"\(.machines) \(.verdicts.pass) \(.verdicts.fail) \(.verdicts.unknown) \(.changed)"' "$TEST_TMP/out")" \
		"$what: a new kernel: counts"
	assert_eq "$ALL" "$(hosts_where ".changed.sha256.\"8\" == \"$NEW_PCR8\" and .replaced == 1")" \
		"$what: a new kernel: PCR 8 as openssl computes it"
	assert_eq "" "$(hosts_where '.changed.sha256 | keys != ["8"]')" \
		"$what: a new kernel: only PCR 8 changes"

	expect_exit 0 "$BOOTCHAIN" fleet add --db "$db" never.json
	whatif 3 "$db" --with kernel:8:new-kernel --policy policy.json --json
	assert_eq "7 6 0 1" "$(jq -r '"\(.machines) \(.verdicts.pass) \(.verdicts.fail) \(.verdicts.unknown)"' "$TEST_TMP/out")" \
		"$what: a new kernel, a machine never attested: counts"
	assert_eq "$NEVER" "$(hosts_where '.verdict == "unknown" and .attestation == null')" \
		"$what: the machine without a log is unknown"
	assert_eq "$ALL" "$(hosts_where '.unseal == "sealed"')" \
		"$what: a new kernel: no machine would unseal"
	assert_contains "$(jq -r ".hosts[] | select(.name == \"$(name 4)\") | .unseal_why" "$TEST_TMP/out")" \
		"8" "$what: a new kernel: the policy's PCR named"
	assert_eq '0 6 1' "$(jq -r '"\(.unseal.unseals) \(.unseal.sealed) \(.unseal.unknown)"' "$TEST_TMP/out")" \
		"$what: a new kernel: unseal counts"
	whatif 3 "$db" --with kernel:8:new-kernel --policy policy.json
	out=$(cat "$TEST_TMP/out")
	assert_contains "$out" "7 machines: 6 would pass, 0 would fail, 1 unknown; 6 with new PCR values" \
		"$what: text: counts"
	assert_contains "$out" "policy: 0 would unseal, 6 would not, 1 unknown" "$what: text: policy"
	assert_contains "$out" "would not unseal:" "$what: text: the section"
	assert_contains "$out" "  $(name 5)  " "$what: text: a machine that would not unseal"
	assert_contains "$out" "  $NEVER  no attestation with an event log is stored" \
		"$what: text: the unknown machine"

	# a new bootloader: the machines of the other kernel still fail, on it
	whatif 3 "$db" --with bootloader:4:new-bootloader --json
	assert_eq "$FAILING" "$(hosts_where '.verdict == "fail"')" "$what: a new bootloader: who fails"
	assert_eq "golden: PCR 8, event 3: changed (kernel)" \
		"$(jq -r ".hosts[] | select(.name == \"$(name 1)\") | \"\(.check): \(.why)\"" "$TEST_TMP/out")" \
		"$what: a new bootloader: why"
	assert_eq "4 6" "$(jq -r '"\(.verdicts.pass) \(.changed)"' "$TEST_TMP/out")" \
		"$what: a new bootloader: 4 pass, PCR 4 changed on all"

	# a component nobody has: nothing changes; the good machines still unseal
	whatif 3 "$db" --with shim:4:shim.efi --policy policy.json --json
	assert_eq "4 2 1 0" "$(jq -r '"\(.verdicts.pass) \(.verdicts.fail) \(.verdicts.unknown) \(.changed)"' "$TEST_TMP/out")" \
		"$what: a component nobody has: counts"
	assert_eq "false" "$(jq -r '.candidates[0].component' "$TEST_TMP/out")" \
		"$what: a component nobody has: named so"
	assert_eq "$FAILING" "$(hosts_where '.unseal == "sealed"')" \
		"$what: a component nobody has: who would not unseal"
	assert_eq 4 "$(jq '.unseal.unseals' "$TEST_TMP/out")" "$what: the good machines unseal"
	whatif 3 "$db" --with shim:4:shim.efi
	assert_contains "$(cat "$TEST_TMP/out")" "note: shim is no component of the golden database" \
		"$what: a component nobody has: the note"
}

run_cases "sqlite:$TEST_TMP/fleet.db" SQLite
run_cases "$(pg_new_db fleet)" PostgreSQL

# --- errors
DB="sqlite:$TEST_TMP/fleet.db"
whatif 1 "$DB" --with kernel:9:new-kernel
assert_contains "$(cat "$TEST_TMP/err")" "kernel" "another PCR than the component's"
whatif 1 "$DB" --with kernel:8:no-such-file
assert_contains "$(cat "$TEST_TMP/err")" "no-such-file" "a missing image"
whatif 2 "$DB" --with kernel-8-new-kernel
whatif 2 "$DB" --with kernel:8:new-kernel --with kernel:8:new-bootloader
assert_contains "$(cat "$TEST_TMP/err")" "kernel is given twice" "a component twice"
expect_exit 2 "$BOOTCHAIN" fleet whatif --db "$DB" --with kernel:8:new-kernel
assert_contains "$(cat "$TEST_TMP/err")" "--golden" "no database"
whatif 2 "$DB"
whatif 1 "$DB" --with kernel:8:new-kernel --policy no-such-policy.json
openssl ecparam -name prime256v1 -genkey -noout -out other.pem 2>/dev/null
openssl ec -in other.pem -pubout -out other-pub.pem 2>/dev/null
expect_exit 3 "$BOOTCHAIN" fleet whatif --db "$DB" --golden golden.json --with kernel:8:new-kernel \
	--pubkey other-pub.pem
echo "OK"
