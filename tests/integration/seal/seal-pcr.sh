#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# PCR-only sealing (no signing key), on swtpm:
# - to the current values: unsealed, then refused after an extend (exit 3, the PCR
#   named); the authPolicy equals tpm2_policypcr's (trial session);
# - to the values a golden database predicts, sealed before the boot: unsealed after a
#   trusted boot of the chain, refused after a halt;
# - limits and bad input: a secret over 128 bytes, a sealed file whose fields were
#   changed (exit 1, the field named, before any TPM command), usage errors.
. "$TESTS_LIB/common.sh"
start_swtpm
cd "$TEST_TMP"
export TPM2TOOLS_TCTI="$TCTI"

head -c 64 /dev/urandom >secret

# --- the current values ---
"$BOOTCHAIN" pcr extend 16 "sha256:$(printf '%064d' 7)" >/dev/null
expect_exit 0 "$BOOTCHAIN" seal --pcrs sha256:0,7,16 --in secret --out now.json --json
assert_eq pcr "$(jq -r .mode "$TEST_TMP/out")" "mode"
assert_eq 1 "$(jq -r .branches "$TEST_TMP/out")" "one branch"
tpm2_startauthsession -Q -S trial.ctx
tpm2_policypcr -Q -S trial.ctx -l sha256:0,7,16 -L want.policy
tpm2_flushcontext trial.ctx
assert_eq "$(xxd -p -c 256 want.policy)" "$(jq -r .policy now.json)" \
	"authPolicy (tpm2_policypcr trial)"
expect_exit 0 "$BOOTCHAIN" unseal now.json
cmp -s "$TEST_TMP/out" secret || fail "unsealed secret differs"
"$BOOTCHAIN" unseal now.json | cmp -s - secret || fail "unseal to a pipe differs"
"$BOOTCHAIN" pcr extend 16 "sha256:$(printf '%064d' 8)" >/dev/null
expect_exit 3 "$BOOTCHAIN" unseal now.json
assert_contains "$(cat "$TEST_TMP/err")" "PCR 16" "the changed PCR is named"
assert_eq "" "$(cat "$TEST_TMP/out")" "nothing unsealed"
assert_eq "" "$(tpm2_getcap handles-transient)" "no transient object left"
assert_eq "" "$(tpm2_getcap handles-loaded-session)" "no session left"

# --- predicted values, sealed before the boot ---
mkdir chain
for l in "bios 0" "kernel 8" "initrd 9"; do
	set -- $l
	head -c 5000 /dev/urandom >"chain/$1.img"
	echo "$1 $2 $1.img auto"
done >chain/chain.txt
"$BOOTCHAIN" measure --chain chain/chain.txt --dry-run --banks sha256 --json >dry.json
jq '{format: "bootchain-golden-v1",
     components: [.layers[] | {name: .layer, pcr, versions: [{digests, source: {file}}]}]}' \
	dry.json >golden.json
head -c 5000 /dev/urandom >chain/kernel-2.img
expect_exit 0 "$BOOTCHAIN" golden add golden.json --image kernel:8:chain/kernel-2.img
expect_exit 0 "$BOOTCHAIN" seal --pcrs sha256:0,8,9 --golden golden.json --predict \
	--in secret --out predicted.json
assert_eq 2 "$(jq '.pcr.branches | length' predicted.json)" "two kernels: two branches"
# PCR 8 of each branch: the kernel's digest extended into zeros (openssl)
for img in kernel kernel-2; do
	want=$(expected_extend sha256 "$(printf '%064d' 0)" "$(openssl_digest sha256 <chain/$img.img)")
	jq -e --arg v "$want" '[.pcr.branches[].values."8"] | index($v) != null' predicted.json \
		>/dev/null || fail "no branch has PCR 8 of $img"
done
stop_swtpm
start_swtpm # a reboot: PCRs reset, same storage key
export TPM2TOOLS_TCTI="$TCTI"
sed 's/ kernel\.img / kernel-2.img /' chain/chain.txt >chain/chain-2.txt
expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain-2.txt --trusted --golden golden.json \
	--no-log
expect_exit 0 "$BOOTCHAIN" unseal predicted.json --out got.bin --json
cmp -s got.bin secret || fail "predicted: unsealed secret differs"
assert_eq 1 "$(jq -r .branch "$TEST_TMP/out")" "the second kernel's branch"
stop_swtpm
start_swtpm
cp -r chain bad
flip_byte bad/initrd.img 10
expect_exit 3 "$BOOTCHAIN" measure --chain bad/chain.txt --trusted --golden golden.json \
	--no-log
expect_exit 3 "$BOOTCHAIN" unseal predicted.json
assert_contains "$(cat "$TEST_TMP/err")" "PCR 9" "after a halt: the initrd's PCR named"
expect_exit 1 "$BOOTCHAIN" seal --pcrs sha256:0,8,9,16 --golden golden.json --predict \
	--in secret --out x.json
assert_contains "$(cat "$TEST_TMP/err")" "PCR 16" "a PCR without components is named"

# --- limits and bad files ---
head -c 129 /dev/urandom >big
expect_exit 1 "$BOOTCHAIN" seal --pcrs sha256:0 --in big --out x.json
assert_contains "$(cat "$TEST_TMP/err")" "at most 128" "the limit is named"
head -c 128 /dev/urandom | "$BOOTCHAIN" seal --pcrs sha256:0 --in - --out max.json >/dev/null ||
	fail "a 128-byte secret from stdin"
expect_exit 0 "$BOOTCHAIN" seal --pcrs sha256:0 --in secret --out -
jq -e '.format == "bootchain-sealed-v1"' "$TEST_TMP/out" >/dev/null || fail "seal --out -"
bad_file() { # jq-filter field
	jq "$1" predicted.json >bad.json
	expect_exit 1 "$BOOTCHAIN" -T "swtpm:host=127.0.0.1,port=$(closed_port)" unseal bad.json
	assert_contains "$(cat "$TEST_TMP/err")" "$2" "bad file ($1)"
}
bad_file '.format = "x"' "format"
bad_file '.policy = ("00" * 32)' "policy"
bad_file '.pcr.branches[0].values."8" = ("00" * 32)' "pcr.branches[0].digest"
bad_file '.pcr.branches[1].values."8" = "00"' "pcr.branches[1].values.8"
bad_file '.public = "AAAA"' "public"
bad_file '.private = "%%"' "private"
bad_file '.parent = {}' "parent"
bad_file '.extra = 1' "extra"
bad_file 'del(.pcr)' "pcr"
echo '{' >broken.json
expect_exit 1 "$BOOTCHAIN" unseal broken.json
assert_contains "$(cat "$TEST_TMP/err")" "broken.json" "broken JSON: the file is named"

# usage
expect_exit 2 "$BOOTCHAIN" seal --in secret --out x.json
expect_exit 2 "$BOOTCHAIN" seal --pcrs sha256:0 --pubkey p.pem --golden golden.json \
	--in secret --out x.json
expect_exit 2 "$BOOTCHAIN" seal --pcrs sha256:0 --predict --in secret --out x.json
expect_exit 2 "$BOOTCHAIN" seal --pcrs sha256:0 --in secret
expect_exit 2 "$BOOTCHAIN" unseal
expect_exit 2 "$BOOTCHAIN" unseal now.json --policy p.json --pubkey p.pem
expect_exit 2 "$BOOTCHAIN" unseal now.json --json --out -
expect_exit 0 "$BOOTCHAIN" seal --help
expect_exit 0 "$BOOTCHAIN" unseal --help
