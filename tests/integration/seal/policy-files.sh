#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `golden sign --policy-out`: the signed policy file (bootchain-policy(5)) and its --json
# report; options checked and every failure found before anything is written; and a
# policy file changed after signing (a branch value, approved_policy, the key) refused
# when read, naming the file.
. "$TESTS_LIB/common.sh"
POLICY_TOOL="$(dirname "$BOOTCHAIN")/tests/tools/policy-tool"
cd "$TEST_TMP"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out pub.pem
openssl pkey -in other.pem -pubout -out other.pub
for i in 1 2 3; do echo "image $i" >"img$i"; done
"$BOOTCHAIN" golden create --out db.json --banks sha256 --image shim:4:img1 --image shim:4:img2 \
	--image kernel:9:img3 >/dev/null

# ---- options: usage errors (exit 2), nothing written ----
expect_exit 2 "$BOOTCHAIN" golden sign db.json --key key.pem --policy-pcrs sha256:4
assert_contains "$(cat err)" "go with --policy-out" "--policy-pcrs alone"
expect_exit 2 "$BOOTCHAIN" golden sign db.json --key key.pem --policy-out p.json \
	--policy-pcrs sha256:4+sha1:4
assert_contains "$(cat err)" "one bank" "two banks"
expect_exit 2 "$BOOTCHAIN" golden sign db.json --key key.pem --policy-out p.json \
	--policy-ref "$(printf 'r%.0s' $(seq 65))"
assert_contains "$(cat err)" "at most 64" "--policy-ref too long"
expect_exit 2 "$BOOTCHAIN" golden sign db.json --key key.pem --policy-out p.json --max-branches 0
# ---- failures found before writing (exit 1): neither the signature nor the policy ----
expect_exit 1 "$BOOTCHAIN" golden sign db.json --key key.pem --policy-out p.json --max-branches 1
assert_contains "$(cat err)" "PCR 4" "too many branches"
expect_exit 1 "$BOOTCHAIN" golden sign db.json --key key.pem --policy-out p.json \
	--policy-pcrs sha256:4,7
assert_contains "$(cat err)" "sha256 PCR 7: the database has no component" "a PCR without component"
expect_exit 1 "$BOOTCHAIN" golden sign db.json --key key.pem --policy-out p.json \
	--policy-pcrs sha1:4
assert_contains "$(cat err)" "sha1 PCR 4" "a bank without digests"
[ ! -e p.json ] && [ ! -e db.json.sig ] || fail "a failed sign wrote something"

# ---- the policy: 2 values of PCR 4 times 1 of PCR 9 ----
expect_exit 0 "$BOOTCHAIN" golden sign db.json --key key.pem --policy-out p.json --json
assert_eq "p.json 2 sha256:4,9" "$(jq -r '"\(.policy.file) \(.policy.branches) \(.policy.pcrs)"' out)" \
	"--json report"
assert_eq "$(jq -r .approved_policy p.json)" "$(jq -r .policy.approved_policy out)" "approved policy"
assert_eq "$(openssl_digest sha256 <db.json)" "$(jq -r .golden_sha256 p.json)" "golden_sha256"
openssl dgst -sha256 -verify pub.pem -signature db.json.sig db.json >/dev/null ||
	fail "the database's signature does not verify"
# the policy's signature, by openssl: over approved_policy || policy_ref
hex_to_bin "$(jq -r '.approved_policy + .policy_ref' p.json)" >signed.bin
hex_to_bin "$(jq -r .signature p.json)" >sig.der
openssl dgst -sha256 -verify pub.pem -signature sig.der signed.bin >/dev/null ||
	fail "the policy's signature does not verify with openssl"
expect_exit 0 "$BOOTCHAIN" golden sign db.json --key key.pem --policy-out p.json --force
assert_contains "$(cat out)" "policy p.json: 2 branches of sha256:4,9" "text report"
"$POLICY_TOOL" load p.json pub.pem >/dev/null || fail "the policy does not load"

# ---- changed after signing: refused when read, naming the file ----
tampered() { # jq-filter: t.json
	jq "$1" p.json >t.json
}
tampered '.branches[1]["4"] = ("00" + .branches[1]["4"][2:])'
expect_exit 1 "$POLICY_TOOL" load t.json pub.pem
assert_contains "$(cat err)" "t.json: approved_policy: not the PolicyOR root" "a changed branch"
tampered '.approved_policy = ("00" + .approved_policy[2:])'
expect_exit 1 "$POLICY_TOOL" load t.json pub.pem
assert_contains "$(cat err)" "t.json: approved_policy" "a changed approved_policy"
tampered '.branches[0] = {"4": .branches[0]["4"]}'
expect_exit 1 "$POLICY_TOOL" load t.json pub.pem
assert_contains "$(cat err)" "t.json: branches[0]: 1 values" "a branch without PCR 9"
# another key: its name in key_name, or the policy checked with another key
other_name=$("$BOOTCHAIN" golden sign db.json --key other.pem --signature o.sig --policy-out o.json \
	>/dev/null && jq -r .key_name o.json)
tampered ".key_name = \"$other_name\""
expect_exit 1 "$POLICY_TOOL" load t.json pub.pem
assert_contains "$(cat err)" "t.json: the policy names another signing key than pub.pem" "key_name"
expect_exit 1 "$POLICY_TOOL" load p.json other.pub
assert_contains "$(cat err)" "p.json: the policy names another signing key" "an unknown key"
tampered ".signature = \"$(jq -r .signature o.json)\""
expect_exit 1 "$POLICY_TOOL" load t.json pub.pem
assert_contains "$(cat err)" "t.json: the policy's signature does not verify with pub.pem" "signature"
echo "PASS: golden sign --policy-out writes verified policies, and changed ones are refused"
