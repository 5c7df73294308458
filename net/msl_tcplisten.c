/* TCP listeners from the kernel's tables (see msl_tcplisten.h). */
#define _GNU_SOURCE
#include "msl_tcplisten.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailslot.h"

#define TCP_LISTEN_STATE 0x0A /* TCP_LISTEN, the "st" column */

/* One table line, "sl local_address rem_address st ...": 1 when its local
 * port is `port` and its state LISTEN. The address is hex (8 digits for
 * IPv4, 32 for IPv6), then ':' and the port in hex. */
static int line_listens(const char *line, uint16_t port) {
  char local[64], remote[64];
  unsigned st;
  if (sscanf(line, "%*s %63s %63s %x", local, remote, &st) != 3 ||
      st != TCP_LISTEN_STATE)
    return 0;
  const char *colon = strrchr(local, ':');
  if (!colon)
    return 0;
  char *end;
  unsigned long p = strtoul(colon + 1, &end, 16);
  return *end == '\0' && p == port;
}

/* 1 / 0 for one table, -1 when it cannot be read. */
static int table_listens(const char *path, uint16_t port) {
  char line[512];
  FILE *f = fopen(path, "re");
  if (!f)
    return -1;
  int found = 0;
  if (fgets(line, sizeof(line), f)) /* past the header line */
    while (!found && fgets(line, sizeof(line), f))
      found = line_listens(line, port);
  fclose(f);
  return found;
}

int msl_tcp_listening(uint16_t port) {
  int v4 = table_listens("/proc/self/net/tcp", port);
  if (v4 == 1)
    return 1;
  int v6 = table_listens("/proc/self/net/tcp6", port);
  if (v6 == 1)
    return 1;
  return v4 < 0 && v6 < 0 ? MSL_ERR_SYSTEM : 0;
}
