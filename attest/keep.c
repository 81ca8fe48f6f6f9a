/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Keep's attestation report: configfs-tsm, and AMD SEV-SNP reports (parse, verify).
 * See keep.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "attest/keep.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/reader.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(BIO *, BIO_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(X509 *, X509_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(BIGNUM *, BN_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(ECDSA_SIG *, ECDSA_SIG_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD_CTX *, EVP_MD_CTX_free)

static inline void ossl_freep(uint8_t **p)
{
	OPENSSL_free(*p);
}

/* ---- configfs-tsm ---- */

/* Attribute files a simulated provider (a plain directory) may leave in an entry; in
 * configfs they go with the rmdir and cannot be unlinked. */
static const char *const tsm_attributes[] = {
    "inblob", "outblob", "auxblob", "provider", "generation", "privlevel", "privlevel_floor",
};

#define GENERATION_TEXT_MAX 32 /* a decimal u64 and a newline */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_1ms(void)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Read a small text attribute into buf (cap bytes with its NUL). BC_E_NOTFOUND when it
 * does not exist (yet), BC_E_LIMIT when it holds cap bytes or more. */
static bc_status read_text(const char *path, char *buf, size_t cap, bc_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	if (fd < 0)
		return bc_fail(err, errno == ENOENT ? BC_E_NOTFOUND : BC_E_IO, "%s: %s", path,
			       strerror(errno));
	for (;;) {
		if (len == cap)
			return bc_fail(err, BC_E_LIMIT, "%s: longer than %zu bytes", path, cap - 1);
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == cap)
		return bc_fail(err, BC_E_LIMIT, "%s: longer than %zu bytes", path, cap - 1);
	buf[len] = '\0';
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	return BC_OK;
}

static bc_status read_generation(const char *path, uint64_t *gen, bc_error *err)
{
	char text[GENERATION_TEXT_MAX];
	uint64_t v = 0;
	bc_status s = read_text(path, text, sizeof(text), err);
	if (s == BC_E_LIMIT)
		return bc_fail(err, BC_E_FORMAT, "%s: not a decimal number", path);
	if (s != BC_OK)
		return s;
	if (!text[0])
		return bc_fail(err, BC_E_FORMAT, "%s: empty, expected a decimal number", path);
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return bc_fail(err, BC_E_FORMAT, "%s: \"%s\" is not a decimal number", path,
				       text);
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return bc_fail(err, BC_E_FORMAT, "%s: %s is out of range", path, text);
		v = v * 10 + d;
	}
	*gen = v;
	return BC_OK;
}

/* The generation, waiting for the file to appear: a simulated provider creates it when
 * it sees the entry; configfs has it from the mkdir. */
static bc_status first_generation(const char *path, uint64_t *gen, bc_error *err)
{
	int64_t deadline = now_ms() + BC_TSM_WAIT_MS;
	for (;;) {
		bc_status s = read_generation(path, gen, err);
		if (s != BC_E_NOTFOUND)
			return s;
		if (now_ms() >= deadline)
			return bc_fail(err, BC_E_IO,
				       "%s: missing %d ms after creating the entry: no TSM "
				       "provider serves this folder",
				       path, BC_TSM_WAIT_MS);
		sleep_1ms();
	}
}

/* Wait until the generation moved from before (at once in configfs). */
static bc_status generation_moved(const char *path, uint64_t before, bc_error *err)
{
	int64_t deadline = now_ms() + BC_TSM_WAIT_MS;
	for (;;) {
		uint64_t gen = 0;
		bc_status s = read_generation(path, &gen, err);
		if (s != BC_OK)
			return s;
		if (gen != before)
			return BC_OK;
		if (now_ms() >= deadline)
			return bc_fail(err, BC_E_IO,
				       "%s: still %llu %d ms after writing inblob: the TSM "
				       "provider did not answer",
				       path, (unsigned long long)before, BC_TSM_WAIT_MS);
		sleep_1ms();
	}
}

static bc_status write_inblob(const char *path, const uint8_t *inblob, bc_error *err)
{
	/* no O_TRUNC: configfs attributes cannot be truncated; a plain file is created */
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	ssize_t n;
	do
		n = write(fd, inblob, BC_TSM_INBLOB_SIZE);
	while (n < 0 && errno == EINTR);
	int saved = errno;
	if (close(fd) < 0 && n == BC_TSM_INBLOB_SIZE)
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(errno));
	if (n < 0)
		return bc_fail(err, BC_E_IO, "%s: %s", path, strerror(saved));
	if (n != BC_TSM_INBLOB_SIZE)
		return bc_fail(err, BC_E_IO, "%s: wrote %zd of %d bytes", path, n,
			       BC_TSM_INBLOB_SIZE);
	return BC_OK;
}

static int entry_rmdir(const char *entry)
{
	if (rmdir(entry) == 0)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST)
		return -1;
	/* a plain directory of a simulated provider: its files first */
	for (size_t i = 0; i < ELEMENTSOF(tsm_attributes); i++) {
		char path[PATH_MAX];
		if (snprintf(path, sizeof(path), "%s/%s", entry, tsm_attributes[i]) <
		    (int)sizeof(path))
			unlink(path);
	}
	return rmdir(entry);
}

/* Cleanup on error paths: remove the entry, quietly. */
static void entry_removep(char **entry)
{
	if (!*entry)
		return;
	int saved = errno;
	entry_rmdir(*entry);
	free(*entry);
	errno = saved;
}

static bc_status entry_create(const char *root, char **out, bc_error *err)
{
	static atomic_uint seq;
	for (int tries = 0; tries < 100; tries++) {
		char *entry = NULL;
		unsigned n = atomic_fetch_add(&seq, 1);
		if (asprintf(&entry, "%s/bootchain-%ld-%u", root, (long)getpid(), n) < 0)
			return bc_fail(err, BC_E_NOMEM, "out of memory");
		if (mkdir(entry, 0700) == 0) {
			*out = entry;
			return BC_OK;
		}
		int e = errno;
		if (e == EEXIST) { /* left by an earlier process with our PID */
			free(entry);
			continue;
		}
		bc_status s = bc_fail(err, BC_E_IO, "%s: %s%s", entry, strerror(e),
				      e == ENOENT ? " (is configfs mounted at /sys/kernel/config "
						    "and a TSM provider such as sev-guest loaded?)"
						  : "");
		free(entry);
		return s;
	}
	return bc_fail(err, BC_E_IO, "%s: no free name for a report entry", root);
}

static char *entry_path(const char *entry, const char *name)
{
	char *path = NULL;
	return asprintf(&path, "%s/%s", entry, name) < 0 ? NULL : path;
}

bc_status bc_tsm_report(const char *root, const uint8_t inblob[BC_TSM_INBLOB_SIZE],
			uint8_t **report, size_t *size, char provider[BC_TSM_PROVIDER_MAX],
			bc_error *err)
{
	*report = NULL;
	*size = 0;
	provider[0] = '\0';
	if (!root)
		root = BC_TSM_REPORT_ROOT;

	_cleanup_(entry_removep) char *entry = NULL;
	bc_status s = entry_create(root, &entry, err);
	if (s != BC_OK)
		return s;
	_cleanup_free_ char *gen_path = entry_path(entry, "generation");
	_cleanup_free_ char *in_path = entry_path(entry, "inblob");
	_cleanup_free_ char *out_path = entry_path(entry, "outblob");
	_cleanup_free_ char *prov_path = entry_path(entry, "provider");
	if (!gen_path || !in_path || !out_path || !prov_path)
		return bc_fail(err, BC_E_NOMEM, "out of memory");

	uint64_t before = 0, after = 0;
	for (int attempt = 1; attempt <= BC_TSM_ATTEMPTS; attempt++) {
		_cleanup_free_ uint8_t *out = NULL;
		size_t out_size = 0;
		s = attempt == 1 ? first_generation(gen_path, &before, err)
				 : read_generation(gen_path, &before, err);
		if (s == BC_OK)
			s = write_inblob(in_path, inblob, err);
		if (s == BC_OK)
			s = generation_moved(gen_path, before, err);
		if (s == BC_OK)
			s = bc_read_file(out_path, BC_TSM_OUTBLOB_MAX, &out, &out_size, err);
		if (s == BC_OK && out_size == 0)
			s = bc_fail(err, BC_E_FORMAT, "%s: empty", out_path);
		if (s == BC_OK)
			s = read_text(prov_path, provider, BC_TSM_PROVIDER_MAX, err);
		if (s == BC_OK && !provider[0])
			s = bc_fail(err, BC_E_FORMAT, "%s: empty", prov_path);
		if (s == BC_OK)
			s = read_generation(gen_path, &after, err);
		if (s != BC_OK) {
			provider[0] = '\0';
			return s;
		}
		if (before != UINT64_MAX && after == before + 1) {
			if (entry_rmdir(entry) < 0)
				return bc_fail(err, BC_E_IO, "%s: cannot remove: %s", entry,
					       strerror(errno));
			free(TAKE_PTR(entry));
			*report = TAKE_PTR(out);
			*size = out_size;
			return BC_OK;
		}
		provider[0] = '\0';
	}
	return bc_fail(err, BC_E_MISMATCH,
		       "%s: generation went from %llu to %llu across our write of inblob, "
		       "%d times: another writer uses this entry",
		       gen_path, (unsigned long long)before, (unsigned long long)after,
		       BC_TSM_ATTEMPTS);
}

/* ---- AMD SEV-SNP attestation report ---- */

#define SNP_SIG_COMPONENT 72 /* r and s, little-endian, zero-extended */
#define SNP_P384_BYTES	  48

bc_status bc_snp_report_parse(const uint8_t *data, size_t size, bc_snp_report *out, bc_error *err)
{
	*out = (bc_snp_report){.version = 0};
	if (!data || size != BC_SNP_REPORT_SIZE)
		return bc_fail(err, BC_E_FORMAT,
			       "an SEV-SNP attestation report of %zu bytes: it has %d (0x%X)",
			       data ? size : 0, BC_SNP_REPORT_SIZE, BC_SNP_REPORT_SIZE);

	bc_reader r = bc_reader_init(data, size);
	bc_snp_report rep = {.version = 0};
	bool ok =
	    bc_rd_u32le(&r, &rep.version) && bc_rd_u32le(&r, &rep.guest_svn) &&
	    bc_rd_u64le(&r, &rep.policy) && bc_rd_copy(&r, rep.family_id, sizeof(rep.family_id)) &&
	    bc_rd_copy(&r, rep.image_id, sizeof(rep.image_id)) && bc_rd_u32le(&r, &rep.vmpl) &&
	    bc_rd_u32le(&r, &rep.signature_algo) && bc_rd_u64le(&r, &rep.current_tcb) &&
	    bc_rd_u64le(&r, &rep.platform_info) && bc_rd_u32le(&r, &rep.key_info) &&
	    bc_rd_skip(&r, 4) /* 0x04C reserved */ &&
	    bc_rd_copy(&r, rep.report_data, sizeof(rep.report_data)) &&
	    bc_rd_copy(&r, rep.measurement, sizeof(rep.measurement)) &&
	    bc_rd_copy(&r, rep.host_data, sizeof(rep.host_data)) &&
	    bc_rd_copy(&r, rep.id_key_digest, sizeof(rep.id_key_digest)) &&
	    bc_rd_copy(&r, rep.author_key_digest, sizeof(rep.author_key_digest)) &&
	    bc_rd_copy(&r, rep.report_id, sizeof(rep.report_id)) &&
	    bc_rd_copy(&r, rep.report_id_ma, sizeof(rep.report_id_ma)) &&
	    bc_rd_u64le(&r, &rep.reported_tcb) && bc_rd_u8(&r, &rep.cpuid_fam_id) &&
	    bc_rd_u8(&r, &rep.cpuid_mod_id) && bc_rd_u8(&r, &rep.cpuid_step) &&
	    bc_rd_skip(&r, 21) /* 0x18B reserved */ &&
	    bc_rd_copy(&r, rep.chip_id, sizeof(rep.chip_id)) &&
	    bc_rd_u64le(&r, &rep.committed_tcb) && bc_rd_u8(&r, &rep.current_build) &&
	    bc_rd_u8(&r, &rep.current_minor) && bc_rd_u8(&r, &rep.current_major) &&
	    bc_rd_skip(&r, 1) && bc_rd_u8(&r, &rep.committed_build) &&
	    bc_rd_u8(&r, &rep.committed_minor) && bc_rd_u8(&r, &rep.committed_major) &&
	    bc_rd_skip(&r, 1) && bc_rd_u64le(&r, &rep.launch_tcb) &&
	    bc_rd_u64le(&r, &rep.launch_mit_vector) && bc_rd_u64le(&r, &rep.current_mit_vector) &&
	    bc_rd_skip(&r, BC_SNP_SIGNED_SIZE - 0x208) /* 0x208 reserved */ &&
	    bc_rd_copy(&r, rep.signature_r, sizeof(rep.signature_r)) &&
	    bc_rd_copy(&r, rep.signature_s, sizeof(rep.signature_s));
	if (!ok || r.pos != BC_SNP_SIGNED_SIZE + 2 * SNP_SIG_COMPONENT)
		return bc_fail(err, BC_E_FORMAT, "SEV-SNP report: cannot read its fields");

	if (rep.version < BC_SNP_VERSION_MIN || rep.version > BC_SNP_VERSION_MAX)
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "SEV-SNP report version %u is not supported (only %d to %d)",
			       rep.version, BC_SNP_VERSION_MIN, BC_SNP_VERSION_MAX);
	if (rep.signature_algo != BC_SNP_SIG_ALGO_ECDSA_P384_SHA384)
		return bc_fail(err, BC_E_UNSUPPORTED,
			       "SEV-SNP report signature algorithm %u is not supported (only 1, "
			       "ECDSA P-384 with SHA-384)",
			       rep.signature_algo);
	/* fields a version does not define are reserved: zero whatever they hold */
	if (rep.version < 3)
		rep.cpuid_fam_id = rep.cpuid_mod_id = rep.cpuid_step = 0;
	if (rep.version < 5)
		rep.launch_mit_vector = rep.current_mit_vector = 0;
	*out = rep;
	return BC_OK;
}

static bc_status ossl_fail(bc_error *err, bc_status status, const char *what)
{
	unsigned long e = ERR_get_error();
	ERR_clear_error();
	return bc_fail(err, status, "%s%s%s", what, e ? ": " : "",
		       e ? ERR_reason_error_string(e) ?: "OpenSSL error" : "");
}

#define CERT_MAX ((size_t)64 << 10)

/* A certificate in PEM or DER, the whole buffer. */
static bc_status load_cert(const uint8_t *data, size_t size, const char *name, X509 **out,
			   bc_error *err)
{
	static const char pem_begin[] = "-----BEGIN";
	*out = NULL;
	if (!data || size == 0)
		return bc_fail(err, BC_E_INVALID, "no %s certificate", name);
	if (size > CERT_MAX)
		return bc_fail(err, BC_E_FORMAT, "the %s certificate is larger than %zu bytes",
			       name, CERT_MAX);
	if (memmem(data, size, pem_begin, sizeof(pem_begin) - 1)) {
		_cleanup_(BIO_freep) BIO *bio = BIO_new_mem_buf(data, (int)size);
		if (!bio)
			return bc_fail(err, BC_E_NOMEM, "out of memory");
		*out = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	} else {
		const unsigned char *p = data;
		*out = d2i_X509(NULL, &p, (long)size);
		if (*out && p != data + size) {
			X509_free(*out);
			*out = NULL;
			ERR_clear_error();
			return bc_fail(err, BC_E_FORMAT, "the %s certificate: %zu bytes after it",
				       name, size - (size_t)(p - data));
		}
	}
	if (!*out) {
		char what[64];
		snprintf(what, sizeof(what), "the %s is not an X.509 certificate", name);
		return ossl_fail(err, BC_E_FORMAT, what);
	}
	return BC_OK;
}

/* issuer issued subject: names (and key usage, key identifiers) and the signature. */
static bc_status check_issued(X509 *issuer, const char *issuer_name, X509 *subject,
			      const char *subject_name, bc_error *err)
{
	int rc = X509_check_issued(issuer, subject);
	if (rc != X509_V_OK) {
		ERR_clear_error();
		if (issuer == subject)
			return bc_fail(err, BC_E_MISMATCH, "the %s is not self-signed: %s",
				       subject_name, X509_verify_cert_error_string(rc));
		return bc_fail(err, BC_E_MISMATCH, "the %s is not issued by the %s: %s",
			       subject_name, issuer_name, X509_verify_cert_error_string(rc));
	}
	EVP_PKEY *key = X509_get0_pubkey(issuer);
	if (!key) {
		char what[64];
		snprintf(what, sizeof(what), "the %s's public key", issuer_name);
		return ossl_fail(err, BC_E_FORMAT, what);
	}
	if (X509_verify(subject, key) != 1) {
		ERR_clear_error();
		if (issuer == subject)
			return bc_fail(err, BC_E_MISMATCH,
				       "the %s is not self-signed: its signature does not verify "
				       "with its own key",
				       subject_name);
		return bc_fail(err, BC_E_MISMATCH,
			       "the %s's signature does not verify with the %s's key", subject_name,
			       issuer_name);
	}
	return BC_OK;
}

/* A certificate in force at now: its notBefore passed, its notAfter not. */
static bc_status check_validity(X509 *x, const char *name, time_t now, bc_error *err)
{
	const ASN1_TIME *not_before = X509_get0_notBefore(x), *not_after = X509_get0_notAfter(x);
	struct tm tm;
	char when[32] = "?";
	if (X509_cmp_time(not_before, &now) > 0) {
		if (ASN1_TIME_to_tm(not_before, &tm) == 1)
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		return bc_fail(err, BC_E_MISMATCH, "the %s is not valid before %s", name, when);
	}
	if (X509_cmp_time(not_after, &now) < 0) {
		if (ASN1_TIME_to_tm(not_after, &tm) == 1)
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		return bc_fail(err, BC_E_MISMATCH, "the %s expired at %s", name, when);
	}
	ERR_clear_error();
	return BC_OK;
}

/* ---- who signed: the VCEK (chip and TCB) or a VLEK (a cloud provider's, loaded into the
 * chip by AMD's key distribution service), and the certificates AMD issues for each:
 * VCEK <- ASK <- ARK, VLEK <- ASVK <- ARK ---- */

typedef struct snp_signer {
	const char *key;	  /* "VCEK", "VLEK" */
	const char *intermediate; /* "ASK", "ASVK" */
	const char *cn_prefix; /* the intermediate's CN before the product: "SEV-", "SEV-VLEK-" */
} snp_signer;

static const snp_signer signer_vcek = {"VCEK", "ASK", "SEV-"};
static const snp_signer signer_vlek = {"VLEK", "ASVK", "SEV-VLEK-"};

/* The signer KEY_INFO names; a report signed by no key, or a reserved one, is refused. */
static bc_status report_signer(const bc_snp_report *r, const snp_signer **out, bc_error *err)
{
	unsigned key = bc_snp_signing_key(r);
	if (key == BC_SNP_KEY_SIGNING_VCEK) {
		*out = &signer_vcek;
		return BC_OK;
	}
	if (key == BC_SNP_KEY_SIGNING_VLEK) {
		*out = &signer_vlek;
		return BC_OK;
	}
	if (key == BC_SNP_KEY_SIGNING_NONE)
		return bc_fail(err, BC_E_MISMATCH,
			       "the SEV-SNP report is not signed (KEY_INFO 0x%x: signing key 7, "
			       "none)",
			       r->key_info);
	return bc_fail(err, BC_E_UNSUPPORTED,
		       "the SEV-SNP report names a reserved signing key %u (KEY_INFO 0x%x; only 0, "
		       "the VCEK, and 1, a VLEK)",
		       key, r->key_info);
}

/* The subject's common name, "" when it has none. */
static void common_name(X509 *x, char *out, size_t size)
{
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, out, (int)size) < 0)
		out[0] = '\0';
	ERR_clear_error();
}

/* The product line a report from version 3 on names by its CPUID family and model;
 * NULL when unknown (or version 2, which does not say). Bergamo and Siena are Genoa
 * parts to AMD's key distribution service. */
static const char *report_product(const bc_snp_report *r)
{
	uint8_t model_high = r->cpuid_mod_id >> 4;
	if (r->version < 3)
		return NULL;
	if (r->cpuid_fam_id == 0x19 && model_high == 0x0)
		return "Milan";
	if (r->cpuid_fam_id == 0x19 && (model_high == 0x1 || model_high == 0xA))
		return "Genoa";
	if (r->cpuid_fam_id == BC_SNP_CPUID_FAMILY_TURIN && model_high <= 0x1)
		return "Turin";
	return NULL;
}

/* AMD names its certificates by the product line: ARK-Milan, SEV-Milan (the ASK),
 * SEV-VLEK-Milan (the ASVK). With an ARK named so, the intermediate must be the signer's
 * kind for the same product, and a report that names its product (version 3 on) must be
 * of that product: a Genoa report does not chain to ARK-Milan. An ARK named otherwise
 * (a private test root) is not judged by name. */
static bc_status check_product(X509 *ark, X509 *intermediate, const snp_signer *who,
			       const bc_snp_report *r, bc_error *err)
{
	char ark_cn[128], cn[128], want[160];
	common_name(ark, ark_cn, sizeof(ark_cn));
	common_name(intermediate, cn, sizeof(cn));
	if (strncmp(ark_cn, "ARK-", 4) != 0 || !ark_cn[4])
		return BC_OK;
	const char *product = ark_cn + 4;
	snprintf(want, sizeof(want), "%s%s", who->cn_prefix, product);
	if (strcmp(cn, want) != 0)
		return bc_fail(err, BC_E_MISMATCH,
			       "the %s is named \"%s\", not \"%s\": the report is signed by a %s, "
			       "whose certificate %s issues for %s",
			       who->intermediate, cn, want, who->key, who->intermediate, ark_cn);
	const char *reported = report_product(r);
	if (reported &&
	    (!strcmp(product, "Milan") || !strcmp(product, "Genoa") || !strcmp(product, "Turin")) &&
	    strcmp(reported, product) != 0)
		return bc_fail(err, BC_E_MISMATCH,
			       "the report is from a %s part (CPUID family 0x%02x, model 0x%02x), "
			       "and the ARK is %s's",
			       reported, r->cpuid_fam_id, r->cpuid_mod_id, ark_cn);
	return BC_OK;
}

static bc_status check_chain(X509 *leaf, const snp_signer *who, const uint8_t *ask_data,
			     size_t ask_size, const uint8_t *ark_data, size_t ark_size,
			     const bc_snp_report *r, time_t now, bc_error *err)
{
	_cleanup_(X509_freep) X509 *ask = NULL;
	_cleanup_(X509_freep) X509 *ark = NULL;
	bc_status s = load_cert(ask_data, ask_size, who->intermediate, &ask, err);
	if (s == BC_OK)
		s = load_cert(ark_data, ark_size, "ARK", &ark, err);
	if (s == BC_OK)
		s = check_issued(ark, "ARK", ark, "ARK", err);
	if (s == BC_OK)
		s = check_issued(ark, "ARK", ask, who->intermediate, err);
	if (s == BC_OK)
		s = check_issued(ask, who->intermediate, leaf, who->key, err);
	if (s == BC_OK)
		s = check_product(ark, ask, who, r, err);
	if (s == BC_OK)
		s = check_validity(ark, "ARK", now, err);
	if (s == BC_OK)
		s = check_validity(ask, who->intermediate, now, err);
	return s;
}

/* ---- the VCEK's (and VLEK's) extensions (AMD, "Versioned Chip Endorsement Key (VCEK)
 * Certificate and KDS Interface Specification", and the VLEK's of the same form): the
 * chip and the TCB it was derived for ---- */

#define OID_SNP_HWID	  "1.3.6.1.4.1.3704.1.4"
#define OID_SNP_BL_SPL	  "1.3.6.1.4.1.3704.1.3.1"
#define OID_SNP_TEE_SPL	  "1.3.6.1.4.1.3704.1.3.2"
#define OID_SNP_SNP_SPL	  "1.3.6.1.4.1.3704.1.3.3"
#define OID_SNP_UCODE_SPL "1.3.6.1.4.1.3704.1.3.8"
#define OID_SNP_FMC_SPL	  "1.3.6.1.4.1.3704.1.3.9" /* Turin */
#define HWID_SIZE	  64
#define HWID_SIZE_TURIN	  8 /* Turin's VCEKs name the chip by CHIP_ID's first 8 bytes */

/* Where the certificate's extension oid is, -1 when it has none, -2 when two. */
static int extension_at(X509 *x, const char *oid, bc_error *err)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	if (!obj) {
		ossl_fail(err, BC_E_NOMEM, "out of memory");
		return -3;
	}
	int at = X509_get_ext_by_OBJ(x, obj, -1);
	int again = at < 0 ? -1 : X509_get_ext_by_OBJ(x, obj, at);
	ASN1_OBJECT_free(obj);
	return again >= 0 ? -2 : at;
}

/* The value (extnValue) of the key certificate's only extension oid; BC_E_MISMATCH when
 * it has none or two. who names the certificate ("VCEK", "VLEK"). */
static bc_status key_extension(X509 *cert, const char *who, const char *oid, const char *name,
			       const ASN1_OCTET_STRING **out, bc_error *err)
{
	int at = extension_at(cert, oid, err);
	if (at == -3)
		return BC_E_NOMEM;
	if (at == -1)
		return bc_fail(err, BC_E_MISMATCH,
			       "the %s has no %s extension (%s): it does not say which %s it "
			       "was made for",
			       who, name, oid, strcmp(name, "hwID") == 0 ? "chip" : "TCB");
	if (at == -2)
		return bc_fail(err, BC_E_MISMATCH, "the %s has two %s extensions (%s)", who, name,
			       oid);
	*out = X509_EXTENSION_get_data(X509_get_ext(cert, at));
	return BC_OK;
}

/* A security patch level: a DER INTEGER 0 to 255, nothing after it. */
static bc_status key_spl(X509 *cert, const char *who, const char *oid, const char *name,
			 uint8_t *out, bc_error *err)
{
	const ASN1_OCTET_STRING *v = NULL;
	bc_status s = key_extension(cert, who, oid, name, &v, err);
	if (s != BC_OK)
		return s;
	const unsigned char *p = ASN1_STRING_get0_data(v);
	long len = ASN1_STRING_length(v);
	ASN1_INTEGER *n = d2i_ASN1_INTEGER(NULL, &p, len);
	int64_t value = -1;
	bool whole = n && p == ASN1_STRING_get0_data(v) + len;
	if (n && ASN1_INTEGER_get_int64(&value, n) != 1)
		value = -1;
	ASN1_INTEGER_free(n);
	ERR_clear_error();
	if (!whole || value < 0 || value > 255)
		return bc_fail(err, BC_E_FORMAT,
			       "the %s's %s extension (%s) is not an integer from 0 to 255", who,
			       name, oid);
	*out = (uint8_t)value;
	return BC_OK;
}

/* hwID: a DER OCTET STRING; VCEKs of 2021 hold the 64 bytes bare. */
static bc_status vcek_hwid(X509 *vcek, uint8_t *out, size_t want, bc_error *err)
{
	const ASN1_OCTET_STRING *v = NULL;
	bc_status s = key_extension(vcek, "VCEK", OID_SNP_HWID, "hwID", &v, err);
	if (s != BC_OK)
		return s;
	const unsigned char *p = ASN1_STRING_get0_data(v);
	long len = ASN1_STRING_length(v);
	if (want == HWID_SIZE && len == HWID_SIZE) { /* bare: a DER one is 66 bytes */
		memcpy(out, p, HWID_SIZE);
		return BC_OK;
	}
	ASN1_OCTET_STRING *o = d2i_ASN1_OCTET_STRING(NULL, &p, len);
	bool ok = o && p == ASN1_STRING_get0_data(v) + len && (size_t)ASN1_STRING_length(o) == want;
	if (ok)
		memcpy(out, ASN1_STRING_get0_data(o), want);
	ASN1_OCTET_STRING_free(o);
	ERR_clear_error();
	if (!ok)
		return bc_fail(err, BC_E_FORMAT,
			       "the VCEK's hwID extension (%s) is not an octet string of %zu "
			       "bytes",
			       OID_SNP_HWID, want);
	return BC_OK;
}

static bc_status match_spl(X509 *cert, const char *who, const char *oid, const char *name,
			   const char *part, uint8_t reported, bc_error *err)
{
	uint8_t spl = 0;
	bc_status s = key_spl(cert, who, oid, name, &spl, err);
	if (s == BC_OK && spl != reported)
		s = bc_fail(err, BC_E_MISMATCH,
			    "the %s is for another TCB: its %s (%s) is %u, REPORTED_TCB's %s is %u",
			    who, name, oid, spl, part, reported);
	return s;
}

/* The VCEK was made for this chip: hwID = CHIP_ID. */
static bc_status match_chip(X509 *vcek, const bc_snp_report *r, bool turin, bc_error *err)
{
	static const uint8_t zero[HWID_SIZE];
	size_t size = turin ? HWID_SIZE_TURIN : HWID_SIZE;
	uint8_t hwid[HWID_SIZE];
	char a[2 * 8 + 1], b[2 * 8 + 1];
	if (memcmp(r->chip_id, zero, sizeof(zero)) == 0)
		return bc_fail(err, BC_E_MISMATCH,
			       "the report's CHIP_ID is zero (masked): the VCEK cannot be matched "
			       "to the chip");
	bc_status s = vcek_hwid(vcek, hwid, size, err);
	if (s != BC_OK)
		return s;
	if (memcmp(hwid, r->chip_id, size) != 0) {
		for (int i = 0; i < 8; i++) {
			snprintf(a + 2 * i, 3, "%02x", hwid[i]);
			snprintf(b + 2 * i, 3, "%02x", r->chip_id[i]);
		}
		return bc_fail(err, BC_E_MISMATCH,
			       "the VCEK is another chip's: its hwID (%s) %s... is not the "
			       "report's CHIP_ID %s...",
			       OID_SNP_HWID, a, b);
	}
	return BC_OK;
}

/* A VLEK names no chip: a certificate that names one (hwID) is a VCEK, whatever key it
 * holds, and cannot vouch for a report KEY_INFO says a VLEK signed. */
static bc_status match_no_chip(X509 *cert, bc_error *err)
{
	int at = extension_at(cert, OID_SNP_HWID, err);
	if (at == -3)
		return BC_E_NOMEM;
	if (at != -1)
		return bc_fail(err, BC_E_MISMATCH,
			       "the report is signed by a VLEK (KEY_INFO signing key 1), and the "
			       "certificate given is a VCEK: it names a chip (hwID, %s)",
			       OID_SNP_HWID);
	return BC_OK;
}

/* The key was made for this chip (a VCEK's hwID = CHIP_ID; a VLEK names none) and for the
 * TCB the report says it was signed at (the SPLs = REPORTED_TCB's parts). */
static bc_status match_key(X509 *cert, const snp_signer *who, const bc_snp_report *r, bc_error *err)
{
	bool turin = bc_snp_report_is_turin(r);
	bc_snp_tcb tcb = bc_snp_tcb_split(r->reported_tcb, turin);
	bc_status s =
	    who == &signer_vlek ? match_no_chip(cert, err) : match_chip(cert, r, turin, err);
	if (s == BC_OK)
		s = match_spl(cert, who->key, OID_SNP_BL_SPL, "blSPL", "bootloader", tcb.bootloader,
			      err);
	if (s == BC_OK)
		s = match_spl(cert, who->key, OID_SNP_TEE_SPL, "teeSPL", "tee", tcb.tee, err);
	if (s == BC_OK)
		s = match_spl(cert, who->key, OID_SNP_SNP_SPL, "snpSPL", "snp", tcb.snp, err);
	if (s == BC_OK)
		s = match_spl(cert, who->key, OID_SNP_UCODE_SPL, "ucodeSPL", "microcode",
			      tcb.microcode, err);
	if (s == BC_OK && turin)
		s = match_spl(cert, who->key, OID_SNP_FMC_SPL, "fmcSPL", "fmc", tcb.fmc, err);
	return s;
}

static bc_status check_p384(EVP_PKEY *key, const char *who, bc_error *err)
{
	char group[64] = "", what[64];
	size_t len = 0;
	if (!key) {
		snprintf(what, sizeof(what), "the %s's public key", who);
		return ossl_fail(err, BC_E_FORMAT, what);
	}
	if (!EVP_PKEY_is_a(key, "EC"))
		return bc_fail(err, BC_E_FORMAT, "the %s's key is %s, not EC P-384", who,
			       EVP_PKEY_get0_type_name(key) ?: "of an unknown type");
	if (EVP_PKEY_get_group_name(key, group, sizeof(group), &len) != 1 ||
	    strcmp(group, "secp384r1") != 0) {
		ERR_clear_error();
		return bc_fail(err, BC_E_FORMAT, "the %s's key is on curve %s, not P-384", who,
			       group[0] ? group : "(unknown)");
	}
	return BC_OK;
}

/* r and s, little-endian in the report, as a DER ECDSA-Sig-Value. */
static bc_status signature_der(const bc_snp_report *rep, uint8_t **der, int *der_len, bc_error *err)
{
	_cleanup_(BN_freep) BIGNUM *r = BN_lebin2bn(rep->signature_r, SNP_SIG_COMPONENT, NULL);
	_cleanup_(BN_freep) BIGNUM *s = BN_lebin2bn(rep->signature_s, SNP_SIG_COMPONENT, NULL);
	_cleanup_(ECDSA_SIG_freep) ECDSA_SIG *sig = ECDSA_SIG_new();
	*der = NULL;
	if (!r || !s || !sig)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	if (ECDSA_SIG_set0(sig, r, s) != 1)
		return bc_fail(err, BC_E_NOMEM, "out of memory");
	r = s = NULL; /* owned by sig */
	*der_len = i2d_ECDSA_SIG(sig, der);
	if (*der_len <= 0)
		return ossl_fail(err, BC_E_NOMEM, "cannot encode the report's signature");
	return BC_OK;
}

bc_status bc_snp_report_verify(const uint8_t *report, size_t size, const uint8_t *vcek,
			       size_t vcek_size, const uint8_t *ask, size_t ask_size,
			       const uint8_t *ark, size_t ark_size, bc_error *err)
{
	return bc_snp_report_verify_at(report, size, vcek, vcek_size, ask, ask_size, ark, ark_size,
				       time(NULL), err);
}

bc_status bc_snp_report_verify_at(const uint8_t *report, size_t size, const uint8_t *vcek,
				  size_t vcek_size, const uint8_t *ask, size_t ask_size,
				  const uint8_t *ark, size_t ark_size, time_t now, bc_error *err)
{
	bc_snp_report rep;
	if ((ask == NULL) != (ark == NULL))
		return bc_fail(err, BC_E_INVALID,
			       "the ASK and the ARK go together: pass both or neither");
	const snp_signer *who = NULL;
	bc_status s = bc_snp_report_parse(report, size, &rep, err);
	if (s == BC_OK)
		s = report_signer(&rep, &who, err);
	if (s != BC_OK)
		return s;
	_cleanup_(X509_freep) X509 *cert = NULL;
	s = load_cert(vcek, vcek_size, who->key, &cert, err);
	if (s != BC_OK)
		return s;
	EVP_PKEY *key = X509_get0_pubkey(cert);
	s = check_p384(key, who->key, err);
	if (s == BC_OK && who == &signer_vlek) /* before the signature: the clearer message */
		s = match_no_chip(cert, err);
	if (s == BC_OK && ask)
		s = check_chain(cert, who, ask, ask_size, ark, ark_size, &rep, now, err);
	if (s == BC_OK)
		s = check_validity(cert, who->key, now, err);
	if (s != BC_OK)
		return s;

	_cleanup_(ossl_freep) uint8_t *der = NULL;
	int der_len = 0;
	s = signature_der(&rep, &der, &der_len, err);
	if (s != BC_OK)
		return s;
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestVerifyInit(ctx, NULL, EVP_sha384(), NULL, key) != 1)
		return ossl_fail(err, BC_E_FORMAT, "cannot verify with the signing key");
	int rc = EVP_DigestVerify(ctx, der, (size_t)der_len, report, BC_SNP_SIGNED_SIZE);
	ERR_clear_error();
	if (rc != 1)
		return bc_fail(err, BC_E_MISMATCH,
			       "the SEV-SNP report's signature does not verify with the %s's "
			       "key (ECDSA P-384, SHA-384 over bytes 0 to 0x%X)",
			       who->key, BC_SNP_SIGNED_SIZE - 1);
	return match_key(cert, who, &rep, err);
}
