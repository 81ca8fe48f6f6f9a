/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Remote attestation: quotes, evidence files (format "bootchain-evidence-v1",
 * bootchain-evidence(5)) and their verification. The verifier needs no TPM: every check
 * is done in software with OpenSSL, and each is reported by name.
 */
#ifndef BOOTCHAIN_ATTEST_H
#define BOOTCHAIN_ATTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/golden.h>
#include <bootchain/pcr.h>
#include <bootchain/status.h>
#include <bootchain/tpm.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BC_EVIDENCE_FORMAT "bootchain-evidence-v1"
#define BC_NONCE_MAX	   64 /* TPM2B_DATA */

/* Caps on what an evidence file may hold: it comes from the machine being judged. */
#define BC_EVIDENCE_MAX_SIZE   ((size_t)128 << 20)
#define BC_EVIDENCE_MAX_ATTEST 4096
#define BC_EVIDENCE_MAX_SIG    2048
#define BC_EVIDENCE_MAX_PUBLIC 2048
#define BC_EVIDENCE_MAX_LOG    ((size_t)64 << 20)
#define BC_EVIDENCE_MAX_KEEP   16384 /* a TEE report, or its certificate */

typedef struct bc_evidence {
	uint8_t nonce[BC_NONCE_MAX];
	size_t nonce_size;
	uint8_t *attest; /* TPMS_ATTEST as the TPM marshalled and signed it */
	size_t attest_size;
	uint8_t *signature; /* TPMT_SIGNATURE, marshalled */
	size_t signature_size;
	uint8_t *ak_public; /* TPM2B_PUBLIC, marshalled; may be absent */
	size_t ak_public_size;
	bc_pcr_values pcrs;	    /* the PCR values the quote covers */
	bc_pcr_selection selection; /* in the order of the quote */
	uint8_t *eventlog;	    /* may be absent */
	size_t eventlog_size;
	/* the Keep: the TEE's attestation report, bound to the quote (may be absent) */
	uint8_t *keep_report;
	size_t keep_report_size;
	char keep_provider[64]; /* its kind: configfs-tsm's provider ("sev_guest", "tdx_guest"),
				   "sgx" or "azure_hcl" (bootchain-evidence(5)) */
	uint8_t *keep_vcek;	/* the certificate that signs the report (DER or PEM); optional */
	size_t keep_vcek_size;
	uint8_t *keep_eventlog; /* the TEE's own event log (TDX: the CCEL log); optional */
	size_t keep_eventlog_size;
	uint8_t *keep_quote; /* a quote of the report (Azure TDX: the TD quote); optional */
	size_t keep_quote_size;
} bc_evidence;

BC_EXPORT void bc_evidence_free(bc_evidence *ev);

/*
 * On the machine: TPM2_Quote over sel (NULL: PCRs 0-9 of every allocated bank) with the
 * AK named by ak (a persistent handle "0x81..." or a context file), qualified by nonce;
 * the PCR values (read until they agree with the quote's digest), and the event log at
 * log_path when not NULL. The log is parsed before the quote and must have digests of
 * every quoted bank, else BC_E_FORMAT or BC_E_INVALID and no quote is made.
 */
BC_EXPORT bc_status bc_evidence_quote(bc_tpm *tpm, const char *ak, const uint8_t *nonce,
				      size_t nonce_size, const bc_pcr_selection *sel,
				      const char *log_path, bc_evidence **out, bc_error *err);

/*
 * The Keep binding (bootchain-evidence(5)): with a Keep report, the TEE's REPORT_DATA is
 * SHA-512("bootchain keep v1" || nonce || AK name) and the quote's qualifying data
 * SHA-256("bootchain quote v1" || nonce || SHA-256(report)), so that neither can be
 * swapped for one of another machine or another moment.
 */
BC_EXPORT void bc_keep_report_data(const uint8_t *nonce, size_t nonce_size, const uint8_t *ak_name,
				   size_t ak_name_size, uint8_t out[64]);
BC_EXPORT void bc_keep_qualifying_data(const uint8_t *nonce, size_t nonce_size,
				       const uint8_t *report, size_t report_size, uint8_t out[32]);

/*
 * bc_evidence_quote() with a Keep: the report is read through configfs-tsm under
 * tsm_root (NULL: /sys/kernel/config/tsm/report) with the binding above; without
 * tsm_root, from the vTPM's HCL report when the TPM has one (an Azure confidential VM).
 * An HCL report of a TDX VM comes with the TD quote of its TDREPORT, fetched from the
 * quoting service at tdquote_url (NULL: Azure's, http://169.254.169.254/acc/tdquote);
 * no quote is made when that fails.
 */
BC_EXPORT bc_status bc_evidence_quote_keep(bc_tpm *tpm, const char *ak, const uint8_t *nonce,
					   size_t nonce_size, const bc_pcr_selection *sel,
					   const char *log_path, const char *tsm_root,
					   const char *tdquote_url, bc_evidence **out,
					   bc_error *err);

/* The evidence file (JSON) and back. Parsing refuses missing fields, bad base64,
 * oversized values, and anything of the wrong type, naming the field. */
BC_EXPORT bc_status bc_evidence_write(const bc_evidence *ev, const char *path, bc_error *err);
BC_EXPORT bc_status bc_evidence_parse(const void *data, size_t size, const char *name,
				      bc_evidence **out, bc_error *err);
BC_EXPORT bc_status bc_evidence_load(const char *path, bc_evidence **out, bc_error *err);

/* tpm2-tools' files: message (-m), signature (-s), PCRs (-o of tpm2_quote, -f of
 * tpm2_checkquote), and the AK public (TPM2B_PUBLIC) when the evidence has it. */
BC_EXPORT bc_status bc_evidence_write_tpm2_tools(const bc_evidence *ev, const char *dir,
						 bc_error *err);
BC_EXPORT bc_status bc_evidence_from_tpm2_tools(const char *message, const char *signature,
						const char *pcrs, const char *log,
						bc_evidence **out, bc_error *err);

/* ---- verification ---- */

typedef enum bc_check_status {
	BC_CHECK_PASS = 0,
	BC_CHECK_FAIL,
	BC_CHECK_SKIP, /* not asked for, or nothing to check (no event log) */
} bc_check_status;

/* The checks, in the order they run. */
typedef enum bc_check {
	BC_CHECK_AK = 0,	 /* the evidence's AK is the expected AK */
	BC_CHECK_SIGNATURE,	 /* the quote is signed by the AK */
	BC_CHECK_ATTEST,	 /* TPMS_ATTEST: magic TPM_GENERATED, type quote */
	BC_CHECK_NONCE,		 /* extraData equals the verifier's nonce */
	BC_CHECK_PCR_SELECTION,	 /* the quote covers exactly the PCR values supplied */
	BC_CHECK_PCR_DIGEST,	 /* the quote's digest is that of the values */
	BC_CHECK_EVENTLOG,	 /* the log replays to the values */
	BC_CHECK_GOLDEN,	 /* every event of the log against the golden database */
	BC_CHECK_KEEP_SIGNATURE, /* the Keep report is signed by its VCEK, chained to the ARK */
	BC_CHECK_KEEP_BINDING,	 /* REPORT_DATA binds the verifier's nonce and the AK */
	BC_CHECK_KEEP_GOLDEN,	 /* MEASUREMENT and policy against the golden database */
	BC_CHECK_COUNT,
} bc_check;

/* "ak", "signature", "attest", "nonce", "pcr-selection", "pcr-digest", "eventlog",
 * "golden", "keep-signature", "keep-binding", "keep-golden" */
BC_EXPORT const char *bc_check_name(bc_check check);

typedef struct bc_verify_result {
	bc_check_status status[BC_CHECK_COUNT];
	char message[BC_CHECK_COUNT][256];
	bool pass;		/* no check failed */
	bool has_clock;		/* the attest parsed: */
	uint64_t clock;		/* ms the TPM has been running, in total */
	uint32_t reset_count;	/* TPM resets (reboots) */
	uint32_t restart_count; /* restarts (resumes) since the last reset */
	bool safe;
	uint64_t firmware_version;
	bool fresh;		   /* extraData is the verifier's nonce (false with no_nonce) */
	bool values_signed;	   /* the PCR values supplied are those the quote signed */
	bc_pcr_selection attested; /* the (bank, PCR) pairs of the attested view: the log's
				      digests there replay to signed values */
	bc_golden_report *golden;  /* with a golden database and a log; owned; it judged
				      digests of the attested view only */
} bc_verify_result;

/* The expected AK, parsed once for many evidence files (OpenSSL 3 makes parsing a key
 * cost as much as verifying a signature). Read-only once made: threads may share it. */
typedef struct bc_verify_key bc_verify_key;

/* Flags of bc_verify_key_new(). */
enum {
	/* Accept a bare PEM public key: the caller vouches that it checked elsewhere (an EK
	 * certificate chain, TPM2_Certify, credential activation of its TPM2B_PUBLIC) that it
	 * is a restricted signing key of a TPM. Without it, a PEM key is refused: a quote's
	 * TPM_GENERATED magic proves nothing when the key may be an unrestricted one. */
	BC_VERIFY_KEY_PEM_CHECKED = 1u << 0,
};

/*
 * ak: a marshalled TPM2B_PUBLIC (as tpm2_createak -u writes), which must be that of an
 * attestation key: restricted, sign, fixedTPM, fixedParent, sensitiveDataOrigin and not
 * decrypt (else BC_E_MISMATCH naming each attribute); or, with BC_VERIFY_KEY_PEM_CHECKED,
 * a PEM public key (else BC_E_MISMATCH).
 */
BC_EXPORT bc_status bc_verify_key_new(const uint8_t *ak, size_t size, unsigned flags,
				      bc_verify_key **out, bc_error *err);
BC_EXPORT void bc_verify_key_free(bc_verify_key *key);

/* Intel DCAP (TDX and SGX Keeps): the pinned root and the collateral, as the bytes of
 * files (PEM or DER certificates and CRLs, Intel's JSON for the TCB info and QE
 * identity); any may be NULL. */
typedef struct bc_keep_intel_collateral {
	const uint8_t *root; /* the Intel SGX Root CA the PCK chain must end at */
	const uint8_t *tcb_info, *qe_identity, *tcb_signing_chain, *pck_crl, *root_crl;
	size_t root_size, tcb_info_size, qe_identity_size, tcb_signing_chain_size, pck_crl_size,
	    root_crl_size;
} bc_keep_intel_collateral;

typedef struct bc_verify_opts {
	const bc_verify_key *key; /* the expected AK; when NULL, ak_public is parsed */
	const uint8_t *ak_public; /* the expected AK: a PEM public key or a TPM2B_PUBLIC */
	size_t ak_public_size;
	unsigned ak_flags;    /* bc_verify_key_new() flags for ak_public */
	const uint8_t *nonce; /* an empty nonce fails the nonce check, unless no_nonce */
	size_t nonce_size;
	bool no_nonce; /* accept a quote without the verifier's nonce: not fresh */
	/* what the quote must cover (the pcr-selection check); NULL: what the golden
	 * database judges (bc_golden_quote_covers), or anything without one */
	const bc_pcr_selection *require;
	const bc_golden *golden; /* may be NULL */
	/* the Keep: required when keep_required, or when the golden database has a "keep"
	 * section; the report's VCEK comes from keep_vcek or the evidence, and is checked
	 * against keep_ark (and keep_ask) when given */
	bool keep_required;
	const uint8_t *keep_ark, *keep_ask, *keep_vcek; /* PEM or DER; may be NULL */
	size_t keep_ark_size, keep_ask_size, keep_vcek_size;
	/* the CHIP_ID (64 bytes) a Keep report must have (the keep-binding check); NULL:
	 * any */
	const uint8_t *keep_chip_id;
	/* the kind of Keep a report must be of (an enrolment's keep_kind: "sev-snp", "tdx";
	 * another kind fails keep-binding); NULL: any */
	const char *keep_kind;
	bc_keep_intel_collateral keep_intel;
	/* enrolled machines (bootchain/enrolment.h), used when key is NULL: the expected AK
	 * is that of the record whose ak_name is the name of the evidence's AK (none: the
	 * ak check fails, "not enrolled"); a record with a Keep requires the Keep, of its
	 * kind as keep_kind, with its chip id (when the kind has one) as keep_chip_id */
	const struct bc_enrolment_set *enrolled;
	/* the verifier knows the machine has no TPM (an SGX enclave): its evidence must be
	 * keep-only (bootchain-evidence(5)), a TPM quote in it fails the ak check, and the
	 * TPM checks are skipped whatever else is asked (an AK, require, a golden database
	 * that judges a boot: those are for the other machines); the Keep's checks decide */
	bool keep_only;
} bc_verify_opts;

/* Run every check; the result says which passed. An error (no memory, a bad AK given by
 * the caller) is returned as such; bad evidence is a failed check, never an error. */
BC_EXPORT bc_status bc_verify_evidence(const bc_evidence *ev, const bc_verify_opts *opts,
				       bc_verify_result *res, bc_error *err);
BC_EXPORT void bc_verify_result_free(bc_verify_result *res);

#ifdef __cplusplus
}
#endif
#endif
