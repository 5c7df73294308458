/* The bounded reader and writer (proto/msl_buf.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msl_buf.h"

static void test_reads_both_orders(void **state) {
  (void)state;
  static const uint8_t b[] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
                              0x11, 0x22, 0x33, 0x44, 0x55};
  msl_rd r;
  msl_rd_init(&r, b, sizeof b);
  assert_int_equal(msl_rd_u16be(&r), 0x1234);
  assert_int_equal(msl_rd_u16le(&r), 0x7856);
  assert_int_equal(msl_rd_u32be(&r), 0x9abcdef0);
  assert_int_equal(msl_rd_u32le(&r), 0x44332211);
  assert_int_equal(msl_rd_u8(&r), 0x55);
  assert_int_equal(msl_rd_left(&r), 0);
  assert_int_equal(r.err, 0);
}

static void test_sticky_error(void **state) {
  (void)state;
  static const uint8_t b[] = {1, 2, 3};
  msl_rd r;
  msl_rd_init(&r, b, sizeof b);
  assert_int_equal(msl_rd_u32le(&r), 0); /* fails: 3 bytes */
  assert_int_equal(r.err, MSL_ERR_TRUNCATED);
  assert_int_equal(r.off, 0);
  /* Later reads fail too, even ones that would fit. */
  assert_int_equal(msl_rd_u8(&r), 0);
  assert_null(msl_rd_bytes(&r, 1));
  assert_int_equal(msl_rd_left(&r), 0);
}

static void test_huge_lengths(void **state) {
  (void)state;
  static const uint8_t b[8] = {0};
  msl_rd r;
  msl_rd_init(&r, b, sizeof b);
  msl_rd_skip(&r, 4);
  /* A length near SIZE_MAX must not wrap the bounds check. */
  assert_null(msl_rd_bytes(&r, SIZE_MAX));
  assert_int_equal(r.err, MSL_ERR_TRUNCATED);
  msl_rd_init(&r, b, sizeof b);
  msl_rd_seek(&r, 9);
  assert_int_equal(r.err, MSL_ERR_TRUNCATED);
  msl_rd_init(&r, b, sizeof b);
  msl_rd_seek(&r, 8); /* the end itself is a valid position */
  assert_int_equal(r.err, 0);
  assert_int_equal(msl_rd_left(&r), 0);
}

static void test_sub_and_align(void **state) {
  (void)state;
  static const uint8_t b[] = {9, 1, 2, 3, 4, 5, 6};
  msl_rd r, s;
  msl_rd_init(&r, b, sizeof b);
  msl_rd_skip(&r, 1);
  msl_rd_align(&r, 0, 4);
  assert_int_equal(r.off, 4);
  msl_rd_init(&r, b, sizeof b);
  assert_int_equal(msl_rd_sub(&r, 3, &s), 0);
  assert_int_equal(msl_rd_left(&s), 3);
  assert_int_equal(msl_rd_u8(&s), 9);
  assert_int_equal(r.off, 3);
  assert_int_equal(msl_rd_sub(&r, 5, &s), MSL_ERR_TRUNCATED);
  assert_int_equal(msl_rd_left(&s), 0);
}

static void test_cstr(void **state) {
  (void)state;
  static const uint8_t b[] = {'a', 'b', 0, 'c', 'd', 'e'};
  msl_rd r;
  size_t n;
  msl_rd_init(&r, b, sizeof b);
  const uint8_t *s = msl_rd_cstr(&r, 10, &n);
  assert_non_null(s);
  assert_int_equal(n, 2);
  assert_int_equal(r.off, 3);
  /* No NUL before the end: truncated. */
  assert_null(msl_rd_cstr(&r, 10, &n));
  assert_int_equal(r.err, MSL_ERR_TRUNCATED);
  /* No NUL within the bound: invalid. */
  msl_rd_init(&r, b + 3, 3);
  assert_null(msl_rd_cstr(&r, 1, &n));
  assert_int_equal(r.err, MSL_ERR_INVALID);
  /* Exactly max bytes then the NUL is fine. */
  msl_rd_init(&r, b, sizeof b);
  assert_non_null(msl_rd_cstr(&r, 2, &n));
  /* Empty input. */
  msl_rd_init(&r, NULL, 5);
  assert_null(msl_rd_cstr(&r, 2, &n));
  assert_int_equal(r.err, MSL_ERR_TRUNCATED);
}

static void test_writer(void **state) {
  (void)state;
  uint8_t b[8];
  msl_wr w;
  msl_wr_init(&w, b, sizeof b);
  msl_wr_u16be(&w, 0x1234);
  msl_wr_u16le(&w, 0x1234);
  msl_wr_u32be(&w, 0xa1b2c3d4);
  assert_int_equal(msl_wr_result(&w), 8);
  static const uint8_t want[] = {0x12, 0x34, 0x34, 0x12, 0xa1, 0xb2, 0xc3, 0xd4};
  assert_memory_equal(b, want, 8);
  msl_wr_put_u16le_at(&w, 0, 0xbeef);
  assert_int_equal(b[0], 0xef);
  assert_int_equal(b[1], 0xbe);
  /* Overflow is sticky and the needed size keeps counting. */
  msl_wr_u32le(&w, 1);
  msl_wr_zeros(&w, 3);
  assert_int_equal(w.err, MSL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(w.off, 15);
  assert_int_equal(msl_wr_result(&w), MSL_ERR_BUFFER_TOO_SMALL);
  /* A size query with no buffer. */
  msl_wr_init(&w, NULL, 100);
  msl_wr_cstr(&w, "abc", 3);
  assert_int_equal(w.off, 4);
  assert_int_equal(w.err, MSL_ERR_BUFFER_TOO_SMALL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reads_both_orders),
      cmocka_unit_test(test_sticky_error),
      cmocka_unit_test(test_huge_lengths),
      cmocka_unit_test(test_sub_and_align),
      cmocka_unit_test(test_cstr),
      cmocka_unit_test(test_writer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
