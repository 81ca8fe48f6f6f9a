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

/* ---- candidate images: predicting and applying an update (golden/candidate.c) ---- */

/* A new image of a component: "NAME:PCR:FILE" as `golden predict|update --with` take. */
typedef struct bc_golden_candidate {
	char *name;	       /* the component (a layer name: letters, digits, ._-+@) */
	uint32_t pcr;	       /* 0-23 */
	char *file;	       /* the image file */
	bc_digest_set digests; /* set by bc_golden_candidate_digest() */
	bool digested;	       /* digests is set */
	bool is_pe;	       /* digested as a PE image (Authenticode) */
} bc_golden_candidate;

/*
 * Parse "NAME:PCR:FILE" (the file may contain colons, the name may not). Strict: an empty
 * or badly spelt name, a PCR that is not a decimal 0-23, or an empty file is
 * BC_E_INVALID with a message naming option (e.g. "--with") and the argument. out is
 * cleared first; free it with bc_golden_candidate_clear().
 */
BC_EXPORT bc_status bc_golden_candidate_parse(const char *arg, const char *option,
					      bc_golden_candidate *out, bc_error *err);
BC_EXPORT void bc_golden_candidate_clear(bc_golden_candidate *c);

/* The digests of the candidate's file in every bank of algs, as `bootchain measure`
 * digests a layer of kind auto (Authenticode for a PE image, else the bytes). */
BC_EXPORT bc_status bc_golden_candidate_digest(bc_golden_candidate *c, const uint16_t *algs,
					       size_t count, bc_error *err);

/* The banks a database has digests in (that this build can compute), in bank order. */
BC_EXPORT size_t bc_golden_banks(const bc_golden *db, uint16_t algs[BC_MAX_BANKS]);

typedef enum bc_golden_apply_mode {
	BC_GOLDEN_REPLACE = 0, /* the candidates of a component become its only versions:
				  the boot after the update */
	BC_GOLDEN_ADD,	       /* the candidates are added to its versions (old ones kept) */
} bc_golden_apply_mode;

/*
 * A new database: db with the digested candidates applied. A candidate whose name is a
 * component of db becomes a version of it (its PCR must be the component's, else
 * BC_E_INVALID naming both); a new name becomes a new required component appended
 * after the others (measured last in its PCR; typed EV_EFI_BOOT_SERVICES_APPLICATION
 * for a PE image, as `golden add --image` does). A version with the same digests is
 * not added twice. Everything else of db (boot order, final values, ...) is kept. The
 * result is checked by the loader; db is not changed.
 */
BC_EXPORT bc_status bc_golden_apply_candidates(const bc_golden *db,
					       const bc_golden_candidate *candidates, size_t count,
					       bc_golden_apply_mode mode, bc_golden **out,
					       bc_error *err);

/*
 * A new database without the versions of component name that which selects: NULL every
 * version but the last (the newest); a version number as `golden show` prints it (1 is
 * the first); a digest in hex (any bank); else the source's "version" text. Removing
 * every version of a component removes it, which is refused (BC_E_INVALID) for a required
 * component unless force, and for one the boot order names. BC_E_NOTFOUND when name or
 * which selects nothing. *removed (may be NULL) gets the number of versions removed.
 */
BC_EXPORT bc_status bc_golden_retire(const bc_golden *db, const char *name, const char *which,
				     bool force, bc_golden **out, size_t *removed, bc_error *err);

/* A database as the text of a file (*size bytes ending in a newline, not NUL-terminated;
 * the caller frees *text): what `golden update` and `golden retire` write. */
BC_EXPORT bc_status bc_golden_render(const bc_golden *db, char **text, size_t *size, bc_error *err);

/* ---- Secure Boot database updates: PCR 7 (golden/predict-sb.c) ---- */

typedef enum bc_sb_write {
	BC_SB_APPEND = 0, /* an append write: signatures already there are not added again */
	BC_SB_REPLACE,	  /* the variable becomes the update's lists */
} bc_sb_write;

/* One update of a signature database variable: "db", "dbx", "dbt" or "dbr" (of
 * EFI_IMAGE_SECURITY_DATABASE_GUID), from an .auth or a plain list file
 * (bc_efi_update_read_file()). */
typedef struct bc_sb_update {
	const char *variable;
	const char *path;
	bc_sb_write write;
} bc_sb_update;

/* A variable event of the reference log that the updates change. */
typedef struct bc_sb_changed {
	uint32_t event;	     /* its number in the log */
	char component[160]; /* the name `golden create --from-log` gives it */
	char variable[8];
	size_t old_size, new_size; /* bytes of the variable's value */
	size_t added, present;	   /* signatures appended, and already there (not added) */
	bool replaced;		   /* a replacement write was applied */
	bc_digest_set old_digests, new_digests;
} bc_sb_changed;

typedef struct bc_sb_prediction {
	bc_digest_set before; /* PCR 7 of every bank the log replays: as logged */
	bc_digest_set after;  /* and with the updated variables */
	size_t changed_count;
	bc_sb_changed *changed;
} bc_sb_prediction;

/*
 * PCR 7 after updates of the signature databases, on the machine whose log is given:
 * the old values of the variables are those of the log's EV_EFI_VARIABLE_DRIVER_CONFIG
 * events in PCR 7, the updates are applied in order, each such event's digest becomes
 * the digest of its new UEFI_VARIABLE_DATA (VariableName, GUID and the new value, as
 * firmware measures it), and every PCR 7 event is replayed in the log's order, the
 * others (SecureBoot, PK, KEK, the separator, EV_EFI_VARIABLE_AUTHORITY) unchanged.
 * BC_E_UNSUPPORTED, naming the event and bank, when a logged digest is not the digest
 * of the event's UEFI_VARIABLE_DATA (firmware that measures otherwise); BC_E_NOTFOUND
 * when the log has no event of an updated variable; BC_E_FORMAT naming the file or
 * event and offset for a malformed list.
 */
BC_EXPORT bc_status bc_sb_predict(const struct bc_log *log, const bc_sb_update *updates,
				  size_t count, bc_sb_prediction **out, bc_error *err);
BC_EXPORT void bc_sb_prediction_free(bc_sb_prediction *p);

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

/* ---- the chain a UEFI stage carries: the .bcchain section (golden/embed.c) ---- */

struct bc_chain;

typedef struct bc_embed_options {
	bool measured;	  /* measured mode: record and go on (default: trusted, halt) */
	uint32_t timeout; /* seconds a halt waits */
	uint32_t on_halt; /* then: bc_core_on_halt of <bootchain/core.h> */
} bc_embed_options;

/*
 * The encoding of bootchain-bcchain(5) for chain, each layer with the versions of its
 * component in db: every layer must be a component of db in the same PCR, its file a
 * path relative to the stage's volume (written with '/' or '\'; stored '\' separated
 * with a leading '\'), and each version keeps its SHA-1, SHA-256 and SHA-384 digests
 * (a version with none of them is refused). BC_E_INVALID or BC_E_LIMIT name the layer
 * and its line. The encoding is parsed back with bc_core_chain_parse() before it is
 * returned (*out is malloc'd).
 */
BC_EXPORT bc_status bc_golden_embed_encode(const bc_golden *db, const struct bc_chain *chain,
					   const bc_embed_options *options, uint8_t **out,
					   size_t *size, bc_error *err);

/* Where a stage keeps its chain. */
typedef struct bc_stage_section {
	uint64_t offset;      /* of the section's raw data in the file */
	uint32_t raw_size;    /* SizeOfRawData */
	uint32_t size;	      /* what the loaded image holds of it: SizeOfRawData, or the
				 VirtualSize when smaller */
	uint64_t cert_offset; /* the certificate table (a signed image), else 0 */
	uint32_t cert_size;
	uint64_t cert_entry; /* the file offset of its data directory entry */
} bc_stage_section;

/* Find the .bcchain section of a PE image (untrusted: parsed with bc_core_pe_ranges()
 * first, every header read within bounds). BC_E_FORMAT naming name for a malformed image
 * and BC_E_NOTFOUND for an image without the section (or with two). */
BC_EXPORT bc_status bc_stage_find_section(const void *image, size_t size, const char *name,
					  bc_stage_section *out, bc_error *err);

/*
 * A copy of the stage (*out malloc'd) with chain (an encoding) in its .bcchain
 * section and zeros after it. A signed stage loses its certificate table (the data
 * directory entry zeroed, the file cut at the table), which no longer covers the image:
 * *unsigned_now is then set. BC_E_LIMIT when the chain does not fit the section.
 */
BC_EXPORT bc_status bc_golden_embed(const void *stage, size_t size, const char *name,
				    const void *chain, size_t chain_size, uint8_t **out,
				    size_t *out_size, bool *unsigned_now, bc_error *err);

#ifdef __cplusplus
}
#endif
#endif
