/* Prints the status an embedded service reports (msl_service_status), for
 * tests/check-docs.sh: the service on loopback with its name service and
 * a WINS server, so that every counter line appears.
 * status_dump DGRAM_PORT NAME_PORT */
#include <stdio.h>
#include <stdlib.h>

#include "mailslot.h"

static int set(msl_service_config *c, const char *k, const char *v) {
  int r = msl_service_config_set(c, k, v);
  if (r < 0)
    fprintf(stderr, "status_dump: %s: %s\n", k, msl_service_config_error(c));
  return r;
}

int main(int argc, char **argv) {
  msl_service_config *c;
  msl_service *s;
  static char buf[65536];
  if (argc != 3 || msl_service_config_new(&c) < 0)
    return 2;
  if (set(c, "name", "DOCCHECK") < 0 || set(c, "interface", "lo") < 0 ||
      set(c, "dgram-port", argv[1]) < 0 || set(c, "name-port", argv[2]) < 0 ||
      set(c, "wins", "127.0.0.9") < 0 || set(c, "no-control-socket", "yes") < 0)
    return 2;
  int r = msl_service_start(c, &s);
  msl_service_config_free(c);
  if (r < 0) {
    fprintf(stderr, "status_dump: %s\n", msl_strerror(r));
    return r == MSL_ERR_EXISTS ? 3 : 1;
  }
  r = msl_service_status(s, buf, sizeof(buf));
  msl_service_stop(s);
  if (r < 0)
    return 1;
  fputs(buf, stdout);
  return 0;
}
