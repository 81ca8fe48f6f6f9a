/* SPDX-License-Identifier: BSD-3-Clause */
/* Building golden databases (golden/build.c), for `bootchain golden create|add|merge`. */
#ifndef BC_GOLDEN_BUILD_H
#define BC_GOLDEN_BUILD_H

#include <jansson.h>

#include <bootchain/eventlog.h>
#include <bootchain/golden.h>
#include <bootchain/measure.h>

typedef struct bc_golden_builder bc_golden_builder;

bc_status bc_golden_builder_new(bc_golden_builder **out, bc_error *err);
void bc_golden_builder_free(bc_golden_builder *b);

/* A version's "digests" object ({"sha256": "hex", ...}) of d; NULL when out of memory. */
json_t *bc_golden_digests_json(const bc_digest_set *d);

/* An image file: component name in pcr, its digest in every algorithm of algs. */
bc_status bc_golden_builder_add_image(bc_golden_builder *b, const char *name, uint32_t pcr,
				      const char *path, bc_image_kind kind, const uint16_t *algs,
				      size_t count, bc_error *err);

/* Every layer of a chain file, as `bootchain measure --chain` measures it. */
bc_status bc_golden_builder_add_chain(bc_golden_builder *b, const bc_chain *chain,
				      const uint16_t *algs, size_t count, bc_error *err);

/*
 * The component name `golden create --from-log` gives ev, an extending event of a log
 * walked in order: counts and used (JSON objects, empty at the first event) carry what
 * the earlier events of the log took.
 */
bc_status bc_golden_log_event_name(const bc_event *ev, json_t *counts, json_t *used, char *out,
				   size_t size, bc_error *err);

/* Every extending event of a known-good machine's log; its PCRs become fully explained. */
bc_status bc_golden_builder_add_log(bc_golden_builder *b, const bc_log *log, bc_error *err);

/* Merge a database into what is built (add, merge), weakening neither: every component
 * and version, the stricter of conflicting constraints; BC_E_INVALID naming the
 * component or key and both values when they cannot be combined (two PCRs or event
 * types for one component, two startup localities or boot orders), BC_E_UNSUPPORTED for
 * a top-level key this version cannot merge. */
bc_status bc_golden_builder_add_db(bc_golden_builder *b, const bc_golden *db, bc_error *err);

/* Remember what is built now; bc_golden_builder_changed() then says whether anything was
 * added since (a new component, version, explained PCR, ...). */
bc_status bc_golden_builder_checkpoint(bc_golden_builder *b, bc_error *err);
bool bc_golden_builder_changed(const bc_golden_builder *b);

/* The database as text (*size bytes ending in a newline, not NUL-terminated; the
 * caller frees *text), checked to load (name names it in messages). */
bc_status bc_golden_builder_render(bc_golden_builder *b, const char *name, char **text,
				   size_t *size, bc_error *err);

/* Check that the result loads, then write it atomically (bc_write_file_atomic()). */
bc_status bc_golden_builder_write(bc_golden_builder *b, const char *path, bc_error *err);

#endif
