/* The network service's event loop (see msl_service.h). */
#define _GNU_SOURCE
#include "msl_service_int.h"
#include "msl_tcplisten.h"

#include <arpa/inet.h>

/* A period in ms: dflt, or the test-only environment variable env. */
static uint64_t env_ms(const char *env, uint64_t dflt) {
  const char *e = getenv(env);
  char *end;
  if (!e || !*e)
    return dflt;
  unsigned long long v = strtoull(e, &end, 10);
  return *end ? dflt : (uint64_t)v;
}

/* The WINS servers of cfg (wins, then wins_servers) into *w, and the
 * test-only TTL floor. 0, or MSL_ERR_ARG (logged): not an IPv4 address,
 * too many. */
static int wins_list(const msl_svc *s, const msl_svc_config *cfg,
                     msl_ns_wins_servers *w) {
  memset(w, 0, sizeof(*w));
  w->ttl_min = (uint32_t)env_ms(MSL_SERVICE_WINS_TTL_MIN_ENV, 0);
  size_t n = cfg->n_wins_servers + (cfg->wins ? 1 : 0);
  if (n > MSL_NS_WINS_MAX) {
    slog(s, MSL_LOG_ERR, "at most %d WINS servers", MSL_NS_WINS_MAX);
    return MSL_ERR_ARG;
  }
  for (size_t i = 0; i < n; i++) {
    const char *a = cfg->wins ? (i ? cfg->wins_servers[i - 1] : cfg->wins)
                              : cfg->wins_servers[i];
    struct in_addr ia;
    if (!a || inet_pton(AF_INET, a, &ia) != 1 || ia.s_addr == 0 ||
        ia.s_addr == 0xFFFFFFFFu) {
      slog(s, MSL_LOG_ERR, "WINS server '%s': not an IPv4 host address",
           a ? a : "(null)");
      return MSL_ERR_ARG;
    }
    w->addr[w->n++] = ntohl(ia.s_addr);
  }
  return 0;
}

static void copy_name(char *dst, const char *src) {
  size_t i = 0;
  for (; src[i] && src[i] != '.' && i < MSL_NBNAME_MAX_CHARS; i++)
    dst[i] = src[i];
  dst[i] = '\0';
}

/* Whether to answer for HOST<20>, the Server service's name [MS-BRWS
 * §2.1.1.2]: as asked, else as Windows does, only when this host runs a
 * file server: something listens on TCP 445 or 139 (docs/interop.md). */
static int want_server(msl_svc *s, unsigned flags) {
  if (flags & (MSL_SERVICE_SERVER | MSL_SERVICE_NO_SERVER))
    return (flags & MSL_SERVICE_SERVER) != 0;
  static const uint16_t smb_ports[] = {445, 139};
  for (size_t i = 0; i < 2; i++) {
    int r = msl_tcp_listening(smb_ports[i]);
    if (r == 1) {
      slog(s, MSL_LOG_INFO, "an SMB server listens on TCP %u: NAME<20> "
                            "too (--no-server: not)", smb_ports[i]);
      return 1;
    }
    if (r < 0) {
      slog(s, MSL_LOG_WARN, "cannot read /proc/self/net/tcp: no NAME<20> "
                            "(--server: always)");
      return 0;
    }
  }
  return 0;
}

/* Our names (NULL: the host name; the workgroup's default) and scope,
 * and the interface filter the re-scans use. */
static int set_names(msl_svc *s, const msl_svc_config *cfg) {
  char hn[256];
  if (cfg->name && strlen(cfg->name) > MSL_NBNAME_MAX_CHARS) {
    slog(s, MSL_LOG_ERR, "name '%s': more than 15 characters", cfg->name);
    return MSL_ERR_ARG;
  }
  if (!cfg->name && gethostname(hn, sizeof(hn)) != 0)
    snprintf(hn, sizeof(hn), "localhost");
  hn[sizeof(hn) - 1] = '\0';
  copy_name(s->name, cfg->name ? cfg->name : hn);
  const char *wg = cfg->workgroup ? cfg->workgroup : "WORKGROUP";
  if (strlen(wg) > MSL_NBNAME_MAX_CHARS) {
    slog(s, MSL_LOG_ERR, "workgroup '%s': more than 15 characters", wg);
    return MSL_ERR_ARG;
  }
  copy_name(s->wg, wg);
  snprintf(s->scope, sizeof(s->scope), "%s", cfg->scope ? cfg->scope : "");
  s->cfg.name = s->name;
  s->cfg.workgroup = s->wg;
  s->cfg.scope = s->scope;
  s->cfg.interfaces = NULL; /* copied: the re-scans use it */
  if (cfg->n_interfaces > FILTER_MAX)
    return MSL_ERR_ARG;
  for (; s->nfilter < cfg->n_interfaces; s->nfilter++)
    if (!cfg->interfaces[s->nfilter] ||
        !(s->filter[s->nfilter] = strdup(cfg->interfaces[s->nfilter])))
      return cfg->interfaces[s->nfilter] ? MSL_ERR_NOMEM : MSL_ERR_ARG;
  return 0;
}

/* The datagram side: names received for, the UDP socket, the sender and
 * the receive buffers. */
static int open_dgram(msl_svc *s, const msl_svc_config *cfg, int server) {
  msl_dgram_config dc;
  memset(&dc, 0, sizeof(dc));
  dc.name = s->name;
  dc.workgroup = s->wg;
  dc.scope = s->scope;
  dc.sink = s->sink;
  dc.names = (cfg->flags & MSL_SERVICE_MESSENGER ? MSL_DGRAM_N_MESSENGER : 0) |
             (server ? MSL_DGRAM_N_SERVER : 0) |
             (cfg->flags & MSL_SERVICE_NO_BROWSER ? MSL_DGRAM_N_NO_BROWSER : 0);
  int r = msl_dgram_new(&s->dg, &dc);
  if (r < 0) {
    slog(s, MSL_LOG_ERR, "invalid name, workgroup or scope");
    return r;
  }
  uint16_t port = cfg->dgram_port ? cfg->dgram_port : MSL_NBDGM_PORT;
  if ((r = msl_udp_open(&s->udp, 0, port)) < 0) {
    slog(s, MSL_LOG_ERR, "cannot bind UDP port %u: %s", port,
         r == MSL_ERR_ACCESS   ? "permission denied (needs root or "
                                 "CAP_NET_BIND_SERVICE)"
         : r == MSL_ERR_EXISTS ? "already in use (another mailslotd?)"
                               : strerror(errno));
    return r;
  }
  if ((r = msl_dgram_sender_init(&s->snd, &s->udp, msl_dgram_host_name(s->dg),
                                 s->udp.port, &s->ifs)) < 0)
    return r;
  s->have_snd = 1;
  s->rx = malloc((size_t)MSL_SERVICE_BATCH * RX_BUF);
  s->fw = malloc(FW_BUF);
  s->status_buf = malloc(STATUS_BUF);
  s->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (!s->rx || !s->fw || !s->status_buf || s->stop_fd < 0)
    return MSL_ERR_NOMEM;
  for (size_t i = 0; i < MSL_SERVICE_BATCH; i++) {
    s->msgs[i].buf = s->rx + i * RX_BUF;
    s->msgs[i].cap = RX_BUF;
  }
  return 0;
}

/* The name service's lines, filtered by the service's log level like
 * its own (the name service has no level of its own). */
static void ns_log(void *user, int level, const char *msg) {
  const msl_svc *s = user;
  if (level <= s->cfg.log_level)
    s->cfg.log(s->cfg.log_user, level, msg);
}

/* The name service (when cfg has its port), registering our names. */
static int open_names(msl_svc *s, const msl_svc_config *cfg, int server) {
  msl_ns_wins_servers wins;
  int r = wins_list(s, cfg, &wins);
  if (r < 0 || !cfg->name_port)
    return r;
  r = msl_ns_svc_open(&s->nss, cfg->name_port, s->name, s->wg, s->scope,
                      (cfg->flags & MSL_SERVICE_MESSENGER ? MSL_NS_MESSENGER
                                                          : 0) |
                          (server ? MSL_NS_SERVER : 0),
                      &s->ifs, &wins, cfg->log ? ns_log : NULL, s,
                      msl_now_ms());
  if (r < 0)
    slog(s, MSL_LOG_ERR, "name service on UDP %u: %s", cfg->name_port,
         msl_strerror(r));
  return r;
}

/* What follows the names: the relay (its files are read here, before a
 * daemon drops privileges), the control socket (a client finding it may
 * rely on our names being registered) and the announcements. */
static int open_rest(msl_svc *s, const msl_svc_config *cfg,
                     const msl_service_env *env) {
  int r = msl_svc_relay_start(s);
  if (r < 0)
    return r;
  if (env->ctl_dir_fd >= 0 &&
      (r = msl_ctl_listen(&s->ctl, env->ctl_dir_fd, env->ctl_dir)) < 0) {
    slog(s, MSL_LOG_ERR, "control socket %s/%s: %s", env->ctl_dir,
         MSL_CTL_NAME,
         r == MSL_ERR_EXISTS ? "another mailslotd is running there"
                             : msl_strerror(r));
    return r;
  }
  if (!(cfg->flags & MSL_SERVICE_NO_ANNOUNCE))
    s->have_ann = msl_announce_init(&s->ann, s->name, s->wg, s->scope,
                                    cfg->comment, s->udp.port, 0,
                                    msl_now_ms()) == 0;
  return 0;
}

/* The interfaces, now and for the re-scans. */
static int list_interfaces(msl_svc *s, const msl_svc_config *cfg) {
  s->rescan_ms = env_ms(MSL_SERVICE_RESCAN_ENV, MSL_SERVICE_RESCAN_MS);
  s->writer_idle_ms =
      env_ms(MSL_SERVICE_WRITER_IDLE_ENV, MSL_SERVICE_WRITER_IDLE_MS);
  int r = msl_ifaces_list(&s->ifs, cfg->interfaces, cfg->n_interfaces);
  if (r < 0) {
    slog(s, MSL_LOG_ERR, "%s",
         r == MSL_ERR_NO_INTERFACE
             ? "an --interface is not an up IPv4 interface"
             : "cannot list the network interfaces");
    return r;
  }
  if (s->ifs.n == 0)
    slog(s, MSL_LOG_WARN, "no up IPv4 interface: group sends will fail");
  return 0;
}

int msl_svc_new(const msl_svc_config *cfg, const msl_service_env *env,
                msl_svc **out) {
  if (!out)
    return MSL_ERR_ARG;
  *out = NULL;
  if (!cfg || !env || !env->sink.deliver ||
      (!cfg->interfaces && cfg->n_interfaces))
    return MSL_ERR_ARG;
  msl_svc *s = calloc(1, sizeof(*s));
  if (!s)
    return MSL_ERR_NOMEM;
  s->cfg = *cfg;
  s->sink = env->sink;
  s->udp.fd = s->stop_fd = s->ctl.fd = s->ctl.dir_fd = -1;
  pthread_mutex_init(&s->mu, NULL);
  int r = set_names(s, cfg);
  if (r == 0)
    r = list_interfaces(s, cfg);
  int server = r == 0 && want_server(s, cfg->flags);
  if (r == 0)
    r = open_dgram(s, cfg, server);
  if (r == 0) /* names first: the control socket follows registration */
    r = open_names(s, cfg, server);
  if (r == 0)
    r = open_rest(s, cfg, env);
  if (r < 0) {
    msl_svc_free(s);
    return r;
  }
  slog(s, MSL_LOG_INFO, "%s<00> workgroup %s, UDP %u, %zu interface(s)",
       s->name, s->wg, s->udp.port, s->ifs.n);
  s->started = 1;
  /* Borrowed from the caller and used up: not kept. */
  s->cfg.comment = NULL;
  s->cfg.wins = NULL;
  s->cfg.wins_servers = NULL;
  s->cfg.relay = NULL;
  *out = s;
  return 0;
}

void msl_svc_free(msl_svc *s) {
  if (!s)
    return;
  if (s->started)
    slog(s, MSL_LOG_INFO, "stopped");
  while (s->npend)
    msl_svc_drop_pending(s, s->npend - 1);
  for (size_t i = 0; i < s->nconns; i++)
    close(s->conns[i].fd);
  for (size_t i = 0; i < s->nrem; i++)
    close(s->rem[i].fd);
  msl_relay_free(s->relay);
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
  free(s->status_buf);
  for (size_t i = 0; i < s->nfilter; i++)
    free(s->filter[i]);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

/* Wakes the loop (async-signal-safe: an eventfd write). */
static void wake(msl_svc *s) {
  uint64_t one = 1;
  if (s->stop_fd >= 0) {
    ssize_t r = write(s->stop_fd, &one, sizeof(one));
    (void)r;
  }
}

void msl_svc_request_stop(msl_svc *s) {
  if (s) {
    atomic_store(&s->stop_req, 1);
    wake(s);
  }
}

void msl_svc_request_rescan(msl_svc *s) {
  if (s) {
    atomic_store(&s->rescan_req, 1);
    wake(s);
  }
}

/* ---- status ---- */

int msl_svc_format_status(msl_svc *s, char *buf, size_t cap) {
  msl_dgram_count_sent(s->dg, s->snd.sent - s->synced_sent,
                       s->snd.errors - s->synced_err);
  s->synced_sent = s->snd.sent;
  s->synced_err = s->snd.errors;
  int n = msl_dgram_format_counters(s->dg, buf, cap);
  if (n < 0)
    return n;
  int m = snprintf(buf + n, cap - (size_t)n,
                   "send_rejected %llu\nown_broadcasts %llu\nsocket_drops "
                   "%lu\nremote_writers %zu\nctl_connections %zu\n"
                   "ctl_requests %llu\nctl_refused %llu\n"
                   "ctl_uid_limited %llu\nctl_idle_closed %llu\n"
                   "resolve_pending %zu\nresolve_queries %llu\n"
                   "resolve_timeouts %llu\nresolve_abandoned %llu\n"
                   "dns_lookups %llu\ninterface_changes %llu\n",
                   (unsigned long long)(s->send_rejected + s->snd.rejected),
                   (unsigned long long)s->own_broadcasts,
                   (unsigned long)s->udp.kdrops, s->nrem, s->nconns,
                   (unsigned long long)s->ctl_requests,
                   (unsigned long long)s->ctl_refused,
                   (unsigned long long)s->ctl_uid_limited,
                   (unsigned long long)s->ctl_idle_closed, s->npend,
                   (unsigned long long)s->resolve_queries,
                   (unsigned long long)s->resolve_timeouts,
                   (unsigned long long)s->resolve_abandoned,
                   (unsigned long long)s->dns_lookups,
                   (unsigned long long)s->iface_changes);
  if (m < 0 || (size_t)m >= cap - (size_t)n)
    return MSL_ERR_BUFFER_TOO_SMALL;
  n += m;
  if (s->nss) {
    int k = msl_ns_format_counters(msl_ns_svc_ns(s->nss), msl_now_ms(),
                                   buf + n, cap - (size_t)n);
    if (k < 0)
      return k;
    n += k;
  }
  if (s->relay) {
    int k = msl_relay_format_status(s->relay, buf + n, cap - (size_t)n,
                                    msl_now_ms());
    if (k < 0)
      return k;
    n += k;
  }
  return n;
}

/* ---- interface changes ---- */

/* Lists the interfaces again (the rules of the start) and, if the set
 * changed, hands the new one to everything that uses it: the sender's
 * broadcast targets and own_broadcast() read s->ifs, the name service
 * registers and releases, the announcer announces at once. The sockets
 * are bound to INADDR_ANY: nothing to rebind. */
static void rescan(msl_svc *s, uint64_t now) {
  msl_ifaces nl;
  char what[400];
  int r = msl_ifaces_list(&nl, (const char *const *)s->filter, s->nfilter);
  /* NO_INTERFACE: an --interface is gone; the others are in nl. */
  if (r < 0 && r != MSL_ERR_NO_INTERFACE) {
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
static int woken(msl_svc *s, uint64_t now) {
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
static int own_broadcast(const msl_svc *s, const msl_udp_msg *m) {
  int mine = 0, bcast = m->dst_ip == 0xffffffffu;
  if (m->src_port != s->udp.port)
    return 0;
  for (size_t i = 0; i < s->ifs.n; i++) {
    mine |= s->ifs.v[i].addr == m->src_ip;
    bcast |= s->ifs.v[i].bcast == m->dst_ip;
  }
  return mine && bcast;
}

static void receive(msl_svc *s) {
  for (int round = 0; round < RX_ROUNDS; round++) {
    /* Backpressure: while held messages are near their caps, leave the
     * datagrams in the socket (the kernel drops and counts the excess). */
    if (msl_dgram_backlogged(s->dg, MSL_SERVICE_BATCH))
      return;
    int n = msl_udp_recv(&s->udp, s->msgs, MSL_SERVICE_BATCH);
    if (n <= 0)
      return;
    uint64_t now = msl_now_ms();
    for (int i = 0; i < n; i++) {
      msl_udp_msg *m = &s->msgs[i];
      if (own_broadcast(s, m))
        s->own_broadcasts++;
      else if (m->truncated)
        msl_dgram_count_bad_udp(s->dg);
      else {
        if (s->relay) /* before delivery: group datagrams of any name */
          msl_relay_local(s->relay, m->buf, m->len, m->src_ip, m->src_port,
                          m->dst_ip, now);
        if (s->have_ann)
          msl_announce_input(&s->ann, m->buf, m->len, now);
        msl_dgram_input(s->dg, m->buf, m->len, m->src_ip, m->src_port, now);
      }
    }
    if (n < MSL_SERVICE_BATCH)
      return;
  }
}

static void drop_remote(msl_svc *s, size_t i) {
  close(s->rem[i].fd);
  s->rem[i] = s->rem[--s->nrem];
}

static void forward(msl_svc *s, size_t i, uint64_t now) {
  for (int k = 0; k < FW_ROUNDS; k++) {
    int r = msl_dgram_forward(&s->snd, &s->rem[i].dest, s->rem[i].fd, s->fw,
                              FW_BUF);
    if (r == 1) {
      s->rem[i].last = now;
      continue;
    }
    if (r < 0)
      drop_remote(s, i);
    return;
  }
}

/* Writers that sent nothing for writer_idle_ms are closed: their clients
 * open them again on their next write. Returns ms until the next one. */
static uint64_t close_idle_writers(msl_svc *s, uint64_t now) {
  uint64_t next = UINT64_MAX;
  for (size_t i = s->nrem; i-- > 0;) {
    uint64_t end = s->rem[i].last + s->writer_idle_ms;
    if (now >= end) {
      s->ctl_idle_closed++;
      drop_remote(s, i);
    } else if (end - now < next) {
      next = end - now;
    }
  }
  return next;
}

/* Runs every timer at now; returns ms until the next one is due. */
static uint64_t run_timers(msl_svc *s, uint64_t now) {
  if (s->rescan_ms && now >= s->next_rescan) {
    rescan(s, now);
    s->next_rescan = now + s->rescan_ms;
  }
  uint64_t wait = msl_dgram_tick(s->dg, now), w;
  if (s->rescan_ms && s->next_rescan - now < wait)
    wait = s->next_rescan - now;
  if (s->nss && (w = msl_ns_svc_tick(s->nss, now)) < wait)
    wait = w;
  if (s->have_ann && s->ifs.n &&
      (w = msl_announce_tick(&s->ann, &s->snd, now)) < wait)
    wait = w;
  if ((w = close_idle_writers(s, now)) < wait)
    wait = w;
  if (s->relay && (w = msl_relay_tick(s->relay, now)) < wait)
    wait = w;
  for (size_t i = s->nconns; i-- > 0;) {
    uint64_t end = s->conns[i].since + MSL_SERVICE_CONN_TIMEOUT_MS;
    if (now >= end) { /* connected, and said nothing */
      s->ctl_idle_closed++;
      msl_svc_drop_conn(s, i);
    } else if (end - now < wait) {
      wait = end - now;
    }
  }
  for (size_t i = 0; i < s->npend; i++) {
    const pending *p = &s->pend[i];
    uint64_t left = p->q.next > now ? p->q.next - now : 0;
    if (!p->dns && left < wait) /* a system lookup has its own timer */
      wait = left;
  }
  return wait;
}

/* Where each group of descriptors starts in the poll set. */
typedef struct poll_map {
  size_t conns, rems, pend, npend, held, relay, n;
} poll_map;

#define POLL_MAX (4 + MSL_SERVICE_CONNS_MAX + MSL_SERVICE_REMOTES_MAX + \
                  2 * MSL_SERVICE_PENDING_MAX + MSL_DGRAM_POLLFDS + \
                  MSL_RELAY_POLLFDS)

static void fill_poll(msl_svc *s, struct pollfd *pf, poll_map *m) {
  size_t n = 0;
  /* Not read while held messages are at their caps: a flush (a slot
   * turning writable) or a stall (tick) makes room. */
  int paused = msl_dgram_backlogged(s->dg, MSL_SERVICE_BATCH);
  pf[n++] = (struct pollfd){s->stop_fd, POLLIN, 0};
  pf[n++] = (struct pollfd){paused ? -1 : s->udp.fd, POLLIN, 0};
  pf[n++] = (struct pollfd){s->ctl.fd, POLLIN, 0}; /* -1: ignored */
  pf[n++] = (struct pollfd){msl_ns_svc_fd(s->nss), POLLIN, 0};
  m->conns = n;
  for (size_t i = 0; i < s->nconns; i++)
    pf[n++] = (struct pollfd){s->conns[i].fd, POLLIN, 0};
  m->rems = n;
  for (size_t i = 0; i < s->nrem; i++)
    pf[n++] = (struct pollfd){s->rem[i].fd, POLLIN, 0};
  m->pend = n;
  m->npend = s->npend;
  for (size_t i = 0; i < s->npend; i++) {
    const pending *p = &s->pend[i];
    pf[n++] = (struct pollfd){p->cfd, POLLIN, 0};
    pf[n++] = (struct pollfd){p->dns ? msl_sysres_fd(p->dns) : p->q.fd,
                              POLLIN, 0};
  }
  m->held = n;
  n += msl_dgram_pollfds(s->dg, pf + n, MSL_DGRAM_POLLFDS);
  m->relay = n;
  n += msl_relay_pollfds(s->relay, pf + n, MSL_RELAY_POLLFDS);
  m->n = n;
}

/* Everything poll reported, at now. Returns 1 when asked to stop. */
static int handle_events(msl_svc *s, const struct pollfd *pf,
                         const poll_map *m, uint64_t now) {
  if (pf[0].revents && woken(s, now))
    return 1;
  for (size_t i = m->held; i < m->relay; i++)
    if (pf[i].revents) {
      msl_dgram_flush(s->dg, now);
      break;
    }
  if (pf[3].revents)
    msl_ns_svc_receive(s->nss, now);
  if (pf[1].revents)
    receive(s);
  msl_relay_handle(s->relay, pf + m->relay, m->n - m->relay, now);
  /* Walk backwards: handled entries are swapped with the last one. */
  for (size_t i = s->nrem; i-- > 0;)
    if (pf[m->rems + i].revents)
      forward(s, i, now);
  /* After the writers (a replayed open adds one), before the new
   * connections (a request may be deferred: entries past npend). */
  for (size_t i = m->npend; i-- > 0;)
    msl_svc_service_pending(s, i, pf[m->pend + 2 * i].revents,
                            pf[m->pend + 2 * i + 1].revents, now);
  for (size_t i = s->nconns; i-- > 0;)
    if (pf[m->conns + i].revents)
      msl_svc_service_conn(s, i);
  if (pf[2].revents)
    msl_svc_accept_conns(s, now);
  return 0;
}

int msl_svc_run(msl_svc *s) {
  struct pollfd pf[POLL_MAX];
  poll_map m;
  if (!s)
    return MSL_ERR_ARG;
  if (s->rescan_ms)
    s->next_rescan = msl_now_ms() + s->rescan_ms;
  for (;;) {
    pthread_mutex_lock(&s->mu);
    uint64_t wait = run_timers(s, msl_now_ms());
    fill_poll(s, pf, &m);
    pthread_mutex_unlock(&s->mu);
    int pr = poll(pf, m.n, wait > 60000 ? 60000 : (int)wait);
    if (pr < 0 && errno != EINTR)
      return MSL_ERR_SYSTEM;
    if (pr < 0)
      continue;
    /* Also at a timeout (no revents): the waiting requests' timers. */
    pthread_mutex_lock(&s->mu);
    int stop = handle_events(s, pf, &m, msl_now_ms());
    pthread_mutex_unlock(&s->mu);
    if (stop)
      return 0;
  }
}

int msl_svc_status(msl_svc *s, char *buf, size_t cap) {
  if (!s || !buf || cap == 0)
    return MSL_ERR_ARG;
  pthread_mutex_lock(&s->mu);
  int r = msl_svc_format_status(s, buf, cap);
  pthread_mutex_unlock(&s->mu);
  return r;
}
