#!/usr/bin/perl
# SPDX-License-Identifier: BSD-3-Clause
# A machine that lies to `bootchain attest enrol` (tests/integration/attest/enrol.sh): a
# stand-in for `attest serve` on a free loopback port (written to --port-file) that
# forwards every request to --upstream, but answers GET /v1/identity with the file of
# --identity and POST /v1/activate with the file of --answer when given; --record keeps
# the upstream's answer to an activation. One request a connection; runs until killed.
use strict;
use warnings;
use Getopt::Long;
use HTTP::Tiny;
use IO::Socket::INET;

my ($port_file, $upstream, $identity, $answer, $record);
GetOptions(
	'port-file=s' => \$port_file,
	'upstream=s'  => \$upstream,
	'identity=s'  => \$identity,
	'answer=s'    => \$answer,
	'record=s'    => \$record,
) && $port_file && $upstream or die "usage: $0 --port-file F --upstream URL [--identity F] "
  . "[--answer F] [--record F]\n";

my $srv = IO::Socket::INET->new(
	LocalAddr => '127.0.0.1',
	LocalPort => 0,
	Listen    => 16,
	ReuseAddr => 1,
	Proto     => 'tcp'
) or die "listen: $!\n";
open my $pf, '>', "$port_file.tmp" or die "$port_file.tmp: $!\n";
print $pf $srv->sockport, "\n";
close $pf;
rename "$port_file.tmp", $port_file or die "$port_file: $!\n";

my $http = HTTP::Tiny->new(timeout => 20);

sub slurp {
	local $/;
	open my $f, '<', $_[0] or die "$_[0]: $!\n";
	binmode $f;
	return scalar <$f>;
}

sub respond {
	my ($c, $status, $body) = @_;
	print $c "HTTP/1.1 $status\r\nContent-Type: application/json\r\n"
	  . "Content-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body";
}

while (my $c = $srv->accept) {
	binmode $c;
	my $line = <$c>;
	next unless defined $line;
	my ($method, $path) = split / /, $line;
	my (%h, $body);
	while (my $l = <$c>) {
		$l =~ s/\r?\n$//;
		last if $l eq '';
		my ($k, $v) = split /:\s*/, $l, 2;
		$h{lc $k} = $v;
	}
	print $c "HTTP/1.1 100 Continue\r\n\r\n" if ($h{expect} // '') =~ /100-continue/i;
	$body = '';
	read($c, $body, $h{'content-length'}) if $h{'content-length'};
	if ($path eq '/v1/identity' && $identity) {
		respond($c, '200 OK', slurp($identity));
	} elsif ($path eq '/v1/activate' && $answer) {
		respond($c, '200 OK', slurp($answer));
	} else {
		my %headers = map { $_ => $h{$_} } grep { defined $h{$_} } qw(authorization content-type);
		my $r = $http->request($method, "$upstream$path",
			{headers => \%headers, length($body) ? (content => $body) : ()});
		if ($path eq '/v1/activate' && $record && $r->{status} == 200) {
			open my $f, '>', $record or die "$record: $!\n";
			print $f $r->{content};
			close $f;
		}
		respond($c, "$r->{status} $r->{reason}", $r->{content} // '');
	}
	close $c;
}
