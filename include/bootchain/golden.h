/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden (known-good) measurement databases, format "bootchain-golden-v1", described in
 * bootchain-golden(5): named components, each measured into one PCR, each with one or
 * more allowed versions (a digest per bank and where it came from). Loading is strict:
 * a database is security configuration, so anything malformed or unknown is refused
 * with a message naming the file and the JSON path of the bad value.
 */
#ifndef BOOTCHAIN_GOLDEN_H
#define BOOTCHAIN_GOLDEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/digest.h>
#include <bootchain/pcr.h>
#include <bootchain/status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BC_GOLDEN_FORMAT "bootchain-golden-v1"

/* Hard cap on the size of a database file. */
#define BC_GOLDEN_MAX_SIZE ((size_t)256 << 20)

/* Where an allowed value came from; every field may be NULL. */
typedef struct bc_golden_source {
	const char *file;	 /* image file name */
	const char *log;	 /* reference log */
	const char *date;	 /* when it was recorded, ISO 8601 */
	const char *version;	 /* the component's version ("15.8") */
	const char *description; /* what the reference event was ("\\EFI\\BOOT\\BOOTX64.EFI") */
	bool has_event;
	uint32_t event; /* its number in the reference log */
} bc_golden_source;

typedef struct bc_golden_version {
	bc_digest_set digests; /* one digest per bank */
	bc_golden_source source;
} bc_golden_version;

typedef struct bc_golden_component {
	const char *name;
	uint32_t pcr;
	bool has_event_type; /* false: any event type */
	uint32_t event_type;
	bool required; /* must be measured (golden check reports it missing otherwise) */
	size_t version_count;
	const bc_golden_version *versions;
} bc_golden_component;

typedef struct bc_golden bc_golden;

/*
 * Load a database. With pubkey_path, the detached signature (sig_path, or path + ".sig"
 * when NULL; a DER ECDSA or RSA signature over SHA-256 of the file's exact bytes, as
 * `openssl dgst -sha256 -sign` makes) must verify with that public key (PEM), else
 * BC_E_MISMATCH; the bytes that were verified are the bytes parsed.
 */
BC_EXPORT bc_status bc_golden_load(const char *path, const char *pubkey_path, const char *sig_path,
				   bc_golden **out, bc_error *err);

/* Parse a database held in memory (name is used in messages). */
BC_EXPORT bc_status bc_golden_from_memory(const void *data, size_t size, const char *name,
					  bc_golden **out, bc_error *err);

BC_EXPORT void bc_golden_free(bc_golden *db);

BC_EXPORT size_t bc_golden_component_count(const bc_golden *db);
BC_EXPORT const bc_golden_component *bc_golden_component_at(const bc_golden *db, size_t i);

/* The component called name, or NULL. */
BC_EXPORT const bc_golden_component *bc_golden_find(const bc_golden *db, const char *name);

typedef enum bc_golden_verdict {
	BC_GOLDEN_MATCH = 0,	  /* a version of the component has these digests */
	BC_GOLDEN_DIFFERS,	  /* the component exists, no version matches */
	BC_GOLDEN_NO_COMPONENT,	  /* the database has no component of that name */
	BC_GOLDEN_NO_COMMON_BANK, /* no version has a digest in any bank measured */
	BC_GOLDEN_WRONG_PCR,	  /* the component is measured into another PCR */
} bc_golden_verdict;

/*
 * Compare the digests of a layer with the allowed versions of the component called
 * name, measured into pcr. A version matches when it has a digest in at least one of
 * the banks of digests and every such digest is equal. *version (may be NULL) gets the
 * index of the matching version.
 */
BC_EXPORT bc_golden_verdict bc_golden_match(const bc_golden *db, const char *name, uint32_t pcr,
					    const bc_digest_set *digests, size_t *version);

/* Words for a verdict: "matches", "differs", ... */
BC_EXPORT const char *bc_golden_verdict_name(bc_golden_verdict v);

/*
 * Verify a detached signature over data (SHA-256, DER ECDSA or RSA PKCS#1 v1.5 / PSS
 * as the key requires) with the public key in pubkey_path. BC_E_MISMATCH when it does
 * not verify.
 */
BC_EXPORT bc_status bc_signature_verify(const void *data, size_t size, const void *sig,
					size_t sig_size, const char *pubkey_path, bc_error *err);

#ifdef __cplusplus
}
#endif
#endif
