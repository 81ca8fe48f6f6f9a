/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bootchain/bootchain.h>

const char *bc_strerror(bc_status status)
{
	switch (status) {
	case BC_OK: return "success";
	case BC_E_NOMEM: return "out of memory";
	case BC_E_INVALID: return "invalid input";
	case BC_E_IO: return "input/output error";
	case BC_E_FORMAT: return "malformed data";
	case BC_E_LIMIT: return "size limit exceeded";
	case BC_E_UNSUPPORTED: return "not supported";
	case BC_E_TCTI: return "cannot reach the TPM";
	case BC_E_TPM: return "TPM error";
	case BC_E_MISMATCH: return "mismatch";
	case BC_E_NOTFOUND: return "not found";
	}
	return "unknown status";
}

const char *bc_error_message(const bc_error *err)
{
	if (!err)
		return "unknown error";
	return err->msg[0] ? err->msg : bc_strerror(err->status);
}

void bc_error_clear(bc_error *err)
{
	if (err)
		*err = (bc_error){.status = BC_OK};
}

bc_status bc_fail(bc_error *err, bc_status status, const char *fmt, ...)
{
	if (!err)
		return status;
	/* through a copy: callers may wrap the old message, bc_error_message(err) */
	char msg[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(err->msg, msg, sizeof(msg));
	err->status = status;
	err->tss_rc = 0;
	return status;
}

const char *bc_version(void)
{
	return PACKAGE_VERSION;
}
