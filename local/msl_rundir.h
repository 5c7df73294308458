/*
 * Where local mailslots and mailslotd's control socket live
 * (docs/local-mailslots.md, "Where they live" and "Permissions").
 *
 * Run directory (the slots): $MAILSLOT_RUNDIR if set, else /run/mailslot
 * for root or when it exists as a shared directory (sticky and
 * world-writable; mailslotd makes it setgid to its group, mode 3777),
 * else $XDG_RUNTIME_DIR/mailslot, else /tmp/mailslot-<uid>.
 *
 * Control directory (mailslotd.ctl): $MAILSLOT_CTLDIR if set, else the run
 * directory's path with "d" appended (/run/mailslot -> /run/mailslotd).
 * Only its owner may write it (mode 0755 or tighter): no other user can
 * put a socket where clients look for the daemon. Its owner is the
 * daemon's user, whose messages readers trust to carry network origin.
 */
#ifndef MSL_RUNDIR_H
#define MSL_RUNDIR_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "mailslot.h"

#define MSL_RUNDIR_PATH_MAX 4096
#define MSL_RUNDIR_HOST "/run/mailslot"
/* The host-wide directory's mode once mailslotd has set it up: sticky
 * (users cannot remove each other's slots), setgid (every slot socket gets
 * the daemon's group) and writable by all (any user may create a slot). */
#define MSL_RUNDIR_SHARED_MODE 03777

/**
 * Resolves the run directory into buf (NUL-terminated); no file system
 * access beyond a stat of /run/mailslot. Returns its length, MSL_ERR_ARG,
 * or MSL_ERR_BUFFER_TOO_SMALL.
 */
int msl_rundir_path(char *buf, size_t cap);

/**
 * Opens the run directory (O_PATH|O_DIRECTORY|O_CLOEXEC) into *dirfd and
 * its path into path[cap]. With create, missing directories are made: 0700
 * for per-user ones (an existing /tmp/mailslot-UID must be ours and 0700),
 * 01777 for /run/mailslot. Returns 0, MSL_ERR_NOT_FOUND (missing and not
 * create), MSL_ERR_ACCESS or MSL_ERR_SYSTEM (errno tells; ENOENT or
 * ENOTDIR: with create, a parent is missing; ENAMETOOLONG: the path does
 * not fit path[cap]).
 */
int msl_rundir_open(int create, int *dirfd, char *path, size_t cap);

/**
 * The network service's set-up of the run directory (create, open): when
 * gid is not -1 and we may (root, or the directory's owner in that group),
 * the directory gets group gid and MSL_RUNDIR_SHARED_MODE (only a shared
 * directory: one that is world-writable already, or the host-wide one).
 * Returns as msl_rundir_open.
 */
int msl_rundir_prepare(gid_t gid, int *dirfd, char *path, size_t cap);

/** The control directory's path into buf (see above). Returns its length,
 *  MSL_ERR_ARG or MSL_ERR_BUFFER_TOO_SMALL. */
int msl_rundir_ctl_path(char *buf, size_t cap);

/**
 * Client side: opens the control directory (O_PATH) after checking it is a
 * directory, not a symlink, writable by its owner only; *owner gets that
 * owner's uid (the daemon's user).
 * @return 0, MSL_ERR_NOT_FOUND (missing), MSL_ERR_ACCESS (fails the
 *         checks), MSL_ERR_SYSTEM (as msl_rundir_open).
 */
int msl_rundir_ctl_open(int *dirfd, char *path, size_t cap, uid_t *owner);

/**
 * Service side: opens the control directory, creating it 0755 when
 * missing; when we are root and owner is not -1, it is made owner's (the
 * user the daemon will run as). An existing directory must pass the
 * client's checks and belong to root, to us or to owner.
 * @return as msl_rundir_ctl_open.
 */
int msl_rundir_ctl_prepare(uid_t owner, int *dirfd, char *path, size_t cap);

/**
 * Fills a sockaddr for file `file` in a directory: "<path>/<file>" when it
 * fits sun_path, else "/proc/self/fd/<dirfd>/<file>" (Linux).
 * Returns 0 or MSL_ERR_BAD_PATH when even that does not fit.
 */
int msl_rundir_sockaddr(int dirfd, const char *path, const char *file,
                        struct sockaddr_un *sa, socklen_t *salen);

#endif /* MSL_RUNDIR_H */
