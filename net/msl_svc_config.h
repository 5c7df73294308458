/*
 * The network service's configuration as the net layer takes it (the
 * public msl_service_config, api/msl_service_config.c, fills one from
 * "key = value" settings). Strings are borrowed: they must outlive
 * msl_svc_new / msl_relay_new, which copy what they keep.
 */
#ifndef MSL_SVC_CONFIG_H
#define MSL_SVC_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/* msl_svc_config.flags. HOST<20>, the Server service's name: with
 * neither MSL_SERVICE_SERVER nor _NO_SERVER, registered and received for
 * only when this host runs an SMB file server (a socket listening on TCP
 * 445 or 139 when the service starts), as Windows registers it only while
 * its Server service runs (docs/interop.md, "NAME<20>"). */
#define MSL_SERVICE_MESSENGER 0x1u  /* also receive for HOST<03> */
#define MSL_SERVICE_SERVER 0x2u     /* always HOST<20> too */
#define MSL_SERVICE_NO_BROWSER 0x4u /* not WG<1D>/<1E>/__MSBROWSE__ */
#define MSL_SERVICE_NO_CTL 0x8u     /* no control socket (mailslotd.ctl) */
#define MSL_SERVICE_NO_ANNOUNCE 0x100u /* no host announcements (BROWSE) */
#define MSL_SERVICE_NO_SERVER 0x200u   /* never HOST<20> */

/*
 * The secure relay between sites (docs/relay.md): group and broadcast
 * datagrams heard on this host's subnets (and its own group sends) cross
 * to peer sites over mutually authenticated TLS 1.3 and are re-emitted
 * there; replies come back through a NetBIOS proxy. Strings are copied by
 * msl_service_create; the files are read there (before a daemon drops its
 * privileges). A zero number means its default.
 */
typedef struct msl_relay_cfg {
  const char *site;   /* this site's ID: 1-32 of A-Z a-z 0-9 . _ - */
  const char *listen; /* "ADDR:PORT" ("[v6]:PORT") to accept peers on;
                         NULL: connect only */
  const char *const *peers; /* "HOST:PORT" to connect to */
  size_t n_peers;
  const char *cert; /* PEM certificate chain of this site */
  const char *key;  /* PEM private key (mode 0600 or stricter) */
  const char *ca;   /* PEM CA certificate(s) peers must chain to */
  const char *const *pins; /* "sha256:HEX" or a subject; a peer must
                              match one when any is given */
  size_t n_pins;
  const char *const *allow; /* mailslot names that may cross ("BROWSE",
                               "NET\NETLOGON", "APP\*"); none: all */
  size_t n_allow;
  int hub;                  /* reflect between peers (hub of spokes) */
  uint32_t rate;            /* frames a second per peer (1000) */
  uint32_t burst;           /* bucket size (2 x rate) */
  uint32_t queue_bytes;     /* frames queued per peer (256 KiB) */
  uint32_t proxy_ttl_s;     /* names of other sites answered for (900) */
  uint32_t max_hops;        /* relays a datagram may cross (4) */
  uint32_t keepalive_s;     /* PING after this idle; dead after 3x (30) */
  uint32_t handshake_timeout_s; /* TLS and HELLO (10) */
  uint32_t reconnect_max_s;     /* backoff ceiling (60) */
} msl_relay_cfg;

typedef struct msl_svc_config {
  const char *name;      /* NetBIOS computer name; NULL: the host name */
  const char *workgroup; /* NULL: "WORKGROUP" */
  const char *scope;     /* NetBIOS scope ID; NULL: none */
  const char *const *interfaces; /* names or IPv4 addresses; NULL: every up
                                    IPv4 interface but loopback */
  size_t n_interfaces;
  uint16_t dgram_port; /* 0: 138 */
  uint16_t name_port;  /* name service port (mailslotd: 137); 0: no name
                          service (embedded mode's default) */
  unsigned flags;      /* MSL_SERVICE_* */
  int log_level;       /* enum msl_log_level */
  /* Log sink (NULL: none). Called from the service thread. */
  void (*log)(void *user, int level, const char *msg);
  void *log_user;
  const char *comment; /* host announcement comment; NULL: none */
  /* WINS server (IPv4 address), the primary; NULL: none (see
   * wins_servers). With a WINS server the name service is an H-node
   * [MS-NBTE §3.1.3]: our names are registered with it (refreshed,
   * released at the stop), and name queries ask it before broadcasting.
   * Needs the name service (name_port). */
  const char *wins;
  /* For a service started as root that will switch user (mailslotd,
   * after msl_service_create): the user it will run as, who gets the
   * control directory, and the group slots admit network messages
   * through, which gets the run directory (mode 3777:
   * docs/local-mailslots.md, "Permissions"). -1: leave them as they are. */
  long run_uid;
  long run_gid;
  /* More WINS servers (IPv4 addresses), after `wins` in order of
   * preference (or from the first one when `wins` is NULL): a server that
   * does not answer passes its turn to the next. At most 4 in all.
   * NULL / 0: none. */
  const char *const *wins_servers;
  size_t n_wins_servers;
  const msl_relay_cfg *relay; /* NULL: no relay */
} msl_svc_config;

#endif /* MSL_SVC_CONFIG_H */
