/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tests/tools/log-rewrite.h"

static bool copy_event(const bc_event *ev, rw_event *out)
{
	*out = (rw_event){.pcr = ev->pcr, .type = ev->type, .data_size = ev->data_size};
	for (size_t i = 0; i < ev->digest_count && i < BC_MAX_BANKS; i++) {
		const bc_event_digest *d = &ev->digests[i];
		if (d->size > BC_MAX_DIGEST_SIZE)
			return false;
		rw_digest *o = &out->digests[out->digest_count++];
		*o = (rw_digest){.alg = d->alg, .size = d->size};
		memcpy(o->bytes, d->bytes, d->size);
	}
	out->data = malloc(ev->data_size ? ev->data_size : 1);
	if (!out->data)
		return false;
	if (ev->data_size)
		memcpy(out->data, ev->data, ev->data_size);
	return true;
}

bool rw_log_insert(rw_log *log, size_t i, const rw_event *ev)
{
	if (i > log->count)
		return false;
	if (log->count == log->cap) {
		size_t cap = log->cap ? 2 * log->cap : 16;
		rw_event *grown = realloc(log->events, cap * sizeof(*grown));
		if (!grown)
			return false;
		log->events = grown;
		log->cap = cap;
	}
	rw_event copy = *ev;
	copy.data = malloc(ev->data_size ? ev->data_size : 1);
	if (!copy.data)
		return false;
	if (ev->data_size)
		memcpy(copy.data, ev->data, ev->data_size);
	memmove(&log->events[i + 1], &log->events[i], (log->count - i) * sizeof(*log->events));
	log->events[i] = copy;
	log->count++;
	return true;
}

void rw_log_remove(rw_log *log, size_t i)
{
	if (i >= log->count)
		return;
	free(log->events[i].data);
	memmove(&log->events[i], &log->events[i + 1], (log->count - i - 1) * sizeof(*log->events));
	log->count--;
}

bool rw_log_read(const bc_log *log, rw_log *out)
{
	bc_log_iter it;
	bc_event ev;
	bool done = false;
	*out = (rw_log){0};
	if (bc_log_get_format(log) != BC_LOG_CRYPTO_AGILE)
		return false;
	bc_log_iter_init(log, &it);
	if (bc_log_next(&it, &ev, &done, NULL) != BC_OK || done || !ev.sha1_format)
		return false;
	size_t size;
	const uint8_t *bytes = bc_log_bytes(log, &size);
	out->header_size = ev.length;
	out->header = malloc(ev.length);
	if (!out->header)
		return false;
	memcpy(out->header, bytes + ev.offset, ev.length);
	for (;;) {
		rw_event e;
		if (bc_log_next(&it, &ev, &done, NULL) != BC_OK)
			break;
		if (done)
			return true;
		if (!copy_event(&ev, &e))
			break;
		bool ok = rw_log_insert(out, out->count, &e);
		free(e.data);
		if (!ok)
			break;
	}
	rw_log_free(out);
	return false;
}

/* the log is little-endian */
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

bool rw_log_write(const rw_log *log, uint8_t **out, size_t *size)
{
	size_t total = log->header_size;
	for (size_t i = 0; i < log->count; i++) {
		total += 16 + log->events[i].data_size;
		for (size_t d = 0; d < log->events[i].digest_count; d++)
			total += 2 + log->events[i].digests[d].size;
	}
	uint8_t *buf = malloc(total ? total : 1), *p = buf;
	if (!buf)
		return false;
	memcpy(p, log->header, log->header_size);
	p += log->header_size;
	for (size_t i = 0; i < log->count; i++) {
		const rw_event *e = &log->events[i];
		put32(p, e->pcr);
		put32(p + 4, e->type);
		put32(p + 8, (uint32_t)e->digest_count);
		p += 12;
		for (size_t d = 0; d < e->digest_count; d++) {
			put16(p, e->digests[d].alg);
			memcpy(p + 2, e->digests[d].bytes, e->digests[d].size);
			p += 2 + e->digests[d].size;
		}
		put32(p, e->data_size);
		memcpy(p + 4, e->data, e->data_size);
		p += 4 + e->data_size;
	}
	*out = buf;
	*size = total;
	return true;
}

void rw_log_free(rw_log *log)
{
	for (size_t i = 0; i < log->count; i++)
		free(log->events[i].data);
	free(log->events);
	free(log->header);
	*log = (rw_log){0};
}

bool rw_event_drop_digest(rw_event *ev, uint16_t alg)
{
	for (size_t i = 0; i < ev->digest_count; i++) {
		if (ev->digests[i].alg != alg)
			continue;
		memmove(&ev->digests[i], &ev->digests[i + 1],
			(ev->digest_count - i - 1) * sizeof(ev->digests[0]));
		ev->digest_count--;
		return true;
	}
	return false;
}
