/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decoding of TCG event data (PC Client Platform Firmware Profile, section 10, and the
 * UEFI specification) for `bootchain log show`: a summary line, a "name: value" listing
 * and a JSON object, all three from one decoder per event type (one code path, as
 * systemd-pcrlock does it). The data is untrusted: it is read only through the bounded
 * reader, and a field that does not fit ends the decoding with an "error" naming it
 * ("variable_name: truncated: 6 bytes where 10 UTF-16 characters are needed"), after
 * which the whole data follows as "raw".
 *
 * JSON keys (the object given for "data"; numbers are JSON numbers, GUIDs strings in
 * the usual 8-4-4-4-12 form, byte strings lowercase hex). Describe uses the same names
 * with spaces for underscores.
 *
 * Every type:
 *   raw        hex of the whole data, only for types not decoded below, and whenever
 *              decoding failed
 *   error      why decoding stopped (only then)
 *   text       for undecoded types whose data is a printable ASCII string: the string
 *   trailing   hex of bytes after the decoded structure (data is never dropped)
 *
 * EV_EFI_VARIABLE_DRIVER_CONFIG, _BOOT, _BOOT2, _AUTHORITY (UEFI_VARIABLE_DATA):
 *   variable_guid, unicode_name_length, variable_data_length, variable_name,
 *   variable_data (hex), and by variable:
 *   secure_boot            SecureBoot: true for 01, false for 00 or no data
 *   signature_lists        PK, KEK, db, dbx, dbt, dbr: array of EFI_SIGNATURE_LIST:
 *                          signature_type, signature_type_name (EFI_CERT_X509_GUID, ...),
 *                          signature_list_size, signature_header_size, signature_size,
 *                          signatures: array of {owner, data (hex), for X.509:
 *                          subject_cn, issuer_cn}
 *   signature              _AUTHORITY with an EFI_SIGNATURE_DATA: {owner, subject_cn,
 *                          issuer_cn}
 *   certificate            _AUTHORITY with a bare X.509 certificate: {subject_cn,
 *                          issuer_cn}
 *   boot_order             BootOrder: array of "Boot0001"...
 *   load_option            Boot####, Driver####, SysPrep####: {attributes, active,
 *                          file_path_list_length, description, device_path, file_path,
 *                          optional_data (hex)}
 * EV_EFI_BOOT_SERVICES_APPLICATION, _DRIVER, EV_EFI_RUNTIME_SERVICES_DRIVER:
 *   image_location_in_memory, image_length_in_memory, image_link_time_address,
 *   length_of_device_path, device_path, file_path (when the path has File nodes)
 * EV_EFI_PLATFORM_FIRMWARE_BLOB: blob_base, blob_length
 * EV_EFI_PLATFORM_FIRMWARE_BLOB2: blob_description, blob_base, blob_length
 * EV_EFI_ACTION, EV_ACTION: action
 * EV_IPL: string, encoding ("ascii" or "utf-16le")
 * EV_SEPARATOR: value, separator ("normal" for 0, "error" for 0xffffffff, else "other")
 * EV_S_CRTM_VERSION: version (when a UTF-16 string, else raw)
 * EV_POST_CODE: string, or blob_base and blob_length (else raw)
 * EV_EVENT_TAG: tagged_event_id, tagged_event_data_size, tagged_event_data (hex),
 *   tagged_event_text (when printable)
 * EV_EFI_GPT_EVENT: header {signature, revision, header_size, header_crc32, my_lba,
 *   alternate_lba, first_usable_lba, last_usable_lba, disk_guid, partition_entry_lba,
 *   number_of_partition_entries, size_of_partition_entry,
 *   partition_entry_array_crc32}, number_of_partitions, partitions: array of
 *   {partition_type_guid, partition_type_name, unique_partition_guid, starting_lba,
 *   ending_lba, attributes, partition_name}
 * EV_EFI_HANDOFF_TABLES: number_of_tables, tables: array of {vendor_guid, name,
 *   vendor_table}; _TABLES2 also table_description
 * EV_NO_ACTION: signature, and for "Spec ID Event03": platform_class,
 *   spec_version_minor, spec_version_major, spec_errata, uintn_size,
 *   number_of_algorithms, algorithms: array of {algorithm_id, algorithm, digest_size},
 *   vendor_info_size, vendor_info (hex); "Spec ID Event00" likewise without the
 *   algorithms; "StartupLocality": startup_locality; other signatures: raw
 *
 * Device paths are rendered by libefivar's efidp_format_device_path(), one node at a
 * time and only for nodes that hold the whole structure its formatter reads (see
 * efivar_nodes); File nodes and everything else are rendered here. Nodes are joined by
 * '/', instances by ',', and the further paths of a load option's FilePathList by ';'.
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <efivar/efivar.h>
#include <openssl/x509.h>

#include <bootchain/digest.h>
#include <bootchain/eventlog.h>

#include "eventlog/event-data.h"
#include "util/cleanup.h"
#include "util/hex.h"
#include "util/reader.h"
#include "util/text.h"

#define GUID_SIZE     16
#define GUID_STR_SIZE 37
#define MAX_NEST      8
#define SUMMARY_HEX   32 /* bytes of hex in a summary of undecoded data */

/* ---- one emitter for three renderings ---- */

typedef struct nest {
	const char *name;
	size_t index;
	bool array;
	bool scalars; /* an array of scalars: one text line */
} nest;

typedef struct emit {
	bc_json *j;	    /* JSON, or NULL */
	bc_buf *text;	    /* describe, or NULL */
	const char *indent; /* describe: start of every line */
	bc_buf *sum;	    /* summary, or NULL */
	size_t sum_max;	    /* bytes kept in sum */
	bool sum_more;	    /* the summary was cut */
	unsigned depth;
	nest nest[MAX_NEST];
	char error[192]; /* the first decoding failure */
} emit;

/* Whether the full decoding is wanted (not just the summary): skips costly work. */
static bool em_full(const emit *e)
{
	return e->j || e->text;
}

static void sum_append(emit *e, const char *s, size_t n)
{
	if (!e->sum)
		return;
	size_t room = e->sum_max - e->sum->len;
	if (n > room) {
		n = room;
		e->sum_more = true;
	}
	bc_buf_append(e->sum, s, n);
}

static void sum_printf(emit *e, const char *fmt, ...) BC_PRINTF(2, 3);
static void sum_printf(emit *e, const char *fmt, ...)
{
	if (!e->sum)
		return;
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sum_append(e, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static bool em_fail(emit *e, const char *fmt, ...) BC_PRINTF(2, 3);
static bool em_fail(emit *e, const char *fmt, ...)
{
	if (!e->error[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->error, sizeof(e->error), fmt, ap);
		va_end(ap);
	}
	return false;
}

static bool em_short(emit *e, const char *field, size_t have, uint64_t need)
{
	return em_fail(e, "%s: truncated: %zu bytes where %" PRIu64 " are needed", field, have,
		       need);
}

static void text_name(bc_buf *out, const char *name)
{
	for (const char *c = name; *c; c++)
		bc_buf_putc(out, *c == '_' ? ' ' : *c);
}

/* Start a describe line for key (NULL inside an array); false in a scalar array. */
static bool text_begin(emit *e, const char *key)
{
	nest *parent = e->depth ? &e->nest[e->depth - 1] : NULL;
	if (parent && parent->scalars) {
		bc_buf_putc(e->text, ' ');
		return false;
	}
	bc_buf_puts(e->text, e->indent);
	for (unsigned i = 0; i < e->depth; i++) /* arrays add no level: their items do */
		if (!e->nest[i].array)
			bc_buf_puts(e->text, "  ");
	if (key) {
		text_name(e->text, key);
	} else if (parent) {
		text_name(e->text, parent->name);
		bc_buf_printf(e->text, "[%zu]", parent->index++);
	}
	bc_buf_putc(e->text, ':');
	return true;
}

static void text_value(emit *e, const char *key)
{
	if (text_begin(e, key))
		bc_buf_putc(e->text, ' ');
}

static void text_end(emit *e)
{
	nest *parent = e->depth ? &e->nest[e->depth - 1] : NULL;
	if (!parent || !parent->scalars)
		bc_buf_putc(e->text, '\n');
}

static void json_key(emit *e, const char *key)
{
	if (key)
		bc_json_key(e->j, key);
}

static void em_uint(emit *e, const char *key, uint64_t v)
{
	if (e->j) {
		json_key(e, key);
		bc_json_uint(e->j, v);
	}
	if (e->text) {
		text_value(e, key);
		bc_buf_printf(e->text, "%" PRIu64, v);
		text_end(e);
	}
}

/* A number shown in hex to people (addresses, flags, CRCs). */
static void em_xint(emit *e, const char *key, uint64_t v)
{
	if (e->j) {
		json_key(e, key);
		bc_json_uint(e->j, v);
	}
	if (e->text) {
		text_value(e, key);
		bc_buf_printf(e->text, "0x%" PRIx64, v);
		text_end(e);
	}
}

static void em_bool(emit *e, const char *key, bool v)
{
	if (e->j) {
		json_key(e, key);
		bc_json_bool(e->j, v);
	}
	if (e->text) {
		text_value(e, key);
		bc_buf_puts(e->text, v ? "yes" : "no");
		text_end(e);
	}
}

static void em_str(emit *e, const char *key, const char *s, size_t n)
{
	if (e->j) {
		json_key(e, key);
		bc_json_string_n(e->j, s, n);
	}
	if (e->text) {
		text_value(e, key);
		bc_text_escape(e->text, s, n);
		text_end(e);
	}
}

static void em_cstr(emit *e, const char *key, const char *s)
{
	em_str(e, key, s, strlen(s));
}

static void em_hex(emit *e, const char *key, const uint8_t *p, size_t n)
{
	if (e->j) {
		json_key(e, key);
		bc_json_hex(e->j, p, n);
	}
	if (e->text) {
		char chunk[2 * 64 + 1];
		text_value(e, key);
		if (n == 0)
			bc_buf_puts(e->text, "(empty)");
		for (size_t off = 0; off < n; off += 64) {
			size_t len = n - off < 64 ? n - off : 64;
			bc_buf_append(e->text, bc_hex_encode(p + off, len, chunk), 2 * len);
		}
		text_end(e);
	}
}

static void em_push(emit *e, const char *key, bool array, bool scalars)
{
	if (e->depth >= MAX_NEST) {
		if (e->text)
			e->text->failed = true; /* a programming error: never nest this deep */
		return;
	}
	e->nest[e->depth++] = (nest){.name = key, .array = array, .scalars = scalars};
}

static void em_obj_begin(emit *e, const char *key)
{
	if (e->j) {
		json_key(e, key);
		bc_json_object_begin(e->j);
	}
	if (e->text) {
		text_begin(e, key);
		bc_buf_putc(e->text, '\n');
	}
	em_push(e, key, false, false);
}

/* An array; scalars puts its values on one describe line ("boot order: Boot0001 ..."). */
static void em_arr_begin(emit *e, const char *key, bool scalars)
{
	if (e->j) {
		json_key(e, key);
		bc_json_array_begin(e->j);
	}
	if (e->text && scalars)
		text_begin(e, key);
	em_push(e, key, true, scalars);
}

static void em_end(emit *e)
{
	if (e->depth == 0)
		return;
	nest *n = &e->nest[--e->depth];
	if (e->j) {
		if (n->array)
			bc_json_array_end(e->j);
		else
			bc_json_object_end(e->j);
	}
	if (e->text && n->scalars)
		bc_buf_putc(e->text, '\n');
}

/* ---- small decoders shared by several types ---- */

static void guid_format(const uint8_t *g, char out[GUID_STR_SIZE])
{
	snprintf(out, GUID_STR_SIZE, "%08" PRIx32 "-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 (uint32_t)g[0] | (uint32_t)g[1] << 8 | (uint32_t)g[2] << 16 | (uint32_t)g[3] << 24,
		 (unsigned)(g[4] | g[5] << 8), (unsigned)(g[6] | g[7] << 8), g[8], g[9], g[10],
		 g[11], g[12], g[13], g[14], g[15]);
}

typedef struct guid_name {
	const char *guid;
	const char *name;
} guid_name;

static const guid_name signature_types[] = {
    {"c1c41626-504c-4092-aca9-41f936934328", "EFI_CERT_SHA256_GUID"},
    {"a5c059a1-94e4-4aa7-87b5-ab155c2bf072", "EFI_CERT_X509_GUID"},
    {"826ca512-cf10-4ac9-b187-be01496631bd", "EFI_CERT_SHA1_GUID"},
    {"0b6e5233-a65c-44c9-9407-d9ab83bfc8bd", "EFI_CERT_SHA224_GUID"},
    {"ff3e5307-9fd0-48c9-85f1-8ad56c701e01", "EFI_CERT_SHA384_GUID"},
    {"093e0fae-a6c4-4f50-9f1b-d41e2b89c19a", "EFI_CERT_SHA512_GUID"},
    {"3c5766e8-269c-4e34-aa14-ed776e85b3b6", "EFI_CERT_RSA2048_GUID"},
    {"e2b36190-879b-4a3d-ad8d-f2e7bba32784", "EFI_CERT_RSA2048_SHA256_GUID"},
    {"67f8444f-8743-48f1-a328-1eaab8736080", "EFI_CERT_RSA2048_SHA1_GUID"},
    {"3bd2a492-96c0-4079-b420-fcf98ef103ed", "EFI_CERT_X509_SHA256_GUID"},
    {"7076876e-80c2-4ee6-aad2-28b349a6865b", "EFI_CERT_X509_SHA384_GUID"},
    {"446dbf63-2502-4cda-bcfa-2465d2b0fe9d", "EFI_CERT_X509_SHA512_GUID"},
    {"4aafd29d-68df-49ee-8aa9-347d375665a7", "EFI_CERT_TYPE_PKCS7_GUID"},
    {NULL, NULL},
};

static const guid_name config_tables[] = {
    {"8868e871-e4f1-11d3-bc22-0080c73c8881", "ACPI 2.0"},
    {"eb9d2d30-2d88-11d3-9a16-0090273fc14d", "ACPI 1.0"},
    {"eb9d2d31-2d88-11d3-9a16-0090273fc14d", "SMBIOS"},
    {"f2fd1544-9794-4a2c-992e-e5bbcf20e394", "SMBIOS 3"},
    {"eb9d2d2f-2d88-11d3-9a16-0090273fc14d", "MPS"},
    {"eb9d2d32-2d88-11d3-9a16-0090273fc14d", "SAL"},
    {NULL, NULL},
};

static const guid_name partition_types[] = {
    {"c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "EFI System"},
    {"21686148-6449-6e6f-744e-656564454649", "BIOS boot"},
    {"0fc63daf-8483-4772-8e79-3d69d8477de4", "Linux filesystem"},
    {"0657fd6d-a4ab-43c4-84e5-0933c84b4f4f", "Linux swap"},
    {"e6d6d379-f507-44c2-a23c-238f2a3df928", "Linux LVM"},
    {"a19d880f-05fc-4d3b-a006-743f0f84911e", "Linux RAID"},
    {"4f68bce3-e8cd-4db1-96e7-fbcaf984b709", "Linux root (x86-64)"},
    {"b921b045-1df0-41c3-af44-4c6f280d3fae", "Linux root (ARM64)"},
    {"bc13c2ff-59e6-4262-a352-b275fd6f7172", "Linux extended boot"},
    {"933ac7e1-2eb4-4f13-b844-0e14e2aef915", "Linux home"},
    {"ebd0a0a2-b9e5-4433-87c0-68b6b72699c7", "Microsoft basic data"},
    {"e3c9e316-0b5c-4db8-817d-f92df00215ae", "Microsoft reserved"},
    {"de94bba4-06d1-4d40-a16a-bfd50179d6ac", "Windows recovery"},
    {NULL, NULL},
};

static const char *guid_lookup(const guid_name *table, const char *guid)
{
	for (; table->guid; table++)
		if (strcmp(table->guid, guid) == 0)
			return table->name;
	return NULL;
}

static void em_guid(emit *e, const char *key, const uint8_t *g)
{
	char s[GUID_STR_SIZE];
	guid_format(g, s);
	em_cstr(e, key, s);
}

/* Readers that name the field that does not fit. */
static bool rd_u8(emit *e, bc_reader *r, const char *key, uint8_t *v)
{
	return bc_rd_u8(r, v) || em_short(e, key, bc_rd_left(r), 1);
}

static bool rd_u16(emit *e, bc_reader *r, const char *key, uint16_t *v)
{
	return bc_rd_u16le(r, v) || em_short(e, key, bc_rd_left(r), 2);
}

static bool rd_u32(emit *e, bc_reader *r, const char *key, uint32_t *v)
{
	return bc_rd_u32le(r, v) || em_short(e, key, bc_rd_left(r), 4);
}

static bool rd_u64(emit *e, bc_reader *r, const char *key, uint64_t *v)
{
	return bc_rd_u64le(r, v) || em_short(e, key, bc_rd_left(r), 8);
}

/* n as uint64_t: a length from the log may be anything. */
static bool rd_bytes(emit *e, bc_reader *r, const char *key, uint64_t n, const uint8_t **p)
{
	if (n > bc_rd_left(r)) {
		*p = NULL;
		return em_short(e, key, bc_rd_left(r), n);
	}
	return bc_rd_bytes(r, (size_t)n, p);
}

/* Read and show a field in one step. */
static bool field_u32(emit *e, bc_reader *r, const char *key, bool hex, uint32_t *v)
{
	if (!rd_u32(e, r, key, v))
		return false;
	(hex ? em_xint : em_uint)(e, key, *v);
	return true;
}

static bool field_u64(emit *e, bc_reader *r, const char *key, bool hex, uint64_t *v)
{
	if (!rd_u64(e, r, key, v))
		return false;
	(hex ? em_xint : em_uint)(e, key, *v);
	return true;
}

static bool field_guid(emit *e, bc_reader *r, const char *key, const uint8_t **g)
{
	if (!rd_bytes(e, r, key, GUID_SIZE, g))
		return false;
	em_guid(e, key, *g);
	return true;
}

static void em_trailing(emit *e, bc_reader *r)
{
	const uint8_t *p;
	size_t n = bc_rd_left(r);
	if (n && bc_rd_bytes(r, n, &p))
		em_hex(e, "trailing", p, n);
}

/* Append the UTF-8 of the UTF-16LE at p (n bytes; an odd last byte is ignored), up to
 * the first NUL character when stop_at_nul. Unpaired surrogates become U+FFFD. */
static void utf16_decode(const uint8_t *p, size_t n, bool stop_at_nul, bc_buf *out)
{
	size_t count = n / 2;
	for (size_t i = 0; i < count; i++) {
		uint32_t c = (uint32_t)(p[2 * i] | p[2 * i + 1] << 8);
		if (c == 0 && stop_at_nul)
			return;
		if (c >= 0xd800 && c <= 0xdbff && i + 1 < count) {
			uint32_t lo = (uint32_t)(p[2 * i + 2] | p[2 * i + 3] << 8);
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				i++;
			}
		}
		if (c >= 0xd800 && c <= 0xdfff)
			c = 0xfffd;
		char u[4];
		size_t len;
		if (c < 0x80) {
			u[0] = (char)c;
			len = 1;
		} else if (c < 0x800) {
			u[0] = (char)(0xc0 | c >> 6);
			u[1] = (char)(0x80 | (c & 0x3f));
			len = 2;
		} else if (c < 0x10000) {
			u[0] = (char)(0xe0 | c >> 12);
			u[1] = (char)(0x80 | (c >> 6 & 0x3f));
			u[2] = (char)(0x80 | (c & 0x3f));
			len = 3;
		} else {
			u[0] = (char)(0xf0 | c >> 18);
			u[1] = (char)(0x80 | (c >> 12 & 0x3f));
			u[2] = (char)(0x80 | (c >> 6 & 0x3f));
			u[3] = (char)(0x80 | (c & 0x3f));
			len = 4;
		}
		bc_buf_append(out, u, len);
	}
}

/* A cap for the UTF-8 of n bytes of UTF-16 (3 bytes per unit at most). */
static size_t utf16_cap(size_t n)
{
	return n / 2 * 3 + 1;
}

/* Whether p is printable ASCII (tab and newline allowed) followed only by NULs; *len gets
 * the length of the text. At least one character. */
static bool printable_text(const uint8_t *p, size_t n, size_t *len)
{
	size_t i = 0;
	while (i < n && p[i] && ((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\t' || p[i] == '\n'))
		i++;
	*len = i;
	if (i == 0)
		return false;
	for (size_t k = i; k < n; k++)
		if (p[k])
			return false;
	return true;
}

/* Whether p is a UTF-16LE string of printable characters (ASCII range, at least one),
 * optionally NUL-terminated and then only zeros; *len gets its length in bytes. */
static bool printable_utf16(const uint8_t *p, size_t n, size_t *len)
{
	size_t i = 0;
	if (n % 2)
		return false;
	while (i + 1 < n && p[i + 1] == 0 && p[i] >= 0x20 && p[i] < 0x7f)
		i += 2;
	*len = i;
	for (size_t k = i; k < n; k++)
		if (p[k])
			return false;
	return true;
}

/* The summary of data that is not decoded: its text, or the hex of its first bytes. */
static void sum_generic(emit *e, const uint8_t *p, size_t n)
{
	size_t len;
	char hex[2 * SUMMARY_HEX + 1];
	if (!e->sum)
		return;
	if (n == 0) {
		sum_printf(e, "(empty)");
	} else if (printable_text(p, n, &len)) {
		sum_append(e, (const char *)p, len);
	} else {
		len = n < SUMMARY_HEX ? n : SUMMARY_HEX;
		sum_append(e, bc_hex_encode(p, len, hex), 2 * len);
		if (n > len)
			e->sum_more = true;
	}
}

/* ---- device paths ---- */

/*
 * Nodes handed to libefivar, each with the bytes its formatter reads: libefivar 37
 * reads a node's fixed structure without comparing it with the node length (and reads
 * FvFile/FvVol through the 20-byte protocol structure), so a shorter node would make it
 * read past the data. Left out on purpose: File (its format_ucs2 copies and prints more
 * than the converted name holds when the name has an early NUL or non-ASCII characters),
 * ACPI _HID with strings, BBS and iSCSI (strings printed up to a NUL that need not be
 * there), the NVDIMM _HID (read with the next node), SAS Ex (read as the 44-byte SAS
 * vendor structure), URI, DNS and USB WWID. Those are rendered here.
 */
static const struct {
	uint8_t type, subtype;
	uint16_t min;
} efivar_nodes[] = {
    {EFIDP_HARDWARE_TYPE, EFIDP_HW_PCI, sizeof(efidp_pci)},
    {EFIDP_HARDWARE_TYPE, EFIDP_HW_PCCARD, sizeof(efidp_pccard)},
    {EFIDP_HARDWARE_TYPE, EFIDP_HW_MMIO, sizeof(efidp_mmio)},
    {EFIDP_HARDWARE_TYPE, EFIDP_HW_VENDOR, sizeof(efidp_hw_vendor)},
    {EFIDP_HARDWARE_TYPE, EFIDP_HW_CONTROLLER, sizeof(efidp_controller)},
    {EFIDP_HARDWARE_TYPE, EFIDP_HW_BMC, sizeof(efidp_bmc)},
    {EFIDP_ACPI_TYPE, EFIDP_ACPI_HID, sizeof(efidp_acpi_hid)},
    {EFIDP_ACPI_TYPE, EFIDP_ACPI_ADR, sizeof(efidp_acpi_adr) + 4},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_ATAPI, sizeof(efidp_atapi)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_SCSI, sizeof(efidp_scsi)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_FIBRECHANNEL, sizeof(efidp_fc)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_FIBRECHANNELEX, sizeof(efidp_fcex)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_1394, sizeof(efidp_1394)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_USB, sizeof(efidp_usb)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_USB_CLASS, sizeof(efidp_usb_class)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_LUN, sizeof(efidp_lun)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_SATA, sizeof(efidp_sata)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_MAC_ADDR, sizeof(efidp_mac_addr)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_IPv4, sizeof(efidp_ipv4_addr)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_IPv6, sizeof(efidp_ipv6_addr)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_VLAN, sizeof(efidp_vlan)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_UART, sizeof(efidp_uart)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_VENDOR, sizeof(efidp_msg_vendor)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_NVME, sizeof(efidp_nvme)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_UFS, sizeof(efidp_ufs)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_SD, sizeof(efidp_sd)},
    {EFIDP_MESSAGE_TYPE, EFIDP_MSG_EMMC, sizeof(efidp_emmc)},
    {EFIDP_MEDIA_TYPE, EFIDP_MEDIA_HD, sizeof(efidp_hd)},
    {EFIDP_MEDIA_TYPE, EFIDP_MEDIA_CDROM, sizeof(efidp_cdrom)},
    {EFIDP_MEDIA_TYPE, EFIDP_MEDIA_VENDOR, sizeof(efidp_media_vendor)},
    {EFIDP_MEDIA_TYPE, EFIDP_MEDIA_PROTOCOL, sizeof(efidp_protocol)},
    {EFIDP_MEDIA_TYPE, EFIDP_MEDIA_FIRMWARE_FILE, sizeof(efidp_protocol)},
    {EFIDP_MEDIA_TYPE, EFIDP_MEDIA_FIRMWARE_VOLUME, sizeof(efidp_protocol)},
    {EFIDP_MEDIA_TYPE, EFIDP_MEDIA_RELATIVE_OFFSET, sizeof(efidp_relative_offset)},
    {EFIDP_MEDIA_TYPE, EFIDP_MEDIA_RAMDISK, sizeof(efidp_ramdisk)},
};

static bool guid_is(const uint8_t *g, efi_guid_t want)
{
	return memcmp(g, &want, GUID_SIZE) == 0;
}

/* The bytes libefivar reads of a vendor node: more for the GUIDs it decodes itself. */
static size_t vendor_node_min(const uint8_t *node, uint16_t len, size_t min)
{
	if (len < 4 + GUID_SIZE)
		return min;
	const uint8_t *g = node + 4;
	if (node[0] == EFIDP_HARDWARE_TYPE && guid_is(g, EDD10_HARDWARE_VENDOR_PATH_GUID))
		return sizeof(efidp_edd10);
	if (node[0] == EFIDP_MESSAGE_TYPE && guid_is(g, EFIDP_MSG_UART_GUID))
		return sizeof(efidp_uart_flow_control);
	if (node[0] == EFIDP_MESSAGE_TYPE && guid_is(g, EFIDP_MSG_SAS_GUID))
		return sizeof(efidp_sas);
	return min;
}

static bool efivar_can_format(const uint8_t *node, uint16_t len)
{
	uint8_t type = node[0], subtype = node[1];
	if (type == EFIDP_ACPI_TYPE && subtype == EFIDP_ACPI_HID && len >= 8) {
		uint32_t hid = (uint32_t)node[4] | (uint32_t)node[5] << 8 |
			       (uint32_t)node[6] << 16 | (uint32_t)node[7] << 24;
		if (hid == EFIDP_ACPI_NVDIMM_HID)
			return false;
	}
	for (size_t i = 0; i < ELEMENTSOF(efivar_nodes); i++) {
		if (efivar_nodes[i].type != type || efivar_nodes[i].subtype != subtype)
			continue;
		size_t min = efivar_nodes[i].min;
		if (subtype == EFIDP_HW_VENDOR ||
		    (type == EFIDP_MESSAGE_TYPE && subtype == EFIDP_MSG_VENDOR))
			min = vendor_node_min(node, len, min);
		return len >= min;
	}
	return false;
}

/* libefivar's text of one node; false when it declines. The limit of one node length
 * keeps it from stepping to the next node. */
static bool efivar_node(const uint8_t *node, uint16_t len, bc_buf *out)
{
	const_efidp dp = (const_efidp)(const void *)node;
	ssize_t need = efidp_format_device_path(NULL, 0, dp, len);
	if (need <= 0) {
		efi_error_clear();
		return false;
	}
	_cleanup_free_ char *s = malloc((size_t)need);
	if (!s)
		return false;
	ssize_t got = efidp_format_device_path(s, (size_t)need, dp, len);
	efi_error_clear();
	if (got <= 0 || got > need)
		return false;
	bc_buf_append(out, s, strnlen(s, (size_t)need));
	return true;
}

/* A File node: its path, which a FilePath of several File nodes concatenates. */
static void file_node(const uint8_t *body, size_t n, bc_buf *out, bc_buf *file)
{
	_cleanup_(bc_buf_free) bc_buf name = {0};
	bc_buf_init(&name, utf16_cap(n));
	utf16_decode(body, n, true, &name);
	bc_buf_puts(out, "File(");
	bc_buf_append(out, name.data, name.len);
	bc_buf_putc(out, ')');
	if (file)
		bc_buf_append(file, name.data, name.len);
}

static void dp_node(const uint8_t *node, uint16_t len, bc_buf *out, bc_buf *file)
{
	if (node[0] == EFIDP_MEDIA_TYPE && node[1] == EFIDP_MEDIA_FILE) {
		file_node(node + 4, len - 4u, out, file);
		return;
	}
	if (efivar_can_format(node, len) && efivar_node(node, len, out))
		return;
	/* the UEFI text form of a node no one decodes */
	char hex[2 * 64 + 1];
	bc_buf_printf(out, "Path(%u,%u,", node[0], node[1]);
	for (size_t off = 4; off < len; off += 64) {
		size_t n = len - off < 64 ? len - off : 64;
		bc_buf_append(out, bc_hex_encode(node + off, n, hex), 2 * n);
	}
	bc_buf_putc(out, ')');
}

/*
 * Render n bytes of device path into out; file (may be NULL) gets the file path of the
 * first path. A node that does not fit ends the rendering with an error.
 */
static bool dp_render(emit *e, const uint8_t *p, size_t n, bc_buf *out, bc_buf *file)
{
	bc_reader r = bc_reader_init(p, n);
	char sep = 0;
	unsigned path = 0;
	while (bc_rd_left(&r)) {
		size_t off = r.pos;
		uint8_t type, subtype;
		uint16_t len;
		const uint8_t *body;
		if (!bc_rd_u8(&r, &type) || !bc_rd_u8(&r, &subtype) || !bc_rd_u16le(&r, &len))
			return em_fail(e,
				       "device_path: node at byte %zu: truncated: %zu bytes "
				       "where 4 are needed",
				       off, n - off);
		if (len < 4)
			return em_fail(e, "device_path: node at byte %zu: length %u is less than 4",
				       off, len);
		if (!bc_rd_bytes(&r, len - 4u, &body))
			return em_fail(e,
				       "device_path: node at byte %zu: truncated: %zu bytes "
				       "where %u are needed",
				       off, n - off, len);
		if (type == EFIDP_END_TYPE) {
			if (subtype == EFIDP_END_INSTANCE) {
				sep = ',';
			} else {
				sep = ';';
				path++;
			}
			continue;
		}
		if (sep && out->len)
			bc_buf_putc(out, sep);
		sep = '/';
		dp_node(p + off, len, out, path == 0 ? file : NULL);
	}
	return true;
}

/* Show a device path as "device_path" (also left in text) and, when it has File nodes,
 * "file_path" (left in file). */
static bool em_device_path(emit *e, const uint8_t *p, size_t n, bc_buf *text, bc_buf *file)
{
	bool ok = dp_render(e, p, n, text, file);
	em_str(e, "device_path", (const char *)text->data, text->len);
	if (file->len)
		em_str(e, "file_path", (const char *)file->data, file->len);
	return ok;
}

/* A capped buffer for the text of n bytes of device path: a node of 4 + k bytes renders
 * in less than 16 characters per byte, hex included. */
static void dp_buf_init(bc_buf *b, size_t n)
{
	bc_buf_init(b, 16 * n + 64);
}

/* ---- UEFI variables ---- */

DEFINE_TRIVIAL_CLEANUP_FUNC(X509 *, X509_free)

static void em_x509_cn(emit *e, const char *key, const X509_NAME *name)
{
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (i < 0)
		return;
	const ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	unsigned char *utf8 = NULL;
	int len = ASN1_STRING_to_UTF8(&utf8, d);
	if (len >= 0) {
		em_str(e, key, (const char *)utf8, (size_t)len);
		if (e->sum && strcmp(key, "subject_cn") == 0)
			sum_append(e, (const char *)utf8, (size_t)len);
	}
	OPENSSL_free(utf8);
}

/* Subject and issuer CN of a DER certificate; false when it is none. */
static bool em_x509(emit *e, const uint8_t *p, size_t n)
{
	const unsigned char *q = p;
	if (n > LONG_MAX)
		return false;
	_cleanup_(X509_freep) X509 *x = d2i_X509(NULL, &q, (long)n);
	if (!x)
		return false;
	em_x509_cn(e, "subject_cn", X509_get_subject_name(x));
	em_x509_cn(e, "issuer_cn", X509_get_issuer_name(x));
	return true;
}

static bool is_x509_type(const uint8_t *g)
{
	static const uint8_t x509[GUID_SIZE] = {0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a,
						0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72};
	return memcmp(g, x509, GUID_SIZE) == 0;
}

static bool dec_signatures(emit *e, bc_reader *r, const uint8_t *type, uint64_t count,
			   uint32_t size)
{
	em_arr_begin(e, "signatures", false);
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *owner, *data;
		em_obj_begin(e, NULL);
		if (!bc_rd_bytes(r, GUID_SIZE, &owner) || !bc_rd_bytes(r, size - GUID_SIZE, &data))
			return em_fail(e, "signatures: entry %" PRIu64 " truncated", i);
		em_guid(e, "owner", owner);
		em_hex(e, "data", data, size - GUID_SIZE);
		if (em_full(e) && is_x509_type(type))
			em_x509(e, data, size - GUID_SIZE);
		em_end(e);
	}
	em_end(e);
	return true;
}

/* One EFI_SIGNATURE_LIST; *entries gets its number of signatures. */
static bool dec_signature_list(emit *e, bc_reader *r, uint64_t *entries)
{
	const uint8_t *type, *header;
	uint32_t list_size, header_size, size;
	char guid[GUID_STR_SIZE];
	if (!field_guid(e, r, "signature_type", &type))
		return false;
	guid_format(type, guid);
	const char *name = guid_lookup(signature_types, guid);
	if (name)
		em_cstr(e, "signature_type_name", name);
	if (!field_u32(e, r, "signature_list_size", false, &list_size) ||
	    !field_u32(e, r, "signature_header_size", false, &header_size) ||
	    !field_u32(e, r, "signature_size", false, &size))
		return false;
	if ((uint64_t)list_size < 28 + (uint64_t)header_size)
		return em_fail(e, "signature_list_size: %" PRIu32 " is less than its header",
			       list_size);
	uint64_t body = (uint64_t)list_size - 28 - header_size;
	if (body + header_size > bc_rd_left(r))
		return em_short(e, "signature_list_size", bc_rd_left(r) + 28, list_size);
	if (size < GUID_SIZE || body % size)
		return em_fail(e,
			       "signature_size: %" PRIu32 " does not divide the %" PRIu64
			       " bytes of signatures",
			       size, body);
	if (!rd_bytes(e, r, "signature_header", header_size, &header))
		return false;
	*entries = body / size;
	return dec_signatures(e, r, type, *entries, size);
}

/* PK, KEK, db, dbx: a sequence of EFI_SIGNATURE_LIST. */
static bool dec_signature_db(emit *e, const char *name, const uint8_t *p, size_t n)
{
	bc_reader r = bc_reader_init(p, n);
	uint64_t lists = 0, entries = 0;
	bool ok = true;
	em_arr_begin(e, "signature_lists", false);
	while (ok && bc_rd_left(&r)) {
		uint64_t count = 0;
		em_obj_begin(e, NULL);
		ok = dec_signature_list(e, &r, &count);
		em_end(e);
		lists++;
		entries += count;
	}
	em_end(e);
	if (n == 0)
		sum_printf(e, "%s = (empty)", name);
	else
		sum_printf(e, "%s = %" PRIu64 " signature%s in %" PRIu64 " list%s", name, entries,
			   entries == 1 ? "" : "s", lists, lists == 1 ? "" : "s");
	return ok;
}

static void dec_secure_boot(emit *e, const uint8_t *p, size_t n)
{
	if (n == 0) {
		em_bool(e, "secure_boot", false);
		sum_printf(e, "SecureBoot = (empty)");
		return;
	}
	if (n == 1 && p[0] <= 1)
		em_bool(e, "secure_boot", p[0] == 1);
	sum_printf(e, "SecureBoot = ");
	sum_generic(e, p, n);
	if (n == 1)
		sum_printf(e, " (%s)", p[0] == 1 ? "enabled" : p[0] == 0 ? "disabled" : "unknown");
}

static void dec_boot_order(emit *e, const uint8_t *p, size_t n)
{
	bc_reader r = bc_reader_init(p, n);
	uint16_t v;
	sum_printf(e, "BootOrder =");
	em_arr_begin(e, "boot_order", true);
	while (bc_rd_u16le(&r, &v)) {
		char s[16];
		snprintf(s, sizeof(s), "Boot%04X", v);
		em_cstr(e, NULL, s);
		sum_printf(e, " %s", s);
	}
	em_end(e);
	em_trailing(e, &r);
}

/* The description of a load option: UTF-16 up to its NUL. */
static bool field_load_description(emit *e, bc_reader *r, bc_buf *desc)
{
	const uint8_t *p = r->data + r->pos;
	size_t left = bc_rd_left(r), len = 0;
	while (len + 1 < left && (p[len] || p[len + 1]))
		len += 2;
	if (len + 1 >= left)
		return em_fail(e, "description: no terminating NUL in %zu bytes", left);
	utf16_decode(p, len, false, desc);
	bc_rd_skip(r, len + 2);
	em_str(e, "description", bc_buf_str(desc), desc->len);
	return true;
}

/* EFI_LOAD_OPTION (UEFI 3.1.3): attributes, description, FilePathList, OptionalData. */
static bool dec_load_option_fields(emit *e, const char *name, bc_reader *r)
{
	uint32_t attributes;
	uint16_t fpl_len;
	const uint8_t *fpl, *optional;
	_cleanup_(bc_buf_free) bc_buf desc = {0}, text = {0}, file = {0};
	bc_buf_init(&desc, utf16_cap(r->size));
	if (!field_u32(e, r, "attributes", true, &attributes))
		return false;
	em_bool(e, "active", attributes & 1);
	if (!rd_u16(e, r, "file_path_list_length", &fpl_len))
		return false;
	em_uint(e, "file_path_list_length", fpl_len);
	if (!field_load_description(e, r, &desc))
		return false;
	sum_printf(e, "%s = ", name);
	sum_append(e, (const char *)desc.data, desc.len);
	if (!rd_bytes(e, r, "file_path_list", fpl_len, &fpl))
		return false;
	dp_buf_init(&text, fpl_len);
	bc_buf_init(&file, utf16_cap(fpl_len));
	bool ok = em_device_path(e, fpl, fpl_len, &text, &file);
	if (file.len) {
		sum_printf(e, ", ");
		sum_append(e, (const char *)file.data, file.len);
	}
	size_t rest = bc_rd_left(r);
	bc_rd_bytes(r, rest, &optional);
	em_hex(e, "optional_data", optional, rest);
	return ok;
}

static bool dec_load_option(emit *e, const char *name, const uint8_t *p, size_t n)
{
	bc_reader r = bc_reader_init(p, n);
	em_obj_begin(e, "load_option");
	bool ok = dec_load_option_fields(e, name, &r);
	em_end(e);
	return ok;
}

/* Boot####, Driver####, SysPrep####: four upper-case hex digits after the prefix. */
static bool is_load_option(const char *name)
{
	static const char *const prefixes[] = {"Boot", "Driver", "SysPrep"};
	for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
		size_t len = strlen(prefixes[i]);
		if (strncmp(name, prefixes[i], len) || strlen(name) != len + 4)
			continue;
		return strspn(name + len, "0123456789ABCDEF") == 4;
	}
	return false;
}

static bool is_signature_db(const char *name)
{
	static const char *const names[] = {"PK", "KEK", "db", "dbx", "dbt", "dbr"};
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* EV_EFI_VARIABLE_AUTHORITY: the certificate that verified an image, as an
 * EFI_SIGNATURE_DATA (db entries) or bare (shim's "Shim" vendor certificate). */
static bool dec_authority(emit *e, const char *name, const uint8_t *p, size_t n)
{
	if (!em_full(e) && !e->sum)
		return true;
	sum_printf(e, "%s = ", name);
	size_t before = e->sum ? e->sum->len : 0;
	if (n > GUID_SIZE && p[GUID_SIZE] == 0x30) {
		em_obj_begin(e, "signature");
		em_guid(e, "owner", p);
		bool ok = em_x509(e, p + GUID_SIZE, n - GUID_SIZE);
		em_end(e);
		if (ok)
			return true;
	}
	if (n && p[0] == 0x30) {
		em_obj_begin(e, "certificate");
		em_x509(e, p, n);
		em_end(e);
	}
	if (!e->sum || e->sum->len == before)
		sum_generic(e, p, n);
	return true;
}

static bool dec_variable_value(emit *e, uint32_t type, const char *name, const uint8_t *p, size_t n)
{
	if (type == BC_EV_EFI_VARIABLE_AUTHORITY)
		return dec_authority(e, name, p, n);
	if (strcmp(name, "SecureBoot") == 0) {
		dec_secure_boot(e, p, n);
		return true;
	}
	if (is_signature_db(name))
		return dec_signature_db(e, name, p, n);
	if (strcmp(name, "BootOrder") == 0) {
		dec_boot_order(e, p, n);
		return true;
	}
	if (is_load_option(name))
		return dec_load_option(e, name, p, n);
	sum_printf(e, "%s = ", name);
	sum_generic(e, p, n);
	return true;
}

/* UEFI_VARIABLE_DATA (PFP 10.2.5). */
static bool dec_variable(emit *e, const bc_event *ev)
{
	bc_reader r = bc_reader_init(ev->data, ev->data_size);
	const uint8_t *guid, *name, *data;
	uint64_t name_len, data_len;
	if (!field_guid(e, &r, "variable_guid", &guid) ||
	    !field_u64(e, &r, "unicode_name_length", false, &name_len) ||
	    !field_u64(e, &r, "variable_data_length", false, &data_len))
		return false;
	if (name_len > bc_rd_left(&r) / 2)
		return em_fail(e,
			       "variable_name: truncated: %zu bytes where %" PRIu64
			       " UTF-16 characters are needed",
			       bc_rd_left(&r), name_len);
	bc_rd_bytes(&r, (size_t)name_len * 2, &name);
	_cleanup_(bc_buf_free) bc_buf nm = {0};
	bc_buf_init(&nm, utf16_cap((size_t)name_len * 2));
	utf16_decode(name, (size_t)name_len * 2, false, &nm);
	em_str(e, "variable_name", bc_buf_str(&nm), nm.len);
	if (!rd_bytes(e, &r, "variable_data", data_len, &data))
		return false;
	em_hex(e, "variable_data", data, (size_t)data_len);
	bool ok = dec_variable_value(e, ev->type, bc_buf_str(&nm), data, (size_t)data_len);
	em_trailing(e, &r);
	return ok;
}

/* ---- images, blobs, strings ---- */

/* UEFI_IMAGE_LOAD_EVENT (PFP 10.2.3). */
static bool dec_image(emit *e, const bc_event *ev)
{
	bc_reader r = bc_reader_init(ev->data, ev->data_size);
	uint64_t location, length, link, dp_len;
	const uint8_t *dp;
	if (!field_u64(e, &r, "image_location_in_memory", true, &location) ||
	    !field_u64(e, &r, "image_length_in_memory", false, &length) ||
	    !field_u64(e, &r, "image_link_time_address", true, &link) ||
	    !field_u64(e, &r, "length_of_device_path", false, &dp_len))
		return false;
	if (!rd_bytes(e, &r, "device_path", dp_len, &dp))
		return false;
	_cleanup_(bc_buf_free) bc_buf text = {0}, file = {0};
	dp_buf_init(&text, (size_t)dp_len);
	bc_buf_init(&file, utf16_cap((size_t)dp_len));
	bool ok = em_device_path(e, dp, (size_t)dp_len, &text, &file);
	em_trailing(e, &r);
	if (file.len)
		sum_append(e, (const char *)file.data, file.len);
	else if (text.len)
		sum_append(e, (const char *)text.data, text.len);
	else
		sum_printf(e, "image at 0x%" PRIx64 ", %" PRIu64 " bytes, no device path", location,
			   length);
	return ok;
}

static bool dec_blob_fields(emit *e, bc_reader *r)
{
	uint64_t base, length;
	if (!field_u64(e, r, "blob_base", true, &base) ||
	    !field_u64(e, r, "blob_length", true, &length))
		return false;
	sum_printf(e, "base 0x%" PRIx64 ", length 0x%" PRIx64, base, length);
	em_trailing(e, r);
	return true;
}

static bool dec_blob(emit *e, const bc_event *ev)
{
	bc_reader r = bc_reader_init(ev->data, ev->data_size);
	return dec_blob_fields(e, &r);
}

/* A u8-length-prefixed ASCII description, as BLOB2 and HANDOFF_TABLES2 start. */
static bool field_description(emit *e, bc_reader *r, const char *key)
{
	uint8_t len;
	const uint8_t *p;
	if (!rd_u8(e, r, key, &len) || !rd_bytes(e, r, key, len, &p))
		return false;
	size_t text = strnlen((const char *)p, len);
	em_str(e, key, (const char *)p, text);
	sum_append(e, (const char *)p, text);
	sum_printf(e, ": ");
	return true;
}

static bool dec_blob2(emit *e, const bc_event *ev)
{
	bc_reader r = bc_reader_init(ev->data, ev->data_size);
	return field_description(e, &r, "blob_description") && dec_blob_fields(e, &r);
}

/* A string of 8-bit characters; a trailing NUL is not shown. */
static void em_string8(emit *e, const char *key, const uint8_t *p, size_t n)
{
	size_t len = n && p[n - 1] == 0 ? n - 1 : n;
	em_str(e, key, (const char *)p, len);
	sum_append(e, (const char *)p, len);
}

static bool dec_action(emit *e, const bc_event *ev)
{
	em_string8(e, "action", ev->data, ev->data_size);
	return true;
}

/* grub logs 8-bit strings, systemd-boot UTF-16LE ones: a NUL high byte in the first
 * character tells them apart, as no text grub measures starts with a one-letter word. */
static bool looks_utf16(const uint8_t *p, size_t n)
{
	return n >= 2 && p[0] && !p[1];
}

static bool dec_ipl(emit *e, const bc_event *ev)
{
	const uint8_t *p = ev->data;
	size_t n = ev->data_size;
	if (!looks_utf16(p, n)) {
		em_string8(e, "string", p, n);
		em_cstr(e, "encoding", "ascii");
		return true;
	}
	_cleanup_(bc_buf_free) bc_buf s = {0};
	bc_buf_init(&s, utf16_cap(n));
	utf16_decode(p, n, true, &s);
	em_str(e, "string", bc_buf_str(&s), s.len);
	em_cstr(e, "encoding", "utf-16le");
	sum_append(e, (const char *)s.data, s.len);
	return true;
}

static bool dec_separator(emit *e, const bc_event *ev)
{
	bc_reader r = bc_reader_init(ev->data, ev->data_size);
	uint32_t v;
	if (!field_u32(e, &r, "value", true, &v))
		return false;
	/* PFP 3.3.2.2: 1 after an error; 0xffffffff was the error value of TCG 1.2 firmware */
	const char *what = v == 0 ? "normal" : v == 1 || v == UINT32_MAX ? "error" : "other";
	em_cstr(e, "separator", what);
	if (v == 0 || v == 1 || v == UINT32_MAX)
		sum_printf(e, "%s", what);
	else
		sum_printf(e, "0x%08" PRIx32, v);
	em_trailing(e, &r);
	return true;
}

/* Usually a UTF-16 version string; anything else is shown as raw. */
static bool dec_crtm_version(emit *e, const bc_event *ev)
{
	size_t len;
	if (!printable_utf16(ev->data, ev->data_size, &len))
		return false;
	_cleanup_(bc_buf_free) bc_buf s = {0};
	bc_buf_init(&s, utf16_cap(len));
	utf16_decode(ev->data, len, true, &s);
	em_str(e, "version", bc_buf_str(&s), s.len);
	sum_append(e, (const char *)s.data, s.len);
	if (!len)
		sum_printf(e, "(empty)");
	return true;
}

/* A string ("ACPI DATA", "Embedded UEFI Driver") or a blob's base and length. */
static bool dec_post_code(emit *e, const bc_event *ev)
{
	size_t len;
	if (printable_text(ev->data, ev->data_size, &len)) {
		em_str(e, "string", (const char *)ev->data, len);
		sum_append(e, (const char *)ev->data, len);
		return true;
	}
	if (ev->data_size != 16)
		return false;
	return dec_blob(e, ev);
}

/* TCG_PCClientTaggedEvent. */
static bool dec_event_tag(emit *e, const bc_event *ev)
{
	bc_reader r = bc_reader_init(ev->data, ev->data_size);
	uint32_t id, size;
	const uint8_t *p;
	size_t len;
	if (!field_u32(e, &r, "tagged_event_id", true, &id) ||
	    !field_u32(e, &r, "tagged_event_data_size", false, &size) ||
	    !rd_bytes(e, &r, "tagged_event_data", size, &p))
		return false;
	em_hex(e, "tagged_event_data", p, size);
	sum_printf(e, "tag 0x%08" PRIx32 ": ", id);
	if (printable_text(p, size, &len)) {
		em_str(e, "tagged_event_text", (const char *)p, len);
		sum_append(e, (const char *)p, len);
	} else {
		sum_generic(e, p, size);
	}
	em_trailing(e, &r);
	return true;
}

/* ---- GPT ---- */

/* UEFI_PARTITION_TABLE_HEADER (92 bytes); *entry_size gets SizeOfPartitionEntry. */
static bool dec_gpt_header(emit *e, bc_reader *r, uint32_t *entry_size)
{
	const uint8_t *sig, *disk;
	uint32_t v32;
	uint64_t v64;
	em_obj_begin(e, "header");
	bool ok = rd_bytes(e, r, "signature", 8, &sig);
	if (ok)
		em_str(e, "signature", (const char *)sig, strnlen((const char *)sig, 8));
	ok = ok && field_u32(e, r, "revision", true, &v32) &&
	     field_u32(e, r, "header_size", false, &v32) &&
	     field_u32(e, r, "header_crc32", true, &v32) && rd_u32(e, r, "reserved", &v32) &&
	     field_u64(e, r, "my_lba", true, &v64) &&
	     field_u64(e, r, "alternate_lba", true, &v64) &&
	     field_u64(e, r, "first_usable_lba", true, &v64) &&
	     field_u64(e, r, "last_usable_lba", true, &v64) &&
	     field_guid(e, r, "disk_guid", &disk) &&
	     field_u64(e, r, "partition_entry_lba", true, &v64) &&
	     field_u32(e, r, "number_of_partition_entries", false, &v32) &&
	     field_u32(e, r, "size_of_partition_entry", false, entry_size) &&
	     field_u32(e, r, "partition_entry_array_crc32", true, &v32);
	em_end(e);
	if (ok) {
		char g[GUID_STR_SIZE];
		guid_format(disk, g);
		sum_printf(e, "disk %s", g);
	}
	return ok;
}

/* One UEFI_PARTITION_ENTRY; entries longer than 128 bytes keep their extra bytes. */
static void dec_gpt_entry(emit *e, const uint8_t *p, size_t size)
{
	bc_reader r = bc_reader_init(p, size);
	const uint8_t *type, *unique, *name;
	uint64_t v;
	char g[GUID_STR_SIZE];
	em_obj_begin(e, NULL);
	field_guid(e, &r, "partition_type_guid", &type);
	guid_format(type, g);
	const char *type_name = guid_lookup(partition_types, g);
	if (type_name)
		em_cstr(e, "partition_type_name", type_name);
	field_guid(e, &r, "unique_partition_guid", &unique);
	field_u64(e, &r, "starting_lba", true, &v);
	field_u64(e, &r, "ending_lba", true, &v);
	field_u64(e, &r, "attributes", true, &v);
	bc_rd_bytes(&r, 72, &name);
	_cleanup_(bc_buf_free) bc_buf s = {0};
	bc_buf_init(&s, utf16_cap(72));
	utf16_decode(name, 72, true, &s);
	em_str(e, "partition_name", bc_buf_str(&s), s.len);
	em_trailing(e, &r);
	em_end(e);
}

/* UEFI_GPT_DATA (PFP 10.2.6). */
static bool dec_gpt(emit *e, const bc_event *ev)
{
	bc_reader r = bc_reader_init(ev->data, ev->data_size);
	uint32_t entry_size;
	uint64_t count;
	if (!dec_gpt_header(e, &r, &entry_size) ||
	    !field_u64(e, &r, "number_of_partitions", false, &count))
		return false;
	sum_printf(e, ", %" PRIu64 " partition%s", count, count == 1 ? "" : "s");
	if (entry_size < 128)
		return em_fail(e, "size_of_partition_entry: %" PRIu32 " is less than 128",
			       entry_size);
	if (count > bc_rd_left(&r) / entry_size)
		return em_short(e, "partitions", bc_rd_left(&r), count * entry_size);
	em_arr_begin(e, "partitions", false);
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *p;
		bc_rd_bytes(&r, entry_size, &p);
		dec_gpt_entry(e, p, entry_size);
	}
	em_end(e);
	em_trailing(e, &r);
	return true;
}

/* ---- handoff tables ---- */

static bool dec_table_list(emit *e, bc_reader *r)
{
	uint64_t count;
	if (!field_u64(e, r, "number_of_tables", false, &count))
		return false;
	if (count > bc_rd_left(r) / (GUID_SIZE + 8))
		return em_short(e, "tables", bc_rd_left(r), count * (GUID_SIZE + 8));
	em_arr_begin(e, "tables", false);
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *g;
		uint64_t ptr;
		char s[GUID_STR_SIZE];
		em_obj_begin(e, NULL);
		field_guid(e, r, "vendor_guid", &g);
		guid_format(g, s);
		const char *name = guid_lookup(config_tables, s);
		if (name)
			em_cstr(e, "name", name);
		field_u64(e, r, "vendor_table", true, &ptr);
		em_end(e);
		sum_printf(e, "%s%s", i ? ", " : "", name ? name : s);
	}
	em_end(e);
	if (count == 0)
		sum_printf(e, "no tables");
	em_trailing(e, r);
	return true;
}

static bool dec_handoff(emit *e, const bc_event *ev)
{
	bc_reader r = bc_reader_init(ev->data, ev->data_size);
	return dec_table_list(e, &r);
}

static bool dec_handoff2(emit *e, const bc_event *ev)
{
	bc_reader r = bc_reader_init(ev->data, ev->data_size);
	return field_description(e, &r, "table_description") && dec_table_list(e, &r);
}

/* ---- EV_NO_ACTION ---- */

static bool dec_algorithms(emit *e, bc_reader *r)
{
	uint32_t count;
	if (!field_u32(e, r, "number_of_algorithms", false, &count))
		return false;
	if (count > bc_rd_left(r) / 4)
		return em_short(e, "algorithms", bc_rd_left(r), (uint64_t)count * 4);
	sum_printf(e, ":");
	em_arr_begin(e, "algorithms", false);
	for (uint32_t i = 0; i < count; i++) {
		uint16_t alg, size;
		bc_rd_u16le(r, &alg);
		bc_rd_u16le(r, &size);
		const char *name = bc_hash_alg_name(alg);
		em_obj_begin(e, NULL);
		em_xint(e, "algorithm_id", alg);
		if (name)
			em_cstr(e, "algorithm", name);
		em_uint(e, "digest_size", size);
		em_end(e);
		if (name)
			sum_printf(e, " %s", name);
		else
			sum_printf(e, " 0x%04x", alg);
	}
	em_end(e);
	return true;
}

/* TCG_EfiSpecIDEventStruct (Event03, PFP 10.4.5.1) and TCG_PCClientSpecIDEventStruct
 * (Event00, for SHA-1 logs). */
static bool dec_spec_id(emit *e, bc_reader *r, bool agile)
{
	uint32_t platform_class;
	uint8_t minor, major, errata, uintn, vendor_size;
	const uint8_t *vendor;
	if (!field_u32(e, r, "platform_class", false, &platform_class) ||
	    !rd_u8(e, r, "spec_version_minor", &minor) ||
	    !rd_u8(e, r, "spec_version_major", &major) || !rd_u8(e, r, "spec_errata", &errata) ||
	    !rd_u8(e, r, "uintn_size", &uintn))
		return false;
	em_uint(e, "spec_version_minor", minor);
	em_uint(e, "spec_version_major", major);
	em_uint(e, "spec_errata", errata);
	em_uint(e, "uintn_size", uintn);
	sum_printf(e, ", spec %u.%u errata %u", major, minor, errata);
	if (agile && !dec_algorithms(e, r))
		return false;
	if (!rd_u8(e, r, "vendor_info_size", &vendor_size))
		return false;
	em_uint(e, "vendor_info_size", vendor_size);
	if (!rd_bytes(e, r, "vendor_info", vendor_size, &vendor))
		return false;
	em_hex(e, "vendor_info", vendor, vendor_size);
	em_trailing(e, r);
	return true;
}

static bool dec_no_action(emit *e, const bc_event *ev)
{
	bc_reader r = bc_reader_init(ev->data, ev->data_size);
	const uint8_t *sig;
	uint8_t locality;
	if (!rd_bytes(e, &r, "signature", 16, &sig))
		return false;
	size_t len;
	if (!printable_text(sig, 16, &len))
		return false;
	em_str(e, "signature", (const char *)sig, len);
	sum_append(e, (const char *)sig, len);
	if (memcmp(sig, "Spec ID Event03", 16) == 0)
		return dec_spec_id(e, &r, true);
	if (memcmp(sig, "Spec ID Event00", 16) == 0)
		return dec_spec_id(e, &r, false);
	if (memcmp(sig, "StartupLocality", 16) == 0) {
		if (!rd_u8(e, &r, "startup_locality", &locality))
			return false;
		em_uint(e, "startup_locality", locality);
		sum_printf(e, " %u", locality);
		em_trailing(e, &r);
		return true;
	}
	return false; /* SP800-155 Event and others: the rest as raw */
}

/* ---- dispatch ---- */

typedef bool (*decoder)(emit *e, const bc_event *ev);

static const struct {
	uint32_t type;
	decoder fn;
} decoders[] = {
    {BC_EV_EFI_VARIABLE_DRIVER_CONFIG, dec_variable},
    {BC_EV_EFI_VARIABLE_BOOT, dec_variable},
    {BC_EV_EFI_VARIABLE_BOOT2, dec_variable},
    {BC_EV_EFI_VARIABLE_AUTHORITY, dec_variable},
    {BC_EV_EFI_BOOT_SERVICES_APPLICATION, dec_image},
    {BC_EV_EFI_BOOT_SERVICES_DRIVER, dec_image},
    {BC_EV_EFI_RUNTIME_SERVICES_DRIVER, dec_image},
    {BC_EV_EFI_PLATFORM_FIRMWARE_BLOB, dec_blob},
    {BC_EV_EFI_PLATFORM_FIRMWARE_BLOB2, dec_blob2},
    {BC_EV_EFI_ACTION, dec_action},
    {BC_EV_ACTION, dec_action},
    {BC_EV_IPL, dec_ipl},
    {BC_EV_SEPARATOR, dec_separator},
    {BC_EV_S_CRTM_VERSION, dec_crtm_version},
    {BC_EV_POST_CODE, dec_post_code},
    {BC_EV_EVENT_TAG, dec_event_tag},
    {BC_EV_EFI_GPT_EVENT, dec_gpt},
    {BC_EV_EFI_HANDOFF_TABLES, dec_handoff},
    {BC_EV_EFI_HANDOFF_TABLES2, dec_handoff2},
    {BC_EV_NO_ACTION, dec_no_action},
};

static decoder find_decoder(uint32_t type)
{
	for (size_t i = 0; i < ELEMENTSOF(decoders); i++)
		if (decoders[i].type == type)
			return decoders[i].fn;
	return NULL;
}

/* Data no decoder understood: all of it as hex, and as text when it is text. */
static void undecoded(emit *e, const bc_event *ev, bool failed)
{
	size_t len;
	if (e->error[0]) {
		em_cstr(e, "error", e->error);
		if (e->sum) {
			sum_printf(e, "%s(", e->sum->len ? " " : "");
			sum_append(e, e->error, strlen(e->error));
			sum_printf(e, ")");
		}
	} else if (!failed && printable_text(ev->data, ev->data_size, &len)) {
		em_str(e, "text", (const char *)ev->data, len);
	}
	em_hex(e, "raw", ev->data, ev->data_size);
	if (e->sum && e->sum->len == 0)
		sum_generic(e, ev->data, ev->data_size);
}

static void decode(const bc_event *ev, emit *e)
{
	decoder fn = find_decoder(ev->type);
	bc_event empty;
	if (!ev->data) {
		if (ev->data_size)
			return; /* no bytes to look at: a caller's mistake */
		empty = *ev;	/* the readers do pointer arithmetic: give them a real pointer */
		empty.data = (const uint8_t *)"";
		ev = &empty;
	}
	if (!fn) {
		undecoded(e, ev, false);
		return;
	}
	if (fn(e, ev))
		return;
	while (e->depth) /* close what the failed decoder left open */
		em_end(e);
	undecoded(e, ev, true);
}

/* Copy s into out for one line: control characters become spaces, bytes that are not
 * UTF-8 '?', and more than max characters end in "...". */
static void summary_finish(const bc_buf *s, bool more, bc_buf *out, size_t max)
{
	const unsigned char *p = s->data ? s->data : (const unsigned char *)"";
	size_t n = s->len, chars = 0, cut = n, i = 0;
	size_t keep = max >= 3 ? max - 3 : 0; /* characters before "..." */
	while (i < n) {
		size_t len = bc_utf8_len(p + i, n - i);
		i += len ? len : 1;
		if (++chars == keep)
			cut = i;
	}
	bool dots = more || chars > max;
	if (!dots || chars <= keep)
		cut = n;
	else if (keep == 0)
		cut = 0;
	for (i = 0; i < cut;) {
		size_t len = bc_utf8_len(p + i, cut - i);
		if (len == 0)
			bc_buf_putc(out, '?');
		else if (p[i] < 0x20 || p[i] == 0x7f)
			bc_buf_putc(out, ' ');
		else
			bc_buf_append(out, p + i, len);
		i += len ? len : 1;
	}
	if (dots)
		bc_buf_append(out, "...", max < 3 ? max : 3);
}

void bc_event_data_summary(const bc_event *ev, bc_buf *out, size_t max_chars)
{
	_cleanup_(bc_buf_free) bc_buf sum = {0};
	/* enough bytes for max_chars characters of UTF-8 and then some, to know to cut */
	size_t cap = max_chars < 4096 ? 4 * max_chars + 16 : 16384 + 16;
	bc_buf_init(&sum, cap + 1);
	emit e = {.sum = &sum, .sum_max = cap};
	decode(ev, &e);
	summary_finish(&sum, e.sum_more, out, max_chars);
}

void bc_event_data_describe(const bc_event *ev, bc_buf *out, const char *indent)
{
	emit e = {.text = out, .indent = indent ? indent : ""};
	decode(ev, &e);
}

void bc_event_data_json(const bc_event *ev, bc_json *j)
{
	emit e = {.j = j};
	bc_json_object_begin(j);
	decode(ev, &e);
	bc_json_object_end(j);
}
