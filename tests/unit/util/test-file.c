/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * util/file.c, bc_write_file_atomic(): a new file gets the mode asked for; an existing
 * file keeps its mode, but a private write (0600) never stays readable by others; a
 * symbolic link stays a link and its target is replaced; a write
 * that cannot be made leaves the file as it was and no temporary file.
 */
#include "config.h"

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/file.h"

typedef struct tmp {
	char dir[256];
} tmp;

static void make_tmp(tmp *t)
{
	snprintf(t->dir, sizeof(t->dir), "%s/bc-test-file.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(t->dir));
}

static void remove_tmp(tmp *t)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	assert_int_equal(system(cmd), 0);
}

static const char *in(const tmp *t, const char *name)
{
	static char paths[4][512];
	static unsigned which;
	char *p = paths[which++ % 4];
	snprintf(p, 512, "%s/%s", t->dir, name);
	return p;
}

static void expect_content(const char *path, const char *want)
{
	uint8_t *data = NULL;
	size_t size = 0;
	bc_error err = {0};
	assert_int_equal(bc_read_file(path, 1024, &data, &size, &err), BC_OK);
	assert_int_equal(size, strlen(want));
	assert_memory_equal(data, want, size);
	free(data);
}

static size_t entries(const tmp *t)
{
	size_t n = 0;
	DIR *d = opendir(t->dir);
	struct dirent *e;
	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void test_new_file_gets_the_mode_asked_for(void **state)
{
	(void)state;
	tmp t;
	struct stat st;
	bc_error err = {0};
	make_tmp(&t);
	assert_int_equal(bc_write_file_atomic(in(&t, "f"), "new", 3, 0640, &err), BC_OK);
	assert_int_equal(stat(in(&t, "f"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	expect_content(in(&t, "f"), "new");
	assert_int_equal(entries(&t), 1);
	remove_tmp(&t);
}

/* Write "old", chmod it to before, write "newer" asking for mode; expect mode after. */
static void write_over(mode_t before, int mode, mode_t after)
{
	tmp t;
	struct stat st;
	bc_error err = {0};
	make_tmp(&t);
	assert_int_equal(bc_write_file_atomic(in(&t, "f"), "old", 3, 0644, &err), BC_OK);
	assert_int_equal(chmod(in(&t, "f"), before), 0);
	assert_int_equal(bc_write_file_atomic(in(&t, "f"), "newer", 5, mode, &err), BC_OK);
	assert_int_equal(stat(in(&t, "f"), &st), 0);
	assert_int_equal(st.st_mode & 07777, after);
	expect_content(in(&t, "f"), "newer");
	remove_tmp(&t);
}

static void test_existing_file_keeps_its_mode(void **state)
{
	(void)state;
	write_over(0600, 0644, 0600);
}

/* A secret (mode 0600) written over a file others can read does not stay readable. */
static void test_private_write_over_a_readable_file_is_private(void **state)
{
	(void)state;
	write_over(0644, 0600, 0600);
}

static void test_symlink_stays_and_its_target_is_replaced(void **state)
{
	(void)state;
	tmp t;
	struct stat st;
	char target[64] = {0};
	bc_error err = {0};
	make_tmp(&t);
	assert_int_equal(mkdir(in(&t, "real"), 0755), 0);
	assert_int_equal(bc_write_file_atomic(in(&t, "real/f"), "old", 3, 0604, &err), BC_OK);
	assert_int_equal(symlink("real/f", in(&t, "link")), 0);
	assert_int_equal(bc_write_file_atomic(in(&t, "link"), "via link", 8, 0644, &err), BC_OK);
	assert_int_equal(lstat(in(&t, "link"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_true(readlink(in(&t, "link"), target, sizeof(target) - 1) > 0);
	assert_string_equal(target, "real/f");
	expect_content(in(&t, "real/f"), "via link");
	assert_int_equal(stat(in(&t, "real/f"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0604);
	assert_int_equal(entries(&t), 2); /* real/ and link: no temporary file */
	remove_tmp(&t);
}

static void test_not_a_regular_file_is_refused_untouched(void **state)
{
	(void)state;
	tmp t;
	struct stat st;
	bc_error err = {0};
	make_tmp(&t);
	assert_int_equal(mkdir(in(&t, "d"), 0755), 0);
	assert_int_not_equal(bc_write_file_atomic(in(&t, "d"), "x", 1, 0644, &err), BC_OK);
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_int_equal(stat(in(&t, "d"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(entries(&t), 1);
	remove_tmp(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_new_file_gets_the_mode_asked_for),
	    cmocka_unit_test(test_existing_file_keeps_its_mode),
	    cmocka_unit_test(test_private_write_over_a_readable_file_is_private),
	    cmocka_unit_test(test_symlink_stays_and_its_target_is_replaced),
	    cmocka_unit_test(test_not_a_regular_file_is_refused_untouched),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
