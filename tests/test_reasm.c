/*
 * Tests for datagram reassembly (proto/msl_reasm.c) [RFC 1002 §5.3.3].
 * Fragments are produced by msl_nbdgm_fragment and decoded again, so the
 * reassembler sees exactly what a receiver would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msl_reasm.h"

#define MAXF 160
#define IP_A 0xc0a80105u
#define IP_B 0xc0a80106u

struct frags {
  uint8_t buf[MAXF][1024];
  msl_nbdgm f[MAXF];
  size_t n;
};

static uint8_t msg[60 * 1024];

static void fill_msg(uint8_t seed) {
  for (size_t i = 0; i < sizeof(msg); i++)
    msg[i] = (uint8_t)(i * 131 + seed + (i >> 8));
}

static void make_tmpl(msl_nbdgm *t, uint16_t id, uint32_t ip) {
  msl_nbname s, d;
  assert_int_equal(msl_nbname_make(&s, "SENDER", 0, NULL), 0);
  assert_int_equal(msl_nbname_make(&d, "WG", 0x1e, NULL), 0);
  assert_int_equal(msl_nbdgm_init(t, MSL_NBDGM_DIRECT_GROUP, MSL_NBDGM_SNT_B,
                                  id, ip, 138, &s, &d, NULL, 0),
                   0);
}

static void split(struct frags *fr, const msl_nbdgm *t, const uint8_t *data,
                  size_t len, size_t max_payload) {
  msl_nbdgm_frag it;
  assert_int_equal(msl_nbdgm_fragment_init(&it, t, data, len, max_payload), 0);
  fr->n = 0;
  int n;
  while ((n = msl_nbdgm_fragment(&it, fr->buf[fr->n], sizeof(fr->buf[0]))) >
         0) {
    assert_int_equal(msl_nbdgm_decode(&fr->f[fr->n], fr->buf[fr->n], (size_t)n),
                     0);
    fr->n++;
    assert_true(fr->n < MAXF);
  }
  assert_int_equal(n, 0);
}

struct ctx {
  msl_reasm r;
  void *mem;
};

static struct ctx *new_ctx(const msl_reasm_limits *lim) {
  struct ctx *c = calloc(1, sizeof(*c));
  assert_non_null(c);
  size_t sz = msl_reasm_mem_size(lim);
  assert_true(sz > 0);
  c->mem = malloc(sz);
  assert_non_null(c->mem);
  assert_int_equal(msl_reasm_init(&c->r, c->mem, sz, lim), 0);
  return c;
}

static void free_ctx(struct ctx *c) {
  free(c->mem);
  free(c);
}

static void check_complete(const msl_reasm_out *o, const msl_nbdgm *t,
                           const uint8_t *data, size_t len) {
  assert_int_equal(o->dgm.type, t->type);
  assert_int_equal(o->dgm.id, t->id);
  assert_int_equal(o->dgm.src_ip, t->src_ip);
  assert_int_equal(o->dgm.flags & 3, MSL_NBDGM_FLAG_FIRST);
  assert_int_equal(o->dgm.offset, 0);
  assert_true(msl_nbname_equal(&o->dgm.src, &t->src));
  assert_true(msl_nbname_equal(&o->dgm.dst, &t->dst));
  assert_int_equal(o->dgm.data.len, len);
  assert_memory_equal(o->dgm.data.ptr, data, len);
}

static struct frags fr1, fr2;

static void feed_order(const size_t *order, size_t n) {
  msl_nbdgm t;
  make_tmpl(&t, 7, IP_A);
  struct ctx *c = new_ctx(NULL);
  msl_reasm_out o;
  for (size_t i = 0; i < n; i++) {
    int rc = msl_reasm_add(&c->r, &fr1.f[order[i]], IP_A, 138, 1000, &o);
    if (i + 1 < n) {
      assert_int_equal(rc, MSL_REASM_PENDING);
    } else {
      assert_int_equal(rc, MSL_REASM_COMPLETE);
      check_complete(&o, &t, msg, sizeof(msg));
    }
  }
  assert_int_equal(c->r.completed, 1);
  assert_int_equal(c->r.pending, 0);
  assert_int_equal(c->r.bytes_held, 0);
  assert_int_equal(c->r.rejected, 0);
  free_ctx(c);
}

static void test_in_order(void **state) {
  (void)state;
  msl_nbdgm t;
  make_tmpl(&t, 7, IP_A);
  fill_msg(1);
  split(&fr1, &t, msg, sizeof(msg), MSL_NBDGM_RFC_MAX_PAYLOAD);
  assert_int_equal(fr1.n, (sizeof(msg) + 465) / 466);
  size_t order[MAXF];
  for (size_t i = 0; i < fr1.n; i++)
    order[i] = i;
  feed_order(order, fr1.n);
}

static void test_reverse_order(void **state) {
  (void)state;
  msl_nbdgm t;
  make_tmpl(&t, 7, IP_A);
  fill_msg(2);
  split(&fr1, &t, msg, sizeof(msg), MSL_NBDGM_RFC_MAX_PAYLOAD);
  size_t order[MAXF];
  for (size_t i = 0; i < fr1.n; i++)
    order[i] = fr1.n - 1 - i;
  feed_order(order, fr1.n);
}

static uint32_t lcg(uint32_t *s) {
  *s = *s * 1103515245u + 12345u;
  return *s >> 8;
}

static void test_random_with_duplicates(void **state) {
  (void)state;
  msl_nbdgm t;
  make_tmpl(&t, 9, IP_A);
  fill_msg(3);
  split(&fr1, &t, msg, sizeof(msg), 1000);
  for (uint32_t seed = 1; seed <= 20; seed++) {
    uint32_t s = seed;
    size_t order[2 * MAXF], n = fr1.n;
    for (size_t i = 0; i < n; i++)
      order[i] = i;
    for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
      size_t j = lcg(&s) % (i + 1), x = order[i];
      order[i] = order[j];
      order[j] = x;
    }
    /* Duplicates of random fragments inserted before the last one. */
    size_t last = order[n - 1];
    for (size_t k = 0; k < 10; k++)
      order[n - 1 + k] = order[lcg(&s) % (n - 1)];
    n += 10;
    order[n - 1] = last;
    struct ctx *c = new_ctx(NULL);
    msl_reasm_out o;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
      rc = msl_reasm_add(&c->r, &fr1.f[order[i]], IP_A, 138, 5, &o);
      assert_int_equal(rc, i + 1 < n ? MSL_REASM_PENDING : MSL_REASM_COMPLETE);
    }
    check_complete(&o, &t, msg, sizeof(msg));
    assert_int_equal(c->r.rejected, 0);
    assert_int_equal(c->r.bytes_held, 0);
    free_ctx(c);
  }
}

/* A fragment built by hand: offset, flags and bytes chosen freely. */
static void hand(msl_nbdgm *f, const msl_nbdgm *t, uint8_t fm, uint16_t off,
                 const uint8_t *data, size_t len) {
  *f = *t;
  f->flags = (uint8_t)((t->flags & ~3) | fm);
  f->offset = off;
  f->data.ptr = data;
  f->data.len = len;
}

static void test_overlap(void **state) {
  (void)state;
  msl_nbdgm t, f;
  msl_reasm_out o;
  make_tmpl(&t, 1, IP_A);
  uint8_t a[100], b[100];
  for (int i = 0; i < 100; i++)
    a[i] = b[i] = (uint8_t)i;
  struct ctx *c = new_ctx(NULL);
  /* [0,100) first, then [50,150) agreeing on [50,100): fine. */
  hand(&f, &t, MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE, 0, a, 100);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o), 0);
  uint8_t c2[100];
  for (int i = 0; i < 100; i++)
    c2[i] = (uint8_t)(50 + i);
  hand(&f, &t, MSL_NBDGM_FLAG_MORE, 50, c2, 100);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o), 0);
  /* [120,130) with one conflicting byte: whole datagram dropped. */
  uint8_t d[10];
  for (int i = 0; i < 10; i++)
    d[i] = (uint8_t)(120 + i);
  d[5] ^= 0xff;
  hand(&f, &t, MSL_NBDGM_FLAG_MORE, 120, d, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o), MSL_ERR_INVALID);
  assert_int_equal(c->r.rejected, 1);
  assert_int_equal(c->r.pending, 0);
  assert_int_equal(c->r.bytes_held, 0);
  /* Its last fragment now starts a new (first-less) entry. */
  b[0] = 0;
  hand(&f, &t, 0, 150, b, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o), 0);
  assert_int_equal(c->r.pending, 1);
  free_ctx(c);
}

static void test_geometry_errors(void **state) {
  (void)state;
  msl_nbdgm t, f;
  msl_reasm_out o;
  uint8_t z[64] = {0};
  make_tmpl(&t, 1, IP_A);
  struct ctx *c = new_ctx(NULL);
  /* F=1 with an offset. */
  hand(&f, &t, MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE, 5, z, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o), MSL_ERR_INVALID);
  /* Beyond max_datagram (65535). */
  hand(&f, &t, MSL_NBDGM_FLAG_MORE, 0xfff0, z, 64);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o),
                   MSL_ERR_MSG_TOO_BIG);
  /* Last fragment ends at 40; a later one past it is refused. */
  hand(&f, &t, 0, 30, z, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o), 0);
  hand(&f, &t, MSL_NBDGM_FLAG_MORE, 35, z, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o), MSL_ERR_INVALID);
  /* A second, different last fragment. */
  hand(&f, &t, 0, 20, z, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o), MSL_ERR_INVALID);
  /* Other names under the same key: refused, entry kept. */
  msl_nbdgm t2 = t;
  assert_int_equal(msl_nbname_make(&t2.dst, "OTHER", 0x1e, NULL), 0);
  hand(&f, &t2, MSL_NBDGM_FLAG_MORE, 10, z, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o), MSL_ERR_INVALID);
  assert_int_equal(c->r.pending, 1);
  assert_int_equal(c->r.rejected, 5);
  /* Wrong type. */
  hand(&f, &t, 0, 0, z, 1);
  f.type = MSL_NBDGM_ERROR;
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o), MSL_ERR_ARG);
  assert_int_equal(msl_reasm_add(&c->r, NULL, IP_A, 138, 0, &o), MSL_ERR_ARG);
  assert_int_equal(msl_reasm_add(NULL, &f, IP_A, 138, 0, &o), MSL_ERR_ARG);
  /* Finish it: [0,30) first, then [10,20) from before is still missing. */
  hand(&f, &t, MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE, 0, z, 30);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o),
                   MSL_REASM_COMPLETE);
  assert_int_equal(o.dgm.data.len, 40);
  free_ctx(c);
}

static void test_unfragmented_passthrough(void **state) {
  (void)state;
  msl_nbdgm t, f;
  msl_reasm_out o;
  uint8_t z[10] = {1, 2, 3};
  make_tmpl(&t, 1, IP_A);
  struct ctx *c = new_ctx(NULL);
  hand(&f, &t, MSL_NBDGM_FLAG_FIRST, 0, z, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o),
                   MSL_REASM_COMPLETE);
  assert_ptr_equal(o.dgm.data.ptr, z); /* no copy */
  assert_int_equal(o.dgm.data.len, 10);
  assert_int_equal(o.dgm.length, 68 + 10);
  assert_int_equal(c->r.pending, 0);
  assert_int_equal(c->r.completed, 1);
  free_ctx(c);
}

static void test_timeout(void **state) {
  (void)state;
  msl_nbdgm t, f;
  msl_reasm_out o;
  uint8_t z[10] = {0};
  make_tmpl(&t, 1, IP_A);
  struct ctx *c = new_ctx(NULL);
  assert_int_equal(msl_reasm_next_timeout(&c->r, 0), UINT64_MAX);
  hand(&f, &t, MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE, 0, z, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 10000, &o), 0);
  assert_int_equal(msl_reasm_next_timeout(&c->r, 10500), 1500);
  assert_int_equal(msl_reasm_expire(&c->r, 11999), 0);
  assert_int_equal(msl_reasm_expire(&c->r, 5), 0); /* clock went back */
  assert_int_equal(c->r.pending, 1);
  assert_int_equal(msl_reasm_next_timeout(&c->r, 12000), 0);
  assert_int_equal(msl_reasm_expire(&c->r, 12000), 1); /* exactly 2 s */
  assert_int_equal(c->r.expired, 1);
  assert_int_equal(c->r.pending, 0);
  assert_int_equal(c->r.bytes_held, 0);

  /* The last fragment arriving at 2 s finds nothing: a new lone entry. */
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 20000, &o), 0);
  hand(&f, &t, 0, 10, z, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 21999, &o),
                   MSL_REASM_COMPLETE);
  hand(&f, &t, MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE, 0, z, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 30000, &o), 0);
  hand(&f, &t, 0, 10, z, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 32000, &o), 0);
  assert_int_equal(c->r.expired, 2);
  assert_int_equal(c->r.pending, 1);
  free_ctx(c);
}

static void test_fragment_without_first(void **state) {
  (void)state;
  msl_nbdgm t, f;
  msl_reasm_out o;
  uint8_t z[10] = {0};
  make_tmpl(&t, 1, IP_A);
  struct ctx *c = new_ctx(NULL);
  hand(&f, &t, 0, 466, z, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o), 0);
  /* Covering [0,466) without F=1 does not complete: no first seen. */
  static uint8_t w[466];
  hand(&f, &t, MSL_NBDGM_FLAG_MORE, 0, w, 466);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o), 0);
  assert_int_equal(c->r.completed, 0);
  hand(&f, &t, MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE, 0, w, 466);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o),
                   MSL_REASM_COMPLETE);
  assert_int_equal(o.dgm.data.len, 476);
  /* A lone non-first fragment expires. */
  hand(&f, &t, 0, 466, z, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o), 0);
  assert_int_equal(msl_reasm_expire(&c->r, 2000), 1);
  free_ctx(c);
}

static void test_interleaved_senders(void **state) {
  (void)state;
  msl_nbdgm ta, tb;
  static uint8_t ma[3000], mb[3000];
  for (size_t i = 0; i < sizeof(ma); i++) {
    ma[i] = (uint8_t)i;
    mb[i] = (uint8_t)~i;
  }
  make_tmpl(&ta, 0x1111, IP_A);
  make_tmpl(&tb, 0x1111, IP_B); /* same DGM_ID, another host */
  split(&fr1, &ta, ma, sizeof(ma), 548);
  split(&fr2, &tb, mb, sizeof(mb), 548);
  assert_int_equal(fr1.n, fr2.n);
  struct ctx *c = new_ctx(NULL);
  msl_reasm_out o;
  for (size_t i = 0; i < fr1.n; i++) {
    int ra = msl_reasm_add(&c->r, &fr1.f[i], IP_A, 138, 0, &o);
    if (ra == MSL_REASM_COMPLETE)
      check_complete(&o, &ta, ma, sizeof(ma));
    int rb = msl_reasm_add(&c->r, &fr2.f[i], IP_B, 138, 0, &o);
    if (rb == MSL_REASM_COMPLETE)
      check_complete(&o, &tb, mb, sizeof(mb));
    assert_int_equal(ra, i + 1 < fr1.n ? 0 : 1);
    assert_int_equal(rb, i + 1 < fr1.n ? 0 : 1);
  }
  /* Same header source, different UDP source ports: two datagrams. */
  for (size_t i = 0; i < fr1.n; i++) {
    assert_int_equal(msl_reasm_add(&c->r, &fr1.f[i], IP_A, 138, 0, &o),
                     i + 1 < fr1.n ? 0 : 1);
    if (i == 0)
      assert_int_equal(msl_reasm_add(&c->r, &fr1.f[i], IP_A, 5000, 0, &o), 0);
  }
  assert_int_equal(c->r.pending, 1);
  assert_int_equal(c->r.completed, 3);
  free_ctx(c);
}

static void test_pending_cap_evicts_oldest(void **state) {
  (void)state;
  msl_reasm_limits lim;
  msl_reasm_limits_default(&lim);
  lim.max_pending = 2;
  struct ctx *c = new_ctx(&lim);
  msl_nbdgm t, f;
  msl_reasm_out o;
  uint8_t z[20] = {0};
  for (uint16_t id = 1; id <= 3; id++) {
    make_tmpl(&t, id, IP_A);
    hand(&f, &t, MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE, 0, z, 10);
    assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, id, &o), 0);
  }
  assert_int_equal(c->r.pending, 2);
  assert_int_equal(c->r.evicted, 1);
  /* id 1 was evicted: its last fragment starts a fresh entry... */
  make_tmpl(&t, 2, IP_A);
  hand(&f, &t, 0, 10, z, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 4, &o),
                   MSL_REASM_COMPLETE); /* id 2 still complete */
  make_tmpl(&t, 3, IP_A);
  hand(&f, &t, 0, 10, z, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 4, &o),
                   MSL_REASM_COMPLETE);
  make_tmpl(&t, 1, IP_A);
  hand(&f, &t, 0, 10, z, 10);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 4, &o), 0);
  assert_int_equal(c->r.pending, 1);
  free_ctx(c);
}

static void test_byte_cap(void **state) {
  (void)state;
  msl_reasm_limits lim;
  msl_reasm_limits_default(&lim);
  lim.max_bytes = 2 * MSL_REASM_CHUNK;
  struct ctx *c = new_ctx(&lim);
  msl_nbdgm ta, tb, f;
  msl_reasm_out o;
  static uint8_t d[2048];
  for (size_t i = 0; i < sizeof(d); i++)
    d[i] = (uint8_t)(i ^ 0x5a);
  make_tmpl(&ta, 1, IP_A);
  make_tmpl(&tb, 2, IP_A);
  /* A (older) then B each hold one chunk: the pool is full. */
  hand(&f, &ta, MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE, 0, d, 500);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o), 0);
  hand(&f, &tb, MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE, 0, d, 500);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 1, &o), 0);
  assert_int_equal(c->r.bytes_held, 2 * MSL_REASM_CHUNK);
  /* A complete datagram is never lost: A's last fragment needs a chunk it
   * does not have, yet completes without taking memory or evicting. */
  hand(&f, &ta, 0, 500, d + 500, 500);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 2, &o),
                   MSL_REASM_COMPLETE);
  assert_int_equal(o.dgm.data.len, 1000);
  assert_memory_equal(o.dgm.data.ptr, d, 1000);
  assert_int_equal(c->r.evicted, 0);
  assert_int_equal(c->r.bytes_held, MSL_REASM_CHUNK);
  /* B needs 2 more chunks for a middle piece: 1 free, nobody else to evict
   * (B itself never is): refused, B kept. */
  hand(&f, &tb, MSL_NBDGM_FLAG_MORE, 500, d + 500, 1000);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 3, &o),
                   MSL_ERR_TOO_MANY);
  assert_int_equal(c->r.pending, 1);
  /* A new C needs 2 chunks: the oldest incomplete (B) is evicted. */
  msl_nbdgm tc;
  make_tmpl(&tc, 3, IP_A);
  hand(&f, &tc, MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE, 0, d, 1024);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 4, &o), 0);
  assert_int_equal(c->r.evicted, 1);
  assert_int_equal(c->r.pending, 1);
  assert_true(c->r.bytes_held <= lim.max_bytes);
  /* A datagram larger than the whole pool can never be held. */
  hand(&f, &tb, MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE, 0, d, 2048);
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 5, &o),
                   MSL_ERR_TOO_MANY);
  assert_int_equal(c->r.pending, 0); /* C evicted trying, B never created */
  assert_int_equal(c->r.bytes_held, 0);
  free_ctx(c);
}

static void test_init_errors(void **state) {
  (void)state;
  msl_reasm r;
  msl_reasm_limits lim;
  msl_reasm_limits_default(&lim);
  size_t sz = msl_reasm_mem_size(&lim);
  assert_int_equal(sz, msl_reasm_mem_size(NULL));
  uint8_t *mem = malloc(sz + 1);
  assert_non_null(mem);
  assert_int_equal(msl_reasm_init(&r, mem + 1, sz - 1, &lim),
                   MSL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(msl_reasm_init(&r, mem + 1, sz, &lim), 0); /* misaligned */
  assert_int_equal(msl_reasm_init(&r, NULL, sz, &lim), MSL_ERR_ARG);
  assert_int_equal(msl_reasm_init(NULL, mem, sz, &lim), MSL_ERR_ARG);
  lim.max_pending = 0;
  assert_int_equal(msl_reasm_init(&r, mem, sz, &lim), MSL_ERR_ARG);
  assert_int_equal(msl_reasm_mem_size(&lim), 0);
  msl_reasm_limits_default(&lim);
  lim.max_datagram = MSL_REASM_MAX_DATAGRAM_LIMIT + 1;
  assert_int_equal(msl_reasm_init(&r, mem, sz, &lim), MSL_ERR_ARG);
  msl_reasm_limits_default(&lim);
  lim.max_bytes = MSL_REASM_CHUNK - 1;
  assert_int_equal(msl_reasm_init(&r, mem, sz, &lim), MSL_ERR_ARG);
  msl_reasm_limits_default(&lim);
  lim.max_pending = SIZE_MAX;
  assert_int_equal(msl_reasm_mem_size(&lim), 0);
  free(mem);
}

/* ---- Per-source fairness: a source is the UDP source IP. ---- */

static uint8_t pattern[4096];

static void fill_pattern(void) {
  for (size_t i = 0; i < sizeof(pattern); i++)
    pattern[i] = (uint8_t)(i * 7 + 3 + (i >> 9));
}

/* Adds an incomplete first fragment [0,len) of pattern, DGM_ID id, sent
 * from ip (header and UDP source alike). */
static int add_first(struct ctx *c, uint16_t id, uint32_t ip, size_t len) {
  msl_nbdgm t, f;
  msl_reasm_out o;
  make_tmpl(&t, id, ip);
  hand(&f, &t, MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE, 0, pattern, len);
  return msl_reasm_add(&c->r, &f, ip, 138, 0, &o);
}

/* Adds the fragment [off,end) of pattern (the last one unless more) and
 * checks a completed datagram byte for byte. */
static int add_rest(struct ctx *c, uint16_t id, uint32_t ip, size_t off,
                    size_t end, int more) {
  msl_nbdgm t, f;
  msl_reasm_out o;
  make_tmpl(&t, id, ip);
  hand(&f, &t, more ? MSL_NBDGM_FLAG_MORE : 0, (uint16_t)off, pattern + off,
       end - off);
  int rc = msl_reasm_add(&c->r, &f, ip, 138, 0, &o);
  if (rc == MSL_REASM_COMPLETE)
    check_complete(&o, &t, pattern, end);
  return rc;
}

static void check_bounds(const msl_reasm *r) {
  assert_true(r->pending <= r->lim.max_pending);
  assert_true(r->bytes_held <= r->lim.max_bytes);
}

static void check_counters(const msl_reasm *r) {
  check_bounds(r);
  assert_int_equal(r->evicted, r->evicted_own + r->evicted_fair);
}

/* B's 3-fragment datagram is under way when A floods incomplete first
 * fragments under 10 x max_pending DGM_IDs; B's must still complete. With
 * eviction by age alone B's first fragment went as soon as the table or
 * pool filled. Delivery is checked before the counters, so that is what
 * fails on such code. */
static void flood_then_finish(const msl_reasm_limits *lim, size_t junk_len) {
  msl_nbdgm tb;
  static uint8_t mb[1200];
  for (size_t i = 0; i < sizeof(mb); i++)
    mb[i] = (uint8_t)(i * 13 + 5);
  make_tmpl(&tb, 0x4242, IP_B);
  split(&fr2, &tb, mb, sizeof(mb), MSL_NBDGM_RFC_MAX_PAYLOAD);
  assert_int_equal(fr2.n, 3);
  struct ctx *c = new_ctx(lim);
  msl_reasm_out o;
  assert_int_equal(msl_reasm_add(&c->r, &fr2.f[0], IP_B, 138, 0, &o),
                   MSL_REASM_PENDING);
  size_t flood = 10 * c->r.lim.max_pending;
  for (size_t i = 0; i < flood; i++) {
    assert_int_equal(add_first(c, (uint16_t)(i + 1), IP_A, junk_len),
                     MSL_REASM_PENDING);
    check_bounds(&c->r);
  }
  assert_int_equal(msl_reasm_add(&c->r, &fr2.f[1], IP_B, 138, 0, &o),
                   MSL_REASM_PENDING);
  assert_int_equal(msl_reasm_add(&c->r, &fr2.f[2], IP_B, 138, 0, &o),
                   MSL_REASM_COMPLETE);
  check_complete(&o, &tb, mb, sizeof(mb));
  check_counters(&c->r);
  assert_int_equal(c->r.evicted_fair, 0);
  assert_true(c->r.evicted_own >= flood - c->r.lim.max_pending);
  free_ctx(c);
}

static void test_flood_of_ids_spares_other_source(void **state) {
  (void)state;
  fill_pattern();
  flood_then_finish(NULL, 100);
  /* No per-source share at all: the full-table rule alone protects B. */
  msl_reasm_limits lim;
  msl_reasm_limits_default(&lim);
  lim.max_per_source = lim.max_bytes_per_source = SIZE_MAX;
  flood_then_finish(&lim, 100);
}

static void test_flood_of_bytes_spares_other_source(void **state) {
  (void)state;
  fill_pattern();
  /* The pool (64 chunks), not the table (64), is what A's 4-chunk first
   * fragments fill. Set up as older callers do: memset, shares left 0. */
  msl_reasm_limits lim;
  memset(&lim, 0, sizeof(lim));
  lim.max_pending = 64;
  lim.max_bytes = 64 * MSL_REASM_CHUNK;
  lim.timeout_ms = 2000;
  lim.max_datagram = 8192;
  flood_then_finish(&lim, 4 * MSL_REASM_CHUNK);
  lim.max_per_source = lim.max_bytes_per_source = SIZE_MAX;
  flood_then_finish(&lim, 4 * MSL_REASM_CHUNK);
}

/* Two legitimate sources: the one at its share loses its own oldest. */
static void test_share_evicts_own_oldest(void **state) {
  (void)state;
  fill_pattern();
  msl_reasm_limits lim;
  msl_reasm_limits_default(&lim);
  lim.max_pending = 4;
  lim.max_per_source = 2;
  struct ctx *c = new_ctx(&lim);
  assert_int_equal(add_first(c, 1, IP_B, 100), 0); /* the oldest of all */
  assert_int_equal(add_first(c, 2, IP_A, 100), 0);
  assert_int_equal(add_first(c, 3, IP_A, 100), 0);
  assert_int_equal(add_first(c, 4, IP_A, 100), 0); /* A at 2: drops id 2 */
  assert_int_equal(c->r.pending, 3);
  assert_int_equal(c->r.evicted_own, 1);
  assert_int_equal(c->r.evicted_fair, 0);
  assert_int_equal(add_rest(c, 1, IP_B, 100, 150, 0), MSL_REASM_COMPLETE);
  assert_int_equal(add_rest(c, 3, IP_A, 100, 150, 0), MSL_REASM_COMPLETE);
  assert_int_equal(add_rest(c, 4, IP_A, 100, 150, 0), MSL_REASM_COMPLETE);
  assert_int_equal(add_rest(c, 2, IP_A, 100, 150, 0), MSL_REASM_PENDING);
  free_ctx(c);

  /* The byte share: A holds 1 chunk of its 2 and starts a 2-chunk one. */
  msl_reasm_limits_default(&lim);
  lim.max_bytes_per_source = 2 * MSL_REASM_CHUNK;
  c = new_ctx(&lim);
  assert_int_equal(add_first(c, 1, IP_B, 500), 0);
  assert_int_equal(add_first(c, 2, IP_A, 500), 0);
  assert_int_equal(add_first(c, 3, IP_A, 1000), 0);
  assert_int_equal(c->r.evicted_own, 1);
  assert_int_equal(c->r.bytes_held, 3 * MSL_REASM_CHUNK);
  /* ...and A cannot grow id 3 past its share: refused, nothing evicted. */
  assert_int_equal(add_rest(c, 3, IP_A, 1000, 1100, 1), MSL_ERR_TOO_MANY);
  assert_int_equal(c->r.evicted, 1);
  assert_int_equal(add_rest(c, 1, IP_B, 500, 600, 0), MSL_REASM_COMPLETE);
  assert_int_equal(add_rest(c, 3, IP_A, 1000, 1024, 0), MSL_REASM_COMPLETE);
  free_ctx(c);
}

/* No shares: a full table is taken from whoever holds the most, never
 * from a source that would then hold less than the adder. */
static void test_full_table_takes_from_largest(void **state) {
  (void)state;
  fill_pattern();
  const uint32_t ip_c = IP_B + 1;
  msl_reasm_limits lim;
  msl_reasm_limits_default(&lim);
  lim.max_pending = 4;
  lim.max_per_source = SIZE_MAX;
  struct ctx *c = new_ctx(&lim);
  assert_int_equal(c->r.lim.max_per_source, 4);
  for (uint16_t id = 1; id <= 3; id++)
    assert_int_equal(add_first(c, id, IP_A, 100), 0);
  assert_int_equal(add_first(c, 10, IP_B, 100), 0); /* full: A 3, B 1 */
  assert_int_equal(add_first(c, 20, ip_c, 100), 0); /* A's id 1 goes */
  assert_int_equal(add_first(c, 11, IP_B, 100), 0); /* A 2 >= B's 2: id 2 */
  assert_int_equal(c->r.evicted_fair, 2);
  assert_int_equal(add_first(c, 12, IP_B, 100), 0); /* B's own id 10 */
  assert_int_equal(c->r.evicted_own, 1);
  assert_int_equal(c->r.evicted_fair, 2);
  assert_int_equal(add_rest(c, 3, IP_A, 100, 120, 0), MSL_REASM_COMPLETE);
  assert_int_equal(add_rest(c, 20, ip_c, 100, 120, 0), MSL_REASM_COMPLETE);
  assert_int_equal(add_rest(c, 11, IP_B, 100, 120, 0), MSL_REASM_COMPLETE);
  assert_int_equal(add_rest(c, 12, IP_B, 100, 120, 0), MSL_REASM_COMPLETE);
  assert_int_equal(add_rest(c, 1, IP_A, 100, 120, 0), MSL_REASM_PENDING);
  free_ctx(c);

  /* Equal entries: the larger holder goes first, then the older. */
  lim.max_pending = 2;
  c = new_ctx(&lim);
  assert_int_equal(add_first(c, 1, IP_A, 100), 0);     /* 1 chunk, older */
  assert_int_equal(add_first(c, 2, IP_B, 1000), 0);    /* 2 chunks */
  assert_int_equal(add_first(c, 3, ip_c, 100), 0);     /* B's goes */
  assert_int_equal(add_first(c, 4, ip_c + 1, 100), 0); /* A's, older */
  assert_int_equal(c->r.evicted_fair, 2);
  assert_int_equal(add_rest(c, 3, ip_c, 100, 120, 0), MSL_REASM_COMPLETE);
  assert_int_equal(add_rest(c, 4, ip_c + 1, 100, 120, 0), MSL_REASM_COMPLETE);
  free_ctx(c);
}

/* No shares: a full pool is taken from whoever holds the most bytes, and
 * only while that source holds at least what the adder will. */
static void test_full_pool_takes_from_largest(void **state) {
  (void)state;
  fill_pattern();
  const uint32_t ip_c = IP_B + 1, ip_d = IP_B + 2;
  msl_reasm_limits lim;
  msl_reasm_limits_default(&lim);
  lim.max_bytes = 8 * MSL_REASM_CHUNK;
  lim.max_datagram = 4096;
  lim.max_per_source = lim.max_bytes_per_source = SIZE_MAX;
  struct ctx *c = new_ctx(&lim);
  assert_int_equal(c->r.lim.max_bytes_per_source, 8 * MSL_REASM_CHUNK);
  assert_int_equal(add_first(c, 1, IP_A, 4 * MSL_REASM_CHUNK), 0);
  assert_int_equal(add_first(c, 2, IP_B, 3 * MSL_REASM_CHUNK), 0);
  assert_int_equal(add_first(c, 3, ip_c, 100), 0); /* pool full */
  assert_int_equal(add_first(c, 4, ip_d, 2 * MSL_REASM_CHUNK), 0);
  assert_int_equal(c->r.evicted_fair, 1); /* A's 4 chunks went */
  assert_int_equal(c->r.bytes_held, 6 * MSL_REASM_CHUNK);
  /* C (1 chunk) wants 3 more, 2 are free: B (3) and D (2) hold less than
   * C's 4 would be, C has nothing else: refused, nobody evicted. */
  assert_int_equal(
      add_rest(c, 3, ip_c, MSL_REASM_CHUNK, 4 * MSL_REASM_CHUNK, 1),
      MSL_ERR_TOO_MANY);
  assert_int_equal(c->r.evicted, 1);
  assert_int_equal(c->r.pending, 3);
  assert_int_equal(add_rest(c, 2, IP_B, 3 * MSL_REASM_CHUNK, 2000, 0),
                   MSL_REASM_COMPLETE);
  assert_int_equal(add_rest(c, 4, ip_d, 2 * MSL_REASM_CHUNK, 1100, 0),
                   MSL_REASM_COMPLETE);
  assert_int_equal(add_rest(c, 3, ip_c, 100, 200, 0), MSL_REASM_COMPLETE);
  assert_int_equal(c->r.bytes_held, 0);
  free_ctx(c);
}

/* Spoofed sources, one datagram each or many under a few dozen addresses:
 * memory stays bounded, the books balance, and a later sender gets
 * through once the flood stops. */
static void test_many_spoofed_sources(void **state) {
  (void)state;
  fill_pattern();
  msl_reasm_limits small_pool;
  msl_reasm_limits_default(&small_pool);
  small_pool.max_bytes = 24 * MSL_REASM_CHUNK; /* full with ~5 senders */
  for (int round = 0; round < 3; round++) {
    struct ctx *c = new_ctx(round == 2 ? &small_pool : NULL);
    for (uint32_t i = 0; i < 3000; i++) {
      uint32_t ip = 0x0a000000u + (round == 1 ? i * 7919 % 37 : i);
      size_t len = (i % 9 + 1) * 450;
      int rc = add_first(c, (uint16_t)i, ip, len);
      /* A full pool: no one holding less than the newcomer would gives way. */
      assert_true(rc == MSL_REASM_PENDING ||
                  (round == 2 && rc == MSL_ERR_TOO_MANY));
      check_counters(&c->r);
    }
    assert_true(c->r.evicted_fair > 0);
    assert_true(round == 2 ? c->r.rejected > 0 : c->r.rejected == 0);
    if (round == 1)
      assert_true(c->r.evicted_own > 0);
    if (round == 2)
      assert_true(c->r.bytes_held > c->r.lim.max_bytes - 8 * MSL_REASM_CHUNK);
    else
      assert_int_equal(c->r.pending, c->r.lim.max_pending);
    size_t before = c->r.pending;
    assert_int_equal(add_first(c, 7, IP_A, 1000), MSL_REASM_PENDING);
    assert_int_equal(add_rest(c, 7, IP_A, 1000, 2000, 1), MSL_REASM_PENDING);
    assert_int_equal(add_rest(c, 7, IP_A, 2000, 2500, 0), MSL_REASM_COMPLETE);
    size_t left = c->r.pending;
    assert_true(left <= before);
    assert_int_equal(msl_reasm_expire(&c->r, 2000), left);
    assert_int_equal(c->r.pending, 0);
    assert_int_equal(c->r.bytes_held, 0);
    free_ctx(c);
  }
}

static void test_share_limits(void **state) {
  (void)state;
  msl_reasm r;
  static uint8_t mem[1 << 20];
  msl_reasm_limits lim;
  msl_reasm_limits_default(&lim);
  assert_int_equal(lim.max_per_source, 4);
  assert_int_equal(lim.max_bytes_per_source, 64 * 1024);
  assert_int_equal(msl_reasm_init(&r, mem, sizeof(mem), NULL), 0);
  assert_int_equal(r.lim.max_per_source, 4);
  assert_int_equal(r.lim.max_bytes_per_source, 64 * 1024);
  /* 0: a quarter, at least one datagram and one max_datagram's chunks. */
  memset(&lim, 0, sizeof(lim));
  lim.max_pending = 10;
  lim.max_bytes = 100 * MSL_REASM_CHUNK;
  lim.timeout_ms = 1;
  lim.max_datagram = 4096;
  assert_int_equal(msl_reasm_init(&r, mem, sizeof(mem), &lim), 0);
  assert_int_equal(r.lim.max_per_source, 2);
  assert_int_equal(r.lim.max_bytes_per_source, 25 * MSL_REASM_CHUNK);
  lim.max_pending = 3;
  lim.max_bytes = 20 * MSL_REASM_CHUNK;
  assert_int_equal(msl_reasm_init(&r, mem, sizeof(mem), &lim), 0);
  assert_int_equal(r.lim.max_per_source, 1);
  assert_int_equal(r.lim.max_bytes_per_source, 8 * MSL_REASM_CHUNK);
  lim.max_datagram = 65535; /* 128 chunks: more than the pool */
  assert_int_equal(msl_reasm_init(&r, mem, sizeof(mem), &lim), 0);
  assert_int_equal(r.lim.max_bytes_per_source, 20 * MSL_REASM_CHUNK);
  /* Set: clamped to the whole, bytes in whole chunks, one chunk at least. */
  lim.max_per_source = 99;
  lim.max_bytes_per_source = 3 * MSL_REASM_CHUNK + 100;
  assert_int_equal(msl_reasm_init(&r, mem, sizeof(mem), &lim), 0);
  assert_int_equal(r.lim.max_per_source, 3);
  assert_int_equal(r.lim.max_bytes_per_source, 3 * MSL_REASM_CHUNK);
  lim.max_bytes_per_source = MSL_REASM_CHUNK - 1;
  assert_int_equal(msl_reasm_mem_size(&lim), 0);
  assert_int_equal(msl_reasm_init(&r, mem, sizeof(mem), &lim), MSL_ERR_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_in_order),
      cmocka_unit_test(test_reverse_order),
      cmocka_unit_test(test_random_with_duplicates),
      cmocka_unit_test(test_overlap),
      cmocka_unit_test(test_geometry_errors),
      cmocka_unit_test(test_unfragmented_passthrough),
      cmocka_unit_test(test_timeout),
      cmocka_unit_test(test_fragment_without_first),
      cmocka_unit_test(test_interleaved_senders),
      cmocka_unit_test(test_pending_cap_evicts_oldest),
      cmocka_unit_test(test_byte_cap),
      cmocka_unit_test(test_init_errors),
      cmocka_unit_test(test_flood_of_ids_spares_other_source),
      cmocka_unit_test(test_flood_of_bytes_spares_other_source),
      cmocka_unit_test(test_share_evicts_own_oldest),
      cmocka_unit_test(test_full_table_takes_from_largest),
      cmocka_unit_test(test_full_pool_takes_from_largest),
      cmocka_unit_test(test_many_spoofed_sources),
      cmocka_unit_test(test_share_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
