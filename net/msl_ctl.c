/* mailslotd's control socket (see msl_ctl.h). */
#define _GNU_SOURCE
#include "msl_ctl.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "msl_syserr.h"

/* "<dir>/<name>", or through /proc/self/fd when that is too long. */
static int sockaddr_in_dir(int dir_fd, const char *dir, struct sockaddr_un *sa,
                           socklen_t *sl) {
  size_t max = sizeof(sa->sun_path);
  memset(sa, 0, sizeof(*sa));
  sa->sun_family = AF_UNIX;
  int n = snprintf(sa->sun_path, max, "%s/%s", dir, MSL_CTL_NAME);
  if (n < 0 || (size_t)n >= max)
    n = snprintf(sa->sun_path, max, "/proc/self/fd/%d/%s", dir_fd,
                 MSL_CTL_NAME);
  if (n < 0 || (size_t)n >= max)
    return MSL_ERR_BAD_PATH;
  *sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
  return 0;
}

int msl_ctl_listen(msl_ctl *c, int dir_fd, const char *dir) {
  struct sockaddr_un sa;
  socklen_t sl;
  int r;
  if (!c)
    return MSL_ERR_ARG;
  c->fd = c->dir_fd = -1;
  if (dir_fd < 0 || !dir || strlen(dir) >= sizeof(c->dir))
    return MSL_ERR_ARG;
  snprintf(c->dir, sizeof(c->dir), "%s", dir);
  c->dir_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (c->dir_fd < 0)
    return MSL_ERR_SYSTEM;
  if ((r = sockaddr_in_dir(c->dir_fd, c->dir, &sa, &sl)) < 0)
    goto fail;
  c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    r = MSL_ERR_SYSTEM;
    goto fail;
  }
  for (int tries = 0; tries < 2; tries++) {
    if (bind(c->fd, (struct sockaddr *)&sa, sl) == 0)
      break;
    /* EADDRINUSE: a file is there. Only the daemon's user can write the
     * directory, so it is a daemon's socket: live, or left by a dead one. */
    if (errno != EADDRINUSE || tries) {
      r = msl_err_from_errno(errno);
      goto fail;
    }
    /* Someone's file: a live daemon answers, a dead one's refuses. */
    int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    int live = probe >= 0 && connect(probe, (struct sockaddr *)&sa, sl) == 0;
    int e = errno;
    if (probe >= 0)
      close(probe);
    if (live) {
      r = MSL_ERR_EXISTS;
      goto fail;
    }
    if (e != ECONNREFUSED && e != ENOENT) {
      r = msl_err_from_errno(e);
      goto fail;
    }
    unlinkat(c->dir_fd, MSL_CTL_NAME, 0);
  }
  /* Any local user may ask for status or send through the daemon. */
  if (fchmodat(c->dir_fd, MSL_CTL_NAME, 0666, 0) != 0 ||
      listen(c->fd, 256) != 0) {
    r = msl_err_from_errno(errno);
    unlinkat(c->dir_fd, MSL_CTL_NAME, 0);
    goto fail;
  }
  return 0;
fail:
  if (c->fd >= 0)
    close(c->fd);
  if (c->dir_fd >= 0)
    close(c->dir_fd);
  c->fd = c->dir_fd = -1;
  return r;
}

void msl_ctl_close(msl_ctl *c) {
  if (!c)
    return;
  if (c->fd >= 0) {
    close(c->fd);
    if (c->dir_fd >= 0)
      unlinkat(c->dir_fd, MSL_CTL_NAME, 0);
  }
  if (c->dir_fd >= 0)
    close(c->dir_fd);
  c->fd = c->dir_fd = -1;
}

int msl_ctl_recv(int conn, uint8_t *buf, size_t cap, int *fd) {
  struct iovec iov = {buf, cap};
  struct msghdr mh;
  union {
    char b[CMSG_SPACE(4 * sizeof(int))];
    struct cmsghdr align;
  } cb;
  *fd = -1;
  memset(&mh, 0, sizeof(mh));
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cb.b;
  mh.msg_controllen = sizeof(cb.b);
  ssize_t n;
  do
    n = recvmsg(conn, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return errno == EAGAIN ? MSL_ERR_TIMEOUT : MSL_ERR_SYSTEM;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
      continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k; i++) {
      int f;
      memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (*fd < 0)
        *fd = f;
      else
        close(f);
    }
  }
  if (n == 0 && *fd < 0)
    return MSL_ERR_NOT_FOUND;
  if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
    if (*fd >= 0)
      close(*fd);
    *fd = -1;
    return MSL_ERR_BUFFER_TOO_SMALL;
  }
  return (int)n;
}

int msl_ctl_peer_uid(int conn, uid_t *uid) {
  struct ucred u;
  socklen_t l = sizeof(u);
  if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &u, &l) != 0 || l != sizeof(u))
    return MSL_ERR_SYSTEM;
  *uid = u.uid;
  return 0;
}
