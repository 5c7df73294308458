/*
 * libFuzzer target for the name-service state machine's input path
 * (net/msl_name_service.h): arbitrary datagrams from arbitrary peers, with
 * time moving on between them, fed to msl_ns_input and msl_ns_tick of a
 * node that registers, defends, answers and caches.
 *
 * Input: one config byte (scope or not, <03>/<20> names), then records
 *   | dt u8 (x 50 ms) | peer u8 | len u16 LE | len bytes |
 * peer: the low 7 bits pick the host in our /24 (1 is us), the high bit an
 * ephemeral source port instead of 137.
 * Invariants checked: every packet the node sends decodes strictly as NBNS
 * and goes to port 137 or the asker's port; the cache stays bounded;
 * a conflict names the defender. Work per input is capped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msl_name_service.h"

#define OUR_IP 0xC6120001u /* 198.18.0.1 */
#define MAX_RECORDS 256
#define EPHEMERAL 50000

static int check_send(void *user, const uint8_t *p, size_t len, uint32_t dst,
                      uint16_t port, uint32_t src, unsigned ifindex) {
  msl_nbns m;
  (void)user;
  (void)dst;
  (void)src;
  (void)ifindex;
  if (msl_nbns_decode(&m, p, len) != 0)
    abort(); /* we only ever emit well-formed packets */
  if (port != MSL_NBNS_PORT && port != EPHEMERAL)
    abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static msl_ns ns; /* large: keep it off the stack */
  msl_ns_iface f;
  msl_ns_config c;
  if (size < 1)
    return 0;
  memset(&f, 0, sizeof(f));
  f.addr = OUR_IP;
  f.mask = 0xFFFFFF00u;
  f.bcast = OUR_IP | 0xFFu;
  f.ifindex = 2;
  memcpy(f.mac, "\x02\x11\x22\x33\x44\x55", 6);
  memset(&c, 0, sizeof(c));
  c.name = "H1";
  c.workgroup = "MSLTEST";
  c.scope = data[0] & 1 ? "corp.example" : NULL;
  c.flags = (data[0] >> 1) & (MSL_NS_MESSENGER | MSL_NS_SERVER);
  c.ifs = &f;
  c.n_ifs = 1;
  c.send = check_send;
  if (msl_ns_init(&ns, &c, 0x4000) != 0)
    abort();
  uint64_t now = 1000;
  msl_ns_start(&ns, now);
  size_t off = 1;
  for (int rec = 0; rec < MAX_RECORDS && size - off >= 4; rec++) {
    now += 50u * data[off];
    uint32_t peer = (OUR_IP & 0xFFFFFF00u) | (data[off + 1] & 0x7Fu);
    uint16_t port = data[off + 1] & 0x80u ? EPHEMERAL : MSL_NBNS_PORT;
    size_t len = (size_t)data[off + 2] | (size_t)data[off + 3] << 8;
    off += 4;
    if (len > size - off)
      len = size - off;
    msl_ns_input(&ns, data + off, len, peer, port, now);
    (void)msl_ns_tick(&ns, now);
    off += len;
    if (ns.n_cache > MSL_NS_CACHE_MAX)
      abort();
    if (ns.state == MSL_NS_CONFLICT && !ns.conflict_name[0])
      abort();
  }
  /* Every cached name answers from the cache, or has expired. */
  for (size_t i = 0; i < ns.n_cache; i++) {
    uint32_t ip;
    int r = msl_ns_cache_get(&ns, &ns.cache[i].nb, now, &ip);
    if (r != 0 && r != MSL_ERR_NOT_FOUND)
      abort();
  }
  msl_ns_release(&ns);
  return 0;
}
