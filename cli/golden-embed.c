/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain golden embed: a chain and its golden versions into the .bcchain section of
 * a UEFI stage (bootchain.efi), so that the stage's Secure Boot signature covers them.
 * Everything is checked (the chain against the database, the encoding parsed back, the
 * stage's headers) before the output is written, atomically.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/core.h>
#include <bootchain/golden.h>
#include <bootchain/measure.h>

#include "cli/cli.h"
#include "cli/golden.h"
#include "cli/stage.h"
#include "util/cleanup.h"
#include "util/file.h"

#define STAGE_MAX	((size_t)256 << 20)
#define DEFAULT_TIMEOUT 10
#define MAX_TIMEOUT	86400 /* a day: beyond that, say wait */

static const char embed_usage[] =
    "Usage: bootchain golden embed --stage STAGE.efi --chain CHAIN --golden DB --out OUT\n"
    "                              [--measured] [--timeout SECONDS]\n"
    "                              [--on-halt wait|reset|poweroff] [--json]\n"
    "\n"
    "Write CHAIN (bootchain-chain(5)), each layer with the versions of its component in\n"
    "DB, into the .bcchain section of the UEFI stage STAGE.efi (bootchain.efi), as\n"
    "bootchain-bcchain(5) describes; then sign OUT with sbsign. Each layer of CHAIN must\n"
    "be a component of DB in the same PCR, and its FILE a path from the root of the\n"
    "stage's volume (EFI/Linux/linux.efi). A signed STAGE loses its signature, which no\n"
    "longer covers it.\n"
    "\n"
    "Options:\n"
    "      --stage STAGE     the stage to embed into (not changed)\n"
    "  -c, --chain CHAIN     the layers the stage checks and measures, in boot order\n"
    "  -g, --golden DB       their golden database (bootchain-golden(5))\n"
    "  -o, --out OUT         the stage to write (atomically; '-': standard output)\n"
    "      --measured        measured mode: record every layer and go on (default:\n"
    "                        trusted mode, halt at a layer that is not a version)\n"
    "      --timeout SECONDS how long a halt shows its message (default: 10)\n"
    "      --on-halt ACTION  then: wait (stay halted), reset (the default) or poweroff\n"
    "  -f, --force           replace an existing OUT\n"
    "      --pubkey PUB      refuse a DB not signed by this key\n"
    "      --signature SIG   DB's detached signature (default: DB.sig)\n"
    "      --json            print what was embedded as JSON\n"
    "  -h, --help            show this help\n";

static struct {
	const char *cmd;
	const char *stage, *chain, *golden, *out, *pubkey, *signature, *on_halt;
	unsigned timeout;
	bool has_timeout, measured, force, json;
} opt;

enum {
	OPT_STAGE = 256,
	OPT_MEASURED,
	OPT_TIMEOUT,
	OPT_ON_HALT,
	OPT_PUBKEY,
	OPT_SIGNATURE,
	OPT_JSON
};

static int parse_option(int o, char **argv)
{
	switch (o) {
	case OPT_STAGE: opt.stage = optarg; break;
	case 'c': opt.chain = optarg; break;
	case 'g': opt.golden = optarg; break;
	case 'o': opt.out = optarg; break;
	case 'f': opt.force = true; break;
	case OPT_MEASURED: opt.measured = true; break;
	case OPT_TIMEOUT:
		if (!cli_parse_uint(optarg, MAX_TIMEOUT, &opt.timeout))
			return cli_usage_error(opt.cmd, "--timeout %s: expected 0 to %d seconds",
					       optarg, MAX_TIMEOUT);
		opt.has_timeout = true;
		break;
	case OPT_ON_HALT: opt.on_halt = optarg; break;
	case OPT_PUBKEY: opt.pubkey = optarg; break;
	case OPT_SIGNATURE: opt.signature = optarg; break;
	case OPT_JSON: opt.json = true; break;
	default: return cli_bad_option(opt.cmd, o, argv);
	}
	return 0;
}

static int parse_options(int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"stage", required_argument, NULL, OPT_STAGE},
	    {"chain", required_argument, NULL, 'c'},
	    {"golden", required_argument, NULL, 'g'},
	    {"out", required_argument, NULL, 'o'},
	    {"force", no_argument, NULL, 'f'},
	    {"measured", no_argument, NULL, OPT_MEASURED},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"on-halt", required_argument, NULL, OPT_ON_HALT},
	    {"pubkey", required_argument, NULL, OPT_PUBKEY},
	    {"signature", required_argument, NULL, OPT_SIGNATURE},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o, rc;
	*help = false;
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":c:g:o:fh", options, NULL)) != -1) {
		if (o == 'h') {
			*help = true;
			return 0;
		}
		if ((rc = parse_option(o, argv)) != 0)
			return rc;
	}
	return 0;
}

/* wait, reset, poweroff: in the order of bc_core_on_halt */
static bool on_halt_from_name(const char *name, uint32_t *out)
{
	static const char *const actions[] = {"wait", "reset", "poweroff"};
	for (uint32_t i = 0; i < ELEMENTSOF(actions); i++)
		if (strcmp(name, actions[i]) == 0) {
			*out = i;
			return true;
		}
	return false;
}

static int check_options(int operands, bc_embed_options *e)
{
	if (operands)
		return cli_usage_error(opt.cmd, "unexpected argument: give --stage, --chain, "
						"--golden and --out");
	if (!opt.stage || !opt.chain || !opt.golden || !opt.out)
		return cli_usage_error(opt.cmd,
				       "--stage, --chain, --golden and --out are required");
	if (opt.signature && !opt.pubkey)
		return cli_usage_error(opt.cmd, "--signature needs --pubkey");
	if (opt.json && cli_is_stdio(opt.out))
		return cli_usage_error(opt.cmd, "--json and --out -: standard output takes the "
						"stage");
	*e = (bc_embed_options){.measured = opt.measured,
				.timeout = opt.has_timeout ? opt.timeout : DEFAULT_TIMEOUT,
				.on_halt = BC_CORE_HALT_RESET};
	if (opt.on_halt && !on_halt_from_name(opt.on_halt, &e->on_halt))
		return cli_usage_error(opt.cmd, "--on-halt %s: expected wait, reset or poweroff",
				       opt.on_halt);
	return cli_one_stdin(opt.cmd, (size_t)cli_is_stdio(opt.stage) + cli_is_stdio(opt.chain) +
					  cli_is_stdio(opt.golden) + cli_is_stdio(opt.signature));
}

/* The chain's encoding: the chain file's layers with the database's versions. */
static int encode(const bc_embed_options *e, uint8_t **data, size_t *size)
{
	bc_error err = {0};
	bc_chain *chain = NULL;
	bc_golden *db = NULL;
	int rc = 0;
	if (cli_chain_load(cli_input_path(opt.chain), NULL, &chain, &err) != BC_OK ||
	    bc_golden_load(cli_input_path(opt.golden), opt.pubkey, cli_input_path(opt.signature),
			   &db, &err) != BC_OK ||
	    bc_golden_embed_encode(db, chain, e, data, size, &err) != BC_OK)
		rc = cli_fail(opt.cmd, &err);
	bc_golden_free(db);
	bc_chain_free(chain);
	return rc;
}

static int write_out(const uint8_t *data, size_t size)
{
	bc_error err = {0};
	if (!cli_is_stdio(opt.out))
		return bc_write_file_atomic(opt.out, data, size, 0644, &err) == BC_OK
			   ? 0
			   : cli_fail(opt.cmd, &err);
	if ((size && fwrite(data, 1, size, stdout) != size) || fflush(stdout) != 0) {
		cli_error(opt.cmd, "cannot write to standard output");
		return BC_EXIT_ERROR;
	}
	return 0;
}

/* What was embedded, read back from the encoding as the stage reads it. */
static int print_embedded(const uint8_t *chain_data, size_t chain_size, size_t section_size,
			  bool unsigned_now)
{
	bc_core_chain chain;
	bc_buf out;
	bc_json j;
	if (cli_is_stdio(opt.out) ||
	    bc_core_chain_parse(chain_data, chain_size, &chain, NULL) != BC_CORE_OK)
		return 0; /* standard output holds the stage; parsed before: cannot fail */
	bc_buf_init(&out, CLI_JSON_MAX);
	if (opt.json) {
		bc_json_init(&j, &out);
		bc_json_object_begin(&j);
		bc_json_key(&j, "out");
		bc_json_string(&j, opt.out);
		bc_json_key(&j, "stage");
		bc_json_string(&j, opt.stage);
		bc_json_key(&j, "section_size");
		bc_json_uint(&j, section_size);
		bc_json_key(&j, "signature_dropped");
		bc_json_bool(&j, unsigned_now);
		bc_json_key(&j, "chain");
		stage_chain_json(&j, &chain, chain_size);
		bc_json_object_end(&j);
	} else {
		size_t versions = 0;
		for (size_t i = 0; i < chain.count; i++)
			versions += chain.layers[i].version_count;
		bc_buf_printf(&out,
			      "wrote %s: %zu layer%s, %zu version%s, %s mode; %zu of %zu bytes "
			      "of " BC_CORE_CHAIN_SECTION "\n",
			      opt.out, chain.count, chain.count == 1 ? "" : "s", versions,
			      versions == 1 ? "" : "s", stage_mode_name(&chain), chain_size,
			      section_size);
		stage_chain_text(&out, &chain, false);
	}
	int rc = opt.json ? cli_emit_json(opt.cmd, &out) : cli_emit_text(opt.cmd, &out);
	bc_buf_free(&out);
	return rc;
}

static int embed(const bc_embed_options *e)
{
	bc_error err = {0};
	uint8_t *chain = NULL, *stage = NULL, *out = NULL;
	size_t chain_size = 0, stage_size = 0, out_size = 0;
	bc_stage_section sec = {0};
	bool unsigned_now = false;
	int rc = encode(e, &chain, &chain_size);
	if (!rc && (bc_read_file(cli_input_path(opt.stage), STAGE_MAX, &stage, &stage_size, &err) !=
			BC_OK ||
		    bc_stage_find_section(stage, stage_size, opt.stage, &sec, &err) != BC_OK ||
		    bc_golden_embed(stage, stage_size, opt.stage, chain, chain_size, &out,
				    &out_size, &unsigned_now, &err) != BC_OK))
		rc = cli_fail(opt.cmd, &err);
	if (!rc)
		rc = write_out(out, out_size);
	if (!rc && unsigned_now)
		cli_error(opt.cmd,
			  "%s was signed: its signature does not cover the new section, so it "
			  "was dropped; sign %s again (sbsign --key KEY --cert CERT)",
			  opt.stage, opt.out);
	if (!rc)
		rc = print_embedded(chain, chain_size, sec.size, unsigned_now);
	free(chain);
	free(stage);
	free(out);
	return rc;
}

int golden_embed(int argc, char **argv)
{
	bool help;
	bc_embed_options e;
	opt = (typeof(opt)){.cmd = "golden embed"};
	int rc = parse_options(argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(embed_usage, stdout), BC_EXIT_OK);
	if ((rc = check_options(argc - optind, &e)) != 0)
		return rc;
	if ((rc = cli_check_output(opt.cmd, opt.out, opt.force)) != 0)
		return rc;
	return embed(&e);
}
