/* Link layer, IPv4 and UDP headers (see msl_linklayer.h). */
#include "msl_linklayer.h"

#define ETHERTYPE_IPV4 0x0800

static int is_vlan(unsigned type) {
  return type == 0x8100 || type == 0x88a8 || type == 0x9100;
}

int msl_link_supported(int dlt) {
  switch (dlt) {
  case MSL_DLT_NULL:
  case MSL_DLT_EN10MB:
  case MSL_DLT_RAW:
  case MSL_DLT_RAW_OPENBSD:
  case MSL_DLT_LOOP:
  case MSL_DLT_LINUX_SLL:
  case MSL_DLT_IPV4:
  case MSL_DLT_LINUX_SLL2:
    return 1;
  default:
    return 0;
  }
}

/* After an EtherType at the cursor: skips VLAN tags, wants IPv4. */
static int ethertype_ipv4(msl_rd *r, unsigned type, msl_view *ip) {
  /* A tag is TCI (2 bytes) + the next EtherType (2 bytes). The loop ends:
   * each turn consumes 4 bytes or fails. */
  while (is_vlan(type)) {
    msl_rd_skip(r, 2);
    type = msl_rd_u16be(r);
    if (r->err)
      return r->err;
  }
  if (type != ETHERTYPE_IPV4)
    return MSL_ERR_UNSUPPORTED;
  ip->len = msl_rd_left(r);
  ip->ptr = msl_rd_bytes(r, ip->len);
  return 0;
}

int msl_link_ipv4(int dlt, const uint8_t *frame, size_t caplen, msl_view *ip) {
  msl_rd r;
  unsigned type;
  msl_rd_init(&r, frame, caplen);
  ip->ptr = NULL;
  ip->len = 0;
  switch (dlt) {
  case MSL_DLT_EN10MB:
    msl_rd_skip(&r, 12); /* destination and source MAC */
    type = msl_rd_u16be(&r);
    break;
  case MSL_DLT_LINUX_SLL:
    msl_rd_skip(&r, 14); /* packet type, ARPHRD, address length, address */
    type = msl_rd_u16be(&r);
    break;
  case MSL_DLT_LINUX_SLL2:
    type = msl_rd_u16be(&r);
    msl_rd_skip(&r, 18); /* reserved, ifindex, ARPHRD, type, addr */
    break;
  case MSL_DLT_RAW:
  case MSL_DLT_RAW_OPENBSD:
  case MSL_DLT_IPV4:
    if (caplen < 1)
      return MSL_ERR_TRUNCATED;
    if (frame[0] >> 4 != 4)
      return MSL_ERR_UNSUPPORTED;
    ip->ptr = frame;
    ip->len = caplen;
    return 0;
  case MSL_DLT_NULL:
  case MSL_DLT_LOOP: {
    uint32_t af = msl_rd_u32be(&r);
    if (r.err)
      return r.err;
    if (af != 2 && af != 0x02000000u)
      return MSL_ERR_UNSUPPORTED;
    ip->len = msl_rd_left(&r);
    ip->ptr = msl_rd_bytes(&r, ip->len);
    return 0;
  }
  default:
    return MSL_ERR_UNSUPPORTED;
  }
  if (r.err)
    return r.err;
  return ethertype_ipv4(&r, type, ip);
}

/* The payload of declared length want at r: as much of it as was
 * captured, *cut set when that is less. */
static msl_view rd_payload(msl_rd *r, size_t want, int *cut) {
  msl_view v;
  size_t avail = msl_rd_left(r);
  *cut = avail < want;
  v.len = *cut ? avail : want;
  v.ptr = msl_rd_bytes(r, v.len);
  return v;
}

int msl_ipv4_parse(msl_ipv4 *ip, const uint8_t *p, size_t len) {
  msl_rd r;
  memset(ip, 0, sizeof *ip);
  msl_rd_init(&r, p, len);
  uint8_t vihl = msl_rd_u8(&r);
  msl_rd_skip(&r, 1); /* TOS */
  ip->total_len = msl_rd_u16be(&r);
  ip->id = msl_rd_u16be(&r);
  uint16_t frag = msl_rd_u16be(&r);
  msl_rd_skip(&r, 1); /* TTL */
  ip->proto = msl_rd_u8(&r);
  msl_rd_skip(&r, 2); /* checksum: captures are not verified */
  ip->src = msl_rd_u32be(&r);
  ip->dst = msl_rd_u32be(&r);
  if (r.err)
    return r.err;
  size_t ihl = (size_t)(vihl & 0x0f) * 4;
  if (vihl >> 4 != 4 || ihl < 20 || ip->total_len < ihl)
    return MSL_ERR_INVALID;
  msl_rd_skip(&r, ihl - 20); /* options */
  if (r.err)
    return r.err;
  ip->more_frags = (frag & 0x2000) != 0;
  ip->frag_off = (uint16_t)((frag & 0x1fff) * 8);
  ip->payload_len = ip->total_len - ihl;
  ip->payload = rd_payload(&r, ip->payload_len, &ip->cut);
  return 0;
}

int msl_udp_parse(msl_udp *u, const uint8_t *p, size_t len) {
  msl_rd r;
  memset(u, 0, sizeof *u);
  msl_rd_init(&r, p, len);
  u->sport = msl_rd_u16be(&r);
  u->dport = msl_rd_u16be(&r);
  uint16_t ulen = msl_rd_u16be(&r);
  msl_rd_skip(&r, 2); /* checksum */
  if (r.err)
    return r.err;
  if (ulen < 8)
    return MSL_ERR_INVALID;
  u->payload_len = (size_t)ulen - 8;
  u->payload = rd_payload(&r, u->payload_len, &u->cut);
  return 0;
}

static int icmp_is_error(uint8_t type) {
  return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

int msl_icmp_parse(msl_icmp *m, const uint8_t *p, size_t len) {
  msl_rd r;
  memset(m, 0, sizeof *m);
  msl_rd_init(&r, p, len);
  m->type = msl_rd_u8(&r);
  m->code = msl_rd_u8(&r);
  msl_rd_skip(&r, 6); /* checksum, rest of header */
  if (r.err)
    return r.err;
  if (icmp_is_error(m->type)) {
    m->quote.len = msl_rd_left(&r);
    m->quote.ptr = msl_rd_bytes(&r, m->quote.len);
  }
  return 0;
}
