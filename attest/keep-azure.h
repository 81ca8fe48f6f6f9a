/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Keep of an Azure confidential VM: the vTPM runs in the paravisor (the HCL, inside
 * the TEE), which leaves an "HCL report" in the vTPM's NV index 0x01400001. Its layout,
 * little-endian, as Microsoft's paravisor writes it (OpenHCL's IGVM attest request,
 * version 1, as the azure-cvm-tooling and go-tpm-tools readers take it):
 *
 *   0x000  attestation header, 32 bytes: signature "HCLA" (0x414c4348), version,
 *          report_size, request_type (2), status, 3 reserved words
 *   0x020  the hardware report, a slot of 0x4A0 bytes: an SEV-SNP ATTESTATION_REPORT
 *          (all of it), or a TDX TDREPORT (its first 1024 bytes)
 *   0x4C0  runtime data header, 20 bytes: data_size, version (1), report_type (2: SNP,
 *          4: TDX), hash_type (1: SHA-256, 2: SHA-384, 3: SHA-512), variable_data_size
 *   0x4D4  the runtime data: variable_data_size bytes of JSON, {"keys": [{"kid":
 *          "HCLAkPub", "kty": "RSA", "n", "e"}, ...], "vm-configuration": {...},
 *          "user-data": hex}
 *
 * and the hardware report's REPORT_DATA starts with the hash of the runtime data. So
 * the TEE vouches for the runtime data, whose HCLAkPub is the vTPM's attestation key;
 * a quote by that key vouches for the PCRs and the verifier's nonce.
 */
#ifndef BC_ATTEST_KEEP_AZURE_H
#define BC_ATTEST_KEEP_AZURE_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include <bootchain/attest.h>
#include <bootchain/status.h>
#include <bootchain/tpm.h>

#include "attest/dcap.h"
#include "attest/keep.h"

#define BC_AZURE_HCL_NV_INDEX	      0x01400001u
#define BC_AZURE_HCL_MAX	      ((size_t)16 << 10) /* a cap: Azure's index is 2600 bytes */
#define BC_AZURE_HCL_SIGNATURE	      0x414c4348u	 /* "HCLA" */
#define BC_AZURE_HCL_HEADER_SIZE      32
#define BC_AZURE_HCL_HW_REPORT_SIZE   0x4A0 /* the slot: an SNP report, or a TDREPORT */
#define BC_AZURE_HCL_RUNTIME_HDR_SIZE 20
#define BC_AZURE_HCL_RUNTIME_OFFSET   (BC_AZURE_HCL_HEADER_SIZE + BC_AZURE_HCL_HW_REPORT_SIZE)
#define BC_AZURE_HCL_REQUEST_AK_CERT  2
#define BC_AZURE_HCL_REPORT_TYPE_SNP  2
#define BC_AZURE_HCL_REPORT_TYPE_TDX  4
#define BC_AZURE_HCL_HASH_SHA256      1
#define BC_AZURE_HCL_RUNTIME_DATA_MAX ((size_t)8 << 10)
#define BC_AZURE_HCL_AK_KID	      "HCLAkPub"

/* A TDREPORT_STRUCT in the slot (Intel TDX module ABI): REPORTMACSTRUCT (256 bytes,
 * REPORTDATA at 128), TEE_TCB_INFO (239) and 17 reserved, then TDINFO at 512 (ATTRIBUTES,
 * XFAM, MRTD at 16, ..., RTMR0-3 at 208): MAC'd by the CPU, not signed, so it is
 * verified through a TD quote of the same TD (evidence keep.quote). */
#define BC_AZURE_TDREPORT_SIZE	      1024
#define BC_AZURE_TDREPORT_REPORT_DATA 128
#define BC_AZURE_TDREPORT_MRTD	      (512 + 16)
#define BC_AZURE_TDREPORT_RTMR	      (512 + 208) /* 4 of 48 bytes */

/*
 * The TD quote of a TDREPORT, from the host's quoting service through Azure's Instance
 * Metadata Service: POST {"report": TDREPORT in base64url without padding} as JSON,
 * answered {"quote": TD quote in base64url}. As Microsoft's clients do it:
 * Azure/cvm-attestation-tools, cvm-attestation/src/imds_client.py (get_td_quote: only
 * "Content-Type: application/json", 5 tries a second apart) and src/encoder.py
 * (base64url_encode strips the padding); kinvolk/azure-cvm-tooling,
 * az-cvm-vtpm/az-tdx-vtpm/src/imds.rs (get_td_quote). The TDREPORT sent is the first
 * BC_AZURE_TDREPORT_SIZE bytes of the HCL report's slot (report_parser.py,
 * extract_hw_report).
 */
#define BC_AZURE_TDQUOTE_URL	    "http://169.254.169.254/acc/tdquote"
#define BC_AZURE_TDQUOTE_TIMEOUT_MS 10000 /* each try */
#define BC_AZURE_TDQUOTE_ATTEMPTS   3	  /* tries, for a network error, 429 or 5xx */
#define BC_AZURE_TDQUOTE_RETRY_MS   1000
#define BC_AZURE_TDQUOTE_MAX	    BC_EVIDENCE_MAX_KEEP /* the TD quote's bytes at most */

/* An HCL report's fields; the pointers point into the bytes parsed. */
typedef struct bc_azure_hcl {
	uint32_t version, report_size, request_type, status;	  /* the attestation header */
	const uint8_t *hw_report;				  /* BC_AZURE_HCL_HW_REPORT_SIZE */
	uint32_t data_size, data_version, report_type, hash_type; /* the runtime data's header */
	const uint8_t *runtime_data;
	size_t runtime_data_size;
} bc_azure_hcl;

/*
 * Parse an HCL report, every length checked against the bytes there are: the signature,
 * a request type of 2, the runtime data header after the 0x4A0-byte slot, its
 * variable_data_size within the bytes (and at most BC_AZURE_HCL_RUNTIME_DATA_MAX).
 * Bytes after the runtime data (the NV index's padding) are ignored. BC_E_FORMAT names
 * the field and its offset (a report type other than 2, SEV-SNP, or 4, TDX);
 * BC_E_UNSUPPORTED: a runtime data version or hash other than 1.
 */
bc_status bc_azure_hcl_parse(const uint8_t *data, size_t size, bc_azure_hcl *out, bc_error *err);

/*
 * On the machine: the whole of NV index BC_AZURE_HCL_NV_INDEX (TPM2_NV_Read in chunks of
 * the TPM's TPM2_PT_NV_BUFFER_MAX; *data malloc'd). BC_E_NOTFOUND when the TPM has no
 * such index (not an Azure confidential VM), BC_E_FORMAT when it is empty or larger
 * than BC_AZURE_HCL_MAX.
 */
bc_status bc_azure_hcl_read(bc_tpm *tpm, uint8_t **data, size_t *size, bc_error *err);

/*
 * The signature: the SEV-SNP report in the slot verifies as bc_snp_report_verify() does
 * it (vcek: the VCEK or VLEK certificate; ask and ark both or neither). On success
 * *report holds the parsed report. BC_E_UNSUPPORTED for a TDX HCL report, whose
 * TDREPORT is verified through its TD quote (bc_keep_check_azure()).
 */
bc_status bc_azure_hcl_check_signature(const uint8_t *hcl, size_t size, const uint8_t *vcek,
				       size_t vcek_size, const uint8_t *ask, size_t ask_size,
				       const uint8_t *ark, size_t ark_size, bc_snp_report *report,
				       bc_error *err);

/*
 * The binding: REPORT_DATA's (a TDREPORT's REPORTDATA's) first 32 bytes are
 * SHA-256(runtime data), and the runtime
 * data's key "HCLAkPub" (an RSA JWK: "n" and "e", base64url) is ak: an RSA key of that
 * modulus and exponent. BC_E_MISMATCH for either difference (naming it), BC_E_FORMAT
 * for runtime data that is not such JSON.
 */
bc_status bc_azure_hcl_check_binding(const uint8_t *hcl, size_t size, const TPMT_PUBLIC *ak,
				     bc_error *err);

/*
 * Whether a TD quote's body is of the TD of a TDREPORT (BC_AZURE_TDREPORT_SIZE bytes):
 * NULL when MRTD, RTMR0-3 and REPORTDATA are the same, else the name of the first field
 * that differs ("MRTD", "RTMR2", "REPORTDATA").
 */
const char *bc_azure_tdreport_mismatch(const uint8_t *tdreport, const bc_td_report_body *td);

/*
 * On the machine: the TD quote of the TDX HCL report hcl (report type 4) from the
 * quoting service at url (NULL: BC_AZURE_TDQUOTE_URL), over http or https, each try at
 * most BC_AZURE_TDQUOTE_TIMEOUT_MS, a network error, 429 or 5xx tried again up to
 * BC_AZURE_TDQUOTE_ATTEMPTS times. The answer must be a JSON object whose "quote" is
 * base64url of a TD quote (v4 or v5, a TD body) of at most BC_AZURE_TDQUOTE_MAX bytes,
 * of the TDREPORT's TD (bc_azure_tdreport_mismatch()); nothing is verified further (the
 * verifier does it). *quote malloc'd. Errors name the URL: BC_E_IO (no answer, an HTTP
 * error status), BC_E_LIMIT (an answer too large), BC_E_FORMAT (an answer that is not
 * such JSON, not a TD quote, or a quote of another TD), BC_E_INVALID (not a TDX HCL
 * report).
 */
bc_status bc_azure_td_quote(const char *url, const uint8_t *hcl, size_t hcl_size, uint8_t **quote,
			    size_t *quote_size, bc_error *err);

/* Which check an HCL report failed (bc_azure_hcl_verify). */
typedef enum bc_azure_failure {
	BC_AZURE_OK = 0,
	BC_AZURE_FAILED_FORMAT,	   /* not an HCL report of an SEV-SNP Keep */
	BC_AZURE_FAILED_SIGNATURE, /* the report's signature or chain */
	BC_AZURE_FAILED_BINDING,   /* REPORT_DATA or the AK */
} bc_azure_failure;

/*
 * Both: the signature with the certificates given, then the binding to ak (the AK's
 * public area). *report is the SEV-SNP report after a good signature, *failed says
 * which check failed, and err why.
 */
bc_status bc_azure_hcl_verify(const uint8_t *hcl, size_t size, const TPMT_PUBLIC *ak,
			      const uint8_t *vcek, size_t vcek_size, const uint8_t *ask,
			      size_t ask_size, const uint8_t *ark, size_t ark_size,
			      bc_snp_report *report, bc_azure_failure *failed, bc_error *err);

#endif
