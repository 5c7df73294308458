/*
 * Fuzz target: arbitrary bytes as a capture file (pcap or pcapng), read in
 * place (msl_capture_open_mem) and by libpcap on fmemopen, every packet
 * through the same path as `mailslot decode`: link layer -> IPv4 (fragments reassembled) -> UDP
 * -> dissector with datagram reassembly (capture/msl_decoder.h) -> the three
 * printers. Must never crash; printers must always succeed into a buffer of
 * MSL_PRINT_OUT_MAX bytes. Work per input is capped (packets and bytes).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msl_capture.h"
#include "msl_decoder.h"
#include "msl_print.h"

#define MAX_PACKETS 512

static char *outbuf;
static msl_decoder *dec;

static void on_line(const msl_pkt_meta *m, const msl_dissect *d, void *user) {
  msl_out o;
  (void)user;
  msl_out_init(&o, outbuf, MSL_PRINT_OUT_MAX);
  if (msl_print_summary(&o, m, d, 0) < 0 || msl_print_json(&o, m, d, 0) < 0)
    abort();
  msl_out_reset(&o);
  if (msl_print_tree(&o, m, d, MSL_PRINT_HEX) < 0)
    abort();
  if (o.len && o.buf[o.len - 1] != '\n')
    abort();
}

/* Every packet of cap (NULL: none) through the decoder; closes it. */
static void run_capture(msl_capture *cap) {
  msl_capture_pkt pkt;
  if (!cap)
    return;
  msl_decoder_reset(dec);
  for (int n = 0; n < MAX_PACKETS && msl_capture_next(cap, &pkt) == 1; n++) {
    if (pkt.plen > pkt.udp_len || (pkt.plen && !pkt.payload))
      abort();
    msl_decoder_packet(dec, &pkt, on_line, NULL);
  }
  msl_capture_close(cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[MSL_CAPTURE_ERRBUF_SIZE];
  if (size == 0 || size > (1u << 20))
    return 0;
  if (!outbuf) {
    outbuf = malloc(MSL_PRINT_OUT_MAX);
    dec = msl_decoder_new();
    if (!outbuf || !dec)
      abort();
  }
  /* An exact-size copy: fmemopen wants writable memory, and ASan then
   * catches any read past the input. */
  uint8_t *copy = malloc(size);
  if (!copy)
    return 0;
  memcpy(copy, data, size);
  FILE *fp = fmemopen(copy, size, "rb");
  if (!fp) {
    free(copy);
    return 0;
  }
  msl_capture_opts opts;
  msl_capture_opts_default(&opts);
  opts.ports[0] = 1138; /* an extra port of each kind, as --port does */
  opts.kinds[0] = MSL_CAPTURE_KIND_NBDGM;
  opts.ports[1] = 1137;
  opts.kinds[1] = MSL_CAPTURE_KIND_NBNS;
  opts.nports = 2;
  opts.ip_frag_pending = 4;
  /* Both readers: in place from memory (classic pcap files it takes),
   * and libpcap on the stream. */
  run_capture(msl_capture_open_mem(copy, size, "fuzz", &opts, err));
  run_capture(msl_capture_open_fp(fp, "fuzz", &opts, err)); /* closes fp */
  free(copy);
  return 0;
}
