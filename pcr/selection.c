/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <bootchain/pcr.h>

uint32_t bc_pcr_selection_mask(const bc_pcr_selection *sel, uint16_t alg)
{
	for (size_t i = 0; i < sel->count; i++)
		if (sel->banks[i].alg == alg)
			return sel->banks[i].mask;
	return 0;
}

bc_status bc_pcr_selection_add(bc_pcr_selection *sel, uint16_t alg, uint32_t mask, bc_error *err)
{
	for (size_t i = 0; i < sel->count; i++) {
		if (sel->banks[i].alg == alg) {
			sel->banks[i].mask |= mask;
			return BC_OK;
		}
	}
	if (sel->count >= BC_MAX_BANKS)
		return bc_fail(err, BC_E_LIMIT, "more than %d banks selected", BC_MAX_BANKS);
	sel->banks[sel->count++] = (bc_pcr_bank_selection){.alg = alg, .mask = mask};
	return BC_OK;
}

void bc_pcr_selection_from_banks(const bc_pcr_selection *banks, uint32_t mask,
				 bc_pcr_selection *out)
{
	bc_pcr_selection sel = {.count = banks->count};
	for (size_t i = 0; i < banks->count; i++)
		sel.banks[i] = (bc_pcr_bank_selection){.alg = banks->banks[i].alg,
						       .mask = banks->banks[i].mask & mask};
	*out = sel;
}

/* A decimal PCR number at *p, advancing *p past it. */
static bool parse_pcr_number(const char **p, const char *end, unsigned *out)
{
	const char *s = *p;
	unsigned v = 0;
	if (s == end || *s < '0' || *s > '9')
		return false;
	while (s < end && *s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 1000) /* far out of range already: stop before overflow */
			return false;
		s++;
	}
	*p = s;
	*out = v;
	return true;
}

/* "0,1,5-7" or "all" between list and end, into a mask. */
static bc_status parse_pcr_list(const char *text, const char *list, const char *end, uint32_t *mask,
				bc_error *err)
{
	if (list == end)
		return bc_fail(err, BC_E_INVALID, "'%s': no PCRs given after the bank name", text);
	if ((size_t)(end - list) == 3 && memcmp(list, "all", 3) == 0) {
		*mask = BC_PCR_ALL_MASK;
		return BC_OK;
	}
	*mask = 0;
	const char *p = list;
	for (;;) {
		unsigned first, last;
		const char *item = p;
		if (!parse_pcr_number(&p, end, &first))
			return bc_fail(err, BC_E_INVALID, "'%s': expected a PCR number at '%.*s'",
				       text, (int)(end - item), item);
		last = first;
		if (p < end && *p == '-') {
			p++;
			if (!parse_pcr_number(&p, end, &last))
				return bc_fail(err, BC_E_INVALID, "'%s': bad PCR range at '%.*s'",
					       text, (int)(end - item), item);
		}
		if (first >= BC_PCR_COUNT || last >= BC_PCR_COUNT)
			return bc_fail(err, BC_E_INVALID, "'%s': PCR %u is out of range (0-%d)",
				       text, first >= BC_PCR_COUNT ? first : last,
				       BC_PCR_COUNT - 1);
		if (last < first)
			return bc_fail(err, BC_E_INVALID, "'%s': PCR range %u-%u is backwards",
				       text, first, last);
		for (unsigned n = first; n <= last; n++)
			*mask |= 1u << n;
		if (p == end)
			return BC_OK;
		if (*p != ',' || p + 1 == end)
			return bc_fail(err, BC_E_INVALID, "'%s': unexpected '%.*s'", text,
				       (int)(end - p), p);
		p++;
	}
}

/* One "alg:list" between part and end. */
static bc_status parse_bank(const char *text, const char *part, const char *end,
			    bc_pcr_selection *sel, bc_error *err)
{
	const char *colon = memchr(part, ':', (size_t)(end - part));
	if (part == end)
		return bc_fail(err, BC_E_INVALID, "'%s': empty bank selection", text);
	if (!colon)
		return bc_fail(err, BC_E_INVALID, "'%s': expected ALG:PCRS, as in sha256:0,1,2",
			       text);
	char name[32];
	size_t nlen = (size_t)(colon - part);
	if (nlen == 0 || nlen >= sizeof(name))
		return bc_fail(err, BC_E_INVALID, "'%s': missing or overlong bank name", text);
	memcpy(name, part, nlen);
	name[nlen] = 0;
	const bc_hash_alg *alg = bc_hash_alg_by_name(name);
	if (!alg)
		return bc_fail(err, BC_E_INVALID, "'%s': unknown hash algorithm '%s'", text, name);
	uint32_t mask = 0;
	bc_status s = parse_pcr_list(text, colon + 1, end, &mask, err);
	if (s != BC_OK)
		return s;
	return bc_pcr_selection_add(sel, alg->id, mask, err);
}

bc_status bc_pcr_selection_parse(const char *text, bc_pcr_selection *out, bc_error *err)
{
	bc_pcr_selection sel = {0};
	const char *p = text;
	if (!*text)
		return bc_fail(err, BC_E_INVALID, "empty PCR selection");
	for (;;) {
		const char *end = p + strcspn(p, "+");
		bc_status s = parse_bank(text, p, end, &sel, err);
		if (s != BC_OK)
			return s;
		if (!*end)
			break;
		p = end + 1;
	}
	*out = sel;
	return BC_OK;
}

/* Append to buf as snprintf would, tracking the length the full text needs. */
static void append(char *buf, size_t size, size_t *len, const char *text)
{
	size_t n = strlen(text);
	if (*len < size) {
		size_t room = size - *len - 1;
		size_t copy = n < room ? n : room;
		memcpy(buf + *len, text, copy);
		buf[*len + copy] = 0;
	}
	*len += n;
}

size_t bc_pcr_selection_format(const bc_pcr_selection *sel, char *buf, size_t size)
{
	size_t len = 0;
	if (size)
		buf[0] = 0;
	for (size_t i = 0; i < sel->count; i++) {
		char item[32];
		const char *name = bc_hash_alg_name(sel->banks[i].alg);
		if (i)
			append(buf, size, &len, "+");
		if (name) {
			append(buf, size, &len, name);
		} else {
			snprintf(item, sizeof(item), "0x%04x", sel->banks[i].alg);
			append(buf, size, &len, item);
		}
		append(buf, size, &len, ":");
		uint32_t mask = sel->banks[i].mask;
		bool first = true;
		for (unsigned n = 0; n < BC_PCR_COUNT; n++) {
			if (!(mask & (1u << n)))
				continue;
			unsigned last = n;
			while (last + 1 < BC_PCR_COUNT && (mask & (1u << (last + 1))))
				last++;
			if (last > n + 1)
				snprintf(item, sizeof(item), "%s%u-%u", first ? "" : ",", n, last);
			else if (last == n + 1)
				snprintf(item, sizeof(item), "%s%u,%u", first ? "" : ",", n, last);
			else
				snprintf(item, sizeof(item), "%s%u", first ? "" : ",", n);
			append(buf, size, &len, item);
			first = false;
			n = last;
		}
	}
	return len;
}
