/*
 * The library's one errno -> msl_err map: every layer from net/ up turns a
 * failed system call into an error code through it (proto/ makes no system
 * calls). A caller that knows more than the errno (EAGAIN on a receive
 * means "nothing yet", ENOENT on the control socket means "no mailslotd")
 * says so before or after the call, not with a map of its own.
 */
#ifndef MSL_SYSERR_H
#define MSL_SYSERR_H

#include "mailslot.h"

/**
 * The msl_err for errno value e:
 *  - ENOENT, ENOTDIR, ECONNREFUSED, ENOTCONN, ECONNRESET, EPIPE:
 *    MSL_ERR_NOT_FOUND (nobody there: no such file or socket, or the peer
 *    closed);
 *  - EACCES, EPERM, EROFS, ELOOP (O_NOFOLLOW met a symlink): MSL_ERR_ACCESS;
 *  - EEXIST, EADDRINUSE: MSL_ERR_EXISTS;
 *  - EAGAIN, EWOULDBLOCK, ENOBUFS: MSL_ERR_QUEUE_FULL (no room now);
 *  - EMSGSIZE: MSL_ERR_MSG_TOO_BIG;
 *  - ENOMEM: MSL_ERR_NOMEM;
 *  - anything else: MSL_ERR_SYSTEM (errno tells).
 */
int msl_err_from_errno(int e);

#endif /* MSL_SYSERR_H */
