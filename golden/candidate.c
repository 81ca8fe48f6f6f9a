/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Candidate images for an update ("NAME:PCR:FILE"): parsed, digested as `bootchain
 * measure` digests a layer (measure/image.c, Authenticode for a PE image), and applied
 * to a database in memory, either replacing the versions of their components (the boot
 * after the update, for `golden predict --with`) or added to them (`golden update`).
 * A database is changed through its JSON tree and loaded again, so that every change
 * passes the same checks as a database read from a file.
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
#include "util/cleanup.h"

static bc_status nomem(bc_error *err)
{
	return bc_fail(err, BC_E_NOMEM, "out of memory");
}

/* ---- parsing ---- */

/* A layer name as a chain file spells it, less the colon that separates the fields. */
static bool name_char(char c)
{
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') ||
	       (c && strchr("._-+@", c));
}

static bool parse_pcr(const char *text, size_t len, uint32_t *pcr)
{
	uint32_t v = 0;
	if (len == 0 || len > 2)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(text[i] - '0');
	}
	*pcr = v;
	return v < BC_PCR_COUNT;
}

bc_status bc_golden_candidate_parse(const char *arg, const char *option, bc_golden_candidate *out,
				    bc_error *err)
{
	const char *c1 = strchr(arg, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	*out = (bc_golden_candidate){0};
	if (!c1 || !c2 || c1 == arg || !c2[1])
		return bc_fail(err, BC_E_INVALID, "%s %s: expected NAME:PCR:FILE", option, arg);
	for (const char *p = arg; p < c1; p++)
		if (!name_char(*p))
			return bc_fail(err, BC_E_INVALID,
				       "%s %s: the name may hold only letters, digits and ._-+@",
				       option, arg);
	if (!parse_pcr(c1 + 1, (size_t)(c2 - c1 - 1), &out->pcr))
		return bc_fail(err, BC_E_INVALID,
			       "%s %s: PCR \"%.*s\" is not a number from 0 to 23", option, arg,
			       (int)(c2 - c1 - 1), c1 + 1);
	out->name = strndup(arg, (size_t)(c1 - arg));
	out->file = strdup(c2 + 1);
	if (!out->name || !out->file) {
		bc_golden_candidate_clear(out);
		return nomem(err);
	}
	return BC_OK;
}

void bc_golden_candidate_clear(bc_golden_candidate *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->file);
	*c = (bc_golden_candidate){0};
}

/* ---- digests ---- */

bc_status bc_golden_candidate_digest(bc_golden_candidate *c, const uint16_t *algs, size_t count,
				     bc_error *err)
{
	bc_image_kind used = BC_IMAGE_RAW;
	if (count == 0)
		return bc_fail(err, BC_E_INVALID, "%s: no bank to digest it in", c->file);
	bc_status s =
	    bc_image_digest_file(c->file, BC_IMAGE_AUTO, algs, count, &c->digests, &used, err);
	c->digested = s == BC_OK;
	c->is_pe = used == BC_IMAGE_PE;
	return s;
}

size_t bc_golden_banks(const bc_golden *db, uint16_t algs[BC_MAX_BANKS])
{
	static const uint16_t known[] = {BC_ALG_SHA1,	  BC_ALG_SHA256,  BC_ALG_SHA384,
					 BC_ALG_SHA512,	  BC_ALG_SM3_256, BC_ALG_SHA3_256,
					 BC_ALG_SHA3_384, BC_ALG_SHA3_512};
	size_t n = 0;
	for (size_t k = 0; k < ELEMENTSOF(known); k++) {
		bool used = false;
		for (size_t i = 0; i < db->count && !used; i++)
			for (size_t v = 0; v < db->components[i].version_count && !used; v++)
				used = bc_digest_set_find(&db->components[i].versions[v].digests,
							  known[k]) != NULL;
		if (used && bc_hash_alg_available(known[k]))
			algs[n++] = known[k];
	}
	return n;
}

/* ---- the JSON tree of a database ---- */

static json_t *find_component(json_t *components, const char *name, size_t *index)
{
	size_t i;
	json_t *c;
	json_array_foreach(components, i, c)
	{
		if (strcmp(json_string_value(json_object_get(c, "name")), name) == 0) {
			if (index)
				*index = i;
			return c;
		}
	}
	return NULL;
}

/* The database the edited tree describes, checked as a file would be. */
static bc_status reload(json_t *root, const char *name, bc_golden **out, bc_error *err)
{
	_cleanup_free_ char *text = json_dumps(root, JSON_COMPACT);
	if (!text)
		return nomem(err);
	return bc_golden_from_memory(text, strlen(text), name, out, err);
}

bc_status bc_golden_render(const bc_golden *db, char **text, size_t *size, bc_error *err)
{
	char *out = json_dumps(db->root, JSON_INDENT(2));
	if (!out)
		return nomem(err);
	size_t len = strlen(out);
	out[len] = '\n'; /* json_dumps leaves room for the NUL: replace it, keep length */
	*text = out;
	*size = len + 1;
	return BC_OK;
}

/* ---- applying candidates ---- */

static json_t *version_json(const bc_golden_candidate *c, const char *date)
{
	json_t *digests = bc_golden_digests_json(&c->digests);
	return digests ? json_pack("{s:o, s:{s:s, s:s}}", "digests", digests, "source", "file",
				   c->file, "date", date)
		       : NULL;
}

/* A new component for a candidate, appended: typed as `golden add --image` types it. */
static json_t *new_component(json_t *components, const bc_golden_candidate *c)
{
	json_t *o = json_pack("{s:s, s:i}", "name", c->name, "pcr", (json_int_t)c->pcr);
	const char *type =
	    c->is_pe ? bc_event_type_name(BC_EV_EFI_BOOT_SERVICES_APPLICATION) : NULL;
	if (!o)
		return NULL;
	if ((type && json_object_set_new(o, "event_type", json_string(type))) ||
	    json_object_set_new(o, "versions", json_array())) {
		json_decref(o);
		return NULL;
	}
	return json_array_append_new(components, o) ? NULL : o; /* freed when refused */
}

static bool has_version(json_t *versions, json_t *digests)
{
	size_t i;
	json_t *v;
	json_array_foreach(versions, i, v)
	{
		if (json_equal(json_object_get(v, "digests"), digests))
			return true;
	}
	return false;
}

/* One candidate into the tree; cleared holds the names whose old versions are gone. */
static bc_status apply_one(json_t *components, const bc_golden_candidate *c,
			   bc_golden_apply_mode mode, json_t *cleared, const char *date,
			   bc_error *err)
{
	json_t *comp = find_component(components, c->name, NULL);
	if (!c->digested)
		return bc_fail(err, BC_E_INVALID, "%s: not digested", c->file);
	if (comp) {
		json_int_t pcr = json_integer_value(json_object_get(comp, "pcr"));
		if (pcr != (json_int_t)c->pcr)
			return bc_fail(
			    err, BC_E_INVALID,
			    "%s:%u:%s: component %s is measured into PCR %" JSON_INTEGER_FORMAT
			    ", not PCR %u",
			    c->name, c->pcr, c->file, c->name, pcr, c->pcr);
	} else if (!(comp = new_component(components, c))) {
		return nomem(err);
	}
	json_t *versions = json_object_get(comp, "versions");
	if (mode == BC_GOLDEN_REPLACE && !json_object_get(cleared, c->name) &&
	    (json_array_clear(versions) || json_object_set_new(cleared, c->name, json_true())))
		return nomem(err);
	_cleanup_(json_decrefp) json_t *v = version_json(c, date);
	if (!v)
		return nomem(err);
	if (has_version(versions, json_object_get(v, "digests")))
		return BC_OK;
	return json_array_append(versions, v) ? nomem(err) : BC_OK;
}

bc_status bc_golden_apply_candidates(const bc_golden *db, const bc_golden_candidate *candidates,
				     size_t count, bc_golden_apply_mode mode, bc_golden **out,
				     bc_error *err)
{
	char date[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	_cleanup_(json_decrefp) json_t *root = json_deep_copy(db->root);
	_cleanup_(json_decrefp) json_t *cleared = json_object();
	if (!root || !cleared)
		return nomem(err);
	json_t *components = json_object_get(root, "components");
	for (size_t i = 0; i < count; i++) {
		bc_status s = apply_one(components, &candidates[i], mode, cleared, date, err);
		if (s != BC_OK)
			return s;
	}
	return reload(root, db->name, out, err);
}

/* ---- retiring versions ---- */

/* Whether version v of c is the one which names (see bc_golden_retire()). */
static bool selects(const bc_golden_component *c, size_t v, const char *which)
{
	size_t len = strlen(which), n = 0;
	if (len <= 6 && strspn(which, "0123456789") == len) {
		for (size_t i = 0; i < len; i++)
			n = n * 10 + (size_t)(which[i] - '0');
		return n == v + 1;
	}
	const bc_digest_set *d = &c->versions[v].digests;
	char hex[2 * BC_MAX_DIGEST_SIZE + 1];
	for (size_t i = 0; i < d->count; i++)
		if (strcasecmp(bc_digest_hex(&d->digests[i], hex), which) == 0)
			return true;
	const char *version = c->versions[v].source.version;
	return version && strcmp(version, which) == 0;
}

static bool in_boot_order(const bc_golden *db, const char *name)
{
	for (size_t i = 0; i < db->boot_order_count; i++)
		if (strcmp(db->boot_order[i].name, name) == 0)
			return true;
	return false;
}

/* Whether removing every version of c (removing c) is allowed. */
static bc_status may_remove_component(const bc_golden *db, const bc_golden_component *c, bool force,
				      bc_error *err)
{
	if (c->required && !force)
		return bc_fail(err, BC_E_INVALID,
			       "component %s is required and this would retire its last version: "
			       "give --remove-last to remove the component",
			       c->name);
	if (in_boot_order(db, c->name))
		return bc_fail(err, BC_E_INVALID,
			       "component %s is a layer of the boot order (boot_order): it cannot "
			       "lose its last version",
			       c->name);
	return BC_OK;
}

bc_status bc_golden_retire(const bc_golden *db, const char *name, const char *which, bool force,
			   bc_golden **out, size_t *removed, bc_error *err)
{
	const bc_golden_component *c = bc_golden_find(db, name);
	if (!c)
		return bc_fail(err, BC_E_NOTFOUND, "%s: no component named %s", db->name, name);
	_cleanup_(json_decrefp) json_t *root = json_deep_copy(db->root);
	if (!root)
		return nomem(err);
	size_t index = 0, n = 0;
	json_t *components = json_object_get(root, "components");
	json_t *versions = json_object_get(find_component(components, name, &index), "versions");
	for (size_t v = c->version_count; v-- > 0;) { /* from the end: indices stay valid */
		bool retire = which ? selects(c, v, which) : v + 1 < c->version_count;
		if (retire && json_array_remove(versions, v))
			return nomem(err);
		n += retire;
	}
	if (n == 0)
		return bc_fail(err, BC_E_NOTFOUND, "component %s: %s", name,
			       which ? "no version is that one (a number as golden show prints, "
				       "a digest, or a version text)"
				     : "has one version only: nothing to retire");
	bc_status s = BC_OK;
	if (n == c->version_count && (s = may_remove_component(db, c, force, err)) == BC_OK &&
	    json_array_remove(components, index))
		s = nomem(err);
	if (s == BC_OK && (s = reload(root, db->name, out, err)) == BC_OK && removed)
		*removed = n;
	return s;
}
