/* Bounded IPv4 fragment reassembly (see msl_ipreasm.h). */
#include "msl_ipreasm.h"

#include <stdlib.h>
#include <string.h>

#define BLOCKS ((MSL_IPREASM_MAX_PAYLOAD + 7) / 8)

struct slot {
  int used;
  uint32_t src, dst;
  uint16_t id;
  uint8_t proto;
  uint64_t first_us; /* arrival of the first fragment seen */
  size_t end;        /* total payload length, 0 until the last fragment */
  size_t max_end;    /* furthest byte any fragment reached */
  size_t covered;    /* blocks marked in bits */
  uint8_t *data;     /* MSL_IPREASM_MAX_PAYLOAD bytes */
  uint8_t *bits;     /* BLOCKS bits */
};

struct msl_ipreasm {
  size_t n;
  uint64_t timeout_us;
  msl_ipreasm_stats st;
  struct slot *slots;
  uint8_t *mem;
};

msl_ipreasm *msl_ipreasm_new(size_t max_pending, uint64_t timeout_us) {
  if (!max_pending)
    max_pending = MSL_IPREASM_DEFAULT_PENDING;
  if (max_pending > 1024)
    return NULL;
  msl_ipreasm *r = calloc(1, sizeof *r);
  if (!r)
    return NULL;
  size_t per = MSL_IPREASM_MAX_PAYLOAD + BLOCKS / 8 + 1;
  r->slots = calloc(max_pending, sizeof *r->slots);
  r->mem = malloc(max_pending * per);
  if (!r->slots || !r->mem) {
    msl_ipreasm_free(r);
    return NULL;
  }
  r->n = max_pending;
  r->timeout_us = timeout_us ? timeout_us : MSL_IPREASM_DEFAULT_TIMEOUT_US;
  for (size_t i = 0; i < max_pending; i++) {
    r->slots[i].data = r->mem + i * per;
    r->slots[i].bits = r->slots[i].data + MSL_IPREASM_MAX_PAYLOAD;
  }
  return r;
}

void msl_ipreasm_free(msl_ipreasm *r) {
  if (!r)
    return;
  free(r->slots);
  free(r->mem);
  free(r);
}

void msl_ipreasm_get_stats(const msl_ipreasm *r, msl_ipreasm_stats *st) {
  *st = r->st;
}

static void slot_reset(struct slot *s) {
  s->used = 0;
  s->end = s->max_end = s->covered = 0;
  memset(s->bits, 0, BLOCKS / 8 + 1);
}

static struct slot *find(msl_ipreasm *r, const msl_ipv4 *ip, uint64_t now) {
  struct slot *fr = NULL, *old = NULL;
  for (size_t i = 0; i < r->n; i++) {
    struct slot *s = &r->slots[i];
    if (s->used && now >= s->first_us && now - s->first_us >= r->timeout_us) {
      slot_reset(s);
      r->st.expired++;
    }
    if (!s->used) {
      if (!fr)
        fr = s;
      continue;
    }
    if (s->src == ip->src && s->dst == ip->dst && s->id == ip->id &&
        s->proto == ip->proto)
      return s;
    if (!old || s->first_us < old->first_us)
      old = s;
  }
  if (!fr) {
    slot_reset(old);
    r->st.evicted++;
    fr = old;
  }
  fr->used = 1;
  fr->src = ip->src;
  fr->dst = ip->dst;
  fr->id = ip->id;
  fr->proto = ip->proto;
  fr->first_us = now;
  return fr;
}

int msl_ipreasm_add(msl_ipreasm *r, const msl_ipv4 *ip, uint64_t now_us,
                    msl_view *payload) {
  size_t off = ip->frag_off, len = ip->payload_len;
  if (ip->cut) {
    r->st.dropped++;
    return MSL_ERR_TRUNCATED;
  }
  if (off + len > MSL_IPREASM_MAX_PAYLOAD || (ip->more_frags && len % 8)) {
    r->st.dropped++;
    return MSL_ERR_INVALID;
  }
  struct slot *s = find(r, ip, now_us);
  size_t end = off + len;
  if ((s->end && end > s->end) || (!ip->more_frags && s->max_end > end) ||
      (!ip->more_frags && s->end && s->end != end)) {
    slot_reset(s);
    r->st.dropped++;
    return MSL_ERR_INVALID;
  }
  if (!ip->more_frags)
    s->end = end;
  if (end > s->max_end)
    s->max_end = end;
  if (len)
    memcpy(s->data + off, ip->payload.ptr, len);
  for (size_t b = off / 8; b < (end + 7) / 8; b++) {
    uint8_t bit = (uint8_t)(1u << (b % 8));
    if (!(s->bits[b / 8] & bit)) {
      s->bits[b / 8] |= bit;
      s->covered++;
    }
  }
  if (!s->end || s->covered < (s->end + 7) / 8)
    return 0;
  payload->ptr = s->data;
  payload->len = s->end;
  r->st.completed++;
  /* The data stays in place until this slot is reused by a later call. */
  slot_reset(s);
  return 1;
}
