#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Predicting an update with real Debian EFI binaries, on swtpm, in every allocated bank.
# A chain shim -> grub -> kernel (Debian's signed vmlinuz, which scripts/deps fetches
# into /var/cache/bootchain) is measured with `measure --chain` and becomes a golden
# database. Then:
# - `golden predict --with bootloader:4:systemd-bootx64.efi` (the new bootloader in place
#   of grub) equals what a fresh swtpm holds after measuring the new chain, read with
#   tpm2_pcrread, in every bank; so does a prediction with a new component (the
#   systemd-boot stub, appended), and --keep-old predicts both boots;
# - `golden update` of the database: `golden check` passes the new boot's log and the
#   old one; after `golden retire` of the old bootloader the old log fails (exit 3).
#   Its signed policy (--policy-out) allows the PCR 4 values both TPMs held, names the
#   new database by its SHA-256, and its signature verifies with openssl.
. "$TESTS_LIB/common.sh"
for tool in tpm2_pcrread tpm2_getcap jq; do
	command -v "$tool" >/dev/null ||
		{ echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
kernel=/var/cache/bootchain/vmlinuz
shim=/usr/lib/shim/shimx64.efi
grub=/usr/lib/grub/x86_64-efi/monolithic/grubx64.efi
sdboot=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
[ -f "$kernel" ] || fail "no Debian kernel at $kernel: run scripts/deps as root to fetch it"
for f in "$shim" "$grub" "$sdboot" "$stub"; do
	[ -f "$f" ] || fail "$f is missing: run scripts/deps as root"
done
cd "$TEST_TMP"

app=type=EV_EFI_BOOT_SERVICES_APPLICATION
chain() { # bootloader [extra line]: a chain file on stdout
	echo "shim 4 $shim auto $app"
	echo "bootloader 4 $1 auto $app"
	echo "kernel 4 $kernel auto $app"
	[ -z "${2:-}" ] || echo "$2"
}

# A fresh TPM measures a chain; banks gets the banks it has allocated.
boot() { # chain-file log
	stop_swtpm
	rm -rf "$TEST_TMP/swtpm"
	start_swtpm
	expect_exit 0 "$BOOTCHAIN" measure --chain "$1" --log "$2"
	banks=$(tpm2_getcap -T "$TCTI" pcrs |
		sed -n 's/^ *- \([a-z0-9_]*\): \[ *[0-9].*/\1/p')
	[ -n "$banks" ] || fail "tpm2_getcap pcrs shows no allocated bank"
}

tpm_pcr4() { # bank: PCR 4 as tpm2_pcrread reads it, lowercase hex
	tpm2_pcrread -T "$TCTI" "$1:4" | sed -n 's/^ *4 *: 0x\([0-9A-Fa-f]*\)$/\1/p' |
		tr 'A-F' 'a-f'
}

predicted() { # json bank: the values predicted for PCR 4, one a line
	jq -r --arg b "$1" '.pcrs[$b]["4"][]' <<<"$2"
}

# The prediction (JSON) equals the TPM in every allocated bank, with one value.
compare() { # json what
	local b want got
	for b in $banks; do
		want=$(tpm_pcr4 "$b")
		[ -n "$want" ] || fail "$2: tpm2_pcrread read no $b value"
		got=$(predicted "$b" "$1")
		assert_eq "$want" "$got" "$2: $b PCR 4 predicted and read from the TPM"
		echo "$2: $b PCR 4 = $got"
	done
}

chain "$grub" >old.chain
chain "$sdboot" >new.chain
chain "$grub" "stub 4 $stub auto $app" >added.chain

# --- the old boot and its database ---
boot old.chain old.log
for b in sha1 sha256; do
	grep -qx "$b" <<<"$banks" || fail "swtpm has no $b bank: $banks"
done
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain old.chain
expect_exit 0 "$BOOTCHAIN" golden predict golden.json --json
old_prediction=$(cat "$TEST_TMP/out")
compare "$old_prediction" "old boot"

# --- a new bootloader ---
expect_exit 0 "$BOOTCHAIN" golden predict golden.json --with "bootloader:4:$sdboot" --json
prediction=$(cat "$TEST_TMP/out")
[ "$(predicted sha256 "$prediction")" != "$(predicted sha256 "$old_prediction")" ] ||
	fail "the prediction with the new bootloader is the old boot's"
boot new.chain new.log
compare "$prediction" "new bootloader"
new_tpm_sha256=$(tpm_pcr4 sha256)
expect_exit 0 "$BOOTCHAIN" golden predict golden.json --pcrs sha256:4 \
	--with "bootloader:4:$sdboot"
assert_contains "$(cat "$TEST_TMP/out")" "4: $(tpm_pcr4 sha256)" "predict --pcrs, text"

# --keep-old: either boot, so both values
expect_exit 0 "$BOOTCHAIN" golden predict golden.json --with "bootloader:4:$sdboot" \
	--keep-old --json
both=$(predicted sha256 "$(cat "$TEST_TMP/out")" | sort)
want=$(printf '%s\n%s\n' "$(predicted sha256 "$prediction")" \
	"$(predicted sha256 "$old_prediction")" | sort)
assert_eq "$want" "$both" "--keep-old predicts the old and the new boot"

# grub signed again (sbsign, a key made here): other bytes, the same Authenticode digest,
# so the same boot; a raw hash would have told them apart
if command -v sbsign >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=bootchain test" \
		-keyout db.key -out db.crt 2>/dev/null || fail "openssl req failed"
	sbsign --key db.key --cert db.crt --output grub-signed.efi "$grub" >/dev/null 2>&1 ||
		fail "sbsign failed"
	cmp -s "$grub" grub-signed.efi && fail "sbsign left grub as it was"
	expect_exit 0 "$BOOTCHAIN" golden predict golden.json --with "bootloader:4:grub-signed.efi" \
		--json
	assert_eq "$(predicted sha256 "$old_prediction")" "$(predicted sha256 "$(cat "$TEST_TMP/out")")" \
		"grub signed again predicts the old boot (Authenticode)"
fi

# --- a new component, appended after the others of its PCR ---
expect_exit 0 "$BOOTCHAIN" golden predict golden.json --with "stub:4:$stub" --json
added=$(cat "$TEST_TMP/out")
boot added.chain added.log
compare "$added" "new component"

# --- update, check, retire ---
openssl ecparam -name prime256v1 -genkey -noout -out key.pem 2>/dev/null
openssl ec -in key.pem -pubout -out pub.pem 2>/dev/null
expect_exit 0 "$BOOTCHAIN" golden update golden.json --with "bootloader:4:$sdboot" \
	--out updated.json --key key.pem --policy-out updated.policy --policy-pcrs sha256:4
assert_contains "$(cat "$TEST_TMP/out")" "bootloader (PCR 4): new version" "update says"
expect_exit 0 "$BOOTCHAIN" golden check updated.json new.log --pubkey pub.pem
expect_exit 0 "$BOOTCHAIN" golden check updated.json old.log --pubkey pub.pem
assert_eq "$(printf '%s\n' "$(predicted sha256 "$old_prediction")" "$new_tpm_sha256" | sort)" \
	"$(jq -r '.branches[]["4"]' updated.policy | sort)" \
	"the policy allows the PCR 4 value of the old and of the new boot (TPM)"
assert_eq "$(openssl_digest sha256 <updated.json)" "$(jq -r .golden_sha256 updated.policy)" \
	"the policy names the new database"
hex_to_bin "$(jq -r '.approved_policy + .policy_ref' updated.policy)" >approved.bin
hex_to_bin "$(jq -r .signature updated.policy)" >policy.sig
openssl dgst -sha256 -verify pub.pem -signature policy.sig approved.bin >/dev/null ||
	fail "the policy's signature does not verify with openssl"
expect_exit 3 "$BOOTCHAIN" golden check golden.json new.log
assert_eq 2 "$(jq '.components[] | select(.name == "bootloader") | .versions | length' \
	updated.json)" "two versions of the bootloader"
expect_exit 1 "$BOOTCHAIN" golden retire updated.json bootloader --out updated.json
assert_contains "$(cat "$TEST_TMP/err")" "is signed" "retire of a signed database needs --key"
expect_exit 0 "$BOOTCHAIN" golden retire updated.json bootloader --out retired.json
assert_contains "$(cat "$TEST_TMP/out")" "bootloader: 1 version retired" "retire says"
expect_exit 0 "$BOOTCHAIN" golden check retired.json new.log
expect_exit 3 "$BOOTCHAIN" golden check retired.json old.log
assert_contains "$(cat "$TEST_TMP/out")" "is not an allowed version of component \`bootloader\`" \
	"the old bootloader is refused"
# the retired database predicts the new boot alone
boot new.chain new2.log
expect_exit 0 "$BOOTCHAIN" golden predict retired.json --json
compare "$(cat "$TEST_TMP/out")" "retired database"
echo "ok"
