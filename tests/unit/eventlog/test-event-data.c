/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event data decoding (eventlog/event-data.c) and the payload check (eventlog/payload.c).
 * Inputs are built by hand from the structures of the TCG PC Client Platform Firmware
 * Profile and the UEFI specification, or copied from the real logs in
 * ../shared/data/eventlogs with the values tpm2-tools shows for them. Every event is
 * decoded from a heap copy of exactly its size, so that AddressSanitizer sees any read
 * past the data.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <bootchain/bootchain.h>
#include <bootchain/eventlog.h>

#include "eventlog/event-data.h"
#include "util/hex.h"

/* ---- building event data ---- */

typedef struct bytes {
	uint8_t b[4096];
	size_t n;
} bytes;

static void put(bytes *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	if (n)
		memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put_u8(bytes *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put_u16(bytes *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	put(b, x, 2);
}

static void put_u32(bytes *b, uint32_t v)
{
	put_u16(b, (uint16_t)v);
	put_u16(b, (uint16_t)(v >> 16));
}

static void put_u64(bytes *b, uint64_t v)
{
	put_u32(b, (uint32_t)v);
	put_u32(b, (uint32_t)(v >> 32));
}

static void put_hex(bytes *b, const char *hex)
{
	size_t len;
	assert_true(bc_hex_decode(hex, strlen(hex), b->b + b->n, sizeof(b->b) - b->n, &len));
	b->n += len;
}

/* An EFI_GUID from its text form: the first three fields are stored little-endian. */
static void put_guid(bytes *b, const char *s)
{
	unsigned a, f2, f3, d[8];
	assert_int_equal(sscanf(s, "%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x", &a, &f2, &f3, &d[0],
				&d[1], &d[2], &d[3], &d[4], &d[5], &d[6], &d[7]),
			 11);
	put_u32(b, a);
	put_u16(b, (uint16_t)f2);
	put_u16(b, (uint16_t)f3);
	for (int i = 0; i < 8; i++)
		put_u8(b, (uint8_t)d[i]);
}

/* UTF-16LE of an ASCII string, without a NUL. */
static void put_utf16(bytes *b, const char *s)
{
	for (; *s; s++)
		put_u16(b, (uint8_t)*s);
}

#define GLOBAL_GUID   "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define SECDB_GUID    "d719b2cb-3d3a-4596-a3bc-dad00e67656f"
#define X509_GUID     "a5c059a1-94e4-4aa7-87b5-ab155c2bf072"
#define SHA256_GUID   "c1c41626-504c-4092-aca9-41f936934328"
#define MS_OWNER_GUID "77fa9abd-0359-4d32-bd60-28f4e78f784b"

/* UEFI_VARIABLE_DATA with a name of ASCII characters. */
static void put_variable(bytes *b, const char *guid, const char *name, const void *data, size_t n)
{
	put_guid(b, guid);
	put_u64(b, strlen(name));
	put_u64(b, n);
	put_utf16(b, name);
	put(b, data, n);
}

/* A self-signed P-256 certificate, subject and issuer CN "bootchain test key". */
static const char test_cert[] =
    "3082018f30820135a0030201020214784a23f72416ffc1b02302c8f1a2c39044f06b10300a06082a8648"
    "ce3d040302301d311b301906035504030c12626f6f74636861696e2074657374206b6579301e170d3236"
    "313132353132303931335a170d3336313132323132303931335a301d311b301906035504030c12626f6f"
    "74636861696e2074657374206b65793059301306072a8648ce3d020106082a8648ce3d03010703420004"
    "0aee015cfc7533112510e124af1368bbdfd27a98f866db3adcc64c0648dcc87087f61302d4c73f1b1363"
    "c5db91ec89f81fdd53933eadfd08c2af7ac8043003caa3533051301d0603551d0e04160414f31364cb06"
    "1b33ffeacf6c72e5ce616c4b7375ce301f0603551d23041830168014f31364cb061b33ffeacf6c72e5ce"
    "616c4b7375ce300f0603551d130101ff040530030101ff300a06082a8648ce3d04030203480030450221"
    "00f4cf58d548c9d609e2b4dc3e1d4c60bd4ee1c24e4142dd639eda018ce326f0e50220094daeb61fea90"
    "f074e016cbca73598bfbaa13972c5ea2dd683be44bc5659751";
#define TEST_CERT_SIZE 403

/* Device path nodes (UEFI 10.3): HD(1,GPT,...) and File(\EFI\BOOT\BOOTX64.EFI), End. */
static void put_hd_node(bytes *b)
{
	put_hex(b, "04012a00");
	put_u32(b, 1);
	put_u64(b, 0x800);
	put_u64(b, 0x80000);
	put_guid(b, "1a504613-19b5-4b44-a83d-d926d40daa1c");
	put_u8(b, 2); /* GPT */
	put_u8(b, 2); /* GUID signature */
}

static void put_file_node(bytes *b, const char *path)
{
	put_u8(b, 4);
	put_u8(b, 4);
	put_u16(b, (uint16_t)(4 + 2 * (strlen(path) + 1)));
	put_utf16(b, path);
	put_u16(b, 0);
}

static void put_end_node(bytes *b)
{
	put_hex(b, "7fff0400");
}

/* ---- rendering ---- */

typedef struct rendered {
	bc_buf sum, text, json;
} rendered;

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("\"%s\" not found in \"%s\"", needle, hay);
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("\"%s\" unexpectedly found in \"%s\"", needle, hay);
}

/* Brackets balance outside strings and strings hold no raw control characters: the
 * writer places commas itself, so this catches a scope left open or closed twice. */
static void assert_json_shape(const char *s)
{
	int depth = 0;
	bool in_string = false;
	assert_int_equal(s[0], '{');
	for (const char *c = s; *c; c++) {
		if (in_string) {
			assert_true((unsigned char)*c >= 0x20);
			if (*c == '\\')
				c++;
			else if (*c == '"')
				in_string = false;
		} else if (*c == '"') {
			in_string = true;
		} else if (*c == '{' || *c == '[') {
			depth++;
		} else if (*c == '}' || *c == ']') {
			assert_true(--depth >= 0);
		}
	}
	assert_false(in_string);
	assert_int_equal(depth, 0);
}

/* Decode n bytes of data of type from a heap copy of exactly n bytes. */
static void render_data(uint32_t type, uint32_t pcr, const uint8_t *data, size_t n, size_t max,
			rendered *r)
{
	uint8_t *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	if (n)
		memcpy(copy, data, n);
	bc_event ev = {.type = type, .pcr = pcr, .data = copy, .data_size = (uint32_t)n};
	bc_json j;
	bc_buf_init(&r->sum, 1 << 20);
	bc_buf_init(&r->text, 1 << 20);
	bc_buf_init(&r->json, 1 << 20);
	bc_json_init(&j, &r->json);
	bc_event_data_summary(&ev, &r->sum, max);
	bc_event_data_describe(&ev, &r->text, "  ");
	bc_event_data_json(&ev, &j);
	free(copy);
	assert_false(r->sum.failed || r->text.failed || r->json.failed);
	bc_buf_str(&r->sum);
	bc_buf_str(&r->text);
	assert_json_shape(bc_buf_str(&r->json));
}

static void render(uint32_t type, const bytes *b, rendered *r)
{
	render_data(type, 0, b->b, b->n, 100, r);
}

static const char *sum_of(rendered *r)
{
	return bc_buf_str(&r->sum);
}

static const char *text_of(rendered *r)
{
	return bc_buf_str(&r->text);
}

static const char *json_of(rendered *r)
{
	return bc_buf_str(&r->json);
}

static void rendered_free(rendered *r)
{
	bc_buf_free(&r->sum);
	bc_buf_free(&r->text);
	bc_buf_free(&r->json);
}

/* Every prefix of well-formed data must decode to an error and the raw bytes. */
static void assert_every_prefix_fails_cleanly(uint32_t type, const bytes *b)
{
	for (size_t k = 0; k < b->n; k++) {
		rendered r;
		render_data(type, 0, b->b, k, 80, &r);
		if (!strstr(json_of(&r), "\"error\":") || !strstr(json_of(&r), "\"raw\":"))
			fail_msg("type 0x%x cut to %zu of %zu bytes: %s", type, k, b->n,
				 json_of(&r));
		assert_contains(text_of(&r), "  error: ");
		rendered_free(&r);
	}
}

/* ---- samples ---- */

static void sample_secure_boot(bytes *b, uint8_t value)
{
	*b = (bytes){.n = 0};
	put_variable(b, GLOBAL_GUID, "SecureBoot", &value, 1);
}

/* db with one X.509 list (the test certificate) and one SHA-256 list of two hashes. */
static void sample_db(bytes *b)
{
	bytes lists = {.n = 0};
	put_guid(&lists, X509_GUID);
	put_u32(&lists, 28 + 16 + TEST_CERT_SIZE);
	put_u32(&lists, 0);
	put_u32(&lists, 16 + TEST_CERT_SIZE);
	put_guid(&lists, MS_OWNER_GUID);
	put_hex(&lists, test_cert);
	put_guid(&lists, SHA256_GUID);
	put_u32(&lists, 28 + 2 * 48);
	put_u32(&lists, 0);
	put_u32(&lists, 48);
	for (int i = 0; i < 2; i++) {
		put_guid(&lists, MS_OWNER_GUID);
		for (int k = 0; k < 32; k++)
			put_u8(&lists, (uint8_t)(0xa0 + i));
	}
	*b = (bytes){.n = 0};
	put_variable(b, SECDB_GUID, "db", lists.b, lists.n);
}

/* Boot0003 of the arch-linux log: "UEFI OS", HD(1,GPT,...)/File(\EFI\BOOT\BOOTX64.EFI). */
static void sample_load_option(bytes *b)
{
	bytes opt = {.n = 0};
	put_u32(&opt, 1); /* LOAD_OPTION_ACTIVE */
	put_u16(&opt, 42 + 48 + 4);
	put_utf16(&opt, "UEFI OS");
	put_u16(&opt, 0);
	put_hd_node(&opt);
	put_file_node(&opt, "\\EFI\\BOOT\\BOOTX64.EFI");
	put_end_node(&opt);
	put_hex(&opt, "0000424f");
	*b = (bytes){.n = 0};
	put_variable(b, GLOBAL_GUID, "Boot0003", opt.b, opt.n);
}

/* Event 22 of the arch-linux log (EV_EFI_BOOT_SERVICES_APPLICATION). */
static const char arch_image_event[] =
    "18b016b600000000d5790100000000000000000000000000900000000000000002010c00d041030a0000"
    "000001010600001703120a000100ffff000004012a0001000000000800000000000000000800000000"
    "001346501ab519444ba83dd926d40daa1c0202040446005c004500460049005c005300590053005400"
    "45004d0044005c00530059005300540045004d0044002d0042004f004f0054005800360034002e0045"
    "004600490000007fff0400";

static void sample_image(bytes *b)
{
	*b = (bytes){.n = 0};
	put_hex(b, arch_image_event);
}

/* UEFI_GPT_DATA with the header of the arch-linux log and its EFI System partition. */
static void sample_gpt(bytes *b)
{
	*b = (bytes){.n = 0};
	put(b, "EFI PART", 8);
	put_u32(b, 0x10000);
	put_u32(b, 92);
	put_u32(b, 0x986df596);
	put_u32(b, 0);
	put_u64(b, 1);
	put_u64(b, 0x1dcf32af);
	put_u64(b, 0x22);
	put_u64(b, 0x1dcf328e);
	put_guid(b, "f9f4bb69-5418-46bb-9501-2d615a3edc79");
	put_u64(b, 2);
	put_u32(b, 128);
	put_u32(b, 128);
	put_u32(b, 0xe4012e1b);
	put_u64(b, 1); /* NumberOfPartitions */
	put_guid(b, "c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
	put_guid(b, "1a504613-19b5-4b44-a83d-d926d40daa1c");
	put_u64(b, 0x800);
	put_u64(b, 0x807ff);
	put_u64(b, 0);
	size_t name = b->n;
	put_utf16(b, "EFI System");
	while (b->n < name + 72)
		put_u8(b, 0);
}

static void sample_handoff(bytes *b)
{
	*b = (bytes){.n = 0};
	put_u64(b, 1);
	put_guid(b, "f2fd1544-9794-4a2c-992e-e5bbcf20e394"); /* SMBIOS3_TABLE_GUID */
	put_u64(b, 0x7f8e1000);
}

/* The Spec ID event of specid-vendordata.bin. */
static void sample_spec_id(bytes *b)
{
	*b = (bytes){.n = 0};
	put(b, "Spec ID Event03", 16);
	put_hex(b, "00000000000200020200000004001400"
		   "0b00200004deadbeef");
}

/* ---- decoding: good cases ---- */

static void test_secure_boot_variable_shows_guid_name_and_state(void **state)
{
	(void)state;
	bytes b;
	rendered r;
	sample_secure_boot(&b, 1);
	render(BC_EV_EFI_VARIABLE_DRIVER_CONFIG, &b, &r);
	assert_string_equal(sum_of(&r), "SecureBoot = 01 (enabled)");
	assert_contains(json_of(&r), "\"variable_guid\":\"" GLOBAL_GUID "\"");
	assert_contains(json_of(&r), "\"unicode_name_length\":10,\"variable_data_length\":1");
	assert_contains(json_of(&r), "\"variable_name\":\"SecureBoot\"");
	assert_contains(json_of(&r), "\"secure_boot\":true");
	assert_lacks(json_of(&r), "\"raw\"");
	assert_contains(text_of(&r), "  variable name: SecureBoot\n");
	assert_contains(text_of(&r), "  secure boot: yes\n");
	rendered_free(&r);
}

static void test_secure_boot_without_data_is_disabled(void **state)
{
	(void)state;
	bytes b = {.n = 0};
	rendered r;
	put_variable(&b, GLOBAL_GUID, "SecureBoot", NULL, 0);
	render(BC_EV_EFI_VARIABLE_DRIVER_CONFIG, &b, &r);
	assert_contains(json_of(&r), "\"secure_boot\":false");
	assert_string_equal(sum_of(&r), "SecureBoot = (empty)");
	rendered_free(&r);
}

static void test_signature_db_lists_types_owners_and_certificate_cn(void **state)
{
	(void)state;
	bytes b;
	rendered r;
	sample_db(&b);
	render(BC_EV_EFI_VARIABLE_DRIVER_CONFIG, &b, &r);
	assert_string_equal(sum_of(&r), "db = 3 signatures in 2 lists");
	assert_contains(json_of(&r), "\"signature_type\":\"" X509_GUID "\"");
	assert_contains(json_of(&r), "\"signature_type_name\":\"EFI_CERT_X509_GUID\"");
	assert_contains(json_of(&r), "\"signature_type_name\":\"EFI_CERT_SHA256_GUID\"");
	assert_contains(json_of(&r), "\"signature_list_size\":124,\"signature_header_size\":0,"
				     "\"signature_size\":48");
	assert_contains(json_of(&r), "\"owner\":\"" MS_OWNER_GUID "\"");
	assert_contains(json_of(&r), "\"subject_cn\":\"bootchain test key\"");
	assert_contains(json_of(&r), "\"data\":\"a1a1a1a1");
	assert_contains(text_of(&r), "signature lists[1]:\n");
	assert_contains(text_of(&r), "subject cn: bootchain test key\n");
	rendered_free(&r);
}

static void test_empty_signature_db_is_shown_empty(void **state)
{
	(void)state;
	bytes b = {.n = 0};
	rendered r;
	put_variable(&b, GLOBAL_GUID, "PK", NULL, 0);
	render(BC_EV_EFI_VARIABLE_DRIVER_CONFIG, &b, &r);
	assert_string_equal(sum_of(&r), "PK = (empty)");
	assert_contains(json_of(&r), "\"signature_lists\":[]");
	rendered_free(&r);
}

static void test_boot_order_lists_boot_entries(void **state)
{
	(void)state;
	/* event 12 of event-bootorder.bin: tpm2-tools shows Boot0001, Boot0000, Boot0002 */
	bytes b = {.n = 0};
	rendered r;
	put_hex(&b, "61dfe48bca93d211aa0d00e098032b8c09000000000000000600000000000000"
		    "42006f006f0074004f007200640065007200010000000200");
	render(BC_EV_EFI_VARIABLE_BOOT, &b, &r);
	assert_contains(json_of(&r), "\"boot_order\":[\"Boot0001\",\"Boot0000\",\"Boot0002\"]");
	assert_string_equal(sum_of(&r), "BootOrder = Boot0001 Boot0000 Boot0002");
	assert_contains(text_of(&r), "  boot order: Boot0001 Boot0000 Boot0002\n");
	rendered_free(&r);
}

static void test_load_option_shows_description_device_path_and_file(void **state)
{
	(void)state;
	bytes b;
	rendered r;
	sample_load_option(&b);
	render(BC_EV_EFI_VARIABLE_BOOT, &b, &r);
	assert_string_equal(sum_of(&r), "Boot0003 = UEFI OS, \\EFI\\BOOT\\BOOTX64.EFI");
	assert_contains(json_of(&r), "\"attributes\":1,\"active\":true");
	assert_contains(json_of(&r), "\"file_path_list_length\":94");
	assert_contains(json_of(&r), "\"description\":\"UEFI OS\"");
	assert_contains(json_of(&r),
			"\"device_path\":\"HD(1,GPT,1a504613-19b5-4b44-a83d-"
			"d926d40daa1c,0x800,0x80000)/File(\\\\EFI\\\\BOOT\\\\BOOTX64.EFI)\"");
	assert_contains(json_of(&r), "\"file_path\":\"\\\\EFI\\\\BOOT\\\\BOOTX64.EFI\"");
	assert_contains(json_of(&r), "\"optional_data\":\"0000424f\"");
	assert_contains(text_of(&r), "  load option:\n    attributes: 0x1\n");
	rendered_free(&r);
}

static void test_load_option_separates_further_paths(void **state)
{
	(void)state;
	bytes opt = {.n = 0}, b = {.n = 0};
	rendered r;
	put_u32(&opt, 1);
	put_u16(&opt, 20 + 4 + 42 + 4);
	put_utf16(&opt, "x");
	put_u16(&opt, 0);
	put_hex(&opt, "01041400"); /* VenHw(99e275e7-75a0-4b37-a2e6-c5385e6c00cb) */
	put_guid(&opt, "99e275e7-75a0-4b37-a2e6-c5385e6c00cb");
	put_end_node(&opt);
	put_hd_node(&opt);
	put_end_node(&opt);
	put_variable(&b, GLOBAL_GUID, "Boot0002", opt.b, opt.n);
	render(BC_EV_EFI_VARIABLE_BOOT, &b, &r);
	assert_contains(json_of(&r), "\"device_path\":\"VenHw(99e275e7-75a0-4b37-a2e6-"
				     "c5385e6c00cb);HD(1,GPT,");
	rendered_free(&r);
}

static void test_authority_shows_certificate_cn(void **state)
{
	(void)state;
	bytes data = {.n = 0}, b = {.n = 0};
	rendered r;
	put_guid(&data, MS_OWNER_GUID); /* EFI_SIGNATURE_DATA: owner, then the certificate */
	put_hex(&data, test_cert);
	put_variable(&b, SECDB_GUID, "db", data.b, data.n);
	render(BC_EV_EFI_VARIABLE_AUTHORITY, &b, &r);
	assert_string_equal(sum_of(&r), "db = bootchain test key");
	assert_contains(json_of(&r), "\"signature\":{\"owner\":\"" MS_OWNER_GUID "\","
				     "\"subject_cn\":\"bootchain test key\"");
	rendered_free(&r);
	/* shim's "Shim" is the bare certificate */
	b = (bytes){.n = 0};
	put_variable(&b, "605dab50-e046-4300-abb6-3dd810dd8b23", "Shim", data.b + 16, data.n - 16);
	render(BC_EV_EFI_VARIABLE_AUTHORITY, &b, &r);
	assert_contains(json_of(&r), "\"certificate\":{\"subject_cn\":\"bootchain test key\"");
	rendered_free(&r);
}

static void test_image_load_shows_fields_and_file_path(void **state)
{
	(void)state;
	bytes b;
	rendered r;
	sample_image(&b);
	render(BC_EV_EFI_BOOT_SERVICES_APPLICATION, &b, &r);
	/* tpm2-tools: 0xb616b018, 96725, 0x0, 144 */
	assert_string_equal(sum_of(&r), "\\EFI\\SYSTEMD\\SYSTEMD-BOOTX64.EFI");
	assert_contains(json_of(&r), "\"image_location_in_memory\":3054940184,"
				     "\"image_length_in_memory\":96725,"
				     "\"image_link_time_address\":0,\"length_of_device_path\":144");
	assert_contains(json_of(&r),
			"\"device_path\":\"PciRoot(0x0)/Pci(0x17,0x0)/"
			"Sata(1,65535,0)/HD(1,GPT,1a504613-19b5-4b44-a83d-d926d40daa1c,"
			"0x800,0x80000)/File(");
	assert_contains(text_of(&r), "  image location in memory: 0xb616b018\n");
	rendered_free(&r);
}

static void test_image_without_device_path_keeps_trailing_bytes(void **state)
{
	(void)state;
	/* event 26 of event-bootorder.bin: shim logged 9 bytes after an empty path */
	bytes b = {.n = 0};
	rendered r;
	for (int i = 0; i < 4; i++)
		put_u64(&b, 0);
	put_hex(&b, "0090150000a01500af");
	render(BC_EV_EFI_BOOT_SERVICES_APPLICATION, &b, &r);
	assert_contains(json_of(&r), "\"trailing\":\"0090150000a01500af\"");
	assert_contains(sum_of(&r), "no device path");
	rendered_free(&r);
}

static void test_device_path_node_shorter_than_its_structure_is_shown_as_hex(void **state)
{
	(void)state;
	/* an HD node of 10 bytes: libefivar would read all 42 */
	bytes b = {.n = 0};
	rendered r;
	put_u64(&b, 0);
	put_u64(&b, 0);
	put_u64(&b, 0);
	put_u64(&b, 14);
	put_hex(&b, "04010a00010203040506");
	put_end_node(&b);
	render(BC_EV_EFI_BOOT_SERVICES_DRIVER, &b, &r);
	assert_contains(json_of(&r), "\"device_path\":\"Path(4,1,010203040506)\"");
	assert_lacks(json_of(&r), "\"raw\"");
	rendered_free(&r);
}

static void test_firmware_blobs_show_base_and_length(void **state)
{
	(void)state;
	bytes b = {.n = 0};
	rendered r;
	put_u64(&b, 0x820000); /* event.bin: BlobBase 0x820000, BlobLength 0xe0000 */
	put_u64(&b, 0xe0000);
	render(BC_EV_EFI_PLATFORM_FIRMWARE_BLOB, &b, &r);
	assert_string_equal(sum_of(&r), "base 0x820000, length 0xe0000");
	assert_contains(json_of(&r), "\"blob_base\":8519680,\"blob_length\":917504");
	rendered_free(&r);
	b = (bytes){.n = 0};
	put_u8(&b, 9);
	put(&b, "DXE Volume", 9);
	put_u64(&b, 0x900000);
	put_u64(&b, 0xc00000);
	render(BC_EV_EFI_PLATFORM_FIRMWARE_BLOB2, &b, &r);
	assert_contains(json_of(&r), "\"blob_description\":\"DXE Volum\",\"blob_base\":9437184");
	assert_string_equal(sum_of(&r), "DXE Volum: base 0x900000, length 0xc00000");
	rendered_free(&r);
}

static void test_actions_show_their_string(void **state)
{
	(void)state;
	const char *s = "Calling EFI Application from Boot Option";
	rendered r;
	render_data(BC_EV_EFI_ACTION, 4, (const uint8_t *)s, strlen(s), 100, &r);
	assert_string_equal(sum_of(&r), s);
	assert_contains(json_of(&r), "{\"action\":\"Calling EFI Application from Boot Option\"}");
	rendered_free(&r);
	render_data(BC_EV_ACTION, 4, (const uint8_t *)"Hello\0", 6, 100, &r);
	assert_contains(json_of(&r), "{\"action\":\"Hello\"}");
	rendered_free(&r);
}

static void test_ipl_grub_string_is_ascii(void **state)
{
	(void)state;
	static const char s[] = "grub_cmd: linux /vmlinuz root=/dev/sda1";
	rendered r;
	render_data(BC_EV_IPL, 8, (const uint8_t *)s, sizeof(s), 100, &r);
	assert_string_equal(sum_of(&r), "grub_cmd: linux /vmlinuz root=/dev/sda1");
	assert_contains(json_of(&r), "\"string\":\"grub_cmd: linux /vmlinuz root=/dev/sda1\","
				     "\"encoding\":\"ascii\"");
	rendered_free(&r);
}

static void test_ipl_systemd_string_is_utf16(void **state)
{
	(void)state;
	bytes b = {.n = 0};
	rendered r;
	put_utf16(&b, "initrd=\\initramfs.img quiet");
	put_u8(&b, 0); /* systemd-boot logged only one byte of the NUL */
	render_data(BC_EV_IPL, 8, b.b, b.n, 100, &r);
	assert_string_equal(sum_of(&r), "initrd=\\initramfs.img quiet");
	assert_contains(json_of(&r), "\"encoding\":\"utf-16le\"");
	rendered_free(&r);
}

static void test_separator_shows_normal_and_error(void **state)
{
	(void)state;
	rendered r;
	render_data(BC_EV_SEPARATOR, 0, (const uint8_t *)"\0\0\0\0", 4, 100, &r);
	assert_string_equal(sum_of(&r), "normal");
	assert_contains(json_of(&r), "{\"value\":0,\"separator\":\"normal\"}");
	rendered_free(&r);
	render_data(BC_EV_SEPARATOR, 0, (const uint8_t *)"\xff\xff\xff\xff", 4, 100, &r);
	assert_string_equal(sum_of(&r), "error");
	assert_contains(json_of(&r), "\"value\":4294967295,\"separator\":\"error\"");
	rendered_free(&r);
	render_data(BC_EV_SEPARATOR, 0, (const uint8_t *)"\x01\0\0\0", 4, 100, &r);
	assert_string_equal(sum_of(&r), "error");
	rendered_free(&r);
	render_data(BC_EV_SEPARATOR, 0, (const uint8_t *)"\x02\0\0\0", 4, 100, &r);
	assert_string_equal(sum_of(&r), "0x00000002");
	rendered_free(&r);
}

static void test_crtm_version_utf16_string_or_raw(void **state)
{
	(void)state;
	bytes b = {.n = 0};
	rendered r;
	/* event 1 of the GCE log */
	put_hex(&b, "47004300450020005600690072007400750061006c0020004600690072006d0077006100"
		    "720065002000760031000000");
	render(BC_EV_S_CRTM_VERSION, &b, &r);
	assert_string_equal(sum_of(&r), "GCE Virtual Firmware v1");
	assert_contains(json_of(&r), "{\"version\":\"GCE Virtual Firmware v1\"}");
	rendered_free(&r);
	/* arch-linux: 16 bytes that are no string */
	b = (bytes){.n = 0};
	put_hex(&b, "1efb6b540c1d5540a4ad4ef4bf17b83a");
	render(BC_EV_S_CRTM_VERSION, &b, &r);
	assert_contains(json_of(&r), "{\"raw\":\"1efb6b540c1d5540a4ad4ef4bf17b83a\"}");
	assert_string_equal(sum_of(&r), "1efb6b540c1d5540a4ad4ef4bf17b83a");
	rendered_free(&r);
}

static void test_post_code_string_or_blob(void **state)
{
	(void)state;
	bytes b = {.n = 0};
	rendered r;
	render_data(BC_EV_POST_CODE, 0, (const uint8_t *)"ACPI DATA", 9, 100, &r);
	assert_contains(json_of(&r), "{\"string\":\"ACPI DATA\"}");
	rendered_free(&r);
	put_u64(&b, 0xffa90000); /* arch-linux: BlobBase 0xffa90000, BlobLength 0x350000 */
	put_u64(&b, 0x350000);
	render(BC_EV_POST_CODE, &b, &r);
	assert_string_equal(sum_of(&r), "base 0xffa90000, length 0x350000");
	rendered_free(&r);
}

static void test_event_tag_shows_id_size_and_text(void **state)
{
	(void)state;
	bytes b = {.n = 0};
	rendered r;
	put_hex(&b, "ec223b8f0d0000004c696e757820696e6974726400"); /* sd-boot-fedora37 #25 */
	render(BC_EV_EVENT_TAG, &b, &r);
	assert_contains(json_of(&r),
			"\"tagged_event_id\":2403017452,\"tagged_event_data_size\":13");
	assert_contains(json_of(&r), "\"tagged_event_text\":\"Linux initrd\"");
	assert_string_equal(sum_of(&r), "tag 0x8f3b22ec: Linux initrd");
	rendered_free(&r);
}

static void test_gpt_shows_disk_and_partitions(void **state)
{
	(void)state;
	bytes b;
	rendered r;
	sample_gpt(&b);
	render(BC_EV_EFI_GPT_EVENT, &b, &r);
	assert_string_equal(sum_of(&r), "disk f9f4bb69-5418-46bb-9501-2d615a3edc79, 1 partition");
	assert_contains(json_of(&r), "\"signature\":\"EFI PART\",\"revision\":65536,"
				     "\"header_size\":92,\"header_crc32\":2557343126");
	assert_contains(json_of(&r), "\"number_of_partition_entries\":128");
	assert_contains(json_of(&r), "\"partition_type_guid\":\"c12a7328-f81f-11d2-ba4b-"
				     "00a0c93ec93b\",\"partition_type_name\":\"EFI System\"");
	assert_contains(json_of(&r), "\"starting_lba\":2048,\"ending_lba\":526335");
	assert_contains(json_of(&r), "\"partition_name\":\"EFI System\"");
	assert_contains(text_of(&r), "  partitions[0]:\n    partition type guid: c12a7328");
	rendered_free(&r);
}

static void test_handoff_tables_name_well_known_guids(void **state)
{
	(void)state;
	bytes b, b2 = {.n = 0};
	rendered r;
	sample_handoff(&b);
	render(BC_EV_EFI_HANDOFF_TABLES, &b, &r);
	assert_string_equal(sum_of(&r), "SMBIOS 3");
	assert_contains(json_of(&r),
			"\"number_of_tables\":1,\"tables\":[{\"vendor_guid\":"
			"\"f2fd1544-9794-4a2c-992e-e5bbcf20e394\",\"name\":\"SMBIOS 3\","
			"\"vendor_table\":2140016640}]");
	rendered_free(&r);
	put_u8(&b2, 6);
	put(&b2, "SMBIOS", 6);
	put(&b2, b.b, b.n);
	render(BC_EV_EFI_HANDOFF_TABLES2, &b2, &r);
	assert_contains(json_of(&r), "\"table_description\":\"SMBIOS\",\"number_of_tables\":1");
	rendered_free(&r);
}

static void test_spec_id_event_shows_algorithms(void **state)
{
	(void)state;
	bytes b;
	rendered r;
	sample_spec_id(&b);
	render(BC_EV_NO_ACTION, &b, &r);
	/* tpm2-tools: 2.0 errata 0, uintnSize 2, sha1/20, sha256/32, vendorInfo deadbeef */
	assert_contains(json_of(&r),
			"\"signature\":\"Spec ID Event03\",\"platform_class\":0,"
			"\"spec_version_minor\":0,\"spec_version_major\":2,"
			"\"spec_errata\":0,\"uintn_size\":2,\"number_of_algorithms\":2");
	assert_contains(json_of(&r), "{\"algorithm_id\":4,\"algorithm\":\"sha1\","
				     "\"digest_size\":20},{\"algorithm_id\":11,\"algorithm\":"
				     "\"sha256\",\"digest_size\":32}");
	assert_contains(json_of(&r), "\"vendor_info_size\":4,\"vendor_info\":\"deadbeef\"");
	assert_string_equal(sum_of(&r), "Spec ID Event03, spec 2.0 errata 0: sha1 sha256");
	rendered_free(&r);
}

static void test_startup_locality_and_other_no_action_events(void **state)
{
	(void)state;
	bytes b = {.n = 0};
	rendered r;
	put(&b, "StartupLocality", 16);
	put_u8(&b, 3);
	render(BC_EV_NO_ACTION, &b, &r);
	assert_contains(json_of(&r), "{\"signature\":\"StartupLocality\",\"startup_locality\":3}");
	assert_string_equal(sum_of(&r), "StartupLocality 3");
	rendered_free(&r);
	b = (bytes){.n = 0};
	put(&b, "SP800-155 Event", 16);
	put_hex(&b, "0102");
	render(BC_EV_NO_ACTION, &b, &r);
	assert_contains(json_of(&r), "\"signature\":\"SP800-155 Event\"");
	assert_contains(json_of(&r), "\"raw\":\"53503830302d313535204576656e74000102\"");
	rendered_free(&r);
}

static void test_undecoded_types_are_raw_with_text(void **state)
{
	(void)state;
	uint8_t data[32] = "GCE NonHostInfo"; /* the GCE log's EV_NONHOST_INFO */
	rendered r;
	render_data(BC_EV_NONHOST_INFO, 0, data, sizeof(data), 100, &r);
	assert_string_equal(sum_of(&r), "GCE NonHostInfo");
	assert_contains(json_of(&r), "\"text\":\"GCE NonHostInfo\",\"raw\":\"474345204e6f6e");
	rendered_free(&r);
	render_data(0x12345678, 0, (const uint8_t *)"\x01\x02\xff", 3, 100, &r);
	assert_string_equal(sum_of(&r), "0102ff");
	assert_string_equal(json_of(&r), "{\"raw\":\"0102ff\"}");
	assert_string_equal(text_of(&r), "  raw: 0102ff\n");
	rendered_free(&r);
}

static void test_summary_is_cut_to_max_chars_without_control_characters(void **state)
{
	(void)state;
	static const char s[] = "grub_cmd: menuentry 'x' {\n\tlinux /vmlinuz\n}";
	rendered r;
	render_data(BC_EV_IPL, 8, (const uint8_t *)s, strlen(s), 20, &r);
	assert_string_equal(sum_of(&r), "grub_cmd: menuent...");
	rendered_free(&r);
	render_data(BC_EV_IPL, 8, (const uint8_t *)s, strlen(s), 100, &r);
	assert_string_equal(sum_of(&r), "grub_cmd: menuentry 'x' {  linux /vmlinuz }");
	assert_contains(text_of(&r), "string: grub_cmd: menuentry 'x' {\\x0a\\x09linux");
	rendered_free(&r);
	/* long undecoded data: hex of its first bytes, then "..." */
	uint8_t blob[100] = {0x01};
	render_data(BC_EV_NONHOST_CODE, 0, blob, sizeof(blob), 100, &r);
	assert_int_equal(strlen(sum_of(&r)), 2 * 32 + 3);
	rendered_free(&r);
}

static void test_describe_starts_every_line_with_indent(void **state)
{
	(void)state;
	bytes b;
	rendered r;
	sample_gpt(&b);
	render(BC_EV_EFI_GPT_EVENT, &b, &r);
	const char *t = text_of(&r);
	for (const char *line = t; *line; line = strchr(line, '\n') + 1) {
		assert_true(strncmp(line, "  ", 2) == 0);
		assert_non_null(strchr(line, '\n'));
	}
	rendered_free(&r);
}

/* ---- decoding: bad data ---- */

static void test_every_truncation_of_structured_data_is_reported(void **state)
{
	(void)state;
	bytes b, tag = {.n = 0}, sep = {.n = 0}, blob2 = {.n = 0}, loc = {.n = 0};
	sample_secure_boot(&b, 1);
	assert_every_prefix_fails_cleanly(BC_EV_EFI_VARIABLE_DRIVER_CONFIG, &b);
	sample_db(&b);
	assert_every_prefix_fails_cleanly(BC_EV_EFI_VARIABLE_DRIVER_CONFIG, &b);
	sample_load_option(&b);
	assert_every_prefix_fails_cleanly(BC_EV_EFI_VARIABLE_BOOT, &b);
	sample_image(&b);
	assert_every_prefix_fails_cleanly(BC_EV_EFI_BOOT_SERVICES_APPLICATION, &b);
	sample_gpt(&b);
	assert_every_prefix_fails_cleanly(BC_EV_EFI_GPT_EVENT, &b);
	sample_handoff(&b);
	assert_every_prefix_fails_cleanly(BC_EV_EFI_HANDOFF_TABLES, &b);
	sample_spec_id(&b);
	assert_every_prefix_fails_cleanly(BC_EV_NO_ACTION, &b);
	put(&loc, "StartupLocality", 16);
	put_u8(&loc, 0);
	assert_every_prefix_fails_cleanly(BC_EV_NO_ACTION, &loc);
	put_hex(&tag, "ec223b8f0d0000004c696e757820696e6974726400");
	assert_every_prefix_fails_cleanly(BC_EV_EVENT_TAG, &tag);
	put_u32(&sep, 0);
	assert_every_prefix_fails_cleanly(BC_EV_SEPARATOR, &sep);
	put_hex(&blob2, "0341424300000000000000000000000000000000");
	assert_every_prefix_fails_cleanly(BC_EV_EFI_PLATFORM_FIRMWARE_BLOB2, &blob2);
	b = (bytes){.n = 0};
	put_u64(&b, 1);
	put_u64(&b, 2);
	assert_every_prefix_fails_cleanly(BC_EV_EFI_PLATFORM_FIRMWARE_BLOB, &b);
}

static void test_truncated_guid_names_bytes_had_and_needed(void **state)
{
	(void)state;
	bytes b;
	rendered r;
	sample_secure_boot(&b, 1);
	render_data(BC_EV_EFI_VARIABLE_DRIVER_CONFIG, 7, b.b, 12, 100, &r);
	assert_contains(json_of(&r), "\"error\":\"variable_guid: truncated: 12 bytes where 16 "
				     "are needed\"");
	assert_contains(sum_of(&r), "(variable_guid: truncated: 12 bytes where 16 are needed)");
	rendered_free(&r);
}

static void test_name_length_of_max_u64_is_reported_not_read(void **state)
{
	(void)state;
	bytes b = {.n = 0};
	rendered r;
	put_guid(&b, GLOBAL_GUID);
	put_u64(&b, UINT64_MAX);
	put_u64(&b, 1);
	put_utf16(&b, "SecureBoot");
	put_u8(&b, 1);
	render(BC_EV_EFI_VARIABLE_DRIVER_CONFIG, &b, &r);
	assert_contains(json_of(&r), "\"error\":\"variable_name: truncated: 21 bytes where "
				     "18446744073709551615 UTF-16 characters are needed\"");
	assert_contains(json_of(&r), "\"raw\":\"61dfe48b");
	rendered_free(&r);
}

static void test_data_length_past_the_end_is_reported(void **state)
{
	(void)state;
	bytes b = {.n = 0};
	rendered r;
	put_guid(&b, GLOBAL_GUID);
	put_u64(&b, 10);
	put_u64(&b, 0x8000000000000000u);
	put_utf16(&b, "SecureBoot");
	put_u8(&b, 1);
	render(BC_EV_EFI_VARIABLE_DRIVER_CONFIG, &b, &r);
	assert_contains(json_of(&r), "\"error\":\"variable_data: truncated: 1 bytes where "
				     "9223372036854775808 are needed\"");
	rendered_free(&r);
}

static void test_device_path_length_past_the_end_is_reported(void **state)
{
	(void)state;
	bytes b;
	rendered r;
	sample_image(&b);
	b.b[24] = 145; /* LengthOfDevicePath one more than the 144 bytes there */
	render(BC_EV_EFI_BOOT_SERVICES_APPLICATION, &b, &r);
	assert_contains(json_of(&r), "\"error\":\"device_path: truncated: 144 bytes where 145 "
				     "are needed\"");
	rendered_free(&r);
	sample_image(&b);
	memset(b.b + 24, 0xff, 8);
	render(BC_EV_EFI_BOOT_SERVICES_APPLICATION, &b, &r);
	assert_contains(json_of(&r), "\"error\":\"device_path: truncated: 144 bytes where "
				     "18446744073709551615 are needed\"");
	rendered_free(&r);
}

static void test_device_path_node_past_the_end_is_reported(void **state)
{
	(void)state;
	bytes b;
	rendered r;
	sample_image(&b);
	/* the File node at byte 70 of the path, 74 bytes before its end, claims 76 */
	assert_int_equal(b.b[32 + 70], 4);
	assert_int_equal(b.b[32 + 72], 0x46);
	b.b[32 + 72] = 0x4c;
	render(BC_EV_EFI_BOOT_SERVICES_APPLICATION, &b, &r);
	assert_contains(json_of(&r), "\"error\":\"device_path: node at byte 70: truncated: 74 "
				     "bytes where 76 are needed\"");
	rendered_free(&r);
	sample_image(&b);
	b.b[32 + 72] = 0xff;
	b.b[32 + 73] = 0xff;
	render(BC_EV_EFI_BOOT_SERVICES_APPLICATION, &b, &r);
	assert_contains(json_of(&r), "where 65535 are needed");
	rendered_free(&r);
}

static void test_device_path_node_length_below_four_stops_the_walk(void **state)
{
	(void)state;
	bytes b = {.n = 0};
	rendered r;
	for (int i = 0; i < 3; i++)
		put_u64(&b, 0);
	put_u64(&b, 8);
	put_hex(&b, "7fff00007fff0400"); /* an End node of length 0 would loop forever */
	render(BC_EV_EFI_RUNTIME_SERVICES_DRIVER, &b, &r);
	assert_contains(json_of(&r), "\"error\":\"device_path: node at byte 0: length 0 is less "
				     "than 4\"");
	rendered_free(&r);
}

static void test_load_option_inner_lengths_are_checked(void **state)
{
	(void)state;
	bytes opt = {.n = 0}, b = {.n = 0};
	rendered r;
	put_u32(&opt, 1);
	put_u16(&opt, 200); /* FilePathListLength past the end */
	put_utf16(&opt, "OS");
	put_u16(&opt, 0);
	put_end_node(&opt);
	put_variable(&b, GLOBAL_GUID, "Boot0001", opt.b, opt.n);
	render(BC_EV_EFI_VARIABLE_BOOT, &b, &r);
	assert_contains(json_of(&r), "\"error\":\"file_path_list: truncated: 4 bytes where 200 "
				     "are needed\"");
	rendered_free(&r);
	/* a description of an odd number of bytes and no NUL */
	opt = (bytes){.n = 0};
	b = (bytes){.n = 0};
	put_u32(&opt, 1);
	put_u16(&opt, 0);
	put_hex(&opt, "4100420043");
	put_variable(&b, GLOBAL_GUID, "Boot0001", opt.b, opt.n);
	render(BC_EV_EFI_VARIABLE_BOOT, &b, &r);
	assert_contains(json_of(&r), "\"error\":\"description: no terminating NUL in 5 bytes\"");
	rendered_free(&r);
}

static void test_signature_list_sizes_are_checked(void **state)
{
	(void)state;
	bytes list = {.n = 0}, b = {.n = 0};
	rendered r;
	put_guid(&list, SHA256_GUID);
	put_u32(&list, 28 + 48);
	put_u32(&list, 0);
	put_u32(&list, 0); /* SignatureSize 0: no division by it */
	for (int i = 0; i < 48; i++)
		put_u8(&list, 0);
	put_variable(&b, SECDB_GUID, "dbx", list.b, list.n);
	render(BC_EV_EFI_VARIABLE_DRIVER_CONFIG, &b, &r);
	assert_contains(json_of(&r), "\"error\":\"signature_size: 0 does not divide the 48 bytes");
	rendered_free(&r);
	list.b[16] = 0xff; /* SignatureListSize 0xff000000 + 76 */
	list.b[19] = 0xff;
	list.b[24] = 48;
	b = (bytes){.n = 0};
	put_variable(&b, SECDB_GUID, "dbx", list.b, list.n);
	render(BC_EV_EFI_VARIABLE_DRIVER_CONFIG, &b, &r);
	assert_contains(json_of(&r), "\"error\":\"signature_list_size: truncated: 76 bytes where");
	rendered_free(&r);
	list.b[16] = 10; /* less than the list header */
	list.b[19] = 0;
	b = (bytes){.n = 0};
	put_variable(&b, SECDB_GUID, "dbx", list.b, list.n);
	render(BC_EV_EFI_VARIABLE_DRIVER_CONFIG, &b, &r);
	assert_contains(json_of(&r), "\"error\":\"signature_list_size: 10 is less than its header");
	rendered_free(&r);
}

static void test_gpt_counts_and_sizes_are_checked(void **state)
{
	(void)state;
	bytes b;
	rendered r;
	sample_gpt(&b);
	memset(b.b + 92, 0xff, 8); /* NumberOfPartitions */
	render(BC_EV_EFI_GPT_EVENT, &b, &r);
	assert_contains(json_of(&r), "\"error\":\"partitions: truncated: 128 bytes where");
	rendered_free(&r);
	sample_gpt(&b);
	b.b[84] = 16; /* SizeOfPartitionEntry */
	render(BC_EV_EFI_GPT_EVENT, &b, &r);
	assert_contains(json_of(&r), "\"error\":\"size_of_partition_entry: 16 is less than 128\"");
	rendered_free(&r);
}

static void test_counts_past_the_end_are_reported(void **state)
{
	(void)state;
	bytes b;
	rendered r;
	sample_handoff(&b);
	b.b[0] = 2;
	render(BC_EV_EFI_HANDOFF_TABLES, &b, &r);
	assert_contains(json_of(&r),
			"\"error\":\"tables: truncated: 24 bytes where 48 are needed\"");
	rendered_free(&r);
	sample_spec_id(&b);
	memset(b.b + 24, 0xff, 4); /* numberOfAlgorithms */
	render(BC_EV_NO_ACTION, &b, &r);
	assert_contains(json_of(&r), "\"error\":\"algorithms: truncated: 13 bytes where "
				     "17179869180 are needed\"");
	rendered_free(&r);
	b = (bytes){.n = 0};
	put_hex(&b, "ec223b8fffffffff4c696e7578"); /* TaggedEventDataSize past the end */
	render(BC_EV_EVENT_TAG, &b, &r);
	assert_contains(json_of(&r), "\"error\":\"tagged_event_data: truncated: 5 bytes where "
				     "4294967295 are needed\"");
	rendered_free(&r);
	b = (bytes){.n = 0};
	put_hex(&b, "ff414243"); /* BlobDescriptionSize past the end */
	render(BC_EV_EFI_PLATFORM_FIRMWARE_BLOB2, &b, &r);
	assert_contains(json_of(&r), "\"error\":\"blob_description: truncated: 3 bytes where 255 "
				     "are needed\"");
	rendered_free(&r);
}

static void test_odd_utf16_lengths_stay_within_the_data(void **state)
{
	(void)state;
	bytes b = {.n = 0};
	rendered r;
	put_hex(&b, "41004200"); /* "AB" then a lone byte */
	put_u8(&b, 0x43);
	render_data(BC_EV_IPL, 12, b.b, b.n, 100, &r);
	assert_contains(json_of(&r), "\"string\":\"AB\"");
	rendered_free(&r);
	render(BC_EV_S_CRTM_VERSION, &b, &r);
	assert_contains(json_of(&r), "{\"raw\":\"4100420043\"}");
	rendered_free(&r);
	/* a File node of odd length, and an unpaired surrogate in it */
	b = (bytes){.n = 0};
	for (int i = 0; i < 3; i++)
		put_u64(&b, 0);
	put_u64(&b, 11);
	put_hex(&b, "04040b005c0000d8410042");
	render(BC_EV_EFI_BOOT_SERVICES_APPLICATION, &b, &r);
	/* the lone last byte (0x42) is not half a character: it is dropped */
	assert_contains(json_of(&r), "\"device_path\":\"File(\\\\\xef\xbf\xbd"
				     "A)\"");
	rendered_free(&r);
}

static void test_empty_data_is_handled_for_every_decoded_type(void **state)
{
	(void)state;
	static const uint32_t types[] = {BC_EV_EFI_VARIABLE_DRIVER_CONFIG,
					 BC_EV_EFI_VARIABLE_BOOT,
					 BC_EV_EFI_VARIABLE_BOOT2,
					 BC_EV_EFI_VARIABLE_AUTHORITY,
					 BC_EV_EFI_BOOT_SERVICES_APPLICATION,
					 BC_EV_EFI_PLATFORM_FIRMWARE_BLOB,
					 BC_EV_EFI_PLATFORM_FIRMWARE_BLOB2,
					 BC_EV_EFI_ACTION,
					 BC_EV_IPL,
					 BC_EV_SEPARATOR,
					 BC_EV_S_CRTM_VERSION,
					 BC_EV_POST_CODE,
					 BC_EV_EVENT_TAG,
					 BC_EV_EFI_GPT_EVENT,
					 BC_EV_EFI_HANDOFF_TABLES,
					 BC_EV_EFI_HANDOFF_TABLES2,
					 BC_EV_NO_ACTION,
					 BC_EV_NONHOST_INFO};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		rendered r;
		render_data(types[i], 0, NULL, 0, 100, &r);
		assert_contains(json_of(&r), "\"");
		rendered_free(&r);
		/* a NULL pointer with no bytes is as good as empty data */
		bc_event ev = {.type = types[i]};
		bc_buf out;
		bc_buf_init(&out, 4096);
		bc_event_data_summary(&ev, &out, 80);
		bc_event_data_describe(&ev, &out, "");
		assert_false(out.failed);
		bc_buf_free(&out);
	}
}

/* ---- payload check ---- */

typedef struct digested {
	bc_event ev;
	uint8_t bytes[BC_MAX_BANKS][BC_MAX_DIGEST_SIZE];
} digested;

static void digested_new(digested *d, uint32_t type, uint32_t pcr, const void *data, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	if (n)
		memcpy(copy, data, n);
	d->ev = (bc_event){.type = type, .pcr = pcr, .data = copy, .data_size = (uint32_t)n};
}

static void digested_free(digested *d)
{
	free((void *)d->ev.data);
}

static void add_digest_hex(digested *d, uint16_t alg, const char *hex)
{
	size_t i = d->ev.digest_count++, len;
	assert_true(bc_hex_decode(hex, strlen(hex), d->bytes[i], BC_MAX_DIGEST_SIZE, &len));
	d->ev.digests[i] =
	    (bc_event_digest){.alg = alg, .size = (uint16_t)len, .bytes = d->bytes[i]};
}

/* The digest of bytes the specification says are hashed, computed independently. */
static void add_digest_of(digested *d, uint16_t alg, const void *p, size_t n)
{
	bc_digest dg;
	size_t i = d->ev.digest_count++;
	assert_int_equal(bc_digest_compute(alg, p, n, &dg, NULL), BC_OK);
	memcpy(d->bytes[i], dg.bytes, dg.size);
	d->ev.digests[i] = (bc_event_digest){.alg = alg, .size = dg.size, .bytes = d->bytes[i]};
}

static bc_payload_verdict check(const digested *d)
{
	return bc_event_check_payload(&d->ev, NULL);
}

static void test_payload_separator_matches_and_forged_differs(void **state)
{
	(void)state;
	digested d;
	uint16_t alg = 0;
	digested_new(&d, BC_EV_SEPARATOR, 7, "\0\0\0\0", 4);
	/* sd-boot-fedora37 #9: sha256 of 00000000 */
	add_digest_hex(&d, BC_ALG_SHA256,
		       "df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119");
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	d.bytes[0][0] ^= 1;
	assert_int_equal(bc_event_check_payload(&d.ev, &alg), BC_PAYLOAD_DIFFERS);
	assert_int_equal(alg, BC_ALG_SHA256);
	digested_free(&d);
}

static void test_payload_actions_hash_their_string(void **state)
{
	(void)state;
	static const char s[] = "Calling EFI Application from Boot Option";
	digested d;
	digested_new(&d, BC_EV_EFI_ACTION, 4, s, strlen(s));
	add_digest_hex(&d, BC_ALG_SHA256, /* sd-boot-fedora37 #15 */
		       "3d6772b4f84ed47595d72a2c4c5ffd15f5bb72c7507fe26f2aaee2c69d5633ba");
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	digested_free(&d);
	digested_new(&d, BC_EV_EFI_ACTION, 4, "Harmless", 8);
	add_digest_hex(&d, BC_ALG_SHA256,
		       "3d6772b4f84ed47595d72a2c4c5ffd15f5bb72c7507fe26f2aaee2c69d5633ba");
	assert_int_equal(check(&d), BC_PAYLOAD_DIFFERS);
	digested_free(&d);
	digested_new(&d, BC_EV_ACTION, 4, "Start Option ROM Scan", 21);
	add_digest_of(&d, BC_ALG_SHA1, "Start Option ROM Scan", 21);
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	d.bytes[0][19] ^= 0x80;
	assert_int_equal(check(&d), BC_PAYLOAD_DIFFERS);
	digested_free(&d);
}

static void test_payload_driver_config_variable_hashes_whole_structure(void **state)
{
	(void)state;
	bytes b;
	digested d;
	sample_secure_boot(&b, 1); /* event-uefivar.bin #1 */
	digested_new(&d, BC_EV_EFI_VARIABLE_DRIVER_CONFIG, 7, b.b, b.n);
	add_digest_hex(&d, BC_ALG_SHA1, "d4fdd1f14d4041494deb8fc990c45343d2277d08");
	add_digest_hex(&d, BC_ALG_SHA256,
		       "ccfc4bb32888a345bc8aeadaba552b627d99348c767681ab3141f5b01e40a40e");
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	digested_free(&d);
	sample_secure_boot(&b, 0); /* claims Secure Boot off with the digests of on */
	digested_new(&d, BC_EV_EFI_VARIABLE_DRIVER_CONFIG, 7, b.b, b.n);
	add_digest_hex(&d, BC_ALG_SHA1, "d4fdd1f14d4041494deb8fc990c45343d2277d08");
	assert_int_equal(check(&d), BC_PAYLOAD_DIFFERS);
	digested_free(&d);
}

/* event 12 of event-bootorder.bin, hashed (by OVMF) over VariableData only */
static const char boot_order_event[] =
    "61dfe48bca93d211aa0d00e098032b8c09000000000000000600000000000000"
    "42006f006f0074004f007200640065007200010000000200";

static void test_payload_boot_variable_accepts_variable_data_only(void **state)
{
	(void)state;
	bytes b = {.n = 0};
	digested d;
	put_hex(&b, boot_order_event);
	digested_new(&d, BC_EV_EFI_VARIABLE_BOOT, 1, b.b, b.n);
	add_digest_hex(&d, BC_ALG_SHA1, "ea3f530d2b261b5a945812c15858c09de04abe9c");
	add_digest_hex(&d, BC_ALG_SHA256,
		       "263d99957c7b574c63a265b32da7fff8b8ad831828946bfbff650d7074dd9198");
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	digested_free(&d);
	/* and the whole UEFI_VARIABLE_DATA, as the specification says */
	digested_new(&d, BC_EV_EFI_VARIABLE_BOOT, 1, b.b, b.n);
	add_digest_of(&d, BC_ALG_SHA256, b.b, b.n);
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	digested_free(&d);
	/* a changed boot order with the old digests */
	b.b[b.n - 1] = 0x05;
	digested_new(&d, BC_EV_EFI_VARIABLE_BOOT, 1, b.b, b.n);
	add_digest_hex(&d, BC_ALG_SHA1, "ea3f530d2b261b5a945812c15858c09de04abe9c");
	assert_int_equal(check(&d), BC_PAYLOAD_DIFFERS);
	digested_free(&d);
}

static void test_payload_boot2_and_authority_need_the_whole_structure(void **state)
{
	(void)state;
	bytes b = {.n = 0};
	digested d;
	put_hex(&b, boot_order_event);
	digested_new(&d, BC_EV_EFI_VARIABLE_BOOT2, 1, b.b, b.n);
	add_digest_hex(&d, BC_ALG_SHA1, "ea3f530d2b261b5a945812c15858c09de04abe9c");
	assert_int_equal(check(&d), BC_PAYLOAD_DIFFERS);
	digested_free(&d);
	sample_db(&b);
	digested_new(&d, BC_EV_EFI_VARIABLE_AUTHORITY, 7, b.b, b.n);
	add_digest_of(&d, BC_ALG_SHA256, b.b, b.n);
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	digested_free(&d);
	/* a digest that leaves out the last byte of the variable's value does not match */
	digested_new(&d, BC_EV_EFI_VARIABLE_AUTHORITY, 7, b.b, b.n);
	add_digest_of(&d, BC_ALG_SHA256, b.b, b.n - 1);
	assert_int_equal(check(&d), BC_PAYLOAD_DIFFERS);
	digested_free(&d);
}

/* shim 15 logged its vendor certificate with 6 bytes of struct padding after the
 * UEFI_VARIABLE_DATA and hashed all but the last (event-postcode.bin #40 and #54) */
static void test_payload_authority_accepts_shim15_padding(void **state)
{
	(void)state;
	bytes b;
	digested d;
	size_t struct_end;
	sample_db(&b);
	struct_end = b.n;
	put_hex(&b, "0000000000af");
	digested_new(&d, BC_EV_EFI_VARIABLE_AUTHORITY, 7, b.b, b.n);
	add_digest_of(&d, BC_ALG_SHA256, b.b, struct_end + 5);
	add_digest_of(&d, BC_ALG_SHA1, b.b, struct_end + 5);
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	digested_free(&d);
	/* the padding covered, the structure not all covered: differs */
	digested_new(&d, BC_EV_EFI_VARIABLE_AUTHORITY, 7, b.b, b.n);
	add_digest_of(&d, BC_ALG_SHA256, b.b, struct_end - 1);
	assert_int_equal(check(&d), BC_PAYLOAD_DIFFERS);
	digested_free(&d);
	/* more than 8 bytes after the structure is data, not padding: all must be hashed */
	put_hex(&b, "01020304");
	digested_new(&d, BC_EV_EFI_VARIABLE_AUTHORITY, 7, b.b, b.n);
	add_digest_of(&d, BC_ALG_SHA256, b.b, struct_end + 5);
	assert_int_equal(check(&d), BC_PAYLOAD_DIFFERS);
	digested_free(&d);
}

static void test_payload_ipl_grub_command_hashes_text_after_prefix(void **state)
{
	(void)state;
	static const char cmd[] = "grub_cmd: load_env"; /* event-bootorder.bin #43 */
	digested d;
	digested_new(&d, BC_EV_IPL, 8, cmd, sizeof(cmd));
	add_digest_hex(&d, BC_ALG_SHA1, "453dee6ce82bd80ea89bd8085724ae9784ff0f1b");
	add_digest_hex(&d, BC_ALG_SHA256,
		       "f8b99f77983990e8804864cade91f361b5b6600cc2832febaef878ac8b44d27e");
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	digested_free(&d);
	/* another command behind the same digests, even outside PCR 8 */
	digested_new(&d, BC_EV_IPL, 9, "grub_cmd: insmod evil", 22);
	add_digest_hex(&d, BC_ALG_SHA1, "453dee6ce82bd80ea89bd8085724ae9784ff0f1b");
	assert_int_equal(check(&d), BC_PAYLOAD_DIFFERS);
	digested_free(&d);
	digested_new(&d, BC_EV_IPL, 8, "kernel_cmdline: /vmlinuz ro", 27);
	add_digest_of(&d, BC_ALG_SHA256, "/vmlinuz ro", 11);
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	digested_free(&d);
}

static void test_payload_ipl_string_with_or_without_nul(void **state)
{
	(void)state;
	digested d;
	digested_new(&d, BC_EV_IPL, 8, "abc\0", 4);
	add_digest_of(&d, BC_ALG_SHA256, "abc", 3);
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	digested_free(&d);
	digested_new(&d, BC_EV_IPL, 8, "abc", 3);
	add_digest_of(&d, BC_ALG_SHA256, "abc", 4);
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	digested_free(&d);
	digested_new(&d, BC_EV_IPL, 8, "abc", 3);
	add_digest_of(&d, BC_ALG_SHA256, "abd", 3);
	assert_int_equal(check(&d), BC_PAYLOAD_DIFFERS);
	digested_free(&d);
}

static void test_payload_ipl_utf16_variants(void **state)
{
	(void)state;
	bytes s = {.n = 0};
	digested d;
	put_utf16(&s, "initrd=\\a.img");
	put_u16(&s, 0);
	/* logged with the NUL, hashed without */
	digested_new(&d, BC_EV_IPL, 12, s.b, s.n);
	add_digest_of(&d, BC_ALG_SHA256, s.b, s.n - 2);
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	digested_free(&d);
	/* systemd-boot: hashed with its NUL, logged one byte short (arch-linux #24) */
	digested_new(&d, BC_EV_IPL, 8, s.b, s.n - 1);
	add_digest_of(&d, BC_ALG_SHA256, s.b, s.n);
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	digested_free(&d);
	/* logged without the NUL, hashed with it */
	digested_new(&d, BC_EV_IPL, 8, s.b, s.n - 2);
	add_digest_of(&d, BC_ALG_SHA256, s.b, s.n);
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	digested_free(&d);
}

static void test_payload_ipl_file_names_outside_pcr8_are_not_defined(void **state)
{
	(void)state;
	static const char path[] = "(hd0,gpt1)/boot/grub/grub.cfg";
	digested d;
	/* grub hashes the file into PCR 9 and logs its name */
	digested_new(&d, BC_EV_IPL, 9, path, sizeof(path));
	add_digest_of(&d, BC_ALG_SHA256, "set timeout=5\n", 14);
	assert_int_equal(check(&d), BC_PAYLOAD_NOT_DEFINED);
	digested_free(&d);
	/* in PCR 8 every known writer hashes the string */
	digested_new(&d, BC_EV_IPL, 8, path, sizeof(path));
	add_digest_of(&d, BC_ALG_SHA256, "set timeout=5\n", 14);
	assert_int_equal(check(&d), BC_PAYLOAD_DIFFERS);
	digested_free(&d);
	/* a string that does hash to its digest is reported as matching anywhere */
	digested_new(&d, BC_EV_IPL, 14, "MokList\0", 8);
	add_digest_of(&d, BC_ALG_SHA256, "MokList", 7);
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	digested_free(&d);
}

static void test_payload_crtm_version_and_gpt_hash_their_data(void **state)
{
	(void)state;
	bytes b = {.n = 0};
	digested d;
	put_hex(&b, "47004300450020005600690072007400750061006c0020004600690072006d0077006100"
		    "720065002000760031000000");
	digested_new(&d, BC_EV_S_CRTM_VERSION, 0, b.b, b.n); /* the GCE log's #1 */
	add_digest_hex(&d, BC_ALG_SHA1, "3f708bdbaff2006655b540360e16474c100c1310");
	add_digest_hex(&d, BC_ALG_SHA256,
		       "d0fcf11a32a8fbf5a4e1a58cd74dd2357d07e7503b5b6afd5a7989a98e17be7f");
	add_digest_hex(&d, BC_ALG_SHA384,
		       "6d01b1822e08428dcf9234f6a78ac5cb49f49bc1c4393f3717319d8161218bb614df8af7"
		       "a68c14cea682616589bf0963");
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	digested_free(&d);
	sample_gpt(&b);
	digested_new(&d, BC_EV_EFI_GPT_EVENT, 5, b.b, b.n);
	add_digest_of(&d, BC_ALG_SHA256, b.b, b.n);
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	digested_free(&d);
	b.b[b.n - 1] = 1;
	digested_new(&d, BC_EV_EFI_GPT_EVENT, 5, b.b, b.n);
	add_digest_of(&d, BC_ALG_SHA256, b.b, b.n - 1);
	assert_int_equal(check(&d), BC_PAYLOAD_DIFFERS);
	digested_free(&d);
}

static void test_payload_not_defined_for_pointer_and_image_events(void **state)
{
	(void)state;
	static const uint32_t types[] = {BC_EV_EFI_HANDOFF_TABLES,
					 BC_EV_EFI_PLATFORM_FIRMWARE_BLOB,
					 BC_EV_EFI_BOOT_SERVICES_APPLICATION,
					 BC_EV_NO_ACTION,
					 BC_EV_POST_CODE,
					 BC_EV_NONHOST_INFO,
					 BC_EV_EVENT_TAG};
	bytes b;
	sample_handoff(&b);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		digested d;
		digested_new(&d, types[i], 0, b.b, b.n);
		add_digest_of(&d, BC_ALG_SHA256, "x", 1);
		assert_int_equal(check(&d), BC_PAYLOAD_NOT_DEFINED);
		digested_free(&d);
	}
}

static void test_payload_skips_banks_it_cannot_compute(void **state)
{
	(void)state;
	digested d;
	uint16_t alg = 0;
	digested_new(&d, BC_EV_SEPARATOR, 0, "\0\0\0\0", 4);
	add_digest_hex(&d, 0x0001, "00112233"); /* TPM2_ALG_RSA is no hash */
	assert_int_equal(check(&d), BC_PAYLOAD_NOT_DEFINED);
	add_digest_of(&d, BC_ALG_SHA1, "\0\0\0\0", 4);
	assert_int_equal(check(&d), BC_PAYLOAD_MATCHES);
	add_digest_of(&d, BC_ALG_SHA256, "\1\0\0\0", 4); /* a wrong second bank */
	assert_int_equal(bc_event_check_payload(&d.ev, &alg), BC_PAYLOAD_DIFFERS);
	assert_int_equal(alg, BC_ALG_SHA256);
	digested_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_secure_boot_variable_shows_guid_name_and_state),
	    cmocka_unit_test(test_secure_boot_without_data_is_disabled),
	    cmocka_unit_test(test_signature_db_lists_types_owners_and_certificate_cn),
	    cmocka_unit_test(test_empty_signature_db_is_shown_empty),
	    cmocka_unit_test(test_boot_order_lists_boot_entries),
	    cmocka_unit_test(test_load_option_shows_description_device_path_and_file),
	    cmocka_unit_test(test_load_option_separates_further_paths),
	    cmocka_unit_test(test_authority_shows_certificate_cn),
	    cmocka_unit_test(test_image_load_shows_fields_and_file_path),
	    cmocka_unit_test(test_image_without_device_path_keeps_trailing_bytes),
	    cmocka_unit_test(test_device_path_node_shorter_than_its_structure_is_shown_as_hex),
	    cmocka_unit_test(test_firmware_blobs_show_base_and_length),
	    cmocka_unit_test(test_actions_show_their_string),
	    cmocka_unit_test(test_ipl_grub_string_is_ascii),
	    cmocka_unit_test(test_ipl_systemd_string_is_utf16),
	    cmocka_unit_test(test_separator_shows_normal_and_error),
	    cmocka_unit_test(test_crtm_version_utf16_string_or_raw),
	    cmocka_unit_test(test_post_code_string_or_blob),
	    cmocka_unit_test(test_event_tag_shows_id_size_and_text),
	    cmocka_unit_test(test_gpt_shows_disk_and_partitions),
	    cmocka_unit_test(test_handoff_tables_name_well_known_guids),
	    cmocka_unit_test(test_spec_id_event_shows_algorithms),
	    cmocka_unit_test(test_startup_locality_and_other_no_action_events),
	    cmocka_unit_test(test_undecoded_types_are_raw_with_text),
	    cmocka_unit_test(test_summary_is_cut_to_max_chars_without_control_characters),
	    cmocka_unit_test(test_describe_starts_every_line_with_indent),
	    cmocka_unit_test(test_every_truncation_of_structured_data_is_reported),
	    cmocka_unit_test(test_truncated_guid_names_bytes_had_and_needed),
	    cmocka_unit_test(test_name_length_of_max_u64_is_reported_not_read),
	    cmocka_unit_test(test_data_length_past_the_end_is_reported),
	    cmocka_unit_test(test_device_path_length_past_the_end_is_reported),
	    cmocka_unit_test(test_device_path_node_past_the_end_is_reported),
	    cmocka_unit_test(test_device_path_node_length_below_four_stops_the_walk),
	    cmocka_unit_test(test_load_option_inner_lengths_are_checked),
	    cmocka_unit_test(test_signature_list_sizes_are_checked),
	    cmocka_unit_test(test_gpt_counts_and_sizes_are_checked),
	    cmocka_unit_test(test_counts_past_the_end_are_reported),
	    cmocka_unit_test(test_odd_utf16_lengths_stay_within_the_data),
	    cmocka_unit_test(test_empty_data_is_handled_for_every_decoded_type),
	    cmocka_unit_test(test_payload_separator_matches_and_forged_differs),
	    cmocka_unit_test(test_payload_actions_hash_their_string),
	    cmocka_unit_test(test_payload_driver_config_variable_hashes_whole_structure),
	    cmocka_unit_test(test_payload_boot_variable_accepts_variable_data_only),
	    cmocka_unit_test(test_payload_boot2_and_authority_need_the_whole_structure),
	    cmocka_unit_test(test_payload_authority_accepts_shim15_padding),
	    cmocka_unit_test(test_payload_ipl_grub_command_hashes_text_after_prefix),
	    cmocka_unit_test(test_payload_ipl_string_with_or_without_nul),
	    cmocka_unit_test(test_payload_ipl_utf16_variants),
	    cmocka_unit_test(test_payload_ipl_file_names_outside_pcr8_are_not_defined),
	    cmocka_unit_test(test_payload_crtm_version_and_gpt_hash_their_data),
	    cmocka_unit_test(test_payload_not_defined_for_pointer_and_image_events),
	    cmocka_unit_test(test_payload_skips_banks_it_cannot_compute),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
