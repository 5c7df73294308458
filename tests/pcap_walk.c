/*
 * Test support: IPv4/UDP walker over capture files (see pcap_walk.h).
 */
/* pcap.h needs the BSD u_char/u_int types, hidden by -std=c11. */
#define _DEFAULT_SOURCE 1

#include "pcap_walk.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#ifndef DLT_LINUX_SLL2
#  define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#  define DLT_IPV4 228
#endif

#define ETH_IPV4 0x0800

static unsigned be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

/* Offset of the IPv4 header in a frame, or -1 when the frame is not IPv4. */
static long l3_offset(int dlt, const uint8_t *p, size_t n) {
  size_t off;
  unsigned type;
  switch (dlt) {
  case DLT_EN10MB:
    off = 12;
    for (;;) {
      if (n < off + 2)
        return -1;
      type = be16(p + off);
      /* 802.1Q, 802.1ad and the old QinQ value each add 4 bytes. */
      if (type == 0x8100 || type == 0x88a8 || type == 0x9100)
        off += 4;
      else
        break;
    }
    off += 2;
    /* type <= 1500 is an 802.3 length (LLC, e.g. NetBEUI): not IP. */
    return type == ETH_IPV4 ? (long)off : -1;
  case DLT_LINUX_SLL: /* 16 bytes, protocol at 14 */
    if (n < 16)
      return -1;
    return be16(p + 14) == ETH_IPV4 ? 16 : -1;
  case DLT_LINUX_SLL2: /* 20 bytes, protocol at 0 */
    if (n < 20)
      return -1;
    return be16(p) == ETH_IPV4 ? 20 : -1;
  case DLT_RAW:
  case DLT_IPV4:
    return (n >= 1 && p[0] >> 4 == 4) ? 0 : -1;
  case DLT_NULL:
  case DLT_LOOP: {
    /* A 4-byte address family: host order for NULL, network order for
     * LOOP; files are read on other hosts, so accept AF_INET (2) either
     * way. */
    if (n < 4)
      return -1;
    int inet = (p[0] == 2 && !p[1] && !p[2] && !p[3]) ||
               (!p[0] && !p[1] && !p[2] && p[3] == 2);
    return inet ? 4 : -1;
  }
  default:
    return -1;
  }
}

static int supported(int dlt) {
  return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2 ||
         dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_NULL ||
         dlt == DLT_LOOP;
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
  if (!supported(dlt)) {
    fprintf(stderr, "pcap_walk: %s: unsupported link type %d\n", path, dlt);
    pcap_close(pc);
    return -1;
  }
  struct pcap_pkthdr *h;
  const u_char *data;
  unsigned long frame = 0;
  int rc, ret = 0;
  while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
    frame++;
    const uint8_t *p = data;
    size_t n = h->caplen;
    long l3 = l3_offset(dlt, p, n);
    if (l3 < 0)
      continue;
    p += l3;
    n -= (size_t)l3;
    if (n < 20 || p[0] >> 4 != 4)
      continue;
    size_t ihl = (size_t)(p[0] & 0x0f) * 4;
    size_t ip_len = be16(p + 2);
    unsigned frag = be16(p + 6);
    if (ihl < 20 || n < ihl || ip_len < ihl || p[9] != 17)
      continue;
    if ((frag & 0x1fff) || (frag & 0x2000))
      continue; /* fragment: see pcap_walk.h */
    /* Trim link-layer padding: trust the IP length when it is shorter. */
    int cut = h->caplen < h->len;
    if (n > ip_len)
      n = ip_len;
    else if (n < ip_len)
      cut = 1;
    if (n < ihl + 8)
      continue;
    const uint8_t *udp = p + ihl;
    size_t avail = n - ihl - 8;
    size_t ulen = be16(udp + 4);
    struct walk_pkt w;
    memset(&w, 0, sizeof(w));
    w.frame = frame;
    w.ts_sec = (int64_t)h->ts.tv_sec;
    w.ts_usec = (int32_t)h->ts.tv_usec;
    memcpy(w.src, p + 12, 4);
    memcpy(w.dst, p + 16, 4);
    w.sport = (uint16_t)be16(udp);
    w.dport = (uint16_t)be16(udp + 2);
    w.udp_len = ulen >= 8 ? ulen - 8 : 0;
    w.len = avail < w.udp_len ? avail : w.udp_len;
    w.payload = udp + 8;
    w.truncated = cut || w.len < w.udp_len;
    w.dlt = dlt;
    ret = cb(&w, user);
    if (ret)
      break;
  }
  if (!ret && rc == -1) {
    fprintf(stderr, "pcap_walk: %s: %s\n", path, pcap_geterr(pc));
    ret = -1;
  }
  pcap_close(pc);
  return ret;
}
