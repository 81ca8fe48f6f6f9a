/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading golden databases (bootchain-golden(5)). The JSON is parsed by jansson with
 * duplicate keys rejected; every value is then checked against the format and turned
 * into the structures of bootchain/golden.h. Strings point into the parsed JSON, which
 * the database owns. Messages name the file and the JSON path: "db.json:
 * components[2].versions[0].digests.sha256: 31 bytes, a sha256 digest has 32".
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <bootchain/eventlog.h>
#include <bootchain/golden.h>

#include "golden/golden-internal.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/json-read.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_golden *, bc_golden_free)

/* An optional string member; *out stays NULL when absent. */
static bc_status opt_string(const json_t *obj, const char *key, const char **out,
			    const bc_jpath *parent, bc_error *err)
{
	bc_jpath p;
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v)
		return BC_OK;
	bc_jpath_key(parent, &p, key);
	bc_status s = bc_json_want_type(v, JSON_STRING, "a string", &p, err);
	if (s != BC_OK)
		return s;
	/* names and sources are printed for people: no control characters (nor NULs) */
	const char *text = json_string_value(v);
	size_t len = json_string_length(v);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			return bc_jpath_fail(&p, BC_E_FORMAT, err,
					     "a control character (0x%02x) at character %zu",
					     (unsigned char)text[i], i);
	*out = text;
	return BC_OK;
}

static bc_status parse_pcr(const json_t *v, uint32_t *pcr, const bc_jpath *p, bc_error *err)
{
	bc_status s = bc_json_want_type(v, JSON_INTEGER, "a PCR number", p, err);
	if (s != BC_OK)
		return s;
	json_int_t n = json_integer_value(v);
	if (n < 0 || n >= BC_PCR_COUNT)
		return bc_jpath_fail(p, BC_E_FORMAT, err,
				     "PCR %" JSON_INTEGER_FORMAT " is out of range (0-%d)", n,
				     BC_PCR_COUNT - 1);
	*pcr = (uint32_t)n;
	return BC_OK;
}

/* "sha256": "hex" into one digest of the set. */
static bc_status parse_digest(const char *bank, const json_t *v, bc_digest_set *set,
			      const bc_jpath *p, bc_error *err)
{
	const bc_hash_alg *alg = bc_hash_alg_by_name(bank);
	bc_digest d = {.size = 0};
	size_t len = 0;
	if (!alg || strcmp(alg->name, bank) != 0)
		return bc_jpath_fail(p, BC_E_FORMAT, err,
				     "unknown hash algorithm (banks are named as \"sha256\")");
	if (bc_digest_set_find(set, alg->id))
		return bc_jpath_fail(p, BC_E_FORMAT, err, "a second %s digest", alg->name);
	bc_status s = bc_json_want_type(v, JSON_STRING, "a hex digest", p, err);
	if (s != BC_OK)
		return s;
	const char *hex = json_string_value(v);
	size_t hex_len = json_string_length(v);
	if (!bc_hex_decode(hex, hex_len, d.bytes, sizeof(d.bytes), &len))
		return bc_jpath_fail(p, BC_E_FORMAT, err, "not a hex digest");
	if (len != alg->size)
		return bc_jpath_fail(p, BC_E_FORMAT, err, "%zu bytes, a %s digest has %u", len,
				     alg->name, alg->size);
	d.alg = alg->id;
	d.size = alg->size;
	return bc_digest_set_put(set, &d, err);
}

static bc_status parse_digests(const json_t *obj, bc_digest_set *set, const bc_jpath *parent,
			       bc_error *err)
{
	const char *bank;
	json_t *v;
	bc_status s =
	    bc_json_want_type(obj, JSON_OBJECT, "an object of digests by bank", parent, err);
	if (s != BC_OK)
		return s;
	if (json_object_size(obj) == 0)
		return bc_jpath_fail(parent, BC_E_FORMAT, err, "no digests");
	*set = (bc_digest_set){.count = 0};
	json_object_foreach((json_t *)obj, bank, v)
	{
		bc_jpath p;
		bc_jpath_push(parent, &p, ".%s", bank);
		if ((s = parse_digest(bank, v, set, &p, err)) != BC_OK)
			return s;
	}
	return BC_OK;
}

static bc_status parse_source_event(const json_t *obj, bc_golden_source *src,
				    const bc_jpath *parent, bc_error *err)
{
	bc_jpath p;
	const json_t *v = json_object_get(obj, "event");
	if (!v)
		return BC_OK;
	bc_jpath_push(parent, &p, ".event");
	bc_status s = bc_json_want_type(v, JSON_INTEGER, "an event number", &p, err);
	if (s != BC_OK)
		return s;
	if (json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
		return bc_jpath_fail(&p, BC_E_FORMAT, err, "not an event number");
	src->has_event = true;
	src->event = (uint32_t)json_integer_value(v);
	return BC_OK;
}

static bc_status parse_source(const json_t *obj, bc_golden_source *src, const bc_jpath *p,
			      bc_error *err)
{
	static const char *const keys[] = {"file",	  "log",   "date", "version",
					   "description", "event", NULL};
	bc_status s;
	if ((s = bc_json_want_type(obj, JSON_OBJECT, "an object", p, err)) != BC_OK ||
	    (s = bc_json_only_keys(obj, keys, p, err)) != BC_OK ||
	    (s = opt_string(obj, "file", &src->file, p, err)) != BC_OK ||
	    (s = opt_string(obj, "log", &src->log, p, err)) != BC_OK ||
	    (s = opt_string(obj, "date", &src->date, p, err)) != BC_OK ||
	    (s = opt_string(obj, "description", &src->description, p, err)) != BC_OK ||
	    (s = opt_string(obj, "version", &src->version, p, err)) != BC_OK)
		return s;
	return parse_source_event(obj, src, p, err);
}

static bc_status parse_version(const json_t *obj, bc_golden_version *v, const bc_jpath *p,
			       bc_error *err)
{
	static const char *const keys[] = {"digests", "source", NULL};
	bc_jpath sub;
	bc_status s;
	*v = (bc_golden_version){.digests.count = 0};
	if ((s = bc_json_want_type(obj, JSON_OBJECT, "an object", p, err)) != BC_OK ||
	    (s = bc_json_only_keys(obj, keys, p, err)) != BC_OK)
		return s;
	json_t *digests = json_object_get(obj, "digests");
	if (!digests)
		return bc_jpath_fail(p, BC_E_FORMAT, err, "no \"digests\"");
	bc_jpath_push(p, &sub, ".digests");
	if ((s = parse_digests(digests, &v->digests, &sub, err)) != BC_OK)
		return s;
	json_t *source = json_object_get(obj, "source");
	if (!source)
		return BC_OK;
	bc_jpath_push(p, &sub, ".source");
	return parse_source(source, &v->source, &sub, err);
}

static bc_status parse_event_type(const json_t *v, bc_golden_component *c, const bc_jpath *p,
				  bc_error *err)
{
	bc_status s = bc_json_want_type(v, JSON_STRING, "an event type name", p, err);
	if (s != BC_OK)
		return s;
	if (!bc_event_type_from_name(json_string_value(v), &c->event_type))
		return bc_jpath_fail(p, BC_E_FORMAT, err, "unknown event type \"%s\"",
				     json_string_value(v));
	c->has_event_type = true;
	return BC_OK;
}

/* The versions array of one component, into db->versions from *next on. */
static bc_status parse_versions(bc_golden *db, const json_t *arr, bc_golden_component *c,
				size_t *next, const bc_jpath *parent, bc_error *err)
{
	bc_status s = bc_json_want_type(arr, JSON_ARRAY, "an array of versions", parent, err);
	if (s != BC_OK)
		return s;
	if (json_array_size(arr) == 0)
		return bc_jpath_fail(parent, BC_E_FORMAT, err,
				     "no versions: a component must allow at least one");
	c->versions = db->versions + *next;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		bc_jpath p;
		bc_jpath_push(parent, &p, "[%zu]", i);
		if ((s = parse_version(json_array_get(arr, i), &db->versions[*next], &p, err)))
			return s;
		(*next)++;
		c->version_count++;
	}
	return BC_OK;
}

static bc_status parse_component(bc_golden *db, const json_t *obj, bc_golden_component *c,
				 size_t *next_version, const bc_jpath *p, bc_error *err)
{
	static const char *const keys[] = {"name",     "pcr",	   "event_type",
					   "required", "versions", NULL};
	bc_jpath sub;
	bc_status s;
	*c = (bc_golden_component){.required = true};
	if ((s = bc_json_want_type(obj, JSON_OBJECT, "an object", p, err)) != BC_OK ||
	    (s = bc_json_only_keys(obj, keys, p, err)) != BC_OK ||
	    (s = opt_string(obj, "name", &c->name, p, err)) != BC_OK)
		return s;
	if (!c->name || !c->name[0])
		return bc_jpath_fail(p, BC_E_FORMAT, err, "no \"name\"");
	const json_t *pcr = json_object_get(obj, "pcr");
	if (!pcr)
		return bc_jpath_fail(p, BC_E_FORMAT, err, "component \"%s\" has no \"pcr\"",
				     c->name);
	bc_jpath_push(p, &sub, ".pcr");
	if ((s = parse_pcr(pcr, &c->pcr, &sub, err)) != BC_OK)
		return s;
	const json_t *type = json_object_get(obj, "event_type");
	bc_jpath_push(p, &sub, ".event_type");
	if (type && (s = parse_event_type(type, c, &sub, err)) != BC_OK)
		return s;
	const json_t *required = json_object_get(obj, "required");
	bc_jpath_push(p, &sub, ".required");
	if (required && (s = bc_json_want_type(required, JSON_TRUE, "true or false", &sub, err)))
		return s;
	if (required)
		c->required = json_is_true(required);
	const json_t *versions = json_object_get(obj, "versions");
	if (!versions)
		return bc_jpath_fail(p, BC_E_FORMAT, err, "component \"%s\" has no \"versions\"",
				     c->name);
	bc_jpath_push(p, &sub, ".versions");
	return parse_versions(db, versions, c, next_version, &sub, err);
}

static int by_name(const void *a, const void *b)
{
	const bc_golden_component *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

/* The name index, which also finds duplicate names. */
static bc_status index_names(bc_golden *db, bc_error *err)
{
	db->by_name = calloc(db->count ? db->count : 1, sizeof(*db->by_name));
	if (!db->by_name)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < db->count; i++)
		db->by_name[i] = &db->components[i];
	qsort(db->by_name, db->count, sizeof(*db->by_name), by_name);
	for (size_t i = 1; i < db->count; i++)
		if (strcmp(db->by_name[i - 1]->name, db->by_name[i]->name) == 0)
			return bc_fail(err, BC_E_FORMAT,
				       "%s: components: two components named \"%s\"", db->name,
				       db->by_name[i]->name);
	return BC_OK;
}

static size_t count_versions(const json_t *components)
{
	size_t n = 0, i;
	json_t *c;
	json_array_foreach(components, i, c)
	{
		json_t *v = json_object_get(c, "versions");
		if (json_is_array(v))
			n += json_array_size(v);
	}
	return n;
}

static bc_status parse_components(bc_golden *db, const json_t *arr, const bc_jpath *parent,
				  bc_error *err)
{
	size_t next_version = 0;
	bc_status s = bc_json_want_type(arr, JSON_ARRAY, "an array of components", parent, err);
	if (s != BC_OK)
		return s;
	db->count = json_array_size(arr);
	db->components = calloc(db->count ? db->count : 1, sizeof(*db->components));
	size_t nv = count_versions(arr);
	db->versions = calloc(nv ? nv : 1, sizeof(*db->versions));
	if (!db->components || !db->versions)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < db->count; i++) {
		bc_jpath p;
		bc_jpath_push(parent, &p, "[%zu]", i);
		s = parse_component(db, json_array_get(arr, i), &db->components[i], &next_version,
				    &p, err);
		if (s != BC_OK)
			return s;
	}
	return index_names(db, err);
}

/* "pcrs": {"sha256": {"0": ["hex", ...], ...}, ...}: the allowed final values. */
static bc_status parse_expected_bank(bc_golden *db, const char *bank, const json_t *obj,
				     const bc_jpath *parent, bc_error *err)
{
	const char *key;
	json_t *list;
	bc_status s = bc_json_want_type(obj, JSON_OBJECT, "an object of PCR values", parent, err);
	if (s != BC_OK)
		return s;
	json_object_foreach((json_t *)obj, key, list)
	{
		bc_jpath p;
		char *end;
		bc_jpath_push(parent, &p, ".%s", key);
		unsigned long pcr = strtoul(key, &end, 10);
		/* "4", never " 4", "+4" or "04": one spelling per PCR, or duplicates slip by */
		if (!key[0] || *end || pcr >= BC_PCR_COUNT || !isdigit((unsigned char)key[0]) ||
		    (key[0] == '0' && key[1]))
			return bc_jpath_fail(&p, BC_E_FORMAT, err, "not a PCR number (0-%d)",
					     BC_PCR_COUNT - 1);
		if ((s = bc_json_want_type(list, JSON_ARRAY, "an array of values", &p, err)) !=
		    BC_OK)
			return s;
		for (size_t i = 0; i < json_array_size(list); i++) {
			bc_golden_expected *e = &db->expected[db->expected_count];
			bc_jpath item;
			bc_jpath_push(&p, &item, "[%zu]", i);
			*e = (bc_golden_expected){.pcr = (uint32_t)pcr};
			if ((s = parse_digest(bank, json_array_get(list, i), &e->value, &item,
					      err)))
				return s;
			db->expected_count++;
		}
	}
	return BC_OK;
}

static size_t count_expected(const json_t *pcrs)
{
	const char *bank, *pcr;
	json_t *banks, *list;
	size_t n = 0;
	json_object_foreach((json_t *)pcrs, bank, banks)
	{
		if (!json_is_object(banks))
			continue;
		json_object_foreach(banks, pcr, list) n += json_array_size(list);
	}
	return n;
}

static bc_status parse_expected(bc_golden *db, const json_t *pcrs, const bc_jpath *parent,
				bc_error *err)
{
	const char *bank;
	json_t *obj;
	bc_status s = bc_json_want_type(pcrs, JSON_OBJECT, "an object of banks", parent, err);
	if (s != BC_OK)
		return s;
	size_t n = count_expected(pcrs);
	db->expected = calloc(n ? n : 1, sizeof(*db->expected));
	if (!db->expected)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	json_object_foreach((json_t *)pcrs, bank, obj)
	{
		bc_jpath p;
		bc_jpath_push(parent, &p, ".%s", bank);
		const bc_hash_alg *alg = bc_hash_alg_by_name(bank);
		if (!alg || strcmp(alg->name, bank) != 0)
			return bc_jpath_fail(
			    &p, BC_E_FORMAT, err,
			    "unknown hash algorithm (banks are named as \"sha256\")");
		if ((s = parse_expected_bank(db, bank, obj, &p, err)) != BC_OK)
			return s;
	}
	return BC_OK;
}

/* "explained_pcrs" or "open_pcrs": [PCR, ...] into a mask. */
static bc_status parse_pcr_list(const json_t *arr, uint32_t *mask, const bc_jpath *parent,
				bc_error *err)
{
	bc_status s = bc_json_want_type(arr, JSON_ARRAY, "an array of PCR numbers", parent, err);
	for (size_t i = 0; s == BC_OK && i < json_array_size(arr); i++) {
		bc_jpath p;
		uint32_t pcr;
		bc_jpath_push(parent, &p, "[%zu]", i);
		if ((s = parse_pcr(json_array_get(arr, i), &pcr, &p, err)) == BC_OK)
			*mask |= 1u << pcr;
	}
	return s;
}

/* Fail closed: a PCR that holds a component must be explained (every event in it a
 * component's), unless the author opened it explicitly with "open_pcrs". */
static bc_status close_pcrs(bc_golden *db, const bc_jpath *top, bc_error *err)
{
	uint32_t both = db->explained_mask & db->open_mask;
	if (both)
		return bc_jpath_fail(top, BC_E_FORMAT, err,
				     "PCR %d is both in \"explained_pcrs\" and in \"open_pcrs\"",
				     __builtin_ctz(both));
	db->closed_mask = db->explained_mask;
	for (size_t i = 0; i < db->count; i++)
		db->closed_mask |= 1u << db->components[i].pcr;
	db->closed_mask &= ~db->open_mask;
	return BC_OK;
}

const char *const bc_golden_tcb_names[BC_GOLDEN_TCB_PARTS] = {"bootloader", "tee", "snp",
							      "microcode", "fmc"};

/* "min_tcb": {"bootloader": N, "tee": N, "snp": N, "microcode": N, "fmc": N}, each
 * optional, 0 to 255. */
static bc_status parse_min_tcb(bc_golden *db, const json_t *obj, const bc_jpath *parent,
			       bc_error *err)
{
	static const char *const keys[] = {"bootloader", "tee", "snp", "microcode", "fmc", NULL};
	bc_status s;
	if ((s = bc_json_want_type(obj, JSON_OBJECT, "an object", parent, err)) != BC_OK ||
	    (s = bc_json_only_keys(obj, keys, parent, err)) != BC_OK)
		return s;
	for (int i = 0; i < BC_GOLDEN_TCB_PARTS; i++) {
		const json_t *v = json_object_get(obj, bc_golden_tcb_names[i]);
		bc_jpath p;
		bc_jpath_push(parent, &p, ".%s", bc_golden_tcb_names[i]);
		if (!v)
			continue;
		if ((s = bc_json_want_type(v, JSON_INTEGER, "a security version 0 to 255", &p,
					   err)) != BC_OK)
			return s;
		if (json_integer_value(v) < 0 || json_integer_value(v) > 255)
			return bc_jpath_fail(&p, BC_E_FORMAT, err,
					     "%" JSON_INTEGER_FORMAT
					     " is not a security version 0 to 255",
					     json_integer_value(v));
		db->keep_min_tcb[i] = (int)json_integer_value(v);
	}
	return BC_OK;
}

/*
 * The items of list (an array, or NULL: none), each size bytes in hex, into *out (a new
 * array with a spare zeroed entry, the caller's even on error) and *count. item names
 * an item in messages ("a 32-byte value in hex"), bad what a wrong one is not.
 */
static bc_status parse_hex_items(const json_t *list, size_t size, const char *item, const char *bad,
				 const bc_jpath *p, void **out, size_t *count, bc_error *err)
{
	uint8_t *values = calloc(json_array_size(list) + 1, size);
	bc_status s;
	*out = values;
	if (!values)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *v = json_array_get(list, i);
		bc_jpath at;
		size_t len = 0;
		bc_jpath_push(p, &at, "[%zu]", i);
		if ((s = bc_json_want_type(v, JSON_STRING, item, &at, err)) != BC_OK)
			return s;
		if (!bc_hex_decode(json_string_value(v), json_string_length(v), values + i * size,
				   size, &len) ||
		    len != size)
			return bc_jpath_fail(&at, BC_E_FORMAT, err, "%s", bad);
		(*count)++;
	}
	return BC_OK;
}

/* One of the lists of "keep"."sgx": 32-byte values in hex, into a new array. */
static bc_status parse_sgx_list(const json_t *obj, const char *key, uint8_t (**out)[32],
				size_t *count, const bc_jpath *parent, bc_error *err)
{
	const json_t *list = json_object_get(obj, key);
	bc_jpath p;
	bc_status s;
	bc_jpath_push(parent, &p, ".%s", key);
	if (!list)
		return BC_OK;
	if ((s = bc_json_want_type(list, JSON_ARRAY, "an array of 32-byte values in hex", &p,
				   err)) != BC_OK)
		return s;
	void *values = NULL;
	s = parse_hex_items(list, 32, "a 32-byte value in hex", "not a 32-byte value in hex", &p,
			    &values, count, err);
	*out = values;
	return s;
}

/* An optional integer of "keep"."sgx" from 0 to 65535 (a u16 of the report), or -1. */
static bc_status parse_sgx_u16(const json_t *obj, const char *key, int *out, const bc_jpath *parent,
			       bc_error *err)
{
	const json_t *v = json_object_get(obj, key);
	bc_jpath p;
	bc_status s;
	bc_jpath_push(parent, &p, ".%s", key);
	*out = -1;
	if (!v)
		return BC_OK;
	if ((s = bc_json_want_type(v, JSON_INTEGER, "an integer 0 to 65535", &p, err)) != BC_OK)
		return s;
	if (json_integer_value(v) < 0 || json_integer_value(v) > 65535)
		return bc_jpath_fail(&p, BC_E_FORMAT, err,
				     "%" JSON_INTEGER_FORMAT " is not an integer 0 to 65535",
				     json_integer_value(v));
	*out = (int)json_integer_value(v);
	return BC_OK;
}

/* Intel's TCB status names (the order attest/dcap.h judges them by); a lower component
 * cannot ask attest/dcap.c, so the names are checked here. */
static const char *const sgx_tcb_statuses[] = {"UpToDate",
					       "SWHardeningNeeded",
					       "ConfigurationNeeded",
					       "ConfigurationAndSWHardeningNeeded",
					       "OutOfDate",
					       "OutOfDateConfigurationNeeded",
					       NULL};

static bc_status parse_sgx_tcb_status(bc_golden_keep_sgx *sgx, const json_t *obj,
				      const bc_jpath *parent, bc_error *err)
{
	const json_t *v = json_object_get(obj, "min_tcb_status");
	bc_jpath p;
	bc_status s;
	bc_jpath_push(parent, &p, ".min_tcb_status");
	if (!v)
		return BC_OK;
	if ((s = bc_json_want_type(v, JSON_STRING, "a TCB status name", &p, err)) != BC_OK)
		return s;
	for (size_t i = 0; sgx_tcb_statuses[i]; i++)
		if (!strcmp(json_string_value(v), sgx_tcb_statuses[i])) {
			sgx->min_tcb_status = sgx_tcb_statuses[i];
			return BC_OK;
		}
	return bc_jpath_fail(&p, BC_E_FORMAT, err,
			     "\"%s\" is not a TCB status (UpToDate, SWHardeningNeeded, "
			     "ConfigurationNeeded, ConfigurationAndSWHardeningNeeded, "
			     "OutOfDate, OutOfDateConfigurationNeeded)",
			     json_string_value(v));
}

/* "keep"."sgx": {"mrenclave": [hex32...], "mrsigner": [hex32...] (at least one of the
 * two, not empty), "isvprodid", "min_isvsvn", "allow_debug", "min_tcb_status"}. */
static bc_status parse_keep_sgx(bc_golden *db, const json_t *obj, const bc_jpath *parent,
				bc_error *err)
{
	static const char *const keys[] = {"mrenclave",	 "mrsigner",	"isvprodid",
					   "min_isvsvn", "allow_debug", "min_tcb_status",
					   NULL};
	bc_jpath p;
	bc_status s;
	if ((s = bc_json_want_type(obj, JSON_OBJECT, "an object", parent, err)) != BC_OK ||
	    (s = bc_json_only_keys(obj, keys, parent, err)) != BC_OK)
		return s;
	bc_golden_keep_sgx *sgx = db->keep_sgx = calloc(1, sizeof(*sgx));
	if (!sgx)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if ((s = parse_sgx_list(obj, "mrenclave", &sgx->mrenclave, &sgx->mrenclave_count, parent,
				err)) != BC_OK ||
	    (s = parse_sgx_list(obj, "mrsigner", &sgx->mrsigner, &sgx->mrsigner_count, parent,
				err)) != BC_OK)
		return s;
	if (!sgx->mrenclave_count && !sgx->mrsigner_count) /* else any enclave would pass */
		return bc_jpath_fail(parent, BC_E_FORMAT, err,
				     "no \"mrenclave\" and no \"mrsigner\": name the enclaves "
				     "allowed");
	if ((s = parse_sgx_u16(obj, "isvprodid", &sgx->isvprodid, parent, err)) != BC_OK ||
	    (s = parse_sgx_u16(obj, "min_isvsvn", &sgx->min_isvsvn, parent, err)) != BC_OK ||
	    (s = parse_sgx_tcb_status(sgx, obj, parent, err)) != BC_OK)
		return s;
	const json_t *debug = json_object_get(obj, "allow_debug");
	bc_jpath_push(parent, &p, ".allow_debug");
	if (debug && (s = bc_json_want_type(debug, JSON_TRUE, "true or false", &p, err)) != BC_OK)
		return s;
	sgx->allow_debug = debug && json_is_true(debug);
	return BC_OK;
}

/* A non-empty list of 48-byte values in hex ("tdx": "mrtd", "mrconfigid", "mrowner"). */
static bc_status parse_hex48_list(const json_t *list, uint8_t (**out)[48], size_t *count,
				  const bc_jpath *p, bc_error *err)
{
	bc_status s =
	    bc_json_want_type(list, JSON_ARRAY, "an array of 48-byte values in hex", p, err);
	if (s != BC_OK)
		return s;
	if (json_array_size(list) == 0)
		return bc_jpath_fail(p, BC_E_FORMAT, err, "an empty list would allow nothing");
	void *values = NULL;
	s = parse_hex_items(list, 48, "48 bytes in hex", "not 48 bytes in hex", p, &values, count,
			    err);
	*out = values;
	return s;
}

/* "xfam": the XFAM as a hex number ("0x602e7" or "602e7"), up to 64 bits. */
static bc_status parse_xfam(const json_t *v, uint64_t *out, const bc_jpath *p, bc_error *err)
{
	bc_status s = bc_json_want_type(v, JSON_STRING, "a hex number", p, err);
	if (s != BC_OK)
		return s;
	const char *text = json_string_value(v);
	const char *digits = strncmp(text, "0x", 2) == 0 ? text + 2 : text;
	size_t n = strlen(digits);
	uint64_t x = 0;
	if (n == 0 || n > 16 || strspn(digits, "0123456789abcdefABCDEF") != n)
		return bc_jpath_fail(p, BC_E_FORMAT, err, "\"%s\" is not a 64-bit hex number",
				     text);
	for (size_t i = 0; i < n; i++) {
		int c = tolower((unsigned char)digits[i]);
		x = x << 4 | (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	*out = x;
	return BC_OK;
}

/* "ccel": a database of its own (components, explained_pcrs, open_pcrs) for the CC
 * event log, whose events carry an MR index (1 = RTMR0 ... 4 = RTMR3) where a TPM log
 * has a PCR: kept apart from the TPM's components, which use the same numbers. */
static bc_status parse_ccel(const bc_golden *db, const json_t *obj, const bc_jpath *parent,
			    bc_golden **out, bc_error *err)
{
	static const char *const keys[] = {"components", "explained_pcrs", "open_pcrs", NULL};
	_cleanup_(bc_golden_freep) bc_golden *sub = calloc(1, sizeof(*sub));
	bc_jpath p;
	bc_status s;
	if (!sub || !(sub->name = strdup(db->name)))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	sub->root = json_incref((json_t *)obj);
	if ((s = bc_json_want_type(obj, JSON_OBJECT, "an object", parent, err)) != BC_OK ||
	    (s = bc_json_only_keys(obj, keys, parent, err)) != BC_OK)
		return s;
	const json_t *components = json_object_get(obj, "components");
	if (!components)
		return bc_jpath_fail(parent, BC_E_FORMAT, err, "no \"components\"");
	bc_jpath_push(parent, &p, ".components");
	if ((s = parse_components(sub, components, &p, err)) != BC_OK)
		return s;
	for (size_t i = 0; i < sub->count; i++) {
		bc_jpath c;
		bc_jpath_push(&p, &c, "[%zu].pcr", i);
		if (sub->components[i].pcr < 1 || sub->components[i].pcr > 4)
			return bc_jpath_fail(&c, BC_E_FORMAT, err,
					     "%u is not an MR index of the CC event log (1 = "
					     "RTMR0 to 4 = RTMR3)",
					     (unsigned)sub->components[i].pcr);
	}
	const json_t *explained = json_object_get(obj, "explained_pcrs");
	bc_jpath_push(parent, &p, ".explained_pcrs");
	if (explained && (s = parse_pcr_list(explained, &sub->explained_mask, &p, err)) != BC_OK)
		return s;
	const json_t *open = json_object_get(obj, "open_pcrs");
	bc_jpath_push(parent, &p, ".open_pcrs");
	if (open && (s = parse_pcr_list(open, &sub->open_mask, &p, err)) != BC_OK)
		return s;
	if ((s = close_pcrs(sub, parent, err)) != BC_OK ||
	    (s = bc_golden_build_index(sub, err)) != BC_OK)
		return s;
	*out = TAKE_PTR(sub);
	return BC_OK;
}

/* "keep"."tdx": {"mrtd": [...], "allow_debug": false, "min_tcb_status": "UpToDate",
 * "mrconfigid": [...], "mrowner": [...], "xfam": "0x...", "ccel": {...}}: what a TDX
 * Keep's quote may hold. */
static bc_status parse_keep_tdx(bc_golden *db, const json_t *obj, const bc_jpath *parent,
				bc_error *err)
{
	static const char *const keys[] = {"mrtd",    "allow_debug", "min_tcb_status", "mrconfigid",
					   "mrowner", "xfam",	     "ccel",	       NULL};
	bc_golden_tdx *t = &db->keep_tdx;
	bc_jpath p;
	bc_status s;
	const json_t *v;
	if ((s = bc_json_want_type(obj, JSON_OBJECT, "an object", parent, err)) != BC_OK ||
	    (s = bc_json_only_keys(obj, keys, parent, err)) != BC_OK)
		return s;
	if (!(v = json_object_get(obj, "mrtd")))
		return bc_jpath_fail(parent, BC_E_FORMAT, err, "no \"mrtd\"");
	bc_jpath_push(parent, &p, ".mrtd");
	if ((s = parse_hex48_list(v, &t->mrtd, &t->mrtd_count, &p, err)) != BC_OK)
		return s;
	bc_jpath_push(parent, &p, ".mrconfigid");
	if ((v = json_object_get(obj, "mrconfigid")) &&
	    (s = parse_hex48_list(v, &t->mrconfigid, &t->mrconfigid_count, &p, err)) != BC_OK)
		return s;
	bc_jpath_push(parent, &p, ".mrowner");
	if ((v = json_object_get(obj, "mrowner")) &&
	    (s = parse_hex48_list(v, &t->mrowner, &t->mrowner_count, &p, err)) != BC_OK)
		return s;
	bc_jpath_push(parent, &p, ".allow_debug");
	if ((v = json_object_get(obj, "allow_debug")) &&
	    (s = bc_json_want_type(v, JSON_TRUE, "true or false", &p, err)) != BC_OK)
		return s;
	t->allow_debug = v && json_is_true(v);
	bc_jpath_push(parent, &p, ".xfam");
	if ((v = json_object_get(obj, "xfam")) && (s = parse_xfam(v, &t->xfam, &p, err)) != BC_OK)
		return s;
	t->has_xfam = v != NULL;
	bc_jpath_push(parent, &p, ".min_tcb_status");
	if ((v = json_object_get(obj, "min_tcb_status"))) {
		if ((s = bc_json_want_type(v, JSON_STRING, "a TCB status name", &p, err)) != BC_OK)
			return s;
		for (size_t i = 0; sgx_tcb_statuses[i] && !t->min_tcb_status; i++)
			if (!strcmp(json_string_value(v), sgx_tcb_statuses[i]))
				t->min_tcb_status = sgx_tcb_statuses[i];
		if (!t->min_tcb_status)
			return bc_jpath_fail(&p, BC_E_FORMAT, err,
					     "\"%s\" is not a TCB status (UpToDate, "
					     "SWHardeningNeeded, ConfigurationNeeded, "
					     "ConfigurationAndSWHardeningNeeded, OutOfDate, "
					     "OutOfDateConfigurationNeeded)",
					     json_string_value(v));
	}
	bc_jpath_push(parent, &p, ".ccel");
	if ((v = json_object_get(obj, "ccel")) &&
	    (s = parse_ccel(db, v, &p, &t->ccel, err)) != BC_OK)
		return s;
	db->has_keep_tdx = true;
	return BC_OK;
}

/* "keep": {"measurements": ["hex", ...], "allow_debug": false, "min_tcb": {...}}: the
 * allowed MEASUREMENTs (48 bytes) of the TEE the workload runs in, whether a debuggable
 * one is allowed, and the lowest REPORTED_TCB it may run at. */
static bc_status parse_keep(bc_golden *db, const json_t *obj, const bc_jpath *parent, bc_error *err)
{
	static const char *const keys[] = {"measurements", "allow_debug", "min_tcb",
					   "sgx",	   "tdx",	  NULL};
	bc_jpath p;
	bc_status s;
	if ((s = bc_json_want_type(obj, JSON_OBJECT, "an object", parent, err)) != BC_OK ||
	    (s = bc_json_only_keys(obj, keys, parent, err)) != BC_OK)
		return s;
	const json_t *sgx = json_object_get(obj, "sgx");
	const json_t *list = json_object_get(obj, "measurements");
	bc_jpath_push(parent, &p, ".measurements");
	const json_t *tdx = json_object_get(obj, "tdx");
	/* the SEV-SNP list may be left out when a kind's object is there */
	if (!list && !sgx && !tdx)
		return bc_jpath_fail(parent, BC_E_FORMAT, err, "no \"measurements\"");
	if (list &&
	    (s = bc_json_want_type(list, JSON_ARRAY, "an array of measurements", &p, err)) != BC_OK)
		return s;
	void *values = NULL;
	s = parse_hex_items(list, 48, "a hex measurement", "not a 48-byte measurement in hex", &p,
			    &values, &db->keep_count, err);
	db->keep_measurements = values;
	if (s != BC_OK)
		return s;
	const json_t *debug = json_object_get(obj, "allow_debug");
	bc_jpath_push(parent, &p, ".allow_debug");
	if (debug && (s = bc_json_want_type(debug, JSON_TRUE, "true or false", &p, err)) != BC_OK)
		return s;
	db->keep_allow_debug = debug && json_is_true(debug);
	for (int i = 0; i < BC_GOLDEN_TCB_PARTS; i++)
		db->keep_min_tcb[i] = -1;
	const json_t *min_tcb = json_object_get(obj, "min_tcb");
	bc_jpath_push(parent, &p, ".min_tcb");
	if (min_tcb && (s = parse_min_tcb(db, min_tcb, &p, err)) != BC_OK)
		return s;
	bc_jpath_push(parent, &p, ".sgx");
	if (sgx && (s = parse_keep_sgx(db, sgx, &p, err)) != BC_OK)
		return s;
	bc_jpath_push(parent, &p, ".tdx");
	if (tdx && (s = parse_keep_tdx(db, tdx, &p, err)) != BC_OK)
		return s;
	db->has_keep_snp = list != NULL;
	db->has_keep = true;
	return BC_OK;
}

/* StartupLocality of the reference boot: PCR 0 starts at 3 or 4 (PFP 10.4.5.3). */
static bc_status parse_locality(bc_golden *db, const json_t *v, const bc_jpath *p, bc_error *err)
{
	bc_status s = bc_json_want_type(v, JSON_INTEGER, "a locality", p, err);
	if (s != BC_OK)
		return s;
	json_int_t n = json_integer_value(v);
	if (n != 0 && n != 3 && n != 4)
		return bc_jpath_fail(p, BC_E_FORMAT, err,
				     "locality %" JSON_INTEGER_FORMAT " is not 0, 3 or 4", n);
	db->startup_locality = (uint8_t)n;
	return BC_OK;
}

/* ---- "boot_order": [{"name", "pcr", "file", "kind", "event_type"}, ...] ---- */

static bc_status parse_step_kind(const json_t *obj, bc_golden_boot_step *step, const bc_jpath *p,
				 bc_error *err)
{
	bc_status s = opt_string(obj, "kind", &step->kind, p, err);
	if (s != BC_OK)
		return s;
	if (!step->kind)
		step->kind = "auto";
	if (strcmp(step->kind, "auto") && strcmp(step->kind, "raw") && strcmp(step->kind, "pe"))
		return bc_jpath_fail(p, BC_E_FORMAT, err, "kind \"%s\" is not auto, raw or pe",
				     step->kind);
	return BC_OK;
}

static bc_status parse_step_type(const json_t *obj, bc_golden_boot_step *step, const bc_jpath *p,
				 bc_error *err)
{
	const char *type;
	bc_status s = opt_string(obj, "event_type", &type, p, err);
	if (s != BC_OK || !type)
		return s;
	if (!bc_event_type_from_name(type, &step->event_type) || !step->event_type ||
	    step->event_type == BC_EV_NO_ACTION)
		return bc_jpath_fail(p, BC_E_FORMAT, err,
				     "event type \"%s\" is not one a layer is measured with", type);
	return BC_OK;
}

/* One layer: a component of the database, in its PCR, measured from a file. */
static bc_status parse_step(const bc_golden *db, const json_t *obj, bc_golden_boot_step *step,
			    const bc_jpath *p, bc_error *err)
{
	static const char *const keys[] = {"name", "pcr", "file", "kind", "event_type", NULL};
	bc_jpath sub;
	bc_status s;
	*step = (bc_golden_boot_step){.name = NULL};
	if ((s = bc_json_want_type(obj, JSON_OBJECT, "an object", p, err)) != BC_OK ||
	    (s = bc_json_only_keys(obj, keys, p, err)) != BC_OK ||
	    (s = opt_string(obj, "name", &step->name, p, err)) != BC_OK ||
	    (s = opt_string(obj, "file", &step->file, p, err)) != BC_OK ||
	    (s = parse_step_kind(obj, step, p, err)) != BC_OK ||
	    (s = parse_step_type(obj, step, p, err)) != BC_OK)
		return s;
	if (!step->name || !step->name[0] || !step->file || !step->file[0])
		return bc_jpath_fail(p, BC_E_FORMAT, err,
				     "a layer needs a \"name\" and a \"file\"");
	const json_t *pcr = json_object_get(obj, "pcr");
	if (!pcr)
		return bc_jpath_fail(p, BC_E_FORMAT, err, "layer \"%s\" has no \"pcr\"",
				     step->name);
	bc_jpath_push(p, &sub, ".pcr");
	if ((s = parse_pcr(pcr, &step->pcr, &sub, err)) != BC_OK)
		return s;
	const bc_golden_component *c = bc_golden_find(db, step->name);
	if (!c)
		return bc_jpath_fail(p, BC_E_FORMAT, err,
				     "layer \"%s\" is not a component of the database", step->name);
	if (c->pcr != step->pcr)
		return bc_jpath_fail(p, BC_E_FORMAT, err,
				     "layer \"%s\" is in PCR %u, its component in PCR %u",
				     step->name, step->pcr, c->pcr);
	return BC_OK;
}

/* The order of a boot, recorded from a chain file: each component at most once. */
static bc_status parse_boot_order(bc_golden *db, const json_t *arr, const bc_jpath *parent,
				  bc_error *err)
{
	bc_status s = bc_json_want_type(arr, JSON_ARRAY, "an array of layers", parent, err);
	if (s != BC_OK)
		return s;
	if (json_array_size(arr) == 0)
		return bc_jpath_fail(parent, BC_E_FORMAT, err, "an empty boot order");
	db->boot_order = calloc(json_array_size(arr), sizeof(*db->boot_order));
	if (!db->boot_order)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		bc_jpath p;
		bc_jpath_push(parent, &p, "[%zu]", i);
		bc_golden_boot_step *step = &db->boot_order[i];
		if ((s = parse_step(db, json_array_get(arr, i), step, &p, err)) != BC_OK)
			return s;
		for (size_t j = 0; j < i; j++)
			if (strcmp(db->boot_order[j].name, step->name) == 0)
				return bc_jpath_fail(&p, BC_E_FORMAT, err,
						     "layer \"%s\" is already boot_order[%zu]",
						     step->name, j);
		db->boot_order_count++;
	}
	return BC_OK;
}

static bc_status parse_root(bc_golden *db, const json_t *root, bc_error *err)
{
	static const char *const keys[] = {
	    "format",		"created", "description", "components", "pcrs", "explained_pcrs",
	    "startup_locality", "keep",	   "open_pcrs",	  "boot_order", NULL};
	bc_jpath top = {.file = db->name, .text = ""}, p;
	bc_status s;
	const char *format;
	if ((s = bc_json_want_type(root, JSON_OBJECT, "an object", &top, err)) != BC_OK)
		return s;
	if ((s = opt_string(root, "format", &format, &top, err)) != BC_OK)
		return s;
	if (!format)
		return bc_jpath_fail(&top, BC_E_FORMAT, err,
				     "no \"format\": not a bootchain golden database");
	if (strcmp(format, BC_GOLDEN_FORMAT) != 0)
		return bc_jpath_fail(&top, BC_E_FORMAT, err,
				     "format \"%s\" is not supported (this version reads %s)",
				     format, BC_GOLDEN_FORMAT);
	if ((s = bc_json_only_keys(root, keys, &top, err)) != BC_OK ||
	    (s = opt_string(root, "created", &db->created, &top, err)) != BC_OK ||
	    (s = opt_string(root, "description", &db->description, &top, err)) != BC_OK)
		return s;
	const json_t *components = json_object_get(root, "components");
	if (!components)
		return bc_jpath_fail(&top, BC_E_FORMAT, err, "no \"components\"");
	bc_jpath_push(&top, &p, "components");
	if ((s = parse_components(db, components, &p, err)) != BC_OK)
		return s;
	const json_t *order = json_object_get(root, "boot_order");
	bc_jpath_push(&top, &p, "boot_order");
	if (order && (s = parse_boot_order(db, order, &p, err)) != BC_OK)
		return s;
	const json_t *pcrs = json_object_get(root, "pcrs");
	bc_jpath_push(&top, &p, "pcrs");
	if (pcrs && (s = parse_expected(db, pcrs, &p, err)) != BC_OK)
		return s;
	const json_t *explained = json_object_get(root, "explained_pcrs");
	bc_jpath_push(&top, &p, "explained_pcrs");
	if (explained && (s = parse_pcr_list(explained, &db->explained_mask, &p, err)) != BC_OK)
		return s;
	const json_t *open = json_object_get(root, "open_pcrs");
	bc_jpath_push(&top, &p, "open_pcrs");
	if (open && (s = parse_pcr_list(open, &db->open_mask, &p, err)) != BC_OK)
		return s;
	if ((s = close_pcrs(db, &top, err)) != BC_OK)
		return s;
	const json_t *keep = json_object_get(root, "keep");
	bc_jpath_push(&top, &p, "keep");
	if (keep && (s = parse_keep(db, keep, &p, err)) != BC_OK)
		return s;
	const json_t *locality = json_object_get(root, "startup_locality");
	bc_jpath_push(&top, &p, "startup_locality");
	if (locality && (s = parse_locality(db, locality, &p, err)) != BC_OK)
		return s;
	return bc_golden_build_index(db, err);
}

bc_status bc_golden_from_memory(const void *data, size_t size, const char *name, bc_golden **out,
				bc_error *err)
{
	json_error_t jerr;
	_cleanup_(bc_golden_freep) bc_golden *db = calloc(1, sizeof(*db));
	if (!db || !(db->name = strdup(name ? name : "(memory)")))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (size > BC_GOLDEN_MAX_SIZE)
		return bc_fail(err, BC_E_LIMIT, "%s: larger than the limit of %zu bytes", db->name,
			       BC_GOLDEN_MAX_SIZE);
	db->root = json_loadb(data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!db->root)
		return bc_fail(err, BC_E_FORMAT, "%s: line %d, column %d (byte %d): %s", db->name,
			       jerr.line, jerr.column, jerr.position, jerr.text);
	bc_status s = parse_root(db, db->root, err);
	if (s != BC_OK)
		return s;
	*out = TAKE_PTR(db);
	return BC_OK;
}

bc_status bc_golden_load(const char *path, const char *pubkey_path, const char *sig_path,
			 bc_golden **out, bc_error *err)
{
	_cleanup_free_ uint8_t *data = NULL;
	_cleanup_free_ uint8_t *sig = NULL;
	_cleanup_free_ char *default_sig = NULL;
	size_t size = 0, sig_size = 0;
	bc_status s = bc_read_file(path, BC_GOLDEN_MAX_SIZE, &data, &size, err);
	if (s != BC_OK)
		return s;
	if (pubkey_path) {
		if (!sig_path && asprintf(&default_sig, "%s.sig", path) < 0)
			return bc_fail(err, BC_E_NOMEM, "out of memory");
		sig_path = sig_path ? sig_path : default_sig;
		s = bc_read_file(sig_path, 64 * 1024, &sig, &sig_size, err);
		if (s != BC_OK) /* NOTFOUND: `golden verify` tells "not signed" from unreadable */
			return bc_fail(err, BC_E_NOTFOUND, "%s: not signed: %s", path,
				       bc_error_message(err));
		s = bc_signature_verify(data, size, sig, sig_size, pubkey_path, err);
		if (s != BC_OK)
			return bc_fail(err, s, "%s: signature %s: %s", path, sig_path,
				       bc_error_message(err));
	}
	return bc_golden_from_memory(data, size, path, out, err);
}

void bc_golden_free(bc_golden *db)
{
	if (!db)
		return;
	json_decref(db->root);
	free(db->components);
	free(db->versions);
	free(db->by_name);
	free(db->expected);
	free(db->index);
	free(db->keep_measurements);
	free(db->keep_tdx.mrtd);
	free(db->keep_tdx.mrconfigid);
	free(db->keep_tdx.mrowner);
	bc_golden_free(db->keep_tdx.ccel);
	if (db->keep_sgx) {
		free(db->keep_sgx->mrenclave);
		free(db->keep_sgx->mrsigner);
		free(db->keep_sgx);
	}
	free(db->boot_order);
	free(db->name);
	free(db);
}

size_t bc_golden_component_count(const bc_golden *db)
{
	return db->count;
}

const bc_golden_component *bc_golden_component_at(const bc_golden *db, size_t i)
{
	return i < db->count ? &db->components[i] : NULL;
}

const bc_golden_boot_step *bc_golden_boot_order(const bc_golden *db, size_t *count)
{
	*count = db->boot_order_count;
	return db->boot_order_count ? db->boot_order : NULL;
}

const bc_golden_component *bc_golden_find(const bc_golden *db, const char *name)
{
	bc_golden_component key = {.name = name}, *kp = &key;
	bc_golden_component **found =
	    bsearch(&kp, db->by_name, db->count, sizeof(*db->by_name), by_name);
	return found ? *found : NULL;
}

int bc_golden_version_compare(const bc_golden_version *v, const bc_digest_set *digests)
{
	size_t common = 0;
	for (size_t i = 0; i < digests->count; i++) {
		const bc_digest *have = &digests->digests[i];
		const bc_digest *want = bc_digest_set_find(&v->digests, have->alg);
		if (!want)
			continue;
		if (want->size != have->size || memcmp(want->bytes, have->bytes, have->size))
			return 0;
		common++;
	}
	return common ? 1 : -1;
}

bc_golden_verdict bc_golden_match(const bc_golden *db, const char *name, uint32_t pcr,
				  const bc_digest_set *digests, size_t *version)
{
	const bc_golden_component *c = bc_golden_find(db, name);
	bool any_common = false;
	if (!c)
		return BC_GOLDEN_NO_COMPONENT;
	if (c->pcr != pcr)
		return BC_GOLDEN_WRONG_PCR;
	for (size_t i = 0; i < c->version_count; i++) {
		int r = bc_golden_version_compare(&c->versions[i], digests);
		if (r == 1) {
			if (version)
				*version = i;
			return BC_GOLDEN_MATCH;
		}
		any_common |= r == 0;
	}
	return any_common ? BC_GOLDEN_DIFFERS : BC_GOLDEN_NO_COMMON_BANK;
}

const char *bc_golden_verdict_name(bc_golden_verdict v)
{
	switch (v) {
	case BC_GOLDEN_MATCH: return "matches";
	case BC_GOLDEN_DIFFERS: return "differs";
	case BC_GOLDEN_NO_COMPONENT: return "no such component";
	case BC_GOLDEN_NO_COMMON_BANK: return "no digest in a measured bank";
	case BC_GOLDEN_WRONG_PCR: return "measured into another PCR";
	}
	return "unknown verdict";
}
