/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A tiny PE builder for the unit tests of the PE parser (tests/unit/freestanding/test-pe.c)
 * and of its userspace wrapper (tests/unit/measure/test-pe.c): images laid out byte by
 * byte from the PE/COFF specification, not by the code under test, and OpenSSL's digest of
 * the ranges a test expects. Include it after <cmocka.h>.
 */
#ifndef BOOTCHAIN_TESTS_PE_IMAGES_H
#define BOOTCHAIN_TESTS_PE_IMAGES_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/core.h>
#include <bootchain/digest.h>

#define PE_AT	     0x80 /* e_lfanew */
#define OPT_AT	     (PE_AT + 4 + 20)
#define CHECKSUM_AT  (OPT_AT + 64)
#define SOH_AT	     (OPT_AT + 60)
#define MAX_SECTIONS 4

/* Offsets in the default PE32+ image: table at 0x188, certificate entry at 0x128. */
#define SEC(i, field) (0x188 + 40 * (i) + (field))
#define RAW_SIZE      16
#define RAW_PTR	      20

typedef struct section_spec {
	const char *name;
	uint32_t offset, size;
} section_spec;

typedef struct pe_spec {
	uint16_t magic;	    /* 0x10b or 0x20b */
	uint32_t rva_count; /* NumberOfRvaAndSizes */
	uint32_t headers;   /* SizeOfHeaders */
	size_t nsec;	    /* in section table order */
	section_spec sec[MAX_SECTIONS];
	size_t trailing;    /* bytes after the last section (before the certificate table) */
	uint32_t cert_size; /* a certificate table at the end of the file; 0 for none */
} pe_spec;

typedef struct image {
	uint8_t *bytes; /* exactly len bytes, for ASan */
	size_t len;
	size_t cert_entry_at; /* the Certificate Table data directory entry, 0 if none */
	size_t cert_at;
} image;

/* .text, .data and .reloc in file order, 13 bytes of trailing data (not a multiple of 8) */
static inline pe_spec default_spec(uint16_t magic)
{
	return (pe_spec){
	    .magic = magic,
	    .rva_count = 16,
	    .headers = 0x200,
	    .nsec = 3,
	    .sec = {{".text", 0x200, 0x400}, {".data", 0x600, 0x200}, {".reloc", 0x800, 0x200}},
	    .trailing = 13,
	};
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static inline uint32_t dirs_at(uint16_t magic)
{
	return magic == 0x10b ? 96 : 112;
}

/* The image spec describes, in a buffer of its exact size; free its bytes. */
static inline image build(const pe_spec *spec)
{
	image img = {0};
	size_t end = spec->headers;
	for (size_t i = 0; i < spec->nsec; i++)
		if (spec->sec[i].offset + spec->sec[i].size > end)
			end = spec->sec[i].offset + spec->sec[i].size;
	img.cert_at = end + spec->trailing;
	img.len = img.cert_at + spec->cert_size;
	img.bytes = malloc(img.len);
	assert_non_null(img.bytes);
	/* every byte distinct enough that hashing a wrong range changes the digest */
	for (size_t i = 0; i < img.len; i++)
		img.bytes[i] = (uint8_t)(i * 31 + (i >> 8) + 7);
	uint8_t *p = img.bytes;
	uint16_t opt_size = (uint16_t)(dirs_at(spec->magic) + 8 * spec->rva_count);
	memcpy(p, "MZ", 2);
	put32(p + 0x3c, PE_AT);
	memcpy(p + PE_AT, "PE\0\0", 4);
	put16(p + PE_AT + 4, 0x8664);
	put16(p + PE_AT + 6, (uint16_t)spec->nsec);
	put16(p + PE_AT + 20, opt_size);
	put16(p + OPT_AT, spec->magic);
	put32(p + SOH_AT, spec->headers);
	put32(p + CHECKSUM_AT, 0xdeadbeef);
	put32(p + OPT_AT + (spec->magic == 0x10b ? 92 : 108), spec->rva_count);
	if (spec->rva_count > 4) {
		img.cert_entry_at = OPT_AT + dirs_at(spec->magic) + 4 * 8;
		put32(p + img.cert_entry_at, spec->cert_size ? (uint32_t)img.cert_at : 0);
		put32(p + img.cert_entry_at + 4, spec->cert_size);
	}
	size_t table_at = OPT_AT + opt_size;
	for (size_t i = 0; i < spec->nsec; i++) {
		uint8_t *h = p + table_at + 40 * i;
		memset(h, 0, 40);
		strncpy((char *)h, spec->sec[i].name, 8);
		put32(h + 8, spec->sec[i].size);	   /* VirtualSize */
		put32(h + 12, 0x1000 * (uint32_t)(i + 1)); /* VirtualAddress */
		put32(h + 16, spec->sec[i].size);	   /* SizeOfRawData */
		put32(h + 20, spec->sec[i].offset);	   /* PointerToRawData */
		put32(h + 36, 0x60000020);		   /* Characteristics */
	}
	return img;
}

/* OpenSSL's digest (the library's bc_digest_compute) of img's ranges r[0..count)
 * concatenated. */
static inline bc_digest openssl_digest(const image *img, const bc_core_range *r, size_t count,
				       uint16_t alg)
{
	size_t len = 0;
	for (size_t i = 0; i < count; i++)
		len += r[i].to - r[i].from;
	uint8_t *all = malloc(len + 1);
	assert_non_null(all);
	len = 0;
	for (size_t i = 0; i < count; i++) {
		size_t n = r[i].to - r[i].from;
		memcpy(all + len, img->bytes + r[i].from, n);
		len += n;
	}
	bc_digest d;
	assert_int_equal(bc_digest_compute(alg, all, len, &d, NULL), BC_OK);
	free(all);
	return d;
}

#endif
