/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The service manager's notification protocol (sd_notify(3)) without libsystemd: one
 * datagram of "KEY=VALUE\n" lines to the AF_UNIX socket that systemd names in
 * $NOTIFY_SOCKET ("/path" or "@abstract"). Type=notify services send READY=1 once they
 * serve, WATCHDOG=1 more often than $WATCHDOG_USEC, STOPPING=1 when they begin to stop.
 *
 * The library does not read the environment: the caller passes what NOTIFY_SOCKET,
 * WATCHDOG_USEC and WATCHDOG_PID say.
 */
#ifndef BC_UTIL_SD_NOTIFY_H
#define BC_UTIL_SD_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <bootchain/status.h>

/* Send state ("READY=1", "WATCHDOG=1", ...) to the socket at path. A NULL or empty path
 * (not run by systemd, or not as Type=notify) sends nothing and is BC_OK. */
bc_status bc_sd_notify(const char *path, const char *state, bc_error *err);

/* The watchdog interval that WATCHDOG_USEC and WATCHDOG_PID ask of process self, in
 * microseconds: false (no watchdog) when usec is NULL, not a positive decimal, or pid
 * names another process. */
bool bc_sd_watchdog_usec(const char *usec, const char *pid, pid_t self, uint64_t *out);

#endif
