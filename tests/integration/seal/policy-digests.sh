#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The policies of `golden sign --policy-out` (and of tests/tools/policy-tool) equal what
# tpm2-tools computes in trial sessions on swtpm: PolicyPCR of the values a branch lists,
# PolicyOR of several branches (one call for 3, a tree of two levels for 9), the signing
# key's name as tpm2_loadexternal loads it (EC P-256 and RSA 2048), PolicyAuthorize; and
# the signature is one tpm2_verifysignature accepts.
. "$TESTS_LIB/common.sh"
command -v tpm2_policypcr >/dev/null || { echo "ERROR: tpm2-tools not installed" >&2; exit 99; }
POLICY_TOOL="$(dirname "$BOOTCHAIN")/tests/tools/policy-tool"
start_swtpm
cd "$TEST_TMP"

hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }
flush_all() { tpm2_flushcontext -T "$TCTI" -t >/dev/null; tpm2_flushcontext -T "$TCTI" -s >/dev/null; }

# A trial session's digest after tpm2 policy commands: trial CMD ARGS... (-S s.ctx added)
trial() {
	tpm2_startauthsession -T "$TCTI" -S s.ctx >/dev/null
	"$@" -T "$TCTI" -S s.ctx -L trial.policy >/dev/null
	tpm2_flushcontext -T "$TCTI" s.ctx >/dev/null
	hex trial.policy
}

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null
openssl pkey -in ec.pem -pubout -out ec.pub
openssl pkey -in rsa.pem -pubout -out rsa.pub
for i in 0 1 2 3 4 5 6 7 8 9; do echo "image $i" >"img$i"; done

# ---- PolicyPCR: one branch over PCRs 0 and 4 ----
"$BOOTCHAIN" golden create --out one.json --banks sha256 --image bios:0:img0 \
	--image shim:4:img1 --image kernel:4:img2 >/dev/null
"$BOOTCHAIN" golden sign one.json --key ec.pem --policy-out one.policy >/dev/null
assert_eq "sha256:0,4" "$(jq -r .pcrs one.policy)" "default --policy-pcrs"
assert_eq 1 "$(jq '.branches | length' one.policy)" "branches of one.policy"
# the values themselves, by openssl: PCR 0 = H(0 || H(img0)), PCR 4 = H(H(0 || H(img1)) || H(img2))
zero=$(printf '0%.0s' $(seq 64))
pcr0=$(expected_extend sha256 "$zero" "$(openssl_digest sha256 <img0)")
pcr4=$(expected_extend sha256 "$(expected_extend sha256 "$zero" "$(openssl_digest sha256 <img1)")" \
	"$(openssl_digest sha256 <img2)")
assert_eq "$pcr0" "$(jq -r '.branches[0]["0"]' one.policy)" "PCR 0 of the branch"
assert_eq "$pcr4" "$(jq -r '.branches[0]["4"]' one.policy)" "PCR 4 of the branch"
hex_to_bin "$pcr0$pcr4" >values.bin
want=$(trial tpm2_policypcr -l sha256:0,4 -f values.bin)
assert_eq "$want" "$(jq -r .approved_policy one.policy)" "PolicyPCR of one branch (tpm2_policypcr)"

# ---- PolicyOR: shim in 3 versions (one PolicyOR), then in 9 (a tree) ----
branch_policies() { # policy-file: b<i>.policy, the PolicyPCR of each branch, by tpm2-tools
	local n i
	n=$(jq '.branches | length' "$1")
	for ((i = 0; i < n; i++)); do
		hex_to_bin "$(jq -r ".branches[$i][\"4\"]" "$1")" >values.bin
		trial tpm2_policypcr -l sha256:4 -f values.bin >/dev/null
		cp trial.policy "b$i.policy"
	done
}
"$BOOTCHAIN" golden create --out three.json --banks sha256 --image shim:4:img1 \
	--image shim:4:img2 --image shim:4:img3 --image kernel:4:img0 >/dev/null
"$BOOTCHAIN" golden sign three.json --key ec.pem --policy-out three.policy >/dev/null
assert_eq 3 "$(jq '.branches | length' three.policy)" "branches of three.policy"
branch_policies three.policy
want=$(trial tpm2_policyor -l sha256:b0.policy,b1.policy,b2.policy)
assert_eq "$want" "$(jq -r .approved_policy three.policy)" "PolicyOR of 3 branches (tpm2_policyor)"

args=()
for i in 1 2 3 4 5 6 7 8 9; do args+=(--image "shim:4:img$i"); done
"$BOOTCHAIN" golden create --out nine.json --banks sha256 "${args[@]}" >/dev/null
"$BOOTCHAIN" golden sign nine.json --key ec.pem --policy-out nine.policy >/dev/null
assert_eq 9 "$(jq '.branches | length' nine.policy)" "branches of nine.policy"
branch_policies nine.policy
trial tpm2_policyor -l sha256:b0.policy,b1.policy,b2.policy,b3.policy,b4.policy,b5.policy,b6.policy,b7.policy >/dev/null
cp trial.policy node0.policy
want=$(trial tpm2_policyor -l sha256:node0.policy,b8.policy)
assert_eq "$want" "$(jq -r .approved_policy nine.policy)" "PolicyOR tree of 9 branches (tpm2_policyor)"

# ---- the key's name, PolicyAuthorize and the signature, for an EC and an RSA key ----
for type in ecc rsa; do
	key=${type%c}.pem pub=${type%c}.pub
	"$BOOTCHAIN" golden sign three.json --key "$key" --policy-out "$type.policy" \
		--policy-ref "fleet-7" >/dev/null
	assert_eq "$(printf fleet-7 | od -An -tx1 | tr -d ' \n')" "$(jq -r .policy_ref "$type.policy")" \
		"$type policy_ref"
	tpm2_loadexternal -T "$TCTI" -C n -G "$type" -u "$pub" -a "sign|decrypt|userwithauth" \
		-n "$type.name" -c "$type.ctx" >/dev/null
	assert_eq "$(hex "$type.name")" "$(jq -r .key_name "$type.policy")" \
		"$type key name (tpm2_loadexternal)"

	hex_to_bin "$(jq -r .approved_policy "$type.policy")" >approved.bin
	printf fleet-7 >ref.bin
	want=$(trial tpm2_policyauthorize -i approved.bin -q ref.bin -n "$type.name")
	assert_eq "$want" "$("$POLICY_TOOL" authorize "$pub" fleet-7)" \
		"$type PolicyAuthorize (tpm2_policyauthorize)"

	"$POLICY_TOOL" tpm-signature "$type.policy" "$pub" ahash.bin sig.bin
	assert_eq "$(cat approved.bin ref.bin | openssl_digest sha256)" "$(hex ahash.bin)" "$type aHash"
	tpm2_verifysignature -T "$TCTI" -c "$type.ctx" -d ahash.bin -s sig.bin -t ticket.bin >/dev/null ||
		fail "$type: tpm2_verifysignature refused the policy's signature"
	# and refuses it for another approved policy: the check has teeth
	printf 'x' | cat - approved.bin ref.bin | openssl dgst -sha256 -binary >other.bin
	tpm2_verifysignature -T "$TCTI" -c "$type.ctx" -d other.bin -s sig.bin -t ticket.bin \
		>/dev/null 2>&1 && fail "$type: a signature verified over another digest"
	flush_all
done
echo "PASS: PolicyPCR, PolicyOR (3 and 9), key names, PolicyAuthorize and signatures agree with tpm2-tools"
