#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A test AMD SEV-SNP certificate chain, made with the openssl command, into DIR:
#   ark.pem       ARK: RSA 4096, self-signed          (as AMD's: RSASSA-PSS, SHA-384)
#   ask.pem       ASK: RSA 4096, signed by the ARK    (RSASSA-PSS, SHA-384)
#   vcek.pem      VCEK: EC P-384, signed by the ASK   (RSASSA-PSS, SHA-384)
#   vcek-key.pem  the VCEK's private key, for snp-sim to sign reports with
# and the ARK's and ASK's private keys (ark-key.pem, ask-key.pem).
# Usage: make-snp-certs.sh DIR [RSA-BITS]
set -euo pipefail

dir=${1:?usage: make-snp-certs.sh DIR [RSA-BITS]}
bits=${2:-4096}
mkdir -p "$dir"
cd "$dir"

cat >snp-certs.cnf <<-'CNF'
	[req]
	distinguished_name = dn
	prompt = no
	[dn]
	CN = unused
	[ark_ext]
	basicConstraints = critical, CA:TRUE
	keyUsage = critical, keyCertSign, cRLSign
	subjectKeyIdentifier = hash
	[ask_ext]
	basicConstraints = critical, CA:TRUE
	keyUsage = critical, keyCertSign, cRLSign
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	[vcek_ext]
	authorityKeyIdentifier = keyid
CNF

pss=(-sha384 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48 -sigopt rsa_mgf1_md:sha384)
amd="/OU=Engineering/C=US/L=Santa Clara/ST=CA/O=Advanced Micro Devices"

openssl genpkey -quiet -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out ark-key.pem
openssl genpkey -quiet -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out ask-key.pem
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out vcek-key.pem

openssl req -x509 -new -config snp-certs.cnf -extensions ark_ext -key ark-key.pem \
	"${pss[@]}" -days 9125 -set_serial 1 -subj "$amd/CN=ARK-Test" -out ark.pem

# issue NAME KEY CN ISSUER SERIAL EXTENSIONS: NAME.pem, signed by ISSUER (ISSUER-key.pem)
issue() {
	openssl req -new -config snp-certs.cnf -key "$2" -subj "$amd/CN=$3" -out "$1.csr"
	# `openssl x509 -req` tells on stderr that the request's signature is good: keep
	# its stderr for a failure
	if ! openssl x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4-key.pem" "${pss[@]}" \
		-days 9125 -set_serial "$5" -extfile snp-certs.cnf -extensions "$6" \
		-out "$1.pem" 2>"$1.err"; then
		cat "$1.err" >&2
		exit 1
	fi
	rm -f "$1.csr" "$1.err"
}
issue ask ask-key.pem SEV-Test ark 2 ask_ext
issue vcek vcek-key.pem SEV-VCEK ask 3 vcek_ext

rm -f snp-certs.cnf
chmod 600 ark-key.pem ask-key.pem vcek-key.pem
