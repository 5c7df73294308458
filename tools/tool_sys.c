#define _GNU_SOURCE
#include "tool_sys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "cmd.h"

uint64_t tool_now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

void tool_random(void *buf, size_t len) {
  uint8_t *p = buf;
  while (len > 0) {
    ssize_t n = getrandom(p, len, 0); /* blocks only until seeded */
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      perror("mailslot: getrandom");
      exit(EXIT_FAILED);
    }
    p += n;
    len -= (size_t)n;
  }
}
