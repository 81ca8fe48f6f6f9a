/* SPDX-License-Identifier: BSD-3-Clause */
/* Enrolment (attest/enrolment.c) without a TPM: the identity and the record as JSON and
 * back, the checks of an identity without an EK certificate (the certificate chains are
 * judged in tests/integration/attest/enrol.sh), the challenge unwrapped with a software
 * EK, the answer compared, and sets of records found by AK name and by host. */
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

#include <bootchain/enrolment.h>

#include "attest/credential.h"
#include "attest/tpm-public.h"
#include "tests/unit/attest/soft-ek.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/json.h"

typedef struct fixture {
	EVP_PKEY *ek_key;
	TPM2B_PUBLIC ek, ak;
	TPM2B_NAME ak_name;
	bc_identity id;
} fixture;

/* A machine without an EK certificate: a software EK, an AK, no Keep. */
static void make_identity(fixture *f, TPMA_OBJECT ak_attributes)
{
	memset(f, 0, sizeof(*f));
	f->ek_key = soft_ek_new(BC_KEY_RSA, &f->ek);
	assert_non_null(f->ek_key);
	assert_true(soft_ak_public(ak_attributes, &f->ak));
	assert_int_equal(bc_tpm_public_name(&f->ak.publicArea, &f->ak_name, NULL), BC_OK);
	snprintf(f->id.ek_type, sizeof(f->id.ek_type), "rsa");
	assert_int_equal(bc_tpm_public_marshal(&f->ek, f->id.ek_public, sizeof(f->id.ek_public),
					       &f->id.ek_public_size, NULL),
			 BC_OK);
	assert_int_equal(bc_tpm_public_marshal(&f->ak, f->id.ak_public, sizeof(f->id.ak_public),
					       &f->id.ak_public_size, NULL),
			 BC_OK);
	memcpy(f->id.ak_name, f->ak_name.name, f->ak_name.size);
	f->id.ak_name_size = f->ak_name.size;
}

static void free_fixture(fixture *f)
{
	EVP_PKEY_free(f->ek_key);
	bc_identity_free(&f->id);
}

static void test_identity_round_trips(void **state)
{
	fixture f;
	char *json = NULL;
	size_t size = 0;
	bc_identity back;
	(void)state;
	make_identity(&f, BC_AK_REQUIRED_ATTRIBUTES);
	f.id.has_keep = true;
	snprintf(f.id.keep_kind, sizeof(f.id.keep_kind), BC_KEEP_KIND_SEV_SNP);
	snprintf(f.id.keep_provider, sizeof(f.id.keep_provider), "sev_guest");
	memset(f.id.keep_chip_id, 0xc5, sizeof(f.id.keep_chip_id));
	assert_int_equal(bc_identity_to_json(&f.id, &json, &size, NULL), BC_OK);
	assert_int_equal(bc_identity_parse(json, size, "identity", &back, NULL), BC_OK);
	assert_null(back.ek_certificate);
	assert_int_equal(back.ak_public_size, f.id.ak_public_size);
	assert_memory_equal(back.ak_public, f.id.ak_public, f.id.ak_public_size);
	assert_memory_equal(back.ek_public, f.id.ek_public, f.id.ek_public_size);
	assert_memory_equal(back.ak_name, f.id.ak_name, f.id.ak_name_size);
	assert_true(back.has_keep);
	assert_string_equal(back.keep_kind, BC_KEEP_KIND_SEV_SNP);
	assert_string_equal(back.keep_provider, "sev_guest");
	assert_memory_equal(back.keep_chip_id, f.id.keep_chip_id, BC_CHIP_ID_SIZE);
	bc_identity_free(&back);
	free(json);
	free_fixture(&f);
}

/* The identity of f (without a Keep) with keep_json as its "keep", parsed into out. */
static bc_status parse_with_keep(fixture *f, const char *keep_json, bc_identity *out, bc_error *err)
{
	char *json = NULL, *with = NULL, *null_at;
	size_t size = 0;
	f->id.has_keep = false;
	assert_int_equal(bc_identity_to_json(&f->id, &json, &size, NULL), BC_OK);
	null_at = strstr(json, "null}"); /* "keep" is the last member */
	assert_non_null(null_at);
	assert_true(asprintf(&with, "%.*s%s}", (int)(null_at - json), json, keep_json) > 0);
	bc_status s = bc_identity_parse(with, strlen(with), "identity", out, err);
	free(with);
	free(json);
	return s;
}

/* A TD's Keep has a kind and no chip id; a Keep without "kind" (identities and records
 * before kinds) is SEV-SNP; an unknown kind, a chip id for a TD, an SEV-SNP Keep without
 * one are refused, the field named. */
static void test_keep_kinds(void **state)
{
	static const struct {
		const char *keep, *field;
	} bad[] = {
	    {"{\"kind\":\"sgx\",\"provider\":\"sgx\"}", "keep.kind"},
	    {"{\"kind\":\"tdx\",\"provider\":\"tdx_guest\",\"chip_id\":\"00\"}", "keep.chip_id"},
	    {"{\"kind\":\"sev-snp\",\"provider\":\"sev_guest\"}", "keep.chip_id"},
	    {"{\"kind\":\"tdx\"}", "provider"},
	};
	fixture f;
	char *json = NULL, chip[2 * BC_CHIP_ID_SIZE + 1], keep[256];
	size_t size = 0;
	bc_identity back;
	bc_error err = {0};
	(void)state;
	make_identity(&f, BC_AK_REQUIRED_ATTRIBUTES);
	f.id.has_keep = true;
	snprintf(f.id.keep_kind, sizeof(f.id.keep_kind), BC_KEEP_KIND_TDX);
	snprintf(f.id.keep_provider, sizeof(f.id.keep_provider), "tdx_guest");
	assert_int_equal(bc_identity_to_json(&f.id, &json, &size, NULL), BC_OK);
	assert_null(strstr(json, "chip_id"));
	assert_int_equal(bc_identity_parse(json, size, "identity", &back, NULL), BC_OK);
	assert_true(back.has_keep);
	assert_string_equal(back.keep_kind, BC_KEEP_KIND_TDX);
	assert_string_equal(back.keep_provider, "tdx_guest");
	bc_identity_free(&back);
	free(json);
	/* the form before kinds */
	memset(chip, 'a', 2 * BC_CHIP_ID_SIZE);
	chip[2 * BC_CHIP_ID_SIZE] = 0;
	snprintf(keep, sizeof(keep), "{\"provider\":\"sev_guest\",\"chip_id\":\"%s\"}", chip);
	assert_int_equal(parse_with_keep(&f, keep, &back, NULL), BC_OK);
	assert_true(back.has_keep);
	assert_string_equal(back.keep_kind, BC_KEEP_KIND_SEV_SNP);
	assert_int_equal(back.keep_chip_id[0], 0xaa);
	bc_identity_free(&back);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_with_keep(&f, bad[i].keep, &back, &err), BC_E_FORMAT);
		assert_non_null(strstr(err.msg, bad[i].field));
		bc_identity_free(&back);
	}
	free_fixture(&f);
}

static void test_identity_with_bad_fields_is_refused(void **state)
{
	static const char *bad[] = {
	    "[]",
	    "{\"ek_type\":\"rsa\",\"ek_public\":\"AA==\",\"ak_public\":\"AA==\"}",
	    "{\"ek_type\":\"rsa\",\"ek_public\":\"A\",\"ak_public\":\"AA==\",\"ak_name\":\"00\"}",
	    "{\"ek_type\":\"rsa\",\"ek_public\":\"AA==\",\"ak_public\":\"AA==\",\"ak_name\":"
	    "\"0x\"}",
	    "{\"ek_type\":\"rsa\",\"ek_public\":\"AA==\",\"ak_public\":\"AA==\",\"ak_name\":\"00\","
	    "\"keep\":{\"provider\":\"sev_guest\",\"chip_id\":\"00\"}}",
	    "{\"ek_certificate\":7,\"ek_type\":\"rsa\",\"ek_public\":\"AA==\",\"ak_public\":"
	    "\"AA==\",\"ak_name\":\"00\"}",
	};
	bc_identity id;
	bc_error err = {0};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(bc_identity_parse(bad[i], strlen(bad[i]), "x", &id, &err),
				     BC_OK);
}

/* A machine's answer cut short, or larger than any identity: refused with a reason that
 * names the answer, never read past its end. */
static void test_identity_truncated_or_oversized_is_refused(void **state)
{
	static const char good[] = "{\"ek_type\":\"rsa\",\"ek_public\":\"AA==\",\"ak_public\":"
				   "\"AA==\",\"ak_name\":\"00\"}";
	bc_identity id;
	bc_error err = {0};
	(void)state;
	for (size_t cut = 0; cut + 1 < sizeof(good) - 1; cut++) {
		err = (bc_error){0};
		assert_int_not_equal(bc_identity_parse(good, cut, "answer", &id, &err), BC_OK);
		assert_non_null(strstr(bc_error_message(&err), "answer"));
	}
	/* a certificate over its cap, and a whole answer over its cap */
	size_t big = 4 * BC_IDENTITY_MAX_CERT;
	char *text = malloc(big + 256), *huge = malloc(BC_IDENTITY_MAX + 2);
	assert_non_null(text);
	assert_non_null(huge);
	int n = snprintf(text, 256, "{\"ek_certificate\":\"");
	memset(text + n, 'A', big);
	snprintf(text + n + big, 200, "\",%s", good + 1);
	err = (bc_error){0};
	assert_int_not_equal(bc_identity_parse(text, strlen(text), "answer", &id, &err), BC_OK);
	assert_non_null(strstr(bc_error_message(&err), "ek_certificate"));
	memset(huge, ' ', BC_IDENTITY_MAX + 1);
	memcpy(huge, good, sizeof(good) - 1);
	err = (bc_error){0};
	assert_int_not_equal(bc_identity_parse(huge, BC_IDENTITY_MAX + 1, "answer", &id, &err),
			     BC_OK);
	free(text);
	free(huge);
}

static void test_uncertified_only_when_allowed(void **state)
{
	fixture f;
	bc_enrolment rec;
	bc_error err = {0};
	(void)state;
	make_identity(&f, BC_AK_REQUIRED_ATTRIBUTES);
	assert_int_equal(bc_enrolment_check_identity(&f.id, NULL, false, 0, &rec, &err),
			 BC_E_MISMATCH);
	assert_non_null(strstr(bc_error_message(&err), "no EK certificate"));
	assert_int_equal(bc_enrolment_check_identity(&f.id, NULL, true, 0, &rec, &err), BC_OK);
	assert_false(rec.certified);
	assert_string_equal(rec.ek_type, "rsa");
	assert_memory_equal(rec.ak_name, f.ak_name.name, f.ak_name.size);
	free_fixture(&f);
}

static void test_an_unrestricted_ak_is_refused(void **state)
{
	fixture f;
	bc_enrolment rec;
	bc_error err = {0};
	(void)state;
	make_identity(&f, BC_AK_REQUIRED_ATTRIBUTES & ~TPMA_OBJECT_RESTRICTED);
	assert_int_equal(bc_enrolment_check_identity(&f.id, NULL, true, 0, &rec, &err),
			 BC_E_MISMATCH);
	assert_non_null(strstr(bc_error_message(&err), "restricted"));
	free_fixture(&f);
}

static void test_an_ak_name_not_of_its_public_area_is_refused(void **state)
{
	fixture f;
	bc_enrolment rec;
	bc_error err = {0};
	(void)state;
	make_identity(&f, BC_AK_REQUIRED_ATTRIBUTES);
	f.id.ak_name[5] ^= 1;
	assert_int_equal(bc_enrolment_check_identity(&f.id, NULL, true, 0, &rec, &err),
			 BC_E_MISMATCH);
	assert_non_null(strstr(bc_error_message(&err), "AK name"));
	free_fixture(&f);
}

static void test_an_ek_of_another_type_is_refused(void **state)
{
	fixture f;
	bc_enrolment rec;
	bc_error err = {0};
	(void)state;
	make_identity(&f, BC_AK_REQUIRED_ATTRIBUTES);
	snprintf(f.id.ek_type, sizeof(f.id.ek_type), "ecc");
	assert_int_equal(bc_enrolment_check_identity(&f.id, NULL, true, 0, &rec, &err),
			 BC_E_MISMATCH);
	free_fixture(&f);
}

/* {"secret": base64 of len bytes} */
static char *answer_of(const uint8_t *secret, size_t len)
{
	bc_buf out;
	bc_json j;
	bc_buf_init(&out, 4096);
	bc_json_init(&j, &out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "secret");
	bc_json_base64(&j, secret, len);
	bc_json_object_end(&j);
	bc_buf_putc(&out, 0);
	return (char *)out.data;
}

static void test_the_challenge_unwraps_to_the_secret(void **state)
{
	fixture f;
	bc_enrolment rec;
	uint8_t secret[BC_ENROLMENT_SECRET_SIZE], seed[64], other[BC_ENROLMENT_SECRET_SIZE];
	size_t seed_len = 0;
	char *body = NULL, *answer;
	size_t size = 0;
	TPM2B_ID_OBJECT blob;
	TPM2B_ENCRYPTED_SECRET enc;
	TPM2B_DIGEST got;
	bc_error err = {0};
	(void)state;
	make_identity(&f, BC_AK_REQUIRED_ATTRIBUTES);
	assert_int_equal(bc_enrolment_check_identity(&f.id, NULL, true, 0, &rec, NULL), BC_OK);
	assert_int_equal(bc_enrolment_challenge(&rec, secret, &body, &size, NULL), BC_OK);
	/* the body is a challenge file, as `attest activate` and the server read it */
	assert_int_equal(bc_challenge_parse(body, size, "body", &blob, &enc, NULL), BC_OK);
	assert_true(soft_ek_seed(f.ek_key, &f.ek, &enc, seed, &seed_len));
	assert_int_equal(
	    bc_credential_unwrap(&f.ek.publicArea, seed, seed_len, &f.ak_name, &blob, &got, NULL),
	    BC_OK);
	assert_int_equal(got.size, BC_ENROLMENT_SECRET_SIZE);
	assert_memory_equal(got.buffer, secret, BC_ENROLMENT_SECRET_SIZE);

	answer = answer_of(secret, sizeof(secret));
	assert_int_equal(bc_enrolment_check_answer(answer, strlen(answer), secret, NULL), BC_OK);
	free(answer);
	memcpy(other, secret, sizeof(other));
	other[31] ^= 0x80;
	answer = answer_of(other, sizeof(other));
	assert_int_equal(bc_enrolment_check_answer(answer, strlen(answer), secret, &err),
			 BC_E_MISMATCH);
	free(answer);
	answer = answer_of(secret, 16); /* a prefix is not the secret */
	assert_int_equal(bc_enrolment_check_answer(answer, strlen(answer), secret, &err),
			 BC_E_MISMATCH);
	free(answer);
	assert_int_equal(bc_enrolment_check_answer("{}", 2, secret, &err), BC_E_FORMAT);
	free(body);
	free_fixture(&f);
}

static void test_host_of_url(void **state)
{
	char host[64];
	(void)state;
	assert_true(bc_enrolment_host_of_url("http://M1.Example:8080/x", host, sizeof(host)));
	assert_string_equal(host, "m1.example:8080");
	assert_true(bc_enrolment_host_of_url("https://user:pw@[fd00::1]:443", host, sizeof(host)));
	assert_string_equal(host, "[fd00::1]:443");
	assert_true(bc_enrolment_host_of_url("https://m2", host, sizeof(host)));
	assert_string_equal(host, "m2");
	assert_false(bc_enrolment_host_of_url("ftp://m2", host, sizeof(host)));
	assert_false(bc_enrolment_host_of_url("http:///path", host, sizeof(host)));
	assert_false(bc_enrolment_host_of_url(
	    "http://a-very-long-host-name-indeed.example.org:65535", host, 16));
}

/* A certified record of the fixture's machine at host. */
static void make_record(fixture *f, const char *host, bc_enrolment *rec)
{
	assert_int_equal(bc_enrolment_check_identity(&f->id, NULL, true, 0, rec, NULL), BC_OK);
	snprintf(rec->host, sizeof(rec->host), "%s", host);
	snprintf(rec->url, sizeof(rec->url), "http://%s", host);
	snprintf(rec->time, sizeof(rec->time), "2026-12-02T00:44:29Z");
	rec->certified = true;
	rec->chain_len = 2;
	memset(rec->chain[0], 0x11, 32);
	memset(rec->chain[1], 0x22, 32);
	snprintf(rec->anchor_subject, sizeof(rec->anchor_subject), "CN = test CA");
	snprintf(rec->anchor_file, sizeof(rec->anchor_file), "/store/ca.pem");
}

static void test_record_round_trips_and_is_found(void **state)
{
	fixture a, b;
	bc_enrolment ra, rb, back;
	char dir[] = "/tmp/bootchain-enrolment-XXXXXX", path[256];
	char *json = NULL;
	size_t size = 0;
	bc_enrolment_set *set = NULL;
	(void)state;
	make_identity(&a, BC_AK_REQUIRED_ATTRIBUTES);
	make_identity(&b, BC_AK_REQUIRED_ATTRIBUTES);
	make_record(&a, "m1.example:8080", &ra);
	make_record(&b, "m2.example:8080", &rb);
	assert_int_equal(bc_enrolment_to_json(&ra, &json, &size, NULL), BC_OK);
	assert_int_equal(bc_enrolment_parse(json, size, "record", &back, NULL), BC_OK);
	assert_string_equal(back.host, ra.host);
	assert_string_equal(back.time, ra.time);
	assert_true(back.certified);
	assert_int_equal(back.chain_len, 2);
	assert_memory_equal(back.chain[1], ra.chain[1], 32);
	assert_string_equal(back.anchor_file, "/store/ca.pem");
	assert_memory_equal(back.ak_public, ra.ak_public, ra.ak_public_size);
	assert_false(back.has_keep);
	free(json);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m1.example:8080.json", dir);
	assert_int_equal(bc_enrolment_write(&ra, path, NULL), BC_OK);
	snprintf(path, sizeof(path), "%s/second.json", dir);
	assert_int_equal(bc_enrolment_write(&rb, path, NULL), BC_OK);
	assert_int_equal(bc_enrolment_set_load(dir, &set, NULL), BC_OK);
	assert_int_equal(bc_enrolment_set_count(set), 2);
	const bc_enrolment *found = bc_enrolment_set_find_ak(set, b.ak_name.name, b.ak_name.size);
	assert_non_null(found);
	assert_string_equal(found->host, "m2.example:8080");
	assert_non_null(bc_enrolment_set_find_host(set, "M1.example:8080"));
	found = bc_enrolment_set_find_host(set, "second"); /* by the file's name */
	assert_non_null(found);
	assert_string_equal(found->host, "m2.example:8080");
	assert_null(bc_enrolment_set_find_host(set, "m3"));
	bc_enrolment_set_free(set);
	unlink(path);
	snprintf(path, sizeof(path), "%s/m1.example:8080.json", dir);
	unlink(path);
	rmdir(dir);
	free_fixture(&a);
	free_fixture(&b);
}

static void test_record_whose_name_is_not_its_ak_is_refused(void **state)
{
	fixture f;
	bc_enrolment rec, back;
	char *json = NULL;
	size_t size = 0;
	bc_error err = {0};
	(void)state;
	make_identity(&f, BC_AK_REQUIRED_ATTRIBUTES);
	make_record(&f, "m1", &rec);
	rec.ak_name[3] ^= 1;
	assert_int_equal(bc_enrolment_to_json(&rec, &json, &size, NULL), BC_OK);
	assert_int_equal(bc_enrolment_parse(json, size, "record", &back, &err), BC_E_FORMAT);
	assert_non_null(strstr(bc_error_message(&err), "ak_name"));
	free(json);
	free_fixture(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identity_round_trips),
	    cmocka_unit_test(test_keep_kinds),
	    cmocka_unit_test(test_identity_with_bad_fields_is_refused),
	    cmocka_unit_test(test_identity_truncated_or_oversized_is_refused),
	    cmocka_unit_test(test_uncertified_only_when_allowed),
	    cmocka_unit_test(test_an_unrestricted_ak_is_refused),
	    cmocka_unit_test(test_an_ak_name_not_of_its_public_area_is_refused),
	    cmocka_unit_test(test_an_ek_of_another_type_is_refused),
	    cmocka_unit_test(test_the_challenge_unwraps_to_the_secret),
	    cmocka_unit_test(test_host_of_url),
	    cmocka_unit_test(test_record_round_trips_and_is_found),
	    cmocka_unit_test(test_record_whose_name_is_not_its_ak_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
