#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Boot integration (bootchain-initramfs(7)): `make install` puts the initramfs-tools hook
# and boot script and the dracut module where configure says; real initramfs images are
# built with them, by mkinitramfs and by dracut, from a configuration of the test's own
# (BOOTCHAIN_INITRAMFS_CONF), and unpacked: each holds bootchain, every library it is
# linked with, the TCTI libraries (device, and swtpm which the configuration names), the
# chain, the golden database, its signature and public key, the files of FILES= and the
# boot script. Then the boot script runs in the unpacked image (chroot) against swtpm,
# with panic, reboot, die and emergency_shell stubbed by the test:
# - a matching chain passes: exit 0, no action, PCRs as computed with openssl, a log that
#   `log check` accepts;
# - a changed layer halts: ACTION=panic panics (and then reboots), ACTION=shell gives a
#   shell and goes on, ACTION=record (measured mode) records the new digest and goes on;
# - fail closed: no TPM, or the golden database gone from the image, is a panic too;
# - a layer on the root file system, named relatively in the chain: the database made on
#   the host with `golden create --root` (the test's root tree), the boot script reads it
#   where the root is mounted (rootmnt, NEWROOT: a copy of that tree in the image):
#   passes; changed there: the action;
# - no configuration in the image: nothing measured, said on the console, exit 0;
# - a configuration the hook cannot honour fails mkinitramfs and dracut, naming the key.
# Needs root (chroot, a private mount namespace for mkinitramfs's /boot/config-VERSION).
. "$TESTS_LIB/common.sh"
: "${BUILDDIR:?}"
for tool in mkinitramfs unmkinitramfs dracut cpio unshare chroot tpm2_pcrreset; do
	command -v "$tool" >/dev/null ||
		{ echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
[ "$(id -u)" = 0 ] || { echo "SKIP: building and entering an initramfs needs root" >&2; exit 77; }
unshare -m true 2>/dev/null || { echo "SKIP: no mount namespaces here (unshare -m)" >&2; exit 77; }
KVER=0.0.0-bootchain-test
cd "$TEST_TMP"

# chroot into an unpacked image with /proc mounted, as the image's init has it (a
# sanitized build's bootchain needs /proc/self), in a mount namespace of its own so that
# nothing stays mounted
# (a command, so that env can run it: image_chroot ROOT COMMAND...)
image_chroot=(unshare -m -- sh -c
	'mkdir -p "$1/proc" && mount -t proc proc "$1/proc" && exec chroot "$@"' sh)

# --- make install of the hooks, in a staging root ---
mkvar() { sed -n "s/^$1 = //p" "$BUILDDIR/Makefile"; }
prefix=$(mkvar prefix)
itdir=$(mkvar initramfstoolsdir)
itdir=${itdir//'$(prefix)'/$prefix}
dracutdir=$(mkvar dracutdir)
dracutdir=${dracutdir//'$(prefix)'/$prefix}
[ "$itdir" != no ] && [ "$dracutdir" != no ] ||
	{ echo "SKIP: configured without the initramfs-tools hook or the dracut module" >&2; exit 77; }
make -s -C "$BUILDDIR" install-nodist_initramfshooksSCRIPTS install-initramfslocalbottomSCRIPTS \
	install-nodist_dracutmoduleSCRIPTS install-dracutmoduleSCRIPTS DESTDIR="$TEST_TMP/stage" \
	>make.out 2>&1 || fail "make install of the hooks: $(cat make.out)"
for f in "$itdir/hooks/bootchain" "$itdir/scripts/local-bottom/bootchain" \
	"$dracutdir/90bootchain/module-setup.sh" "$dracutdir/90bootchain/bootchain-measure.sh"; do
	[ -x "stage$f" ] || fail "make install did not install $f (executable)"
done

# --- the machine: three layers (a dm-verity root hash and an image, both copied into
# the initramfs, and a file of the root file system, named relatively: sysroot is the
# test's root tree), a signed golden database; PCRs 16 and 23, which tpm2_pcrreset can
# reset between boots ---
start_swtpm
export TPM2TOOLS_TCTI="$TCTI"
etc="$TEST_TMP/etc"
mkdir -p "$etc/layers"
echo 4392b6f1c0a8e5d2f3b7a9c1d0e8f6a4b2c3d5e7f9a1b3c5d7e9f0a2b4c6d8e0 >"$etc/roothash"
head -c 20000 /dev/urandom >"$etc/layers/rootfs.img"
sysroot="$TEST_TMP/sysroot"
mkdir -p "$sysroot/usr/lib/app"
head -c 7000 /dev/urandom >"$sysroot/usr/lib/app/app.img"
printf 'roothash 16 %s raw\napp 16 usr/lib/app/app.img raw\nrootfs 23 %s raw\n' \
	"$etc/roothash" "$etc/layers/rootfs.img" >"$etc/chain"
# relative names are the chain file's folder's by default: not there
expect_exit 1 "$BOOTCHAIN" golden create --out "$etc/golden.json" --chain "$etc/chain" --banks sha256
assert_contains "$(cat "$TEST_TMP/err")" "$etc/usr/lib/app/app.img" "without --root: the chain's folder"
expect_exit 0 "$BOOTCHAIN" golden create --out "$etc/golden.json" --chain "$etc/chain" --banks sha256 \
	--root "$sysroot"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out "$etc/golden.pub"
expect_exit 0 "$BOOTCHAIN" golden sign "$etc/golden.json" --key key.pem
write_conf() { # file ACTION [extra line]
	cat >"$1" <<EOF
# the test's /etc/bootchain/initramfs.conf
BOOTCHAIN=$BOOTCHAIN
CHAIN=$etc/chain
GOLDEN=$etc/golden.json
PUBKEY="$etc/golden.pub"
ACTION=$2
TCTI=$TCTI
FILES=$etc/roothash $etc/layers/rootfs.img
${3:-}
EOF
}
write_conf conf panic
export BOOTCHAIN_INITRAMFS_CONF="$TEST_TMP/conf"

zero=$(printf '%064d' 0)
good16=$(expected_extend sha256 "$zero" "$(openssl_digest sha256 <"$etc/roothash")")
good16=$(expected_extend sha256 "$good16" "$(openssl_digest sha256 <"$sysroot/usr/lib/app/app.img")")
good23=$(expected_extend sha256 "$zero" "$(openssl_digest sha256 <"$etc/layers/rootfs.img")")

# --- the image holds what the script needs ---
check_image() { # root
	local root=$1 lib
	for f in /usr/bin/bootchain /etc/bootchain/initramfs.conf "$etc/chain" "$etc/golden.json" \
		"$etc/golden.json.sig" "$etc/golden.pub" "$etc/roothash" "$etc/layers/rootfs.img"; do
		[ -f "$root$f" ] || fail "$root: no $f in the image"
	done
	cmp -s "$etc/golden.json" "$root$etc/golden.json" || fail "$root: the golden database differs"
	# every library bootchain is linked with (usr-merged or not), and the two TCTIs
	ldd "$BOOTCHAIN" | awk '/=> \// { print $3 }' >libs
	while read -r lib; do
		[ -e "$root$lib" ] || [ -e "$root/usr$lib" ] || [ -e "$root/usr/lib/${lib#/lib/}" ] ||
			fail "$root: no $lib (bootchain needs it)"
	done <libs
	for k in device swtpm; do
		find "$root" -name "libtss2-tcti-$k.so.0" | grep -q . || fail "$root: no libtss2-tcti-$k.so.0"
	done
	# the binary runs there: its libraries are complete
	"${image_chroot[@]}" "$root" /usr/bin/bootchain --help >/dev/null 2>chroot.err ||
		fail "$root: bootchain does not run in the image: $(cat chroot.err)"
}

# PCRs 16 and 23 to zero, no log: a fresh boot of the same TPM
reboot_tpm() {
	tpm2_pcrreset 16 >/dev/null && tpm2_pcrreset 23 >/dev/null || fail "tpm2_pcrreset failed"
}

# ===================== initramfs-tools =====================
mkdir -p itconf/hooks itconf/scripts/local-bottom itconf/conf.d
printf 'MODULES=list\nBUSYBOX=n\nCOMPRESS=gzip\n' >itconf/initramfs.conf
touch itconf/modules
cp "stage$itdir/hooks/bootchain" itconf/hooks/
cp "stage$itdir/scripts/local-bottom/bootchain" itconf/scripts/local-bottom/
# mkinitramfs reads /boot/config-VERSION: a private /boot in a mount namespace of its own
mkinitramfs_test() { # output
	unshare -m sh -c 'mount -t tmpfs none /boot && echo CONFIG_RD_GZIP=y >"/boot/config-$2" &&
		mkinitramfs -d "$3" -o "$1" "$2"' sh "$1" "$KVER" "$TEST_TMP/itconf" >mkinitramfs.out 2>&1
}
mkinitramfs_test initrd.img || fail "mkinitramfs failed: $(cat mkinitramfs.out)"
mkdir unpacked
unmkinitramfs initrd.img unpacked
it=unpacked
[ -d unpacked/main ] && it=unpacked/main # an early (microcode) archive before it
it="$TEST_TMP/$it"
[ -x "$it/scripts/local-bottom/bootchain" ] || fail "no scripts/local-bottom/bootchain in the image"
grep -q '^/scripts/local-bottom/bootchain' "$it/scripts/local-bottom/ORDER" ||
	fail "the boot script is not in local-bottom's ORDER"
check_image "$it"
assert_contains "$(cat "$it/etc/bootchain/initramfs.conf")" "ACTION='panic'" "the image's configuration"

# The boot's stubs: panic and reboot only write down that they were called (never reboot
# the test machine: the image's reboot binary is replaced too), sleep returns at once.
cat >>"$it/scripts/functions" <<'EOF'
# --- the test's stubs ---
panic() { echo "PANIC: $*" >>/run/actions; }
reboot() { echo "REBOOT $*" >>/run/actions; }
sleep() { :; }
EOF
printf '#!/bin/sh\necho "REBOOT binary $*" >>/run/actions\n' >"$it/usr/bin/reboot"
# the root file system, mounted on rootmnt (/root) when local-bottom runs
mkdir -p "$it/root"
cp -a "$sysroot/." "$it/root/"
run_script() { # root: the script as init runs it; output in $TEST_TMP/out, err
	rm -rf "$1/run/bootchain" "$1/run/actions"
	expect_exit 0 env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin quiet=n panic= rootmnt=/root \
		"${image_chroot[@]}" "$1" /bin/sh /scripts/local-bottom/bootchain
	actions=$(cat "$1/run/actions" 2>/dev/null || true)
}

# a matching chain: no action, the PCRs as openssl computes them, a log that checks
reboot_tpm
run_script "$it"
assert_eq "" "$actions" "a matching chain: no action"
assert_eq "$good16" "$(pcr_value sha256 16)" "PCR 16 after the roothash layer (openssl)"
assert_eq "$good23" "$(pcr_value sha256 23)" "PCR 23 after the rootfs layer (openssl)"
expect_exit 0 "$BOOTCHAIN" log check "$it/run/bootchain/eventlog" --pcrs sha256:16,23

# the layer of the root file system changed there (not in the initramfs): a panic naming it
flip_byte "$it/root/usr/lib/app/app.img" 10
reboot_tpm
run_script "$it"
assert_contains "$actions" "PANIC: bootchain: boot chain check failed, exit status 3" "a changed root layer panics"
assert_contains "$(cat "$TEST_TMP/err")" "HALT at layer app" "the console names the root's layer"
[ "$(pcr_value sha256 16)" != "$good16" ] || fail "PCR 16 does not record the changed root layer"
assert_eq "$zero" "$(pcr_value sha256 23)" "nothing measured after the halt"
cp "$sysroot/usr/lib/app/app.img" "$it/root/usr/lib/app/app.img"

# a changed layer, ACTION=panic: a panic naming the halt, then a reboot
flip_byte "$it$etc/layers/rootfs.img" 100
bad23=$(expected_extend sha256 "$zero" "$(openssl_digest sha256 <"$it$etc/layers/rootfs.img")")
reboot_tpm
run_script "$it"
assert_contains "$actions" "PANIC: bootchain: boot chain check failed, exit status 3" "a changed layer panics"
assert_contains "$actions" "REBOOT" "ACTION=panic reboots when the panic shell is left"
assert_contains "$(cat "$TEST_TMP/err")" "HALT at layer rootfs" "the console names the layer"
assert_eq "$good16" "$(pcr_value sha256 16)" "PCR 16: the roothash still matched"
pcr23=$(pcr_value sha256 23)
[ "$pcr23" != "$good23" ] && [ "$pcr23" != "$zero" ] || fail "PCR 23 does not record the change: $pcr23"

# ACTION=shell: a shell, and the boot goes on (no reboot)
sed -i "s/^ACTION=.*/ACTION='shell'/" "$it/etc/bootchain/initramfs.conf"
reboot_tpm
run_script "$it"
assert_contains "$actions" "PANIC: bootchain: boot chain check failed, exit status 3" "ACTION=shell: a shell"
assert_contains "$actions" "ACTION=shell" "the shell says how to go on"
case "$actions" in *REBOOT*) fail "ACTION=shell rebooted" ;; esac

# ACTION=record: measured mode, the new digest recorded, no action
sed -i "s/^ACTION=.*/ACTION='record'/" "$it/etc/bootchain/initramfs.conf"
reboot_tpm
run_script "$it"
assert_eq "" "$actions" "ACTION=record: no action"
assert_eq "$bad23" "$(pcr_value sha256 23)" "ACTION=record: PCR 23 holds the changed image's digest (openssl)"

# fail closed: trusted mode and no TPM to talk to, or no golden database in the image
cp "$etc/layers/rootfs.img" "$it$etc/layers/rootfs.img" # the image as it was
sed -i -e "s/^ACTION=.*/ACTION='panic'/" -e "s/port=$SWTPM_PORT/port=1/" "$it/etc/bootchain/initramfs.conf"
run_script "$it"
assert_contains "$actions" "PANIC: bootchain: boot chain check failed" "no TPM in trusted mode panics"
sed -i "s/port=1'/port=$SWTPM_PORT'/" "$it/etc/bootchain/initramfs.conf"
mv "$it$etc/golden.json" golden.away
reboot_tpm
run_script "$it"
assert_contains "$actions" "PANIC: bootchain: boot chain check failed" "no golden database panics"
mv golden.away "$it$etc/golden.json"
reboot_tpm
run_script "$it"
assert_eq "" "$actions" "the image restored passes again"

# no configuration in the image: nothing measured, and the console says so
rm "$it/etc/bootchain/initramfs.conf"
reboot_tpm
run_script "$it"
assert_eq "" "$actions" "no configuration: no action"
assert_contains "$(cat "$TEST_TMP/err")" "bootchain: no /etc/bootchain/initramfs.conf in the initramfs: nothing measured" \
	"no configuration: said on the console"
assert_eq "$zero" "$(pcr_value sha256 23)" "no configuration: nothing extended"

# a configuration the hook cannot honour fails mkinitramfs, naming the key
write_conf conf reboot-maybe
mkinitramfs_test bad.img && fail "mkinitramfs built an image with ACTION=reboot-maybe"
assert_contains "$(cat mkinitramfs.out)" "ACTION=reboot-maybe" "the hook names the bad value"
write_conf conf panic "FROBNICATE=1"
mkinitramfs_test bad.img && fail "mkinitramfs built an image with an unknown key"
assert_contains "$(cat mkinitramfs.out)" "unknown key FROBNICATE" "the hook names the unknown key"
write_conf conf panic
rm "$etc/golden.json.sig"
mkinitramfs_test bad.img && fail "mkinitramfs built an image with PUBKEY and an unsigned database"
assert_contains "$(cat mkinitramfs.out)" "golden.json.sig" "the hook names the missing signature"
expect_exit 0 "$BOOTCHAIN" golden sign "$etc/golden.json" --key key.pem

# ===================== dracut =====================
# dracut reads its modules from dracutbasedir: a copy of the system's, with ours added
cp -a /usr/lib/dracut dracutbase
cp -a "stage$dracutdir/90bootchain" dracutbase/modules.d/
mkdir dracutconf
dracut_test() { # output
	dracutbasedir="$TEST_TMP/dracutbase" dracut --no-kernel --no-hostonly --no-compress \
		-m "base bootchain" --conf /dev/null --confdir "$TEST_TMP/dracutconf" \
		--tmpdir "$TEST_TMP" --kver "$KVER" --force "$1" >dracut.out 2>&1
}
dracut_test dracut.img || fail "dracut failed: $(cat dracut.out)"
mkdir dunpacked
(cd dunpacked && cpio -id --quiet) <dracut.img || fail "cannot unpack dracut's image"
dr="$TEST_TMP/dunpacked"
hook="/usr/lib/dracut/hooks/pre-pivot/50-bootchain-measure.sh"
[ -f "$dr$hook" ] || fail "no pre-pivot hook $hook in dracut's image"
check_image "$dr"
mkdir -p "$dr/sysroot"
cp -a "$sysroot/." "$dr/sysroot/" # the root file system, mounted on NEWROOT

run_hook() { # root: the hook sourced as dracut's init does, die and emergency_shell stubbed
	rm -rf "$1/run/bootchain" "$1/run/actions"
	expect_exit 0 env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin NEWROOT=/sysroot \
		"${image_chroot[@]}" "$1" /bin/sh -c '. /lib/dracut-lib.sh
		die() { echo "DIE: $*" >>/run/actions; }
		emergency_shell() { [ "$1" != -n ] || shift 2; echo "SHELL: $*" >>/run/actions; }
		. '"$hook"
	actions=$(cat "$1/run/actions" 2>/dev/null || true)
}
reboot_tpm
run_hook "$dr"
assert_eq "" "$actions" "dracut, a matching chain: no action"
assert_eq "$good16" "$(pcr_value sha256 16)" "dracut: PCR 16 (openssl)"
assert_eq "$good23" "$(pcr_value sha256 23)" "dracut: PCR 23 (openssl)"
flip_byte "$dr/sysroot/usr/lib/app/app.img" 10
reboot_tpm
run_hook "$dr"
assert_contains "$actions" "DIE: bootchain: boot chain check failed, exit status 3" "dracut: a changed root layer dies"
assert_contains "$(cat "$TEST_TMP/err")" "HALT at layer app" "dracut: the console names the root's layer"
cp "$sysroot/usr/lib/app/app.img" "$dr/sysroot/usr/lib/app/app.img"
flip_byte "$dr$etc/layers/rootfs.img" 100
reboot_tpm
run_hook "$dr"
assert_contains "$actions" "DIE: bootchain: boot chain check failed, exit status 3" "dracut: a changed layer dies"
sed -i "s/^ACTION=.*/ACTION='shell'/" "$dr/etc/bootchain/initramfs.conf"
reboot_tpm
run_hook "$dr"
assert_contains "$actions" "SHELL: bootchain: boot chain check failed, exit status 3" "dracut: ACTION=shell"
sed -i "s/^ACTION=.*/ACTION='record'/" "$dr/etc/bootchain/initramfs.conf"
reboot_tpm
run_hook "$dr"
assert_eq "" "$actions" "dracut, ACTION=record: no action"
assert_eq "$bad23" "$(pcr_value sha256 23)" "dracut, ACTION=record: the changed digest (openssl)"
rm "$dr/etc/bootchain/initramfs.conf"
run_hook "$dr"
assert_eq "" "$actions" "dracut, no configuration: no action"
assert_contains "$(cat "$TEST_TMP/out" "$TEST_TMP/err")" "nothing measured" "dracut, no configuration: said"

write_conf conf reboot-maybe
dracut_test bad.img && fail "dracut built an image with ACTION=reboot-maybe"
assert_contains "$(cat dracut.out)" "ACTION=reboot-maybe" "dracut's module names the bad value"
echo "initramfs test passed"
