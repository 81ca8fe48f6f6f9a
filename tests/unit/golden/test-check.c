/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checking event logs against golden databases (golden/check.c), predicting PCR values
 * from them (golden/predict.c) and building them from logs (golden/build.c), on small
 * crypto-agile logs (sha1 and sha256) built byte by byte here. Every digest and every
 * expected PCR value is computed here with OpenSSL, independently of the library.
 */
#include "config.h"

#include <dirent.h>
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

#include <bootchain/eventlog.h>
#include <bootchain/golden.h>

#include "golden/golden-build.h"
#include "golden/golden-internal.h"

/* ---- digests, computed with OpenSSL ---- */

static size_t alg_size(uint16_t alg)
{
	return alg == BC_ALG_SHA1 ? 20 : 32;
}

static void hash(uint16_t alg, const void *data, size_t size, uint8_t *out)
{
	unsigned int n = 0;
	const EVP_MD *md = alg == BC_ALG_SHA1 ? EVP_sha1() : EVP_sha256();
	assert_int_equal(EVP_Digest(data, size, out, &n, md, NULL), 1);
	assert_int_equal(n, alg_size(alg));
}

/* value = H(value || digest) */
static void extend(uint16_t alg, uint8_t *value, const uint8_t *digest)
{
	uint8_t joined[64];
	size_t size = alg_size(alg);
	memcpy(joined, value, size);
	memcpy(joined + size, digest, size);
	hash(alg, joined, 2 * size, value);
}

/* The value of a PCR starting at start (NULL: zero) extended with the digests of tags. */
static void expected_value(uint16_t alg, const uint8_t *start, const char *const *tags,
			   size_t count, uint8_t *out)
{
	uint8_t d[32];
	memset(out, 0, alg_size(alg));
	if (start)
		memcpy(out, start, alg_size(alg));
	for (size_t i = 0; i < count; i++) {
		hash(alg, tags[i], strlen(tags[i]), d);
		extend(alg, out, d);
	}
}

/* ---- a tiny crypto-agile log builder ---- */

typedef struct logbuf {
	uint8_t bytes[8192];
	size_t len;
} logbuf;

static void put(logbuf *b, const void *p, size_t n)
{
	assert_true(b->len + n <= sizeof(b->bytes));
	memcpy(b->bytes + b->len, p, n);
	b->len += n;
}

static void put_u32(logbuf *b, uint32_t v)
{
	uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(b, le, 4);
}

static void put_u16(logbuf *b, uint16_t v)
{
	uint8_t le[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	put(b, le, 2);
}

static void put_u64(logbuf *b, uint64_t v)
{
	put_u32(b, (uint32_t)v);
	put_u32(b, (uint32_t)(v >> 32));
}

/* A log that starts with the SHA-1-format Spec ID event for sha1 and sha256. */
static void start_log(logbuf *b)
{
	static const uint8_t zero[20];
	b->len = 0;
	put_u32(b, 0);
	put_u32(b, BC_EV_NO_ACTION);
	put(b, zero, 20);
	put_u32(b, 16 + 4 + 4 + 4 + 4 * 2 + 1);
	put(b, "Spec ID Event03", 16);
	put_u32(b, 0);
	put(b, "\x00\x02\x00\x02", 4);
	put_u32(b, 2);
	put_u16(b, BC_ALG_SHA1);
	put_u16(b, 20);
	put_u16(b, BC_ALG_SHA256);
	put_u16(b, 32);
	put(b, "", 1);
}

/* TCG_PCR_EVENT2 with the given sha1 and sha256 digests and data. */
static void put_event_digests(logbuf *b, uint32_t pcr, uint32_t type, const uint8_t *sha1,
			      const uint8_t *sha256, const void *data, size_t size)
{
	put_u32(b, pcr);
	put_u32(b, type);
	put_u32(b, 2);
	put_u16(b, BC_ALG_SHA1);
	put(b, sha1, 20);
	put_u16(b, BC_ALG_SHA256);
	put(b, sha256, 32);
	put_u32(b, (uint32_t)size);
	put(b, data, size);
}

/* An event whose digests are those of its data. */
static void put_event_data(logbuf *b, uint32_t pcr, uint32_t type, const void *data, size_t size)
{
	uint8_t sha1[20], sha256[32];
	hash(BC_ALG_SHA1, data, size, sha1);
	hash(BC_ALG_SHA256, data, size, sha256);
	put_event_digests(b, pcr, type, sha1, sha256, data, size);
}

/* An event whose data is tag (and whose digests are therefore those of tag). */
static void put_event(logbuf *b, uint32_t pcr, uint32_t type, const char *tag)
{
	put_event_data(b, pcr, type, tag, strlen(tag));
}

/* An EV_NO_ACTION event (zero digests) with data. */
static void put_no_action(logbuf *b, uint32_t pcr, const void *data, size_t size)
{
	static const uint8_t zero[32];
	put_event_digests(b, pcr, BC_EV_NO_ACTION, zero, zero, data, size);
}

/* StartupLocality (PFP 10.4.5.3): "StartupLocality\0" and the locality. */
static void put_startup_locality(logbuf *b, uint8_t locality)
{
	uint8_t data[17];
	memcpy(data, "StartupLocality", 16);
	data[16] = locality;
	put_no_action(b, 0, data, sizeof(data));
}

/* A UEFI_VARIABLE_DATA with an ASCII name, as firmware measures it into PCR 7. */
static void put_variable(logbuf *b, uint32_t pcr, uint32_t type, const char *name, uint8_t value)
{
	logbuf data = {.len = 0};
	static const uint8_t guid[16] = {0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
					 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c};
	put(&data, guid, sizeof(guid));
	put_u64(&data, strlen(name));
	put_u64(&data, 1);
	for (const char *p = name; *p; p++)
		put_u16(&data, (uint16_t)*p);
	put(&data, &value, 1);
	put_event_data(b, pcr, type, data.bytes, data.len);
}

static bc_log *parse_ok(const logbuf *b)
{
	bc_log *log = NULL;
	bc_error err = {0};
	if (bc_log_from_memory(b->bytes, b->len, "test.log", &log, &err) != BC_OK)
		fail_msg("parse failed: %s", err.msg);
	return log;
}

/* ---- databases from JSON text ---- */

static void put_hex(FILE *f, uint16_t alg, const char *tag)
{
	uint8_t d[32];
	hash(alg, tag, strlen(tag), d);
	for (size_t i = 0; i < alg_size(alg); i++)
		fprintf(f, "%02x", d[i]);
}

/*
 * The text with its placeholders replaced: <1:tag> and <256:tag> by the hex sha1 and
 * sha256 digest of tag, <tag> by a digests object with both.
 */
static char *expand(const char *text)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);
	assert_non_null(f);
	for (const char *p = text; *p; p++) {
		char tag[64];
		if (*p != '<') {
			fputc(*p, f);
			continue;
		}
		const char *end = strchr(p, '>');
		assert_non_null(end);
		assert_true((size_t)(end - p - 1) < sizeof(tag));
		memcpy(tag, p + 1, (size_t)(end - p - 1));
		tag[end - p - 1] = 0;
		if (strncmp(tag, "1:", 2) == 0) {
			put_hex(f, BC_ALG_SHA1, tag + 2);
		} else if (strncmp(tag, "256:", 4) == 0) {
			put_hex(f, BC_ALG_SHA256, tag + 4);
		} else {
			fputs("{\"sha1\": \"", f);
			put_hex(f, BC_ALG_SHA1, tag);
			fputs("\", \"sha256\": \"", f);
			put_hex(f, BC_ALG_SHA256, tag);
			fputs("\"}", f);
		}
		p = end;
	}
	assert_int_equal(fclose(f), 0);
	return out;
}

/* A component: name, PCR, more members (", \"required\": false"), versions. */
#define COMP(name, pcr, more, versions) \
	"{\"name\": \"" name "\", \"pcr\": " #pcr more ", \"versions\": [" versions "]}"
/* A version with both digests of tag. */
#define VER(tag) "{\"digests\": <" tag ">}"
/* A component of one version, whose digests are those of its name. */
#define ONE(name, pcr) COMP(name, pcr, "", VER(name))

/* A database of these components, then more top-level members (or NULL). */
static bc_golden *db_load(const char *components, const char *more)
{
	char *text = NULL;
	bc_golden *db = NULL;
	bc_error err = {0};
	assert_true(asprintf(&text,
			     "{\"format\": \"bootchain-golden-v1\", \"components\": [%s]%s%s}",
			     components, more ? ", " : "", more ? more : "") > 0);
	char *json = expand(text);
	if (bc_golden_from_memory(json, strlen(json), "db.json", &db, &err) != BC_OK)
		fail_msg("load failed: %s\n%s", err.msg, json);
	free(json);
	free(text);
	return db;
}

static bc_golden_report *check(const bc_golden *db, const logbuf *b, bool all_events)
{
	bc_golden_report *rep = NULL;
	bc_error err = {0};
	bc_log *log = parse_ok(b);
	if (bc_golden_check_log(db, log, all_events, &rep, &err) != BC_OK)
		fail_msg("check failed: %s", err.msg);
	bc_log_free(log);
	assert_non_null(rep);
	return rep;
}

/* The result of event number (in the log) in the report, or NULL. */
static const bc_golden_event_result *event_numbered(const bc_golden_report *rep, uint32_t number)
{
	for (size_t i = 0; i < rep->event_count; i++)
		if (rep->events[i].number == number)
			return &rep->events[i];
	return NULL;
}

static void expect_verdict(const bc_golden_report *rep, uint32_t number,
			   bc_golden_event_verdict verdict, const char *component)
{
	const bc_golden_event_result *r = event_numbered(rep, number);
	if (!r)
		fail_msg("event %u is not in the report", number);
	if (r->verdict != verdict)
		fail_msg("event %u is %s, not %s", number, bc_golden_event_verdict_name(r->verdict),
			 bc_golden_event_verdict_name(verdict));
	if (component) {
		assert_non_null(r->component);
		assert_string_equal(r->component->name, component);
	} else {
		assert_null(r->component);
	}
}

static bool is_missing(const bc_golden_report *rep, const char *name)
{
	for (size_t i = 0; i < rep->missing_count; i++)
		if (strcmp(rep->missing[i]->name, name) == 0)
			return true;
	return false;
}

/* ---- checking logs: verdicts ---- */

/* crtm in PCR 0; shim, grub in PCR 4; sb in PCR 7 */
#define BOOT_COMPONENTS ONE("crtm", 0) "," ONE("shim", 4) "," ONE("grub", 4) "," ONE("sb", 7)

static void put_boot(logbuf *b)
{
	start_log(b);
	put_event(b, 0, BC_EV_S_CRTM_VERSION, "crtm");		      /* 1 */
	put_event(b, 7, BC_EV_EFI_VARIABLE_DRIVER_CONFIG, "sb");      /* 2 */
	put_event(b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "shim"); /* 3 */
	put_event(b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "grub"); /* 4 */
}

static void test_check_every_event_known_matches(void **state)
{
	(void)state;
	logbuf b;
	put_boot(&b);
	bc_golden *db = db_load(BOOT_COMPONENTS, NULL);
	bc_golden_report *rep = check(db, &b, false);
	assert_true(rep->match);
	assert_int_equal(rep->known, 4);
	assert_int_equal(rep->changed + rep->unexpected + rep->not_covered, 0);
	assert_int_equal(rep->event_count, 0);
	assert_int_equal(rep->missing_count, 0);
	assert_int_equal(rep->pcr_mismatch_count, 0);
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

static void test_check_changed_digest_names_the_component(void **state)
{
	(void)state;
	logbuf b;
	start_log(&b);
	put_event(&b, 0, BC_EV_S_CRTM_VERSION, "crtm");
	put_event(&b, 7, BC_EV_EFI_VARIABLE_DRIVER_CONFIG, "sb");
	put_event(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "shim-evil"); /* 3 */
	put_event(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "grub");
	bc_golden *db = db_load(BOOT_COMPONENTS, NULL);
	bc_golden_report *rep = check(db, &b, false);
	assert_false(rep->match);
	assert_int_equal(rep->changed, 1);
	assert_int_equal(rep->known, 3);
	assert_int_equal(rep->event_count, 1);
	expect_verdict(rep, 3, BC_EVENT_CHANGED, "shim");
	assert_int_equal(rep->events[0].pcr, 4);
	assert_int_equal(rep->events[0].type, BC_EV_EFI_BOOT_SERVICES_APPLICATION);
	assert_true(rep->events[0].summary[0] != 0); /* words where there is a problem */
	assert_int_equal(rep->missing_count, 0);     /* shim was measured, only not as allowed */
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

/* An unknown event in PCR 5, which has no components. */
static void put_boot_with_extra(logbuf *b)
{
	put_boot(b);
	put_event(b, 5, BC_EV_EFI_GPT_EVENT, "gpt"); /* 5 */
}

static void test_check_unknown_event_in_explained_pcr_is_unexpected(void **state)
{
	(void)state;
	logbuf b;
	put_boot_with_extra(&b);
	bc_golden *db = db_load(BOOT_COMPONENTS, "\"explained_pcrs\": [0, 4, 5, 7]");
	bc_golden_report *rep = check(db, &b, false);
	assert_false(rep->match);
	assert_int_equal(rep->unexpected, 1);
	assert_int_equal(rep->not_covered, 0);
	assert_int_equal(rep->known, 4);
	expect_verdict(rep, 5, BC_EVENT_UNEXPECTED, NULL);
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

static void test_check_unknown_event_in_other_pcr_is_not_covered(void **state)
{
	(void)state;
	logbuf b;
	put_boot_with_extra(&b);
	bc_golden *db = db_load(BOOT_COMPONENTS, "\"explained_pcrs\": [0, 4, 7]");
	bc_golden_report *rep = check(db, &b, false);
	assert_true(rep->match);
	assert_int_equal(rep->not_covered, 1);
	assert_int_equal(rep->unexpected, 0);
	expect_verdict(rep, 5, BC_EVENT_NOT_COVERED, NULL);
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

static void test_check_extra_event_after_the_last_component_is_unexpected(void **state)
{
	(void)state;
	logbuf b;
	put_boot(&b);
	put_event(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "kernel"); /* 5 */
	bc_golden *db = db_load(BOOT_COMPONENTS, "\"explained_pcrs\": [4]");
	bc_golden_report *rep = check(db, &b, false);
	assert_false(rep->match);
	expect_verdict(rep, 5, BC_EVENT_UNEXPECTED, NULL);
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

static void test_check_required_component_never_measured_is_missing(void **state)
{
	(void)state;
	logbuf b;
	put_boot(&b);
	bc_golden *db = db_load(BOOT_COMPONENTS "," ONE("kernel", 9), NULL);
	bc_golden_report *rep = check(db, &b, false);
	assert_false(rep->match);
	assert_int_equal(rep->missing_count, 1);
	assert_string_equal(rep->missing[0]->name, "kernel");
	assert_int_equal(rep->known, 4);
	assert_int_equal(rep->event_count, 0);
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

static void test_check_optional_component_never_measured_is_not_missing(void **state)
{
	(void)state;
	logbuf b;
	put_boot(&b);
	bc_golden *db = db_load(
	    BOOT_COMPONENTS "," COMP("kernel", 9, ", \"required\": false", VER("kernel")), NULL);
	bc_golden_report *rep = check(db, &b, false);
	assert_true(rep->match);
	assert_int_equal(rep->missing_count, 0);
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

static void test_check_components_out_of_order_are_known(void **state)
{
	(void)state;
	logbuf b;
	start_log(&b);
	put_event(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "grub");
	put_event(&b, 0, BC_EV_S_CRTM_VERSION, "crtm");
	put_event(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "shim");
	put_event(&b, 7, BC_EV_EFI_VARIABLE_DRIVER_CONFIG, "sb");
	bc_golden *db = db_load(BOOT_COMPONENTS, "\"explained_pcrs\": [0, 4, 7]");
	bc_golden_report *rep = check(db, &b, true);
	assert_true(rep->match);
	assert_int_equal(rep->known, 4);
	expect_verdict(rep, 1, BC_EVENT_KNOWN, "grub");
	expect_verdict(rep, 3, BC_EVENT_KNOWN, "shim");
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

static void test_check_skipped_component_is_missing_and_the_next_known(void **state)
{
	(void)state;
	logbuf b;
	start_log(&b);
	put_event(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "shim");	 /* 1 */
	put_event(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "kernel"); /* 2: grub skipped */
	bc_golden *db = db_load(ONE("shim", 4) "," ONE("grub", 4) "," ONE("kernel", 4),
				"\"explained_pcrs\": [4]");
	bc_golden_report *rep = check(db, &b, true);
	assert_false(rep->match);
	expect_verdict(rep, 1, BC_EVENT_KNOWN, "shim");
	expect_verdict(rep, 2, BC_EVENT_KNOWN, "kernel");
	assert_int_equal(rep->missing_count, 1);
	assert_true(is_missing(rep, "grub"));
	assert_int_equal(rep->changed + rep->unexpected, 0);
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

static void test_check_no_action_events_are_not_judged(void **state)
{
	(void)state;
	logbuf b;
	start_log(&b);
	put_event(&b, 0, BC_EV_S_CRTM_VERSION, "crtm");
	put_no_action(&b, 4, "not a measurement", 17); /* 2, in an explained PCR */
	put_event(&b, 7, BC_EV_EFI_VARIABLE_DRIVER_CONFIG, "sb");
	put_event(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "shim");
	put_event(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "grub");
	bc_golden *db = db_load(BOOT_COMPONENTS, "\"explained_pcrs\": [0, 4, 7]");
	bc_golden_report *rep = check(db, &b, true);
	assert_true(rep->match);
	assert_int_equal(rep->known, 4);
	assert_int_equal(rep->event_count, 4);
	assert_null(event_numbered(rep, 0)); /* the Spec ID event */
	assert_null(event_numbered(rep, 2));
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

/* shim may only be an EFI application; grub is of any type. */
#define TYPED_COMPONENTS                                                                       \
	COMP("shim", 4, ", \"event_type\": \"EV_EFI_BOOT_SERVICES_APPLICATION\"", VER("shim")) \
	"," ONE("grub", 4)

static void test_check_event_type_limits_changed_events(void **state)
{
	(void)state;
	logbuf b;
	start_log(&b);
	put_event(&b, 4, BC_EV_EFI_ACTION, "other action");		    /* 1: not shim's type */
	put_event(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "shim-evil"); /* 2: shim's type */
	put_event(&b, 4, BC_EV_EFI_ACTION, "grub-evil"); /* 3: grub takes any type */
	const char *const explained[] = {"\"explained_pcrs\": [4]", "\"open_pcrs\": [4]"};
	for (size_t i = 0; i < 2; i++) {
		bc_golden *db = db_load(TYPED_COMPONENTS, explained[i]);
		bc_golden_report *rep = check(db, &b, true);
		assert_false(rep->match);
		expect_verdict(rep, 1, i == 0 ? BC_EVENT_UNEXPECTED : BC_EVENT_NOT_COVERED, NULL);
		expect_verdict(rep, 2, BC_EVENT_CHANGED, "shim");
		expect_verdict(rep, 3, BC_EVENT_CHANGED, "grub");
		assert_int_equal(rep->changed, 2);
		bc_golden_report_free(rep);
		bc_golden_free(db);
	}
}

/* ---- the attested view: what a quote vouches for ---- */

/* Quoted values of one bank: PCR pcr extended with the digests of tags (the TPM's
 * view, computed here), every other PCR of mask at zero. */
static void quote_bank(bc_pcr_values *v, bc_pcr_selection *sel, uint16_t alg, uint32_t mask,
		       uint32_t pcr, const char *const *tags, size_t count)
{
	bc_pcr_bank *bank = NULL;
	assert_int_equal(bc_pcr_selection_add(sel, alg, mask, NULL), BC_OK);
	assert_int_equal(bc_pcr_values_add_bank(v, alg, &bank, NULL), BC_OK);
	memset(bank->values, 0, sizeof(bank->values));
	expected_value(alg, NULL, tags, count, bank->values[pcr]);
	bank->mask = mask;
}

static bc_golden_report *check_view(const bc_golden *db, const logbuf *b,
				    const bc_pcr_selection *sel, const bc_pcr_values *values,
				    bc_attested_view *view)
{
	bc_golden_report *rep = NULL;
	bc_error err = {0};
	bc_log *log = parse_ok(b);
	assert_int_equal(bc_log_attest(log, sel, values, view, &err), BC_OK);
	if (bc_golden_check_view(db, log, view, true, &rep, &err) != BC_OK)
		fail_msg("check failed: %s", err.msg);
	bc_log_free(log);
	return rep;
}

/* The TPM extended "evil" into PCR 4 in both banks; the log claims shim's sha256 digest.
 * Quoted in sha1 only, the sha256 claim is never read: the event is shim, changed. */
static void test_view_judges_only_attested_banks(void **state)
{
	(void)state;
	logbuf b;
	uint8_t sha1[20], sha256[32];
	const char *const evil[] = {"evil"};
	bc_pcr_values values = {0};
	bc_pcr_selection sel = {0};
	bc_attested_view view;
	start_log(&b);
	hash(BC_ALG_SHA1, "evil", 4, sha1);
	hash(BC_ALG_SHA256, "shim", 4, sha256);
	put_event_digests(&b, 4, BC_EV_EVENT_TAG, sha1, sha256, "x", 1);
	quote_bank(&values, &sel, BC_ALG_SHA1, 1u << 4, 4, evil, 1);
	bc_golden *db = db_load(ONE("shim", 4), NULL);
	bc_golden_report *rep = check_view(db, &b, &sel, &values, &view);
	assert_true(view.complete);
	assert_int_equal(bc_attested_view_banks_mask(&view, BC_ALG_SHA1), 1u << 4);
	assert_int_equal(bc_attested_view_banks_mask(&view, BC_ALG_SHA256), 0);
	assert_false(rep->match);
	expect_verdict(rep, 1, BC_EVENT_CHANGED, "shim");
	assert_int_equal(rep->events[0].digests.count, 1);
	assert_int_equal(rep->events[0].digests.digests[0].alg, BC_ALG_SHA1);
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

/* A quoted pair that an event cannot replay (no digest of that bank) is not attested,
 * names the event, and its PCR is not judged: the required component there is missing. */
static void test_view_event_without_quoted_bank(void **state)
{
	(void)state;
	logbuf b;
	uint8_t sha1[20];
	const char *const shim[] = {"shim"};
	bc_pcr_values values = {0};
	bc_pcr_selection sel = {0};
	bc_attested_view view;
	start_log(&b);
	hash(BC_ALG_SHA1, "shim", 4, sha1);
	/* only a sha1 digest */
	put_u32(&b, 4);
	put_u32(&b, BC_EV_EVENT_TAG);
	put_u32(&b, 1);
	put_u16(&b, BC_ALG_SHA1);
	put(&b, sha1, 20);
	put_u32(&b, 1);
	put(&b, "x", 1);
	quote_bank(&values, &sel, BC_ALG_SHA256, 1u << 4, 4, shim, 1);
	bc_golden *db = db_load(ONE("shim", 4), NULL);
	bc_golden_report *rep = check_view(db, &b, &sel, &values, &view);
	assert_false(view.complete);
	assert_int_equal(view.pairs_quoted, 1);
	assert_int_equal(view.pairs_attested, 0);
	assert_non_null(strstr(view.problem, "sha256 PCR 4: event 1 has no sha256 digest"));
	assert_false(rep->match);
	assert_int_equal(rep->event_count, 0);
	assert_int_equal(rep->missing_count, 1);
	assert_int_equal(rep->unjudged_pcrs, 1u << 4);
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

/* A component with digests only in banks that are not attested is unverifiable. */
static void test_view_component_in_other_bank_is_unverifiable(void **state)
{
	(void)state;
	logbuf b;
	const char *const shim[] = {"shim"};
	bc_pcr_values values = {0};
	bc_pcr_selection sel = {0};
	bc_attested_view view;
	start_log(&b);
	put_event(&b, 4, BC_EV_EVENT_TAG, "shim");
	quote_bank(&values, &sel, BC_ALG_SHA256, 1u << 4, 4, shim, 1);
	bc_golden *db =
	    db_load(COMP("shim", 4, "", "{\"digests\": {\"sha1\": \"<1:shim>\"}}"), NULL);
	bc_golden_report *rep = check_view(db, &b, &sel, &values, &view);
	assert_true(view.complete);
	assert_false(rep->match);
	expect_verdict(rep, 1, BC_EVENT_UNVERIFIABLE, "shim");
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

/* "pcrs" final values: judged on attested pairs only; one listed for a pair not quoted
 * fails even when the log would replay to it. */
static void test_view_final_value_of_unquoted_pcr_fails(void **state)
{
	(void)state;
	logbuf b;
	char more[160], hex[65];
	uint8_t pcr7[32];
	const char *const shim[] = {"shim"}, *const cfg[] = {"cfg"};
	bc_pcr_values values = {0};
	bc_pcr_selection sel = {0};
	bc_attested_view view;
	start_log(&b);
	put_event(&b, 4, BC_EV_EVENT_TAG, "shim");
	put_event(&b, 7, BC_EV_EVENT_TAG, "cfg");
	expected_value(BC_ALG_SHA256, NULL, cfg, 1, pcr7);
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", pcr7[i]);
	snprintf(more, sizeof(more), "\"pcrs\": {\"sha256\": {\"7\": [\"%s\"]}}", hex);
	quote_bank(&values, &sel, BC_ALG_SHA256, 1u << 4, 4, shim, 1);
	bc_golden *db = db_load(ONE("shim", 4), more);
	bc_golden_report *rep = check_view(db, &b, &sel, &values, &view);
	assert_false(rep->match);
	assert_int_equal(rep->pcr_mismatch_count, 1);
	assert_int_equal(rep->pcr_mismatches[0].pcr, 7);
	assert_int_equal(rep->pcr_mismatches[0].value.size, 0);
	bc_golden_report_free(rep);
	/* the same log, checked locally (every bank at its word), replays to the value */
	rep = check(db, &b, false);
	assert_true(rep->match);
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

/* Fail closed: a PCR with a component is explained without "explained_pcrs". */
static void test_pcr_with_component_is_explained(void **state)
{
	(void)state;
	logbuf b;
	start_log(&b);
	put_event(&b, 8, BC_EV_EVENT_TAG, "kernel");
	put_event(&b, 8, BC_EV_EVENT_TAG, "extra");
	bc_golden *db = db_load(ONE("kernel", 8), NULL);
	bc_golden_report *rep = check(db, &b, true);
	assert_false(rep->match);
	expect_verdict(rep, 2, BC_EVENT_UNEXPECTED, NULL);
	bc_golden_report_free(rep);
	bc_golden_free(db);
	db = db_load(ONE("kernel", 8), "\"open_pcrs\": [8]");
	rep = check(db, &b, true);
	assert_true(rep->match);
	expect_verdict(rep, 2, BC_EVENT_NOT_COVERED, NULL);
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

static void test_pcr_both_explained_and_open_is_refused(void **state)
{
	(void)state;
	bc_golden *db = NULL;
	bc_error err = {0};
	const char *text = "{\"format\": \"bootchain-golden-v1\", \"components\": [], "
			   "\"explained_pcrs\": [7], \"open_pcrs\": [7]}";
	assert_int_equal(bc_golden_from_memory(text, strlen(text), "db.json", &db, &err),
			 BC_E_FORMAT);
	assert_non_null(strstr(err.msg, "PCR 7"));
}

/* What a quote must cover for the database to judge it. */
static void test_quote_covers(void **state)
{
	(void)state;
	char why[128];
	bc_pcr_selection sel = {0};
	bc_golden *db = db_load(ONE("shim", 4) ", " ONE("kernel", 8), NULL);
	assert_int_equal(bc_pcr_selection_parse("sha256:4,8", &sel, NULL), BC_OK);
	assert_true(bc_golden_quote_covers(db, &sel, why, sizeof(why)));
	assert_int_equal(bc_pcr_selection_parse("sha256:4+sha1:8", &sel, NULL), BC_OK);
	assert_true(bc_golden_quote_covers(db, &sel, why, sizeof(why)));
	assert_int_equal(bc_pcr_selection_parse("sha256:4", &sel, NULL), BC_OK);
	assert_false(bc_golden_quote_covers(db, &sel, why, sizeof(why)));
	assert_non_null(strstr(why, "PCR 8"));
	/* a bank the database has no digests in does not count */
	assert_int_equal(bc_pcr_selection_parse("sha256:4+sha384:8", &sel, NULL), BC_OK);
	assert_false(bc_golden_quote_covers(db, &sel, why, sizeof(why)));
	bc_golden_free(db);
}

static void test_check_sha256_equal_but_sha1_different_is_not_known(void **state)
{
	(void)state;
	logbuf b;
	uint8_t sha1[20], sha256[32], grub1[20], grub256[32];
	hash(BC_ALG_SHA1, "forged", 6, sha1);
	hash(BC_ALG_SHA256, "shim", 4, sha256);
	hash(BC_ALG_SHA1, "grub", 4, grub1);
	hash(BC_ALG_SHA256, "grub", 4, grub256);
	bc_golden *db = db_load(ONE("shim", 4) "," ONE("grub", 4), "\"explained_pcrs\": [4]");

	/* shim expected next */
	start_log(&b);
	put_event_digests(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, sha1, sha256, "x", 1);
	bc_golden_report *rep = check(db, &b, true);
	assert_false(rep->match);
	assert_int_equal(rep->known, 0);
	expect_verdict(rep, 1, BC_EVENT_CHANGED, "shim");
	bc_golden_report_free(rep);

	/* found through the index: nothing expected any more in PCR 4 */
	start_log(&b);
	put_event_digests(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, grub1, grub256, "g", 1);
	put_event_digests(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, sha1, sha256, "x", 1);
	rep = check(db, &b, true);
	assert_false(rep->match);
	assert_int_equal(rep->known, 1);
	expect_verdict(rep, 1, BC_EVENT_KNOWN, "grub");
	expect_verdict(rep, 2, BC_EVENT_UNEXPECTED, NULL);
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

static void test_check_without_all_events_keeps_only_problems(void **state)
{
	(void)state;
	logbuf b;
	start_log(&b);
	put_event(&b, 0, BC_EV_S_CRTM_VERSION, "crtm");			   /* 1 known */
	put_event(&b, 5, BC_EV_EFI_GPT_EVENT, "gpt");			   /* 2 not covered */
	put_event(&b, 7, BC_EV_EFI_VARIABLE_DRIVER_CONFIG, "sb");	   /* 3 known */
	put_event(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "shim");	   /* 4 known */
	put_event(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "grub-new"); /* 5 changed */
	bc_golden *db = db_load(BOOT_COMPONENTS, NULL);
	bc_golden_report *rep = check(db, &b, false);
	assert_false(rep->match);
	assert_int_equal(rep->known, 3);
	assert_int_equal(rep->changed, 1);
	assert_int_equal(rep->not_covered, 1);
	assert_int_equal(rep->unexpected, 0);
	assert_int_equal(rep->event_count, 2);
	assert_int_equal(rep->events[0].number, 2);
	assert_int_equal(rep->events[0].pcr, 5);
	assert_int_equal(rep->events[0].verdict, BC_EVENT_NOT_COVERED);
	assert_int_equal(rep->events[1].number, 5);
	assert_int_equal(rep->events[1].pcr, 4);
	assert_int_equal(rep->events[1].verdict, BC_EVENT_CHANGED);
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

/* shim has two versions */
#define SHIM_15_7_AND_15_8 COMP("shim", 4, "", VER("shim-15.7") "," VER("shim-15.8"))
#define VERSIONED_COMPONENTS \
	ONE("crtm", 0) "," SHIM_15_7_AND_15_8 "," ONE("grub", 4) "," ONE("sb", 7)

static void test_check_with_all_events_keeps_every_extending_event(void **state)
{
	(void)state;
	logbuf b;
	start_log(&b);
	put_event(&b, 0, BC_EV_S_CRTM_VERSION, "crtm");			    /* 1 */
	put_no_action(&b, 0, "note", 4);				    /* 2 */
	put_event(&b, 5, BC_EV_EFI_GPT_EVENT, "gpt");			    /* 3 */
	put_event(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "shim-15.8"); /* 4 */
	put_event(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "grub-evil"); /* 5 */
	put_event(&b, 7, BC_EV_EFI_VARIABLE_DRIVER_CONFIG, "sb");	    /* 6 */
	bc_golden *db = db_load(VERSIONED_COMPONENTS, NULL);
	bc_golden_report *rep = check(db, &b, true);
	static const struct {
		uint32_t number, pcr, type;
		bc_golden_event_verdict verdict;
		const char *component;
		const char *tag;
	} want[] = {
	    {1, 0, BC_EV_S_CRTM_VERSION, BC_EVENT_KNOWN, "crtm", "crtm"},
	    {3, 5, BC_EV_EFI_GPT_EVENT, BC_EVENT_NOT_COVERED, NULL, "gpt"},
	    {4, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, BC_EVENT_KNOWN, "shim", "shim-15.8"},
	    {5, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, BC_EVENT_CHANGED, "grub", "grub-evil"},
	    {6, 7, BC_EV_EFI_VARIABLE_DRIVER_CONFIG, BC_EVENT_KNOWN, "sb", "sb"},
	};
	assert_false(rep->match);
	assert_int_equal(rep->event_count, 5);
	assert_int_equal(rep->known, 3);
	assert_int_equal(rep->changed, 1);
	assert_int_equal(rep->not_covered, 1);
	for (size_t i = 0; i < 5; i++) {
		const bc_golden_event_result *r = &rep->events[i];
		uint8_t sha1[20], sha256[32];
		assert_int_equal(r->number, want[i].number);
		assert_int_equal(r->pcr, want[i].pcr);
		assert_int_equal(r->type, want[i].type);
		expect_verdict(rep, want[i].number, want[i].verdict, want[i].component);
		hash(BC_ALG_SHA1, want[i].tag, strlen(want[i].tag), sha1);
		hash(BC_ALG_SHA256, want[i].tag, strlen(want[i].tag), sha256);
		assert_int_equal(r->digests.count, 2);
		assert_memory_equal(bc_digest_set_find(&r->digests, BC_ALG_SHA1)->bytes, sha1, 20);
		assert_memory_equal(bc_digest_set_find(&r->digests, BC_ALG_SHA256)->bytes, sha256,
				    32);
	}
	assert_int_equal(rep->events[2].version, 1); /* shim-15.8 is the second version */
	assert_true(rep->events[0].offset < rep->events[1].offset);
	bc_golden_report_free(rep);
	bc_golden_free(db);
}

/* "pcrs": {"sha256": {"4": [<other>, <hex>]}} */
static char *pcrs_member(const uint8_t *value)
{
	char hex[65], *text = NULL;
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", value[i]);
	assert_true(
	    asprintf(&text, "\"pcrs\": {\"sha256\": {\"4\": [\"<256:other>\", \"%s\"]}}", hex) > 0);
	return text;
}

static void test_check_allowed_final_value_passes(void **state)
{
	(void)state;
	logbuf b;
	uint8_t value[32];
	static const char *const pcr4[] = {"shim", "grub"};
	expected_value(BC_ALG_SHA256, NULL, pcr4, 2, value);
	put_boot(&b);
	char *pcrs = pcrs_member(value);
	bc_golden *db = db_load(BOOT_COMPONENTS, pcrs);
	bc_golden_report *rep = check(db, &b, false);
	assert_true(rep->match);
	assert_int_equal(rep->pcr_mismatch_count, 0);
	bc_golden_report_free(rep);
	bc_golden_free(db);
	free(pcrs);
}

static void test_check_other_final_value_is_a_mismatch(void **state)
{
	(void)state;
	logbuf b;
	uint8_t allowed[32], replayed[32];
	static const char *const pcr4[] = {"shim", "grub"}, *const reversed[] = {"grub", "shim"};
	expected_value(BC_ALG_SHA256, NULL, pcr4, 2, allowed);
	expected_value(BC_ALG_SHA256, NULL, reversed, 2, replayed);
	start_log(&b); /* every event known, in another order */
	put_event(&b, 0, BC_EV_S_CRTM_VERSION, "crtm");
	put_event(&b, 7, BC_EV_EFI_VARIABLE_DRIVER_CONFIG, "sb");
	put_event(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "grub");
	put_event(&b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "shim");
	char *pcrs = pcrs_member(allowed);
	bc_golden *db = db_load(BOOT_COMPONENTS, pcrs);
	bc_golden_report *rep = check(db, &b, false);
	assert_false(rep->match);
	assert_int_equal(rep->known, 4);
	assert_int_equal(rep->missing_count, 0);
	assert_int_equal(rep->pcr_mismatch_count, 1);
	assert_int_equal(rep->pcr_mismatches[0].alg, BC_ALG_SHA256);
	assert_int_equal(rep->pcr_mismatches[0].pcr, 4);
	assert_int_equal(rep->pcr_mismatches[0].value.alg, BC_ALG_SHA256);
	assert_int_equal(rep->pcr_mismatches[0].value.size, 32);
	assert_memory_equal(rep->pcr_mismatches[0].value.bytes, replayed, 32);
	bc_golden_report_free(rep);
	bc_golden_free(db);
	free(pcrs);
}

/* ---- predicting PCR values ---- */

static bc_golden_prediction *predict(const bc_golden *db, const char *selection, size_t max,
				     size_t *count)
{
	bc_pcr_selection sel;
	bc_golden_prediction *p = NULL;
	bc_error err = {0};
	if (selection)
		assert_int_equal(bc_pcr_selection_parse(selection, &sel, &err), BC_OK);
	if (bc_golden_predict(db, selection ? &sel : NULL, max, &p, count, &err) != BC_OK)
		fail_msg("predict failed: %s", err.msg);
	assert_non_null(p);
	return p;
}

static const bc_golden_prediction *prediction_of(const bc_golden_prediction *p, size_t count,
						 uint16_t alg, uint32_t pcr)
{
	for (size_t i = 0; i < count; i++)
		if (p[i].alg == alg && p[i].pcr == pcr)
			return &p[i];
	fail_msg("no prediction for %s PCR %u", bc_hash_alg_name(alg), pcr);
	return NULL;
}

static bool predicts(const bc_golden_prediction *p, const uint8_t *value)
{
	for (size_t i = 0; i < p->count; i++)
		if (p->values[i].alg == p->alg && p->values[i].size == alg_size(p->alg) &&
		    memcmp(p->values[i].bytes, value, p->values[i].size) == 0)
			return true;
	return false;
}

/* The prediction of alg/pcr is exactly the values of these sequences of tags. */
static void expect_values(const bc_golden_prediction *all, size_t count, uint16_t alg, uint32_t pcr,
			  const uint8_t *start, const char *const *seqs, size_t n, size_t len)
{
	const bc_golden_prediction *p = prediction_of(all, count, alg, pcr);
	assert_false(p->unknown);
	assert_false(p->capped);
	assert_int_equal(p->count, n);
	for (size_t i = 0; i < n; i++) {
		uint8_t value[32];
		expected_value(alg, start, seqs + i * len, len, value);
		if (!predicts(p, value))
			fail_msg("%s PCR %u: value %zu missing", bc_hash_alg_name(alg), pcr, i);
	}
}

static void test_predict_one_component(void **state)
{
	(void)state;
	static const char *const seq[] = {"shim"};
	size_t count;
	bc_golden *db = db_load(ONE("shim", 4), NULL);
	bc_golden_prediction *p = predict(db, NULL, 16, &count);
	assert_int_equal(count, 2); /* PCR 4 in sha1 and sha256 */
	expect_values(p, count, BC_ALG_SHA1, 4, NULL, seq, 1, 1);
	expect_values(p, count, BC_ALG_SHA256, 4, NULL, seq, 1, 1);
	bc_golden_predictions_free(p, count);
	bc_golden_free(db);
}

static void test_predict_two_versions_give_two_values(void **state)
{
	(void)state;
	static const char *const seqs[] = {"a", "b"};
	size_t count;
	bc_golden *db = db_load(COMP("shim", 4, "", VER("a") "," VER("b")), NULL);
	bc_golden_prediction *p = predict(db, NULL, 16, &count);
	assert_int_equal(count, 2);
	expect_values(p, count, BC_ALG_SHA1, 4, NULL, seqs, 2, 1);
	expect_values(p, count, BC_ALG_SHA256, 4, NULL, seqs, 2, 1);
	bc_golden_predictions_free(p, count);
	bc_golden_free(db);
}

#define TWO_BY_TWO \
	COMP("shim", 4, "", VER("a") "," VER("b")) "," COMP("grub", 4, "", VER("c") "," VER("d"))

static void test_predict_two_components_of_two_versions_give_four_values(void **state)
{
	(void)state;
	static const char *const seqs[] = {"a", "c", "a", "d", "b", "c", "b", "d"};
	size_t count;
	bc_golden *db = db_load(TWO_BY_TWO, NULL);
	bc_golden_prediction *p = predict(db, NULL, 16, &count);
	assert_int_equal(count, 2);
	expect_values(p, count, BC_ALG_SHA1, 4, NULL, seqs, 4, 2);
	expect_values(p, count, BC_ALG_SHA256, 4, NULL, seqs, 4, 2);
	bc_golden_predictions_free(p, count);
	bc_golden_free(db);
}

static void test_predict_counts_equal_outcomes_once(void **state)
{
	(void)state;
	static const char *const sha1_seqs[] = {"a", "b"}, *const sha256_seqs[] = {"a"};
	size_t count;
	/* two versions with the same sha256 digest: one sha256 value, two sha1 values */
	bc_golden *db =
	    db_load(COMP("shim", 4, "",
			 VER("a") ",{\"digests\": {\"sha1\": \"<1:b>\", \"sha256\": \"<256:a>\"}}"),
		    NULL);
	bc_golden_prediction *p = predict(db, NULL, 16, &count);
	expect_values(p, count, BC_ALG_SHA1, 4, NULL, sha1_seqs, 2, 1);
	expect_values(p, count, BC_ALG_SHA256, 4, NULL, sha256_seqs, 1, 1);
	bc_golden_predictions_free(p, count);
	bc_golden_free(db);
}

static void test_predict_max_values_caps(void **state)
{
	(void)state;
	size_t count;
	bc_golden *db = db_load(TWO_BY_TWO, NULL);
	bc_golden_prediction *p = predict(db, "sha256:4", 3, &count);
	assert_int_equal(count, 1);
	assert_true(p[0].capped);
	assert_int_equal(p[0].count, 3);
	assert_false(p[0].unknown);
	for (size_t i = 0; i < 3; i++) /* distinct */
		for (size_t j = 0; j < i; j++)
			assert_memory_not_equal(p[0].values[i].bytes, p[0].values[j].bytes, 32);
	bc_golden_predictions_free(p, count);
	p = predict(db, "sha256:4", 4, &count); /* exactly enough */
	assert_false(p[0].capped);
	assert_int_equal(p[0].count, 4);
	bc_golden_predictions_free(p, count);
	p = predict(db, "sha256:4", 1, &count);
	assert_true(p[0].capped);
	assert_int_equal(p[0].count, 1);
	bc_golden_predictions_free(p, count);
	bc_golden_free(db);
}

static void test_predict_version_without_the_bank_is_unknown(void **state)
{
	(void)state;
	static const char *const seqs[] = {"a", "b"};
	size_t count;
	bc_golden *db = db_load(
	    COMP("shim", 4, "", VER("a") ",{\"digests\": {\"sha256\": \"<256:b>\"}}"), NULL);
	bc_golden_prediction *p = predict(db, NULL, 16, &count);
	assert_int_equal(count, 2);
	assert_true(prediction_of(p, count, BC_ALG_SHA1, 4)->unknown);
	expect_values(p, count, BC_ALG_SHA256, 4, NULL, seqs, 2, 1);
	bc_golden_predictions_free(p, count);
	bc_golden_free(db);
}

static void test_predict_drtm_pcrs_start_at_all_ones(void **state)
{
	(void)state;
	static const char *const seq[] = {"sinit"};
	uint8_t ones[32];
	size_t count;
	memset(ones, 0xff, sizeof(ones));
	bc_golden *db = db_load(ONE("sinit", 17) "," ONE("acm", 22) "," ONE("os", 23), NULL);
	bc_golden_prediction *p = predict(db, NULL, 16, &count);
	assert_int_equal(count, 6);
	expect_values(p, count, BC_ALG_SHA1, 17, ones, seq, 1, 1);
	expect_values(p, count, BC_ALG_SHA256, 17, ones, seq, 1, 1);
	static const char *const acm[] = {"acm"}, *const os[] = {"os"};
	expect_values(p, count, BC_ALG_SHA256, 22, ones, acm, 1, 1);
	expect_values(p, count, BC_ALG_SHA256, 23, NULL, os, 1, 1); /* 23 resets to zero */
	bc_golden_predictions_free(p, count);
	bc_golden_free(db);
}

static void test_predict_startup_locality_sets_pcr0(void **state)
{
	(void)state;
	static const char *const crtm[] = {"crtm"}, *const shim[] = {"shim"};
	uint8_t three[32] = {0};
	size_t count;
	three[19] = 3;
	bc_golden *db = db_load(ONE("crtm", 0) "," ONE("shim", 4), "\"startup_locality\": 3");
	bc_golden_prediction *p = predict(db, NULL, 16, &count);
	assert_int_equal(count, 4);
	expect_values(p, count, BC_ALG_SHA1, 0, three, crtm, 1, 1);
	three[19] = 0;
	three[31] = 3;
	expect_values(p, count, BC_ALG_SHA256, 0, three, crtm, 1, 1);
	expect_values(p, count, BC_ALG_SHA256, 4, NULL, shim, 1, 1); /* only PCR 0 */
	bc_golden_predictions_free(p, count);
	bc_golden_free(db);
}

static void test_predict_selection_limits_the_output(void **state)
{
	(void)state;
	static const char *const seq[] = {"shim", "grub"};
	size_t count;
	bc_golden *db = db_load(BOOT_COMPONENTS, NULL);
	bc_golden_prediction *p = predict(db, "sha256:4", 16, &count);
	assert_int_equal(count, 1);
	assert_int_equal(p[0].alg, BC_ALG_SHA256);
	assert_int_equal(p[0].pcr, 4);
	expect_values(p, count, BC_ALG_SHA256, 4, NULL, seq, 1, 2);
	bc_golden_predictions_free(p, count);
	bc_golden_free(db);
}

static void test_predict_only_pcrs_with_components(void **state)
{
	(void)state;
	size_t count;
	bc_golden *db = db_load(BOOT_COMPONENTS, NULL);
	bc_golden_prediction *p = predict(db, "sha1:all+sha256:0-23", 16, &count);
	assert_int_equal(count, 6); /* PCRs 0, 4 and 7 in two banks */
	for (size_t i = 0; i < count; i++)
		assert_true(p[i].pcr == 0 || p[i].pcr == 4 || p[i].pcr == 7);
	bc_golden_predictions_free(p, count);
	p = predict(db, "sha256:1,2,3", 16, &count); /* none of them */
	assert_int_equal(count, 0);
	bc_golden_predictions_free(p, count);
	p = predict(db, NULL, 16, &count);
	assert_int_equal(count, 6);
	bc_golden_predictions_free(p, count);
	bc_golden_free(db);
}

/* ---- building databases from logs ---- */

typedef struct tmp {
	char dir[512];
	char db[600];
} tmp;

static void make_tmp(tmp *t)
{
	const char *base = getenv("TMPDIR");
	snprintf(t->dir, sizeof(t->dir), "%s/bc-check-XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->db, sizeof(t->db), "%s/db.json", t->dir);
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

/* A firmware boot: PCRs 0, 4 and 7, with StartupLocality 3. */
static void put_firmware_boot(logbuf *b, const char *grub)
{
	static const uint8_t sep[4] = {0};
	start_log(b);
	put_startup_locality(b, 3);						       /* 1 */
	put_event(b, 0, BC_EV_S_CRTM_VERSION, "crtm");				       /* 2 */
	put_variable(b, 7, BC_EV_EFI_VARIABLE_DRIVER_CONFIG, "SecureBoot", 1);	       /* 3 */
	put_event_data(b, 7, BC_EV_SEPARATOR, sep, sizeof(sep));		       /* 4 */
	put_event_data(b, 0, BC_EV_SEPARATOR, sep, sizeof(sep));		       /* 5 */
	put_event(b, 4, BC_EV_EFI_ACTION, "Calling EFI Application from Boot Option"); /* 6 */
	put_event_data(b, 4, BC_EV_SEPARATOR, sep, sizeof(sep));		       /* 7 */
	put_event(b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, "shim");		       /* 8 */
	put_event(b, 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, grub);		       /* 9 */
}

static bc_golden_builder *new_builder(void)
{
	bc_golden_builder *b = NULL;
	assert_int_equal(bc_golden_builder_new(&b, NULL), BC_OK);
	return b;
}

static void add_log(bc_golden_builder *builder, const logbuf *b)
{
	bc_error err = {0};
	bc_log *log = parse_ok(b);
	if (bc_golden_builder_add_log(builder, log, &err) != BC_OK)
		fail_msg("add_log failed: %s", err.msg);
	bc_log_free(log);
}

/* Write the builder's database to path, free the builder, load the file. */
static bc_golden *write_and_load(bc_golden_builder *builder, const char *path)
{
	bc_golden *db = NULL;
	bc_error err = {0};
	if (bc_golden_builder_write(builder, path, &err) != BC_OK)
		fail_msg("write failed: %s", err.msg);
	bc_golden_builder_free(builder);
	if (bc_golden_load(path, NULL, NULL, &db, &err) != BC_OK)
		fail_msg("load failed: %s", err.msg);
	return db;
}

/* The database built from the logs of these grub tags (one log each). */
static bc_golden *build_from(tmp *t, const char *const *grubs, size_t count)
{
	bc_golden_builder *builder = new_builder();
	for (size_t i = 0; i < count; i++) {
		logbuf b;
		put_firmware_boot(&b, grubs[i]);
		add_log(builder, &b);
	}
	return write_and_load(builder, t->db);
}

static size_t total_versions(const bc_golden *db)
{
	size_t n = 0;
	for (size_t i = 0; i < bc_golden_component_count(db); i++)
		n += bc_golden_component_at(db, i)->version_count;
	return n;
}

static void test_build_names_components_by_pcr_and_kind(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		uint32_t pcr, type;
		uint32_t event;
	} want[] = {
	    {"pcr0-s-crtm-version-1", 0, BC_EV_S_CRTM_VERSION, 2},
	    {"pcr7-var-SecureBoot", 7, BC_EV_EFI_VARIABLE_DRIVER_CONFIG, 3},
	    {"pcr7-separator", 7, BC_EV_SEPARATOR, 4},
	    {"pcr0-separator", 0, BC_EV_SEPARATOR, 5},
	    {"pcr4-action-1", 4, BC_EV_EFI_ACTION, 6},
	    {"pcr4-separator", 4, BC_EV_SEPARATOR, 7},
	    {"pcr4-image-1", 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, 8},
	    {"pcr4-image-2", 4, BC_EV_EFI_BOOT_SERVICES_APPLICATION, 9},
	};
	static const char *const grub[] = {"grub"};
	tmp t;
	make_tmp(&t);
	bc_golden *db = build_from(&t, grub, 1);
	assert_int_equal(bc_golden_component_count(db), 8);
	for (size_t i = 0; i < 8; i++) {
		const bc_golden_component *c = bc_golden_component_at(db, i);
		assert_string_equal(c->name, want[i].name);
		assert_int_equal(c->pcr, want[i].pcr);
		assert_true(c->has_event_type);
		assert_int_equal(c->event_type, want[i].type);
		assert_true(c->required);
		assert_int_equal(c->version_count, 1);
		assert_int_equal(c->versions[0].digests.count, 2);
		assert_string_equal(c->versions[0].source.log, "test.log");
		assert_true(c->versions[0].source.has_event);
		assert_int_equal(c->versions[0].source.event, want[i].event);
	}
	uint8_t shim[32];
	hash(BC_ALG_SHA256, "shim", 4, shim);
	assert_memory_equal(
	    bc_digest_set_find(&bc_golden_find(db, "pcr4-image-1")->versions[0].digests,
			       BC_ALG_SHA256)
		->bytes,
	    shim, 32);
	assert_int_equal(db->explained_mask, (1u << 0) | (1u << 4) | (1u << 7));
	assert_int_equal(db->startup_locality, 3);
	bc_golden_free(db);
	remove_tmp(&t);
}

static void test_build_from_log_checks_and_predicts_that_log(void **state)
{
	(void)state;
	static const char *const grub[] = {"grub"};
	logbuf b;
	tmp t;
	bc_pcr_values values;
	bc_error err = {0};
	size_t count;
	make_tmp(&t);
	bc_golden *db = build_from(&t, grub, 1);
	put_firmware_boot(&b, "grub");

	bc_golden_report *rep = check(db, &b, true);
	assert_true(rep->match);
	assert_int_equal(rep->known, 8);
	assert_int_equal(rep->event_count, 8);
	assert_int_equal(rep->missing_count, 0);
	bc_golden_report_free(rep);

	bc_log *log = parse_ok(&b);
	assert_int_equal(bc_log_replay(log, &values, NULL, &err), BC_OK);
	bc_log_free(log);
	bc_golden_prediction *p = predict(db, NULL, 16, &count);
	assert_int_equal(count, 6);
	for (size_t i = 0; i < count; i++) {
		bc_pcr_bank *bank = bc_pcr_values_bank(&values, p[i].alg);
		assert_non_null(bank);
		assert_false(p[i].unknown);
		assert_int_equal(p[i].count, 1);
		assert_memory_equal(p[i].values[0].bytes, bank->values[p[i].pcr], bank->size);
	}
	/* PCR 0 started at locality 3, as the replay has it: H(H(0..03 || crtm) || sep) */
	static const uint8_t sep[4] = {0};
	uint8_t value[32] = {0}, d[32];
	value[31] = 3;
	hash(BC_ALG_SHA256, "crtm", 4, d);
	extend(BC_ALG_SHA256, value, d);
	hash(BC_ALG_SHA256, sep, sizeof(sep), d);
	extend(BC_ALG_SHA256, value, d);
	assert_true(predicts(prediction_of(p, count, BC_ALG_SHA256, 0), value));
	bc_golden_predictions_free(p, count);
	bc_golden_free(db);
	remove_tmp(&t);
}

static void test_build_same_log_twice_adds_no_versions(void **state)
{
	(void)state;
	static const char *const grub[] = {"grub", "grub"};
	tmp t;
	make_tmp(&t);
	bc_golden *db = build_from(&t, grub, 2);
	assert_int_equal(bc_golden_component_count(db), 8);
	assert_int_equal(total_versions(db), 8);
	bc_golden_free(db);
	remove_tmp(&t);
}

static void test_build_changed_log_adds_one_version(void **state)
{
	(void)state;
	static const char *const grubs[] = {"grub", "grub-2.12"};
	tmp t;
	make_tmp(&t);
	bc_golden *db = build_from(&t, grubs, 2);
	assert_int_equal(bc_golden_component_count(db), 8);
	assert_int_equal(total_versions(db), 9);
	for (size_t i = 0; i < 8; i++) {
		const bc_golden_component *c = bc_golden_component_at(db, i);
		assert_int_equal(c->version_count, strcmp(c->name, "pcr4-image-2") == 0 ? 2 : 1);
	}
	uint8_t d[32];
	hash(BC_ALG_SHA256, "grub-2.12", 9, d);
	const bc_golden_component *c = bc_golden_find(db, "pcr4-image-2");
	assert_memory_equal(bc_digest_set_find(&c->versions[1].digests, BC_ALG_SHA256)->bytes, d,
			    32);

	/* both logs now pass */
	for (size_t i = 0; i < 2; i++) {
		logbuf b;
		put_firmware_boot(&b, grubs[i]);
		bc_golden_report *rep = check(db, &b, false);
		assert_true(rep->match);
		bc_golden_report_free(rep);
	}
	bc_golden_free(db);
	remove_tmp(&t);
}

static void expect_same_source(const bc_golden_source *a, const bc_golden_source *b)
{
	const char *const fa[] = {a->file, a->log, a->date, a->version, a->description};
	const char *const fb[] = {b->file, b->log, b->date, b->version, b->description};
	for (size_t i = 0; i < 5; i++) {
		if (!fa[i] || !fb[i])
			assert_true(fa[i] == fb[i]);
		else
			assert_string_equal(fa[i], fb[i]);
	}
	assert_int_equal(a->has_event, b->has_event);
	assert_int_equal(a->event, b->event);
}

static void expect_same_database(const bc_golden *a, const bc_golden *b)
{
	assert_int_equal(bc_golden_component_count(a), bc_golden_component_count(b));
	for (size_t i = 0; i < bc_golden_component_count(a); i++) {
		const bc_golden_component *ca = bc_golden_component_at(a, i);
		const bc_golden_component *cb = bc_golden_component_at(b, i);
		assert_string_equal(ca->name, cb->name);
		assert_int_equal(ca->pcr, cb->pcr);
		assert_int_equal(ca->has_event_type, cb->has_event_type);
		assert_int_equal(ca->event_type, cb->event_type);
		assert_int_equal(ca->required, cb->required);
		assert_int_equal(ca->version_count, cb->version_count);
		for (size_t v = 0; v < ca->version_count; v++) {
			const bc_digest_set *da = &ca->versions[v].digests;
			const bc_digest_set *db = &cb->versions[v].digests;
			assert_int_equal(da->count, db->count);
			for (size_t k = 0; k < da->count; k++) {
				const bc_digest *d = bc_digest_set_find(db, da->digests[k].alg);
				assert_non_null(d);
				assert_int_equal(d->size, da->digests[k].size);
				assert_memory_equal(d->bytes, da->digests[k].bytes, d->size);
			}
			expect_same_source(&ca->versions[v].source, &cb->versions[v].source);
		}
	}
	assert_int_equal(a->explained_mask, b->explained_mask);
	assert_int_equal(a->startup_locality, b->startup_locality);
	assert_int_equal(a->expected_count, b->expected_count);
	for (size_t i = 0; i < a->expected_count; i++) {
		assert_int_equal(a->expected[i].pcr, b->expected[i].pcr);
		assert_int_equal(a->expected[i].value.digests[0].alg,
				 b->expected[i].value.digests[0].alg);
		assert_memory_equal(a->expected[i].value.digests[0].bytes,
				    b->expected[i].value.digests[0].bytes,
				    a->expected[i].value.digests[0].size);
	}
	if (a->description)
		assert_string_equal(a->description, b->description);
	else
		assert_null(b->description);
}

/* A database through bc_golden_builder_add_db, written to t->db and loaded again. */
static bc_golden *round_trip(const bc_golden *db, tmp *t)
{
	bc_error err = {0};
	bc_golden_builder *builder = new_builder();
	if (bc_golden_builder_add_db(builder, db, &err) != BC_OK)
		fail_msg("add_db failed: %s", err.msg);
	return write_and_load(builder, t->db);
}

static void test_build_add_db_round_trips_a_built_database(void **state)
{
	(void)state;
	static const char *const grubs[] = {"grub", "grub-2.12"};
	tmp t;
	make_tmp(&t);
	bc_golden *db = build_from(&t, grubs, 2);
	bc_golden *again = round_trip(db, &t);
	expect_same_database(db, again);
	bc_golden_free(again);
	bc_golden_free(db);
	remove_tmp(&t);
}

static void test_build_add_db_round_trips_every_field(void **state)
{
	(void)state;
	tmp t;
	make_tmp(&t);
	bc_golden *db = db_load(
	    COMP("shim", 4, ", \"event_type\": \"EV_EFI_BOOT_SERVICES_APPLICATION\"",
		 "{\"digests\": <a>, \"source\": {\"file\": \"shimx64.efi\", \"version\": "
		 "\"15.8\", \"date\": \"2024-05-01\", \"description\": \"\\\\EFI\\\\shim\"}},"
		 "{\"digests\": {\"sha256\": \"<256:b>\"}, \"source\": {\"log\": \"m1.log\", "
		 "\"event\": 12}}") "," COMP("kernel", 9, ", \"required\": false", VER("k")),
	    "\"description\": \"fleet\", \"explained_pcrs\": [4, 9], \"startup_locality\": 4, "
	    "\"pcrs\": {\"sha256\": {\"4\": [\"<256:x>\", \"<256:y>\"]}, "
	    "\"sha1\": {\"9\": [\"<1:z>\"]}}");
	bc_golden *again = round_trip(db, &t);
	expect_same_database(db, again);
	assert_int_equal(again->expected_count, 3);
	assert_false(bc_golden_find(again, "kernel")->required);
	bc_golden_free(again);
	bc_golden_free(db);
	remove_tmp(&t);
}

static void test_build_write_into_missing_directory_fails_and_leaves_nothing(void **state)
{
	(void)state;
	tmp t;
	logbuf b;
	char path[700], missing[700];
	bc_error err = {0};
	struct stat st;
	make_tmp(&t);
	snprintf(missing, sizeof(missing), "%s/none", t.dir);
	snprintf(path, sizeof(path), "%s/none/db.json", t.dir);
	bc_golden_builder *builder = new_builder();
	put_firmware_boot(&b, "grub");
	add_log(builder, &b);
	assert_int_not_equal(bc_golden_builder_write(builder, path, &err), BC_OK);
	assert_true(err.msg[0] != 0);
	bc_golden_builder_free(builder);
	assert_int_equal(stat(missing, &st), -1);
	DIR *d = opendir(t.dir); /* nothing at all in the parent either */
	assert_non_null(d);
	struct dirent *e;
	size_t entries = 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			entries++;
	closedir(d);
	assert_int_equal(entries, 0);
	remove_tmp(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_every_event_known_matches),
	    cmocka_unit_test(test_check_changed_digest_names_the_component),
	    cmocka_unit_test(test_check_unknown_event_in_explained_pcr_is_unexpected),
	    cmocka_unit_test(test_check_unknown_event_in_other_pcr_is_not_covered),
	    cmocka_unit_test(test_check_extra_event_after_the_last_component_is_unexpected),
	    cmocka_unit_test(test_check_required_component_never_measured_is_missing),
	    cmocka_unit_test(test_check_optional_component_never_measured_is_not_missing),
	    cmocka_unit_test(test_check_components_out_of_order_are_known),
	    cmocka_unit_test(test_check_skipped_component_is_missing_and_the_next_known),
	    cmocka_unit_test(test_check_no_action_events_are_not_judged),
	    cmocka_unit_test(test_check_event_type_limits_changed_events),
	    cmocka_unit_test(test_view_judges_only_attested_banks),
	    cmocka_unit_test(test_view_event_without_quoted_bank),
	    cmocka_unit_test(test_view_component_in_other_bank_is_unverifiable),
	    cmocka_unit_test(test_view_final_value_of_unquoted_pcr_fails),
	    cmocka_unit_test(test_pcr_with_component_is_explained),
	    cmocka_unit_test(test_pcr_both_explained_and_open_is_refused),
	    cmocka_unit_test(test_quote_covers),
	    cmocka_unit_test(test_check_sha256_equal_but_sha1_different_is_not_known),
	    cmocka_unit_test(test_check_without_all_events_keeps_only_problems),
	    cmocka_unit_test(test_check_with_all_events_keeps_every_extending_event),
	    cmocka_unit_test(test_check_allowed_final_value_passes),
	    cmocka_unit_test(test_check_other_final_value_is_a_mismatch),
	    cmocka_unit_test(test_predict_one_component),
	    cmocka_unit_test(test_predict_two_versions_give_two_values),
	    cmocka_unit_test(test_predict_two_components_of_two_versions_give_four_values),
	    cmocka_unit_test(test_predict_counts_equal_outcomes_once),
	    cmocka_unit_test(test_predict_max_values_caps),
	    cmocka_unit_test(test_predict_version_without_the_bank_is_unknown),
	    cmocka_unit_test(test_predict_drtm_pcrs_start_at_all_ones),
	    cmocka_unit_test(test_predict_startup_locality_sets_pcr0),
	    cmocka_unit_test(test_predict_selection_limits_the_output),
	    cmocka_unit_test(test_predict_only_pcrs_with_components),
	    cmocka_unit_test(test_build_names_components_by_pcr_and_kind),
	    cmocka_unit_test(test_build_from_log_checks_and_predicts_that_log),
	    cmocka_unit_test(test_build_same_log_twice_adds_no_versions),
	    cmocka_unit_test(test_build_changed_log_adds_one_version),
	    cmocka_unit_test(test_build_add_db_round_trips_a_built_database),
	    cmocka_unit_test(test_build_add_db_round_trips_every_field),
	    cmocka_unit_test(test_build_write_into_missing_directory_fails_and_leaves_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
