/*
 * Bounded IPv4 fragment reassembly for capture reading [RFC 791 §3.2,
 * RFC 815]. Time is the capture's own (microseconds from any origin), never
 * the clock, so a file decodes the same way whenever it is read.
 *
 * Key: (source, destination, identification, protocol). Memory is taken
 * once by msl_ipreasm_new: max_pending slots of 65535 payload bytes plus a
 * coverage bitmap of 8-byte blocks each; nothing is allocated per packet.
 * Over the limit the oldest pending datagram is evicted; a pending datagram
 * is dropped timeout_us after its first fragment (Linux's ipfrag_time
 * default, 30 s, when 0 is given). Overlapping fragments: later bytes
 * overwrite earlier ones (captures are read, not defended). Fragments whose
 * payload the capture cut (snap length) cannot complete a datagram and are
 * dropped.
 */
#ifndef MSL_IPREASM_H
#define MSL_IPREASM_H

#include <stddef.h>
#include <stdint.h>

#include "msl_linklayer.h"

#define MSL_IPREASM_DEFAULT_PENDING 16
#define MSL_IPREASM_DEFAULT_TIMEOUT_US (30ull * 1000000ull)
#define MSL_IPREASM_MAX_PAYLOAD 65535 /* 16-bit Total Length */

typedef struct msl_ipreasm msl_ipreasm;

typedef struct msl_ipreasm_stats {
  uint64_t completed, expired, evicted, dropped; /* dropped: cut, invalid */
} msl_ipreasm_stats;

/** Allocates a reassembler (max_pending 0 = default). NULL when out of
 * memory. Free with msl_ipreasm_free. */
msl_ipreasm *msl_ipreasm_new(size_t max_pending, uint64_t timeout_us);
void msl_ipreasm_free(msl_ipreasm *r);

/**
 * Adds one fragment (ip from msl_ipv4_parse with more_frags or frag_off
 * set) seen at now_us. Returns 1 when it completes a datagram: *payload
 * then views the whole IP payload, valid until the next call; 0 when the
 * datagram is still pending; MSL_ERR_TRUNCATED (fragment cut by the
 * capture) or MSL_ERR_INVALID (beyond 65535 bytes, past a known end, or a
 * middle fragment not a multiple of 8 bytes) when it is dropped.
 */
int msl_ipreasm_add(msl_ipreasm *r, const msl_ipv4 *ip, uint64_t now_us,
                    msl_view *payload);

/** Counters since msl_ipreasm_new. */
void msl_ipreasm_get_stats(const msl_ipreasm *r, msl_ipreasm_stats *st);

#endif /* MSL_IPREASM_H */
