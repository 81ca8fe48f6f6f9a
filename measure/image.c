/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The digest of a boot layer's image: PE/COFF Authenticode for EFI executables (what
 * firmware extends for them), or a plain hash of the bytes, in several banks at once.
 *
 * Plain hashing streams: one read pass over the file with a fixed amount of memory, so
 * large files and pipes work. With several banks the banks are hashed by worker threads
 * while the next chunk is read: hashing three banks then costs about as much as the
 * slowest of them, not their sum.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bootchain/measure.h>
#include <bootchain/pe.h>

#include "util/cleanup.h"
#include "util/file.h"

#define CHUNK	    ((size_t)1 << 20)
#define MAX_WORKERS 4
/* Smaller inputs are not worth a thread. */
#define PARALLEL_MIN_SIZE ((off_t)16 << 20)
/* An image read whole for PE hashing from a pipe. */
#define MAX_PIPED_IMAGE ((size_t)1 << 32)

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_hasher *, bc_hasher_free)

/* The progress hook of the calling thread, and where its current file is. Per thread:
 * a program hashing in several threads sets a hook in each, or none, and the reading
 * (which reports) always happens in the thread that called bc_image_digest_file. */
static _Thread_local struct {
	bc_image_progress_fn fn;
	void *user;
	const char *name;
	uint64_t done, total;
} progress;

void bc_image_progress_set(bc_image_progress_fn fn, void *user)
{
	progress.fn = fn;
	progress.user = user;
}

static void progress_begin(const char *name, uint64_t total)
{
	progress.name = name;
	progress.done = 0;
	progress.total = total;
}

static void progress_add(size_t len)
{
	progress.done += len;
	if (progress.fn)
		progress.fn(progress.name, progress.done, progress.total, progress.user);
}

const char *bc_image_kind_name(bc_image_kind kind)
{
	switch (kind) {
	case BC_IMAGE_AUTO: return "auto";
	case BC_IMAGE_RAW: return "raw";
	case BC_IMAGE_PE: return "pe";
	}
	return "unknown";
}

bool bc_image_kind_from_name(const char *name, bc_image_kind *kind)
{
	static const bc_image_kind kinds[] = {BC_IMAGE_AUTO, BC_IMAGE_RAW, BC_IMAGE_PE};
	for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
		if (strcmp(name, bc_image_kind_name(kinds[i])) == 0) {
			*kind = kinds[i];
			return true;
		}
	}
	return false;
}

bc_status bc_image_digest(const void *image, size_t size, const char *name, bc_image_kind kind,
			  const uint16_t *algs, size_t count, bc_digest_set *out,
			  bc_image_kind *used, bc_error *err)
{
	if (kind == BC_IMAGE_AUTO)
		kind = bc_pe_detect(image, size) ? BC_IMAGE_PE : BC_IMAGE_RAW;
	if (used)
		*used = kind;
	if (kind == BC_IMAGE_PE)
		return bc_pe_authenticode(image, size, name, algs, count, out, err);
	_cleanup_(bc_hasher_freep) bc_hasher *h = NULL;
	bc_status s = bc_hasher_new(algs, count, &h, err);
	if (s == BC_OK)
		s = bc_hasher_update(h, image, size, err);
	return s == BC_OK ? bc_hasher_final(h, out, err) : s;
}

/* ---- streaming, with one worker thread per group of banks ---- */

/*
 * Rounds: the reader publishes a chunk and bumps round; each worker hashes it into its
 * own banks and counts itself done; the reader reads the next chunk meanwhile and waits
 * for all workers before it publishes again. len 0 ends the workers.
 */
typedef struct pipeline {
	pthread_mutex_t lock;
	pthread_cond_t published, finished;
	uint64_t round;
	size_t done;
	const uint8_t *chunk;
	size_t len;
	size_t workers, started;
	bc_hasher *hashers[MAX_WORKERS];
	bool failed[MAX_WORKERS];
} pipeline;

typedef struct worker_arg {
	pipeline *p;
	size_t index;
} worker_arg;

static void *worker(void *arg)
{
	worker_arg *w = arg;
	pipeline *p = w->p;
	uint64_t seen = 0;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (p->round == seen)
			pthread_cond_wait(&p->published, &p->lock);
		seen = p->round;
		const uint8_t *chunk = p->chunk;
		size_t len = p->len;
		pthread_mutex_unlock(&p->lock);
		if (len == 0)
			return NULL;
		if (!p->failed[w->index] &&
		    bc_hasher_update(p->hashers[w->index], chunk, len, NULL) != BC_OK)
			p->failed[w->index] = true;
		pthread_mutex_lock(&p->lock);
		if (++p->done == p->started)
			pthread_cond_signal(&p->finished);
		pthread_mutex_unlock(&p->lock);
	}
}

static void publish(pipeline *p, const uint8_t *chunk, size_t len)
{
	pthread_mutex_lock(&p->lock);
	p->chunk = chunk;
	p->len = len;
	p->done = 0;
	p->round++;
	pthread_cond_broadcast(&p->published);
	pthread_mutex_unlock(&p->lock);
}

static void wait_finished(pipeline *p)
{
	pthread_mutex_lock(&p->lock);
	while (p->done < p->started)
		pthread_cond_wait(&p->finished, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

/* Read up to CHUNK bytes; 0 at EOF. */
static bc_status read_chunk(int fd, const char *name, uint8_t *buf, size_t *len, bc_error *err)
{
	size_t have = 0;
	while (have < CHUNK) {
		ssize_t n = read(fd, buf + have, CHUNK - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return bc_fail(err, BC_E_IO, "%s: %s", name, strerror(errno));
		if (n == 0)
			break;
		have += (size_t)n;
	}
	*len = have;
	progress_add(have);
	return BC_OK;
}

/* Relative cost of a bank, to spread banks over workers evenly. */
static unsigned bank_cost(uint16_t alg)
{
	return alg == BC_ALG_SHA384 || alg == BC_ALG_SHA512 ? 3 : alg == BC_ALG_SHA1 ? 1 : 2;
}

/* Split algs into groups, the costliest bank first into the least loaded group. */
static void group_banks(const uint16_t *algs, size_t count, size_t groups,
			uint16_t out[MAX_WORKERS][BC_MAX_BANKS], size_t sizes[MAX_WORKERS])
{
	unsigned load[MAX_WORKERS] = {0};
	bool taken[BC_MAX_BANKS] = {false};
	for (size_t g = 0; g < groups; g++)
		sizes[g] = 0;
	for (size_t n = 0; n < count; n++) {
		size_t best = count, g = 0;
		for (size_t i = 0; i < count; i++)
			if (!taken[i] &&
			    (best == count || bank_cost(algs[i]) > bank_cost(algs[best])))
				best = i;
		for (size_t i = 1; i < groups; i++)
			if (load[i] < load[g])
				g = i;
		taken[best] = true;
		load[g] += bank_cost(algs[best]);
		out[g][sizes[g]++] = algs[best];
	}
}

/* The workers' digests, in the order of algs (not the order of the groups). */
static bc_status merge_results(pipeline *p, const char *name, const uint16_t *algs, size_t count,
			       bc_digest_set *out, bc_error *err)
{
	bc_digest_set all = {.count = 0};
	*out = (bc_digest_set){.count = 0};
	for (size_t w = 0; w < p->workers; w++) {
		bc_digest_set part;
		if (p->failed[w])
			return bc_fail(err, BC_E_UNSUPPORTED, "%s: hashing failed", name);
		bc_status s = bc_hasher_final(p->hashers[w], &part, err);
		for (size_t i = 0; s == BC_OK && i < part.count; i++)
			s = bc_digest_set_put(&all, &part.digests[i], err);
		if (s != BC_OK)
			return s;
	}
	for (size_t i = 0; i < count; i++) {
		const bc_digest *d = bc_digest_set_find(&all, algs[i]);
		bc_status s = d ? bc_digest_set_put(out, d, err) : BC_OK;
		if (s != BC_OK)
			return s;
	}
	return BC_OK;
}

/* Feed the workers chunk after chunk, reading the next while they hash the last. */
static bc_status run_pipeline(pipeline *p, int fd, const char *name, uint8_t *bufs[2],
			      bc_error *err)
{
	size_t len, cur = 0;
	bc_status s = read_chunk(fd, name, bufs[cur], &len, err);
	while (s == BC_OK && len) {
		publish(p, bufs[cur], len);
		cur ^= 1;
		s = read_chunk(fd, name, bufs[cur], &len, err);
		wait_finished(p);
	}
	return s;
}

static bc_status start_workers(pipeline *p, const uint16_t *algs, size_t count, pthread_t *tids,
			       worker_arg *args, bc_error *err)
{
	uint16_t groups[MAX_WORKERS][BC_MAX_BANKS];
	size_t sizes[MAX_WORKERS];
	group_banks(algs, count, p->workers, groups, sizes);
	for (size_t w = 0; w < p->workers; w++) {
		bc_status s = bc_hasher_new(groups[w], sizes[w], &p->hashers[w], err);
		if (s != BC_OK)
			return s;
	}
	for (size_t w = 0; w < p->workers; w++) {
		args[w] = (worker_arg){.p = p, .index = w};
		if (pthread_create(&tids[w], NULL, worker, &args[w]) != 0)
			return bc_fail(err, BC_E_NOMEM, "cannot start a hashing thread");
		p->started++;
	}
	return BC_OK;
}

static size_t worker_count(size_t banks)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = banks < MAX_WORKERS ? banks : MAX_WORKERS;
	return cpus > 0 && (size_t)cpus < n ? (size_t)cpus : n;
}

static bc_status hash_parallel(int fd, const char *name, const uint16_t *algs, size_t count,
			       bc_digest_set *out, bc_error *err)
{
	pipeline p = {.workers = worker_count(count)};
	pthread_t tids[MAX_WORKERS];
	worker_arg args[MAX_WORKERS];
	_cleanup_free_ uint8_t *mem = malloc(2 * CHUNK);
	uint8_t *bufs[2] = {mem, mem + CHUNK};
	if (!mem)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.published, NULL);
	pthread_cond_init(&p.finished, NULL);
	bc_status s = start_workers(&p, algs, count, tids, args, err);
	if (s == BC_OK)
		s = run_pipeline(&p, fd, name, bufs, err);
	publish(&p, NULL, 0); /* ends the workers that started */
	for (size_t w = 0; w < p.started; w++)
		pthread_join(tids[w], NULL);
	if (s == BC_OK)
		s = merge_results(&p, name, algs, count, out, err);
	for (size_t w = 0; w < p.workers; w++)
		bc_hasher_free(p.hashers[w]);
	pthread_cond_destroy(&p.finished);
	pthread_cond_destroy(&p.published);
	pthread_mutex_destroy(&p.lock);
	return s;
}

static bc_status hash_serial(int fd, const char *name, const uint8_t *prefix, size_t prefix_len,
			     const uint16_t *algs, size_t count, bc_digest_set *out, bc_error *err)
{
	_cleanup_(bc_hasher_freep) bc_hasher *h = NULL;
	_cleanup_free_ uint8_t *buf = malloc(CHUNK);
	size_t len;
	bc_status s = bc_hasher_new(algs, count, &h, err);
	if (s != BC_OK)
		return s;
	if (!buf)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (prefix_len && (s = bc_hasher_update(h, prefix, prefix_len, err)) != BC_OK)
		return s;
	while ((s = read_chunk(fd, name, buf, &len, err)) == BC_OK && len)
		if ((s = bc_hasher_update(h, buf, len, err)) != BC_OK)
			return s;
	return s == BC_OK ? bc_hasher_final(h, out, err) : s;
}

/* Whether the regular file at fd is a PE image: MZ header, and "PE\0\0" at e_lfanew. */
static bool file_is_pe(int fd)
{
	uint8_t head[64], sig[4];
	if (pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head))
		return false;
	uint32_t lfanew = (uint32_t)head[60] | (uint32_t)head[61] << 8 | (uint32_t)head[62] << 16 |
			  (uint32_t)head[63] << 24;
	return head[0] == 'M' && head[1] == 'Z' &&
	       pread(fd, sig, sizeof(sig), lfanew) == (ssize_t)sizeof(sig) &&
	       memcmp(sig, "PE\0\0", 4) == 0;
}

/* A pipe: the first chunk tells PE from raw; a PE image is read whole. */
static bc_status digest_pipe(int fd, const char *path, bc_image_kind kind, const uint16_t *algs,
			     size_t count, bc_digest_set *out, bc_image_kind *used, bc_error *err)
{
	_cleanup_free_ uint8_t *first = malloc(CHUNK);
	size_t len = 0;
	if (!first)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	bc_status s = kind == BC_IMAGE_RAW ? BC_OK : read_chunk(fd, path, first, &len, err);
	if (s != BC_OK)
		return s;
	if (kind == BC_IMAGE_AUTO)
		kind = bc_pe_detect(first, len) ? BC_IMAGE_PE : BC_IMAGE_RAW;
	if (used)
		*used = kind;
	if (kind == BC_IMAGE_RAW)
		return hash_serial(fd, path, first, len, algs, count, out, err);
	_cleanup_free_ uint8_t *rest = NULL;
	size_t rest_len = 0;
	if ((s = bc_read_fd(fd, path, MAX_PIPED_IMAGE - len, &rest, &rest_len, err)) != BC_OK)
		return s;
	_cleanup_free_ uint8_t *whole = malloc(len + rest_len + 1);
	if (!whole)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	memcpy(whole, first, len);
	if (rest_len)
		memcpy(whole + len, rest, rest_len);
	return bc_pe_authenticode(whole, len + rest_len, path, algs, count, out, err);
}

bc_status bc_image_digest_file(const char *path, bc_image_kind kind, const uint16_t *algs,
			       size_t count, bc_digest_set *out, bc_image_kind *used, bc_error *err)
{
	struct stat st;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return bc_fail(err, BC_E_IO, "%s: is a directory", path);
	progress_begin(path, S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0);
	if (!S_ISREG(st.st_mode))
		return digest_pipe(fd, path, kind, algs, count, out, used, err);
	if (kind == BC_IMAGE_AUTO)
		kind = file_is_pe(fd) ? BC_IMAGE_PE : BC_IMAGE_RAW;
	if (used)
		*used = kind;
	if (kind == BC_IMAGE_PE)
		return bc_pe_authenticode_file(path, algs, count, out, err);
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (count > 1 && st.st_size >= PARALLEL_MIN_SIZE && worker_count(count) > 1)
		return hash_parallel(fd, path, algs, count, out, err);
	return hash_serial(fd, path, NULL, 0, algs, count, out, err);
}
