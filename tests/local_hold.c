/*
 * Test helper for tests/check-local-tools.sh: a mailslot reader that does
 * not read. `local_hold PATH [MAX]` creates the slot, prints "ready", and
 * answers info requests (msl_serve) while messages pile up, until SIGTERM
 * or SIGINT; then, with -r, it prints the messages it held, one per line.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailslot.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) {
  (void)sig;
  g_stop = 1;
}

int main(int argc, char **argv) {
  int print = argc > 1 && !strcmp(argv[1], "-r");
  if (argc - print < 2) {
    fprintf(stderr, "usage: local_hold [-r] PATH [MAX]\n");
    return 2;
  }
  const char *path = argv[1 + print];
  uint32_t max = argc - print > 2 ? (uint32_t)strtoul(argv[2 + print], 0, 10)
                                  : 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  msl_handle *h;
  int rc = msl_create(path, max, 0, &h);
  if (rc < 0) {
    fprintf(stderr, "local_hold: %s\n", msl_strerror(rc));
    return 1;
  }
  printf("ready\n");
  fflush(stdout);
  while (!g_stop) {
    rc = msl_serve(h, 100);
    if (rc < 0 && rc != MSL_ERR_TIMEOUT) {
      fprintf(stderr, "local_hold: %s\n", msl_strerror(rc));
      break;
    }
  }
  static char buf[MSL_LOCAL_MSG_MAX];
  int n;
  while (print && (n = msl_read(h, buf, sizeof(buf))) >= 0)
    printf("%.*s\n", n, buf);
  msl_close(h);
  return 0;
}
