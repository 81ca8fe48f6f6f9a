/* SPDX-License-Identifier: BSD-3-Clause */
/* The TDX Keep kind (attest/keep-kinds.h): not verified yet, so it fails closed. */
#include "config.h"

#include "attest/keep-kinds.h"

void bc_keep_check_tdx(const bc_evidence *ev, const bc_verify_opts *o, bc_verify_result *res)
{
	(void)ev;
	(void)o;
	bc_keep_verdict_all(res, BC_CHECK_FAIL, "TDX reports are not verified by this version");
}
