/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The payload check: for the event types whose digest the specifications define as a
 * digest of the event data, the data must hash to every digest the log records (in the
 * banks this library can compute). An event passes when one of the forms its writers
 * are known to hash matches in every bank:
 *
 *   EV_SEPARATOR, EV_EFI_ACTION, EV_ACTION, EV_S_CRTM_VERSION, EV_EFI_GPT_EVENT,
 *   EV_EFI_VARIABLE_DRIVER_CONFIG, EV_EFI_VARIABLE_BOOT2, EV_EFI_VARIABLE_AUTHORITY:
 *     the data as logged.
 *   EV_EFI_VARIABLE_AUTHORITY, EV_EFI_VARIABLE_DRIVER_CONFIG: also the data without
 *     some of up to MAX_VARIABLE_SLACK bytes that follow the UEFI_VARIABLE_DATA
 *     structure (shim 15 logged its vendor certificate with its struct's padding and
 *     hashed one byte less; the variable's GUID, name and value are still covered).
 *   EV_EFI_VARIABLE_BOOT: the data, or only its VariableData (EDK2 and most firmware
 *     hash only the variable's value for Boot#### and BootOrder).
 *   EV_IPL: the string as logged; without its trailing NUL (one byte, or two for
 *     UTF-16); with a NUL the log left out; a UTF-16 string whose NUL the log cut in
 *     half (systemd-boot logged one byte less than it hashed); and for grub's
 *     "grub_cmd: ", "kernel_cmdline: " and "module_cmdline: " the text after the prefix,
 *     with or without its NUL (grub hashes the command, and logs it with the prefix).
 *
 * EV_IPL names what was hashed as often as it is what was hashed: grub logs the path of
 * each file it reads into PCR 9 and hashes the file, shim logs "MokList" into PCR 14
 * and hashes the variable. So an EV_IPL string is held to its digest only where every
 * known writer hashes the string itself: in PCR 8 (grub's commands and command lines,
 * systemd-boot's command line) and wherever it carries one of grub's prefixes. Elsewhere
 * a string that matches is reported as such and one that does not as not defined.
 *
 * Not defined: EV_EFI_HANDOFF_TABLES (EDK2 hashes the SMBIOS table itself, the event
 * only points at it), EV_POST_CODE (no log at hand shows a string hashed as logged),
 * images, blobs, EV_NO_ACTION (never extended) and everything else.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <bootchain/digest.h>
#include <bootchain/eventlog.h>

#include "util/cleanup.h"
#include "util/reader.h"

#define MAX_FORMS	   12
#define MAX_VARIABLE_SLACK 8

/* One candidate for the hashed bytes: data, then zeros more zero bytes. */
typedef struct form {
	const uint8_t *data;
	size_t size;
	uint8_t zeros;
} form;

typedef struct forms {
	form f[MAX_FORMS];
	size_t count;
	bool defined; /* a mismatch is a DIFFERS, not a NOT_DEFINED */
} forms;

static void add_form(forms *fs, const uint8_t *data, size_t size, uint8_t zeros)
{
	if (fs->count < MAX_FORMS)
		fs->f[fs->count++] = (form){.data = data, .size = size, .zeros = zeros};
}

/* The VariableData of a UEFI_VARIABLE_DATA, if the structure holds together; it ends
 * the structure. */
static bool variable_data(const bc_event *ev, const uint8_t **data, size_t *size)
{
	bc_reader r = bc_reader_init(ev->data, ev->data_size);
	uint64_t name_len, data_len;
	if (!bc_rd_skip(&r, 16) || !bc_rd_u64le(&r, &name_len) || !bc_rd_u64le(&r, &data_len))
		return false;
	if (name_len > bc_rd_left(&r) / 2 || !bc_rd_skip(&r, (size_t)name_len * 2))
		return false;
	if (data_len > bc_rd_left(&r))
		return false;
	*size = (size_t)data_len;
	return bc_rd_bytes(&r, *size, data);
}

/* The data cut anywhere in the slack after a structure ending at struct_end. */
static void variable_slack_forms(const bc_event *ev, size_t struct_end, forms *fs)
{
	if (ev->data_size - struct_end > MAX_VARIABLE_SLACK)
		return;
	for (size_t end = struct_end; end < ev->data_size; end++)
		add_form(fs, ev->data, end, 0);
}

static bool has_prefix(const uint8_t *data, size_t size, const char *prefix)
{
	size_t len = strlen(prefix);
	return size >= len && memcmp(data, prefix, len) == 0;
}

/* grub's prefixed strings: the command after the prefix, with or without its NUL. */
static bool grub_forms(const bc_event *ev, forms *fs)
{
	static const char *const prefixes[] = {
	    "grub_cmd: ", "kernel_cmdline: ", "module_cmdline: "};
	for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
		if (!has_prefix(ev->data, ev->data_size, prefixes[i]))
			continue;
		size_t len = strlen(prefixes[i]);
		const uint8_t *rest = ev->data + len;
		size_t n = ev->data_size - len;
		add_form(fs, rest, n, 0);
		if (n && rest[n - 1] == 0)
			add_form(fs, rest, n - 1, 0);
		return true;
	}
	return false;
}

static void ipl_forms(const bc_event *ev, forms *fs)
{
	const uint8_t *d = ev->data;
	size_t n = ev->data_size;
	add_form(fs, d, n, 0);
	if (n >= 1 && d[n - 1] == 0)
		add_form(fs, d, n - 1, 0); /* 8-bit, hashed without its NUL */
	if (n >= 2 && n % 2 == 0 && d[n - 1] == 0 && d[n - 2] == 0)
		add_form(fs, d, n - 2, 0); /* UTF-16, hashed without its NUL */
	if (n % 2 && d[n - 1] == 0)
		add_form(fs, d, n, 1); /* UTF-16 whose NUL lost its last byte in the log */
	if (n && d[n - 1] != 0)
		add_form(fs, d, n, 1); /* 8-bit, hashed with a NUL not logged */
	if (n >= 2 && n % 2 == 0 && (d[n - 1] != 0 || d[n - 2] != 0))
		add_form(fs, d, n, 2); /* UTF-16, likewise */
	fs->defined = grub_forms(ev, fs) || ev->pcr == 8;
}

static void event_forms(const bc_event *ev, forms *fs)
{
	const uint8_t *vd;
	size_t vd_size;
	switch (ev->type) {
	case BC_EV_SEPARATOR:
	case BC_EV_EFI_ACTION:
	case BC_EV_ACTION:
	case BC_EV_S_CRTM_VERSION:
	case BC_EV_EFI_GPT_EVENT:
	case BC_EV_EFI_VARIABLE_BOOT2:
		add_form(fs, ev->data, ev->data_size, 0);
		fs->defined = true;
		break;
	case BC_EV_EFI_VARIABLE_DRIVER_CONFIG:
	case BC_EV_EFI_VARIABLE_AUTHORITY:
		add_form(fs, ev->data, ev->data_size, 0);
		if (variable_data(ev, &vd, &vd_size))
			variable_slack_forms(ev, (size_t)(vd + vd_size - ev->data), fs);
		fs->defined = true;
		break;
	case BC_EV_EFI_VARIABLE_BOOT:
		add_form(fs, ev->data, ev->data_size, 0);
		if (variable_data(ev, &vd, &vd_size))
			add_form(fs, vd, vd_size, 0);
		fs->defined = true;
		break;
	case BC_EV_IPL: ipl_forms(ev, fs); break;
	default: break;
	}
}

/* Hash one form; a form with zeros appended is hashed from a copy. */
static bc_status hash_form(uint16_t alg, const form *f, bc_digest *out)
{
	if (!f->zeros)
		return bc_digest_compute(alg, f->data, f->size, out, NULL);
	if (f->size > SIZE_MAX - f->zeros)
		return BC_E_LIMIT;
	_cleanup_free_ uint8_t *copy = malloc(f->size + f->zeros);
	if (!copy)
		return BC_E_NOMEM;
	if (f->size)
		memcpy(copy, f->data, f->size);
	memset(copy + f->size, 0, f->zeros);
	return bc_digest_compute(alg, copy, f->size + f->zeros, out, NULL);
}

/*
 * Compare one form with every bank: true when all banks that could be computed match.
 * *checked counts those banks; *differs gets the first that does not match.
 */
static bool form_matches(const bc_event *ev, const form *f, size_t *checked, uint16_t *differs)
{
	bool all = true;
	*checked = 0;
	for (size_t i = 0; i < ev->digest_count; i++) {
		const bc_event_digest *d = &ev->digests[i];
		bc_digest computed;
		if (hash_form(d->alg, f, &computed) != BC_OK)
			continue; /* an algorithm OpenSSL lacks, or no memory: not checked */
		(*checked)++;
		if (computed.size == d->size && memcmp(computed.bytes, d->bytes, d->size) == 0)
			continue;
		if (all)
			*differs = d->alg;
		all = false;
	}
	return all;
}

bool bc_event_type_digests_data(uint32_t type, uint32_t pcr)
{
	switch (type) {
	case BC_EV_SEPARATOR:
	case BC_EV_EFI_ACTION:
	case BC_EV_ACTION:
	case BC_EV_S_CRTM_VERSION:
	case BC_EV_EFI_GPT_EVENT:
	case BC_EV_EFI_VARIABLE_DRIVER_CONFIG:
	case BC_EV_EFI_VARIABLE_BOOT:
	case BC_EV_EFI_VARIABLE_BOOT2:
	case BC_EV_EFI_VARIABLE_AUTHORITY: return true;
	case BC_EV_IPL: return pcr == 8;
	default: return false;
	}
}

bc_payload_verdict bc_event_check_payload(const bc_event *ev, uint16_t *alg)
{
	forms fs = {.count = 0};
	uint16_t first_differs = 0;
	if (!ev || (!ev->data && ev->data_size))
		return BC_PAYLOAD_NOT_DEFINED;
	event_forms(ev, &fs);
	for (size_t i = 0; i < fs.count; i++) {
		size_t checked;
		uint16_t differs = 0;
		bool match = form_matches(ev, &fs.f[i], &checked, &differs);
		if (checked == 0)
			return BC_PAYLOAD_NOT_DEFINED; /* no bank this library can compute */
		if (match)
			return BC_PAYLOAD_MATCHES;
		if (i == 0)
			first_differs = differs; /* report the bank of the form the spec names */
	}
	if (!fs.defined)
		return BC_PAYLOAD_NOT_DEFINED;
	if (alg)
		*alg = first_differs;
	return BC_PAYLOAD_DIFFERS;
}
