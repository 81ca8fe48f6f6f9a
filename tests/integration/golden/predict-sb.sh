#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `golden predict DB --log REFLOG --with-db|--with-dbx FILE`: PCR 7 after a Secure Boot
# database update, on real logs, with real updates made by sbsigntool (sbsiglist,
# sbvarsign). The expected values come from elsewhere: the new UEFI_VARIABLE_DATA is
# built by perl from `log show --json` (GUID, name length, data length, UTF-16 name, old
# value, the appended lists), hashed by `openssl dgst`, and every PCR 7 event of the log
# is extended, in order, into swtpm by tpm2_pcrextend (the logged digests, the new ones
# for db and dbx); tpm2_pcrread must give what bootchain predicts, in every bank of the
# log. Also: a signature already there is not added again; --replace-dbx; the attributes
# of sbvarsign --include-attrs; malformed files exit 1 naming the file and offset.
. "$TESTS_LIB/common.sh"
cd "$TEST_TMP"
command -v sbvarsign >/dev/null && command -v sbsiglist >/dev/null ||
	{ echo "SKIP: sbsigntool not installed (scripts/deps installs it)"; exit 77; }
start_swtpm
export TPM2TOOLS_TCTI="$TCTI"
logs=(event-postcode.bin event-gce-ubuntu-2104-log.bin event-uefi-sha1-log.bin)
owner=5d1c1c3e-7a3b-4f5e-9d7e-0123456789ab

# --- the updates, as a platform owner makes them ---
openssl req -new -x509 -newkey rsa:2048 -nodes -subj /CN=bootchain-test-kek \
	-keyout kek.key -out kek.crt -days 30 2>/dev/null
openssl req -new -x509 -newkey rsa:2048 -nodes -subj /CN=bootchain-test-db \
	-keyout db.key -outform DER -out db.der -days 30 2>/dev/null
printf 'a revoked bootloader' | openssl dgst -sha256 -binary >revoked.sha256
sbsiglist --owner "$owner" --type sha256 --output dbx.esl revoked.sha256
sbsiglist --owner "$owner" --type x509 --output db.esl db.der
attrs=NON_VOLATILE,BOOTSERVICE_ACCESS,RUNTIME_ACCESS,TIME_BASED_AUTHENTICATED_WRITE_ACCESS
sbvarsign --attr "$attrs,APPEND_WRITE" --key kek.key --cert kek.crt --output dbx.auth dbx dbx.esl
sbvarsign --attr "$attrs,APPEND_WRITE" --include-attrs --key kek.key --cert kek.crt \
	--output db.auth db db.esl
sbvarsign --attr "$attrs" --include-attrs --key kek.key --cert kek.crt \
	--output dbx-replace.auth dbx dbx.esl

# UEFI_VARIABLE_DATA of event N of events.json with VALUE (hex) as its data, to stdout.
variable_bytes() { # events.json N value-hex
	echo "$3" >value.hex
	jq -r ".events[] | select(.number == $2) | .data |
		\"\(.variable_guid) \(.variable_name)\"" "$1" |
		perl -e '
			my ($guid, $name) = split " ", <STDIN>;
			my @g = split /-/, $guid;
			open(my $f, "<", $ARGV[0]) or die "value.hex: $!";
			chomp(my $hex = <$f>);
			my $value = pack("H*", $hex);
			print pack("V v v", hex $g[0], hex $g[1], hex $g[2]), pack("H*", $g[3] . $g[4]),
				pack("Q<", length $name), pack("Q<", length $value),
				join("", map { pack("v", ord) } split //, $name), $value;
		' value.hex
}

hex_of() { od -An -v -tx1 "$1" | tr -d ' \n'; }

# The value of event N (hex), as logged.
logged_value() { jq -r ".events[] | select(.number == $2) | .data.variable_data" "$1"; }

# The number of the PCR 7 EV_EFI_VARIABLE_DRIVER_CONFIG event of variable NAME.
event_of() { # events.json name
	jq -r ".events[] | select(.pcr == 7 and .type == \"EV_EFI_VARIABLE_DRIVER_CONFIG\" and
		.data.variable_name == \"$2\") | .number" "$1"
}

# Extend every PCR 7 event of events.json into PCR, with NEWDIR/N.BANK for event N when
# that file exists, else the logged digest; then print "bank value" of PCR, per bank.
replay_on_swtpm() { # events.json pcr newdir
	local n spec bank value
	[ "$2" = 7 ] || tpm2_pcrreset "$2" >/dev/null || fail "tpm2_pcrreset $2"
	for n in $(jq -r '.events[] | select(.pcr == 7 and .type != "EV_NO_ACTION") | .number' "$1"); do
		spec=
		while read -r bank value; do
			[ -f "$3/$n.$bank" ] && value=$(cat "$3/$n.$bank")
			spec+="${spec:+,}$bank=$value"
		done < <(jq -r ".events[] | select(.number == $n) | .digests | to_entries[] |
			\"\(.key) \(.value)\"" "$1")
		tpm2_pcrextend "$2:$spec" || fail "tpm2_pcrextend $2:$spec"
	done
	for bank in $(jq -r '.algorithms[].alg' "$1"); do
		tpm2_pcrread "$bank:$2" -o pcr.bin >/dev/null || fail "tpm2_pcrread $bank:$2"
		echo "$bank $(hex_of pcr.bin)"
	done
}

predicted_lines() { # prediction.json key ("pcrs" or "logged")
	jq -r ".$2 | to_entries[] | \"\(.key) \(.value[\"7\"][0])\"" "$1"
}

compared=0
for name in "${logs[@]}"; do
	log=$TESTS_DATA/eventlogs/$name
	"$BOOTCHAIN" log show "$log" --json >events.json
	expect_exit 0 "$BOOTCHAIN" golden create --force --out golden.json --from-log "$log"
	expect_exit 0 "$BOOTCHAIN" golden predict golden.json --log "$log" --with-dbx dbx.auth \
		--with-db db.auth --json
	cp "$TEST_TMP/out" prediction.json

	# independent: the new variables (old value + the whole list: nothing in it is there)
	rm -rf new && mkdir new
	for var in db dbx; do
		n=$(event_of events.json "$var")
		[ -n "$n" ] || fail "$name: no $var event"
		variable_bytes events.json "$n" "$(logged_value events.json "$n")$(hex_of "$var.esl")" \
			>"$var.bin"
		for bank in $(jq -r ".events[] | select(.number == $n) | .digests | keys[]" events.json); do
			openssl dgst "-$bank" -binary "$var.bin" | od -An -v -tx1 | tr -d ' \n' >"new/$n.$bank"
			assert_eq "$(cat "new/$n.$bank")" \
				"$(jq -r ".changed[] | select(.event == $n) | .digests.$bank" prediction.json)" \
				"$name: new $bank digest of $var"
		done
		assert_eq "pcr7-var-$var" \
			"$(jq -r ".changed[] | select(.event == $n) | .component" prediction.json)" \
			"$name: component of $var"
		# and that is the name `golden create --from-log` gave the event
		assert_eq "$n" "$(jq -r ".components[] | select(.name == \"pcr7-var-$var\") |
			.versions[0].source.event" golden.json)" "$name: event of pcr7-var-$var"
	done
	replay_on_swtpm events.json 7 new >swtpm.txt
	predicted_lines prediction.json pcrs >predicted.txt
	[ "$(wc -l <predicted.txt)" = "$(jq '.algorithms | length' events.json)" ] ||
		fail "$name: not every bank predicted: $(cat predicted.txt)"
	diff swtpm.txt predicted.txt || fail "$name: swtpm's PCR 7 differs from the prediction"
	compared=$((compared + $(wc -l <predicted.txt)))

	# the same log unchanged, replayed into PCR 16: the "logged" values
	replay_on_swtpm events.json 16 /nonexistent >swtpm16.txt
	predicted_lines prediction.json logged | diff swtpm16.txt - ||
		fail "$name: the logged PCR 7 differs from swtpm's replay"
	stop_swtpm
	start_swtpm
	export TPM2TOOLS_TCTI="$TCTI"
done
[ "$compared" = 6 ] || fail "only $compared PCR 7 values compared" # 2 + 3 + 1 banks

# --- a signature already there is not added again ---
log=$TESTS_DATA/eventlogs/event-postcode.bin
"$BOOTCHAIN" log show "$log" --json >events.json
n=$(event_of events.json dbx)
jq -r ".events[] | select(.number == $n) | .data.signature_lists[0].signatures[0].data" \
	events.json | perl -ne 'chomp; print pack("H*", $_)' >present.sha256
sbsiglist --owner "$(jq -r ".events[] | select(.number == $n) |
	.data.signature_lists[0].signatures[0].owner" events.json)" --type sha256 \
	--output present.esl present.sha256
expect_exit 0 "$BOOTCHAIN" golden predict golden.json --log "$log" --with-dbx present.esl --json
cp "$TEST_TMP/out" present.json
assert_eq "0 1" "$(jq -r '.changed[0] | "\(.signatures_added) \(.signatures_present)"' present.json)" \
	"an entry of the logged dbx"
assert_eq "$(jq -c .logged present.json)" "$(jq -c .pcrs present.json)" "PCR 7 unchanged"
# the same update twice: the second adds nothing
expect_exit 0 "$BOOTCHAIN" golden predict golden.json --log "$log" --with-dbx dbx.auth --json
cp "$TEST_TMP/out" once.json
once=$(jq -c .pcrs once.json)
expect_exit 0 "$BOOTCHAIN" golden predict golden.json --log "$log" --with-dbx dbx.auth \
	--with-dbx dbx.esl --json
assert_eq "$once" "$(jq -c .pcrs "$TEST_TMP/out")" "the same dbx entry appended twice"
assert_eq "1 1" "$(jq -r '.changed[0] | "\(.signatures_added) \(.signatures_present)"' \
	"$TEST_TMP/out")" "counted once, then present"

# --- a replacement: the new dbx is the list alone ---
expect_exit 0 "$BOOTCHAIN" golden predict golden.json --log "$log" --replace-dbx dbx-replace.auth \
	--json
variable_bytes events.json "$n" "$(hex_of dbx.esl)" | openssl_digest sha256 >want
assert_eq "$(cat want)" "$(jq -r '.changed[0].digests.sha256' "$TEST_TMP/out")" "replaced dbx"
assert_eq replace "$(jq -r '.changed[0].write' "$TEST_TMP/out")" "write"
# sbvarsign --include-attrs tells which write it is: a mismatch is refused
expect_exit 1 "$BOOTCHAIN" golden predict golden.json --log "$log" --with-dbx dbx-replace.auth
assert_contains "$(cat "$TEST_TMP/err")" "have no APPEND_WRITE" "append of a replacement"
expect_exit 1 "$BOOTCHAIN" golden predict golden.json --log "$log" --replace-db db.auth
assert_contains "$(cat "$TEST_TMP/err")" "have APPEND_WRITE" "replacement by an append"

# --- text output names the components and their new digests ---
expect_exit 0 "$BOOTCHAIN" golden predict golden.json --log "$log" --with-dbx dbx.auth
out=$(cat "$TEST_TMP/out")
assert_contains "$out" "PCR 7 after the update" "text"
assert_contains "$out" "component \`pcr7-var-dbx\`" "text names the component"
assert_contains "$out" "sha256   $(jq -r '.changed[0].digests.sha256' once.json)" "new digest"
assert_contains "$out" "sha256   $(jq -r '.pcrs.sha256["7"][0]' once.json)" "PCR 7"

# --- malformed updates: exit 1, the file and the offset named ---
bad() { # file words
	expect_exit 1 "$BOOTCHAIN" golden predict golden.json --log "$log" --with-dbx "$1"
	assert_contains "$(cat "$TEST_TMP/err")" "$2" "$1"
}
patch32() { # file offset value: a little-endian UINT32 written into a copy
	perl -e 'print pack("V", $ARGV[0])' "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
head -c 40 dbx.esl >truncated.esl
bad truncated.esl "truncated.esl: offset 0x10: SignatureListSize 76 exceeds the 40 bytes left"
head -c 20 dbx.esl >short.esl
bad short.esl "short.esl: offset 0x0: EFI_SIGNATURE_LIST truncated"
cp dbx.esl small.esl && patch32 small.esl 16 20
bad small.esl "small.esl: offset 0x10: SignatureListSize 20 is smaller than its header"
cp dbx.esl zero.esl && patch32 zero.esl 24 0
bad zero.esl "zero.esl: offset 0x18: SignatureSize 0"
cp dbx.esl wrap.esl && patch32 wrap.esl 16 4294967295 && patch32 wrap.esl 20 4294967280
bad wrap.esl "wrap.esl: offset 0x10: SignatureListSize 4294967295 is smaller than its header"
head -c 100 dbx.auth >truncated.auth
bad truncated.auth "truncated.auth: offset 0x10: WIN_CERTIFICATE dwLength"
size=$(stat -c %s dbx.auth)
head -c $((size - 10)) dbx.auth >cut.auth
# the list's offset in the file: its SignatureListSize field, 16 bytes in
bad cut.auth "cut.auth: offset 0x$(printf %x $((size - 76 + 16))): SignatureListSize 76 exceeds"
: >empty.esl
bad empty.esl "empty.esl: empty"
expect_exit 1 "$BOOTCHAIN" golden predict golden.json --log "$TESTS_DATA/eventlogs/event-uefivar.bin" \
	--with-dbx dbx.esl
assert_contains "$(cat "$TEST_TMP/err")" "no EV_EFI_VARIABLE_DRIVER_CONFIG event of dbx" "no dbx"

# --- usage ---
expect_exit 2 "$BOOTCHAIN" golden predict golden.json --with-dbx dbx.esl
assert_contains "$(cat "$TEST_TMP/err")" "need --log REFLOG" "no log"
expect_exit 2 "$BOOTCHAIN" golden predict golden.json --log "$log"
expect_exit 2 "$BOOTCHAIN" golden predict golden.json --log "$log" --with-dbx dbx.esl --pcrs sha256:7
echo "PASS: PCR 7 predicted as swtpm replays it in $compared banks of ${#logs[@]} logs"
