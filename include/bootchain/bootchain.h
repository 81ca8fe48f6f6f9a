/* SPDX-License-Identifier: BSD-3-Clause */
/* The whole public API of libbootchain. */
#ifndef BOOTCHAIN_BOOTCHAIN_H
#define BOOTCHAIN_BOOTCHAIN_H

#include <bootchain/digest.h>
#include <bootchain/efi-siglist.h>
#include <bootchain/ekcert.h>
#include <bootchain/eventlog.h>
#include <bootchain/golden.h>
#include <bootchain/measure.h>
#include <bootchain/pe.h>
#include <bootchain/pcr.h>
#include <bootchain/policy.h>
#include <bootchain/status.h>
#include <bootchain/tpm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Library version, "MAJOR.MINOR.PATCH". */
BC_EXPORT const char *bc_version(void);

#ifdef __cplusplus
}
#endif
#endif
