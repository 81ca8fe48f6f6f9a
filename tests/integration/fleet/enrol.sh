#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `bootchain fleet enrol` on SQLite: a TPM manufactured by swtpm_setup (EK certificate
# from swtpm-localca) served by `attest serve`. Refused against the manufacturers' store
# (unknown issuer, exit 3), unreachable (exit 1): nothing stored. Enrolled with the
# swtpm CA: the machine is in `fleet list` with the AK name computed by openssl, its
# record written with --out-dir; enrolled again, its record is replaced by the one
# written (`fleet add` of it changes nothing); and `fleet run` attests it (pass).
. "$TESTS_LIB/common.sh"
for tool in jq openssl sqlite3; do
	command -v "$tool" >/dev/null || { echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
MAKERS_STORE="$TESTS_LIB/../../data/tpm-ca"
start_swtpm_with_ek_cert
cd "$TEST_TMP"
STORE=(--ca-file "$SWTPM_CA_ROOT" --ca-file "$SWTPM_CA_ISSUER")

# The name of a TPM2B_PUBLIC file's key (nameAlg SHA-256): 000b || SHA-256(TPMT_PUBLIC).
key_name() { # file
	echo "000b$(tail -c +3 "$1" | openssl_digest sha256)"
}
machines() { # db: how many machines the store holds
	sqlite3 "$1" "SELECT COUNT(*) FROM machines"
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
DB=fleet.db

# usage
expect_exit 2 "$BOOTCHAIN" fleet enrol --db "$DB"
assert_contains "$(cat "$TEST_TMP/err")" "expected the URL" "no URL"
expect_exit 2 "$BOOTCHAIN" attest enrol "$URL" --db "$DB" --out-dir recs
assert_contains "$(cat "$TEST_TMP/err")" "--db" "attest enrol has no store"
# no store yet: an error before any machine is asked
expect_exit 1 "$BOOTCHAIN" fleet enrol --db "$DB" "$URL" "${STORE[@]}"
[ ! -e "$DB" ] || [ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM sqlite_master WHERE name = 'machines'")" = 0 ] ||
	fail "fleet enrol created the store"

expect_exit 0 "$BOOTCHAIN" fleet init --db "$DB"

# refused: the EK certificate's issuer is not in the manufacturers' store
expect_exit 3 "$BOOTCHAIN" fleet enrol --db "$DB" "$URL" --ca-dir "$MAKERS_STORE"
assert_contains "$(cat "$TEST_TMP/out")" "$HOST: REFUSED" "refused"
assert_contains "$(cat "$TEST_TMP/out")" "unknown issuer" "the reason"
assert_eq 0 "$(machines "$DB")" "a refused machine is not stored"
# unreachable
expect_exit 1 "$BOOTCHAIN" fleet enrol --db "$DB" "http://127.0.0.1:$(closed_port)" \
	"${STORE[@]}" --timeout 2000
assert_contains "$(cat "$TEST_TMP/out")" "ERROR" "unreachable"
assert_eq 0 "$(machines "$DB")" "an unreachable machine is not stored"

# enrolled, stored, and its record written too
expect_exit 0 "$BOOTCHAIN" fleet enrol --db "$DB" "$URL" "${STORE[@]}" --out-dir recs --json
out=$(cat "$TEST_TMP/out")
assert_eq enrolled "$(jq -r .verdict <<<"$out")" "the verdict"
assert_eq added "$(jq -r .fleet <<<"$out")" "added to the fleet"
assert_eq "$(key_name ak.pub)" "$(jq -r .ak_name <<<"$out")" "the AK name"
assert_eq "recs/$HOST.json" "$(jq -r .record <<<"$out")" "the record"
assert_eq "$(key_name ak.pub)" "$(jq -r .ak_name "recs/$HOST.json")" "the record's AK name"
assert_eq 1 "$(machines "$DB")" "one machine stored"

expect_exit 0 "$BOOTCHAIN" fleet list --db "$DB" --json
list=$(cat "$TEST_TMP/out")
assert_eq 1 "$(jq '.machines | length' <<<"$list")" "fleet list: one machine"
assert_eq "$HOST" "$(jq -r '.machines[0].name' <<<"$list")" "fleet list: the name"
assert_eq "$URL" "$(jq -r '.machines[0].url' <<<"$list")" "fleet list: the URL"
assert_eq "$(key_name ak.pub)" "$(jq -r '.machines[0].ak_name' <<<"$list")" "fleet list: the AK"
assert_eq true "$(jq -r '.machines[0].certified' <<<"$list")" "fleet list: certified"

# enrolled again, a second later: a new record (its time) for the same machine
sleep 1
expect_exit 0 "$BOOTCHAIN" fleet enrol --db "sqlite:$TEST_TMP/$DB" "$URL" "${STORE[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "$HOST: enrolled, AK $(key_name ak.pub), EK certified by" \
	"the text line"
assert_contains "$(cat "$TEST_TMP/out")" "; fleet: updated" "enrolled again"
assert_eq 1 "$(machines "$DB")" "still one machine"
# the record enrolled again, added again: the same record, nothing changes
expect_exit 0 "$BOOTCHAIN" fleet enrol --db "$DB" "$URL" "${STORE[@]}" --out-dir again --json
expect_exit 0 "$BOOTCHAIN" fleet add --db "$DB" "again/$HOST.json"
assert_eq "$HOST: unchanged" "$(cat "$TEST_TMP/out")" "the stored record is the one enrolled"

# the fleet attests it
expect_exit 0 "$BOOTCHAIN" fleet run --db "$DB" --rounds 1 --interval 1s --golden golden.json \
	--timeout 5000
assert_contains "$(cat "$TEST_TMP/out")" "1 machine attested: 1 pass, 0 fail, 0 error" "fleet run"
assert_eq pass "$(sqlite3 "$DB" "SELECT verdict FROM attestations")" "the stored verdict"
