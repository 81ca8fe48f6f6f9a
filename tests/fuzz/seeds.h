/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a fuzz target run by mutate-main.c gives besides LLVMFuzzerTestOneInput: seeds it
 * makes in code (well-formed inputs that need digests or layouts no file in tests/data
 * has), and a line on what the inputs exercised, so that a test can tell a run that
 * reached the properties from one that only had every input refused.
 */
#ifndef BOOTCHAIN_TESTS_FUZZ_SEEDS_H
#define BOOTCHAIN_TESTS_FUZZ_SEEDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The target's seed index (from 0) in *data (malloc'd, the caller's to free); false
 * past the last. */
bool fuzz_seed(size_t index, uint8_t **data, size_t *size);

/* What the inputs run so far exercised, one line without a line ending. */
const char *fuzz_summary(void);

#endif
