/*
 * NetBIOS name service packets (UDP 137) [RFC 1002 §4.2, MS-NBTE §2.2].
 *
 * Header [RFC 1002 §4.2.1.1], 12 bytes, big-endian:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         NAME_TRN_ID           |R| OPCODE|A|T|R|R|0 0|B| RCODE |
 *   |                               | |       |A|C|D|A|   | |       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          QDCOUNT              |           ANCOUNT             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          NSCOUNT              |           ARCOUNT             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Question entry [§4.2.1.2]: QUESTION_NAME, QUESTION_TYPE (2), CLASS (2).
 * Resource record [§4.2.1.3]:
 *
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   /                            RR_NAME                            /
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           RR_TYPE             |          RR_CLASS             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                              TTL                              |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           RDLENGTH            |            RDATA              /
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Names may be label pointers (registration, refresh and release requests
 * point their RR_NAME at the question: 0xC00C, §4.2.2, §4.2.9). The decoder
 * remembers where a name was compressed so the encoder writes the same bytes.
 *
 * Nothing here allocates: a decoded msl_nbns holds views into the input
 * (valid while the input is). Sections are capped (MSL_NBNS_MAX_QD /
 * MSL_NBNS_MAX_RR entries kept); entries beyond the cap are still parsed and
 * bounds-checked but only counted.
 */
#ifndef MSL_NBNS_H
#define MSL_NBNS_H

#include "msl_buf.h"
#include "msl_nbname.h"

#define MSL_NBNS_PORT 137
#define MSL_NBNS_HDR_LEN 12
#define MSL_NBNS_MAX_QD 8         /* questions kept */
#define MSL_NBNS_MAX_RR 8         /* records kept per section (AN, NS, AR) */
#define MSL_NBNS_NB_LEN 6         /* NB_FLAGS + NB_ADDRESS [§4.2.1.3] */
#define MSL_NBNS_NODE_NAME_LEN 18 /* NAME + NAME_FLAGS [§4.2.18] */
#define MSL_NBNS_STATS_LEN 46     /* STATISTICS [§4.2.18] */
/* Windows' TTL in query responses and registrations: 300000 s. */
#define MSL_NBNS_TTL_WINDOWS 300000u

/* Header flags word [RFC 1002 §4.2.1.1]. */
#define MSL_NBNS_F_RESPONSE 0x8000u
#define MSL_NBNS_F_OPCODE 0x7800u
#define MSL_NBNS_F_AA 0x0400u
#define MSL_NBNS_F_TC 0x0200u
#define MSL_NBNS_F_RD 0x0100u
#define MSL_NBNS_F_RA 0x0080u
#define MSL_NBNS_F_B 0x0010u
#define MSL_NBNS_F_RCODE 0x000Fu

/* OPCODE values [RFC 1002 §4.2.1.1, MS-NBTE §2.2.2]. */
enum msl_nbns_opcode {
  MSL_NBNS_OP_QUERY = 0,
  MSL_NBNS_OP_REGISTER = 5,
  MSL_NBNS_OP_RELEASE = 6,
  MSL_NBNS_OP_WACK = 7,
  MSL_NBNS_OP_REFRESH = 8,
  MSL_NBNS_OP_REFRESH_ALT = 9, /* the RFC's ambiguity; Samba accepts it */
  MSL_NBNS_OP_MULTIHOMED = 15  /* multi-homed registration, MS-NBTE */
};

/* RCODE values [RFC 1002 §4.2.6, §4.2.14]. */
enum msl_nbns_rcode {
  MSL_NBNS_RC_OK = 0,
  MSL_NBNS_RC_FMT = 1, /* format error */
  MSL_NBNS_RC_SRV = 2, /* server failure */
  MSL_NBNS_RC_NAM = 3, /* name does not exist */
  MSL_NBNS_RC_IMP = 4, /* unsupported request */
  MSL_NBNS_RC_RFS = 5, /* refused */
  MSL_NBNS_RC_ACT = 6, /* active: name owned by another node */
  MSL_NBNS_RC_CFT = 7  /* name in conflict */
};

/* RR and question types, class [RFC 1002 §4.2.1.2-3]. */
enum msl_nbns_type {
  MSL_NBNS_T_A = 0x0001,
  MSL_NBNS_T_NS = 0x0002,
  MSL_NBNS_T_NULL = 0x000A,
  MSL_NBNS_T_NB = 0x0020,
  MSL_NBNS_T_NBSTAT = 0x0021
};
#define MSL_NBNS_CLASS_IN 0x0001

/* NB_FLAGS [§4.2.1.3] and NAME_FLAGS [§4.2.18]: G and ONT are shared. */
#define MSL_NBNS_NB_G 0x8000u
#define MSL_NBNS_NB_ONT 0x6000u
#define MSL_NBNS_ONT_B 0x0000u
#define MSL_NBNS_ONT_P 0x2000u
#define MSL_NBNS_ONT_M 0x4000u
#define MSL_NBNS_ONT_H 0x6000u    /* Microsoft hybrid node */
#define MSL_NBNS_NAME_DRG 0x1000u /* being deregistered */
#define MSL_NBNS_NAME_CNF 0x0800u /* in conflict */
#define MSL_NBNS_NAME_ACT 0x0400u /* active (always set) */
#define MSL_NBNS_NAME_PRM 0x0200u /* permanent node name */

/*
 * A name as it appeared on the wire. `compressed` names ended with a label
 * pointer to offset `ptr` (from the packet start), after `inline_labels`
 * labels written in full (0: the whole name is the pointer, as in 0xC00C).
 * Builders set compressed = 0 except for the RR_NAME of requests that the
 * RFC compresses; the encoder writes a pointer exactly as recorded.
 */
typedef struct msl_nbns_name {
  msl_nbname nb;
  uint8_t compressed;
  uint8_t inline_labels;
  uint16_t ptr;
} msl_nbns_name;

/* One question entry [§4.2.1.2]. */
typedef struct msl_nbns_question {
  msl_nbns_name name;
  uint16_t type; /* MSL_NBNS_T_NB or MSL_NBNS_T_NBSTAT */
  uint16_t qclass;
} msl_nbns_question;

/*
 * NB RDATA entry [§4.2.1.3, §4.2.13]:
 *   +-------------------------------+-------------------------------+
 *   | G | ONT |  reserved (13 bits) |     NB_ADDRESS (IPv4, 4)      |
 *   +-------------------------------+-------------------------------+
 * addr is in host order: 192.168.1.2 is 0xC0A80102.
 */
typedef struct msl_nbns_nb {
  uint16_t flags;
  uint32_t addr;
} msl_nbns_nb;

/* Node-status name entry [§4.2.18]: raw 16-byte name + NAME_FLAGS. */
typedef struct msl_nbns_node_name {
  uint8_t name[MSL_NBNAME_RAW_LEN];
  uint16_t flags;
} msl_nbns_node_name;

/*
 * Node-status STATISTICS [RFC 1002 §4.2.18], 46 bytes, big-endian:
 *   UNIT_ID (6, the MAC address) | JUMPERS (1) | TEST_RESULT (1) |
 *   VERSION_NUMBER | PERIOD_OF_STATISTICS | NUMBER_OF_CRCs |
 *   NUMBER_ALIGNMENT_ERRORS | NUMBER_OF_COLLISIONS | NUMBER_SEND_ABORTS (2
 *   each) | NUMBER_GOOD_SENDS | NUMBER_GOOD_RECEIVES (4 each) |
 *   NUMBER_RETRANSMITS | NUMBER_NO_RESOURCE_CONDITIONS |
 *   NUMBER_FREE_COMMAND_BLOCKS | TOTAL_NUMBER_COMMAND_BLOCKS |
 *   MAX_TOTAL_NUMBER_COMMAND_BLOCKS | NUMBER_PENDING_SESSIONS |
 *   MAX_NUMBER_PENDING_SESSIONS | MAX_TOTAL_SESSIONS_POSSIBLE |
 *   SESSION_DATA_PACKET_SIZE (2 each)
 */
typedef struct msl_nbns_stats {
  uint8_t unit_id[6];
  uint8_t jumpers;
  uint8_t test_result;
  uint16_t version_number;
  uint16_t period_of_statistics;
  uint16_t number_of_crcs;
  uint16_t number_alignment_errors;
  uint16_t number_of_collisions;
  uint16_t number_send_aborts;
  uint32_t number_good_sends;
  uint32_t number_good_receives;
  uint16_t number_retransmits;
  uint16_t number_no_resource_conditions;
  uint16_t number_free_command_blocks;
  uint16_t total_number_command_blocks;
  uint16_t max_total_number_command_blocks;
  uint16_t number_pending_sessions;
  uint16_t max_number_pending_sessions;
  uint16_t max_total_sessions_possible;
  uint16_t session_data_packet_size;
} msl_nbns_stats;

/*
 * One resource record. `rdata` is RDATA as received; the typed fields below
 * are decoded from it according to `type`:
 *  - NB: nb_count whole 6-byte entries in nb_raw (nb_extra bytes left over,
 *    0 in a well-formed record), the first one also in nb_first. In a WACK
 *    (opcode 7) response the 2-byte RDATA is instead the request's flags
 *    word, in wack_flags [§4.2.16].
 *  - NBSTAT: num_names entries in names_raw, then the statistics.
 *    stats_len is how many statistics bytes RDATA held: 46 in every capture
 *    (RDLENGTH = 1 + 18 n + 46), but a short block is accepted (missing
 *    counters read as 0) and a longer one keeps its extra bytes in rdata.
 *    Windows 2003 sends 18 more zero bytes after the record, outside
 *    RDLENGTH: they land in msl_nbns.trailer.
 *  - A: a_addr (host order) when RDLENGTH >= 4. NS, NULL, others: rdata only.
 *
 * Encoding: when rdata.ptr is set (every decoded record) RDATA is written
 * verbatim, which makes a decode/encode round trip exact. Builders leave it
 * NULL; the encoder then writes RDATA from the typed fields, taking NB
 * entries from nb_list, else nb_raw, else nb_first (nb_count <= 1), node
 * names from names_list, else names_raw, and always a full 46-byte
 * statistics block.
 * List pointers are borrowed: valid while the caller's arrays are.
 */
typedef struct msl_nbns_rr {
  msl_nbns_name name;
  uint16_t type;
  uint16_t rrclass;
  uint32_t ttl;
  msl_view rdata;

  size_t nb_count;
  msl_view nb_raw;
  msl_nbns_nb nb_first;
  const msl_nbns_nb *nb_list;
  size_t nb_extra;
  uint16_t wack_flags;

  uint8_t num_names;
  msl_view names_raw;
  const msl_nbns_node_name *names_list;
  msl_nbns_stats stats;
  size_t stats_len;

  uint32_t a_addr;
} msl_nbns_rr;

/*
 * A name-service packet. The counts are the header's; the first
 * min(count, cap) entries of each section are stored, and `over` counts the
 * entries parsed but not stored. `trailer` is whatever followed the last
 * record (Windows 2003 node-status responses carry 18 zero bytes there); the
 * encoder writes it back.
 */
typedef struct msl_nbns {
  uint16_t trn_id;
  uint16_t flags;
  uint16_t qdcount, ancount, nscount, arcount;
  msl_nbns_question qd[MSL_NBNS_MAX_QD];
  msl_nbns_rr an[MSL_NBNS_MAX_RR];
  msl_nbns_rr ns[MSL_NBNS_MAX_RR];
  msl_nbns_rr ar[MSL_NBNS_MAX_RR];
  size_t over;
  msl_view trailer;
  /* Entries (questions, then answer, authority, additional records, in
   * wire order, stored or not) read completely. Equal to the sum of the
   * counts after a successful decode; after an error, the entries before
   * it, which are filled and can be shown (msl_nbns_decode_ex). */
  size_t decoded;
  /* Names among those entries that msl_nbns_decode_ex with
   * MSL_NBNS_LENIENT found illegal (their nb.illegal is not 0). Always 0
   * from msl_nbns_decode. */
  size_t illegal_names;
  /* After an error: the offset where decoding stopped (the field that
   * could not be read, or the start of the entry whose name failed). */
  size_t err_off;
} msl_nbns;

static inline unsigned msl_nbns_opcode(const msl_nbns *m) {
  return (m->flags & MSL_NBNS_F_OPCODE) >> 11;
}
static inline unsigned msl_nbns_rcode(const msl_nbns *m) {
  return m->flags & MSL_NBNS_F_RCODE;
}
static inline int msl_nbns_is_response(const msl_nbns *m) {
  return (m->flags & MSL_NBNS_F_RESPONSE) != 0;
}

/*
 * Decodes a name-service packet of len bytes at p into *out: the header,
 * counts, `over`, `trailer`, `decoded` and every entry read are written
 * (stored entries past the counts keep old contents: not cleared, for
 * speed). Names follow label pointers (backward only, bounded jumps).
 * Every RDLENGTH is checked against what remains; bytes after the last
 * record are kept in out->trailer. Views point into p (valid while p is).
 * On error only the header and the first out->decoded entries are
 * meaningful (0 entries when the counts were refused up front).
 * Returns 0 or:
 *  MSL_ERR_ARG        out or p is NULL
 *  MSL_ERR_TRUNCATED  the packet ends inside the header, a name, a record,
 *                     or before the entries its counts announce
 *  MSL_ERR_NAME, MSL_ERR_NAME_LOOP  a malformed or looping name
 *  MSL_ERR_INVALID    node-status names that do not fit their RDLENGTH
 */
MSL_PROTO_API int msl_nbns_decode(msl_nbns *out, const uint8_t *p, size_t len);

/* `flags` of msl_nbns_decode_ex. */
enum {
  /* Decode as Wireshark shows a packet (for dissectors only): see below. */
  MSL_NBNS_LENIENT = 0x01,
};

/*
 * msl_nbns_decode with options; flags 0 is exactly msl_nbns_decode.
 * MSL_NBNS_LENIENT, for a dissector that shows captured packets as
 * Wireshark does (never for packets acted upon):
 *  - names are read with msl_nbname_decode_lenient: a first label that is
 *    not a legal first-level encoding [RFC 1001 §14.1] is not an error; the
 *    name's nb.illegal says why and out->illegal_names counts such names;
 *  - counts that promise more entries than the packet can hold are not
 *    refused up front: entries are read in order until one fails, and
 *    out->decoded says how many were read completely (they are filled and
 *    can be shown; the error is still returned).
 * Returns 0 or the errors of msl_nbns_decode.
 */
MSL_PROTO_API int msl_nbns_decode_ex(msl_nbns *out, const uint8_t *p,
                                     size_t len, unsigned flags);

/*
 * Encodes m into buf (cap bytes; buf may be NULL with cap 0 to ask for the
 * size). Header counts are taken from m; every counted entry must be stored
 * (count <= cap of its section). Returns the length written or:
 *  MSL_ERR_ARG       m is NULL, or a typed list/view is inconsistent with
 *                    its count
 *  MSL_ERR_TOO_MANY  a count exceeds what the struct stores (a decoded
 *                    packet that overflowed a section cannot be rebuilt)
 *  MSL_ERR_MSG_TOO_BIG  an RDATA longer than 65535 bytes
 *  MSL_ERR_NAME_PTR  a compressed name whose pointer is not below it
 *  MSL_ERR_NAME      a name whose scope_len exceeds MSL_NBNAME_SCOPE_MAX
 *  MSL_ERR_BUFFER_TOO_SMALL  cap too small (the needed size is not reported)
 */
MSL_PROTO_API int msl_nbns_encode(const msl_nbns *m, uint8_t *buf, size_t cap);

/*
 * The i-th NB entry of rr (from nb_list or nb_raw). Returns 1 and fills *out,
 * or 0 when i >= rr->nb_count. Use as: for (i = 0; msl_nbns_rr_nb(rr, i,
 * &e); i++).
 */
MSL_PROTO_API int msl_nbns_rr_nb(const msl_nbns_rr *rr, size_t i, msl_nbns_nb *out);

/* The i-th node-status name of rr; 1, or 0 when i >= rr->num_names. */
MSL_PROTO_API int msl_nbns_rr_node_name(const msl_nbns_rr *rr, size_t i,
                                  msl_nbns_node_name *out);

/*
 * Builders for the packets a B-node sends and answers [RFC 1002 §4.2,
 * §5.1.1; protocol-notes §3.2]. Each overwrites *m and returns 0 or
 * MSL_ERR_ARG (NULL pointer, bad rcode, too many entries). Encode the result
 * with msl_nbns_encode. Names are copied; `entries`/`names` arrays are
 * borrowed until encoding. `addr` values are IPv4 in host order.
 */

/* Name query request [§4.2.12]: 0x0110 broadcast, 0x0100 unicast. */
MSL_PROTO_API int msl_nbns_build_query(msl_nbns *m, uint16_t trn_id,
                                 const msl_nbname *name, int broadcast);

/* Positive name query response [§4.2.13]: 0x8500, one NB record of n
 * entries (1..10922). */
MSL_PROTO_API int msl_nbns_build_query_response(msl_nbns *m, uint16_t trn_id,
                                          const msl_nbname *name, uint32_t ttl,
                                          const msl_nbns_nb *entries, size_t n);

/* Negative name query response [§4.2.14]: 0x8500 | rcode (1..7), a NULL
 * record with TTL 0 and no RDATA. */
MSL_PROTO_API int msl_nbns_build_query_negative(msl_nbns *m, uint16_t trn_id,
                                          const msl_nbname *name,
                                          unsigned rcode);

/* Name registration request [§4.2.2]: 0x2910 broadcast / 0x2900 unicast,
 * question + additional NB record named by the 0xC00C pointer. */
MSL_PROTO_API int msl_nbns_build_registration(msl_nbns *m, uint16_t trn_id,
                                        const msl_nbname *name,
                                        uint16_t nb_flags, uint32_t addr,
                                        uint32_t ttl, int broadcast);

/* Name overwrite request & demand ("name update") [§4.2.3]: 0x2810. */
MSL_PROTO_API int msl_nbns_build_overwrite(msl_nbns *m, uint16_t trn_id,
                                     const msl_nbname *name, uint16_t nb_flags,
                                     uint32_t addr, uint32_t ttl);

/* Name refresh request [§4.2.4]: opcode 8, 0x4010 broadcast / 0x4000. */
MSL_PROTO_API int msl_nbns_build_refresh(msl_nbns *m, uint16_t trn_id,
                                   const msl_nbname *name, uint16_t nb_flags,
                                   uint32_t addr, uint32_t ttl, int broadcast);

/* Name release request & demand [§4.2.9]: 0x3010 broadcast / 0x3000,
 * TTL 0. */
MSL_PROTO_API int msl_nbns_build_release(msl_nbns *m, uint16_t trn_id,
                                   const msl_nbname *name, uint16_t nb_flags,
                                   uint32_t addr, int broadcast);

/* Name registration response [§4.2.5-6]: 0xAD80 | rcode (0 positive,
 * MSL_NBNS_RC_ACT = 0xAD86 to defend a name), echoing the NB record. */
MSL_PROTO_API int msl_nbns_build_registration_response(msl_nbns *m, uint16_t trn_id,
                                                 const msl_nbname *name,
                                                 unsigned rcode,
                                                 uint16_t nb_flags,
                                                 uint32_t addr, uint32_t ttl);

/* Name conflict demand [§4.2.8]: 0xAD87, same layout, TTL 0. */
MSL_PROTO_API int msl_nbns_build_conflict(msl_nbns *m, uint16_t trn_id,
                                    const msl_nbname *name, uint16_t nb_flags,
                                    uint32_t addr);

/* WACK response [§4.2.16]: 0xBC00, NB record with TTL = seconds to wait and
 * the request's flags word as its 2-byte RDATA. */
MSL_PROTO_API int msl_nbns_build_wack(msl_nbns *m, uint16_t trn_id,
                                const msl_nbname *name, uint32_t ttl,
                                uint16_t request_flags);

/* Node status request [§4.2.17]: 0x0000 (0x0010 broadcast), NBSTAT question
 * for name (usually "*"). */
MSL_PROTO_API int msl_nbns_build_node_status(msl_nbns *m, uint16_t trn_id,
                                       const msl_nbname *name, int broadcast);

/* Node status response [§4.2.18]: 0x8400, NBSTAT record with TTL 0, the n
 * (0..255) names and statistics (stats may be NULL: all zero). */
MSL_PROTO_API int msl_nbns_build_node_status_response(msl_nbns *m, uint16_t trn_id,
                                                const msl_nbname *name,
                                                const msl_nbns_node_name *names,
                                                size_t n,
                                                const msl_nbns_stats *stats);

/*
 * Names for printing (static strings, never NULL): "query", "registration",
 * "release", "WACK", "refresh", "refresh(9)", "multi-homed registration" or
 * "opcode-N"; rcode "OK", "FMT_ERR", ... "CFT_ERR" or "rcode-N"; types "NB",
 * "NBSTAT", "A", "NS", "NULL" or "unknown"; node types "B", "P", "M", "H".
 */
MSL_PROTO_API const char *msl_nbns_opcode_name(unsigned opcode);
MSL_PROTO_API const char *msl_nbns_rcode_name(unsigned rcode);
MSL_PROTO_API const char *msl_nbns_type_name(unsigned type);
MSL_PROTO_API const char *msl_nbns_ont_name(uint16_t nb_flags);

/*
 * Flag letters of the header flags word, Wireshark order, e.g. "R AA RD RA B"
 * for 0x8590: writes at most cap bytes including the NUL; returns the length
 * needed (without the NUL).
 */
MSL_PROTO_API size_t msl_nbns_flags_format(uint16_t flags, char *buf, size_t cap);

#endif /* MSL_NBNS_H */
