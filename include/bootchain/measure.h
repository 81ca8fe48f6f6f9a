/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Measuring boot layers. Measured boot records: digest the layer's image, extend its
 * PCR, append the event to the log. Trusted boot also compares the digest with the
 * golden database before going on, and halts on a mismatch or any error: the real
 * digest is still extended (the PCR must record the truth), then a failure marker (an
 * EV_SEPARATOR with the error value 1, PFP 3.3.2.2) so that nothing sealed to the good
 * values can be unsealed afterwards.
 *
 * These functions never print and never exit: a bootloader links them and decides.
 */
#ifndef BOOTCHAIN_MEASURE_H
#define BOOTCHAIN_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/core.h>
#include <bootchain/digest.h>
#include <bootchain/golden.h>
#include <bootchain/status.h>
#include <bootchain/tpm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bc_image_kind {
	BC_IMAGE_AUTO = 0, /* PE when the data has an MZ header with a PE signature */
	BC_IMAGE_RAW,	   /* a hash of the bytes */
	BC_IMAGE_PE,	   /* the PE/COFF Authenticode digest */
} bc_image_kind;

/* "auto", "raw", "pe" */
BC_EXPORT const char *bc_image_kind_name(bc_image_kind kind);
BC_EXPORT bool bc_image_kind_from_name(const char *name, bc_image_kind *kind);

/* The digest of an image in every algorithm of algs; *used (may be NULL) gets the kind
 * that was applied. name is used in messages. */
BC_EXPORT bc_status bc_image_digest(const void *image, size_t size, const char *name,
				    bc_image_kind kind, const uint16_t *algs, size_t count,
				    bc_digest_set *out, bc_image_kind *used, bc_error *err);

/* The same for a file, read in one streaming pass (pipes work; a PE image on a pipe is
 * read whole, as Authenticode needs random access). */
BC_EXPORT bc_status bc_image_digest_file(const char *path, bc_image_kind kind, const uint16_t *algs,
					 size_t count, bc_digest_set *out, bc_image_kind *used,
					 bc_error *err);

/* Told as bc_image_digest_file streams a file: done bytes of total (0 when not known: a
 * pipe), in the thread that called it. PE images, read by mmap, are not streamed. */
typedef void (*bc_image_progress_fn)(const char *path, uint64_t done, uint64_t total, void *user);

/* Set the calling thread's progress hook for bc_image_digest_file (and so
 * bc_measure_file and golden databases made from images); NULL removes it. Other
 * threads are not affected. */
BC_EXPORT void bc_image_progress_set(bc_image_progress_fn fn, void *user);

/* The event data a layer is logged with when no event type is given: an EV_EVENT_TAG
 * (TCG_PCClientTaggedEvent) with this id and the text "layer=NAME kind=KIND file=FILE". */
#define BC_LAYER_TAG_ID 0x314c4342u /* "BCL1" */

typedef struct bc_layer {
	const char *name;    /* the golden database component */
	uint32_t pcr;	     /* 0-23 */
	uint32_t event_type; /* 0: EV_EVENT_TAG with BC_LAYER_TAG_ID */
	const char *file;    /* recorded in the event data; may be NULL */
	bc_image_kind kind;
} bc_layer;

/* What a trusted boot of a chain has measured so far (measure/order.c). */
typedef struct bc_boot_progress bc_boot_progress;

typedef struct bc_measurer {
	bc_tpm *tpm;		    /* NULL: compute and check only (dry run) */
	const char *log_path;	    /* NULL: no event log */
	const bc_golden *golden;    /* non-NULL: trusted mode */
	bool cap;		    /* trusted mode: extend the failure marker on a halt */
	bc_boot_progress *progress; /* trusted mode over a chain: order and completeness;
				       NULL: each layer is judged alone */
	size_t alg_count;
	uint16_t algs[BC_MAX_BANKS]; /* the banks to measure in */
} bc_measurer;

/* BC_E_INVALID when a layer cannot be logged with this event type: EV_NO_ACTION, and the
 * types whose digest must be that of their own data (bc_event_type_digests_data()). */
BC_EXPORT bc_status bc_measure_check_type(uint32_t type, uint32_t pcr, bc_error *err);

/* Fill m->algs with the banks the TPM has allocated. */
BC_EXPORT bc_status bc_measurer_use_tpm_banks(bc_measurer *m, bc_error *err);

/*
 * Whether m->log_path can take this measurer's events: a regular file that can be
 * written, either absent (its directory writable) or empty, or a whole crypto-agile
 * log with exactly the banks of m->algs. Call it before the first measurement, so that
 * a bad log is found before any PCR changes.
 */
BC_EXPORT bc_status bc_measurer_check_log(const bc_measurer *m, bc_error *err);

typedef struct bc_measurement {
	bc_digest_set digests;
	bc_image_kind kind;	   /* what was applied */
	bool checked;		   /* compared with the golden database */
	bc_golden_verdict verdict; /* when checked */
	size_t version;		   /* the matching version, when BC_GOLDEN_MATCH */
	bool extended, logged;	   /* the layer's digest reached the PCR / the log */
	bool capped;		   /* the failure marker was extended */
	bool halt;		   /* trusted mode: do not run this layer or anything after */
} bc_measurement;

/*
 * Measure one layer whose image is in memory (a bootloader's loaded image) or in a
 * file. Returns BC_OK when the layer was measured (and, in trusted mode, matched);
 * in trusted mode BC_E_MISMATCH when it did not match, and any other error as such,
 * both with out->halt set and, when m->cap, the failure marker extended.
 */
BC_EXPORT bc_status bc_measure_buffer(const bc_measurer *m, const bc_layer *layer,
				      const void *image, size_t size, bc_measurement *out,
				      bc_error *err);
BC_EXPORT bc_status bc_measure_file(const bc_measurer *m, const bc_layer *layer, const char *path,
				    bc_measurement *out, bc_error *err);

/* Extend the failure marker into pcr (and log it): what a halt does. */
BC_EXPORT bc_status bc_measure_cap(const bc_measurer *m, uint32_t pcr, bc_error *err);

/* ---- a trusted boot of a whole chain ---- */

/*
 * Track the layers a trusted boot measures against db (set m->progress). Then a layer
 * measured a second time, or after a component of the same PCR that the database
 * orders after it (in its boot order when it has one, else in component order), halts
 * as a mismatch does. The boot expects the components of the boot order, or without
 * one every required component.
 */
BC_EXPORT bc_status bc_boot_progress_new(const bc_golden *db, bc_boot_progress **out,
					 bc_error *err);
BC_EXPORT void bc_boot_progress_free(bc_boot_progress *p);

/* Check and record a layer about to be measured: BC_E_MISMATCH when out of order. */
BC_EXPORT bc_status bc_boot_progress_step(bc_boot_progress *p, const bc_layer *layer,
					  bc_error *err);

/* The expected components not measured yet, in database order: the count is returned,
 * at most max are stored. */
BC_EXPORT size_t bc_boot_progress_missing(const bc_boot_progress *p,
					  const bc_golden_component **out, size_t max);

/*
 * The end of a trusted chain: BC_E_MISMATCH when a component the boot expects was not
 * measured, with out->halt set and, when m->cap, the failure marker extended into the
 * PCR of each such component (out->capped when all were).
 */
BC_EXPORT bc_status bc_measure_finish(const bc_measurer *m, bc_measurement *out, bc_error *err);

/* ---- chain files: bootchain-chain(5) ---- */

typedef struct bc_chain_layer {
	bc_layer layer;
	char *path; /* resolved against the chain file's directory */
	unsigned line;
} bc_chain_layer;

typedef struct bc_chain {
	char *name;
	size_t count;
	bc_chain_layer *layers;
} bc_chain;

BC_EXPORT bc_status bc_chain_load(const char *path, bc_chain **out, bc_error *err);
BC_EXPORT bc_status bc_chain_parse(const char *text, size_t size, const char *name,
				   const char *base_dir, bc_chain **out, bc_error *err);
BC_EXPORT void bc_chain_free(bc_chain *chain);

/* The chain a golden database's boot order describes; relative file names are resolved
 * against root. BC_E_NOTFOUND when the database has no boot order. */
BC_EXPORT bc_status bc_chain_from_golden(const bc_golden *db, const char *root, bc_chain **out,
					 bc_error *err);

/* BC_E_MISMATCH naming the first layer where chain differs from the database's boot
 * order (name, PCR, file as written, kind, event type); *at (may be NULL) gets its
 * index in the chain (chain->count when the chain is shorter). */
BC_EXPORT bc_status bc_chain_check_order(const bc_chain *chain, const bc_golden *db, size_t *at,
					 bc_error *err);

/* ---- a UEFI stage's chain run in userspace (measure/stage-platform.c) ---- */

/* What the userspace platform of the core (bc_core_stage_run()) works with. */
typedef struct bc_stage_host {
	bc_tpm *tpm;	      /* NULL: compute and compare only, nothing extended */
	const char *log_path; /* NULL: no event log */
	const char *root;     /* the directory the stage's volume is mounted on */
	/* the stage's console, one line at a time (NULL: none) */
	void (*print)(void *user, const char *line);
	void *print_user;
	/* set by the platform: the banks extended (and logged) */
	size_t alg_count;
	uint16_t algs[BC_MAX_BANKS];
	char file[BC_CORE_FILE_MAX + 1]; /* the layer read last, for messages */
	bc_error error;			 /* its first failure, in the library's terms
					    (BC_E_TPM for a failed extend) */
} bc_stage_host;

/*
 * The core's platform over host (which must outlive it): files are read from
 * host->root (the chain's '\' paths turned into '/', '.' and '..' refused); each event
 * is digested with OpenSSL (bc_image_digest: Authenticode for PE) in every bank of the
 * TPM, as HashLogExtendEvent does, extended with bc_tpm_pcr_extend() and appended to the
 * log with bc_log_append(). The core compares in the TPM's banks that it has (SHA-1,
 * SHA-256, SHA-384: p->algs). Without a TPM, both are SHA-256. Images cannot be started:
 * start_image is NULL.
 */
BC_EXPORT bc_status bc_stage_platform_init(bc_core_platform *p, bc_stage_host *host, bc_error *err);

#ifdef __cplusplus
}
#endif
#endif
