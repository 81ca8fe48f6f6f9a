/* SPDX-License-Identifier: BSD-3-Clause */
/* bootchain measure: one layer, or a whole chain; measured or trusted mode. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bootchain/eventlog.h>
#include <bootchain/measure.h>

#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/progress.h"

static const char measure_usage[] =
    "Usage: bootchain measure FILE --pcr N [--layer NAME] [--type EVENT_TYPE] [OPTIONS]\n"
    "       bootchain measure --chain CHAIN [--root DIR] [OPTIONS]\n"
    "       bootchain measure --trusted --golden DB [--root DIR] [OPTIONS]\n"
    "\n"
    "Digest a boot layer in every allocated PCR bank (PE/COFF Authenticode for EFI\n"
    "executables, a plain hash otherwise), extend its PCR with one TPM2_PCR_Extend and\n"
    "append the event to the event log. With --chain, every layer of CHAIN in order\n"
    "(see bootchain-chain(5)).\n"
    "\n"
    "Trusted mode (--trusted --golden DB) first compares each layer with the golden\n"
    "database. On a mismatch or on any error it still extends the real digest, then\n"
    "a failure marker into the same PCR (unless --no-cap), measures nothing more and\n"
    "exits 3: halt the boot on any status but 0. A trusted chain also halts on a layer\n"
    "measured twice or out of the database's order, and at its end when a component the\n"
    "database expects was not measured. With no FILE and no --chain, it runs the boot\n"
    "order recorded in DB (`golden create --chain`); with --chain, CHAIN must equal it.\n"
    "The log is checked before the first extend.\n"
    "\n"
    "Options:\n"
    "  -p, --pcr N          PCR to extend (0-23; optional with --dry-run)\n"
    "      --layer NAME     layer name, the golden component (default: file name)\n"
    "      --type TYPE      event type (default: EV_EVENT_TAG with the layer name)\n"
    "      --pe             Authenticode digest (fails if FILE is not a PE image)\n"
    "      --raw            plain hash of the file\n"
    "  -c, --chain CHAIN    measure the layers listed in CHAIN\n"
    "  -L, --log LOG        event log to append to (default: $BOOTCHAIN_EVENTLOG, else\n"
    "                       " CLI_MEASURED_LOG ")\n"
    "      --no-log         do not write an event log\n"
    "      --dry-run        compute (and check) only: no TPM, no log\n"
    "  -b, --banks LIST     --dry-run: banks to compute (default: sha1,sha256)\n"
    "      --trusted        trusted mode: halt on a layer not in the golden database\n"
    "  -g, --golden DB      golden database (bootchain-golden(5))\n"
    "      --pubkey PUB     require DB to be signed by this key (PEM)\n"
    "      --signature SIG  the detached signature (default: DB.sig)\n"
    "      --no-cap         trusted mode: do not extend the failure marker on a halt\n"
    "      --root DIR       relative file names of CHAIN (default: its folder) or of the\n"
    "                       database's boot order (default: DB's folder) are in DIR\n"
    "  -T, --tcti TCTI      TPM to use\n"
    "      --json           print JSON instead of text\n"
    "      --quiet          no progress on a terminal while a large image is hashed\n"
    "  -h, --help           show this help\n";

static struct {
	const char *cmd;
	const char *tcti, *layer, *type, *chain, *log, *banks, *golden, *pubkey, *signature, *root;
	unsigned pcr;
	bool has_pcr, pe, raw, no_log, dry_run, trusted, no_cap, json, quiet;
	bool layers_have_pcrs; /* a chain, the boot order, or --pcr */
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
	OPT_ROOT,
	OPT_QUIET,
	OPT_LAYER,
	OPT_TYPE,
	OPT_DRY_RUN,
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
	case OPT_LAYER: opt.layer = optarg; break;
	case OPT_TYPE: opt.type = optarg; break;
	case 'c': opt.chain = optarg; break;
	case 'L': opt.log = optarg; break;
	case OPT_DRY_RUN: opt.dry_run = true; break;
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
	case OPT_ROOT: opt.root = optarg; break;
	case OPT_JSON: opt.json = true; break;
	case OPT_QUIET: opt.quiet = true; break;
	default: return cli_bad_option(opt.cmd, o, argv);
	}
	return 0;
}

static int parse_options(int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"pcr", required_argument, NULL, 'p'},
	    {"layer", required_argument, NULL, OPT_LAYER},
	    {"type", required_argument, NULL, OPT_TYPE},
	    {"pe", no_argument, NULL, OPT_PE},
	    {"raw", no_argument, NULL, OPT_RAW},
	    {"chain", required_argument, NULL, 'c'},
	    {"log", required_argument, NULL, 'L'},
	    {"no-log", no_argument, NULL, OPT_NO_LOG},
	    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	    {"banks", required_argument, NULL, 'b'},
	    {"trusted", no_argument, NULL, OPT_TRUSTED},
	    {"golden", required_argument, NULL, 'g'},
	    {"pubkey", required_argument, NULL, OPT_PUBKEY},
	    {"signature", required_argument, NULL, OPT_SIGNATURE},
	    {"no-cap", no_argument, NULL, OPT_NO_CAP},
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"tcti", required_argument, NULL, 'T'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"quiet", no_argument, NULL, OPT_QUIET},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o, rc;
	*help = false;
	while ((o = getopt_long(argc, argv, ":p:c:L:b:g:T:h", options, NULL)) != -1) {
		if (o == 'h') {
			*help = true;
			return 0;
		}
		if ((rc = parse_option(o, argv)) != 0)
			return rc;
	}
	return 0;
}

/* A trusted boot of the database's own boot order: neither FILE nor --chain. */
static bool boot_order_mode(int operands)
{
	return opt.trusted && !opt.chain && operands == 0;
}

/* Combinations that make no sense are usage errors, before anything is measured. */
static int check_options(int operands)
{
	if (opt.chain && operands)
		return cli_usage_error(opt.cmd, "give either FILE or --chain, not both");
	if (!opt.chain && operands != 1 && !boot_order_mode(operands))
		return cli_usage_error(opt.cmd, "expected one FILE (or --chain CHAIN, or "
						"--trusted --golden DB for its boot order)");
	if (opt.root && !opt.chain && !boot_order_mode(operands))
		return cli_usage_error(opt.cmd, "--root is for the relative file names of --chain "
						"CHAIN or of the database's boot order, not FILE");
	if (boot_order_mode(operands) &&
	    (opt.has_pcr || opt.layer || opt.type || opt.pe || opt.raw))
		return cli_usage_error(opt.cmd, "--pcr, --layer, --type, --pe and --raw belong in "
						"the boot order of the database");
	if (!opt.chain && operands && !opt.has_pcr && !(opt.dry_run && !opt.trusted))
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
	if (opt.layers_have_pcrs)
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
	if (opt.layers_have_pcrs)
		bc_json_uint(j, layer->pcr);
	else
		bc_json_null(j); /* a dry run of a file without --pcr */
	bc_json_key(j, "file");
	layer->file ? bc_json_string(j, layer->file) : bc_json_null(j);
	bc_json_key(j, "kind");
	bc_json_string(j, bc_image_kind_name(r->kind));
	uint32_t type = layer->event_type ? layer->event_type : BC_EV_EVENT_TAG;
	char number[16];
	snprintf(number, sizeof(number), "0x%08x", type); /* a type without a name */
	bc_json_key(j, "event_type");
	bc_json_string(j, bc_event_type_name(type) ? bc_event_type_name(type) : number);
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
	bool halted;
	const char *halted_layer; /* NULL: the run halted before it knew its layers */
	bool capped;
	uint32_t capped_pcrs; /* where the failure marker went, when capped */
	const char **not_measured;
	size_t not_measured_count;
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

/* A halt at layer (NULL: before the layers were known); rest are not measured. */
static void report_halt(report *rep, const char *layer, const bc_chain_layer *rest, size_t count)
{
	rep->halted = true;
	rep->halted_layer = layer;
	free(rep->not_measured);
	rep->not_measured = calloc(count ? count : 1, sizeof(*rep->not_measured));
	rep->not_measured_count = rep->not_measured ? count : 0;
	for (size_t i = 0; i < rep->not_measured_count; i++)
		rep->not_measured[i] = rest[i].layer.name;
}

static void json_halt(report *rep)
{
	bc_json *j = &rep->j;
	bc_json_object_begin(j);
	bc_json_key(j, "layer");
	rep->halted_layer ? bc_json_string(j, rep->halted_layer) : bc_json_null(j);
	bc_json_key(j, "reason");
	bc_json_string(j, bc_error_message(&rep->err));
	bc_json_key(j, "capped");
	bc_json_bool(j, rep->capped);
	bc_json_key(j, "capped_pcrs");
	bc_json_array_begin(j);
	for (uint32_t pcr = 0; rep->capped && pcr < BC_PCR_COUNT; pcr++)
		if (rep->capped_pcrs & (1u << pcr))
			bc_json_uint(j, pcr);
	bc_json_array_end(j);
	bc_json_key(j, "not_measured");
	bc_json_array_begin(j);
	for (size_t i = 0; i < rep->not_measured_count; i++)
		bc_json_string(j, rep->not_measured[i]);
	bc_json_array_end(j);
	bc_json_object_end(j);
}

/* "failure marker extended into PCR 8; not measured: kernel, initrd" */
static void halt_summary(const report *rep, bc_buf *out)
{
	if (rep->capped) {
		bc_buf_puts(out, "failure marker extended into PCR");
		for (uint32_t pcr = 0, n = 0; pcr < BC_PCR_COUNT; pcr++)
			if (rep->capped_pcrs & (1u << pcr))
				bc_buf_printf(out, "%s %u", n++ ? "," : "", pcr);
		bc_buf_puts(out, "; ");
	} else if (rep->measured == 0) {
		bc_buf_puts(out, "nothing extended; ");
	}
	bc_buf_puts(out, "not measured: ");
	for (size_t i = 0; i < rep->not_measured_count; i++)
		bc_buf_printf(out, "%s%s", i ? ", " : "", rep->not_measured[i]);
	if (!rep->not_measured_count)
		bc_buf_puts(out, "none");
}

static int report_halt_message(const report *rep)
{
	const char *msg = bc_error_message(&rep->err);
	const char *layer = rep->halted_layer;
	size_t len = layer ? strlen(layer) : 0;
	if (!layer)
		cli_error(opt.cmd, "HALT: %s", msg);
	else if (strncmp(msg, "layer ", 6) == 0 && strncmp(msg + 6, layer, len) == 0)
		cli_error(opt.cmd, "HALT at %s", msg); /* it names the layer already */
	else
		cli_error(opt.cmd, "HALT at layer %s: %s", layer, msg);
	bc_buf summary = {0};
	bc_buf_init(&summary, 64 * 1024);
	halt_summary(rep, &summary);
	cli_error(opt.cmd, "%s", bc_buf_str(&summary));
	bc_buf_free(&summary);
	return BC_EXIT_MISMATCH;
}

static int report_finish(report *rep, const bc_measurer *m, bc_status s)
{
	bc_json *j = &rep->j;
	bc_json_array_end(j);
	bc_json_key(j, "log");
	m->log_path ? bc_json_string(j, m->log_path) : bc_json_null(j);
	bc_json_key(j, "halted");
	rep->halted ? json_halt(rep) : bc_json_null(j);
	bc_json_object_end(j);
	int rc = opt.json ? cli_emit_json(opt.cmd, &rep->json) : cli_emit_text(opt.cmd, &rep->text);
	bc_buf_free(&rep->text);
	bc_buf_free(&rep->json);
	if (rep->halted)
		rc = report_halt_message(rep);
	else if (s != BC_OK)
		rc = cli_fail(opt.cmd, &rep->err);
	free(rep->not_measured);
	return rc;
}

/* ---- running ---- */

/* Trusted mode that halts before its first layer (no usable database, a chain that is
 * not the signed order): the marker into pcr (none when pcr is -1). */
static int halt_before(bc_measurer *m, report *rep, const char *layer, int pcr,
		       const bc_chain_layer *layers, size_t count)
{
	report_halt(rep, layer, layers, count);
	if (m->tpm && !opt.no_cap && pcr >= 0 && bc_measure_cap(m, (uint32_t)pcr, NULL) == BC_OK) {
		rep->capped = true;
		rep->capped_pcrs = 1u << pcr;
	}
	return report_finish(rep, m, rep->err.status);
}

/* The end of a trusted chain: a component the database expects and nobody measured. */
static void finish_chain(bc_measurer *m, report *rep, bc_status *s)
{
	bc_measurement r;
	if (*s != BC_OK || (*s = bc_measure_finish(m, &r, &rep->err)) == BC_OK || !r.halt)
		return;
	size_t count = bc_boot_progress_missing(m->progress, NULL, 0);
	const bc_golden_component **missing = calloc(count ? count : 1, sizeof(*missing));
	const char **names = calloc(count ? count : 1, sizeof(*names));
	rep->halted = true;
	rep->capped = r.capped;
	if (missing && names) {
		bc_boot_progress_missing(m->progress, missing, count);
		for (size_t i = 0; i < count; i++) {
			rep->capped_pcrs |= 1u << missing[i]->pcr;
			names[i] = missing[i]->name;
		}
		rep->halted_layer = names[0];
		free(rep->not_measured);
		rep->not_measured = TAKE_PTR(names);
		rep->not_measured_count = count;
	}
	free(missing);
	free(names);
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
			report_halt(rep, layers[i].layer.name, layers + i + 1, count - i - 1);
			rep->capped = r.capped;
			rep->capped_pcrs = 1u << layers[i].layer.pcr;
		}
	}
	if (m->progress)
		finish_chain(m, rep, &s);
	return report_finish(rep, m, s);
}

/* The single-file form as a chain of one layer. FILE "-" is standard input: the log
 * records "-", and the layer needs a name (--layer). */
static int single_layer(const char *file, bc_chain_layer *l)
{
	if (cli_is_stdio(file) && !opt.layer)
		return cli_usage_error(opt.cmd, "FILE '-' (standard input) needs --layer NAME");
	*l = (bc_chain_layer){.path = (char *)cli_input_path(file)};
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

/* What to measure: a chain file, one FILE, or (chain NULL) the database's boot order. */
typedef struct plan {
	const bc_chain *chain;
	const bc_chain_layer *layers;
	size_t count;
} plan;

/* --root, or the database's directory ("/" for a database there; NULL: the current one). */
static char *boot_order_root(void)
{
	if (opt.root)
		return strdup(opt.root);
	const char *slash = strrchr(opt.golden, '/');
	if (!slash)
		return NULL;
	return slash == opt.golden ? strdup("/")
				   : strndup(opt.golden, (size_t)(slash - opt.golden));
}

/* The layers of the run: the plan's, or those of the database's boot order (*owned). A
 * chain file must then be the signed order. On failure the run has halted: rc. */
static bool plan_layers(bc_measurer *m, plan *p, bc_chain **owned, report *rep, int *rc)
{
	size_t at = 0;
	if (!p->layers) {
		char *root = boot_order_root();
		bc_status s = bc_chain_from_golden(m->golden, root, owned, &rep->err);
		free(root);
		if (s != BC_OK) {
			*rc = halt_before(m, rep, NULL, -1, NULL, 0);
			return false;
		}
		p->layers = (*owned)->layers;
		p->count = (*owned)->count;
		return true;
	}
	size_t steps;
	if (!p->chain || !m->golden || !bc_golden_boot_order(m->golden, &steps) ||
	    bc_chain_check_order(p->chain, m->golden, &at, &rep->err) == BC_OK)
		return true;
	/* the marker into the PCR of the first layer that differs */
	const bc_golden_boot_step *order = bc_golden_boot_order(m->golden, &steps);
	bool in_chain = at < p->count;
	*rc = halt_before(m, rep, in_chain ? p->layers[at].layer.name : order[at].name,
			  (int)(in_chain ? p->layers[at].layer.pcr : order[at].pcr), p->layers,
			  p->count);
	return false;
}

/* Before any TPM change: the log must take our events (bc_measurer_check_log). */
static bool log_usable(bc_measurer *m, plan *p, report *rep, int *rc)
{
	if (!m->log_path || (cli_make_log_dir(m->log_path, &rep->err) == BC_OK &&
			     bc_measurer_check_log(m, &rep->err) == BC_OK))
		return true;
	if (opt.trusted) /* halt: the marker could not be logged either, so none */
		*rc = (report_halt(rep, NULL, p->layers, p->count), report_finish(rep, m, BC_OK));
	else
		*rc = report_finish(rep, m, rep->err.status);
	return false;
}

static int run(bc_measurer *m, plan *p)
{
	report rep;
	bc_golden *golden = NULL;
	bc_chain *owned = NULL;
	int rc = 0;
	report_init(&rep);
	if (!log_usable(m, p, &rep, &rc))
		return rc;
	if (opt.golden &&
	    bc_golden_load(opt.golden, opt.pubkey, opt.signature, &golden, &rep.err) != BC_OK) {
		bc_fail(&rep.err, rep.err.status, "cannot use the golden database: %s",
			bc_error_message(&rep.err));
		return p->count ? halt_before(m, &rep, p->layers[0].layer.name,
					      (int)p->layers[0].layer.pcr, p->layers, p->count)
				: halt_before(m, &rep, NULL, -1, NULL, 0);
	}
	m->golden = golden;
	bc_error err = {0};
	if (plan_layers(m, p, &owned, &rep, &rc)) {
		/* a whole chain keeps its order; FILE alone is one layer of someone's boot */
		if (golden && (p->chain || owned) &&
		    bc_boot_progress_new(golden, &m->progress, &err) != BC_OK)
			rc = (report_finish(&rep, m, BC_OK), cli_fail(opt.cmd, &err));
		else
			rc = run_layers(m, p->layers, p->count, &rep);
	}
	bc_boot_progress_free(m->progress);
	m->progress = NULL;
	bc_chain_free(owned);
	bc_golden_free(golden);
	return rc;
}

static int measure_on_tpm(bc_measurer *m, plan *p)
{
	if (opt.dry_run) {
		int rc = cli_parse_banks(opt.cmd, opt.banks ? opt.banks : "sha1,sha256", m->algs,
					 &m->alg_count);
		return rc ? rc : run(m, p);
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
		rc = run(m, p);
	bc_tpm_close(tpm);
	return rc;
}

/* The images hashed: on a terminal, how far each is (stderr, unless --quiet). */
static int measure_with(bc_measurer *m, plan *p)
{
	bc_progress meter;
	bc_progress_init(&meter, opt.quiet);
	bc_image_progress_set(bc_progress_bytes, &meter);
	int rc = measure_on_tpm(m, p);
	bc_image_progress_set(NULL, NULL);
	bc_progress_end(&meter);
	return rc;
}

int cmd_measure(int argc, char **argv)
{
	bool help;
	bc_error err = {0};
	bc_chain *chain = NULL;
	bc_chain_layer single;
	plan p = {.chain = NULL};
	opt = (typeof(opt)){.cmd = "measure"};
	int rc = parse_options(argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(measure_usage, stdout), BC_EXIT_OK);
	if ((rc = check_options(argc - optind)) != 0)
		return rc;
	opt.layers_have_pcrs = opt.has_pcr || opt.chain || boot_order_mode(argc - optind);
	bc_measurer m = {
	    .log_path = cli_measure_log_path(opt.dry_run, opt.no_log, opt.log),
	    .cap = opt.trusted && !opt.no_cap,
	};
	if (opt.chain) {
		if (cli_chain_load(opt.chain, opt.root, &chain, &err) != BC_OK) {
			rc = cli_fail(opt.cmd, &err);
			return opt.trusted ? BC_EXIT_MISMATCH : rc;
		}
		p = (plan){.chain = chain, .layers = chain->layers, .count = chain->count};
		rc = measure_with(&m, &p);
		bc_chain_free(chain);
		return rc;
	}
	if (boot_order_mode(argc - optind))
		return measure_with(&m, &p);
	if ((rc = single_layer(argv[optind], &single)) != 0)
		return rc;
	p = (plan){.layers = &single, .count = 1};
	return measure_with(&m, &p);
}
