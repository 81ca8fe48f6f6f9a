#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `golden merge A B` weakens neither database:
# - every stricter constraint of either survives, in either order: a final PCR 7 value,
#   `required`, an event type, `allow_debug: false`, the Keep measurements of both;
#   allowed final values of a (bank, PCR) listed by both are joined, explained PCRs
#   joined, open PCRs only those both open; versions of both are allowed;
# - conflicts are refused (exit 1) naming the component or key and both values, and
#   write nothing: a component in two PCRs, of two event types, two startup
#   localities, two boot orders;
# - a database with every top-level key merges with itself into the same constraints.
. "$TESTS_LIB/common.sh"
cd "$TEST_TMP"

hex() { # byte count, seed: a digest-sized hex string
	printf '%s' "$2" | openssl dgst -sha512 -r | cut -c1-$(($1 * 2))
}
k1=$(hex 32 k1) k2=$(hex 32 k2) i1=$(hex 32 i1)
p4a=$(hex 32 p4a) p4b=$(hex 32 p4b) p7=$(hex 32 p7) p0=$(hex 20 p0)
m1=$(hex 48 m1) m2=$(hex 48 m2)

cat >a.json <<JSON
{"format": "bootchain-golden-v1", "description": "A",
 "components": [
  {"name": "kernel", "pcr": 8, "required": false,
   "versions": [{"digests": {"sha256": "$k1"}, "source": {"file": "vmlinuz-a"}}]},
  {"name": "initrd", "pcr": 9, "required": false, "versions": [{"digests": {"sha256": "$i1"}}]}],
 "pcrs": {"sha256": {"4": ["$p4a"]}, "sha1": {"0": ["$p0"]}},
 "explained_pcrs": [4],
 "open_pcrs": [9, 10, 11],
 "keep": {"measurements": ["$m1"], "allow_debug": true, "min_tcb": {"microcode": 115, "tee": 2}}}
JSON
cat >b.json <<JSON
{"format": "bootchain-golden-v1", "description": "B",
 "components": [
  {"name": "kernel", "pcr": 8, "required": true, "event_type": "EV_IPL",
   "versions": [{"digests": {"sha256": "$k2"}}]}],
 "pcrs": {"sha256": {"4": ["$p4b"], "7": ["$p7"]}},
 "explained_pcrs": [8],
 "open_pcrs": [10, 11, 12],
 "keep": {"measurements": ["$m2"], "allow_debug": false, "min_tcb": {"microcode": 116, "snp": 8}}}
JSON
expect_exit 0 "$BOOTCHAIN" golden show a.json
expect_exit 0 "$BOOTCHAIN" golden show b.json

check_merged() { # file order
	local m=$1 what=$2
	expect_exit 0 "$BOOTCHAIN" golden show "$m" # it loads
	assert_eq "[\"$p7\"]" "$(jq -c '.pcrs.sha256["7"]' "$m")" "$what: B's PCR 7 value"
	assert_eq "$(printf '%s\n%s' "$p4a" "$p4b" | sort | tr '\n' ' ')" \
		"$(jq -r '.pcrs.sha256["4"][]' "$m" | sort | tr '\n' ' ')" \
		"$what: PCR 4 listed by both: either value"
	assert_eq "[\"$p0\"]" "$(jq -c '.pcrs.sha1["0"]' "$m")" "$what: A's sha1 PCR 0 value"
	assert_eq "true" "$(jq '.components[] | select(.name == "kernel") | .required != false' "$m")" \
		"$what: kernel required"
	assert_eq "false" "$(jq '.components[] | select(.name == "initrd") | .required' "$m")" \
		"$what: initrd still optional"
	assert_eq "EV_IPL" "$(jq -r '.components[] | select(.name == "kernel") | .event_type' "$m")" \
		"$what: B's event type"
	assert_eq "$(printf '%s\n%s' "$k1" "$k2" | sort | tr '\n' ' ')" \
		"$(jq -r '.components[] | select(.name == "kernel") | .versions[].digests.sha256' "$m" |
			sort | tr '\n' ' ')" "$what: the versions of both"
	assert_eq "false" "$(jq '.keep.allow_debug' "$m")" "$what: allow_debug false"
	assert_eq "$(printf '%s\n%s' "$m1" "$m2" | sort | tr '\n' ' ')" \
		"$(jq -r '.keep.measurements[]' "$m" | sort | tr '\n' ' ')" "$what: Keep measurements"
	assert_eq '{"microcode":116,"snp":8,"tee":2}' "$(jq -cS '.keep.min_tcb' "$m")" \
		"$what: the higher minimum TCB of each part"
	assert_eq "[4,8]" "$(jq -c '.explained_pcrs' "$m")" "$what: explained PCRs joined"
	assert_eq "[10,11]" "$(jq -c '.open_pcrs | sort' "$m")" "$what: only PCRs both open"
}
expect_exit 0 "$BOOTCHAIN" golden merge a.json b.json --out ab.json
check_merged ab.json "A B"
expect_exit 0 "$BOOTCHAIN" golden merge b.json a.json --out ba.json
check_merged ba.json "B A"

# the merged database judges as the stricter one: a log is not needed to see it, but
# predict must now know PCR 7 only through B's value (check reads the same section)
assert_eq "A" "$(jq -r '.description' ab.json)" "the first description"

# a database that opens nothing closes every PCR the other opened
sed 's/"open_pcrs": \[10, 11, 12\],//' b.json >b-closed.json
expect_exit 0 "$BOOTCHAIN" golden merge a.json b-closed.json --out closed.json
assert_eq "null" "$(jq -c '.open_pcrs' closed.json)" "no PCR open"

# --- conflicts: refused, naming both values, nothing written ---
refused() { # what needle... : the last merge was refused and wrote nothing
	local what=$1
	shift
	for needle in "$@"; do
		assert_contains "$(cat "$TEST_TMP/err")" "$needle" "$what"
	done
	[ ! -e x.json ] || fail "$what: a refused merge wrote x.json"
}
sed 's/"pcr": 8/"pcr": 9/' b.json >pcr9.json
expect_exit 1 "$BOOTCHAIN" golden merge a.json pcr9.json --out x.json
refused "PCR conflict" "component kernel" "PCR 8 in a.json" "PCR 9 in pcr9.json"
sed 's/"EV_IPL"/"EV_EVENT_TAG"/' b.json >tag.json
expect_exit 1 "$BOOTCHAIN" golden merge b.json tag.json --out x.json
refused "event type conflict" "component kernel" "EV_IPL in b.json" "EV_EVENT_TAG in tag.json"
jq '. + {startup_locality: 3}' a.json >loc3.json
jq '. + {startup_locality: 4}' b.json >loc4.json
expect_exit 1 "$BOOTCHAIN" golden merge loc3.json loc4.json --out x.json
refused "locality conflict" "startup_locality" "3 in loc3.json" "4 in loc4.json"
expect_exit 0 "$BOOTCHAIN" golden merge loc3.json b.json --out x.json # only one has it
assert_eq 3 "$(jq '.startup_locality' x.json)" "the one locality kept"
rm -f x.json

# boot orders: kept when one database or both (equal) have it, refused when they differ
jq '. + {boot_order: [{name: "kernel", pcr: 8, file: "vmlinuz"}]}' b.json >order1.json
jq '. + {boot_order: [{name: "kernel", pcr: 8, file: "vmlinuz-other"}]}' b.json >order2.json
if "$BOOTCHAIN" golden show order1.json >/dev/null 2>&1; then
	expect_exit 0 "$BOOTCHAIN" golden merge a.json order1.json --out x.json
	assert_eq "vmlinuz" "$(jq -r '.boot_order[0].file' x.json)" "boot order kept"
	rm -f x.json
	expect_exit 0 "$BOOTCHAIN" golden merge order1.json order1.json --out x.json
	rm -f x.json
	expect_exit 1 "$BOOTCHAIN" golden merge order1.json order2.json --out x.json
	refused "boot order conflict" "boot_order" "order1.json" "order2.json" "vmlinuz-other"
else
	echo "note: this loader reads no boot_order: boot order cases skipped" >&2
fi

# --- every top-level key: a database merged with itself keeps its constraints ---
jq '. + {startup_locality: 3, created: "2024-05-01T12:00:00Z"}' ab.json >all.json
expect_exit 0 "$BOOTCHAIN" golden merge all.json all.json --out self.json
assert_eq "$(jq -S 'del(.created)' all.json)" "$(jq -S 'del(.created)' self.json)" \
	"merged with itself: the same database"
echo "PASS"
