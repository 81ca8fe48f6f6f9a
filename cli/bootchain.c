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
    {"pcr", cmd_pcr, "read and extend PCRs", cli_pcr_verbs},
    {"log", cmd_log, "show, replay, check and export TCG event logs", cli_log_verbs},
    {"measure", cmd_measure, "measure boot layers: measured and trusted boot", NULL},
    {"golden", cmd_golden, "build, sign, predict and check golden databases", cli_golden_verbs},
    {"seal", cmd_seal, "seal a secret to the golden database's policies or to PCRs", NULL},
    {"unseal", cmd_unseal, "unseal a secret when the boot matched its policy", NULL},
    {"attest", cmd_attest, "attestation keys, quotes and evidence verification", cli_attest_verbs},
    {"fleet", cmd_fleet, "the fleet store: the machines a verifier attests", cli_fleet_verbs},
    {"stage", cmd_stage, "show and try the chain a UEFI stage (bootchain.efi) carries",
     cli_stage_verbs},
    {"help", cmd_help, "show help for bootchain, a command or a subcommand", NULL},
};

static const cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* One line per command with verbs, from the dispatch tables: "  attest     ek, ek verify,
 * ak, ak create, ...". Scripts (tests, completion) read the verbs from here. */
static void print_verbs(FILE *f)
{
	fprintf(f, "\nSubcommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const char *sep = "";
		if (!commands[i].verbs)
			continue;
		fprintf(f, "  %-10s ", commands[i].name);
		for (const cli_verb *v = commands[i].verbs; v->name; v++, sep = ", ") {
			fprintf(f, "%s%s", sep, v->name);
			for (const cli_verb *sub = v->verbs; sub && sub->name; sub++)
				fprintf(f, ", %s %s", v->name, sub->name);
		}
		fputc('\n', f);
	}
}

static void print_usage(FILE *f)
{
	fprintf(f, "Usage: bootchain [--version] [--help] [-T TCTI] COMMAND [ARGS]\n\n"
		   "Measured and trusted boot chains for TPM 2.0.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	print_verbs(f);
	fprintf(f, "\nRun 'bootchain COMMAND [SUBCOMMAND] --help', or 'bootchain help COMMAND\n"
		   "[SUBCOMMAND]', for the options of a command.\n"
		   "The TPM is chosen by -T/--tcti (of the command, else before it), else\n"
		   "$BOOTCHAIN_TCTI, else $TPM2TOOLS_TCTI, else the tss2 default (/dev/tpmrm0,\n"
		   "then tabrmd).\n"
		   "Exit status: 0 success, 1 error, 2 usage, 3 verification or golden mismatch,\n"
		   "4 TPM communication failure. See bootchain(1).\n");
}

/* `bootchain help --commands [CMD [SUB]]`, for the shell completions (not in the usage):
 * the commands, or the verbs of CMD (of its verb SUB), one a line, from the tables that
 * run them, so that completion cannot drift from what runs. */
static int print_words(int argc, char **argv)
{
	const cli_command *c = argc ? find_command(argv[0]) : NULL;
	const cli_verb *table = c ? c->verbs : NULL;
	if (!argc) {
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			puts(commands[i].name);
		return BC_EXIT_OK;
	}
	for (int i = 1; i < argc && table; i++) {
		const cli_verb *v = cli_find_verb(table, argv[i]);
		table = v ? v->verbs : NULL;
	}
	for (const cli_verb *v = table; v && v->name; v++)
		puts(v->name);
	return BC_EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--commands") == 0)
		return print_words(argc - 2, argv + 2);
	if (argc < 2) {
		print_usage(stdout);
		return BC_EXIT_OK;
	}
	const cli_command *c = find_command(argv[1]);
	if (!c)
		return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
	/* help CMD [SUB [SUB2]]: run "CMD [SUB [SUB2]] --help", after checking that each
	 * word names a verb, so that a typo is a usage error, not a run of the verb */
	const cli_verb *table = c->verbs;
	char *help_argv[5] = {argv[1]};
	int n = 1;
	for (int i = 2; i < argc; i++) {
		const cli_verb *v = table && n < 3 ? cli_find_verb(table, argv[i]) : NULL;
		if (!v)
			return cli_usage_error(NULL, "help: '%s' is not a subcommand of '%s'",
					       argv[i], argv[i - 1]);
		help_argv[n++] = argv[i];
		table = v->verbs;
	}
	help_argv[n++] = (char *)"--help";
	help_argv[n] = NULL;
	return c->run(n, help_argv);
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
