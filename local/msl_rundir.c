/* Run and control directories (see msl_rundir.h). */
#define _GNU_SOURCE
#include "msl_rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msl_syserr.h"

enum { KIND_ENV, KIND_ROOT, KIND_HOST, KIND_XDG, KIND_TMP };

/* The host-wide directory: mailslot names are unique per host (as on
 * Windows), and mailslotd delivers network messages into it, so every user
 * shares it when it exists. Only root can create it in /run, so its owner
 * is not checked; it must be sticky and world-writable, as /tmp. */
#define HOST_RUNDIR_MODE 01777

static int shared_mode(mode_t m) { return (m & 01002) == 01002; }

static int host_rundir_usable(void) {
  struct stat st;
  return stat(MSL_RUNDIR_HOST, &st) == 0 && S_ISDIR(st.st_mode) &&
         shared_mode(st.st_mode);
}

/* snprintf's n into cap bytes: n, or MSL_ERR_BUFFER_TOO_SMALL when it was
 * cut (or failed). */
static int fitted(int n, size_t cap) {
  return n < 0 || (size_t)n >= cap ? MSL_ERR_BUFFER_TOO_SMALL : n;
}

static int resolve(char *buf, size_t cap, int *kind) {
  const char *env = getenv("MAILSLOT_RUNDIR");
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  int n;
  if (!buf || !cap)
    return MSL_ERR_ARG;
  if (env && *env) {
    *kind = KIND_ENV;
    n = snprintf(buf, cap, "%s", env);
  } else if (geteuid() == 0) {
    *kind = KIND_ROOT;
    n = snprintf(buf, cap, MSL_RUNDIR_HOST);
  } else if (host_rundir_usable()) {
    *kind = KIND_HOST;
    n = snprintf(buf, cap, MSL_RUNDIR_HOST);
  } else if (xdg && xdg[0] == '/') {
    *kind = KIND_XDG;
    n = snprintf(buf, cap, "%s/mailslot", xdg);
  } else {
    *kind = KIND_TMP;
    n = snprintf(buf, cap, "/tmp/mailslot-%lu", (unsigned long)geteuid());
  }
  return fitted(n, cap);
}

int msl_rundir_path(char *buf, size_t cap) {
  int kind;
  return resolve(buf, cap, &kind);
}

int msl_rundir(char *buf, size_t cap) { return msl_rundir_path(buf, cap); }

/* mkdir with mode past the umask; an existing entry is fine. A missing
 * parent is no missing mailslot: MSL_ERR_SYSTEM (errno ENOENT, ENOTDIR). */
static int make_dir(const char *path, mode_t mode) {
  if (mkdir(path, mode) == 0)
    return chmod(path, mode) == 0 ? 0 : msl_err_from_errno(errno);
  if (errno == EEXIST)
    return 0;
  return errno == ENOENT || errno == ENOTDIR ? MSL_ERR_SYSTEM
                                              : msl_err_from_errno(errno);
}

/* A directory path that does not fit the caller's buffer (sized for any
 * usable path): no path the system would take either. */
static int path_result(int n) {
  if (n != MSL_ERR_BUFFER_TOO_SMALL)
    return n;
  errno = ENAMETOOLONG;
  return MSL_ERR_SYSTEM;
}

static int open_kind(int create, int *dirfd, char *path, size_t cap,
                     int *kind) {
  int n = resolve(path, cap, kind);
  if (n < 0)
    return path_result(n);
  if (!dirfd)
    return MSL_ERR_ARG;
  if (create) {
    int r = make_dir(path, *kind == KIND_ROOT ? HOST_RUNDIR_MODE : 0700);
    if (r < 0)
      return r;
  }
  /* O_PATH: writers and info requesters need only search permission on
   * the directory, as documented, not read permission. */
  int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return msl_err_from_errno(errno);
  if (*kind == KIND_TMP) {
    /* /tmp is shared: refuse a directory someone else planted for us. */
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_uid != geteuid() ||
        (st.st_mode & 077) != 0) {
      close(fd);
      return MSL_ERR_ACCESS;
    }
  }
  *dirfd = fd;
  return 0;
}

int msl_rundir_open(int create, int *dirfd, char *path, size_t cap) {
  int kind;
  return open_kind(create, dirfd, path, cap, &kind);
}

int msl_rundir_prepare(gid_t gid, int *dirfd, char *path, size_t cap) {
  int kind;
  int r = open_kind(1, dirfd, path, cap, &kind);
  if (r < 0 || gid == (gid_t)-1)
    return r;
  struct stat st;
  if (fstat(*dirfd, &st) != 0)
    return 0;
  if (kind != KIND_ROOT && kind != KIND_HOST && !shared_mode(st.st_mode))
    return 0; /* a private directory stays private */
  if (st.st_gid == gid && (st.st_mode & 07777) == MSL_RUNDIR_SHARED_MODE)
    return 0;
  /* Through the path (an O_PATH descriptor takes no fchown); a failure
   * leaves the directory as it was: slots then need other write. */
  if (chown(path, (uid_t)-1, gid) == 0)
    (void)chmod(path, MSL_RUNDIR_SHARED_MODE);
  return 0;
}

int msl_rundir_ctl_path(char *buf, size_t cap) {
  const char *env = getenv("MAILSLOT_CTLDIR");
  int kind, n;
  if (!buf || !cap)
    return MSL_ERR_ARG;
  if (env && *env)
    return fitted(snprintf(buf, cap, "%s", env), cap);
  if ((n = resolve(buf, cap, &kind)) < 0)
    return n;
  if ((size_t)n + 1 >= cap)
    return MSL_ERR_BUFFER_TOO_SMALL;
  buf[n++] = 'd'; /* /run/mailslot -> /run/mailslotd */
  buf[n] = '\0';
  return n;
}

/* The checks every user of the control directory makes: a real directory
 * (not followed through a symlink) that only its owner can write. */
static int ctl_check(int fd, uid_t *owner) {
  struct stat st;
  if (fstat(fd, &st) != 0)
    return MSL_ERR_SYSTEM;
  if (!S_ISDIR(st.st_mode) || (st.st_mode & 022))
    return MSL_ERR_ACCESS;
  if (owner)
    *owner = st.st_uid;
  return 0;
}

int msl_rundir_ctl_open(int *dirfd, char *path, size_t cap, uid_t *owner) {
  int n = msl_rundir_ctl_path(path, cap);
  if (n < 0)
    return path_result(n);
  if (!dirfd)
    return MSL_ERR_ARG;
  int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return msl_err_from_errno(errno);
  int r = ctl_check(fd, owner);
  if (r < 0) {
    close(fd);
    return r;
  }
  *dirfd = fd;
  return 0;
}

int msl_rundir_ctl_prepare(uid_t owner, int *dirfd, char *path, size_t cap) {
  int n = msl_rundir_ctl_path(path, cap);
  if (n < 0)
    return path_result(n);
  if (!dirfd)
    return MSL_ERR_ARG;
  int r = make_dir(path, 0755);
  if (r < 0)
    return r;
  if (geteuid() == 0 && owner != (uid_t)-1) {
    struct stat st;
    /* Only a directory that is root's already (ours, just made) is given
     * away: never one someone else made for us. */
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 &&
        lchown(path, owner, (gid_t)-1) != 0)
      return msl_err_from_errno(errno);
  }
  uid_t got;
  if ((r = msl_rundir_ctl_open(dirfd, path, cap, &got)) < 0)
    return r;
  if (got != 0 && got != geteuid() && got != owner) {
    close(*dirfd);
    *dirfd = -1;
    return MSL_ERR_ACCESS;
  }
  return 0;
}

int msl_rundir_sockaddr(int dirfd, const char *path, const char *file,
                        struct sockaddr_un *sa, socklen_t *salen) {
  size_t max = sizeof(sa->sun_path);
  int n;
  memset(sa, 0, sizeof(*sa));
  sa->sun_family = AF_UNIX;
  n = snprintf(sa->sun_path, max, "%s/%s", path, file);
  if (n < 0 || (size_t)n >= max)
    n = snprintf(sa->sun_path, max, "/proc/self/fd/%d/%s", dirfd, file);
  if (n < 0 || (size_t)n >= max)
    return MSL_ERR_BAD_PATH;
  *salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
  return 0;
}
