/* The B-node name service's state machine (see msl_name_service.h); no
 * I/O here: packets go out through the config's send callback. Its
 * sockets and clients are in msl_ns_io.c. */
#define _GNU_SOURCE
#include "msl_name_service.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PKT_MAX 1024 /* one name-service packet we build */

static void nlog(const msl_ns *ns, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void nlog(const msl_ns *ns, int level, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  if (!ns->cfg.log)
    return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  ns->cfg.log(ns->cfg.log_user, level, msg);
}

static uint16_t peer_port(const msl_ns *ns) {
  return ns->cfg.port ? ns->cfg.port : MSL_NBNS_PORT;
}

static void emit(msl_ns *ns, const msl_nbns *m, uint32_t dst, uint16_t port,
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
static const msl_ns_iface *iface_for(const msl_ns *ns, uint32_t peer) {
  for (size_t i = 0; i < ns->cfg.n_ifs; i++)
    if (((ns->ifs[i].addr ^ peer) & ns->ifs[i].mask) == 0)
      return &ns->ifs[i];
  return ns->cfg.n_ifs ? &ns->ifs[0] : NULL;
}

static uint16_t nb_flags_of(const msl_ns_name *n) {
  return (uint16_t)((n->group ? MSL_NBNS_NB_G : 0) | MSL_NBNS_ONT_B);
}

static int add_name(msl_ns *ns, const char *text, uint8_t suffix, int group) {
  msl_ns_name *n = &ns->names[ns->n_names];
  if (msl_nbname_make(&n->nb, text, suffix, ns->cfg.scope) != 0)
    return MSL_ERR_NAME;
  n->group = group;
  ns->n_names++;
  return 0;
}

int msl_ns_init(msl_ns *ns, const msl_ns_config *cfg, uint16_t trn_seed) {
  if (!ns || !cfg || !cfg->send || !cfg->name || !cfg->workgroup ||
      cfg->n_ifs > MSL_NS_MAX_IFS || (cfg->n_ifs && !cfg->ifs))
    return MSL_ERR_ARG;
  memset(ns, 0, sizeof(*ns));
  ns->cfg = *cfg;
  if (cfg->n_ifs)
    memcpy(ns->ifs, cfg->ifs, cfg->n_ifs * sizeof(*ns->ifs));
  ns->cfg.ifs = ns->ifs;
  ns->trn_id = trn_seed;
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

/* One registration round (request or overwrite demand) for every name on
 * every interface (fresh_only: on those msl_ns_set_ifaces added). Each
 * name has its own TRN_ID (id + index), the same in the retransmissions,
 * so a defence names the request it refuses. */
static void registration_round(msl_ns *ns, int overwrite, uint16_t id0,
                               int fresh_only) {
  msl_nbns m;
  for (size_t i = 0; i < ns->n_names; i++) {
    uint16_t id = (uint16_t)(id0 + i);
    for (size_t k = 0; k < ns->cfg.n_ifs; k++) {
      const msl_ns_iface *f = &ns->ifs[k];
      if (fresh_only && !ns->fresh[k])
        continue;
      if ((overwrite ? msl_nbns_build_overwrite(
                           &m, id, &ns->names[i].nb,
                           nb_flags_of(&ns->names[i]), f->addr,
                           MSL_NBNS_TTL_WINDOWS)
                     : msl_nbns_build_registration(
                           &m, id, &ns->names[i].nb,
                           nb_flags_of(&ns->names[i]), f->addr,
                           MSL_NBNS_TTL_WINDOWS, 1)) != 0)
        continue;
      emit(ns, &m, f->bcast, peer_port(ns), f->addr, f->ifindex);
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
  registration_round(ns, 0, ns->trn_id, 0);
}

/* The registration on interfaces added while the names are ours: same
 * schedule as msl_ns_tick's, no state change. */
static uint64_t refresh_tick(msl_ns *ns, uint64_t now) {
  if (now < ns->rnext)
    return ns->rnext - now;
  if (ns->rstep < MSL_NS_RETRY_COUNT) {
    ns->rstep++;
    ns->rnext = now + MSL_NS_RETRY_MS;
    registration_round(ns, 0, ns->rtrn_id, 1);
    return MSL_NS_RETRY_MS;
  }
  registration_round(ns, 1, ns->rtrn_id, 1);
  ns->refreshing = 0;
  memset(ns->fresh, 0, sizeof(ns->fresh));
  nlog(ns, 2, "names registered on the new interface(s)");
  return UINT64_MAX;
}

uint64_t msl_ns_tick(msl_ns *ns, uint64_t now) {
  if (ns && ns->state == MSL_NS_REGISTERED && ns->refreshing)
    return refresh_tick(ns, now);
  if (!ns || ns->state != MSL_NS_REGISTERING)
    return UINT64_MAX;
  if (now < ns->next)
    return ns->next - now;
  if (ns->step < MSL_NS_RETRY_COUNT) {
    ns->step++;
    ns->next = now + MSL_NS_RETRY_MS;
    registration_round(ns, 0, ns->trn_id, 0);
    return MSL_NS_RETRY_MS;
  }
  /* Nobody defended within the last retry timeout: the names are ours. */
  registration_round(ns, 1, ns->trn_id, 0);
  ns->state = MSL_NS_REGISTERED;
  for (size_t i = 0; i < ns->n_names; i++) {
    char b[MSL_NBNAME_FMT_MAX];
    msl_nbname_format(&ns->names[i].nb, b, sizeof(b));
    nlog(ns, 2, "registered %s (%s)", b, ns->names[i].group ? "group"
                                                            : "unique");
  }
  return UINT64_MAX;
}

static int find_name(const msl_ns *ns, const msl_nbname *n) {
  for (size_t i = 0; i < ns->n_names; i++)
    if (msl_nbname_equal(&ns->names[i].nb, n))
      return (int)i;
  return -1;
}

int msl_ns_is_ours(const msl_ns *ns, const msl_nbname *name) {
  return ns && name && find_name(ns, name) >= 0;
}

int msl_ns_own_flags(const msl_ns *ns, const msl_nbname *name,
                     uint16_t *nb_flags) {
  int idx = ns && name ? find_name(ns, name) : -1;
  if (idx < 0)
    return MSL_ERR_NOT_FOUND;
  if (nb_flags)
    *nb_flags = nb_flags_of(&ns->names[idx]);
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

static void answer_query(msl_ns *ns, const msl_nbns *q, int idx,
                         uint32_t src_ip, uint16_t src_port) {
  const msl_ns_iface *f = iface_for(ns, src_ip);
  msl_nbns m;
  msl_nbns_nb e;
  if (!f)
    return;
  e.flags = nb_flags_of(&ns->names[idx]);
  e.addr = f->addr;
  if (msl_nbns_build_query_response(&m, q->trn_id, &q->qd[0].name.nb,
                                    MSL_NBNS_TTL_WINDOWS, &e, 1) != 0)
    return;
  emit(ns, &m, src_ip, src_port, f->addr, f->ifindex);
  ns->c.queries_answered++;
}

static void answer_node_status(msl_ns *ns, const msl_nbns *q, uint32_t src_ip,
                               uint16_t src_port) {
  const msl_ns_iface *f = iface_for(ns, src_ip);
  msl_nbns_node_name names[MSL_NS_MAX_NAMES];
  msl_nbns_stats st;
  msl_nbns m;
  if (!f)
    return;
  for (size_t i = 0; i < ns->n_names; i++) {
    memcpy(names[i].name, ns->names[i].nb.raw, MSL_NBNAME_RAW_LEN);
    names[i].flags = (uint16_t)(nb_flags_of(&ns->names[i]) |
                                MSL_NBNS_NAME_ACT);
  }
  memset(&st, 0, sizeof(st));
  memcpy(st.unit_id, f->mac, sizeof(st.unit_id));
  if (msl_nbns_build_node_status_response(&m, q->trn_id, &q->qd[0].name.nb,
                                          names, ns->n_names, &st) != 0)
    return;
  emit(ns, &m, src_ip, src_port, f->addr, f->ifindex);
  ns->c.node_status_answered++;
}

/* Someone registers (or overwrites) a name: defend a registered unique
 * name of ours with a unicast negative response [RFC 1002 §5.1.1.5]. */
static void defend(msl_ns *ns, const msl_nbns *q, int idx, uint32_t src_ip,
                   uint16_t src_port) {
  const msl_ns_iface *f = iface_for(ns, src_ip);
  msl_nbns m;
  char b[MSL_NBNAME_FMT_MAX];
  if (!f || ns->names[idx].group || ns->state != MSL_NS_REGISTERED)
    return;
  if (q->arcount && q->ar[0].nb_count && (q->ar[0].nb_first.flags &
                                          MSL_NBNS_NB_G))
    return; /* a group registration does not take our unique name... */
  if (msl_nbns_build_registration_response(
          &m, q->trn_id, &ns->names[idx].nb, MSL_NBNS_RC_ACT,
          nb_flags_of(&ns->names[idx]), f->addr, 0) != 0)
    return;
  emit(ns, &m, src_ip, src_port, f->addr, f->ifindex);
  ns->c.defended++;
  msl_nbname_format(&ns->names[idx].nb, b, sizeof(b));
  nlog(ns, 1, "defended %s against %u.%u.%u.%u", b, src_ip >> 24,
       (src_ip >> 16) & 255, (src_ip >> 8) & 255, src_ip & 255);
}

static void conflict(msl_ns *ns, int idx, uint32_t by) {
  ns->state = MSL_NS_CONFLICT;
  ns->c.conflicts++;
  ns->conflict_by = by;
  msl_nbname_format(&ns->names[idx].nb, ns->conflict_name,
                    sizeof(ns->conflict_name));
  nlog(ns, 0, "name conflict: %s is owned by %u.%u.%u.%u", ns->conflict_name,
       by >> 24, (by >> 16) & 255, (by >> 8) & 255, by & 255);
}

static void on_response(msl_ns *ns, const msl_nbns *r, uint32_t src_ip,
                        uint64_t now) {
  unsigned op = msl_nbns_opcode(r);
  if (op == MSL_NBNS_OP_REGISTER && r->ancount) {
    int idx = find_name(ns, &r->an[0].name.nb);
    if (idx < 0 || ns->names[idx].group || msl_nbns_rcode(r) == 0)
      return;
    /* 0xAD86 to our request (TRN_ID), or a conflict demand 0xAD87. */
    if ((ns->state == MSL_NS_REGISTERING &&
         r->trn_id == (uint16_t)(ns->trn_id + (unsigned)idx)) ||
        (ns->state == MSL_NS_REGISTERED && ns->refreshing &&
         r->trn_id == (uint16_t)(ns->rtrn_id + (unsigned)idx)) ||
        (msl_nbns_rcode(r) == MSL_NBNS_RC_CFT &&
         ns->state == MSL_NS_REGISTERED))
      conflict(ns, idx, src_ip);
    return;
  }
  /* A positive answer to a query: cache it. */
  if (op == MSL_NBNS_OP_QUERY && msl_nbns_rcode(r) == 0 && r->ancount &&
      r->an[0].type == MSL_NBNS_T_NB && r->an[0].nb_count)
    msl_ns_cache_put(ns, &r->an[0].name.nb, r->an[0].nb_first.addr,
                     r->an[0].nb_first.flags, r->an[0].ttl, now);
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
  if (msl_ns_is_own_addr(ns, src_ip) && src_port == peer_port(ns)) {
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
  int idx = find_name(ns, &q->name.nb);
  if (op == MSL_NBNS_OP_QUERY && q->type == MSL_NBNS_T_NBSTAT) {
    if ((idx >= 0 || is_wildcard(ns, &q->name.nb)) &&
        ns->state == MSL_NS_REGISTERED)
      answer_node_status(ns, &m, src_ip, src_port);
    return;
  }
  if (idx < 0)
    return;
  if (op == MSL_NBNS_OP_QUERY && q->type == MSL_NBNS_T_NB &&
      ns->state == MSL_NS_REGISTERED)
    answer_query(ns, &m, idx, src_ip, src_port);
  else if (op == MSL_NBNS_OP_REGISTER)
    defend(ns, &m, idx, src_ip, src_port);
}

/* Broadcasts a release of every name on interface f. */
static void release_on(msl_ns *ns, const msl_ns_iface *f) {
  msl_nbns m;
  for (size_t i = 0; i < ns->n_names; i++) {
    if (msl_nbns_build_release(&m, (uint16_t)(ns->trn_id + 16 + i),
                               &ns->names[i].nb, nb_flags_of(&ns->names[i]),
                               f->addr, 1) != 0)
      continue;
    emit(ns, &m, f->bcast, peer_port(ns), f->addr, f->ifindex);
    ns->c.releases_sent++;
  }
}

void msl_ns_release(msl_ns *ns) {
  if (!ns || (ns->state != MSL_NS_REGISTERED &&
              ns->state != MSL_NS_REGISTERING))
    return;
  for (size_t k = 0; k < ns->cfg.n_ifs; k++)
    release_on(ns, &ns->ifs[k]);
  ns->state = MSL_NS_RELEASED;
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
    ns->step = 1; /* the names are not ours yet: start again */
    ns->next = now + MSL_NS_RETRY_MS;
    registration_round(ns, 0, ns->trn_id, 0);
  } else if (ns->state == MSL_NS_REGISTERED) {
    memcpy(ns->fresh, fresh, n);
    ns->refreshing = 0;
    for (size_t k = 0; k < n; k++)
      ns->refreshing |= fresh[k];
    if (ns->refreshing && added) {
      /* New TRN_IDs: a late defence of an earlier round is not ours. */
      ns->rtrn_id = (uint16_t)((ns->rtrn_id ? ns->rtrn_id : ns->trn_id) + 32);
      ns->rstep = 1;
      ns->rnext = now + MSL_NS_RETRY_MS;
      registration_round(ns, 0, ns->rtrn_id, 1);
    }
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
      return MSL_ERR_NOT_FOUND;
    }
    *ip = ns->cache[i].ip;
    return 0;
  }
  return MSL_ERR_NOT_FOUND;
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
    return MSL_ERR_NOT_FOUND;
  if (now >= e->expires) {
    *e = c->e[--c->n];
    return MSL_ERR_NOT_FOUND;
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
  return MSL_ERR_NOT_FOUND;
}

int msl_ns_format_counters(const msl_ns *ns, char *buf, size_t cap) {
  static const char *st[] = {"idle", "registering", "registered", "conflict",
                             "released"};
  int n = snprintf(
      buf, cap,
      "ns_state %s\nns_rx %llu\nns_rx_bad %llu\nns_sent %llu\n"
      "ns_send_errors %llu\nns_registrations_sent %llu\n"
      "ns_overwrites_sent %llu\nns_releases_sent %llu\n"
      "ns_queries_answered %llu\nns_node_status_answered %llu\n"
      "ns_defended %llu\nns_conflicts %llu\nns_cache_entries %zu\n",
      st[ns->state], (unsigned long long)ns->c.rx,
      (unsigned long long)ns->c.rx_bad, (unsigned long long)ns->c.sent,
      (unsigned long long)ns->c.send_errors,
      (unsigned long long)ns->c.registrations_sent,
      (unsigned long long)ns->c.overwrites_sent,
      (unsigned long long)ns->c.releases_sent,
      (unsigned long long)ns->c.queries_answered,
      (unsigned long long)ns->c.node_status_answered,
      (unsigned long long)ns->c.defended, (unsigned long long)ns->c.conflicts,
      ns->n_cache);
  if (n < 0 || (size_t)n >= cap)
    return MSL_ERR_OVERFLOW;
  return n;
}
