/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdlib.h>

#include "tests/fuzz/pe-seeds.h"

/* pe-images.h checks its allocations with cmocka's macros; here without cmocka */
#define assert_non_null(p)     ((p) ? (void)0 : abort())
#define assert_int_equal(a, b) ((a) == (b) ? (void)0 : abort())
#include "tests/unit/pe-images.h"

static pe_spec seed_spec(size_t index)
{
	pe_spec s = default_spec(0x20b);
	switch (index) {
	case 0: return s; /* three sections, 13 bytes of trailing data */
	case 1: return default_spec(0x10b);
	case 2: s.cert_size = 32; return s; /* signed: the table ends the file */
	case 3: s.rva_count = 4; return s;  /* no Certificate Table entry */
	case 4: /* out of table order, a gap, an empty section: step 5 covers part of .data */
		s.nsec = 3;
		s.sec[0] = (section_spec){".data", 0x800, 0x200};
		s.sec[1] = (section_spec){".bss", 0, 0};
		s.sec[2] = (section_spec){".text", 0x200, 0x400};
		s.trailing = 0;
		return s;
	default: /* PE32, one section, signed, nothing between the section and the table */
		s = default_spec(0x10b);
		s.nsec = 1;
		s.trailing = 0;
		s.cert_size = 16;
		return s;
	}
}

#define SEED_COUNT 6

bool pe_seed(size_t index, uint8_t **data, size_t *size)
{
	if (index >= SEED_COUNT)
		return false;
	pe_spec spec = seed_spec(index);
	image img = build(&spec);
	*data = img.bytes;
	*size = img.len;
	return true;
}
