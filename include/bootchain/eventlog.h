/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCG PC Client event log (TCG PC Client Platform Firmware Profile, section 10):
 * the SHA-1 format (TCG_PCClientPCREvent) and the crypto-agile format (TCG_PCR_EVENT2,
 * announced by a "Spec ID Event03" in SHA-1 format). Logs are untrusted input: every
 * length is checked before it is used, and every error names the file, the event
 * number and the byte offset.
 */
#ifndef BOOTCHAIN_EVENTLOG_H
#define BOOTCHAIN_EVENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/digest.h>
#include <bootchain/pcr.h>
#include <bootchain/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Event types (PFP section 10.4.1) */
enum {
	BC_EV_PREBOOT_CERT = 0x00000000,
	BC_EV_POST_CODE = 0x00000001,
	BC_EV_UNUSED = 0x00000002,
	BC_EV_NO_ACTION = 0x00000003,
	BC_EV_SEPARATOR = 0x00000004,
	BC_EV_ACTION = 0x00000005,
	BC_EV_EVENT_TAG = 0x00000006,
	BC_EV_S_CRTM_CONTENTS = 0x00000007,
	BC_EV_S_CRTM_VERSION = 0x00000008,
	BC_EV_CPU_MICROCODE = 0x00000009,
	BC_EV_PLATFORM_CONFIG_FLAGS = 0x0000000a,
	BC_EV_TABLE_OF_DEVICES = 0x0000000b,
	BC_EV_COMPACT_HASH = 0x0000000c,
	BC_EV_IPL = 0x0000000d,
	BC_EV_IPL_PARTITION_DATA = 0x0000000e,
	BC_EV_NONHOST_CODE = 0x0000000f,
	BC_EV_NONHOST_CONFIG = 0x00000010,
	BC_EV_NONHOST_INFO = 0x00000011,
	BC_EV_OMIT_BOOT_DEVICE_EVENTS = 0x00000012,
	BC_EV_POST_CODE2 = 0x00000013,
	BC_EV_EFI_EVENT_BASE = 0x80000000,
	BC_EV_EFI_VARIABLE_DRIVER_CONFIG = 0x80000001,
	BC_EV_EFI_VARIABLE_BOOT = 0x80000002,
	BC_EV_EFI_BOOT_SERVICES_APPLICATION = 0x80000003,
	BC_EV_EFI_BOOT_SERVICES_DRIVER = 0x80000004,
	BC_EV_EFI_RUNTIME_SERVICES_DRIVER = 0x80000005,
	BC_EV_EFI_GPT_EVENT = 0x80000006,
	BC_EV_EFI_ACTION = 0x80000007,
	BC_EV_EFI_PLATFORM_FIRMWARE_BLOB = 0x80000008,
	BC_EV_EFI_HANDOFF_TABLES = 0x80000009,
	BC_EV_EFI_PLATFORM_FIRMWARE_BLOB2 = 0x8000000a,
	BC_EV_EFI_HANDOFF_TABLES2 = 0x8000000b,
	BC_EV_EFI_VARIABLE_BOOT2 = 0x8000000c,
	BC_EV_EFI_GPT_EVENT2 = 0x8000000d,
	BC_EV_EFI_HCRTM_EVENT = 0x80000010,
	BC_EV_EFI_VARIABLE_AUTHORITY = 0x800000e0,
	BC_EV_EFI_SPDM_FIRMWARE_BLOB = 0x800000e1,
	BC_EV_EFI_SPDM_FIRMWARE_CONFIG = 0x800000e2,
};

/* "EV_EFI_ACTION", or NULL for a type without a name. */
BC_EXPORT const char *bc_event_type_name(uint32_t type);

/* The type of a name ("EV_IPL", also without the "EV_" prefix, any case, or a number);
 * false when unknown. */
BC_EXPORT bool bc_event_type_from_name(const char *name, uint32_t *type);

typedef enum bc_log_format {
	BC_LOG_SHA1 = 1,	 /* TCG_PCClientPCREvent only */
	BC_LOG_CRYPTO_AGILE = 2, /* Spec ID event, then TCG_PCR_EVENT2 */
} bc_log_format;

/* One algorithm of the Spec ID event; size is as the log declares it, also for
 * algorithms this library does not know (their digests are skipped, not replayed). */
typedef struct bc_log_alg {
	uint16_t alg;
	uint16_t size;
} bc_log_alg;

typedef struct bc_event_digest {
	uint16_t alg;
	uint16_t size;
	const uint8_t *bytes; /* points into the log */
} bc_event_digest;

typedef struct bc_event {
	uint32_t number;  /* 0 for the first event, as tpm2_eventlog's EventNum */
	uint64_t offset;  /* byte offset of the event header in the log */
	uint32_t length;  /* bytes of the whole record, header included */
	uint32_t pcr;	  /* PCRIndex as logged (may be out of range in a bad log) */
	uint32_t type;	  /* EventType */
	bool sha1_format; /* a TCG_PCClientPCREvent record (the Spec ID event, SHA-1 logs) */
	size_t digest_count;
	bc_event_digest digests[BC_MAX_BANKS];
	const uint8_t *data; /* event data, points into the log */
	uint32_t data_size;
} bc_event;

typedef struct bc_log bc_log;

/* Hard cap on the size of a log read into memory. */
#define BC_LOG_MAX_SIZE ((size_t)1 << 30)

/*
 * Read a whole log (file, pipe or securityfs, which is read in chunks until EOF) and
 * parse its header: the format, and for crypto-agile logs the Spec ID event. name is
 * used in messages; NULL means the path.
 */
BC_EXPORT bc_status bc_log_read_file(const char *path, bc_log **out, bc_error *err);

/* Parse a log held in memory; the bytes are copied. */
BC_EXPORT bc_status bc_log_from_memory(const void *data, size_t size, const char *name,
				       bc_log **out, bc_error *err);

BC_EXPORT void bc_log_free(bc_log *log);

BC_EXPORT const char *bc_log_name(const bc_log *log);
BC_EXPORT bc_log_format bc_log_get_format(const bc_log *log);
BC_EXPORT const uint8_t *bc_log_bytes(const bc_log *log, size_t *size);

/* The algorithms of the Spec ID event (for SHA-1 logs: sha1 alone). */
BC_EXPORT const bc_log_alg *bc_log_algorithms(const bc_log *log, size_t *count);

/* Spec ID event details; NULL for SHA-1 logs. vendor_info points into the log. */
typedef struct bc_log_spec_id {
	uint32_t platform_class;
	uint8_t version_major, version_minor, errata, uintn_size;
	const uint8_t *vendor_info;
	uint8_t vendor_info_size;
} bc_log_spec_id;
BC_EXPORT const bc_log_spec_id *bc_log_get_spec_id(const bc_log *log);

/*
 * Walk the events in order. bc_log_next() returns BC_OK with *ev filled, BC_OK with
 * *ev untouched and *done set at the end (trailing zero padding, as securityfs adds,
 * ends the log), or BC_E_FORMAT naming the event and offset (*ev is then undefined).
 */
typedef struct bc_log_iter {
	const bc_log *log;
	size_t offset;
	uint32_t number;
	bool done;
} bc_log_iter;

BC_EXPORT void bc_log_iter_init(const bc_log *log, bc_log_iter *it);
BC_EXPORT bc_status bc_log_next(bc_log_iter *it, bc_event *ev, bool *done, bc_error *err);

/* The digest of alg in ev, or NULL. */
BC_EXPORT const bc_event_digest *bc_event_find_digest(const bc_event *ev, uint16_t alg);

/* Whether an event extends its PCR: all but EV_NO_ACTION. */
BC_EXPORT bool bc_event_extends(const bc_event *ev);

/*
 * Payload check. For some event types the digest is defined by the event data
 * (EV_SEPARATOR, EV_EFI_ACTION, EV_EFI_VARIABLE_DRIVER_CONFIG/BOOT/BOOT2/AUTHORITY,
 * EV_IPL strings, EV_S_CRTM_VERSION, ...): a forged log can hide a layer behind a
 * harmless-looking event, so such events must hash to their digests. Known firmware
 * variants (e.g. EV_EFI_VARIABLE_BOOT hashing only VariableData) are accepted.
 */
typedef enum bc_payload_verdict {
	BC_PAYLOAD_NOT_DEFINED = 0, /* the data does not define this event's digest */
	BC_PAYLOAD_MATCHES,
	BC_PAYLOAD_DIFFERS, /* some bank's digest is not a digest of the data */
} bc_payload_verdict;

/* Whether events of this type in pcr must have the digest of their own data (those
 * bc_event_check_payload() holds to it), so that they cannot record an image. */
BC_EXPORT bool bc_event_type_digests_data(uint32_t type, uint32_t pcr);

/* Check ev; for BC_PAYLOAD_DIFFERS, *alg (may be NULL) gets the first bank that
 * differs. Digests of algorithms this library does not know are not checked. */
BC_EXPORT bc_payload_verdict bc_event_check_payload(const bc_event *ev, uint16_t *alg);

/*
 * Replay: the PCR values the log implies. Every PCR of every bank the log has starts
 * at its reset value (zero; all ones for PCRs 17-22; PCR 0 from a StartupLocality
 * event of locality 3 or 4), and each extending event is applied. out holds all 24
 * PCRs of every bank that is in the log, known to this library, and has a digest in
 * every extending event (firmware that declares banks it does not fill leaves them
 * unknowable); extended (may be NULL) gets the PCRs that at least one event extended.
 */
BC_EXPORT bc_status bc_log_replay(const bc_log *log, bc_pcr_values *out, bc_pcr_selection *extended,
				  bc_error *err);

/*
 * The same for the PCRs of sel only (NULL: all): the events of other PCRs and banks are
 * not hashed, and those values keep their reset values. For a verifier that compares
 * a quote's selection.
 */
BC_EXPORT bc_status bc_log_replay_selection(const bc_log *log, const bc_pcr_selection *sel,
					    bc_pcr_values *out, bc_pcr_selection *extended,
					    bc_error *err);

/*
 * The attested view of a log: the (bank, PCR) pairs whose events a quote vouches for,
 * because replaying the log's digests of that bank into that PCR, event by event,
 * gives the value the quote signed. A verifier judges digests from this view only:
 * anything else in the log is the attester's claim. A quoted pair the log cannot
 * replay (an extending event without that bank's digest, a bank missing from the log)
 * or that replays to another value is not attested, and the view is not complete.
 */
typedef struct bc_attested_view {
	bc_pcr_selection quoted;   /* the pairs the quote covers */
	bc_pcr_selection attested; /* the pairs replayed to the quoted values */
	bc_pcr_values values;	   /* the quoted values of the attested pairs */
	uint32_t pcrs;		   /* PCRs attested in at least one bank */
	size_t pairs_quoted, pairs_attested;
	bool complete;	   /* every quoted pair attested */
	bool trust_log;	   /* no quote: every bank of the log taken at its word (local checks) */
	char problem[160]; /* the first quoted pair not attested, and why */
} bc_attested_view;

/* Replay log for every pair of quoted and compare with values (the signed ones). An
 * error is returned only for a log that cannot be read to its end, or no memory. */
BC_EXPORT bc_status bc_log_attest(const bc_log *log, const bc_pcr_selection *quoted,
				  const bc_pcr_values *values, bc_attested_view *view,
				  bc_error *err);

/* A view that takes every bank of the log at its word, for local checks of a log that
 * no quote covers (`golden check DB LOG`). */
BC_EXPORT void bc_attested_view_all(const bc_log *log, bc_attested_view *view);

/* The PCRs of bank alg that the view attests. */
BC_EXPORT uint32_t bc_attested_view_banks_mask(const bc_attested_view *view, uint16_t alg);

/* The digests of ev in the banks the view attests for its PCR (none for a PCR it does
 * not attest). */
BC_EXPORT void bc_attested_view_digests(const bc_attested_view *view, const bc_event *ev,
					bc_digest_set *out);

/*
 * Append one TCG_PCR_EVENT2 to the log at path, with one digest per bank of digests.
 * A missing or empty file is created with a Spec ID event for those banks; an
 * existing log must be crypto-agile with exactly those banks, and must not end in a
 * torn event. The record goes to the end in a single write() under an exclusive
 * lock, followed by fsync().
 */
BC_EXPORT bc_status bc_log_append(const char *path, uint32_t pcr, uint32_t type,
				  const bc_digest_set *digests, const void *data,
				  uint32_t data_size, bc_error *err);

#ifdef __cplusplus
}
#endif
#endif
