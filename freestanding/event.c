/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event data of a layer: one encoder for `bootchain measure` (userspace) and for
 * bootchain.efi, so that both logs read back the same way (`bootchain log show`,
 * golden databases made from logs find the layer by the "layer=NAME" text).
 */
#include <bootchain/core.h>

const uint8_t bc_core_failure_marker[4] = {1, 0, 0, 0};

const char *bc_core_kind_name(bc_core_kind kind)
{
	switch (kind) {
	case BC_CORE_KIND_AUTO: return "auto";
	case BC_CORE_KIND_RAW: return "raw";
	case BC_CORE_KIND_PE: return "pe";
	}
	return 0;
}

/* Appends to a fixed buffer; once something did not fit, nothing more is written.
 * Without data, it only counts. */
typedef struct out_buf {
	uint8_t *data;
	size_t len, max;
	bool failed;
} out_buf;

static void put_bytes(out_buf *b, const void *p, size_t n)
{
	if (b->failed || n > b->max - b->len) {
		b->failed = true;
		return;
	}
	if (b->data)
		bc_core_memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void put_u16(out_buf *b, uint32_t v)
{
	uint8_t le[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	put_bytes(b, le, 2);
}

static void put_u32(out_buf *b, uint32_t v)
{
	uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put_bytes(b, le, 4);
}

static void put_u64(out_buf *b, uint64_t v)
{
	put_u32(b, (uint32_t)v);
	put_u32(b, (uint32_t)(v >> 32));
}

static void put_str(out_buf *b, const char *s)
{
	put_bytes(b, s, bc_core_strlen(s));
}

/* "layer=NAME kind=KIND[ file=FILE]" */
static void layer_text(out_buf *b, const char *name, bc_core_kind kind, const char *file)
{
	const char *kind_name = bc_core_kind_name(kind);
	put_str(b, "layer=");
	put_str(b, name);
	put_str(b, " kind=");
	put_str(b, kind_name ? kind_name : "?");
	if (file) {
		put_str(b, " file=");
		put_str(b, file);
	}
}

/* One code point of UTF-8 at *p (advanced past it); U+FFFD for anything that is not
 * valid UTF-8: overlong forms, surrogates, beyond U+10FFFF, stray continuation bytes. */
static uint32_t next_code_point(const unsigned char **p)
{
	static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
	const unsigned char *s = *p;
	uint32_t c = *s++;
	int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	if ((c >= 0x80 && c < 0xc2) || c > 0xf4) {
		*p = s;
		return 0xfffd;
	}
	if (more)
		c &= 0x3fu >> more;
	for (int i = 0; i < more; i++) {
		if ((*s & 0xc0) != 0x80) {
			*p = s;
			return 0xfffd;
		}
		c = c << 6 | (*s++ & 0x3f);
	}
	*p = s;
	if (c < min[more] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0xfffd;
	return c;
}

/* UTF-16LE of a UTF-8 path, '/' turned into '\', with its NUL. Invalid UTF-8 becomes
 * U+FFFD rather than an error: the path is a label. */
static void put_utf16_path(out_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t c = next_code_point(&p);
		if (c == '/')
			c = '\\';
		if (c > 0xffff) {
			c -= 0x10000;
			put_u16(b, 0xd800 | c >> 10);
			put_u16(b, 0xdc00 | (c & 0x3ff));
		} else {
			put_u16(b, c);
		}
	}
	put_u16(b, 0);
}

/* UEFI_IMAGE_LOAD_EVENT with a device path of one File node, as firmware logs images.
 * An absurdly long name gets an empty File node rather than a failure. */
static void image_load_event(out_buf *b, const char *label, uint64_t size)
{
	static const uint8_t end_of_path[4] = {0x7f, 0xff, 0x04, 0x00};
	out_buf count = {.max = 0xffff - 4};
	put_utf16_path(&count, label);
	size_t node_len = count.failed ? 4 : 4 + count.len;
	uint8_t head[4] = {4, 4, (uint8_t)node_len, (uint8_t)(node_len >> 8)}; /* media, file */
	put_u64(b, 0);	  /* ImageLocationInMemory: not loaded by firmware */
	put_u64(b, size); /* ImageLengthInMemory */
	put_u64(b, 0);	  /* ImageLinkTimeAddress */
	put_u64(b, node_len + sizeof(end_of_path));
	put_bytes(b, head, sizeof(head));
	if (node_len > 4)
		put_utf16_path(b, label);
	put_bytes(b, end_of_path, sizeof(end_of_path));
}

size_t bc_core_layer_event(uint32_t event_type, const char *name, bc_core_kind kind,
			   const char *file, uint64_t image_size, uint8_t *out, size_t max)
{
	out_buf b = {.data = out, .max = max};
	switch (event_type) {
	case 0:
	case BC_CORE_EV_EVENT_TAG: {
		size_t text_at = b.len + 8;
		put_u32(&b, BC_CORE_LAYER_TAG_ID);
		put_u32(&b, 0); /* the text's size, set below */
		layer_text(&b, name, kind, file);
		if (!b.failed) {
			uint32_t n = (uint32_t)(b.len - text_at);
			out_buf size_at = {.data = out + text_at - 4, .max = 4};
			put_u32(&size_at, n);
		}
		break;
	}
	case BC_CORE_EV_EFI_BOOT_SERVICES_APPLICATION:
	case BC_CORE_EV_EFI_BOOT_SERVICES_DRIVER:
	case BC_CORE_EV_EFI_RUNTIME_SERVICES_DRIVER:
		image_load_event(&b, file ? file : name, image_size);
		break;
	default:
		layer_text(&b, name, kind, file);
		put_bytes(&b, "", 1);
		break;
	}
	return b.failed ? 0 : b.len;
}
