#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `attest poll --json` says of a host's evidence what `attest verify --json` says of the
# same evidence: a recording proxy (python3) between poll and `attest serve` keeps the
# evidence poll got, and verify of that file with its nonce must give the poll line's
# "verify" object, field for field (jq). Its clock fields are checked against
# tpm2_readclock and tpm2_getcap, its golden problem names the changed layer. `attest
# verify` of many files ends with a summary line in text, none in JSON.
. "$TESTS_LIB/common.sh"
command -v python3 >/dev/null || { echo "ERROR: python3 not found" >&2; exit 99; }
start_swtpm
cd "$TEST_TMP"

expect_exit 0 "$BOOTCHAIN" attest ak create --out-public ak.pub
mkdir chain
for layer in bios kernel; do
	head -c 5000 /dev/urandom >"chain/$layer.img"
done
printf 'bios 0 bios.img\nkernel 8 kernel.img\n' >chain/chain
expect_exit 0 "$BOOTCHAIN" golden create --out golden.json --chain chain/chain --banks sha1,sha256
printf x >>chain/kernel.img # booted with another kernel: golden names it
expect_exit 0 "$BOOTCHAIN" measure --chain chain/chain --log boot.log
start_serve serve --log boot.log

# The proxy: forwards each GET to the server, keeps the last evidence it passed on.
cat >proxy.py <<'PY'
import http.server, sys, urllib.request
upstream = sys.argv[1]
class Proxy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(upstream + self.path, timeout=30) as r:
            body, status = r.read(), r.status
        if self.path.startswith("/v1/evidence"):
            with open("evidence.json", "wb") as f:
                f.write(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), Proxy)
print("http://127.0.0.1:%d" % s.server_port, flush=True)
s.serve_forever()
PY
python3 proxy.py "$URL" >proxy.url 2>proxy.err &
SERVE_PIDS+=("$!")
for _ in $(seq 50); do
	[ -s proxy.url ] && break
	sleep 0.1
done
[ -s proxy.url ] || fail "the proxy did not start: $(cat proxy.err)"
echo "m1 $(cat proxy.url)" >fleet.hosts

expect_exit 3 "$BOOTCHAIN" attest poll --hosts fleet.hosts --ak ak.pub --golden golden.json --json
cp "$TEST_TMP/out" poll.out
[ -s evidence.json ] || fail "the proxy kept no evidence"
nonce=$(jq -r .nonce evidence.json)
expect_exit 3 "$BOOTCHAIN" attest verify evidence.json --ak ak.pub --nonce "$nonce" \
	--golden golden.json --json
cp "$TEST_TMP/out" verify.out
assert_eq "$(jq -S 'del(.evidence)' verify.out)" "$(jq -S .verify poll.out)" \
	"poll's verify object is verify's"

# what it carries, from other sources than bootchain
assert_eq false "$(jq -r .verify.pass poll.out)" "the changed kernel fails"
assert_eq kernel "$(jq -r '.verify.golden.problems[] | select(.pcr == 8) | .component' poll.out)" \
	"the golden problem names the component"
tpm2_readclock -T "$TCTI" >clock.yaml || fail "tpm2_readclock"
assert_eq "$(awk '/reset_count/ {print $2}' clock.yaml)" "$(jq -r .verify.clock.reset_count poll.out)" \
	"reset count as tpm2_readclock"
assert_eq "$(awk '/restart_count/ {print $2}' clock.yaml)" \
	"$(jq -r .verify.clock.restart_count poll.out)" "restart count as tpm2_readclock"
tpm2_getcap -T "$TCTI" properties-fixed >fixed.yaml || fail "tpm2_getcap"
fw() { awk -v p="$1" '$1 == p":" {f = 1} f && /raw:/ {print $2; exit}' fixed.yaml; }
assert_eq "$(printf '0x%08x%08x' "$(fw TPM2_PT_FIRMWARE_VERSION_1)" "$(fw TPM2_PT_FIRMWARE_VERSION_2)")" \
	"$(jq -r .verify.clock.firmware_version poll.out)" "firmware version as tpm2_getcap"

# a host that gives no evidence: "verify" is null
echo "m2 http://127.0.0.1:$(closed_port)" >down.hosts
expect_exit 3 "$BOOTCHAIN" attest poll --hosts down.hosts --ak ak.pub --golden golden.json --json -r 0
assert_eq null "$(jq -c .verify "$TEST_TMP/out")" "no evidence, no verify object"

# --- the summary line of many files ---
echo '{' >broken.json
expect_exit 3 "$BOOTCHAIN" attest verify evidence.json evidence.json broken.json --ak ak.pub \
	--nonce "$nonce"
assert_eq "3 files: 2 passed, 1 failed" "$(tail -n 1 "$TEST_TMP/out")" "the summary line"
expect_exit 0 "$BOOTCHAIN" attest verify evidence.json --ak ak.pub --nonce "$nonce"
assert_eq 0 "$(grep -c 'files:' "$TEST_TMP/out" || true)" "one file: no summary"
expect_exit 3 "$BOOTCHAIN" attest verify evidence.json evidence.json broken.json --ak ak.pub \
	--nonce "$nonce" --json
assert_eq 3 "$(jq -s length "$TEST_TMP/out")" "JSON: one object a file, nothing more"
stop_serve "$SERVE_PID" serve
