/* SPDX-License-Identifier: BSD-3-Clause */
/* The configfs-tsm side of a simulated TEE provider: see tsm-sim.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "attest/keep.h"
#include "tests/tools/tsm-sim.h"

typedef struct tsm_sim_entry {
	int wd;
	char *path;
	uint64_t generation;
} entry;

bool tsm_sim_option(tsm_sim *s, int c, const char *arg)
{
	switch (c) {
	case 'r': s->root_arg = arg; return true;
	case 'o': s->once = true; return true;
	case 'd': s->daemon = true; return true;
	case 'P': s->pid_arg = arg; return true;
	default: return false;
	}
}

/* s->pid_file: pid in an absolute folder. */
static bool absolute_pid_path(tsm_sim *s, const char *pid)
{
	char dir[PATH_MAX], abs[PATH_MAX];
	const char *slash = strrchr(pid, '/');
	const char *base = slash ? slash + 1 : pid;
	int n = slash ? snprintf(dir, sizeof(dir), "%.*s", (int)(slash - pid), pid)
		      : snprintf(dir, sizeof(dir), ".");
	if (n < 0 || (size_t)n >= sizeof(dir) || !realpath(dir[0] ? dir : "/", abs) ||
	    (size_t)snprintf(s->pid_file, sizeof(s->pid_file), "%s/%s", abs, base) >=
		sizeof(s->pid_file)) {
		fprintf(stderr, "%s: --pid %s: bad path\n", s->prog, pid);
		return false;
	}
	return true;
}

bool tsm_sim_options_done(tsm_sim *s, bool *usage_error)
{
	*usage_error = !s->root_arg || (s->once && s->daemon);
	if (*usage_error)
		return false;
	if (!realpath(s->root_arg, s->root)) {
		fprintf(stderr, "%s: %s: %s\n", s->prog, s->root_arg, strerror(errno));
		return false;
	}
	s->pid_file[0] = 0;
	return !s->pid_arg || absolute_pid_path(s, s->pid_arg);
}

bool tsm_sim_write_file(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	const uint8_t *p = data;
	while (size) {
		ssize_t n = write(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return false;
		}
		p += n;
		size -= (size_t)n;
	}
	return close(fd) == 0;
}

/* Replace dir/name at once (the client polls it): a temporary file, renamed. */
static bool write_file_atomic(const char *dir, const char *name, const char *text)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= sizeof(tmp) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return false;
	if (!tsm_sim_write_file(tmp, text, strlen(text)))
		return false;
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return false;
	}
	return true;
}

static bool write_generation(entry *e)
{
	char text[32];
	snprintf(text, sizeof(text), "%" PRIu64 "\n", e->generation);
	return write_file_atomic(e->path, "generation", text);
}

static entry *find_entry(tsm_sim *s, int wd)
{
	for (size_t i = 0; i < s->n_entries; i++)
		if (s->entries[i].wd == wd)
			return &s->entries[i];
	return NULL;
}

static void drop_entry(tsm_sim *s, int wd)
{
	for (size_t i = 0; i < s->n_entries; i++) {
		if (s->entries[i].wd != wd)
			continue;
		free(s->entries[i].path);
		s->entries[i] = s->entries[--s->n_entries];
		return;
	}
}

static entry *new_entry(tsm_sim *s, int wd, const char *path)
{
	if (s->n_entries == s->cap_entries) {
		size_t cap = s->cap_entries ? 2 * s->cap_entries : 8;
		entry *grown = realloc(s->entries, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		s->entries = grown;
		s->cap_entries = cap;
	}
	entry *e = &s->entries[s->n_entries];
	*e = (entry){.wd = wd, .path = strdup(path)};
	if (!e->path)
		return NULL;
	s->n_entries++;
	return e;
}

static void add_entry(tsm_sim *s, const char *name)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", s->root, name) >= sizeof(path))
		return;
	/* watch before generation exists: the client writes inblob only after it */
	int wd = inotify_add_watch(s->inotify_fd, path, IN_CLOSE_WRITE | IN_ONLYDIR);
	if (wd < 0) {
		fprintf(stderr, "%s: %s: %s\n", s->prog, path, strerror(errno));
		return;
	}
	entry *e = find_entry(s, wd);
	if (!e && !(e = new_entry(s, wd, path)))
		return;
	e->generation = 0;
	if (!write_generation(e))
		fprintf(stderr, "%s: %s/generation: %s\n", s->prog, path, strerror(errno));
}

/* The entry's inblob, 1 to 64 bytes: its size, or 0. */
static size_t read_inblob(tsm_sim *s, const entry *e, uint8_t inblob[BC_TSM_INBLOB_SIZE + 1])
{
	char path[PATH_MAX];
	ssize_t n;
	if ((size_t)snprintf(path, sizeof(path), "%s/inblob", e->path) >= sizeof(path))
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* the client removed the entry already */
	do
		n = read(fd, inblob, BC_TSM_INBLOB_SIZE + 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	/* as configfs refuses more than 64 bytes; an empty close is nobody's write */
	if (n > BC_TSM_INBLOB_SIZE)
		fprintf(stderr, "%s: %s: more than %d bytes, ignored\n", s->prog, path,
			BC_TSM_INBLOB_SIZE);
	return n > 0 && n <= BC_TSM_INBLOB_SIZE ? (size_t)n : 0;
}

/* Returns true when a report was served. */
static bool serve(tsm_sim *s, entry *e)
{
	char path[PATH_MAX], provider[64];
	uint8_t inblob[BC_TSM_INBLOB_SIZE + 1] = {0};
	uint8_t *report = NULL;
	size_t report_size = 0, n = read_inblob(s, e, inblob);
	if (!n || !s->make_report(inblob, n, &report, &report_size))
		return false;
	snprintf(path, sizeof(path), "%s/outblob", e->path);
	bool ok = tsm_sim_write_file(path, report, report_size);
	free(report);
	if (ok) {
		snprintf(path, sizeof(path), "%s/provider", e->path);
		snprintf(provider, sizeof(provider), "%s\n", s->provider);
		ok = tsm_sim_write_file(path, provider, strlen(provider));
	}
	if (ok) {
		e->generation += s->step ? s->step : 1;
		ok = write_generation(e);
	}
	if (!ok)
		fprintf(stderr, "%s: %s: %s\n", s->prog, path, strerror(errno));
	return ok;
}

/* Handle the events in buf; returns true when --once is satisfied. */
static bool handle_events(tsm_sim *s, const char *buf, ssize_t len)
{
	bool served = false;
	for (const char *p = buf; p < buf + len;) {
		struct inotify_event ev;
		memcpy(&ev, p, sizeof(ev));
		const char *name = ev.len ? p + sizeof(ev) : "";
		p += sizeof(ev) + ev.len;
		if (ev.mask & IN_Q_OVERFLOW) {
			fprintf(stderr, "%s: inotify queue overflow: events lost\n", s->prog);
			continue;
		}
		if (ev.wd == s->root_wd) {
			if ((ev.mask & IN_ISDIR) && (ev.mask & (IN_CREATE | IN_MOVED_TO)))
				add_entry(s, name);
			continue;
		}
		if (ev.mask & IN_IGNORED) {
			drop_entry(s, ev.wd);
			continue;
		}
		entry *e = find_entry(s, ev.wd);
		if (e && (ev.mask & IN_CLOSE_WRITE) && strcmp(name, "inblob") == 0 && serve(s, e))
			served = true;
	}
	return served && s->once;
}

static bool write_pid_file(const tsm_sim *s, pid_t pid)
{
	char tmp[PATH_MAX + 8], text[32];
	snprintf(text, sizeof(text), "%ld\n", (long)pid);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", s->pid_file) >= sizeof(tmp) ||
	    !tsm_sim_write_file(tmp, text, strlen(text)) || rename(tmp, s->pid_file) < 0) {
		fprintf(stderr, "%s: %s: %s\n", s->prog, s->pid_file, strerror(errno));
		unlink(tmp);
		return false;
	}
	return true;
}

/* Detach (daemon): the parent exits once the child's PID is on record. */
static int daemonize(const tsm_sim *s)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", s->prog, strerror(errno));
		return 1;
	}
	if (pid > 0)
		_exit(s->pid_file[0] && !write_pid_file(s, pid) ? 1 : 0);
	setsid();
	if (chdir("/") < 0)
		return 1;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	return 0;
}

static int loop(tsm_sim *s, int sig_fd)
{
	for (;;) {
		struct pollfd fds[2] = {{.fd = s->inotify_fd, .events = POLLIN},
					{.fd = sig_fd, .events = POLLIN}};
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", s->prog, strerror(errno));
			return 1;
		}
		if (fds[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				return 0; /* SIGTERM or SIGINT: a clean stop */
		}
		if (fds[0].revents & POLLIN) {
			_Alignas(struct inotify_event) char buf[16384];
			ssize_t n = read(s->inotify_fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				fprintf(stderr, "%s: inotify: %s\n", s->prog, strerror(errno));
				return 1;
			}
			if (handle_events(s, buf, n))
				return 0;
		}
	}
}

/* Signals through a descriptor, blocked before anything can send them; the watch on
 * the root; detached or with the PID on record. The signal descriptor, or -1. */
static int start(tsm_sim *s)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -1;
	int sig_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	s->inotify_fd = inotify_init1(IN_CLOEXEC);
	if (sig_fd < 0 || s->inotify_fd < 0) {
		fprintf(stderr, "%s: %s\n", s->prog, strerror(errno));
		return -1;
	}
	s->root_wd =
	    inotify_add_watch(s->inotify_fd, s->root, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
	if (s->root_wd < 0) {
		fprintf(stderr, "%s: %s: %s\n", s->prog, s->root, strerror(errno));
		return -1;
	}
	if (s->daemon && daemonize(s) != 0)
		return -1;
	if (!s->daemon && s->pid_file[0] && !write_pid_file(s, getpid()))
		return -1;
	return sig_fd;
}

int tsm_sim_run(tsm_sim *s)
{
	s->inotify_fd = -1;
	int sig_fd = start(s), status = 1;
	if (sig_fd >= 0)
		status = loop(s, sig_fd);
	if (s->pid_file[0])
		unlink(s->pid_file);
	for (size_t i = 0; i < s->n_entries; i++)
		free(s->entries[i].path);
	free(s->entries);
	if (s->inotify_fd >= 0)
		close(s->inotify_fd);
	if (sig_fd >= 0)
		close(sig_fd);
	return status;
}
