#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Forged event logs beside real quotes (issue 11): the verifier judges only the attested
# view, the events whose digests replay to values the quote signed. Each way an attacker
# can rewrite the log that travels beside a genuine quote of swtpm must fail, with the
# check named: digests dropped so that a bank is skipped, a known-good digest put in a
# bank the quote does not cover, a final PCR value of a PCR not quoted, an extra layer
# in a PCR the database holds components in. And nonces: an empty one is a usage error,
# a quote without one passes only with --no-nonce, never as fresh.
. "$TESTS_LIB/common.sh"
forge="$(dirname "$BOOTCHAIN")/tests/tools/log-forge"
[ -x "$forge" ] || { echo "ERROR: $forge not built" >&2; exit 99; }
start_swtpm
cd "$TEST_TMP"

sha() { openssl dgst -"$1" -r "$2" | cut -d' ' -f1; }
check_status() { # check status (of $TEST_TMP/out, JSON)
	assert_eq "$2" "$(jq -r ".checks[\"$1\"].status" "$TEST_TMP/out")" "check $1"
}
check_message() { # check text
	assert_contains "$(jq -r ".checks[\"$1\"].message" "$TEST_TMP/out")" "$2" "check $1 says"
}
with_log() { # evidence log out: the evidence with the event log replaced
	jq --arg l "$(base64 -w0 "$2")" '.eventlog = $l' "$1" >"$3"
}
reset_tpm() { stop_swtpm; rm -rf "$TEST_TMP/swtpm"; start_swtpm; }

expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub
mkdir -p img
for f in bios bootloader kernel initrd evil-kernel evil-bios config extra; do
	head -c 4096 /dev/urandom >"img/$f"
done
printf 'bios 0 bios\nbootloader 4 bootloader\nkernel 8 kernel\ninitrd 9 initrd\n' >img/chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain img/chain \
	--banks sha1,sha256,sha384,sha512

boot() { # log layer:pcr:file...
	local log=$1 spec
	shift
	rm -f "$log"
	for spec in "$@"; do
		IFS=: read -r layer pcr file <<<"$spec"
		expect_exit 0 "$BOOTCHAIN" measure "img/$file" --pcr "$pcr" --layer "$layer" \
			--log "$log"
	done
}
quote() { # out [quote options]
	local out=$1
	shift
	nonce=$(openssl rand -hex 20)
	expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --log boot.log --out "$out" --force "$@"
}
verify() { # status evidence [options]
	local want=$1 ev=$2
	shift 2
	expect_exit "$want" "$BOOTCHAIN" attest verify "$ev" --ak ak.pub --nonce "$nonce" \
		--golden golden.json --json "$@"
}

# --- the control: a good boot, quoted, passes; every quoted value is attested ---
boot boot.log bios:0:bios config:5:config bootloader:4:bootloader kernel:8:kernel \
	initrd:9:initrd
quote good.json
verify 0 good.json
check_status eventlog pass
check_status golden pass
assert_eq true "$(jq .fresh "$TEST_TMP/out")" "a quote with the nonce is fresh"
assert_contains "$(jq -r .attested "$TEST_TMP/out")" "sha256:0-9" "sha256 PCRs 0-9 attested"

# --- 1: an evil kernel; the log drops the other banks of an event in a PCR without a
# component and claims the good kernel's sha256 digest ---
reset_tpm
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub --force
boot boot.log bios:0:bios config:5:config bootloader:4:bootloader kernel:8:evil-kernel \
	initrd:9:initrd
quote evil.json
verify 3 evil.json
check_status eventlog pass
check_status golden fail
check_message golden "PCR 8, event 4: changed component kernel"
"$forge" boot.log forged.log drop-digest 2 sha256 drop-digest 2 sha384 drop-digest 2 sha512 \
	set-digest 4 sha256 "$(sha sha256 img/kernel)" || fail "log-forge"
with_log evil.json forged.log forged.json
verify 3 forged.json
check_status eventlog fail
check_message eventlog "PCR 5: event 2 has no sha256 digest"
check_status golden fail
check_message golden "changed component kernel"
# the same forgery with the sha1 digest of the kernel's event made good too: sha1 then
# replays to another value, and what is left attested still shows the evil kernel
"$forge" boot.log forged2.log set-digest 4 sha256 "$(sha sha256 img/kernel)" \
	set-digest 4 sha1 "$(sha sha1 img/kernel)" || fail "log-forge"
with_log evil.json forged2.log forged2.json
verify 3 forged2.json
check_status eventlog fail
check_message eventlog "PCR 8: the log replays to another value"
check_status golden fail

# --- 2: a quote of sha1:0+sha256:8; the log claims a good sha256 digest for PCR 0, a
# bank the quote never covered for that PCR ---
reset_tpm
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub --force
boot boot.log bios:0:evil-bios bootloader:4:bootloader kernel:8:kernel initrd:9:initrd
quote narrow.json --pcrs sha1:0+sha256:8
"$forge" boot.log forged.log set-digest 1 sha256 "$(sha sha256 img/bios)" || fail "log-forge"
with_log narrow.json forged.log forged.json
verify 3 forged.json --require-pcrs sha1:0+sha256:8
check_status pcr-selection pass
check_status eventlog pass
check_status golden fail
check_message golden "PCR 0, event 1: changed component bios"
# and with the sha1 digest dropped, so that sha1 PCR 0 would not be replayed at all
"$forge" boot.log forged2.log set-digest 1 sha256 "$(sha sha256 img/bios)" \
	drop-digest 1 sha1 || fail "log-forge"
with_log narrow.json forged2.log forged2.json
verify 3 forged2.json --require-pcrs sha1:0+sha256:8
check_status eventlog fail
check_message eventlog "sha1 PCR 0: event 1 has no sha1 digest"
check_status golden fail
# the database judges PCRs 0, 4, 8 and 9: by default a quote of less fails by name
verify 3 forged.json
check_status pcr-selection fail
check_message pcr-selection "does not cover PCR 4"

# --- 3: an allowed final value of a PCR the quote does not cover ---
reset_tpm
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub --force
boot boot.log bios:0:bios bootloader:4:bootloader extra:7:extra kernel:8:kernel initrd:9:initrd
pcr7=$(pcr_value sha256 7)
jq --arg v "$pcr7" '.pcrs = {"sha256": {"7": [$v]}}' golden.json >golden-pcr7.json
quote q.json --pcrs sha256:0,4,8,9
expect_exit 3 "$BOOTCHAIN" attest verify q.json --ak ak.pub --nonce "$nonce" \
	--golden golden-pcr7.json --require-pcrs sha256:0,4,8,9 --json
check_status eventlog pass
check_status golden fail
check_message golden "sha256 PCR 7: no attested final value"
expect_exit 3 "$BOOTCHAIN" attest verify q.json --ak ak.pub --nonce "$nonce" \
	--golden golden-pcr7.json --json
check_status pcr-selection fail
check_message pcr-selection "sha256 PCR 7"
# quoted, the same value passes: the check is of what was signed, not of the database
quote q7.json --pcrs sha256:0,4,7,8,9
expect_exit 0 "$BOOTCHAIN" attest verify q7.json --ak ak.pub --nonce "$nonce" \
	--golden golden-pcr7.json --json

# --- fail closed: an extra layer in a PCR that holds a component ---
reset_tpm
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub --force
boot boot.log bios:0:bios bootloader:4:bootloader kernel:8:kernel extra:8:extra initrd:9:initrd
quote extra.json
verify 3 extra.json
check_status golden fail
check_message golden "PCR 8, event 4: unexpected"
# the author opens PCR 8 explicitly: then the extra event is only not covered
jq '.open_pcrs = [8]' golden.json >golden-open.json
expect_exit 0 "$BOOTCHAIN" attest verify extra.json --ak ak.pub --nonce "$nonce" \
	--golden golden-open.json --json

# --- a component whose digests are all in banks not attested is unverifiable ---
jq '(.components[] | select(.name == "kernel") | .versions[].digests) |= {sha1: .sha1}' \
	golden.json >golden-sha1kernel.json
reset_tpm
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub --force
boot boot.log bios:0:bios bootloader:4:bootloader kernel:8:kernel initrd:9:initrd
quote s256.json --pcrs sha256:0-9
expect_exit 3 "$BOOTCHAIN" attest verify s256.json --ak ak.pub --nonce "$nonce" \
	--golden golden-sha1kernel.json --require-pcrs sha256:0-9 --json
check_status golden fail
check_message golden "unverifiable component kernel"

# --- nonces ---
expect_exit 2 "$BOOTCHAIN" attest verify s256.json --ak ak.pub --nonce ""
assert_contains "$(cat "$TEST_TMP/err")" "--no-nonce" "an empty nonce names --no-nonce"
expect_exit 2 "$BOOTCHAIN" attest verify s256.json --ak ak.pub
expect_exit 2 "$BOOTCHAIN" attest verify s256.json --ak ak.pub --nonce "$nonce" --no-nonce
# a quote with no qualifying data, as tpm2_quote makes it without -q
# (the AK is at bootchain's default persistent handle)
TPM2TOOLS_TCTI=$TCTI tpm2_quote -c 0x81010003 -l sha256:0,4,8,9 -m nn.msg -s nn.sig -o nn.pcrs \
	-g sha256 >/dev/null || fail "tpm2_quote failed"
expect_exit 3 "$BOOTCHAIN" attest verify --message nn.msg --signature nn.sig --pcrs-file nn.pcrs \
	--ak ak.pub --nonce "$nonce" --json
check_status nonce fail
expect_exit 0 "$BOOTCHAIN" attest verify --message nn.msg --signature nn.sig --pcrs-file nn.pcrs \
	--ak ak.pub --no-nonce --json
check_status nonce pass
assert_eq false "$(jq .fresh "$TEST_TMP/out")" "a quote without a nonce is not fresh"
assert_contains "$(cat "$TEST_TMP/err")" "warning" "--no-nonce warns"
echo "forgery: every forged log refused, with the check named"
