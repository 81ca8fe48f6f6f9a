#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A test AMD SEV-SNP certificate chain, made with the openssl command, into DIR:
#   ark.pem       ARK: RSA 4096, self-signed          (as AMD's: RSASSA-PSS, SHA-384)
#   ask.pem       ASK: RSA 4096, signed by the ARK    (RSASSA-PSS, SHA-384)
#   vcek.pem      VCEK: EC P-384, signed by the ASK   (RSASSA-PSS, SHA-384)
#   vcek-key.pem  the VCEK's private key, for snp-sim to sign reports with
# and the ARK's and ASK's private keys (ark-key.pem, ask-key.pem). With --vcek, only
# another VCEK of DIR's VCEK key, signed by DIR's ASK, into DIR/NAME.pem: the same key
# for another chip, TCB or validity period.
#
# A VCEK carries the extensions of AMD's VCEK specification that name the chip and the
# TCB it was derived for: hwID (1.3.6.1.4.1.3704.1.4, an OCTET STRING) = $CHIP_ID, 128
# hex digits, default the test chip (bytes c0 to ff, snp-sim's default CHIP_ID); blSPL,
# teeSPL, snpSPL, ucodeSPL (1.3.6.1.4.1.3704.1.3.1, .2, .3, .8, INTEGERs) = $SNP_TCB,
# "BOOTLOADER TEE SNP MICROCODE", default "3 0 8 115" (snp-sim's REPORTED_TCB). It is
# valid from $VCEK_NOT_BEFORE to $VCEK_NOT_AFTER (YYYYMMDDHHMMSSZ), default 25 years
# from now.
# Usage: make-snp-certs.sh DIR [RSA-BITS]
#        make-snp-certs.sh --vcek DIR NAME
set -euo pipefail

usage="usage: make-snp-certs.sh DIR [RSA-BITS] | --vcek DIR NAME"
vcek_only=
if [ "${1:-}" = --vcek ]; then
	vcek_only=${3:?$usage}
	shift
fi
dir=${1:?$usage}
bits=${2:-4096}
chip_id=${CHIP_ID:-$(printf '%02x' $(seq 192 255))}
read -r bl_spl tee_spl snp_spl ucode_spl <<<"${SNP_TCB:-3 0 8 115}"
[[ $chip_id =~ ^[0-9a-fA-F]{128}$ ]] || { echo "CHIP_ID: 128 hex digits" >&2; exit 2; }
for spl in "$bl_spl" "$tee_spl" "$snp_spl" "$ucode_spl"; do
	if ! [[ $spl =~ ^[0-9]+$ ]] || [ "$spl" -gt 255 ]; then
		echo "SNP_TCB: four numbers 0 to 255" >&2
		exit 2
	fi
done
mkdir -p "$dir"
cd "$dir"

pss=(-sha384 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48 -sigopt rsa_mgf1_md:sha384)
amd="/OU=Engineering/C=US/L=Santa Clara/ST=CA/O=Advanced Micro Devices"

# issue_vcek NAME SERIAL: NAME.pem over vcek-key.pem, signed by the ASK (`openssl ca`,
# which can date a certificate in the past)
issue_vcek() {
	local ca="$1.ca" dates=(-days 9125)
	[ -n "${VCEK_NOT_BEFORE:-}" ] && dates=(-startdate "$VCEK_NOT_BEFORE" -enddate "${VCEK_NOT_AFTER:?}")
	rm -rf "$ca"
	mkdir "$ca"
	touch "$ca/index.txt"
	printf '%04x\n' "$(($2))" >"$ca/serial"
	cat >"$ca/ca.cnf" <<-CNF
		[ca]
		default_ca = test
		[test]
		database = $ca/index.txt
		new_certs_dir = $ca
		serial = $ca/serial
		policy = any
		default_md = sha384
		[any]
		commonName = supplied
		[req]
		distinguished_name = dn
		prompt = no
		[dn]
		CN = unused
		[vcek_ext]
		authorityKeyIdentifier = keyid
		1.3.6.1.4.1.3704.1.3.1 = ASN1:INTEGER:$bl_spl
		1.3.6.1.4.1.3704.1.3.2 = ASN1:INTEGER:$tee_spl
		1.3.6.1.4.1.3704.1.3.3 = ASN1:INTEGER:$snp_spl
		1.3.6.1.4.1.3704.1.3.8 = ASN1:INTEGER:$ucode_spl
		1.3.6.1.4.1.3704.1.4 = ASN1:FORMAT:HEX,OCTETSTRING:$chip_id
	CNF
	openssl req -new -config "$ca/ca.cnf" -key vcek-key.pem -subj "$amd/CN=SEV-VCEK" \
		-out "$ca/vcek.csr"
	# `openssl ca` reports its progress on stderr: keep it for a failure
	if ! openssl ca -batch -config "$ca/ca.cnf" -cert ask.pem -keyfile ask-key.pem \
		-in "$ca/vcek.csr" -out "$1.pem" "${dates[@]}" -extfile "$ca/ca.cnf" \
		-extensions vcek_ext -notext -preserveDN "${pss[@]:1}" -md sha384 \
		>"$ca/err" 2>&1; then
		cat "$ca/err" >&2
		exit 1
	fi
	rm -rf "$ca"
}

if [ -n "$vcek_only" ]; then
	issue_vcek "$vcek_only" "$(od -An -N2 -tu2 /dev/urandom)"
	exit 0
fi

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
CNF

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
issue_vcek vcek 3

rm -f snp-certs.cnf
chmod 600 ark-key.pem ask-key.pem vcek-key.pem
