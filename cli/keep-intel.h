/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The verifier options for Intel's DCAP Keeps (TDX, SGX), shared by `attest verify`,
 * `attest poll` and `fleet run`: the pinned Intel SGX Root CA and the collateral, as
 * files. Each command lists CLI_INTEL_OPTIONS in its long options, hands any option
 * value from CLI_INTEL_OPT_FIRST on to cli_intel_option(), and reads the files with
 * cli_intel_read() into the bc_keep_intel_collateral of its verify options.
 */
#ifndef BC_CLI_KEEP_INTEL_H
#define BC_CLI_KEEP_INTEL_H

#include <getopt.h>
#include <stdbool.h>

#include <bootchain/attest.h>

enum {
	CLI_INTEL_OPT_FIRST = 0x1000, /* above every command's own option values */
	CLI_OPT_INTEL_ROOT = CLI_INTEL_OPT_FIRST,
	CLI_OPT_TCB_INFO,
	CLI_OPT_QE_IDENTITY,
	CLI_OPT_TCB_SIGNING_CHAIN,
	CLI_OPT_PCK_CRL,
	CLI_OPT_ROOT_CRL,
	CLI_INTEL_OPT_END,
};

#define CLI_INTEL_OPTION(name, value)                \
	{                                            \
		name, required_argument, NULL, value \
	}
#define CLI_INTEL_OPTIONS                                                     \
	CLI_INTEL_OPTION("intel-root", CLI_OPT_INTEL_ROOT),                   \
	    CLI_INTEL_OPTION("tcb-info", CLI_OPT_TCB_INFO),                   \
	    CLI_INTEL_OPTION("qe-identity", CLI_OPT_QE_IDENTITY),             \
	    CLI_INTEL_OPTION("tcb-signing-chain", CLI_OPT_TCB_SIGNING_CHAIN), \
	    CLI_INTEL_OPTION("pck-crl", CLI_OPT_PCK_CRL),                     \
	    CLI_INTEL_OPTION("root-crl", CLI_OPT_ROOT_CRL)

/* The help of CLI_INTEL_OPTIONS, its descriptions after pad (commands align them at
 * two columns) and the --qe-identity one after qe_gap (its option reaches the column). */
#define CLI_INTEL_HELP(pad, qe_gap)                                                             \
	"      --intel-root PEM  " pad "the Intel SGX Root CA the PCK chains of TDX and SGX "   \
	"quotes\n"                                                                              \
	"                        " pad "must end at\n"                                          \
	"      --tcb-info JSON   " pad "Intel's TCB info for the platform: its TCB status\n"    \
	"      --qe-identity JSON" qe_gap "Intel's QE identity: the quoting enclave's status\n" \
	"      --tcb-signing-chain PEM  the chain that signs those two, to --intel-root\n"      \
	"      --pck-crl CRL     " pad "the PCK CA's revocation list\n"                         \
	"      --root-crl CRL    " pad "the root CA's revocation list\n"

typedef struct cli_intel_args {
	const char *root, *tcb_info, *qe_identity, *tcb_signing_chain, *pck_crl, *root_crl;
} cli_intel_args;

/* Whether o is one of CLI_INTEL_OPTIONS; if so its value is kept in a. */
bool cli_intel_option(int o, const char *value, cli_intel_args *a);

/* Usage errors (collateral without its signing chain). Reports and returns the exit
 * status, or 0. */
int cli_intel_check(const char *cmd, const cli_intel_args *a);

/* Read the files a names into *out (its buffers to free with cli_intel_free). Reports
 * and returns the exit status, or 0. */
int cli_intel_read(const char *cmd, const cli_intel_args *a, bc_keep_intel_collateral *out);
void cli_intel_free(bc_keep_intel_collateral *c);

#endif
