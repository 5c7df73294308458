/*
 * Local mailslots over Unix-domain datagram sockets (see
 * docs/local-mailslots.md for the design and include/mailslot.h for the
 * contract).
 *
 * In the run directory a reader owns two files per slot, named after the
 * escaped name (msl_path_file_stem): STEM.lock, flock()ed for the reader's
 * lifetime and holding the slot's metadata, and STEM.sock, the bound
 * socket. A lock that can be taken means any leftover socket is stale.
 */
#define _GNU_SOURCE
#include "msl_local.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "msl_lhdr.h"
#include "msl_path.h"
#include "msl_rundir.h"

enum { H_READER = 1, H_WRITER = 2 };
/* msl_read_ex internal: look again (not a length, not an msl_err). */
#define R_AGAIN INT_MIN

typedef struct qmsg {
  struct qmsg *next;
  msl_msg_info info;
  size_t len;
  uint8_t data[];
} qmsg;

struct msl_handle {
  int kind;
  int fd;           /* the datagram socket */
  uint32_t max_msg; /* as given to msl_create (0 = any) */
  size_t eff_max;   /* enforced maximum */
  /* Reader only. */
  pthread_mutex_t mu;
  uint32_t timeout;
  int lock_fd, dir_fd, ev_fd, ep_fd;
  pid_t owner;
  char stem[MSL_PATH_FILE_MAX + 1];
  qmsg *qhead, *qtail;
  size_t qcount, qbytes;
  uint8_t *spill;
  size_t spill_len;
  uint64_t dropped;
  /* Info requests (msl_query) received but not yet answered: the
   * requesters' reply sockets. */
  int qry[MSL_LOCAL_QUERY_MAX];
  int nqry;
};

static int errno_err(int e) {
  switch (e) {
  case ENOENT:
  case ECONNREFUSED:
  case ENOTCONN:
  case ECONNRESET:
  case EPIPE:
    return MSL_ERR_NOT_FOUND;
  case EACCES:
  case EPERM:
  case EROFS:
    return MSL_ERR_ACCESS;
  case EAGAIN:
  case ENOBUFS:
    return MSL_ERR_QUEUE_FULL;
  case EMSGSIZE:
    return MSL_ERR_MSG_TOO_BIG;
  case ENOMEM:
    return MSL_ERR_NOMEM;
  default:
    return MSL_ERR_SYSTEM;
  }
}

static size_t effective_max(uint32_t max) {
  return (max == 0 || max > MSL_LOCAL_MSG_MAX) ? MSL_LOCAL_MSG_MAX : max;
}

/* ---- time ---- */

static struct timespec deadline_after(uint32_t ms) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  t.tv_sec += ms / 1000;
  t.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (t.tv_nsec >= 1000000000L) {
    t.tv_sec++;
    t.tv_nsec -= 1000000000L;
  }
  return t;
}

/* Time left until d in *left; returns 0 once d has passed. */
static int time_left(const struct timespec *d, struct timespec *left) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  left->tv_sec = d->tv_sec - now.tv_sec;
  left->tv_nsec = d->tv_nsec - now.tv_nsec;
  if (left->tv_nsec < 0) {
    left->tv_sec--;
    left->tv_nsec += 1000000000L;
  }
  return left->tv_sec > 0 || (left->tv_sec == 0 && left->tv_nsec > 0);
}

/* Waits for events on fds until deadline d (NULL = forever). Returns 1 when
 * woken (or interrupted: the caller re-checks), 0 at the deadline. */
static int wait_fds(struct pollfd *p, nfds_t n, const struct timespec *d) {
  struct timespec left;
  if (d && !time_left(d, &left))
    return 0;
  int r = ppoll(p, n, d ? &left : NULL, NULL);
  if (r < 0 && errno != EINTR)
    return -1;
  return 1;
}

/* A timeout whose deadline is fixed the first time the caller has to wait,
 * so the time spent before waiting does not count twice. */
typedef struct lazy_deadline {
  uint32_t ms; /* MSL_WAIT_FOREVER: no deadline */
  int set;
  struct timespec at;
} lazy_deadline;

/* wait_fds until the lazy deadline (fixing it on first use). */
static int wait_lazy(lazy_deadline *d, struct pollfd *p, nfds_t n) {
  if (d->ms == MSL_WAIT_FOREVER)
    return wait_fds(p, n, NULL);
  if (!d->set) {
    d->at = deadline_after(d->ms);
    d->set = 1;
  }
  return wait_fds(p, n, &d->at);
}

static void close_fd(int fd) {
  if (fd >= 0)
    close(fd);
}

/* ---- the reader's own queue ---- */

static void ev_set(msl_handle *h, int on) {
  uint64_t v = 1;
  ssize_t r;
  if (on)
    r = write(h->ev_fd, &v, sizeof(v));
  else
    r = read(h->ev_fd, &v, sizeof(v));
  (void)r; /* EAGAIN: already in that state */
}

static void q_push(msl_handle *h, qmsg *m) {
  m->next = NULL;
  if (h->qtail)
    h->qtail->next = m;
  else
    h->qhead = m;
  h->qtail = m;
  if (h->qcount++ == 0)
    ev_set(h, 1);
  h->qbytes += m->len;
}

static void q_pop(msl_handle *h) {
  qmsg *m = h->qhead;
  h->qhead = m->next;
  if (!h->qhead)
    h->qtail = NULL;
  h->qbytes -= m->len;
  if (--h->qcount == 0)
    ev_set(h, 0);
  free(m);
}

/* Copies the queue's first message out, or keeps it if cap is too small. */
static int q_deliver(msl_handle *h, void *buf, size_t cap, msl_msg_info *info) {
  qmsg *m = h->qhead;
  if (m->len > cap)
    return MSL_ERR_BUFFER_TOO_SMALL;
  if (m->len)
    memcpy(buf, m->data, m->len);
  if (info)
    *info = m->info;
  int len = (int)m->len;
  q_pop(h);
  return len;
}

/* An info requester's reply socket must be its end of a SOCK_SEQPACKET
 * socketpair: a socket with an unnamed peer. So a reader only ever answers
 * into a pair the requester made, never to a named service it could not
 * reach itself (the answer carries the reader's credentials). */
static int reply_sock_ok(int fd) {
  int type = 0, dom = 0;
  socklen_t l = sizeof(type);
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) != 0 ||
      type != SOCK_SEQPACKET)
    return 0;
  l = sizeof(dom);
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l) != 0 || dom != AF_UNIX)
    return 0;
  struct sockaddr_un pa;
  l = sizeof(pa);
  if (getpeername(fd, (struct sockaddr *)&pa, &l) != 0 ||
      l != offsetof(struct sockaddr_un, sun_path))
    return 0;
  return 1;
}

/* Closes every descriptor a datagram carried (SCM_RIGHTS), except that
 * when keep is set and it carried exactly one, that one is returned. */
static int take_fds(struct msghdr *mh, int keep) {
  int kept = -1, n = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
      continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k; i++, n++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
      if (kept < 0 && n == 0)
        kept = fd;
      else
        close(fd);
    }
  }
  if (kept >= 0 && (!keep || n != 1 || (mh->msg_flags & MSG_CTRUNC))) {
    close(kept);
    kept = -1;
  }
  return kept;
}

/*
 * Receives one datagram without blocking, scattered over [header | caller
 * buffer | spill], so a message that fits the caller's buffer is copied
 * once. Returns 1 (delivered into buf, length in *out), 2 (queued: it did
 * not fit or carries an extension), 3 (an info request: kept in h->qry
 * for answer_queries(), or dropped), 0 (nothing waiting) or an error.
 */
static int recv_one(msl_handle *h, void *buf, size_t cap, msl_msg_info *info,
                    size_t *out, int block) {
  uint8_t hdr[MSL_LHDR_LEN];
  union {
    struct cmsghdr align;
    char b[CMSG_SPACE(sizeof(int))];
  } ctl;
  for (;;) {
    /* Past eff_max the caller's capacity is never needed (and a huge cap
     * must not reach the kernel's iovec limits). */
    size_t c = buf ? (cap < h->eff_max ? cap : h->eff_max) : 0;
    struct iovec iov[3] = {
        {hdr, sizeof(hdr)}, {buf, c}, {h->spill, h->spill_len}};
    struct msghdr mh;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = iov;
    mh.msg_iovlen = 3;
    mh.msg_control = ctl.b;
    mh.msg_controllen = sizeof(ctl.b);
    ssize_t n = recvmsg(h->fd, &mh,
                        MSG_TRUNC | MSG_CMSG_CLOEXEC |
                            (block ? 0 : MSG_DONTWAIT));
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
      return MSL_ERR_SYSTEM;
    }
    size_t total = (size_t)n;
    size_t ucap = iov[1].iov_len;
    /* A query is exactly a bare header with the flag and one descriptor;
     * any other datagram's descriptors are closed unseen. */
    int ctrl = total >= MSL_LHDR_LEN &&
               (hdr[1] & (MSL_LHDR_F_QUERY | MSL_LHDR_F_REPLY));
    int qfd = mh.msg_controllen
                  ? take_fds(&mh, ctrl && total == MSL_LHDR_LEN &&
                                      hdr[0] == MSL_LHDR_VERSION &&
                                      hdr[1] == MSL_LHDR_F_QUERY &&
                                      hdr[2] == 0 && hdr[3] == 0)
                  : -1;
    if (ctrl) {
      if (qfd >= 0 && h->nqry < MSL_LOCAL_QUERY_MAX && reply_sock_ok(qfd)) {
        h->qry[h->nqry++] = qfd;
      } else {
        close_fd(qfd); /* the requester sees its pair close: no answer */
        h->dropped++;
      }
      return 3;
    }
    if ((mh.msg_flags & MSG_TRUNC) || total < MSL_LHDR_LEN ||
        total - MSL_LHDR_LEN > ucap + h->spill_len) {
      h->dropped++; /* over every limit, or not ours */
      continue;
    }
    if (!(hdr[1] & MSL_LHDR_F_EXT)) {
      msl_lhdr lh;
      size_t len = total - MSL_LHDR_LEN;
      if (msl_lhdr_decode(&lh, info, hdr, sizeof(hdr)) < 0 ||
          len > h->eff_max) {
        h->dropped++;
        continue;
      }
      if (buf && len <= ucap) {
        *out = len;
        return 1;
      }
    }
    /* Gather the whole datagram, then strip the header in place. */
    qmsg *m = malloc(sizeof(*m) + total);
    if (!m)
      return MSL_ERR_NOMEM; /* the datagram is lost; say so */
    size_t body = total - MSL_LHDR_LEN;
    size_t a = body < ucap ? body : ucap;
    memcpy(m->data, hdr, MSL_LHDR_LEN);
    if (a)
      memcpy(m->data + MSL_LHDR_LEN, buf, a);
    if (body > a)
      memcpy(m->data + MSL_LHDR_LEN + a, h->spill, body - a);
    msl_lhdr lh;
    int off = msl_lhdr_decode(&lh, &m->info, m->data, total);
    if (off < 0 || total - (size_t)off > h->eff_max) {
      free(m);
      h->dropped++;
      continue;
    }
    m->len = total - (size_t)off;
    memmove(m->data, m->data + off, m->len);
    q_push(h, m);
    return 2;
  }
}

static int q_at_bound(const msl_handle *h) {
  return h->qcount >= MSL_LOCAL_QUEUE_MAX || h->qbytes >= MSL_LOCAL_QUEUE_BYTES;
}

/* Moves what the socket holds into the queue, up to the queue's bounds;
 * info requests met on the way are kept for answer_queries(). */
static int drain(msl_handle *h) {
  size_t dummy;
  while (!q_at_bound(h)) {
    int r = recv_one(h, NULL, 0, NULL, &dummy, 0);
    if (r <= 0)
      return r;
  }
  return 0;
}

/* Answers the pending info requests (msl_query) with the GetMailslotInfo
 * values, computed after draining the socket so the count is exact at
 * this moment (a lower bound only at the queue's bounds). The reply is
 * sent without blocking; a requester that has gone is skipped. Called
 * with h->mu held. */
static void answer_queries(msl_handle *h) {
  if (h->nqry == 0)
    return;
  (void)drain(h); /* on failure, answer with what is queued */
  msl_lhdr_reply v = {
      .max_msg_size = h->max_msg,
      .next_size = h->qhead ? (uint32_t)h->qhead->len : MSL_NO_MESSAGE,
      .msg_count = (uint32_t)h->qcount,
      .read_timeout = h->timeout,
      .status = q_at_bound(h) ? MSL_LHDR_ST_LOWER_BOUND : 0};
  uint8_t b[MSL_LHDR_REPLY_LEN];
  int n = msl_lhdr_reply_encode(&v, b, sizeof(b));
  for (int i = 0; i < h->nqry; i++) {
    if (n > 0) {
      ssize_t s;
      do
        s = send(h->qry[i], b, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
      while (s < 0 && errno == EINTR);
    }
    close(h->qry[i]);
  }
  h->nqry = 0;
}

/* ---- create / open / close ---- */

static msl_handle *handle_new(int kind) {
  msl_handle *h = calloc(1, sizeof(*h));
  if (!h)
    return NULL;
  h->kind = kind;
  h->fd = h->lock_fd = h->dir_fd = h->ev_fd = h->ep_fd = -1;
  return h;
}

static void handle_free(msl_handle *h) {
  while (h->qhead)
    q_pop(h);
  for (int i = 0; i < h->nqry; i++)
    close(h->qry[i]);
  close_fd(h->fd);
  close_fd(h->ep_fd);
  close_fd(h->ev_fd);
  close_fd(h->lock_fd);
  close_fd(h->dir_fd);
  free(h->spill);
  if (h->kind == H_READER)
    pthread_mutex_destroy(&h->mu);
  free(h);
}

/* Takes the slot's lock file: opens (creating) STEM.lock, flock()s it, and
 * checks the locked file is still the one at that name, since a closing
 * reader unlinks it while holding the lock. */
static int take_lock(msl_handle *h, const char *lockname) {
  for (int tries = 0; tries < 100; tries++) {
    int fd = openat(h->dir_fd, lockname,
                    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
      return errno_err(errno);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      close(fd);
      return e == EWOULDBLOCK ? MSL_ERR_EXISTS : MSL_ERR_SYSTEM;
    }
    struct stat a, b;
    if (fstat(fd, &a) == 0 &&
        fstatat(h->dir_fd, lockname, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
        a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
      h->lock_fd = fd;
      return 0;
    }
    close(fd); /* lost a race with a closing reader: try again */
  }
  return MSL_ERR_SYSTEM;
}

static int write_meta(msl_handle *h) {
  char meta[96];
  int n = snprintf(
      meta, sizeof(meta), "mailslot 1 max=%lu timeout=%lu pid=%ld\n",
      (unsigned long)h->max_msg, (unsigned long)h->timeout, (long)h->owner);
  if (ftruncate(h->lock_fd, 0) != 0 ||
      pwrite(h->lock_fd, meta, (size_t)n, 0) != n)
    return MSL_ERR_SYSTEM;
  return 0;
}

static int names(const char *path, int want_local, msl_path *p, char *sock,
                 char *lock, char *stem) {
  int r = msl_path_parse(p, path);
  if (r < 0)
    return r;
  if (p->kind != MSL_PATH_LOCAL)
    return want_local ? MSL_ERR_BAD_PATH : MSL_ERR_UNSUPPORTED;
  r = msl_path_file_stem(p, stem, MSL_PATH_FILE_MAX + 1);
  if (r < 0)
    return r;
  snprintf(sock, MSL_PATH_FILE_MAX + 8, "%s.sock", stem);
  snprintf(lock, MSL_PATH_FILE_MAX + 8, "%s.lock", stem);
  return 0;
}

int msl_create(const char *path, uint32_t max_msg_size,
               uint32_t read_timeout_ms, msl_handle **out) {
  msl_path p;
  char sockname[MSL_PATH_FILE_MAX + 8], lockname[MSL_PATH_FILE_MAX + 8];
  char dir[MSL_RUNDIR_PATH_MAX];
  struct sockaddr_un sa;
  socklen_t salen;
  int r;
  if (!out || !path)
    return MSL_ERR_ARG;
  *out = NULL;
  msl_handle *h = handle_new(H_READER);
  if (!h)
    return MSL_ERR_NOMEM;
  if (pthread_mutex_init(&h->mu, NULL) != 0) {
    free(h);
    return MSL_ERR_SYSTEM;
  }
  h->max_msg = max_msg_size;
  h->eff_max = effective_max(max_msg_size);
  h->timeout = read_timeout_ms;
  h->owner = getpid();
  if ((r = names(path, 1, &p, sockname, lockname, h->stem)) < 0 ||
      (r = msl_rundir_open(1, &h->dir_fd, dir, sizeof(dir))) < 0 ||
      (r = msl_rundir_sockaddr(h->dir_fd, dir, sockname, &sa, &salen)) < 0 ||
      (r = take_lock(h, lockname)) < 0 || (r = write_meta(h)) < 0)
    goto fail;
  /* We hold the lock: a socket file left here is a dead reader's. */
  if (unlinkat(h->dir_fd, sockname, 0) != 0 && errno != ENOENT) {
    r = errno_err(errno);
    goto fail;
  }
  r = MSL_ERR_SYSTEM;
  h->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (h->fd < 0)
    goto fail;
  if (bind(h->fd, (struct sockaddr *)&sa, salen) != 0) {
    r = errno_err(errno);
    unlinkat(h->dir_fd, lockname, 0);
    goto fail;
  }
  h->ev_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  h->spill_len = h->eff_max + MSL_LHDR_EXT_MAX;
  h->spill = malloc(h->spill_len);
  if (h->ev_fd < 0 || !h->spill) {
    r = h->spill ? MSL_ERR_SYSTEM : MSL_ERR_NOMEM;
    unlinkat(h->dir_fd, sockname, 0);
    unlinkat(h->dir_fd, lockname, 0);
    goto fail;
  }
  *out = h;
  return 0;
fail:
  handle_free(h);
  return r;
}

static int meta_field(const char *buf, const char *key, unsigned long *v) {
  const char *m = strstr(buf, key);
  char *end;
  if (!m)
    return MSL_ERR_NOT_FOUND;
  m += strlen(key);
  errno = 0;
  *v = strtoul(m, &end, 10);
  if (errno || end == m)
    return MSL_ERR_NOT_FOUND;
  return 0;
}

/* Reads the metadata a reader keeps in its lock file. With check_live, a
 * lock nobody holds means the reader is dead: MSL_ERR_NOT_FOUND. */
static int read_meta(int dir_fd, const char *lockname, int check_live,
                     uint32_t *max, uint32_t *timeout, long *pid) {
  char buf[128];
  unsigned long m, t, p;
  int fd = openat(dir_fd, lockname, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return errno_err(errno);
  if (check_live && flock(fd, LOCK_SH | LOCK_NB) == 0) {
    close(fd);
    return MSL_ERR_NOT_FOUND;
  }
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  close(fd);
  if (n <= 0)
    return MSL_ERR_NOT_FOUND;
  buf[n] = '\0';
  if (strncmp(buf, "mailslot 1 ", 11) != 0 ||
      meta_field(buf, " max=", &m) < 0 || m > UINT32_MAX ||
      meta_field(buf, " timeout=", &t) < 0 || t > UINT32_MAX ||
      meta_field(buf, " pid=", &p) < 0)
    return MSL_ERR_NOT_FOUND;
  if (max)
    *max = (uint32_t)m;
  if (timeout)
    *timeout = (uint32_t)t;
  if (pid)
    *pid = (long)p;
  return 0;
}

/* Network paths (issue 5, docs/network.md): api/msl_remote.c sends what
 * msl_write() writes on a handle whose socket is one end of a
 * SOCK_SEQPACKET pair. Weak: programs built without it keep refusing
 * network paths (MSL_ERR_UNSUPPORTED). */
int msl_remote_is_remote(const char *path) __attribute__((weak));
int msl_remote_open(const char *path, unsigned flags, msl_handle **out)
    __attribute__((weak));
int msl_local_wrap_writer(int fd, size_t max, msl_handle **out);

int msl_local_wrap_writer(int fd, size_t max, msl_handle **out) {
  msl_handle *h = handle_new(H_WRITER);
  if (!h)
    return MSL_ERR_NOMEM;
  h->fd = fd;
  h->max_msg = max > UINT32_MAX ? UINT32_MAX : (uint32_t)max;
  h->eff_max = max;
  *out = h;
  return 0;
}

int msl_open(const char *path, msl_handle **out) {
  if (msl_remote_is_remote && msl_remote_open && path && out &&
      msl_remote_is_remote(path))
    return msl_remote_open(path, 0, out);
  msl_path p;
  char sockname[MSL_PATH_FILE_MAX + 8], lockname[MSL_PATH_FILE_MAX + 8];
  char stem[MSL_PATH_FILE_MAX + 1];
  char dir[MSL_RUNDIR_PATH_MAX];
  struct sockaddr_un sa;
  socklen_t salen;
  int dir_fd = -1;
  int r;
  if (!out || !path)
    return MSL_ERR_ARG;
  *out = NULL;
  if ((r = names(path, 0, &p, sockname, lockname, stem)) < 0)
    return r;
  msl_handle *h = handle_new(H_WRITER);
  if (!h)
    return MSL_ERR_NOMEM;
  if ((r = msl_rundir_open(0, &dir_fd, dir, sizeof(dir))) < 0 ||
      (r = msl_rundir_sockaddr(dir_fd, dir, sockname, &sa, &salen)) < 0)
    goto fail;
  h->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (h->fd < 0) {
    r = MSL_ERR_SYSTEM;
    goto fail;
  }
  /* Connected: sends skip the name lookup, POLLOUT tracks the reader's
   * queue, and a reader that goes away is reported (ECONNREFUSED). */
  if (connect(h->fd, (struct sockaddr *)&sa, salen) != 0) {
    r = errno == EAGAIN ? MSL_ERR_QUEUE_FULL : errno_err(errno);
    goto fail;
  }
  /* The reader writes its metadata before it binds, so it is there. */
  if ((r = read_meta(dir_fd, lockname, 0, &h->max_msg, NULL, NULL)) < 0)
    goto fail;
  h->eff_max = effective_max(h->max_msg);
  close(dir_fd);
  *out = h;
  return 0;
fail:
  close_fd(dir_fd);
  handle_free(h);
  return r;
}

void msl_close(msl_handle *h) {
  if (!h)
    return;
  if (h->kind == H_READER && h->owner == getpid()) {
    char name[MSL_PATH_FILE_MAX + 8];
    /* Still holding the lock: nobody else can own these names yet. */
    snprintf(name, sizeof(name), "%s.sock", h->stem);
    unlinkat(h->dir_fd, name, 0);
    snprintf(name, sizeof(name), "%s.lock", h->stem);
    unlinkat(h->dir_fd, name, 0);
  }
  handle_free(h);
}

/* ---- read / info ---- */

int msl_read_ex(msl_handle *h, void *buf, size_t cap, msl_msg_info *info,
                uint32_t timeout_ms) {
  lazy_deadline dl = {timeout_ms, 0, {0, 0}};
  if (!h || (!buf && cap))
    return MSL_ERR_ARG;
  if (h->kind != H_READER)
    return MSL_ERR_ACCESS;
  for (;;) {
    size_t len = 0;
    int r;
    pthread_mutex_lock(&h->mu);
    if (h->qhead) {
      r = q_deliver(h, buf, cap, info);
    } else {
      /* Waiting forever: block in the kernel at once (one system call
       * per message), holding the lock (reader calls are serialised
       * anyway); an info request wakes it. */
      r = recv_one(h, buf, cap, info, &len, timeout_ms == MSL_WAIT_FOREVER);
      if (r == 1) {
        r = (int)len;
      } else if (r == 2) {
        r = q_deliver(h, buf, cap, info);
      } else if (r == 3) {
        /* An info request: answer it now (that drains the socket into
         * the queue), then look again without waiting. */
        answer_queries(h);
        r = R_AGAIN;
      } else if (r == 0) {
        r = MSL_ERR_TIMEOUT; /* nothing yet */
      }
    }
    pthread_mutex_unlock(&h->mu);
    if (r == R_AGAIN)
      continue; /* the queue may hold messages now */
    if (r != MSL_ERR_TIMEOUT || timeout_ms == 0)
      return r;
    struct pollfd pf[2] = {{h->fd, POLLIN, 0}, {h->ev_fd, POLLIN, 0}};
    int w = wait_lazy(&dl, pf, 2);
    if (w == 0)
      return MSL_ERR_TIMEOUT;
    if (w < 0)
      return MSL_ERR_SYSTEM;
  }
}

int msl_read(msl_handle *h, void *buf, size_t cap) {
  if (!h)
    return MSL_ERR_ARG;
  return msl_read_ex(h, buf, cap, NULL, h->timeout);
}

int msl_get_info(msl_handle *h, uint32_t *max_msg_size, uint32_t *next_size,
                 uint32_t *msg_count, uint32_t *read_timeout) {
  if (!h)
    return MSL_ERR_ARG;
  if (h->kind != H_READER)
    return MSL_ERR_ACCESS;
  pthread_mutex_lock(&h->mu);
  int r = 0;
  if (next_size || msg_count || h->nqry)
    r = drain(h);
  answer_queries(h);
  if (r == 0) {
    if (max_msg_size)
      *max_msg_size = h->max_msg;
    if (next_size)
      *next_size = h->qhead ? (uint32_t)h->qhead->len : MSL_NO_MESSAGE;
    if (msg_count)
      *msg_count = (uint32_t)h->qcount;
    if (read_timeout)
      *read_timeout = h->timeout;
  }
  pthread_mutex_unlock(&h->mu);
  return r;
}

int msl_set_timeout(msl_handle *h, uint32_t read_timeout_ms) {
  if (!h)
    return MSL_ERR_ARG;
  if (h->kind != H_READER)
    return MSL_ERR_ACCESS;
  pthread_mutex_lock(&h->mu);
  h->timeout = read_timeout_ms;
  int r = write_meta(h); /* for msl_stat() */
  pthread_mutex_unlock(&h->mu);
  return r;
}

int msl_stat(const char *path, uint32_t *max_msg_size, uint32_t *read_timeout,
             long *reader_pid) {
  msl_path p;
  char sockname[MSL_PATH_FILE_MAX + 8], lockname[MSL_PATH_FILE_MAX + 8];
  char stem[MSL_PATH_FILE_MAX + 1];
  char dir[MSL_RUNDIR_PATH_MAX];
  int dir_fd, r;
  if (!path)
    return MSL_ERR_ARG;
  if ((r = names(path, 0, &p, sockname, lockname, stem)) < 0 ||
      (r = msl_rundir_open(0, &dir_fd, dir, sizeof(dir))) < 0)
    return r;
  r = read_meta(dir_fd, lockname, 1, max_msg_size, read_timeout, reader_pid);
  close(dir_fd);
  return r;
}

uint64_t msl_local_dropped(msl_handle *h) {
  if (!h || h->kind != H_READER)
    return 0;
  pthread_mutex_lock(&h->mu);
  uint64_t d = h->dropped;
  pthread_mutex_unlock(&h->mu);
  return d;
}

/* A reader's pollable fd is an epoll set of the socket and the eventfd that
 * is readable while the in-process queue holds messages. */
int msl_fd(msl_handle *h) {
  if (!h)
    return MSL_ERR_ARG;
  if (h->kind == H_WRITER)
    return h->fd;
  int r;
  pthread_mutex_lock(&h->mu);
  if (h->ep_fd < 0) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event a = {.events = EPOLLIN, .data = {.fd = h->fd}};
    struct epoll_event b = {.events = EPOLLIN, .data = {.fd = h->ev_fd}};
    if (ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, h->fd, &a) == 0 &&
        epoll_ctl(ep, EPOLL_CTL_ADD, h->ev_fd, &b) == 0) {
      h->ep_fd = ep;
    } else if (ep >= 0) {
      close(ep);
    }
  }
  r = h->ep_fd >= 0 ? h->ep_fd : MSL_ERR_SYSTEM;
  pthread_mutex_unlock(&h->mu);
  return r;
}

int msl_serve(msl_handle *h, uint32_t timeout_ms) {
  lazy_deadline dl = {timeout_ms, 0, {0, 0}};
  if (!h)
    return MSL_ERR_ARG;
  if (h->kind != H_READER)
    return MSL_ERR_ACCESS;
  for (;;) {
    pthread_mutex_lock(&h->mu);
    int r = drain(h);
    int answered = h->nqry;
    answer_queries(h);
    int full = q_at_bound(h);
    pthread_mutex_unlock(&h->mu);
    if (r < 0)
      return r;
    if (answered > 0)
      return answered;
    if (full)
      return MSL_ERR_QUEUE_FULL; /* read first: the socket stays unread */
    if (timeout_ms == 0)
      return MSL_ERR_TIMEOUT;
    struct pollfd pf = {h->fd, POLLIN, 0};
    int w = wait_lazy(&dl, &pf, 1);
    if (w == 0)
      return MSL_ERR_TIMEOUT;
    if (w < 0)
      return MSL_ERR_SYSTEM;
  }
}

/* Sends an info request carrying the reply end of a socketpair; waits for
 * the reader's answer on the other end until the deadline. */
static int query_slot(int s, const struct timespec *dl, msl_lhdr_reply *v) {
  int sp[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0)
    return MSL_ERR_SYSTEM;
  uint8_t hdr[MSL_LHDR_LEN] = {MSL_LHDR_VERSION, MSL_LHDR_F_QUERY, 0, 0};
  struct iovec iov = {hdr, sizeof(hdr)};
  union {
    struct cmsghdr align;
    char b[CMSG_SPACE(sizeof(int))];
  } ctl;
  memset(&ctl, 0, sizeof(ctl));
  struct msghdr mh;
  memset(&mh, 0, sizeof(mh));
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = ctl.b;
  mh.msg_controllen = sizeof(ctl.b);
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &sp[1], sizeof(int));
  int r;
  for (;;) {
    if (sendmsg(s, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
      break;
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      r = errno_err(errno);
      goto out;
    }
    struct pollfd pf = {s, POLLOUT, 0}; /* the slot's queue is full */
    int w = wait_fds(&pf, 1, dl);
    if (w <= 0) {
      r = w == 0 ? MSL_ERR_TIMEOUT : MSL_ERR_SYSTEM;
      goto out;
    }
  }
  /* Only the reader holds the reply end now: if it drops the request or
   * dies, the pair reads as closed. */
  close(sp[1]);
  sp[1] = -1;
  for (;;) {
    uint8_t b[MSL_LHDR_REPLY_LEN + 1];
    ssize_t n = recv(sp[0], b, sizeof(b), MSG_DONTWAIT);
    if (n > 0) {
      r = msl_lhdr_reply_decode(v, b, (size_t)n);
      goto out;
    }
    if (n == 0) {
      r = MSL_ERR_NOT_FOUND;
      goto out;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      r = errno_err(errno);
      goto out;
    }
    struct pollfd pf = {sp[0], POLLIN, 0};
    int w = wait_fds(&pf, 1, dl);
    if (w <= 0) {
      r = w == 0 ? MSL_ERR_TIMEOUT : MSL_ERR_SYSTEM;
      goto out;
    }
  }
out:
  close(sp[0]);
  close_fd(sp[1]);
  return r;
}

int msl_query(const char *path, uint32_t wait_ms, uint32_t *max_msg_size,
              uint32_t *next_size, uint32_t *msg_count,
              uint32_t *read_timeout) {
  msl_path p;
  char sockname[MSL_PATH_FILE_MAX + 8], lockname[MSL_PATH_FILE_MAX + 8];
  char stem[MSL_PATH_FILE_MAX + 1];
  char dir[MSL_RUNDIR_PATH_MAX];
  struct sockaddr_un sa;
  socklen_t salen;
  int dir_fd = -1, s = -1, r;
  if (!path)
    return MSL_ERR_ARG;
  struct timespec dl = deadline_after(wait_ms);
  if ((r = names(path, 0, &p, sockname, lockname, stem)) < 0 ||
      (r = msl_rundir_open(0, &dir_fd, dir, sizeof(dir))) < 0 ||
      (r = msl_rundir_sockaddr(dir_fd, dir, sockname, &sa, &salen)) < 0)
    goto out;
  s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    r = MSL_ERR_SYSTEM;
    goto out;
  }
  /* connect(2) checks write permission on the socket: querying needs the
   * same right as writing. */
  if (connect(s, (struct sockaddr *)&sa, salen) != 0) {
    r = errno == EAGAIN ? MSL_ERR_TIMEOUT : errno_err(errno);
    goto out;
  }
  msl_lhdr_reply v;
  r = query_slot(s, wait_ms == MSL_WAIT_FOREVER ? NULL : &dl, &v);
  if (r == 0) {
    if (max_msg_size)
      *max_msg_size = v.max_msg_size;
    if (next_size)
      *next_size = v.next_size;
    if (msg_count)
      *msg_count = v.msg_count;
    if (read_timeout)
      *read_timeout = v.read_timeout;
  }
out:
  close_fd(s);
  close_fd(dir_fd);
  return r;
}

/* ---- write ---- */

int msl_local_send(msl_handle *h, const void *buf, size_t len,
                   const msl_msg_info *info, uint32_t timeout_ms) {
  uint8_t hb[MSL_LHDR_LEN + MSL_LHDR_EXT_LEN];
  lazy_deadline dl = {timeout_ms, 0, {0, 0}};
  if (!h || (!buf && len))
    return MSL_ERR_ARG;
  if (h->kind != H_WRITER)
    return MSL_ERR_ACCESS;
  if (len > h->eff_max)
    return MSL_ERR_MSG_TOO_BIG;
  int hl = msl_lhdr_encode(info, hb, sizeof(hb));
  if (hl < 0)
    return hl;
  struct iovec iov[2] = {{hb, (size_t)hl}, {(void *)(uintptr_t)buf, len}};
  struct msghdr mh;
  memset(&mh, 0, sizeof(mh));
  mh.msg_iov = iov;
  mh.msg_iovlen = 2;
  /* Waiting forever: let the kernel block (one system call per message). */
  int flags =
      MSG_NOSIGNAL | (timeout_ms == MSL_WAIT_FOREVER ? 0 : MSG_DONTWAIT);
  for (;;) {
    if (sendmsg(h->fd, &mh, flags) >= 0)
      return 0;
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return errno_err(errno);
    if (timeout_ms == 0)
      return MSL_ERR_QUEUE_FULL;
    struct pollfd pf = {h->fd, POLLOUT, 0};
    int w = wait_lazy(&dl, &pf, 1);
    if (w == 0)
      return MSL_ERR_QUEUE_FULL;
    if (w < 0)
      return MSL_ERR_SYSTEM;
  }
}

int msl_write(msl_handle *h, const void *buf, size_t len) {
  return msl_local_send(h, buf, len, NULL, 0);
}

int msl_write_wait(msl_handle *h, const void *buf, size_t len,
                   uint32_t timeout_ms) {
  return msl_local_send(h, buf, len, NULL, timeout_ms);
}
