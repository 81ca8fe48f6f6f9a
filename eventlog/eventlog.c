/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading and walking TCG PC Client event logs. The log is untrusted: every length is
 * checked against the bytes left before it is used, through util/reader.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bootchain/eventlog.h>

#include "eventlog/eventlog-internal.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/reader.h"

/* Said of every event that the log ends inside of. */
#define TORN " (the log ends inside this event: a torn write?)"

struct bc_log {
	char *name;
	uint8_t *data;
	size_t size;
	size_t zero_tail; /* offset from which every byte is zero: padding, not events */
	bc_log_format format;
	size_t alg_count;
	bc_log_alg algs[BC_MAX_BANKS];
	bool has_spec_id;
	bc_log_spec_id spec_id;
	/* Some logs (tpm2-tools' fixtures among them) give the Spec ID event an EventSize
	 * that leaves out its vendor info, which follows in the file: the first event then
	 * really ends this many bytes after its EventSize says. */
	uint32_t spec_id_overrun;
};

void bc_log_free(bc_log *log)
{
	if (!log)
		return;
	free(log->name);
	free(log->data);
	free(log);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(bc_log *, bc_log_free)

const char *bc_log_name(const bc_log *log)
{
	return log->name;
}

bc_log_format bc_log_get_format(const bc_log *log)
{
	return log->format;
}

const uint8_t *bc_log_bytes(const bc_log *log, size_t *size)
{
	*size = log->size;
	return log->data;
}

const bc_log_alg *bc_log_algorithms(const bc_log *log, size_t *count)
{
	*count = log->alg_count;
	return log->algs;
}

const bc_log_spec_id *bc_log_get_spec_id(const bc_log *log)
{
	return log->has_spec_id ? &log->spec_id : NULL;
}

/* "NAME: event N at offset 0xX: reason" */
BC_PRINTF(5, 6)
static bc_status event_fail(bc_error *err, const bc_log *log, uint32_t number, size_t offset,
			    const char *fmt, ...)
{
	char reason[BC_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return bc_fail(err, BC_E_FORMAT, "%s: event %u at offset 0x%zx: %s", log->name, number,
		       offset, reason);
}

/* One TCG_PCClientPCREvent (SHA-1 format) at r's position. */
static bool read_sha1_event(bc_reader *r, bc_event *ev, const char **what)
{
	const uint8_t *digest;
	*what = "truncated event header";
	if (!bc_rd_u32le(r, &ev->pcr) || !bc_rd_u32le(r, &ev->type) ||
	    !bc_rd_bytes(r, 20, &digest) || !bc_rd_u32le(r, &ev->data_size))
		return false;
	*what = "event data runs past the end of the log";
	if (!bc_rd_bytes(r, ev->data_size, &ev->data))
		return false;
	ev->sha1_format = true;
	ev->digest_count = 1;
	ev->digests[0] = (bc_event_digest){.alg = BC_ALG_SHA1, .size = 20, .bytes = digest};
	return true;
}

static const bc_log_alg *log_alg(const bc_log *log, uint16_t alg)
{
	for (size_t i = 0; i < log->alg_count; i++)
		if (log->algs[i].alg == alg)
			return &log->algs[i];
	return NULL;
}

/* The digests of one TCG_PCR_EVENT2, after its PCR index and type. */
static bc_status read_event2_digests(const bc_log *log, bc_reader *r, bc_event *ev, bc_error *err)
{
	uint32_t count;
	if (!bc_rd_u32le(r, &count))
		return event_fail(err, log, ev->number, ev->offset, "truncated event header" TORN);
	if (count > log->alg_count)
		return event_fail(err, log, ev->number, ev->offset,
				  "%u digests, but the Spec ID event declares %zu bank%s", count,
				  log->alg_count, log->alg_count == 1 ? "" : "s");
	ev->digest_count = 0;
	for (uint32_t i = 0; i < count; i++) {
		uint16_t alg;
		size_t at = r->pos;
		if (!bc_rd_u16le(r, &alg))
			return event_fail(err, log, ev->number, ev->offset,
					  "truncated digest %u at offset 0x%zx" TORN, i, at);
		const bc_log_alg *a = log_alg(log, alg);
		if (!a)
			return event_fail(err, log, ev->number, ev->offset,
					  "digest %u has algorithm 0x%04x, which the Spec ID event "
					  "does not declare",
					  i, alg);
		if (bc_event_find_digest(ev, alg))
			return event_fail(err, log, ev->number, ev->offset,
					  "two digests for algorithm 0x%04x", alg);
		ev->digests[i] = (bc_event_digest){.alg = alg, .size = a->size};
		if (!bc_rd_bytes(r, a->size, &ev->digests[i].bytes))
			return event_fail(err, log, ev->number, ev->offset,
					  "truncated %u-byte digest %u at offset 0x%zx" TORN,
					  a->size, i, at);
		ev->digest_count = i + 1;
	}
	return BC_OK;
}

/* One TCG_PCR_EVENT2 at r's position. */
static bc_status read_event2(const bc_log *log, bc_reader *r, bc_event *ev, bc_error *err)
{
	if (!bc_rd_u32le(r, &ev->pcr) || !bc_rd_u32le(r, &ev->type))
		return event_fail(err, log, ev->number, ev->offset, "truncated event header" TORN);
	bc_status s = read_event2_digests(log, r, ev, err);
	if (s != BC_OK)
		return s;
	size_t at = r->pos;
	if (!bc_rd_u32le(r, &ev->data_size))
		return event_fail(err, log, ev->number, ev->offset,
				  "truncated event size at offset 0x%zx" TORN, at);
	if (!bc_rd_bytes(r, ev->data_size, &ev->data))
		return event_fail(err, log, ev->number, ev->offset,
				  "event size %u exceeds the %zu bytes left" TORN, ev->data_size,
				  bc_rd_left(r));
	return BC_OK;
}

/* The PCR index of an event that is never extended: Windows logs EV_NO_ACTION events
 * with PCR index 0xFFFFFFFF (-1). */
#define PCR_NONE 0xffffffffu

static bool pcr_valid(const bc_event *ev)
{
	return ev->pcr < BC_PCR_COUNT || (ev->pcr == PCR_NONE && ev->type == BC_EV_NO_ACTION);
}

static bc_status check_pcr(const bc_log *log, const bc_event *ev, bc_error *err)
{
	if (pcr_valid(ev))
		return BC_OK;
	return event_fail(err, log, ev->number, ev->offset, "PCR index %u is out of range (0-%d)%s",
			  ev->pcr, BC_PCR_COUNT - 1,
			  ev->number == 0 ? ": is this a TCG event log?" : "");
}

/* Whether a valid TCG_PCR_EVENT2 (or the end of the log) is at offset. */
static bool event_parses_at(const bc_log *log, size_t offset)
{
	if (offset >= log->zero_tail)
		return offset <= log->size;
	bc_reader r = bc_reader_init(log->data, log->size);
	bc_event ev = {0};
	r.pos = offset;
	return read_event2(log, &r, &ev, NULL) == BC_OK && pcr_valid(&ev);
}

/*
 * Parse the TCG_EfiSpecIDEvent in the data of the first event. Some logs (one of
 * tpm2-tools' fixtures) give it an EventSize that leaves out the vendor info that
 * follows: that reading is taken only when the strict one leaves no event where the
 * next should start, and the tolerant one does.
 */
static bc_status parse_spec_id(bc_log *log, const bc_event *ev, bc_error *err)
{
	/* read up to the end of the log, not of the event: see spec_id_overrun */
	size_t data_offset = (size_t)(ev->data - log->data);
	bc_reader r = bc_reader_init(ev->data, log->size - data_offset);
	bc_log_spec_id *sid = &log->spec_id;
	uint32_t count;
	if (!bc_rd_skip(&r, 16) || !bc_rd_u32le(&r, &sid->platform_class) ||
	    !bc_rd_u8(&r, &sid->version_minor) || !bc_rd_u8(&r, &sid->version_major) ||
	    !bc_rd_u8(&r, &sid->errata) || !bc_rd_u8(&r, &sid->uintn_size) ||
	    !bc_rd_u32le(&r, &count))
		return event_fail(err, log, 0, 0, "truncated Spec ID event");
	if (count == 0 || count > BC_MAX_BANKS)
		return event_fail(err, log, 0, 0,
				  "the Spec ID event declares %u algorithms (expected 1 to %d)",
				  count, BC_MAX_BANKS);
	for (uint32_t i = 0; i < count; i++) {
		bc_log_alg *a = &log->algs[i];
		if (!bc_rd_u16le(&r, &a->alg) || !bc_rd_u16le(&r, &a->size))
			return event_fail(err, log, 0, 0,
					  "Spec ID event: algorithm %u of %u is truncated", i,
					  count);
		const bc_hash_alg *known = bc_hash_alg_by_id(a->alg);
		if (a->size == 0 || (known && known->size != a->size))
			return event_fail(err, log, 0, 0,
					  "Spec ID event: algorithm 0x%04x has digest size %u%s",
					  a->alg, a->size, known ? ", which is wrong for it" : "");
		for (uint32_t j = 0; j < i; j++)
			if (log->algs[j].alg == a->alg)
				return event_fail(err, log, 0, 0,
						  "Spec ID event: algorithm 0x%04x is listed twice",
						  a->alg);
	}
	log->alg_count = count;
	if (!bc_rd_u8(&r, &sid->vendor_info_size) ||
	    !bc_rd_bytes(&r, sid->vendor_info_size, &sid->vendor_info))
		return event_fail(err, log, 0, 0, "Spec ID event: vendor info runs past the log");
	if (r.pos > ev->data_size) {
		size_t strict_end = data_offset + ev->data_size;
		if (r.pos - ev->data_size > sid->vendor_info_size ||
		    event_parses_at(log, strict_end) || !event_parses_at(log, data_offset + r.pos))
			return event_fail(err, log, 0, 0,
					  "Spec ID event: its vendor info (%u bytes) runs past its "
					  "EventSize of %u",
					  sid->vendor_info_size, ev->data_size);
		log->spec_id_overrun = (uint32_t)(r.pos - ev->data_size);
	}
	log->has_spec_id = true;
	return BC_OK;
}

static bool is_spec_id_event(const bc_event *ev)
{
	return ev->type == BC_EV_NO_ACTION && ev->data_size >= 16 &&
	       memcmp(ev->data, BC_SPEC_ID_SIGNATURE, 16) == 0;
}

/* Decide the format from the first event, which is always in SHA-1 format. */
static bc_status parse_header(bc_log *log, bc_error *err)
{
	bc_reader r = bc_reader_init(log->data, log->size);
	bc_event first = {0};
	const char *what;
	if (log->size == 0)
		return bc_fail(err, BC_E_FORMAT, "%s: the log is empty", log->name);
	if (log->zero_tail == 0)
		return bc_fail(err, BC_E_FORMAT, "%s: the log holds only zero bytes", log->name);
	/* text or other junk fails here first, with a message that says so */
	if (log->size >= 4 && bc_rd_u32le(&r, &first.pcr) && first.pcr != PCR_NONE &&
	    check_pcr(log, &first, err) != BC_OK)
		return BC_E_FORMAT; /* PCR_NONE: its type, read next, decides */
	r.pos = 0;
	if (!read_sha1_event(&r, &first, &what))
		return event_fail(err, log, 0, 0, "%s%s", what,
				  log->size < 64 ? " (the file is too short for an event log)"
						 : "");
	if (is_spec_id_event(&first)) {
		log->format = BC_LOG_CRYPTO_AGILE;
		return parse_spec_id(log, &first, err);
	}
	/* SHA-1-only firmware and some VMs: no Spec ID event, SHA-1 records throughout */
	log->format = BC_LOG_SHA1;
	log->alg_count = 1;
	log->algs[0] = (bc_log_alg){.alg = BC_ALG_SHA1, .size = 20};
	return BC_OK;
}

static size_t find_zero_tail(const uint8_t *data, size_t size)
{
	size_t end = size;
	while (end > 0 && data[end - 1] == 0)
		end--;
	return end;
}

/* Takes ownership of data. */
static bc_status log_new(uint8_t *data, size_t size, const char *name, bc_log **out, bc_error *err)
{
	_cleanup_free_ uint8_t *owned = data;
	_cleanup_(bc_log_freep) bc_log *log = calloc(1, sizeof(*log));
	if (!log || !(log->name = strdup(name)))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	log->data = TAKE_PTR(owned);
	log->size = size;
	log->zero_tail = find_zero_tail(log->data, size);
	bc_status s = parse_header(log, err);
	if (s != BC_OK)
		return s;
	*out = TAKE_PTR(log);
	return BC_OK;
}

bc_status bc_log_from_memory(const void *data, size_t size, const char *name, bc_log **out,
			     bc_error *err)
{
	if (size > BC_LOG_MAX_SIZE)
		return bc_fail(err, BC_E_LIMIT, "%s: %zu bytes exceed the limit of %zu for a log",
			       name, size, BC_LOG_MAX_SIZE);
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (size)
		memcpy(copy, data, size);
	return log_new(copy, size, name ? name : "(memory)", out, err);
}

bc_status bc_log_read_file(const char *path, bc_log **out, bc_error *err)
{
	uint8_t *data = NULL;
	size_t size = 0;
	bc_status s = bc_read_file(path, BC_LOG_MAX_SIZE, &data, &size, err);
	if (s != BC_OK)
		return s;
	return log_new(data, size, path, out, err);
}

void bc_log_iter_init(const bc_log *log, bc_log_iter *it)
{
	*it = (bc_log_iter){.log = log};
}

bc_status bc_log_next(bc_log_iter *it, bc_event *ev, bool *done, bc_error *err)
{
	const bc_log *log = it->log;
	*done = false;
	if (it->done || it->offset >= log->zero_tail) {
		/* the end, or nothing but zero padding left (securityfs pads) */
		it->done = true;
		*done = true;
		return BC_OK;
	}
	bc_reader r = bc_reader_init(log->data, log->size);
	r.pos = it->offset;
	/* filled in place, field by field: zeroing and copying the whole record (its
	 * digest array is large) would cost more than parsing it */
	bc_event *e = ev;
	e->number = it->number;
	e->offset = it->offset;
	e->sha1_format = false;
	e->digest_count = 0;
	bc_status s;
	if (log->format == BC_LOG_SHA1 || it->number == 0) {
		const char *what;
		if (!read_sha1_event(&r, e, &what))
			s = event_fail(err, log, e->number, e->offset, "%s, %zu bytes left" TORN,
				       what, bc_rd_left(&r));
		else
			s = BC_OK;
		if (s == BC_OK && it->number == 0 && log->spec_id_overrun) {
			r.pos += log->spec_id_overrun; /* checked by parse_spec_id */
			e->data_size += log->spec_id_overrun;
		}
	} else {
		s = read_event2(log, &r, e, err);
	}
	if (s == BC_OK)
		s = check_pcr(log, e, err);
	if (s != BC_OK) {
		it->done = true; /* a walk never goes past an error */
		return s;
	}
	e->length = (uint32_t)(r.pos - it->offset);
	it->offset = r.pos;
	it->number++;
	return BC_OK;
}

const bc_event_digest *bc_event_find_digest(const bc_event *ev, uint16_t alg)
{
	for (size_t i = 0; i < ev->digest_count; i++)
		if (ev->digests[i].alg == alg)
			return &ev->digests[i];
	return NULL;
}

bool bc_event_extends(const bc_event *ev)
{
	return ev->type != BC_EV_NO_ACTION;
}

bool bc_event_startup_locality(const bc_event *ev, uint8_t *locality)
{
	if (ev->type != BC_EV_NO_ACTION || ev->pcr != 0 || ev->data_size < 17 ||
	    memcmp(ev->data, BC_STARTUP_LOCALITY_SIGNATURE, 16) != 0)
		return false;
	*locality = ev->data[16];
	return true;
}

void bc_event_digest_set(const bc_event *ev, bc_digest_set *out)
{
	*out = (bc_digest_set){.count = 0};
	for (size_t i = 0; i < ev->digest_count && out->count < BC_MAX_BANKS; i++) {
		const bc_event_digest *d = &ev->digests[i];
		const bc_hash_alg *alg = bc_hash_alg_by_id(d->alg);
		if (!alg || alg->size != d->size)
			continue;
		bc_digest *o = &out->digests[out->count++];
		*o = (bc_digest){.alg = d->alg, .size = d->size};
		memcpy(o->bytes, d->bytes, d->size);
	}
}
