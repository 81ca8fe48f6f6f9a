/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Chain files (bootchain-chain(5)): the layers of a boot, one a line, in boot order.
 *
 *   # name      pcr  file                          [kind]  [type=EVENT_TYPE]
 *   bootloader  4    /boot/efi/EFI/BOOT/BOOTX64.EFI pe
 *
 * Fields are separated by blanks; a field with blanks is written in double quotes
 * ("\"" and "\\" inside). Relative file names are relative to the chain file.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/eventlog.h>
#include <bootchain/measure.h>

#include "util/cleanup.h"
#include "util/file.h"

#define MAX_CHAIN_SIZE (1 << 20)
#define MAX_LAYERS     1024
#define MAX_FIELDS     5 /* NAME PCR FILE KIND type= */
#define MAX_FIELD      4096

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_chain *, bc_chain_free)

typedef struct line_ctx {
	const char *name;
	unsigned line;
	bc_error *err;
} line_ctx;

static bc_status bad(const line_ctx *l, const char *fmt, ...) BC_PRINTF(2, 3);
static bc_status bad(const line_ctx *l, const char *fmt, ...)
{
	char what[BC_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return bc_fail(l->err, BC_E_FORMAT, "%s:%u: %s", l->name, l->line, what);
}

/* One field at *p into out (NUL-terminated); *p moves past it. */
static bc_status next_field(const line_ctx *l, const char **p, const char *end, char *out)
{
	size_t n = 0;
	const char *s = *p;
	bool quoted = s < end && *s == '"';
	if (quoted)
		s++;
	while (s < end && (quoted ? *s != '"' : (*s != ' ' && *s != '\t'))) {
		char c = *s++;
		if (quoted && c == '\\' && s < end && (*s == '"' || *s == '\\'))
			c = *s++;
		if (c == '\0' || (unsigned char)c < 0x20)
			return bad(l, "a control character in a field");
		if (n + 1 >= MAX_FIELD)
			return bad(l, "a field longer than %d bytes", MAX_FIELD - 1);
		out[n++] = c;
	}
	if (quoted && s >= end)
		return bad(l, "a quoted field without its closing quote");
	if (quoted && ++s < end && *s != ' ' && *s != '\t')
		return bad(l, "a blank must follow a closing quote");
	out[n] = 0;
	*p = s;
	return BC_OK;
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') ||
		      ('0' <= *s && *s <= '9') || strchr("._-+:@", *s)))
			return false;
	return true;
}

static bc_status parse_pcr(const line_ctx *l, const char *s, uint32_t *pcr)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || v >= BC_PCR_COUNT)
		return bad(l, "PCR \"%s\" is not a number from 0 to %d", s, BC_PCR_COUNT - 1);
	*pcr = (uint32_t)v;
	return BC_OK;
}

static bc_status resolve_path(const line_ctx *l, const char *file, const char *base_dir, char **out)
{
	bool root = base_dir && strcmp(base_dir, "/") == 0;
	int n = file[0] == '/' || !base_dir ? asprintf(out, "%s", file)
					    : asprintf(out, "%s/%s", root ? "" : base_dir, file);
	return n < 0 ? bc_fail(l->err, BC_E_NOMEM, "out of memory") : BC_OK;
}

/* The optional fields after the file: a kind, and type=EVENT_TYPE. */
static bc_status parse_type(const line_ctx *l, const char *name, bc_layer *layer)
{
	bc_error why = {0};
	if (layer->event_type)
		return bad(l, "a second type=");
	if (!bc_event_type_from_name(name, &layer->event_type) || !layer->event_type)
		return bad(l, "unknown event type \"%s\"", name);
	if (bc_measure_check_type(layer->event_type, layer->pcr, &why) != BC_OK)
		return bad(l, "%s", bc_error_message(&why));
	return BC_OK;
}

/* The optional fields after the file: a kind, and type=EVENT_TYPE, each at most once. */
static bc_status parse_option(const line_ctx *l, const char *f, bc_layer *layer, bool *has_kind)
{
	if (strncmp(f, "type=", 5) == 0)
		return parse_type(l, f + 5, layer);
	if (*has_kind)
		return bad(l, "a second kind \"%s\"", f);
	if (!bc_image_kind_from_name(f, &layer->kind))
		return bad(l, "\"%s\" is neither a kind (raw, pe, auto) nor type=EVENT_TYPE", f);
	*has_kind = true;
	return BC_OK;
}

static bc_status parse_line(const line_ctx *l, const char *p, const char *end, const char *base_dir,
			    bc_chain_layer *out)
{
	char fields[MAX_FIELDS][MAX_FIELD];
	size_t n = 0;
	bc_status s;
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end || *p == '#')
			break;
		if (n == MAX_FIELDS)
			return bad(l, "more than %d fields", MAX_FIELDS);
		if ((s = next_field(l, &p, end, fields[n++])) != BC_OK)
			return s;
	}
	if (n == 0)
		return BC_E_NOTFOUND; /* blank or comment */
	if (n < 3)
		return bad(l, "expected NAME PCR FILE [KIND] [type=EVENT_TYPE]");
	if (!valid_name(fields[0]))
		return bad(l, "layer name \"%s\": use letters, digits and ._-+:@", fields[0]);
	*out = (bc_chain_layer){.line = l->line};
	if ((s = parse_pcr(l, fields[1], &out->layer.pcr)) != BC_OK)
		return s;
	if (!fields[2][0])
		return bad(l, "an empty file name");
	bool has_kind = false;
	for (size_t i = 3; i < n; i++)
		if ((s = parse_option(l, fields[i], &out->layer, &has_kind)) != BC_OK)
			return s;
	out->layer.name = strdup(fields[0]);
	out->layer.file = strdup(fields[2]);
	if (!out->layer.name || !out->layer.file)
		return bc_fail(l->err, BC_E_NOMEM, "out of memory");
	return resolve_path(l, fields[2], base_dir, &out->path);
}

static bc_status add_line(bc_chain *c, const line_ctx *l, const char *p, const char *end,
			  const char *base_dir)
{
	bc_chain_layer layer = {.line = 0};
	bc_status s = parse_line(l, p, end, base_dir, &layer);
	if (s == BC_E_NOTFOUND)
		return BC_OK;
	if (s == BC_OK && c->count == MAX_LAYERS)
		s = bad(l, "more than %d layers", MAX_LAYERS);
	if (s != BC_OK) {
		free((char *)layer.layer.name);
		free((char *)layer.layer.file);
		free(layer.path);
		return s;
	}
	c->layers[c->count++] = layer;
	return BC_OK;
}

bc_status bc_chain_parse(const char *text, size_t size, const char *name, const char *base_dir,
			 bc_chain **out, bc_error *err)
{
	_cleanup_(bc_chain_freep) bc_chain *c = calloc(1, sizeof(*c));
	line_ctx l = {.name = name ? name : "(chain)", .err = err};
	if (!c || !(c->name = strdup(l.name)) ||
	    !(c->layers = calloc(MAX_LAYERS, sizeof(*c->layers))))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	const char *p = text, *end = text + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		l.line++;
		if (memchr(p, '\0', (size_t)(eol - p)))
			return bad(&l, "a NUL byte: not a text file");
		bc_status s =
		    add_line(c, &l, p, eol > p && eol[-1] == '\r' ? eol - 1 : eol, base_dir);
		if (s != BC_OK)
			return s;
		p = nl ? nl + 1 : end;
	}
	if (c->count == 0)
		return bc_fail(err, BC_E_FORMAT, "%s: no layers", l.name);
	*out = TAKE_PTR(c);
	return BC_OK;
}

bc_status bc_chain_load(const char *path, bc_chain **out, bc_error *err)
{
	_cleanup_free_ uint8_t *text = NULL;
	_cleanup_free_ char *dir = strdup(path);
	size_t size = 0;
	if (!dir)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	bc_status s = bc_read_file(path, MAX_CHAIN_SIZE, &text, &size, err);
	if (s != BC_OK)
		return s;
	return bc_chain_parse((const char *)text, size, path, slash ? (dir[0] ? dir : "/") : NULL,
			      out, err);
}

void bc_chain_free(bc_chain *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->count; i++) {
		free((char *)c->layers[i].layer.name);
		free((char *)c->layers[i].layer.file);
		free(c->layers[i].path);
	}
	free(c->layers);
	free(c->name);
	free(c);
}

/* ---- the boot order a golden database records ---- */

static bc_status step_layer(const bc_golden_boot_step *step, const char *root, bc_chain_layer *out,
			    bc_error *err)
{
	line_ctx l = {.name = "boot_order", .err = err};
	*out = (bc_chain_layer){.layer = {.pcr = step->pcr, .event_type = step->event_type}};
	if (!bc_image_kind_from_name(step->kind, &out->layer.kind))
		return bc_fail(err, BC_E_FORMAT, "boot_order: layer %s: kind \"%s\"", step->name,
			       step->kind);
	out->layer.name = strdup(step->name);
	out->layer.file = strdup(step->file);
	if (!out->layer.name || !out->layer.file)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	return resolve_path(&l, step->file, root, &out->path);
}

bc_status bc_chain_from_golden(const bc_golden *db, const char *root, bc_chain **out, bc_error *err)
{
	size_t count;
	const bc_golden_boot_step *order = bc_golden_boot_order(db, &count);
	if (!order)
		return bc_fail(err, BC_E_NOTFOUND,
			       "the golden database has no boot_order: give --chain CHAIN, or "
			       "make it with `golden create --chain`");
	_cleanup_(bc_chain_freep) bc_chain *c = calloc(1, sizeof(*c));
	if (!c || !(c->name = strdup("boot_order")) ||
	    !(c->layers = calloc(count, sizeof(*c->layers))))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < count; i++) {
		bc_status s = step_layer(&order[i], root, &c->layers[i], err);
		c->count++; /* freed with the chain, also when half made */
		if (s != BC_OK)
			return s;
		c->layers[i].line = (unsigned)i + 1;
	}
	*out = TAKE_PTR(c);
	return BC_OK;
}

/* How a chain line differs from a boot order step, or NULL. */
static const char *step_difference(const bc_layer *l, const bc_golden_boot_step *step)
{
	if (strcmp(l->name, step->name) != 0)
		return "name";
	if (l->pcr != step->pcr)
		return "PCR";
	if (strcmp(l->file, step->file) != 0)
		return "file";
	if (strcmp(bc_image_kind_name(l->kind), step->kind) != 0)
		return "kind";
	if (l->event_type != step->event_type)
		return "event type";
	return NULL;
}

bc_status bc_chain_check_order(const bc_chain *chain, const bc_golden *db, size_t *at,
			       bc_error *err)
{
	size_t count, i;
	const bc_golden_boot_step *order = bc_golden_boot_order(db, &count);
	for (i = 0; i < chain->count && i < count; i++) {
		const bc_chain_layer *l = &chain->layers[i];
		const char *what = step_difference(&l->layer, &order[i]);
		if (!what)
			continue;
		if (at)
			*at = i;
		return bc_fail(err, BC_E_MISMATCH,
			       "layer %s: %s:%u differs from the signed boot order in its %s: "
			       "boot_order[%zu] is %s, PCR %u, file %s",
			       l->layer.name, chain->name, l->line, what, i, order[i].name,
			       order[i].pcr, order[i].file);
	}
	if (at)
		*at = i;
	if (i < count)
		return bc_fail(err, BC_E_MISMATCH,
			       "layer %s: %s ends after %zu layers, the signed boot order goes on "
			       "with %s (boot_order[%zu])",
			       order[i].name, chain->name, i, order[i].name, i);
	if (i < chain->count)
		return bc_fail(err, BC_E_MISMATCH,
			       "layer %s: %s:%u is not in the signed boot order, which ends "
			       "after %zu layers",
			       chain->layers[i].layer.name, chain->name, chain->layers[i].line,
			       count);
	return BC_OK;
}
