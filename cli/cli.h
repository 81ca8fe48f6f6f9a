/* SPDX-License-Identifier: BSD-3-Clause */
/* What the command files of the bootchain CLI share. */
#ifndef BC_CLI_CLI_H
#define BC_CLI_CLI_H

#include <stdbool.h>

#include <bootchain/bootchain.h>

#include "util/buf.h"
#include "util/json.h"

/* Exit statuses: documented in bootchain(1). Do not reorder or change. */
enum {
	BC_EXIT_OK = 0,
	BC_EXIT_ERROR = 1,
	BC_EXIT_USAGE = 2,
	BC_EXIT_MISMATCH = 3,
	BC_EXIT_TPM = 4,
};

/* A verb of a command (`pcr read`, `attest ek verify`): the dispatch tables, NULL-name
 * terminated, that the commands run and `bootchain help` lists, so that the list cannot
 * drift from what runs. */
typedef struct cli_verb {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the verb */
	const struct cli_verb *verbs;	   /* verbs of its own (`attest ek verify`), or NULL */
} cli_verb;

typedef struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the command name */
	const char *summary;
	const cli_verb *verbs; /* NULL for a command without verbs */
} cli_command;

extern const cli_verb cli_attest_verbs[];
extern const cli_verb cli_fleet_verbs[];
extern const cli_verb cli_golden_verbs[];
extern const cli_verb cli_log_verbs[];
extern const cli_verb cli_pcr_verbs[];
extern const cli_verb cli_stage_verbs[];

/* The verb of table called name, or NULL. */
const cli_verb *cli_find_verb(const cli_verb *table, const char *name);

int cmd_attest(int argc, char **argv);
int cmd_fleet(int argc, char **argv);
int cmd_golden(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_measure(int argc, char **argv);
int cmd_pcr(int argc, char **argv);
int cmd_seal(int argc, char **argv);
int cmd_stage(int argc, char **argv);
int cmd_unseal(int argc, char **argv);

/* "bootchain: CMD: message" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) BC_PRINTF(2, 3);

/* Report a usage error with a hint to --help; returns BC_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) BC_PRINTF(2, 3);

/* Report what getopt_long (with opterr off, optstring starting with ':') returned for a
 * bad option; returns BC_EXIT_USAGE. */
int cli_bad_option(const char *cmd, int opt, char **argv);

/* Report a library error; returns the exit status its status maps to. */
int cli_fail(const char *cmd, const bc_error *err);

int cli_exit_status(bc_status status);

/* The TCTI to use: the command's -T option, else the -T given before the command
 * (cli_set_global_tcti), else BOOTCHAIN_TCTI, else TPM2TOOLS_TCTI, else NULL (the tss2
 * default). */
const char *cli_tcti(const char *option);

/* Remember `bootchain -T TCTI COMMAND`'s TCTI for cli_tcti(). */
void cli_set_global_tcti(const char *tcti);

/* The firmware's event log, as the kernel shows it. */
#define CLI_FIRMWARE_LOG "/sys/kernel/security/tpm0/binary_bios_measurements"

/* Where `measure` writes its event log when no --log names one: $BOOTCHAIN_EVENTLOG
 * (when set and not empty), else CLI_MEASURED_LOG. */
#define CLI_MEASURED_LOG "/run/bootchain/eventlog"
const char *cli_measured_log(void);

/* The log that `measure` and `stage run` write: none with --dry-run or --no-log, else
 * --log (log), else cli_measured_log(). */
const char *cli_measure_log_path(bool dry_run, bool no_log, const char *log);

/* Creates /run/bootchain (a tmpfs, empty at each boot) when log is CLI_MEASURED_LOG; the
 * folder of any other log must exist already. */
bc_status cli_make_log_dir(const char *log, bc_error *err);

/* The log that `log`, `attest quote` and `attest serve` read when none is named: the
 * measured log (cli_measured_log()) when it exists, else the firmware's; NULL when
 * neither exists. */
const char *cli_default_log(void);

/* Open the TPM chosen by cli_tcti(option); on failure reports and returns the exit
 * status, else 0. */
int cli_open_tpm(const char *cmd, const char *tcti_option, bc_tpm **out);

/* Print PCR values as text, or as {"pcrs": {...}} when json. */
int cli_print_pcr_values(const char *cmd, const bc_pcr_values *values, bool json);

/* Write a finished JSON document (plus a newline) to stdout; reports a failed buffer. */
int cli_emit_json(const char *cmd, bc_buf *out);

/* Write finished text to stdout; reports a failed buffer. */
int cli_emit_text(const char *cmd, bc_buf *out);

/* The output cap for one JSON document. */
#define CLI_JSON_MAX ((size_t)1 << 30)

/* Parse a --banks list ("sha1,sha256") into algs (BC_MAX_BANKS); reports usage errors. */
int cli_parse_banks(const char *cmd, const char *list, uint16_t *algs, size_t *count);

/* Before any side effect: refuse to replace an existing output file unless force
 * ("PATH exists (--force to overwrite)", returns BC_EXIT_ERROR); 0 when path is NULL,
 * "-" (standard output) or does not exist. */
int cli_check_output(const char *cmd, const char *path, bool force);

/* "-" means standard input or output. */
bool cli_is_stdio(const char *path);

/* The path to read for an input argument: /dev/stdin for "-" (the library reads paths;
 * /dev/stdin reads a pipe or a redirected file alike), else path itself. */
const char *cli_input_path(const char *path);

/* A chain file (bootchain-chain(5)) whose relative file names are resolved against
 * root; root NULL: against the chain file's directory (bc_chain_load). */
bc_status cli_chain_load(const char *path, const char *root, bc_chain **out, bc_error *err);

/* Standard input can be read once: a usage error when a command's inputs name "-" more
 * than once (uses: how many do); 0 otherwise. */
int cli_one_stdin(const char *cmd, size_t uses);

/* Parse an unsigned decimal integer no greater than max; false on anything else. */
bool cli_parse_uint(const char *text, unsigned max, unsigned *out);

#endif
