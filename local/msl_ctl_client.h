/*
 * Client side of mailslotd's control socket (protocol: net/msl_ctl.h).
 * The socket is found in the control directory (local/msl_rundir.h) and
 * trusted only when nobody but the daemon's user could have put it there:
 * the directory is writable by its owner only, the socket is that owner's
 * (or root's) and so is the process listening on it (SO_PEERCRED).
 */
#ifndef MSL_CTL_CLIENT_H
#define MSL_CTL_CLIENT_H

#include <stddef.h>

#include "mailslot.h"

/**
 * Connects to the daemon's control socket.
 * @return the connected fd, or MSL_ERR_NO_SERVICE (no daemon: no
 *         directory, no socket, or nobody listening), MSL_ERR_ACCESS (the
 *         directory or the socket fails the checks, or no permission),
 *         MSL_ERR_SYSTEM.
 */
int msl_ctl_connect(void);

/**
 * Sends req (len bytes, with pass_fd attached unless it is -1) on a
 * connected socket and waits up to timeout_ms for the reply, stored
 * NUL-terminated in reply[cap].
 * @return the reply length, MSL_ERR_TIMEOUT, MSL_ERR_NO_SERVICE (daemon
 *         closed without answering), MSL_ERR_INVALID (a reply that does
 *         not fit reply[cap]: the caller sizes it for any valid reply),
 *         MSL_ERR_SYSTEM.
 */
int msl_ctl_call(int fd, const void *req, size_t len, int pass_fd,
                 char *reply, size_t cap, int timeout_ms);

/**
 * The error of a reply "err CODE\n" as a public function may return it:
 * CODE when it is a public msl_err, else (a codec-internal code, a number
 * that is no code, a reply of another form) MSL_ERR_INVALID.
 */
int msl_ctl_reply_err(const char *reply);

#endif /* MSL_CTL_CLIENT_H */
