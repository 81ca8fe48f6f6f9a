/* SPDX-License-Identifier: BSD-3-Clause */
/* bootchain measure: one layer, or a whole chain; measured or trusted mode. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <bootchain/eventlog.h>
#include <bootchain/measure.h>

#include "cli/cli.h"

#define DEFAULT_LOG "/run/bootchain/eventlog"

static const char measure_usage[] =
    "Usage: bootchain measure FILE --pcr N [--layer NAME] [--type EVENT_TYPE] [OPTIONS]\n"
    "       bootchain measure --chain CHAIN [OPTIONS]\n"
    "\n"
    "Digest a boot layer in every allocated PCR bank (PE/COFF Authenticode for EFI\n"
    "executables, a plain hash otherwise), extend its PCR with one TPM2_PCR_Extend and\n"
    "append the event to the event log. With --chain, every layer of CHAIN in order\n"
    "(see bootchain-chain(5)).\n"
    "\n"
    "Trusted mode (--trusted --golden DB) first compares each layer with the golden\n"
    "database. On a mismatch or on any error it still extends the real digest, then\n"
    "a failure marker into the same PCR (unless --no-cap), measures nothing more and\n"
    "exits 3: halt the boot on any status but 0.\n"
    "\n"
    "Options:\n"
    "  -p, --pcr N          PCR to extend (0-23; optional with --dry-run)\n"
    "  -l, --layer NAME     layer name, the golden component (default: file name)\n"
    "  -t, --type TYPE      event type (default: EV_EVENT_TAG with the layer name)\n"
    "      --pe             Authenticode digest (fails if FILE is not a PE image)\n"
    "      --raw            plain hash of the file\n"
    "  -c, --chain CHAIN    measure the layers listed in CHAIN\n"
    "  -L, --log LOG        event log to append to (default: " DEFAULT_LOG ")\n"
    "      --no-log         do not write an event log\n"
    "  -n, --dry-run        compute (and check) only: no TPM, no log\n"
    "  -b, --banks LIST     --dry-run: banks to compute (default: sha1,sha256)\n"
    "      --trusted        trusted mode: halt on a layer not in the golden database\n"
    "  -g, --golden DB      golden database (bootchain-golden(5))\n"
    "      --pubkey PUB     require DB to be signed by this key (PEM)\n"
    "      --signature SIG  the detached signature (default: DB.sig)\n"
    "      --no-cap         trusted mode: do not extend the failure marker on a halt\n"
    "  -T, --tcti TCTI      TPM to use\n"
    "      --json           print JSON instead of text\n"
    "  -h, --help           show this help\n";

static struct {
	const char *cmd;
	const char *tcti, *layer, *type, *chain, *log, *banks, *golden, *pubkey, *signature;
	unsigned pcr;
	bool has_pcr, pe, raw, no_log, dry_run, trusted, no_cap, json;
} opt;

enum {
	OPT_JSON = 256,
	OPT_PE,
	OPT_RAW,
	OPT_NO_LOG,
	OPT_TRUSTED,
	OPT_PUBKEY,
	OPT_SIGNATURE,
	OPT_NO_CAP,
};

static int parse_option(int o, char **argv)
{
	switch (o) {
	case 'p':
		if (!cli_parse_uint(optarg, BC_PCR_COUNT - 1, &opt.pcr))
			return cli_usage_error(opt.cmd, "--pcr %s: expected 0 to %d", optarg,
					       BC_PCR_COUNT - 1);
		opt.has_pcr = true;
		break;
	case 'l': opt.layer = optarg; break;
	case 't': opt.type = optarg; break;
	case 'c': opt.chain = optarg; break;
	case 'L': opt.log = optarg; break;
	case 'n': opt.dry_run = true; break;
	case 'b': opt.banks = optarg; break;
	case 'g': opt.golden = optarg; break;
	case 'T': opt.tcti = optarg; break;
	case OPT_PE: opt.pe = true; break;
	case OPT_RAW: opt.raw = true; break;
	case OPT_NO_LOG: opt.no_log = true; break;
	case OPT_TRUSTED: opt.trusted = true; break;
	case OPT_PUBKEY: opt.pubkey = optarg; break;
	case OPT_SIGNATURE: opt.signature = optarg; break;
	case OPT_NO_CAP: opt.no_cap = true; break;
	case OPT_JSON: opt.json = true; break;
	default: return cli_bad_option(opt.cmd, o, argv);
	}
	return 0;
}

static int parse_options(int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"pcr", required_argument, NULL, 'p'},
	    {"layer", required_argument, NULL, 'l'},
	    {"type", required_argument, NULL, 't'},
	    {"pe", no_argument, NULL, OPT_PE},
	    {"raw", no_argument, NULL, OPT_RAW},
	    {"chain", required_argument, NULL, 'c'},
	    {"log", required_argument, NULL, 'L'},
	    {"no-log", no_argument, NULL, OPT_NO_LOG},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"banks", required_argument, NULL, 'b'},
	    {"trusted", no_argument, NULL, OPT_TRUSTED},
	    {"golden", required_argument, NULL, 'g'},
	    {"pubkey", required_argument, NULL, OPT_PUBKEY},
	    {"signature", required_argument, NULL, OPT_SIGNATURE},
	    {"no-cap", no_argument, NULL, OPT_NO_CAP},
	    {"tcti", required_argument, NULL, 'T'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o, rc;
	*help = false;
	while ((o = getopt_long(argc, argv, ":p:l:t:c:L:nb:g:T:h", options, NULL)) != -1) {
		if (o == 'h') {
			*help = true;
			return 0;
		}
		if ((rc = parse_option(o, argv)) != 0)
			return rc;
	}
	return 0;
}

/* Combinations that make no sense are usage errors, before anything is measured. */
static int check_options(int operands)
{
	if (opt.chain && operands)
		return cli_usage_error(opt.cmd, "give either FILE or --chain, not both");
	if (!opt.chain && operands != 1)
		return cli_usage_error(opt.cmd, "expected one FILE (or --chain CHAIN)");
	if (!opt.chain && !opt.has_pcr && !(opt.dry_run && !opt.trusted))
		return cli_usage_error(opt.cmd,
				       "--pcr N is required with FILE (but for --dry-run)");
	if (opt.chain && (opt.has_pcr || opt.layer || opt.type || opt.pe || opt.raw))
		return cli_usage_error(opt.cmd, "--pcr, --layer, --type, --pe and --raw belong in "
						"the chain file with --chain");
	if (opt.pe && opt.raw)
		return cli_usage_error(opt.cmd, "--pe and --raw exclude each other");
	if (opt.trusted && !opt.golden)
		return cli_usage_error(opt.cmd, "--trusted needs --golden DB");
	if (!opt.trusted && (opt.golden || opt.pubkey || opt.signature || opt.no_cap))
		return cli_usage_error(opt.cmd, "--golden, --pubkey, --signature and --no-cap "
						"belong to --trusted");
	if (opt.signature && !opt.pubkey)
		return cli_usage_error(opt.cmd, "--signature needs --pubkey");
	if (opt.banks && !opt.dry_run)
		return cli_usage_error(opt.cmd, "--banks is for --dry-run: a real measurement "
						"extends every allocated bank");
	if (opt.log && opt.no_log)
		return cli_usage_error(opt.cmd, "--log and --no-log exclude each other");
	return 0;
}

/* ---- output ---- */

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

static void text_layer(bc_buf *out, const bc_layer *layer, const bc_measurement *r)
{
	char hex[2 * BC_MAX_DIGEST_SIZE + 1];
	bc_buf_printf(out, "%s %s", r->extended ? "measured" : "computed", layer->name);
	if (opt.has_pcr || opt.chain)
		bc_buf_printf(out, " into PCR %u", layer->pcr);
	bc_buf_printf(out, " (%s%s%s)\n", bc_image_kind_name(r->kind), layer->file ? ", " : "",
		      layer->file ? layer->file : "");
	for (size_t i = 0; i < r->digests.count; i++) {
		const bc_digest *d = &r->digests.digests[i];
		bc_buf_printf(out, "  %-8s %s\n", bc_hash_alg_name(d->alg), bc_digest_hex(d, hex));
	}
	if (r->checked)
		bc_buf_printf(out, "  golden   %s\n", bc_golden_verdict_name(r->verdict));
}

static void json_layer(bc_json *j, const bc_layer *layer, const bc_measurement *r)
{
	bc_json_object_begin(j);
	bc_json_key(j, "layer");
	bc_json_string(j, layer->name);
	bc_json_key(j, "pcr");
	if (opt.has_pcr || opt.chain)
		bc_json_uint(j, layer->pcr);
	else
		bc_json_null(j); /* a dry run of a file without --pcr */
	bc_json_key(j, "file");
	layer->file ? bc_json_string(j, layer->file) : bc_json_null(j);
	bc_json_key(j, "kind");
	bc_json_string(j, bc_image_kind_name(r->kind));
	bc_json_key(j, "event_type");
	bc_json_string(j,
		       bc_event_type_name(layer->event_type ? layer->event_type : BC_EV_EVENT_TAG));
	bc_json_key(j, "digests");
	bc_json_object_begin(j);
	for (size_t i = 0; i < r->digests.count; i++) {
		bc_json_key(j, bc_hash_alg_name(r->digests.digests[i].alg));
		bc_json_hex(j, r->digests.digests[i].bytes, r->digests.digests[i].size);
	}
	bc_json_object_end(j);
	bc_json_key(j, "extended");
	bc_json_bool(j, r->extended);
	bc_json_key(j, "logged");
	bc_json_bool(j, r->logged);
	if (r->checked) {
		bc_json_key(j, "golden");
		bc_json_string(j, bc_golden_verdict_name(r->verdict));
	}
	bc_json_object_end(j);
}

/* What one run did, printed when it ends (also after a halt). */
typedef struct report {
	bc_buf text, json;
	bc_json j;
	size_t measured;
	const char *halted_layer;
	bool capped;
	bc_error err;
} report;

static void report_init(report *rep)
{
	*rep = (report){.measured = 0};
	bc_buf_init(&rep->text, CLI_JSON_MAX);
	bc_buf_init(&rep->json, CLI_JSON_MAX);
	bc_json_init(&rep->j, &rep->json);
	bc_json_object_begin(&rep->j);
	bc_json_key(&rep->j, "layers");
	bc_json_array_begin(&rep->j);
}

static void report_layer(report *rep, const bc_layer *layer, const bc_measurement *r)
{
	if (r->digests.count == 0)
		return; /* nothing computed: the error says why */
	text_layer(&rep->text, layer, r);
	json_layer(&rep->j, layer, r);
	rep->measured++;
}

static void not_run_names(bc_buf *out, const bc_chain_layer *rest, size_t not_run)
{
	for (size_t i = 0; i < not_run; i++)
		bc_buf_printf(out, "%s%s", i ? ", " : "", rest[i].layer.name);
	if (!not_run)
		bc_buf_puts(out, "none");
}

/* rest: the not_run layers that were not measured because of a halt. */
static int report_finish(report *rep, const bc_measurer *m, bc_status s, const bc_chain_layer *rest,
			 size_t not_run)
{
	bc_json *j = &rep->j;
	bc_json_array_end(j);
	bc_json_key(j, "log");
	m->log_path ? bc_json_string(j, m->log_path) : bc_json_null(j);
	bc_json_key(j, "halted");
	if (rep->halted_layer) {
		bc_json_object_begin(j);
		bc_json_key(j, "layer");
		bc_json_string(j, rep->halted_layer);
		bc_json_key(j, "reason");
		bc_json_string(j, bc_error_message(&rep->err));
		bc_json_key(j, "capped");
		bc_json_bool(j, rep->capped);
		bc_json_key(j, "not_measured");
		bc_json_array_begin(j);
		for (size_t i = 0; i < not_run; i++)
			bc_json_string(j, rest[i].layer.name);
		bc_json_array_end(j);
		bc_json_object_end(j);
	} else {
		bc_json_null(j);
	}
	bc_json_object_end(j);
	int rc = opt.json ? cli_emit_json(opt.cmd, &rep->json) : cli_emit_text(opt.cmd, &rep->text);
	bc_buf_free(&rep->text);
	bc_buf_free(&rep->json);
	if (rep->halted_layer) {
		const char *msg = bc_error_message(&rep->err);
		size_t len = strlen(rep->halted_layer);
		if (strncmp(msg, "layer ", 6) == 0 && strncmp(msg + 6, rep->halted_layer, len) == 0)
			cli_error(opt.cmd, "HALT at %s", msg); /* it names the layer already */
		else
			cli_error(opt.cmd, "HALT at layer %s: %s", rep->halted_layer, msg);
		bc_buf names = {0};
		bc_buf_init(&names, 64 * 1024);
		not_run_names(&names, rest, not_run);
		cli_error(opt.cmd, "%snot measured: %s",
			  rep->capped ? "failure marker extended; " : "", bc_buf_str(&names));
		bc_buf_free(&names);
		return BC_EXIT_MISMATCH;
	}
	if (s != BC_OK)
		return cli_fail(opt.cmd, &rep->err);
	return rc;
}

/* ---- running ---- */

static bc_status make_log_dir(const char *log, bc_error *err)
{
	if (strcmp(log, DEFAULT_LOG) != 0)
		return BC_OK;
	if (mkdir("/run/bootchain", 0700) < 0 && errno != EEXIST)
		return bc_fail(err, BC_E_IO, "/run/bootchain: %s", strerror(errno));
	return BC_OK;
}

/* Trusted mode that cannot even load its database: halt, and cap the first PCR. */
static int halt_without_golden(bc_measurer *m, report *rep, const bc_chain_layer *layers,
			       size_t count)
{
	rep->halted_layer = layers[0].layer.name;
	if (m->tpm && !opt.no_cap && bc_measure_cap(m, layers[0].layer.pcr, NULL) == BC_OK)
		rep->capped = true;
	return report_finish(rep, m, rep->err.status, layers, count);
}

static int run_layers(bc_measurer *m, const bc_chain_layer *layers, size_t count, report *rep)
{
	bc_status s = BC_OK;
	size_t i;
	for (i = 0; i < count && s == BC_OK; i++) {
		bc_measurement r;
		s = bc_measure_file(m, &layers[i].layer, layers[i].path, &r, &rep->err);
		report_layer(rep, &layers[i].layer, &r);
		if (r.halt) {
			rep->halted_layer = layers[i].layer.name;
			rep->capped = r.capped;
		}
	}
	return report_finish(rep, m, s, layers + i, rep->halted_layer ? count - i : 0);
}

/* The single-file form as a chain of one layer. */
static int single_layer(const char *file, bc_chain_layer *l)
{
	*l = (bc_chain_layer){.path = (char *)file};
	l->layer = (bc_layer){.name = opt.layer ? opt.layer : basename_of(file),
			      .pcr = opt.pcr,
			      .file = file,
			      .kind = opt.pe	? BC_IMAGE_PE
				      : opt.raw ? BC_IMAGE_RAW
						: BC_IMAGE_AUTO};
	if (opt.type &&
	    (!bc_event_type_from_name(opt.type, &l->layer.event_type) || !l->layer.event_type))
		return cli_usage_error(opt.cmd, "--type %s: unknown event type", opt.type);
	bc_error why = {0};
	if (bc_measure_check_type(l->layer.event_type, l->layer.pcr, &why) != BC_OK)
		return cli_usage_error(opt.cmd, "--type %s: %s", opt.type, bc_error_message(&why));
	return 0;
}

static int run(bc_measurer *m, const bc_chain_layer *layers, size_t count)
{
	report rep;
	bc_golden *golden = NULL;
	report_init(&rep);
	if (m->log_path && make_log_dir(m->log_path, &rep.err) != BC_OK)
		return opt.trusted ? halt_without_golden(m, &rep, layers, count)
				   : report_finish(&rep, m, rep.err.status, layers, 0);
	if (opt.golden &&
	    bc_golden_load(opt.golden, opt.pubkey, opt.signature, &golden, &rep.err) != BC_OK) {
		bc_fail(&rep.err, rep.err.status, "cannot use the golden database: %s",
			bc_error_message(&rep.err));
		return halt_without_golden(m, &rep, layers, count);
	}
	m->golden = golden;
	int rc = run_layers(m, layers, count, &rep);
	bc_golden_free(golden);
	return rc;
}

static int measure_with(bc_measurer *m, const bc_chain_layer *layers, size_t count)
{
	if (opt.dry_run) {
		int rc = cli_parse_banks(opt.cmd, opt.banks ? opt.banks : "sha1,sha256", m->algs,
					 &m->alg_count);
		return rc ? rc : run(m, layers, count);
	}
	bc_tpm *tpm = NULL;
	bc_error err = {0};
	int rc = cli_open_tpm(opt.cmd, opt.tcti, &tpm);
	if (rc != 0)
		return opt.trusted ? BC_EXIT_MISMATCH : rc; /* trusted: no TPM is a halt */
	m->tpm = tpm;
	if (bc_measurer_use_tpm_banks(m, &err) != BC_OK)
		rc = opt.trusted ? (cli_fail(opt.cmd, &err), BC_EXIT_MISMATCH)
				 : cli_fail(opt.cmd, &err);
	else
		rc = run(m, layers, count);
	bc_tpm_close(tpm);
	return rc;
}

int cmd_measure(int argc, char **argv)
{
	bool help;
	bc_error err = {0};
	bc_chain *chain = NULL;
	bc_chain_layer single;
	opt = (typeof(opt)){.cmd = "measure"};
	int rc = parse_options(argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(measure_usage, stdout), BC_EXIT_OK);
	if ((rc = check_options(argc - optind)) != 0)
		return rc;
	bc_measurer m = {
	    .log_path = opt.dry_run || opt.no_log ? NULL
			: opt.log		  ? opt.log
						  : DEFAULT_LOG,
	    .cap = opt.trusted && !opt.no_cap,
	};
	if (opt.chain) {
		if (bc_chain_load(opt.chain, &chain, &err) != BC_OK) {
			rc = cli_fail(opt.cmd, &err);
			return opt.trusted ? BC_EXIT_MISMATCH : rc;
		}
		rc = measure_with(&m, chain->layers, chain->count);
		bc_chain_free(chain);
		return rc;
	}
	if ((rc = single_layer(argv[optind], &single)) != 0)
		return rc;
	return measure_with(&m, &single, 1);
}
