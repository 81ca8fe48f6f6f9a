/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Trust roots: EK certificates (TCG EK Credential Profile for TPM Family 2.0) and their
 * chains to the TPM's manufacturer. A verifier that accepts any EK accepts a software
 * TPM that signs whatever PCR values it is told; the EK certificate, chained to a
 * manufacturer's CA, is what says that the EK is in a real TPM.
 *
 * A CA store holds certificates that are all trust anchors, roots and intermediates
 * alike (as Keylime's tpm_cert_store): a chain is trusted when it reaches any of them.
 * Certificates a TPM keeps in NV beside its EK certificate are untrusted helpers that
 * may fill the gap to a store certificate, never anchors themselves.
 */
#ifndef BOOTCHAIN_EKCERT_H
#define BOOTCHAIN_EKCERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/status.h>
#include <bootchain/tpm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the CA store ---- */

typedef struct bc_ca_store bc_ca_store;

BC_EXPORT bc_status bc_ca_store_new(bc_ca_store **out, bc_error *err);
BC_EXPORT void bc_ca_store_free(bc_ca_store *store);

/* Every certificate file of dir (*.pem, *.crt, *.cer, *.der: PEM with one or more
 * certificates, with or without a final newline, or DER, also not strictly DER as some
 * vendors publish them). A file that holds no certificate is an error naming it. */
BC_EXPORT bc_status bc_ca_store_add_dir(bc_ca_store *store, const char *dir, bc_error *err);
BC_EXPORT bc_status bc_ca_store_add_file(bc_ca_store *store, const char *path, bc_error *err);

/* A CRL (PEM or DER); once any is given, every certificate of a chain is checked
 * against the CRLs of its issuer. */
BC_EXPORT bc_status bc_ca_store_add_crl(bc_ca_store *store, const char *path, bc_error *err);

BC_EXPORT size_t bc_ca_store_count(const bc_ca_store *store);

/* The store `make install` ships: $(datadir)/bootchain/tpm-ca. */
BC_EXPORT const char *bc_ca_store_default_dir(void);

/* ---- verifying an EK certificate ---- */

typedef enum bc_ek_cert_verdict {
	BC_EK_CERT_TRUSTED = 0,
	BC_EK_CERT_UNKNOWN_ISSUER, /* no chain to a certificate of the store */
	BC_EK_CERT_BAD_SIGNATURE,
	BC_EK_CERT_EXPIRED,	/* or not yet valid: the EK certificate or one of its chain */
	BC_EK_CERT_REVOKED,	/* or, once CRLs are given, no valid CRL of an issuer */
	BC_EK_CERT_WRONG_USAGE, /* not an EK certificate: key usage, EKU, CA flag */
	/* not a certificate (info.parsed false), or one that cannot be interpreted: an
	 * unknown critical extension, a chain longer than BC_EK_CHAIN_MAX */
	BC_EK_CERT_MALFORMED,
} bc_ek_cert_verdict;

/* "trusted", "unknown issuer", "bad signature", "expired", "revoked", "wrong key
 * usage", "malformed" */
BC_EXPORT const char *bc_ek_cert_verdict_name(bc_ek_cert_verdict v);

#define BC_EK_CHAIN_MAX 8

typedef struct bc_ek_cert_info {
	char subject[256], issuer[256]; /* one-line forms, escaped */
	/* the TPM's attributes from the subject alternative name (TCG OIDs 2.23.133.2.1-3);
	 * empty when absent */
	char manufacturer[64], model[64], version[64];
	bool has_ek_eku;	       /* extended key usage 2.23.133.8.1 (tcg-kp-EKCertificate) */
	int64_t not_before, not_after; /* seconds since the epoch */
	uint8_t fingerprint[32];       /* SHA-256 of the DER certificate */
	/* with a trusted verdict: the chain from the EK certificate (0) to the store
	 * certificate that anchored it (chain_len - 1), and that anchor */
	size_t chain_len;
	uint8_t chain_fingerprints[BC_EK_CHAIN_MAX][32];
	char anchor_subject[256];
	char anchor_file[256]; /* the store file it was loaded from */
	bool parsed;	       /* false: the input is not an X.509 certificate at all */
} bc_ek_cert_info;

/*
 * Verify an EK certificate (DER or PEM) against the store, with the untrusted
 * intermediates (DER, e.g. read from NV) to help build the chain; at is the time to
 * check validity at (0: now). The verdict and a reason in words go to *verdict and why;
 * info is filled as far as the certificate parses. An error is returned only for no
 * memory: a bad certificate is a verdict.
 */
BC_EXPORT bc_status bc_ek_cert_verify(const bc_ca_store *store, const uint8_t *cert, size_t size,
				      const uint8_t *const *intermediates,
				      const size_t *intermediate_sizes, size_t intermediate_count,
				      int64_t at, bc_ek_cert_verdict *verdict,
				      bc_ek_cert_info *info, char *why, size_t why_size,
				      bc_error *err);

/* ---- EK certificates in the TPM's NV ---- */

/* The EK templates of the TCG EK Credential Profile, by their certificate index. */
typedef enum bc_ek_template {
	BC_EK_TEMPLATE_RSA2048_L = 0, /* 0x01c00002, template L-1 */
	BC_EK_TEMPLATE_ECCP256_L,     /* 0x01c0000a, template L-2 */
	BC_EK_TEMPLATE_RSA2048_H,     /* 0x01c00012, H-1 */
	BC_EK_TEMPLATE_ECCP256_H,     /* 0x01c00014, H-2 */
	BC_EK_TEMPLATE_ECCP384_H,     /* 0x01c00016, H-3 */
	BC_EK_TEMPLATE_ECCP521_H,     /* 0x01c00018, H-4 */
	BC_EK_TEMPLATE_RSA3072_H,     /* 0x01c0001c, H-6 */
	BC_EK_TEMPLATE_RSA4096_H,     /* 0x01c0001e, H-7 */
	BC_EK_TEMPLATE_COUNT,
} bc_ek_template;

/* "rsa2048", "ecc-p256", "rsa2048-h", "ecc-p256-h", "ecc-p384-h", ... */
BC_EXPORT const char *bc_ek_template_name(bc_ek_template t);
/* The profile's name of the template: "L-1", "L-2", "H-1" ... "H-7". */
BC_EXPORT const char *bc_ek_template_label(bc_ek_template t);

typedef struct bc_ek_nv_cert {
	uint32_t index;
	bc_ek_template template_id; /* EK certificates only */
	uint8_t *der;		    /* malloc'd */
	size_t size;
	/* EK certificates: whether the certificate's public key is the EK that the TPM
	 * derives from that template (the EK is created from the template to compare) */
	bool matches_ek;
} bc_ek_nv_cert;

typedef struct bc_ek_nv_certs {
	size_t count;
	bc_ek_nv_cert certs[BC_EK_TEMPLATE_COUNT]; /* the EK certificates found */
	size_t intermediate_count;
	bc_ek_nv_cert intermediates[16]; /* 0x01c00100 onwards, in index order */
} bc_ek_nv_certs;

/* Read every EK certificate and NV intermediate the TPM has. No certificate at all is
 * not an error (count 0). */
BC_EXPORT bc_status bc_ek_nv_certs_read(bc_tpm *tpm, bc_ek_nv_certs *out, bc_error *err);
BC_EXPORT void bc_ek_nv_certs_free(bc_ek_nv_certs *certs);

#ifdef __cplusplus
}
#endif
#endif
