/* SPDX-License-Identifier: BSD-3-Clause */
/* bootchain golden create | add | merge | show | predict | check | sign | verify */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/eventlog.h>
#include <bootchain/golden.h>
#include <bootchain/measure.h>
#include <bootchain/policy.h>

#include "cli/cli.h"
#include "cli/golden.h"
#include "golden/golden-build.h"
#include "golden/golden-internal.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/progress.h"

#define DEFAULT_LOG	"/sys/kernel/security/tpm0/binary_bios_measurements"
#define DEFAULT_BANKS	"sha1,sha256,sha384,sha512"
#define DEFAULT_MAX	64
#define MAX_SOURCES	256
#define SHORT_HEX_BYTES 4 /* "9f86d081..2b0b822c" in reports */

static const char golden_usage[] =
    "Usage: bootchain golden create --out DB SOURCE... [--key KEY.pem]\n"
    "       bootchain golden add DB SOURCE... [--out NEW] [--key KEY.pem]\n"
    "       bootchain golden merge DB1 DB2... --out DB [--key KEY.pem]\n"
    "       bootchain golden show DB [--json]\n"
    "       bootchain golden predict DB [--pcrs SELECTION] [--max N] [--json]\n"
    "                      [--with NAME:PCR:FILE]... [--keep-old]\n"
    "       bootchain golden predict DB --log REFLOG --with-db|--with-dbx FILE... [--json]\n"
    "       bootchain golden check DB [LOG] [--verbose] [--json]\n"
    "       bootchain golden sign DB --key KEY.pem [--signature SIG]\n"
    "                      [--policy-out FILE [--policy-pcrs SEL] [--policy-ref TEXT]\n"
    "                       [--max-branches N]] [--json]\n"
    "       bootchain golden verify DB --pubkey PUB.pem [--signature SIG]\n"
    "       bootchain golden update|retire ...  (see bootchain golden update --help)\n"
    "       bootchain golden embed --stage STAGE.efi --chain CHAIN --golden DB --out OUT\n"
    "                      (see bootchain golden embed --help)\n"
    "\n"
    "Golden databases (bootchain-golden(5)) hold the known-good versions of each boot\n"
    "component. SOURCE is any mix of:\n"
    "      --image NAME:PCR:FILE  an image, digested as firmware or `bootchain measure`\n"
    "                             would (Authenticode for EFI executables)\n"
    "      --from-log LOG         every measured event of a known-good machine's log\n"
    "  -c, --chain CHAIN          every layer of a chain file (bootchain-chain(5))\n"
    "      --root DIR             --chain: its relative file names are in DIR (default:\n"
    "                             the chain file's folder), as for `measure --root`\n"
    "\n"
    "check gives every event of LOG (default: this machine's firmware log) a verdict\n"
    "and exits 3 unless everything required is known.\n"
    "\n"
    "Options:\n"
    "  -o, --out DB          the database to write (written atomically; add: in place\n"
    "                        without it, and not at all when nothing is added)\n"
    "  -f, --force           replace an existing --out or --policy-out file\n"
    "  -b, --banks LIST      banks to digest images in (default: " DEFAULT_BANKS ")\n"
    "  -l, -p, --pcrs SEL    predict: PCRs to predict (default: all it covers)\n"
    "      --max N           predict: values per PCR at most (default: 64)\n"
    "  -w, --with NAME:PCR:FILE  predict: the boot with this image as component NAME\n"
    "                        (replacing its versions; a new component when NAME is new)\n"
    "      --keep-old        predict --with: keep the old versions too (either boot)\n"
    "      --log REFLOG      predict --with-db/--with-dbx: a log of the machine, which\n"
    "                        gives the variables' old values and PCR 7's events\n"
    "      --with-db FILE    predict: PCR 7 after appending FILE (.auth as sbvarsign\n"
    "      --with-dbx FILE   writes, or EFI_SIGNATURE_LISTs) to db or dbx\n"
    "      --replace-db FILE, --replace-dbx FILE  the same for a write that replaces\n"
    "  -k, --key KEY         sign: private key (PEM, ECDSA or RSA); create, add, merge:\n"
    "                        sign what is written (needed to change a signed DB)\n"
    "      --policy-out FILE sign: also write the signed PCR policy of every boot the\n"
    "                        database allows (bootchain-policy(5)), for seal/unseal\n"
    "      --policy-pcrs SEL sign: its PCRs, one bank (default: sha256 and the PCRs\n"
    "                        the database has components in)\n"
    "      --policy-ref TEXT sign: the policyRef it is signed with (default: none)\n"
    "      --max-branches N  sign: refuse more combinations of values (default: 1024)\n"
    "      --pubkey PUB      refuse a database not signed by this key\n"
    "      --signature SIG   the detached signature (default: DB.sig)\n"
    "  -v, --verbose         check: every event, not only the problems\n"
    "      --json            print JSON instead of text\n"
    "      --quiet           create, add, merge: no progress on a terminal while a\n"
    "                        large image is hashed\n"
    "  -h, --help            show this help\n";

typedef struct source {
	char kind; /* 'i', 'l', 'c' */
	const char *arg;
} source;

static struct {
	const char *cmd;
	const char *out, *banks, *pcrs, *key, *pubkey, *signature;
	unsigned max;
	bool verbose, json, keep_old, quiet, force;
	golden_policy_args policy; /* sign --policy-out */
	size_t with_count;	   /* predict --with */
	const char *with[MAX_SOURCES];
	const char *log;  /* predict --with-db/--with-dbx: the reference log */
	const char *root; /* create, add: --chain's relative file names are in it */
	size_t sb_count;
	bc_sb_update sb[MAX_SOURCES];
	size_t source_count;
	source sources[MAX_SOURCES];
} opt;

enum {
	OPT_JSON = 256,
	OPT_PUBKEY,
	OPT_SIGNATURE,
	OPT_KEEP_OLD,
	OPT_LOG,
	OPT_WITH_DB,
	OPT_WITH_DBX,
	OPT_REPLACE_DB,
	OPT_REPLACE_DBX,
	OPT_QUIET,
	OPT_IMAGE,
	OPT_FROM_LOG,
	OPT_MAX,
	OPT_ROOT,
};

static int parse_option(int o, char **argv)
{
	int rc;
	if (golden_policy_option(opt.cmd, o, optarg, &opt.policy, &rc))
		return rc;
	switch (o) {
	case OPT_IMAGE:
	case OPT_FROM_LOG:
	case 'c':
		if (opt.source_count == MAX_SOURCES)
			return cli_usage_error(opt.cmd, "more than %d sources", MAX_SOURCES);
		opt.sources[opt.source_count++] = (source){.kind = o == OPT_IMAGE      ? 'i'
								   : o == OPT_FROM_LOG ? 'l'
										       : 'c',
							   .arg = optarg};
		break;
	case 'w':
		if (opt.with_count == MAX_SOURCES)
			return cli_usage_error(opt.cmd, "more than %d --with", MAX_SOURCES);
		opt.with[opt.with_count++] = optarg;
		break;
	case OPT_KEEP_OLD: opt.keep_old = true; break;
	case OPT_LOG: opt.log = optarg; break;
	case OPT_ROOT: opt.root = optarg; break;
	case OPT_WITH_DB:
	case OPT_WITH_DBX:
	case OPT_REPLACE_DB:
	case OPT_REPLACE_DBX:
		if (opt.sb_count == MAX_SOURCES)
			return cli_usage_error(opt.cmd, "more than %d updates", MAX_SOURCES);
		opt.sb[opt.sb_count++] = (bc_sb_update){
		    .variable = o == OPT_WITH_DB || o == OPT_REPLACE_DB ? "db" : "dbx",
		    .write = o == OPT_WITH_DB || o == OPT_WITH_DBX ? BC_SB_APPEND : BC_SB_REPLACE,
		    .path = optarg};
		break;
	case 'o': opt.out = optarg; break;
	case 'f': opt.force = true; break;
	case 'b': opt.banks = optarg; break;
	case 'l':
	case 'p': opt.pcrs = optarg; break;
	case OPT_MAX:
		if (!cli_parse_uint(optarg, 1u << 20, &opt.max) || opt.max == 0)
			return cli_usage_error(opt.cmd, "--max %s: expected 1 to %u", optarg,
					       1u << 20);
		break;
	case 'k': opt.key = optarg; break;
	case 'v': opt.verbose = true; break;
	case OPT_PUBKEY: opt.pubkey = optarg; break;
	case OPT_SIGNATURE: opt.signature = optarg; break;
	case OPT_JSON: opt.json = true; break;
	case OPT_QUIET: opt.quiet = true; break;
	default: return cli_bad_option(opt.cmd, o, argv);
	}
	return 0;
}

static int parse_options(int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"image", required_argument, NULL, OPT_IMAGE},
	    {"from-log", required_argument, NULL, OPT_FROM_LOG},
	    {"chain", required_argument, NULL, 'c'},
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"with", required_argument, NULL, 'w'},
	    {"keep-old", no_argument, NULL, OPT_KEEP_OLD},
	    {"log", required_argument, NULL, OPT_LOG},
	    {"with-db", required_argument, NULL, OPT_WITH_DB},
	    {"with-dbx", required_argument, NULL, OPT_WITH_DBX},
	    {"replace-db", required_argument, NULL, OPT_REPLACE_DB},
	    {"replace-dbx", required_argument, NULL, OPT_REPLACE_DBX},
	    {"out", required_argument, NULL, 'o'},
	    {"force", no_argument, NULL, 'f'},
	    {"banks", required_argument, NULL, 'b'},
	    {"pcrs", required_argument, NULL, 'p'},
	    {"max", required_argument, NULL, OPT_MAX},
	    {"key", required_argument, NULL, 'k'},
	    {"pubkey", required_argument, NULL, OPT_PUBKEY},
	    {"signature", required_argument, NULL, OPT_SIGNATURE},
	    {"verbose", no_argument, NULL, 'v'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"quiet", no_argument, NULL, OPT_QUIET},
	    GOLDEN_POLICY_OPTIONS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o, rc;
	*help = false;
	while ((o = getopt_long(argc, argv, ":c:w:o:fb:l:p:k:vh", options, NULL)) != -1) {
		if (o == 'h') {
			*help = true;
			return 0;
		}
		if ((rc = parse_option(o, argv)) != 0)
			return rc;
	}
	return 0;
}

/* ---- helpers ---- */

/* NAME:PCR:FILE; the file may contain colons, the name may not. */
static int parse_image(const char *arg, char *name, size_t size, unsigned *pcr, const char **file)
{
	const char *c1 = strchr(arg, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char num[8];
	if (!c1 || !c2 || c1 == arg || (size_t)(c1 - arg) >= size ||
	    c2 - c1 - 1 >= (long)sizeof(num) || !c2[1])
		return cli_usage_error(opt.cmd, "--image %s: expected NAME:PCR:FILE", arg);
	memcpy(name, arg, (size_t)(c1 - arg));
	name[c1 - arg] = 0;
	memcpy(num, c1 + 1, (size_t)(c2 - c1 - 1));
	num[c2 - c1 - 1] = 0;
	if (!cli_parse_uint(num, BC_PCR_COUNT - 1, pcr))
		return cli_usage_error(opt.cmd, "--image %s: PCR %s is not 0 to 23", arg, num);
	*file = c2 + 1;
	return 0;
}

/* DB "-" is standard input; its signature is then never "-.sig": --signature names it. */
static int load_db(const char *path, bc_golden **db)
{
	bc_error err = {0};
	if (cli_is_stdio(path) && opt.pubkey && !opt.signature)
		return cli_usage_error(opt.cmd, "DB '-' (standard input) with --pubkey needs "
						"--signature SIG: no DB.sig is beside it");
	if (bc_golden_load(cli_input_path(path), opt.pubkey, cli_input_path(opt.signature), db,
			   &err) != BC_OK)
		return cli_fail(opt.cmd, &err);
	return 0;
}

static bc_status add_source(bc_golden_builder *b, const source *src, const uint16_t *algs,
			    size_t count, bc_error *err)
{
	bc_status s;
	if (src->kind == 'l') {
		bc_log *log = NULL;
		if ((s = bc_log_read_file(cli_input_path(src->arg), &log, err)) == BC_OK)
			s = bc_golden_builder_add_log(b, log, err);
		bc_log_free(log);
		return s;
	}
	if (src->kind == 'c') {
		bc_chain *chain = NULL;
		if ((s = cli_chain_load(src->arg, opt.root, &chain, err)) == BC_OK)
			s = bc_golden_builder_add_chain(b, chain, algs, count, err);
		bc_chain_free(chain);
		return s;
	}
	char name[256];
	unsigned pcr;
	const char *file;
	if (parse_image(src->arg, name, sizeof(name), &pcr, &file) != 0)
		return bc_fail(err, BC_E_INVALID, "--image %s: expected NAME:PCR:FILE", src->arg);
	return bc_golden_builder_add_image(b, name, pcr, file, BC_IMAGE_AUTO, algs, count, err);
}

/* The signature that goes with the database written to out: --signature for a database
 * changed in place (the option names its signature), OUT.sig otherwise. */
static char *output_signature(const char *out, bool in_place)
{
	char *path = NULL;
	if (in_place && opt.signature)
		return strdup(opt.signature);
	return asprintf(&path, "%s.sig", out) < 0 ? NULL : path;
}

/* text to out and, with --key, its signature to sig_path: each atomically, the signature
 * made before anything is written, so that a key that cannot sign changes nothing. */
static bc_status write_database(const char *out, const char *sig_path, const char *text,
				size_t size, bc_error *err)
{
	uint8_t *sig = NULL;
	size_t sig_size = 0;
	bc_status s = BC_OK;
	if (cli_is_stdio(out)) /* --out -: no --key (checked), nothing beside it */
		return fwrite(text, 1, size, stdout) == size && fflush(stdout) == 0
			   ? BC_OK
			   : bc_fail(err, BC_E_IO, "standard output: %s", strerror(errno));
	if (opt.key)
		s = bc_signature_sign(text, size, opt.key, &sig, &sig_size, err);
	if (s == BC_OK)
		s = bc_write_file_atomic(out, text, size, 0644, err);
	if (s == BC_OK && opt.key)
		s = bc_write_file_atomic(sig_path, sig, sig_size, 0644, err);
	free(sig);
	return s;
}

/* The existing databases (may be none) and then the sources, into b. */
static int fill(bc_golden_builder *b, char **dbs, size_t db_count, bc_error *err)
{
	uint16_t algs[BC_MAX_BANKS];
	size_t count;
	int rc = cli_parse_banks(opt.cmd, opt.banks ? opt.banks : DEFAULT_BANKS, algs, &count);
	for (size_t i = 0; rc == 0 && i < opt.source_count; i++) {
		char name[256];
		unsigned pcr;
		const char *file;
		if (opt.sources[i].kind == 'i')
			rc = parse_image(opt.sources[i].arg, name, sizeof(name), &pcr, &file);
	}
	bc_status s = BC_OK;
	bc_progress meter; /* of the images hashed, on a terminal */
	bc_progress_init(&meter, opt.quiet);
	for (size_t i = 0; rc == 0 && s == BC_OK && i < db_count; i++) {
		bc_golden *db = NULL;
		if ((rc = load_db(dbs[i], &db)) == 0)
			s = bc_golden_builder_add_db(b, db, err);
		bc_golden_free(db);
	}
	if (rc == 0 && s == BC_OK)
		s = bc_golden_builder_checkpoint(b, err);
	bc_image_progress_set(bc_progress_bytes, &meter);
	for (size_t i = 0; rc == 0 && s == BC_OK && i < opt.source_count; i++)
		s = add_source(b, &opt.sources[i], algs, count, err);
	bc_image_progress_set(NULL, NULL);
	bc_progress_end(&meter);
	return rc ? rc : s == BC_OK ? 0 : cli_fail(opt.cmd, err);
}

/* "wrote DB: N components, M versions[, signed: SIG]", counted in what was written. */
static int print_written(const char *out, const char *text, size_t size, const char *verb,
			 const char *sig_path)
{
	bc_error err = {0};
	bc_golden *db = NULL;
	size_t versions = 0;
	if (bc_golden_from_memory(text, size, out, &db, &err) != BC_OK)
		return cli_fail(opt.cmd, &err);
	size_t count = bc_golden_component_count(db);
	for (size_t i = 0; i < count; i++)
		versions += bc_golden_component_at(db, i)->version_count;
	printf("%s %s: %zu component%s, %zu version%s%s%s\n", verb, out, count,
	       count == 1 ? "" : "s", versions, versions == 1 ? "" : "s",
	       opt.key ? ", signed: " : "", opt.key ? sig_path : "");
	bc_golden_free(db);
	return 0;
}

/* --out - writes the database to standard output: with nothing beside it, so no --key. */
static int check_out(void)
{
	if (cli_is_stdio(opt.out) && opt.key)
		return cli_usage_error(opt.cmd, "--out - and --key: a signature needs a file");
	return cli_check_output(opt.cmd, opt.out, opt.force);
}

/* Build from existing databases and the sources, write to out. in_place: out is the one
 * database given, which is left as it is (not even rewritten) when nothing was added. */
static int build(char **dbs, size_t db_count, const char *out, bool in_place)
{
	bc_error err = {0};
	bc_golden_builder *b = NULL;
	char *text = NULL, *sig_path = NULL;
	size_t size = 0;
	int rc = bc_golden_builder_new(&b, &err) == BC_OK ? fill(b, dbs, db_count, &err)
							  : cli_fail(opt.cmd, &err);
	bool changed = rc == 0 && (!in_place || bc_golden_builder_changed(b));
	if (rc == 0 && !changed)
		printf("%s: unchanged (every version given is there already)\n", out);
	if (changed && !(sig_path = output_signature(out, in_place))) {
		cli_error(opt.cmd, "out of memory");
		rc = BC_EXIT_ERROR;
	}
	if (changed && rc == 0 && !cli_is_stdio(out))
		rc = golden_refuse_if_signed(opt.cmd, out, sig_path, opt.key != NULL);
	if (changed && rc == 0 &&
	    (bc_golden_builder_render(b, out, &text, &size, &err) != BC_OK ||
	     write_database(out, sig_path, text, size, &err) != BC_OK))
		rc = cli_fail(opt.cmd, &err);
	if (changed && rc == 0 && !cli_is_stdio(out))
		rc = print_written(out, text, size, in_place ? "updated" : "wrote", sig_path);
	free(text);
	free(sig_path);
	bc_golden_builder_free(b);
	return rc;
}

static int golden_create(int argc, char **argv)
{
	if (argc != optind)
		return cli_usage_error(opt.cmd, "unexpected argument '%s'", argv[optind]);
	if (!opt.out)
		return cli_usage_error(opt.cmd, "--out DB is required");
	if (!opt.source_count)
		return cli_usage_error(opt.cmd, "give at least one --image, --from-log or --chain");
	int rc = check_out();
	return rc ? rc : build(NULL, 0, opt.out, false);
}

static int golden_add(int argc, char **argv)
{
	if (argc - optind != 1)
		return cli_usage_error(opt.cmd, "expected one DB");
	if (!opt.source_count)
		return cli_usage_error(opt.cmd, "give at least one --image, --from-log or --chain");
	if (cli_is_stdio(argv[optind]) && !opt.out)
		return cli_usage_error(opt.cmd, "DB '-' (standard input) cannot be changed in "
						"place: give --out NEW");
	int rc = check_out(); /* in place: no --out */
	return rc ? rc : build(&argv[optind], 1, opt.out ? opt.out : argv[optind], !opt.out);
}

static int golden_merge(int argc, char **argv)
{
	if (argc - optind < 2)
		return cli_usage_error(opt.cmd, "expected at least two databases");
	if (!opt.out)
		return cli_usage_error(opt.cmd, "--out DB is required");
	int rc = check_out();
	return rc ? rc : build(&argv[optind], (size_t)(argc - optind), opt.out, false);
}

/* ---- show ---- */

static void text_component(bc_buf *out, const bc_golden_component *c)
{
	char hex[2 * BC_MAX_DIGEST_SIZE + 1];
	bc_buf_printf(out, "%s  PCR %u%s%s%s\n", c->name, c->pcr, c->has_event_type ? "  " : "",
		      c->has_event_type ? bc_event_type_name(c->event_type) : "",
		      c->required ? "" : "  (optional)");
	for (size_t v = 0; v < c->version_count; v++) {
		const bc_golden_version *ver = &c->versions[v];
		const bc_golden_source *src = &ver->source;
		bc_buf_printf(out, "  version %zu", v + 1);
		if (src->version)
			bc_buf_printf(out, " %s", src->version);
		if (src->file)
			bc_buf_printf(out, " from %s", src->file);
		if (src->log)
			bc_buf_printf(out, " from %s", src->log);
		if (src->has_event)
			bc_buf_printf(out, " event %u", src->event);
		if (src->description)
			bc_buf_printf(out, ": %s", src->description);
		bc_buf_putc(out, '\n');
		for (size_t d = 0; d < ver->digests.count; d++)
			bc_buf_printf(out, "    %-8s %s\n",
				      bc_hash_alg_name(ver->digests.digests[d].alg),
				      bc_digest_hex(&ver->digests.digests[d], hex));
	}
}

static void json_digests(bc_json *j, const bc_digest_set *d)
{
	bc_json_object_begin(j);
	for (size_t i = 0; i < d->count; i++) {
		bc_json_key(j, bc_hash_alg_name(d->digests[i].alg));
		bc_json_hex(j, d->digests[i].bytes, d->digests[i].size);
	}
	bc_json_object_end(j);
}

static int golden_show(int argc, char **argv)
{
	bc_golden *db = NULL;
	bc_buf out = {0};
	int rc;
	if (argc - optind != 1)
		return cli_usage_error(opt.cmd, "expected one DB");
	if ((rc = load_db(argv[optind], &db)) != 0)
		return rc;
	bc_buf_init(&out, CLI_JSON_MAX);
	if (opt.json) {
		/* the database as loaded: every check passed, in its own format */
		char *text = json_dumps(db->root, JSON_COMPACT);
		if (text)
			bc_buf_puts(&out, text);
		free(text);
		rc = cli_emit_json(opt.cmd, &out);
	} else {
		bc_buf_printf(&out, "%s: %zu components%s%s\n", argv[optind], db->count,
			      db->created ? ", created " : "", db->created ? db->created : "");
		for (size_t i = 0; i < db->count; i++)
			text_component(&out, &db->components[i]);
		rc = cli_emit_text(opt.cmd, &out);
	}
	bc_buf_free(&out);
	bc_golden_free(db);
	return rc;
}

/* ---- predict ---- */

static void emit_predictions(bc_buf *out, const bc_golden_prediction *p, size_t n)
{
	char hex[2 * BC_MAX_DIGEST_SIZE + 1];
	bc_json j;
	if (!opt.json) {
		for (size_t i = 0; i < n; i++) {
			if (i == 0 || p[i].alg != p[i - 1].alg)
				bc_buf_printf(out, "%s:\n", bc_hash_alg_name(p[i].alg));
			if (p[i].unknown) {
				bc_buf_printf(out, "  %2u: unknown (a version has no %s digest)\n",
					      p[i].pcr, bc_hash_alg_name(p[i].alg));
				continue;
			}
			for (size_t v = 0; v < p[i].count; v++)
				bc_buf_printf(out, "  %2u: %s\n", p[i].pcr,
					      bc_digest_hex(&p[i].values[v], hex));
			if (p[i].capped)
				bc_buf_printf(out,
					      "  %2u: ... more values, capped at %zu (--max)\n",
					      p[i].pcr, p[i].count);
		}
		return;
	}
	bc_json_init(&j, out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "pcrs");
	bc_json_object_begin(&j);
	for (size_t i = 0; i < n; i++) {
		char pcr[8];
		if (i == 0 || p[i].alg != p[i - 1].alg) {
			if (i)
				bc_json_object_end(&j);
			bc_json_key(&j, bc_hash_alg_name(p[i].alg));
			bc_json_object_begin(&j);
		}
		snprintf(pcr, sizeof(pcr), "%u", p[i].pcr);
		bc_json_key(&j, pcr);
		bc_json_array_begin(&j);
		for (size_t v = 0; v < p[i].count && !p[i].unknown; v++)
			bc_json_hex(&j, p[i].values[v].bytes, p[i].values[v].size);
		bc_json_array_end(&j);
	}
	if (n)
		bc_json_object_end(&j);
	bc_json_object_end(&j);
	bc_json_key(&j, "capped");
	bc_json_array_begin(&j);
	for (size_t i = 0; i < n; i++) {
		if (!p[i].capped && !p[i].unknown)
			continue;
		bc_json_object_begin(&j);
		bc_json_key(&j, "bank");
		bc_json_string(&j, bc_hash_alg_name(p[i].alg));
		bc_json_key(&j, "pcr");
		bc_json_uint(&j, p[i].pcr);
		bc_json_key(&j, "reason");
		bc_json_string(&j, p[i].unknown ? "unknown" : "capped");
		bc_json_object_end(&j);
	}
	bc_json_array_end(&j);
	bc_json_object_end(&j);
}

/* predict --with: the database of the boot after the update in place of *db, the
 * images digested in the banks predicted (--pcrs), else in those of the database. */
static int apply_with(bc_golden **db, bc_golden_candidate *c, const bc_pcr_selection *sel)
{
	uint16_t algs[BC_MAX_BANKS];
	size_t n = 0;
	bc_error err = {0};
	bc_golden *updated = NULL;
	for (size_t b = 0; sel && b < sel->count; b++)
		algs[n++] = sel->banks[b].alg;
	if (!sel)
		n = bc_golden_banks(*db, algs);
	int rc = n ? 0 : cli_parse_banks(opt.cmd, DEFAULT_BANKS, algs, &n);
	if (!rc)
		rc = golden_candidates_digest(opt.cmd, c, opt.with_count, algs, n);
	if (!rc && bc_golden_apply_candidates(*db, c, opt.with_count,
					      opt.keep_old ? BC_GOLDEN_ADD : BC_GOLDEN_REPLACE,
					      &updated, &err) != BC_OK)
		rc = cli_fail(opt.cmd, &err);
	if (!rc) {
		bc_golden_free(*db);
		*db = updated;
	}
	return rc;
}

/* predict --with-db/--with-dbx: PCR 7 from the reference log (cli/golden-predict-sb.c). */
static int predict_secure_boot(const char *db_path)
{
	bc_golden *db = NULL;
	if (!opt.log)
		return cli_usage_error(opt.cmd, "--with-db and --with-dbx need --log REFLOG");
	if (!opt.sb_count)
		return cli_usage_error(opt.cmd, "--log goes with --with-db or --with-dbx");
	if (opt.with_count || opt.keep_old || opt.pcrs || opt.max)
		return cli_usage_error(opt.cmd, "--with-db and --with-dbx predict PCR 7 in every "
						"bank of the log: not with --with, --keep-old, "
						"--pcrs or --max");
	int rc = load_db(db_path, &db);
	if (!rc)
		rc = golden_predict_sb(opt.cmd, db, cli_input_path(opt.log), opt.sb, opt.sb_count,
				       opt.json);
	bc_golden_free(db);
	return rc;
}

static int golden_predict(int argc, char **argv)
{
	bc_golden_candidate *with = NULL;
	bc_golden *db = NULL;
	bc_pcr_selection sel;
	bc_error err = {0};
	bc_golden_prediction *p = NULL;
	size_t n = 0;
	int rc;
	if (argc - optind != 1)
		return cli_usage_error(opt.cmd, "expected one DB");
	if (opt.pcrs && bc_pcr_selection_parse(opt.pcrs, &sel, &err) != BC_OK)
		return cli_usage_error(opt.cmd, "%s", bc_error_message(&err));
	if (opt.sb_count || opt.log)
		return predict_secure_boot(argv[optind]);
	if (opt.keep_old && !opt.with_count)
		return cli_usage_error(opt.cmd, "--keep-old goes with --with");
	if (opt.with_count &&
	    (rc = golden_candidates_parse(opt.cmd, opt.with, opt.with_count, &with)) != 0)
		return rc;
	rc = load_db(argv[optind], &db);
	if (!rc && opt.with_count)
		rc = apply_with(&db, with, opt.pcrs ? &sel : NULL);
	golden_candidates_free(with, opt.with_count);
	if (rc) {
		bc_golden_free(db);
		return rc;
	}
	if (bc_golden_predict(db, opt.pcrs ? &sel : NULL, opt.max ? opt.max : DEFAULT_MAX, &p, &n,
			      &err) != BC_OK) {
		bc_golden_free(db);
		return cli_fail(opt.cmd, &err);
	}
	bc_buf out = {0};
	bc_buf_init(&out, CLI_JSON_MAX);
	emit_predictions(&out, p, n);
	rc = opt.json ? cli_emit_json(opt.cmd, &out) : cli_emit_text(opt.cmd, &out);
	bc_buf_free(&out);
	bc_golden_predictions_free(p, n);
	bc_golden_free(db);
	return rc;
}

/* ---- check ---- */

static const char *short_hex(const bc_digest *d, char *buf)
{
	char head[2 * SHORT_HEX_BYTES + 1], tail[2 * SHORT_HEX_BYTES + 1];
	if (d->size <= 2 * SHORT_HEX_BYTES)
		return bc_digest_hex(d, buf);
	bc_hex_encode(d->bytes, SHORT_HEX_BYTES, head);
	bc_hex_encode(d->bytes + d->size - SHORT_HEX_BYTES, SHORT_HEX_BYTES, tail);
	sprintf(buf, "%s..%s", head, tail);
	return buf;
}

/* The digest a report shows: sha256 when there is one. */
static const bc_digest *shown_digest(const bc_digest_set *d)
{
	const bc_digest *sha256 = bc_digest_set_find(d, BC_ALG_SHA256);
	return sha256 ? sha256 : d->count ? &d->digests[0] : NULL;
}

static bool some_version_has(const bc_golden_component *c, const bc_digest *d)
{
	for (size_t v = 0; v < c->version_count; v++) {
		const bc_digest *have = bc_digest_set_find(&c->versions[v].digests, d->alg);
		if (have && memcmp(have->bytes, d->bytes, d->size) == 0)
			return true;
	}
	return false;
}

/* For a changed component, the digest no version has: sha256 when that one differs. */
static const bc_digest *changed_digest(const bc_golden_event_result *e)
{
	const bc_digest *d = shown_digest(&e->digests);
	if (d && !some_version_has(e->component, d))
		return d;
	for (size_t i = 0; i < e->digests.count; i++)
		if (!some_version_has(e->component, &e->digests.digests[i]))
			return &e->digests.digests[i];
	return d;
}

static void text_allowed(bc_buf *out, const bc_golden_component *c, uint16_t alg)
{
	char hex[2 * BC_MAX_DIGEST_SIZE + 1];
	size_t shown = 0;
	for (size_t v = 0; v < c->version_count && shown < 3; v++) {
		const bc_digest *d = bc_digest_set_find(&c->versions[v].digests, alg);
		const bc_golden_source *src = &c->versions[v].source;
		if (!d)
			continue;
		bc_buf_printf(out, "%s%s", shown++ ? ", " : "", short_hex(d, hex));
		if (src->file || src->log)
			bc_buf_printf(out, " from %s", src->file ? src->file : src->log);
		if (src->version)
			bc_buf_printf(out, " %s", src->version);
	}
	if (c->version_count > shown)
		bc_buf_printf(out, "%s%zu more", shown ? ", and " : "", c->version_count - shown);
	if (!shown && c->version_count == 0)
		bc_buf_puts(out, "none");
}

static void text_event(bc_buf *out, const bc_golden_event_result *e)
{
	char hex[2 * BC_MAX_DIGEST_SIZE + 1];
	const bc_digest *d = shown_digest(&e->digests);
	const char *type = bc_event_type_name(e->type);
	bc_buf_printf(out, "PCR %u, event %u, %s", e->pcr, e->number, type ? type : "unknown type");
	if (e->type && !type)
		bc_buf_printf(out, " 0x%08x", e->type);
	if (e->summary[0])
		bc_buf_printf(out, " `%s`", e->summary);
	bc_buf_puts(out, ": ");
	switch (e->verdict) {
	case BC_EVENT_KNOWN:
		bc_buf_printf(out, "known: component `%s`, version %zu\n", e->component->name,
			      e->version + 1);
		return;
	case BC_EVENT_CHANGED:
		d = changed_digest(e);
		bc_buf_printf(out,
			      "%s digest %s is not an allowed version of component `%s` (allowed: ",
			      d ? bc_hash_alg_name(d->alg) : "", d ? short_hex(d, hex) : "(none)",
			      e->component->name);
		text_allowed(out, e->component, d ? d->alg : BC_ALG_SHA256);
		bc_buf_puts(out, ")\n");
		return;
	case BC_EVENT_UNEXPECTED:
		bc_buf_printf(out,
			      "unexpected: digest %s is in no component, and PCR %u must be "
			      "fully explained\n",
			      d ? short_hex(d, hex) : "(none)", e->pcr);
		return;
	case BC_EVENT_NOT_COVERED:
		bc_buf_printf(out,
			      "not covered: digest %s is in no component (PCR %u is one the "
			      "database opens)\n",
			      d ? short_hex(d, hex) : "(none)", e->pcr);
		return;
	case BC_EVENT_UNVERIFIABLE:
		bc_buf_printf(out,
			      "unverifiable: component `%s` has no digest in a bank checked for "
			      "PCR %u\n",
			      e->component->name, e->pcr);
		return;
	}
}

static void text_report(bc_buf *out, const char *log, const char *db, const bc_golden_report *r)
{
	char hex[2 * BC_MAX_DIGEST_SIZE + 1];
	for (size_t i = 0; i < r->event_count; i++) {
		const bc_golden_event_result *e = &r->events[i];
		if (opt.verbose || e->verdict != BC_EVENT_KNOWN)
			text_event(out, e);
	}
	for (size_t i = 0; i < r->missing_count; i++)
		bc_buf_printf(out,
			      "missing: component `%s` (PCR %u) is required and was never "
			      "measured\n",
			      r->missing[i]->name, r->missing[i]->pcr);
	for (size_t i = 0; i < r->pcr_mismatch_count; i++)
		bc_buf_printf(out, "%s PCR %u: the log replays to %s, none of the allowed values\n",
			      bc_hash_alg_name(r->pcr_mismatches[i].alg), r->pcr_mismatches[i].pcr,
			      bc_digest_hex(&r->pcr_mismatches[i].value, hex));
	bc_buf_printf(out,
		      "%s against %s: %zu events known, %zu changed, %zu unexpected, %zu not "
		      "covered, %zu unverifiable; %zu missing: %s\n",
		      log, db, r->known, r->changed, r->unexpected, r->not_covered, r->unverifiable,
		      r->missing_count,
		      r->match ? "matches the golden database"
			       : "differs from the golden database");
}

static void json_event(bc_json *j, const bc_golden_event_result *e)
{
	const char *type = bc_event_type_name(e->type);
	bc_json_object_begin(j);
	bc_json_key(j, "number");
	bc_json_uint(j, e->number);
	bc_json_key(j, "pcr");
	bc_json_uint(j, e->pcr);
	bc_json_key(j, "type");
	type ? bc_json_string(j, type) : bc_json_uint(j, e->type);
	bc_json_key(j, "verdict");
	bc_json_string(j, bc_golden_event_verdict_name(e->verdict));
	bc_json_key(j, "digests");
	json_digests(j, &e->digests);
	if (e->component) {
		bc_json_key(j, "component");
		bc_json_string(j, e->component->name);
	}
	if (e->verdict == BC_EVENT_KNOWN) {
		bc_json_key(j, "version");
		bc_json_uint(j, e->version);
	}
	if (e->summary[0]) {
		bc_json_key(j, "summary");
		bc_json_string(j, e->summary);
	}
	if (e->verdict == BC_EVENT_CHANGED) {
		bc_json_key(j, "allowed");
		bc_json_array_begin(j);
		for (size_t v = 0; v < e->component->version_count; v++)
			json_digests(j, &e->component->versions[v].digests);
		bc_json_array_end(j);
	}
	bc_json_object_end(j);
}

static void json_report(bc_buf *out, const char *log, const char *db, const bc_golden_report *r)
{
	bc_json j;
	bc_json_init(&j, out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "log");
	bc_json_string(&j, log);
	bc_json_key(&j, "golden");
	bc_json_string(&j, db);
	bc_json_key(&j, "match");
	bc_json_bool(&j, r->match);
	const char *keys[] = {"known", "changed", "unexpected", "not_covered", "unverifiable"};
	size_t counts[] = {r->known, r->changed, r->unexpected, r->not_covered, r->unverifiable};
	for (size_t i = 0; i < 5; i++) {
		bc_json_key(&j, keys[i]);
		bc_json_uint(&j, counts[i]);
	}
	bc_json_key(&j, "events");
	bc_json_array_begin(&j);
	for (size_t i = 0; i < r->event_count; i++)
		if (opt.verbose || r->events[i].verdict != BC_EVENT_KNOWN)
			json_event(&j, &r->events[i]);
	bc_json_array_end(&j);
	bc_json_key(&j, "missing");
	bc_json_array_begin(&j);
	for (size_t i = 0; i < r->missing_count; i++)
		bc_json_string(&j, r->missing[i]->name);
	bc_json_array_end(&j);
	bc_json_key(&j, "pcr_mismatches");
	bc_json_array_begin(&j);
	for (size_t i = 0; i < r->pcr_mismatch_count; i++) {
		bc_json_object_begin(&j);
		bc_json_key(&j, "bank");
		bc_json_string(&j, bc_hash_alg_name(r->pcr_mismatches[i].alg));
		bc_json_key(&j, "pcr");
		bc_json_uint(&j, r->pcr_mismatches[i].pcr);
		bc_json_key(&j, "value");
		bc_json_hex(&j, r->pcr_mismatches[i].value.bytes, r->pcr_mismatches[i].value.size);
		bc_json_object_end(&j);
	}
	bc_json_array_end(&j);
	bc_json_object_end(&j);
}

static int golden_check(int argc, char **argv)
{
	bc_golden *db = NULL;
	bc_log *log = NULL;
	bc_golden_report *report = NULL;
	bc_error err = {0};
	int rc;
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage_error(opt.cmd, "expected DB [LOG]");
	const char *log_path = argc - optind == 2 ? cli_input_path(argv[optind + 1]) : DEFAULT_LOG;
	if ((rc = load_db(argv[optind], &db)) != 0)
		return rc;
	if (bc_log_read_file(log_path, &log, &err) != BC_OK ||
	    bc_golden_check_log(db, log, opt.verbose, &report, &err) != BC_OK) {
		rc = cli_fail(opt.cmd, &err);
	} else {
		bc_buf out = {0};
		bc_buf_init(&out, CLI_JSON_MAX);
		if (opt.json)
			json_report(&out, log_path, argv[optind], report);
		else
			text_report(&out, log_path, argv[optind], report);
		rc = opt.json ? cli_emit_json(opt.cmd, &out) : cli_emit_text(opt.cmd, &out);
		bc_buf_free(&out);
		if (rc == 0 && !report->match)
			rc = BC_EXIT_MISMATCH;
	}
	bc_golden_report_free(report);
	bc_log_free(log);
	bc_golden_free(db);
	return rc;
}

/* ---- sign and verify ---- */

static int check_sign_options(int argc)
{
	if (argc - optind != 1)
		return cli_usage_error(opt.cmd, "expected one DB");
	if (!opt.key)
		return cli_usage_error(opt.cmd, "--key KEY.pem is required");
	int rc = golden_policy_check(opt.cmd, &opt.policy, opt.key);
	if (rc)
		return rc;
	/* the signature (DB.sig) goes with the database and is replaced when it is signed
	 * again; the policy is an output of its own */
	return cli_check_output(opt.cmd, opt.policy.out, opt.force);
}

static void emit_signed(const char *db, const char *sig_path, const bc_signed_policy *p)
{
	char sel[256], hex[2 * BC_POLICY_DIGEST_SIZE + 1];
	bc_buf out = {0};
	bc_json j;
	if (p)
		bc_pcr_selection_format(&p->sel, sel, sizeof(sel));
	if (!opt.json) {
		printf("signed %s: %s\n", db, sig_path);
		if (p)
			printf("policy %s: %zu branch%s of %s, approved policy %s\n",
			       opt.policy.out, p->branch_count, p->branch_count == 1 ? "" : "es",
			       sel, bc_hex_encode(p->approved, sizeof(p->approved), hex));
		return;
	}
	bc_buf_init(&out, CLI_JSON_MAX);
	bc_json_init(&j, &out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "database");
	bc_json_string(&j, db);
	bc_json_key(&j, "signature");
	bc_json_string(&j, sig_path);
	bc_json_key(&j, "policy");
	if (p) {
		bc_json_object_begin(&j);
		bc_json_key(&j, "file");
		bc_json_string(&j, opt.policy.out);
		bc_json_key(&j, "pcrs");
		bc_json_string(&j, sel);
		bc_json_key(&j, "branches");
		bc_json_uint(&j, p->branch_count);
		bc_json_key(&j, "approved_policy");
		bc_json_hex(&j, p->approved, sizeof(p->approved));
		bc_json_object_end(&j);
	} else {
		bc_json_null(&j);
	}
	bc_json_object_end(&j);
	cli_emit_json(opt.cmd, &out);
	bc_buf_free(&out);
}

static int golden_sign(int argc, char **argv)
{
	uint8_t *data = NULL, *sig = NULL;
	size_t size = 0, sig_size = 0;
	bc_error err = {0};
	char *default_sig = NULL;
	bc_signed_policy *policy = NULL;
	int rc = check_sign_options(argc);
	if (rc)
		return rc;
	const char *db = argv[optind];
	bc_golden *check = NULL;
	bc_status s = bc_read_file(db, BC_GOLDEN_MAX_SIZE, &data, &size, &err);
	if (s == BC_OK) /* sign only what loads */
		s = bc_golden_from_memory(data, size, db, &check, &err);
	if (s == BC_OK)
		s = bc_signature_sign(data, size, opt.key, &sig, &sig_size, &err);
	if (s == BC_OK && !opt.signature && asprintf(&default_sig, "%s.sig", db) < 0)
		s = bc_fail(&err, BC_E_NOMEM, "out of memory");
	rc = s == BC_OK ? 0 : cli_fail(opt.cmd, &err);
	if (!rc && opt.policy.out) /* made before anything is written */
		rc = golden_policy_make(opt.cmd, &opt.policy, check, db, "the database", opt.key,
					&policy);
	const char *path = opt.signature ? opt.signature : default_sig;
	if (!rc && (bc_write_file_atomic(path, sig, sig_size, 0644, &err) != BC_OK ||
		    (policy && bc_signed_policy_write(policy, opt.policy.out, &err) != BC_OK)))
		rc = cli_fail(opt.cmd, &err);
	if (!rc)
		emit_signed(db, path, policy);
	bc_signed_policy_free(policy);
	bc_golden_free(check);
	free(data);
	free(sig);
	free(default_sig);
	return rc;
}

static int golden_verify(int argc, char **argv)
{
	bc_golden *db = NULL;
	if (argc - optind != 1)
		return cli_usage_error(opt.cmd, "expected one DB");
	if (!opt.pubkey)
		return cli_usage_error(opt.cmd, "--pubkey PUB.pem is required");
	/* DB.sig is the signature's default place: a database on standard input has none */
	if (cli_is_stdio(argv[optind]) && !opt.signature)
		return cli_usage_error(opt.cmd,
				       "a database on standard input (-) needs --signature SIG");
	int rc = cli_one_stdin(opt.cmd, (size_t)cli_is_stdio(argv[optind]) +
					    cli_is_stdio(opt.pubkey) + cli_is_stdio(opt.signature));
	if (rc)
		return rc;
	bc_error err = {0};
	bc_status s = bc_golden_load(cli_input_path(argv[optind]), cli_input_path(opt.pubkey),
				     cli_input_path(opt.signature), &db, &err);
	if (s != BC_OK) {
		/* not signed, or not by this key: "not verified"; a file that cannot be read
		 * or a database that does not load is an error, as for every command */
		cli_error(opt.cmd, "%s", bc_error_message(&err));
		return s == BC_E_NOTFOUND || s == BC_E_MISMATCH ? BC_EXIT_MISMATCH
								: cli_exit_status(s);
	}
	printf("%s: the signature verifies with %s, and the database loads\n", argv[optind],
	       opt.pubkey);
	bc_golden_free(db);
	return BC_EXIT_OK;
}

const cli_verb cli_golden_verbs[] = {
    {"create", golden_create, NULL},
    {"add", golden_add, NULL},
    {"merge", golden_merge, NULL},
    {"show", golden_show, NULL},
    {"predict", golden_predict, NULL},
    {"check", golden_check, NULL},
    {"sign", golden_sign, NULL},
    {"verify", golden_verify, NULL},
    {"update", golden_update, NULL},
    {"retire", golden_retire, NULL},
    {"embed", golden_embed, NULL}, /* the .bcchain section of a UEFI stage */
    {NULL, NULL, NULL},
};

/* The verbs that print JSON with --json; the others refuse it rather than ignore it. */
static bool prints_json(const cli_verb *verb)
{
	return verb->run == golden_show || verb->run == golden_predict ||
	       verb->run == golden_check || verb->run == golden_sign;
}

/* update and retire (cli/golden-update.c) and embed (cli/golden-embed.c) parse options
 * of their own. */
static bool has_own_options(const cli_verb *verb)
{
	return verb->run == golden_update || verb->run == golden_retire ||
	       verb->run == golden_embed;
}

static bool has_chain(void)
{
	for (size_t i = 0; i < opt.source_count; i++)
		if (opt.sources[i].kind == 'c')
			return true;
	return false;
}

/* The inputs a verb may read from standard input: its operands (DB, LOG), --signature,
 * predict's --log and create's --from-log; at most one of them may be "-". */
static int check_one_stdin(int argc, char **argv)
{
	size_t uses = (size_t)cli_is_stdio(opt.signature) + cli_is_stdio(opt.log);
	for (size_t i = 0; i < opt.source_count; i++)
		uses += opt.sources[i].kind == 'l' && cli_is_stdio(opt.sources[i].arg);
	for (int i = optind; i < argc; i++)
		uses += cli_is_stdio(argv[i]);
	return cli_one_stdin(opt.cmd, uses);
}

int cmd_golden(int argc, char **argv)
{
	bool help;
	char cmd[32];
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
			return fputs(golden_usage, stdout), BC_EXIT_OK;
		return cli_usage_error("golden", "expected a verb: create, add, merge, show, "
						 "predict, check, sign, verify, update, retire "
						 "or embed");
	}
	const cli_verb *verb = cli_find_verb(cli_golden_verbs, argv[1]);
	if (!verb)
		return cli_usage_error("golden", "unknown verb '%s'", argv[1]);
	if (has_own_options(verb))
		return verb->run(argc - 1, argv + 1);
	snprintf(cmd, sizeof(cmd), "golden %s", verb->name);
	opt = (typeof(opt)){.cmd = cmd};
	int rc = parse_options(argc - 1, argv + 1, &help);
	if (rc || help)
		return rc ? rc : (fputs(golden_usage, stdout), BC_EXIT_OK);
	if (opt.json && !prints_json(verb))
		return cli_usage_error(opt.cmd,
				       "--json: %s prints no JSON (show, predict, check "
				       "and sign do)",
				       opt.cmd);
	if ((rc = check_one_stdin(argc - 1, argv + 1)) != 0)
		return rc;
	if (opt.root && !has_chain())
		return cli_usage_error(opt.cmd, "--root is for the relative file names of --chain");
	return verb->run(argc - 1, argv + 1);
}
