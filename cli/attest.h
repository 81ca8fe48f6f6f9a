/* SPDX-License-Identifier: BSD-3-Clause */
/* The verbs of `bootchain attest`, one file each group: argv[0] is the verb. */
#ifndef BC_CLI_ATTEST_H
#define BC_CLI_ATTEST_H

int attest_ek(int argc, char **argv);
int attest_ek_verify(int argc, char **argv); /* attest ek verify: cli/attest-ek.c */
int attest_ak(int argc, char **argv);
int attest_ak_create(int argc, char **argv); /* attest ak create */
int attest_challenge(int argc, char **argv);
int attest_activate(int argc, char **argv);
int attest_quote(int argc, char **argv);
int attest_verify(int argc, char **argv);
int attest_serve(int argc, char **argv);
int attest_poll(int argc, char **argv);
int attest_enrol(int argc, char **argv);

/* The quoting service of an Azure TDX VM's TD quote (attest quote and serve --keep):
 * --tdquote-url (option, may be NULL), else $BOOTCHAIN_AZURE_TDQUOTE_URL when set and
 * not empty, else NULL: Azure's metadata service. */
const char *attest_tdquote_url(const char *option);

#endif
