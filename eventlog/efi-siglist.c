/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EFI_SIGNATURE_LIST sequences and authenticated variable updates (.auth), as
 * sbsiglist and sbvarsign write them and as the variables db and dbx hold them.
 *
 *   EFI_SIGNATURE_LIST: SignatureType (GUID), SignatureListSize, SignatureHeaderSize,
 *     SignatureSize (UINT32 each), SignatureHeader, then EFI_SIGNATURE_DATA entries of
 *     SignatureSize bytes (SignatureOwner GUID, then SignatureData).
 *   .auth: [UINT32 attributes, with sbvarsign --include-attrs] EFI_TIME (16 bytes),
 *     WIN_CERTIFICATE_UEFI_GUID (dwLength, wRevision 0x0200, wCertificateType 0x0EF1,
 *     CertType, CertData; dwLength covers all of it), then the signature lists.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/efi-siglist.h>

#include "util/cleanup.h"
#include "util/file.h"
#include "util/reader.h"

#define EFI_TIME_SIZE	       16
#define WIN_CERT_HEADER_SIZE   8 /* dwLength, wRevision, wCertificateType */
#define WIN_CERT_REVISION      0x0200
#define WIN_CERT_TYPE_EFI_GUID 0x0EF1
#define ATTRIBUTES_SIZE	       4

/* EFI_CERT_TYPE_PKCS7_GUID 4aafd29d-68df-49ee-8aa9-347d375665a7, as stored */
static const uint8_t pkcs7_guid[BC_EFI_GUID_SIZE] = {
    0x9d, 0xd2, 0xaf, 0x4a, 0xdf, 0x68, 0xee, 0x49, 0x8a, 0xa9, 0x34, 0x7d, 0x37, 0x56, 0x65, 0xa7};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* ---- signature lists ---- */

void bc_esl_iter_init(bc_esl_iter *it, const void *data, size_t size, const char *name,
		      uint64_t base)
{
	*it = (bc_esl_iter){
	    .data = data, .size = size, .name = name ? name : "(memory)", .base = base};
}

/* The sizes of the list at the iterator, checked against each other and the bytes left. */
static bc_status esl_sizes(const bc_esl_iter *it, bc_esl *l, bc_error *err)
{
	size_t left = it->size - it->pos;
	uint64_t at = it->base + it->pos;
	if (left < BC_ESL_HEADER_SIZE)
		return bc_fail(err, BC_E_FORMAT,
			       "%s: offset 0x%" PRIx64 ": EFI_SIGNATURE_LIST truncated: %zu bytes "
			       "left, its header needs %d",
			       it->name, at, left, BC_ESL_HEADER_SIZE);
	const uint8_t *p = it->data + it->pos;
	l->offset = at;
	l->type = p;
	l->list_size = le32(p + 16);
	l->header_size = le32(p + 20);
	l->signature_size = le32(p + 24);
	/* 64-bit sums: a HeaderSize near 2^32 cannot wrap around */
	if ((uint64_t)l->list_size < BC_ESL_HEADER_SIZE + (uint64_t)l->header_size)
		return bc_fail(err, BC_E_FORMAT,
			       "%s: offset 0x%" PRIx64 ": SignatureListSize %" PRIu32
			       " is smaller than its header (%d bytes and SignatureHeaderSize "
			       "%" PRIu32 ")",
			       it->name, at + 16, l->list_size, BC_ESL_HEADER_SIZE, l->header_size);
	if (l->list_size > left)
		return bc_fail(err, BC_E_FORMAT,
			       "%s: offset 0x%" PRIx64 ": SignatureListSize %" PRIu32
			       " exceeds the %zu bytes left",
			       it->name, at + 16, l->list_size, left);
	if (l->signature_size < BC_EFI_GUID_SIZE)
		return bc_fail(err, BC_E_FORMAT,
			       "%s: offset 0x%" PRIx64 ": SignatureSize %" PRIu32
			       " is less than the %d bytes of its SignatureOwner",
			       it->name, at + 24, l->signature_size, BC_EFI_GUID_SIZE);
	uint64_t body = (uint64_t)l->list_size - BC_ESL_HEADER_SIZE - l->header_size;
	if (body % l->signature_size)
		return bc_fail(err, BC_E_FORMAT,
			       "%s: offset 0x%" PRIx64 ": the %" PRIu64
			       " bytes of signatures are not a multiple of SignatureSize %" PRIu32,
			       it->name, at + 24, body, l->signature_size);
	l->header = p + BC_ESL_HEADER_SIZE;
	l->signatures = l->header + l->header_size;
	l->count = (size_t)(body / l->signature_size);
	return BC_OK;
}

bc_status bc_esl_next(bc_esl_iter *it, bc_esl *out, bool *done, bc_error *err)
{
	*done = it->pos >= it->size;
	if (*done)
		return BC_OK;
	bc_status s = esl_sizes(it, out, err);
	if (s == BC_OK)
		it->pos += out->list_size;
	return s;
}

bc_status bc_esl_check(const void *data, size_t size, const char *name, uint64_t base,
		       size_t *lists, size_t *signatures, bc_error *err)
{
	bc_esl_iter it;
	size_t n = 0, sigs = 0;
	bc_esl_iter_init(&it, data, size, name, base);
	for (;;) {
		bc_esl l;
		bool done;
		bc_status s = bc_esl_next(&it, &l, &done, err);
		if (s != BC_OK)
			return s;
		if (done)
			break;
		n++;
		sigs += l.count;
	}
	if (lists)
		*lists = n;
	if (signatures)
		*signatures = sigs;
	return BC_OK;
}

/* ---- appending ---- */

/* Whether the checked sequence old holds sig, an EFI_SIGNATURE_DATA of a list of type
 * and size (EDK2's FilterSignatureList compares the same way). */
static bool holds_signature(const uint8_t *old, size_t old_size, const uint8_t *type, uint32_t size,
			    const uint8_t *sig)
{
	bc_esl_iter it;
	bc_esl l;
	bool done;
	bc_esl_iter_init(&it, old, old_size, NULL, 0);
	while (bc_esl_next(&it, &l, &done, NULL) == BC_OK && !done) {
		if (l.signature_size != size || memcmp(l.type, type, BC_EFI_GUID_SIZE) != 0)
			continue;
		for (size_t i = 0; i < l.count; i++)
			if (memcmp(l.signatures + i * size, sig, size) == 0)
				return true;
	}
	return false;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Append to tail the list l with only the signatures old does not hold; *kept gets
 * their number (the list is not written when it is 0). tail has room for l. */
static size_t append_new_signatures(const uint8_t *old, size_t old_size, const bc_esl *l,
				    uint8_t *tail, size_t *kept)
{
	size_t head = BC_ESL_HEADER_SIZE + l->header_size, n = 0;
	uint8_t *sig = tail + head;
	for (size_t i = 0; i < l->count; i++) {
		const uint8_t *s = l->signatures + i * l->signature_size;
		if (holds_signature(old, old_size, l->type, l->signature_size, s))
			continue;
		memcpy(sig, s, l->signature_size);
		sig += l->signature_size;
		n++;
	}
	*kept = n;
	if (n == 0)
		return 0;
	memcpy(tail, l->type, head); /* the header, as given */
	size_t written = (size_t)(sig - tail);
	put_le32(tail + 16, (uint32_t)written); /* no more than the list_size it had */
	return written;
}

bc_status bc_esl_append(const uint8_t *old, size_t old_size, const char *old_name,
			const uint8_t *add, size_t add_size, const char *add_name,
			uint64_t add_base, uint8_t **out, size_t *out_size, size_t *added,
			size_t *present, bc_error *err)
{
	size_t total_added = 0, total = 0;
	bc_status s;
	*out = NULL;
	*out_size = 0;
	if ((s = bc_esl_check(old, old_size, old_name, 0, NULL, NULL, err)) != BC_OK ||
	    (s = bc_esl_check(add, add_size, add_name, add_base, NULL, &total, err)) != BC_OK)
		return s;
	if (add_size > SIZE_MAX - old_size)
		return bc_fail(err, BC_E_LIMIT, "%s: too large to append", add_name);
	_cleanup_free_ uint8_t *buf = malloc(old_size + add_size ? old_size + add_size : 1);
	if (!buf)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (old_size)
		memcpy(buf, old, old_size);
	size_t used = old_size;
	bc_esl_iter it;
	bc_esl l;
	bool done;
	bc_esl_iter_init(&it, add, add_size, add_name, add_base);
	while (bc_esl_next(&it, &l, &done, NULL) == BC_OK && !done) {
		size_t kept;
		/* compared with the old content only, as EDK2 does */
		used += append_new_signatures(old, old_size, &l, buf + used, &kept);
		total_added += kept;
	}
	if (added)
		*added = total_added;
	if (present)
		*present = total - total_added;
	*out_size = used;
	*out = used ? TAKE_PTR(buf) : NULL;
	return BC_OK;
}

/* ---- updates ---- */

/* Whether a WIN_CERTIFICATE of an .auth starts at off: its revision and type. */
static bool win_cert_at(const uint8_t *p, size_t size, size_t off)
{
	size_t at = off + EFI_TIME_SIZE;
	return size >= at + WIN_CERT_HEADER_SIZE && le16(p + at + 4) == WIN_CERT_REVISION &&
	       le16(p + at + 6) == WIN_CERT_TYPE_EFI_GUID;
}

static bc_status parse_auth(bc_efi_update *u, size_t off, bc_error *err)
{
	bc_reader r = bc_reader_init(u->bytes, u->size);
	const uint8_t *t, *cert_type;
	uint32_t length;
	(void)bc_rd_skip(&r, off);
	if (!bc_rd_bytes(&r, EFI_TIME_SIZE, &t) || !bc_rd_u32le(&r, &length))
		return bc_fail(err, BC_E_FORMAT, "%s: truncated", u->name); /* win_cert_at() */
	u->authenticated = true;
	u->timestamp = (bc_efi_time){.year = le16(t),
				     .month = t[2],
				     .day = t[3],
				     .hour = t[4],
				     .minute = t[5],
				     .second = t[6]};
	u->cert_length = length;
	size_t cert_at = off + EFI_TIME_SIZE, left = u->size - cert_at;
	if (length < WIN_CERT_HEADER_SIZE + BC_EFI_GUID_SIZE)
		return bc_fail(err, BC_E_FORMAT,
			       "%s: offset 0x%zx: WIN_CERTIFICATE dwLength %" PRIu32
			       " is smaller than its header and CertType (%d bytes)",
			       u->name, cert_at, length, WIN_CERT_HEADER_SIZE + BC_EFI_GUID_SIZE);
	if (length > left)
		return bc_fail(err, BC_E_FORMAT,
			       "%s: offset 0x%zx: WIN_CERTIFICATE dwLength %" PRIu32
			       " exceeds the %zu bytes left",
			       u->name, cert_at, length, left);
	cert_type = u->bytes + cert_at + WIN_CERT_HEADER_SIZE;
	if (memcmp(cert_type, pkcs7_guid, BC_EFI_GUID_SIZE) != 0)
		return bc_fail(err, BC_E_FORMAT,
			       "%s: offset 0x%zx: CertType is not EFI_CERT_TYPE_PKCS7_GUID",
			       u->name, cert_at + WIN_CERT_HEADER_SIZE);
	u->esl_offset = cert_at + length;
	u->esl = u->bytes + u->esl_offset;
	u->esl_size = u->size - (size_t)u->esl_offset;
	return BC_OK;
}

static bc_status parse_update(bc_efi_update *u, bc_error *err)
{
	bc_status s;
	if (win_cert_at(u->bytes, u->size, 0)) {
		s = parse_auth(u, 0, err);
	} else if (win_cert_at(u->bytes, u->size, ATTRIBUTES_SIZE)) {
		u->has_attributes = true;
		u->attributes = le32(u->bytes);
		s = parse_auth(u, ATTRIBUTES_SIZE, err);
	} else if (u->size == 0) {
		return bc_fail(err, BC_E_FORMAT, "%s: empty: no EFI_SIGNATURE_LIST", u->name);
	} else { /* a plain sequence of lists */
		u->esl = u->bytes;
		u->esl_size = u->size;
		s = BC_OK;
	}
	if (s == BC_OK)
		s = bc_esl_check(u->esl, u->esl_size, u->name, u->esl_offset, &u->lists,
				 &u->signatures, err);
	return s;
}

void bc_efi_update_free(bc_efi_update *u)
{
	if (!u)
		return;
	free(u->name);
	free(u->bytes);
	free(u);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_efi_update *, bc_efi_update_free)

/* Takes bytes (also on failure). */
static bc_status update_new(uint8_t *bytes, size_t size, const char *name, bc_efi_update **out,
			    bc_error *err)
{
	_cleanup_(bc_efi_update_freep) bc_efi_update *u = calloc(1, sizeof(*u));
	if (!u) {
		free(bytes);
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	}
	u->bytes = bytes;
	u->size = size;
	if (!(u->name = strdup(name ? name : "(memory)")))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	bc_status s = parse_update(u, err);
	if (s == BC_OK)
		*out = TAKE_PTR(u);
	return s;
}

bc_status bc_efi_update_from_memory(const void *data, size_t size, const char *name,
				    bc_efi_update **out, bc_error *err)
{
	*out = NULL;
	if (size > BC_EFI_UPDATE_MAX_SIZE)
		return bc_fail(err, BC_E_LIMIT, "%s: %zu bytes, more than the %zu allowed",
			       name ? name : "(memory)", size, BC_EFI_UPDATE_MAX_SIZE);
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (size)
		memcpy(copy, data, size);
	return update_new(copy, size, name, out, err);
}

bc_status bc_efi_update_read_file(const char *path, bc_efi_update **out, bc_error *err)
{
	uint8_t *bytes = NULL;
	size_t size = 0;
	*out = NULL;
	bc_status s = bc_read_file(path, BC_EFI_UPDATE_MAX_SIZE, &bytes, &size, err);
	if (s != BC_OK)
		return s;
	return update_new(bytes, size, path, out, err);
}
