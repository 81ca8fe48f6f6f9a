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

/* The parts of an SEV-SNP TCB_VERSION a "keep" section may set a minimum for, with
 * their names in "min_tcb" (fmc: Turin only). */
enum {
	BC_GOLDEN_TCB_BOOTLOADER,
	BC_GOLDEN_TCB_TEE,
	BC_GOLDEN_TCB_SNP,
	BC_GOLDEN_TCB_MICROCODE,
	BC_GOLDEN_TCB_FMC,
	BC_GOLDEN_TCB_PARTS
};
extern const char *const bc_golden_tcb_names[BC_GOLDEN_TCB_PARTS];

/* The "keep" section's "sgx" object: the SGX enclaves evidence may come from. An
 * enclave passes when each list given holds its value (MRENCLAVE, MRSIGNER: one list
 * may be left out, not both) and it meets every other field given. */
typedef struct bc_golden_keep_sgx {
	size_t mrenclave_count, mrsigner_count;
	uint8_t (*mrenclave)[32], (*mrsigner)[32];
	int isvprodid;		    /* "isvprodid": the product ID required, -1 for any */
	int min_isvsvn;		    /* "min_isvsvn": the lowest ISVSVN, -1 for none */
	bool allow_debug;	    /* "allow_debug": ATTRIBUTES.DEBUG may be set */
	const char *min_tcb_status; /* "min_tcb_status": one of Intel's TCB status names,
				       NULL when not given (UpToDate is then required) */
} bc_golden_keep_sgx;

/* "keep": {"tdx": {...}}: what a TDX Keep's quote may hold. */
typedef struct bc_golden_tdx {
	size_t mrtd_count, mrconfigid_count, mrowner_count; /* 0: that list not given */
	uint8_t (*mrtd)[48], (*mrconfigid)[48], (*mrowner)[48];
	bool allow_debug; /* TDATTRIBUTES.DEBUG allowed */
	bool has_xfam;	  /* "xfam": the exact XFAM required */
	uint64_t xfam;
	const char *min_tcb_status; /* Intel's name ("UpToDate", ...), NULL: none */
	/* "ccel": a database of its own for the CC event log's events, their "pcr" being
	 * the log's MR index (1 = RTMR0 ... 4 = RTMR3); NULL: the log is not judged */
	struct bc_golden *ccel;
} bc_golden_tdx;

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
	uint32_t explained_mask;  /* "explained_pcrs": PCRs every event of which must be known */
	uint32_t open_mask;	  /* "open_pcrs": PCRs the author opened explicitly */
	uint32_t closed_mask;	  /* explained, and those with a component, less the open */
	uint8_t startup_locality; /* 0, or 3 or 4: the initial value of PCR 0 */
	bool has_keep;		  /* a "keep" section: the allowed TEE measurements */
	size_t keep_count;
	uint8_t (*keep_measurements)[48];
	bool keep_allow_debug;
	int keep_min_tcb[BC_GOLDEN_TCB_PARTS]; /* "min_tcb": the lowest of each, -1 if none */
	bool has_keep_snp; /* "keep" allows SEV-SNP Keeps ("measurements" given) */
	bool has_keep_tdx; /* "keep" has "tdx" */
	bc_golden_tdx keep_tdx;
	bc_golden_keep_sgx *keep_sgx; /* "keep"."sgx", NULL when not given */
	size_t boot_order_count;      /* "boot_order": the layers of a chain, in boot order */
	bc_golden_boot_step *boot_order;
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
