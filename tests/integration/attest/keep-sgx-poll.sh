#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `attest poll` of SGX enclaves: a hosts-file line `NAME URL keep-only` marks a host
# without a TPM, whose evidence is its Keep report alone (bootchain-evidence(5),
# KEEP-ONLY EVIDENCE). The enclave's host is a small HTTP server (python3) that, per
# request, has tests/tools/sgx-quote make a quote whose REPORTDATA is
# SHA-512("bootchain keep v1" || nonce) of the nonce asked for (computed by the server
# with hashlib). It passes, also when the verifier asks the other hosts for a TPM
# (--require-pcrs); a server that replays one evidence fails keep-binding; an enclave
# whose MRENCLAVE is not golden fails keep-golden; a host with no AK and not keep-only
# is a usage error when no AK option is given.
. "$TESTS_LIB/common.sh"
tools="$(dirname "$BOOTCHAIN")/tests/tools"
[ -x "$tools/sgx-quote" ] || { echo "ERROR: $tools/sgx-quote not built" >&2; exit 99; }
command -v python3 >/dev/null || { echo "ERROR: python3 not found" >&2; exit 99; }
cd "$TEST_TMP"

mkdir pki
"$tools/sgx-quote" init pki
mrenclave=$(openssl rand -hex 32)
mrsigner=$(openssl rand -hex 32)
other=$(openssl rand -hex 32)
old_nonce=$(openssl rand -hex 32)

# the replayed evidence: made once, for another nonce, as keep-sgx.sh makes it
(printf 'bootchain keep v1'; hex_to_bin "$old_nonce") | openssl_digest sha512 >old.rd
"$tools/sgx-quote" quote pki --report-data "$(cat old.rd)" --out old.bin \
	--mrenclave "$mrenclave" --mrsigner "$mrsigner" --isvprodid 7 --isvsvn 3 ||
	fail "sgx-quote"
jq -n --arg r "$(base64 -w0 old.bin)" --arg n "$old_nonce" \
	'{format: "bootchain-evidence-v1", quote: null, selection: null, pcrs: null,
	  ak_public: null, eventlog: null,
	  keep: {provider: "sgx", report: $r, vcek: null}, nonce: $n}' >replay.json

# The enclaves: GET /MODE/v1/evidence?nonce=HEX; MODE good (the golden MRENCLAVE), other
# (another MRENCLAVE), replay (replay.json whatever the nonce). Each nonce asked is
# written to nonces.txt.
cat >enclave.py <<'PY'
import base64, hashlib, http.server, json, subprocess, sys, urllib.parse
tool, pki, mrenclave, mrsigner, other = sys.argv[1:6]
def evidence(nonce, enclave):
    rd = hashlib.sha512(b"bootchain keep v1" + bytes.fromhex(nonce)).hexdigest()
    subprocess.run([tool, "quote", pki, "--report-data", rd, "--out", "q.bin",
                    "--mrenclave", enclave, "--mrsigner", mrsigner, "--isvprodid", "7",
                    "--isvsvn", "3"], check=True)
    with open("q.bin", "rb") as f:
        report = base64.b64encode(f.read()).decode()
    return json.dumps({"format": "bootchain-evidence-v1", "quote": None, "selection": None,
                       "pcrs": None, "ak_public": None, "eventlog": None,
                       "keep": {"provider": "sgx", "report": report, "vcek": None},
                       "nonce": nonce}).encode()
class Enclave(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        mode, _, path = url.path.lstrip("/").partition("/")
        nonce = urllib.parse.parse_qs(url.query).get("nonce", [""])[0]
        if path != "v1/evidence" or len(nonce) != 64:
            self.send_error(404)
            return
        with open("nonces.txt", "a") as f:
            f.write(nonce + "\n")
        if mode == "replay":
            with open("replay.json", "rb") as f:
                body = f.read()
        else:
            body = evidence(nonce, mrenclave if mode == "good" else other)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), Enclave)
print("http://127.0.0.1:%d" % s.server_port, flush=True)
s.serve_forever()
PY
python3 enclave.py "$tools/sgx-quote" pki "$mrenclave" "$mrsigner" "$other" \
	>enclave.url 2>enclave.err &
SERVE_PIDS+=("$!") # stopped at exit by common.sh
for _ in $(seq 50); do
	[ -s enclave.url ] && break
	sleep 0.1
done
[ -s enclave.url ] || fail "the enclave server did not start: $(cat enclave.err)"
url=$(cat enclave.url)

jq -n --arg e "$mrenclave" --arg s "$mrsigner" \
	'{format: "bootchain-golden-v1", components: [],
	  keep: {sgx: {mrenclave: [$e], mrsigner: [$s], isvprodid: 7, min_isvsvn: 3}}}' >g.json
intel=(--intel-root pki/root.pem --tcb-signing-chain pki/tcb-chain.pem
	--tcb-info pki/tcb-info.json --qe-identity pki/qe-identity.json
	--pck-crl pki/pck-crl.der --root-crl pki/root-crl.der)

# the enclave alone: no AK option is needed; a TPM asked of the others is not of it
echo "enclave $url/good keep-only" >good.hosts
expect_exit 0 "$BOOTCHAIN" attest poll --hosts good.hosts --golden g.json "${intel[@]}" --json
assert_eq pass "$(jq -r .verdict "$TEST_TMP/out")" "the enclave passes"
assert_eq '[]' "$(jq -c .failed "$TEST_TMP/out")" "no check fails"
expect_exit 0 "$BOOTCHAIN" attest poll --hosts good.hosts --golden g.json "${intel[@]}" \
	--require-pcrs sha256:0-7
assert_contains "$(cat "$TEST_TMP/out")" "every check passed" "keep-only with --require-pcrs"
assert_eq 2 "$(sort -u nonces.txt | wc -l)" "a fresh nonce each poll"

# a fleet: each substitution fails with its own check
cat >fleet.hosts <<HOSTS
good $url/good keep-only
replay $url/replay keep-only
other $url/other keep-only
HOSTS
expect_exit 3 "$BOOTCHAIN" attest poll --hosts fleet.hosts --golden g.json "${intel[@]}" --json
cp "$TEST_TMP/out" fleet.out
verdict() { jq -c --arg h "$1" 'select(.host == $h) | [.verdict, .failed]' fleet.out; }
assert_eq '["pass",[]]' "$(verdict good)" "the enclave passes"
assert_eq '["fail",["keep-binding"]]' "$(verdict replay)" "a replayed evidence"
assert_eq '["fail",["keep-golden"]]' "$(verdict other)" "another MRENCLAVE"
assert_contains "$(jq -r 'select(.host == "other") | .detail' fleet.out)" "MRENCLAVE" \
	"names MRENCLAVE"
# the table says the same
expect_exit 3 "$BOOTCHAIN" attest poll --hosts fleet.hosts --golden g.json "${intel[@]}"
assert_contains "$(cat "$TEST_TMP/out")" "3 hosts: 1 passed, 2 failed, 0 in error" "summary"
# a host neither keep-only nor with an AK, and no AK option: a usage error naming it
echo "noak $url/good" >>fleet.hosts
expect_exit 2 "$BOOTCHAIN" attest poll --hosts fleet.hosts --golden g.json "${intel[@]}"
assert_contains "$(cat "$TEST_TMP/err")" "host noak has no AKPUB column" "names the host"
# no Intel root: the quote is not trusted
expect_exit 3 "$BOOTCHAIN" attest poll --hosts good.hosts --golden g.json --json
assert_eq '["keep-signature"]' "$(jq -c .failed "$TEST_TMP/out")" "no Intel root"
echo "keep-sgx-poll: ok"
