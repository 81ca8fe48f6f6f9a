/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EK certificates a TPM keeps in NV (TCG EK Credential Profile 2.2.1.4-2.2.1.5):
 * one index per EK template, low range 0x01c00002 (RSA 2048, L-1) and 0x01c0000a (ECC
 * P-256, L-2), high range from 0x01c00012 (H-1 to H-7; H-5, SM2, is not read), and the
 * certificates of the chain at 0x01c00100-0x01c001ff. Each EK certificate is checked
 * against the EK the TPM derives from its template.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>

#include <bootchain/ekcert.h>

#include "attest/keys.h"
#include "pcr/tpm-internal.h"
#include "util/cleanup.h"

#define EK_INDEX_FIRST	   0x01c00000u
#define EK_INDEX_LAST	   0x01c001ffu
#define CHAIN_INDEX_FIRST  0x01c00100u
#define INTERMEDIATE_MAX   ELEMENTSOF(((bc_ek_nv_certs *)0)->intermediates)
#define LISTED_INDICES_MAX 512

static void esys_freep(void *p)
{
	Esys_Free(*(void **)p);
}
#define _cleanup_esys_ _cleanup_(esys_freep)

/* The policy digests of the high-range templates (EK Credential Profile B.4.3, PolicyB:
 * PolicyOR of PolicySecret(TPM_RH_ENDORSEMENT) and PolicyAuthorizeNV) in each name
 * algorithm. */
static const uint8_t policy_b_sha256[32] = {
    0xca, 0x3d, 0x0a, 0x99, 0xa2, 0xb9, 0x39, 0x06, 0xf7, 0xa3, 0x34, 0x24, 0x14, 0xef, 0xcf, 0xb3,
    0xa3, 0x85, 0xd4, 0x4c, 0xd1, 0xfd, 0x45, 0x90, 0x89, 0xd1, 0x9b, 0x50, 0x71, 0xc0, 0xb7, 0xa0,
};
static const uint8_t policy_b_sha384[48] = {
    0xb2, 0x6e, 0x7d, 0x28, 0xd1, 0x1a, 0x50, 0xbc, 0x53, 0xd8, 0x82, 0xbc, 0xf5, 0xfd, 0x3a, 0x1a,
    0x07, 0x41, 0x48, 0xbb, 0x35, 0xd3, 0xb4, 0xe4, 0xcb, 0x1c, 0x0a, 0xd9, 0xbd, 0xe4, 0x19, 0xca,
    0xcb, 0x47, 0xba, 0x09, 0x69, 0x96, 0x46, 0x15, 0x0f, 0x9f, 0xc0, 0x00, 0xf3, 0xf8, 0x0e, 0x12,
};
static const uint8_t policy_b_sha512[64] = {
    0xb8, 0x22, 0x1c, 0xa6, 0x9e, 0x85, 0x50, 0xa4, 0x91, 0x4d, 0xe3, 0xfa, 0xa6, 0xa1, 0x8c, 0x07,
    0x2c, 0xc0, 0x12, 0x08, 0x07, 0x3a, 0x92, 0x8d, 0x5d, 0x66, 0xd5, 0x9e, 0xf7, 0x9e, 0x49, 0xa4,
    0x29, 0xc4, 0x1a, 0x6b, 0x26, 0x95, 0x71, 0xd5, 0x7e, 0xdb, 0x25, 0xfb, 0xdb, 0x18, 0x38, 0x42,
    0x56, 0x08, 0xb4, 0x13, 0xcd, 0x61, 0x6a, 0x5f, 0x6d, 0xb5, 0xb6, 0x07, 0x1a, 0xf9, 0x9b, 0xea,
};

typedef struct ek_template_def {
	uint32_t index;
	const char *name, *label;
	TPMI_ALG_PUBLIC type;
	TPMI_ALG_HASH name_alg;
	uint16_t rsa_bits;    /* RSA */
	TPMI_ECC_CURVE curve; /* ECC */
	uint16_t aes_bits;
	const uint8_t *policy;
	uint16_t policy_size;
} ek_template_def;

/* In bc_ek_template order. The high-range templates have userWithAuth, PolicyB and an
 * empty unique field (B.4.4); the low range is bc_ek_default_template()'s (B.3.3, B.3.4). */
static const ek_template_def templates[BC_EK_TEMPLATE_COUNT] = {
    {0x01c00002, "rsa2048", "L-1", TPM2_ALG_RSA, TPM2_ALG_SHA256, 2048, 0, 128, NULL, 0},
    {0x01c0000a, "ecc-p256", "L-2", TPM2_ALG_ECC, TPM2_ALG_SHA256, 0, TPM2_ECC_NIST_P256, 128, NULL,
     0},
    {0x01c00012, "rsa2048-h", "H-1", TPM2_ALG_RSA, TPM2_ALG_SHA256, 2048, 0, 128, policy_b_sha256,
     sizeof(policy_b_sha256)},
    {0x01c00014, "ecc-p256-h", "H-2", TPM2_ALG_ECC, TPM2_ALG_SHA256, 0, TPM2_ECC_NIST_P256, 128,
     policy_b_sha256, sizeof(policy_b_sha256)},
    {0x01c00016, "ecc-p384-h", "H-3", TPM2_ALG_ECC, TPM2_ALG_SHA384, 0, TPM2_ECC_NIST_P384, 256,
     policy_b_sha384, sizeof(policy_b_sha384)},
    {0x01c00018, "ecc-p521-h", "H-4", TPM2_ALG_ECC, TPM2_ALG_SHA512, 0, TPM2_ECC_NIST_P521, 256,
     policy_b_sha512, sizeof(policy_b_sha512)},
    {0x01c0001c, "rsa3072-h", "H-6", TPM2_ALG_RSA, TPM2_ALG_SHA384, 3072, 0, 256, policy_b_sha384,
     sizeof(policy_b_sha384)},
    {0x01c0001e, "rsa4096-h", "H-7", TPM2_ALG_RSA, TPM2_ALG_SHA384, 4096, 0, 256, policy_b_sha384,
     sizeof(policy_b_sha384)},
};

const char *bc_ek_template_name(bc_ek_template t)
{
	return (unsigned)t < BC_EK_TEMPLATE_COUNT ? templates[t].name : "unknown";
}

const char *bc_ek_template_label(bc_ek_template t)
{
	return (unsigned)t < BC_EK_TEMPLATE_COUNT ? templates[t].label : "unknown";
}

static void high_range_template(const ek_template_def *def, TPM2B_PUBLIC *out)
{
	*out = (TPM2B_PUBLIC){.size = 0};
	TPMT_PUBLIC *p = &out->publicArea;
	TPMT_SYM_DEF_OBJECT sym = {
	    .algorithm = TPM2_ALG_AES, .keyBits.aes = def->aes_bits, .mode.aes = TPM2_ALG_CFB};
	p->type = def->type;
	p->nameAlg = def->name_alg;
	p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
			      TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
			      TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_RESTRICTED |
			      TPMA_OBJECT_DECRYPT;
	p->authPolicy.size = def->policy_size;
	memcpy(p->authPolicy.buffer, def->policy, def->policy_size);
	if (def->type == TPM2_ALG_RSA) {
		p->parameters.rsaDetail.symmetric = sym;
		p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		p->parameters.rsaDetail.keyBits = def->rsa_bits;
		p->parameters.rsaDetail.exponent = 0;
	} else {
		p->parameters.eccDetail.symmetric = sym;
		p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		p->parameters.eccDetail.curveID = def->curve;
		p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	}
}

/* Whether a TPM response code says that the TPM lacks an algorithm, a curve or a key
 * size of the template (a TPM without P-521, say). */
static bool rc_is_unsupported(TSS2_RC rc)
{
	if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER || !(rc & TPM2_RC_FMT1))
		return false;
	switch ((rc & 0x3f) | TPM2_RC_FMT1) {
	case TPM2_RC_ASYMMETRIC:
	case TPM2_RC_HASH:
	case TPM2_RC_KEY_SIZE:
	case TPM2_RC_CURVE:
	case TPM2_RC_SYMMETRIC:
	case TPM2_RC_SCHEME:
	case TPM2_RC_KDF:
	case TPM2_RC_VALUE: return true;
	default: return false;
	}
}

/* The public area of the EK of a high-range template: TPM2_CreatePrimary, then flush.
 * *supported is false when the TPM cannot make a key of that template. */
static bc_status high_range_ek(bc_tpm *tpm, const ek_template_def *def, TPM2B_PUBLIC *pub,
			       bool *supported, bc_error *err)
{
	TPM2B_PUBLIC tmpl;
	ESYS_TR tr = ESYS_TR_NONE;
	high_range_template(def, &tmpl);
	*supported = true;
	TSS2_RC rc = bc_ek_create_primary(tpm, &tmpl, &tr, pub);
	if (rc_is_unsupported(rc)) {
		*supported = false;
		return BC_OK;
	}
	if (rc != TSS2_RC_SUCCESS) {
		char what[96];
		snprintf(what, sizeof(what), "TPM2_CreatePrimary of the EK of template %s failed",
			 def->label);
		return bc_tpm_fail(tpm, err, rc, what);
	}
	Esys_FlushContext(bc_tpm_esys(tpm), tr);
	return BC_OK;
}

/* The EK of template t, from the TPM. *supported as for high_range_ek(). */
static bc_status template_ek(bc_tpm *tpm, bc_ek_template t, TPM2B_PUBLIC *pub, bool *supported,
			     bc_error *err)
{
	if (t == BC_EK_TEMPLATE_RSA2048_L || t == BC_EK_TEMPLATE_ECCP256_L) {
		/* the persistent EK at the TCG handle when there is one, else L-1 / L-2 */
		ESYS_TR handle = ESYS_TR_NONE;
		bc_key_type type = t == BC_EK_TEMPLATE_RSA2048_L ? BC_KEY_RSA : BC_KEY_ECC;
		*supported = true;
		bc_status s = bc_ek_open(tpm, type, &handle, pub, err);
		if (s == BC_OK)
			bc_ek_close(tpm, handle);
		return s;
	}
	return high_range_ek(tpm, &templates[t], pub, supported, err);
}

/* The length of the DER SEQUENCE at p (tag, length, content), 0 when there is none
 * complete in size bytes. */
static size_t der_sequence_len(const uint8_t *p, size_t size)
{
	if (size < 2 || p[0] != 0x30)
		return 0;
	if (p[1] < 0x80)
		return 2u + p[1] <= size ? 2u + p[1] : 0;
	size_t n = p[1] & 0x7f, len = 0;
	if (n == 0 || n > 3 || size < 2 + n)
		return 0;
	for (size_t i = 0; i < n; i++)
		len = len << 8 | p[2 + i];
	return len <= size - 2 - n ? 2 + n + len : 0;
}

/* Every NV index of the EK certificate ranges, ascending (TPM2_GetCapability lists
 * handles in order). */
static bc_status list_indices(bc_tpm *tpm, uint32_t *out, size_t max, size_t *count, bc_error *err)
{
	uint32_t next = EK_INDEX_FIRST;
	TPMI_YES_NO more = TPM2_YES;
	*count = 0;
	while (more == TPM2_YES && next <= EK_INDEX_LAST) {
		_cleanup_esys_ TPMS_CAPABILITY_DATA *cap = NULL;
		TSS2_RC rc =
		    Esys_GetCapability(bc_tpm_esys(tpm), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				       TPM2_CAP_HANDLES, next, TPM2_MAX_CAP_HANDLES, &more, &cap);
		if (rc != TSS2_RC_SUCCESS)
			return bc_tpm_fail(tpm, err, rc, "cannot list the TPM's NV indices");
		const TPML_HANDLE *h = &cap->data.handles;
		if (h->count == 0)
			break;
		for (uint32_t i = 0; i < h->count && h->handle[i] <= EK_INDEX_LAST; i++)
			if (h->handle[i] >= EK_INDEX_FIRST && *count < max)
				out[(*count)++] = h->handle[i];
		if (h->handle[h->count - 1] >= EK_INDEX_LAST)
			break;
		next = h->handle[h->count - 1] + 1;
	}
	return BC_OK;
}

static bool listed(const uint32_t *indices, size_t count, uint32_t index)
{
	for (size_t i = 0; i < count; i++)
		if (indices[i] == index)
			return true;
	return false;
}

static bc_status read_ek_cert(bc_tpm *tpm, bc_ek_template t, bc_ek_nv_cert *out, bc_error *err)
{
	uint8_t *data = NULL;
	size_t size = 0;
	TPM2B_PUBLIC ek;
	bool supported = true;
	bc_status s = bc_nv_cert_read(tpm, templates[t].index, &data, &size, err);
	if (s != BC_OK)
		return s;
	size_t der = der_sequence_len(data, size);
	*out = (bc_ek_nv_cert){
	    .index = templates[t].index, .template_id = t, .der = data, .size = der ? der : size};
	if ((s = template_ek(tpm, t, &ek, &supported, err)) != BC_OK)
		return s;
	bc_error ignored = {0};
	/* a certificate that does not parse certifies no key */
	if (supported && bc_ek_cert_matches(out->der, out->size, &ek.publicArea, &out->matches_ek,
					    &ignored) != BC_OK)
		out->matches_ek = false;
	return BC_OK;
}

/* The certificates of one chain index: DER certificates one after the other, then
 * padding. */
static bc_status read_chain_index(bc_tpm *tpm, uint32_t index, bc_ek_nv_certs *out, bc_error *err)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	bc_status s = bc_nv_cert_read(tpm, index, &data, &size, err);
	for (size_t off = 0; s == BC_OK && off < size;) {
		size_t len = der_sequence_len(data + off, size - off);
		if (len == 0 || out->intermediate_count >= INTERMEDIATE_MAX)
			break;
		bc_ek_nv_cert *c = &out->intermediates[out->intermediate_count];
		if (!(c->der = malloc(len)))
			return bc_fail(err, BC_E_NOMEM, "out of memory");
		memcpy(c->der, data + off, len);
		c->size = len;
		c->index = index;
		out->intermediate_count++;
		off += len;
	}
	return s;
}

bc_status bc_ek_nv_certs_read(bc_tpm *tpm, bc_ek_nv_certs *out, bc_error *err)
{
	uint32_t indices[LISTED_INDICES_MAX];
	size_t n = 0;
	*out = (bc_ek_nv_certs){.count = 0};
	bc_status s = list_indices(tpm, indices, ELEMENTSOF(indices), &n, err);
	for (int t = 0; s == BC_OK && t < BC_EK_TEMPLATE_COUNT; t++)
		if (listed(indices, n, templates[t].index))
			s = read_ek_cert(tpm, (bc_ek_template)t, &out->certs[out->count++], err);
	for (size_t i = 0; s == BC_OK && i < n; i++)
		if (indices[i] >= CHAIN_INDEX_FIRST)
			s = read_chain_index(tpm, indices[i], out, err);
	if (s != BC_OK)
		bc_ek_nv_certs_free(out);
	return s;
}

void bc_ek_nv_certs_free(bc_ek_nv_certs *certs)
{
	if (!certs)
		return;
	for (size_t i = 0; i < certs->count; i++)
		free(certs->certs[i].der);
	for (size_t i = 0; i < certs->intermediate_count; i++)
		free(certs->intermediates[i].der);
	*certs = (bc_ek_nv_certs){.count = 0};
}
