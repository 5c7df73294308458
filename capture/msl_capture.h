/*
 * Capture input for `mailslot decode` and `mailslot sniff`: pcap and pcapng
 * files, standard input ("-"), a FILE* (fuzzing), or a live interface, all
 * through libpcap. Each call to msl_capture_next yields the next IPv4 UDP
 * packet to or from a NetBIOS port (137, 138, or an extra port), with the
 * link layer, IPv4 options and IPv4 fragments dealt with.
 *
 * ICMP errors that quote such a packet yield the quoted packet, marked
 * (msl_capture_pkt.quoted).
 *
 * Errors at open time go into a libpcap-style errbuf of
 * MSL_CAPTURE_ERRBUF_SIZE bytes (cleared by the callee).
 */
#ifndef MSL_CAPTURE_H
#define MSL_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MSL_CAPTURE_ERRBUF_SIZE 512
#define MSL_CAPTURE_MAX_PORTS 16
/* BPF filter of a live capture: the two NetBIOS ports, plus non-first IPv4
 * fragments of UDP (they carry no ports; reassembly needs them). */
#define MSL_CAPTURE_FILTER                                                     \
  "udp port 137 or udp port 138 or (ip proto 17 and ip[6:2] & 0x1fff != 0) "   \
  "or (icmp and (icmp[0] == 3 or icmp[0] == 4 or icmp[0] == 5 or "             \
  "icmp[0] == 11 or icmp[0] == 12))"

typedef struct msl_capture msl_capture;

/* Service an extra port carries (for the dissector). */
enum msl_capture_kind {
  MSL_CAPTURE_KIND_AUTO = 0, /* by the other port (137/138), else datagram */
  MSL_CAPTURE_KIND_NBDGM = 1,
  MSL_CAPTURE_KIND_NBNS = 2,
};

typedef struct msl_capture_opts {
  uint16_t ports[MSL_CAPTURE_MAX_PORTS]; /* extra UDP ports */
  uint8_t kinds[MSL_CAPTURE_MAX_PORTS];  /* enum msl_capture_kind each */
  size_t nports;
  int snaplen;            /* live: bytes per packet (0 = 65535) */
  int promisc;            /* live: promiscuous mode */
  int timeout_ms;         /* live: read timeout (0 = 200 ms) */
  size_t ip_frag_pending; /* IPv4 reassembly slots (0 = default 16) */
} msl_capture_opts;

typedef struct msl_capture_pkt {
  uint64_t frame;     /* 1-based record number in the input */
  int64_t ts_sec;     /* capture time stamp */
  uint32_t ts_nsec;   /* nanoseconds (files are read at nanosecond
                         precision; microsecond files give multiples of
                         1000) */
  int64_t origin_sec; /* time stamp of the input's first record */
  uint32_t origin_nsec;
  uint32_t caplen; /* frame bytes captured */
  uint32_t len;    /* frame bytes on the wire */
  uint32_t src_ip; /* host-order IPv4 addresses */
  uint32_t dst_ip;
  uint16_t sport, dport;
  unsigned kind;          /* AUTO when a port is 137 or 138 (the dissector
                             chooses), else the extra port's kind */
  const uint8_t *payload; /* UDP payload: valid until the next call */
  size_t plen;            /* bytes of it captured (<= udp_len) */
  size_t udp_len;         /* payload length the UDP header declares */
  int truncated;          /* caplen < len, or plen < udp_len */
  int ip_reassembled;     /* built from IPv4 fragments */
  /* A UDP packet quoted inside an ICMP error (RFC 792: the IPv4 header and
   * the start of the datagram it is about), e.g. the port unreachable a
   * host without a name service answers a query with: src_ip .. dport
   * and the payload are the quoted packet's, outer_src/outer_dst the ICMP
   * message's addresses. Never traffic that was delivered. */
  int quoted;
  int quote_cut; /* the ICMP error quotes less than the packet (common) */
  uint8_t icmp_type, icmp_code;
  uint32_t outer_src, outer_dst;
} msl_capture_pkt;

/* Counters of one capture (frames are all records read). */
typedef struct msl_capture_counts {
  uint64_t frames;    /* records read */
  uint64_t matched;   /* UDP packets yielded */
  uint64_t not_ip;    /* frames that were not IPv4 */
  uint64_t malformed; /* bad link/IPv4/UDP headers */
  uint64_t ip_frags;  /* IPv4 fragments seen */
  uint64_t ip_reassembled;
  uint64_t ip_frag_dropped; /* fragments dropped or datagrams expired */
  uint64_t quoted;          /* of matched: quoted in ICMP errors */
} msl_capture_counts;

/** Fills opts with the defaults (no extra ports). */
void msl_capture_opts_default(msl_capture_opts *opts);

/**
 * Opens a capture file (pcap or pcapng; "-" is standard input).
 * Returns NULL with a message in errbuf when the file cannot be opened, is
 * not a capture, or has a link type we do not read.
 */
msl_capture *msl_capture_open_file(const char *path,
                                   const msl_capture_opts *opts, char *errbuf);

/**
 * As msl_capture_open_file over an open stream (taken over: closed by
 * msl_capture_close). name is used in messages.
 */
msl_capture *msl_capture_open_fp(FILE *fp, const char *name,
                                 const msl_capture_opts *opts, char *errbuf);

/**
 * A classic pcap file already in memory, buf[0..len) (kept by the caller
 * until msl_capture_close), read in place: only files in this host's byte
 * order with Ethernet or Linux cooked (v1, v2) frames; NULL with errbuf
 * for anything else, which msl_capture_open_fp reads. msl_capture_open_file
 * maps a regular file and reads it this way when it can.
 */
msl_capture *msl_capture_open_mem(const void *buf, size_t len,
                                  const char *name,
                                  const msl_capture_opts *opts, char *errbuf);

/**
 * Opens interface iface live with the BPF filter MSL_CAPTURE_FILTER plus
 * "or udp port N" per extra port. Needs capture privileges.
 */
msl_capture *msl_capture_open_live(const char *iface,
                                   const msl_capture_opts *opts, char *errbuf);

/**
 * Saves every frame read from now on (matching or not) to path with
 * pcap_dump (a pcap file, same link type). Returns 0, or -1 with errbuf.
 */
int msl_capture_dump_open(msl_capture *c, const char *path, char *errbuf);

/**
 * Reads to the next matching packet. Returns 1 with *pkt filled, 0 at the
 * end of the input (or after msl_capture_break), or -1 on a read error
 * (msl_capture_error says which; a file cut in the middle of a record is
 * such an error). A live capture waits for traffic.
 */
int msl_capture_next(msl_capture *c, msl_capture_pkt *pkt);

/** Makes msl_capture_next return 0 soon; safe from a signal handler. */
void msl_capture_break(msl_capture *c);

/** The last read error (never NULL). */
const char *msl_capture_error(const msl_capture *c);

/** The link type (DLT_*) and its name. */
int msl_capture_dlt(const msl_capture *c);
const char *msl_capture_dlt_name(const msl_capture *c);

/** Counters so far. */
void msl_capture_get_counts(const msl_capture *c, msl_capture_counts *out);

/**
 * Live capture: packets received and dropped (by the kernel and the
 * interface) from pcap_stats. Returns 0 or -1 (not live / unsupported).
 */
int msl_capture_live_stats(msl_capture *c, uint64_t *received,
                           uint64_t *dropped);

/**
 * For a progress bar: bytes read so far and the size of the input (0 when
 * unknown: not a regular file, standard input, live). Cheap: call it every
 * few thousand packets, not every packet.
 */
void msl_capture_progress(msl_capture *c, uint64_t *done, uint64_t *total);

/** Flushes and closes the dump file (if any) and the capture. NULL is ok. */
void msl_capture_close(msl_capture *c);

#endif /* MSL_CAPTURE_H */
