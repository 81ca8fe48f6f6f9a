/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Intel DCAP ECDSA quotes: parsing, the PCK chain, the QE report and the quote
 * signature. See dcap.h; the collateral is in dcap-collateral.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "attest/dcap-internal.h"
#include "attest/dcap.h"
#include "util/cleanup.h"
#include "util/reader.h"

/* ---- parsing ---- */

/* Fail unless n bytes are left at r: the field, its offset and what is left. */
static bc_status need(const bc_reader *r, size_t n, const char *field, bc_error *err)
{
	if (n <= bc_rd_left(r))
		return BC_OK;
	return bc_fail(err, BC_E_FORMAT,
		       "DCAP quote: %s at offset 0x%zx: needs %zu bytes, only %zu left", field,
		       r->pos, n, bc_rd_left(r));
}

static bc_status take(bc_reader *r, size_t n, const char *field, const uint8_t **out, bc_error *err)
{
	bc_status s = need(r, n, field, err);
	if (s == BC_OK)
		bc_rd_bytes(r, n, out);
	return s;
}

static bc_status take_copy(bc_reader *r, void *out, size_t n, const char *field, bc_error *err)
{
	bc_status s = need(r, n, field, err);
	if (s == BC_OK)
		bc_rd_copy(r, out, n);
	return s;
}

static bc_status take_u16(bc_reader *r, uint16_t *v, const char *field, bc_error *err)
{
	bc_status s = need(r, 2, field, err);
	if (s == BC_OK)
		bc_rd_u16le(r, v);
	return s;
}

static bc_status take_u32(bc_reader *r, uint32_t *v, const char *field, bc_error *err)
{
	bc_status s = need(r, 4, field, err);
	if (s == BC_OK)
		bc_rd_u32le(r, v);
	return s;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

void bc_dcap_sgx_body_decode(const uint8_t *p, bc_sgx_report_body *b)
{
	memcpy(b->cpusvn, p, 16);
	b->miscselect =
	    (uint32_t)p[16] | (uint32_t)p[17] << 8 | (uint32_t)p[18] << 16 | (uint32_t)p[19] << 24;
	memcpy(b->isvextprodid, p + 32, 16);
	memcpy(b->attributes, p + 48, 16);
	b->attributes_flags = le64(p + 48);
	b->attributes_xfrm = le64(p + 56);
	memcpy(b->mrenclave, p + 64, 32);
	memcpy(b->mrsigner, p + 128, 32);
	memcpy(b->configid, p + 192, 64);
	b->isvprodid = le16(p + 256);
	b->isvsvn = le16(p + 258);
	b->configsvn = le16(p + 260);
	memcpy(b->isvfamilyid, p + 304, 16);
	memcpy(b->report_data, p + 320, 64);
}

static void td_body_decode(const uint8_t *p, bool v15, bc_td_report_body *b)
{
	memcpy(b->tee_tcb_svn, p, 16);
	memcpy(b->mrseam, p + 16, 48);
	memcpy(b->mrsignerseam, p + 64, 48);
	b->seam_attributes = le64(p + 112);
	b->td_attributes = le64(p + 120);
	b->xfam = le64(p + 128);
	memcpy(b->mrtd, p + 136, 48);
	memcpy(b->mrconfigid, p + 184, 48);
	memcpy(b->mrowner, p + 232, 48);
	memcpy(b->mrownerconfig, p + 280, 48);
	for (int i = 0; i < 4; i++)
		memcpy(b->rtmr[i], p + 328 + 48 * i, 48);
	memcpy(b->report_data, p + 520, 64);
	if (v15) {
		memcpy(b->tee_tcb_svn2, p + 584, 16);
		memcpy(b->mrservicetd, p + 600, 48);
	}
}

static size_t body_size_of(bc_dcap_body_type t)
{
	switch (t) {
	case BC_DCAP_BODY_SGX: return BC_DCAP_SGX_BODY_SIZE;
	case BC_DCAP_BODY_TD10: return BC_DCAP_TD10_BODY_SIZE;
	case BC_DCAP_BODY_TD15: return BC_DCAP_TD15_BODY_SIZE;
	}
	return 0;
}

static bc_status parse_header(bc_reader *r, bc_dcap_quote *q, bc_error *err)
{
	bc_status s = need(r, BC_DCAP_HEADER_SIZE, "header", err);
	if (s != BC_OK)
		return s;
	uint32_t tee_or_reserved = 0;
	bc_rd_u16le(r, &q->version);
	bc_rd_u16le(r, &q->att_key_type);
	bc_rd_u32le(r, &tee_or_reserved);
	if (q->version == 3) {
		bc_rd_u16le(r, &q->qe_svn);
		bc_rd_u16le(r, &q->pce_svn);
		q->tee_type = BC_DCAP_TEE_SGX;
	} else {
		bc_rd_skip(r, 4); /* reserved */
		q->tee_type = tee_or_reserved;
	}
	bc_rd_copy(r, q->qe_vendor_id, sizeof(q->qe_vendor_id));
	bc_rd_copy(r, q->user_data, sizeof(q->user_data));

	if (q->version < 3 || q->version > 5)
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "DCAP quote: version %u at offset 0x0 is not supported (3, 4 or 5)",
			       q->version);
	if (q->att_key_type != BC_DCAP_ATT_KEY_ECDSA_P256)
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "DCAP quote: attestation key type %u at offset 0x2 is not supported "
			       "(only 2, ECDSA-256-with-P-256)",
			       q->att_key_type);
	if (q->tee_type != BC_DCAP_TEE_SGX && q->tee_type != BC_DCAP_TEE_TDX)
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "DCAP quote: TEE type 0x%x at offset 0x4 is neither SGX (0) nor "
			       "TDX (0x81)",
			       q->tee_type);
	return BC_OK;
}

static bc_status parse_body(bc_reader *r, bc_dcap_quote *q, bc_error *err)
{
	bc_status s;
	if (q->version == 5) {
		uint16_t type = 0;
		uint32_t size = 0;
		size_t at = r->pos;
		if ((s = take_u16(r, &type, "body type", err)) != BC_OK ||
		    (s = take_u32(r, &size, "body size", err)) != BC_OK)
			return s;
		if (type < BC_DCAP_BODY_SGX || type > BC_DCAP_BODY_TD15)
			return bc_fail(err, BC_E_UNSUPPORTED,
				       "DCAP quote: body type %u at offset 0x%zx is not supported "
				       "(1 SGX, 2 TDX 1.0, 3 TDX 1.5)",
				       type, at);
		q->body_type = (bc_dcap_body_type)type;
		if (size != body_size_of(q->body_type))
			return bc_fail(err, BC_E_FORMAT,
				       "DCAP quote: body size %u at offset 0x%zx is not %zu, the "
				       "size of body type %u",
				       size, at + 2, body_size_of(q->body_type), type);
		if ((type == BC_DCAP_BODY_SGX) != (q->tee_type == BC_DCAP_TEE_SGX))
			return bc_fail(err, BC_E_FORMAT,
				       "DCAP quote: body type %u at offset 0x%zx does not fit TEE "
				       "type 0x%x",
				       type, at, q->tee_type);
	} else {
		q->body_type =
		    q->tee_type == BC_DCAP_TEE_TDX ? BC_DCAP_BODY_TD10 : BC_DCAP_BODY_SGX;
	}
	q->body_offset = r->pos;
	q->body_size = body_size_of(q->body_type);
	const uint8_t *body = NULL;
	s = take(r, q->body_size,
		 q->body_type == BC_DCAP_BODY_SGX ? "SGX report body" : "TD report body", &body,
		 err);
	if (s != BC_OK)
		return s;
	if (q->body_type == BC_DCAP_BODY_SGX)
		bc_dcap_sgx_body_decode(body, &q->sgx);
	else
		td_body_decode(body, q->body_type == BC_DCAP_BODY_TD15, &q->td);
	return BC_OK;
}

/* QE report || its signature || u16 size || QE authentication data */
static bc_status parse_qe_part(bc_reader *r, bc_dcap_quote *q, bc_error *err)
{
	uint16_t auth_size = 0;
	bc_status s = take_copy(r, q->qe_report_raw, sizeof(q->qe_report_raw), "QE report", err);
	if (s == BC_OK)
		s = take_copy(r, q->qe_report_sig, sizeof(q->qe_report_sig), "QE report signature",
			      err);
	if (s == BC_OK)
		s = take_u16(r, &auth_size, "QE authentication data size", err);
	if (s == BC_OK)
		s = take(r, auth_size, "QE authentication data", &q->qe_auth_data, err);
	if (s != BC_OK)
		return s;
	q->qe_auth_size = auth_size;
	bc_dcap_sgx_body_decode(q->qe_report_raw, &q->qe_report);
	return BC_OK;
}

/* u16 type || u32 size || data, the data filling the reader to its end exactly. */
static bc_status parse_cert_data(bc_reader *r, uint16_t want, const char *what,
				 const uint8_t **data, size_t *size, bc_error *err)
{
	uint16_t type = 0;
	uint32_t len = 0;
	size_t at = r->pos;
	bc_status s = take_u16(r, &type, what, err);
	if (s == BC_OK)
		s = take_u32(r, &len, what, err);
	if (s != BC_OK)
		return s;
	if (type != want)
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "DCAP quote: %s at offset 0x%zx: certification data type %u, "
			       "expected %u",
			       what, at, type, want);
	if ((s = take(r, len, what, data, err)) != BC_OK)
		return s;
	*size = len;
	if (bc_rd_left(r) != 0)
		return bc_fail(err, BC_E_FORMAT,
			       "DCAP quote: %s at offset 0x%zx: %zu bytes after its %u bytes", what,
			       at, bc_rd_left(r), len);
	return BC_OK;
}

static bc_status parse_signature_data(bc_reader *r, bc_dcap_quote *q, bc_error *err)
{
	bc_status s = take_copy(r, q->signature, sizeof(q->signature), "quote signature", err);
	if (s == BC_OK)
		s = take_copy(r, q->attest_key, sizeof(q->attest_key), "attestation key", err);
	if (s != BC_OK)
		return s;
	if (q->version == 3) {
		if ((s = parse_qe_part(r, q, err)) != BC_OK)
			return s;
		return parse_cert_data(r, BC_DCAP_CERT_PCK_CHAIN, "certification data",
				       &q->pck_chain, &q->pck_chain_size, err);
	}
	const uint8_t *outer = NULL;
	size_t outer_size = 0, outer_at = r->pos + 6;
	s = parse_cert_data(r, BC_DCAP_CERT_QE_REPORT, "QE report certification data", &outer,
			    &outer_size, err);
	if (s != BC_OK)
		return s;
	/* a reader over the whole quote ending where the outer data ends: offsets stay
	 * the quote's */
	bc_reader in = {.data = r->data, .size = outer_at + outer_size, .pos = outer_at};
	if ((s = parse_qe_part(&in, q, err)) != BC_OK)
		return s;
	return parse_cert_data(&in, BC_DCAP_CERT_PCK_CHAIN, "PCK certificate chain", &q->pck_chain,
			       &q->pck_chain_size, err);
}

/* Whether every byte after the next used ones of r is zero: quote services hand out
 * quotes in fixed buffers, zero-padded (real TDX quotes come so); anything else after the
 * signature data is refused. */
static bool zero_padding(const bc_reader *r, size_t used)
{
	for (size_t i = r->pos + used; i < r->size; i++)
		if (r->data[i])
			return false;
	return true;
}

bc_status bc_dcap_quote_parse(const uint8_t *data, size_t size, bc_dcap_quote *out, bc_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!data)
		return bc_fail(err, BC_E_INVALID, "DCAP quote: none given");
	if (size > BC_DCAP_QUOTE_MAX)
		return bc_fail(err, BC_E_LIMIT, "DCAP quote: %zu bytes, more than the %zu allowed",
			       size, BC_DCAP_QUOTE_MAX);
	bc_reader r = bc_reader_init(data, size);
	bc_dcap_quote q;
	memset(&q, 0, sizeof(q));
	bc_status s = parse_header(&r, &q, err);
	if (s == BC_OK)
		s = parse_body(&r, &q, err);
	if (s != BC_OK)
		return s;
	q.signed_data = data;
	q.signed_size = r.pos;
	uint32_t sig_len = 0;
	size_t at = r.pos;
	if ((s = take_u32(&r, &sig_len, "signature data length", err)) != BC_OK)
		return s;
	if (sig_len > bc_rd_left(&r) || !zero_padding(&r, sig_len))
		return bc_fail(err, BC_E_FORMAT,
			       "DCAP quote: signature data length at offset 0x%zx is %u, but %zu "
			       "bytes follow%s",
			       at, sig_len, bc_rd_left(&r),
			       sig_len < bc_rd_left(&r) ? ", not all of the rest zero padding"
							: "");
	r.size = r.pos + sig_len; /* the padding is no part of the quote */
	if ((s = parse_signature_data(&r, &q, err)) != BC_OK)
		return s;
	*out = q;
	return BC_OK;
}

/* ---- OpenSSL helpers shared with dcap-collateral.c ---- */

bc_status bc_dcap_ossl_fail(bc_error *err, bc_status status, const char *what)
{
	unsigned long e = ERR_get_error();
	ERR_clear_error();
	return bc_fail(err, status, "%s%s%s", what, e ? ": " : "",
		       e ? ERR_reason_error_string(e) ?: "OpenSSL error" : "");
}

static bool has_pem(const uint8_t *data, size_t size)
{
	static const char begin[] = "-----BEGIN";
	return memmem(data, size, begin, sizeof(begin) - 1) != NULL;
}

/*
 * One X.509 object in PEM or DER, as d2i decodes its type and pem_label names it in PEM
 * (OpenSSL's own PEM_read_bio_X509 and PEM_read_bio_X509_CRL are this call). NULL when
 * it is not one (or out of memory: *nomem); *trailing (may be NULL) gets the bytes after
 * a DER one.
 */
static void *load_x509_object(const uint8_t *data, size_t size, d2i_of_void *d2i,
			      const char *pem_label, size_t *trailing, bool *nomem)
{
	void *x = NULL;
	*nomem = false;
	if (has_pem(data, size)) {
		BIO *bio = BIO_new_mem_buf(data, (int)size);
		*nomem = !bio;
		if (bio)
			x = PEM_ASN1_read_bio(d2i, pem_label, bio, NULL, NULL, NULL);
		BIO_free(bio);
		return x;
	}
	const unsigned char *p = data;
	x = d2i(NULL, &p, (long)size);
	if (x && trailing)
		*trailing = size - (size_t)(p - data);
	return x;
}

bc_status bc_dcap_load_cert(const uint8_t *data, size_t size, const char *name, X509 **out,
			    bc_error *err)
{
	size_t trailing = 0;
	bool nomem = false;
	*out = NULL;
	if (!data || size == 0)
		return bc_fail(err, BC_E_INVALID, "no %s given", name);
	if (size > INT32_MAX)
		return bc_fail(err, BC_E_LIMIT, "the %s is too large", name);
	*out = load_x509_object(data, size, CHECKED_D2I_OF(X509, d2i_X509), PEM_STRING_X509,
				&trailing, &nomem);
	if (nomem)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (*out && trailing) {
		X509_free(*out);
		*out = NULL;
		return bc_fail(err, BC_E_FORMAT, "the %s: %zu bytes after the certificate", name,
			       trailing);
	}
	if (!*out) {
		char what[96];
		snprintf(what, sizeof(what), "the %s is not an X.509 certificate", name);
		return bc_dcap_ossl_fail(err, BC_E_FORMAT, what);
	}
	return BC_OK;
}

static bool pem_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0';
}

/* One PEM block from begin (at "-----BEGIN CERTIFICATE-----") to its END line. */
static X509 *pem_block(const uint8_t *begin, size_t len)
{
	BIO *bio = BIO_new_mem_buf(begin, (int)len);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	return x;
}

/* Certificates, PEM, nothing else but white space (and the NUL Intel's quotes end
 * their certification data with) between and around them: text the certificates do
 * not account for is refused, not skipped. */
bc_status bc_dcap_load_pem_chain(const uint8_t *data, size_t size, const char *name,
				 STACK_OF(X509) * *out, bc_error *err)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	*out = NULL;
	if (!data || size == 0)
		return bc_fail(err, BC_E_INVALID, "no %s given", name);
	if (size > INT32_MAX)
		return bc_fail(err, BC_E_LIMIT, "the %s is too large", name);
	STACK_OF(X509) *chain = sk_X509_new_null();
	if (!chain)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	size_t pos = 0;
	bc_status s = BC_OK;
	for (;;) {
		while (pos < size && pem_space(data[pos]))
			pos++;
		if (pos == size)
			break;
		const uint8_t *stop = NULL;
		if (size - pos < sizeof(begin) - 1 ||
		    memcmp(data + pos, begin, sizeof(begin) - 1) != 0 ||
		    !(stop = memmem(data + pos, size - pos, end, sizeof(end) - 1))) {
			s = bc_fail(err, BC_E_FORMAT,
				    "the %s: byte %zu is not the start of a PEM certificate", name,
				    pos);
			break;
		}
		size_t block = (size_t)(stop - (data + pos)) + sizeof(end) - 1;
		X509 *x = NULL;
		if (sk_X509_num(chain) >= BC_DCAP_CHAIN_MAX) {
			s = bc_fail(err, BC_E_LIMIT, "the %s has more than %d certificates", name,
				    BC_DCAP_CHAIN_MAX);
			break;
		}
		if (!(x = pem_block(data + pos, block))) {
			char what[96];
			snprintf(what, sizeof(what), "the %s: certificate %d at byte %zu", name,
				 sk_X509_num(chain), pos);
			s = bc_dcap_ossl_fail(err, BC_E_FORMAT, what);
			break;
		}
		if (!sk_X509_push(chain, x)) {
			X509_free(x);
			s = bc_fail(err, BC_E_NOMEM, "out of memory");
			break;
		}
		pos += block;
	}
	ERR_clear_error();
	if (s == BC_OK && sk_X509_num(chain) == 0)
		s = bc_fail(err, BC_E_FORMAT, "the %s holds no PEM certificate", name);
	if (s != BC_OK) {
		sk_X509_pop_free(chain, X509_free);
		return s;
	}
	*out = chain;
	return BC_OK;
}

static void cert_name(X509 *x, char *buf, size_t size)
{
	buf[0] = '\0';
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, (int)size) < 0)
		snprintf(buf, size, "(no CN)");
	ERR_clear_error();
}

static bc_status check_crl(X509_CRL *crl, const char *crl_name, X509 *issuer, X509 *cert,
			   const char *cert_name_s, time_t now, bc_error *err)
{
	char issuer_cn[64];
	cert_name(issuer, issuer_cn, sizeof(issuer_cn));
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0)
		return bc_fail(err, BC_E_MISMATCH, "the %s is not issued by \"%s\"", crl_name,
			       issuer_cn);
	EVP_PKEY *key = X509_get0_pubkey(issuer);
	if (!key || X509_CRL_verify(crl, key) != 1) {
		ERR_clear_error();
		return bc_fail(err, BC_E_MISMATCH,
			       "the %s's signature does not verify with the key of \"%s\"",
			       crl_name, issuer_cn);
	}
	const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
	if (X509_cmp_time(X509_CRL_get0_lastUpdate(crl), &now) > 0)
		return bc_fail(err, BC_E_MISMATCH, "the %s is not in force yet (thisUpdate)",
			       crl_name);
	if (next && X509_cmp_time(next, &now) < 0)
		return bc_fail(err, BC_E_MISMATCH, "the %s has expired (nextUpdate passed)",
			       crl_name);
	X509_REVOKED *rev = NULL;
	if (X509_CRL_get0_by_cert(crl, &rev, cert) == 1) {
		char cn[64];
		cert_name(cert, cn, sizeof(cn));
		return bc_fail(err, BC_E_MISMATCH, "the %s \"%s\" is revoked by the %s",
			       cert_name_s, cn, crl_name);
	}
	ERR_clear_error();
	return BC_OK;
}

bc_status bc_dcap_load_crl(const uint8_t *data, size_t size, const char *name, X509_CRL **out,
			   bc_error *err)
{
	bool nomem = false;
	*out = NULL;
	if (size > INT32_MAX)
		return bc_fail(err, BC_E_LIMIT, "the %s is too large", name);
	*out = load_x509_object(data, size, CHECKED_D2I_OF(X509_CRL, d2i_X509_CRL),
				PEM_STRING_X509_CRL, NULL, &nomem);
	if (nomem)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (!*out) {
		char what[96];
		snprintf(what, sizeof(what), "the %s is not an X.509 CRL", name);
		return bc_dcap_ossl_fail(err, BC_E_FORMAT, what);
	}
	return BC_OK;
}

/* A CRL given as bytes checked against cert, issued by issuer. */
static bc_status crl_check_bytes(const uint8_t *data, size_t size, const char *crl_name,
				 X509 *issuer, X509 *cert, const char *what, time_t now,
				 bc_error *err)
{
	if (!data)
		return BC_OK;
	X509_CRL *crl = NULL;
	bc_status s = bc_dcap_load_crl(data, size, crl_name, &crl, err);
	if (s == BC_OK)
		s = check_crl(crl, crl_name, issuer, cert, what, now, err);
	X509_CRL_free(crl);
	return s;
}

bc_status bc_dcap_verify_chain(X509 *leaf, STACK_OF(X509) * untrusted, X509 *root, const char *what,
			       time_t now, STACK_OF(X509) * *chain_out, bc_error *err)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	bc_status s = BC_OK;
	if (chain_out)
		*chain_out = NULL;
	if (!store || !ctx || X509_STORE_add_cert(store, root) != 1 ||
	    X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1) {
		s = bc_dcap_ossl_fail(err, BC_E_NOMEM, "cannot set up a certificate check");
		goto out;
	}
	X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, now);
	/* only the pinned root anchors the chain, never a certificate the quote brings */
	X509_VERIFY_PARAM_clear_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
	if (X509_verify_cert(ctx) != 1) {
		int e = X509_STORE_CTX_get_error(ctx);
		int depth = X509_STORE_CTX_get_error_depth(ctx);
		X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
		char cn[64] = "?";
		if (bad)
			cert_name(bad, cn, sizeof(cn));
		ERR_clear_error();
		s = bc_fail(err, BC_E_MISMATCH,
			    "the %s does not verify to the pinned root: %s (certificate %d, "
			    "\"%s\")",
			    what, X509_verify_cert_error_string(e), depth, cn);
		goto out;
	}
	if (chain_out)
		*chain_out = X509_STORE_CTX_get1_chain(ctx);
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return s;
}

/* The PCK chain of the certification data: leaf first, to the pinned root; the CRLs. */
static bc_status verify_pck_chain(const bc_dcap_quote *q, const bc_dcap_trust *t, time_t now,
				  X509 **leaf_out, bc_error *err)
{
	STACK_OF(X509) *given = NULL, *chain = NULL;
	X509 *root = NULL;
	bc_status s =
	    bc_dcap_load_cert(t->root, t->root_size, "pinned Intel SGX root CA", &root, err);
	if (s == BC_OK)
		s = bc_dcap_load_pem_chain(q->pck_chain, q->pck_chain_size,
					   "quote's PCK certificate chain", &given, err);
	if (s != BC_OK)
		goto out;
	X509 *leaf = sk_X509_value(given, 0);
	X509 *last = sk_X509_value(given, sk_X509_num(given) - 1);
	if (sk_X509_num(given) > 1 && X509_check_issued(last, last) == X509_V_OK &&
	    X509_cmp(last, root) != 0) {
		char cn[64];
		cert_name(last, cn, sizeof(cn));
		s = bc_fail(err, BC_E_MISMATCH,
			    "the PCK certificate chain ends at the root \"%s\", which is not the "
			    "pinned root",
			    cn);
		goto out;
	}
	s = bc_dcap_verify_chain(leaf, given, root, "PCK certificate chain", now, &chain, err);
	if (s != BC_OK)
		goto out;
	if (sk_X509_num(chain) < 3) {
		s = bc_fail(err, BC_E_MISMATCH,
			    "the PCK certificate chain has %d certificates: a PCK CA must stand "
			    "between the PCK certificate and the root",
			    sk_X509_num(chain));
		goto out;
	}
	X509 *pck_ca = sk_X509_value(chain, 1);
	s = crl_check_bytes(t->pck_crl, t->pck_crl_size, "PCK CRL", pck_ca, leaf, "PCK certificate",
			    now, err);
	if (s == BC_OK)
		s = crl_check_bytes(t->root_crl, t->root_crl_size, "root CA CRL", root, pck_ca,
				    "PCK CA certificate", now, err);
	if (s == BC_OK) {
		X509_up_ref(leaf);
		*leaf_out = leaf;
	}
out:
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(given, X509_free);
	X509_free(root);
	return s;
}

/* ---- signatures ---- */

/* An EC P-256 public key from x || y (64 bytes). */
static bc_status p256_key(const uint8_t xy[64], EVP_PKEY **out, bc_error *err)
{
	uint8_t point[65];
	point[0] = 0x04; /* uncompressed */
	memcpy(point + 1, xy, 64);
	*out = NULL;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0),
	    OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)),
	    OSSL_PARAM_construct_end(),
	};
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	bool ok = ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
		  EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) == 1;
	EVP_PKEY_CTX_free(ctx);
	if (!ok)
		return bc_dcap_ossl_fail(err, BC_E_MISMATCH,
					 "DCAP quote: the attestation key is not a point of P-256");
	/* fromdata does not check the point is on the curve: the public check does */
	EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
	ok = check && EVP_PKEY_public_check(check) == 1;
	EVP_PKEY_CTX_free(check);
	if (!ok) {
		EVP_PKEY_free(*out);
		*out = NULL;
		return bc_dcap_ossl_fail(err, BC_E_MISMATCH,
					 "DCAP quote: the attestation key is not a point of P-256");
	}
	return BC_OK;
}

bool bc_dcap_is_p256(EVP_PKEY *key)
{
	char group[32] = "";
	size_t len = 0;
	bool ok = key && EVP_PKEY_is_a(key, "EC") &&
		  EVP_PKEY_get_group_name(key, group, sizeof(group), &len) == 1 &&
		  strcmp(group, "prime256v1") == 0;
	ERR_clear_error();
	return ok;
}

int bc_dcap_verify_rs(EVP_PKEY *key, const uint8_t rs[64], const uint8_t *data, size_t size)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(rs, 32, NULL), *s = BN_bin2bn(rs + 32, 32, NULL);
	unsigned char *der = NULL;
	int der_len = -1, rc = -1;
	if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		goto out;
	}
	der_len = i2d_ECDSA_SIG(sig, &der);
	if (der_len <= 0)
		goto out;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1)
		rc = EVP_DigestVerify(ctx, der, (size_t)der_len, data, size) == 1 ? 1 : 0;
	EVP_MD_CTX_free(ctx);
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	ERR_clear_error();
	return rc;
}

static bc_status check_qe_report(const bc_dcap_quote *q, X509 *pck, bc_error *err)
{
	EVP_PKEY *key = X509_get0_pubkey(pck);
	if (!bc_dcap_is_p256(key))
		return bc_fail(err, BC_E_FORMAT, "the PCK certificate's key is not EC P-256");
	int rc =
	    bc_dcap_verify_rs(key, q->qe_report_sig, q->qe_report_raw, sizeof(q->qe_report_raw));
	if (rc < 0)
		return bc_fail(err, BC_E_NOMEM, "cannot check the QE report's signature");
	if (rc == 0)
		return bc_fail(err, BC_E_MISMATCH,
			       "the QE report's signature does not verify with the PCK "
			       "certificate's key");

	uint8_t want[32];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
		  EVP_DigestUpdate(md, q->attest_key, sizeof(q->attest_key)) == 1 &&
		  EVP_DigestUpdate(md, q->qe_auth_data, q->qe_auth_size) == 1 &&
		  EVP_DigestFinal_ex(md, want, NULL) == 1;
	EVP_MD_CTX_free(md);
	if (!ok)
		return bc_dcap_ossl_fail(err, BC_E_NOMEM, "cannot hash the attestation key");
	static const uint8_t zero[32];
	if (memcmp(q->qe_report.report_data, want, 32) != 0)
		return bc_fail(err, BC_E_MISMATCH,
			       "the QE report's REPORTDATA is not SHA-256(attestation key || QE "
			       "authentication data): the QE does not vouch for this attestation "
			       "key");
	if (memcmp(q->qe_report.report_data + 32, zero, 32) != 0)
		return bc_fail(err, BC_E_MISMATCH,
			       "the QE report's REPORTDATA is not zero after its first 32 bytes");
	return BC_OK;
}

static bc_status check_quote_signature(const bc_dcap_quote *q, bc_error *err)
{
	EVP_PKEY *key = NULL;
	bc_status s = p256_key(q->attest_key, &key, err);
	if (s != BC_OK)
		return s;
	int rc = bc_dcap_verify_rs(key, q->signature, q->signed_data, q->signed_size);
	EVP_PKEY_free(key);
	if (rc < 0)
		return bc_fail(err, BC_E_NOMEM, "cannot check the quote's signature");
	if (rc == 0)
		return bc_fail(err, BC_E_MISMATCH,
			       "the DCAP quote's signature does not verify with its attestation "
			       "key (ECDSA P-256, SHA-256 over bytes 0 to 0x%zx)",
			       q->signed_size - 1);
	return BC_OK;
}

bc_status bc_dcap_verify(const uint8_t *quote, size_t size, const bc_dcap_trust *trust,
			 bc_dcap_result *out, bc_error *err)
{
	memset(out, 0, sizeof(*out));
	out->status = out->tcb_status = out->qe_status = BC_DCAP_TCB_UP_TO_DATE;
	if (!trust || !trust->root)
		return bc_fail(err, BC_E_INVALID, "DCAP quote: no pinned Intel SGX root CA given");
	if ((trust->tcb_info || trust->qe_identity) && !trust->tcb_chain)
		return bc_fail(err, BC_E_INVALID,
			       "DCAP collateral: the TCB signing certificate chain is needed to "
			       "check the TCB info or QE identity");
	time_t now = trust->now ? trust->now : time(NULL);
	bc_status s = bc_dcap_quote_parse(quote, size, &out->quote, err);
	if (s != BC_OK)
		return s;
	X509 *pck = NULL;
	s = verify_pck_chain(&out->quote, trust, now, &pck, err);
	if (s != BC_OK)
		return s;
	s = bc_dcap_pck_from_x509(pck, &out->pck, err);
	if (s == BC_OK)
		s = check_qe_report(&out->quote, pck, err);
	X509_free(pck);
	if (s == BC_OK)
		s = check_quote_signature(&out->quote, err);
	if (s == BC_OK && (trust->tcb_info || trust->qe_identity))
		s = bc_dcap_collateral_check(trust, out, err);
	return s;
}

/* ---- TCB statuses ---- */

static const char *const status_names[] = {
    [BC_DCAP_TCB_UP_TO_DATE] = "UpToDate",
    [BC_DCAP_TCB_SW_HARDENING_NEEDED] = "SWHardeningNeeded",
    [BC_DCAP_TCB_CONFIGURATION_NEEDED] = "ConfigurationNeeded",
    [BC_DCAP_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED] = "ConfigurationAndSWHardeningNeeded",
    [BC_DCAP_TCB_OUT_OF_DATE] = "OutOfDate",
    [BC_DCAP_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED] = "OutOfDateConfigurationNeeded",
    [BC_DCAP_TCB_REVOKED] = "Revoked",
    [BC_DCAP_TCB_NONE] = "None",
};

const char *bc_dcap_tcb_status_name(bc_dcap_tcb_status s)
{
	if ((size_t)s < ELEMENTSOF(status_names))
		return status_names[s];
	return "None";
}

bool bc_dcap_tcb_status_parse(const char *name, bc_dcap_tcb_status *out)
{
	for (size_t i = 0; i < BC_DCAP_TCB_NONE; i++)
		if (strcmp(name, status_names[i]) == 0) {
			*out = (bc_dcap_tcb_status)i;
			return true;
		}
	return false;
}

bool bc_dcap_tcb_meets(bc_dcap_tcb_status status, bc_dcap_tcb_status minimum)
{
	if (status >= BC_DCAP_TCB_REVOKED)
		return false;
	return status <= minimum;
}

/* ---- the PCK certificate's SGX extensions (Intel, "SGX PCK Certificate and
 * Certificate Revocation List Profile Specification") ---- */

#define OID_SGX_EXT "1.2.840.113741.1.13.1"
/* the DER content of OID_SGX_EXT: its members are this and one more arc */
static const uint8_t sgx_oid_der[] = {0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01};

#define DER_INTEGER    0x02
#define DER_OCTETS     0x04
#define DER_OID	       0x06
#define DER_ENUMERATED 0x0A
#define DER_SEQUENCE   0x30
#define TCB_COMPONENTS 16
#define TCB_ARC_PCESVN 17
#define TCB_ARC_CPUSVN 18

typedef struct der {
	const uint8_t *p;
	size_t n;
} der;

/* The next TLV of in (definite lengths of at most 3 bytes: nothing here is larger). */
static bool der_next(der *in, uint8_t *tag, der *content)
{
	if (in->n < 2)
		return false;
	size_t len = in->p[1], hdr = 2;
	if (len & 0x80) {
		size_t k = len & 0x7f;
		if (k == 0 || k > 3 || in->n < 2 + k)
			return false;
		len = 0;
		for (size_t i = 0; i < k; i++)
			len = len << 8 | in->p[2 + i];
		hdr += k;
	}
	if (len > in->n - hdr)
		return false;
	*tag = in->p[0];
	*content = (der){.p = in->p + hdr, .n = len};
	in->p += hdr + len;
	in->n -= hdr + len;
	return true;
}

/* A member SEQUENCE { OID, value }: the OID's arcs after prefix (one or two small
 * ones: .k or .2.k) into arcs, and the value. */
static bool der_member(der *in, const uint8_t *prefix, size_t prefix_len, uint8_t *arc,
		       uint8_t *vtag, der *value)
{
	uint8_t tag;
	der seq, oid;
	if (!der_next(in, &tag, &seq) || tag != DER_SEQUENCE || !der_next(&seq, &tag, &oid) ||
	    tag != DER_OID || oid.n != prefix_len + 1 || memcmp(oid.p, prefix, prefix_len) != 0 ||
	    oid.p[prefix_len] >= 0x80 || !der_next(&seq, vtag, value) || seq.n != 0)
		return false;
	*arc = oid.p[prefix_len];
	return true;
}

/* A non-negative DER INTEGER below 65536. */
static bool der_small_int(der v, uint16_t *out)
{
	if (v.n == 0 || v.n > 3 || (v.p[0] & 0x80))
		return false;
	uint32_t x = 0;
	for (size_t i = 0; i < v.n; i++)
		x = x << 8 | v.p[i];
	if (x > UINT16_MAX)
		return false;
	*out = (uint16_t)x;
	return true;
}

static bc_status ext_fail(bc_error *err, const char *what)
{
	return bc_fail(err, BC_E_FORMAT, "the PCK certificate's SGX extension (%s): %s",
		       OID_SGX_EXT, what);
}

static bc_status parse_tcb(der tcb, bc_dcap_pck *out, bc_error *err)
{
	uint8_t prefix[sizeof(sgx_oid_der) + 1];
	memcpy(prefix, sgx_oid_der, sizeof(sgx_oid_der));
	prefix[sizeof(sgx_oid_der)] = 2;
	uint32_t seen = 0;
	while (tcb.n > 0) {
		uint8_t arc, tag;
		der v;
		uint16_t n = 0;
		if (!der_member(&tcb, prefix, sizeof(prefix), &arc, &tag, &v))
			return ext_fail(err, "TCB (.2): a member is not { OID .2.N, value }");
		if (arc >= 1 && arc <= TCB_COMPONENTS) {
			if (tag != DER_INTEGER || !der_small_int(v, &n) || n > 255)
				return ext_fail(err, "TCB (.2): a component SVN (.2.1 to .2.16) is "
						     "not an INTEGER 0 to 255");
			out->comp_svn[arc - 1] = (uint8_t)n;
		} else if (arc == TCB_ARC_PCESVN) {
			if (tag != DER_INTEGER || !der_small_int(v, &out->pcesvn))
				return ext_fail(err, "PCESVN (.2.17) is not an INTEGER 0 to 65535");
		} else if (arc == TCB_ARC_CPUSVN) {
			if (tag != DER_OCTETS || v.n != 16)
				return ext_fail(err, "CPUSVN (.2.18) is not an OCTET STRING of 16 "
						     "bytes");
			memcpy(out->cpusvn, v.p, 16);
		} else {
			continue; /* a later specification's: not ours to judge */
		}
		if (seen & (UINT32_C(1) << arc))
			return ext_fail(err, "TCB (.2): a member appears twice");
		seen |= UINT32_C(1) << arc;
	}
	uint32_t all = ((UINT32_C(1) << (TCB_ARC_CPUSVN + 1)) - 1) & ~UINT32_C(1);
	if (seen != all)
		return ext_fail(err, "TCB (.2): lacks a component SVN, PCESVN or CPUSVN");
	return BC_OK;
}

static bc_status parse_octets(der v, uint8_t tag, uint8_t *out, size_t size, const char *what,
			      bc_error *err)
{
	if (tag != DER_OCTETS || v.n != size) {
		char msg[96];
		snprintf(msg, sizeof(msg), "%s is not an OCTET STRING of %zu bytes", what, size);
		return ext_fail(err, msg);
	}
	memcpy(out, v.p, size);
	return BC_OK;
}

static bc_status parse_sgx_ext(der all, bc_dcap_pck *out, bc_error *err)
{
	uint8_t tag;
	der seq;
	if (!der_next(&all, &tag, &seq) || tag != DER_SEQUENCE || all.n != 0)
		return ext_fail(err, "not one DER SEQUENCE");
	unsigned seen = 0;
	while (seq.n > 0) {
		uint8_t arc;
		der v;
		bc_status s = BC_OK;
		if (!der_member(&seq, sgx_oid_der, sizeof(sgx_oid_der), &arc, &tag, &v))
			return ext_fail(err, "a member is not { OID " OID_SGX_EXT ".N, value }");
		if (arc < 16 && (seen & (1u << arc)))
			return ext_fail(err, "a member appears twice");
		if (arc < 16)
			seen |= 1u << arc;
		switch (arc) {
		case 1: s = parse_octets(v, tag, out->ppid, 16, "PPID (.1)", err); break;
		case 2:
			if (tag != DER_SEQUENCE)
				return ext_fail(err, "TCB (.2) is not a SEQUENCE");
			s = parse_tcb(v, out, err);
			break;
		case 3: s = parse_octets(v, tag, out->pceid, 2, "PCE-ID (.3)", err); break;
		case 4: s = parse_octets(v, tag, out->fmspc, 6, "FMSPC (.4)", err); break;
		case 5: {
			uint16_t n = 0;
			if (tag != DER_ENUMERATED || !der_small_int(v, &n))
				return ext_fail(err, "SGX Type (.5) is not an ENUMERATED");
			out->sgx_type = n;
			break;
		}
		default: break; /* platform instance ID, configuration: not used here */
		}
		if (s != BC_OK)
			return s;
	}
	if ((seen & 0x1e) != 0x1e)
		return ext_fail(err, "lacks the PPID (.1), TCB (.2), PCE-ID (.3) or FMSPC (.4)");
	return BC_OK;
}

bc_status bc_dcap_pck_from_x509(X509 *pck, bc_dcap_pck *out, bc_error *err)
{
	memset(out, 0, sizeof(*out));
	ASN1_OBJECT *obj = OBJ_txt2obj(OID_SGX_EXT, 1);
	if (!obj)
		return bc_dcap_ossl_fail(err, BC_E_NOMEM, "out of memory");
	int at = X509_get_ext_by_OBJ(pck, obj, -1);
	int again = at < 0 ? -1 : X509_get_ext_by_OBJ(pck, obj, at);
	ASN1_OBJECT_free(obj);
	ERR_clear_error();
	if (at < 0)
		return bc_fail(err, BC_E_FORMAT,
			       "the PCK certificate has no SGX extension (%s): it is not a PCK "
			       "certificate",
			       OID_SGX_EXT);
	if (again >= 0)
		return ext_fail(err, "present twice");
	const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(pck, at));
	der all = {.p = ASN1_STRING_get0_data(v), .n = (size_t)ASN1_STRING_length(v)};
	bc_status s = parse_sgx_ext(all, out, err);
	if (s != BC_OK)
		return s;
	X509_NAME *issuer = X509_get_issuer_name(pck);
	if (X509_NAME_get_text_by_NID(issuer, NID_commonName, out->issuer_cn,
				      (int)sizeof(out->issuer_cn)) < 0)
		out->issuer_cn[0] = '\0';
	ERR_clear_error();
	return BC_OK;
}

bc_status bc_dcap_pck_extensions(const uint8_t *cert, size_t size, bc_dcap_pck *out, bc_error *err)
{
	X509 *x = NULL;
	memset(out, 0, sizeof(*out));
	bc_status s = bc_dcap_load_cert(cert, size, "PCK certificate", &x, err);
	if (s == BC_OK)
		s = bc_dcap_pck_from_x509(x, out, err);
	X509_free(x);
	return s;
}
