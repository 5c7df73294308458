/*
 * The NetBIOS name service of a B-node [RFC 1001 §15, RFC 1002 §5.1.1,
 * protocol-notes §3], driven by the service's event loop (net/msl_service.c)
 * on UDP 137 (or --name-port).
 *
 * The state machine below does no I/O and reads no clock: packets come in
 * through msl_ns_input(), time is a parameter, and every packet it emits
 * goes out through the config's send callback. That makes it testable by
 * feeding packets (tests/test_name_service.c).
 *
 *  - start: for each of our names (HOST<00> unique, WORKGROUP<00> group,
 *    HOST<03>/<20> when configured) three broadcast registration requests
 *    250 ms apart (BCAST_REQ_RETRY_TIMEOUT, BCAST_REQ_RETRY_COUNT = 3),
 *    then, 250 ms after the last with no defence, the overwrite demand
 *    [RFC 1002 §5.1.1.1]. Each name's requests carry a TRN_ID of their
 *    own, fresh for each round, from the config's random source. A
 *    negative registration response (RCODE ACT, 0xAD86) carrying that
 *    TRN_ID for that unique name, while its round runs, puts THAT name in
 *    conflict (logged at error level, counted, shown by
 *    msl_ns_format_counters): it is no longer answered, defended,
 *    registered or released; the other names go on as before.
 *  - never fatal, only logged (rate-limited) and counted, as nmbd (which
 *    drops responses matching none of its requests) and Windows with
 *    NoNameReleaseOnDemand=1 do: a name conflict demand (0xAD87, RFC 1002
 *    §5.1.1.5 would have us give the name up), a negative registration
 *    response naming no request of ours in its round, and any name-query
 *    or node-status response on this port (our own queries go out from
 *    sockets of their own, so nothing here was asked for: the cache is
 *    never filled from this port).
 *  - defence: a registration (or overwrite) by another node for one of our
 *    registered unique names gets a unicast negative response 0xAD86
 *    [§5.1.1.5].
 *  - queries for our names get a positive response (TTL 300000, as
 *    Windows); node-status requests for "*" or our names get our name table
 *    (a name in conflict flagged CNF) and the interface's MAC, zero
 *    statistics [§4.2.18]. Answers are rate-limited (token buckets,
 *    msl_ratelimit.h): node status per source and in total (its answer is
 *    ~2.8 times the request: a reflector for spoofed sources), name
 *    queries per source, far above what a real client asks.
 *  - msl_ns_release() broadcasts a release for each name [§5.1.1.6].
 *
 * H-node (MS-NBTE §3.1.3: H when a WINS server is configured): with WINS
 * servers in cfg.wins (primary first) every name we hold is also
 * registered with one of them [RFC 1001 §15.1.1, RFC 1002 §5.1.2], per
 * name, after the broadcast round (a name lost on the LAN never reaches
 * the server), and NB_FLAGS say ONT=H everywhere:
 *  - a unicast NAME REGISTRATION REQUEST (0x2900: RD set, TTL 300000 as
 *    Windows) with a TRN_ID of its own, MSL_NS_WINS_TRIES tries
 *    MSL_NS_WINS_RETRY_MS apart (UCAST_REQ_RETRY_TIMEOUT, MS-NBTE §3.1.2);
 *    a silent server's turn passes to the next one (failover); when all
 *    were silent the name stays a broadcast (B-node) name and the round
 *    starts again from the primary MSL_NS_WINS_SILENT_S later;
 *  - a WACK [§4.2.16] makes it wait the WACK's TTL (1..MSL_NS_WINS_WACK_MAX
 *    s, at most MSL_NS_WINS_WACKS_MAX per request) for the final answer
 *    (nmbd sends one, TTL 60, while it asks the name's current owner);
 *  - a positive answer: registered, its TTL recorded; a NAME REFRESH
 *    REQUEST (opcode 8, 0x4000, as nmbd and Windows NT send it; nmbd
 *    answers it with opcode 5) goes to the same server at half the TTL
 *    (TTL taken in MSL_NS_WINS_TTL_MIN..MSL_NS_WINS_TTL_MAX); a silent
 *    refresh fails over as a registration, a refused one registers again;
 *  - a negative answer ACT/RFS/CFT (the name is held by a live owner, or
 *    the server keeps it): a unique name is in conflict (logged, counted,
 *    in the status, as a defence on the LAN), a group name only refused;
 *    FMT/SRV/IMP: that server failed, the next one is asked;
 *  - an answer counts only with the name's TRN_ID, its name and from the
 *    server asked (anything else: ns_unsolicited_responses, as before);
 *  - the server's challenge (a unicast query, RD clear, for a name it has
 *    as ours) is answered as any query for our names;
 *  - msl_ns_release() also sends each registered name a unicast NAME
 *    RELEASE REQUEST (0x3000) to its server (MSL_NS_WINS_RELEASE_TRIES
 *    tries; msl_ns_wins_busy() says whether one still waits), as does a
 *    name lost on the LAN later (interfaces added): the server then answers
 *    queries for it negatively;
 *  - the registered address is the one the kernel routes to the server
 *    from (cfg.source_for), else the interface on its subnet, else the
 *    first; when it goes away (msl_ns_set_ifaces) the name registers again.
 *  - Scope IDs: every name carries the configured scope; packets for other
 *    scopes are not ours.
 *
 * Resolution: a TTL-respecting cache (answers to our own queries only),
 * filled by msl_ns_query() (a blocking client on its own ephemeral socket,
 * broadcast with retries or unicast to a WINS server, for the tools) or by
 * the service's asynchronous queries (msl_ns_aq_*, never blocking its
 * loop), and read by msl_ns_cache_get(). The other way, address -> name
 * (node status, for \\1.2.3.4\mailslot\X): msl_ns_status_name()
 * (blocking, the direct sender) or the asynchronous query's status kind,
 * with answers kept in a msl_ns_ipcache. Every query's TRN_ID comes from
 * the kernel's CSPRNG (msl_random.h), and an answer counts only when its
 * TRN_ID, its name (the question's) and, for a unicast query (the WINS
 * server, a node status of an address), its source address match;
 * anything else is dropped and counted (ns_unsolicited_answers).
 */
#ifndef MSL_NAME_SERVICE_H
#define MSL_NAME_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "mailslot.h"
#include "msl_nbns.h"
#include "msl_ratelimit.h"

#define MSL_NS_MAX_IFS 32
#define MSL_NS_MAX_NAMES 4       /* HOST<00>, WG<00>, HOST<03>, HOST<20> */
#define MSL_NS_RETRY_MS 250      /* BCAST_REQ_RETRY_TIMEOUT [§6] */
#define MSL_NS_RETRY_COUNT 3     /* BCAST_REQ_RETRY_COUNT [§6] */
#define MSL_NS_CACHE_MAX 64
#define MSL_NS_CACHE_TTL_MAX 600 /* seconds a cached answer is kept at most */
/* Node status of an address (its name for \\1.2.3.4\mailslot\X): a LAN
 * host answers at once, and a send waits for it, so 3 x 250 ms (the
 * broadcast timers), not the 2 x 1000 ms of a WINS query. */
#define MSL_NS_STATUS_TRIES 3
#define MSL_NS_STATUS_WAIT_MS 250
#define MSL_NS_IPNAME_MAX 32     /* addresses whose name is remembered */
#define MSL_NS_IPNAME_TTL 300    /* s: a name found by node status is kept */
#define MSL_NS_IPNAME_NEG_TTL 60 /* s: "no name" (no answer) is kept */
/* Answer limits (msl_ns_config, zero: these). Node status: 5 at once and
 * 2 a second per source, 100 a second in all: nbtstat -A asks once, a
 * browse of a LAN a few times a second. Name queries: per source only,
 * 50,000 a second (Samba's nbt.bench.namequery gets ~12,800 a second from
 * nmbd), so a benchmark is never refused, a flood is. */
#define MSL_NS_STATUS_SRC_RATE 2
#define MSL_NS_STATUS_SRC_BURST 5
#define MSL_NS_STATUS_ALL_RATE 100
#define MSL_NS_STATUS_ALL_BURST 100
#define MSL_NS_QUERY_SRC_RATE 50000
#define MSL_NS_QUERY_SRC_BURST 50000
/* Log lines a LAN host can provoke (ignored demands, unsolicited
 * answers): per level, 10 at once then 1 a second; the next line says
 * how many were left out. */
#define MSL_NS_LOG_RATE 1
#define MSL_NS_LOG_BURST 10

/* WINS (H-node) client timers; see the top of this file. */
#define MSL_NS_WINS_MAX 4            /* servers: primary, then the others */
#define MSL_NS_WINS_RETRY_MS 1500    /* UCAST_REQ_RETRY_TIMEOUT [MS-NBTE] */
#define MSL_NS_WINS_TRIES 3          /* UCAST_REQ_RETRY_COUNT [§6] */
#define MSL_NS_WINS_RELEASE_TRIES 2  /* at shutdown: stop soon */
#define MSL_NS_WINS_WACK_MAX 120     /* s: a longer WACK TTL counts as this */
#define MSL_NS_WINS_WACKS_MAX 3      /* WACKs believed per request */
/* Granted TTLs are taken in [MIN, MAX] s: below 5 minutes counts as 5
 * (MS-NBTE §3.1.4.1), above a week as a week (a server that lost its
 * database learns of us again). */
#define MSL_NS_WINS_TTL_MIN 300
#define MSL_NS_WINS_TTL_MAX 604800
#define MSL_NS_WINS_SILENT_S 300     /* s: every server silent: ask again */

/* msl_ns_config.flags */
#define MSL_NS_MESSENGER 0x1u /* also register HOST<03> */
#define MSL_NS_SERVER 0x2u    /* also register HOST<20> */

/* Where the name service sends from: one entry per interface address. */
typedef struct msl_ns_iface {
  uint32_t addr, mask, bcast; /* host order */
  unsigned ifindex;
  uint8_t mac[6]; /* UNIT_ID in node-status responses */
} msl_ns_iface;

/* Sends len bytes to dst:port (host order), from interface address src
 * (0: any) on ifindex (0: by route). Returns 0 or a negative msl_err. */
typedef int (*msl_ns_send_fn)(void *user, const uint8_t *p, size_t len,
                              uint32_t dst, uint16_t port, uint32_t src,
                              unsigned ifindex);

/* The WINS servers to register with and ask (H-node); n 0: a B-node. */
typedef struct msl_ns_wins_servers {
  uint32_t addr[MSL_NS_WINS_MAX]; /* host order, primary first, not 0 */
  size_t n;
  /* s: granted TTLs below this count as this; 0: MSL_NS_WINS_TTL_MIN.
   * Tests lower it (mailslotd: MSL_SERVICE_WINS_TTL_MIN_ENV) to see a
   * refresh; a real network never needs it. */
  uint32_t ttl_min;
} msl_ns_wins_servers;

typedef struct msl_ns_config {
  const char *name;      /* our computer name (<= 15 chars) */
  const char *workgroup; /* registered as a group name */
  const char *scope;     /* NULL or "": none */
  unsigned flags;        /* MSL_NS_* */
  const msl_ns_iface *ifs; /* copied */
  size_t n_ifs;
  uint16_t port; /* peers' name-service port for broadcasts: 0 = 137 (a
                    WINS server is asked on 137) */
  msl_ns_send_fn send;
  void *user;
  /* Optional log (level as msl_service: 0 error .. 3 debug). */
  void (*log)(void *user, int level, const char *msg);
  void *log_user;
  /* The TRN_IDs of our registration and release requests: fills buf with
   * len unpredictable bytes (msl_random_bytes), returns 0 or a negative
   * msl_err. NULL, or a failure (counted, random_errors): the numbers
   * after msl_ns_init's trn_seed, predictable (for tests and fuzzing). */
  int (*random)(void *user, void *buf, size_t len);
  void *random_user;
  /* Answer limits; a rate whose fields are both 0 takes the default
   * (MSL_NS_STATUS_SRC_*, MSL_NS_STATUS_ALL_*, MSL_NS_QUERY_SRC_*). */
  msl_rl_rate status_per_source, status_total, query_per_source;
  msl_ns_wins_servers wins; /* copied */
  /* Optional: the local address the kernel would send to dst from (0:
   * unknown), called with `user`; NULL: the interface on dst's subnet,
   * else the first one. */
  uint32_t (*source_for)(void *user, uint32_t dst);
} msl_ns_config;

/* The node's state; a conflict is a name's (msl_ns_name.conflict), never
 * the node's: nothing a peer sends stops the service. */
enum msl_ns_state {
  MSL_NS_IDLE = 0,     /* not started */
  MSL_NS_REGISTERING,  /* registration requests going out */
  MSL_NS_REGISTERED,   /* overwrite demands sent; names are ours */
  MSL_NS_RELEASED      /* names released (shutdown) */
};

/* A name's registration with the WINS servers (msl_ns_name.w). */
enum msl_ns_wins_state {
  MSL_NS_WINS_OFF = 0,     /* no server, not started, or lost on the LAN */
  MSL_NS_WINS_REGISTERING, /* a request (registration or refresh) out */
  MSL_NS_WINS_WACK,        /* the server said: wait for the answer */
  MSL_NS_WINS_REGISTERED,  /* granted; the refresh timer runs */
  MSL_NS_WINS_REFUSED,     /* a negative answer (rcode) */
  MSL_NS_WINS_SILENT,      /* no server answered: B-node until `next` */
  MSL_NS_WINS_RELEASING,   /* release request(s) out */
  MSL_NS_WINS_RELEASED     /* released (answered, or asked enough) */
};

typedef struct msl_ns_wins {
  uint8_t state;      /* enum msl_ns_wins_state */
  uint8_t refresh;    /* the request out (or WACKed) is a refresh */
  uint8_t server;     /* index in cfg.wins: asked, or that granted it */
  uint8_t asked;      /* servers asked in this round (failover) */
  uint8_t tries;      /* requests sent to it for this TRN_ID */
  uint8_t wacks;      /* WACKs believed for this TRN_ID */
  uint8_t rcode;      /* REFUSED: the server's RCODE */
  uint16_t trn_id;    /* of the request out */
  uint32_t addr;      /* our address in the request (host order) */
  uint32_t ttl;       /* granted, s */
  uint64_t next;      /* ms: retry, WACK end, refresh, or ask again */
} msl_ns_wins;

typedef struct msl_ns_name {
  msl_nbname nb;
  int group;
  /* Another node defended it against our registration: not ours any
   * more (not answered, defended, registered or released) until the
   * service starts again. */
  int conflict;
  uint32_t conflict_by; /* who defended it (host order) */
  uint16_t trn_id;      /* of its requests in the current round */
  msl_ns_wins w;        /* its WINS registration (H-node) */
} msl_ns_name;

typedef struct msl_ns_cache_entry {
  msl_nbname nb;
  uint32_t ip;
  uint16_t nb_flags;
  uint64_t expires; /* ms, same clock as `now` */
} msl_ns_cache_entry;

/* Address -> name answers of node-status queries (positive and negative),
 * keyed by address and scope. No locking: the caller's. */
typedef struct msl_ns_ipname {
  uint32_t ip;
  int found;       /* nb is the name; 0: the address gave none */
  msl_nbname nb;   /* found: HOST<00>; else "*" (only its scope counts) */
  uint64_t expires; /* ms, the caller's clock */
} msl_ns_ipname;

typedef struct msl_ns_ipcache {
  msl_ns_ipname e[MSL_NS_IPNAME_MAX];
  size_t n;
} msl_ns_ipcache;

/* Counters, shown by the service's status. */
typedef struct msl_ns_counters {
  uint64_t rx, rx_bad, rx_own, sent, send_errors;
  uint64_t registrations_sent, overwrites_sent, releases_sent;
  uint64_t queries_answered, node_status_answered, defended;
  uint64_t conflicts; /* our registration of a name refused */
  uint64_t conflict_demands_ignored; /* 0xAD87 for one of our names */
  /* Registration-family responses that answer no request of ours in its
   * round (a wrong TRN_ID or name, too late, a group name). */
  uint64_t unsolicited_responses;
  /* Name-query and node-status answers we did not ask for: any on the
   * name-service port, and those on a query's socket whose TRN_ID, name
   * or source does not match (msl_ns_aq_*). */
  uint64_t unsolicited_answers;
  uint64_t status_rate_limited, query_rate_limited; /* answers not sent */
  uint64_t random_errors; /* the random source failed: a counter's ID */
  uint64_t log_suppressed; /* provoked log lines left out */
  /* WINS client: requests sent, positive answers, WACKs believed,
   * refusals (negative answers to registrations), failovers to the next
   * server, rounds where every server was silent. */
  uint64_t wins_registrations_sent, wins_registered;
  uint64_t wins_refreshes_sent, wins_refreshed, wins_refresh_refused;
  uint64_t wins_wacks, wins_refusals, wins_failovers, wins_silent;
  uint64_t wins_releases_sent, wins_released;
} msl_ns_counters;

typedef struct msl_ns {
  msl_ns_config cfg;
  msl_ns_iface ifs[MSL_NS_MAX_IFS];
  msl_ns_name names[MSL_NS_MAX_NAMES];
  size_t n_names;
  enum msl_ns_state state;
  unsigned step;     /* registration requests sent so far (per name) */
  uint64_t next;     /* when the next registration step is due */
  uint16_t id_next;  /* the TRN_ID fallback: trn_seed, then up */
  /* Interfaces added while the names are ours (msl_ns_set_ifaces): the
   * same three requests and overwrite demand go out on them only, with
   * fresh TRN_IDs, while the names stay registered (answered, defended)
   * on the others. */
  unsigned char fresh[MSL_NS_MAX_IFS];
  int refreshing;
  unsigned rstep;
  uint64_t rnext;
  msl_ns_cache_entry cache[MSL_NS_CACHE_MAX];
  size_t n_cache;
  msl_ns_ipcache ipnames; /* node-status answers (msl_ns_aq status kind) */
  msl_rl_table status_src, query_src; /* answer limits per source */
  msl_rl_bucket status_all;           /* node-status answers in all */
  msl_rl_bucket log_rl[2];            /* provoked lines: warning, debug */
  uint64_t log_dropped[2];            /* left out since the last one */
  msl_ns_counters c;
  /* NetBIOS proxy (msl_ns_set_proxy); NULL: none. */
  int (*proxy)(void *user, const msl_nbname *name, uint64_t now,
               uint32_t *ttl_s);
  void *proxy_user;
} msl_ns;

/**
 * Initialises *ns from cfg (copied, interfaces too; the strings are copied
 * into names). Nothing is sent. trn_seed: the first TRN_ID when cfg has
 * no random source (pass random bytes anyway).
 * @return 0, MSL_ERR_ARG (NULL, no send callback, more than MSL_NS_MAX_IFS
 *         interfaces) or MSL_ERR_NAME (name, workgroup or scope invalid).
 */
int msl_ns_init(msl_ns *ns, const msl_ns_config *cfg, uint16_t trn_seed);

/** Starts registration at time now (ms): the first requests go out. */
void msl_ns_start(msl_ns *ns, uint64_t now);

/**
 * Runs the timers at time now. Returns the ms until the next timer is due
 * (UINT64_MAX when none).
 */
uint64_t msl_ns_tick(msl_ns *ns, uint64_t now);

/**
 * Handles one datagram received on the name-service port (p, len; from
 * src_ip:src_port, host order). Malformed packets are counted and dropped;
 * our own broadcasts (looped back by the kernel) are ignored.
 */
void msl_ns_input(msl_ns *ns, const uint8_t *p, size_t len, uint32_t src_ip,
                  uint16_t src_port, uint64_t now);

/**
 * Replaces the interface list (ifs[0..n), copied) at time now, after the
 * host's addresses changed. Entries are matched by address, mask,
 * broadcast and ifindex:
 *  - gone: a release for each name is broadcast on it while the names are
 *    ours or being registered [RFC 1002 §5.1.1.6] (best effort: the
 *    address may be gone already; a failed send is only counted);
 *  - new, names registered: the registration of §5.1.1.1 (3 requests
 *    MSL_NS_RETRY_MS apart, then the overwrite demand) runs on the new
 *    ones only, with fresh TRN_IDs; the names stay ours meanwhile (queries
 *    answered, names defended on every interface). A defence of a unique
 *    name there puts that name in conflict, as at start;
 *  - new, registration still running: it starts again on every interface
 *    (same TRN_IDs: a defence of an earlier try still counts).
 * Before msl_ns_start or after a release, only the list changes.
 * @return the number of new entries, or MSL_ERR_ARG (NULL, n too big).
 */
int msl_ns_set_ifaces(msl_ns *ns, const msl_ns_iface *ifs, size_t n,
                      uint64_t now);

/**
 * NetBIOS proxy for the relay (net/msl_relay.h), as a Windows WINS proxy
 * answers B-node queries for names held elsewhere: a
 * name query (registered state) for a name that is not ours is answered
 * with our address when fn says the name belongs to a host of another
 * site (returns 1 and the TTL in seconds), rate-limited as our own
 * answers. The state machine stays I/O-free: fn only looks up a table.
 * fn NULL: no proxy.
 */
void msl_ns_set_proxy(msl_ns *ns,
                      int (*fn)(void *user, const msl_nbname *name,
                                uint64_t now, uint32_t *ttl_s),
                      void *user);

/** Broadcasts a release for every registered name (clean shutdown) and,
 *  H-node, sends each name registered with WINS a release to its server
 *  at now (msl_ns_tick repeats it while msl_ns_wins_busy). */
void msl_ns_release(msl_ns *ns, uint64_t now);

/** 1 while a WINS release waits for its answer (stop when 0). */
int msl_ns_wins_busy(const msl_ns *ns);

/** 1 when name (with its suffix, in our scope) is one of ours and not in
 *  conflict. */
int msl_ns_is_ours(const msl_ns *ns, const msl_nbname *name);

/** When name is one of ours (not in conflict): 0 and its NB_FLAGS in
 *  *nb_flags (if not NULL); else MSL_ERR_NAME_NOT_FOUND. */
int msl_ns_own_flags(const msl_ns *ns, const msl_nbname *name,
                     uint16_t *nb_flags);

/** 1 when ip (host order) is the address of one of our interfaces. */
int msl_ns_is_own_addr(const msl_ns *ns, uint32_t ip);

/**
 * The cached address of name (in any scope given by the name), if its TTL
 * has not passed at now. Returns 0 and fills *ip, or MSL_ERR_NAME_NOT_FOUND.
 */
int msl_ns_cache_get(msl_ns *ns, const msl_nbname *name, uint64_t now,
                     uint32_t *ip);

/** Stores an answer (ttl in seconds, capped at MSL_NS_CACHE_TTL_MAX). */
void msl_ns_cache_put(msl_ns *ns, const msl_nbname *name, uint32_t ip,
                      uint16_t nb_flags, uint32_t ttl, uint64_t now);

/** "name value\n" counter lines, as the service's status, then one line
 *  per name: "ns_name H1<00> registered" (or idle, registering,
 *  released), "ns_name H1<00> conflict 198.18.0.3" (who defended it, or
 *  the WINS server that refused it). With WINS servers, also one line per
 *  name, "wins_name NAME STATE SERVER [KEY VALUE]..." (SERVER "-" when
 *  none; times in s from now):
 *    wins_name H1<00> registering 198.18.1.2 try 2
 *    wins_name H1<00> wack 198.18.1.2 wait 58
 *    wins_name H1<00> registered 198.18.1.2 ttl 300000 refresh_in 149999
 *    wins_name H1<00> refreshing 198.18.1.2 try 1
 *    wins_name H1<00> refused 198.18.1.2 rcode 6
 *    wins_name H1<00> silent - retry_in 300
 *    wins_name H1<00> releasing 198.18.1.2 try 1
 *    wins_name H1<00> released 198.18.1.2
 *    wins_name H1<00> off -
 *  Returns the length or MSL_ERR_BUFFER_TOO_SMALL. */
int msl_ns_format_counters(const msl_ns *ns, uint64_t now, char *buf,
                           size_t cap);

/**
 * What an address of scope is known to be called at now: 1 and *nb (its
 * HOST<00>), 0 (it gave no name: keep "*"<00>), or MSL_ERR_NAME_NOT_FOUND (not
 * known, or expired: ask it). nb may be NULL.
 */
int msl_ns_ipcache_get(msl_ns_ipcache *c, uint32_t ip, const char *scope,
                       uint64_t now, msl_nbname *nb);

/** Remembers ip's name nb (NULL: none) for MSL_NS_IPNAME_TTL (or
 *  MSL_NS_IPNAME_NEG_TTL) seconds; a full cache loses its oldest entry. */
void msl_ns_ipcache_put(msl_ns_ipcache *c, uint32_t ip, const char *scope,
                        const msl_nbname *nb, uint64_t now);

/**
 * The name to address a datagram to, from a node-status name table
 * [RFC 1002 §4.2.18] (names[0..n)): the first unique (G clear), active
 * (ACT set, neither in conflict nor being deregistered) name with suffix
 * <00>, as Samba's name_status_find picks it. Group names, other suffixes
 * (<20>, <03>, <1D>...) are skipped. *out gets that name in scope.
 * @return 0, or MSL_ERR_NAME_NOT_FOUND (no such name: empty table too),
 *         MSL_ERR_ARG.
 */
int msl_ns_pick_host_name(const msl_nbns_node_name *names, size_t n,
                          const char *scope, msl_nbname *out);

/* Where and how a blocking client (msl_ns_query, msl_ns_status) asks. */
typedef struct msl_ns_ask {
  const uint32_t *dst; /* the addresses asked (host order); status: one */
  size_t ndst;
  uint16_t port;       /* their name-service port; 0: 137 */
  int bcast;           /* query: the dst are broadcast addresses (B flag,
                          SO_BROADCAST; an answer from anyone counts) */
  int tries;           /* requests to every dst (>= 1), wait_ms apart */
  int wait_ms;
  int total_ms;        /* answers awaited this long after the first
                          request; 0: tries x wait_ms */
  int stop_first;      /* query: return at the first positive answer */
} msl_ns_ask;

/**
 * Blocking node-status client: asks how->dst[0] for its name table
 * (question "*" in scope, unicast, a random TRN_ID) on how's schedule,
 * from an ephemeral socket (IP_RECVERR: an ICMP "port unreachable" ends
 * it at once; an answer counts only from the address asked, with the
 * TRN_ID and the question's name), and picks the name with
 * msl_ns_pick_host_name.
 * @return 0 and *out, MSL_ERR_NAME_NOT_FOUND (no answer, refused, or no unique
 *         <00> name in the answer), MSL_ERR_ARG, MSL_ERR_SYSTEM (no
 *         socket, or no random bytes).
 */
int msl_ns_status_name(uint32_t ip, uint16_t port, const char *scope,
                       int tries, int wait_ms, msl_nbname *out);

#define MSL_NS_TABLE_MAX 256 /* names of a node status kept */

/* A node-status answer [RFC 1002 §4.2.18]. */
typedef struct msl_ns_table {
  msl_nbns_node_name names[MSL_NS_TABLE_MAX];
  size_t n;
  uint8_t mac[6]; /* UNIT_ID */
} msl_ns_table;

/**
 * Blocking node-status client (msl_ns_status_name's rules) returning the
 * whole name table of how->dst[0] (how->ndst must be 1).
 * @return 0 and *out, MSL_ERR_NAME_NOT_FOUND (no answer, refused, a
 *         negative answer), MSL_ERR_NAME (bad scope), MSL_ERR_ARG,
 *         MSL_ERR_SYSTEM (no socket, or no random bytes).
 */
int msl_ns_status(const msl_ns_ask *how, const char *scope,
                  msl_ns_table *out);

/* One answer to msl_ns_query(). */
typedef struct msl_ns_answer {
  uint32_t from;     /* who answered (host order) */
  uint32_t ip;       /* an NB_ADDRESS of the answer */
  uint16_t nb_flags; /* its NB_FLAGS */
  uint32_t ttl;
} msl_ns_answer;

/**
 * Blocking name query from an ephemeral UDP socket: sends a query for name
 * to every how->dst on how's schedule and collects answers until its end
 * (or the first positive one: stop_first). The TRN_ID is random; an
 * answer counts only with that TRN_ID and name, and for a unicast query
 * only from an address asked. Each NB entry of each positive response is
 * one answer, but an address already stored from the same sender (the
 * answer to a repeated request) is not stored again; at most max are.
 * @return the number of answers (0: nobody answered), MSL_ERR_ARG,
 *         MSL_ERR_SYSTEM (no socket, no random bytes, a failed send).
 */
int msl_ns_query(const msl_nbname *name, const msl_ns_ask *how,
                 msl_ns_answer *out, size_t max);


/* ---- the service's glue: socket, MACs, resolver (net/msl_service.c) ---- */

typedef struct msl_ns_svc msl_ns_svc;
struct msl_ifaces;

/**
 * Binds the name-service port (UDP, INADDR_ANY, SO_BROADCAST, as the
 * datagram socket) and registers our names on the interfaces of ifs (their
 * MACs read for node status). Blocks for the registration (3 x 250 ms +
 * 250 ms); a defended name is left in conflict (logged, in the status),
 * the others registered. TRN_IDs come from msl_random_bytes. wins: NULL
 * or the WINS servers (H-node): names are registered there once the
 * broadcast round is over (in the loop, msl_ns_svc_tick), and queried by
 * unicast before broadcasting (msl_ns_aq_start).
 * @return 0 and *out, or MSL_ERR_ACCESS / MSL_ERR_EXISTS (port), MSL_ERR_ARG,
 *         MSL_ERR_NAME, MSL_ERR_NOMEM, MSL_ERR_SYSTEM (also: no random
 *         bytes).
 */
int msl_ns_svc_open(msl_ns_svc **out, uint16_t port, const char *name,
                    const char *workgroup, const char *scope, unsigned flags,
                    const struct msl_ifaces *ifs,
                    const msl_ns_wins_servers *wins,
                    void (*log)(void *user, int level, const char *msg),
                    void *log_user, uint64_t now);
/** Releases our names (if registered; waits for the WINS servers' answers
 *  at most MSL_NS_WINS_RELEASE_TRIES x MSL_NS_WINS_RETRY_MS), closes the
 *  socket, frees (NULL ok). */
void msl_ns_svc_close(msl_ns_svc *s);
/** The socket to poll for POLLIN. */
int msl_ns_svc_fd(const msl_ns_svc *s);
/** Reads every waiting datagram into the state machine. */
void msl_ns_svc_receive(msl_ns_svc *s, uint64_t now);
/** Timers; returns ms until the next one (UINT64_MAX: none). */
uint64_t msl_ns_svc_tick(msl_ns_svc *s, uint64_t now);
/**
 * New interface list for the name service (MACs read again): see
 * msl_ns_set_ifaces. Returns as it.
 */
int msl_ns_svc_set_ifaces(msl_ns_svc *s, const struct msl_ifaces *ifs,
                          uint64_t now);
/** The state machine (counters, state). */
msl_ns *msl_ns_svc_ns(msl_ns_svc *s);
/**
 * What the service knows without asking the network: our own names, then
 * the cache, for nb (a name made with msl_ns_svc_make_name). Nothing is sent.
 * @return 0 and *ip (and *nb_flags unless NULL), or MSL_ERR_NAME_NOT_FOUND
 *         (not known: ask the network, msl_ns_aq_start), MSL_ERR_ARG.
 */
int msl_ns_svc_lookup(msl_ns_svc *s, const msl_nbname *nb, uint64_t now,
                      uint32_t *ip, uint16_t *nb_flags);

/**
 * The non-blocking part of an address -> name lookup (node status), in our
 * scope: one of our addresses is our HOST<00>; an interface's broadcast
 * address, or an address not known yet, is not asked here.
 * @return 1 and *nb (unless NULL), 0 (known to have no name, or a
 *         broadcast address: keep "*"<00>), MSL_ERR_NAME_NOT_FOUND (ask it:
 *         msl_ns_aq_start_status), MSL_ERR_ARG.
 */
int msl_ns_svc_ip_lookup(msl_ns_svc *s, uint32_t ip, uint64_t now,
                         msl_nbname *nb);

/** name<suffix> in scope (NULL: ours) into *nb. 0 or MSL_ERR_NAME. */
int msl_ns_svc_make_name(const msl_ns_svc *s, const char *name,
                         uint8_t suffix, const char *scope, msl_nbname *nb);

/*
 * An asynchronous query for the service's event loop, from its own
 * non-blocking ephemeral socket, driven by the caller's poll and clock.
 * One random TRN_ID for all the tries: a late answer to an earlier try
 * counts. An answer counts only with that TRN_ID and the name asked, and
 * from the address asked when it was unicast (the WINS server, the
 * address of a node status); others are dropped and counted
 * (ns_unsolicited_answers).
 * Two kinds, one code path:
 *  - MSL_NS_AQ_NAME (msl_ns_aq_start): a name query (H-node: each WINS
 *    server in turn, primary first, by unicast, 2 x 1000 ms each, then
 *    each interface's broadcast, MSL_NS_RETRY_COUNT x MSL_NS_RETRY_MS; the
 *    first positive answer wins: a WINS server's (one asked already) at
 *    any time, anyone's once the broadcasts began; cached by its TTL, at
 *    most MSL_NS_CACHE_TTL_MAX);
 *  - MSL_NS_AQ_STATUS (msl_ns_aq_start_status): a node status of one
 *    address (msl_ns_status_name's schedule: MSL_NS_STATUS_TRIES x
 *    MSL_NS_STATUS_WAIT_MS, unicast to the peers' name port; "port
 *    unreachable" ends it); the outcome, name or none, goes into the
 *    address cache (msl_ns_svc_ip_lookup).
 */
enum { MSL_NS_AQ_NAME = 0, MSL_NS_AQ_STATUS = 1 };

typedef struct msl_ns_aq {
  int fd;        /* poll for POLLIN; -1 once finished */
  int kind;      /* MSL_NS_AQ_* */
  msl_nbname nb; /* NAME: the name asked for */
  uint32_t ip;   /* STATUS: the address asked */
  uint16_t trn_id;
  int stage;     /* NAME: -n..-1 the n WINS servers (-n the primary),
                    k >= 0 broadcast on interface k; STATUS: 0 */
  int tries;     /* queries sent in this stage */
  uint64_t next; /* when this try's wait ends (ms, the caller's clock) */
  msl_ns_answer ans; /* NAME: the answer, once msl_ns_aq_step returned 1 */
  msl_nbname found;  /* STATUS: the name, once msl_ns_aq_step returned 1 */
} msl_ns_aq;

/**
 * Starts a query for nb at now: opens the socket and sends the first try.
 * @return 0 (in progress: poll q->fd, call msl_ns_aq_step),
 *         MSL_ERR_NAME_NOT_FOUND (nobody to ask: no WINS, no interface),
 *         MSL_ERR_SYSTEM (no socket, no random bytes). Nothing to cancel
 *         unless 0.
 */
int msl_ns_aq_start(msl_ns_svc *s, msl_ns_aq *q, const msl_nbname *nb,
                    uint64_t now);

/**
 * Starts a node-status query of ip at now (kind MSL_NS_AQ_STATUS).
 * @return 0 (in progress), MSL_ERR_NAME_NOT_FOUND (the first send failed: the
 *         "no name" is cached), MSL_ERR_SYSTEM, MSL_ERR_ARG.
 */
int msl_ns_aq_start_status(msl_ns_svc *s, msl_ns_aq *q, uint32_t ip,
                           uint64_t now);

/**
 * Reads q's answers (when readable) and runs its timers at now.
 * @return 0 (in progress; *wait = ms until its next timer), 1 (answered:
 *         q->ans, or q->found for a node status; also cached),
 *         MSL_ERR_NAME_NOT_FOUND (every try went unanswered; for a node status
 *         also: refused, or a table with no unique <00> name). The socket
 *         is closed when it returns non-zero.
 */
int msl_ns_aq_step(msl_ns_svc *s, msl_ns_aq *q, int readable, uint64_t now,
                   uint64_t *wait);

/** Abandons a query in progress (closes its socket; idempotent). */
void msl_ns_aq_cancel(msl_ns_aq *q);

/**
 * "ok IP FLAGS\n", the reply to "resolve" (FLAGS the NB_FLAGS in hex).
 * @return the length or MSL_ERR_BUFFER_TOO_SMALL.
 */
int msl_ns_ctl_format(uint32_t ip, uint16_t nb_flags, char *out, size_t cap);

/**
 * Parses "NAME" or "NAME<xx>" (xx two hex digits) into name (<= 15 bytes,
 * NUL-terminated, cap >= 16) and *suffix (default dflt).
 * @return 0 or MSL_ERR_NAME.
 */
int msl_ns_parse_name(const char *text, char *name, size_t cap,
                      uint8_t dflt, uint8_t *suffix);
#endif /* MSL_NAME_SERVICE_H */
