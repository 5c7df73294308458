/*
 * Local mailslots over Unix-domain datagram sockets (see
 * docs/local-mailslots.md for the design and include/mailslot.h for the
 * contract). The files of a slot and the checks on them are in
 * msl_slotdir.c; this file is the readers and writers.
 *
 * Every message a reader receives carries the sender's credentials
 * (SO_PASSCRED: the kernel fills them in, a writer cannot forge them), so
 * a reader knows each local writer's uid and pid, and believes the
 * "network origin" sender details only from the network service.
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

#include "msl_cmsg.h"
#include "msl_lhdr.h"
#include "msl_path.h"
#include "msl_rundir.h"
#include "msl_slotdir.h"
#include "msl_syserr.h"

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
  uint64_t forged; /* network sender details from an untrusted writer */
  uid_t daemon_uid; /* the control directory's owner, as last seen */
  char ctl_dir[MSL_RUNDIR_PATH_MAX];
  /* Network writers: a new connection when the peer went away. */
  msl_reopen_fn reopen;
  void *reopen_ctx;
  void (*reopen_free)(void *);
  unsigned gen; /* reopens so far (atomic) */
  /* Info requests (msl_query) received but not yet answered: the
   * requesters' reply sockets. */
  int qry[MSL_LOCAL_QUERY_MAX];
  int nqry;
};

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

/* wait_lazy for one fd and events: 1 when ready, 0 when the deadline
 * passed, MSL_ERR_SYSTEM on failure. */
static int wait_one(lazy_deadline *d, int fd, short events) {
  struct pollfd pf = {fd, events, 0};
  int w = wait_lazy(d, &pf, 1);
  return w < 0 ? MSL_ERR_SYSTEM : w;
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

/* The control-message room of one received datagram: the sender's
 * credentials (always, SO_PASSCRED) and at most one descriptor. */
typedef union rx_ctl {
  struct cmsghdr align;
  char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
} rx_ctl;

static struct ucred creds_of(struct msghdr *mh) {
  struct ucred u = {0, (uid_t)-1, (gid_t)-1};
  for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
        c->cmsg_len >= CMSG_LEN(sizeof(u)))
      memcpy(&u, CMSG_DATA(c), sizeof(u));
  return u;
}

/* Whose "network origin" a reader believes: root, itself (a process of
 * the same user could read the slot anyway), and the user owning the
 * control directory -- the network service (msl_rundir.h). The owner is
 * looked up again only when an unknown writer claims network origin. */
static int trusted_sender(msl_handle *h, uid_t uid) {
  if (uid == 0 || uid == geteuid() || uid == h->daemon_uid)
    return 1;
  struct stat st;
  if (h->ctl_dir[0] && stat(h->ctl_dir, &st) == 0 && S_ISDIR(st.st_mode) &&
      !(st.st_mode & 022))
    h->daemon_uid = st.st_uid;
  return uid == h->daemon_uid;
}

/* Completes *info for a message from the sender u: its uid and pid, and
 * local origin unless it may speak for the network. */
static void stamp_origin(msl_handle *h, msl_msg_info *info,
                         const struct ucred *u) {
  if (info->origin == MSL_ORIGIN_NETWORK && !trusted_sender(h, u->uid)) {
    memset(info, 0, sizeof(*info));
    info->origin = MSL_ORIGIN_LOCAL;
    h->forged++;
  }
  info->uid = (uint32_t)u->uid;
  info->pid = (int32_t)u->pid;
}

/* An info request (or any datagram with a control flag): kept in h->qry
 * for answer_queries() when it is exactly a well-formed query with its one
 * reply descriptor, else dropped with its descriptors. */
static void take_query(msl_handle *h, struct msghdr *mh, const uint8_t *hdr,
                       size_t total) {
  int well_formed = total == MSL_LHDR_LEN && hdr[0] == MSL_LHDR_VERSION &&
                    hdr[1] == MSL_LHDR_F_QUERY && hdr[2] == 0 && hdr[3] == 0;
  int qfd = take_fds(mh, well_formed);
  if (qfd >= 0 && h->nqry < MSL_LOCAL_QUERY_MAX && reply_sock_ok(qfd)) {
    h->qry[h->nqry++] = qfd;
    return;
  }
  if (qfd >= 0)
    close(qfd); /* the requester sees its pair close: no answer */
  h->dropped++;
}

/* Gathers a datagram received over [hdr | buf (a bytes) | spill] into a
 * queued message with its header stripped. 2 (queued), 0 (dropped) or
 * MSL_ERR_NOMEM. */
static int queue_whole(msl_handle *h, const uint8_t *hdr, const void *buf,
                       size_t a, size_t total, const struct ucred *u) {
  qmsg *m = malloc(sizeof(*m) + total);
  if (!m)
    return MSL_ERR_NOMEM; /* the datagram is lost; say so */
  size_t body = total - MSL_LHDR_LEN;
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
    return 0;
  }
  stamp_origin(h, &m->info, u);
  m->len = total - (size_t)off;
  memmove(m->data, m->data + off, m->len);
  q_push(h, m);
  return 2;
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
  rx_ctl ctl;
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
    if (total >= MSL_LHDR_LEN &&
        (hdr[1] & (MSL_LHDR_F_QUERY | MSL_LHDR_F_REPLY))) {
      take_query(h, &mh, hdr, total);
      return 3;
    }
    if (mh.msg_controllen)
      (void)take_fds(&mh, 0); /* descriptors on a message: closed unseen */
    if ((mh.msg_flags & MSG_TRUNC) || total < MSL_LHDR_LEN ||
        total - MSL_LHDR_LEN > ucap + h->spill_len) {
      h->dropped++; /* over every limit, or not ours */
      continue;
    }
    struct ucred u = creds_of(&mh);
    if (!(hdr[1] & MSL_LHDR_F_EXT)) {
      msl_lhdr lh;
      size_t len = total - MSL_LHDR_LEN;
      if (msl_lhdr_decode(&lh, info, hdr, sizeof(hdr)) < 0 ||
          len > h->eff_max) {
        h->dropped++;
        continue;
      }
      if (buf && len <= ucap) {
        if (info)
          stamp_origin(h, info, &u);
        *out = len;
        return 1;
      }
    }
    size_t body = total - MSL_LHDR_LEN;
    int r = queue_whole(h, hdr, buf, body < ucap ? body : ucap, total, &u);
    if (r != 0)
      return r;
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
  if (h->reopen_free)
    h->reopen_free(h->reopen_ctx);
  if (h->kind == H_READER || h->reopen)
    pthread_mutex_destroy(&h->mu);
  free(h);
}

static int write_meta(msl_handle *h) {
  msl_slot_meta m = {h->max_msg, h->timeout, (long)h->owner};
  return msl_slot_meta_write(h->lock_fd, &m);
}

/* The slot names of a local path; a network path is MSL_ERR_BAD_PATH when
 * want_local (msl_create), else MSL_ERR_UNSUPPORTED (the caller sends it
 * over the network instead). */
static int names(const char *path, int want_local, msl_slot_names *n) {
  msl_path p;
  int r = msl_path_parse(&p, path);
  if (r < 0)
    return r;
  if (p.kind != MSL_PATH_LOCAL)
    return want_local ? MSL_ERR_BAD_PATH : MSL_ERR_UNSUPPORTED;
  return msl_slot_names_of(&p, n);
}

/* The reader's socket, bound at n->sock, group-writable, with every
 * sender's credentials on every datagram. */
static int bind_reader(msl_handle *h, const char *dir, const msl_slot_names *n) {
  struct sockaddr_un sa;
  socklen_t salen;
  int one = 1;
  int r = msl_rundir_sockaddr(h->dir_fd, dir, n->sock, &sa, &salen);
  if (r < 0)
    return r;
  h->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (h->fd < 0 ||
      setsockopt(h->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) != 0)
    return MSL_ERR_SYSTEM;
  if (bind(h->fd, (struct sockaddr *)&sa, salen) != 0)
    return msl_err_from_errno(errno);
  if ((r = msl_slot_sock_allow_group(h->dir_fd, n->sock)) < 0)
    unlinkat(h->dir_fd, n->sock, 0);
  return r;
}

int msl_create(const char *path, uint32_t max_msg_size,
               uint32_t read_timeout_ms, msl_handle **out) {
  msl_slot_names n;
  char dir[MSL_RUNDIR_PATH_MAX];
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
  h->daemon_uid = (uid_t)-1;
  if (msl_rundir_ctl_path(h->ctl_dir, sizeof(h->ctl_dir)) < 0)
    h->ctl_dir[0] = '\0'; /* then only root and ourselves are trusted */
  if ((r = names(path, 1, &n)) < 0 ||
      (r = msl_rundir_open(1, &h->dir_fd, dir, sizeof(dir))) < 0)
    goto fail;
  if ((h->lock_fd = msl_slot_lock(h->dir_fd, &n)) < 0) {
    r = h->lock_fd;
    goto fail;
  }
  memcpy(h->stem, n.stem, sizeof(h->stem));
  /* We hold the lock: a socket file left here is a dead reader's. */
  if ((r = write_meta(h)) < 0 ||
      (unlinkat(h->dir_fd, n.sock, 0) != 0 && errno != ENOENT &&
       (r = msl_err_from_errno(errno)) < 0) ||
      (r = bind_reader(h, dir, &n)) < 0) {
    unlinkat(h->dir_fd, n.lock, 0);
    goto fail;
  }
  h->ev_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  h->spill_len = h->eff_max + MSL_LHDR_EXT_MAX;
  h->spill = malloc(h->spill_len);
  if (h->ev_fd < 0 || !h->spill) {
    r = h->spill ? MSL_ERR_SYSTEM : MSL_ERR_NOMEM;
    unlinkat(h->dir_fd, n.sock, 0);
    unlinkat(h->dir_fd, n.lock, 0);
    goto fail;
  }
  *out = h;
  return 0;
fail:
  handle_free(h);
  return r;
}

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

int msl_local_wrap_writer_ex(int fd, size_t max, msl_reopen_fn reopen,
                             void *ctx, void (*ctx_free)(void *),
                             msl_handle **out) {
  if (!reopen || !out)
    return MSL_ERR_ARG;
  int r = msl_local_wrap_writer(fd, max, out);
  if (r < 0)
    return r;
  if (pthread_mutex_init(&(*out)->mu, NULL) != 0) {
    (*out)->fd = -1; /* still the caller's */
    handle_free(*out);
    *out = NULL;
    return MSL_ERR_SYSTEM;
  }
  (*out)->reopen = reopen;
  (*out)->reopen_ctx = ctx;
  (*out)->reopen_free = ctx_free;
  return 0;
}

/* A network writer's peer went away: a new connection takes the old
 * descriptor's number, unless another thread already replaced the one
 * that failed (its generation gen is past). */
static int reopen_writer(msl_handle *h, unsigned gen) {
  int nfd, r = 0;
  pthread_mutex_lock(&h->mu);
  if (__atomic_load_n(&h->gen, __ATOMIC_ACQUIRE) == gen &&
      (r = h->reopen(h->reopen_ctx, &nfd)) == 0) {
    if (dup3(nfd, h->fd, O_CLOEXEC) < 0)
      r = MSL_ERR_SYSTEM;
    close(nfd);
    __atomic_store_n(&h->gen, gen + 1, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&h->mu);
  return r;
}

/* The checked slot of a local path, in this process's run directory. */
static int lookup_path(const char *path, msl_slot_ref *ref) {
  msl_slot_names n;
  char dir[MSL_RUNDIR_PATH_MAX];
  int dir_fd, r;
  if ((r = names(path, 0, &n)) < 0 ||
      (r = msl_rundir_open(0, &dir_fd, dir, sizeof(dir))) < 0)
    return r;
  r = msl_slot_lookup(dir_fd, &n, ref);
  close(dir_fd);
  return r;
}

int msl_local_open(const char *path, msl_handle **out) {
  msl_slot_ref ref;
  if (!out || !path)
    return MSL_ERR_ARG;
  *out = NULL;
  int r = lookup_path(path, &ref);
  if (r < 0)
    return r;
  /* Connected: sends skip the name lookup, POLLOUT tracks the reader's
   * queue, and a reader that goes away is reported (ECONNREFUSED). */
  r = msl_local_open_ref(&ref, out);
  msl_slot_ref_close(&ref);
  return r;
}

int msl_local_open_ref(const msl_slot_ref *ref, msl_handle **out) {
  msl_slot_meta meta;
  if (!ref || !out)
    return MSL_ERR_ARG;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return MSL_ERR_SYSTEM;
  int r = msl_slot_connect(fd, ref);
  if (r == 0)
    r = msl_slot_meta_read(ref->lock_fd, &meta);
  if (r == 0)
    r = msl_local_wrap_writer(fd, effective_max(meta.max_msg), out);
  if (r < 0) {
    close(fd);
    return r;
  }
  (*out)->max_msg = meta.max_msg;
  return 0;
}

void msl_close(msl_handle *h) {
  if (!h)
    return;
  if (h->kind == H_READER && h->owner == getpid()) {
    char name[MSL_SLOT_FILE_CAP];
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
  msl_slot_ref ref;
  msl_slot_meta m;
  if (!path)
    return MSL_ERR_ARG;
  int r = lookup_path(path, &ref);
  if (r < 0)
    return r;
  r = !msl_slot_live(ref.lock_fd) ? MSL_ERR_NOT_FOUND
                                  : msl_slot_meta_read(ref.lock_fd, &m);
  msl_slot_ref_close(&ref);
  if (r < 0)
    return r;
  if (max_msg_size)
    *max_msg_size = m.max_msg;
  if (read_timeout)
    *read_timeout = m.timeout;
  if (reader_pid)
    *reader_pid = m.pid;
  return 0;
}

/* A counter of reader h, read under its lock; 0 when h is no reader. */
static uint64_t reader_counter(msl_handle *h, const uint64_t *counter) {
  if (!h || h->kind != H_READER)
    return 0;
  pthread_mutex_lock(&h->mu);
  uint64_t v = *counter;
  pthread_mutex_unlock(&h->mu);
  return v;
}

uint64_t msl_local_forged(msl_handle *h) {
  return reader_counter(h, h ? &h->forged : NULL);
}

uint64_t msl_local_dropped(msl_handle *h) {
  return reader_counter(h, h ? &h->dropped : NULL);
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
    int w = timeout_ms ? wait_one(&dl, h->fd, POLLIN) : 0;
    if (w <= 0)
      return w < 0 ? w : MSL_ERR_TIMEOUT;
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
  struct msghdr mh;
  memset(&mh, 0, sizeof(mh));
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  msl_cmsg_set(&mh, ctl.b, sizeof(ctl.b), SOL_SOCKET, SCM_RIGHTS, &sp[1],
               sizeof(int));
  int r;
  for (;;) {
    if (sendmsg(s, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
      break;
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      r = msl_err_from_errno(errno);
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
      /* A reply that does not decode: MSL_ERR_INVALID, never the
       * codec's reason. */
      r = msl_err_public(msl_lhdr_reply_decode(v, b, (size_t)n));
      goto out;
    }
    if (n == 0) {
      r = MSL_ERR_NOT_FOUND;
      goto out;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      r = msl_err_from_errno(errno);
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
  msl_slot_ref ref;
  if (!path)
    return MSL_ERR_ARG;
  struct timespec dl = deadline_after(wait_ms);
  int r = lookup_path(path, &ref);
  if (r < 0)
    return r;
  int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  /* connect(2) checks write permission on the socket: querying needs the
   * same right as writing. */
  r = s < 0 ? MSL_ERR_SYSTEM : msl_slot_connect(s, &ref);
  msl_slot_ref_close(&ref);
  msl_lhdr_reply v;
  if (r == MSL_ERR_QUEUE_FULL)
    r = MSL_ERR_TIMEOUT;
  else if (r == 0)
    r = query_slot(s, wait_ms == MSL_WAIT_FOREVER ? NULL : &dl, &v);
  close_fd(s);
  if (r < 0)
    return r;
  if (max_msg_size)
    *max_msg_size = v.max_msg_size;
  if (next_size)
    *next_size = v.next_size;
  if (msg_count)
    *msg_count = v.msg_count;
  if (read_timeout)
    *read_timeout = v.read_timeout;
  return 0;
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
  int reopened = 0;
  for (;;) {
    unsigned gen = h->reopen ? __atomic_load_n(&h->gen, __ATOMIC_ACQUIRE) : 0;
    if (sendmsg(h->fd, &mh, flags) >= 0)
      return 0;
    if (errno == EINTR)
      continue;
    int r = msl_err_from_errno(errno);
    if (r == MSL_ERR_NOT_FOUND && h->reopen && !reopened++) {
      if ((r = reopen_writer(h, gen)) == 0)
        continue; /* once more, on the new connection */
      return r;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return r;
    int w = timeout_ms ? wait_one(&dl, h->fd, POLLOUT) : 0;
    if (w <= 0)
      return w < 0 ? w : MSL_ERR_QUEUE_FULL;
  }
}

int msl_write(msl_handle *h, const void *buf, size_t len) {
  return msl_local_send(h, buf, len, NULL, 0);
}

int msl_write_wait(msl_handle *h, const void *buf, size_t len,
                   uint32_t timeout_ms) {
  return msl_local_send(h, buf, len, NULL, timeout_ms);
}
