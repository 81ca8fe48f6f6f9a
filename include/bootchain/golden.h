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

struct bc_log;

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
 * BC_E_MISMATCH (BC_E_NOTFOUND when the signature cannot be read: not signed); the bytes
 * that were verified are the bytes parsed.
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

/* One layer of the boot order ("boot_order") that `golden create --chain` records: the
 * chain file's line, so that a trusted boot can run the signed order. */
typedef struct bc_golden_boot_step {
	const char *name;    /* a component of the database, in the same PCR */
	uint32_t pcr;	     /* 0-23 */
	const char *file;    /* as written in the chain file */
	const char *kind;    /* "auto", "raw" or "pe" */
	uint32_t event_type; /* 0: the default (EV_EVENT_TAG) */
} bc_golden_boot_step;

/* The boot order, in boot order; NULL and *count 0 when the database has none. */
BC_EXPORT const bc_golden_boot_step *bc_golden_boot_order(const bc_golden *db, size_t *count);

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

/* ---- checking an event log against the database ---- */

typedef enum bc_golden_event_verdict {
	BC_EVENT_KNOWN = 0,  /* a version of a component */
	BC_EVENT_CHANGED,    /* where a component was expected, a digest none of its versions has */
	BC_EVENT_UNEXPECTED, /* in no component, in a PCR the database must fully explain */
	BC_EVENT_NOT_COVERED,  /* in no component, in a PCR the database opens ("open_pcrs") */
	BC_EVENT_UNVERIFIABLE, /* where a component was expected, and no bank of its digests
				  is attested for this PCR: nothing can show which it is */
} bc_golden_event_verdict;

/* "known", "changed", "unexpected", "not-covered", "unverifiable" */
BC_EXPORT const char *bc_golden_event_verdict_name(bc_golden_event_verdict v);

typedef struct bc_golden_event_result {
	uint32_t number, pcr, type;
	uint64_t offset;
	bc_digest_set digests; /* the digests judged: those of attested banks only */
	bc_golden_event_verdict verdict;
	const bc_golden_component *component; /* KNOWN, CHANGED, UNVERIFIABLE */
	size_t version;			      /* KNOWN */
	char summary[96];		      /* the event data in a few words */
} bc_golden_event_result;

/* A final PCR value that is none of the database's allowed values ("pcrs"). */
typedef struct bc_golden_pcr_result {
	uint16_t alg;
	uint32_t pcr;
	bc_digest value; /* the attested value; size 0: that pair is not attested */
} bc_golden_pcr_result;

typedef struct bc_golden_report {
	bool match; /* everything required known, nothing changed, unexpected or
		       unverifiable, every listed final value allowed */
	size_t event_count;
	bc_golden_event_result *events; /* in log order: every extending event judged, or
					   the ones not known (see all_events) */
	size_t known, changed, unexpected, not_covered, unverifiable;
	size_t missing_count;
	const bc_golden_component **missing; /* required, never measured (or in a PCR not
						judged) */
	size_t pcr_mismatch_count;
	bc_golden_pcr_result *pcr_mismatches;
	uint32_t judged_pcrs;	/* PCRs whose events were judged (attested in some bank) */
	uint32_t unjudged_pcrs; /* PCRs the database speaks of that were not judged */
} bc_golden_report;

struct bc_attested_view;

/*
 * Give every extending event of the attested PCRs of log a verdict, judging only the
 * digests of the banks the view attests for the event's PCR: the rest of the log is a
 * claim nobody signed. Events are matched per PCR in database order: an event that has
 * the digest of the next expected component is that component; one whose digest some
 * other component of its PCR has is that one; one whose type fits the next expected
 * component but whose digest no version has is that component, changed (unverifiable
 * when no attested bank is one the component has digests in); anything else is
 * unexpected (not covered in a PCR of "open_pcrs"). A required component in a PCR not
 * judged is missing; the final values ("pcrs") are those of the view, and one listed
 * for a pair the view does not attest fails. Each lookup costs constant time. The
 * report keeps every event with all_events, else only those that are not known (all
 * are counted).
 */
BC_EXPORT bc_status bc_golden_check_view(const bc_golden *db, const struct bc_log *log,
					 const struct bc_attested_view *view, bool all_events,
					 bc_golden_report **out, bc_error *err);

/* The same for a log that no quote covers, taking every bank at its word (a view of
 * bc_attested_view_all()): `golden check DB LOG`. */
BC_EXPORT bc_status bc_golden_check_log(const bc_golden *db, const struct bc_log *log,
					bool all_events, bc_golden_report **out, bc_error *err);
BC_EXPORT void bc_golden_report_free(bc_golden_report *report);

/*
 * Whether a quote of quoted covers what the database judges (the default of `attest
 * verify --require-pcrs`): every PCR that it closes (explained_pcrs and those with a
 * component, less open_pcrs) in at least one bank in which every component of that PCR
 * has digests, and every (bank, PCR) it lists a final value for. When not, missing
 * gets the first PCR not covered, in words.
 */
BC_EXPORT bool bc_golden_quote_covers(const bc_golden *db, const bc_pcr_selection *quoted,
				      char *missing, size_t missing_size);

/* ---- predicting PCR values ---- */

typedef struct bc_golden_prediction {
	uint16_t alg;
	uint32_t pcr;
	bool unknown; /* a component has a version without a digest in this bank */
	bool capped;  /* more combinations than asked for: values holds the first ones */
	size_t count; /* distinct values */
	bc_digest *values;
} bc_golden_prediction;

/*
 * The PCR values a boot made only of the database's components, in database order,
 * would produce, for every PCR of sel that has components (sel NULL: every bank the
 * database has digests in). A component with several versions multiplies the values;
 * at most max_values are computed per PCR.
 */
BC_EXPORT bc_status bc_golden_predict(const bc_golden *db, const bc_pcr_selection *sel,
				      size_t max_values, bc_golden_prediction **out, size_t *count,
				      bc_error *err);
BC_EXPORT void bc_golden_predictions_free(bc_golden_prediction *p, size_t count);

/*
 * Verify a detached signature over data (SHA-256, DER ECDSA or RSA PKCS#1 v1.5 / PSS
 * as the key requires) with the public key in pubkey_path. BC_E_MISMATCH when it does
 * not verify.
 */
BC_EXPORT bc_status bc_signature_verify(const void *data, size_t size, const void *sig,
					size_t sig_size, const char *pubkey_path, bc_error *err);

/* Sign data with the private key in key_path (PEM): SHA-256, DER; *sig is malloc'd. */
BC_EXPORT bc_status bc_signature_sign(const void *data, size_t size, const char *key_path,
				      uint8_t **sig, size_t *sig_size, bc_error *err);

#ifdef __cplusplus
}
#endif
#endif
