/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fleet (bootchain-fleet(1)): a verifier that remembers. The polling engine
 * attests many machines at once; the store keeps the enrolled machines, every
 * attestation of each, and the leases by which several workers share the work.
 */
#ifndef BOOTCHAIN_FLEET_H
#define BOOTCHAIN_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/attest.h>
#include <bootchain/enrolment.h>
#include <bootchain/golden.h>
#include <bootchain/pcr.h>
#include <bootchain/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- polling ---- */

/*
 * bc_poll() attests a list of hosts once (the engine of `attest poll` and `fleet run`).
 * For each host, a fresh random nonce (OpenSSL RAND_bytes, a new one for every attempt),
 * GET URL/v1/evidence?nonce=HEX over HTTP or HTTPS (libcurl multi: opts->jobs transfers
 * at a time, a timeout per attempt), then every check of bc_verify_evidence() against
 * the host's expected AK; evidence of a batching server is verified through its Merkle
 * path first. Network errors and answers 429, 500, 502, 503 and 504 are retried
 * (opts->retries times, waiting 200 ms before the first retry and twice as long before
 * each next one, plus up to a quarter at random so that hosts do not retry in step); a
 * verdict on evidence is never retried. The callback is called once per host with its
 * result, in the order verdicts are reached (not the order of the list: result->index
 * says which host).
 *
 * Thread-safety: bc_poll() runs in the calling thread, and calls the callback from it,
 * one result at a time. Several threads may each run their own bc_poll() at once; what
 * they share (keys, enrolment records, golden database) is only read. libcurl's global
 * state is initialised by the library, once per process (pthread_once around
 * curl_global_init()), and never cleaned up: a program that also uses libcurl may call
 * curl_global_init() itself, before or after, as libcurl counts the calls.
 */
#define BC_POLL_NONCE_SIZE	   32
#define BC_POLL_DEFAULT_JOBS	   32
#define BC_POLL_MAX_JOBS	   1024
#define BC_POLL_DEFAULT_TIMEOUT_MS 10000
#define BC_POLL_DEFAULT_RETRIES	   2
#define BC_POLL_BACKOFF_MS	   200 /* before the first retry; doubled for each next one */

/* A machine to attest. The strings and what the pointers point to must stay valid
 * during bc_poll(). */
typedef struct bc_poll_host {
	const char *name; /* for the caller and for messages */
	const char *url;  /* http:// or https://, the server's root (a final '/' is ignored) */
	/* the expected AK: key when given, else the AK of enrolment (a record with a Keep
	 * also requires the Keep report, with the record's CHIP_ID); neither: an error
	 * verdict */
	const bc_verify_key *key;
	const bc_enrolment *enrolment;
	/* BC_CHIP_ID_SIZE bytes: require the Keep report with this CHIP_ID (over the
	 * record's); NULL: the record's, or any */
	const uint8_t *keep_chip_id;
	/* the kind of Keep the host was enrolled with (BC_KEEP_KIND_*): a report of another
	 * kind is another Keep's (bc_verify_opts.keep_kind); NULL: the record's, or any */
	const char *keep_kind;
	/* a host with no TPM, an SGX enclave: its evidence must be keep-only (as
	 * bc_verify_opts.keep_only); key and enrolment are then not used */
	bool keep_only;
} bc_poll_host;

typedef struct bc_poll_opts {
	unsigned jobs;	     /* transfers at a time, 1 to BC_POLL_MAX_JOBS; 0: the default */
	unsigned timeout_ms; /* for one attempt; 0: the default */
	unsigned retries;    /* attempts after a failed one (bc_poll_opts_init: the default) */
	const char *token;   /* sent as "Authorization: Bearer TOKEN"; NULL: none */
	const char *cacert;  /* PEM file of the CA of the hosts' HTTPS certificates; NULL:
				the system's */
	const bc_pcr_selection *pcrs; /* ask for these PCRs; NULL: the server's default */
	/* as in bc_verify_opts */
	const bc_golden *golden;
	const bc_pcr_selection *require;
	bool keep_required; /* every host must send its Keep report */
	const uint8_t *keep_ark, *keep_ask;
	size_t keep_ark_size, keep_ask_size;
	bc_keep_intel_collateral keep_intel; /* TDX and SGX Keeps */
} bc_poll_opts;

/* Zero opts, then the defaults: BC_POLL_DEFAULT_JOBS, _TIMEOUT_MS and _RETRIES. */
BC_EXPORT void bc_poll_opts_init(bc_poll_opts *opts);

typedef enum bc_poll_verdict {
	BC_POLL_PASS = 0, /* evidence verified: every check passed */
	BC_POLL_FAIL,	  /* evidence that fails a check, or that does not parse */
	BC_POLL_ERROR,	  /* no verdict on evidence: unreachable, an HTTP error, no AK... */
} bc_poll_verdict;

/* The result of one host. It and all it points to live during the callback only: copy
 * what you keep. */
typedef struct bc_poll_result {
	size_t index; /* of the host in the list given to bc_poll() */
	const bc_poll_host *host;
	bc_poll_verdict verdict;
	/* "every check passed"; for a fail the first failing check and why ("golden: PCR 8,
	 * event 12: ...") or "evidence: ..." when it does not parse; for an error what went
	 * wrong ("fetch: ... (3 attempts)", "HTTP 401: ... (1 attempt)"). Quotes the
	 * server: untrusted text, to escape before printing. */
	const char *detail;
	const bc_verify_result *verify; /* the checks when the evidence was verified, else NULL */
	bool batched;			/* the quote signed a batch of nonces: */
	size_t batch_index, batch_leaves;
	unsigned attempts;    /* transfers started: 1 + the retries made; 0 when none could be */
	long http_status;     /* of the last attempt; 0: no answer */
	uint64_t ms;	      /* from the first attempt to the verdict */
	const uint8_t *nonce; /* of the last attempt; nonce_size 0 when none was made */
	size_t nonce_size;
	/* of the evidence verified (verify set): its event log (log_size 0: it had none)
	 * and the PCR values it quoted, what the attested view (verify->attested) is of */
	const uint8_t *log;
	size_t log_size;
	const bc_pcr_values *pcrs;
} bc_poll_result;

typedef void (*bc_poll_callback)(const bc_poll_result *result, void *user);

/*
 * Attest hosts[0..count), calling callback once per host. Returns BC_OK once every host
 * has had its callback, whatever the verdicts. An error (BC_E_INVALID: bad options, a
 * host without a name or URL; BC_E_NOMEM; BC_E_IO: libcurl cannot be initialised) is
 * returned before any callback is made.
 */
BC_EXPORT bc_status bc_poll(const bc_poll_host *hosts, size_t count, const bc_poll_opts *opts,
			    bc_poll_callback callback, void *user, bc_error *err);

/* "pass", "fail", "error". */
BC_EXPORT const char *bc_poll_verdict_name(bc_poll_verdict verdict);

/* ---- the store ---- */

/*
 * One schema on SQLite or PostgreSQL, the same behaviour on both. URL: a file path or
 * "sqlite:/path" (SQLite, WAL mode, a busy timeout), or "postgresql://..." and
 * "postgres://..." (libpq connection URIs). Times are Unix seconds, given by the caller
 * so that a schedule can be tested without waiting. Every statement binds its data as
 * parameters.
 */
#define BC_FLEET_SCHEMA_VERSION 3
#define BC_FLEET_DEFAULT_DB	"sqlite:/var/lib/bootchain/fleet.db"
#define BC_FLEET_NAME_MAX	256
#define BC_FLEET_VERDICT_MAX	32
#define BC_FLEET_CHECK_MAX	64

typedef struct bc_fleet_store bc_fleet_store;

/*
 * Open the store at url. create: make the SQLite file (and its folder) when missing,
 * for bc_fleet_store_migrate(); otherwise the store must exist and be of
 * BC_FLEET_SCHEMA_VERSION: one never initialised, or older (run `fleet init`), is
 * BC_E_NOTFOUND; one newer than this code BC_E_UNSUPPORTED, each with a message that
 * says so.
 */
BC_EXPORT bc_status bc_fleet_store_open(const char *url, bool create, bc_fleet_store **out,
					bc_error *err);
BC_EXPORT void bc_fleet_store_close(bc_fleet_store *store);

/* The store as messages name it: its path, or its URL without user, password or
 * parameters. */
BC_EXPORT const char *bc_fleet_store_name(const bc_fleet_store *store);

/* The schema version of the store: 0 when it was never initialised. */
BC_EXPORT bc_status bc_fleet_store_version(bc_fleet_store *store, int *version, bc_error *err);

/* Create or migrate the schema to BC_FLEET_SCHEMA_VERSION in one transaction; *from
 * (may be NULL) is the version it had. A store newer than the code is refused
 * (BC_E_UNSUPPORTED) and left as it is. */
BC_EXPORT bc_status bc_fleet_store_migrate(bc_fleet_store *store, int *from, bc_error *err);

/* A machine of the fleet, named by its enrolment record's host. */
typedef struct bc_fleet_machine {
	int64_t id;
	char name[BC_FLEET_NAME_MAX];
	char url[1024];
	bool certified;
	uint8_t ak_name[BC_KEY_NAME_MAX];
	size_t ak_name_size;
	uint8_t ak_public[BC_EVIDENCE_MAX_PUBLIC]; /* TPM2B_PUBLIC, marshalled */
	size_t ak_public_size;
	uint8_t ek_public[BC_EVIDENCE_MAX_PUBLIC];
	size_t ek_public_size;
	bool has_keep; /* enrolled with its Keep, of kind keep_kind (BC_KEEP_KIND_*) */
	char keep_kind[16];
	uint8_t keep_chip_id[BC_CHIP_ID_SIZE]; /* when the kind has a chip id */
	int64_t added_at;
	int64_t removed_at; /* 0: in the fleet */
	int64_t next_due;   /* when it is to be attested next */
} bc_fleet_machine;

typedef enum bc_fleet_add_result {
	BC_FLEET_ADDED,	    /* a new machine */
	BC_FLEET_READDED,   /* removed before, back with its history */
	BC_FLEET_UPDATED,   /* in the fleet under another record (re-enrolled) */
	BC_FLEET_UNCHANGED, /* in the fleet with this very record */
} bc_fleet_add_result;

/* Add the machine of an enrolment record, named rec->host, at time now. */
BC_EXPORT bc_status bc_fleet_store_add(bc_fleet_store *store, const bc_enrolment *rec, int64_t now,
				       bc_fleet_add_result *result, bc_error *err);

/* Take a machine out of the fleet at time now; its history stays. BC_E_NOTFOUND when
 * no machine of that name is in the fleet. */
BC_EXPORT bc_status bc_fleet_store_remove(bc_fleet_store *store, const char *name, int64_t now,
					  bc_error *err);

/* The machine of that name (removed ones too); BC_E_NOTFOUND when there is none. */
BC_EXPORT bc_status bc_fleet_store_find(bc_fleet_store *store, const char *name,
					bc_fleet_machine *out, bc_error *err);

/* The machines in the fleet (and the removed ones too when with_removed), by name;
 * *out is malloc'd (NULL when there are none). */
BC_EXPORT bc_status bc_fleet_store_list(bc_fleet_store *store, bool with_removed,
					bc_fleet_machine **out, size_t *count, bc_error *err);

/* What between-attestation comparison found (fleet run). */
#define BC_FLEET_FLAG_REBOOT	   (1u << 0) /* the reset count went up */
#define BC_FLEET_FLAG_CLOCK_BACK   (1u << 1) /* the TPM clock went back */
#define BC_FLEET_FLAG_ROLLBACK	   (1u << 2) /* restart count down without a reset */
#define BC_FLEET_FLAG_AK_CHANGED   (1u << 3)
#define BC_FLEET_FLAG_CHIP_CHANGED (1u << 4) /* the Keep's CHIP_ID */
#define BC_FLEET_FLAG_LAST	   BC_FLEET_FLAG_CHIP_CHANGED

/* "reboot", "clock-back", "rollback", "ak-changed", "chip-changed" for one flag; NULL for
 * anything else. */
BC_EXPORT const char *bc_fleet_flag_name(unsigned flag);

/*
 * The event log of an attestation's evidence, as the store keeps it for `fleet whatif`:
 * the log (stored once by its SHA-256, however many attestations share it), the
 * (bank, PCR) pairs attested (bc_verify_result.attested: the log's digests there replay
 * to values the quote signed). The quoted values of those pairs are the log's replay, so
 * they are not stored again.
 */
typedef struct bc_fleet_log {
	const uint8_t *data; /* recording: the caller's; read back: malloc'd (clear frees) */
	size_t size;
	uint8_t sha256[32]; /* of data: read back (recording hashes data itself) */
	bc_pcr_selection attested;
} bc_fleet_log;

/* Frees what a log read back owns (its data). */
BC_EXPORT void bc_fleet_log_clear(bc_fleet_log *log);

/* One attestation of a machine. */
typedef struct bc_fleet_attestation {
	int64_t id; /* set by the store */
	int64_t machine_id;
	int64_t time;
	char verdict[BC_FLEET_VERDICT_MAX];	      /* "pass", "fail", "unreachable"... */
	char first_failing_check[BC_FLEET_CHECK_MAX]; /* "" when none */
	char *detail;				      /* malloc'd text, or NULL */
	char *differing_events;			      /* malloc'd JSON array, or NULL */
	bool has_clock_info; /* false: no quote (unreachable); the four below are 0 */
	uint32_t reset_count, restart_count;
	uint64_t clock, firmware_version; /* kept as their 64 bits */
	unsigned flags;			  /* BC_FLEET_FLAG_* */
	/* how long the attestation took, from the poll's first attempt to its verdict
	 * (bc_poll_result.ms); has_duration false: unknown (no transfer made) */
	bool has_duration;
	uint64_t duration_ms;
	/* the AK and the Keep chip the attestation expected (the machine's record then):
	 * how the next one tells that they changed; ak_name_size 0: unknown */
	uint8_t ak_name[BC_KEY_NAME_MAX];
	size_t ak_name_size;
	bool has_keep_chip;
	uint8_t keep_chip_id[BC_CHIP_ID_SIZE];
	/* recording: the evidence's log to keep with it (NULL: none). Read back: NULL;
	 * has_log says whether a log is kept, log_sha256 which (bc_fleet_store_last_logs
	 * reads it) */
	const bc_fleet_log *log;
	bool has_log;
	uint8_t log_sha256[32];
} bc_fleet_attestation;

/* Frees what a stored attestation owns (detail, differing_events), not a itself. */
BC_EXPORT void bc_fleet_attestation_clear(bc_fleet_attestation *a);
BC_EXPORT void bc_fleet_attestations_free(bc_fleet_attestation *list, size_t count);

/* Store a (a->id is not read); *id (may be NULL) is its id. */
BC_EXPORT bc_status bc_fleet_store_record(bc_fleet_store *store, const bc_fleet_attestation *a,
					  int64_t *id, bc_error *err);

/* The latest attestation of a machine (by time, then by order of recording);
 * BC_E_NOTFOUND when it has none. */
BC_EXPORT bc_status bc_fleet_store_last(bc_fleet_store *store, int64_t machine_id,
					bc_fleet_attestation *out, bc_error *err);

/* The latest attestation of a machine that has a quote's clock information (one
 * with an answer: not unreachable); BC_E_NOTFOUND when it has none. */
BC_EXPORT bc_status bc_fleet_store_last_quoted(bc_fleet_store *store, int64_t machine_id,
					       bc_fleet_attestation *out, bc_error *err);

/* Called for each machine in the fleet by bc_fleet_store_last_logs(): m, and a (NULL:
 * none) its latest attestation that kept a log, with that log in log (its data, the
 * attested pairs and the values). All of it lives during the call only. */
typedef void (*bc_fleet_log_callback)(const bc_fleet_machine *m, const bc_fleet_attestation *a,
				      const bc_fleet_log *log, void *user);

/* For every machine in the fleet (not removed): its latest attestation with a log, and
 * the log. The attestations are read in one statement and each distinct log once (logs
 * repeat across a fleet): the machines that share a log come one after the other, the
 * machines without one last. */
BC_EXPORT bc_status bc_fleet_store_last_logs(bc_fleet_store *store, bc_fleet_log_callback callback,
					     void *user, bc_error *err);

/* The bytes of the log whose SHA-256 is sha256: *data malloc'd; BC_E_NOTFOUND when the
 * store has none. */
BC_EXPORT bc_status bc_fleet_store_log_bytes(bc_fleet_store *store, const uint8_t sha256[32],
					     uint8_t **data, size_t *size, bc_error *err);

/* Its attestations, newest first, at most limit (0: all); *out is malloc'd. */
BC_EXPORT bc_status bc_fleet_store_history(bc_fleet_store *store, int64_t machine_id, size_t limit,
					   bc_fleet_attestation **out, size_t *count,
					   bc_error *err);

/* How many attestations the store holds of each verdict. */
typedef struct bc_fleet_verdict_count {
	char verdict[BC_FLEET_VERDICT_MAX];
	uint64_t count;
} bc_fleet_verdict_count;

/* The counts of every verdict stored, by verdict; *out is malloc'd (NULL when the store
 * holds no attestation). */
BC_EXPORT bc_status bc_fleet_store_count_verdicts(bc_fleet_store *store,
						  bc_fleet_verdict_count **out, size_t *count,
						  bc_error *err);

/* A histogram of the durations of the attestations stored (those that have one):
 * cumulative[i] counts those that took at most bounds_ms[i] (bounds ascending), *count
 * all of them, *sum_ms their total. One query, whatever the size of the store. */
BC_EXPORT bc_status bc_fleet_store_duration_histogram(bc_fleet_store *store,
						      const uint64_t *bounds_ms, size_t bounds,
						      uint64_t *cumulative, uint64_t *count,
						      uint64_t *sum_ms, bc_error *err);

/*
 * Leases, by which workers share the fleet (fleet run): take up to max machines of the
 * fleet that are due at now (next_due <= now) and not leased to anyone until after now,
 * for worker until the time until. On PostgreSQL the rows are taken with SELECT ...
 * FOR UPDATE SKIP LOCKED, on SQLite in a single-writer transaction: two workers never
 * hold the same machine, and the machines of a worker that died are taken over when
 * its lease expires. *out is malloc'd (NULL when none are due).
 */
BC_EXPORT bc_status bc_fleet_store_lease(bc_fleet_store *store, const char *worker, int64_t now,
					 int64_t until, size_t max, bc_fleet_machine **out,
					 size_t *count, bc_error *err);

/* The same, with the round's time due (next_due <= due) apart from the current time now
 * that leases are compared with (lease_until <= now): a round that began earlier still
 * takes over the leases that have expired since. bc_fleet_store_lease() is due == now. */
BC_EXPORT bc_status bc_fleet_store_lease_due(bc_fleet_store *store, const char *worker, int64_t due,
					     int64_t now, int64_t until, size_t max,
					     bc_fleet_machine **out, size_t *count, bc_error *err);

/* In *until, the earliest lease_until among the machines due at due that are leased
 * (to any worker) until before the time before; BC_E_NOTFOUND when there is none. A
 * round waits for these leases rather than leave their machines to the next round. */
BC_EXPORT bc_status bc_fleet_store_lease_expiry(bc_fleet_store *store, int64_t due, int64_t before,
						int64_t *until, bc_error *err);

/* Done with a machine: its lease ends and it is next due at next_due. BC_E_NOTFOUND
 * when worker no longer holds its lease (it expired and another worker took it). */
BC_EXPORT bc_status bc_fleet_store_complete(bc_fleet_store *store, int64_t machine_id,
					    const char *worker, int64_t next_due, bc_error *err);

/* Called for each machine leased by worker until until: its latest attestation, or NULL
 * when it has none; a is the callee's to keep (moved out) or to clear. */
typedef void (*bc_fleet_latest_callback)(int64_t machine_id, bc_fleet_attestation *a, void *user);

/* The latest attestation (when quoted, the latest with a quote's clock information) of
 * every machine of one lease, in one statement: what a worker compares a batch with. A
 * machine whose lease was taken over since is not among them. */
BC_EXPORT bc_status bc_fleet_store_latest_of_lease(bc_fleet_store *store, const char *worker,
						   int64_t until, bool quoted,
						   bc_fleet_latest_callback callback, void *user,
						   bc_error *err);

/* Record a's attestation and complete the lease of its machine in one transaction: both
 * or neither. *lost is set when the lease had been taken over (expired): the attestation
 * is stored all the same, and the machine's schedule is the new holder's. */
BC_EXPORT bc_status bc_fleet_store_conclude(bc_fleet_store *store, const bc_fleet_attestation *a,
					    const char *worker, int64_t next_due, int64_t *id,
					    bool *lost, bc_error *err);

/* Give a lease back without attesting: the machine stays due. */
BC_EXPORT bc_status bc_fleet_store_release(bc_fleet_store *store, int64_t machine_id,
					   const char *worker, bc_error *err);

/* ---- running ---- */

/*
 * bc_fleet_run_round() is one round of `fleet run`: while machines are due at now, lease
 * up to opts->batch of them for opts->worker (bc_fleet_store_lease), attest them
 * (bc_poll: each machine's enrolled AK and Keep chip, the golden database and the rest
 * of opts->poll), and for each result compare with the machine's previous attestation,
 * store the attestation and complete the lease, next due at now + opts->interval (so
 * that rounds every interval find every machine due again). A machine that gives no
 * answer is stored with the verdict "error" and the first failing check "unreachable".
 * When nothing more can be leased, the round waits (polling the store every 200 ms) while
 * machines due at now are leased until before now + opts->interval
 * (bc_fleet_store_lease_expiry): the leases of workers still attesting end when they
 * complete, those of a worker that died expire and are taken over in this round.
 * Between two batches the round stops early when *opts->stop is set (a signal): every
 * stored attestation is complete, and no lease is left held. Library code: it prints
 * nothing; the callback reports.
 */
#define BC_FLEET_DEFAULT_BATCH 1024

/* What an attestation changed, for reports and notifications: one bit each. */
#define BC_FLEET_EVENT_FAIL	    (1u << 0) /* verdict now fail: was pass, error or none */
#define BC_FLEET_EVENT_PASS	    (1u << 1) /* verdict now pass: was fail or error */
#define BC_FLEET_EVENT_UNREACHABLE  (1u << 2) /* verdict now error: was pass, fail or none */
#define BC_FLEET_EVENT_REBOOT	    (1u << 3) /* BC_FLEET_FLAG_REBOOT */
#define BC_FLEET_EVENT_ROLLBACK	    (1u << 4) /* BC_FLEET_FLAG_ROLLBACK or _CLOCK_BACK */
#define BC_FLEET_EVENT_AK_CHANGED   (1u << 5)
#define BC_FLEET_EVENT_CHIP_CHANGED (1u << 6)
#define BC_FLEET_EVENT_COUNT	    7

/* "fail", "pass", "unreachable", "reboot", "rollback", "ak-changed", "chip-changed" for
 * one bit; NULL for anything else. */
BC_EXPORT const char *bc_fleet_event_name(unsigned event);

/*
 * The flags of an attestation cur after prev (the machine's latest attestation with a
 * quote; NULL: none): BC_FLEET_FLAG_REBOOT when the reset count went up; _ROLLBACK when
 * it went down, or when, without a reset, the restart count went down; _CLOCK_BACK when,
 * without a reset, the clock went back (both: replayed or rolled-back TPM state);
 * _AK_CHANGED and _CHIP_CHANGED when the AK or Keep chip expected differ from prev's.
 * Clock information is compared only when both have it.
 */
BC_EXPORT unsigned bc_fleet_compare(const bc_fleet_attestation *prev,
				    const bc_fleet_attestation *cur);

/* The events (BC_FLEET_EVENT_*) of cur (its flags set) after last, the machine's
 * latest attestation of any kind (NULL: none). */
BC_EXPORT unsigned bc_fleet_events(const bc_fleet_attestation *last,
				   const bc_fleet_attestation *cur);

typedef struct bc_fleet_run_opts {
	const char *worker;	  /* the name the leases are held under */
	int64_t interval;	  /* seconds from an attestation to the machine's next */
	int64_t lease;		  /* seconds a batch may hold its machines */
	size_t batch;		  /* machines leased at a time; 0: BC_FLEET_DEFAULT_BATCH */
	bc_poll_opts poll;	  /* how to attest (the hosts' AKs come from the store) */
	const volatile int *stop; /* may be NULL; checked between batches */
} bc_fleet_run_opts;

/* One attested machine. Lives during the callback only. */
typedef struct bc_fleet_run_result {
	const bc_fleet_machine *machine;
	const bc_fleet_attestation *attestation; /* as stored, flags set */
	const bc_fleet_attestation *last;	 /* its latest one before, or NULL */
	unsigned events;			 /* BC_FLEET_EVENT_* */
	const bc_poll_result *poll;		 /* NULL when it was not polled */
} bc_fleet_run_result;

typedef void (*bc_fleet_run_callback)(const bc_fleet_run_result *result, void *user);

typedef struct bc_fleet_round {
	size_t attested, pass, fail, error;
	size_t lost;  /* leases that expired before their attestation was complete */
	bool stopped; /* *opts->stop ended it early */
	uint64_t ms;
} bc_fleet_round;

/*
 * One round at now (see above): callback (may be NULL) is called once per machine after
 * its attestation is stored. Returns BC_OK when every attestation was stored; on a store
 * error the round ends at once (the leases still held are given back) with that error.
 */
BC_EXPORT bc_status bc_fleet_run_round(bc_fleet_store *store, const bc_fleet_run_opts *opts,
				       int64_t now, bc_fleet_run_callback callback, void *user,
				       bc_fleet_round *round, bc_error *err);

/* ---- report ---- */

/*
 * What `fleet report` writes and `fleet serve` serves, read from the store: the fleet
 * as one self-contained HTML page (inline CSS and script, no external asset, every
 * string from the store escaped), as JSON, and as Prometheus metrics. Each call reads
 * the store anew; the result is malloc'd text (NUL-terminated, *size without the NUL).
 */
#define BC_FLEET_REPORT_HISTORY	    30 /* attestations per machine in the timeline */
#define BC_FLEET_NOT_SEEN_INTERVALS 3  /* no quote for that many intervals: not seen */

typedef struct bc_fleet_report_opts {
	int64_t now;	  /* the report's time, Unix seconds */
	int64_t interval; /* of `fleet run`, seconds (not seen: 3 of them); 0: 60 */
	size_t history;	  /* attestations per machine; 0: BC_FLEET_REPORT_HISTORY; SIZE_MAX: all */
	const bc_golden *golden; /* shows the versions allowed of differing components */
} bc_fleet_report_opts;

/* One machine of the fleet as status and reports read it. */
typedef struct bc_fleet_host {
	const bc_fleet_machine *machine;
	bc_fleet_attestation *history; /* its latest, newest first; none: never attested */
	size_t count;
	int64_t last_seen; /* the time of its latest quote; 0: never */
	bool not_seen;	   /* no quote (since added) for BC_FLEET_NOT_SEEN_INTERVALS intervals */
} bc_fleet_host;

/* The fleet read from the store: every machine not removed, by name, and how many are
 * at each verdict of their latest attestation ("never": none yet) or not seen. */
typedef struct bc_fleet_view {
	int64_t now; /* opts->now */
	bc_fleet_machine *machines;
	bc_fleet_host *hosts; /* hosts[i].machine is &machines[i] */
	size_t count;
	size_t pass, fail, error, never, not_seen;
} bc_fleet_view;

/* Read the fleet at opts->now (opts->interval tells not seen), each machine with its
 * history latest attestations (0: all); on failure *view holds nothing. */
BC_EXPORT bc_status bc_fleet_view_load(bc_fleet_store *store, const bc_fleet_report_opts *opts,
				       size_t history, bc_fleet_view *view, bc_error *err);
BC_EXPORT void bc_fleet_view_free(bc_fleet_view *view);

/* The shape of `fleet status --json` (bootchain-fleet(1)): {"time", "machines": N,
 * "verdicts": {"pass", "fail", "error", "never"}, "hosts": [HOST...]}, HOST as in
 * bc_fleet_report_machines_json. */
BC_EXPORT bc_status bc_fleet_status_json(bc_fleet_store *store, const bc_fleet_report_opts *opts,
					 char **out, size_t *size, bc_error *err);

/* The page: a summary, the fleet table (sortable by verdict and last seen), a timeline
 * of each machine's latest attestations (newest right; reboots and rollbacks marked),
 * and for each failing machine the events that differ, with the versions the golden
 * database allows of their components. */
BC_EXPORT bc_status bc_fleet_report_html(bc_fleet_store *store, const bc_fleet_report_opts *opts,
					 char **out, size_t *size, bc_error *err);

/* {"time", "machines": [{"name", "url", "last_seen", "not_seen", "last": ATTESTATION or
 * null}]}: ATTESTATION as in `fleet status --json` (bootchain-fleet(1)). */
BC_EXPORT bc_status bc_fleet_report_machines_json(bc_fleet_store *store,
						  const bc_fleet_report_opts *opts, char **out,
						  size_t *size, bc_error *err);

/* {"host", "url", "removed", "history": [ATTESTATION...]}, newest first, at most
 * opts->history; BC_E_NOTFOUND when no machine has that name. */
BC_EXPORT bc_status bc_fleet_report_machine_json(bc_fleet_store *store, const char *name,
						 const bc_fleet_report_opts *opts, char **out,
						 size_t *size, bc_error *err);

/* Prometheus text format (version 0.0.4): bootchain_fleet_attestations_total{verdict},
 * bootchain_fleet_machines{verdict} (by each machine's latest; "never" when none),
 * bootchain_fleet_machines_not_seen. */
BC_EXPORT bc_status bc_fleet_report_metrics(bc_fleet_store *store, const bc_fleet_report_opts *opts,
					    char **out, size_t *size, bc_error *err);

/* ---- what an update would do ---- */

/*
 * bc_fleet_whatif() is `fleet whatif`: for every machine of the fleet, its latest
 * attestation that kept a log (bc_fleet_store_last_logs) is replayed as if the candidate
 * images had been booted instead of the components they are new versions of. The log's
 * attested view is rebuilt from the stored pairs and values; the golden check of it
 * against golden maps its events to components; the events of each candidate's
 * component (known, changed or unverifiable ones) get the candidate's digests in every
 * bank of the log; the new log is replayed to new values of the attested pairs. Then:
 * (a) would the machine pass attestation against golden with the candidates added as
 * versions (bc_golden_apply_candidates, BC_GOLDEN_ADD): the golden check of the new view
 * and that the attested pairs cover what the database judges; (b) with a signed policy,
 * would a secret sealed to it still unseal: the new values are those of one of its
 * branches (bc_signed_policy_find). A candidate whose name is no component of golden has
 * no event to replace and is not added: where a new component would be measured is not
 * known. Machines that share a log, its attested pairs and its values share one outcome,
 * computed once. Library code: it prints nothing.
 */
struct bc_signed_policy;

typedef enum bc_whatif_verdict {
	BC_WHATIF_PASS = 0, /* would pass */
	BC_WHATIF_FAIL,	    /* would fail: check and why say how */
	BC_WHATIF_UNKNOWN,  /* no log kept, or one that cannot be replayed: why says */
} bc_whatif_verdict;

typedef enum bc_whatif_unseal {
	BC_WHATIF_UNSEAL_NONE = 0, /* no policy given */
	BC_WHATIF_UNSEALS,	   /* the new values are a branch of the policy */
	BC_WHATIF_SEALED,	   /* they are none: unseal_why names the first PCR */
	BC_WHATIF_UNSEAL_UNKNOWN,  /* a PCR of the policy is not attested by the log */
} bc_whatif_unseal;

/* "pass", "fail", "unknown"; "unseals", "sealed", "unknown" ("" for none). */
BC_EXPORT const char *bc_whatif_verdict_name(bc_whatif_verdict v);
BC_EXPORT const char *bc_whatif_unseal_name(bc_whatif_unseal u);

typedef struct bc_whatif_outcome {
	bc_whatif_verdict verdict;
	char check[BC_FLEET_CHECK_MAX]; /* the first failing check: "golden", "pcr-selection" */
	char why[256];			/* for a fail or an unknown */
	bc_whatif_unseal unseal;
	char unseal_why[256];
	size_t replaced;	   /* events that got a candidate's digests */
	bc_pcr_selection attested; /* the attested pairs of the log */
	bc_pcr_selection changed;  /* those whose value the candidates change */
	bc_pcr_values values;	   /* the new values of the attested pairs */
} bc_whatif_outcome;

/* One machine; lives during the callback only. */
typedef struct bc_whatif_result {
	const bc_fleet_machine *machine;
	const bc_fleet_attestation *attestation; /* the one replayed; NULL: no log kept */
	const bc_whatif_outcome *outcome;	 /* may be shared by machines */
} bc_whatif_result;

typedef void (*bc_whatif_callback)(const bc_whatif_result *result, void *user);

typedef struct bc_whatif_opts {
	const bc_golden *golden;
	/* digested (bc_golden_candidate_digest), in every bank the logs may have: a bank
	 * of a replaced event the candidate has no digest in cannot be replayed, and the
	 * machine's outcome is unknown */
	const bc_golden_candidate *candidates;
	size_t candidate_count;
	const struct bc_signed_policy *policy; /* may be NULL */
} bc_whatif_opts;

/* Judge every machine of the fleet, calling callback once for each (machines that share
 * a log one after the other). BC_E_INVALID for candidates not digested, or that the
 * database refuses (a PCR other than the component's); a store error ends it. */
BC_EXPORT bc_status bc_fleet_whatif(bc_fleet_store *store, const bc_whatif_opts *opts,
				    bc_whatif_callback callback, void *user, bc_error *err);

#ifdef __cplusplus
}
#endif
#endif
