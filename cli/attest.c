/* SPDX-License-Identifier: BSD-3-Clause */
/* bootchain attest VERB: keys (attest-keys.c), quotes (attest-quote.c), verification
 * (attest-verify.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/attest.h"
#include "cli/cli.h"

static const char attest_usage[] =
    "Usage: bootchain attest VERB [OPTIONS]\n"
    "\n"
    "ek         read or create the endorsement key; print it and its certificate\n"
    "ek verify  check EK certificates against the TPM manufacturers' CA certificates\n"
    "ak create  create an attestation key under the EK\n"
    "challenge  verifier: make a credential for an AK name under an EK public key\n"
    "activate   TPM: recover the credential (TPM2_ActivateCredential)\n"
    "quote      sign the PCRs with the AK and write an evidence file\n"
    "verify     check evidence: signature, nonce, PCRs, event log, golden database\n"
    "serve      answer verifiers over HTTP, nonces batched into shared quotes\n"
    "poll       fetch and verify the evidence of every host of a fleet\n"
    "enrol      verifier: enrol a machine over HTTP (EK chain, credential activation)\n"
    "\n"
    "`bootchain attest VERB --help` tells more; see bootchain-attest(1).\n";

static const cli_verb ek_verbs[] = {
    {"verify", attest_ek_verify, NULL},
    {NULL, NULL, NULL},
};

static const cli_verb ak_verbs[] = {
    {"create", attest_ak_create, NULL},
    {NULL, NULL, NULL},
};

const cli_verb cli_attest_verbs[] = {
    {"ek", attest_ek, ek_verbs},	   {"ak", attest_ak, ak_verbs},
    {"challenge", attest_challenge, NULL}, {"activate", attest_activate, NULL},
    {"quote", attest_quote, NULL},	   {"verify", attest_verify, NULL},
    {"serve", attest_serve, NULL},	   {"poll", attest_poll, NULL},
    {"enrol", attest_enrol, NULL},	   {NULL, NULL, NULL},
};

const char *attest_tdquote_url(const char *option)
{
	const char *env = getenv("BOOTCHAIN_AZURE_TDQUOTE_URL");
	if (option)
		return option;
	return env && *env ? env : NULL;
}

int cmd_attest(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
			return fputs(attest_usage, stdout), BC_EXIT_OK;
		return cli_usage_error("attest", "expected a verb: ek, ak, challenge, activate, "
						 "quote, verify, serve, poll or enrol");
	}
	const cli_verb *verb = cli_find_verb(cli_attest_verbs, argv[1]);
	if (!verb)
		return cli_usage_error("attest", "unknown verb '%s'", argv[1]);
	const cli_verb *sub = argc >= 3 && verb->verbs ? cli_find_verb(verb->verbs, argv[2]) : NULL;
	if (sub)
		return sub->run(argc - 2, argv + 2);
	return verb->run(argc - 1, argv + 1);
}
