/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Evidence files (bootchain-evidence(5)): JSON written with the library's JSON writer and
 * read with util/jscan.h, every field checked; and tpm2-tools' quote files, whose PCR file is
 * a dump of the C structures TPML_PCR_SELECTION, a UINT32 count and that many TPML_DIGEST
 * (little-endian, as tpm2_quote writes them on x86 and arm).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <tss2/tss2_mu.h>

#include <bootchain/attest.h>

#include "attest/attest-internal.h"
#include "pcr/pcr-json.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/jscan.h"
#include "util/json.h"
#include "util/reader.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_evidence *, bc_evidence_free)

void bc_evidence_free(bc_evidence *ev)
{
	if (!ev)
		return;
	free(ev->attest);
	free(ev->signature);
	free(ev->ak_public);
	free(ev->eventlog);
	free(ev->keep_report);
	free(ev->keep_vcek);
	free(ev->keep_eventlog);
	free(ev->keep_quote);
	free(ev);
}

/* ---- writing ---- */

static void json_selection(bc_json *j, const bc_pcr_selection *sel)
{
	char text[512];
	bc_pcr_selection_format(sel, text, sizeof(text));
	bc_json_string(j, text);
}

static void json_pcr_values(bc_json *j, const bc_evidence *ev)
{
	char key[8];
	bc_json_object_begin(j);
	for (size_t b = 0; b < ev->selection.count; b++) {
		const bc_pcr_bank *bank =
		    bc_pcr_values_bank((bc_pcr_values *)&ev->pcrs, ev->selection.banks[b].alg);
		if (!bank)
			continue;
		bc_json_key(j, bc_hash_alg_name(bank->alg));
		bc_json_object_begin(j);
		for (unsigned p = 0; p < BC_PCR_COUNT; p++) {
			if (!(ev->selection.banks[b].mask & bank->mask & (1u << p)))
				continue;
			snprintf(key, sizeof(key), "%u", p);
			bc_json_key(j, key);
			bc_json_hex(j, bank->values[p], bank->size);
		}
		bc_json_object_end(j);
	}
	bc_json_object_end(j);
}

static void json_keep(bc_json *j, const bc_evidence *ev)
{
	bc_json_key(j, "keep");
	if (ev->keep_report) {
		bc_json_object_begin(j);
		bc_json_key(j, "provider");
		bc_json_string(j, ev->keep_provider);
		bc_json_key(j, "report");
		bc_json_base64(j, ev->keep_report, ev->keep_report_size);
		bc_json_key(j, "vcek");
		ev->keep_vcek ? bc_json_base64(j, ev->keep_vcek, ev->keep_vcek_size)
			      : bc_json_null(j);
		if (ev->keep_eventlog) { /* only the kinds that have one */
			bc_json_key(j, "eventlog");
			bc_json_base64(j, ev->keep_eventlog, ev->keep_eventlog_size);
		}
		if (ev->keep_quote) { /* only an Azure TDX HCL report has one */
			bc_json_key(j, "quote");
			bc_json_base64(j, ev->keep_quote, ev->keep_quote_size);
		}
		bc_json_object_end(j);
	} else {
		bc_json_null(j);
	}
}

/* Keep-only evidence (no TPM quote: an SGX enclave's): the TPM fields are null. */
static void json_keep_only(bc_json *j)
{
	static const char *const tpm_fields[] = {"quote", "selection", "pcrs", "ak_public",
						 "eventlog"};
	for (size_t i = 0; i < ELEMENTSOF(tpm_fields); i++) {
		bc_json_key(j, tpm_fields[i]);
		bc_json_null(j);
	}
}

void bc_evidence_json_open(bc_json *j, const bc_evidence *ev)
{
	bc_json_object_begin(j);
	bc_json_key(j, "format");
	bc_json_string(j, BC_EVIDENCE_FORMAT);
	if (!ev->attest) {
		json_keep_only(j);
		json_keep(j, ev);
		return;
	}
	bc_json_key(j, "quote");
	bc_json_object_begin(j);
	bc_json_key(j, "attest");
	bc_json_base64(j, ev->attest, ev->attest_size);
	bc_json_key(j, "signature");
	bc_json_base64(j, ev->signature, ev->signature_size);
	bc_json_object_end(j);
	bc_json_key(j, "selection");
	json_selection(j, &ev->selection);
	bc_json_key(j, "pcrs");
	json_pcr_values(j, ev);
	bc_json_key(j, "ak_public");
	ev->ak_public ? bc_json_base64(j, ev->ak_public, ev->ak_public_size) : bc_json_null(j);
	bc_json_key(j, "eventlog");
	ev->eventlog ? bc_json_base64(j, ev->eventlog, ev->eventlog_size) : bc_json_null(j);
	json_keep(j, ev);
}

static void json_evidence(bc_json *j, const bc_evidence *ev)
{
	bc_evidence_json_open(j, ev);
	bc_json_key(j, "nonce");
	bc_json_hex(j, ev->nonce, ev->nonce_size);
	bc_json_object_end(j);
}

bc_status bc_evidence_render(const bc_evidence *ev, bc_buf *out, bc_error *err)
{
	bc_json j;
	bc_json_init(&j, out);
	json_evidence(&j, ev);
	bc_buf_putc(out, '\n');
	return bc_buf_status(out, err, "evidence");
}

bc_status bc_evidence_write(const bc_evidence *ev, const char *path, bc_error *err)
{
	_cleanup_(bc_buf_free) bc_buf out = {0};
	bc_buf_init(&out, BC_EVIDENCE_MAX_SIZE);
	bc_status s = bc_evidence_render(ev, &out, err);
	return s == BC_OK ? bc_write_file_atomic(path, out.data, out.len, 0644, err) : s;
}

/* ---- parsing ---- */

/* Evidence is mostly long base64 strings: util/jscan.h reads it without copying them. */
typedef struct field_ctx {
	const char *name;
	const bc_jdoc *doc;
	bc_error *err;
} field_ctx;

static bc_status bad(const field_ctx *f, const char *field, const char *what)
{
	return bc_fail(f->err, BC_E_FORMAT, "%s: %s: %s", f->name, field, what);
}

/* The string member key of obj (absent or null: *s NULL when optional). *owned frees. */
static bc_status get_string(const field_ctx *f, const bc_jnode *obj, const char *key, bool optional,
			    const char **s, size_t *len, char **owned)
{
	const bc_jnode *v = bc_jget(f->doc, obj, key);
	*s = NULL;
	*len = 0;
	*owned = NULL;
	if (!v || v->type == BC_JNULL)
		return optional ? BC_OK : bad(f, key, "missing");
	if (v->type != BC_JSTRING)
		return bad(f, key, "not a string");
	if (!bc_jstring(f->doc, v, s, len, owned))
		return bc_fail(f->err, BC_E_NOMEM, "out of memory");
	return BC_OK;
}

static bc_status get_base64(const field_ctx *f, const bc_jnode *obj, const char *key, bool optional,
			    size_t max, uint8_t **out, size_t *size)
{
	const char *s;
	size_t len;
	_cleanup_free_ char *owned = NULL;
	bc_status st = get_string(f, obj, key, optional, &s, &len, &owned);
	if (st != BC_OK || !s)
		return st;
	if (len / 4 * 3 > max + 2)
		return bad(f, key, "too large");
	if (!bc_base64_decode(s, len, max, out, size))
		return bad(f, key, "not base64, or too large");
	return BC_OK;
}

static bc_status parse_nonce(const field_ctx *f, const bc_jnode *root, bc_evidence *ev)
{
	const char *s;
	size_t len;
	_cleanup_free_ char *owned = NULL;
	bc_status st = get_string(f, root, "nonce", false, &s, &len, &owned);
	if (st != BC_OK)
		return st;
	if (!bc_hex_decode(s, len, ev->nonce, sizeof(ev->nonce), &ev->nonce_size))
		return bad(f, "nonce", "not hex of at most 64 bytes");
	return BC_OK;
}

static bc_status parse_selection(const field_ctx *f, const bc_jnode *root, bc_evidence *ev)
{
	const char *s;
	size_t len;
	_cleanup_free_ char *owned = NULL;
	char text[512];
	bc_status st = get_string(f, root, "selection", false, &s, &len, &owned);
	if (st != BC_OK)
		return st;
	if (len >= sizeof(text) || memchr(s, 0, len))
		return bad(f, "selection", "not a PCR selection");
	memcpy(text, s, len);
	text[len] = 0;
	if (bc_pcr_selection_parse(text, &ev->selection, f->err) != BC_OK)
		return bad(f, "selection", bc_error_message(f->err));
	return BC_OK;
}

static bc_status parse_bank(const field_ctx *f, const bc_jnode *bank_obj, size_t b, bc_evidence *ev)
{
	const bc_hash_alg *alg = bc_hash_alg_by_id(ev->selection.banks[b].alg);
	bc_pcr_bank *bank;
	if (bc_pcr_values_add_bank(&ev->pcrs, alg->id, &bank, f->err) != BC_OK)
		return BC_E_FORMAT;
	for (unsigned p = 0; p < BC_PCR_COUNT; p++) {
		char key[8];
		const char *hex;
		size_t hex_len, n;
		_cleanup_free_ char *owned = NULL;
		if (!(ev->selection.banks[b].mask & (1u << p)))
			continue;
		snprintf(key, sizeof(key), "%u", p);
		if (get_string(f, bank_obj, key, false, &hex, &hex_len, &owned) != BC_OK)
			return bad(f, "pcrs", "a PCR of the selection is missing");
		if (!bc_hex_decode(hex, hex_len, bank->values[p], sizeof(bank->values[p]), &n) ||
		    n != alg->size)
			return bad(f, "pcrs", "a value is not a digest of its bank");
		bank->mask |= 1u << p;
	}
	return BC_OK;
}

/* "pcrs": {"sha256": {"0": "hex"}} for every PCR of "selection". */
static bc_status parse_pcrs(const field_ctx *f, const bc_jnode *root, bc_evidence *ev)
{
	bc_status st = parse_selection(f, root, ev);
	if (st != BC_OK)
		return st;
	const bc_jnode *pcrs = bc_jget(f->doc, root, "pcrs");
	if (!pcrs || pcrs->type != BC_JOBJECT)
		return bad(f, "pcrs", "missing or not an object");
	for (size_t b = 0; b < ev->selection.count; b++) {
		const bc_hash_alg *alg = bc_hash_alg_by_id(ev->selection.banks[b].alg);
		const bc_jnode *bank_obj = bc_jget(f->doc, pcrs, alg->name);
		if (!bank_obj || bank_obj->type != BC_JOBJECT)
			return bad(f, "pcrs", "a bank of the selection is missing");
		if ((st = parse_bank(f, bank_obj, b, ev)) != BC_OK)
			return st;
	}
	return BC_OK;
}

/* "keep": {"provider", "report": base64, "vcek": base64 or null, "eventlog": base64
 * (optional: the TEE's own event log), "quote": base64 (optional: Azure TDX's TD quote)} */
static bc_status parse_keep(const field_ctx *f, const bc_jnode *root, bc_evidence *ev)
{
	const bc_jnode *keep = bc_jget(f->doc, root, "keep");
	const char *provider;
	size_t len;
	_cleanup_free_ char *owned = NULL;
	if (!keep || keep->type == BC_JNULL)
		return BC_OK;
	if (keep->type != BC_JOBJECT)
		return bad(f, "keep", "not an object");
	bc_status st = get_string(f, keep, "provider", false, &provider, &len, &owned);
	if (st != BC_OK)
		return st;
	if (len >= sizeof(ev->keep_provider) || memchr(provider, 0, len))
		return bad(f, "keep.provider", "not a provider name");
	memcpy(ev->keep_provider, provider, len);
	ev->keep_provider[len] = 0;
	if ((st = get_base64(f, keep, "report", false, BC_EVIDENCE_MAX_KEEP, &ev->keep_report,
			     &ev->keep_report_size)) != BC_OK)
		return st;
	if ((st = get_base64(f, keep, "vcek", true, BC_EVIDENCE_MAX_KEEP, &ev->keep_vcek,
			     &ev->keep_vcek_size)) != BC_OK)
		return st;
	if ((st = get_base64(f, keep, "eventlog", true, BC_EVIDENCE_MAX_LOG, &ev->keep_eventlog,
			     &ev->keep_eventlog_size)) != BC_OK)
		return st;
	return get_base64(f, keep, "quote", true, BC_EVIDENCE_MAX_KEEP, &ev->keep_quote,
			  &ev->keep_quote_size);
}

/* Keep-only evidence (an SGX enclave's): "quote" null, and so "selection", "pcrs",
 * "ak_public" and "eventlog" null or absent: nothing of a TPM rides along unchecked.
 * The Keep is required. */
static bc_status parse_keep_only(const field_ctx *f, const bc_jnode *root, bc_evidence *ev)
{
	static const char *const tpm_fields[] = {"selection", "pcrs", "ak_public", "eventlog"};
	bc_status st;
	for (size_t i = 0; i < ELEMENTSOF(tpm_fields); i++) {
		const bc_jnode *v = bc_jget(f->doc, root, tpm_fields[i]);
		if (v && v->type != BC_JNULL)
			return bad(f, tpm_fields[i], "not null in keep-only evidence (quote null)");
	}
	if ((st = parse_nonce(f, root, ev)) != BC_OK || (st = parse_keep(f, root, ev)) != BC_OK)
		return st;
	if (!ev->keep_report)
		return bad(f, "keep", "missing: evidence without a quote is a Keep's alone");
	return BC_OK;
}

static bc_status parse_root(const field_ctx *f, const bc_jnode *root, bc_evidence *ev)
{
	const char *format;
	size_t len;
	_cleanup_free_ char *owned = NULL;
	bc_status st;
	if (root->type != BC_JOBJECT)
		return bad(f, "evidence", "not a JSON object");
	if ((st = get_string(f, root, "format", false, &format, &len, &owned)) != BC_OK)
		return st;
	if (len != strlen(BC_EVIDENCE_FORMAT) || memcmp(format, BC_EVIDENCE_FORMAT, len) != 0)
		return bad(f, "format", "not " BC_EVIDENCE_FORMAT);
	const bc_jnode *quote = bc_jget(f->doc, root, "quote");
	if (quote && quote->type == BC_JNULL)
		return parse_keep_only(f, root, ev);
	if (!quote || quote->type != BC_JOBJECT)
		return bad(f, "quote", "missing or not an object");
	if ((st = parse_nonce(f, root, ev)) != BC_OK ||
	    (st = get_base64(f, quote, "attest", false, BC_EVIDENCE_MAX_ATTEST, &ev->attest,
			     &ev->attest_size)) != BC_OK ||
	    (st = get_base64(f, quote, "signature", false, BC_EVIDENCE_MAX_SIG, &ev->signature,
			     &ev->signature_size)) != BC_OK ||
	    (st = get_base64(f, root, "ak_public", true, BC_EVIDENCE_MAX_PUBLIC, &ev->ak_public,
			     &ev->ak_public_size)) != BC_OK ||
	    (st = get_base64(f, root, "eventlog", true, BC_EVIDENCE_MAX_LOG, &ev->eventlog,
			     &ev->eventlog_size)) != BC_OK ||
	    (st = parse_pcrs(f, root, ev)) != BC_OK)
		return st;
	return parse_keep(f, root, ev);
}

bc_status bc_evidence_parse(const void *data, size_t size, const char *name, bc_evidence **out,
			    bc_error *err)
{
	bc_jdoc doc;
	const char *label = name ? name : "(evidence)";
	_cleanup_(bc_evidence_freep) bc_evidence *ev = calloc(1, sizeof(*ev));
	if (!ev)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (size > BC_EVIDENCE_MAX_SIZE)
		return bc_fail(err, BC_E_LIMIT, "%s: larger than %zu bytes", label,
			       BC_EVIDENCE_MAX_SIZE);
	bc_status s = bc_jdoc_parse(data, size, label, &doc, err);
	if (s != BC_OK)
		return s;
	field_ctx f = {.name = label, .doc = &doc, .err = err};
	s = parse_root(&f, bc_jroot(&doc), ev);
	bc_jdoc_free(&doc);
	if (s != BC_OK)
		return s;
	*out = TAKE_PTR(ev);
	return BC_OK;
}

bc_status bc_evidence_load(const char *path, bc_evidence **out, bc_error *err)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	bc_status s = bc_read_file(path, BC_EVIDENCE_MAX_SIZE, &data, &size, err);
	return s == BC_OK ? bc_evidence_parse(data, size, path, out, err) : s;
}

/* ---- tpm2-tools files ---- */

/* sizeof(TPMS_PCR_SELECTION) and friends as x86-64 and arm64 lay them out. */
enum {
	SEL_SIZE = 8,			   /* u16 hash, u8 sizeofSelect, u8[4], pad */
	TPML_SEL_SIZE = 4 + 16 * SEL_SIZE, /* u32 count + 16 */
	DIGEST_SIZE = 2 + 64,		   /* TPM2B_DIGEST: u16 size + buffer */
	TPML_DIGEST_SIZE = 4 + 8 * DIGEST_SIZE,
};

static void put_le(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* The values of the selection, in selection order, as tpm2_quote -o writes them. */
static bc_status tpm2_tools_pcrs(const bc_evidence *ev, uint8_t **out, size_t *size, bc_error *err)
{
	size_t values = 0, banks = 0;
	for (size_t b = 0; b < ev->selection.count; b++)
		values += (size_t)__builtin_popcount(ev->selection.banks[b].mask);
	size_t lists = (values + 7) / 8;
	size_t n = TPML_SEL_SIZE + 4 + lists * TPML_DIGEST_SIZE;
	uint8_t *buf = calloc(1, n);
	if (!buf)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t b = 0; b < ev->selection.count && banks < 16; b++) {
		uint8_t *s = buf + 4 + banks++ * SEL_SIZE;
		put_le(s, ev->selection.banks[b].alg, 2);
		s[2] = 3;
		put_le(s + 3, ev->selection.banks[b].mask, 3);
	}
	put_le(buf, banks, 4);
	put_le(buf + TPML_SEL_SIZE, lists, 4);
	size_t k = 0;
	for (size_t b = 0; b < ev->selection.count; b++) {
		const bc_pcr_bank *bank =
		    bc_pcr_values_bank((bc_pcr_values *)&ev->pcrs, ev->selection.banks[b].alg);
		for (unsigned p = 0; bank && p < BC_PCR_COUNT; p++) {
			if (!(ev->selection.banks[b].mask & (1u << p)))
				continue;
			uint8_t *list = buf + TPML_SEL_SIZE + 4 + (k / 8) * TPML_DIGEST_SIZE;
			uint8_t *d = list + 4 + (k % 8) * DIGEST_SIZE;
			put_le(list, get_le(list, 4) + 1, 4);
			put_le(d, bank->size, 2);
			memcpy(d + 2, bank->values[p], bank->size);
			k++;
		}
	}
	*out = buf;
	*size = n;
	return BC_OK;
}

static bc_status write_in(const char *dir, const char *file, const uint8_t *data, size_t size,
			  bc_error *err)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/%s", dir, file) < 0)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	return bc_write_file_atomic(path, data, size, 0644, err);
}

bc_status bc_evidence_write_tpm2_tools(const bc_evidence *ev, const char *dir, bc_error *err)
{
	_cleanup_free_ uint8_t *pcrs = NULL;
	size_t pcrs_size = 0;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return bc_fail(err, BC_E_IO, "%s: %s", dir, strerror(errno));
	bc_status s = tpm2_tools_pcrs(ev, &pcrs, &pcrs_size, err);
	if (s == BC_OK)
		s = write_in(dir, "quote.msg", ev->attest, ev->attest_size, err);
	if (s == BC_OK)
		s = write_in(dir, "quote.sig", ev->signature, ev->signature_size, err);
	if (s == BC_OK)
		s = write_in(dir, "quote.pcrs", pcrs, pcrs_size, err);
	if (s == BC_OK && ev->ak_public)
		s = write_in(dir, "ak.pub", ev->ak_public, ev->ak_public_size, err);
	return s;
}

/* Read tpm2_quote's PCR file into the selection and values of ev. */
static bc_status parse_tpm2_tools_pcrs(const uint8_t *p, size_t n, const char *name,
				       bc_evidence *ev, bc_error *err)
{
	if (n < TPML_SEL_SIZE + 4)
		return bc_fail(err, BC_E_FORMAT, "%s: %zu bytes, too short for a PCR file", name,
			       n);
	size_t banks = get_le(p, 4), lists = get_le(p + TPML_SEL_SIZE, 4);
	if (banks == 0 || banks > 16 || lists > 64 ||
	    n != TPML_SEL_SIZE + 4 + lists * TPML_DIGEST_SIZE)
		return bc_fail(err, BC_E_FORMAT, "%s: not a tpm2_quote PCR file (%zu bytes)", name,
			       n);
	size_t k = 0;
	for (size_t b = 0; b < banks; b++) {
		const uint8_t *s = p + 4 + b * SEL_SIZE;
		uint16_t alg = (uint16_t)get_le(s, 2);
		uint32_t mask = (uint32_t)get_le(s + 3, 3) & BC_PCR_ALL_MASK;
		const bc_hash_alg *a = bc_hash_alg_by_id(alg);
		bc_pcr_bank *bank;
		if (!a || s[2] != 3 ||
		    bc_pcr_selection_add(&ev->selection, alg, mask, err) != BC_OK ||
		    bc_pcr_values_add_bank(&ev->pcrs, alg, &bank, err) != BC_OK)
			return bc_fail(err, BC_E_FORMAT, "%s: bank %zu is not a known selection",
				       name, b);
		for (unsigned pcr = 0; pcr < BC_PCR_COUNT; pcr++) {
			if (!(mask & (1u << pcr)))
				continue;
			if (k / 8 >= lists)
				return bc_fail(err, BC_E_FORMAT, "%s: fewer values than PCRs",
					       name);
			const uint8_t *list = p + TPML_SEL_SIZE + 4 + (k / 8) * TPML_DIGEST_SIZE;
			const uint8_t *d = list + 4 + (k % 8) * DIGEST_SIZE;
			if (get_le(d, 2) != a->size)
				return bc_fail(err, BC_E_FORMAT, "%s: a %s value of %u bytes", name,
					       a->name, (unsigned)get_le(d, 2));
			memcpy(bank->values[pcr], d + 2, a->size);
			bank->mask |= 1u << pcr;
			k++;
		}
	}
	return BC_OK;
}

static bc_status read_capped(const char *path, size_t max, uint8_t **out, size_t *size,
			     bc_error *err)
{
	return bc_read_file(path, max, out, size, err);
}

bc_status bc_evidence_from_tpm2_tools(const char *message, const char *signature, const char *pcrs,
				      const char *log, bc_evidence **out, bc_error *err)
{
	_cleanup_(bc_evidence_freep) bc_evidence *ev = calloc(1, sizeof(*ev));
	_cleanup_free_ uint8_t *pcr_data = NULL;
	size_t pcr_size = 0;
	if (!ev)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	bc_status s =
	    read_capped(message, BC_EVIDENCE_MAX_ATTEST, &ev->attest, &ev->attest_size, err);
	if (s == BC_OK)
		s = read_capped(signature, BC_EVIDENCE_MAX_SIG, &ev->signature, &ev->signature_size,
				err);
	if (s == BC_OK)
		s = read_capped(pcrs, 1 << 20, &pcr_data, &pcr_size, err);
	if (s == BC_OK)
		s = parse_tpm2_tools_pcrs(pcr_data, pcr_size, pcrs, ev, err);
	if (s == BC_OK && log)
		s = read_capped(log, BC_EVIDENCE_MAX_LOG, &ev->eventlog, &ev->eventlog_size, err);
	if (s != BC_OK)
		return s;
	*out = TAKE_PTR(ev);
	return BC_OK;
}
