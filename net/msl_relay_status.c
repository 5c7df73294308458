/* The relay's status lines (see msl_relay_format_status, docs/relay.md). */
#define _GNU_SOURCE
#include "msl_relay_int.h"

#include <string.h>

typedef struct out {
  char *buf;
  size_t cap, off;
  int over;
} out;

static void put(out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...) {
  va_list ap;
  if (o->over)
    return;
  va_start(ap, fmt);
  int n = vsnprintf(o->buf + o->off, o->cap - o->off, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= o->cap - o->off)
    o->over = 1;
  else
    o->off += (size_t)n;
}

/* key="value" with '"' and '\' escaped, control bytes as '?'. */
static void put_quoted(out *o, const char *key, const char *v) {
  char q[2 * MSL_TLS_SUBJECT_MAX + 3];
  size_t k = 0;
  q[k++] = '"';
  for (; *v && k < sizeof(q) - 3; v++) {
    if (*v == '"' || *v == '\\')
      q[k++] = '\\';
    q[k++] = (unsigned char)*v < 0x20 ? '?' : *v;
  }
  q[k++] = '"';
  q[k] = '\0';
  put(o, " %s=%s", key, q);
}

static void put_n(out *o, const char *key, uint64_t v) {
  put(o, "relay_%s %llu\n", key, (unsigned long long)v);
}

static void counters(out *o, const msl_relay *r) {
  const relay_counters *c = &r->c;
  const msl_relay_proxy *px = &r->core.proxy;
  struct {
    const char *k;
    uint64_t v;
  } rows[] = {
      {"local_in", c->local_in},       {"own_in", c->own_in},
      {"to_origin", c->to_origin},     {"frames_in", c->frames_in},
      {"frames_out", c->frames_out},   {"emitted", c->emitted},
      {"delivered", c->delivered},     {"reflected", c->reflected},
      {"forwarded", c->forwarded},     {"drop_down", c->drop_down},
      {"drop_rate", c->drop_rate},     {"drop_queue", c->drop_queue},
      {"drop_unconfirmed", c->drop_unconfirmed},     {"drop_no_route", c->drop_no_route},
      {"drop_send", c->drop_send},     {"drop_too_big", c->drop_too_big},
      {"malformed_frames", c->malformed},
      {"ignored_frames", c->ignored_frames},
      {"refused_busy", c->refused_busy},
      {"floods", c->floods},           {"throttled", c->throttled},
      {"proxy_names", px->n},          {"proxy_learned", px->learned},
      {"proxy_evicted", px->evicted},  {"proxy_answers", c->proxy_answers},
  };
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
    put_n(o, rows[i].k, rows[i].v);
  for (int k = 0; k < MSL_RELAY_D_COUNT; k++)
    put(o, "relay_drop_%s %llu\n", msl_relay_drop_name(k),
        (unsigned long long)r->core.drops[k]);
  uint64_t refused = c->refused_busy;
  for (int k = 1; k < MSL_TLS_R_COUNT; k++) {
    refused += c->refused[k];
    put(o, "relay_refused_%s %llu\n", msl_tls_refusal_name(k),
        (unsigned long long)c->refused[k]);
  }
  put_n(o, "refused", refused);
}

static void put_stats(out *o, const peer_stats *s) {
  put(o, " in=%llu out=%llu bytes_in=%llu bytes_out=%llu drop_down=%llu "
      "drop_rate=%llu drop_queue=%llu drop_unconfirmed=%llu throttled=%llu",
      (unsigned long long)s->frames_in, (unsigned long long)s->frames_out,
      (unsigned long long)s->bytes_in, (unsigned long long)s->bytes_out,
      (unsigned long long)s->drop_down, (unsigned long long)s->drop_rate,
      (unsigned long long)s->drop_queue, (unsigned long long)s->drop_unconfirmed,
      (unsigned long long)s->throttled);
}

/* A link's state as shown: "standby" for an up link that another link to
 * the same site carries the traffic for. */
static const char *shown_state(const msl_relay *r, size_t i) {
  const rlink *l = &r->links[i];
  if (l->state == L_UP && relay_site_link(r, l->site) != (int)i)
    return "standby";
  return link_state_name(l->state);
}

static void link_line(out *o, const msl_relay *r, size_t i, uint64_t now) {
  const rlink *l = &r->links[i];
  put(o, " state=%s site=%s addr=%s", shown_state(r, i),
      l->site[0] ? l->site : "-", l->addr);
  put_quoted(o, "subject", msl_tls_peer_subject(l->tls));
  put(o, " fingerprint=%s", msl_tls_peer_fingerprint(l->tls)[0]
                                ? msl_tls_peer_fingerprint(l->tls) : "-");
  put(o, " %s_s=%llu queued=%zu", l->state == L_UP ? "up" : "for",
      (unsigned long long)((now - l->since) / 1000u), l->tx_len - l->tx_off);
}

static void peer_lines(out *o, const msl_relay *r, uint64_t now) {
  for (size_t p = 0; p < r->npeers; p++) {
    const rpeer *pe = &r->peers[p];
    put(o, "relay_peer %s dir=out", pe->text);
    if (pe->link >= 0 && !r->links[pe->link].dead) {
      link_line(o, r, (size_t)pe->link, now);
    } else {
      put(o, " state=%s site=%s", pe->dns ? "resolving" : "down",
          pe->site[0] ? pe->site : "-");
      put_quoted(o, "subject", pe->subject);
      put(o, " retry_in_s=%llu", (unsigned long long)(
          pe->next_try > now ? (pe->next_try - now + 999) / 1000u : 0));
    }
    put_stats(o, &pe->st);
    put(o, " connects=%llu failures=%llu", (unsigned long long)pe->st.connects,
        (unsigned long long)pe->st.failures_total);
    put_quoted(o, "last_error", pe->last_error);
    put(o, "\n");
  }
  for (size_t i = 0; i < r->nlinks; i++) {
    const rlink *l = &r->links[i];
    if (l->peer >= 0 || l->dead)
      continue;
    put(o, "relay_peer in:%s dir=in", l->addr);
    link_line(o, r, i, now);
    put_stats(o, &l->own);
    put(o, "\n");
  }
}

int msl_relay_format_status(msl_relay *r, char *buf, size_t cap,
                            uint64_t now) {
  out o = {buf, cap, 0, 0};
  if (!r || !buf || cap == 0)
    return MSL_ERR_ARG;
  size_t up = 0;
  for (size_t i = 0; i < r->nlinks; i++)
    up += r->links[i].state == L_UP && !r->links[i].dead;
  put(&o, "relay_site %s\nrelay_hub %d\nrelay_listen %s\n", r->core.site,
      r->core.hub, r->listen_fd >= 0 ? r->listen_text : "-");
  put(&o, "relay_subject \"%s\"\n", msl_tls_ctx_subject(r->tls));
  put_n(&o, "links_up", up);
  put_n(&o, "peers", r->npeers);
  counters(&o, r);
  peer_lines(&o, r, now);
  return o.over ? MSL_ERR_BUFFER_TOO_SMALL : (int)o.off;
}
