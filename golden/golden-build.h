/* SPDX-License-Identifier: BSD-3-Clause */
/* Building golden databases (golden/build.c), for `bootchain golden create|add|merge`. */
#ifndef BC_GOLDEN_BUILD_H
#define BC_GOLDEN_BUILD_H

#include <bootchain/eventlog.h>
#include <bootchain/golden.h>
#include <bootchain/measure.h>

typedef struct bc_golden_builder bc_golden_builder;

bc_status bc_golden_builder_new(bc_golden_builder **out, bc_error *err);
void bc_golden_builder_free(bc_golden_builder *b);

/* An image file: component name in pcr, its digest in every algorithm of algs. */
bc_status bc_golden_builder_add_image(bc_golden_builder *b, const char *name, uint32_t pcr,
				      const char *path, bc_image_kind kind, const uint16_t *algs,
				      size_t count, bc_error *err);

/* Every layer of a chain file, as `bootchain measure --chain` measures it. */
bc_status bc_golden_builder_add_chain(bc_golden_builder *b, const bc_chain *chain,
				      const uint16_t *algs, size_t count, bc_error *err);

/* Every extending event of a known-good machine's log; its PCRs become fully explained. */
bc_status bc_golden_builder_add_log(bc_golden_builder *b, const bc_log *log, bc_error *err);

/* Every component and version of a database (add, merge). */
bc_status bc_golden_builder_add_db(bc_golden_builder *b, const bc_golden *db, bc_error *err);

/* Check that the result loads, then write it atomically. */
bc_status bc_golden_builder_write(bc_golden_builder *b, const char *path, bc_error *err);

#endif
