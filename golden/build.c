/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building golden databases: from image files, from the logs of known-good machines,
 * from chain files, and by merging databases. The database is built as a JSON tree and
 * checked by the loader before it is written, so that nothing written can fail to load;
 * it is written atomically.
 *
 * A log becomes components grouped by PCR and kind, in log order, named so that the
 * logs of two machines of the same model line up: "pcr4-image-1" (the first executable
 * loaded into PCR 4), "pcr7-var-SecureBoot", "pcr7-authority-db", "pcr0-separator",
 * "pcr4-action-2", "pcr8-ipl-14". EFI variables and separators are thus kept apart from
 * executable images, and a second log adds its digests as new versions.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <bootchain/eventlog.h>
#include <bootchain/golden.h>
#include <bootchain/measure.h>

#include "golden/golden-build.h"
#include "golden/golden-internal.h"
#include "eventlog/event-data.h"
#include "eventlog/eventlog-internal.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/reader.h"

struct bc_golden_builder {
	json_t *root;
	json_t *components; /* the array in root */
	json_t *by_name;    /* name -> index in components */
	json_t *explained;  /* set of PCRs, as an object "N" -> true */
	char created[32];
};

void bc_golden_builder_free(bc_golden_builder *b)
{
	if (!b)
		return;
	json_decref(b->root);
	json_decref(b->by_name);
	json_decref(b->explained);
	free(b);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(bc_golden_builder *, bc_golden_builder_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(bc_golden *, bc_golden_free)

static bc_status nomem(bc_error *err)
{
	return bc_fail(err, BC_E_NOMEM, "out of memory");
}

static void now_iso8601(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bc_status bc_golden_builder_new(bc_golden_builder **out, bc_error *err)
{
	_cleanup_(bc_golden_builder_freep) bc_golden_builder *b = calloc(1, sizeof(*b));
	if (!b)
		return nomem(err);
	now_iso8601(b->created);
	b->root = json_pack("{s:s, s:s, s:[]}", "format", BC_GOLDEN_FORMAT, "created", b->created,
			    "components");
	b->by_name = json_object();
	b->explained = json_object();
	if (!b->root || !b->by_name || !b->explained)
		return nomem(err);
	b->components = json_object_get(b->root, "components");
	*out = TAKE_PTR(b);
	return BC_OK;
}

/* ---- components and versions ---- */

static json_t *digests_json(const bc_digest_set *d)
{
	json_t *o = json_object();
	char hex[2 * BC_MAX_DIGEST_SIZE + 1];
	for (size_t i = 0; o && i < d->count; i++) {
		const char *name = bc_hash_alg_name(d->digests[i].alg);
		if (name &&
		    json_object_set_new(o, name, json_string(bc_digest_hex(&d->digests[i], hex))))
			return json_decref(o), NULL;
	}
	return o;
}

/* Whether a version object has exactly these digests. */
static bool same_digests(json_t *version, const bc_digest_set *d)
{
	json_t *have = json_object_get(version, "digests");
	json_t *want = digests_json(d);
	bool same = have && want && json_equal(have, want);
	json_decref(want);
	return same;
}

static json_t *find_component(bc_golden_builder *b, const char *name)
{
	json_t *index = json_object_get(b->by_name, name);
	return index ? json_array_get(b->components, (size_t)json_integer_value(index)) : NULL;
}

static bc_status new_component(bc_golden_builder *b, const bc_golden_component *c, json_t **out,
			       bc_error *err)
{
	json_t *o = json_pack("{s:s, s:i}", "name", c->name, "pcr", (json_int_t)c->pcr);
	if (!o)
		return nomem(err);
	char number[16];
	const char *type = c->has_event_type ? bc_event_type_name(c->event_type) : NULL;
	if (c->has_event_type && !type) { /* a type without a name: its number */
		snprintf(number, sizeof(number), "0x%08x", c->event_type);
		type = number;
	}
	if ((type && json_object_set_new(o, "event_type", json_string(type))) ||
	    (!c->required && json_object_set_new(o, "required", json_false())) ||
	    json_object_set_new(o, "versions", json_array()) ||
	    json_object_set_new(b->by_name, c->name,
				json_integer((json_int_t)json_array_size(b->components))) ||
	    json_array_append_new(b->components, o))
		return nomem(err);
	*out = o;
	return BC_OK;
}

/*
 * Allow digests for the component described by c (name, PCR, type): created when new;
 * a version with the same digests is not added twice. source is taken over.
 */
static bc_status add_version(bc_golden_builder *b, const bc_golden_component *c,
			     const bc_digest_set *digests, json_t *source, bc_error *err)
{
	json_t *comp = find_component(b, c->name);
	bc_status s = BC_OK;
	if (!comp)
		s = new_component(b, c, &comp, err);
	else if ((uint32_t)json_integer_value(json_object_get(comp, "pcr")) != c->pcr)
		s = bc_fail(err, BC_E_INVALID,
			    "component %s is in PCR %" JSON_INTEGER_FORMAT ", not in PCR %u",
			    c->name, json_integer_value(json_object_get(comp, "pcr")), c->pcr);
	if (s != BC_OK) {
		json_decref(source);
		return s;
	}
	json_t *versions = json_object_get(comp, "versions");
	size_t i;
	json_t *v;
	json_array_foreach(versions, i, v)
	{
		if (same_digests(v, digests)) {
			json_decref(source);
			return BC_OK;
		}
	}
	v = json_pack("{s:o}", "digests", digests_json(digests));
	if (!v || (source && json_object_set_new(v, "source", source)) ||
	    json_array_append_new(versions, v))
		return nomem(err);
	return BC_OK;
}

static json_t *source_json(const char *file, const char *log, const char *created)
{
	json_t *s = json_object();
	if (s && file)
		json_object_set_new(s, "file", json_string(file));
	if (s && log)
		json_object_set_new(s, "log", json_string(log));
	if (s && created)
		json_object_set_new(s, "date", json_string(created));
	return s;
}

/* ---- images and chains ---- */

bc_status bc_golden_builder_add_image(bc_golden_builder *b, const char *name, uint32_t pcr,
				      const char *path, bc_image_kind kind, const uint16_t *algs,
				      size_t count, bc_error *err)
{
	bc_digest_set digests;
	bc_image_kind used;
	bc_status s = bc_image_digest_file(path, kind, algs, count, &digests, &used, err);
	if (s != BC_OK)
		return s;
	/* firmware logs a PE image it loads as an EFI application */
	bc_golden_component c = {.name = name,
				 .pcr = pcr,
				 .required = true,
				 .has_event_type = used == BC_IMAGE_PE,
				 .event_type = BC_EV_EFI_BOOT_SERVICES_APPLICATION};
	if (pcr >= BC_PCR_COUNT)
		return bc_fail(err, BC_E_INVALID, "%s: PCR %u is out of range", name, pcr);
	return add_version(b, &c, &digests, source_json(path, NULL, b->created), err);
}

bc_status bc_golden_builder_add_chain(bc_golden_builder *b, const bc_chain *chain,
				      const uint16_t *algs, size_t count, bc_error *err)
{
	for (size_t i = 0; i < chain->count; i++) {
		const bc_chain_layer *l = &chain->layers[i];
		bc_digest_set digests;
		bc_status s =
		    bc_image_digest_file(l->path, l->layer.kind, algs, count, &digests, NULL, err);
		if (s != BC_OK)
			return s;
		/* the layer's event: what `bootchain measure` logs for it */
		bc_golden_component c = {.name = l->layer.name,
					 .pcr = l->layer.pcr,
					 .required = true,
					 .has_event_type = true,
					 .event_type = l->layer.event_type ? l->layer.event_type
									   : BC_EV_EVENT_TAG};
		s = add_version(b, &c, &digests, source_json(l->path, NULL, b->created), err);
		if (s != BC_OK)
			return s;
	}
	return BC_OK;
}

/* ---- logs ---- */

/* The ASCII of a UEFI variable's UTF-16 name ("?" for the rest), or false. */
static bool variable_name(const bc_event *ev, char *out, size_t size)
{
	bc_reader r = bc_reader_init(ev->data, ev->data_size);
	uint64_t name_len, data_len;
	const uint8_t *name;
	if (!bc_rd_skip(&r, 16) || !bc_rd_u64le(&r, &name_len) || !bc_rd_u64le(&r, &data_len) ||
	    name_len == 0 || name_len >= size || name_len > bc_rd_left(&r) / 2 ||
	    !bc_rd_bytes(&r, (size_t)name_len * 2, &name))
		return false;
	for (size_t i = 0; i < name_len; i++) {
		uint16_t c = (uint16_t)(name[2 * i] | name[2 * i + 1] << 8);
		out[i] = (c > 0x20 && c < 0x7f && c != '/') ? (char)c : '?';
	}
	out[name_len] = 0;
	return true;
}

/* The kind part of a component name: "image", "var-SecureBoot", "separator", ... and
 * whether every occurrence is numbered (images, actions: their order is their name). */
static void event_kind(const bc_event *ev, char *out, size_t size, bool *numbered)
{
	char var[64];
	const char *type = bc_event_type_name(ev->type);
	*numbered = false;
	switch (ev->type) {
	case BC_EV_EFI_VARIABLE_DRIVER_CONFIG:
	case BC_EV_EFI_VARIABLE_BOOT:
	case BC_EV_EFI_VARIABLE_BOOT2:
	case BC_EV_EFI_VARIABLE_AUTHORITY: {
		const char *prefix = ev->type == BC_EV_EFI_VARIABLE_AUTHORITY	    ? "authority"
				     : ev->type == BC_EV_EFI_VARIABLE_DRIVER_CONFIG ? "var"
										    : "boot";
		if (variable_name(ev, var, sizeof(var))) {
			snprintf(out, size, "%s-%s", prefix, var);
			return;
		}
		snprintf(out, size, "%s", prefix);
		*numbered = true;
		return;
	}
	case BC_EV_SEPARATOR: snprintf(out, size, "separator"); return;
	case BC_EV_EFI_BOOT_SERVICES_APPLICATION:
	case BC_EV_EFI_BOOT_SERVICES_DRIVER:
	case BC_EV_EFI_RUNTIME_SERVICES_DRIVER: snprintf(out, size, "image"); break;
	case BC_EV_EFI_ACTION: snprintf(out, size, "action"); break;
	default:
		if (type) {
			size_t n = 0;
			for (const char *p = type + 3; *p && n + 1 < size; p++) /* without "EV_" */
				out[n++] = *p == '_' ? '-' : (char)(*p | 0x20);
			out[n] = 0;
		} else {
			snprintf(out, size, "type-0x%08x", ev->type);
		}
	}
	*numbered = true;
}

/* "pcr4-image-2": the kind numbered by its occurrences in the PCR (counts holds them). */
static bc_status component_name(const bc_event *ev, json_t *counts, char *out, size_t size,
				bc_error *err)
{
	char kind[96], key[128];
	bool numbered;
	event_kind(ev, kind, sizeof(kind), &numbered);
	snprintf(key, sizeof(key), "pcr%u-%s", ev->pcr, kind);
	json_int_t n = json_integer_value(json_object_get(counts, key)) + 1;
	if (json_object_set_new(counts, key, json_integer(n)))
		return nomem(err);
	if (numbered || n > 1)
		snprintf(out, size, "%s-%" JSON_INTEGER_FORMAT, key, n);
	else
		snprintf(out, size, "%s", key);
	return BC_OK;
}

static json_t *log_source(const char *log_name, const bc_event *ev, const char *created)
{
	json_t *s = source_json(NULL, log_name, created);
	bc_buf text = {0};
	bc_buf_init(&text, 4096);
	bc_event_data_summary(ev, &text, 200);
	if (s) {
		json_object_set_new(s, "event", json_integer(ev->number));
		if (text.len && !text.failed)
			json_object_set_new(s, "description", json_string(bc_buf_str(&text)));
	}
	bc_buf_free(&text);
	return s;
}

/* StartupLocality (PFP 10.4.5.3): PCR 0 starts at 3 or 4 on such platforms; as in
 * replay, only before anything extended PCR 0. */
static void note_locality(bc_golden_builder *b, const bc_event *ev, bool pcr0_extended)
{
	uint8_t locality;
	if (!pcr0_extended && bc_event_startup_locality(ev, &locality) &&
	    (locality == 3 || locality == 4))
		json_object_set_new(b->root, "startup_locality", json_integer(locality));
}

static bc_status add_log_event(bc_golden_builder *b, const bc_log *log, const bc_event *ev,
			       json_t *counts, bc_error *err)
{
	char name[160], pcr[8];
	bc_digest_set digests;
	bc_status s = component_name(ev, counts, name, sizeof(name), err);
	if (s != BC_OK)
		return s;
	bc_event_digest_set(ev, &digests);
	if (digests.count == 0)
		return BC_OK; /* only banks this library cannot name */
	bc_golden_component c = {.name = name,
				 .pcr = ev->pcr,
				 .required = true,
				 .has_event_type = true,
				 .event_type = ev->type};
	snprintf(pcr, sizeof(pcr), "%u", ev->pcr);
	if (json_object_set_new(b->explained, pcr, json_true()))
		return nomem(err);
	return add_version(b, &c, &digests, log_source(bc_log_name(log), ev, b->created), err);
}

bc_status bc_golden_builder_add_log(bc_golden_builder *b, const bc_log *log, bc_error *err)
{
	bc_log_iter it;
	json_t *counts = json_object();
	bc_status s = counts ? BC_OK : nomem(err);
	bool pcr0_extended = false;
	bc_log_iter_init(log, &it);
	while (s == BC_OK) {
		bc_event ev;
		bool done;
		if ((s = bc_log_next(&it, &ev, &done, err)) != BC_OK || done)
			break;
		note_locality(b, &ev, pcr0_extended);
		pcr0_extended |= bc_event_extends(&ev) && ev.pcr == 0;
		if (bc_event_extends(&ev) && ev.pcr < BC_PCR_COUNT)
			s = add_log_event(b, log, &ev, counts, err);
	}
	json_decref(counts);
	return s;
}

/* ---- databases ---- */

static bc_status add_component_json(bc_golden_builder *b, const bc_golden_component *c,
				    bc_error *err)
{
	for (size_t v = 0; v < c->version_count; v++) {
		const bc_golden_source *src = &c->versions[v].source;
		json_t *s = json_object();
		if (!s)
			return nomem(err);
		const char *keys[] = {"file", "log", "date", "version", "description"};
		const char *values[] = {src->file, src->log, src->date, src->version,
					src->description};
		for (size_t k = 0; k < 5; k++)
			if (values[k])
				json_object_set_new(s, keys[k], json_string(values[k]));
		if (src->has_event)
			json_object_set_new(s, "event", json_integer(src->event));
		if (json_object_size(s) == 0) {
			json_decref(s);
			s = NULL;
		}
		bc_status st = add_version(b, c, &c->versions[v].digests, s, err);
		if (st != BC_OK)
			return st;
	}
	return BC_OK;
}

bc_status bc_golden_builder_add_db(bc_golden_builder *b, const bc_golden *db, bc_error *err)
{
	char pcr[8];
	for (size_t i = 0; i < db->count; i++) {
		bc_status s = add_component_json(b, &db->components[i], err);
		if (s != BC_OK)
			return s;
	}
	for (uint32_t p = 0; p < BC_PCR_COUNT; p++) {
		snprintf(pcr, sizeof(pcr), "%u", p);
		if ((db->explained_mask & (1u << p)) &&
		    json_object_set_new(b->explained, pcr, json_true()))
			return nomem(err);
	}
	if (db->startup_locality)
		json_object_set_new(b->root, "startup_locality",
				    json_integer(db->startup_locality));
	if (db->description && !json_object_get(b->root, "description"))
		json_object_set_new(b->root, "description", json_string(db->description));
	json_t *keep = json_object_get(db->root, "keep");
	if (keep && !json_object_get(b->root, "keep"))
		json_object_set(b->root, "keep", keep); /* the allowed TEE measurements */
	json_t *pcrs = json_object_get(db->root, "pcrs");
	if (pcrs && !json_object_get(b->root, "pcrs"))
		json_object_set(b->root, "pcrs", pcrs); /* the allowed final values, as they were */
	return BC_OK;
}

static bc_status finish_explained(bc_golden_builder *b, bc_error *err)
{
	json_t *arr = json_array();
	if (!arr)
		return nomem(err);
	for (uint32_t p = 0; p < BC_PCR_COUNT; p++) {
		char key[8];
		snprintf(key, sizeof(key), "%u", p);
		if (json_object_get(b->explained, key))
			json_array_append_new(arr, json_integer(p));
	}
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		return BC_OK;
	}
	return json_object_set_new(b->root, "explained_pcrs", arr) ? nomem(err) : BC_OK;
}

bc_status bc_golden_builder_write(bc_golden_builder *b, const char *path, bc_error *err)
{
	bc_status s = finish_explained(b, err);
	if (s != BC_OK)
		return s;
	_cleanup_free_ char *text = json_dumps(b->root, JSON_INDENT(2));
	if (!text)
		return nomem(err);
	size_t len = strlen(text);
	text[len] = '\n'; /* json_dumps leaves room for the NUL: replace it, keep length */
	_cleanup_(bc_golden_freep) bc_golden *check = NULL;
	s = bc_golden_from_memory(text, len + 1, path, &check, err);
	if (s != BC_OK)
		return bc_fail(err, s, "internal error: the database built does not load: %s",
			       bc_error_message(err));
	return bc_write_file_atomic(path, text, len + 1, 0644, err);
}
