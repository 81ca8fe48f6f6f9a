/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden databases (bootchain-golden(5)): what a valid database loads into, the
 * verdicts of bc_golden_match, the rejection of every malformation with the file and
 * the JSON path of the bad value, and detached signatures made here with OpenSSL (an
 * EC P-256 and an RSA-2048 key) over the exact bytes of the file.
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <bootchain/eventlog.h>
#include <bootchain/golden.h>

#include "golden/golden-internal.h"

/* Hex digests of 20, 32 and 48 bytes, each byte the two characters b. */
#define R4(s)	     s s s s
#define R16(s)	     R4(R4(s))
#define HEX20(b)     R4(b b b b b)
#define HEX32(b)     R16(b b)
#define HEX48(b)     R16(b b b)
#define FORMAT_FIELD "\"format\": \"bootchain-golden-v1\""

/* Two components; bootloader has two versions, the second in two banks. */
static const char valid_db[] =
    "{\n"
    "  " FORMAT_FIELD ",\n"
    "  \"created\": \"2024-05-01T12:00:00Z\",\n"
    "  \"description\": \"test fleet\",\n"
    "  \"components\": [\n"
    "    {\"name\": \"bootloader\", \"pcr\": 4,\n"
    "     \"event_type\": \"EV_EFI_BOOT_SERVICES_APPLICATION\",\n"
    "     \"versions\": [\n"
    "       {\"digests\": {\"sha256\": \"" HEX32(
	"aa") "\"},\n"
	      "        \"source\": {\"file\": \"shimx64.efi\", \"log\": \"ref.log\",\n"
	      "                   \"date\": \"2024-04-01\", \"version\": \"15.7\"}},\n"
	      "       {\"digests\": {\"sha1\": \"" HEX20("b1") "\", \"sha256\": \"" HEX32(
		  "bb") "\"},\n"
			"        \"source\": {\"version\": \"15.8\"}}\n"
			"     ]},\n"
			"    {\"name\": \"kernel\", \"pcr\": 9, \"required\": false,\n"
			"     \"versions\": [{\"digests\": {\"sha256\": \"" HEX32(
			    "cc") "\"}}]},\n"
				  "    {\"name\": \"initrd\", \"pcr\": 9, \"required\": "
				  "true, \"event_type\": \"IPL\",\n"
				  "     \"versions\": [{\"digests\": {\"sha384\": "
				  "\"" HEX48("dd") "\"}}]}\n"
						   "  ],\n"
						   "  \"pcrs\": {\"sha256\": {\"4\": "
						   "[\"" HEX32("01") "\", \"" HEX32(
						       "02") "\"],\n"
							     "                        "
							     "\"9\": [\"" HEX32(
								 "03") "\"]},\n"
								       "           "
								       "\"sha1\": {\"0\": "
								       "[\"" HEX20("04") "\"]}},\n"
											 "  "
											 "\"explai"
											 "ned_"
											 "pcrs\": "
											 "[4, 9, "
											 "23]\n"
											 "}\n";

static bc_golden *load_ok(const char *json)
{
	bc_golden *db = NULL;
	bc_error err = {0};
	if (bc_golden_from_memory(json, strlen(json), "db.json", &db, &err) != BC_OK)
		fail_msg("load failed: %s", err.msg);
	assert_non_null(db);
	return db;
}

/* The database with these components (the text inside "components": [...]). */
static char *db_with(const char *components)
{
	char *json = NULL;
	assert_true(asprintf(&json, "{" FORMAT_FIELD ", \"components\": [%s]}", components) > 0);
	return json;
}

/* A one-component database around one version's text. */
static char *db_with_version(const char *version)
{
	char *components = NULL;
	assert_true(asprintf(&components, "{\"name\": \"kernel\", \"pcr\": 9, \"versions\": [%s]}",
			     version) > 0);
	char *json = db_with(components);
	free(components);
	return json;
}

static void expect_rejected_n(const char *data, size_t size, bc_status want, const char *message)
{
	bc_golden *db = NULL;
	bc_error err = {0};
	bc_status s = bc_golden_from_memory(data, size, "db.json", &db, &err);
	if (s != want)
		fail_msg("status %d (want %d): %s", s, want, err.msg);
	assert_null(db);
	if (!strstr(err.msg, message))
		fail_msg("message '%s' lacks '%s'", err.msg, message);
}

/* Rejected as malformed, with message somewhere in the error text. */
static void expect_rejected(const char *json, const char *message)
{
	expect_rejected_n(json, strlen(json), BC_E_FORMAT, message);
}

/* The same, and json is freed. */
static void expect_rejected_free(char *json, const char *message)
{
	expect_rejected(json, message);
	free(json);
}

static bc_digest digest_of(uint16_t alg, uint8_t byte)
{
	const bc_hash_alg *a = bc_hash_alg_by_id(alg);
	bc_digest d = {.alg = alg, .size = a->size};
	memset(d.bytes, byte, d.size);
	return d;
}

static bc_digest_set set_of(size_t count, const bc_digest *digests)
{
	bc_digest_set set = {.count = 0};
	for (size_t i = 0; i < count; i++)
		assert_int_equal(bc_digest_set_put(&set, &digests[i], NULL), BC_OK);
	return set;
}

/* ---- a valid database ---- */

static void test_valid_database_loads_components_in_order(void **state)
{
	(void)state;
	bc_golden *db = load_ok(valid_db);
	assert_int_equal(bc_golden_component_count(db), 3);
	const bc_golden_component *c = bc_golden_component_at(db, 0);
	assert_string_equal(c->name, "bootloader");
	assert_int_equal(c->pcr, 4);
	assert_true(c->has_event_type);
	assert_int_equal(c->event_type, BC_EV_EFI_BOOT_SERVICES_APPLICATION);
	assert_true(c->required); /* the default */
	assert_int_equal(c->version_count, 2);
	assert_string_equal(bc_golden_component_at(db, 1)->name, "kernel");
	assert_string_equal(bc_golden_component_at(db, 2)->name, "initrd");
	assert_null(bc_golden_component_at(db, 3));
	assert_string_equal(db->created, "2024-05-01T12:00:00Z");
	assert_string_equal(db->description, "test fleet");
	bc_golden_free(db);
}

static void test_valid_database_loads_versions_and_sources(void **state)
{
	(void)state;
	bc_golden *db = load_ok(valid_db);
	const bc_golden_component *c = bc_golden_component_at(db, 0);
	const bc_golden_version *v0 = &c->versions[0], *v1 = &c->versions[1];
	bc_digest aa = digest_of(BC_ALG_SHA256, 0xaa), b1 = digest_of(BC_ALG_SHA1, 0xb1);
	assert_int_equal(v0->digests.count, 1);
	assert_memory_equal(bc_digest_set_find(&v0->digests, BC_ALG_SHA256)->bytes, aa.bytes, 32);
	assert_null(bc_digest_set_find(&v0->digests, BC_ALG_SHA1));
	assert_string_equal(v0->source.file, "shimx64.efi");
	assert_string_equal(v0->source.log, "ref.log");
	assert_string_equal(v0->source.date, "2024-04-01");
	assert_string_equal(v0->source.version, "15.7");
	assert_int_equal(v1->digests.count, 2);
	assert_memory_equal(bc_digest_set_find(&v1->digests, BC_ALG_SHA1)->bytes, b1.bytes, 20);
	assert_int_equal(bc_digest_set_find(&v1->digests, BC_ALG_SHA1)->size, 20);
	assert_null(v1->source.file);
	assert_null(v1->source.log);
	assert_null(v1->source.date);
	assert_string_equal(v1->source.version, "15.8");

	const bc_golden_component *kernel = bc_golden_component_at(db, 1);
	assert_false(kernel->required);
	assert_false(kernel->has_event_type);
	assert_null(kernel->versions[0].source.file);
	const bc_golden_component *initrd = bc_golden_component_at(db, 2);
	assert_true(initrd->required);
	assert_int_equal(initrd->event_type, BC_EV_IPL); /* "IPL" without the prefix */
	assert_int_equal(initrd->versions[0].digests.digests[0].alg, BC_ALG_SHA384);
	bc_golden_free(db);
}

static void test_valid_database_loads_expected_pcrs(void **state)
{
	(void)state;
	bc_golden *db = load_ok(valid_db);
	assert_int_equal(db->expected_count, 4);
	/* in file order: sha256 4 (two values), sha256 9, sha1 0 */
	static const struct {
		uint32_t pcr;
		uint16_t alg;
		uint8_t byte;
	} want[] = {{4, BC_ALG_SHA256, 0x01},
		    {4, BC_ALG_SHA256, 0x02},
		    {9, BC_ALG_SHA256, 0x03},
		    {0, BC_ALG_SHA1, 0x04}};
	for (size_t i = 0; i < 4; i++) {
		const bc_golden_expected *e = &db->expected[i];
		bc_digest d = digest_of(want[i].alg, want[i].byte);
		assert_int_equal(e->pcr, want[i].pcr);
		assert_int_equal(e->value.count, 1);
		assert_int_equal(e->value.digests[0].alg, want[i].alg);
		assert_int_equal(e->value.digests[0].size, d.size);
		assert_memory_equal(e->value.digests[0].bytes, d.bytes, d.size);
	}
	assert_int_equal(db->explained_mask, (1u << 4) | (1u << 9) | (1u << 23));
	bc_golden_free(db);
}

static void test_source_description_and_event(void **state)
{
	(void)state;
	char *json = db_with_version("{\"digests\": {\"sha1\": \"" HEX20(
	    "aa") "\"}, \"source\": "
		  "{\"description\": \"\\\\EFI\\\\BOOT\\\\BOOTX64.EFI\", "
		  "\"event\": 4294967295}}");
	bc_golden *db = load_ok(json);
	const bc_golden_source *src = &bc_golden_component_at(db, 0)->versions[0].source;
	assert_string_equal(src->description, "\\EFI\\BOOT\\BOOTX64.EFI");
	assert_true(src->has_event);
	assert_int_equal(src->event, 4294967295u);
	bc_golden_free(db);
	free(json);
	db = load_ok(valid_db);
	assert_false(bc_golden_component_at(db, 0)->versions[0].source.has_event);
	assert_null(bc_golden_component_at(db, 0)->versions[0].source.description);
	bc_golden_free(db);
	expect_rejected_free(
	    db_with_version(
		"{\"digests\": {\"sha1\": \"" HEX20("aa") "\"}, "
							  "\"source\": {\"event\": -1}}"),
	    "db.json: components[0].versions[0].source.event: not an event number");
	expect_rejected_free(
	    db_with_version(
		"{\"digests\": {\"sha1\": \"" HEX20("aa") "\"}, "
							  "\"source\": {\"event\": 4294967296}}"),
	    "db.json: components[0].versions[0].source.event: not an event number");
	expect_rejected_free(
	    db_with_version(
		"{\"digests\": {\"sha1\": \"" HEX20("aa") "\"}, "
							  "\"source\": {\"event\": \"12\"}}"),
	    "db.json: components[0].versions[0].source.event: an event number, not "
	    "a string");
}

static void test_minimal_database_loads(void **state)
{
	(void)state;
	bc_golden *db = load_ok("{" FORMAT_FIELD ", \"components\": []}");
	assert_int_equal(bc_golden_component_count(db), 0);
	assert_null(bc_golden_find(db, "kernel"));
	assert_null(db->created);
	assert_int_equal(db->expected_count, 0);
	assert_int_equal(db->explained_mask, 0);
	bc_golden_free(db);
}

static void test_find_by_name(void **state)
{
	(void)state;
	bc_golden *db = load_ok(valid_db);
	assert_ptr_equal(bc_golden_find(db, "kernel"), bc_golden_component_at(db, 1));
	assert_ptr_equal(bc_golden_find(db, "bootloader"), bc_golden_component_at(db, 0));
	assert_ptr_equal(bc_golden_find(db, "initrd"), bc_golden_component_at(db, 2));
	assert_null(bc_golden_find(db, "Kernel"));
	assert_null(bc_golden_find(db, "kerne"));
	assert_null(bc_golden_find(db, ""));
	bc_golden_free(db);
}

/* ---- matching ---- */

static void test_match_gives_the_version_index(void **state)
{
	(void)state;
	bc_golden *db = load_ok(valid_db);
	bc_digest both[] = {digest_of(BC_ALG_SHA1, 0xb1), digest_of(BC_ALG_SHA256, 0xbb)};
	bc_digest_set set = set_of(2, both);
	size_t version = 99;
	assert_int_equal(bc_golden_match(db, "bootloader", 4, &set, &version), BC_GOLDEN_MATCH);
	assert_int_equal(version, 1);

	bc_digest first = digest_of(BC_ALG_SHA256, 0xaa);
	set = set_of(1, &first);
	assert_int_equal(bc_golden_match(db, "bootloader", 4, &set, &version), BC_GOLDEN_MATCH);
	assert_int_equal(version, 0);
	assert_int_equal(bc_golden_match(db, "bootloader", 4, &set, NULL), BC_GOLDEN_MATCH);
	bc_golden_free(db);
}

static void test_match_on_the_banks_in_common(void **state)
{
	(void)state;
	bc_golden *db = load_ok(valid_db);
	/* version 1 has sha1 and sha256; a measurement in sha256 alone matches it */
	bc_digest sha256 = digest_of(BC_ALG_SHA256, 0xbb);
	bc_digest_set set = set_of(1, &sha256);
	size_t version = 99;
	assert_int_equal(bc_golden_match(db, "bootloader", 4, &set, &version), BC_GOLDEN_MATCH);
	assert_int_equal(version, 1);
	/* version 0 has sha256 alone; a measurement in sha1+sha256+sha384 matches it */
	bc_digest three[] = {digest_of(BC_ALG_SHA1, 0x55), digest_of(BC_ALG_SHA256, 0xaa),
			     digest_of(BC_ALG_SHA384, 0x66)};
	set = set_of(3, three);
	assert_int_equal(bc_golden_match(db, "bootloader", 4, &set, &version), BC_GOLDEN_MATCH);
	assert_int_equal(version, 0);
	bc_golden_free(db);
}

static void test_one_bank_equal_another_different_differs(void **state)
{
	(void)state;
	bc_golden *db = load_ok(valid_db);
	bc_digest mixed[] = {digest_of(BC_ALG_SHA1, 0xb1), digest_of(BC_ALG_SHA256, 0xbc)};
	bc_digest_set set = set_of(2, mixed);
	size_t version = 99;
	assert_int_equal(bc_golden_match(db, "bootloader", 4, &set, &version), BC_GOLDEN_DIFFERS);
	assert_int_equal(version, 99); /* untouched */
	/* the order of the banks in the measurement does not matter */
	bc_digest reversed[] = {digest_of(BC_ALG_SHA256, 0xbc), digest_of(BC_ALG_SHA1, 0xb1)};
	set = set_of(2, reversed);
	assert_int_equal(bc_golden_match(db, "bootloader", 4, &set, NULL), BC_GOLDEN_DIFFERS);
	bc_golden_free(db);
}

static void test_match_verdicts(void **state)
{
	(void)state;
	bc_golden *db = load_ok(valid_db);
	bc_digest other = digest_of(BC_ALG_SHA256, 0xee);
	bc_digest_set set = set_of(1, &other);
	assert_int_equal(bc_golden_match(db, "bootloader", 4, &set, NULL), BC_GOLDEN_DIFFERS);
	assert_int_equal(bc_golden_match(db, "nope", 4, &set, NULL), BC_GOLDEN_NO_COMPONENT);
	bc_digest cc = digest_of(BC_ALG_SHA256, 0xcc);
	set = set_of(1, &cc);
	assert_int_equal(bc_golden_match(db, "kernel", 9, &set, NULL), BC_GOLDEN_MATCH);
	assert_int_equal(bc_golden_match(db, "kernel", 8, &set, NULL), BC_GOLDEN_WRONG_PCR);
	/* initrd has sha384 digests only */
	assert_int_equal(bc_golden_match(db, "initrd", 9, &set, NULL), BC_GOLDEN_NO_COMMON_BANK);
	bc_digest sha512 = digest_of(BC_ALG_SHA512, 0xaa);
	set = set_of(1, &sha512);
	assert_int_equal(bc_golden_match(db, "bootloader", 4, &set, NULL),
			 BC_GOLDEN_NO_COMMON_BANK);
	bc_digest_set empty = {.count = 0};
	assert_int_equal(bc_golden_match(db, "bootloader", 4, &empty, NULL),
			 BC_GOLDEN_NO_COMMON_BANK);
	bc_golden_free(db);
}

static void test_verdict_names(void **state)
{
	(void)state;
	assert_string_equal(bc_golden_verdict_name(BC_GOLDEN_MATCH), "matches");
	assert_string_equal(bc_golden_verdict_name(BC_GOLDEN_DIFFERS), "differs");
	assert_string_equal(bc_golden_verdict_name(BC_GOLDEN_NO_COMPONENT), "no such component");
	assert_non_null(bc_golden_verdict_name(BC_GOLDEN_NO_COMMON_BANK));
	assert_non_null(bc_golden_verdict_name(BC_GOLDEN_WRONG_PCR));
	assert_string_equal(bc_golden_verdict_name((bc_golden_verdict)77), "unknown verdict");
}

/* ---- rejections, each with the file and the JSON path ---- */

static void test_rejects_other_format_versions(void **state)
{
	(void)state;
	expect_rejected("{\"format\": \"bootchain-golden-v2\", \"components\": []}",
			"db.json: format \"bootchain-golden-v2\" is not supported (this version "
			"reads bootchain-golden-v1)");
	expect_rejected("{\"components\": []}",
			"db.json: no \"format\": not a bootchain golden database");
	expect_rejected("{\"format\": 1, \"components\": []}", "format: a string, not an integer");
	expect_rejected("[]", "db.json: an object, not an array");
	expect_rejected("\"bootchain-golden-v1\"", "db.json: line 1, column");
	expect_rejected("{" FORMAT_FIELD "}", "db.json: no \"components\"");
	expect_rejected("{" FORMAT_FIELD ", \"components\": {}}",
			"db.json: components: an array of components, not an object");
}

static void test_rejects_text_that_is_not_json(void **state)
{
	(void)state;
	expect_rejected("{\n  " FORMAT_FIELD ",\n  \"components\": [,]\n}",
			"db.json: line 3, column");
	expect_rejected("{" FORMAT_FIELD ", \"components\": []", "db.json: line 1, column");
	expect_rejected("not json at all", "db.json: line 1, column");
	expect_rejected("{" FORMAT_FIELD ", \"components\": []} trailing", "db.json: line 1");
}

static void test_rejects_duplicate_keys(void **state)
{
	(void)state;
	expect_rejected("{" FORMAT_FIELD ", " FORMAT_FIELD ", \"components\": []}",
			"duplicate object key");
	/* nested: the same bank twice in one version */
	expect_rejected_free(db_with_version("{\"digests\": {\"sha256\": \"" HEX32(
				 "aa") "\", "
				       "\"sha256\": \"" HEX32("bb") "\"}}"),
			     "duplicate object key");
	expect_rejected_free(db_with("{\"name\": \"a\", \"pcr\": 1, \"pcr\": 2, \"versions\": "
				     "[{\"digests\": {\"sha256\": \"" HEX32("aa") "\"}}]}"),
			     "duplicate object key");
	expect_rejected_free(db_with_version("{\"digests\": {\"sha256\": \"" HEX32(
				 "aa") "\"}, "
				       "\"source\": {\"file\": \"a\", \"file\": \"b\"}}"),
			     "duplicate object key");
}

static void test_rejects_unknown_keys(void **state)
{
	(void)state;
	expect_rejected_free(
	    db_with("{\"name\": \"kernel\", \"pcr\": 9, \"requried\": false, "
		    "\"versions\": [{\"digests\": {\"sha256\": \"" HEX32("aa") "\"}}]}"),
	    "db.json: components[0]: unknown key \"requried\"");
	expect_rejected("{" FORMAT_FIELD ", \"components\": [], \"comment\": \"x\"}",
			"db.json: unknown key \"comment\"");
	expect_rejected_free(
	    db_with_version("{\"digests\": {\"sha256\": \"" HEX32("aa") "\"}, "
									"\"notes\": \"x\"}"),
	    "db.json: components[0].versions[0]: unknown key \"notes\"");
	expect_rejected_free(db_with_version("{\"digests\": {\"sha256\": \"" HEX32(
				 "aa") "\"}, "
				       "\"source\": {\"url\": \"x\"}}"),
			     "db.json: components[0].versions[0].source: unknown key \"url\"");
}

static void test_rejects_bad_digests(void **state)
{
	(void)state;
	/* 32 bytes of which one is "zz" */
	expect_rejected_free(db_with_version("{\"digests\": {\"sha256\": \"zz" R16("aa") R4("aa")
						 R4("aa") R4("aa") "aaaaaa\"}}"),
			     "db.json: components[0].versions[0].digests.sha256: not a hex digest");
	expect_rejected_free(db_with_version("{\"digests\": {\"sha256\": \"" HEX32("aa") "a\"}}"),
			     "db.json: components[0].versions[0].digests.sha256: not a hex digest");
	expect_rejected_free(
	    db_with_version("{\"digests\": {\"sha256\": \"" R16("aa") R4("aa") R4("aa")
				R4("aa") "aaaaaa\"}}"),
	    "db.json: components[0].versions[0].digests.sha256: 31 bytes, a sha256 digest has 32");
	expect_rejected_free(
	    db_with_version("{\"digests\": {\"sha256\": \"" HEX20("aa") "\"}}"),
	    "db.json: components[0].versions[0].digests.sha256: 20 bytes, a sha256 digest has 32");
	expect_rejected_free(
	    db_with_version("{\"digests\": {\"sha1\": \"" HEX32("aa") "\"}}"),
	    "db.json: components[0].versions[0].digests.sha1: 32 bytes, a sha1 digest has 20");
	expect_rejected_free(db_with_version("{\"digests\": {\"sha256\": \"\"}}"),
			     "db.json: components[0].versions[0].digests.sha256: 0 bytes");
	expect_rejected_free(db_with_version("{\"digests\": {\"md5\": \"" R16("aa") "\"}}"),
			     "db.json: components[0].versions[0].digests.md5: unknown hash "
			     "algorithm");
	expect_rejected_free(db_with_version("{\"digests\": {\"sha256\": 12}}"),
			     "db.json: components[0].versions[0].digests.sha256: a hex digest, not "
			     "an integer");
	expect_rejected_free(db_with_version("{\"digests\": {}}"),
			     "db.json: components[0].versions[0].digests: no digests");
	expect_rejected_free(db_with_version("{\"source\": {}}"),
			     "db.json: components[0].versions[0]: no \"digests\"");
	/* the second version of the second component */
	expect_rejected_free(
	    db_with(
		"{\"name\": \"a\", \"pcr\": 1, \"versions\": [{\"digests\": {\"sha1\": \"" HEX20(
		    "aa") "\"}}]}, "
			  "{\"name\": \"b\", \"pcr\": 2, \"versions\": [{\"digests\": {\"sha1\": "
			  "\"" HEX20("aa") "\"}}, {\"digests\": {\"sha1\": \"" HEX20("a") "\"}}]}"),
	    "db.json: components[1].versions[1].digests.sha1: 10 bytes, a sha1 digest has 20");
}

static void test_rejects_bad_pcrs(void **state)
{
	(void)state;
	static const char tail[] =
	    ", \"versions\": [{\"digests\": {\"sha1\": \"" HEX20("aa") "\"}}]}";
	char *c;
	assert_true(asprintf(&c, "{\"name\": \"k\", \"pcr\": 24%s", tail) > 0);
	expect_rejected_free(db_with(c),
			     "db.json: components[0].pcr: PCR 24 is out of range (0-23)");
	free(c);
	assert_true(asprintf(&c, "{\"name\": \"k\", \"pcr\": -1%s", tail) > 0);
	expect_rejected_free(db_with(c),
			     "db.json: components[0].pcr: PCR -1 is out of range (0-23)");
	free(c);
	assert_true(asprintf(&c, "{\"name\": \"k\", \"pcr\": \"4\"%s", tail) > 0);
	expect_rejected_free(db_with(c), "db.json: components[0].pcr: a PCR number, not a string");
	free(c);
	assert_true(asprintf(&c, "{\"name\": \"k\", \"pcr\": 4.0%s", tail) > 0);
	expect_rejected_free(db_with(c), "db.json: components[0].pcr: a PCR number, not a number");
	free(c);
	assert_true(asprintf(&c, "{\"name\": \"k\", \"pcr\": null%s", tail) > 0);
	expect_rejected_free(db_with(c), "db.json: components[0].pcr: a PCR number, not null");
	free(c);
	assert_true(asprintf(&c, "{\"name\": \"k\"%s", tail) > 0);
	expect_rejected_free(db_with(c), "db.json: components[0]: component \"k\" has no \"pcr\"");
	free(c);

	expect_rejected("{" FORMAT_FIELD ", \"components\": [], \"pcrs\": {\"sha256\": "
			"{\"24\": [\"" HEX32("aa") "\"]}}}",
			"db.json: pcrs.sha256.24: not a PCR number (0-23)");
	expect_rejected("{" FORMAT_FIELD ", \"components\": [], \"pcrs\": {\"sha256\": "
			"{\"x\": []}}}",
			"db.json: pcrs.sha256.x: not a PCR number (0-23)");
	expect_rejected("{" FORMAT_FIELD ", \"components\": [], \"pcrs\": {\"sha256\": "
			"{\"-1\": []}}}",
			"db.json: pcrs.sha256.-1: not a PCR number (0-23)");
	expect_rejected("{" FORMAT_FIELD ", \"components\": [], \"pcrs\": {\"sha256\": "
			"{\"\": []}}}",
			"db.json: pcrs.sha256.: not a PCR number (0-23)");
	expect_rejected("{" FORMAT_FIELD ", \"components\": [], \"pcrs\": {\"sha256\": "
			"{\"7\": [\"" HEX20("aa") "\"]}}}",
			"db.json: pcrs.sha256.7[0]: 20 bytes, a sha256 digest has 32");
	expect_rejected("{" FORMAT_FIELD ", \"components\": [], \"pcrs\": {\"md5\": {}}}",
			"db.json: pcrs.md5: unknown hash algorithm");
	expect_rejected("{" FORMAT_FIELD ", \"components\": [], \"pcrs\": {\"sha256\": "
			"{\"7\": \"" HEX32("aa") "\"}}}",
			"db.json: pcrs.sha256.7: an array of values, not a string");
	expect_rejected("{" FORMAT_FIELD ", \"components\": [], \"explained_pcrs\": [0, 24]}",
			"db.json: explained_pcrs[1]: PCR 24 is out of range (0-23)");
	expect_rejected("{" FORMAT_FIELD ", \"components\": [], \"explained_pcrs\": [\"4\"]}",
			"db.json: explained_pcrs[0]: a PCR number, not a string");
	expect_rejected("{" FORMAT_FIELD ", \"components\": [], \"explained_pcrs\": 4}",
			"db.json: explained_pcrs: an array of PCR numbers, not an integer");
}

static void test_rejects_bad_components(void **state)
{
	(void)state;
	static const char version[] = "{\"digests\": {\"sha1\": \"" HEX20("aa") "\"}}";
	char *c;
	expect_rejected_free(db_with("{\"name\": \"k\", \"pcr\": 4, \"versions\": []}"),
			     "db.json: components[0].versions: no versions: a component must "
			     "allow at least one");
	expect_rejected_free(db_with("{\"name\": \"k\", \"pcr\": 4}"),
			     "db.json: components[0]: component \"k\" has no \"versions\"");
	expect_rejected_free(db_with("{\"name\": \"k\", \"pcr\": 4, \"versions\": {}}"),
			     "db.json: components[0].versions: an array of versions, not an "
			     "object");
	expect_rejected_free(db_with("{\"name\": \"k\", \"pcr\": 4, \"versions\": [\"x\"]}"),
			     "db.json: components[0].versions[0]: an object, not a string");
	assert_true(asprintf(&c, "{\"pcr\": 4, \"versions\": [%s]}", version) > 0);
	expect_rejected_free(db_with(c), "db.json: components[0]: no \"name\"");
	free(c);
	assert_true(asprintf(&c, "{\"name\": \"\", \"pcr\": 4, \"versions\": [%s]}", version) > 0);
	expect_rejected_free(db_with(c), "db.json: components[0]: no \"name\"");
	free(c);
	assert_true(asprintf(&c, "{\"name\": 7, \"pcr\": 4, \"versions\": [%s]}", version) > 0);
	expect_rejected_free(db_with(c), "db.json: components[0].name: a string, not an integer");
	free(c);
	assert_true(asprintf(&c,
			     "{\"name\": \"k\", \"pcr\": 4, \"required\": \"yes\", "
			     "\"versions\": [%s]}",
			     version) > 0);
	expect_rejected_free(db_with(c),
			     "db.json: components[0].required: true or false, not a string");
	free(c);
	assert_true(asprintf(&c,
			     "{\"name\": \"k\", \"pcr\": 4, \"event_type\": \"EV_BOGUS\", "
			     "\"versions\": [%s]}",
			     version) > 0);
	expect_rejected_free(db_with(c),
			     "db.json: components[0].event_type: unknown event type \"EV_BOGUS\"");
	free(c);
	assert_true(
	    asprintf(&c, "{\"name\": \"k\", \"pcr\": 4, \"event_type\": 13, \"versions\": [%s]}",
		     version) > 0);
	expect_rejected_free(db_with(c),
			     "db.json: components[0].event_type: an event type name, not an "
			     "integer");
	free(c);
	expect_rejected_free(db_with("[]"), "db.json: components[0]: an object, not an array");
	expect_rejected_free(db_with_version("{\"digests\": {\"sha1\": \"" HEX20(
				 "aa") "\"}, "
				       "\"source\": {\"version\": 15.8}}"),
			     "db.json: components[0].versions[0].source.version: a string, not a "
			     "number");
	expect_rejected_free(
	    db_with_version("{\"digests\": {\"sha1\": \"" HEX20("aa") "\"}, "
								      "\"source\": \"shim\"}"),
	    "db.json: components[0].versions[0].source: an object, not a string");
	expect_rejected("{" FORMAT_FIELD ", \"components\": [], \"created\": 2024}",
			"created: a string, not an integer");
}

static void test_rejects_duplicate_component_names(void **state)
{
	(void)state;
#define ONE(name, pcr)                            \
	"{\"name\": \"" name "\", \"pcr\": " #pcr \
	", \"versions\": [{\"digests\": {\"sha1\": \"" HEX20("aa") "\"}}]}"
	expect_rejected_free(db_with(ONE("kernel", 9) ", " ONE("initrd", 9) ", " ONE("kernel", 8)),
			     "db.json: components: two components named \"kernel\"");
	expect_rejected_free(db_with(ONE("a", 1) ", " ONE("b", 1) ", " ONE("a", 1)),
			     "db.json: components: two components named \"a\"");
#undef ONE
}

static void test_rejects_huge_numbers(void **state)
{
	(void)state;
	static const char tail[] =
	    ", \"versions\": [{\"digests\": {\"sha1\": \"" HEX20("aa") "\"}}]}";
	char *c;
	assert_true(asprintf(&c, "{\"name\": \"k\", \"pcr\": 4294967300%s", tail) > 0);
	expect_rejected_free(db_with(c),
			     "db.json: components[0].pcr: PCR 4294967300 is out of range (0-23)");
	free(c);
	assert_true(asprintf(&c, "{\"name\": \"k\", \"pcr\": 9223372036854775807%s", tail) > 0);
	expect_rejected_free(db_with(c), "components[0].pcr: PCR 9223372036854775807 is out of");
	free(c);
	assert_true(asprintf(&c, "{\"name\": \"k\", \"pcr\": -9223372036854775808%s", tail) > 0);
	expect_rejected_free(db_with(c), "components[0].pcr: PCR -9223372036854775808 is out of");
	free(c);
	/* beyond 64 bits and beyond a double: jansson refuses them, with the position */
	assert_true(asprintf(&c, "{\"name\": \"k\", \"pcr\": 99999999999999999999999%s", tail) > 0);
	expect_rejected_free(db_with(c), "db.json: line 1, column");
	free(c);
	assert_true(asprintf(&c, "{\"name\": \"k\", \"pcr\": 1e400%s", tail) > 0);
	expect_rejected_free(db_with(c), "db.json: line 1, column");
	free(c);
	expect_rejected("{" FORMAT_FIELD ", \"components\": [], \"explained_pcrs\": [1e300]}",
			"db.json: explained_pcrs[0]: a PCR number, not a number");
}

static void test_deeply_nested_arrays_do_not_crash(void **state)
{
	(void)state;
	for (size_t depth = 100; depth <= 1000000; depth *= 100) {
		static const char head[] =
		    "{" FORMAT_FIELD ", \"components\": [], \"description\": ";
		size_t len = strlen(head) + 2 * depth + 1;
		char *json = malloc(len + 1);
		assert_non_null(json);
		memcpy(json, head, strlen(head));
		memset(json + strlen(head), '[', depth);
		memset(json + strlen(head) + depth, ']', depth);
		json[len - 1] = '}';
		json[len] = 0;
		/* 100 deep: refused as not a string; deeper: refused by the parser */
		expect_rejected(json, depth == 100 ? "description: a string, not an array"
						   : "db.json: line 1, column");
		/* and without the end: unterminated */
		json[strlen(head) + depth] = 0;
		expect_rejected(json, "db.json: line 1");
		free(json);
	}
}

static void test_rejects_empty_input_and_nul_bytes(void **state)
{
	(void)state;
	expect_rejected_n("", 0, BC_E_FORMAT, "db.json: line");
	expect_rejected_n("\n\n", 2, BC_E_FORMAT, "db.json: line");
	/* a NUL byte between tokens, inside a string, and after the document */
	static const char between[] = "{" FORMAT_FIELD ",\0 \"components\": []}";
	expect_rejected_n(between, sizeof(between) - 1, BC_E_FORMAT, "db.json: line 1");
	static const char inside[] = "{" FORMAT_FIELD ", \"description\": \"a\0b\", "
				     "\"components\": []}";
	expect_rejected_n(inside, sizeof(inside) - 1, BC_E_FORMAT, "db.json: line 1");
	static const char after[] = "{" FORMAT_FIELD ", \"components\": []}\0";
	expect_rejected_n(after, sizeof(after) - 1, BC_E_FORMAT, "db.json: line 1");
	/* the escaped form too */
	expect_rejected("{" FORMAT_FIELD ", \"description\": \"a\\u0000b\", \"components\": []}",
			"db.json: line 1");
}

/* ---- files and signatures ---- */

typedef struct tmp {
	char dir[512];
	char db[600], sig[600], pub[600], other_pub[600];
} tmp;

static void make_tmp(tmp *t)
{
	const char *base = getenv("TMPDIR");
	snprintf(t->dir, sizeof(t->dir), "%s/bc-golden-XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->db, sizeof(t->db), "%s/db.json", t->dir);
	snprintf(t->sig, sizeof(t->sig), "%s/db.json.sig", t->dir);
	snprintf(t->pub, sizeof(t->pub), "%s/pub.pem", t->dir);
	snprintf(t->other_pub, sizeof(t->other_pub), "%s/other.pem", t->dir);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tmp(tmp *t)
{
	assert_int_equal(nftw(t->dir, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

static void write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, size, f), size);
	assert_int_equal(fclose(f), 0);
}

static EVP_PKEY *new_key(bool rsa)
{
	EVP_PKEY *key = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
	assert_non_null(key);
	return key;
}

static void write_public_key(EVP_PKEY *key, const char *path)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, key), 1);
	assert_int_equal(fclose(f), 0);
}

/* What `openssl dgst -sha256 -sign KEY -out SIG FILE` does: SHA-256, DER. */
static void sign_to(EVP_PKEY *key, const void *data, size_t size, const char *sig_path)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t sig_size = 0;
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
	assert_int_equal(EVP_DigestSign(ctx, NULL, &sig_size, data, size), 1);
	unsigned char *sig = malloc(sig_size);
	assert_non_null(sig);
	assert_int_equal(EVP_DigestSign(ctx, sig, &sig_size, data, size), 1);
	write_file(sig_path, sig, sig_size);
	free(sig);
	EVP_MD_CTX_free(ctx);
}

static void check_signed_database(bool rsa)
{
	tmp t;
	bc_golden *db = NULL;
	bc_error err = {0};
	EVP_PKEY *key = new_key(rsa), *other = new_key(rsa);
	make_tmp(&t);
	write_file(t.db, valid_db, strlen(valid_db));
	write_public_key(key, t.pub);
	write_public_key(other, t.other_pub);

	/* not signed yet */
	assert_int_not_equal(bc_golden_load(t.db, t.pub, NULL, &db, &err), BC_OK);
	assert_null(db);
	if (!strstr(err.msg, "not signed") || !strstr(err.msg, t.db))
		fail_msg("message '%s' lacks 'not signed' or the file name", err.msg);

	/* signed: DB.sig by default, or named */
	sign_to(key, valid_db, strlen(valid_db), t.sig);
	assert_int_equal(bc_golden_load(t.db, t.pub, NULL, &db, &err), BC_OK);
	assert_int_equal(bc_golden_component_count(db), 3);
	bc_golden_free(db);
	db = NULL;
	assert_int_equal(bc_golden_load(t.db, t.pub, t.sig, &db, &err), BC_OK);
	bc_golden_free(db);
	db = NULL;
	/* a signature named elsewhere is the one used */
	char elsewhere[700];
	snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere.sig", t.dir);
	assert_int_not_equal(bc_golden_load(t.db, t.pub, elsewhere, &db, &err), BC_OK);
	assert_non_null(strstr(err.msg, "not signed"));

	/* the wrong key */
	assert_int_equal(bc_golden_load(t.db, t.other_pub, NULL, &db, &err), BC_E_MISMATCH);
	assert_null(db);
	assert_non_null(strstr(err.msg, t.db));

	/* one byte of the database changed ("test fleet" -> "test fleeT") */
	char *changed = strdup(valid_db);
	assert_non_null(changed);
	char *at = strstr(changed, "fleet");
	at[4] = 'T';
	write_file(t.db, changed, strlen(changed));
	assert_int_equal(bc_golden_load(t.db, t.pub, NULL, &db, &err), BC_E_MISMATCH);
	assert_null(db);
	/* unsigned loading still reads it */
	assert_int_equal(bc_golden_load(t.db, NULL, NULL, &db, &err), BC_OK);
	bc_golden_free(db);
	db = NULL;
	free(changed);

	/* a signature over the right bytes made by another key */
	write_file(t.db, valid_db, strlen(valid_db));
	sign_to(other, valid_db, strlen(valid_db), t.sig);
	assert_int_equal(bc_golden_load(t.db, t.pub, NULL, &db, &err), BC_E_MISMATCH);
	assert_int_equal(bc_golden_load(t.db, t.other_pub, NULL, &db, &err), BC_OK);
	bc_golden_free(db);
	db = NULL;

	/* a truncated signature, an empty one */
	FILE *f = fopen(t.sig, "r+b");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), 10), 0);
	fclose(f);
	assert_int_equal(bc_golden_load(t.db, t.other_pub, NULL, &db, &err), BC_E_MISMATCH);
	write_file(t.sig, "", 0);
	assert_int_equal(bc_golden_load(t.db, t.other_pub, NULL, &db, &err), BC_E_MISMATCH);
	assert_null(db);

	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	remove_tmp(&t);
}

static void test_ec_signed_database(void **state)
{
	(void)state;
	check_signed_database(false);
}

static void test_rsa_signed_database(void **state)
{
	(void)state;
	check_signed_database(true);
}

static void test_bad_public_key_files(void **state)
{
	(void)state;
	tmp t;
	bc_golden *db = NULL;
	bc_error err = {0};
	EVP_PKEY *key = new_key(false);
	make_tmp(&t);
	write_file(t.db, valid_db, strlen(valid_db));
	sign_to(key, valid_db, strlen(valid_db), t.sig);

	write_file(t.pub, "garbage\n", 8);
	assert_int_equal(bc_golden_load(t.db, t.pub, NULL, &db, &err), BC_E_FORMAT);
	assert_null(db);
	if (!strstr(err.msg, "not a PEM public key") || !strstr(err.msg, t.pub))
		fail_msg("message '%s'", err.msg);

	/* a private key is not a public key file */
	FILE *f = fopen(t.pub, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	assert_int_equal(bc_golden_load(t.db, t.pub, NULL, &db, &err), BC_E_FORMAT);

	write_file(t.pub, "", 0);
	assert_int_equal(bc_golden_load(t.db, t.pub, NULL, &db, &err), BC_E_FORMAT);

	assert_int_equal(unlink(t.pub), 0);
	assert_int_equal(bc_golden_load(t.db, t.pub, NULL, &db, &err), BC_E_IO);
	assert_non_null(strstr(err.msg, t.pub));
	assert_null(db);
	EVP_PKEY_free(key);
	remove_tmp(&t);
}

static void test_load_from_files(void **state)
{
	(void)state;
	tmp t;
	bc_golden *db = NULL;
	bc_error err = {0};
	make_tmp(&t);
	/* a missing file */
	assert_int_equal(bc_golden_load(t.db, NULL, NULL, &db, &err), BC_E_IO);
	assert_non_null(strstr(err.msg, t.db));
	/* a 0-byte file: malformed, named */
	write_file(t.db, "", 0);
	assert_int_equal(bc_golden_load(t.db, NULL, NULL, &db, &err), BC_E_FORMAT);
	assert_null(db);
	if (!strstr(err.msg, t.db) || !strstr(err.msg, "line"))
		fail_msg("message '%s'", err.msg);
	/* a NUL byte in the file */
	char with_nul[sizeof(valid_db)];
	memcpy(with_nul, valid_db, sizeof(valid_db));
	with_nul[10] = 0;
	write_file(t.db, with_nul, sizeof(valid_db) - 1);
	assert_int_equal(bc_golden_load(t.db, NULL, NULL, &db, &err), BC_E_FORMAT);
	assert_null(db);
	/* larger than the cap (a sparse file): refused before it is read */
	FILE *f = fopen(t.db, "w");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), (off_t)BC_GOLDEN_MAX_SIZE + 1), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(bc_golden_load(t.db, NULL, NULL, &db, &err), BC_E_LIMIT);
	assert_non_null(strstr(err.msg, "larger than"));
	assert_null(db);
	/* a directory */
	assert_int_not_equal(bc_golden_load(t.dir, NULL, NULL, &db, &err), BC_OK);
	assert_null(db);
	/* the path is the name in messages */
	write_file(t.db, "{\"format\": \"x\"}", 15);
	assert_int_equal(bc_golden_load(t.db, NULL, NULL, &db, &err), BC_E_FORMAT);
	assert_non_null(strstr(err.msg, t.db));
	write_file(t.db, valid_db, strlen(valid_db));
	assert_int_equal(bc_golden_load(t.db, NULL, NULL, &db, &err), BC_OK);
	assert_non_null(bc_golden_find(db, "kernel"));
	bc_golden_free(db);
	bc_golden_free(NULL);
	remove_tmp(&t);
}

static void test_signature_verify_directly(void **state)
{
	(void)state;
	tmp t;
	bc_error err = {0};
	EVP_PKEY *key = new_key(false);
	make_tmp(&t);
	write_public_key(key, t.pub);
	sign_to(key, "hello", 5, t.sig);
	FILE *f = fopen(t.sig, "rb");
	assert_non_null(f);
	unsigned char sig[256];
	size_t n = fread(sig, 1, sizeof(sig), f);
	fclose(f);
	assert_int_equal(bc_signature_verify("hello", 5, sig, n, t.pub, &err), BC_OK);
	assert_int_equal(bc_signature_verify("hellO", 5, sig, n, t.pub, &err), BC_E_MISMATCH);
	sig[n / 2] ^= 1;
	assert_int_equal(bc_signature_verify("hello", 5, sig, n, t.pub, &err), BC_E_MISMATCH);
	assert_int_equal(bc_signature_verify("hello", 5, sig, 0, t.pub, &err), BC_E_MISMATCH);
	EVP_PKEY_free(key);
	remove_tmp(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_database_loads_components_in_order),
	    cmocka_unit_test(test_valid_database_loads_versions_and_sources),
	    cmocka_unit_test(test_valid_database_loads_expected_pcrs),
	    cmocka_unit_test(test_source_description_and_event),
	    cmocka_unit_test(test_minimal_database_loads),
	    cmocka_unit_test(test_find_by_name),
	    cmocka_unit_test(test_match_gives_the_version_index),
	    cmocka_unit_test(test_match_on_the_banks_in_common),
	    cmocka_unit_test(test_one_bank_equal_another_different_differs),
	    cmocka_unit_test(test_match_verdicts),
	    cmocka_unit_test(test_verdict_names),
	    cmocka_unit_test(test_rejects_other_format_versions),
	    cmocka_unit_test(test_rejects_text_that_is_not_json),
	    cmocka_unit_test(test_rejects_duplicate_keys),
	    cmocka_unit_test(test_rejects_unknown_keys),
	    cmocka_unit_test(test_rejects_bad_digests),
	    cmocka_unit_test(test_rejects_bad_pcrs),
	    cmocka_unit_test(test_rejects_bad_components),
	    cmocka_unit_test(test_rejects_duplicate_component_names),
	    cmocka_unit_test(test_rejects_huge_numbers),
	    cmocka_unit_test(test_deeply_nested_arrays_do_not_crash),
	    cmocka_unit_test(test_rejects_empty_input_and_nul_bytes),
	    cmocka_unit_test(test_load_from_files),
	    cmocka_unit_test(test_ec_signed_database),
	    cmocka_unit_test(test_rsa_signed_database),
	    cmocka_unit_test(test_bad_public_key_files),
	    cmocka_unit_test(test_signature_verify_directly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
