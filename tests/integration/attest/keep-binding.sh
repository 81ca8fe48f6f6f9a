#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Quotes that bind the Keep (bootchain-evidence(5)): swtpm and the simulated SEV-SNP
# provider. Evidence whose Keep report and quote carry the verifier's nonce and the AK
# passes, with the measurement checked against the golden database's "keep" section.
# Each substitution fails with its own check: a Keep report of another nonce, of another
# AK (another machine), of another machine's chip and key, a quote of another report, a
# measurement not allowed, a debuggable Keep, a VCEK not chained to the ARK; a VCEK of
# the right key and chain made for another chip (hwID), for another TCB (ucodeSPL,
# blSPL) or expired; a REPORTED_TCB below the golden "min_tcb".
. "$TESTS_LIB/common.sh"
tools="$(dirname "$BOOTCHAIN")/tests/tools"
[ -x "$tools/snp-sim" ] || { echo "ERROR: $tools/snp-sim not built" >&2; exit 99; }
start_swtpm
cd "$TEST_TMP"

SIM_PIDS=()
trap 'for p in "${SIM_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup' EXIT
start_sim() { # root measurement policy vcek-key
	mkdir -p "$1"
	"$tools/snp-sim" --root "$1" --vcek-key "$4" --measurement "$2" --policy "$3" \
		--daemon --pid "$1.pid"
	SIM_PIDS+=("$(cat "$1.pid")")
}

bash "$TESTS_LIB/../tools/make-snp-certs.sh" certs 2048 >/dev/null
bash "$TESTS_LIB/../tools/make-snp-certs.sh" other 2048 >/dev/null # another chain
good=$(openssl rand -hex 48)
start_sim tsm "$good" 30000 certs/vcek-key.pem
keep=(--keep-ark certs/ark.pem --keep-ask certs/ask.pem)

expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub --out-name ak.name
head -c 3000 /dev/urandom >kernel.img
printf 'kernel 8 kernel.img\n' >chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain chain --banks sha256
jq --arg m "$good" '. + {keep: {measurements: [$m]}}' golden.json >keep-golden.json
expect_exit 0 "$BOOTCHAIN" measure --chain chain --log boot.log

nonce=$(openssl rand -hex 32)
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --log boot.log --keep --tsm-root tsm \
	--keep-vcek certs/vcek.pem --out ev.json
assert_eq sev_guest "$(jq -r .keep.provider ev.json)" "the provider"
expect_exit 0 "$BOOTCHAIN" attest verify ev.json --ak ak.pub --nonce "$nonce" \
	--golden keep-golden.json "${keep[@]}"
out=$(cat "$TEST_TMP/out")
for check in nonce keep-signature keep-binding keep-golden golden; do
	assert_contains "$out" "$(printf '  %-14s pass' "$check")" "$check passes"
done
# REPORT_DATA is SHA-512("bootchain keep v1" || nonce || AK name), computed here
report_data=$(jq -r .keep.report ev.json | base64 -d | od -An -v -tx1 -j 80 -N 64 | tr -d ' \n')
want=$( (printf 'bootchain keep v1'; hex_to_bin "$nonce"; cat ak.name) | openssl_digest sha512)
assert_eq "$want" "$report_data" "REPORT_DATA as bootchain-evidence(5) defines it"

fails() { # check evidence [verify options...]
	local check=$1 file=$2
	shift 2
	expect_exit 3 "$BOOTCHAIN" attest verify "$file" --ak ak.pub --nonce "$nonce" --json "$@"
	jq -e --arg c "$check" '.failed | index($c) != null' "$TEST_TMP/out" >/dev/null ||
		fail "$file: expected $check to fail: $(cat "$TEST_TMP/out")"
}
with_report() { # evidence report-source-evidence out
	jq --slurpfile o "$2" '.keep.report = $o[0].keep.report' "$1" >"$3"
}

# a Keep report of another nonce, swapped in: the quote no longer binds it
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$(openssl rand -hex 32)" --log boot.log --keep \
	--tsm-root tsm --keep-vcek certs/vcek.pem --out other-nonce.json
with_report ev.json other-nonce.json swapped.json
fails nonce swapped.json --golden keep-golden.json "${keep[@]}"
fails keep-binding swapped.json --golden keep-golden.json "${keep[@]}"
# the whole evidence of another nonce
fails keep-binding other-nonce.json "${keep[@]}"
# another AK (another machine's TPM): the report binds the other AK's name
expect_exit 0 "$BOOTCHAIN" attest ak create --type rsa --context ak2.ctx --out-public ak2.pub
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --ak ak2.ctx --log boot.log --keep \
	--tsm-root tsm --keep-vcek certs/vcek.pem --out other-ak.json
with_report ev.json other-ak.json swapped-ak.json
fails keep-binding swapped-ak.json "${keep[@]}"
# another machine's Keep: another chip, signed by another chain
start_sim tsm2 "$good" 30000 other/vcek-key.pem
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --log boot.log --keep --tsm-root tsm2 \
	--keep-vcek other/vcek.pem --out other-machine.json
fails keep-signature other-machine.json "${keep[@]}"
# a VCEK brought by the evidence but no ARK to chain it to proves nothing
fails keep-signature ev.json
# a measurement the golden database does not allow, and a debuggable Keep
start_sim tsm3 "$(openssl rand -hex 48)" 30000 certs/vcek-key.pem
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --log boot.log --keep --tsm-root tsm3 \
	--keep-vcek certs/vcek.pem --out bad-measurement.json
fails keep-golden bad-measurement.json --golden keep-golden.json "${keep[@]}"
start_sim tsm4 "$good" 0b0000 certs/vcek-key.pem # policy bit 19: debugging allowed
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --log boot.log --keep --tsm-root tsm4 \
	--keep-vcek certs/vcek.pem --out debug.json
fails keep-golden debug.json --golden keep-golden.json "${keep[@]}"
# The VCEK must be this chip's and this TCB's: the same key, signed by the same ASK, but
# with another hwID or SPL, or out of its dates, fails keep-signature, naming what.
# (snp-sim's chip is bytes c0 to ff and its REPORTED_TCB 3 0 8 115, as vcek.pem says.)
fails_message() { # check message evidence [verify options...]
	local check=$1 message=$2
	shift 2
	fails "$check" "$@"
	assert_contains "$(jq -r --arg c "$check" '.checks[$c].message' "$TEST_TMP/out")" \
		"$message" "$check of $1"
}
reissue() { # name, with CHIP_ID / SNP_TCB / VCEK_NOT_BEFORE and VCEK_NOT_AFTER set
	bash "$TESTS_LIB/../tools/make-snp-certs.sh" --vcek certs "$1" >/dev/null
}
CHIP_ID=$(openssl rand -hex 64) reissue vcek-other-chip
SNP_TCB="3 0 8 114" reissue vcek-other-ucode
SNP_TCB="2 0 8 115" reissue vcek-other-bl
VCEK_NOT_BEFORE=20200101000000Z VCEK_NOT_AFTER=20210101000000Z reissue vcek-expired
VCEK_NOT_BEFORE=20990101000000Z VCEK_NOT_AFTER=21000101000000Z reissue vcek-not-yet
for v in vcek-other-chip vcek-other-ucode vcek-other-bl vcek-expired vcek-not-yet; do
	openssl verify -CAfile certs/ark.pem -untrusted certs/ask.pem -no_check_time "certs/$v.pem" \
		>/dev/null || fail "$v does not chain to the ARK"
	expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --log boot.log --keep \
		--tsm-root tsm --keep-vcek "certs/$v.pem" --out "$v.json"
done
fails_message keep-signature "another chip's: its hwID (1.3.6.1.4.1.3704.1.4)" \
	vcek-other-chip.json "${keep[@]}"
fails_message keep-signature "another TCB: its ucodeSPL (1.3.6.1.4.1.3704.1.3.8) is 114, REPORTED_TCB's microcode is 115" \
	vcek-other-ucode.json "${keep[@]}"
fails_message keep-signature "its blSPL (1.3.6.1.4.1.3704.1.3.1) is 2, REPORTED_TCB's bootloader is 3" \
	vcek-other-bl.json "${keep[@]}"
fails_message keep-signature "the VCEK expired at 2021-01-01 00:00:00 UTC" vcek-expired.json "${keep[@]}"
fails_message keep-signature "the VCEK is not valid before 2099-01-01" vcek-not-yet.json "${keep[@]}"
# the verifier's own VCEK is matched to the report as well
fails_message keep-signature "another chip's" ev.json --keep-vcek certs/vcek-other-chip.pem
expect_exit 0 "$BOOTCHAIN" attest verify ev.json --ak ak.pub --nonce "$nonce" --keep-vcek certs/vcek.pem
# A REPORTED_TCB below the golden "min_tcb" fails keep-golden, naming the part; at the
# minimum it passes (snp-sim: bootloader 3, tee 0, snp 8, microcode 115).
min_tcb() { # json min_tcb -> file
	jq --argjson t "$1" '.keep.min_tcb = $t' keep-golden.json >"$2"
}
min_tcb '{"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115}' tcb-at.json
expect_exit 0 "$BOOTCHAIN" attest verify ev.json --ak ak.pub --nonce "$nonce" --golden tcb-at.json \
	"${keep[@]}"
min_tcb '{"microcode": 116}' tcb-ucode.json
fails_message keep-golden "REPORTED_TCB microcode 115 is below the golden database's min_tcb microcode 116" \
	ev.json --golden tcb-ucode.json "${keep[@]}"
min_tcb '{"bootloader": 3, "tee": 0, "snp": 9}' tcb-snp.json
fails_message keep-golden "REPORTED_TCB snp 8 is below the golden database's min_tcb snp 9" \
	ev.json --golden tcb-snp.json "${keep[@]}"
min_tcb '{"tee": 1}' tcb-tee.json
fails_message keep-golden "tee 0 is below" ev.json --golden tcb-tee.json "${keep[@]}"
min_tcb '{"bootloader": 4}' tcb-bl.json
fails_message keep-golden "bootloader 3 is below" ev.json --golden tcb-bl.json "${keep[@]}"
# a min_tcb the database cannot hold
min_tcb '{"microcode": 256}' tcb-bad.json
expect_exit 1 "$BOOTCHAIN" golden show tcb-bad.json
assert_contains "$(cat "$TEST_TMP/err")" "min_tcb.microcode" "min_tcb out of range named"
min_tcb '{"ucode": 1}' tcb-bad.json
expect_exit 1 "$BOOTCHAIN" golden show tcb-bad.json
assert_contains "$(cat "$TEST_TMP/err")" "ucode" "an unknown min_tcb part named"
# a report with one byte changed
jq -r .keep.report ev.json | base64 -d >report.bin
flip_byte report.bin 200
jq --arg r "$(base64 -w0 report.bin)" '.keep.report = $r' ev.json >tampered.json
fails keep-signature tampered.json "${keep[@]}"
# evidence without a Keep where one is required
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --log boot.log --out nokeep.json
fails keep-signature nokeep.json --golden keep-golden.json
fails keep-binding nokeep.json --keep
expect_exit 0 "$BOOTCHAIN" attest verify nokeep.json --ak ak.pub --nonce "$nonce" --golden golden.json
# served and polled: the batch's root takes the nonce's place in the binding
start_serve serve --log boot.log --keep --tsm-root tsm --keep-vcek certs/vcek.pem
url=$URL
printf 'keep-machine %s ak.pub\n' "$url" >fleet.hosts
expect_exit 0 "$BOOTCHAIN" attest poll --hosts fleet.hosts --ak ak.pub --golden keep-golden.json "${keep[@]}" \
	--keep --json
assert_eq true "$(jq -r .pass "$TEST_TMP/out")" "poll with the Keep passes"
assert_eq pass "$(jq -r '.verify.checks["keep-binding"].status' "$TEST_TMP/out")" "keep-binding, polled"
# several requests in one batch: each answer verifies with its own nonce
for i in 1 2 3 4 5 6; do
	n=$(openssl rand -hex 16)
	echo "$n" >"batch-$i.nonce"
	curl -s "$url/v1/evidence?nonce=$n" -o "batch-$i.json" &
done
for i in 1 2 3 4 5 6; do
	for _ in $(seq 100); do [ -s "batch-$i.json" ] && jq -e .batch "batch-$i.json" >/dev/null 2>&1 && break; sleep 0.1; done
	expect_exit 0 "$BOOTCHAIN" attest verify "batch-$i.json" --ak ak.pub --nonce "$(cat "batch-$i.nonce")" \
		--golden keep-golden.json "${keep[@]}"
done
stop_serve "$SERVE_PID" serve
echo "PASS"
