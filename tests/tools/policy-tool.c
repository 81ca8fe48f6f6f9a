/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * policy-tool: what tests/integration/seal/policy-*.sh compares with tpm2-tools, and
 * which the CLI has no reason to print:
 *   policy-tool authorize PUB.pem REF      PolicyAuthorize by that key with policyRef REF
 *                                           (text), in hex
 *   policy-tool load POLICY [PUB.pem]      read a signed policy file (and verify it with
 *                                           PUB.pem): its approved policy, in hex
 *   policy-tool tpm-signature POLICY PUB.pem AHASH SIG
 *                                           write aHash and the TPMT_SIGNATURE (marshalled)
 *                                           for tpm2_verifysignature
 * Exit 0, or 1 with the library's message on stderr.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include <bootchain/policy.h>

#include "seal/policy-internal.h"
#include "util/file.h"
#include "util/hex.h"

static int fail(const bc_error *err)
{
	fprintf(stderr, "policy-tool: %s\n", bc_error_message(err));
	return 1;
}

static void print_hex(const uint8_t *data, size_t size)
{
	char hex[2 * 64 + 1];
	printf("%s\n", bc_hex_encode(data, size, hex));
}

static int authorize(const char *pub, const char *ref)
{
	uint8_t name[BC_POLICY_KEY_NAME_MAX], out[BC_POLICY_DIGEST_SIZE];
	size_t name_size = 0;
	bc_error err = {0};
	if (bc_policy_key_name(pub, name, &name_size, &err) != BC_OK ||
	    bc_policy_authorize(name, name_size, (const uint8_t *)ref, strlen(ref), out, &err) !=
		BC_OK)
		return fail(&err);
	print_hex(out, sizeof(out));
	return 0;
}

static int load(const char *path, const char *pub)
{
	bc_signed_policy *p = NULL;
	bc_error err = {0};
	if (bc_signed_policy_load(path, &p, &err) != BC_OK)
		return fail(&err);
	if (pub && bc_signed_policy_verify(p, pub, &err) != BC_OK) {
		/* as a command that uses the policy would say it: naming the file */
		fprintf(stderr, "policy-tool: %s: %s\n", path, bc_error_message(&err));
		bc_signed_policy_free(p);
		return 1;
	}
	print_hex(p->approved, sizeof(p->approved));
	bc_signed_policy_free(p);
	return 0;
}

static int tpm_signature(const char *path, const char *pub, const char *ahash_out,
			 const char *sig_out)
{
	bc_signed_policy *p = NULL;
	bc_error err = {0};
	TPM2B_PUBLIC key;
	TPMT_SIGNATURE sig;
	uint8_t ahash[BC_POLICY_DIGEST_SIZE], buf[sizeof(TPMT_SIGNATURE)];
	size_t len = 0;
	bc_status s = bc_signed_policy_load(path, &p, &err);
	if (s == BC_OK)
		s = bc_policy_key_public(pub, &key, &err);
	if (s == BC_OK)
		s = bc_policy_tpm_signature(p, &key, &sig, &err);
	if (s == BC_OK)
		s = bc_policy_approved_hash(p, ahash, &err);
	if (s == BC_OK && Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, buf, sizeof(buf), &len))
		s = bc_fail(&err, BC_E_FORMAT, "cannot marshal the signature");
	if (s == BC_OK)
		s = bc_write_file_atomic(ahash_out, ahash, sizeof(ahash), 0644, &err);
	if (s == BC_OK)
		s = bc_write_file_atomic(sig_out, buf, len, 0644, &err);
	bc_signed_policy_free(p);
	return s == BC_OK ? 0 : fail(&err);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "authorize") == 0)
		return authorize(argv[2], argv[3]);
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "load") == 0)
		return load(argv[2], argc == 4 ? argv[3] : NULL);
	if (argc == 6 && strcmp(argv[1], "tpm-signature") == 0)
		return tpm_signature(argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: policy-tool authorize PUB REF | load POLICY [PUB] | "
			"tpm-signature POLICY PUB AHASH SIG\n");
	return 2;
}
