/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include <bootchain/eventlog.h>

#include "util/cleanup.h"

static const struct {
	uint32_t type;
	const char *name;
} event_types[] = {
    {BC_EV_PREBOOT_CERT, "EV_PREBOOT_CERT"},
    {BC_EV_POST_CODE, "EV_POST_CODE"},
    {BC_EV_UNUSED, "EV_UNUSED"},
    {BC_EV_NO_ACTION, "EV_NO_ACTION"},
    {BC_EV_SEPARATOR, "EV_SEPARATOR"},
    {BC_EV_ACTION, "EV_ACTION"},
    {BC_EV_EVENT_TAG, "EV_EVENT_TAG"},
    {BC_EV_S_CRTM_CONTENTS, "EV_S_CRTM_CONTENTS"},
    {BC_EV_S_CRTM_VERSION, "EV_S_CRTM_VERSION"},
    {BC_EV_CPU_MICROCODE, "EV_CPU_MICROCODE"},
    {BC_EV_PLATFORM_CONFIG_FLAGS, "EV_PLATFORM_CONFIG_FLAGS"},
    {BC_EV_TABLE_OF_DEVICES, "EV_TABLE_OF_DEVICES"},
    {BC_EV_COMPACT_HASH, "EV_COMPACT_HASH"},
    {BC_EV_IPL, "EV_IPL"},
    {BC_EV_IPL_PARTITION_DATA, "EV_IPL_PARTITION_DATA"},
    {BC_EV_NONHOST_CODE, "EV_NONHOST_CODE"},
    {BC_EV_NONHOST_CONFIG, "EV_NONHOST_CONFIG"},
    {BC_EV_NONHOST_INFO, "EV_NONHOST_INFO"},
    {BC_EV_OMIT_BOOT_DEVICE_EVENTS, "EV_OMIT_BOOT_DEVICE_EVENTS"},
    {BC_EV_POST_CODE2, "EV_POST_CODE2"},
    {BC_EV_EFI_EVENT_BASE, "EV_EFI_EVENT_BASE"},
    {BC_EV_EFI_VARIABLE_DRIVER_CONFIG, "EV_EFI_VARIABLE_DRIVER_CONFIG"},
    {BC_EV_EFI_VARIABLE_BOOT, "EV_EFI_VARIABLE_BOOT"},
    {BC_EV_EFI_BOOT_SERVICES_APPLICATION, "EV_EFI_BOOT_SERVICES_APPLICATION"},
    {BC_EV_EFI_BOOT_SERVICES_DRIVER, "EV_EFI_BOOT_SERVICES_DRIVER"},
    {BC_EV_EFI_RUNTIME_SERVICES_DRIVER, "EV_EFI_RUNTIME_SERVICES_DRIVER"},
    {BC_EV_EFI_GPT_EVENT, "EV_EFI_GPT_EVENT"},
    {BC_EV_EFI_ACTION, "EV_EFI_ACTION"},
    {BC_EV_EFI_PLATFORM_FIRMWARE_BLOB, "EV_EFI_PLATFORM_FIRMWARE_BLOB"},
    {BC_EV_EFI_HANDOFF_TABLES, "EV_EFI_HANDOFF_TABLES"},
    {BC_EV_EFI_PLATFORM_FIRMWARE_BLOB2, "EV_EFI_PLATFORM_FIRMWARE_BLOB2"},
    {BC_EV_EFI_HANDOFF_TABLES2, "EV_EFI_HANDOFF_TABLES2"},
    {BC_EV_EFI_VARIABLE_BOOT2, "EV_EFI_VARIABLE_BOOT2"},
    {BC_EV_EFI_GPT_EVENT2, "EV_EFI_GPT_EVENT2"},
    {BC_EV_EFI_HCRTM_EVENT, "EV_EFI_HCRTM_EVENT"},
    {BC_EV_EFI_VARIABLE_AUTHORITY, "EV_EFI_VARIABLE_AUTHORITY"},
    {BC_EV_EFI_SPDM_FIRMWARE_BLOB, "EV_EFI_SPDM_FIRMWARE_BLOB"},
    {BC_EV_EFI_SPDM_FIRMWARE_CONFIG, "EV_EFI_SPDM_FIRMWARE_CONFIG"},
};

const char *bc_event_type_name(uint32_t type)
{
	for (size_t i = 0; i < ELEMENTSOF(event_types); i++)
		if (event_types[i].type == type)
			return event_types[i].name;
	return NULL;
}

bool bc_event_type_from_name(const char *name, uint32_t *type)
{
	for (size_t i = 0; i < ELEMENTSOF(event_types); i++) {
		const char *full = event_types[i].name;
		if (strcasecmp(full, name) == 0 || strcasecmp(full + 3, name) == 0) {
			*type = event_types[i].type;
			return true;
		}
	}
	if (*name < '0' || *name > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long v = strtoul(name, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*type = (uint32_t)v;
	return true;
}
