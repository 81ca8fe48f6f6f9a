/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <tss2/tss2_mu.h>

#include "attest/credential.h"
#include "attest/keys.h"
#include "tests/unit/attest/soft-ek.h"
#include "util/hex.h"

/* The KDFa self-test vector of the TPM 2.0 reference implementation (KdfTestData.h):
 * key, label "KDFSELFTESTLABEL\0", contextU, contextV, 160 bits out. */
static const uint8_t kdf_key[20] = {0x27, 0x1F, 0xA0, 0x8B, 0xBD, 0xC5, 0x06, 0x0E, 0xC3, 0xDF,
				    0xA9, 0x28, 0xFF, 0x9B, 0x73, 0x12, 0x3A, 0x12, 0xDA, 0x0C};
static const uint8_t kdf_u[8] = {0xCE, 0x24, 0x4F, 0x39, 0x5D, 0xCA, 0x73, 0x91};
static const uint8_t kdf_v[8] = {0xDA, 0x50, 0x40, 0x31, 0xDD, 0xF1, 0x2E, 0x83};

static void assert_hex(const uint8_t *data, size_t len, const char *hex)
{
	char buf[2 * 256 + 1];
	assert_true(len <= 256);
	assert_string_equal(bc_hex_encode(data, len, buf), hex);
}

static void test_kdfa_matches_reference_vectors(void **state)
{
	(void)state;
	static const struct {
		uint16_t alg;
		const char *out;
	} v[] = {
	    {TPM2_ALG_SHA1, "55b5a7184aa07423c47dae766c26a2377d7cf851"},
	    {TPM2_ALG_SHA256, "bb0259e1c8ba607e6a2cd704b69a902e9ade84c4"},
	    {TPM2_ALG_SHA384, "1dce70c9113eb2dba47bd9cfc72bf46f45b09312"},
	    {TPM2_ALG_SHA512, "8be2c1b85b78569b9fa759f5857c56d684810fd3"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t out[20];
		assert_int_equal(bc_kdfa(v[i].alg, kdf_key, sizeof(kdf_key), "KDFSELFTESTLABEL",
					 kdf_u, sizeof(kdf_u), kdf_v, sizeof(kdf_v), 160, out,
					 NULL),
				 BC_OK);
		assert_hex(out, sizeof(out), v[i].out);
	}
}

/* KDFa is SP 800-108 KDF in counter mode with HMAC: OpenSSL's KBKDF, longer than one
 * block, agrees. */
static void test_kdfa_agrees_with_openssl_kbkdf(void **state)
{
	(void)state;
	uint8_t ours[80], theirs[80], context[34];
	memset(context, 0xa5, sizeof(context));
	assert_int_equal(bc_kdfa(TPM2_ALG_SHA256, kdf_key, sizeof(kdf_key), "STORAGE", context,
				 sizeof(context), NULL, 0, 8 * sizeof(ours), ours, NULL),
			 BC_OK);
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "KBKDF", NULL);
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, "HMAC", 0),
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)kdf_key, sizeof(kdf_key)),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, "STORAGE", 7),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, context, sizeof(context)),
	    OSSL_PARAM_construct_end(),
	};
	assert_int_equal(EVP_KDF_derive(ctx, theirs, sizeof(theirs), params), 1);
	assert_memory_equal(ours, theirs, sizeof(ours));
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
}

/* KDFe is the SP 800-56C one-step KDF with a hash: OpenSSL's SSKDF, with FixedInfo =
 * label NUL || PartyUInfo || PartyVInfo. */
static void test_kdfe_agrees_with_openssl_sskdf(void **state)
{
	(void)state;
	uint8_t z[32], u[32], v[32], info[9 + 64], ours[48], theirs[48];
	for (size_t i = 0; i < 32; i++) {
		z[i] = (uint8_t)i;
		u[i] = (uint8_t)(0x40 + i);
		v[i] = (uint8_t)(0x80 + i);
	}
	memcpy(info, "IDENTITY", 9);
	memcpy(info + 9, u, 32);
	memcpy(info + 41, v, 32);
	assert_int_equal(bc_kdfe(TPM2_ALG_SHA256, z, sizeof(z), "IDENTITY", u, sizeof(u), v,
				 sizeof(v), 8 * sizeof(ours), ours, NULL),
			 BC_OK);
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SSKDF", NULL);
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, z, sizeof(z)),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof(info)),
	    OSSL_PARAM_construct_end(),
	};
	assert_int_equal(EVP_KDF_derive(ctx, theirs, sizeof(theirs), params), 1);
	assert_memory_equal(ours, theirs, sizeof(ours));
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
}

static void test_kdf_rejects_partial_bytes(void **state)
{
	(void)state;
	uint8_t out[4];
	bc_error err = {0};
	assert_int_equal(
	    bc_kdfa(TPM2_ALG_SHA256, kdf_key, 20, "X", NULL, 0, NULL, 0, 12, out, &err),
	    BC_E_INVALID);
	assert_int_equal(bc_kdfe(0x0001, kdf_key, 20, "X", NULL, 0, NULL, 0, 16, out, &err),
			 BC_E_UNSUPPORTED);
}

static TPM2B_NAME test_name(uint8_t fill)
{
	TPM2B_NAME name = {.size = 34};
	name.name[0] = 0x00;
	name.name[1] = 0x0b;
	memset(name.name + 2, fill, 32);
	return name;
}

static const uint8_t seed[32] = {1,  2,	 3,  4,	 5,  6,	 7,  8,	 9,  10, 11, 12, 13, 14, 15, 16,
				 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

/* credentialBlob = TPM2B_DIGEST(HMAC) || AES-128-CFB(symKey, 0) over TPM2B_DIGEST(secret),
 * each piece recomputed here with OpenSSL alone. */
static void test_wrap_lays_out_the_blob_as_the_spec_says(void **state)
{
	(void)state;
	TPM2B_PUBLIC ek;
	TPM2B_ID_OBJECT blob;
	TPM2B_NAME name = test_name(0x11);
	const uint8_t secret[5] = {0xde, 0xad, 0xbe, 0xef, 0x01};
	bc_ek_default_template(BC_KEY_RSA, &ek);
	assert_int_equal(bc_credential_wrap(&ek.publicArea, seed, sizeof(seed), &name, secret,
					    sizeof(secret), &blob, NULL),
			 BC_OK);
	assert_int_equal(blob.size, 2 + 32 + 2 + sizeof(secret));
	assert_int_equal(blob.credential[0], 0x00);
	assert_int_equal(blob.credential[1], 32);

	uint8_t sym[16], hmac_key[32], plain[7], mac[32];
	int n = 0;
	unsigned int mac_len = 0;
	assert_int_equal(bc_kdfa(TPM2_ALG_SHA256, seed, 32, "STORAGE", name.name, name.size, NULL,
				 0, 128, sym, NULL),
			 BC_OK);
	assert_int_equal(
	    bc_kdfa(TPM2_ALG_SHA256, seed, 32, "INTEGRITY", NULL, 0, NULL, 0, 256, hmac_key, NULL),
	    BC_OK);
	static const uint8_t iv[16] = {0};
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	assert_int_equal(EVP_DecryptInit_ex(c, EVP_aes_128_cfb128(), NULL, sym, iv), 1);
	assert_int_equal(EVP_DecryptUpdate(c, plain, &n, blob.credential + 34, 7), 1);
	assert_int_equal(n, 7);
	EVP_CIPHER_CTX_free(c);
	assert_int_equal(plain[0], 0);
	assert_int_equal(plain[1], sizeof(secret));
	assert_memory_equal(plain + 2, secret, sizeof(secret));

	uint8_t msg[7 + 34];
	memcpy(msg, blob.credential + 34, 7);
	memcpy(msg + 7, name.name, name.size);
	assert_non_null(HMAC(EVP_sha256(), hmac_key, 32, msg, sizeof(msg), mac, &mac_len));
	assert_memory_equal(mac, blob.credential + 2, 32);
}

static void test_unwrap_recovers_and_checks_the_name(void **state)
{
	(void)state;
	TPM2B_PUBLIC ek;
	TPM2B_ID_OBJECT blob;
	TPM2B_DIGEST out;
	TPM2B_NAME name = test_name(0x22), other = test_name(0x23);
	bc_error err = {0};
	const uint8_t secret[32] = {0x5a};
	bc_ek_default_template(BC_KEY_ECC, &ek);
	assert_int_equal(
	    bc_credential_wrap(&ek.publicArea, seed, 32, &name, secret, 32, &blob, NULL), BC_OK);
	assert_int_equal(bc_credential_unwrap(&ek.publicArea, seed, 32, &name, &blob, &out, NULL),
			 BC_OK);
	assert_int_equal(out.size, 32);
	assert_memory_equal(out.buffer, secret, 32);
	assert_int_equal(bc_credential_unwrap(&ek.publicArea, seed, 32, &other, &blob, &out, &err),
			 BC_E_MISMATCH);
	blob.credential[40] ^= 1;
	assert_int_equal(bc_credential_unwrap(&ek.publicArea, seed, 32, &name, &blob, &out, &err),
			 BC_E_MISMATCH);
	blob.size = 30;
	assert_int_equal(bc_credential_unwrap(&ek.publicArea, seed, 32, &name, &blob, &out, &err),
			 BC_E_FORMAT);
}

static void test_make_credential_round_trips_with_a_software_ek(bc_key_type type)
{
	TPM2B_PUBLIC ek;
	TPM2B_ID_OBJECT blob;
	TPM2B_ENCRYPTED_SECRET enc;
	TPM2B_DIGEST out;
	TPM2B_NAME name = test_name(0x33);
	uint8_t s[64];
	size_t slen = 0;
	const uint8_t secret[3] = {1, 2, 3};
	EVP_PKEY *key = soft_ek_new(type, &ek);
	assert_non_null(key);
	assert_int_equal(bc_make_credential(&ek, &name, secret, sizeof(secret), &blob, &enc, NULL),
			 BC_OK);
	/* RSA: the OAEP ciphertext; ECC: the ephemeral point, two 32-byte coordinates */
	assert_int_equal(enc.size, type == BC_KEY_RSA ? 256 : 2 + 32 + 2 + 32);
	assert_true(soft_ek_seed(key, &ek, &enc, s, &slen));
	assert_int_equal(slen, 32);
	assert_int_equal(bc_credential_unwrap(&ek.publicArea, s, slen, &name, &blob, &out, NULL),
			 BC_OK);
	assert_int_equal(out.size, sizeof(secret));
	assert_memory_equal(out.buffer, secret, sizeof(secret));
	EVP_PKEY_free(key);
}

static void test_make_credential_rsa(void **state)
{
	(void)state;
	test_make_credential_round_trips_with_a_software_ek(BC_KEY_RSA);
}

static void test_make_credential_ecc(void **state)
{
	(void)state;
	test_make_credential_round_trips_with_a_software_ek(BC_KEY_ECC);
}

static void test_make_credential_rejects_bad_input(void **state)
{
	(void)state;
	TPM2B_PUBLIC ek;
	TPM2B_ID_OBJECT blob;
	TPM2B_ENCRYPTED_SECRET enc;
	TPM2B_NAME name = test_name(0x44), short_name = {.size = 4};
	uint8_t secret[33] = {0};
	bc_error err = {0};
	EVP_PKEY *key = soft_ek_new(BC_KEY_RSA, &ek);
	assert_non_null(key);
	/* the secret is a TPM2B_DIGEST no larger than the EK's name digest */
	assert_int_equal(bc_make_credential(&ek, &name, secret, 33, &blob, &enc, &err),
			 BC_E_INVALID);
	assert_non_null(strstr(err.msg, "33 bytes"));
	assert_int_equal(bc_make_credential(&ek, &name, secret, 0, &blob, &enc, &err),
			 BC_E_INVALID);
	assert_int_equal(bc_make_credential(&ek, &short_name, secret, 8, &blob, &enc, &err),
			 BC_E_INVALID);
	/* an EK must be a restricted decryption key with an AES-CFB symmetric */
	TPM2B_PUBLIC bad = ek;
	bad.publicArea.objectAttributes &= ~TPMA_OBJECT_RESTRICTED;
	assert_int_equal(bc_make_credential(&bad, &name, secret, 8, &blob, &enc, &err),
			 BC_E_INVALID);
	bad = ek;
	bad.publicArea.parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CBC;
	assert_int_equal(bc_make_credential(&bad, &name, secret, 8, &blob, &enc, &err),
			 BC_E_UNSUPPORTED);
	bad = ek;
	bad.publicArea.type = TPM2_ALG_KEYEDHASH;
	assert_int_equal(bc_make_credential(&bad, &name, secret, 8, &blob, &enc, &err),
			 BC_E_UNSUPPORTED);
	EVP_PKEY_free(key);
}

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/bootchain-test-credential.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_challenge_file_round_trips(void **state)
{
	(void)state;
	TPM2B_PUBLIC ek;
	TPM2B_ID_OBJECT blob, blob2;
	TPM2B_ENCRYPTED_SECRET enc, enc2;
	TPM2B_NAME name = test_name(0x55);
	const uint8_t secret[16] = {9};
	EVP_PKEY *key = soft_ek_new(BC_KEY_ECC, &ek);
	assert_non_null(key);
	assert_int_equal(bc_make_credential(&ek, &name, secret, sizeof(secret), &blob, &enc, NULL),
			 BC_OK);
	char *path = write_temp("");
	assert_int_equal(bc_challenge_write(&blob, &enc, path, NULL), BC_OK);
	FILE *f = fopen(path, "rb");
	char text[4096];
	size_t n = fread(text, 1, sizeof(text), f);
	fclose(f);
	unlink(path);
	free(path);
	assert_non_null(strstr(text, "\"format\":\"bootchain-challenge-v1\""));
	assert_int_equal(bc_challenge_parse(text, n, "c", &blob2, &enc2, NULL), BC_OK);
	assert_int_equal(blob2.size, blob.size);
	assert_memory_equal(blob2.credential, blob.credential, blob.size);
	assert_int_equal(enc2.size, enc.size);
	assert_memory_equal(enc2.secret, enc.secret, enc.size);
	EVP_PKEY_free(key);
}

static void test_challenge_parse_rejects_bad_files(void **state)
{
	(void)state;
	TPM2B_ID_OBJECT blob;
	TPM2B_ENCRYPTED_SECRET enc;
	bc_error err = {0};
	static const struct {
		const char *json, *msg;
	} bad[] = {
	    {"", "line"},
	    {"[]", "not a JSON object"},
	    {"{\"format\":\"bootchain-evidence-v1\"}", "\"format\""},
	    {"{\"format\":\"bootchain-challenge-v1\",\"secret\":\"AAA=\"}", "no \"credential\""},
	    {"{\"format\":\"bootchain-challenge-v1\",\"credential\":1,\"secret\":\"\"}",
	     "not a string"},
	    {"{\"format\":\"bootchain-challenge-v1\",\"credential\":\"A*==\",\"secret\":\"\"}",
	     "not base64"},
	    /* a TPM2B_ID_OBJECT announcing 4 bytes with only 1 */
	    {"{\"format\":\"bootchain-challenge-v1\",\"credential\":\"AAQA\",\"secret\":\"AAA=\"}",
	     "not a TPM2B_ID_OBJECT"},
	    /* bytes after the TPM2B_ENCRYPTED_SECRET */
	    {"{\"format\":\"bootchain-challenge-v1\",\"credential\":\"AAEA\",\"secret\":\"AAAA\"}",
	     "not a TPM2B_ENCRYPTED_SECRET"},
	    {"{\"format\":\"bootchain-challenge-v1\",\"format\":\"x\"}", "duplicate"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bc_status s =
		    bc_challenge_parse(bad[i].json, strlen(bad[i].json), "c", &blob, &enc, &err);
		assert_int_equal(s, BC_E_FORMAT);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("case %zu: '%s' not in '%s'", i, bad[i].msg, err.msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kdfa_matches_reference_vectors),
	    cmocka_unit_test(test_kdfa_agrees_with_openssl_kbkdf),
	    cmocka_unit_test(test_kdfe_agrees_with_openssl_sskdf),
	    cmocka_unit_test(test_kdf_rejects_partial_bytes),
	    cmocka_unit_test(test_wrap_lays_out_the_blob_as_the_spec_says),
	    cmocka_unit_test(test_unwrap_recovers_and_checks_the_name),
	    cmocka_unit_test(test_make_credential_rsa),
	    cmocka_unit_test(test_make_credential_ecc),
	    cmocka_unit_test(test_make_credential_rejects_bad_input),
	    cmocka_unit_test(test_challenge_file_round_trips),
	    cmocka_unit_test(test_challenge_parse_rejects_bad_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
