/* The B-node name service's state machine (see msl_name_service.h); no
 * I/O here: packets go out through the config's send callback. Its
 * sockets and clients are in msl_ns_io.c. */
#define _GNU_SOURCE
#include "msl_ns_int.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PKT_MAX 1024 /* one name-service packet we build */

void msl_nsi_log(const msl_ns *ns, int level, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  if (!ns->cfg.log)
    return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  ns->cfg.log(ns->cfg.log_user, level, msg);
}

static const msl_rl_rate log_rate = {MSL_NS_LOG_RATE, MSL_NS_LOG_BURST};

/* A line any LAN host can provoke at will (level 1 warning or 3 debug):
 * rate-limited per level so a flood cannot fill the log; the next line
 * that passes says how many were left out (counted too). */
void msl_nsi_noisy(msl_ns *ns, int level, uint64_t now, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  int k = level >= 3;
  if (!ns->cfg.log)
    return;
  if (!msl_rl_take(&ns->log_rl[k], &log_rate, now)) {
    ns->log_dropped[k]++;
    ns->c.log_suppressed++;
    return;
  }
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (ns->log_dropped[k] && n >= 0 && (size_t)n < sizeof(msg))
    snprintf(msg + n, sizeof(msg) - (size_t)n,
             " (%llu similar lines left out)",
             (unsigned long long)ns->log_dropped[k]);
  ns->log_dropped[k] = 0;
  ns->cfg.log(ns->cfg.log_user, level, msg);
}

/* "a.b.c.d" of a host-order address into b (16 bytes). */
const char *msl_nsi_ipstr(uint32_t ip, char b[16]) {
  snprintf(b, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
           ip & 255);
  return b;
}

uint16_t msl_nsi_peer_port(const msl_ns *ns) {
  return ns->cfg.port ? ns->cfg.port : MSL_NBNS_PORT;
}

void msl_nsi_emit(msl_ns *ns, const msl_nbns *m, uint32_t dst, uint16_t port,
                  uint32_t src, unsigned ifindex) {
  uint8_t buf[PKT_MAX];
  int n = msl_nbns_encode(m, buf, sizeof(buf));
  if (n < 0 || ns->cfg.send(ns->cfg.user, buf, (size_t)n, dst, port, src,
                            ifindex) < 0) {
    ns->c.send_errors++;
    return;
  }
  ns->c.sent++;
}

/* The interface facing peer (its subnet), else the first one. */
const msl_ns_iface *msl_nsi_iface_for(const msl_ns *ns, uint32_t peer) {
  for (size_t i = 0; i < ns->cfg.n_ifs; i++)
    if (((ns->ifs[i].addr ^ peer) & ns->ifs[i].mask) == 0)
      return &ns->ifs[i];
  return ns->cfg.n_ifs ? &ns->ifs[0] : NULL;
}

/* An H-node with WINS servers [MS-NBTE §3.1.3], else a B-node; the
 * same in every packet (registrations, answers, node status). */
uint16_t msl_nsi_nb_flags(const msl_ns *ns, const msl_ns_name *n) {
  return (uint16_t)((n->group ? MSL_NBNS_NB_G : 0) |
                    (ns->cfg.wins.n ? MSL_NBNS_ONT_H : MSL_NBNS_ONT_B));
}

static int add_name(msl_ns *ns, const char *text, uint8_t suffix, int group) {
  msl_ns_name *n = &ns->names[ns->n_names];
  if (msl_nbname_make(&n->nb, text, suffix, ns->cfg.scope) != 0)
    return MSL_ERR_NAME;
  n->group = group;
  ns->n_names++;
  return 0;
}

/* A TRN_ID for one of our requests: unpredictable from the config's
 * source; without one, or when it fails (counted), the next number after
 * the seed. */
uint16_t msl_nsi_trn_id(msl_ns *ns) {
  uint16_t id;
  if (ns->cfg.random) {
    if (ns->cfg.random(ns->cfg.random_user, &id, sizeof(id)) == 0)
      return id;
    ns->c.random_errors++;
  }
  return ns->id_next++;
}

/* A new round's TRN_IDs: one per name, so a defence names the name's own
 * request, and fresh, so a defence of an earlier round is not this one's. */
static void new_round_ids(msl_ns *ns) {
  for (size_t i = 0; i < ns->n_names; i++)
    ns->names[i].trn_id = msl_nsi_trn_id(ns);
}

/* r, or dflt when r is all zero (not configured). */
static msl_rl_rate rate_or(msl_rl_rate r, uint32_t per_s, uint32_t burst) {
  if (r.per_s == 0 && r.burst == 0) {
    r.per_s = per_s;
    r.burst = burst;
  }
  return r;
}

/* The answer limits: the config's, else the defaults; buckets start
 * full. */
static void init_limits(msl_ns *ns) {
  msl_ns_config *c = &ns->cfg;
  c->status_per_source = rate_or(c->status_per_source, MSL_NS_STATUS_SRC_RATE,
                                 MSL_NS_STATUS_SRC_BURST);
  c->status_total = rate_or(c->status_total, MSL_NS_STATUS_ALL_RATE,
                            MSL_NS_STATUS_ALL_BURST);
  c->query_per_source = rate_or(c->query_per_source, MSL_NS_QUERY_SRC_RATE,
                                MSL_NS_QUERY_SRC_BURST);
  msl_rl_table_init(&ns->status_src, &c->status_per_source);
  msl_rl_table_init(&ns->query_src, &c->query_per_source);
  msl_rl_init(&ns->status_all, &c->status_total, 0);
  msl_rl_init(&ns->log_rl[0], &log_rate, 0);
  msl_rl_init(&ns->log_rl[1], &log_rate, 0);
}

/* Whether the WINS server list is usable: at most MSL_NS_WINS_MAX, no
 * 0.0.0.0 or broadcast address (a unicast client asks one host). */
static int wins_ok(const msl_ns_wins_servers *w) {
  if (w->n > MSL_NS_WINS_MAX)
    return 0;
  for (size_t i = 0; i < w->n; i++)
    if (w->addr[i] == 0 || w->addr[i] == 0xFFFFFFFFu)
      return 0;
  return 1;
}

int msl_ns_init(msl_ns *ns, const msl_ns_config *cfg, uint16_t trn_seed) {
  if (!ns || !cfg || !cfg->send || !cfg->name || !cfg->workgroup ||
      cfg->n_ifs > MSL_NS_MAX_IFS || (cfg->n_ifs && !cfg->ifs) ||
      !wins_ok(&cfg->wins))
    return MSL_ERR_ARG;
  memset(ns, 0, sizeof(*ns));
  ns->cfg = *cfg;
  if (cfg->n_ifs)
    memcpy(ns->ifs, cfg->ifs, cfg->n_ifs * sizeof(*ns->ifs));
  ns->cfg.ifs = ns->ifs;
  ns->id_next = trn_seed;
  init_limits(ns);
  if (add_name(ns, cfg->name, MSL_NB_WORKSTATION, 0) < 0 ||
      add_name(ns, cfg->workgroup, MSL_NB_WORKSTATION, 1) < 0 ||
      ((cfg->flags & MSL_NS_MESSENGER) &&
       add_name(ns, cfg->name, MSL_NB_MESSENGER, 0) < 0) ||
      ((cfg->flags & MSL_NS_SERVER) &&
       add_name(ns, cfg->name, MSL_NB_SERVER, 0) < 0))
    return MSL_ERR_NAME;
  ns->cfg.name = ns->cfg.workgroup = ns->cfg.scope = NULL; /* not kept */
  return 0;
}

/* One step of a registration round (request or overwrite demand) for
 * every name not in conflict on every interface (fresh_only: on those
 * msl_ns_set_ifaces added). Each name keeps its round's TRN_ID in the
 * retransmissions, so a defence names the request it refuses. */
static void registration_round(msl_ns *ns, int overwrite, int fresh_only) {
  msl_nbns m;
  for (size_t i = 0; i < ns->n_names; i++) {
    uint16_t id = ns->names[i].trn_id;
    if (ns->names[i].conflict)
      continue;
    for (size_t k = 0; k < ns->cfg.n_ifs; k++) {
      const msl_ns_iface *f = &ns->ifs[k];
      if (fresh_only && !ns->fresh[k])
        continue;
      if ((overwrite
               ? msl_nbns_build_overwrite(&m, id, &ns->names[i].nb,
                                          msl_nsi_nb_flags(ns, &ns->names[i]),
                                          f->addr, MSL_NBNS_TTL_WINDOWS)
               : msl_nbns_build_registration(
                     &m, id, &ns->names[i].nb,
                     msl_nsi_nb_flags(ns, &ns->names[i]), f->addr,
                     MSL_NBNS_TTL_WINDOWS, 1)) != 0)
        continue;
      msl_nsi_emit(ns, &m, f->bcast, msl_nsi_peer_port(ns), f->addr,
                   f->ifindex);
      if (overwrite)
        ns->c.overwrites_sent++;
      else
        ns->c.registrations_sent++;
    }
  }
}

void msl_ns_start(msl_ns *ns, uint64_t now) {
  if (!ns || ns->state != MSL_NS_IDLE)
    return;
  ns->state = MSL_NS_REGISTERING;
  ns->step = 1;
  ns->next = now + MSL_NS_RETRY_MS;
  new_round_ids(ns);
  registration_round(ns, 0, 0);
}

/* One step of a registration schedule (*step rounds sent, the next due
 * at *next): a round of requests every MSL_NS_RETRY_MS, MSL_NS_RETRY_COUNT
 * times, then the overwrite demand. The time to the next step, or 0 once
 * the demand went out. */
static uint64_t registration_step(msl_ns *ns, unsigned *step, uint64_t *next,
                                  uint64_t now, int fresh_only) {
  if (now < *next)
    return *next - now;
  if (*step < MSL_NS_RETRY_COUNT) {
    (*step)++;
    *next = now + MSL_NS_RETRY_MS;
    registration_round(ns, 0, fresh_only);
    return MSL_NS_RETRY_MS;
  }
  registration_round(ns, 1, fresh_only);
  return 0;
}

/* The registration on interfaces added while the names are ours: same
 * schedule as msl_ns_tick's, no state change. */
static uint64_t refresh_tick(msl_ns *ns, uint64_t now) {
  uint64_t wait = registration_step(ns, &ns->rstep, &ns->rnext, now, 1);
  if (wait)
    return wait;
  ns->refreshing = 0;
  memset(ns->fresh, 0, sizeof(ns->fresh));
  msl_nsi_log(ns, 2, "names registered on the new interface(s)");
  return UINT64_MAX;
}

/* The broadcast timers: registration at start, or on new interfaces. */
static uint64_t bnode_tick(msl_ns *ns, uint64_t now) {
  if (ns->state == MSL_NS_REGISTERED && ns->refreshing)
    return refresh_tick(ns, now);
  if (ns->state != MSL_NS_REGISTERING)
    return UINT64_MAX;
  uint64_t wait = registration_step(ns, &ns->step, &ns->next, now, 0);
  if (wait)
    return wait;
  /* Nobody defended within the last retry timeout: the names are ours. */
  ns->state = MSL_NS_REGISTERED;
  for (size_t i = 0; i < ns->n_names; i++) {
    char b[MSL_NBNAME_FMT_MAX];
    if (ns->names[i].conflict)
      continue; /* logged when it happened */
    msl_nbname_format(&ns->names[i].nb, b, sizeof(b));
    msl_nsi_log(ns, 2, "registered %s (%s)", b,
                ns->names[i].group ? "group" : "unique");
  }
  msl_nsw_start(ns, now); /* H-node: now with the WINS server */
  return UINT64_MAX;
}

uint64_t msl_ns_tick(msl_ns *ns, uint64_t now) {
  if (!ns)
    return UINT64_MAX;
  uint64_t b = bnode_tick(ns, now), w = msl_nsw_tick(ns, now);
  return w < b ? w : b;
}

int msl_nsi_find_name(const msl_ns *ns, const msl_nbname *n) {
  for (size_t i = 0; i < ns->n_names; i++)
    if (msl_nbname_equal(&ns->names[i].nb, n))
      return (int)i;
  return -1;
}

/* The index of name among ours if we hold it (not in conflict), or -1. */
static int find_held(const msl_ns *ns, const msl_nbname *n) {
  int idx = msl_nsi_find_name(ns, n);
  return idx >= 0 && !ns->names[idx].conflict ? idx : -1;
}

int msl_ns_is_ours(const msl_ns *ns, const msl_nbname *name) {
  return ns && name && find_held(ns, name) >= 0;
}

int msl_ns_own_flags(const msl_ns *ns, const msl_nbname *name,
                     uint16_t *nb_flags) {
  int idx = ns && name ? find_held(ns, name) : -1;
  if (idx < 0)
    return MSL_ERR_NAME_NOT_FOUND;
  if (nb_flags)
    *nb_flags = msl_nsi_nb_flags(ns, &ns->names[idx]);
  return 0;
}

int msl_ns_is_own_addr(const msl_ns *ns, uint32_t ip) {
  for (size_t i = 0; i < ns->cfg.n_ifs; i++)
    if (ns->ifs[i].addr == ip)
      return 1;
  return 0;
}

/* "*" padded with NULs, any scope of ours [RFC 1002 §4.2.17]. */
static int is_wildcard(const msl_ns *ns, const msl_nbname *n) {
  msl_nbname w;
  return msl_nbname_make(&w, "*", 0, ns->names[0].nb.scope) == 0 &&
         msl_nbname_equal(&w, n);
}

/* Whether a name-query answer to src may go out at now: per source
 * only, far above real use (a flood is refused, a benchmark is not). */
static int query_allowed(msl_ns *ns, uint32_t src, uint64_t now) {
  if (msl_rl_table_take(&ns->query_src, src, now))
    return 1;
  ns->c.query_rate_limited++;
  return 0;
}

/* Whether a node-status answer to src may go out at now: per source, and
 * in all, since a reflector's output is what matters and spoofed sources
 * are free. */
static int status_allowed(msl_ns *ns, uint32_t src, uint64_t now) {
  if (msl_rl_table_take(&ns->status_src, src, now) &&
      msl_rl_take(&ns->status_all, &ns->cfg.status_total, now))
    return 1;
  ns->c.status_rate_limited++;
  return 0;
}

static void answer_query(msl_ns *ns, const msl_nbns *q, int idx,
                         uint32_t src_ip, uint16_t src_port, uint64_t now) {
  const msl_ns_iface *f = msl_nsi_iface_for(ns, src_ip);
  msl_nbns m;
  msl_nbns_nb e;
  if (!f || !query_allowed(ns, src_ip, now))
    return;
  e.flags = msl_nsi_nb_flags(ns, &ns->names[idx]);
  e.addr = f->addr;
  if (msl_nbns_build_query_response(&m, q->trn_id, &q->qd[0].name.nb,
                                    MSL_NBNS_TTL_WINDOWS, &e, 1) != 0)
    return;
  msl_nsi_emit(ns, &m, src_ip, src_port, f->addr, f->ifindex);
  ns->c.queries_answered++;
}

void msl_ns_set_proxy(msl_ns *ns,
                      int (*fn)(void *user, const msl_nbname *name,
                                uint64_t now, uint32_t *ttl_s),
                      void *user) {
  if (ns) {
    ns->proxy = fn;
    ns->proxy_user = user;
  }
}

/* A query for a name not ours: answered with our address when the proxy
 * (the relay) knows it as another site's host. */
static void answer_proxied(msl_ns *ns, const msl_nbns *q, uint32_t src_ip,
                           uint16_t src_port, uint64_t now) {
  const msl_ns_iface *f = msl_nsi_iface_for(ns, src_ip);
  uint32_t ttl = 0;
  msl_nbns m;
  msl_nbns_nb e;
  if (!ns->proxy || !f ||
      !ns->proxy(ns->proxy_user, &q->qd[0].name.nb, now, &ttl) ||
      !query_allowed(ns, src_ip, now))
    return;
  e.flags = MSL_NBNS_ONT_B;
  e.addr = f->addr;
  if (msl_nbns_build_query_response(&m, q->trn_id, &q->qd[0].name.nb, ttl,
                                    &e, 1) == 0)
    msl_nsi_emit(ns, &m, src_ip, src_port, f->addr, f->ifindex);
}

/* Our name table: a name in conflict stays listed, flagged CNF [RFC
 * 1002 §4.2.18], as nbtstat shows it "Conflict". */
static void answer_node_status(msl_ns *ns, const msl_nbns *q, uint32_t src_ip,
                               uint16_t src_port, uint64_t now) {
  const msl_ns_iface *f = msl_nsi_iface_for(ns, src_ip);
  msl_nbns_node_name names[MSL_NS_MAX_NAMES];
  msl_nbns_stats st;
  msl_nbns m;
  if (!f || !status_allowed(ns, src_ip, now))
    return;
  for (size_t i = 0; i < ns->n_names; i++) {
    memcpy(names[i].name, ns->names[i].nb.raw, MSL_NBNAME_RAW_LEN);
    names[i].flags =
        (uint16_t)(msl_nsi_nb_flags(ns, &ns->names[i]) | MSL_NBNS_NAME_ACT |
                   (ns->names[i].conflict ? MSL_NBNS_NAME_CNF : 0));
  }
  memset(&st, 0, sizeof(st));
  memcpy(st.unit_id, f->mac, sizeof(st.unit_id));
  if (msl_nbns_build_node_status_response(&m, q->trn_id, &q->qd[0].name.nb,
                                          names, ns->n_names, &st) != 0)
    return;
  msl_nsi_emit(ns, &m, src_ip, src_port, f->addr, f->ifindex);
  ns->c.node_status_answered++;
}

/* Someone registers (or overwrites) a name: defend a registered unique
 * name of ours with a unicast negative response [RFC 1002 §5.1.1.5]. */
static void defend(msl_ns *ns, const msl_nbns *q, int idx, uint32_t src_ip,
                   uint16_t src_port) {
  const msl_ns_iface *f = msl_nsi_iface_for(ns, src_ip);
  msl_nbns m;
  char b[MSL_NBNAME_FMT_MAX], a[16];
  if (!f || ns->names[idx].group || ns->state != MSL_NS_REGISTERED)
    return;
  if (q->arcount && q->ar[0].nb_count && (q->ar[0].nb_first.flags &
                                          MSL_NBNS_NB_G))
    return; /* a group registration does not take our unique name... */
  if (msl_nbns_build_registration_response(
          &m, q->trn_id, &ns->names[idx].nb, MSL_NBNS_RC_ACT,
          msl_nsi_nb_flags(ns, &ns->names[idx]), f->addr, 0) != 0)
    return;
  msl_nsi_emit(ns, &m, src_ip, src_port, f->addr, f->ifindex);
  ns->c.defended++;
  msl_nbname_format(&ns->names[idx].nb, b, sizeof(b));
  msl_nsi_log(ns, 1, "defended %s against %s", b, msl_nsi_ipstr(src_ip, a));
}

/* Another node refused our registration of name idx: that name only is
 * given up (RFC 1002 §5.1.1.1: the claim failed); the service goes on
 * with the others, as nmbd (which drops the name from that subnet). */
void msl_nsi_conflict(msl_ns *ns, int idx, uint32_t by, int wins,
                      uint64_t now) {
  char b[MSL_NBNAME_FMT_MAX], a[16];
  /* Given back to its WINS server first, while it is still ours. */
  msl_nsw_drop(ns, idx, now);
  ns->names[idx].conflict = 1;
  ns->names[idx].conflict_by = by;
  ns->c.conflicts++;
  msl_nbname_format(&ns->names[idx].nb, b, sizeof(b));
  msl_nsi_log(ns, 0,
              "name conflict: %s %s %s; it is no longer ours (not answered "
              "or defended; restart to claim it again)",
              b, wins ? "was refused by the WINS server" : "is owned by",
              msl_nsi_ipstr(by, a));
}

/* Whether name idx has a registration round running (the start, or the
 * one on new interfaces), so a defence may name its TRN_ID. */
static int awaiting_defence(const msl_ns *ns, int idx) {
  if (ns->names[idx].group || ns->names[idx].conflict)
    return 0; /* a group is shared; a lost name is lost once */
  return ns->state == MSL_NS_REGISTERING ||
         (ns->state == MSL_NS_REGISTERED && ns->refreshing);
}

/* A registration-family response (registration, WACK, release, refresh).
 * The WINS client takes the answers to its requests (TRN_ID, name and
 * server matched). Otherwise only a negative registration response (ACT)
 * with the TRN_ID of our running broadcast round for that name counts
 * [RFC 1002 §5.1.1.1]: a conflict demand (0xAD87) is never obeyed
 * (NoNameReleaseOnDemand: anyone can send one), anything else answers
 * nothing we asked. */
static void on_registration_response(msl_ns *ns, const msl_nbns *r,
                                     uint32_t src, uint64_t now) {
  char b[MSL_NBNAME_FMT_MAX], a[16];
  unsigned op = msl_nbns_opcode(r), rc = msl_nbns_rcode(r);
  if (msl_nsw_input(ns, r, src, now))
    return; /* the answer of a WINS server to our request */
  int idx = r->ancount ? msl_nsi_find_name(ns, &r->an[0].name.nb) : -1;
  if (idx >= 0)
    msl_nbname_format(&ns->names[idx].nb, b, sizeof(b));
  if (idx >= 0 && op == MSL_NBNS_OP_REGISTER && rc == MSL_NBNS_RC_CFT) {
    ns->c.conflict_demands_ignored++;
    msl_nsi_noisy(ns, 1, now,
                  "ignored a name conflict demand for %s from %s "
                  "(anyone can send one: the name stays ours)",
                  b, msl_nsi_ipstr(src, a));
    return;
  }
  if (idx >= 0 && op == MSL_NBNS_OP_REGISTER && rc == MSL_NBNS_RC_ACT &&
      awaiting_defence(ns, idx) && r->trn_id == ns->names[idx].trn_id) {
    msl_nsi_conflict(ns, idx, src, 0, now);
    return;
  }
  ns->c.unsolicited_responses++;
  if (idx >= 0 && rc != 0)
    msl_nsi_noisy(ns, 1, now,
                  "ignored a negative registration response (rcode %u) "
                  "for %s from %s: TRN_ID 0x%04x answers no request of ours",
                  rc, b, msl_nsi_ipstr(src, a), r->trn_id);
  else
    msl_nsi_noisy(ns, 3, now, "dropped an unsolicited %s response from %s",
                  msl_nbns_opcode_name(op), msl_nsi_ipstr(src, a));
}

/* A response on the name-service port. Our queries go out from sockets of
 * their own (msl_ns_query, msl_ns_aq_*), so a name-query or node-status
 * answer here was asked by nobody: dropped, never cached (a cache filled
 * from here is anyone's to poison). */
static void on_response(msl_ns *ns, const msl_nbns *r, uint32_t src_ip,
                        uint64_t now) {
  char a[16];
  if (msl_nbns_opcode(r) != MSL_NBNS_OP_QUERY) {
    on_registration_response(ns, r, src_ip, now);
    return;
  }
  ns->c.unsolicited_answers++;
  msl_nsi_noisy(ns, 3, now,
                "dropped an unsolicited query answer from %s "
                "(TRN_ID 0x%04x)",
                msl_nsi_ipstr(src_ip, a), r->trn_id);
}

void msl_ns_input(msl_ns *ns, const uint8_t *p, size_t len, uint32_t src_ip,
                  uint16_t src_port, uint64_t now) {
  msl_nbns m;
  if (!ns || !p)
    return;
  ns->c.rx++;
  if (msl_nbns_decode(&m, p, len) != 0) {
    ns->c.rx_bad++;
    return;
  }
  if (msl_ns_is_own_addr(ns, src_ip) && src_port == msl_nsi_peer_port(ns)) {
    ns->c.rx_own++; /* our broadcast, looped back */
    return;
  }
  if (msl_nbns_is_response(&m)) {
    on_response(ns, &m, src_ip, now);
    return;
  }
  if (m.qdcount == 0)
    return;
  unsigned op = msl_nbns_opcode(&m);
  const msl_nbns_question *q = &m.qd[0];
  int idx = find_held(ns, &q->name.nb); /* a name in conflict is not ours */
  if (op == MSL_NBNS_OP_QUERY && q->type == MSL_NBNS_T_NBSTAT) {
    if ((idx >= 0 || is_wildcard(ns, &q->name.nb)) &&
        ns->state == MSL_NS_REGISTERED)
      answer_node_status(ns, &m, src_ip, src_port, now);
    return;
  }
  if (idx < 0) {
    if (op == MSL_NBNS_OP_QUERY && q->type == MSL_NBNS_T_NB &&
        ns->state == MSL_NS_REGISTERED)
      answer_proxied(ns, &m, src_ip, src_port, now);
    return;
  }
  if (op == MSL_NBNS_OP_QUERY && q->type == MSL_NBNS_T_NB &&
      ns->state == MSL_NS_REGISTERED)
    answer_query(ns, &m, idx, src_ip, src_port, now);
  else if (op == MSL_NBNS_OP_REGISTER)
    defend(ns, &m, idx, src_ip, src_port);
}

/* Broadcasts a release of every name we hold on interface f (never one
 * in conflict: its owner is another node, whose entry peers would drop). */
static void release_on(msl_ns *ns, const msl_ns_iface *f) {
  msl_nbns m;
  for (size_t i = 0; i < ns->n_names; i++) {
    if (ns->names[i].conflict ||
        msl_nbns_build_release(&m, msl_nsi_trn_id(ns), &ns->names[i].nb,
                               msl_nsi_nb_flags(ns, &ns->names[i]), f->addr,
                               1) != 0)
      continue;
    msl_nsi_emit(ns, &m, f->bcast, msl_nsi_peer_port(ns), f->addr, f->ifindex);
    ns->c.releases_sent++;
  }
}

void msl_ns_release(msl_ns *ns, uint64_t now) {
  if (!ns || (ns->state != MSL_NS_REGISTERED &&
              ns->state != MSL_NS_REGISTERING))
    return;
  msl_nsw_release(ns, now);
  for (size_t k = 0; k < ns->cfg.n_ifs; k++)
    release_on(ns, &ns->ifs[k]);
  ns->state = MSL_NS_RELEASED;
}

int msl_ns_wins_busy(const msl_ns *ns) {
  for (size_t i = 0; ns && i < ns->n_names; i++)
    if (ns->names[i].w.state == MSL_NS_WINS_RELEASING)
      return 1;
  return 0;
}

static int same_iface(const msl_ns_iface *a, const msl_ns_iface *b) {
  return a->addr == b->addr && a->mask == b->mask && a->bcast == b->bcast &&
         a->ifindex == b->ifindex;
}

static int iface_in(const msl_ns_iface *v, size_t n, const msl_ns_iface *e) {
  for (size_t i = 0; i < n; i++)
    if (same_iface(&v[i], e))
      return (int)i;
  return -1;
}

int msl_ns_set_ifaces(msl_ns *ns, const msl_ns_iface *ifs, size_t n,
                      uint64_t now) {
  unsigned char fresh[MSL_NS_MAX_IFS];
  int added = 0;
  if (!ns || n > MSL_NS_MAX_IFS || (n && !ifs))
    return MSL_ERR_ARG;
  int live = ns->state == MSL_NS_REGISTERED ||
             ns->state == MSL_NS_REGISTERING;
  for (size_t k = 0; live && k < ns->cfg.n_ifs; k++)
    if (iface_in(ifs, n, &ns->ifs[k]) < 0)
      release_on(ns, &ns->ifs[k]);
  /* A new entry, or one still waiting for its own registration. */
  for (size_t k = 0; k < n; k++) {
    int old = iface_in(ns->ifs, ns->cfg.n_ifs, &ifs[k]);
    fresh[k] = old < 0 || ns->fresh[old];
    added += old < 0;
  }
  if (n)
    memmove(ns->ifs, ifs, n * sizeof(*ns->ifs));
  memset(ns->fresh, 0, sizeof(ns->fresh));
  ns->cfg.n_ifs = n;
  if (ns->state == MSL_NS_REGISTERING && added) {
    /* The names are not ours yet: start again, same TRN_IDs (a defence
     * of an earlier try is still a defence). */
    ns->step = 1;
    ns->next = now + MSL_NS_RETRY_MS;
    registration_round(ns, 0, 0);
  } else if (ns->state == MSL_NS_REGISTERED) {
    memcpy(ns->fresh, fresh, n);
    ns->refreshing = 0;
    for (size_t k = 0; k < n; k++)
      ns->refreshing |= fresh[k];
    if (ns->refreshing && added) {
      /* New TRN_IDs: a late defence of an earlier round is not ours. */
      new_round_ids(ns);
      ns->rstep = 1;
      ns->rnext = now + MSL_NS_RETRY_MS;
      registration_round(ns, 0, 1);
    }
    msl_nsw_ifaces_changed(ns, now);
  }
  return added;
}

/* ---- cache ---- */

int msl_ns_cache_get(msl_ns *ns, const msl_nbname *name, uint64_t now,
                     uint32_t *ip) {
  if (!ns || !name || !ip)
    return MSL_ERR_ARG;
  for (size_t i = 0; i < ns->n_cache; i++) {
    if (!msl_nbname_equal(&ns->cache[i].nb, name))
      continue;
    if (now >= ns->cache[i].expires) {
      ns->cache[i] = ns->cache[--ns->n_cache];
      return MSL_ERR_NAME_NOT_FOUND;
    }
    *ip = ns->cache[i].ip;
    return 0;
  }
  return MSL_ERR_NAME_NOT_FOUND;
}

void msl_ns_cache_put(msl_ns *ns, const msl_nbname *name, uint32_t ip,
                      uint16_t nb_flags, uint32_t ttl, uint64_t now) {
  size_t i;
  if (!ns || !name || ttl == 0)
    return;
  if (ttl > MSL_NS_CACHE_TTL_MAX)
    ttl = MSL_NS_CACHE_TTL_MAX;
  for (i = 0; i < ns->n_cache; i++)
    if (msl_nbname_equal(&ns->cache[i].nb, name))
      break;
  if (i == ns->n_cache) {
    if (ns->n_cache < MSL_NS_CACHE_MAX)
      ns->n_cache++;
    else { /* full: replace the entry that expires first */
      i = 0;
      for (size_t k = 1; k < ns->n_cache; k++)
        if (ns->cache[k].expires < ns->cache[i].expires)
          i = k;
    }
  }
  ns->cache[i].nb = *name;
  ns->cache[i].ip = ip;
  ns->cache[i].nb_flags = nb_flags;
  ns->cache[i].expires = now + (uint64_t)ttl * 1000u;
}

/* ---- address -> name (node status) ---- */

/* Names keep their scope upper-cased; callers pass it as written. */
static msl_ns_ipname *ipcache_find(msl_ns_ipcache *c, uint32_t ip,
                                   const char *scope) {
  for (size_t i = 0; i < c->n; i++)
    if (c->e[i].ip == ip &&
        strcasecmp(c->e[i].nb.scope, scope ? scope : "") == 0)
      return &c->e[i];
  return NULL;
}

int msl_ns_ipcache_get(msl_ns_ipcache *c, uint32_t ip, const char *scope,
                       uint64_t now, msl_nbname *nb) {
  if (!c)
    return MSL_ERR_ARG;
  msl_ns_ipname *e = ipcache_find(c, ip, scope);
  if (!e)
    return MSL_ERR_NAME_NOT_FOUND;
  if (now >= e->expires) {
    *e = c->e[--c->n];
    return MSL_ERR_NAME_NOT_FOUND;
  }
  if (e->found && nb)
    *nb = e->nb;
  return e->found;
}

void msl_ns_ipcache_put(msl_ns_ipcache *c, uint32_t ip, const char *scope,
                        const msl_nbname *nb, uint64_t now) {
  msl_nbname star;
  if (!c || (!nb && msl_nbname_make(&star, "*", 0, scope) != 0))
    return;
  msl_ns_ipname *e = ipcache_find(c, ip, scope);
  if (!e && c->n < MSL_NS_IPNAME_MAX)
    e = &c->e[c->n++];
  else if (!e) { /* full: replace the entry that expires first */
    e = &c->e[0];
    for (size_t k = 1; k < c->n; k++)
      if (c->e[k].expires < e->expires)
        e = &c->e[k];
  }
  e->ip = ip;
  e->found = nb != NULL;
  e->nb = nb ? *nb : star;
  e->expires = now + (nb ? MSL_NS_IPNAME_TTL : MSL_NS_IPNAME_NEG_TTL) * 1000u;
}

int msl_ns_pick_host_name(const msl_nbns_node_name *names, size_t n,
                          const char *scope, msl_nbname *out) {
  const uint16_t bad = MSL_NBNS_NB_G | MSL_NBNS_NAME_CNF | MSL_NBNS_NAME_DRG;
  if ((!names && n) || !out)
    return MSL_ERR_ARG;
  for (size_t i = 0; i < n; i++) {
    const msl_nbns_node_name *e = &names[i];
    if (e->name[15] != MSL_NB_WORKSTATION || (e->flags & bad) ||
        !(e->flags & MSL_NBNS_NAME_ACT) || e->name[0] == '*')
      continue;
    if (msl_nbname_from_raw(out, e->name, scope) == 0)
      return 0;
  }
  return MSL_ERR_NAME_NOT_FOUND;
}

/* "ns_name H1<00> STATE [DEFENDER]" for each name, at buf (cap bytes).
 * Returns the length or MSL_ERR_BUFFER_TOO_SMALL. */
static int format_names(const msl_ns *ns, char *buf, size_t cap) {
  static const char *st[] = {"idle", "registering", "registered", "released"};
  size_t off = 0;
  for (size_t i = 0; i < ns->n_names; i++) {
    const msl_ns_name *e = &ns->names[i];
    char b[MSL_NBNAME_FMT_MAX], a[16];
    msl_nbname_format(&e->nb, b, sizeof(b));
    int n = e->conflict
                ? snprintf(buf + off, cap - off, "ns_name %s conflict %s\n", b,
                           msl_nsi_ipstr(e->conflict_by, a))
                : snprintf(buf + off, cap - off, "ns_name %s %s\n", b,
                           st[ns->state]);
    if (n < 0 || (size_t)n >= cap - off)
      return MSL_ERR_BUFFER_TOO_SMALL;
    off += (size_t)n;
  }
  return (int)off;
}

/* The counters of the status, in its order: "ns_" + name, and where. */
#define NS_COUNTER(f) {#f, offsetof(msl_ns_counters, f)}
static const struct {
  const char *name;
  size_t off;
} ns_counters[] = {
    NS_COUNTER(rx),
    NS_COUNTER(rx_bad),
    NS_COUNTER(sent),
    NS_COUNTER(send_errors),
    NS_COUNTER(registrations_sent),
    NS_COUNTER(overwrites_sent),
    NS_COUNTER(releases_sent),
    NS_COUNTER(queries_answered),
    NS_COUNTER(node_status_answered),
    NS_COUNTER(defended),
    NS_COUNTER(conflicts),
    NS_COUNTER(conflict_demands_ignored),
    NS_COUNTER(unsolicited_responses),
    NS_COUNTER(unsolicited_answers),
    NS_COUNTER(status_rate_limited),
    NS_COUNTER(query_rate_limited),
    NS_COUNTER(random_errors),
    NS_COUNTER(log_suppressed),
};

int msl_ns_format_counters(const msl_ns *ns, uint64_t now, char *buf,
                           size_t cap) {
  static const char *st[] = {"idle", "registering", "registered", "released"};
  int n = snprintf(buf, cap, "ns_state %s\n", st[ns->state]);
  for (size_t i = 0; i < sizeof(ns_counters) / sizeof(*ns_counters); i++) {
    uint64_t v;
    if (n < 0 || (size_t)n >= cap)
      return MSL_ERR_BUFFER_TOO_SMALL;
    memcpy(&v, (const char *)&ns->c + ns_counters[i].off, sizeof(v));
    n += snprintf(buf + n, cap - (size_t)n, "ns_%s %llu\n",
                  ns_counters[i].name, (unsigned long long)v);
  }
  if (n >= 0 && (size_t)n < cap)
    n += snprintf(buf + n, cap - (size_t)n, "ns_cache_entries %zu\n",
                  ns->n_cache);
  if (n < 0 || (size_t)n >= cap)
    return MSL_ERR_BUFFER_TOO_SMALL;
  int k = format_names(ns, buf + n, cap - (size_t)n);
  if (k < 0)
    return k;
  int w = msl_nsw_format(ns, now, buf + n + k, cap - (size_t)(n + k));
  return w < 0 ? w : n + k + w;
}
