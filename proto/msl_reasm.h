/*
 * Bounded reassembly of fragmented NetBIOS datagrams [RFC 1002 §5.3.3].
 *
 * Pure: no allocation (the caller hands in one block of memory), no clock
 * (every call takes `now` in milliseconds from any monotonic source), no
 * I/O. Fragments may arrive in any order and more than once; a datagram is
 * complete when its first fragment (F=1, offset 0) and its last (M=0) have
 * been seen and every byte in [0, end) is covered. See msl_nbdgm.h for the
 * meaning we give PACKET_OFFSET (offset of the fragment's user data within
 * the whole user data).
 *
 * Key: (UDP source IP, UDP source port, header SOURCE_IP, header
 * SOURCE_PORT, DGM_ID). The RFC matches on SOURCE_IP + DGM_ID only; adding
 * the UDP source keeps a host that merely writes someone else's address in
 * the header from injecting bytes into that host's datagrams, and adding
 * the header source keeps two origins relayed through one NBDD apart. All
 * five are identical in every fragment of an honest sender.
 *
 * Memory: a slot table (one entry per pending datagram), a table of what
 * each source holds, a pool of MSL_REASM_CHUNK-byte chunks with a coverage
 * bitmap each, and one output buffer of max_datagram bytes. Allocation is
 * O(1) from a free stack, so a fragmented pool never costs extra work. A
 * call is O(max_pending + fragment length) plus O(max_pending) for each
 * datagram it evicts; every eviction removes a datagram an earlier call
 * stored, so that part is O(max_pending) amortised.
 *
 * Limits: a source is the UDP source IP (the header SOURCE_IP costs nothing
 * to forge; the UDP source must at least be spoofed packet by packet). A
 * source may hold max_per_source pending datagrams and max_bytes_per_source
 * of pool. A source at its share that starts a datagram, or whose fragment
 * needs chunks beyond its share, evicts its own oldest pending datagrams.
 * When the whole table (pool) is full, the adder evicts the oldest datagram
 * of the source holding the most entries, then bytes (pool: bytes, then
 * entries), as long as that source holds at least as much as the adder will
 * once served; otherwise its own oldest, or the fragment is refused. So a
 * flood from one address churns only its own share, and a host with a
 * datagram or two in flight keeps them. A flood from many spoofed addresses
 * still wins (each looks small): memory stays bounded, no more. The
 * datagram being added to is never evicted. Completed datagrams are handed
 * out at once and never stored, so they are never evicted: the fragment
 * that completes a datagram never needs new memory.
 */
#ifndef MSL_REASM_H
#define MSL_REASM_H

#include "msl_nbdgm.h"

#define MSL_REASM_CHUNK 512               /* pool granularity (bytes) */
#define MSL_REASM_DEFAULT_TIMEOUT_MS 2000 /* FRAGMENT_TO [RFC 1002 §6] */
#define MSL_REASM_DEFAULT_MAX_PENDING 16
#define MSL_REASM_DEFAULT_MAX_BYTES (256 * 1024)
#define MSL_REASM_DEFAULT_MAX_DATAGRAM 65535
/* A quarter of the defaults above; 64 KiB also holds one 65535-byte
 * datagram (128 chunks). */
#define MSL_REASM_DEFAULT_MAX_PER_SOURCE (MSL_REASM_DEFAULT_MAX_PENDING / 4)
#define MSL_REASM_DEFAULT_MAX_BYTES_PER_SOURCE (MSL_REASM_DEFAULT_MAX_BYTES / 4)
/* Largest end a fragment can name: 16-bit offset + a 16-bit-length body. */
#define MSL_REASM_MAX_DATAGRAM_LIMIT (0xffff + 0xffff)

typedef struct msl_reasm_limits {
  size_t max_pending;  /* datagrams in reassembly at once (>= 1) */
  size_t max_bytes;    /* pool bytes (held bytes count whole chunks) */
  uint64_t timeout_ms; /* a pending datagram is dropped this long after its
                          first fragment arrived (>= 1) */
  size_t max_datagram; /* largest reassembled user data accepted */
  /* Shares of one UDP source IP. 0: a quarter of the whole, at least one
   * datagram and, if the pool has room, one max_datagram's chunks. More
   * than the whole: no share, only the full-table rule applies. */
  size_t max_per_source;       /* pending datagrams */
  size_t max_bytes_per_source; /* pool bytes (>= MSL_REASM_CHUNK if set) */
} msl_reasm_limits;

/* Return values of msl_reasm_add besides errors. */
enum { MSL_REASM_PENDING = 0, MSL_REASM_COMPLETE = 1 };

struct msl_reasm_slot; /* private, live in the caller's memory */
struct msl_reasm_src;

typedef struct msl_reasm {
  msl_reasm_limits lim; /* as given, with the shares in force */
  /* counters (read them; never written by the caller) */
  uint64_t completed; /* datagrams handed out (unfragmented ones too) */
  uint64_t expired;   /* pending datagrams dropped by timeout */
  uint64_t evicted;   /* pending datagrams dropped to make room */
  /* ... of them, the adder's own (at its share, or holding the most of a
   * full table or pool), and another source's (holding the most): */
  uint64_t evicted_own, evicted_fair;
  uint64_t rejected;  /* fragments refused (each error return counts) */
  size_t pending;     /* datagrams now pending */
  size_t bytes_held;  /* chunk bytes in use, <= lim.max_bytes */
  /* private */
  struct msl_reasm_slot *slots;
  struct msl_reasm_src *srcs;
  uint32_t *idx;      /* max_pending x nidx chunk numbers */
  uint8_t *pool;      /* nchunks x MSL_REASM_CHUNK data bytes */
  uint8_t *bits;      /* nchunks x MSL_REASM_CHUNK/8 coverage bits */
  uint32_t *free_stk; /* free chunk numbers */
  uint8_t *outbuf;    /* max_datagram bytes */
  size_t nidx, nchunks, nfree;
  uint64_t seq; /* arrival order for eviction */
} msl_reasm;

typedef struct msl_reasm_out {
  /* The whole datagram: header fields and names of its first fragment,
   * flags with M cleared, offset 0, DGM_LENGTH computed, data the whole
   * user data. For a fragmented datagram data points into the reassembler's
   * memory and is valid until the next msl_reasm_* call on it; for an
   * unfragmented one it is the caller's own view (valid while that is). */
  msl_nbdgm dgm;
} msl_reasm_out;

/* Fills lim with the defaults above (the shares too: a caller who then
 * shrinks max_pending or max_bytes gets them clamped, not scaled). */
MSL_PROTO_API void msl_reasm_limits_default(msl_reasm_limits *lim);

/* Bytes of memory msl_reasm_init needs for lim (NULL = defaults), including
 * alignment slack; 0 when lim is invalid. */
MSL_PROTO_API size_t msl_reasm_mem_size(const msl_reasm_limits *lim);

/*
 * Sets r up over mem (mem_size bytes, any alignment; owned by the caller,
 * who keeps it alive and untouched while r is used and frees it after).
 * lim may be NULL for the defaults; it is copied.
 * Returns 0 or MSL_ERR_ARG (NULL r or mem, a zero limit other than the
 * shares, max_datagram over MSL_REASM_MAX_DATAGRAM_LIMIT, a byte share
 * under one chunk) or MSL_ERR_BUFFER_TOO_SMALL (mem_size below
 * msl_reasm_mem_size(lim)).
 */
MSL_PROTO_API int msl_reasm_init(msl_reasm *r, void *mem, size_t mem_size,
                           const msl_reasm_limits *lim);

/*
 * Feeds one decoded DIRECT_UNIQUE / DIRECT_GROUP / BROADCAST packet that
 * came from udp_ip:udp_port (host-order values) at now_ms. Expires timed-out
 * datagrams first. An unfragmented packet (F=1, M=0, offset 0) completes at
 * once without touching pending state.
 * Returns MSL_REASM_COMPLETE (out filled), MSL_REASM_PENDING, or (counted
 * in `rejected`):
 *   MSL_ERR_ARG      NULL argument, r not initialised, not type 0x10-0x12;
 *   MSL_ERR_INVALID  F=1 with a non-zero offset; a fragment past a known
 *                    end or a last fragment ending before bytes already
 *                    seen; a type or names differing from earlier
 *                    fragments (the pending datagram is kept); bytes that
 *                    overlap earlier ones with different values (the
 *                    pending datagram is dropped: which copy is right is
 *                    unknowable);
 *   MSL_ERR_MSG_TOO_BIG  fragment end over max_datagram;
 *   MSL_ERR_TOO_MANY  not enough pool within its source's share or from
 *                    what the eviction rules (Limits, above) may take.
 */
MSL_PROTO_API int msl_reasm_add(msl_reasm *r, const msl_nbdgm *frag, uint32_t udp_ip,
                          uint16_t udp_port, uint64_t now_ms,
                          msl_reasm_out *out);

/* Drops every pending datagram whose first fragment arrived at least
 * timeout_ms before now_ms. Returns how many were dropped. */
MSL_PROTO_API size_t msl_reasm_expire(msl_reasm *r, uint64_t now_ms);

/* Milliseconds from now_ms until the next expiry (0 if one is due), or
 * UINT64_MAX when nothing is pending: a poll timeout for net/. */
MSL_PROTO_API uint64_t msl_reasm_next_timeout(const msl_reasm *r, uint64_t now_ms);

#endif /* MSL_REASM_H */
