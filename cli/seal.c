/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain seal | unseal: a secret (a disk key) sealed in the TPM to the policy a golden
 * database's signing key signs, or to PCR values, and unsealed when the boot matched.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bootchain/seal.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/json.h"

/* What --in reads at most: enough to report a secret over the TPM's limit by its size. */
#define SECRET_READ_MAX ((size_t)1 << 16)
#define SEALED_READ_MAX ((size_t)4 << 20) /* as the library reads it */

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_tpm *, bc_tpm_close)
DEFINE_TRIVIAL_CLEANUP_FUNC(bc_golden *, bc_golden_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(bc_sealed *, bc_sealed_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(bc_signed_policy *, bc_signed_policy_free)

enum {
	OPT_JSON = 256,
	OPT_GOLDEN,
	OPT_PUBKEY,
	OPT_PCRS,
	OPT_PREDICT,
	OPT_POLICY_REF,
	OPT_POLICY,
};

static bool is_stdio(const char *path)
{
	return strcmp(path, "-") == 0;
}

/* The whole of path, or of standard input for "-". */
static bc_status read_input(const char *path, size_t max, uint8_t **data, size_t *size,
			    bc_error *err)
{
	if (is_stdio(path))
		return bc_read_fd(STDIN_FILENO, "standard input", max, data, size, err);
	return bc_read_file(path, max, data, size, err);
}

static void wipe_free(uint8_t **p, size_t size)
{
	if (*p)
		explicit_bzero(*p, size);
	free(*p);
	*p = NULL;
}

static int write_stdout(const char *cmd, const void *data, size_t size)
{
	if ((size && fwrite(data, 1, size, stdout) != size) || fflush(stdout) != 0) {
		cli_error(cmd, "cannot write to standard output: %s", strerror(errno));
		return BC_EXIT_ERROR;
	}
	return 0;
}

/* ---- seal ---- */

static const char seal_usage[] =
    "Usage: bootchain seal --golden DB --pubkey PUB --in SECRET --out SEALED\n"
    "                      [--policy-ref TEXT] [OPTIONS]\n"
    "       bootchain seal --pcrs SEL [--golden DB --predict] --in SECRET --out SEALED\n"
    "\n"
    "Seal a secret (at most 128 bytes: a disk key) in the TPM, under the storage\n"
    "hierarchy (the SRK at 0x81000001 when there is one, else the primary key of the\n"
    "TCG SRK template, ECC P-256), so that only this TPM unseals it, and\n"
    "only when its policy is met:\n"
    "  - with --pubkey: PolicyAuthorize by the golden database's signing key. Any PCR\n"
    "    policy that key signs (`bootchain golden sign --policy-out`) unseals it: after\n"
    "    an update, a newly signed policy, not a reseal. The database's signature is\n"
    "    checked with PUB, so that a wrong key is caught now, not at the next boot.\n"
    "  - with --pcrs: the PCR values the TPM holds now, or with --predict every\n"
    "    combination of values the golden database allows (a PolicyOR tree).\n"
    "The sealed file is JSON (bootchain-sealed(5)); it is of use only with this TPM.\n"
    "\n"
    "Options:\n"
    "      --golden DB        the golden database\n"
    "      --pubkey PUB       its signing key's public key (PEM): authorize mode\n"
    "      --policy-ref TEXT  the policyRef the policies are signed with (default: none)\n"
    "      --pcrs SEL         PCR mode: the PCRs of one bank, e.g. sha256:0,2,4,7\n"
    "      --predict          PCR mode: the values --golden predicts, not the current ones\n"
    "  -i, --in SECRET        the secret ('-': standard input)\n"
    "  -o, --out SEALED       the sealed file, written atomically ('-': standard output)\n"
    "  -f, --force            replace an existing SEALED\n"
    "  -T, --tcti TCTI        TPM to use\n"
    "      --json             print {\"sealed\", \"bytes\", \"mode\", \"policy\", \"parent\",\n"
    "                         \"key_name\", \"policy_ref\" | \"selection\", \"branches\"}\n"
    "  -h, --help             show this help\n";

static struct {
	const char *golden, *pubkey, *policy_ref, *pcrs, *in, *out, *tcti;
	bool predict, json, force;
} so;

static int seal_parse(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"golden", required_argument, NULL, OPT_GOLDEN},
	    {"pubkey", required_argument, NULL, OPT_PUBKEY},
	    {"policy-ref", required_argument, NULL, OPT_POLICY_REF},
	    {"pcrs", required_argument, NULL, OPT_PCRS},
	    {"predict", no_argument, NULL, OPT_PREDICT},
	    {"in", required_argument, NULL, 'i'},
	    {"out", required_argument, NULL, 'o'},
	    {"force", no_argument, NULL, 'f'},
	    {"tcti", required_argument, NULL, 'T'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o;
	*help = false;
	while ((o = getopt_long(argc, argv, ":i:o:fT:h", options, NULL)) != -1) {
		switch (o) {
		case OPT_GOLDEN: so.golden = optarg; break;
		case OPT_PUBKEY: so.pubkey = optarg; break;
		case OPT_POLICY_REF: so.policy_ref = optarg; break;
		case OPT_PCRS: so.pcrs = optarg; break;
		case OPT_PREDICT: so.predict = true; break;
		case 'i': so.in = optarg; break;
		case 'o': so.out = optarg; break;
		case 'f': so.force = true; break;
		case 'T': so.tcti = optarg; break;
		case OPT_JSON: so.json = true; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}

static int seal_check_options(const char *cmd)
{
	if (!so.in || !so.out)
		return cli_usage_error(cmd, "--in SECRET and --out SEALED are required");
	if (is_stdio(so.in) && is_stdio(so.out) && so.json)
		return cli_usage_error(cmd, "--out - and --json both write to standard output");
	if (so.pubkey && so.pcrs)
		return cli_usage_error(cmd, "--pubkey (authorize mode: the signed policies "
					    "choose the PCRs) and --pcrs (PCR mode) exclude each "
					    "other");
	if (!so.pubkey && !so.pcrs)
		return cli_usage_error(cmd, "give --golden DB --pubkey PUB (authorize mode) or "
					    "--pcrs SEL (PCR mode)");
	if (so.pubkey && !so.golden)
		return cli_usage_error(cmd, "--pubkey needs --golden DB, the database it signs");
	if (so.pubkey && so.predict)
		return cli_usage_error(cmd, "--predict is for PCR mode (--pcrs)");
	if (so.pcrs && so.policy_ref)
		return cli_usage_error(cmd, "--policy-ref is for authorize mode (--pubkey)");
	if (so.pcrs && (so.predict != (so.golden != NULL)))
		return cli_usage_error(cmd, "--predict and --golden DB go together in PCR mode");
	if (so.policy_ref && strlen(so.policy_ref) > BC_POLICY_REF_MAX)
		return cli_usage_error(cmd, "--policy-ref: at most %d bytes", BC_POLICY_REF_MAX);
	return cli_check_output(cmd, so.out, so.force);
}

/* PCR mode: the branches to seal to, current or predicted; *branches malloc'd. */
static int seal_branches(const char *cmd, bc_tpm *tpm, bc_policy_branch **branches, size_t *count)
{
	bc_error err = {0};
	bc_pcr_selection sel;
	if (bc_pcr_selection_parse(so.pcrs, &sel, &err) != BC_OK)
		return cli_usage_error(cmd, "--pcrs %s: %s", so.pcrs, bc_error_message(&err));
	if (so.predict) {
		_cleanup_(bc_golden_freep) bc_golden *db = NULL;
		if (bc_golden_load(so.golden, NULL, NULL, &db, &err) != BC_OK ||
		    bc_seal_predicted_branches(db, &sel, BC_SEAL_BRANCHES_MAX, branches, count,
					       &err) != BC_OK)
			return cli_fail(cmd, &err);
		return 0;
	}
	if (!(*branches = calloc(1, sizeof(**branches)))) {
		cli_error(cmd, "out of memory");
		return BC_EXIT_ERROR;
	}
	*count = 1;
	if (bc_seal_current_branch(tpm, &sel, *branches, &err) != BC_OK)
		return cli_fail(cmd, &err);
	return 0;
}

static void json_hex(bc_json *j, const char *key, const uint8_t *data, size_t size)
{
	bc_json_key(j, key);
	bc_json_hex(j, data, size);
}

static int seal_report(const char *cmd, const bc_sealed *s, size_t bytes)
{
	char text[256], hex[2 * BC_POLICY_KEY_NAME_MAX + 1];
	bc_buf out;
	bc_json j;
	int rc;
	bc_buf_init(&out, CLI_JSON_MAX);
	if (!so.json) {
		bc_buf_printf(&out, "sealed %zu bytes to %s (%s mode), policy %s\n", bytes,
			      is_stdio(so.out) ? "standard output" : so.out,
			      s->mode == BC_SEAL_AUTHORIZE ? "authorize" : "pcr",
			      bc_hex_encode(s->policy, BC_POLICY_DIGEST_SIZE, hex));
		if (s->mode == BC_SEAL_PCR)
			bc_buf_printf(&out, "%zu branch%s of %s\n", s->branch_count,
				      s->branch_count == 1 ? "" : "es", so.pcrs);
		rc = cli_emit_text(cmd, &out);
		bc_buf_free(&out);
		return rc;
	}
	bc_json_init(&j, &out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "sealed");
	bc_json_string(&j, so.out);
	bc_json_key(&j, "bytes");
	bc_json_uint(&j, bytes);
	bc_json_key(&j, "mode");
	bc_json_string(&j, s->mode == BC_SEAL_AUTHORIZE ? "authorize" : "pcr");
	json_hex(&j, "policy", s->policy, BC_POLICY_DIGEST_SIZE);
	bc_json_key(&j, "parent");
	if (s->parent_handle) {
		snprintf(text, sizeof(text), "0x%08x", s->parent_handle);
		bc_json_string(&j, text);
	} else {
		bc_json_string(&j, "transient");
	}
	if (s->mode == BC_SEAL_AUTHORIZE) {
		json_hex(&j, "key_name", s->key_name, s->key_name_size);
		bc_json_key(&j, "policy_ref");
		bc_json_string_n(&j, (const char *)s->ref, s->ref_size);
	} else {
		bc_pcr_selection_format(&s->sel, text, sizeof(text));
		bc_json_key(&j, "selection");
		bc_json_string(&j, text);
		bc_json_key(&j, "branches");
		bc_json_uint(&j, s->branch_count);
	}
	bc_json_object_end(&j);
	rc = cli_emit_json(cmd, &out);
	bc_buf_free(&out);
	return rc;
}

static int seal_write(const char *cmd, const bc_sealed *s)
{
	bc_error err = {0};
	if (!is_stdio(so.out)) {
		if (bc_sealed_write(s, so.out, &err) != BC_OK)
			return cli_fail(cmd, &err);
		return 0;
	}
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	if (bc_sealed_format(s, &text, &size, &err) != BC_OK)
		return cli_fail(cmd, &err);
	return write_stdout(cmd, text, size);
}

static int seal_run(const char *cmd)
{
	bc_error err = {0};
	uint8_t *secret = NULL;
	size_t size = 0;
	_cleanup_(bc_golden_freep) bc_golden *db = NULL;
	_cleanup_(bc_tpm_closep) bc_tpm *tpm = NULL;
	_cleanup_(bc_sealed_freep) bc_sealed *sealed = NULL;
	_cleanup_free_ bc_policy_branch *branches = NULL;
	bc_seal_opts opts = {.mode = so.pubkey ? BC_SEAL_AUTHORIZE : BC_SEAL_PCR};
	int rc;
	/* the database's signature: PUB must be the key that signs its policies */
	if (so.pubkey && bc_golden_load(so.golden, so.pubkey, NULL, &db, &err) != BC_OK)
		return cli_fail(cmd, &err);
	if ((rc = cli_open_tpm(cmd, so.tcti, &tpm)) != 0)
		return rc;
	if (so.pcrs && (rc = seal_branches(cmd, tpm, &branches, &opts.branch_count)) != 0)
		return rc;
	opts.branches = branches;
	opts.pubkey_path = so.pubkey;
	opts.ref = (const uint8_t *)so.policy_ref;
	opts.ref_size = so.policy_ref ? strlen(so.policy_ref) : 0;
	if (read_input(so.in, SECRET_READ_MAX, &secret, &size, &err) != BC_OK)
		return cli_fail(cmd, &err);
	bc_status st = bc_seal(tpm, &opts, secret, size, &sealed, &err);
	wipe_free(&secret, size);
	if (st != BC_OK)
		return cli_fail(cmd, &err);
	if ((rc = seal_write(cmd, sealed)) != 0)
		return rc;
	if (is_stdio(so.out) && !so.json)
		return 0;
	return seal_report(cmd, sealed, size);
}

int cmd_seal(int argc, char **argv)
{
	const char *cmd = "seal";
	bool help = false;
	int rc = seal_parse(cmd, argc, argv, &help);
	if (rc != 0)
		return rc;
	if (help) {
		fputs(seal_usage, stdout);
		return BC_EXIT_OK;
	}
	if ((rc = seal_check_options(cmd)) != 0)
		return rc;
	return seal_run(cmd);
}

/* ---- unseal ---- */

static const char unseal_usage[] =
    "Usage: bootchain unseal SEALED [--policy SIGNED-POLICY --pubkey PUB]\n"
    "                        [--out FILE|-] [OPTIONS]\n"
    "\n"
    "Unseal a secret sealed by `bootchain seal` (SEALED '-': standard input). The TPM\n"
    "checks the policy in a SHA-256 policy session, salted so that the secret crosses\n"
    "the bus encrypted: the PCRs must hold the values of a branch, and in authorize mode\n"
    "that branch must be in a policy signed by the key the secret was sealed to\n"
    "(`bootchain golden sign --policy-out`), checked by the TPM (TPM2_VerifySignature,\n"
    "TPM2_PolicyAuthorize). The secret goes to standard output unless --out is given,\n"
    "as raw bytes: `bootchain unseal ... | cryptsetup open --key-file - DEV NAME`.\n"
    "\n"
    "Options:\n"
    "      --policy FILE      authorize mode: the signed PCR policy (bootchain-policy(5))\n"
    "      --pubkey PUB       authorize mode: the public key of the signing key (PEM)\n"
    "  -o, --out FILE|-       write the secret to FILE (mode 0600, atomically) or '-'\n"
    "                         standard output (the default)\n"
    "  -f, --force            replace an existing FILE\n"
    "  -T, --tcti TCTI        TPM to use\n"
    "      --json             print {\"unsealed\", \"mode\", \"branch\", \"bytes\", \"out\"};\n"
    "                         without --out, also \"secret\" (base64): the secret is in it\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 unsealed, 1 bad files, 2 usage, 3 the PCRs or the policy do not\n"
    "allow it (no branch matches, another signing key, the TPM refused the policy),\n"
    "4 other TPM failures.\n";

static struct {
	const char *sealed, *policy, *pubkey, *out, *tcti;
	bool json, force;
} uo;

static int unseal_parse(const char *cmd, int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"policy", required_argument, NULL, OPT_POLICY},
	    {"pubkey", required_argument, NULL, OPT_PUBKEY},
	    {"out", required_argument, NULL, 'o'},
	    {"force", no_argument, NULL, 'f'},
	    {"tcti", required_argument, NULL, 'T'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o;
	*help = false;
	while ((o = getopt_long(argc, argv, ":o:fT:h", options, NULL)) != -1) {
		switch (o) {
		case OPT_POLICY: uo.policy = optarg; break;
		case OPT_PUBKEY: uo.pubkey = optarg; break;
		case 'o': uo.out = optarg; break;
		case 'f': uo.force = true; break;
		case 'T': uo.tcti = optarg; break;
		case OPT_JSON: uo.json = true; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option(cmd, o, argv);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "the sealed file is missing");
	uo.sealed = argv[optind++];
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (uo.json && uo.out && is_stdio(uo.out))
		return cli_usage_error(cmd, "--out - and --json both write to standard output");
	return cli_check_output(cmd, uo.out, uo.force);
}

static int unseal_report(const char *cmd, const bc_sealed *s, const bc_unseal_result *r)
{
	bc_buf out;
	bc_json j;
	bc_buf_init(&out, CLI_JSON_MAX);
	bc_json_init(&j, &out);
	bc_json_object_begin(&j);
	bc_json_key(&j, "unsealed");
	bc_json_bool(&j, true);
	bc_json_key(&j, "mode");
	bc_json_string(&j, s->mode == BC_SEAL_AUTHORIZE ? "authorize" : "pcr");
	bc_json_key(&j, "branch");
	bc_json_uint(&j, r->branch);
	bc_json_key(&j, "bytes");
	bc_json_uint(&j, r->size);
	bc_json_key(&j, "out");
	if (uo.out) {
		bc_json_string(&j, uo.out);
	} else {
		bc_json_null(&j);
		bc_json_key(&j, "secret");
		bc_json_base64(&j, r->secret, r->size);
	}
	bc_json_object_end(&j);
	int rc = cli_emit_json(cmd, &out);
	if (out.data)
		explicit_bzero(out.data, out.len);
	bc_buf_free(&out);
	return rc;
}

static int unseal_check_mode(const char *cmd, const bc_sealed *s)
{
	if (s->mode == BC_SEAL_AUTHORIZE && (!uo.policy || !uo.pubkey))
		return cli_usage_error(cmd,
				       "%s is sealed to a signing key: give --policy "
				       "SIGNED-POLICY and --pubkey PUB",
				       uo.sealed);
	if (s->mode == BC_SEAL_PCR && (uo.policy || uo.pubkey))
		return cli_usage_error(cmd,
				       "%s is sealed to PCR values: --policy and --pubkey do not "
				       "apply",
				       uo.sealed);
	return 0;
}

static int unseal_output(const char *cmd, const bc_sealed *s, const bc_unseal_result *r)
{
	bc_error err = {0};
	int rc = 0;
	if (uo.out && !is_stdio(uo.out)) {
		if (bc_write_file_atomic(uo.out, r->secret, r->size, 0600, &err) != BC_OK)
			return cli_fail(cmd, &err);
	} else if (!uo.json) {
		rc = write_stdout(cmd, r->secret, r->size);
	}
	if (rc == 0 && uo.json)
		rc = unseal_report(cmd, s, r);
	return rc;
}

static void wipe_result(bc_unseal_result *r)
{
	explicit_bzero(r, sizeof(*r));
}

static int unseal_run(const char *cmd)
{
	bc_error err = {0};
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	_cleanup_(bc_sealed_freep) bc_sealed *sealed = NULL;
	_cleanup_(bc_signed_policy_freep) bc_signed_policy *policy = NULL;
	_cleanup_(bc_tpm_closep) bc_tpm *tpm = NULL;
	_cleanup_(wipe_result) bc_unseal_result result = {0};
	const char *name = is_stdio(uo.sealed) ? "standard input" : uo.sealed;
	int rc;
	if (read_input(uo.sealed, SEALED_READ_MAX, &data, &size, &err) != BC_OK ||
	    bc_sealed_parse(data, size, name, &sealed, &err) != BC_OK)
		return cli_fail(cmd, &err);
	if ((rc = unseal_check_mode(cmd, sealed)) != 0)
		return rc;
	if (uo.policy && bc_signed_policy_load(uo.policy, &policy, &err) != BC_OK)
		return cli_fail(cmd, &err);
	if ((rc = cli_open_tpm(cmd, uo.tcti, &tpm)) != 0)
		return rc;
	bc_unseal_opts opts = {
	    .policy = policy, .policy_path = uo.policy, .pubkey_path = uo.pubkey};
	if (bc_unseal(tpm, sealed, &opts, &result, &err) != BC_OK)
		return cli_fail(cmd, &err);
	return unseal_output(cmd, sealed, &result);
}

int cmd_unseal(int argc, char **argv)
{
	const char *cmd = "unseal";
	bool help = false;
	int rc = unseal_parse(cmd, argc, argv, &help);
	if (rc != 0)
		return rc;
	if (help) {
		fputs(unseal_usage, stdout);
		return BC_EXIT_OK;
	}
	return unseal_run(cmd);
}
