/* SPDX-License-Identifier: BSD-3-Clause */
/* bootchain log show | replay | check | export */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "eventlog/cel.h"
#include "eventlog/event-data.h"
#include "pcr/pcr-json.h"

#define SUMMARY_CHARS 72
#define LAST_EVENTS   3 /* events shown for a PCR that differs */

static const char log_usage[] =
    "Usage: bootchain log show [FILE] [--verbose] [--json]\n"
    "       bootchain log replay [FILE] [--pcrs SELECTION] [--json]\n"
    "       bootchain log check [FILE] [--pcrs SELECTION] [-T TCTI] [--json]\n"
    "       bootchain log export --format cel-json [FILE]\n"
    "\n"
    "FILE is a TCG PC Client event log, SHA-1 or crypto-agile. Without FILE: the log\n"
    "that `bootchain measure` writes ($BOOTCHAIN_EVENTLOG, else /run/bootchain/eventlog)\n"
    "when it exists, else the firmware's (" CLI_FIRMWARE_LOG ").\n"
    "\n"
    "show     list the events: number, PCR, type, digest, decoded data\n"
    "replay   the PCR values the log implies (default: the PCRs it extends)\n"
    "check    replay and compare with the TPM; exit 3 when a PCR differs or an\n"
    "         event's digest does not match its data\n"
    "export   the log in the TCG Canonical Event Log JSON form\n"
    "\n"
    "Options:\n"
    "  -l, -p, --pcrs SEL  PCRs to replay or check, e.g. sha256:0-7+sha1:0\n"
    "  -T, --tcti TCTI     TPM to compare with (check)\n"
    "  -v, --verbose       show: every digest and every decoded field\n"
    "      --format FMT    export: cel-json\n"
    "      --json          print JSON instead of text\n"
    "  -h, --help          show this help\n";

static struct {
	const char *cmd;
	const char *tcti;
	const char *pcrs;
	const char *format;
	bool json;
	bool verbose;
} ctx;

enum { OPT_JSON = 256, OPT_FORMAT };

static int parse_options(int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"pcrs", required_argument, NULL, 'p'},
	    {"tcti", required_argument, NULL, 'T'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int opt;
	*help = false;
	while ((opt = getopt_long(argc, argv, ":l:p:T:vh", options, NULL)) != -1) {
		switch (opt) {
		case 'l':
		case 'p': ctx.pcrs = optarg; break;
		case 'T': ctx.tcti = optarg; break;
		case 'v': ctx.verbose = true; break;
		case OPT_FORMAT: ctx.format = optarg; break;
		case OPT_JSON: ctx.json = true; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(ctx.cmd, opt, argv);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error(ctx.cmd, "expected at most one log file");
	return 0;
}

static int open_log(int argc, char **argv, bc_log **out)
{
	bc_error err = {0};
	const char *path = argc > optind ? cli_input_path(argv[optind]) : cli_default_log();
	if (!path) {
		cli_error(ctx.cmd, "no event log: neither %s nor %s exists (name a FILE)",
			  cli_measured_log(), CLI_FIRMWARE_LOG);
		return BC_EXIT_ERROR;
	}
	if (bc_log_read_file(path, out, &err) != BC_OK)
		return cli_fail(ctx.cmd, &err);
	return 0;
}

static const char *alg_label(uint16_t alg, char buf[16])
{
	const char *name = bc_hash_alg_name(alg);
	if (name)
		return name;
	snprintf(buf, 16, "0x%04x", alg);
	return buf;
}

static const char *type_label(uint32_t type, char buf[16])
{
	const char *name = bc_event_type_name(type);
	if (name)
		return name;
	snprintf(buf, 16, "0x%08x", type);
	return buf;
}

/* The digest shown in one-line listings: sha256 when there is one. */
static const bc_event_digest *display_digest(const bc_event *ev)
{
	const bc_event_digest *d = bc_event_find_digest(ev, BC_ALG_SHA256);
	return d ? d : ev->digest_count ? &ev->digests[0] : NULL;
}

static const char *payload_word(bc_payload_verdict v)
{
	switch (v) {
	case BC_PAYLOAD_MATCHES: return "matches";
	case BC_PAYLOAD_DIFFERS: return "differs";
	default: return "not-defined";
	}
}

/* ---- show ---- */

static void show_header_text(const bc_log *log, bc_buf *out)
{
	size_t count;
	const bc_log_alg *algs = bc_log_algorithms(log, &count);
	const bc_log_spec_id *sid = bc_log_get_spec_id(log);
	char label[16];
	bc_buf_printf(out, "%s: %s log", bc_log_name(log),
		      sid ? "crypto-agile" : "SHA-1 format (no Spec ID event)");
	if (sid)
		bc_buf_printf(out, ", spec %u.%u errata %u", sid->version_major, sid->version_minor,
			      sid->errata);
	bc_buf_puts(out, ", banks:");
	for (size_t i = 0; i < count; i++)
		bc_buf_printf(out, " %s", alg_label(algs[i].alg, label));
	bc_buf_printf(out, "\n%6s %3s  %-34s %-12s  %s\n", "#", "PCR", "type", "digest", "data");
}

static void show_event_text(const bc_event *ev, bc_payload_verdict payload, bc_buf *out)
{
	char type[16], hex[13] = "-";
	const bc_event_digest *d = display_digest(ev);
	if (d) {
		size_t n = d->size < 6 ? d->size : 6;
		for (size_t i = 0; i < n; i++)
			snprintf(hex + 2 * i, 3, "%02x", d->bytes[i]);
	}
	char pcr[12] = "-1"; /* an EV_NO_ACTION in PCR index 0xFFFFFFFF: never extended */
	if (ev->pcr < BC_PCR_COUNT)
		snprintf(pcr, sizeof(pcr), "%u", ev->pcr);
	bc_buf_printf(out, "%6u %3s  %-34s %-12s  %s", ev->number, pcr, type_label(ev->type, type),
		      hex, payload == BC_PAYLOAD_DIFFERS ? "[DIGEST DOES NOT MATCH DATA] " : "");
	bc_event_data_summary(ev, out, SUMMARY_CHARS);
	bc_buf_putc(out, '\n');
	if (!ctx.verbose)
		return;
	bc_buf_printf(out, "         offset 0x%jx, %u bytes of data, payload %s\n",
		      (uintmax_t)ev->offset, ev->data_size, payload_word(payload));
	for (size_t i = 0; i < ev->digest_count; i++) {
		char label[16];
		bc_buf_printf(out, "         %-8s ", alg_label(ev->digests[i].alg, label));
		for (size_t k = 0; k < ev->digests[i].size; k++)
			bc_buf_printf(out, "%02x", ev->digests[i].bytes[k]);
		bc_buf_putc(out, '\n');
	}
	bc_event_data_describe(ev, out, "         ");
}

static void show_header_json(const bc_log *log, bc_json *j)
{
	size_t count;
	const bc_log_alg *algs = bc_log_algorithms(log, &count);
	const bc_log_spec_id *sid = bc_log_get_spec_id(log);
	char label[16];
	bc_json_key(j, "file");
	bc_json_string(j, bc_log_name(log));
	bc_json_key(j, "format");
	bc_json_string(j, sid ? "crypto-agile" : "sha1");
	bc_json_key(j, "algorithms");
	bc_json_array_begin(j);
	for (size_t i = 0; i < count; i++) {
		bc_json_object_begin(j);
		bc_json_key(j, "alg");
		bc_json_string(j, alg_label(algs[i].alg, label));
		bc_json_key(j, "size");
		bc_json_uint(j, algs[i].size);
		bc_json_object_end(j);
	}
	bc_json_array_end(j);
}

static void event_digests_json(const bc_event *ev, bc_json *j)
{
	char label[16];
	bc_json_object_begin(j);
	for (size_t i = 0; i < ev->digest_count; i++) {
		bc_json_key(j, alg_label(ev->digests[i].alg, label));
		bc_json_hex(j, ev->digests[i].bytes, ev->digests[i].size);
	}
	bc_json_object_end(j);
}

static void show_event_json(const bc_event *ev, bc_payload_verdict payload, bc_json *j)
{
	char type[16];
	bc_json_object_begin(j);
	bc_json_key(j, "number");
	bc_json_uint(j, ev->number);
	bc_json_key(j, "offset");
	bc_json_uint(j, ev->offset);
	bc_json_key(j, "pcr");
	bc_json_uint(j, ev->pcr);
	bc_json_key(j, "type");
	bc_json_string(j, type_label(ev->type, type));
	bc_json_key(j, "type_id");
	bc_json_uint(j, ev->type);
	bc_json_key(j, "digests");
	event_digests_json(ev, j);
	bc_json_key(j, "payload");
	bc_json_string(j, payload_word(payload));
	bc_json_key(j, "data_size");
	bc_json_uint(j, ev->data_size);
	bc_json_key(j, "data");
	bc_event_data_json(ev, j);
	bc_json_object_end(j);
}

/* Render the whole log before printing anything: a bad event halfway through must not
 * leave half a listing that looks complete. */
static bc_status render_show(const bc_log *log, bc_buf *out, bc_buf *differs, bc_error *err)
{
	bc_json j;
	bc_log_iter it;
	bc_json_init(&j, out);
	bc_log_iter_init(log, &it);
	if (ctx.json) {
		bc_json_object_begin(&j);
		show_header_json(log, &j);
		bc_json_key(&j, "events");
		bc_json_array_begin(&j);
	} else {
		show_header_text(log, out);
	}
	for (;;) {
		bc_event ev;
		bool done;
		bc_status s = bc_log_next(&it, &ev, &done, err);
		if (s != BC_OK)
			return s;
		if (done)
			break;
		bc_payload_verdict payload = bc_event_check_payload(&ev, NULL);
		if (payload == BC_PAYLOAD_DIFFERS)
			bc_buf_printf(differs, "%s%u", differs->len ? ", " : "", ev.number);
		if (ctx.json)
			show_event_json(&ev, payload, &j);
		else
			show_event_text(&ev, payload, out);
	}
	if (ctx.json) {
		bc_json_array_end(&j);
		bc_json_object_end(&j);
	}
	return bc_buf_status(out, err, "output");
}

static int log_show(int argc, char **argv)
{
	bc_log *log = NULL;
	bc_error err = {0};
	bc_buf out, differs;
	int rc = open_log(argc, argv, &log);
	if (rc)
		return rc;
	bc_buf_init(&out, CLI_JSON_MAX);
	bc_buf_init(&differs, 64 * 1024);
	bc_status s = render_show(log, &out, &differs, &err);
	bc_log_free(log);
	if (s != BC_OK)
		rc = cli_fail(ctx.cmd, &err);
	else if (ctx.json)
		rc = cli_emit_json(ctx.cmd, &out);
	else
		rc = cli_emit_text(ctx.cmd, &out);
	if (rc == 0 && differs.len)
		cli_error(ctx.cmd, "warning: the digests of events %s do not match their data",
			  bc_buf_str(&differs));
	bc_buf_free(&out);
	bc_buf_free(&differs);
	return rc;
}

/* ---- replay ---- */

/* Restrict values to sel; every selected bank must be in values. */
static bc_status select_values(bc_pcr_values *values, const bc_pcr_selection *sel,
			       const char *log_name, bc_error *err)
{
	for (size_t i = 0; i < sel->count; i++)
		if (sel->banks[i].mask && !bc_pcr_values_bank(values, sel->banks[i].alg))
			return bc_fail(err, BC_E_NOTFOUND,
				       "%s: the log has no complete %s bank to replay", log_name,
				       bc_hash_alg_name(sel->banks[i].alg));
	for (size_t i = 0; i < values->count; i++)
		values->banks[i].mask &= bc_pcr_selection_mask(sel, values->banks[i].alg);
	/* drop banks with nothing selected */
	size_t kept = 0;
	for (size_t i = 0; i < values->count; i++)
		if (values->banks[i].mask)
			values->banks[kept++] = values->banks[i];
	values->count = kept;
	return BC_OK;
}

static int parse_pcrs_option(bc_pcr_selection *sel)
{
	bc_error err = {0};
	if (bc_pcr_selection_parse(ctx.pcrs, sel, &err) != BC_OK)
		return cli_usage_error(ctx.cmd, "--pcrs: %s", bc_error_message(&err));
	return 0;
}

static int log_replay(int argc, char **argv)
{
	bc_pcr_selection sel, extended;
	bc_pcr_values values;
	bc_error err = {0};
	bc_log *log = NULL;
	int rc;
	if (ctx.pcrs && (rc = parse_pcrs_option(&sel)) != 0)
		return rc;
	if ((rc = open_log(argc, argv, &log)) != 0)
		return rc;
	bc_status s = bc_log_replay(log, &values, &extended, &err);
	if (s == BC_OK)
		s = select_values(&values, ctx.pcrs ? &sel : &extended, bc_log_name(log), &err);
	bc_log_free(log);
	if (s != BC_OK)
		return cli_fail(ctx.cmd, &err);
	return cli_print_pcr_values(ctx.cmd, &values, ctx.json);
}

/* ---- check ---- */

typedef struct mismatch {
	uint16_t alg;
	unsigned pcr;
	const uint8_t *log_value, *tpm_value;
	uint16_t size;
} mismatch;

/* The selection to check: --pcrs, else what the log extends, in banks the TPM has. */
static bc_status check_selection(bc_tpm *tpm, const bc_pcr_selection *extended,
				 bc_pcr_selection *sel, bc_error *err)
{
	bc_pcr_selection allocated;
	bc_status s = bc_tpm_allocated_banks(tpm, &allocated, err);
	if (s != BC_OK)
		return s;
	*sel = (bc_pcr_selection){0};
	for (size_t i = 0; i < extended->count; i++) {
		uint32_t mask = extended->banks[i].mask &
				bc_pcr_selection_mask(&allocated, extended->banks[i].alg);
		if (mask)
			bc_pcr_selection_add(sel, extended->banks[i].alg, mask, NULL);
	}
	if (sel->count == 0)
		return bc_fail(err, BC_E_NOTFOUND,
			       "the log and the TPM have no extended PCR bank in common");
	return BC_OK;
}

static size_t find_mismatches(bc_pcr_values *log_values, bc_pcr_values *tpm_values, mismatch *out,
			      size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < tpm_values->count; i++) {
		bc_pcr_bank *t = &tpm_values->banks[i];
		bc_pcr_bank *l = bc_pcr_values_bank(log_values, t->alg);
		for (unsigned pcr = 0; pcr < BC_PCR_COUNT && l; pcr++) {
			if (!(t->mask & (1u << pcr)) ||
			    !memcmp(l->values[pcr], t->values[pcr], t->size))
				continue;
			if (n < max)
				out[n] = (mismatch){t->alg, pcr, l->values[pcr], t->values[pcr],
						    t->size};
			n++;
		}
	}
	return n;
}

/* The last LAST_EVENTS events that extended pcr, oldest first. */
static size_t last_events(const bc_log *log, unsigned pcr, bc_event *out)
{
	bc_log_iter it;
	size_t seen = 0;
	bc_log_iter_init(log, &it);
	for (;;) {
		bc_event ev;
		bool done;
		if (bc_log_next(&it, &ev, &done, NULL) != BC_OK || done)
			break;
		if (ev.pcr == pcr && bc_event_extends(&ev))
			out[seen++ % LAST_EVENTS] = ev;
	}
	size_t n = seen < LAST_EVENTS ? seen : LAST_EVENTS;
	/* rotate the ring so that the oldest comes first */
	bc_event ordered[LAST_EVENTS];
	for (size_t i = 0; i < n; i++)
		ordered[i] = out[(seen - n + i) % LAST_EVENTS];
	memcpy(out, ordered, n * sizeof(*out));
	return n;
}

static void hex_line(bc_buf *out, const uint8_t *v, uint16_t size)
{
	for (uint16_t i = 0; i < size; i++)
		bc_buf_printf(out, "%02x", v[i]);
}

static void report_mismatch_text(const bc_log *log, const mismatch *m, bc_buf *out)
{
	bc_event events[LAST_EVENTS];
	char type[16];
	bc_buf_printf(out, "%s PCR %u differs:\n  log replays to ", bc_hash_alg_name(m->alg),
		      m->pcr);
	hex_line(out, m->log_value, m->size);
	bc_buf_puts(out, "\n  TPM has         ");
	hex_line(out, m->tpm_value, m->size);
	size_t n = last_events(log, m->pcr, events);
	bc_buf_printf(out, "\n  last %s extending PCR %u:\n", n == 1 ? "event" : "events", m->pcr);
	for (size_t i = 0; i < n; i++) {
		bc_buf_printf(out, "    event %u %s ", events[i].number,
			      type_label(events[i].type, type));
		bc_event_data_summary(&events[i], out, SUMMARY_CHARS);
		bc_buf_putc(out, '\n');
	}
}

static void report_mismatch_json(const bc_log *log, const mismatch *m, bc_json *j)
{
	bc_event events[LAST_EVENTS];
	char type[16];
	size_t n = last_events(log, m->pcr, events);
	bc_json_object_begin(j);
	bc_json_key(j, "bank");
	bc_json_string(j, bc_hash_alg_name(m->alg));
	bc_json_key(j, "pcr");
	bc_json_uint(j, m->pcr);
	bc_json_key(j, "log");
	bc_json_hex(j, m->log_value, m->size);
	bc_json_key(j, "tpm");
	bc_json_hex(j, m->tpm_value, m->size);
	bc_json_key(j, "last_events");
	bc_json_array_begin(j);
	for (size_t i = 0; i < n; i++) {
		bc_json_object_begin(j);
		bc_json_key(j, "number");
		bc_json_uint(j, events[i].number);
		bc_json_key(j, "type");
		bc_json_string(j, type_label(events[i].type, type));
		bc_json_key(j, "data");
		bc_event_data_json(&events[i], j);
		bc_json_object_end(j);
	}
	bc_json_array_end(j);
	bc_json_object_end(j);
}

/* Events whose digest is not a digest of their data, as "12 (sha256), 40 (sha1)". */
static bc_status payload_mismatches(const bc_log *log, bc_buf *text, bc_json *j, bc_error *err)
{
	bc_log_iter it;
	bc_log_iter_init(log, &it);
	if (j)
		bc_json_array_begin(j);
	for (;;) {
		bc_event ev;
		bool done;
		uint16_t alg = 0;
		bc_status s = bc_log_next(&it, &ev, &done, err);
		if (s != BC_OK)
			return s;
		if (done)
			break;
		if (bc_event_check_payload(&ev, &alg) != BC_PAYLOAD_DIFFERS)
			continue;
		if (j) {
			bc_json_object_begin(j);
			bc_json_key(j, "number");
			bc_json_uint(j, ev.number);
			bc_json_key(j, "bank");
			bc_json_string(j, bc_hash_alg_name(alg) ?: "unknown");
			bc_json_object_end(j);
		}
		if (text)
			bc_buf_printf(text, "%s%u (%s)", text->len ? ", " : "", ev.number,
				      bc_hash_alg_name(alg) ?: "unknown");
	}
	if (j)
		bc_json_array_end(j);
	return BC_OK;
}

static int print_check(const bc_log *log, const bc_pcr_selection *sel, bc_pcr_values *values,
		       const mismatch *m, size_t n, size_t shown)
{
	bc_buf out, payload;
	bc_error err = {0};
	bc_json j;
	char text[512];
	bc_buf_init(&out, CLI_JSON_MAX);
	bc_buf_init(&payload, 1 << 20);
	bc_json_init(&j, &out);
	bc_pcr_selection_format(sel, text, sizeof(text));
	bc_status s;
	if (ctx.json) {
		bc_json_object_begin(&j);
		bc_json_key(&j, "file");
		bc_json_string(&j, bc_log_name(log));
		bc_json_key(&j, "checked");
		bc_json_string(&j, text);
		bc_json_key(&j, "pcrs");
		bc_pcr_values_to_json(values, &j);
		bc_json_key(&j, "mismatches");
		bc_json_array_begin(&j);
		for (size_t i = 0; i < shown; i++)
			report_mismatch_json(log, &m[i], &j);
		bc_json_array_end(&j);
		bc_json_key(&j, "payload_mismatches");
		s = payload_mismatches(log, &payload, &j, &err);
		bc_json_key(&j, "match");
		bc_json_bool(&j, n == 0 && payload.len == 0);
		bc_json_object_end(&j);
	} else {
		for (size_t i = 0; i < shown; i++)
			report_mismatch_text(log, &m[i], &out);
		if (n > shown)
			bc_buf_printf(&out, "(%zu more PCRs differ)\n", n - shown);
		s = payload_mismatches(log, &payload, NULL, &err);
		if (payload.len)
			bc_buf_printf(&out, "events whose digest does not match their data: %s\n",
				      bc_buf_str(&payload));
		if (n == 0 && payload.len == 0)
			bc_buf_printf(&out, "%s: the log replays to the TPM's values for %s\n",
				      bc_log_name(log), text);
		else if (n)
			bc_buf_printf(&out,
				      "%s: the log does not replay to the TPM's values (%zu of "
				      "%s differ)\n",
				      bc_log_name(log), n, text);
	}
	int rc = s != BC_OK ? cli_fail(ctx.cmd, &err)
		 : ctx.json ? cli_emit_json(ctx.cmd, &out)
			    : cli_emit_text(ctx.cmd, &out);
	if (rc == 0 && (n || payload.len))
		rc = BC_EXIT_MISMATCH;
	bc_buf_free(&out);
	bc_buf_free(&payload);
	return rc;
}

static int log_check(int argc, char **argv)
{
	bc_pcr_selection sel, extended;
	bc_pcr_values log_values, tpm_values;
	bc_error err = {0};
	bc_log *log = NULL;
	bc_tpm *tpm = NULL;
	mismatch m[BC_MAX_BANKS * BC_PCR_COUNT];
	int rc;
	if (ctx.pcrs && (rc = parse_pcrs_option(&sel)) != 0)
		return rc;
	if ((rc = open_log(argc, argv, &log)) != 0)
		return rc;
	bc_status s = bc_log_replay(log, &log_values, &extended, &err);
	if (s == BC_OK && (rc = cli_open_tpm(ctx.cmd, ctx.tcti, &tpm)) != 0) {
		bc_log_free(log);
		return rc;
	}
	if (s == BC_OK && !ctx.pcrs)
		s = check_selection(tpm, &extended, &sel, &err);
	if (s == BC_OK)
		s = select_values(&log_values, &sel, bc_log_name(log), &err);
	if (s == BC_OK)
		s = bc_tpm_pcr_read(tpm, &sel, &tpm_values, &err);
	bc_tpm_close(tpm);
	if (s != BC_OK) {
		bc_log_free(log);
		return cli_fail(ctx.cmd, &err);
	}
	size_t n = find_mismatches(&log_values, &tpm_values, m, sizeof(m) / sizeof(m[0]));
	size_t shown = n < sizeof(m) / sizeof(m[0]) ? n : sizeof(m) / sizeof(m[0]);
	rc = print_check(log, &sel, &tpm_values, m, n, shown);
	bc_log_free(log);
	return rc;
}

/* ---- export ---- */

static int log_export(int argc, char **argv)
{
	bc_log *log = NULL;
	bc_error err = {0};
	bc_buf out;
	bc_json j;
	int rc;
	/* its one format is JSON already: --json would only look like a choice */
	if (ctx.json)
		return cli_usage_error(ctx.cmd, "--json: export always writes JSON (--format "
						"cel-json); leave --json out");
	if (!ctx.format)
		return cli_usage_error(ctx.cmd, "--format is required: cel-json");
	if (strcmp(ctx.format, "cel-json") != 0)
		return cli_usage_error(ctx.cmd, "unknown format '%s': expected cel-json",
				       ctx.format);
	if ((rc = open_log(argc, argv, &log)) != 0)
		return rc;
	bc_buf_init(&out, CLI_JSON_MAX);
	bc_json_init(&j, &out);
	bc_status s = bc_log_to_cel_json(log, &j, &err);
	bc_log_free(log);
	rc = s == BC_OK ? cli_emit_json(ctx.cmd, &out) : cli_fail(ctx.cmd, &err);
	bc_buf_free(&out);
	return rc;
}

const cli_verb cli_log_verbs[] = {
    {"show", log_show, NULL},	  {"replay", log_replay, NULL}, {"check", log_check, NULL},
    {"export", log_export, NULL}, {NULL, NULL, NULL},
};

int cmd_log(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("log", "expected a verb: show, replay, check or export");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(log_usage, stdout);
		return BC_EXIT_OK;
	}
	const cli_verb *verb = cli_find_verb(cli_log_verbs, argv[1]);
	if (verb) {
		static char label[32]; /* ctx.cmd: lives as long as the process */
		bool help;
		snprintf(label, sizeof(label), "log %s", verb->name);
		ctx.cmd = label;
		int rc = parse_options(argc - 1, argv + 1, &help);
		if (rc || help)
			return rc ? rc : (fputs(log_usage, stdout), BC_EXIT_OK);
		return verb->run(argc - 1, argv + 1);
	}
	return cli_usage_error("log", "unknown verb '%s': expected show, replay, check or export",
			       argv[1]);
}
