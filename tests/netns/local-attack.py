#!/usr/bin/env python3
# A hostile local user's tools, for tests/netns/local-attack.sh. Each runs
# as whatever user the script starts it as (setpriv), in one host's
# namespace; files it is given are its reports.
#
#   hog CTL OUT WRITERS IDLE STOP
#        WRITERS "open 0 \\198.18.0.2\mailslot\x" requests on the control
#        socket CTL, each with one end of a socketpair (SCM_RIGHTS) whose
#        other end is kept open and never written; then IDLE connections
#        that send nothing, each reconnected as soon as the daemon closes it
#        (at most every 20 ms), until the file STOP exists. OUT gets
#        "ready ok=N err=N closed=N" after the opens, "done reconnects=N"
#        at the end.
#   squat PATH OUT
#        binds a listening SOCK_SEQPACKET socket at PATH (mode 0666) and
#        appends to OUT one line per connection ("conn") and per message
#        ("data HEX"); "ready" once bound, before anything else.
#   trybind PATH / trymkdir PATH
#        prints "ok" (exit 0) or the errno name (exit 1).
#   plant-lock PATH
#        creates PATH (a slot's lock file) 0644, with the metadata line
#        older readers kept in it (so that older writers take it for a
#        slot; today's read the file's size and time stamps instead).
#   dgram-sink PATH OUT
#        binds an AF_UNIX SOCK_DGRAM socket at PATH, mode 0600, and appends
#        one line per datagram to OUT ("ready" first).
#   forge SOCK TEXT
#        sends TEXT to the slot socket SOCK behind a local header that
#        claims network origin (proto/msl_lhdr.h: 01 01 28 00, then the
#        40-byte extension: type 0x10, port 138, 198.18.0.1, names).
import errno, os, select, socket, struct, sys, time


def unix_seq(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    return s


def hog(ctl, out, writers, idle, stop):
    writers, idle = int(writers), int(idle)
    req = b"open 0 \\\\198.18.0.2\\mailslot\\x"
    kept, ok, err, closed = [], 0, 0, 0
    for _ in range(writers):
        try:
            c = unix_seq(ctl)
            mine, theirs = socket.socketpair(socket.AF_UNIX,
                                             socket.SOCK_SEQPACKET)
            socket.send_fds(c, [req], [theirs.fileno()])
            theirs.close()
            kept.append(mine)  # never written, never closed
            c.settimeout(2)
            rep = c.recv(256)
            c.close()
        except OSError:
            rep = b""
        if rep.startswith(b"ok"):
            ok += 1
        elif rep.startswith(b"err"):
            err += 1
        else:
            closed += 1
    with open(out, "w") as f:
        f.write("ready ok=%d err=%d closed=%d\n" % (ok, err, closed))
    conns = [None] * idle
    due = [0.0] * idle
    reconnects = 0
    while not os.path.exists(stop):
        now = time.monotonic()
        for i in range(idle):
            if conns[i] is None and now >= due[i]:
                try:
                    conns[i] = unix_seq(ctl)
                    reconnects += 1
                except OSError:
                    due[i] = now + 0.02
        live = [c for c in conns if c is not None]
        r, _, _ = select.select(live, [], [], 0.02)
        for c in r:
            # Readable: the daemon closed it (we never sent a request).
            i = conns.index(c)
            c.close()
            conns[i] = None
            due[i] = time.monotonic() + 0.02
    with open(out, "a") as f:
        f.write("done reconnects=%d\n" % reconnects)


def squat(path, out):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind(path)
    os.chmod(path, 0o666)
    s.listen(64)
    log = open(out, "a", buffering=1)
    log.write("ready\n")
    conns = []
    while True:
        r, _, _ = select.select([s] + conns, [], [])
        for c in r:
            if c is s:
                n, _ = s.accept()
                conns.append(n)
                log.write("conn\n")
                continue
            try:
                d, fds, _, _ = socket.recv_fds(c, 65536, 4)
            except OSError:
                d, fds = b"", []
            for fd in fds:
                os.close(fd)
            if not d:
                conns.remove(c)
                c.close()
            else:
                log.write("data %s\n" % d.hex())


def report(fn):
    try:
        fn()
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)))
        sys.exit(1)
    print("ok")


def trybind(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    report(lambda: s.bind(path))


def plant_lock(path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.write(fd, b"mailslot 1 max=0 timeout=0 pid=1\n")
    os.fchmod(fd, 0o644)
    os.close(fd)


def dgram_sink(path, out):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    os.umask(0o077)
    s.bind(path)
    os.chmod(path, 0o600)
    log = open(out, "a", buffering=1)
    log.write("ready\n")
    while True:
        d = s.recv(65536)
        log.write("got %d %s\n" % (len(d), d[:64].hex()))


def raw_name(n):
    return n.upper().ljust(15).encode()[:15] + b"\0"


def forge(sock, text):
    ext = struct.pack(">BBH4s", 0x10, 0, 138, bytes([198, 18, 0, 1]))
    ext += raw_name("H1") + raw_name("H2")
    assert len(ext) == 40
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.connect(sock)
    s.send(b"\x01\x01\x28\x00" + ext + text.encode())


def main():
    a = sys.argv[1:]
    cmds = {
        "hog": (hog, 5), "squat": (squat, 2), "plant-lock": (plant_lock, 1),
        "dgram-sink": (dgram_sink, 2), "forge": (forge, 2),
        "trybind": (trybind, 1),
        "trymkdir": (lambda p: report(lambda: os.mkdir(p, 0o755)), 1),
    }
    if not a or a[0] not in cmds or len(a) != cmds[a[0]][1] + 1:
        sys.exit("usage: local-attack.py " + "|".join(sorted(cmds)) + " ...")
    cmds[a[0]][0](*a[1:])


if __name__ == "__main__":
    main()
