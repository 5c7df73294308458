/* Captured packet -> dissection, with datagram reassembly (msl_decoder.h). */
#include "msl_decoder.h"

#include <stdlib.h>
#include <string.h>

#include "msl_reasm.h"

struct msl_decoder {
  msl_reasm reasm;
  void *mem;
  size_t mem_size;
  int have_origin;
  int64_t origin_sec;
  uint32_t origin_nsec;
  /* Large (NBNS records): kept here, never on the stack per packet. */
  msl_dissect d, whole;
};

msl_decoder *msl_decoder_new(void) {
  msl_decoder *dec = calloc(1, sizeof *dec);
  if (!dec)
    return NULL;
  dec->mem_size = msl_reasm_mem_size(NULL);
  dec->mem = malloc(dec->mem_size);
  if (!dec->mem || msl_reasm_init(&dec->reasm, dec->mem, dec->mem_size, NULL)) {
    msl_decoder_free(dec);
    return NULL;
  }
  return dec;
}

void msl_decoder_reset(msl_decoder *dec) {
  msl_reasm_init(&dec->reasm, dec->mem, dec->mem_size, NULL);
  dec->have_origin = 0;
}

void msl_decoder_set_origin(msl_decoder *dec, int64_t sec, uint32_t nsec) {
  dec->have_origin = 1;
  dec->origin_sec = sec;
  dec->origin_nsec = nsec;
}

const msl_reasm *msl_decoder_reasm(const msl_decoder *dec) {
  return &dec->reasm;
}

void msl_decoder_free(msl_decoder *dec) {
  if (!dec)
    return;
  free(dec->mem);
  free(dec);
}

static void fill_meta(msl_decoder *dec, const msl_capture_pkt *pkt,
                      msl_pkt_meta *m) {
  int64_t osec = dec->have_origin ? dec->origin_sec : pkt->origin_sec;
  uint32_t onsec = dec->have_origin ? dec->origin_nsec : pkt->origin_nsec;
  int64_t sec = pkt->ts_sec - osec;
  int64_t nsec = (int64_t)pkt->ts_nsec - (int64_t)onsec;
  if (nsec < 0) {
    nsec += 1000000000;
    sec--;
  }
  /* Truncated to microseconds: the digits tshark shows, cut not rounded. */
  int64_t usec = nsec / 1000;
  memset(m, 0, sizeof *m);
  m->frame = pkt->frame;
  m->rel_sec = sec;
  m->rel_usec = (uint32_t)usec;
  m->src_ip = pkt->src_ip;
  m->dst_ip = pkt->dst_ip;
  m->sport = pkt->sport;
  m->dport = pkt->dport;
  m->truncated = (uint8_t)(pkt->truncated != 0);
  m->flags = pkt->ip_reassembled ? MSL_PKT_IP_REASSEMBLED : 0;
  m->caplen = pkt->caplen;
  m->len = pkt->len;
  if (pkt->quoted) {
    m->flags |= MSL_PKT_QUOTED;
    m->icmp_type = pkt->icmp_type;
    m->icmp_code = pkt->icmp_code;
    m->outer_src = pkt->outer_src;
    m->outer_dst = pkt->outer_dst;
  }
}

void msl_decoder_packet(msl_decoder *dec, const msl_capture_pkt *pkt,
                        msl_decoder_cb cb, void *user) {
  msl_pkt_meta m;
  unsigned flags = 0;
  fill_meta(dec, pkt, &m);
  if (pkt->kind == MSL_CAPTURE_KIND_NBDGM)
    flags |= MSL_DISSECT_NBDGM;
  else if (pkt->kind == MSL_CAPTURE_KIND_NBNS)
    flags |= MSL_DISSECT_NBNS;
  if (pkt->truncated || pkt->quote_cut)
    flags |= MSL_DISSECT_TRUNCATED;
  if (pkt->quoted)
    flags |= MSL_DISSECT_QUOTED;
  msl_dissect *d = &dec->d;
  msl_dissect_udp(d, pkt->sport, pkt->dport, pkt->payload, pkt->plen, flags);
  cb(&m, d, user);

  /* A whole, well-formed fragment goes to the reassembler; a cut one
   * cannot complete anything right, a quoted one was never delivered. */
  if (!d->fragment || !(d->layers & MSL_LAYER_NBDGM) || !d->nbdgm_names ||
      pkt->truncated || pkt->quoted ||
      (d->err && d->err_layer == MSL_LAYER_NBDGM))
    return;
  uint8_t t = d->nbdgm.type;
  if (t < MSL_NBDGM_DIRECT_UNIQUE || t > MSL_NBDGM_BROADCAST)
    return;
  uint64_t now_ms =
      pkt->ts_sec < 0 ? 0
                      : (uint64_t)pkt->ts_sec * 1000u + pkt->ts_nsec / 1000000u;
  msl_reasm_out out;
  if (msl_reasm_add(&dec->reasm, &d->nbdgm, pkt->src_ip, pkt->sport, now_ms,
                    &out) != MSL_REASM_COMPLETE)
    return;
  msl_dissect_user_data(&dec->whole, &out.dgm, flags & ~(unsigned)MSL_DISSECT_TRUNCATED);
  m.flags |= MSL_PKT_DGM_REASSEMBLED;
  cb(&m, &dec->whole, user);
}
