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
#
# The ARK and the ASK are named as AMD names them, for the product $PRODUCT (default
# "Test"): ARK-$PRODUCT and SEV-$PRODUCT. A fifth number in $SNP_TCB is the fmcSPL
# (1.3.6.1.4.1.3704.1.3.9) of a Turin VCEK, whose hwID is CHIP_ID's first 8 bytes:
# $CHIP_ID is then 16 hex digits.
#
# With --vlek, in a DIR made before: the VLEK chain of that ARK, as AMD's key
# distribution service issues it for a cloud provider: asvk.pem (ASVK, CN
# SEV-VLEK-$PRODUCT, RSA, signed by the ARK), vlek.pem (VLEK, EC P-384, CN SEV-VLEK,
# signed by the ASVK: the SPL extensions and a csp_id, 1.3.6.1.4.1.3704.1.5, but no
# hwID: a VLEK names no chip) and their keys asvk-key.pem, vlek-key.pem.
# Usage: make-snp-certs.sh DIR [RSA-BITS]
#        make-snp-certs.sh --vcek DIR NAME
#        make-snp-certs.sh --vlek DIR [RSA-BITS]
set -euo pipefail

usage="usage: make-snp-certs.sh DIR [RSA-BITS] | --vcek DIR NAME | --vlek DIR [RSA-BITS]"
vcek_only= vlek=
if [ "${1:-}" = --vcek ]; then
	vcek_only=${3:?$usage}
	shift
elif [ "${1:-}" = --vlek ]; then
	vlek=1
	shift
fi
dir=${1:?$usage}
bits=${2:-4096}
product=${PRODUCT:-Test}
chip_id=${CHIP_ID:-$(printf '%02x' $(seq 192 255))}
read -r bl_spl tee_spl snp_spl ucode_spl fmc_spl <<<"${SNP_TCB:-3 0 8 115}"
if [ -n "$fmc_spl" ]; then
	[[ $chip_id =~ ^[0-9a-fA-F]{16}$ ]] || { echo "CHIP_ID: 16 hex digits on Turin" >&2; exit 2; }
else
	[[ $chip_id =~ ^[0-9a-fA-F]{128}$ ]] || { echo "CHIP_ID: 128 hex digits" >&2; exit 2; }
fi
for spl in "$bl_spl" "$tee_spl" "$snp_spl" "$ucode_spl" ${fmc_spl:+"$fmc_spl"}; do
	if ! [[ $spl =~ ^[0-9]+$ ]] || [ "$spl" -gt 255 ]; then
		echo "SNP_TCB: four (Turin: five) numbers 0 to 255" >&2
		exit 2
	fi
done
[[ $product =~ ^[A-Za-z0-9]+$ ]] || { echo "PRODUCT: letters and digits" >&2; exit 2; }
mkdir -p "$dir"
cd "$dir"

pss=(-sha384 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48 -sigopt rsa_mgf1_md:sha384)
amd="/OU=Engineering/C=US/L=Santa Clara/ST=CA/O=Advanced Micro Devices"

# issue_vcek NAME SERIAL [vlek]: NAME.pem over vcek-key.pem, signed by the ASK (`openssl
# ca`, which can date a certificate in the past); with vlek, over vlek-key.pem, signed
# by the ASVK, without hwID
issue_vcek() {
	local ca="$1.ca" dates=(-days 9125) key=vcek-key.pem signer=ask cn=SEV-VCEK
	local id="1.3.6.1.4.1.3704.1.4 = ASN1:FORMAT:HEX,OCTETSTRING:$chip_id"
	if [ -n "${3:-}" ]; then
		key=vlek-key.pem signer=asvk cn=SEV-VLEK
		id="1.3.6.1.4.1.3704.1.5 = ASN1:IA5STRING:TestCSP"
	fi
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
		${fmc_spl:+1.3.6.1.4.1.3704.1.3.9 = ASN1:INTEGER:$fmc_spl}
		$id
	CNF
	openssl req -new -config "$ca/ca.cnf" -key "$key" -subj "$amd/CN=$cn" \
		-out "$ca/vcek.csr"
	# `openssl ca` reports its progress on stderr: keep it for a failure
	if ! openssl ca -batch -config "$ca/ca.cnf" -cert "$signer.pem" -keyfile "$signer-key.pem" \
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

if [ -n "$vlek" ]; then
	[ -s ark.pem ] && [ -s ark-key.pem ] || { echo "--vlek: $dir has no ARK" >&2; exit 2; }
	openssl genpkey -quiet -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out asvk-key.pem
	openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out vlek-key.pem
	issue asvk asvk-key.pem "SEV-VLEK-$product" ark 4 ask_ext
	issue_vcek vlek 5 vlek
	rm -f snp-certs.cnf
	chmod 600 asvk-key.pem vlek-key.pem
	exit 0
fi

openssl genpkey -quiet -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out ark-key.pem
openssl genpkey -quiet -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out ask-key.pem
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out vcek-key.pem

openssl req -x509 -new -config snp-certs.cnf -extensions ark_ext -key ark-key.pem \
	"${pss[@]}" -days 9125 -set_serial 1 -subj "$amd/CN=ARK-$product" -out ark.pem
issue ask ask-key.pem "SEV-$product" ark 2 ask_ext
issue_vcek vcek 3

rm -f snp-certs.cnf
chmod 600 ark-key.pem ask-key.pem vcek-key.pem
