/* SPDX-License-Identifier: BSD-3-Clause */
/* What cli/golden.c shares with the golden verbs that have their own file. */
#ifndef BC_CLI_GOLDEN_H
#define BC_CLI_GOLDEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/golden.h>

/* cli/golden-update.c: argv[0] is the verb; each parses its own options. */
int golden_update(int argc, char **argv);
int golden_retire(int argc, char **argv);

/* cli/golden-embed.c: `golden embed`, with options of its own; argv[0] is the verb. */
int golden_embed(int argc, char **argv);

/* Parse every --with argument (args, count of them) into *out (malloc'd, count
 * entries): a usage error (exit 2) names the argument. Returns 0 or the exit status. */
int golden_candidates_parse(const char *cmd, const char *const *args, size_t count,
			    bc_golden_candidate **out);

/* Digest every candidate in the banks algs; returns 0 or the exit status. */
int golden_candidates_digest(const char *cmd, bc_golden_candidate *c, size_t count,
			     const uint16_t *algs, size_t alg_count);

void golden_candidates_free(bc_golden_candidate *c, size_t count);

/* cli/golden-predict-sb.c: `golden predict DB --log LOG --with-db|--with-dbx ...`: PCR 7
 * after the updates, and the new digests of the components they change in db. */
int golden_predict_sb(const char *cmd, const bc_golden *db, const char *log_path,
		      const bc_sb_update *updates, size_t count, bool json);

#endif
