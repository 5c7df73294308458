/*
 * The relay's hooks into the service (net/msl_relay.h, docs/relay.md):
 * datagrams heard on the service's socket and the service's own group
 * sends go to the relay; what the relay re-emits reaches this host's slots
 * too; the name service answers for other sites' hosts (NetBIOS proxy).
 */
#define _GNU_SOURCE
#include "msl_service_int.h"

/* A datagram the relay re-emitted: our broadcasts coming back are
 * ignored (own_broadcast), so this host's slots get it here. */
static void relay_local_input(void *user, const uint8_t *p, size_t len,
                              uint32_t ip, uint16_t port,
                              const msl_nbname *dst, uint64_t now) {
  msl_svc *s = user;
  if (!msl_dgram_is_ours(s->dg, dst))
    return; /* nothing here would take it: spare the decoding */
  if (s->have_ann)
    msl_announce_input(&s->ann, p, len, now);
  msl_dgram_input(s->dg, p, len, ip, port, now);
}

static int relay_is_ours(void *user, const msl_nbname *name) {
  msl_svc *s = user;
  return msl_dgram_is_ours(s->dg, name) ||
         (s->nss && msl_ns_is_ours(msl_ns_svc_ns(s->nss), name));
}

static void relay_tap(void *user, const msl_nbdgm *tmpl) {
  msl_svc *s = user;
  msl_relay_own_send(s->relay, tmpl, msl_now_ms());
}

static int relay_proxy(void *user, const msl_nbname *name, uint64_t now,
                       uint32_t *ttl_s) {
  msl_svc *s = user;
  return msl_relay_proxy_query(s->relay, name, now, ttl_s);
}

int msl_svc_relay_start(msl_svc *s) {
  char err[400];
  if (!s->cfg.relay)
    return 0;
  msl_relay_env env = {
      .udp = &s->udp,
      .ifs = &s->ifs,
      .local_input = relay_local_input,
      .is_ours = relay_is_ours,
      .user = s,
      .log = s->cfg.log,
      .log_user = s->cfg.log_user,
      .log_level = s->cfg.log_level,
  };
  err[0] = '\0';
  int r = msl_relay_new(s->cfg.relay, &env, &s->relay, err, sizeof(err));
  if (r < 0) {
    slog(s, MSL_LOG_ERR, "relay: %s", err[0] ? err : msl_strerror(r));
    return r;
  }
  s->snd.tap = relay_tap;
  s->snd.tap_user = s;
  if (s->nss)
    msl_ns_set_proxy(msl_ns_svc_ns(s->nss), relay_proxy, s);
  return 0;
}
