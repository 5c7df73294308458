/* Classic pcap records in memory (see msl_pcapmem.h). */
#include "msl_pcapmem.h"

#include <string.h>

#define MAGIC_US 0xa1b2c3d4u
#define MAGIC_NS 0xa1b23c4du

static uint32_t host_u32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static uint16_t host_u16(const uint8_t *p) {
  uint16_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

int msl_pcapmem_open(msl_pcapmem *m, const uint8_t *p, size_t len) {
  memset(m, 0, sizeof *m);
  if (!p || len < MSL_PCAPMEM_HDR)
    return -1;
  uint32_t magic = host_u32(p);
  if ((magic != MAGIC_US && magic != MAGIC_NS) || host_u16(p + 4) != 2 ||
      host_u16(p + 6) != 4)
    return -1;
  m->p = p;
  m->len = len;
  m->off = MSL_PCAPMEM_HDR;
  m->nano = magic == MAGIC_NS;
  m->snaplen = host_u32(p + 16);
  m->linktype = host_u32(p + 20);
  /* What libpcap does with a snap length of 0 or past its maximum. */
  if (m->snaplen == 0 || m->snaplen > MSL_PCAPMEM_MAXSNAP)
    m->snaplen = MSL_PCAPMEM_MAXSNAP;
  return 0;
}

int msl_pcapmem_next(msl_pcapmem *m, msl_pcaprec *r, const char **why) {
  size_t left = m->len - m->off;
  if (left == 0)
    return 0;
  if (left < MSL_PCAPMEM_REC) {
    *why = "cut short inside a record header";
    return -1;
  }
  const uint8_t *h = m->p + m->off;
  r->sec = host_u32(h);
  r->frac = host_u32(h + 4);
  uint32_t caplen = host_u32(h + 8);
  r->len = host_u32(h + 12);
  if (caplen > MSL_PCAPMEM_MAXSNAP) {
    *why = "a record longer than any capture holds";
    return -1;
  }
  if (caplen > left - MSL_PCAPMEM_REC) {
    *why = "cut short inside a record";
    return -1;
  }
  r->data = h + MSL_PCAPMEM_REC;
  r->caplen = caplen < m->snaplen ? caplen : m->snaplen;
  m->off += MSL_PCAPMEM_REC + caplen;
  return 1;
}
