/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The servers of the CLI (attest serve, fleet serve) under systemd's Type=notify:
 * READY=1 once the listening socket is bound and served, STOPPING=1 when a stop
 * begins, and, when the unit sets WatchdogSec=, WATCHDOG=1 every half interval, but
 * only after the server has answered an HTTP request of the watchdog's own: a server
 * whose HTTP threads hang stops the pings and systemd restarts it. The library's
 * servers have no hook in their loops, so the liveness check goes through the front
 * door, as a client would.
 */
#ifndef BC_CLI_NOTIFY_H
#define BC_CLI_NOTIFY_H

typedef struct cli_notifier cli_notifier;

/*
 * Tell systemd (NOTIFY_SOCKET) that the server at health_url (GET, "http://..." or
 * "https://..."; the certificate is not checked: the watchdog only asks whether the
 * server answers) is ready, and start the watchdog when WATCHDOG_USEC asks for it. An
 * answer counts when its status is want_status, or any status when want_status is 0.
 * Outside systemd nothing is sent and *out is NULL. Reports and returns the exit status,
 * or 0; a notification socket that cannot be reached is reported and not fatal.
 */
int cli_notify_ready(const char *cmd, const char *health_url, long want_status, cli_notifier **out);

/* STOPPING=1, then end the watchdog and free n. NULL is allowed. */
void cli_notify_stopping(cli_notifier *n);

#endif
