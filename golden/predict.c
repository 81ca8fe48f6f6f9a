/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Predicting PCR values from a golden database: a boot made only of its components,
 * in database order. Every PCR of every bank is predicted on its own; a component with
 * several versions multiplies the possible values, which are kept distinct and capped.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <bootchain/golden.h>

#include "golden/golden-internal.h"
#include "pcr/digest-internal.h"

void bc_golden_predictions_free(bc_golden_prediction *p, size_t count)
{
	if (!p)
		return;
	for (size_t i = 0; i < count; i++)
		free(p[i].values);
	free(p);
}

/* The value a PCR has after reset (PFP: PCRs 17-22 all ones; PCR 0 the locality). */
static void reset_value(const bc_golden *db, uint32_t pcr, uint16_t size, bc_digest *out)
{
	*out = (bc_digest){.size = size};
	if (pcr >= 17 && pcr <= 22)
		memset(out->bytes, 0xff, size);
	if (pcr == 0 && db->startup_locality)
		out->bytes[size - 1] = db->startup_locality;
}

static bool contains(const bc_digest *values, size_t n, const bc_digest *v)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(values[i].bytes, v->bytes, v->size) == 0)
			return true;
	return false;
}

/* Extend every current value with every version's digest of c: the next values. */
static bc_status step(const bc_golden_component *c, bc_golden_prediction *p, size_t max,
		      bc_digest *next, bc_error *err)
{
	size_t n = 0;
	for (size_t i = 0; i < p->count; i++) {
		for (size_t v = 0; v < c->version_count; v++) {
			const bc_digest *d = bc_digest_set_find(&c->versions[v].digests, p->alg);
			if (!d) {
				p->unknown = true;
				p->count = 0; /* no value rather than a wrong one */
				return BC_OK;
			}
			bc_digest value = p->values[i];
			if (!bc_extend_value(p->alg, value.size, value.bytes, d->bytes))
				return bc_fail(err, BC_E_UNSUPPORTED, "cannot extend %s",
					       bc_hash_alg_name(p->alg));
			if (contains(next, n, &value))
				continue;
			if (n == max) {
				p->capped = true;
				break;
			}
			next[n++] = value;
		}
	}
	memcpy(p->values, next, n * sizeof(*next));
	p->count = n;
	return BC_OK;
}

static bc_status predict_one(const bc_golden *db, bc_golden_prediction *p, size_t max,
			     bc_digest *scratch, bc_error *err)
{
	const bc_hash_alg *alg = bc_hash_alg_by_id(p->alg);
	p->values = calloc(max, sizeof(*p->values));
	if (!p->values)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	reset_value(db, p->pcr, alg->size, &p->values[0]);
	p->values[0].alg = p->alg;
	p->count = 1;
	for (size_t i = 0; i < db->count && !p->unknown; i++) {
		if (db->components[i].pcr != p->pcr)
			continue;
		bc_status s = step(&db->components[i], p, max, scratch, err);
		if (s != BC_OK)
			return s;
	}
	return BC_OK;
}

/* Which PCRs have components, and which banks any version has. */
static void database_selection(const bc_golden *db, bc_pcr_selection *out)
{
	uint32_t pcrs = 0;
	*out = (bc_pcr_selection){.count = 0};
	for (size_t i = 0; i < db->count; i++)
		pcrs |= 1u << db->components[i].pcr;
	for (size_t i = 0; i < db->count; i++)
		for (size_t v = 0; v < db->components[i].version_count; v++) {
			const bc_digest_set *d = &db->components[i].versions[v].digests;
			for (size_t b = 0; b < d->count; b++)
				if (bc_hash_alg_available(d->digests[b].alg))
					bc_pcr_selection_add(out, d->digests[b].alg, pcrs, NULL);
		}
}

static size_t count_selected(const bc_golden *db, const bc_pcr_selection *sel)
{
	uint32_t has = 0;
	size_t n = 0;
	for (size_t i = 0; i < db->count; i++)
		has |= 1u << db->components[i].pcr;
	for (size_t b = 0; b < sel->count; b++)
		n += (size_t)__builtin_popcount(sel->banks[b].mask & has);
	return n;
}

bc_status bc_golden_predict(const bc_golden *db, const bc_pcr_selection *sel, size_t max_values,
			    bc_golden_prediction **out, size_t *count, bc_error *err)
{
	bc_pcr_selection all;
	uint32_t has = 0;
	if (!sel) {
		database_selection(db, &all);
		sel = &all;
	}
	if (max_values == 0)
		return bc_fail(err, BC_E_INVALID, "predict: at least one value per PCR");
	for (size_t i = 0; i < db->count; i++)
		has |= 1u << db->components[i].pcr;
	size_t n = count_selected(db, sel), k = 0;
	bc_golden_prediction *p = calloc(n + 1, sizeof(*p));
	bc_digest *scratch = calloc(max_values, sizeof(*scratch));
	bc_status s = p && scratch ? BC_OK : bc_fail(err, BC_E_NOMEM, "out of memory");
	for (size_t b = 0; s == BC_OK && b < sel->count; b++) {
		if (!bc_hash_alg_available(sel->banks[b].alg)) {
			s = bc_fail(err, BC_E_UNSUPPORTED, "cannot compute %s",
				    bc_hash_alg_name(sel->banks[b].alg));
			break;
		}
		for (uint32_t pcr = 0; s == BC_OK && pcr < BC_PCR_COUNT; pcr++) {
			if (!(sel->banks[b].mask & has & (1u << pcr)))
				continue;
			p[k] = (bc_golden_prediction){.alg = sel->banks[b].alg, .pcr = pcr};
			s = predict_one(db, &p[k++], max_values, scratch, err);
		}
	}
	free(scratch);
	if (s != BC_OK) {
		bc_golden_predictions_free(p, k);
		return s;
	}
	*out = p;
	*count = k;
	return BC_OK;
}
