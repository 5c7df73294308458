/*
 * mailslotd's relay options (docs/relay.md, docs/mailslotd.conf.5): the
 * same names on the command line (--relay-peer HOST:PORT) and in the
 * config file (relay-peer = HOST:PORT). Values are checked as they are
 * read, so a bad one is reported with its file and line; lists given on
 * the command line replace the file's.
 */
#ifndef MSL_TOOLS_MAILSLOTD_RELAY_H
#define MSL_TOOLS_MAILSLOTD_RELAY_H

#include <stddef.h>

#include "mailslot.h"

/* Option ids (getopt_long's val), after mailslotd's own. */
enum {
  O_SITE = 400, O_RLISTEN, O_RPEER, O_RCERT, O_RKEY, O_RCA, O_RPIN, O_RHUB,
  O_RALLOW, O_RRATE, O_RBURST, O_RQUEUE, O_RPROXY_TTL, O_RHOPS,
  O_RKEEPALIVE, O_RHANDSHAKE, O_RRECONNECT, O_RELAY_LAST
};

#define RELAY_PEERS_MAX 32
#define RELAY_PINS_MAX 16
#define RELAY_ALLOW_MAX 64

typedef struct relay_opts {
  msl_relay_config cfg;
  const char *peers[RELAY_PEERS_MAX];
  const char *pins[RELAY_PINS_MAX];
  const char *allow[RELAY_ALLOW_MAX];
  int cli_lists; /* bit per list: the command line replaced it */
  char where[300]; /* where the first relay option was given */
} relay_opts;

/**
 * Applies relay option id with arg (NULL for relay-hub; a config file may
 * say "yes"/"no"), from the command line or a file (where: "FILE:LINE").
 * @return 0, or -1 with the reason in why.
 */
int relay_opt_apply(relay_opts *r, int id, const char *arg, int from_cli,
                    const char *where, char *why, size_t cap);

/**
 * After every option: no relay option at all (cfg->relay stays NULL), or
 * a complete relay (site, certificate, key, CA, a listen address or a
 * peer) set as cfg->relay. @return 0, or -1 with the reason in why.
 */
int relay_opts_finish(relay_opts *r, msl_service_config *cfg, char *why,
                      size_t cap);

#endif /* MSL_TOOLS_MAILSLOTD_RELAY_H */
