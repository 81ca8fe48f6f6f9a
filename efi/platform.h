/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UEFI platform of the freestanding core (bootchain-efi(7)): memory from the boot
 * services' pool, files from the volume the stage was loaded from, extends through
 * EFI_TCG2_PROTOCOL.HashLogExtendEvent (so the events land in the firmware's own event
 * log), text on ConOut, images started with LoadImage/StartImage.
 */
#ifndef BC_EFI_PLATFORM_H
#define BC_EFI_PLATFORM_H

#include <efi.h>
#include <bootchain/core.h>

#include "tcg2.h"
#include "text.h"

typedef struct bc_efi {
	EFI_HANDLE image; /* the stage's own */
	EFI_SYSTEM_TABLE *st;
	EFI_HANDLE device;	    /* the volume the stage was loaded from */
	EFI_STATUS device_status;   /* of looking it up: why device is NULL */
	EFI_FILE_HANDLE root;	    /* that volume's root, opened on the first read */
	bc_efi_tcg2_protocol *tcg2; /* NULL: the firmware has no TPM */
} bc_efi;

/*
 * Fill efi and the platform p that uses it. Only the console is needed to get here: a
 * missing TPM or volume is an error of the first call that needs it, so the core
 * decides (trusted mode halts on it).
 */
void bc_efi_platform_init(bc_efi *efi, EFI_HANDLE image, EFI_SYSTEM_TABLE *st, bc_core_platform *p);

/* One line on ConOut (UTF-8, no line ending). */
void bc_efi_print(bc_efi *efi, const char *line);

/* Text on ConOut as it is, without a line ending (a countdown rewrites its line). */
void bc_efi_print_raw(bc_efi *efi, const char *text);

#endif
