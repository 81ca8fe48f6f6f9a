/* SPDX-License-Identifier: BSD-3-Clause */
#include <bootchain/core.h>

#include "text.h"

#define REPLACEMENT 0xfffdu

/* The length of a sequence from its lead byte: its payload bits and smallest value
 * (anything below is an overlong form); 0 for a byte that cannot lead. */
static size_t sequence_length(UINT32 lead, UINT32 *bits, UINT32 *min)
{
	if ((lead & 0xe0) == 0xc0) {
		*bits = lead & 0x1f;
		*min = 0x80;
		return 2;
	}
	if ((lead & 0xf0) == 0xe0) {
		*bits = lead & 0x0f;
		*min = 0x800;
		return 3;
	}
	if ((lead & 0xf8) == 0xf0) {
		*bits = lead & 0x07;
		*min = 0x10000;
		return 4;
	}
	return 0;
}

UINT32 bc_efi_utf8_next(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	UINT32 c, min;
	size_t n;
	if (p[0] < 0x80) {
		*s += p[0] != 0;
		return p[0];
	}
	n = sequence_length(p[0], &c, &min);
	if (n == 0) {
		*s += 1;
		return REPLACEMENT;
	}
	/* a continuation byte is never NUL, so this stops at the end of the string */
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s += i;
			return REPLACEMENT;
		}
		c = c << 6 | (p[i] & 0x3f);
	}
	*s += n;
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return REPLACEMENT;
	return c;
}

long bc_efi_utf8_to_ucs2(const char *in, CHAR16 *out, size_t max)
{
	size_t n = 0;
	UINT32 c;
	while ((c = bc_efi_utf8_next(&in)) != 0) {
		if (n + 1 >= max)
			return -1;
		out[n++] = (CHAR16)(c > 0xffff ? REPLACEMENT : c);
	}
	if (max == 0)
		return -1;
	out[n] = 0;
	return (long)n;
}

static const struct {
	EFI_STATUS status;
	const char *name;
} status_names[] = {
    {EFI_SUCCESS, "EFI_SUCCESS"},
    {EFI_LOAD_ERROR, "EFI_LOAD_ERROR"},
    {EFI_INVALID_PARAMETER, "EFI_INVALID_PARAMETER"},
    {EFI_UNSUPPORTED, "EFI_UNSUPPORTED"},
    {EFI_BAD_BUFFER_SIZE, "EFI_BAD_BUFFER_SIZE"},
    {EFI_BUFFER_TOO_SMALL, "EFI_BUFFER_TOO_SMALL"},
    {EFI_NOT_READY, "EFI_NOT_READY"},
    {EFI_DEVICE_ERROR, "EFI_DEVICE_ERROR"},
    {EFI_WRITE_PROTECTED, "EFI_WRITE_PROTECTED"},
    {EFI_OUT_OF_RESOURCES, "EFI_OUT_OF_RESOURCES"},
    {EFI_VOLUME_CORRUPTED, "EFI_VOLUME_CORRUPTED"},
    {EFI_VOLUME_FULL, "EFI_VOLUME_FULL"},
    {EFI_NO_MEDIA, "EFI_NO_MEDIA"},
    {EFI_MEDIA_CHANGED, "EFI_MEDIA_CHANGED"},
    {EFI_NOT_FOUND, "EFI_NOT_FOUND"},
    {EFI_ACCESS_DENIED, "EFI_ACCESS_DENIED"},
    {EFI_NO_RESPONSE, "EFI_NO_RESPONSE"},
    {EFI_NO_MAPPING, "EFI_NO_MAPPING"},
    {EFI_TIMEOUT, "EFI_TIMEOUT"},
    {EFI_NOT_STARTED, "EFI_NOT_STARTED"},
    {EFI_ALREADY_STARTED, "EFI_ALREADY_STARTED"},
    {EFI_ABORTED, "EFI_ABORTED"},
    {EFI_ICMP_ERROR, "EFI_ICMP_ERROR"},
    {EFI_TFTP_ERROR, "EFI_TFTP_ERROR"},
    {EFI_PROTOCOL_ERROR, "EFI_PROTOCOL_ERROR"},
    {EFI_INCOMPATIBLE_VERSION, "EFI_INCOMPATIBLE_VERSION"},
    {EFI_SECURITY_VIOLATION, "EFI_SECURITY_VIOLATION"},
    {EFI_CRC_ERROR, "EFI_CRC_ERROR"},
    {EFI_END_OF_MEDIA, "EFI_END_OF_MEDIA"},
    {EFI_END_OF_FILE, "EFI_END_OF_FILE"},
    {EFI_INVALID_LANGUAGE, "EFI_INVALID_LANGUAGE"},
    {EFI_COMPROMISED_DATA, "EFI_COMPROMISED_DATA"},
};

void bc_efi_status_text(EFI_STATUS status, char *out)
{
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (status_names[i].status == status) {
			bc_core_format(out, BC_EFI_STATUS_TEXT_MAX, "%s", status_names[i].name);
			return;
		}
	bc_core_format(out, BC_EFI_STATUS_TEXT_MAX, "EFI status 0x%llx",
		       (unsigned long long)status);
}
