/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fleet-sim: one process that answers as N machines, so that a fleet of thousands can be
 * attested on one computer without one swtpm each (tests/bench/fleet-run.sh,
 * tests/integration/fleet/sim.sh).
 *
 *   fleet-sim --hosts N [--port P] [--seed S] [--fail PCT] [--reboot PCT] [--threads T]
 *             [--write-enrolments DIR] [--write-golden FILE]
 *
 * Machine i (0 to N-1) is http://127.A.B.C:P, a loopback address of its own (127/8 is
 * all loopback on Linux): an enrolment record names a machine by the host of its URL, so
 * every machine needs a host of its own. The simulator listens on every address of port P
 * (it refuses peers outside 127/8) and tells the machines apart by the Host header.
 *
 * Each machine has an AK, a software ECDSA P-256 key derived from the seed and i (no key
 * material is stored), whose TPM2B_PUBLIC has the attributes of a restricted signing
 * key; a log of four events (bios, bootloader, kernel, initrd) of a sha256 bank; and
 * answers GET /v1/evidence?nonce=HEX[&pcrs=SEL] with a bootchain-evidence-v1 document
 * whose TPMS_ATTEST is made and signed here. Machine i measures another kernel when
 * i % 100 < --fail, and reboots before each quote (reset count up) when
 * i % 100 >= 100 - --reboot: tests work out which machines those are by arithmetic.
 *
 * --write-enrolments DIR writes a bootchain-enrolment-v1 record per machine (uncertified;
 * the EK is the AK's point with an EK's attributes, never used) for `fleet add DIR`;
 * --write-golden FILE the golden database of the good boot. Once listening it prints
 * "fleet-sim: N hosts on port P" on stdout and serves until SIGTERM or SIGINT.
 */
#include "config.h"

#define OPENSSL_SUPPRESS_DEPRECATED /* EC_KEY: a private scalar of our own, no public key */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/sha.h>
#include <tss2/tss2_mu.h>

#include <bootchain/attest.h>
#include <bootchain/enrolment.h>
#include <bootchain/eventlog.h>
#include <bootchain/measure.h>

#include "attest/attest-internal.h"
#include "attest/tpm-public.h"
#include "golden/golden-build.h"
#include "pcr/tpm-internal.h"
#include "tests/unit/attest/soft-ek.h"
#include "util/buf.h"
#include "util/hex.h"
#include "util/json.h"

#define MAX_HOSTS    (254 * 65536)
#define DEFAULT_PCRS "sha256:0,1,2,3,4,5,6,7,8,9"

typedef struct boot {
	uint8_t *log; /* the event log's bytes */
	size_t log_size;
	bc_pcr_values pcrs; /* what it replays to */
} boot;

typedef struct host {
	uint8_t point[64]; /* the AK's public point, x || y */
	uint32_t resets;   /* the TPM's reset count */
} host;

static struct {
	unsigned count, port, seed, fail_pct, reboot_pct, threads;
	host *hosts;
	boot good, bad;
	EC_GROUP *group;
	time_t start;
} sim = {.fail_pct = 10, .reboot_pct = 10, .threads = 1, .seed = 1};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what, const bc_error *err)
{
	fprintf(stderr, "fleet-sim: %s%s%s\n", what, err ? ": " : "",
		err ? bc_error_message(err) : "");
	exit(1);
}

static bool fails(unsigned i)
{
	return i % 100 < sim.fail_pct;
}

static bool reboots(unsigned i)
{
	return i % 100 >= 100 - sim.reboot_pct;
}

/* ---- keys ---- */

/* The AK's private scalar of machine i: SHA-256("fleet-sim" || seed || i) mod n. */
static BIGNUM *private_scalar(unsigned i, BN_CTX *ctx)
{
	uint8_t in[9 + 8], d[32];
	memcpy(in, "fleet-sim", 9);
	for (int b = 0; b < 4; b++) {
		in[9 + b] = (uint8_t)(sim.seed >> (24 - 8 * b));
		in[13 + b] = (uint8_t)(i >> (24 - 8 * b));
	}
	SHA256(in, sizeof(in), d);
	BIGNUM *k = BN_bin2bn(d, sizeof(d), NULL);
	if (!k || !BN_nnmod(k, k, EC_GROUP_get0_order(sim.group), ctx) ||
	    (BN_is_zero(k) && !BN_one(k)))
		die("out of memory", NULL);
	return k;
}

static void derive_point(unsigned i, BN_CTX *ctx)
{
	uint8_t oct[65];
	BIGNUM *k = private_scalar(i, ctx);
	EC_POINT *p = EC_POINT_new(sim.group);
	if (!p || !EC_POINT_mul(sim.group, p, k, NULL, NULL, ctx) ||
	    EC_POINT_point2oct(sim.group, p, POINT_CONVERSION_UNCOMPRESSED, oct, sizeof(oct),
			       ctx) != sizeof(oct))
		die("cannot derive a key", NULL);
	memcpy(sim.hosts[i].point, oct + 1, 64);
	EC_POINT_free(p);
	BN_clear_free(k);
}

static void ak_public(unsigned i, TPM2B_PUBLIC *out)
{
	soft_ecc_public(sim.hosts[i].point, BC_AK_REQUIRED_ATTRIBUTES | TPMA_OBJECT_USERWITHAUTH,
			out);
}

static bool marshal_public(const TPM2B_PUBLIC *pub, uint8_t *buf, size_t max, size_t *len)
{
	*len = 0;
	return Tss2_MU_TPM2B_PUBLIC_Marshal(pub, buf, max, len) == TSS2_RC_SUCCESS;
}

/* ---- the two boots ---- */

static void make_boot(const char *dir, const char *kernel, boot *out)
{
	static const char *const layers[][2] = {
	    {"bios", "0"}, {"bootloader", "4"}, {"kernel", "8"}, {"initrd", "9"}};
	char path[PATH_MAX], image[64];
	bc_error err = {0};
	bc_measurer m = {.alg_count = 1, .algs = {TPM2_ALG_SHA256}};
	bc_log *log = NULL;
	snprintf(path, sizeof(path), "%s/%s.log", dir, kernel);
	unlink(path);
	m.log_path = path;
	for (size_t l = 0; l < 4; l++) {
		bc_layer layer = {.name = layers[l][0], .pcr = (uint32_t)atoi(layers[l][1])};
		bc_measurement res;
		snprintf(image, sizeof(image), "fleet-sim %s", l == 2 ? kernel : layers[l][0]);
		if (bc_measure_buffer(&m, &layer, image, strlen(image), &res, &err) != BC_OK)
			die(path, &err);
	}
	if (bc_log_read_file(path, &log, &err) != BC_OK ||
	    bc_log_replay(log, &out->pcrs, NULL, &err) != BC_OK)
		die(path, &err);
	const uint8_t *bytes = bc_log_bytes(log, &out->log_size);
	if (!(out->log = malloc(out->log_size)))
		die("out of memory", NULL);
	memcpy(out->log, bytes, out->log_size);
	bc_log_free(log);
}

static void write_golden(const char *dir, const char *path)
{
	char log_path[PATH_MAX];
	bc_error err = {0};
	bc_golden_builder *b = NULL;
	bc_log *log = NULL;
	snprintf(log_path, sizeof(log_path), "%s/kernel.log", dir);
	if (bc_log_read_file(log_path, &log, &err) != BC_OK ||
	    bc_golden_builder_new(&b, &err) != BC_OK ||
	    bc_golden_builder_add_log(b, log, &err) != BC_OK ||
	    bc_golden_builder_write(b, path, &err) != BC_OK)
		die(path, &err);
	bc_golden_builder_free(b);
	bc_log_free(log);
}

/* ---- enrolment records ---- */

static void host_name(unsigned i, char *out, size_t size)
{
	unsigned block = i / 254;
	snprintf(out, size, "127.%u.%u.%u:%u", block >> 8, block & 255, i % 254 + 1, sim.port);
}

/* The machine of a Host header; -1 when none. */
static long host_of(const char *header)
{
	unsigned a, b, c, port;
	char end;
	if (!header || sscanf(header, "127.%u.%u.%u:%u%c", &a, &b, &c, &port, &end) != 4 ||
	    a > 255 || b > 255 || c < 1 || c > 254)
		return -1;
	unsigned long i = ((unsigned long)a << 8 | b) * 254 + c - 1;
	return i < sim.count ? (long)i : -1;
}

static void write_enrolments(const char *dir)
{
	char path[PATH_MAX], stamp[32];
	time_t now = time(NULL);
	bc_error err = {0};
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (mkdir(dir, 0755) && errno != EEXIST)
		die(dir, NULL);
	for (unsigned i = 0; i < sim.count; i++) {
		bc_enrolment rec = {.certified = false};
		TPM2B_PUBLIC ak, ek;
		TPM2B_NAME name;
		host_name(i, rec.host, sizeof(rec.host));
		snprintf(rec.url, sizeof(rec.url), "http://%s", rec.host);
		snprintf(rec.time, sizeof(rec.time), "%s", stamp);
		snprintf(rec.ek_type, sizeof(rec.ek_type), "ecc");
		ak_public(i, &ak);
		soft_ecc_public(sim.hosts[i].point,
				TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
				    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |
				    TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT,
				&ek);
		if (!marshal_public(&ak, rec.ak_public, sizeof(rec.ak_public),
				    &rec.ak_public_size) ||
		    !marshal_public(&ek, rec.ek_public, sizeof(rec.ek_public),
				    &rec.ek_public_size) ||
		    bc_tpm_public_name(&ak.publicArea, &name, &err) != BC_OK)
			die("cannot marshal a key", &err);
		memcpy(rec.ak_name, name.name, name.size);
		rec.ak_name_size = name.size;
		snprintf(path, sizeof(path), "%s/host-%07u.json", dir, i);
		if (bc_enrolment_write(&rec, path, &err) != BC_OK)
			die(path, &err);
	}
}

/* ---- evidence ---- */

static bool sign(unsigned i, const uint8_t *data, size_t size, TPMT_SIGNATURE *out)
{
	uint8_t digest[32];
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *k = ctx ? private_scalar(i, ctx) : NULL;
	EC_KEY *key = EC_KEY_new();
	ECDSA_SIG *sig = NULL;
	bool ok = key && k && EC_KEY_set_group(key, sim.group) && EC_KEY_set_private_key(key, k);
	SHA256(data, size, digest);
	if (ok && (sig = ECDSA_do_sign(digest, sizeof(digest), key))) {
		const BIGNUM *r, *s;
		ECDSA_SIG_get0(sig, &r, &s);
		*out = (TPMT_SIGNATURE){.sigAlg = TPM2_ALG_ECDSA};
		out->signature.ecdsa.hash = TPM2_ALG_SHA256;
		out->signature.ecdsa.signatureR.size = 32;
		out->signature.ecdsa.signatureS.size = 32;
		ok = BN_bn2binpad(r, out->signature.ecdsa.signatureR.buffer, 32) == 32 &&
		     BN_bn2binpad(s, out->signature.ecdsa.signatureS.buffer, 32) == 32;
	} else {
		ok = false;
	}
	ECDSA_SIG_free(sig);
	EC_KEY_free(key);
	BN_clear_free(k);
	BN_CTX_free(ctx);
	return ok;
}

/* The TPMS_ATTEST of a quote of machine i over ev's selection, marshalled into ev. */
static bool make_quote(unsigned i, uint32_t resets, bc_evidence *ev)
{
	TPMS_ATTEST a = {.magic = TPM2_GENERATED_VALUE, .type = TPM2_ST_ATTEST_QUOTE};
	TPM2B_PUBLIC ak;
	TPM2B_NAME name;
	TPMT_SIGNATURE sig;
	bc_digest d;
	uint8_t buf[sizeof(TPMS_ATTEST)], sbuf[sizeof(TPMT_SIGNATURE)];
	size_t len = 0, slen = 0;
	bc_error err = {0};
	ak_public(i, &ak);
	if (bc_tpm_public_name(&ak.publicArea, &name, &err) != BC_OK)
		return false;
	a.qualifiedSigner = name;
	a.extraData.size = (UINT16)ev->nonce_size;
	memcpy(a.extraData.buffer, ev->nonce, ev->nonce_size);
	a.clockInfo.clock = (uint64_t)(time(NULL) - sim.start) * 1000 + 1000;
	a.clockInfo.resetCount = resets;
	a.clockInfo.safe = TPM2_YES;
	a.firmwareVersion = 0x20240125;
	bc_selection_to_tpml(&ev->selection, &a.attested.quote.pcrSelect);
	if (!bc_pcr_values_digest(&ev->pcrs, &ev->selection, TPM2_ALG_SHA256, &d))
		return false;
	a.attested.quote.pcrDigest.size = (UINT16)d.size;
	memcpy(a.attested.quote.pcrDigest.buffer, d.bytes, d.size);
	if (Tss2_MU_TPMS_ATTEST_Marshal(&a, buf, sizeof(buf), &len) != TSS2_RC_SUCCESS ||
	    !sign(i, buf, len, &sig) ||
	    Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, sbuf, sizeof(sbuf), &slen) != TSS2_RC_SUCCESS)
		return false;
	uint8_t pub[sizeof(TPM2B_PUBLIC)];
	size_t publen;
	if (!marshal_public(&ak, pub, sizeof(pub), &publen))
		return false;
	ev->attest = malloc(len);
	ev->signature = malloc(slen);
	ev->ak_public = malloc(publen);
	if (!ev->attest || !ev->signature || !ev->ak_public)
		return false;
	memcpy(ev->attest, buf, ev->attest_size = len);
	memcpy(ev->signature, sbuf, ev->signature_size = slen);
	memcpy(ev->ak_public, pub, ev->ak_public_size = publen);
	return true;
}

/* The evidence document of machine i for nonce and pcrs (NULL: PCRs 0-9); NULL and *why
 * when the request is not one it can answer. */
static char *evidence(unsigned i, const char *nonce, const char *pcrs, const char **why)
{
	bc_evidence ev = {0};
	bc_error err = {0};
	const boot *b = fails(i) ? &sim.bad : &sim.good;
	uint32_t resets = reboots(i) ? __atomic_add_fetch(&sim.hosts[i].resets, 1, __ATOMIC_RELAXED)
				     : __atomic_load_n(&sim.hosts[i].resets, __ATOMIC_RELAXED);
	*why = "bad nonce";
	if (!nonce ||
	    !bc_hex_decode(nonce, strlen(nonce), ev.nonce, sizeof(ev.nonce), &ev.nonce_size) ||
	    ev.nonce_size == 0)
		return NULL;
	*why = "bad pcrs: only the sha256 bank";
	if (bc_pcr_selection_parse(pcrs ? pcrs : DEFAULT_PCRS, &ev.selection, &err) != BC_OK)
		return NULL;
	for (size_t k = 0; k < ev.selection.count; k++)
		if (ev.selection.banks[k].alg != TPM2_ALG_SHA256 && ev.selection.banks[k].mask)
			return NULL;
	ev.pcrs = b->pcrs;
	*why = "cannot quote";
	char *out = NULL;
	if (make_quote(i, resets, &ev)) {
		bc_buf buf;
		bc_json j;
		char hex[2 * BC_NONCE_MAX + 1];
		ev.eventlog = b->log; /* borrowed */
		ev.eventlog_size = b->log_size;
		bc_buf_init(&buf, BC_EVIDENCE_MAX_SIZE);
		bc_json_init(&j, &buf);
		bc_evidence_json_open(&j, &ev);
		bc_buf_printf(&buf, ",\"nonce\":\"%s\"}\n",
			      bc_hex_encode(ev.nonce, ev.nonce_size, hex));
		bc_buf_str(&buf);
		if (buf.failed)
			bc_buf_free(&buf);
		else
			out = (char *)buf.data;
	}
	ev.eventlog = NULL;
	free(ev.attest);
	free(ev.signature);
	free(ev.ak_public);
	return out;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, char *body,
			      enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, mode);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	enum MHD_Result res = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return res;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	(void)cls, (void)version, (void)upload, (void)upload_size;
	static int first;
	if (!*state) { /* the headers: answer once the (empty) body is in */
		*state = &first;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 || strcmp(url, "/v1/evidence") != 0)
		return answer(c, MHD_HTTP_NOT_FOUND, "{\"error\":\"not found\"}\n",
			      MHD_RESPMEM_PERSISTENT);
	long i = host_of(MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST));
	if (i < 0)
		return answer(c, MHD_HTTP_NOT_FOUND, "{\"error\":\"no such host\"}\n",
			      MHD_RESPMEM_PERSISTENT);
	const char *why;
	char *body =
	    evidence((unsigned)i, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "nonce"),
		     MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "pcrs"), &why);
	if (!body) {
		char msg[128];
		snprintf(msg, sizeof(msg), "{\"error\":\"%s\"}\n", why);
		return answer(c, MHD_HTTP_BAD_REQUEST, msg, MHD_RESPMEM_MUST_COPY);
	}
	return answer(c, MHD_HTTP_OK, body, MHD_RESPMEM_MUST_FREE);
}

/* Only loopback peers: the simulator listens on every address. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
	(void)cls;
	const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
	return len >= sizeof(*in) && addr->sa_family == AF_INET &&
		       (ntohl(in->sin_addr.s_addr) >> 24) == 127
		   ? MHD_YES
		   : MHD_NO;
}

/* ---- main ---- */

static unsigned number(const char *opt, const char *s, unsigned max)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max) {
		fprintf(stderr, "fleet-sim: %s: 0 to %u\n", opt, max);
		exit(2);
	}
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {{"hosts", required_argument, NULL, 'n'},
						{"port", required_argument, NULL, 'p'},
						{"seed", required_argument, NULL, 's'},
						{"fail", required_argument, NULL, 'f'},
						{"reboot", required_argument, NULL, 'r'},
						{"threads", required_argument, NULL, 't'},
						{"write-enrolments", required_argument, NULL, 'e'},
						{"write-golden", required_argument, NULL, 'g'},
						{NULL, 0, NULL, 0}};
	const char *enrol_dir = NULL, *golden = NULL;
	int o;
	while ((o = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (o) {
		case 'n': sim.count = number("--hosts", optarg, MAX_HOSTS); break;
		case 'p': sim.port = number("--port", optarg, 65535); break;
		case 's': sim.seed = number("--seed", optarg, UINT_MAX); break;
		case 'f': sim.fail_pct = number("--fail", optarg, 100); break;
		case 'r': sim.reboot_pct = number("--reboot", optarg, 100); break;
		case 't': sim.threads = number("--threads", optarg, 64); break;
		case 'e': enrol_dir = optarg; break;
		case 'g': golden = optarg; break;
		default: return 2;
		}
	}
	if (optind != argc || sim.count == 0 || sim.threads == 0) {
		fprintf(stderr, "usage: fleet-sim --hosts N [--port P] [--seed S] [--fail PCT] "
				"[--reboot PCT] [--threads T] [--write-enrolments DIR] "
				"[--write-golden FILE]\n");
		return 2;
	}
	sim.start = time(NULL);
	sim.group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	sim.hosts = calloc(sim.count, sizeof(*sim.hosts));
	BN_CTX *ctx = BN_CTX_new();
	if (!sim.group || !sim.hosts || !ctx)
		die("out of memory", NULL);
	for (unsigned i = 0; i < sim.count; i++)
		derive_point(i, ctx);
	BN_CTX_free(ctx);

	char dir[] = "/tmp/fleet-sim.XXXXXX";
	if (!mkdtemp(dir))
		die("mkdtemp", NULL);
	make_boot(dir, "kernel", &sim.good);
	make_boot(dir, "other-kernel", &sim.bad);
	if (golden)
		write_golden(dir, golden);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/kernel.log", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/other-kernel.log", dir);
	unlink(path);
	rmdir(dir);

	/* a pool of one thread is refused with a warning: no pool then */
	struct MHD_Daemon *d =
	    MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, (uint16_t)sim.port,
			     on_accept, NULL, on_request, NULL, MHD_OPTION_CONNECTION_LIMIT, 8192u,
			     MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u, MHD_OPTION_CONNECTION_TIMEOUT,
			     30u, sim.threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
			     sim.threads, MHD_OPTION_END);
	if (!d)
		die("cannot listen", NULL);
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	sim.port = info ? info->port : sim.port;
	if (enrol_dir)
		write_enrolments(enrol_dir);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("fleet-sim: %u hosts on port %u\n", sim.count, sim.port);
	fflush(stdout);
	while (!stop)
		pause();
	MHD_stop_daemon(d);
	for (unsigned i = 0; i < sim.count; i++)
		memset(sim.hosts[i].point, 0, sizeof(sim.hosts[i].point));
	free(sim.hosts);
	free(sim.good.log);
	free(sim.bad.log);
	EC_GROUP_free(sim.group);
	return 0;
}
