/* getrandom(2) wrapper (see msl_random.h). */
#define _GNU_SOURCE
#include "msl_random.h"

#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

#include "mailslot.h"

int msl_random_bytes(void *buf, size_t len) {
  uint8_t *p = buf;
  size_t got = 0;
  if (!buf && len)
    return MSL_ERR_ARG;
  while (got < len) {
    ssize_t n = getrandom(p + got, len - got, 0);
    if (n < 0 && errno == EINTR)
      continue; /* a signal before any byte: ask again */
    if (n <= 0)
      return MSL_ERR_SYSTEM;
    got += (size_t)n; /* large requests may come back short */
  }
  return 0;
}
