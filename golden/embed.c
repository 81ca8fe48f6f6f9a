/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `golden embed`: the chain a UEFI stage (bootchain.efi) carries in its own image, the
 * .bcchain section of bootchain-bcchain(5), so that the stage's Secure Boot signature
 * covers the golden values. The encoding is written here and read back with the core's
 * own parser (freestanding/chain.c), which the stage runs: one definition of the format.
 *
 * The stage image is input too: it is parsed with the core's Authenticode parser first,
 * and its headers are then read again here, each field within bounds, to find the
 * section and the certificate table.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/core.h>
#include <bootchain/golden.h>
#include <bootchain/measure.h>

#include "util/buf.h"
#include "util/cleanup.h"

#define HEADER_SIZE    28
#define ENCODING_MAX   ((size_t)16 << 20) /* far beyond any section: the size is told */
#define DIR_ENTRY_SIZE 8		  /* the certificate table's data directory entry */

/* ---- the encoding ---- */

static void put_u16(bc_buf *b, uint16_t v)
{
	uint8_t le[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	bc_buf_append(b, le, 2);
}

static void put_u32(bc_buf *b, uint32_t v)
{
	uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	bc_buf_append(b, le, 4);
}

static void put_string(bc_buf *b, const char *s)
{
	put_u16(b, (uint16_t)strlen(s));
	bc_buf_append(b, s, strlen(s));
}

/* The banks the stage computes: those of the core. */
static bool stage_bank(uint16_t alg)
{
	return alg == BC_CORE_ALG_SHA1 || alg == BC_CORE_ALG_SHA256 || alg == BC_CORE_ALG_SHA384;
}

static bc_status layer_error(const bc_chain *chain, const bc_chain_layer *l, bc_status s,
			     bc_error *err, const char *fmt, ...) BC_PRINTF(5, 6);
static bc_status layer_error(const bc_chain *chain, const bc_chain_layer *l, bc_status s,
			     bc_error *err, const char *fmt, ...)
{
	char what[BC_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return bc_fail(err, s, "layer %s (%s:%u): %s", l->layer.name, chain->name, l->line, what);
}

/* A '..', '.' or empty component means nothing, or a file outside the volume. */
static bool clean_components(const char *path)
{
	for (const char *p = path + 1;; p++) {
		size_t len = strcspn(p, "\\");
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += len;
		if (!*p)
			return true;
	}
}

/* The chain's FILE as the stage opens it: from its volume's root, '\' separated. */
static bc_status stage_path(const bc_chain *chain, const bc_chain_layer *l,
			    char out[BC_CORE_FILE_MAX + 1], bc_error *err)
{
	const char *file = l->layer.file;
	size_t len = strlen(file) + (file[0] != '\\');
	if (file[0] == '/') {
		return layer_error(
		    chain, l, BC_E_INVALID, err,
		    "%s is a path of this machine, which means nothing on the stage's "
		    "volume: write it from the volume's root (EFI/Linux/linux.efi)",
		    file);
	}
	if (len > BC_CORE_FILE_MAX) {
		return layer_error(chain, l, BC_E_LIMIT, err,
				   "the path %.64s... is %zu bytes on the volume, at most %d", file,
				   len, BC_CORE_FILE_MAX);
	}
	size_t n = 0;
	if (file[0] != '\\')
		out[n++] = '\\';
	for (const char *p = file; *p; p++)
		out[n++] = *p == '/' ? '\\' : *p;
	out[n] = 0;
	if (!clean_components(out)) {
		return layer_error(chain, l, BC_E_INVALID, err,
				   "the path %s has an empty, '.' or '..' component: name the file "
				   "from the volume's root",
				   file);
	}
	return BC_OK;
}

/* The digests of a version in the stage's banks: their count, at most BC_CORE_MAX_BANKS. */
static size_t stage_digests(const bc_golden_version *v, const bc_digest **out)
{
	size_t n = 0;
	for (size_t i = 0; i < v->digests.count && n < BC_CORE_MAX_BANKS; i++) {
		const bc_digest *d = &v->digests.digests[i];
		if (stage_bank(d->alg) && d->size == bc_core_hash_size(d->alg))
			out[n++] = d;
	}
	return n;
}

static bc_status put_versions(const bc_chain *chain, const bc_chain_layer *l,
			      const bc_golden_component *c, bc_buf *b, bc_error *err)
{
	if (c->version_count > BC_CORE_CHAIN_MAX_VERSIONS) {
		return layer_error(chain, l, BC_E_LIMIT, err,
				   "%zu versions, a stage takes at most %d", c->version_count,
				   BC_CORE_CHAIN_MAX_VERSIONS);
	}
	put_u16(b, (uint16_t)c->version_count);
	for (size_t v = 0; v < c->version_count; v++) {
		const bc_digest *d[BC_CORE_MAX_BANKS];
		size_t n = stage_digests(&c->versions[v], d);
		if (n == 0) {
			return layer_error(
			    chain, l, BC_E_INVALID, err,
			    "version %zu of the component has no digest in sha1, sha256 or "
			    "sha384, the banks the stage computes",
			    v + 1);
		}
		put_u16(b, (uint16_t)n);
		for (size_t i = 0; i < n; i++) {
			put_u16(b, d[i]->alg);
			put_u16(b, d[i]->size);
			bc_buf_append(b, d[i]->bytes, d[i]->size);
		}
	}
	return BC_OK;
}

static bc_status put_layer(const bc_golden *db, const bc_chain *chain, const bc_chain_layer *l,
			   bc_buf *b, bc_error *err)
{
	const bc_golden_component *c = bc_golden_find(db, l->layer.name);
	char file[BC_CORE_FILE_MAX + 1];
	if (!c)
		return layer_error(chain, l, BC_E_INVALID, err,
				   "the golden database has no component of that name");
	if (c->pcr != l->layer.pcr) {
		return layer_error(chain, l, BC_E_INVALID, err,
				   "PCR %u, the golden database has the component in PCR %u",
				   l->layer.pcr, c->pcr);
	}
	if (strlen(l->layer.name) > BC_CORE_NAME_MAX) {
		return layer_error(chain, l, BC_E_LIMIT, err,
				   "a name of %zu bytes, a stage takes at most %d",
				   strlen(l->layer.name), BC_CORE_NAME_MAX);
	}
	bc_status s = stage_path(chain, l, file, err);
	if (s != BC_OK)
		return s;
	put_string(b, l->layer.name);
	put_string(b, file);
	put_u32(b, l->layer.pcr);
	put_u32(b, l->layer.event_type);
	bc_buf_append(b, (uint8_t[]){(uint8_t)l->layer.kind, 0}, 2);
	return put_versions(chain, l, c, b, err);
}

/* The parsed encoding says what was meant: the core reads what we wrote. */
static bool parsed_as_written(const bc_core_chain *parsed, const bc_chain *chain,
			      const bc_embed_options *o)
{
	bool same = parsed->count == chain->count &&
		    parsed->flags == (o->measured ? 0 : BC_CORE_CHAIN_TRUSTED) &&
		    parsed->timeout == o->timeout && (uint32_t)parsed->on_halt == o->on_halt;
	for (size_t i = 0; same && i < chain->count; i++) {
		const bc_core_chain_layer *p = &parsed->layers[i];
		const bc_layer *l = &chain->layers[i].layer;
		same = strcmp(p->name, l->name) == 0 && p->pcr == l->pcr &&
		       p->event_type == l->event_type && (int)p->kind == (int)l->kind;
	}
	return same;
}

bc_status bc_golden_embed_encode(const bc_golden *db, const bc_chain *chain,
				 const bc_embed_options *o, uint8_t **out, size_t *size,
				 bc_error *err)
{
	_cleanup_(bc_buf_free) bc_buf b = {0};
	bc_status s = BC_OK;
	if (chain->count > BC_CORE_CHAIN_MAX_LAYERS)
		return bc_fail(err, BC_E_LIMIT, "%s: %zu layers, a stage takes at most %d",
			       chain->name, chain->count, BC_CORE_CHAIN_MAX_LAYERS);
	if (o->on_halt > BC_CORE_HALT_POWEROFF)
		return bc_fail(err, BC_E_INVALID, "halt action %u: 0, 1 or 2", o->on_halt);
	bc_buf_init(&b, ENCODING_MAX);
	bc_buf_append(&b, BC_CORE_CHAIN_MAGIC, 8);
	put_u32(&b, 0); /* the size, once known */
	put_u32(&b, o->measured ? 0 : BC_CORE_CHAIN_TRUSTED);
	put_u32(&b, o->timeout);
	put_u32(&b, o->on_halt);
	put_u32(&b, (uint32_t)chain->count);
	for (size_t i = 0; s == BC_OK && i < chain->count; i++)
		s = put_layer(db, chain, &chain->layers[i], &b, err);
	if (s == BC_OK)
		s = bc_buf_status(&b, err, "the embedded chain");
	if (s != BC_OK)
		return s;
	for (int i = 0; i < 4; i++)
		b.data[8 + i] = (uint8_t)(b.len >> (8 * i));
	bc_core_chain parsed;
	bc_core_error cerr = {0};
	if (bc_core_chain_parse(b.data, b.len, &parsed, &cerr) != BC_CORE_OK)
		return bc_fail(err, BC_E_FORMAT, "the encoded chain does not parse back: %s",
			       cerr.msg);
	if (!parsed_as_written(&parsed, chain, o))
		return bc_fail(err, BC_E_FORMAT, "the encoded chain parses back as another chain");
	*size = b.len;
	*out = TAKE_PTR(b.data);
	return BC_OK;
}

/* ---- the stage's .bcchain section ---- */

/* The .bcchain section among those the core's parse found (with raw data); exactly one. */
static bc_status find_entry(const bc_core_pe *pe, const char *name,
			    const bc_core_pe_section **found, bc_error *err)
{
	size_t count = 0;
	for (size_t i = 0; i < pe->section_count; i++) {
		if (strcmp(pe->sections[i].name, BC_CORE_CHAIN_SECTION) != 0)
			continue;
		*found = &pe->sections[i];
		count++;
	}
	if (count > 1)
		return bc_fail(err, BC_E_NOTFOUND,
			       "%s: %zu sections named " BC_CORE_CHAIN_SECTION ": which one?", name,
			       count);
	if (!count)
		return bc_fail(err, BC_E_NOTFOUND,
			       "%s: no section named " BC_CORE_CHAIN_SECTION
			       " with raw data: not a bootchain stage (efi/bootchain.efi)",
			       name);
	return BC_OK;
}

bc_status bc_stage_find_section(const void *image, size_t size, const char *name,
				bc_stage_section *out, bc_error *err)
{
	bc_core_pe pe;
	bc_core_error cerr = {0};
	const bc_core_pe_section *sec = NULL;
	*out = (bc_stage_section){.offset = 0};
	if (!bc_core_pe_detect(image, size))
		return bc_fail(err, BC_E_FORMAT,
			       "%s: not a PE image (no MZ header with a PE "
			       "signature): not a UEFI stage",
			       name);
	/* the core checks every header, the sections and the certificate table */
	if (bc_core_pe_ranges(image, size, name, &pe, &cerr) != BC_CORE_OK)
		return bc_fail(err, cerr.status == BC_CORE_E_LIMIT ? BC_E_LIMIT : BC_E_FORMAT, "%s",
			       cerr.msg);
	bc_status s = find_entry(&pe, name, &sec, err);
	if (s != BC_OK)
		return s;
	out->offset = sec->offset;
	out->raw_size = (uint32_t)sec->size;
	/* the loader maps VirtualSize bytes: the stage sees no more than that */
	out->size = sec->virtual_size && sec->virtual_size < sec->size ? sec->virtual_size
								       : (uint32_t)sec->size;
	out->cert_offset = pe.cert_offset;
	out->cert_size = (uint32_t)pe.cert_size;
	out->cert_entry = pe.cert_entry_at;
	return BC_OK;
}

/* ---- writing the chain into the stage ---- */

bc_status bc_golden_embed(const void *stage, size_t size, const char *name, const void *chain,
			  size_t chain_size, uint8_t **out, size_t *out_size, bool *unsigned_now,
			  bc_error *err)
{
	bc_stage_section sec;
	bc_core_error cerr = {0};
	bc_core_chain parsed;
	bc_core_pe pe;
	bc_status s = bc_stage_find_section(stage, size, name, &sec, err);
	if (s != BC_OK)
		return s;
	if (chain_size > sec.size)
		return bc_fail(err, BC_E_LIMIT,
			       "the chain is %zu bytes, the " BC_CORE_CHAIN_SECTION
			       " section of %s holds %u: fewer layers or versions",
			       chain_size, name, sec.size);
	size_t new_size = sec.cert_size ? (size_t)sec.cert_offset : size;
	_cleanup_free_ uint8_t *copy = malloc(new_size ? new_size : 1);
	if (!copy)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	memcpy(copy, stage, new_size);
	memcpy(copy + sec.offset, chain, chain_size);
	memset(copy + sec.offset + chain_size, 0, sec.raw_size - chain_size);
	if (sec.cert_size)
		memset(copy + sec.cert_entry, 0, DIR_ENTRY_SIZE);
	/* what the stage will see, as it will see it */
	if (bc_core_pe_ranges(copy, new_size, name, &pe, &cerr) != BC_CORE_OK ||
	    bc_core_chain_parse(copy + sec.offset, sec.size, &parsed, &cerr) != BC_CORE_OK)
		return bc_fail(err, BC_E_FORMAT, "%s with the chain: %s", name, cerr.msg);
	*unsigned_now = sec.cert_size != 0;
	*out_size = new_size;
	*out = TAKE_PTR(copy);
	return BC_OK;
}
