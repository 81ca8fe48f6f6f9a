/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BC_MEASURE_EVENTLOG_INTERNAL_H
#define BC_MEASURE_EVENTLOG_INTERNAL_H

#include <bootchain/eventlog.h>

#define BC_SPEC_ID_SIGNATURE	      "Spec ID Event03" /* 15 characters and a NUL */
#define BC_STARTUP_LOCALITY_SIGNATURE "StartupLocality" /* likewise, with a NUL */
#define BC_SHA1_EVENT_HEADER_SIZE     32		/* pcr, type, digest[20], size */

/* Whether ev is the StartupLocality EV_NO_ACTION event; *locality gets its value. */
bool bc_event_startup_locality(const bc_event *ev, uint8_t *locality);

/* The event's digests in the banks this library knows (and of their size), as a digest
 * set: what golden databases compare. */
void bc_event_digest_set(const bc_event *ev, bc_digest_set *out);

#endif
