/* The relay: configuration, the datagram paths, status (see msl_relay.h).
 * The links are in msl_relay_link.c. */
#define _GNU_SOURCE
#include "msl_relay_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msl_log.h"
#include "msl_random.h"

static const msl_rl_rate log_rate = {1, 10}; /* provoked lines */

void rlog(const msl_relay *r, int level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  msl_vlog(r->env.log, r->env.log_user, r->env.log_level, level, fmt, ap);
  va_end(ap);
}

void rlog_noisy(msl_relay *r, int level, uint64_t now, const char *fmt,
                ...) {
  char msg[512];
  va_list ap;
  if (!r->env.log || level > r->env.log_level)
    return;
  if (!msl_rl_take(&r->log_rl, &log_rate, now)) {
    r->log_dropped++;
    return;
  }
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (r->log_dropped && n >= 0 && (size_t)n < sizeof(msg))
    snprintf(msg + n, sizeof(msg) - (size_t)n,
             " (%llu similar lines left out)",
             (unsigned long long)r->log_dropped);
  r->log_dropped = 0;
  r->env.log(r->env.log_user, level, msg);
}

/* ---- configuration ---- */

static uint32_t or_default(uint32_t v, uint32_t dflt) { return v ? v : dflt; }

/* Numbers, allow list and peers of cfg into r. 0 or MSL_ERR_ARG. */
static int apply_config(msl_relay *r, const msl_relay_cfg *cfg, char *err,
                        size_t cap) {
  uint32_t rate = or_default(cfg->rate, MSL_RELAY_RATE);
  uint32_t burst = or_default(cfg->burst, 2 * rate);
  r->rate = (msl_rl_rate){rate, burst};
  r->in_rate = (msl_rl_rate){2 * rate, 2 * burst}; /* slack for skew */
  r->queue_bytes = or_default(cfg->queue_bytes, MSL_RELAY_QUEUE_BYTES);
  r->keepalive_ms = 1000ull * or_default(cfg->keepalive_s,
                                         MSL_RELAY_KEEPALIVE_S);
  r->handshake_ms = 1000ull * or_default(cfg->handshake_timeout_s,
                                         MSL_RELAY_HANDSHAKE_S);
  r->reconnect_max_ms = 1000ull * or_default(cfg->reconnect_max_s,
                                             MSL_RELAY_RECONNECT_MAX_S);
  if (r->queue_bytes < 4096 || rate > 1000000 || burst > 2000000) {
    snprintf(err, cap, "relay queue under 4096 bytes, or rate or burst "
             "beyond a million");
    return MSL_ERR_ARG;
  }
  for (size_t i = 0; i < cfg->n_allow; i++)
    if (!cfg->allow || msl_relay_allow_add(&r->core.allow, cfg->allow[i])) {
      snprintf(err, cap, "relay allow '%.100s': not a mailslot name, or "
               "more than %d", cfg->allow ? cfg->allow[i] : "",
               MSL_RELAY_ALLOW_MAX);
      return MSL_ERR_ARG;
    }
  if (cfg->n_peers > MSL_RELAY_PEERS_MAX || (cfg->n_peers && !cfg->peers)) {
    snprintf(err, cap, "at most %d relay peers", MSL_RELAY_PEERS_MAX);
    return MSL_ERR_ARG;
  }
  for (size_t i = 0; i < cfg->n_peers; i++) {
    rpeer *pe = &r->peers[r->npeers];
    if (!cfg->peers[i] ||
        parse_hostport(cfg->peers[i], pe->host, sizeof(pe->host),
                       &pe->port) < 0 ||
        strlen(cfg->peers[i]) >= sizeof(pe->text)) {
      snprintf(err, cap, "relay peer '%.100s': not HOST:PORT",
               cfg->peers[i] ? cfg->peers[i] : "");
      return MSL_ERR_ARG;
    }
    strcpy(pe->text, cfg->peers[i]);
    pe->link = -1;
    r->npeers++;
  }
  return 0;
}

/* The site, the files, the listen socket. */
static int setup(msl_relay *r, const msl_relay_cfg *cfg, char *err,
                 size_t cap) {
  if (!msl_relay_site_valid(cfg->site) || cfg->max_hops > 255 ||
      msl_relay_core_init(&r->core, cfg->site, cfg->hub, cfg->max_hops,
                          1000ull * cfg->proxy_ttl_s) < 0) {
    snprintf(err, cap, "site '%.40s': 1 to %d of A-Z a-z 0-9 . _ - "
             "(or max hops over 255)", cfg->site ? cfg->site : "",
             MSL_RELAY_SITE_MAX);
    return MSL_ERR_ARG;
  }
  int rc = apply_config(r, cfg, err, cap);
  if (rc < 0)
    return rc;
  if (!cfg->listen && !r->npeers) {
    snprintf(err, cap, "a relay needs a listen address or a peer");
    return MSL_ERR_ARG;
  }
  msl_tls_files f = {cfg->cert, cfg->key, cfg->ca, cfg->pins, cfg->n_pins};
  if ((rc = msl_tls_ctx_new(&f, &r->tls, err, cap)) < 0)
    return rc;
  if (cfg->listen && (rc = relay_listen(r, cfg->listen, err, cap)) < 0)
    return rc;
  r->fbuf = malloc(MSL_RELAY_FRAME_MAX);
  r->pkt = malloc(MSL_UDP_MAX_PAYLOAD + 1);
  r->outbuf = malloc((size_t)MSL_UDP_OUT_MAX * OUT_SLOT);
  if (!r->fbuf || !r->pkt || !r->outbuf)
    return MSL_ERR_NOMEM;
  if (msl_random_bytes(&r->next_id, sizeof(r->next_id)) != 0)
    r->next_id = (uint16_t)getpid();
  if (msl_random_bytes(&r->core.seed, sizeof(r->core.seed)) != 0)
    r->core.seed = (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)r;
  return 0;
}

int msl_relay_new(const msl_relay_cfg *cfg, const msl_relay_env *env,
                  msl_relay **out, char *err, size_t errcap) {
  if (!out || !cfg || !env || !env->udp || !env->ifs)
    return MSL_ERR_ARG;
  *out = NULL;
  msl_relay *r = calloc(1, sizeof(*r));
  if (!r)
    return MSL_ERR_NOMEM;
  r->env = *env;
  r->listen_fd = -1;
  msl_rl_init(&r->log_rl, &log_rate, 0);
  int rc = setup(r, cfg, err, errcap);
  if (rc < 0) {
    msl_relay_free(r);
    return rc;
  }
  rlog(r, MSL_LOG_INFO, "relay: site %s%s as %s; %zu peer(s)%s%s",
       r->core.site, r->core.hub ? " (hub)" : "",
       msl_tls_ctx_subject(r->tls), r->npeers,
       r->listen_fd >= 0 ? ", listening on " : "", r->listen_text);
  *out = r;
  return 0;
}

void msl_relay_free(msl_relay *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->nlinks; i++)
    if (!r->links[i].dead) {
      msl_tls_free(r->links[i].tls);
      close(r->links[i].fd);
      free(r->links[i].rx);
      free(r->links[i].tx);
    }
  for (size_t p = 0; p < r->npeers; p++)
    msl_sysres_free(r->peers[p].dns);
  if (r->listen_fd >= 0)
    close(r->listen_fd);
  msl_tls_ctx_free(r->tls);
  free(r->fbuf);
  free(r->pkt);
  free(r->outbuf);
  free(r);
}

/* ---- datagrams out ---- */

/* Sends the batched datagrams; the ones the socket refused are counted. */
static void out_flush(msl_relay *r) {
  if (!r->nout)
    return;
  int k = msl_udp_send_many(r->env.udp, r->out, r->nout);
  r->c.drop_send += r->nout - (size_t)(k > 0 ? k : 0);
  r->nout = 0;
}

/* The datagram in r->pkt[0..n) to dst:port from src on ifindex: batched,
 * or sent at once when it is too big for a slot. */
static void out_add(msl_relay *r, size_t n, uint32_t dst, uint16_t port,
                    uint32_t src, unsigned ifindex) {
  if (n > OUT_SLOT) {
    out_flush(r); /* keep the order */
    if (msl_udp_send(r->env.udp, r->pkt, n, dst, port, src, ifindex) < 0)
      r->c.drop_send++;
    return;
  }
  uint8_t *slot = r->outbuf + r->nout * OUT_SLOT;
  memcpy(slot, r->pkt, n);
  r->out[r->nout++] = (msl_udp_out){slot, n, dst, port, src, ifindex};
  if (r->nout == MSL_UDP_OUT_MAX)
    out_flush(r);
}

/* ---- the loop ---- */

size_t msl_relay_pollfds(msl_relay *r, struct pollfd *pf, size_t cap) {
  size_t n = 0;
  if (!r)
    return 0;
  if (r->listen_fd >= 0 && n < cap) {
    r->map[n] = (pmap){0, 0, r->listen_fd};
    pf[n++] = (struct pollfd){r->listen_fd, POLLIN, 0};
  }
  for (size_t i = 0; i < r->nlinks && n < cap; i++) {
    const rlink *l = &r->links[i];
    r->map[n] = (pmap){1, (int)i, l->fd};
    pf[n++] = (struct pollfd){l->fd, link_poll_events(r, l, r->last_now), 0};
  }
  for (size_t p = 0; p < r->npeers && n < cap; p++)
    if (r->peers[p].dns) {
      int fd = msl_sysres_fd(r->peers[p].dns);
      r->map[n] = (pmap){2, (int)p, fd};
      pf[n++] = (struct pollfd){fd, POLLIN, 0};
    }
  r->nmap = n;
  return n;
}

void msl_relay_handle(msl_relay *r, const struct pollfd *pf, size_t n,
                      uint64_t now) {
  if (!r)
    return;
  r->last_now = now;
  int accept_ready = 0;
  for (size_t k = 0; k < n && k < r->nmap; k++) {
    const pmap *m = &r->map[k];
    if (m->kind == 0)
      accept_ready = pf[k].revents != 0;
    else if (m->kind == 1 && (size_t)m->idx < r->nlinks &&
             r->links[m->idx].fd == m->fd)
      link_events(r, (size_t)m->idx, pf[k].revents, now);
    else if (m->kind == 2 && pf[k].revents && r->peers[m->idx].dns)
      peer_dns_done(r, (size_t)m->idx, now);
  }
  /* Input poll cannot see (tick said "again"): bytes inside TLS, or
   * whole frames left in rx by a budget or a pause that has ended. */
  for (size_t i = 0; i < r->nlinks; i++)
    if (link_has_input(&r->links[i], now))
      link_events(r, i, POLLIN, now);
  links_reap(r);
  if (accept_ready)
    relay_accept(r, now);
  out_flush(r);
}

uint64_t msl_relay_tick(msl_relay *r, uint64_t now) {
  if (!r)
    return UINT64_MAX;
  r->last_now = now;
  uint64_t w = links_tick(r, now), p = peers_tick(r, now);
  links_reap(r);
  return p < w ? p : w;
}

/* ---- sending to peers ---- */

int relay_site_link(const msl_relay *r, const char *site) {
  for (size_t i = 0; i < r->nlinks; i++)
    if (r->links[i].state == L_UP && !r->links[i].dead &&
        strcmp(r->links[i].site, site) == 0)
      return (int)i;
  return -1;
}

static int skipped(const char *site, const char *skip1, const char *skip2) {
  return (skip1 && !strcmp(site, skip1)) || (skip2 && !strcmp(site, skip2));
}

/* A frame for every site but skip1 and skip2 cannot go to the sites
 * without an up link: counted once per site, on its configured peer
 * when it has one (a peer never up yet has no known site). */
static void count_down(msl_relay *r, const char *skip1, const char *skip2) {
  for (size_t k = 0; k < r->nknown; k++) {
    if (skipped(r->known[k], skip1, skip2) ||
        relay_site_link(r, r->known[k]) >= 0)
      continue;
    r->c.drop_down++;
    for (size_t p = 0; p < r->npeers; p++)
      if (!strcmp(r->peers[p].site, r->known[k])) {
        r->peers[p].st.drop_down++;
        break;
      }
  }
  for (size_t p = 0; p < r->npeers; p++)
    if (!r->peers[p].site[0]) {
      r->peers[p].st.drop_down++;
      r->c.drop_down++;
    }
}

/* Frame f[0..n) to every site but skip1 and skip2 (NULL: none), on the
 * link that carries each. */
static void to_sites(msl_relay *r, const uint8_t *f, size_t n,
                     const char *skip1, const char *skip2, uint64_t now) {
  count_down(r, skip1, skip2);
  for (size_t i = 0; i < r->nlinks; i++) {
    const rlink *l = &r->links[i];
    if (l->state != L_UP || l->dead || skipped(l->site, skip1, skip2) ||
        relay_site_link(r, l->site) != (int)i)
      continue;
    link_send(r, i, f, n, now);
  }
}

/* d into r->fbuf; its length, or 0 (too big: counted). */
static size_t encode_frame(msl_relay *r, const msl_relay_dgram *d) {
  msl_relay_frame f;
  f.type = MSL_RELAY_DGRAM;
  f.u.dg = *d;
  int n = msl_relay_frame_encode(&f, r->fbuf, MSL_RELAY_FRAME_MAX);
  if (n > 0)
    return (size_t)n;
  r->c.drop_too_big++;
  return 0;
}

/* A local datagram (heard, or our own) at now, from ip:port. */
static void relay_out(msl_relay *r, const msl_nbdgm *g, uint32_t ip,
                      uint16_t port, int bcast, int own, uint64_t now) {
  const msl_relay_proxy_ent *to;
  msl_relay_dgram d;
  int why;
  unsigned act = msl_relay_core_local(&r->core, g, bcast, now, &to, &why);
  if (!act)
    return;
  msl_relay_core_frame(&r->core, g, ip, port, to, &d);
  size_t n = encode_frame(r, &d);
  if (!n)
    return;
  if (act & MSL_RELAY_A_TO_PEERS) {
    if (own)
      r->c.own_in++;
    else
      r->c.local_in++;
    to_sites(r, r->fbuf, n, NULL, NULL, now);
    return;
  }
  r->c.to_origin++;
  int li = relay_site_link(r, to->site);
  if (li < 0)
    li = relay_site_link(r, to->via);
  if (li < 0)
    r->c.drop_down++;
  else
    link_send(r, (size_t)li, r->fbuf, n, now);
}

static int is_broadcast(const msl_relay *r, uint32_t dst) {
  if (dst == 0xffffffffu)
    return 1;
  for (size_t i = 0; i < r->env.ifs->n; i++)
    if (r->env.ifs->v[i].bcast == dst)
      return 1;
  return 0;
}

void msl_relay_local(msl_relay *r, const uint8_t *p, size_t len,
                     uint32_t src_ip, uint16_t src_port, uint32_t dst_ip,
                     uint64_t now) {
  msl_nbdgm g;
  if (!r || !p || msl_nbdgm_decode(&g, p, len) != 0)
    return; /* the datagram service counts what is malformed */
  relay_out(r, &g, src_ip, src_port, is_broadcast(r, dst_ip), 0, now);
}

void msl_relay_own_send(msl_relay *r, const msl_nbdgm *tmpl, uint64_t now) {
  if (!r || !tmpl)
    return;
  uint32_t ip = r->env.ifs->n ? r->env.ifs->v[0].addr : tmpl->src_ip;
  relay_out(r, tmpl, ip, r->env.udp->port, 1, 1, now);
}

/* ---- frames from peers ---- */

/* d as a datagram from src_ip into r->pkt; its length or 0 (counted). */
static size_t build_dgram(msl_relay *r, const msl_relay_dgram *d,
                          uint32_t src_ip) {
  msl_nbdgm g;
  if (msl_nbdgm_init(&g, d->msg_type, MSL_NBDGM_SNT_B, r->next_id, src_ip,
                     r->env.udp->port, &d->src, &d->dst, d->data.ptr,
                     d->data.len) == 0) {
    int n = msl_nbdgm_encode(&g, r->pkt, MSL_UDP_MAX_PAYLOAD);
    if (n > 0)
      return (size_t)n;
  }
  r->c.drop_too_big++;
  return 0;
}

/* A group frame re-emitted on every local subnet from our address and
 * port (receivers answer us), and handed to this host's own slots. */
static void emit_local(msl_relay *r, const msl_relay_dgram *d, uint64_t now) {
  const msl_ifaces *ifs = r->env.ifs;
  size_t n = 0;
  for (size_t i = 0; i < ifs->n; i++) {
    const msl_iface *f = &ifs->v[i];
    if (!(n = build_dgram(r, d, f->addr)))
      return;
    out_add(r, n, f->bcast, r->env.udp->port, f->addr, f->index);
    if (i == 0 && r->env.local_input)
      r->env.local_input(r->env.user, r->pkt, n, f->addr, r->env.udp->port,
                         &d->dst, now);
  }
  if (ifs->n == 0 && (n = build_dgram(r, d, 0x7f000001u)) &&
      r->env.local_input)
    r->env.local_input(r->env.user, r->pkt, n, 0x7f000001u,
                       r->env.udp->port, &d->dst, now);
  r->next_id++;
  r->c.emitted++;
}

/* A unicast frame for this site: to its target, from our address. */
static void deliver(msl_relay *r, const msl_relay_dgram *d) {
  const msl_iface *f = msl_ifaces_for_peer(r->env.ifs, d->target_ip);
  uint32_t src = f ? f->addr : msl_udp_source_for(d->target_ip);
  size_t n = build_dgram(r, d, src);
  r->next_id++;
  if (!n)
    return;
  out_add(r, n, d->target_ip, d->target_port, src, f ? f->index : 0);
  r->c.delivered++;
}

/* A hub passes frame d on, one hop less: to every other site, or to its
 * target's. */
static void pass_on(msl_relay *r, const msl_relay_dgram *d, const char *from,
                    unsigned act, uint64_t now) {
  msl_relay_dgram next = *d;
  next.hops--;
  size_t n = encode_frame(r, &next);
  if (!n)
    return;
  if (act & MSL_RELAY_A_REFLECT) {
    r->c.reflected++;
    to_sites(r, r->fbuf, n, from, d->origin, now);
    return;
  }
  int li = relay_site_link(r, d->target);
  if (li < 0) {
    r->c.drop_no_route++;
    return;
  }
  r->c.forwarded++;
  link_send(r, (size_t)li, r->fbuf, n, now);
}

void relay_frame_in(msl_relay *r, size_t i, const msl_relay_frame *f,
                    uint64_t now) {
  char from[MSL_RELAY_SITE_MAX + 1];
  int why;
  if (f->type != MSL_RELAY_DGRAM)
    return;
  const msl_relay_dgram *d = &f->u.dg;
  strcpy(from, r->links[i].site); /* links may move below */
  unsigned act = msl_relay_core_from_peer(&r->core, d, from, now, &why);
  if (!act)
    return;
  if (!msl_relay_core_allowed(&r->core, d->data.ptr, d->data.len, &why) &&
      (why == MSL_RELAY_D_NOT_MAILSLOT || (act & MSL_RELAY_A_EMIT))) {
    r->core.drops[why]++; /* the allow list is for group datagrams */
    return;
  }
  if (!r->env.is_ours || !r->env.is_ours(r->env.user, &d->src))
    msl_relay_core_learn(&r->core, d, from, now);
  if (act & MSL_RELAY_A_EMIT)
    emit_local(r, d, now);
  if (act & MSL_RELAY_A_DELIVER)
    deliver(r, d);
  if (act & (MSL_RELAY_A_REFLECT | MSL_RELAY_A_FORWARD))
    pass_on(r, d, from, act, now);
}

int msl_relay_proxy_query(msl_relay *r, const msl_nbname *name, uint64_t now,
                          uint32_t *ttl_s) {
  if (!r || !name)
    return 0;
  const msl_relay_proxy_ent *e = msl_relay_proxy_find(&r->core.proxy, name,
                                                      now);
  if (!e)
    return 0;
  if (ttl_s) {
    uint64_t left = (e->expires - now) / 1000u;
    *ttl_s = left ? (uint32_t)left : 1;
  }
  r->c.proxy_answers++;
  return 1;
}
