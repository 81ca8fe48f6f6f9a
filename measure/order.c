/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The order of a trusted boot over a whole chain. The chain file is not signed: with a
 * line deleted, moved or repeated, every layer it still names matches the golden
 * database, and a boot that checked layers one by one would go on. So a trusted boot
 * of a chain also keeps what it has measured: a component measured twice, or after one
 * that the database orders after it in the same PCR (the PCR value then differs from
 * every golden boot's), halts; and when the chain ends, every component the boot
 * expects must have been measured.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <bootchain/measure.h>

struct bc_boot_progress {
	const bc_golden *db;
	size_t count;
	bool *measured; /* by component index */
	bool *expected; /* by component index */
	size_t *rank;	/* by component index: its place in the boot, NO_RANK when none */
};

#define NO_RANK SIZE_MAX

static size_t component_index(const bc_golden *db, const bc_golden_component *c)
{
	return (size_t)(c - bc_golden_component_at(db, 0));
}

/* With a boot order, the boot expects exactly its components, in its order (the
 * others, such as the firmware events of a log, someone else measures); without one,
 * the required components, in database order. */
static void mark_expected(bc_boot_progress *p)
{
	size_t steps;
	const bc_golden_boot_step *order = bc_golden_boot_order(p->db, &steps);
	for (size_t i = 0; i < p->count; i++) {
		p->expected[i] = !order && bc_golden_component_at(p->db, i)->required;
		p->rank[i] = order ? NO_RANK : i;
	}
	for (size_t i = 0; i < steps; i++) {
		size_t at = component_index(p->db, bc_golden_find(p->db, order[i].name));
		p->expected[at] = true;
		p->rank[at] = i;
	}
}

bc_status bc_boot_progress_new(const bc_golden *db, bc_boot_progress **out, bc_error *err)
{
	bc_boot_progress *p = calloc(1, sizeof(*p));
	size_t count = bc_golden_component_count(db);
	if (p) {
		p->measured = calloc(count ? count : 1, sizeof(*p->measured));
		p->expected = calloc(count ? count : 1, sizeof(*p->expected));
		p->rank = calloc(count ? count : 1, sizeof(*p->rank));
	}
	if (!p || !p->measured || !p->expected || !p->rank) {
		bc_boot_progress_free(p);
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	}
	p->db = db;
	p->count = count;
	mark_expected(p);
	*out = p;
	return BC_OK;
}

void bc_boot_progress_free(bc_boot_progress *p)
{
	if (!p)
		return;
	free(p->measured);
	free(p->expected);
	free(p->rank);
	free(p);
}

bc_status bc_boot_progress_step(bc_boot_progress *p, const bc_layer *layer, bc_error *err)
{
	const bc_golden_component *c = bc_golden_find(p->db, layer->name);
	if (!c || c->pcr != layer->pcr)
		return BC_OK; /* not this database's layer: the golden verdict says so */
	size_t at = component_index(p->db, c);
	if (p->measured[at])
		return bc_fail(err, BC_E_MISMATCH,
			       "layer %s, PCR %u: measured a second time (a repeated chain line?)",
			       layer->name, layer->pcr);
	for (size_t i = 0; p->rank[at] != NO_RANK && i < p->count; i++) {
		const bc_golden_component *later = bc_golden_component_at(p->db, i);
		if (p->measured[i] && later->pcr == c->pcr && p->rank[i] != NO_RANK &&
		    p->rank[i] > p->rank[at])
			return bc_fail(err, BC_E_MISMATCH,
				       "layer %s, PCR %u: measured after %s, which the golden "
				       "database orders after it (a reordered chain?)",
				       layer->name, layer->pcr, later->name);
	}
	p->measured[at] = true;
	return BC_OK;
}

size_t bc_boot_progress_missing(const bc_boot_progress *p, const bc_golden_component **out,
				size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < p->count; i++) {
		if (!p->expected[i] || p->measured[i])
			continue;
		if (n < max)
			out[n] = bc_golden_component_at(p->db, i);
		n++;
	}
	return n;
}
