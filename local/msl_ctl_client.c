/* Client side of mailslotd's control socket (see msl_ctl_client.h). */
#define _GNU_SOURCE
#include "msl_ctl_client.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "msl_cmsg.h"
#include "msl_ctl.h"
#include "msl_proto_err.h"
#include "msl_rundir.h"
#include "msl_slotdir.h"
#include "msl_syserr.h"

/* The checked socket inode in the control directory: an O_PATH fd, or a
 * negative msl_err. *owner: the directory's owner. */
static int find_socket(uid_t *owner) {
  char dir[MSL_RUNDIR_PATH_MAX];
  int dfd, r = msl_rundir_ctl_open(&dfd, dir, sizeof(dir), owner);
  if (r < 0)
    return r;
  int sfd = openat(dfd, MSL_CTL_NAME, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  r = sfd < 0 ? msl_err_from_errno(errno) : 0;
  close(dfd);
  struct stat st;
  if (r == 0 && (fstat(sfd, &st) != 0 || !S_ISSOCK(st.st_mode) ||
                 (st.st_uid != *owner && st.st_uid != 0)))
    r = MSL_ERR_ACCESS;
  if (r < 0) {
    if (sfd >= 0)
      close(sfd);
    return r;
  }
  return sfd;
}

int msl_ctl_connect(void) {
  uid_t owner;
  int sfd = find_socket(&owner);
  if (sfd < 0)
    return sfd == MSL_ERR_NOT_FOUND ? MSL_ERR_NO_SERVICE : sfd;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  int r = fd < 0 ? MSL_ERR_SYSTEM : msl_connect_inode(fd, sfd);
  close(sfd);
  if (r == MSL_ERR_NOT_FOUND)
    r = MSL_ERR_NO_SERVICE; /* a socket file nobody listens on */
  struct ucred u;
  socklen_t ul = sizeof(u);
  if (r == 0 && (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &u, &ul) != 0 ||
                 (u.uid != owner && u.uid != 0)))
    r = MSL_ERR_ACCESS; /* not the daemon's user listening */
  if (r < 0) {
    if (fd >= 0)
      close(fd);
    return r;
  }
  return fd;
}

/* A failed call on the connection: a daemon that went away is no
 * daemon. */
static int call_err(int e) {
  int r = msl_err_from_errno(e);
  return r == MSL_ERR_NOT_FOUND ? MSL_ERR_NO_SERVICE : r;
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
  if (pass_fd >= 0)
    msl_cmsg_set(&mh, cb.b, sizeof(cb.b), SOL_SOCKET, SCM_RIGHTS, &pass_fd,
                 sizeof(int));
  ssize_t n;
  do
    n = sendmsg(fd, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return call_err(errno);
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
    return call_err(errno);
  if (n == 0)
    return MSL_ERR_NO_SERVICE;
  if ((size_t)n > cap - 1)
    return MSL_ERR_INVALID; /* longer than any reply to this request */
  reply[n] = '\0';
  return (int)n;
}

int msl_ctl_reply_err(const char *reply) {
  if (!reply || strncmp(reply, "err ", 4) != 0)
    return MSL_ERR_INVALID;
  char *end;
  long e = strtol(reply + 4, &end, 10);
  if (end == reply + 4 || (*end && *end != '\n') || e >= 0 || e < INT_MIN)
    return MSL_ERR_INVALID;
  return msl_err_public((int)e);
}
