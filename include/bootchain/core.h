/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The freestanding core of bootchain: what a boot stage needs to check the next layers
 * against golden values before they run, without libc, tpm2-tss or OpenSSL. It is
 * compiled twice from the same sources (freestanding/): into libbootchain, where the userspace
 * platform extends through tpm2-tss, and into bootchain.efi, where the UEFI platform
 * extends through EFI_TCG2_PROTOCOL.HashLogExtendEvent. A bootloader can compile these
 * files into its own image the same way.
 *
 * It needs only what a freestanding C11 compiler provides (<stdarg.h>, <stdbool.h>,
 * <stddef.h>, <stdint.h>), plus memcpy, memset and memcmp, which compilers may emit
 * calls to for struct copies: the platform links them (UEFI builds give their own).
 * Nothing here allocates except through the platform, and no input is trusted: the
 * images and the embedded chain are parsed with every length checked first.
 */
#ifndef BOOTCHAIN_CORE_H
#define BOOTCHAIN_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef BC_CORE_EXPORT
#if defined(__GNUC__) && !defined(BC_CORE_STATIC)
#define BC_CORE_EXPORT __attribute__((visibility("default")))
#else
#define BC_CORE_EXPORT
#endif
#endif

#if defined(__GNUC__)
#define BC_CORE_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define BC_CORE_PRINTF(f, a)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors and text (freestanding/format.c) ---- */

typedef enum bc_core_status {
	BC_CORE_OK = 0,
	BC_CORE_E_INVALID,     /* a caller's mistake: bad arguments */
	BC_CORE_E_FORMAT,      /* malformed input: an image, the embedded chain */
	BC_CORE_E_LIMIT,       /* input beyond a limit of the core */
	BC_CORE_E_MISMATCH,    /* a layer is not an allowed version */
	BC_CORE_E_IO,	       /* the platform could not read a file */
	BC_CORE_E_NOMEM,       /* the platform could not allocate */
	BC_CORE_E_PLATFORM,    /* the platform failed otherwise (extend, log, start) */
	BC_CORE_E_UNSUPPORTED, /* an algorithm or kind the core does not have */
} bc_core_status;

#define BC_CORE_MSG_MAX 512

typedef struct bc_core_error {
	bc_core_status status;
	char msg[BC_CORE_MSG_MAX];
} bc_core_error;

/*
 * A subset of snprintf: %% %c %s %d %i %u %x %X, with the flags '0' and '-', a width
 * (N or *), a precision for %s (.N or .*), and the length modifiers hh, h, l, ll, z, j
 * and t. Always NUL-terminates when size > 0; returns the length the whole text would
 * have had. Unknown conversions are copied as they are.
 */
BC_CORE_EXPORT size_t bc_core_vformat(char *buf, size_t size, const char *fmt, va_list ap);
BC_CORE_EXPORT size_t bc_core_format(char *buf, size_t size, const char *fmt, ...)
    BC_CORE_PRINTF(3, 4);

/* Set err (may be NULL) and return s. The message may use err's own message as an
 * argument (it is formatted into a copy first). */
BC_CORE_EXPORT bc_core_status bc_core_fail(bc_core_error *err, bc_core_status s, const char *fmt,
					   ...) BC_CORE_PRINTF(3, 4);

BC_CORE_EXPORT size_t bc_core_strlen(const char *s);

/* Lowercase hex of size bytes and a NUL: out has room for 2 * size + 1. */
BC_CORE_EXPORT void bc_core_hex(const uint8_t *bytes, size_t size, char *out);

/* ---- hashes (freestanding/sha.c): SHA-1, SHA-256, SHA-384 of FIPS 180-4 ---- */

/* TPM2_ALG_ID values, as in the TCG event log */
#define BC_CORE_ALG_SHA1   0x0004
#define BC_CORE_ALG_SHA256 0x000B
#define BC_CORE_ALG_SHA384 0x000C
#define BC_CORE_MAX_DIGEST 48
#define BC_CORE_MAX_BANKS  3

typedef struct bc_core_hash {
	uint16_t alg;
	union {
		uint32_t h32[8]; /* SHA-1 (5 words), SHA-256 */
		uint64_t h64[8]; /* SHA-384 */
	} state;
	uint64_t length;    /* bytes hashed so far (SHA-384's 128-bit length: < 2^61) */
	uint8_t block[128]; /* the partial block */
	size_t used;	    /* bytes in block */
} bc_core_hash;

/* The digest size of alg, 0 for an algorithm the core does not have. */
BC_CORE_EXPORT size_t bc_core_hash_size(uint16_t alg);
/* "sha1", "sha256", "sha384", or NULL */
BC_CORE_EXPORT const char *bc_core_hash_name(uint16_t alg);
/* false for an algorithm the core does not have */
BC_CORE_EXPORT bool bc_core_hash_init(bc_core_hash *h, uint16_t alg);
BC_CORE_EXPORT void bc_core_hash_update(bc_core_hash *h, const void *data, size_t size);
/* out gets bc_core_hash_size(h->alg) bytes; h must be initialised again to be reused */
BC_CORE_EXPORT void bc_core_hash_final(bc_core_hash *h, uint8_t *out);

typedef struct bc_core_digest {
	uint16_t alg;
	uint16_t size;
	uint8_t bytes[BC_CORE_MAX_DIGEST];
} bc_core_digest;

typedef struct bc_core_digests {
	size_t count;
	bc_core_digest d[BC_CORE_MAX_BANKS];
} bc_core_digests;

/* The digest of size bytes in every algorithm of algs (count <= BC_CORE_MAX_BANKS). */
BC_CORE_EXPORT bc_core_status bc_core_hash_buffer(const void *data, size_t size,
						  const uint16_t *algs, size_t count,
						  bc_core_digests *out, bc_core_error *err);

/* ---- PE/COFF Authenticode (freestanding/pe.c) ---- */

#define BC_CORE_PE_MAX_SECTIONS 96
/* Every offset in a PE image is 32 bits wide. */
#define BC_CORE_PE_MAX_SIZE ((uint64_t)4 << 30)

typedef struct bc_core_range {
	uint64_t from, to; /* [from, to) */
} bc_core_range;

/* A section with raw data, as the parse found it. */
typedef struct bc_core_pe_section {
	char name[9];	       /* printable: other bytes of the name are '?' */
	uint64_t header_at;    /* file offset of its section header */
	uint64_t offset, size; /* PointerToRawData, SizeOfRawData (> 0) */
	uint32_t virtual_size; /* VirtualSize */
} bc_core_pe_section;

/* The byte ranges the Authenticode digest covers, in hashing order, and what the parse
 * found beside them, for tools that edit an image in place (bootchain golden embed). */
typedef struct bc_core_pe {
	size_t count;
	bc_core_range ranges[BC_CORE_PE_MAX_SECTIONS + 4];
	uint64_t cert_entry_at;		 /* the certificate table's directory entry; 0: none */
	uint64_t cert_offset, cert_size; /* the certificate table; size 0: not signed */
	size_t section_count;		 /* the sections with raw data, by file offset */
	bc_core_pe_section sections[BC_CORE_PE_MAX_SECTIONS];
} bc_core_pe;

/* An MZ header whose e_lfanew points, within the data, at a "PE\0\0" signature. */
BC_CORE_EXPORT bool bc_core_pe_detect(const void *image, uint64_t size);

/*
 * Parse the image (untrusted) and list the ranges of its Authenticode digest, as EDK2
 * and pesign hash them. Errors are BC_CORE_E_FORMAT or BC_CORE_E_LIMIT with the message
 * "NAME: offset 0xX: reason" (name may be NULL: "(memory)").
 */
BC_CORE_EXPORT bc_core_status bc_core_pe_ranges(const void *image, uint64_t size, const char *name,
						bc_core_pe *out, bc_core_error *err);

/* The Authenticode digest in every algorithm of algs, with the core's hashes. */
BC_CORE_EXPORT bc_core_status bc_core_pe_authenticode(const void *image, uint64_t size,
						      const char *name, const uint16_t *algs,
						      size_t count, bc_core_digests *out,
						      bc_core_error *err);

/* ---- layers and their event data (freestanding/event.c) ---- */

/* the same numbers as bc_image_kind in <bootchain/measure.h> */
typedef enum bc_core_kind {
	BC_CORE_KIND_AUTO = 0,
	BC_CORE_KIND_RAW = 1,
	BC_CORE_KIND_PE = 2,
} bc_core_kind;

/* "auto", "raw", "pe"; NULL for anything else */
BC_CORE_EXPORT const char *bc_core_kind_name(bc_core_kind kind);

#define BC_CORE_EV_SEPARATOR			 0x00000004u
#define BC_CORE_EV_EVENT_TAG			 0x00000006u
#define BC_CORE_EV_EFI_BOOT_SERVICES_APPLICATION 0x80000003u
#define BC_CORE_EV_EFI_BOOT_SERVICES_DRIVER	 0x80000004u
#define BC_CORE_EV_EFI_RUNTIME_SERVICES_DRIVER	 0x80000005u

/* The TCG_PCClientTaggedEvent id of bootchain's layer events ("BCL1"). */
#define BC_CORE_LAYER_TAG_ID 0x314c4342u

/* The event data and digested data of the failure marker a trusted halt extends: an
 * EV_SEPARATOR with the error value 1 (PFP 3.3.2.2). */
BC_CORE_EXPORT extern const uint8_t bc_core_failure_marker[4];

/* Event data are at most this long. */
#define BC_CORE_EVENT_MAX 4096

/*
 * The event data of a layer, as `bootchain measure` logs it:
 * - event_type 0 or EV_EVENT_TAG: a TCG_PCClientTaggedEvent with BC_CORE_LAYER_TAG_ID
 *   and the text "layer=NAME kind=KIND[ file=FILE]" (no NUL);
 * - EV_EFI_BOOT_SERVICES_APPLICATION, _DRIVER, EV_EFI_RUNTIME_SERVICES_DRIVER: a
 *   UEFI_IMAGE_LOAD_EVENT of image_size with a device path of one File node (FILE, or
 *   NAME without one, in UTF-16LE with '/' as '\');
 * - any other type: the text with its NUL.
 * kind is the kind applied (PE or RAW). Returns the size written to out, or 0 when the
 * data would not fit in max bytes.
 */
BC_CORE_EXPORT size_t bc_core_layer_event(uint32_t event_type, const char *name, bc_core_kind kind,
					  const char *file, uint64_t image_size, uint8_t *out,
					  size_t max);

/* ---- the embedded chain, the .bcchain section: bootchain-bcchain(5), freestanding/chain.c */

#define BC_CORE_CHAIN_SECTION ".bcchain"
#define BC_CORE_CHAIN_MAGIC   "BCCHAIN1" /* 8 bytes, no NUL */
/* the space bootchain.efi reserves for it */
#define BC_CORE_CHAIN_SPACE	   65536
#define BC_CORE_CHAIN_MAX_LAYERS   16
#define BC_CORE_CHAIN_MAX_VERSIONS 256
#define BC_CORE_NAME_MAX	   64  /* bytes of a layer name */
#define BC_CORE_FILE_MAX	   255 /* bytes of a file path on the ESP */

/* header flags */
#define BC_CORE_CHAIN_TRUSTED 0x1u /* compare and halt; without it, measure and go on */

/* what a halt does once its timeout has passed */
typedef enum bc_core_on_halt {
	BC_CORE_HALT_WAIT = 0,	   /* stay halted, the message on the screen */
	BC_CORE_HALT_RESET = 1,	   /* reset the machine */
	BC_CORE_HALT_POWEROFF = 2, /* power it off */
} bc_core_on_halt;

/*
 * The encoding, all integers little-endian:
 *   header (28 bytes): magic[8] "BCCHAIN1", u32 size (of the whole encoding, header
 *     included; the rest of the section is zero), u32 flags, u32 timeout (seconds a
 *     halt waits), u32 on_halt (bc_core_on_halt), u32 layer count;
 *   each layer: u16 name length, name (UTF-8, no NUL), u16 file length, file (the path
 *     on the stage's own volume, '\' separated), u32 pcr (0-23), u32 event type (0: the
 *     layer tag), u8 kind (bc_core_kind), u8 0, u16 version count;
 *   each version: u16 digest count (1-3), then per digest u16 alg, u16 size, bytes.
 * A layer with no versions cannot match: in trusted mode it halts.
 */
typedef struct bc_core_chain_layer {
	char name[BC_CORE_NAME_MAX + 1];
	char file[BC_CORE_FILE_MAX + 1];
	uint32_t pcr;
	uint32_t event_type;
	bc_core_kind kind;
	uint16_t version_count;
	const uint8_t *versions; /* the encoded versions, inside the parsed data */
	size_t versions_size;
} bc_core_chain_layer;

typedef struct bc_core_chain {
	uint32_t flags;
	uint32_t timeout;
	bc_core_on_halt on_halt;
	size_t count;
	bc_core_chain_layer layers[BC_CORE_CHAIN_MAX_LAYERS];
} bc_core_chain;

/*
 * Parse an embedded chain (the whole section; bytes after the encoding must be zero).
 * BC_CORE_E_FORMAT with "offset N: reason" for anything malformed, and for a section
 * that holds no chain (all zero, as bootchain.efi is built); a refused chain has no
 * layers (out->count 0). out keeps pointers into data.
 */
BC_CORE_EXPORT bc_core_status bc_core_chain_parse(const void *data, size_t size, bc_core_chain *out,
						  bc_core_error *err);

typedef enum bc_core_verdict {
	BC_CORE_MATCH = 0,
	BC_CORE_DIFFERS,	/* a version has a digest in a bank measured: none is equal */
	BC_CORE_NO_COMMON_BANK, /* no version has a digest in any bank measured */
} bc_core_verdict;

/* The golden lookup, as bc_golden_match: a version matches when every digest it has in
 * a measured bank is equal, and it has one at least; *version (may be NULL) gets the
 * first that matches. */
BC_CORE_EXPORT bc_core_verdict bc_core_layer_match(const bc_core_chain_layer *layer,
						   const bc_core_digests *digests, size_t *version);

/* The digest of version index in alg, NULL when it has none (for messages). */
BC_CORE_EXPORT const uint8_t *bc_core_version_digest(const bc_core_chain_layer *layer, size_t index,
						     uint16_t alg, size_t *size);

/* ---- the platform a stage runs on ---- */

typedef struct bc_core_platform {
	void *ctx;
	/* the banks the golden comparison computes (those of the TPM, or a subset) */
	size_t alg_count;
	uint16_t algs[BC_CORE_MAX_BANKS];
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *p);
	/* The whole file at path (as in the chain: '\' separated, from the volume's
	 * root) into memory from alloc; the caller frees it. */
	bc_core_status (*read_file)(void *ctx, const char *path, void **data, size_t *size,
				    bc_core_error *err);
	/*
	 * Extend pcr with the digest of data in every bank and log the event (type, event
	 * data): HashLogExtendEvent. pe: data is a PE image, digest its Authenticode
	 * digest (PE_COFF_IMAGE) rather than its bytes.
	 */
	bc_core_status (*extend_log)(void *ctx, uint32_t pcr, uint32_t event_type,
				     const void *event, size_t event_size, const void *data,
				     size_t data_size, bool pe, bc_core_error *err);
	/* One line of text for the console (no line ending). */
	void (*print)(void *ctx, const char *line);
	/* Start a PE image held in memory (LoadImage, StartImage): returns when it
	 * returns. NULL: the platform cannot start images (userspace). */
	bc_core_status (*start_image)(void *ctx, const char *path, const void *image, size_t size,
				      bc_core_error *err);
} bc_core_platform;

/* What the stage did with one layer. */
typedef struct bc_core_layer_result {
	bool read;		 /* the file was read */
	bc_core_kind kind;	 /* applied */
	bc_core_digests digests; /* computed by the core, in the platform's banks */
	bool checked;		 /* compared with the golden versions */
	bc_core_verdict verdict;
	size_t version; /* when BC_CORE_MATCH */
	bool extended;	/* its event reached the PCR and the log */
	bool capped;	/* the failure marker was extended after it */
	bool started;	/* start_image was called and returned */
} bc_core_layer_result;

typedef struct bc_core_run {
	size_t done; /* layers with a result */
	bc_core_layer_result layers[BC_CORE_CHAIN_MAX_LAYERS];
	bool halted; /* trusted mode stopped the boot: nothing was started */
} bc_core_run;

/*
 * Run a chain (freestanding/stage.c): read, digest and, in trusted mode, compare every layer in
 * order, extending and logging each; then start the PE layers in order (when the
 * platform can). Every layer is checked before anything starts, and each image is
 * started from the very bytes that were digested.
 *
 * Trusted mode: at the first layer that is not an allowed version, or any error (a file
 * that cannot be read, a malformed image, a failed extend), the real digest is extended
 * when there is one, then the failure marker, the console says which layer, PCR and
 * digest, and BC_CORE_E_MISMATCH or the error is returned with run->halted set: the
 * caller must not go on booting. Measured mode: errors are printed, the layer is
 * skipped, and the rest goes on; the return is the first error, BC_CORE_OK when none.
 */
BC_CORE_EXPORT bc_core_status bc_core_stage_run(const bc_core_platform *p,
						const bc_core_chain *chain, bc_core_run *run,
						bc_core_error *err);

/* The freestanding mem functions the core uses (freestanding/format.c). */
BC_CORE_EXPORT void bc_core_memcpy(void *dst, const void *src, size_t n);
BC_CORE_EXPORT void bc_core_memset(void *dst, int c, size_t n);
BC_CORE_EXPORT int bc_core_memcmp(const void *a, const void *b, size_t n);

#ifdef __cplusplus
}
#endif
#endif
