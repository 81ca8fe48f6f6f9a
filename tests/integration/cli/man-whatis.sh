#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Every man page's NAME section is one that whatis and apropos read (man-db): the built
# pages (pandoc's output, or the ones shipped in the tarball) parse with lexgrog, and
# after mandb indexes them in a tree of the test's own, `apropos bootchain` lists every
# page with the description its Markdown source gives, and `whatis` finds each by name.
. "$TESTS_LIB/common.sh"
for tool in lexgrog mandb apropos whatis; do
	command -v $tool >/dev/null || { echo "ERROR: $tool (man-db) not found" >&2; exit 99; }
done
src=$(cd "$TESTS_LIB/../.." && pwd)
build=$(cd "$(dirname "$BOOTCHAIN")" && pwd)
cd "$TEST_TMP"
mkdir -p tree/man1 tree/man5 tree/man7
printf 'MANDB_MAP\t%s\t%s\n' "$PWD/tree" "$PWD/tree" >man_db.conf

pages=0
for md in "$src"/man/*.md; do
	page=$(basename "$md" .md)
	section=${page##*.}
	built=$build/man/$page
	[ -f "$built" ] || built=$src/man/$page # a tarball's, not rebuilt
	[ -f "$built" ] || fail "$page: not built"
	cp "$built" "tree/man$section/"
	# the source's NAME line, as the page's writer wrote it: "name - description"
	want=$(awk '/^# NAME/ {f = 1; next} /^# / {f = 0} f && NF' "$md")
	assert_eq 1 "$(printf '%s\n' "$want" | wc -l)" "$page: NAME is one line"
	assert_eq "${page%.*}" "${want%% - *}" "$page: NAME names the page"
	got=$(lexgrog "tree/man$section/$page") || fail "$page: lexgrog cannot parse NAME: $got"
	assert_eq "tree/man$section/$page: \"$want\"" "$got" "$page: lexgrog"
	printf '%s (%s) - %s\n' "${page%.*}" "$section" "${want#* - }" >>expected
	pages=$((pages + 1))
done
[ "$pages" -gt 15 ] || fail "only $pages pages in $src/man"

mandb -q -C man_db.conf -c "$PWD/tree" || fail "mandb"
apropos -l -C man_db.conf -M "$PWD/tree" bootchain >apropos.out || fail "apropos bootchain: nothing"
# apropos pads the name column with spaces: squeezed, as in expected
sed 's/) *- /) - /' apropos.out | sort >got
sort expected >want
diff -u want got || fail "apropos bootchain does not list every page with its description"
whatis -C man_db.conf -M "$PWD/tree" bootchain-pcr >whatis.out || fail "whatis bootchain-pcr"
assert_contains "$(cat whatis.out)" "read and extend TPM PCRs" "whatis bootchain-pcr"
