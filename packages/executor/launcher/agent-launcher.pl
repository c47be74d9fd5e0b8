#!/usr/bin/perl
# vigil's agent launcher: a small fork server that starts agents for vigild, so that each
# agent is forked from this ~5 MiB process instead of the ~80 MiB daemon (a fork copies the
# parent's page tables; at 1 s monitors that cost is most of an idle node's CPU).
#
# Contract and protocol: packages/executor/src/process/launcher-protocol.ts. In short, frames
# are a 4-byte big-endian length then a payload: a type letter, then fields separated by NUL.
#   from vigild: S (start a job), C (forget a job whose pipes are still held after it exited)
#   to vigild:   R (ready), P (started: pid), E (could not start: errno), O (output), T (output
#                capped), X (exited: raw wait status), D (done: both pipes closed)
# The launcher exits when its stdin closes (vigild is gone); jobs already started keep running,
# as they would have if vigild had forked them itself.
# Only perl-base modules are used (Debian marks perl-base Essential).
use strict;
use warnings;
use POSIX ();
use Errno qw(EINTR EAGAIN EWOULDBLOCK);
use Fcntl qw(F_GETFL F_SETFL O_NONBLOCK);

use constant MAX_FRAME_BYTES => 16 * 1024 * 1024;
use constant READ_CHUNK_BYTES => 65536;
# While a job has not been reaped, wake at least this often: a SIGCHLD that lands between the
# last waitpid and select does not interrupt select.
use constant REAP_POLL_S => 0.25;

$SIG{PIPE} = 'IGNORE';
$SIG{CHLD} = sub { };    # only to interrupt select (EINTR); reaping is in reap()

my %jobs;       # id => { pid, out => { 1 => fh, 2 => fh }, sent => { 1 => n, 2 => n }, max, capped, exited }
my %job_of;     # pid => id, for children not yet reaped
my %readers;    # fileno => [id, stream, fh]
my %writers;    # fileno => [id, fh, pending bytes]
my $requests = '';

binmode STDIN;
binmode STDOUT;

# Frames wait here and go out in one write per loop turn: an agent's last output, its exit and
# its end of output usually reach vigild in one wake-up.
my $outbox = '';

sub send_frame {
    $outbox .= pack('N', length $_[0]) . $_[0];
}

sub flush_frames {
    my $off = 0;
    while ($off < length $outbox) {
        my $n = syswrite(STDOUT, $outbox, length($outbox) - $off, $off);
        if (!defined $n) {
            next if $! == EINTR;
            exit 0;    # vigild is gone
        }
        $off += $n;
    }
    $outbox = '';
}

sub nonblocking {
    my $fh = shift;
    my $flags = fcntl($fh, F_GETFL, 0) or die "fcntl: $!";
    fcntl($fh, F_SETFL, $flags | O_NONBLOCK) or die "fcntl: $!";
}

sub finish_if_done {
    my $id = shift;
    my $j = $jobs{$id} or return;
    return unless $j->{exited} && !%{ $j->{out} };
    send_frame("D$id");
    delete $jobs{$id};
}

sub close_stream {
    my ($id, $stream) = @_;
    my $j = $jobs{$id} or return;
    my $fh = delete $j->{out}{$stream} or return;
    delete $readers{ fileno $fh };
    close $fh;
}

sub reap {
    while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
        my $status = $?;
        my $id = delete $job_of{$pid};
        next unless defined $id && $jobs{$id};
        $jobs{$id}{exited} = 1;
        send_frame("X$id\0$status");
        finish_if_done($id);
    }
}

sub start_job {
    my @f = split /\0/, $_[0], -1;
    my ($id, $cwd, $max, $has_stdin, $cmd, $nargs) = splice @f, 0, 6;
    my @args = splice @f, 0, $nargs;
    my $nenv = shift @f;
    my %env;
    for (splice @f, 0, $nenv) {
        my ($k, $v) = split /=/, $_, 2;
        $env{$k} = $v;
    }
    my $stdin = join "\0", @f;    # the rest, NULs and all

    pipe(my $out_r, my $out_w) or return send_frame("E$id\0" . ($! + 0) . "\0pipe: $!");
    pipe(my $err_r, my $err_w) or return send_frame("E$id\0" . ($! + 0) . "\0pipe: $!");
    pipe(my $exec_r, my $exec_w) or return send_frame("E$id\0" . ($! + 0) . "\0pipe: $!");
    my ($in_r, $in_w);
    if ($has_stdin) {
        pipe($in_r, $in_w) or return send_frame("E$id\0" . ($! + 0) . "\0pipe: $!");
    }
    my $pid = fork();
    if (!defined $pid) {
        return send_frame("E$id\0" . ($! + 0) . "\0fork: $!");
    }
    if ($pid == 0) {
        # The child: its own session and process group, the job's pipes on 0/1/2, exactly the
        # given environment, default signal dispositions. Every other descriptor of this
        # process is close-on-exec (perl opens them so above $^F).
        my $fail = sub {
            my $errno = $! + 0;
            syswrite($exec_w, pack('N', $errno) . $_[0]);
            POSIX::_exit(127);
        };
        $SIG{$_} = 'DEFAULT' for qw(PIPE CHLD);
        POSIX::setsid() or $fail->('setsid');
        chdir($cwd) or $fail->('chdir');
        my $in_fd = $has_stdin ? fileno($in_r) : POSIX::open('/dev/null', POSIX::O_RDONLY());
        defined $in_fd or $fail->('open /dev/null');
        defined POSIX::dup2($in_fd, 0) or $fail->('dup2');
        defined POSIX::dup2(fileno($out_w), 1) or $fail->('dup2');
        defined POSIX::dup2(fileno($err_w), 2) or $fail->('dup2');
        %ENV = %env;
        { no warnings 'exec'; exec { $cmd } $cmd, @args; }
        $fail->('exec');
    }
    close $out_w;
    close $err_w;
    close $exec_w;
    close $in_r if $has_stdin;
    # Until exec succeeds the child holds the write end; EOF with nothing read means it did.
    my $report = '';
    for (;;) {
        my $n = sysread($exec_r, $report, 512, length $report);
        last if defined $n && $n == 0;
        next if !defined $n && $! == EINTR;
        last unless defined $n;
    }
    close $exec_r;
    if (length $report >= 4) {
        my $errno = unpack('N', $report);
        my $step = substr($report, 4);
        waitpid($pid, 0);
        close $out_r;
        close $err_r;
        close $in_w if $has_stdin;
        local $! = $errno;
        return send_frame("E$id\0$errno\0$step: $!");
    }
    $jobs{$id} = { pid => $pid, out => { 1 => $out_r, 2 => $err_r }, sent => { 1 => 0, 2 => 0 },
                   max => $max, capped => 0, exited => 0 };
    $job_of{$pid} = $id;
    for ([1, $out_r], [2, $err_r]) {
        nonblocking($_->[1]);
        $readers{ fileno $_->[1] } = [$id, $_->[0], $_->[1]];
    }
    if ($has_stdin) {
        if (length $stdin) {
            nonblocking($in_w);
            $writers{ fileno $in_w } = [$id, $in_w, $stdin];
        } else {
            close $in_w;
        }
    }
    send_frame("P$id\0$pid");
}

sub forget_job {
    my $id = shift;
    my $j = $jobs{$id} or return;
    close_stream($id, $_) for keys %{ $j->{out} };
    delete $jobs{$id};    # if it has not been reaped yet, reap() drops it silently
}

sub handle_requests {
    while (length $requests >= 4) {
        my $len = unpack('N', $requests);
        die "agent-launcher: request of $len bytes exceeds " . MAX_FRAME_BYTES . "\n" if $len > MAX_FRAME_BYTES;
        last if length $requests < 4 + $len;
        my $frame = substr($requests, 4, $len);
        substr($requests, 0, 4 + $len) = '';
        my $type = substr($frame, 0, 1);
        if ($type eq 'S') { start_job(substr($frame, 1)) }
        elsif ($type eq 'C') { forget_job(substr($frame, 1)) }
        else { die "agent-launcher: unknown request type '$type'\n" }
    }
}

sub read_output {
    my ($id, $stream, $fh) = @_;
    my $n = sysread($fh, my $buf, READ_CHUNK_BYTES);
    return if !defined $n && ($! == EINTR || $! == EAGAIN || $! == EWOULDBLOCK);
    if (!$n) {
        close_stream($id, $stream);
        finish_if_done($id);
        return;
    }
    my $j = $jobs{$id};
    my $room = $j->{max} - $j->{sent}{$stream};
    if ($room < $n) {
        send_frame("T$id\0$stream") unless $j->{capped}++;
        $buf = substr($buf, 0, $room > 0 ? $room : 0);
    }
    return unless length $buf;
    $j->{sent}{$stream} += length $buf;
    send_frame("O$id\0$stream\0$buf");
}

sub write_stdin {
    my $fd = shift;
    my $w = $writers{$fd};
    my $n = syswrite($w->[1], $w->[2]);
    return if !defined $n && ($! == EINTR || $! == EAGAIN || $! == EWOULDBLOCK);
    if (defined $n) {
        substr($w->[2], 0, $n) = '';
        return if length $w->[2];
    }
    # all written, or the child does not read it (EPIPE): either way, stdin ends here
    delete $writers{$fd};
    close $w->[1];
}

send_frame("R1\0$$");
for (;;) {
    reap();
    flush_frames();
    my ($rin, $win) = ('', '');
    vec($rin, fileno(STDIN), 1) = 1;
    vec($rin, $_, 1) = 1 for keys %readers;
    vec($win, $_, 1) = 1 for keys %writers;
    my $n = select(my $rout = $rin, my $wout = $win, undef, %job_of ? REAP_POLL_S : undef);
    if ($n < 0) {
        next if $! == EINTR;
        die "agent-launcher: select: $!\n";
    }
    next if $n == 0;
    for my $fd (keys %writers) {
        write_stdin($fd) if vec($wout, $fd, 1);
    }
    for my $fd (keys %readers) {
        my $r = $readers{$fd} or next;
        read_output(@$r) if vec($rout, $fd, 1);
    }
    if (vec($rout, fileno(STDIN), 1)) {
        my $got = sysread(STDIN, $requests, READ_CHUNK_BYTES, length $requests);
        if (defined $got && $got == 0) { exit 0 }    # vigild is gone
        if (!defined $got) {
            next if $! == EINTR || $! == EAGAIN;
            exit 0;
        }
        handle_requests();
    }
}
