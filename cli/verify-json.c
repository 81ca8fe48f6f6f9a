/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include <bootchain/eventlog.h>

#include "cli/verify-json.h"

/* "sha256:0,4,8+sha1:0", the form users give PCR selections in */
static void json_selection(bc_json *j, const bc_pcr_selection *sel)
{
	char text[512];
	bc_pcr_selection_format(sel, text, sizeof(text));
	bc_json_string(j, text);
}

static void json_pcr_list(bc_json *j, uint32_t mask)
{
	bc_json_array_begin(j);
	for (unsigned p = 0; p < BC_PCR_COUNT; p++)
		if (mask & (1u << p))
			bc_json_uint(j, p);
	bc_json_array_end(j);
}

static const char *status_word(bc_check_status s)
{
	return s == BC_CHECK_PASS ? "pass" : s == BC_CHECK_FAIL ? "fail" : "skip";
}

static void json_checks(bc_json *j, const bc_verify_result *r)
{
	bc_json_key(j, "failed");
	bc_json_array_begin(j);
	for (int c = 0; c < BC_CHECK_COUNT; c++)
		if (r->status[c] == BC_CHECK_FAIL)
			bc_json_string(j, bc_check_name((bc_check)c));
	bc_json_array_end(j);
	bc_json_key(j, "checks");
	bc_json_object_begin(j);
	for (int c = 0; c < BC_CHECK_COUNT; c++) {
		bc_json_key(j, bc_check_name((bc_check)c));
		bc_json_object_begin(j);
		bc_json_key(j, "status");
		bc_json_string(j, status_word(r->status[c]));
		bc_json_key(j, "message");
		bc_json_string(j, r->message[c]);
		bc_json_object_end(j);
	}
	bc_json_object_end(j);
}

static void json_clock(bc_json *j, const bc_verify_result *r)
{
	/* a string: 64 bits do not fit a JSON number that every reader keeps exactly */
	char firmware[19];
	snprintf(firmware, sizeof(firmware), "0x%016" PRIx64, r->firmware_version);
	bc_json_key(j, "clock");
	bc_json_object_begin(j);
	bc_json_key(j, "clock");
	bc_json_uint(j, r->clock);
	bc_json_key(j, "reset_count");
	bc_json_uint(j, r->reset_count);
	bc_json_key(j, "restart_count");
	bc_json_uint(j, r->restart_count);
	bc_json_key(j, "safe");
	bc_json_bool(j, r->safe);
	bc_json_key(j, "firmware_version");
	bc_json_string(j, firmware);
	bc_json_object_end(j);
}

static void json_golden_event(bc_json *j, const bc_golden_event_result *e)
{
	const char *type = bc_event_type_name(e->type);
	bc_json_object_begin(j);
	bc_json_key(j, "pcr");
	bc_json_uint(j, e->pcr);
	bc_json_key(j, "event");
	bc_json_uint(j, e->number);
	bc_json_key(j, "type");
	if (type)
		bc_json_string(j, type);
	else
		bc_json_null(j);
	bc_json_key(j, "summary");
	bc_json_string(j, e->summary);
	bc_json_key(j, "verdict");
	bc_json_string(j, bc_golden_event_verdict_name(e->verdict));
	if (e->component) {
		bc_json_key(j, "component");
		bc_json_string(j, e->component->name);
	}
	bc_json_object_end(j);
}

static void json_golden(bc_json *j, const bc_golden_report *g)
{
	bc_json_key(j, "golden");
	bc_json_object_begin(j);
	bc_json_key(j, "match");
	bc_json_bool(j, g->match);
	bc_json_key(j, "known");
	bc_json_uint(j, g->known);
	bc_json_key(j, "pcrs_judged");
	json_pcr_list(j, g->judged_pcrs);
	bc_json_key(j, "pcrs_not_judged");
	json_pcr_list(j, g->unjudged_pcrs);
	bc_json_key(j, "problems");
	bc_json_array_begin(j);
	for (size_t i = 0; i < g->event_count; i++)
		json_golden_event(j, &g->events[i]);
	bc_json_array_end(j);
	bc_json_key(j, "missing");
	bc_json_array_begin(j);
	for (size_t i = 0; i < g->missing_count; i++)
		bc_json_string(j, g->missing[i]->name);
	bc_json_array_end(j);
	bc_json_object_end(j);
}

void cli_json_verify_members(bc_json *j, const bc_verify_result *r)
{
	bc_json_key(j, "pass");
	bc_json_bool(j, r->pass);
	bc_json_key(j, "fresh");
	bc_json_bool(j, r->fresh);
	bc_json_key(j, "attested");
	json_selection(j, &r->attested);
	json_checks(j, r);
	if (r->has_clock)
		json_clock(j, r);
	if (r->golden)
		json_golden(j, r->golden);
}

void cli_json_verify_result(bc_json *j, const bc_verify_result *r)
{
	bc_json_object_begin(j);
	cli_json_verify_members(j, r);
	bc_json_object_end(j);
}
