/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fleet-lease URL WORKERS MACHINES: the lease of the fleet store under contention, on
 * either backend (tests/integration/fleet/store.sh runs it on SQLite and PostgreSQL).
 * It makes the store at URL (which must hold no machines), adds MACHINES machines, then
 * WORKERS processes, each its own connection, lease three machines at a time until none
 * is left. Exit 0 when every machine was leased exactly once, 1 otherwise (said on
 * stderr).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bootchain/fleet.h>

#define MAX_MACHINES 10000
#define MAX_WORKERS  16

static int fail(const char *what, const bc_error *err)
{
	fprintf(stderr, "fleet-lease: %s: %s\n", what, bc_error_message(err));
	return 1;
}

static int fill(const char *url, int machines)
{
	bc_fleet_store *store = NULL;
	bc_error err = {0};
	if (bc_fleet_store_open(url, true, &store, &err) != BC_OK ||
	    bc_fleet_store_migrate(store, NULL, &err) != BC_OK)
		return fail(url, &err);
	for (int i = 0; i < machines; i++) {
		bc_enrolment rec = {.ak_name_size = 2, .ak_public_size = 2, .ek_public_size = 2};
		bc_fleet_add_result result;
		snprintf(rec.host, sizeof(rec.host), "lease-%05d", i);
		if (bc_fleet_store_add(store, &rec, 1, &result, &err) != BC_OK) {
			bc_fleet_store_close(store);
			return fail("add", &err);
		}
	}
	bc_fleet_store_close(store);
	return 0;
}

/* A worker: the ids it leased, written to fd. */
static void work(const char *url, int index, int fd, int most)
{
	bc_fleet_store *store = NULL;
	bc_error err = {0};
	char worker[16];
	snprintf(worker, sizeof(worker), "w%d", index);
	if (bc_fleet_store_open(url, false, &store, &err) != BC_OK)
		_exit(fail(worker, &err));
	for (int taken = 0;;) {
		bc_fleet_machine *m = NULL;
		size_t n = 0;
		if (bc_fleet_store_lease(store, worker, 10, 1000, 3, &m, &n, &err) != BC_OK)
			_exit(fail(worker, &err));
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++)
			if (write(fd, &m[i].id, sizeof(m[i].id)) != sizeof(m[i].id))
				_exit(1);
		free(m);
		if ((taken += (int)n) > most) /* taken again and again: fail, do not hang */
			_exit(1);
	}
	bc_fleet_store_close(store);
	_exit(0);
}

int main(int argc, char **argv)
{
	int workers = argc == 4 ? atoi(argv[2]) : 0, machines = argc == 4 ? atoi(argv[3]) : 0;
	int fds[2], status, failed = 0;
	if (workers < 1 || workers > MAX_WORKERS || machines < 1 || machines > MAX_MACHINES) {
		fprintf(stderr, "usage: fleet-lease URL WORKERS(1-16) MACHINES(1-10000)\n");
		return 2;
	}
	if (fill(argv[1], machines) != 0 || pipe(fds) != 0)
		return 1;
	for (int i = 0; i < workers; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			close(fds[0]);
			work(argv[1], i, fds[1], machines);
		}
	}
	close(fds[1]);
	int *seen = calloc((size_t)machines + 1, sizeof(*seen));
	int64_t id;
	if (!seen)
		return 1;
	while (read(fds[0], &id, sizeof(id)) == sizeof(id))
		if (id >= 1 && id <= machines)
			seen[id]++;
		else
			failed =
			    fprintf(stderr, "fleet-lease: an id out of range: %" PRId64 "\n", id);
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = fprintf(stderr, "fleet-lease: a worker failed\n");
	for (int i = 1; i <= machines; i++)
		if (seen[i] != 1)
			failed = fprintf(stderr, "fleet-lease: machine %d leased %d times\n", i,
					 seen[i]);
	free(seen);
	return failed ? 1 : 0;
}
