#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `bootchain measure` without a chain: usage errors (exit 2, before any TPM is opened),
# digests against openssl for files, pipes and several banks at once, bad inputs in
# measured (exit 1) and trusted (exit 3) mode, and the event data it logs.
. "$TESTS_LIB/common.sh"
cd "$TEST_TMP"
export BOOTCHAIN_TCTI="swtpm:host=127.0.0.1,port=$(closed_port)"

usage() { # expected-message args...
	local msg=$1
	shift
	expect_exit 2 "$BOOTCHAIN" measure "$@"
	assert_contains "$(cat "$TEST_TMP/err")" "$msg" "'$*'"
}
echo data >f
usage "expected one FILE" --pcr 4
usage "--pcr N is required" f
usage "--pcr N is required" f --dry-run --trusted --golden g.json
usage "either FILE or --chain" f --chain c
usage "belong in the chain file" --chain c --pcr 4
usage "exclude each other" f --pcr 4 --pe --raw
usage "--trusted needs --golden" f --pcr 4 --trusted
usage "belong to --trusted" f --pcr 4 --golden g.json
usage "--signature needs --pubkey" f --pcr 4 --trusted --golden g --signature s
usage "--banks is for --dry-run" f --pcr 4 --banks sha256
usage "expected 0 to 23" f --pcr 24
usage "unknown event type" f --pcr 4 --type EV_NONSENSE --dry-run
usage "not a hash algorithm" f --pcr 4 --dry-run --banks sha256,md5
usage "--log and --no-log" f --pcr 4 --log l --no-log
expect_exit 0 "$BOOTCHAIN" measure --help
assert_contains "$(cat "$TEST_TMP/out")" "Usage: bootchain measure" "--help"

# digests equal openssl's, in several banks at once, for a file and for a pipe
head -c 3000000 /dev/urandom >big
expect_exit 0 "$BOOTCHAIN" measure big --pcr 9 --dry-run --banks sha1,sha256,sha384,sha512 --json
for alg in sha1 sha256 sha384 sha512; do
	assert_eq "$(openssl_digest "$alg" <big)" "$(jq -r ".layers[0].digests.$alg" "$TEST_TMP/out")" \
		"$alg of a file"
done
assert_eq "raw" "$(jq -r '.layers[0].kind' "$TEST_TMP/out")" "a random file is raw"
cat big | "$BOOTCHAIN" measure /dev/stdin --pcr 9 --dry-run --banks sha256 --json >pipe.json
assert_eq "$(openssl_digest sha256 <big)" "$(jq -r '.layers[0].digests.sha256' pipe.json)" \
	"sha256 of a pipe"
: >empty
expect_exit 0 "$BOOTCHAIN" measure empty --pcr 9 --dry-run --banks sha256 --json
assert_eq "$(openssl_digest sha256 </dev/null)" "$(jq -r '.layers[0].digests.sha256' "$TEST_TMP/out")" \
	"an empty file"

# bad inputs: measured mode exits 1 naming the file; nothing half-done
expect_exit 1 "$BOOTCHAIN" measure missing --pcr 4 --dry-run
assert_contains "$(cat "$TEST_TMP/err")" "missing: No such file or directory" "missing file"
expect_exit 1 "$BOOTCHAIN" measure . --pcr 4 --dry-run
assert_contains "$(cat "$TEST_TMP/err")" "is a directory" "directory"
expect_exit 1 "$BOOTCHAIN" measure big --pcr 4 --dry-run --pe
assert_contains "$(cat "$TEST_TMP/err")" "big" "--pe on a file that is not PE names it"
printf 'kernel 8\n' >bad.chain
expect_exit 1 "$BOOTCHAIN" measure --chain bad.chain --dry-run
assert_contains "$(cat "$TEST_TMP/err")" "bad.chain:1: expected NAME PCR FILE" "chain file:line"
# trusted mode: the same errors halt
echo '{"format": "bootchain-golden-v1", "components": []}' >empty.json
expect_exit 3 "$BOOTCHAIN" measure missing --pcr 4 --dry-run --trusted --golden empty.json
assert_contains "$(cat "$TEST_TMP/err")" "HALT at layer missing" "trusted: missing file halts"
expect_exit 3 "$BOOTCHAIN" measure --chain bad.chain --dry-run --trusted --golden empty.json
expect_exit 3 "$BOOTCHAIN" measure f --pcr 4 --dry-run --trusted --golden empty.json
assert_contains "$(cat "$TEST_TMP/err")" "no component of that name" "unknown layer halts"
echo '{"format": "bootchain-golden-v2", "components": []}' >v2.json
expect_exit 3 "$BOOTCHAIN" measure f --pcr 4 --dry-run --trusted --golden v2.json
assert_contains "$(cat "$TEST_TMP/err")" "bootchain-golden-v2\" is not supported" "format version"

# the event data: without a TPM nothing can be measured, and nothing is logged
expect_exit 4 "$BOOTCHAIN" measure f --pcr 4 --log never.log
[ ! -e never.log ] || fail "a log was written without a TPM"

start_swtpm
expect_exit 0 "$BOOTCHAIN" measure big --pcr 4 --layer kernel --log t.log \
	--type EV_EFI_BOOT_SERVICES_APPLICATION
expect_exit 0 "$BOOTCHAIN" measure f --pcr 12 --log t.log --type EV_IPL
expect_exit 0 "$BOOTCHAIN" measure f --pcr 13 --log t.log
expect_exit 0 "$BOOTCHAIN" log show t.log --json
assert_eq "EV_EFI_BOOT_SERVICES_APPLICATION" "$(jq -r '.events[1].type' "$TEST_TMP/out")" "type"
assert_eq 'big' "$(jq -r '.events[1].data.file_path' "$TEST_TMP/out")" "image load event path"
assert_eq 3000000 "$(jq -r '.events[1].data.image_length_in_memory' "$TEST_TMP/out")" "image length"
expect_exit 0 "$BOOTCHAIN" log show t.log
assert_contains "$(cat "$TEST_TMP/out")" "layer=f kind=raw file=f" "EV_IPL text"
assert_contains "$(cat "$TEST_TMP/out")" "tag 0x314c4342: layer=f kind=raw file=f" "tagged event"
expect_exit 0 "$BOOTCHAIN" log check t.log
echo "PASS"
