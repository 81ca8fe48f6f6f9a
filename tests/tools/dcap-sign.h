/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * For the tests and the simulated SGX/TDX providers: Intel DCAP quotes and collateral
 * made with test keys, in the layouts of attest/dcap.h. A test PKI:
 *   root        "Test SGX Root CA" (EC P-256, self-signed)
 *   pck_ca      "Test SGX PCK Platform CA", signed by root
 *   pck         "Test SGX PCK Certificate", signed by pck_ca, with the SGX extensions
 *               (1.2.840.113741.1.13.1) of DCAP_SIM_FMSPC, DCAP_SIM_PCEID, the
 *               components DCAP_SIM_COMP_SVN and pcesvn DCAP_SIM_PCESVN
 *   tcb         "Test SGX TCB Signing", signed by root
 *   att_key     the attestation key (EC P-256), vouched for by the QE report
 *   pck_crl, root_crl  CRLs by pck_ca and root (empty unless revoked serials are given)
 * Functions return 0, or -1 on failure (a message on stderr).
 */
#ifndef BC_TESTS_DCAP_SIGN_H
#define BC_TESTS_DCAP_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define DCAP_SIM_FMSPC	      "00906ed50000"
#define DCAP_SIM_PCEID	      "0000"
#define DCAP_SIM_PCESVN	      13
#define DCAP_SIM_COMP_SVN_1   5 /* components: 5, 5, 2, 2, 2, 1, 0, 3, 0 ... 0 */
#define DCAP_SIM_QE_ISVSVN    8
#define DCAP_SIM_QE_ISVPRODID 1 /* 2 for the TD QE */
#define DCAP_SIM_TEE_TCB_SVN  "03000600000000000000000000000000"

typedef struct dcap_sim {
	EVP_PKEY *root_key, *pck_ca_key, *pck_key, *tcb_key, *att_key;
	X509 *root, *pck_ca, *pck, *tcb;
	X509_CRL *pck_crl, *root_crl;
} dcap_sim;

/* A fresh PKI (keys and certificates valid from a day ago for 10 years; CRLs empty). */
int dcap_sim_init(dcap_sim *s);

/* The same PKI, to and from files in dir: root.pem root-key.pem pck-ca.pem
 * pck-ca-key.pem pck.pem pck-key.pem tcb.pem tcb-key.pem att-key.pem pck-crl.der
 * root-crl.der, and the chains a verifier reads: pck-chain.pem (pck, pck-ca, root)
 * and tcb-chain.pem (tcb, root). */
int dcap_sim_save(const dcap_sim *s, const char *dir);
int dcap_sim_load(dcap_sim *s, const char *dir);
void dcap_sim_free(dcap_sim *s);

/* Reissue the PCK CRL (or the root CRL) listing the given serial numbers. */
int dcap_sim_revoke(dcap_sim *s, bool root_crl, const long *serials, size_t n);

/* A certificate or CRL as PEM (or DER) bytes; the caller frees. */
int dcap_sim_cert_pem(X509 *x, uint8_t **out, size_t *size);
int dcap_sim_crl_der(X509_CRL *c, uint8_t **out, size_t *size);
/* pck || pck_ca || root as PEM: the certification data of type 5. */
int dcap_sim_pck_chain(const dcap_sim *s, uint8_t **out, size_t *size);
/* tcb || root as PEM. */
int dcap_sim_tcb_chain(const dcap_sim *s, uint8_t **out, size_t *size);

/* What the quote holds. A zero spec gives a v4 TDX 1.0 quote of the default body. */
typedef struct dcap_quote_spec {
	unsigned version;	    /* 3, 4 or 5; 0 means 4 */
	unsigned body_type;	    /* 1 SGX, 2 TD 1.0, 3 TD 1.5; 0: 1 for v3, 2 otherwise */
	const uint8_t *body;	    /* body_size bytes of body, or NULL: the default body */
	size_t body_size;	    /* must be the type's size when body is given */
	const uint8_t *report_data; /* 64 bytes put in the body's REPORTDATA, or NULL */
	const uint8_t *qe_auth;	    /* QE authentication data, or NULL: 32 bytes 0..31 */
	size_t qe_auth_size;
	uint16_t qe_isvsvn; /* 0: DCAP_SIM_QE_ISVSVN */
} dcap_quote_spec;

/* The default body of a type (body_type 1: MRENCLAVE 0x11.., MRSIGNER 0x22..,
 * ISVPRODID 3, ISVSVN 4, attributes INIT|MODE64BIT; 2 and 3: TEE_TCB_SVN
 * DCAP_SIM_TEE_TCB_SVN, MRTD 0x33.., RTMRi 0x40+i.., TD attributes 0, XFAM 0xe7);
 * body holds at least the type's size. Returns the size, 0 for an unknown type. */
size_t dcap_sim_default_body(unsigned body_type, uint8_t *body);

/* The offset of REPORTDATA in a body of that type (320 SGX, 520 TD). */
size_t dcap_sim_report_data_offset(unsigned body_type);

/* A signed quote: the QE report (of the QE: MRSIGNER 0x55.., ISVPRODID 1 or 2 for a TD
 * body, the spec's ISVSVN) signed by the PCK key, its REPORTDATA vouching for att_key
 * and the QE authentication data, the quote signed by att_key, the PCK chain as
 * certification data. *out is malloc'ed. */
int dcap_sim_quote(const dcap_sim *s, const dcap_quote_spec *spec, uint8_t **out, size_t *size);

/* Re-sign a quote's signed part with att_key after a test changed it (offsets found
 * as bc_dcap_quote_parse() does: v3/v4 48 + body, v5 54 + body). */
int dcap_sim_resign_quote(const dcap_sim *s, uint8_t *quote, size_t size);

/* Collateral. tcb_levels / qe_levels: the JSON array text of tcbLevels, or NULL for a
 * default: UpToDate at the simulated platform's TCB, then OutOfDate below it. */
typedef struct dcap_collateral_spec {
	const char *id;	    /* "SGX" or "TDX" (TCB info), "QE" or "TD_QE" (identity) */
	unsigned version;   /* TCB info 2 or 3 (0: 3); identity 2 */
	time_t issue, next; /* 0: a day ago, in 30 days */
	const char *fmspc;  /* NULL: DCAP_SIM_FMSPC */
	const char *levels; /* NULL: the default levels */
	/* TCB info of id TDX: the JSON array text of tdxModuleIdentities, or NULL: none */
	const char *module_identities;
	bool bad_signature; /* flip a bit of the signature */
	EVP_PKEY *signer;   /* NULL: the sim's tcb key */
} dcap_collateral_spec;

/* One TCB info level (JSON object text, malloc'ed) with status, at the simulated
 * platform's TCB with delta added to the first SGX component (delta 1: a level the
 * platform does not reach; -1: one below it); tdx adds tdxtcbcomponents =
 * DCAP_SIM_TEE_TCB_SVN; version 2 writes sgxtcbcompNNsvn. */
char *dcap_sim_tcb_level(const char *status, int delta, bool tdx, unsigned version);

/* One tdxModuleIdentities entry (JSON object text, malloc'ed): id ("TDX_01"), mrsigner
 * (96 hex digits, NULL: zeros as the default TD body's MRSIGNERSEAM), attributes 0 under
 * the mask FFFFFFFFFFFFFFFF, and levels, the JSON array text of its tcbLevels (see
 * dcap_sim_module_level()). */
char *dcap_sim_module_identity(const char *id, const char *mrsigner, const char *levels);

/* One level of a TDX module identity: {"tcb":{"isvsvn":N},"tcbDate":...,"tcbStatus":...}. */
char *dcap_sim_module_level(unsigned isvsvn, const char *status);

/* {"tcbInfo":{...},"signature":"..."} / {"enclaveIdentity":{...},"signature":"..."},
 * NUL-terminated, malloc'ed. */
int dcap_sim_tcb_info(const dcap_sim *s, const dcap_collateral_spec *c, char **out);
int dcap_sim_qe_identity(const dcap_sim *s, const dcap_collateral_spec *c, char **out);

#endif
