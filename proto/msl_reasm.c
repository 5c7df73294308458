/* Bounded datagram reassembly [RFC 1002 §5.3.3]; design in msl_reasm.h. */
#include "msl_reasm.h"

#define NONE UINT32_MAX
#define BITS_PER_CHUNK (MSL_REASM_CHUNK / 8)
#define MAX_PENDING_LIMIT 65536
#define MAX_CHUNKS_LIMIT (1u << 22) /* 2 GiB of pool */

/* What one source (UDP source IP) holds. A row is in use while entries is
 * not 0; with max_pending rows there is one for every possible holder. */
struct msl_reasm_src {
  uint32_t udp_ip;
  size_t entries; /* pending datagrams */
  size_t chunks;  /* pool chunks held by them */
};

struct msl_reasm_slot {
  int used;
  struct msl_reasm_src *owner; /* the row of udp_ip */
  uint8_t type, flags;         /* flags of the F=1 fragment once seen */
  uint8_t have_first, have_last;
  uint16_t id, src_port, udp_port;
  uint32_t src_ip, udp_ip;
  uint64_t created, seq;
  size_t end;     /* known once have_last */
  size_t max_end; /* furthest byte seen so far */
  size_t have;    /* bytes covered */
  size_t nchunks; /* chunks held */
  msl_nbname src, dst;
};

typedef struct layout {
  size_t nidx, nchunks;
  size_t off_src, off_idx, off_free, off_pool, off_bits, off_out, total;
} layout;

#define ALIGN _Alignof(struct msl_reasm_slot)
/* The source rows follow the slots and share their alignment. */
_Static_assert(ALIGN % _Alignof(struct msl_reasm_src) == 0,
               "source rows need no more alignment than slots");

static int mul_ok(size_t a, size_t b, size_t *res) {
  if (a && b > SIZE_MAX / a)
    return 0;
  *res = a * b;
  return 1;
}

static int add_ok(size_t *acc, size_t n) {
  if (n > SIZE_MAX - *acc)
    return 0;
  *acc += n;
  return 1;
}

static int plan(const msl_reasm_limits *lim, layout *L) {
  if (!lim->max_pending || lim->max_pending > MAX_PENDING_LIMIT ||
      !lim->timeout_ms || !lim->max_datagram ||
      lim->max_datagram > MSL_REASM_MAX_DATAGRAM_LIMIT ||
      (lim->max_bytes_per_source &&
       lim->max_bytes_per_source < MSL_REASM_CHUNK))
    return MSL_ERR_ARG;
  L->nidx = (lim->max_datagram + MSL_REASM_CHUNK - 1) / MSL_REASM_CHUNK;
  L->nchunks = lim->max_bytes / MSL_REASM_CHUNK;
  if (!L->nchunks || L->nchunks > MAX_CHUNKS_LIMIT)
    return MSL_ERR_ARG;
  size_t n, acc = 0;
  if (!mul_ok(lim->max_pending, sizeof(struct msl_reasm_slot), &n) ||
      !add_ok(&acc, n))
    return MSL_ERR_ARG;
  L->off_src = acc;
  if (!mul_ok(lim->max_pending, sizeof(struct msl_reasm_src), &n) ||
      !add_ok(&acc, n))
    return MSL_ERR_ARG;
  L->off_idx = acc;
  if (!mul_ok(lim->max_pending, L->nidx, &n) ||
      !mul_ok(n, sizeof(uint32_t), &n) || !add_ok(&acc, n))
    return MSL_ERR_ARG;
  L->off_free = acc;
  if (!add_ok(&acc, L->nchunks * sizeof(uint32_t)))
    return MSL_ERR_ARG;
  L->off_pool = acc;
  if (!add_ok(&acc, L->nchunks * MSL_REASM_CHUNK))
    return MSL_ERR_ARG;
  L->off_bits = acc;
  if (!add_ok(&acc, L->nchunks * BITS_PER_CHUNK))
    return MSL_ERR_ARG;
  L->off_out = acc;
  if (!add_ok(&acc, lim->max_datagram) || !add_ok(&acc, ALIGN - 1))
    return MSL_ERR_ARG;
  L->total = acc;
  return 0;
}

void msl_reasm_limits_default(msl_reasm_limits *lim) {
  if (!lim)
    return;
  lim->max_pending = MSL_REASM_DEFAULT_MAX_PENDING;
  lim->max_bytes = MSL_REASM_DEFAULT_MAX_BYTES;
  lim->timeout_ms = MSL_REASM_DEFAULT_TIMEOUT_MS;
  lim->max_datagram = MSL_REASM_DEFAULT_MAX_DATAGRAM;
  lim->max_per_source = MSL_REASM_DEFAULT_MAX_PER_SOURCE;
  lim->max_bytes_per_source = MSL_REASM_DEFAULT_MAX_BYTES_PER_SOURCE;
}

/* The shares in force. 0 stands for a quarter of the whole, at least one
 * datagram, and at least one max_datagram's chunks so that one source can
 * still send the largest datagram; no share exceeds the whole. The byte
 * share counts whole chunks, as bytes_held does. */
static void resolve_shares(msl_reasm_limits *lim, const layout *L) {
  size_t n = lim->max_per_source;
  if (!n)
    n = lim->max_pending / 4 ? lim->max_pending / 4 : 1;
  lim->max_per_source = n < lim->max_pending ? n : lim->max_pending;
  size_t c = lim->max_bytes_per_source / MSL_REASM_CHUNK;
  if (!c)
    c = L->nchunks / 4 > L->nidx ? L->nchunks / 4 : L->nidx;
  if (c > L->nchunks)
    c = L->nchunks;
  lim->max_bytes_per_source = c * MSL_REASM_CHUNK;
}

size_t msl_reasm_mem_size(const msl_reasm_limits *lim) {
  msl_reasm_limits d;
  if (!lim) {
    msl_reasm_limits_default(&d);
    lim = &d;
  }
  layout L;
  return plan(lim, &L) ? 0 : L.total;
}

int msl_reasm_init(msl_reasm *r, void *mem, size_t mem_size,
                   const msl_reasm_limits *lim) {
  if (!r || !mem)
    return MSL_ERR_ARG;
  memset(r, 0, sizeof(*r));
  if (lim)
    r->lim = *lim;
  else
    msl_reasm_limits_default(&r->lim);
  layout L;
  int rc = plan(&r->lim, &L);
  if (rc)
    return rc;
  if (mem_size < L.total)
    return MSL_ERR_BUFFER_TOO_SMALL;
  resolve_shares(&r->lim, &L);
  uintptr_t a = (uintptr_t)mem;
  uint8_t *base = (uint8_t *)mem + ((ALIGN - a % ALIGN) % ALIGN);
  r->slots = (struct msl_reasm_slot *)(void *)base;
  r->srcs = (struct msl_reasm_src *)(void *)(base + L.off_src);
  r->idx = (uint32_t *)(void *)(base + L.off_idx);
  r->free_stk = (uint32_t *)(void *)(base + L.off_free);
  r->pool = base + L.off_pool;
  r->bits = base + L.off_bits;
  r->outbuf = base + L.off_out;
  r->nidx = L.nidx;
  r->nchunks = L.nchunks;
  for (size_t i = 0; i < r->lim.max_pending; i++) {
    r->slots[i].used = 0;
    r->srcs[i].entries = r->srcs[i].chunks = 0;
  }
  for (size_t i = 0; i < r->lim.max_pending * L.nidx; i++)
    r->idx[i] = NONE;
  /* Pop order 0, 1, 2...: purely cosmetic, it keeps dumps readable. */
  for (size_t i = 0; i < L.nchunks; i++)
    r->free_stk[i] = (uint32_t)(L.nchunks - 1 - i);
  r->nfree = L.nchunks;
  return 0;
}

static uint32_t *slot_idx(msl_reasm *r, struct msl_reasm_slot *s) {
  return r->idx + (size_t)(s - r->slots) * r->nidx;
}

static void slot_free(msl_reasm *r, struct msl_reasm_slot *s) {
  uint32_t *ix = slot_idx(r, s);
  for (size_t c = 0; c < r->nidx && s->nchunks; c++) {
    if (ix[c] != NONE) {
      r->free_stk[r->nfree++] = ix[c];
      ix[c] = NONE;
      s->nchunks--;
      s->owner->chunks--;
      r->bytes_held -= MSL_REASM_CHUNK;
    }
  }
  s->owner->entries--;
  s->used = 0;
  r->pending--;
}

static struct msl_reasm_src *src_find(msl_reasm *r, uint32_t udp_ip) {
  for (size_t i = 0; i < r->lim.max_pending; i++)
    if (r->srcs[i].entries && r->srcs[i].udp_ip == udp_ip)
      return &r->srcs[i];
  return NULL;
}

/* udp_ip's row, a free one if it holds nothing yet; there is one whenever
 * a slot is free, since every row in use holds a slot. */
static struct msl_reasm_src *src_claim(msl_reasm *r, uint32_t udp_ip) {
  struct msl_reasm_src *w = src_find(r, udp_ip);
  for (size_t i = 0; i < r->lim.max_pending && !w; i++)
    if (!r->srcs[i].entries) {
      w = &r->srcs[i];
      w->udp_ip = udp_ip;
      w->chunks = 0;
    }
  return w;
}

/* The oldest pending datagram of owner other than keep. */
static struct msl_reasm_slot *oldest_of(msl_reasm *r,
                                        const struct msl_reasm_src *owner,
                                        const struct msl_reasm_slot *keep) {
  struct msl_reasm_slot *best = NULL;
  for (size_t i = 0; i < r->lim.max_pending; i++) {
    struct msl_reasm_slot *s = &r->slots[i];
    if (s->used && s->owner == owner && s != keep &&
        (!best || s->seq < best->seq))
      best = s;
  }
  return best;
}

/* What is short: holders rank by it first, by the other second. */
typedef enum { SHORT_OF_SLOTS, SHORT_OF_CHUNKS } shortage;

static size_t held(const struct msl_reasm_src *w, shortage what) {
  return what == SHORT_OF_SLOTS ? w->entries : w->chunks;
}

/* Positive when a ranks above b, 0 when they rank equal. */
static int rank_cmp(const struct msl_reasm_src *a,
                    const struct msl_reasm_src *b, shortage what) {
  shortage other = what == SHORT_OF_SLOTS ? SHORT_OF_CHUNKS : SHORT_OF_SLOTS;
  if (held(a, what) != held(b, what))
    return held(a, what) > held(b, what) ? 1 : -1;
  if (held(a, other) != held(b, other))
    return held(a, other) > held(b, other) ? 1 : -1;
  return 0;
}

/* The oldest datagram among the sources other than me that rank highest,
 * if they hold at least `after` (what me will hold once served): taking
 * from a smaller holder would push it below the adder. */
static struct msl_reasm_slot *oldest_of_richest(msl_reasm *r,
                                                const struct msl_reasm_src *me,
                                                shortage what, size_t after) {
  const struct msl_reasm_src *top = NULL;
  for (size_t i = 0; i < r->lim.max_pending; i++) {
    const struct msl_reasm_src *w = &r->srcs[i];
    if (w->entries && w != me && held(w, what) >= after &&
        (!top || rank_cmp(w, top, what) > 0))
      top = w;
  }
  struct msl_reasm_slot *best = NULL;
  for (size_t i = 0; top && i < r->lim.max_pending; i++) {
    struct msl_reasm_slot *s = &r->slots[i];
    if (s->used && s->owner != me && rank_cmp(s->owner, top, what) == 0 &&
        (!best || s->seq < best->seq))
      best = s;
  }
  return best;
}

/* What to evict when the whole table or pool is full and me (NULL: holds
 * nothing yet) needs more: from the richest other source, or else me's own
 * oldest other than keep. NULL when neither is allowed. */
static struct msl_reasm_slot *fair_victim(msl_reasm *r,
                                          const struct msl_reasm_src *me,
                                          shortage what, size_t after,
                                          const struct msl_reasm_slot *keep) {
  struct msl_reasm_slot *v = oldest_of_richest(r, me, what, after);
  if (!v && me)
    v = oldest_of(r, me, keep);
  return v;
}

size_t msl_reasm_expire(msl_reasm *r, uint64_t now_ms) {
  size_t n = 0;
  if (!r || !r->slots)
    return 0;
  for (size_t i = 0; i < r->lim.max_pending; i++) {
    struct msl_reasm_slot *s = &r->slots[i];
    /* A clock that went backwards never expires anything early. */
    if (s->used && now_ms >= s->created &&
        now_ms - s->created >= r->lim.timeout_ms) {
      slot_free(r, s);
      r->expired++;
      n++;
    }
  }
  return n;
}

uint64_t msl_reasm_next_timeout(const msl_reasm *r, uint64_t now_ms) {
  uint64_t best = UINT64_MAX;
  if (!r || !r->slots)
    return best;
  for (size_t i = 0; i < r->lim.max_pending; i++) {
    const struct msl_reasm_slot *s = &r->slots[i];
    if (!s->used)
      continue;
    uint64_t age = now_ms > s->created ? now_ms - s->created : 0;
    uint64_t left = age >= r->lim.timeout_ms ? 0 : r->lim.timeout_ms - age;
    if (left < best)
      best = left;
  }
  return best;
}

static void fill_out(msl_reasm_out *out, const msl_nbdgm *h, uint8_t flags,
                     const msl_nbname *src, const msl_nbname *dst,
                     const uint8_t *data, size_t len) {
  msl_nbdgm *d = &out->dgm;
  /* msl_reasm_add checked the type and the data: this cannot fail. */
  (void)msl_nbdgm_init(d, h->type, 0, h->id, h->src_ip, h->src_port, src, dst,
                       data, len);
  d->flags = (uint8_t)(flags & ~MSL_NBDGM_FLAG_MORE);
}

static int reject(msl_reasm *r, int err) {
  r->rejected++;
  return err;
}

static int bit_get(const uint8_t *b, size_t i) {
  return b[i >> 3] >> (i & 7) & 1;
}

/* One fragment and where it came from, as the steps below need it. */
typedef struct piece {
  const msl_nbdgm *h;
  const uint8_t *data;
  size_t off, len, end;
  int first, more;
  uint32_t udp_ip;
  uint16_t udp_port;
} piece;

static struct msl_reasm_slot *find_slot(msl_reasm *r, const piece *p) {
  for (size_t i = 0; i < r->lim.max_pending; i++) {
    struct msl_reasm_slot *t = &r->slots[i];
    if (t->used && t->id == p->h->id && t->udp_ip == p->udp_ip &&
        t->udp_port == p->udp_port && t->src_ip == p->h->src_ip &&
        t->src_port == p->h->src_port)
      return t;
  }
  return NULL;
}

/* Whether p fits what s already knows: same type and names, within the
 * known end, and a last fragment that agrees with the bytes seen. */
static int fits(const struct msl_reasm_slot *s, const piece *p) {
  if (s->type != p->h->type || !msl_nbname_equal(&s->src, &p->h->src) ||
      !msl_nbname_equal(&s->dst, &p->h->dst))
    return 0;
  return !((s->have_last && p->end > s->end) ||
           (!p->more && s->have_last && p->end != s->end) ||
           (!p->more && p->end < s->max_end));
}

/* Sets *fresh to the bytes of p that s does not hold yet. A held byte that
 * differs drops s (which copy is right is unknowable): MSL_ERR_INVALID. */
static int count_fresh(msl_reasm *r, struct msl_reasm_slot *s, const piece *p,
                       size_t *fresh) {
  uint32_t *ix = slot_idx(r, s);
  *fresh = p->len;
  for (size_t i = p->off; i < p->end; i++) {
    uint32_t c = ix[i / MSL_REASM_CHUNK];
    if (c == NONE)
      continue;
    size_t k = i % MSL_REASM_CHUNK;
    if (!bit_get(r->bits + (size_t)c * BITS_PER_CHUNK, k))
      continue;
    if (r->pool[(size_t)c * MSL_REASM_CHUNK + k] != p->data[i - p->off]) {
      slot_free(r, s);
      return MSL_ERR_INVALID;
    }
    (*fresh)--;
  }
  return 0;
}

/* The datagram's length as far as known: its last fragment's end. */
static size_t known_end(const struct msl_reasm_slot *s, const piece *p) {
  return (s && s->have_last) ? s->end : p->end;
}

static int completes(const struct msl_reasm_slot *s, const piece *p,
                     size_t have) {
  int have_first = p->first || (s && s->have_first);
  int have_last = !p->more || (s && s->have_last);
  return have_first && have_last && have == known_end(s, p);
}

/* Hands out the datagram p completes: s's chunks (if any) and p, copied
 * into the output buffer. s is freed. */
static int complete(msl_reasm *r, struct msl_reasm_slot *s, const piece *p,
                    msl_reasm_out *out) {
  uint8_t *o = r->outbuf;
  size_t dend = known_end(s, p);
  uint8_t flags = p->first ? p->h->flags : s->flags;
  if (s) {
    uint32_t *ix = slot_idx(r, s);
    for (size_t c = 0; c * MSL_REASM_CHUNK < dend; c++) {
      size_t at = c * MSL_REASM_CHUNK;
      size_t n = dend - at < MSL_REASM_CHUNK ? dend - at : MSL_REASM_CHUNK;
      if (ix[c] != NONE)
        memcpy(o + at, r->pool + (size_t)ix[c] * MSL_REASM_CHUNK, n);
    }
  }
  if (p->len)
    memcpy(o + p->off, p->data, p->len);
  /* Key and type match the slot, so p's header stands for it. */
  fill_out(out, p->h, flags, s ? &s->src : &p->h->src, s ? &s->dst : &p->h->dst,
           o, dend);
  if (s)
    slot_free(r, s);
  r->completed++;
  return MSL_REASM_COMPLETE;
}

/* Drops v to make room for me (NULL: a source holding nothing). */
static void evict(msl_reasm *r, struct msl_reasm_slot *v,
                  const struct msl_reasm_src *me) {
  if (v->owner == me)
    r->evicted_own++;
  else
    r->evicted_fair++;
  r->evicted++;
  slot_free(r, v);
}

/* Frees a slot for a new datagram from udp_ip, if it needs one: the
 * source's own oldest when it is at its share, a fair victim when the
 * table is full. */
static void room_for_datagram(msl_reasm *r, uint32_t udp_ip) {
  struct msl_reasm_src *me = src_find(r, udp_ip);
  size_t mine = me ? me->entries : 0;
  struct msl_reasm_slot *v = NULL;
  if (mine >= r->lim.max_per_source)
    v = oldest_of(r, me, NULL);
  else if (r->pending == r->lim.max_pending)
    v = fair_victim(r, me, SHORT_OF_SLOTS, mine + 1, NULL);
  if (v)
    evict(r, v, me);
}

/* A new pending entry for p's datagram (room_for_datagram makes one);
 * NULL if there is none. */
static struct msl_reasm_slot *start_datagram(msl_reasm *r, const piece *p,
                                             uint64_t now_ms) {
  room_for_datagram(r, p->udp_ip);
  struct msl_reasm_slot *s = NULL;
  for (size_t i = 0; i < r->lim.max_pending && !s; i++)
    if (!r->slots[i].used)
      s = &r->slots[i];
  if (!s)
    return NULL;
  memset(s, 0, sizeof(*s));
  s->used = 1;
  s->owner = src_claim(r, p->udp_ip);
  s->owner->entries++;
  s->type = p->h->type;
  s->id = p->h->id;
  s->udp_ip = p->udp_ip;
  s->udp_port = p->udp_port;
  s->src_ip = p->h->src_ip;
  s->src_port = p->h->src_port;
  s->created = now_ms;
  s->seq = r->seq++;
  s->src = p->h->src;
  s->dst = p->h->dst;
  r->pending++;
  return s;
}

/* Pool chunks p needs that s does not have yet. */
static size_t chunks_missing(msl_reasm *r, struct msl_reasm_slot *s,
                             const piece *p) {
  uint32_t *ix = slot_idx(r, s);
  size_t need = 0;
  if (p->len)
    for (size_t c = p->off / MSL_REASM_CHUNK;
         c <= (p->end - 1) / MSL_REASM_CHUNK; c++)
      need += ix[c] == NONE;
  return need;
}

/* Makes need more chunks available to s: within its source's share by
 * evicting the source's own oldest other datagrams, then in the pool by
 * evicting fair victims. MSL_ERR_TOO_MANY when the rules allow no more. */
static int room_for_chunks(msl_reasm *r, struct msl_reasm_slot *s,
                           size_t need) {
  struct msl_reasm_src *me = s->owner;
  size_t share = r->lim.max_bytes_per_source / MSL_REASM_CHUNK;
  while (me->chunks + need > share) {
    struct msl_reasm_slot *v = oldest_of(r, me, s);
    if (!v)
      return MSL_ERR_TOO_MANY;
    evict(r, v, me);
  }
  while (need > r->nfree) {
    struct msl_reasm_slot *v =
        fair_victim(r, me, SHORT_OF_CHUNKS, me->chunks + need, s);
    if (!v)
      return MSL_ERR_TOO_MANY;
    evict(r, v, me);
  }
  return 0;
}

/* Copies p into s's chunks, taking free ones where s has none (there are
 * enough: room_for_chunks), and marks its bytes covered. */
static void write_piece(msl_reasm *r, struct msl_reasm_slot *s,
                        const piece *p) {
  uint32_t *ix = slot_idx(r, s);
  for (size_t i = p->off; i < p->end;) {
    size_t ci = i / MSL_REASM_CHUNK, k = i % MSL_REASM_CHUNK;
    size_t n = MSL_REASM_CHUNK - k;
    if (n > p->end - i)
      n = p->end - i;
    if (ix[ci] == NONE) {
      ix[ci] = r->free_stk[--r->nfree];
      memset(r->bits + (size_t)ix[ci] * BITS_PER_CHUNK, 0, BITS_PER_CHUNK);
      s->nchunks++;
      s->owner->chunks++;
      r->bytes_held += MSL_REASM_CHUNK;
    }
    uint8_t *bits = r->bits + (size_t)ix[ci] * BITS_PER_CHUNK;
    memcpy(r->pool + (size_t)ix[ci] * MSL_REASM_CHUNK + k,
           p->data + (i - p->off), n);
    for (size_t j = k; j < k + n; j++)
      bits[j >> 3] = (uint8_t)(bits[j >> 3] | 1u << (j & 7));
    i += n;
  }
}

/* Keeps p, which does not complete its datagram, in s (NULL: a new entry);
 * have is the bytes covered once p is in. */
static int store(msl_reasm *r, struct msl_reasm_slot *s, const piece *p,
                 size_t have, uint64_t now_ms) {
  int created = !s;
  if (created && !(s = start_datagram(r, p, now_ms)))
    return reject(r, MSL_ERR_TOO_MANY);
  if (room_for_chunks(r, s, chunks_missing(r, s, p))) {
    if (created)
      slot_free(r, s);
    return reject(r, MSL_ERR_TOO_MANY);
  }
  write_piece(r, s, p);
  s->have = have;
  if (p->first) {
    s->have_first = 1;
    s->flags = p->h->flags;
  }
  if (!p->more) {
    s->have_last = 1;
    s->end = p->end;
  }
  if (p->end > s->max_end)
    s->max_end = p->end;
  return MSL_REASM_PENDING;
}

int msl_reasm_add(msl_reasm *r, const msl_nbdgm *frag, uint32_t udp_ip,
                  uint16_t udp_port, uint64_t now_ms, msl_reasm_out *out) {
  if (!r)
    return MSL_ERR_ARG;
  if (!r->slots || !frag || !out)
    return reject(r, MSL_ERR_ARG);
  msl_reasm_expire(r, now_ms);
  if (frag->type < MSL_NBDGM_DIRECT_UNIQUE ||
      frag->type > MSL_NBDGM_BROADCAST || (!frag->data.ptr && frag->data.len))
    return reject(r, MSL_ERR_ARG);
  piece p = {.h = frag,
             .data = frag->data.ptr,
             .off = frag->offset,
             .len = frag->data.len,
             .end = (size_t)frag->offset + frag->data.len,
             .first = (frag->flags & MSL_NBDGM_FLAG_FIRST) != 0,
             .more = (frag->flags & MSL_NBDGM_FLAG_MORE) != 0,
             .udp_ip = udp_ip,
             .udp_port = udp_port};
  if (p.first && p.off)
    return reject(r, MSL_ERR_INVALID);
  if (p.first && !p.more) {
    fill_out(out, frag, frag->flags, &frag->src, &frag->dst, p.data, p.len);
    r->completed++;
    return MSL_REASM_COMPLETE;
  }
  if (p.end > r->lim.max_datagram)
    return reject(r, MSL_ERR_MSG_TOO_BIG);
  struct msl_reasm_slot *s = find_slot(r, &p);
  size_t fresh = p.len;
  if (s && !fits(s, &p))
    return reject(r, MSL_ERR_INVALID);
  if (s && count_fresh(r, s, &p, &fresh))
    return reject(r, MSL_ERR_INVALID);
  size_t have = (s ? s->have : 0) + fresh;
  if (completes(s, &p, have))
    return complete(r, s, &p, out);
  return store(r, s, &p, have, now_ms);
}
