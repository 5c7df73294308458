/* mailslotd's control socket (see msl_ctl.h). */
#define _GNU_SOURCE
#include "msl_ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "msl_rundir.h"

static int sys_err(int e) {
  switch (e) {
  case ENOENT:
  case ECONNREFUSED:
  case ENOTDIR:
    return MSL_ERR_NOT_FOUND;
  case EACCES:
  case EPERM:
    return MSL_ERR_ACCESS;
  default:
    return MSL_ERR_SYSTEM;
  }
}

int msl_ctl_listen(msl_ctl *c) {
  struct sockaddr_un sa;
  socklen_t sl;
  int r;
  if (!c)
    return MSL_ERR_ARG;
  c->fd = c->dir_fd = -1;
  if ((r = msl_rundir_open(1, &c->dir_fd, c->dir, sizeof(c->dir))) < 0)
    return r;
  if ((r = msl_rundir_sockaddr(c->dir_fd, c->dir, MSL_CTL_NAME, &sa, &sl)) < 0)
    goto fail;
  c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    r = MSL_ERR_SYSTEM;
    goto fail;
  }
  for (int tries = 0; tries < 2; tries++) {
    if (bind(c->fd, (struct sockaddr *)&sa, sl) == 0)
      break;
    if (errno != EADDRINUSE || tries) {
      r = sys_err(errno);
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
      r = sys_err(e);
      goto fail;
    }
    unlinkat(c->dir_fd, MSL_CTL_NAME, 0);
  }
  /* Any local user may ask for status or send through the daemon. */
  if (fchmodat(c->dir_fd, MSL_CTL_NAME, 0666, 0) != 0 ||
      listen(c->fd, 64) != 0) {
    r = sys_err(errno);
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
    return MSL_ERR_OVERFLOW;
  }
  return (int)n;
}

int msl_ctl_connect(void) {
  struct sockaddr_un sa;
  socklen_t sl;
  char dir[MSL_RUNDIR_PATH_MAX];
  int dfd, r;
  if ((r = msl_rundir_open(0, &dfd, dir, sizeof(dir))) < 0)
    return r;
  r = msl_rundir_sockaddr(dfd, dir, MSL_CTL_NAME, &sa, &sl);
  if (r == 0) {
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
      r = MSL_ERR_SYSTEM;
    else if (connect(fd, (struct sockaddr *)&sa, sl) != 0) {
      r = sys_err(errno);
      close(fd);
    } else
      r = fd;
  }
  close(dfd);
  return r;
}

int msl_ctl_call(int fd, const void *req, size_t len, int pass_fd,
                 char *reply, size_t cap, int timeout_ms) {
  struct iovec iov = {(void *)(uintptr_t)req, len};
  struct msghdr mh;
  union {
    char b[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } cb;
  if (fd < 0 || !reply || cap == 0)
    return MSL_ERR_ARG;
  memset(&mh, 0, sizeof(mh));
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  if (pass_fd >= 0) {
    memset(&cb, 0, sizeof(cb));
    mh.msg_control = cb.b;
    mh.msg_controllen = sizeof(cb.b);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  ssize_t n;
  do
    n = sendmsg(fd, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return errno == EPIPE || errno == ECONNRESET ? MSL_ERR_NOT_FOUND
                                                 : MSL_ERR_SYSTEM;
  struct pollfd pf = {fd, POLLIN, 0};
  int pr;
  do
    pr = poll(&pf, 1, timeout_ms);
  while (pr < 0 && errno == EINTR);
  if (pr < 0)
    return MSL_ERR_SYSTEM;
  if (pr == 0)
    return MSL_ERR_TIMEOUT;
  do
    n = recv(fd, reply, cap - 1, MSG_TRUNC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return errno == ECONNRESET ? MSL_ERR_NOT_FOUND : MSL_ERR_SYSTEM;
  if (n == 0)
    return MSL_ERR_NOT_FOUND;
  if ((size_t)n > cap - 1)
    return MSL_ERR_OVERFLOW;
  reply[n] = '\0';
  return (int)n;
}
