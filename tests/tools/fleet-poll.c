/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fleet-poll: a client of the library's polling engine (bc_poll, bootchain/fleet.h)
 * through its public API only, for tests/integration/fleet/poll-api.sh.
 *
 *   fleet-poll --golden DB [--retries N] [--timeout MS] [--jobs N] NAME URL AKPUB...
 *
 * Polls the hosts (three words each; AKPUB "-": no key, which the engine must refuse)
 * and prints one line per callback, tab-separated, as it comes:
 *   INDEX NAME VERDICT ATTEMPTS HTTP_STATUS MS NONCE_HEX FAILED_CHECKS DETAIL
 * (FAILED_CHECKS comma-separated, "-" when the evidence was not verified). Checks itself
 * that each host gets exactly one callback, with the result's host that of its index.
 * Exit status: 0, 1 error, 2 usage.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/fleet.h>

#define PROG "fleet-poll"

typedef struct seen {
	const bc_poll_host *hosts;
	size_t count;
	unsigned *calls; /* per host */
	bool wrong;	 /* a result for no host, or not its own */
} seen;

static void print_checks(const bc_verify_result *res)
{
	bool first = true;
	if (!res) {
		fputs("-", stdout);
		return;
	}
	for (int c = 0; c < BC_CHECK_COUNT; c++)
		if (res->status[c] == BC_CHECK_FAIL) {
			printf("%s%s", first ? "" : ",", bc_check_name((bc_check)c));
			first = false;
		}
	if (first)
		fputs("none", stdout);
}

static void on_result(const bc_poll_result *r, void *user)
{
	seen *s = user;
	if (r->index >= s->count || r->host != &s->hosts[r->index]) {
		s->wrong = true;
		return;
	}
	s->calls[r->index]++;
	printf("%zu\t%s\t%s\t%u\t%ld\t%llu\t", r->index, r->host->name,
	       bc_poll_verdict_name(r->verdict), r->attempts, r->http_status,
	       (unsigned long long)r->ms);
	for (size_t i = 0; i < r->nonce_size; i++)
		printf("%02x", r->nonce[i]);
	if (!r->nonce_size)
		fputs("-", stdout);
	putchar('\t');
	print_checks(r->verify);
	printf("\t%s\n", r->detail);
	fflush(stdout);
}

static bc_status load_key(const char *path, bc_verify_key **out, bc_error *err)
{
	uint8_t data[65536];
	FILE *f = fopen(path, "rb");
	if (!f)
		return bc_fail(err, BC_E_IO, "%s: cannot open", path);
	size_t size = fread(data, 1, sizeof(data), f);
	fclose(f);
	return bc_verify_key_new(data, size, 0, out, err);
}

static unsigned number(const char *text)
{
	char *end = NULL;
	unsigned long n = strtoul(text, &end, 10);
	if (!*text || *end || n > 3600000) {
		fprintf(stderr, PROG ": %s: not a number\n", text);
		exit(2);
	}
	return (unsigned)n;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"golden", required_argument, NULL, 'g'},
	    {"retries", required_argument, NULL, 'r'},
	    {"timeout", required_argument, NULL, 't'},
	    {"jobs", required_argument, NULL, 'j'},
	    {NULL, 0, NULL, 0},
	};
	bc_poll_opts opts;
	const char *golden = NULL;
	bc_error err = {0};
	int o, rc = 1;
	bc_poll_opts_init(&opts);
	while ((o = getopt_long(argc, argv, "g:r:t:j:", options, NULL)) != -1) {
		switch (o) {
		case 'g': golden = optarg; break;
		case 'r': opts.retries = number(optarg); break;
		case 't': opts.timeout_ms = number(optarg); break;
		case 'j': opts.jobs = number(optarg); break;
		default: return 2;
		}
	}
	size_t count = (size_t)(argc - optind) / 3;
	if (!golden || count == 0 || (argc - optind) % 3) {
		fprintf(stderr, "usage: " PROG " --golden DB [--retries N] [--timeout MS] "
				"[--jobs N] NAME URL AKPUB...\n");
		return 2;
	}
	bc_golden *db = NULL;
	bc_poll_host *hosts = calloc(count, sizeof(*hosts));
	bc_verify_key **keys = calloc(count, sizeof(*keys));
	seen s = {.hosts = hosts, .count = count, .calls = calloc(count, sizeof(unsigned))};
	if (!hosts || !keys || !s.calls) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}
	if (bc_golden_load(golden, NULL, NULL, &db, &err) != BC_OK)
		goto fail;
	for (size_t i = 0; i < count; i++) {
		char **w = argv + optind + 3 * i;
		hosts[i] = (bc_poll_host){.name = w[0], .url = w[1]};
		if (strcmp(w[2], "-") != 0 && load_key(w[2], &keys[i], &err) != BC_OK)
			goto fail;
		hosts[i].key = keys[i];
	}
	opts.golden = db;
	if (bc_poll(hosts, count, &opts, on_result, &s, &err) != BC_OK)
		goto fail;
	rc = 0;
	for (size_t i = 0; i < count; i++)
		if (s.calls[i] != 1) {
			fprintf(stderr, PROG ": host %zu had %u callbacks\n", i, s.calls[i]);
			rc = 1;
		}
	if (s.wrong) {
		fprintf(stderr, PROG ": a result for no host, or for another one\n");
		rc = 1;
	}
	goto out;
fail:
	fprintf(stderr, PROG ": %s\n", bc_error_message(&err));
out:
	for (size_t i = 0; keys && i < count; i++)
		bc_verify_key_free(keys[i]);
	free(keys);
	free(hosts);
	free(s.calls);
	bc_golden_free(db);
	return rc;
}
