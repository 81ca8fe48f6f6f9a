#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The acceptance of sealing to a golden database (issue 14), on swtpm:
# - seal with PolicyAuthorize by the database's key; unseal after a trusted boot that
#   matched (the secret equals the input);
# - after a halt (a changed kernel): refused, and the TPM itself refuses the policy
#   (tpm2-tools: PolicyPCR of the good values, or PolicyAuthorize of the current ones);
# - after a kernel update with a newly signed policy and no reseal: unsealed; the old
#   policy no longer does;
# - a policy signed by another key, or a forged one: refused;
# - interop: tpm2-tools (tpm2_load, tpm2_verifysignature, tpm2_policypcr,
#   tpm2_policyauthorize, tpm2_unseal) unseals the object bootchain sealed;
# - no transient object or session is left in the TPM.
. "$TESTS_LIB/common.sh"
start_swtpm
cd "$TEST_TMP"
export TPM2TOOLS_TCTI="$TCTI"

# the SRK template of the TCG provisioning guidance, as bootchain makes its parent
SRK_ATTRS="fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt"
no_leak() { # what
	assert_eq "" "$(tpm2_getcap handles-transient)" "no transient object left ($1)"
	assert_eq "" "$(tpm2_getcap handles-loaded-session)" "no session left ($1)"
}
reboot() {
	stop_swtpm
	start_swtpm # the same state folder: the same owner seed, PCRs reset
	export TPM2TOOLS_TCTI="$TCTI"
}

mkdir chain
layers=(bios bootloader kernel initrd)
pcrs=(0 4 8 9)
for i in "${!layers[@]}"; do
	head -c $((4096 + RANDOM)) /dev/urandom >"chain/${layers[$i]}.img"
	echo "${layers[$i]} ${pcrs[$i]} ${layers[$i]}.img auto"
done >chain/chain.txt
"$BOOTCHAIN" measure --chain chain/chain.txt --dry-run --banks sha256 --json >dry.json
jq '{format: "bootchain-golden-v1",
     components: [.layers[] | {name: .layer, pcr, versions: [{digests, source: {file}}]}]}' \
	dry.json >golden.json
openssl ecparam -name prime256v1 -genkey -noout -out key.pem 2>/dev/null
openssl ec -in key.pem -pubout -out pub.pem 2>/dev/null
expect_exit 0 "$BOOTCHAIN" golden sign golden.json --key key.pem --policy-out policy.json
head -c 32 /dev/urandom >secret

# --- seal: the policy is PolicyAuthorize of the key's name, as tpm2-tools computes it ---
expect_exit 0 "$BOOTCHAIN" seal --golden golden.json --pubkey pub.pem --in secret \
	--out sealed.json --json
assert_eq authorize "$(jq -r .mode "$TEST_TMP/out")" "seal --json: mode"
assert_eq bootchain-sealed-v1 "$(jq -r .format sealed.json)" "sealed file format"
tpm2_loadexternal -Q -C o -G ecc -a "sign|decrypt|userwithauth" -u pub.pem -c key.ctx \
	-n key.name
tpm2_flushcontext -t
assert_eq "$(xxd -p -c 256 key.name)" "$(jq -r .authorize.key_name sealed.json)" \
	"key name (tpm2_loadexternal)"
tpm2_startauthsession -Q -S trial.ctx
tpm2_policyauthorize -Q -S trial.ctx -n key.name -L want.policy
tpm2_flushcontext trial.ctx
assert_eq "$(xxd -p -c 256 want.policy)" "$(jq -r .policy sealed.json)" \
	"authPolicy (tpm2_policyauthorize trial)"
no_leak seal
# the database must be signed by that key
openssl ecparam -name prime256v1 -genkey -noout -out key2.pem 2>/dev/null
openssl ec -in key2.pem -pubout -out pub2.pem 2>/dev/null
expect_exit 3 "$BOOTCHAIN" seal --golden golden.json --pubkey pub2.pem --in secret \
	--out other.json
[ ! -e other.json ] || fail "sealed to a key that does not sign the database"

# --- a trusted boot that matched: unsealed ---
reboot
expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain.txt --trusted --golden golden.json \
	--pubkey pub.pem --no-log
expect_exit 0 "$BOOTCHAIN" unseal sealed.json --policy policy.json --pubkey pub.pem
cmp -s "$TEST_TMP/out" secret || fail "unsealed secret differs from the input"
expect_exit 0 "$BOOTCHAIN" unseal sealed.json --policy policy.json --pubkey pub.pem \
	--out got.bin --json
cmp -s got.bin secret || fail "unseal --out: secret differs"
assert_eq "$(stat -c %a got.bin)" 600 "unseal --out: mode 0600"
assert_eq null "$(jq -r .secret "$TEST_TMP/out")" "--json --out: no secret in the JSON"
expect_exit 0 "$BOOTCHAIN" unseal - --policy policy.json --pubkey pub.pem --json <sealed.json
jq -r .secret "$TEST_TMP/out" | base64 -d | cmp -s - secret ||
	fail "unseal --json: the secret in base64 differs"
no_leak unseal

# interop: tpm2-tools unseals what bootchain sealed, with the same policy steps
tools_session() { # out-prefix: policy session with PolicyPCR (current) + PolicyAuthorize
	jq -r .public sealed.json | base64 -d >obj.pub
	jq -r .private sealed.json | base64 -d >obj.priv
	tpm2_createprimary -Q -C o -g sha256 -G ecc -c prim.ctx -a "$SRK_ATTRS"
	tpm2_load -Q -C prim.ctx -u obj.pub -r obj.priv -c obj.ctx
	tpm2_flushcontext -t
	jq -r .approved_policy policy.json | xxd -r -p >approved.bin
	jq -r .signature policy.json | xxd -r -p >sig.der
	tpm2_loadexternal -Q -C o -G ecc -a "sign|decrypt|userwithauth" -u pub.pem -c key.ctx
	tpm2_verifysignature -Q -c key.ctx -g sha256 -m approved.bin -s sig.der -f ecdsa \
		-t ticket.bin
	tpm2_flushcontext -t
	tpm2_startauthsession -Q --policy-session -S sess.ctx
}
tools_session
tpm2_policypcr -Q -S sess.ctx -l "$(jq -r .pcrs policy.json)"
tpm2_policyauthorize -Q -S sess.ctx -i approved.bin -n key.name -t ticket.bin
tpm2_unseal -c obj.ctx -p session:sess.ctx >tools.bin
tpm2_flushcontext sess.ctx
tpm2_flushcontext -t
cmp -s tools.bin secret || fail "tpm2_unseal of the object bootchain sealed differs"

# --- a halt: a changed kernel ---
reboot
cp -r chain bad
flip_byte bad/kernel.img 100
expect_exit 3 "$BOOTCHAIN" measure --chain bad/chain.txt --trusted --golden golden.json \
	--no-log
expect_exit 3 "$BOOTCHAIN" unseal sealed.json --policy policy.json --pubkey pub.pem
assert_eq "" "$(cat "$TEST_TMP/out")" "nothing on stdout after a halt"
assert_contains "$(cat "$TEST_TMP/err")" "PCR 8" "the refusal names the kernel's PCR"
assert_contains "$(cat "$TEST_TMP/err")" "policy.json" "the refusal names the policy"
no_leak halt
# the TPM itself refuses: PolicyPCR of the good values (TPM_RC_VALUE: they are not the
# PCRs' values), and PolicyAuthorize of a session over the current values
tools_session
jq -r '.branches[0] | to_entries | sort_by(.key | tonumber) | .[].value' policy.json |
	xxd -r -p >good.bin
rc=0
tpm2_policypcr -Q -S sess.ctx -l "$(jq -r .pcrs policy.json)" -f good.bin 2>tools.err || rc=$?
[ "$rc" != 0 ] || fail "the TPM took PolicyPCR of the good values after a halt"
assert_contains "$(cat tools.err)" "(0x1C4)" "PolicyPCR refused with TPM_RC_VALUE (parameter 1)"
tpm2_policypcr -Q -S sess.ctx -l "$(jq -r .pcrs policy.json)"
rc=0
tpm2_policyauthorize -Q -S sess.ctx -i approved.bin -n key.name -t ticket.bin 2>tools.err ||
	rc=$?
[ "$rc" != 0 ] || fail "the TPM authorized the policy after a halt"
assert_contains "$(cat tools.err)" "Esys_PolicyAuthorize(0x" "the TPM refused PolicyAuthorize"
rc=0
tpm2_unseal -c obj.ctx -p session:sess.ctx >tools.bin 2>tools.err || rc=$?
[ "$rc" != 0 ] && [ ! -s tools.bin ] || fail "tpm2_unseal unsealed after a halt"
assert_contains "$(cat tools.err)" "(0x99D)" "TPM2_Unseal refused with TPM_RC_POLICY_FAIL"
tpm2_flushcontext sess.ctx
tpm2_flushcontext -t

# --- a kernel update: a newly signed policy, no reseal ---
head -c 6000 /dev/urandom >chain/kernel-new.img
expect_exit 0 "$BOOTCHAIN" golden add golden.json --image kernel:8:chain/kernel-new.img \
	--key key.pem
expect_exit 0 "$BOOTCHAIN" golden sign golden.json --key key.pem --policy-out policy2.json
assert_eq 2 "$(jq '.branches | length' policy2.json)" "old and new kernel: two branches"
sed 's/ kernel\.img / kernel-new.img /' chain/chain.txt >chain/chain-new.txt
reboot
expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain-new.txt --trusted \
	--golden golden.json --pubkey pub.pem --no-log
expect_exit 0 "$BOOTCHAIN" unseal sealed.json --policy policy2.json --pubkey pub.pem
cmp -s "$TEST_TMP/out" secret || fail "after the update: the secret differs"
expect_exit 3 "$BOOTCHAIN" unseal sealed.json --policy policy.json --pubkey pub.pem
assert_contains "$(cat "$TEST_TMP/err")" "PCR 8" "the old policy does not allow the new kernel"
no_leak update

# --- a policy signed by another key ---
cp golden.json golden2.json
expect_exit 0 "$BOOTCHAIN" golden sign golden2.json --key key2.pem --policy-out other.json
expect_exit 3 "$BOOTCHAIN" unseal sealed.json --policy other.json --pubkey pub.pem
assert_contains "$(cat "$TEST_TMP/err")" "signed by another key" "another key: named"
expect_exit 3 "$BOOTCHAIN" unseal sealed.json --policy other.json --pubkey pub2.pem
assert_contains "$(cat "$TEST_TMP/err")" "is not the key the secret was sealed to" \
	"another public key: named"
# forged: the other key's signature under our key's name: the TPM's signature check
jq --arg k "$(jq -r .key_name policy2.json)" '.key_name = $k' other.json >forged.json
expect_exit 3 "$BOOTCHAIN" unseal sealed.json --policy forged.json --pubkey pub.pem
assert_contains "$(cat "$TEST_TMP/err")" "TPM_RC_SIGNATURE" "forged policy: the TPM refuses"
no_leak "another key"
