#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A trusted boot fails closed on a chain file that was changed (issue 11): the chain
# is not signed, the golden database is.
# - `golden create --chain` records the chain as "boot_order"; the loader refuses a
#   boot order that names no component, and a changed one breaks the signature.
# - the unmodified chain and the database alone (its signed boot order, --root) pass,
#   and log the same events byte for byte.
# - a deleted, a reordered (two layers of PCR 8 swapped) and a duplicated line each
#   halt with exit 3 naming the component, with and without a boot order in the
#   database; the PCRs then hold what was measured and the failure marker, computed
#   here with openssl.
. "$TESTS_LIB/common.sh"
start_swtpm
cd "$TEST_TMP"

mkdir chain
for name in bios loader kernel cmdline initrd; do
	head -c $((2048 + RANDOM)) /dev/urandom >"chain/$name.img"
done
cat >chain/chain.txt <<-EOF
	# name   pcr file         kind  type
	bios     0   bios.img
	loader   4   loader.img   raw
	kernel   8   kernel.img
	cmdline  8   cmdline.img  raw   type=EV_COMPACT_HASH
	initrd   9   initrd.img
EOF
chain_without() { grep -v "^$1 " chain/chain.txt >chain/deleted.txt; } # writes chain/deleted.txt
awk '$1 == "kernel" { k = $0; next } { print } $1 == "cmdline" { print k }' chain/chain.txt \
	>chain/reordered.txt
awk '{ print } $1 == "initrd" { print }' chain/chain.txt >chain/duplicated.txt
chain_without initrd

sha() { openssl_digest sha256 <"chain/$1.img"; }
cap=$(printf '\001\000\000\000' | openssl_digest sha256)
read_pcrs() { "$BOOTCHAIN" pcr read sha256:0-23 --json | jq -c .pcrs.sha256; }
pcr_of() { jq -r ".\"$2\"" <<<"$1"; } # json pcr
extend_all() { # old digest...
	local v=$1
	shift
	for d in "$@"; do v=$(expected_extend sha256 "$v" "$d"); done
	echo "$v"
}

# --- the database records the boot order, as written in the chain ---
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain chain/chain.txt
assert_eq "bios loader kernel cmdline initrd" "$(jq -r '[.boot_order[].name] | join(" ")' golden.json)" \
	"boot_order names"
assert_eq "0 4 8 8 9" "$(jq -r '[.boot_order[].pcr] | join(" ")' golden.json)" "boot_order PCRs"
assert_eq "kernel.img" "$(jq -r '.boot_order[2].file' golden.json)" "file as written"
assert_eq "raw" "$(jq -r '.boot_order[1].kind' golden.json)" "kind"
assert_eq "EV_COMPACT_HASH" "$(jq -r '.boot_order[3].event_type' golden.json)" "event type"
assert_eq "null" "$(jq -r '.boot_order[2].event_type' golden.json)" "default type left out"
openssl ecparam -name prime256v1 -genkey -noout -out key.pem 2>/dev/null
openssl ec -in key.pem -pubout -out pub.pem 2>/dev/null
expect_exit 0 "$BOOTCHAIN" golden sign golden.json --key key.pem
# the same database without a boot order (as a hand-made or older one is)
jq 'del(.boot_order)' golden.json >plain.json

# the loader checks the boot order
jq '.boot_order[1].name = "shim"' golden.json >bad.json
expect_exit 1 "$BOOTCHAIN" golden show bad.json
assert_contains "$(cat "$TEST_TMP/err")" "boot_order[1]" "unknown component refused"
jq '.boot_order[2].pcr = 9' golden.json >bad.json
expect_exit 1 "$BOOTCHAIN" golden show bad.json
assert_contains "$(cat "$TEST_TMP/err")" "its component in PCR 8" "wrong PCR refused"
jq '.boot_order += [.boot_order[0]]' golden.json >bad.json
expect_exit 1 "$BOOTCHAIN" golden show bad.json
assert_contains "$(cat "$TEST_TMP/err")" "already boot_order[0]" "repeated layer refused"
jq '.boot_order[0].kind = "elf"' golden.json >bad.json
expect_exit 1 "$BOOTCHAIN" golden show bad.json
assert_contains "$(cat "$TEST_TMP/err")" "boot_order[0]" "unknown kind refused"
# a changed boot order breaks the signature: a trusted boot halts on it
jq '.boot_order |= .[:4]' golden.json >short.json
cp golden.json.sig short.json.sig
before=$(read_pcrs)
expect_exit 3 "$BOOTCHAIN" measure --trusted --golden short.json --pubkey pub.pem --no-log
assert_contains "$(cat "$TEST_TMP/err")" "does not verify" "shortened boot order: signature"
assert_eq "$before" "$(read_pcrs)" "shortened boot order: nothing known to cap, nothing extended"

# --- the unmodified chain, then the database alone, on fresh TPMs ---
fresh_tpm() { stop_swtpm; rm -rf "$TEST_TMP/swtpm"; start_swtpm; }
zero=$(printf '%064d' 0)
expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain.txt --trusted --golden golden.json \
	--pubkey pub.pem --log chain.log
assert_eq "$(extend_all "$zero" "$(sha kernel)" "$(sha cmdline)")" "$(pcr_value sha256 8)" \
	"chain: PCR 8"
expect_exit 0 "$BOOTCHAIN" log check chain.log
fresh_tpm
# files relative to the database's directory by default, to --root otherwise
mkdir elsewhere && cp golden.json golden.json.sig elsewhere/
expect_exit 3 "$BOOTCHAIN" measure --trusted --golden elsewhere/golden.json --pubkey pub.pem \
	--no-log --dry-run
assert_contains "$(cat "$TEST_TMP/err")" "elsewhere/bios.img" "files beside the database"
expect_exit 0 "$BOOTCHAIN" measure --trusted --golden elsewhere/golden.json --pubkey pub.pem \
	--root chain --log order.log
for name in bios loader kernel cmdline initrd; do
	assert_contains "$(cat "$TEST_TMP/out")" "measured $name into PCR" "boot order: $name"
done
assert_eq "$(extend_all "$zero" "$(sha kernel)" "$(sha cmdline)")" "$(pcr_value sha256 8)" \
	"boot order: PCR 8"
assert_eq "$(extend_all "$zero" "$(sha initrd)")" "$(pcr_value sha256 9)" "boot order: PCR 9"
cmp chain.log order.log || fail "the boot order logs other events than the chain"
# the database alone, but no boot order in it: halt, nothing to run
expect_exit 3 "$BOOTCHAIN" measure --trusted --golden plain.json --no-log
assert_contains "$(cat "$TEST_TMP/err")" "no boot_order" "no boot order"

# --- changed chains halt ---
# halt_case CHAIN DB layer message: exit 3, names the layer; sets before/after
halt_case() {
	fresh_tpm # for `log check` of the halt's log alone
	before=$(read_pcrs)
	rm -f halt.log
	expect_exit 3 "$BOOTCHAIN" measure --chain "$1" --trusted --golden "$2" --log halt.log --json
	assert_contains "$(cat "$TEST_TMP/err")" "HALT at layer $3" "$1 with $2: names $3"
	assert_contains "$(cat "$TEST_TMP/err")" "$4" "$1 with $2: says why"
	assert_eq "$3" "$(jq -r .halted.layer "$TEST_TMP/out")" "$1 with $2: JSON layer"
	assert_eq "true" "$(jq -r .halted.capped "$TEST_TMP/out")" "$1 with $2: JSON capped"
	cp "$TEST_TMP/out" halt.json
	after=$(read_pcrs)
	expect_exit 0 "$BOOTCHAIN" log check halt.log # the log tells what the PCRs hold
}
unchanged() { # pcr what
	assert_eq "$(pcr_of "$before" "$1")" "$(pcr_of "$after" "$1")" "$2: PCR $1 unchanged"
}

# without a boot order in the database: each layer checked, then the order and the end
halt_case chain/deleted.txt plain.json initrd "the chain ended before it"
assert_eq "$(extend_all "$(pcr_of "$before" 9)" "$cap")" "$(pcr_of "$after" 9)" \
	"deleted: PCR 9 holds the marker"
assert_eq "$(extend_all "$(pcr_of "$before" 8)" "$(sha kernel)" "$(sha cmdline)")" \
	"$(pcr_of "$after" 8)" "deleted: PCR 8 measured"
assert_eq "initrd" "$(jq -r '.halted.not_measured | join(" ")' halt.json)" "deleted: not measured"

halt_case chain/reordered.txt plain.json kernel "measured after cmdline"
assert_eq "$(extend_all "$(pcr_of "$before" 8)" "$(sha cmdline)" "$(sha kernel)" "$cap")" \
	"$(pcr_of "$after" 8)" "reordered: PCR 8 holds both layers and the marker"
unchanged 9 "reordered"

halt_case chain/duplicated.txt plain.json initrd "measured a second time"
assert_eq "$(extend_all "$(pcr_of "$before" 9)" "$(sha initrd)" "$(sha initrd)" "$cap")" \
	"$(pcr_of "$after" 9)" "duplicated: PCR 9 holds the layer twice and the marker"

# with the signed boot order: the chain must be it, checked before any layer
for kind in deleted reordered duplicated; do
	case $kind in
	deleted) layer=initrd pcr=9 why="ends after 4 layers" ;;
	reordered) layer=cmdline pcr=8 why="differs from the signed boot order in its name" ;;
	duplicated) layer=initrd pcr=9 why="not in the signed boot order" ;;
	esac
	halt_case "chain/$kind.txt" golden.json "$layer" "$why"
	assert_eq "$(extend_all "$(pcr_of "$before" $pcr)" "$cap")" "$(pcr_of "$after" $pcr)" \
		"$kind, boot order: PCR $pcr holds the marker alone"
	unchanged 0 "$kind, boot order"
	[ "$pcr" = 8 ] || unchanged 8 "$kind, boot order"
	assert_eq "0" "$(jq '.layers | length' halt.json)" "$kind, boot order: no layer measured"
done

# measured mode (not trusted) records whatever the chain says
expect_exit 0 "$BOOTCHAIN" measure --chain chain/duplicated.txt --no-log
echo "PASS"
