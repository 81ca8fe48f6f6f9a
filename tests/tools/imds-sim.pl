#!/usr/bin/perl
# SPDX-License-Identifier: BSD-3-Clause
# A stand-in for Azure's Instance Metadata Service as a TDX guest uses it for TD quotes
# (POST /acc/tdquote, attest/keep-azure.h), for tests/integration/attest/
# keep-azure-tdquote.sh: it listens on a free loopback port (written to --port-file)
# and answers every request from the files of --dir, read again each time so that a
# test changes the answer without a restart: the status line from DIR/status ("200 OK"
# when there is none) and the body from DIR/answer (empty when there is none). It
# keeps what it was sent: the request line appended to DIR/requests, the headers of
# the last request in DIR/headers (lower-case names) and its body in DIR/request. One
# request a connection; runs until killed.
use strict;
use warnings;
use Getopt::Long;
use IO::Socket::INET;

my ($port_file, $dir);
GetOptions('port-file=s' => \$port_file, 'dir=s' => \$dir) && $port_file && $dir
  or die "usage: $0 --port-file F --dir D\n";

my $srv = IO::Socket::INET->new(
	LocalAddr => '127.0.0.1',
	LocalPort => 0,
	Listen    => 16,
	ReuseAddr => 1,
	Proto     => 'tcp'
) or die "listen: $!\n";

sub slurp {
	my ($path, $default) = @_;
	local $/;
	open my $f, '<', $path or return $default;
	binmode $f;
	return scalar <$f>;
}

sub spit {
	my ($path, $mode, $text) = @_;
	open my $f, $mode, $path or die "$path: $!\n";
	binmode $f;
	print $f $text;
	close $f or die "$path: $!\n";
}

spit("$port_file.tmp", '>', $srv->sockport . "\n");
rename "$port_file.tmp", $port_file or die "$port_file: $!\n";

while (my $c = $srv->accept) {
	binmode $c;
	my $line = <$c>;
	next unless defined $line;
	$line =~ s/\r?\n$//;
	my (%h, $headers);
	$headers = '';
	while (my $l = <$c>) {
		$l =~ s/\r?\n$//;
		last if $l eq '';
		my ($k, $v) = split /:\s*/, $l, 2;
		$h{lc $k} = $v;
		$headers .= lc($k) . ": $v\n";
	}
	print $c "HTTP/1.1 100 Continue\r\n\r\n" if ($h{expect} // '') =~ /100-continue/i;
	my $body = '';
	read($c, $body, $h{'content-length'}) if $h{'content-length'};
	spit("$dir/requests", '>>', "$line\n");
	spit("$dir/headers",  '>',  $headers);
	spit("$dir/request",  '>',  $body);
	my $status = slurp("$dir/status", "200 OK");
	$status =~ s/\s+$//;
	my $answer = slurp("$dir/answer", '');
	print $c "HTTP/1.1 $status\r\nContent-Type: application/json\r\n"
	  . "Content-Length: " . length($answer) . "\r\nConnection: close\r\n\r\n$answer";
	close $c;
}
