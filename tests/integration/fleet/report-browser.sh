#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The page of `bootchain fleet report` (and of `fleet serve`) in a real browser engine:
# headless Chromium loads it and dumps the DOM after its script ran. The store is made
# to order by tests/tools/fleet-fill (as report.sh makes its own): machines whose names
# sort differently in byte order and in natural order (host2, host10, Host3), with known
# verdicts and times of their latest quote. The orders expected are written out here from
# that spec: the default (the worst verdict first: fail, error, never attested, pass;
# then by name, numbers by their value, case aside), #sort=name, #sort=seen (the newest
# first, ties and never seen by name) and their -desc; the same default with scripts
# off; a click on a header sorts and writes the fragment. data-ready on the table, set
# by the page's script at its end, and no "Uncaught" on the console, say it ran without
# an error. Chromium missing is an error (scripts/deps installs it), not a skip.
. "$TESTS_LIB/common.sh"
for tool in chromium curl timeout; do
	command -v "$tool" >/dev/null || { echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
FILL="$(dirname "$BOOTCHAIN")/tests/tools/fleet-fill"
cd "$TEST_TMP"

NOW=$(date +%s)
T=$'\t'
# name, verdict of its latest attestation, seconds since its latest quote ("-": none)
cat >hosts <<EOF
host10 pass 50
host2 fail 40
host1 pass 10
Host3 pass 30
host9 error -
host20 fail 5
web1 never -
db02 pass 50
EOF
{
	while read -r name verdict ago; do
		printf 'machine\t%s\thttp://192.0.2.1/%s\t%s\n' "$name" "$name" $((NOW - 1000))
		case "$verdict" in
		pass) echo "attest${T}$name${T}$((NOW - ago))${T}pass${T}-${T}1${T}0${T}0${T}every check passed${T}-${T}5" ;;
		fail) echo "attest${T}$name${T}$((NOW - ago))${T}fail${T}golden${T}1${T}0${T}0${T}golden: PCR 8${T}[{\"pcr\":8,\"event\":3,\"verdict\":\"changed\",\"component\":\"kernel\"}]${T}5" ;;
		error) echo "attest${T}$name${T}$((NOW - 20))${T}error${T}unreachable${T}-${T}-${T}0${T}fetch: refused${T}-${T}-" ;;
		never) ;;
		esac
	done <hosts
} >spec
"$FILL" "sqlite:$TEST_TMP/fleet.db" <spec || fail "fleet-fill"
expect_exit 0 "$BOOTCHAIN" fleet report --db "sqlite:$TEST_TMP/fleet.db" --html report.html
PAGE="$TEST_TMP/report.html"

# The orders, from the list above (not from bootchain).
DEFAULT="host2 host20 host9 web1 db02 host1 Host3 host10"
BY_NAME="db02 host1 host2 Host3 host9 host10 host20 web1"
BY_NAME_DESC="web1 host20 host10 host9 Host3 host2 host1 db02"
BY_SEEN="host20 host1 Host3 host2 db02 host10 host9 web1"
BY_SEEN_DESC="host9 web1 db02 host10 host2 Host3 host1 host20"
BY_VERDICT_DESC="db02 host1 Host3 host10 web1 host9 host2 host20"

# dump URL: the DOM after load in dom.html, the console on
# chromium.err; a private profile, and a time limit so that a hung browser fails.
dump() {
	local url="$1" rc=0
	rm -rf profile
	timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$TEST_TMP/profile" \
		--enable-logging=stderr --v=0 --dump-dom "$url" >dom.html 2>chromium.err || rc=$?
	[ "$rc" = 0 ] || fail "chromium on $url exited $rc: $(tail -5 chromium.err)"
	grep -q '<table id="fleet"' dom.html || fail "$url: no fleet table in the DOM: $(head -c 500 dom.html)"
}

# The machines of the fleet table in dom.html, in their order.
rows() {
	grep -o '<tr><td data-key="[^"]*"' dom.html | sed 's/.*data-key="//; s/"$//' | xargs
}

script_ran() { # what
	grep -Eq '<table id="fleet"[^>]* data-ready="1"' dom.html ||
		fail "$1: the page's script did not finish (no data-ready): $(grep -i 'console' chromium.err)"
	grep -q 'Uncaught' chromium.err && fail "$1: a script error: $(grep 'Uncaught' chromium.err)"
	return 0
}

check_sort() { # fragment expected-order what
	dump "file://$PAGE$1"
	script_ran "$3"
	assert_eq "$2" "$(rows)" "$3"
}

check_sort "" "$DEFAULT" "no fragment: the worst verdict first, then by name"
check_sort "#sort=verdict" "$DEFAULT" "#sort=verdict"
check_sort "#sort=verdict-desc" "$BY_VERDICT_DESC" "#sort=verdict-desc"
check_sort "#sort=name" "$BY_NAME" "#sort=name: natural order"
check_sort "#sort=name-desc" "$BY_NAME_DESC" "#sort=name-desc"
check_sort "#sort=seen" "$BY_SEEN" "#sort=seen: the newest first"
grep -Eq '<th class="sort" data-sort="seen"[^>]* data-dir="asc"' dom.html ||
	fail "#sort=seen: its header not marked"
check_sort "#sort=seen-desc" "$BY_SEEN_DESC" "#sort=seen-desc"
check_sort "#sort=bogus" "$DEFAULT" "an unknown fragment: the default"

# scripts off: the rows as the page was written, the same default (headless Chromium
# dumps nothing with scripts off, so the page itself is read)
cp "$PAGE" dom.html
assert_eq "$DEFAULT" "$(rows)" "scripts off: the default order"

# a click on a header sorts and writes the fragment, a second click reverses: a driver
# script of this test's, run after the page's own, on a copy of the page
cat >driver <<'EOF'
<script>
var th = document.querySelector('th[data-sort="seen"]'), hashes = [];
th.click();
hashes.push(location.hash);
document.body.dataset.first = document.querySelector('#fleet tbody tr').cells[0].dataset.key;
th.click();
hashes.push(location.hash);
document.body.dataset.hashes = hashes.join(' ');
</script>
EOF
page=$(cat "$PAGE")
printf '%s\n' "${page/<\/body>/$(cat driver)</body>}" >clicked.html
dump "file://$TEST_TMP/clicked.html#sort=name"
script_ran "clicks"
grep -qF 'data-hashes="#sort=seen #sort=seen-desc"' dom.html ||
	fail "clicks: the fragments written: $(grep -o 'data-hashes="[^"]*"' dom.html)"
grep -qF 'data-first="host20"' dom.html || fail "clicks: the newest first after one click"
assert_eq "$BY_SEEN_DESC" "$(rows)" "clicks: the oldest first after two"

# the page served by fleet serve, under its Content-Security-Policy
SERVE=
for _ in 1 2 3 4 5; do
	PORT=$(closed_port)
	"$BOOTCHAIN" fleet serve --db "sqlite:$TEST_TMP/fleet.db" --listen "127.0.0.1:$PORT" 2>serve.err &
	SERVE=$!
	SERVE_PIDS+=("$SERVE")
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break 2
		kill -0 "$SERVE" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$SERVE" 2>/dev/null && fail "fleet serve does not answer: $(cat serve.err)"
	wait "$SERVE" && true
	grep -q "in use" serve.err || fail "fleet serve did not start: $(cat serve.err)"
	SERVE=
done
[ -n "$SERVE" ] || fail "fleet serve found no free port: $(cat serve.err)"
for pair in "seen:$BY_SEEN" "name:$BY_NAME"; do
	dump "http://127.0.0.1:$PORT/#sort=${pair%%:*}"
	script_ran "served page #sort=${pair%%:*}"
	assert_eq "${pair#*:}" "$(rows)" "served page #sort=${pair%%:*}"
done
kill -TERM "$SERVE"
wait "$SERVE" || fail "fleet serve's exit on SIGTERM: $?"
echo "PASS"
