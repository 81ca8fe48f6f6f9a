/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PE/COFF images (UEFI applications and drivers, shim, grub, systemd-boot, unified
 * kernel images) and their Authenticode digest: the digest UEFI firmware extends for
 * EV_EFI_BOOT_SERVICES_APPLICATION and that `pesign -h` prints. Images are untrusted
 * input: a malformed one is refused with BC_E_FORMAT and a message that names it, the
 * byte offset of the defect and what is wrong.
 */
#ifndef BOOTCHAIN_PE_H
#define BOOTCHAIN_PE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/digest.h>
#include <bootchain/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Images larger than this are refused: every offset in a PE image is 32 bits wide. */
#define BC_PE_MAX_SIZE ((uint64_t)4 << 30)

/* Whether image starts with an MZ header whose e_lfanew points, within the data, at a
 * "PE\0\0" signature. Says nothing about the rest of the image. */
BC_EXPORT bool bc_pe_detect(const void *image, size_t size);

/*
 * The Authenticode digest of the image in every algorithm of algs (TPM2_ALG ids), in
 * one pass; out gets them in the order of algs. name (the file name, or NULL) is used
 * in error messages. Follows the Authenticode specification as EDK2 and pesign do:
 * the headers without the CheckSum and the Certificate Table entry, the raw data of the
 * sections in file order, then the data after them up to the certificate table. The
 * trailing data is hashed as it is, without padding to 8 bytes (sbsign and `pesign -s`
 * pad an image to 8 bytes before they sign it, so a signed image can have a digest
 * other than the unsigned image it was made from).
 *
 * Besides truncated or inconsistent headers, refuses layouts that tools hash
 * differently: sections that overlap each other or the headers, and a certificate
 * table that is not at the end of the file or overlaps the headers or the sections.
 */
BC_EXPORT bc_status bc_pe_authenticode(const void *image, size_t size, const char *name,
				       const uint16_t *algs, size_t count, bc_digest_set *out,
				       bc_error *err);

/* The same for a file, mapped read-only (a pipe or other non-regular file is read into
 * memory, up to BC_PE_MAX_SIZE). Errors name path. */
BC_EXPORT bc_status bc_pe_authenticode_file(const char *path, const uint16_t *algs, size_t count,
					    bc_digest_set *out, bc_error *err);

#ifdef __cplusplus
}
#endif
#endif
