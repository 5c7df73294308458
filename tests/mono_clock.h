/* The monotonic clock in seconds, for the benchmarks and the flood tool
 * (programs on the public API only: no library internals here). */
#ifndef MSL_TEST_MONO_CLOCK_H
#define MSL_TEST_MONO_CLOCK_H

#include <time.h>

static inline double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif /* MSL_TEST_MONO_CLOCK_H */
