/* The network service's event loop (see msl_service.h). */
#define _GNU_SOURCE
#include "msl_service.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "msl_announce.h"
#include "msl_ctl.h"
#include "msl_dgram_service.h"
#include "msl_ifaces.h"
#include "msl_lhdr.h"
#include "msl_name_service.h"
#include "msl_sysres.h"
#include "msl_udp.h"

#define CONN_TIMEOUT_MS 2000
#define RX_BUF (MSL_UDP_MAX_PAYLOAD + 1)
#define FW_BUF (MSL_LOCAL_MSG_MAX + MSL_LHDR_LEN + MSL_LHDR_EXT_MAX)
#define RX_ROUNDS 8  /* recvmmsg batches per wakeup before other fds */
#define FW_ROUNDS 64 /* messages per writer per wakeup */
#define PATH_BUF 1024 /* a control request's path (valid ones are < 600) */
#define FILTER_MAX 64 /* --interface entries (msl_ifaces_list's limit) */
#define LK_DNS 2      /* lookup.kind: the system resolver (after the
                         MSL_NS_AQ_* kinds) */

typedef struct remote {
  int fd;
  msl_dgram_dest dest;
} remote;

typedef struct conn {
  int fd;
  uint64_t since;
} conn;

/* A control request waiting for a NetBIOS name query or a system
 * resolver lookup (dns set; q.fd -1): it owns the client's connection,
 * the passed fd (open) and a copy of the request, replayed once the query
 * ends. Keyed by nothing but its slot, which only the loop's backwards
 * walk touches. */
typedef struct pending {
  int cfd;      /* -1 once a replay parked the request again */
  int pass;     /* -1: none */
  uint8_t *req; /* len bytes + NUL */
  size_t len;
  msl_ns_aq q;
  msl_sysres *dns; /* NULL: a NetBIOS query */
} pending;

/* A finished query (q) or system-resolver lookup (dns) handed to the
 * request's replay; the other one is NULL. */
typedef struct replay {
  const msl_ns_aq *q;
  int answered; /* q->ans (a name) or q->found (a node status) holds it */
  const msl_sysres *dns;
} replay;

/* The resolvers' context for one request. */
typedef struct lookup {
  msl_service *s;
  const replay *done; /* NULL: first pass (may defer) */
  int missed;         /* what to ask is not known yet: defer */
  int kind;           /* MSL_NS_AQ_NAME: nb; MSL_NS_AQ_STATUS: ip;
                         LK_DNS: host */
  msl_nbname nb;
  uint32_t ip;
  char host[MSL_SYSRES_HOST_MAX + 1];
} lookup;

struct msl_service {
  msl_service_config cfg;
  char name[MSL_NBNAME_MAX_CHARS + 1];
  char wg[MSL_NBNAME_MAX_CHARS + 1];
  char scope[MSL_NBNAME_SCOPE_MAX + 1];
  msl_ifaces ifs; /* the sender's broadcast targets point here */
  char *filter[FILTER_MAX]; /* cfg->interfaces, copied for re-scans */
  size_t nfilter;
  uint64_t rescan_ms, next_rescan; /* 0: no periodic re-scan */
  uint64_t iface_changes;
  atomic_int stop_req, rescan_req; /* set with a write to stop_fd */
  msl_udp udp;
  msl_dgram *dg;
  msl_dgram_sender snd;
  int have_snd;
  msl_ctl ctl;
  conn conns[MSL_SERVICE_CONNS_MAX];
  size_t nconns;
  remote rem[MSL_SERVICE_REMOTES_MAX];
  size_t nrem;
  int stop_fd;
  pthread_mutex_t mu;
  pthread_t th;
  uint8_t *rx;
  uint8_t *fw;
  msl_udp_msg msgs[MSL_SERVICE_BATCH];
  uint64_t synced_sent, synced_err;
  uint64_t ctl_requests, ctl_refused, send_rejected, own_broadcasts;
  msl_announce ann; /* host announcements (net/msl_announce.h) */
  int have_ann;
  msl_ns_svc *nss; /* name service, UDP 137 (net/msl_name_service.h) */
  pending pend[MSL_SERVICE_PENDING_MAX];
  size_t npend;
  uint64_t resolve_queries, resolve_timeouts, resolve_abandoned;
  uint64_t dns_lookups;
};

static uint64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static void slog(const msl_service *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void slog(const msl_service *s, int level, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  if (!s->cfg.log || level > s->cfg.log_level)
    return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  s->cfg.log(s->cfg.log_user, level, msg);
}

void msl_service_config_init(msl_service_config *cfg) {
  if (!cfg)
    return;
  memset(cfg, 0, sizeof(*cfg));
  cfg->log_level = MSL_LOG_WARN;
}

/* MSL_SERVICE_RESCAN_MS, or the test-only MSL_SERVICE_RESCAN_ENV (ms; 0
 * turns the periodic re-scan off). */
static uint64_t rescan_period(void) {
  const char *e = getenv(MSL_SERVICE_RESCAN_ENV);
  char *end;
  if (!e || !*e)
    return MSL_SERVICE_RESCAN_MS;
  unsigned long long v = strtoull(e, &end, 10);
  return *end ? MSL_SERVICE_RESCAN_MS : (uint64_t)v;
}

static void copy_name(char *dst, const char *src) {
  size_t i = 0;
  for (; src[i] && src[i] != '.' && i < MSL_NBNAME_MAX_CHARS; i++)
    dst[i] = src[i];
  dst[i] = '\0';
}

int msl_service_new(const msl_service_config *cfg, msl_service **out) {
  int r;
  if (!out)
    return MSL_ERR_ARG;
  *out = NULL;
  if (!cfg || (!cfg->interfaces && cfg->n_interfaces))
    return MSL_ERR_ARG;
  msl_service *s = calloc(1, sizeof(*s));
  if (!s)
    return MSL_ERR_NOMEM;
  s->cfg = *cfg;
  s->udp.fd = s->stop_fd = s->ctl.fd = s->ctl.dir_fd = -1;
  pthread_mutex_init(&s->mu, NULL);
  if (cfg->name) {
    if (strlen(cfg->name) > MSL_NBNAME_MAX_CHARS) {
      slog(s, MSL_LOG_ERR, "name '%s': more than 15 characters", cfg->name);
      r = MSL_ERR_ARG;
      goto fail;
    }
    copy_name(s->name, cfg->name);
  } else {
    char hn[256];
    if (gethostname(hn, sizeof(hn)) != 0)
      snprintf(hn, sizeof(hn), "localhost");
    hn[sizeof(hn) - 1] = '\0';
    copy_name(s->name, hn);
  }
  const char *wg = cfg->workgroup ? cfg->workgroup : "WORKGROUP";
  if (strlen(wg) > MSL_NBNAME_MAX_CHARS) {
    slog(s, MSL_LOG_ERR, "workgroup '%s': more than 15 characters", wg);
    r = MSL_ERR_ARG;
    goto fail;
  }
  copy_name(s->wg, wg);
  snprintf(s->scope, sizeof(s->scope), "%s", cfg->scope ? cfg->scope : "");
  s->cfg.name = s->name;
  s->cfg.workgroup = s->wg;
  s->cfg.scope = s->scope;
  s->cfg.interfaces = NULL; /* copied: the re-scans use it */
  if (cfg->n_interfaces > FILTER_MAX) {
    r = MSL_ERR_ARG;
    goto fail;
  }
  for (; s->nfilter < cfg->n_interfaces; s->nfilter++)
    if (!cfg->interfaces[s->nfilter] ||
        !(s->filter[s->nfilter] = strdup(cfg->interfaces[s->nfilter]))) {
      r = cfg->interfaces[s->nfilter] ? MSL_ERR_NOMEM : MSL_ERR_ARG;
      goto fail;
    }
  s->rescan_ms = rescan_period();
  r = msl_ifaces_list(&s->ifs, cfg->interfaces, cfg->n_interfaces);
  if (r < 0) {
    slog(s, MSL_LOG_ERR, "%s",
         r == MSL_ERR_NOT_FOUND ? "an --interface is not an up IPv4 interface"
                                : "cannot list the network interfaces");
    goto fail;
  }
  if (s->ifs.n == 0)
    slog(s, MSL_LOG_WARN, "no up IPv4 interface: group sends will fail");
  msl_dgram_config dc;
  memset(&dc, 0, sizeof(dc));
  dc.name = s->name;
  dc.workgroup = s->wg;
  dc.scope = s->scope;
  dc.names = (cfg->flags & MSL_SERVICE_MESSENGER ? MSL_DGRAM_N_MESSENGER : 0) |
             (cfg->flags & MSL_SERVICE_SERVER ? MSL_DGRAM_N_SERVER : 0) |
             (cfg->flags & MSL_SERVICE_NO_BROWSER ? MSL_DGRAM_N_NO_BROWSER : 0);
  if ((r = msl_dgram_new(&s->dg, &dc)) < 0) {
    slog(s, MSL_LOG_ERR, "invalid name, workgroup or scope");
    goto fail;
  }
  uint16_t port = cfg->dgram_port ? cfg->dgram_port : MSL_NBDGM_PORT;
  if ((r = msl_udp_open(&s->udp, 0, port)) < 0) {
    slog(s, MSL_LOG_ERR, "cannot bind UDP port %u: %s", port,
         r == MSL_ERR_ACCESS   ? "permission denied (needs root or "
                                 "CAP_NET_BIND_SERVICE)"
         : r == MSL_ERR_EXISTS ? "already in use (another mailslotd?)"
                               : strerror(errno));
    goto fail;
  }
  if ((r = msl_dgram_sender_init(&s->snd, &s->udp, msl_dgram_host_name(s->dg),
                                 s->udp.port, &s->ifs)) < 0)
    goto fail;
  s->have_snd = 1;
  s->rx = malloc((size_t)MSL_SERVICE_BATCH * RX_BUF);
  s->fw = malloc(FW_BUF);
  s->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (!s->rx || !s->fw || s->stop_fd < 0) {
    r = MSL_ERR_NOMEM;
    goto fail;
  }
  for (size_t i = 0; i < MSL_SERVICE_BATCH; i++) {
    s->msgs[i].buf = s->rx + i * RX_BUF;
    s->msgs[i].cap = RX_BUF;
  }
  /* Names first: the control socket (readiness) follows registration. */
  if (cfg->name_port &&
      (r = msl_ns_svc_open(
           &s->nss, cfg->name_port, s->name, s->wg, s->scope,
           (cfg->flags & MSL_SERVICE_MESSENGER ? MSL_NS_MESSENGER : 0) |
               (cfg->flags & MSL_SERVICE_SERVER ? MSL_NS_SERVER : 0),
           &s->ifs, cfg->wins, cfg->log, cfg->log_user, now_ms())) < 0) {
    slog(s, MSL_LOG_ERR, "name service on UDP %u: %s", cfg->name_port,
         msl_strerror(r));
    goto fail;
  }
  if (!(cfg->flags & MSL_SERVICE_NO_CTL) && (r = msl_ctl_listen(&s->ctl)) < 0) {
    slog(s, MSL_LOG_ERR, "control socket %s/%s: %s", s->ctl.dir, MSL_CTL_NAME,
         r == MSL_ERR_EXISTS ? "another mailslotd is running there"
                             : msl_strerror(r));
    goto fail;
  }
  if (!(cfg->flags & MSL_SERVICE_NO_ANNOUNCE))
    s->have_ann = msl_announce_init(&s->ann, s->name, s->wg, s->scope,
                                    cfg->comment, s->udp.port, 0,
                                    now_ms()) == 0;
  slog(s, MSL_LOG_INFO, "%s<00> workgroup %s, UDP %u, %zu interface(s)",
       s->name, s->wg, s->udp.port, s->ifs.n);
  *out = s;
  return 0;
fail:
  msl_service_free(s);
  return r;
}

static void drop_pending(msl_service *s, size_t i);

void msl_service_free(msl_service *s) {
  if (!s)
    return;
  while (s->npend)
    drop_pending(s, s->npend - 1);
  for (size_t i = 0; i < s->nconns; i++)
    close(s->conns[i].fd);
  for (size_t i = 0; i < s->nrem; i++)
    close(s->rem[i].fd);
  msl_ns_svc_close(s->nss); /* releases our names */
  msl_ctl_close(&s->ctl);
  if (s->have_snd)
    msl_dgram_sender_free(&s->snd);
  msl_udp_close(&s->udp);
  msl_dgram_free(s->dg);
  if (s->stop_fd >= 0)
    close(s->stop_fd);
  free(s->rx);
  free(s->fw);
  for (size_t i = 0; i < s->nfilter; i++)
    free(s->filter[i]);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

/* Wakes the loop (async-signal-safe: an eventfd write). */
static void wake(msl_service *s) {
  uint64_t one = 1;
  if (s->stop_fd >= 0) {
    ssize_t r = write(s->stop_fd, &one, sizeof(one));
    (void)r;
  }
}

void msl_service_request_stop(msl_service *s) {
  if (s) {
    atomic_store(&s->stop_req, 1);
    wake(s);
  }
}

void msl_service_rescan(msl_service *s) {
  if (s) {
    atomic_store(&s->rescan_req, 1);
    wake(s);
  }
}

unsigned msl_service_dgram_port(const msl_service *s) {
  return s ? s->udp.port : 0;
}

/* ---- status ---- */

static int format_status(msl_service *s, char *buf, size_t cap) {
  msl_dgram_count_sent(s->dg, s->snd.sent - s->synced_sent,
                       s->snd.errors - s->synced_err);
  s->synced_sent = s->snd.sent;
  s->synced_err = s->snd.errors;
  int n = msl_dgram_format_counters(s->dg, buf, cap);
  if (n < 0)
    return n;
  int m = snprintf(buf + n, cap - (size_t)n,
                   "send_rejected %llu\nown_broadcasts %llu\nsocket_drops "
                   "%lu\nremote_writers %zu\nctl_requests %llu\nctl_refused "
                   "%llu\nresolve_pending %zu\nresolve_queries %llu\n"
                   "resolve_timeouts %llu\nresolve_abandoned %llu\n"
                   "dns_lookups %llu\ninterface_changes %llu\n",
                   (unsigned long long)(s->send_rejected + s->snd.rejected),
                   (unsigned long long)s->own_broadcasts,
                   (unsigned long)s->udp.kdrops, s->nrem,
                   (unsigned long long)s->ctl_requests,
                   (unsigned long long)s->ctl_refused, s->npend,
                   (unsigned long long)s->resolve_queries,
                   (unsigned long long)s->resolve_timeouts,
                   (unsigned long long)s->resolve_abandoned,
                   (unsigned long long)s->dns_lookups,
                   (unsigned long long)s->iface_changes);
  if (m < 0 || (size_t)m >= cap - (size_t)n)
    return MSL_ERR_OVERFLOW;
  if (s->nss) {
    int k = msl_ns_format_counters(msl_ns_svc_ns(s->nss), buf + n + m,
                                   cap - (size_t)(n + m));
    return k < 0 ? k : n + m + k;
  }
  return n + m;
}

/* ---- control requests ---- */

/* Until the name service (issue 6) resolves NetBIOS names, we know one:
 * our own, at the first interface's address (loopback if none). */
static int own_name_resolver(void *user, const char *name, const char *scope,
                             uint32_t *ip) {
  const msl_service *s = ((const lookup *)user)->s;
  msl_nbname a, b;
  if (msl_nbname_make(&a, name, MSL_NB_WORKSTATION, scope) != 0 ||
      msl_nbname_make(&b, s->name, MSL_NB_WORKSTATION, s->scope) != 0 ||
      !msl_nbname_equal(&a, &b))
    return MSL_ERR_NOT_FOUND;
  *ip = s->ifs.n ? s->ifs.v[0].addr : 0x7f000001u;
  return 0;
}

/* With the name service: HOST<00> from our names or the cache, never
 * from the network here. On the first pass an unknown name is noted and
 * answered with a placeholder (which also skips the system resolver):
 * the request then waits for a query (defer). On the replay, the query's
 * answer, or NOT_FOUND as the blocking resolver gave (then the system
 * resolver, dns_resolver). */
static int ns_resolver(void *user, const char *name, const char *scope,
                       uint32_t *ip) {
  lookup *lk = user;
  msl_nbname nb;
  if (msl_ns_svc_make_name(lk->s->nss, name, MSL_NB_WORKSTATION, scope,
                           &nb) < 0)
    return MSL_ERR_NOT_FOUND;
  if (msl_ns_svc_lookup(lk->s->nss, &nb, now_ms(), ip, NULL) == 0)
    return 0;
  if (lk->done) {
    if (!lk->done->answered || !lk->done->q ||
        lk->done->q->kind != MSL_NS_AQ_NAME ||
        !msl_nbname_equal(&nb, &lk->done->q->nb))
      return MSL_ERR_NOT_FOUND;
    *ip = lk->done->q->ans.ip;
    return 0;
  }
  lk->missed = 1;
  lk->kind = MSL_NS_AQ_NAME;
  lk->nb = nb;
  *ip = 0;
  return 0;
}

/* \\1.2.3.4\...: the address's name from our names or the address
 * cache. On the first pass an unknown address is noted (the request then
 * waits for a node status, defer); on the replay, the query's name, or
 * NOT_FOUND ("*"<00>, as before) when it gave none. */
static int ns_addr_namer(void *user, uint32_t ip, const char *scope,
                         msl_nbname *name) {
  lookup *lk = user;
  (void)scope; /* ours, as the name service's */
  int r = msl_ns_svc_ip_lookup(lk->s->nss, ip, now_ms(), name);
  if (r >= 0)
    return r ? 0 : MSL_ERR_NOT_FOUND;
  if (lk->done) {
    const msl_ns_aq *q = lk->done->q;
    if (!lk->done->answered || !q || q->kind != MSL_NS_AQ_STATUS ||
        q->ip != ip)
      return MSL_ERR_NOT_FOUND;
    *name = q->found;
    return 0;
  }
  lk->missed = 1;
  lk->kind = MSL_NS_AQ_STATUS;
  lk->ip = ip;
  return MSL_ERR_NOT_FOUND;
}

/* The system resolver step (/etc/hosts, DNS) after a NetBIOS miss: never
 * here, as getaddrinfo may wait for an unreachable server. The first time
 * the host is noted and a placeholder answered (the request then waits
 * for a lookup in a worker thread, defer); on the replay, its result. */
static int dns_resolver(void *user, const char *host, uint32_t *ip) {
  lookup *lk = user;
  if (lk->done && lk->done->dns &&
      strcmp(host, msl_sysres_host(lk->done->dns)) == 0)
    return msl_sysres_result(lk->done->dns, ip) == 0 ? 0 : MSL_ERR_NOT_FOUND;
  if (strlen(host) > MSL_SYSRES_HOST_MAX)
    return MSL_ERR_NOT_FOUND; /* msl_dgram_path_parse allows 253 */
  lk->missed = 1;
  lk->kind = LK_DNS;
  strcpy(lk->host, host);
  *ip = 0;
  return 0;
}

static void reply(int fd, const char *text, size_t len) {
  ssize_t r = send(fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL);
  (void)r; /* a client that went away gets nothing */
}

static void reply_err(int fd, int code) {
  char b[32];
  int n = snprintf(b, sizeof(b), "err %d\n", code);
  reply(fd, b, (size_t)n);
}

/* Parses "VERB FLAGS PATH" (PATH up to '\n' or the end; copied into
 * path[cap]). The request is left as it was: a deferred one is parsed
 * again when its query ends. */
static int parse_req(const char *req, size_t len, unsigned *flags,
                     char *path, size_t cap, size_t *hdr_len) {
  char hdr[PATH_BUF + 32];
  const char *nl = memchr(req, '\n', len);
  *hdr_len = nl ? (size_t)(nl - req) + 1 : len;
  size_t hl = nl ? (size_t)(nl - req) : len;
  if (hl >= sizeof(hdr))
    return MSL_ERR_BAD_PATH;
  memcpy(hdr, req, hl);
  hdr[hl] = '\0';
  char *sp = strchr(hdr, ' ');
  if (!sp)
    return MSL_ERR_ARG;
  char *end;
  unsigned long f = strtoul(sp + 1, &end, 10);
  if (end == sp + 1 || *end != ' ' || f > 0xffff)
    return MSL_ERR_ARG;
  *flags = (unsigned)f;
  if (strlen(end + 1) >= cap)
    return MSL_ERR_BAD_PATH;
  strcpy(path, end + 1);
  return 0;
}

/* Starts the lookup of pending entry p (its query socket stays -1). */
static int start_dns(msl_service *s, pending *p, const char *host) {
  memset(&p->q, 0, sizeof(p->q));
  p->q.fd = -1;
  int r = msl_sysres_start(host, &p->dns);
  if (r == 0)
    s->dns_lookups++;
  return r;
}

/* Parks the request of connection cfd until the query lk asks for (a
 * name, an address's node status, or a host from the system resolver)
 * ends. Returns 1 (parked: cfd and *pass are the entry's now), 0 (nothing
 * to ask, or no socket: *rp says so, replay at once) or MSL_ERR_LIMIT
 * (also: too many lookup threads) / MSL_ERR_NOMEM / MSL_ERR_SYSTEM. */
static int defer(msl_service *s, int cfd, const uint8_t *b, size_t len,
                 int *pass, const lookup *lk, replay *rp, msl_ns_aq *tmp) {
  if (s->npend == MSL_SERVICE_PENDING_MAX)
    return MSL_ERR_LIMIT;
  pending *p = &s->pend[s->npend];
  p->dns = NULL;
  if (lk->kind == LK_DNS) {
    int r = start_dns(s, p, lk->host);
    if (r < 0)
      return r;
    goto park;
  }
  int r = lk->kind == MSL_NS_AQ_STATUS
              ? msl_ns_aq_start_status(s->nss, &p->q, lk->ip, now_ms())
              : msl_ns_aq_start(s->nss, &p->q, &lk->nb, now_ms());
  if (r < 0) {
    *tmp = p->q; /* fd -1; what was asked, for the replay */
    tmp->fd = -1;
    tmp->kind = lk->kind;
    tmp->nb = lk->nb;
    tmp->ip = lk->ip;
    rp->q = tmp;
    rp->answered = 0;
    rp->dns = NULL;
    return 0;
  }
  s->resolve_queries++;
park:
  p->req = malloc(len + 1);
  if (!p->req) {
    msl_ns_aq_cancel(&p->q);
    msl_sysres_free(p->dns);
    p->dns = NULL;
    return MSL_ERR_NOMEM;
  }
  memcpy(p->req, b, len);
  p->req[len] = '\0';
  p->len = len;
  p->cfd = cfd;
  p->pass = *pass;
  *pass = -1;
  s->npend++;
  return 1;
}

/* "resolve NAME[<xx>]": our names and the cache at once, else deferred
 * (done NULL) or answered from the finished query. Returns as
 * handle_request. */
static int handle_resolve(msl_service *s, int cfd, uint8_t *b, size_t len,
                          int *pass, const replay *done) {
  char out[64], name[MSL_NBNAME_MAX_CHARS + 1];
  uint8_t suffix;
  msl_nbname nb;
  uint32_t ip;
  uint16_t fl = 0;
  replay now_done;
  msl_ns_aq tmp;
  b[len] = '\0'; /* the buffers have room for it */
  int r = s->nss ? 0 : MSL_ERR_UNSUPPORTED;
  if (r == 0)
    r = msl_ns_parse_name((char *)b + 8, name, sizeof(name),
                          MSL_NB_WORKSTATION, &suffix);
  if (r == 0)
    r = msl_ns_svc_make_name(s->nss, name, suffix, NULL, &nb);
  if (r == 0 && msl_ns_svc_lookup(s->nss, &nb, now_ms(), &ip, &fl) != 0) {
    if (!done) {
      lookup lk = {.s = s, .kind = MSL_NS_AQ_NAME, .nb = nb};
      r = defer(s, cfd, b, len, pass, &lk, &now_done, &tmp);
      if (r == 1)
        return 1;
      done = r == 0 ? &now_done : NULL;
    }
    const msl_ns_aq *q = done && done->answered ? done->q : NULL;
    if (q && q->kind == MSL_NS_AQ_NAME && msl_nbname_equal(&nb, &q->nb)) {
      ip = q->ans.ip;
      fl = q->ans.nb_flags;
    } else if (r == 0)
      r = MSL_ERR_NOT_FOUND;
  }
  int n = r < 0 ? r : msl_ns_ctl_format(ip, fl, out, sizeof(out));
  if (n < 0)
    reply_err(cfd, n);
  else
    reply(cfd, out, (size_t)n);
  return 0;
}

/* One control request (b, len; b has room for a NUL at b[len]) from
 * connection cfd, with the passed fd pass (-1: none; closed unless kept).
 * done: NULL the first time; the finished query when a deferred request
 * is replayed. Returns 1 when the request was deferred (cfd is the
 * pending entry's now), else 0 (replied). */
static int handle_request(msl_service *s, int cfd, uint8_t *b, size_t len,
                          int pass, const replay *done) {
  char out[2048], path[PATH_BUF];
  unsigned flags;
  size_t hl;
  msl_dgram_dest dest;
  replay now_done;
  msl_ns_aq tmp;
  int parked = 0;
  if (!done)
    s->ctl_requests++;
  char *req = (char *)b;
  if (len >= 6 && memcmp(req, "status", 6) == 0 &&
      (len == 6 || req[6] == '\n')) {
    memcpy(out, "ok\n", 3);
    int n = format_status(s, out + 3, sizeof(out) - 3);
    if (n < 0)
      reply_err(cfd, n);
    else
      reply(cfd, out, (size_t)n + 3);
    goto done;
  }
  if (len > 8 && memcmp(req, "resolve ", 8) == 0) {
    parked = handle_resolve(s, cfd, b, len, &pass, done);
    goto done;
  }
  int is_open = len > 5 && memcmp(req, "open ", 5) == 0;
  int is_send = len > 5 && memcmp(req, "send ", 5) == 0;
  if ((!is_open && !is_send) || (is_open && pass < 0)) {
    s->ctl_refused++;
    reply_err(cfd, MSL_ERR_ARG);
    goto done;
  }
  lookup lk = {.s = s, .done = done};
  int r = parse_req(req, len, &flags, path, sizeof(path), &hl);
  if (r == 0)
    r = msl_dgram_dest_resolve_ex(&dest, path, s->wg, s->scope, s->udp.port,
                                  (flags & MSL_OPEN_FRAGMENT) != 0,
                                  s->nss ? ns_resolver : own_name_resolver,
                                  s->nss ? ns_addr_namer : NULL,
                                  dns_resolver, &lk);
  if (r == 0 && lk.missed) {
    /* The destination waits for a query or lookup; nothing is sent yet. */
    r = defer(s, cfd, b, len, &pass, &lk, &now_done, &tmp);
    if (r == 1) {
      parked = 1;
      goto done;
    }
    if (r == 0) {
      parked = handle_request(s, cfd, b, len, pass, &now_done);
      pass = -1; /* handle_request took it */
      goto done;
    }
    if (lk.kind == MSL_NS_AQ_STATUS)
      r = 0; /* no room to wait: "*"<00> (dest has it), as before */
  }
  if (r == 0 && dest.group && s->ifs.n == 0)
    r = MSL_ERR_NOT_FOUND;
  if (r < 0) {
    s->ctl_refused++;
    slog(s, MSL_LOG_DEBUG, "control: %s %s refused: %s",
         is_open ? "open" : "send", path, msl_strerror(r));
    reply_err(cfd, r);
    goto done;
  }
  if (is_send) {
    r = msl_dgram_send(&s->snd, &dest, b + hl, len - hl);
    if (r < 0) {
      s->send_rejected++;
      reply_err(cfd, r);
    } else
      reply(cfd, "ok\n", 3);
    goto done;
  }
  if (s->nrem == MSL_SERVICE_REMOTES_MAX) {
    s->ctl_refused++;
    slog(s, MSL_LOG_WARN, "control: %d writers already open",
         MSL_SERVICE_REMOTES_MAX);
    reply_err(cfd, MSL_ERR_LIMIT);
    goto done;
  }
  s->rem[s->nrem].fd = pass;
  s->rem[s->nrem].dest = dest;
  s->nrem++;
  pass = -1;
  int n = snprintf(out, sizeof(out), "ok %d\n", msl_dgram_max_message(&dest));
  reply(cfd, out, (size_t)n);
  slog(s, MSL_LOG_DEBUG, "control: writer for %s (%s)", path,
       dest.group ? "group broadcast" : "unicast");
done:
  if (pass >= 0)
    close(pass);
  return parked;
}

static void drop_pending(msl_service *s, size_t i) {
  pending *p = &s->pend[i];
  msl_ns_aq_cancel(&p->q);
  msl_sysres_free(p->dns);
  if (p->cfd >= 0)
    close(p->cfd);
  if (p->pass >= 0)
    close(p->pass);
  free(p->req);
  s->pend[i] = s->pend[--s->npend];
}

/* A pending request at now: its client gone (cfd ready: it closed, or
 * broke the one-request rule) drops it; a finished query or lookup
 * replays it (which may park it again, for a lookup after the query). */
static void service_pending(msl_service *s, size_t i, short crev, short qrev,
                            uint64_t now) {
  pending *p = &s->pend[i];
  replay done = {NULL, 0, NULL};
  if (crev) {
    s->resolve_abandoned++;
    drop_pending(s, i);
    return;
  }
  if (p->dns) {
    if (!qrev || msl_sysres_result(p->dns, NULL) == 1)
      return;
    done.dns = p->dns;
  } else {
    int r = msl_ns_aq_step(s->nss, &p->q, qrev != 0, now, NULL);
    if (r == 0)
      return;
    done.q = &p->q;
    done.answered = r == 1;
    if (r != 1)
      s->resolve_timeouts++;
  }
  int pass = p->pass;
  p->pass = -1;
  if (handle_request(s, p->cfd, p->req, p->len, pass, &done))
    p->cfd = -1; /* the new entry has it */
  drop_pending(s, i);
}

static void drop_conn(msl_service *s, size_t i) {
  close(s->conns[i].fd);
  s->conns[i] = s->conns[--s->nconns];
}

static void service_conn(msl_service *s, size_t i) {
  int pass;
  /* The request buffer is the forward buffer (+1 for a terminating NUL). */
  int n = msl_ctl_recv(s->conns[i].fd, s->fw, FW_BUF - 1, &pass);
  if (n == MSL_ERR_TIMEOUT)
    return;
  if (n >= 0 &&
      handle_request(s, s->conns[i].fd, s->fw, (size_t)n, pass, NULL)) {
    s->conns[i] = s->conns[--s->nconns]; /* the pending entry has the fd */
    return;
  }
  if (n < 0)
    s->ctl_refused++;
  drop_conn(s, i);
}

static void accept_conns(msl_service *s, uint64_t now) {
  for (;;) {
    int fd = accept4(s->ctl.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return;
    if (s->nconns == MSL_SERVICE_CONNS_MAX) {
      s->ctl_refused++;
      close(fd);
      continue;
    }
    s->conns[s->nconns].fd = fd;
    s->conns[s->nconns].since = now;
    s->nconns++;
  }
}

/* ---- interface changes ---- */

/* Lists the interfaces again (the rules of the start) and, if the set
 * changed, hands the new one to everything that uses it: the sender's
 * broadcast targets and own_broadcast() read s->ifs, the name service
 * registers and releases, the announcer announces at once. The sockets
 * are bound to INADDR_ANY: nothing to rebind. */
static void rescan(msl_service *s, uint64_t now) {
  msl_ifaces nl;
  char what[400];
  int r = msl_ifaces_list(&nl, (const char *const *)s->filter, s->nfilter);
  /* NOT_FOUND: an --interface is gone; the others are in nl. */
  if (r < 0 && r != MSL_ERR_NOT_FOUND) {
    slog(s, MSL_LOG_WARN, "interfaces: cannot list them: %s",
         msl_strerror(r));
    return;
  }
  if (msl_ifaces_equal(&s->ifs, &nl))
    return;
  size_t added = 0;
  for (size_t i = 0; i < nl.n; i++)
    added += msl_ifaces_find(&s->ifs, &nl.v[i]) == NULL;
  msl_ifaces_diff(&s->ifs, &nl, what, sizeof(what));
  slog(s, MSL_LOG_INFO, "interfaces: %s (%zu now)", what, nl.n);
  if (nl.n == 0)
    slog(s, MSL_LOG_WARN, "no up IPv4 interface: group sends will fail");
  s->ifs = nl;
  s->iface_changes++;
  if (s->nss)
    msl_ns_svc_set_ifaces(s->nss, &s->ifs, now);
  if (s->have_ann && added)
    msl_announce_soon(&s->ann, now);
}

/* The stop/wake eventfd was written: stop (1), or a re-scan request. */
static int woken(msl_service *s, uint64_t now) {
  uint64_t v;
  ssize_t r = read(s->stop_fd, &v, sizeof(v));
  (void)r;
  if (atomic_load(&s->stop_req))
    return 1;
  if (atomic_exchange(&s->rescan_req, 0)) {
    rescan(s, now);
    if (s->rescan_ms)
      s->next_rescan = now + s->rescan_ms;
  }
  return 0;
}

/* ---- the loop ---- */

/* Our own group datagrams come back to us (Linux loops broadcasts back to
 * local sockets); like Windows senders, we do not deliver them to
 * ourselves. Unicast to ourselves is delivered. */
static int own_broadcast(const msl_service *s, const msl_udp_msg *m) {
  int mine = 0, bcast = m->dst_ip == 0xffffffffu;
  if (m->src_port != s->udp.port)
    return 0;
  for (size_t i = 0; i < s->ifs.n; i++) {
    mine |= s->ifs.v[i].addr == m->src_ip;
    bcast |= s->ifs.v[i].bcast == m->dst_ip;
  }
  return mine && bcast;
}

static void receive(msl_service *s) {
  for (int round = 0; round < RX_ROUNDS; round++) {
    /* Backpressure: while held messages are near their caps, leave the
     * datagrams in the socket (the kernel drops and counts the excess). */
    if (msl_dgram_backlogged(s->dg, MSL_SERVICE_BATCH))
      return;
    int n = msl_udp_recv(&s->udp, s->msgs, MSL_SERVICE_BATCH);
    if (n <= 0)
      return;
    uint64_t now = now_ms();
    for (int i = 0; i < n; i++) {
      msl_udp_msg *m = &s->msgs[i];
      if (own_broadcast(s, m))
        s->own_broadcasts++;
      else if (m->truncated)
        msl_dgram_count_bad_udp(s->dg);
      else {
        if (s->have_ann)
          msl_announce_input(&s->ann, m->buf, m->len, now);
        msl_dgram_input(s->dg, m->buf, m->len, m->src_ip, m->src_port, now);
      }
    }
    if (n < MSL_SERVICE_BATCH)
      return;
  }
}

static void forward(msl_service *s, size_t i) {
  for (int k = 0; k < FW_ROUNDS; k++) {
    int r = msl_dgram_forward(&s->snd, &s->rem[i].dest, s->rem[i].fd, s->fw,
                              FW_BUF);
    if (r == 1)
      continue;
    if (r < 0) {
      close(s->rem[i].fd);
      s->rem[i] = s->rem[--s->nrem];
    }
    return;
  }
}

int msl_service_run(msl_service *s) {
  struct pollfd pf[4 + MSL_SERVICE_CONNS_MAX + MSL_SERVICE_REMOTES_MAX +
                   2 * MSL_SERVICE_PENDING_MAX + MSL_DGRAM_WRITERS];
  int rc = 0;
  if (!s)
    return MSL_ERR_ARG;
  if (s->rescan_ms)
    s->next_rescan = now_ms() + s->rescan_ms;
  for (;;) {
    uint64_t now = now_ms();
    if (s->rescan_ms && now >= s->next_rescan) {
      pthread_mutex_lock(&s->mu);
      rescan(s, now);
      pthread_mutex_unlock(&s->mu);
      s->next_rescan = now + s->rescan_ms;
    }
    uint64_t wait = msl_dgram_tick(s->dg, now);
    if (s->rescan_ms && s->next_rescan - now < wait)
      wait = s->next_rescan - now;
    if (s->nss) {
      uint64_t w = msl_ns_svc_tick(s->nss, now);
      if (w < wait)
        wait = w;
      if (msl_ns_svc_conflict(s->nss)) {
        rc = MSL_ERR_EXISTS; /* another node owns our name: stop */
        break;
      }
    }
    if (s->have_ann && s->ifs.n) {
      uint64_t w = msl_announce_tick(&s->ann, &s->snd, now);
      if (w < wait)
        wait = w;
    }
    size_t n = 0, c0, r0, p0, np, h0;
    /* Not read while held messages are at their caps: a flush (a slot
     * turning writable) or a stall (tick) makes room. */
    int paused = msl_dgram_backlogged(s->dg, MSL_SERVICE_BATCH);
    pf[n++] = (struct pollfd){s->stop_fd, POLLIN, 0};
    pf[n++] = (struct pollfd){paused ? -1 : s->udp.fd, POLLIN, 0};
    pf[n++] = (struct pollfd){s->ctl.fd, POLLIN, 0}; /* -1: ignored */
    pf[n++] = (struct pollfd){msl_ns_svc_fd(s->nss), POLLIN, 0};
    c0 = n;
    for (size_t i = 0; i < s->nconns; i++) {
      pf[n++] = (struct pollfd){s->conns[i].fd, POLLIN, 0};
      uint64_t left = s->conns[i].since + CONN_TIMEOUT_MS > now
                          ? s->conns[i].since + CONN_TIMEOUT_MS - now
                          : 0;
      if (left < wait)
        wait = left;
    }
    r0 = n;
    for (size_t i = 0; i < s->nrem; i++)
      pf[n++] = (struct pollfd){s->rem[i].fd, POLLIN, 0};
    p0 = n;
    np = s->npend;
    for (size_t i = 0; i < np; i++) {
      const pending *p = &s->pend[i];
      pf[n++] = (struct pollfd){p->cfd, POLLIN, 0};
      if (p->dns) {
        pf[n++] = (struct pollfd){msl_sysres_fd(p->dns), POLLIN, 0};
        continue; /* no timer: the resolver has its own */
      }
      pf[n++] = (struct pollfd){p->q.fd, POLLIN, 0};
      uint64_t left = p->q.next > now ? p->q.next - now : 0;
      if (left < wait)
        wait = left;
    }
    h0 = n;
    n += msl_dgram_pollfds(s->dg, pf + n, MSL_DGRAM_WRITERS);
    int to = wait > 60000 ? 60000 : (int)wait;
    int pr = poll(pf, n, to);
    if (pr < 0) {
      if (errno == EINTR)
        continue;
      rc = MSL_ERR_SYSTEM;
      break;
    }
    pthread_mutex_lock(&s->mu);
    now = now_ms();
    if (pf[0].revents && woken(s, now)) {
      pthread_mutex_unlock(&s->mu);
      break;
    }
    for (size_t i = h0; i < n; i++)
      if (pf[i].revents) {
        msl_dgram_flush(s->dg, now);
        break;
      }
    if (pf[3].revents)
      msl_ns_svc_receive(s->nss, now);
    if (pf[1].revents)
      receive(s);
    /* Walk backwards: handled entries are swapped with the last one. */
    for (size_t i = s->nrem; i-- > 0;)
      if (pf[r0 + i].revents)
        forward(s, i);
    /* After the writers (a replayed open adds one), before the new
     * connections (a request may be deferred: entries past np). */
    for (size_t i = np; i-- > 0;)
      service_pending(s, i, pf[p0 + 2 * i].revents,
                      pf[p0 + 2 * i + 1].revents, now);
    for (size_t i = s->nconns; i-- > 0;) {
      if (pf[c0 + i].revents)
        service_conn(s, i);
      else if (now - s->conns[i].since >= CONN_TIMEOUT_MS) {
        s->ctl_refused++;
        drop_conn(s, i);
      }
    }
    if (pf[2].revents)
      accept_conns(s, now);
    pthread_mutex_unlock(&s->mu);
  }
  return rc;
}

/* ---- embedded mode (include/mailslot.h) ---- */

static void *thread_main(void *arg) {
  msl_service_run(arg);
  return NULL;
}

int msl_service_start(const msl_service_config *cfg, msl_service **out) {
  int r = msl_service_new(cfg, out);
  if (r < 0)
    return r;
  if (pthread_create(&(*out)->th, NULL, thread_main, *out) != 0) {
    msl_service_free(*out);
    *out = NULL;
    return MSL_ERR_SYSTEM;
  }
  return 0;
}

void msl_service_stop(msl_service *s) {
  if (!s)
    return;
  msl_service_request_stop(s);
  pthread_join(s->th, NULL);
  msl_service_free(s);
}

int msl_service_status(msl_service *s, char *buf, size_t cap) {
  if (!s || !buf || cap == 0)
    return MSL_ERR_ARG;
  pthread_mutex_lock(&s->mu);
  int r = format_status(s, buf, cap);
  pthread_mutex_unlock(&s->mu);
  return r;
}

int msl_service_query_status(char *buf, size_t cap) {
  char rep[4096];
  if (!buf || cap == 0)
    return MSL_ERR_ARG;
  int fd = msl_ctl_connect();
  if (fd < 0)
    return fd;
  int n = msl_ctl_call(fd, "status", 6, -1, rep, sizeof(rep), 2000);
  close(fd);
  if (n < 0)
    return n;
  if (strncmp(rep, "ok\n", 3) != 0)
    return strncmp(rep, "err ", 4) == 0 ? atoi(rep + 4) : MSL_ERR_INVALID;
  if ((size_t)n - 3 >= cap)
    return MSL_ERR_OVERFLOW;
  memcpy(buf, rep + 3, (size_t)n - 3 + 1);
  return n - 3;
}
