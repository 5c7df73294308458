#!/usr/bin/env python3
# One control request to mailslotd, for the namespace tests (lib.sh: ctl).
# Usage: ctl.py OUT REQUEST [--pass] [--hangup-on FILE]
# SOCK_SEQPACKET to the daemon's control socket ($MAILSLOT_CTLDIR, else
# $MAILSLOT_RUNDIR + "d", /mailslotd.ctl); OUT.sent appears once
# the request is sent, OUT holds the reply. --pass hands the daemon one end
# of a socketpair (SCM_RIGHTS); --hangup-on closes the connection without
# waiting for the reply once FILE exists, then writes "peer-closed" to OUT
# when the daemon has closed the passed end.
import os, socket, sys, time
out, req = sys.argv[1], sys.argv[2].encode().replace(b"\\n", b"\n")
args = sys.argv[3:]
ctldir = os.environ.get("MAILSLOT_CTLDIR") or os.environ["MAILSLOT_RUNDIR"] + "d"
path = os.path.join(ctldir, "mailslotd.ctl")
c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
c.connect(path)
mine = None
if "--pass" in args:
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    socket.send_fds(c, [req], [theirs.fileno()])
    theirs.close()
else:
    c.send(req)
open(out + ".sent", "w").close()
if "--hangup-on" in args:
    go = args[args.index("--hangup-on") + 1]
    while not os.path.exists(go):
        time.sleep(0.05)
    c.close()
    mine.settimeout(60)
    left = mine.recv(16)  # b"": the daemon closed its end
    open(out, "w").write("peer-closed\n" if left == b"" else "data\n")
    sys.exit(0)
c.settimeout(60)
rep = c.recv(65536).decode()
open(out + ".tmp", "w").write(rep)
os.rename(out + ".tmp", out)
