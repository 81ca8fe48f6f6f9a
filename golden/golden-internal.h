/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BC_GOLDEN_INTERNAL_H
#define BC_GOLDEN_INTERNAL_H

#include <jansson.h>

#include <bootchain/golden.h>

/* One allowed final value of a PCR in one bank ("pcrs" in the database). */
typedef struct bc_golden_expected {
	uint32_t pcr;
	bc_digest_set value; /* holds exactly one digest */
} bc_golden_expected;

/* One digest of one version in the lookup index. */
typedef struct bc_golden_index_entry {
	bool used;
	uint32_t component, version, digest;
} bc_golden_index_entry;

typedef struct bc_golden_hit {
	const bc_golden_component *component;
	size_t version;
} bc_golden_hit;

struct bc_golden {
	char *name;   /* file name for messages */
	json_t *root; /* the parsed file; every string of the database points into it */
	const char *created, *description;
	size_t count;
	bc_golden_component *components; /* in file order, the order of a boot */
	bc_golden_version *versions;	 /* all versions, each component's consecutive */
	bc_golden_component **by_name;	 /* sorted by name */
	size_t expected_count;
	bc_golden_expected *expected;
	uint32_t explained_mask;  /* PCRs every event of which must be known */
	uint8_t startup_locality; /* 0, or 3 or 4: the initial value of PCR 0 */
	bool has_keep;		  /* a "keep" section: the allowed TEE measurements */
	size_t keep_count;
	uint8_t (*keep_measurements)[48];
	bool keep_allow_debug;
	size_t index_size; /* a power of two */
	bc_golden_index_entry *index;
};

bc_status bc_golden_build_index(bc_golden *db, bc_error *err);

/* The first version (in database order) of a component in pcr that has digest d: 0 or
 * 1 hits (the count is returned, at most max are stored). */
size_t bc_golden_lookup(const bc_golden *db, uint32_t pcr, const bc_digest *d, bc_golden_hit *hits,
			size_t max);

/* A version against measured digests: -1 no bank in common, 0 a bank differs, 1 every
 * bank in common is equal. */
int bc_golden_version_compare(const bc_golden_version *v, const bc_digest_set *digests);

/* Index of a component in db->components. */
static inline size_t bc_golden_component_index(const bc_golden *db, const bc_golden_component *c)
{
	return (size_t)(c - db->components);
}

#endif
