/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Our TPM2_MakeCredential against the TPM's own, byte for byte. An EK made in software
 * (so that its private key is known) is loaded into the TPM as a public-only object
 * with TPM2_LoadExternal; the TPM makes a credential with it; the seed is recovered
 * with the private key; bc_credential_wrap() from that seed must give the TPM's blob
 * exactly, and bc_credential_unwrap() must recover the secret from it. Then the other
 * way: bc_make_credential()'s blob unwraps with the seed recovered in software.
 * Run by credential-swtpm.sh with BOOTCHAIN_TCTI set; exits 0 when all agree.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include <bootchain/tpm.h>

#include "attest/credential.h"
#include "attest/keys.h"
#include "pcr/tpm-internal.h"
#include "tests/unit/attest/soft-ek.h"

static int failures;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                        \
			fputc('\n', stderr);                                 \
			failures++;                                          \
			return;                                              \
		}                                                            \
	} while (0)

static void compare(bc_tpm *tpm, bc_key_type type, size_t secret_len)
{
	const char *kind = bc_key_type_name(type);
	TPM2B_PUBLIC ek;
	EVP_PKEY *key = soft_ek_new(type, &ek);
	CHECK(key, "%s: no software EK", kind);

	TPM2B_NAME name = {.size = 34, .name = {0x00, 0x0b}};
	TPM2B_DIGEST secret = {.size = (UINT16)secret_len};
	CHECK(RAND_bytes(name.name + 2, 32) == 1 && RAND_bytes(secret.buffer, secret.size) == 1,
	      "no random bytes");

	ESYS_CONTEXT *esys = bc_tpm_esys(tpm);
	ESYS_TR handle = ESYS_TR_NONE;
	TSS2_RC rc = Esys_LoadExternal(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL, &ek,
				       ESYS_TR_RH_NULL, &handle);
	CHECK(rc == TSS2_RC_SUCCESS, "%s: TPM2_LoadExternal: 0x%x", kind, rc);
	CHECK(bc_tpm_track(tpm, handle, NULL) == BC_OK, "track");
	TPM2B_ID_OBJECT *tpm_blob = NULL;
	TPM2B_ENCRYPTED_SECRET *tpm_seed = NULL;
	rc = Esys_MakeCredential(esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &secret,
				 &name, &tpm_blob, &tpm_seed);
	bc_tpm_flush(tpm, handle);
	CHECK(rc == TSS2_RC_SUCCESS, "%s: TPM2_MakeCredential: 0x%x", kind, rc);

	/* the TPM's credential, rebuilt from its seed */
	uint8_t seed[64];
	size_t seed_len = 0;
	TPM2B_ID_OBJECT ours;
	TPM2B_DIGEST out;
	bc_error err = {0};
	CHECK(soft_ek_seed(key, &ek, tpm_seed, seed, &seed_len), "%s: seed of the TPM", kind);
	CHECK(bc_credential_wrap(&ek.publicArea, seed, seed_len, &name, secret.buffer, secret.size,
				 &ours, &err) == BC_OK,
	      "%s: wrap: %s", kind, err.msg);
	CHECK(ours.size == tpm_blob->size &&
		  memcmp(ours.credential, tpm_blob->credential, ours.size) == 0,
	      "%s: our blob (%u bytes) differs from the TPM's (%u bytes)", kind, ours.size,
	      tpm_blob->size);
	CHECK(bc_credential_unwrap(&ek.publicArea, seed, seed_len, &name, tpm_blob, &out, &err) ==
		      BC_OK &&
		  out.size == secret.size && memcmp(out.buffer, secret.buffer, out.size) == 0,
	      "%s: unwrap of the TPM's blob: %s", kind, err.msg);

	/* ours, unwrapped with the seed the software EK recovers */
	TPM2B_ENCRYPTED_SECRET our_seed;
	CHECK(bc_make_credential(&ek, &name, secret.buffer, secret.size, &ours, &our_seed, &err) ==
		  BC_OK,
	      "%s: make: %s", kind, err.msg);
	CHECK(our_seed.size == tpm_seed->size, "%s: encrypted seed of %u bytes, the TPM's %u", kind,
	      our_seed.size, tpm_seed->size);
	CHECK(soft_ek_seed(key, &ek, &our_seed, seed, &seed_len), "%s: seed of ours", kind);
	CHECK(bc_credential_unwrap(&ek.publicArea, seed, seed_len, &name, &ours, &out, &err) ==
		      BC_OK &&
		  out.size == secret.size && memcmp(out.buffer, secret.buffer, out.size) == 0,
	      "%s: unwrap of ours: %s", kind, err.msg);
	Esys_Free(tpm_blob);
	Esys_Free(tpm_seed);
	EVP_PKEY_free(key);
	printf("ok: %s EK, %zu-byte secret: our credential blob is the TPM's\n", kind, secret_len);
}

int main(void)
{
	bc_tpm *tpm = NULL;
	bc_error err = {0};
	const char *tcti = getenv("BOOTCHAIN_TCTI");
	if (!tcti) {
		fprintf(stderr, "BOOTCHAIN_TCTI is not set\n");
		return 99;
	}
	if (bc_tpm_open(tcti, &tpm, &err) != BC_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return 99;
	}
	/* several rounds: ECC coordinates with leading zero bytes come up now and then */
	static const size_t sizes[] = {1, 32, 31, 20, 16, 8, 2, 17};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		compare(tpm, BC_KEY_RSA, sizes[i]);
		compare(tpm, BC_KEY_ECC, sizes[i]);
	}
	bc_tpm_close(tpm);
	return failures ? 1 : 0;
}
