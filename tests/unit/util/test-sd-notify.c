/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * util/sd-notify.c against a real AF_UNIX datagram socket, bound here as systemd binds
 * its notification socket: a path name and an abstract name each receive the datagram
 * as sent; no socket is a quiet no-op; a relative name, a name too long and a socket
 * nobody listens on are errors naming NOTIFY_SOCKET; WATCHDOG_USEC and WATCHDOG_PID
 * are read as sd_watchdog_enabled(3) reads them.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/sd-notify.h"

typedef struct listener {
	int fd;
	char dir[256];
	char name[300]; /* what NOTIFY_SOCKET would say */
} listener;

/* A datagram socket bound at a path name in a new temporary folder. */
static void listen_path(listener *l)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(l->dir, sizeof(l->dir), "%s/bc-test-notify.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(l->dir));
	snprintf(l->name, sizeof(l->name), "%s/notify", l->dir);
	assert_true(strlen(l->name) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, l->name, strlen(l->name) + 1);
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
}

/* A datagram socket bound at an abstract name (a leading NUL byte, counted length). */
static void listen_abstract(listener *l)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	l->dir[0] = 0;
	snprintf(l->name, sizeof(l->name), "@bc-test-notify/%ld/%d", (long)getpid(), rand());
	size_t n = strlen(l->name);
	memcpy(sa.sun_path + 1, l->name + 1, n - 1);
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)),
			 0);
}

static void close_listener(listener *l)
{
	close(l->fd);
	if (l->dir[0]) {
		unlink(l->name);
		rmdir(l->dir);
	}
}

/* The next datagram, as a string; fails the test when none is waiting. */
static void receive(const listener *l, char *out, size_t size)
{
	ssize_t n = recv(l->fd, out, size - 1, MSG_DONTWAIT);
	assert_true(n >= 0);
	out[n] = 0;
}

static void test_path_socket_receives_the_state(void **state)
{
	(void)state;
	listener l;
	char got[128];
	bc_error err = {0};
	listen_path(&l);
	assert_int_equal(bc_sd_notify(l.name, "READY=1\nSTATUS=serving", &err), BC_OK);
	receive(&l, got, sizeof(got));
	assert_string_equal(got, "READY=1\nSTATUS=serving");
	assert_int_equal(bc_sd_notify(l.name, "WATCHDOG=1", &err), BC_OK);
	receive(&l, got, sizeof(got));
	assert_string_equal(got, "WATCHDOG=1");
	close_listener(&l);
}

static void test_abstract_socket_receives_the_state(void **state)
{
	(void)state;
	listener l;
	char got[128];
	bc_error err = {0};
	listen_abstract(&l);
	assert_int_equal(bc_sd_notify(l.name, "STOPPING=1", &err), BC_OK);
	receive(&l, got, sizeof(got));
	assert_string_equal(got, "STOPPING=1");
	close_listener(&l);
}

static void test_no_socket_sends_nothing(void **state)
{
	(void)state;
	bc_error err = {0};
	assert_int_equal(bc_sd_notify(NULL, "READY=1", &err), BC_OK);
	assert_int_equal(bc_sd_notify("", "READY=1", &err), BC_OK);
}

static void test_relative_name_is_refused(void **state)
{
	(void)state;
	bc_error err = {0};
	assert_int_equal(bc_sd_notify("run/notify", "READY=1", &err), BC_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "NOTIFY_SOCKET run/notify"));
}

static void test_name_too_long_is_refused(void **state)
{
	(void)state;
	bc_error err = {0};
	char name[200];
	memset(name, 'a', sizeof(name) - 1);
	name[0] = '/';
	name[sizeof(name) - 1] = 0;
	assert_int_equal(bc_sd_notify(name, "READY=1", &err), BC_E_INVALID);
	assert_non_null(strstr(err.msg, "not a valid socket name"));
	assert_int_equal(bc_sd_notify("@", "READY=1", &err), BC_E_INVALID);
}

static void test_socket_nobody_listens_on_is_an_error(void **state)
{
	(void)state;
	listener l;
	bc_error err = {0};
	listen_path(&l);
	close_listener(&l); /* the name is gone */
	assert_int_equal(bc_sd_notify(l.name, "READY=1", &err), BC_E_IO);
	assert_non_null(strstr(err.msg, l.name));
}

static void test_watchdog_interval_is_read(void **state)
{
	(void)state;
	uint64_t usec = 0;
	assert_true(bc_sd_watchdog_usec("30000000", NULL, 42, &usec));
	assert_int_equal(usec, 30000000);
	assert_true(bc_sd_watchdog_usec("500", "42", 42, &usec));
	assert_int_equal(usec, 500);
}

static void test_watchdog_off_when_not_asked_of_us(void **state)
{
	(void)state;
	uint64_t usec = 7;
	assert_false(bc_sd_watchdog_usec(NULL, NULL, 42, &usec));
	assert_false(bc_sd_watchdog_usec("", NULL, 42, &usec));
	assert_false(bc_sd_watchdog_usec("0", NULL, 42, &usec));
	assert_false(bc_sd_watchdog_usec("-5", NULL, 42, &usec));
	assert_false(bc_sd_watchdog_usec("12s", NULL, 42, &usec));
	assert_false(bc_sd_watchdog_usec("1000", "43", 42, &usec)); /* another process's */
	assert_false(bc_sd_watchdog_usec("1000", "x", 42, &usec));
	assert_int_equal(usec, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path_socket_receives_the_state),
	    cmocka_unit_test(test_abstract_socket_receives_the_state),
	    cmocka_unit_test(test_no_socket_sends_nothing),
	    cmocka_unit_test(test_relative_name_is_refused),
	    cmocka_unit_test(test_name_too_long_is_refused),
	    cmocka_unit_test(test_socket_nobody_listens_on_is_an_error),
	    cmocka_unit_test(test_watchdog_interval_is_read),
	    cmocka_unit_test(test_watchdog_off_when_not_asked_of_us),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
