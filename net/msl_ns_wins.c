/*
 * The name service's WINS client (H-node): each of our names registered
 * with a WINS server, refreshed, failed over, released [RFC 1001 §15.1.1,
 * RFC 1002 §5.1.2, MS-NBTE §3.1]; the behaviour is described at the top
 * of msl_name_service.h. Like the rest of the state machine it does no
 * I/O and reads no clock: packets go out through the config's send
 * callback, time comes in.
 */
#define _GNU_SOURCE
#include "msl_ns_int.h"

#include <stdio.h>
#include <string.h>

static const char *const state_name[] = {"off",        "registering", "wack",
                                         "registered", "refused",     "silent",
                                         "releasing",  "released"};

/* A request of this name is out: an answer may come. */
static int awaiting(const msl_ns_wins *w) {
  return w->state == MSL_NS_WINS_REGISTERING || w->state == MSL_NS_WINS_WACK ||
         w->state == MSL_NS_WINS_RELEASING;
}

/* The server has (or is about to have) the name as ours. */
static int active(const msl_ns_wins *w) {
  return w->state == MSL_NS_WINS_REGISTERING || w->state == MSL_NS_WINS_WACK ||
         w->state == MSL_NS_WINS_REGISTERED;
}

static int timed(const msl_ns_wins *w) {
  return active(w) || w->state == MSL_NS_WINS_SILENT ||
         w->state == MSL_NS_WINS_RELEASING;
}

/* The interface we reach the server through: the one the kernel routes
 * by (cfg.source_for), else the one on its subnet, else the first. */
static const msl_ns_iface *server_iface(const msl_ns *ns, uint32_t server) {
  uint32_t a =
      ns->cfg.source_for ? ns->cfg.source_for(ns->cfg.user, server) : 0;
  for (size_t i = 0; a && i < ns->cfg.n_ifs; i++)
    if (ns->ifs[i].addr == a)
      return &ns->ifs[i];
  return msl_nsi_iface_for(ns, server);
}

/* Builds name idx's request for its state: release, refresh (opcode 8,
 * as nmbd and Windows NT; nmbd takes 8 and 9) or registration (RD set).
 * Unicast: no B flag, as a WINS server wants [nmbd:
 * packet_is_for_wins_server]. Counts it; 0 or a negative msl_err. */
static int build(msl_ns *ns, int idx, msl_nbns *m) {
  msl_ns_name *n = &ns->names[idx];
  msl_ns_wins *w = &n->w;
  uint16_t fl = msl_nsi_nb_flags(ns, n);
  if (w->state == MSL_NS_WINS_RELEASING) {
    ns->c.wins_releases_sent++;
    return msl_nbns_build_release(m, w->trn_id, &n->nb, fl, w->addr, 0);
  }
  if (w->refresh) {
    ns->c.wins_refreshes_sent++;
    return msl_nbns_build_refresh(m, w->trn_id, &n->nb, fl, w->addr,
                                  MSL_NBNS_TTL_WINDOWS, 0);
  }
  ns->c.wins_registrations_sent++;
  return msl_nbns_build_registration(m, w->trn_id, &n->nb, fl, w->addr,
                                     MSL_NBNS_TTL_WINDOWS, 0);
}

/* Sends name idx's request (one more try) to its server and sets the
 * timer for the answer. A request that cannot go out (no interface)
 * counts as a try nobody answered. */
static void send_try(msl_ns *ns, int idx, uint64_t now) {
  msl_ns_wins *w = &ns->names[idx].w;
  uint32_t server = ns->cfg.wins.addr[w->server];
  const msl_ns_iface *f = server_iface(ns, server);
  msl_nbns m;
  w->tries++;
  w->next = now + MSL_NS_WINS_RETRY_MS;
  if (!f)
    return;
  if (w->state != MSL_NS_WINS_RELEASING)
    w->addr = f->addr; /* a release names the address registered */
  if (build(ns, idx, &m) != 0)
    return;
  /* Pinned to the interface only on its subnet; a routed server by the
   * routing table. */
  int on_link = ((f->addr ^ server) & f->mask) == 0;
  msl_nsi_emit(ns, &m, server, MSL_NBNS_PORT, f->addr,
               on_link ? f->ifindex : 0);
}

/* A new request for name idx (fresh TRN_ID): a registration (refresh 0)
 * or refresh with server k, the asked-th server of this round. */
static void begin(msl_ns *ns, int idx, unsigned k, unsigned asked, int refresh,
                  uint64_t now) {
  msl_ns_wins *w = &ns->names[idx].w;
  w->state = MSL_NS_WINS_REGISTERING;
  w->refresh = (uint8_t)refresh;
  w->server = (uint8_t)k;
  w->asked = (uint8_t)asked;
  w->tries = w->wacks = 0;
  w->trn_id = msl_nsi_trn_id(ns);
  send_try(ns, idx, now);
}

static void release_begin(msl_ns *ns, int idx, uint64_t now) {
  msl_ns_wins *w = &ns->names[idx].w;
  w->state = MSL_NS_WINS_RELEASING;
  w->tries = w->wacks = 0;
  w->trn_id = msl_nsi_trn_id(ns);
  send_try(ns, idx, now);
}

void msl_nsw_start(msl_ns *ns, uint64_t now) {
  for (size_t i = 0; ns->cfg.wins.n && i < ns->n_names; i++)
    if (!ns->names[i].conflict)
      begin(ns, (int)i, 0, 1, 0, now);
}

/* The server asked last did not answer (why: "did not answer", or its
 * error): the next one, or, when every server of this round was asked, a
 * B-node name until MSL_NS_WINS_SILENT_S later. */
static void failover(msl_ns *ns, int idx, const char *why, uint64_t now) {
  msl_ns_wins *w = &ns->names[idx].w;
  char b[MSL_NBNAME_FMT_MAX], a[16], c[16];
  msl_nbname_format(&ns->names[idx].nb, b, sizeof(b));
  msl_nsi_ipstr(ns->cfg.wins.addr[w->server], a);
  if (w->asked >= ns->cfg.wins.n) {
    w->state = MSL_NS_WINS_SILENT;
    w->next = now + MSL_NS_WINS_SILENT_S * 1000u;
    ns->c.wins_silent++;
    msl_nsi_log(ns, 1,
                "no WINS server registered %s (the last, %s, %s): a "
                "broadcast name only; asking again in %u s",
                b, a, why, MSL_NS_WINS_SILENT_S);
    return;
  }
  unsigned k = (w->server + 1u) % (unsigned)ns->cfg.wins.n;
  ns->c.wins_failovers++;
  msl_nsi_log(ns, 1, "WINS server %s %s for %s: asking %s", a, why, b,
              msl_nsi_ipstr(ns->cfg.wins.addr[k], c));
  begin(ns, idx, k, w->asked + 1u, 0, now); /* a registration there */
}

/* Name idx's timer at now: a retry, the next server, a refresh due, or a
 * silent round over. */
static void on_timer(msl_ns *ns, int idx, uint64_t now) {
  msl_ns_wins *w = &ns->names[idx].w;
  switch (w->state) {
  case MSL_NS_WINS_RELEASING:
    if (w->tries < MSL_NS_WINS_RELEASE_TRIES)
      send_try(ns, idx, now);
    else
      w->state = MSL_NS_WINS_RELEASED; /* asked enough: we are going */
    return;
  case MSL_NS_WINS_REGISTERED: /* half the TTL is over */
    begin(ns, idx, w->server, 1, 1, now);
    return;
  case MSL_NS_WINS_SILENT: /* the primary first again */
    begin(ns, idx, 0, 1, 0, now);
    return;
  default: /* REGISTERING, or a WACK's wait over without an answer */
    if (w->tries < MSL_NS_WINS_TRIES) {
      w->state = MSL_NS_WINS_REGISTERING;
      send_try(ns, idx, now);
    } else {
      failover(ns, idx, "did not answer", now);
    }
  }
}

uint64_t msl_nsw_tick(msl_ns *ns, uint64_t now) {
  uint64_t wait = UINT64_MAX;
  for (size_t i = 0; i < ns->n_names; i++) {
    msl_ns_wins *w = &ns->names[i].w;
    if (timed(w) && now >= w->next)
      on_timer(ns, (int)i, now);
    uint64_t d = w->next > now ? w->next - now : 0;
    if (timed(w) && d < wait)
      wait = d;
  }
  return wait;
}

/* The refresh period: half the granted TTL, the TTL taken in
 * [ttl_min, MSL_NS_WINS_TTL_MAX] (a tiny one would make us a flood, a
 * huge one would never tell a server that lost its database). In ms. */
static uint64_t refresh_ms(const msl_ns *ns, uint32_t ttl) {
  uint32_t lo =
      ns->cfg.wins.ttl_min ? ns->cfg.wins.ttl_min : MSL_NS_WINS_TTL_MIN;
  if (ttl < lo)
    ttl = lo;
  if (ttl > MSL_NS_WINS_TTL_MAX)
    ttl = MSL_NS_WINS_TTL_MAX;
  return (uint64_t)ttl * 1000u / 2;
}

static void granted(msl_ns *ns, int idx, uint32_t ttl, uint64_t now) {
  msl_ns_wins *w = &ns->names[idx].w;
  char b[MSL_NBNAME_FMT_MAX], a[16];
  w->state = MSL_NS_WINS_REGISTERED;
  w->ttl = ttl;
  w->next = now + refresh_ms(ns, ttl);
  msl_nbname_format(&ns->names[idx].nb, b, sizeof(b));
  if (w->refresh)
    ns->c.wins_refreshed++;
  else
    ns->c.wins_registered++;
  msl_nsi_log(ns, w->refresh ? 3 : 2, "%s %s with WINS server %s (TTL %u s)",
              w->refresh ? "refreshed" : "registered", b,
              msl_nsi_ipstr(ns->cfg.wins.addr[w->server], a), ttl);
}

/* A WACK [RFC 1002 §4.2.16]: wait its TTL (bounded) for the answer.
 * 0 when not believed (too many for this request). */
static int on_wack(msl_ns *ns, int idx, uint32_t ttl, uint64_t now) {
  msl_ns_wins *w = &ns->names[idx].w;
  if (w->state == MSL_NS_WINS_RELEASING || w->wacks >= MSL_NS_WINS_WACKS_MAX)
    return 0;
  if (ttl < 1)
    ttl = 1;
  if (ttl > MSL_NS_WINS_WACK_MAX)
    ttl = MSL_NS_WINS_WACK_MAX;
  w->wacks++;
  w->state = MSL_NS_WINS_WACK;
  w->next = now + (uint64_t)ttl * 1000u;
  ns->c.wins_wacks++;
  return 1;
}

/* A negative answer (rcode) from server src to name idx's request. */
static void refused(msl_ns *ns, int idx, unsigned rc, uint32_t src,
                    uint64_t now) {
  msl_ns_wins *w = &ns->names[idx].w;
  char b[MSL_NBNAME_FMT_MAX], a[16];
  msl_nbname_format(&ns->names[idx].nb, b, sizeof(b));
  msl_nsi_ipstr(src, a);
  if (w->refresh) { /* it lost the name, or never knew: register again */
    ns->c.wins_refresh_refused++;
    msl_nsi_log(ns, 1,
                "WINS server %s refused the refresh of %s (%s): "
                "registering it again",
                a, b, msl_nbns_rcode_name(rc));
    begin(ns, idx, w->server, 1, 0, now);
    return;
  }
  if (rc == MSL_NBNS_RC_FMT || rc == MSL_NBNS_RC_SRV ||
      rc == MSL_NBNS_RC_IMP) { /* that server cannot do it: the next */
    failover(ns, idx, msl_nbns_rcode_name(rc), now);
    return;
  }
  w->state = MSL_NS_WINS_REFUSED;
  w->rcode = (uint8_t)rc;
  ns->c.wins_refusals++;
  if (!ns->names[idx].group && !ns->names[idx].conflict)
    msl_nsi_conflict(ns, idx, src, 1, now); /* held by a live owner */
  else
    msl_nsi_log(ns, 0,
                "WINS server %s refused the group name %s (%s): a "
                "broadcast name only",
                a, b, msl_nbns_rcode_name(rc));
}

int msl_nsw_input(msl_ns *ns, const msl_nbns *r, uint32_t src, uint64_t now) {
  if (!ns->cfg.wins.n || !r->ancount)
    return 0;
  int idx = msl_nsi_find_name(ns, &r->an[0].name.nb);
  if (idx < 0)
    return 0;
  msl_ns_wins *w = &ns->names[idx].w;
  unsigned op = msl_nbns_opcode(r), rc = msl_nbns_rcode(r);
  if (!awaiting(w) || r->trn_id != w->trn_id ||
      src != ns->cfg.wins.addr[w->server])
    return 0; /* not the answer of the server asked to this request */
  if (w->state == MSL_NS_WINS_RELEASING) {
    if (op != MSL_NBNS_OP_RELEASE)
      return 0;
    w->state = MSL_NS_WINS_RELEASED; /* NAM_ERR too: it is not ours there */
    ns->c.wins_released++;
    return 1;
  }
  if (op == MSL_NBNS_OP_WACK)
    return on_wack(ns, idx, r->an[0].ttl, now);
  /* nmbd answers a refresh with opcode 5 [nmbd_winsserver.c
   * send_wins_name_registration_response]; the RFC says 8 or 9. */
  if (op != MSL_NBNS_OP_REGISTER && op != MSL_NBNS_OP_REFRESH &&
      op != MSL_NBNS_OP_REFRESH_ALT)
    return 0;
  if (rc == MSL_NBNS_RC_OK)
    granted(ns, idx, r->an[0].ttl, now);
  else
    refused(ns, idx, rc, src, now);
  return 1;
}

/* Gives name idx back to its server: a release, repeated while the
 * server is known to be there (it granted or WACKed the name); one only
 * when it never answered this round (likely down: no reason to wait). No
 * more rounds either way. */
static void give_back(msl_ns *ns, int idx, uint64_t now) {
  msl_ns_wins *w = &ns->names[idx].w;
  int answered = w->state != MSL_NS_WINS_REGISTERING || w->refresh;
  if (active(w)) {
    release_begin(ns, idx, now);
    if (!answered)
      w->state = MSL_NS_WINS_RELEASED;
  } else if (w->state == MSL_NS_WINS_SILENT) {
    w->state = MSL_NS_WINS_OFF;
  }
}

void msl_nsw_release(msl_ns *ns, uint64_t now) {
  for (size_t i = 0; i < ns->n_names; i++)
    give_back(ns, (int)i, now);
}

void msl_nsw_drop(msl_ns *ns, int idx, uint64_t now) {
  give_back(ns, idx, now);
}

void msl_nsw_ifaces_changed(msl_ns *ns, uint64_t now) {
  for (size_t i = 0; i < ns->n_names; i++) {
    msl_ns_wins *w = &ns->names[i].w;
    if (active(w) && !ns->names[i].conflict && !msl_ns_is_own_addr(ns, w->addr))
      begin(ns, (int)i, 0, 1, 0, now); /* our address there is gone */
  }
}

/* One "wins_name" line (see msl_ns_format_counters) at buf. */
static int format_name(const msl_ns *ns, const msl_ns_name *n, uint64_t now,
                       char *buf, size_t cap) {
  const msl_ns_wins *w = &n->w;
  char b[MSL_NBNAME_FMT_MAX], a[16] = "-";
  unsigned long long left = w->next > now ? (w->next - now + 999) / 1000 : 0;
  const char *st = w->state == MSL_NS_WINS_REGISTERING && w->refresh
                       ? "refreshing"
                       : state_name[w->state];
  msl_nbname_format(&n->nb, b, sizeof(b));
  if (w->state != MSL_NS_WINS_OFF && w->state != MSL_NS_WINS_SILENT)
    msl_nsi_ipstr(ns->cfg.wins.addr[w->server], a);
  int k = snprintf(buf, cap, "wins_name %s %s %s", b, st, a);
  if (k < 0 || (size_t)k >= cap)
    return MSL_ERR_BUFFER_TOO_SMALL;
  int m;
  switch (w->state) {
  case MSL_NS_WINS_REGISTERING:
  case MSL_NS_WINS_RELEASING:
    m = snprintf(buf + k, cap - (size_t)k, " try %u\n", w->tries);
    break;
  case MSL_NS_WINS_WACK:
    m = snprintf(buf + k, cap - (size_t)k, " wait %llu\n", left);
    break;
  case MSL_NS_WINS_REGISTERED:
    m = snprintf(buf + k, cap - (size_t)k, " ttl %u refresh_in %llu\n", w->ttl,
                 left);
    break;
  case MSL_NS_WINS_REFUSED:
    m = snprintf(buf + k, cap - (size_t)k, " rcode %u\n", w->rcode);
    break;
  case MSL_NS_WINS_SILENT:
    m = snprintf(buf + k, cap - (size_t)k, " retry_in %llu\n", left);
    break;
  default:
    m = snprintf(buf + k, cap - (size_t)k, "\n");
  }
  return m < 0 || (size_t)m >= cap - (size_t)k ? MSL_ERR_BUFFER_TOO_SMALL
                                               : k + m;
}

static int format_counters(const msl_ns *ns, char *buf, size_t cap) {
  const msl_ns_counters *c = &ns->c;
  int n = snprintf(
      buf, cap,
      "ns_wins_servers %zu\nns_wins_registrations_sent %llu\n"
      "ns_wins_registered %llu\nns_wins_refreshes_sent %llu\n"
      "ns_wins_refreshed %llu\nns_wins_refresh_refused %llu\n"
      "ns_wins_wacks %llu\nns_wins_refusals %llu\nns_wins_failovers %llu\n"
      "ns_wins_silent %llu\nns_wins_releases_sent %llu\n"
      "ns_wins_released %llu\n",
      ns->cfg.wins.n, (unsigned long long)c->wins_registrations_sent,
      (unsigned long long)c->wins_registered,
      (unsigned long long)c->wins_refreshes_sent,
      (unsigned long long)c->wins_refreshed,
      (unsigned long long)c->wins_refresh_refused,
      (unsigned long long)c->wins_wacks, (unsigned long long)c->wins_refusals,
      (unsigned long long)c->wins_failovers, (unsigned long long)c->wins_silent,
      (unsigned long long)c->wins_releases_sent,
      (unsigned long long)c->wins_released);
  return n < 0 || (size_t)n >= cap ? MSL_ERR_BUFFER_TOO_SMALL : n;
}

int msl_nsw_format(const msl_ns *ns, uint64_t now, char *buf, size_t cap) {
  int off = format_counters(ns, buf, cap);
  for (size_t i = 0; off >= 0 && ns->cfg.wins.n && i < ns->n_names; i++) {
    int k = format_name(ns, &ns->names[i], now, buf + off, cap - (size_t)off);
    off = k < 0 ? k : off + k;
  }
  return off;
}
