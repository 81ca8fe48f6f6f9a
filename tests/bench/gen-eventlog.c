/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gen-eventlog: write a large, valid crypto-agile TCG PC Client event log (TCG PC Client
 * Platform Firmware Profile, section 10) for benchmarks and stress tests.
 *
 *   gen-eventlog --events N --banks sha1,sha256[,sha384,sha512] [--seed S] --out FILE
 *
 * The log is a Spec ID event ("Spec ID Event03", SHA-1 format) followed by N
 * TCG_PCR_EVENT2 records whose mix follows a real UEFI + shim + grub/systemd-boot boot:
 * EV_SEPARATOR (PCRs 0-7), EV_S_CRTM_VERSION / EV_POST_CODE / platform firmware blobs
 * (PCR 0), EV_EFI_VARIABLE_BOOT and hand-off tables (PCR 1), boot services drivers
 * (PCR 2), boot services applications and EV_EFI_ACTION (PCRs 4, 5), Secure Boot
 * variables and authorities (PCR 7), EV_IPL strings (PCRs 8, 9, 12, 14) and tagged
 * events (PCRs 10, 11, 13). Event data is 4 to 200 bytes and well formed for its type.
 * Every digest is the digest, in its bank, of the event data; for grub's PCR 8 strings
 * ("grub_cmd: CMD\0", "kernel_cmdline: LINE\0") it is, as grub logs it, the digest of
 * the text after the first space without the trailing NUL, so a payload check passes.
 * The same seed gives the same bytes.
 *
 * Deliberately independent of libbootchain (only libcrypto), so that it can judge it:
 *   cc -O2 -Wall -Wextra -o gen-eventlog tests/bench/gen-eventlog.c -lcrypto
 *
 * The log is written to a temporary file next to FILE and renamed into place at the end:
 * FILE is either the complete log or untouched. Exit status: 0 success, 1 error, 2 usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#define PROG "gen-eventlog"

/* Event types (PFP section 10.4.1) */
#define EV_POST_CODE			 0x00000001u
#define EV_NO_ACTION			 0x00000003u
#define EV_SEPARATOR			 0x00000004u
#define EV_EVENT_TAG			 0x00000006u
#define EV_S_CRTM_VERSION		 0x00000008u
#define EV_IPL				 0x0000000du
#define EV_EFI_VARIABLE_DRIVER_CONFIG	 0x80000001u
#define EV_EFI_VARIABLE_BOOT		 0x80000002u
#define EV_EFI_BOOT_SERVICES_APPLICATION 0x80000003u
#define EV_EFI_BOOT_SERVICES_DRIVER	 0x80000004u
#define EV_EFI_ACTION			 0x80000007u
#define EV_EFI_PLATFORM_FIRMWARE_BLOB	 0x80000008u
#define EV_EFI_HANDOFF_TABLES		 0x80000009u
#define EV_EFI_VARIABLE_AUTHORITY	 0x800000e0u

#define MAX_BANKS      4
#define MAX_DIGEST     64
#define MIN_EVENT_DATA 4
#define MAX_EVENT_DATA 200
#define MAX_EVENTS     100000000ul /* 100 million: some 20 GB of log */

typedef struct bank {
	const char *name;
	uint16_t alg; /* TPM2_ALG_ID */
	uint16_t size;
	const EVP_MD *(*md)(void);
} bank;

static const bank known_banks[] = {
    {"sha1", 0x0004, 20, EVP_sha1},
    {"sha256", 0x000b, 32, EVP_sha256},
    {"sha384", 0x000c, 48, EVP_sha384},
    {"sha512", 0x000d, 64, EVP_sha512},
};

static struct {
	unsigned long events;
	uint64_t seed;
	const char *out;
	const bank *banks[MAX_BANKS];
	size_t bank_count;
} ctx;

/* --- a bounded byte writer: fails (sticky) instead of writing past its capacity --- */

typedef struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool overflow;
} wbuf;

static void put_bytes(wbuf *w, const void *src, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void put_u8(wbuf *w, uint8_t v)
{
	put_bytes(w, &v, 1);
}

static void put_u16(wbuf *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	put_bytes(w, b, sizeof(b));
}

static void put_u32(wbuf *w, uint32_t v)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put_bytes(w, b, sizeof(b));
}

static void put_u64(wbuf *w, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put_bytes(w, b, sizeof(b));
}

static void put_str(wbuf *w, const char *s, bool nul)
{
	put_bytes(w, s, strlen(s) + (nul ? 1 : 0));
}

/* ASCII as UTF-16LE (UEFI CHAR16), with or without the terminating NUL. */
static void put_utf16(wbuf *w, const char *s, bool nul)
{
	for (; *s; s++)
		put_u16(w, (uint8_t)*s);
	if (nul)
		put_u16(w, 0);
}

typedef struct guid {
	uint32_t a;
	uint16_t b, c;
	uint8_t d[8];
} guid;

/* EFI_GUID: the first three fields little-endian, the last eight bytes as written. */
static void put_guid(wbuf *w, const guid *g)
{
	put_u32(w, g->a);
	put_u16(w, g->b);
	put_u16(w, g->c);
	put_bytes(w, g->d, sizeof(g->d));
}

static const guid efi_global_variable = {
    0x8be4df61, 0x93ca, 0x11d2, {0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c}};
static const guid efi_image_security_database = {
    0xd719b2cb, 0x3d3a, 0x4596, {0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f}};
static const guid efi_cert_sha256 = {
    0xc1c41626, 0x504c, 0x4092, {0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28}};
static const guid efi_acpi_20_table = {
    0x8868e871, 0xe4f1, 0x11d3, {0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81}};
static const guid smbios3_table = {
    0xf2fd1544, 0x9794, 0x4a2c, {0x99, 0x2e, 0xe5, 0xbb, 0xcf, 0x20, 0xe3, 0x94}};
static const guid microsoft_owner = {
    0x77fa9abd, 0x0359, 0x4d32, {0xbd, 0x60, 0x28, 0xf4, 0xe7, 0x8f, 0x78, 0x4b}};

/* --- deterministic pseudo-random numbers (splitmix64) --- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0; the bias for n this small is irrelevant here. */
static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static const char *pick(const char *const *list, size_t n)
{
	return list[rnd_below((uint32_t)n)];
}
#define PICK(list) pick(list, sizeof(list) / sizeof(list[0]))

static void rnd_bytes(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
}

/* A random lowercase UUID string (36 characters) into s[37]. */
static void rnd_uuid(char s[37])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 36; i++)
		s[i] = (i == 8 || i == 13 || i == 18 || i == 23) ? '-' : hex[rnd_below(16)];
	s[36] = '\0';
}

/* --- events --- */

typedef struct event {
	uint32_t pcr, type;
	wbuf data;
	size_t hash_off, hash_len; /* the bytes of data the digests are of */
} event;

/* UEFI device path nodes (UEFI spec section 10.3) */
static void dp_hard_drive(wbuf *w)
{
	uint8_t sig[16];
	put_u8(w, 0x04); /* media */
	put_u8(w, 0x01); /* hard drive */
	put_u16(w, 42);
	put_u32(w, 1 + rnd_below(4));		       /* partition number */
	put_u64(w, 2048);			       /* start LBA */
	put_u64(w, 204800u + 2048u * rnd_below(1024)); /* size in LBAs */
	rnd_bytes(sig, sizeof(sig));
	put_bytes(w, sig, sizeof(sig)); /* partition GUID */
	put_u8(w, 0x02);		/* GPT */
	put_u8(w, 0x02);		/* GUID signature */
}

static void dp_file(wbuf *w, const char *path)
{
	put_u8(w, 0x04); /* media */
	put_u8(w, 0x04); /* file path */
	put_u16(w, (uint16_t)(4 + 2 * (strlen(path) + 1)));
	put_utf16(w, path, true);
}

static void dp_end(wbuf *w)
{
	put_u8(w, 0x7f);
	put_u8(w, 0xff);
	put_u16(w, 4);
}

static const char *const efi_apps[] = {
    "\\EFI\\fedora\\shimx64.efi",	"\\EFI\\fedora\\grubx64.efi",
    "\\EFI\\debian\\shimx64.efi",	"\\EFI\\debian\\grubx64.efi",
    "\\EFI\\BOOT\\BOOTX64.EFI",		"\\EFI\\systemd\\systemd-bootx64.efi",
    "\\EFI\\Linux\\linux-6.1.0-13.efi", "\\EFI\\Microsoft\\Boot\\bootmgfw.efi",
};

/* UEFI_VARIABLE_DATA: VariableName GUID, lengths, UTF-16 name (no NUL), data. The
 * caller appends exactly data_len bytes of VariableData. */
static void put_variable_header(wbuf *w, const guid *vendor, const char *name, uint64_t data_len)
{
	put_guid(w, vendor);
	put_u64(w, strlen(name));
	put_u64(w, data_len);
	put_utf16(w, name, false);
}

/* EFI_SIGNATURE_LIST of n EFI_CERT_SHA256 entries */
static void put_sha256_esl(wbuf *w, uint32_t n)
{
	uint8_t hash[32];
	put_guid(w, &efi_cert_sha256);
	put_u32(w, 28 + 48 * n); /* SignatureListSize */
	put_u32(w, 0);		 /* SignatureHeaderSize */
	put_u32(w, 48);		 /* SignatureSize: owner GUID + SHA-256 */
	for (uint32_t i = 0; i < n; i++) {
		put_guid(w, &microsoft_owner);
		rnd_bytes(hash, sizeof(hash));
		put_bytes(w, hash, sizeof(hash));
	}
}

static void gen_separator(event *e)
{
	e->pcr = rnd_below(8);
	e->type = EV_SEPARATOR;
	put_u32(&e->data, 0);
}

static void gen_crtm(event *e)
{
	static const char *const post_codes[] = {"POST CODE", "SMM CODE", "ACPI DATA", "BIS CODE",
						 "Embedded UEFI Driver"};
	char version[64];
	e->pcr = 0;
	switch (rnd_below(3)) {
	case 0:
		e->type = EV_S_CRTM_VERSION;
		snprintf(version, sizeof(version), "N%uET%02uW (1.%02u )", 1 + rnd_below(9),
			 rnd_below(100), rnd_below(100));
		put_utf16(&e->data, version, true);
		break;
	case 1:
		e->type = EV_POST_CODE;
		put_str(&e->data, PICK(post_codes), false);
		break;
	default:
		e->type = EV_EFI_PLATFORM_FIRMWARE_BLOB;
		put_u64(&e->data, 0xff000000u + 0x10000u * rnd_below(256)); /* base */
		put_u64(&e->data, 0x10000u * (1 + rnd_below(64)));	    /* length */
		break;
	}
}

static void gen_handoff_tables(event *e)
{
	uint32_t n = 1 + rnd_below(2);
	e->pcr = 1;
	e->type = EV_EFI_HANDOFF_TABLES;
	put_u64(&e->data, n);
	put_guid(&e->data, &smbios3_table);
	put_u64(&e->data, 0x7f000000u + 0x1000u * rnd_below(4096));
	if (n > 1) {
		put_guid(&e->data, &efi_acpi_20_table);
		put_u64(&e->data, 0x7e000000u + 0x1000u * rnd_below(4096));
	}
}

static void gen_variable_boot(event *e)
{
	static const char *const descriptions[] = {"Fedora", "debian", "Linux Boot Manager",
						   "UEFI Shell", "Windows Boot Manager"};
	e->pcr = 1;
	e->type = EV_EFI_VARIABLE_BOOT;
	if (rnd_below(3) == 0) {
		uint32_t n = 1 + rnd_below(6);
		put_variable_header(&e->data, &efi_global_variable, "BootOrder", 2 * n);
		for (uint32_t i = 0; i < n; i++)
			put_u16(&e->data, (uint16_t)i);
	} else {
		/* Boot####: EFI_LOAD_OPTION, its device path HD()/File()/End */
		char name[16];
		const char *desc = PICK(descriptions);
		const char *path = PICK(efi_apps);
		size_t path_len = 4 + 2 * (strlen(path) + 1) + 4, len;
		bool with_hd;
		snprintf(name, sizeof(name), "Boot%04X", rnd_below(8));
		/* HD()/File()/End, or the short form File()/End where that would not fit */
		len = 4 + 2 + 2 * (strlen(desc) + 1) + path_len;
		with_hd = 32 + 2 * strlen(name) + len + 42 <= MAX_EVENT_DATA;
		if (with_hd) {
			path_len += 42;
			len += 42;
		}
		put_variable_header(&e->data, &efi_global_variable, name, len);
		put_u32(&e->data, 1); /* LOAD_OPTION_ACTIVE */
		put_u16(&e->data, (uint16_t)path_len);
		put_utf16(&e->data, desc, true);
		if (with_hd)
			dp_hard_drive(&e->data);
		dp_file(&e->data, path);
		dp_end(&e->data);
	}
}

/* UEFI_IMAGE_LOAD_EVENT; the caller appends the device path of dp_len bytes */
static void put_image_load(wbuf *w, uint64_t dp_len)
{
	put_u64(w, 0x7a000000u + 0x1000u * rnd_below(65536)); /* ImageLocationInMemory */
	put_u64(w, 0x1000u * (16 + rnd_below(2048)));	      /* ImageLengthInMemory */
	put_u64(w, 0);					      /* ImageLinkTimeAddress */
	put_u64(w, dp_len);
}

static void gen_driver(event *e)
{
	e->pcr = 2;
	e->type = EV_EFI_BOOT_SERVICES_DRIVER;
	put_image_load(&e->data, 12 + 6 + 24 + 4);
	/* PciRoot(0x0)/Pci(dev,fn)/Offset(start,end): an option ROM */
	put_u8(&e->data, 0x02); /* ACPI */
	put_u8(&e->data, 0x01);
	put_u16(&e->data, 12);
	put_u32(&e->data, 0x0a0341d0); /* PNP0A03 */
	put_u32(&e->data, 0);
	put_u8(&e->data, 0x01); /* hardware */
	put_u8(&e->data, 0x01); /* PCI */
	put_u16(&e->data, 6);
	put_u8(&e->data, (uint8_t)rnd_below(8));  /* function */
	put_u8(&e->data, (uint8_t)rnd_below(32)); /* device */
	put_u8(&e->data, 0x04);			  /* media */
	put_u8(&e->data, 0x08);			  /* relative offset range */
	put_u16(&e->data, 24);
	put_u32(&e->data, 0);
	put_u64(&e->data, 0x1000u * rnd_below(16));
	put_u64(&e->data, 0x10000u + 0x1000u * rnd_below(64));
	dp_end(&e->data);
}

static void gen_application(event *e)
{
	const char *path = PICK(efi_apps);
	bool with_hd = rnd_below(4) != 0; /* shim and grub log a bare File() path */
	size_t file_len = 4 + 2 * (strlen(path) + 1);
	e->pcr = 4;
	e->type = EV_EFI_BOOT_SERVICES_APPLICATION;
	put_image_load(&e->data, (with_hd ? 42 : 0) + file_len + 4);
	if (with_hd)
		dp_hard_drive(&e->data);
	dp_file(&e->data, path);
	dp_end(&e->data);
}

static void gen_action(event *e)
{
	static const char *const pcr4[] = {"Calling EFI Application from Boot Option",
					   "Returning from EFI Application from Boot Option"};
	static const char *const pcr5[] = {"Exit Boot Services Invocation",
					   "Exit Boot Services Returned with Success"};
	e->type = EV_EFI_ACTION;
	e->pcr = rnd_below(2) ? 4 : 5;
	put_str(&e->data, e->pcr == 4 ? PICK(pcr4) : PICK(pcr5), false);
}

static void gen_variable_config(event *e)
{
	static const char *const names[] = {"SecureBoot", "PK",		  "KEK",      "db",
					    "dbx",	  "DeployedMode", "AuditMode"};
	const char *name = PICK(names);
	e->pcr = 7;
	e->type = EV_EFI_VARIABLE_DRIVER_CONFIG;
	if (strcmp(name, "db") == 0 || strcmp(name, "dbx") == 0 || strcmp(name, "KEK") == 0) {
		uint32_t n = 1 + rnd_below(2);
		put_variable_header(
		    &e->data, name[0] == 'd' ? &efi_image_security_database : &efi_global_variable,
		    name, 28 + 48 * n);
		put_sha256_esl(&e->data, n);
	} else if (strcmp(name, "PK") == 0) {
		put_variable_header(&e->data, &efi_global_variable, name, 0); /* setup mode */
	} else {
		put_variable_header(&e->data, &efi_global_variable, name, 1);
		put_u8(&e->data, (uint8_t)rnd_below(2));
	}
}

static void gen_authority(event *e)
{
	uint8_t hash[32];
	e->pcr = 7;
	e->type = EV_EFI_VARIABLE_AUTHORITY;
	/* the db entry that authorised an image: one EFI_SIGNATURE_DATA */
	put_variable_header(&e->data, &efi_image_security_database, "db", 48);
	put_guid(&e->data, &microsoft_owner);
	rnd_bytes(hash, sizeof(hash));
	put_bytes(&e->data, hash, sizeof(hash));
}

static void kernel_version(char *s, size_t n)
{
	snprintf(s, n, "6.%u.%u-%u-amd64", rnd_below(12), rnd_below(100), 1 + rnd_below(40));
}

static void gen_ipl_grub(event *e)
{
	char uuid[37], kver[40], line[MAX_EVENT_DATA];
	const char *prefix = "grub_cmd: ";
	rnd_uuid(uuid);
	kernel_version(kver, sizeof(kver));
	switch (rnd_below(6)) {
	case 0: snprintf(line, sizeof(line), "set root='hd0,gpt%u'", 1 + rnd_below(4)); break;
	case 1:
		snprintf(line, sizeof(line), "insmod %s", rnd_below(2) ? "part_gpt" : "ext2");
		break;
	case 2:
		snprintf(line, sizeof(line), "search --no-floppy --fs-uuid --set=root %s", uuid);
		break;
	case 3:
		snprintf(line, sizeof(line), "linux /vmlinuz-%s root=UUID=%s ro quiet", kver, uuid);
		break;
	case 4: snprintf(line, sizeof(line), "initrd /initrd.img-%s", kver); break;
	default:
		prefix = "kernel_cmdline: ";
		snprintf(line, sizeof(line), "/vmlinuz-%s root=UUID=%s ro quiet", kver, uuid);
		break;
	}
	e->pcr = 8;
	e->type = EV_IPL;
	put_str(&e->data, prefix, false);
	put_str(&e->data, line, true);
	/* grub: the digest is of the text after the prefix, without the NUL */
	e->hash_off = strlen(prefix);
	e->hash_len = strlen(line);
}

static void gen_ipl_file(event *e)
{
	char kver[40], path[96];
	kernel_version(kver, sizeof(kver));
	switch (rnd_below(4)) {
	case 0: snprintf(path, sizeof(path), "/boot/grub/grub.cfg"); break;
	case 1: snprintf(path, sizeof(path), "/boot/vmlinuz-%s", kver); break;
	case 2: snprintf(path, sizeof(path), "/boot/initrd.img-%s", kver); break;
	default: snprintf(path, sizeof(path), "(hd0,gpt2)/boot/grub/x86_64-efi/command.lst"); break;
	}
	e->pcr = 9;
	e->type = EV_IPL;
	put_str(&e->data, path, true);
}

static void gen_ipl_cmdline(event *e)
{
	static const char *const extra[] = {"", " splash", " rhgb", " mitigations=auto"};
	char uuid[37], line[96];
	rnd_uuid(uuid);
	snprintf(line, sizeof(line), "root=UUID=%s ro quiet%s", uuid, PICK(extra));
	e->pcr = 12; /* systemd-stub: the kernel command line, UTF-16 */
	e->type = EV_IPL;
	put_utf16(&e->data, line, true);
}

static void gen_ipl_mok(event *e)
{
	static const char *const names[] = {"MokList", "MokListX", "MokSBState", "MokListTrusted"};
	e->pcr = 14;
	e->type = EV_IPL;
	put_str(&e->data, PICK(names), true);
}

static void gen_tagged(event *e)
{
	static const char *const names[] = {"initrd", "sysext", "credentials", "confext", "ucode"};
	static const uint32_t pcrs[] = {10, 11, 13};
	const char *name = PICK(names);
	e->pcr = pcrs[rnd_below(3)];
	e->type = EV_EVENT_TAG;
	/* TCG_PCClientTaggedEvent: taggedEventID, taggedEventDataSize, data */
	put_u32(&e->data, 0xf5bc582au + rnd_below(4));
	put_u32(&e->data, (uint32_t)(2 * (strlen(name) + 1)));
	put_utf16(&e->data, name, true);
}

static const struct {
	void (*gen)(event *e);
	unsigned weight; /* of 100 */
} kinds[] = {
    {gen_separator, 11}, {gen_crtm, 3},		{gen_handoff_tables, 3}, {gen_variable_boot, 6},
    {gen_driver, 5},	 {gen_application, 12}, {gen_action, 8},	 {gen_variable_config, 14},
    {gen_authority, 4},	 {gen_ipl_grub, 12},	{gen_ipl_file, 10},	 {gen_ipl_cmdline, 4},
    {gen_ipl_mok, 3},	 {gen_tagged, 5},
};

#define KIND_COUNT (sizeof(kinds) / sizeof(kinds[0]))

static int gen_event(event *e, uint8_t *data_buf)
{
	uint32_t r = rnd_below(100);
	size_t i = 0;
	while (i < KIND_COUNT - 1 && r >= kinds[i].weight) {
		r -= kinds[i].weight;
		i++;
	}
	e->data = (wbuf){.p = data_buf, .cap = MAX_EVENT_DATA};
	e->hash_off = 0;
	e->hash_len = SIZE_MAX;
	kinds[i].gen(e);
	if (e->data.overflow || e->data.len < MIN_EVENT_DATA) {
		fprintf(stderr,
			PROG ": internal error: event data of type 0x%08" PRIx32
			     " outside %d-%d bytes\n",
			e->type, MIN_EVENT_DATA, MAX_EVENT_DATA);
		return -1;
	}
	if (e->hash_len == SIZE_MAX)
		e->hash_len = e->data.len;
	return 0;
}

/* --- the log --- */

/* The Spec ID event: a TCG_PCClientPCREvent (SHA-1 format) holding TCG_EfiSpecIDEvent. */
static void put_spec_id_event(wbuf *w)
{
	static const uint8_t zero_digest[20];
	put_u32(w, 0);		  /* PCRIndex */
	put_u32(w, EV_NO_ACTION); /* EventType */
	put_bytes(w, zero_digest, sizeof(zero_digest));
	put_u32(w, (uint32_t)(16 + 4 + 4 + 4 + 4 * ctx.bank_count + 1)); /* EventSize */
	put_bytes(w, "Spec ID Event03", 16);				 /* with its NUL */
	put_u32(w, 0);							 /* platformClass: client */
	put_u8(w, 0);							 /* specVersionMinor */
	put_u8(w, 2);							 /* specVersionMajor */
	put_u8(w, 0);							 /* specErrata */
	put_u8(w, 2);							 /* uintnSize: UINT64 */
	put_u32(w, (uint32_t)ctx.bank_count);
	for (size_t i = 0; i < ctx.bank_count; i++) {
		put_u16(w, ctx.banks[i]->alg);
		put_u16(w, ctx.banks[i]->size);
	}
	put_u8(w, 0); /* vendorInfoSize */
}

/* One TCG_PCR_EVENT2 into w. */
static int put_event2(wbuf *w, const event *e, EVP_MD_CTX *md_ctx, const EVP_MD *const *mds)
{
	put_u32(w, e->pcr);
	put_u32(w, e->type);
	put_u32(w, (uint32_t)ctx.bank_count);
	for (size_t i = 0; i < ctx.bank_count; i++) {
		uint8_t digest[EVP_MAX_MD_SIZE];
		unsigned int len = 0;
		if (EVP_DigestInit_ex(md_ctx, mds[i], NULL) != 1 ||
		    EVP_DigestUpdate(md_ctx, e->data.p + e->hash_off, e->hash_len) != 1 ||
		    EVP_DigestFinal_ex(md_ctx, digest, &len) != 1 || len != ctx.banks[i]->size) {
			fprintf(stderr, PROG ": %s digest failed\n", ctx.banks[i]->name);
			return -1;
		}
		put_u16(w, ctx.banks[i]->alg);
		put_bytes(w, digest, len);
	}
	put_u32(w, (uint32_t)e->data.len);
	put_bytes(w, e->data.p, e->data.len);
	return w->overflow ? -1 : 0;
}

static int write_all(FILE *f, const char *path, const wbuf *w)
{
	if (fwrite(w->p, 1, w->len, f) != w->len) {
		fprintf(stderr, PROG ": %s: write failed: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_log(FILE *f, const char *path)
{
	/* header 12 + digests + EventSize 4 + data */
	uint8_t rec_buf[12 + MAX_BANKS * (2 + MAX_DIGEST) + 4 + MAX_EVENT_DATA];
	uint8_t data_buf[MAX_EVENT_DATA];
	const EVP_MD *mds[MAX_BANKS];
	EVP_MD_CTX *md_ctx = EVP_MD_CTX_new();
	int r = -1;

	if (md_ctx == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	for (size_t i = 0; i < ctx.bank_count; i++)
		mds[i] = ctx.banks[i]->md();

	wbuf rec = {.p = rec_buf, .cap = sizeof(rec_buf)};
	put_spec_id_event(&rec);
	if (rec.overflow || write_all(f, path, &rec) != 0)
		goto out;

	rng_state = ctx.seed;
	for (unsigned long n = 0; n < ctx.events; n++) {
		event e;
		rec.len = 0;
		if (gen_event(&e, data_buf) != 0 || put_event2(&rec, &e, md_ctx, mds) != 0 ||
		    write_all(f, path, &rec) != 0)
			goto out;
	}
	r = 0;
out:
	EVP_MD_CTX_free(md_ctx);
	return r;
}

/* The temporary file while it is being written, removed if a signal ends the program. */
static char *volatile tmp_path;

static void remove_tmp_and_die(int sig)
{
	char *p = tmp_path;
	if (p != NULL)
		unlink(p);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXFSZ};
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = remove_tmp_and_die;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* Write the log to a temporary file next to ctx.out, then rename it into place. */
static int generate(void)
{
	size_t len = strlen(ctx.out);
	char *tmp = malloc(len + sizeof(".XXXXXX"));
	FILE *f = NULL;
	int fd = -1, r = -1;
	mode_t mask;

	if (tmp == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	memcpy(tmp, ctx.out, len);
	memcpy(tmp + len, ".XXXXXX", sizeof(".XXXXXX"));
	catch_signals();
	tmp_path = tmp;
	if ((fd = mkstemp(tmp)) < 0) {
		fprintf(stderr, PROG ": cannot create a temporary file for %s: %s\n", ctx.out,
			strerror(errno));
		tmp_path = NULL;
		free(tmp);
		return -1;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	if ((f = fdopen(fd, "wb")) == NULL) {
		fprintf(stderr, PROG ": %s: %s\n", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	if (write_log(f, tmp) != 0)
		goto out;
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fprintf(stderr, PROG ": %s: write failed: %s\n", tmp, strerror(errno));
		goto out;
	}
	r = fclose(f);
	f = NULL;
	if (r != 0) {
		fprintf(stderr, PROG ": %s: write failed: %s\n", tmp, strerror(errno));
		goto out;
	}
	if ((r = rename(tmp, ctx.out)) != 0)
		fprintf(stderr, PROG ": cannot rename %s to %s: %s\n", tmp, ctx.out,
			strerror(errno));
out:
	if (f != NULL)
		fclose(f);
	if (r != 0)
		unlink(tmp);
	tmp_path = NULL;
	free(tmp);
	return r;
}

/* --- options --- */

static const char usage[] =
    "Usage: " PROG " --events N --banks sha1,sha256[,sha384,sha512] [--seed S] --out FILE\n"
    "\n"
    "Write a valid crypto-agile TCG PC Client event log: a Spec ID event for the banks,\n"
    "then N events of a realistic mix (PCRs 0-14, 4-200 bytes of event data, digests of\n"
    "the event data in every bank). The same seed (default 1) gives the same log.\n";

static int parse_banks(const char *list)
{
	const char *p = list;
	ctx.bank_count = 0;
	for (;;) {
		size_t n = strcspn(p, ",");
		const bank *b = NULL;
		for (size_t i = 0; i < sizeof(known_banks) / sizeof(known_banks[0]); i++)
			if (strlen(known_banks[i].name) == n &&
			    strncmp(known_banks[i].name, p, n) == 0)
				b = &known_banks[i];
		if (b == NULL) {
			fprintf(stderr,
				PROG
				": unknown bank '%.*s' in '%s' (sha1, sha256, sha384, sha512)\n",
				(int)n, p, list);
			return -1;
		}
		for (size_t i = 0; i < ctx.bank_count; i++)
			if (ctx.banks[i] == b) {
				fprintf(stderr, PROG ": bank %s given twice\n", b->name);
				return -1;
			}
		ctx.banks[ctx.bank_count++] = b;
		p += n;
		if (*p == '\0')
			return 0;
		p++; /* the comma */
	}
}

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;
	errno = 0;
	if (*s == '-' || *s == '\0' || (x = strtoull(s, &end, 0), errno != 0) || *end != '\0' ||
	    x > max) {
		fprintf(stderr, PROG ": %s: '%s' is not a number from 0 to %" PRIu64 "\n", opt, s,
			max);
		return -1;
	}
	*v = x;
	return 0;
}

static int parse_options(int argc, char **argv)
{
	static const struct option options[] = {
	    {"events", required_argument, NULL, 'n'}, {"banks", required_argument, NULL, 'b'},
	    {"seed", required_argument, NULL, 's'},   {"out", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0},
	};
	bool have_events = false, have_banks = false;
	uint64_t v;
	int opt;

	ctx.seed = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":n:b:s:o:h", options, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (parse_u64("--events", optarg, MAX_EVENTS, &v) != 0)
				return 2;
			ctx.events = (unsigned long)v;
			have_events = true;
			break;
		case 'b':
			if (parse_banks(optarg) != 0)
				return 2;
			have_banks = true;
			break;
		case 's':
			if (parse_u64("--seed", optarg, UINT64_MAX, &ctx.seed) != 0)
				return 2;
			break;
		case 'o': ctx.out = optarg; break;
		case 'h': fputs(usage, stdout); exit(0);
		case ':': fprintf(stderr, PROG ": %s needs a value\n", argv[optind - 1]); return 2;
		default:
			fprintf(stderr, PROG ": unknown option '%s'\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!have_events || !have_banks || ctx.out == NULL || *ctx.out == '\0') {
		fprintf(stderr, PROG ": --events, --banks and --out are required\n");
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int r = parse_options(argc, argv);
	if (r != 0) {
		fputs(usage, stderr);
		return r;
	}
	return generate() == 0 ? 0 : 1;
}
