# SPDX-License-Identifier: BSD-3-Clause
# Real boots for the tests of bootchain.efi (tests/integration/efi): OVMF (EDK2) under
# QEMU without KVM (TCG: 10 to 40 s a boot on 2 cores), swtpm as the TPM on a unix
# socket, an ESP image (a FAT file system, no partition table: OVMF boots it as a
# removable disk), and a unified kernel image (systemd-stub + the Debian kernel that
# scripts/deps caches + a busybox initrd whose /init prints the firmware's event log
# and the PCRs the kernel reads from the TPM, then powers off).
# Source it after common.sh. Nothing here reaches the network.
#
# The boots need a build configured with --enable-efi, and are slow, so they run only
# when BC_EFI_BOOT_TESTS=1 too (scripts/test sets it for one build); otherwise every
# boot test skips (exit 77). Asked for, anything missing is an error (exit 99): CI must
# run them.

OVMF_DIR=${OVMF_DIR:-/usr/share/OVMF}
OVMF_SNAKEOIL_KEY=/usr/share/ovmf/PkKek-1-snakeoil.key # passphrase "snakeoil"
OVMF_SNAKEOIL_CERT=/usr/share/ovmf/PkKek-1-snakeoil.pem
BC_KERNEL=${BC_KERNEL:-/var/cache/bootchain/vmlinuz}
UKI_STUB=${UKI_STUB:-/usr/lib/systemd/boot/efi/linuxx64.efi.stub}
# a hung boot ends here; a good one takes 10 to 40 s, also beside other tests
OVMF_BOOT_TIMEOUT=${OVMF_BOOT_TIMEOUT:-180}
OVMF_SWTPM_PID_FILE=

# Exit 77 (skip) or, when the boots are required, 99, with the reason.
ovmf_unavailable() { # reason
	if [ "${BC_EFI_BOOT_TESTS:-0}" = 1 ]; then
		echo "ERROR: BC_EFI_BOOT_TESTS=1 but $1" >&2
		exit 99
	fi
	echo "SKIP: $1" >&2
	exit 77
}

# Skip unless the boots are asked for and everything they need is here: the stage of
# this build (configured with --enable-efi; STAGE names it), QEMU, OVMF, swtpm, the
# Debian kernel, systemd-stub.
ovmf_require() {
	# the test environment names the stage of this build; empty without --enable-efi, a
	# build that has nothing to boot, whatever BC_EFI_BOOT_TESTS says
	STAGE=${BOOTCHAIN_EFI:-}
	[ -n "$STAGE" ] ||
		{ echo "SKIP: this build has no EFI stage: configure with --enable-efi" >&2; exit 77; }
	[ "${BC_EFI_BOOT_TESTS:-0}" = 1 ] ||
		{ echo "SKIP: boots under QEMU are slow: run with BC_EFI_BOOT_TESTS=1" >&2; exit 77; }
	[ -f "$STAGE" ] || { echo "ERROR: no $STAGE in a build with --enable-efi" >&2; exit 99; }
	local tool
	for tool in qemu-system-x86_64 swtpm mkfs.vfat mmd mcopy objcopy cpio gzip pesign \
		sbsign sbverify openssl jq perl timeout; do
		command -v "$tool" >/dev/null || ovmf_unavailable "$tool not found: run scripts/deps as root"
	done
	local f
	for f in "$OVMF_DIR/OVMF_CODE_4M.fd" "$OVMF_DIR/OVMF_VARS_4M.fd" \
		"$OVMF_DIR/OVMF_CODE_4M.snakeoil.fd" "$OVMF_DIR/OVMF_VARS_4M.snakeoil.fd" \
		"$OVMF_SNAKEOIL_KEY" "$OVMF_SNAKEOIL_CERT" /bin/busybox "$UKI_STUB"; do
		[ -f "$f" ] || ovmf_unavailable "$f not found (ovmf, busybox-static, systemd-boot-efi): run scripts/deps as root"
	done
	[ -f "$BC_KERNEL" ] || ovmf_unavailable "no Debian kernel at $BC_KERNEL: run scripts/deps as root"
}

# A gzipped newc cpio: busybox, and an /init that prints the firmware event log in
# base64 between markers and every PCR of every bank the kernel shows, then powers off.
ovmf_build_initrd() { # out
	local root="$TEST_TMP/initrd-root"
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
	cp /bin/busybox "$root/bin/"
	cat >"$root/init" <<-'INIT'
		#!/bin/busybox sh
		/bin/busybox --install -s /bin
		mount -t proc proc /proc
		mount -t sysfs sys /sys
		mount -t securityfs securityfs /sys/kernel/security
		# no kernel message in the middle of the log on the console
		dmesg -n 1
		echo "=== BOOTCHAIN-GUEST-STARTED"
		echo "=== BEGIN-EVENTLOG"
		base64 /sys/kernel/security/tpm0/binary_bios_measurements
		echo "=== END-EVENTLOG"
		for b in sha1 sha256 sha384 sha512; do
			for i in $(seq 0 23); do
				f=/sys/class/tpm/tpm0/pcr-$b/$i
				[ -r $f ] && echo "PCR $b $i $(cat $f)"
			done
		done
		echo "=== END-PCRS"
		poweroff -f
	INIT
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) >"$1" ||
		fail "could not build the initrd $1"
}

# A unified kernel image, as ukify and objcopy-based scripts make one: systemd-stub with
# .osrel, .cmdline, .linux and .initrd sections.
ovmf_build_uki() { # out
	local d="$TEST_TMP/uki-parts"
	mkdir -p "$d"
	ovmf_build_initrd "$d/initrd.gz"
	printf 'console=ttyS0 quiet panic=-1' >"$d/cmdline.txt"
	printf 'ID=bootchain-test\nNAME="bootchain test"\n' >"$d/osrel.txt"
	objcopy \
		--add-section .osrel="$d/osrel.txt" --change-section-vma .osrel=0x20000 \
		--add-section .cmdline="$d/cmdline.txt" --change-section-vma .cmdline=0x30000 \
		--add-section .linux="$BC_KERNEL" --change-section-vma .linux=0x2000000 \
		--add-section .initrd="$d/initrd.gz" --change-section-vma .initrd=0x3000000 \
		"$UKI_STUB" "$1" || fail "objcopy could not build the UKI $1"
}

# The file offset of a section of a PE image (objdump -h: name ... File off).
pe_section_offset() { # image section
	local off
	off=$(objdump -h "$1" | awk -v s="$2" '$2 == s { print $6; exit }')
	[ -n "$off" ] || fail "$1 has no section $2"
	echo $((16#$off))
}

# The Authenticode digest pesign computes (independent of bootchain).
pesign_digest() { # alg image
	local h
	h=$(pesign -d "$1" -h -i "$2" | sed -n 's/^hash: \([0-9a-f]*\)$/\1/p')
	[ -n "$h" ] || fail "pesign -d $1 -h $2 printed no hash"
	echo "$h"
}

# A private key without passphrase from OVMF's snakeoil key, for sbsign.
ovmf_sign() { # in out
	local key="$TEST_TMP/snakeoil.key"
	[ -f "$key" ] || openssl rsa -in "$OVMF_SNAKEOIL_KEY" -passin pass:snakeoil -out "$key" \
		2>/dev/null || fail "could not read $OVMF_SNAKEOIL_KEY"
	sbsign --key "$key" --cert "$OVMF_SNAKEOIL_CERT" --output "$2" "$1" >/dev/null 2>&1 ||
		fail "sbsign $1 failed"
}

# An ESP image: BOOTX64 at \EFI\BOOT\BOOTX64.EFI, the UKI (if given) at
# \EFI\Linux\uki.efi.
ovmf_make_esp() { # esp bootx64 [uki]
	rm -f "$1"
	mkfs.vfat -C "$1" 65536 >/dev/null || fail "mkfs.vfat $1 failed"
	mmd -i "$1" ::/EFI ::/EFI/BOOT ::/EFI/Linux || fail "mmd $1 failed"
	mcopy -i "$1" "$2" ::/EFI/BOOT/BOOTX64.EFI || fail "mcopy $2 to $1 failed"
	[ -z "${3:-}" ] || mcopy -i "$1" "$3" ::/EFI/Linux/uki.efi || fail "mcopy $3 to $1 failed"
}

ovmf_stop_swtpm() {
	stop_swtpm_of "$OVMF_SWTPM_PID_FILE"
	OVMF_SWTPM_PID_FILE=
}

# A fresh TPM for one boot, on a unix socket in dir (QEMU's tpm-emulator backend).
ovmf_start_swtpm() { # dir
	mkdir -p "$1/state"
	swtpm socket --tpm2 --tpmstate dir="$1/state" --ctrl type=unixio,path="$1/swtpm.sock" \
		--pid file="$1/swtpm.pid" --log file="$1/swtpm.log" --daemon ||
		fail "swtpm did not start in $1"
	OVMF_SWTPM_PID_FILE="$1/swtpm.pid"
	for _ in $(seq 50); do
		[ -S "$1/swtpm.sock" ] && return 0
		sleep 0.1
	done
	fail "swtpm made no socket $1/swtpm.sock"
}
# a test stopped during a boot (make's timeout, ^C) stops QEMU too
OVMF_QEMU_PID=
ovmf_cleanup() {
	[ -z "$OVMF_QEMU_PID" ] || kill "$OVMF_QEMU_PID" 2>/dev/null || true
	ovmf_stop_swtpm
	cleanup
}
trap ovmf_cleanup EXIT

# Boot an ESP; mode plain (OVMF_CODE_4M, no Secure Boot) or secureboot (the snakeoil
# firmware and variables: Secure Boot enforced, OVMF's snakeoil certificate in db).
# STOP, an extended regular expression: when a console line matches it, QEMU is stopped
# a moment later; so it is when BOOTX64.EFI is refused or returns (the firmware's next
# boot options wait for a key), or the firmware crashes (a CPU exception: the test fails).
# Leaves in dir: console.log (the serial console, CRs removed), qemu.log (QEMU's trace
# of shutdown requests), eventlog.bin and pcrs.txt ("PCR BANK N HEX", lower case) when
# the guest printed them. Sets BOOT_SECONDS, BOOT_STATUS (QEMU's) and BOOT_STOPPED (1
# when STOP stopped it).
ovmf_boot() { # dir esp mode [stop]
	local dir=$1 esp=$2 code vars start pid
	# BOOTX64.EFI was refused or returned: the firmware goes on to its next boot option
	# (the EFI shell, which waits), then to its menu (which waits too)
	local stop='BdsDxe: loading Boot0002|BdsDxe: No bootable option or device was found'
	[ -z "${4:-}" ] || stop="$stop|$4"
	case $3 in
	plain) code=$OVMF_DIR/OVMF_CODE_4M.fd vars=$OVMF_DIR/OVMF_VARS_4M.fd ;;
	secureboot) code=$OVMF_DIR/OVMF_CODE_4M.snakeoil.fd vars=$OVMF_DIR/OVMF_VARS_4M.snakeoil.fd ;;
	*) fail "ovmf_boot: unknown mode $3" ;;
	esac
	mkdir -p "$dir"
	cp "$vars" "$dir/vars.fd"
	ovmf_start_swtpm "$dir/tpm"
	: >"$dir/console.raw"
	start=$(date +%s)
	# -no-reboot: a reset ends QEMU as a power-off does; the trace tells them apart
	# (qemu_system_shutdown_request is the power-off, a reset has no such line)
	timeout "$OVMF_BOOT_TIMEOUT" qemu-system-x86_64 -machine q35,accel=tcg -cpu max -m 1024 \
		-smp 1 -nographic -no-reboot -nodefaults -serial stdio \
		-drive if=pflash,format=raw,unit=0,readonly=on,file="$code" \
		-drive if=pflash,format=raw,unit=1,file="$dir/vars.fd" \
		-chardev socket,id=chrtpm,path="$dir/tpm/swtpm.sock" \
		-tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0 \
		-drive if=virtio,format=raw,file="$esp" \
		-d trace:qemu_system_shutdown_request -D "$dir/qemu.log" \
		</dev/null >"$dir/console.raw" 2>"$dir/qemu.err" &
	pid=$!
	OVMF_QEMU_PID=$pid
	BOOT_STOPPED=0
	local crashed=0
	while kill -0 "$pid" 2>/dev/null; do
		# OVMF prints a CPU exception and then loops for ever
		if grep -q '!!!! X64 Exception' "$dir/console.raw"; then
			crashed=1
		elif tr -d '\r' <"$dir/console.raw" | grep -Eq "$stop"; then
			BOOT_STOPPED=1
		else
			sleep 0.5
			continue
		fi
		sleep 1
		kill "$pid" 2>/dev/null || true
		break
	done
	BOOT_STATUS=0
	wait "$pid" || BOOT_STATUS=$?
	OVMF_QEMU_PID=
	BOOT_SECONDS=$(($(date +%s) - start))
	ovmf_stop_swtpm
	tr -d '\r' <"$dir/console.raw" >"$dir/console.log"
	[ "$crashed" = 0 ] ||
		fail "the boot of $esp crashed after $BOOT_SECONDS s: $(grep -A3 -B3 '!!!! X64 Exception' "$dir/console.log")"
	[ "$BOOT_STATUS" != 124 ] ||
		fail "the boot of $esp did not end in $OVMF_BOOT_TIMEOUT s; console: $(tail -c 2000 "$dir/console.log")"
	sed -n '/^=== BEGIN-EVENTLOG$/,/^=== END-EVENTLOG$/p' "$dir/console.log" |
		grep -E '^[A-Za-z0-9+/=]+$' | base64 -d >"$dir/eventlog.bin" 2>/dev/null ||
		rm -f "$dir/eventlog.bin"
	grep '^PCR ' "$dir/console.log" | awk '{ print $1, $2, $3, tolower($4) }' >"$dir/pcrs.txt" || true
	echo "boot of $esp ($3): $BOOT_SECONDS s, QEMU exited $BOOT_STATUS"
}

# The console as one line of text, without escape sequences and line breaks: a long
# message wraps at the firmware console's width.
ovmf_console_text() { # dir
	sed 's/\x1b\[[0-9;=?]*[A-Za-z]//g' "$1/console.log" | tr -d '\n'
}

# The guest ran the initrd's /init: its markers are on the console, in full.
ovmf_guest_started() { # dir
	grep -qx '=== BOOTCHAIN-GUEST-STARTED' "$1/console.log" &&
		grep -qx '=== END-PCRS' "$1/console.log"
}

# The guest powered off (an ACPI or EFI ResetSystem power-off), not a reset or a crash.
ovmf_powered_off() { # dir
	grep -q 'qemu_system_shutdown_request' "$1/qemu.log" 2>/dev/null
}

# "bank pcr hex" lines, sorted, of the PCRs the guest printed.
ovmf_guest_pcrs() { # dir
	awk '{ print $2, $3, $4 }' "$1/pcrs.txt" | sort
}

# The files of a boot in tree: the UKI at TREE/EFI/Linux/uki.efi (UKI names it), signed
# with OVMF's snakeoil key when asked (before the golden database is made: the
# signature pads the image, which changes its Authenticode digest), the chain that boots
# it (CHAIN: PCR 4, Authenticode) and the golden database made from them (GOLDEN).
ovmf_setup_chain() { # tree [signed]
	UKI=$1/EFI/Linux/uki.efi
	CHAIN=$1/boot.chain
	GOLDEN=$1/golden.json
	mkdir -p "$1/EFI/Linux"
	ovmf_build_uki "$UKI"
	if [ "${2:-}" = signed ]; then
		ovmf_sign "$UKI" "$UKI.signed"
		mv "$UKI.signed" "$UKI"
	fi
	printf 'uki 4 EFI/Linux/uki.efi pe\n' >"$CHAIN"
	expect_exit 0 "$BOOTCHAIN" golden create --out "$GOLDEN" --chain "$CHAIN"
}

# This build's stage with CHAIN and GOLDEN embedded, into out.
ovmf_embed() { # out [golden embed options...]
	local out=$1
	shift
	expect_exit 0 "$BOOTCHAIN" golden embed --stage "$STAGE" --chain "$CHAIN" \
		--golden "$GOLDEN" --out "$out" "$@"
}

# The events of a log, as `bootchain log show --json` gives them, whose tagged text is
# text: a JSON array.
ovmf_tagged_events() { # log text
	"$BOOTCHAIN" log show --json "$1" |
		jq --arg t "$2" '[.events[] | select(.data.tagged_event_text? == $t)]'
}

# The guest's PCR values equal the replay of its firmware log, in every bank and PCR
# the log extends (the kernel's own IMA extends PCR 10 outside the firmware log).
ovmf_check_replay() { # dir
	local replayed
	"$BOOTCHAIN" log replay --json "$1/eventlog.bin" | json_pcrs >"$1/replay.txt" ||
		fail "bootchain log replay $1/eventlog.bin failed"
	ovmf_guest_pcrs "$1" >"$1/guest.txt"
	replayed=$(wc -l <"$1/replay.txt")
	[ "$replayed" -ge 8 ] || fail "the replay of $1/eventlog.bin gives only $replayed values"
	grep -q '^sha256 4 ' "$1/replay.txt" || fail "the replay of $1/eventlog.bin has no sha256 PCR 4"
	comm -23 "$1/replay.txt" "$1/guest.txt" >"$1/differ.txt"
	[ ! -s "$1/differ.txt" ] ||
		fail "the replay differs from the guest's PCRs: $(cat "$1/differ.txt"); guest: $(awk 'NR == FNR { k[$1 " " $2]; next } ($1 " " $2) in k' "$1/differ.txt" "$1/guest.txt")"
	echo "replay: $replayed PCR values equal the guest's"
}

# The firmware log of a boot holds the stage's event for the UKI: exactly one, in PCR 4,
# an EV_EVENT_TAG, its digests those of the UKI's Authenticode hash as pesign computes
# it (sha1 and sha256: what pesign knows), before any event of systemd-stub (PCR 11):
# measured before the UKI ran.
ovmf_check_stage_event() { # dir
	local text='layer=uki kind=pe file=\EFI\Linux\uki.efi' events alg want got stage_at stub_at
	events=$(ovmf_tagged_events "$1/eventlog.bin" "$text")
	assert_eq 1 "$(jq length <<<"$events")" "events tagged '$text' in the firmware log"
	assert_eq 4 "$(jq '.[0].pcr' <<<"$events")" "the PCR of the stage's event"
	assert_eq EV_EVENT_TAG "$(jq -r '.[0].type' <<<"$events")" "the type of the stage's event"
	for alg in sha256 sha1; do
		want=$(pesign_digest "$alg" "$UKI")
		got=$(jq -r --arg a "$alg" '.[0].digests[$a] // empty' <<<"$events")
		[ -n "$got" ] || fail "the stage's event has no $alg digest: $events"
		assert_eq "$want" "$got" "the $alg digest of the stage's event (pesign -h of the UKI)"
		echo "stage's event, $alg: $got (pesign: $want)"
	done
	stage_at=$(jq '.[0].number' <<<"$events")
	stub_at=$("$BOOTCHAIN" log show --json "$1/eventlog.bin" |
		jq '[.events[] | select(.pcr == 11)][0].number // empty')
	[ -n "$stub_at" ] || fail "no event of systemd-stub (PCR 11) in the firmware log"
	[ "$stage_at" -lt "$stub_at" ] ||
		fail "the stage's event ($stage_at) comes after systemd-stub's ($stub_at)"
}
