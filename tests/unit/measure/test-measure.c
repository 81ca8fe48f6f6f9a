/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Measuring layers without a TPM: image digests against OpenSSL's own (in memory, a
 * file large enough for the threaded path, a pipe, an empty file), trusted-mode
 * verdicts against a golden database held in memory, and the events appended to a
 * log, read back with the event log parser.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
#include <bootchain/measure.h>

static const uint16_t three_banks[] = {BC_ALG_SHA1, BC_ALG_SHA256, BC_ALG_SHA384};

/* ---- helpers ---- */

typedef struct tmp {
	char dir[512];
	char file[600], log[600];
} tmp;

static void make_tmp(tmp *t)
{
	const char *base = getenv("TMPDIR");
	snprintf(t->dir, sizeof(t->dir), "%s/bc-measure-XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->file, sizeof(t->file), "%s/image", t->dir);
	snprintf(t->log, sizeof(t->log), "%s/eventlog", t->dir);
}

static void remove_tmp(tmp *t)
{
	unlink(t->file);
	unlink(t->log);
	assert_int_equal(rmdir(t->dir), 0);
}

static void write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, size, f), size);
	assert_int_equal(fclose(f), 0);
}

/* Bytes that are no PE image, in a pattern that does not repeat every chunk. */
static uint8_t *pattern(size_t size)
{
	uint8_t *p = malloc(size ? size : 1);
	uint32_t x = 0x12345678;
	assert_non_null(p);
	for (size_t i = 0; i < size; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
	if (size)
		p[0] = 'X';
	return p;
}

static const EVP_MD *md_of(uint16_t alg)
{
	switch (alg) {
	case BC_ALG_SHA1: return EVP_sha1();
	case BC_ALG_SHA256: return EVP_sha256();
	case BC_ALG_SHA384: return EVP_sha384();
	case BC_ALG_SHA512: return EVP_sha512();
	}
	fail_msg("no EVP digest for 0x%04x", alg);
	return NULL;
}

/* set has exactly the banks of algs (in any order: the threaded path gives them in the
 * order of its workers), each the EVP digest of data. */
static void expect_evp_digests(const bc_digest_set *set, const uint16_t *algs, size_t count,
			       const void *data, size_t size)
{
	assert_int_equal(set->count, count);
	for (size_t i = 0; i < count; i++) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int len = 0;
		const bc_digest *d = bc_digest_set_find(set, algs[i]);
		assert_int_equal(EVP_Digest(data, size, md, &len, md_of(algs[i]), NULL), 1);
		if (!d)
			fail_msg("no %s digest", bc_hash_alg_name(algs[i]));
		assert_int_equal(d->size, len);
		assert_memory_equal(d->bytes, md, len);
	}
}

static void hex_of(const bc_digest *d, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < d->size; i++) {
		out[2 * i] = digits[d->bytes[i] >> 4];
		out[2 * i + 1] = digits[d->bytes[i] & 15];
	}
	out[2 * d->size] = 0;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* ---- image digests ---- */

static void test_image_digest_raw_matches_openssl(void **state)
{
	(void)state;
	size_t size = 100003;
	uint8_t *data = pattern(size);
	bc_digest_set set;
	bc_image_kind used = BC_IMAGE_PE;
	bc_error err = {0};
	assert_int_equal(
	    bc_image_digest(data, size, "image", BC_IMAGE_RAW, three_banks, 3, &set, &used, &err),
	    BC_OK);
	assert_int_equal(used, BC_IMAGE_RAW);
	expect_evp_digests(&set, three_banks, 3, data, size);
	/* auto: no MZ header, so raw */
	assert_int_equal(
	    bc_image_digest(data, size, "image", BC_IMAGE_AUTO, three_banks, 3, &set, &used, &err),
	    BC_OK);
	assert_int_equal(used, BC_IMAGE_RAW);
	expect_evp_digests(&set, three_banks, 3, data, size);
	/* used may be NULL; an empty image */
	assert_int_equal(
	    bc_image_digest(data, 0, "empty", BC_IMAGE_RAW, three_banks, 3, &set, NULL, &err),
	    BC_OK);
	expect_evp_digests(&set, three_banks, 3, "", 0);
	free(data);
}

static void test_image_digest_pe_of_non_pe_fails(void **state)
{
	(void)state;
	uint8_t *data = pattern(4096);
	bc_digest_set set;
	bc_error err = {0};
	assert_int_not_equal(
	    bc_image_digest(data, 4096, "notpe", BC_IMAGE_PE, three_banks, 3, &set, NULL, &err),
	    BC_OK);
	assert_non_null(strstr(err.msg, "notpe"));
	free(data);
}

static void test_image_kind_names(void **state)
{
	(void)state;
	bc_image_kind k;
	assert_string_equal(bc_image_kind_name(BC_IMAGE_AUTO), "auto");
	assert_string_equal(bc_image_kind_name(BC_IMAGE_RAW), "raw");
	assert_string_equal(bc_image_kind_name(BC_IMAGE_PE), "pe");
	assert_true(bc_image_kind_from_name("pe", &k));
	assert_int_equal(k, BC_IMAGE_PE);
	assert_true(bc_image_kind_from_name("raw", &k));
	assert_int_equal(k, BC_IMAGE_RAW);
	assert_false(bc_image_kind_from_name("PE", &k));
	assert_false(bc_image_kind_from_name("", &k));
}

/* Larger than 16 MiB with several banks: the banks are hashed by worker threads. */
static void test_large_file_digest_matches_openssl(void **state)
{
	(void)state;
	static const uint16_t four_banks[] = {BC_ALG_SHA1, BC_ALG_SHA256, BC_ALG_SHA384,
					      BC_ALG_SHA512};
	tmp t;
	size_t size = ((size_t)17 << 20) + 12345; /* not a whole number of chunks */
	uint8_t *data = pattern(size);
	bc_digest_set set;
	bc_image_kind used = BC_IMAGE_PE;
	bc_error err = {0};
	make_tmp(&t);
	write_file(t.file, data, size);
	assert_int_equal(
	    bc_image_digest_file(t.file, BC_IMAGE_AUTO, three_banks, 3, &set, &used, &err), BC_OK);
	assert_int_equal(used, BC_IMAGE_RAW);
	expect_evp_digests(&set, three_banks, 3, data, size);
	assert_int_equal(
	    bc_image_digest_file(t.file, BC_IMAGE_RAW, four_banks, 4, &set, NULL, &err), BC_OK);
	expect_evp_digests(&set, four_banks, 4, data, size);
	/* exactly 16 MiB, and one bank (the serial path) */
	assert_int_equal(truncate(t.file, (off_t)16 << 20), 0);
	assert_int_equal(
	    bc_image_digest_file(t.file, BC_IMAGE_RAW, three_banks, 3, &set, NULL, &err), BC_OK);
	expect_evp_digests(&set, three_banks, 3, data, (size_t)16 << 20);
	assert_int_equal(
	    bc_image_digest_file(t.file, BC_IMAGE_RAW, three_banks + 1, 1, &set, NULL, &err),
	    BC_OK);
	expect_evp_digests(&set, three_banks + 1, 1, data, (size_t)16 << 20);
	free(data);
	remove_tmp(&t);
}

typedef struct writer_arg {
	int fd;
	const uint8_t *data;
	size_t size;
} writer_arg;

static void *writer(void *arg)
{
	writer_arg *w = arg;
	size_t done = 0;
	while (done < w->size) {
		size_t n = w->size - done < 65536 ? w->size - done : 65536;
		ssize_t r = write(w->fd, w->data + done, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	close(w->fd);
	return NULL;
}

/* The digest of the bytes of a pipe, read through /proc/self/fd/N. */
static void check_pipe(size_t size, bc_image_kind kind)
{
	int fds[2];
	pthread_t tid;
	uint8_t *data = pattern(size);
	bc_digest_set set;
	bc_image_kind used = BC_IMAGE_PE;
	bc_error err = {0};
	char path[64];
	assert_int_equal(pipe(fds), 0);
	writer_arg w = {.fd = fds[1], .data = data, .size = size};
	assert_int_equal(pthread_create(&tid, NULL, writer, &w), 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
	bc_status s = bc_image_digest_file(path, kind, three_banks, 3, &set, &used, &err);
	close(fds[0]); /* ends the writer if the reader stopped early */
	assert_int_equal(pthread_join(tid, NULL), 0);
	if (s != BC_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(used, BC_IMAGE_RAW);
	expect_evp_digests(&set, three_banks, 3, data, size);
	free(data);
}

static void test_pipe_digest_matches_openssl(void **state)
{
	(void)state;
	check_pipe(((size_t)3 << 20) + 7, BC_IMAGE_AUTO);
	check_pipe(((size_t)3 << 20) + 7, BC_IMAGE_RAW);
	check_pipe(100, BC_IMAGE_AUTO); /* less than a chunk */
	check_pipe(0, BC_IMAGE_AUTO);
	check_pipe((size_t)1 << 20, BC_IMAGE_AUTO); /* exactly one chunk */
}

static void test_empty_file_and_errors(void **state)
{
	(void)state;
	tmp t;
	bc_digest_set set;
	bc_image_kind used = BC_IMAGE_PE;
	bc_error err = {0};
	make_tmp(&t);
	write_file(t.file, "", 0);
	assert_int_equal(
	    bc_image_digest_file(t.file, BC_IMAGE_AUTO, three_banks, 3, &set, &used, &err), BC_OK);
	assert_int_equal(used, BC_IMAGE_RAW);
	expect_evp_digests(&set, three_banks, 3, "", 0);

	assert_int_equal(
	    bc_image_digest_file(t.dir, BC_IMAGE_AUTO, three_banks, 3, &set, NULL, &err), BC_E_IO);
	assert_non_null(strstr(err.msg, "is a directory"));
	assert_non_null(strstr(err.msg, t.dir));
	assert_int_equal(
	    bc_image_digest_file(t.log, BC_IMAGE_AUTO, three_banks, 3, &set, NULL, &err),
	    BC_E_IO); /* missing */
	assert_non_null(strstr(err.msg, t.log));
	/* --pe on a file that is no PE image */
	write_file(t.file, "plain text", 10);
	assert_int_not_equal(
	    bc_image_digest_file(t.file, BC_IMAGE_PE, three_banks, 3, &set, NULL, &err), BC_OK);
	remove_tmp(&t);
}

/* ---- measuring: measured and trusted mode, no TPM ---- */

static const char image[] = "a kernel image, in a buffer";

/* A database with "kernel" in PCR 9 allowing sha256 of image (and of "old kernel"). */
static bc_golden *kernel_db(void)
{
	bc_digest d, old;
	char hex[2 * BC_MAX_DIGEST_SIZE + 1], old_hex[sizeof(hex)], *json = NULL;
	bc_golden *db = NULL;
	bc_error err = {0};
	assert_int_equal(bc_digest_compute(BC_ALG_SHA256, image, strlen(image), &d, NULL), BC_OK);
	assert_int_equal(bc_digest_compute(BC_ALG_SHA256, "old kernel", 10, &old, NULL), BC_OK);
	hex_of(&d, hex);
	hex_of(&old, old_hex);
	assert_true(asprintf(&json,
			     "{\"format\": \"bootchain-golden-v1\", \"components\": ["
			     "{\"name\": \"kernel\", \"pcr\": 9, \"versions\": ["
			     "{\"digests\": {\"sha256\": \"%s\"}, \"source\": {\"file\": "
			     "\"vmlinuz-6.0\", \"version\": \"6.0\"}},"
			     "{\"digests\": {\"sha256\": \"%s\"}, \"source\": {\"file\": "
			     "\"vmlinuz-6.1\", \"version\": \"6.1\"}}]}]}",
			     old_hex, hex) > 0);
	if (bc_golden_from_memory(json, strlen(json), "mem.json", &db, &err) != BC_OK)
		fail_msg("%s", err.msg);
	free(json);
	return db;
}

static bc_measurer measurer(const bc_golden *db, const char *log_path)
{
	bc_measurer m = {.golden = db, .log_path = log_path, .cap = db != NULL, .alg_count = 2};
	m.algs[0] = BC_ALG_SHA1;
	m.algs[1] = BC_ALG_SHA256;
	return m;
}

static void test_trusted_match_goes_on(void **state)
{
	(void)state;
	bc_golden *db = kernel_db();
	bc_measurer m = measurer(db, NULL);
	bc_layer layer = {.name = "kernel", .pcr = 9, .file = "vmlinuz", .kind = BC_IMAGE_RAW};
	bc_measurement r;
	bc_error err = {0};
	assert_int_equal(bc_measure_buffer(&m, &layer, image, strlen(image), &r, &err), BC_OK);
	assert_true(r.checked);
	assert_int_equal(r.verdict, BC_GOLDEN_MATCH);
	assert_int_equal(r.version, 1);
	assert_false(r.halt);
	assert_false(r.extended); /* no TPM */
	assert_false(r.logged);	  /* no log */
	assert_false(r.capped);
	assert_int_equal(r.kind, BC_IMAGE_RAW);
	expect_evp_digests(&r.digests, m.algs, 2, image, strlen(image));
	bc_golden_free(db);
}

static void test_trusted_mismatch_halts(void **state)
{
	(void)state;
	bc_golden *db = kernel_db();
	bc_measurer m = measurer(db, NULL);
	bc_layer layer = {.name = "kernel", .pcr = 9, .file = "vmlinuz", .kind = BC_IMAGE_AUTO};
	bc_measurement r;
	bc_error err = {0};
	char changed[sizeof(image)];
	memcpy(changed, image, sizeof(image));
	changed[0] ^= 1;
	assert_int_equal(bc_measure_buffer(&m, &layer, changed, strlen(changed), &r, &err),
			 BC_E_MISMATCH);
	assert_true(r.halt);
	assert_true(r.checked);
	assert_int_equal(r.verdict, BC_GOLDEN_DIFFERS);
	assert_false(r.capped); /* no TPM to cap */
	/* the message names the layer, the digest found and the ones allowed */
	bc_digest found, allowed;
	char found_hex[2 * BC_MAX_DIGEST_SIZE + 1], allowed_hex[sizeof(found_hex)];
	assert_int_equal(bc_digest_compute(BC_ALG_SHA256, changed, strlen(changed), &found, NULL),
			 BC_OK);
	assert_int_equal(bc_digest_compute(BC_ALG_SHA256, image, strlen(image), &allowed, NULL),
			 BC_OK);
	hex_of(&found, found_hex);
	hex_of(&allowed, allowed_hex);
	const char *checks[] = {"kernel",    "is not an allowed version", found_hex,
				allowed_hex, "vmlinuz-6.1 6.1",		  "PCR 9",
				"sha256"};
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (!strstr(err.msg, checks[i]))
			fail_msg("message '%s' lacks '%s'", err.msg, checks[i]);
	/* measured mode does not compare */
	m.golden = NULL;
	assert_int_equal(bc_measure_buffer(&m, &layer, changed, strlen(changed), &r, &err), BC_OK);
	assert_false(r.checked);
	assert_false(r.halt);
	bc_golden_free(db);
}

static void test_trusted_unknown_layer_and_wrong_pcr_halt(void **state)
{
	(void)state;
	bc_golden *db = kernel_db();
	bc_measurer m = measurer(db, NULL);
	bc_layer layer = {.name = "initrd", .pcr = 9, .kind = BC_IMAGE_RAW};
	bc_measurement r;
	bc_error err = {0};
	assert_int_equal(bc_measure_buffer(&m, &layer, image, strlen(image), &r, &err),
			 BC_E_MISMATCH);
	assert_true(r.halt);
	assert_int_equal(r.verdict, BC_GOLDEN_NO_COMPONENT);
	assert_non_null(strstr(err.msg, "initrd"));
	layer.name = "kernel";
	layer.pcr = 8;
	assert_int_equal(bc_measure_buffer(&m, &layer, image, strlen(image), &r, &err),
			 BC_E_MISMATCH);
	assert_true(r.halt);
	assert_int_equal(r.verdict, BC_GOLDEN_WRONG_PCR);
	assert_non_null(strstr(err.msg, "PCR 9"));
	/* no bank in common: the database has sha256 only */
	layer.pcr = 9;
	m.alg_count = 1; /* sha1 */
	assert_int_equal(bc_measure_buffer(&m, &layer, image, strlen(image), &r, &err),
			 BC_E_MISMATCH);
	assert_int_equal(r.verdict, BC_GOLDEN_NO_COMMON_BANK);
	assert_true(r.halt);
	bc_golden_free(db);
}

static void test_invalid_layers_are_refused(void **state)
{
	(void)state;
	bc_golden *db = kernel_db();
	bc_measurer m = measurer(NULL, NULL);
	bc_layer layer = {.name = "kernel", .pcr = 24, .kind = BC_IMAGE_RAW};
	bc_measurement r;
	bc_error err = {0};
	assert_int_equal(bc_measure_buffer(&m, &layer, image, strlen(image), &r, &err),
			 BC_E_INVALID);
	assert_non_null(strstr(err.msg, "PCR 24"));
	assert_false(r.halt); /* measured mode */
	m.golden = db;	      /* trusted mode: any error halts */
	assert_int_equal(bc_measure_buffer(&m, &layer, image, strlen(image), &r, &err),
			 BC_E_INVALID);
	assert_true(r.halt);
	layer.pcr = 9;
	m.alg_count = 0;
	assert_int_not_equal(bc_measure_buffer(&m, &layer, image, strlen(image), &r, &err), BC_OK);
	assert_true(r.halt);
	m.golden = NULL;
	assert_int_not_equal(bc_measure_buffer(&m, &layer, image, strlen(image), &r, &err), BC_OK);
	m.alg_count = 2;
	layer.name = "";
	assert_int_equal(bc_measure_buffer(&m, &layer, image, strlen(image), &r, &err),
			 BC_E_INVALID);
	layer.name = NULL;
	assert_int_equal(bc_measure_buffer(&m, &layer, image, strlen(image), &r, &err),
			 BC_E_INVALID);
	bc_golden_free(db);
}

/* ---- the event log ---- */

/* Read the log at path: the Spec ID event, then exactly count events into evs. */
static bc_log *read_log(const char *path, bc_event *evs, size_t count)
{
	bc_log *log = NULL;
	bc_error err = {0};
	bc_log_iter it;
	bc_event ev;
	bool done = false;
	if (bc_log_read_file(path, &log, &err) != BC_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(bc_log_get_format(log), BC_LOG_CRYPTO_AGILE);
	bc_log_iter_init(log, &it);
	assert_int_equal(bc_log_next(&it, &ev, &done, &err), BC_OK);
	assert_false(done);
	assert_int_equal(ev.type, BC_EV_NO_ACTION);
	assert_true(ev.sha1_format);
	for (size_t i = 0; i < count; i++) {
		if (bc_log_next(&it, &evs[i], &done, &err) != BC_OK)
			fail_msg("%s", err.msg);
		assert_false(done);
	}
	assert_int_equal(bc_log_next(&it, &ev, &done, &err), BC_OK);
	assert_true(done);
	return log;
}

static void expect_event_digests(const bc_event *ev, const bc_digest_set *set)
{
	assert_int_equal(ev->digest_count, set->count);
	for (size_t i = 0; i < set->count; i++) {
		const bc_event_digest *d = bc_event_find_digest(ev, set->digests[i].alg);
		assert_non_null(d);
		assert_int_equal(d->size, set->digests[i].size);
		assert_memory_equal(d->bytes, set->digests[i].bytes, d->size);
	}
}

static void test_event_tag_is_logged(void **state)
{
	(void)state;
	tmp t;
	make_tmp(&t);
	bc_golden *db = kernel_db();
	bc_measurer m = measurer(db, t.log);
	bc_layer layer = {
	    .name = "kernel", .pcr = 9, .file = "/boot/vmlinuz-6.1", .kind = BC_IMAGE_RAW};
	bc_measurement r;
	bc_error err = {0};
	assert_int_equal(bc_measure_buffer(&m, &layer, image, strlen(image), &r, &err), BC_OK);
	assert_true(r.logged);
	assert_false(r.extended);

	bc_event ev;
	bc_log *log = read_log(t.log, &ev, 1);
	static const char text[] = "layer=kernel kind=raw file=/boot/vmlinuz-6.1";
	assert_int_equal(ev.pcr, 9);
	assert_int_equal(ev.type, BC_EV_EVENT_TAG);
	assert_false(ev.sha1_format);
	expect_event_digests(&ev, &r.digests);
	assert_int_equal(ev.data_size, 8 + strlen(text));
	assert_int_equal(get_u32(ev.data), 0x314c4342);
	assert_int_equal(get_u32(ev.data), BC_LAYER_TAG_ID);
	assert_memory_equal(ev.data, "BCL1", 4);
	assert_int_equal(get_u32(ev.data + 4), strlen(text));
	assert_memory_equal(ev.data + 8, text, strlen(text));
	bc_log_free(log);

	/* a mismatch in trusted mode is logged too: the log tells what was found */
	layer.kind = BC_IMAGE_AUTO;
	layer.file = NULL;
	assert_int_equal(bc_measure_buffer(&m, &layer, "other", 5, &r, &err), BC_E_MISMATCH);
	assert_true(r.logged);
	assert_true(r.halt);
	bc_event evs[2];
	log = read_log(t.log, evs, 2);
	static const char text2[] = "layer=kernel kind=raw"; /* auto applied: raw; no file */
	assert_int_equal(evs[1].data_size, 8 + strlen(text2));
	assert_memory_equal(evs[1].data + 8, text2, strlen(text2));
	expect_event_digests(&evs[1], &r.digests);
	bc_log_free(log);
	bc_golden_free(db);
	remove_tmp(&t);
}

static void test_image_load_event_is_logged(void **state)
{
	(void)state;
	tmp t;
	make_tmp(&t);
	bc_measurer m = measurer(NULL, t.log);
	bc_layer layer = {.name = "bootloader",
			  .pcr = 4,
			  .file = "EFI/BOOT/BOOTX64.EFI",
			  .event_type = BC_EV_EFI_BOOT_SERVICES_APPLICATION,
			  .kind = BC_IMAGE_RAW};
	bc_measurement r;
	bc_error err = {0};
	assert_int_equal(bc_measure_buffer(&m, &layer, image, strlen(image), &r, &err), BC_OK);
	bc_event ev;
	bc_log *log = read_log(t.log, &ev, 1);
	assert_int_equal(ev.pcr, 4);
	assert_int_equal(ev.type, BC_EV_EFI_BOOT_SERVICES_APPLICATION);
	expect_event_digests(&ev, &r.digests);

	static const char path[] = "EFI\\BOOT\\BOOTX64.EFI";
	size_t node_len = 4 + 2 * (strlen(path) + 1);
	assert_int_equal(ev.data_size, 32 + node_len + 4);
	assert_int_equal(get_u64(ev.data), 0);		       /* ImageLocationInMemory */
	assert_int_equal(get_u64(ev.data + 8), strlen(image)); /* ImageLengthInMemory */
	assert_int_equal(get_u64(ev.data + 16), 0);	       /* ImageLinkTimeAddress */
	assert_int_equal(get_u64(ev.data + 24), node_len + 4); /* LengthOfDevicePath */
	const uint8_t *node = ev.data + 32;
	assert_int_equal(node[0], 4); /* MEDIA_DEVICE_PATH */
	assert_int_equal(node[1], 4); /* MEDIA_FILEPATH_DP */
	assert_int_equal(node[2] | node[3] << 8, node_len);
	for (size_t i = 0; i <= strlen(path); i++) {
		assert_int_equal(node[4 + 2 * i], (uint8_t)path[i]);
		assert_int_equal(node[4 + 2 * i + 1], 0);
	}
	assert_memory_equal(node + node_len, "\x7f\xff\x04\x00", 4);
	bc_log_free(log);
	remove_tmp(&t);
}

static void test_image_load_event_path_in_utf16(void **state)
{
	(void)state;
	tmp t;
	make_tmp(&t);
	bc_measurer m = measurer(NULL, t.log);
	/* e acute (2 bytes), euro sign (3 bytes), an emoji (4 bytes: a surrogate pair) */
	bc_layer layer = {.name = "app",
			  .pcr = 4,
			  .file = "/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80",
			  .event_type = BC_EV_EFI_BOOT_SERVICES_DRIVER,
			  .kind = BC_IMAGE_RAW};
	static const uint16_t want[] = {'\\',	'c',  'a',    'f',    0xe9, '\\',
					0x20ac, '\\', 0xd83d, 0xde00, 0};
	bc_measurement r;
	bc_error err = {0};
	assert_int_equal(bc_measure_buffer(&m, &layer, image, strlen(image), &r, &err), BC_OK);
	/* no file: the layer name */
	layer.file = NULL;
	layer.event_type = BC_EV_EFI_RUNTIME_SERVICES_DRIVER;
	assert_int_equal(bc_measure_buffer(&m, &layer, image, 3, &r, &err), BC_OK);
	bc_event evs[2];
	bc_log *log = read_log(t.log, evs, 2);
	size_t n = sizeof(want) / sizeof(want[0]);
	assert_int_equal(evs[0].type, BC_EV_EFI_BOOT_SERVICES_DRIVER);
	assert_int_equal(evs[0].data_size, 32 + 4 + 2 * n + 4);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(evs[0].data[36 + 2 * i] | evs[0].data[36 + 2 * i + 1] << 8,
				 want[i]);
	assert_int_equal(evs[1].type, BC_EV_EFI_RUNTIME_SERVICES_DRIVER);
	assert_int_equal(get_u64(evs[1].data + 8), 3);
	assert_int_equal(evs[1].data_size, 32 + 4 + 2 * 4 + 4);
	assert_memory_equal(evs[1].data + 36, "a\0p\0p\0\0\0", 8);
	bc_log_free(log);
	remove_tmp(&t);
}

static void test_other_event_types_log_the_text_with_its_nul(void **state)
{
	(void)state;
	tmp t;
	make_tmp(&t);
	bc_measurer m = measurer(NULL, t.log);
	bc_layer layer = {.name = "initrd",
			  .pcr = 9,
			  .file = "initrd.img",
			  .event_type = BC_EV_IPL,
			  .kind = BC_IMAGE_RAW};
	bc_measurement r;
	bc_error err = {0};
	assert_int_equal(bc_measure_buffer(&m, &layer, image, strlen(image), &r, &err), BC_OK);
	bc_event ev;
	bc_log *log = read_log(t.log, &ev, 1);
	static const char text[] = "layer=initrd kind=raw file=initrd.img";
	assert_int_equal(ev.type, BC_EV_IPL);
	assert_int_equal(ev.data_size, sizeof(text)); /* with the NUL */
	assert_memory_equal(ev.data, text, sizeof(text));
	bc_log_free(log);
	remove_tmp(&t);
}

static void test_measure_file_logs_its_size(void **state)
{
	(void)state;
	tmp t;
	make_tmp(&t);
	bc_golden *db = kernel_db();
	bc_measurer m = measurer(db, t.log);
	write_file(t.file, image, strlen(image));
	bc_layer layer = {.name = "kernel",
			  .pcr = 9,
			  .file = "vmlinuz",
			  .event_type = BC_EV_EFI_BOOT_SERVICES_APPLICATION};
	bc_measurement r;
	bc_error err = {0};
	assert_int_equal(bc_measure_file(&m, &layer, t.file, &r, &err), BC_OK);
	assert_int_equal(r.verdict, BC_GOLDEN_MATCH);
	assert_int_equal(r.kind, BC_IMAGE_RAW);
	bc_event ev;
	bc_log *log = read_log(t.log, &ev, 1);
	assert_int_equal(get_u64(ev.data + 8), strlen(image));
	bc_log_free(log);
	/* a missing file in trusted mode is a halt, and nothing is logged */
	unlink(t.file);
	assert_int_equal(bc_measure_file(&m, &layer, t.file, &r, &err), BC_E_IO);
	assert_true(r.halt);
	assert_false(r.logged);
	log = read_log(t.log, &ev, 1);
	bc_log_free(log);
	bc_golden_free(db);
	remove_tmp(&t);
}

static void test_cap_logs_an_error_separator(void **state)
{
	(void)state;
	tmp t;
	make_tmp(&t);
	bc_measurer m = measurer(NULL, t.log);
	bc_error err = {0};
	assert_int_equal(bc_measure_cap(&m, 7, &err), BC_OK);
	bc_event ev;
	bc_log *log = read_log(t.log, &ev, 1);
	bc_digest_set want = {.count = 0};
	for (size_t i = 0; i < 2; i++) {
		bc_digest d;
		assert_int_equal(bc_digest_compute(m.algs[i], "\1\0\0\0", 4, &d, NULL), BC_OK);
		assert_int_equal(bc_digest_set_put(&want, &d, NULL), BC_OK);
	}
	assert_int_equal(ev.pcr, 7);
	assert_int_equal(ev.type, BC_EV_SEPARATOR);
	assert_int_equal(ev.data_size, 4);
	assert_memory_equal(ev.data, "\1\0\0\0", 4);
	expect_event_digests(&ev, &want);
	bc_log_free(log);
	remove_tmp(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_image_digest_raw_matches_openssl),
	    cmocka_unit_test(test_image_digest_pe_of_non_pe_fails),
	    cmocka_unit_test(test_image_kind_names),
	    cmocka_unit_test(test_large_file_digest_matches_openssl),
	    cmocka_unit_test(test_pipe_digest_matches_openssl),
	    cmocka_unit_test(test_empty_file_and_errors),
	    cmocka_unit_test(test_trusted_match_goes_on),
	    cmocka_unit_test(test_trusted_mismatch_halts),
	    cmocka_unit_test(test_trusted_unknown_layer_and_wrong_pcr_halt),
	    cmocka_unit_test(test_invalid_layers_are_refused),
	    cmocka_unit_test(test_event_tag_is_logged),
	    cmocka_unit_test(test_image_load_event_is_logged),
	    cmocka_unit_test(test_image_load_event_path_in_utf16),
	    cmocka_unit_test(test_other_event_types_log_the_text_with_its_nul),
	    cmocka_unit_test(test_measure_file_logs_its_size),
	    cmocka_unit_test(test_cap_logs_an_error_separator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
