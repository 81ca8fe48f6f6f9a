#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The Keep of an Azure TDX confidential VM (bootchain-evidence(5), "azure_hcl", report
# type 4): the vTPM's HCL report holds a TDREPORT, MAC'd and not signed, so the evidence
# carries beside it the TD quote of the same TD (keep.quote), which `attest quote` gets
# from the quoting service (keep-azure-tdquote.sh tests that side). A simulated
# paravisor (hcl-sim --tdx) writes the HCL report to swtpm's NV index and makes the
# quote with a test DCAP PKI (dcap-sim), which a simulated metadata service
# (tests/tools/imds-sim.pl) hands out. It passes; each substitution fails with its own
# check: another AK in the runtime data (keep-binding), a quote of another TD
# (keep-signature; put in with jq, as the attester refuses it), a quote to another root
# (keep-signature), no quote (keep-signature), an MRTD not golden (keep-golden).
. "$TESTS_LIB/common.sh"
tools="$(dirname "$BOOTCHAIN")/tests/tools"
for t in hcl-sim dcap-sim; do
	[ -x "$tools/$t" ] || { echo "ERROR: $tools/$t not built" >&2; exit 99; }
done
for t in tpm2_nvdefine tpm2_nvwrite tpm2_nvundefine jq perl; do
	command -v "$t" >/dev/null || { echo "ERROR: $t not found" >&2; exit 99; }
done
start_swtpm
export TPM2TOOLS_TCTI="$TCTI" # the paravisor's side: tpm2-tools
cd "$TEST_TMP"
HCL_INDEX=0x01400001
PIDS=() # the simulated metadata service
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; cleanup' EXIT
mkdir imds
perl "$TESTS_LIB/../tools/imds-sim.pl" --port-file imds.port --dir imds 2>imds.err &
PIDS+=($!)
disown # killed at exit without a word from bash
for _ in $(seq 100); do
	[ -s imds.port ] && break
	sleep 0.1
done
[ -s imds.port ] || fail "the simulated metadata service did not start: $(cat imds.err)"
TDQUOTE_URL="http://127.0.0.1:$(cat imds.port)/acc/tdquote"

bytes_at() { # file offset len
	od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'
}
put_hcl() { # file: the paravisor leaves it in the vTPM's NV index
	tpm2_nvundefine -C o "$HCL_INDEX" >/dev/null 2>&1 || true
	tpm2_nvdefine -C o -s "$(stat -c %s "$1")" -a "ownerread|ownerwrite|authread|authwrite" \
		"$HCL_INDEX" >/dev/null || fail "tpm2_nvdefine $HCL_INDEX"
	tpm2_nvwrite -C o -i "$1" "$HCL_INDEX" || fail "tpm2_nvwrite $HCL_INDEX"
}
# The quoting service hands out the quote file (base64url, as Azure's).
serve_quote() { # quote
	jq -cn --arg q "$(base64 -w0 "$1" | tr '+/' '-_' | tr -d '=')" '{quote: $q}' >imds/answer
}
# Evidence quoted by the AK with name.bin in the NV index, and the TD quote beside it.
evidence() { # name [hcl-sim options...]: name.bin, name.quote, name.json
	local name=$1
	shift
	expect_exit 0 "$tools/hcl-sim" --tdx pki --quote-out "$name.quote" --out "$name.bin" \
		--ak-public ak.pub "$@"
	put_hcl "$name.bin"
	serve_quote "$name.quote"
	expect_exit 0 "$BOOTCHAIN" attest quote --ak ak.ctx --nonce "$nonce" --log boot.log \
		--keep --out "$name.json" --tdquote-url "$TDQUOTE_URL"
}
verify() { # evidence [verify options...]
	local file=$1
	shift
	"$BOOTCHAIN" attest verify "$file" --ak ak.pub --nonce "$nonce" --json \
		--golden tdx-golden.json --intel-root pki/root.pem "$@"
}
fails() { # check message evidence [verify options...]
	local check=$1 message=$2 file=$3
	shift 3
	expect_exit 3 verify "$file" "$@"
	jq -e --arg c "$check" '.failed | index($c) != null' "$TEST_TMP/out" >/dev/null ||
		fail "$file: expected $check to fail: $(cat "$TEST_TMP/out")"
	assert_contains "$(jq -r --arg c "$check" '.checks[$c].message' "$TEST_TMP/out")" \
		"$message" "$check of $file"
}
passes() { # check evidence [verify options...]: the others may fail
	local check=$1 file=$2
	shift 2
	verify "$file" "$@" >"$file.out" || true
	assert_eq pass "$(jq -r --arg c "$check" '.checks[$c].status' "$file.out")" "$check of $file"
}

mkdir pki other
expect_exit 0 "$tools/dcap-sim" certs pki
expect_exit 0 "$tools/dcap-sim" certs other # another root CA, and all below it
expect_exit 0 "$BOOTCHAIN" attest ak create --type rsa --context ak.ctx --out-public ak.pub
head -c 3000 /dev/urandom >kernel.img
printf 'kernel 8 kernel.img\n' >chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain chain --banks sha256
mrtd=$(openssl rand -hex 48)
jq --arg m "$mrtd" '. + {keep: {tdx: {mrtd: [$m]}}}' golden.json >tdx-golden.json
expect_exit 0 "$BOOTCHAIN" measure --chain chain --log boot.log
nonce=$(openssl rand -hex 32)

# --- the paravisor's TDREPORT, its TD quote, verified
evidence ev --mrtd "$mrtd"
assert_eq azure_hcl "$(jq -r .keep.provider ev.json)" "the provider"
expect_exit 0 verify ev.json
for check in nonce keep-signature keep-binding keep-golden golden; do
	assert_eq pass "$(jq -r --arg c "$check" '.checks[$c].status' "$TEST_TMP/out")" "$check"
done
# what the verifier relies on, computed here: report type 4 at 0x4C8; the TDREPORT's
# REPORTDATA (0x20 + 128) is SHA-256 of the runtime data (at 0x4D4, size at 0x4D0) and
# zeros, the quote's (48 + 520) the same; MRTD at 0x20 + 512 + 16 and 48 + 136
assert_eq 04000000 "$(bytes_at ev.bin $((0x4C8)) 4)" "the report type"
size=$(od -An -tu4 -j $((0x4D0)) -N4 ev.bin | tr -d ' ')
dd if=ev.bin of=runtime.json bs=1 skip=$((0x4D4)) count="$size" status=none
rd="$(openssl_digest sha256 <runtime.json)$(printf '0%.0s' {1..64})"
assert_eq "$rd" "$(bytes_at ev.bin $((0x20 + 128)) 64)" "TDREPORT REPORTDATA"
assert_eq "$rd" "$(bytes_at ev.quote $((48 + 520)) 64)" "the quote's REPORTDATA"
assert_eq "$mrtd" "$(bytes_at ev.bin $((0x20 + 528)) 48)" "TDREPORT MRTD"
assert_eq "$mrtd" "$(bytes_at ev.quote $((48 + 136)) 48)" "the quote's MRTD"

# --- another AK in the runtime data (another vTPM's): the TD vouches for it, not ours
expect_exit 0 "$BOOTCHAIN" attest ak create --type rsa --context ak2.ctx --out-public ak2.pub
expect_exit 0 "$tools/hcl-sim" --tdx pki --quote-out other-ak.quote --out other-ak.bin \
	--ak-public ak2.pub --mrtd "$mrtd"
put_hcl other-ak.bin
serve_quote other-ak.quote
expect_exit 0 "$BOOTCHAIN" attest quote --ak ak.ctx --nonce "$nonce" --log boot.log --keep \
	--out other-ak.json --tdquote-url "$TDQUOTE_URL"
passes keep-signature other-ak.json
fails keep-binding "the runtime data's HCLAkPub (modulus" other-ak.json

# --- a quote of another TD (its MRTD differs from the TDREPORT's): it vouches for nothing here
expect_exit 0 "$tools/hcl-sim" --tdx pki --quote-out other-td.quote --out other-td.bin \
	--ak-public ak.pub --mrtd "$mrtd" --quote-mrtd "$(openssl rand -hex 48)"
jq --arg q "$(base64 -w0 other-td.quote)" '.keep.quote = $q' ev.json >other-td.json
fails keep-signature "the TD quote is of another TD than the HCL report's TDREPORT: its MRTD" \
	other-td.json
# --- the TD quote of ev to another root; no quote at all; no Intel root
fails keep-signature "TD quote:" ev.json --intel-root other/root.pem
jq 'del(.keep.quote)' ev.json >ev.raw.json
fails keep-signature "without its TD quote (keep.quote)" ev.raw.json
# --- the REPORTDATA changed in the TDREPORT: the quote no longer is its TD's
cp ev.bin rd.bin
flip_byte rd.bin "$((0x20 + 128))"
jq --arg r "$(base64 -w0 rd.bin)" '.keep.report = $r' ev.json >rd.json
fails keep-signature "its REPORTDATA differs" rd.json
fails keep-binding "REPORTDATA" rd.json

# --- an MRTD the golden database does not allow
evidence bad-mrtd --mrtd "$(openssl rand -hex 48)"
passes keep-signature bad-mrtd.json
fails keep-golden "is not an allowed one" bad-mrtd.json
echo "PASS"
