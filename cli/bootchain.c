/* SPDX-License-Identifier: BSD-3-Clause */
/* bootchain: the command table and global options. Each command lives in its own file. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int cmd_help(int argc, char **argv);

static const cli_command commands[] = {
    {"pcr", cmd_pcr, "read and extend PCRs"},
    {"log", cmd_log, "show, replay, check and export TCG event logs"},
    {"measure", cmd_measure, "measure boot layers: measured and trusted boot"},
    {"golden", cmd_golden, "build, sign, predict and check golden databases"},
    {"seal", cmd_seal, "seal a secret to the golden database's policies or to PCRs"},
    {"unseal", cmd_unseal, "unseal a secret when the boot matched its policy"},
    {"attest", cmd_attest, "attestation keys, quotes and evidence verification"},
    {"fleet", cmd_fleet, "the fleet store: the machines a verifier attests"},
    {"help", cmd_help, "show help for bootchain or for a command"},
};

static const cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	fprintf(f, "Usage: bootchain [--version] [--help] [-T TCTI] COMMAND [ARGS]\n\n"
		   "Measured and trusted boot chains for TPM 2.0.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'bootchain COMMAND --help' for the options of a command.\n"
		   "The TPM is chosen by -T/--tcti (of the command, else before it), else\n"
		   "$BOOTCHAIN_TCTI, else $TPM2TOOLS_TCTI, else the tss2 default (/dev/tpmrm0,\n"
		   "then tabrmd).\n"
		   "Exit status: 0 success, 1 error, 2 usage, 3 verification or golden mismatch,\n"
		   "4 TPM communication failure. See bootchain(1).\n");
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stdout);
		return BC_EXIT_OK;
	}
	const cli_command *c = find_command(argv[1]);
	if (!c)
		return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
	char *help_argv[] = {argv[1], (char *)"--help", NULL};
	return c->run(2, help_argv);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"tcti", required_argument, NULL, 'T'},
	    {NULL, 0, NULL, 0},
	};
	int opt;
	/* The TSS logs its own errors to stderr; we report each failure once, decoded. */
	setenv("TSS2_LOG", "all+none", 0);
	opterr = 0; /* reported below, as a command reports its own */
	while ((opt = getopt_long(argc, argv, "+:hVT:", options, NULL)) != -1) {
		switch (opt) {
		case 'h': print_usage(stdout); return BC_EXIT_OK;
		case 'V': printf("bootchain %s\n", bc_version()); return BC_EXIT_OK;
		case 'T':
			if (!*optarg)
				return cli_usage_error(NULL, "-T/--tcti: the TCTI is empty");
			cli_set_global_tcti(optarg);
			break;
		default: return cli_bad_option(NULL, opt, argv);
		}
	}
	if (optind >= argc) {
		print_usage(stderr);
		return BC_EXIT_USAGE;
	}
	const cli_command *c = find_command(argv[optind]);
	if (!c)
		return cli_usage_error(NULL, "unknown command '%s'", argv[optind]);
	int sub_argc = argc - optind;
	char **sub_argv = argv + optind;
	optind = 0; /* glibc: full reinitialisation for the command's own getopt_long */
	opterr = 0; /* commands report bad options themselves, naming the command */
	return c->run(sub_argc, sub_argv);
}
