/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Appending to an event log, as measured and trusted boot do after each extend. An
 * append must never leave a torn event: the whole record goes to the end in one
 * write() under an exclusive lock, then fsync(); a short write is rolled back.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bootchain/eventlog.h>

#include "eventlog/eventlog-internal.h"
#include "util/buf.h"
#include "util/cleanup.h"

/* Larger event data would be a bug in the caller, not a boot layer's description. */
#define MAX_EVENT_DATA (16u * 1024 * 1024)

static void put_u16(bc_buf *b, uint16_t v)
{
	uint8_t le[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	bc_buf_append(b, le, sizeof(le));
}

static void put_u32(bc_buf *b, uint32_t v)
{
	uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	bc_buf_append(b, le, sizeof(le));
}

/* The Spec ID event (SHA-1 format, EV_NO_ACTION) that opens a crypto-agile log. */
static void put_spec_id_event(bc_buf *b, const bc_digest_set *digests)
{
	static const uint8_t zero_digest[20];
	uint32_t data_size = 16 + 4 + 4 + 4 + 4 * (uint32_t)digests->count + 1;
	put_u32(b, 0);
	put_u32(b, BC_EV_NO_ACTION);
	bc_buf_append(b, zero_digest, sizeof(zero_digest));
	put_u32(b, data_size);
	bc_buf_append(b, BC_SPEC_ID_SIGNATURE, 16); /* with its NUL */
	put_u32(b, 0);				    /* platformClass: client */
	const uint8_t version[4] = {0, 2, 0, 2};    /* minor, major, errata, uintnSize */
	bc_buf_append(b, version, sizeof(version));
	put_u32(b, (uint32_t)digests->count);
	for (size_t i = 0; i < digests->count; i++) {
		put_u16(b, digests->digests[i].alg);
		put_u16(b, digests->digests[i].size);
	}
	bc_buf_putc(b, 0); /* vendorInfoSize */
}

/* One TCG_PCR_EVENT2, digests in the order of algs (the log's Spec ID order). */
static void put_event2(bc_buf *b, uint32_t pcr, uint32_t type, const bc_digest_set *digests,
		       const bc_log_alg *algs, size_t alg_count, const void *data, uint32_t size)
{
	put_u32(b, pcr);
	put_u32(b, type);
	put_u32(b, (uint32_t)alg_count);
	for (size_t i = 0; i < alg_count; i++) {
		const bc_digest *d = bc_digest_set_find(digests, algs[i].alg);
		put_u16(b, d->alg);
		bc_buf_append(b, d->bytes, d->size);
	}
	put_u32(b, size);
	bc_buf_append(b, data, size);
}

static bc_status check_arguments(const char *path, uint32_t pcr, const bc_digest_set *digests,
				 uint32_t size, bc_error *err)
{
	if (pcr >= BC_PCR_COUNT)
		return bc_fail(err, BC_E_INVALID, "%s: PCR %u is out of range (0-%d)", path, pcr,
			       BC_PCR_COUNT - 1);
	if (digests->count == 0)
		return bc_fail(err, BC_E_INVALID, "%s: an event needs at least one digest", path);
	if (size > MAX_EVENT_DATA)
		return bc_fail(err, BC_E_LIMIT, "%s: %u bytes of event data exceed the limit of %u",
			       path, size, MAX_EVENT_DATA);
	for (size_t i = 0; i < digests->count; i++) {
		const bc_hash_alg *a = bc_hash_alg_by_id(digests->digests[i].alg);
		if (!a || a->size != digests->digests[i].size)
			return bc_fail(err, BC_E_INVALID, "%s: bad digest for algorithm 0x%04x",
				       path, digests->digests[i].alg);
	}
	return BC_OK;
}

/* The existing log must be whole, crypto-agile, and have exactly the banks given. */
static bc_status check_existing(const char *path, int fd, const bc_digest_set *digests,
				bc_log **out, bc_error *err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	_cleanup_free_ uint8_t *data = malloc((size_t)st.st_size + 1);
	if (!data)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	ssize_t n = pread(fd, data, (size_t)st.st_size, 0);
	if (n != st.st_size)
		return bc_fail(err, BC_E_IO, "%s: cannot read the existing log", path);
	bc_log *log = NULL;
	bc_status s = bc_log_from_memory(data, (size_t)n, path, &log, err);
	if (s != BC_OK)
		return s;
	*out = log;
	if (bc_log_get_format(log) != BC_LOG_CRYPTO_AGILE)
		return bc_fail(err, BC_E_FORMAT, "%s: a SHA-1 format log cannot take new events",
			       path);
	size_t count;
	const bc_log_alg *algs = bc_log_algorithms(log, &count);
	bool same = count == digests->count;
	for (size_t i = 0; same && i < count; i++)
		same = bc_digest_set_find(digests, algs[i].alg) != NULL;
	if (!same)
		return bc_fail(
		    err, BC_E_INVALID,
		    "%s: the log's Spec ID event has other banks than the event to append", path);
	/* walk every event: a torn tail from an earlier crash is reported, not built on */
	bc_log_iter it;
	bc_log_iter_init(log, &it);
	for (bool done = false; !done;) {
		bc_event ev;
		if ((s = bc_log_next(&it, &ev, &done, err)) != BC_OK)
			return s;
	}
	return BC_OK;
}

static bc_status write_record(const char *path, int fd, off_t old_size, const bc_buf *record,
			      bc_error *err)
{
	ssize_t n;
	do
		n = write(fd, record->data, record->len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)record->len) {
		int e = n < 0 ? errno : ENOSPC;
		/* never leave a partial record behind */
		if (ftruncate(fd, old_size) < 0)
			return bc_fail(err, BC_E_IO,
				       "%s: write failed (%s) and the partial event could "
				       "not be removed: the log has a torn tail",
				       path, strerror(e));
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(e));
	}
	if (fsync(fd) < 0)
		return bc_fail(err, BC_E_IO, "%s: fsync: %s", path, strerror(errno));
	return BC_OK;
}

bc_status bc_log_append(const char *path, uint32_t pcr, uint32_t type, const bc_digest_set *digests,
			const void *data, uint32_t data_size, bc_error *err)
{
	bc_status s = check_arguments(path, pcr, digests, data_size, err);
	if (s != BC_OK)
		return s;
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX) < 0)
		return bc_fail(err, BC_E_IO, "%s: cannot lock: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0)
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));

	bc_buf record;
	bc_buf_init(&record, 2 * (size_t)MAX_EVENT_DATA);
	bc_log *log = NULL;
	bc_log_alg algs[BC_MAX_BANKS];
	size_t alg_count = digests->count;
	for (size_t i = 0; i < digests->count; i++)
		algs[i] = (bc_log_alg){digests->digests[i].alg, digests->digests[i].size};
	if (st.st_size == 0) {
		put_spec_id_event(&record, digests);
	} else if ((s = check_existing(path, fd, digests, &log, err)) == BC_OK) {
		const bc_log_alg *log_algs = bc_log_algorithms(log, &alg_count);
		memcpy(algs, log_algs, alg_count * sizeof(algs[0]));
	}
	bc_log_free(log);
	if (s == BC_OK) {
		put_event2(&record, pcr, type, digests, algs, alg_count, data, data_size);
		s = bc_buf_status(&record, err, path);
	}
	if (s == BC_OK)
		s = write_record(path, fd, st.st_size, &record, err);
	bc_buf_free(&record);
	return s;
}
