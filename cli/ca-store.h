/* SPDX-License-Identifier: BSD-3-Clause */
/* The CA store options that `attest ek verify` and `attest enrol` share: --ca-dir DIR
 * and --ca-file FILE (repeatable; the trust anchors) and --crl FILE (ek verify only),
 * and the store loaded from them. */
#ifndef BC_CLI_CA_STORE_H
#define BC_CLI_CA_STORE_H

#include <stddef.h>

#include <bootchain/ekcert.h>

#define CLI_CA_OPTIONS_MAX 64 /* of each option */

/* getopt_long values, above those of the commands' own long options */
enum { CLI_OPT_CA_DIR = 0x1000, CLI_OPT_CA_FILE, CLI_OPT_CRL };

typedef struct cli_ca_options {
	const char *dirs[CLI_CA_OPTIONS_MAX], *files[CLI_CA_OPTIONS_MAX], *crls[CLI_CA_OPTIONS_MAX];
	size_t dir_count, file_count, crl_count;
} cli_ca_options;

/* Record option o (CLI_OPT_CA_DIR, CLI_OPT_CA_FILE or CLI_OPT_CRL) with its argument;
 * reports and returns the usage status when there are too many, else 0. */
int cli_ca_option(const char *cmd, cli_ca_options *ca, int o, const char *arg);

/* The store of the certificates given, else of default_dir; then the CRLs. Reports and
 * returns the exit status on failure, else 0 with *out the store (bc_ca_store_free()). */
int cli_ca_store_load(const char *cmd, const cli_ca_options *ca, const char *default_dir,
		      bc_ca_store **out);

#endif
