/*
 * `mailslot status [--json]`: the running mailslotd's counters, name
 * states and relay links, as `mailslotd --status` prints them (JSON:
 * tools/status_json.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "mailslot.h"
#include "status_json.h"

int cmd_status(int argc, char **argv) {
  enum { STATUS_MAX = 65536 };
  int json = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json"))
      json = 1;
    else {
      int help = !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
      fprintf(help ? stdout : stderr,
              "usage: mailslot status [--json]\nThe running mailslotd's "
              "counters, names and relay links.\n");
      return help ? EXIT_OK : EXIT_USAGE;
    }
  }
  char *buf = malloc(STATUS_MAX);
  int n = buf ? msl_service_query_status(buf, STATUS_MAX) : MSL_ERR_NOMEM;
  if (n < 0) {
    fprintf(stderr, "mailslot status: %s\n", msl_strerror(n));
    free(buf);
    return EXIT_FAILED;
  }
  if (json)
    status_to_json(buf, stdout);
  else
    fputs(buf, stdout);
  free(buf);
  return EXIT_OK;
}
