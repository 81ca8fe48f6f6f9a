/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

/* SHA1_Init() and its siblings are deprecated in OpenSSL 3 in favour of EVP, but EVP
 * frees and reallocates its context on every init (and the one-shot SHA256() fetches
 * the algorithm on every call), which costs more than the two compression rounds of
 * one PCR extend: replaying a large log was dominated by it. bc_extend_value() is
 * the one user. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <bootchain/digest.h>

#include "util/cleanup.h"
#include "util/hex.h"
#include "pcr/digest-internal.h"

typedef struct alg_entry {
	bc_hash_alg alg;
	const char *openssl_name;
} alg_entry;

static const alg_entry algs[] = {
    {{BC_ALG_SHA1, "sha1", 20}, "SHA1"},
    {{BC_ALG_SHA256, "sha256", 32}, "SHA256"},
    {{BC_ALG_SHA384, "sha384", 48}, "SHA384"},
    {{BC_ALG_SHA512, "sha512", 64}, "SHA512"},
    {{BC_ALG_SM3_256, "sm3_256", 32}, "SM3"},
    {{BC_ALG_SHA3_256, "sha3_256", 32}, "SHA3-256"},
    {{BC_ALG_SHA3_384, "sha3_384", 48}, "SHA3-384"},
    {{BC_ALG_SHA3_512, "sha3_512", 64}, "SHA3-512"},
};

/* EVP_MD_fetch is slow; fetch every algorithm once and keep it for the process. */
static EVP_MD *fetched[ELEMENTSOF(algs)];
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_all(void)
{
	for (size_t i = 0; i < ELEMENTSOF(algs); i++)
		fetched[i] = EVP_MD_fetch(NULL, algs[i].openssl_name, NULL);
}

static int alg_index(uint16_t id)
{
	for (size_t i = 0; i < ELEMENTSOF(algs); i++)
		if (algs[i].alg.id == id)
			return (int)i;
	return -1;
}

const EVP_MD *bc_hash_alg_md(uint16_t id)
{
	int i = alg_index(id);
	if (i < 0)
		return NULL;
	pthread_once(&fetch_once, fetch_all);
	return fetched[i];
}

const bc_hash_alg *bc_hash_alg_by_id(uint16_t id)
{
	int i = alg_index(id);
	return i < 0 ? NULL : &algs[i].alg;
}

const bc_hash_alg *bc_hash_alg_by_name(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(algs); i++)
		if (strcasecmp(algs[i].alg.name, name) == 0)
			return &algs[i].alg;
	/* tpm2-tools also takes numeric ids: "0x000b", "11" */
	if (*name < '0' || *name > '9')
		return NULL;
	char *end;
	errno = 0;
	unsigned long id = strtoul(name, &end, 0);
	if (errno || *end || id > 0xffff)
		return NULL;
	return bc_hash_alg_by_id((uint16_t)id);
}

const char *bc_hash_alg_name(uint16_t id)
{
	const bc_hash_alg *a = bc_hash_alg_by_id(id);
	return a ? a->name : NULL;
}

bool bc_hash_alg_available(uint16_t id)
{
	return bc_hash_alg_md(id) != NULL;
}

const bc_digest *bc_digest_set_find(const bc_digest_set *set, uint16_t alg)
{
	for (size_t i = 0; i < set->count; i++)
		if (set->digests[i].alg == alg)
			return &set->digests[i];
	return NULL;
}

bc_status bc_digest_set_put(bc_digest_set *set, const bc_digest *d, bc_error *err)
{
	for (size_t i = 0; i < set->count; i++) {
		if (set->digests[i].alg == d->alg) {
			set->digests[i] = *d;
			return BC_OK;
		}
	}
	if (set->count >= BC_MAX_BANKS)
		return bc_fail(err, BC_E_LIMIT, "more than %d banks", BC_MAX_BANKS);
	set->digests[set->count++] = *d;
	return BC_OK;
}

/* One "ALG:HEX" item of a digest list. */
static bc_status parse_one_digest(const char *item, size_t len, bc_digest *out, bc_error *err)
{
	const char *colon = memchr(item, ':', len);
	if (!colon)
		return bc_fail(err, BC_E_INVALID, "'%.*s': expected ALG:HEX", (int)len, item);
	char name[32];
	size_t nlen = (size_t)(colon - item);
	if (nlen == 0 || nlen >= sizeof(name))
		return bc_fail(err, BC_E_INVALID, "'%.*s': missing or overlong algorithm name",
			       (int)len, item);
	memcpy(name, item, nlen);
	name[nlen] = 0;
	const bc_hash_alg *alg = bc_hash_alg_by_name(name);
	if (!alg)
		return bc_fail(err, BC_E_INVALID, "unknown hash algorithm '%s'", name);
	const char *hex = colon + 1;
	size_t hexlen = len - nlen - 1;
	if (hexlen >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) {
		hex += 2;
		hexlen -= 2;
	}
	size_t n;
	*out = (bc_digest){.alg = alg->id, .size = alg->size};
	if (!bc_hex_decode(hex, hexlen, out->bytes, sizeof(out->bytes), &n) || n != alg->size)
		return bc_fail(err, BC_E_INVALID,
			       "%s digest must be %u bytes (%u hex digits): '%.*s'", alg->name,
			       alg->size, 2u * alg->size, (int)hexlen, hex);
	return BC_OK;
}

bc_status bc_digest_set_parse(const char *text, bc_digest_set *out, bc_error *err)
{
	*out = (bc_digest_set){0};
	if (!*text)
		return bc_fail(err, BC_E_INVALID, "empty digest list");
	const char *p = text;
	for (;;) {
		size_t len = strcspn(p, ",");
		bc_digest d;
		bc_status s = parse_one_digest(p, len, &d, err);
		if (s != BC_OK)
			return s;
		if (bc_digest_set_find(out, d.alg))
			return bc_fail(err, BC_E_INVALID, "bank %s given twice",
				       bc_hash_alg_name(d.alg));
		if ((s = bc_digest_set_put(out, &d, err)) != BC_OK)
			return s;
		if (!p[len])
			return BC_OK;
		p += len + 1;
	}
}

bc_status bc_digest_compute(uint16_t alg, const void *data, size_t len, bc_digest *out,
			    bc_error *err)
{
	const bc_hash_alg *a = bc_hash_alg_by_id(alg);
	const EVP_MD *md = bc_hash_alg_md(alg);
	if (!a || !md)
		return bc_fail(err, BC_E_UNSUPPORTED, "hash algorithm 0x%04x is not available",
			       alg);
	unsigned int n = 0;
	*out = (bc_digest){.alg = alg, .size = a->size};
	if (!EVP_Digest(data, len, out->bytes, &n, md, NULL) || n != a->size)
		return bc_fail(err, BC_E_UNSUPPORTED, "OpenSSL failed to compute %s", a->name);
	return BC_OK;
}

struct bc_hasher {
	size_t count;
	uint16_t algs[BC_MAX_BANKS];
	EVP_MD_CTX *ctx[BC_MAX_BANKS];
};

void bc_hasher_free(bc_hasher *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->count; i++)
		EVP_MD_CTX_free(h->ctx[i]);
	free(h);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(bc_hasher *, bc_hasher_free)

bc_status bc_hasher_new(const uint16_t *alg_ids, size_t count, bc_hasher **out, bc_error *err)
{
	if (count == 0 || count > BC_MAX_BANKS)
		return bc_fail(err, BC_E_INVALID, "hash %zu banks: need 1 to %d", count,
			       BC_MAX_BANKS);
	_cleanup_(bc_hasher_freep) bc_hasher *h = calloc(1, sizeof(*h));
	if (!h)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < count; i++) {
		const EVP_MD *md = bc_hash_alg_md(alg_ids[i]);
		if (!md)
			return bc_fail(err, BC_E_UNSUPPORTED, "hash algorithm %s is not available",
				       bc_hash_alg_name(alg_ids[i]) ?: "(unknown)");
		h->ctx[i] = EVP_MD_CTX_new();
		if (!h->ctx[i])
			return bc_fail(err, BC_E_NOMEM, "out of memory");
		h->count = i + 1;
		h->algs[i] = alg_ids[i];
		if (!EVP_DigestInit_ex(h->ctx[i], md, NULL))
			return bc_fail(err, BC_E_UNSUPPORTED, "OpenSSL cannot start %s",
				       bc_hash_alg_name(alg_ids[i]));
	}
	*out = TAKE_PTR(h);
	return BC_OK;
}

bc_status bc_hasher_update(bc_hasher *h, const void *data, size_t len, bc_error *err)
{
	for (size_t i = 0; i < h->count; i++)
		if (!EVP_DigestUpdate(h->ctx[i], data, len))
			return bc_fail(err, BC_E_UNSUPPORTED, "OpenSSL failed to hash");
	return BC_OK;
}

bc_status bc_hasher_final(bc_hasher *h, bc_digest_set *out, bc_error *err)
{
	*out = (bc_digest_set){.count = h->count};
	for (size_t i = 0; i < h->count; i++) {
		bc_digest *d = &out->digests[i];
		unsigned int n = 0;
		d->alg = h->algs[i];
		if (!EVP_DigestFinal_ex(h->ctx[i], d->bytes, &n) ||
		    !EVP_DigestInit_ex(h->ctx[i], NULL, NULL))
			return bc_fail(err, BC_E_UNSUPPORTED, "OpenSSL failed to finish a digest");
		d->size = (uint16_t)n;
	}
	return BC_OK;
}

/* Large reads keep the per-call overhead small; the buffer is reused for the whole file. */
#define HASH_FILE_CHUNK (256 * 1024)

bc_status bc_hash_file(const char *path, const uint16_t *alg_ids, size_t count, bc_digest_set *out,
		       bc_error *err)
{
	_cleanup_(bc_hasher_freep) bc_hasher *h = NULL;
	bc_status s = bc_hasher_new(alg_ids, count, &h, err);
	if (s != BC_OK)
		return s;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	_cleanup_free_ uint8_t *chunk = malloc(HASH_FILE_CHUNK);
	if (!chunk)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (;;) {
		ssize_t n = read(fd, chunk, HASH_FILE_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
		if (n == 0)
			break;
		if ((s = bc_hasher_update(h, chunk, (size_t)n, err)) != BC_OK)
			return s;
	}
	return bc_hasher_final(h, out, err);
}

const char *bc_digest_hex(const bc_digest *d, char *buf)
{
	size_t n = d->size <= BC_MAX_DIGEST_SIZE ? d->size : BC_MAX_DIGEST_SIZE;
	return bc_hex_encode(d->bytes, n, buf);
}

bool bc_extend_value(uint16_t alg, uint16_t size, uint8_t *value, const uint8_t *digest)
{
	unsigned int n = 0;
	switch (alg) {
	case BC_ALG_SHA1: {
		SHA_CTX c;
		return SHA1_Init(&c) && SHA1_Update(&c, value, size) &&
		       SHA1_Update(&c, digest, size) && SHA1_Final(value, &c);
	}
	case BC_ALG_SHA256: {
		SHA256_CTX c;
		return SHA256_Init(&c) && SHA256_Update(&c, value, size) &&
		       SHA256_Update(&c, digest, size) && SHA256_Final(value, &c);
	}
	case BC_ALG_SHA384: {
		SHA512_CTX c;
		return SHA384_Init(&c) && SHA384_Update(&c, value, size) &&
		       SHA384_Update(&c, digest, size) && SHA384_Final(value, &c);
	}
	case BC_ALG_SHA512: {
		SHA512_CTX c;
		return SHA512_Init(&c) && SHA512_Update(&c, value, size) &&
		       SHA512_Update(&c, digest, size) && SHA512_Final(value, &c);
	}
	default: {
		uint8_t joined[2 * BC_MAX_DIGEST_SIZE];
		const EVP_MD *md = bc_hash_alg_md(alg);
		memcpy(joined, value, size);
		memcpy(joined + size, digest, size);
		return md && EVP_Digest(joined, 2u * size, value, &n, md, NULL) && n == size;
	}
	}
}
