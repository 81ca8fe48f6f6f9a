/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Authenticode digest of a PE/COFF image in userspace. The image is parsed by the
 * freestanding core (freestanding/pe.c, where the algorithm and its checks are explained), the
 * one parser bootchain.efi uses too; here its ranges are hashed with OpenSSL, in every
 * bank in one pass, and files are mapped rather than read.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bootchain/core.h>
#include <bootchain/pe.h>

#include "util/cleanup.h"
#include "util/file.h"

/* Every bank hashes one piece while it is in the cache, rather than the whole range. */
#define HASH_CHUNK (64 * 1024)

bool bc_pe_detect(const void *image, size_t size)
{
	return bc_core_pe_detect(image, size);
}

/* The core's errors as the library's: a malformed image, a limit, else a mistake. */
static bc_status from_core(bc_core_status s)
{
	switch (s) {
	case BC_CORE_OK: return BC_OK;
	case BC_CORE_E_FORMAT: return BC_E_FORMAT;
	case BC_CORE_E_LIMIT: return BC_E_LIMIT;
	default: return BC_E_INVALID;
	}
}

static bc_status hash_ranges(const uint8_t *data, const bc_core_pe *pe, bc_hasher *h, bc_error *err)
{
	for (size_t r = 0; r < pe->count; r++) {
		for (uint64_t at = pe->ranges[r].from; at < pe->ranges[r].to;) {
			uint64_t left = pe->ranges[r].to - at;
			size_t n = left < HASH_CHUNK ? (size_t)left : HASH_CHUNK;
			bc_status s = bc_hasher_update(h, data + at, n, err);
			if (s != BC_OK)
				return s;
			at += n;
		}
	}
	return BC_OK;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_hasher *, bc_hasher_free)

bc_status bc_pe_authenticode(const void *image, size_t size, const char *name, const uint16_t *algs,
			     size_t count, bc_digest_set *out, bc_error *err)
{
	*out = (bc_digest_set){0};
	bc_core_pe pe;
	bc_core_error core_err = {0};
	bc_core_status cs = bc_core_pe_ranges(image, size, name, &pe, &core_err);
	if (cs != BC_CORE_OK)
		return bc_fail(err, from_core(cs), "%s", core_err.msg);
	_cleanup_(bc_hasher_freep) bc_hasher *h = NULL;
	bc_status s;
	if ((s = bc_hasher_new(algs, count, &h, err)) != BC_OK ||
	    (s = hash_ranges(image, &pe, h, err)) != BC_OK)
		return s;
	return bc_hasher_final(h, out, err);
}

/* A read-only mapping of a whole file, unmapped when it goes out of scope. */
typedef struct file_map {
	void *addr;
	size_t size;
} file_map;

static void file_unmap(file_map *m)
{
	if (m->addr)
		munmap(m->addr, m->size);
}

/* A pipe or device: read into memory, up to BC_PE_MAX_SIZE bytes. */
static bc_status authenticode_stream(int fd, const char *path, const uint16_t *algs, size_t count,
				     bc_digest_set *out, bc_error *err)
{
	size_t max = BC_PE_MAX_SIZE < SIZE_MAX ? (size_t)BC_PE_MAX_SIZE : SIZE_MAX;
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	bc_status s = bc_read_fd(fd, path, max, &data, &size, err);
	if (s != BC_OK)
		return s;
	return bc_pe_authenticode(data, size, path, algs, count, out, err);
}

bc_status bc_pe_authenticode_file(const char *path, const uint16_t *algs, size_t count,
				  bc_digest_set *out, bc_error *err)
{
	*out = (bc_digest_set){0};
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0)
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return authenticode_stream(fd, path, algs, count, out, err);
	if ((uint64_t)st.st_size > BC_PE_MAX_SIZE || (uint64_t)st.st_size > SIZE_MAX)
		return bc_fail(err, BC_E_LIMIT,
			       "%s: %jd bytes exceed the limit of %" PRIu64 " for a PE image", path,
			       (intmax_t)st.st_size, BC_PE_MAX_SIZE);
	if (st.st_size == 0) /* mmap refuses an empty mapping */
		return bc_pe_authenticode("", 0, path, algs, count, out, err);
	/* A file truncated by someone else while it is mapped raises SIGBUS when read;
	 * measured files are not expected to change under the measurement. */
	_cleanup_(file_unmap) file_map map = {.size = (size_t)st.st_size};
	void *addr = mmap(NULL, map.size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (addr == MAP_FAILED)
		return bc_fail(err, BC_E_IO, "%s: mmap: %s", path, strerror(errno));
	map.addr = addr;
	(void)madvise(map.addr, map.size, MADV_SEQUENTIAL);
	return bc_pe_authenticode(map.addr, map.size, path, algs, count, out, err);
}
