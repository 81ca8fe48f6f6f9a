/* SPDX-License-Identifier: BSD-3-Clause */
/* What of attest/keys.c needs no TPM: templates, handles, names, context files and EK
 * public keys as a verifier receives them; and the attributes an AK must have
 * (attest/tpm-public.c), as bc_verify_key_new() applies them. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include <bootchain/attest.h>

#include "attest/keys.h"
#include "attest/tpm-public.h"
#include "tests/unit/attest/soft-ek.h"
#include "util/hex.h"

static void test_ek_templates_are_the_tcg_defaults(void **state)
{
	(void)state;
	TPM2B_PUBLIC rsa, ecc;
	bc_ek_default_template(BC_KEY_RSA, &rsa);
	bc_ek_default_template(BC_KEY_ECC, &ecc);
	/* fixedTPM|fixedParent|sensitiveDataOrigin|adminWithPolicy|restricted|decrypt */
	assert_int_equal(rsa.publicArea.objectAttributes, 0x000300b2);
	assert_int_equal(ecc.publicArea.objectAttributes, 0x000300b2);
	assert_int_equal(rsa.publicArea.authPolicy.size, 32);
	char hex[65];
	assert_string_equal(bc_hex_encode(rsa.publicArea.authPolicy.buffer, 32, hex),
			    "837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa");
	assert_int_equal(rsa.publicArea.parameters.rsaDetail.keyBits, 2048);
	assert_int_equal(rsa.publicArea.unique.rsa.size, 256);
	assert_int_equal(ecc.publicArea.parameters.eccDetail.curveID, TPM2_ECC_NIST_P256);
	assert_int_equal(ecc.publicArea.unique.ecc.x.size, 32);
	assert_int_equal(ecc.publicArea.unique.ecc.y.size, 32);
	assert_int_equal(ecc.publicArea.parameters.eccDetail.symmetric.keyBits.aes, 128);
	assert_int_equal(ecc.publicArea.parameters.eccDetail.symmetric.mode.aes, TPM2_ALG_CFB);
}

static void test_persistent_handle_parse(void **state)
{
	(void)state;
	uint32_t h = 0;
	assert_true(bc_persistent_handle_parse("0x81010003", &h));
	assert_int_equal(h, 0x81010003);
	assert_true(bc_persistent_handle_parse("0X8100000A", &h));
	assert_int_equal(h, 0x8100000a);
	assert_false(bc_persistent_handle_parse("81010003", &h));
	assert_false(bc_persistent_handle_parse("0x80000001", &h)); /* transient */
	assert_false(bc_persistent_handle_parse("0x01c00002", &h)); /* NV index */
	assert_false(bc_persistent_handle_parse("0x810100030", &h));
	assert_false(bc_persistent_handle_parse("0x8101000g", &h));
	assert_false(bc_persistent_handle_parse("0x", &h));
}

static void test_key_type_parse(void **state)
{
	(void)state;
	bc_key_type t;
	assert_true(bc_key_type_parse("rsa", &t));
	assert_int_equal(t, BC_KEY_RSA);
	assert_true(bc_key_type_parse("ecc", &t));
	assert_int_equal(t, BC_KEY_ECC);
	assert_false(bc_key_type_parse("RSA", &t));
	assert_false(bc_key_type_parse("ec", &t));
}

static void test_name_parse_checks_the_digest_size(void **state)
{
	(void)state;
	uint8_t buf[50] = {0x00, 0x0b};
	TPM2B_NAME name;
	bc_error err = {0};
	assert_int_equal(bc_name_parse(buf, 34, "n", &name, NULL), BC_OK);
	assert_int_equal(name.size, 34);
	assert_int_equal(bc_name_parse(buf, 33, "n", &name, &err), BC_E_FORMAT);
	buf[1] = 0x04; /* sha1 */
	assert_int_equal(bc_name_parse(buf, 22, "n", &name, NULL), BC_OK);
	buf[1] = 0x01; /* rsa: no hash */
	assert_int_equal(bc_name_parse(buf, 34, "n", &name, &err), BC_E_FORMAT);
	assert_int_equal(bc_name_parse(buf, 1, "n", &name, &err), BC_E_FORMAT);
}

static void test_context_file_round_trips_big_endian(void **state)
{
	(void)state;
	TPMS_CONTEXT ctx = {.sequence = 0x0102030405060708ull,
			    .savedHandle = 0x80000002,
			    .hierarchy = TPM2_RH_ENDORSEMENT,
			    .contextBlob.size = 3,
			    .contextBlob.buffer = {0xaa, 0xbb, 0xcc}};
	uint8_t buf[64];
	size_t len = 0;
	assert_int_equal(bc_context_marshal(&ctx, buf, sizeof(buf), &len, NULL), BC_OK);
	assert_int_equal(len, 4 + 4 + 4 + 4 + 8 + 2 + 3);
	static const uint8_t want[] = {0xba, 0xdc, 0xc0, 0xde, 0, 0, 0,	   1,	 0x40, 0,
				       0,    0x0b, 0x80, 0,    0, 2, 1,	   2,	 3,    4,
				       5,    6,	   7,	 8,    0, 3, 0xaa, 0xbb, 0xcc};
	assert_memory_equal(buf, want, sizeof(want));
	TPMS_CONTEXT back;
	assert_int_equal(bc_context_unmarshal(buf, len, "ctx", &back, NULL), BC_OK);
	assert_int_equal(back.sequence, ctx.sequence);
	assert_int_equal(back.savedHandle, ctx.savedHandle);
	assert_int_equal(back.hierarchy, ctx.hierarchy);
	assert_int_equal(back.contextBlob.size, 3);
	assert_memory_equal(back.contextBlob.buffer, ctx.contextBlob.buffer, 3);
}

static void test_context_unmarshal_rejects_bad_files(void **state)
{
	(void)state;
	TPMS_CONTEXT ctx = {.contextBlob.size = 3}, back;
	uint8_t buf[64];
	size_t len = 0;
	bc_error err = {0};
	assert_int_equal(bc_context_marshal(&ctx, buf, sizeof(buf), &len, NULL), BC_OK);
	assert_int_equal(bc_context_unmarshal(buf, len - 1, "ctx", &back, &err), BC_E_FORMAT);
	assert_non_null(strstr(err.msg, "truncated"));
	buf[len] = 0;
	assert_int_equal(bc_context_unmarshal(buf, len + 1, "ctx", &back, &err), BC_E_FORMAT);
	assert_non_null(strstr(err.msg, "after"));
	assert_int_equal(bc_context_unmarshal(buf, 20, "ctx", &back, &err), BC_E_FORMAT);
	buf[7] = 2; /* version */
	assert_int_equal(bc_context_unmarshal(buf, len, "ctx", &back, &err), BC_E_FORMAT);
	buf[0] = 0; /* magic */
	assert_int_equal(bc_context_unmarshal(buf, len, "ctx", &back, &err), BC_E_FORMAT);
	buf[0] = 0xba;
	buf[7] = 1;
	buf[24] = 0xff; /* a blob larger than a TPMS_CONTEXT holds */
	assert_int_equal(bc_context_unmarshal(buf, len, "ctx", &back, &err), BC_E_FORMAT);
	assert_int_equal(bc_context_marshal(&ctx, buf, 20, &len, &err), BC_E_LIMIT);
}

/* The verifier may hold the EK as PEM or as TPM2B_PUBLIC: both give the same key and,
 * for a default-template EK, the same name. */
static void test_ek_public_load_takes_pem_and_tpm2b(bc_key_type type)
{
	TPM2B_PUBLIC pub, again;
	uint8_t buf[sizeof(TPM2B_PUBLIC)];
	size_t len = 0;
	EVP_PKEY *key = soft_ek_new(type, &pub);
	assert_non_null(key);
	assert_int_equal(pub.publicArea.type, type == BC_KEY_RSA ? TPM2_ALG_RSA : TPM2_ALG_ECC);
	EVP_PKEY *back = NULL;
	assert_int_equal(bc_tpm_public_to_pkey(&pub.publicArea, &back, NULL), BC_OK);
	assert_int_equal(EVP_PKEY_eq(key, back), 1);
	assert_int_equal(bc_tpm_public_marshal(&pub, buf, sizeof(buf), &len, NULL), BC_OK);
	assert_int_equal(bc_ek_public_load(buf, len, "ek.pub", &again, NULL), BC_OK);
	TPM2B_NAME n1, n2;
	assert_int_equal(bc_tpm_public_name(&pub.publicArea, &n1, NULL), BC_OK);
	assert_int_equal(bc_tpm_public_name(&again.publicArea, &n2, NULL), BC_OK);
	assert_int_equal(n1.size, n2.size);
	assert_memory_equal(n1.name, n2.name, n1.size);
	EVP_PKEY_free(back);
	EVP_PKEY_free(key);
}

static void test_ek_public_load_rsa(void **state)
{
	(void)state;
	test_ek_public_load_takes_pem_and_tpm2b(BC_KEY_RSA);
}

static void test_ek_public_load_ecc(void **state)
{
	(void)state;
	test_ek_public_load_takes_pem_and_tpm2b(BC_KEY_ECC);
}

static void test_ek_public_load_rejects_other_keys(void **state)
{
	(void)state;
	TPM2B_PUBLIC pub;
	bc_error err = {0};
	char *pem = NULL;
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	assert_non_null(key);
	assert_int_equal(bc_pkey_to_pem(key, &pem, NULL), BC_OK);
	assert_int_equal(bc_ek_public_load((uint8_t *)pem, strlen(pem), "p384.pem", &pub, &err),
			 BC_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "TPM2B_PUBLIC"));
	free(pem);
	EVP_PKEY_free(key);
	static const char junk[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
	assert_int_equal(
	    bc_ek_public_load((const uint8_t *)junk, sizeof(junk) - 1, "junk", &pub, &err),
	    BC_E_FORMAT);
	assert_int_equal(bc_ek_public_load((const uint8_t *)"\x00\x02\x00", 3, "x", &pub, &err),
			 BC_E_FORMAT);
}

/* ---- the attributes of an AK ---- */

#define AK_ATTRIBUTES                                                                       \
	(TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN | \
	 TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT)

/* An ECC P-256 AK public area with these attributes and a real point (OpenSSL's). */
static void ak_public(TPMA_OBJECT attributes, TPM2B_PUBLIC *out)
{
	assert_true(soft_ak_public(attributes, out));
}

static void test_ak_check_accepts_an_ak(void **state)
{
	(void)state;
	TPM2B_PUBLIC pub;
	ak_public(AK_ATTRIBUTES, &pub);
	assert_int_equal(bc_ak_public_check(&pub.publicArea, "ak", NULL), BC_OK);
	/* tpm2_createak's default attributes: the same, userWithAuth is no concern */
	pub.publicArea.objectAttributes &= ~TPMA_OBJECT_USERWITHAUTH;
	assert_int_equal(bc_ak_public_check(&pub.publicArea, "ak", NULL), BC_OK);
}

static void test_ak_check_names_each_missing_attribute(void **state)
{
	(void)state;
	static const struct {
		TPMA_OBJECT bit;
		const char *name;
	} required[] = {
	    {TPMA_OBJECT_RESTRICTED, "restricted"},
	    {TPMA_OBJECT_SIGN_ENCRYPT, "sign"},
	    {TPMA_OBJECT_FIXEDTPM, "fixedtpm"},
	    {TPMA_OBJECT_FIXEDPARENT, "fixedparent"},
	    {TPMA_OBJECT_SENSITIVEDATAORIGIN, "sensitivedataorigin"},
	};
	TPM2B_PUBLIC pub;
	ak_public(AK_ATTRIBUTES, &pub);
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		char want[64];
		bc_error err = {0};
		pub.publicArea.objectAttributes = AK_ATTRIBUTES & ~required[i].bit;
		assert_int_equal(bc_ak_public_check(&pub.publicArea, "ak.pub", &err),
				 BC_E_MISMATCH);
		/* that one alone, named after the file */
		snprintf(want, sizeof(want), "ak.pub: not an attestation key: missing %s (",
			 required[i].name);
		assert_non_null(strstr(err.msg, want));
	}
}

static void test_ak_check_names_decrypt_and_every_missing_one(void **state)
{
	(void)state;
	TPM2B_PUBLIC pub;
	bc_error err = {0};
	ak_public(AK_ATTRIBUTES | TPMA_OBJECT_DECRYPT, &pub);
	assert_int_equal(bc_ak_public_check(&pub.publicArea, "ak", &err), BC_E_MISMATCH);
	assert_non_null(strstr(err.msg, "ak: not an attestation key: has decrypt ("));
	ak_public(TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_DECRYPT, &pub);
	assert_int_equal(bc_ak_public_check(&pub.publicArea, "ak", &err), BC_E_MISMATCH);
	assert_non_null(strstr(err.msg, "missing restricted, sign, fixedtpm, fixedparent, "
					"sensitivedataorigin; has decrypt (objectAttributes "
					"0x00020040;"));
	/* the EK: a restricted decryption key */
	bc_ek_default_template(BC_KEY_RSA, &pub);
	assert_int_equal(bc_ak_public_check(&pub.publicArea, "ek", &err), BC_E_MISMATCH);
	assert_non_null(strstr(err.msg, "missing sign; has decrypt ("));
	/* an HMAC key with every attribute is no AK either */
	ak_public(AK_ATTRIBUTES, &pub);
	pub.publicArea.type = TPM2_ALG_KEYEDHASH;
	assert_int_equal(bc_ak_public_check(&pub.publicArea, "hmac", &err), BC_E_MISMATCH);
	assert_non_null(strstr(err.msg, "type 0x0008"));
}

static size_t marshal(const TPM2B_PUBLIC *pub, uint8_t *buf, size_t size)
{
	size_t len = 0;
	assert_int_equal(bc_tpm_public_marshal(pub, buf, size, &len, NULL), BC_OK);
	return len;
}

static void test_verify_key_refuses_what_is_not_an_ak(void **state)
{
	(void)state;
	TPM2B_PUBLIC pub;
	uint8_t buf[sizeof(TPM2B_PUBLIC)];
	bc_verify_key *key = NULL;
	bc_error err = {0};
	ak_public(AK_ATTRIBUTES, &pub);
	size_t len = marshal(&pub, buf, sizeof(buf));
	assert_int_equal(bc_verify_key_new(buf, len, 0, &key, &err), BC_OK);
	bc_verify_key_free(key);
	/* the flag for PEM keys changes nothing for a public area */
	pub.publicArea.objectAttributes &= ~TPMA_OBJECT_RESTRICTED;
	len = marshal(&pub, buf, sizeof(buf));
	assert_int_equal(bc_verify_key_new(buf, len, BC_VERIFY_KEY_PEM_CHECKED, &key, &err),
			 BC_E_MISMATCH);
	assert_null(key);
	assert_non_null(strstr(err.msg, "missing restricted ("));
}

static void test_verify_key_takes_pem_only_when_checked(void **state)
{
	(void)state;
	TPM2B_PUBLIC pub;
	EVP_PKEY *pkey = NULL;
	char *pem = NULL;
	bc_verify_key *key = NULL;
	bc_error err = {0};
	ak_public(AK_ATTRIBUTES, &pub);
	assert_int_equal(bc_tpm_public_to_pkey(&pub.publicArea, &pkey, NULL), BC_OK);
	assert_int_equal(bc_pkey_to_pem(pkey, &pem, NULL), BC_OK);
	EVP_PKEY_free(pkey);
	assert_int_equal(bc_verify_key_new((uint8_t *)pem, strlen(pem), 0, &key, &err),
			 BC_E_MISMATCH);
	assert_null(key);
	assert_non_null(strstr(err.msg, "bare PEM public key"));
	assert_int_equal(
	    bc_verify_key_new((uint8_t *)pem, strlen(pem), BC_VERIFY_KEY_PEM_CHECKED, &key, &err),
	    BC_OK);
	bc_verify_key_free(key);
	free(pem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ek_templates_are_the_tcg_defaults),
	    cmocka_unit_test(test_persistent_handle_parse),
	    cmocka_unit_test(test_key_type_parse),
	    cmocka_unit_test(test_name_parse_checks_the_digest_size),
	    cmocka_unit_test(test_context_file_round_trips_big_endian),
	    cmocka_unit_test(test_context_unmarshal_rejects_bad_files),
	    cmocka_unit_test(test_ek_public_load_rsa),
	    cmocka_unit_test(test_ek_public_load_ecc),
	    cmocka_unit_test(test_ek_public_load_rejects_other_keys),
	    cmocka_unit_test(test_ak_check_accepts_an_ak),
	    cmocka_unit_test(test_ak_check_names_each_missing_attribute),
	    cmocka_unit_test(test_ak_check_names_decrypt_and_every_missing_one),
	    cmocka_unit_test(test_verify_key_refuses_what_is_not_an_ak),
	    cmocka_unit_test(test_verify_key_takes_pem_only_when_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
