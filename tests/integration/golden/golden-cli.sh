#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Golden databases on real logs and real images:
# - round trip: for every log, `golden create --from-log` then `golden check` of the same
#   log exits 0, and `golden predict` gives the values `log replay` gives (computed by
#   tpm2-tools too: replay-matches-tpm2-tools.sh);
# - one changed digest in a copy of a log: exit 3 naming exactly that event and
#   component; one deleted event: reported missing;
# - --image of a unified kernel image: predicts H(0 || pesign -h digest) for its PCR;
# - signatures: signed loads, one changed byte or no signature with --pubkey is refused;
# - add and merge allow new versions.
. "$TESTS_LIB/common.sh"
cd "$TEST_TMP"
logs=("$TESTS_DATA"/eventlogs/*.bin)

replay_lines() { # log: "bank pcr value" of every PCR the log extends
	"$BOOTCHAIN" log replay "$1" --json | json_pcrs
}

predict_lines() { # db: "bank pcr value" (one value each)
	"$BOOTCHAIN" golden predict "$1" --json |
		jq -r '.pcrs | to_entries[] | .key as $b | .value | to_entries[] |
		       "\($b) \(.key) \(.value | join(","))"' | sort
}

compared=0
for log in "${logs[@]}"; do
	name=${log##*/}
	expect_exit 0 "$BOOTCHAIN" golden create --out "$name.json" --from-log "$log"
	expect_exit 0 "$BOOTCHAIN" golden check "$name.json" "$log"
	assert_contains "$(cat "$TEST_TMP/out")" "matches the golden database" "$name: check"
	predict_lines "$name.json" >predicted
	replay_lines "$log" >replayed
	# every predicted value is the replayed one (PCRs the log never extends are not predicted)
	while read -r bank pcr value; do
		assert_eq "$(awk -v b="$bank" -v p="$pcr" '$1 == b && $2 == p { print $3 }' replayed)" \
			"$value" "$name: predicted $bank PCR $pcr"
		compared=$((compared + 1))
	done <predicted
done
[ "$compared" -ge 100 ] || fail "only $compared predicted values compared"

# --- a changed digest, then a deleted event, in a copy of a real log ---
log=$TESTS_DATA/eventlogs/event-gce-ubuntu-2104-log.bin
db=event-gce-ubuntu-2104-log.bin.json
"$BOOTCHAIN" log show "$log" --json >events.json
n=$(jq '[.events[] | select(.type == "EV_EFI_BOOT_SERVICES_APPLICATION")][0].number' events.json)
off=$(jq ".events[$n].offset" events.json)
sha256_at=$(($(jq -r ".events[$n].digests | keys_unsorted | index(\"sha256\")" events.json)))
# TCG_PCR_EVENT2: PCR, type, count, then (alg, digest) pairs: sha1 (20) comes first here
[ "$(jq -r ".events[$n].digests | keys_unsorted[0]" events.json)" = sha1 ] ||
	fail "expected sha1 first in $log"
cp "$log" changed.bin
flip_byte changed.bin "$((off + 12 + 2 + 20 + 2 + 7))"
expect_exit 3 "$BOOTCHAIN" golden check "$db" changed.bin
out=$(cat "$TEST_TMP/out")
assert_contains "$out" "PCR 4, event $n, EV_EFI_BOOT_SERVICES_APPLICATION" "names the event"
assert_contains "$out" "is not an allowed version of component \`pcr4-image-1\`" "names the component"
assert_contains "$out" "1 changed, 0 unexpected" "exactly one problem"
[ "$(grep -c 'not an allowed version' <<<"$out")" = 1 ] || fail "more than one event reported"
expect_exit 3 "$BOOTCHAIN" golden check "$db" changed.bin --json
assert_eq "$n" "$(jq '.events[0].number' "$TEST_TMP/out")" "JSON event"
assert_eq "changed" "$(jq -r '.events[0].verdict' "$TEST_TMP/out")" "JSON verdict"
assert_eq "pcr4-image-1" "$(jq -r '.events[0].component' "$TEST_TMP/out")" "JSON component"
: "$sha256_at"

# delete that event: its component is missing
next=$(jq ".events[$((n + 1))].offset" events.json)
head -c "$off" "$log" >deleted.bin
tail -c +$((next + 1)) "$log" >>deleted.bin
expect_exit 3 "$BOOTCHAIN" golden check "$db" deleted.bin
out=$(cat "$TEST_TMP/out")
assert_contains "$out" "missing: component \`pcr4-image-1\` (PCR 4) is required and was never measured" \
	"deleted event missing"

# --- an image: the digest firmware would extend, as pesign computes it ---
stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
if [ -f "$stub" ] && command -v pesign >/dev/null && command -v objcopy >/dev/null; then
	head -c 300000 /dev/urandom >initrd
	printf 'console=ttyS0' >cmdline
	objcopy --add-section .cmdline=cmdline --change-section-vma .cmdline=0x30000 \
		--add-section .initrd=initrd --change-section-vma .initrd=0x3000000 \
		--set-section-flags .initrd=data,readonly "$stub" uki.efi
	expect_exit 0 "$BOOTCHAIN" golden create --out uki.json --image "kernel:4:uki.efi"
	digest=$(pesign -h -i uki.efi | awk '{ print $NF }')
	assert_eq "$digest" "$(jq -r '.components[0].versions[0].digests.sha256' uki.json)" \
		"UKI digest equals pesign -h"
	assert_eq "EV_EFI_BOOT_SERVICES_APPLICATION" "$(jq -r '.components[0].event_type' uki.json)" \
		"a PE image is an EFI application"
	expect_exit 0 "$BOOTCHAIN" golden predict uki.json --pcrs sha256:4 --json
	assert_eq "$(expected_extend sha256 "$(printf '%064d' 0)" "$digest")" \
		"$(jq -r '.pcrs.sha256["4"][0]' "$TEST_TMP/out")" "predicted PCR 4"
else
	echo "note: systemd-boot-efi, pesign or binutils missing: UKI case skipped" >&2
fi

# --- add, merge, several versions ---
echo one >v1 && echo two >v2 && echo three >v3
expect_exit 0 "$BOOTCHAIN" golden create --out a.json --image kernel:8:v1 --banks sha256
expect_exit 0 "$BOOTCHAIN" golden add a.json --image kernel:8:v2 --banks sha256
expect_exit 0 "$BOOTCHAIN" golden add a.json --image kernel:8:v2 --banks sha256 # no duplicate
assert_eq 2 "$(jq '.components[0].versions | length' a.json)" "two versions after add"
expect_exit 0 "$BOOTCHAIN" golden create --out b.json --image kernel:8:v3 --image initrd:9:v1 \
	--banks sha256
expect_exit 0 "$BOOTCHAIN" golden merge a.json b.json --out m.json
assert_eq 3 "$(jq '.components[0].versions | length' m.json)" "three versions after merge"
assert_eq "initrd" "$(jq -r '.components[1].name' m.json)" "merged component"
expect_exit 0 "$BOOTCHAIN" golden predict m.json --pcrs sha256:8 --json
assert_eq 3 "$(jq '.pcrs.sha256["8"] | length' "$TEST_TMP/out")" "one value per version"
expect_exit 0 "$BOOTCHAIN" golden predict m.json --pcrs sha256:8 --max 2 --json
assert_eq 2 "$(jq '.pcrs.sha256["8"] | length' "$TEST_TMP/out")" "capped values"
assert_eq "capped" "$(jq -r '.capped[0].reason' "$TEST_TMP/out")" "says it is capped"
expect_exit 1 "$BOOTCHAIN" golden add m.json --image kernel:9:v1 --banks sha256
assert_contains "$(cat "$TEST_TMP/err")" "component kernel is in PCR 8, not in PCR 9" "PCR conflict"
expect_exit 0 "$BOOTCHAIN" golden show m.json
assert_contains "$(cat "$TEST_TMP/out")" "kernel  PCR 8" "show"

# --- signatures ---
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out pub.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.pem 2>/dev/null
openssl pkey -in other.pem -pubout -out other-pub.pem
expect_exit 1 "$BOOTCHAIN" golden show m.json --pubkey pub.pem
assert_contains "$(cat "$TEST_TMP/err")" "not signed" "unsigned refused"
expect_exit 0 "$BOOTCHAIN" golden sign m.json --key key.pem
openssl dgst -sha256 -verify pub.pem -signature m.json.sig m.json >/dev/null ||
	fail "openssl does not verify our signature"
expect_exit 0 "$BOOTCHAIN" golden verify m.json --pubkey pub.pem
# the database on standard input, from a pipe: its signature named
expect_exit 0 bash -c 'cat m.json | "$0" golden verify - --pubkey pub.pem --signature m.json.sig' \
	"$BOOTCHAIN"
sed 's/"initrd"/"initrD"/' m.json >piped.json
expect_exit 3 bash -c '"$0" golden verify - --pubkey pub.pem --signature m.json.sig <piped.json' \
	"$BOOTCHAIN"
expect_exit 2 bash -c '"$0" golden verify - --pubkey pub.pem <m.json' "$BOOTCHAIN"
assert_contains "$(cat "$TEST_TMP/err")" "needs --signature" "stdin without a signature"
expect_exit 0 "$BOOTCHAIN" golden show m.json --pubkey pub.pem
expect_exit 3 "$BOOTCHAIN" golden verify m.json --pubkey other-pub.pem
sed 's/"initrd"/"initrD"/' m.json >t.json && cp m.json.sig t.json.sig
expect_exit 3 "$BOOTCHAIN" golden verify t.json --pubkey pub.pem
assert_contains "$(cat "$TEST_TMP/err")" "does not verify" "tampered refused"
expect_exit 3 "$BOOTCHAIN" golden check t.json "$log" --pubkey pub.pem
# a signature made by openssl is accepted (RSA this time)
openssl dgst -sha256 -sign other.pem -out m.json.sig m.json
expect_exit 0 "$BOOTCHAIN" golden verify m.json --pubkey other-pub.pem

# --- bad input ---
expect_exit 2 "$BOOTCHAIN" golden create --out x.json
expect_exit 2 "$BOOTCHAIN" golden create --out x.json --image kernel:24:v1
expect_exit 2 "$BOOTCHAIN" golden create --out x.json --image kernel:v1
expect_exit 2 "$BOOTCHAIN" golden frob
expect_exit 1 "$BOOTCHAIN" golden create --out x.json --from-log "$TESTS_DATA/broken/$(ls "$TESTS_DATA/broken" | grep -m1 '\.bin$')"
[ ! -e x.json ] || fail "a failed create left x.json"
printf '{"format": "bootchain-golden-v1", "components": [], "components": []}' >dup.json
expect_exit 1 "$BOOTCHAIN" golden show dup.json
assert_contains "$(cat "$TEST_TMP/err")" "duplicate" "duplicate keys"
echo "PASS"
