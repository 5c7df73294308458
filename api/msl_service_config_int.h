/*
 * The public msl_service_config (include/mailslot.h) inside: owned copies
 * of every setting, from which msl_service_config_view() fills the net
 * layer's msl_svc_config (net/msl_svc_config.h) when a service is made.
 */
#ifndef MSL_SERVICE_CONFIG_INT_H
#define MSL_SERVICE_CONFIG_INT_H

#include "mailslot.h"
#include "msl_name_service.h"
#include "msl_relay.h"
#include "msl_relay_core.h"
#include "msl_svc_config.h"
#include "msl_tls.h"

#define CFG_IFACES_MAX 16

/* The string settings, each an owned copy or NULL. */
enum cfg_str {
  S_NAME, S_WORKGROUP, S_SCOPE, S_COMMENT, S_SITE, S_RLISTEN, S_RCERT,
  S_RKEY, S_RCA, S_COUNT
};

/* The list settings. */
enum cfg_list { L_IFACES, L_WINS, L_PEERS, L_PINS, L_ALLOW, L_COUNT };

typedef struct cfg_strlist {
  char **v;
  size_t n, max;
} cfg_strlist;

struct msl_service_config {
  msl_svc_config svc;  /* numbers and flags set directly; strings by view */
  msl_relay_cfg relay; /* likewise */
  int relay_used;      /* a relay setting was given */
  char *str[S_COUNT];
  cfg_strlist list[L_COUNT];
  char *ifaces[CFG_IFACES_MAX];
  char *wins[MSL_NS_WINS_MAX];
  char *peers[MSL_RELAY_PEERS_MAX];
  char *pins[MSL_TLS_PINS_MAX];
  char *allow[MSL_RELAY_ALLOW_MAX];
  char err[320];
};

/* The net layer's configuration made from one (msl_service_config_view). */
typedef struct msl_cfg_view {
  msl_svc_config svc;
  msl_relay_cfg relay;
  const char *list[L_COUNT][MSL_RELAY_ALLOW_MAX];
} msl_cfg_view;

/* The relay settings (api/msl_service_config_relay.c): 1 when key is one
 * of them, and then *r is set_relay's result. */
int msl_cfg_relay_set(msl_service_config *c, const char *key,
                      const char *value, int *r);
int msl_cfg_relay_unset(msl_service_config *c, const char *key);

/* Shared helpers of the two files. */
int msl_cfg_fail(msl_service_config *c, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int msl_cfg_str(msl_service_config *c, enum cfg_str i, const char *v);
int msl_cfg_add(msl_service_config *c, enum cfg_list l, const char *v);
void msl_cfg_clear(msl_service_config *c, enum cfg_list l);
int msl_cfg_yes_no(const char *v, int *out);
int msl_cfg_number(const char *s, unsigned long lo, unsigned long hi,
                   int with_unit, uint32_t *out);

/** The setting a relay configuration lacks ("site", ...), or NULL. */
const char *msl_cfg_relay_missing(const msl_service_config *c);

/** c as the net layer takes it, in *v, pointing into c (valid while c
 *  lives and is not changed). */
void msl_service_config_view(const msl_service_config *c, msl_cfg_view *v);

#endif /* MSL_SERVICE_CONFIG_INT_H */
