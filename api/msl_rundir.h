/*
 * The run directory holding local mailslots (docs/local-mailslots.md):
 * $MAILSLOT_RUNDIR if set, else /run/mailslot for root, else
 * $XDG_RUNTIME_DIR/mailslot, else /tmp/mailslot-<uid>.
 */
#ifndef MSL_RUNDIR_H
#define MSL_RUNDIR_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "mailslot.h"

#define MSL_RUNDIR_PATH_MAX 4096

/**
 * Resolves the run directory into buf (NUL-terminated); no file system
 * access. Returns its length, MSL_ERR_ARG, or MSL_ERR_OVERFLOW.
 */
int msl_rundir_path(char *buf, size_t cap);

/**
 * Opens the run directory (O_DIRECTORY|O_CLOEXEC) into *dirfd and its path
 * into path[cap]. With create, missing directories are made: 0700 for
 * per-user ones (an existing /tmp/mailslot-UID must be ours and 0700),
 * 0755 for /run/mailslot. Returns 0, MSL_ERR_NOT_FOUND (missing and not
 * create), MSL_ERR_ACCESS, MSL_ERR_OVERFLOW or MSL_ERR_SYSTEM.
 */
int msl_rundir_open(int create, int *dirfd, char *path, size_t cap);

/**
 * Fills a sockaddr for file `file` in the run directory: "<path>/<file>"
 * when it fits sun_path, else "/proc/self/fd/<dirfd>/<file>" (Linux).
 * Returns 0 or MSL_ERR_BAD_PATH when even that does not fit.
 */
int msl_rundir_sockaddr(int dirfd, const char *path, const char *file,
                        struct sockaddr_un *sa, socklen_t *salen);

#endif /* MSL_RUNDIR_H */
