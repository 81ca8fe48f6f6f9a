/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain stage show | run: the chain a UEFI stage (bootchain.efi) carries in its
 * .bcchain section (bootchain-bcchain(5)). run goes through the stage's own decisions
 * (bc_core_stage_run, freestanding/stage.c) on a mounted volume and this machine's TPM, so that
 * a stage can be tried before it ships.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bootchain/eventlog.h>
#include <bootchain/golden.h>
#include <bootchain/measure.h>

#include "cli/cli.h"
#include "cli/stage.h"
#include "util/cleanup.h"
#include "util/file.h"

#define STAGE_MAX ((size_t)256 << 20) /* a boot stage; bootchain.efi is far smaller */

static const char stage_usage[] =
    "Usage: bootchain stage show STAGE.efi [--json]\n"
    "       bootchain stage run STAGE.efi --root DIR [-T TCTI] [--log LOG | --no-log]\n"
    "                           [--dry-run]\n"
    "\n"
    "A UEFI stage (bootchain.efi) carries its chain in its .bcchain section, written by\n"
    "`bootchain golden embed` (bootchain-bcchain(5)).\n"
    "show  prints that chain: the mode, what a halt does, each layer with its PCR,\n"
    "      file and kind, and the digests of its golden versions.\n"
    "run   runs it as the stage would, through the same code, on the volume mounted on\n"
    "      DIR and this machine's TPM: each layer is read, digested in the TPM's banks,\n"
    "      compared (trusted mode), extended and logged; a trusted halt extends the\n"
    "      failure marker. Images are not started: it says which would be. Exit status\n"
    "      0 when every layer matched (or was measured), 3 on a halt, 1 on an error,\n"
    "      4 when the TPM failed.\n"
    "\n"
    "Options:\n"
    "      --root DIR       run: the directory the stage's volume (the ESP) is mounted on\n"
    "  -T, --tcti TCTI      run: TPM to use\n"
    "  -L, --log LOG        run: event log to append to (default: $BOOTCHAIN_EVENTLOG,\n"
    "                       else " CLI_MEASURED_LOG ")\n"
    "      --no-log         run: do not write an event log\n"
    "      --dry-run        run: compute and compare only (sha256): no TPM, no log\n"
    "      --json           show: print JSON instead of text\n"
    "  -h, --help           show this help\n";

static struct {
	const char *cmd;
	const char *root, *tcti, *log;
	bool no_log, dry_run, json;
} opt;

enum { OPT_JSON = 256, OPT_ROOT, OPT_NO_LOG, OPT_DRY_RUN };

static int parse_options(int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"tcti", required_argument, NULL, 'T'},
	    {"log", required_argument, NULL, 'L'},
	    {"no-log", no_argument, NULL, OPT_NO_LOG},
	    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o;
	*help = false;
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":T:L:h", options, NULL)) != -1) {
		switch (o) {
		case OPT_ROOT: opt.root = optarg; break;
		case 'T': opt.tcti = optarg; break;
		case 'L': opt.log = optarg; break;
		case OPT_NO_LOG: opt.no_log = true; break;
		case OPT_DRY_RUN: opt.dry_run = true; break;
		case OPT_JSON: opt.json = true; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(opt.cmd, o, argv);
		}
	}
	return 0;
}

/* ---- the chain, as text and JSON (also for golden embed) ---- */

const char *stage_mode_name(const bc_core_chain *chain)
{
	return chain->flags & BC_CORE_CHAIN_TRUSTED ? "trusted" : "measured";
}

const char *stage_on_halt_name(bc_core_on_halt on_halt)
{
	switch (on_halt) {
	case BC_CORE_HALT_WAIT: return "wait";
	case BC_CORE_HALT_RESET: return "reset";
	case BC_CORE_HALT_POWEROFF: return "poweroff";
	}
	return "?";
}

/* The event type's name; 0 is the layer tag, EV_EVENT_TAG. */
static const char *event_type_text(uint32_t type, char *number, size_t size)
{
	uint32_t t = type ? type : BC_EV_EVENT_TAG;
	const char *name = bc_event_type_name(t);
	if (name)
		return name;
	snprintf(number, size, "0x%08x", t);
	return number;
}

static const uint16_t stage_algs[] = {BC_CORE_ALG_SHA1, BC_CORE_ALG_SHA256, BC_CORE_ALG_SHA384};

static void text_versions(bc_buf *out, const bc_core_chain_layer *l)
{
	char hex[2 * BC_CORE_MAX_DIGEST + 1];
	for (size_t v = 0; v < l->version_count; v++) {
		bc_buf_printf(out, "  version %zu\n", v + 1);
		for (size_t a = 0; a < ELEMENTSOF(stage_algs); a++) {
			size_t size = 0;
			const uint8_t *d = bc_core_version_digest(l, v, stage_algs[a], &size);
			if (!d)
				continue;
			bc_core_hex(d, size, hex);
			bc_buf_printf(out, "    %-8s %s\n", bc_core_hash_name(stage_algs[a]), hex);
		}
	}
}

void stage_chain_text(bc_buf *out, const bc_core_chain *chain, bool digests)
{
	char number[16];
	bc_buf_printf(out, "mode     %s\n", stage_mode_name(chain));
	bc_buf_printf(out, "on halt  wait %u s, then %s\n", chain->timeout,
		      stage_on_halt_name(chain->on_halt));
	for (size_t i = 0; i < chain->count; i++) {
		const bc_core_chain_layer *l = &chain->layers[i];
		bc_buf_printf(out, "layer %s: PCR %u, %s, kind %s, %s", l->name, l->pcr, l->file,
			      bc_core_kind_name(l->kind),
			      event_type_text(l->event_type, number, sizeof(number)));
		if (!digests)
			bc_buf_printf(out, ", %u version%s", l->version_count,
				      l->version_count == 1 ? "" : "s");
		bc_buf_putc(out, '\n');
		if (digests)
			text_versions(out, l);
	}
}

static void json_layer(bc_json *j, const bc_core_chain_layer *l)
{
	char number[16];
	bc_json_object_begin(j);
	bc_json_key(j, "name");
	bc_json_string(j, l->name);
	bc_json_key(j, "pcr");
	bc_json_uint(j, l->pcr);
	bc_json_key(j, "file");
	bc_json_string(j, l->file);
	bc_json_key(j, "kind");
	bc_json_string(j, bc_core_kind_name(l->kind));
	bc_json_key(j, "event_type");
	bc_json_string(j, event_type_text(l->event_type, number, sizeof(number)));
	bc_json_key(j, "versions");
	bc_json_array_begin(j);
	for (size_t v = 0; v < l->version_count; v++) {
		bc_json_object_begin(j);
		for (size_t a = 0; a < ELEMENTSOF(stage_algs); a++) {
			size_t size = 0;
			const uint8_t *d = bc_core_version_digest(l, v, stage_algs[a], &size);
			if (!d)
				continue;
			bc_json_key(j, bc_core_hash_name(stage_algs[a]));
			bc_json_hex(j, d, size);
		}
		bc_json_object_end(j);
	}
	bc_json_array_end(j);
	bc_json_object_end(j);
}

void stage_chain_json(bc_json *j, const bc_core_chain *chain, size_t size)
{
	bc_json_object_begin(j);
	bc_json_key(j, "mode");
	bc_json_string(j, stage_mode_name(chain));
	bc_json_key(j, "timeout");
	bc_json_uint(j, chain->timeout);
	bc_json_key(j, "on_halt");
	bc_json_string(j, stage_on_halt_name(chain->on_halt));
	bc_json_key(j, "size");
	bc_json_uint(j, size);
	bc_json_key(j, "layers");
	bc_json_array_begin(j);
	for (size_t i = 0; i < chain->count; i++)
		json_layer(j, &chain->layers[i]);
	bc_json_array_end(j);
	bc_json_object_end(j);
}

/* ---- reading a stage ---- */

typedef struct stage {
	uint8_t *data;
	size_t size;
	bc_stage_section section;
	bc_core_chain chain; /* points into data */
	size_t chain_size;   /* of the encoding */
} stage;

static int load_stage(const char *path, stage *st)
{
	bc_error err = {0};
	bc_core_error cerr = {0};
	*st = (stage){.data = NULL};
	if (bc_read_file(path, STAGE_MAX, &st->data, &st->size, &err) != BC_OK ||
	    bc_stage_find_section(st->data, st->size, path, &st->section, &err) != BC_OK)
		return cli_fail(opt.cmd, &err);
	const uint8_t *sec = st->data + st->section.offset;
	if (bc_core_chain_parse(sec, st->section.size, &st->chain, &cerr) != BC_CORE_OK) {
		cli_error(opt.cmd, "%s: section " BC_CORE_CHAIN_SECTION ": %s", path, cerr.msg);
		return BC_EXIT_ERROR;
	}
	/* the header's size (parse checked it lies within the section) */
	st->chain_size =
	    (size_t)sec[8] | (size_t)sec[9] << 8 | (size_t)sec[10] << 16 | (size_t)sec[11] << 24;
	return 0;
}

/* ---- show ---- */

static int show_json(const char *path, const stage *st)
{
	bc_buf out;
	bc_json j;
	bc_buf_init(&out, CLI_JSON_MAX);
	bc_json_init(&j, &out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "stage");
	bc_json_string(&j, path);
	bc_json_key(&j, "section");
	bc_json_object_begin(&j);
	bc_json_key(&j, "offset");
	bc_json_uint(&j, st->section.offset);
	bc_json_key(&j, "size");
	bc_json_uint(&j, st->section.size);
	bc_json_object_end(&j);
	bc_json_key(&j, "signed");
	bc_json_bool(&j, st->section.cert_size != 0);
	bc_json_key(&j, "chain");
	stage_chain_json(&j, &st->chain, st->chain_size);
	bc_json_object_end(&j);
	int rc = cli_emit_json(opt.cmd, &out);
	bc_buf_free(&out);
	return rc;
}

static int show_text(const char *path, const stage *st)
{
	bc_buf out;
	bc_buf_init(&out, CLI_JSON_MAX);
	bc_buf_printf(
	    &out, "%s: %s, a chain of %zu bytes in %u of section " BC_CORE_CHAIN_SECTION "\n", path,
	    st->section.cert_size ? "signed" : "not signed", st->chain_size, st->section.size);
	stage_chain_text(&out, &st->chain, true);
	int rc = cli_emit_text(opt.cmd, &out);
	bc_buf_free(&out);
	return rc;
}

static int stage_show(int argc, char **argv)
{
	bool help;
	stage st;
	opt = (typeof(opt)){.cmd = "stage show"};
	int rc = parse_options(argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(stage_usage, stdout), BC_EXIT_OK);
	if (argc - optind != 1)
		return cli_usage_error(opt.cmd, "expected one STAGE.efi");
	if (opt.root || opt.tcti || opt.log || opt.no_log || opt.dry_run)
		return cli_usage_error(opt.cmd, "--root, --tcti, --log, --no-log and --dry-run "
						"are options of stage run");
	const char *path = argv[optind];
	if ((rc = load_stage(cli_input_path(path), &st)) == 0)
		rc = opt.json ? show_json(path, &st) : show_text(path, &st);
	free(st.data);
	return rc;
}

/* ---- run ---- */

/* The stage's console: the core's lines say "bootchain: ..." already. */
static void print_line(void *user, const char *line)
{
	(void)user;
	if (strncmp(line, "bootchain: ", 11) == 0)
		line += 11;
	/* the stage's words, although nothing reached a PCR or a log */
	cli_error(opt.cmd, "%s%s", opt.dry_run ? "(dry run) " : "", line);
}

static void text_result(bc_buf *out, const bc_core_chain_layer *l, const bc_core_layer_result *r)
{
	char hex[2 * BC_CORE_MAX_DIGEST + 1];
	if (!r->read) {
		bc_buf_printf(out, "not read: %s (%s)\n", l->name, l->file);
		return;
	}
	bc_buf_printf(out, "%s %s into PCR %u (%s, %s)\n",
		      opt.dry_run   ? "computed"
		      : r->extended ? "measured"
				    : "not measured",
		      l->name, l->pcr, bc_core_kind_name(r->kind), l->file);
	for (size_t i = 0; i < r->digests.count; i++) {
		bc_core_hex(r->digests.d[i].bytes, r->digests.d[i].size, hex);
		bc_buf_printf(out, "  %-8s %s\n", bc_core_hash_name(r->digests.d[i].alg), hex);
	}
	if (!r->checked)
		return;
	if (r->verdict == BC_CORE_MATCH)
		bc_buf_printf(out, "  golden   matches version %zu\n", r->version + 1);
	else
		bc_buf_printf(out, "  golden   %s\n",
			      r->verdict == BC_CORE_DIFFERS ? "differs" : "no common bank");
}

/* What the run did, then what the stage would do next: start images, or halt. */
static int report(const stage *st, const bc_core_run *run)
{
	const bc_core_chain *chain = &st->chain;
	bc_buf out;
	bc_buf_init(&out, CLI_JSON_MAX);
	for (size_t i = 0; i < run->done; i++)
		text_result(&out, &chain->layers[i], &run->layers[i]);
	for (size_t i = 0; !run->halted && i < run->done; i++)
		if (run->layers[i].extended && run->layers[i].kind == BC_CORE_KIND_PE)
			bc_buf_printf(&out, "would start %s (%s)\n", chain->layers[i].name,
				      chain->layers[i].file);
	int rc = cli_emit_text(opt.cmd, &out);
	bc_buf_free(&out);
	if (!run->halted)
		return rc;
	bc_buf_init(&out, 64 * 1024);
	bc_buf_puts(&out, "not measured: ");
	for (size_t i = run->done; i < chain->count; i++)
		bc_buf_printf(&out, "%s%s", i > run->done ? ", " : "", chain->layers[i].name);
	if (run->done == chain->count)
		bc_buf_puts(&out, "none");
	cli_error(opt.cmd, "%s; the stage would wait %u s, then %s", bc_buf_str(&out),
		  chain->timeout, stage_on_halt_name(chain->on_halt));
	bc_buf_free(&out);
	return rc;
}

/* 0 when every layer passed; a halt is 3 (as `measure --trusted`), but a TPM that
 * failed is 4 whatever the mode; any other error 1. */
static int run_status(const bc_stage_host *host, const bc_core_run *run, bc_core_status s,
		      const bc_core_error *cerr)
{
	if (s == BC_CORE_OK)
		return BC_EXIT_OK;
	if (run->done == 0 && !run->halted)
		cli_error(opt.cmd, "%s", cerr->msg); /* nothing ran: the core printed nothing */
	if (host->error.status == BC_E_TPM || host->error.status == BC_E_TCTI)
		return BC_EXIT_TPM;
	return run->halted ? BC_EXIT_MISMATCH : BC_EXIT_ERROR;
}

/* Before the first extend: the log must take the events in the banks extended. */
static bc_status check_log(const bc_stage_host *host, bc_error *err)
{
	bc_measurer m = {.tpm = host->tpm, .log_path = host->log_path};
	if (!host->log_path)
		return BC_OK;
	m.alg_count = host->alg_count;
	memcpy(m.algs, host->algs, host->alg_count * sizeof(host->algs[0]));
	bc_status s = cli_make_log_dir(host->log_path, err);
	return s == BC_OK ? bc_measurer_check_log(&m, err) : s;
}

static int run_chain(const stage *st, bc_tpm *tpm)
{
	bc_stage_host host = {
	    .tpm = tpm,
	    .log_path = cli_measure_log_path(opt.dry_run, opt.no_log, opt.log),
	    .root = opt.root,
	    .print = print_line,
	};
	bc_core_platform p;
	bc_core_run run;
	bc_core_error cerr = {0};
	bc_error err = {0};
	if (bc_stage_platform_init(&p, &host, &err) != BC_OK || check_log(&host, &err) != BC_OK)
		return cli_fail(opt.cmd, &err);
	bc_core_status s = bc_core_stage_run(&p, &st->chain, &run, &cerr);
	int rc = report(st, &run);
	int status = run_status(&host, &run, s, &cerr);
	return status ? status : rc;
}

static int check_run_options(int operands)
{
	struct stat sb;
	if (operands != 1)
		return cli_usage_error(opt.cmd, "expected one STAGE.efi");
	if (!opt.root)
		return cli_usage_error(opt.cmd, "--root DIR is required: where the stage's "
						"volume is mounted");
	if (opt.json)
		return cli_usage_error(opt.cmd, "--json: stage run prints no JSON");
	if (opt.log && opt.no_log)
		return cli_usage_error(opt.cmd, "--log and --no-log exclude each other");
	if (opt.dry_run && (opt.log || opt.tcti))
		return cli_usage_error(opt.cmd, "--dry-run uses no TPM and writes no log: no "
						"--log or --tcti");
	if (stat(opt.root, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		cli_error(opt.cmd, "--root %s: %s", opt.root,
			  stat(opt.root, &sb) != 0 ? strerror(errno) : "not a directory");
		return BC_EXIT_ERROR;
	}
	return 0;
}

static int stage_run(int argc, char **argv)
{
	bool help;
	stage st;
	bc_tpm *tpm = NULL;
	opt = (typeof(opt)){.cmd = "stage run"};
	int rc = parse_options(argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(stage_usage, stdout), BC_EXIT_OK);
	if ((rc = check_run_options(argc - optind)) != 0)
		return rc;
	if ((rc = load_stage(cli_input_path(argv[optind]), &st)) == 0 && !opt.dry_run)
		rc = cli_open_tpm(opt.cmd, opt.tcti, &tpm);
	if (rc == 0)
		rc = run_chain(&st, tpm);
	bc_tpm_close(tpm);
	free(st.data);
	return rc;
}

const cli_verb cli_stage_verbs[] = {
    {"show", stage_show, NULL},
    {"run", stage_run, NULL},
    {NULL, NULL, NULL},
};

int cmd_stage(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("stage", "expected a verb: show or run");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(stage_usage, stdout);
		return BC_EXIT_OK;
	}
	const cli_verb *verb = cli_find_verb(cli_stage_verbs, argv[1]);
	if (verb)
		return verb->run(argc - 1, argv + 1);
	return cli_usage_error("stage", "unknown verb '%s': expected show or run", argv[1]);
}
