/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Chain files (bootchain-chain(5)): the fields of a layer, blanks, comments, quoting,
 * line endings and path resolution; and the rejection of every malformation with
 * "NAME:LINE:" in front of the message.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <bootchain/eventlog.h>
#include <bootchain/measure.h>

static bc_chain *parse_n(const char *text, size_t size, const char *base_dir)
{
	bc_chain *chain = NULL;
	bc_error err = {0};
	if (bc_chain_parse(text, size, "test.chain", base_dir, &chain, &err) != BC_OK)
		fail_msg("parse failed: %s", err.msg);
	assert_non_null(chain);
	return chain;
}

static bc_chain *parse(const char *text, const char *base_dir)
{
	return parse_n(text, strlen(text), base_dir);
}

static void expect_error_n(const char *text, size_t size, const char *message)
{
	bc_chain *chain = NULL;
	bc_error err = {0};
	assert_int_equal(bc_chain_parse(text, size, "test.chain", NULL, &chain, &err), BC_E_FORMAT);
	assert_null(chain);
	if (strncmp(err.msg, message, strlen(message)) != 0)
		fail_msg("message '%s' does not start with '%s'", err.msg, message);
}

/* The message starts with message ("test.chain:LINE: ..."). */
static void expect_error(const char *text, const char *message)
{
	expect_error_n(text, strlen(text), message);
}

static void expect_layer(const bc_chain_layer *l, const char *name, uint32_t pcr, const char *file,
			 const char *path, bc_image_kind kind, uint32_t type, unsigned line)
{
	assert_string_equal(l->layer.name, name);
	assert_int_equal(l->layer.pcr, pcr);
	assert_string_equal(l->layer.file, file);
	assert_string_equal(l->path, path);
	assert_int_equal(l->layer.kind, kind);
	assert_int_equal(l->layer.event_type, type);
	assert_int_equal(l->line, line);
}

/* ---- what a chain holds ---- */

static void test_fields_of_each_layer(void **state)
{
	(void)state;
	bc_chain *c = parse("bios 0 /dev/mtd0 raw\n"
			    "bootloader 4 /boot/efi/EFI/BOOT/BOOTX64.EFI pe\n"
			    "kernel 9 vmlinuz raw type=EV_IPL\n"
			    "initrd\t9\tinitrd.img\n"
			    "hypervisor 8 xen.efi auto type=EV_EFI_BOOT_SERVICES_APPLICATION\n",
			    "/etc/bootchain");
	assert_int_equal(c->count, 5);
	assert_string_equal(c->name, "test.chain");
	expect_layer(&c->layers[0], "bios", 0, "/dev/mtd0", "/dev/mtd0", BC_IMAGE_RAW, 0, 1);
	expect_layer(&c->layers[1], "bootloader", 4, "/boot/efi/EFI/BOOT/BOOTX64.EFI",
		     "/boot/efi/EFI/BOOT/BOOTX64.EFI", BC_IMAGE_PE, 0, 2);
	expect_layer(&c->layers[2], "kernel", 9, "vmlinuz", "/etc/bootchain/vmlinuz", BC_IMAGE_RAW,
		     BC_EV_IPL, 3);
	expect_layer(&c->layers[3], "initrd", 9, "initrd.img", "/etc/bootchain/initrd.img",
		     BC_IMAGE_AUTO, 0, 4);
	expect_layer(&c->layers[4], "hypervisor", 8, "xen.efi", "/etc/bootchain/xen.efi",
		     BC_IMAGE_AUTO, BC_EV_EFI_BOOT_SERVICES_APPLICATION, 5);
	bc_chain_free(c);
}

static void test_options_in_any_order(void **state)
{
	(void)state;
	bc_chain *c = parse("a 1 x type=EV_IPL pe\n"
			    "b 2 y type=ipl\n"		  /* any case, without EV_ */
			    "c 3 z type=0x80000003 raw\n" /* a number */
			    "d 23 w type=EV_EVENT_TAG\n",
			    NULL);
	assert_int_equal(c->count, 4);
	expect_layer(&c->layers[0], "a", 1, "x", "x", BC_IMAGE_PE, BC_EV_IPL, 1);
	expect_layer(&c->layers[1], "b", 2, "y", "y", BC_IMAGE_AUTO, BC_EV_IPL, 2);
	expect_layer(&c->layers[2], "c", 3, "z", "z", BC_IMAGE_RAW,
		     BC_EV_EFI_BOOT_SERVICES_APPLICATION, 3);
	expect_layer(&c->layers[3], "d", 23, "w", "w", BC_IMAGE_AUTO, BC_EV_EVENT_TAG, 4);
	bc_chain_free(c);
}

static void test_layer_name_characters(void **state)
{
	(void)state;
	bc_chain *c = parse("Shim-15.8_x64+sb:v1@vendor.efi 4 shim\n", NULL);
	assert_string_equal(c->layers[0].layer.name, "Shim-15.8_x64+sb:v1@vendor.efi");
	bc_chain_free(c);
	c = parse("\"quoted-name\" 4 shim\n", NULL);
	assert_string_equal(c->layers[0].layer.name, "quoted-name");
	bc_chain_free(c);
}

static void test_comments_and_blank_lines(void **state)
{
	(void)state;
	bc_chain *c = parse("# the boot chain of a test machine\n"
			    "\n"
			    "   \n"
			    "\t# an indented comment\n"
			    "kernel 9 vmlinuz # a comment after the fields\n"
			    "initrd 9 initrd.img raw # kind\n"
			    "fw 0 fw#1.bin\n"
			    "#bootloader 4 shim.efi\n",
			    NULL);
	assert_int_equal(c->count, 3);
	expect_layer(&c->layers[0], "kernel", 9, "vmlinuz", "vmlinuz", BC_IMAGE_AUTO, 0, 5);
	assert_int_equal(c->layers[1].line, 6);
	assert_string_equal(c->layers[2].layer.file, "fw#1.bin");
	assert_int_equal(c->layers[2].line, 7);
	bc_chain_free(c);
	/* a comment right after a field, with no blank before it, is part of the field */
	expect_error("initrd 9 initrd.img raw#kind\n", "test.chain:1: \"raw#kind\" is neither");
}

static void test_crlf_line_endings(void **state)
{
	(void)state;
	bc_chain *c = parse("# comment\r\n"
			    "\r\n"
			    "kernel 9 vmlinuz raw\r\n"
			    "initrd 9 \"my initrd.img\"\r\n"
			    "fw 0 fw.bin",
			    "/b");
	assert_int_equal(c->count, 3);
	expect_layer(&c->layers[0], "kernel", 9, "vmlinuz", "/b/vmlinuz", BC_IMAGE_RAW, 0, 3);
	expect_layer(&c->layers[1], "initrd", 9, "my initrd.img", "/b/my initrd.img", BC_IMAGE_AUTO,
		     0, 4);
	expect_layer(&c->layers[2], "fw", 0, "fw.bin", "/b/fw.bin", BC_IMAGE_AUTO, 0, 5);
	bc_chain_free(c);
	/* line numbers count CRLF lines */
	expect_error("a 1 x\r\nb 2 y\r\nc 24 z\r\n", "test.chain:3: PCR \"24\"");
}

static void test_quoted_fields(void **state)
{
	(void)state;
	bc_chain *c = parse("a 1 \"/boot/my kernel.img\"\n"
			    "b 2 \"say \\\"hi\\\"\"\n"	    /* say "hi" */
			    "c 3 \"back\\\\slash\"\n"	    /* back\slash */
			    "d 4 \"other\\escape\"\n"	    /* kept as written */
			    "e 5 \"with # hash\" \"raw\"\n" /* a quoted kind */
			    "f 6 unquoted\\\"file\n",	    /* quotes only at the start */
			    "/base");
	assert_int_equal(c->count, 6);
	assert_string_equal(c->layers[0].layer.file, "/boot/my kernel.img");
	assert_string_equal(c->layers[0].path, "/boot/my kernel.img");
	assert_string_equal(c->layers[1].layer.file, "say \"hi\"");
	assert_string_equal(c->layers[1].path, "/base/say \"hi\"");
	assert_string_equal(c->layers[2].layer.file, "back\\slash");
	assert_string_equal(c->layers[3].layer.file, "other\\escape");
	assert_string_equal(c->layers[4].layer.file, "with # hash");
	assert_int_equal(c->layers[4].layer.kind, BC_IMAGE_RAW);
	assert_string_equal(c->layers[5].layer.file, "unquoted\\\"file");
	bc_chain_free(c);
}

static void test_relative_paths_resolve_against_base_dir(void **state)
{
	(void)state;
	bc_chain *c =
	    parse("a 1 vmlinuz\nb 2 ../boot/initrd\nc 3 /abs/file\nd 4 ./x\n", "/etc/bootchain");
	assert_string_equal(c->layers[0].path, "/etc/bootchain/vmlinuz");
	assert_string_equal(c->layers[1].path, "/etc/bootchain/../boot/initrd");
	assert_string_equal(c->layers[2].path, "/abs/file");
	assert_string_equal(c->layers[3].path, "/etc/bootchain/./x");
	/* the file as written stays as written */
	assert_string_equal(c->layers[1].layer.file, "../boot/initrd");
	bc_chain_free(c);
	c = parse("a 1 vmlinuz\n", NULL);
	assert_string_equal(c->layers[0].path, "vmlinuz");
	bc_chain_free(c);
}

static void test_limits_that_are_allowed(void **state)
{
	(void)state;
	/* a 4095-byte field, six fields, 1024 layers */
	char *text = malloc(4096 + 64);
	assert_non_null(text);
	strcpy(text, "a 1 ");
	memset(text + 4, 'f', 4095);
	strcpy(text + 4 + 4095, "\n");
	bc_chain *c = parse(text, NULL);
	assert_int_equal(strlen(c->layers[0].layer.file), 4095);
	bc_chain_free(c);
	free(text);

	c = parse("a 1 x pe type=EV_IPL\n", NULL); /* five fields */
	assert_int_equal(c->layers[0].layer.kind, BC_IMAGE_PE);
	assert_int_equal(c->layers[0].layer.event_type, BC_EV_IPL);
	bc_chain_free(c);

	size_t size = 1024 * 16 + 1;
	text = malloc(size);
	assert_non_null(text);
	size_t len = 0;
	for (int i = 0; i < 1024; i++)
		len += (size_t)snprintf(text + len, size - len, "l%d %d f\n", i, i % 24);
	c = parse(text, NULL);
	assert_int_equal(c->count, 1024);
	assert_string_equal(c->layers[1023].layer.name, "l1023");
	assert_int_equal(c->layers[1023].line, 1024);
	bc_chain_free(c);
	free(text);
}

/* ---- rejections ---- */

static void test_rejects_too_few_fields(void **state)
{
	(void)state;
	expect_error("kernel 9\n", "test.chain:1: expected NAME PCR FILE [KIND] [type=EVENT_TYPE]");
	expect_error("kernel\n", "test.chain:1: expected NAME PCR FILE");
	expect_error("a 1 x\nkernel 9 # vmlinuz\n", "test.chain:2: expected NAME PCR FILE");
}

static void test_rejects_bad_pcrs(void **state)
{
	(void)state;
	expect_error("k 24 f\n", "test.chain:1: PCR \"24\" is not a number from 0 to 23");
	expect_error("k -1 f\n", "test.chain:1: PCR \"-1\" is not a number from 0 to 23");
	expect_error("k x f\n", "test.chain:1: PCR \"x\" is not a number from 0 to 23");
	expect_error("k 4x f\n", "test.chain:1: PCR \"4x\" is not a number from 0 to 23");
	expect_error("k +4 f\n", "test.chain:1: PCR \"+4\" is not a number");
	expect_error("k 0x4 f\n", "test.chain:1: PCR \"0x4\" is not a number");
	expect_error("k \"\" f\n", "test.chain:1: PCR \"\" is not a number");
	expect_error("k 99999999999999999999999 f\n",
		     "test.chain:1: PCR \"99999999999999999999999\"");
	expect_error("k 4294967300 f\n", "test.chain:1: PCR \"4294967300\"");
}

static void test_rejects_unknown_kinds_and_types(void **state)
{
	(void)state;
	expect_error("k 4 f elf\n",
		     "test.chain:1: \"elf\" is neither a kind (raw, pe, auto) nor type=EVENT_TYPE");
	expect_error("k 4 f RAW\n", "test.chain:1: \"RAW\" is neither a kind");
	expect_error("k 4 f type=EV_BOGUS\n", "test.chain:1: unknown event type \"EV_BOGUS\"");
	expect_error("k 4 f type=\n", "test.chain:1: unknown event type \"\"");
	/* type 0 would mean "the default" to bc_layer: refused */
	expect_error("k 4 f type=EV_PREBOOT_CERT\n",
		     "test.chain:1: unknown event type \"EV_PREBOOT_CERT\"");
	expect_error("k 4 f type=0\n", "test.chain:1: unknown event type \"0\"");
	expect_error("k 4 f TYPE=EV_IPL\n", "test.chain:1: \"TYPE=EV_IPL\" is neither");
	/* each at most once: the last one must not silently win */
	expect_error("k 4 f raw pe\n", "test.chain:1: a second kind \"pe\"");
	expect_error("k 4 f type=EV_IPL type=EV_EVENT_TAG\n", "test.chain:1: a second type=");
	/* types whose digest is that of their own data cannot record an image */
	expect_error("k 4 f type=EV_SEPARATOR\n", "test.chain:1: EV_SEPARATOR events carry");
	expect_error("k 8 f type=EV_IPL\n", "test.chain:1: EV_IPL events in PCR 8 carry");
	expect_error("k 4 f type=EV_NO_ACTION\n", "test.chain:1: EV_NO_ACTION events are not");
}

static void test_rejects_loose_fields(void **state)
{
	(void)state;
	expect_error("k \" 4\" f\n", "test.chain:1: PCR \" 4\" is not a number");
	expect_error("k +4 f\n", "test.chain:1: PCR \"+4\" is not a number");
	expect_error("k 4 \"\"\n", "test.chain:1: an empty file name");
	expect_error("k 4 \"abc\"def\n", "test.chain:1: a blank must follow a closing quote");
}

static void test_rejects_unterminated_quotes(void **state)
{
	(void)state;
	expect_error("k 4 \"abc\n", "test.chain:1: a quoted field without its closing quote");
	expect_error("k 4 \"abc\\\"\n", "test.chain:1: a quoted field without its closing quote");
	expect_error("a 1 x\n\"k 4 abc\n", "test.chain:2: a quoted field without");
	/* a quote does not continue onto the next line */
	expect_error("k 4 \"ab\nc\" raw\n", "test.chain:1: a quoted field without");
}

static void test_rejects_nul_bytes(void **state)
{
	(void)state;
	static const char nul[] = "a 1 x\nb 2 y\0z\n";
	expect_error_n(nul, sizeof(nul) - 1, "test.chain:2: a NUL byte: not a text file");
	static const char in_comment[] = "a 1 x # \0\n";
	expect_error_n(in_comment, sizeof(in_comment) - 1, "test.chain:1: a NUL byte");
	static const char at_end[] = "a 1 x\n\0";
	expect_error_n(at_end, sizeof(at_end) - 1, "test.chain:2: a NUL byte");
}

static void test_rejects_control_characters(void **state)
{
	(void)state;
	expect_error("k 4 f\x01x\n", "test.chain:1: a control character in a field");
	expect_error("k 4 \"tab\there\"\n", "test.chain:1: a control character in a field");
	expect_error("k 4 f\rx\n", "test.chain:1: a control character in a field");
	expect_error("k 4 f\x1b[31m\n", "test.chain:1: a control character");
	expect_error("a 1 x\nk\x7f\x01 4 f\n", "test.chain:2: a control character");
	/* a CR alone at the end of a line is a line ending, two are not */
	expect_error("k 4 f\r\r\n", "test.chain:1: a control character");
}

static void test_rejects_more_than_six_fields(void **state)
{
	(void)state;
	expect_error("k 4 f raw type=EV_IPL extra\n", "test.chain:1: more than 5 fields");
	expect_error("k 4 f a b c d\n", "test.chain:1: more than 5 fields");
}

static void test_rejects_bad_layer_names(void **state)
{
	(void)state;
	expect_error("my/layer 1 x\n",
		     "test.chain:1: layer name \"my/layer\": use letters, digits and ._-+:@");
	expect_error("\"my layer\" 1 x\n", "test.chain:1: layer name \"my layer\"");
	expect_error("\"\" 1 x\n", "test.chain:1: layer name \"\"");
	expect_error("k\"x 1 x\n", "test.chain:1: layer name \"k\"x\"");
	expect_error("caf\xc3\xa9 1 x\n", "test.chain:1: layer name");
	expect_error("a=b 1 x\n", "test.chain:1: layer name \"a=b\"");
}

static void test_rejects_chains_without_layers(void **state)
{
	(void)state;
	expect_error_n("", 0, "test.chain: no layers");
	expect_error("\n\n", "test.chain: no layers");
	expect_error("# nothing but comments\n   # and blanks\n\t\n", "test.chain: no layers");
	bc_chain *chain = NULL;
	bc_error err = {0};
	assert_int_equal(bc_chain_parse("", 0, NULL, NULL, &chain, &err), BC_E_FORMAT);
	assert_string_equal(err.msg, "(chain): no layers");
}

static void test_rejects_fields_of_4096_bytes(void **state)
{
	(void)state;
	char *text = malloc(8192);
	assert_non_null(text);
	strcpy(text, "a 1 ");
	memset(text + 4, 'f', 4096);
	strcpy(text + 4 + 4096, "\n");
	expect_error(text, "test.chain:1: a field longer than 4095 bytes");
	/* quoted, and as the name */
	text[4] = '"';
	memset(text + 5, 'f', 4096);
	strcpy(text + 5 + 4096, "\"\n");
	expect_error(text, "test.chain:1: a field longer than 4095 bytes");
	memset(text, 'n', 5000);
	strcpy(text + 5000, " 1 x\n");
	expect_error(text, "test.chain:1: a field longer than 4095 bytes");
	free(text);
}

static void test_rejects_more_than_1024_layers(void **state)
{
	(void)state;
	size_t size = 1100 * 24;
	char *text = malloc(size);
	assert_non_null(text);
	size_t len = (size_t)snprintf(text, size, "# many\n");
	for (int i = 0; i < 1025; i++)
		len += (size_t)snprintf(text + len, size - len, "l%d %d f\n", i, i % 24);
	expect_error(text, "test.chain:1026: more than 1024 layers");
	free(text);
}

/* ---- files ---- */

static void test_load_resolves_against_the_chain_directory(void **state)
{
	(void)state;
	const char *base = getenv("TMPDIR");
	char dir[512], path[600];
	snprintf(dir, sizeof(dir), "%s/bc-chain-XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/boot.chain", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("kernel 9 vmlinuz\nshim 4 /boot/shim.efi pe\n", f);
	assert_int_equal(fclose(f), 0);

	bc_chain *c = NULL;
	bc_error err = {0};
	assert_int_equal(bc_chain_load(path, &c, &err), BC_OK);
	char want[700];
	snprintf(want, sizeof(want), "%s/vmlinuz", dir);
	assert_string_equal(c->layers[0].path, want);
	assert_string_equal(c->layers[1].path, "/boot/shim.efi");
	assert_string_equal(c->name, path);
	bc_chain_free(c);
	c = NULL;

	/* errors name the file as given */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("kernel 9 vmlinuz\nbad\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(bc_chain_load(path, &c, &err), BC_E_FORMAT);
	char prefix[700];
	snprintf(prefix, sizeof(prefix), "%s:2: ", path);
	assert_true(strncmp(err.msg, prefix, strlen(prefix)) == 0);

	/* larger than 1 MiB */
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < (1 << 20) / 8 + 1; i++)
		fputs("#234567\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(bc_chain_load(path, &c, &err), BC_E_LIMIT);
	assert_null(c);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(bc_chain_load(path, &c, &err), BC_E_IO);
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(rmdir(dir), 0);
	bc_chain_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fields_of_each_layer),
	    cmocka_unit_test(test_options_in_any_order),
	    cmocka_unit_test(test_layer_name_characters),
	    cmocka_unit_test(test_comments_and_blank_lines),
	    cmocka_unit_test(test_crlf_line_endings),
	    cmocka_unit_test(test_quoted_fields),
	    cmocka_unit_test(test_relative_paths_resolve_against_base_dir),
	    cmocka_unit_test(test_limits_that_are_allowed),
	    cmocka_unit_test(test_rejects_too_few_fields),
	    cmocka_unit_test(test_rejects_bad_pcrs),
	    cmocka_unit_test(test_rejects_unknown_kinds_and_types),
	    cmocka_unit_test(test_rejects_loose_fields),
	    cmocka_unit_test(test_rejects_unterminated_quotes),
	    cmocka_unit_test(test_rejects_nul_bytes),
	    cmocka_unit_test(test_rejects_control_characters),
	    cmocka_unit_test(test_rejects_more_than_six_fields),
	    cmocka_unit_test(test_rejects_bad_layer_names),
	    cmocka_unit_test(test_rejects_chains_without_layers),
	    cmocka_unit_test(test_rejects_fields_of_4096_bytes),
	    cmocka_unit_test(test_rejects_more_than_1024_layers),
	    cmocka_unit_test(test_load_resolves_against_the_chain_directory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
