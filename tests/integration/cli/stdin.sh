#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# '-' is standard input wherever a file is read (bootchain(1), OUTPUT FILES): measure
# FILE (a digest as openssl computes it; the layer then needs --layer), golden show,
# check and predict DB (a signed database from a pipe needs its signature named with
# --signature; a changed one fails), attest ek verify CERT (in ek-verify.sh, on
# swtpm's certificates). One '-' per command: two are a usage error.
. "$TESTS_LIB/common.sh"
cd "$TEST_TMP"
export BOOTCHAIN_TCTI="swtpm:host=127.0.0.1,port=$(closed_port)"

head -c 5000 /dev/urandom >k.img
head -c 3000 /dev/urandom >i.img

# --- measure - : the digest of what came on standard input (openssl's) ---
expect_exit 0 "$BOOTCHAIN" measure - --dry-run --banks sha256 --layer kernel --json <k.img
assert_eq "$(openssl_digest sha256 <k.img)" "$(jq -r '.layers[0].digests.sha256' "$TEST_TMP/out")" \
	"measure - digests standard input"
assert_eq kernel "$(jq -r '.layers[0].layer' "$TEST_TMP/out")" "measure -: the layer is --layer"
expect_exit 2 "$BOOTCHAIN" measure - --dry-run --banks sha256 <k.img
assert_contains "$(cat "$TEST_TMP/err")" "FILE '-' (standard input) needs --layer NAME" "measure - without --layer"

# --- golden show, check, predict DB - ---
printf 'kernel 8 k.img raw\ninitrd 9 i.img raw\n' >chain
expect_exit 0 "$BOOTCHAIN" golden create --out db.json --chain chain --banks sha256
expect_exit 0 "$BOOTCHAIN" golden show db.json --json
cp "$TEST_TMP/out" show.file
expect_exit 0 "$BOOTCHAIN" golden show - --json <db.json
assert_eq "$(cat show.file)" "$(cat "$TEST_TMP/out")" "golden show - reads the database from standard input"
assert_eq "$(openssl_digest sha256 <k.img)" \
	"$(jq -r '.components[] | select(.name == "kernel") | .versions[0].digests.sha256' "$TEST_TMP/out")" \
	"golden show -: the kernel's digest (openssl)"
expect_exit 0 "$BOOTCHAIN" golden predict db.json --json
cp "$TEST_TMP/out" predict.file
expect_exit 0 "$BOOTCHAIN" golden predict - --json <db.json
assert_eq "$(cat predict.file)" "$(cat "$TEST_TMP/out")" "golden predict - reads standard input"

# add: the database from standard input, written to --out (never "in place" to a pipe)
expect_exit 2 "$BOOTCHAIN" golden add - --image extra:10:i.img <db.json
assert_contains "$(cat "$TEST_TMP/err")" "cannot be changed in place" "golden add - without --out"
expect_exit 0 "$BOOTCHAIN" golden add - --image extra:10:i.img --out added.json <db.json
assert_eq "kernel initrd extra" "$(jq -r '[.components[].name] | join(" ")' added.json)" \
	"golden add - --out: the piped database and the new component"

# check: the log of the chain measured on swtpm
start_swtpm
expect_exit 0 "$BOOTCHAIN" measure --chain chain --log boot.log
expect_exit 0 "$BOOTCHAIN" golden check - boot.log <db.json
assert_contains "$(cat "$TEST_TMP/out")" "boot.log against -: 2 events known" \
	"golden check - LOG: the database from standard input"
# a database that knows another kernel, from standard input: a mismatch (3)
expect_exit 0 "$BOOTCHAIN" golden create --out otherkernel.json --image kernel:8:i.img --image initrd:9:i.img \
	--banks sha256
expect_exit 3 "$BOOTCHAIN" golden check - boot.log <otherkernel.json
expect_exit 2 "$BOOTCHAIN" golden check - - <db.json
assert_contains "$(cat "$TEST_TMP/err")" "'-' (standard input) given 2 times" "golden check - -"

# signed: --pubkey with DB '-' needs --signature (no '-.sig'); a changed database fails
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out pub.pem
expect_exit 0 "$BOOTCHAIN" golden sign db.json --key key.pem
[ -s db.json.sig ] || fail "golden sign wrote no db.json.sig"
expect_exit 2 "$BOOTCHAIN" golden show - --pubkey pub.pem <db.json
assert_contains "$(cat "$TEST_TMP/err")" "with --pubkey needs --signature SIG" "DB - with --pubkey"
expect_exit 0 "$BOOTCHAIN" golden show - --pubkey pub.pem --signature db.json.sig <db.json
expect_exit 0 "$BOOTCHAIN" golden check - boot.log --pubkey pub.pem --signature db.json.sig <db.json
expect_exit 0 "$BOOTCHAIN" golden predict - --pubkey pub.pem --signature db.json.sig <db.json
sed 's/"kernel"/"kernal"/' db.json >changed.json
cmp -s db.json changed.json && fail "the database did not change"
expect_exit 3 "$BOOTCHAIN" golden show - --pubkey pub.pem --signature db.json.sig <changed.json
# the signature from standard input instead: still one '-'
expect_exit 0 "$BOOTCHAIN" golden show db.json --pubkey pub.pem --signature - <db.json.sig
expect_exit 2 "$BOOTCHAIN" golden show - --pubkey pub.pem --signature - <db.json
assert_contains "$(cat "$TEST_TMP/err")" "given 2 times" "DB - and --signature -"
echo ok
