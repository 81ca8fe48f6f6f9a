/* SPDX-License-Identifier: BSD-3-Clause */
/* bootchain pcr read | extend */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char pcr_usage[] =
    "Usage: bootchain pcr read [SELECTION] [-T TCTI] [--json]\n"
    "       bootchain pcr extend PCR ALG:HEX[,ALG:HEX...] [-T TCTI] [--json]\n"
    "       bootchain pcr extend PCR --from-file FILE [-T TCTI] [--json]\n"
    "\n"
    "read     print PCR values; SELECTION as tpm2-tools writes it, e.g.\n"
    "         sha256:0,1,2+sha1:all or sha256:0-7 (default: PCRs 0-23 of every\n"
    "         allocated bank)\n"
    "extend   extend one PCR with the given digests in one TPM2_PCR_Extend; with\n"
    "         --from-file, hash FILE in every allocated bank and extend that\n"
    "\n"
    "Options:\n"
    "  -T, --tcti TCTI     TPM to use (default: $BOOTCHAIN_TCTI, $TPM2TOOLS_TCTI,\n"
    "                      then /dev/tpmrm0 or tabrmd)\n"
    "      --from-file F   extend: the digests are those of file F ('-': standard\n"
    "                      input)\n"
    "      --json          print JSON instead of text\n"
    "  -h, --help          show this help\n";

static struct {
	const char *tcti;
	const char *from_file;
	bool json;
} ctx;

enum { OPT_JSON = 256, OPT_FROM_FILE };

/* Parse the options shared by the pcr verbs; leaves the operands in argv[optind..]. */
static int parse_options(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"tcti", required_argument, NULL, 'T'},
	    {"from-file", required_argument, NULL, OPT_FROM_FILE},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int opt;
	*help = false;
	while ((opt = getopt_long(argc, argv, ":T:h", options, NULL)) != -1) {
		switch (opt) {
		case 'T': ctx.tcti = optarg; break;
		case OPT_FROM_FILE: ctx.from_file = optarg; break;
		case OPT_JSON: ctx.json = true; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, opt, argv);
		}
	}
	return 0;
}

static int pcr_read(int argc, char **argv)
{
	bc_pcr_selection sel;
	bc_pcr_values values;
	bc_error err = {0};
	bool help;
	int rc = parse_options("pcr read", argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(pcr_usage, stdout), BC_EXIT_OK);
	if (ctx.from_file)
		return cli_usage_error("pcr read", "--from-file is an option of 'pcr extend'");
	if (argc - optind > 1)
		return cli_usage_error("pcr read", "expected at most one PCR selection");
	if (argc - optind == 1 && bc_pcr_selection_parse(argv[optind], &sel, &err) != BC_OK)
		return cli_usage_error("pcr read", "%s", bc_error_message(&err));

	bc_tpm *tpm = NULL;
	if ((rc = cli_open_tpm("pcr read", ctx.tcti, &tpm)) != 0)
		return rc;
	bc_status s = BC_OK;
	if (argc - optind == 0) {
		bc_pcr_selection banks;
		s = bc_tpm_allocated_banks(tpm, &banks, &err);
		if (s == BC_OK)
			bc_pcr_selection_from_banks(&banks, BC_PCR_ALL_MASK, &sel);
	}
	if (s == BC_OK)
		s = bc_tpm_pcr_read(tpm, &sel, &values, &err);
	bc_tpm_close(tpm);
	if (s != BC_OK)
		return cli_fail("pcr read", &err);
	return cli_print_pcr_values("pcr read", &values, ctx.json);
}

static int print_extended(unsigned pcr, const bc_digest_set *digests)
{
	char hex[2 * BC_MAX_DIGEST_SIZE + 1];
	if (ctx.json) {
		bc_buf out;
		bc_json j;
		bc_buf_init(&out, CLI_JSON_MAX);
		bc_json_init(&j, &out);
		bc_json_object_begin(&j);
		bc_json_key(&j, "pcr");
		bc_json_uint(&j, pcr);
		bc_json_key(&j, "digests");
		bc_json_object_begin(&j);
		for (size_t i = 0; i < digests->count; i++) {
			bc_json_key(&j, bc_hash_alg_name(digests->digests[i].alg));
			bc_json_string(&j, bc_digest_hex(&digests->digests[i], hex));
		}
		bc_json_object_end(&j);
		bc_json_object_end(&j);
		int rc = cli_emit_json("pcr extend", &out);
		bc_buf_free(&out);
		return rc;
	}
	printf("extended PCR %u:\n", pcr);
	for (size_t i = 0; i < digests->count; i++)
		printf("  %-8s %s\n", bc_hash_alg_name(digests->digests[i].alg),
		       bc_digest_hex(&digests->digests[i], hex));
	return 0;
}

/* The digests of --from-file in every allocated bank. */
static bc_status hash_file_in_banks(bc_tpm *tpm, const char *path, bc_digest_set *out,
				    bc_error *err)
{
	bc_pcr_selection banks;
	uint16_t algs[BC_MAX_BANKS];
	bc_status s = bc_tpm_allocated_banks(tpm, &banks, err);
	if (s != BC_OK)
		return s;
	for (size_t i = 0; i < banks.count; i++)
		algs[i] = banks.banks[i].alg;
	return bc_hash_file(path, algs, banks.count, out, err);
}

static int pcr_extend(int argc, char **argv)
{
	bc_digest_set digests = {0};
	bc_error err = {0};
	unsigned pcr;
	bool help;
	int rc = parse_options("pcr extend", argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(pcr_usage, stdout), BC_EXIT_OK);
	int want = ctx.from_file ? 1 : 2;
	if (argc - optind != want)
		return cli_usage_error("pcr extend", ctx.from_file
							 ? "expected PCR"
							 : "expected PCR and ALG:HEX digests");
	if (!cli_parse_uint(argv[optind], BC_PCR_COUNT - 1, &pcr))
		return cli_usage_error("pcr extend", "'%s' is not a PCR number (0-%d)",
				       argv[optind], BC_PCR_COUNT - 1);
	if (!ctx.from_file && bc_digest_set_parse(argv[optind + 1], &digests, &err) != BC_OK)
		return cli_usage_error("pcr extend", "%s", bc_error_message(&err));

	bc_tpm *tpm = NULL;
	if ((rc = cli_open_tpm("pcr extend", ctx.tcti, &tpm)) != 0)
		return rc;
	bc_status s = BC_OK;
	if (ctx.from_file)
		s = hash_file_in_banks(tpm, cli_input_path(ctx.from_file), &digests, &err);
	if (s == BC_OK)
		s = bc_tpm_pcr_extend(tpm, pcr, &digests, &err);
	bc_tpm_close(tpm);
	if (s != BC_OK)
		return cli_fail("pcr extend", &err);
	return print_extended(pcr, &digests);
}

const cli_verb cli_pcr_verbs[] = {
    {"read", pcr_read, NULL},
    {"extend", pcr_extend, NULL},
    {NULL, NULL, NULL},
};

int cmd_pcr(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("pcr", "expected a verb: read or extend");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(pcr_usage, stdout);
		return BC_EXIT_OK;
	}
	const cli_verb *verb = cli_find_verb(cli_pcr_verbs, argv[1]);
	if (verb)
		return verb->run(argc - 1, argv + 1);
	return cli_usage_error("pcr", "unknown verb '%s': expected read or extend", argv[1]);
}
