/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A growable byte buffer with a hard cap, after curl's dynbuf: it refuses to grow
 * past the cap and then stays failed, so a writer can append freely and check once.
 */
#ifndef BC_UTIL_BUF_H
#define BC_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/status.h>

typedef struct bc_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max;  /* hard limit on len */
	bool failed; /* an append was refused: the content is incomplete */
} bc_buf;

void bc_buf_init(bc_buf *b, size_t max);
void bc_buf_free(bc_buf *b);
void bc_buf_reset(bc_buf *b);
bc_status bc_buf_append(bc_buf *b, const void *data, size_t len);
bc_status bc_buf_putc(bc_buf *b, char c);
bc_status bc_buf_puts(bc_buf *b, const char *s);
bc_status bc_buf_printf(bc_buf *b, const char *fmt, ...) BC_PRINTF(2, 3);
/* The content as a NUL-terminated string (the NUL is not counted in len). */
const char *bc_buf_str(bc_buf *b);
/* BC_OK, or BC_E_LIMIT/BC_E_NOMEM with a message when an append was refused. */
bc_status bc_buf_status(const bc_buf *b, bc_error *err, const char *what);

#endif
