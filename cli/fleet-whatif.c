/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain fleet whatif: before an update is rolled out, which machines of the fleet
 * would fail attestation, and whose sealed secrets would no longer unseal. The library
 * (fleet/whatif.c, bc_fleet_whatif) replays each machine's last attested log with the
 * candidate images; this file parses the candidates, collects the machines' outcomes and
 * prints them, by name, as text or JSON.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/fleet.h>
#include <bootchain/policy.h>

#include "cli/cli.h"
#include "cli/fleet.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/text.h"

#define MAX_CANDIDATES 64

static const char whatif_usage[] =
    "Usage: bootchain fleet whatif [--db URL] --golden DB [--pubkey PUB]\n"
    "                              --with NAME:PCR:FILE... [--policy SIGNED-POLICY] [--json]\n"
    "\n"
    "Before an update is rolled out: replay each machine's last attested event log with\n"
    "the candidate images in place of the components they are new versions of, and list\n"
    "the machines that would fail attestation against DB with the candidates added, and\n"
    "(with --policy) those whose secrets sealed to the policy would no longer unseal.\n"
    "Machines without a stored log are unknown. Exit status 0 when every machine would\n"
    "pass (and unseal), 3 when some would not or are unknown.\n"
    "\n"
    "Options:\n"
    "      --db URL              the store (default " BC_FLEET_DEFAULT_DB ")\n"
    "  -g, --golden DB           the golden database the fleet is attested against\n"
    "      --pubkey PUB          DB's signature must verify with this key (and --policy's)\n"
    "      --with NAME:PCR:FILE  a new image of component NAME (repeatable)\n"
    "      --policy FILE         a signed policy (bootchain-policy(5)) secrets are sealed to\n"
    "      --json                JSON (see bootchain-fleet(1))\n"
    "  -h, --help                show this help\n";

static struct {
	fleet_view_opts view;
	const char *with[MAX_CANDIDATES];
	size_t with_count;
	const char *policy;
	bool json;
} opt;

enum { OPT_JSON = FLEET_OPT_OWN, OPT_WITH, OPT_POLICY };

static int parse_options(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"db", required_argument, NULL, FLEET_OPT_DB},
	    {"golden", required_argument, NULL, 'g'},
	    {"pubkey", required_argument, NULL, FLEET_OPT_PUBKEY},
	    {"with", required_argument, NULL, OPT_WITH},
	    {"policy", required_argument, NULL, OPT_POLICY},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o, rc;
	*help = false;
	while ((o = getopt_long(argc, argv, ":g:h", options, NULL)) != -1) {
		if ((rc = fleet_view_option(cmd, o, optarg, &opt.view)) != FLEET_OPT_OTHER) {
			if (rc)
				return rc;
			continue;
		}
		switch (o) {
		case OPT_WITH:
			if (opt.with_count == MAX_CANDIDATES)
				return cli_usage_error(cmd, "--with: at most %d candidates",
						       MAX_CANDIDATES);
			opt.with[opt.with_count++] = optarg;
			break;
		case OPT_POLICY: opt.policy = optarg; break;
		case OPT_JSON: opt.json = true; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!opt.view.golden)
		return cli_usage_error(cmd, "--golden DB is required");
	if (opt.with_count == 0)
		return cli_usage_error(cmd, "--with NAME:PCR:FILE is required");
	return fleet_view_check(cmd, &opt.view);
}

/* ---- the candidates ---- */

typedef struct inputs {
	bc_golden *golden;
	bc_golden_candidate candidates[MAX_CANDIDATES];
	size_t count;
	bc_signed_policy *policy;
	bc_fleet_store *store;
} inputs;

static void inputs_free(inputs *in)
{
	for (size_t i = 0; i < in->count; i++)
		bc_golden_candidate_clear(&in->candidates[i]);
	bc_signed_policy_free(in->policy);
	bc_golden_free(in->golden);
	bc_fleet_store_close(in->store);
}

/* Every bank this build computes: the logs of the fleet may have any of them. */
static size_t every_bank(uint16_t *algs)
{
	static const uint16_t ids[] = {BC_ALG_SHA1,	BC_ALG_SHA256,	BC_ALG_SHA384,
				       BC_ALG_SHA512,	BC_ALG_SM3_256, BC_ALG_SHA3_256,
				       BC_ALG_SHA3_384, BC_ALG_SHA3_512};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (bc_hash_alg_available(ids[i]))
			algs[n++] = ids[i];
	return n;
}

static int read_candidates(const char *cmd, inputs *in)
{
	uint16_t algs[BC_MAX_BANKS];
	size_t banks = every_bank(algs);
	bc_error err = {0};
	for (size_t i = 0; i < opt.with_count; i++) {
		bc_golden_candidate *c = &in->candidates[i];
		if (bc_golden_candidate_parse(opt.with[i], "--with", c, &err) != BC_OK)
			return cli_usage_error(cmd, "%s", bc_error_message(&err));
		in->count++;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(in->candidates[j].name, c->name))
				return cli_usage_error(cmd,
						       "--with: %s is given twice: one candidate a "
						       "component, one question at a time",
						       c->name);
		if (bc_golden_candidate_digest(c, algs, banks, &err) != BC_OK)
			return cli_fail(cmd, &err);
	}
	return 0;
}

static int read_inputs(const char *cmd, inputs *in)
{
	bc_error err = {0};
	int rc = read_candidates(cmd, in);
	if (rc)
		return rc;
	if (opt.policy && (bc_signed_policy_load(opt.policy, &in->policy, &err) != BC_OK ||
			   (opt.view.pubkey &&
			    bc_signed_policy_verify(in->policy, opt.view.pubkey, &err) != BC_OK)))
		return cli_fail(cmd, &err);
	return fleet_view_open(cmd, &opt.view, &in->store, &in->golden);
}

/* ---- the machines' outcomes ---- */

typedef struct row {
	char *name, *url;
	bool has_attestation;
	int64_t attestation_id, attested_at;
	bc_whatif_verdict verdict;
	bc_whatif_unseal unseal;
	char check[BC_FLEET_CHECK_MAX];
	char *why, *unseal_why;
	size_t replaced;
	char *changed; /* {"sha256": {"8": "HEX"}} of the pairs whose value changes */
} row;

typedef struct rows {
	row *list;
	size_t count, room;
	bool failed; /* out of memory */
} rows;

static void rows_free(rows *r)
{
	for (size_t i = 0; i < r->count; i++) {
		row *x = &r->list[i];
		free(x->name);
		free(x->url);
		free(x->why);
		free(x->unseal_why);
		free(x->changed);
	}
	free(r->list);
}

/* The new values of the pairs changed, as JSON; malloc'd. */
static char *changed_json(const bc_whatif_outcome *o)
{
	bc_buf out;
	bc_json j;
	bc_buf_init(&out, 1 << 20);
	bc_json_init(&j, &out);
	bc_json_object_begin(&j);
	for (size_t b = 0; b < o->changed.count; b++) {
		const bc_pcr_bank_selection *s = &o->changed.banks[b];
		const bc_pcr_bank *bank = NULL;
		for (size_t v = 0; v < o->values.count; v++)
			if (o->values.banks[v].alg == s->alg)
				bank = &o->values.banks[v];
		bc_json_key(&j, bc_hash_alg_name(s->alg));
		bc_json_object_begin(&j);
		for (unsigned pcr = 0; bank && pcr < BC_PCR_COUNT; pcr++) {
			char key[4];
			if (!(s->mask & (1u << pcr)))
				continue;
			snprintf(key, sizeof(key), "%u", pcr);
			bc_json_key(&j, key);
			bc_json_hex(&j, bank->values[pcr], bank->size);
		}
		bc_json_object_end(&j);
	}
	bc_json_object_end(&j);
	bc_buf_str(&out);
	if (out.failed) {
		bc_buf_free(&out);
		return NULL;
	}
	return (char *)out.data;
}

static void take_result(const bc_whatif_result *res, void *user)
{
	rows *r = user;
	const bc_whatif_outcome *o = res->outcome;
	if (r->failed)
		return;
	if (r->count == r->room) {
		size_t room = r->room ? 2 * r->room : 64;
		row *list = realloc(r->list, room * sizeof(*list));
		if (!list) {
			r->failed = true;
			return;
		}
		r->list = list;
		r->room = room;
	}
	row *x = &r->list[r->count++];
	*x = (row){.verdict = o->verdict, .unseal = o->unseal, .replaced = o->replaced};
	x->has_attestation = res->attestation != NULL;
	if (res->attestation) {
		x->attestation_id = res->attestation->id;
		x->attested_at = res->attestation->time;
	}
	snprintf(x->check, sizeof(x->check), "%s", o->check);
	x->name = strdup(res->machine->name);
	x->url = strdup(res->machine->url);
	x->why = strdup(o->why);
	x->unseal_why = strdup(o->unseal_why);
	x->changed = changed_json(o);
	if (!x->name || !x->url || !x->why || !x->unseal_why || !x->changed)
		r->failed = true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const row *)a)->name, ((const row *)b)->name);
}

/* ---- output ---- */

typedef struct counts {
	size_t pass, fail, unknown, changed, unseals, sealed, unseal_unknown;
} counts;

static counts count_rows(const rows *r)
{
	counts c = {0};
	for (size_t i = 0; i < r->count; i++) {
		const row *x = &r->list[i];
		c.pass += x->verdict == BC_WHATIF_PASS;
		c.fail += x->verdict == BC_WHATIF_FAIL;
		c.unknown += x->verdict == BC_WHATIF_UNKNOWN;
		c.changed += strcmp(x->changed, "{}") != 0;
		c.unseals += x->unseal == BC_WHATIF_UNSEALS;
		c.sealed += x->unseal == BC_WHATIF_SEALED;
		c.unseal_unknown += x->unseal == BC_WHATIF_UNSEAL_UNKNOWN ||
				    (opt.policy && x->verdict == BC_WHATIF_UNKNOWN &&
				     x->unseal == BC_WHATIF_UNSEAL_NONE);
	}
	return c;
}

/* A machine's name, then text from the store or the log (escaped). */
static void text_line(bc_buf *out, const row *x, const char *check, const char *why)
{
	bc_buf_puts(out, "  ");
	bc_text_escape(out, x->name, strlen(x->name));
	bc_buf_puts(out, "  ");
	if (check && check[0])
		bc_buf_printf(out, "%s: ", check);
	bc_text_escape(out, why, strlen(why));
	bc_buf_putc(out, '\n');
}

static void text_candidates(bc_buf *out, const inputs *in)
{
	for (size_t i = 0; i < in->count; i++) {
		const bc_golden_candidate *c = &in->candidates[i];
		if (bc_golden_find(in->golden, c->name))
			continue;
		bc_buf_puts(out, "note: ");
		bc_text_escape(out, c->name, strlen(c->name));
		bc_buf_puts(out, " is no component of the golden database: no event is replaced "
				 "for it (where a new component is measured is not known)\n");
	}
}

static void show_text(bc_buf *out, const inputs *in, const rows *r)
{
	counts c = count_rows(r);
	text_candidates(out, in);
	bc_buf_printf(out,
		      "%zu machine%s: %zu would pass, %zu would fail, %zu unknown; %zu with "
		      "new PCR values\n",
		      r->count, r->count == 1 ? "" : "s", c.pass, c.fail, c.unknown, c.changed);
	if (opt.policy)
		bc_buf_printf(out, "policy: %zu would unseal, %zu would not, %zu unknown\n",
			      c.unseals, c.sealed, c.unseal_unknown);
	static const struct {
		const char *title;
		bc_whatif_verdict verdict;
	} sections[] = {{"would fail attestation", BC_WHATIF_FAIL},
			{"unknown (no log to replay)", BC_WHATIF_UNKNOWN}};
	for (size_t s = 0; s < 2; s++) {
		bool first = true;
		for (size_t i = 0; i < r->count; i++) {
			const row *x = &r->list[i];
			if (x->verdict != sections[s].verdict)
				continue;
			if (first)
				bc_buf_printf(out, "\n%s:\n", sections[s].title);
			first = false;
			text_line(out, x, x->check, x->why);
		}
	}
	bool first = true;
	for (size_t i = 0; i < r->count; i++) {
		const row *x = &r->list[i];
		if (x->unseal != BC_WHATIF_SEALED && x->unseal != BC_WHATIF_UNSEAL_UNKNOWN)
			continue;
		if (first)
			bc_buf_puts(out, "\nwould not unseal:\n");
		first = false;
		text_line(out, x, x->unseal == BC_WHATIF_SEALED ? "" : "unknown", x->unseal_why);
	}
}

static void json_counts(bc_json *j, const rows *r)
{
	counts c = count_rows(r);
	bc_json_key(j, "machines");
	bc_json_uint(j, r->count);
	bc_json_key(j, "verdicts");
	bc_json_object_begin(j);
	bc_json_key(j, "pass");
	bc_json_uint(j, c.pass);
	bc_json_key(j, "fail");
	bc_json_uint(j, c.fail);
	bc_json_key(j, "unknown");
	bc_json_uint(j, c.unknown);
	bc_json_object_end(j);
	bc_json_key(j, "changed");
	bc_json_uint(j, c.changed);
	bc_json_key(j, "unseal");
	if (!opt.policy) {
		bc_json_null(j);
		return;
	}
	bc_json_object_begin(j);
	bc_json_key(j, "unseals");
	bc_json_uint(j, c.unseals);
	bc_json_key(j, "sealed");
	bc_json_uint(j, c.sealed);
	bc_json_key(j, "unknown");
	bc_json_uint(j, c.unseal_unknown);
	bc_json_object_end(j);
}

static void json_candidates(bc_json *j, const inputs *in)
{
	bc_json_key(j, "candidates");
	bc_json_array_begin(j);
	for (size_t i = 0; i < in->count; i++) {
		const bc_golden_candidate *c = &in->candidates[i];
		bc_json_object_begin(j);
		bc_json_key(j, "name");
		bc_json_string(j, c->name);
		bc_json_key(j, "pcr");
		bc_json_uint(j, c->pcr);
		bc_json_key(j, "file");
		bc_json_string(j, c->file);
		bc_json_key(j, "component");
		bc_json_bool(j, bc_golden_find(in->golden, c->name) != NULL);
		bc_json_object_end(j);
	}
	bc_json_array_end(j);
}

static void json_text_or_null(bc_json *j, const char *key, const char *text)
{
	bc_json_key(j, key);
	if (text && text[0])
		bc_json_string(j, text);
	else
		bc_json_null(j);
}

static void json_host(bc_json *j, const row *x)
{
	bc_json_object_begin(j);
	bc_json_key(j, "name");
	bc_json_string(j, x->name);
	bc_json_key(j, "url");
	bc_json_string(j, x->url);
	bc_json_key(j, "verdict");
	bc_json_string(j, bc_whatif_verdict_name(x->verdict));
	json_text_or_null(j, "check", x->check);
	json_text_or_null(j, "why", x->verdict == BC_WHATIF_PASS ? NULL : x->why);
	bc_json_key(j, "attestation");
	if (x->has_attestation) {
		bc_json_object_begin(j);
		bc_json_key(j, "id");
		bc_json_int(j, x->attestation_id);
		bc_json_key(j, "time");
		bc_json_int(j, x->attested_at);
		bc_json_object_end(j);
	} else {
		bc_json_null(j);
	}
	bc_json_key(j, "replaced");
	bc_json_uint(j, x->replaced);
	bc_json_key(j, "changed");
	bc_json_raw(j, x->changed);
	json_text_or_null(j, "unseal",
			  opt.policy && x->unseal == BC_WHATIF_UNSEAL_NONE
			      ? "unknown"
			      : bc_whatif_unseal_name(x->unseal));
	json_text_or_null(j, "unseal_why", x->unseal_why);
	bc_json_object_end(j);
}

static void show_json(bc_buf *out, const inputs *in, const rows *r)
{
	bc_json j;
	bc_json_init(&j, out);
	bc_json_object_begin(&j);
	json_candidates(&j, in);
	json_counts(&j, r);
	bc_json_key(&j, "hosts");
	bc_json_array_begin(&j);
	for (size_t i = 0; i < r->count; i++)
		json_host(&j, &r->list[i]);
	bc_json_array_end(&j);
	bc_json_object_end(&j);
}

/* 0 when every machine would pass and unseal, else 3 (unknown ones are not passing). */
static int verdict_status(const rows *r)
{
	counts c = count_rows(r);
	bool ok = c.fail == 0 && c.unknown == 0 && (!opt.policy || c.unseals == r->count);
	return ok ? BC_EXIT_OK : BC_EXIT_MISMATCH;
}

static int run(const char *cmd, inputs *in)
{
	bc_whatif_opts wo = {.golden = in->golden,
			     .candidates = in->candidates,
			     .candidate_count = in->count,
			     .policy = in->policy};
	rows r = {0};
	bc_error err = {0};
	bc_buf out;
	int rc = 0;
	if (bc_fleet_whatif(in->store, &wo, take_result, &r, &err) != BC_OK)
		rc = cli_fail(cmd, &err);
	else if (r.failed)
		rc = cli_fail(cmd, &(bc_error){.status = BC_E_NOMEM, .msg = "out of memory"});
	if (rc) {
		rows_free(&r);
		return rc;
	}
	if (r.count > 1)
		qsort(r.list, r.count, sizeof(*r.list), by_name);
	bc_buf_init(&out, CLI_JSON_MAX);
	if (opt.json)
		show_json(&out, in, &r);
	else
		show_text(&out, in, &r);
	rc = opt.json ? cli_emit_json(cmd, &out) : cli_emit_text(cmd, &out);
	if (rc == 0)
		rc = verdict_status(&r);
	bc_buf_free(&out);
	rows_free(&r);
	return rc;
}

int fleet_whatif(int argc, char **argv)
{
	const char *cmd = "fleet whatif";
	inputs in = {.golden = NULL};
	bool help;
	opt = (typeof(opt)){.view = FLEET_VIEW_OPTS_DEFAULT};
	int rc = parse_options(cmd, argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(whatif_usage, stdout), BC_EXIT_OK);
	if ((rc = read_inputs(cmd, &in)) == 0)
		rc = run(cmd, &in);
	inputs_free(&in);
	return rc;
}
