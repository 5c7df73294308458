/*
 * Delivery of network messages to local slots (local/msl_deliver.c),
 * driven through the datagram service's receive path as the service
 * drives it: holding for slow readers (order, caps, stalls, readers that
 * go away), each slot's and each owner's share of what may be held, and
 * which slots admit network messages at all (group write, no symlink, one
 * owner). Private run directory, no network traffic.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dgram_util.h"

/* A service whose deliverer has the given caps and no per-slot or
 * per-owner share (the global caps alone: one slot may fill them). */
static msl_dgram *new_limited(size_t max, size_t bytes, uint32_t stall) {
  msl_deliver_config lim;
  memset(&lim, 0, sizeof(lim));
  lim.held_max = max;
  lim.held_bytes = bytes;
  lim.stall_ms = stall;
  lim.slot_share = lim.owner_share = 1;
  return new_service_ex(NULL, &lim);
}

/* A reader that does not read: its messages are held, the slot is polled
 * for POLLOUT, and once it reads they arrive, all and in order. */
static void test_held_in_order(void **state) {
  (void)state;
  const uint32_t total = 2000;
  msl_dgram *d = new_service(NULL);
  msl_handle *r = reader("\\\\.\\mailslot\\slow", 0);
  uint32_t held = 0;
  for (uint32_t i = 0; i < total; i++) {
    int v = feed(d, "\\MAILSLOT\\SLOW", i, 100, 1000);
    assert_true(v == MSL_DGRAM_DELIVERED || v == MSL_DGRAM_HELD);
    held += v == MSL_DGRAM_HELD;
  }
  assert_true(held > 0);
  size_t bytes;
  assert_int_equal(held_now(&bytes), held);
  assert_true(bytes >= (size_t)held * 100);
  struct pollfd pf[MSL_DELIVER_WRITERS];
  assert_int_equal(msl_dgram_pollfds(d, pf, MSL_DELIVER_WRITERS), 1);
  assert_int_equal(pf[0].events, POLLOUT);
  assert_int_equal(poll(pf, 1, 0), 0); /* full: not writable */
  assert_false(msl_dgram_backlogged(d, 1));
  /* Nothing moves without a flush, and a tick before the stall bound
   * drops nothing. */
  assert_true(msl_dgram_tick(d, 2000) <= MSL_DELIVER_STALL_MS);
  assert_int_equal(held_now(NULL), held);
  uint32_t next = 0;
  int rounds = 0;
  while (next < total) {
    assert_true(drain_seq(r, &next) > 0);
    if (held_now(NULL)) {
      assert_int_equal(msl_dgram_pollfds(d, pf, MSL_DELIVER_WRITERS), 1);
      assert_int_equal(poll(pf, 1, 1000), 1); /* writable after reading */
      assert_true(pf[0].revents & POLLOUT);
      msl_dgram_flush(d, 3000);
    }
    assert_true(++rounds < 100000);
  }
  assert_int_equal(drain_seq(r, &next), 0);
  assert_int_equal(held_now(&bytes), 0);
  assert_int_equal(bytes, 0);
  assert_int_equal(msl_dgram_pollfds(d, pf, MSL_DELIVER_WRITERS), 0);
  const msl_deliver_counters *c = dlc();
  assert_int_equal(c->delivered, total);
  assert_int_equal(c->deferred, held);
  assert_int_equal(c->queue_full, 0);
  char txt[4096];
  assert_true(msl_dgram_format_counters(d, txt, sizeof(txt)) > 0);
  assert_non_null(strstr(txt, "\ndeferred "));
  assert_non_null(strstr(txt, "\npending_messages 0\n"));
  msl_close(r);
  free_service(d);
}

/* Another slot is not held behind a backlogged one. */
static void test_held_other_slot(void **state) {
  (void)state;
  msl_dgram *d = new_service(NULL);
  msl_handle *slow = reader("\\\\.\\mailslot\\slow", 0);
  msl_handle *fast = reader("\\\\.\\mailslot\\fast", 0);
  uint32_t i = 0, next = 0;
  while (feed(d, "\\MAILSLOT\\SLOW", i, 64, 0) != MSL_DGRAM_HELD)
    assert_true(++i < 100000);
  for (uint32_t k = 0; k < 50; k++) {
    assert_int_equal(feed(d, "\\MAILSLOT\\FAST", k, 64, 0),
                     MSL_DGRAM_DELIVERED);
    assert_int_equal(drain_seq(fast, &next), 1);
  }
  assert_int_equal(held_now(NULL), 1);
  msl_close(slow);
  msl_close(fast);
  free_service(d);
}

/* The caps on held messages and bytes: past them a message is dropped as
 * queue_full, and msl_dgram_backlogged tells the caller to stop reading
 * before that. */
static void test_held_caps(void **state) {
  (void)state;
  /* Count cap. */
  msl_dgram *d = new_limited(100, 0, 0);
  msl_handle *r = reader("\\\\.\\mailslot\\capped", 0);
  uint32_t i = 0, delivered = 0, held = 0, dropped = 0;
  for (; i < 3000; i++) {
    int v = feed(d, "\\MAILSLOT\\CAPPED", i, 50, 0);
    delivered += v == MSL_DGRAM_DELIVERED;
    held += v == MSL_DGRAM_HELD;
    dropped += v == MSL_DGRAM_DROPPED;
    assert_true(held_now(NULL) <= 100);
  }
  assert_int_equal(held, 100);
  assert_int_equal(delivered + held + dropped, 3000);
  assert_int_equal(dlc()->queue_full, dropped);
  assert_true(msl_dgram_backlogged(d, 1));
  /* The held ones still arrive, in order, right after the delivered ones. */
  uint32_t next = 0;
  drain_seq(r, &next);
  assert_int_equal(next, delivered);
  for (msl_dgram_flush(d, 0); held_now(NULL); msl_dgram_flush(d, 0))
    drain_seq(r, &next);
  drain_seq(r, &next);
  assert_int_equal(next, delivered + held);
  assert_false(msl_dgram_backlogged(d, 1));
  msl_close(r);
  free_service(d);

  /* Byte cap: 1000-byte messages, 64 KiB. */
  const size_t cap = 64 * 1024;
  d = new_limited(0, cap, 0);
  r = reader("\\\\.\\mailslot\\capped", 0);
  held = dropped = 0;
  for (i = 0; i < 2000; i++) {
    int v = feed(d, "\\MAILSLOT\\CAPPED", i, 1000, 0);
    held += v == MSL_DGRAM_HELD;
    dropped += v == MSL_DGRAM_DROPPED;
    size_t bytes;
    held_now(&bytes);
    assert_true(bytes <= cap);
  }
  assert_true(held > 0 && held < cap / 1000 + 1);
  assert_true(dropped > 0);
  /* With a 64 KiB cap one worst-case datagram may not fit: backlogged. */
  assert_true(msl_dgram_backlogged(d, 1));
  msl_close(r);
  free_service(d);
}

/* A reader that closes with messages held: they are dropped and counted
 * (reader_gone) at the next flush. */
static void test_held_reader_gone(void **state) {
  (void)state;
  msl_dgram *d = new_service(NULL);
  msl_handle *r = reader("\\\\.\\mailslot\\gone", 0);
  uint32_t i = 0, held = 0;
  for (; i < 500; i++)
    held += feed(d, "\\MAILSLOT\\GONE", i, 40, 0) == MSL_DGRAM_HELD;
  assert_true(held > 0);
  struct pollfd pf[MSL_DELIVER_WRITERS];
  assert_int_equal(msl_dgram_pollfds(d, pf, MSL_DELIVER_WRITERS), 1);
  msl_close(r);
  /* The closed reader wakes the poller. */
  assert_int_equal(poll(pf, 1, 1000), 1);
  msl_dgram_flush(d, 0);
  const msl_deliver_counters *c = dlc();
  assert_int_equal(c->reader_gone, held);
  assert_int_equal(c->queue_full, 0);
  assert_int_equal(held_now(NULL), 0);
  assert_false(msl_dgram_backlogged(d, 32));
  /* No reader now: a plain no_mailslot. */
  assert_int_equal(feed(d, "\\MAILSLOT\\GONE", i, 40, 0),
                   MSL_DGRAM_NO_MAILSLOT);
  free_service(d);
}

/* A reader that never reads: after stall_ms without progress its held
 * messages are dropped (queue_full, stalls) and the caps free again. */
static void test_held_stall(void **state) {
  (void)state;
  msl_dgram *d = new_limited(50, 0, 200);
  msl_handle *r = reader("\\\\.\\mailslot\\stuck", 0);
  uint32_t i = 0, held = 0, dropped = 0;
  for (; i < 1000; i++) {
    int v = feed(d, "\\MAILSLOT\\STUCK", i, 40, 1000);
    held += v == MSL_DGRAM_HELD;
    dropped += v == MSL_DGRAM_DROPPED;
  }
  assert_int_equal(held, 50);
  assert_true(msl_dgram_backlogged(d, 1));
  /* The next deadline is the stall bound. */
  assert_int_equal(msl_dgram_tick(d, 1100), 100);
  msl_dgram_flush(d, 1100); /* still full */
  assert_int_equal(held_now(NULL), 50);
  assert_int_equal(msl_dgram_tick(d, 1199), 1);
  assert_int_equal(msl_dgram_tick(d, 1200), UINT64_MAX);
  const msl_deliver_counters *c = dlc();
  assert_int_equal(c->stalls, 1);
  assert_int_equal(c->queue_full, dropped + 50);
  assert_int_equal(held_now(NULL), 0);
  assert_false(msl_dgram_backlogged(d, 1));
  /* Reading resumes: once the reader reads, new messages flow again. */
  uint32_t next = 0;
  uint8_t buf[128];
  while (msl_read_ex(r, buf, sizeof(buf), NULL, 0) > 0)
    next++;
  assert_true(next > 0);
  assert_int_equal(feed(d, "\\MAILSLOT\\STUCK", i, 40, 1300),
                   MSL_DGRAM_DELIVERED);
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 0), 40);
  msl_close(r);
  free_service(d);
}

/* ---- shares: a stopped reader, or one owner, cannot hold it all ---- */

/* The attack: a reader that stops reading while its slot is flooded used
 * to take every held-message place; the service then stopped reading the
 * network and every other slot starved. Now the slot holds its share,
 * the rest is dropped (quota_drops), and the service keeps reading. */
static void test_stopped_reader_share(void **state) {
  (void)state;
  msl_dgram *d = new_service(NULL);
  msl_handle *stopped = reader("\\\\.\\mailslot\\stopped", 0);
  msl_handle *other = reader("\\\\.\\mailslot\\other", 0);
  uint32_t held = 0, next = 0;
  for (uint32_t i = 0; i < MSL_DELIVER_HELD_MAX; i++) {
    held += feed(d, "\\MAILSLOT\\STOPPED", i, 64, 0) == MSL_DGRAM_HELD;
    assert_false(msl_dgram_backlogged(d, 32));
  }
  assert_int_equal(held, MSL_DELIVER_HELD_MAX / MSL_DELIVER_SLOT_SHARE);
  assert_true(dlc()->quota_drops > 0);
  assert_int_equal(dlc()->quota_drops, dlc()->queue_full);
  /* Another slot's messages all arrive, at once. */
  for (uint32_t k = 0; k < 500; k++) {
    assert_int_equal(feed(d, "\\MAILSLOT\\OTHER", k, 64, 0),
                     MSL_DGRAM_DELIVERED);
    assert_int_equal(drain_seq(other, &next), 1);
  }
  msl_close(stopped);
  msl_close(other);
  free_service(d);
}

/* One owner's many stopped slots hold at most the owner's share, so the
 * global caps -- where the service stops reading -- stay out of reach. */
static void test_owner_share(void **state) {
  (void)state;
  msl_dgram *d = new_service(NULL);
  msl_handle *r[6];
  char path[64], slot[64];
  size_t held = 0;
  for (int k = 0; k < 6; k++) {
    snprintf(path, sizeof(path), "\\\\.\\mailslot\\own%d", k);
    r[k] = reader(path, 0);
  }
  for (uint32_t i = 0; i < 4 * MSL_DELIVER_HELD_MAX; i++) {
    snprintf(slot, sizeof(slot), "\\MAILSLOT\\OWN%u", i % 6);
    held += feed(d, slot, i, 40, 0) == MSL_DGRAM_HELD;
  }
  assert_int_equal(held_now(NULL), held);
  assert_true(held <= MSL_DELIVER_HELD_MAX / MSL_DELIVER_OWNER_SHARE);
  assert_true(held > MSL_DELIVER_HELD_MAX / MSL_DELIVER_SLOT_SHARE);
  assert_false(msl_dgram_backlogged(d, 32));
  for (int k = 0; k < 6; k++)
    msl_close(r[k]);
  free_service(d);
}

/* ---- which slots admit network messages ---- */

/* The stem of a one-component name, as msl_path_file_stem makes it. */
static void slot_file(char *out, size_t cap, const char *stem,
                      const char *ext) {
  snprintf(out, cap, "%s/%s.%s", rundir, stem, ext);
}

/* A socket planted as a symlink to another slot's socket: never followed,
 * and nothing reaches the slot it points to. (Before: the service
 * connected through the link, as root into root-only sockets.) */
static void test_symlink_socket_refused(void **state) {
  (void)state;
  char lock[256], sock[256], target[256];
  uint8_t buf[64];
  msl_dgram *d = new_service(NULL);
  msl_handle *victim = reader("\\\\.\\mailslot\\victim", 0);
  slot_file(target, sizeof(target), "VICTIM", "sock");
  slot_file(lock, sizeof(lock), "PLANTED", "lock");
  slot_file(sock, sizeof(sock), "PLANTED", "sock");
  FILE *f = fopen(lock, "w");
  assert_non_null(f);
  fputs("mailslot 1 max=0 timeout=0 pid=1\n", f);
  fclose(f);
  assert_int_equal(chmod(lock, 0644), 0);
  assert_int_equal(symlink(target, sock), 0);
  assert_int_equal(feed(d, "\\MAILSLOT\\PLANTED", 1, 20, 0),
                   MSL_DGRAM_DROPPED);
  assert_int_equal(dlc()->refused, 1);
  assert_int_equal(msl_read_ex(victim, buf, sizeof(buf), NULL, 0),
                   MSL_ERR_TIMEOUT);
  /* The real slot still gets its own messages. */
  assert_int_equal(feed(d, "\\MAILSLOT\\VICTIM", 2, 20, 0),
                   MSL_DGRAM_DELIVERED);
  unlink(sock);
  unlink(lock);
  msl_close(victim);
  free_service(d);
}

/* Another user's slot: delivered through group write in the run
 * directory's group, refused when its owner took group write away, and
 * refused when the socket is not the lock file owner's. Needs root (to
 * hand files to another user); the service then does not deliver by its
 * own privilege either. */
static void test_slot_permissions(void **state) {
  (void)state;
  char lock[256], sock[256];
  uint8_t buf[64];
  struct stat dir;
  if (geteuid() != 0)
    skip();
  assert_int_equal(stat(rundir, &dir), 0);
  msl_dgram *d = new_service(NULL);
  msl_handle *r = reader("\\\\.\\mailslot\\users", 0);
  slot_file(lock, sizeof(lock), "USERS", "lock");
  slot_file(sock, sizeof(sock), "USERS", "sock");
  /* uid 4242's slot, the run directory's group may write: delivered. */
  assert_int_equal(chown(lock, 4242, dir.st_gid), 0);
  assert_int_equal(chown(sock, 4242, dir.st_gid), 0);
  assert_int_equal(chmod(sock, 0620), 0);
  assert_int_equal(feed(d, "\\MAILSLOT\\USERS", 1, 20, 0),
                   MSL_DGRAM_DELIVERED);
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 0), 20);
  /* Its owner made it private: refused, although we are root. */
  assert_int_equal(chmod(sock, 0600), 0);
  free_service(d); /* forget the open handle */
  d = new_service(NULL);
  assert_int_equal(feed(d, "\\MAILSLOT\\USERS", 2, 20, 0), MSL_DGRAM_DROPPED);
  assert_int_equal(dlc()->refused, 1);
  /* Socket and lock of different users: refused. */
  assert_int_equal(chmod(sock, 0622), 0);
  assert_int_equal(chown(sock, 4343, dir.st_gid), 0);
  assert_int_equal(feed(d, "\\MAILSLOT\\USERS", 3, 20, 0), MSL_DGRAM_DROPPED);
  assert_int_equal(dlc()->refused, 2);
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 0),
                   MSL_ERR_TIMEOUT);
  msl_close(r);
  free_service(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_held_in_order),
      cmocka_unit_test(test_held_other_slot),
      cmocka_unit_test(test_held_caps),
      cmocka_unit_test(test_held_reader_gone),
      cmocka_unit_test(test_held_stall),
      cmocka_unit_test(test_stopped_reader_share),
      cmocka_unit_test(test_owner_share),
      cmocka_unit_test(test_symlink_socket_refused),
      cmocka_unit_test(test_slot_permissions),
  };
  return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
