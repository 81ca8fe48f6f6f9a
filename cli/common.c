/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "pcr/pcr-json.h"
#include "util/file.h"
#include "util/text.h"

/* The limit of bc_chain_load (bootchain-chain(5)): 1 MiB. */
#define CHAIN_FILE_MAX ((size_t)1 << 20)

/* Messages quote what they refuse (a file's bytes, a server's words): escaped, so that
 * they cannot write to the terminal or forge a line of their own. */
static void vreport(const char *cmd, const char *fmt, va_list ap)
{
	char *text = NULL;
	bc_buf escaped;
	bc_buf_init(&escaped, 64 * 1024);
	if (vasprintf(&text, fmt, ap) >= 0)
		bc_text_escape(&escaped, text, strlen(text));
	fprintf(stderr, "bootchain: %s%s%s\n", cmd ? cmd : "", cmd ? ": " : "",
		bc_buf_str(&escaped));
	bc_buf_free(&escaped);
	free(text);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(cmd, fmt, ap);
	va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'bootchain %s%s--help' for more information.\n", cmd ? cmd : "",
		cmd ? " " : "");
	return BC_EXIT_USAGE;
}

int cli_bad_option(const char *cmd, int opt, char **argv)
{
	const char *arg = argv[optind - 1];
	if (opt == ':')
		return cli_usage_error(cmd, "option '%s' needs an argument", arg);
	return cli_usage_error(cmd, "unknown option '%s'", arg);
}

int cli_exit_status(bc_status status)
{
	switch (status) {
	case BC_OK: return BC_EXIT_OK;
	case BC_E_MISMATCH: return BC_EXIT_MISMATCH;
	case BC_E_TCTI:
	case BC_E_TPM: return BC_EXIT_TPM;
	default: return BC_EXIT_ERROR;
	}
}

int cli_fail(const char *cmd, const bc_error *err)
{
	cli_error(cmd, "%s", bc_error_message(err));
	return cli_exit_status(err->status);
}

static const char *global_tcti; /* from argv: lives as long as the process */

void cli_set_global_tcti(const char *tcti)
{
	global_tcti = tcti;
}

const char *cli_tcti(const char *option)
{
	const char *env;
	if (option)
		return option;
	if (global_tcti)
		return global_tcti;
	if ((env = getenv("BOOTCHAIN_TCTI")) && *env)
		return env;
	if ((env = getenv("TPM2TOOLS_TCTI")) && *env)
		return env;
	return NULL;
}

const char *cli_measured_log(void)
{
	const char *env = getenv("BOOTCHAIN_EVENTLOG");
	return env && *env ? env : CLI_MEASURED_LOG;
}

const char *cli_measure_log_path(bool dry_run, bool no_log, const char *log)
{
	if (dry_run || no_log)
		return NULL;
	return log ? log : cli_measured_log();
}

bc_status cli_make_log_dir(const char *log, bc_error *err)
{
	if (strcmp(log, CLI_MEASURED_LOG) != 0)
		return BC_OK;
	if (mkdir("/run/bootchain", 0700) < 0 && errno != EEXIST)
		return bc_fail(err, BC_E_IO, "/run/bootchain: %s", strerror(errno));
	return BC_OK;
}

/* An existing measured log is used even when it cannot be read, so that the error
 * names it rather than the firmware's log being read in its place. */
const char *cli_default_log(void)
{
	const char *measured = cli_measured_log();
	if (access(measured, F_OK) == 0)
		return measured;
	if (access(CLI_FIRMWARE_LOG, F_OK) == 0)
		return CLI_FIRMWARE_LOG;
	return NULL;
}

int cli_open_tpm(const char *cmd, const char *tcti_option, bc_tpm **out)
{
	bc_error err = {0};
	if (bc_tpm_open(cli_tcti(tcti_option), out, &err) != BC_OK)
		return cli_fail(cmd, &err);
	return 0;
}

int cli_emit_json(const char *cmd, bc_buf *out)
{
	bc_buf_putc(out, '\n');
	return cli_emit_text(cmd, out);
}

int cli_emit_text(const char *cmd, bc_buf *out)
{
	bc_error err = {0};
	if (bc_buf_status(out, &err, "output") != BC_OK)
		return cli_fail(cmd, &err);
	if ((out->len && fwrite(out->data, 1, out->len, stdout) != out->len) ||
	    fflush(stdout) != 0) {
		cli_error(cmd, "cannot write to standard output: %s", strerror(errno));
		return BC_EXIT_ERROR;
	}
	return 0;
}

int cli_print_pcr_values(const char *cmd, const bc_pcr_values *values, bool json)
{
	if (json) {
		bc_buf out;
		bc_json j;
		bc_buf_init(&out, CLI_JSON_MAX);
		bc_json_init(&j, &out);
		bc_json_object_begin(&j);
		bc_json_key(&j, "pcrs");
		bc_pcr_values_to_json(values, &j);
		bc_json_object_end(&j);
		int rc = cli_emit_json(cmd, &out);
		bc_buf_free(&out);
		return rc;
	}
	for (size_t i = 0; i < values->count; i++) {
		const bc_pcr_bank *bank = &values->banks[i];
		const char *name = bc_hash_alg_name(bank->alg);
		if (name)
			printf("%s:\n", name);
		else
			printf("0x%04x:\n", bank->alg);
		for (unsigned pcr = 0; pcr < BC_PCR_COUNT; pcr++) {
			if (!(bank->mask & (1u << pcr)))
				continue;
			bc_digest d = {.alg = bank->alg, .size = bank->size};
			char hex[2 * BC_MAX_DIGEST_SIZE + 1];
			memcpy(d.bytes, bank->values[pcr], bank->size);
			printf("  %2u: %s\n", pcr, bc_digest_hex(&d, hex));
		}
	}
	if (fflush(stdout) != 0) {
		cli_error(cmd, "cannot write to standard output: %s", strerror(errno));
		return BC_EXIT_ERROR;
	}
	return 0;
}

bool cli_parse_uint(const char *text, unsigned max, unsigned *out)
{
	unsigned long v = 0;
	if (!*text)
		return false;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return false;
	}
	*out = (unsigned)v;
	return true;
}

int cli_parse_banks(const char *cmd, const char *list, uint16_t *algs, size_t *count)
{
	char name[32];
	*count = 0;
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		const bc_hash_alg *alg = NULL;
		if (len && len < sizeof(name)) {
			memcpy(name, p, len);
			name[len] = 0;
			alg = bc_hash_alg_by_name(name);
		}
		if (!alg || !bc_hash_alg_available(alg->id))
			return cli_usage_error(cmd,
					       "--banks %s: \"%.*s\" is not a hash algorithm this "
					       "build can compute",
					       list, (int)len, p);
		if (*count == BC_MAX_BANKS)
			return cli_usage_error(cmd, "--banks: too many banks");
		for (size_t i = 0; i < *count; i++)
			if (algs[i] == alg->id)
				return cli_usage_error(cmd, "--banks: %s twice", alg->name);
		algs[(*count)++] = alg->id;
		p += len + (p[len] == ',');
	}
	return *count ? 0 : cli_usage_error(cmd, "--banks: no bank given");
}

const cli_verb *cli_find_verb(const cli_verb *table, const char *name)
{
	for (const cli_verb *v = table; v->name; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

bool cli_is_stdio(const char *path)
{
	return path && strcmp(path, "-") == 0;
}

const char *cli_input_path(const char *path)
{
	return cli_is_stdio(path) ? "/dev/stdin" : path;
}

bc_status cli_chain_load(const char *path, const char *root, bc_chain **out, bc_error *err)
{
	uint8_t *text = NULL;
	size_t size = 0;
	if (!root)
		return bc_chain_load(path, out, err);
	bc_status s = bc_read_file(path, CHAIN_FILE_MAX, &text, &size, err);
	if (s == BC_OK)
		s = bc_chain_parse((const char *)text, size, path, root, out, err);
	free(text);
	return s;
}

int cli_one_stdin(const char *cmd, size_t uses)
{
	if (uses > 1)
		return cli_usage_error(cmd,
				       "'-' (standard input) given %zu times: only one input "
				       "can be read from it",
				       uses);
	return 0;
}

int cli_check_output(const char *cmd, const char *path, bool force)
{
	struct stat st;
	if (!path || force || cli_is_stdio(path))
		return 0;
	/* a folder is left to the write to refuse ("is a directory"): --force cannot help */
	if (lstat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
		cli_error(cmd, "%s exists (--force to overwrite)", path);
		return BC_EXIT_ERROR;
	}
	return 0;
}
