/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Azure HCL Keep kind (attest/keep-kinds.h): the vTPM's HCL report, read from its NV
 * index, parsed, and verified: the SEV-SNP report's signature up AMD's chain, REPORT_DATA
 * = SHA-256(runtime data), and the runtime data's HCLAkPub = the quoting AK. On a TDX VM
 * the slot holds a TDREPORT, which is not signed: the evidence's TD quote of the same TD
 * (keep.quote) is verified up Intel's chain instead, and judged as a TDX Keep's. See
 * keep-azure.h for the layout.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "attest/dcap.h"
#include "attest/keep-azure.h"
#include "attest/keep-kinds.h"
#include "attest/keys.h"
#include "attest/tpm-public.h"
#include "pcr/tpm-internal.h"
#include "util/base64.h"
#include "util/cleanup.h"
#include "util/hex.h"
#include "util/reader.h"

/* ---- parsing ---- */

static bc_status parse_header(bc_reader *r, bc_azure_hcl *h, bc_error *err)
{
	uint32_t signature = 0;
	if (!bc_rd_u32le(r, &signature) || !bc_rd_u32le(r, &h->version) ||
	    !bc_rd_u32le(r, &h->report_size) || !bc_rd_u32le(r, &h->request_type) ||
	    !bc_rd_u32le(r, &h->status) || !bc_rd_skip(r, 12))
		return bc_fail(err, BC_E_FORMAT,
			       "HCL report: %zu bytes, shorter than its %d-byte attestation header",
			       r->size, BC_AZURE_HCL_HEADER_SIZE);
	if (signature != BC_AZURE_HCL_SIGNATURE)
		return bc_fail(err, BC_E_FORMAT,
			       "HCL report: signature 0x%08" PRIx32 " at offset 0, not \"HCLA\" "
			       "(0x%08x)",
			       signature, BC_AZURE_HCL_SIGNATURE);
	if (h->request_type != BC_AZURE_HCL_REQUEST_AK_CERT)
		return bc_fail(err, BC_E_FORMAT,
			       "HCL report: request type %" PRIu32 " at offset 0xc, not %d",
			       h->request_type, BC_AZURE_HCL_REQUEST_AK_CERT);
	return BC_OK;
}

static bc_status parse_runtime_header(bc_reader *r, bc_azure_hcl *h, bc_error *err)
{
	uint32_t var_size = 0;
	if (!bc_rd_u32le(r, &h->data_size) || !bc_rd_u32le(r, &h->data_version) ||
	    !bc_rd_u32le(r, &h->report_type) || !bc_rd_u32le(r, &h->hash_type) ||
	    !bc_rd_u32le(r, &var_size))
		return bc_fail(err, BC_E_FORMAT,
			       "HCL report: %zu bytes, shorter than the runtime data header "
			       "(offset 0x%x, %d bytes)",
			       r->size, BC_AZURE_HCL_RUNTIME_OFFSET, BC_AZURE_HCL_RUNTIME_HDR_SIZE);
	if (h->data_version != 1)
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "HCL report: runtime data version %" PRIu32 " (offset 0x%x), only 1",
			       h->data_version, BC_AZURE_HCL_RUNTIME_OFFSET + 4);
	if (h->report_type != BC_AZURE_HCL_REPORT_TYPE_SNP &&
	    h->report_type != BC_AZURE_HCL_REPORT_TYPE_TDX)
		return bc_fail(err, BC_E_FORMAT,
			       "HCL report: report type %" PRIu32
			       " at offset 0x%x, not 2 (SEV-SNP) nor 4 (TDX)",
			       h->report_type, BC_AZURE_HCL_RUNTIME_OFFSET + 8);
	if (h->hash_type != BC_AZURE_HCL_HASH_SHA256)
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "HCL report: runtime data hash type %" PRIu32
			       " (offset 0x%x): only 1, "
			       "SHA-256",
			       h->hash_type, BC_AZURE_HCL_RUNTIME_OFFSET + 12);
	if (var_size == 0 || var_size > BC_AZURE_HCL_RUNTIME_DATA_MAX)
		return bc_fail(
		    err, BC_E_FORMAT,
		    "HCL report: runtime data of %" PRIu32 " bytes (offset 0x%x): 1 to %zu",
		    var_size, BC_AZURE_HCL_RUNTIME_OFFSET + 16, BC_AZURE_HCL_RUNTIME_DATA_MAX);
	if (!bc_rd_bytes(r, var_size, &h->runtime_data))
		return bc_fail(err, BC_E_FORMAT,
			       "HCL report: runtime data of %" PRIu32 " bytes, and %zu bytes left",
			       var_size, bc_rd_left(r));
	h->runtime_data_size = var_size;
	return BC_OK;
}

bc_status bc_azure_hcl_parse(const uint8_t *data, size_t size, bc_azure_hcl *out, bc_error *err)
{
	bc_reader r = bc_reader_init(data, size);
	bc_azure_hcl h = {0};
	bc_status s = parse_header(&r, &h, err);
	if (s != BC_OK)
		return s;
	if (!bc_rd_bytes(&r, BC_AZURE_HCL_HW_REPORT_SIZE, &h.hw_report))
		return bc_fail(err, BC_E_FORMAT,
			       "HCL report: %zu bytes, shorter than its hardware report (offset "
			       "0x%x, %d bytes)",
			       size, BC_AZURE_HCL_HEADER_SIZE, BC_AZURE_HCL_HW_REPORT_SIZE);
	if ((s = parse_runtime_header(&r, &h, err)) != BC_OK)
		return s;
	*out = h;
	return BC_OK;
}

/* ---- reading it ---- */

bc_status bc_azure_hcl_read(bc_tpm *tpm, uint8_t **data, size_t *size, bc_error *err)
{
	bool exists = false;
	*data = NULL;
	*size = 0;
	bc_status s = bc_tpm_handle_exists(tpm, BC_AZURE_HCL_NV_INDEX, &exists, err);
	if (s != BC_OK)
		return s;
	if (!exists)
		return bc_fail(err, BC_E_NOTFOUND,
			       "the TPM has no HCL report (NV index 0x%08x): not an Azure "
			       "confidential VM's vTPM",
			       BC_AZURE_HCL_NV_INDEX);
	/* the whole index, as for certificates: the same bounded, chunked NV_Read */
	return bc_nv_cert_read(tpm, BC_AZURE_HCL_NV_INDEX, data, size, err);
}

/* ---- verifying it ---- */

bc_status bc_azure_hcl_check_signature(const uint8_t *hcl, size_t size, const uint8_t *vcek,
				       size_t vcek_size, const uint8_t *ask, size_t ask_size,
				       const uint8_t *ark, size_t ark_size, bc_snp_report *report,
				       bc_error *err)
{
	bc_azure_hcl h;
	bc_status s = bc_azure_hcl_parse(hcl, size, &h, err);
	if (s == BC_OK && h.report_type == BC_AZURE_HCL_REPORT_TYPE_TDX)
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "HCL report: a TDX report, verified through its TD quote, not a "
			       "VCEK");
	if (s == BC_OK)
		s = bc_snp_report_verify(h.hw_report, BC_SNP_REPORT_SIZE, vcek, vcek_size, ask,
					 ask_size, ark, ark_size, err);
	if (s == BC_OK)
		s = bc_snp_report_parse(h.hw_report, BC_SNP_REPORT_SIZE, report, err);
	return s;
}

/* A JWK member: base64url without padding (RFC 7515, appendix C), decoded. */
static bc_status jwk_member(const json_t *key, const char *name, size_t max, uint8_t **out,
			    size_t *size, bc_error *err)
{
	const json_t *v = json_object_get(key, name);
	if (!json_is_string(v))
		return bc_fail(err, BC_E_FORMAT,
			       "HCL report: runtime data: key \"%s\" has no string \"%s\"",
			       BC_AZURE_HCL_AK_KID, name);
	const char *text = json_string_value(v);
	size_t len = json_string_length(v);
	if (len == 0 || len > 4 * max / 3 + 4)
		return bc_fail(err, BC_E_FORMAT,
			       "HCL report: runtime data: \"%s\".%s: %zu characters",
			       BC_AZURE_HCL_AK_KID, name, len);
	/* to standard base64 with its padding, which bc_base64_decode() checks strictly */
	_cleanup_free_ char *std = malloc(len + 3);
	if (!std)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '+' || c == '/' || c == '=')
			return bc_fail(err, BC_E_FORMAT,
				       "HCL report: runtime data: \"%s\".%s is not base64url",
				       BC_AZURE_HCL_AK_KID, name);
		std[i] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	size_t padded = len;
	while (padded % 4)
		std[padded++] = '=';
	if (!bc_base64_decode(std, padded, max, out, size))
		return bc_fail(
		    err, BC_E_FORMAT,
		    "HCL report: runtime data: \"%s\".%s is not base64url of at most %zu "
		    "bytes",
		    BC_AZURE_HCL_AK_KID, name, max);
	return BC_OK;
}

/* The runtime data's "keys" entry of kid HCLAkPub. */
static bc_status find_ak_jwk(const json_t *root, const json_t **out, bc_error *err)
{
	const json_t *keys = json_object_get(root, "keys");
	const json_t *found = NULL;
	size_t i;
	const json_t *k;
	if (!json_is_array(keys))
		return bc_fail(err, BC_E_FORMAT, "HCL report: runtime data has no \"keys\" array");
	json_array_foreach(keys, i, k)
	{
		const json_t *kid = json_object_get(k, "kid");
		if (!json_is_string(kid) || strcmp(json_string_value(kid), BC_AZURE_HCL_AK_KID))
			continue;
		if (found)
			return bc_fail(err, BC_E_FORMAT,
				       "HCL report: runtime data has two \"%s\" keys",
				       BC_AZURE_HCL_AK_KID);
		found = k;
	}
	if (!found)
		return bc_fail(err, BC_E_FORMAT, "HCL report: runtime data has no key \"%s\"",
			       BC_AZURE_HCL_AK_KID);
	const json_t *kty = json_object_get(found, "kty");
	if (!json_is_string(kty) || strcmp(json_string_value(kty), "RSA"))
		return bc_fail(err, BC_E_FORMAT,
			       "HCL report: runtime data: \"%s\" is not an RSA key",
			       BC_AZURE_HCL_AK_KID);
	*out = found;
	return BC_OK;
}

/* A big-endian unsigned integer of at most 8 significant bytes. */
static bool be_uint64(const uint8_t *p, size_t n, uint64_t *v)
{
	*v = 0;
	for (; n > 0 && *p == 0; p++, n--)
		;
	if (n > 8)
		return false;
	for (size_t i = 0; i < n; i++)
		*v = *v << 8 | p[i];
	return true;
}

/* The JWK's modulus and exponent against the AK's public area. */
static bc_status match_ak(const json_t *jwk, const TPMT_PUBLIC *ak, bc_error *err)
{
	_cleanup_free_ uint8_t *n = NULL;
	_cleanup_free_ uint8_t *e = NULL;
	size_t n_size = 0, e_size = 0;
	uint64_t exponent = 0;
	bc_status s = jwk_member(jwk, "n", TPM2_MAX_RSA_KEY_BYTES + 1, &n, &n_size, err);
	if (s == BC_OK)
		s = jwk_member(jwk, "e", 16, &e, &e_size, err);
	if (s != BC_OK)
		return s;
	if (!be_uint64(e, e_size, &exponent))
		return bc_fail(err, BC_E_FORMAT, "HCL report: runtime data: \"%s\".e is too large",
			       BC_AZURE_HCL_AK_KID);
	if (ak->type != TPM2_ALG_RSA)
		return bc_fail(err, BC_E_MISMATCH,
			       "the runtime data's %s is an RSA key, and the quoting AK is not",
			       BC_AZURE_HCL_AK_KID);
	/* a modulus may come with a leading zero byte in other encoders: not ours to judge */
	const uint8_t *mod = n;
	size_t mod_size = n_size;
	while (mod_size > 0 && *mod == 0)
		mod++, mod_size--;
	uint64_t ak_exponent = ak->parameters.rsaDetail.exponent ? ak->parameters.rsaDetail.exponent
								 : 65537; /* 0: the default */
	if (mod_size != ak->unique.rsa.size || memcmp(mod, ak->unique.rsa.buffer, mod_size) != 0 ||
	    exponent != ak_exponent) {
		char a[17], b[17];
		bc_hex_encode(mod, mod_size < 8 ? mod_size : 8, a);
		bc_hex_encode(ak->unique.rsa.buffer,
			      ak->unique.rsa.size < 8 ? ak->unique.rsa.size : 8, b);
		return bc_fail(
		    err, BC_E_MISMATCH,
		    "the runtime data's %s (modulus %s..., %zu bits) is not the quoting AK "
		    "(modulus %s..., %u bits)",
		    BC_AZURE_HCL_AK_KID, a, 8 * mod_size, b, 8u * ak->unique.rsa.size);
	}
	return BC_OK;
}

bc_status bc_azure_hcl_check_binding(const uint8_t *hcl, size_t size, const TPMT_PUBLIC *ak,
				     bc_error *err)
{
	bc_azure_hcl h;
	bc_snp_report rep;
	const uint8_t *report_data;
	uint8_t digest[32];
	bc_status s = bc_azure_hcl_parse(hcl, size, &h, err);
	if (s != BC_OK)
		return s;
	if (h.report_type == BC_AZURE_HCL_REPORT_TYPE_TDX) {
		report_data = h.hw_report + BC_AZURE_TDREPORT_REPORT_DATA;
	} else {
		if ((s = bc_snp_report_parse(h.hw_report, BC_SNP_REPORT_SIZE, &rep, err)) != BC_OK)
			return s;
		report_data = rep.report_data;
	}
	if (EVP_Digest(h.runtime_data, h.runtime_data_size, digest, NULL, EVP_sha256(), NULL) != 1)
		return bc_fail(err, BC_E_NOMEM, "cannot hash the runtime data");
	if (memcmp(report_data, digest, sizeof(digest)) != 0) {
		char want[2 * 8 + 1], got[2 * 8 + 1];
		return bc_fail(err, BC_E_MISMATCH,
			       "%s %s... is not SHA-256 of the runtime data (%s...): the "
			       "report does not vouch for these runtime data",
			       h.report_type == BC_AZURE_HCL_REPORT_TYPE_TDX ? "REPORTDATA"
									     : "REPORT_DATA",
			       bc_hex_encode(report_data, 8, got), bc_hex_encode(digest, 8, want));
	}
	json_error_t jerr;
	_cleanup_(json_decrefp) json_t *root = json_loadb(
	    (const char *)h.runtime_data, h.runtime_data_size, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return bc_fail(err, BC_E_FORMAT, "HCL report: runtime data: %s (at byte %d)",
			       jerr.text, jerr.position);
	if (!json_is_object(root))
		return bc_fail(err, BC_E_FORMAT, "HCL report: runtime data is not a JSON object");
	const json_t *jwk = NULL;
	if ((s = find_ak_jwk(root, &jwk, err)) != BC_OK)
		return s;
	return match_ak(jwk, ak, err);
}

bc_status bc_azure_hcl_verify(const uint8_t *hcl, size_t size, const TPMT_PUBLIC *ak,
			      const uint8_t *vcek, size_t vcek_size, const uint8_t *ask,
			      size_t ask_size, const uint8_t *ark, size_t ark_size,
			      bc_snp_report *report, bc_azure_failure *failed, bc_error *err)
{
	bc_azure_hcl h;
	bc_status s = bc_azure_hcl_parse(hcl, size, &h, err);
	*failed = BC_AZURE_FAILED_FORMAT;
	if (s != BC_OK)
		return s;
	*failed = BC_AZURE_FAILED_SIGNATURE;
	s = bc_azure_hcl_check_signature(hcl, size, vcek, vcek_size, ask, ask_size, ark, ark_size,
					 report, err);
	if (s != BC_OK)
		return s;
	*failed = BC_AZURE_FAILED_BINDING;
	s = bc_azure_hcl_check_binding(hcl, size, ak, err);
	if (s == BC_OK)
		*failed = BC_AZURE_OK;
	return s;
}

/* ---- the Keep kind's checks ---- */

/* keep-signature: by the VCEK the verifier gave, or by the evidence's when it chains to
 * the verifier's ARK (as for SEV-SNP). */
static bool azure_signature(const bc_evidence *ev, const bc_verify_opts *o, bc_snp_report *r,
			    bc_verify_result *res)
{
	const uint8_t *vcek = o->keep_vcek ? o->keep_vcek : ev->keep_vcek;
	size_t vcek_size = o->keep_vcek ? o->keep_vcek_size : ev->keep_vcek_size;
	bc_error err = {0};
	if (!vcek) {
		bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL,
				"no VCEK to verify the HCL report's SEV-SNP report with");
		return false;
	}
	if (!o->keep_vcek && !o->keep_ark) {
		bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL,
				"the evidence's own VCEK, and no ARK to chain it to");
		return false;
	}
	if (bc_azure_hcl_check_signature(ev->keep_report, ev->keep_report_size, vcek, vcek_size,
					 o->keep_ask, o->keep_ask_size, o->keep_ark,
					 o->keep_ark_size, r, &err) != BC_OK) {
		bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL, "%s",
				bc_error_message(&err));
		return false;
	}
	bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_PASS,
			"the HCL report's SEV-SNP report is signed by the %s of its chip and TCB%s",
			bc_snp_signing_key(r) == BC_SNP_KEY_SIGNING_VLEK ? "VLEK" : "VCEK",
			o->keep_ark ? ", which chains to the ARK" : "");
	return true;
}

/* keep-binding: the report vouches for the runtime data, whose HCLAkPub is the AK that
 * the ak check passed (its quote vouches for the nonce: the nonce check). */
static void azure_binding(const bc_evidence *ev, const bc_verify_opts *o, const uint8_t *chip_id,
			  bc_verify_result *res)
{
	TPM2B_PUBLIC pub;
	bc_error err = {0};
	char hex[2 * 8 + 1];
	if (res->status[BC_CHECK_AK] != BC_CHECK_PASS ||
	    bc_tpm_public_unmarshal(ev->ak_public, ev->ak_public_size, "ak", &pub, NULL)) {
		bc_keep_verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL,
				"no verified AK to bind");
		return;
	}
	if (bc_azure_hcl_check_binding(ev->keep_report, ev->keep_report_size, &pub.publicArea,
				       &err) != BC_OK) {
		bc_keep_verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL, "%s",
				bc_error_message(&err));
		return;
	}
	/* the Keep of the enrolled machine, not another one vouching for this AK */
	if (o->keep_chip_id && !chip_id) {
		bc_keep_verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL,
				"a TDX HCL report has no CHIP_ID to be the enrolled chip's");
		return;
	}
	if (o->keep_chip_id &&
	    memcmp(chip_id, o->keep_chip_id, sizeof(((bc_snp_report *)0)->chip_id)) != 0) {
		bc_keep_verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_FAIL,
				"CHIP_ID %s... is not the enrolled chip's",
				bc_hex_encode(chip_id, 8, hex));
		return;
	}
	bc_keep_verdict(res, BC_CHECK_KEEP_BINDING, BC_CHECK_PASS,
			"%s is SHA-256 of the runtime data, whose %s is the quoting AK%s",
			chip_id ? "REPORT_DATA" : "REPORTDATA", BC_AZURE_HCL_AK_KID,
			o->keep_chip_id ? "; CHIP_ID is the enrolled chip's" : "");
}

/* ---- a TDX HCL report: its TDREPORT, through the TD quote of the same TD ---- */

/* The quote's TD body against the TDREPORT: the fields a verifier relies on are the
 * same, so the quote's signature vouches for the TDREPORT. */
const char *bc_azure_tdreport_mismatch(const uint8_t *tdreport, const bc_td_report_body *td)
{
	static const char *const rtmr[] = {"RTMR0", "RTMR1", "RTMR2", "RTMR3"};
	if (memcmp(td->mrtd, tdreport + BC_AZURE_TDREPORT_MRTD, 48) != 0)
		return "MRTD";
	for (unsigned i = 0; i < 4; i++)
		if (memcmp(td->rtmr[i], tdreport + BC_AZURE_TDREPORT_RTMR + 48 * i, 48) != 0)
			return rtmr[i];
	if (memcmp(td->report_data, tdreport + BC_AZURE_TDREPORT_REPORT_DATA, 64) != 0)
		return "REPORTDATA";
	return NULL;
}

static bool same_td(const bc_azure_hcl *h, const bc_td_report_body *td, bc_verify_result *res)
{
	const char *field = bc_azure_tdreport_mismatch(h->hw_report, td);
	char hex[2 * 8 + 1];
	if (!field)
		return true;
	bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL,
			"the TD quote is of another TD than the HCL report's TDREPORT: its %s "
			"differs (quote MRTD %s...)",
			field, bc_hex_encode(td->mrtd, 8, hex));
	return false;
}

/* keep-signature: the evidence's TD quote verifies to the Intel root (*dr then holds it)
 * and is of the TDREPORT's TD. */
static bool azure_tdx_signature(const bc_evidence *ev, const bc_verify_opts *o,
				const bc_azure_hcl *h, bc_dcap_result *dr, bc_verify_result *res)
{
	_cleanup_(bc_dcap_trust_freep) bc_dcap_trust owned = {0};
	bc_dcap_trust trust;
	bc_error err = {0};
	if (!ev->keep_quote) {
		bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL,
				"a TDX HCL report without its TD quote (keep.quote): a TDREPORT is "
				"MAC'd for the CPU, not signed");
		return false;
	}
	if (!bc_keep_intel_trust(o, "no Intel root given to verify the TD quote's PCK chain with",
				 &trust, &owned, res))
		return false;
	if (bc_dcap_verify(ev->keep_quote, ev->keep_quote_size, &trust, dr, &err) != BC_OK) {
		bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL, "TD quote: %s",
				bc_error_message(&err));
		return false;
	}
	if (dr->quote.body_type != BC_DCAP_BODY_TD10 && dr->quote.body_type != BC_DCAP_BODY_TD15) {
		bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL,
				"keep.quote is not a TD quote (an SGX body)");
		return false;
	}
	if (dr->tcb_checked &&
	    (dr->status == BC_DCAP_TCB_REVOKED || dr->status == BC_DCAP_TCB_NONE)) {
		char module[80];
		bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_FAIL,
				"TD quote: the TCB status is %s (platform %s%s)",
				bc_dcap_tcb_status_name(dr->status),
				bc_dcap_tcb_status_name(dr->tcb_status),
				bc_dcap_module_words(dr, module, sizeof(module)));
		return false;
	}
	if (!same_td(h, &dr->quote.td, res))
		return false;
	bc_keep_verdict(res, BC_CHECK_KEEP_SIGNATURE, BC_CHECK_PASS,
			"the HCL report's TDREPORT is the TD quote's (MRTD, RTMR0-3, REPORTDATA), "
			"whose PCK chains to the Intel root%s; TCB status %s",
			trust.pck_crl || trust.root_crl ? " (CRLs checked)" : "",
			dr->tcb_checked ? bc_dcap_tcb_status_name(dr->status) : "unknown");
	return true;
}

static void azure_tdx_check(const bc_evidence *ev, const bc_verify_opts *o, const bc_azure_hcl *h,
			    bc_verify_result *res)
{
	bc_dcap_result dr = {0};
	bc_error err = {0};
	bool signed_ok = azure_tdx_signature(ev, o, h, &dr, res);
	azure_binding(ev, o, NULL, res);
	/* judged on the quote's TD body (signed, unlike the TDREPORT), even when the
	 * signature failed, which then fails keep-golden's TCB and CCEL parts */
	if (!ev->keep_quote ||
	    bc_dcap_quote_parse(ev->keep_quote, ev->keep_quote_size, &dr.quote, &err) != BC_OK ||
	    (dr.quote.body_type != BC_DCAP_BODY_TD10 && dr.quote.body_type != BC_DCAP_BODY_TD15)) {
		bc_keep_verdict(res, BC_CHECK_KEEP_GOLDEN, BC_CHECK_FAIL,
				"no usable TD quote to judge the TD by");
		return;
	}
	bc_keep_tdx_golden(ev, o, &dr.quote.td, signed_ok, &dr, res);
}

void bc_keep_check_azure(const bc_evidence *ev, const bc_verify_opts *o, bc_verify_result *res)
{
	bc_azure_hcl h;
	bc_snp_report r;
	bc_error err = {0};
	bc_status s = bc_azure_hcl_parse(ev->keep_report, ev->keep_report_size, &h, &err);
	if (s == BC_OK && h.report_type == BC_AZURE_HCL_REPORT_TYPE_TDX) {
		azure_tdx_check(ev, o, &h, res);
		return;
	}
	if (s != BC_OK || bc_snp_report_parse(h.hw_report, BC_SNP_REPORT_SIZE, &r, &err) != BC_OK) {
		bc_keep_verdict_all(res, BC_CHECK_FAIL, bc_error_message(&err));
		return;
	}
	azure_signature(ev, o, &r, res);
	azure_binding(ev, o, r.chip_id, res);
	bc_keep_snp_golden(o, &r, res); /* the paravisor's launch measurement, policy, TCB */
}
