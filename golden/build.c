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
 * executable images, and a second log adds its digests as new versions. A layer that
 * `bootchain measure` logged is named as the layer ("layer=kernel ..." in its event
 * data), the name `bootchain measure --trusted` looks it up by.
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
	json_t *origin;	    /* component name -> the database it first came from */
	json_t *key_origin; /* top-level key -> the database it first came from */
	size_t db_count;    /* databases merged so far */
	json_t *checkpoint; /* [root, explained] at bc_golden_builder_checkpoint() */
	char created[32];
};

void bc_golden_builder_free(bc_golden_builder *b)
{
	if (!b)
		return;
	json_decref(b->root);
	json_decref(b->by_name);
	json_decref(b->explained);
	json_decref(b->origin);
	json_decref(b->key_origin);
	json_decref(b->checkpoint);
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
	b->origin = json_object();
	b->key_origin = json_object();
	if (!b->root || !b->by_name || !b->explained || !b->origin || !b->key_origin)
		return nomem(err);
	b->components = json_object_get(b->root, "components");
	*out = TAKE_PTR(b);
	return BC_OK;
}

/* ---- components and versions ---- */

json_t *bc_golden_digests_json(const bc_digest_set *d)
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
	json_t *want = bc_golden_digests_json(d);
	bool same = have && want && json_equal(have, want);
	json_decref(want);
	return same;
}

static json_t *find_component(bc_golden_builder *b, const char *name)
{
	json_t *index = json_object_get(b->by_name, name);
	return index ? json_array_get(b->components, (size_t)json_integer_value(index)) : NULL;
}

/* The event type of c as a database writes it (a type without a name: its number), or
 * NULL for any type. */
static const char *event_type_text(const bc_golden_component *c, char number[16])
{
	const char *type = c->has_event_type ? bc_event_type_name(c->event_type) : NULL;
	if (c->has_event_type && !type) {
		snprintf(number, 16, "0x%08x", c->event_type);
		type = number;
	}
	return type;
}

static bc_status new_component(bc_golden_builder *b, const bc_golden_component *c, json_t **out,
			       bc_error *err)
{
	json_t *o = json_pack("{s:s, s:i}", "name", c->name, "pcr", (json_int_t)c->pcr);
	if (!o)
		return nomem(err);
	char number[16];
	const char *type = event_type_text(c, number);
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
	v = json_pack("{s:o}", "digests", bc_golden_digests_json(digests));
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

/* The chain's lines as "boot_order" (bootchain-golden(5)): what a trusted boot runs
 * when it is given the database alone. The file stays as written in the chain. */
static json_t *boot_order_json(const bc_chain *chain)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < chain->count; i++) {
		const bc_layer *l = &chain->layers[i].layer;
		json_t *o =
		    json_pack("{s:s, s:i, s:s, s:s}", "name", l->name, "pcr", (json_int_t)l->pcr,
			      "file", l->file, "kind", bc_image_kind_name(l->kind));
		char number[16];
		const char *type = l->event_type ? bc_event_type_name(l->event_type) : NULL;
		if (l->event_type && !type) { /* a type without a name: its number */
			snprintf(number, sizeof(number), "0x%08x", l->event_type);
			type = number;
		}
		if (!o || (type && json_object_set_new(o, "event_type", json_string(type))) ||
		    json_array_append_new(arr, o))
			return json_decref(o), json_decref(arr), NULL;
	}
	return arr;
}

/* A database has one boot order: a second chain must repeat it. */
static bc_status record_boot_order(bc_golden_builder *b, const bc_chain *chain, bc_error *err)
{
	json_t *order = boot_order_json(chain);
	json_t *have = json_object_get(b->root, "boot_order");
	if (!order)
		return nomem(err);
	if (have && !json_equal(have, order)) {
		json_decref(order);
		return bc_fail(err, BC_E_INVALID,
			       "%s: the database already records another boot order (boot_order): "
			       "a database holds one chain's order",
			       chain->name);
	}
	return json_object_set_new(b->root, "boot_order", order) ? nomem(err) : BC_OK;
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
	return record_boot_order(b, chain, err);
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

/* A layer name as a chain file allows it (bootchain-chain(5)): letters, digits, ._-+:@. */
static bool layer_name_char(char c)
{
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') ||
	       (c && strchr("._-+:@", c));
}

/* NAME of "layer=NAME kind=KIND[ file=FILE]", the text `bootchain measure` logs. */
static bool parse_layer_text(const uint8_t *text, size_t len, char *out, size_t size)
{
	static const char prefix[] = "layer=", next[] = " kind=";
	size_t n = 0;
	if (len < sizeof(prefix) - 1 || memcmp(text, prefix, sizeof(prefix) - 1) != 0)
		return false;
	text += sizeof(prefix) - 1;
	len -= sizeof(prefix) - 1;
	while (n < len && layer_name_char((char)text[n]))
		n++;
	if (n == 0 || n >= size || len - n < sizeof(next) - 1 ||
	    memcmp(text + n, next, sizeof(next) - 1) != 0)
		return false;
	memcpy(out, text, n);
	out[n] = 0;
	return true;
}

/* The layer name of an event `bootchain measure` logged (measure/measure.c): an
 * EV_EVENT_TAG with bootchain's tag id and the layer text, or for the other types that
 * carry text, the text and its NUL. Image load events name only a file: false. */
static bool bootchain_layer_name(const bc_event *ev, char *out, size_t size)
{
	bc_reader r = bc_reader_init(ev->data, ev->data_size);
	const uint8_t *text;
	uint32_t id, len;
	if (ev->type == BC_EV_EVENT_TAG)
		return bc_rd_u32le(&r, &id) && id == BC_LAYER_TAG_ID && bc_rd_u32le(&r, &len) &&
		       len == bc_rd_left(&r) && bc_rd_bytes(&r, len, &text) &&
		       parse_layer_text(text, len, out, size);
	return ev->data_size > 0 && ev->data[ev->data_size - 1] == 0 &&
	       parse_layer_text(ev->data, ev->data_size - 1, out, size);
}

/* name, or name-2, name-3, ... : the first not yet used by this log (used holds them). */
static bc_status unique_name(json_t *used, char *name, size_t size, bc_error *err)
{
	char base[128]; /* room for "-N" after it, so that no number is cut off */
	snprintf(base, sizeof(base), "%.*s", (int)sizeof(base) - 1, name);
	for (unsigned n = 2; json_object_get(used, name); n++)
		snprintf(name, size, "%s-%u", base, n);
	return json_object_set_new(used, name, json_true()) ? nomem(err) : BC_OK;
}

/* A layer bootchain measured is named as its layer, so that `bootchain measure --trusted`
 * finds it; other events as component_name() says. Names are unique in a log. */
bc_status bc_golden_log_event_name(const bc_event *ev, json_t *counts, json_t *used, char *out,
				   size_t size, bc_error *err)
{
	bc_status s = BC_OK;
	if (!bootchain_layer_name(ev, out, size))
		s = component_name(ev, counts, out, size, err);
	return s == BC_OK ? unique_name(used, out, size, err) : s;
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
			       json_t *counts, json_t *used, bc_error *err)
{
	char name[160], pcr[8];
	bc_digest_set digests;
	bc_status s = bc_golden_log_event_name(ev, counts, used, name, sizeof(name), err);
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
	json_t *counts = json_object(), *used = json_object();
	bc_status s = counts && used ? BC_OK : nomem(err);
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
			s = add_log_event(b, log, &ev, counts, used, err);
	}
	json_decref(counts);
	json_decref(used);
	return s;
}

/* ---- databases ----
 *
 * Merging a database into the one being built must not weaken either of them. A
 * component is allowed by either (the versions of both) and required when either
 * requires it; a component cannot be in two PCRs or of two event types. The allowed
 * final values of a (bank, PCR) listed by one database stay; listed by both, either
 * boot is allowed. The explained PCRs of either stay explained; a PCR stays open only
 * when every database opens it. The Keep measurements of either are allowed, a
 * debuggable Keep only when both allow it. A top-level key this code does not know is
 * refused, never dropped.
 */

static bc_status add_versions(bc_golden_builder *b, const bc_golden_component *c, bc_error *err)
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

/* The database a component or top-level key first came from, for messages. */
static const char *first_from(json_t *origins, const char *name)
{
	const char *from = json_string_value(json_object_get(origins, name));
	return from ? from : "an earlier database";
}

static bc_status note_origin(json_t *origins, const char *name, const char *db_name, bc_error *err)
{
	if (json_object_get(origins, name))
		return BC_OK;
	return json_object_set_new(origins, name, json_string(db_name)) ? nomem(err) : BC_OK;
}

/* c, a component of db named as one already built (comp): the stricter constraints. */
static bc_status combine_component(bc_golden_builder *b, json_t *comp, const bc_golden_component *c,
				   const char *db_name, bc_error *err)
{
	char number[16];
	const char *from = first_from(b->origin, c->name);
	json_int_t pcr = json_integer_value(json_object_get(comp, "pcr"));
	const char *type = event_type_text(c, number);
	const char *have = json_string_value(json_object_get(comp, "event_type"));
	if (pcr != (json_int_t)c->pcr)
		return bc_fail(err, BC_E_INVALID,
			       "component %s: PCR %" JSON_INTEGER_FORMAT " in %s, PCR %u in %s: "
			       "refusing to merge",
			       c->name, pcr, from, c->pcr, db_name);
	if (type && have && strcmp(type, have) != 0)
		return bc_fail(err, BC_E_INVALID,
			       "component %s: event type %s in %s, %s in %s: refusing to merge",
			       c->name, have, from, type, db_name);
	if (type && !have && json_object_set_new(comp, "event_type", json_string(type)))
		return nomem(err);
	if (c->required)
		json_object_del(comp, "required"); /* absent: required */
	return BC_OK;
}

typedef bc_status merge_fn(bc_golden_builder *b, const bc_golden *db, const char *key,
			   json_t *value, bc_error *err);

static bc_status merge_components(bc_golden_builder *b, const bc_golden *db, const char *key,
				  json_t *value, bc_error *err)
{
	(void)key, (void)value;
	for (size_t i = 0; i < db->count; i++) {
		const bc_golden_component *c = &db->components[i];
		json_t *comp = find_component(b, c->name);
		bc_status s = comp ? combine_component(b, comp, c, db->name, err) : BC_OK;
		if (s == BC_OK)
			s = add_versions(b, c, err);
		if (s == BC_OK)
			s = note_origin(b->origin, c->name, db->name, err);
		if (s != BC_OK)
			return s;
	}
	return BC_OK;
}

/* parent[key], made by make() when absent; NULL when out of memory. */
static json_t *child(json_t *parent, const char *key, json_t *(*make)(void))
{
	json_t *v = json_object_get(parent, key);
	if (!v && json_object_set_new(parent, key, v = make()))
		return NULL;
	return v;
}

/* Append the string to the array unless it is there. */
static bool add_string_once(json_t *arr, const char *text)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (strcmp(json_string_value(v), text) == 0)
			return true;
	}
	return json_array_append_new(arr, json_string(text)) == 0;
}

static bc_status merge_pcrs(bc_golden_builder *b, const bc_golden *db, const char *key,
			    json_t *value, bc_error *err)
{
	char pcr[8], hex[2 * BC_MAX_DIGEST_SIZE + 1];
	json_t *pcrs = db->expected_count ? child(b->root, key, json_object) : NULL;
	(void)value; /* the parsed values: one spelling of each (lower case), no empty lists */
	for (size_t i = 0; i < db->expected_count; i++) {
		const bc_digest *d = &db->expected[i].value.digests[0];
		json_t *bank = pcrs ? child(pcrs, bc_hash_alg_name(d->alg), json_object) : NULL;
		snprintf(pcr, sizeof(pcr), "%u", db->expected[i].pcr);
		json_t *list = bank ? child(bank, pcr, json_array) : NULL;
		if (!list || !add_string_once(list, bc_digest_hex(d, hex)))
			return nomem(err);
	}
	return BC_OK;
}

static bc_status merge_explained(bc_golden_builder *b, const bc_golden *db, const char *key,
				 json_t *value, bc_error *err)
{
	char pcr[24];
	size_t i;
	json_t *v;
	(void)db, (void)key;
	json_array_foreach(value, i, v)
	{
		snprintf(pcr, sizeof(pcr), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		if (json_object_set_new(b->explained, pcr, json_true()))
			return nomem(err);
	}
	return BC_OK;
}

/* The stricter minimum TCB: the higher of each part either database sets. */
static bc_status merge_min_tcb(json_t *keep, const bc_golden *db, bc_error *err)
{
	json_t *min = json_object_get(keep, "min_tcb");
	for (int i = 0; i < BC_GOLDEN_TCB_PARTS; i++) {
		if (db->keep_min_tcb[i] < 0)
			continue;
		if (!min && (json_object_set_new(keep, "min_tcb", json_object()) ||
			     !(min = json_object_get(keep, "min_tcb"))))
			return nomem(err);
		json_t *have = json_object_get(min, bc_golden_tcb_names[i]);
		if (have && json_integer_value(have) >= db->keep_min_tcb[i])
			continue;
		if (json_object_set_new(min, bc_golden_tcb_names[i],
					json_integer(db->keep_min_tcb[i])))
			return nomem(err);
	}
	return BC_OK;
}

/* "keep"."sgx": kept from the one database that has it, the same in both, or refused:
 * no union of two is safe (one's MRSIGNER with the other's lower min_isvsvn would allow
 * an enclave neither does). */
static bc_status merge_keep_sgx(bc_golden_builder *b, json_t *keep, const bc_golden *db,
				const json_t *value, bc_error *err)
{
	const json_t *sgx = json_object_get(value, "sgx");
	const json_t *have = json_object_get(keep, "sgx");
	if (!sgx)
		return BC_OK;
	if (!have)
		return json_object_set_new(keep, "sgx", json_deep_copy(sgx)) ? nomem(err) : BC_OK;
	if (json_equal(have, sgx))
		return BC_OK;
	return bc_fail(err, BC_E_INVALID,
		       "keep.sgx: two different objects, in %s and %s: refusing to merge",
		       first_from(b->key_origin, "keep"), db->name);
}

static bc_status merge_keep(bc_golden_builder *b, const bc_golden *db, const char *key,
			    json_t *value, bc_error *err)
{
	char hex[2 * 48 + 1];
	json_t *have = json_object_get(b->root, key);
	bc_status s;
	if (!db->has_keep)
		return BC_OK;
	bool debug =
	    db->keep_allow_debug && (!have || json_is_true(json_object_get(have, "allow_debug")));
	json_t *keep = child(b->root, key, json_object);
	json_t *list = keep ? child(keep, "measurements", json_array) : NULL;
	for (size_t i = 0; list && i < db->keep_count; i++) {
		bc_hex_encode(db->keep_measurements[i], 48, hex);
		if (!add_string_once(list, hex))
			return nomem(err);
	}
	if (!list || json_object_set_new(keep, "allow_debug", json_boolean(debug)))
		return nomem(err);
	if ((s = merge_keep_sgx(b, keep, db, value, err)) != BC_OK)
		return s;
	return merge_min_tcb(keep, db, err);
}

/* A value both databases must agree on when both have it (startup_locality, boot_order). */
static bc_status merge_same(bc_golden_builder *b, const bc_golden *db, const char *key,
			    json_t *value, bc_error *err)
{
	json_t *have = json_object_get(b->root, key);
	if (!value)
		return BC_OK;
	if (!have)
		return json_object_set_new(b->root, key, json_deep_copy(value)) ? nomem(err)
										: BC_OK;
	if (json_equal(have, value))
		return BC_OK;
	_cleanup_free_ char *first = json_dumps(have, JSON_COMPACT | JSON_ENCODE_ANY);
	_cleanup_free_ char *second = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!first || !second)
		return nomem(err);
	return bc_fail(err, BC_E_INVALID, "%s: %.200s in %s, %.200s in %s: refusing to merge", key,
		       first, first_from(b->key_origin, key), second, db->name);
}

/* A list that holds only what every database lists (open_pcrs: a PCR stays open only
 * when every database opens it). */
static bc_status merge_intersection(bc_golden_builder *b, const bc_golden *db, const char *key,
				    json_t *value, bc_error *err)
{
	json_t *have = json_object_get(b->root, key), *kept, *v, *w;
	size_t i, j;
	(void)db;
	if (b->db_count == 0)
		return value && json_object_set_new(b->root, key, json_deep_copy(value))
			   ? nomem(err)
			   : BC_OK;
	if (!have)
		return BC_OK;
	if (!(kept = json_array()))
		return nomem(err);
	json_array_foreach(have, i, v)
	{
		bool both = false;
		json_array_foreach(value, j, w) both |= json_equal(v, w);
		if (both && json_array_append(kept, v))
			return json_decref(kept), nomem(err);
	}
	if (json_array_size(kept) == 0) {
		json_decref(kept);
		json_object_del(b->root, key);
		return BC_OK;
	}
	return json_object_set_new(b->root, key, kept) ? nomem(err) : BC_OK;
}

/* The first database's, for people. */
static bc_status merge_first(bc_golden_builder *b, const bc_golden *db, const char *key,
			     json_t *value, bc_error *err)
{
	(void)db;
	if (!value || json_object_get(b->root, key))
		return BC_OK;
	return json_object_set_new(b->root, key, json_deep_copy(value)) ? nomem(err) : BC_OK;
}

/* What the builder writes itself. */
static bc_status merge_nothing(bc_golden_builder *b, const bc_golden *db, const char *key,
			       json_t *value, bc_error *err)
{
	(void)b, (void)db, (void)key, (void)value, (void)err;
	return BC_OK;
}

/* Every top-level key of the format (golden/golden.c), and how it merges. */
static const struct merger {
	const char *key;
	merge_fn *merge;
} mergers[] = {
    {"format", merge_nothing},
    {"created", merge_nothing},
    {"description", merge_first},
    {"components", merge_components},
    {"pcrs", merge_pcrs},
    {"explained_pcrs", merge_explained},
    {"open_pcrs", merge_intersection},
    {"startup_locality", merge_same},
    {"boot_order", merge_same},
    {"keep", merge_keep},
};

static const struct merger *find_merger(const char *key)
{
	for (size_t i = 0; i < sizeof(mergers) / sizeof(mergers[0]); i++)
		if (strcmp(mergers[i].key, key) == 0)
			return &mergers[i];
	return NULL;
}

bc_status bc_golden_builder_add_db(bc_golden_builder *b, const bc_golden *db, bc_error *err)
{
	const char *key;
	json_t *value;
	json_object_foreach(db->root, key, value)
	{
		if (!find_merger(key))
			return bc_fail(err, BC_E_UNSUPPORTED,
				       "%s: \"%s\": this version cannot merge that key, and will "
				       "not drop it",
				       db->name, key);
	}
	for (size_t i = 0; i < sizeof(mergers) / sizeof(mergers[0]); i++) {
		const struct merger *m = &mergers[i];
		value = json_object_get(db->root, m->key);
		bc_status s = m->merge(b, db, m->key, value, err);
		if (s == BC_OK && value)
			s = note_origin(b->key_origin, m->key, db->name, err);
		if (s != BC_OK)
			return s;
	}
	b->db_count++;
	return BC_OK;
}

bc_status bc_golden_builder_checkpoint(bc_golden_builder *b, bc_error *err)
{
	json_decref(b->checkpoint);
	b->checkpoint = json_pack("[oo]", json_deep_copy(b->root), json_deep_copy(b->explained));
	return b->checkpoint ? BC_OK : nomem(err);
}

bool bc_golden_builder_changed(const bc_golden_builder *b)
{
	return !b->checkpoint || !json_equal(json_array_get(b->checkpoint, 0), b->root) ||
	       !json_equal(json_array_get(b->checkpoint, 1), b->explained);
}

static bool pcr_listed(json_t *arr, uint32_t pcr)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (json_integer_value(v) == (json_int_t)pcr)
			return true;
	}
	return false;
}

/* The explained PCRs, less those the author opened explicitly ("open_pcrs"): a log
 * added to a database explains its other PCRs, and does not close an opened one. */
static bc_status finish_explained(bc_golden_builder *b, bc_error *err)
{
	json_t *arr = json_array(), *open = json_object_get(b->root, "open_pcrs");
	if (!arr)
		return nomem(err);
	for (uint32_t p = 0; p < BC_PCR_COUNT; p++) {
		char key[8];
		snprintf(key, sizeof(key), "%u", p);
		if (json_object_get(b->explained, key) && !pcr_listed(open, p))
			json_array_append_new(arr, json_integer(p));
	}
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		return BC_OK;
	}
	return json_object_set_new(b->root, "explained_pcrs", arr) ? nomem(err) : BC_OK;
}

bc_status bc_golden_builder_render(bc_golden_builder *b, const char *name, char **text,
				   size_t *size, bc_error *err)
{
	bc_status s = finish_explained(b, err);
	if (s != BC_OK)
		return s;
	_cleanup_free_ char *out = json_dumps(b->root, JSON_INDENT(2));
	if (!out)
		return nomem(err);
	size_t len = strlen(out);
	out[len] = '\n'; /* json_dumps leaves room for the NUL: replace it, keep length */
	_cleanup_(bc_golden_freep) bc_golden *check = NULL;
	s = bc_golden_from_memory(out, len + 1, name, &check, err);
	if (s != BC_OK)
		return bc_fail(err, s, "internal error: the database built does not load: %s",
			       bc_error_message(err));
	*text = TAKE_PTR(out);
	*size = len + 1;
	return BC_OK;
}

bc_status bc_golden_builder_write(bc_golden_builder *b, const char *path, bc_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t size;
	bc_status s = bc_golden_builder_render(b, path, &text, &size, err);
	if (s != BC_OK)
		return s;
	return bc_write_file_atomic(path, text, size, 0644, err);
}
