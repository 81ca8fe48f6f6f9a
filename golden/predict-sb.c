/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCR 7 after a Secure Boot database update (db, dbx, dbt, dbr), predicted from a
 * reference log of the machine: firmware measures each of these variables into PCR 7 as
 * an EV_EFI_VARIABLE_DRIVER_CONFIG event whose digest is the hash of the whole
 * UEFI_VARIABLE_DATA (VariableName GUID, the name's length in characters, the value's
 * length, the UTF-16 name, the value; TCG PC Client PFP 10.4.4). The log gives the old
 * values and the order; the update gives the new values, and every other event of PCR 7
 * is replayed as logged. A log whose digest is not that hash (firmware that measures
 * otherwise) is refused rather than mispredicted.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <bootchain/efi-siglist.h>
#include <bootchain/eventlog.h>
#include <bootchain/golden.h>

#include "eventlog/eventlog-internal.h"
#include "golden/golden-build.h"
#include "pcr/digest-internal.h"
#include "util/cleanup.h"
#include "util/reader.h"

#define SB_PCR		  7
#define MAX_VARIABLE_NAME 7 /* "db", "dbx", "dbt", "dbr" and room to tell longer ones */
#define VARIABLE_HEADER	  (BC_EFI_GUID_SIZE + 8 + 8)

/* EFI_IMAGE_SECURITY_DATABASE_GUID d719b2cb-3d3a-4596-a3bc-dad00e67656f, as stored */
static const uint8_t image_security_guid[BC_EFI_GUID_SIZE] = {
    0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45, 0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f};

static const char *const sb_variables[] = {"db", "dbx", "dbt", "dbr"};

/* A UEFI_VARIABLE_DATA: pointers into the event data. */
typedef struct variable {
	const uint8_t *guid;
	uint64_t name_len; /* UTF-16 characters */
	const uint8_t *name;
	const uint8_t *value;
	size_t value_size;
	char ascii[MAX_VARIABLE_NAME + 1]; /* "" when not a short ASCII name */
} variable;

/* The updates loaded, and the current value of each variable they change. */
typedef struct loaded {
	const bc_sb_update *u;
	bc_efi_update *file;
	bool applied; /* an event of its variable was found */
} loaded;

typedef struct pcr7 {
	bc_digest_set value;
	bool incomplete[BC_MAX_BANKS]; /* an extending event has no digest of the bank */
} pcr7;

static bool parse_variable(const bc_event *ev, variable *v)
{
	bc_reader r = bc_reader_init(ev->data, ev->data_size);
	uint64_t value_len;
	if (!bc_rd_bytes(&r, BC_EFI_GUID_SIZE, &v->guid) || !bc_rd_u64le(&r, &v->name_len) ||
	    !bc_rd_u64le(&r, &value_len) || v->name_len > bc_rd_left(&r) / 2 ||
	    !bc_rd_bytes(&r, (size_t)v->name_len * 2, &v->name) || value_len > bc_rd_left(&r) ||
	    !bc_rd_bytes(&r, (size_t)value_len, &v->value))
		return false;
	v->value_size = (size_t)value_len;
	v->ascii[0] = 0;
	if (v->name_len == 0 || v->name_len > MAX_VARIABLE_NAME)
		return true;
	for (size_t i = 0; i < v->name_len; i++) {
		uint16_t c = (uint16_t)(v->name[2 * i] | v->name[2 * i + 1] << 8);
		if (c < 0x21 || c > 0x7e) {
			v->ascii[0] = 0; /* not a name of ours */
			return true;
		}
		v->ascii[i] = (char)c;
	}
	v->ascii[v->name_len] = 0;
	return true;
}

/* The signature database variable an event measures ("db"...), or NULL. */
static const char *sb_variable_of(const bc_event *ev, variable *v)
{
	if (ev->pcr != SB_PCR || ev->type != BC_EV_EFI_VARIABLE_DRIVER_CONFIG ||
	    !parse_variable(ev, v) || memcmp(v->guid, image_security_guid, BC_EFI_GUID_SIZE) != 0)
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(sb_variables); i++)
		if (strcmp(v->ascii, sb_variables[i]) == 0)
			return sb_variables[i];
	return NULL;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The UEFI_VARIABLE_DATA of v with another value: the bytes firmware hashes. */
static bc_status variable_bytes(const variable *v, const uint8_t *value, size_t size, uint8_t **out,
				size_t *out_size, bc_error *err)
{
	size_t name_bytes = (size_t)v->name_len * 2; /* fits: it was in the event */
	if (size > SIZE_MAX - VARIABLE_HEADER - name_bytes)
		return bc_fail(err, BC_E_LIMIT, "the new variable is too large");
	*out_size = VARIABLE_HEADER + name_bytes + size;
	uint8_t *p = *out = malloc(*out_size);
	if (!p)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	memcpy(p, v->guid, BC_EFI_GUID_SIZE);
	put_le64(p + BC_EFI_GUID_SIZE, v->name_len);
	put_le64(p + BC_EFI_GUID_SIZE + 8, size);
	memcpy(p + VARIABLE_HEADER, v->name, name_bytes);
	if (size)
		memcpy(p + VARIABLE_HEADER + name_bytes, value, size);
	return BC_OK;
}

/* The digests of bytes in every bank of ev this library can compute. */
static bc_status hash_banks(const bc_event *ev, const uint8_t *bytes, size_t size,
			    bc_digest_set *out, bc_error *err)
{
	out->count = 0;
	for (size_t i = 0; i < ev->digest_count; i++) {
		bc_digest d;
		if (!bc_hash_alg_available(ev->digests[i].alg))
			continue;
		bc_status s = bc_digest_compute(ev->digests[i].alg, bytes, size, &d, err);
		if (s == BC_OK)
			s = bc_digest_set_put(out, &d, err);
		if (s != BC_OK)
			return s;
	}
	return BC_OK;
}

/* The logged digests must be the hash of the UEFI_VARIABLE_DATA as we build it, else
 * this firmware measures variables otherwise and a new value cannot be predicted. */
static bc_status check_firmware_form(const bc_log *log, const bc_event *ev, const variable *v,
				     const char *name, bc_error *err)
{
	_cleanup_free_ uint8_t *bytes = NULL;
	size_t size;
	bc_digest_set computed;
	bc_status s = variable_bytes(v, v->value, v->value_size, &bytes, &size, err);
	if (s == BC_OK)
		s = hash_banks(ev, bytes, size, &computed, err);
	for (size_t i = 0; s == BC_OK && i < computed.count; i++) {
		const bc_digest *c = &computed.digests[i];
		const bc_event_digest *d = bc_event_find_digest(ev, c->alg);
		if (d && d->size == c->size && memcmp(d->bytes, c->bytes, c->size) == 0)
			continue;
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "%s: event %" PRIu32 " (%s, offset 0x%" PRIx64 "): the logged %s "
			       "digest is not the digest of its UEFI_VARIABLE_DATA: this firmware "
			       "measures %s otherwise, and its new value cannot be predicted",
			       bc_log_name(log), ev->number, name, ev->offset,
			       bc_hash_alg_name(c->alg), name);
	}
	return s;
}

/* value (owned, may be NULL when size is 0) after one update of its variable. */
static bc_status apply_update(const loaded *l, const char *event_name, uint8_t **value,
			      size_t *size, bc_sb_changed *c, bc_error *err)
{
	const bc_efi_update *f = l->file;
	uint8_t *next = NULL;
	size_t next_size = 0, added = 0, present = 0;
	bc_status s;
	if (l->u->write == BC_SB_REPLACE) {
		next_size = f->esl_size;
		if (next_size && !(next = malloc(next_size)))
			return bc_fail(err, BC_E_NOMEM, "out of memory");
		if (next_size)
			memcpy(next, f->esl, next_size);
		added = f->signatures;
		c->replaced = true;
	} else if ((s = bc_esl_append(*value, *size, event_name, f->esl, f->esl_size, f->name,
				      f->esl_offset, &next, &next_size, &added, &present, err)) !=
		   BC_OK) {
		return s;
	}
	free(*value);
	*value = next;
	*size = next_size;
	c->added += added;
	c->present += present;
	return BC_OK;
}

/* The new digests of a signature database event, with every update of its variable. */
static bc_status change_event(const bc_log *log, const bc_event *ev, const variable *v,
			      const char *name, loaded *updates, size_t count, bc_sb_changed *c,
			      bc_error *err)
{
	char event_name[64];
	_cleanup_free_ uint8_t *value = NULL, *bytes = NULL;
	size_t size = v->value_size, bytes_size;
	bc_status s = check_firmware_form(log, ev, v, name, err);
	if (s != BC_OK)
		return s;
	snprintf(event_name, sizeof(event_name), "event %" PRIu32 " (%s)", ev->number, name);
	if (size && !(value = malloc(size)))
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (size)
		memcpy(value, v->value, size);
	c->event = ev->number;
	snprintf(c->variable, sizeof(c->variable), "%s", name);
	c->old_size = size;
	bc_event_digest_set(ev, &c->old_digests);
	for (size_t i = 0; i < count; i++) {
		if (strcmp(updates[i].u->variable, name) != 0)
			continue;
		updates[i].applied = true;
		if ((s = apply_update(&updates[i], event_name, &value, &size, c, err)) != BC_OK)
			return s;
	}
	c->new_size = size;
	if ((s = variable_bytes(v, value, size, &bytes, &bytes_size, err)) != BC_OK)
		return s;
	return hash_banks(ev, bytes, bytes_size, &c->new_digests, err);
}

/* ---- replaying PCR 7 ---- */

static void pcr7_init(const bc_log *log, pcr7 *p)
{
	size_t n;
	const bc_log_alg *algs = bc_log_algorithms(log, &n);
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < n && p->value.count < BC_MAX_BANKS; i++) {
		const bc_hash_alg *a = bc_hash_alg_by_id(algs[i].alg);
		if (!a || !bc_hash_alg_available(a->id) || a->size != algs[i].size ||
		    bc_digest_set_find(&p->value, a->id))
			continue;
		p->value.digests[p->value.count++] = (bc_digest){.alg = a->id, .size = a->size};
	}
}

/* Extend every bank with the digest of digests (the event's, or the new ones). */
static bc_status pcr7_extend(pcr7 *p, const bc_event *ev, const bc_digest_set *digests,
			     bc_error *err)
{
	for (size_t i = 0; i < p->value.count; i++) {
		bc_digest *v = &p->value.digests[i];
		const uint8_t *d = NULL;
		if (digests) {
			const bc_digest *n = bc_digest_set_find(digests, v->alg);
			d = n && n->size == v->size ? n->bytes : NULL;
		} else {
			const bc_event_digest *e = bc_event_find_digest(ev, v->alg);
			d = e && e->size == v->size ? e->bytes : NULL;
		}
		if (!d) {
			p->incomplete[i] = true;
			continue;
		}
		if (!bc_extend_value(v->alg, v->size, v->bytes, d))
			return bc_fail(err, BC_E_UNSUPPORTED, "OpenSSL failed to extend a %s PCR",
				       bc_hash_alg_name(v->alg));
	}
	return BC_OK;
}

/* The banks every extending event of PCR 7 had a digest in. */
static void pcr7_result(const pcr7 *p, bc_digest_set *out)
{
	out->count = 0;
	for (size_t i = 0; i < p->value.count; i++)
		if (!p->incomplete[i])
			out->digests[out->count++] = p->value.digests[i];
}

/* ---- the prediction ---- */

static bc_status load_updates(const bc_sb_update *updates, size_t count, loaded *l, bc_error *err)
{
	for (size_t i = 0; i < count; i++) {
		const bc_sb_update *u = &updates[i];
		bool known = false;
		for (size_t k = 0; k < ELEMENTSOF(sb_variables); k++)
			known |= u->variable && strcmp(u->variable, sb_variables[k]) == 0;
		if (!known)
			return bc_fail(err, BC_E_INVALID,
				       "%s: variable %s is not one of db, dbx, dbt, dbr", u->path,
				       u->variable ? u->variable : "(none)");
		l[i].u = u;
		bc_status s = bc_efi_update_read_file(u->path, &l[i].file, err);
		if (s != BC_OK)
			return s;
		const bc_efi_update *f = l[i].file;
		/* sbvarsign --include-attrs says which write the firmware would do */
		if (f->has_attributes && u->write == BC_SB_APPEND &&
		    !(f->attributes & BC_EFI_VARIABLE_APPEND_WRITE))
			return bc_fail(err, BC_E_INVALID,
				       "%s: its attributes 0x%08" PRIx32 " have no APPEND_WRITE: "
				       "the firmware would replace %s with it, not append to it",
				       u->path, f->attributes, u->variable);
		if (f->has_attributes && u->write == BC_SB_REPLACE &&
		    (f->attributes & BC_EFI_VARIABLE_APPEND_WRITE))
			return bc_fail(err, BC_E_INVALID,
				       "%s: its attributes 0x%08" PRIx32 " have APPEND_WRITE: the "
				       "firmware would append it to %s, not replace it",
				       u->path, f->attributes, u->variable);
	}
	return BC_OK;
}

static void free_updates(loaded *l, size_t count)
{
	for (size_t i = 0; l && i < count; i++)
		bc_efi_update_free(l[i].file);
	free(l);
}

void bc_sb_prediction_free(bc_sb_prediction *p)
{
	if (!p)
		return;
	free(p->changed);
	free(p);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_sb_prediction *, bc_sb_prediction_free)

/* One extending event of the log: named as a database would name it, replayed as it is
 * into before, and into after with new digests when it measures an updated variable. */
static bc_status replay_event(const bc_log *log, const bc_event *ev, loaded *l, size_t count,
			      json_t *counts, json_t *used, pcr7 *before, pcr7 *after,
			      bc_sb_prediction *p, bc_error *err)
{
	char component[sizeof(p->changed[0].component)];
	variable v;
	bc_status s = bc_golden_log_event_name(ev, counts, used, component, sizeof(component), err);
	if (s != BC_OK || ev->pcr != SB_PCR)
		return s;
	if ((s = pcr7_extend(before, ev, NULL, err)) != BC_OK)
		return s;
	const char *name = sb_variable_of(ev, &v);
	bool updated = false;
	for (size_t i = 0; name && i < count; i++)
		updated |= strcmp(l[i].u->variable, name) == 0;
	if (!updated)
		return pcr7_extend(after, ev, NULL, err);
	bc_sb_changed *grown = realloc(p->changed, (p->changed_count + 1) * sizeof(*grown));
	if (!grown)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	p->changed = grown;
	bc_sb_changed *c = memset(&p->changed[p->changed_count++], 0, sizeof(*c));
	snprintf(c->component, sizeof(c->component), "%s", component);
	if ((s = change_event(log, ev, &v, name, l, count, c, err)) != BC_OK)
		return s;
	return pcr7_extend(after, ev, &c->new_digests, err);
}

static bc_status replay_log(const bc_log *log, loaded *l, size_t count, bc_sb_prediction *p,
			    bc_error *err)
{
	_cleanup_(json_decrefp) json_t *counts = json_object();
	_cleanup_(json_decrefp) json_t *used = json_object();
	pcr7 before, after;
	bc_log_iter it;
	if (!counts || !used)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	pcr7_init(log, &before);
	pcr7_init(log, &after);
	bc_log_iter_init(log, &it);
	for (;;) {
		bc_event ev;
		bool done;
		bc_status s = bc_log_next(&it, &ev, &done, err);
		if (s != BC_OK)
			return s;
		if (done)
			break;
		/* as `golden create --from-log` walks it, so that the names agree */
		if (!bc_event_extends(&ev) || ev.pcr >= BC_PCR_COUNT)
			continue;
		if ((s = replay_event(log, &ev, l, count, counts, used, &before, &after, p, err)) !=
		    BC_OK)
			return s;
	}
	pcr7_result(&before, &p->before);
	pcr7_result(&after, &p->after);
	return BC_OK;
}

bc_status bc_sb_predict(const bc_log *log, const bc_sb_update *updates, size_t count,
			bc_sb_prediction **out, bc_error *err)
{
	*out = NULL;
	if (count == 0)
		return bc_fail(err, BC_E_INVALID, "no update given");
	_cleanup_(bc_sb_prediction_freep) bc_sb_prediction *p = calloc(1, sizeof(*p));
	loaded *l = calloc(count, sizeof(*l));
	bc_status s = p && l ? BC_OK : bc_fail(err, BC_E_NOMEM, "out of memory");
	if (s == BC_OK)
		s = load_updates(updates, count, l, err);
	if (s == BC_OK)
		s = replay_log(log, l, count, p, err);
	for (size_t i = 0; s == BC_OK && i < count; i++)
		if (!l[i].applied)
			s = bc_fail(err, BC_E_NOTFOUND,
				    "%s: no EV_EFI_VARIABLE_DRIVER_CONFIG event of %s in PCR 7: "
				    "cannot predict its update",
				    bc_log_name(log), updates[i].variable);
	if (s == BC_OK && p->after.count == 0)
		s = bc_fail(err, BC_E_UNSUPPORTED,
			    "%s: no bank of PCR 7 can be replayed (every bank lacks a digest of "
			    "some event, or is one this library cannot compute)",
			    bc_log_name(log));
	free_updates(l, count);
	if (s == BC_OK)
		*out = TAKE_PTR(p);
	return s;
}
