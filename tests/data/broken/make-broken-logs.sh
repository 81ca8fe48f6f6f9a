#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Derive the malformed event logs of tests/data/broken/ (and their README.md) from real
# firmware logs, the tpm2-tools test fixtures (BSD-3-Clause) at commit
# bc25f7149372002d4d595195b2d09a1a6d18bca1, test/integration/fixtures/:
#
#   tests/data/broken/make-broken-logs.sh [DIR_WITH_THE_REAL_LOGS]
#
# (default: tests/data/eventlogs). The base logs are checked against their SHA-256, so
# the output is always the same bytes; the results are committed, this script only says
# how they were made. Each file has exactly one defect. The event number and byte
# offsets in README.md are computed here from the format, as the file is cut, not by
# running a parser. Needs bash and perl (no Python: a fresh Debian may not have it).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../eventlogs}
[ -d "$src" ] || { echo "${0##*/}: $src: no such directory" >&2; exit 2; }

exec perl -w - "$src" "$here" <<'PERL'
use strict;

$SIG{__DIE__} = sub { print STDERR "make-broken-logs.sh: $_[0]"; exit 1 };
my ($src, $out) = @ARGV;

my %base_sha256 = (
	'event-sd-boot-fedora37.bin' => 'e62ca8efa2b0f7cb3ff822171cd6b453d7b46caf47ae1fb9440dce45e3abaf26',
	'event.bin' => 'd39ce8cc6b52ae1fefece4beeb5c4ecf67f2be1bdffcc3899ed20a4b14bfb6b7',
	'event-uefi-sha1-log.bin' => '297f30105dfd54c9cce2251e23770cfe69b2462c08814c2184aa134c82882456',
);
my %alg_name = (0x0004 => 'sha1', 0x000b => 'sha256', 0x000c => 'sha384', 0x000d => 'sha512',
		0x0012 => 'sm3_256');

sub sha256_hex {
	my ($path) = @_;
	my $h = `openssl dgst -sha256 -r "$path"`;
	die "openssl dgst failed for $path\n" if $? != 0;
	return (split / /, $h)[0];
}

sub slurp {
	my ($name) = @_;
	my $path = "$src/$name";
	open(my $fh, '<:raw', $path) or die "$path: $!\n";
	local $/;
	my $d = <$fh>;
	close($fh);
	my $got = sha256_hex($path);
	die "$path: SHA-256 $got, expected $base_sha256{$name}: not the tpm2-tools fixture\n"
	    if $got ne $base_sha256{$name};
	return $d;
}

sub u32 { unpack('V', substr($_[0], $_[1], 4)) }
sub u16 { unpack('v', substr($_[0], $_[1], 2)) }
sub set_u32 { substr($_[0], $_[1], 4) = pack('V', $_[2]) }
sub set_u16 { substr($_[0], $_[1], 2) = pack('v', $_[2]) }
sub set_u8 { substr($_[0], $_[1], 1) = pack('C', $_[2]) }

# The layout of a well-formed log: the Spec ID event's fields, and for every event the
# offsets of its fields. Events are numbered as tpm2_eventlog's EventNum and
# bootchain's bc_event.number: 0 is the first record (the Spec ID event of a
# crypto-agile log, the first event of a SHA-1 log).
sub layout {
	my ($d) = @_;
	my (%spec, @ev);
	my $o = 0;
	my $agile = length($d) >= 48 && u32($d, 4) == 3 && substr($d, 32, 16) eq "Spec ID Event03\0";
	if ($agile) {
		my $n = u32($d, 56);
		%spec = (event_size_off => 28, event_size => u32($d, 28), count_off => 56,
			 count => $n, algs => [], data_off => 32);
		for my $i (0 .. $n - 1) {
			my $a = 60 + 4 * $i;
			push @{$spec{algs}}, { alg => u16($d, $a), alg_off => $a,
					       size => u16($d, $a + 2), size_off => $a + 2 };
		}
		$spec{vendor_size_off} = 60 + 4 * $n;
		$o = 32 + $spec{event_size};
		push @ev, { off => 0, end => $o };
	}
	my %size = map { $_->{alg} => $_->{size} } @{$spec{algs} || []};
	while ($o < length($d)) {
		my %e = (off => $o, pcr => u32($d, $o), type => u32($d, $o + 4));
		my $p;
		if ($agile) {
			$e{count_off} = $o + 8;
			$e{count} = u32($d, $o + 8);
			$p = $o + 12;
			for (1 .. $e{count}) {
				my $alg = u16($d, $p);
				push @{$e{digests}}, { alg => $alg, alg_off => $p, bytes_off => $p + 2,
						       size => $size{$alg} };
				$p += 2 + $size{$alg};
			}
		} else {
			$e{digests} = [{ alg => 4, alg_off => undef, bytes_off => $o + 8, size => 20 }];
			$p = $o + 28;
		}
		$e{size_off} = $p;
		$e{size} = u32($d, $p);
		$e{data_off} = $p + 4;
		$e{end} = $p + 4 + $e{size};
		die "base log does not parse at offset $o\n" if $e{end} > length($d);
		push @ev, \%e;
		$o = $e{end};
	}
	return (\%spec, \@ev);
}

my @rows;

sub hexoff { sprintf('%d (0x%x)', $_[0], $_[0]) }

# Write one broken log and its README row. event and offsets: where a parser must
# report the defect (record = start of the event's header; field = the bad field or
# the first byte that is missing).
sub emit {
	my (%a) = @_;
	my $path = "$out/$a{name}";
	my $tmp = "$path.tmp";
	open(my $fh, '>:raw', $tmp) or die "$tmp: $!\n";
	print $fh $a{bytes} or die "$tmp: $!\n";
	close($fh) or die "$tmp: $!\n";
	rename($tmp, $path) or die "$path: $!\n";
	push @rows, sprintf("| `%s` | %d | %s | %s | %s | %s | %s |", $a{name}, length($a{bytes}),
			    $a{base}, $a{defect},
			    defined $a{event} ? $a{event} : '-',
			    defined $a{record} ? hexoff($a{record}) : '-',
			    defined $a{field} ? hexoff($a{field}) : '-');
}

my $fedora_name = 'event-sd-boot-fedora37.bin';
my $fedora = slurp($fedora_name);
my ($fspec, $fev) = layout($fedora);
my $four_name = 'event.bin';
my $four = slurp($four_name);
my ($four_spec, $four_ev) = layout($four);
my $sha1_name = 'event-uefi-sha1-log.bin';
my $sha1 = slurp($sha1_name);
my (undef, $sha1_ev) = layout($sha1);

die "unexpected base layout\n"
    unless @$fev == 28 && $fspec->{count} == 1 && $fspec->{algs}[0]{alg} == 0x000b
	&& @$four_ev == 2 && $four_spec->{count} == 4 && @$sha1_ev == 17;
my $fedora_banks = 1;

# --- no log at all ---

emit(name => 'empty.bin', bytes => '', base => '-', event => 0, record => 0, field => 0,
     defect => 'empty file (0 bytes): no Spec ID event, no event; not a log');

my $text = "# bootchain\n\nMeasured and trusted boot chains for TPM 2.0: this is a text\n"
	 . "file, a README given where an event log was expected.\n";
{
	my ($pcr, $size) = (u32($text, 0), u32($text, 28));
	emit(name => 'text-readme.bin', bytes => $text, base => '-', event => 0, record => 0,
	     field => 0,
	     defect => sprintf('a text file (README): read as a SHA-1 format record, PCRIndex '
			       . '0x%08x (%d) is out of range (0-23) at offset 0, and its EventSize '
			       . '%d at offset 28 exceeds the %d bytes left',
			       $pcr, $pcr, $size, length($text) - 32));
}

emit(name => 'zeros-4096.bin', bytes => "\0" x 4096, base => '-', event => 0, record => 0,
     field => 0,
     defect => '4096 zero bytes: no Spec ID event and no event, only what securityfs '
	     . 'padding looks like; must not be read as 128 EV_PREBOOT_CERT events of PCR 0');

# --- truncations ---
{
	my $cut = 32 + 20; # header, signature and platformClass of the Spec ID event
	emit(name => 'truncated-specid.bin', bytes => substr($fedora, 0, $cut),
	     base => $fedora_name, event => 0, record => 0, field => 28,
	     defect => sprintf('file cut to %d bytes, inside the Spec ID event (after its signature '
			       . 'and platformClass): its EventSize %d exceeds the %d bytes left', $cut,
			       $fspec->{event_size}, $cut - 32));
}
{
	my $e = $fev->[5];
	my $cut = $e->{off} + 6;
	emit(name => 'truncated-event-header.bin', bytes => substr($fedora, 0, $cut),
	     base => $fedora_name, event => 5, record => $e->{off}, field => $e->{off},
	     defect => sprintf('cut 6 bytes into the header of event 5 (inside EventType): '
			       . 'the 12 bytes of PCRIndex, EventType and digest count do not fit in '
			       . 'the 6 left'));
}
{
	my $e = $fev->[20];
	my $cut = $e->{size_off} + 2;
	emit(name => 'truncated-event-size.bin', bytes => substr($fedora, 0, $cut),
	     base => $fedora_name, event => 20, record => $e->{off}, field => $e->{size_off},
	     defect => 'cut in the middle of the EventSize field of event 20: 2 of its 4 bytes '
		     . 'left');
}
{
	my $e = $four_ev->[1];
	my $d = $e->{digests}[1]; # sha256, after a complete sha1 digest
	my $cut = $d->{bytes_off} + 10;
	emit(name => 'truncated-digest.bin', bytes => substr($four, 0, $cut),
	     base => $four_name, event => 1, record => $e->{off}, field => $d->{bytes_off},
	     defect => sprintf('cut inside the second digest (%s, its algorithm ID at offset %d) '
			       . 'of event 1: its %d digest bytes start at the field offset, 10 are '
			       . 'left', $alg_name{$d->{alg}}, $d->{alg_off}, $d->{size}));
}
{
	my $e = $fev->[27];
	my $cut = $e->{data_off} + 25;
	emit(name => 'truncated-event-data.bin', bytes => substr($fedora, 0, $cut),
	     base => $fedora_name, event => 27, record => $e->{off}, field => $e->{size_off},
	     defect => sprintf('torn tail: cut inside the event data of the last event (27): '
			       . 'EventSize %d exceeds the 25 bytes left', $e->{size}));
}
{
	my $e = $sha1_ev->[5];
	my $cut = $e->{data_off} + 1000;
	emit(name => 'truncated-sha1-log.bin', bytes => substr($sha1, 0, $cut),
	     base => $sha1_name, event => 5, record => $e->{off}, field => $e->{size_off},
	     defect => sprintf('SHA-1 format log (no Spec ID event) cut inside the data of '
			       . 'event 5 (EV_EFI_VARIABLE_DRIVER_CONFIG): EventSize %d exceeds the '
			       . '1000 bytes left after the field (%d from the start of the event)',
			       $e->{size}, $cut - $e->{off}));
}

# --- bad event fields (the file is otherwise intact) ---
{
	my $d = $fedora;
	my $e = $fev->[10];
	set_u32($d, $e->{count_off}, $fedora_banks + 1);
	emit(name => 'digest-count-too-large.bin', bytes => $d, base => $fedora_name, event => 10,
	     record => $e->{off}, field => $e->{count_off},
	     defect => sprintf('event 10 has a digest count of %d; the Spec ID event declares %d '
			       . 'bank (sha256)', $fedora_banks + 1, $fedora_banks));
}
{
	my $d = $fedora;
	my $e = $fev->[16];
	set_u32($d, $e->{count_off}, 0xffffffff);
	emit(name => 'digest-count-huge.bin', bytes => $d, base => $fedora_name, event => 16,
	     record => $e->{off}, field => $e->{count_off},
	     defect => 'event 16 has a digest count of 4294967295 (0xffffffff); the Spec ID '
		     . 'event declares 1 bank');
}
{
	my $d = $fedora;
	my $e = $fev->[12];
	set_u16($d, $e->{digests}[0]{alg_off}, 0x0012);
	emit(name => 'digest-alg-undeclared.bin', bytes => $d, base => $fedora_name, event => 12,
	     record => $e->{off}, field => $e->{digests}[0]{alg_off},
	     defect => 'the digest of event 12 is of algorithm 0x0012 (sm3_256, also 32 bytes), '
		     . 'which the Spec ID event does not declare (it declares sha256 only): its '
		     . 'size is unknown to the log');
}
{
	my $d = $fedora;
	my $e = $fev->[13];
	set_u32($d, $e->{size_off}, 0xffffffff);
	emit(name => 'event-size-4gib.bin', bytes => $d, base => $fedora_name, event => 13,
	     record => $e->{off}, field => $e->{size_off},
	     defect => sprintf('EventSize of event 13 is 4294967295 (0xffffffff, 4 GiB); %d bytes '
			       . 'are left', length($d) - $e->{data_off}));
}
{
	my $d = $fedora;
	my $e = $fev->[27];
	set_u32($d, $e->{size_off}, $e->{size} + 1);
	emit(name => 'event-size-past-end.bin', bytes => $d, base => $fedora_name, event => 27,
	     record => $e->{off}, field => $e->{size_off},
	     defect => sprintf('EventSize of the last event (27) is %d, one byte more than the %d '
			       . 'left', $e->{size} + 1, $e->{size}));
}
{
	my $d = $fedora;
	my $e = $fev->[14];
	set_u32($d, $e->{off}, 0xffffffff);
	emit(name => 'pcr-index-ffffffff.bin', bytes => $d, base => $fedora_name, event => 14,
	     record => $e->{off}, field => $e->{off},
	     defect => 'event 14 (EV_EFI_VARIABLE_BOOT) claims PCRIndex 4294967295 '
		     . '(0xffffffff); PCRs are 0-23');
}
{
	my $garbage = "this is not an event: trailing garbage after the last event\n";
	my $o = length($fedora);
	emit(name => 'trailing-garbage.bin', bytes => $fedora . $garbage, base => $fedora_name,
	     event => 28, record => $o, field => $o,
	     defect => sprintf('%d bytes of non-zero garbage (text) after the last event (27); '
			       . 'read as event 28 its PCRIndex is 0x%08x, out of range, and its '
			       . 'digest count %d (offset %d) exceeds the 1 bank', length($garbage),
			       u32($garbage, 0), u32($garbage, 8), $o + 8));
}

# --- bad Spec ID events ---
{
	# numberOfAlgorithms 0, the event otherwise consistent: EventSize 29, no algorithms
	my $spec = substr($fedora, 32, 24) . pack('V', 0) . "\0";
	my $d = substr($fedora, 0, 28) . pack('V', length($spec)) . $spec
	      . substr($fedora, $fev->[1]{off});
	emit(name => 'specid-zero-algorithms.bin', bytes => $d, base => $fedora_name, event => 0,
	     record => 0, field => 56,
	     defect => 'Spec ID event with numberOfAlgorithms 0 (EventSize 29 to match, '
		     . 'vendorInfoSize 0): a crypto-agile log needs at least one bank');
}
{
	my $d = $fedora;
	set_u32($d, $fspec->{count_off}, 0xffffffff);
	emit(name => 'specid-huge-algorithms.bin', bytes => $d, base => $fedora_name, event => 0,
	     record => 0, field => $fspec->{count_off},
	     defect => sprintf('Spec ID event with numberOfAlgorithms 4294967295 (0xffffffff): '
			       . '4 bytes each do not fit in its EventSize of %d',
			       $fspec->{event_size}));
}
for my $size (0, 65535) {
	my $d = $fedora;
	my $a = $fspec->{algs}[0];
	set_u16($d, $a->{size_off}, $size);
	emit(name => "specid-digest-size-$size.bin", bytes => $d, base => $fedora_name,
	     event => 0, record => 0, field => $a->{size_off},
	     defect => sprintf('Spec ID event declares sha256 with a digestSize of %d '
			       . '(sha256 digests are 32 bytes; %s)', $size,
			       $size ? 'no digest has 65535' : 'no digest is empty'));
}
{
	my $d = $fedora;
	my $left = 32 + $fspec->{event_size} - $fspec->{vendor_size_off} - 1;
	set_u8($d, $fspec->{vendor_size_off}, 255);
	emit(name => 'specid-vendorinfo-past-end.bin', bytes => $d, base => $fedora_name,
	     event => 0, record => 0, field => $fspec->{vendor_size_off},
	     defect => sprintf('Spec ID event with vendorInfoSize 255; %d bytes of its EventSize '
			       . '(%d) are left after the field', $left, $fspec->{event_size}));
}

# --- README.md ---
my $readme = "$out/README.md";
open(my $fh, '>', "$readme.tmp") or die "$readme.tmp: $!\n";
print $fh <<'EOT';
# Broken event logs

Malformed TCG PC Client event logs (TCG PC Client Platform Firmware Profile, section
10), each with one defect. A parser must reject every one of them with an error that
names the event and the byte offset given here, must not crash, hang or read outside the
file (run them under ASan), and a replay must not return PCR values for them.

Made by `make-broken-logs.sh` (bash and perl) from the real logs of the tpm2-tools test
fixtures (BSD-3-Clause; see `tests/data/eventlogs`): `event-sd-boot-fedora37.bin`
(crypto-agile, sha256 only, events 0-27), `event.bin` (crypto-agile, sha1, sha256,
sha384 and sha512, events 0-1) and `event-uefi-sha1-log.bin` (SHA-1 format, no Spec ID
event, events 0-16). Do not edit the files by hand: change the script and run it again.

Event numbers are those of tpm2_eventlog's `EventNum` and bootchain's `bc_event.number`:
0 is the first record, i.e. the Spec ID event in a crypto-agile log. "Record" is the
offset of the start of that event's header; "field" is the offset of the field that is
wrong or, for a truncation, of the field that does not fit in what is left. Offsets are
in bytes from the start of the file; all integers in a log are little-endian. Where a
row names two defects of the same event, reporting either is right.

For comparison, tpm2_eventlog (tpm2-tools 5.4, Debian) rejects most of them but accepts
`digest-alg-undeclared.bin`, `specid-digest-size-0.bin`, `specid-digest-size-65535.bin`
and `zeros-4096.bin` (exit 0, with PCR values), and crashes on `text-readme.bin`
(SIGSEGV): it is no oracle for these files.

| File | Size | Base | Defect | Event | Record | Field |
|---|---|---|---|---|---|---|
EOT
print $fh "$_\n" for @rows;
close($fh) or die "$readme.tmp: $!\n";
rename("$readme.tmp", $readme) or die "$readme: $!\n";
print scalar(@rows), " broken logs written to $out\n";
PERL
