#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Make the malformed PE/COFF images of tests/data/pe/ (and their README.md):
#
#   tests/data/pe/make-malformed-pe.sh
#
# Each file is one small, well-formed PE32+ image (three sections, 16 bytes of trailing
# data, and for the certificate cases a 32-byte certificate table at the end) with one
# defect. The offsets and the expected error text in README.md are computed here from
# the format as the defect is made, not by running a parser. The output is always the
# same bytes; the results are committed, this script only says how they were made.
# Needs bash and perl (no Python: a fresh Debian may not have it).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

exec perl -w - "$here" <<'PERL'
use strict;

$SIG{__DIE__} = sub { print STDERR "make-malformed-pe.sh: $_[0]"; exit 1 };
my ($out) = @ARGV;

# --- the layout of the base image ---
my $PE = 0x80;                 # e_lfanew
my $COFF = $PE + 4;            # COFF file header
my $OPT = $COFF + 20;          # optional header (PE32+)
my $OPT_SIZE = 112 + 16 * 8;   # fixed fields and 16 data directories
my $SOH_AT = $OPT + 60;        # SizeOfHeaders
my $RVA_AT = $OPT + 108;       # NumberOfRvaAndSizes
my $CERT_ENTRY = $OPT + 112 + 4 * 8; # the Certificate Table data directory entry
my $TABLE = $OPT + $OPT_SIZE;  # section table
my $HEADERS = 0x200;           # SizeOfHeaders
my @SECTIONS = (['.text', 0x200, 0x400], ['.data', 0x600, 0x200], ['.reloc', 0x800, 0x200]);
my $TRAILING = 16;
my $CERT_SIZE = 32;

sub set_u16 { substr($_[0], $_[1], 2) = pack('v', $_[2]) }
sub set_u32 { substr($_[0], $_[1], 4) = pack('V', $_[2]) }
sub hex_ { sprintf('0x%x', $_[0]) }
sub section_header { $TABLE + 40 * $_[0] }

# A PE32+ image for x86-64; with a certificate table when $signed.
sub base_image {
	my ($signed) = @_;
	my $end = $SECTIONS[-1][1] + $SECTIONS[-1][2];
	my $img = "\0" x ($end + $TRAILING);
	substr($img, 0, 2) = 'MZ';
	set_u32($img, 0x3c, $PE);
	substr($img, 0x40, 39) = 'This program cannot be run in DOS mode.';
	substr($img, $PE, 4) = "PE\0\0";
	set_u16($img, $COFF, 0x8664);                   # Machine
	set_u16($img, $COFF + 2, scalar @SECTIONS);     # NumberOfSections
	set_u16($img, $COFF + 16, $OPT_SIZE);           # SizeOfOptionalHeader
	set_u16($img, $COFF + 18, 0x0206);              # Characteristics
	set_u16($img, $OPT, 0x20b);                     # Magic
	set_u32($img, $OPT + 16, 0x1000);               # AddressOfEntryPoint
	set_u32($img, $OPT + 32, 0x1000);               # SectionAlignment
	set_u32($img, $OPT + 36, 0x200);                # FileAlignment
	set_u32($img, $OPT + 56, 0x4000);               # SizeOfImage
	set_u32($img, $SOH_AT, $HEADERS);
	set_u16($img, $OPT + 68, 10);                   # Subsystem: EFI application
	set_u32($img, $RVA_AT, 16);
	for my $i (0 .. $#SECTIONS) {
		my ($name, $ptr, $size) = @{$SECTIONS[$i]};
		my $h = section_header($i);
		substr($img, $h, 8) = pack('a8', $name);
		set_u32($img, $h + 8, $size);           # VirtualSize
		set_u32($img, $h + 12, 0x1000 * ($i + 1)); # VirtualAddress
		set_u32($img, $h + 16, $size);          # SizeOfRawData
		set_u32($img, $h + 20, $ptr);           # PointerToRawData
		set_u32($img, $h + 36, 0x60000020);
		substr($img, $ptr, $size) = substr($name x $size, 0, $size);
	}
	substr($img, $end, $TRAILING) = 'trailing data..!';
	if ($signed) {
		set_u32($img, $CERT_ENTRY, length($img));
		set_u32($img, $CERT_ENTRY + 4, $CERT_SIZE);
		# WIN_CERTIFICATE: dwLength, wRevision 0x0200, WIN_CERT_TYPE_PKCS_SIGNED_DATA
		$img .= pack('Vvv', $CERT_SIZE, 0x0200, 0x0002) . "\0" x ($CERT_SIZE - 8);
	}
	return $img;
}

my $unsigned = base_image(0);
my $signed = base_image(1);
my $ulen = length($unsigned);
my $slen = length($signed);
my @rows;

sub emit {
	my ($name, $bytes, $defect, $want) = @_;
	die "$name: a | or ` in the expected text breaks the README table\n" if $want =~ /[|`]/;
	my $path = "$out/$name";
	open(my $fh, '>:raw', "$path.tmp") or die "$path.tmp: $!\n";
	print $fh $bytes or die "$path.tmp: $!\n";
	close($fh) or die "$path.tmp: $!\n";
	rename("$path.tmp", $path) or die "$path: $!\n";
	push @rows, sprintf('| `%s` | %d | %s | `%s` |', $name, length($bytes), $defect, $want);
}

# A copy of $base with $sub applied to it.
sub mutate {
	my ($base, $sub) = @_;
	my $img = $base;
	$sub->($img);
	return $img;
}

# --- not a PE image at all ---
emit('empty.efi', '', 'empty file', 'offset 0x0: truncated DOS header: 0 bytes, need 64');
emit('dos-header-truncated.efi', substr($unsigned, 0, 40),
     'the first 40 bytes of the image: the DOS header ends before e_lfanew',
     'offset 0x0: truncated DOS header: 40 bytes, need 64');
emit('not-mz.efi', "This is a text file, given where a PE image was expected. It has no MZ.\n"
     . ('.' x 55) . "\n", 'a text file of 128 bytes',
     'offset 0x0: not a PE image: no MZ signature');

# --- DOS and COFF headers ---
emit('lfanew-past-end.efi', mutate($unsigned, sub { set_u32($_[0], 0x3c, 0x10000) }),
     'e_lfanew (at 0x3c) is 0x10000, past the end of the file',
     sprintf('offset 0x3c: e_lfanew 0x10000 points past the end of the file (%s bytes)',
	     hex_($ulen)));
emit('lfanew-wraps.efi', mutate($unsigned, sub { set_u32($_[0], 0x3c, 0xfffffffc) }),
     'e_lfanew is 0xfffffffc: e_lfanew + 4 wraps to 0 in 32 bits',
     'offset 0x3c: e_lfanew 0xfffffffc points past the end of the file');
emit('no-pe-signature.efi', mutate($unsigned, sub { substr($_[0], $PE, 2) = 'NE' }),
     'NE\\0\\0 instead of PE\\0\\0 where e_lfanew points (0x80)',
     'offset 0x80: no PE signature');
emit('coff-header-truncated.efi', substr($unsigned, 0, $COFF + 10),
     'file cut 10 bytes into the 20-byte COFF file header (at 0x84)',
     sprintf('offset %s: truncated COFF file header: 20 bytes, 10 left', hex_($COFF)));
emit('too-many-sections.efi', mutate($unsigned, sub { set_u16($_[0], $COFF + 2, 97) }),
     'NumberOfSections (at 0x86) is 97; the PE format allows 96',
     sprintf('offset %s: NumberOfSections 97 exceeds the 96 sections a PE image can have',
	     hex_($COFF + 2)));

# --- optional header ---
emit('optional-header-truncated.efi', substr($unsigned, 0, 0x100),
     'file cut to 0x100 bytes, inside the 240-byte optional header (at 0x98)',
     sprintf('offset %s: truncated optional header: SizeOfOptionalHeader is %d, %d bytes left',
	     hex_($OPT), $OPT_SIZE, 0x100 - $OPT));
emit('bad-magic.efi', mutate($unsigned, sub { set_u16($_[0], $OPT, 0x107) }),
     'optional header Magic is 0x107 (a ROM image), neither PE32 nor PE32+',
     sprintf('offset %s: optional header magic 0x0107 is neither PE32 (0x10b) nor PE32+ (0x20b)',
	     hex_($OPT)));
emit('optional-header-too-small.efi', mutate($unsigned, sub { set_u16($_[0], $COFF + 16, 96) }),
     'SizeOfOptionalHeader is 96, less than the 112 bytes of the fixed PE32+ fields',
     sprintf('offset %s: SizeOfOptionalHeader 96 is smaller than the 112 bytes of a PE32+ '
	     . 'optional header', hex_($OPT)));
emit('rva-count-huge.efi', mutate($unsigned, sub { set_u32($_[0], $RVA_AT, 0xffffffff) }),
     'NumberOfRvaAndSizes is 0xffffffff: its directories would need 32 GiB',
     sprintf('offset %s: NumberOfRvaAndSizes 4294967295 does not fit in the optional header '
	     . '(SizeOfOptionalHeader %d)', hex_($RVA_AT), $OPT_SIZE));
emit('section-table-past-end.efi', mutate($unsigned, sub { set_u16($_[0], $COFF + 2, 90) }),
     'NumberOfSections is 90: the section table would end past the end of the file',
     sprintf('offset %s: section table (90 entries, 3600 bytes) runs past the end of the file '
	     . '(%s bytes)', hex_($TABLE), hex_($ulen)));
emit('headers-size-past-end.efi', mutate($unsigned, sub { set_u32($_[0], $SOH_AT, 0x100000) }),
     'SizeOfHeaders is 0x100000, more than the file',
     sprintf('offset %s: SizeOfHeaders 0x100000 exceeds the file size (%s bytes)', hex_($SOH_AT),
	     hex_($ulen)));
emit('headers-size-too-small.efi', mutate($unsigned, sub { set_u32($_[0], $SOH_AT, 0x100) }),
     'SizeOfHeaders is 0x100, but the section table ends at 0x200',
     sprintf('offset %s: SizeOfHeaders 0x100 is smaller than the headers, which end with the '
	     . 'section table at %s', hex_($SOH_AT), hex_(section_header(scalar @SECTIONS))));

# --- sections ---
emit('section-past-end.efi',
     mutate($unsigned, sub { set_u32($_[0], section_header(1) + 16, 0x10000) }),
     'SizeOfRawData of .data is 0x10000: its raw data runs past the end of the file',
     sprintf('offset %s: section 1 (.data): raw data at 0x600, 0x10000 bytes, ends at 0x10600, '
	     . 'past the end of the file (%s bytes)', hex_(section_header(1)), hex_($ulen)));
emit('section-offset-wraps.efi',
     mutate($unsigned, sub { set_u32($_[0], section_header(2) + 20, 0xffffff00) }),
     'PointerToRawData of .reloc is 0xffffff00: its end wraps to 0x100 in 32 bits',
     sprintf('offset %s: section 2 (.reloc): raw data at 0xffffff00, 0x200 bytes, ends at '
	     . '0x100000100, past the end of the file', hex_(section_header(2))));
emit('section-in-headers.efi',
     mutate($unsigned, sub { set_u32($_[0], section_header(0) + 20, 0x100) }),
     'PointerToRawData of .text is 0x100, inside the headers',
     sprintf('offset %s: section 0 (.text): raw data at 0x100 starts inside the headers '
	     . '(SizeOfHeaders 0x200)', hex_(section_header(0))));
emit('sections-overlap.efi',
     mutate($unsigned, sub { set_u32($_[0], section_header(2) + 20, 0x300) }),
     'PointerToRawData of .reloc is 0x300, inside .text (0x200-0x600)',
     sprintf('offset %s: section 2 (.reloc) at 0x300-0x500 overlaps section 0 (.text) at '
	     . '0x200-0x600', hex_(section_header(2))));

# --- the certificate table ---
my $cert_at = $ulen;
my $cert_hex = hex_($cert_at);
emit('cert-past-end.efi',
     mutate($signed, sub { set_u32($_[0], $CERT_ENTRY + 4, 0x1000) }),
     'certificate table size 0x1000, but only 32 bytes follow its start',
     sprintf('offset %s: certificate table at %s, 0x1000 bytes, ends at %s, past the end of '
	     . 'the file (%s bytes)', hex_($CERT_ENTRY), hex_($cert_at), hex_($cert_at + 0x1000),
	     hex_($slen)));
emit('cert-size-wraps.efi',
     mutate($signed, sub { set_u32($_[0], $CERT_ENTRY, 0xfffffff8);
			   set_u32($_[0], $CERT_ENTRY + 4, 0x10) }),
     'certificate table at 0xfffffff8, 16 bytes: its end wraps to 8 in 32 bits',
     sprintf('offset %s: certificate table at 0xfffffff8, 0x10 bytes, ends at 0x100000008, past '
	     . 'the end of the file', hex_($CERT_ENTRY)));
emit('cert-in-headers.efi',
     mutate($signed, sub { set_u32($_[0], $CERT_ENTRY, 0x10) }),
     'certificate table at 0x10, inside the headers',
     sprintf('offset %s: certificate table at 0x10 starts inside the headers (SizeOfHeaders '
	     . '0x200)', hex_($CERT_ENTRY)));
emit('cert-overlaps-section.efi',
     mutate($signed, sub { set_u32($_[0], $CERT_ENTRY, 0x700);
			   set_u32($_[0], $CERT_ENTRY + 4, $slen - 0x700) }),
     'certificate table from 0x700 to the end of the file, over .data and .reloc',
     sprintf('offset %s: certificate table at 0x700-%s overlaps section 1 (.data) at '
	     . '0x600-0x800', hex_($CERT_ENTRY), hex_($slen)));
emit('data-after-cert.efi', $signed . 'appended garbage',
     '16 bytes appended after the certificate table',
     sprintf('offset %s: certificate table at %s-%s is followed by 0x10 bytes: it must end the '
	     . 'file', hex_($CERT_ENTRY), hex_($cert_at), hex_($slen)));

# --- README.md ---
open(my $readme, '>', "$out/README.md.tmp") or die "$out/README.md.tmp: $!\n";
print $readme <<"EOF";
# Malformed PE images

Malformed PE/COFF images, each one defect away from a small well-formed PE32+ image for
x86-64 (three sections .text, .data and .reloc at 0x200, 0x600 and 0x800, SizeOfHeaders
0x200, 16 bytes of trailing data, and in the `cert-*` and `data-after-cert` files a
32-byte certificate table at the end, at $cert_hex). The Authenticode digest of every one
of them must be refused with an error that names the file and the byte offset given here,
without a crash and without reading outside the file (run them under ASan).

Made by `make-malformed-pe.sh` (bash and perl). Do not edit the files by hand: change the
script and run it again.

Offsets are in bytes from the start of the file: that of the field that is wrong, or for
a section, of its section header; for a truncation, of the structure that does not fit.
The expected text is what follows the file name in bootchain's message (`FILE: offset
0x...: what is wrong`); `tests/unit/measure/test-pe` and
`tests/integration/measure/authenticode-vs-pesign.sh` check it.

Some of these, firmware would hash anyway: bootchain refuses the layouts where the
Authenticode digest does not cover what it seems to. Sections overlapping each other or
the headers, and a certificate table that overlaps the headers or the sections or does
not end the file: EDK2, pesign and sbsigntool find the trailing data by the table's size
alone, so in `data-after-cert.efi` they would hash the first 16 bytes of the table and
leave the appended bytes out.

| File | Size | Defect | Expected error |
|---|---|---|---|
EOF
print $readme join("\n", @rows), "\n";
close($readme) or die "$out/README.md.tmp: $!\n";
rename("$out/README.md.tmp", "$out/README.md") or die "$out/README.md: $!\n";
PERL
