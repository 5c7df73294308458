/* The relay's decisions (see msl_relay_core.h); no I/O, no clock. */
#include "msl_relay_core.h"

#include <string.h>
#include <strings.h>

static const char *const drop_names[MSL_RELAY_D_COUNT] = {
    "loop",        "duplicate", "not_here",    "hops",
    "not_allowed", "fragment",  "not_mailslot"};

const char *msl_relay_drop_name(int reason) {
  return reason >= 0 && reason < MSL_RELAY_D_COUNT ? drop_names[reason]
                                                   : "unknown";
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}
#define FNV_START 0xcbf29ce484222325ull

static char upper(char c) {
  return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* ---- allow list ---- */

/* slot as an allow entry into out (MSL_SMBTR_NAME_MAX + 1 bytes): upper
 * case, "\MAILSLOT\" dropped, '\' separators. 0 or MSL_ERR_ARG. */
static int allow_entry(const char *slot, char *out) {
  while (*slot == '\\' || *slot == '/')
    slot++;
  if (strncasecmp(slot, "MAILSLOT", 8) == 0 &&
      (slot[8] == '\\' || slot[8] == '/'))
    slot += 9;
  size_t n = strlen(slot);
  if (n == 0 || n > MSL_SMBTR_NAME_MAX - MSL_SMBTR_PREFIX_LEN)
    return MSL_ERR_ARG;
  for (size_t i = 0; i < n; i++) {
    if ((unsigned char)slot[i] < 0x20 || slot[i] == 0x7f)
      return MSL_ERR_ARG;
    out[i] = slot[i] == '/' ? '\\' : upper(slot[i]);
  }
  out[n] = '\0';
  return 0;
}

int msl_relay_allow_valid(const char *slot) {
  char entry[MSL_SMBTR_NAME_MAX + 1];
  return slot && allow_entry(slot, entry) == 0;
}

int msl_relay_allow_add(msl_relay_allow *a, const char *slot) {
  if (!a || !slot)
    return MSL_ERR_ARG;
  if (a->n == MSL_RELAY_ALLOW_MAX)
    return MSL_ERR_TOO_MANY;
  int r = allow_entry(slot, a->name[a->n]);
  if (r == 0)
    a->n++;
  return r;
}

/* Whether pattern p (upper-case; a final '*' is a prefix) matches the n
 * bytes of s, compared case-insensitively. */
static int allow_one(const char *p, const uint8_t *s, size_t n) {
  size_t pl = strlen(p);
  int prefix = pl && p[pl - 1] == '*';
  if (prefix)
    pl--;
  if (prefix ? n < pl : n != pl)
    return 0;
  for (size_t i = 0; i < pl; i++)
    if (upper((char)s[i]) != p[i])
      return 0;
  return 1;
}

int msl_relay_allow_match(const msl_relay_allow *a, const uint8_t *name,
                          size_t len) {
  if (!a || a->n == 0)
    return 1;
  if (!name || !msl_smbtr_is_mailslot_name(name, len))
    return 0;
  for (size_t i = 0; i < a->n; i++)
    if (allow_one(a->name[i], name + MSL_SMBTR_PREFIX_LEN,
                  len - MSL_SMBTR_PREFIX_LEN))
      return 1;
  return 0;
}

/* ---- duplicates ---- */

/* Mixes len bytes of p into h, 8 at a time (multiply and rotate). */
static uint64_t mix(uint64_t h, const void *p, size_t len) {
  const uint8_t *b = p;
  uint64_t w;
  for (; len >= 8; b += 8, len -= 8) {
    memcpy(&w, b, 8);
    h = ((h << 5 | h >> 59) ^ w) * 0x9e3779b97f4a7c15ull;
  }
  w = 0;
  memcpy(&w, b, len);
  w ^= (uint64_t)len << 56;
  return ((h << 5 | h >> 59) ^ w) * 0x9e3779b97f4a7c15ull;
}

uint64_t msl_relay_key(uint64_t seed, const char *origin, uint16_t id,
                       const msl_nbname *src, const uint8_t *data,
                       size_t len) {
  uint64_t h = mix(seed ^ FNV_START, origin, strlen(origin));
  h = mix(h ^ id, src->raw, MSL_NBNAME_RAW_LEN);
  h = mix(h, src->scope, src->scope_len);
  h = mix(h, data, len);
  return h ^ h >> 29;
}

int msl_relay_dedupe_seen(msl_relay_dedupe *d, uint64_t key, uint64_t now) {
  size_t i = (size_t)((key ^ (key >> 32)) % MSL_RELAY_DEDUPE_SLOTS);
  uint64_t win = d->window_ms ? d->window_ms : MSL_RELAY_DEDUPE_WINDOW_MS;
  if (d->e[i].used && d->e[i].key == key && now - d->e[i].when < win)
    return 1;
  d->e[i].used = 1;
  d->e[i].key = key;
  d->e[i].when = now;
  return 0;
}

/* ---- NetBIOS proxy ---- */

static size_t bucket_of(const msl_nbname *n) {
  uint64_t h = fnv(FNV_START, n->raw, MSL_NBNAME_RAW_LEN);
  for (size_t i = 0; i < n->scope_len; i++) {
    char c = upper(n->scope[i]);
    h = fnv(h, &c, 1);
  }
  return (size_t)(h % MSL_RELAY_PROXY_BUCKETS);
}

void msl_relay_proxy_init(msl_relay_proxy *p, uint64_t ttl_ms) {
  memset(p, 0, sizeof(*p));
  p->ttl_ms = ttl_ms ? ttl_ms : (uint64_t)MSL_RELAY_PROXY_TTL_S * 1000u;
  for (size_t i = 0; i < MSL_RELAY_PROXY_BUCKETS; i++)
    p->head[i] = -1;
  for (int i = 0; i < MSL_RELAY_PROXY_MAX; i++)
    p->e[i].next = i + 1 < MSL_RELAY_PROXY_MAX ? i + 1 : -1;
  p->free_head = 0;
}

/* The index of name's entry, or -1; *prev gets the one before it in the
 * chain (-1: it is the head). */
static int proxy_lookup(const msl_relay_proxy *p, const msl_nbname *name,
                        int *prev) {
  *prev = -1;
  for (int i = p->head[bucket_of(name)]; i >= 0; i = p->e[i].next) {
    if (msl_nbname_equal(&p->e[i].name, name))
      return i;
    *prev = i;
  }
  return -1;
}

static void proxy_remove(msl_relay_proxy *p, int i, int prev) {
  if (prev < 0)
    p->head[bucket_of(&p->e[i].name)] = p->e[i].next;
  else
    p->e[prev].next = p->e[i].next;
  p->e[i].used = 0;
  p->e[i].next = p->free_head;
  p->free_head = i;
  p->n--;
}

/* Frees the entry that expires first (the table is full). */
static void proxy_evict(msl_relay_proxy *p) {
  int victim = -1, prev;
  for (int i = 0; i < MSL_RELAY_PROXY_MAX; i++)
    if (p->e[i].used &&
        (victim < 0 || p->e[i].expires < p->e[victim].expires))
      victim = i;
  if (victim < 0 || proxy_lookup(p, &p->e[victim].name, &prev) != victim)
    return;
  proxy_remove(p, victim, prev);
  p->evicted++;
}

void msl_relay_proxy_learn(msl_relay_proxy *p, const msl_nbname *name,
                           const char *site, const char *via, uint32_t ip,
                           uint16_t port, uint64_t now) {
  int prev, i = proxy_lookup(p, name, &prev);
  if (i < 0) {
    if (p->free_head < 0)
      proxy_evict(p);
    if ((i = p->free_head) < 0)
      return;
    p->free_head = p->e[i].next;
    size_t b = bucket_of(name);
    p->e[i].name = *name;
    p->e[i].next = p->head[b];
    p->e[i].used = 1;
    p->head[b] = i;
    p->n++;
    p->learned++;
  }
  msl_relay_proxy_ent *e = &p->e[i];
  memcpy(e->site, site, strlen(site) + 1);
  memcpy(e->via, via, strlen(via) + 1);
  e->ip = ip;
  e->port = port;
  e->expires = now + p->ttl_ms;
}

const msl_relay_proxy_ent *msl_relay_proxy_find(msl_relay_proxy *p,
                                                const msl_nbname *name,
                                                uint64_t now) {
  int prev, i = proxy_lookup(p, name, &prev);
  if (i < 0)
    return NULL;
  if (now >= p->e[i].expires) {
    proxy_remove(p, i, prev);
    p->expired++;
    return NULL;
  }
  return &p->e[i];
}

int msl_relay_proxy_forget(msl_relay_proxy *p, const msl_nbname *name) {
  int prev, i = proxy_lookup(p, name, &prev);
  if (i < 0)
    return 0;
  proxy_remove(p, i, prev);
  p->forgotten++;
  return 1;
}

/* ---- the core ---- */

int msl_relay_core_init(msl_relay_core *c, const char *site, int hub,
                        unsigned max_hops, uint64_t proxy_ttl_ms) {
  if (!c || !msl_relay_site_valid(site) || max_hops > 255)
    return MSL_ERR_ARG;
  memset(c, 0, sizeof(*c));
  strcpy(c->site, site);
  c->hub = hub != 0;
  c->max_hops = max_hops ? max_hops : MSL_RELAY_HOPS_DEFAULT;
  c->dedupe.window_ms = MSL_RELAY_DEDUPE_WINDOW_MS;
  msl_relay_proxy_init(&c->proxy, proxy_ttl_ms);
  return 0;
}

static unsigned drop(msl_relay_core *c, int why, int *reason) {
  c->drops[why]++;
  *reason = why;
  return 0;
}

int msl_relay_core_allowed(const msl_relay_core *c, const uint8_t *data,
                           size_t len, int *reason) {
  msl_smbtr t;
  if (msl_smbtr_decode(&t, data, len) != 0) {
    *reason = MSL_RELAY_D_NOT_MAILSLOT;
    return 0;
  }
  if (!msl_relay_allow_match(&c->allow, t.name.ptr, t.name.len)) {
    *reason = MSL_RELAY_D_NOT_ALLOWED;
    return 0;
  }
  return 1;
}

unsigned msl_relay_core_local(msl_relay_core *c, const msl_nbdgm *g,
                              int broadcast, uint64_t now,
                              const msl_relay_proxy_ent **to, int *reason) {
  int group = g->type == MSL_NBDGM_DIRECT_GROUP ||
              g->type == MSL_NBDGM_BROADCAST;
  int single = (g->flags & (MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE)) ==
                   MSL_NBDGM_FLAG_FIRST && g->offset == 0;
  *reason = -1;
  *to = NULL;
  if (g->type > MSL_NBDGM_BROADCAST)
    return 0;
  if (g->type != MSL_NBDGM_BROADCAST &&
      (*to = msl_relay_proxy_find(&c->proxy, &g->dst, now)) != NULL)
    return single ? MSL_RELAY_A_TO_ORIGIN
                  : drop(c, MSL_RELAY_D_FRAGMENT, reason);
  if (!group || !broadcast)
    return 0;
  msl_relay_proxy_forget(&c->proxy, &g->src); /* the local host wins */
  if (!single)
    return drop(c, MSL_RELAY_D_FRAGMENT, reason);
  if (!msl_relay_core_allowed(c, g->data.ptr, g->data.len, reason))
    return drop(c, *reason, reason);
  uint64_t key = msl_relay_key(c->seed, c->site, g->id, &g->src,
                               g->data.ptr, g->data.len);
  if (msl_relay_dedupe_seen(&c->dedupe, key, now))
    return drop(c, MSL_RELAY_D_DUPLICATE, reason);
  return MSL_RELAY_A_TO_PEERS;
}

void msl_relay_core_frame(const msl_relay_core *c, const msl_nbdgm *g,
                          uint32_t ip, uint16_t port,
                          const msl_relay_proxy_ent *to, msl_relay_dgram *d) {
  memset(d, 0, sizeof(*d));
  d->kind = to ? MSL_RELAY_KIND_UNICAST : MSL_RELAY_KIND_GROUP;
  d->msg_type = g->type;
  d->hops = (uint8_t)c->max_hops;
  strcpy(d->origin, c->site);
  d->origin_id = g->id;
  d->origin_ip = ip;
  d->origin_port = port;
  if (to) {
    strcpy(d->target, to->site);
    d->target_ip = to->ip;
    d->target_port = to->port;
  }
  d->src = g->src;
  d->dst = g->dst;
  d->data = g->data;
}

unsigned msl_relay_core_from_peer(msl_relay_core *c, const msl_relay_dgram *d,
                                  const char *from, uint64_t now,
                                  int *reason) {
  (void)from;
  *reason = -1;
  if (strcmp(d->origin, c->site) == 0)
    return drop(c, MSL_RELAY_D_LOOP, reason);
  uint64_t key = msl_relay_key(c->seed, d->origin, d->origin_id, &d->src,
                               d->data.ptr, d->data.len);
  if (msl_relay_dedupe_seen(&c->dedupe, key, now))
    return drop(c, MSL_RELAY_D_DUPLICATE, reason);
  int more = c->hub && d->hops > 1;
  if (d->kind == MSL_RELAY_KIND_UNICAST) {
    if (strcmp(d->target, c->site) == 0)
      return MSL_RELAY_A_DELIVER;
    if (!c->hub)
      return drop(c, MSL_RELAY_D_NOT_HERE, reason);
    return more ? MSL_RELAY_A_FORWARD : drop(c, MSL_RELAY_D_HOPS, reason);
  }
  return MSL_RELAY_A_EMIT | (more ? MSL_RELAY_A_REFLECT : 0);
}

void msl_relay_core_learn(msl_relay_core *c, const msl_relay_dgram *d,
                          const char *from, uint64_t now) {
  msl_relay_proxy_learn(&c->proxy, &d->src, d->origin, from, d->origin_ip,
                        d->origin_port, now);
}

/* ---- peers ---- */

uint64_t msl_relay_backoff_ms(unsigned failures, uint64_t base_ms,
                              uint64_t max_ms, uint32_t rnd) {
  uint64_t d = base_ms ? base_ms : 1;
  for (unsigned i = 0; i < failures && d < max_ms; i++)
    d *= 2;
  if (d > max_ms)
    d = max_ms;
  uint64_t half = d / 2;
  return d - half + (half ? rnd % (half + 1) : 0);
}

void msl_relay_inflow_init(msl_relay_inflow *f, const msl_rl_rate *r,
                           uint64_t now) {
  memset(f, 0, sizeof(*f));
  msl_rl_init(&f->b, r, now);
  f->window_start = now;
}

int msl_relay_inflow_take(msl_relay_inflow *f, const msl_rl_rate *r,
                          uint64_t now, uint64_t *resume) {
  if (now - f->window_start >= MSL_RELAY_FLOOD_WINDOW_MS) {
    f->window_start = now;
    f->paused_ms = 0;
  }
  if (msl_rl_take(&f->b, r, now))
    return 1;
  f->paused_ms += MSL_RELAY_THROTTLE_MS;
  *resume = now + MSL_RELAY_THROTTLE_MS;
  return f->paused_ms > MSL_RELAY_FLOOD_MS ? -1 : 0;
}
