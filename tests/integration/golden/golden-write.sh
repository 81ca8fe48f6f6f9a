#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Writing golden databases in place (`golden add`, `golden sign`):
# - an add that adds nothing leaves the file byte-identical, its mtime unchanged, and
#   says "unchanged" (exit 0), signed or not;
# - a write keeps the file's mode (0600) and owner, and writes through a symbolic link
#   to its target (the link stays a link), leaving no temporary file;
# - a signed database (DB.sig beside it, or --signature SIG) is refused without --key
#   (exit 1, nothing changed) and signed again with it: `golden verify` and openssl
#   accept the new signature;
# - a write that fails (file size limit, a key that cannot sign) leaves the database
#   and its signature as they were.
. "$TESTS_LIB/common.sh"
cd "$TEST_TMP"

echo one >v1 && echo two >v2 && echo three >v3 && echo four >v4
mtime() { stat -c %Y.%y "$1"; }
no_temporaries() { # dir
	local left
	left=$(find "$1" -name '*.tmp.*')
	[ -z "$left" ] || fail "temporary files left behind: $left"
}

# --- an add that adds nothing ---
expect_exit 0 "$BOOTCHAIN" golden create --out db.json --image kernel:8:v1 --image initrd:9:v2
cp -p db.json before.json
before=$(mtime db.json)
sleep 1.1 # a rewrite would show in the mtime, even on a coarse file system
expect_exit 0 "$BOOTCHAIN" golden add db.json --image kernel:8:v1
assert_contains "$(cat "$TEST_TMP/out")" "db.json: unchanged" "says unchanged"
cmp -s db.json before.json || fail "an add of nothing changed the bytes"
assert_eq "$before" "$(mtime db.json)" "an add of nothing left the mtime"
expect_exit 0 "$BOOTCHAIN" golden add db.json --image kernel:8:v1 --image initrd:9:v2
cmp -s db.json before.json || fail "an add of nothing (two sources) changed the bytes"

# --- mode and owner kept ---
chmod 0600 db.json
owner=$(stat -c %u:%g db.json)
if [ "$(id -u)" = 0 ]; then
	chown 65534:65534 db.json
	owner=65534:65534
fi
expect_exit 0 "$BOOTCHAIN" golden add db.json --image kernel:8:v2
assert_contains "$(cat "$TEST_TMP/out")" "updated db.json: " "says updated"
assert_eq 2 "$(jq '.components[0].versions | length' db.json)" "the version added"
assert_eq 600 "$(stat -c %a db.json)" "mode 0600 kept"
assert_eq "$owner" "$(stat -c %u:%g db.json)" "owner kept"
no_temporaries .

# --- through a symbolic link ---
mkdir -p real links
cp db.json real/db.json
chmod 0640 real/db.json
ln -s ../real/db.json links/db.json
expect_exit 0 "$BOOTCHAIN" golden add links/db.json --image kernel:8:v3
[ -L links/db.json ] || fail "the symbolic link was replaced by a file"
assert_eq "../real/db.json" "$(readlink links/db.json)" "the link points where it did"
assert_eq 3 "$(jq '.components[0].versions | length' real/db.json)" "the target updated"
assert_eq 640 "$(stat -c %a real/db.json)" "the target's mode kept"
no_temporaries real
no_temporaries links

# --- signed databases ---
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out pub.pem
expect_exit 0 "$BOOTCHAIN" golden sign db.json --key key.pem
cp db.json signed.json && cp db.json.sig signed.sig
expect_exit 1 "$BOOTCHAIN" golden add db.json --image kernel:8:v4
assert_contains "$(cat "$TEST_TMP/err")" "db.json is signed (db.json.sig): give --key" \
	"refused without --key"
cmp -s db.json signed.json || fail "a refused add changed the database"
expect_exit 0 "$BOOTCHAIN" golden verify db.json --pubkey pub.pem
# adding nothing to a signed database needs no key, and keeps its signature good
expect_exit 0 "$BOOTCHAIN" golden add db.json --image kernel:8:v1
assert_contains "$(cat "$TEST_TMP/out")" "unchanged" "signed: unchanged"
expect_exit 0 "$BOOTCHAIN" golden verify db.json --pubkey pub.pem
# with --key: written and signed again
expect_exit 0 "$BOOTCHAIN" golden add db.json --image kernel:8:v4 --key key.pem
assert_contains "$(cat "$TEST_TMP/out")" ", signed: db.json.sig" "re-signed"
assert_eq 3 "$(jq '.components[0].versions | length' db.json)" "signed: the version added"
expect_exit 0 "$BOOTCHAIN" golden verify db.json --pubkey pub.pem
openssl dgst -sha256 -verify pub.pem -signature db.json.sig db.json >/dev/null ||
	fail "openssl does not verify the new signature"
no_temporaries .

# a signature elsewhere, named by --signature
cp signed.json other.json
mv "$(pwd)/signed.sig" other.sig
expect_exit 0 "$BOOTCHAIN" golden verify other.json --pubkey pub.pem --signature other.sig
expect_exit 1 "$BOOTCHAIN" golden add other.json --image kernel:8:v4 --signature other.sig
assert_contains "$(cat "$TEST_TMP/err")" "other.json is signed (other.sig)" "--signature: refused"
expect_exit 0 "$BOOTCHAIN" golden add other.json --image kernel:8:v4 --signature other.sig \
	--key key.pem
expect_exit 0 "$BOOTCHAIN" golden verify other.json --pubkey pub.pem --signature other.sig
[ ! -e other.json.sig ] || fail "signed to DB.sig instead of --signature"

# --out to another file: the signed database is not modified, so no key is needed
expect_exit 0 "$BOOTCHAIN" golden add db.json --image initrd:9:v4 --out copy.json
assert_eq 2 "$(jq '.components[1].versions | length' copy.json)" "--out written"
expect_exit 0 "$BOOTCHAIN" golden verify db.json --pubkey pub.pem

# --- failed writes leave everything as it was ---
cp db.json keep.json && cp db.json.sig keep.sig
# a key that cannot sign: nothing written at all
echo "not a key" >bad-key.pem
expect_exit 1 "$BOOTCHAIN" golden add db.json --image initrd:9:v3 --key bad-key.pem
cmp -s db.json keep.json || fail "a failed signing changed the database"
cmp -s db.json.sig keep.sig || fail "a failed signing changed the signature"
# the file size limit stops the write half-way: the temporary file goes, the original stays
[ "$(stat -c %s db.json)" -gt 2048 ] || fail "db.json too small for the size-limit case"
rc=0
(
	trap '' XFSZ # write(2) then fails with EFBIG rather than killing the process
	ulimit -f 1  # 1024 bytes
	exec "$BOOTCHAIN" golden add db.json --image initrd:9:v3 --key key.pem
) >"$TEST_TMP/out" 2>"$TEST_TMP/err" || rc=$?
assert_eq 1 "$rc" "a failed write exits 1"
assert_contains "$(cat "$TEST_TMP/err")" "File too large" "the write error is named"
cmp -s db.json keep.json || fail "a failed write changed the database"
cmp -s db.json.sig keep.sig || fail "a failed write changed the signature"
no_temporaries .
expect_exit 0 "$BOOTCHAIN" golden verify db.json --pubkey pub.pem

# --- golden sign rewrites its signature in place the same way ---
chmod 0600 db.json.sig
ln -s db.json.sig link.sig
expect_exit 0 "$BOOTCHAIN" golden sign db.json --key key.pem --signature link.sig
[ -L link.sig ] || fail "sign replaced the signature's link"
assert_eq 600 "$(stat -c %a db.json.sig)" "the signature's mode kept"
expect_exit 0 "$BOOTCHAIN" golden verify db.json --pubkey pub.pem
echo "PASS"
