/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fleet store on PostgreSQL (libpq): several verifiers, on one machine or many,
 * share it. Parameters travel apart from the statement, as text; each statement is
 * prepared once a connection (the server parses and plans it once, not for every machine
 * of every round).
 * Rows that workers lease are taken with FOR UPDATE SKIP LOCKED, so that two workers
 * never wait for, nor take, the same machine.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "fleet/store-internal.h"

#define MAX_PARAMS 32
/* more statements than the store has: those past it run unprepared */
#define MAX_PREPARED 64

typedef struct pg_store {
	PGconn *conn;
	char *prepared[MAX_PREPARED]; /* the SQL of statement "sN", N its index */
	size_t prepared_count;
} pg_store;

/* libpq prints the server's notices to stderr by default; the library never prints. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* The server's message, on one line. */
static bc_status fail_pg(PGconn *db, bc_error *err, const char *what)
{
	char msg[400];
	snprintf(msg, sizeof(msg), "%s", PQerrorMessage(db));
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = p[1] ? ' ' : 0;
	return bc_fail(err, BC_E_IO, "PostgreSQL: %s: %s", what, msg);
}

static bc_status pg_open(const char *url, bool create, void **out, bc_error *err)
{
	(void)create; /* the database is the server's to make */
	pg_store *pg = calloc(1, sizeof(*pg));
	if (!pg)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	pg->conn = PQconnectdb(url);
	if (!pg->conn) {
		free(pg);
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	}
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		bc_status s = fail_pg(pg->conn, err, "cannot connect");
		PQfinish(pg->conn);
		free(pg);
		return s;
	}
	PQsetNoticeProcessor(pg->conn, ignore_notice, NULL);
	*out = pg;
	return BC_OK;
}

static void pg_close(void *db)
{
	pg_store *pg = db;
	if (!pg)
		return;
	PQfinish(pg->conn);
	for (size_t i = 0; i < pg->prepared_count; i++)
		free(pg->prepared[i]);
	free(pg);
}

/* A statement whose result only says whether it worked. */
static bc_status run(PGconn *db, const char *sql, bc_error *err, const char *what)
{
	PGresult *res = PQexec(db, sql);
	ExecStatusType st = PQresultStatus(res);
	bc_status s =
	    st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? BC_OK : fail_pg(db, err, what);
	PQclear(res);
	return s;
}

static bc_status pg_exec_script(void *db, const char *sql, bc_error *err)
{
	return run(((pg_store *)db)->conn, sql, err, "statement failed");
}

static bc_status pg_begin(void *db, bool write, bc_error *err)
{
	(void)write; /* row locks do the work of SQLite's IMMEDIATE */
	return run(((pg_store *)db)->conn, "BEGIN", err, "cannot begin a transaction");
}

static bc_status pg_commit(void *db, bc_error *err)
{
	return run(((pg_store *)db)->conn, "COMMIT", err, "cannot commit");
}

static void pg_rollback(void *db)
{
	PQclear(PQexec(((pg_store *)db)->conn, "ROLLBACK"));
}

static bc_status collect(PGresult *res, sql_rows *rows, bc_error *err)
{
	int n = PQntuples(res), cols = PQnfields(res);
	rows->cols = (size_t)cols;
	for (int r = 0; r < n; r++)
		for (int c = 0; c < cols; c++) {
			bool null = PQgetisnull(res, r, c);
			if (!sql_rows_push(rows, null ? NULL : PQgetvalue(res, r, c),
					   null ? 0 : (size_t)PQgetlength(res, r, c)))
				return bc_fail(err, BC_E_NOMEM, "out of memory");
		}
	return BC_OK;
}

/* Run sql on pg's connection, prepared: the first run of a statement prepares it (an
 * error of the server's then is the result's, as the run's would be). Past MAX_PREPARED
 * statements, or without memory to remember one, it runs unprepared. */
static PGresult *execute(pg_store *pg, const char *sql, int count, const char *const *values)
{
	char name[16];
	size_t i = 0;
	while (i < pg->prepared_count && strcmp(pg->prepared[i], sql))
		i++;
	snprintf(name, sizeof(name), "s%zu", i);
	if (i == pg->prepared_count) {
		char *copy = i < MAX_PREPARED ? strdup(sql) : NULL;
		if (!copy)
			return PQexecParams(pg->conn, sql, count, NULL, values, NULL, NULL, 0);
		PGresult *res = PQprepare(pg->conn, name, sql, count, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			free(copy);
			return res;
		}
		PQclear(res);
		pg->prepared[pg->prepared_count++] = copy;
	}
	return PQexecPrepared(pg->conn, name, count, values, NULL, NULL, 0);
}

static bc_status pg_query(void *db, const char *sql, const sql_param *params, size_t count,
			  sql_rows *rows, bc_error *err)
{
	char numbers[MAX_PARAMS][24];
	const char *values[MAX_PARAMS];
	if (count > MAX_PARAMS)
		return bc_fail(err, BC_E_LIMIT, "PostgreSQL: more than %d parameters", MAX_PARAMS);
	for (size_t i = 0; i < count; i++) {
		values[i] = params[i].type == SQL_TEXT ? params[i].s : NULL;
		if (params[i].type == SQL_INT) {
			snprintf(numbers[i], sizeof(numbers[i]), "%" PRId64, params[i].i);
			values[i] = numbers[i];
		}
	}
	PGresult *res = execute(db, sql, (int)count, values);
	ExecStatusType st = PQresultStatus(res);
	bc_status s = BC_OK;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		s = fail_pg(((pg_store *)db)->conn, err, "statement failed");
	else if (rows)
		s = collect(res, rows, err);
	PQclear(res);
	return s;
}

const store_backend bc_store_pg = {
    .name = "PostgreSQL",
    .id_column = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    .skip_locked = " FOR UPDATE SKIP LOCKED",
    .table_exists = "SELECT count(*) FROM information_schema.tables "
		    "WHERE table_schema = current_schema() AND table_name = $1",
    /* any constant will do: it is the lock of this schema's migrations */
    .migration_lock = "SELECT pg_advisory_xact_lock(7262411)",
    .open = pg_open,
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .exec_script = pg_exec_script,
    .query = pg_query,
};
