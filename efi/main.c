/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootchain.efi (bootchain-efi(7)): a UEFI stage that checks the next layers of the boot
 * against the golden values embedded in its own image, extends and logs them through
 * the firmware's EFI_TCG2_PROTOCOL, and starts them only when they pass (trusted mode).
 * The decisions are the freestanding core's (freestanding/stage.c); this file reads the
 * embedded chain and carries out a halt.
 */
#include "platform.h"

#ifndef BC_EFI_VERSION
#error "BC_EFI_VERSION: the build passes the package version"
#endif

/*
 * The embedded chain (bootchain-bcchain(5); bootchain golden embed writes it).
 * Built as zeros with file data of its full size, so that embed can fill it in place
 * in the PE image and Secure Boot's signature over the image covers it: the stage reads
 * it from memory, the very bytes the firmware verified.
 */
__attribute__((section(BC_CORE_CHAIN_SECTION), used,
	       aligned(4096))) static const uint8_t chain_section[BC_CORE_CHAIN_SPACE] = {0};

/* a section that holds no chain has no halt settings of its own: wait, then reset */
#define UNPARSED_TIMEOUT 10
#define UNPARSED_ON_HALT BC_CORE_HALT_RESET
#define SECOND		 1000000 /* Stall's microseconds */
#define LINE_MAX	 (BC_CORE_MSG_MAX + 128)

/* large for the firmware's stack (which may be 128 KiB), so static */
static bc_efi efi;
static bc_core_platform platform;
static bc_core_chain chain;
static bc_core_run run;

BC_CORE_PRINTF(1, 2)
static void say(const char *fmt, ...)
{
	char line[LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	bc_core_vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	bc_efi_print(&efi, line);
}

/* The section as the loader placed it. Its bytes are written after the build: the
 * compiler must not take the zeros of the initialiser as its value. */
static const uint8_t *embedded_chain(void)
{
	const uint8_t *p = chain_section;
	__asm__("" : "+r"(p));
	return p;
}

__attribute__((noreturn)) static void stay_halted(void)
{
	for (;;)
		efi.st->BootServices->Stall(SECOND);
}

static void countdown(const char *what, uint32_t seconds)
{
	char line[80];
	for (uint32_t left = seconds; left > 0; left--) {
		bc_core_format(line, sizeof(line), "\rbootchain: %s in %u s ", what, left);
		bc_efi_print_raw(&efi, line);
		efi.st->BootServices->Stall(SECOND);
	}
	bc_efi_print_raw(&efi, "\r\n");
}

/* Fail closed: nothing more starts. After timeout seconds, on_halt resets the machine,
 * powers it off, or leaves it halted with the message on the screen. */
__attribute__((noreturn)) static void halt(const char *why, uint32_t timeout,
					   bc_core_on_halt on_halt)
{
	/* the boot manager's 5-minute watchdog would reset a machine meant to stay halted
	 * or to wait longer */
	efi.st->BootServices->SetWatchdogTimer(0, 0, 0, NULL);
	say("bootchain: boot halted: %s", why);
	if (on_halt != BC_CORE_HALT_RESET && on_halt != BC_CORE_HALT_POWEROFF) {
		say("bootchain: the machine stays halted: nothing more is started");
		stay_halted();
	}
	const char *what = on_halt == BC_CORE_HALT_RESET ? "resetting" : "powering off";
	countdown(what, timeout);
	say("bootchain: %s now", what);
	efi.st->RuntimeServices->ResetSystem(
	    on_halt == BC_CORE_HALT_RESET ? EfiResetCold : EfiResetShutdown, EFI_SUCCESS, 0, NULL);
	/* ResetSystem does not return; should a firmware's do, stay halted all the same */
	stay_halted();
}

/* gnu-efi's crt0 relocates the image and calls this with the System V ABI: no EFIAPI */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	bc_core_error err = {0};
	bc_core_status s;
	bool trusted;
	bc_efi_platform_init(&efi, image, st, &platform);
	say("bootchain stage " BC_EFI_VERSION);
	if (bc_core_chain_parse(embedded_chain(), BC_CORE_CHAIN_SPACE, &chain, &err) !=
	    BC_CORE_OK) {
		char why[LINE_MAX];
		bc_core_format(why, sizeof(why),
			       "the embedded chain (section " BC_CORE_CHAIN_SECTION "): %s",
			       err.msg);
		halt(why, UNPARSED_TIMEOUT, UNPARSED_ON_HALT);
	}
	trusted = chain.flags & BC_CORE_CHAIN_TRUSTED;
	say("bootchain: %s mode, %zu layer%s, TPM %s", trusted ? "trusted" : "measured",
	    chain.count, chain.count == 1 ? "" : "s",
	    efi.tcg2 ? "EFI_TCG2_PROTOCOL" : "none found");
	s = bc_core_stage_run(&platform, &chain, &run, &err);
	if (s == BC_CORE_OK)
		return EFI_SUCCESS;
	/* any error of a trusted chain halts, also one before a layer was run */
	if (trusted || run.halted)
		halt(err.msg, chain.timeout, chain.on_halt);
	/* measured mode: the core printed each error and went on */
	say("bootchain: measured mode: returning to the firmware after: %s", err.msg);
	return EFI_ABORTED;
}
