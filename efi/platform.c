/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UEFI platform of the core: every call goes straight to the boot services (built
 * with GNU_EFI_USE_MS_ABI, so the firmware's function pointers are called directly);
 * nothing of gnu-efi's libefi is needed.
 */
#include "platform.h"

/* a file of the chain, as CHAR16 with a leading '\' and the NUL */
#define PATH16_MAX (BC_CORE_FILE_MAX + 2)
/* what one Read asks for: some firmware file systems fail far larger reads */
#define READ_CHUNK ((UINTN)16 << 20)
/* a device path longer than this is not one a firmware made */
#define DEVICE_PATH_MAX	     4096
#define DEVICE_PATH_END_SIZE 4

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID file_system_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID file_info_guid = EFI_FILE_INFO_ID;
static EFI_GUID device_path_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;
static EFI_GUID tcg2_guid = BC_EFI_TCG2_PROTOCOL_GUID;

static EFI_BOOT_SERVICES *boot_services(const bc_efi *efi)
{
	return efi->st->BootServices;
}

/* ---- memory ---- */

static void *efi_alloc(void *ctx, size_t size)
{
	bc_efi *efi = ctx;
	void *p = NULL;
	/* a zero-size pool is not portable across firmwares */
	if (boot_services(efi)->AllocatePool(EfiLoaderData, size ? size : 1, &p) != EFI_SUCCESS)
		return NULL;
	return p;
}

static void efi_free(void *ctx, void *p)
{
	bc_efi *efi = ctx;
	if (p)
		boot_services(efi)->FreePool(p);
}

/* ---- the console ---- */

/* Text in chunks of CHAR16; controls other than line endings (when allowed) become '?',
 * so that no text from a file name can drive the console. */
static void put_text(bc_efi *efi, const char *text, bool allow_line_ends)
{
	SIMPLE_TEXT_OUTPUT_INTERFACE *out = efi->st->ConOut;
	CHAR16 chunk[128];
	size_t n = 0;
	UINT32 c;
	if (!out)
		return;
	while ((c = bc_efi_utf8_next(&text)) != 0) {
		if (c > 0xffff)
			c = 0xfffd;
		else if ((c < 0x20 && !(allow_line_ends && (c == '\r' || c == '\n'))) || c == 0x7f)
			c = '?';
		chunk[n++] = (CHAR16)c;
		if (n == sizeof(chunk) / sizeof(chunk[0]) - 1) {
			chunk[n] = 0;
			out->OutputString(out, chunk);
			n = 0;
		}
	}
	chunk[n] = 0;
	if (n > 0)
		out->OutputString(out, chunk);
}

void bc_efi_print(bc_efi *efi, const char *line)
{
	put_text(efi, line, false);
	if (efi->st->ConOut)
		efi->st->ConOut->OutputString(efi->st->ConOut, (CHAR16 *)L"\r\n");
}

void bc_efi_print_raw(bc_efi *efi, const char *text)
{
	put_text(efi, text, true);
}

static void efi_print(void *ctx, const char *line)
{
	bc_efi_print(ctx, line);
}

/* ---- files on the stage's own volume ---- */

static bc_core_status efi_fail(bc_core_error *err, bc_core_status s, const char *path,
			       const char *what, EFI_STATUS status)
{
	char text[BC_EFI_STATUS_TEXT_MAX];
	bc_efi_status_text(status, text);
	return bc_core_fail(err, s, "%s: %s: %s", path, what, text);
}

static bc_core_status open_root(bc_efi *efi, const char *path, bc_core_error *err)
{
	EFI_FILE_IO_INTERFACE *fs = NULL;
	EFI_STATUS status;
	if (efi->root)
		return BC_CORE_OK;
	if (!efi->device)
		return efi_fail(err, BC_CORE_E_IO, path,
				"the stage's own EFI_LOADED_IMAGE_PROTOCOL names no volume",
				efi->device_status);
	status = boot_services(efi)->HandleProtocol(efi->device, &file_system_guid, (void **)&fs);
	if (EFI_ERROR(status))
		return efi_fail(err, BC_CORE_E_IO, path,
				"the stage's volume has no EFI_SIMPLE_FILE_SYSTEM_PROTOCOL",
				status);
	status = fs->OpenVolume(fs, &efi->root);
	if (EFI_ERROR(status)) {
		efi->root = NULL;
		return efi_fail(err, BC_CORE_E_IO, path, "cannot open the stage's volume", status);
	}
	return BC_CORE_OK;
}

/* The chain's path as the file system wants it: CHAR16, from the root, '\' separated
 * ('/' is taken as '\' too). */
static bc_core_status path_to_ucs2(const char *path, CHAR16 *out, bc_core_error *err)
{
	long n;
	out[0] = '\\';
	n = bc_efi_utf8_to_ucs2(path[0] == '\\' || path[0] == '/' ? path + 1 : path, out + 1,
				PATH16_MAX - 1);
	if (n < 0)
		return bc_core_fail(err, BC_CORE_E_LIMIT, "%s: the path is longer than %d bytes",
				    path, BC_CORE_FILE_MAX);
	for (long i = 1; i <= n; i++)
		if (out[i] == '/')
			out[i] = '\\';
	return BC_CORE_OK;
}

/* The size of an open file, from its EFI_FILE_INFO. */
static bc_core_status file_size(bc_efi *efi, EFI_FILE_HANDLE file, const char *path, UINT64 *size,
				bc_core_error *err)
{
	EFI_FILE_INFO *info = NULL;
	UINTN info_size = 0;
	bc_core_status s = BC_CORE_OK;
	EFI_STATUS status = file->GetInfo(file, &file_info_guid, &info_size, NULL);
	if (status != EFI_BUFFER_TOO_SMALL)
		return efi_fail(err, BC_CORE_E_IO, path, "cannot get its EFI_FILE_INFO",
				EFI_ERROR(status) ? status : EFI_PROTOCOL_ERROR);
	if (!(info = efi_alloc(efi, info_size)))
		return bc_core_fail(err, BC_CORE_E_NOMEM, "%s: no memory for its EFI_FILE_INFO",
				    path);
	status = file->GetInfo(file, &file_info_guid, &info_size, info);
	if (EFI_ERROR(status))
		s = efi_fail(err, BC_CORE_E_IO, path, "cannot get its EFI_FILE_INFO", status);
	else if (info->Attribute & EFI_FILE_DIRECTORY)
		s = bc_core_fail(err, BC_CORE_E_IO, "%s: a directory, not a file", path);
	else if (info->FileSize > BC_CORE_PE_MAX_SIZE)
		s = bc_core_fail(err, BC_CORE_E_LIMIT,
				 "%s: %llu bytes, more than the 4 GiB it reads", path,
				 (unsigned long long)info->FileSize);
	else
		*size = info->FileSize;
	efi_free(efi, info);
	return s;
}

static bc_core_status read_all(EFI_FILE_HANDLE file, const char *path, uint8_t *data, UINT64 size,
			       bc_core_error *err)
{
	UINT64 done = 0;
	while (done < size) {
		UINTN chunk = size - done > READ_CHUNK ? READ_CHUNK : (UINTN)(size - done);
		EFI_STATUS status = file->Read(file, &chunk, data + done);
		if (EFI_ERROR(status))
			return efi_fail(err, BC_CORE_E_IO, path, "cannot read it", status);
		if (chunk == 0)
			return bc_core_fail(err, BC_CORE_E_IO,
					    "%s: ends after %llu of its %llu bytes", path,
					    (unsigned long long)done, (unsigned long long)size);
		done += chunk;
	}
	return BC_CORE_OK;
}

static bc_core_status efi_read_file(void *ctx, const char *path, void **data, size_t *size,
				    bc_core_error *err)
{
	bc_efi *efi = ctx;
	CHAR16 name[PATH16_MAX];
	EFI_FILE_HANDLE file = NULL;
	UINT64 file_bytes = 0;
	uint8_t *buf = NULL;
	EFI_STATUS status;
	bc_core_status s;
	*data = NULL;
	*size = 0;
	if ((s = path_to_ucs2(path, name, err)) != BC_CORE_OK ||
	    (s = open_root(efi, path, err)) != BC_CORE_OK)
		return s;
	status = efi->root->Open(efi->root, &file, name, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(status))
		return efi_fail(err, BC_CORE_E_IO, path, "cannot open it on the stage's volume",
				status);
	if ((s = file_size(efi, file, path, &file_bytes, err)) != BC_CORE_OK)
		goto out;
	if (!(buf = efi_alloc(efi, (size_t)file_bytes))) {
		s = bc_core_fail(err, BC_CORE_E_NOMEM, "%s: no memory for its %llu bytes", path,
				 (unsigned long long)file_bytes);
		goto out;
	}
	if ((s = read_all(file, path, buf, file_bytes, err)) != BC_CORE_OK)
		goto out;
	*data = buf;
	*size = (size_t)file_bytes;
	buf = NULL;
out:
	efi_free(efi, buf);
	file->Close(file);
	return s;
}

/* ---- the TPM: EFI_TCG2_PROTOCOL ---- */

static bc_core_status efi_extend_log(void *ctx, uint32_t pcr, uint32_t event_type,
				     const void *event, size_t event_size, const void *data,
				     size_t data_size, bool pe, bc_core_error *err)
{
	bc_efi *efi = ctx;
	bc_efi_tcg2_event *ev;
	char text[BC_EFI_STATUS_TEXT_MAX];
	EFI_STATUS status;
	if (!efi->tcg2)
		return bc_core_fail(err, BC_CORE_E_PLATFORM,
				    "PCR %u: cannot extend: no TPM (EFI_TCG2_PROTOCOL)", pcr);
	if (event_size > BC_CORE_EVENT_MAX)
		return bc_core_fail(err, BC_CORE_E_LIMIT, "PCR %u: event data of %zu bytes", pcr,
				    event_size);
	if (!(ev = efi_alloc(efi, sizeof(*ev) + event_size)))
		return bc_core_fail(err, BC_CORE_E_NOMEM, "PCR %u: no memory for the event", pcr);
	ev->Size = (UINT32)(sizeof(*ev) + event_size);
	ev->Header.HeaderSize = sizeof(ev->Header);
	ev->Header.HeaderVersion = BC_EFI_TCG2_EVENT_HEADER_VERSION;
	ev->Header.PCRIndex = pcr;
	ev->Header.EventType = event_type;
	bc_core_memcpy(ev->Event, event, event_size);
	status = efi->tcg2->HashLogExtendEvent(efi->tcg2, pe ? BC_EFI_TCG2_PE_COFF_IMAGE : 0,
					       (EFI_PHYSICAL_ADDRESS)(UINTN)data, data_size, ev);
	efi_free(efi, ev);
	if (EFI_ERROR(status)) {
		bc_efi_status_text(status, text);
		return bc_core_fail(err, BC_CORE_E_PLATFORM,
				    "PCR %u: HashLogExtendEvent of an event of type 0x%x: %s", pcr,
				    event_type, text);
	}
	return BC_CORE_OK;
}

/* The banks the core digests for the comparison: the TPM's active ones it has, else
 * SHA-256 (no TPM, or only banks the core does not have). */
static void active_banks(bc_efi *efi, bc_core_platform *p)
{
	static const struct {
		UINT32 bit;
		uint16_t alg;
	} banks[] = {
	    {BC_EFI_TCG2_BOOT_HASH_ALG_SHA1, BC_CORE_ALG_SHA1},
	    {BC_EFI_TCG2_BOOT_HASH_ALG_SHA256, BC_CORE_ALG_SHA256},
	    {BC_EFI_TCG2_BOOT_HASH_ALG_SHA384, BC_CORE_ALG_SHA384},
	};
	UINT32 active = 0;
	p->alg_count = 0;
	if (efi->tcg2 && efi->tcg2->GetActivePcrBanks(efi->tcg2, &active) == EFI_SUCCESS)
		for (size_t i = 0; i < sizeof(banks) / sizeof(banks[0]); i++)
			if (active & banks[i].bit)
				p->algs[p->alg_count++] = banks[i].alg;
	if (p->alg_count == 0)
		p->algs[p->alg_count++] = BC_CORE_ALG_SHA256;
}

/* ---- starting images ---- */

static UINTN node_length(const EFI_DEVICE_PATH *node)
{
	return (UINTN)node->Length[0] | (UINTN)node->Length[1] << 8;
}

/* The bytes of a device path before its end node. */
static bc_core_status device_path_size(const EFI_DEVICE_PATH *dp, const char *path, size_t *size,
				       bc_core_error *err)
{
	const uint8_t *at = (const uint8_t *)dp;
	size_t total = 0;
	for (;;) {
		const EFI_DEVICE_PATH *node = (const EFI_DEVICE_PATH *)(at + total);
		if (node->Type == END_DEVICE_PATH_TYPE &&
		    node->SubType == END_ENTIRE_DEVICE_PATH_SUBTYPE)
			break;
		if (node_length(node) < DEVICE_PATH_END_SIZE ||
		    total + node_length(node) > DEVICE_PATH_MAX)
			return bc_core_fail(err, BC_CORE_E_PLATFORM,
					    "%s: the stage's volume has a malformed device path",
					    path);
		total += node_length(node);
	}
	*size = total;
	return BC_CORE_OK;
}

/* The device path of a file on the stage's volume (gnu-efi's FileDevicePath): the
 * volume's path, a file path node, the end. Freed with efi_free. */
static bc_core_status file_device_path(bc_efi *efi, const char *path, EFI_DEVICE_PATH **out,
				       bc_core_error *err)
{
	EFI_DEVICE_PATH *volume = NULL, *node;
	CHAR16 name[PATH16_MAX];
	size_t volume_size = 0, name_size = 0, node_size;
	uint8_t *dp;
	bc_core_status s;
	EFI_STATUS status;
	if (!efi->device)
		return efi_fail(err, BC_CORE_E_PLATFORM, path,
				"the stage's own EFI_LOADED_IMAGE_PROTOCOL names no volume",
				efi->device_status);
	status =
	    boot_services(efi)->HandleProtocol(efi->device, &device_path_guid, (void **)&volume);
	if (EFI_ERROR(status))
		return efi_fail(err, BC_CORE_E_PLATFORM, path,
				"the stage's volume has no device path", status);
	if ((s = device_path_size(volume, path, &volume_size, err)) != BC_CORE_OK ||
	    (s = path_to_ucs2(path, name, err)) != BC_CORE_OK)
		return s;
	while (name[name_size / sizeof(CHAR16)])
		name_size += sizeof(CHAR16);
	name_size += sizeof(CHAR16);
	node_size = SIZE_OF_FILEPATH_DEVICE_PATH + name_size;
	if (!(dp = efi_alloc(efi, volume_size + node_size + DEVICE_PATH_END_SIZE)))
		return bc_core_fail(err, BC_CORE_E_NOMEM, "%s: no memory for its device path",
				    path);
	bc_core_memcpy(dp, volume, volume_size);
	node = (EFI_DEVICE_PATH *)(dp + volume_size);
	node->Type = MEDIA_DEVICE_PATH;
	node->SubType = MEDIA_FILEPATH_DP;
	node->Length[0] = (UINT8)node_size;
	node->Length[1] = (UINT8)(node_size >> 8);
	bc_core_memcpy(dp + volume_size + SIZE_OF_FILEPATH_DEVICE_PATH, name, name_size);
	node = (EFI_DEVICE_PATH *)(dp + volume_size + node_size);
	node->Type = END_DEVICE_PATH_TYPE;
	node->SubType = END_ENTIRE_DEVICE_PATH_SUBTYPE;
	node->Length[0] = DEVICE_PATH_END_SIZE;
	node->Length[1] = 0;
	*out = (EFI_DEVICE_PATH *)dp;
	return BC_CORE_OK;
}

static bc_core_status efi_start_image(void *ctx, const char *path, const void *image, size_t size,
				      bc_core_error *err)
{
	bc_efi *efi = ctx;
	EFI_BOOT_SERVICES *bs = boot_services(efi);
	EFI_DEVICE_PATH *dp = NULL;
	EFI_HANDLE child = NULL;
	UINTN exit_size = 0;
	CHAR16 *exit_data = NULL;
	EFI_STATUS status;
	bc_core_status s = file_device_path(efi, path, &dp, err);
	if (s != BC_CORE_OK)
		return s;
	/* LoadImage copies the image (and the device path) and, with Secure Boot on,
	 * verifies it against db: the bytes are those the core digested */
	status = bs->LoadImage(FALSE, efi->image, dp, (VOID *)(UINTN)image, size, &child);
	efi_free(efi, dp);
	if (EFI_ERROR(status)) {
		/* a Secure Boot refusal still leaves a loaded image to unload */
		if (child)
			bs->UnloadImage(child);
		return efi_fail(err, BC_CORE_E_PLATFORM, path,
				status == EFI_SECURITY_VIOLATION || status == EFI_ACCESS_DENIED
				    ? "LoadImage refused it (Secure Boot: not allowed by db)"
				    : "LoadImage refused it",
				status);
	}
	status = bs->StartImage(child, &exit_size, &exit_data);
	if (exit_data)
		bs->FreePool(exit_data);
	if (EFI_ERROR(status))
		return efi_fail(err, BC_CORE_E_PLATFORM, path, "it returned from StartImage",
				status);
	return BC_CORE_OK;
}

/* ---- the platform ---- */

void bc_efi_platform_init(bc_efi *efi, EFI_HANDLE image, EFI_SYSTEM_TABLE *st, bc_core_platform *p)
{
	EFI_LOADED_IMAGE *loaded = NULL;
	bc_core_memset(efi, 0, sizeof(*efi));
	bc_core_memset(p, 0, sizeof(*p));
	efi->image = image;
	efi->st = st;
	efi->device_status =
	    boot_services(efi)->HandleProtocol(image, &loaded_image_guid, (void **)&loaded);
	if (!EFI_ERROR(efi->device_status))
		efi->device = loaded->DeviceHandle;
	if (EFI_ERROR(boot_services(efi)->LocateProtocol(&tcg2_guid, NULL, (void **)&efi->tcg2)))
		efi->tcg2 = NULL;
	p->ctx = efi;
	p->alloc = efi_alloc;
	p->free = efi_free;
	p->read_file = efi_read_file;
	p->extend_log = efi_extend_log;
	p->print = efi_print;
	p->start_image = efi_start_image;
	active_banks(efi, p);
}
