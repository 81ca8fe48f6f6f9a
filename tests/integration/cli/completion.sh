#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The shell completions (completion/): bash's function registered for bootchain and
# called as bash calls it (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT) for commands,
# verbs, options, PCR selections and files; the word lists are those of the program's
# own help (`bootchain --help`'s command list), not of the script. zsh's parses (zsh -n)
# and declares the command it completes.
. "$TESTS_LIB/common.sh"
src=$(cd "$TESTS_LIB/../.." && pwd)
cd "$TEST_TMP"

# complete LINE: what bash would offer at the end of LINE, one a line, sorted
complete_line() {
	bash -c '
		source "$1"
		complete -p bootchain >/dev/null || exit 1
		COMP_LINE=$2
		COMP_POINT=${#COMP_LINE}
		read -r -a COMP_WORDS <<<"$COMP_LINE"
		[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		_bootchain
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$src/completion/bootchain.bash" "$1"
}
B=$BOOTCHAIN

assert_eq "complete -F _bootchain bootchain" \
	"$(bash -c 'source "$1"; complete -p bootchain' _ "$src/completion/bootchain.bash")" \
	"bash registers _bootchain"

# the commands: those `bootchain --help` lists under Commands
want=$("$B" --help | awk '/^Commands:/ {f = 1; next} f && NF == 0 {exit} f {print $1}' | sort)
[ -n "$want" ] || fail "bootchain --help lists no commands"
assert_eq "$want" "$(complete_line "$B ")" "the commands"
assert_eq "attest" "$(complete_line "$B at")" "at<TAB>"
assert_eq "attest" "$(complete_line "$B -T swtpm:port=1 at")" "after -T TCTI"

# attest q<TAB>: the attest verbs starting with q in its Subcommands line
want=$("$B" --help | awk '$1 == "attest" && /,/ {sub(/^ *attest */, ""); print}' | tr ',' '\n' |
	sed 's/^ *//' | grep '^q' | grep -v ' ' | sort)
[ -n "$want" ] || fail "bootchain --help lists no attest verb starting with q"
assert_eq "$want" "$(complete_line "$B attest q")" "attest q<TAB>"
assert_contains "$(complete_line "$B attest ek ")" "verify" "attest ek <TAB>"

# golden create --<TAB>: the options its --help shows
want=$("$B" golden create --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
assert_eq "$want" "$(complete_line "$B golden create --")" "golden create --<TAB>"
for o in --out --image --chain --from-log --banks; do
	assert_contains "$(complete_line "$B golden create --")" "$o" "golden create offers $o"
done
assert_eq "--version" "$(complete_line "$B --v")" "a global option"

# PCR selections: the banks, then PCRs; bash splits words at ':', the reply follows it
assert_eq "$(printf 'sha1:\nsha256:\nsha384:')" "$(complete_line "$B pcr read sha")" \
	"pcr read sha<TAB>"
assert_eq "sha256:" "$(complete_line "$B pcr read sha2")" "pcr read sha2<TAB>"
assert_contains "$(complete_line "$B pcr read sha256:")" "0-7" "pcr read sha256:<TAB>"
assert_eq "$(printf '1\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19')" \
	"$(complete_line "$B pcr read sha256:1")" "pcr read sha256:1<TAB>, after the colon"
assert_eq "$(printf '0-7+sha1:\n0-7+sha256:\n0-7+sha384:')" \
	"$(complete_line "$B pcr read sha256:0-7+sh")" "a second bank after +"
assert_eq "$(printf 'sha1:\nsha256:\nsha384:')" \
	"$(complete_line "$B attest quote --pcrs sha")" "--pcrs sha<TAB>"

# files elsewhere
touch chain.txt
assert_eq "chain.txt" "$(complete_line "$B measure --chain ch")" "measure --chain FILE"
assert_eq "chain.txt" "$(complete_line "$B log show ch")" "log show FILE"

# zsh
if command -v zsh >/dev/null; then
	zsh -n "$src/completion/_bootchain" || fail "zsh -n completion/_bootchain"
else
	echo "zsh not installed: its syntax not checked (scripts/deps installs it)"
fi
assert_eq "#compdef bootchain" "$(head -n 1 "$src/completion/_bootchain")" "zsh: #compdef"
