/*
 * NetBIOS datagram service packets [RFC 1002 §4.4] and fragmentation
 * [RFC 1002 §5.3.1]. Pure codec: no I/O, no allocation.
 *
 * Header [RFC 1002 §4.4.1], big-endian:
 *
 *    0               1               2               3
 *   +---------------+---------------+-------------------------------+
 *   |   MSG_TYPE    |     FLAGS     |            DGM_ID             |
 *   +---------------+---------------+-------------------------------+
 *   |                           SOURCE_IP                           |
 *   +-------------------------------+-------------------------------+
 *   |          SOURCE_PORT          |  DGM_LENGTH (0x10-0x12 only)  |
 *   +-------------------------------+-------------------------------+
 *   | PACKET_OFFSET (0x10-0x12 only)|
 *   +-------------------------------+
 *
 * DIRECT_UNIQUE / DIRECT_GROUP / BROADCAST (0x10-0x12) [§4.4.2]:
 *   14-byte header, SOURCE_NAME, DESTINATION_NAME, USER_DATA.
 *   DGM_LENGTH = encoded SOURCE_NAME + DESTINATION_NAME + USER_DATA bytes of
 *   this packet (not the 14 header bytes) [§5.3.1].
 * DATAGRAM ERROR (0x13) [§4.4.3]: 10-byte header, ERROR_CODE (1 byte).
 * QUERY REQUEST / POSITIVE / NEGATIVE QUERY RESPONSE (0x14-0x16) [§4.4.4-5]:
 *   10-byte header, DESTINATION_NAME.
 *
 * FLAGS [§4.4.1]:
 *     0   1   2   3   4   5   6   7
 *   +---+---+---+---+---+---+---+---+
 *   | 0 | 0 | 0 | 0 |  SNT  | F | M |     M 0x01, F 0x02, SNT 0x0C
 *   +---+---+---+---+---+---+---+---+
 * Windows H-nodes send SNT = 11 (0x0C, the RFC's NBDD value), Samba nmbd
 * sends M-node (0x08). The reserved bits are kept as received so a decoded
 * packet re-encodes byte for byte, but nothing interprets them.
 *
 * Names are never compressed in datagrams [RFC 1002 §4.1]: a label pointer
 * fails with MSL_ERR_NAME_PTR.
 */
#ifndef MSL_NBDGM_H
#define MSL_NBDGM_H

#include "msl_buf.h"
#include "msl_nbname.h"

/* MSG_TYPE values [RFC 1002 §4.4.1]. */
enum {
  MSL_NBDGM_DIRECT_UNIQUE = 0x10,
  MSL_NBDGM_DIRECT_GROUP = 0x11,
  MSL_NBDGM_BROADCAST = 0x12,
  MSL_NBDGM_ERROR = 0x13,
  MSL_NBDGM_QUERY_REQUEST = 0x14,
  MSL_NBDGM_POSITIVE_QUERY_RESPONSE = 0x15,
  MSL_NBDGM_NEGATIVE_QUERY_RESPONSE = 0x16,
};

/* FLAGS bits and source node types (SNT, already shifted) [§4.4.1]. */
enum {
  MSL_NBDGM_FLAG_MORE = 0x01,
  MSL_NBDGM_FLAG_FIRST = 0x02,
  MSL_NBDGM_FLAG_SNT_MASK = 0x0c,
  MSL_NBDGM_FLAG_RESERVED = 0xf0,
  MSL_NBDGM_SNT_B = 0x00,
  MSL_NBDGM_SNT_P = 0x04,
  MSL_NBDGM_SNT_M = 0x08,
  MSL_NBDGM_SNT_NBDD = 0x0c, /* also what Windows H-nodes send */
  MSL_NBDGM_SNT_H = 0x0c,
};

/* ERROR_CODE values of a DATAGRAM ERROR packet [§4.4.3]. */
enum {
  MSL_NBDGM_ERR_DEST_NOT_PRESENT = 0x82,
  MSL_NBDGM_ERR_INVALID_SOURCE = 0x83,
  MSL_NBDGM_ERR_INVALID_DEST = 0x84,
};

#define MSL_NBDGM_HDR_LEN 14       /* header of types 0x10-0x12 */
#define MSL_NBDGM_SHORT_HDR_LEN 10 /* header of types 0x13-0x16 */
#define MSL_NBDGM_ERROR_LEN 11     /* a whole DATAGRAM ERROR packet */
#define MSL_NBDGM_PORT 138         /* IPPORT_NETBIOS_DGM [§6] */
/* MAX_DATAGRAM_LENGTH [§6] is 576 bytes of IP datagram: 576 - 20 (IPv4
 * header without options) - 8 (UDP) is the largest UDP payload an RFC
 * sender puts in one packet. Windows ignores it for mailslots (594-byte
 * payloads exist, unfragmented), so it is only a fragmentation choice. */
#define MSL_NBDGM_RFC_MAX_PAYLOAD (576 - 20 - 8)
/* Samba's nmbd reads every datagram into a 576-byte buffer (MAX_DGRAM_SIZE,
 * source3/libsmb/nmblib.c read_packet): a longer UDP payload is cut, and
 * its SMB then points past the end ("ignoring malformed3"), so Samba hosts
 * receive only datagrams of at most 576 bytes of UDP payload (measured:
 * tests/netns/samba-interop.sh). Windows' own 512-byte SMB cap does not
 * keep datagrams under it (594 bytes for a 5-8 character name). */
#define MSL_NBDGM_SAMBA_MAX_PAYLOAD 576
/* Longest user data fragmentation accepts: every PACKET_OFFSET and every
 * fragment end must fit the 16-bit fields. */
#define MSL_NBDGM_MAX_USER_DATA 0xffff

/*
 * One datagram service packet. Which fields are meaningful depends on type:
 *   0x10-0x12: all but error_code;   0x13: header + error_code;
 *   0x14-0x16: header + dst.
 * Views point into the decoded buffer: valid while it is.
 */
typedef struct msl_nbdgm {
  uint8_t type;      /* MSG_TYPE */
  uint8_t flags;     /* FLAGS byte as on the wire, reserved bits included */
  uint16_t id;       /* DGM_ID */
  uint32_t src_ip;   /* SOURCE_IP as a host-order value (192.168.1.2 is
                        0xc0a80102) */
  uint16_t src_port; /* SOURCE_PORT */
  uint16_t length;   /* DGM_LENGTH as read; on encode see length_explicit */
  uint16_t offset;   /* PACKET_OFFSET */
  /* Encode: 0 computes DGM_LENGTH from the names and data, 1 writes
   * `length` as given. Decode sets it to 1 exactly when DGM_LENGTH differs
   * from the computed value, so decode + encode is always byte-exact. */
  uint8_t length_explicit;
  uint8_t error_code; /* ERROR_CODE (type 0x13) */
  msl_nbname src;     /* SOURCE_NAME (0x10-0x12) */
  msl_nbname dst;     /* DESTINATION_NAME (0x10-0x12, 0x14-0x16) */
  msl_view data;      /* USER_DATA present in the packet (0x10-0x12) */
  /* Bytes after the end of the packet: after DGM_LENGTH for 0x10-0x12,
   * after the fixed layout for 0x13-0x16. Encode appends them. */
  msl_view trailing;
  /* Decode only: bytes DGM_LENGTH claims beyond the end of the packet. */
  size_t missing;
  /* Decode with MSL_NBDGM_SHORT_LENGTH_OK only: bytes of the names and
   * user data present beyond DGM_LENGTH (0: it covers them all). */
  size_t short_by;
  /* Decode only: which parts were read (MSL_NBDGM_HAVE_*), also after an
   * error, so that a dissector shows what came before it; and on error
   * the offset where decoding stopped (the field or name that could not
   * be read or was refused, or the packet's end for a DGM_LENGTH that
   * announces more than there is). */
  uint8_t have;
  size_t err_off;
} msl_nbdgm;

/* msl_nbdgm.have bits. */
enum {
  MSL_NBDGM_HAVE_HEADER = 0x01, /* the 10 bytes every type has */
  MSL_NBDGM_HAVE_LENGTH = 0x02, /* DGM_LENGTH, PACKET_OFFSET (0x10-0x12) */
  MSL_NBDGM_HAVE_SRC = 0x04,    /* SOURCE_NAME */
  MSL_NBDGM_HAVE_DST = 0x08,    /* DESTINATION_NAME */
};

/*
 * Decodes one UDP payload of the datagram service.
 *
 * DGM_LENGTH is checked against the packet, never trusted for reading
 * (Wireshark's dissect_nbdgm and Samba's parse_dgram both ignore it and
 * take everything after the names as user data):
 *  - equal: the normal case, user data runs to the end of the packet;
 *  - smaller: user data stops at DGM_LENGTH and the rest is `trailing`
 *    (returns 0);
 *  - larger: `data` is what is present and `missing` says how much is
 *    absent. For an unfragmented packet (F=1, M=0) that is a cut-short
 *    packet (snap length, or a lying sender): returns MSL_ERR_TRUNCATED
 *    with every field filled so a sniffer can still show it. For a
 *    fragment it returns 0: under the RFC's "replicate the header into the
 *    2nd packet" wording a sender may carry the whole datagram's DGM_LENGTH
 *    in every fragment;
 *  - smaller than the two names: MSL_ERR_INVALID, fields filled, `data`
 *    empty and everything after the names in `trailing`.
 *
 * Returns 0 or one of: MSL_ERR_ARG (NULL out or p with len > 0),
 * MSL_ERR_TRUNCATED (input ends inside the header, a name or ERROR_CODE;
 * or see above), MSL_ERR_NAME / MSL_ERR_NAME_PTR (from msl_nbname_decode),
 * MSL_ERR_INVALID (see above), MSL_ERR_UNSUPPORTED (unknown MSG_TYPE; the
 * 10-byte header fields are filled).
 */
MSL_PROTO_API int msl_nbdgm_decode(msl_nbdgm *out, const uint8_t *p, size_t len);

/* `flags` of msl_nbdgm_decode_ex. */
enum {
  /* Read names with msl_nbname_decode_lenient (for showing packets only). */
  MSL_NBDGM_LENIENT_NAMES = 0x01,
  /* Take a DGM_LENGTH shorter than the packet as receivers do (below). */
  MSL_NBDGM_SHORT_LENGTH_OK = 0x02,
};

/*
 * msl_nbdgm_decode with options; flags 0 is exactly msl_nbdgm_decode.
 * MSL_NBDGM_LENIENT_NAMES: a name whose first label is not a legal
 * first-level encoding [RFC 1001 §14.1] does not fail with MSL_ERR_NAME:
 * it is read as Wireshark reads it (src.illegal / dst.illegal say how it
 * is wrong, see enum msl_nbname_illegal) and decoding goes on; the return
 * value is then what the packet would give with legal names. Faults in the
 * label structure (truncated, a pointer, a reserved label type, a bad
 * scope label) still fail as in msl_nbdgm_decode. For a dissector that
 * shows captured packets; a service acting on packets uses
 * msl_nbdgm_decode, which refuses illegal names.
 * MSL_NBDGM_SHORT_LENGTH_OK: in an unfragmented datagram (F=1, M=0,
 * PACKET_OFFSET 0) of type 0x10-0x12, a DGM_LENGTH smaller than the names
 * and data present (even smaller than the names) is not trusted: `data`
 * is everything after the names, `short_by` says by how much the length
 * falls short, length_explicit is set (re-encoding stays byte-exact) and
 * the return is 0. That is what receivers do: Samba's parse_dgram and
 * Wireshark's dissect_nbdgm ignore DGM_LENGTH and read the SMB's own
 * counts, bounded by the UDP payload. Fragments keep the strict reading.
 */
MSL_PROTO_API int msl_nbdgm_decode_ex(msl_nbdgm *out, const uint8_t *p,
                                      size_t len, unsigned flags);

/*
 * Encodes m into buf (cap bytes; buf may be NULL with cap 0 to ask the
 * size). Fields not used by m->type are ignored. DGM_LENGTH is computed
 * unless m->length_explicit. `trailing` is appended; `missing` is ignored.
 * Returns the length written (or needed, with MSL_ERR_BUFFER_TOO_SMALL: call
 * msl_nbdgm_encoded_len first), or one of: MSL_ERR_ARG (NULL m, view with
 * NULL ptr and len > 0), MSL_ERR_UNSUPPORTED (unknown type),
 * MSL_ERR_MSG_TOO_BIG (computed DGM_LENGTH over 65535),
 * MSL_ERR_BUFFER_TOO_SMALL.
 */
MSL_PROTO_API int msl_nbdgm_encode(const msl_nbdgm *m, uint8_t *buf, size_t cap);

/* Bytes msl_nbdgm_encode needs for m (0 for an unknown type or NULL). */
MSL_PROTO_API size_t msl_nbdgm_encoded_len(const msl_nbdgm *m);

/*
 * Prepares a DIRECT_UNIQUE, DIRECT_GROUP or BROADCAST datagram for sending:
 * flags = F | snt (one of MSL_NBDGM_SNT_*), offset 0, DGM_LENGTH computed,
 * names copied, data viewed (not copied: keep it alive until encoded).
 * For BROADCAST, dst should be "*" in the sender's scope [§5.3.1].
 * Returns 0 or MSL_ERR_ARG (NULL pointer, type not 0x10-0x12, snt with
 * bits outside 0x0c, data NULL with len > 0).
 */
MSL_PROTO_API int msl_nbdgm_init(msl_nbdgm *m, uint8_t type, uint8_t snt, uint16_t id,
                           uint32_t src_ip, uint16_t src_port,
                           const msl_nbname *src, const msl_nbname *dst,
                           const uint8_t *data, size_t len);

/* "DIRECT_UNIQUE", "DIRECT_GROUP", "BROADCAST", "ERROR", "QUERY_REQUEST",
 * "POSITIVE_QUERY_RESPONSE", "NEGATIVE_QUERY_RESPONSE", else "UNKNOWN". */
MSL_PROTO_API const char *msl_nbdgm_type_name(uint8_t type);

/* "B", "P", "M" or "H/NBDD" for the SNT bits of a FLAGS byte. */
MSL_PROTO_API const char *msl_nbdgm_snt_name(uint8_t flags);

/* "DESTINATION_NAME_NOT_PRESENT", "INVALID_SOURCE_NAME_FORMAT",
 * "INVALID_DESTINATION_NAME_FORMAT", else "UNKNOWN". */
MSL_PROTO_API const char *msl_nbdgm_error_name(uint8_t code);

/*
 * Fragmentation [RFC 1002 §5.3.1], one fragment per call into a caller
 * buffer. The RFC splits into exactly 2 packets and says the 2nd gets
 * "OFFSET = DGM_LENGTH - number of name and data bytes in 1st UDP", which
 * reads as the remaining length rather than an offset. We follow what the
 * field is named for and what a reassembler needs: PACKET_OFFSET is the
 * position of this fragment's user data within the whole user data (so
 * the 2nd of two fragments carries the number of data bytes in the 1st).
 * Generalised to N fragments, each a complete datagram with the template's
 * type, id, source, SNT and reserved flag bits and both names:
 *   first:  F=1, M=1 (F=1, M=0 when the message fits: one plain datagram)
 *   middle: F=0, M=1
 *   last:   F=0, M=0
 *   DGM_LENGTH = both names + this fragment's user data.
 * No known receiver depends on more: illumos concatenates the data of a
 * first and a second fragment matched by SOURCE_IP, Samba and Wireshark
 * do not reassemble.
 */
typedef struct msl_nbdgm_frag {
  const msl_nbdgm *tmpl; /* header fields and names (data ignored) */
  const uint8_t *data;   /* whole user data */
  size_t len;
  size_t chunk; /* user data bytes per fragment */
  size_t pos;   /* next user data offset */
  int done;
} msl_nbdgm_frag;

/*
 * Starts fragmenting `data` (len bytes) with the header and names of tmpl
 * (type 0x10-0x12) into UDP payloads of at most max_payload bytes
 * (MSL_NBDGM_RFC_MAX_PAYLOAD for the RFC's 576-byte IP datagrams). tmpl
 * and data are not copied: keep them alive while iterating.
 * Returns 0 or one of: MSL_ERR_ARG (NULL pointers, bad type, max_payload
 * leaving no room for user data after the header and names),
 * MSL_ERR_MSG_TOO_BIG (len over MSL_NBDGM_MAX_USER_DATA).
 */
MSL_PROTO_API int msl_nbdgm_fragment_init(msl_nbdgm_frag *it, const msl_nbdgm *tmpl,
                                    const uint8_t *data, size_t len,
                                    size_t max_payload);

/* Number of fragments the iterator produces in all (at least 1). */
MSL_PROTO_API size_t msl_nbdgm_fragment_count(const msl_nbdgm_frag *it);

/*
 * Writes the next fragment into buf. Returns its length, 0 when every
 * fragment has been produced, or MSL_ERR_ARG / MSL_ERR_BUFFER_TOO_SMALL (the
 * iterator does not advance: retry with a larger buffer; max_payload bytes
 * always suffice).
 */
MSL_PROTO_API int msl_nbdgm_fragment(msl_nbdgm_frag *it, uint8_t *buf, size_t cap);

#endif /* MSL_NBDGM_H */
