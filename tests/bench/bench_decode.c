/*
 * make bench: full decodes per second of the captures' mailslot datagrams
 * (datagram header + names, SMB transaction, mailslot name, browser or
 * netlogon payload), beside a memcpy of the same bytes measured in the same
 * run. Also the name-service decoder on the captures' UDP 137 packets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <dirent.h>

#include "pcap_walk.h"
#include "msl_proto.h"
#include "../mono_clock.h"

#define MAX_PKTS 4096

struct pkt {
  uint8_t *p;
  size_t len;
};

static struct pkt dgms[MAX_PKTS], nss[MAX_PKTS];
static size_t ndgm, nns;
static volatile size_t sink;

static int collect(const struct walk_pkt *w, void *user) {
  (void)user;
  int dgm = w->sport == 138 || w->dport == 138;
  int ns = w->sport == 137 || w->dport == 137;
  struct pkt *set = dgm ? dgms : ns ? nss : NULL;
  size_t *n = dgm ? &ndgm : &nns;
  if (!set || *n >= MAX_PKTS || w->truncated)
    return 0;
  if (dgm) { /* keep only datagrams that fully decode: the measured path */
    msl_nbdgm d;
    msl_smbtr s;
    if (msl_nbdgm_decode(&d, w->payload, w->len) ||
        msl_smbtr_decode(&s, d.data.ptr, d.data.len))
      return 0;
  }
  set[*n].p = malloc(w->len);
  if (!set[*n].p)
    return 1;
  memcpy(set[*n].p, w->payload, w->len);
  set[*n].len = w->len;
  (*n)++;
  return 0;
}

/* One full decode of a mailslot datagram, down to its payload. */
static size_t full_decode(const struct pkt *k) {
  msl_nbdgm d;
  msl_smbtr s;
  if (msl_nbdgm_decode(&d, k->p, k->len) ||
      msl_smbtr_decode(&s, d.data.ptr, d.data.len))
    return 0;
  if (s.name.len > 16 && !strncasecmp((const char *)s.name.ptr,
                                      "\\MAILSLOT\\BROWSE", 16)) {
    msl_browse b;
    return msl_browse_decode(&b, s.data.ptr, s.data.len) == 0 ? b.opcode : 0;
  }
  if (s.name.len > 14 && !strncasecmp((const char *)s.name.ptr,
                                      "\\MAILSLOT\\NET\\", 14)) {
    msl_netlogon n;
    return msl_netlogon_decode(&n, s.data.ptr, s.data.len) == 0 ? 1 : 0;
  }
  return s.data.len;
}

static size_t nbns_decode(const struct pkt *k) {
  msl_nbns n;
  return msl_nbns_decode(&n, k->p, k->len) == 0 ? n.trn_id : 0;
}

static size_t copy_bytes(const struct pkt *k) {
  static uint8_t buf[2048];
  size_t n = k->len < sizeof buf ? k->len : sizeof buf;
  memcpy(buf, k->p, n);
  return buf[n / 2];
}

/* Runs fn over the set for about `secs` seconds; returns calls per second. */
static double rate(size_t (*fn)(const struct pkt *), const struct pkt *set,
                   size_t n, double secs) {
  size_t calls = 0;
  double t0 = now_s(), t;
  do {
    for (int rep = 0; rep < 64; rep++)
      for (size_t i = 0; i < n; i++)
        sink += fn(&set[i]);
    calls += 64 * n;
    t = now_s();
  } while (t - t0 < secs);
  return (double)calls / (t - t0);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : getenv("MSL_CAPTURES_DIR");
  if (!dir)
    dir = "captures";
  DIR *d = opendir(dir);
  if (!d) {
    perror(dir);
    return 1;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strstr(e->d_name, ".pcap"))
      continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    pcap_walk(path, collect, NULL);
  }
  closedir(d);
  if (!ndgm || !nns) {
    fprintf(stderr, "bench: no packets found under %s\n", dir);
    return 1;
  }
  size_t bytes = 0;
  for (size_t i = 0; i < ndgm; i++)
    bytes += dgms[i].len;
  printf("bench_decode: %zu mailslot datagrams (%zu bytes), %zu name-service "
         "packets from %s\n", ndgm, bytes, nns, dir);
  double base = rate(copy_bytes, dgms, ndgm, 1.0);
  double full = rate(full_decode, dgms, ndgm, 1.0);
  double ns = rate(nbns_decode, nss, nns, 1.0);
  double nsbase = rate(copy_bytes, nss, nns, 1.0);
  printf("  memcpy of the same datagrams   %12.0f /s  (baseline)\n", base);
  printf("  full mailslot decode           %12.0f /s  %6.1f ns each  "
         "ratio %.3f of memcpy\n", full, 1e9 / full, full / base);
  printf("  memcpy of the NBNS packets     %12.0f /s  (baseline)\n", nsbase);
  printf("  name-service decode            %12.0f /s  %6.1f ns each  "
         "ratio %.3f of memcpy\n", ns, 1e9 / ns, ns / nsbase);
  printf("  target: 10,000,000 full decodes/s on one core: %s\n",
         full >= 1e7 ? "met" : "NOT met");
  for (size_t i = 0; i < ndgm; i++)
    free(dgms[i].p);
  for (size_t i = 0; i < nns; i++)
    free(nss[i].p);
  return 0;
}
