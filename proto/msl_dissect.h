/*
 * The dissector: every layer of one UDP payload on the NetBIOS ports,
 * decoded into one struct for the printers (msl_print.h) and statistics.
 * Pure, like all of proto/: no allocation, no I/O; views point into the
 * caller's packet bytes ("valid while p is").
 *
 * Layers and how the next one is chosen:
 *
 *   UDP 138 (or MSL_DISSECT_NBDGM)          UDP 137 (or MSL_DISSECT_NBNS)
 *   +-------------------------------+       +---------------------------+
 *   | NetBIOS datagram [RFC 1002    |       | NetBIOS name service      |
 *   | §4.4]                  nbdgm  |       | [RFC 1002 §4.2]     nbns  |
 *   +-------------------------------+       +---------------------------+
 *   | SMB_COM_TRANSACTION mailslot  |   only for types 0x10-0x12 that are
 *   | write [MS-MAIL §2.2.1]   smb  |   not a fragment (F=1, M=0, offset 0),
 *   +-------------------------------+   or a reassembled datagram
 *   | payload, by mailslot name:    |   (msl_dissect_user_data)
 *   |  \MAILSLOT\BROWSE       browse  [MS-BRWS §2.2]
 *   |  \MAILSLOT\LANMAN       browse when msl_browse_lanman_is_brws(),
 *   |                         else lanman (LM 2.x announcement)
 *   |  \MAILSLOT\NET\...,     netlogon [MS-ADTS §6.3.1]
 *   |  \MAILSLOT\TEMP\NETLOGON
 *   |  anything else          none (the data is only shown as bytes)
 *   +-------------------------------+
 *
 * A layer that cannot be decoded stops the descent: `err` and `err_layer`
 * say which one and why, and the layers above it keep what they decoded, so
 * a printer still shows them.
 *
 * Illegal NetBIOS names do not stop it. Wireshark reads a name whose first
 * label is not 32 x 'A'..'P' [RFC 1001 §14.1] as best it can ("Illegal
 * NetBIOS name (...)", or a name from 'Q'..'Z' letters) and goes on; so do
 * we, through the lenient decoders (msl_nbdgm_decode_ex, msl_nbns_decode_ex:
 * the strict ones, used by the network service, still refuse such names).
 * The names keep what was wrong in their `illegal` field (msl_nbname_format
 * prints Wireshark's sentence), `bad_names` says which ones, and the packet
 * gets err MSL_ERR_NAME in the layer of the name, unless a later layer fails:
 * then err is that layer's failure (it explains what is missing), and
 * bad_names still tells about the names.
 */
#ifndef MSL_DISSECT_H
#define MSL_DISSECT_H

#include "msl_browse.h"
#include "msl_buf.h"
#include "msl_nbdgm.h"
#include "msl_nbns.h"
#include "msl_netlogon.h"
#include "msl_smbtr.h"

/* Layer bits of msl_dissect.layers and values of msl_dissect.err_layer. */
enum msl_dissect_layer {
  MSL_LAYER_NBDGM = 0x01,    /* d->nbdgm */
  MSL_LAYER_SMB = 0x02,      /* d->smb (SMB header + mailslot write) */
  MSL_LAYER_BROWSE = 0x04,   /* d->u.browse */
  MSL_LAYER_LANMAN = 0x08,   /* d->u.lanman */
  MSL_LAYER_NETLOGON = 0x10, /* d->u.netlogon */
  MSL_LAYER_NBNS = 0x20,     /* d->nbns */
  MSL_LAYER_UDP = 0x40,      /* err_layer only: no NetBIOS service */
};

/* `flags` of msl_dissect_udp / msl_dissect_user_data. */
enum msl_dissect_flag {
  /* Decode as the datagram service whatever the ports (a --port extra). */
  MSL_DISSECT_NBDGM = 0x01,
  /* Decode as the name service whatever the ports. */
  MSL_DISSECT_NBNS = 0x02,
  /* The packet is one quoted inside an ICMP error (destination
   * unreachable, time exceeded, ...): the printers say so, and an ICMP
   * error's quote being cut short is not a capture fault. */
  MSL_DISSECT_QUOTED = 0x08,
  /* The capture cut the packet (caplen < len, or less than the UDP length).
   * A layer that fails keeps its own error (a cut shows as
   * MSL_ERR_TRUNCATED, but a bad name before the cut is still a bad name);
   * the printers add that the capture cut the packet. A payload that
   * decodes anyway is marked with MSL_ERR_TRUNCATED in err (err_layer
   * MSL_LAYER_UDP). */
  MSL_DISSECT_TRUNCATED = 0x04,
};

/* Bits of msl_dissect.bad_names: which names were not legal first-level
 * encodings (see the name's `illegal` field for why). */
enum msl_dissect_bad_name {
  MSL_DISSECT_BAD_SRC = 0x01,  /* nbdgm.src */
  MSL_DISSECT_BAD_DST = 0x02,  /* nbdgm.dst */
  MSL_DISSECT_BAD_NBNS = 0x04, /* a name of an NBNS entry (nbns.illegal_names
                                  says how many) */
};

/* Which payload the mailslot name selected (msl_dissect.payload). */
enum msl_dissect_payload {
  MSL_PAYLOAD_NONE = 0,  /* no SMB layer, or a mailslot we do not parse */
  MSL_PAYLOAD_BROWSE,    /* \MAILSLOT\BROWSE, or LANMAN in MS-BRWS layout */
  MSL_PAYLOAD_LANMAN,    /* \MAILSLOT\LANMAN, LM 2.x layout */
  MSL_PAYLOAD_NETLOGON,  /* \MAILSLOT\NET\*, \MAILSLOT\TEMP\NETLOGON */
};

/*
 * Every decoded layer of one packet. Fields of a layer are meaningful only
 * when its bit is in `layers`. The failed layer (err_layer) is in `layers`
 * too when its decoder filled enough to show: the datagram header of a
 * datagram whose names or data are cut (`nbdgm_names` says whether the
 * names were read), an NBNS header whose records are cut (see `nbns_ok`).
 */
typedef struct msl_dissect {
  unsigned layers;    /* MSL_LAYER_* bits of the layers present */
  int err;            /* 0, or the msl_err of the layer that failed */
  unsigned err_layer; /* one MSL_LAYER_* bit (0 when err is 0) */
  /* The layer (an MSL_LAYER_* bit, also in `layers`; 0 for none) whose
   * decoder stopped inside it: only its fields read before the error are
   * shown (smb.have; the browse, lanman and netlogon err_off: numbers
   * that end before it, strings whose view is set; netlogon its command
   * only). The datagram layer says so itself (nbdgm.have), the name
   * service through nbns_ok and nbns.decoded. */
  unsigned partial;
  /* Where decoding stopped, from the start of the UDP payload, when
   * err_at is 1: the field (or name, or NBNS entry) that could not be
   * read or was refused. 0 for errors that stop nothing (illegal names
   * read leniently) and in a reassembled datagram. */
  int err_at;
  size_t err_off;
  unsigned flags;     /* the flags the packet was dissected with */
  int reassembled;    /* 1: from msl_dissect_user_data (a whole datagram
                         rebuilt from fragments; nbdgm.data is all of it) */
  int fragment;       /* 1: a datagram fragment (F=0 or M=1 or offset > 0):
                         its user data is not decoded further */
  int nbdgm_names;    /* 1 when nbdgm.src/dst were decoded */
  int nbns_ok;        /* 1 when the whole NBNS packet decoded (else only
                         the header and the nbns.decoded entries before the
                         error, which are filled) */
  unsigned bad_names; /* MSL_DISSECT_BAD_* bits: names read leniently */
  enum msl_dissect_payload payload;

  msl_nbdgm nbdgm;
  msl_smbtr smb;
  union {
    msl_browse browse;
    msl_browse_lanman lanman;
    msl_netlogon netlogon;
  } u;
  msl_nbns nbns;
} msl_dissect;

/*
 * Dissects one UDP payload (p, len bytes; the bytes captured, trimmed to
 * the UDP length) sent from sport to dport.
 * Service: MSL_DISSECT_NBDGM / MSL_DISSECT_NBNS in flags force one;
 * otherwise the ports choose, lower port first as Wireshark does (138 ->
 * datagram, 137 -> name service). With neither, err is MSL_ERR_UNSUPPORTED
 * with err_layer MSL_LAYER_UDP and nothing is decoded.
 * d is overwritten (only what is needed: do not rely on fields of absent
 * layers). Views in *d point into p: valid while p is.
 * Returns d->err: 0 when every layer decoded, else the negative msl_err of
 * the layer named by d->err_layer (MSL_ERR_ARG for NULL d, or NULL p with
 * len > 0; d is then untouched when NULL).
 */
MSL_PROTO_API int msl_dissect_udp(msl_dissect *d, uint16_t sport, uint16_t dport,
                            const uint8_t *p, size_t len, unsigned flags);

/*
 * Dissects a datagram rebuilt from fragments (msl_reasm_out.dgm, or any
 * whole DIRECT_UNIQUE/DIRECT_GROUP/BROADCAST datagram): copies *dgm into
 * d->nbdgm, sets d->reassembled, and decodes the SMB mailslot write and its
 * payload from dgm->data. d's views point into dgm's views (for msl_reasm,
 * the reassembler's memory: valid until its next call).
 * Returns d->err as msl_dissect_udp (MSL_ERR_ARG for NULL d or dgm, or a
 * dgm of another type).
 */
MSL_PROTO_API int msl_dissect_user_data(msl_dissect *d, const msl_nbdgm *dgm,
                                  unsigned flags);

/* "nbdgm", "smb", "browse", "lanman", "netlogon", "nbns", "udp" for one
 * MSL_LAYER_* bit; "" for 0 or an unknown value. */
MSL_PROTO_API const char *msl_dissect_layer_name(unsigned layer);

/*
 * Metadata of the captured packet a dissection came from, filled by the
 * capture reader (net/) and printed by msl_print_*. Pure data.
 */
enum msl_pkt_flag {
  MSL_PKT_IP_REASSEMBLED = 0x01,  /* IPv4 fragments were reassembled */
  MSL_PKT_DGM_REASSEMBLED = 0x02, /* this line is a NetBIOS datagram rebuilt
                                     from fragments (frame = the frame that
                                     completed it) */
  MSL_PKT_QUOTED = 0x04,          /* the packet is quoted in an ICMP error
                                     (icmp_*, outer_*): never delivered */
};

typedef struct msl_pkt_meta {
  uint64_t frame;    /* 1-based record number in the file (as tshark) */
  /* Time relative to the first packet: rel_sec + rel_usec / 1e6, rel_usec
   * in [0, 999999]; rel_sec is negative for a packet stamped before the
   * first one (-0.25 s is rel_sec -1, rel_usec 750000). */
  int64_t rel_sec;
  uint32_t rel_usec;
  uint32_t src_ip;   /* IPv4 addresses, host order (192.0.2.1 = 0xc0000201) */
  uint32_t dst_ip;
  uint16_t sport;    /* UDP ports */
  uint16_t dport;
  uint8_t truncated; /* 1: caplen < len, or payload shorter than the UDP
                        length says */
  uint8_t flags;     /* MSL_PKT_* */
  uint32_t caplen;   /* bytes captured of the frame */
  uint32_t len;      /* bytes of the frame on the wire */
  /* MSL_PKT_QUOTED: src_ip..dport are the quoted packet's; the ICMP
   * error's type and code, and its own addresses. */
  uint8_t icmp_type, icmp_code;
  uint32_t outer_src, outer_dst;
} msl_pkt_meta;

/* The ICMP error a quoted packet came in [RFC 792]: "port unreachable",
 * "time exceeded", ... from its type and code; never NULL. */
MSL_PROTO_API const char *msl_icmp_error_name(uint8_t type, uint8_t code);

#endif /* MSL_DISSECT_H */
