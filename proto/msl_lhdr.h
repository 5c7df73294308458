/*
 * The header on every datagram between a local writer and a reader (our
 * own format; docs/local-mailslots.md). Local writers send the 4-byte
 * base; the network service adds the sender extension (flags bit 0) so the
 * reader learns where a network message came from.
 *
 *    0       1       2       3
 *   +-------+-------+-------+-------+
 *   |version| flags | ext_len (LE)  |   version = 1
 *   +-------+-------+-------+-------+
 *   | extension: ext_len bytes      |   present iff flags & MSL_LHDR_F_EXT
 *   +-------------------------------+
 *   | message bytes ...             |
 *   +-------------------------------+
 *
 * flags: bit 0 MSL_LHDR_F_EXT (extension present), bit 1
 * MSL_LHDR_F_QUERY (an info request, never a message: exactly the 4-byte
 * header, ext_len 0, carrying one SCM_RIGHTS descriptor, the requester's
 * end of a SOCK_SEQPACKET socketpair), bit 2 MSL_LHDR_F_REPLY (the
 * reader's answer, sent on that socketpair, never to a slot). Readers drop
 * datagrams with any other flag bit set.
 *
 * Info reply (24 bytes, all LE), header flags = MSL_LHDR_F_REPLY:
 *
 *    0               4               8               12
 *   +---------------+---------------+---------------+---------------+
 *   | 01 04 00 00   | max_msg_size  | next_size     | msg_count     |
 *   +---------------+---------------+---------------+---------------+
 *   | read_timeout  | status: bit 0 = count is a lower bound        |
 *   +---------------+-----------------------------------------------+
 *
 * Extension (ext_len >= 40; later versions may append fields, readers
 * skip what they do not know):
 *
 *    0          1          2                  4                  8
 *   +----------+----------+------------------+------------------+
 *   |dgram_type| reserved | src_port (BE)    | src_ip (4 bytes) |
 *   +----------+----------+------------------+------------------+
 *   | src_name: raw NetBIOS name, 16 bytes   (8..23)            |
 *   | dst_name: raw NetBIOS name, 16 bytes   (24..39)           |
 *   +-----------------------------------------------------------+
 */
#ifndef MSL_LHDR_H
#define MSL_LHDR_H

#include <stddef.h>
#include <stdint.h>

#include "mailslot.h"
#include "msl_proto_err.h"

#define MSL_LHDR_VERSION 1
#define MSL_LHDR_LEN 4        /* the base header */
#define MSL_LHDR_EXT_LEN 40   /* the extension this version writes */
#define MSL_LHDR_EXT_MAX 1024 /* longest extension a reader accepts */
#define MSL_LHDR_F_EXT 0x01
#define MSL_LHDR_F_QUERY 0x02
#define MSL_LHDR_F_REPLY 0x04
#define MSL_LHDR_REPLY_LEN 24
#define MSL_LHDR_ST_LOWER_BOUND 0x01

typedef struct msl_lhdr {
  uint8_t version;
  uint8_t flags;
  uint16_t ext_len;
} msl_lhdr;

/**
 * Decodes the header at the start of a datagram (p, len) into *h and, when
 * present, the extension into *info (info->origin is set either way; may
 * be NULL). Returns the offset of the message bytes, or MSL_ERR_TRUNCATED,
 * MSL_ERR_UNSUPPORTED (another version) or MSL_ERR_INVALID (extension too
 * short or too long, ext_len without the flag, an unknown flag, or a
 * control datagram: MSL_LHDR_F_QUERY / MSL_LHDR_F_REPLY are never
 * messages, the reader checks h->flags for them itself).
 */
int msl_lhdr_decode(msl_lhdr *h, msl_msg_info *info, const uint8_t *p,
                    size_t len);

/**
 * Encodes a header for a message: base only when info is NULL or local,
 * base + extension for MSL_ORIGIN_NETWORK. Returns the length written
 * (MSL_LHDR_LEN or MSL_LHDR_LEN + MSL_LHDR_EXT_LEN) or
 * MSL_ERR_BUFFER_TOO_SMALL.
 */
int msl_lhdr_encode(const msl_msg_info *info, uint8_t *buf, size_t cap);

/* The values an info reply carries (GetMailslotInfo's four + status). */
typedef struct msl_lhdr_reply {
  uint32_t max_msg_size, next_size, msg_count, read_timeout, status;
} msl_lhdr_reply;

/** Encodes an info reply; returns MSL_LHDR_REPLY_LEN or
 *  MSL_ERR_BUFFER_TOO_SMALL. */
int msl_lhdr_reply_encode(const msl_lhdr_reply *v, uint8_t *buf, size_t cap);

/**
 * Decodes an info reply (exactly MSL_LHDR_REPLY_LEN bytes, version 1, flags
 * MSL_LHDR_F_REPLY). Returns 0, MSL_ERR_TRUNCATED, MSL_ERR_UNSUPPORTED or
 * MSL_ERR_INVALID.
 */
int msl_lhdr_reply_decode(msl_lhdr_reply *v, const uint8_t *p, size_t len);

#endif /* MSL_LHDR_H */
