/*
 * net/msl_announce.c: the HostAnnouncement timer (MS-BRWS §3.2.6: 1, 1, 2,
 * 4, 8 minutes, then 12), the answer to AnnouncementRequest (§3.2.5.2),
 * and the frame on the wire (sent over loopback, decoded back).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>

#include <cmocka.h>

#include "msl_announce.h"
#include "msl_browse.h"
#include "msl_nbdgm.h"
#include "msl_smbtr.h"

typedef struct fix {
  msl_udp tx, rx;
  msl_ifaces ifs;
  msl_dgram_sender snd;
  msl_nbname src;
} fix;

static int setup(void **state) {
  fix *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  assert_int_equal(msl_udp_open(&f->tx, 0x7f000001u, 0), 0);
  assert_int_equal(msl_udp_open(&f->rx, 0x7f000001u, 0), 0);
  f->ifs.n = 1;
  strcpy(f->ifs.v[0].name, "lo");
  f->ifs.v[0].addr = 0x7f000001u;
  f->ifs.v[0].mask = 0xff000000u;
  f->ifs.v[0].bcast = 0x7f000001u; /* "broadcast" to ourselves */
  assert_int_equal(msl_nbname_make(&f->src, "HOSTA", 0, NULL), 0);
  assert_int_equal(
      msl_dgram_sender_init(&f->snd, &f->tx, &f->src, f->tx.port, &f->ifs), 0);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fix *f = *state;
  msl_dgram_sender_free(&f->snd);
  msl_udp_close(&f->tx);
  msl_udp_close(&f->rx);
  free(f);
  return 0;
}

/* Receives one datagram on rx and decodes it down to the browse frame. */
static void recv_announce(fix *f, uint8_t *buf, size_t cap, msl_nbdgm *d,
                          msl_browse *b) {
  struct pollfd pf = {f->rx.fd, POLLIN, 0};
  msl_udp_msg m = {.buf = buf, .cap = cap};
  msl_smbtr t;
  assert_int_equal(poll(&pf, 1, 2000), 1);
  assert_int_equal(msl_udp_recv(&f->rx, &m, 1), 1);
  assert_int_equal(msl_nbdgm_decode(d, buf, m.len), 0);
  assert_int_equal(msl_smbtr_decode(&t, d->data.ptr, d->data.len), 0);
  assert_int_equal(t.name.len, strlen(MSL_BROWSE_MAILSLOT));
  assert_memory_equal(t.name.ptr, MSL_BROWSE_MAILSLOT, t.name.len);
  assert_int_equal(msl_browse_decode(b, t.data.ptr, t.data.len), 0);
}

static int nothing_waiting(fix *f) {
  struct pollfd pf = {f->rx.fd, POLLIN, 0};
  return poll(&pf, 1, 0) == 0;
}

static void test_args(void **state) {
  (void)state;
  msl_announce a;
  assert_int_equal(msl_announce_init(NULL, "A", "W", NULL, NULL, 138, 1, 0),
                   MSL_ERR_ARG);
  assert_int_equal(msl_announce_init(&a, NULL, "W", NULL, NULL, 138, 1, 0),
                   MSL_ERR_ARG);
  assert_int_equal(msl_announce_init(&a, "SIXTEENCHARSXXXX", "W", NULL, NULL,
                                     138, 1, 0),
                   MSL_ERR_ARG);
  assert_int_equal(msl_announce_init(&a, "A", "W", NULL, NULL, 138, 1, 0), 0);
}

/* The intervals, the periodicity field and the frame's fields. */
static void test_schedule(void **state) {
  fix *f = *state;
  msl_announce a;
  uint8_t buf[2048];
  msl_nbdgm d;
  msl_browse b;
  char nm[64];
  static const uint32_t min[] = {1, 1, 2, 4, 8, 12, 12};
  assert_int_equal(msl_announce_init(&a, "hosta", "WG", NULL, "a comment",
                                     f->rx.port, 1, 1000),
                   0);
  uint64_t now = 1000;
  /* Nothing before the first minute. */
  assert_int_equal(msl_announce_tick(&a, &f->snd, now), 60000);
  assert_true(nothing_waiting(f));
  for (size_t i = 0; i < sizeof(min) / sizeof(min[0]); i++) {
    now += min[i] * 60000u;
    uint64_t next = msl_announce_tick(&a, &f->snd, now);
    uint32_t want = i + 1 < 5 ? min[i + 1] * 60000u : 720000u;
    assert_int_equal(next, want);
    recv_announce(f, buf, sizeof(buf), &d, &b);
    assert_int_equal(d.type, MSL_NBDGM_DIRECT_GROUP);
    msl_nbname_format(&d.dst, nm, sizeof(nm));
    assert_string_equal(nm, "WG<1d>");
    assert_int_equal(b.opcode, MSL_BROWSE_HOST_ANNOUNCEMENT);
    assert_int_equal(b.u.announce.periodicity_ms, want);
    assert_int_equal(msl_browse_name16_len(b.u.announce.name), 5);
    assert_memory_equal(b.u.announce.name, "HOSTA", 5);
    assert_int_equal(b.u.announce.server_type, MSL_ANNOUNCE_TYPE);
    assert_int_equal(b.u.announce.comment.len, 9);
    assert_memory_equal(b.u.announce.comment.ptr, "a comment", 9);
    assert_true(nothing_waiting(f));
  }
  assert_int_equal(a.sent, 7);
  assert_int_equal(a.errors, 0);
}

/* Builds an AnnouncementRequest datagram into buf; returns its length. */
static size_t build_request(uint8_t *buf, size_t cap, int fragment_flags) {
  msl_browse m;
  uint8_t q[64], smb[512];
  msl_smbtr t;
  msl_nbdgm d;
  msl_nbname src, dst;
  assert_int_equal(msl_browse_build_announcement_request(&m, "MASTER"), 0);
  int qn = msl_browse_encode(&m, q, sizeof(q));
  assert_true(qn > 0);
  assert_int_equal(msl_smbtr_init_write(&t, MSL_BROWSE_MAILSLOT, q,
                                        (size_t)qn, MSL_SMBTR_SAMBA),
                   0);
  int sn = msl_smbtr_encode(&t, smb, sizeof(smb));
  assert_true(sn > 0);
  assert_int_equal(msl_nbname_make(&src, "MASTER", 0, NULL), 0);
  assert_int_equal(msl_nbname_make(&dst, "WG", 0, NULL), 0);
  assert_int_equal(msl_nbdgm_init(&d, MSL_NBDGM_DIRECT_GROUP, MSL_NBDGM_SNT_B,
                                  7, 0xc6120001u, 138, &src, &dst, smb,
                                  (size_t)sn),
                   0);
  if (fragment_flags)
    d.flags = (uint8_t)((d.flags & ~3u) | (unsigned)fragment_flags);
  int n = msl_nbdgm_encode(&d, buf, cap);
  assert_true(n > 0);
  return (size_t)n;
}

static void test_request(void **state) {
  fix *f = *state;
  msl_announce a;
  uint8_t req[1024], buf[2048];
  msl_nbdgm d;
  msl_browse b;
  assert_int_equal(
      msl_announce_init(&a, "HOSTA", "WG", NULL, NULL, f->rx.port, 1, 0), 0);
  size_t n = build_request(req, sizeof(req), 0);
  /* Every truncation is ignored, never schedules. */
  for (size_t k = 0; k < n; k++)
    assert_int_equal(msl_announce_input(&a, req, k, 10), 0);
  assert_int_equal(a.reply_ms, 0);
  /* A middle fragment is ignored too. */
  uint8_t frag[1024];
  size_t fn = build_request(frag, sizeof(frag), MSL_NBDGM_FLAG_MORE);
  assert_int_equal(msl_announce_input(&a, frag, fn, 10), 0);
  assert_int_equal(msl_announce_input(&a, req, n, 10), 1);
  assert_true(a.reply_ms > 10 && a.reply_ms <= 10 + MSL_ANNOUNCE_REPLY_MAX_MS);
  /* A second request while one is pending is counted, not rescheduled. */
  uint64_t due = a.reply_ms;
  assert_int_equal(msl_announce_input(&a, req, n, 11), 0);
  assert_int_equal(a.requests, 2);
  assert_int_equal(a.reply_ms, due);
  assert_int_equal(msl_announce_tick(&a, &f->snd, 10), due - 10);
  assert_true(nothing_waiting(f));
  assert_int_equal(msl_announce_tick(&a, &f->snd, due), 60000 - due);
  recv_announce(f, buf, sizeof(buf), &d, &b);
  assert_int_equal(b.opcode, MSL_BROWSE_HOST_ANNOUNCEMENT);
  /* Periodicity: the time left until the periodic one. */
  assert_int_equal(b.u.announce.periodicity_ms, 60000 - due);
  assert_int_equal(b.u.announce.comment.len, 0);
  assert_int_equal(a.reply_ms, 0);
  /* Other browse frames and garbage are ignored. */
  uint8_t junk[64];
  memset(junk, 0x41, sizeof(junk));
  assert_int_equal(msl_announce_input(&a, junk, sizeof(junk), 20), 0);
  assert_int_equal(msl_announce_input(&a, NULL, 0, 20), 0);
}

/* The test-only scale divides the intervals. */
static void test_scale(void **state) {
  (void)state;
  msl_announce a;
  setenv(MSL_ANNOUNCE_SCALE_ENV, "30", 1);
  assert_int_equal(msl_announce_init(&a, "H", "W", NULL, NULL, 138, 0, 0), 0);
  assert_int_equal(a.scale, 30);
  assert_int_equal(a.next_ms, 2000);
  setenv(MSL_ANNOUNCE_SCALE_ENV, "-4", 1);
  assert_int_equal(msl_announce_init(&a, "H", "W", NULL, NULL, 138, 0, 0), 0);
  assert_int_equal(a.scale, 1);
  unsetenv(MSL_ANNOUNCE_SCALE_ENV);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_args),
      cmocka_unit_test_setup_teardown(test_schedule, setup, teardown),
      cmocka_unit_test_setup_teardown(test_request, setup, teardown),
      cmocka_unit_test(test_scale),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
