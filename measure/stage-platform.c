/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The core's platform in userspace: what bootchain.efi does with EFI_TCG2_PROTOCOL, done
 * with tpm2-tss and OpenSSL, so that `bootchain stage run` runs a stage's chain through
 * the very code the stage runs (freestanding/stage.c) against a mounted volume and a real TPM.
 *
 * The digests extended are computed here, with OpenSSL, as HashLogExtendEvent computes
 * its own from the data: the core's digests are only compared, never extended.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/eventlog.h>
#include <bootchain/measure.h>

#include "util/file.h"

#define MAX_FILE ((size_t)1 << 30) /* an image larger than 1 GiB is no boot layer */

static bc_core_status core_status(bc_status s)
{
	switch (s) {
	case BC_OK: return BC_CORE_OK;
	case BC_E_NOMEM: return BC_CORE_E_NOMEM;
	case BC_E_IO:
	case BC_E_NOTFOUND: return BC_CORE_E_IO;
	case BC_E_FORMAT: return BC_CORE_E_FORMAT;
	case BC_E_LIMIT: return BC_CORE_E_LIMIT;
	case BC_E_UNSUPPORTED: return BC_CORE_E_UNSUPPORTED;
	case BC_E_INVALID: return BC_CORE_E_INVALID;
	default: return BC_CORE_E_PLATFORM;
	}
}

/* Hand a failure to the core, and keep the first one in the library's terms. */
static bc_core_status fail(bc_stage_host *host, const bc_error *e, bc_core_error *err)
{
	if (host->error.status == BC_OK)
		host->error = *e;
	return bc_core_fail(err, core_status(e->status), "%s", bc_error_message(e));
}

static void *host_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size ? size : 1);
}

static void host_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

/* root + path, '\' made '/'; a component "." or ".." would leave the volume. */
static bc_status local_path(const bc_stage_host *host, const char *path, char **out, bc_error *err)
{
	if (path[0] != '\\')
		return bc_fail(err, BC_E_INVALID, "%s: not a path from the volume's root", path);
	for (const char *p = path + 1; *p;) {
		size_t len = strcspn(p, "\\");
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return bc_fail(err, BC_E_INVALID, "%s: a '.' or '..' component", path);
		p += len + (p[len] == '\\');
	}
	if (asprintf(out, "%s%s", host->root, path) < 0)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (char *c = *out + strlen(host->root); *c; c++)
		if (*c == '\\')
			*c = '/';
	return BC_OK;
}

static bc_core_status host_read_file(void *ctx, const char *path, void **data, size_t *size,
				     bc_core_error *err)
{
	bc_stage_host *host = ctx;
	bc_error e = {0};
	char *local = NULL;
	uint8_t *bytes = NULL;
	snprintf(host->file, sizeof(host->file), "%s", path);
	bc_status s = local_path(host, path, &local, &e);
	if (s == BC_OK)
		s = bc_read_file(local, MAX_FILE, &bytes, size, &e);
	free(local);
	if (s != BC_OK) {
		bc_fail(&e, s, "cannot read %s: %s", path, bc_error_message(&e));
		return fail(host, &e, err);
	}
	*data = bytes;
	return BC_CORE_OK;
}

/* Extend, then log: a log entry never claims what the PCR does not hold. */
static bc_status extend_and_log(bc_stage_host *host, uint32_t pcr, uint32_t type,
				const bc_digest_set *digests, const void *event, size_t event_size,
				bc_error *err)
{
	bool extended = false;
	bc_status s;
	if (host->tpm) {
		if ((s = bc_tpm_pcr_extend(host->tpm, pcr, digests, err)) != BC_OK)
			return s;
		extended = true;
	}
	if (!host->log_path)
		return BC_OK;
	s = bc_log_append(host->log_path, pcr, type, digests, event, (uint32_t)event_size, err);
	if (s != BC_OK && extended)
		return bc_fail(err, s, "extended into PCR %u, but not logged: %s", pcr,
			       bc_error_message(err));
	return s;
}

static bc_core_status host_extend_log(void *ctx, uint32_t pcr, uint32_t event_type,
				      const void *event, size_t event_size, const void *data,
				      size_t data_size, bool pe, bc_core_error *err)
{
	bc_stage_host *host = ctx;
	bc_digest_set digests;
	bc_error e = {0};
	bool marker = event_type == BC_EV_SEPARATOR;
	bc_status s = bc_image_digest(data, data_size, marker ? "the failure marker" : host->file,
				      pe ? BC_IMAGE_PE : BC_IMAGE_RAW, host->algs, host->alg_count,
				      &digests, NULL, &e);
	if (s == BC_OK)
		s = extend_and_log(host, pcr, event_type, &digests, event, event_size, &e);
	return s == BC_OK ? BC_CORE_OK : fail(host, &e, err);
}

static void host_print(void *ctx, const char *line)
{
	bc_stage_host *host = ctx;
	if (host->print)
		host->print(host->print_user, line);
}

/* Every bank of the TPM is extended, as HashLogExtendEvent does; the core compares in
 * those it has (SHA-1, SHA-256, SHA-384), in the TPM's order. */
static bc_status tpm_banks(bc_core_platform *p, bc_stage_host *host, bc_error *err)
{
	bc_measurer m = {.tpm = host->tpm};
	bc_status s = bc_measurer_use_tpm_banks(&m, err);
	if (s != BC_OK)
		return s;
	host->alg_count = m.alg_count;
	memcpy(host->algs, m.algs, m.alg_count * sizeof(m.algs[0]));
	for (size_t i = 0; i < m.alg_count && p->alg_count < BC_CORE_MAX_BANKS; i++)
		if (bc_core_hash_size(m.algs[i]))
			p->algs[p->alg_count++] = m.algs[i];
	if (p->alg_count == 0)
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "the TPM has no sha1, sha256 or sha384 bank: the stage compares in "
			       "no other");
	return BC_OK;
}

bc_status bc_stage_platform_init(bc_core_platform *p, bc_stage_host *host, bc_error *err)
{
	*p = (bc_core_platform){.ctx = host};
	bc_error_clear(&host->error);
	host->file[0] = 0;
	if (!host->root || !host->root[0])
		return bc_fail(err, BC_E_INVALID, "no root directory for the stage's volume");
	if (host->tpm) {
		bc_status s = tpm_banks(p, host, err);
		if (s != BC_OK)
			return s;
	} else {
		host->alg_count = p->alg_count = 1;
		host->algs[0] = p->algs[0] = BC_CORE_ALG_SHA256;
	}
	p->alloc = host_alloc;
	p->free = host_free;
	p->read_file = host_read_file;
	p->extend_log = host_extend_log;
	p->print = host_print;
	p->start_image = NULL; /* userspace cannot start a UEFI image */
	return BC_OK;
}
