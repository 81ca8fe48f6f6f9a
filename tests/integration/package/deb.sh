#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The Debian packages (debian/), built and used as a user gets them:
# - dpkg-buildpackage -us -uc -b in a copy of the source tree (the working tree is not
#   touched); dh_makeshlibs -c4 fails the build when the exported symbols differ from
#   debian/libbootchain0.symbols;
# - lintian on the .changes: no error;
# - the contents (dpkg -c): the CLI, every man page, the TPM CA store and the Keep roots,
#   the bash and zsh completions, the initramfs-tools hook and script and the dracut
#   module, the library, its headers and pkg-config file;
# - the library: every exported symbol carries its version (objdump), a symbols file
#   with one symbol less is refused (dpkg-gensymbols -c4), and a program built with the
#   -dev package's header and pkg-config file runs against the packaged library;
# - the packages unpacked with dpkg -x into a temporary root (never installed into the
#   system), and the installed bootchain run from there through a chain on swtpm: PCR
#   read, trusted measure, golden database, AK, quote, verify, and a changed layer.
# A whole build: scripts/test runs it as a step of its own, not in `make check`.
# Run it alone with: tests/integration/package/deb.sh
top=$(cd "$(dirname "$0")/../../.." && pwd)
TESTS_LIB=${TESTS_LIB:-$top/tests/lib}
BOOTCHAIN=${BOOTCHAIN:-packaged} # common.sh wants it; set to the packaged one below
. "$TESTS_LIB/common.sh"

for tool in dpkg-buildpackage dh lintian objdump gcc pkg-config; do
	command -v "$tool" >/dev/null ||
		{ echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
[ -f "$top/debian/control" ] || { echo "SKIP: no debian/ in $top" >&2; exit 77; }
version=$(cd "$top" && dpkg-parsechangelog -S Version)
upstream=${version%-*}
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)

# --- a copy of the source tree: git's files (tracked and new, not ignored), or all but
# build/ when there is no git ---
stamp="$TEST_TMP/stamp"
touch "$stamp"
src="$TEST_TMP/src/bootchain-$upstream"
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard) |
		(cd "$top" && while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done) |
		tar -C "$top" --null -T - -cf - | tar -C "$src" -xf -
else
	tar -C "$top" --exclude=./build -cf - . | tar -C "$src" -xf -
fi
chmod -R u+w "$src"

# --- the build: no tests (CI runs them on its own builds), all cores ---
start=$(date +%s)
if ! (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b -Pnocheck) >"$TEST_TMP/build.log" 2>&1; then
	tail -n 60 "$TEST_TMP/build.log" >&2
	fail "dpkg-buildpackage failed (the last lines of its log above)"
fi
echo "dpkg-buildpackage: $(($(date +%s) - start)) s"
out="$TEST_TMP/src"
changes="$out/bootchain_${version}_$arch.changes"
[ -f "$changes" ] || fail "no $changes after the build"
for p in bootchain libbootchain0 libbootchain-dev; do
	[ -f "$out/${p}_${version}_$arch.deb" ] || fail "package $p was not built"
done

# --- lintian: no error (warnings are shown) ---
lintian_rc=0
lintian --fail-on error "$changes" >"$TEST_TMP/lintian" 2>&1 || lintian_rc=$?
sed '/running with root privileges/d' "$TEST_TMP/lintian"
grep -q '^E: ' "$TEST_TMP/lintian" && fail "lintian reports errors"
[ "$lintian_rc" = 0 ] || fail "lintian exited $lintian_rc"

# --- the contents (in files: grep -q on a pipe would end its writer early, and
# pipefail would count that as a failure) ---
for p in bootchain libbootchain0 libbootchain-dev; do
	dpkg -c "$out/${p}_${version}_$arch.deb" | awk '{ print $6 }' | sed 's|^\./|/|' \
		>"$TEST_TMP/$p.contents"
done
has() { # package path
	grep -qxF "$2" "$TEST_TMP/$1.contents" || fail "package $1 lacks $2"
}
has bootchain /usr/bin/bootchain
for md in "$top"/man/*.[157].md; do
	page=$(basename "$md" .md)
	has bootchain "/usr/share/man/man${page##*.}/$page.gz"
done
for f in "$top"/data/tpm-ca/*.pem; do
	has bootchain "/usr/share/bootchain/tpm-ca/$(basename "$f")"
done
for f in "$top"/data/keep-roots/*.pem; do
	has bootchain "/usr/share/bootchain/keep-roots/$(basename "$f")"
done
for unit in "$top"/systemd/*.service.in; do
	[ -e "$unit" ] || continue
	has bootchain "/lib/systemd/system/$(basename "$unit" .in)"
done
[ -e "$top/systemd/bootchain.tmpfiles" ] && has bootchain /usr/lib/tmpfiles.d/bootchain.conf
has bootchain /usr/share/bash-completion/completions/bootchain
has bootchain /usr/share/zsh/vendor-completions/_bootchain
# the boot integration (bootchain-initramfs(7))
for f in /usr/share/initramfs-tools/hooks/bootchain \
	/usr/share/initramfs-tools/scripts/local-bottom/bootchain \
	/usr/lib/dracut/modules.d/90bootchain/module-setup.sh \
	/usr/lib/dracut/modules.d/90bootchain/bootchain-measure.sh; do
	has bootchain "$f"
done
has libbootchain0 "/usr/lib/$multiarch/libbootchain.so.0"
has libbootchain-dev "/usr/lib/$multiarch/libbootchain.so"
has libbootchain-dev "/usr/lib/$multiarch/pkgconfig/bootchain.pc"
for h in "$top"/include/bootchain/*.h; do
	has libbootchain-dev "/usr/include/bootchain/$(basename "$h")"
done
grep -q '\.la$\|/include/\|\.so$' "$TEST_TMP/libbootchain0.contents" &&
	fail "libbootchain0 ships development files"
grep -q '/lib/.*\.so' "$TEST_TMP/bootchain.contents" && fail "bootchain ships a library"

# --- unpacked into a temporary root ---
root="$TEST_TMP/root"
for p in bootchain libbootchain0 libbootchain-dev; do
	dpkg -x "$out/${p}_${version}_$arch.deb" "$root"
done
libdir="$root/usr/lib/$multiarch"
BOOTCHAIN="$root/usr/bin/bootchain"
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# the units run the packaged binary, and installing them enables and starts none
for unit in "$root"/lib/systemd/system/bootchain-*.service; do
	[ -e "$unit" ] || continue
	grep -q '^ExecStart=/usr/bin/bootchain ' "$unit" || fail "$unit: ExecStart is not /usr/bin/bootchain"
done
# the initramfs hooks copy the packaged binary, and are executable
grep -qx 'BOOTCHAIN=/usr/bin/bootchain' "$root/usr/share/initramfs-tools/hooks/bootchain" ||
	fail "the initramfs-tools hook does not copy /usr/bin/bootchain"
grep -q '^    bc_BOOTCHAIN=/usr/bin/bootchain$' "$root/usr/lib/dracut/modules.d/90bootchain/module-setup.sh" ||
	fail "the dracut module does not copy /usr/bin/bootchain"
for f in usr/share/initramfs-tools/hooks/bootchain usr/share/initramfs-tools/scripts/local-bottom/bootchain \
	usr/lib/dracut/modules.d/90bootchain/module-setup.sh usr/lib/dracut/modules.d/90bootchain/bootchain-measure.sh; do
	[ -x "$root/$f" ] || fail "/$f is not executable in the package"
done
dpkg-deb -e "$out/bootchain_${version}_$arch.deb" "$TEST_TMP/control"
postinst="$TEST_TMP/control/postinst"
if [ -f "$postinst" ]; then
	grep -q 'deb-systemd-invoke' "$postinst" && fail "installing the package starts a unit"
	# an enable only under `debian-installed`: on an upgrade, what the admin had enabled
	enables=$(grep -c 'deb-systemd-helper enable' "$postinst" || true)
	guarded=$(grep -c 'if deb-systemd-helper debian-installed' "$postinst" || true)
	[ "$enables" -le "$guarded" ] || fail "installing the package enables a unit"
fi
# the CA store and Keep roots the binary looks in by default are the ones the package
# installs
strings "$BOOTCHAIN" >"$TEST_TMP/strings"
grep -qxF /usr/share/bootchain/tpm-ca "$TEST_TMP/strings" ||
	fail "bootchain's default CA store is not /usr/share/bootchain/tpm-ca"
grep -q '^/usr/share/bootchain/keep-roots/' "$TEST_TMP/strings" ||
	fail "bootchain's Keep roots are not under /usr/share/bootchain/keep-roots"

# --- the library's versioned symbols ---
lib=$(readlink -f "$libdir/libbootchain.so.0")
objdump -T "$lib" | awk '$2 == "g" && $4 != "*UND*" { print $(NF - 1), $NF }' >"$TEST_TMP/dynsym"
[ -s "$TEST_TMP/dynsym" ] || fail "libbootchain exports nothing"
awk '$1 != "BOOTCHAIN_0.1" || $2 !~ /^(bc_|BOOTCHAIN_0\.1$)/' "$TEST_TMP/dynsym" >"$TEST_TMP/odd"
[ -s "$TEST_TMP/odd" ] && fail "exported without version BOOTCHAIN_0.1: $(cat "$TEST_TMP/odd")"
exported=$(grep -c ' bc_' "$TEST_TMP/dynsym")
listed=$(grep -c '^ bc_.*@BOOTCHAIN_0\.1 ' "$top/debian/libbootchain0.symbols")
assert_eq "$exported" "$listed" "exported symbols (objdump) vs debian/libbootchain0.symbols"
# the check the build relies on can fail: one symbol less is refused
grep -v '^ bc_strerror@' "$top/debian/libbootchain0.symbols" >"$TEST_TMP/short.symbols"
(cd "$src" && dpkg-gensymbols -v"$version" -plibbootchain0 -e"$lib" -I"$TEST_TMP/short.symbols" \
	-O"$TEST_TMP/gen.symbols" -c4) >"$TEST_TMP/gensym" 2>&1 &&
	fail "dpkg-gensymbols -c4 accepts a symbols file without bc_strerror"
assert_contains "$(cat "$TEST_TMP/gensym")" "bc_strerror@BOOTCHAIN_0.1" "the unlisted symbol named"

# --- a program built with the -dev package, run with the packaged library ---
cat >"$TEST_TMP/consumer.c" <<'EOF'
#include <bootchain/bootchain.h>
#include <stdio.h>

int main(void)
{
	printf("%s\n", bc_strerror(BC_E_NOMEM));
	return 0;
}
EOF
export PKG_CONFIG_SYSROOT_DIR="$root"
export PKG_CONFIG_LIBDIR="$libdir/pkgconfig:/usr/lib/$multiarch/pkgconfig:/usr/share/pkgconfig"
# shellcheck disable=SC2046 # word splitting of pkg-config's flags is meant
gcc -o "$TEST_TMP/consumer" "$TEST_TMP/consumer.c" $(pkg-config --cflags --libs bootchain) ||
	fail "building against libbootchain-dev failed"
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
objdump -T "$TEST_TMP/consumer" >"$TEST_TMP/consumer.dynsym"
grep -q '(BOOTCHAIN_0\.1) *bc_strerror$' "$TEST_TMP/consumer.dynsym" ||
	fail "the program does not bind bc_strerror@BOOTCHAIN_0.1"
assert_contains "$(ldd "$TEST_TMP/consumer")" "libbootchain.so.0 => $libdir/libbootchain.so.0" \
	"the packaged library is the one loaded"
[ -n "$("$TEST_TMP/consumer")" ] || fail "the program built against the library printed nothing"

# --- the installed bootchain on swtpm ---
start_swtpm
mkdir -p "$TEST_TMP/run/chain"
cd "$TEST_TMP/run"
expect_exit 0 "$BOOTCHAIN" --help
expect_exit 0 "$BOOTCHAIN" pcr read sha256:0 --json
assert_eq "$(printf '%064d' 0)" "$(jq -r '.pcrs.sha256["0"]' "$TEST_TMP/out")" "PCR 0 at reset"
for layer in bios bootloader kernel; do
	head -c 5000 /dev/urandom >"chain/$layer.img"
done
printf 'bios 0 bios.img\nbootloader 4 bootloader.img\nkernel 8 kernel.img\n' >chain/chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain chain/chain --banks sha256
expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain --trusted --golden golden.json --log boot.log
want=$(expected_extend sha256 "$(printf '%064d' 0)" "$(openssl_digest sha256 <chain/bios.img)")
assert_eq "$want" "$(pcr_value sha256 0)" "PCR 0 after measuring bios (openssl)"
expect_exit 0 "$BOOTCHAIN" log check boot.log
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub
nonce=$(openssl rand -hex 20)
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --log boot.log --out ev.json
expect_exit 0 "$BOOTCHAIN" attest verify ev.json --ak ak.pub --nonce "$nonce" --golden golden.json
assert_contains "$(cat "$TEST_TMP/out")" "ev.json: every check passed" "verify passes"
expect_exit 3 "$BOOTCHAIN" attest verify ev.json --ak ak.pub --nonce "$(openssl rand -hex 20)" \
	--golden golden.json
# a changed kernel: trusted boot halts there
flip_byte chain/kernel.img 100
expect_exit 3 "$BOOTCHAIN" measure --chain chain/chain --trusted --golden golden.json --log bad.log
assert_contains "$(cat "$TEST_TMP/out" "$TEST_TMP/err")" "kernel" "the halt names the kernel"
# the UEFI stage the package ships (amd64): a chain embeds into it and reads back
stage="$libdir/bootchain/efi/bootchain.efi"
if [ "$arch" = amd64 ]; then
	[ -f "$stage" ] || fail "the bootchain package has no $stage"
	objdump -h "$stage" | grep -q ' \.bcchain ' || fail "$stage has no .bcchain section"
	printf 'kernel 8 kernel.img\n' >chain/kernel.chain
	flip_byte chain/kernel.img 100 # back to the image of golden.json
	expect_exit 0 "$BOOTCHAIN" golden embed --stage "$stage" --chain chain/kernel.chain \
		--golden golden.json --out stage.efi
	expect_exit 0 "$BOOTCHAIN" stage show stage.efi --json
	assert_eq "$(openssl_digest sha256 <chain/kernel.img)" \
		"$(jq -r '.chain.layers[0].versions[0].sha256' "$TEST_TMP/out")" "the embedded kernel digest"
fi
cd /

# --- the working tree untouched: no build artefacts in debian/, no packages beside it ---
changed=$(find "$top/debian" -newer "$stamp" -print)
[ -z "$changed" ] || fail "the build changed the working tree: $changed"
beside=$(find "$(dirname "$top")" -maxdepth 1 -name "*bootchain*_${version}_*" -newer "$stamp")
[ -z "$beside" ] || fail "packages were written beside the working tree: $beside"
echo "package test passed"
