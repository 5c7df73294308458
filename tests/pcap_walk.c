/*
 * Test support: IPv4/UDP walker over capture files (see pcap_walk.h). The
 * link, IPv4 and UDP layers are capture/'s (capture/msl_linklayer.h), so
 * the tests read captures exactly as `mailslot decode` does, minus
 * reassembly.
 */
/* pcap.h needs the BSD u_char/u_int types, hidden by -std=c11. */
#define _DEFAULT_SOURCE 1

#include "pcap_walk.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "msl_linklayer.h"

static void put_be32(uint8_t out[4], uint32_t v) {
  out[0] = (uint8_t)(v >> 24);
  out[1] = (uint8_t)(v >> 16);
  out[2] = (uint8_t)(v >> 8);
  out[3] = (uint8_t)v;
}

/* Fills *w from one frame; 0 when it is not a whole-header IPv4 UDP packet
 * (or is an IP fragment: see pcap_walk.h). */
static int udp_of(int dlt, const struct pcap_pkthdr *h, const uint8_t *data,
                  struct walk_pkt *w) {
  msl_view l3;
  msl_ipv4 ip;
  msl_udp u;
  if (msl_link_ipv4(dlt, data, h->caplen, &l3) != 0 ||
      msl_ipv4_parse(&ip, l3.ptr, l3.len) != 0 ||
      ip.proto != MSL_IPV4_PROTO_UDP || ip.more_frags || ip.frag_off ||
      msl_udp_parse(&u, ip.payload.ptr, ip.payload.len) != 0)
    return 0;
  memset(w, 0, sizeof(*w));
  w->ts_sec = (int64_t)h->ts.tv_sec;
  w->ts_usec = (int32_t)h->ts.tv_usec;
  put_be32(w->src, ip.src);
  put_be32(w->dst, ip.dst);
  w->sport = u.sport;
  w->dport = u.dport;
  w->payload = u.payload.ptr;
  w->len = u.payload.len;
  w->udp_len = u.payload_len;
  w->truncated = h->caplen < h->len || ip.cut || u.cut;
  w->dlt = dlt;
  return 1;
}

int pcap_walk(const char *path,
              int (*cb)(const struct walk_pkt *pkt, void *user), void *user) {
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *pc = pcap_open_offline(path, errbuf);
  if (!pc) {
    fprintf(stderr, "pcap_walk: %s: %s\n", path, errbuf);
    return -1;
  }
  int dlt = pcap_datalink(pc);
  if (!msl_link_supported(dlt)) {
    fprintf(stderr, "pcap_walk: %s: unsupported link type %d\n", path, dlt);
    pcap_close(pc);
    return -1;
  }
  struct pcap_pkthdr *h;
  const u_char *data;
  unsigned long frame = 0;
  int rc, ret = 0;
  while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
    struct walk_pkt w;
    frame++;
    if (!udp_of(dlt, h, data, &w))
      continue;
    w.frame = frame;
    if ((ret = cb(&w, user)) != 0)
      break;
  }
  if (!ret && rc == -1) {
    fprintf(stderr, "pcap_walk: %s: %s\n", path, pcap_geterr(pc));
    ret = -1;
  }
  pcap_close(pc);
  return ret;
}

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int pcap_captures_dir(char *dir, size_t cap) {
  const char *env = getenv("MSL_CAPTURES_DIR");
  if (env && *env) {
    snprintf(dir, cap, "%s", env);
    return is_dir(dir);
  }
  const char *src = getenv("srcdir");
  const char *cands[4][2] = {{src, "/captures"},
                             {src, "/../captures"},
                             {".", "/captures"},
                             {"..", "/captures"}};
  for (size_t i = 0; i < 4; i++) {
    if (!cands[i][0])
      continue;
    snprintf(dir, cap, "%s%s", cands[i][0], cands[i][1]);
    if (is_dir(dir))
      return 1;
  }
  return 0;
}
