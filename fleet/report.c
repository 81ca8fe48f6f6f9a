/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fleet as people and dashboards read it (include/bootchain/fleet.h, "report"): one
 * HTML page, JSON, Prometheus metrics. Every string of the store may come from a machine
 * (its name, the detail of a verdict, the components of its log), so each is escaped for
 * where it goes: HTML text and attributes, JSON strings, metric label values.
 */
#include "config.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bootchain/digest.h>
#include <bootchain/fleet.h>

#include "util/buf.h"
#include "util/cleanup.h"
#include "util/hex.h"
#include "util/json.h"
#include "util/text.h"

#define REPORT_MAX	   ((size_t)256 << 20)
#define DEFAULT_INTERVAL_S 60

/* ---- the fleet as read from the store ---- */

void bc_fleet_view_free(bc_fleet_view *v)
{
	for (size_t i = 0; v->hosts && i < v->count; i++)
		bc_fleet_attestations_free(v->hosts[i].history, v->hosts[i].count);
	free(v->hosts);
	free(v->machines);
	*v = (bc_fleet_view){0};
}

static int64_t interval_of(const bc_fleet_report_opts *o)
{
	return o->interval > 0 ? o->interval : DEFAULT_INTERVAL_S;
}

static size_t history_of(const bc_fleet_report_opts *o)
{
	return o->history ? o->history : BC_FLEET_REPORT_HISTORY;
}

/* The time of h's latest quote: in its history, else asked of the store. */
static bc_status find_seen(bc_fleet_store *store, bc_fleet_host *h, bc_error *err)
{
	bc_fleet_attestation quoted;
	for (size_t i = 0; i < h->count; i++)
		if (h->history[i].has_clock_info) {
			h->last_seen = h->history[i].time;
			return BC_OK;
		}
	if (h->count == 0)
		return BC_OK;
	bc_status s = bc_fleet_store_last_quoted(store, h->machine->id, &quoted, err);
	if (s == BC_E_NOTFOUND)
		return BC_OK;
	if (s == BC_OK)
		h->last_seen = quoted.time;
	bc_fleet_attestation_clear(&quoted);
	return s;
}

static void count_host(bc_fleet_view *v, const bc_fleet_host *h)
{
	const char *verdict = h->count ? h->history[0].verdict : "";
	if (!verdict[0])
		v->never++;
	else if (!strcmp(verdict, "pass"))
		v->pass++;
	else if (!strcmp(verdict, "fail"))
		v->fail++;
	else
		v->error++;
	if (h->not_seen)
		v->not_seen++;
}

static bc_status view_read(bc_fleet_store *store, const bc_fleet_report_opts *o, size_t history,
			   bc_fleet_view *v, bc_error *err)
{
	int64_t not_seen_after = o->now - interval_of(o) * BC_FLEET_NOT_SEEN_INTERVALS;
	bc_status s = bc_fleet_store_list(store, false, &v->machines, &v->count, err);
	if (s != BC_OK)
		return s;
	if (v->count && !(v->hosts = calloc(v->count, sizeof(*v->hosts))))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < v->count; i++) {
		bc_fleet_host *h = &v->hosts[i];
		h->machine = &v->machines[i];
		if ((s = bc_fleet_store_history(store, h->machine->id, history, &h->history,
						&h->count, err)) != BC_OK ||
		    (s = find_seen(store, h, err)) != BC_OK)
			return s;
		h->not_seen = (h->last_seen ? h->last_seen : h->machine->added_at) < not_seen_after;
		count_host(v, h);
	}
	return BC_OK;
}

bc_status bc_fleet_view_load(bc_fleet_store *store, const bc_fleet_report_opts *opts,
			     size_t history, bc_fleet_view *view, bc_error *err)
{
	*view = (bc_fleet_view){.now = opts->now};
	bc_status s = view_read(store, opts, history, view, err);
	if (s != BC_OK)
		bc_fleet_view_free(view);
	return s;
}

/* ---- output ---- */

static bc_status take(bc_buf *b, char **out, size_t *size, bc_error *err)
{
	bc_buf_str(b);
	bc_status s = bc_buf_status(b, err, "the report");
	if (s != BC_OK) {
		bc_buf_free(b);
		return s;
	}
	*out = (char *)b->data;
	*size = b->len;
	return BC_OK;
}

static void iso_time(int64_t t, char *out, size_t size)
{
	time_t when = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&when, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "?");
}

/* ---- HTML ---- */

/* s as HTML text or attribute value: markup characters as references, control
 * characters and bytes that are not UTF-8 as U+FFFD, so that no machine can add markup
 * or make the page invalid. */
static void html_n(bc_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t len = c < 0x80 ? 1 : bc_utf8_len(p + i, n - i);
		if (c == '&')
			bc_buf_puts(b, "&amp;");
		else if (c == '<')
			bc_buf_puts(b, "&lt;");
		else if (c == '>')
			bc_buf_puts(b, "&gt;");
		else if (c == '"')
			bc_buf_puts(b, "&quot;");
		else if (c == '\'')
			bc_buf_puts(b, "&#39;");
		else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || len == 0)
			bc_buf_puts(b, "&#xfffd;");
		else
			bc_buf_append(b, p + i, len);
		i += len ? len : 1;
	}
}

static void html(bc_buf *b, const char *s)
{
	if (s)
		html_n(b, s, strlen(s));
}

static const char page_head[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>bootchain fleet report</title>\n"
    "<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}\n"
    "h1{font-size:1.4em}h2{font-size:1.2em;margin-top:2em}h3{font-size:1.05em}\n"
    "table{border-collapse:collapse;margin:.5em 0}\n"
    "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}\n"
    "th.sort{cursor:pointer;user-select:none}th.sort:after{content:\" \\2195\";color:#888}\n"
    "th.sort[data-dir=asc]:after{content:\" \\25BE\";color:#222}\n"
    "th.sort[data-dir=desc]:after{content:\" \\25B4\";color:#222}\n"
    "td.url,td.mono,code{font-family:monospace;font-size:.9em;word-break:break-all}\n"
    ".v-pass{background:#c8efc8}.v-fail{background:#f6b8b8}\n"
    ".v-error{background:#f7dc9c}.v-never{background:#e4e4e4}\n"
    ".tl{white-space:nowrap}\n"
    ".tl span{display:inline-block;width:.9em;height:1.3em;margin-right:1px;"
    "font-size:.75em;line-height:1.3em;text-align:center;vertical-align:middle}\n"
    ".tl span.mark{font-weight:bold;outline:1px solid #333}\n"
    ".stale{color:#a00}.summary span{margin-right:1em}\n"
    "</style>\n</head>\n<body>\n";

/* The page's only script: sort the fleet table by a column (name: natural order, host2
 * before host10; verdict: the worst first; last seen: the newest first; ties by name), a
 * click on its header, again to reverse. The sort is in the URL's fragment
 * (#sort=name|verdict|seen, -desc reversed), read on load and when it changes, written
 * on a click, so that a link shows the table as its sender saw it. The rows come sorted
 * as by verdict (html_table), which holds with scripts off. data-ready on the table
 * says the script ran to its end. */
static const char page_script[] =
    "<script>\n"
    "(function () {\n"
    "  var table = document.getElementById('fleet');\n"
    "  var body = table.tBodies[0];\n"
    "  var heads = Array.prototype.slice.call(table.querySelectorAll('th.sort'));\n"
    "  function byName(a, b) {\n"
    "    return a.cells[0].dataset.key.localeCompare(b.cells[0].dataset.key, undefined,\n"
    "                                                {numeric: true});\n"
    "  }\n"
    "  function sortBy(th, desc) {\n"
    "    var col = th.cellIndex, sign = desc ? -1 : 1;\n"
    "    var rows = Array.prototype.slice.call(body.rows);\n"
    "    rows.sort(function (a, b) {\n"
    "      var d = col === 0 ? byName(a, b)\n"
    "                        : Number(a.cells[col].dataset.key) -\n"
    "                          Number(b.cells[col].dataset.key);\n"
    "      return d ? sign * d : byName(a, b);\n"
    "    });\n"
    "    heads.forEach(function (h) { delete h.dataset.dir; });\n"
    "    th.dataset.dir = desc ? 'desc' : 'asc';\n"
    "    rows.forEach(function (r) { body.appendChild(r); });\n"
    "  }\n"
    "  function sortFromFragment() {\n"
    "    var m = /^#sort=(name|verdict|seen)(-desc)?$/.exec(location.hash);\n"
    "    var th = m && table.querySelector('th[data-sort=\"' + m[1] + '\"]');\n"
    "    if (th)\n"
    "      sortBy(th, !!m[2]);\n"
    "  }\n"
    "  heads.forEach(function (th) {\n"
    "    th.addEventListener('click', function () {\n"
    "      var desc = th.dataset.dir === 'asc';\n"
    "      var fragment = '#sort=' + th.dataset.sort + (desc ? '-desc' : '');\n"
    "      sortBy(th, desc);\n"
    "      try {\n"
    "        history.replaceState(null, '', fragment);\n"
    "      } catch (e) {\n"
    "        location.hash = fragment;\n"
    "      }\n"
    "    });\n"
    "  });\n"
    "  window.addEventListener('hashchange', sortFromFragment);\n"
    "  sortFromFragment();\n"
    "  table.dataset.ready = '1';\n"
    "})();\n"
    "</script>\n";

static const char *verdict_class(const char *verdict)
{
	if (!verdict[0])
		return "never";
	if (!strcmp(verdict, "pass") || !strcmp(verdict, "fail"))
		return verdict;
	return "error";
}

/* Sorting key of a verdict: the worst first. */
static int verdict_rank(const char *verdict)
{
	const char *c = verdict_class(verdict);
	return !strcmp(c, "fail") ? 0 : !strcmp(c, "error") ? 1 : !strcmp(c, "never") ? 2 : 3;
}

static const char *latest_verdict(const bc_fleet_host *h)
{
	return h->count ? h->history[0].verdict : "";
}

static int ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Compare the runs of digits at *a and *b by their value (leading zeros aside), and step
 * past them. */
static int compare_numbers(const char **a, const char **b)
{
	const char *x = *a + strspn(*a, "0"), *y = *b + strspn(*b, "0");
	size_t nx = strspn(x, "0123456789"), ny = strspn(y, "0123456789");
	int d = nx != ny ? (nx < ny ? -1 : 1) : memcmp(x, y, nx);
	*a = x + nx;
	*b = y + ny;
	return d;
}

/* Names in natural order: numbers by their value (host2 before host10), letters whatever
 * their case, then byte order to break ties; as near as C gets, without a locale, to the
 * page script's localeCompare(..., {numeric: true}) on the names people give machines. */
static int natural_compare(const char *a, const char *b)
{
	const char *x = a, *y = b;
	while (*x && *y) {
		int d = is_digit(*x) && is_digit(*y) ? compare_numbers(&x, &y)
						     : ascii_lower(*x++) - ascii_lower(*y++);
		if (d)
			return d;
	}
	if (*x || *y)
		return *x ? 1 : -1;
	return strcmp(a, b);
}

/* The order of the fleet table before any click: the worst verdict first, then by name. */
static int worst_first(const void *pa, const void *pb)
{
	const bc_fleet_host *a = *(const bc_fleet_host *const *)pa;
	const bc_fleet_host *b = *(const bc_fleet_host *const *)pb;
	int d = verdict_rank(latest_verdict(a)) - verdict_rank(latest_verdict(b));
	return d ? d : natural_compare(a->machine->name, b->machine->name);
}

/* v's hosts in the table's order, in a list of v->count for the caller to free. */
static bc_status hosts_worst_first(const bc_fleet_view *v, const bc_fleet_host ***out,
				   bc_error *err)
{
	const bc_fleet_host **order = calloc(v->count ? v->count : 1, sizeof(*order));
	if (!order)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < v->count; i++)
		order[i] = &v->hosts[i];
	qsort(order, v->count, sizeof(*order), worst_first);
	*out = order;
	return BC_OK;
}

static void html_flags(bc_buf *b, unsigned flags)
{
	for (unsigned bit = 1; bit && bit <= BC_FLEET_FLAG_LAST; bit <<= 1)
		if (flags & bit)
			bc_buf_printf(b, " %s", bc_fleet_flag_name(bit));
}

/* One cell of a timeline: its colour the verdict, R a reboot, ! a rollback or a changed
 * AK or chip; the title tells it all. */
static void html_cell(bc_buf *b, const bc_fleet_attestation *a)
{
	char when[32];
	unsigned alarm = BC_FLEET_FLAG_ROLLBACK | BC_FLEET_FLAG_CLOCK_BACK |
			 BC_FLEET_FLAG_AK_CHANGED | BC_FLEET_FLAG_CHIP_CHANGED;
	const char *mark = a->flags & alarm ? "!" : a->flags & BC_FLEET_FLAG_REBOOT ? "R" : "";
	iso_time(a->time, when, sizeof(when));
	bc_buf_printf(b, "<span class=\"v-%s%s\" title=\"%s ", verdict_class(a->verdict),
		      mark[0] ? " mark" : "", when);
	html(b, a->verdict);
	if (a->first_failing_check[0]) {
		bc_buf_puts(b, ": ");
		html(b, a->first_failing_check);
	}
	html_flags(b, a->flags);
	bc_buf_printf(b, "\">%s</span>", mark[0] ? mark : "&nbsp;");
}

static void html_timeline(bc_buf *b, const bc_fleet_host *h)
{
	bc_buf_puts(b, "<td class=\"tl\">");
	for (size_t i = h->count; i > 0; i--) /* oldest left, newest right */
		html_cell(b, &h->history[i - 1]);
	bc_buf_puts(b, "</td>");
}

static void html_row(bc_buf *b, const bc_fleet_host *h, size_t index)
{
	const bc_fleet_attestation *last = h->count ? &h->history[0] : NULL;
	const char *verdict = last ? last->verdict : "";
	char seen[32] = "never";
	if (h->last_seen)
		iso_time(h->last_seen, seen, sizeof(seen));
	bc_buf_puts(b, "<tr><td data-key=\"");
	html(b, h->machine->name);
	bc_buf_puts(b, "\">");
	if (last && strcmp(verdict, "pass")) {
		bc_buf_printf(b, "<a href=\"#m%zu\">", index);
		html(b, h->machine->name);
		bc_buf_puts(b, "</a>");
	} else {
		html(b, h->machine->name);
	}
	bc_buf_puts(b, "</td><td class=\"url\">");
	html(b, h->machine->url);
	bc_buf_printf(b, "</td><td class=\"v-%s\" data-key=\"%d\">", verdict_class(verdict),
		      verdict_rank(verdict));
	html(b, verdict[0] ? verdict : "never attested");
	bc_buf_puts(b, "</td>");
	bc_buf_printf(b, "<td data-key=\"%lld\"%s>%s%s</td><td>", (long long)-h->last_seen,
		      h->not_seen ? " class=\"stale\"" : "", seen,
		      h->not_seen ? " (not seen)" : "");
	if (last)
		html(b, last->first_failing_check);
	bc_buf_puts(b, "</td>");
	html_timeline(b, h);
	bc_buf_puts(b, "</tr>\n");
}

/* The fleet table, its rows in order; the anchor of a failing machine's section is its
 * index in v. */
static void html_table(bc_buf *b, const bc_fleet_view *v, const bc_fleet_host *const *order)
{
	bc_buf_puts(b, "<table id=\"fleet\">\n<thead><tr>"
		       "<th class=\"sort\" data-sort=\"name\" title=\"sort by name\">Machine</th>"
		       "<th>URL</th>"
		       "<th class=\"sort\" data-sort=\"verdict\" data-dir=\"asc\" "
		       "title=\"sort by verdict\">Verdict</th>"
		       "<th class=\"sort\" data-sort=\"seen\" title=\"sort by last seen\">"
		       "Last seen</th>"
		       "<th>First failing check</th><th>Timeline (newest right)</th>"
		       "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < v->count; i++)
		html_row(b, order[i], (size_t)(order[i] - v->hosts));
	bc_buf_puts(b, "</tbody>\n</table>\n");
}

/* The versions of c the golden database allows: digests by bank, and their source. */
static void html_allowed(bc_buf *b, const bc_golden_component *c)
{
	char hex[2 * BC_MAX_DIGEST_SIZE + 1];
	bc_buf_puts(b, "<ul>");
	for (size_t i = 0; i < c->version_count; i++) {
		const bc_golden_version *ver = &c->versions[i];
		const bc_golden_source *src = &ver->source;
		bc_buf_puts(b, "<li>");
		if (src->version) {
			html(b, src->version);
			bc_buf_puts(b, " ");
		}
		if (src->file) {
			bc_buf_puts(b, "<code>");
			html(b, src->file);
			bc_buf_puts(b, "</code> ");
		}
		if (src->date) {
			bc_buf_puts(b, "(");
			html(b, src->date);
			bc_buf_puts(b, ")");
		}
		for (size_t d = 0; d < ver->digests.count; d++) {
			const bc_digest *dg = &ver->digests.digests[d];
			bc_hex_encode(dg->bytes, dg->size, hex);
			bc_buf_puts(b, "<br><code>");
			html(b, bc_hash_alg_name(dg->alg));
			bc_buf_printf(b, ":%s</code>", hex);
		}
		bc_buf_puts(b, "</li>");
	}
	bc_buf_puts(b, "</ul>");
}

static void html_json_text(bc_buf *b, const json_t *v)
{
	if (json_is_string(v))
		html(b, json_string_value(v));
	else if (json_is_integer(v))
		bc_buf_printf(b, "%lld", (long long)json_integer_value(v));
	else
		bc_buf_puts(b, "&ndash;");
}

static void html_event(bc_buf *b, const json_t *e, const bc_golden *golden)
{
	const json_t *component = json_object_get(e, "component");
	const char *name = json_string_value(component);
	const bc_golden_component *c = name && golden ? bc_golden_find(golden, name) : NULL;
	const char *keys[] = {"pcr", "event", "verdict", "component"};
	bc_buf_puts(b, "<tr>");
	for (size_t k = 0; k < 4; k++) {
		bc_buf_puts(b, "<td>");
		html_json_text(b, json_object_get(e, keys[k]));
		bc_buf_puts(b, "</td>");
	}
	bc_buf_puts(b, "<td>");
	if (c)
		html_allowed(b, c);
	else if (name && golden)
		bc_buf_puts(b, "not in the golden database");
	else if (name)
		bc_buf_puts(b, "(give --golden to see them)");
	else
		bc_buf_puts(b, "no component: unexpected");
	bc_buf_puts(b, "</td></tr>\n");
}

/* The events of a failing attestation that the golden database did not know: the JSON
 * that fleet run stored, read back (text that does not parse is shown as it is). */
static void html_differing(bc_buf *b, const bc_fleet_attestation *a, const bc_golden *golden)
{
	json_error_t jerr;
	json_t *list;
	if (!a->differing_events) {
		bc_buf_puts(b, "<p>No event differs from the golden database.</p>\n");
		return;
	}
	list = json_loads(a->differing_events, 0, &jerr);
	if (!json_is_array(list)) {
		bc_buf_puts(b, "<p>Differing events (unreadable): <code>");
		html(b, a->differing_events);
		bc_buf_puts(b, "</code></p>\n");
		json_decref(list);
		return;
	}
	bc_buf_puts(b, "<table>\n<thead><tr><th>PCR</th><th>Event</th><th>Verdict</th>"
		       "<th>Component</th><th>Versions allowed</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < json_array_size(list); i++)
		html_event(b, json_array_get(list, i), golden);
	bc_buf_puts(b, "</tbody>\n</table>\n");
	json_decref(list);
}

/* The machines whose latest attestation is not a pass, in the table's order. */
static void html_failing(bc_buf *b, const bc_fleet_view *v, const bc_fleet_host *const *order,
			 const bc_golden *golden)
{
	size_t shown = 0;
	for (size_t k = 0; k < v->count; k++) {
		const bc_fleet_host *h = order[k];
		size_t i = (size_t)(h - v->hosts);
		const bc_fleet_attestation *a = h->count ? &h->history[0] : NULL;
		char when[32];
		if (!a || !strcmp(a->verdict, "pass"))
			continue;
		if (shown++ == 0)
			bc_buf_puts(b, "<h2>Machines failing</h2>\n");
		iso_time(a->time, when, sizeof(when));
		bc_buf_printf(b, "<section id=\"m%zu\">\n<h3>", i);
		html(b, h->machine->name);
		bc_buf_printf(b, "</h3>\n<p class=\"v-%s\">%s: ", verdict_class(a->verdict), when);
		html(b, a->verdict);
		if (a->first_failing_check[0]) {
			bc_buf_puts(b, ", first failing check <b>");
			html(b, a->first_failing_check);
			bc_buf_puts(b, "</b>");
		}
		if (a->detail && a->detail[0]) {
			bc_buf_puts(b, ": ");
			html(b, a->detail);
		}
		bc_buf_puts(b, "</p>\n");
		html_differing(b, a, golden);
		bc_buf_puts(b, "</section>\n");
	}
	if (shown == 0)
		bc_buf_puts(b, "<h2>Machines failing</h2>\n<p>None.</p>\n");
}

static void html_summary(bc_buf *b, bc_fleet_store *store, const bc_fleet_view *v,
			 const bc_fleet_report_opts *o)
{
	char when[32];
	iso_time(v->now, when, sizeof(when));
	bc_buf_puts(b, "<h1>Fleet report</h1>\n<p>");
	html(b, bc_fleet_store_name(store));
	bc_buf_printf(b, " at %s: %zu machine%s.</p>\n<p class=\"summary\">", when, v->count,
		      v->count == 1 ? "" : "s");
	bc_buf_printf(b,
		      "<span class=\"v-pass\">%zu pass</span><span class=\"v-fail\">%zu "
		      "fail</span><span class=\"v-error\">%zu error</span><span "
		      "class=\"v-never\">%zu never attested</span><span>%zu not seen for %d "
		      "intervals of %lld s</span></p>\n",
		      v->pass, v->fail, v->error, v->never, v->not_seen,
		      BC_FLEET_NOT_SEEN_INTERVALS, (long long)interval_of(o));
	bc_buf_puts(b, "<p>Timeline: one cell per attestation, the newest right; "
		       "<b>R</b> a reboot, <b>!</b> a rollback, a clock gone back or a changed "
		       "AK or chip (hover a cell for its details).</p>\n");
}

bc_status bc_fleet_report_html(bc_fleet_store *store, const bc_fleet_report_opts *opts, char **out,
			       size_t *size, bc_error *err)
{
	bc_fleet_view v;
	const bc_fleet_host **order = NULL;
	bc_buf b;
	bc_status s = bc_fleet_view_load(store, opts, history_of(opts), &v, err);
	if (s != BC_OK)
		return s;
	if ((s = hosts_worst_first(&v, &order, err)) != BC_OK) {
		bc_fleet_view_free(&v);
		return s;
	}
	bc_buf_init(&b, REPORT_MAX);
	bc_buf_puts(&b, page_head);
	html_summary(&b, store, &v, opts);
	html_table(&b, &v, order);
	html_failing(&b, &v, order, opts->golden);
	bc_buf_puts(&b, page_script);
	bc_buf_puts(&b, "</body>\n</html>\n");
	free(order);
	bc_fleet_view_free(&v);
	return take(&b, out, size, err);
}

/* ---- JSON ---- */

static void json_time(bc_json *j, int64_t t)
{
	char iso[32];
	iso_time(t, iso, sizeof(iso));
	bc_json_string(j, iso);
}

static void json_optional_string(bc_json *j, const char *key, const char *s)
{
	bc_json_key(j, key);
	if (s && *s)
		bc_json_string(j, s);
	else
		bc_json_null(j);
}

/* The shape of `fleet status --json`. */
static void json_attestation(bc_json *j, const bc_fleet_attestation *a)
{
	const char *keys[] = {"reset_count", "restart_count", "clock", "firmware_version"};
	uint64_t values[] = {a->reset_count, a->restart_count, a->clock, a->firmware_version};
	bc_json_object_begin(j);
	bc_json_key(j, "time");
	json_time(j, a->time);
	bc_json_key(j, "verdict");
	bc_json_string(j, a->verdict);
	json_optional_string(j, "first_failing_check", a->first_failing_check);
	json_optional_string(j, "detail", a->detail);
	bc_json_key(j, "differing_events");
	bc_json_raw(j, a->differing_events ? a->differing_events : "[]"); /* fleet run's */
	for (size_t i = 0; i < 4; i++) {
		bc_json_key(j, keys[i]);
		if (a->has_clock_info)
			bc_json_uint(j, values[i]);
		else
			bc_json_null(j);
	}
	bc_json_key(j, "flags");
	bc_json_array_begin(j);
	for (unsigned bit = 1; bit && bit <= BC_FLEET_FLAG_LAST; bit <<= 1)
		if (a->flags & bit)
			bc_json_string(j, bc_fleet_flag_name(bit));
	bc_json_array_end(j);
	bc_json_object_end(j);
}

/* [{"name", "url", "last_seen", "not_seen", "last": ATTESTATION or null}...] */
static void json_hosts(bc_json *j, const bc_fleet_view *v)
{
	bc_json_array_begin(j);
	for (size_t i = 0; i < v->count; i++) {
		const bc_fleet_host *h = &v->hosts[i];
		bc_json_object_begin(j);
		bc_json_key(j, "name");
		bc_json_string(j, h->machine->name);
		bc_json_key(j, "url");
		bc_json_string(j, h->machine->url);
		bc_json_key(j, "last_seen");
		if (h->last_seen)
			json_time(j, h->last_seen);
		else
			bc_json_null(j);
		bc_json_key(j, "not_seen");
		bc_json_bool(j, h->not_seen);
		bc_json_key(j, "last");
		if (h->count)
			json_attestation(j, &h->history[0]);
		else
			bc_json_null(j);
		bc_json_object_end(j);
	}
	bc_json_array_end(j);
}

/* The machines by the verdict of their latest attestation, in the order of the JSON of
 * fleet status and of the metrics. */
static const char *const verdict_names[] = {"pass", "fail", "error", "never"};
#define VERDICT_KINDS (sizeof(verdict_names) / sizeof(verdict_names[0]))

static void verdict_counts(const bc_fleet_view *v, size_t counts[VERDICT_KINDS])
{
	counts[0] = v->pass;
	counts[1] = v->fail;
	counts[2] = v->error;
	counts[3] = v->never;
}

/* {"time", then the keys add writes}: the fleet, the latest attestation of each machine. */
static bc_status fleet_json(bc_fleet_store *store, const bc_fleet_report_opts *opts,
			    void (*add)(bc_json *j, const bc_fleet_view *v), char **out,
			    size_t *size, bc_error *err)
{
	bc_fleet_view v;
	bc_buf b;
	bc_json j;
	bc_status s = bc_fleet_view_load(store, opts, 1, &v, err);
	if (s != BC_OK)
		return s;
	bc_buf_init(&b, REPORT_MAX);
	bc_json_init(&j, &b);
	bc_json_object_begin(&j);
	bc_json_key(&j, "time");
	json_time(&j, v.now);
	add(&j, &v);
	bc_json_object_end(&j);
	bc_fleet_view_free(&v);
	return take(&b, out, size, err);
}

static void add_machines(bc_json *j, const bc_fleet_view *v)
{
	bc_json_key(j, "machines");
	json_hosts(j, v);
}

bc_status bc_fleet_report_machines_json(bc_fleet_store *store, const bc_fleet_report_opts *opts,
					char **out, size_t *size, bc_error *err)
{
	return fleet_json(store, opts, add_machines, out, size, err);
}

static void add_status(bc_json *j, const bc_fleet_view *v)
{
	size_t counts[VERDICT_KINDS];
	verdict_counts(v, counts);
	bc_json_key(j, "machines");
	bc_json_uint(j, v->count);
	bc_json_key(j, "verdicts");
	bc_json_object_begin(j);
	for (size_t i = 0; i < VERDICT_KINDS; i++) {
		bc_json_key(j, verdict_names[i]);
		bc_json_uint(j, counts[i]);
	}
	bc_json_object_end(j);
	bc_json_key(j, "hosts");
	json_hosts(j, v);
}

bc_status bc_fleet_status_json(bc_fleet_store *store, const bc_fleet_report_opts *opts, char **out,
			       size_t *size, bc_error *err)
{
	return fleet_json(store, opts, add_status, out, size, err);
}

bc_status bc_fleet_report_machine_json(bc_fleet_store *store, const char *name,
				       const bc_fleet_report_opts *opts, char **out, size_t *size,
				       bc_error *err)
{
	bc_fleet_machine m;
	bc_fleet_attestation *list = NULL;
	size_t count = 0;
	bc_buf b;
	bc_json j;
	bc_status s = bc_fleet_store_find(store, name, &m, err);
	if (s == BC_OK)
		s = bc_fleet_store_history(store, m.id, history_of(opts), &list, &count, err);
	if (s != BC_OK)
		return s;
	bc_buf_init(&b, REPORT_MAX);
	bc_json_init(&j, &b);
	bc_json_object_begin(&j);
	bc_json_key(&j, "host");
	bc_json_string(&j, m.name);
	bc_json_key(&j, "url");
	bc_json_string(&j, m.url);
	bc_json_key(&j, "removed");
	bc_json_bool(&j, m.removed_at != 0);
	bc_json_key(&j, "history");
	bc_json_array_begin(&j);
	for (size_t i = 0; i < count; i++)
		json_attestation(&j, &list[i]);
	bc_json_array_end(&j);
	bc_json_object_end(&j);
	bc_fleet_attestations_free(list, count);
	return take(&b, out, size, err);
}

/* ---- Prometheus ---- */

/* A label value: backslash, double quote and newline escaped, as the format asks. */
static void label_value(bc_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			bc_buf_putc(b, '\\');
		if (*s == '\n')
			bc_buf_puts(b, "\\n");
		else
			bc_buf_putc(b, *s);
	}
}

static bc_status metrics_attestations(bc_fleet_store *store, bc_buf *b, bc_error *err)
{
	bc_fleet_verdict_count *counts = NULL;
	size_t n = 0;
	bc_status s = bc_fleet_store_count_verdicts(store, &counts, &n, err);
	if (s != BC_OK)
		return s;
	bc_buf_puts(b, "# HELP bootchain_fleet_attestations_total Attestations stored, by "
		       "verdict.\n# TYPE bootchain_fleet_attestations_total counter\n");
	for (size_t i = 0; i < n; i++) {
		bc_buf_puts(b, "bootchain_fleet_attestations_total{verdict=\"");
		label_value(b, counts[i].verdict);
		bc_buf_printf(b, "\"} %llu\n", (unsigned long long)counts[i].count);
	}
	free(counts);
	return BC_OK;
}

/* The buckets of the latency histogram, in ms (Prometheus's defaults, from 5 ms to 10 s),
 * and their labels in seconds, written out rather than printed from a double */
static const uint64_t duration_bounds_ms[] = {5,   10,	 25,   50,   100,  250,
					      500, 1000, 2500, 5000, 10000};
static const char *const duration_labels[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
					      "0.5",   "1",    "2.5",	"5",	"10"};
_Static_assert(ELEMENTSOF(duration_labels) == ELEMENTSOF(duration_bounds_ms),
	       "a label for every bucket");

static bc_status metrics_durations(bc_fleet_store *store, bc_buf *b, bc_error *err)
{
	uint64_t cumulative[ELEMENTSOF(duration_bounds_ms)], count = 0, sum_ms = 0;
	bc_status s = bc_fleet_store_duration_histogram(store, duration_bounds_ms,
							ELEMENTSOF(duration_bounds_ms), cumulative,
							&count, &sum_ms, err);
	if (s != BC_OK)
		return s;
	bc_buf_puts(b, "# HELP bootchain_fleet_attestation_duration_seconds How long the stored "
		       "attestations took, from the first attempt to the verdict.\n"
		       "# TYPE bootchain_fleet_attestation_duration_seconds histogram\n");
	for (size_t i = 0; i < ELEMENTSOF(duration_bounds_ms); i++)
		bc_buf_printf(b,
			      "bootchain_fleet_attestation_duration_seconds_bucket{le=\"%s\"} "
			      "%llu\n",
			      duration_labels[i], (unsigned long long)cumulative[i]);
	bc_buf_printf(b,
		      "bootchain_fleet_attestation_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
		      "bootchain_fleet_attestation_duration_seconds_sum %llu.%03llu\n"
		      "bootchain_fleet_attestation_duration_seconds_count %llu\n",
		      (unsigned long long)count, (unsigned long long)(sum_ms / 1000),
		      (unsigned long long)(sum_ms % 1000), (unsigned long long)count);
	return BC_OK;
}

bc_status bc_fleet_report_metrics(bc_fleet_store *store, const bc_fleet_report_opts *opts,
				  char **out, size_t *size, bc_error *err)
{
	bc_fleet_view v;
	bc_buf b;
	size_t counts[VERDICT_KINDS];
	bc_status s = bc_fleet_view_load(store, opts, 1, &v, err);
	bc_buf_init(&b, REPORT_MAX);
	if (s == BC_OK)
		s = metrics_attestations(store, &b, err);
	if (s == BC_OK)
		s = metrics_durations(store, &b, err);
	if (s != BC_OK) {
		bc_fleet_view_free(&v);
		bc_buf_free(&b);
		return s;
	}
	verdict_counts(&v, counts);
	bc_buf_puts(&b, "# HELP bootchain_fleet_machines Machines of the fleet by the verdict of "
			"their latest attestation.\n# TYPE bootchain_fleet_machines gauge\n");
	for (size_t i = 0; i < VERDICT_KINDS; i++)
		bc_buf_printf(&b, "bootchain_fleet_machines{verdict=\"%s\"} %zu\n",
			      verdict_names[i], counts[i]);
	bc_buf_printf(&b,
		      "# HELP bootchain_fleet_machines_not_seen Machines without a quote for %d "
		      "intervals.\n# TYPE bootchain_fleet_machines_not_seen gauge\n"
		      "bootchain_fleet_machines_not_seen %zu\n",
		      BC_FLEET_NOT_SEEN_INTERVALS, v.not_seen);
	bc_fleet_view_free(&v);
	return take(&b, out, size, err);
}
