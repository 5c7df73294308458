/*
 * net/msl_udp.c: msl_udp_send_many over loopback. Runs of equal-length
 * datagrams to one address go as one segmented send (UDP_SEGMENT); every
 * datagram must still arrive alone, whole and in order, whatever the mix
 * of lengths and destinations, and the same without segmentation.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/udp.h>
#include <poll.h>

#include <cmocka.h>

#include "msl_udp.h"

#define N MSL_UDP_OUT_MAX

typedef struct fix {
  msl_udp tx, rx1, rx2;
  uint8_t data[N][2048];
  msl_udp_out v[N];
} fix;

/* The three sockets of f, to open or close them alike. */
#define SOCKETS(f) {&(f)->tx, &(f)->rx1, &(f)->rx2}

static int setup(void **state) {
  fix *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  msl_udp *all[] = SOCKETS(f);
  for (size_t i = 0; i < 3; i++)
    assert_int_equal(msl_udp_open(all[i], 0x7f000001u, 0), 0);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fix *f = *state;
  msl_udp *all[] = SOCKETS(f);
  for (size_t i = 0; i < 3; i++)
    msl_udp_close(all[i]);
  free(f);
  return 0;
}

/* Datagram i: len bytes, each (i * 7 + offset) & 0xff, to rx's port. */
static void put(fix *f, size_t i, size_t len, const msl_udp *rx) {
  for (size_t k = 0; k < len; k++)
    f->data[i][k] = (uint8_t)(i * 7 + k);
  f->v[i] = (msl_udp_out){f->data[i], len, 0x7f000001u, rx->port, 0, 0};
}

/* Receives the datagrams v[] addressed to rx, in order, each alone. */
static void expect_at(fix *f, msl_udp *rx, size_t n) {
  uint8_t buf[2100];
  for (size_t i = 0; i < n; i++) {
    if (f->v[i].port != rx->port)
      continue;
    struct pollfd pf = {rx->fd, POLLIN, 0};
    msl_udp_msg m = {.buf = buf, .cap = sizeof(buf)};
    assert_int_equal(poll(&pf, 1, 2000), 1);
    assert_int_equal(msl_udp_recv(rx, &m, 1), 1);
    assert_false(m.truncated);
    assert_int_equal(m.len, f->v[i].len);
    assert_memory_equal(buf, f->data[i], m.len);
    assert_int_equal(m.src_port, f->tx.port);
  }
  struct pollfd pf = {rx->fd, POLLIN, 0};
  assert_int_equal(poll(&pf, 1, 50), 0); /* nothing more */
}

/* A mix: a run of 20 equal ones, one shorter (ends that run), a run to
 * the other port, one over an Ethernet frame, single ones, a run cut by
 * a longer datagram, and a full-size run at the end. */
static size_t fill_mix(fix *f) {
  size_t i = 0;
  for (; i < 20; i++)
    put(f, i, 374, &f->rx1);
  put(f, i++, 100, &f->rx1);
  for (size_t k = 0; k < 6; k++)
    put(f, i++, 374, &f->rx2);
  put(f, i++, 1800, &f->rx1);
  put(f, i++, 1, &f->rx1);
  put(f, i++, 0, &f->rx2);
  for (size_t k = 0; k < 5; k++)
    put(f, i++, k == 2 ? 600 : 500, &f->rx1);
  while (i < N)
    put(f, i++, 1472, &f->rx2);
  return i;
}

static void test_send_many_mix(void **state) {
  fix *f = *state;
  size_t n = fill_mix(f);
  assert_int_equal(msl_udp_send_many(&f->tx, f->v, n), (int)n);
#ifdef UDP_SEGMENT
  assert_int_equal(f->tx.gso_off, 0); /* loopback segments: it was used */
#endif
  expect_at(f, &f->rx1, n);
  expect_at(f, &f->rx2, n);
}

/* Where the kernel refuses segmentation the sends go one by one: the
 * same datagrams arrive. */
static void test_send_many_unsegmented(void **state) {
  fix *f = *state;
  size_t n = fill_mix(f);
  f->tx.gso_off = 1;
  assert_int_equal(msl_udp_send_many(&f->tx, f->v, n), (int)n);
  expect_at(f, &f->rx1, n);
  expect_at(f, &f->rx2, n);
}

static void test_send_many_args(void **state) {
  fix *f = *state;
  assert_int_equal(msl_udp_send_many(NULL, f->v, 1), MSL_ERR_ARG);
  assert_int_equal(msl_udp_send_many(&f->tx, NULL, 1), MSL_ERR_ARG);
  assert_int_equal(msl_udp_send_many(&f->tx, f->v, N + 1), MSL_ERR_ARG);
  assert_int_equal(msl_udp_send_many(&f->tx, f->v, 0), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_send_many_mix, setup, teardown),
      cmocka_unit_test_setup_teardown(test_send_many_unsegmented, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_send_many_args, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
