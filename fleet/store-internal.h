/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The backends of the fleet store. fleet/store.c holds the schema, the statements and
 * every decision; a backend (store-sqlite.c, store-pg.c) only runs a statement with
 * bound parameters and hands back its rows as text, so both give the same behaviour.
 * Statements are written with PostgreSQL's $1, $2... placeholders; SQLite reads them as
 * ?1, ?2... (the same numbering).
 */
#ifndef BC_FLEET_STORE_INTERNAL_H
#define BC_FLEET_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/status.h>

typedef enum sql_type {
	SQL_NULL,
	SQL_INT,
	SQL_TEXT,
} sql_type;

typedef struct sql_param {
	sql_type type;
	int64_t i;
	const char *s;
} sql_param;

#define SQL_I(v) ((sql_param){.type = SQL_INT, .i = (v)})
#define SQL_S(v) ((sql_param){.type = (v) ? SQL_TEXT : SQL_NULL, .s = (v)})

/* The rows of a statement, every value as text (NULL for SQL NULL), copied. */
typedef struct sql_rows {
	size_t rows, cols;
	char **cells;	   /* rows * cols */
	size_t used, room; /* cells filled, allocated */
} sql_rows;

void sql_rows_free(sql_rows *r);
const char *sql_cell(const sql_rows *r, size_t row, size_t col);

typedef struct store_backend {
	const char *name; /* "SQLite", "PostgreSQL" */
	/* the column type of an auto-numbered primary key */
	const char *id_column;
	/* lock the rows a SELECT reads against other writers, skipping those locked */
	const char *skip_locked;
	/* one row, one column: 1 when the table named by $1 exists */
	const char *table_exists;
	/* serialise migrations of concurrent `fleet init`s, in their transaction; or NULL */
	const char *migration_lock;
	bc_status (*open)(const char *target, bool create, void **db, bc_error *err);
	void (*close)(void *db);
	/* write: a transaction that will write (SQLite: BEGIN IMMEDIATE, the writer's lock
	 * taken at once so that reads cannot be overtaken) */
	bc_status (*begin)(void *db, bool write, bc_error *err);
	bc_status (*commit)(void *db, bc_error *err);
	void (*rollback)(void *db);
	/* statements without parameters, several separated by ';' (migrations) */
	bc_status (*exec_script)(void *db, const char *sql, bc_error *err);
	/* one statement; rows may be NULL when none are wanted */
	bc_status (*query)(void *db, const char *sql, const sql_param *params, size_t count,
			   sql_rows *rows, bc_error *err);
} store_backend;

extern const store_backend bc_store_sqlite;
extern const store_backend bc_store_pg;

/* Append a copy of value (NULL for NULL) to r, growing a row of cols; false: no memory */
bool sql_rows_push(sql_rows *r, const char *value, size_t len);

#endif
