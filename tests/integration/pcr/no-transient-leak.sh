#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# swtpm without a resource manager keeps whatever a client leaves loaded: 30 extends
# (and reads) in a row must leave no transient object and no session behind.
. "$TESTS_LIB/common.sh"
command -v tpm2_getcap >/dev/null || { echo "ERROR: tpm2-tools not installed" >&2; exit 99; }
start_swtpm

echo layer >"$TEST_TMP/layer"
for i in $(seq 30); do
	"$BOOTCHAIN" pcr extend 16 "sha256:$(echo "$i" | openssl_digest sha256)" >/dev/null
	"$BOOTCHAIN" pcr extend 23 --from-file "$TEST_TMP/layer" >/dev/null
	"$BOOTCHAIN" pcr read sha1:0-23 >/dev/null
done
# the extends did happen
[ "$(pcr_value sha256 16)" != "$(printf '0%.0s' $(seq 64))" ] || fail "PCR 16 never extended"
for kind in handles-transient handles-loaded-session handles-saved-session; do
	left=$(tpm2_getcap -T "$TCTI" "$kind")
	assert_eq "" "$left" "$kind after 90 commands"
done
echo "PASS"
