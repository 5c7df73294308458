/*
 * The NetBIOS datagram service [RFC 1002 §4.4, §5.3] for mailslots
 * [MS-MAIL §3.2]: the receive path (UDP payload -> local mailslot) and the
 * send path (message -> one or more UDP payloads). No sockets of its own:
 * the caller (net/msl_service.c, api/msl_remote.c) feeds received
 * payloads in and hands a msl_udp in for sending.
 *
 * Receive, per UDP payload (msl_dgram_input):
 *   1. msl_nbdgm_decode (strict: any error is "malformed datagram"; but a
 *      DGM_LENGTH shorter than an unfragmented datagram is ignored, as
 *      Samba and Wireshark ignore it, and counted: MSL_NBDGM_SHORT_LENGTH_OK);
 *      types 0x13-0x16 (error, query) are counted and ignored;
 *   2. duplicates dropped: key (SOURCE_IP, DGM_ID, length, 64-bit FNV-1a
 *      hash of the payload) seen within the window (MS-NBTE §3.1.4: one
 *      copy per interface of a multi-homed sender or receiver; Samba nmbd
 *      is_processed_packet). Bounded: a direct-mapped table of
 *      MSL_DGRAM_DEDUPE_SLOTS entries, a newer entry overwrites an older;
 *   3. the destination name must be one of ours (below), else ignored;
 *   4. fragments reassembled (msl_reasm, bounded, FRAGMENT_TO 2 s);
 *   5. msl_smbtr_decode: the SMB mailslot write [MS-MAIL §2.2.1];
 *   6. handed to the sink the layer above installed (net/msl_sink.h;
 *      local/msl_deliver.h delivers to this host's mailslots) with the
 *      sender details (msl_msg_info: header SOURCE_IP/SOURCE_PORT, source
 *      and destination names, MSG_TYPE). Never blocks: the sink holds what
 *      a full slot cannot take, and says when to stop reading the network
 *      (msl_dgram_backlogged); the service polls the descriptors it names
 *      (msl_dgram_pollfds) and flushes it (msl_dgram_flush).
 *
 * Our names (DIRECT_UNIQUE and DIRECT_GROUP are both accepted for every
 * one, MS-MAIL <13>; Samba sends 0x11 to unique names):
 *   HOST<00>                 the computer name (MS-MAIL §3.2.3)
 *   HOST<03>, HOST<20>       with MSL_DGRAM_N_MESSENGER / _SERVER
 *   WORKGROUP<00>            domain-wide datagrams (\\DOMAIN\mailslot\x)
 *   WORKGROUP<1D>, <1E>,     browser names [MS-BRWS §2.1.1], so that
 *   <01><02>__MSBROWSE__<02><01>   \MAILSLOT\BROWSE reaches a local reader
 *                            (unless MSL_DGRAM_N_NO_BROWSER)
 *   "*"<00>                  the BROADCAST (0x12) destination [§5.3.1]
 * all in the configured scope. A datagram for any other name is ignored
 * (as Samba nmbd does; no DATAGRAM ERROR is sent).
 */
#ifndef MSL_DGRAM_SERVICE_H
#define MSL_DGRAM_SERVICE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "mailslot.h"
#include "msl_ifaces.h"
#include "msl_nbdgm.h"
#include "msl_reasm.h"
#include "msl_sink.h"
#include "msl_smbtr.h"
#include "msl_udp.h"

#define MSL_DGRAM_DEDUPE_SLOTS 4096
#define MSL_DGRAM_DEDUPE_WINDOW_MS 1000
#define MSL_DGRAM_NAMES_MAX 8
/* Descriptors a sink may ask the service to poll (backlogged slots). */
#define MSL_DGRAM_POLLFDS 64

/* msl_dgram_config.names */
enum {
  MSL_DGRAM_N_MESSENGER = 0x1,  /* also HOST<03> */
  MSL_DGRAM_N_SERVER = 0x2,     /* also HOST<20> */
  MSL_DGRAM_N_NO_BROWSER = 0x4, /* not WG<1D>, WG<1E>, __MSBROWSE__ */
};

typedef struct msl_dgram_config {
  const char *name;      /* NetBIOS computer name (<= 15 chars) */
  const char *workgroup; /* workgroup / domain (<= 15 chars) */
  const char *scope;     /* NetBIOS scope ID, NULL or "" for none */
  unsigned names;        /* MSL_DGRAM_N_* */
  uint32_t dedupe_window_ms; /* 0: MSL_DGRAM_DEDUPE_WINDOW_MS */
  const msl_reasm_limits *reasm; /* NULL: msl_reasm_limits_default */
  msl_sink sink;         /* where received messages go (required) */
} msl_dgram_config;

/* Every counter only grows. */
typedef struct msl_dgram_counters {
  uint64_t received;        /* UDP payloads handed to msl_dgram_input */
  uint64_t duplicates;      /* dropped as copies */
  uint64_t not_ours;        /* ignored: destination is not our name */
  uint64_t bad_udp;         /* oversized or empty payload */
  uint64_t bad_nbdgm;       /* datagram header or names malformed */
  uint64_t short_length;    /* DGM_LENGTH short of the packet: taken whole */
  uint64_t other_type;      /* DATAGRAM ERROR / QUERY (0x13-0x16) ignored */
  uint64_t bad_smb;         /* user data not an SMB, or malformed SMB */
  uint64_t not_mailslot;    /* an SMB, but not a mailslot write */
  uint64_t fragments;       /* fragments received (F/M/offset not single) */
  uint64_t reassembled;     /* datagrams completed from fragments */
  uint64_t reasm_dropped;   /* fragments refused by the reassembler */
  uint64_t sent;            /* UDP datagrams sent */
  uint64_t send_errors;     /* UDP sends that failed */
} msl_dgram_counters;

/* What msl_dgram_input did with one payload. */
enum msl_dgram_verdict {
  MSL_DGRAM_DELIVERED = 0,
  MSL_DGRAM_PENDING,      /* a fragment, kept for reassembly */
  MSL_DGRAM_DUPLICATE,
  MSL_DGRAM_NOT_OURS,
  MSL_DGRAM_NO_MAILSLOT,
  MSL_DGRAM_MALFORMED,    /* any bad_* / not_mailslot counter, or a name
                             the sink cannot use */
  MSL_DGRAM_IGNORED,      /* other_type */
  MSL_DGRAM_REASM_DROP,
  MSL_DGRAM_DROPPED,      /* refused by the slot, held-message caps, too
                             big, other error (the sink counts them) */
  MSL_DGRAM_HELD,         /* slot full: held, delivered later (or counted
                             as dropped) */
};

typedef struct msl_dgram msl_dgram;

/**
 * Allocates a datagram service (names, dedupe table, reassembler). cfg and
 * its strings are copied; the sink is used until msl_dgram_free.
 * @return 0, or MSL_ERR_ARG (NULL, missing or invalid name / workgroup /
 *         scope, no sink), MSL_ERR_NOMEM.
 */
int msl_dgram_new(msl_dgram **out, const msl_dgram_config *cfg);

/** Frees d (NULL ignored); the sink is its owner's. */
void msl_dgram_free(msl_dgram *d);

/**
 * Handles one received UDP payload p[0..len) that came from
 * udp_ip:udp_port (host order) at now_ms (CLOCK_MONOTONIC milliseconds).
 * Never blocks, never keeps p. Returns an enum msl_dgram_verdict; every
 * outcome is counted.
 */
int msl_dgram_input(msl_dgram *d, const uint8_t *p, size_t len,
                    uint32_t udp_ip, uint16_t udp_port, uint64_t now_ms);

/** Counts a payload the socket layer rejected (truncated by the kernel). */
void msl_dgram_count_bad_udp(msl_dgram *d);

/** Expires pending fragments and runs the sink's timers; returns ms
 *  until the next expiry (UINT64_MAX: none). */
uint64_t msl_dgram_tick(msl_dgram *d, uint64_t now_ms);

/** The sink's descriptors to poll for POLLOUT (at most cap); the count. */
size_t msl_dgram_pollfds(const msl_dgram *d, struct pollfd *pf, size_t cap);

/** One of them is ready: the sink moves held messages on. */
void msl_dgram_flush(msl_dgram *d, uint64_t now_ms);

/** 1 when the sink could not hold batch more messages: stop reading the
 *  socket until a flush or tick makes room. */
int msl_dgram_backlogged(const msl_dgram *d, size_t batch);

/** 1 when n is one of our names (see above). */
int msl_dgram_is_ours(const msl_dgram *d, const msl_nbname *n);

/** The counters (pointer valid while d is; updated in place). */
const msl_dgram_counters *msl_dgram_counters_get(const msl_dgram *d);

/** Adds send results (from a msl_dgram_sender) to d's counters. */
void msl_dgram_count_sent(msl_dgram *d, uint64_t sent, uint64_t errors);

/** The reassembler (for its own counters). */
const msl_reasm *msl_dgram_reasm(const msl_dgram *d);

/** Our computer name, workgroup and scope as configured (upper-cased). */
const msl_nbname *msl_dgram_host_name(const msl_dgram *d);  /* HOST<00> */
const msl_nbname *msl_dgram_group_name(const msl_dgram *d); /* WG<00> */

/* ---- sending -------------------------------------------------------- */

/* Where one message goes (filled by the caller, e.g. api/msl_remote.c). */
typedef struct msl_dgram_dest {
  int group;       /* 0: DIRECT_UNIQUE by unicast to ip; 1: DIRECT_GROUP
                      to the broadcast address of each interface */
  uint32_t ip;     /* unicast destination, host order */
  uint16_t port;   /* destination UDP port (138) */
  msl_nbname name; /* DESTINATION_NAME: HOST<00> or DOMAIN<00> */
  char mailslot[MSL_SMBTR_NAME_MAX + 1]; /* "\MAILSLOT\NAME" */
  int fragment;    /* allow RFC 1002 fragmentation beyond the Windows cap */
  int fit576;      /* keep each UDP payload within 576 bytes, what Samba
                      receives (MSL_NBDGM_SAMBA_MAX_PAYLOAD): a smaller
                      limit, or with `fragment` a smaller fragment size */
} msl_dgram_dest;

/* Sends datagrams from one socket with one source name. */
typedef struct msl_dgram_sender {
  msl_udp *udp;          /* socket to send from (not owned) */
  msl_nbname src;        /* SOURCE_NAME: our HOST<00> */
  uint16_t src_port;     /* SOURCE_PORT written in the header */
  uint32_t src_ip;       /* SOURCE_IP override (host order; 0 = the
                            address of the interface used) */
  const msl_ifaces *ifs; /* broadcast targets for group sends */
  uint16_t next_id;      /* DGM_ID of the next datagram */
  uint64_t sent, errors; /* UDP datagrams sent / failed sends */
  uint64_t rejected;     /* messages refused before sending (too big, bad
                            header from the writer) */
  uint8_t *smb;          /* MSL_SMBTR_MAX_LEN_NOLIMIT bytes */
  uint8_t *pkt;          /* one encoded datagram */
  size_t pkt_cap;
  /* Called once per unfragmented group send, before it goes out, with
   * the datagram (DGM_ID of the first copy, SOURCE_IP 0, the SMB as its
   * user data): the relay carries our own group sends to other sites
   * (net/msl_relay.h). NULL: none. */
  void (*tap)(void *user, const msl_nbdgm *tmpl);
  void *tap_user;
} msl_dgram_sender;

/**
 * Sets s up; allocates its buffers. DGM_ID starts at a random value
 * (getrandom) and increments per datagram [RFC 1002 §4.4.1].
 * @return 0, MSL_ERR_ARG, MSL_ERR_NOMEM.
 */
int msl_dgram_sender_init(msl_dgram_sender *s, msl_udp *udp,
                          const msl_nbname *src, uint16_t src_port,
                          const msl_ifaces *ifs);

/** Frees s's buffers (the socket is the caller's). */
void msl_dgram_sender_free(msl_dgram_sender *s);

/**
 * Largest message for dest: msl_smbtr_max_data (the Windows 512-byte SMB
 * cap [MS-MAIL <2>], 424 for a 5-8 character name); with dest->fit576,
 * what fits a 576-byte UDP payload with dest->name's scope on both names
 * (406 for a 5-8 character name without a scope); with dest->fragment,
 * what fits a 65535-byte SMB. Negative msl_err for a bad mailslot name
 * (MSL_ERR_MSG_TOO_BIG: not even an empty message fits 576 bytes).
 */
int msl_dgram_max_message(const msl_dgram_dest *dest);

/**
 * Builds the SMB in the Windows-client layout [MS-MAIL §4] (class 2,
 * 4-aligned data) and the datagram (F=1, M=0, B-node, DGM_ID from s) and
 * sends it: once by unicast, or once per interface to its broadcast
 * address from its own address. A message over the Windows cap (with
 * dest->fit576: over 576 bytes of UDP payload) is fragmented [RFC 1002
 * §5.3.1] into 576-byte IP datagrams when dest->fragment, else refused.
 * @return 0 (sent at least once; per-target failures are counted in
 *         s->errors), or MSL_ERR_ARG, MSL_ERR_MSG_TOO_BIG (over
 *         msl_dgram_max_message), MSL_ERR_NO_INTERFACE (group send with
 *         no interface), MSL_ERR_QUEUE_FULL / MSL_ERR_SYSTEM (every send
 *         failed).
 */
int msl_dgram_send(msl_dgram_sender *s, const msl_dgram_dest *dest,
                   const uint8_t *data, size_t len);

/* A NetBIOS name resolver: fills *ip (host order) for name<00>, returns 0,
 * or MSL_ERR_NAME_NOT_FOUND. The name service (issue 6) plugs in here. */
typedef int (*msl_dgram_resolver)(void *user, const char *name,
                                  const char *scope, uint32_t *ip);

/* The other way: the NetBIOS name of the host at ip (host order), in
 * scope, to address a datagram to. Fills *name (HOST<00> in scope) and
 * returns 0, or MSL_ERR_NAME_NOT_FOUND (keep "*"<00>). A node-status client
 * (net/msl_name_service.h) plugs in here. */
typedef int (*msl_dgram_addr_namer)(void *user, uint32_t ip,
                                    const char *scope, msl_nbname *name);

/* The system resolver step (after a NetBIOS miss): fills *ip (host order)
 * for host as written (a NetBIOS or a DNS name), returns 0 or
 * MSL_ERR_NAME_NOT_FOUND. NULL: msl_sysres_lookup (getaddrinfo, blocking). The
 * service's hook answers from a lookup run off its loop instead. */
typedef int (*msl_dgram_host_resolver)(void *user, const char *host,
                                       uint32_t *ip);

/**
 * Turns a network mailslot path into a destination [MS-MAIL §3.1.4.1,
 * Win32 "Mailslot Names"]:
 *   \\*\mailslot\X         DIRECT_GROUP to WORKGROUP<00>, broadcast
 *   \\WORKGROUP\mailslot\X DIRECT_GROUP to WORKGROUP<00>, broadcast
 *   \\1.2.3.4\mailslot\X   DIRECT_UNIQUE by unicast to that address,
 *                            destination the name namer gives (the
 *                            host's first unique active <00> name in
 *                            its node-status table, as Samba's client
 *                            does: Windows receivers deliver only to
 *                            names they registered); when namer is
 *                            NULL or finds none (no answer, no such
 *                            name), or for 0.0.0.0, 255.255.255.255 and
 *                            multicast, "*"<00> (libmailslot receivers
 *                            take it)
 *   \\HOST\mailslot\X      DIRECT_UNIQUE to HOST<00> by unicast to the
 *                            address from resolver (NetBIOS), else the
 *                            system resolver (getaddrinfo, IPv4)
 *   \\\\host.example\\...  DIRECT_UNIQUE to HOST<00> (first label) at the
 *                            address getaddrinfo gives
 *   anything else            a domain: DIRECT_GROUP to NAME<00>, broadcast
 * The mailslot name keeps the caller's case ("\MAILSLOT\" + NAME, '/'
 * read as '\'). resolver and namer may be NULL; both get user, and may
 * block (a client) or answer from a cache only (the service's loop, which
 * also hooks the system resolver step: msl_dgram_dest_resolve_ex).
 * @return 0, or MSL_ERR_ARG, MSL_ERR_BAD_PATH (not a valid network path:
 *         a local path is refused too), MSL_ERR_NAME (bad NetBIOS name),
 *         MSL_ERR_NAME_NOT_FOUND (a DNS name that does not resolve).
 */
int msl_dgram_dest_resolve(msl_dgram_dest *out, const char *path,
                           const char *workgroup, const char *scope,
                           uint16_t port, int fragment,
                           msl_dgram_resolver resolver,
                           msl_dgram_addr_namer namer, void *user);

/** msl_dgram_dest_resolve with the system resolver step as hres (NULL:
 *  getaddrinfo, as msl_dgram_dest_resolve does); hres gets user too. */
int msl_dgram_dest_resolve_ex(msl_dgram_dest *out, const char *path,
                              const char *workgroup, const char *scope,
                              uint16_t port, int fragment,
                              msl_dgram_resolver resolver,
                              msl_dgram_addr_namer namer,
                              msl_dgram_host_resolver hres, void *user);

/**
 * Reads one local-mailslot datagram (msl_lhdr header + message, as
 * msl_write sends it) from fd without blocking and sends the message to
 * dest. buf (cap >= MSL_LOCAL_MSG_MAX + MSL_LHDR_LEN + MSL_LHDR_EXT_MAX)
 * is scratch.
 * @return 1 (a message was handled, sent or not: see s's counters), 0
 *         (nothing waiting), MSL_ERR_NOT_FOUND (the writer closed its end),
 *         MSL_ERR_SYSTEM.
 */
int msl_dgram_forward(msl_dgram_sender *s, const msl_dgram_dest *dest, int fd,
                      uint8_t *buf, size_t cap);

/**
 * Writes the counters as "name value\n" lines (plus the reassembler's and
 * the sink's) into buf. Returns the length (NUL excluded) or
 * MSL_ERR_BUFFER_TOO_SMALL.
 */
int msl_dgram_format_counters(const msl_dgram *d, char *buf, size_t cap);

#endif /* MSL_DGRAM_SERVICE_H */
