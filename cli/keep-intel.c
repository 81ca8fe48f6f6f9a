/* SPDX-License-Identifier: BSD-3-Clause */
/* The verifier options for Intel's DCAP Keeps: see keep-intel.h. */
#include "config.h"

#include <stdlib.h>

#include "cli/cli.h"
#include "cli/keep-intel.h"
#include "util/file.h"

#define INTEL_FILE_MAX ((size_t)1 << 20) /* certificates, CRLs, Intel's JSON: a few KiB */

bool cli_intel_option(int o, const char *value, cli_intel_args *a)
{
	switch (o) {
	case CLI_OPT_INTEL_ROOT: a->root = value; return true;
	case CLI_OPT_TCB_INFO: a->tcb_info = value; return true;
	case CLI_OPT_QE_IDENTITY: a->qe_identity = value; return true;
	case CLI_OPT_TCB_SIGNING_CHAIN: a->tcb_signing_chain = value; return true;
	case CLI_OPT_PCK_CRL: a->pck_crl = value; return true;
	case CLI_OPT_ROOT_CRL: a->root_crl = value; return true;
	default: return false;
	}
}

int cli_intel_check(const char *cmd, const cli_intel_args *a)
{
	/* the collateral proves nothing unless its signature chains to the root */
	if ((a->tcb_info || a->qe_identity) && !a->tcb_signing_chain)
		return cli_usage_error(cmd, "--tcb-info and --qe-identity need "
					    "--tcb-signing-chain PEM");
	return 0;
}

int cli_intel_read(const char *cmd, const cli_intel_args *a, bc_keep_intel_collateral *out)
{
	enum { ROOT, TCB_INFO, QE_IDENTITY, CHAIN, PCK_CRL, ROOT_CRL, COUNT };
	const char *paths[COUNT] = {a->root,	a->tcb_info, a->qe_identity, a->tcb_signing_chain,
				    a->pck_crl, a->root_crl};
	uint8_t *data[COUNT] = {NULL};
	size_t sizes[COUNT] = {0};
	bc_error err = {0};
	for (int i = 0; i < COUNT; i++) {
		if (paths[i] &&
		    bc_read_file(paths[i], INTEL_FILE_MAX, &data[i], &sizes[i], &err) != BC_OK) {
			for (int j = 0; j < i; j++)
				free(data[j]);
			return cli_fail(cmd, &err);
		}
	}
	*out = (bc_keep_intel_collateral){
	    .root = data[ROOT],
	    .root_size = sizes[ROOT],
	    .tcb_info = data[TCB_INFO],
	    .tcb_info_size = sizes[TCB_INFO],
	    .qe_identity = data[QE_IDENTITY],
	    .qe_identity_size = sizes[QE_IDENTITY],
	    .tcb_signing_chain = data[CHAIN],
	    .tcb_signing_chain_size = sizes[CHAIN],
	    .pck_crl = data[PCK_CRL],
	    .pck_crl_size = sizes[PCK_CRL],
	    .root_crl = data[ROOT_CRL],
	    .root_crl_size = sizes[ROOT_CRL],
	};
	return 0;
}

void cli_intel_free(bc_keep_intel_collateral *c)
{
	free((void *)c->root);
	free((void *)c->tcb_info);
	free((void *)c->qe_identity);
	free((void *)c->tcb_signing_chain);
	free((void *)c->pck_crl);
	free((void *)c->root_crl);
	*c = (bc_keep_intel_collateral){0};
}
