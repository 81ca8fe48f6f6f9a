#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# golden predict --with, golden update and golden retire without a TPM: the arguments
# (NAME:PCR:FILE, strict, the argument named), the digests of the new version (sha256 of
# the bytes for a non-PE file, computed with openssl), the PCR of an existing component,
# a signed database (changed only with --key, the new signature verifies with openssl),
# nothing written on an error, and retire's rules (a version by number, digest or
# version text; never a required component's last version without --remove-last).
. "$TESTS_LIB/common.sh"
cd "$TEST_TMP"

head -c 5000 /dev/urandom >fw.bin
head -c 6000 /dev/urandom >kernel-1.img
head -c 7000 /dev/urandom >kernel-2.img
head -c 8000 /dev/urandom >kernel-3.img
sha() { openssl_digest sha256 <"$1"; }
expect_exit 0 "$BOOTCHAIN" golden create --out db.json --banks sha1,sha256 \
	--image fw:0:fw.bin --image kernel:4:kernel-1.img

# --- arguments ---
for bad in "kernel:4" "kernel::x" ":4:x" "kernel:24:x" "kernel:-1:x" "kernel:4:" \
	"ker nel:4:x" "kernel:04a:x" "kernel:+4:x"; do
	expect_exit 2 "$BOOTCHAIN" golden predict db.json --with "$bad"
	assert_contains "$(cat "$TEST_TMP/err")" "--with $bad" "predict --with '$bad' named"
	expect_exit 2 "$BOOTCHAIN" golden update db.json --with "$bad" --out new.json
	assert_contains "$(cat "$TEST_TMP/err")" "--with $bad" "update --with '$bad' named"
done
expect_exit 2 "$BOOTCHAIN" golden predict db.json --keep-old
expect_exit 2 "$BOOTCHAIN" golden update db.json --out new.json
expect_exit 2 "$BOOTCHAIN" golden update db.json --with kernel:4:kernel-2.img
expect_exit 2 "$BOOTCHAIN" golden update db.json --with kernel:4:kernel-2.img --out n --bogus
expect_exit 2 "$BOOTCHAIN" golden retire db.json --out new.json
expect_exit 2 "$BOOTCHAIN" golden retire db.json kernel
expect_exit 2 "$BOOTCHAIN" golden retire db.json "kernel:" --out new.json
expect_exit 0 "$BOOTCHAIN" golden update --help
assert_contains "$(cat "$TEST_TMP/out")" "golden retire DB NAME[:WHICH]" "help"
expect_exit 1 "$BOOTCHAIN" golden predict db.json --with kernel:4:missing.img
assert_contains "$(cat "$TEST_TMP/err")" "missing.img" "a missing image is named"
expect_exit 1 "$BOOTCHAIN" golden predict db.json --with kernel:5:kernel-2.img
assert_contains "$(cat "$TEST_TMP/err")" "component kernel is measured into PCR 4, not PCR 5" \
	"another PCR"

# --- predict: the new version's digest, extended from zero (openssl) ---
zero=$(printf '%064d' 0)
expect_exit 0 "$BOOTCHAIN" golden predict db.json --pcrs sha256:4 --with kernel:4:kernel-2.img \
	--json
assert_eq "$(expected_extend sha256 "$zero" "$(sha kernel-2.img)")" \
	"$(jq -r '.pcrs.sha256["4"] | join(" ")' "$TEST_TMP/out")" "predict --with, raw image"
expect_exit 0 "$BOOTCHAIN" golden predict db.json --pcrs sha256:4 --with kernel:4:kernel-2.img \
	--with kernel:4:kernel-3.img --json
assert_eq 2 "$(jq '.pcrs.sha256["4"] | length' "$TEST_TMP/out")" "two candidates, two values"

# --- update ---
cp db.json db.orig
expect_exit 0 "$BOOTCHAIN" golden update db.json --with kernel:4:kernel-2.img \
	--with initrd:9:kernel-3.img --out new.json
assert_contains "$(cat "$TEST_TMP/out")" "kernel (PCR 4): new version, from kernel-2.img" "says"
assert_contains "$(cat "$TEST_TMP/out")" "initrd (PCR 9): new component" "says, new"
cmp -s db.json db.orig || fail "update changed its input"
assert_eq "$(sha kernel-1.img) $(sha kernel-2.img)" \
	"$(jq -r '[.components[] | select(.name == "kernel") | .versions[].digests.sha256] | join(" ")' new.json)" \
	"the old version kept, the new one added (openssl)"
assert_eq "sha1 sha256" \
	"$(jq -r '[.components[] | select(.name == "kernel") | .versions[1].digests | keys[]] | join(" ")' new.json)" \
	"the new version in the banks of the database"
assert_eq 9 "$(jq '.components[] | select(.name == "initrd") | .pcr' new.json)" "initrd PCR"
expect_exit 0 "$BOOTCHAIN" golden update new.json --with kernel:4:kernel-2.img --out again.json
assert_contains "$(cat "$TEST_TMP/out")" "already a version" "the same version twice"
assert_eq 2 "$(jq '.components[] | select(.name == "kernel") | .versions | length' again.json)" \
	"not added twice"

# allowed final values of the PCR updated are kept, with a warning
jq --arg v "$(expected_extend sha256 "$zero" "$(sha kernel-1.img)")" '.pcrs = {sha256: {"4": [$v]}}' \
	db.orig >final.json
expect_exit 0 "$BOOTCHAIN" golden update final.json --with kernel:4:kernel-2.img --out final2.json
assert_contains "$(cat "$TEST_TMP/err")" "allowed final values of PCR 4" "warning"
assert_eq "$(jq -c .pcrs final.json)" "$(jq -c .pcrs final2.json)" "final values kept"

# --- a signed database ---
openssl ecparam -name prime256v1 -genkey -noout -out key.pem 2>/dev/null
openssl ec -in key.pem -pubout -out pub.pem 2>/dev/null
expect_exit 0 "$BOOTCHAIN" golden sign db.json --key key.pem
cp db.json.sig db.sig.orig
expect_exit 1 "$BOOTCHAIN" golden update db.json --with kernel:4:kernel-2.img --out db.json
assert_contains "$(cat "$TEST_TMP/err")" "is signed" "a signed database needs --key"
cmp -s db.json db.orig || fail "a refused update changed the database"
expect_exit 1 "$BOOTCHAIN" golden update db.json --with kernel:4:kernel-2.img --out db.json \
	--key missing.pem
cmp -s db.json db.orig && cmp -s db.json.sig db.sig.orig ||
	fail "a key that cannot sign changed the database"
expect_exit 0 "$BOOTCHAIN" golden update db.json --pubkey pub.pem --with kernel:4:kernel-2.img \
	--out db.json --key key.pem
openssl dgst -sha256 -verify pub.pem -signature db.json.sig db.json >/dev/null ||
	fail "the new signature does not verify with openssl"
expect_exit 0 "$BOOTCHAIN" golden verify db.json --pubkey pub.pem
expect_exit 3 "$BOOTCHAIN" golden update db.orig --pubkey pub.pem --signature db.json.sig \
	--with kernel:4:kernel-2.img --out x.json
[ ! -e x.json ] || fail "written from a database whose signature does not verify"

# --- the signed policy of the new database ---
expect_exit 2 "$BOOTCHAIN" golden update db.orig --with kernel:4:kernel-2.img --out p.json \
	--policy-out p.policy
assert_contains "$(cat "$TEST_TMP/err")" "--policy-out needs --key" "a policy is signed"
expect_exit 2 "$BOOTCHAIN" golden update db.orig --with kernel:4:kernel-2.img --out p.json \
	--key key.pem --policy-out p.policy --policy-pcrs sha256:4+sha1:4
expect_exit 2 "$BOOTCHAIN" golden update db.orig --with kernel:4:kernel-2.img --out p.json \
	--max-branches 2
# two kernels allowed: two values of PCR 4, more than one branch allows; nothing written
expect_exit 1 "$BOOTCHAIN" golden update db.orig --with kernel:4:kernel-2.img --out p.json \
	--key key.pem --policy-out p.policy --policy-pcrs sha256:4 --max-branches 1
[ ! -e p.json ] && [ ! -e p.json.sig ] && [ ! -e p.policy ] ||
	fail "written although the policy could not be made"
expect_exit 0 "$BOOTCHAIN" golden update db.orig --with kernel:4:kernel-2.img --out p.json \
	--key key.pem --policy-out p.policy --policy-pcrs sha256:4
assert_eq "$(printf '%s\n' "$(expected_extend sha256 "$zero" "$(sha kernel-1.img)")" \
	"$(expected_extend sha256 "$zero" "$(sha kernel-2.img)")" | sort)" \
	"$(jq -r '.branches[]["4"]' p.policy | sort)" "the policy allows both kernels (openssl)"

# --- retire ---
expect_exit 0 "$BOOTCHAIN" golden update new.json --with kernel:4:kernel-3.img --out three.json
expect_exit 0 "$BOOTCHAIN" golden retire three.json kernel:2 --out r.json
assert_eq "$(sha kernel-1.img) $(sha kernel-3.img)" \
	"$(jq -r '[.components[] | select(.name == "kernel") | .versions[].digests.sha256] | join(" ")' r.json)" \
	"retire by number"
expect_exit 0 "$BOOTCHAIN" golden retire three.json "kernel:$(sha kernel-1.img)" --out r.json --force
assert_eq "$(sha kernel-2.img) $(sha kernel-3.img)" \
	"$(jq -r '[.components[] | select(.name == "kernel") | .versions[].digests.sha256] | join(" ")' r.json)" \
	"retire by digest"
expect_exit 0 "$BOOTCHAIN" golden retire three.json kernel --out r.json --force
assert_eq "$(sha kernel-3.img)" \
	"$(jq -r '[.components[] | select(.name == "kernel") | .versions[].digests.sha256] | join(" ")' r.json)" \
	"retire: all but the newest"
jq '(.components[] | select(.name == "kernel") | .versions[0].source.version) = "6.1-old"' \
	three.json >named.json
expect_exit 0 "$BOOTCHAIN" golden retire named.json kernel:6.1-old --out r.json --force
assert_eq 2 "$(jq '.components[] | select(.name == "kernel") | .versions | length' r.json)" \
	"retire by version text"
expect_exit 1 "$BOOTCHAIN" golden retire three.json kernel:9 --out r2.json
assert_contains "$(cat "$TEST_TMP/err")" "no version is that one" "nothing selected"
expect_exit 1 "$BOOTCHAIN" golden retire three.json nosuch --out r2.json
assert_contains "$(cat "$TEST_TMP/err")" "no component named nosuch" "no component"
expect_exit 1 "$BOOTCHAIN" golden retire db.orig fw --out r2.json
assert_contains "$(cat "$TEST_TMP/err")" "has one version only" "the last version stays"
expect_exit 1 "$BOOTCHAIN" golden retire db.orig "fw:1" --out r2.json
assert_contains "$(cat "$TEST_TMP/err")" "is required" "a required component's last version"
[ ! -e r2.json ] || fail "written after a refusal"
expect_exit 0 "$BOOTCHAIN" golden retire db.orig "fw:1" --remove-last --out r2.json
assert_contains "$(cat "$TEST_TMP/out")" "the component removed" "--remove-last removes it"
assert_eq "kernel" "$(jq -r '[.components[].name] | join(" ")' r2.json)" "fw is gone"
expect_exit 1 "$BOOTCHAIN" golden retire db.json kernel --out db.json
assert_contains "$(cat "$TEST_TMP/err")" "is signed" "retire of a signed database needs --key"
echo "ok"
