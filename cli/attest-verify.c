/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain attest verify: check evidence files (or tpm2-tools' quote files) against the
 * AK, the nonce and a golden database; many files at once on all cores, one result
 * each, printed in the order given.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bootchain/attest.h>
#include <bootchain/enrolment.h>
#include <bootchain/eventlog.h>

#include "attest/merkle.h"
#include "cli/attest.h"
#include "cli/cli.h"
#include "cli/keep-intel.h"
#include "cli/verify-json.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/progress.h"
#include "util/text.h"

#define MAX_JOBS     256
#define RESULT_CAP   (1 << 20)
#define SHOWN_EVENTS 5

static const char verify_usage[] =
    "Usage: bootchain attest verify EVIDENCE... (--ak AKPUB | --enrolment FILE|DIR)\n"
    "                               --nonce HEX [OPTIONS]\n"
    "       bootchain attest verify --message MSG --signature SIG --pcrs-file PCRS\n"
    "                               --ak AKPUB --nonce HEX [--log LOG] [OPTIONS]\n"
    "       bootchain attest verify EVIDENCE... --nonce HEX --golden DB --intel-root PEM\n"
    "                               [OPTIONS]\n"
    "\n"
    "Check each evidence file, reporting every check by name: ak, signature, attest,\n"
    "nonce, pcr-selection, pcr-digest, eventlog, golden. The second form takes the files\n"
    "of tpm2_quote -m -s -o. The third is for keep-only evidence (an SGX enclave's, no\n"
    "TPM quote): its Keep checks decide. No TPM is needed.\n"
    "\n"
    "Options:\n"
    "  -a, --ak AKPUB        the AK's public area (TPM2B_PUBLIC, tpm2_createak -u); it\n"
    "                        must be a restricted signing key made in a TPM\n"
    "  -E, --enrolment FILE|DIR  the enrolment record (bootchain-enrolment(5)) of the\n"
    "                        machine, or a folder of them: the expected AK is the\n"
    "                        record's whose ak_name is the evidence's AK's (none: the\n"
    "                        ak check fails, not enrolled); a record with a Keep\n"
    "                        requires the Keep report, its CHIP_ID the enrolled one\n"
    "  -q, --nonce HEX       the nonce the verifier sent (not empty): the qualifying data\n"
    "      --no-nonce        accept a quote made without the verifier's nonce: it may be\n"
    "                        an old one (a warning; \"fresh\": false)\n"
    "      --require-pcrs SEL  the PCRs the quote must cover (sha256:0-7+sha1:0); default:\n"
    "                        those the golden database judges\n"
    "  -g, --golden DB       check every event of the log against a golden database\n"
    "      --pubkey PUB      refuse DB unless signed by this key\n"
    "  -j, --jobs N          verify N files at a time (default: the number of cores)\n"
    "      --keep            require a Keep report bound to the quote\n"
    "      --keep-ark PEM    the AMD root key certificate the VCEK must chain to\n"
    "      --keep-ask PEM    the AMD signing key certificate between them\n"
    "      --keep-vcek PEM   the VCEK itself (else: the evidence's, checked with the "
    "ARK)\n" CLI_INTEL_HELP(
	"", "  ") "  -m, --message MSG     tpm2-tools: the quote message (TPMS_ATTEST)\n"
		  "  -s, --signature SIG   tpm2-tools: the signature (TPMT_SIGNATURE)\n"
		  "      --pcrs-file PCRS  tpm2-tools: the PCR values (tpm2_quote -o)\n"
		  "  -L, --log LOG         tpm2-tools: the event log\n"
		  "      --json            one JSON object a line, one line an evidence file\n"
		  "      --quiet           no count of the files done on a terminal\n"
		  "  -h, --help            show this help\n";

static struct {
	const char *ak, *nonce, *golden, *pubkey, *message, *signature, *pcrs_file, *log;
	const char *keep_ark, *keep_ask, *keep_vcek, *require, *enrolment;
	cli_intel_args intel;
	unsigned jobs;
	bool json, keep, ak_pem_checked, no_nonce, quiet;
} opt;

enum {
	OPT_JSON = 256,
	OPT_PUBKEY,
	OPT_KEEP_ARK,
	OPT_KEEP_ASK,
	OPT_KEEP_VCEK,
	OPT_AK_PEM_CHECKED,
	OPT_NO_NONCE,
	OPT_QUIET,
	OPT_REQUIRE_PCRS,
	OPT_PCRS_FILE,
	OPT_KEEP,
};

static int parse_options(int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"ak", required_argument, NULL, 'a'},
	    {"ak-pem-checked", no_argument, NULL, OPT_AK_PEM_CHECKED},
	    {"enrolment", required_argument, NULL, 'E'},
	    {"nonce", required_argument, NULL, 'q'},
	    {"no-nonce", no_argument, NULL, OPT_NO_NONCE},
	    {"require-pcrs", required_argument, NULL, OPT_REQUIRE_PCRS},
	    {"golden", required_argument, NULL, 'g'},
	    {"pubkey", required_argument, NULL, OPT_PUBKEY},
	    {"jobs", required_argument, NULL, 'j'},
	    {"message", required_argument, NULL, 'm'},
	    {"signature", required_argument, NULL, 's'},
	    {"pcrs-file", required_argument, NULL, OPT_PCRS_FILE},
	    {"log", required_argument, NULL, 'L'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"quiet", no_argument, NULL, OPT_QUIET},
	    {"keep", no_argument, NULL, OPT_KEEP},
	    {"keep-ark", required_argument, NULL, OPT_KEEP_ARK},
	    {"keep-ask", required_argument, NULL, OPT_KEEP_ASK},
	    {"keep-vcek", required_argument, NULL, OPT_KEEP_VCEK},
	    CLI_INTEL_OPTIONS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o;
	*help = false;
	while ((o = getopt_long(argc, argv, ":a:E:q:g:j:m:s:L:h", options, NULL)) != -1) {
		switch (o) {
		case 'a': opt.ak = optarg; break;
		case OPT_AK_PEM_CHECKED: opt.ak_pem_checked = true; break;
		case 'E': opt.enrolment = optarg; break;
		case 'q': opt.nonce = optarg; break;
		case OPT_NO_NONCE: opt.no_nonce = true; break;
		case OPT_REQUIRE_PCRS: opt.require = optarg; break;
		case 'g': opt.golden = optarg; break;
		case OPT_PUBKEY: opt.pubkey = optarg; break;
		case 'j':
			if (!cli_parse_uint(optarg, MAX_JOBS, &opt.jobs) || !opt.jobs)
				return cli_usage_error("attest verify", "--jobs: 1 to %d",
						       MAX_JOBS);
			break;
		case 'm': opt.message = optarg; break;
		case 's': opt.signature = optarg; break;
		case OPT_PCRS_FILE: opt.pcrs_file = optarg; break;
		case 'L': opt.log = optarg; break;
		case OPT_JSON: opt.json = true; break;
		case OPT_QUIET: opt.quiet = true; break;
		case OPT_KEEP: opt.keep = true; break;
		case OPT_KEEP_ARK: opt.keep_ark = optarg; break;
		case OPT_KEEP_ASK: opt.keep_ask = optarg; break;
		case OPT_KEEP_VCEK: opt.keep_vcek = optarg; break;
		case 'h': *help = true; return 0;
		default:
			if (cli_intel_option(o, optarg, &opt.intel))
				break;
			return cli_bad_option("attest verify", o, argv);
		}
	}
	return 0;
}

/* ---- one result ---- */

static const char *status_name(bc_check_status s)
{
	return s == BC_CHECK_PASS ? "pass" : s == BC_CHECK_FAIL ? "FAIL" : "skip";
}

static void text_golden(bc_buf *out, const bc_golden_report *r)
{
	char name[3 * 128];
	size_t shown = 0;
	for (size_t i = 0; i < r->event_count && shown < SHOWN_EVENTS; i++, shown++) {
		const bc_golden_event_result *e = &r->events[i];
		const char *type = bc_event_type_name(e->type);
		bc_buf_printf(out, "    PCR %u, event %u, %s%s%s%s: %s%s%s\n", e->pcr, e->number,
			      type ? type : "unknown type", e->summary[0] ? " `" : "", e->summary,
			      e->summary[0] ? "`" : "", bc_golden_event_verdict_name(e->verdict),
			      e->component ? ", component " : "",
			      e->component ? bc_text_escaped(e->component->name, name, sizeof(name))
					   : "");
	}
	if (r->event_count > shown)
		bc_buf_printf(out, "    ... and %zu more\n", r->event_count - shown);
	for (size_t i = 0; i < r->missing_count; i++)
		bc_buf_printf(out, "    missing: component %s (PCR %u)\n",
			      bc_text_escaped(r->missing[i]->name, name, sizeof(name)),
			      r->missing[i]->pcr);
}

static void text_result(bc_buf *out, const char *name, const bc_verify_result *r)
{
	const char *first = NULL;
	for (int c = 0; c < BC_CHECK_COUNT && !first; c++)
		if (r->status[c] == BC_CHECK_FAIL)
			first = bc_check_name((bc_check)c);
	if (r->pass)
		bc_buf_printf(out, "%s: every check passed\n", name);
	else
		bc_buf_printf(out, "%s: FAILED: %s\n", name, first);
	for (int c = 0; c < BC_CHECK_COUNT; c++) {
		/* messages quote the evidence and the database: untrusted text */
		bc_buf_printf(out, "  %-14s %s  ", bc_check_name((bc_check)c),
			      status_name(r->status[c]));
		bc_text_escape(out, r->message[c], strlen(r->message[c]));
		bc_buf_putc(out, '\n');
	}
	if (r->golden && !r->golden->match)
		text_golden(out, r->golden);
	if (r->has_clock)
		bc_buf_printf(out, "  clock %" PRIu64 " ms, reset count %u, restart count %u%s\n",
			      r->clock, r->reset_count, r->restart_count,
			      r->safe ? "" : ", not safe");
}

static void json_result(bc_buf *out, const char *name, const bc_verify_result *r)
{
	bc_json j;
	bc_json_init(&j, out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "evidence");
	bc_json_string(&j, name);
	cli_json_verify_members(&j, r); /* as attest poll's "verify" */
	bc_json_object_end(&j);
	bc_buf_putc(out, '\n');
}

/* Evidence that cannot even be read fails as a whole, with the reason. */
static void unreadable(bc_buf *out, const char *name, const bc_error *err)
{
	if (!opt.json) {
		const char *why = bc_error_message(err); /* may quote the evidence */
		bc_buf_printf(out, "%s: FAILED: evidence: ", name);
		bc_text_escape(out, why, strlen(why));
		bc_buf_putc(out, '\n');
		return;
	}
	bc_json j;
	bc_json_init(&j, out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "evidence");
	bc_json_string(&j, name);
	bc_json_key(&j, "pass");
	bc_json_bool(&j, false);
	bc_json_key(&j, "failed");
	bc_json_array_begin(&j);
	bc_json_string(&j, "evidence");
	bc_json_array_end(&j);
	bc_json_key(&j, "error");
	bc_json_string(&j, bc_error_message(err));
	bc_json_object_end(&j);
	bc_buf_putc(out, '\n');
}

/* ---- the work ---- */

typedef struct job {
	const char *name; /* an evidence file, or NULL for the tpm2-tools files */
	bc_buf out;
	bool pass;
	bool error; /* not evidence at fault: the AK given cannot be used */
} job;

typedef struct work {
	job *jobs;
	size_t count;
	atomic_size_t next, done;
	const bc_verify_opts *vo;
	bc_progress meter; /* the files done, on a terminal */
} work;

/* An evidence file, and its "batch" member when `attest serve` batched its quote. */
static bc_status load(const job *jb, bc_evidence **ev, bc_evidence_batch *batch, bool *batched,
		      bc_error *err)
{
	uint8_t *data = NULL;
	size_t size = 0;
	*batched = false;
	if (!jb->name)
		return bc_evidence_from_tpm2_tools(opt.message, opt.signature, opt.pcrs_file,
						   opt.log, ev, err);
	bc_status s = cli_is_stdio(jb->name)
			  ? bc_read_fd(STDIN_FILENO, "standard input", BC_EVIDENCE_MAX_SIZE, &data,
				       &size, err)
			  : bc_read_file(jb->name, BC_EVIDENCE_MAX_SIZE, &data, &size, err);
	if (s == BC_OK)
		s = bc_evidence_parse(data, size, jb->name, ev, err);
	/* a second reading for the few that are batched, not for every file */
	if (s == BC_OK && memmem(data, size, "\"batch\"", 7))
		s = bc_evidence_batch_parse(data, size, jb->name, batched, batch, err);
	free(data);
	return s;
}

static void run_job(job *jb, const bc_verify_opts *vo)
{
	bc_evidence *ev = NULL;
	bc_evidence_batch batch;
	bool batched;
	bc_verify_result r;
	bc_error err = {0};
	const char *name = jb->name ? jb->name : opt.message;
	bc_buf_init(&jb->out, RESULT_CAP);
	if (load(jb, &ev, &batch, &batched, &err) != BC_OK) {
		unreadable(&jb->out, name, &err);
		bc_evidence_free(ev);
		return;
	}
	bc_status s = batched ? bc_verify_batched_evidence(ev, &batch, vo, &r, &err)
			      : bc_verify_evidence(ev, vo, &r, &err);
	if (s != BC_OK) {
		jb->error = true;
		bc_buf_printf(&jb->out, "%s: %s\n", name, bc_error_message(&err));
	} else {
		jb->pass = r.pass;
		(opt.json ? json_result : text_result)(&jb->out, name, &r);
		bc_verify_result_free(&r);
	}
	bc_evidence_free(ev);
}

static void *worker(void *arg)
{
	work *w = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&w->next, 1);
		if (i >= w->count)
			return NULL;
		run_job(&w->jobs[i], w->vo);
		bc_progress_update(&w->meter, "verifying", atomic_fetch_add(&w->done, 1) + 1,
				   w->count, "files");
	}
}

static void run_all(work *w, unsigned jobs)
{
	pthread_t tids[MAX_JOBS];
	unsigned started = 0;
	for (unsigned t = 1; t < jobs && t < w->count; t++)
		if (pthread_create(&tids[started], NULL, worker, w) == 0)
			started++;
	worker(w); /* this thread works too: -j 1 starts no thread */
	for (unsigned t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
}

/* "3 files: 2 passed, 1 failed": the last line of text for many files. JSON lines get
 * none: one line a file keeps the stream uniform, and jq counts them. */
static void summary(size_t files, size_t passed, size_t errors)
{
	if (opt.json || files < 2)
		return;
	printf("%zu files: %zu passed, %zu failed", files, passed, files - passed - errors);
	if (errors)
		printf(", %zu in error", errors);
	putchar('\n');
}

static int report(work *w)
{
	int rc = BC_EXIT_OK;
	size_t passed = 0, errors = 0;
	for (size_t i = 0; i < w->count; i++) {
		job *jb = &w->jobs[i];
		if (jb->out.len)
			fwrite(jb->out.data, 1, jb->out.len, jb->error ? stderr : stdout);
		passed += jb->pass;
		errors += jb->error;
		if (jb->error)
			rc = BC_EXIT_ERROR;
		else if (!jb->pass && rc == BC_EXIT_OK)
			rc = BC_EXIT_MISMATCH;
		bc_buf_free(&jb->out);
	}
	summary(w->count, passed, errors);
	fflush(stdout);
	return rc;
}

static int check_args(const char *cmd, int files)
{
	bool tools = opt.message || opt.signature || opt.pcrs_file;
	/* neither: keep-only evidence (SGX); a quote in it then fails the ak check */
	if (opt.ak && opt.enrolment)
		return cli_usage_error(cmd, "give --ak AKPUB or --enrolment FILE|DIR, not both");
	if (tools && !opt.ak)
		return cli_usage_error(cmd, "tpm2-tools files need --ak AKPUB");
	if (opt.enrolment && opt.ak_pem_checked)
		return cli_usage_error(cmd, "--ak-pem-checked is for --ak");
	if (!opt.nonce == !opt.no_nonce)
		return cli_usage_error(cmd, "give --nonce HEX (the nonce sent), or --no-nonce");
	/* an unset shell variable must not turn into "any quote, however old" */
	if (opt.nonce && !opt.nonce[0])
		return cli_usage_error(cmd, "--nonce: empty; a quote without a nonce needs "
					    "--no-nonce");
	if (tools && (!opt.message || !opt.signature || !opt.pcrs_file))
		return cli_usage_error(cmd, "--message, --signature and --pcrs-file go together");
	if (tools && files)
		return cli_usage_error(cmd, "give evidence files or tpm2-tools files, not both");
	if (!tools && !files)
		return cli_usage_error(cmd, "expected EVIDENCE files");
	if (opt.log && !tools)
		return cli_usage_error(cmd, "--log is for tpm2-tools files: evidence has its log");
	if (opt.pubkey && !opt.golden)
		return cli_usage_error(cmd, "--pubkey is for --golden");
	if (!opt.keep_ark != !opt.keep_ask)
		return cli_usage_error(cmd, "--keep-ark and --keep-ask go together");
	return cli_intel_check(cmd, &opt.intel);
}

static int verify_all(char **files, size_t count, bc_verify_opts *vo)
{
	work w = {.count = count ? count : 1, .vo = vo};
	atomic_init(&w.next, 0);
	atomic_init(&w.done, 0);
	bc_progress_init(&w.meter, opt.quiet);
	w.jobs = calloc(w.count, sizeof(*w.jobs));
	if (!w.jobs) {
		cli_error("attest verify", "out of memory");
		return BC_EXIT_ERROR;
	}
	for (size_t i = 0; i < count; i++)
		w.jobs[i].name = files[i];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	run_all(&w, opt.jobs ? opt.jobs : cpus > 0 ? (unsigned)cpus : 1);
	bc_progress_end(&w.meter);
	int rc = report(&w);
	free(w.jobs);
	return rc;
}

int attest_verify(int argc, char **argv)
{
	const char *cmd = "attest verify";
	uint8_t nonce[BC_NONCE_MAX];
	bc_verify_opts vo = {.nonce = nonce};
	uint8_t *ak = NULL;
	size_t ak_size = 0;
	bc_golden *db = NULL;
	bc_enrolment_set *enrolled = NULL;
	bc_error err = {0};
	bool help;
	opt = (typeof(opt)){0};
	int rc = parse_options(argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(verify_usage, stdout), BC_EXIT_OK);
	if ((rc = check_args(cmd, argc - optind)) != 0)
		return rc;
	if (opt.nonce &&
	    !bc_hex_decode(opt.nonce, strlen(opt.nonce), nonce, sizeof(nonce), &vo.nonce_size))
		return cli_usage_error(cmd, "--nonce: expected at most 64 bytes in hex");
	bc_pcr_selection require;
	if (opt.require && bc_pcr_selection_parse(opt.require, &require, &err) != BC_OK)
		return cli_usage_error(cmd, "--require-pcrs: %s", bc_error_message(&err));
	vo.require = opt.require ? &require : NULL;
	vo.no_nonce = opt.no_nonce;
	if (opt.no_nonce)
		fprintf(stderr, "bootchain attest verify: warning: --no-nonce: a quote may be an "
				"old one replayed; it is not called fresh\n");
	bc_verify_key *key = NULL;
	bc_status s = BC_OK;
	if (opt.enrolment) {
		/* the AK of each evidence file is looked up by its name */
		if (bc_enrolment_set_load(opt.enrolment, &enrolled, &err) != BC_OK)
			return cli_fail(cmd, &err);
		vo.enrolled = enrolled;
	} else if (opt.ak) {
		if (bc_read_file(opt.ak, 64 * 1024, &ak, &ak_size, &err) != BC_OK)
			return cli_fail(cmd, &err);
		s = bc_verify_key_new(
		    ak, ak_size, opt.ak_pem_checked ? BC_VERIFY_KEY_PEM_CHECKED : 0, &key, &err);
		free(ak);
		if (s != BC_OK) {
			cli_error(cmd, "--ak %s: %s", opt.ak, bc_error_message(&err));
			return cli_exit_status(s);
		}
		vo.key = key; /* parsed once for every file */
	}
	uint8_t *certs[3] = {NULL, NULL, NULL};
	const char *paths[3] = {opt.keep_ark, opt.keep_ask, opt.keep_vcek};
	size_t sizes[3] = {0, 0, 0};
	for (int i = 0; i < 3 && s == BC_OK; i++)
		if (paths[i])
			s = bc_read_file(paths[i], 64 * 1024, &certs[i], &sizes[i], &err);
	if (s != BC_OK) {
		for (int i = 0; i < 3; i++)
			free(certs[i]);
		bc_verify_key_free(key);
		bc_enrolment_set_free(enrolled);
		return cli_fail(cmd, &err);
	}
	vo.keep_required = opt.keep;
	vo.keep_ark = certs[0];
	vo.keep_ark_size = sizes[0];
	vo.keep_ask = certs[1];
	vo.keep_ask_size = sizes[1];
	vo.keep_vcek = certs[2];
	vo.keep_vcek_size = sizes[2];
	if (opt.golden && bc_golden_load(opt.golden, opt.pubkey, NULL, &db, &err) != BC_OK) {
		for (int i = 0; i < 3; i++)
			free(certs[i]);
		bc_verify_key_free(key);
		bc_enrolment_set_free(enrolled);
		return cli_fail(cmd, &err);
	}
	vo.golden = db;
	rc = cli_intel_read(cmd, &opt.intel, &vo.keep_intel);
	if (!rc)
		rc = verify_all(argv + optind, (size_t)(argc - optind), &vo);
	cli_intel_free(&vo.keep_intel);
	bc_golden_free(db);
	bc_verify_key_free(key);
	bc_enrolment_set_free(enrolled);
	for (int i = 0; i < 3; i++)
		free(certs[i]);
	return rc;
}
