/* SPDX-License-Identifier: BSD-3-Clause */
/* Text for the firmware: UTF-8 to CHAR16, and EFI_STATUS values by name. */
#ifndef BC_EFI_TEXT_H
#define BC_EFI_TEXT_H

#include <efi.h>
#include <stddef.h>

/*
 * UTF-8 to UCS-2 (the console's and the file system's CHAR16), NUL-terminated: code
 * points beyond U+FFFF and malformed bytes become U+FFFD. Returns the CHAR16s written
 * before the NUL, or -1 when they do not fit in max (the NUL included).
 */
long bc_efi_utf8_to_ucs2(const char *in, CHAR16 *out, size_t max);

/* The next code point of a UTF-8 string (U+FFFD for a malformed sequence), advancing
 * *s past it; 0 at the end. */
UINT32 bc_efi_utf8_next(const char **s);

/* "EFI_NOT_FOUND" or, for a status without a name, "EFI status 0x...". */
#define BC_EFI_STATUS_TEXT_MAX 40
void bc_efi_status_text(EFI_STATUS status, char *out);

#endif
