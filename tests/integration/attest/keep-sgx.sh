#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# SGX Keeps (bootchain-evidence(5), KEEP-ONLY EVIDENCE): an enclave's DCAP quote v3 is
# the whole evidence, its REPORTDATA SHA-512("bootchain keep v1" || nonce) (computed here
# with openssl), its PCK chain to a test Intel root (tests/tools/sgx-quote), judged by a
# golden "keep"."sgx" object. It passes; each substitution fails with its own check:
# another nonce, an MRENCLAVE or MRSIGNER not golden, an ISVSVN below the minimum, a
# debug enclave, a byte of the quote body changed, a PCK chain to another root, a QE
# report that vouches for another attestation key, a TCB status below the minimum or
# Revoked. And it fails closed: the TPM checks a verifier asks for, no golden "sgx"
# object, no Intel root, a TCB minimum without collateral, no nonce, a stripped SEV-SNP
# report, a TPM field in keep-only evidence.
. "$TESTS_LIB/common.sh"
tools="$(dirname "$BOOTCHAIN")/tests/tools"
for t in sgx-quote dcap-sim; do
	[ -x "$tools/$t" ] || { echo "ERROR: $tools/$t not built" >&2; exit 99; }
done
cd "$TEST_TMP"

mkdir pki other
"$tools/sgx-quote" init pki
"$tools/sgx-quote" init other # another root CA, and all below it
mrenclave=$(openssl rand -hex 32)
mrsigner=$(openssl rand -hex 32)
nonce=$(openssl rand -hex 32)

report_data() { # nonce
	(printf 'bootchain keep v1'; hex_to_bin "$1") | openssl_digest sha512
}

evidence() { # out pki nonce [sgx-quote options...]: keep-only evidence as the man page says
	local out=$1 pki=$2 n=$3
	shift 3
	"$tools/sgx-quote" quote "$pki" --report-data "$(report_data "$n")" --out "$out.bin" \
		--mrenclave "$mrenclave" --mrsigner "$mrsigner" --isvprodid 7 --isvsvn 3 "$@"
	jq -n --arg r "$(base64 -w0 "$out.bin")" --arg n "$n" \
		'{format: "bootchain-evidence-v1", quote: null, selection: null, pcrs: null,
		  ak_public: null, eventlog: null,
		  keep: {provider: "sgx", report: $r, vcek: null}, nonce: $n}' >"$out"
}

golden() { # out sgx-object
	jq -n --argjson s "$2" \
		'{format: "bootchain-golden-v1", components: [], keep: {sgx: $s}}' >"$1"
}
golden g.json "{\"mrenclave\": [\"$mrenclave\"], \"mrsigner\": [\"$mrsigner\"],
	\"isvprodid\": 7, \"min_isvsvn\": 3}"
golden signer.json "{\"mrsigner\": [\"$mrsigner\"]}"
golden debug.json "{\"mrenclave\": [\"$mrenclave\"], \"allow_debug\": true}"
golden min-tcb.json "{\"mrenclave\": [\"$mrenclave\"], \"min_tcb_status\": \"OutOfDate\"}"
intel=(--intel-root pki/root.pem --tcb-signing-chain pki/tcb-chain.pem
	--tcb-info pki/tcb-info.json --qe-identity pki/qe-identity.json
	--pck-crl pki/pck-crl.der --root-crl pki/root-crl.der)

evidence ev.json pki "$nonce"
expect_exit 0 "$BOOTCHAIN" attest verify ev.json --nonce "$nonce" --golden g.json "${intel[@]}"
out=$(cat "$TEST_TMP/out")
for check in keep-signature keep-binding keep-golden; do
	assert_contains "$out" "$(printf '  %-14s pass' "$check")" "$check passes"
done
for check in ak signature nonce pcr-selection eventlog golden; do
	assert_contains "$out" "$(printf '  %-14s skip' "$check")" "$check is skipped"
done
assert_contains "$out" "TCB UpToDate" "the TCB status from the collateral"
# the quote is what the tool wrote and the JSON what the man page defines: REPORTDATA at
# 48 (header) + 320, MRENCLAVE at 48 + 64
assert_eq "$(report_data "$nonce")" "$(od -An -v -tx1 -j 368 -N 64 ev.json.bin | tr -d ' \n')" \
	"REPORTDATA in the quote"
assert_eq "$mrenclave" "$(od -An -v -tx1 -j 112 -N 32 ev.json.bin | tr -d ' \n')" "MRENCLAVE"
# the golden MRSIGNER alone, and only the root (no collateral: the TCB not judged)
expect_exit 0 "$BOOTCHAIN" attest verify ev.json --nonce "$nonce" --golden signer.json \
	--intel-root pki/root.pem
assert_contains "$(cat "$TEST_TMP/out")" "TCB not judged" "no collateral, said so"

fails() { # check evidence golden [verify options...]
	local check=$1 file=$2 db=$3
	shift 3
	expect_exit 3 "$BOOTCHAIN" attest verify "$file" --nonce "$nonce" --golden "$db" --json "$@"
	jq -e --arg c "$check" '.failed | index($c) != null' "$TEST_TMP/out" >/dev/null ||
		fail "$file: expected $check to fail: $(cat "$TEST_TMP/out")"
}
only_fails() { # check evidence golden [verify options...]: that check and no other
	fails "$@"
	assert_eq "[\"$1\"]" "$(jq -c .failed "$TEST_TMP/out")" "$2: only $1 fails"
}

# another nonce: the verifier's, or the quote's
only_fails keep-binding ev.json g.json "${intel[@]}" --nonce "$(openssl rand -hex 32)"
evidence old.json pki "$(openssl rand -hex 32)"
only_fails keep-binding old.json g.json "${intel[@]}"
# the enclave's identity
evidence enclave.json pki "$nonce" --mrenclave "$(openssl rand -hex 32)"
only_fails keep-golden enclave.json g.json "${intel[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "MRENCLAVE" "names MRENCLAVE"
evidence signer.json.ev pki "$nonce" --mrsigner "$(openssl rand -hex 32)"
only_fails keep-golden signer.json.ev signer.json "${intel[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "MRSIGNER" "names MRSIGNER"
evidence svn.json pki "$nonce" --isvsvn 2
only_fails keep-golden svn.json g.json "${intel[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "min_isvsvn 3" "names min_isvsvn"
evidence prodid.json pki "$nonce" --isvprodid 8
only_fails keep-golden prodid.json g.json "${intel[@]}"
evidence debug.json.ev pki "$nonce" --debug
only_fails keep-golden debug.json.ev g.json "${intel[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "debug enclave" "names the debug attribute"
expect_exit 0 "$BOOTCHAIN" attest verify debug.json.ev --nonce "$nonce" --golden debug.json \
	"${intel[@]}"
# a byte of the body changed after signing (CONFIGID, judged by no golden field)
cp ev.json.bin body.bin
flip_byte body.bin "$((48 + 192))"
jq --arg r "$(base64 -w0 body.bin)" '.keep.report = $r' ev.json >body.json
only_fails keep-signature body.json g.json "${intel[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "signature does not verify" "the quote signature"
# signed by keys of another root: the PCK chain does not end at the pinned one
evidence root.json other "$nonce"
only_fails keep-signature root.json g.json "${intel[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "pinned root" "the PCK chain"
# the quote's attestation key (which signs it) is not the one the QE report vouches for
evidence attkey.json pki "$nonce" --swap-att-key
only_fails keep-signature attkey.json g.json "${intel[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "does not vouch for this attestation key" "the QE report"

# the TCB status, from TCB info whose only level (every component 0) says it
levels() { # status
	jq -nc --arg s "$1" '[{tcb: {sgxtcbcomponents: [range(16) | {svn: 0}], pcesvn: 0},
		tcbDate: "2024-01-01T00:00:00Z", tcbStatus: $s}]'
}
"$tools/dcap-sim" tcb-info pki --id SGX --levels "$(levels OutOfDate)" -o old-tcb.json
"$tools/dcap-sim" tcb-info pki --id SGX --levels "$(levels Revoked)" -o revoked-tcb.json
tcb=(--intel-root pki/root.pem --tcb-signing-chain pki/tcb-chain.pem)
only_fails keep-golden ev.json g.json "${tcb[@]}" --tcb-info old-tcb.json # UpToDate by default
assert_contains "$(cat "$TEST_TMP/out")" "OutOfDate is below UpToDate" "the TCB status"
expect_exit 0 "$BOOTCHAIN" attest verify ev.json --nonce "$nonce" --golden min-tcb.json \
	"${tcb[@]}" --tcb-info old-tcb.json
fails keep-signature ev.json min-tcb.json "${tcb[@]}" --tcb-info revoked-tcb.json

# fail closed
fails keep-signature ev.json g.json # no Intel root
fails keep-golden ev.json min-tcb.json --intel-root pki/root.pem # a minimum, no collateral
expect_exit 3 "$BOOTCHAIN" attest verify ev.json --nonce "$nonce" "${intel[@]}" --json
assert_eq '["keep-golden"]' "$(jq -c .failed "$TEST_TMP/out")" "no golden: keep-golden fails"
fails pcr-selection ev.json g.json "${intel[@]}" --require-pcrs sha256:0-7 # a TPM asked for
expect_exit 3 "$BOOTCHAIN" attest verify ev.json --no-nonce --golden g.json "${intel[@]}" --json
assert_eq '["keep-binding"]' "$(jq -c .failed "$TEST_TMP/out")" "--no-nonce: nothing binds it"
jq '.keep.provider = "sev_guest"' ev.json >snp.json # a TPM-bound kind, stripped of its quote
fails keep-binding snp.json g.json "${intel[@]}"
jq '.pcrs = {}' ev.json >pcrs.json # a TPM field in keep-only evidence
expect_exit 3 "$BOOTCHAIN" attest verify pcrs.json --nonce "$nonce" --golden g.json "${intel[@]}"
assert_contains "$(cat "$TEST_TMP/out" "$TEST_TMP/err")" "pcrs: not null in keep-only evidence" \
	"names the field"
# the golden "sgx" object: refused naming the field when it allows any enclave or is
# malformed; merged when one database has it, refused when two differ
golden any.json '{"min_isvsvn": 1}'
golden short.json '{"mrenclave": ["00"]}'
golden status.json "{\"mrenclave\": [\"$mrenclave\"], \"min_tcb_status\": \"Fine\"}"
for db in any.json:'no "mrenclave" and no "mrsigner"' short.json:'keep.sgx.mrenclave[0]' \
	status.json:'keep.sgx.min_tcb_status'; do
	expect_exit 1 "$BOOTCHAIN" attest verify ev.json --nonce "$nonce" --golden "${db%%:*}" \
		"${intel[@]}"
	assert_contains "$(cat "$TEST_TMP/err")" "${db#*:}" "${db%%:*} refused"
done
jq -n '{format: "bootchain-golden-v1", components: []}' >plain.json
expect_exit 0 "$BOOTCHAIN" golden merge plain.json g.json --out merged.json
expect_exit 0 "$BOOTCHAIN" attest verify ev.json --nonce "$nonce" --golden merged.json \
	"${intel[@]}"
expect_exit 1 "$BOOTCHAIN" golden merge g.json signer.json --out merged2.json
assert_contains "$(cat "$TEST_TMP/err")" "keep.sgx: two different objects" "merge refused"
echo "keep-sgx: ok"
