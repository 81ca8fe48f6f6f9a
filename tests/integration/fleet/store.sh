#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The fleet store through `bootchain fleet`, the same cases on SQLite and on PostgreSQL
# (a server of the test's own): init (twice: the second is up to date), add enrolment
# records made by `attest enrol` from two machines served on swtpm, list as text and
# JSON, the same records again (unchanged), a machine enrolled again under another AK
# (updated), remove, add again, a broken record (nothing added), and a store whose schema
# is newer than the code (refused, left as it is); then leases under contention, four
# workers taking every machine exactly once. Expected values come from elsewhere:
# AK names computed with openssl from the AKs' public areas, hosts from the servers'
# addresses, and the tables read with the sqlite3 and psql shells.
. "$TESTS_LIB/common.sh"
for tool in jq openssl sqlite3 psql; do
	command -v "$tool" >/dev/null || { echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
start_swtpm
start_swtpm2
start_postgres
cd "$TEST_TMP"

# The name of an AK from its TPM2B_PUBLIC file: nameAlg SHA-256 (000b), then the
# SHA-256 of the public area (the file without its 2-byte size).
ak_name_of() { # ak.pub
	echo "000b$(tail -c +3 "$1" | openssl_digest sha256)"
}

# --- two machines, each its own TPM, served and enrolled (no EK certificate) ---
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak1.pub
expect_exit 0 "$BOOTCHAIN" attest ak create -T "$TCTI2" --out-public ak2.pub
AK1=$(ak_name_of ak1.pub)
AK2=$(ak_name_of ak2.pub)
start_serve m1 --no-log
HOST1=${URL#http://}
expect_exit 0 "$BOOTCHAIN" attest enrol "$URL" --out-dir recs --allow-uncertified --ca-dir "$TPM_CA_DIR"
start_serve m2 --no-log -T "$TCTI2"
HOST2=${URL#http://}
expect_exit 0 "$BOOTCHAIN" attest enrol "$URL" --out-dir recs --allow-uncertified --ca-dir "$TPM_CA_DIR"
[ "$(ls recs | wc -l)" = 2 ] || fail "attest enrol did not write two records: $(ls recs)"
# sorted as the store sorts names: by bytes
FIRST=$(printf '%s\n' "$HOST1" "$HOST2" | LC_ALL=C sort | head -n 1)
SECOND=$(printf '%s\n' "$HOST1" "$HOST2" | LC_ALL=C sort | tail -n 1)

# m1 enrolled again, under m2's AK: a valid record of another AK
jq --arg pub "$(base64 -w0 ak2.pub)" --arg name "$AK2" '.ak_public = $pub | .ak_name = $name' \
	"recs/$HOST1.json" >m1-again.json
# a third machine, and a record whose AK name is not its AK's
jq '.host = "m3:8400" | .url = "http://m3:8400"' "recs/$HOST1.json" >m3.json
jq --arg name "$AK2" '.ak_name = $name' "recs/$HOST1.json" >broken.json
# Keeps: a TD's (its kind, no chip id), and an SEV-SNP one of a record made before kinds
# (no "kind": SEV-SNP)
CHIP=$(openssl rand -hex 64)
jq '.host = "td:8400" | .url = "http://td:8400" | .keep = {kind: "tdx", provider: "tdx_guest"}' \
	"recs/$HOST1.json" >td.json
jq --arg c "$CHIP" '.host = "snp:8400" | .url = "http://snp:8400" |
	.keep = {provider: "sev_guest", chip_id: $c}' "recs/$HOST1.json" >snp-old.json

# Raw SQL through the database's own shell.
sql() { # db statement
	case "$1" in
	postgresql://*) psql -X -q -tA "$1" -c "$2" ;;
	*) sqlite3 "${1#sqlite:}" "$2" ;;
	esac
}

list_json() { # db
	expect_exit 0 "$BOOTCHAIN" fleet list --db "$1" --json
	cat "$TEST_TMP/out"
}

run_cases() { # db what
	local db=$1 what=$2 out
	echo "--- $what: $db"
	expect_exit 1 "$BOOTCHAIN" fleet list --db "$db"
	assert_contains "$(cat err)" "fleet init" "$what: list before init"

	expect_exit 0 "$BOOTCHAIN" fleet init --db "$db"
	assert_contains "$(cat out)" "created (schema version 3)" "$what: init"
	expect_exit 0 "$BOOTCHAIN" fleet init --db "$db"
	assert_contains "$(cat out)" "up to date (schema version 3)" "$what: init again"
	assert_eq 3 "$(sql "$db" 'SELECT MAX(version) FROM schema_version')" "$what: schema version"
	# a store of schema 1 (before the attestations' logs were kept): refused, then migrated
	sql "$db" 'DROP INDEX attestations_log' >/dev/null
	for column in log_sha256 attested_pcrs; do
		sql "$db" "ALTER TABLE attestations DROP COLUMN $column" >/dev/null
	done
	sql "$db" 'DROP TABLE logs' >/dev/null
	sql "$db" 'ALTER TABLE machines DROP COLUMN keep_kind' >/dev/null
	sql "$db" 'DELETE FROM schema_version WHERE version >= 2' >/dev/null
	expect_exit 1 "$BOOTCHAIN" fleet list --db "$db"
	assert_contains "$(cat err)" "migrate it with \`bootchain fleet init\`" "$what: list on schema 1"
	expect_exit 0 "$BOOTCHAIN" fleet init --db "$db"
	assert_contains "$(cat out)" "migrated from schema version 1 to 3" "$what: init on schema 1"
	assert_eq 0 "$(sql "$db" 'SELECT COUNT(*) FROM logs')" "$what: the logs table made"
	expect_exit 0 "$BOOTCHAIN" fleet list --db "$db"
	assert_eq "" "$(cat out)" "$what: an empty fleet"

	# add: every record of the folder
	expect_exit 0 "$BOOTCHAIN" fleet add --db "$db" recs
	assert_contains "$(cat out)" "$HOST1: added" "$what: add m1"
	assert_contains "$(cat out)" "$HOST2: added" "$what: add m2"
	assert_eq 2 "$(sql "$db" 'SELECT count(*) FROM machines WHERE removed_at IS NULL')" \
		"$what: machines in the table"
	assert_eq "$AK1" "$(sql "$db" "SELECT ak_name FROM machines WHERE name = '$HOST1'")" \
		"$what: m1's AK in the table"

	# list, text and JSON
	expect_exit 0 "$BOOTCHAIN" fleet list --db "$db"
	out=$(cat out)
	assert_eq 2 "$(wc -l <out)" "$what: list lines"
	assert_eq "$FIRST" "$(head -n1 out | cut -d' ' -f1)" "$what: list sorted by name"
	assert_contains "$out" "$HOST1 http://$HOST1 ak:$AK1 UNCERTIFIED added " "$what: list m1"
	assert_contains "$out" "$HOST2 http://$HOST2 ak:$AK2 UNCERTIFIED added " "$what: list m2"
	out=$(list_json "$db")
	assert_eq "$FIRST $SECOND" "$(jq -r '[.machines[].name] | join(" ")' <<<"$out")" \
		"$what: JSON names"
	assert_eq "$AK2" "$(jq -r --arg h "$HOST2" '.machines[] | select(.name == $h) | .ak_name' \
		<<<"$out")" "$what: JSON m2's AK"
	assert_eq "http://$HOST1 false null" "$(jq -r --arg h "$HOST1" \
		'.machines[] | select(.name == $h) | "\(.url) \(.certified) \(.keep_chip_id)"' \
		<<<"$out")" "$what: JSON m1"
	jq -e '.machines[0].added | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")' <<<"$out" \
		>/dev/null || fail "$what: JSON added time: $out"

	# the same records again; then m1 enrolled again
	expect_exit 0 "$BOOTCHAIN" fleet add --db "$db" "recs/$HOST1.json" "recs/$HOST2.json"
	assert_contains "$(cat out)" "$HOST1: unchanged" "$what: the same record again"
	expect_exit 0 "$BOOTCHAIN" fleet add --db "$db" m1-again.json
	assert_contains "$(cat out)" "$HOST1: updated" "$what: a new record"
	assert_eq "$AK2" "$(list_json "$db" | jq -r --arg h "$HOST1" \
		'.machines[] | select(.name == $h) | .ak_name')" "$what: m1's new AK"

	# a broken record: refused by name, and nothing of that command added
	expect_exit 1 "$BOOTCHAIN" fleet add --db "$db" m3.json broken.json
	assert_contains "$(cat err)" "broken.json" "$what: the broken record named"
	assert_contains "$(cat err)" "ak_name" "$what: the broken field named"
	assert_eq 0 "$(sql "$db" "SELECT count(*) FROM machines WHERE name = 'm3:8400'")" \
		"$what: nothing added with a broken record"

	# remove, and add again
	expect_exit 0 "$BOOTCHAIN" fleet remove --db "$db" "$HOST1"
	assert_eq "$HOST1: removed" "$(cat out)" "$what: remove"
	assert_eq "$HOST2" "$(list_json "$db" | jq -r '[.machines[].name] | join(" ")')" \
		"$what: list after remove"
	expect_exit 1 "$BOOTCHAIN" fleet remove --db "$db" "$HOST1" nosuch:1 "$HOST2"
	assert_contains "$(cat err)" "$HOST1: no machine of that name in the fleet" \
		"$what: remove twice"
	assert_contains "$(cat err)" "nosuch:1: no machine" "$what: remove unknown"
	assert_eq "$HOST2: removed" "$(cat out)" "$what: the others are removed"
	expect_exit 2 "$BOOTCHAIN" fleet remove --db "$db"
	assert_eq 2 "$(sql "$db" 'SELECT count(*) FROM machines WHERE removed_at IS NOT NULL')" \
		"$what: removed machines stay in the table"
	expect_exit 0 "$BOOTCHAIN" fleet add --db "$db" recs
	assert_contains "$(cat out)" "$HOST1: added again" "$what: m1 back"
	assert_contains "$(cat out)" "$HOST2: added again" "$what: m2 back"
	assert_eq "$AK1" "$(list_json "$db" | jq -r --arg h "$HOST1" \
		'.machines[] | select(.name == $h) | .ak_name')" "$what: m1 back with its record"
	assert_eq 2 "$(sql "$db" 'SELECT count(*) FROM machines')" "$what: the same rows"

	# Keeps by their kind: a TD's without a chip id; then the store taken back to schema
	# 2 and migrated again, where a chip id alone says SEV-SNP
	expect_exit 0 "$BOOTCHAIN" fleet add --db "$db" td.json snp-old.json
	assert_eq "tdx|" "$(sql "$db" "SELECT keep_kind || '|' || COALESCE(keep_chip_id, '') \
		FROM machines WHERE name = 'td:8400'")" "$what: a TD's Keep in the table"
	out=$(list_json "$db")
	assert_eq "tdx null" "$(jq -r '.machines[] | select(.name == "td:8400") |
		"\(.keep_kind) \(.keep_chip_id)"' <<<"$out")" "$what: JSON a TD's Keep"
	assert_eq "sev-snp $CHIP" "$(jq -r '.machines[] | select(.name == "snp:8400") |
		"\(.keep_kind) \(.keep_chip_id)"' <<<"$out")" "$what: JSON an old SEV-SNP Keep"
	expect_exit 0 "$BOOTCHAIN" fleet list --db "$db"
	assert_contains "$(grep '^td:8400 ' out)" " keep:tdx added " "$what: list a TD's Keep"
	sql "$db" 'ALTER TABLE machines DROP COLUMN keep_kind' >/dev/null
	sql "$db" 'DELETE FROM schema_version WHERE version = 3' >/dev/null
	expect_exit 0 "$BOOTCHAIN" fleet init --db "$db"
	assert_contains "$(cat out)" "migrated from schema version 2 to 3" "$what: init on schema 2"
	assert_eq "sev-snp" "$(sql "$db" "SELECT keep_kind FROM machines WHERE name = 'snp:8400'")" \
		"$what: a chip id is SEV-SNP's"
	assert_eq 3 "$(sql "$db" "SELECT count(*) FROM machines WHERE keep_chip_id IS NULL AND \
		keep_kind IS NULL")" "$what: no chip id, no Keep (m1, m2, and the TD's, lost by schema 2)"
	sql "$db" "DELETE FROM machines WHERE name IN ('td:8400', 'snp:8400')" >/dev/null

	# a store of a newer schema: refused, and left as it is
	sql "$db" 'INSERT INTO schema_version (version, applied_at) VALUES (99, 0)'
	expect_exit 1 "$BOOTCHAIN" fleet list --db "$db"
	assert_contains "$(cat err)" "schema is version 99, newer than this bootchain's (3)" \
		"$what: list on a newer store"
	expect_exit 1 "$BOOTCHAIN" fleet init --db "$db"
	assert_contains "$(cat err)" "newer than this bootchain's" "$what: init on a newer store"
	expect_exit 1 "$BOOTCHAIN" fleet add --db "$db" recs
	assert_eq 99 "$(sql "$db" 'SELECT MAX(version) FROM schema_version')" \
		"$what: the newer store left as it is"
}

run_cases "sqlite:$TEST_TMP/var/fleet.db" SQLite
[ "$(sqlite3 "$TEST_TMP/var/fleet.db" 'PRAGMA journal_mode')" = wal ] || fail "SQLite: not in WAL mode"
run_cases "$(pg_new_db fleet)" PostgreSQL

# leases under contention: four workers, each its own connection, take every machine
# exactly once (SQLite: BEGIN IMMEDIATE; PostgreSQL: FOR UPDATE SKIP LOCKED)
: "${FLEET_LEASE:?FLEET_LEASE must name tests/tools/fleet-lease}"
"$FLEET_LEASE" "sqlite:$TEST_TMP/lease.db" 4 300 || fail "SQLite: leases under contention"
"$FLEET_LEASE" "$(pg_new_db lease)" 4 300 || fail "PostgreSQL: leases under contention"

# usage and bad URLs
expect_exit 2 "$BOOTCHAIN" fleet
expect_exit 2 "$BOOTCHAIN" fleet frobnicate
expect_exit 2 "$BOOTCHAIN" fleet add --db "sqlite:$TEST_TMP/var/fleet.db"
expect_exit 2 "$BOOTCHAIN" fleet init --json
expect_exit 1 "$BOOTCHAIN" fleet init --db mysql://localhost/fleet
assert_contains "$(cat err)" "not a store URL" "a URL of another database"
expect_exit 1 "$BOOTCHAIN" fleet list --db "postgresql://bootchain:hunter2@127.0.0.1:$(closed_port)/fleet"
assert_contains "$(cat err)" "PostgreSQL: cannot connect" "an unreachable server"
case "$(cat err)" in *hunter2*) fail "the password is in a message: $(cat err)" ;; esac
echo "PASS"
