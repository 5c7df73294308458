/*
 * The decode path shared by `mailslot decode`, `mailslot sniff`, the pcap
 * fuzz target and the benchmark: one captured UDP packet (msl_capture.h) ->
 * packet metadata -> dissection (proto/msl_dissect.h) -> NetBIOS datagram
 * fragments fed to the bounded reassembler (proto/msl_reasm.h, time = the
 * capture's time stamps) -> a second dissection of each completed datagram.
 *
 * The callback gets every packet once, and then, when the packet completed
 * a fragmented datagram, the whole datagram (meta->flags has
 * MSL_PKT_DGM_REASSEMBLED, meta->frame is the completing frame). The
 * msl_dissect and its views are valid only during the callback.
 */
#ifndef MSL_DECODER_H
#define MSL_DECODER_H

#include "msl_capture.h"
#include "msl_dissect.h"
#include "msl_reasm.h"

typedef struct msl_decoder msl_decoder;

typedef void (*msl_decoder_cb)(const msl_pkt_meta *meta, const msl_dissect *d,
                               void *user);

/** Allocates a decoder (its reassembly memory included); NULL on ENOMEM. */
msl_decoder *msl_decoder_new(void);

/** Forgets pending fragments and the time origin: call it per input file. */
void msl_decoder_reset(msl_decoder *dec);

/**
 * Decodes one packet and calls cb once or twice (see above). Times are
 * relative to pkt->origin (the first record of the input, as tshark's)
 * unless msl_decoder_set_origin was called since the last reset.
 */
void msl_decoder_packet(msl_decoder *dec, const msl_capture_pkt *pkt,
                        msl_decoder_cb cb, void *user);

/** Sets the time origin (until the next reset). */
void msl_decoder_set_origin(msl_decoder *dec, int64_t sec, uint32_t nsec);

/** NetBIOS datagram reassembly counters (proto/msl_reasm.h). */
const msl_reasm *msl_decoder_reasm(const msl_decoder *dec);

void msl_decoder_free(msl_decoder *dec);

#endif /* MSL_DECODER_H */
