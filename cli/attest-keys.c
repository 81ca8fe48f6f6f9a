/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain attest ek | ak create | challenge | activate: the endorsement key, the
 * attestation key created under it, and credential activation, which proves to a
 * verifier that the AK lives in the TPM that holds the EK.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include <bootchain/attest.h>

#include "attest/credential.h"
#include "attest/keys.h"
#include "attest/tpm-public.h"
#include "cli/attest.h"
#include "cli/cli.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/json.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_tpm *, bc_tpm_close)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free)

/* Secrets on the stack are wiped when they go out of scope. */
static void wipe_digest(TPM2B_DIGEST *d)
{
	explicit_bzero(d, sizeof(*d));
}

static void buf_wipe_free(bc_buf *b)
{
	/* the output may hold a secret */
	if (b->data)
		explicit_bzero(b->data, b->len);
	bc_buf_free(b);
}

/* ---- shared ---- */

static int write_file(const char *cmd, const char *path, const void *data, size_t len, int mode)
{
	bc_error err = {0};
	if (bc_write_file_atomic(path, data, len, mode, &err) != BC_OK)
		return cli_fail(cmd, &err);
	return 0;
}

/* cli_check_output() for each of count outputs (NULL when not asked for). */
static int check_outputs(const char *cmd, bool force, const char *const *paths, size_t count)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < count; i++)
		rc = cli_check_output(cmd, paths[i], force);
	return rc;
}

static int parse_key_type(const char *cmd, const char *option, const char *text, bc_key_type *out)
{
	if (!bc_key_type_parse(text, out))
		return cli_usage_error(cmd, "%s %s: expected rsa or ecc", option, text);
	return 0;
}

static char *name_hex(const TPM2B_NAME *name, char *out)
{
	return bc_hex_encode(name->name, name->size, out);
}

/* The PEM of a public area; on failure reports and returns NULL. */
static char *public_pem(const char *cmd, const TPM2B_PUBLIC *pub)
{
	bc_error err = {0};
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
	char *pem = NULL;
	if (bc_tpm_public_to_pkey(&pub->publicArea, &key, &err) != BC_OK ||
	    bc_pkey_to_pem(key, &pem, &err) != BC_OK) {
		cli_fail(cmd, &err);
		return NULL;
	}
	return pem;
}

/* --out-public (marshalled TPM2B_PUBLIC) and --out-pem. */
static int write_public(const char *cmd, const TPM2B_PUBLIC *pub, const char *out_public,
			const char *out_pem, const char *pem)
{
	if (out_public) {
		uint8_t buf[sizeof(TPM2B_PUBLIC)];
		size_t len = 0;
		bc_error err = {0};
		int rc;
		if (bc_tpm_public_marshal(pub, buf, sizeof(buf), &len, &err) != BC_OK)
			return cli_fail(cmd, &err);
		if ((rc = write_file(cmd, out_public, buf, len, 0644)) != 0)
			return rc;
	}
	if (out_pem)
		return write_file(cmd, out_pem, pem, strlen(pem), 0644);
	return 0;
}

/* ---- attest ek ---- */

static const char ek_usage[] =
    "Usage: bootchain attest ek [--type rsa|ecc] [--out-public FILE] [--out-cert FILE]\n"
    "                           [OPTIONS]\n"
    "\n"
    "Read the endorsement key (EK): the persistent EK at the handle of the TCG\n"
    "provisioning guidance (0x81010001 RSA, 0x81010002 ECC) when there is one, else the\n"
    "key TPM2_CreatePrimary derives from the default template of the TCG EK Credential\n"
    "Profile (L-1: RSA 2048, L-2: ECC NIST P-256) - the same key every time. Print its\n"
    "public key (PEM), its name, and the EK certificate that the manufacturer stored in NV\n"
    "(index 0x01c00002 RSA, 0x01c0000a ECC) when there is one, with whether its public\n"
    "key is the EK's. `bootchain attest ek verify` checks the certificates' chains to the\n"
    "TPM's manufacturer.\n"
    "\n"
    "Options:\n"
    "      --type rsa|ecc     the EK to read (default: rsa)\n"
    "  -u, --out-public FILE  write its public area (TPM2B_PUBLIC, as tpm2_createek -u)\n"
    "      --out-pem FILE     write its public key (PEM)\n"
    "      --out-cert FILE    write the EK certificate (DER, as stored in NV); fails when\n"
    "                         the TPM has none\n"
    "  -f, --force            replace existing output files\n"
    "  -T, --tcti TCTI        TPM to use\n"
    "      --json             print {\"type\", \"handle\" (null when created), \"name\",\n"
    "                         \"public_key\", \"certificate\": {\"nv_index\", \"pem\",\n"
    "                         \"matches_ek\"} or null}\n"
    "  -h, --help             show this help\n";

static struct {
	const char *type, *out_public, *out_pem, *out_cert, *tcti;
	bool json, force;
} ek_opt;

enum {
	OPT_JSON = 256,
	OPT_OUT_PEM,
	OPT_OUT_CERT,
	OPT_OUT_SECRET,
	OPT_TYPE,
	OPT_EK_PUBLIC,
	OPT_PERSISTENT,
	OPT_CONTEXT,
	OPT_SECRET,
};

static int ek_parse(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"type", required_argument, NULL, OPT_TYPE},
	    {"out-public", required_argument, NULL, 'u'},
	    {"out-pem", required_argument, NULL, OPT_OUT_PEM},
	    {"out-cert", required_argument, NULL, OPT_OUT_CERT},
	    {"force", no_argument, NULL, 'f'},
	    {"tcti", required_argument, NULL, 'T'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o;
	*help = false;
	while ((o = getopt_long(argc, argv, ":u:fT:h", options, NULL)) != -1) {
		switch (o) {
		case OPT_TYPE: ek_opt.type = optarg; break;
		case 'u': ek_opt.out_public = optarg; break;
		case 'f': ek_opt.force = true; break;
		case OPT_OUT_PEM: ek_opt.out_pem = optarg; break;
		case OPT_OUT_CERT: ek_opt.out_cert = optarg; break;
		case 'T': ek_opt.tcti = optarg; break;
		case OPT_JSON: ek_opt.json = true; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	const char *outputs[] = {ek_opt.out_public, ek_opt.out_pem, ek_opt.out_cert};
	return check_outputs(cmd, ek_opt.force, outputs, 3);
}

typedef struct ek_info {
	bc_key_type type;
	uint32_t handle; /* persistent handle, or 0 when created from the template */
	TPM2B_PUBLIC pub;
	TPM2B_NAME name;
	uint8_t *cert; /* DER, or NULL */
	size_t cert_len;
	bool cert_parses, cert_matches;
	char cert_problem[BC_ERROR_MSG_MAX];
} ek_info;

static int ek_read(const char *cmd, ek_info *ek)
{
	_cleanup_(bc_tpm_closep) bc_tpm *tpm = NULL;
	bc_error err = {0};
	ESYS_TR handle = ESYS_TR_NONE;
	int rc = cli_open_tpm(cmd, ek_opt.tcti, &tpm);
	if (rc != 0)
		return rc;
	if (bc_ek_open(tpm, ek->type, &handle, &ek->pub, &err) != BC_OK)
		return cli_fail(cmd, &err);
	uint32_t h = bc_key_tpm_handle(tpm, handle);
	ek->handle = bc_handle_is_persistent(h) ? h : 0;
	bc_ek_close(tpm, handle);
	bc_status s = bc_ek_cert_read(tpm, ek->type, &ek->cert, &ek->cert_len, &err);
	if (s != BC_OK && s != BC_E_NOTFOUND)
		return cli_fail(cmd, &err);
	if (bc_tpm_public_name(&ek->pub.publicArea, &ek->name, &err) != BC_OK)
		return cli_fail(cmd, &err);
	if (ek->cert) {
		s = bc_ek_cert_matches(ek->cert, ek->cert_len, &ek->pub.publicArea,
				       &ek->cert_matches, &err);
		ek->cert_parses = s == BC_OK;
		if (s != BC_OK)
			snprintf(ek->cert_problem, sizeof(ek->cert_problem), "%s",
				 bc_error_message(&err));
	}
	return 0;
}

static int ek_print(const char *cmd, const ek_info *ek, const char *pem, const char *cert_pem)
{
	char hex[2 * sizeof(TPMU_NAME) + 1];
	uint32_t index = ek->type == BC_KEY_RSA ? BC_EK_RSA_CERT_INDEX : BC_EK_ECC_CERT_INDEX;
	_cleanup_(buf_wipe_free) bc_buf out = {.data = NULL};
	bc_buf_init(&out, CLI_JSON_MAX);
	name_hex(&ek->name, hex);
	if (ek_opt.json) {
		char text[16];
		bc_json j;
		bc_json_init(&j, &out);
		bc_json_object_begin(&j);
		bc_json_key(&j, "type");
		bc_json_string(&j, bc_key_type_name(ek->type));
		bc_json_key(&j, "handle");
		if (ek->handle) {
			snprintf(text, sizeof(text), "0x%08x", ek->handle);
			bc_json_string(&j, text);
		} else {
			bc_json_null(&j);
		}
		bc_json_key(&j, "name");
		bc_json_string(&j, hex);
		bc_json_key(&j, "public_key");
		bc_json_string(&j, pem);
		bc_json_key(&j, "certificate");
		if (cert_pem) {
			bc_json_object_begin(&j);
			bc_json_key(&j, "nv_index");
			snprintf(text, sizeof(text), "0x%08x", index);
			bc_json_string(&j, text);
			bc_json_key(&j, "pem");
			bc_json_string(&j, cert_pem);
			bc_json_key(&j, "matches_ek");
			bc_json_bool(&j, ek->cert_matches);
			bc_json_object_end(&j);
		} else {
			bc_json_null(&j);
		}
		bc_json_object_end(&j);
		return cli_emit_json(cmd, &out);
	}
	if (ek->handle)
		bc_buf_printf(&out, "ek: %s, persistent handle 0x%08x\n",
			      bc_key_type_name(ek->type), ek->handle);
	else
		bc_buf_printf(&out, "ek: %s, created from the template %s\n",
			      bc_key_type_name(ek->type), ek->type == BC_KEY_RSA ? "L-1" : "L-2");
	bc_buf_printf(&out, "name: %s\npublic key:\n%s", hex, pem);
	if (!cert_pem) {
		bc_buf_printf(&out, "certificate: none (NV index 0x%08x is not defined)\n", index);
	} else {
		bc_buf_printf(&out, "certificate: NV index 0x%08x, %zu bytes, %s\n%s", index,
			      ek->cert_len,
			      !ek->cert_parses	 ? "does not parse"
			      : ek->cert_matches ? "its public key is the EK's"
						 : "its public key is NOT the EK's",
			      cert_pem);
	}
	return cli_emit_text(cmd, &out);
}

int attest_ek(int argc, char **argv)
{
	const char *cmd = "attest ek";
	bool help;
	bc_error err = {0};
	ek_info ek = {.type = BC_KEY_RSA};
	_cleanup_free_ char *pem = NULL, *cert_pem = NULL;
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return attest_ek_verify(argc - 1, argv + 1);
	ek_opt = (typeof(ek_opt)){0};
	int rc = ek_parse(cmd, argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(ek_usage, stdout), BC_EXIT_OK);
	if (ek_opt.type && (rc = parse_key_type(cmd, "--type", ek_opt.type, &ek.type)) != 0)
		return rc;

	rc = ek_read(cmd, &ek);
	if (rc == 0 && !(pem = public_pem(cmd, &ek.pub)))
		rc = BC_EXIT_ERROR;
	if (rc == 0 && ek.cert && bc_cert_to_pem(ek.cert, ek.cert_len, &cert_pem, &err) != BC_OK)
		rc = cli_fail(cmd, &err);
	if (rc == 0)
		rc = write_public(cmd, &ek.pub, ek_opt.out_public, ek_opt.out_pem, pem);
	if (rc == 0 && ek_opt.out_cert) {
		if (!ek.cert) {
			cli_error(cmd, "--out-cert: the TPM has no %s EK certificate",
				  bc_key_type_name(ek.type));
			rc = BC_EXIT_ERROR;
		} else {
			rc = write_file(cmd, ek_opt.out_cert, ek.cert, ek.cert_len, 0644);
		}
	}
	if (rc == 0 && ek.cert && !ek.cert_matches)
		cli_error(cmd, "warning: the EK certificate %s",
			  ek.cert_parses ? "certifies another key" : "does not parse");
	if (rc == 0)
		rc = ek_print(cmd, &ek, pem, cert_pem);
	free(ek.cert);
	return rc;
}

/* ---- attest ak create ---- */

static const char ak_usage[] =
    "Usage: bootchain attest ak create --out-public AK.pub [OPTIONS]\n"
    "\n"
    "Create an attestation key (AK): a restricted signing key under the EK (see\n"
    "`bootchain attest ek`), with an empty auth value, created and loaded with a policy\n"
    "session that satisfies the EK's PolicySecret(TPM_RH_ENDORSEMENT). It is made\n"
    "persistent (TPM2_EvictControl), or saved to a context file that\n"
    "`bootchain attest quote --ak FILE` and `tpm2_quote -c FILE` load.\n"
    "\n"
    "The default handle, 0x81010003, is the first after the TCG's EK handles 0x81010001\n"
    "(RSA) and 0x81010002 (ECC), which an AK may not take.\n"
    "\n"
    "Options:\n"
    "      --type ecc|rsa       ecc: NIST P-256, ECDSA-SHA256 (default);\n"
    "                           rsa: 2048 bits, RSASSA-SHA256\n"
    "  -e, --ek-type rsa|ecc    the EK to create it under (default: rsa)\n"
    "      --persistent HANDLE  make it persistent at HANDLE (default: 0x81010003)\n"
    "      --context FILE       save its context to FILE instead (tpm2-tools' format)\n"
    "  -f, --force              evict the object already at HANDLE (else: an error), and\n"
    "                           replace existing output files\n"
    "  -u, --out-public FILE    write its public area (TPM2B_PUBLIC, as tpm2_createak -u)\n"
    "      --out-pem FILE       write its public key (PEM)\n"
    "  -n, --out-name FILE      write its name (binary, as tpm2_createak -n)\n"
    "  -T, --tcti TCTI          TPM to use\n"
    "      --json               print {\"type\", \"handle\" (null with --context),\n"
    "                           \"context\", \"name\", \"public_key\"}\n"
    "  -h, --help               show this help\n";

static struct {
	const char *type, *ek_type, *persistent, *context, *out_public, *out_pem, *out_name, *tcti;
	bool force, json;
} ak_opt;

static int ak_parse(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"type", required_argument, NULL, OPT_TYPE},
	    {"ek-type", required_argument, NULL, 'e'},
	    {"persistent", required_argument, NULL, OPT_PERSISTENT},
	    {"context", required_argument, NULL, OPT_CONTEXT},
	    {"force", no_argument, NULL, 'f'},
	    {"out-public", required_argument, NULL, 'u'},
	    {"out-pem", required_argument, NULL, OPT_OUT_PEM},
	    {"out-name", required_argument, NULL, 'n'},
	    {"tcti", required_argument, NULL, 'T'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o;
	*help = false;
	while ((o = getopt_long(argc, argv, ":e:fu:n:T:h", options, NULL)) != -1) {
		switch (o) {
		case OPT_TYPE: ak_opt.type = optarg; break;
		case 'e': ak_opt.ek_type = optarg; break;
		case OPT_PERSISTENT: ak_opt.persistent = optarg; break;
		case OPT_CONTEXT: ak_opt.context = optarg; break;
		case 'f': ak_opt.force = true; break;
		case 'u': ak_opt.out_public = optarg; break;
		case OPT_OUT_PEM: ak_opt.out_pem = optarg; break;
		case 'n': ak_opt.out_name = optarg; break;
		case 'T': ak_opt.tcti = optarg; break;
		case OPT_JSON: ak_opt.json = true; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}

static int ak_check_options(const char *cmd, bc_ak_create_opts *o)
{
	int rc;
	*o = (bc_ak_create_opts){.type = BC_KEY_ECC, .ek_type = BC_KEY_RSA};
	if (ak_opt.type && (rc = parse_key_type(cmd, "--type", ak_opt.type, &o->type)) != 0)
		return rc;
	if (ak_opt.ek_type &&
	    (rc = parse_key_type(cmd, "--ek-type", ak_opt.ek_type, &o->ek_type)) != 0)
		return rc;
	if (!ak_opt.out_public)
		return cli_usage_error(cmd, "--out-public FILE is required");
	if (ak_opt.persistent && ak_opt.context)
		return cli_usage_error(cmd, "--persistent and --context exclude each other");
	if (ak_opt.persistent && !bc_persistent_handle_parse(ak_opt.persistent, &o->persistent))
		return cli_usage_error(cmd,
				       "--persistent %s: expected a persistent handle, 0x81000000 "
				       "to 0x817fffff",
				       ak_opt.persistent);
	if (!ak_opt.context && !ak_opt.persistent)
		o->persistent = BC_AK_DEFAULT_HANDLE;
	o->context = ak_opt.context;
	o->force = ak_opt.force && !ak_opt.context;
	const char *outputs[] = {ak_opt.out_public, ak_opt.out_pem, ak_opt.out_name,
				 ak_opt.context};
	return check_outputs(cmd, ak_opt.force, outputs, 4);
}

static int ak_print(const char *cmd, const bc_ak_create_opts *o, const bc_ak *ak, const char *pem)
{
	char hex[2 * sizeof(TPMU_NAME) + 1];
	const char *scheme =
	    o->type == BC_KEY_RSA ? "RSA 2048, RSASSA-SHA256" : "ECC NIST P-256, ECDSA-SHA256";
	_cleanup_(buf_wipe_free) bc_buf out = {.data = NULL};
	bc_buf_init(&out, CLI_JSON_MAX);
	name_hex(&ak->name, hex);
	if (ak_opt.json) {
		char text[16];
		bc_json j;
		bc_json_init(&j, &out);
		bc_json_object_begin(&j);
		bc_json_key(&j, "type");
		bc_json_string(&j, bc_key_type_name(o->type));
		bc_json_key(&j, "handle");
		if (o->persistent) {
			snprintf(text, sizeof(text), "0x%08x", o->persistent);
			bc_json_string(&j, text);
		} else {
			bc_json_null(&j);
		}
		bc_json_key(&j, "context");
		if (o->context)
			bc_json_string(&j, o->context);
		else
			bc_json_null(&j);
		bc_json_key(&j, "name");
		bc_json_string(&j, hex);
		bc_json_key(&j, "public_key");
		bc_json_string(&j, pem);
		bc_json_object_end(&j);
		return cli_emit_json(cmd, &out);
	}
	if (o->persistent)
		bc_buf_printf(&out, "ak: %s, persistent handle 0x%08x\n", scheme, o->persistent);
	else
		bc_buf_printf(&out, "ak: %s, context saved to %s\n", scheme, o->context);
	bc_buf_printf(&out, "name: %s\npublic key:\n%s", hex, pem);
	return cli_emit_text(cmd, &out);
}

static int ak_create(const char *cmd, int argc, char **argv)
{
	bool help;
	bc_error err = {0};
	bc_ak_create_opts o;
	bc_ak ak = {.handle = ESYS_TR_NONE};
	_cleanup_(bc_tpm_closep) bc_tpm *tpm = NULL;
	_cleanup_free_ char *pem = NULL;
	ak_opt = (typeof(ak_opt)){0};
	int rc = ak_parse(cmd, argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(ak_usage, stdout), BC_EXIT_OK);
	if ((rc = ak_check_options(cmd, &o)) != 0)
		return rc;
	/* checked by bc_ak_create() before the TPM holds a new key */
	const char *given[] = {ak_opt.out_public, ak_opt.out_pem, ak_opt.out_name};
	const char *outputs[4] = {NULL};
	for (size_t i = 0, n = 0; i < 3; i++)
		if (given[i])
			outputs[n++] = given[i];
	o.outputs = outputs;

	if ((rc = cli_open_tpm(cmd, ak_opt.tcti, &tpm)) != 0)
		return rc;
	bc_status s = bc_ak_create(tpm, &o, &ak, &err);
	bc_ak_close(tpm, &ak);
	if (s != BC_OK)
		return cli_fail(cmd, &err);
	if (!(pem = public_pem(cmd, &ak.pub)))
		return BC_EXIT_ERROR;
	if ((rc = write_public(cmd, &ak.pub, ak_opt.out_public, ak_opt.out_pem, pem)) != 0)
		return rc;
	if (ak_opt.out_name &&
	    (rc = write_file(cmd, ak_opt.out_name, ak.name.name, ak.name.size, 0644)) != 0)
		return rc;
	return ak_print(cmd, &o, &ak, pem);
}

int attest_ak_create(int argc, char **argv)
{
	return ak_create("attest ak create", argc, argv);
}

int attest_ak(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
			return fputs(ak_usage, stdout), BC_EXIT_OK;
		return cli_usage_error("attest ak", "expected a verb: create");
	}
	if (strcmp(argv[1], "create") == 0)
		return ak_create("attest ak create", argc - 1, argv + 1);
	return cli_usage_error("attest ak", "unknown verb '%s'", argv[1]);
}

/* ---- attest challenge ---- */

static const char challenge_usage[] =
    "Usage: bootchain attest challenge --ek-public EK --ak-public AK --out CHALLENGE\n"
    "                                  [OPTIONS]\n"
    "\n"
    "The verifier's half of credential activation, in software (no TPM): wrap a secret\n"
    "as TPM2_MakeCredential does, so that only the TPM that holds the EK, with the AK of\n"
    "that name loaded, recovers it (`bootchain attest activate`). A TPM that returns the\n"
    "secret proves that the AK lives beside the EK.\n"
    "\n"
    "The AK's public area must be that of an attestation key: restricted, sign,\n"
    "fixedtpm, fixedparent and sensitivedataorigin, not decrypt (exit status 3 naming\n"
    "what is wrong); its name is computed from it.\n"
    "\n"
    "The challenge file is JSON: {\"format\": \"bootchain-challenge-v1\", \"credential\":\n"
    "base64 of the TPM2B_ID_OBJECT, \"secret\": base64 of the TPM2B_ENCRYPTED_SECRET}.\n"
    "\n"
    "Options:\n"
    "      --ek-public EK     the EK: its TPM2B_PUBLIC (attest ek --out-public,\n"
    "                         tpm2_createek -u), its PEM public key, or the PEM EK\n"
    "                         certificate (PEM: the default EK template is assumed)\n"
    "  -a, --ak-public AK     the AK's public area: TPM2B_PUBLIC (attest ak create\n"
    "                         --out-public, tpm2_createak -u)\n"
    "  -n, --ak-name NAME     also check that the AK's name is NAME: a file (binary as\n"
    "                         tpm2_createak -n writes it, or hex), or hex\n"
    "      --secret HEX       the secret, 1 to 32 bytes (default: 32 random bytes)\n"
    "  -o, --out CHALLENGE    the challenge file to write\n"
    "      --out-secret FILE  write the secret (binary) to FILE; else it is printed in hex\n"
    "  -f, --force            replace existing output files\n"
    "      --json             print {\"challenge\", \"ak_name\", \"secret\" (hex, or null\n"
    "                         with --out-secret)}\n"
    "  -h, --help             show this help\n";

static struct {
	const char *ek_public, *ak_public, *ak_name, *secret, *out, *out_secret;
	bool json, force;
} ch_opt;

static int challenge_parse(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"ek-public", required_argument, NULL, OPT_EK_PUBLIC},
	    {"ak-public", required_argument, NULL, 'a'},
	    {"ak-name", required_argument, NULL, 'n'},
	    {"secret", required_argument, NULL, OPT_SECRET},
	    {"out", required_argument, NULL, 'o'},
	    {"force", no_argument, NULL, 'f'},
	    {"out-secret", required_argument, NULL, OPT_OUT_SECRET},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o;
	*help = false;
	while ((o = getopt_long(argc, argv, ":a:n:o:fh", options, NULL)) != -1) {
		switch (o) {
		case OPT_EK_PUBLIC: ch_opt.ek_public = optarg; break;
		case 'a': ch_opt.ak_public = optarg; break;
		case 'n': ch_opt.ak_name = optarg; break;
		case OPT_SECRET: ch_opt.secret = optarg; break;
		case 'o': ch_opt.out = optarg; break;
		case 'f': ch_opt.force = true; break;
		case OPT_OUT_SECRET: ch_opt.out_secret = optarg; break;
		case OPT_JSON: ch_opt.json = true; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!ch_opt.ek_public || !ch_opt.ak_public || !ch_opt.out)
		return cli_usage_error(cmd, "--ek-public, --ak-public and --out are required");
	const char *outputs[] = {ch_opt.out, ch_opt.out_secret};
	return check_outputs(cmd, ch_opt.force, outputs, 2);
}

static bool decode_hex_text(const char *text, size_t len, uint8_t *out, size_t max, size_t *n)
{
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		len--;
	if (len > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		text += 2;
		len -= 2;
	}
	return len > 0 && bc_hex_decode(text, len, out, max, n);
}

/* --ak-name: a file holding the name (binary or hex), else hex on the command line. */
static int load_ak_name(const char *cmd, const char *arg, TPM2B_NAME *name)
{
	bc_error err = {0};
	uint8_t buf[sizeof(TPMU_NAME)];
	size_t n = 0;
	if (access(arg, F_OK) == 0) {
		_cleanup_free_ uint8_t *data = NULL;
		size_t size = 0;
		if (bc_read_file(arg, 4096, &data, &size, &err) != BC_OK)
			return cli_fail(cmd, &err);
		if (bc_name_parse(data, size, arg, name, NULL) == BC_OK)
			return 0;
		if (!decode_hex_text((const char *)data, size, buf, sizeof(buf), &n) ||
		    bc_name_parse(buf, n, arg, name, &err) != BC_OK) {
			cli_error(cmd, "--ak-name %s: not a key name, in binary or hex", arg);
			return BC_EXIT_ERROR;
		}
		return 0;
	}
	if (!decode_hex_text(arg, strlen(arg), buf, sizeof(buf), &n) ||
	    bc_name_parse(buf, n, "--ak-name", name, &err) != BC_OK)
		return cli_usage_error(cmd,
				       "--ak-name %s: neither a file nor a key name in hex (the "
				       "2-byte hash algorithm, then its digest)",
				       arg);
	return 0;
}

/* --ak-public: an attestation key's public area, and its name computed from it; with
 * --ak-name, that name must be the one given. */
static int load_ak_public(const char *cmd, TPM2B_NAME *name)
{
	bc_error err = {0};
	TPM2B_PUBLIC pub;
	TPM2B_NAME given;
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	int rc;
	if (bc_read_file(ch_opt.ak_public, BC_EVIDENCE_MAX_PUBLIC, &data, &size, &err) != BC_OK ||
	    bc_tpm_public_unmarshal(data, size, ch_opt.ak_public, &pub, &err) != BC_OK ||
	    bc_ak_public_check(&pub.publicArea, ch_opt.ak_public, &err) != BC_OK ||
	    bc_tpm_public_name(&pub.publicArea, name, &err) != BC_OK)
		return cli_fail(cmd, &err);
	if (!ch_opt.ak_name)
		return 0;
	if ((rc = load_ak_name(cmd, ch_opt.ak_name, &given)) != 0)
		return rc;
	if (given.size != name->size || memcmp(given.name, name->name, name->size) != 0) {
		char hex[2 * sizeof(TPMU_NAME) + 1];
		cli_error(cmd, "--ak-name %s is not the name of %s (%s)", ch_opt.ak_name,
			  ch_opt.ak_public, name_hex(name, hex));
		return BC_EXIT_MISMATCH;
	}
	return 0;
}

static int challenge_print(const char *cmd, const TPM2B_NAME *name, const TPM2B_DIGEST *secret)
{
	char hex[2 * sizeof(TPMU_NAME) + 1], secret_hex[2 * sizeof(secret->buffer) + 1];
	_cleanup_(buf_wipe_free) bc_buf out = {.data = NULL};
	bc_buf_init(&out, CLI_JSON_MAX);
	name_hex(name, hex);
	bc_hex_encode(secret->buffer, secret->size, secret_hex);
	if (ch_opt.json) {
		bc_json j;
		bc_json_init(&j, &out);
		bc_json_object_begin(&j);
		bc_json_key(&j, "challenge");
		bc_json_string(&j, ch_opt.out);
		bc_json_key(&j, "ak_name");
		bc_json_string(&j, hex);
		bc_json_key(&j, "secret");
		if (ch_opt.out_secret)
			bc_json_null(&j);
		else
			bc_json_string(&j, secret_hex);
		bc_json_object_end(&j);
		explicit_bzero(secret_hex, sizeof(secret_hex));
		return cli_emit_json(cmd, &out);
	}
	if (!ch_opt.out_secret)
		bc_buf_printf(&out, "%s\n", secret_hex);
	explicit_bzero(secret_hex, sizeof(secret_hex));
	return cli_emit_text(cmd, &out);
}

int attest_challenge(int argc, char **argv)
{
	const char *cmd = "attest challenge";
	bool help;
	bc_error err = {0};
	TPM2B_PUBLIC ek;
	TPM2B_NAME name;
	_cleanup_(wipe_digest) TPM2B_DIGEST secret = {.size = 0};
	TPM2B_ID_OBJECT blob;
	TPM2B_ENCRYPTED_SECRET enc_seed;
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0, n = 0;
	ch_opt = (typeof(ch_opt)){0};
	int rc = challenge_parse(cmd, argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(challenge_usage, stdout), BC_EXIT_OK);
	if (ch_opt.secret) {
		if (!decode_hex_text(ch_opt.secret, strlen(ch_opt.secret), secret.buffer, 32, &n) ||
		    n == 0)
			return cli_usage_error(cmd, "--secret: expected 1 to 32 bytes in hex");
		secret.size = (UINT16)n;
	}
	if ((rc = load_ak_public(cmd, &name)) != 0)
		return rc;
	if (bc_read_file(ch_opt.ek_public, 1 << 20, &data, &size, &err) != BC_OK ||
	    bc_ek_public_load(data, size, ch_opt.ek_public, &ek, &err) != BC_OK)
		return cli_fail(cmd, &err);
	if (!ch_opt.secret) {
		if (RAND_bytes(secret.buffer, 32) != 1) {
			cli_error(cmd, "no random bytes for the secret");
			return BC_EXIT_ERROR;
		}
		secret.size = 32;
	}

	if (bc_make_credential(&ek, &name, secret.buffer, secret.size, &blob, &enc_seed, &err) !=
		BC_OK ||
	    bc_challenge_write(&blob, &enc_seed, ch_opt.out, &err) != BC_OK)
		return cli_fail(cmd, &err);
	if (ch_opt.out_secret &&
	    (rc = write_file(cmd, ch_opt.out_secret, secret.buffer, secret.size, 0600)) != 0)
		return rc;
	return challenge_print(cmd, &name, &secret);
}

/* ---- attest activate ---- */

static const char activate_usage[] =
    "Usage: bootchain attest activate CHALLENGE [OPTIONS]\n"
    "\n"
    "Recover the secret of a challenge (`bootchain attest challenge`) with\n"
    "TPM2_ActivateCredential: the TPM unwraps it only when CHALLENGE was made for this\n"
    "EK and for the name of this AK. Exit status 3 when it was not.\n"
    "\n"
    "Options:\n"
    "  -a, --ak AK            persistent handle or context file (default: 0x81010003)\n"
    "  -e, --ek-type rsa|ecc  the EK the challenge was made for (default: rsa)\n"
    "      --out-secret FILE  write the secret (binary) to FILE; else it is printed in hex\n"
    "  -f, --force            replace an existing --out-secret FILE\n"
    "  -T, --tcti TCTI        TPM to use\n"
    "      --json             print {\"secret\": hex, or null with --out-secret}\n"
    "  -h, --help             show this help\n";

static struct {
	const char *ak, *ek_type, *out_secret, *tcti;
	bool json, force;
} act_opt;

static int activate_parse(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"ak", required_argument, NULL, 'a'},
	    {"ek-type", required_argument, NULL, 'e'},
	    {"out-secret", required_argument, NULL, OPT_OUT_SECRET},
	    {"force", no_argument, NULL, 'f'},
	    {"tcti", required_argument, NULL, 'T'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o;
	*help = false;
	while ((o = getopt_long(argc, argv, ":a:e:fT:h", options, NULL)) != -1) {
		switch (o) {
		case 'a': act_opt.ak = optarg; break;
		case 'e': act_opt.ek_type = optarg; break;
		case OPT_OUT_SECRET: act_opt.out_secret = optarg; break;
		case 'f': act_opt.force = true; break;
		case 'T': act_opt.tcti = optarg; break;
		case OPT_JSON: act_opt.json = true; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cmd, "expected one CHALLENGE file");
	return cli_check_output(cmd, act_opt.out_secret, act_opt.force);
}

int attest_activate(int argc, char **argv)
{
	const char *cmd = "attest activate";
	bool help;
	bc_error err = {0};
	bc_key_type ek_type = BC_KEY_RSA;
	TPM2B_ID_OBJECT blob;
	TPM2B_ENCRYPTED_SECRET enc_seed;
	_cleanup_(wipe_digest) TPM2B_DIGEST secret = {.size = 0};
	_cleanup_free_ uint8_t *data = NULL;
	_cleanup_(bc_tpm_closep) bc_tpm *tpm = NULL;
	char ak_default[16];
	size_t size = 0;
	act_opt = (typeof(act_opt)){0};
	int rc = activate_parse(cmd, argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(activate_usage, stdout), BC_EXIT_OK);
	if (act_opt.ek_type &&
	    (rc = parse_key_type(cmd, "--ek-type", act_opt.ek_type, &ek_type)) != 0)
		return rc;
	const char *path = argv[optind];
	if (bc_read_file(path, BC_CHALLENGE_MAX, &data, &size, &err) != BC_OK ||
	    bc_challenge_parse(data, size, path, &blob, &enc_seed, &err) != BC_OK)
		return cli_fail(cmd, &err);
	snprintf(ak_default, sizeof(ak_default), "0x%08x", BC_AK_DEFAULT_HANDLE);

	if ((rc = cli_open_tpm(cmd, act_opt.tcti, &tpm)) != 0)
		return rc;
	if (bc_activate_with_keys(tpm, ek_type, act_opt.ak ? act_opt.ak : ak_default, &blob,
				  &enc_seed, &secret, &err) != BC_OK)
		return cli_fail(cmd, &err);
	if (act_opt.out_secret &&
	    (rc = write_file(cmd, act_opt.out_secret, secret.buffer, secret.size, 0600)) != 0)
		return rc;

	char hex[2 * sizeof(secret.buffer) + 1];
	_cleanup_(buf_wipe_free) bc_buf out = {.data = NULL};
	bc_buf_init(&out, CLI_JSON_MAX);
	bc_hex_encode(secret.buffer, secret.size, hex);
	if (act_opt.json) {
		bc_json j;
		bc_json_init(&j, &out);
		bc_json_object_begin(&j);
		bc_json_key(&j, "secret");
		if (act_opt.out_secret)
			bc_json_null(&j);
		else
			bc_json_string(&j, hex);
		bc_json_object_end(&j);
		rc = cli_emit_json(cmd, &out);
	} else if (!act_opt.out_secret) {
		bc_buf_printf(&out, "%s\n", hex);
		rc = cli_emit_text(cmd, &out);
	}
	explicit_bzero(hex, sizeof(hex));
	return rc;
}
