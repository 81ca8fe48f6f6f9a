/* SPDX-License-Identifier: BSD-3-Clause */
/* The fleet store (fleet/store.c) on its SQLite backend: migrations and versions,
 * machines added, removed and added again, attestations recorded and read back (last,
 * history), and leases: two workers never hold the same machine, an expired lease is
 * taken over. tests/integration/fleet/store.sh runs the commands on SQLite and on
 * PostgreSQL. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include <bootchain/fleet.h>

typedef struct fixture {
	char dir[64], path[128];
	bc_fleet_store *store;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/bootchain-fleet-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/fleet.db", f->dir);
	assert_int_equal(bc_fleet_store_open(f->path, true, &f->store, NULL), BC_OK);
	assert_int_equal(bc_fleet_store_migrate(f->store, NULL, NULL), BC_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char cmd[256];
	bc_fleet_store_close(f->store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* A record: the store keeps what it is given, so any bytes do for the keys. */
static bc_enrolment make_record(const char *host, uint8_t seed)
{
	bc_enrolment rec = {.certified = true, .chain_len = 1};
	snprintf(rec.host, sizeof(rec.host), "%s", host);
	snprintf(rec.url, sizeof(rec.url), "http://%s", host);
	snprintf(rec.time, sizeof(rec.time), "2026-12-02T00:00:00Z");
	snprintf(rec.ek_type, sizeof(rec.ek_type), "rsa");
	snprintf(rec.anchor_subject, sizeof(rec.anchor_subject), "CN = test");
	snprintf(rec.anchor_file, sizeof(rec.anchor_file), "test.pem");
	rec.ak_name_size = 34;
	rec.ak_name[0] = 0x00;
	rec.ak_name[1] = 0x0b;
	memset(rec.ak_name + 2, seed, 32);
	rec.ak_public_size = rec.ek_public_size = 100;
	memset(rec.ak_public, seed, 100);
	memset(rec.ek_public, seed ^ 0xff, 100);
	return rec;
}

static int64_t add(fixture *f, const char *host, uint8_t seed, bc_fleet_add_result want)
{
	bc_enrolment rec = make_record(host, seed);
	bc_fleet_add_result got;
	bc_fleet_machine m;
	assert_int_equal(bc_fleet_store_add(f->store, &rec, 1000, &got, NULL), BC_OK);
	assert_int_equal(got, want);
	assert_int_equal(bc_fleet_store_find(f->store, host, &m, NULL), BC_OK);
	return m.id;
}

static void test_migrate_twice_is_up_to_date(void **state)
{
	fixture *f = *state;
	int from = -1, version = -1;
	assert_int_equal(bc_fleet_store_migrate(f->store, &from, NULL), BC_OK);
	assert_int_equal(from, BC_FLEET_SCHEMA_VERSION);
	assert_int_equal(bc_fleet_store_version(f->store, &version, NULL), BC_OK);
	assert_int_equal(version, BC_FLEET_SCHEMA_VERSION);
}

static void test_open_refuses_newer_and_uninitialised(void **state)
{
	fixture *f = *state;
	bc_fleet_store *other = NULL;
	bc_error err = {0};
	char empty[160];
	sqlite3 *db;
	snprintf(empty, sizeof(empty), "%s/empty.db", f->dir);
	assert_int_equal(bc_fleet_store_open(empty, false, &other, &err), BC_E_NOTFOUND);
	assert_int_equal(bc_fleet_store_open(empty, true, &other, NULL), BC_OK);
	bc_fleet_store_close(other);
	assert_int_equal(bc_fleet_store_open(empty, false, &other, &err), BC_E_NOTFOUND);
	assert_non_null(strstr(err.msg, "fleet init"));

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "INSERT INTO schema_version VALUES (99, 0)", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(bc_fleet_store_open(f->path, false, &other, &err), BC_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "version 99"));
	assert_int_equal(bc_fleet_store_migrate(f->store, NULL, &err), BC_E_UNSUPPORTED);
}

static void test_add_remove_add_again(void **state)
{
	fixture *f = *state;
	bc_fleet_machine *list = NULL, m;
	size_t count = 0;
	int64_t id = add(f, "m1:8400", 1, BC_FLEET_ADDED);
	add(f, "m2:8400", 2, BC_FLEET_ADDED);
	add(f, "m1:8400", 1, BC_FLEET_UNCHANGED);
	add(f, "m1:8400", 3, BC_FLEET_UPDATED);
	assert_int_equal(bc_fleet_store_find(f->store, "m1:8400", &m, NULL), BC_OK);
	assert_int_equal(m.ak_name[2], 3);
	assert_int_equal(m.ak_public_size, 100);
	assert_true(m.certified);

	assert_int_equal(bc_fleet_store_remove(f->store, "m1:8400", 2000, NULL), BC_OK);
	assert_int_equal(bc_fleet_store_remove(f->store, "m1:8400", 2000, NULL), BC_E_NOTFOUND);
	assert_int_equal(bc_fleet_store_list(f->store, false, &list, &count, NULL), BC_OK);
	assert_int_equal(count, 1);
	assert_string_equal(list[0].name, "m2:8400");
	free(list);
	assert_int_equal(bc_fleet_store_list(f->store, true, &list, &count, NULL), BC_OK);
	assert_int_equal(count, 2);
	assert_int_equal(list[0].removed_at, 2000);
	free(list);
	/* back with the same id, so with its history */
	assert_int_equal(add(f, "m1:8400", 3, BC_FLEET_READDED), id);
}

static bc_fleet_attestation attestation(int64_t machine, int64_t time, const char *verdict)
{
	bc_fleet_attestation a = {.machine_id = machine, .time = time};
	snprintf(a.verdict, sizeof(a.verdict), "%s", verdict);
	return a;
}

static void test_record_last_history(void **state)
{
	fixture *f = *state;
	int64_t id = add(f, "m1:8400", 1, BC_FLEET_ADDED), rid[3];
	bc_fleet_attestation a = attestation(id, 10, "pass"), last, *list = NULL;
	size_t count = 0;
	assert_int_equal(bc_fleet_store_last(f->store, id, &last, NULL), BC_E_NOTFOUND);
	a.has_clock_info = true;
	a.reset_count = 7;
	a.restart_count = UINT32_MAX;
	a.clock = UINT64_MAX; /* kept as its 64 bits */
	a.firmware_version = 0x8000000000000001u;
	a.has_duration = true;
	a.duration_ms = 1234;
	assert_int_equal(bc_fleet_store_record(f->store, &a, &rid[0], NULL), BC_OK);

	a = attestation(id, 20, "fail");
	snprintf(a.first_failing_check, sizeof(a.first_failing_check), "golden");
	a.detail = (char *)"event 12 differs";
	a.differing_events = (char *)"[{\"event\":12}]";
	a.flags = BC_FLEET_FLAG_REBOOT | BC_FLEET_FLAG_CHIP_CHANGED;
	a.has_duration = true; /* 0 ms: timed, not unknown */
	assert_int_equal(bc_fleet_store_record(f->store, &a, &rid[1], NULL), BC_OK);
	a = attestation(id, 20, "unreachable"); /* the same second: the later one is last */
	assert_int_equal(bc_fleet_store_record(f->store, &a, &rid[2], NULL), BC_OK);

	assert_int_equal(bc_fleet_store_last(f->store, id, &last, NULL), BC_OK);
	assert_int_equal(last.id, rid[2]);
	assert_string_equal(last.verdict, "unreachable");
	assert_false(last.has_clock_info);
	assert_null(last.detail);
	assert_false(last.has_duration);
	bc_fleet_attestation_clear(&last);

	assert_int_equal(bc_fleet_store_history(f->store, id, 0, &list, &count, NULL), BC_OK);
	assert_int_equal(count, 3);
	assert_int_equal(list[0].id, rid[2]);
	assert_int_equal(list[1].id, rid[1]);
	assert_string_equal(list[1].first_failing_check, "golden");
	assert_string_equal(list[1].detail, "event 12 differs");
	assert_string_equal(list[1].differing_events, "[{\"event\":12}]");
	assert_int_equal(list[1].flags, BC_FLEET_FLAG_REBOOT | BC_FLEET_FLAG_CHIP_CHANGED);
	assert_true(list[1].has_duration);
	assert_int_equal(list[1].duration_ms, 0);
	assert_int_equal(list[2].id, rid[0]);
	assert_true(list[2].has_clock_info);
	assert_int_equal(list[2].reset_count, 7);
	assert_int_equal(list[2].restart_count, UINT32_MAX);
	assert_true(list[2].clock == UINT64_MAX);
	assert_true(list[2].firmware_version == 0x8000000000000001u);
	assert_int_equal(list[2].flags, 0);
	assert_string_equal(list[2].first_failing_check, "");
	assert_true(list[2].has_duration);
	assert_int_equal(list[2].duration_ms, 1234);
	bc_fleet_attestations_free(list, count);

	assert_int_equal(bc_fleet_store_history(f->store, id, 2, &list, &count, NULL), BC_OK);
	assert_int_equal(count, 2);
	bc_fleet_attestations_free(list, count);
	a = attestation(id + 100, 30, "pass"); /* no such machine */
	assert_int_not_equal(bc_fleet_store_record(f->store, &a, NULL, NULL), BC_OK);
}

/* ---- logs ---- */

typedef struct seen_log {
	char name[BC_FLEET_NAME_MAX];
	bool has;
	int64_t attestation;
	uint8_t data[64];
	size_t size;
	char attested[64];
} seen_log;

typedef struct seen_logs {
	seen_log list[8];
	size_t count;
} seen_logs;

static void take_log(const bc_fleet_machine *m, const bc_fleet_attestation *a,
		     const bc_fleet_log *log, void *user)
{
	seen_logs *seen = user;
	assert_true(seen->count < 8);
	seen_log *s = &seen->list[seen->count++];
	snprintf(s->name, sizeof(s->name), "%s", m->name);
	s->has = a != NULL;
	assert_true((a == NULL) == (log == NULL));
	if (!a)
		return;
	assert_true(a->has_log);
	assert_memory_equal(a->log_sha256, log->sha256, 32);
	s->attestation = a->id;
	assert_true(log->size <= sizeof(s->data));
	memcpy(s->data, log->data, s->size = log->size);
	bc_pcr_selection_format(&log->attested, s->attested, sizeof(s->attested));
}

static const seen_log *seen_of(const seen_logs *seen, const char *name)
{
	for (size_t i = 0; i < seen->count; i++)
		if (!strcmp(seen->list[i].name, name))
			return &seen->list[i];
	fail_msg("%s: not seen", name);
	return NULL;
}

static int count_rows(fixture *f, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* A log that attested sha256 PCRs 0 and 8 (its bytes: any will do for the store). */
static bc_fleet_log make_log(const char *bytes)
{
	bc_fleet_log log = {.data = (const uint8_t *)bytes, .size = strlen(bytes)};
	assert_int_equal(bc_pcr_selection_parse("sha256:0,8", &log.attested, NULL), BC_OK);
	return log;
}

static void test_logs_stored_once_and_read_back(void **state)
{
	fixture *f = *state;
	int64_t m1 = add(f, "m1:8400", 1, BC_FLEET_ADDED),
		m2 = add(f, "m2:8400", 2, BC_FLEET_ADDED),
		m3 = add(f, "m3:8400", 3, BC_FLEET_ADDED), newest = 0;
	add(f, "m4:8400", 4, BC_FLEET_ADDED); /* never attested */
	bc_fleet_log same = make_log("a log of the fleet"), other = make_log("another");
	bc_fleet_attestation a = attestation(m1, 10, "pass"), last;
	seen_logs seen = {.count = 0};
	a.log = &same;
	assert_int_equal(bc_fleet_store_record(f->store, &a, NULL, NULL), BC_OK);
	a.machine_id = m2;
	assert_int_equal(bc_fleet_store_record(f->store, &a, NULL, NULL), BC_OK);
	a = attestation(m1, 20, "fail");
	a.log = &other;
	assert_int_equal(bc_fleet_store_record(f->store, &a, &newest, NULL), BC_OK);
	a = attestation(m1, 30, "error"); /* unreachable: no log; the one before is m1's */
	assert_int_equal(bc_fleet_store_record(f->store, &a, NULL, NULL), BC_OK);
	a = attestation(m3, 30, "error");
	assert_int_equal(bc_fleet_store_record(f->store, &a, NULL, NULL), BC_OK);
	assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM logs"), 2);

	assert_int_equal(bc_fleet_store_last(f->store, m1, &last, NULL), BC_OK);
	assert_false(last.has_log);
	assert_null(last.log);
	bc_fleet_attestation_clear(&last);

	assert_int_equal(bc_fleet_store_last_logs(f->store, take_log, &seen, NULL), BC_OK);
	assert_int_equal(seen.count, 4);
	const seen_log *s1 = seen_of(&seen, "m1:8400"), *s2 = seen_of(&seen, "m2:8400");
	assert_true(s1->has);
	assert_int_equal(s1->attestation, newest);
	assert_int_equal(s1->size, strlen("another"));
	assert_memory_equal(s1->data, "another", s1->size);
	assert_string_equal(s1->attested, "sha256:0,8");
	assert_true(s2->has);
	assert_memory_equal(s2->data, "a log of the fleet", s2->size);
	assert_false(seen_of(&seen, "m3:8400")->has);
	assert_false(seen_of(&seen, "m4:8400")->has);
	/* the machines without a log come last */
	assert_false(seen.list[2].has);
	assert_false(seen.list[3].has);
}

static void test_log_bytes_checked_against_their_hash(void **state)
{
	fixture *f = *state;
	int64_t m1 = add(f, "m1:8400", 1, BC_FLEET_ADDED);
	bc_fleet_log log = make_log("the log");
	bc_fleet_attestation a = attestation(m1, 10, "pass"), last;
	uint8_t *data = NULL, none[32] = {0};
	size_t size = 0;
	bc_error err = {0};
	sqlite3 *db;
	a.log = &log;
	assert_int_equal(bc_fleet_store_record(f->store, &a, NULL, NULL), BC_OK);
	assert_int_equal(bc_fleet_store_last(f->store, m1, &last, NULL), BC_OK);
	assert_true(last.has_log);
	assert_int_equal(bc_fleet_store_log_bytes(f->store, last.log_sha256, &data, &size, NULL),
			 BC_OK);
	assert_int_equal(size, 7);
	assert_memory_equal(data, "the log", 7);
	free(data);
	assert_int_equal(bc_fleet_store_log_bytes(f->store, none, &data, &size, &err),
			 BC_E_NOTFOUND);
	/* bytes changed behind the store's back are refused, not replayed */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "UPDATE logs SET data = 'dGhlIGxvZyE=', size = 8", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(bc_fleet_store_log_bytes(f->store, last.log_sha256, &data, &size, &err),
			 BC_E_FORMAT);
	assert_non_null(strstr(err.msg, "does not have that SHA-256"));
	bc_fleet_attestation_clear(&last);
}

/* A worker that rolled back a transaction that stored a log stores it again. */
static void test_log_stored_again_after_rollback(void **state)
{
	fixture *f = *state;
	int64_t m1 = add(f, "m1:8400", 1, BC_FLEET_ADDED);
	bc_fleet_log log = make_log("rolled back");
	bc_fleet_attestation a = attestation(m1, 10, "pass");
	bc_fleet_machine *leased = NULL;
	size_t count = 0;
	bool lost = false;
	a.log = &log;
	/* a conclude whose attestation cannot be stored (no verdict) rolls back */
	assert_int_equal(bc_fleet_store_lease(f->store, "w1", 0, 100, 10, &leased, &count, NULL),
			 BC_OK);
	free(leased);
	a.verdict[0] = 0;
	assert_int_not_equal(bc_fleet_store_conclude(f->store, &a, "w1", 50, NULL, &lost, NULL),
			     BC_OK);
	snprintf(a.verdict, sizeof(a.verdict), "pass");
	a.machine_id = m1 + 100; /* refused by the foreign key after the log was stored */
	assert_int_not_equal(bc_fleet_store_conclude(f->store, &a, "w1", 50, NULL, &lost, NULL),
			     BC_OK);
	assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM logs"), 0);
	a.machine_id = m1;
	assert_int_equal(bc_fleet_store_conclude(f->store, &a, "w1", 50, NULL, &lost, NULL), BC_OK);
	assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM logs"), 1);
	assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM attestations WHERE log_sha256 IS NOT "
				       "NULL AND attested_pcrs = 'sha256:0,8'"),
			 1);
}

/* A store of schema 1 (before logs were kept) migrates, its attestations kept. */
static void test_migrate_from_version_1(void **state)
{
	fixture *f = *state;
	int64_t m1 = add(f, "m1:8400", 1, BC_FLEET_ADDED);
	bc_fleet_attestation a = attestation(m1, 10, "pass"), last;
	int from = -1;
	sqlite3 *db;
	assert_int_equal(bc_fleet_store_record(f->store, &a, NULL, NULL), BC_OK);
	bc_fleet_store_close(f->store);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "DROP INDEX attestations_log;"
				      "ALTER TABLE attestations DROP COLUMN log_sha256;"
				      "ALTER TABLE attestations DROP COLUMN attested_pcrs;"
				      "DROP TABLE logs; ALTER TABLE machines DROP COLUMN keep_kind;"
				      "DELETE FROM schema_version WHERE version >= 2",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(bc_fleet_store_open(f->path, false, &f->store, NULL), BC_E_NOTFOUND);
	assert_int_equal(bc_fleet_store_open(f->path, true, &f->store, NULL), BC_OK);
	assert_int_equal(bc_fleet_store_migrate(f->store, &from, NULL), BC_OK);
	assert_int_equal(from, 1);
	assert_int_equal(bc_fleet_store_last(f->store, m1, &last, NULL), BC_OK);
	assert_string_equal(last.verdict, "pass");
	assert_false(last.has_log);
	bc_fleet_attestation_clear(&last);
	bc_fleet_log log = make_log("after");
	a.log = &log;
	assert_int_equal(bc_fleet_store_record(f->store, &a, NULL, NULL), BC_OK);
	assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM logs"), 1);
}

/* A record with a Keep: SEV-SNP with its chip id, or TDX (none). */
static bc_enrolment make_keep_record(const char *host, uint8_t seed, const char *kind)
{
	bc_enrolment rec = make_record(host, seed);
	rec.has_keep = true;
	snprintf(rec.keep_kind, sizeof(rec.keep_kind), "%s", kind);
	snprintf(rec.keep_provider, sizeof(rec.keep_provider), "%s",
		 strcmp(kind, BC_KEEP_KIND_TDX) ? "sev_guest" : "tdx_guest");
	if (bc_keep_kind_has_chip_id(kind))
		memset(rec.keep_chip_id, seed, sizeof(rec.keep_chip_id));
	return rec;
}

/* A Keep is remembered by its kind: TDX without a chip id, SEV-SNP with one. */
static void test_keep_kinds_stored(void **state)
{
	fixture *f = *state;
	bc_enrolment tdx = make_keep_record("td:8400", 1, BC_KEEP_KIND_TDX),
		     snp = make_keep_record("snp:8400", 2, BC_KEEP_KIND_SEV_SNP),
		     none = make_record("none:8400", 3);
	uint8_t chip[BC_CHIP_ID_SIZE];
	bc_fleet_add_result got;
	bc_fleet_machine m;
	assert_int_equal(bc_fleet_store_add(f->store, &tdx, 1000, &got, NULL), BC_OK);
	assert_int_equal(bc_fleet_store_add(f->store, &snp, 1000, &got, NULL), BC_OK);
	assert_int_equal(bc_fleet_store_add(f->store, &none, 1000, &got, NULL), BC_OK);
	assert_int_equal(bc_fleet_store_find(f->store, "td:8400", &m, NULL), BC_OK);
	assert_true(m.has_keep);
	assert_string_equal(m.keep_kind, BC_KEEP_KIND_TDX);
	assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM machines WHERE name = 'td:8400' "
				       "AND keep_chip_id IS NULL AND keep_kind = 'tdx'"),
			 1);
	assert_int_equal(bc_fleet_store_find(f->store, "snp:8400", &m, NULL), BC_OK);
	assert_true(m.has_keep);
	assert_string_equal(m.keep_kind, BC_KEEP_KIND_SEV_SNP);
	memset(chip, 2, sizeof(chip));
	assert_memory_equal(m.keep_chip_id, chip, sizeof(chip));
	assert_int_equal(bc_fleet_store_find(f->store, "none:8400", &m, NULL), BC_OK);
	assert_false(m.has_keep);
	/* a TDX machine enrolled again on SEV-SNP: the row is the new record's */
	snp = make_keep_record("td:8400", 1, BC_KEEP_KIND_SEV_SNP);
	assert_int_equal(bc_fleet_store_add(f->store, &snp, 2000, &got, NULL), BC_OK);
	assert_int_equal(got, BC_FLEET_UPDATED);
	assert_int_equal(bc_fleet_store_find(f->store, "td:8400", &m, NULL), BC_OK);
	assert_string_equal(m.keep_kind, BC_KEEP_KIND_SEV_SNP);
}

/* A store of schema 2 (Keeps by their chip id alone) migrates: a machine with a chip id
 * has an SEV-SNP Keep, one without has none. */
static void test_migrate_from_version_2(void **state)
{
	fixture *f = *state;
	bc_enrolment snp = make_keep_record("snp:8400", 2, BC_KEEP_KIND_SEV_SNP);
	bc_fleet_add_result got;
	bc_fleet_machine m;
	int from = -1;
	sqlite3 *db;
	assert_int_equal(bc_fleet_store_add(f->store, &snp, 1000, &got, NULL), BC_OK);
	add(f, "none:8400", 3, BC_FLEET_ADDED);
	bc_fleet_store_close(f->store);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "ALTER TABLE machines DROP COLUMN keep_kind;"
				      "DELETE FROM schema_version WHERE version = 3",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(bc_fleet_store_open(f->path, false, &f->store, NULL), BC_E_NOTFOUND);
	assert_int_equal(bc_fleet_store_open(f->path, true, &f->store, NULL), BC_OK);
	assert_int_equal(bc_fleet_store_migrate(f->store, &from, NULL), BC_OK);
	assert_int_equal(from, 2);
	assert_int_equal(bc_fleet_store_find(f->store, "snp:8400", &m, NULL), BC_OK);
	assert_true(m.has_keep);
	assert_string_equal(m.keep_kind, BC_KEEP_KIND_SEV_SNP);
	assert_int_equal(bc_fleet_store_find(f->store, "none:8400", &m, NULL), BC_OK);
	assert_false(m.has_keep);
}

static void add_machines(fixture *f, int n)
{
	char host[32];
	for (int i = 0; i < n; i++) {
		snprintf(host, sizeof(host), "m%d:8400", i);
		add(f, host, (uint8_t)i, BC_FLEET_ADDED);
	}
}

static bool contains(const bc_fleet_machine *list, size_t count, int64_t id)
{
	for (size_t i = 0; i < count; i++)
		if (list[i].id == id)
			return true;
	return false;
}

static void test_two_leases_never_share_a_machine(void **state)
{
	fixture *f = *state;
	bc_fleet_store *other = NULL;
	bc_fleet_machine *a = NULL, *b = NULL, *c = NULL;
	size_t na = 0, nb = 0, nc = 0;
	add_machines(f, 5);
	assert_int_equal(bc_fleet_store_open(f->path, false, &other, NULL), BC_OK);
	assert_int_equal(bc_fleet_store_lease(f->store, "A", 100, 160, 3, &a, &na, NULL), BC_OK);
	assert_int_equal(bc_fleet_store_lease(other, "B", 100, 160, 5, &b, &nb, NULL), BC_OK);
	assert_int_equal(na, 3);
	assert_int_equal(nb, 2);
	for (size_t i = 0; i < nb; i++)
		assert_false(contains(a, na, b[i].id));
	assert_int_equal(bc_fleet_store_lease(other, "C", 100, 160, 5, &c, &nc, NULL), BC_OK);
	assert_int_equal(nc, 0);
	/* a worker ends only its own leases */
	assert_int_equal(bc_fleet_store_complete(other, a[0].id, "B", 200, NULL), BC_E_NOTFOUND);
	assert_int_equal(bc_fleet_store_complete(f->store, a[0].id, "A", 200, NULL), BC_OK);
	assert_int_equal(bc_fleet_store_release(other, b[0].id, "B", NULL), BC_OK);
	/* released: due again at once; completed: not before 200 */
	free(c);
	assert_int_equal(bc_fleet_store_lease(other, "C", 110, 170, 5, &c, &nc, NULL), BC_OK);
	assert_int_equal(nc, 1);
	assert_int_equal(c[0].id, b[0].id);
	free(a);
	free(b);
	free(c);
	bc_fleet_store_close(other);
}

static void test_expired_lease_is_taken_over(void **state)
{
	fixture *f = *state;
	bc_fleet_machine *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	add_machines(f, 3);
	assert_int_equal(bc_fleet_store_remove(f->store, "m2:8400", 50, NULL), BC_OK);
	assert_int_equal(bc_fleet_store_lease(f->store, "A", 100, 160, 10, &a, &na, NULL), BC_OK);
	assert_int_equal(na, 2); /* not the removed machine */
	assert_int_equal(bc_fleet_store_lease(f->store, "B", 159, 200, 10, &b, &nb, NULL), BC_OK);
	assert_int_equal(nb, 0);
	assert_int_equal(bc_fleet_store_lease(f->store, "B", 160, 220, 10, &b, &nb, NULL), BC_OK);
	assert_int_equal(nb, 2); /* A died: its lease ran out at 160 */
	assert_int_equal(bc_fleet_store_complete(f->store, a[0].id, "A", 300, NULL), BC_E_NOTFOUND);
	assert_int_equal(bc_fleet_store_complete(f->store, b[0].id, "B", 300, NULL), BC_OK);
	free(a);
	free(b);
}

/* A round that began at 100 takes over, at the current time 102, a lease that ran out
 * at 102; until then it sees when the lease of a machine due in it ends. */
static void test_round_takes_over_a_lease_expired_since(void **state)
{
	fixture *f = *state;
	bc_fleet_machine *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	int64_t until = 0;
	add_machines(f, 3);
	assert_int_equal(bc_fleet_store_lease_expiry(f->store, 100, 200, &until, NULL),
			 BC_E_NOTFOUND); /* none leased */
	assert_int_equal(bc_fleet_store_lease(f->store, "A", 100, 102, 2, &a, &na, NULL), BC_OK);
	assert_int_equal(na, 2);
	assert_int_equal(bc_fleet_store_lease_expiry(f->store, 100, 105, &until, NULL), BC_OK);
	assert_int_equal(until, 102);
	/* only leases that end before the time given */
	assert_int_equal(bc_fleet_store_lease_expiry(f->store, 100, 102, &until, NULL),
			 BC_E_NOTFOUND);
	assert_int_equal(bc_fleet_store_lease_due(f->store, "B", 100, 101, 110, 5, &b, &nb, NULL),
			 BC_OK);
	assert_int_equal(nb, 1); /* A's are held until 102 */
	assert_int_equal(bc_fleet_store_complete(f->store, b[0].id, "B", 200, NULL), BC_OK);
	free(b);
	assert_int_equal(bc_fleet_store_lease_due(f->store, "B", 100, 102, 110, 5, &b, &nb, NULL),
			 BC_OK);
	assert_int_equal(nb, 2); /* due at the round's 100, expired at the current 102 */
	assert_true(contains(b, nb, a[0].id) && contains(b, nb, a[1].id));
	for (size_t i = 0; i < nb; i++)
		assert_int_equal(bc_fleet_store_complete(f->store, b[i].id, "B", 200, NULL), BC_OK);
	/* completed: no longer due in the round, nothing to wait for */
	assert_int_equal(bc_fleet_store_lease_expiry(f->store, 100, 200, &until, NULL),
			 BC_E_NOTFOUND);
	free(a);
	free(b);
}

/* Two processes, each its own connection, lease one machine at a time until none is
 * left: every machine is taken exactly once. */
static void lease_until_none(const char *path, const char *worker, int fd, int most)
{
	bc_fleet_store *store = NULL;
	if (bc_fleet_store_open(path, false, &store, NULL) != BC_OK)
		_exit(2);
	for (;;) {
		bc_fleet_machine *m = NULL;
		size_t n = 0;
		if (bc_fleet_store_lease(store, worker, 100, 1000, 1, &m, &n, NULL) != BC_OK)
			_exit(3);
		if (n == 0)
			break;
		if (most-- == 0) /* a machine taken again and again: fail, do not hang */
			_exit(5);
		if (write(fd, &m[0].id, sizeof(m[0].id)) != sizeof(m[0].id))
			_exit(4);
		free(m);
	}
	bc_fleet_store_close(store);
	_exit(0);
}

static void test_concurrent_workers_take_each_machine_once(void **state)
{
	fixture *f = *state;
	enum { MACHINES = 40 };
	int fds[2], status, seen[MACHINES + 1] = {0};
	pid_t pids[2];
	int64_t id;
	add_machines(f, MACHINES);
	assert_int_equal(pipe(fds), 0);
	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(fds[0]);
			lease_until_none(f->path, i ? "B" : "A", fds[1], MACHINES);
		}
	}
	close(fds[1]);
	size_t total = 0;
	while (read(fds[0], &id, sizeof(id)) == sizeof(id)) {
		assert_true(id >= 1 && id <= MACHINES);
		seen[id]++;
		total++;
	}
	close(fds[0]);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(total, MACHINES);
	for (int i = 1; i <= MACHINES; i++)
		assert_int_equal(seen[i], 1);
}

typedef struct seen_latest {
	int64_t machine[4], attestation[4]; /* attestation: 0 for none */
	size_t count;
} seen_latest;

static void note_latest(int64_t machine_id, bc_fleet_attestation *a, void *user)
{
	seen_latest *seen = user;
	assert_true(seen->count < 4);
	seen->machine[seen->count] = machine_id;
	seen->attestation[seen->count++] = a ? a->id : 0;
	if (a)
		bc_fleet_attestation_clear(a);
}

static int64_t latest_of(const seen_latest *seen, int64_t machine_id)
{
	for (size_t i = 0; i < seen->count; i++)
		if (seen->machine[i] == machine_id)
			return seen->attestation[i];
	fail_msg("machine %lld not in the lease", (long long)machine_id);
	return -1;
}

/* The batch look-up gives what bc_fleet_store_last and _last_quoted give one by one, for
 * the machines of that one lease only. */
static void test_latest_of_lease(void **state)
{
	fixture *f = *state;
	bc_fleet_machine *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	int64_t quoted_id, last_id, other_id;
	add_machines(f, 3);
	assert_int_equal(bc_fleet_store_lease(f->store, "A", 100, 160, 2, &a, &na, NULL), BC_OK);
	assert_int_equal(bc_fleet_store_lease(f->store, "A", 100, 170, 1, &b, &nb, NULL), BC_OK);
	assert_int_equal(na, 2);
	bc_fleet_attestation att = attestation(a[0].id, 10, "pass");
	att.has_clock_info = true;
	assert_int_equal(bc_fleet_store_record(f->store, &att, &quoted_id, NULL), BC_OK);
	att = attestation(a[0].id, 20, "unreachable"); /* newer, without a quote */
	assert_int_equal(bc_fleet_store_record(f->store, &att, &last_id, NULL), BC_OK);
	att = attestation(b[0].id, 30, "pass"); /* another lease's machine */
	assert_int_equal(bc_fleet_store_record(f->store, &att, &other_id, NULL), BC_OK);

	seen_latest last = {0}, quoted = {0}, none = {0};
	assert_int_equal(
	    bc_fleet_store_latest_of_lease(f->store, "A", 160, false, note_latest, &last, NULL),
	    BC_OK);
	assert_int_equal(
	    bc_fleet_store_latest_of_lease(f->store, "A", 160, true, note_latest, &quoted, NULL),
	    BC_OK);
	assert_int_equal(last.count, 2);
	assert_int_equal(latest_of(&last, a[0].id), last_id);
	assert_int_equal(latest_of(&last, a[1].id), 0);
	assert_int_equal(quoted.count, 2);
	assert_int_equal(latest_of(&quoted, a[0].id), quoted_id);
	assert_int_equal(latest_of(&quoted, a[1].id), 0);
	/* another worker's name, or a lease's end that is not this one: no machine */
	assert_int_equal(
	    bc_fleet_store_latest_of_lease(f->store, "B", 160, false, note_latest, &none, NULL),
	    BC_OK);
	assert_int_equal(
	    bc_fleet_store_latest_of_lease(f->store, "A", 161, false, note_latest, &none, NULL),
	    BC_OK);
	assert_int_equal(none.count, 0);
	free(a);
	free(b);
}

static void test_url_forms(void **state)
{
	fixture *f = *state;
	bc_fleet_store *other = NULL;
	bc_error err = {0};
	char url[160];
	snprintf(url, sizeof(url), "sqlite:%s", f->path);
	assert_int_equal(bc_fleet_store_open(url, false, &other, NULL), BC_OK);
	assert_string_equal(bc_fleet_store_name(other), f->path);
	bc_fleet_store_close(other);
	assert_int_equal(bc_fleet_store_open("mysql://x/y", false, &other, &err), BC_E_INVALID);
	/* a connection that fails names the server without the password */
	assert_int_not_equal(
	    bc_fleet_store_open("postgresql://u:secret@127.0.0.1:1/db", false, &other, &err),
	    BC_OK);
	assert_null(strstr(err.msg, "secret"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_migrate_twice_is_up_to_date, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_refuses_newer_and_uninitialised, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_add_remove_add_again, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_record_last_history, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_logs_stored_once_and_read_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_log_bytes_checked_against_their_hash, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_log_stored_again_after_rollback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migrate_from_version_1, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migrate_from_version_2, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_keep_kinds_stored, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_two_leases_never_share_a_machine, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expired_lease_is_taken_over, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_takes_over_a_lease_expired_since, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_workers_take_each_machine_once, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_latest_of_lease, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_url_forms, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
