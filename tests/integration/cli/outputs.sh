#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Outputs as a new user expects them: an existing output file is replaced only with
# --force, refused before anything else happens (before the TPM: a closed port proves
# it); write errors name the file asked for, not a temporary file; golden create and
# merge say what they wrote; --json is printed or refused, never ignored; '-' is
# standard input or output. Then, on swtpm, tpm2_quote's short options: -l the PCRs,
# -q the nonce, -T the TPM before or after the command.
. "$TESTS_LIB/common.sh"
cd "$TEST_TMP"
export BOOTCHAIN_TCTI="swtpm:host=127.0.0.1,port=$(closed_port)"

head -c 3000 /dev/urandom >k.img
head -c 2000 /dev/urandom >i.img

refused() { # file args...: exit 1 naming the file, the file untouched
	local file=$1 before
	shift
	before=$(sha256sum "$file")
	expect_exit 1 "$BOOTCHAIN" "$@"
	assert_contains "$(cat "$TEST_TMP/err")" "$file exists (--force to overwrite)" "'$*'"
	assert_eq "$before" "$(sha256sum "$file")" "'$*' left $file alone"
}

# --- golden: what is written is said, counted independently with jq ---
expect_exit 0 "$BOOTCHAIN" golden create --out db.json --image kernel:8:k.img --image initrd:9:i.img
assert_eq 2 "$(jq '.components | length' db.json)" "two components"
assert_eq "wrote db.json: 2 components, 2 versions" "$(cat "$TEST_TMP/out")" "golden create says what it wrote"
refused db.json golden create --out db.json --image kernel:8:i.img
expect_exit 0 "$BOOTCHAIN" golden create --out db.json --image kernel:8:i.img --force
assert_eq 1 "$(jq '.components | length' db.json)" "--force replaced the database"
expect_exit 0 "$BOOTCHAIN" golden create --out db2.json --image kernel:8:k.img --image initrd:9:i.img
expect_exit 0 "$BOOTCHAIN" golden merge db.json db2.json --out merged.json
versions=$(jq '[.components[].versions | length] | add' merged.json)
assert_eq "wrote merged.json: 2 components, $versions versions" "$(cat "$TEST_TMP/out")" "golden merge says what it wrote"
assert_eq 3 "$versions" "kernel twice, initrd once"
refused merged.json golden merge db.json db2.json --out merged.json
expect_exit 0 "$BOOTCHAIN" golden merge db.json db2.json --out merged.json -f
refused merged.json golden update db.json --with kernel:8:k.img --out merged.json
expect_exit 0 "$BOOTCHAIN" golden update db.json --with kernel:8:k.img --out db.json
assert_contains "$(cat "$TEST_TMP/out")" "wrote db.json: 1 component, 2 versions" "update in place"
refused merged.json golden retire db.json kernel --out merged.json
refused merged.json golden add db.json --image x:4:k.img --out merged.json
# standard output, and the database read back from it
expect_exit 0 "$BOOTCHAIN" golden create --out - --image kernel:8:k.img
assert_eq kernel "$(jq -r '.components[0].name' "$TEST_TMP/out")" "--out - writes the database"
# an error names the file asked for, not the temporary file made beside it
expect_exit 1 "$BOOTCHAIN" golden create --out nodir/new.json --image kernel:8:k.img
assert_contains "$(cat "$TEST_TMP/err")" "nodir/new.json: " "the error names the target"
case "$(cat "$TEST_TMP/err")" in *.tmp.*) fail "the error names a temporary file: $(cat "$TEST_TMP/err")" ;; esac

# --json: printed, or refused with a usage error
expect_exit 2 "$BOOTCHAIN" golden create --out j.json --image kernel:8:k.img --json
assert_contains "$(cat "$TEST_TMP/err")" "--json" "golden create --json refused"
[ ! -e j.json ] || fail "a refused --json still wrote"
expect_exit 2 "$BOOTCHAIN" golden verify db.json --pubkey x.pem --json
expect_exit 2 "$BOOTCHAIN" golden update db.json --with kernel:8:k.img --out u.json --json
expect_exit 0 "$BOOTCHAIN" golden show db.json --json
assert_eq bootchain-golden-v1 "$(jq -r .format "$TEST_TMP/out")" "golden show --json"

# --- TPM commands refuse before the TPM is opened (the TCTI is a closed port: exit 4) ---
echo old >old.bin
refused old.bin attest quote -q 0011 -o old.bin
refused old.bin attest ak create --out-public old.bin
refused old.bin attest ak create --out-public new.pub --out-name old.bin
refused old.bin attest ek --out-public old.bin
refused old.bin attest activate x.json --out-secret old.bin
refused old.bin seal --pcrs sha256:0 --in k.img --out old.bin
refused old.bin unseal x.json --out old.bin
refused old.bin golden sign db.json --key none.pem --policy-out old.bin
expect_exit 4 "$BOOTCHAIN" attest quote -q 0011 -o old.bin --force
expect_exit 4 "$BOOTCHAIN" attest ak create --out-public old.bin -f
expect_exit 2 "$BOOTCHAIN" attest quote -n 0011 -o new.json
assert_contains "$(cat "$TEST_TMP/err")" "unknown option '-n'" "-n is not the nonce"

# --- '-': standard input ---
# --- on swtpm: the short options of tpm2_quote, and '-' for evidence and logs ---
printf 'kernel 8 k.img\ninitrd 9 i.img\n' >chain
start_swtpm
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub
expect_exit 0 "$BOOTCHAIN" measure --chain chain --log boot.log
nonce=$(openssl rand -hex 16)
tcti=$BOOTCHAIN_TCTI
unset BOOTCHAIN_TCTI
expect_exit 0 "$BOOTCHAIN" -T "$tcti" attest quote -l sha256:0,8,9 -q "$nonce" -L boot.log -o ev1.json
expect_exit 0 "$BOOTCHAIN" attest quote -T "$tcti" -l sha256:0,8,9 -q "$nonce" -L boot.log -o -
cp "$TEST_TMP/out" ev2.json
for ev in ev1.json ev2.json; do
	assert_eq "$nonce" "$(jq -r .nonce "$ev")" "$ev: -q is the nonce"
	assert_eq "0 8 9" "$(jq -r '.pcrs.sha256 | keys | map(tonumber) | sort | join(" ")' "$ev")" "$ev: -l is the PCR list"
	assert_eq "$(TPM2TOOLS_TCTI=$tcti tpm2_pcrread sha256:8 | awk '/ 8 :/ { print tolower(substr($3, 3)) }')" \
		"$(jq -r '.pcrs.sha256["8"]' "$ev")" "$ev: PCR 8 as tpm2_pcrread reads it"
done
refused ev1.json attest quote -T "$tcti" -q "$nonce" -o ev1.json
expect_exit 0 "$BOOTCHAIN" attest verify - --ak ak.pub -q "$nonce" <ev2.json
assert_contains "$(cat "$TEST_TMP/out")" "every check passed" "attest verify - reads standard input"
expect_exit 0 "$BOOTCHAIN" log show - <boot.log
assert_contains "$(cat "$TEST_TMP/out")" "kernel" "log show - reads standard input"
expect_exit 0 "$BOOTCHAIN" golden create --out chain.json --chain chain
expect_exit 0 "$BOOTCHAIN" golden check chain.json - <boot.log
echo ok
