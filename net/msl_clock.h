/* Milliseconds on the monotonic clock: the one time base of the service's
 * timers, the clients' waits and the tools' deadlines. */
#ifndef MSL_CLOCK_H
#define MSL_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t msl_now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

#endif /* MSL_CLOCK_H */
