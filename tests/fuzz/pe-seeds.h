/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small well-formed PE/COFF images for the fuzz targets of the freestanding core, laid
 * out by the builder of the unit tests (tests/unit/pe-images.h): PE32 and PE32+, with and
 * without a certificate table or its data directory entry, sections out of table order
 * and with a gap. tests/data/pe has only malformed images.
 */
#ifndef BOOTCHAIN_TESTS_FUZZ_PE_SEEDS_H
#define BOOTCHAIN_TESTS_FUZZ_PE_SEEDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Image index (from 0) in *data (malloc'd, exactly *size bytes); false past the last. */
bool pe_seed(size_t index, uint8_t **data, size_t *size);

#endif
