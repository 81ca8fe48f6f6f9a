/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UEFI Secure Boot signature databases (UEFI 2.10, section 32.4.1) and the files that
 * update them: a sequence of EFI_SIGNATURE_LIST (what sbsiglist writes, and what the
 * variables PK, KEK, db, dbx hold), or an authenticated variable update (what sbvarsign
 * writes: an EFI_VARIABLE_AUTHENTICATION_2, then the signature lists). Both are
 * untrusted input: every length is checked before it is used, and every error names
 * the file and the byte offset.
 */
#ifndef BOOTCHAIN_EFI_SIGLIST_H
#define BOOTCHAIN_EFI_SIGLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootchain/status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BC_EFI_GUID_SIZE 16
#define BC_ESL_HEADER_SIZE                                           \
	28 /* SignatureType, SignatureListSize, SignatureHeaderSize, \
	      SignatureSize */

/* Hard cap on the size of an update file read into memory. */
#define BC_EFI_UPDATE_MAX_SIZE ((size_t)16 << 20)

/* EFI_VARIABLE_APPEND_WRITE, in the attributes of SetVariable() */
#define BC_EFI_VARIABLE_APPEND_WRITE 0x00000040u

/* One EFI_SIGNATURE_LIST; the pointers point into the bytes parsed. */
typedef struct bc_esl {
	uint64_t offset;     /* of the list in the file (or event data) named in messages */
	const uint8_t *type; /* SignatureType, BC_EFI_GUID_SIZE bytes */
	uint32_t list_size, header_size, signature_size;
	const uint8_t *header;	   /* SignatureHeader, header_size bytes */
	const uint8_t *signatures; /* count EFI_SIGNATURE_DATA of signature_size bytes each:
				      SignatureOwner (a GUID), then SignatureData */
	size_t count;
} bc_esl;

/* Walk a sequence of EFI_SIGNATURE_LIST: bc_esl_next() gives BC_OK and *out, or BC_OK
 * and *done at the end, or BC_E_FORMAT naming name and the offset of the bad field
 * (base is the offset of data[0] in that file, for lists inside an .auth). */
typedef struct bc_esl_iter {
	const uint8_t *data;
	size_t size, pos;
	const char *name;
	uint64_t base;
} bc_esl_iter;

BC_EXPORT void bc_esl_iter_init(bc_esl_iter *it, const void *data, size_t size, const char *name,
				uint64_t base);
BC_EXPORT bc_status bc_esl_next(bc_esl_iter *it, bc_esl *out, bool *done, bc_error *err);

/* Check a whole sequence; lists and signatures (may be NULL) get the counts. */
BC_EXPORT bc_status bc_esl_check(const void *data, size_t size, const char *name, uint64_t base,
				 size_t *lists, size_t *signatures, bc_error *err);

/*
 * The content of a signature database after an append write of add (UEFI 2.10,
 * SetVariable() with EFI_VARIABLE_APPEND_WRITE, as EDK2 implements it): the old content,
 * then each list of add with only the signatures the old content does not hold (the
 * same SignatureType, SignatureSize and EFI_SIGNATURE_DATA bytes, owner included); a
 * list with none left is dropped. *out is malloc'd (NULL when *out_size is 0); added and
 * present (may be NULL) get the signatures appended and those already there. Both
 * inputs are checked as bc_esl_check() does.
 */
BC_EXPORT bc_status bc_esl_append(const uint8_t *old, size_t old_size, const char *old_name,
				  const uint8_t *add, size_t add_size, const char *add_name,
				  uint64_t add_base, uint8_t **out, size_t *out_size, size_t *added,
				  size_t *present, bc_error *err);

/* EFI_TIME, as an EFI_VARIABLE_AUTHENTICATION_2 carries it. */
typedef struct bc_efi_time {
	uint16_t year;
	uint8_t month, day, hour, minute, second;
} bc_efi_time;

/* An update of a signature database variable, read from a file. */
typedef struct bc_efi_update {
	char *name;	/* the file, for messages */
	uint8_t *bytes; /* the whole file */
	size_t size;
	bool authenticated;  /* an .auth: EFI_VARIABLE_AUTHENTICATION_2 first */
	bool has_attributes; /* sbvarsign --include-attrs: a UINT32 of attributes first */
	uint32_t attributes;
	bc_efi_time timestamp;
	uint32_t cert_length; /* dwLength of its WIN_CERTIFICATE_UEFI_GUID */
	const uint8_t *esl;   /* the signature lists (the whole file for a plain list) */
	size_t esl_size;
	uint64_t esl_offset; /* of esl in the file */
	size_t lists, signatures;
} bc_efi_update;

/*
 * Read an update: an .auth as sbvarsign writes it (with or without --include-attrs:
 * EFI_TIME, then a WIN_CERTIFICATE_UEFI_GUID of revision 0x0200, type
 * WIN_CERT_TYPE_EFI_GUID and CertType EFI_CERT_TYPE_PKCS7_GUID, whose dwLength covers
 * it, then the lists), or else a plain sequence of EFI_SIGNATURE_LIST (sbsiglist; an
 * empty one is refused). The signature of an .auth is not verified here.
 */
BC_EXPORT bc_status bc_efi_update_read_file(const char *path, bc_efi_update **out, bc_error *err);
BC_EXPORT bc_status bc_efi_update_from_memory(const void *data, size_t size, const char *name,
					      bc_efi_update **out, bc_error *err);
BC_EXPORT void bc_efi_update_free(bc_efi_update *u);

#ifdef __cplusplus
}
#endif
#endif
