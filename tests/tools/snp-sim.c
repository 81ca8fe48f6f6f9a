/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * snp-sim: a simulated AMD SEV-SNP provider behind a configfs-tsm-like folder, for the
 * tests and the demo on machines without SEV-SNP.
 *
 *   snp-sim --root DIR --vcek-key KEY.pem [--measurement HEX48] [--policy HEX]
 *           [--chip-id HEX64] [--generation-step N] [--once | --daemon] [--pid FILE]
 *
 * It watches DIR with inotify. When an entry folder appears it creates its
 * `generation` (0); when the entry's `inblob` is written and closed, it writes
 * `outblob` (an SEV-SNP ATTESTATION_REPORT, version 2, REPORT_DATA = inblob, signed
 * with KEY: ECDSA P-384, SHA-384), `provider` ("sev_guest") and then bumps
 * `generation` (by N, default 1: 2 emulates another writer racing the client). Its
 * CHIP_ID is --chip-id, default the test chip (bytes 0xc0 to 0xff), and its TCB is
 * SIM_TCB: what tests/tools/make-snp-certs.sh puts in a VCEK by default. The
 * client removes the entry. SIGTERM or SIGINT stops it cleanly; --once stops it after
 * one report; --daemon detaches once it watches DIR, and --pid names a file that gets
 * its PID then (removed at exit).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "attest/keep.h"
#include "tests/tools/snp-sign.h"
#include "util/cleanup.h"
#include "util/hex.h"

#define PROG "snp-sim"

/* A TCB_VERSION in the Milan/Genoa layout: bootloader 3, tee 0, snp 8, microcode 115. */
#define SIM_TCB UINT64_C(0x7308000000000003)

typedef struct entry {
	int wd;
	char *path;
	uint64_t generation;
} entry;

static struct ctx {
	char root[PATH_MAX];
	const char *key_path;
	EVP_PKEY *key;
	uint8_t measurement[48];
	uint64_t policy;
	uint8_t chip_id[64];
	unsigned step;
	bool once, daemon;
	char pid_file[PATH_MAX];
	int inotify_fd, root_wd;
	entry *entries;
	size_t n_entries, cap_entries;
} ctx = {.policy = 0x30000, .step = 1, .inotify_fd = -1, .root_wd = -1};

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " --root DIR --vcek-key KEY.pem [--measurement HEX48] "
		   "[--policy HEX]\n"
		   "       [--chip-id HEX64] [--generation-step N] [--once | --daemon] "
		   "[--pid FILE]\n");
}

static bool parse_hex_exact(const char *hex, uint8_t *out, size_t size, const char *what)
{
	size_t len = 0;
	if (strlen(hex) != 2 * size || !bc_hex_decode(hex, 2 * size, out, size, &len)) {
		fprintf(stderr, PROG ": %s: expected %zu hex digits\n", what, 2 * size);
		return false;
	}
	return true;
}

/* The test chip: CHIP_ID bytes 0xc0 to 0xff, the default hwID of make-snp-certs.sh. */
static void default_chip_id(uint8_t chip_id[64])
{
	for (unsigned i = 0; i < 64; i++)
		chip_id[i] = (uint8_t)(0xc0 + i);
}

static bool parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"vcek-key", required_argument, NULL, 'k'},
	    {"measurement", required_argument, NULL, 'm'},
	    {"policy", required_argument, NULL, 'p'},
	    {"chip-id", required_argument, NULL, 'c'},
	    {"generation-step", required_argument, NULL, 'g'},
	    {"once", no_argument, NULL, 'o'},
	    {"daemon", no_argument, NULL, 'd'},
	    {"pid", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *root = NULL, *pid = NULL;
	char *end;
	int c;
	default_chip_id(ctx.chip_id);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': root = optarg; break;
		case 'k': ctx.key_path = optarg; break;
		case 'm':
			if (!parse_hex_exact(optarg, ctx.measurement, sizeof(ctx.measurement),
					     "--measurement"))
				return false;
			break;
		case 'p':
			errno = 0;
			ctx.policy = strtoull(optarg, &end, 16);
			if (errno || !*optarg || *end) {
				fprintf(stderr, PROG ": --policy: not a hex number: %s\n", optarg);
				return false;
			}
			break;
		case 'c':
			if (!parse_hex_exact(optarg, ctx.chip_id, sizeof(ctx.chip_id), "--chip-id"))
				return false;
			break;
		case 'g': {
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || !*optarg || *end || v == 0 || v > 1000) {
				fprintf(stderr, PROG ": --generation-step: 1 to 1000\n");
				return false;
			}
			ctx.step = (unsigned)v;
			break;
		}
		case 'o': ctx.once = true; break;
		case 'd': ctx.daemon = true; break;
		case 'P': pid = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return false;
		}
	}
	if (optind < argc || !root || !ctx.key_path || (ctx.once && ctx.daemon)) {
		usage(stderr);
		return false;
	}
	/* absolute paths: a daemon leaves the working folder */
	if (!realpath(root, ctx.root)) {
		fprintf(stderr, PROG ": %s: %s\n", root, strerror(errno));
		return false;
	}
	if (pid) {
		char dir[PATH_MAX];
		const char *slash = strrchr(pid, '/');
		const char *base = slash ? slash + 1 : pid;
		int n = slash ? snprintf(dir, sizeof(dir), "%.*s", (int)(slash - pid), pid)
			      : snprintf(dir, sizeof(dir), ".");
		char abs[PATH_MAX];
		if (n < 0 || (size_t)n >= sizeof(dir) || !realpath(dir[0] ? dir : "/", abs) ||
		    (size_t)snprintf(ctx.pid_file, sizeof(ctx.pid_file), "%s/%s", abs, base) >=
			sizeof(ctx.pid_file)) {
			fprintf(stderr, PROG ": --pid %s: bad path\n", pid);
			return false;
		}
	}
	return true;
}

static bool load_key(void)
{
	FILE *f = fopen(ctx.key_path, "r");
	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", ctx.key_path, strerror(errno));
		return false;
	}
	ctx.key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!ctx.key || !EVP_PKEY_is_a(ctx.key, "EC")) {
		fprintf(stderr, PROG ": %s: not an EC private key in PEM\n", ctx.key_path);
		return false;
	}
	return true;
}

static bool write_file(const char *path, const void *data, size_t size)
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
	if (!write_file(tmp, text, strlen(text)))
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

static entry *find_entry(int wd)
{
	for (size_t i = 0; i < ctx.n_entries; i++)
		if (ctx.entries[i].wd == wd)
			return &ctx.entries[i];
	return NULL;
}

static void drop_entry(int wd)
{
	for (size_t i = 0; i < ctx.n_entries; i++) {
		if (ctx.entries[i].wd != wd)
			continue;
		free(ctx.entries[i].path);
		ctx.entries[i] = ctx.entries[--ctx.n_entries];
		return;
	}
}

static void add_entry(const char *name)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", ctx.root, name) >= sizeof(path))
		return;
	/* watch before generation exists: the client writes inblob only after it */
	int wd = inotify_add_watch(ctx.inotify_fd, path, IN_CLOSE_WRITE | IN_ONLYDIR);
	if (wd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return;
	}
	entry *e = find_entry(wd);
	if (!e) {
		if (ctx.n_entries == ctx.cap_entries) {
			size_t cap = ctx.cap_entries ? 2 * ctx.cap_entries : 8;
			entry *grown = realloc(ctx.entries, cap * sizeof(*grown));
			if (!grown)
				return;
			ctx.entries = grown;
			ctx.cap_entries = cap;
		}
		e = &ctx.entries[ctx.n_entries];
		*e = (entry){.wd = wd, .path = strdup(path)};
		if (!e->path)
			return;
		ctx.n_entries++;
	}
	e->generation = 0;
	if (!write_generation(e))
		fprintf(stderr, PROG ": %s/generation: %s\n", path, strerror(errno));
}

static void build_report(uint8_t *report, const uint8_t *inblob, size_t inblob_size)
{
	memset(report, 0, BC_SNP_REPORT_SIZE);
	snp_put_u32le(report + 0x000, 2); /* version */
	snp_put_u32le(report + 0x004, 0); /* guest_svn */
	snp_put_u64le(report + 0x008, ctx.policy);
	snp_put_u32le(report + 0x030, 0); /* vmpl */
	snp_put_u32le(report + 0x034, BC_SNP_SIG_ALGO_ECDSA_P384_SHA384);
	snp_put_u64le(report + 0x038, SIM_TCB); /* current_tcb */
	snp_put_u64le(report + 0x040, BC_SNP_PLATFORM_SMT_EN | BC_SNP_PLATFORM_TSME_EN);
	snp_put_u32le(report + 0x048, 0); /* key_info: signed by the VCEK */
	memcpy(report + 0x050, inblob, inblob_size);
	memcpy(report + 0x090, ctx.measurement, sizeof(ctx.measurement));
	RAND_bytes(report + 0x140, 32);		/* report_id */
	memset(report + 0x160, 0xff, 32);	/* report_id_ma: no migration agent */
	snp_put_u64le(report + 0x180, SIM_TCB); /* reported_tcb */
	memcpy(report + 0x1A0, ctx.chip_id, sizeof(ctx.chip_id));
	snp_put_u64le(report + 0x1E0, SIM_TCB); /* committed_tcb */
	report[0x1E8] = 21;			/* current build, minor, major: 1.55.21 */
	report[0x1E9] = 55;
	report[0x1EA] = 1;
	report[0x1EC] = 21;
	report[0x1ED] = 55;
	report[0x1EE] = 1;
	snp_put_u64le(report + 0x1F0, SIM_TCB); /* launch_tcb */
}

/* Returns true when a report was served. */
static bool serve(entry *e)
{
	char path[PATH_MAX];
	uint8_t inblob[BC_TSM_INBLOB_SIZE + 1], report[BC_SNP_REPORT_SIZE];
	ssize_t n;
	if ((size_t)snprintf(path, sizeof(path), "%s/inblob", e->path) >= sizeof(path))
		return false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false; /* the client removed the entry already */
	do
		n = read(fd, inblob, sizeof(inblob));
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0 || n > BC_TSM_INBLOB_SIZE) {
		/* as configfs refuses more than 64 bytes; an empty close is nobody's write */
		if (n > BC_TSM_INBLOB_SIZE)
			fprintf(stderr, PROG ": %s: more than %d bytes, ignored\n", path,
				BC_TSM_INBLOB_SIZE);
		return false;
	}
	build_report(report, inblob, (size_t)n);
	if (snp_sign_report(report, ctx.key) < 0) {
		fprintf(stderr, PROG ": cannot sign the report with %s\n", ctx.key_path);
		return false;
	}
	snprintf(path, sizeof(path), "%s/outblob", e->path);
	bool ok = write_file(path, report, sizeof(report));
	if (ok) {
		snprintf(path, sizeof(path), "%s/provider", e->path);
		ok = write_file(path, "sev_guest\n", 10);
	}
	if (ok) {
		e->generation += ctx.step;
		ok = write_generation(e);
	}
	if (!ok)
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
	return ok;
}

/* Handle the events in buf; returns true when --once is satisfied. */
static bool handle_events(const char *buf, ssize_t len)
{
	bool served = false;
	for (const char *p = buf; p < buf + len;) {
		struct inotify_event ev;
		memcpy(&ev, p, sizeof(ev));
		const char *name = ev.len ? p + sizeof(ev) : "";
		p += sizeof(ev) + ev.len;
		if (ev.mask & IN_Q_OVERFLOW) {
			fprintf(stderr, PROG ": inotify queue overflow: events lost\n");
			continue;
		}
		if (ev.wd == ctx.root_wd) {
			if ((ev.mask & IN_ISDIR) && (ev.mask & (IN_CREATE | IN_MOVED_TO)))
				add_entry(name);
			continue;
		}
		if (ev.mask & IN_IGNORED) {
			drop_entry(ev.wd);
			continue;
		}
		entry *e = find_entry(ev.wd);
		if (e && (ev.mask & IN_CLOSE_WRITE) && strcmp(name, "inblob") == 0 && serve(e))
			served = true;
	}
	return served && ctx.once;
}

static bool write_pid_file(pid_t pid)
{
	char tmp[PATH_MAX + 8], text[32];
	snprintf(text, sizeof(text), "%ld\n", (long)pid);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", ctx.pid_file) >= sizeof(tmp) ||
	    !write_file(tmp, text, strlen(text)) || rename(tmp, ctx.pid_file) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", ctx.pid_file, strerror(errno));
		unlink(tmp);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	if (!parse_options(argc, argv))
		return 2;
	if (!load_key())
		return 1;

	/* signals through a descriptor, blocked before anything can send them */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return 1;
	int sig_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	ctx.inotify_fd = inotify_init1(IN_CLOEXEC);
	if (sig_fd < 0 || ctx.inotify_fd < 0) {
		fprintf(stderr, PROG ": %s\n", strerror(errno));
		return 1;
	}
	ctx.root_wd =
	    inotify_add_watch(ctx.inotify_fd, ctx.root, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
	if (ctx.root_wd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", ctx.root, strerror(errno));
		return 1;
	}

	if (ctx.daemon) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
			return 1;
		}
		if (pid > 0) /* the parent returns once the child's PID is on record */
			return ctx.pid_file[0] && !write_pid_file(pid) ? 1 : 0;
		setsid();
		if (chdir("/") < 0)
			return 1;
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			close(null);
		}
	} else if (ctx.pid_file[0] && !write_pid_file(getpid())) {
		return 1;
	}

	int status = 0;
	for (;;) {
		struct pollfd fds[2] = {{.fd = ctx.inotify_fd, .events = POLLIN},
					{.fd = sig_fd, .events = POLLIN}};
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
			status = 1;
			break;
		}
		if (fds[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				break; /* SIGTERM or SIGINT: a clean stop */
		}
		if (fds[0].revents & POLLIN) {
			_Alignas(struct inotify_event) char buf[16384];
			ssize_t n = read(ctx.inotify_fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				fprintf(stderr, PROG ": inotify: %s\n", strerror(errno));
				status = 1;
				break;
			}
			if (handle_events(buf, n))
				break;
		}
	}

	if (ctx.pid_file[0])
		unlink(ctx.pid_file);
	for (size_t i = 0; i < ctx.n_entries; i++)
		free(ctx.entries[i].path);
	free(ctx.entries);
	close(ctx.inotify_fd);
	close(sig_fd);
	EVP_PKEY_free(ctx.key);
	return status;
}
