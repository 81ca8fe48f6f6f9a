/* SPDX-License-Identifier: BSD-3-Clause */
/* sd_notify(3)'s datagram protocol, spoken directly (util/sd-notify.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/sd-notify.h"

/* The address of "/path" or "@abstract"; an abstract name starts with a NUL byte and
 * its length counts every byte of the name (no terminating NUL), as systemd binds it. */
static bc_status notify_address(const char *path, struct sockaddr_un *sa, socklen_t *len,
				bc_error *err)
{
	size_t n = strlen(path);
	if (path[0] != '/' && path[0] != '@')
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "NOTIFY_SOCKET %s: expected an absolute path or an @abstract name",
			       path);
	if (n >= sizeof(sa->sun_path) || (path[0] == '@' && n < 2))
		return bc_fail(err, BC_E_INVALID, "NOTIFY_SOCKET %s: not a valid socket name",
			       path);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n);
	if (path[0] == '@') {
		sa->sun_path[0] = 0;
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	return BC_OK;
}

bc_status bc_sd_notify(const char *path, const char *state, bc_error *err)
{
	struct sockaddr_un sa;
	socklen_t len = 0;
	if (!path || !*path)
		return BC_OK;
	bc_status s = notify_address(path, &sa, &len, err);
	if (s != BC_OK)
		return s;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return bc_fail(err, BC_E_IO, "NOTIFY_SOCKET %s: %s", path, strerror(errno));
	size_t n = strlen(state);
	ssize_t sent;
	do
		sent = sendto(fd, state, n, MSG_NOSIGNAL, (const struct sockaddr *)&sa, len);
	while (sent < 0 && errno == EINTR);
	int saved = errno;
	close(fd);
	if (sent < 0)
		return bc_fail(err, BC_E_IO, "NOTIFY_SOCKET %s: %s", path, strerror(saved));
	if ((size_t)sent != n)
		return bc_fail(err, BC_E_IO, "NOTIFY_SOCKET %s: %zd of %zu bytes sent", path, sent,
			       n);
	return BC_OK;
}

bool bc_sd_watchdog_usec(const char *usec, const char *pid, pid_t self, uint64_t *out)
{
	char *end;
	if (!usec || !*usec || *usec < '0' || *usec > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(usec, &end, 10);
	if (errno || *end || v == 0)
		return false;
	if (pid && *pid) {
		errno = 0;
		unsigned long long p = strtoull(pid, &end, 10);
		if (errno || *end || *pid < '0' || *pid > '9' || p != (unsigned long long)self)
			return false;
	}
	*out = v;
	return true;
}
