/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The chain a stage carries in its own image (the .bcchain section, bootchain-bcchain(5))
 * and the golden lookup over it. The section is covered by the stage's Secure Boot
 * signature, but it is parsed as untrusted input all the same: an unsigned stage, a
 * stage signed with a leaked key or a bug in `golden embed` must give a clear error,
 * never a read out of bounds. Every length is checked before it is read.
 */
#include <bootchain/core.h>

#define HEADER_SIZE  28
#define LAYER_FIXED  12 /* pcr, event type, kind, 0, version count */
#define PCR_COUNT    24
#define EV_NO_ACTION 3

typedef struct reader {
	const uint8_t *data;
	size_t size, pos;
} reader;

static bool take(reader *r, size_t n, const uint8_t **p)
{
	if (n > r->size - r->pos)
		return false;
	*p = r->data + r->pos;
	r->pos += n;
	return true;
}

static bool take_u8(reader *r, uint8_t *v)
{
	const uint8_t *p;
	if (!take(r, 1, &p))
		return false;
	*v = p[0];
	return true;
}

static bool take_u16(reader *r, uint16_t *v)
{
	const uint8_t *p;
	if (!take(r, 2, &p))
		return false;
	*v = (uint16_t)(p[0] | p[1] << 8);
	return true;
}

static bool take_u32(reader *r, uint32_t *v)
{
	const uint8_t *p;
	if (!take(r, 4, &p))
		return false;
	*v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return true;
}

static bc_core_status truncated(bc_core_error *err, const reader *r, const char *what)
{
	return bc_core_fail(err, BC_CORE_E_FORMAT,
			    "offset %zu: the chain ends inside %s (its size is %zu bytes)", r->pos,
			    what, r->size);
}

/* A length-prefixed string into out (NUL-terminated), at most max bytes, no NUL inside. */
static bc_core_status take_string(reader *r, const char *what, size_t max, char *out,
				  bc_core_error *err)
{
	size_t at = r->pos;
	uint16_t len;
	const uint8_t *p;
	if (!take_u16(r, &len) || !take(r, len, &p))
		return truncated(err, r, what);
	if (len == 0 || len > max)
		return bc_core_fail(err, BC_CORE_E_FORMAT,
				    "offset %zu: %s of %u bytes (1 to %zu allowed)", at, what, len,
				    max);
	for (size_t i = 0; i < len; i++)
		if (p[i] == 0)
			return bc_core_fail(err, BC_CORE_E_FORMAT, "offset %zu: %s holds a NUL",
					    at + 2 + i, what);
	bc_core_memcpy(out, p, len);
	out[len] = 0;
	return BC_CORE_OK;
}

/* One version: its digests, each of a known algorithm and of that algorithm's size. */
static bc_core_status check_version(reader *r, const char *layer, bc_core_error *err)
{
	size_t at = r->pos;
	uint16_t count;
	if (!take_u16(r, &count))
		return truncated(err, r, "a version");
	if (count == 0 || count > BC_CORE_MAX_BANKS)
		return bc_core_fail(err, BC_CORE_E_FORMAT,
				    "offset %zu: layer %s: a version of %u digests (1 to %d)", at,
				    layer, count, BC_CORE_MAX_BANKS);
	for (uint16_t i = 0; i < count; i++) {
		size_t digest_at = r->pos;
		uint16_t alg, size;
		const uint8_t *bytes;
		if (!take_u16(r, &alg) || !take_u16(r, &size) || !take(r, size, &bytes))
			return truncated(err, r, "a digest");
		if (bc_core_hash_size(alg) == 0 || bc_core_hash_size(alg) != size)
			return bc_core_fail(
			    err, BC_CORE_E_FORMAT,
			    "offset %zu: layer %s: a digest of algorithm 0x%04x and "
			    "%u bytes",
			    digest_at, layer, alg, size);
	}
	return BC_CORE_OK;
}

static bc_core_status parse_layer(reader *r, bc_core_chain_layer *l, bc_core_error *err)
{
	size_t at;
	uint8_t kind, zero;
	bc_core_status s;
	if ((s = take_string(r, "a layer name", BC_CORE_NAME_MAX, l->name, err)) != BC_CORE_OK ||
	    (s = take_string(r, "a file path", BC_CORE_FILE_MAX, l->file, err)) != BC_CORE_OK)
		return s;
	at = r->pos;
	if (!take_u32(r, &l->pcr) || !take_u32(r, &l->event_type) || !take_u8(r, &kind) ||
	    !take_u8(r, &zero) || !take_u16(r, &l->version_count))
		return truncated(err, r, "a layer");
	if (l->pcr >= PCR_COUNT)
		return bc_core_fail(err, BC_CORE_E_FORMAT, "offset %zu: layer %s: PCR %u", at,
				    l->name, l->pcr);
	if (kind > BC_CORE_KIND_PE || zero != 0)
		return bc_core_fail(err, BC_CORE_E_FORMAT, "offset %zu: layer %s: kind %u", at + 8,
				    l->name, kind);
	/* never extended, or the digest of their own data: `golden embed` refuses them */
	if (l->event_type == EV_NO_ACTION || l->event_type == BC_CORE_EV_SEPARATOR)
		return bc_core_fail(err, BC_CORE_E_FORMAT, "offset %zu: layer %s: event type 0x%x",
				    at + 4, l->name, l->event_type);
	if (l->version_count > BC_CORE_CHAIN_MAX_VERSIONS)
		return bc_core_fail(err, BC_CORE_E_FORMAT,
				    "offset %zu: layer %s: %u versions (at most %d)", at + 10,
				    l->name, l->version_count, BC_CORE_CHAIN_MAX_VERSIONS);
	l->kind = (bc_core_kind)kind;
	l->versions = r->data + r->pos;
	for (uint16_t v = 0; v < l->version_count; v++)
		if ((s = check_version(r, l->name, err)) != BC_CORE_OK)
			return s;
	l->versions_size = (size_t)(r->data + r->pos - l->versions);
	return BC_CORE_OK;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static bc_core_status parse_header(reader *r, bc_core_chain *out, uint32_t *layers,
				   bc_core_error *err)
{
	const uint8_t *magic;
	uint32_t size, on_halt;
	if (r->size >= 8 && all_zero(r->data, r->size))
		return bc_core_fail(err, BC_CORE_E_FORMAT,
				    "no chain is embedded (the section is empty: run bootchain "
				    "golden embed)");
	if (!take(r, 8, &magic) || !take_u32(r, &size) || !take_u32(r, &out->flags) ||
	    !take_u32(r, &out->timeout) || !take_u32(r, &on_halt) || !take_u32(r, layers))
		return truncated(err, r, "the header");
	if (bc_core_memcmp(magic, BC_CORE_CHAIN_MAGIC, 8) != 0)
		return bc_core_fail(err, BC_CORE_E_FORMAT,
				    "offset 0: not an embedded chain (no BCCHAIN1 magic)");
	if (size < HEADER_SIZE || size > r->size)
		return bc_core_fail(err, BC_CORE_E_FORMAT,
				    "offset 8: a chain of %u bytes in %zu bytes of section", size,
				    r->size);
	if (out->flags & ~BC_CORE_CHAIN_TRUSTED)
		return bc_core_fail(err, BC_CORE_E_FORMAT, "offset 12: unknown flags 0x%x",
				    out->flags);
	if (on_halt > BC_CORE_HALT_POWEROFF)
		return bc_core_fail(err, BC_CORE_E_FORMAT, "offset 20: unknown halt action %u",
				    on_halt);
	if (*layers == 0 || *layers > BC_CORE_CHAIN_MAX_LAYERS)
		return bc_core_fail(err, BC_CORE_E_FORMAT, "offset 24: %u layers (1 to %d)",
				    *layers, BC_CORE_CHAIN_MAX_LAYERS);
	out->on_halt = (bc_core_on_halt)on_halt;
	r->size = size; /* the layers must lie within the encoding */
	return BC_CORE_OK;
}

bc_core_status bc_core_chain_parse(const void *data, size_t size, bc_core_chain *out,
				   bc_core_error *err)
{
	reader r = {.data = data, .size = size};
	size_t section_size = size;
	uint32_t layers = 0;
	bc_core_memset(out, 0, sizeof(*out));
	if (!data)
		return bc_core_fail(err, BC_CORE_E_INVALID, "no chain data");
	bc_core_status s = parse_header(&r, out, &layers, err);
	for (uint32_t i = 0; s == BC_CORE_OK && i < layers; i++) {
		s = parse_layer(&r, &out->layers[i], err);
		out->count = i + 1;
	}
	if (s == BC_CORE_OK && r.pos != r.size)
		s = bc_core_fail(err, BC_CORE_E_FORMAT,
				 "offset %zu: %zu bytes after the last layer", r.pos,
				 r.size - r.pos);
	if (s == BC_CORE_OK && !all_zero(r.data + r.size, section_size - r.size))
		s = bc_core_fail(err, BC_CORE_E_FORMAT,
				 "offset %zu: the section is not zero after the chain", r.size);
	/* a refused chain has no layers, whatever parsed before the defect */
	if (s != BC_CORE_OK)
		out->count = 0;
	return s;
}

/* ---- the golden lookup ---- */

/* The digests of the next version, one at a time (the encoding was checked by parse). */
static bool next_digest(reader *r, uint16_t *alg, uint16_t *size, const uint8_t **bytes)
{
	return take_u16(r, alg) && take_u16(r, size) && take(r, *size, bytes);
}

/* 1: every digest the version has in a bank of digests is equal, and it has one;
 * 0: one differs; -1: it has none in those banks. r is left after the version. */
static int compare_version(reader *r, const bc_core_digests *digests)
{
	uint16_t count = 0, alg, size;
	const uint8_t *bytes;
	int result = -1;
	take_u16(r, &count);
	for (uint16_t i = 0; i < count && next_digest(r, &alg, &size, &bytes); i++) {
		for (size_t k = 0; k < digests->count; k++) {
			const bc_core_digest *have = &digests->d[k];
			if (have->alg != alg)
				continue;
			if (have->size != size || bc_core_memcmp(have->bytes, bytes, size) != 0)
				result = 0;
			else if (result != 0)
				result = 1;
		}
	}
	return result;
}

bc_core_verdict bc_core_layer_match(const bc_core_chain_layer *layer,
				    const bc_core_digests *digests, size_t *version)
{
	reader r = {.data = layer->versions, .size = layer->versions_size};
	bool any_common = false;
	for (size_t v = 0; v < layer->version_count; v++) {
		int c = compare_version(&r, digests);
		if (c == 1) {
			if (version)
				*version = v;
			return BC_CORE_MATCH;
		}
		any_common |= c == 0;
	}
	return any_common ? BC_CORE_DIFFERS : BC_CORE_NO_COMMON_BANK;
}

const uint8_t *bc_core_version_digest(const bc_core_chain_layer *layer, size_t index, uint16_t alg,
				      size_t *size)
{
	reader r = {.data = layer->versions, .size = layer->versions_size};
	for (size_t v = 0; v < layer->version_count && v <= index; v++) {
		uint16_t count = 0, a, n;
		const uint8_t *bytes;
		take_u16(&r, &count);
		for (uint16_t i = 0; i < count && next_digest(&r, &a, &n, &bytes); i++)
			if (v == index && a == alg) {
				*size = n;
				return bytes;
			}
	}
	return 0;
}
