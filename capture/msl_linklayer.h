/*
 * Link layer, IPv4 and UDP headers of captured frames, read through the
 * bounded reader of proto/msl_buf.h. No I/O, no allocation: every view
 * points into the frame and is valid while it is.
 *
 * Link types (DLT_* numbers as libpcap reports them):
 *   EN10MB    Ethernet II, with any stack of 802.1Q (0x8100), 802.1ad
 *             (0x88a8) and old QinQ (0x9100) tags; 802.3 length frames
 *             (LLC: NetBEUI, ...) are not IP.
 *   LINUX_SLL 16-byte cooked header, protocol at offset 14.
 *   LINUX_SLL2 20-byte cooked header, protocol at offset 0.
 *   RAW, IPV4 the frame is the IPv4 header.
 *   NULL, LOOP 4-byte address family (host order of the capturing machine
 *             for NULL, network order for LOOP): AF_INET is 2 everywhere,
 *             so both byte orders are accepted.
 */
#ifndef MSL_LINKLAYER_H
#define MSL_LINKLAYER_H

#include <stddef.h>
#include <stdint.h>

#include "msl_buf.h"

/* Linktype numbers not every libpcap header defines. */
#define MSL_DLT_NULL 0
#define MSL_DLT_EN10MB 1
#define MSL_DLT_RAW 12
#define MSL_DLT_RAW_OPENBSD 14
#define MSL_DLT_LOOP 108
#define MSL_DLT_LINUX_SLL 113
#define MSL_DLT_IPV4 228
#define MSL_DLT_LINUX_SLL2 276

#define MSL_IPV4_PROTO_ICMP 1
#define MSL_IPV4_PROTO_UDP 17

/* 1 when dlt is one of the link types above. */
int msl_link_supported(int dlt);

/*
 * Finds the IPv4 header in a frame of link type dlt (caplen captured
 * bytes). On success *ip views from the IPv4 header to the end of the
 * captured frame. Returns 0, MSL_ERR_UNSUPPORTED (not IPv4, or an
 * unsupported dlt) or MSL_ERR_TRUNCATED (the link header is cut).
 */
int msl_link_ipv4(int dlt, const uint8_t *frame, size_t caplen, msl_view *ip);

/*
 * IPv4 header [RFC 791 §3.1]:
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-------+-------+---------------+-------------------------------+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   +-------+-------+---------------+-----+-------------------------+
 *   |         Identification        |Flags|      Fragment Offset    |
 *   +---------------+---------------+-----+-------------------------+
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   +---------------+---------------+-------------------------------+
 *   |                       Source Address                          |
 *   +---------------------------------------------------------------+
 *   |                    Destination Address                        |
 *   +---------------------------------------------------------------+
 *   |                    Options (IHL > 5)                          |
 */
typedef struct msl_ipv4 {
  uint32_t src, dst; /* host-order values (192.0.2.1 is 0xc0000201) */
  uint16_t id;
  uint8_t proto;
  uint8_t more_frags; /* MF flag */
  uint16_t frag_off;  /* fragment offset in bytes */
  uint16_t total_len; /* Total Length as read */
  msl_view payload;   /* captured payload, trimmed to Total Length */
  size_t payload_len; /* payload length Total Length declares */
  int cut;            /* captured payload shorter than declared */
} msl_ipv4;

/*
 * Reads the IPv4 header at the start of p (as found by msl_link_ipv4).
 * Options are skipped by IHL; link-layer padding beyond Total Length is
 * trimmed. Returns 0, MSL_ERR_TRUNCATED (header cut) or MSL_ERR_INVALID
 * (version not 4, IHL < 5, Total Length < header length).
 */
int msl_ipv4_parse(msl_ipv4 *ip, const uint8_t *p, size_t len);

/* UDP header [RFC 768]: source port, destination port, length, checksum. */
typedef struct msl_udp {
  uint16_t sport, dport;
  msl_view payload;   /* captured payload, trimmed to the UDP length */
  size_t payload_len; /* UDP length - 8 */
  int cut;            /* captured payload shorter than declared */
} msl_udp;

/*
 * Reads the UDP header at the start of p (len bytes: the IP payload as
 * captured). Returns 0, MSL_ERR_TRUNCATED (header cut) or MSL_ERR_INVALID
 * (UDP length < 8).
 */
int msl_udp_parse(msl_udp *u, const uint8_t *p, size_t len);

/*
 * ICMP [RFC 792]: type, code, checksum, 4 bytes; an error (destination
 * unreachable 3, source quench 4, redirect 5, time exceeded 11, parameter
 * problem 12) then quotes the datagram it is about: its IPv4 header and
 * at least 8 bytes of its payload (Linux quotes up to 576 bytes in all).
 */
typedef struct msl_icmp {
  uint8_t type, code;
  msl_view quote; /* the quoted datagram as captured (errors only) */
} msl_icmp;

/**
 * Reads the ICMP message at p (len bytes captured). Returns 0 (quote set
 * for an error type, else empty), MSL_ERR_TRUNCATED (under 8 bytes).
 */
int msl_icmp_parse(msl_icmp *m, const uint8_t *p, size_t len);

#endif /* MSL_LINKLAYER_H */
