#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# golden embed and stage show, without a TPM: a chain and its golden versions written
# into the .bcchain section of a UEFI stage (efi/bootchain.efi when built, else a
# systemd stub given a zero-filled .bcchain section with objcopy).
# - round trip: the section decoded by a reader of its own (perl, from
#   bootchain-bcchain(5)) and `stage show` give the chain's layers, the '\' paths, the
#   modes and options, and digests equal to those of openssl (raw) and pesign -h (PE);
#   the rest of the section is zero and the image is otherwise unchanged;
# - refusals, each with its message, exit 1 and no output file left: a layer not in the
#   database, in another PCR, an absolute or too long path, a chain too big for the
#   section, not a PE image, no .bcchain section; an existing OUT without --force;
# - a signed stage: the signature dropped with a message, the output has no certificate
#   table, its Authenticode digest is that of the same embed into the unsigned stage,
#   and sbsign then signs it (sbverify checks it) with the chain still readable.
. "$TESTS_LIB/common.sh"
for tool in objcopy objdump pesign sbsign sbverify openssl jq perl; do
	command -v "$tool" >/dev/null ||
		{ echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
loader=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
[ -f "$stub" ] && [ -f "$loader" ] ||
	{ echo "SKIP: systemd-boot-efi is not installed (real EFI images)" >&2; exit 77; }
port=$(closed_port)
export BOOTCHAIN_TCTI="swtpm:host=127.0.0.1,port=$port" # nothing here needs a TPM
built=$(cd "$(dirname "$BOOTCHAIN")" && pwd)/efi/bootchain.efi
cd "$TEST_TMP"

# --- a stage to embed into ---
# a section of SIZE zero bytes named .bcchain, after the stub's last (ends below 0x20000)
make_stage() { # size out [section-name]
	head -c "$1" /dev/zero >"zeros-$1.bin"
	objcopy --add-section "${3:-.bcchain}=zeros-$1.bin" \
		--set-section-flags "${3:-.bcchain}=data,readonly" \
		--change-section-vma "${3:-.bcchain}=0x20000" "$stub" "$2" || fail "objcopy"
}
if [ -f "$built" ]; then
	cp "$built" stage.efi
else
	make_stage 65536 stage.efi
fi
# a real section: in the section table, 64 KiB, loaded at an address of its own
read -r size vma off < <(objdump -h stage.efi | awk '$2 == ".bcchain" {print $3, $4, $6}')
[ -n "$size" ] || fail "stage.efi has no .bcchain section"
assert_eq 65536 "$((16#$size))" ".bcchain is 64 KiB"
[ "$((16#$vma))" -ne 0 ] || fail ".bcchain is loaded at address 0"
section_off=$((16#$off))
cmp -s -n 65536 -i "$section_off:0" stage.efi /dev/zero || fail ".bcchain is not all zero"

# --- the volume, the chain, the database ---
mkdir -p esp/EFI/BOOT esp/EFI/Linux
cp "$loader" esp/EFI/BOOT/BOOTX64.EFI
cp "$stub" esp/EFI/Linux/linux.efi
head -c 7000 /dev/urandom >esp/EFI/Linux/initrd.img
cat >esp/boot.chain <<'EOF'
# the three forms of a path: '/', '\' with and without its leading '\'
loader 4 EFI/BOOT/BOOTX64.EFI pe type=EV_EFI_BOOT_SERVICES_APPLICATION
kernel 4 EFI\Linux\linux.efi
initrd 9 \EFI\Linux\initrd.img raw
EOF
# the database from the same files, by path: the chain's '\' names are no host paths
cat >host.chain <<'EOF'
loader 4 esp/EFI/BOOT/BOOTX64.EFI
kernel 4 esp/EFI/Linux/linux.efi
initrd 9 esp/EFI/Linux/initrd.img
EOF
expect_exit 0 "$BOOTCHAIN" golden create --out db.json --chain host.chain \
	--banks sha1,sha256,sha384,sha512

# A reader of the section of its own, from bootchain-bcchain(5): "header SIZE FLAGS
# TIMEOUT ON_HALT COUNT", "layer NAME FILE PCR TYPE KIND VERSIONS", "digest NAME V ALG
# HEX" lines, then "tail zero" when every byte after the encoding is zero.
decode() { # file offset
	perl -e '
		open(my $f, "<", $ARGV[0]) or die; binmode $f; seek($f, $ARGV[1], 0);
		read($f, my $s, 65536) == 65536 or die "short";
		my ($magic, $size, $flags, $timeout, $halt, $count) = unpack("a8 V V V V V", $s);
		die "magic $magic" unless $magic eq "BCCHAIN1";
		print "header $size $flags $timeout $halt $count\n";
		my $p = 28;
		my $u16 = sub { my $v = unpack("v", substr($s, $p, 2)); $p += 2; $v };
		my $u32 = sub { my $v = unpack("V", substr($s, $p, 4)); $p += 4; $v };
		my $str = sub { my $n = $u16->(); my $v = substr($s, $p, $n); $p += $n; $v };
		for (1 .. $count) {
			my ($name, $file) = ($str->(), $str->());
			my ($pcr, $type) = ($u32->(), $u32->());
			my ($kind, $zero) = unpack("C C", substr($s, $p, 2)); $p += 2;
			die "pad $zero" if $zero;
			my $versions = $u16->();
			printf "layer %s %s %u 0x%x %u %u\n", $name, $file, $pcr, $type, $kind, $versions;
			for my $v (1 .. $versions) {
				for (1 .. $u16->()) {
					my ($alg, $n) = ($u16->(), $u16->());
					printf "digest %s %u 0x%04x %s\n", $name, $v, $alg,
						unpack("H*", substr($s, $p, $n));
					$p += $n;
				}
			}
		}
		die "size $size, read $p" unless $p == $size;
		print "tail zero\n" if substr($s, $p) =~ /^\0*$/;' "$1" "$2"
}
section_of() { # file: the file offset of its .bcchain
	echo $((16#$(objdump -h "$1" | awk '$2 == ".bcchain" {print $6}')))
}

# --- round trip ---
expect_exit 0 "$BOOTCHAIN" golden embed --stage stage.efi --chain esp/boot.chain \
	--golden db.json --out out.efi
out=$(cat "$TEST_TMP/out")
assert_contains "$out" "wrote out.efi: 3 layers, 3 versions, trusted mode" "embed summary"
assert_contains "$out" 'layer kernel: PCR 4, \EFI\Linux\linux.efi, kind auto' "embed layers"
decode out.efi "$(section_of out.efi)" >decoded || fail "the section does not decode"
sha() { openssl_digest "$1" <"$2"; }
pe() { pesign -d "$1" -h -i "$2" | sed -n 's/^hash: \([0-9a-f]*\)$/\1/p'; }
L=esp/EFI/BOOT/BOOTX64.EFI K=esp/EFI/Linux/linux.efi I=esp/EFI/Linux/initrd.img
size=$(awk '$1 == "header" {print $2}' decoded)
cat >want <<EOF
header $size 1 10 1 3
layer loader \\EFI\\BOOT\\BOOTX64.EFI 4 0x80000003 2 1
digest loader 1 0x0004 $(pe sha1 $L)
digest loader 1 0x000b $(pe sha256 $L)
digest loader 1 0x000c $(jq -r '.components[0].versions[0].digests.sha384' db.json)
layer kernel \\EFI\\Linux\\linux.efi 4 0x0 0 1
digest kernel 1 0x0004 $(pe sha1 $K)
digest kernel 1 0x000b $(pe sha256 $K)
digest kernel 1 0x000c $(jq -r '.components[1].versions[0].digests.sha384' db.json)
layer initrd \\EFI\\Linux\\initrd.img 9 0x0 1 1
digest initrd 1 0x0004 $(sha sha1 $I)
digest initrd 1 0x000b $(sha sha256 $I)
digest initrd 1 0x000c $(sha sha384 $I)
tail zero
EOF
diff want decoded || fail "the decoded section differs from the chain and the digests"
# sha512 is no bank of the stage: dropped
jq -e '.components[0].versions[0].digests.sha512' db.json >/dev/null || fail "db has no sha512"
# the rest of the image is the stage's own
cmp -s -n "$section_off" stage.efi out.efi || fail "the image before .bcchain changed"
cmp -s -i $((section_off + 65536)) stage.efi out.efi || fail "the image after .bcchain changed"

expect_exit 0 "$BOOTCHAIN" stage show out.efi
show=$(cat "$TEST_TMP/out")
assert_contains "$show" "out.efi: not signed, a chain of $size bytes" "show: the stage"
assert_contains "$show" "mode     trusted" "show: mode"
assert_contains "$show" "on halt  wait 10 s, then reset" "show: halt"
assert_contains "$show" 'layer loader: PCR 4, \EFI\BOOT\BOOTX64.EFI, kind pe, EV_EFI_BOOT_SERVICES_APPLICATION' \
	"show: loader"
assert_contains "$show" 'layer initrd: PCR 9, \EFI\Linux\initrd.img, kind raw, EV_EVENT_TAG' \
	"show: initrd"
assert_contains "$show" "sha256   $(pe sha256 $K)" "show: the kernel's Authenticode sha256"
assert_contains "$show" "sha384   $(sha sha384 $I)" "show: the initrd's sha384"
expect_exit 0 "$BOOTCHAIN" stage show out.efi --json
j=$TEST_TMP/out
assert_eq "trusted 10 reset $size" "$(jq -r '.chain | "\(.mode) \(.timeout) \(.on_halt) \(.size)"' "$j")" \
	"show --json: the header"
assert_eq "$(pe sha256 $L)" "$(jq -r '.chain.layers[0].versions[0].sha256' "$j")" "json: loader"
assert_eq "$(sha sha1 $I)" "$(jq -r '.chain.layers[2].versions[0].sha1' "$j")" "json: initrd"
assert_eq 'kernel \EFI\Linux\linux.efi auto EV_EVENT_TAG' \
	"$(jq -r '.chain.layers[1] | "\(.name) \(.file) \(.kind) \(.event_type)"' "$j")" "json: kernel"

# measured mode, the timeout and the halt action
expect_exit 0 "$BOOTCHAIN" golden embed --stage stage.efi --chain esp/boot.chain \
	--golden db.json --out measured.efi --measured --timeout 5 --on-halt poweroff --json
assert_eq "measured 5 poweroff false" \
	"$(jq -r '"\(.chain.mode) \(.chain.timeout) \(.chain.on_halt) \(.signature_dropped)"' \
		"$TEST_TMP/out")" "embed --json"
assert_eq "header $size 0 5 2 3" "$(decode measured.efi "$(section_of measured.efi)" | head -1)" \
	"measured header"
expect_exit 0 "$BOOTCHAIN" golden embed --stage stage.efi --chain esp/boot.chain \
	--golden db.json --out wait.efi --on-halt wait --timeout 0
assert_eq "header $size 1 0 0 3" "$(decode wait.efi "$(section_of wait.efi)" | head -1)" \
	"wait header"
# a stage embedded again: the new chain replaces the old, zeros after it
grep -v "^#" esp/boot.chain | head -2 >two.chain
expect_exit 0 "$BOOTCHAIN" golden embed --stage out.efi --chain two.chain --golden db.json \
	--out again.efi
assert_eq "tail zero" "$(decode again.efi "$(section_of again.efi)" | tail -1)" "re-embed"
assert_eq 1 "$(decode again.efi "$(section_of again.efi)" | grep -c '^layer kernel')" "re-embed"
# standard output
"$BOOTCHAIN" golden embed --stage stage.efi --chain esp/boot.chain --golden db.json \
	--out - >stdout.efi || fail "embed --out -"
cmp -s out.efi stdout.efi || fail "--out - differs from --out FILE"

# --- refusals: nothing is written ---
refused() { # message args...
	local msg=$1
	shift
	rm -f new.efi
	expect_exit 1 "$BOOTCHAIN" golden embed --golden db.json --out new.efi "$@"
	assert_contains "$(cat "$TEST_TMP/err")" "$msg" "refused: $msg"
	[ ! -e new.efi ] || fail "new.efi written although refused ($msg)"
	! ls new.efi.tmp.* 2>/dev/null || fail "a temporary file left ($msg)"
}
echo "extra 5 EFI/extra.efi" >extra.chain
refused "layer extra (extra.chain:1): the golden database has no component of that name" \
	--stage stage.efi --chain extra.chain
echo "kernel 5 EFI/Linux/linux.efi" >pcr.chain
refused "layer kernel (pcr.chain:1): PCR 5, the golden database has the component in PCR 4" \
	--stage stage.efi --chain pcr.chain
echo "kernel 4 /boot/efi/EFI/Linux/linux.efi" >abs.chain
refused "/boot/efi/EFI/Linux/linux.efi is a path of this machine" --stage stage.efi \
	--chain abs.chain
echo "kernel 4 EFI/$(printf 'a%.0s' $(seq 251))" >long.chain # 256 bytes with its '\'
refused "is 256 bytes on the volume, at most 255" --stage stage.efi --chain long.chain
echo "kernel 4 EFI/$(printf 'a%.0s' $(seq 250))" >fits.chain # 255: the limit
expect_exit 0 "$BOOTCHAIN" golden embed --stage stage.efi --chain fits.chain --golden db.json \
	--out fits.efi
echo "kernel 4 EFI/../linux.efi" >dots.chain
refused "an empty, '.' or '..' component" --stage stage.efi --chain dots.chain
make_stage 256 small.efi
refused "the chain is $size bytes, the .bcchain section of small.efi holds 256" \
	--stage small.efi --chain esp/boot.chain
head -c 70000 /dev/urandom >random.efi
refused "random.efi: not a PE image" --stage random.efi --chain esp/boot.chain
refused "no section named .bcchain" --stage "$stub" --chain esp/boot.chain
make_stage 4096 other.efi .bcchaix
refused "no section named .bcchain" --stage other.efi --chain esp/boot.chain
head -c 1000 "$stub" >cut.efi
refused "cut.efi" --stage cut.efi --chain esp/boot.chain
refused "missing.efi" --stage missing.efi --chain esp/boot.chain
# usage errors
expect_exit 2 "$BOOTCHAIN" golden embed --stage stage.efi --chain esp/boot.chain --out x.efi
expect_exit 2 "$BOOTCHAIN" golden embed --stage stage.efi --chain esp/boot.chain \
	--golden db.json --out x.efi --on-halt reboot
expect_exit 2 "$BOOTCHAIN" golden embed --stage stage.efi --chain esp/boot.chain \
	--golden db.json --out x.efi --timeout -1
[ ! -e x.efi ] || fail "x.efi written on a usage error"
# an existing OUT
expect_exit 1 "$BOOTCHAIN" golden embed --stage stage.efi --chain esp/boot.chain \
	--golden db.json --out out.efi
assert_contains "$(cat "$TEST_TMP/err")" "out.efi exists (--force to overwrite)" "existing OUT"
expect_exit 0 "$BOOTCHAIN" golden embed --stage stage.efi --chain two.chain \
	--golden db.json --out out.efi --force
# stage show of a stage without a chain, and of no stage
expect_exit 1 "$BOOTCHAIN" stage show stage.efi
assert_contains "$(cat "$TEST_TMP/err")" "no chain is embedded" "show: empty section"
expect_exit 1 "$BOOTCHAIN" stage show random.efi
assert_contains "$(cat "$TEST_TMP/err")" "not a PE image" "show: not a PE"

# --- a signed stage ---
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=bootchain test signer" \
	-keyout db.key -out db.crt 2>/dev/null || fail "openssl req failed"
sbsign --key db.key --cert db.crt --output signed.efi stage.efi >/dev/null 2>&1 ||
	fail "sbsign stage.efi"
sbverify --cert db.crt signed.efi >/dev/null 2>&1 || fail "the signed stage does not verify"
expect_exit 0 "$BOOTCHAIN" golden embed --stage signed.efi --chain esp/boot.chain \
	--golden db.json --out resigned.efi
assert_contains "$(cat "$TEST_TMP/err")" "signed.efi was signed: its signature does not cover" \
	"the dropped signature is told"
assert_contains "$(cat "$TEST_TMP/err")" "sbsign" "the message says how to sign again"
sbverify --list resigned.efi 2>&1 | grep -q "No signature table present" ||
	fail "the output still has a certificate table: $(sbverify --list resigned.efi 2>&1)"
# what changed: the section and the certificate table's entry (PE32+), and the file ends
# where the table began (perl reads the headers, from the PE/COFF specification)
read -r dir table < <(perl -e 'open(my $f, "<", $ARGV[0]) or die; binmode $f;
	local $/; my $s = <$f>; my $pe = unpack("V", substr($s, 0x3c, 4));
	unpack("v", substr($s, $pe + 24, 2)) == 0x20b or die "not PE32+";
	my $dir = $pe + 24 + 112 + 4 * 8;
	print $dir, " ", unpack("V", substr($s, $dir, 4)), "\n"' signed.efi)
[ "$table" -gt 0 ] || fail "signed.efi has no certificate table"
assert_eq "$table" "$(stat -c %s resigned.efi)" "the output ends where the table began"
{ cmp -l signed.efi resigned.efi 2>/dev/null || true; } | awk -v s="$section_off" -v d="$dir" '
	{ o = $1 - 1 } !((o >= s && o < s + 65536) || (o >= d && o < d + 8)) { bad = 1; print }
	END { exit bad }' || fail "bytes changed outside the section and the table's entry"
assert_eq "0 0" "$(od -An -tu4 -j "$dir" -N8 resigned.efi | xargs)" "the entry is zero"
sbsign --key db.key --cert db.crt --output final.efi resigned.efi >/dev/null 2>&1 ||
	fail "sbsign of the output"
sbverify --cert db.crt final.efi >/dev/null 2>&1 || fail "the signed output does not verify"
expect_exit 0 "$BOOTCHAIN" stage show final.efi
assert_contains "$(cat "$TEST_TMP/out")" "final.efi: signed, a chain of $size bytes" \
	"the signed output's chain"
echo "ok: golden embed and stage show"
