/*
 * libFuzzer target for the name-service state machine's input path
 * (net/msl_name_service.h): arbitrary datagrams from arbitrary peers, with
 * time moving on between them, fed to msl_ns_input and msl_ns_tick of a
 * node that registers, defends, answers and caches.
 *
 * Input: one config byte (scope or not, <03>/<20> names, WINS servers
 * .2 and .3 of our /24 or none), then records
 *   | dt u8 (x 50 ms) | peer u8 | len u16 LE | len bytes |
 * peer: the low 7 bits pick the host in our /24 (1 is us), the high bit an
 * ephemeral source port instead of 137.
 * Invariants checked: every packet the node sends decodes strictly as NBNS
 * and goes to port 137 or the asker's port; a name in conflict is never
 * answered, defended nor registered again (only given back to its WINS
 * server: a unicast release); every unicast request goes to a WINS server
 * on port 137 as a registration (0x2900), refresh (0x4000) or release
 * (0x3000); a name in conflict is never registered with WINS; nothing
 * received fills the cache (the node asks nothing here); the node stays
 * up (no packet stops it); answers stay within their rate limits; the
 * releases at the stop end within their schedule. Work per input is
 * capped.
 * TRN_IDs are the deterministic fallback (0x4000 up), so the fuzzer can
 * reach a real conflict.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msl_name_service.h"

#define OUR_IP 0xC6120001u /* 198.18.0.1 */
#define WINS_A 0xC6120002u /* 198.18.0.2, .3: the WINS servers, when on */
#define WINS_B 0xC6120003u
#define MAX_RECORDS 256
#define EPHEMERAL 50000

static msl_ns ns; /* large: keep it off the stack */
static uint64_t status_sent;

/* The name a packet we send is about: a query/status answer's record, a
 * request's question. NULL when it carries neither. */
static const msl_nbname *about(const msl_nbns *m) {
  if (m->ancount)
    return &m->an[0].name.nb;
  return m->qdcount ? &m->qd[0].name.nb : NULL;
}

static int is_wins(uint32_t dst) {
  for (size_t i = 0; i < ns.cfg.wins.n; i++)
    if (ns.cfg.wins.addr[i] == dst)
      return 1;
  return 0;
}

/* A request we send unicast goes to a WINS server, on 137, as one of the
 * three a WINS client sends. */
static void check_unicast_request(const msl_nbns *m, uint32_t dst,
                                  uint16_t port) {
  if (msl_nbns_is_response(m) || (m->flags & MSL_NBNS_F_B))
    return;
  if (!is_wins(dst) || port != MSL_NBNS_PORT ||
      (m->flags != 0x2900 && m->flags != 0x4000 && m->flags != 0x3000))
    abort();
}

static int check_send(void *user, const uint8_t *p, size_t len, uint32_t dst,
                      uint16_t port, uint32_t src, unsigned ifindex) {
  msl_nbns m;
  (void)user;
  (void)src;
  (void)ifindex;
  if (msl_nbns_decode(&m, p, len) != 0)
    abort(); /* we only ever emit well-formed packets */
  if (port != MSL_NBNS_PORT && port != EPHEMERAL)
    abort();
  check_unicast_request(&m, dst, port);
  const msl_nbname *n = about(&m);
  int giving_back = m.flags == 0x3000 && is_wins(dst);
  for (size_t i = 0; n && i < ns.n_names; i++)
    if (ns.names[i].conflict && msl_nbname_equal(n, &ns.names[i].nb) &&
        !(m.ancount && m.an[0].type == MSL_NBNS_T_NBSTAT) && !giving_back)
      abort(); /* a name in conflict is not ours to speak for */
  if (m.ancount && m.an[0].type == MSL_NBNS_T_NBSTAT)
    status_sent++;
  return 0;
}

/* The node of config byte cfg (see the top), initialised, not started. */
static void setup(uint8_t cfg) {
  msl_ns_iface f;
  msl_ns_config c;
  memset(&f, 0, sizeof(f));
  f.addr = OUR_IP;
  f.mask = 0xFFFFFF00u;
  f.bcast = OUR_IP | 0xFFu;
  f.ifindex = 2;
  memcpy(f.mac, "\x02\x11\x22\x33\x44\x55", 6);
  memset(&c, 0, sizeof(c));
  c.name = "H1";
  c.workgroup = "MSLTEST";
  c.scope = cfg & 1 ? "corp.example" : NULL;
  c.flags = (cfg >> 1) & (MSL_NS_MESSENGER | MSL_NS_SERVER);
  c.ifs = &f;
  c.n_ifs = 1;
  c.send = check_send;
  if (cfg & 8) { /* an H-node */
    c.wins.addr[0] = WINS_A;
    c.wins.addr[1] = WINS_B;
    c.wins.n = 2;
  }
  if (msl_ns_init(&ns, &c, 0x4000) != 0)
    abort();
}

/* The node's state after each record. */
static void check_state(void) {
  if (ns.n_cache != 0 || ns.status_src.n > MSL_RL_SOURCES)
    abort(); /* unsolicited answers never enter the cache */
  for (size_t i = 0; i < ns.n_names; i++) {
    const msl_ns_name *e = &ns.names[i];
    if (e->conflict && (e->group || !e->conflict_by))
      abort(); /* only a unique name is lost, to a named defender */
    if (e->conflict && (e->w.state == MSL_NS_WINS_REGISTERING ||
                        e->w.state == MSL_NS_WINS_WACK ||
                        e->w.state == MSL_NS_WINS_REGISTERED))
      abort(); /* a lost name is never kept at WINS */
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  setup(data[0]);
  status_sent = 0;
  uint64_t now = 1000, t0 = now;
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
    check_state();
  }
  /* Node-status answers: at most the global burst plus its rate. */
  if (status_sent > MSL_NS_STATUS_ALL_BURST +
                        (now - t0) * MSL_NS_STATUS_ALL_RATE / 1000 + 1)
    abort();
  msl_ns_release(&ns, now);
  /* The releases at WINS end within their schedule, answered or not. */
  now += (uint64_t)MSL_NS_WINS_RELEASE_TRIES * MSL_NS_WINS_RETRY_MS;
  (void)msl_ns_tick(&ns, now - MSL_NS_WINS_RETRY_MS);
  (void)msl_ns_tick(&ns, now);
  if (msl_ns_wins_busy(&ns))
    abort();
  return 0;
}
