/* Delivery of network messages to local mailslots (see msl_deliver.h). */
#define _GNU_SOURCE
#include "msl_deliver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msl_local.h"
#include "msl_path.h"
#include "msl_slotdir.h"

#define LOCAL_PREFIX "\\\\.\\mailslot\\"
#define LOCAL_PREFIX_LEN 13

/* A message held for a full slot. */
typedef struct held {
  struct held *next;
  msl_msg_info info;
  size_t len;
  uint8_t data[];
} held;

/* An open slot: its writer handle and its backlog. */
typedef struct slot_ent {
  msl_handle *h;
  uint64_t last;      /* use order, for eviction */
  held *head, *tail;  /* FIFO of held messages (head NULL: none) */
  size_t nheld, held_bytes;
  uint64_t progress;  /* ms: when the backlog last moved (or began) */
  uid_t owner;        /* the slot's creator */
  char stem[MSL_PATH_FILE_MAX + 1];
} slot_ent;

struct msl_deliver {
  msl_deliver_counters c;
  int dir_fd;
  gid_t dir_gid;
  slot_ent w[MSL_DELIVER_WRITERS];
  uint64_t use_seq;
  size_t held_max, held_bytes_max, held_n, held_bytes;
  uint64_t stall_ms;
  size_t slot_share, owner_share;
};

int msl_deliver_new(const msl_deliver_config *cfg, msl_deliver **out) {
  struct stat st;
  if (!out)
    return MSL_ERR_ARG;
  *out = NULL;
  if (!cfg || cfg->dir_fd < 0 || fstat(cfg->dir_fd, &st) != 0)
    return MSL_ERR_ARG;
  msl_deliver *d = calloc(1, sizeof(*d));
  if (!d)
    return MSL_ERR_NOMEM;
  d->dir_fd = cfg->dir_fd;
  d->dir_gid = st.st_gid;
  d->held_max = cfg->held_max ? cfg->held_max : MSL_DELIVER_HELD_MAX;
  d->held_bytes_max = cfg->held_bytes ? cfg->held_bytes
                                      : MSL_DELIVER_HELD_BYTES;
  d->stall_ms = cfg->stall_ms ? cfg->stall_ms : MSL_DELIVER_STALL_MS;
  d->slot_share = cfg->slot_share ? cfg->slot_share : MSL_DELIVER_SLOT_SHARE;
  d->owner_share =
      cfg->owner_share ? cfg->owner_share : MSL_DELIVER_OWNER_SHARE;
  *out = d;
  return 0;
}

/* Frees e's held messages, counting them in *ctr. */
static void held_drop(msl_deliver *d, slot_ent *e, uint64_t *ctr) {
  while (e->head) {
    held *m = e->head;
    e->head = m->next;
    d->held_n--;
    d->held_bytes -= sizeof(*m) + m->len;
    if (ctr)
      (*ctr)++;
    free(m);
  }
  e->tail = NULL;
  e->nheld = e->held_bytes = 0;
}

/* Closes e's handle; its held messages are dropped as reader_gone. */
static void slot_close(msl_deliver *d, slot_ent *e) {
  held_drop(d, e, &d->c.reader_gone);
  msl_close(e->h);
  e->h = NULL;
}

void msl_deliver_free(msl_deliver *d) {
  if (!d)
    return;
  for (size_t i = 0; i < MSL_DELIVER_WRITERS; i++) {
    held_drop(d, &d->w[i], NULL);
    msl_close(d->w[i].h);
  }
  free(d);
}

const msl_deliver_counters *msl_deliver_counters_get(const msl_deliver *d) {
  return d ? &d->c : NULL;
}

size_t msl_deliver_held(const msl_deliver *d, size_t *bytes) {
  if (bytes)
    *bytes = d ? d->held_bytes : 0;
  return d ? d->held_n : 0;
}

/* ---- opening a slot ---- */

/* Whether a slot's socket admits network messages: writable by the run
 * directory's group (the service's), by everyone, or the service's own.
 * Checked whatever the service's privileges, so that running it as root
 * never widens who it delivers to. */
static int admits_network(const msl_deliver *d, const struct stat *st) {
  if (st->st_mode & S_IWOTH)
    return 1;
  if (st->st_gid == d->dir_gid && (st->st_mode & S_IWGRP))
    return 1;
  return st->st_uid == geteuid() && (st->st_mode & S_IWUSR);
}

/* Opens the slot n for delivery into e. */
static int slot_open(msl_deliver *d, const msl_slot_names *n, slot_ent *e) {
  msl_slot_ref ref;
  msl_handle *h;
  int r = msl_slot_lookup(d->dir_fd, n, &ref);
  if (r < 0)
    return r;
  r = admits_network(d, &ref.sock_st) ? msl_local_open_ref(&ref, &h)
                                      : MSL_ERR_ACCESS;
  uid_t owner = ref.sock_st.st_uid;
  msl_slot_ref_close(&ref);
  if (r < 0)
    return r;
  msl_close(e->h);
  e->h = h;
  e->owner = owner;
  e->last = ++d->use_seq;
  memcpy(e->stem, n->stem, sizeof(e->stem));
  return 0;
}

/* The open slot n, opening it when absent. Entries holding messages are
 * never evicted. Returns the entry or NULL with *err set. */
static slot_ent *slot_get(msl_deliver *d, const msl_slot_names *n, int *err) {
  slot_ent *victim = NULL;
  for (size_t i = 0; i < MSL_DELIVER_WRITERS; i++) {
    slot_ent *e = &d->w[i];
    if (e->h && strcmp(e->stem, n->stem) == 0) {
      e->last = ++d->use_seq;
      return e;
    }
    if (e->head)
      continue;
    if (!victim || !e->h || (victim->h && e->last < victim->last))
      victim = e;
  }
  if (!victim) {
    *err = MSL_ERR_QUEUE_FULL; /* every cached slot is backlogged */
    return NULL;
  }
  *err = slot_open(d, n, victim);
  return *err < 0 ? NULL : victim;
}

/* The slot names for a name from the wire; MSL_ERR_BAD_PATH when it is
 * not valid as a local name. */
static int names_from_wire(const char *name, size_t len, msl_slot_names *n) {
  char path[LOCAL_PREFIX_LEN + MSL_PATH_NAME_MAX + 2];
  msl_path p;
  if (len == 0 || len > MSL_PATH_NAME_MAX || memchr(name, '\0', len))
    return MSL_ERR_BAD_PATH;
  memcpy(path, LOCAL_PREFIX, LOCAL_PREFIX_LEN);
  memcpy(path + LOCAL_PREFIX_LEN, name, len);
  path[LOCAL_PREFIX_LEN + len] = '\0';
  int r = msl_path_parse(&p, path);
  return r < 0 ? MSL_ERR_BAD_PATH : msl_slot_names_of(&p, n);
}

/* ---- holding ---- */

/* Sends e's held messages in order. Returns 1 while some remain (the slot
 * is full again), 0 when all went, or a negative msl_err when the handle
 * failed (closed; what was held is dropped and counted). */
static int held_flush(msl_deliver *d, slot_ent *e, uint64_t now) {
  while (e->head) {
    held *m = e->head;
    int r = msl_local_send(e->h, m->data, m->len, &m->info, 0);
    if (r == MSL_ERR_QUEUE_FULL)
      return 1;
    if (r == MSL_ERR_NOT_FOUND) {
      slot_close(d, e);
      return r;
    }
    if (r == 0)
      d->c.delivered++;
    else if (r == MSL_ERR_MSG_TOO_BIG)
      d->c.too_big++;
    else
      d->c.deliver_errors++;
    e->progress = now;
    e->head = m->next;
    if (!e->head)
      e->tail = NULL;
    e->nheld--;
    e->held_bytes -= sizeof(*m) + m->len;
    d->held_n--;
    d->held_bytes -= sizeof(*m) + m->len;
    free(m);
  }
  return 0;
}

/* 1 when holding cost more bytes for e keeps its slot and its owner
 * within their shares of the caps. */
static int within_share(const msl_deliver *d, const slot_ent *e,
                        size_t cost) {
  size_t n = 0, bytes = 0;
  if ((e->nheld + 1) * d->slot_share > d->held_max ||
      (e->held_bytes + cost) * d->slot_share > d->held_bytes_max)
    return 0;
  for (size_t i = 0; i < MSL_DELIVER_WRITERS; i++)
    if (d->w[i].head && d->w[i].owner == e->owner) {
      n += d->w[i].nheld;
      bytes += d->w[i].held_bytes;
    }
  return (n + 1) * d->owner_share <= d->held_max &&
         (bytes + cost) * d->owner_share <= d->held_bytes_max;
}

/* Holds a copy of the message behind e's backlog, within the caps. */
static int hold(msl_deliver *d, slot_ent *e, const uint8_t *msg, size_t len,
                const msl_msg_info *info, uint64_t now) {
  size_t cost = sizeof(held) + len;
  if (d->held_n >= d->held_max || cost > d->held_bytes_max - d->held_bytes ||
      !within_share(d, e, cost)) {
    d->c.queue_full++;
    if (d->held_n < d->held_max && cost <= d->held_bytes_max - d->held_bytes)
      d->c.quota_drops++;
    return MSL_SINK_DROPPED;
  }
  held *m = malloc(cost);
  if (!m) {
    d->c.deliver_errors++;
    return MSL_SINK_DROPPED;
  }
  m->next = NULL;
  m->info = *info;
  m->len = len;
  if (len)
    memcpy(m->data, msg, len);
  if (e->tail)
    e->tail->next = m;
  else {
    e->head = m;
    e->progress = now;
  }
  e->tail = m;
  e->nheld++;
  e->held_bytes += cost;
  d->held_n++;
  d->held_bytes += cost;
  d->c.deferred++;
  return MSL_SINK_HELD;
}

/* ---- the sink ---- */

/* Counts a final outcome r of one delivery; returns its verdict. */
static int verdict(msl_deliver *d, int r) {
  switch (r) {
  case 0:
    d->c.delivered++;
    return MSL_SINK_DELIVERED;
  case MSL_ERR_NOT_FOUND:
    d->c.no_mailslot++;
    return MSL_SINK_NO_SLOT;
  case MSL_ERR_BAD_PATH:
    d->c.bad_slot_name++;
    return MSL_SINK_BAD_NAME;
  case MSL_ERR_ACCESS:
    d->c.refused++;
    return MSL_SINK_REFUSED;
  case MSL_ERR_QUEUE_FULL:
    d->c.queue_full++;
    return MSL_SINK_DROPPED;
  case MSL_ERR_MSG_TOO_BIG:
    d->c.too_big++;
    return MSL_SINK_DROPPED;
  default:
    d->c.deliver_errors++;
    return MSL_SINK_DROPPED;
  }
}

static int sink_deliver(void *ctx, const char *name, size_t name_len,
                        const uint8_t *msg, size_t len,
                        const msl_msg_info *origin, uint64_t now) {
  msl_deliver *d = ctx;
  msl_slot_names n;
  int r = names_from_wire(name, name_len, &n);
  slot_ent *e = NULL;
  /* A cached handle whose reader went away fails with NOT_FOUND, and one
   * opened before the reader was re-created may know an old maximum size:
   * reopen (a new reader may have taken the name) and try once more. A
   * slot with a backlog gets the message behind it, to keep the order. */
  for (int attempt = 0; r == 0 && attempt < 2; attempt++) {
    if (!(e = slot_get(d, &n, &r)))
      break;
    if (e->head && (r = held_flush(d, e, now)) != 0) {
      if (r > 0)
        return hold(d, e, msg, len, origin, now);
      e = NULL;
      r = 0;
      continue; /* the reader went away: its backlog is dropped */
    }
    r = msl_local_send(e->h, msg, len, origin, 0);
    if (r != MSL_ERR_NOT_FOUND && (r != MSL_ERR_MSG_TOO_BIG || attempt))
      break;
    msl_close(e->h);
    e->h = NULL;
    e = NULL;
    r = 0;
  }
  if (r == MSL_ERR_QUEUE_FULL && e)
    return hold(d, e, msg, len, origin, now);
  return verdict(d, r);
}

static size_t sink_pollfds(void *ctx, struct pollfd *pf, size_t cap) {
  msl_deliver *d = ctx;
  size_t n = 0;
  for (size_t i = 0; pf && i < MSL_DELIVER_WRITERS && n < cap; i++)
    if (d->w[i].head)
      pf[n++] = (struct pollfd){msl_fd(d->w[i].h), POLLOUT, 0};
  return n;
}

static void sink_flush(void *ctx, uint64_t now) {
  msl_deliver *d = ctx;
  for (size_t i = 0; i < MSL_DELIVER_WRITERS && d->held_n; i++)
    if (d->w[i].head)
      (void)held_flush(d, &d->w[i], now);
}

/* A reader that stopped reading must not hold the others back for long. */
static uint64_t sink_tick(void *ctx, uint64_t now) {
  msl_deliver *d = ctx;
  uint64_t next = UINT64_MAX;
  for (size_t i = 0; i < MSL_DELIVER_WRITERS; i++) {
    slot_ent *e = &d->w[i];
    if (!e->head)
      continue;
    uint64_t end = e->progress + d->stall_ms;
    if (now >= end) {
      d->c.stalls++;
      held_drop(d, e, &d->c.queue_full);
    } else if (end - now < next) {
      next = end - now;
    }
  }
  return next;
}

/* Each of batch messages counted at its worst: the largest datagram. */
#define WORST_MSG (65535u + sizeof(held))

static int sink_backlogged(void *ctx, size_t batch) {
  const msl_deliver *d = ctx;
  return d->held_n + batch > d->held_max ||
         d->held_bytes_max < batch * WORST_MSG ||
         d->held_bytes > d->held_bytes_max - batch * WORST_MSG;
}

static int sink_format_status(void *ctx, char *buf, size_t cap) {
  const msl_deliver *d = ctx;
  const msl_deliver_counters *c = &d->c;
  int n = snprintf(
      buf, cap,
      "delivered %llu\nno_mailslot %llu\nbad_mailslot_name %llu\n"
      "refused %llu\nqueue_full %llu\nquota_drops %llu\ntoo_big %llu\n"
      "deliver_errors %llu\ndeferred %llu\nreader_gone %llu\nstalls %llu\n"
      "pending_messages %zu\npending_bytes %zu\n",
      (unsigned long long)c->delivered, (unsigned long long)c->no_mailslot,
      (unsigned long long)c->bad_slot_name, (unsigned long long)c->refused,
      (unsigned long long)c->queue_full, (unsigned long long)c->quota_drops,
      (unsigned long long)c->too_big, (unsigned long long)c->deliver_errors,
      (unsigned long long)c->deferred, (unsigned long long)c->reader_gone,
      (unsigned long long)c->stalls, d->held_n, d->held_bytes);
  return n < 0 || (size_t)n >= cap ? MSL_ERR_BUFFER_TOO_SMALL : n;
}

msl_sink msl_deliver_sink(msl_deliver *d) {
  msl_sink s = {d,          sink_deliver,    sink_pollfds,      sink_flush,
                sink_tick,  sink_backlogged, sink_format_status};
  return s;
}
