/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What golden sign and golden update|retire share: the options of the signed PCR policy
 * they write beside a database (--policy-out), and the refusal to change a signed
 * database without signing it again.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/golden.h"

#define DEFAULT_MAX_BRANCHES 1024
#define MAX_BRANCHES	     65536 /* what a policy file may hold */

bool golden_policy_option(const char *cmd, int o, const char *value, golden_policy_args *a, int *rc)
{
	*rc = 0;
	switch (o) {
	case GOLDEN_OPT_POLICY_OUT: a->out = value; return true;
	case GOLDEN_OPT_POLICY_PCRS: a->pcrs = value; return true;
	case GOLDEN_OPT_POLICY_REF: a->ref = value; return true;
	case GOLDEN_OPT_MAX_BRANCHES:
		if (!cli_parse_uint(value, MAX_BRANCHES, &a->max_branches) || !a->max_branches)
			*rc = cli_usage_error(cmd, "--max-branches %s: expected 1 to %u", value,
					      MAX_BRANCHES);
		return true;
	default: return false;
	}
}

int golden_policy_check(const char *cmd, const golden_policy_args *a, const char *key)
{
	bc_pcr_selection sel;
	bc_error err = {0};
	if (!a->out && (a->pcrs || a->ref || a->max_branches))
		return cli_usage_error(cmd, "--policy-pcrs, --policy-ref and --max-branches go "
					    "with --policy-out FILE");
	if (a->out && !key)
		return cli_usage_error(cmd, "--policy-out needs --key KEY.pem to sign it");
	if (a->ref && strlen(a->ref) > BC_POLICY_REF_MAX)
		return cli_usage_error(cmd, "--policy-ref: %zu bytes, at most %d", strlen(a->ref),
				       BC_POLICY_REF_MAX);
	if (a->pcrs && bc_pcr_selection_parse(a->pcrs, &sel, &err) != BC_OK)
		return cli_usage_error(cmd, "--policy-pcrs %s: %s", a->pcrs,
				       bc_error_message(&err));
	if (a->pcrs && (sel.count != 1 || !sel.banks[0].mask))
		return cli_usage_error(cmd, "--policy-pcrs %s: PCRs of one bank", a->pcrs);
	return 0;
}

int golden_policy_make(const char *cmd, const golden_policy_args *a, const bc_golden *db,
		       const char *db_path, const char *db_name, const char *key,
		       bc_signed_policy **out)
{
	bc_pcr_selection sel;
	bc_error err = {0};
	const char *ref = a->ref ? a->ref : "";
	/* --policy-pcrs was checked by golden_policy_check */
	if (a->pcrs && bc_pcr_selection_parse(a->pcrs, &sel, &err) != BC_OK)
		return cli_fail(cmd, &err);
	if (!a->pcrs && bc_signed_policy_default_pcrs(db, &sel, &err) != BC_OK) {
		cli_error(cmd, "%s has no component: give --policy-pcrs", db_name);
		return BC_EXIT_ERROR;
	}
	if (bc_signed_policy_make(db, db_path, &sel,
				  a->max_branches ? a->max_branches : DEFAULT_MAX_BRANCHES,
				  (const uint8_t *)ref, strlen(ref), key, out, &err) != BC_OK)
		return cli_fail(cmd, &err);
	return 0;
}

int golden_refuse_if_signed(const char *cmd, const char *out, const char *sig_path, bool signing)
{
	struct stat st;
	char *beside = NULL;
	const char *found = NULL;
	if (signing)
		return 0;
	if (lstat(sig_path, &st) == 0)
		found = sig_path;
	else if (asprintf(&beside, "%s.sig", out) >= 0 && lstat(beside, &st) == 0)
		found = beside;
	if (found)
		cli_error(cmd,
			  "%s is signed (%s): give --key KEY.pem to sign it again, or write to "
			  "--out another file",
			  out, found);
	free(beside);
	return found ? BC_EXIT_ERROR : 0;
}
