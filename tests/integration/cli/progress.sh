#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Progress on a terminal: hashing a large image (golden create --image, measure) and
# verifying many evidence files count on stderr when it is a terminal (a pty of
# script(1), util-linux), and never when stderr is a file, with --quiet, or on stdout
# (which --json keeps to its JSON). The line is cleared at the end: erase sequences.
. "$TESTS_LIB/common.sh"
command -v script >/dev/null || { echo "ERROR: script (util-linux) not found" >&2; exit 99; }
start_swtpm
cd "$TEST_TMP"

# on_pty OUT CMD...: CMD with stdin, stdout and stderr on a pty (its output to OUT) and
# its exit status in OUT.rc; with stdout to a file instead, 2>OUT as well would hide it
on_pty() {
	local out=$1
	shift
	script -qec "$(printf '%q ' "$@")" /dev/null >"$out" </dev/null
	echo $? >"$out.rc"
}
# on_pty_stdout_file OUT STDOUT CMD...: stderr on the pty, stdout to the file STDOUT
on_pty_stdout_file() {
	local out=$1 stdout=$2
	shift 2
	script -qec "$(printf '%q ' "$@") >$(printf '%q' "$stdout")" /dev/null >"$out" </dev/null
	echo $? >"$out.rc"
}

# 400 MiB (sparse) of sha1 and sha256: seconds, not the 100 ms the first line waits
truncate -s 400M big.img
B=$BOOTCHAIN

on_pty create.pty "$B" golden create --out golden.json --image big:4:big.img
assert_eq 0 "$(cat create.pty.rc)" "golden create on a pty"
assert_contains "$(cat create.pty)" "big.img: " "golden create: progress on a pty"
assert_contains "$(cat create.pty)" " of 400 MiB (" "golden create: MiB of the total"
after=$(cat create.pty)
after=${after##*%)} # what follows the last progress line
[[ $after == $'\r\e[K'* ]] || fail "golden create: the progress line is not cleared: $(cat -v create.pty)"

expect_exit 0 "$B" golden create --out golden2.json --image big:4:big.img
assert_eq "" "$(cat "$TEST_TMP/err")" "golden create, stderr a file: no progress"
on_pty quiet.pty "$B" golden create --out golden3.json --image big:4:big.img --quiet
assert_eq 0 "$(grep -c 'MiB' quiet.pty || true)" "golden create --quiet: no progress"

on_pty measure.pty "$B" measure big.img --dry-run --banks sha1,sha256
assert_contains "$(cat measure.pty)" " of 400 MiB (" "measure: progress on a pty"
on_pty_stdout_file measure-json.pty measure.json "$B" measure big.img --dry-run \
	--banks sha1,sha256 --json
assert_contains "$(cat measure-json.pty)" " of 400 MiB (" "measure --json: progress on stderr"
jq -e . measure.json >/dev/null || fail "measure --json: stdout is not only JSON: $(cat -v measure.json)"
assert_eq 0 "$(grep -c 'MiB' measure.json || true)" "measure --json: no progress on stdout"

# --- verifying many files, one at a time ---
expect_exit 0 "$B" attest ak create --out-public ak.pub
nonce=$(openssl rand -hex 20)
expect_exit 0 "$B" attest quote --nonce "$nonce" --out ev.json
# the same file 20000 times: a second or so (a few hundred verifications take less than
# the 100 ms the first line waits)
# (given by a script: script -c takes one argument, of 128 KiB at most)
cat >verify-many <<SH
#!/bin/bash
many=()
for ((i = 0; i < 20000; i++)); do
	many+=(ev.json)
done
exec $(printf '%q' "$B") attest verify "\${many[@]}" --ak ak.pub --nonce $nonce -j 1 "\$@"
SH
chmod +x verify-many
on_pty_stdout_file verify.pty verify.out ./verify-many
assert_eq 0 "$(cat verify.pty.rc)" "verify on a pty"
assert_contains "$(cat verify.pty)" "verifying: " "verify: progress on a pty"
assert_contains "$(cat verify.pty)" " of 20000 files (" "verify: files of the total"
assert_eq "20000 files: 20000 passed, 0 failed" "$(tail -n 1 verify.out)" "verify: the summary"
assert_eq 0 "$(grep -c verifying verify.out || true)" "verify: no progress on stdout"
on_pty_stdout_file quiet-verify.pty /dev/null ./verify-many --quiet
assert_eq "" "$(cat quiet-verify.pty)" "verify --quiet: nothing on the pty"
expect_exit 0 ./verify-many
assert_eq "" "$(cat "$TEST_TMP/err")" "verify, stderr a file: no progress"
