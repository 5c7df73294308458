/*
 * Shared by the tests of the datagram service's receive path and of the
 * delivery to local slots (test_dgram_service.c, test_deliver.c): a
 * private run directory, a datagram service whose sink is a real
 * deliverer (local/msl_deliver.h), datagrams built with the codec, and
 * readers. Include after cmocka.h.
 */
#ifndef MSL_TEST_DGRAM_UTIL_H
#define MSL_TEST_DGRAM_UTIL_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msl_deliver.h"
#include "test_util.h"
#include "msl_dgram_service.h"

/* Not every test file uses every helper. */
#define UTIL_FN static __attribute__((unused))

static char rundir[64];

UTIL_FN int setup_all(void **state) {
  (void)state;
  return test_tmpdir(rundir, sizeof(rundir), "dgs", "MAILSLOT_RUNDIR");
}

UTIL_FN int teardown_all(void **state) {
  (void)state;
  return rmdir(rundir) == 0 ? 0 : -1; /* every slot was closed */
}

/* The deliverer behind the service under test (one at a time). */
static msl_deliver *g_dl;
static int g_dirfd = -1;

/* A service named HOSTA in LABWG (c: NULL, or the caller's config, whose
 * sink is set here) delivering through a deliverer with cfg's limits. */
UTIL_FN msl_dgram *new_service_ex(msl_dgram_config *c,
                                 const msl_deliver_config *limits) {
  msl_dgram_config dflt;
  msl_deliver_config dc;
  msl_dgram *d = NULL;
  if (!c) {
    memset(&dflt, 0, sizeof(dflt));
    dflt.name = "hosta"; /* upper-cased like Windows registers it */
    dflt.workgroup = "LABWG";
    c = &dflt;
  }
  if (limits)
    dc = *limits;
  else
    memset(&dc, 0, sizeof(dc));
  assert_null(g_dl);
  g_dirfd = open(rundir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  assert_true(g_dirfd >= 0);
  dc.dir_fd = g_dirfd;
  assert_int_equal(msl_deliver_new(&dc, &g_dl), 0);
  c->sink = msl_deliver_sink(g_dl);
  assert_int_equal(msl_dgram_new(&d, c), 0);
  return d;
}

UTIL_FN msl_dgram *new_service(const char *scope) {
  msl_dgram_config c;
  memset(&c, 0, sizeof(c));
  c.name = "hosta";
  c.workgroup = "LABWG";
  c.scope = scope;
  return new_service_ex(&c, NULL);
}

UTIL_FN void free_service(msl_dgram *d) {
  msl_dgram_free(d);
  msl_deliver_free(g_dl);
  g_dl = NULL;
  close(g_dirfd);
  g_dirfd = -1;
}

/* What became of the messages (the deliverer's counters). */
UTIL_FN const msl_deliver_counters *dlc(void) {
  return msl_deliver_counters_get(g_dl);
}

/* Messages held now (and their bytes). */
UTIL_FN size_t held_now(size_t *bytes) { return msl_deliver_held(g_dl, bytes); }

/* Builds a datagram for mailslot `slot` (e.g. "\\MAILSLOT\\TEST") into out;
 * returns its length. */
UTIL_FN size_t build(uint8_t *out, size_t cap, uint8_t type, uint16_t id,
                    const char *dst, uint8_t sfx, const char *slot,
                    const void *data, size_t len) {
  static uint8_t smb[70000];
  msl_smbtr t;
  msl_nbdgm g;
  msl_nbname src, dn;
  assert_int_equal(msl_nbname_make(&src, "SENDER", 0, NULL), 0);
  assert_int_equal(msl_nbname_make(&dn, dst, sfx, NULL), 0);
  assert_int_equal(msl_smbtr_init_write(&t, slot, data, len,
                                        MSL_SMBTR_WINDOWS_CLIENT),
                   0);
  t.flags |= MSL_SMBTR_F_NOLIMIT;
  int n = msl_smbtr_encode(&t, smb, sizeof(smb));
  assert_true(n > 0);
  assert_int_equal(msl_nbdgm_init(&g, type, MSL_NBDGM_SNT_B, id, 0xc6120005,
                                  138, &src, &dn, smb, (size_t)n),
                   0);
  n = msl_nbdgm_encode(&g, out, cap);
  assert_true(n > 0);
  return (size_t)n;
}

/* Builds a datagram of type to dst<sfx> carrying text for slot, and gives
 * it to d as from 0.0.0.1:138 at now (ms); returns d's verdict. */
UTIL_FN int input_text(msl_dgram *d, uint8_t type, uint16_t id,
                       const char *dst, uint8_t sfx, const char *slot,
                       const char *text, uint64_t now) {
  uint8_t pkt[1024];
  size_t n = build(pkt, sizeof(pkt), type, id, dst, sfx, slot, text,
                   strlen(text));
  return msl_dgram_input(d, pkt, n, 1, 138, now);
}

UTIL_FN msl_handle *reader(const char *path, uint32_t max) {
  msl_handle *h = NULL;
  assert_int_equal(msl_create(path, max, 0, &h), 0);
  return h;
}

/* Reads one message (must be there) and returns its length. */
UTIL_FN int take(msl_handle *h, void *buf, size_t cap, msl_msg_info *info) {
  return msl_read_ex(h, buf, cap, info, 1000);
}

/* Feeds message number seq ("MSLSEQ" + seq) for slot into d. */
UTIL_FN int feed(msl_dgram *d, const char *slot, uint32_t seq, size_t len,
                uint64_t now) {
  uint8_t pkt[4096], msg[2048];
  assert_true(len >= 10 && len <= sizeof(msg));
  memset(msg, 'x', len);
  memcpy(msg, "MSLSEQ", 6);
  memcpy(msg + 6, &seq, 4);
  size_t n = build(pkt, sizeof(pkt), MSL_NBDGM_DIRECT_UNIQUE,
                   (uint16_t)(seq * 7 + 1), "HOSTA", 0, slot, msg, len);
  return msl_dgram_input(d, pkt, n, 0xc6120005, 138, now);
}

/* Reads what r has without waiting; checks the sequence continues from
 * *next. Returns the number read. */
UTIL_FN int drain_seq(msl_handle *r, uint32_t *next) {
  uint8_t buf[4096];
  int got = 0;
  for (;;) {
    int n = msl_read_ex(r, buf, sizeof(buf), NULL, 0);
    if (n == MSL_ERR_TIMEOUT)
      return got;
    assert_true(n >= 10);
    uint32_t seq;
    memcpy(&seq, buf + 6, 4);
    assert_int_equal(seq, *next);
    (*next)++;
    got++;
  }
}

#endif /* MSL_TEST_DGRAM_UTIL_H */
