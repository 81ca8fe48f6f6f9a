/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain golden update | retire: the life of a component's versions across an update.
 * update adds the new images (--with NAME:PCR:FILE) as versions, keeping the old ones
 * so that machines not yet updated still pass; retire removes the old ones once every
 * machine runs the new. Everything is checked (the database loads, the images digest,
 * the key signs) before anything is written; each file is written atomically.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bootchain/golden.h>
#include <bootchain/policy.h>

#include "cli/cli.h"
#include "cli/golden.h"
#include "golden/golden-internal.h"
#include "util/file.h"

#define DEFAULT_BANKS "sha1,sha256,sha384,sha512"
#define MAX_WITH      256

static const char update_usage[] =
    "Usage: bootchain golden update DB --with NAME:PCR:FILE... --out NEW [--key KEY.pem]\n"
    "       bootchain golden retire DB NAME[:WHICH] --out NEW [--key KEY.pem]\n"
    "                                   [--remove-last]\n"
    "       both: [--force] [--policy-out FILE [--policy-pcrs SEL] [--policy-ref TEXT]\n"
    "                [--max-branches N]] (--policy-out with --key)\n"
    "\n"
    "update adds each image as a new version of component NAME (a new component when\n"
    "NAME is new), digested as `bootchain measure` digests a layer (Authenticode for an\n"
    "EFI executable); the old versions stay until retired. retire removes versions of\n"
    "NAME: WHICH is a version number as `golden show` prints it, a digest (hex, any\n"
    "bank) or a version text; without it, every version but the last.\n"
    "\n"
    "Options:\n"
    "  -w, --with NAME:PCR:FILE  update: a new image (repeatable)\n"
    "  -o, --out NEW         the database to write (atomically; may be DB itself)\n"
    "  -k, --key KEY         sign what is written (needed when NEW is signed)\n"
    "  -b, --banks LIST      update: banks to digest in (default: those of DB)\n"
    "  -f, --force           replace an existing NEW (other than DB) or --policy-out\n"
    "      --remove-last     retire: allow removing a required component's last version\n"
    "      --policy-out FILE the signed PCR policy of every boot NEW allows, signed with\n"
    "                        --key (bootchain-policy(5)): as golden sign --policy-out\n"
    "      --policy-pcrs SEL its PCRs, one bank (default: sha256 and the PCRs NEW has\n"
    "                        components in)\n"
    "      --policy-ref TEXT its policyRef (default: none)\n"
    "      --max-branches N  refuse more combinations of values (default: 1024)\n"
    "      --pubkey PUB      refuse a DB not signed by this key\n"
    "      --signature SIG   DB's detached signature (default: DB.sig)\n"
    "  -h, --help            show this help\n";

static struct {
	const char *cmd;
	const char *out, *key, *banks, *pubkey, *signature;
	golden_policy_args policy; /* --policy-out */
	bool force, remove_last;
	size_t with_count;
	const char *with[MAX_WITH];
} opt;

enum { OPT_PUBKEY = 256, OPT_SIGNATURE, OPT_REMOVE_LAST };

/* ---- candidates (also for golden predict --with) ---- */

void golden_candidates_free(bc_golden_candidate *c, size_t count)
{
	for (size_t i = 0; c && i < count; i++)
		bc_golden_candidate_clear(&c[i]);
	free(c);
}

int golden_candidates_parse(const char *cmd, const char *const *args, size_t count,
			    bc_golden_candidate **out)
{
	bc_error err = {0};
	bc_golden_candidate *c = calloc(count ? count : 1, sizeof(*c));
	if (!c) {
		cli_error(cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	for (size_t i = 0; i < count; i++) {
		bc_status s = bc_golden_candidate_parse(args[i], "--with", &c[i], &err);
		if (s != BC_OK) {
			golden_candidates_free(c, count);
			return s == BC_E_INVALID
				   ? cli_usage_error(cmd, "%s", bc_error_message(&err))
				   : cli_fail(cmd, &err);
		}
	}
	*out = c;
	return 0;
}

int golden_candidates_digest(const char *cmd, bc_golden_candidate *c, size_t count,
			     const uint16_t *algs, size_t alg_count)
{
	bc_error err = {0};
	for (size_t i = 0; i < count; i++)
		if (bc_golden_candidate_digest(&c[i], algs, alg_count, &err) != BC_OK)
			return cli_fail(cmd, &err);
	return 0;
}

/* ---- options ---- */

static int parse_option(int o, char **argv)
{
	int rc;
	if (golden_policy_option(opt.cmd, o, optarg, &opt.policy, &rc))
		return rc;
	switch (o) {
	case 'w':
		if (opt.with_count == MAX_WITH)
			return cli_usage_error(opt.cmd, "more than %d --with", MAX_WITH);
		opt.with[opt.with_count++] = optarg;
		break;
	case 'o': opt.out = optarg; break;
	case 'k': opt.key = optarg; break;
	case 'b': opt.banks = optarg; break;
	case 'f': opt.force = true; break;
	case OPT_REMOVE_LAST: opt.remove_last = true; break;
	case OPT_PUBKEY: opt.pubkey = optarg; break;
	case OPT_SIGNATURE: opt.signature = optarg; break;
	default: return cli_bad_option(opt.cmd, o, argv);
	}
	return 0;
}

/* Options of the verb argv[0]; 0, or the exit status (help: *help, exit 0). */
static int parse_options(int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"with", required_argument, NULL, 'w'},
	    {"out", required_argument, NULL, 'o'},
	    {"key", required_argument, NULL, 'k'},
	    {"banks", required_argument, NULL, 'b'},
	    {"force", no_argument, NULL, 'f'},
	    {"remove-last", no_argument, NULL, OPT_REMOVE_LAST},
	    {"pubkey", required_argument, NULL, OPT_PUBKEY},
	    {"signature", required_argument, NULL, OPT_SIGNATURE},
	    GOLDEN_POLICY_OPTIONS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o, rc;
	*help = false;
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":w:o:k:b:fh", options, NULL)) != -1) {
		if (o == 'h') {
			*help = true;
			return 0;
		}
		if ((rc = parse_option(o, argv)) != 0)
			return rc;
	}
	return golden_policy_check(opt.cmd, &opt.policy, opt.key);
}

/* ---- writing ---- */

/* The signed policy of the new database (text: its file, not written yet, which the
 * policy names by its SHA-256). Reports and returns the exit status, or 0. */
static int make_policy(const bc_golden *db, const char *text, size_t size, bc_signed_policy **out)
{
	bc_digest d;
	bc_error err = {0};
	char hex[2 * BC_MAX_DIGEST_SIZE + 1];
	int rc = golden_policy_make(opt.cmd, &opt.policy, db, NULL, opt.out, opt.key, out);
	if (!rc && bc_digest_compute(BC_ALG_SHA256, text, size, &d, &err) != BC_OK)
		rc = cli_fail(opt.cmd, &err);
	if (!rc && !((*out)->golden_sha256 = strdup(bc_digest_hex(&d, hex)))) {
		cli_error(opt.cmd, "out of memory");
		rc = BC_EXIT_ERROR;
	}
	return rc;
}

/* Everything that is written, made before anything is written: the database's text, its
 * signature (--key), then the signed policy (--policy-out, make_policy). */
typedef struct outputs {
	char *text, *sig_path;
	size_t size, sig_size;
	uint8_t *sig;
	bc_signed_policy *policy;
} outputs;

static bc_status prepare(const bc_golden *db, outputs *o, bc_error *err)
{
	bc_status s = bc_golden_render(db, &o->text, &o->size, err);
	if (s == BC_OK && opt.key)
		s = bc_signature_sign(o->text, o->size, opt.key, &o->sig, &o->sig_size, err);
	return s;
}

static bc_status write_outputs(const outputs *o, bc_error *err)
{
	bc_status s = bc_write_file_atomic(opt.out, o->text, o->size, 0644, err);
	if (s == BC_OK && opt.key)
		s = bc_write_file_atomic(o->sig_path, o->sig, o->sig_size, 0644, err);
	if (s == BC_OK && o->policy)
		s = bc_signed_policy_write(o->policy, opt.policy.out, err);
	return s;
}

/* "wrote NEW: N components, M versions[, signed: SIG]". */
static void print_written(const bc_golden *db, const char *sig_path)
{
	size_t count = bc_golden_component_count(db), versions = 0;
	for (size_t i = 0; i < count; i++)
		versions += bc_golden_component_at(db, i)->version_count;
	printf("wrote %s: %zu component%s, %zu version%s%s%s\n", opt.out, count,
	       count == 1 ? "" : "s", versions, versions == 1 ? "" : "s",
	       opt.key ? ", signed: " : "", opt.key ? sig_path : "");
}

/* db to --out, with --key its signature to NEW.sig, with --policy-out the policy. */
static int write_database(const bc_golden *db)
{
	bc_error err = {0};
	outputs o = {0};
	if (asprintf(&o.sig_path, "%s.sig", opt.out) < 0) {
		cli_error(opt.cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	int rc = golden_refuse_if_signed(opt.cmd, opt.out, o.sig_path, opt.key != NULL);
	if (!rc && prepare(db, &o, &err) != BC_OK)
		rc = cli_fail(opt.cmd, &err);
	if (!rc && opt.policy.out)
		rc = make_policy(db, o.text, o.size, &o.policy);
	if (!rc && write_outputs(&o, &err) != BC_OK)
		rc = cli_fail(opt.cmd, &err);
	if (!rc)
		print_written(db, o.sig_path);
	if (!rc && o.policy)
		printf("%s: policy of %zu branch%s\n", opt.policy.out, o.policy->branch_count,
		       o.policy->branch_count == 1 ? "" : "es");
	free(o.text);
	free(o.sig);
	free(o.sig_path);
	bc_signed_policy_free(o.policy);
	return rc;
}

static int load_db(const char *path, bc_golden **db)
{
	bc_error err = {0};
	if (bc_golden_load(path, opt.pubkey, opt.signature, db, &err) != BC_OK)
		return cli_fail(opt.cmd, &err);
	return 0;
}

/* ---- update ---- */

/* The banks to digest in: --banks, else those of the database, else the default. */
static int update_banks(const bc_golden *db, uint16_t *algs, size_t *count)
{
	if (!opt.banks && (*count = bc_golden_banks(db, algs)) > 0)
		return 0;
	return cli_parse_banks(opt.cmd, opt.banks ? opt.banks : DEFAULT_BANKS, algs, count);
}

/* What the update does to each component, for the operator. */
static void describe(const bc_golden *db, const bc_golden_candidate *c, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const bc_golden_component *comp = bc_golden_find(db, c[i].name);
		bool known = comp && bc_golden_match(db, c[i].name, c[i].pcr, &c[i].digests,
						     NULL) == BC_GOLDEN_MATCH;
		printf("%s (PCR %u): %s, from %s\n", c[i].name, c[i].pcr,
		       !comp   ? "new component"
		       : known ? "already a version"
			       : "new version",
		       c[i].file);
	}
}

/* A database that lists allowed final values ("pcrs") of a PCR the update changes keeps
 * them as they were: they no longer describe the new boot, and only the author knows
 * whether the new values should be allowed. Say so. */
static void warn_final_values(const bc_golden *db, const bc_golden_candidate *c, size_t count)
{
	uint32_t warned = 0;
	for (size_t i = 0; i < count; i++)
		for (size_t e = 0; e < db->expected_count; e++)
			if (db->expected[e].pcr == c[i].pcr && !(warned & (1u << c[i].pcr))) {
				warned |= 1u << c[i].pcr;
				cli_error(opt.cmd,
					  "warning: the database lists allowed final values of PCR "
					  "%u (\"pcrs\"), kept as they were: the updated boot "
					  "may need new ones",
					  c[i].pcr);
			}
}

static int update_run(const char *db_path, bc_golden_candidate *c)
{
	bc_golden *db = NULL, *updated = NULL;
	bc_error err = {0};
	uint16_t algs[BC_MAX_BANKS];
	size_t alg_count = 0;
	int rc = load_db(db_path, &db);
	if (!rc)
		rc = update_banks(db, algs, &alg_count);
	if (!rc)
		rc = golden_candidates_digest(opt.cmd, c, opt.with_count, algs, alg_count);
	if (!rc && bc_golden_apply_candidates(db, c, opt.with_count, BC_GOLDEN_ADD, &updated,
					      &err) != BC_OK)
		rc = cli_fail(opt.cmd, &err);
	if (!rc)
		rc = write_database(updated);
	if (!rc) {
		describe(db, c, opt.with_count);
		warn_final_values(db, c, opt.with_count);
	}
	bc_golden_free(updated);
	bc_golden_free(db);
	return rc;
}

/* NEW replaces an existing file only with --force, unless it is DB itself (the update
 * in place the usage shows); so does --policy-out. */
static int check_outputs(const char *db_path)
{
	struct stat db_st, out_st;
	bool in_place = stat(db_path, &db_st) == 0 && stat(opt.out, &out_st) == 0 &&
			db_st.st_dev == out_st.st_dev && db_st.st_ino == out_st.st_ino;
	int rc = in_place ? 0 : cli_check_output(opt.cmd, opt.out, opt.force);
	return rc ? rc : cli_check_output(opt.cmd, opt.policy.out, opt.force);
}

int golden_update(int argc, char **argv)
{
	bc_golden_candidate *c = NULL;
	bool help;
	opt = (typeof(opt)){.cmd = "golden update"};
	int rc = parse_options(argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(update_usage, stdout), BC_EXIT_OK);
	if (argc - optind != 1)
		return cli_usage_error(opt.cmd, "expected one DB");
	if (!opt.with_count)
		return cli_usage_error(opt.cmd, "give at least one --with NAME:PCR:FILE");
	if (!opt.out)
		return cli_usage_error(opt.cmd, "--out NEW is required");
	if (opt.remove_last)
		return cli_usage_error(opt.cmd, "--remove-last is an option of golden retire");
	if ((rc = check_outputs(argv[optind])) != 0)
		return rc;
	if ((rc = golden_candidates_parse(opt.cmd, opt.with, opt.with_count, &c)) != 0)
		return rc;
	rc = update_run(argv[optind], c);
	golden_candidates_free(c, opt.with_count);
	return rc;
}

/* ---- retire ---- */

static int retire_run(const char *db_path, const char *name, const char *which)
{
	bc_golden *db = NULL, *retired = NULL;
	bc_error err = {0};
	size_t removed = 0;
	int rc = load_db(db_path, &db);
	if (!rc &&
	    bc_golden_retire(db, name, which, opt.remove_last, &retired, &removed, &err) != BC_OK)
		rc = cli_fail(opt.cmd, &err);
	if (!rc)
		rc = write_database(retired);
	if (!rc)
		printf("%s: %zu version%s retired%s\n", name, removed, removed == 1 ? "" : "s",
		       bc_golden_find(retired, name) ? "" : ", and the component removed");
	bc_golden_free(retired);
	bc_golden_free(db);
	return rc;
}

int golden_retire(int argc, char **argv)
{
	bool help;
	opt = (typeof(opt)){.cmd = "golden retire"};
	int rc = parse_options(argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(update_usage, stdout), BC_EXIT_OK);
	if (argc - optind != 2)
		return cli_usage_error(opt.cmd, "expected DB NAME[:WHICH]");
	if (!opt.out)
		return cli_usage_error(opt.cmd, "--out NEW is required");
	if (opt.with_count || opt.banks)
		return cli_usage_error(opt.cmd, "--with and --banks are options of golden update");
	if ((rc = check_outputs(argv[optind])) != 0)
		return rc;
	/* NAME[:WHICH]: a component name holds no colon when made by --with or a log */
	char *name = strdup(argv[optind + 1]);
	if (!name) {
		cli_error(opt.cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	char *colon = strchr(name, ':');
	if (colon)
		*colon = 0;
	if (!name[0] || (colon && !colon[1]))
		rc = cli_usage_error(opt.cmd, "%s: expected NAME or NAME:WHICH", argv[optind + 1]);
	else
		rc = retire_run(argv[optind], name, colon ? colon + 1 : NULL);
	free(name);
	return rc;
}
