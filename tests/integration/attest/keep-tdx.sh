#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The TDX Keep on swtpm and a simulated TDX guest (tests/tools/tdx-sim: configfs-tsm
# provider tdx_guest, quotes signed by a test DCAP PKI of tests/tools/dcap-sim, and a CC
# event log). Evidence whose TD quote binds the verifier's nonce and the AK, whose PCK
# chains to the pinned root and whose CCEL replays to the quote's RTMRs passes. Each
# substitution fails its own check: another nonce, another AK (keep-binding); another TD
# (MRTD not golden), a changed RTMR (the CCEL no longer replays), an event not golden, a
# debuggable TD, a TCB status below the golden minimum (keep-golden); a PCK chain to
# another root, one byte of the quote changed, no root (keep-signature).
. "$TESTS_LIB/common.sh"
tools="$(dirname "$BOOTCHAIN")/tests/tools"
for t in tdx-sim dcap-sim; do
	[ -x "$tools/$t" ] || { echo "ERROR: $tools/$t not built (make check builds it)" >&2; exit 99; }
done
start_swtpm
cd "$TEST_TMP"

SIM_PIDS=()
trap 'for p in "${SIM_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup' EXIT
start_sim() { # root pki [tdx-sim options...]
	local root=$1 pki=$2
	shift 2
	mkdir -p "$root"
	"$tools/tdx-sim" --root "$root" --pki "$pki" --daemon --pid "$root.pid" "$@"
	SIM_PIDS+=("$(cat "$root.pid")")
}

# the test PKI, another one (another root), and the collateral for TDX
expect_exit 0 "$tools/dcap-sim" certs pki
expect_exit 0 "$tools/dcap-sim" certs other
expect_exit 0 "$tools/dcap-sim" tcb-info pki --id TDX -o tcb-info.json
expect_exit 0 "$tools/dcap-sim" qe-identity pki --id TD_QE -o qe-identity.json
root=(--intel-root pki/root.pem --pck-crl pki/pck-crl.der --root-crl pki/root-crl.der)
intel=("${root[@]}" --tcb-info tcb-info.json --qe-identity qe-identity.json
	--tcb-signing-chain pki/tcb-chain.pem)

# the TD: its MRTD (tdx-sim's default, 0x33 48 times) and the events of its CC event log
mrtd=$(printf '33%.0s' $(seq 48))
events=(--event "1:td-firmware" --event "2:td-kernel" --event "3:console=ttyS0 root=/dev/vda")
start_sim tsm pki "${events[@]}"
sha384() { printf '%s' "$1" | openssl_digest sha384; }

expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub --out-name ak.name
head -c 3000 /dev/urandom >kernel.img
printf 'kernel 8 kernel.img\n' >chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain chain --banks sha256
expect_exit 0 "$BOOTCHAIN" measure --chain chain --log boot.log
component() { # name mr text
	jq -n --arg n "$1" --argjson p "$2" --arg d "$(sha384 "$3")" \
		'{name: $n, pcr: $p, versions: [{digests: {sha384: $d}}]}'
}
jq --arg m "$mrtd" --argjson c1 "$(component firmware 1 td-firmware)" \
	--argjson c2 "$(component kernel 2 td-kernel)" \
	--argjson c3 "$(component cmdline 3 "console=ttyS0 root=/dev/vda")" \
	'. + {keep: {tdx: {mrtd: [$m], min_tcb_status: "UpToDate",
		ccel: {components: [$c1, $c2, $c3]}}}}' golden.json >tdx-golden.json

# --- quote and verify ---
nonce=$(openssl rand -hex 32)
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --log boot.log --keep --tsm-root tsm \
	--out ev.json
assert_eq tdx_guest "$(jq -r .keep.provider ev.json)" "the provider"
jq -r .keep.eventlog ev.json | base64 -d >ccel.bin
cmp -s ccel.bin tsm/CCEL || fail "keep.eventlog is not the TD's CCEL"
expect_exit 0 "$BOOTCHAIN" attest verify ev.json --ak ak.pub --nonce "$nonce" \
	--golden tdx-golden.json "${intel[@]}"
out=$(cat "$TEST_TMP/out")
for check in nonce keep-signature keep-binding keep-golden golden; do
	assert_contains "$out" "$(printf '  %-14s pass' "$check")" "$check passes"
done
assert_contains "$out" "TCB status UpToDate" "the TCB status from the collateral"
assert_contains "$out" "CCEL: 3 events known" "the CCEL judged"
# REPORTDATA (TD report body at 48, REPORTDATA at 520 in it) is SHA-512("bootchain keep
# v1" || nonce || AK name), computed here
jq -r .keep.report ev.json | base64 -d >quote.bin
report_data=$(od -An -v -tx1 -j $((48 + 520)) -N 64 quote.bin | tr -d ' \n')
want=$( (printf 'bootchain keep v1'; hex_to_bin "$nonce"; cat ak.name) | openssl_digest sha512)
assert_eq "$want" "$report_data" "REPORTDATA as bootchain-evidence(5) defines it"
# RTMR1 (at 328 + 48) is the SHA-384 replay of its one event from zero, computed here
rtmr1=$(od -An -v -tx1 -j $((48 + 376)) -N 48 quote.bin | tr -d ' \n')
assert_eq "$(hex_to_bin "$(printf '0%.0s' $(seq 96))$(sha384 td-kernel)" | openssl_digest sha384)" \
	"$rtmr1" "RTMR1 replayed with openssl"

fails() { # check evidence [verify options...]
	local check=$1 file=$2
	shift 2
	expect_exit 3 "$BOOTCHAIN" attest verify "$file" --ak ak.pub --nonce "$nonce" --json "$@"
	jq -e --arg c "$check" '.failed | index($c) != null' "$TEST_TMP/out" >/dev/null ||
		fail "$file: expected $check to fail: $(cat "$TEST_TMP/out")"
}
fails_message() { # check message evidence [verify options...]
	local check=$1 message=$2
	shift 2
	fails "$check" "$@"
	assert_contains "$(jq -r --arg c "$check" '.checks[$c].message' "$TEST_TMP/out")" \
		"$message" "$check of $1"
}
with_keep() { # evidence source-evidence field out
	jq --slurpfile o "$2" --arg f "$3" '.keep[$f] = $o[0].keep[$f]' "$1" >"$4"
}
quote() { # tsm-root out [quote options...]
	local tsm=$1 out=$2
	shift 2
	expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --log boot.log --keep --tsm-root "$tsm" \
		--out "$out" "$@"
}

# another nonce: its quote swapped in, and the whole evidence
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$(openssl rand -hex 32)" --log boot.log --keep \
	--tsm-root tsm --out other-nonce.json
with_keep ev.json other-nonce.json report swapped.json
fails nonce swapped.json --golden tdx-golden.json "${intel[@]}"
fails_message keep-binding "REPORTDATA is not bound" swapped.json --golden tdx-golden.json "${intel[@]}"
fails keep-binding other-nonce.json "${intel[@]}"
# another AK (another machine's TPM): the quote binds the other AK's name
expect_exit 0 "$BOOTCHAIN" attest ak create --type rsa --context ak2.ctx --out-public ak2.pub
quote tsm other-ak.json --ak ak2.ctx
with_keep ev.json other-ak.json report swapped-ak.json
fails_message keep-binding "REPORTDATA is not bound" swapped-ak.json "${intel[@]}"
# another TD: an MRTD the golden database does not allow
start_sim tsm-td pki --mrtd "$(openssl rand -hex 48)" "${events[@]}"
quote tsm-td other-td.json
fails_message keep-golden "MRTD" other-td.json --golden tdx-golden.json "${intel[@]}"
fails_message keep-golden "is not an allowed one" other-td.json --golden tdx-golden.json "${intel[@]}"
# a changed RTMR: RTMR1 extended beyond the log, which no longer replays to it
start_sim tsm-rtmr pki "${events[@]}" --unlogged "2:rootkit"
quote tsm-rtmr changed-rtmr.json
fails_message keep-golden "RTMR1: the CC event log does not replay to the quote's value" \
	changed-rtmr.json --golden tdx-golden.json "${intel[@]}"
# the good log sent with that quote does not replay either; nor a good quote with its log
with_keep changed-rtmr.json ev.json eventlog changed-rtmr-log.json
fails_message keep-golden "RTMR1" changed-rtmr-log.json --golden tdx-golden.json "${intel[@]}"
# no log to judge the RTMRs by
jq 'del(.keep.eventlog)' ev.json >no-ccel.json
fails_message keep-golden "no CC event log in the evidence" no-ccel.json --golden tdx-golden.json \
	"${intel[@]}"
# an event the database does not know, logged and replayed
start_sim tsm-event pki --event "1:td-firmware" --event "2:td-kernel-evil" \
	--event "3:console=ttyS0 root=/dev/vda"
quote tsm-event bad-event.json
fails_message keep-golden "CCEL: RTMR1, event 2 (EV_IPL" bad-event.json --golden tdx-golden.json \
	"${intel[@]}"
# a debuggable TD (TDATTRIBUTES bit 0)
start_sim tsm-debug pki --td-attributes 1 "${events[@]}"
quote tsm-debug debug.json
fails_message keep-golden "a debuggable TD" debug.json --golden tdx-golden.json "${intel[@]}"
jq '.keep.tdx.allow_debug = true' tdx-golden.json >debug-golden.json
expect_exit 0 "$BOOTCHAIN" attest verify debug.json --ak ak.pub --nonce "$nonce" \
	--golden debug-golden.json "${intel[@]}"
# a PCK chain to another root
start_sim tsm-other other "${events[@]}"
quote tsm-other other-root.json
fails_message keep-signature "which is not the pinned root" other-root.json "${intel[@]}"
# a TCB status below the minimum: collateral in which the platform's TCB (tdx-sim: SGX
# components 5 5 2 2 2 1 0 3, PCESVN 13, TEE_TCB_SVN 03 00 06) is OutOfDate
level() { # status
	local sgx tdx
	sgx=$(jq -nc '[5,5,2,2,2,1,0,3,0,0,0,0,0,0,0,0] | map({svn: .})')
	tdx=$(jq -nc '[3,0,6,0,0,0,0,0,0,0,0,0,0,0,0,0] | map({svn: .})')
	jq -nc --argjson s "$sgx" --argjson t "$tdx" --arg st "$1" \
		'[{tcb: {sgxtcbcomponents: $s, pcesvn: 13, tdxtcbcomponents: $t},
		   tcbDate: "2024-03-13T00:00:00Z", tcbStatus: $st}]'
}
expect_exit 0 "$tools/dcap-sim" tcb-info pki --id TDX --levels "$(level OutOfDate)" -o old.json
old=("${root[@]}" --tcb-info old.json --qe-identity qe-identity.json --tcb-signing-chain pki/tcb-chain.pem)
fails_message keep-golden "TCB status OutOfDate is below the golden database's min_tcb_status UpToDate" \
	ev.json --golden tdx-golden.json "${old[@]}"
jq '.keep.tdx.min_tcb_status = "OutOfDate"' tdx-golden.json >old-golden.json
expect_exit 0 "$BOOTCHAIN" attest verify ev.json --ak ak.pub --nonce "$nonce" \
	--golden old-golden.json "${old[@]}"
# with collateral and no minimum, UpToDate is required
jq 'del(.keep.tdx.min_tcb_status)' tdx-golden.json >nomin-golden.json
fails_message keep-golden "TCB status OutOfDate is below the golden database's min_tcb_status UpToDate (the default" \
	ev.json --golden nomin-golden.json "${old[@]}"
# without collateral the status is unknown: a minimum fails, none passes
fails_message keep-golden "the TCB status is unknown (no TCB info given)" ev.json \
	--golden tdx-golden.json "${root[@]}"
expect_exit 0 "$BOOTCHAIN" attest verify ev.json --ak ak.pub --nonce "$nonce" \
	--golden nomin-golden.json "${root[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "TCB status unknown" "no collateral said"
# no root at all
fails_message keep-signature "no Intel root given" ev.json --golden nomin-golden.json
# the quote with one byte changed (in MRCONFIGID, at 48 + 184)
cp quote.bin tampered.bin
flip_byte tampered.bin "$((48 + 184))"
jq --arg r "$(base64 -w0 tampered.bin)" '.keep.report = $r' ev.json >tampered.json
fails_message keep-signature "signature does not verify" tampered.json "${intel[@]}"
# collateral without its signing chain is a usage error
expect_exit 2 "$BOOTCHAIN" attest verify ev.json --ak ak.pub --nonce "$nonce" \
	--intel-root pki/root.pem --tcb-info tcb-info.json
# a database whose keep allows SEV-SNP only has no TDX Keep
jq '.keep = {measurements: ["'"$(openssl rand -hex 48)"'"]}' golden.json >snp-golden.json
fails_message keep-golden "the golden database allows no TDX Keep" ev.json \
	--golden snp-golden.json "${intel[@]}"
# quote version 5 (TD 1.5 body) verifies the same way
start_sim tsm-v5 pki --version 5 --pad 0 "${events[@]}" # and a log without free space
quote tsm-v5 v5.json
expect_exit 0 "$BOOTCHAIN" attest verify v5.json --ak ak.pub --nonce "$nonce" \
	--golden tdx-golden.json "${intel[@]}"
# the golden "tdx" object is strict
bad_golden() { # jq-filter what
	jq "$1" tdx-golden.json >bad.json
	expect_exit 1 "$BOOTCHAIN" golden show bad.json
	assert_contains "$(cat "$TEST_TMP/err")" "$2" "golden refused: $1"
}
bad_golden 'del(.keep.tdx.mrtd)' 'no "mrtd"'
bad_golden '.keep.tdx.mrtdd = []' 'mrtdd'
bad_golden '.keep.tdx.mrtd = ["00"]' 'not 48 bytes in hex'
bad_golden '.keep.tdx.min_tcb_status = "Fine"' 'is not a TCB status'
bad_golden '.keep.tdx.xfam = "0xzz"' 'not a 64-bit hex number'
bad_golden '.keep.tdx.ccel.components[0].pcr = 5' 'not an MR index'
# served and polled with the collateral
start_serve serve --log boot.log --keep --tsm-root tsm
printf 'td-machine %s ak.pub\n' "$URL" >fleet.hosts
expect_exit 0 "$BOOTCHAIN" attest poll --hosts fleet.hosts --ak ak.pub --golden tdx-golden.json \
	--keep --json "${intel[@]}"
assert_eq true "$(jq -r .pass "$TEST_TMP/out")" "poll of the TDX Keep passes"
assert_eq pass "$(jq -r '.verify.checks["keep-golden"].status' "$TEST_TMP/out")" "keep-golden, polled"
stop_serve "$SERVE_PID" serve
echo "PASS"
