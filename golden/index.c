/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lookup index of a golden database, built at load time: (PCR, bank, digest) to
 * the versions that have that digest, in an open-addressing hash table, so that
 * checking an event costs the same whatever the size of the database. Digests are
 * uniformly distributed already: their first bytes are the hash. Each (PCR, bank,
 * digest) is indexed once, pointing at the first version that has it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "golden/golden-internal.h"

static uint64_t slot_hash(uint32_t pcr, uint16_t alg, const uint8_t *digest, uint16_t size)
{
	uint64_t h = 0;
	memcpy(&h, digest, size < sizeof(h) ? size : sizeof(h));
	return h ^ ((uint64_t)pcr << 56) ^ ((uint64_t)alg << 40);
}

static bool entry_is(const bc_golden *db, const bc_golden_index_entry *e, uint32_t pcr,
		     const bc_digest *d)
{
	const bc_golden_component *c = &db->components[e->component];
	const bc_digest *have = &c->versions[e->version].digests.digests[e->digest];
	return c->pcr == pcr && have->alg == d->alg && have->size == d->size &&
	       memcmp(have->bytes, d->bytes, d->size) == 0;
}

static size_t table_size(size_t entries)
{
	size_t n = 16;
	while (n < 2 * entries)
		n *= 2;
	return n;
}

static size_t count_digests(const bc_golden *db)
{
	size_t n = 0;
	for (size_t i = 0; i < db->count; i++)
		for (size_t v = 0; v < db->components[i].version_count; v++)
			n += db->components[i].versions[v].digests.count;
	return n;
}

static void insert(bc_golden *db, uint32_t component, uint32_t version, uint32_t digest)
{
	const bc_golden_component *c = &db->components[component];
	const bc_digest *d = &c->versions[version].digests.digests[digest];
	size_t mask = db->index_size - 1;
	size_t i = slot_hash(c->pcr, d->alg, d->bytes, d->size) & mask;
	while (db->index[i].used) {
		/* a digest several versions share is indexed once, for the first of them:
		 * thousands of identical separators must not make one long probe chain */
		if (entry_is(db, &db->index[i], c->pcr, d))
			return;
		i = (i + 1) & mask;
	}
	db->index[i] = (bc_golden_index_entry){
	    .used = true, .component = component, .version = version, .digest = digest};
}

bc_status bc_golden_build_index(bc_golden *db, bc_error *err)
{
	db->index_size = table_size(count_digests(db));
	db->index = calloc(db->index_size, sizeof(*db->index));
	if (!db->index)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	for (uint32_t c = 0; c < db->count; c++)
		for (uint32_t v = 0; v < db->components[c].version_count; v++)
			for (uint32_t d = 0; d < db->components[c].versions[v].digests.count; d++)
				insert(db, c, v, d);
	return BC_OK;
}

size_t bc_golden_lookup(const bc_golden *db, uint32_t pcr, const bc_digest *d, bc_golden_hit *hits,
			size_t max)
{
	size_t mask = db->index_size - 1, n = 0;
	if (!db->index_size)
		return 0;
	for (size_t i = slot_hash(pcr, d->alg, d->bytes, d->size) & mask; db->index[i].used;
	     i = (i + 1) & mask) {
		const bc_golden_index_entry *e = &db->index[i];
		if (!entry_is(db, e, pcr, d))
			continue;
		if (n < max)
			hits[n] = (bc_golden_hit){.component = &db->components[e->component],
						  .version = e->version};
		n++;
	}
	return n;
}
