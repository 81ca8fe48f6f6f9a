/* SPDX-License-Identifier: BSD-3-Clause */
/* bootchain attest quote: TPM2_Quote with the AK, written as an evidence file. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bootchain/attest.h>

#include "attest/attest-internal.h"
#include "attest/keys.h"
#include "cli/attest.h"
#include "cli/cli.h"
#include "util/file.h"
#include "util/hex.h"

static const char quote_usage[] =
    "Usage: bootchain attest quote -q|--nonce HEX -o|--out EVIDENCE [-l SEL] [OPTIONS]\n"
    "\n"
    "One TPM2_Quote over the PCRs, signed by the attestation key and qualified by the\n"
    "verifier's nonce, written with the PCR values and the event log as an evidence file\n"
    "(bootchain-evidence(5)).\n"
    "\n"
    "Options:\n"
    "  -q, --nonce HEX        the verifier's nonce (1 to 64 bytes): the qualifying data\n"
    "  -o, --out EVIDENCE     the evidence file to write ('-': standard output)\n"
    "  -f, --force            replace an existing EVIDENCE\n"
    "  -a, --ak AK            persistent handle or context file (default: 0x81010003)\n"
    "  -l, -p, --pcrs SEL     PCRs to quote (default: 0-9 of every allocated bank)\n"
    "  -L, --log LOG          event log to include (default: the one `measure` writes,\n"
    "                         $BOOTCHAIN_EVENTLOG or /run/bootchain/eventlog, when it\n"
    "                         exists, else the firmware's, when readable)\n"
    "      --no-log           include no event log\n"
    "      --tpm2-tools DIR   also write quote.msg, quote.sig, quote.pcrs and ak.pub for\n"
    "                         tpm2_checkquote -m -s -f -u\n"
    "      --keep             bind the Keep: the TEE's report (configfs-tsm), with\n"
    "                         REPORT_DATA and the quote bound to the nonce and the AK\n"
    "      --tsm-root DIR     configfs-tsm reports (default: /sys/kernel/config/tsm/report)\n"
    "      --keep-vcek FILE   include the certificate that signs the report\n"
    "      --tdquote-url URL  where an Azure TDX VM gets the TD quote of its HCL report's\n"
    "                         TDREPORT (default: $BOOTCHAIN_AZURE_TDQUOTE_URL, else\n"
    "                         http://169.254.169.254/acc/tdquote)\n"
    "  -T, --tcti TCTI        TPM to use\n"
    "  -h, --help             show this help\n";

static struct {
	const char *nonce, *out, *ak, *pcrs, *log, *tpm2_tools, *tcti, *tsm_root, *keep_vcek;
	const char *tdquote_url;
	bool no_log, keep, force;
} opt;

enum { OPT_NO_LOG = 256, OPT_TPM2_TOOLS, OPT_TSM_ROOT, OPT_KEEP_VCEK, OPT_KEEP, OPT_TDQUOTE_URL };

static int parse_options(int argc, char **argv, bool *help)
{
	static const struct option options[] = {
	    {"nonce", required_argument, NULL, 'q'},
	    {"out", required_argument, NULL, 'o'},
	    {"force", no_argument, NULL, 'f'},
	    {"ak", required_argument, NULL, 'a'},
	    {"pcrs", required_argument, NULL, 'p'},
	    {"log", required_argument, NULL, 'L'},
	    {"no-log", no_argument, NULL, OPT_NO_LOG},
	    {"tpm2-tools", required_argument, NULL, OPT_TPM2_TOOLS},
	    {"keep", no_argument, NULL, OPT_KEEP},
	    {"tsm-root", required_argument, NULL, OPT_TSM_ROOT},
	    {"keep-vcek", required_argument, NULL, OPT_KEEP_VCEK},
	    {"tdquote-url", required_argument, NULL, OPT_TDQUOTE_URL},
	    {"tcti", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o;
	*help = false;
	while ((o = getopt_long(argc, argv, ":q:o:fa:l:p:L:T:h", options, NULL)) != -1) {
		switch (o) {
		case 'q': opt.nonce = optarg; break;
		case 'o': opt.out = optarg; break;
		case 'f': opt.force = true; break;
		case 'a': opt.ak = optarg; break;
		case 'l':
		case 'p': opt.pcrs = optarg; break;
		case 'L': opt.log = optarg; break;
		case OPT_NO_LOG: opt.no_log = true; break;
		case OPT_TPM2_TOOLS: opt.tpm2_tools = optarg; break;
		case OPT_KEEP: opt.keep = true; break;
		case OPT_TSM_ROOT: opt.tsm_root = optarg; break;
		case OPT_KEEP_VCEK: opt.keep_vcek = optarg; break;
		case OPT_TDQUOTE_URL: opt.tdquote_url = optarg; break;
		case 'T': opt.tcti = optarg; break;
		case 'h': *help = true; return 0;
		default: return cli_bad_option("attest quote", o, argv);
		}
	}
	return 0;
}

static const char *log_path(void)
{
	if (opt.no_log)
		return NULL;
	if (opt.log)
		return opt.log;
	/* the firmware's log is root's to read: without it, no log, as an unprivileged run */
	const char *path = cli_default_log();
	if (path && strcmp(path, CLI_FIRMWARE_LOG) == 0 && access(path, R_OK) != 0)
		return NULL;
	return path;
}

/* --out, or standard output for "-". */
static bc_status write_evidence(const bc_evidence *ev, bc_error *err)
{
	if (!cli_is_stdio(opt.out))
		return bc_evidence_write(ev, opt.out, err);
	bc_buf out;
	bc_buf_init(&out, BC_EVIDENCE_MAX_SIZE);
	bc_status s = bc_evidence_render(ev, &out, err);
	if (s == BC_OK && (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)))
		s = bc_fail(err, BC_E_IO, "standard output: %s", strerror(errno));
	bc_buf_free(&out);
	return s;
}

int attest_quote(int argc, char **argv)
{
	const char *cmd = "attest quote";
	uint8_t nonce[BC_NONCE_MAX];
	size_t nonce_size = 0;
	bc_pcr_selection sel;
	bc_error err = {0};
	bool help;
	char ak_default[16];
	opt = (typeof(opt)){0};
	int rc = parse_options(argc, argv, &help);
	if (rc || help)
		return rc ? rc : (fputs(quote_usage, stdout), BC_EXIT_OK);
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!opt.nonce || !opt.out)
		return cli_usage_error(cmd, "--nonce HEX and --out EVIDENCE are required");
	if (!bc_hex_decode(opt.nonce, strlen(opt.nonce), nonce, sizeof(nonce), &nonce_size) ||
	    nonce_size == 0)
		return cli_usage_error(cmd, "--nonce: expected 1 to 64 bytes in hex");
	if (opt.pcrs && bc_pcr_selection_parse(opt.pcrs, &sel, &err) != BC_OK)
		return cli_usage_error(cmd, "--pcrs: %s", bc_error_message(&err));
	if (opt.log && opt.no_log)
		return cli_usage_error(cmd, "--log and --no-log exclude each other");
	if ((opt.tsm_root || opt.keep_vcek || opt.tdquote_url) && !opt.keep)
		return cli_usage_error(cmd, "--tsm-root, --keep-vcek and --tdquote-url belong to "
					    "--keep");
	if (opt.tdquote_url && !*opt.tdquote_url)
		return cli_usage_error(cmd, "--tdquote-url: an empty URL");
	if ((rc = cli_check_output(cmd, opt.out, opt.force)) != 0)
		return rc; /* before the TPM quotes */
	snprintf(ak_default, sizeof(ak_default), "0x%08x", BC_AK_DEFAULT_HANDLE);

	bc_tpm *tpm = NULL;
	bc_evidence *ev = NULL;
	if ((rc = cli_open_tpm(cmd, opt.tcti, &tpm)) != 0)
		return rc;
	const char *ak = opt.ak ? opt.ak : ak_default;
	const bc_pcr_selection *pcrs = opt.pcrs ? &sel : NULL;
	bc_status s;
	if (opt.keep)
		s = bc_evidence_quote_keep(tpm, ak, nonce, nonce_size, pcrs, log_path(),
					   opt.tsm_root, attest_tdquote_url(opt.tdquote_url), &ev,
					   &err);
	else
		s = bc_evidence_quote(tpm, ak, nonce, nonce_size, pcrs, log_path(), &ev, &err);
	bc_tpm_close(tpm);
	if (s == BC_OK && opt.keep_vcek)
		s = bc_read_file(opt.keep_vcek, BC_EVIDENCE_MAX_KEEP, &ev->keep_vcek,
				 &ev->keep_vcek_size, &err);
	if (s == BC_OK)
		s = write_evidence(ev, &err);
	if (s == BC_OK && opt.tpm2_tools)
		s = bc_evidence_write_tpm2_tools(ev, opt.tpm2_tools, &err);
	bc_evidence_free(ev);
	if (s != BC_OK)
		return cli_fail(cmd, &err);
	return BC_EXIT_OK;
}
