/* Control requests to the service: status, resolve, open and send, and
 * the requests that wait for a name (see msl_service.h). */
#define _GNU_SOURCE
#include "msl_service_int.h"

/* With the name service off (--name-port 0) we know one NetBIOS name:
 * our own, at the first interface's address (loopback if none). */
static int own_name_resolver(void *user, const char *name, const char *scope,
                             uint32_t *ip) {
  const msl_svc *s = ((const lookup *)user)->s;
  msl_nbname a, b;
  if (msl_nbname_make(&a, name, MSL_NB_WORKSTATION, scope) != 0 ||
      msl_nbname_make(&b, s->name, MSL_NB_WORKSTATION, s->scope) != 0 ||
      !msl_nbname_equal(&a, &b))
    return MSL_ERR_NAME_NOT_FOUND;
  *ip = s->ifs.n ? s->ifs.v[0].addr : 0x7f000001u;
  return 0;
}

/* With the name service: HOST<00> from our names or the cache, never
 * from the network here. On the first pass an unknown name is noted and
 * answered with a placeholder (which also skips the system resolver):
 * the request then waits for a query (defer). On the replay, the query's
 * answer, or NAME_NOT_FOUND as the blocking resolver gave (then the system
 * resolver, dns_resolver). */
static int ns_resolver(void *user, const char *name, const char *scope,
                       uint32_t *ip) {
  lookup *lk = user;
  msl_nbname nb;
  if (msl_ns_svc_make_name(lk->s->nss, name, MSL_NB_WORKSTATION, scope,
                           &nb) < 0)
    return MSL_ERR_NAME_NOT_FOUND;
  if (msl_ns_svc_lookup(lk->s->nss, &nb, msl_now_ms(), ip, NULL) == 0)
    return 0;
  if (lk->done) {
    if (!lk->done->answered || !lk->done->q ||
        lk->done->q->kind != MSL_NS_AQ_NAME ||
        !msl_nbname_equal(&nb, &lk->done->q->nb))
      return MSL_ERR_NAME_NOT_FOUND;
    *ip = lk->done->q->ans.ip;
    return 0;
  }
  lk->missed = 1;
  lk->kind = MSL_NS_AQ_NAME;
  lk->nb = nb;
  *ip = 0;
  return 0;
}

/* \\1.2.3.4\...: the address's name from our names or the address
 * cache. On the first pass an unknown address is noted (the request then
 * waits for a node status, defer); on the replay, the query's name, or
 * NAME_NOT_FOUND ("*"<00>, as before) when it gave none. */
static int ns_addr_namer(void *user, uint32_t ip, const char *scope,
                         msl_nbname *name) {
  lookup *lk = user;
  (void)scope; /* ours, as the name service's */
  int r = msl_ns_svc_ip_lookup(lk->s->nss, ip, msl_now_ms(), name);
  if (r >= 0)
    return r ? 0 : MSL_ERR_NAME_NOT_FOUND;
  if (lk->done) {
    const msl_ns_aq *q = lk->done->q;
    if (!lk->done->answered || !q || q->kind != MSL_NS_AQ_STATUS ||
        q->ip != ip)
      return MSL_ERR_NAME_NOT_FOUND;
    *name = q->found;
    return 0;
  }
  lk->missed = 1;
  lk->kind = MSL_NS_AQ_STATUS;
  lk->ip = ip;
  return MSL_ERR_NAME_NOT_FOUND;
}

/* The system resolver step (/etc/hosts, DNS) after a NetBIOS miss: never
 * here, as getaddrinfo may wait for an unreachable server. The first time
 * the host is noted and a placeholder answered (the request then waits
 * for a lookup in a worker thread, defer); on the replay, its result. */
static int dns_resolver(void *user, const char *host, uint32_t *ip) {
  lookup *lk = user;
  if (lk->done && lk->done->dns &&
      strcmp(host, msl_sysres_host(lk->done->dns)) == 0)
    return msl_sysres_result(lk->done->dns, ip) == 0 ? 0
                                                     : MSL_ERR_NAME_NOT_FOUND;
  if (strlen(host) > MSL_SYSRES_HOST_MAX)
    return MSL_ERR_NAME_NOT_FOUND; /* msl_dgram_path_parse allows 253 */
  lk->missed = 1;
  lk->kind = LK_DNS;
  strcpy(lk->host, host);
  *ip = 0;
  return 0;
}

static void reply(int fd, const char *text, size_t len) {
  ssize_t r = send(fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL);
  (void)r; /* a client that went away gets nothing */
}

static void reply_err(int fd, int code) {
  char b[32];
  int n = snprintf(b, sizeof(b), "err %d\n", code);
  reply(fd, b, (size_t)n);
}

/* Parses "VERB FLAGS PATH" (PATH up to '\n' or the end; copied into
 * path[cap]). The request is left as it was: a deferred one is parsed
 * again when its query ends. */
static int parse_req(const char *req, size_t len, unsigned *flags,
                     char *path, size_t cap, size_t *hdr_len) {
  char hdr[PATH_BUF + 32];
  const char *nl = memchr(req, '\n', len);
  *hdr_len = nl ? (size_t)(nl - req) + 1 : len;
  size_t hl = nl ? (size_t)(nl - req) : len;
  if (hl >= sizeof(hdr))
    return MSL_ERR_BAD_PATH;
  memcpy(hdr, req, hl);
  hdr[hl] = '\0';
  char *sp = strchr(hdr, ' ');
  if (!sp)
    return MSL_ERR_ARG;
  char *end;
  unsigned long f = strtoul(sp + 1, &end, 10);
  if (end == sp + 1 || *end != ' ' || f > 0xffff)
    return MSL_ERR_ARG;
  *flags = (unsigned)f;
  if (strlen(end + 1) >= cap)
    return MSL_ERR_BAD_PATH;
  strcpy(path, end + 1);
  return 0;
}

/* Starts the lookup of pending entry p (its query socket stays -1). */
static int start_dns(msl_svc *s, pending *p, const char *host) {
  memset(&p->q, 0, sizeof(p->q));
  p->q.fd = -1;
  int r = msl_sysres_start(host, &p->dns);
  if (r == 0)
    s->dns_lookups++;
  return r;
}

/* Parks the request of connection cfd until the query lk asks for (a
 * name, an address's node status, or a host from the system resolver)
 * ends. Returns 1 (parked: cfd and *pass are the entry's now), 0 (nothing
 * to ask, or no socket: *rp says so, replay at once) or MSL_ERR_TOO_MANY
 * (also: too many lookup threads) / MSL_ERR_NOMEM / MSL_ERR_SYSTEM. */
static int defer(msl_svc *s, int cfd, uid_t uid, const uint8_t *b,
                 size_t len, int *pass, const lookup *lk, replay *rp,
                 msl_ns_aq *tmp) {
  if (s->npend == MSL_SERVICE_PENDING_MAX ||
      msl_svc_uid_count(s, UID_PENDING, uid) >= MSL_SERVICE_PENDING_PER_UID) {
    s->ctl_uid_limited += s->npend < MSL_SERVICE_PENDING_MAX;
    return MSL_ERR_TOO_MANY;
  }
  pending *p = &s->pend[s->npend];
  p->dns = NULL;
  if (lk->kind == LK_DNS) {
    int r = start_dns(s, p, lk->host);
    if (r < 0)
      return r;
    goto park;
  }
  int r = lk->kind == MSL_NS_AQ_STATUS
              ? msl_ns_aq_start_status(s->nss, &p->q, lk->ip, msl_now_ms())
              : msl_ns_aq_start(s->nss, &p->q, &lk->nb, msl_now_ms());
  if (r < 0) {
    *tmp = p->q; /* fd -1; what was asked, for the replay */
    tmp->fd = -1;
    tmp->kind = lk->kind;
    tmp->nb = lk->nb;
    tmp->ip = lk->ip;
    rp->q = tmp;
    rp->answered = 0;
    rp->dns = NULL;
    return 0;
  }
  s->resolve_queries++;
park:
  p->req = malloc(len + 1);
  if (!p->req) {
    msl_ns_aq_cancel(&p->q);
    msl_sysres_free(p->dns);
    p->dns = NULL;
    return MSL_ERR_NOMEM;
  }
  memcpy(p->req, b, len);
  p->req[len] = '\0';
  p->len = len;
  p->cfd = cfd;
  p->uid = uid;
  p->pass = *pass;
  *pass = -1;
  s->npend++;
  return 1;
}

/* "resolve NAME[<xx>]": our names and the cache at once, else deferred
 * (done NULL) or answered from the finished query. Returns as
 * handle_request. */
static int handle_resolve(msl_svc *s, int cfd, uid_t uid, uint8_t *b,
                          size_t len, int *pass, const replay *done) {
  char out[64], name[MSL_NBNAME_MAX_CHARS + 1];
  uint8_t suffix;
  msl_nbname nb;
  uint32_t ip;
  uint16_t fl = 0;
  replay now_done;
  msl_ns_aq tmp;
  b[len] = '\0'; /* the buffers have room for it */
  int r = s->nss ? 0 : MSL_ERR_UNSUPPORTED;
  if (r == 0)
    r = msl_ns_parse_name((char *)b + 8, name, sizeof(name),
                          MSL_NB_WORKSTATION, &suffix);
  if (r == 0)
    r = msl_ns_svc_make_name(s->nss, name, suffix, NULL, &nb);
  if (r == 0 && msl_ns_svc_lookup(s->nss, &nb, msl_now_ms(), &ip, &fl) != 0) {
    if (!done) {
      lookup lk = {.s = s, .kind = MSL_NS_AQ_NAME, .nb = nb};
      r = defer(s, cfd, uid, b, len, pass, &lk, &now_done, &tmp);
      if (r == 1)
        return 1;
      done = r == 0 ? &now_done : NULL;
    }
    const msl_ns_aq *q = done && done->answered ? done->q : NULL;
    if (q && q->kind == MSL_NS_AQ_NAME && msl_nbname_equal(&nb, &q->nb)) {
      ip = q->ans.ip;
      fl = q->ans.nb_flags;
    } else if (r == 0)
      r = MSL_ERR_NAME_NOT_FOUND;
  }
  int n = r < 0 ? r : msl_ns_ctl_format(ip, fl, out, sizeof(out));
  if (n < 0)
    reply_err(cfd, n);
  else
    reply(cfd, out, (size_t)n);
  return 0;
}

/* A name's bytes up to its padding, as one word of a reply: \xNN for
 * what would split or end the line (space, control, '\', non-ASCII). */
static size_t put_word(char *o, size_t cap, const uint8_t *p, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t k = 0;
  while (n && (p[n - 1] == ' ' || p[n - 1] == 0))
    n--;
  for (size_t i = 0; i < n && k + 5 < cap; i++) {
    if (p[i] > 0x20 && p[i] < 0x7f && p[i] != '\\') {
      o[k++] = (char)p[i];
      continue;
    }
    o[k++] = '\\';
    o[k++] = 'x';
    o[k++] = hex[p[i] >> 4];
    o[k++] = hex[p[i] & 15];
  }
  o[k] = '\0';
  return k;
}

/* "identity": the names this service registered, for the tools'
 * requests: "ok NAME WORKGROUP[ SCOPE]\n". */
static void handle_identity(msl_svc *s, int cfd) {
  char out[2 * 64 + MSL_NBNAME_SCOPE_MAX + 16];
  const msl_nbname *h = msl_dgram_host_name(s->dg);
  const msl_nbname *g = msl_dgram_group_name(s->dg);
  size_t k = 3;
  memcpy(out, "ok ", 3);
  k += put_word(out + k, sizeof(out) - k, h->raw, MSL_NBNAME_MAX_CHARS);
  out[k++] = ' ';
  k += put_word(out + k, sizeof(out) - k, g->raw, MSL_NBNAME_MAX_CHARS);
  if (h->scope_len) { /* scope bytes are printable, never a space */
    out[k++] = ' ';
    memcpy(out + k, h->scope, h->scope_len);
    k += h->scope_len;
  }
  out[k++] = '\n';
  reply(cfd, out, k);
}

/* "status" and "identity": 1 when req is one of them (answered). */
static int handle_info(msl_svc *s, int cfd, const char *req, size_t len) {
  if (len >= 6 && memcmp(req, "status", 6) == 0 &&
      (len == 6 || req[6] == '\n')) {
    memcpy(s->status_buf, "ok\n", 3);
    int n = msl_svc_format_status(s, s->status_buf + 3, STATUS_BUF - 3);
    if (n < 0)
      reply_err(cfd, n);
    else
      reply(cfd, s->status_buf, (size_t)n + 3);
    return 1;
  }
  if (len >= 8 && memcmp(req, "identity", 8) == 0 &&
      (len == 8 || req[8] == '\n')) {
    handle_identity(s, cfd);
    return 1;
  }
  return 0;
}

/* "open": keeps the writer pass for dest unless uid is at its share.
 * Returns 1 when pass was taken. */
static int add_writer(msl_svc *s, int cfd, uid_t uid, int pass,
                      const msl_dgram_dest *dest, const char *path) {
  char out[32];
  if (s->nrem == MSL_SERVICE_REMOTES_MAX ||
      msl_svc_uid_count(s, UID_REMOTES, uid) >= MSL_SERVICE_REMOTES_PER_UID) {
    s->ctl_refused++;
    s->ctl_uid_limited += s->nrem < MSL_SERVICE_REMOTES_MAX;
    slog(s, MSL_LOG_WARN, "control: uid %lu: too many writers open",
         (unsigned long)uid);
    reply_err(cfd, MSL_ERR_TOO_MANY);
    return 0;
  }
  s->rem[s->nrem].fd = pass;
  s->rem[s->nrem].uid = uid;
  s->rem[s->nrem].last = msl_now_ms();
  s->rem[s->nrem].dest = *dest;
  s->nrem++;
  int n = snprintf(out, sizeof(out), "ok %d\n", msl_dgram_max_message(dest));
  reply(cfd, out, (size_t)n);
  slog(s, MSL_LOG_DEBUG, "control: writer for %s (%s)", path,
       dest->group ? "group broadcast" : "unicast");
  return 1;
}

/* "send": the datagram now. */
static void send_now(msl_svc *s, int cfd, const msl_dgram_dest *dest,
                     const uint8_t *data, size_t n) {
  int r = msl_dgram_send(&s->snd, dest, data, n);
  if (r < 0) {
    s->send_rejected++;
    reply_err(cfd, r);
  } else {
    reply(cfd, "ok\n", 3);
  }
}

/* One control request (b, len; b has room for a NUL at b[len]) from
 * connection cfd, with the passed fd pass (-1: none; closed unless kept).
 * done: NULL the first time; the finished query when a deferred request
 * is replayed. Returns 1 when the request was deferred (cfd is the
 * pending entry's now), else 0 (replied). */
static int handle_request(msl_svc *s, int cfd, uid_t uid, uint8_t *b,
                          size_t len, int pass, const replay *done) {
  char path[PATH_BUF];
  unsigned flags;
  size_t hl;
  msl_dgram_dest dest;
  replay now_done;
  msl_ns_aq tmp;
  int parked = 0;
  if (!done)
    s->ctl_requests++;
  char *req = (char *)b;
  if (handle_info(s, cfd, req, len))
    goto done;
  if (len > 8 && memcmp(req, "resolve ", 8) == 0) {
    parked = handle_resolve(s, cfd, uid, b, len, &pass, done);
    goto done;
  }
  int is_open = len > 5 && memcmp(req, "open ", 5) == 0;
  int is_send = len > 5 && memcmp(req, "send ", 5) == 0;
  if ((!is_open && !is_send) || (is_open && pass < 0)) {
    s->ctl_refused++;
    reply_err(cfd, MSL_ERR_ARG);
    goto done;
  }
  lookup lk = {.s = s, .done = done};
  int r = parse_req(req, len, &flags, path, sizeof(path), &hl);
  if (r == 0)
    r = msl_dgram_dest_resolve_ex(&dest, path, s->wg, s->scope, s->udp.port,
                                  (flags & MSL_OPEN_FRAGMENT) != 0,
                                  s->nss ? ns_resolver : own_name_resolver,
                                  s->nss ? ns_addr_namer : NULL,
                                  dns_resolver, &lk);
  if (r == 0)
    dest.fit576 = (flags & MSL_OPEN_FIT576) != 0;
  if (r == 0 && lk.missed) {
    /* The destination waits for a query or lookup; nothing is sent yet. */
    r = defer(s, cfd, uid, b, len, &pass, &lk, &now_done, &tmp);
    if (r == 1) {
      parked = 1;
      goto done;
    }
    if (r == 0) {
      parked = handle_request(s, cfd, uid, b, len, pass, &now_done);
      pass = -1; /* handle_request took it */
      goto done;
    }
    if (lk.kind == MSL_NS_AQ_STATUS)
      r = 0; /* no room to wait: "*"<00> (dest has it), as before */
  }
  if (r == 0 && dest.group && s->ifs.n == 0)
    r = MSL_ERR_NO_INTERFACE;
  int max = r == 0 ? msl_dgram_max_message(&dest) : 0;
  if (max < 0)
    r = max; /* no message fits (a scope too long for --fit576) */
  if (r < 0) {
    s->ctl_refused++;
    slog(s, MSL_LOG_DEBUG, "control: %s %s refused: %s (%s)",
         is_open ? "open" : "send", path, msl_strerror(r), msl_err_name(r));
    reply_err(cfd, r);
  } else if (is_send) {
    send_now(s, cfd, &dest, b + hl, len - hl);
  } else if (add_writer(s, cfd, uid, pass, &dest, path)) {
    pass = -1;
  }
done:
  if (pass >= 0)
    close(pass);
  return parked;
}

void msl_svc_drop_pending(msl_svc *s, size_t i) {
  pending *p = &s->pend[i];
  msl_ns_aq_cancel(&p->q);
  msl_sysres_free(p->dns);
  if (p->cfd >= 0)
    close(p->cfd);
  if (p->pass >= 0)
    close(p->pass);
  free(p->req);
  s->pend[i] = s->pend[--s->npend];
}

/* A pending request at now: its client gone (cfd ready: it closed, or
 * broke the one-request rule) drops it; a finished query or lookup
 * replays it (which may park it again, for a lookup after the query). */
void msl_svc_service_pending(msl_svc *s, size_t i, short crev, short qrev,
                            uint64_t now) {
  pending *p = &s->pend[i];
  replay done = {NULL, 0, NULL};
  if (crev) {
    s->resolve_abandoned++;
    msl_svc_drop_pending(s, i);
    return;
  }
  if (p->dns) {
    if (!qrev || msl_sysres_result(p->dns, NULL) == 1)
      return;
    done.dns = p->dns;
  } else {
    int r = msl_ns_aq_step(s->nss, &p->q, qrev != 0, now, NULL);
    if (r == 0)
      return;
    done.q = &p->q;
    done.answered = r == 1;
    if (r != 1)
      s->resolve_timeouts++;
  }
  int pass = p->pass;
  p->pass = -1;
  if (handle_request(s, p->cfd, p->uid, p->req, p->len, pass, &done))
    p->cfd = -1; /* the new entry has it */
  msl_svc_drop_pending(s, i);
}

void msl_svc_drop_conn(msl_svc *s, size_t i) {
  close(s->conns[i].fd);
  s->conns[i] = s->conns[--s->nconns];
}

void msl_svc_service_conn(msl_svc *s, size_t i) {
  int pass;
  /* The request buffer is the forward buffer (+1 for a terminating NUL). */
  int n = msl_ctl_recv(s->conns[i].fd, s->fw, FW_BUF - 1, &pass);
  if (n == MSL_ERR_TIMEOUT)
    return;
  if (n >= 0 && handle_request(s, s->conns[i].fd, s->conns[i].uid, s->fw,
                               (size_t)n, pass, NULL)) {
    s->conns[i] = s->conns[--s->nconns]; /* the pending entry has the fd */
    return;
  }
  if (n < 0)
    s->ctl_refused++;
  msl_svc_drop_conn(s, i);
}

size_t msl_svc_uid_count(const msl_svc *s, int what, uid_t uid) {
  size_t k = 0;
  if (what == UID_CONNS)
    for (size_t i = 0; i < s->nconns; i++)
      k += s->conns[i].uid == uid;
  else if (what == UID_REMOTES)
    for (size_t i = 0; i < s->nrem; i++)
      k += s->rem[i].uid == uid;
  else
    for (size_t i = 0; i < s->npend; i++)
      k += s->pend[i].uid == uid;
  return k;
}

/* New connections: each user may have MSL_SERVICE_CONNS_PER_UID waiting
 * for their request; past that (or the total) they are closed at once, so
 * one user's idle connections never keep another user out. */
void msl_svc_accept_conns(msl_svc *s, uint64_t now) {
  for (int k = 0; k < 2 * MSL_SERVICE_CONNS_MAX; k++) {
    int fd = accept4(s->ctl.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return;
    uid_t uid;
    if (msl_ctl_peer_uid(fd, &uid) < 0 || s->nconns == MSL_SERVICE_CONNS_MAX ||
        msl_svc_uid_count(s, UID_CONNS, uid) >= MSL_SERVICE_CONNS_PER_UID) {
      s->ctl_refused++;
      s->ctl_uid_limited += s->nconns < MSL_SERVICE_CONNS_MAX;
      close(fd);
      continue;
    }
    s->conns[s->nconns].fd = fd;
    s->conns[s->nconns].uid = uid;
    s->conns[s->nconns].since = now;
    s->nconns++;
  }
}
