/*
 * Fuzz target: arbitrary bytes -> dissector -> all three printers, into a
 * small buffer (overflow paths, rollback) and a large one (JSON must then
 * be valid). The first byte chooses the path:
 *   bit 0: name service (else datagram service);
 *   bit 1: mark the packet truncated by the capture;
 *   bit 2: treat the rest as reassembled user data (msl_dissect_user_data).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../json_check.h"
#include "msl_print.h"

static char big[MSL_PRINT_OUT_MAX];
static char small[64];

static void print_all(const msl_pkt_meta *m, const msl_dissect *d) {
  msl_out o;
  for (int p = 0; p < 3; p++) {
    msl_out_init(&o, small, sizeof(small));
    int rc = p == 0   ? msl_print_summary(&o, m, d, 0)
             : p == 1 ? msl_print_tree(&o, m, d, MSL_PRINT_HEX)
                      : msl_print_json(&o, m, d, 0);
    /* On overflow the buffer rolls back to empty. */
    if (rc == MSL_ERR_BUFFER_TOO_SMALL && (o.len != 0 || small[0] != '\0'))
      abort();
    if (rc != 0 && rc != MSL_ERR_BUFFER_TOO_SMALL)
      abort();
    msl_out_init(&o, big, sizeof(big));
    rc = p == 0   ? msl_print_summary(&o, m, d, 0)
         : p == 1 ? msl_print_tree(&o, m, d, MSL_PRINT_HEX)
                  : msl_print_json(&o, m, d, 0);
    if (rc != 0 || o.len == 0 || o.buf[o.len - 1] != '\n' ||
        strlen(o.buf) != o.len)
      abort();
    if (p == 2 && !json_line_ok(o.buf, o.len))
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static msl_dissect d;
  msl_pkt_meta m;
  if (size < 1)
    return 0;
  unsigned sel = data[0];
  data++;
  size--;
  memset(&m, 0, sizeof(m));
  m.frame = size;
  m.rel_sec = (int64_t)size - 100;
  m.rel_usec = (uint32_t)(size * 7919u) % 1000000u;
  m.src_ip = 0xc0a80001;
  m.dst_ip = 0xffffffff;
  m.sport = m.dport = (sel & 1) ? 137 : 138;
  m.truncated = (sel & 2) != 0;
  unsigned fl = (sel & 2) ? MSL_DISSECT_TRUNCATED : 0;
  if (sel & 4) {
    msl_nbdgm g;
    memset(&g, 0, sizeof(g));
    g.type = MSL_NBDGM_DIRECT_GROUP;
    g.flags = MSL_NBDGM_FLAG_FIRST;
    msl_nbname_make(&g.src, "FUZZ\x01", 0, NULL);
    msl_nbname_make(&g.dst, "WG", 0x1d, "A.B");
    g.data.ptr = data;
    g.data.len = size;
    m.flags = MSL_PKT_DGM_REASSEMBLED;
    if (msl_dissect_user_data(&d, &g, fl) != d.err)
      abort();
  } else {
    int rc = msl_dissect_udp(&d, m.sport, m.dport, data, size,
                             fl | ((sel & 1) ? MSL_DISSECT_NBNS : 0));
    if (rc != d.err || (rc && !d.err_layer))
      abort();
  }
  print_all(&m, &d);
  print_all(NULL, &d);
  return 0;
}
