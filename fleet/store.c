/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fleet store (include/bootchain/fleet.h): the schema and its migrations, and every
 * statement, written once for both backends (fleet/store-internal.h). Data is always
 * bound as a parameter; the only text put into a statement is our own (the key column
 * type and FOR UPDATE SKIP LOCKED of a backend).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <bootchain/fleet.h>

#include "fleet/store-internal.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/hex.h"
#include "util/json.h"

/* Logs this connection has stored or seen stored: a round of a fleet that boots the
 * same few logs then adds no statement per machine for its log. A few dozen cover the
 * boots of a fleet; past that the oldest is forgotten (and stored again when it comes
 * back: ON CONFLICT makes that harmless). */
#define KNOWN_LOGS 64

struct bc_fleet_store {
	const store_backend *be;
	void *db;
	char display[256]; /* the store in messages: a path, or a URL without its password */
	uint8_t known_logs[KNOWN_LOGS][SHA256_DIGEST_LENGTH];
	size_t known_count, known_next;
};

/* ---- rows ---- */

bool sql_rows_push(sql_rows *r, const char *value, size_t len)
{
	if (r->used == r->room) {
		size_t room = r->room ? 2 * r->room : 64;
		char **cells = realloc(r->cells, room * sizeof(*cells));
		if (!cells)
			return false;
		r->cells = cells;
		r->room = room;
	}
	char *copy = NULL;
	if (value && !(copy = strndup(value, len)))
		return false;
	r->cells[r->used++] = copy;
	r->rows = r->cols ? r->used / r->cols : 0;
	return true;
}

void sql_rows_free(sql_rows *r)
{
	for (size_t i = 0; i < r->used; i++)
		free(r->cells[i]);
	free(r->cells);
	*r = (sql_rows){0};
}

const char *sql_cell(const sql_rows *r, size_t row, size_t col)
{
	return r->cells[row * r->cols + col];
}

static bool cell_int(const sql_rows *r, size_t row, size_t col, int64_t *out)
{
	const char *s = sql_cell(r, row, col);
	char *end;
	if (!s) {
		*out = 0;
		return true;
	}
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return false;
	*out = v;
	return true;
}

static bool cell_hex(const sql_rows *r, size_t row, size_t col, uint8_t *out, size_t max,
		     size_t *len)
{
	const char *s = sql_cell(r, row, col);
	size_t n = 0;
	if (!s) {
		if (len)
			*len = 0;
		return len != NULL; /* a fixed-size value (the chip id) is never NULL */
	}
	if (!bc_hex_decode(s, strlen(s), out, max, &n) || (!len && n != max))
		return false;
	if (len)
		*len = n;
	return true;
}

static bool cell_text(const sql_rows *r, size_t row, size_t col, char *out, size_t size)
{
	const char *s = sql_cell(r, row, col);
	return (size_t)snprintf(out, size, "%s", s ? s : "") < size;
}

/* A hex string of data, malloc'd (NULL: out of memory). */
static char *hex_dup(const uint8_t *data, size_t len)
{
	char *hex = malloc(2 * len + 1);
	return hex ? bc_hex_encode(data, len, hex) : NULL;
}

static bc_status query(bc_fleet_store *st, const char *sql, const sql_param *params, size_t count,
		       sql_rows *rows, bc_error *err)
{
	return st->be->query(st->db, sql, params, count, rows, err);
}

/* ---- opening ---- */

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* postgresql://user:secret@host/db -> postgresql://host/db: no password in a message. */
static void display_url(const char *url, char *out, size_t size)
{
	const char *scheme_end = strstr(url, "://"), *at, *slash;
	if (!scheme_end) {
		snprintf(out, size, "%s", url);
		return;
	}
	const char *auth = scheme_end + 3;
	at = strchr(auth, '@');
	slash = strchr(auth, '/');
	if (at && (!slash || at < slash))
		snprintf(out, size, "%.*s%s", (int)(auth - url), url, at + 1);
	else
		snprintf(out, size, "%s", url);
	char *query_part = strchr(out, '?'); /* password=... may be there too */
	if (query_part)
		*query_part = 0;
}

static void store_free(bc_fleet_store *st)
{
	if (!st)
		return;
	if (st->db)
		st->be->close(st->db);
	free(st);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(bc_fleet_store *, store_free)

void bc_fleet_store_close(bc_fleet_store *store)
{
	store_free(store);
}

const char *bc_fleet_store_name(const bc_fleet_store *store)
{
	return store->display;
}

bc_status bc_fleet_store_version(bc_fleet_store *st, int *version, bc_error *err)
{
	_cleanup_(sql_rows_free) sql_rows exists = {0}, max = {0};
	sql_param name = SQL_S("schema_version");
	int64_t v = 0;
	*version = 0;
	bc_status s = query(st, st->be->table_exists, &name, 1, &exists, err);
	if (s != BC_OK)
		return s;
	if (exists.rows != 1 || !cell_int(&exists, 0, 0, &v))
		return bc_fail(err, BC_E_FORMAT, "%s: cannot tell whether the store is initialised",
			       st->display);
	if (v == 0)
		return BC_OK;
	s = query(st, "SELECT MAX(version) FROM schema_version", NULL, 0, &max, err);
	if (s == BC_OK && (max.rows != 1 || !cell_int(&max, 0, 0, &v) || v < 0 || v > 1000000))
		s = bc_fail(err, BC_E_FORMAT, "%s: the schema_version table makes no sense",
			    st->display);
	if (s == BC_OK)
		*version = (int)v;
	return s;
}

static bc_status refuse_newer(const bc_fleet_store *st, int version, bc_error *err)
{
	return bc_fail(err, BC_E_UNSUPPORTED,
		       "%s: the store's schema is version %d, newer than this bootchain's (%d): "
		       "use a newer bootchain; the store is left as it is",
		       st->display, version, BC_FLEET_SCHEMA_VERSION);
}

/* Every command but init needs a store that init made, of this code's schema. */
static bc_status check_current(bc_fleet_store *st, bc_error *err)
{
	int version = 0;
	bc_status s = bc_fleet_store_version(st, &version, err);
	if (s != BC_OK)
		return s;
	if (version == 0)
		return bc_fail(err, BC_E_NOTFOUND,
			       "%s: not a fleet store yet: make it with `bootchain fleet init`",
			       st->display);
	if (version < BC_FLEET_SCHEMA_VERSION)
		return bc_fail(err, BC_E_NOTFOUND,
			       "%s: the store's schema is version %d, this bootchain's is %d: "
			       "migrate it with `bootchain fleet init`",
			       st->display, version, BC_FLEET_SCHEMA_VERSION);
	if (version > BC_FLEET_SCHEMA_VERSION)
		return refuse_newer(st, version, err);
	return BC_OK;
}

bc_status bc_fleet_store_open(const char *url, bool create, bc_fleet_store **out, bc_error *err)
{
	_cleanup_(store_freep) bc_fleet_store *st = calloc(1, sizeof(*st));
	const char *target = url;
	*out = NULL;
	if (!st)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (starts_with(url, "postgresql://") || starts_with(url, "postgres://")) {
		st->be = &bc_store_pg;
		display_url(url, st->display, sizeof(st->display));
	} else {
		if (starts_with(url, "sqlite:"))
			target = url + strlen("sqlite:");
		else if (strstr(url, "://"))
			return bc_fail(err, BC_E_INVALID,
				       "%.64s: not a store URL: a path, sqlite:/path, or "
				       "postgresql://...",
				       url);
		st->be = &bc_store_sqlite;
		snprintf(st->display, sizeof(st->display), "%s", target);
	}
	bc_status s = st->be->open(target, create, &st->db, err);
	if (s == BC_OK && !create)
		s = check_current(st, err);
	if (s == BC_OK)
		*out = TAKE_PTR(st);
	return s;
}

/* ---- the schema ---- */

/* Migration n takes the schema from version n - 1 to n. Never change one that has been
 * released: add the next. @ID@ is the backend's auto-numbered key column. Binary values
 * are hex, booleans 0 or 1, times Unix seconds: the same on both backends. */
static const char *const migrations[] = {
    NULL,
    /* 1: machines, with the lease of fleet run; attestations */
    "CREATE TABLE machines ("
    " id @ID@,"
    " name TEXT NOT NULL UNIQUE,"
    " url TEXT NOT NULL,"
    " ak_name TEXT NOT NULL,"
    " ak_public TEXT NOT NULL,"
    " ek_public TEXT NOT NULL,"
    " keep_chip_id TEXT,"
    " enrolment TEXT NOT NULL,"
    " certified INTEGER NOT NULL,"
    " added_at BIGINT NOT NULL,"
    " removed_at BIGINT,"
    " next_due BIGINT NOT NULL DEFAULT 0,"
    " lease_worker TEXT,"
    " lease_until BIGINT);"
    "CREATE INDEX machines_ak_name ON machines (ak_name);"
    "CREATE INDEX machines_due ON machines (next_due) WHERE removed_at IS NULL;"
    "CREATE TABLE attestations ("
    " id @ID@,"
    " machine_id BIGINT NOT NULL REFERENCES machines (id),"
    " attested_at BIGINT NOT NULL,"
    " verdict TEXT NOT NULL,"
    " first_failing_check TEXT,"
    " detail TEXT,"
    " differing_events TEXT,"
    " reset_count BIGINT,"
    " restart_count BIGINT,"
    " clock BIGINT,"
    " firmware_version BIGINT,"
    " reboot INTEGER NOT NULL DEFAULT 0,"
    " clock_back INTEGER NOT NULL DEFAULT 0,"
    " rollback INTEGER NOT NULL DEFAULT 0,"
    " ak_changed INTEGER NOT NULL DEFAULT 0,"
    " chip_changed INTEGER NOT NULL DEFAULT 0,"
    " ak_name TEXT,"
    " keep_chip_id TEXT,"
    " duration_ms BIGINT);"
    "CREATE INDEX attestations_machine ON attestations (machine_id, attested_at, id);",
    /* 2: the event log of each attestation's evidence (for fleet whatif), stored once by
     * its SHA-256 (base64), with the pairs it attested (their quoted values are its
     * replay) */
    "CREATE TABLE logs ("
    " sha256 TEXT PRIMARY KEY,"
    " size BIGINT NOT NULL,"
    " data TEXT NOT NULL);"
    "ALTER TABLE attestations ADD COLUMN log_sha256 TEXT REFERENCES logs (sha256);"
    "ALTER TABLE attestations ADD COLUMN attested_pcrs TEXT;"
    "CREATE INDEX attestations_log ON attestations (machine_id, attested_at, id) "
    "WHERE log_sha256 IS NOT NULL;",
    /* 3: the kind of a machine's Keep ("sev-snp", "tdx"), which a Keep without a chip id
     * (TDX) needs to be remembered at all; the Keeps stored before kinds are SEV-SNP */
    "ALTER TABLE machines ADD COLUMN keep_kind TEXT;"
    "UPDATE machines SET keep_kind = 'sev-snp' WHERE keep_chip_id IS NOT NULL;",
};

/* The migration's text with @ID@ replaced by the backend's key column; malloc'd. */
static char *migration_text(const char *sql, const char *id_column)
{
	bc_buf out;
	bc_buf_init(&out, 1 << 20);
	for (const char *p = sql, *at; *p; p = at + 4) {
		if (!(at = strstr(p, "@ID@"))) {
			bc_buf_puts(&out, p);
			break;
		}
		bc_buf_append(&out, p, (size_t)(at - p));
		bc_buf_puts(&out, id_column);
	}
	bc_buf_str(&out);
	if (out.failed) {
		bc_buf_free(&out);
		return NULL;
	}
	return (char *)out.data; /* NUL-terminated by bc_buf_str */
}

static bc_status apply_migrations(bc_fleet_store *st, int from, bc_error *err)
{
	bc_status s = BC_OK;
	for (int v = from + 1; s == BC_OK && v <= BC_FLEET_SCHEMA_VERSION; v++) {
		_cleanup_free_ char *sql = migration_text(migrations[v], st->be->id_column);
		if (!sql)
			return bc_fail(err, BC_E_NOMEM, "out of memory");
		s = st->be->exec_script(st->db, sql, err);
		if (s != BC_OK)
			return bc_fail(err, s, "%s: migration %d: %s", st->display, v,
				       bc_error_message(err));
		sql_param p[] = {SQL_I(v), SQL_I((int64_t)time(NULL))};
		s = query(st, "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)", p,
			  ELEMENTSOF(p), NULL, err);
	}
	return s;
}

bc_status bc_fleet_store_migrate(bc_fleet_store *st, int *from, bc_error *err)
{
	int version = 0;
	bc_status s = st->be->begin(st->db, true, err);
	if (s != BC_OK)
		return s;
	if (st->be->migration_lock)
		s = query(st, st->be->migration_lock, NULL, 0, NULL, err);
	if (s == BC_OK)
		s = st->be->exec_script(st->db,
					"CREATE TABLE IF NOT EXISTS schema_version ("
					" version INTEGER PRIMARY KEY,"
					" applied_at BIGINT NOT NULL)",
					err);
	if (s == BC_OK)
		s = bc_fleet_store_version(st, &version, err);
	if (s == BC_OK && version > BC_FLEET_SCHEMA_VERSION)
		s = refuse_newer(st, version, err);
	if (s == BC_OK)
		s = apply_migrations(st, version, err);
	if (s == BC_OK)
		s = st->be->commit(st->db, err);
	if (s != BC_OK) {
		st->be->rollback(st->db);
		return s;
	}
	if (from)
		*from = version;
	return BC_OK;
}

/* ---- machines ---- */

#define MACHINE_COLUMNS                                                                     \
	"id, name, url, certified, ak_name, ak_public, ek_public, keep_chip_id, added_at, " \
	"removed_at, next_due, keep_kind"

static bc_status machine_from_row(const bc_fleet_store *st, const sql_rows *r, size_t row,
				  bc_fleet_machine *m, bc_error *err)
{
	int64_t certified = 0;
	*m = (bc_fleet_machine){.id = 0};
	const char *name = sql_cell(r, row, 1);
	bool ok = cell_int(r, row, 0, &m->id) && cell_text(r, row, 1, m->name, sizeof(m->name)) &&
		  cell_text(r, row, 2, m->url, sizeof(m->url)) && cell_int(r, row, 3, &certified) &&
		  cell_hex(r, row, 4, m->ak_name, sizeof(m->ak_name), &m->ak_name_size) &&
		  cell_hex(r, row, 5, m->ak_public, sizeof(m->ak_public), &m->ak_public_size) &&
		  cell_hex(r, row, 6, m->ek_public, sizeof(m->ek_public), &m->ek_public_size) &&
		  cell_int(r, row, 8, &m->added_at) && cell_int(r, row, 9, &m->removed_at) &&
		  cell_int(r, row, 10, &m->next_due);
	m->certified = certified != 0;
	m->has_keep = sql_cell(r, row, 11) != NULL; /* a Keep has a kind, not always a chip */
	if (ok && m->has_keep)
		ok = cell_text(r, row, 11, m->keep_kind, sizeof(m->keep_kind)) &&
		     bc_keep_kind_has_chip_id(m->keep_kind) == (sql_cell(r, row, 7) != NULL);
	if (ok && sql_cell(r, row, 7))
		ok = m->has_keep &&
		     cell_hex(r, row, 7, m->keep_chip_id, sizeof(m->keep_chip_id), NULL);
	if (!ok)
		return bc_fail(err, BC_E_FORMAT, "%s: machine \"%.64s\": a column is malformed",
			       st->display, name ? name : "?");
	return BC_OK;
}

static bc_status machines_from_rows(const bc_fleet_store *st, const sql_rows *r,
				    bc_fleet_machine **out, size_t *count, bc_error *err)
{
	*out = NULL;
	*count = 0;
	if (r->rows == 0)
		return BC_OK;
	_cleanup_free_ bc_fleet_machine *list = calloc(r->rows, sizeof(*list));
	if (!list)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < r->rows; i++) {
		bc_status s = machine_from_row(st, r, i, &list[i], err);
		if (s != BC_OK)
			return s;
	}
	*out = TAKE_PTR(list);
	*count = r->rows;
	return BC_OK;
}

/* The columns of a machine that come from its record, hex-encoded; freed by
 * record_columns_free. */
typedef struct record_columns {
	char *ak_name, *ak_public, *ek_public, *chip_id, *json;
} record_columns;

static void record_columns_free(record_columns *c)
{
	free(c->ak_name);
	free(c->ak_public);
	free(c->ek_public);
	free(c->chip_id);
	free(c->json);
}

static bc_status record_columns_make(const bc_enrolment *rec, record_columns *c, bc_error *err)
{
	size_t size = 0;
	bc_status s = bc_enrolment_to_json(rec, &c->json, &size, err);
	if (s != BC_OK)
		return s;
	c->ak_name = hex_dup(rec->ak_name, rec->ak_name_size);
	c->ak_public = hex_dup(rec->ak_public, rec->ak_public_size);
	c->ek_public = hex_dup(rec->ek_public, rec->ek_public_size);
	bool chip = rec->has_keep && bc_keep_kind_has_chip_id(rec->keep_kind);
	if (chip)
		c->chip_id = hex_dup(rec->keep_chip_id, sizeof(rec->keep_chip_id));
	if (!c->ak_name || !c->ak_public || !c->ek_public || (chip && !c->chip_id))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	return BC_OK;
}

/* Inserted new, or the row of that name made this record's: in the fleet again and due
 * at once, its lease gone (a new AK deserves a fresh look). */
static bc_status write_machine(bc_fleet_store *st, const bc_enrolment *rec, const record_columns *c,
			       int64_t now, bool insert, bool readd, bc_error *err)
{
	static const char insert_sql[] =
	    "INSERT INTO machines (name, url, ak_name, ak_public, ek_public, keep_chip_id, "
	    "enrolment, certified, added_at, keep_kind) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
	static const char update_sql[] =
	    "UPDATE machines SET url = $2, ak_name = $3, ak_public = $4, ek_public = $5, "
	    "keep_chip_id = $6, keep_kind = $10, enrolment = $7, certified = $8, "
	    "added_at = CASE WHEN $11 = 1 THEN $9 ELSE added_at END, removed_at = NULL, "
	    "next_due = 0, lease_worker = NULL, lease_until = NULL WHERE name = $1";
	sql_param p[] = {
	    SQL_S(rec->host),	  SQL_S(rec->url),
	    SQL_S(c->ak_name),	  SQL_S(c->ak_public),
	    SQL_S(c->ek_public),  SQL_S(c->chip_id),
	    SQL_S(c->json),	  SQL_I(rec->certified ? 1 : 0),
	    SQL_I(now),		  SQL_S(rec->has_keep ? rec->keep_kind : NULL),
	    SQL_I(readd ? 1 : 0),
	};
	return query(st, insert ? insert_sql : update_sql, p, insert ? 10 : 11, NULL, err);
}

bc_status bc_fleet_store_add(bc_fleet_store *st, const bc_enrolment *rec, int64_t now,
			     bc_fleet_add_result *result, bc_error *err)
{
	_cleanup_(record_columns_free) record_columns c = {0};
	_cleanup_(sql_rows_free) sql_rows r = {0};
	if (!rec->host[0] || strlen(rec->host) >= BC_FLEET_NAME_MAX)
		return bc_fail(err, BC_E_INVALID, "the record's host is empty or too long");
	bc_status s = record_columns_make(rec, &c, err);
	if (s != BC_OK || (s = st->be->begin(st->db, true, err)) != BC_OK)
		return s;
	sql_param name = SQL_S(rec->host);
	s = query(st, "SELECT removed_at, enrolment FROM machines WHERE name = $1", &name, 1, &r,
		  err);
	if (s == BC_OK) {
		bool found = r.rows == 1, removed = found && sql_cell(&r, 0, 0);
		const char *stored = found ? sql_cell(&r, 0, 1) : NULL;
		*result = !found			      ? BC_FLEET_ADDED
			  : removed			      ? BC_FLEET_READDED
			  : stored && !strcmp(stored, c.json) ? BC_FLEET_UNCHANGED
							      : BC_FLEET_UPDATED;
		if (*result != BC_FLEET_UNCHANGED)
			s = write_machine(st, rec, &c, now, !found, removed, err);
	}
	if (s == BC_OK)
		s = st->be->commit(st->db, err);
	if (s != BC_OK)
		st->be->rollback(st->db);
	return s;
}

bc_status bc_fleet_store_remove(bc_fleet_store *st, const char *name, int64_t now, bc_error *err)
{
	_cleanup_(sql_rows_free) sql_rows r = {0};
	sql_param p[] = {SQL_S(name), SQL_I(now)};
	bc_status s =
	    query(st,
		  "UPDATE machines SET removed_at = $2, lease_worker = NULL, "
		  "lease_until = NULL WHERE name = $1 AND removed_at IS NULL RETURNING id",
		  p, ELEMENTSOF(p), &r, err);
	if (s == BC_OK && r.rows == 0)
		s = bc_fail(err, BC_E_NOTFOUND, "%.64s: no machine of that name in the fleet",
			    name);
	return s;
}

bc_status bc_fleet_store_find(bc_fleet_store *st, const char *name, bc_fleet_machine *out,
			      bc_error *err)
{
	_cleanup_(sql_rows_free) sql_rows r = {0};
	sql_param p = SQL_S(name);
	bc_status s =
	    query(st, "SELECT " MACHINE_COLUMNS " FROM machines WHERE name = $1", &p, 1, &r, err);
	if (s == BC_OK && r.rows == 0)
		return bc_fail(err, BC_E_NOTFOUND, "%.64s: no machine of that name", name);
	return s == BC_OK ? machine_from_row(st, &r, 0, out, err) : s;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const bc_fleet_machine *)a)->name, ((const bc_fleet_machine *)b)->name);
}

bc_status bc_fleet_store_list(bc_fleet_store *st, bool with_removed, bc_fleet_machine **out,
			      size_t *count, bc_error *err)
{
	_cleanup_(sql_rows_free) sql_rows r = {0};
	*out = NULL;
	*count = 0;
	bc_status s = query(st,
			    with_removed ? "SELECT " MACHINE_COLUMNS " FROM machines ORDER BY name"
					 : "SELECT " MACHINE_COLUMNS " FROM machines "
					   "WHERE removed_at IS NULL ORDER BY name",
			    NULL, 0, &r, err);
	if (s == BC_OK)
		s = machines_from_rows(st, &r, out, count, err);
	/* sorted here: the servers' collations differ, byte order does not */
	if (s == BC_OK && *count > 1)
		qsort(*out, *count, sizeof(**out), by_name);
	return s;
}

/* ---- attestations ---- */

#define ATTESTATION_COLUMNS_OF(t)                                                               \
	t "id, " t "machine_id, " t "attested_at, " t "verdict, " t "first_failing_check, " t   \
	  "detail, " t "differing_events, " t "reset_count, " t "restart_count, " t "clock, " t \
	  "firmware_version, " t "reboot, " t "clock_back, " t "rollback, " t "ak_changed, " t  \
	  "chip_changed, " t "ak_name, " t "keep_chip_id, " t "duration_ms, " t "log_sha256"
#define ATTESTATION_COLUMNS	 ATTESTATION_COLUMNS_OF("")
#define ATTESTATION_COLUMN_COUNT 20

/* The flag columns, in the order of ATTESTATION_COLUMNS from column 11. */
static const unsigned flag_columns[] = {
    BC_FLEET_FLAG_REBOOT,     BC_FLEET_FLAG_CLOCK_BACK,	  BC_FLEET_FLAG_ROLLBACK,
    BC_FLEET_FLAG_AK_CHANGED, BC_FLEET_FLAG_CHIP_CHANGED,
};

void bc_fleet_attestation_clear(bc_fleet_attestation *a)
{
	if (!a)
		return;
	free(a->detail);
	free(a->differing_events);
	a->detail = a->differing_events = NULL;
}

void bc_fleet_attestations_free(bc_fleet_attestation *list, size_t count)
{
	for (size_t i = 0; list && i < count; i++)
		bc_fleet_attestation_clear(&list[i]);
	free(list);
}

static bool cell_dup(const sql_rows *r, size_t row, size_t col, char **out)
{
	const char *s = sql_cell(r, row, col);
	*out = s ? strdup(s) : NULL;
	return !s || *out;
}

static bc_status attestation_from_row(const bc_fleet_store *st, const sql_rows *r, size_t row,
				      bc_fleet_attestation *a, bc_error *err)
{
	int64_t reset = 0, restart = 0, clock = 0, firmware = 0, flag = 0, duration = 0;
	*a = (bc_fleet_attestation){.id = 0};
	bool ok = cell_int(r, row, 0, &a->id) && cell_int(r, row, 1, &a->machine_id) &&
		  cell_int(r, row, 2, &a->time) &&
		  cell_text(r, row, 3, a->verdict, sizeof(a->verdict)) &&
		  cell_text(r, row, 4, a->first_failing_check, sizeof(a->first_failing_check)) &&
		  cell_int(r, row, 7, &reset) && cell_int(r, row, 8, &restart) &&
		  cell_int(r, row, 9, &clock) && cell_int(r, row, 10, &firmware) && reset >= 0 &&
		  reset <= UINT32_MAX && restart >= 0 && restart <= UINT32_MAX;
	a->has_clock_info = sql_cell(r, row, 9) != NULL;
	a->reset_count = (uint32_t)reset;
	a->restart_count = (uint32_t)restart;
	a->clock = (uint64_t)clock;
	a->firmware_version = (uint64_t)firmware;
	for (size_t i = 0; ok && i < ELEMENTSOF(flag_columns); i++) {
		ok = cell_int(r, row, 11 + i, &flag);
		if (flag)
			a->flags |= flag_columns[i];
	}
	a->has_keep_chip = sql_cell(r, row, 17) != NULL;
	ok = ok && cell_hex(r, row, 16, a->ak_name, sizeof(a->ak_name), &a->ak_name_size) &&
	     (!a->has_keep_chip ||
	      cell_hex(r, row, 17, a->keep_chip_id, sizeof(a->keep_chip_id), NULL)) &&
	     cell_int(r, row, 18, &duration) && duration >= 0;
	a->has_duration = sql_cell(r, row, 18) != NULL;
	a->duration_ms = (uint64_t)duration;
	a->has_log = sql_cell(r, row, 19) != NULL;
	ok =
	    ok && (!a->has_log || cell_hex(r, row, 19, a->log_sha256, sizeof(a->log_sha256), NULL));
	if (!ok)
		return bc_fail(err, BC_E_FORMAT,
			       "%s: attestation %" PRId64 ": a column is malformed", st->display,
			       a->id);
	if (!cell_dup(r, row, 5, &a->detail) || !cell_dup(r, row, 6, &a->differing_events)) {
		bc_fleet_attestation_clear(a);
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	}
	return BC_OK;
}

/* ---- logs ---- */

void bc_fleet_log_clear(bc_fleet_log *log)
{
	if (!log)
		return;
	free((void *)log->data);
	log->data = NULL;
	log->size = 0;
}

static bool log_known(const bc_fleet_store *st, const uint8_t *sha256)
{
	for (size_t i = 0; i < st->known_count; i++)
		if (!memcmp(st->known_logs[i], sha256, SHA256_DIGEST_LENGTH))
			return true;
	return false;
}

static void log_remember(bc_fleet_store *st, const uint8_t *sha256)
{
	memcpy(st->known_logs[st->known_next], sha256, SHA256_DIGEST_LENGTH);
	st->known_next = (st->known_next + 1) % KNOWN_LOGS;
	if (st->known_count < KNOWN_LOGS)
		st->known_count++;
}

/* A transaction that stored logs was rolled back: they may be gone. */
static void logs_forget(bc_fleet_store *st)
{
	st->known_count = st->known_next = 0;
}

/* The standard base64 of data, malloc'd (NULL: out of memory, or too large). */
static char *base64_dup(const uint8_t *data, size_t len)
{
	if (len > BC_EVIDENCE_MAX_LOG)
		return NULL;
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	if (out)
		EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

/* Store the log's bytes unless this connection knows the store has them; hash_hex gets
 * its SHA-256 in hex. */
static bc_status keep_log(bc_fleet_store *st, const bc_fleet_log *log, char hash_hex[65],
			  bc_error *err)
{
	uint8_t sha256[SHA256_DIGEST_LENGTH];
	SHA256(log->data, log->size, sha256);
	bc_hex_encode(sha256, sizeof(sha256), hash_hex);
	if (log_known(st, sha256))
		return BC_OK;
	_cleanup_free_ char *data = base64_dup(log->data, log->size);
	if (!data)
		return bc_fail(err, log->size > BC_EVIDENCE_MAX_LOG ? BC_E_LIMIT : BC_E_NOMEM,
			       log->size > BC_EVIDENCE_MAX_LOG
				   ? "an event log of %zu bytes is too large to keep"
				   : "out of memory",
			       log->size);
	sql_param p[] = {SQL_S(hash_hex), SQL_I((int64_t)log->size), SQL_S(data)};
	bc_status s = query(st,
			    "INSERT INTO logs (sha256, size, data) VALUES ($1, $2, $3) "
			    "ON CONFLICT (sha256) DO NOTHING",
			    p, ELEMENTSOF(p), NULL, err);
	if (s == BC_OK)
		log_remember(st, sha256);
	return s;
}

/* The columns of an attestation's log: its hash (the log stored first) and the attested
 * pairs; both NULL without a log. */
typedef struct log_columns {
	char sha256[65];
	char attested[512];
} log_columns;

static bc_status log_columns_make(bc_fleet_store *st, const bc_fleet_log *log, log_columns *c,
				  bc_error *err)
{
	if (!log)
		return BC_OK;
	bc_status s = keep_log(st, log, c->sha256, err);
	if (s != BC_OK)
		return s;
	if (bc_pcr_selection_format(&log->attested, c->attested, sizeof(c->attested)) >=
	    sizeof(c->attested))
		return bc_fail(err, BC_E_INVALID, "the attested PCRs are too many to keep");
	return BC_OK;
}

bc_status bc_fleet_store_record(bc_fleet_store *st, const bc_fleet_attestation *a, int64_t *id,
				bc_error *err)
{
	_cleanup_(sql_rows_free) sql_rows r = {0};
	bool info = a->has_clock_info;
	_cleanup_free_ char *ak_name =
	    a->ak_name_size ? hex_dup(a->ak_name, a->ak_name_size) : NULL;
	_cleanup_free_ char *chip_id =
	    a->has_keep_chip ? hex_dup(a->keep_chip_id, sizeof(a->keep_chip_id)) : NULL;
	log_columns logc = {.sha256 = ""};
	sql_param p[20] = {
	    SQL_I(a->machine_id),
	    SQL_I(a->time),
	    SQL_S(a->verdict),
	    SQL_S(a->first_failing_check[0] ? a->first_failing_check : NULL),
	    SQL_S(a->detail),
	    SQL_S(a->differing_events),
	    info ? SQL_I(a->reset_count) : SQL_S(NULL),
	    info ? SQL_I(a->restart_count) : SQL_S(NULL),
	    info ? SQL_I((int64_t)a->clock) : SQL_S(NULL),
	    info ? SQL_I((int64_t)a->firmware_version) : SQL_S(NULL),
	};
	for (size_t i = 0; i < ELEMENTSOF(flag_columns); i++)
		p[10 + i] = SQL_I((a->flags & flag_columns[i]) ? 1 : 0);
	p[15] = SQL_S(ak_name);
	p[16] = SQL_S(chip_id);
	p[17] = a->has_duration && a->duration_ms <= INT64_MAX ? SQL_I((int64_t)a->duration_ms)
							       : SQL_S(NULL);
	if (!a->verdict[0])
		return bc_fail(err, BC_E_INVALID, "an attestation without a verdict");
	if ((a->ak_name_size && !ak_name) || (a->has_keep_chip && !chip_id))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	bc_status s = log_columns_make(st, a->log, &logc, err);
	p[18] = SQL_S(a->log ? logc.sha256 : NULL);
	p[19] = SQL_S(a->log && logc.attested[0] ? logc.attested : NULL);
	if (s == BC_OK)
		s = query(
		    st,
		    "INSERT INTO attestations (machine_id, attested_at, verdict, "
		    "first_failing_check, detail, differing_events, reset_count, "
		    "restart_count, clock, firmware_version, reboot, clock_back, rollback, "
		    "ak_changed, chip_changed, ak_name, keep_chip_id, duration_ms, log_sha256, "
		    "attested_pcrs) VALUES "
		    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
		    "$16, $17, $18, $19, $20) RETURNING id",
		    p, ELEMENTSOF(p), &r, err);
	if (s == BC_OK && id) {
		int64_t v = 0;
		if (r.rows != 1 || !cell_int(&r, 0, 0, &v))
			return bc_fail(err, BC_E_FORMAT, "%s: no id for a new attestation",
				       st->display);
		*id = v;
	}
	return s;
}

bc_status bc_fleet_store_history(bc_fleet_store *st, int64_t machine_id, size_t limit,
				 bc_fleet_attestation **out, size_t *count, bc_error *err)
{
	_cleanup_(sql_rows_free) sql_rows r = {0};
	*out = NULL;
	*count = 0;
	sql_param p[] = {SQL_I(machine_id),
			 SQL_I(limit && limit < INT64_MAX ? (int64_t)limit : INT64_MAX)};
	bc_status s =
	    query(st,
		  "SELECT " ATTESTATION_COLUMNS " FROM attestations WHERE machine_id = $1 "
		  "ORDER BY attested_at DESC, id DESC LIMIT $2",
		  p, ELEMENTSOF(p), &r, err);
	if (s != BC_OK || r.rows == 0)
		return s;
	bc_fleet_attestation *list = calloc(r.rows, sizeof(*list));
	if (!list)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; s == BC_OK && i < r.rows; i++)
		s = attestation_from_row(st, &r, i, &list[i], err);
	if (s != BC_OK) {
		bc_fleet_attestations_free(list, r.rows);
		return s;
	}
	*out = list;
	*count = r.rows;
	return BC_OK;
}

/* ---- reading logs back ---- */

bc_status bc_fleet_store_log_bytes(bc_fleet_store *st, const uint8_t sha256[32], uint8_t **data,
				   size_t *size, bc_error *err)
{
	_cleanup_(sql_rows_free) sql_rows r = {0};
	char hex[65];
	uint8_t got[SHA256_DIGEST_LENGTH];
	int64_t stored_size = 0;
	*data = NULL;
	*size = 0;
	bc_hex_encode(sha256, SHA256_DIGEST_LENGTH, hex);
	sql_param p = {.type = SQL_TEXT, .s = hex};
	bc_status s = query(st, "SELECT size, data FROM logs WHERE sha256 = $1", &p, 1, &r, err);
	if (s != BC_OK)
		return s;
	if (r.rows == 0)
		return bc_fail(err, BC_E_NOTFOUND, "%s: no event log of SHA-256 %s", st->display,
			       hex);
	const char *text = sql_cell(&r, 0, 1);
	if (!cell_int(&r, 0, 0, &stored_size) || !text ||
	    !bc_base64_decode(text, strlen(text), BC_EVIDENCE_MAX_LOG, data, size))
		return bc_fail(err, BC_E_FORMAT, "%s: the event log %s is malformed", st->display,
			       hex);
	SHA256(*data, *size, got);
	if ((int64_t)*size != stored_size || memcmp(got, sha256, sizeof(got))) {
		free(*data);
		*data = NULL;
		*size = 0;
		return bc_fail(err, BC_E_FORMAT,
			       "%s: the event log stored as %s does not have that SHA-256",
			       st->display, hex);
	}
	return BC_OK;
}

/* Each machine's latest attestation with a log: its columns, then attested_pcrs; one row
 * a machine that has one. */
static const char last_logs_sql[] =
    "SELECT " ATTESTATION_COLUMNS ", attested_pcrs FROM attestations WHERE id IN "
    "(SELECT (SELECT l.id FROM attestations l WHERE l.machine_id = m.id AND l.log_sha256 IS "
    "NOT NULL ORDER BY l.attested_at DESC, l.id DESC LIMIT 1) FROM machines m WHERE "
    "m.removed_at IS NULL) ORDER BY log_sha256, machine_id";

/* The attested pairs of a row of last_logs_sql into log. */
static bc_status log_from_row(const bc_fleet_store *st, const sql_rows *r, size_t row, int64_t id,
			      bc_fleet_log *log, bc_error *err)
{
	const char *attested = sql_cell(r, row, ATTESTATION_COLUMN_COUNT);
	log->attested = (bc_pcr_selection){0};
	if (attested && bc_pcr_selection_parse(attested, &log->attested, NULL) != BC_OK)
		return bc_fail(err, BC_E_FORMAT,
			       "%s: attestation %" PRId64 ": its attested PCRs are malformed",
			       st->display, id);
	return BC_OK;
}

/* A machine's index in the fleet's list, by id: a fleet of thousands is looked up by
 * bisection. */
typedef struct machine_index {
	int64_t id;
	size_t at;
} machine_index;

static int by_id(const void *a, const void *b)
{
	int64_t x = ((const machine_index *)a)->id, y = ((const machine_index *)b)->id;
	return (x > y) - (x < y);
}

static machine_index *index_by_id(const bc_fleet_machine *m, size_t count)
{
	machine_index *index = calloc(count, sizeof(*index));
	for (size_t i = 0; index && i < count; i++)
		index[i] = (machine_index){.id = m[i].id, .at = i};
	if (index)
		qsort(index, count, sizeof(*index), by_id);
	return index;
}

/* The machines of rows with a log, in the rows' order (by log), each log read once. */
static bc_status each_logged(bc_fleet_store *st, const sql_rows *r, const bc_fleet_machine *m,
			     size_t count, bool *seen, bc_fleet_log_callback callback, void *user,
			     bc_error *err)
{
	_cleanup_free_ bc_fleet_log *log = calloc(1, sizeof(*log));
	_cleanup_free_ machine_index *index = index_by_id(m, count);
	bc_status s = log && index ? BC_OK : bc_fail(err, BC_E_NOMEM, "out of memory");
	bool loaded = false;
	for (size_t row = 0; s == BC_OK && row < r->rows; row++) {
		bc_fleet_attestation a;
		if ((s = attestation_from_row(st, r, row, &a, err)) != BC_OK)
			break;
		machine_index key = {.id = a.machine_id};
		const machine_index *found = bsearch(&key, index, count, sizeof(*index), by_id);
		const bc_fleet_machine *machine = found ? &m[found->at] : NULL;
		if (loaded && memcmp(log->sha256, a.log_sha256, sizeof(log->sha256))) {
			bc_fleet_log_clear(log);
			loaded = false;
		}
		if (!loaded) {
			uint8_t *data = NULL;
			s = bc_fleet_store_log_bytes(st, a.log_sha256, &data, &log->size, err);
			log->data = data;
			memcpy(log->sha256, a.log_sha256, sizeof(log->sha256));
			loaded = s == BC_OK;
		}
		if (s == BC_OK)
			s = log_from_row(st, r, row, a.id, log, err);
		if (s == BC_OK && machine) {
			seen[machine - m] = true;
			callback(machine, &a, log, user);
		}
		bc_fleet_attestation_clear(&a);
	}
	if (log)
		bc_fleet_log_clear(log);
	return s;
}

bc_status bc_fleet_store_last_logs(bc_fleet_store *st, bc_fleet_log_callback callback, void *user,
				   bc_error *err)
{
	_cleanup_(sql_rows_free) sql_rows r = {0};
	_cleanup_free_ bc_fleet_machine *machines = NULL;
	_cleanup_free_ bool *seen = NULL;
	size_t count = 0;
	bc_status s = bc_fleet_store_list(st, false, &machines, &count, err);
	if (s == BC_OK)
		s = query(st, last_logs_sql, NULL, 0, &r, err);
	if (s != BC_OK || count == 0)
		return s;
	if (!(seen = calloc(count, sizeof(*seen))))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	s = each_logged(st, &r, machines, count, seen, callback, user, err);
	for (size_t i = 0; s == BC_OK && i < count; i++)
		if (!seen[i])
			callback(&machines[i], NULL, NULL, user);
	return s;
}

bc_status bc_fleet_store_count_verdicts(bc_fleet_store *st, bc_fleet_verdict_count **out,
					size_t *count, bc_error *err)
{
	_cleanup_(sql_rows_free) sql_rows r = {0};
	*out = NULL;
	*count = 0;
	bc_status s = query(st,
			    "SELECT verdict, COUNT(*) FROM attestations GROUP BY verdict "
			    "ORDER BY verdict",
			    NULL, 0, &r, err);
	if (s != BC_OK || r.rows == 0)
		return s;
	bc_fleet_verdict_count *list = calloc(r.rows, sizeof(*list));
	if (!list)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < r.rows; i++) {
		int64_t n = 0;
		if (!cell_text(&r, i, 0, list[i].verdict, sizeof(list[i].verdict)) ||
		    !cell_int(&r, i, 1, &n) || n < 0) {
			free(list);
			return bc_fail(err, BC_E_FORMAT,
				       "%s: a count of attestations makes no sense", st->display);
		}
		list[i].count = (uint64_t)n;
	}
	*out = list;
	*count = r.rows;
	return BC_OK;
}

/* The histogram's query: its count, its sum, then one cumulative count per bound. The
 * bounds are numbers we print, not text from outside; false: too many for sql. */
static bool histogram_query(char *sql, size_t size, const uint64_t *bounds_ms, size_t bounds)
{
	size_t len =
	    (size_t)snprintf(sql, size, "SELECT COUNT(duration_ms), COALESCE(SUM(duration_ms), 0)");
	for (size_t i = 0; i < bounds && len < size; i++)
		len += (size_t)snprintf(sql + len, size - len,
					", COALESCE(SUM(CASE WHEN duration_ms <= %llu THEN 1 "
					"ELSE 0 END), 0)",
					(unsigned long long)bounds_ms[i]);
	if (len < size)
		len += (size_t)snprintf(sql + len, size - len, " FROM attestations");
	return len < size;
}

bc_status bc_fleet_store_duration_histogram(bc_fleet_store *st, const uint64_t *bounds_ms,
					    size_t bounds, uint64_t *cumulative, uint64_t *count,
					    uint64_t *sum_ms, bc_error *err)
{
	_cleanup_(sql_rows_free) sql_rows r = {0};
	char sql[2048];
	int64_t v = 0;
	if (!histogram_query(sql, sizeof(sql), bounds_ms, bounds))
		return bc_fail(err, BC_E_INVALID, "a histogram of %zu buckets is too many", bounds);
	bc_status s = query(st, sql, NULL, 0, &r, err);
	if (s != BC_OK)
		return s;
	bool ok = r.rows == 1 && cell_int(&r, 0, 0, &v) && v >= 0;
	*count = (uint64_t)v;
	ok = ok && cell_int(&r, 0, 1, &v) && v >= 0;
	*sum_ms = (uint64_t)v;
	for (size_t i = 0; ok && i < bounds; i++) {
		ok = cell_int(&r, 0, 2 + i, &v) && v >= 0;
		cumulative[i] = (uint64_t)v;
	}
	if (!ok)
		return bc_fail(err, BC_E_FORMAT,
			       "%s: a histogram of attestation durations makes no sense",
			       st->display);
	return BC_OK;
}

bc_status bc_fleet_store_last(bc_fleet_store *st, int64_t machine_id, bc_fleet_attestation *out,
			      bc_error *err)
{
	bc_fleet_attestation *list = NULL;
	size_t count = 0;
	bc_status s = bc_fleet_store_history(st, machine_id, 1, &list, &count, err);
	if (s == BC_OK && count == 0)
		s = bc_fail(err, BC_E_NOTFOUND, "machine %" PRId64 " has no attestation yet",
			    machine_id);
	if (s == BC_OK) {
		*out = list[0];
		free(list); /* what list[0] owns is now out's */
		return BC_OK;
	}
	bc_fleet_attestations_free(list, count);
	return s;
}

bc_status bc_fleet_store_last_quoted(bc_fleet_store *st, int64_t machine_id,
				     bc_fleet_attestation *out, bc_error *err)
{
	_cleanup_(sql_rows_free) sql_rows r = {0};
	sql_param p = SQL_I(machine_id);
	bc_status s = query(st,
			    "SELECT " ATTESTATION_COLUMNS " FROM attestations WHERE machine_id = "
			    "$1 AND clock IS NOT NULL ORDER BY attested_at DESC, id DESC LIMIT 1",
			    &p, 1, &r, err);
	if (s == BC_OK && r.rows == 0)
		s = bc_fail(err, BC_E_NOTFOUND, "machine %" PRId64 " has no quoted attestation yet",
			    machine_id);
	return s == BC_OK ? attestation_from_row(st, &r, 0, out, err) : s;
}

/* The latest attestations (quoted ones only, when quoted) of the machines of one lease:
 * one statement for a batch rather than one a machine. Each row: the attestation's
 * columns (NULL when the machine has none) and then the machine's id. */
static const char latest_of_lease_sql[2][600] = {
    "SELECT " ATTESTATION_COLUMNS_OF(
	"a.") ", m.id FROM machines m LEFT JOIN attestations a "
	      "ON a.id = (SELECT l.id FROM attestations l WHERE l.machine_id = m.id "
	      "ORDER BY l.attested_at DESC, l.id DESC LIMIT 1) "
	      "WHERE m.lease_worker = $1 AND m.lease_until = $2",
    "SELECT " ATTESTATION_COLUMNS_OF("a.") ", m.id FROM machines m LEFT JOIN attestations a "
					   "ON a.id = (SELECT l.id FROM attestations l WHERE "
					   "l.machine_id = m.id AND l.clock IS NOT "
					   "NULL ORDER BY l.attested_at DESC, l.id DESC LIMIT 1) "
					   "WHERE m.lease_worker = $1 AND m.lease_until = $2",
};

bc_status bc_fleet_store_latest_of_lease(bc_fleet_store *st, const char *worker, int64_t until,
					 bool quoted, bc_fleet_latest_callback callback, void *user,
					 bc_error *err)
{
	_cleanup_(sql_rows_free) sql_rows r = {0};
	sql_param p[] = {SQL_S(worker), SQL_I(until)};
	bc_status s = query(st, latest_of_lease_sql[quoted], p, ELEMENTSOF(p), &r, err);
	for (size_t row = 0; s == BC_OK && row < r.rows; row++) {
		int64_t machine_id = 0;
		bc_fleet_attestation a = {0};
		bool has = sql_cell(&r, row, 0) != NULL;
		if (!cell_int(&r, row, ATTESTATION_COLUMN_COUNT, &machine_id))
			return bc_fail(err, BC_E_FORMAT, "%s: machines.id is not a number",
				       st->display);
		if (has && (s = attestation_from_row(st, &r, row, &a, err)) != BC_OK)
			return s;
		callback(machine_id, has ? &a : NULL, user);
	}
	return s;
}

/* ---- leases ---- */

bc_status bc_fleet_store_lease(bc_fleet_store *st, const char *worker, int64_t now, int64_t until,
			       size_t max, bc_fleet_machine **out, size_t *count, bc_error *err)
{
	return bc_fleet_store_lease_due(st, worker, now, now, until, max, out, count, err);
}

bc_status bc_fleet_store_lease_due(bc_fleet_store *st, const char *worker, int64_t due, int64_t now,
				   int64_t until, size_t max, bc_fleet_machine **out, size_t *count,
				   bc_error *err)
{
	_cleanup_(sql_rows_free) sql_rows r = {0};
	char sql[1024];
	*out = NULL;
	*count = 0;
	if (!worker || !*worker)
		return bc_fail(err, BC_E_INVALID, "a lease needs a worker's name");
	if (max == 0)
		return BC_OK;
	/* the rows are chosen and marked in one statement; on PostgreSQL the chosen rows are
	 * locked, and those another worker is taking are skipped rather than waited for */
	snprintf(sql, sizeof(sql),
		 "UPDATE machines SET lease_worker = $1, lease_until = $2 WHERE id IN ("
		 "SELECT id FROM machines WHERE removed_at IS NULL AND next_due <= $3 AND "
		 "(lease_until IS NULL OR lease_until <= $5) ORDER BY next_due, id LIMIT $4%s) "
		 "RETURNING " MACHINE_COLUMNS,
		 st->be->skip_locked);
	sql_param p[] = {SQL_S(worker), SQL_I(until), SQL_I(due),
			 SQL_I(max < INT64_MAX ? (int64_t)max : INT64_MAX), SQL_I(now)};
	bc_status s = st->be->begin(st->db, true, err);
	if (s == BC_OK)
		s = query(st, sql, p, ELEMENTSOF(p), &r, err);
	if (s == BC_OK)
		s = st->be->commit(st->db, err);
	if (s != BC_OK) {
		st->be->rollback(st->db);
		return s;
	}
	return machines_from_rows(st, &r, out, count, err);
}

bc_status bc_fleet_store_lease_expiry(bc_fleet_store *st, int64_t due, int64_t before,
				      int64_t *until, bc_error *err)
{
	_cleanup_(sql_rows_free) sql_rows r = {0};
	sql_param p[] = {SQL_I(due), SQL_I(before)};
	/* MIN() gives one row, NULL when no lease qualifies */
	bc_status s = query(st,
			    "SELECT MIN(lease_until) FROM machines WHERE removed_at IS NULL AND "
			    "next_due <= $1 AND lease_until IS NOT NULL AND lease_until < $2",
			    p, ELEMENTSOF(p), &r, err);
	if (s != BC_OK)
		return s;
	if (r.rows != 1 || !sql_cell(&r, 0, 0))
		return bc_fail(err, BC_E_NOTFOUND, "no lease of a due machine ends before %" PRId64,
			       before);
	if (!cell_int(&r, 0, 0, until))
		return bc_fail(err, BC_E_FORMAT, "%s: machines.lease_until is not a number",
			       st->display);
	return BC_OK;
}

static bc_status end_lease(bc_fleet_store *st, const char *sql, const sql_param *p, size_t n,
			   bc_error *err)
{
	_cleanup_(sql_rows_free) sql_rows r = {0};
	bc_status s = query(st, sql, p, n, &r, err);
	if (s == BC_OK && r.rows == 0)
		s = bc_fail(err, BC_E_NOTFOUND,
			    "machine %" PRId64 ": worker \"%.64s\" does not hold its lease (it "
			    "expired and was taken over, or the machine was removed)",
			    p[0].i, p[1].s);
	return s;
}

bc_status bc_fleet_store_complete(bc_fleet_store *st, int64_t machine_id, const char *worker,
				  int64_t next_due, bc_error *err)
{
	sql_param p[] = {SQL_I(machine_id), SQL_S(worker), SQL_I(next_due)};
	return end_lease(st,
			 "UPDATE machines SET lease_worker = NULL, lease_until = NULL, "
			 "next_due = $3 WHERE id = $1 AND lease_worker = $2 RETURNING id",
			 p, ELEMENTSOF(p), err);
}

bc_status bc_fleet_store_conclude(bc_fleet_store *st, const bc_fleet_attestation *a,
				  const char *worker, int64_t next_due, int64_t *id, bool *lost,
				  bc_error *err)
{
	*lost = false;
	bc_status s = st->be->begin(st->db, true, err);
	if (s == BC_OK)
		s = bc_fleet_store_record(st, a, id, err);
	if (s == BC_OK) {
		s = bc_fleet_store_complete(st, a->machine_id, worker, next_due, err);
		if (s == BC_E_NOTFOUND) {
			*lost = true;
			*err = (bc_error){0};
			s = BC_OK;
		}
	}
	if (s == BC_OK)
		s = st->be->commit(st->db, err);
	if (s != BC_OK) {
		st->be->rollback(st->db);
		logs_forget(st);
	}
	return s;
}

bc_status bc_fleet_store_release(bc_fleet_store *st, int64_t machine_id, const char *worker,
				 bc_error *err)
{
	sql_param p[] = {SQL_I(machine_id), SQL_S(worker)};
	return end_lease(st,
			 "UPDATE machines SET lease_worker = NULL, lease_until = NULL "
			 "WHERE id = $1 AND lease_worker = $2 RETURNING id",
			 p, ELEMENTSOF(p), err);
}
