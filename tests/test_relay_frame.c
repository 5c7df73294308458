/*
 * Tests for the relay frame codec (proto/msl_relay_frame.c, the layout in
 * its header and docs/relay.md): exact bytes, round trips, and every way a
 * peer's frame can be wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msl_nbdgm.h"
#include "msl_relay_frame.h"
#include "test_util.h"

/* HELLO, version 1, hub, site "B": LENGTH 5, TYPE 1, 01 01 01 'B'. */
static const uint8_t v_hello[] = {0x00, 0x05, 0x01, 0x01, 0x01, 0x01, 'B'};

static void test_hello_bytes(void **state) {
  (void)state;
  msl_relay_frame f, g;
  uint8_t buf[64];
  memset(&f, 0, sizeof(f));
  f.type = MSL_RELAY_HELLO;
  f.u.hello.version = MSL_RELAY_VERSION;
  f.u.hello.flags = MSL_RELAY_HELLO_HUB;
  strcpy(f.u.hello.site, "B");
  int n = msl_relay_frame_encode(&f, buf, sizeof(buf));
  assert_int_equal(n, sizeof(v_hello));
  assert_memory_equal(buf, v_hello, sizeof(v_hello));
  assert_int_equal(msl_relay_frame_decode(&g, v_hello, sizeof(v_hello)), 0);
  assert_int_equal(g.type, MSL_RELAY_HELLO);
  assert_int_equal(g.u.hello.flags, MSL_RELAY_HELLO_HUB);
  assert_string_equal(g.u.hello.site, "B");
}

static const uint8_t smb[] = {0xff, 'S', 'M', 'B', 0x25, 1, 2, 3};

static void make_dgram(msl_relay_frame *f, int unicast) {
  memset(f, 0, sizeof(*f));
  f->type = MSL_RELAY_DGRAM;
  msl_relay_dgram *d = &f->u.dg;
  d->kind = unicast ? MSL_RELAY_KIND_UNICAST : MSL_RELAY_KIND_GROUP;
  d->msg_type = unicast ? MSL_NBDGM_DIRECT_UNIQUE : MSL_NBDGM_DIRECT_GROUP;
  d->hops = 4;
  strcpy(d->origin, "site-a");
  d->origin_id = 0xbeef;
  d->origin_ip = 0xc6120101; /* 198.18.1.1 */
  d->origin_port = 138;
  if (unicast) {
    strcpy(d->target, "site_b.lan");
    d->target_ip = 0xc6120203;
    d->target_port = 40000;
  }
  assert_int_equal(msl_nbname_make(&d->src, "HOSTA", 0, NULL), 0);
  assert_int_equal(msl_nbname_make(&d->dst, "WG", 0x1d, "corp.example"), 0);
  d->data.ptr = smb;
  d->data.len = sizeof(smb);
}

static void same_dgram(const msl_relay_dgram *a, const msl_relay_dgram *b) {
  assert_int_equal(a->kind, b->kind);
  assert_int_equal(a->msg_type, b->msg_type);
  assert_int_equal(a->hops, b->hops);
  assert_string_equal(a->origin, b->origin);
  assert_int_equal(a->origin_id, b->origin_id);
  assert_int_equal(a->origin_ip, b->origin_ip);
  assert_int_equal(a->origin_port, b->origin_port);
  assert_string_equal(a->target, b->target);
  assert_int_equal(a->target_ip, b->target_ip);
  assert_int_equal(a->target_port, b->target_port);
  assert_true(msl_nbname_equal(&a->src, &b->src));
  assert_true(msl_nbname_equal(&a->dst, &b->dst));
  assert_int_equal(a->data.len, b->data.len);
  assert_memory_equal(a->data.ptr, b->data.ptr, a->data.len);
}

static void test_dgram_round_trip(void **state) {
  (void)state;
  for (int uni = 0; uni <= 1; uni++) {
    msl_relay_frame f, g;
    uint8_t buf[512];
    make_dgram(&f, uni);
    int n = msl_relay_frame_encode(&f, buf, sizeof(buf));
    assert_true(n > 0);
    size_t fl = 0;
    assert_int_equal(msl_relay_frame_size(buf, (size_t)n, &fl), 1);
    assert_int_equal(fl, (size_t)n);
    assert_int_equal(msl_relay_frame_decode(&g, buf, (size_t)n), 0);
    assert_int_equal(g.type, MSL_RELAY_DGRAM);
    same_dgram(&f.u.dg, &g.u.dg);
    /* 2 + 1 + 18 (site "site-a") [+ 17 target] + names 34 + 47 + data 8 */
    assert_int_equal(n, uni ? 127 : 110);
  }
}

/* A group DGRAM written out byte by byte: the layout of docs/relay.md. */
static void test_dgram_bytes(void **state) {
  (void)state;
  uint8_t want[200], buf[200];
  size_t k = unhex("0053"   /* LENGTH 83 */
                   "02"     /* DGRAM */
                   "00"     /* group */
                   "12"     /* BROADCAST */
                   "01"     /* hops */
                   "0141"   /* site "A" */
                   "1234"   /* origin id */
                   "c6120102" "008a", want, sizeof(want));
  msl_relay_frame f;
  memset(&f, 0, sizeof(f));
  f.type = MSL_RELAY_DGRAM;
  f.u.dg.msg_type = MSL_NBDGM_BROADCAST;
  f.u.dg.hops = 1;
  strcpy(f.u.dg.origin, "A");
  f.u.dg.origin_id = 0x1234;
  f.u.dg.origin_ip = 0xc6120102;
  f.u.dg.origin_port = 138;
  assert_int_equal(msl_nbname_make(&f.u.dg.src, "H", 0, NULL), 0);
  assert_int_equal(msl_nbname_make(&f.u.dg.dst, "*", 0, NULL), 0);
  f.u.dg.data.ptr = (const uint8_t *)"x";
  f.u.dg.data.len = 1;
  int n = msl_relay_frame_encode(&f, buf, sizeof(buf));
  assert_int_equal(n, 2 + 83);
  assert_memory_equal(buf, want, k);
  /* "H" <00>: EI then CA x14 then AA; "*": CK then AA x15 */
  assert_int_equal(buf[k], 0x20);
  assert_memory_equal(buf + k + 1, "EICACACA", 8);
  assert_memory_equal(buf + k + 34, "\x20" "CKAAAA", 7);
  assert_int_equal(buf[n - 1], 'x');
}

static void test_ping(void **state) {
  (void)state;
  uint8_t v[] = {0, 9, MSL_RELAY_PONG, 1, 2, 3, 4, 5, 6, 7, 8};
  msl_relay_frame g;
  assert_int_equal(msl_relay_frame_decode(&g, v, sizeof(v)), 0);
  assert_int_equal(g.type, MSL_RELAY_PONG);
  assert_memory_equal(g.u.cookie, v + 3, 8);
  v[1] = 8; /* a short cookie */
  assert_int_equal(msl_relay_frame_decode(&g, v, sizeof(v) - 1),
                   MSL_ERR_TRUNCATED);
  uint8_t w[] = {0, 10, MSL_RELAY_PING, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  assert_int_equal(msl_relay_frame_decode(&g, w, sizeof(w)), MSL_ERR_INVALID);
}

static void test_frame_size(void **state) {
  (void)state;
  size_t fl = 0;
  assert_int_equal(msl_relay_frame_size(v_hello, 0, &fl), 0);
  assert_int_equal(msl_relay_frame_size(v_hello, 1, &fl), 0);
  assert_int_equal(msl_relay_frame_size(v_hello, 6, &fl), 0);
  assert_int_equal(fl, 7);
  assert_int_equal(msl_relay_frame_size(v_hello, 7, &fl), 1);
  const uint8_t zero[] = {0, 0, 1};
  assert_int_equal(msl_relay_frame_size(zero, 3, &fl), MSL_ERR_INVALID);
  const uint8_t big[] = {0xff, 0xff};
  assert_int_equal(msl_relay_frame_size(big, 2, &fl), 0);
  assert_int_equal(fl, MSL_RELAY_FRAME_MAX);
  assert_int_equal(msl_relay_frame_size(NULL, 2, &fl), MSL_ERR_ARG);
}

/* Encodes a group frame, lets edit() damage it, expects err on decode. */
static void expect_bad(void (*edit)(uint8_t *p, size_t *n), int err) {
  msl_relay_frame f, g;
  uint8_t buf[512];
  make_dgram(&f, 0);
  int n = msl_relay_frame_encode(&f, buf, sizeof(buf));
  assert_true(n > 0);
  size_t len = (size_t)n;
  edit(buf, &len);
  assert_int_equal(msl_relay_frame_decode(&g, buf, len), err);
}

static void set_len(uint8_t *p, size_t n) {
  p[0] = (uint8_t)((n - 2) >> 8);
  p[1] = (uint8_t)(n - 2);
}
static void e_hops0(uint8_t *p, size_t *n) { (void)n; p[5] = 0; }
static void e_kind(uint8_t *p, size_t *n) { (void)n; p[3] = 2; }
static void e_type(uint8_t *p, size_t *n) { (void)n; p[4] = 0x13; }
static void e_site_char(uint8_t *p, size_t *n) { (void)n; p[8] = '/'; }
static void e_site_nul(uint8_t *p, size_t *n) { (void)n; p[8] = 0; }
static void e_site_len(uint8_t *p, size_t *n) { (void)n; p[6] = 40; }
static void e_site_empty(uint8_t *p, size_t *n) { (void)n; p[6] = 0; }
static void e_name_ptr(uint8_t *p, size_t *n) { (void)n; p[21] = 0xc0; }
static void e_name_letter(uint8_t *p, size_t *n) { (void)n; p[23] = 'Z'; }
static void e_no_data(uint8_t *p, size_t *n) {
  *n -= sizeof(smb);
  set_len(p, *n);
}
static void e_cut(uint8_t *p, size_t *n) { (void)p; *n -= 1; }
static void e_unknown(uint8_t *p, size_t *n) { (void)n; p[2] = 9; }
static void e_len0(uint8_t *p, size_t *n) { (void)n; p[0] = p[1] = 0; }

static void test_dgram_bad(void **state) {
  (void)state;
  expect_bad(e_hops0, MSL_ERR_INVALID);
  expect_bad(e_kind, MSL_ERR_INVALID);
  expect_bad(e_type, MSL_ERR_INVALID);
  expect_bad(e_site_char, MSL_ERR_INVALID);
  expect_bad(e_site_nul, MSL_ERR_INVALID);
  expect_bad(e_site_len, MSL_ERR_INVALID);
  expect_bad(e_site_empty, MSL_ERR_INVALID);
  expect_bad(e_name_ptr, MSL_ERR_NAME_PTR);
  expect_bad(e_name_letter, MSL_ERR_NAME);
  expect_bad(e_no_data, MSL_ERR_INVALID);
  expect_bad(e_cut, MSL_ERR_TRUNCATED);
  expect_bad(e_unknown, MSL_ERR_UNSUPPORTED);
  expect_bad(e_len0, MSL_ERR_INVALID);
}

static void test_hello_bad(void **state) {
  (void)state;
  msl_relay_frame g;
  uint8_t v[16];
  memcpy(v, v_hello, sizeof(v_hello));
  v[1] = 6; /* one byte too many in the body */
  v[7] = 'x';
  assert_int_equal(msl_relay_frame_decode(&g, v, 8), MSL_ERR_INVALID);
  memcpy(v, v_hello, sizeof(v_hello));
  v[5] = 2; /* site length beyond the body */
  assert_int_equal(msl_relay_frame_decode(&g, v, sizeof(v_hello)),
                   MSL_ERR_TRUNCATED);
  memcpy(v, v_hello, sizeof(v_hello));
  v[6] = ' ';
  assert_int_equal(msl_relay_frame_decode(&g, v, sizeof(v_hello)),
                   MSL_ERR_INVALID);
}

static void test_encode_limits(void **state) {
  (void)state;
  msl_relay_frame f;
  static uint8_t big[MSL_RELAY_BODY_MAX];
  uint8_t small[16];
  make_dgram(&f, 0);
  assert_int_equal(msl_relay_frame_encode(&f, small, sizeof(small)),
                   MSL_ERR_BUFFER_TOO_SMALL);
  f.u.dg.data.ptr = big;
  f.u.dg.data.len = sizeof(big);
  assert_int_equal(msl_relay_frame_encode(&f, NULL, 0), MSL_ERR_MSG_TOO_BIG);
  static uint8_t out[MSL_RELAY_FRAME_MAX + 1024];
  assert_int_equal(msl_relay_frame_encode(&f, out, sizeof(out)),
                   MSL_ERR_MSG_TOO_BIG);
  make_dgram(&f, 0);
  strcpy(f.u.dg.origin, "bad site");
  assert_int_equal(msl_relay_frame_encode(&f, out, sizeof(out)), MSL_ERR_ARG);
  make_dgram(&f, 0);
  f.u.dg.hops = 0;
  assert_int_equal(msl_relay_frame_encode(&f, out, sizeof(out)), MSL_ERR_ARG);
  f.type = 7;
  assert_int_equal(msl_relay_frame_encode(&f, out, sizeof(out)), MSL_ERR_ARG);
}

static void test_site_valid(void **state) {
  (void)state;
  static const str_verdict sites[] = {
      {"A", 1},
      {"paris-1.corp_x", 1},
      {"0123456789abcdef0123456789abcdef", 1},
      {"0123456789abcdef0123456789abcdefg", 0},
      {"", 0},
      {NULL, 0},
      {"a b", 0},
      {"caf\xc3\xa9", 0},
  };
  assert_verdicts(msl_relay_site_valid, sites, sizeof(sites) / sizeof(*sites));
  assert_string_equal(msl_relay_type_name(MSL_RELAY_DGRAM), "DGRAM");
  assert_string_equal(msl_relay_type_name(0), "UNKNOWN");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hello_bytes),   cmocka_unit_test(test_dgram_round_trip),
      cmocka_unit_test(test_dgram_bytes),   cmocka_unit_test(test_ping),
      cmocka_unit_test(test_frame_size),    cmocka_unit_test(test_dgram_bad),
      cmocka_unit_test(test_hello_bad),     cmocka_unit_test(test_encode_limits),
      cmocka_unit_test(test_site_valid),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
