/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A boot stage's decisions, the same on every platform: read each layer of the chain,
 * digest it, compare it with its golden versions (trusted mode), extend and log it, and
 * only when every layer passed, start the PE layers from the very bytes that were
 * digested (no second read, so no window to swap a file between check and start).
 *
 * Trusted mode fails closed, as `bootchain measure --trusted` does: any error halts, and
 * a halt extends the real digest when there is one (the PCR must record what was found),
 * then the failure marker, so that nothing sealed to the good values can be unsealed.
 */
#include <bootchain/core.h>

#define SAY_MAX	  (BC_CORE_MSG_MAX + 256)
#define SHOWN_MAX 3 /* allowed digests named in a mismatch */
#define PCR_COUNT 24

BC_CORE_PRINTF(2, 3)
static void say(const bc_core_platform *p, const char *fmt, ...)
{
	char line[SAY_MAX];
	va_list ap;
	va_start(ap, fmt);
	bc_core_vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (p->print)
		p->print(p->ctx, line);
}

static bool trusted(const bc_core_chain *chain)
{
	return chain->flags & BC_CORE_CHAIN_TRUSTED;
}

/* The digest of a layer in the platform's banks: Authenticode for a PE image. */
static bc_core_status digest_layer(const bc_core_platform *p, const bc_core_chain_layer *layer,
				   const void *image, size_t size, bc_core_layer_result *r,
				   bc_core_error *err)
{
	r->kind = layer->kind;
	if (r->kind == BC_CORE_KIND_AUTO)
		r->kind = bc_core_pe_detect(image, size) ? BC_CORE_KIND_PE : BC_CORE_KIND_RAW;
	if (r->kind == BC_CORE_KIND_PE)
		return bc_core_pe_authenticode(image, size, layer->file, p->algs, p->alg_count,
					       &r->digests, err);
	return bc_core_hash_buffer(image, size, p->algs, p->alg_count, &r->digests, err);
}

static bc_core_status extend_layer(const bc_core_platform *p, const bc_core_chain_layer *layer,
				   const void *image, size_t size, bc_core_layer_result *r,
				   bc_core_error *err)
{
	uint8_t event[BC_CORE_EVENT_MAX];
	size_t n = bc_core_layer_event(layer->event_type, layer->name, r->kind, layer->file, size,
				       event, sizeof(event));
	uint32_t type = layer->event_type ? layer->event_type : BC_CORE_EV_EVENT_TAG;
	if (n == 0)
		return bc_core_fail(err, BC_CORE_E_LIMIT, "layer %s: event data too long",
				    layer->name);
	bc_core_status s = p->extend_log(p->ctx, layer->pcr, type, event, n, image, size,
					 r->kind == BC_CORE_KIND_PE, err);
	r->extended = s == BC_CORE_OK;
	return s;
}

/* The digest a message shows: SHA-256 when it was computed. */
static const bc_core_digest *shown_digest(const bc_core_digests *d)
{
	for (size_t i = 0; i < d->count; i++)
		if (d->d[i].alg == BC_CORE_ALG_SHA256)
			return &d->d[i];
	return &d->d[0];
}

/* "HEX, HEX, HEX, and N more" of the versions that have a digest in alg. */
static void describe_allowed(const bc_core_chain_layer *layer, uint16_t alg, char *out, size_t max)
{
	size_t len = 0, shown = 0;
	out[0] = 0;
	for (size_t v = 0; v < layer->version_count && shown < SHOWN_MAX; v++) {
		size_t size = 0;
		const uint8_t *d = bc_core_version_digest(layer, v, alg, &size);
		char hex[2 * BC_CORE_MAX_DIGEST + 1];
		if (!d)
			continue;
		bc_core_hex(d, size, hex);
		len += bc_core_format(out + len, max - len, "%s%s", shown++ ? ", " : "", hex);
		if (len >= max)
			return;
	}
	if (layer->version_count > shown)
		bc_core_format(out + len, max - len, "%s%zu more", shown ? ", and " : "",
			       (size_t)layer->version_count - shown);
	else if (shown == 0)
		bc_core_format(out, max, "none");
}

static bc_core_status mismatch(const bc_core_chain_layer *layer, const bc_core_layer_result *r,
			       bc_core_error *err)
{
	const bc_core_digest *found = shown_digest(&r->digests);
	char hex[2 * BC_CORE_MAX_DIGEST + 1], allowed[3 * (2 * BC_CORE_MAX_DIGEST + 2) + 32];
	if (r->verdict == BC_CORE_NO_COMMON_BANK)
		return bc_core_fail(err, BC_CORE_E_MISMATCH,
				    "layer %s (%s), PCR %u: the golden versions have no digest in "
				    "any bank measured",
				    layer->name, layer->file, layer->pcr);
	bc_core_hex(found->bytes, found->size, hex);
	describe_allowed(layer, found->alg, allowed, sizeof(allowed));
	return bc_core_fail(err, BC_CORE_E_MISMATCH,
			    "layer %s (%s), PCR %u: %s digest %s is not an allowed version "
			    "(allowed: %s)",
			    layer->name, layer->file, layer->pcr, bc_core_hash_name(found->alg),
			    hex, allowed);
}

/* A trusted halt: the failure marker goes in after whatever was extended. The error
 * stays the first; the marker's own failure is added to it. */
static bc_core_status halt(const bc_core_platform *p, const bc_core_chain_layer *layer,
			   bc_core_run *run, bc_core_layer_result *r, bc_core_status s,
			   bc_core_error *err)
{
	bc_core_error cap_err = {0};
	run->halted = true;
	if (layer->pcr < PCR_COUNT) {
		bc_core_status c =
		    p->extend_log(p->ctx, layer->pcr, BC_CORE_EV_SEPARATOR, bc_core_failure_marker,
				  4, bc_core_failure_marker, 4, false, &cap_err);
		r->capped = c == BC_CORE_OK;
		if (c != BC_CORE_OK)
			bc_core_fail(err, s, "%s; the failure marker was not extended: %s",
				     err->msg, cap_err.msg);
	}
	say(p, "bootchain: HALT: %s", err->msg);
	if (r->capped)
		say(p, "bootchain: the failure marker was extended into PCR %u", layer->pcr);
	return s;
}

/* Read, digest, compare, extend one layer. *image keeps the bytes for starting. */
static bc_core_status check_layer(const bc_core_platform *p, const bc_core_chain *chain,
				  const bc_core_chain_layer *layer, void **image, size_t *size,
				  bc_core_layer_result *r, bc_core_error *err)
{
	bc_core_status s = p->read_file(p->ctx, layer->file, image, size, err);
	if (s != BC_CORE_OK)
		return bc_core_fail(err, s, "layer %s: cannot read it: %s", layer->name, err->msg);
	r->read = true;
	if ((s = digest_layer(p, layer, *image, *size, r, err)) != BC_CORE_OK)
		return s;
	r->checked = trusted(chain) || layer->version_count > 0;
	if (r->checked)
		r->verdict = bc_core_layer_match(layer, &r->digests, &r->version);
	/* the truth is extended first, also when it does not match */
	if ((s = extend_layer(p, layer, *image, *size, r, err)) != BC_CORE_OK)
		return bc_core_fail(err, s, "layer %s, PCR %u: not extended: %s", layer->name,
				    layer->pcr, err->msg);
	if (r->checked && r->verdict != BC_CORE_MATCH) {
		s = mismatch(layer, r, err);
		if (trusted(chain))
			return s;
		say(p, "bootchain: %s (measured mode: going on)", err->msg);
		return BC_CORE_OK;
	}
	char hex[2 * BC_CORE_MAX_DIGEST + 1];
	const bc_core_digest *d = shown_digest(&r->digests);
	bc_core_hex(d->bytes, d->size, hex);
	if (r->checked)
		say(p, "bootchain: layer %s (%s), PCR %u: %s %s matches golden version %zu",
		    layer->name, layer->file, layer->pcr, bc_core_hash_name(d->alg), hex,
		    r->version + 1);
	else
		say(p, "bootchain: layer %s (%s), PCR %u: %s %s measured", layer->name, layer->file,
		    layer->pcr, bc_core_hash_name(d->alg), hex);
	return BC_CORE_OK;
}

static void keep_first(bc_core_error *first, bc_core_status *first_status, const bc_core_error *e,
		       bc_core_status s)
{
	if (*first_status != BC_CORE_OK || s == BC_CORE_OK)
		return;
	*first_status = s;
	if (first)
		*first = *e;
}

static bc_core_status start_layers(const bc_core_platform *p, const bc_core_chain *chain,
				   void *const *images, const size_t *sizes, bc_core_run *run,
				   bc_core_error *err)
{
	bc_core_status first = BC_CORE_OK;
	for (size_t i = 0; i < chain->count && p->start_image; i++) {
		const bc_core_chain_layer *layer = &chain->layers[i];
		bc_core_layer_result *r = &run->layers[i];
		bc_core_error e = {0};
		if (!images[i] || r->kind != BC_CORE_KIND_PE)
			continue;
		say(p, "bootchain: starting layer %s (%s)", layer->name, layer->file);
		bc_core_status s = p->start_image(p->ctx, layer->file, images[i], sizes[i], &e);
		r->started = s == BC_CORE_OK;
		if (s == BC_CORE_OK)
			continue;
		if (trusted(chain)) {
			*err = e;
			return halt(p, layer, run, r, s, err);
		}
		say(p, "bootchain: %s", e.msg);
		keep_first(err, &first, &e, s);
	}
	return first;
}

bc_core_status bc_core_stage_run(const bc_core_platform *p, const bc_core_chain *chain,
				 bc_core_run *run, bc_core_error *err)
{
	void *images[BC_CORE_CHAIN_MAX_LAYERS] = {0};
	size_t sizes[BC_CORE_CHAIN_MAX_LAYERS] = {0};
	bc_core_status first = BC_CORE_OK;
	bc_core_error local = {0};
	if (!err)
		err = &local;
	bc_core_memset(run, 0, sizeof(*run));
	if (!p || !p->read_file || !p->extend_log || !p->free || p->alg_count == 0 ||
	    p->alg_count > BC_CORE_MAX_BANKS || chain->count > BC_CORE_CHAIN_MAX_LAYERS)
		return bc_core_fail(err, BC_CORE_E_INVALID, "an incomplete platform or chain");
	for (size_t i = 0; i < chain->count; i++) {
		const bc_core_chain_layer *layer = &chain->layers[i];
		bc_core_layer_result *r = &run->layers[i];
		bc_core_error e = {0};
		run->done = i + 1;
		bc_core_status s = check_layer(p, chain, layer, &images[i], &sizes[i], r, &e);
		if (s == BC_CORE_OK)
			continue;
		if (trusted(chain)) {
			*err = e;
			first = halt(p, layer, run, r, s, err);
			break;
		}
		say(p, "bootchain: %s (measured mode: going on)", e.msg);
		keep_first(err, &first, &e, s);
		if (images[i])
			p->free(p->ctx, images[i]);
		images[i] = 0;
	}
	if (!run->halted) {
		bc_core_error e = {0};
		bc_core_status s = start_layers(p, chain, images, sizes, run, &e);
		if (run->halted) {
			*err = e;
			first = s;
		} else {
			keep_first(err, &first, &e, s);
		}
	}
	for (size_t i = 0; i < chain->count; i++)
		if (images[i])
			p->free(p->ctx, images[i]);
	return first;
}
