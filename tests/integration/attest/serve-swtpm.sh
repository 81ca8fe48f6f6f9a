#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `bootchain attest serve` and `attest poll` on swtpm: the endpoints; evidence that
# verifies (its Merkle path recomputed here with openssl); 50 concurrent requests all
# answered from fewer quotes; every error status (400, 401, 404, 405, 413, 429); a slow
# client and malformed HTTP that do not stop the others; HTTPS; requests in flight
# answered on SIGTERM, then exit 0; a fleet of two machines polled (exit 0), then one
# booted with a changed layer (exit 3, named).
. "$TESTS_LIB/common.sh"
command -v curl >/dev/null || { echo "ERROR: curl not found: run scripts/deps as root" >&2; exit 99; }
start_swtpm
cd "$TEST_TMP"

# GET: prints the status; the body goes to the file body.
get() { # url [curl options...]
	local url=$1
	shift
	curl -s -o body -w '%{http_code}' "$@" "$url"
}

health() { # field
	curl -s "$URL/healthz" | jq -r ".$1"
}

# The root that the batch path of an answer gives for nonce, computed with openssl:
# leaf SHA-256(00 || nonce), node SHA-256(01 || left || right), odd nodes promoted.
merkle_root() { # answer nonce_hex
	local h idx n i=0 path
	h=$(hex_to_bin "00$2" | openssl_digest sha256)
	idx=$(jq -r .batch.index "$1")
	n=$(jq -r .batch.leaves "$1")
	mapfile -t path < <(jq -r '.batch.path[]' "$1")
	while [ "$n" -gt 1 ]; do
		if [ $((idx % 2)) = 1 ]; then
			h=$(hex_to_bin "01${path[i]}$h" | openssl_digest sha256)
			i=$((i + 1))
		elif [ $((idx + 1)) -lt "$n" ]; then
			h=$(hex_to_bin "01$h${path[i]}" | openssl_digest sha256)
			i=$((i + 1))
		fi
		idx=$((idx / 2))
		n=$(((n + 1) / 2))
	done
	[ "$i" = "${#path[@]}" ] || fail "$1: a path of ${#path[@]} siblings, $i used"
	echo "$h"
}

# An answer for nonce: its own nonce, a path to its root (recomputed here with openssl),
# and every check passing with the verifier's own nonce, which `attest verify` leads
# through the path to the quoted root.
check_answer() { # answer nonce [ak] [golden]
	local root
	assert_eq "$2" "$(jq -r .nonce "$1")" "$1: the answer names the nonce asked"
	root=$(merkle_root "$1" "$2")
	assert_eq "$root" "$(jq -r .batch.root "$1")" "$1: the path leads to the batch root"
	# the root itself is not the verifier's nonce: only the path from its own leads there
	expect_exit 3 "$BOOTCHAIN" attest verify "$1" --ak "${3:-ak.pub}" --nonce "$root" \
		--golden "${4:-golden.json}"
	expect_exit 0 "$BOOTCHAIN" attest verify "$1" --ak "${3:-ak.pub}" --nonce "$2" \
		--golden "${4:-golden.json}"
}

# --- one machine: an AK, a measured chain, its golden database ---
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub --out-pem ak.pem
mkdir chain
for layer in bios bootloader kernel initrd; do
	head -c 5000 /dev/urandom >"chain/$layer.img"
done
printf 'bios 0 bios.img\nbootloader 4 bootloader.img\nkernel 8 kernel.img\ninitrd 9 initrd.img\n' \
	>chain/chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain chain/chain --banks sha1,sha256
expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain --log boot.log

start_serve serve --log boot.log
A=$SERVE_PID

# --- the endpoints ---
assert_eq 200 "$(get "$URL/healthz")" "healthz"
assert_eq ok "$(jq -r .status body)" "healthz status"
assert_eq 200 "$(get "$URL/v1/ak")" "ak"
jq -r .public body | base64 -d >ak-served.pub
cmp -s ak.pub ak-served.pub || fail "/v1/ak: public is not the AK's TPM2B_PUBLIC"
assert_eq "$(cat ak.pem)" "$(jq -r .pem body | sed '/^$/d')" "/v1/ak: pem"
[[ "$(jq -r .name body)" =~ ^000b[0-9a-f]{64}$ ]] || fail "/v1/ak: name $(jq -r .name body)"
assert_eq 200 "$(get "$URL/v1/eventlog")" "eventlog"
cmp -s body boot.log || fail "/v1/eventlog is not the log"

nonce=$(openssl rand -hex 32)
assert_eq 200 "$(get "$URL/v1/evidence?nonce=$nonce")" "evidence"
mv body ev.json
assert_eq bootchain-evidence-v1 "$(jq -r .format ev.json)" "format"
assert_eq 1 "$(jq -r .batch.leaves ev.json)" "a batch of one"
assert_eq '[]' "$(jq -c .batch.path ev.json)" "a batch of one has an empty path"
assert_eq "$(hex_to_bin "00$nonce" | openssl_digest sha256)" "$(jq -r .batch.root ev.json)" \
	"the root of a batch of one is its leaf"
check_answer ev.json "$nonce"
assert_contains "$(cat "$TEST_TMP/out")" "ev.json: every check passed" "served evidence verifies"
# the quote signed the root, not the nonce: without its path the evidence fails
jq 'del(.batch)' ev.json >no-batch.json
expect_exit 3 "$BOOTCHAIN" attest verify no-batch.json --ak ak.pub --nonce "$nonce"
assert_eq 200 "$(get "$URL/v1/evidence?nonce=$nonce&pcrs=sha256:0,8")" "evidence, PCRs asked"
assert_eq sha256:0,8 "$(jq -r .selection body)" "the selection asked"

# --- 50 concurrent requests: all answered, all verify, fewer quotes ---
quotes0=$(health quotes)
mkdir many
for i in $(seq 50); do
	n=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	echo "$n" >"many/$i.nonce"
	printf 'url = "%s/v1/evidence?nonce=%s"\noutput = "many/%s.json"\n' "$URL" "$n" "$i"
done >many.cfg
curl -sS --no-progress-meter --parallel --parallel-immediate --parallel-max 50 -K many.cfg -w '%{http_code}\n' \
	>many.codes || fail "curl --parallel failed"
assert_eq 50 "$(grep -c '^200$' many.codes)" "50 concurrent answers"
for i in $(seq 50); do
	check_answer "many/$i.json" "$(cat "many/$i.nonce")"
done
quotes=$(($(health quotes) - quotes0))
[ "$quotes" -lt 50 ] || fail "50 requests took $quotes quotes: no batching"
[ "$(health max_leaves)" -gt 1 ] || fail "no batch of more than one"
echo "50 concurrent requests: $quotes quotes"

# --- errors, as JSON with their status ---
for bad in zz "" 0 "$(printf '%0130d' 0)"; do
	assert_eq 400 "$(get "$URL/v1/evidence?nonce=$bad")" "nonce '$bad'"
	assert_eq 400 "$(jq -r .status body)" "JSON error status"
done
assert_eq 400 "$(get "$URL/v1/evidence")" "no nonce"
assert_eq 400 "$(get "$URL/v1/evidence?nonce=00&pcrs=sha256:99")" "bad selection"
assert_contains "$(jq -r .error body)" "pcrs" "bad selection named"
assert_eq 400 "$(get "$URL/v1/evidence?nonce=00&pcrs=sm3_256:0")" "a bank the TPM lacks"
assert_eq 404 "$(get "$URL/v1/nothing")" "404"
assert_eq 405 "$(get "$URL/v1/evidence?nonce=00" -X POST)" "405"
assert_eq 413 "$(get "$URL/healthz" -H "X-Filler: $(printf '%09000d' 0)")" "oversized headers"
head -c 10000 /dev/zero >big.bin
assert_eq 413 "$(get "$URL/healthz" -X GET --data-binary @big.bin)" "an oversized body"
assert_eq 413 "$(get "$URL/healthz" -X GET --data-binary @big.bin -H 'Transfer-Encoding: chunked')" \
	"an oversized chunked body"

# --- a slow client (half a request) does not stop the others; nor does bad HTTP ---
port=${URL##*:}
exec 7<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /v1/evidence?nonce=00 HTTP/1.1\r\nHost: 127.0.0.1\r\n' >&7
assert_eq 200 "$(get "$URL/healthz" -m 5)" "served beside a slow client"
n2=$(openssl rand -hex 16)
assert_eq 200 "$(get "$URL/v1/evidence?nonce=$n2" -m 5)" "evidence beside a slow client"
exec 8<>"/dev/tcp/127.0.0.1/$port"
printf 'THIS IS NOT HTTP\r\n\r\n' >&8
assert_contains "$(timeout 5 head -1 <&8)" " 400 " "malformed HTTP"
exec 8>&-
exec 8<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /healthz HTTP/1.1\r\nContent-Length: -1\r\n\r\n' >&8
assert_contains "$(timeout 5 head -1 <&8)" " 400 " "HTTP/1.1 without Host, bad length"
exec 8>&-
assert_eq 200 "$(get "$URL/healthz")" "still serving after bad HTTP"
exec 7>&-
stop_serve "$A" serve

# --- a token, a rate, a smaller request limit ---
printf 's3cret-token\n' >token
start_serve limited --log boot.log --token-file token --rate 5 --max-request 1024
assert_eq 401 "$(get "$URL/v1/ak")" "no token"
assert_eq Bearer "$(curl -s -D - -o /dev/null "$URL/v1/ak" | tr -d '\r' |
	sed -n 's/^WWW-Authenticate: \([A-Za-z]*\).*/\1/ip')" "WWW-Authenticate"
assert_eq 401 "$(get "$URL/v1/ak" -H 'Authorization: Bearer s3cret-tokeN')" "wrong token"
assert_eq 401 "$(get "$URL/v1/evidence?nonce=00" -H 'Authorization: Basic czNjcmV0')" "not bearer"
assert_eq 200 "$(get "$URL/v1/ak" -H 'Authorization: Bearer s3cret-token')" "the token"
sleep 1.2 # a full bucket
n3=$(openssl rand -hex 16)
assert_eq 200 "$(get "$URL/v1/evidence?nonce=$n3" -H 'Authorization: Bearer s3cret-token')" \
	"evidence with the token"
mv body tok.json
check_answer tok.json "$n3"
printf 'limited %s # a comment\n' "$URL" >limited.hosts
expect_exit 0 "$BOOTCHAIN" attest poll --hosts limited.hosts --ak ak.pub --golden golden.json \
	--token-file token
expect_exit 3 "$BOOTCHAIN" attest poll --hosts limited.hosts --ak ak.pub --golden golden.json
grep -q '^limited  *ERROR  *HTTP 401: ' "$TEST_TMP/out" || fail "poll without the token: $(cat "$TEST_TMP/out")"
assert_eq 413 "$(get "$URL/healthz" -H "X-Filler: $(printf '%02000d' 0)")" "over --max-request"
for _ in $(seq 30); do echo "url = \"$URL/healthz\""; done >flood.cfg
curl -s -K flood.cfg -o /dev/null -w '%{http_code}\n' >flood.codes
[ "$(grep -c '^429$' flood.codes)" -ge 15 ] || fail "flood: $(sort flood.codes | uniq -c)"
[ "$(grep -c '^200$' flood.codes)" -ge 1 ] || fail "flood: none answered"
sleep 1.2
assert_eq 200 "$(get "$URL/healthz")" "served again a second later"
stop_serve "$SERVE_PID" limited

# --- requests in flight when SIGTERM comes are answered, then exit 0 ---
start_serve window --log boot.log --batch-ms 6000
for i in 1 2 3 4 5; do
	n=$(openssl rand -hex 16)
	echo "$n" >"late-$i.nonce"
	curl -s -o "late-$i.json" -w '%{http_code}' "$URL/v1/evidence?nonce=$n" >"late-$i.code" &
done
for _ in $(seq 80); do
	[ "$(health pending)" = 5 ] && break
	sleep 0.1
done
assert_eq 5 "$(health pending)" "five requests wait for the batch window"
stop_serve "$SERVE_PID" window
wait
for i in 1 2 3 4 5; do
	assert_eq 200 "$(cat "late-$i.code")" "request $i in flight at SIGTERM"
	assert_eq 5 "$(jq -r .batch.leaves "late-$i.json")" "one quote for the five"
	check_answer "late-$i.json" "$(cat "late-$i.nonce")"
done
assert_contains "$(cat window.err)" "5 evidence answers, 1 quotes" "the stop summary"

# --- HTTPS ---
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout tls.key -out tls.crt \
	2>/dev/null; then
	start_serve tls --log boot.log --tls-cert tls.crt --tls-key tls.key
	case "$URL" in https://*) ;; *) fail "TLS server URL $URL" ;; esac
	n4=$(openssl rand -hex 16)
	assert_eq 200 "$(get "$URL/v1/evidence?nonce=$n4" --cacert tls.crt)" "HTTPS evidence"
	mv body tls.json
	check_answer tls.json "$n4"
	printf 'tls %s\n' "$URL" >tls.hosts
	expect_exit 0 "$BOOTCHAIN" attest poll --hosts tls.hosts --ak ak.pub --golden golden.json \
		--cacert tls.crt
	expect_exit 3 "$BOOTCHAIN" attest poll --hosts tls.hosts --ak ak.pub --golden golden.json \
		--retries 0
	assert_contains "$(cat "$TEST_TMP/out")" "ERROR" "an unknown CA is refused"
	stop_serve "$SERVE_PID" tls
fi

# --- a fleet: a second machine on its own swtpm ---
# machine two boots the chain of chain2/ (same layers unless changed)
boot_machine2() {
	start_swtpm2
	rm -f boot2.log
	expect_exit 0 "$BOOTCHAIN" attest ak create -T "$TCTI2" --out-public aks/m2.pub --force
	expect_exit 0 "$BOOTCHAIN" measure -T "$TCTI2" --chain chain2/chain --log boot2.log
	start_serve m2 -T "$TCTI2" --log boot2.log
	M2=$SERVE_PID
	URL2=$URL
}
mkdir aks
cp ak.pub aks/m1.pub
cp -r chain chain2
start_serve m1 --log boot.log
M1=$SERVE_PID
URL1=$URL
boot_machine2
printf '# the fleet\nm1 %s\n\nm2 %s/\n' "$URL1" "$URL2" >hosts
expect_exit 0 "$BOOTCHAIN" attest poll --hosts hosts --ak-dir aks --golden golden.json
out=$(cat "$TEST_TMP/out")
assert_contains "$out" "2 hosts: 2 passed, 0 failed, 0 in error" "fleet summary"
grep -q '^m1  *pass  *every check passed' "$TEST_TMP/out" || fail "m1 passes: $out"
grep -q '^m2  *pass  *every check passed' "$TEST_TMP/out" || fail "m2 passes: $out"
expect_exit 0 "$BOOTCHAIN" attest poll --hosts hosts --ak-dir aks --golden golden.json --json -j 1
assert_eq "true true" "$(jq -r .pass "$TEST_TMP/out" | paste -sd' ')" "JSON lines, in order"
assert_eq "m1 m2" "$(jq -r .host "$TEST_TMP/out" | paste -sd' ')" "JSON hosts"
# the wrong AK for a host fails it on its signature
printf 'm1 %s aks/m2.pub\n' "$URL1" >wrong.hosts
expect_exit 3 "$BOOTCHAIN" attest poll --hosts wrong.hosts --ak ak.pub --golden golden.json --json
assert_eq signature "$(jq -r '.failed | map(select(. == "signature")) | .[0]' "$TEST_TMP/out")" \
	"wrong AK: signature"

# machine two boots a changed kernel: it fails, named, and the poll exits 3
stop_serve "$M2" m2
stop_swtpm2
flip_byte chain2/kernel.img 100
boot_machine2
printf 'm1 %s\nm2 %s\n' "$URL1" "$URL2" >hosts
expect_exit 3 "$BOOTCHAIN" attest poll --hosts hosts --ak-dir aks --golden golden.json
out=$(cat "$TEST_TMP/out")
grep -q '^m1  *pass ' "$TEST_TMP/out" || fail "m1 still passes: $out"
grep -q '^m2  *FAIL  *golden: PCR 8, event [0-9]*: changed component kernel' "$TEST_TMP/out" ||
	fail "m2 fails on its kernel: $out"
assert_contains "$out" "2 hosts: 1 passed, 1 failed, 0 in error" "fleet summary"
expect_exit 3 "$BOOTCHAIN" attest poll --hosts hosts --ak-dir aks --golden golden.json --json
assert_eq '["golden"]' "$(jq -c 'select(.host == "m2") | .failed' "$TEST_TMP/out")" "m2 JSON"
# a machine that does not answer is an error, after the retries
printf 'm1 %s\ngone http://127.0.0.1:%s\n' "$URL1" "$(closed_port)" >gone.hosts
expect_exit 3 "$BOOTCHAIN" attest poll --hosts gone.hosts --ak ak.pub --golden golden.json \
	--retries 1 --timeout 2000
grep -q '^gone  *ERROR  *fetch: .*(2 attempts)' "$TEST_TMP/out" || fail "gone: $(cat "$TEST_TMP/out")"
# the TPM of m2 gone: 503 and counted; back (same state, same port): served again
port2=${TCTI2##*port=}
stop_swtpm2
URL=$URL2
assert_eq 503 "$(get "$URL2/v1/evidence?nonce=00")" "the TPM gone"
assert_eq 503 "$(jq -r .status body)" "JSON status of a TPM failure"
[ "$(health tpm_errors)" -ge 1 ] || fail "TPM errors not counted: $(curl -s "$URL2/healthz")"
for _ in $(seq 50); do
	swtpm_daemon "$TEST_TMP/swtpm2" "$port2" && SWTPM2_PID_FILE="$TEST_TMP/swtpm2/pid" && break
	sleep 0.1
done
[ -n "$SWTPM2_PID_FILE" ] || fail "swtpm did not restart on port $port2"
assert_eq 200 "$(get "$URL2/v1/evidence?nonce=00")" "the TPM back"
# usage
expect_exit 2 "$BOOTCHAIN" attest poll --hosts hosts --golden golden.json
expect_exit 2 "$BOOTCHAIN" attest serve
expect_exit 2 "$BOOTCHAIN" attest serve --listen 127.0.0.1:65536
expect_exit 2 "$BOOTCHAIN" attest serve --listen 127.0.0.1:0 --tls-cert tls.crt
expect_exit 1 "$BOOTCHAIN" attest serve --listen 127.0.0.1:0 --ak 0x81000099
assert_contains "$(cat "$TEST_TMP/err")" "no key at persistent handle 0x81000099" "a missing AK"
expect_exit 1 "$BOOTCHAIN" attest poll --hosts /nonexistent --ak ak.pub --golden golden.json
printf 'only-a-name\n' >bad.hosts
expect_exit 1 "$BOOTCHAIN" attest poll --hosts bad.hosts --ak ak.pub --golden golden.json
assert_contains "$(cat "$TEST_TMP/err")" "bad.hosts:1:" "the bad line named"
stop_serve "$M1" m1
stop_serve "$M2" m2
echo "PASS"
