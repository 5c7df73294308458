/*
 * mailslotd's control socket: "mailslotd.ctl" in the run directory
 * (docs/local-mailslots.md), an AF_UNIX SOCK_SEQPACKET socket, mode 0666
 * so every local user may ask for status and send through the daemon.
 *
 * One request per connection, one reply, then the daemon closes it.
 * Requests and replies are text, one line, then any payload:
 *
 *   "status"                    -> "ok\n" + counters ("name value\n" lines)
 *   "open FLAGS PATH"  + 1 fd   -> "ok MAXLEN\n" | "err CODE\n"
 *        The fd (SCM_RIGHTS) is the daemon's end of a SOCK_SEQPACKET pair;
 *        every message the client writes on its end (a local-mailslot
 *        datagram: msl_lhdr header + bytes) is sent to PATH. Closing the
 *        client end ends it.
 *   "send FLAGS PATH\n" + data  -> "ok\n" | "err CODE\n"  (one message)
 *
 * FLAGS is a decimal MSL_OPEN_* value; CODE a decimal msl_err. A request
 * is at most MSL_CTL_MSG_MAX bytes.
 */
#ifndef MSL_CTL_H
#define MSL_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "mailslot.h"

#define MSL_CTL_NAME "mailslotd.ctl"
#define MSL_CTL_MSG_MAX (65536 + 1024)

/* A listening control socket and the directory holding it. */
typedef struct msl_ctl {
  int fd;      /* listening socket, non-blocking */
  int dir_fd;  /* run directory (kept to unlink the socket at the end) */
  char dir[4096];
} msl_ctl;

/**
 * Creates and binds the control socket in the run directory (created if
 * missing). A socket file left by a dead daemon (connect refused) is
 * replaced; a live one is not.
 * @return 0, or MSL_ERR_EXISTS (a daemon answers on it), MSL_ERR_ACCESS,
 *         MSL_ERR_BAD_PATH, MSL_ERR_SYSTEM.
 */
int msl_ctl_listen(msl_ctl *c);

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

/**
 * Client side: connects to the daemon's control socket in this process's
 * run directory. Returns the connected fd, or MSL_ERR_NOT_FOUND (no
 * daemon: no socket, or nobody listening), MSL_ERR_ACCESS, MSL_ERR_SYSTEM.
 */
int msl_ctl_connect(void);

/**
 * Client side: sends req (len bytes, with pass_fd attached unless it is
 * -1) on a connected socket and waits up to timeout_ms for the reply,
 * stored NUL-terminated in reply[cap].
 * @return the reply length, MSL_ERR_TIMEOUT, MSL_ERR_NOT_FOUND (daemon
 *         closed without answering), MSL_ERR_OVERFLOW, MSL_ERR_SYSTEM.
 */
int msl_ctl_call(int fd, const void *req, size_t len, int pass_fd,
                 char *reply, size_t cap, int timeout_ms);

#endif /* MSL_CTL_H */
