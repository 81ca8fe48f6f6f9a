/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An event log as an attacker rewrites it: a crypto-agile log read into owned events
 * that can be changed (digests dropped or replaced, events dropped, moved or added),
 * then written out again in the TCG format. For the forgery tests and the attested-view
 * property fuzz target; not part of the library.
 */
#ifndef BC_TESTS_LOG_REWRITE_H
#define BC_TESTS_LOG_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/eventlog.h>

typedef struct rw_digest {
	uint16_t alg, size;
	uint8_t bytes[BC_MAX_DIGEST_SIZE];
} rw_digest;

typedef struct rw_event {
	uint32_t pcr, type;
	size_t digest_count;
	rw_digest digests[BC_MAX_BANKS];
	uint8_t *data; /* owned */
	uint32_t data_size;
} rw_event;

typedef struct rw_log {
	uint8_t *header; /* the Spec ID event, as it was */
	size_t header_size;
	rw_event *events; /* the events after it: events[i] is event number i + 1 */
	size_t count, cap;
} rw_log;

/* A crypto-agile log; false (nothing to free) for a SHA-1 log or a bad one. */
bool rw_log_read(const bc_log *log, rw_log *out);

/* Serialise; *out is malloc'd. */
bool rw_log_write(const rw_log *log, uint8_t **out, size_t *size);

void rw_log_free(rw_log *log);

/* Remove the digest of alg from events[i]; false if it has none. */
bool rw_event_drop_digest(rw_event *ev, uint16_t alg);

/* Remove events[i], or insert a copy of *ev before index i (i == count: at the end). */
void rw_log_remove(rw_log *log, size_t i);
bool rw_log_insert(rw_log *log, size_t i, const rw_event *ev);

#endif
