/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include "cli/ca-store.h"
#include "cli/cli.h"
#include "util/cleanup.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(bc_ca_store *, bc_ca_store_free)

static int add_to_list(const char *cmd, const char **list, size_t *count, const char *option,
		       const char *value)
{
	if (*count >= CLI_CA_OPTIONS_MAX)
		return cli_usage_error(cmd, "at most %d %s options", CLI_CA_OPTIONS_MAX, option);
	list[(*count)++] = value;
	return 0;
}

int cli_ca_option(const char *cmd, cli_ca_options *ca, int o, const char *arg)
{
	switch (o) {
	case CLI_OPT_CA_DIR: return add_to_list(cmd, ca->dirs, &ca->dir_count, "--ca-dir", arg);
	case CLI_OPT_CA_FILE: return add_to_list(cmd, ca->files, &ca->file_count, "--ca-file", arg);
	default: return add_to_list(cmd, ca->crls, &ca->crl_count, "--crl", arg);
	}
}

int cli_ca_store_load(const char *cmd, const cli_ca_options *ca, const char *default_dir,
		      bc_ca_store **out)
{
	_cleanup_(bc_ca_store_freep) bc_ca_store *store = NULL;
	bc_error err = {0};
	bc_status s = bc_ca_store_new(&store, &err);
	for (size_t i = 0; s == BC_OK && i < ca->dir_count; i++)
		s = bc_ca_store_add_dir(store, ca->dirs[i], &err);
	for (size_t i = 0; s == BC_OK && i < ca->file_count; i++)
		s = bc_ca_store_add_file(store, ca->files[i], &err);
	if (s == BC_OK && ca->dir_count + ca->file_count == 0)
		s = bc_ca_store_add_dir(store, default_dir, &err);
	for (size_t i = 0; s == BC_OK && i < ca->crl_count; i++)
		s = bc_ca_store_add_crl(store, ca->crls[i], &err);
	if (s != BC_OK)
		return cli_fail(cmd, &err);
	*out = TAKE_PTR(store);
	return 0;
}
