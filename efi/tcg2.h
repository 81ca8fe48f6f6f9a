/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EFI_TCG2_PROTOCOL, as the TCG EFI Protocol Specification (revision 00.13) defines it:
 * gnu-efi 3.0.15 has no header for it. Only what the stage calls is typed; the other
 * members keep their place in the function table.
 */
#ifndef BC_EFI_TCG2_H
#define BC_EFI_TCG2_H

#include <efi.h>

#define BC_EFI_TCG2_PROTOCOL_GUID                                      \
	{                                                              \
		0x607f766c, 0x7455, 0x42be,                            \
		{                                                      \
			0x93, 0x0b, 0xe4, 0xd7, 0x6d, 0xb2, 0x72, 0x0f \
		}                                                      \
	}

/* HashLogExtendEvent's Flags: DataToHash is a PE/COFF image, digest it as Authenticode */
#define BC_EFI_TCG2_PE_COFF_IMAGE 0x0000000000000010ULL

/* GetActivePcrBanks' bitmap (EFI_TCG2_BOOT_HASH_ALG_*) */
#define BC_EFI_TCG2_BOOT_HASH_ALG_SHA1	 0x00000001u
#define BC_EFI_TCG2_BOOT_HASH_ALG_SHA256 0x00000002u
#define BC_EFI_TCG2_BOOT_HASH_ALG_SHA384 0x00000004u

#define BC_EFI_TCG2_EVENT_HEADER_VERSION 1

#pragma pack(push, 1)
typedef struct bc_efi_tcg2_event_header {
	UINT32 HeaderSize; /* of this header: 14 */
	UINT16 HeaderVersion;
	UINT32 PCRIndex;
	UINT32 EventType;
} bc_efi_tcg2_event_header;

typedef struct bc_efi_tcg2_event {
	UINT32 Size; /* of the whole structure, Event included */
	bc_efi_tcg2_event_header Header;
	UINT8 Event[];
} bc_efi_tcg2_event;
#pragma pack(pop)

typedef struct bc_efi_tcg2_protocol bc_efi_tcg2_protocol;

typedef EFI_STATUS(EFIAPI *bc_efi_tcg2_hash_log_extend_event)(bc_efi_tcg2_protocol *This,
							      UINT64 Flags,
							      EFI_PHYSICAL_ADDRESS DataToHash,
							      UINT64 DataToHashLen,
							      bc_efi_tcg2_event *EfiTcgEvent);
typedef EFI_STATUS(EFIAPI *bc_efi_tcg2_get_active_pcr_banks)(bc_efi_tcg2_protocol *This,
							     UINT32 *ActivePcrBanks);

struct bc_efi_tcg2_protocol {
	VOID *GetCapability;
	VOID *GetEventLog;
	bc_efi_tcg2_hash_log_extend_event HashLogExtendEvent;
	VOID *SubmitCommand;
	bc_efi_tcg2_get_active_pcr_banks GetActivePcrBanks;
	VOID *SetActivePcrBanks;
	VOID *GetResultOfSetActivePcrBanks;
};

#endif
