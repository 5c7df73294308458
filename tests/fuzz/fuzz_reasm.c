/*
 * libFuzzer target for msl_reasm: the input is a sequence of 6-byte
 * fragment descriptors [fm|corrupt][key][off_hi][off_lo][len][dt]. Bytes
 * are a function of (key, position) so a completed datagram can be checked;
 * "corrupt" fragments carry inverted bytes. Invariants: caps hold, counters
 * add up, completed data is what was sent.
 */
#include <stdlib.h>
#include <string.h>

#include "msl_reasm.h"

static uint8_t pat(unsigned key, size_t i) {
  return (uint8_t)(i * 31 + key * 7 + (i >> 8));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t mem[1 << 20];
  static uint8_t buf[300];
  msl_reasm r;
  /* The last two, the per-source shares: 0 for the defaults. */
  msl_reasm_limits lim = {4, 8 * MSL_REASM_CHUNK, 2000, 4096, 0, 0};
  if (msl_reasm_init(&r, mem, sizeof(mem), &lim) != 0)
    abort();
  msl_nbdgm f;
  memset(&f, 0, sizeof(f));
  f.type = MSL_NBDGM_DIRECT_GROUP;
  if (msl_nbname_make(&f.src, "SRC", 0, NULL) ||
      msl_nbname_make(&f.dst, "DST", 0x1e, NULL))
    abort();
  unsigned corrupted = 0; /* keys that ever saw a corrupt fragment */
  uint64_t now = 0, adds = 0, errs = 0;
  for (size_t i = 0; i + 6 <= size; i += 6) {
    const uint8_t *d = data + i;
    unsigned key = d[1] & 15;
    size_t off = (size_t)d[2] << 8 | d[3];
    size_t len = d[4];
    int bad = (d[0] & 0x80) != 0;
    now += (uint64_t)d[5] * 16;
    f.flags = (uint8_t)(d[0] & 3);
    f.id = (uint16_t)(key >> 2);
    f.src_ip = 0x0a000000u;
    f.offset = (uint16_t)off;
    for (size_t k = 0; k < len; k++)
      buf[k] = (uint8_t)(pat(key, off + k) ^ (bad ? 0xff : 0));
    if (bad)
      corrupted |= 1u << key;
    f.data.ptr = buf;
    f.data.len = len;
    msl_reasm_out o;
    int rc = msl_reasm_add(&r, &f, 0x0a000000u | (key & 3), 138, now, &o);
    adds++;
    if (rc < 0)
      errs++;
    if (r.bytes_held > lim.max_bytes || r.pending > lim.max_pending ||
        r.nfree * MSL_REASM_CHUNK + r.bytes_held !=
            r.nchunks * MSL_REASM_CHUNK ||
        r.rejected != errs || r.completed > adds)
      abort();
    if (rc == MSL_REASM_COMPLETE) {
      if (o.dgm.data.len > lim.max_datagram && o.dgm.data.ptr != buf)
        abort();
      if (o.dgm.flags & MSL_NBDGM_FLAG_MORE || o.dgm.id != f.id)
        abort();
      size_t base = o.dgm.data.ptr == buf ? off : 0;
      for (size_t k = 0; k < o.dgm.data.len; k++) {
        unsigned want = pat(key, base + k), got = o.dgm.data.ptr[k];
        unsigned flipped = want ^ 0xffu; /* what a corrupt fragment carries */
        if (got != want && !((corrupted >> key & 1) && got == flipped))
          abort();
      }
    }
    if (rc != MSL_REASM_PENDING && rc != MSL_REASM_COMPLETE &&
        rc != MSL_ERR_INVALID && rc != MSL_ERR_MSG_TOO_BIG &&
        rc != MSL_ERR_TOO_MANY)
      abort();
  }
  msl_reasm_expire(&r, now + 2000);
  if (r.pending || r.bytes_held)
    abort();
  return 0;
}
