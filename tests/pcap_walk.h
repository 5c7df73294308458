/*
 * Test support: walk the IPv4 UDP packets of a capture file (pcap or pcapng,
 * through libpcap). Not part of the library; may use stdio and libpcap.
 */
#ifndef PCAP_WALK_H
#define PCAP_WALK_H

#include <stddef.h>
#include <stdint.h>

struct walk_pkt {
  unsigned long frame; /* 1-based record number, as tshark numbers frames */
  int64_t ts_sec;      /* capture timestamp */
  int32_t ts_usec;
  uint8_t src[4]; /* IPv4 source and destination, network order */
  uint8_t dst[4];
  uint16_t sport; /* UDP ports, host order */
  uint16_t dport;
  const uint8_t *payload; /* UDP payload; valid only during the callback */
  size_t len;             /* payload bytes available (captured, trimmed to
                             the UDP length) */
  size_t udp_len;         /* payload length the UDP header declares */
  int truncated;          /* 1 when the frame was cut (caplen < len) or
                             len < udp_len */
  int dlt;                /* the file's link type (DLT_*) */
};

/*
 * Opens `path` and calls cb for every IPv4 UDP packet whose UDP header was
 * captured. Link types: Ethernet (with 802.1Q / 802.1ad / QinQ tags),
 * Linux cooked SLL and SLL2, raw IPv4 (DLT_RAW, DLT_IPV4), BSD NULL and
 * LOOP. IP fragments (offset != 0 or MF set) are skipped: the UDP header of
 * a first fragment describes a datagram that is not all there, and later
 * fragments have none; reassembly is not needed for these test captures.
 * cb returns 0 to go on; a non-zero value stops the walk.
 * Returns 0, -1 when the file cannot be opened or read or has an unsupported
 * link type (a message goes to stderr), or cb's non-zero value.
 */
int pcap_walk(const char *path,
              int (*cb)(const struct walk_pkt *pkt, void *user), void *user);

/*
 * Writes the test captures' directory into dir (cap bytes): $MSL_CAPTURES_DIR
 * when set, else the first of $srcdir/captures, $srcdir/../captures,
 * ./captures and ../captures that is a directory. Returns 1 when dir is a
 * directory, 0 when none is.
 */
int pcap_captures_dir(char *dir, size_t cap);

#endif /* PCAP_WALK_H */
