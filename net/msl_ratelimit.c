/* Token buckets (see msl_ratelimit.h). */
#include "msl_ratelimit.h"

#include <string.h>

#define MILLI 1000u

static uint64_t cap_of(const msl_rl_rate *r) {
  return (uint64_t)r->burst * MILLI;
}

void msl_rl_init(msl_rl_bucket *b, const msl_rl_rate *r, uint64_t now) {
  b->milli = cap_of(r);
  b->last = now;
}

/* Tokens gained since b->last: per_s thousandths of a token per ms.
 * Saturates at the burst before multiplying, so a bucket idle for years
 * (or a clock jump) cannot overflow. */
static void refill(msl_rl_bucket *b, const msl_rl_rate *r, uint64_t now) {
  uint64_t cap = cap_of(r);
  if (now <= b->last) {
    b->last = now; /* a clock gone backwards restarts from here */
    return;
  }
  uint64_t dt = now - b->last;
  b->last = now;
  if (b->milli >= cap || r->per_s == 0)
    return;
  uint64_t room = cap - b->milli;
  if (dt >= room / r->per_s + 1)
    b->milli = cap;
  else
    b->milli += dt * r->per_s < room ? dt * r->per_s : room;
}

int msl_rl_take(msl_rl_bucket *b, const msl_rl_rate *r, uint64_t now) {
  refill(b, r, now);
  if (b->milli > cap_of(r))
    b->milli = cap_of(r); /* the rate was lowered since */
  if (b->milli < MILLI)
    return 0;
  b->milli -= MILLI;
  return 1;
}

void msl_rl_table_init(msl_rl_table *t, const msl_rl_rate *rate) {
  memset(t, 0, sizeof(*t));
  t->rate = *rate;
}

/* ip's entry, a free one, or the one used least recently (evicted). */
static msl_rl_source *slot_for(msl_rl_table *t, uint32_t ip, uint64_t now) {
  size_t old = 0;
  for (size_t i = 0; i < t->n; i++) {
    if (t->e[i].ip == ip)
      return &t->e[i];
    if (t->e[i].b.last < t->e[old].b.last)
      old = i;
  }
  msl_rl_source *s;
  if (t->n < MSL_RL_SOURCES)
    s = &t->e[t->n++];
  else {
    s = &t->e[old];
    t->evictions++;
  }
  s->ip = ip;
  msl_rl_init(&s->b, &t->rate, now);
  return s;
}

int msl_rl_table_take(msl_rl_table *t, uint32_t ip, uint64_t now) {
  return msl_rl_take(&slot_for(t, ip, now)->b, &t->rate, now);
}
