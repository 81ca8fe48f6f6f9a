#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The Keep of an Azure confidential VM (bootchain-evidence(5), "azure_hcl"): the vTPM's
# HCL report in NV index 0x01400001, written here on swtpm by a simulated paravisor
# (hcl-sim): an SEV-SNP report whose REPORT_DATA is SHA-256 of runtime data naming the
# vTPM's AK (HCLAkPub). `attest quote --keep` finds it there, and the verifier checks the
# chain: the report's signature to the ARK, REPORT_DATA = SHA-256(runtime data) and
# HCLAkPub = the quoting AK, and the quote by that AK for the PCRs and the nonce. Each
# substitution fails with its own check: another AK in the runtime data, runtime data
# changed, the report changed, a VLEK report with the VCEK's chain, a VLEK chain to
# another root, the evidence's own VCEK without an ARK, a measurement not allowed, and
# an HCL report cut short at each of its parts.
. "$TESTS_LIB/common.sh"
tools="$(dirname "$BOOTCHAIN")/tests/tools"
[ -x "$tools/hcl-sim" ] || { echo "ERROR: $tools/hcl-sim not built" >&2; exit 99; }
for t in tpm2_nvdefine tpm2_nvwrite tpm2_nvundefine jq basenc; do
	command -v "$t" >/dev/null || { echo "ERROR: $t not found" >&2; exit 99; }
done
start_swtpm
export TPM2TOOLS_TCTI="$TCTI" # the paravisor's side: tpm2-tools
cd "$TEST_TMP"
make_certs="$TESTS_LIB/../tools/make-snp-certs.sh"
HCL_INDEX=0x01400001

bytes_at() { # file offset len
	od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'
}
# The paravisor leaves FILE in the vTPM's NV index.
put_hcl() { # file
	tpm2_nvundefine -C o "$HCL_INDEX" >/dev/null 2>&1 || true
	tpm2_nvdefine -C o -s "$(stat -c %s "$1")" -a "ownerread|ownerwrite|authread|authwrite" \
		"$HCL_INDEX" >/dev/null || fail "tpm2_nvdefine $HCL_INDEX"
	tpm2_nvwrite -C o -i "$1" "$HCL_INDEX" || fail "tpm2_nvwrite $HCL_INDEX"
}
# Evidence quoted by the AK with the HCL report now in the NV index.
quote_to() { # out [quote options...]
	local out=$1
	shift
	expect_exit 0 "$BOOTCHAIN" attest quote --ak ak.ctx --nonce "$nonce" --log boot.log --keep \
		--keep-vcek certs/vcek.pem --out "$out" "$@"
}
fails() { # check message evidence [verify options...]
	local check=$1 message=$2 file=$3
	shift 3
	expect_exit 3 "$BOOTCHAIN" attest verify "$file" --ak ak.pub --nonce "$nonce" --json "$@"
	jq -e --arg c "$check" '.failed | index($c) != null' "$TEST_TMP/out" >/dev/null ||
		fail "$file: expected $check to fail: $(cat "$TEST_TMP/out")"
	assert_contains "$(jq -r --arg c "$check" '.checks[$c].message' "$TEST_TMP/out")" \
		"$message" "$check of $file"
}
passes() { # check evidence [verify options...]: the others may fail
	local check=$1 file=$2
	shift 2
	"$BOOTCHAIN" attest verify "$file" --ak ak.pub --nonce "$nonce" --json "$@" >"$file.out" || true
	assert_eq pass "$(jq -r --arg c "$check" '.checks[$c].status' "$file.out")" "$check of $file"
}

bash "$make_certs" certs 2048 >/dev/null
bash "$make_certs" --vlek certs 2048 >/dev/null
bash "$make_certs" other 2048 >/dev/null
bash "$make_certs" --vlek other 2048 >/dev/null
keep=(--keep-ark certs/ark.pem --keep-ask certs/ask.pem)

# the vTPM's AK: RSA, as Azure's
expect_exit 0 "$BOOTCHAIN" attest ak create --type rsa --context ak.ctx --out-public ak.pub \
	--out-pem ak.pem
head -c 3000 /dev/urandom >kernel.img
printf 'kernel 8 kernel.img\n' >chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain chain --banks sha256
good=$(openssl rand -hex 48)
jq --arg m "$good" '. + {keep: {measurements: [$m]}}' golden.json >keep-golden.json
expect_exit 0 "$BOOTCHAIN" measure --chain chain --log boot.log
nonce=$(openssl rand -hex 32)

# --- the paravisor's report, quoted and verified ---
expect_exit 0 "$tools/hcl-sim" --ak-public ak.pub --vcek-key certs/vcek-key.pem \
	--measurement "$good" --out hcl.bin
put_hcl hcl.bin
quote_to ev.json
assert_eq azure_hcl "$(jq -r .keep.provider ev.json)" "the provider"
jq -r .keep.report ev.json | base64 -d >read.bin
cmp -s read.bin hcl.bin || fail "the evidence's HCL report is not the NV index's content"
expect_exit 0 "$BOOTCHAIN" attest verify ev.json --ak ak.pub --nonce "$nonce" \
	--golden keep-golden.json "${keep[@]}"
out=$(cat "$TEST_TMP/out")
for check in nonce keep-signature keep-binding keep-golden golden; do
	assert_contains "$out" "$(printf '  %-14s pass' "$check")" "$check passes"
done
# what the verifier relies on, computed here: "HCLA"; REPORT_DATA's first 32 bytes (at
# 0x20 + 0x50) are SHA-256 of the runtime data (at 0x4D4, its size at 0x4D0); their
# HCLAkPub's n is the AK's modulus (openssl) and e 65537
assert_eq 48434c41 "$(bytes_at hcl.bin 0 4)" "the HCL signature"
size=$(od -An -tu4 -j $((0x4D0)) -N4 hcl.bin | tr -d ' ')
dd if=hcl.bin of=runtime.json bs=1 skip=$((0x4D4)) count="$size" status=none
assert_eq "$(openssl_digest sha256 <runtime.json)" "$(bytes_at hcl.bin $((0x20 + 0x50)) 32)" \
	"REPORT_DATA = SHA-256(runtime data)"
b64url_hex() { # base64url without padding -> hex
	local t=$1
	while [ $((${#t} % 4)) -ne 0 ]; do t="$t="; done
	printf '%s' "$t" | basenc --base64url -d | od -An -v -tx1 | tr -d ' \n'
}
modulus=$(openssl rsa -pubin -in ak.pem -noout -modulus | cut -d= -f2 | tr 'A-F' 'a-f')
assert_eq "$modulus" "$(b64url_hex "$(jq -r '.keys[] | select(.kid == "HCLAkPub") | .n' runtime.json)")" \
	"HCLAkPub's n"
assert_eq 010001 "$(b64url_hex "$(jq -r '.keys[] | select(.kid == "HCLAkPub") | .e' runtime.json)")" \
	"HCLAkPub's e"

# --- another AK in the runtime data (another vTPM's): the report vouches for it, not ours
expect_exit 0 "$BOOTCHAIN" attest ak create --type rsa --context ak2.ctx --out-public ak2.pub
expect_exit 0 "$tools/hcl-sim" --ak-public ak2.pub --vcek-key certs/vcek-key.pem \
	--measurement "$good" --out other-ak.bin
put_hcl other-ak.bin
quote_to other-ak.json
passes keep-signature other-ak.json "${keep[@]}"
passes nonce other-ak.json "${keep[@]}"
fails keep-binding "the runtime data's HCLAkPub (modulus" other-ak.json "${keep[@]}"
fails keep-binding "is not the quoting AK" other-ak.json "${keep[@]}"

# --- runtime data changed (a hex digit of "user-data"): REPORT_DATA no longer its hash
cp hcl.bin changed.bin
printf '1' | dd of=changed.bin bs=1 seek=$(($(stat -c %s hcl.bin) - 10)) conv=notrunc status=none
jq -e . <(tail -c "$size" changed.bin) >/dev/null || fail "the changed runtime data are not JSON"
put_hcl changed.bin
quote_to changed.json
passes keep-signature changed.json "${keep[@]}"
fails keep-binding "is not SHA-256 of the runtime data" changed.json "${keep[@]}"

# --- the SEV-SNP report changed (a byte of MEASUREMENT): its signature fails
cp hcl.bin forged.bin
flip_byte forged.bin "$((0x20 + 0x90))"
put_hcl forged.bin
quote_to forged.json
fails keep-signature "signature does not verify with the VCEK's key" forged.json "${keep[@]}"

# --- a VLEK-signed report: the VLEK up the ASVK; not with the VCEK's chain, nor to
# another root
expect_exit 0 "$tools/hcl-sim" --ak-public ak.pub --vcek-key certs/vlek-key.pem --vlek \
	--measurement "$good" --out vlek.bin
put_hcl vlek.bin
quote_to vlek.json --keep-vcek certs/vlek.pem
expect_exit 0 "$BOOTCHAIN" attest verify vlek.json --ak ak.pub --nonce "$nonce" \
	--golden keep-golden.json --keep-ark certs/ark.pem --keep-ask certs/asvk.pem
assert_contains "$(cat "$TEST_TMP/out")" "signed by the VLEK" "a VLEK report"
fails keep-signature "the certificate given is a VCEK" vlek.json --keep-vcek certs/vcek.pem \
	"${keep[@]}"
fails keep-signature "the ASVK is not issued by the ARK" vlek.json --keep-ark other/ark.pem \
	--keep-ask certs/asvk.pem
fails keep-signature "not issued by the ARK" vlek.json --keep-vcek other/vlek.pem \
	--keep-ark certs/ark.pem --keep-ask other/asvk.pem

# --- the evidence's own VCEK and no ARK to chain it to proves nothing
fails keep-signature "no ARK" ev.json
# --- a measurement the golden database does not allow
expect_exit 0 "$tools/hcl-sim" --ak-public ak.pub --vcek-key certs/vcek-key.pem \
	--measurement "$(openssl rand -hex 48)" --out bad-measurement.bin
put_hcl bad-measurement.bin
quote_to bad-measurement.json
fails keep-golden "is not an allowed one" bad-measurement.json --golden keep-golden.json "${keep[@]}"

# --- an HCL report cut short in each of its parts, and one that is not one
with_report() { # report-file evidence-out
	jq --arg r "$(base64 -w0 "$1")" '.keep.report = $r' ev.json >"$2"
}
total=$(stat -c %s hcl.bin)
cut_at() { # bytes message
	head -c "$1" hcl.bin >"cut-$1.bin"
	with_report "cut-$1.bin" "cut-$1.json"
	fails keep-signature "$2" "cut-$1.json" "${keep[@]}"
	fails keep-binding "$2" "cut-$1.json" "${keep[@]}"
}
cut_at 16 "16 bytes, shorter than its 32-byte attestation header"
cut_at $((0x20 + 600)) "shorter than its hardware report (offset 0x20, 1184 bytes)"
cut_at $((0x4C0 + 10)) "shorter than the runtime data header (offset 0x4c0, 20 bytes)"
cut_at $((total - 1)) "runtime data of $size bytes, and $((size - 1)) bytes left"
cp hcl.bin not-hcl.bin
printf 'XCLA' | dd of=not-hcl.bin bs=1 conv=notrunc status=none
with_report not-hcl.bin not-hcl.json
fails keep-signature 'not "HCLA"' not-hcl.json "${keep[@]}"
echo "PASS"
