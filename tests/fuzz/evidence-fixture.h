/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BC_TESTS_EVIDENCE_FIXTURE_H
#define BC_TESTS_EVIDENCE_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <bootchain/attest.h>
#include <bootchain/golden.h>

/* the nonce of every seed: 00 01 ... 13 */
extern const uint8_t fixture_nonce[20];
/* tests/tools/make-snp-certs.sh: the test ARK and ASK that the keep seed's VCEK chains to */
extern const char fixture_ark_pem[], fixture_ask_pem[];

/* The seeds' AK (aborts on failure). */
bc_verify_key *fixture_key(void);

/* `golden create --chain` over the seeds' chain (bios 0, bootloader 4, kernel 8, initrd
 * 9; sha1 and sha256), with the keep seed's MEASUREMENT in a "keep" section or not. */
bc_golden *fixture_golden(bool with_keep);

#endif
