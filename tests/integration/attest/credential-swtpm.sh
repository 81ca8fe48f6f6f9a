#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Our TPM2_MakeCredential (software, the verifier's) gives the TPM's own credential blob
# byte for byte, for RSA and ECC EKs: see credential-vs-tpm.c. And it leaves nothing
# loaded in the TPM.
. "$TESTS_LIB/common.sh"
command -v tpm2_getcap >/dev/null || { echo "ERROR: tpm2-tools not installed" >&2; exit 99; }
helper="$(dirname "$BOOTCHAIN")/tests/integration/attest/credential-vs-tpm"
[ -x "$helper" ] || { echo "ERROR: $helper not built (make check builds it)" >&2; exit 99; }
start_swtpm

"$helper" || fail "our credential blobs differ from the TPM's"
for kind in handles-transient handles-loaded-session; do
	assert_eq "" "$(tpm2_getcap -T "$TCTI" "$kind")" "$kind after the comparison"
done
echo "PASS"
