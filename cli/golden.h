/* SPDX-License-Identifier: BSD-3-Clause */
/* What cli/golden.c shares with the golden verbs that have their own file. */
#ifndef BC_CLI_GOLDEN_H
#define BC_CLI_GOLDEN_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/golden.h>
#include <bootchain/policy.h>

/* cli/golden-policy.c: the signed-policy options of golden sign and golden update|retire
 * (--policy-out FILE [--policy-pcrs SEL] [--policy-ref TEXT] [--max-branches N]). Each
 * lists GOLDEN_POLICY_OPTIONS in its long options and hands an option to
 * golden_policy_option() before its own cases. */
enum {
	GOLDEN_OPT_POLICY_OUT = 0x800, /* above the commands' own option values */
	GOLDEN_OPT_POLICY_PCRS,
	GOLDEN_OPT_POLICY_REF,
	GOLDEN_OPT_MAX_BRANCHES,
};

#define GOLDEN_POLICY_OPTION(name, value)            \
	{                                            \
		name, required_argument, NULL, value \
	}
#define GOLDEN_POLICY_OPTIONS                                            \
	GOLDEN_POLICY_OPTION("policy-out", GOLDEN_OPT_POLICY_OUT),       \
	    GOLDEN_POLICY_OPTION("policy-pcrs", GOLDEN_OPT_POLICY_PCRS), \
	    GOLDEN_POLICY_OPTION("policy-ref", GOLDEN_OPT_POLICY_REF),   \
	    GOLDEN_POLICY_OPTION("max-branches", GOLDEN_OPT_MAX_BRANCHES)

typedef struct golden_policy_args {
	const char *out, *pcrs, *ref; /* --policy-out, --policy-pcrs, --policy-ref */
	unsigned max_branches;	      /* 0: not given */
} golden_policy_args;

/* Whether o is one of GOLDEN_POLICY_OPTIONS; if so its value is kept in a, and *rc is 0
 * or the usage error reported. */
bool golden_policy_option(const char *cmd, int o, const char *value, golden_policy_args *a,
			  int *rc);

/* The options go together, and a policy is signed with --key (key): 0 or the usage
 * error, before anything is read. */
int golden_policy_check(const char *cmd, const golden_policy_args *a, const char *key);

/* The signed policy of db (made from the file db_path, NULL: none), signed with key:
 * its PCRs are --policy-pcrs, else bc_signed_policy_default_pcrs (db_name names db in
 * the error when it has no component). Reports and returns the exit status, or 0. */
int golden_policy_make(const char *cmd, const golden_policy_args *a, const bc_golden *db,
		       const char *db_path, const char *db_name, const char *key,
		       bc_signed_policy **out);

/* A signed database is changed only to be signed again (signing: --key is given): a
 * changed database under its old signature would be refused by every verifier, or
 * worse, go unnoticed. Signed: sig_path exists, or OUT.sig beside out. Reports and
 * returns the exit status, or 0. */
int golden_refuse_if_signed(const char *cmd, const char *out, const char *sig_path, bool signing);

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
