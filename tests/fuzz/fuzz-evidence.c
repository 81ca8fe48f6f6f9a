/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for evidence files (bootchain-evidence(5)): parse, and when the file
 * parses, verify it as a verifier would, with a fixed AK, nonce, golden database and
 * SEV-SNP ARK and ASK. They are those of the seeds tests/data/evidence/swtpm-*.json
 * (made on swtpm and the simulated SEV-SNP provider, see the README there), so the seeds
 * pass every check and mutations reach the checks behind the signatures. Any crash,
 * hang, leak or sanitizer report is a bug: evidence comes from the machine being judged.
 * bc_verify_evidence must never fail on bad evidence (that is a failed check): an error
 * aborts, as does a result that passes with a check failed.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/attest.h>
#include <bootchain/golden.h>

#include "tests/fuzz/evidence-fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bc_verify_key *key;
static bc_golden *golden;

/* Once, on the first input: corpus-main.c calls no LLVMFuzzerInitialize. */
static void init(void)
{
	if (key)
		return;
	key = fixture_key();
	golden = fixture_golden(true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bc_evidence *ev = NULL;
	bc_verify_result res;
	init();
	if (bc_evidence_parse(data, size, "fuzz", &ev, NULL) != BC_OK)
		return 0;
	bc_verify_opts opts = {
	    .key = key,
	    .nonce = fixture_nonce,
	    .nonce_size = sizeof(fixture_nonce),
	    .golden = golden,
	    .keep_ark = (const uint8_t *)fixture_ark_pem,
	    .keep_ark_size = strlen(fixture_ark_pem),
	    .keep_ask = (const uint8_t *)fixture_ask_pem,
	    .keep_ask_size = strlen(fixture_ask_pem),
	};
	if (bc_verify_evidence(ev, &opts, &res, NULL) != BC_OK)
		abort(); /* bad evidence is a failed check, never an error */
	for (int c = 0; c < BC_CHECK_COUNT; c++)
		if (res.status[c] == BC_CHECK_FAIL && res.pass)
			abort(); /* a failed check, and yet a pass */
	bc_verify_result_free(&res);
	bc_evidence_free(ev);
	return 0;
}
