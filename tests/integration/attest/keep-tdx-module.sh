#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The TDX module's own TCB level, judged as Intel's QVL does (attest/dcap-collateral.c):
# a TD quote whose TEE_TCB_SVN[1] (the module's major version) is not 0 is judged by the
# TCB info's tdxModuleIdentities entry "TDX_<major, 2 hex digits>": its mrsigner and
# attributes against MRSIGNERSEAM and SEAMATTRIBUTES, and the level of the highest
# isvsvn <= TEE_TCB_SVN[0] for the module's status, converged with the platform's.
# Each case's collateral is written here, so the expected level follows from it: up to
# date passes; an SVN below the UpToDate level gives OutOfDate (refused unless
# min_tcb_status accepts it); Revoked, an SVN below every level, no identity for the
# major version, another signer or attributes fail keep-signature; major version 0
# does not use the identities.
. "$TESTS_LIB/common.sh"
tools="$(dirname "$BOOTCHAIN")/tests/tools"
for t in tdx-sim dcap-sim; do
	[ -x "$tools/$t" ] || { echo "ERROR: $tools/$t not built (make check builds it)" >&2; exit 99; }
done
start_swtpm
cd "$TEST_TMP"

SIM_PIDS=()
trap 'for p in "${SIM_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup' EXIT
start_sim() { # root [tdx-sim options...]
	local root=$1
	shift
	mkdir -p "$root"
	"$tools/tdx-sim" --root "$root" --pki pki --daemon --pid "$root.pid" "$@"
	SIM_PIDS+=("$(cat "$root.pid")")
}

expect_exit 0 "$tools/dcap-sim" certs pki
expect_exit 0 "$tools/dcap-sim" qe-identity pki --id TD_QE -o qe-identity.json
root=(--intel-root pki/root.pem --pck-crl pki/pck-crl.der --root-crl pki/root-crl.der)

expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub --out-name ak.name
head -c 3000 /dev/urandom >kernel.img
printf 'kernel 8 kernel.img\n' >chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain chain --banks sha256
expect_exit 0 "$BOOTCHAIN" measure --chain chain --log boot.log
mrtd=$(printf '33%.0s' $(seq 48)) # tdx-sim's default MRTD
jq --arg m "$mrtd" '. + {keep: {tdx: {mrtd: [$m], min_tcb_status: "UpToDate"}}}' golden.json \
	>tdx-golden.json
jq '.keep.tdx.min_tcb_status = "OutOfDate"' tdx-golden.json >old-golden.json

nonce=$(openssl rand -hex 32)
quote() { # tsm-root out
	expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --log boot.log --keep \
		--tsm-root "$1" --out "$2"
}
# a TD whose module is of major version 1 at SVN 5; the rest of TEE_TCB_SVN (byte 2, 6)
# as the platform's TCB levels of dcap-sim want it
start_sim tsm --tee-tcb-svn 05010600000000000000000000000000
quote tsm ev.json
jq -r .keep.report ev.json | base64 -d >quote.bin
assert_eq 0501 "$(od -An -v -tx1 -j 48 -N 2 quote.bin | tr -d ' \n')" "TEE_TCB_SVN[0..1] in the quote"
# and one of major version 0 (dcap-sim's default TEE_TCB_SVN 03 00 06)
start_sim tsm0
quote tsm0 ev0.json

zeros=$(printf '0%.0s' $(seq 96))
identity() { # id levels [mrsigner [attributes]]: one tdxModuleIdentities entry
	jq -nc --arg id "$1" --argjson l "$2" --arg m "${3:-$zeros}" \
		--arg a "${4:-0000000000000000}" \
		'{id: $id, mrsigner: $m, attributes: $a, attributesMask: "FFFFFFFFFFFFFFFF",
		  tcbLevels: $l}'
}
levels() { # isvsvn:status...
	local a
	for a in "$@"; do
		jq -nc --argjson s "${a%%:*}" --arg st "${a#*:}" \
			'{tcb: {isvsvn: $s}, tcbDate: "2024-03-13T00:00:00Z", tcbStatus: $st}'
	done | jq -sc .
}
collateral() { # name identities-json (or "none")
	local ids=()
	[ "$2" = none ] || ids=(--module-identities "$2")
	expect_exit 0 "$tools/dcap-sim" tcb-info pki --id TDX "${ids[@]}" -o "$1.json"
	intel=("${root[@]}" --tcb-info "$1.json" --qe-identity qe-identity.json
		--tcb-signing-chain pki/tcb-chain.pem)
}
passes() { # evidence golden
	expect_exit 0 "$BOOTCHAIN" attest verify "$1" --ak ak.pub --nonce "$nonce" --golden "$2" \
		"${intel[@]}"
}
fails_message() { # check message evidence golden
	expect_exit 3 "$BOOTCHAIN" attest verify "$3" --ak ak.pub --nonce "$nonce" --golden "$4" \
		--json "${intel[@]}"
	jq -e --arg c "$1" '.failed | index($c) != null' "$TEST_TMP/out" >/dev/null ||
		fail "$3: expected $1 to fail: $(cat "$TEST_TMP/out")"
	assert_contains "$(jq -r --arg c "$1" '.checks[$c].message' "$TEST_TMP/out")" "$2" "$1: $2"
}

# up to date: SVN 5 reaches the level of isvsvn 5, UpToDate
collateral up "[$(identity TDX_01 "$(levels 5:UpToDate 2:OutOfDate)")]"
passes ev.json tdx-golden.json
out=$(cat "$TEST_TMP/out")
assert_contains "$out" "TCB status UpToDate (TCB info TDX, platform UpToDate, TDX module TDX_01 at SVN 5 UpToDate" \
	"the module's status in keep-signature"
# the levels in another order: the highest isvsvn <= 5 still decides
collateral order "[$(identity TDX_01 "$(levels 2:OutOfDate 5:UpToDate 4:Revoked)")]"
passes ev.json tdx-golden.json

# SVN 5 below the UpToDate level (6): the level of isvsvn 2, OutOfDate; the platform is
# UpToDate, so the whole is OutOfDate, judged by min_tcb_status as the platform's is
collateral old "[$(identity TDX_01 "$(levels 6:UpToDate 2:OutOfDate)")]"
fails_message keep-golden "TCB status OutOfDate is below the golden database's min_tcb_status UpToDate" \
	ev.json tdx-golden.json
assert_contains "$(jq -r '.checks["keep-golden"].message' "$TEST_TMP/out")" \
	"platform UpToDate, TDX module TDX_01 at SVN 5 OutOfDate" "why OutOfDate"
assert_eq pass "$(jq -r '.checks["keep-signature"].status' "$TEST_TMP/out")" "keep-signature of OutOfDate"
passes ev.json old-golden.json
assert_contains "$(cat "$TEST_TMP/out")" "TCB status OutOfDate" "accepted by min_tcb_status OutOfDate"
jq 'del(.keep.tdx.min_tcb_status)' tdx-golden.json >nomin-golden.json
fails_message keep-golden "(the default with collateral)" ev.json nomin-golden.json

# Revoked: never accepted
collateral revoked "[$(identity TDX_01 "$(levels 6:UpToDate 5:Revoked)")]"
fails_message keep-signature "the TCB status is Revoked (platform UpToDate, TDX module TDX_01 at SVN 5 Revoked)" \
	ev.json old-golden.json
# no level at or below SVN 5: not supported
collateral above "[$(identity TDX_01 "$(levels 7:UpToDate 6:OutOfDate)")]"
fails_message keep-signature "TDX module TDX_01 at SVN 5 below every level (not supported)" \
	ev.json old-golden.json

# no identity for major version 1, or no identities at all
collateral other-major "[$(identity TDX_02 "$(levels 0:UpToDate)"),$(identity TDX_10 "$(levels 0:UpToDate)")]"
fails_message keep-signature 'no tdxModuleIdentities entry "TDX_01" for the quote'"'"'s TDX module of major version 1' \
	ev.json old-golden.json
collateral no-ids none
fails_message keep-signature "no tdxModuleIdentities, and the quote's TDX module has major version 1" \
	ev.json old-golden.json
# another signer, other attributes (the quote's MRSIGNERSEAM and SEAMATTRIBUTES are 0)
collateral signer "[$(identity TDX_01 "$(levels 0:UpToDate)" "$(printf 'AB%.0s' $(seq 48))")]"
fails_message keep-signature "MRSIGNERSEAM is not tdxModuleIdentities \"TDX_01\".mrsigner" \
	ev.json old-golden.json
collateral attributes "[$(identity TDX_01 "$(levels 0:UpToDate)" "$zeros" 0000000000000080)]"
fails_message keep-signature "SEAMATTRIBUTES differ from tdxModuleIdentities \"TDX_01\".attributes" \
	ev.json old-golden.json
# read strictly: an empty array, a level without its date
collateral empty "[]"
fails_message keep-signature "tdxModuleIdentities: an empty array" ev.json old-golden.json
collateral nodate "$(identity TDX_01 "$(levels 5:UpToDate)" | jq -c '[del(.tcbLevels[0].tcbDate)]')"
fails_message keep-signature "tdxModuleIdentities[0]: tcbDate: missing" ev.json old-golden.json

# major version 0: the identities are not used, even ones that would fail
collateral signer "[$(identity TDX_01 "$(levels 9:UpToDate)" "$(printf 'AB%.0s' $(seq 48))")]"
passes ev0.json tdx-golden.json
out=$(cat "$TEST_TMP/out")
assert_contains "$out" "TCB status UpToDate (TCB info TDX, platform UpToDate, QE identity)" \
	"major version 0: the platform's status alone"
case "$out" in *"TDX module"*) fail "major version 0 judged by a module identity: $out" ;; esac
echo "PASS"
