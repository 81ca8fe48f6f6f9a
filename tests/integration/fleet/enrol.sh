#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `bootchain fleet enrol`, on SQLite and on PostgreSQL: a TPM manufactured by swtpm_setup (EK certificate
# from swtpm-localca) served by `attest serve`. Refused against the manufacturers' store
# (unknown issuer, exit 3), unreachable (exit 1): nothing stored. Enrolled with the
# swtpm CA: the machine is in `fleet list` with the AK name computed by openssl, its
# record written with --out-dir; enrolled again, its record is replaced by the one
# written (`fleet add` of it changes nothing); and `fleet run` attests it (pass).
. "$TESTS_LIB/common.sh"
for tool in jq openssl sqlite3 psql; do
	command -v "$tool" >/dev/null || { echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
MAKERS_STORE="$TESTS_LIB/../../data/tpm-ca"
start_swtpm_with_ek_cert
start_postgres
cd "$TEST_TMP"
STORE=(--ca-file "$SWTPM_CA_ROOT" --ca-file "$SWTPM_CA_ISSUER")

# The name of a TPM2B_PUBLIC file's key (nameAlg SHA-256): 000b || SHA-256(TPMT_PUBLIC).
key_name() { # file
	echo "000b$(tail -c +3 "$1" | openssl_digest sha256)"
}
sql() { # db statement: its rows, read with the sqlite3 and psql shells
	case "$1" in
	postgresql://*) psql -X -q -tA "$1" -c "$2" ;;
	*) sqlite3 "${1#sqlite:}" "$2" ;;
	esac
}
machines() { # db: how many machines the store holds
	sql "$1" "SELECT COUNT(*) FROM machines"
}
has_schema() { # db: whether the store has its machines table (0 or 1)
	case "$1" in
	postgresql://*) sql "$1" "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'machines'" ;;
	*) [ ! -e "${1#sqlite:}" ] && echo 0 || sql "$1" "SELECT COUNT(*) FROM sqlite_master WHERE name = 'machines'" ;;
	esac
}

# the machine: a boot measured into its TPM, its golden values, served
mkdir -p img
for f in bios kernel; do
	head -c 4096 /dev/urandom >"img/$f"
done
printf 'bios 0 bios\nkernel 8 kernel\n' >img/chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain img/chain
expect_exit 0 "$BOOTCHAIN" measure img/bios --pcr 0 --layer bios --log boot.log
expect_exit 0 "$BOOTCHAIN" measure img/kernel --pcr 8 --layer kernel --log boot.log
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub
start_serve m1 --log boot.log
HOST=${URL#http://}

# the cases, on the store DB (SAME_DB: the same store by another URL) of backend
run_cases() { # db same-db backend
	local DB="$1" SAME_DB="$2" backend="$3" out list start_ms

	# usage
	expect_exit 2 "$BOOTCHAIN" fleet enrol --db "$DB"
	assert_contains "$(cat "$TEST_TMP/err")" "expected the URL" "$backend: no URL"
	expect_exit 2 "$BOOTCHAIN" attest enrol "$URL" --db "$DB" --out-dir recs
	assert_contains "$(cat "$TEST_TMP/err")" "--db" "$backend: attest enrol has no store"
	# no store yet: an error before any machine is asked
	expect_exit 1 "$BOOTCHAIN" fleet enrol --db "$DB" "$URL" "${STORE[@]}"
	assert_eq 0 "$(has_schema "$DB")" "$backend: fleet enrol created the store"

	expect_exit 0 "$BOOTCHAIN" fleet init --db "$DB"

	# refused: the EK certificate's issuer is not in the manufacturers' store
	expect_exit 3 "$BOOTCHAIN" fleet enrol --db "$DB" "$URL" --ca-dir "$MAKERS_STORE"
	assert_contains "$(cat "$TEST_TMP/out")" "$HOST: REFUSED" "$backend: refused"
	assert_contains "$(cat "$TEST_TMP/out")" "unknown issuer" "$backend: the reason"
	assert_eq 0 "$(machines "$DB")" "$backend: a refused machine is not stored"
	# unreachable
	expect_exit 1 "$BOOTCHAIN" fleet enrol --db "$DB" "http://127.0.0.1:$(closed_port)" \
		"${STORE[@]}" --timeout 2000
	assert_contains "$(cat "$TEST_TMP/out")" "ERROR" "$backend: unreachable"
	assert_eq 0 "$(machines "$DB")" "$backend: an unreachable machine is not stored"

	# enrolled, stored, and its record written too
	expect_exit 0 "$BOOTCHAIN" fleet enrol --db "$DB" "$URL" "${STORE[@]}" --out-dir "recs.$backend" --json
	out=$(cat "$TEST_TMP/out")
	assert_eq enrolled "$(jq -r .verdict <<<"$out")" "$backend: the verdict"
	assert_eq added "$(jq -r .fleet <<<"$out")" "$backend: added to the fleet"
	assert_eq "$(key_name ak.pub)" "$(jq -r .ak_name <<<"$out")" "$backend: the AK name"
	assert_eq "recs.$backend/$HOST.json" "$(jq -r .record <<<"$out")" "$backend: the record"
	assert_eq "$(key_name ak.pub)" "$(jq -r .ak_name "recs.$backend/$HOST.json")" "$backend: the record's AK name"
	assert_eq 1 "$(machines "$DB")" "$backend: one machine stored"

	expect_exit 0 "$BOOTCHAIN" fleet list --db "$DB" --json
	list=$(cat "$TEST_TMP/out")
	assert_eq 1 "$(jq '.machines | length' <<<"$list")" "$backend: fleet list: one machine"
	assert_eq "$HOST" "$(jq -r '.machines[0].name' <<<"$list")" "$backend: fleet list: the name"
	assert_eq "$URL" "$(jq -r '.machines[0].url' <<<"$list")" "$backend: fleet list: the URL"
	assert_eq "$(key_name ak.pub)" "$(jq -r '.machines[0].ak_name' <<<"$list")" "$backend: fleet list: the AK"
	assert_eq true "$(jq -r '.machines[0].certified' <<<"$list")" "$backend: fleet list: certified"

	# enrolled again, a second later: a new record (its time) for the same machine
	sleep 1
	expect_exit 0 "$BOOTCHAIN" fleet enrol --db "$SAME_DB" "$URL" "${STORE[@]}"
	assert_contains "$(cat "$TEST_TMP/out")" "$HOST: enrolled, AK $(key_name ak.pub), EK certified by" \
		"$backend: the text line"
	assert_contains "$(cat "$TEST_TMP/out")" "; fleet: updated" "$backend: enrolled again"
	assert_eq 1 "$(machines "$DB")" "$backend: still one machine"
	# the record enrolled again, added again: the same record, nothing changes
	expect_exit 0 "$BOOTCHAIN" fleet enrol --db "$DB" "$URL" "${STORE[@]}" --out-dir "again.$backend" --json
	expect_exit 0 "$BOOTCHAIN" fleet add --db "$DB" "again.$backend/$HOST.json"
	assert_eq "$HOST: unchanged" "$(cat "$TEST_TMP/out")" "$backend: the stored record is the one enrolled"

	# the fleet attests it, and times it: within the run's own time, taken here
	start_ms=$(date +%s%3N)
	expect_exit 0 "$BOOTCHAIN" fleet run --db "$DB" --rounds 1 --interval 1s --golden golden.json \
		--timeout 5000
	assert_contains "$(cat "$TEST_TMP/out")" "1 machine attested: 1 pass, 0 fail, 0 error" "$backend: fleet run"
	assert_eq pass "$(sql "$DB" "SELECT verdict FROM attestations")" "$backend: the stored verdict"
	assert_eq 1 "$(sql "$DB" "SELECT COUNT(*) FROM attestations WHERE duration_ms >= 0 AND
		duration_ms <= $(($(date +%s%3N) - start_ms))")" "$backend: the stored duration"
}

run_cases fleet.db "sqlite:$TEST_TMP/fleet.db" SQLite
PG_DB=$(pg_new_db enrol)
run_cases "$PG_DB" "$PG_DB" PostgreSQL
