/* Run directory of local mailslots (see msl_rundir.h). */
#define _GNU_SOURCE
#include "msl_rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { KIND_ENV, KIND_ROOT, KIND_HOST, KIND_XDG, KIND_TMP };

/* The host-wide directory: mailslot names are unique per host (as on
 * Windows), and mailslotd delivers network messages into it, so every user
 * shares it when it exists. Root creates it sticky and world-writable, as
 * /tmp: users can create slots there but not remove each other's. */
#define HOST_RUNDIR "/run/mailslot"
#define HOST_RUNDIR_MODE 01777

static int host_rundir_usable(void) {
  struct stat st;
  return stat(HOST_RUNDIR, &st) == 0 && S_ISDIR(st.st_mode) &&
         st.st_uid == 0 && (st.st_mode & 07777) == HOST_RUNDIR_MODE;
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
    n = snprintf(buf, cap, HOST_RUNDIR);
  } else if (host_rundir_usable()) {
    *kind = KIND_HOST;
    n = snprintf(buf, cap, HOST_RUNDIR);
  } else if (xdg && xdg[0] == '/') {
    *kind = KIND_XDG;
    n = snprintf(buf, cap, "%s/mailslot", xdg);
  } else {
    *kind = KIND_TMP;
    n = snprintf(buf, cap, "/tmp/mailslot-%lu", (unsigned long)geteuid());
  }
  if (n < 0 || (size_t)n >= cap)
    return MSL_ERR_OVERFLOW;
  return n;
}

int msl_rundir_path(char *buf, size_t cap) {
  int kind;
  return resolve(buf, cap, &kind);
}

int msl_rundir(char *buf, size_t cap) { return msl_rundir_path(buf, cap); }

static int errno_err(int e) {
  switch (e) {
  case ENOENT:
  case ENOTDIR:
    return MSL_ERR_NOT_FOUND;
  case EACCES:
  case EPERM:
  case EROFS:
    return MSL_ERR_ACCESS;
  case ENOMEM:
    return MSL_ERR_NOMEM;
  default:
    return MSL_ERR_SYSTEM;
  }
}

int msl_rundir_open(int create, int *dirfd, char *path, size_t cap) {
  int kind;
  int n = resolve(path, cap, &kind);
  if (n < 0)
    return n;
  if (!dirfd)
    return MSL_ERR_ARG;
  mode_t mode = kind == KIND_ROOT ? HOST_RUNDIR_MODE : 0700;
  if (create) {
    if (mkdir(path, mode) == 0) {
      if (kind == KIND_ROOT && chmod(path, mode) != 0) /* past the umask */
        return errno_err(errno);
    } else if (errno != EEXIST) {
      return errno_err(errno);
    }
  }
  /* O_PATH: writers and info requesters need only search permission on
   * the directory, as documented, not read permission. */
  int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return errno_err(errno);
  if (kind == KIND_TMP) {
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
