/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log-forge: rewrite an event log as an attacker would, for the forgery tests
 * (tests/integration/attest/forgery.sh). Events are named by their number as
 * `bootchain log show` prints it (the Spec ID event is 0); operations apply in order.
 *
 *   log-forge IN OUT [drop-digest N ALG | set-digest N ALG HEX | drop-event N |
 *                     set-pcr N PCR | copy-event N BEFORE]...
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/eventlog.h>

#include "tests/tools/log-rewrite.h"
#include "util/file.h"
#include "util/hex.h"

static int usage(void)
{
	fprintf(stderr, "usage: log-forge IN OUT [drop-digest N ALG | set-digest N ALG HEX | "
			"drop-event N | set-pcr N PCR | copy-event N BEFORE]...\n");
	return 2;
}

static rw_event *event_at(rw_log *log, const char *number)
{
	unsigned long n = strtoul(number, NULL, 10);
	if (n == 0 || n > log->count) {
		fprintf(stderr, "log-forge: no event %s\n", number);
		return NULL;
	}
	return &log->events[n - 1];
}

static uint16_t alg_of(const char *name)
{
	const bc_hash_alg *alg = bc_hash_alg_by_name(name);
	if (!alg)
		fprintf(stderr, "log-forge: unknown bank %s\n", name);
	return alg ? alg->id : 0;
}

static bool set_digest(rw_event *ev, uint16_t alg, const char *hex)
{
	for (size_t i = 0; i < ev->digest_count; i++) {
		rw_digest *d = &ev->digests[i];
		size_t n;
		if (d->alg == alg)
			return bc_hex_decode(hex, strlen(hex), d->bytes, d->size, &n) &&
			       n == d->size;
	}
	fprintf(stderr, "log-forge: the event has no such digest\n");
	return false;
}

/* One operation at argv[0]; the number of words it took, 0 on error. */
static int apply(rw_log *log, int argc, char **argv)
{
	const char *op = argv[0];
	rw_event *ev;
	if (!strcmp(op, "drop-digest") && argc >= 3 && (ev = event_at(log, argv[1])))
		return rw_event_drop_digest(ev, alg_of(argv[2])) ? 3 : 0;
	if (!strcmp(op, "set-digest") && argc >= 4 && (ev = event_at(log, argv[1])))
		return set_digest(ev, alg_of(argv[2]), argv[3]) ? 4 : 0;
	if (!strcmp(op, "drop-event") && argc >= 2 && event_at(log, argv[1])) {
		rw_log_remove(log, strtoul(argv[1], NULL, 10) - 1);
		return 2;
	}
	if (!strcmp(op, "set-pcr") && argc >= 3 && (ev = event_at(log, argv[1]))) {
		ev->pcr = (uint32_t)strtoul(argv[2], NULL, 10);
		return 3;
	}
	if (!strcmp(op, "copy-event") && argc >= 3 && (ev = event_at(log, argv[1]))) {
		rw_event copy = *ev; /* rw_log_insert copies the data */
		size_t before = strtoul(argv[2], NULL, 10);
		return before >= 1 && rw_log_insert(log, before - 1, &copy) ? 3 : 0;
	}
	return 0;
}

int main(int argc, char **argv)
{
	bc_log *in = NULL;
	rw_log log;
	bc_error err = {0};
	if (argc < 3)
		return usage();
	if (bc_log_read_file(argv[1], &in, &err) != BC_OK) {
		fprintf(stderr, "log-forge: %s\n", bc_error_message(&err));
		return 1;
	}
	bool ok = rw_log_read(in, &log);
	bc_log_free(in);
	if (!ok) {
		fprintf(stderr, "log-forge: %s: not a crypto-agile log\n", argv[1]);
		return 1;
	}
	for (int i = 3; i < argc && ok;) {
		int took = apply(&log, argc - i, argv + i);
		if (!took)
			fprintf(stderr, "log-forge: cannot apply %s\n", argv[i]);
		ok = took > 0;
		i += took;
	}
	uint8_t *bytes = NULL;
	size_t size = 0;
	ok = ok && rw_log_write(&log, &bytes, &size) &&
	     bc_write_file_atomic(argv[2], bytes, size, 0644, &err) == BC_OK;
	if (!ok && err.msg[0])
		fprintf(stderr, "log-forge: %s\n", bc_error_message(&err));
	free(bytes);
	rw_log_free(&log);
	return ok ? 0 : 1;
}
