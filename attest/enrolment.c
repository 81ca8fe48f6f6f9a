/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Enrolment (include/bootchain/enrolment.h): the identity a machine states, the checks
 * that make it worth enrolling, the credential challenge that proves its AK is in the
 * TPM of its EK, and the enrolment records (bootchain-enrolment(5)).
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <bootchain/enrolment.h>

#include "attest/credential.h"
#include "attest/keys.h"
#include "attest/tpm-public.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/json.h"

#define ENROLMENT_FILES_MAX 1000000

/* ---- JSON members ---- */

static bc_status member_string(json_t *root, const char *key, const char *name, char *out,
			       size_t size, bc_error *err)
{
	json_t *v = json_object_get(root, key);
	if (!json_is_string(v))
		return bc_fail(err, BC_E_FORMAT, "%s: \"%s\" is %s", name, key,
			       v ? "not a string" : "missing");
	if (json_string_length(v) >= size || strlen(json_string_value(v)) != json_string_length(v))
		return bc_fail(err, BC_E_FORMAT, "%s: \"%s\" is longer than %zu bytes", name, key,
			       size - 1);
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return BC_OK;
}

/* A base64 member into out (at most max bytes). */
static bc_status member_base64(json_t *v, const char *key, const char *name, uint8_t *out,
			       size_t max, size_t *size, bc_error *err)
{
	_cleanup_free_ uint8_t *bytes = NULL;
	if (!json_is_string(v))
		return bc_fail(err, BC_E_FORMAT, "%s: \"%s\" is %s", name, key,
			       v ? "not a string" : "missing");
	if (!bc_base64_decode(json_string_value(v), json_string_length(v), max, &bytes, size))
		return bc_fail(err, BC_E_FORMAT, "%s: \"%s\" is not base64 of at most %zu bytes",
			       name, key, max);
	memcpy(out, bytes, *size);
	return BC_OK;
}

/* A base64 member into a new buffer. */
static bc_status member_base64_new(json_t *v, const char *key, const char *name, size_t max,
				   uint8_t **out, size_t *size, bc_error *err)
{
	if (!json_is_string(v))
		return bc_fail(err, BC_E_FORMAT, "%s: \"%s\" is %s", name, key,
			       v ? "not a string" : "missing");
	if (!bc_base64_decode(json_string_value(v), json_string_length(v), max, out, size))
		return bc_fail(err, BC_E_FORMAT, "%s: \"%s\" is not base64 of at most %zu bytes",
			       name, key, max);
	return BC_OK;
}

/* A hex member of exactly want bytes, or 1 to max bytes when want is 0. */
static bc_status member_hex(json_t *v, const char *key, const char *name, uint8_t *out, size_t max,
			    size_t want, size_t *size, bc_error *err)
{
	size_t n = 0;
	if (!json_is_string(v))
		return bc_fail(err, BC_E_FORMAT, "%s: \"%s\" is %s", name, key,
			       v ? "not a string" : "missing");
	if (!bc_hex_decode(json_string_value(v), json_string_length(v), out, max, &n) || n == 0 ||
	    (want && n != want))
		return bc_fail(err, BC_E_FORMAT, "%s: \"%s\" is not %zu bytes in hex", name, key,
			       want ? want : max);
	if (size)
		*size = n;
	return BC_OK;
}

static json_t *load_object(const void *data, size_t size, size_t max, const char *name,
			   bc_error *err)
{
	json_error_t jerr;
	if (size > max) {
		bc_fail(err, BC_E_LIMIT, "%s: more than %zu bytes", name, max);
		return NULL;
	}
	json_t *root = json_loadb(data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		bc_fail(err, BC_E_FORMAT, "%s: line %d column %d: %s", name, jerr.line, jerr.column,
			jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		bc_fail(err, BC_E_FORMAT, "%s: not a JSON object", name);
		return NULL;
	}
	return root;
}

/* The Keep's kind: "kind" when given (a kind this build knows), else SEV-SNP, the only
 * kind of identities and records before kinds. */
static bc_status member_keep_kind(json_t *keep, const char *name, char *kind, size_t size,
				  bc_error *err)
{
	json_t *v = json_object_get(keep, "kind");
	if (!v) {
		snprintf(kind, size, "%s", BC_KEEP_KIND_SEV_SNP);
		return BC_OK;
	}
	bc_status s = member_string(keep, "kind", name, kind, size, err);
	if (s == BC_OK && strcmp(kind, BC_KEEP_KIND_SEV_SNP) && strcmp(kind, BC_KEEP_KIND_TDX))
		s = bc_fail(err, BC_E_FORMAT, "%s: \"keep.kind\" is \"%s\", not \"%s\" or \"%s\"",
			    name, kind, BC_KEEP_KIND_SEV_SNP, BC_KEEP_KIND_TDX);
	return s;
}

/* "keep": {"kind", "provider", "chip_id" (the kinds that have one)} or null. */
static bc_status parse_keep(json_t *root, const char *name, bc_identity *out, bc_error *err)
{
	json_t *keep = json_object_get(root, "keep");
	out->has_keep = false;
	if (!keep || json_is_null(keep))
		return BC_OK;
	if (!json_is_object(keep))
		return bc_fail(err, BC_E_FORMAT, "%s: \"keep\" is neither an object nor null",
			       name);
	bc_status s = member_keep_kind(keep, name, out->keep_kind, sizeof(out->keep_kind), err);
	if (s == BC_OK)
		s = member_string(keep, "provider", name, out->keep_provider,
				  sizeof(out->keep_provider), err);
	if (s != BC_OK)
		return s;
	if (bc_keep_kind_has_chip_id(out->keep_kind))
		s = member_hex(json_object_get(keep, "chip_id"), "keep.chip_id", name,
			       out->keep_chip_id, BC_CHIP_ID_SIZE, BC_CHIP_ID_SIZE, NULL, err);
	else if (json_object_get(keep, "chip_id"))
		s = bc_fail(err, BC_E_FORMAT,
			    "%s: \"keep.chip_id\" given for a Keep of kind \"%s\", "
			    "which has none",
			    name, out->keep_kind);
	out->has_keep = s == BC_OK;
	return s;
}

static void json_keep(bc_json *j, bool has, const char *kind, const char *provider,
		      const uint8_t *chip_id)
{
	bc_json_key(j, "keep");
	if (!has) {
		bc_json_null(j);
		return;
	}
	bc_json_object_begin(j);
	bc_json_key(j, "kind");
	bc_json_string(j, kind);
	bc_json_key(j, "provider");
	bc_json_string(j, provider);
	if (bc_keep_kind_has_chip_id(kind)) {
		bc_json_key(j, "chip_id");
		bc_json_hex(j, chip_id, BC_CHIP_ID_SIZE);
	}
	bc_json_object_end(j);
}

static bc_status take_json(bc_buf *out, const char *what, char **json, size_t *size, bc_error *err)
{
	bc_buf_putc(out, '\n');
	bc_status s = bc_buf_status(out, err, what);
	if (s != BC_OK) {
		bc_buf_free(out);
		return s;
	}
	*size = out->len;
	bc_buf_putc(out, 0);
	*json = (char *)TAKE_PTR(out->data);
	return BC_OK;
}

/* ---- the identity ---- */

bc_status bc_identity_to_json(const bc_identity *id, char **json, size_t *size, bc_error *err)
{
	bc_buf out;
	bc_json j;
	bc_buf_init(&out, BC_IDENTITY_MAX);
	bc_json_init(&j, &out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "ek_certificate");
	if (id->ek_certificate)
		bc_json_base64(&j, id->ek_certificate, id->ek_certificate_size);
	else
		bc_json_null(&j);
	bc_json_key(&j, "ek_intermediates");
	bc_json_array_begin(&j);
	for (size_t i = 0; i < id->intermediate_count; i++)
		bc_json_base64(&j, id->intermediates[i], id->intermediate_sizes[i]);
	bc_json_array_end(&j);
	bc_json_key(&j, "ek_public");
	bc_json_base64(&j, id->ek_public, id->ek_public_size);
	bc_json_key(&j, "ek_type");
	bc_json_string(&j, id->ek_type);
	bc_json_key(&j, "ak_public");
	bc_json_base64(&j, id->ak_public, id->ak_public_size);
	bc_json_key(&j, "ak_name");
	bc_json_hex(&j, id->ak_name, id->ak_name_size);
	json_keep(&j, id->has_keep, id->keep_kind, id->keep_provider, id->keep_chip_id);
	bc_json_object_end(&j);
	return take_json(&out, "the identity", json, size, err);
}

void bc_identity_free(bc_identity *id)
{
	if (!id)
		return;
	free(id->ek_certificate);
	for (size_t i = 0; i < id->intermediate_count; i++)
		free(id->intermediates[i]);
	*id = (bc_identity){.ek_certificate = NULL};
}

static bc_status parse_intermediates(json_t *root, const char *name, bc_identity *out,
				     bc_error *err)
{
	json_t *list = json_object_get(root, "ek_intermediates"), *v;
	size_t i;
	if (!list || json_is_null(list))
		return BC_OK;
	if (!json_is_array(list))
		return bc_fail(err, BC_E_FORMAT, "%s: \"ek_intermediates\" is not an array", name);
	if (json_array_size(list) > BC_IDENTITY_MAX_INTERMEDIATES)
		return bc_fail(err, BC_E_LIMIT, "%s: more than %d \"ek_intermediates\"", name,
			       BC_IDENTITY_MAX_INTERMEDIATES);
	json_array_foreach(list, i, v)
	{
		bc_status s =
		    member_base64_new(v, "ek_intermediates", name, BC_IDENTITY_MAX_CERT,
				      &out->intermediates[i], &out->intermediate_sizes[i], err);
		if (s != BC_OK)
			return s;
		out->intermediate_count = i + 1;
	}
	return BC_OK;
}

/* The members that say which keys a machine has, in an identity and in a record alike:
 * "ek_type", "ek_public", "ak_public", "ak_name" and the Keep's. */
static bc_status parse_keys(json_t *root, const char *name, bc_identity *out, bc_error *err)
{
	bc_status s = member_string(root, "ek_type", name, out->ek_type, sizeof(out->ek_type), err);
	if (s == BC_OK)
		s = member_base64(json_object_get(root, "ek_public"), "ek_public", name,
				  out->ek_public, sizeof(out->ek_public), &out->ek_public_size,
				  err);
	if (s == BC_OK)
		s = member_base64(json_object_get(root, "ak_public"), "ak_public", name,
				  out->ak_public, sizeof(out->ak_public), &out->ak_public_size,
				  err);
	if (s == BC_OK)
		s = member_hex(json_object_get(root, "ak_name"), "ak_name", name, out->ak_name,
			       sizeof(out->ak_name), 0, &out->ak_name_size, err);
	if (s == BC_OK)
		s = parse_keep(root, name, out, err);
	return s;
}

static bc_status parse_identity(json_t *root, const char *name, bc_identity *out, bc_error *err)
{
	json_t *cert = json_object_get(root, "ek_certificate");
	bc_status s = BC_OK;
	if (cert && !json_is_null(cert))
		s = member_base64_new(cert, "ek_certificate", name, BC_IDENTITY_MAX_CERT,
				      &out->ek_certificate, &out->ek_certificate_size, err);
	if (s == BC_OK)
		s = parse_intermediates(root, name, out, err);
	if (s == BC_OK)
		s = parse_keys(root, name, out, err);
	return s;
}

bc_status bc_identity_parse(const void *data, size_t size, const char *name, bc_identity *out,
			    bc_error *err)
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	*out = (bc_identity){.ek_certificate = NULL};
	if (!(root = load_object(data, size, BC_IDENTITY_MAX, name, err)))
		return err ? err->status : BC_E_FORMAT;
	bc_status s = parse_identity(root, name, out, err);
	if (s != BC_OK)
		bc_identity_free(out);
	return s;
}

/* ---- the checks ---- */

static bc_status check_certificate(const bc_identity *id, const TPM2B_PUBLIC *ek,
				   const bc_ca_store *store, int64_t at, bc_enrolment *rec,
				   bc_error *err)
{
	bc_ek_cert_verdict verdict = BC_EK_CERT_MALFORMED;
	bc_ek_cert_info info;
	char why[512] = "";
	bool match = false;
	const uint8_t *inter[BC_IDENTITY_MAX_INTERMEDIATES];
	for (size_t i = 0; i < id->intermediate_count; i++)
		inter[i] = id->intermediates[i];
	memset(&info, 0, sizeof(info));
	bc_status s = bc_ek_cert_verify(store, id->ek_certificate, id->ek_certificate_size, inter,
					id->intermediate_sizes, id->intermediate_count, at,
					&verdict, &info, why, sizeof(why), err);
	if (s != BC_OK)
		return s;
	if (verdict != BC_EK_CERT_TRUSTED)
		return bc_fail(err, BC_E_MISMATCH, "the EK certificate is not trusted: %s%s%s",
			       bc_ek_cert_verdict_name(verdict), why[0] ? ": " : "", why);
	bc_error why_err = {0};
	if (bc_ek_cert_matches(id->ek_certificate, id->ek_certificate_size, &ek->publicArea, &match,
			       &why_err) != BC_OK)
		return bc_fail(err, BC_E_MISMATCH, "the EK certificate: %s",
			       bc_error_message(&why_err));
	if (!match)
		return bc_fail(err, BC_E_MISMATCH,
			       "the EK certificate's key is not the EK the machine gave");
	rec->certified = true;
	rec->chain_len = info.chain_len < BC_EK_CHAIN_MAX ? info.chain_len : BC_EK_CHAIN_MAX;
	memcpy(rec->chain, info.chain_fingerprints, rec->chain_len * 32);
	snprintf(rec->anchor_subject, sizeof(rec->anchor_subject), "%s", info.anchor_subject);
	snprintf(rec->anchor_file, sizeof(rec->anchor_file), "%s", info.anchor_file);
	return BC_OK;
}

/* The AK: a restricted signing key, named as the machine says. */
static bc_status check_ak(const bc_identity *id, bc_error *err)
{
	TPM2B_PUBLIC ak;
	TPM2B_NAME name;
	bc_error why = {0};
	if (bc_tpm_public_unmarshal(id->ak_public, id->ak_public_size, "ak_public", &ak, &why) !=
		BC_OK ||
	    bc_ak_public_check(&ak.publicArea, "the AK", &why) != BC_OK)
		return bc_fail(err, BC_E_MISMATCH, "%s", bc_error_message(&why));
	if (bc_tpm_public_name(&ak.publicArea, &name, err) != BC_OK)
		return err ? err->status : BC_E_FORMAT;
	if (name.size != id->ak_name_size || memcmp(name.name, id->ak_name, name.size) != 0)
		return bc_fail(err, BC_E_MISMATCH,
			       "the AK name given is not the name of the AK's public area");
	return BC_OK;
}

/* The record keeps the keys of the identity: the members parse_keys() reads. */
static void take_keys(bc_enrolment *rec, const bc_identity *id)
{
	snprintf(rec->ek_type, sizeof(rec->ek_type), "%s", id->ek_type);
	memcpy(rec->ek_public, id->ek_public, id->ek_public_size);
	rec->ek_public_size = id->ek_public_size;
	memcpy(rec->ak_public, id->ak_public, id->ak_public_size);
	rec->ak_public_size = id->ak_public_size;
	memcpy(rec->ak_name, id->ak_name, id->ak_name_size);
	rec->ak_name_size = id->ak_name_size;
	rec->has_keep = id->has_keep;
	memcpy(rec->keep_kind, id->keep_kind, sizeof(rec->keep_kind));
	memcpy(rec->keep_provider, id->keep_provider, sizeof(rec->keep_provider));
	memcpy(rec->keep_chip_id, id->keep_chip_id, sizeof(rec->keep_chip_id));
}

bc_status bc_enrolment_check_identity(const bc_identity *id, const bc_ca_store *store,
				      bool allow_uncertified, int64_t at, bc_enrolment *rec,
				      bc_error *err)
{
	TPM2B_PUBLIC ek;
	bc_error why = {0};
	*rec = (bc_enrolment){.certified = false};
	if (bc_tpm_public_unmarshal(id->ek_public, id->ek_public_size, "ek_public", &ek, &why) !=
	    BC_OK)
		return bc_fail(err, BC_E_MISMATCH, "%s", bc_error_message(&why));
	const char *type = ek.publicArea.type == TPM2_ALG_RSA	? "rsa"
			   : ek.publicArea.type == TPM2_ALG_ECC ? "ecc"
								: NULL;
	if (!type || strcmp(type, id->ek_type) != 0)
		return bc_fail(err, BC_E_MISMATCH, "the EK public area is not of the type \"%s\"",
			       id->ek_type);
	bc_status s = BC_OK;
	if (id->ek_certificate)
		s = check_certificate(id, &ek, store, at, rec, err);
	else if (!allow_uncertified)
		s = bc_fail(err, BC_E_MISMATCH,
			    "the machine has no EK certificate (--allow-uncertified enrols it "
			    "without one)");
	if (s == BC_OK)
		s = check_ak(id, err);
	if (s != BC_OK)
		return s;
	take_keys(rec, id);
	return BC_OK;
}

bc_status bc_enrolment_challenge(const bc_enrolment *rec, uint8_t secret[BC_ENROLMENT_SECRET_SIZE],
				 char **body, size_t *size, bc_error *err)
{
	TPM2B_PUBLIC ek;
	TPM2B_NAME name;
	TPM2B_ID_OBJECT blob;
	TPM2B_ENCRYPTED_SECRET enc_seed;
	bc_buf out;
	bc_status s =
	    bc_tpm_public_unmarshal(rec->ek_public, rec->ek_public_size, "ek_public", &ek, err);
	if (s == BC_OK)
		s = bc_name_parse(rec->ak_name, rec->ak_name_size, "ak_name", &name, err);
	if (s != BC_OK)
		return s;
	if (RAND_bytes(secret, BC_ENROLMENT_SECRET_SIZE) != 1)
		return bc_fail(err, BC_E_UNSUPPORTED, "no random bytes for the secret");
	s = bc_make_credential(&ek, &name, secret, BC_ENROLMENT_SECRET_SIZE, &blob, &enc_seed, err);
	if (s != BC_OK)
		return s;
	bc_buf_init(&out, BC_CHALLENGE_MAX);
	if ((s = bc_challenge_json(&blob, &enc_seed, &out, err)) != BC_OK) {
		bc_buf_free(&out);
		return s;
	}
	*size = out.len;
	bc_buf_putc(&out, 0);
	*body = (char *)TAKE_PTR(out.data);
	return BC_OK;
}

bc_status bc_enrolment_check_answer(const void *answer, size_t size,
				    const uint8_t secret[BC_ENROLMENT_SECRET_SIZE], bc_error *err)
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	uint8_t got[64];
	size_t n = 0;
	if (!(root = load_object(answer, size, BC_CHALLENGE_MAX, "the activation answer", err)))
		return err ? err->status : BC_E_FORMAT;
	bc_status s = member_base64(json_object_get(root, "secret"), "secret",
				    "the activation answer", got, sizeof(got), &n, err);
	if (s != BC_OK)
		return s;
	bool same = n == BC_ENROLMENT_SECRET_SIZE &&
		    CRYPTO_memcmp(got, secret, BC_ENROLMENT_SECRET_SIZE) == 0;
	explicit_bzero(got, sizeof(got));
	if (!same)
		return bc_fail(err, BC_E_MISMATCH,
			       "the activation answer is not the secret of this challenge (a "
			       "replayed or forged answer)");
	return BC_OK;
}

bool bc_enrolment_host_of_url(const char *url, char *host, size_t size)
{
	const char *p = NULL;
	if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		p = url + 8;
	else
		return false;
	const char *at = NULL, *end = p + strcspn(p, "/?#");
	for (const char *c = p; c < end; c++)
		if (*c == '@')
			at = c;
	if (at) /* user:password@ is no part of the host */
		p = at + 1;
	size_t len = (size_t)(end - p);
	if (len == 0 || len >= size)
		return false;
	for (size_t i = 0; i < len; i++)
		host[i] = (char)tolower((unsigned char)p[i]);
	host[len] = 0;
	return true;
}

/* ---- the record ---- */

bc_status bc_enrolment_to_json(const bc_enrolment *rec, char **json, size_t *size, bc_error *err)
{
	bc_buf out;
	bc_json j;
	bc_buf_init(&out, BC_ENROLMENT_MAX);
	bc_json_init(&j, &out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "format");
	bc_json_string(&j, BC_ENROLMENT_FORMAT);
	bc_json_key(&j, "host");
	bc_json_string(&j, rec->host);
	bc_json_key(&j, "url");
	bc_json_string(&j, rec->url);
	bc_json_key(&j, "time");
	bc_json_string(&j, rec->time);
	bc_json_key(&j, "certified");
	bc_json_bool(&j, rec->certified);
	bc_json_key(&j, "ek_certificate");
	if (rec->certified) {
		bc_json_object_begin(&j);
		bc_json_key(&j, "chain");
		bc_json_array_begin(&j);
		for (size_t i = 0; i < rec->chain_len; i++)
			bc_json_hex(&j, rec->chain[i], 32);
		bc_json_array_end(&j);
		bc_json_key(&j, "anchor");
		bc_json_object_begin(&j);
		bc_json_key(&j, "subject");
		bc_json_string(&j, rec->anchor_subject);
		bc_json_key(&j, "file");
		bc_json_string(&j, rec->anchor_file);
		bc_json_object_end(&j);
		bc_json_object_end(&j);
	} else {
		bc_json_null(&j);
	}
	bc_json_key(&j, "ek_type");
	bc_json_string(&j, rec->ek_type);
	bc_json_key(&j, "ek_public");
	bc_json_base64(&j, rec->ek_public, rec->ek_public_size);
	bc_json_key(&j, "ak_public");
	bc_json_base64(&j, rec->ak_public, rec->ak_public_size);
	bc_json_key(&j, "ak_name");
	bc_json_hex(&j, rec->ak_name, rec->ak_name_size);
	json_keep(&j, rec->has_keep, rec->keep_kind, rec->keep_provider, rec->keep_chip_id);
	bc_json_object_end(&j);
	return take_json(&out, "the enrolment record", json, size, err);
}

bc_status bc_enrolment_write(const bc_enrolment *rec, const char *path, bc_error *err)
{
	_cleanup_free_ char *json = NULL;
	size_t size = 0;
	bc_status s = bc_enrolment_to_json(rec, &json, &size, err);
	if (s == BC_OK)
		s = bc_write_file_atomic(path, json, size, 0644, err);
	return s;
}

static bc_status parse_chain(json_t *root, const char *name, bc_enrolment *out, bc_error *err)
{
	json_t *cert = json_object_get(root, "ek_certificate"), *chain, *anchor, *v;
	size_t i;
	if (!out->certified)
		return json_is_null(cert) ? BC_OK
					  : bc_fail(err, BC_E_FORMAT,
						    "%s: \"ek_certificate\" is not null but "
						    "\"certified\" is false",
						    name);
	if (!json_is_object(cert))
		return bc_fail(err, BC_E_FORMAT, "%s: \"ek_certificate\" is not an object", name);
	chain = json_object_get(cert, "chain");
	anchor = json_object_get(cert, "anchor");
	if (!json_is_array(chain) || json_array_size(chain) == 0 ||
	    json_array_size(chain) > BC_EK_CHAIN_MAX)
		return bc_fail(err, BC_E_FORMAT,
			       "%s: \"ek_certificate.chain\" is not an array of 1 to %d "
			       "fingerprints",
			       name, BC_EK_CHAIN_MAX);
	json_array_foreach(chain, i, v)
	{
		bc_status s =
		    member_hex(v, "ek_certificate.chain", name, out->chain[i], 32, 32, NULL, err);
		if (s != BC_OK)
			return s;
	}
	out->chain_len = json_array_size(chain);
	if (!json_is_object(anchor))
		return bc_fail(err, BC_E_FORMAT, "%s: \"ek_certificate.anchor\" is not an object",
			       name);
	bc_status s = member_string(anchor, "subject", name, out->anchor_subject,
				    sizeof(out->anchor_subject), err);
	if (s == BC_OK)
		s = member_string(anchor, "file", name, out->anchor_file, sizeof(out->anchor_file),
				  err);
	return s;
}

static bc_status parse_record(json_t *root, const char *name, bc_enrolment *out, bc_error *err)
{
	json_t *format = json_object_get(root, "format"), *certified;
	bc_identity keys = {.ek_certificate = NULL}; /* only its keys: nothing to free */
	TPM2B_PUBLIC ak;
	TPM2B_NAME ak_name;
	if (!json_is_string(format) || strcmp(json_string_value(format), BC_ENROLMENT_FORMAT))
		return bc_fail(err, BC_E_FORMAT, "%s: \"format\" is not \"%s\"", name,
			       BC_ENROLMENT_FORMAT);
	certified = json_object_get(root, "certified");
	if (!json_is_boolean(certified))
		return bc_fail(err, BC_E_FORMAT, "%s: \"certified\" is not true or false", name);
	out->certified = json_is_true(certified);
	bc_status s = member_string(root, "host", name, out->host, sizeof(out->host), err);
	if (s == BC_OK)
		s = member_string(root, "url", name, out->url, sizeof(out->url), err);
	if (s == BC_OK)
		s = member_string(root, "time", name, out->time, sizeof(out->time), err);
	if (s == BC_OK)
		s = parse_chain(root, name, out, err);
	if (s == BC_OK)
		s = parse_keys(root, name, &keys, err);
	if (s != BC_OK)
		return s;
	take_keys(out, &keys);
	/* the name is what finds the record: it must be that of the AK it holds */
	if (bc_tpm_public_unmarshal(out->ak_public, out->ak_public_size, name, &ak, err) != BC_OK ||
	    bc_tpm_public_name(&ak.publicArea, &ak_name, err) != BC_OK)
		return err ? err->status : BC_E_FORMAT;
	if (ak_name.size != out->ak_name_size ||
	    memcmp(ak_name.name, out->ak_name, ak_name.size) != 0)
		return bc_fail(err, BC_E_FORMAT, "%s: \"ak_name\" is not the name of \"ak_public\"",
			       name);
	return BC_OK;
}

bc_status bc_enrolment_parse(const void *data, size_t size, const char *name, bc_enrolment *out,
			     bc_error *err)
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	*out = (bc_enrolment){.certified = false};
	if (!(root = load_object(data, size, BC_ENROLMENT_MAX, name, err)))
		return err ? err->status : BC_E_FORMAT;
	return parse_record(root, name, out, err);
}

/* ---- sets of records ---- */

typedef struct entry {
	bc_enrolment rec;
	char stem[256]; /* the file's name without .json */
} entry;

struct bc_enrolment_set {
	entry *entries;
	size_t count, cap;
};

static bc_status set_add(bc_enrolment_set *set, const char *path, bc_error *err)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	if (set->count == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 16;
		entry *e = realloc(set->entries, cap * sizeof(*e));
		if (!e)
			return bc_fail(err, BC_E_NOMEM, "out of memory");
		set->entries = e;
		set->cap = cap;
	}
	entry *e = &set->entries[set->count];
	bc_status s = bc_read_file(path, BC_ENROLMENT_MAX, &data, &size, err);
	if (s == BC_OK)
		s = bc_enrolment_parse(data, size, path, &e->rec, err);
	if (s != BC_OK)
		return s;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, ".json") == 0)
		len -= 5;
	snprintf(e->stem, sizeof(e->stem), "%.*s", (int)len, base);
	set->count++;
	return BC_OK;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.json file of dir, in name order (messages and matches do not depend on the
 * order readdir gives). */
static bc_status set_add_dir(bc_enrolment_set *set, const char *dir, bc_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	bc_status s = BC_OK;
	if (!d)
		return bc_fail(err, BC_E_IO, "%s: %s", dir, strerror(errno));
	while (s == BC_OK && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		if (n == cap) {
			char **more =
			    cap < ENROLMENT_FILES_MAX
				? realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*names))
				: NULL;
			if (!more) {
				s = bc_fail(err, BC_E_LIMIT, "%s: too many records", dir);
				break;
			}
			names = more;
		}
		if (asprintf(&names[n], "%s/%s", dir, de->d_name) < 0)
			s = bc_fail(err, BC_E_NOMEM, "out of memory");
		else
			n++;
	}
	closedir(d);
	if (s == BC_OK && n)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		if (s == BC_OK)
			s = set_add(set, names[i], err);
		free(names[i]);
	}
	free(names);
	if (s == BC_OK && set->count == 0)
		s = bc_fail(err, BC_E_NOTFOUND, "%s: no enrolment records (*.json)", dir);
	return s;
}

bc_status bc_enrolment_set_load(const char *path, bc_enrolment_set **out, bc_error *err)
{
	struct stat st;
	bc_enrolment_set *set = calloc(1, sizeof(*set));
	if (!set)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	bc_status s = BC_OK;
	if (stat(path, &st) != 0)
		s = bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		s = set_add_dir(set, path, err);
	else
		s = set_add(set, path, err);
	if (s != BC_OK) {
		bc_enrolment_set_free(set);
		return s;
	}
	*out = set;
	return BC_OK;
}

void bc_enrolment_set_free(bc_enrolment_set *set)
{
	if (!set)
		return;
	free(set->entries);
	free(set);
}

size_t bc_enrolment_set_count(const bc_enrolment_set *set)
{
	return set->count;
}

const bc_enrolment *bc_enrolment_set_get(const bc_enrolment_set *set, size_t i)
{
	return i < set->count ? &set->entries[i].rec : NULL;
}

const bc_enrolment *bc_enrolment_set_find_ak(const bc_enrolment_set *set, const uint8_t *name,
					     size_t size)
{
	for (size_t i = 0; i < set->count; i++) {
		const bc_enrolment *r = &set->entries[i].rec;
		if (r->ak_name_size == size && memcmp(r->ak_name, name, size) == 0)
			return r;
	}
	return NULL;
}

const bc_enrolment *bc_enrolment_set_find_host(const bc_enrolment_set *set, const char *host)
{
	for (size_t i = 0; i < set->count; i++)
		if (strcasecmp(set->entries[i].rec.host, host) == 0)
			return &set->entries[i].rec;
	for (size_t i = 0; i < set->count; i++)
		if (strcmp(set->entries[i].stem, host) == 0)
			return &set->entries[i].rec;
	return NULL;
}
