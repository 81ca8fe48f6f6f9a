/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fleet store on SQLite: one file, WAL mode (readers do not wait for the writer), a
 * busy timeout (writers queue for the write lock instead of failing), foreign keys on.
 * Write transactions start with BEGIN IMMEDIATE, so that two workers taking leases run
 * one after the other.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "fleet/store-internal.h"
#include "util/cleanup.h"

#define BUSY_TIMEOUT_MS 30000
#define MAX_SQL		8192

static bc_status fail_db(sqlite3 *db, bc_error *err, const char *what)
{
	return bc_fail(err, BC_E_IO, "SQLite: %s: %s", what, sqlite3_errmsg(db));
}

/* The folder of a new store, made when missing (one level: /var/lib/bootchain). */
static bc_status make_folder(const char *path, bc_error *err)
{
	_cleanup_free_ char *copy = strdup(path);
	if (!copy)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	const char *dir = dirname(copy);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return bc_fail(err, BC_E_IO, "%s: cannot make the store's folder: %s", dir,
			       strerror(errno));
	return BC_OK;
}

static bc_status sqlite_open(const char *path, bool create, void **out, bc_error *err)
{
	sqlite3 *db = NULL;
	struct stat st;
	if (!*path)
		return bc_fail(err, BC_E_INVALID, "the store's path is empty");
	if (!create && stat(path, &st) != 0)
		return bc_fail(err, BC_E_NOTFOUND,
			       "%s: no fleet store there (%s): make it with `bootchain fleet init`",
			       path, strerror(errno));
	if (create) {
		bc_status s = make_folder(path, err);
		if (s != BC_OK)
			return s;
	}
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		bc_status s = bc_fail(err, BC_E_IO, "%s: cannot open the SQLite store: %s", path,
				      db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return s;
	}
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(db, 1);
	if (sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;", NULL, NULL,
			 NULL) != SQLITE_OK) {
		bc_status s = bc_fail(err, BC_E_IO, "%s: not a usable SQLite store: %s", path,
				      sqlite3_errmsg(db));
		sqlite3_close(db);
		return s;
	}
	*out = db;
	return BC_OK;
}

static void sqlite_close(void *db)
{
	sqlite3_close(db);
}

static bc_status sqlite_exec_script(void *db, const char *sql, bc_error *err)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail_db(db, err, "statement failed");
	return BC_OK;
}

static bc_status sqlite_begin(void *db, bool write, bc_error *err)
{
	if (sqlite3_exec(db, write ? "BEGIN IMMEDIATE" : "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return fail_db(db, err, "cannot begin a transaction");
	return BC_OK;
}

static bc_status sqlite_commit(void *db, bc_error *err)
{
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return fail_db(db, err, "cannot commit");
	return BC_OK;
}

static void sqlite_rollback(void *db)
{
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* $1 -> ?1: the same numbered parameters in SQLite's spelling. Our own constant SQL, never
 * data: no '$' appears in it but before a parameter's number. */
static bool to_sqlite_placeholders(const char *sql, char *out, size_t size)
{
	size_t len = strlen(sql);
	if (len >= size)
		return false;
	for (size_t i = 0; i <= len; i++)
		out[i] = sql[i] == '$' ? '?' : sql[i];
	return true;
}

static int bind(sqlite3_stmt *st, const sql_param *params, size_t count)
{
	int rc = SQLITE_OK;
	for (size_t i = 0; rc == SQLITE_OK && i < count; i++) {
		int at = (int)i + 1;
		switch (params[i].type) {
		case SQL_NULL: rc = sqlite3_bind_null(st, at); break;
		case SQL_INT: rc = sqlite3_bind_int64(st, at, params[i].i); break;
		case SQL_TEXT:
			rc = sqlite3_bind_text(st, at, params[i].s, -1, SQLITE_STATIC);
			break;
		}
	}
	return rc;
}

static bc_status collect_row(sqlite3_stmt *st, sql_rows *rows, bc_error *err)
{
	for (int c = 0; c < sqlite3_column_count(st); c++) {
		const char *text = (const char *)sqlite3_column_text(st, c);
		size_t len = (size_t)sqlite3_column_bytes(st, c);
		if (!sql_rows_push(rows, text, len))
			return bc_fail(err, BC_E_NOMEM, "out of memory");
	}
	return BC_OK;
}

static bc_status sqlite_query(void *db, const char *sql, const sql_param *params, size_t count,
			      sql_rows *rows, bc_error *err)
{
	char text[MAX_SQL];
	sqlite3_stmt *st = NULL;
	if (!to_sqlite_placeholders(sql, text, sizeof(text)))
		return bc_fail(err, BC_E_LIMIT, "SQLite: a statement is too long");
	if (sqlite3_prepare_v2(db, text, -1, &st, NULL) != SQLITE_OK)
		return fail_db(db, err, "cannot prepare a statement");
	bc_status s = BC_OK;
	if (bind(st, params, count) != SQLITE_OK)
		s = fail_db(db, err, "cannot bind a parameter");
	if (rows)
		rows->cols = (size_t)sqlite3_column_count(st);
	int rc = SQLITE_ROW;
	while (s == BC_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		if (rows)
			s = collect_row(st, rows, err);
	if (s == BC_OK && rc != SQLITE_DONE)
		s = fail_db(db, err, "statement failed");
	sqlite3_finalize(st);
	return s;
}

const store_backend bc_store_sqlite = {
    .name = "SQLite",
    .id_column = "INTEGER PRIMARY KEY",
    .skip_locked = "",
    .table_exists = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
    .migration_lock = NULL,
    .open = sqlite_open,
    .close = sqlite_close,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .exec_script = sqlite_exec_script,
    .query = sqlite_query,
};
