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
#include <bootchain/eventlog.h>

#include "attest/attest-internal.h"
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

bc_status bc_verify_key_new(const uint8_t *data, size_t size, bc_verify_key **out, bc_error *err)
{
	TPM2B_PUBLIC pub;
	bc_verify_key *k = calloc(1, sizeof(*k));
	bc_status s = BC_OK;
	if (!k)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (size > 10 && memcmp(data, "-----BEGIN", 10) == 0) {
		_cleanup_(BIO_freep) BIO *bio = BIO_new_mem_buf(data, (int)size);
		k->pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
		ERR_clear_error();
		if (!k->pkey)
			s = bc_fail(err, BC_E_FORMAT, "the AK is not a PEM public key");
	} else if ((s = bc_tpm_public_unmarshal(data, size, "the AK", &pub, err)) == BC_OK) {
		s = bc_tpm_public_to_pkey(&pub.publicArea, &k->pkey, err);
	}
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
	uint8_t raw[1024];
	size_t raw_size = 0;
	bc_error err = {0};
	if (!ev->ak_public) {
		verdict(res, BC_CHECK_AK, BC_CHECK_SKIP, "the evidence does not name its AK");
		return;
	}
	if (bc_tpm_public_unmarshal(ev->ak_public, ev->ak_public_size, "ak_public", &pub, &err)) {
		verdict(res, BC_CHECK_AK, BC_CHECK_FAIL, "%s", bc_error_message(&err));
		return;
	}
	if (!raw_of_tpm(&pub.publicArea, raw, sizeof(raw), &raw_size) ||
	    raw_size != want->raw_size || memcmp(raw, want->raw, raw_size) != 0) {
		verdict(res, BC_CHECK_AK, BC_CHECK_FAIL,
			"the evidence's AK is not the expected AK");
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

/* extraData: the verifier's nonce, or with a Keep report the nonce bound to it. */
static void check_nonce(const bc_evidence *ev, const bc_verify_opts *o, const TPMS_ATTEST *a,
			bc_verify_result *res)
{
	uint8_t bound[32];
	const uint8_t *want = o->nonce;
	size_t want_size = o->nonce_size;
	if (ev->keep_report) { /* the nonce bound to the Keep report */
		bc_keep_qualifying_data(o->nonce, o->nonce_size, ev->keep_report,
					ev->keep_report_size, bound);
		want = bound;
		want_size = sizeof(bound);
	}
	bool nonce_ok =
	    a->extraData.size == want_size && memcmp(a->extraData.buffer, want, want_size) == 0;
	verdict(res, BC_CHECK_NONCE, nonce_ok ? BC_CHECK_PASS : BC_CHECK_FAIL, "%s",
		nonce_ok ? (ev->keep_report ? "the verifier's nonce, bound to the Keep report"
					    : "the verifier's nonce")
			 : (ev->keep_report ? "extraData is not the verifier's nonce bound to this "
					      "Keep report"
					    : "extraData is not the verifier's nonce"));
}

static void check_quote_fields(const bc_evidence *ev, const bc_verify_opts *o, const TPMS_ATTEST *a,
			       const TPMT_SIGNATURE *sig, bc_verify_result *res)
{
	char sel_text[256];
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
	verdict(res, BC_CHECK_PCR_SELECTION, BC_CHECK_PASS, "%s", sel_text);
	const TPM2B_DIGEST *want = &a->attested.quote.pcrDigest;
	bool digest_ok = bc_pcr_values_digest(&ev->pcrs, &ev->selection, signature_hash(sig), &d) &&
			 d.size == want->size && memcmp(d.bytes, want->buffer, d.size) == 0;
	verdict(res, BC_CHECK_PCR_DIGEST, digest_ok ? BC_CHECK_PASS : BC_CHECK_FAIL, "%s",
		digest_ok ? "the values supplied are the values quoted"
			  : "the values supplied are not the values quoted");
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

static bool log_matches(const bc_log *log, const bc_evidence *ev, char *why, size_t size)
{
	bc_pcr_values replayed;
	bc_pcr_selection extended;
	bc_error err = {0};
	size_t compared = 0;
	if (bc_log_replay_selection(log, &ev->selection, &replayed, &extended, &err) != BC_OK) {
		snprintf(why, size, "%s", bc_error_message(&err));
		return false;
	}
	for (size_t b = 0; b < ev->selection.count; b++) {
		const bc_pcr_bank *quoted =
		    bc_pcr_values_bank((bc_pcr_values *)&ev->pcrs, ev->selection.banks[b].alg);
		const bc_pcr_bank *log_bank =
		    bc_pcr_values_bank(&replayed, ev->selection.banks[b].alg);
		for (unsigned p = 0; quoted && log_bank && p < BC_PCR_COUNT; p++) {
			if (!(ev->selection.banks[b].mask & (1u << p)))
				continue;
			compared++;
			if (memcmp(quoted->values[p], log_bank->values[p], quoted->size) != 0) {
				snprintf(why, size, "%s PCR %u: the log replays to another value",
					 bc_hash_alg_name(quoted->alg), p);
				return false;
			}
		}
	}
	if (!compared) {
		snprintf(why, size, "the log has none of the quoted banks");
		return false;
	}
	snprintf(why, size, "the log replays to the %zu quoted values", compared);
	return true;
}

static void check_log(const bc_evidence *ev, const bc_verify_opts *o, bool quote_ok,
		      bc_verify_result *res)
{
	_cleanup_(bc_log_freep) bc_log *log = NULL;
	bc_error err = {0};
	char why[256];
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
	bool ok = log_matches(log, ev, why, sizeof(why));
	/* unsigned values prove nothing: a log matching them does not either */
	if (ok && !quote_ok)
		snprintf(why, sizeof(why), "matches values the quote does not vouch for");
	verdict(res, BC_CHECK_EVENTLOG, ok && quote_ok ? BC_CHECK_PASS : BC_CHECK_FAIL, "%s", why);
	if (!o->golden) {
		verdict(res, BC_CHECK_GOLDEN, BC_CHECK_SKIP, "no golden database");
		return;
	}
	uint32_t quoted = 0;
	for (size_t b = 0; b < ev->selection.count; b++)
		quoted |= ev->selection.banks[b].mask;
	/* only the events of quoted PCRs: the others are the machine's unverified word */
	if (bc_golden_check_log_pcrs(o->golden, log, quoted, false, &res->golden, &err) != BC_OK) {
		verdict(res, BC_CHECK_GOLDEN, BC_CHECK_FAIL, "%s", bc_error_message(&err));
		return;
	}
	bc_golden_report *r = res->golden;
	if (r->match)
		verdict(res, BC_CHECK_GOLDEN, BC_CHECK_PASS, "%zu events known", r->known);
	else if (r->event_count)
		verdict(res, BC_CHECK_GOLDEN, BC_CHECK_FAIL, "PCR %u, event %u: %s%s%s",
			r->events[0].pcr, r->events[0].number,
			bc_golden_event_verdict_name(r->events[0].verdict),
			r->events[0].component ? " component " : "",
			r->events[0].component ? r->events[0].component->name : "");
	else
		verdict(res, BC_CHECK_GOLDEN, BC_CHECK_FAIL, "%zu missing, %zu PCR values differ",
			r->missing_count, r->pcr_mismatch_count);
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
	verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_PASS, "SEV-SNP report signed by the VCEK%s",
		o->keep_ark ? ", which chains to the ARK" : "");
}

static void check_keep_binding(const bc_evidence *ev, const bc_verify_opts *o,
			       const bc_snp_report *r, bc_verify_result *res)
{
	TPM2B_PUBLIC pub;
	TPM2B_NAME name;
	uint8_t want[64];
	if (res->status[BC_CHECK_AK] != BC_CHECK_PASS ||
	    bc_tpm_public_unmarshal(ev->ak_public, ev->ak_public_size, "ak", &pub, NULL) ||
	    bc_tpm_public_name(&pub.publicArea, &name, NULL)) {
		verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL, "no verified AK to bind");
		return;
	}
	bc_keep_report_data(o->nonce, o->nonce_size, name.name, name.size, want);
	if (memcmp(r->report_data, want, sizeof(want)) != 0) {
		verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL,
			"REPORT_DATA is not bound to this nonce and this AK");
		return;
	}
	verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_PASS,
		"REPORT_DATA binds the nonce and the AK");
}

static void check_keep_golden(const bc_verify_opts *o, const bc_snp_report *r,
			      bc_verify_result *res)
{
	char hex[2 * 48 + 1];
	if (!o->golden || !o->golden->has_keep) {
		verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_SKIP,
			"no \"keep\" in a golden database");
		return;
	}
	bc_hex_encode(r->measurement, 48, hex);
	bool debug = (r->policy >> 19) & 1; /* SEV-SNP guest policy: DEBUG */
	if (debug && !o->golden->keep_allow_debug) {
		verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
			"a debuggable Keep (policy 0x%" PRIx64 ")", r->policy);
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

static void check_keep(const bc_evidence *ev, const bc_verify_opts *o, bc_verify_result *res)
{
	bc_snp_report r;
	bc_error err = {0};
	if (!ev->keep_report) {
		bc_check_status st = keep_required(o) ? BC_CHECK_FAIL : BC_CHECK_SKIP;
		for (int c = BC_CHECK_KEEP_SIGNATURE; c <= BC_CHECK_KEEP_GOLDEN; c++)
			verdict(res, (bc_check)c, st, "no Keep report in the evidence");
		return;
	}
	check_keep_signature(ev, o, res);
	if (bc_snp_report_parse(ev->keep_report, ev->keep_report_size, &r, &err) != BC_OK) {
		verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL, "%s", bc_error_message(&err));
		verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL, "no usable Keep report");
		return;
	}
	check_keep_binding(ev, o, &r, res);
	check_keep_golden(o, &r, res);
}

static bool quote_passed(const bc_verify_result *res)
{
	for (int c = BC_CHECK_AK; c <= BC_CHECK_PCR_DIGEST; c++)
		if (res->status[c] == BC_CHECK_FAIL)
			return false;
	return true;
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
	if (!key) {
		bc_status s = bc_verify_key_new(o->ak_public, o->ak_public_size, &own, err);
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
