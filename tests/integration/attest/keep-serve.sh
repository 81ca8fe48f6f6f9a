#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `attest serve --keep` carries every Keep kind a served machine can have, and `attest
# poll` verifies each: an Azure confidential VM (the vTPM's HCL report in NV index
# 0x01400001, written on swtpm by a simulated paravisor, hcl-sim) and a TDX guest
# (configfs-tsm provider tdx_guest with its CC event log, tdx-sim). Two hosts polled at
# once share one batched quote (--max-batch 2), whose Merkle root the Keep binds. Each
# passes, and fails keep-golden when the golden database does not allow its
# measurement. /v1/identity names the Azure VM's chip (its SEV-SNP report's CHIP_ID,
# read here with od).
. "$TESTS_LIB/common.sh"
tools="$(dirname "$BOOTCHAIN")/tests/tools"
for t in hcl-sim tdx-sim dcap-sim; do
	[ -x "$tools/$t" ] || { echo "ERROR: $tools/$t not built" >&2; exit 99; }
done
for t in tpm2_nvdefine tpm2_nvwrite tpm2_nvundefine jq curl; do
	command -v "$t" >/dev/null || { echo "ERROR: $t not found" >&2; exit 99; }
done
start_swtpm
export TPM2TOOLS_TCTI="$TCTI" # the paravisor's side: tpm2-tools
cd "$TEST_TMP"
SIM_PIDS=()
trap 'for p in "${SIM_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup' EXIT
HCL_INDEX=0x01400001

# a machine, and two hosts of it polled at once: one quote for both
expect_exit 0 "$BOOTCHAIN" attest ak create --type rsa --out-public ak.pub
head -c 3000 /dev/urandom >kernel.img
printf 'kernel 8 kernel.img\n' >chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain chain --banks sha256
expect_exit 0 "$BOOTCHAIN" measure --chain chain --log boot.log
serve() { # name [serve options...]
	local name=$1
	shift
	start_serve "$name" --log boot.log --keep --batch-ms 5000 --max-batch 2 "$@"
	printf '%s-a %s ak.pub\n%s-b %s ak.pub\n' "$name" "$URL" "$name" "$URL" >"$name.hosts"
}
polls() { # name [poll options...]: both hosts pass, from one quote of a batch of 2
	local name=$1
	shift
	expect_exit 0 "$BOOTCHAIN" attest poll --hosts "$name.hosts" --ak ak.pub --keep --jobs 2 \
		--json "$@"
	assert_eq "true true" "$(jq -r .pass "$TEST_TMP/out" | tr '\n' ' ' | sed 's/ $//')" \
		"$name: both hosts pass"
	for check in keep-signature keep-binding keep-golden golden; do
		assert_eq "pass pass" "$(jq -r --arg c "$check" '.verify.checks[$c].status' "$TEST_TMP/out" |
			tr '\n' ' ' | sed 's/ $//')" "$name: $check"
	done
	assert_contains "$(jq -r '.verify.checks.nonce.message' "$TEST_TMP/out")" "of a batch of 2" \
		"$name: one quote for both"
}
poll_fails() { # name [poll options...]: keep-golden fails on both
	local name=$1
	shift
	expect_exit 3 "$BOOTCHAIN" attest poll --hosts "$name.hosts" --ak ak.pub --keep --jobs 2 \
		--json "$@"
	assert_eq "fail fail" "$(jq -r '.verify.checks["keep-golden"].status' "$TEST_TMP/out" |
		tr '\n' ' ' | sed 's/ $//')" "$name: keep-golden fails"
	assert_eq "pass pass" "$(jq -r '.verify.checks["keep-signature"].status' "$TEST_TMP/out" |
		tr '\n' ' ' | sed 's/ $//')" "$name: keep-signature still passes"
}

# --- an Azure confidential VM: the HCL report in the vTPM's NV index ---
bash "$TESTS_LIB/../tools/make-snp-certs.sh" certs 2048 >/dev/null
good=$(openssl rand -hex 48)
jq --arg m "$good" '. + {keep: {measurements: [$m]}}' golden.json >azure-golden.json
jq --arg m "$(openssl rand -hex 48)" '. + {keep: {measurements: [$m]}}' golden.json \
	>azure-other.json
expect_exit 0 "$tools/hcl-sim" --ak-public ak.pub --vcek-key certs/vcek-key.pem \
	--measurement "$good" --out hcl.bin
tpm2_nvdefine -C o -s "$(stat -c %s hcl.bin)" -a "ownerread|ownerwrite|authread|authwrite" \
	"$HCL_INDEX" >/dev/null || fail "tpm2_nvdefine $HCL_INDEX"
tpm2_nvwrite -C o -i hcl.bin "$HCL_INDEX" || fail "tpm2_nvwrite $HCL_INDEX"
serve azure --keep-vcek certs/vcek.pem
amd=(--keep-ark certs/ark.pem --keep-ask certs/ask.pem)
polls azure --golden azure-golden.json "${amd[@]}"
poll_fails azure --golden azure-other.json "${amd[@]}"
assert_contains "$(jq -r '.verify.checks["keep-golden"].message' "$TEST_TMP/out" | head -1)" \
	"is not an allowed one" "azure: the measurement named"
# the identity names the chip of the HCL report's SEV-SNP report (at 0x20; CHIP_ID at 0x1A0)
curl -sf "$URL/v1/identity" >identity.json || fail "GET /v1/identity"
assert_eq azure_hcl "$(jq -r .keep.provider identity.json)" "the identity's Keep"
assert_eq "$(od -An -v -tx1 -j $((0x20 + 0x1A0)) -N 64 hcl.bin | tr -d ' \n')" \
	"$(jq -r .keep.chip_id identity.json)" "the identity's chip"
stop_serve "$SERVE_PID" azure
tpm2_nvundefine -C o "$HCL_INDEX" >/dev/null || fail "tpm2_nvundefine $HCL_INDEX"

# --- a TDX guest: configfs-tsm's tdx_guest, and its CC event log ---
expect_exit 0 "$tools/dcap-sim" certs pki
expect_exit 0 "$tools/dcap-sim" tcb-info pki --id TDX -o tcb-info.json
expect_exit 0 "$tools/dcap-sim" qe-identity pki --id TD_QE -o qe-identity.json
intel=(--intel-root pki/root.pem --pck-crl pki/pck-crl.der --root-crl pki/root-crl.der
	--tcb-info tcb-info.json --qe-identity qe-identity.json --tcb-signing-chain pki/tcb-chain.pem)
mkdir tsm
"$tools/tdx-sim" --root tsm --pki pki --daemon --pid tsm.pid --event "1:td-firmware"
SIM_PIDS+=("$(cat tsm.pid)")
mrtd=$(printf '33%.0s' $(seq 48)) # tdx-sim's default MRTD
firmware=$(jq -n --arg d "$(printf td-firmware | openssl_digest sha384)" \
	'{name: "firmware", pcr: 1, versions: [{digests: {sha384: $d}}]}')
jq --arg m "$mrtd" --argjson c "$firmware" \
	'. + {keep: {tdx: {mrtd: [$m], ccel: {components: [$c]}}}}' golden.json >tdx-golden.json
jq --arg m "$(openssl rand -hex 48)" '.keep.tdx.mrtd = [$m]' tdx-golden.json >tdx-other.json
serve tdx --tsm-root tsm
polls tdx --golden tdx-golden.json "${intel[@]}"
assert_contains "$(jq -r '.verify.checks["keep-golden"].message' "$TEST_TMP/out" | head -1)" \
	"CCEL" "tdx: the CC event log, served, judged"
poll_fails tdx --golden tdx-other.json "${intel[@]}"
assert_contains "$(jq -r '.verify.checks["keep-golden"].message' "$TEST_TMP/out" | head -1)" "MRTD" \
	"tdx: the MRTD named"
# a TD has no chip id: the identity names the Keep by its kind alone
curl -sf "$URL/v1/identity" >identity.json || fail "GET /v1/identity"
assert_eq tdx "$(jq -r .keep.kind identity.json)" "the TD's identity"
assert_eq false "$(jq '.keep | has("chip_id")' identity.json)" "the TD's identity: no chip id"
stop_serve "$SERVE_PID" tdx
echo "PASS"
