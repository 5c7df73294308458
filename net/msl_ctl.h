/*
 * mailslotd's control socket, server side: "mailslotd.ctl" in the control
 * directory (local/msl_rundir.h: a directory only the daemon's user can
 * write), an AF_UNIX SOCK_SEQPACKET socket, mode 0666 so every local user
 * may ask for status and send through the daemon. Every connection's user
 * is known (SO_PEERCRED) and has its own share of the daemon's resources
 * (docs/network.md, "Sharing the daemon").
 *
 * One request per connection, one reply, then the daemon closes it.
 * Requests and replies are text, one line, then any payload:
 *
 *   "status"                    -> "ok\n" + counters ("name value\n" lines)
 *   "identity"                  -> "ok NAME WORKGROUP[ SCOPE]\n": the names
 *        the service registered (upper case, padding dropped; a space,
 *        control, '\' or non-ASCII byte of a name written \xNN), so that
 *        the tools speak with its name (mailslot browse, dc-ping)
 *   "resolve NAME[<xx>]"        -> "ok IP FLAGS\n" | "err CODE\n"
 *   "open FLAGS PATH"  + 1 fd   -> "ok MAXLEN\n" | "err CODE\n"
 *        The fd (SCM_RIGHTS) is the daemon's end of a SOCK_SEQPACKET pair;
 *        every message the client writes on its end (a local-mailslot
 *        datagram: msl_lhdr header + bytes) is sent to PATH. Closing the
 *        client end ends it; the daemon may close its end of a writer that
 *        stays idle (the client then opens it again).
 *   "send FLAGS PATH\n" + data  -> "ok\n" | "err CODE\n"  (one message)
 *
 * FLAGS is a decimal MSL_OPEN_* value; CODE a decimal msl_err. A request
 * is at most MSL_CTL_MSG_MAX bytes. The client side is
 * local/msl_ctl_client.h.
 */
#ifndef MSL_CTL_H
#define MSL_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mailslot.h"

#define MSL_CTL_NAME "mailslotd.ctl"
#define MSL_CTL_MSG_MAX (65536 + 1024)

/* A listening control socket and the directory holding it. */
typedef struct msl_ctl {
  int fd;      /* listening socket, non-blocking */
  int dir_fd;  /* control directory (a dup, kept to unlink the socket) */
  char dir[4096];
} msl_ctl;

/**
 * Creates and binds the control socket in the control directory dir_fd
 * (path dir; the caller checked and keeps its own descriptor). A socket
 * file left by a dead daemon (connect refused) is replaced; a live one is
 * not.
 * @return 0, or MSL_ERR_EXISTS (a daemon answers on it), MSL_ERR_ACCESS,
 *         MSL_ERR_BAD_PATH, MSL_ERR_SYSTEM.
 */
int msl_ctl_listen(msl_ctl *c, int dir_fd, const char *dir);

/** Closes the socket and removes its file (safe on a closed msl_ctl). */
void msl_ctl_close(msl_ctl *c);

/**
 * Reads one request from a connected socket without blocking: the bytes
 * into buf (cap), an attached descriptor (if any) into *fd (else -1).
 * Extra descriptors are closed.
 * @return the request length (>= 0), MSL_ERR_TIMEOUT when nothing is
 *         there yet, MSL_ERR_NOT_FOUND when the peer closed, MSL_ERR_SYSTEM.
 */
int msl_ctl_recv(int conn, uint8_t *buf, size_t cap, int *fd);

/** The user of a connected client (SO_PEERCRED). 0 or MSL_ERR_SYSTEM. */
int msl_ctl_peer_uid(int conn, uid_t *uid);

#endif /* MSL_CTL_H */
