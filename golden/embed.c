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

#define HEADER_SIZE	 28
#define ENCODING_MAX	 ((size_t)16 << 20) /* far beyond any section: the size is told */
#define COFF_HEADER_SIZE 20
#define SECTION_SIZE	 40
#define PE32_MAGIC	 0x10b
#define PE32_PLUS_MAGIC	 0x20b
#define DIR_CERTIFICATES 4 /* IMAGE_DIRECTORY_ENTRY_SECURITY */
#define DIR_ENTRY_SIZE	 8

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

/* ---- the stage's PE headers ---- */

static bool read_u16(const uint8_t *p, size_t size, uint64_t at, uint16_t *v)
{
	if (at > size || size - at < 2)
		return false;
	*v = (uint16_t)(p[at] | p[at + 1] << 8);
	return true;
}

static bool read_u32(const uint8_t *p, size_t size, uint64_t at, uint32_t *v)
{
	if (at > size || size - at < 4)
		return false;
	*v = (uint32_t)p[at] | (uint32_t)p[at + 1] << 8 | (uint32_t)p[at + 2] << 16 |
	     (uint32_t)p[at + 3] << 24;
	return true;
}

/* The headers this needs, from the image's own fields. */
typedef struct pe_headers {
	uint64_t sections; /* offset of the section table */
	uint16_t section_count;
	uint64_t dirs;	    /* offset of the data directories */
	uint32_t dir_count; /* how many the optional header holds */
} pe_headers;

static bc_status bad_image(const char *name, uint64_t at, const char *why, bc_error *err)
{
	return bc_fail(err, BC_E_FORMAT, "%s: offset 0x%llx: %s", name, (unsigned long long)at,
		       why);
}

static bc_status read_headers(const uint8_t *p, size_t size, const char *name, pe_headers *h,
			      bc_error *err)
{
	uint32_t pe_at;
	uint16_t opt_size, magic;
	if (!read_u32(p, size, 0x3c, &pe_at))
		return bad_image(name, 0x3c, "no e_lfanew", err);
	uint64_t coff = (uint64_t)pe_at + 4, opt = coff + COFF_HEADER_SIZE;
	if (!read_u16(p, size, coff + 2, &h->section_count) ||
	    !read_u16(p, size, coff + 16, &opt_size) || !read_u16(p, size, opt, &magic))
		return bad_image(name, coff, "the COFF header is cut short", err);
	if (magic != PE32_MAGIC && magic != PE32_PLUS_MAGIC)
		return bad_image(name, opt, "neither a PE32 nor a PE32+ optional header", err);
	uint64_t count_at = opt + (magic == PE32_MAGIC ? 92 : 108);
	h->dirs = count_at + 4;
	if (count_at + 4 > opt + opt_size || !read_u32(p, size, count_at, &h->dir_count))
		return bad_image(name, opt, "the optional header has no data directories", err);
	/* only the directories that lie within the optional header count */
	uint64_t room = (opt + opt_size - h->dirs) / DIR_ENTRY_SIZE;
	if (h->dir_count > room)
		h->dir_count = (uint32_t)room;
	h->sections = opt + opt_size;
	if (h->sections > size || (size - h->sections) / SECTION_SIZE < (uint64_t)h->section_count)
		return bad_image(name, h->sections, "the section table is cut short", err);
	return BC_OK;
}

/* The certificate table (a signed image): its file offset and size, 0 when none. */
static bc_status find_certificates(const uint8_t *p, size_t size, const char *name,
				   const pe_headers *h, bc_stage_section *out, bc_error *err)
{
	uint32_t at, len;
	out->cert_entry = h->dirs + DIR_CERTIFICATES * DIR_ENTRY_SIZE;
	if (h->dir_count <= DIR_CERTIFICATES || !read_u32(p, size, out->cert_entry, &at) ||
	    !read_u32(p, size, out->cert_entry + 4, &len) || len == 0) {
		out->cert_offset = out->cert_size = 0;
		return BC_OK;
	}
	if (at == 0 || at > size || size - at < len)
		return bad_image(name, out->cert_entry,
				 "the certificate table lies outside the file", err);
	/* what follows the table would be cut with it (signers append it last) */
	if (size - at - len >= 8)
		return bad_image(name, at, "data after the certificate table", err);
	out->cert_offset = at;
	out->cert_size = len;
	return BC_OK;
}

/* The .bcchain entry of the section table; exactly one. */
static bc_status find_entry(const uint8_t *p, const char *name, const pe_headers *h,
			    uint64_t *entry, bc_error *err)
{
	size_t found = 0;
	for (uint16_t i = 0; i < h->section_count; i++) {
		uint64_t at = h->sections + (uint64_t)i * SECTION_SIZE;
		if (memcmp(p + at, BC_CORE_CHAIN_SECTION, 8) != 0)
			continue;
		*entry = at;
		found++;
	}
	if (found > 1)
		return bc_fail(err, BC_E_NOTFOUND,
			       "%s: %zu sections named " BC_CORE_CHAIN_SECTION ": which one?", name,
			       found);
	if (!found)
		return bc_fail(err, BC_E_NOTFOUND,
			       "%s: no section named " BC_CORE_CHAIN_SECTION
			       ": not a bootchain stage (efi/bootchain.efi)",
			       name);
	return BC_OK;
}

bc_status bc_stage_find_section(const void *image, size_t size, const char *name,
				bc_stage_section *out, bc_error *err)
{
	const uint8_t *p = image;
	bc_core_pe pe;
	bc_core_error cerr = {0};
	pe_headers h;
	uint64_t entry = 0;
	uint32_t virtual_size, raw_size, raw_at;
	*out = (bc_stage_section){.offset = 0};
	if (!bc_core_pe_detect(image, size))
		return bc_fail(err, BC_E_FORMAT,
			       "%s: not a PE image (no MZ header with a PE "
			       "signature): not a UEFI stage",
			       name);
	if (bc_core_pe_ranges(image, size, name, &pe, &cerr) != BC_CORE_OK)
		return bc_fail(err, cerr.status == BC_CORE_E_LIMIT ? BC_E_LIMIT : BC_E_FORMAT, "%s",
			       cerr.msg);
	bc_status s = read_headers(p, size, name, &h, err);
	if (s == BC_OK)
		s = find_certificates(p, size, name, &h, out, err);
	if (s == BC_OK)
		s = find_entry(p, name, &h, &entry, err);
	if (s != BC_OK)
		return s;
	if (!read_u32(p, size, entry + 8, &virtual_size) ||
	    !read_u32(p, size, entry + 16, &raw_size) || !read_u32(p, size, entry + 20, &raw_at))
		return bad_image(name, entry, "the section header is cut short", err);
	uint64_t end = out->cert_size ? out->cert_offset : size;
	if (raw_size == 0 || raw_at == 0 || raw_at > end || end - raw_at < raw_size)
		return bad_image(name, entry,
				 "the " BC_CORE_CHAIN_SECTION " section has no raw data within "
				 "the image",
				 err);
	out->offset = raw_at;
	out->raw_size = raw_size;
	/* the loader maps VirtualSize bytes: the stage sees no more than that */
	out->size = virtual_size && virtual_size < raw_size ? virtual_size : raw_size;
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
