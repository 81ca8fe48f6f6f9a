/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One status type for the whole library, and an error context that carries the
 * detail ("event 12 at offset 0x1a4: ...") for the caller to print once.
 * Library code never prints: it fills a bc_error and returns its status.
 */
#ifndef BOOTCHAIN_STATUS_H
#define BOOTCHAIN_STATUS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define BC_EXPORT	__attribute__((visibility("default")))
#define BC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define BC_EXPORT
#define BC_PRINTF(f, a)
#endif

typedef enum bc_status {
	BC_OK = 0,
	BC_E_NOMEM,	  /* out of memory */
	BC_E_INVALID,	  /* bad argument or bad textual input */
	BC_E_IO,	  /* file system or socket error */
	BC_E_FORMAT,	  /* malformed binary input (log, quote, image) */
	BC_E_LIMIT,	  /* a size limit was exceeded */
	BC_E_UNSUPPORTED, /* algorithm or feature not available */
	BC_E_TCTI,	  /* cannot reach the TPM */
	BC_E_TPM,	  /* the TPM or the TSS returned an error */
	BC_E_MISMATCH,	  /* verification failed or golden values differ */
	BC_E_NOTFOUND,	  /* a named thing does not exist */
} bc_status;

#define BC_ERROR_MSG_MAX 512

typedef struct bc_error {
	bc_status status;
	uint32_t tss_rc; /* raw TSS2_RC when status is BC_E_TPM or BC_E_TCTI, else 0 */
	char msg[BC_ERROR_MSG_MAX];
} bc_error;

/* Short description of a status, never NULL. */
BC_EXPORT const char *bc_strerror(bc_status status);

/* The detailed message of err, or bc_strerror() of its status when it has none. */
BC_EXPORT const char *bc_error_message(const bc_error *err);

/* Reset err to BC_OK with no message; err may be NULL. */
BC_EXPORT void bc_error_clear(bc_error *err);

/* Record status and a formatted message in err (may be NULL); returns status. */
BC_EXPORT bc_status bc_fail(bc_error *err, bc_status status, const char *fmt, ...) BC_PRINTF(3, 4);

#ifdef __cplusplus
}
#endif
#endif
