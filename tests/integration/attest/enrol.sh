#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `bootchain attest enrol` over HTTP on swtpm: a TPM manufactured by swtpm_setup (EK
# certificate from swtpm-localca) served by `attest serve`, enrolled with that CA in the
# store: the record is written, and the machine's quotes verify with --enrolment. Refused,
# each with its reason (exit 3): the same machine against the manufacturers' store
# (unknown issuer); an identity whose EK is another TPM's (the certificate's key is not
# the EK); one whose AK is another TPM's (activation fails); a replayed activation
# answer; a TPM without an EK certificate unless --allow-uncertified. Expected values
# (AK name, certificate fingerprints) are computed with openssl.
. "$TESTS_LIB/common.sh"
for tool in curl jq perl; do
	command -v "$tool" >/dev/null || { echo "ERROR: $tool not found: run scripts/deps as root" >&2; exit 99; }
done
STUB="$TESTS_LIB/../tools/http-stub.pl"
MAKERS_STORE="$TESTS_LIB/../../data/tpm-ca"
start_swtpm_with_ek_cert
cd "$TEST_TMP"

PIDS=() # the stubs and simulators, killed at exit (common.sh stops the servers)
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; cleanup' EXIT

# A lying machine (tests/tools/http-stub.pl) in front of URL; sets STUB_URL.
start_stub() { # name [stub options...]
	local name=$1
	shift
	rm -f "$name.port"
	perl "$STUB" --port-file "$name.port" --upstream "$URL" "$@" 2>"$name.err" &
	PIDS+=($!)
	for _ in $(seq 100); do
		[ -s "$name.port" ] && { STUB_URL="http://127.0.0.1:$(cat "$name.port")"; return 0; }
		sleep 0.1
	done
	fail "the stub $name did not start: $(cat "$name.err")"
}

# The name of a TPM2B_PUBLIC file's key (nameAlg SHA-256): 000b || SHA-256(TPMT_PUBLIC).
key_name() { # file
	echo "000b$(tail -c +3 "$1" | openssl_digest sha256)"
}
der_fingerprint() { # PEM or DER certificate
	local form=PEM
	head -c 10 "$1" | grep -q -- '-----' || form=DER
	openssl x509 -inform "$form" -in "$1" -outform DER | openssl_digest sha256
}

# --- the two machines: one with an EK certificate, one without ---
expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub
expect_exit 0 "$BOOTCHAIN" attest ek --out-cert ek.der --out-public ek.pub
start_swtpm2
expect_exit 0 "$BOOTCHAIN" attest ak create -T "$TCTI2" --out-public ak2.pub
expect_exit 0 "$BOOTCHAIN" attest ek -T "$TCTI2" --out-public ek2.pub
STORE=(--ca-file "$SWTPM_CA_ROOT" --ca-file "$SWTPM_CA_ISSUER")

echo secret-token >token
start_serve m1 --no-log --token-file token
M1=$SERVE_PID
URL1=$URL
HOST1=${URL#http://}

# --- the endpoints ---
code=$(curl -s -o identity.json -w '%{http_code}' -H 'Authorization: Bearer secret-token' \
	"$URL/v1/identity")
assert_eq 200 "$code" "GET /v1/identity"
assert_eq "$(key_name ak.pub)" "$(jq -r .ak_name identity.json)" "the identity's AK name"
assert_eq "$(base64 -w0 ak.pub)" "$(jq -r .ak_public identity.json)" "the identity's AK"
assert_eq "$(base64 -w0 ek.der)" "$(jq -r .ek_certificate identity.json)" "the EK certificate"
assert_eq rsa "$(jq -r .ek_type identity.json)" "ek_type"
assert_eq null "$(jq -r .keep identity.json)" "no Keep"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/identity")
assert_eq 401 "$code" "the identity without the token"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer secret-token' \
	"$URL/v1/activate")
assert_eq 405 "$code" "GET /v1/activate"
code=$(curl -s -o body -w '%{http_code}' -H 'Authorization: Bearer secret-token' \
	--data-binary '{"credential": 1}' "$URL/v1/activate")
assert_eq 400 "$code" "a challenge that does not parse"
# `attest challenge` made the body, as the man page says: the secret comes back
expect_exit 0 "$BOOTCHAIN" attest challenge --ek-public ek.pub --ak-public ak.pub \
	--secret 00112233445566778899aabbccddeeff --out challenge.json
code=$(curl -s -o answer.json -w '%{http_code}' -H 'Authorization: Bearer secret-token' \
	--data-binary @challenge.json "$URL/v1/activate")
assert_eq 200 "$code" "POST /v1/activate"
assert_eq 00112233445566778899aabbccddeeff \
	"$(jq -r .secret answer.json | base64 -d | od -An -tx1 | tr -d ' \n')" "the secret recovered"

# --- the records' folder is checked before any machine is asked ---
touch not-a-folder
expect_exit 1 "$BOOTCHAIN" attest enrol "$URL" --out-dir not-a-folder "${STORE[@]}" \
	--token-file token
assert_contains "$(cat "$TEST_TMP/err")" "not a folder" "a file as --out-dir is refused"
expect_exit 1 "$BOOTCHAIN" attest enrol "$URL" --out-dir missing/recs "${STORE[@]}" \
	--token-file token
[ ! -e missing ] || fail "a refused --out-dir was made"

# --- enrolled with the swtpm CA in the store (the folder is made when missing) ---
expect_exit 1 "$BOOTCHAIN" attest enrol "$URL" --out-dir recs "${STORE[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "401" "no token: refused by the server"
expect_exit 0 "$BOOTCHAIN" attest enrol "$URL" --out-dir recs "${STORE[@]}" --token-file token
REC="recs/$HOST1.json"
[ -s "$REC" ] || fail "no record $REC"
assert_eq bootchain-enrolment-v1 "$(jq -r .format "$REC")" "format"
assert_eq "$HOST1" "$(jq -r .host "$REC")" "host"
assert_eq true "$(jq -r .certified "$REC")" "certified"
assert_eq "$(key_name ak.pub)" "$(jq -r .ak_name "$REC")" "the AK name"
assert_eq "$(base64 -w0 ak.pub)" "$(jq -r .ak_public "$REC")" "the AK"
assert_eq "$(der_fingerprint ek.der)" "$(jq -r '.ek_certificate.chain[0]' "$REC")" "the leaf"
assert_eq "$(der_fingerprint "$SWTPM_CA_ISSUER")" "$(jq -r '.ek_certificate.chain[1]' "$REC")" \
	"the swtpm-localca issuer"
assert_contains "$(jq -r .time "$REC")" "Z" "an ISO 8601 UTC time"
[ "$(jq -r .ek_certificate.anchor.file "$REC")" != null ] || fail "no anchor file"

# --- a machine's record is replaced only with --force, checked before any request: a
# record for a closed port is refused as existing, and with --force it is unreachable ---
cp "$REC" rec.before
expect_exit 1 "$BOOTCHAIN" attest enrol "$URL" --out-dir recs "${STORE[@]}" --token-file token
assert_contains "$(cat "$TEST_TMP/err")" "$REC exists (--force to overwrite)" "an existing record"
cmp -s rec.before "$REC" || fail "the record was changed without --force"
closed="127.0.0.1:$(closed_port)"
echo '{}' >"recs/$closed.json"
expect_exit 1 "$BOOTCHAIN" attest enrol "http://$closed" --out-dir recs "${STORE[@]}"
assert_contains "$(cat "$TEST_TMP/err")" "recs/$closed.json exists" "checked before the machine is asked"
expect_exit 1 "$BOOTCHAIN" attest enrol "http://$closed" --out-dir recs "${STORE[@]}" --force
case "$(cat "$TEST_TMP/err")" in *exists*) fail "--force did not replace the record" ;; esac
rm "recs/$closed.json"
expect_exit 0 "$BOOTCHAIN" attest enrol "$URL" --out-dir recs "${STORE[@]}" --token-file token -f
assert_eq "$(key_name ak.pub)" "$(jq -r .ak_name "$REC")" "the record replaced with --force"

# its quotes verify with the record (the TPM is free once the server stops)
stop_serve "$M1" m1
nonce=$(openssl rand -hex 16)
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --no-log --out ev.json
expect_exit 0 "$BOOTCHAIN" attest verify ev.json --enrolment "$REC" --nonce "$nonce"
expect_exit 0 "$BOOTCHAIN" attest verify ev.json --enrolment recs --nonce "$nonce"
nonce2=$(openssl rand -hex 16)
expect_exit 0 "$BOOTCHAIN" attest quote -T "$TCTI2" --nonce "$nonce2" --no-log --out ev2.json
expect_exit 3 "$BOOTCHAIN" attest verify ev2.json --enrolment recs --nonce "$nonce2"
assert_contains "$(cat "$TEST_TMP/out")" "is not enrolled" "another TPM's quote"
start_serve m1 --no-log
M1=$SERVE_PID
URL1=$URL
HOST1=${URL#http://}

# --- refused: the manufacturers' store (what `make install` ships) does not know swtpm ---
expect_exit 3 "$BOOTCHAIN" attest enrol "$URL" --out-dir recs --ca-dir "$MAKERS_STORE"
assert_contains "$(cat "$TEST_TMP/out")" "unknown issuer" "another CA"
[ ! -e "recs/$HOST1.json" ] || fail "a refused machine was enrolled"

# --- refused: a certified EK, but the EK given is another TPM's ---
curl -s "$URL/v1/identity" >id.json
jq --arg ek "$(base64 -w0 ek2.pub)" '.ek_public = $ek' id.json >id-ek.json
start_stub ek --identity id-ek.json
expect_exit 3 "$BOOTCHAIN" attest enrol "$STUB_URL" --out-dir recs "${STORE[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "certificate's key is not the EK" "another EK"

# --- refused: the AK is another TPM's (the credential reaches this TPM, which cannot
# activate it for that name) ---
jq --arg ak "$(base64 -w0 ak2.pub)" --arg name "$(key_name ak2.pub)" \
	'.ak_public = $ak | .ak_name = $name' id.json >id-ak.json
start_stub ak --identity id-ak.json
expect_exit 3 "$BOOTCHAIN" attest enrol "$STUB_URL" --out-dir recs "${STORE[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "activation failed" "another TPM's AK"

# --- refused: an activation answer recorded from an earlier enrolment, replayed ---
start_stub recorder --record recorded.json
expect_exit 0 "$BOOTCHAIN" attest enrol "$STUB_URL" --out-dir recs "${STORE[@]}"
[ -s recorded.json ] || fail "no answer recorded"
start_stub replay --answer recorded.json
expect_exit 3 "$BOOTCHAIN" attest enrol "$STUB_URL" --out-dir recs "${STORE[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "not the secret of this challenge" "a replayed answer"

# --- unreachable: exit 1 ---
expect_exit 1 "$BOOTCHAIN" attest enrol "http://127.0.0.1:$(closed_port)" --out-dir recs \
	"${STORE[@]}"

# --- a TPM without an EK certificate: refused unless --allow-uncertified ---
start_serve m2 --no-log -T "$TCTI2"
HOST2=${URL#http://}
expect_exit 3 "$BOOTCHAIN" attest enrol "$URL" --out-dir recs "${STORE[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "no EK certificate" "uncertified"
expect_exit 0 "$BOOTCHAIN" attest enrol "$URL" --out-dir recs "${STORE[@]}" \
	--allow-uncertified --json
assert_eq false "$(jq -r .certified "recs/$HOST2.json")" "certified false"
assert_eq null "$(jq -r .ek_certificate "recs/$HOST2.json")" "no chain"
assert_eq "$(key_name ak2.pub)" "$(jq -r .ak_name "recs/$HOST2.json")" "the second AK"
assert_eq true "$(jq -r .enrolled "$TEST_TMP/out")" "--json"
# a certificate that is there is verified all the same
expect_exit 3 "$BOOTCHAIN" attest enrol "$URL1" --out-dir recs --ca-dir "$MAKERS_STORE" \
	--allow-uncertified
assert_contains "$(cat "$TEST_TMP/out")" "unknown issuer" "--allow-uncertified with a certificate"

# now both are enrolled: the folder verifies each machine's quote
stop_serve "$SERVE_PID" m2
expect_exit 0 "$BOOTCHAIN" attest verify ev2.json --enrolment recs --nonce "$nonce2"
# --- the Keep: enrolled with its chip; a report of another chip fails keep-binding ---
tools="$(dirname "$BOOTCHAIN")/tests/tools"
[ -x "$tools/snp-sim" ] || fail "$tools/snp-sim not built"
start_sim() { # root vcek-key [snp-sim options...]
	local root=$1 key=$2
	shift 2
	mkdir -p "$root"
	"$tools/snp-sim" --root "$root" --vcek-key "$key" --measurement "$(openssl rand -hex 48)" \
		--policy 30000 --daemon --pid "$root.pid" "$@"
	PIDS+=("$(cat "$root.pid")")
}
bash "$TESTS_LIB/../tools/make-snp-certs.sh" snp 2048 >/dev/null
other_chip=$(openssl rand -hex 64)
CHIP_ID=$other_chip bash "$TESTS_LIB/../tools/make-snp-certs.sh" snp-other 2048 >/dev/null
start_sim tsm snp/vcek-key.pem
start_sim tsm-other snp-other/vcek-key.pem --chip-id "$other_chip"
test_chip=$(for i in $(seq 192 255); do printf '%02x' "$i"; done) # snp-sim's default chip
stop_serve "$M1" m1
mkdir keep-recs
start_serve keep --no-log --keep --tsm-root tsm --keep-vcek snp/vcek.pem
HOSTK=${URL#http://}
expect_exit 0 "$BOOTCHAIN" attest enrol "$URL" --out-dir keep-recs "${STORE[@]}"
assert_eq sev_guest "$(jq -r .keep.provider "keep-recs/$HOSTK.json")" "the Keep's provider"
assert_eq "$test_chip" "$(jq -r .keep.chip_id "keep-recs/$HOSTK.json")" "the enrolled chip"
nonce=$(openssl rand -hex 16)
curl -s "$URL/v1/evidence?nonce=$nonce" -o keep-ev.json
expect_exit 0 "$BOOTCHAIN" attest verify keep-ev.json --enrolment keep-recs --nonce "$nonce" \
	--keep-ark snp/ark.pem --keep-ask snp/ask.pem
assert_contains "$(cat "$TEST_TMP/out")" "CHIP_ID is the enrolled chip's" "keep-binding"
stop_serve "$SERVE_PID" keep
# the same TPM and AK in another chip's Keep (signed by that chip's own VCEK)
start_serve keep-other --no-log --keep --tsm-root tsm-other --keep-vcek snp-other/vcek.pem
curl -s "$URL/v1/evidence?nonce=$nonce" -o other-chip.json
expect_exit 3 "$BOOTCHAIN" attest verify other-chip.json --enrolment keep-recs --nonce "$nonce" \
	--keep-ark snp-other/ark.pem --keep-ask snp-other/ask.pem --json
assert_eq pass "$(jq -r '.checks["keep-signature"].status' "$TEST_TMP/out")" "its own VCEK"
assert_eq fail "$(jq -r '.checks["keep-binding"].status' "$TEST_TMP/out")" "another chip"
assert_contains "$(jq -r '.checks["keep-binding"].message' "$TEST_TMP/out")" \
	"is not the enrolled chip's" "another chip, named"
stop_serve "$SERVE_PID" keep-other
# a machine enrolled with its Keep must show it
expect_exit 0 "$BOOTCHAIN" attest quote --nonce "$nonce" --no-log --out no-keep.json
expect_exit 3 "$BOOTCHAIN" attest verify no-keep.json --enrolment keep-recs --nonce "$nonce" \
	--keep-ark snp/ark.pem --keep-ask snp/ask.pem --json
assert_eq fail "$(jq -r '.checks["keep-binding"].status' "$TEST_TMP/out")" "no Keep report"

# --- poll: a host's AK is that of the record of its URL's host ---
head -c 3000 /dev/urandom >kernel.img
printf 'kernel 8 kernel.img\n' >chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain chain --banks sha256
expect_exit 0 "$BOOTCHAIN" measure --chain chain --log boot.log
start_serve polled --log boot.log
mkdir poll-recs
expect_exit 0 "$BOOTCHAIN" attest enrol "$URL" --out-dir poll-recs "${STORE[@]}"
printf 'machine1 %s\n' "$URL" >fleet.hosts
expect_exit 0 "$BOOTCHAIN" attest poll --hosts fleet.hosts --enrolment poll-recs \
	--golden golden.json --json
assert_eq true "$(jq -r .pass "$TEST_TMP/out")" "polled with the enrolment"
printf 'machine1 %s\nghost http://127.0.0.1:%s\n' "$URL" "$(closed_port)" >fleet.hosts
expect_exit 3 "$BOOTCHAIN" attest poll --hosts fleet.hosts --enrolment poll-recs \
	--golden golden.json
assert_contains "$(grep ghost "$TEST_TMP/out")" "not enrolled" "a host without a record"
# the records of another machine do not verify this one
expect_exit 3 "$BOOTCHAIN" attest poll --hosts fleet.hosts --enrolment "recs/$HOST2.json" \
	--golden golden.json --json
assert_eq false "$(head -1 "$TEST_TMP/out" | jq -r .pass)" "another machine's record"
stop_serve "$SERVE_PID" polled

echo "enrol: ok"
