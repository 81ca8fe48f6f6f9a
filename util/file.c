/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/file.h"

static bc_status too_large(const char *path, size_t max, bc_error *err)
{
	return bc_fail(err, BC_E_LIMIT, "%s: larger than the limit of %zu bytes", path, max);
}

bc_status bc_read_fd(int fd, const char *path, size_t max, uint8_t **out, size_t *out_size,
		     bc_error *err)
{
	struct stat st;
	size_t cap = 64 * 1024, size = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uint64_t)st.st_size > max)
			return too_large(path, max, err);
		cap = (size_t)st.st_size + 1; /* +1 so that EOF is seen without growing */
	}
	_cleanup_free_ uint8_t *buf = malloc(cap);
	if (!buf)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (;;) {
		if (size == cap) {
			if (cap > max)
				return too_large(path, max, err);
			uint8_t *grown = realloc(buf, cap * 2);
			if (!grown)
				return bc_fail(err, BC_E_NOMEM, "out of memory");
			buf = grown;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + size, cap - size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
		if (n == 0)
			break;
		size += (size_t)n;
	}
	if (size > max)
		return too_large(path, max, err);
	*out = TAKE_PTR(buf);
	*out_size = size;
	return BC_OK;
}

bc_status bc_read_file(const char *path, size_t max, uint8_t **out, size_t *size, bc_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	return bc_read_fd(fd, path, max, out, size, err);
}

static bc_status write_all(int fd, const char *path, const uint8_t *p, size_t size, bc_error *err)
{
	while (size) {
		ssize_t n = write(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
		p += n;
		size -= (size_t)n;
	}
	return BC_OK;
}

bc_status bc_write_file_atomic(const char *path, const void *data, size_t size, int mode,
			       bc_error *err)
{
	_cleanup_free_ char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	int fd = mkstemp(tmp);
	if (fd < 0)
		return bc_fail(err, BC_E_IO, "%s: %s", tmp, strerror(errno));
	bc_status s = write_all(fd, tmp, data, size, err);
	if (s == BC_OK && fchmod(fd, (mode_t)mode) < 0)
		s = bc_fail(err, BC_E_IO, "%s: %s", tmp, strerror(errno));
	if (s == BC_OK && fsync(fd) < 0)
		s = bc_fail(err, BC_E_IO, "%s: %s", tmp, strerror(errno));
	if (close(fd) < 0 && s == BC_OK)
		s = bc_fail(err, BC_E_IO, "%s: %s", tmp, strerror(errno));
	if (s == BC_OK && rename(tmp, path) < 0)
		s = bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	if (s != BC_OK)
		unlink(tmp); /* never a half-written file left behind */
	return s;
}
