/* Bounded datagram reassembly [RFC 1002 §5.3.3]; design in msl_reasm.h. */
#include "msl_reasm.h"

#define NONE UINT32_MAX
#define BITS_PER_CHUNK (MSL_REASM_CHUNK / 8)
#define MAX_PENDING_LIMIT 65536
#define MAX_CHUNKS_LIMIT (1u << 22) /* 2 GiB of pool */

struct msl_reasm_slot {
  int used;
  uint8_t type, flags; /* flags of the F=1 fragment once seen */
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
  size_t off_idx, off_free, off_pool, off_bits, off_out, total;
} layout;

#define ALIGN _Alignof(struct msl_reasm_slot)

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
      lim->max_datagram > MSL_REASM_MAX_DATAGRAM_LIMIT)
    return MSL_ERR_ARG;
  L->nidx = (lim->max_datagram + MSL_REASM_CHUNK - 1) / MSL_REASM_CHUNK;
  L->nchunks = lim->max_bytes / MSL_REASM_CHUNK;
  if (!L->nchunks || L->nchunks > MAX_CHUNKS_LIMIT)
    return MSL_ERR_ARG;
  size_t n, acc = 0;
  if (!mul_ok(lim->max_pending, sizeof(struct msl_reasm_slot), &n) ||
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
    return MSL_ERR_LIMIT;
  uintptr_t a = (uintptr_t)mem;
  uint8_t *base = (uint8_t *)mem + ((ALIGN - a % ALIGN) % ALIGN);
  r->slots = (struct msl_reasm_slot *)(void *)base;
  r->idx = (uint32_t *)(void *)(base + L.off_idx);
  r->free_stk = (uint32_t *)(void *)(base + L.off_free);
  r->pool = base + L.off_pool;
  r->bits = base + L.off_bits;
  r->outbuf = base + L.off_out;
  r->nidx = L.nidx;
  r->nchunks = L.nchunks;
  for (size_t i = 0; i < r->lim.max_pending; i++)
    r->slots[i].used = 0;
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
      r->bytes_held -= MSL_REASM_CHUNK;
    }
  }
  s->used = 0;
  r->pending--;
}

static struct msl_reasm_slot *oldest(msl_reasm *r,
                                     const struct msl_reasm_slot *keep) {
  struct msl_reasm_slot *best = NULL;
  for (size_t i = 0; i < r->lim.max_pending; i++) {
    struct msl_reasm_slot *s = &r->slots[i];
    if (s->used && s != keep && (!best || s->seq < best->seq))
      best = s;
  }
  return best;
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
  memset(d, 0, sizeof(*d));
  d->type = h->type;
  d->flags = (uint8_t)(flags & ~MSL_NBDGM_FLAG_MORE);
  d->id = h->id;
  d->src_ip = h->src_ip;
  d->src_port = h->src_port;
  d->src = *src;
  d->dst = *dst;
  d->data.ptr = data;
  d->data.len = len;
  size_t l = msl_nbname_wire_len(src) + msl_nbname_wire_len(dst) + len;
  d->length = (uint16_t)(l > 0xffff ? 0xffff : l);
}

static int reject(msl_reasm *r, int err) {
  r->rejected++;
  return err;
}

static int bit_get(const uint8_t *b, size_t i) {
  return b[i >> 3] >> (i & 7) & 1;
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
  int first = (frag->flags & MSL_NBDGM_FLAG_FIRST) != 0;
  int more = (frag->flags & MSL_NBDGM_FLAG_MORE) != 0;
  size_t off = frag->offset, len = frag->data.len, end = off + len;
  const uint8_t *src = frag->data.ptr;
  if (first && off)
    return reject(r, MSL_ERR_INVALID);
  if (first && !more) {
    fill_out(out, frag, frag->flags, &frag->src, &frag->dst, src, len);
    r->completed++;
    return MSL_REASM_COMPLETE;
  }
  if (end > r->lim.max_datagram)
    return reject(r, MSL_ERR_LIMIT);

  struct msl_reasm_slot *s = NULL;
  for (size_t i = 0; i < r->lim.max_pending && !s; i++) {
    struct msl_reasm_slot *t = &r->slots[i];
    if (t->used && t->id == frag->id && t->udp_ip == udp_ip &&
        t->udp_port == udp_port && t->src_ip == frag->src_ip &&
        t->src_port == frag->src_port)
      s = t;
  }

  size_t fresh = len; /* bytes of this fragment not yet covered */
  if (s) {
    if (s->type != frag->type || !msl_nbname_equal(&s->src, &frag->src) ||
        !msl_nbname_equal(&s->dst, &frag->dst))
      return reject(r, MSL_ERR_INVALID);
    if ((s->have_last && end > s->end) ||
        (!more && s->have_last && end != s->end) || (!more && end < s->max_end))
      return reject(r, MSL_ERR_INVALID);
    uint32_t *ix = slot_idx(r, s);
    for (size_t i = off; i < end; i++) {
      uint32_t c = ix[i / MSL_REASM_CHUNK];
      if (c == NONE)
        continue;
      size_t k = i % MSL_REASM_CHUNK;
      if (!bit_get(r->bits + (size_t)c * BITS_PER_CHUNK, k))
        continue;
      if (r->pool[(size_t)c * MSL_REASM_CHUNK + k] != src[i - off]) {
        slot_free(r, s);
        return reject(r, MSL_ERR_INVALID);
      }
      fresh--;
    }
  }

  int have_first = first || (s && s->have_first);
  int have_last = !more || (s && s->have_last);
  size_t dend = (s && s->have_last) ? s->end : end;
  size_t have = (s ? s->have : 0) + fresh;
  if (have_first && have_last && have == dend) {
    uint8_t *o = r->outbuf;
    uint8_t flags = first ? frag->flags : s->flags;
    if (s) {
      uint32_t *ix = slot_idx(r, s);
      for (size_t c = 0; c * MSL_REASM_CHUNK < dend; c++) {
        size_t at = c * MSL_REASM_CHUNK;
        size_t n = dend - at < MSL_REASM_CHUNK ? dend - at : MSL_REASM_CHUNK;
        if (ix[c] != NONE)
          memcpy(o + at, r->pool + (size_t)ix[c] * MSL_REASM_CHUNK, n);
      }
    }
    if (len)
      memcpy(o + off, src, len);
    /* Key and type match the slot, so frag's header stands for it. */
    fill_out(out, frag, flags, s ? &s->src : &frag->src,
             s ? &s->dst : &frag->dst, o, dend);
    if (s)
      slot_free(r, s);
    r->completed++;
    return MSL_REASM_COMPLETE;
  }

  int created = 0;
  if (!s) {
    for (size_t i = 0; i < r->lim.max_pending && !s; i++)
      if (!r->slots[i].used)
        s = &r->slots[i];
    if (!s) {
      s = oldest(r, NULL);
      slot_free(r, s);
      r->evicted++;
    }
    memset(s, 0, sizeof(*s));
    s->used = 1;
    s->type = frag->type;
    s->id = frag->id;
    s->udp_ip = udp_ip;
    s->udp_port = udp_port;
    s->src_ip = frag->src_ip;
    s->src_port = frag->src_port;
    s->created = now_ms;
    s->seq = r->seq++;
    s->src = frag->src;
    s->dst = frag->dst;
    r->pending++;
    created = 1;
  }

  uint32_t *ix = slot_idx(r, s);
  size_t need = 0;
  if (len)
    for (size_t c = off / MSL_REASM_CHUNK; c <= (end - 1) / MSL_REASM_CHUNK;
         c++)
      need += ix[c] == NONE;
  while (need > r->nfree) {
    struct msl_reasm_slot *v = oldest(r, s);
    if (!v)
      break;
    slot_free(r, v);
    r->evicted++;
  }
  if (need > r->nfree) {
    if (created)
      slot_free(r, s);
    return reject(r, MSL_ERR_LIMIT);
  }
  for (size_t i = off; i < end;) {
    size_t ci = i / MSL_REASM_CHUNK, k = i % MSL_REASM_CHUNK;
    size_t n = MSL_REASM_CHUNK - k;
    if (n > end - i)
      n = end - i;
    if (ix[ci] == NONE) {
      ix[ci] = r->free_stk[--r->nfree];
      memset(r->bits + (size_t)ix[ci] * BITS_PER_CHUNK, 0, BITS_PER_CHUNK);
      s->nchunks++;
      r->bytes_held += MSL_REASM_CHUNK;
    }
    uint8_t *bits = r->bits + (size_t)ix[ci] * BITS_PER_CHUNK;
    memcpy(r->pool + (size_t)ix[ci] * MSL_REASM_CHUNK + k, src + (i - off), n);
    for (size_t j = k; j < k + n; j++)
      bits[j >> 3] = (uint8_t)(bits[j >> 3] | 1u << (j & 7));
    i += n;
  }
  s->have = have;
  if (first) {
    s->have_first = 1;
    s->flags = frag->flags;
  }
  if (!more) {
    s->have_last = 1;
    s->end = end;
  }
  if (end > s->max_end)
    s->max_end = end;
  return MSL_REASM_PENDING;
}
