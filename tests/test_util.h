/* Helpers shared by the cmocka tests (include after <cmocka.h>). */
#ifndef MSL_TEST_UTIL_H
#define MSL_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Parses pairs of hex digits into out (at most cap bytes); returns the
 * count. A pair that is not hex fails the running test. */
static inline size_t unhex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = 0;
  for (; hex[0] && hex[1] && n < cap; hex += 2) {
    unsigned v;
    assert_int_equal(sscanf(hex, "%2x", &v), 1);
    out[n++] = (uint8_t)v;
  }
  return n;
}

/* A string and whether a predicate must accept it (1) or refuse it (0). */
typedef struct str_verdict {
  const char *s;
  int ok;
} str_verdict;

/* Checks pred against every row of the table v (n rows). */
static inline void assert_verdicts(int (*pred)(const char *),
                                   const str_verdict *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!pred(v[i].s) != !v[i].ok)
      fail_msg("\"%s\": %s, not %s", v[i].s ? v[i].s : "(null)",
               v[i].ok ? "refused" : "accepted",
               v[i].ok ? "accepted" : "refused");
}

/* How many elements the array a has. */
#define ARRAY_LEN(a) (sizeof(a) / sizeof(*(a)))

/* A code and the name a naming function must give it. */
typedef struct code_name {
  unsigned code;
  const char *name;
} code_name;

/* Checks name_of against every row of the table t (n rows). */
static inline void assert_code_names(const char *(*name_of)(unsigned),
                                     const code_name *t, size_t n) {
  for (size_t i = 0; i < n; i++)
    assert_string_equal(name_of(t[i].code), t[i].name);
}

/* Makes a new directory /tmp/msl-TAG-XXXXXX, its name in dir (cap bytes);
 * with env, sets that variable to it (MAILSLOT_RUNDIR). 0, or -1. */
static inline int test_tmpdir(char *dir, size_t cap, const char *tag,
                              const char *env) {
  snprintf(dir, cap, "/tmp/msl-%s-XXXXXX", tag);
  if (!mkdtemp(dir))
    return -1;
  return env ? setenv(env, dir, 1) : 0;
}

/* Removes dir and everything in it (rm -rf). 0, or -1. */
static inline int test_rmtree(const char *dir) {
  char cmd[512];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

#endif /* MSL_TEST_UTIL_H */
