/* Shared by test_captures_nbns and fuzz_nbns (no cmocka here). */
#ifndef NBNS_CANONICAL_H
#define NBNS_CANONICAL_H

#include <stdint.h>

#include "msl_nbns.h"

/* A record whose RDATA the typed encoder reproduces exactly: in a WACK an
 * NB record carries 2 bytes, elsewhere an NB record nothing beyond its
 * entries; NBSTAT its statistics; A its address; any other type nothing. */
static inline int nbns_rr_canonical(const msl_nbns_rr *rr, uint16_t flags) {
  int wack = (flags & MSL_NBNS_F_RESPONSE) &&
             ((flags & MSL_NBNS_F_OPCODE) >> 11) == MSL_NBNS_OP_WACK;
  switch (rr->type) {
  case MSL_NBNS_T_NB:
    return wack ? rr->rdata.len == 2 : rr->nb_extra == 0;
  case MSL_NBNS_T_NBSTAT:
    return rr->rdata.len > 0 && rr->stats_len == MSL_NBNS_STATS_LEN;
  case MSL_NBNS_T_A:
    return rr->rdata.len == 4;
  default:
    return rr->rdata.len == 0;
  }
}

#endif /* NBNS_CANONICAL_H */
