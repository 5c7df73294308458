/*
 * Relay frames: what two mailslotd relays send each other inside their TLS
 * connection (docs/relay.md, "Protocol"). Pure: bytes in, a struct out; a
 * struct in, bytes into a caller buffer.
 *
 * Every frame, big-endian, length-prefixed so a reader knows where it ends
 * before it decodes anything:
 *
 *   0      2  LENGTH  bytes that follow (1 .. MSL_RELAY_BODY_MAX)
 *   2      1  TYPE    1 HELLO, 2 DGRAM, 3 PING, 4 PONG
 *   3    ...  body, exactly LENGTH - 1 bytes
 *
 *   HELLO  VERSION u8 (1) | FLAGS u8 (0x01: the sender is a hub) | SITE
 *   DGRAM  KIND u8 (0 group: for every subnet of the receiving site;
 *                   1 unicast: for TARGET_IP:TARGET_PORT at TARGET_SITE)
 *          MSG_TYPE u8 (0x10, 0x11 or 0x12 [RFC 1002 §4.4.1])
 *          HOPS u8 (relays it may still cross, >= 1)
 *          ORIGIN_SITE SITE | ORIGIN_ID u16 (DGM_ID at the origin)
 *          ORIGIN_IP u32 | ORIGIN_PORT u16 (where the first sender gets
 *                                           replies: its UDP source)
 *          KIND 1 only: TARGET_SITE SITE | TARGET_IP u32 | TARGET_PORT u16
 *          SOURCE_NAME, DESTINATION_NAME: NetBIOS names in their datagram
 *            form [RFC 1002 §4.1]: second-level encoded, no pointers
 *          USER_DATA: the rest of the frame (the SMB), at least 1 byte
 *   PING, PONG  COOKIE: 8 bytes, echoed by PONG
 *
 *   SITE = LEN u8 (1 .. MSL_RELAY_SITE_MAX) | LEN bytes of A-Z a-z 0-9 . _ -
 *
 * A frame whose body does not match its type exactly (short, long, a bad
 * site, name or type) is refused; an unknown TYPE is reported as
 * MSL_ERR_UNSUPPORTED with the type filled in, so a newer peer's frames can
 * be skipped.
 */
#ifndef MSL_RELAY_FRAME_H
#define MSL_RELAY_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "msl_buf.h"
#include "msl_nbname.h"

#define MSL_RELAY_VERSION 1
#define MSL_RELAY_LEN_FIELD 2
#define MSL_RELAY_BODY_MAX 0xffff /* LENGTH's largest value */
#define MSL_RELAY_FRAME_MAX (MSL_RELAY_LEN_FIELD + MSL_RELAY_BODY_MAX)
#define MSL_RELAY_SITE_MAX 32
#define MSL_RELAY_COOKIE_LEN 8

enum msl_relay_type {
  MSL_RELAY_HELLO = 1,
  MSL_RELAY_DGRAM = 2,
  MSL_RELAY_PING = 3,
  MSL_RELAY_PONG = 4,
};

enum { MSL_RELAY_KIND_GROUP = 0, MSL_RELAY_KIND_UNICAST = 1 };
#define MSL_RELAY_HELLO_HUB 0x01u

typedef struct msl_relay_hello {
  uint8_t version;
  uint8_t flags; /* MSL_RELAY_HELLO_HUB */
  char site[MSL_RELAY_SITE_MAX + 1];
} msl_relay_hello;

typedef struct msl_relay_dgram {
  uint8_t kind;     /* MSL_RELAY_KIND_* */
  uint8_t msg_type; /* MSL_NBDGM_DIRECT_UNIQUE .. MSL_NBDGM_BROADCAST */
  uint8_t hops;
  char origin[MSL_RELAY_SITE_MAX + 1];
  uint16_t origin_id;
  uint32_t origin_ip; /* host order */
  uint16_t origin_port;
  char target[MSL_RELAY_SITE_MAX + 1]; /* KIND_UNICAST only, else "" */
  uint32_t target_ip;
  uint16_t target_port;
  msl_nbname src, dst;
  msl_view data; /* into the decoded buffer, or the caller's for encode */
} msl_relay_dgram;

typedef struct msl_relay_frame {
  uint8_t type; /* enum msl_relay_type */
  union {
    msl_relay_hello hello;
    msl_relay_dgram dg;
    uint8_t cookie[MSL_RELAY_COOKIE_LEN]; /* PING, PONG */
  } u;
} msl_relay_frame;

/** 1 when s is a valid site ID (1..MSL_RELAY_SITE_MAX characters of
 *  A-Z a-z 0-9 . _ -), else 0. */
MSL_PROTO_API int msl_relay_site_valid(const char *s);

/**
 * How much of a stream p[0..len) the first frame takes.
 * @return 0 (not all of it here yet: read more), 1 (*frame_len, the
 *         length field included, is complete in p), or MSL_ERR_INVALID (a
 *         LENGTH of 0: the stream is garbage). MSL_ERR_ARG for NULLs.
 */
MSL_PROTO_API int msl_relay_frame_size(const uint8_t *p, size_t len,
                                       size_t *frame_len);

/**
 * Decodes one whole frame p[0..len) (the length field included; len must
 * be what msl_relay_frame_size gave). Views point into p.
 * @return 0, or MSL_ERR_ARG, MSL_ERR_TRUNCATED / MSL_ERR_INVALID (the
 *         length field disagrees with len, a body too short or too long,
 *         a bad site ID, kind, message type or hop count of 0),
 *         MSL_ERR_NAME / MSL_ERR_NAME_PTR (a bad NetBIOS name),
 *         MSL_ERR_UNSUPPORTED (unknown TYPE: out->type is set).
 */
MSL_PROTO_API int msl_relay_frame_decode(msl_relay_frame *out,
                                         const uint8_t *p, size_t len);

/**
 * Encodes f (with its length field) into buf[0..cap).
 * @return the frame length, or MSL_ERR_ARG (NULL, a bad site ID, type,
 *         kind, message type, no user data), MSL_ERR_MSG_TOO_BIG (the body
 *         would exceed MSL_RELAY_BODY_MAX), MSL_ERR_BUFFER_TOO_SMALL (cap).
 */
MSL_PROTO_API int msl_relay_frame_encode(const msl_relay_frame *f,
                                         uint8_t *buf, size_t cap);

/** "HELLO", "DGRAM", "PING", "PONG", else "UNKNOWN". */
MSL_PROTO_API const char *msl_relay_type_name(uint8_t type);

#endif /* MSL_RELAY_FRAME_H */
