/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading whole files: regular files, pipes and securityfs (which reports no size). */
#ifndef BC_UTIL_FILE_H
#define BC_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include <bootchain/status.h>

/* Read fd to EOF into a new buffer (*out, caller frees; one spare byte past *size is
 * allocated so that text can be NUL-terminated). More than max bytes is BC_E_LIMIT.
 * path names the file in messages. */
bc_status bc_read_fd(int fd, const char *path, size_t max, uint8_t **out, size_t *size,
		     bc_error *err);

/* Open path and bc_read_fd() it. */
bc_status bc_read_file(const char *path, size_t max, uint8_t **out, size_t *size, bc_error *err);

/* Replace path with data, or leave it untouched: write a temporary file in the same
 * folder, fsync it, rename it over path, fsync the folder. An existing file keeps its
 * mode and owner (or nothing is written); a symbolic link stays a link and its target
 * is replaced (the temporary file is made beside the target). mode is used for a new
 * file. A mode without bits for group and others (0600: a secret) is private: an
 * existing file then keeps only its owner's bits and becomes the writer's. */
bc_status bc_write_file_atomic(const char *path, const void *data, size_t size, int mode,
			       bc_error *err);

#endif
