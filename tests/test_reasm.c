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
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 0, &o), MSL_ERR_LIMIT);
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
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 3, &o), MSL_ERR_LIMIT);
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
  assert_int_equal(msl_reasm_add(&c->r, &f, IP_A, 138, 5, &o), MSL_ERR_LIMIT);
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
  assert_int_equal(msl_reasm_init(&r, mem + 1, sz - 1, &lim), MSL_ERR_LIMIT);
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
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
