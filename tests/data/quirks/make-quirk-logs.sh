#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Write the valid but quirky event logs of tests/data/quirks/, each NAME.bin with the PCR
# values a replay must give in NAME.expected ("bank pcr hex" lines, lowercase hex: the
# PCRs that events extend, and PCR 0 when a StartupLocality event sets it).
#
#   tests/data/quirks/make-quirk-logs.sh
#
# Every digest and every expected PCR value is computed here with the openssl command
# line, PCR by PCR (PCR = H(PCR || digest), from the reset value), independently of
# bootchain. The logs are crypto-agile with two banks, sha1 and sha256. The results are
# committed; this script only says how they were made. Needs bash, perl, openssl.
set -euo pipefail

PROG=${0##*/}
out=$(cd "$(dirname "$0")" && pwd)
for tool in openssl perl; do
	command -v "$tool" >/dev/null || { echo "$PROG: $tool not found" >&2; exit 99; }
done

BANKS=(sha1 sha256)
declare -A ALG_ID=([sha1]=0400 [sha256]=0b00) # TPM2_ALG_ID, little-endian hex
declare -A SIZE=([sha1]=20 [sha256]=32)

EV_POST_CODE=1 EV_NO_ACTION=3 EV_SEPARATOR=4 EV_EVENT_TAG=6 EV_S_CRTM_VERSION=8
EV_COMPACT_HASH=12 EV_EFI_ACTION=$((0x80000007))

# --- bytes as hex strings ---

le32() { printf '%02x%02x%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
le16() { printf '%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)); }
ascii() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
utf16() { # ASCII as UTF-16LE with the terminating NUL
	local s=$1 i
	for ((i = 0; i < ${#s}; i++)); do printf '%02x00' "'${s:i:1}"; done
	printf '0000'
}
zeros() { printf "%0$(($1 * 2))d" 0; }
ones() { local i; for ((i = 0; i < $1; i++)); do printf ff; done; }
hex_to_bin() { perl -e 'binmode STDOUT; print pack("H*", $ARGV[0])' "$1"; }

# Digest of the bytes given as hex, with openssl.
digest() { # bank hex
	hex_to_bin "$2" | openssl dgst "-$1" -r | cut -d' ' -f1
}

# --- a log being built, and the PCR values it implies ---

LOG=
declare -A PCR=()

reset_value() { # bank pcr
	if [ "$2" -ge 17 ] && [ "$2" -le 22 ]; then ones "${SIZE[$1]}"; else zeros "${SIZE[$1]}"; fi
}

begin_log() {
	local spec alg
	PCR=()
	# TCG_EfiSpecIDEvent: signature, platformClass, version 2.0 errata 0, uintnSize 2,
	# the banks, vendorInfoSize 0
	spec=$(ascii "Spec ID Event03")00$(le32 0)00020002$(le32 ${#BANKS[@]})
	for alg in "${BANKS[@]}"; do spec+=${ALG_ID[$alg]}$(le16 "${SIZE[$alg]}"); done
	spec+=00
	# as a TCG_PCClientPCREvent: PCR 0, EV_NO_ACTION, a zero SHA-1 digest
	LOG=$(le32 0)$(le32 $EV_NO_ACTION)$(zeros 20)$(le32 $((${#spec} / 2)))$spec
}

# One TCG_PCR_EVENT2. Its digests are those of digest_of (hex; default: the event data),
# or zero for EV_NO_ACTION, which extends nothing.
event() { # pcr type data_hex [digest_of_hex]
	local pcr=$1 type=$2 data=$3 of=${4:-$3} alg d key
	LOG+=$(le32 "$pcr")$(le32 "$type")$(le32 ${#BANKS[@]})
	for alg in "${BANKS[@]}"; do
		if [ "$type" = $EV_NO_ACTION ]; then
			d=$(zeros "${SIZE[$alg]}")
		else
			d=$(digest "$alg" "$of")
			key="$alg $pcr"
			[ -n "${PCR[$key]:-}" ] || PCR[$key]=$(reset_value "$alg" "$pcr")
			PCR[$key]=$(digest "$alg" "${PCR[$key]}$d")
		fi
		LOG+=${ALG_ID[$alg]}$d
	done
	LOG+=$(le32 $((${#data} / 2)))$data
}

# The StartupLocality event (PFP 10.4.5.3): EV_NO_ACTION in PCR 0, data
# "StartupLocality\0" and the locality byte; PCR 0 then starts at 00..00LL.
startup_locality() { # locality
	local alg
	event 0 $EV_NO_ACTION "$(ascii StartupLocality)00$(printf %02x "$1")"
	for alg in "${BANKS[@]}"; do
		PCR["$alg 0"]=$(zeros $((SIZE[$alg] - 1)))$(printf %02x "$1")
	done
}

ORDER=()
declare -A ABOUT=()

end_log() { # name about [trailing_hex]
	local name=$1 key
	ORDER+=("$name")
	ABOUT[$name]=$2
	hex_to_bin "$LOG${3:-}" >"$out/$name.bin.tmp"
	mv "$out/$name.bin.tmp" "$out/$name.bin"
	for key in "${!PCR[@]}"; do echo "$key ${PCR[$key]}"; done |
		sort -k1,1 -k2,2n >"$out/$name.expected.tmp"
	mv "$out/$name.expected.tmp" "$out/$name.expected"
	echo "$name.bin: $(wc -c <"$out/$name.bin") bytes, $(wc -l <"$out/$name.expected") PCR values"
}

# Event data used below
crtm_version=$(utf16 "1.05")                                   # EV_S_CRTM_VERSION
post_code=$(le32 $((0xffe00000)))$(le32 0)$(le32 $((0x200000)))$(le32 0) # blob base, length
fv_main=$(ascii "firmware volume FV_MAIN")  # what the EV_POST_CODE digest is of
separator=$(le32 0)

# --- the logs ---

for locality in 3 4; do
	begin_log
	startup_locality "$locality"
	event 0 $EV_S_CRTM_VERSION "$crtm_version"
	event 0 $EV_POST_CODE "$post_code" "$fv_main"
	what=$([ "$locality" = 4 ] && echo "4 (H-CRTM)" || echo 3)
	end_log "startup-locality-$locality" \
		"The first event after the Spec ID event is an EV_NO_ACTION StartupLocality event (\"StartupLocality\\0\", locality $what), so PCR 0 starts at 00..0$locality, not zero; then an EV_S_CRTM_VERSION (UTF-16 \"1.05\") and an EV_POST_CODE (a firmware blob; its digest is of the firmware volume, not of the event data) extend PCR 0. The StartupLocality event itself extends nothing."
done

begin_log
event 17 $EV_COMPACT_HASH "$(ascii "SINIT ACM")"
event 17 $EV_EFI_ACTION "$(ascii "DRTM: MLE launched")"
event 22 $EV_EVENT_TAG "$(le32 1)$(le32 8)$(ascii "DRTM-ext")"
end_log pcr17-pcr22 \
	"Events extending PCR 17 (twice) and PCR 22. PCRs 17-22 reset to all ones, not zero: PCR 17 = H(H(ff..ff || d1) || d2), PCR 22 = H(ff..ff || d3)."

begin_log
event 0 $EV_S_CRTM_VERSION "$crtm_version"
event 4 $EV_EFI_ACTION "$(ascii "Calling EFI Application from Boot Option")"
event 7 $EV_SEPARATOR "$separator"
end_log padding-4096 \
	"Three ordinary events (PCRs 0, 4, 7), then 4096 zero bytes, as securityfs pads binary_bios_measurements: the zeros end the log, they are not events." \
	"$(zeros 4096)"

begin_log
event 0 $EV_POST_CODE "$(ascii "ACPI DATA")"
event 1 $EV_EVENT_TAG "$(le32 $((0x4c4e4b58)))$(le32 6)$(ascii "quirks")"
event 0 $EV_SEPARATOR "$separator"
end_log post-code-event-tag \
	"A short EV_POST_CODE (the 9-byte string \"ACPI DATA\" as EDK2 logs it, not a 16-byte UEFI_PLATFORM_FIRMWARE_BLOB), an EV_EVENT_TAG (TCG_PCClientTaggedEvent: taggedEventID 0x4c4e4b58, 6 bytes of data) in PCR 1, and an EV_SEPARATOR in PCR 0."

begin_log
event 0 $EV_S_CRTM_VERSION "$crtm_version"
event 0 $EV_NO_ACTION "$(ascii NvIndexInstance)00$(le16 1)$(zeros 6)$(le16 8)$(ascii "01234567")"
event 0 $EV_POST_CODE "$post_code" "$fv_main"
end_log no-action-middle \
	"An EV_NO_ACTION event (\"NvIndexInstance\\0\" signature, zero digests) between the two events of PCR 0: it must not extend anything, so PCR 0 = H(H(0 || d1) || d2)."

# Windows logs EV_NO_ACTION events with PCR index 0xFFFFFFFF (-1): never extended.
pcr_none=$((0xffffffff))
begin_log
event 0 $EV_S_CRTM_VERSION "$crtm_version"
event $pcr_none $EV_NO_ACTION "$(ascii "WindowsNoAction")00$(le32 1)"
event 0 $EV_SEPARATOR "$separator"
end_log no-action-pcr-none \
	"An EV_NO_ACTION event in PCR index 0xFFFFFFFF (-1), as Windows logs them, between the two events of PCR 0: it is never extended, so PCR 0 = H(H(0 || d1) || d2)."

# The same in the SHA-1 format (TCG_PCClientPCREvent records, no Spec ID event).
sha1_event() { # pcr type data_hex
	local d key="sha1 $1"
	if [ "$2" = $EV_NO_ACTION ]; then
		d=$(zeros 20)
	else
		d=$(digest sha1 "$3")
		[ -n "${PCR[$key]:-}" ] || PCR[$key]=$(reset_value sha1 "$1")
		PCR[$key]=$(digest sha1 "${PCR[$key]}$d")
	fi
	LOG+=$(le32 "$1")$(le32 "$2")$d$(le32 $((${#3} / 2)))$3
}
LOG= && PCR=()
sha1_event $pcr_none $EV_NO_ACTION "$(ascii "WindowsNoAction")00$(le32 1)"
sha1_event 0 $EV_S_CRTM_VERSION "$crtm_version"
sha1_event $pcr_none $EV_NO_ACTION "$(ascii "WindowsNoAction")00$(le32 1)"
sha1_event 0 $EV_SEPARATOR "$separator"
end_log sha1-no-action-pcr-none \
	"A SHA-1 format log (no Spec ID event) that starts with an EV_NO_ACTION event in PCR index 0xFFFFFFFF and has another between the two events of PCR 0: neither is extended, so PCR 0 = H(H(0 || d1) || d2) in sha1."

# --- README.md ---
{
	cat <<'EOT'
# Valid but quirky event logs

TCG PC Client event logs (crypto-agile with sha1 and sha256 banks; one in the SHA-1
format) that are valid but take a parser or a replay off the common path. A parser must accept each of them, and a replay
must give exactly the PCR values of `NAME.expected`: lines `bank pcr hex` (lowercase),
for the PCRs that events extend, and PCR 0 when a StartupLocality event sets it. Every
other PCR keeps its reset value.

Made by `make-quirk-logs.sh` (bash, perl, openssl): the digests and the expected values
are computed with the openssl command line, one extend at a time from the reset value,
independently of bootchain. Do not edit the files by hand: change the script and run it
again.

tpm2_eventlog (tpm2-tools 5.4, Debian) is no oracle here: it agrees on
`padding-4096` and `post-code-event-tag`, but it ignores StartupLocality (PCR 0 from
zero), extends the zero digests of EV_NO_ACTION events (`startup-locality-*`,
`no-action-middle`) and starts PCRs 17-22 at zero (`pcr17-pcr22`). Later tpm2-tools
releases handle StartupLocality and EV_NO_ACTION.

EOT
	for name in "${ORDER[@]}"; do
		echo "## $name.bin"
		echo
		echo "${ABOUT[$name]}" | fold -s -w 88 | sed 's/ *$//'
		echo
		echo '```'
		cat "$out/$name.expected"
		echo '```'
		echo
	done
} >"$out/README.md.tmp"
mv "$out/README.md.tmp" "$out/README.md"
