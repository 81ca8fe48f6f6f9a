/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Authenticode digest of a PE/COFF image (Microsoft, "Windows Authenticode Portable
 * Executable Signature Format", section "Calculating the PE Image Hash"), as EDK2's
 * measured boot (Tcg2Dxe MeasurePeImageAndExtend, DxeImageVerificationLib HashPeImage)
 * and pesign compute it:
 *
 *   1. the headers from the start of the file to the CheckSum field;
 *   2. from after the CheckSum to the Certificate Table data directory entry (or, when
 *      NumberOfRvaAndSizes leaves that entry out, to SizeOfHeaders);
 *   3. from after that 8-byte entry to SizeOfHeaders;
 *   4. the raw data of every section with SizeOfRawData > 0, by ascending
 *      PointerToRawData (not in section table order);
 *   5. with SUM = SizeOfHeaders + the sum of those SizeOfRawData: the FileSize -
 *      CertificateTable.Size - SUM bytes from offset SUM, when there are any.
 *
 * Step 5 is written in terms of sizes, not offsets, as the specification gives it. It
 * is "the data after the last section, up to the certificate table" only when the
 * sections follow the headers without gaps and the certificate table ends the file;
 * firmware hashes it this way whatever the layout, so we do too, and refuse the layouts
 * where other tools (which use the certificate table's offset) would hash other bytes:
 * a certificate table that does not end the file, overlaps the headers or the sections.
 * Gaps between sections are accepted and hashed as firmware does (the bytes of a gap are
 * not covered, a weakness of the algorithm, not of this code).
 *
 * This is the one parser of PE images in bootchain: bootchain.efi hashes the ranges
 * with the core's own SHA (bc_core_pe_authenticode), userspace (measure/pe.c) with
 * OpenSSL. The image is untrusted: every field is read through the bounds-checked
 * readers below, every range is checked against the file in 64-bit arithmetic before it
 * is listed, and errors name the image, the byte offset of the defect and what is
 * wrong. Freestanding: no libc.
 */
#include <bootchain/core.h>

#define DOS_HEADER_SIZE	     64
#define DOS_E_LFANEW	     0x3c
#define PE_SIGNATURE_SIZE    4
#define COFF_HEADER_SIZE     20
#define COFF_SECTIONS	     2	/* NumberOfSections, in the COFF header */
#define COFF_OPT_SIZE	     16 /* SizeOfOptionalHeader */
#define SECTION_HEADER_SIZE  40
#define SECTION_VIRTUAL_SIZE 8	/* VirtualSize, in a section header */
#define SECTION_RAW_SIZE     16 /* SizeOfRawData */
#define SECTION_RAW_POINTER  20 /* PointerToRawData */
#define OPT_SIZE_OF_HEADERS  60 /* in the optional header, PE32 and PE32+ alike */
#define OPT_CHECKSUM	     64
#define DATA_DIRECTORY_SIZE  8
#define CERT_DIRECTORY_INDEX 4 /* IMAGE_DIRECTORY_ENTRY_SECURITY */
/* The PE format (and the Windows loader) allows no more sections than this. */
#define MAX_SECTIONS BC_CORE_PE_MAX_SECTIONS
/* Every bank hashes one piece while it is in the cache, rather than the whole range. */
#define HASH_CHUNK (64 * 1024)

/* The core's formatter has no <inttypes.h>: 64-bit values go through %llx and %llu. */
#define U64(v) ((unsigned long long)(v))

typedef struct pe_kind {
	uint16_t magic;
	const char *name;
	uint32_t rva_count_at; /* NumberOfRvaAndSizes, in the optional header */
	uint32_t dirs_at;      /* the data directories: the end of the fixed fields */
} pe_kind;

static const pe_kind kinds[] = {
    {0x10b, "PE32", 92, 96},
    {0x20b, "PE32+", 108, 112},
};

typedef struct pe_section {
	uint32_t index;	    /* in the section table */
	uint64_t header_at; /* file offset of its section header */
	uint64_t offset;    /* PointerToRawData */
	uint64_t size;	    /* SizeOfRawData, > 0 */
	uint32_t virtual_size;
	char name[9]; /* printable: names come from the image */
} pe_section;

typedef struct pe_image {
	const char *name;
	const uint8_t *data;
	uint64_t size;
	uint64_t checksum_at;
	bool has_cert_entry; /* NumberOfRvaAndSizes > 4 */
	uint64_t cert_entry_at;
	uint64_t headers_size; /* SizeOfHeaders */
	uint64_t headers_size_at;
	uint64_t cert_offset; /* the certificate table; size 0 when there is none */
	uint64_t cert_size;
	size_t count; /* sections with raw data, sorted by file offset */
	pe_section sections[MAX_SECTIONS];
} pe_image;

/* "NAME: offset 0xX: reason" */
BC_CORE_PRINTF(4, 5)
static bc_core_status pe_fail(bc_core_error *err, const pe_image *pe, uint64_t at, const char *fmt,
			      ...)
{
	char reason[BC_CORE_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	bc_core_vformat(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return bc_core_fail(err, BC_CORE_E_FORMAT, "%s: offset 0x%llx: %s", pe->name, U64(at),
			    reason);
}

/* ---- bounds-checked little-endian readers: false when the field leaves the data ---- */

static bool span_at(const uint8_t *data, uint64_t size, uint64_t at, uint64_t n, const uint8_t **p)
{
	if (at > size || n > size - at)
		return false;
	*p = data + at;
	return true;
}

static bool bytes_at(const pe_image *pe, uint64_t at, uint64_t n, const uint8_t **p)
{
	return span_at(pe->data, pe->size, at, n, p);
}

static uint16_t le16(const uint8_t *b)
{
	return (uint16_t)(b[0] | b[1] << 8);
}

static uint32_t le32(const uint8_t *b)
{
	return (uint32_t)le16(b) | (uint32_t)le16(b + 2) << 16;
}

static bool u16_at(const pe_image *pe, uint64_t at, uint16_t *v)
{
	const uint8_t *b;
	if (!bytes_at(pe, at, 2, &b))
		return false;
	*v = le16(b);
	return true;
}

static bool u32_at(const pe_image *pe, uint64_t at, uint32_t *v)
{
	const uint8_t *b;
	if (!bytes_at(pe, at, 4, &b))
		return false;
	*v = le32(b);
	return true;
}

bool bc_core_pe_detect(const void *image, uint64_t size)
{
	const uint8_t *p;
	if (!image || !span_at(image, size, 0, 2, &p) || p[0] != 'M' || p[1] != 'Z')
		return false;
	if (!span_at(image, size, DOS_E_LFANEW, 4, &p))
		return false;
	uint32_t lfanew = le32(p);
	return span_at(image, size, lfanew, PE_SIGNATURE_SIZE, &p) &&
	       bc_core_memcmp(p, "PE\0\0", PE_SIGNATURE_SIZE) == 0;
}

/* ---- the headers ---- */

/* The DOS header: the offset of the PE signature, and the signature itself. */
static bc_core_status parse_dos_header(const pe_image *pe, uint64_t *pe_at, bc_core_error *err)
{
	if (pe->size < DOS_HEADER_SIZE)
		return pe_fail(err, pe, 0, "truncated DOS header: %llu bytes, need %d",
			       U64(pe->size), DOS_HEADER_SIZE);
	const uint8_t *sig;
	if (!bytes_at(pe, 0, 2, &sig) || bc_core_memcmp(sig, "MZ", 2) != 0)
		return pe_fail(err, pe, 0, "not a PE image: no MZ signature");
	uint32_t lfanew;
	if (!u32_at(pe, DOS_E_LFANEW, &lfanew))
		return pe_fail(err, pe, DOS_E_LFANEW, "truncated DOS header");
	if ((uint64_t)lfanew + PE_SIGNATURE_SIZE > pe->size)
		return pe_fail(err, pe, DOS_E_LFANEW,
			       "e_lfanew 0x%lx points past the end of the file (0x%llx bytes)",
			       (unsigned long)lfanew, U64(pe->size));
	if (!bytes_at(pe, lfanew, PE_SIGNATURE_SIZE, &sig) ||
	    bc_core_memcmp(sig, "PE\0\0", PE_SIGNATURE_SIZE) != 0)
		return pe_fail(err, pe, lfanew, "no PE signature (PE\\0\\0) where e_lfanew points");
	*pe_at = lfanew;
	return BC_CORE_OK;
}

/* The COFF file header after the signature: section count and optional header size. */
static bc_core_status parse_coff_header(const pe_image *pe, uint64_t coff_at, uint16_t *sections,
					uint16_t *opt_size, bc_core_error *err)
{
	if (coff_at + COFF_HEADER_SIZE > pe->size)
		return pe_fail(err, pe, coff_at, "truncated COFF file header: %d bytes, %llu left",
			       COFF_HEADER_SIZE, U64(pe->size - coff_at));
	if (!u16_at(pe, coff_at + COFF_SECTIONS, sections) ||
	    !u16_at(pe, coff_at + COFF_OPT_SIZE, opt_size))
		return pe_fail(err, pe, coff_at, "truncated COFF file header");
	if (*sections > MAX_SECTIONS)
		return pe_fail(err, pe, coff_at + COFF_SECTIONS,
			       "NumberOfSections %u exceeds the %d sections a PE image can have",
			       *sections, MAX_SECTIONS);
	return BC_CORE_OK;
}

static const pe_kind *find_kind(uint16_t magic)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].magic == magic)
			return &kinds[i];
	return NULL;
}

/* The Certificate Table data directory entry, when NumberOfRvaAndSizes has one. */
static bc_core_status parse_cert_entry(pe_image *pe, uint64_t entry_at, bc_core_error *err)
{
	uint32_t offset, size;
	pe->cert_entry_at = entry_at;
	if (!u32_at(pe, entry_at, &offset) || !u32_at(pe, entry_at + 4, &size))
		return pe_fail(err, pe, entry_at, "truncated data directory");
	/* firmware goes by the size alone: with size 0 there is no table */
	pe->cert_offset = size ? offset : 0;
	pe->cert_size = size;
	return BC_CORE_OK;
}

/* The optional header: which fields are hashed, SizeOfHeaders, the certificate table. */
static bc_core_status parse_optional_header(pe_image *pe, uint64_t opt_at, uint16_t opt_size,
					    bc_core_error *err)
{
	if (opt_at + opt_size > pe->size)
		return pe_fail(err, pe, opt_at,
			       "truncated optional header: SizeOfOptionalHeader is %u, %llu bytes "
			       "left",
			       opt_size, U64(pe->size - opt_at));
	uint16_t magic = 0;
	if (opt_size < 2 || !u16_at(pe, opt_at, &magic))
		return pe_fail(err, pe, opt_at, "SizeOfOptionalHeader %u leaves no room for Magic",
			       opt_size);
	const pe_kind *kind = find_kind(magic);
	if (!kind)
		return pe_fail(err, pe, opt_at,
			       "optional header magic 0x%04x is neither PE32 (0x10b) nor PE32+ "
			       "(0x20b)",
			       magic);
	if (opt_size < kind->dirs_at)
		return pe_fail(err, pe, opt_at,
			       "SizeOfOptionalHeader %u is smaller than the %lu bytes of a %s "
			       "optional header",
			       opt_size, (unsigned long)kind->dirs_at, kind->name);
	uint32_t rva_count, headers_size;
	if (!u32_at(pe, opt_at + kind->rva_count_at, &rva_count) ||
	    !u32_at(pe, opt_at + OPT_SIZE_OF_HEADERS, &headers_size))
		return pe_fail(err, pe, opt_at, "truncated optional header");
	if (kind->dirs_at + (uint64_t)rva_count * DATA_DIRECTORY_SIZE > opt_size)
		return pe_fail(err, pe, opt_at + kind->rva_count_at,
			       "NumberOfRvaAndSizes %lu does not fit in the optional header "
			       "(SizeOfOptionalHeader %u)",
			       (unsigned long)rva_count, opt_size);
	pe->checksum_at = opt_at + OPT_CHECKSUM;
	pe->headers_size = headers_size;
	pe->headers_size_at = opt_at + OPT_SIZE_OF_HEADERS;
	/* EDK2: with no Certificate Table entry, nothing is skipped and nothing is signed */
	pe->has_cert_entry = rva_count > CERT_DIRECTORY_INDEX;
	if (!pe->has_cert_entry)
		return BC_CORE_OK;
	return parse_cert_entry(
	    pe, opt_at + kind->dirs_at + CERT_DIRECTORY_INDEX * DATA_DIRECTORY_SIZE, err);
}

/* SizeOfHeaders must cover the section table and stay in the file. */
static bc_core_status check_headers_size(const pe_image *pe, uint64_t table_end, bc_core_error *err)
{
	uint64_t at = pe->headers_size_at;
	if (pe->headers_size > pe->size)
		return pe_fail(err, pe, at,
			       "SizeOfHeaders 0x%llx exceeds the file size (0x%llx bytes)",
			       U64(pe->headers_size), U64(pe->size));
	if (pe->headers_size < table_end)
		return pe_fail(
		    err, pe, at,
		    "SizeOfHeaders 0x%llx is smaller than the headers, which end with the "
		    "section table at 0x%llx",
		    U64(pe->headers_size), U64(table_end));
	return BC_CORE_OK;
}

/* ---- the sections and the certificate table ---- */

/* The section name, with anything unprintable (it comes from the image) as '?'. */
static void section_name(const uint8_t *raw, char *out)
{
	size_t i;
	for (i = 0; i < 8 && raw[i]; i++)
		out[i] = raw[i] >= 0x20 && raw[i] < 0x7f ? (char)raw[i] : '?';
	out[i] = 0;
}

/* One section header: its raw data must lie in the file, after the headers. */
static bc_core_status read_section(const pe_image *pe, uint32_t index, uint64_t at, pe_section *s,
				   bc_core_error *err)
{
	const uint8_t *raw;
	uint32_t size, offset, virtual_size;
	if (!bytes_at(pe, at, 8, &raw) || !u32_at(pe, at + SECTION_VIRTUAL_SIZE, &virtual_size) ||
	    !u32_at(pe, at + SECTION_RAW_SIZE, &size) ||
	    !u32_at(pe, at + SECTION_RAW_POINTER, &offset))
		return pe_fail(err, pe, at, "truncated section header %lu", (unsigned long)index);
	*s = (pe_section){.index = index,
			  .header_at = at,
			  .offset = offset,
			  .size = size,
			  .virtual_size = virtual_size};
	section_name(raw, s->name);
	if (size == 0)
		return BC_CORE_OK; /* not hashed: its PointerToRawData means nothing */
	if (s->offset + s->size > pe->size)
		return pe_fail(
		    err, pe, at,
		    "section %lu (%s): raw data at 0x%llx, 0x%llx bytes, ends at 0x%llx, "
		    "past the end of the file (0x%llx bytes)",
		    (unsigned long)index, s->name, U64(s->offset), U64(s->size),
		    U64(s->offset + s->size), U64(pe->size));
	if (s->offset < pe->headers_size)
		return pe_fail(err, pe, at,
			       "section %lu (%s): raw data at 0x%llx starts inside the headers "
			       "(SizeOfHeaders 0x%llx)",
			       (unsigned long)index, s->name, U64(s->offset),
			       U64(pe->headers_size));
	return BC_CORE_OK;
}

/* The section table: the sections with raw data, sorted by file offset as the
 * specification asks (a stable insertion sort, as EDK2's), none overlapping. */
static bc_core_status parse_sections(pe_image *pe, uint64_t table_at, uint16_t count,
				     bc_core_error *err)
{
	pe->count = 0;
	for (uint32_t i = 0; i < count; i++) {
		pe_section s;
		bc_core_status st =
		    read_section(pe, i, table_at + (uint64_t)i * SECTION_HEADER_SIZE, &s, err);
		if (st != BC_CORE_OK)
			return st;
		if (s.size == 0)
			continue;
		size_t pos = pe->count++;
		while (pos > 0 && pe->sections[pos - 1].offset > s.offset) {
			pe->sections[pos] = pe->sections[pos - 1];
			pos--;
		}
		pe->sections[pos] = s;
	}
	for (size_t k = 1; k < pe->count; k++) {
		const pe_section *a = &pe->sections[k - 1], *b = &pe->sections[k];
		if (b->offset < a->offset + a->size)
			return pe_fail(
			    err, pe, b->header_at,
			    "section %lu (%s) at 0x%llx-0x%llx overlaps section %lu (%s) "
			    "at 0x%llx-0x%llx",
			    (unsigned long)b->index, b->name, U64(b->offset),
			    U64(b->offset + b->size), (unsigned long)a->index, a->name,
			    U64(a->offset), U64(a->offset + a->size));
	}
	return BC_CORE_OK;
}

/* The certificate table (the signatures) must end the file after the sections. */
static bc_core_status check_cert_table(const pe_image *pe, bc_core_error *err)
{
	if (pe->cert_size == 0)
		return BC_CORE_OK;
	uint64_t start = pe->cert_offset, end = pe->cert_offset + pe->cert_size;
	uint64_t at = pe->cert_entry_at;
	if (end > pe->size)
		return pe_fail(
		    err, pe, at,
		    "certificate table at 0x%llx, 0x%llx bytes, ends at 0x%llx, past the "
		    "end of the file (0x%llx bytes)",
		    U64(start), U64(pe->cert_size), U64(end), U64(pe->size));
	if (start < pe->headers_size)
		return pe_fail(
		    err, pe, at,
		    "certificate table at 0x%llx starts inside the headers (SizeOfHeaders "
		    "0x%llx)",
		    U64(start), U64(pe->headers_size));
	for (size_t k = 0; k < pe->count; k++) {
		const pe_section *s = &pe->sections[k];
		if (start < s->offset + s->size && s->offset < end)
			return pe_fail(
			    err, pe, at,
			    "certificate table at 0x%llx-0x%llx overlaps section %lu (%s) "
			    "at 0x%llx-0x%llx",
			    U64(start), U64(end), (unsigned long)s->index, s->name, U64(s->offset),
			    U64(s->offset + s->size));
	}
	if (end != pe->size)
		return pe_fail(err, pe, at,
			       "certificate table at 0x%llx-0x%llx is followed by 0x%llx bytes: it "
			       "must end the file",
			       U64(start), U64(end), U64(pe->size - end));
	return BC_CORE_OK;
}

static bc_core_status parse_image(pe_image *pe, bc_core_error *err)
{
	uint64_t pe_at = 0;
	uint16_t sections = 0, opt_size = 0;
	bc_core_status s;
	if ((s = parse_dos_header(pe, &pe_at, err)) != BC_CORE_OK ||
	    (s = parse_coff_header(pe, pe_at + PE_SIGNATURE_SIZE, &sections, &opt_size, err)) !=
		BC_CORE_OK)
		return s;
	uint64_t opt_at = pe_at + PE_SIGNATURE_SIZE + COFF_HEADER_SIZE;
	if ((s = parse_optional_header(pe, opt_at, opt_size, err)) != BC_CORE_OK)
		return s;
	uint64_t table_at = opt_at + opt_size;
	uint64_t table_end = table_at + (uint64_t)sections * SECTION_HEADER_SIZE;
	if (table_end > pe->size)
		return pe_fail(
		    err, pe, table_at,
		    "section table (%u entries, %llu bytes) runs past the end of the file "
		    "(0x%llx bytes)",
		    sections, U64(table_end - table_at), U64(pe->size));
	if ((s = check_headers_size(pe, table_end, err)) != BC_CORE_OK ||
	    (s = parse_sections(pe, table_at, sections, err)) != BC_CORE_OK)
		return s;
	return check_cert_table(pe, err);
}

/* ---- the ranges, in hashing order ---- */

static bc_core_status add_range(const pe_image *pe, bc_core_pe *out, uint64_t from, uint64_t to,
				bc_core_error *err)
{
	/* parse_image checked every range; this only guards that invariant */
	if (from > to || to > pe->size)
		return pe_fail(err, pe, from, "range to 0x%llx lies outside the image", U64(to));
	if (out->count >= sizeof(out->ranges) / sizeof(out->ranges[0]))
		return bc_core_fail(err, BC_CORE_E_LIMIT, "%s: more than %d ranges to hash",
				    pe->name, BC_CORE_PE_MAX_SECTIONS + 4);
	if (from < to) /* an empty range hashes nothing */
		out->ranges[out->count++] = (bc_core_range){.from = from, .to = to};
	return BC_CORE_OK;
}

static bc_core_status list_ranges(const pe_image *pe, bc_core_pe *out, bc_core_error *err)
{
	uint64_t after_checksum = pe->checksum_at + 4;
	uint64_t headers_end = pe->has_cert_entry ? pe->cert_entry_at : pe->headers_size;
	bc_core_status s;
	out->count = 0;
	if ((s = add_range(pe, out, 0, pe->checksum_at, err)) != BC_CORE_OK ||
	    (s = add_range(pe, out, after_checksum, headers_end, err)) != BC_CORE_OK)
		return s;
	if (pe->has_cert_entry && (s = add_range(pe, out, pe->cert_entry_at + DATA_DIRECTORY_SIZE,
						 pe->headers_size, err)) != BC_CORE_OK)
		return s;
	uint64_t hashed = pe->headers_size;
	for (size_t k = 0; k < pe->count; k++) {
		const pe_section *sec = &pe->sections[k];
		if ((s = add_range(pe, out, sec->offset, sec->offset + sec->size, err)) !=
		    BC_CORE_OK)
			return s;
		hashed += sec->size;
	}
	/* the specification's step 5, in sizes: see the comment at the top */
	if (pe->size > hashed + pe->cert_size)
		return add_range(pe, out, hashed, pe->size - pe->cert_size, err);
	return BC_CORE_OK;
}

/* What the parse found, for the caller: where the signature is, the sections. */
static void describe(const pe_image *pe, bc_core_pe *out)
{
	out->cert_entry_at = pe->has_cert_entry ? pe->cert_entry_at : 0;
	out->cert_offset = pe->cert_offset;
	out->cert_size = pe->cert_size;
	out->section_count = pe->count;
	for (size_t k = 0; k < pe->count; k++) {
		const pe_section *from = &pe->sections[k];
		bc_core_pe_section *to = &out->sections[k];
		*to = (bc_core_pe_section){.header_at = from->header_at,
					   .offset = from->offset,
					   .size = from->size,
					   .virtual_size = from->virtual_size};
		bc_core_memcpy(to->name, from->name, sizeof(to->name));
	}
}

bc_core_status bc_core_pe_ranges(const void *image, uint64_t size, const char *name,
				 bc_core_pe *out, bc_core_error *err)
{
	const char *shown = name ? name : "(memory)";
	if (!out)
		return bc_core_fail(err, BC_CORE_E_INVALID, "%s: nowhere to put the ranges", shown);
	out->count = out->section_count = 0;
	out->cert_entry_at = out->cert_offset = out->cert_size = 0;
	if (!image && size)
		return bc_core_fail(err, BC_CORE_E_INVALID, "%s: no image data", shown);
	if (size > BC_CORE_PE_MAX_SIZE)
		return bc_core_fail(err, BC_CORE_E_LIMIT,
				    "%s: %llu bytes exceed the limit of %llu for a PE image", shown,
				    U64(size), U64(BC_CORE_PE_MAX_SIZE));
	pe_image pe = {.name = shown, .data = image, .size = size};
	bc_core_status s = parse_image(&pe, err);
	if (s != BC_CORE_OK || (s = list_ranges(&pe, out, err)) != BC_CORE_OK)
		return s;
	describe(&pe, out);
	return BC_CORE_OK;
}

/* ---- the digest, with the core's hashes ---- */

static bc_core_status start_banks(const uint16_t *algs, size_t count, bc_core_hash *banks,
				  bc_core_error *err)
{
	if (!algs || count == 0 || count > BC_CORE_MAX_BANKS)
		return bc_core_fail(err, BC_CORE_E_INVALID, "hash %zu banks: need 1 to %d", count,
				    BC_CORE_MAX_BANKS);
	for (size_t i = 0; i < count; i++)
		if (!bc_core_hash_init(&banks[i], algs[i]))
			return bc_core_fail(err, BC_CORE_E_UNSUPPORTED,
					    "hash algorithm 0x%04x is not in the core", algs[i]);
	return BC_CORE_OK;
}

bc_core_status bc_core_pe_authenticode(const void *image, uint64_t size, const char *name,
				       const uint16_t *algs, size_t count, bc_core_digests *out,
				       bc_core_error *err)
{
	if (!out)
		return bc_core_fail(err, BC_CORE_E_INVALID, "%s: nowhere to put the digests",
				    name ? name : "(memory)");
	bc_core_memset(out, 0, sizeof(*out));
	bc_core_pe ranges;
	bc_core_hash banks[BC_CORE_MAX_BANKS];
	bc_core_status s;
	if ((s = bc_core_pe_ranges(image, size, name, &ranges, err)) != BC_CORE_OK ||
	    (s = start_banks(algs, count, banks, err)) != BC_CORE_OK)
		return s;
	const uint8_t *data = image;
	for (size_t r = 0; r < ranges.count; r++) {
		for (uint64_t at = ranges.ranges[r].from; at < ranges.ranges[r].to;) {
			uint64_t left = ranges.ranges[r].to - at;
			size_t n = left < HASH_CHUNK ? (size_t)left : HASH_CHUNK;
			for (size_t i = 0; i < count; i++)
				bc_core_hash_update(&banks[i], data + at, n);
			at += n;
		}
	}
	out->count = count;
	for (size_t i = 0; i < count; i++) {
		out->d[i].alg = algs[i];
		out->d[i].size = (uint16_t)bc_core_hash_size(algs[i]);
		bc_core_hash_final(&banks[i], out->d[i].bytes);
	}
	return BC_CORE_OK;
}
