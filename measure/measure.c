/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One boot layer: digest, check (trusted mode), extend, log. The order matters: the
 * digest is extended before it is logged, as firmware does, and in trusted mode a
 * mismatch still extends the real digest before the failure marker, so that the PCR
 * and the log tell what was found.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bootchain/core.h>
#include <bootchain/eventlog.h>
#include <bootchain/measure.h>

#include "util/buf.h"
#include "util/cleanup.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_hasher *, bc_hasher_free)

#define MAX_EVENT_DATA (64 * 1024)
#define ALLOWED_SHOWN  3

bc_status bc_measurer_use_tpm_banks(bc_measurer *m, bc_error *err)
{
	bc_pcr_selection banks;
	bc_status s = bc_tpm_allocated_banks(m->tpm, &banks, err);
	if (s != BC_OK)
		return s;
	m->alg_count = 0;
	for (size_t i = 0; i < banks.count && m->alg_count < BC_MAX_BANKS; i++)
		if (bc_hash_alg_available(banks.banks[i].alg))
			m->algs[m->alg_count++] = banks.banks[i].alg;
	if (m->alg_count == 0)
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "the TPM has no PCR bank this library can hash");
	return BC_OK;
}

/* ---- event data ---- */

/* The event data, encoded by the core that bootchain.efi shares (freestanding/event.c). */
static bc_status event_data(const bc_layer *layer, bc_image_kind kind, uint64_t size, bc_buf *out,
			    bc_error *err)
{
	_cleanup_free_ uint8_t *data = malloc(MAX_EVENT_DATA);
	if (!data)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	size_t n = bc_core_layer_event(layer->event_type, layer->name, (bc_core_kind)kind,
				       layer->file, size, data, MAX_EVENT_DATA);
	if (n == 0)
		return bc_fail(err, BC_E_LIMIT, "layer %.64s...: name or file name too long",
			       layer->name);
	if (bc_buf_append(out, data, n) != BC_OK)
		return bc_fail(err, BC_E_LIMIT, "layer %s: event data too long", layer->name);
	return BC_OK;
}

static uint32_t event_type(const bc_layer *layer)
{
	return layer->event_type ? layer->event_type : BC_EV_EVENT_TAG;
}

/* ---- extend and log ---- */

static bc_status extend_and_log(const bc_measurer *m, uint32_t pcr, uint32_t type,
				const bc_digest_set *digests, const bc_buf *data, bool *extended,
				bool *logged, bc_error *err)
{
	bc_status s;
	if (m->tpm) {
		if ((s = bc_tpm_pcr_extend(m->tpm, pcr, digests, err)) != BC_OK)
			return s;
		*extended = true;
	}
	if (m->log_path) {
		s = bc_log_append(m->log_path, pcr, type, digests, data->data, (uint32_t)data->len,
				  err);
		if (s != BC_OK && *extended)
			return bc_fail(err, s, "extended into PCR %u, but not logged: %s", pcr,
				       bc_error_message(err));
		if (s != BC_OK)
			return s;
		*logged = true;
	}
	return BC_OK;
}

/* The error separator (PFP: value 1 when "an error occurred"). *extended tells whether
 * it reached the PCR, also when logging it then failed. */
static bc_status cap_pcr(const bc_measurer *m, uint32_t pcr, bool *extended, bc_error *err)
{
	static const uint8_t error_value[4] = {1, 0, 0, 0};
	bc_digest_set digests;
	bool logged = false;
	_cleanup_(bc_hasher_freep) bc_hasher *h = NULL;
	bc_buf data = {0};
	*extended = false;
	bc_status s = bc_hasher_new(m->algs, m->alg_count, &h, err);
	if (s == BC_OK && (s = bc_hasher_update(h, error_value, 4, err)) == BC_OK)
		s = bc_hasher_final(h, &digests, err);
	if (s != BC_OK)
		return s;
	bc_buf_init(&data, 4);
	bc_buf_append(&data, error_value, 4);
	s = extend_and_log(m, pcr, BC_EV_SEPARATOR, &digests, &data, extended, &logged, err);
	bc_buf_free(&data);
	return s;
}

bc_status bc_measure_cap(const bc_measurer *m, uint32_t pcr, bc_error *err)
{
	bool extended;
	return cap_pcr(m, pcr, &extended, err);
}

/* ---- trusted mode ---- */

static void describe_allowed(const bc_golden_component *c, uint16_t alg, bc_buf *out)
{
	char hex[2 * BC_MAX_DIGEST_SIZE + 1];
	size_t shown = 0;
	for (size_t i = 0; i < c->version_count && shown < ALLOWED_SHOWN; i++) {
		const bc_golden_version *v = &c->versions[i];
		const bc_digest *d = bc_digest_set_find(&v->digests, alg);
		if (!d)
			continue;
		bc_buf_printf(out, "%s%s", shown++ ? ", " : "", bc_digest_hex(d, hex));
		if (v->source.file || v->source.version)
			bc_buf_printf(out, " from %s%s%s", v->source.file ? v->source.file : "",
				      v->source.file && v->source.version ? " " : "",
				      v->source.version ? v->source.version : "");
	}
	if (c->version_count > shown)
		bc_buf_printf(out, "%s%zu more", shown ? ", and " : "", c->version_count - shown);
}

/* The words of a halt: which layer, the digest found, the digests allowed. */
static bc_status mismatch(const bc_measurer *m, const bc_layer *layer, const bc_measurement *r,
			  bc_error *err)
{
	const bc_golden_component *c = bc_golden_find(m->golden, layer->name);
	const bc_digest *found = &r->digests.digests[0];
	for (size_t i = 0; i < r->digests.count; i++)
		if (r->digests.digests[i].alg == BC_ALG_SHA256)
			found = &r->digests.digests[i];
	char hex[2 * BC_MAX_DIGEST_SIZE + 1];
	_cleanup_(bc_buf_free) bc_buf allowed = {0};
	bc_buf_init(&allowed, 2048);
	switch (r->verdict) {
	case BC_GOLDEN_NO_COMPONENT:
		return bc_fail(err, BC_E_MISMATCH,
			       "layer %s: the golden database has no component of that name",
			       layer->name);
	case BC_GOLDEN_WRONG_PCR:
		return bc_fail(
		    err, BC_E_MISMATCH,
		    "layer %s: measured into PCR %u, the golden database has it in PCR %u",
		    layer->name, layer->pcr, c->pcr);
	case BC_GOLDEN_NO_COMMON_BANK:
		return bc_fail(err, BC_E_MISMATCH,
			       "layer %s: the golden database has no digest in any bank measured",
			       layer->name);
	default: break;
	}
	describe_allowed(c, found->alg, &allowed);
	return bc_fail(err, BC_E_MISMATCH,
		       "layer %s, PCR %u: %s digest %s is not an allowed version (allowed: %s)",
		       layer->name, layer->pcr, bc_hash_alg_name(found->alg),
		       bc_digest_hex(found, hex), allowed.len ? bc_buf_str(&allowed) : "none");
}

/* A halt: the marker goes in after whatever was extended. The error stays the first. */
static bc_status halt(const bc_measurer *m, const bc_layer *layer, bc_measurement *r, bc_status s,
		      bc_error *err)
{
	r->halt = true;
	if (m->cap && m->tpm && layer->pcr < BC_PCR_COUNT) {
		bc_error cap_err = {0};
		if (cap_pcr(m, layer->pcr, &r->capped, &cap_err) != BC_OK)
			bc_fail(err, s, "%s; the failure marker %s: %s", bc_error_message(err),
				r->capped ? "was extended" : "failed", bc_error_message(&cap_err));
	}
	return s;
}

static bc_status measure_digests(const bc_measurer *m, const bc_layer *layer, uint64_t size,
				 bc_measurement *r, bc_error *err)
{
	_cleanup_(bc_buf_free) bc_buf data = {0};
	bc_buf_init(&data, MAX_EVENT_DATA);
	if (m->golden) {
		r->checked = true;
		r->verdict =
		    bc_golden_match(m->golden, layer->name, layer->pcr, &r->digests, &r->version);
	}
	bc_error order_err = {0};
	bc_status order = m->golden && m->progress && r->verdict == BC_GOLDEN_MATCH
			      ? bc_boot_progress_step(m->progress, layer, &order_err)
			      : BC_OK;
	bc_status s = event_data(layer, r->kind, size, &data, err);
	/* out of order still records the truth first, as a mismatch does */
	if (s == BC_OK)
		s = extend_and_log(m, layer->pcr, event_type(layer), &r->digests, &data,
				   &r->extended, &r->logged, err);
	if (s == BC_OK && m->golden && r->verdict != BC_GOLDEN_MATCH)
		s = mismatch(m, layer, r, err);
	if (s == BC_OK && order != BC_OK)
		s = bc_fail(err, order, "%s", bc_error_message(&order_err));
	return s != BC_OK && m->golden ? halt(m, layer, r, s, err) : s;
}

bc_status bc_measure_check_type(uint32_t type, uint32_t pcr, bc_error *err)
{
	const char *name = bc_event_type_name(type);
	if (type == BC_EV_NO_ACTION)
		return bc_fail(err, BC_E_INVALID, "EV_NO_ACTION events are not extended");
	if (bc_event_type_digests_data(type, pcr))
		return bc_fail(err, BC_E_INVALID,
			       "%s events%s carry the digest of their own data, not of an image",
			       name ? name : "such", type == BC_EV_IPL ? " in PCR 8" : "");
	return BC_OK;
}

static bc_status check_layer(const bc_measurer *m, const bc_layer *layer, bc_error *err)
{
	if (!layer->name || !layer->name[0])
		return bc_fail(err, BC_E_INVALID, "a layer needs a name");
	if (layer->pcr >= BC_PCR_COUNT)
		return bc_fail(err, BC_E_INVALID, "layer %s: PCR %u is out of range (0-%d)",
			       layer->name, layer->pcr, BC_PCR_COUNT - 1);
	if (m->alg_count == 0)
		return bc_fail(err, BC_E_INVALID, "layer %s: no banks to measure in", layer->name);
	return bc_measure_check_type(layer->event_type, layer->pcr, err);
}

bc_status bc_measure_buffer(const bc_measurer *m, const bc_layer *layer, const void *image,
			    size_t size, bc_measurement *out, bc_error *err)
{
	*out = (bc_measurement){.kind = layer->kind};
	bc_status s = check_layer(m, layer, err);
	if (s == BC_OK)
		s = bc_image_digest(image, size, layer->file ? layer->file : layer->name,
				    layer->kind, m->algs, m->alg_count, &out->digests, &out->kind,
				    err);
	if (s != BC_OK)
		return m->golden ? halt(m, layer, out, s, err) : s;
	return measure_digests(m, layer, size, out, err);
}

bc_status bc_measure_file(const bc_measurer *m, const bc_layer *layer, const char *path,
			  bc_measurement *out, bc_error *err)
{
	struct stat st;
	*out = (bc_measurement){.kind = layer->kind};
	bc_status s = check_layer(m, layer, err);
	if (s == BC_OK)
		s = bc_image_digest_file(path, layer->kind, m->algs, m->alg_count, &out->digests,
					 &out->kind, err);
	if (s != BC_OK)
		return m->golden ? halt(m, layer, out, s, err) : s;
	/* the length recorded in an image load event; a pipe has none */
	uint64_t size = stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	return measure_digests(m, layer, size, out, err);
}

/* ---- before the first extend: the log ---- */

/* "sha1, sha256": the banks of a list of algorithm ids. */
static void alg_names(const uint16_t *algs, size_t count, bc_buf *out)
{
	for (size_t i = 0; i < count; i++) {
		const char *name = bc_hash_alg_name(algs[i]);
		bc_buf_printf(out, "%s%s", i ? ", " : "", name ? name : "?");
	}
}

/* An existing log: crypto-agile, whole, and with exactly the banks measured. */
static bc_status check_log_contents(const bc_measurer *m, bc_error *err)
{
	bc_log *log = NULL;
	bc_status s = bc_log_read_file(m->log_path, &log, err);
	if (s != BC_OK)
		return bc_fail(err, s, "not an event log to append to: %s", bc_error_message(err));
	size_t count = 0;
	const bc_log_alg *algs =
	    bc_log_get_format(log) == BC_LOG_CRYPTO_AGILE ? bc_log_algorithms(log, &count) : NULL;
	uint16_t have[BC_MAX_BANKS];
	bool same = algs && count == m->alg_count;
	for (size_t i = 0; i < count && i < BC_MAX_BANKS; i++)
		have[i] = algs[i].alg;
	for (size_t i = 0; same && i < m->alg_count; i++) {
		bool found = false;
		for (size_t j = 0; j < count; j++)
			found |= have[j] == m->algs[i];
		same = found;
	}
	bc_log_iter it;
	bc_log_iter_init(log, &it);
	for (bool done = false; s == BC_OK && !done;) {
		bc_event ev;
		s = bc_log_next(&it, &ev, &done, err);
	}
	bc_log_free(log);
	if (s != BC_OK)
		return bc_fail(err, s, "not a whole event log: %s", bc_error_message(err));
	if (!algs)
		return bc_fail(err, BC_E_FORMAT, "%s: a SHA-1 format log cannot take new events",
			       m->log_path);
	if (same)
		return BC_OK;
	_cleanup_(bc_buf_free) bc_buf names = {0};
	bc_buf_init(&names, 1024);
	bc_buf_puts(&names, "the log has banks ");
	alg_names(have, count < BC_MAX_BANKS ? count : BC_MAX_BANKS, &names);
	bc_buf_puts(&names, ", the TPM ");
	alg_names(m->algs, m->alg_count, &names);
	return bc_fail(err, BC_E_INVALID, "%s: %s: a log records exactly the banks extended",
		       m->log_path, bc_buf_str(&names));
}

/* A log that does not exist yet: its directory must take it. */
static bc_status check_log_dir(const char *path, bc_error *err)
{
	_cleanup_free_ char *dir = strdup(path);
	if (!dir)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	char *slash = strrchr(dir, '/');
	const char *where = !slash ? "." : slash == dir ? "/" : (*slash = 0, dir);
	if (access(where, W_OK | X_OK) < 0)
		return bc_fail(err, BC_E_IO, "%s: cannot create the log in %s: %s", path, where,
			       strerror(errno));
	return BC_OK;
}

bc_status bc_measurer_check_log(const bc_measurer *m, bc_error *err)
{
	struct stat st;
	if (!m->log_path)
		return BC_OK;
	_cleanup_close_ int fd = open(m->log_path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return check_log_dir(m->log_path, err);
	if (fd < 0)
		return bc_fail(err, BC_E_IO, "%s: cannot write the log: %s", m->log_path,
			       strerror(errno));
	if (fstat(fd, &st) < 0)
		return bc_fail(err, BC_E_IO, "%s: %s", m->log_path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return bc_fail(err, BC_E_INVALID, "%s: not a regular file, cannot be an event log",
			       m->log_path);
	return st.st_size == 0 ? BC_OK : check_log_contents(m, err);
}

/* ---- the end of a trusted chain ---- */

/* "initrd (PCR 9), cmdline (PCR 8)" and the PCRs they are in. */
static uint32_t describe_missing(const bc_golden_component *const *missing, size_t count,
				 bc_buf *out)
{
	uint32_t pcrs = 0;
	for (size_t i = 0; i < count; i++) {
		bc_buf_printf(out, "%s%s (PCR %u)", i ? ", " : "", missing[i]->name,
			      missing[i]->pcr);
		pcrs |= 1u << missing[i]->pcr;
	}
	return pcrs;
}

bc_status bc_measure_finish(const bc_measurer *m, bc_measurement *out, bc_error *err)
{
	*out = (bc_measurement){.kind = BC_IMAGE_AUTO};
	if (!m->golden || !m->progress)
		return BC_OK;
	size_t count = bc_boot_progress_missing(m->progress, NULL, 0);
	if (count == 0)
		return BC_OK;
	_cleanup_free_ const bc_golden_component **missing = calloc(count, sizeof(*missing));
	_cleanup_(bc_buf_free) bc_buf names = {0};
	if (!missing)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	bc_boot_progress_missing(m->progress, missing, count);
	bc_buf_init(&names, 64 * 1024);
	uint32_t pcrs = describe_missing(missing, count, &names);
	bc_status s = bc_fail(err, BC_E_MISMATCH,
			      "layer %s: the chain ended before it: the golden database expects "
			      "%s, not measured",
			      missing[0]->name, bc_buf_str(&names));
	out->halt = true;
	if (!m->cap || !m->tpm)
		return s;
	/* the marker in each PCR that lacks a component: none may hold a golden value */
	out->capped = true;
	for (uint32_t pcr = 0; pcr < BC_PCR_COUNT; pcr++) {
		bc_error cap_err = {0};
		bool extended = false;
		if (!(pcrs & (1u << pcr)))
			continue;
		if (cap_pcr(m, pcr, &extended, &cap_err) != BC_OK)
			bc_fail(err, s, "%s; the failure marker %s PCR %u: %s",
				bc_error_message(err), extended ? "was extended into" : "failed in",
				pcr, bc_error_message(&cap_err));
		out->capped &= extended;
	}
	return s;
}
