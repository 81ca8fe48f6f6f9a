#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `bootchain fleet report` and `fleet serve`, on SQLite and on PostgreSQL, over a store
# made to order by tests/tools/fleet-fill (machines and attestations written through the
# store API): a machine that passes and rebooted, one that fails on its kernel, one named
# with markup that is unreachable, one never attested. The page must be valid HTML (tidy),
# self-contained, hold every machine with its markup escaped, and show the digest of the
# kernel the golden database allows (computed with openssl); the server must answer the
# page, the JSON API and the metrics (counts computed here from the spec), refuse a
# request without the token, and stop on SIGTERM with exit 0.
. "$TESTS_LIB/common.sh"
for tool in jq openssl curl tidy psql; do
	command -v "$tool" >/dev/null || { echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
FILL="$(dirname "$BOOTCHAIN")/tests/tools/fleet-fill"
start_postgres
cd "$TEST_TMP"

mkdir -p img
for f in bios kernel; do
	head -c 4096 /dev/urandom >"img/$f"
done
printf 'bios 0 bios\nkernel 8 kernel\n' >img/chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain img/chain
KERNEL_SHA256=$(openssl dgst -sha256 -r img/kernel | cut -d' ' -f1)

NOW=$(date +%s)
EVIL='<script>alert(1)</script>'
T=$'\t'
# machine NAME URL ADDED_AT / attest NAME TIME VERDICT CHECK RESET RESTART FLAGS DETAIL EVENTS
# DURATION_MS: one not timed, one on a bucket's bound (10 ms), one past the last (10 s)
cat >spec <<EOF
machine${T}good${T}http://192.0.2.1:8080${T}$((NOW - 1000))
machine${T}bad${T}http://192.0.2.2:8080${T}$((NOW - 1000))
machine${T}${EVIL}${T}http://192.0.2.3/?a=1&b=2${T}$((NOW - 1000))
machine${T}never${T}http://192.0.2.4${T}$((NOW - 1000))
attest${T}good${T}$((NOW - 300))${T}pass${T}-${T}1${T}0${T}0${T}every check passed${T}-${T}-
attest${T}good${T}$((NOW - 20))${T}pass${T}-${T}2${T}0${T}1${T}every check passed${T}-${T}3
attest${T}bad${T}$((NOW - 300))${T}pass${T}-${T}1${T}0${T}0${T}every check passed${T}-${T}10
attest${T}bad${T}$((NOW - 20))${T}fail${T}golden${T}1${T}0${T}0${T}golden: PCR 8: <img src=x onerror=alert(2)>${T}[{"pcr":8,"event":3,"verdict":"changed","component":"kernel"},{"pcr":9,"event":null,"verdict":"missing","component":"initrd<b>"}]${T}7300
attest${T}${EVIL}${T}$((NOW - 20))${T}error${T}unreachable${T}-${T}-${T}0${T}fetch: <script>x</script>${T}-${T}12000
EOF
# the expected counts, from the spec
spec_count() { awk -F'\t' -v v="$1" '$1 == "attest" && $4 == v' spec | wc -l; }
# the attestations timed that took at most LE seconds (all of them: +Inf); their sum in s
spec_durations() {
	awk -F'\t' -v le="$1" '$1 == "attest" && $11 != "-" && (le == "+Inf" || $11 / 1000 <= le + 0)' spec |
		wc -l
}
spec_duration_sum() { awk -F'\t' '$1 == "attest" && $11 != "-" { t += $11 } END { printf "%.3f", t / 1000 }' spec; }
LATENCY_BOUNDS="0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10 +Inf"

check_page() { # file what
	local page="$1" what="$2" out
	out=$(tidy -errors -q "$page" 2>&1) && true
	[ -z "$out" ] || fail "$what: tidy finds errors: $out"
	grep -Eiq '<script[^>]*src|<link|<iframe|<img|@import|url\(|href="(https?:)?//' "$page" &&
		fail "$what: an external reference: $(grep -Eio '<script[^>]*src|<link|<img|@import|url\(|href="[^"]*' "$page" | head -3)"
	assert_eq 1 "$(grep -c '<script' "$page")" "$what: one inline script"
	for name in good bad never '&lt;script&gt;alert(1)&lt;/script&gt;'; do
		grep -qF ">$name<" "$page" || fail "$what: machine $name not in the page"
	done
	grep -qF "$EVIL" "$page" && fail "$what: a machine's name unescaped"
	grep -qF '<img src=x' "$page" && fail "$what: a machine's detail unescaped"
	grep -qF '&lt;img src=x onerror=alert(2)&gt;' "$page" || fail "$what: the detail not shown"
	grep -qF 'initrd&lt;b&gt;' "$page" || fail "$what: a component's name unescaped"
	# the timeline: good's two attestations, the newest (its reboot) right
	grep -Eq '<span class="v-pass" title="[^"]* pass">&nbsp;</span><span class="v-pass mark" title="[^"]* pass reboot">R</span>' "$page" ||
		fail "$what: good's timeline"
	# the verdict column sorts the worst first: fail, error, never, pass
	for pair in 'bad:v-fail" data-key="0"' 'good:v-pass" data-key="3"'; do
		grep -qF "${pair#*:}" "$page" || fail "$what: sort key of ${pair%%:*}"
	done
}

# fleet serve ARGS... on a closed port (PORT), its pid SERVE, once it answers. A port found
# closed may be taken before the server binds it (the other tests' clients use the same
# range): then another one.
start_serve() {
	for _ in 1 2 3 4 5; do
		PORT=$(closed_port)
		"$BOOTCHAIN" fleet serve --listen "127.0.0.1:$PORT" "$@" 2>serve.err &
		SERVE=$!
		for _ in $(seq 100); do
			curl -s -o /dev/null "http://127.0.0.1:$PORT/" && return 0
			kill -0 "$SERVE" 2>/dev/null || break
			sleep 0.1
		done
		wait "$SERVE" && true
		grep -q "in use" serve.err || fail "fleet serve did not start: $(cat serve.err)"
	done
	fail "fleet serve found no free port: $(cat serve.err)"
}

for backend in sqlite postgresql; do
	if [ "$backend" = sqlite ]; then
		DB="sqlite:$TEST_TMP/fleet.db"
	else
		DB=$(pg_new_db report)
	fi
	"$FILL" "$DB" <spec || fail "$backend: fleet-fill"

	# --- fleet report ---
	expect_exit 2 "$BOOTCHAIN" fleet report --db "$DB"
	assert_contains "$(cat "$TEST_TMP/err")" "--html" "$backend: --html required"
	expect_exit 1 "$BOOTCHAIN" fleet report --db "$DB" --html "$TEST_TMP/no/such/dir/r.html"
	assert_contains "$(cat "$TEST_TMP/err")" "no/such/dir" "$backend: unwritable page named"
	expect_exit 0 "$BOOTCHAIN" fleet report --db "$DB" --html report.html --force
	check_page report.html "$backend report"
	grep -qF '(give --golden to see them)' report.html || fail "$backend: no golden, no versions"
	expect_exit 0 "$BOOTCHAIN" fleet report --db "$DB" --html golden.html --force --golden golden.json
	check_page golden.html "$backend report --golden"
	grep -qF "sha256:$KERNEL_SHA256" golden.html ||
		fail "$backend: the kernel's allowed digest not shown"
	grep -qF 'not in the golden database' golden.html ||
		fail "$backend: an unknown component not said"

	# --- fleet serve ---
	printf 's3cret\n' >token
	start_serve --db "$DB" --token-file token --metrics --golden golden.json
	URL="http://127.0.0.1:$PORT"
	AUTH=(-H "Authorization: Bearer s3cret")
	assert_eq 401 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/machines")" \
		"$backend: no token ($(cat serve.err))"
	assert_eq 401 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nope' \
		"$URL/metrics")" "$backend: a wrong token"
	assert_eq 200 "$(curl -s -o served.html -w '%{http_code}' "${AUTH[@]}" "$URL/")" "$backend: GET /"
	check_page served.html "$backend served page"
	grep -qF "sha256:$KERNEL_SHA256" served.html || fail "$backend: served page without golden"

	curl -sf "${AUTH[@]}" "$URL/v1/machines" >machines.json || fail "$backend: GET /v1/machines"
	assert_eq 4 "$(jq '.machines | length' machines.json)" "$backend: machines"
	assert_eq fail "$(jq -r '.machines[] | select(.name == "bad") | .last.verdict' machines.json)" \
		"$backend: bad's verdict"
	assert_eq kernel "$(jq -r '.machines[] | select(.name == "bad") | .last.differing_events[0].component' \
		machines.json)" "$backend: bad's differing component"
	assert_eq null "$(jq -r '.machines[] | select(.name == "never") | .last' machines.json)" \
		"$backend: never attested"
	assert_eq '["reboot"]' "$(jq -c '.machines[] | select(.name == "good") | .last.flags' machines.json)" \
		"$backend: good's reboot"
	curl -sf "${AUTH[@]}" "$URL/v1/machines/good" >good.json || fail "$backend: GET /v1/machines/good"
	assert_eq "2 pass 2 1" "$(jq -r '[(.history | length), .history[0].verdict,
		.history[0].reset_count, .history[1].reset_count] | join(" ")' good.json)" "$backend: history"
	assert_eq "$EVIL" "$(curl -sf "${AUTH[@]}" "$URL/v1/machines/%3Cscript%3Ealert(1)%3C%2Fscript%3E" |
		jq -r .host)" "$backend: a name with markup in the URL"
	assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' "${AUTH[@]}" "$URL/v1/machines/nosuch")" \
		"$backend: no such machine"
	assert_eq 405 "$(curl -s -o /dev/null -w '%{http_code}' "${AUTH[@]}" -X POST "$URL/v1/machines")" \
		"$backend: read-only"

	curl -sf "${AUTH[@]}" "$URL/metrics" >metrics.txt || fail "$backend: GET /metrics"
	grep -v '^#' metrics.txt | grep -Evq '^[a-z_]+(\{[a-z_]+="[^"\\]*"\})? [0-9]+(\.[0-9]+)?$' &&
		fail "$backend: a metrics line is not NAME{LABEL=\"V\"} N: $(grep -v '^#' metrics.txt)"
	metric() { awk -v k="$1" '$1 == k { print $2 }' metrics.txt; }
	for v in pass fail error; do
		assert_eq "$(spec_count "$v")" "$(metric "bootchain_fleet_attestations_total{verdict=\"$v\"}")" \
			"$backend: attestations $v"
	done
	for pair in pass:1 fail:1 error:1 never:1; do
		assert_eq "${pair#*:}" "$(metric "bootchain_fleet_machines{verdict=\"${pair%%:*}\"}")" \
			"$backend: machines ${pair%%:*}"
	done
	# never attested and added 1000 s ago: not seen for 3 intervals of 60 s; the others
	# were quoted 20 s ago (the unreachable one never was)
	assert_eq 2 "$(metric bootchain_fleet_machines_not_seen)" "$backend: not seen"
	# the latency histogram: every bucket, in order, cumulative, counted here from the spec
	H=bootchain_fleet_attestation_duration_seconds
	grep -qxF "# TYPE $H histogram" metrics.txt || fail "$backend: no histogram TYPE: $(cat metrics.txt)"
	assert_eq "$LATENCY_BOUNDS" "$(sed -n "s/^${H}_bucket{le=\"\([^\"]*\)\"} .*/\1/p" metrics.txt | xargs)" \
		"$backend: the buckets"
	for le in $LATENCY_BOUNDS; do
		assert_eq "$(spec_durations "$le")" "$(metric "${H}_bucket{le=\"$le\"}")" "$backend: bucket $le"
	done
	assert_eq 4 "$(spec_durations +Inf)" "the spec's timed attestations"
	assert_eq "$(spec_durations +Inf)" "$(metric "${H}_count")" "$backend: histogram count"
	assert_eq "$(spec_duration_sum)" "$(metric "${H}_sum")" "$backend: histogram sum"

	kill -TERM "$SERVE"
	rc=0
	wait "$SERVE" || rc=$?
	assert_eq 0 "$rc" "$backend: fleet serve's exit on SIGTERM ($(cat serve.err))"
	assert_contains "$(cat serve.err)" "SIGTERM" "$backend: the stop said"
done

# without --metrics there is no /metrics
start_serve --db "sqlite:$TEST_TMP/fleet.db"
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" \
	"no token needed ($(cat serve.err))"
assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")" "no --metrics"
kill -TERM "$SERVE"
wait "$SERVE" || fail "fleet serve's exit on SIGTERM: $?"
expect_exit 2 "$BOOTCHAIN" fleet serve --db "sqlite:$TEST_TMP/fleet.db"
expect_exit 2 "$BOOTCHAIN" fleet serve --db "sqlite:$TEST_TMP/fleet.db" --listen nowhere
echo "PASS"
