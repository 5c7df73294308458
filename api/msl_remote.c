/* Network mailslot writers (see msl_remote.h). */
#define _GNU_SOURCE
#include "msl_remote.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "msl_clock.h"
#include "msl_ctl_client.h"
#include "msl_dgram_service.h"
#include "msl_ifaces.h"
#include "msl_lhdr.h"
#include "msl_local.h"
#include "msl_name_service.h"
#include "msl_path.h"
#include "msl_proto_err.h"
#include "msl_udp.h"

#define CTL_TIMEOUT_MS 5000
#define DRAIN_AT_EXIT_MS 2000
#define FW_BUF (MSL_LOCAL_MSG_MAX + MSL_LHDR_LEN + MSL_LHDR_EXT_MAX)

/* One direct sender thread per handle. */
typedef struct direct {
  int fd; /* our end of the pair's peer */
  msl_udp udp;
  msl_ifaces ifs;
  msl_dgram_sender snd;
  msl_dgram_dest dest;
  uint8_t buf[FW_BUF];
} direct;

static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t live_cv = PTHREAD_COND_INITIALIZER;
static int live_threads;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

/* At exit, give sender threads time to send what msl_write queued. */
static void drain_at_exit(void) {
  struct timespec dl;
  clock_gettime(CLOCK_REALTIME, &dl);
  dl.tv_sec += DRAIN_AT_EXIT_MS / 1000;
  pthread_mutex_lock(&live_mu);
  while (live_threads > 0)
    if (pthread_cond_timedwait(&live_cv, &live_mu, &dl) != 0)
      break;
  pthread_mutex_unlock(&live_mu);
}

static void register_exit(void) { atexit(drain_at_exit); }

/* Names of addresses (node status), for every direct open of the process:
 * a program that opens \\1.2.3.4\... often asks once, not per open. */
static pthread_mutex_t ipname_mu = PTHREAD_MUTEX_INITIALIZER;
static msl_ns_ipcache ipnames;

/* msl_dgram_addr_namer for a direct sender: the cache, else a blocking
 * node status (at most MSL_NS_STATUS_TRIES x MSL_NS_STATUS_WAIT_MS) to
 * the name port (MAILSLOT_NAME_PORT, default 137). */
static int direct_namer(void *user, uint32_t ip, const char *scope,
                        msl_nbname *name) {
  (void)user;
  pthread_mutex_lock(&ipname_mu);
  int r = msl_ns_ipcache_get(&ipnames, ip, scope, msl_now_ms(), name);
  pthread_mutex_unlock(&ipname_mu);
  if (r >= 0)
    return r ? 0 : MSL_ERR_NAME_NOT_FOUND;
  const char *e = getenv("MAILSLOT_NAME_PORT");
  long v = e ? strtol(e, NULL, 10) : 0;
  uint16_t port = v > 0 && v < 65536 ? (uint16_t)v : MSL_NBNS_PORT;
  r = msl_ns_status_name(ip, port, scope, MSL_NS_STATUS_TRIES,
                         MSL_NS_STATUS_WAIT_MS, name);
  if (r < 0 && r != MSL_ERR_NAME_NOT_FOUND)
    return r; /* no socket: ask again next time */
  pthread_mutex_lock(&ipname_mu);
  msl_ns_ipcache_put(&ipnames, ip, scope, r == 0 ? name : NULL, msl_now_ms());
  pthread_mutex_unlock(&ipname_mu);
  return r;
}

static void *direct_main(void *arg) {
  direct *d = arg;
  for (;;) {
    struct pollfd pf = {d->fd, POLLIN, 0};
    if (poll(&pf, 1, -1) < 0 && errno != EINTR)
      break;
    int r;
    while ((r = msl_dgram_forward(&d->snd, &d->dest, d->fd, d->buf,
                                  sizeof(d->buf))) == 1)
      ;
    if (r < 0)
      break;
  }
  close(d->fd);
  msl_dgram_sender_free(&d->snd);
  msl_udp_close(&d->udp);
  free(d);
  pthread_mutex_lock(&live_mu);
  live_threads--;
  pthread_cond_broadcast(&live_cv);
  pthread_mutex_unlock(&live_mu);
  return NULL;
}

int msl_remote_is_remote(const char *path) {
  msl_path p;
  return path && msl_path_parse(&p, path) == 0 && p.kind != MSL_PATH_LOCAL;
}

static const char *env_or(const char *v, const char *env, const char *def) {
  if (v)
    return v;
  const char *e = getenv(env);
  return e && *e ? e : def;
}

/* Copies at most 15 characters up to the first '.' (a host name's first
 * label is its NetBIOS name). */
static void nb_name(char *dst, const char *src) {
  size_t i = 0;
  for (; src[i] && src[i] != '.' && i < 15; i++)
    dst[i] = src[i];
  dst[i] = '\0';
}

static int open_direct(const char *path, const msl_remote_opts *o,
                       int peer, size_t *max) {
  char host[256], name[16];
  const char *ifn[1];
  int r;
  direct *d = calloc(1, sizeof(*d));
  if (!d)
    return MSL_ERR_NOMEM;
  d->fd = peer;
  d->udp.fd = -1;
  if (gethostname(host, sizeof(host)) != 0)
    snprintf(host, sizeof(host), "localhost");
  host[sizeof(host) - 1] = '\0';
  nb_name(name, env_or(o->name, "MAILSLOT_NAME", host));
  const char *wg = env_or(o->workgroup, "MAILSLOT_WORKGROUP", "WORKGROUP");
  const char *scope = env_or(o->scope, "MAILSLOT_SCOPE", "");
  uint16_t port = o->port;
  if (!port) {
    const char *e = getenv("MAILSLOT_DGRAM_PORT");
    long v = e ? strtol(e, NULL, 10) : 0;
    port = v > 0 && v < 65536 ? (uint16_t)v : MSL_NBDGM_PORT;
  }
  const char *const *ifs = o->interfaces;
  size_t nifs = o->n_interfaces;
  if (!ifs && (ifn[0] = getenv("MAILSLOT_INTERFACE")) && *ifn[0]) {
    ifs = ifn;
    nifs = 1;
  }
  r = msl_dgram_dest_resolve(&d->dest, path, wg, scope, port,
                             (o->flags & MSL_OPEN_FRAGMENT) != 0, NULL,
                             direct_namer, NULL);
  if (r < 0)
    goto fail;
  d->dest.fit576 = (o->flags & MSL_OPEN_FIT576) != 0;
  if ((r = msl_dgram_max_message(&d->dest)) < 0)
    goto fail;
  if ((r = msl_ifaces_list(&d->ifs, ifs, nifs)) < 0)
    goto fail;
  if (d->dest.group && d->ifs.n == 0) {
    r = MSL_ERR_NO_INTERFACE;
    goto fail;
  }
  /* Port 138 when we may have it (replies go there), else any port. */
  if (msl_udp_open(&d->udp, 0, port) < 0 &&
      (r = msl_udp_open(&d->udp, 0, 0)) < 0)
    goto fail;
  msl_nbname src;
  if (msl_nbname_make(&src, name, MSL_NB_WORKSTATION, scope) != 0) {
    r = MSL_ERR_NAME;
    goto fail;
  }
  if ((r = msl_dgram_sender_init(&d->snd, &d->udp, &src, d->udp.port,
                                 &d->ifs)) < 0)
    goto fail;
  *max = (size_t)msl_dgram_max_message(&d->dest);
  pthread_once(&exit_once, register_exit);
  pthread_mutex_lock(&live_mu);
  live_threads++;
  pthread_mutex_unlock(&live_mu);
  pthread_t th;
  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
  r = pthread_create(&th, &at, direct_main, d);
  pthread_attr_destroy(&at);
  if (r != 0) {
    pthread_mutex_lock(&live_mu);
    live_threads--;
    pthread_mutex_unlock(&live_mu);
    msl_dgram_sender_free(&d->snd);
    r = MSL_ERR_SYSTEM;
    goto fail;
  }
  return 0;
fail:
  msl_udp_close(&d->udp);
  free(d);
  return r; /* peer is the caller's to close */
}

/* Hands peer to mailslotd. Returns 0 (*max set) or an error; *answered
 * is 0 when no daemon runs (then the caller sends directly). */
static int open_via_daemon(const char *path, unsigned flags, int peer,
                           size_t *max, int *answered) {
  char req[600], rep[128];
  *answered = 0;
  int fd = msl_ctl_connect();
  if (fd < 0)
    return fd == MSL_ERR_ACCESS ? MSL_ERR_NO_SERVICE : fd;
  *answered = 1;
  int n = snprintf(req, sizeof(req), "open %u %s", flags, path);
  if (n < 0 || (size_t)n >= sizeof(req)) {
    close(fd);
    return MSL_ERR_BAD_PATH;
  }
  n = msl_ctl_call(fd, req, (size_t)n, peer, rep, sizeof(rep),
                   CTL_TIMEOUT_MS);
  close(fd);
  if (n < 0)
    return n == MSL_ERR_NO_SERVICE ? MSL_ERR_SYSTEM : n;
  if (strncmp(rep, "ok ", 3) == 0) {
    long v = strtol(rep + 3, NULL, 10);
    if (v < 0)
      return MSL_ERR_INVALID;
    *max = (size_t)v;
    return 0;
  }
  return msl_ctl_reply_err(rep);
}

/* One end of a new pair whose other end sends to path: the daemon's, or
 * a sender thread's of ours. Returns the fd (*max set) or an msl_err. */
static int connect_writer(const char *path, const msl_remote_opts *o,
                          size_t *max) {
  int sv[2], r = 0;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    return MSL_ERR_SYSTEM;
  int answered = 0;
  if (!(o->flags & MSL_OPEN_DIRECT))
    r = open_via_daemon(path, o->flags & ~MSL_OPEN_DIRECT, sv[1], max,
                        &answered);
  if (answered) {
    close(sv[1]); /* the daemon holds its own copy (or refused) */
  } else {
    r = open_direct(path, o, sv[1], max);
    if (r < 0)
      close(sv[1]);
  }
  if (r < 0) {
    close(sv[0]);
    return msl_err_public(r);
  }
  return sv[0];
}

/* What a writer needs to open its pair again (msl_local's reopen hook):
 * the daemon closes writers that stay idle, and may restart. */
typedef struct reopen_ctx {
  msl_remote_opts o;
  char path[];
} reopen_ctx;

static int reopen_writer(void *ctx, int *fd) {
  reopen_ctx *c = ctx;
  size_t max;
  int r = connect_writer(c->path, &c->o, &max);
  if (r < 0)
    return r;
  *fd = r;
  return 0;
}

int msl_remote_open_opts(const char *path, const msl_remote_opts *o,
                         msl_handle **out) {
  msl_remote_opts def;
  size_t max = 0;
  if (!out || !path)
    return MSL_ERR_ARG;
  *out = NULL;
  if (!o) {
    memset(&def, 0, sizeof(def));
    o = &def;
  }
  if (!msl_remote_is_remote(path))
    return MSL_ERR_BAD_PATH;
  size_t pl = strlen(path) + 1;
  reopen_ctx *c = malloc(sizeof(*c) + pl);
  if (!c)
    return MSL_ERR_NOMEM;
  c->o = *o;
  /* The caller's strings are not kept: a reopen takes the defaults. */
  c->o.name = c->o.workgroup = c->o.scope = NULL;
  c->o.interfaces = NULL;
  c->o.n_interfaces = 0;
  memcpy(c->path, path, pl);
  int fd = connect_writer(path, o, &max);
  int r = fd < 0 ? fd
                 : msl_local_wrap_writer_ex(fd, max, reopen_writer, c, free,
                                            out);
  if (r < 0) {
    if (fd >= 0)
      close(fd);
    free(c);
  }
  return r;
}

int msl_remote_open(const char *path, unsigned flags, msl_handle **out) {
  msl_remote_opts o;
  memset(&o, 0, sizeof(o));
  o.flags = flags;
  return msl_remote_open_opts(path, &o, out);
}

/* The scope our datagrams' names will carry: mailslotd's when it sends
 * for us, else the direct sender's ($MAILSLOT_SCOPE). */
static void sender_scope(unsigned flags, char *scope, size_t cap) {
  msl_service_identity id;
  if (!(flags & MSL_OPEN_DIRECT) && msl_service_query_identity(&id) == 0) {
    snprintf(scope, cap, "%s", id.scope);
    return;
  }
  snprintf(scope, cap, "%s", env_or(NULL, "MAILSLOT_SCOPE", ""));
}

int msl_remote_max_message(const char *path, unsigned flags) {
  msl_dgram_dest d;
  msl_path p;
  char scope[256];
  if (!path)
    return MSL_ERR_ARG;
  int r = msl_path_parse(&p, path);
  if (r < 0)
    return r;
  if (p.kind == MSL_PATH_LOCAL)
    return MSL_ERR_BAD_PATH;
  memset(&d, 0, sizeof(d));
  d.fragment = (flags & MSL_OPEN_FRAGMENT) != 0;
  d.fit576 = (flags & MSL_OPEN_FIT576) != 0;
  if (snprintf(d.mailslot, sizeof(d.mailslot), "\\MAILSLOT\\%s",
               p.name_raw) >= (int)sizeof(d.mailslot))
    return MSL_ERR_BAD_PATH;
  /* Only the names' lengths matter: any name in the right scope. */
  if (d.fit576) {
    sender_scope(flags, scope, sizeof(scope));
    if (msl_nbname_make(&d.name, "X", 0, scope) != 0)
      return MSL_ERR_NAME;
  }
  r = msl_dgram_max_message(&d);
  return r == MSL_ERR_MSG_TOO_BIG || r == MSL_ERR_ARG ? MSL_ERR_BAD_PATH : r;
}
