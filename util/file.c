/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
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

/* The file a write of path replaces: path itself, or the target of the symlink path is
 * (so that the link stays a link). *exists says whether it exists; *st is its status. */
static bc_status write_target(const char *path, char **target, bool *exists, struct stat *st,
			      bc_error *err)
{
	struct stat lst;
	*exists = false;
	if (lstat(path, &lst) < 0) {
		if (errno != ENOENT)
			return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
		*target = strdup(path); /* a new file */
		return *target ? BC_OK : bc_fail(err, BC_E_NOMEM, "out of memory");
	}
	if (!S_ISLNK(lst.st_mode)) {
		*st = lst;
	} else if (stat(path, st) < 0) {
		return bc_fail(err, BC_E_IO,
			       "%s: a symbolic link to a file that cannot be read: %s", path,
			       strerror(errno));
	}
	if (!S_ISREG(st->st_mode))
		return bc_fail(err, BC_E_IO, "%s: not a regular file", path);
	*exists = true;
	*target = S_ISLNK(lst.st_mode) ? realpath(path, NULL) : strdup(path);
	if (!*target)
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	return BC_OK;
}

/* The replacement gets the mode and owner of the file it replaces, except a private
 * file (mode gives nothing to group and others: a secret): it keeps only the owner's
 * bits and stays the writer's, so that a file someone else made or opened up beforehand
 * does not hand the secret to them. */
static bc_status keep_attributes(int fd, const char *target, const struct stat *st, int mode,
				 bc_error *err)
{
	bool private = (mode & 077) == 0;
	struct stat now;
	if (fchmod(fd, st->st_mode & (private ? 0700 : 07777)) < 0 || fstat(fd, &now) < 0)
		return bc_fail(err, BC_E_IO, "%s: cannot keep its mode in the replacement: %s",
			       target, strerror(errno));
	if (!private && (now.st_uid != st->st_uid || now.st_gid != st->st_gid) &&
	    fchown(fd, st->st_uid, st->st_gid) < 0)
		return bc_fail(err, BC_E_IO,
			       "%s: cannot keep its owner (%u:%u) in the replacement: %s", target,
			       (unsigned)st->st_uid, (unsigned)st->st_gid, strerror(errno));
	return BC_OK;
}

/* After a rename the directory entry must reach the disk too. Best effort: the file is
 * already replaced, and some file systems cannot fsync a directory. */
static void sync_directory(const char *target)
{
	_cleanup_free_ char *dir = strdup(target);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash)
		slash[slash == dir ? 1 : 0] = 0;
	_cleanup_close_ int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		(void)fsync(fd);
}

bc_status bc_write_file_atomic(const char *path, const void *data, size_t size, int mode,
			       bc_error *err)
{
	_cleanup_free_ char *target = NULL, *tmp = NULL;
	struct stat st;
	bool exists;
	bc_status s = write_target(path, &target, &exists, &st, err);
	if (s != BC_OK)
		return s;
	if (asprintf(&tmp, "%s.tmp.XXXXXX", target) < 0)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	/* messages name the file asked for, not the temporary file beside it, which is gone
	 * by the time the message is read */
	int fd = mkstemp(tmp);
	if (fd < 0)
		return bc_fail(err, BC_E_IO, "%s: cannot create a file in its folder: %s", path,
			       strerror(errno));
	s = write_all(fd, path, data, size, err);
	if (s == BC_OK && exists)
		s = keep_attributes(fd, target, &st, mode, err);
	else if (s == BC_OK && fchmod(fd, (mode_t)mode) < 0)
		s = bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	if (s == BC_OK && fsync(fd) < 0)
		s = bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	if (close(fd) < 0 && s == BC_OK)
		s = bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	if (s == BC_OK && rename(tmp, target) < 0)
		s = bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	if (s != BC_OK) {
		unlink(tmp); /* never a half-written file left behind */
		return s;
	}
	sync_directory(target);
	return BC_OK;
}
