/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Verifying evidence, in software: the AK, the signature over the TPMS_ATTEST, the
 * attest structure, the nonce, the PCR selection and digest, the event log replay and
 * the golden database. Every check gets a verdict and words; evidence that fails one is
 * a result, never an error, and nothing in it is trusted before the signature is.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include <bootchain/attest.h>
#include <bootchain/enrolment.h>
#include <bootchain/eventlog.h>

#include "attest/attest-internal.h"
#include "attest/keep-kinds.h"
#include "attest/keep.h"
#include "attest/tpm-public.h"
#include "golden/golden-internal.h"
#include "pcr/digest-internal.h"
#include "util/cleanup.h"
#include "util/hex.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY_CTX *, EVP_PKEY_CTX_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(ECDSA_SIG *, ECDSA_SIG_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(BIO *, BIO_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(bc_log *, bc_log_free)

const char *bc_check_name(bc_check check)
{
	static const char *const names[BC_CHECK_COUNT] = {
	    "ak",	  "signature", "attest", "nonce",	   "pcr-selection",
	    "pcr-digest", "eventlog",  "golden", "keep-signature", "keep-binding",
	    "keep-golden"};
	return check < BC_CHECK_COUNT ? names[check] : "unknown";
}

static void verdict(bc_verify_result *res, bc_check c, bc_check_status st, const char *fmt, ...)
    BC_PRINTF(4, 5);
static void verdict(bc_verify_result *res, bc_check c, bc_check_status st, const char *fmt, ...)
{
	va_list ap;
	res->status[c] = st;
	va_start(ap, fmt);
	vsnprintf(res->message[c], sizeof(res->message[c]), fmt, ap);
	va_end(ap);
	if (st == BC_CHECK_FAIL)
		res->pass = false;
}

/* ---- the PCR digest ---- */

/* H(the selected values, bank by bank in selection order, PCRs ascending), as TPM2_Quote
 * computes pcrDigest with the signing scheme's hash. false if a value is missing. */
bool bc_pcr_values_digest(const bc_pcr_values *values, const bc_pcr_selection *sel, uint16_t alg,
			  bc_digest *out)
{
	bc_hasher *h = NULL;
	bool ok = bc_hasher_new(&alg, 1, &h, NULL) == BC_OK;
	for (size_t b = 0; ok && b < sel->count; b++) {
		const bc_pcr_bank *bank =
		    bc_pcr_values_bank((bc_pcr_values *)values, sel->banks[b].alg);
		for (unsigned p = 0; ok && p < BC_PCR_COUNT; p++) {
			if (!(sel->banks[b].mask & (1u << p)))
				continue;
			ok = bank && (bank->mask & (1u << p)) &&
			     bc_hasher_update(h, bank->values[p], bank->size, NULL) == BC_OK;
		}
	}
	bc_digest_set set;
	ok = ok && bc_hasher_final(h, &set, NULL) == BC_OK;
	if (ok)
		*out = set.digests[0];
	bc_hasher_free(h);
	return ok;
}

static bool parse_attest(const bc_evidence *ev, TPMS_ATTEST *out)
{
	size_t offset = 0;
	return Tss2_MU_TPMS_ATTEST_Unmarshal(ev->attest, ev->attest_size, &offset, out) ==
		   TSS2_RC_SUCCESS &&
	       offset == ev->attest_size;
}

static bool parse_signature(const bc_evidence *ev, TPMT_SIGNATURE *out)
{
	size_t offset = 0;
	return Tss2_MU_TPMT_SIGNATURE_Unmarshal(ev->signature, ev->signature_size, &offset, out) ==
		   TSS2_RC_SUCCESS &&
	       offset == ev->signature_size;
}

/* The hash of a signature's scheme; 0 when the scheme is not one a quote uses. */
static uint16_t signature_hash(const TPMT_SIGNATURE *sig)
{
	switch (sig->sigAlg) {
	case TPM2_ALG_ECDSA: return sig->signature.ecdsa.hash;
	case TPM2_ALG_RSASSA: return sig->signature.rsassa.hash;
	case TPM2_ALG_RSAPSS: return sig->signature.rsapss.hash;
	default: return 0;
	}
}

bool bc_quote_digest_matches(const bc_evidence *ev)
{
	TPMS_ATTEST attest;
	TPMT_SIGNATURE sig;
	bc_digest d;
	if (!parse_attest(ev, &attest) || !parse_signature(ev, &sig) ||
	    attest.type != TPM2_ST_ATTEST_QUOTE)
		return false;
	const TPM2B_DIGEST *want = &attest.attested.quote.pcrDigest;
	return bc_pcr_values_digest(&ev->pcrs, &ev->selection, signature_hash(&sig), &d) &&
	       d.size == want->size && memcmp(d.bytes, want->buffer, d.size) == 0;
}

/* ---- the AK ---- */

struct bc_verify_key {
	EVP_PKEY *pkey;
	uint8_t raw[1024]; /* the public key material, to compare with an evidence's AK */
	size_t raw_size;
	bool has_name; /* given as a TPM2B_PUBLIC: the evidence's must have this name */
	TPM2B_NAME name;
};

/* The public key material of a TPM public area, in the form OpenSSL gives it: an
 * uncompressed EC point (coordinates padded to the field size), or the RSA modulus
 * without leading zeros followed by the 4-byte exponent. */
static bool raw_of_tpm(const TPMT_PUBLIC *pub, uint8_t *out, size_t max, size_t *len)
{
	if (pub->type == TPM2_ALG_ECC)
		return bc_tpm_ecc_point(pub, out, max, len);
	if (pub->type == TPM2_ALG_RSA) {
		const TPM2B_PUBLIC_KEY_RSA *n = &pub->unique.rsa;
		uint32_t e =
		    pub->parameters.rsaDetail.exponent ? pub->parameters.rsaDetail.exponent : 65537;
		size_t skip = 0;
		while (skip < n->size && n->buffer[skip] == 0)
			skip++;
		if (n->size - skip + 4 > max)
			return false;
		memcpy(out, n->buffer + skip, n->size - skip);
		*len = n->size - skip;
		for (int i = 3; i >= 0; i--)
			out[(*len)++] = (uint8_t)(e >> (8 * i));
		return true;
	}
	return false;
}

static bool raw_of_pkey(EVP_PKEY *key, uint8_t *out, size_t max, size_t *len)
{
	if (EVP_PKEY_base_id(key) == EVP_PKEY_EC)
		return EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out, max,
						       len) == 1;
	if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA)
		return false;
	BIGNUM *n = NULL, *e = NULL;
	bool ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
		  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) == 1 &&
		  (size_t)BN_num_bytes(n) + 4 <= max && BN_num_bits(e) <= 32;
	if (ok) {
		*len = (size_t)BN_bn2bin(n, out);
		uint32_t ev = (uint32_t)BN_get_word(e);
		for (int i = 3; i >= 0; i--)
			out[(*len)++] = (uint8_t)(ev >> (8 * i));
	}
	BN_free(n);
	BN_free(e);
	return ok;
}

/* A PEM AK says nothing of its attributes: taken only when the caller vouches for it. */
static bc_status pem_key(const uint8_t *data, size_t size, unsigned flags, bc_verify_key *k,
			 bc_error *err)
{
	if (!(flags & BC_VERIFY_KEY_PEM_CHECKED))
		return bc_fail(err, BC_E_MISMATCH,
			       "the AK is a bare PEM public key, which does not show whether it "
			       "is a restricted signing key of a TPM: give its TPM2B_PUBLIC "
			       "(attest ak create --out-public, tpm2_createak -u), or vouch that "
			       "its origin was checked elsewhere (--ak-pem-checked)");
	if (size > INT32_MAX)
		return bc_fail(err, BC_E_LIMIT, "the AK: too large");
	_cleanup_(BIO_freep) BIO *bio = BIO_new_mem_buf(data, (int)size);
	k->pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
	ERR_clear_error();
	return k->pkey ? BC_OK : bc_fail(err, BC_E_FORMAT, "the AK is not a PEM public key");
}

/* A TPM2B_PUBLIC AK: judged by its attributes, and remembered by its name. */
static bc_status tpm_key(const uint8_t *data, size_t size, bc_verify_key *k, bc_error *err)
{
	TPM2B_PUBLIC pub;
	bc_status s = bc_tpm_public_unmarshal(data, size, "the AK", &pub, err);
	if (s == BC_OK)
		s = bc_ak_public_check(&pub.publicArea, "the AK", err);
	if (s == BC_OK)
		s = bc_tpm_public_name(&pub.publicArea, &k->name, err);
	if (s == BC_OK)
		s = bc_tpm_public_to_pkey(&pub.publicArea, &k->pkey, err);
	k->has_name = s == BC_OK;
	return s;
}

bc_status bc_verify_key_new(const uint8_t *data, size_t size, unsigned flags, bc_verify_key **out,
			    bc_error *err)
{
	bc_verify_key *k = calloc(1, sizeof(*k));
	bc_status s;
	*out = NULL;
	if (!k)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (size > 10 && memcmp(data, "-----BEGIN", 10) == 0)
		s = pem_key(data, size, flags, k, err);
	else
		s = tpm_key(data, size, k, err);
	if (s == BC_OK && !raw_of_pkey(k->pkey, k->raw, sizeof(k->raw), &k->raw_size))
		s = bc_fail(err, BC_E_UNSUPPORTED, "the AK is neither an RSA nor an EC key");
	ERR_clear_error();
	if (s != BC_OK) {
		bc_verify_key_free(k);
		return s;
	}
	*out = k;
	return BC_OK;
}

void bc_verify_key_free(bc_verify_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

static void check_ak(const bc_evidence *ev, const bc_verify_key *want, bc_verify_result *res)
{
	TPM2B_PUBLIC pub;
	TPM2B_NAME name;
	uint8_t raw[1024];
	size_t raw_size = 0;
	bc_error err = {0};
	if (!ev->ak_public) {
		verdict(res, BC_CHECK_AK, BC_CHECK_SKIP, "the evidence does not name its AK");
		return;
	}
	if (bc_tpm_public_unmarshal(ev->ak_public, ev->ak_public_size, "ak_public", &pub, &err) ||
	    bc_ak_public_check(&pub.publicArea, "the evidence's AK", &err)) {
		verdict(res, BC_CHECK_AK, BC_CHECK_FAIL, "%s", bc_error_message(&err));
		return;
	}
	if (!raw_of_tpm(&pub.publicArea, raw, sizeof(raw), &raw_size) ||
	    raw_size != want->raw_size || memcmp(raw, want->raw, raw_size) != 0) {
		verdict(res, BC_CHECK_AK, BC_CHECK_FAIL,
			"the evidence's AK is not the expected AK");
		return;
	}
	/* the same key material in another public area is another object */
	if (want->has_name &&
	    (bc_tpm_public_name(&pub.publicArea, &name, NULL) != BC_OK ||
	     name.size != want->name.size || memcmp(name.name, want->name.name, name.size) != 0)) {
		verdict(res, BC_CHECK_AK, BC_CHECK_FAIL,
			"the evidence's AK has the expected key but another public area (name)");
		return;
	}
	verdict(res, BC_CHECK_AK, BC_CHECK_PASS, "the expected AK");
}

/* ---- the signature ---- */

static bool ecdsa_der(const TPMS_SIGNATURE_ECC *ecc, uint8_t **der, int *len)
{
	_cleanup_(ECDSA_SIG_freep) ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(ecc->signatureR.buffer, ecc->signatureR.size, NULL);
	BIGNUM *s = BN_bin2bn(ecc->signatureS.buffer, ecc->signatureS.size, NULL);
	if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r, s)) {
		BN_free(r);
		BN_free(s);
		return false;
	}
	*der = NULL;
	*len = i2d_ECDSA_SIG(sig, der);
	return *len > 0;
}

/* The key's type must be the signature's: an ECDSA signature from an RSA AK is refused
 * before OpenSSL sees it. */
static const char *scheme_mismatch(const TPMT_SIGNATURE *sig, EVP_PKEY *key)
{
	bool ec = EVP_PKEY_base_id(key) == EVP_PKEY_EC, rsa = EVP_PKEY_base_id(key) == EVP_PKEY_RSA;
	switch (sig->sigAlg) {
	case TPM2_ALG_ECDSA: return ec ? NULL : "an ECDSA signature, and the AK is not ECC";
	case TPM2_ALG_RSASSA:
	case TPM2_ALG_RSAPSS: return rsa ? NULL : "an RSA signature, and the AK is not RSA";
	default: return "a signature of an algorithm quotes do not use";
	}
}

static bool verify_raw(EVP_PKEY *key, const TPMT_SIGNATURE *sig, const bc_digest *digest)
{
	_cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	const EVP_MD *md = bc_hash_alg_md(digest->alg);
	const uint8_t *s = NULL;
	uint8_t *der = NULL;
	size_t s_len = 0;
	int der_len = 0;
	bool ok = ctx && md && EVP_PKEY_verify_init(ctx) == 1 &&
		  EVP_PKEY_CTX_set_signature_md(ctx, md) == 1;
	if (ok && sig->sigAlg == TPM2_ALG_ECDSA) {
		ok = ecdsa_der(&sig->signature.ecdsa, &der, &der_len);
		s = der;
		s_len = (size_t)der_len;
	} else if (ok) {
		const TPMS_SIGNATURE_RSA *r = sig->sigAlg == TPM2_ALG_RSASSA
						  ? &sig->signature.rsassa
						  : &sig->signature.rsapss;
		int pad =
		    sig->sigAlg == TPM2_ALG_RSASSA ? RSA_PKCS1_PADDING : RSA_PKCS1_PSS_PADDING;
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx, pad) == 1 &&
		     (pad != RSA_PKCS1_PSS_PADDING ||
		      EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_AUTO) == 1);
		s = r->sig.buffer;
		s_len = r->sig.size;
	}
	ok = ok && EVP_PKEY_verify(ctx, s, s_len, digest->bytes, digest->size) == 1;
	OPENSSL_free(der);
	ERR_clear_error();
	return ok;
}

static void check_signature(const bc_evidence *ev, EVP_PKEY *key, TPMT_SIGNATURE *sig,
			    bc_verify_result *res)
{
	bc_digest digest;
	const char *why;
	if (!parse_signature(ev, sig)) {
		verdict(res, BC_CHECK_SIGNATURE, BC_CHECK_FAIL, "not a TPMT_SIGNATURE");
		return;
	}
	if ((why = scheme_mismatch(sig, key))) {
		verdict(res, BC_CHECK_SIGNATURE, BC_CHECK_FAIL, "%s", why);
		return;
	}
	uint16_t alg = signature_hash(sig);
	if (!bc_hash_alg_by_id(alg) ||
	    bc_digest_compute(alg, ev->attest, ev->attest_size, &digest, NULL) != BC_OK) {
		verdict(res, BC_CHECK_SIGNATURE, BC_CHECK_FAIL, "hash algorithm 0x%04x", alg);
		return;
	}
	if (!verify_raw(key, sig, &digest)) {
		verdict(res, BC_CHECK_SIGNATURE, BC_CHECK_FAIL, "does not verify with the AK");
		return;
	}
	verdict(res, BC_CHECK_SIGNATURE, BC_CHECK_PASS, "%s with %s, by the AK",
		sig->sigAlg == TPM2_ALG_ECDSA ? "ECDSA" : "RSA", bc_hash_alg_name(alg));
}

/* ---- the attest structure ---- */

static void selection_of(const TPML_PCR_SELECTION *tpml, bc_pcr_selection *out)
{
	*out = (bc_pcr_selection){.count = 0};
	for (UINT32 i = 0; i < tpml->count && i < TPM2_NUM_PCR_BANKS; i++) {
		const TPMS_PCR_SELECTION *s = &tpml->pcrSelections[i];
		uint32_t mask = 0;
		for (unsigned b = 0; b < s->sizeofSelect && b < 3; b++)
			mask |= (uint32_t)s->pcrSelect[b] << (8 * b);
		bc_pcr_selection_add(out, s->hash, mask, NULL);
	}
}

static bool same_selection(const bc_pcr_selection *a, const bc_pcr_selection *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (a->banks[i].alg != b->banks[i].alg || a->banks[i].mask != b->banks[i].mask)
			return false;
	return true;
}

/* extraData: the verifier's nonce, or with a Keep report the nonce bound to it. Without
 * a nonce a quote may be a replayed old one: accepted only when the caller says so
 * (no_nonce), and then never called fresh. */
static void check_nonce(const bc_evidence *ev, const bc_verify_opts *o, const TPMS_ATTEST *a,
			bc_verify_result *res)
{
	uint8_t bound[32];
	const uint8_t *want = o->nonce;
	size_t want_size = o->nonce_size;
	if (o->no_nonce) {
		verdict(res, BC_CHECK_NONCE, BC_CHECK_PASS,
			"not checked (no nonce): the quote may be an old one");
		return;
	}
	if (!o->nonce_size) {
		verdict(res, BC_CHECK_NONCE, BC_CHECK_FAIL,
			"no nonce given: a quote cannot be shown to be fresh");
		return;
	}
	if (ev->keep_report) { /* the nonce bound to the Keep report */
		bc_keep_qualifying_data(o->nonce, o->nonce_size, ev->keep_report,
					ev->keep_report_size, bound);
		want = bound;
		want_size = sizeof(bound);
	}
	bool nonce_ok =
	    a->extraData.size == want_size && memcmp(a->extraData.buffer, want, want_size) == 0;
	res->fresh = nonce_ok;
	verdict(res, BC_CHECK_NONCE, nonce_ok ? BC_CHECK_PASS : BC_CHECK_FAIL, "%s",
		nonce_ok ? (ev->keep_report ? "the verifier's nonce, bound to the Keep report"
					    : "the verifier's nonce")
			 : (ev->keep_report ? "extraData is not the verifier's nonce bound to this "
					      "Keep report"
					    : "extraData is not the verifier's nonce"));
}

/* Whether quoted covers every pair of want. */
static bool selection_covers(const bc_pcr_selection *quoted, const bc_pcr_selection *want,
			     char *missing, size_t size)
{
	for (size_t b = 0; b < want->count; b++) {
		uint32_t lack =
		    want->banks[b].mask & ~bc_pcr_selection_mask(quoted, want->banks[b].alg);
		if (lack) {
			snprintf(missing, size, "%s PCR %d", bc_hash_alg_name(want->banks[b].alg),
				 __builtin_ctz(lack));
			return false;
		}
	}
	return true;
}

/* The verifier decides what must be quoted: o->require, else what the golden database
 * judges. A quote of less leaves events unjudged, so it fails here, by name. */
static bool required_covered(const bc_pcr_selection *quoted, const bc_verify_opts *o, char *why,
			     size_t size)
{
	char missing[96];
	if (o->require && !selection_covers(quoted, o->require, missing, sizeof(missing))) {
		snprintf(why, size, "the quote does not cover %s, which the verifier requires",
			 missing);
		return false;
	}
	if (!o->require && o->golden &&
	    !bc_golden_quote_covers(o->golden, quoted, missing, sizeof(missing))) {
		snprintf(why, size, "the quote does not cover %s", missing);
		return false;
	}
	return true;
}

static void check_quote_fields(const bc_evidence *ev, const bc_verify_opts *o, const TPMS_ATTEST *a,
			       const TPMT_SIGNATURE *sig, bc_verify_result *res)
{
	char sel_text[256], why[256];
	bc_pcr_selection quoted;
	bc_digest d;
	check_nonce(ev, o, a, res);
	selection_of(&a->attested.quote.pcrSelect, &quoted);
	bc_pcr_selection_format(&quoted, sel_text, sizeof(sel_text));
	if (!same_selection(&quoted, &ev->selection)) {
		verdict(res, BC_CHECK_PCR_SELECTION, BC_CHECK_FAIL,
			"the quote covers %s, not the PCRs supplied", sel_text);
		verdict(res, BC_CHECK_PCR_DIGEST, BC_CHECK_SKIP, "the selections differ");
		return;
	}
	if (!required_covered(&quoted, o, why, sizeof(why)))
		verdict(res, BC_CHECK_PCR_SELECTION, BC_CHECK_FAIL, "%s (it covers %s)", why,
			sel_text);
	else
		verdict(res, BC_CHECK_PCR_SELECTION, BC_CHECK_PASS, "%s", sel_text);
	const TPM2B_DIGEST *want = &a->attested.quote.pcrDigest;
	bool digest_ok = bc_pcr_values_digest(&ev->pcrs, &ev->selection, signature_hash(sig), &d) &&
			 d.size == want->size && memcmp(d.bytes, want->buffer, d.size) == 0;
	verdict(res, BC_CHECK_PCR_DIGEST, digest_ok ? BC_CHECK_PASS : BC_CHECK_FAIL, "%s",
		digest_ok ? "the values supplied are the values quoted"
			  : "the values supplied are not the values quoted");
	res->values_signed = digest_ok;
}

static bool check_attest(const bc_evidence *ev, const bc_verify_opts *o, const TPMT_SIGNATURE *sig,
			 bc_verify_result *res)
{
	TPMS_ATTEST a;
	if (!parse_attest(ev, &a)) {
		verdict(res, BC_CHECK_ATTEST, BC_CHECK_FAIL, "not a TPMS_ATTEST (%zu bytes)",
			ev->attest_size);
		return false;
	}
	res->has_clock = true;
	res->clock = a.clockInfo.clock;
	res->reset_count = a.clockInfo.resetCount;
	res->restart_count = a.clockInfo.restartCount;
	res->safe = a.clockInfo.safe;
	res->firmware_version = a.firmwareVersion;
	if (a.magic != TPM2_GENERATED_VALUE || a.type != TPM2_ST_ATTEST_QUOTE) {
		verdict(res, BC_CHECK_ATTEST, BC_CHECK_FAIL,
			"magic 0x%08x, type 0x%04x: not a quote", a.magic, a.type);
		return false;
	}
	verdict(res, BC_CHECK_ATTEST, BC_CHECK_PASS, "a quote made by a TPM");
	check_quote_fields(ev, o, &a, sig, res);
	return true;
}

/* ---- the event log ---- */

/* The eventlog verdict: every quoted (bank, PCR) pair replayed to its signed value. */
static void eventlog_verdict(const bc_attested_view *view, bc_verify_result *res)
{
	if (view->complete) {
		verdict(res, BC_CHECK_EVENTLOG, BC_CHECK_PASS,
			"the log replays to the %zu quoted values", view->pairs_quoted);
		return;
	}
	verdict(res, BC_CHECK_EVENTLOG, BC_CHECK_FAIL, "%zu of %zu quoted values replayed; %s",
		view->pairs_attested, view->pairs_quoted, view->problem);
}

/* "0,4,8-9" */
static void format_pcrs(uint32_t mask, char *out, size_t size)
{
	bc_pcr_selection sel = {0};
	char text[128];
	if (!mask) {
		snprintf(out, size, "none");
		return;
	}
	bc_pcr_selection_add(&sel, BC_ALG_SHA256, mask, NULL);
	bc_pcr_selection_format(&sel, text, sizeof(text));
	const char *colon = strchr(text, ':');
	snprintf(out, size, "%s", colon ? colon + 1 : text);
}

/* The first event that fails the database (not one of a PCR it opens). */
static const bc_golden_event_result *first_failing(const bc_golden_report *r)
{
	for (size_t i = 0; i < r->event_count; i++)
		if (r->events[i].verdict != BC_EVENT_KNOWN &&
		    r->events[i].verdict != BC_EVENT_NOT_COVERED)
			return &r->events[i];
	return NULL;
}

static void golden_verdict(const bc_golden_report *r, bc_verify_result *res)
{
	const bc_golden_event_result *e;
	char judged[160], unjudged[160];
	format_pcrs(r->judged_pcrs, judged, sizeof(judged));
	format_pcrs(r->unjudged_pcrs, unjudged, sizeof(unjudged));
	if (r->match)
		verdict(res, BC_CHECK_GOLDEN, BC_CHECK_PASS,
			"%zu events known; PCRs judged: %s; not judged: %s", r->known, judged,
			unjudged);
	else if ((e = first_failing(r)))
		verdict(res, BC_CHECK_GOLDEN, BC_CHECK_FAIL, "PCR %u, event %u: %s%s%s", e->pcr,
			e->number, bc_golden_event_verdict_name(e->verdict),
			e->component ? " component " : "", e->component ? e->component->name : "");
	else if (r->missing_count)
		verdict(res, BC_CHECK_GOLDEN, BC_CHECK_FAIL,
			"component %s missing (PCRs judged: %s; not judged: %s)",
			r->missing[0]->name, judged, unjudged);
	else
		verdict(res, BC_CHECK_GOLDEN, BC_CHECK_FAIL, "%s PCR %u: %s final value",
			bc_hash_alg_name(r->pcr_mismatches[0].alg), r->pcr_mismatches[0].pcr,
			r->pcr_mismatches[0].value.size ? "not an allowed" : "no attested");
}

/*
 * The log, judged only through the attested view: the pairs whose digests replay to
 * values the quote signed. Values the signature does not cover vouch for nothing, so
 * with a failed quote nothing is attested at all.
 */
static void check_log(const bc_evidence *ev, const bc_verify_opts *o, bool quote_ok,
		      bc_verify_result *res)
{
	_cleanup_(bc_log_freep) bc_log *log = NULL;
	bc_error err = {0};
	if (!ev->eventlog) {
		verdict(res, BC_CHECK_EVENTLOG, BC_CHECK_SKIP, "no event log in the evidence");
		verdict(res, BC_CHECK_GOLDEN, o->golden ? BC_CHECK_FAIL : BC_CHECK_SKIP, "%s",
			o->golden ? "no event log to check" : "no golden database");
		return;
	}
	if (bc_log_from_memory(ev->eventlog, ev->eventlog_size, "eventlog", &log, &err) != BC_OK) {
		verdict(res, BC_CHECK_EVENTLOG, BC_CHECK_FAIL, "%s", bc_error_message(&err));
		verdict(res, BC_CHECK_GOLDEN, o->golden ? BC_CHECK_FAIL : BC_CHECK_SKIP,
			"no usable event log");
		return;
	}
	bc_attested_view *view = calloc(1, sizeof(*view));
	if (!view) {
		verdict(res, BC_CHECK_EVENTLOG, BC_CHECK_FAIL, "out of memory");
		verdict(res, BC_CHECK_GOLDEN, o->golden ? BC_CHECK_FAIL : BC_CHECK_SKIP, "-");
		return;
	}
	if (!quote_ok) {
		/* an empty view: the values prove nothing, so the log cannot either */
		verdict(res, BC_CHECK_EVENTLOG, BC_CHECK_FAIL,
			"the quote does not vouch for the values: nothing attested");
	} else if (bc_log_attest(log, &ev->selection, &ev->pcrs, view, &err) != BC_OK) {
		*view = (bc_attested_view){0};
		verdict(res, BC_CHECK_EVENTLOG, BC_CHECK_FAIL, "%s", bc_error_message(&err));
	} else {
		eventlog_verdict(view, res);
	}
	res->attested = view->attested;
	if (!o->golden)
		verdict(res, BC_CHECK_GOLDEN, BC_CHECK_SKIP, "no golden database");
	else if (bc_golden_check_view(o->golden, log, view, false, &res->golden, &err) != BC_OK)
		verdict(res, BC_CHECK_GOLDEN, BC_CHECK_FAIL, "%s", bc_error_message(&err));
	else
		golden_verdict(res->golden, res);
	free(view);
}

/* ---- the Keep ---- */

static bool keep_required(const bc_verify_opts *o)
{
	return o->keep_required || (o->golden && o->golden->has_keep);
}

/* The report's signature: by the VCEK the verifier gave, or by the evidence's VCEK
 * when it chains to the ARK the verifier gave (a certificate the evidence brings and
 * nothing vouches for proves nothing). */
static void check_keep_signature(const bc_evidence *ev, const bc_verify_opts *o,
				 bc_verify_result *res)
{
	const uint8_t *vcek = o->keep_vcek ? o->keep_vcek : ev->keep_vcek;
	size_t vcek_size = o->keep_vcek ? o->keep_vcek_size : ev->keep_vcek_size;
	bc_error err = {0};
	if (!vcek) {
		verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL, "no VCEK to verify it with");
		return;
	}
	if (!o->keep_vcek && !o->keep_ark) {
		verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL,
			"the evidence's own VCEK, and no ARK to chain it to");
		return;
	}
	if (bc_snp_report_verify(ev->keep_report, ev->keep_report_size, vcek, vcek_size,
				 o->keep_ask, o->keep_ask_size, o->keep_ark, o->keep_ark_size,
				 &err) != BC_OK) {
		verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL, "%s", bc_error_message(&err));
		return;
	}
	verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_PASS,
		"SEV-SNP report signed by the VCEK of its chip and TCB%s",
		o->keep_ark ? ", which chains to the ARK" : "");
}

bool bc_keep_expected_report_data(const bc_evidence *ev, const bc_verify_opts *o,
				  bc_verify_result *res, uint8_t want[64])
{
	TPM2B_PUBLIC pub;
	TPM2B_NAME name;
	if (res->status[BC_CHECK_AK] != BC_CHECK_PASS ||
	    bc_tpm_public_unmarshal(ev->ak_public, ev->ak_public_size, "ak", &pub, NULL) ||
	    bc_tpm_public_name(&pub.publicArea, &name, NULL)) {
		verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL, "no verified AK to bind");
		return false;
	}
	bc_keep_report_data(o->nonce, o->nonce_size, name.name, name.size, want);
	return true;
}

static void check_keep_binding(const bc_evidence *ev, const bc_verify_opts *o,
			       const bc_snp_report *r, bc_verify_result *res)
{
	uint8_t want[64];
	if (!bc_keep_expected_report_data(ev, o, res, want))
		return;
	if (memcmp(r->report_data, want, sizeof(want)) != 0) {
		verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL,
			"REPORT_DATA is not bound to this nonce and this AK");
		return;
	}
	/* the Keep of the enrolled machine, not another one bound to this AK */
	if (o->keep_chip_id && memcmp(r->chip_id, o->keep_chip_id, sizeof(r->chip_id)) != 0) {
		char hex[2 * 8 + 1];
		verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL,
			"CHIP_ID %s... is not the enrolled chip's",
			bc_hex_encode(r->chip_id, 8, hex));
		return;
	}
	verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_PASS,
		"REPORT_DATA binds the nonce and the AK%s",
		o->keep_chip_id ? "; CHIP_ID is the enrolled chip's" : "");
}

/* The first part of REPORTED_TCB below the golden "min_tcb", or -1; *got its value. */
static int tcb_below_minimum(const bc_golden *db, const bc_snp_report *r, int *got)
{
	bc_snp_tcb t = bc_snp_tcb_split(r->reported_tcb, bc_snp_report_is_turin(r));
	int parts[BC_GOLDEN_TCB_PARTS] = {
	    [BC_GOLDEN_TCB_BOOTLOADER] = t.bootloader,
	    [BC_GOLDEN_TCB_TEE] = t.tee,
	    [BC_GOLDEN_TCB_SNP] = t.snp,
	    [BC_GOLDEN_TCB_MICROCODE] = t.microcode,
	    [BC_GOLDEN_TCB_FMC] = t.fmc,
	};
	for (int i = 0; i < BC_GOLDEN_TCB_PARTS; i++) {
		if (db->keep_min_tcb[i] >= 0 && parts[i] < db->keep_min_tcb[i]) {
			*got = parts[i];
			return i;
		}
	}
	return -1;
}

static void check_keep_golden(const bc_verify_opts *o, const bc_snp_report *r,
			      bc_verify_result *res)
{
	int below, got = 0;
	char hex[2 * 48 + 1];
	if (!o->golden || !o->golden->has_keep) {
		verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_SKIP,
			"no \"keep\" in a golden database");
		return;
	}
	if (!o->golden->has_keep_snp) { /* a "keep" of other kinds only */
		verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
			"the golden database allows no SEV-SNP Keep");
		return;
	}
	bc_hex_encode(r->measurement, 48, hex);
	bool debug = (r->policy >> 19) & 1; /* SEV-SNP guest policy: DEBUG */
	if (debug && !o->golden->keep_allow_debug) {
		verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
			"a debuggable Keep (policy 0x%" PRIx64 ")", r->policy);
		return;
	}
	if ((below = tcb_below_minimum(o->golden, r, &got)) >= 0) {
		verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
			"REPORTED_TCB %s %d is below the golden database's min_tcb %s %d",
			bc_golden_tcb_names[below], got, bc_golden_tcb_names[below],
			o->golden->keep_min_tcb[below]);
		return;
	}
	for (size_t i = 0; i < o->golden->keep_count; i++) {
		if (memcmp(o->golden->keep_measurements[i], r->measurement, 48) == 0) {
			verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_PASS,
				"MEASUREMENT %.16s... allowed", hex);
			return;
		}
	}
	verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL, "MEASUREMENT %s is not an allowed one",
		hex);
}

void bc_keep_verdict(bc_verify_result *res, bc_check c, bc_check_status st, const char *fmt, ...)
{
	va_list ap;
	res->status[c] = st;
	va_start(ap, fmt);
	vsnprintf(res->message[c], sizeof(res->message[c]), fmt, ap);
	va_end(ap);
	if (st == BC_CHECK_FAIL)
		res->pass = false;
}

void bc_keep_verdict_all(bc_verify_result *res, bc_check_status st, const char *message)
{
	for (int c = BC_CHECK_KEEP_SIGNATURE; c <= BC_CHECK_KEEP_GOLDEN; c++)
		verdict(res, (bc_check)c, st, "%s", message);
}

static const struct {
	const char *provider;
	bc_keep_kind kind;
	const char *name;
	bc_keep_check_fn check;
} keep_kinds[] = {
    {"sev_guest", BC_KEEP_SEV_SNP, "SEV-SNP", bc_keep_check_snp},
    {"tdx_guest", BC_KEEP_TDX, "TDX", bc_keep_check_tdx},
    {"sgx", BC_KEEP_SGX, "SGX", bc_keep_check_sgx},
    {"azure_hcl", BC_KEEP_AZURE_HCL, "Azure HCL", bc_keep_check_azure},
};

bc_keep_kind bc_keep_kind_of(const char *provider)
{
	for (size_t i = 0; provider && i < ELEMENTSOF(keep_kinds); i++)
		if (!strcmp(provider, keep_kinds[i].provider))
			return keep_kinds[i].kind;
	return BC_KEEP_UNKNOWN;
}

const char *bc_keep_kind_name(bc_keep_kind kind)
{
	for (size_t i = 0; i < ELEMENTSOF(keep_kinds); i++)
		if (keep_kinds[i].kind == kind)
			return keep_kinds[i].name;
	return "unknown";
}

/* The enrolment kind ("keep": {"kind"}, bootchain-enrolment(5)) of a report's kind:
 * an Azure HCL report is over SEV-SNP (one over TDX names no Keep at enrolment). */
static const char *enrolment_kind(bc_keep_kind kind)
{
	switch (kind) {
	case BC_KEEP_SEV_SNP:
	case BC_KEEP_AZURE_HCL: return BC_KEEP_KIND_SEV_SNP;
	case BC_KEEP_TDX: return BC_KEEP_KIND_TDX;
	default: return NULL;
	}
}

/* The enrolled machine's Keep is of one kind: a report of another kind is another
 * Keep's, however well signed and bound (keep-binding fails, after the kind's checks). */
static void check_keep_kind(bc_keep_kind kind, const bc_verify_opts *o, bc_verify_result *res)
{
	const char *got = enrolment_kind(kind);
	if (!o->keep_kind || (got && !strcmp(got, o->keep_kind)))
		return;
	bc_keep_verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL,
			"the enrolled Keep is %s, and this report is %s: another Keep's",
			!strcmp(o->keep_kind, BC_KEEP_KIND_TDX) ? "TDX" : "SEV-SNP",
			bc_keep_kind_name(kind));
}

/* The Keep's checks, by the kind of its report. */
static void check_keep(const bc_evidence *ev, const bc_verify_opts *o, bc_verify_result *res)
{
	if (!ev->keep_report) {
		bc_keep_verdict_all(res, keep_required(o) ? BC_CHECK_FAIL : BC_CHECK_SKIP,
				    o->keep_kind ? "no Keep report in the evidence, and the "
						   "machine was enrolled with its Keep"
						 : "no Keep report in the evidence");
		return;
	}
	for (size_t i = 0; i < ELEMENTSOF(keep_kinds); i++)
		if (!strcmp(ev->keep_provider, keep_kinds[i].provider)) {
			keep_kinds[i].check(ev, o, res);
			check_keep_kind(keep_kinds[i].kind, o, res);
			return;
		}
	bc_keep_verdict_all(res, BC_CHECK_FAIL, "a Keep report of an unknown provider");
}

void bc_keep_check_snp(const bc_evidence *ev, const bc_verify_opts *o, bc_verify_result *res)
{
	bc_snp_report r;
	bc_error err = {0};
	check_keep_signature(ev, o, res);
	if (bc_snp_report_parse(ev->keep_report, ev->keep_report_size, &r, &err) != BC_OK) {
		verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL, "%s", bc_error_message(&err));
		verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL, "no usable Keep report");
		return;
	}
	check_keep_binding(ev, o, &r, res);
	check_keep_golden(o, &r, res);
}

void bc_keep_snp_golden(const bc_verify_opts *o, const bc_snp_report *r, bc_verify_result *res)
{
	check_keep_golden(o, r, res);
}

/* Whether the values are the ones a TPM signed, now, with the expected AK: then the log
 * can be replayed against them. A quote that covers less than the verifier requires
 * still vouches for what it covers. */
static bool quote_passed(const bc_verify_result *res)
{
	static const bc_check vouching[] = {BC_CHECK_AK, BC_CHECK_SIGNATURE, BC_CHECK_ATTEST,
					    BC_CHECK_NONCE};
	for (size_t i = 0; i < sizeof(vouching) / sizeof(vouching[0]); i++)
		if (res->status[vouching[i]] == BC_CHECK_FAIL)
			return false;
	return res->values_signed;
}

/* The enrolment record of the evidence's AK, by its name; NULL (the ak check failed)
 * when there is none. */
static const bc_enrolment *enrolled_record(const bc_evidence *ev, const bc_enrolment_set *set,
					   bc_verify_result *res)
{
	TPM2B_PUBLIC pub;
	TPM2B_NAME name;
	char hex[2 * sizeof(TPMU_NAME) + 1];
	const bc_enrolment *rec = NULL;
	if (!ev->ak_public ||
	    bc_tpm_public_unmarshal(ev->ak_public, ev->ak_public_size, "ak_public", &pub, NULL) ||
	    bc_tpm_public_name(&pub.publicArea, &name, NULL)) {
		verdict(res, BC_CHECK_AK, BC_CHECK_FAIL,
			"the evidence names no AK to find its enrolment by: not enrolled");
	} else if (!(rec = bc_enrolment_set_find_ak(set, name.name, name.size))) {
		verdict(res, BC_CHECK_AK, BC_CHECK_FAIL, "the evidence's AK %s is not enrolled",
			bc_hex_encode(name.name, name.size, hex));
	}
	if (!rec)
		for (int c = BC_CHECK_AK + 1; c < BC_CHECK_COUNT; c++)
			verdict(res, (bc_check)c, BC_CHECK_SKIP, "no enrolled AK");
	return rec;
}

/* Whether a golden database judges a boot (events or PCR values), which only a TPM
 * quote can show; its "keep" section alone does not. */
static bool golden_judges_boot(const bc_golden *db)
{
	return db && (db->count || db->expected_count || db->closed_mask);
}

/*
 * Evidence whose only content is a Keep report (bootchain-evidence(5), KEEP-ONLY
 * EVIDENCE): an SGX enclave's. No TPM check can be done. Each fails when the verifier
 * asked for a TPM (an expected AK or enrolment, required PCRs, a golden database that
 * judges a boot): else stripping the quote from evidence would pass a check the
 * verifier relies on; without such a request, or when the verifier says the machine
 * has no TPM (keep_only), they are skipped. Only a Keep kind whose
 * binding needs no AK may stand alone; its three checks then decide.
 */
static bc_status verify_keep_only(const bc_evidence *ev, const bc_verify_opts *o,
				  bc_verify_result *res)
{
	bool asked = !o->keep_only && (o->key || o->ak_public || o->enrolled || o->require ||
				       golden_judges_boot(o->golden));
	for (int c = BC_CHECK_AK; c < BC_CHECK_KEEP_SIGNATURE; c++)
		verdict(res, (bc_check)c, asked ? BC_CHECK_FAIL : BC_CHECK_SKIP, "%s",
			asked ? "no TPM quote (keep-only evidence), and the verifier asked for "
				"a TPM: an AK, required PCRs or a golden boot"
			      : "keep-only evidence: no TPM quote");
	if (!ev->keep_report)
		bc_keep_verdict_all(res, BC_CHECK_FAIL,
				    "evidence with neither a TPM quote nor a Keep report");
	else if (bc_keep_kind_of(ev->keep_provider) != BC_KEEP_SGX)
		bc_keep_verdict_all(res, BC_CHECK_FAIL,
				    "a Keep report of this kind binds a TPM quote, and the "
				    "evidence has none: only an SGX report stands alone");
	else
		check_keep(ev, o, res);
	return BC_OK;
}

bc_status bc_verify_evidence(const bc_evidence *ev, const bc_verify_opts *o, bc_verify_result *res,
			     bc_error *err)
{
	bc_verify_key *own = NULL;
	const bc_verify_key *key = o->key;
	TPMT_SIGNATURE sig;
	*res = (bc_verify_result){.pass = true};
	for (int c = 0; c < BC_CHECK_COUNT; c++)
		verdict(res, (bc_check)c, BC_CHECK_SKIP, "not reached");
	if (!ev->attest)
		return verify_keep_only(ev, o, res);
	if (o->keep_only) { /* a TPM quote from a machine the verifier knows has no TPM */
		verdict(res, BC_CHECK_AK, BC_CHECK_FAIL,
			"a TPM quote in the evidence of a keep-only machine (an SGX enclave): "
			"its evidence must be its Keep report alone");
		return BC_OK;
	}
	if (!key && !o->ak_public && !o->enrolled) { /* a quote by a key nobody vouched for */
		verdict(res, BC_CHECK_AK, BC_CHECK_FAIL,
			"no expected AK given (--ak or --enrolment): a quote by any key proves "
			"nothing");
		return BC_OK;
	}
	if (!key && o->enrolled) {
		const bc_enrolment *rec = enrolled_record(ev, o->enrolled, res);
		if (!rec)
			return BC_OK;
		bc_verify_opts eo = *o;
		eo.enrolled = NULL;
		eo.ak_public = rec->ak_public;
		eo.ak_public_size = rec->ak_public_size;
		eo.ak_flags = 0;
		if (rec->has_keep) { /* a machine enrolled with its Keep shows it */
			eo.keep_required = true;
			eo.keep_kind = rec->keep_kind;
			eo.keep_chip_id =
			    bc_keep_kind_has_chip_id(rec->keep_kind) ? rec->keep_chip_id : NULL;
		}
		return bc_verify_evidence(ev, &eo, res, err);
	}
	if (!key) {
		bc_status s =
		    bc_verify_key_new(o->ak_public, o->ak_public_size, o->ak_flags, &own, err);
		if (s != BC_OK)
			return s;
		key = own;
	}
	check_ak(ev, key, res);
	check_signature(ev, key->pkey, &sig, res);
	if (res->status[BC_CHECK_SIGNATURE] == BC_CHECK_PASS)
		check_attest(ev, o, &sig, res);
	else
		verdict(res, BC_CHECK_ATTEST, BC_CHECK_SKIP,
			"unsigned: not trusted enough to read");
	check_log(ev, o, quote_passed(res), res);
	check_keep(ev, o, res);
	bc_verify_key_free(own);
	return BC_OK;
}

void bc_verify_result_free(bc_verify_result *res)
{
	bc_golden_report_free(res->golden);
	res->golden = NULL;
}
