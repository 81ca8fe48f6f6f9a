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
 * The image is untrusted: every field is read through util/reader.h, every range is
 * checked against the file in 64-bit arithmetic before it is hashed, and errors name
 * the image, the byte offset of the defect and what is wrong.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bootchain/pe.h>

#include "util/cleanup.h"
#include "util/file.h"
#include "util/reader.h"

#define DOS_HEADER_SIZE	     64
#define DOS_E_LFANEW	     0x3c
#define PE_SIGNATURE_SIZE    4
#define COFF_HEADER_SIZE     20
#define COFF_SECTIONS	     2	/* NumberOfSections, in the COFF header */
#define COFF_OPT_SIZE	     16 /* SizeOfOptionalHeader */
#define SECTION_HEADER_SIZE  40
#define SECTION_RAW_SIZE     16 /* SizeOfRawData, in a section header */
#define SECTION_RAW_POINTER  20 /* PointerToRawData */
#define OPT_SIZE_OF_HEADERS  60 /* in the optional header, PE32 and PE32+ alike */
#define OPT_CHECKSUM	     64
#define DATA_DIRECTORY_SIZE  8
#define CERT_DIRECTORY_INDEX 4 /* IMAGE_DIRECTORY_ENTRY_SECURITY */
/* The PE format (and the Windows loader) allows no more sections than this. */
#define MAX_SECTIONS 96
/* Every bank hashes one piece while it is in the cache, rather than the whole range. */
#define HASH_CHUNK (64 * 1024)

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
	char name[9];	    /* printable: names come from the image */
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
BC_PRINTF(4, 5)
static bc_status pe_fail(bc_error *err, const pe_image *pe, uint64_t at, const char *fmt, ...)
{
	char reason[BC_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return bc_fail(err, BC_E_FORMAT, "%s: offset 0x%" PRIx64 ": %s", pe->name, at, reason);
}

/* A reader positioned at offset at; past the end, it has nothing left to read. */
static bc_reader reader_at(const uint8_t *data, uint64_t size, uint64_t at)
{
	bc_reader r = bc_reader_init(data, (size_t)size);
	r.pos = at < size ? (size_t)at : (size_t)size;
	return r;
}

static bool bytes_at(const pe_image *pe, uint64_t at, size_t n, const uint8_t **p)
{
	bc_reader r = reader_at(pe->data, pe->size, at);
	return at <= pe->size && bc_rd_bytes(&r, n, p);
}

static bool u16_at(const pe_image *pe, uint64_t at, uint16_t *v)
{
	bc_reader r = reader_at(pe->data, pe->size, at);
	return bc_rd_u16le(&r, v);
}

static bool u32_at(const pe_image *pe, uint64_t at, uint32_t *v)
{
	bc_reader r = reader_at(pe->data, pe->size, at);
	return bc_rd_u32le(&r, v);
}

bool bc_pe_detect(const void *image, size_t size)
{
	uint32_t lfanew;
	const uint8_t *sig;
	bc_reader r = reader_at(image, size, 0);
	if (!bc_rd_bytes(&r, 2, &sig) || memcmp(sig, "MZ", 2) != 0)
		return false;
	r = reader_at(image, size, DOS_E_LFANEW);
	if (!bc_rd_u32le(&r, &lfanew))
		return false;
	r = reader_at(image, size, lfanew);
	return bc_rd_bytes(&r, PE_SIGNATURE_SIZE, &sig) && memcmp(sig, "PE\0\0", 4) == 0;
}

/* The DOS header: the offset of the PE signature, and the signature itself. */
static bc_status parse_dos_header(const pe_image *pe, uint64_t *pe_at, bc_error *err)
{
	if (pe->size < DOS_HEADER_SIZE)
		return pe_fail(err, pe, 0, "truncated DOS header: %" PRIu64 " bytes, need %d",
			       pe->size, DOS_HEADER_SIZE);
	const uint8_t *sig;
	if (!bytes_at(pe, 0, 2, &sig) || memcmp(sig, "MZ", 2) != 0)
		return pe_fail(err, pe, 0, "not a PE image: no MZ signature");
	uint32_t lfanew;
	if (!u32_at(pe, DOS_E_LFANEW, &lfanew))
		return pe_fail(err, pe, DOS_E_LFANEW, "truncated DOS header");
	if ((uint64_t)lfanew + PE_SIGNATURE_SIZE > pe->size)
		return pe_fail(err, pe, DOS_E_LFANEW,
			       "e_lfanew 0x%" PRIx32 " points past the end of the file (0x%" PRIx64
			       " bytes)",
			       lfanew, pe->size);
	if (!bytes_at(pe, lfanew, PE_SIGNATURE_SIZE, &sig) ||
	    memcmp(sig, "PE\0\0", PE_SIGNATURE_SIZE) != 0)
		return pe_fail(err, pe, lfanew, "no PE signature (PE\\0\\0) where e_lfanew points");
	*pe_at = lfanew;
	return BC_OK;
}

/* The COFF file header after the signature: section count and optional header size. */
static bc_status parse_coff_header(const pe_image *pe, uint64_t coff_at, uint16_t *sections,
				   uint16_t *opt_size, bc_error *err)
{
	if (coff_at + COFF_HEADER_SIZE > pe->size)
		return pe_fail(err, pe, coff_at,
			       "truncated COFF file header: %d bytes, %" PRIu64 " left",
			       COFF_HEADER_SIZE, pe->size - coff_at);
	if (!u16_at(pe, coff_at + COFF_SECTIONS, sections) ||
	    !u16_at(pe, coff_at + COFF_OPT_SIZE, opt_size))
		return pe_fail(err, pe, coff_at, "truncated COFF file header");
	if (*sections > MAX_SECTIONS)
		return pe_fail(err, pe, coff_at + COFF_SECTIONS,
			       "NumberOfSections %u exceeds the %d sections a PE image can have",
			       *sections, MAX_SECTIONS);
	return BC_OK;
}

/* The optional header: which fields are hashed, SizeOfHeaders, the certificate table. */
static bc_status parse_optional_header(pe_image *pe, uint64_t opt_at, uint16_t opt_size,
				       bc_error *err)
{
	if (opt_at + opt_size > pe->size)
		return pe_fail(err, pe, opt_at,
			       "truncated optional header: SizeOfOptionalHeader is %u, %" PRIu64
			       " bytes left",
			       opt_size, pe->size - opt_at);
	uint16_t magic = 0;
	if (opt_size < 2 || !u16_at(pe, opt_at, &magic))
		return pe_fail(err, pe, opt_at, "SizeOfOptionalHeader %u leaves no room for Magic",
			       opt_size);
	const pe_kind *kind = NULL;
	for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
		if (kinds[i].magic == magic)
			kind = &kinds[i];
	if (!kind)
		return pe_fail(err, pe, opt_at,
			       "optional header magic 0x%04x is neither PE32 (0x10b) nor PE32+ "
			       "(0x20b)",
			       magic);
	if (opt_size < kind->dirs_at)
		return pe_fail(err, pe, opt_at,
			       "SizeOfOptionalHeader %u is smaller than the %" PRIu32
			       " bytes of a %s optional header",
			       opt_size, kind->dirs_at, kind->name);
	uint32_t rva_count, headers_size;
	if (!u32_at(pe, opt_at + kind->rva_count_at, &rva_count) ||
	    !u32_at(pe, opt_at + OPT_SIZE_OF_HEADERS, &headers_size))
		return pe_fail(err, pe, opt_at, "truncated optional header");
	if (kind->dirs_at + (uint64_t)rva_count * DATA_DIRECTORY_SIZE > opt_size)
		return pe_fail(err, pe, opt_at + kind->rva_count_at,
			       "NumberOfRvaAndSizes %" PRIu32
			       " does not fit in the optional header (SizeOfOptionalHeader %u)",
			       rva_count, opt_size);
	pe->checksum_at = opt_at + OPT_CHECKSUM;
	pe->headers_size = headers_size;
	pe->headers_size_at = opt_at + OPT_SIZE_OF_HEADERS;
	/* EDK2: with no Certificate Table entry, nothing is skipped and nothing is signed */
	pe->has_cert_entry = rva_count > CERT_DIRECTORY_INDEX;
	if (pe->has_cert_entry) {
		uint32_t offset, size;
		pe->cert_entry_at =
		    opt_at + kind->dirs_at + CERT_DIRECTORY_INDEX * DATA_DIRECTORY_SIZE;
		if (!u32_at(pe, pe->cert_entry_at, &offset) ||
		    !u32_at(pe, pe->cert_entry_at + 4, &size))
			return pe_fail(err, pe, pe->cert_entry_at, "truncated data directory");
		/* firmware goes by the size alone: with size 0 there is no table */
		pe->cert_offset = size ? offset : 0;
		pe->cert_size = size;
	}
	return BC_OK;
}

/* SizeOfHeaders must cover the section table and stay in the file. */
static bc_status check_headers_size(const pe_image *pe, uint64_t table_end, bc_error *err)
{
	uint64_t at = pe->headers_size_at;
	if (pe->headers_size > pe->size)
		return pe_fail(err, pe, at,
			       "SizeOfHeaders 0x%" PRIx64 " exceeds the file size (0x%" PRIx64
			       " bytes)",
			       pe->headers_size, pe->size);
	if (pe->headers_size < table_end)
		return pe_fail(err, pe, at,
			       "SizeOfHeaders 0x%" PRIx64 " is smaller than the headers, which "
			       "end with the section table at 0x%" PRIx64,
			       pe->headers_size, table_end);
	return BC_OK;
}

/* The section name, with anything unprintable (it comes from the image) as '?'. */
static void section_name(const uint8_t *raw, char *out)
{
	size_t i;
	for (i = 0; i < 8 && raw[i]; i++)
		out[i] = raw[i] >= 0x20 && raw[i] < 0x7f ? (char)raw[i] : '?';
	out[i] = 0;
}

/* One section header: its raw data must lie in the file, after the headers. */
static bc_status read_section(const pe_image *pe, uint32_t index, uint64_t at, pe_section *s,
			      bc_error *err)
{
	const uint8_t *raw;
	uint32_t size, offset;
	if (!bytes_at(pe, at, 8, &raw) || !u32_at(pe, at + SECTION_RAW_SIZE, &size) ||
	    !u32_at(pe, at + SECTION_RAW_POINTER, &offset))
		return pe_fail(err, pe, at, "truncated section header %" PRIu32, index);
	*s = (pe_section){.index = index, .header_at = at, .offset = offset, .size = size};
	section_name(raw, s->name);
	if (size == 0)
		return BC_OK; /* not hashed: its PointerToRawData means nothing */
	if (s->offset + s->size > pe->size)
		return pe_fail(err, pe, at,
			       "section %" PRIu32 " (%s): raw data at 0x%" PRIx64 ", 0x%" PRIx64
			       " bytes, ends at 0x%" PRIx64 ", past the end of the file (0x%" PRIx64
			       " bytes)",
			       index, s->name, s->offset, s->size, s->offset + s->size, pe->size);
	if (s->offset < pe->headers_size)
		return pe_fail(err, pe, at,
			       "section %" PRIu32 " (%s): raw data at 0x%" PRIx64
			       " starts inside the headers (SizeOfHeaders 0x%" PRIx64 ")",
			       index, s->name, s->offset, pe->headers_size);
	return BC_OK;
}

/* The section table: the sections with raw data, sorted by file offset as the
 * specification asks (a stable insertion sort, as EDK2's), none overlapping. */
static bc_status parse_sections(pe_image *pe, uint64_t table_at, uint16_t count, bc_error *err)
{
	pe->count = 0;
	for (uint32_t i = 0; i < count; i++) {
		pe_section s;
		bc_status st =
		    read_section(pe, i, table_at + (uint64_t)i * SECTION_HEADER_SIZE, &s, err);
		if (st != BC_OK)
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
			return pe_fail(err, pe, b->header_at,
				       "section %" PRIu32 " (%s) at 0x%" PRIx64 "-0x%" PRIx64
				       " overlaps section %" PRIu32 " (%s) at 0x%" PRIx64
				       "-0x%" PRIx64,
				       b->index, b->name, b->offset, b->offset + b->size, a->index,
				       a->name, a->offset, a->offset + a->size);
	}
	return BC_OK;
}

/* The certificate table (the signatures) must end the file after the sections. */
static bc_status check_cert_table(const pe_image *pe, bc_error *err)
{
	if (pe->cert_size == 0)
		return BC_OK;
	uint64_t start = pe->cert_offset, end = pe->cert_offset + pe->cert_size;
	uint64_t at = pe->cert_entry_at;
	if (end > pe->size)
		return pe_fail(err, pe, at,
			       "certificate table at 0x%" PRIx64 ", 0x%" PRIx64
			       " bytes, ends at 0x%" PRIx64 ", past the end of the file (0x%" PRIx64
			       " bytes)",
			       start, pe->cert_size, end, pe->size);
	if (start < pe->headers_size)
		return pe_fail(err, pe, at,
			       "certificate table at 0x%" PRIx64
			       " starts inside the headers (SizeOfHeaders 0x%" PRIx64 ")",
			       start, pe->headers_size);
	for (size_t k = 0; k < pe->count; k++) {
		const pe_section *s = &pe->sections[k];
		if (start < s->offset + s->size && s->offset < end)
			return pe_fail(
			    err, pe, at,
			    "certificate table at 0x%" PRIx64 "-0x%" PRIx64
			    " overlaps section %" PRIu32 " (%s) at 0x%" PRIx64 "-0x%" PRIx64,
			    start, end, s->index, s->name, s->offset, s->offset + s->size);
	}
	if (end != pe->size)
		return pe_fail(err, pe, at,
			       "certificate table at 0x%" PRIx64 "-0x%" PRIx64 " is followed by "
			       "0x%" PRIx64 " bytes: it must end the file",
			       start, end, pe->size - end);
	return BC_OK;
}

static bc_status parse_image(pe_image *pe, bc_error *err)
{
	uint64_t pe_at = 0;
	uint16_t sections = 0, opt_size = 0;
	bc_status s;
	if ((s = parse_dos_header(pe, &pe_at, err)) != BC_OK ||
	    (s = parse_coff_header(pe, pe_at + PE_SIGNATURE_SIZE, &sections, &opt_size, err)) !=
		BC_OK)
		return s;
	uint64_t opt_at = pe_at + PE_SIGNATURE_SIZE + COFF_HEADER_SIZE;
	if ((s = parse_optional_header(pe, opt_at, opt_size, err)) != BC_OK)
		return s;
	uint64_t table_at = opt_at + opt_size;
	uint64_t table_end = table_at + (uint64_t)sections * SECTION_HEADER_SIZE;
	if (table_end > pe->size)
		return pe_fail(err, pe, table_at,
			       "section table (%u entries, %" PRIu64 " bytes) runs past the end of "
			       "the file (0x%" PRIx64 " bytes)",
			       sections, table_end - table_at, pe->size);
	if ((s = check_headers_size(pe, table_end, err)) != BC_OK ||
	    (s = parse_sections(pe, table_at, sections, err)) != BC_OK)
		return s;
	return check_cert_table(pe, err);
}

static bc_status hash_range(const pe_image *pe, bc_hasher *h, uint64_t from, uint64_t to,
			    bc_error *err)
{
	/* parse_image checked every range; this only guards that invariant */
	if (from > to || to > pe->size)
		return pe_fail(err, pe, from, "range to 0x%" PRIx64 " lies outside the image", to);
	while (from < to) {
		size_t n = to - from < HASH_CHUNK ? (size_t)(to - from) : HASH_CHUNK;
		bc_status s = bc_hasher_update(h, pe->data + from, n, err);
		if (s != BC_OK)
			return s;
		from += n;
	}
	return BC_OK;
}

static bc_status hash_image(const pe_image *pe, bc_hasher *h, bc_error *err)
{
	uint64_t after_checksum = pe->checksum_at + 4;
	uint64_t headers_end = pe->has_cert_entry ? pe->cert_entry_at : pe->headers_size;
	bc_status s;
	if ((s = hash_range(pe, h, 0, pe->checksum_at, err)) != BC_OK ||
	    (s = hash_range(pe, h, after_checksum, headers_end, err)) != BC_OK)
		return s;
	if (pe->has_cert_entry && (s = hash_range(pe, h, pe->cert_entry_at + DATA_DIRECTORY_SIZE,
						  pe->headers_size, err)) != BC_OK)
		return s;
	uint64_t hashed = pe->headers_size;
	for (size_t k = 0; k < pe->count; k++) {
		const pe_section *sec = &pe->sections[k];
		if ((s = hash_range(pe, h, sec->offset, sec->offset + sec->size, err)) != BC_OK)
			return s;
		hashed += sec->size;
	}
	/* the specification's step 16, in sizes: see the comment at the top */
	if (pe->size > hashed + pe->cert_size)
		return hash_range(pe, h, hashed, pe->size - pe->cert_size, err);
	return BC_OK;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_hasher *, bc_hasher_free)

bc_status bc_pe_authenticode(const void *image, size_t size, const char *name, const uint16_t *algs,
			     size_t count, bc_digest_set *out, bc_error *err)
{
	*out = (bc_digest_set){0};
	pe_image pe = {.name = name ? name : "(memory)", .data = image, .size = size};
	if (!image && size)
		return bc_fail(err, BC_E_INVALID, "%s: no image data", pe.name);
	if ((uint64_t)size > BC_PE_MAX_SIZE)
		return bc_fail(err, BC_E_LIMIT,
			       "%s: %zu bytes exceed the limit of %" PRIu64 " for a PE image",
			       pe.name, size, BC_PE_MAX_SIZE);
	bc_status s = parse_image(&pe, err);
	if (s != BC_OK)
		return s;
	_cleanup_(bc_hasher_freep) bc_hasher *h = NULL;
	if ((s = bc_hasher_new(algs, count, &h, err)) != BC_OK ||
	    (s = hash_image(&pe, h, err)) != BC_OK)
		return s;
	return bc_hasher_final(h, out, err);
}

/* A read-only mapping of a whole file, unmapped when it goes out of scope. */
typedef struct file_map {
	void *addr;
	size_t size;
} file_map;

static void file_unmap(file_map *m)
{
	if (m->addr)
		munmap(m->addr, m->size);
}

/* A pipe or device: read into memory, up to BC_PE_MAX_SIZE bytes. */
static bc_status authenticode_stream(int fd, const char *path, const uint16_t *algs, size_t count,
				     bc_digest_set *out, bc_error *err)
{
	size_t max = BC_PE_MAX_SIZE < SIZE_MAX ? (size_t)BC_PE_MAX_SIZE : SIZE_MAX;
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	bc_status s = bc_read_fd(fd, path, max, &data, &size, err);
	if (s != BC_OK)
		return s;
	return bc_pe_authenticode(data, size, path, algs, count, out, err);
}

bc_status bc_pe_authenticode_file(const char *path, const uint16_t *algs, size_t count,
				  bc_digest_set *out, bc_error *err)
{
	*out = (bc_digest_set){0};
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0)
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return authenticode_stream(fd, path, algs, count, out, err);
	if ((uint64_t)st.st_size > BC_PE_MAX_SIZE || (uint64_t)st.st_size > SIZE_MAX)
		return bc_fail(err, BC_E_LIMIT,
			       "%s: %jd bytes exceed the limit of %" PRIu64 " for a PE image", path,
			       (intmax_t)st.st_size, BC_PE_MAX_SIZE);
	if (st.st_size == 0) /* mmap refuses an empty mapping */
		return bc_pe_authenticode("", 0, path, algs, count, out, err);
	/* A file truncated by someone else while it is mapped raises SIGBUS when read;
	 * measured files are not expected to change under the measurement. */
	_cleanup_(file_unmap) file_map map = {.size = (size_t)st.st_size};
	void *addr = mmap(NULL, map.size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (addr == MAP_FAILED)
		return bc_fail(err, BC_E_IO, "%s: mmap: %s", path, strerror(errno));
	map.addr = addr;
	(void)madvise(map.addr, map.size, MADV_SEQUENTIAL);
	return bc_pe_authenticode(map.addr, map.size, path, algs, count, out, err);
}
