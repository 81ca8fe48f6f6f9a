#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# SEV-SNP as clouds run it: reports signed by a VLEK (KEY_INFO's signing key 1, as AWS
# issues them) verify with the VLEK's certificate up AMD's ASVK to the ARK; the VCEK's
# checks of the chip do not apply, its TCB checks do. Reports of versions 2, 3 and 5
# verify; chains named for Genoa and Turin verify reports of those parts and refuse
# another product's. Each substitution fails with its reason: a VLEK report with the
# VCEK's chain, a VLEK chain to another root, a VLEK through an ASK, a VCEK report with
# the VLEK, a Genoa report with a Milan chain. The reports come from snp-sim, through
# tsm-report (bc_tsm_report, bc_snp_report_verify).
. "$TESTS_LIB/common.sh"
tools="$(dirname "$BOOTCHAIN")/tests/tools"
for t in snp-sim tsm-report; do
	[ -x "$tools/$t" ] || { echo "ERROR: $tools/$t not built" >&2; exit 99; }
done
make_certs="$TESTS_LIB/../tools/make-snp-certs.sh"
cd "$TEST_TMP"
SIM_PIDS=()
trap 'for p in "${SIM_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup' EXIT
start_sim() { # root sim-options...
	local root=$1
	shift
	mkdir -p "$root"
	"$tools/snp-sim" --root "$root" --daemon --pid "$root.pid" "$@"
	SIM_PIDS+=("$(cat "$root.pid")")
}
bytes_at() { # file offset len
	od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'
}
report() { # root out [verify options...]: expect_exit's status is the caller's
	local root=$1 out=$2
	shift 2
	"$tools/tsm-report" --root "$root" --inblob "$(openssl rand -hex 64)" --out "$out" "$@"
}
verifies() { # root [verify options...]
	expect_exit 0 report "$@"
	assert_contains "$(cat "$TEST_TMP/out")" verified "$1"
}
refused() { # message root out [verify options...]
	local message=$1
	shift
	expect_exit 3 report "$@"
	assert_contains "$(cat "$TEST_TMP/err")" "$message" "$1"
}

bash "$make_certs" certs 2048 >/dev/null
bash "$make_certs" --vlek certs 2048 >/dev/null
bash "$make_certs" other 2048 >/dev/null
bash "$make_certs" --vlek other 2048 >/dev/null
# the chains, checked by openssl: the VLEK's has no hwID and the ASVK's name
openssl verify -CAfile certs/ark.pem -untrusted certs/asvk.pem certs/vlek.pem >/dev/null ||
	fail "openssl does not verify the VLEK chain"
openssl x509 -in certs/vlek.pem -noout -text | grep -q '1.3.6.1.4.1.3704.1.4' &&
	fail "the VLEK names a chip"
assert_contains "$(openssl x509 -in certs/asvk.pem -noout -subject)" "CN = SEV-VLEK-Test" "ASVK"
vlek=(--verify-vcek certs/vlek.pem --ask certs/asvk.pem --ark certs/ark.pem)
vcek=(--verify-vcek certs/vcek.pem --ask certs/ask.pem --ark certs/ark.pem)

# --- a VLEK-signed report ---
start_sim vlek --vcek-key certs/vlek-key.pem --vlek
verifies vlek v.bin "${vlek[@]}"
# KEY_INFO at 0x48: bits 4:2 = 1, the VLEK
assert_eq 04000000 "$(bytes_at v.bin $((0x48)) 4)" "KEY_INFO of a VLEK report"
# with the VCEK's chain: the certificate names a chip, it is a VCEK
refused "signed by a VLEK (KEY_INFO signing key 1), and the certificate given is a VCEK" \
	vlek x.bin "${vcek[@]}"
# the VLEK's chain to another root
refused "the ASVK is not issued by the ARK" vlek x.bin --verify-vcek certs/vlek.pem \
	--ask certs/asvk.pem --ark other/ark.pem
# another provider's VLEK, under another root, with our ARK
refused "not issued by the ARK" vlek x.bin --verify-vcek other/vlek.pem \
	--ask other/asvk.pem --ark certs/ark.pem
# the VLEK through the ASK: AMD issues VLEKs through its ASVK
refused "is not issued by the ASVK" vlek x.bin --verify-vcek certs/vlek.pem \
	--ask certs/ask.pem --ark certs/ark.pem
# the VLEK's TCB extensions are still checked against REPORTED_TCB (3 0 8 115)
mkdir -p tcb && cp certs/ark.pem certs/ark-key.pem tcb/
SNP_TCB="3 0 8 114" bash "$make_certs" --vlek tcb 2048 >/dev/null
start_sim vlek-tcb --vcek-key tcb/vlek-key.pem --vlek
refused "the VLEK is for another TCB: its ucodeSPL (1.3.6.1.4.1.3704.1.3.8) is 114" \
	vlek-tcb x.bin --verify-vcek tcb/vlek.pem --ask tcb/asvk.pem --ark tcb/ark.pem
# a VCEK-signed report with the VLEK: its signature is not the VLEK's
start_sim vcek --vcek-key certs/vcek-key.pem
verifies vcek c.bin "${vcek[@]}"
refused "does not verify with the VCEK's key" vcek x.bin --verify-vcek certs/vlek.pem
refused "the ASK is named \"SEV-VLEK-Test\", not \"SEV-Test\"" vcek x.bin \
	--verify-vcek certs/vlek.pem --ask certs/asvk.pem --ark certs/ark.pem

# --- report versions 2, 3 and 5 ---
for v in 3 5; do
	start_sim "v$v" --vcek-key certs/vcek-key.pem --report-version "$v" --cpuid 191100
	verifies "v$v" "v$v.bin" "${vcek[@]}"
	assert_eq "0${v}000000" "$(bytes_at "v$v.bin" 0 4)" "VERSION $v"
	assert_contains "$(cat "$TEST_TMP/out")" "version: $v" "parsed version $v"
	assert_eq 191100 "$(bytes_at "v$v.bin" $((0x188)) 3)" "CPUID of version $v"
done
assert_eq 000000 "$(bytes_at c.bin $((0x188)) 3)" "version 2 has no CPUID"
assert_eq 0100000000000000 "$(bytes_at v5.bin $((0x1F8)) 8)" "LAUNCH_MIT_VECTOR of version 5"
assert_eq 0000000000000000 "$(bytes_at v3.bin $((0x1F8)) 8)" "no LAUNCH_MIT_VECTOR in version 3"

# --- chains named for a product: Genoa, Turin ---
PRODUCT=Genoa bash "$make_certs" genoa 2048 >/dev/null
assert_contains "$(openssl x509 -in genoa/ark.pem -noout -subject)" "CN = ARK-Genoa" "Genoa ARK"
genoa=(--verify-vcek genoa/vcek.pem --ask genoa/ask.pem --ark genoa/ark.pem)
start_sim genoa --vcek-key genoa/vcek-key.pem --report-version 3 --cpuid 191101
verifies genoa g.bin "${genoa[@]}"
start_sim genoa-milan --vcek-key genoa/vcek-key.pem --report-version 3 --cpuid 190101
refused "the report is from a Milan part (CPUID family 0x19, model 0x01), and the ARK is ARK-Genoa's" \
	genoa-milan x.bin "${genoa[@]}"
# a version 2 report does not name its part: the chain's names alone
start_sim genoa-v2 --vcek-key genoa/vcek-key.pem
verifies genoa-v2 x.bin "${genoa[@]}"
# Turin: another TCB layout (fmc 1, bootloader 3, tee 0, snp 8, microcode 115) and a
# VCEK naming the chip by CHIP_ID's first 8 bytes
chip=$(openssl rand -hex 64)
PRODUCT=Turin SNP_TCB="3 0 8 115 1" CHIP_ID=${chip:0:16} bash "$make_certs" turin 2048 >/dev/null
turin=(--verify-vcek turin/vcek.pem --ask turin/ask.pem --ark turin/ark.pem)
start_sim turin --vcek-key turin/vcek-key.pem --report-version 3 --cpuid 1a0200 \
	--tcb 7300000008000301 --chip-id "$chip"
verifies turin t.bin "${turin[@]}"
start_sim turin-tcb --vcek-key turin/vcek-key.pem --report-version 3 --cpuid 1a0200 \
	--tcb 7300000008000302 --chip-id "$chip"
refused "fmcSPL (1.3.6.1.4.1.3704.1.3.9) is 1, REPORTED_TCB's fmc is 2" turin-tcb x.bin "${turin[@]}"
# a Turin report with the Genoa chain
refused "from a Turin part" turin x.bin --verify-vcek genoa/vcek.pem --ask genoa/ask.pem \
	--ark genoa/ark.pem
echo "PASS"
