/* The dissector: chains the codec modules over one UDP payload. */
#include "msl_dissect.h"

static void fail(msl_dissect *d, unsigned layer, int err) {
  d->err = err;
  d->err_layer = layer;
  d->err_at = 0;
}

/* A layer's decoder stopped at `off` bytes into the layer, which starts at
 * `base` in the UDP payload (NO_BASE: a reassembled datagram's bytes). */
#define NO_BASE ((size_t)-1)
static void fail_at(msl_dissect *d, unsigned layer, int err, size_t base,
                    size_t off) {
  fail(d, layer, err);
  d->err_at = base != NO_BASE;
  d->err_off = base + off;
}

/* The offset of q in a buffer starting at p, from base (or NO_BASE). */
static size_t at(size_t base, const uint8_t *p, const uint8_t *q) {
  return base == NO_BASE || !q ? NO_BASE : base + (size_t)(q - p);
}

/* The failing layer is shown as far as it was read. */
static void partial(msl_dissect *d, unsigned layer) {
  d->layers |= layer;
  d->partial = layer;
}

/* Case-insensitive: "\MAILSLOT\" is matched that way by receivers (s is
 * upper case). */
static int name_starts(msl_view n, const char *s) {
  size_t i;
  for (i = 0; s[i]; i++) {
    if (i >= n.len)
      return 0;
    unsigned a = n.ptr[i];
    if (a >= 'a' && a <= 'z')
      a -= 32;
    if (a != (unsigned char)s[i])
      return 0;
  }
  return 1;
}

static int name_is(msl_view n, const char *s) {
  return n.len == strlen(s) && name_starts(n, s);
}

/* The outcome rc of decoding the mailslot payload as layer: the layer is
 * there, or it failed at err_off and is shown as far as it was read once
 * its first min_len bytes were. */
static void payload_decoded(msl_dissect *d, unsigned layer, int rc,
                            size_t base, size_t err_off, size_t min_len) {
  if (!rc) {
    d->layers |= layer;
    return;
  }
  fail_at(d, layer, rc, base, err_off);
  if (d->smb.data.len >= min_len)
    partial(d, layer);
}

/* The mailslot payload by name; it starts at base (or NO_BASE). */
static void dissect_payload(msl_dissect *d, size_t base) {
  msl_view n = d->smb.name, m = d->smb.data;
  int rc;
  if (name_is(n, "\\MAILSLOT\\BROWSE") ||
      (name_is(n, "\\MAILSLOT\\LANMAN") &&
       msl_browse_lanman_is_brws(m.ptr, m.len))) {
    d->payload = MSL_PAYLOAD_BROWSE;
    rc = msl_browse_decode(&d->u.browse, m.ptr, m.len);
    /* partial: the command at least */
    payload_decoded(d, MSL_LAYER_BROWSE, rc, base, d->u.browse.err_off, 1);
  } else if (name_is(n, "\\MAILSLOT\\LANMAN")) {
    d->payload = MSL_PAYLOAD_LANMAN;
    rc = msl_browse_decode_lanman(&d->u.lanman, m.ptr, m.len);
    payload_decoded(d, MSL_LAYER_LANMAN, rc, base, d->u.lanman.err_off, 2);
  } else if (name_starts(n, "\\MAILSLOT\\NET\\") ||
             name_is(n, "\\MAILSLOT\\TEMP\\NETLOGON")) {
    d->payload = MSL_PAYLOAD_NETLOGON;
    rc = msl_netlogon_decode(&d->u.netlogon, m.ptr, m.len);
    payload_decoded(d, MSL_LAYER_NETLOGON, rc, base, d->u.netlogon.err_off,
                    2);
  }
}

/* SMB and payload layers over a datagram's user data, which starts at
 * base in the UDP payload (NO_BASE: a reassembled datagram). */
static void dissect_smb(msl_dissect *d, msl_view data, size_t base) {
  int rc = msl_smbtr_decode(&d->smb, data.ptr, data.len);
  if (rc) {
    fail_at(d, MSL_LAYER_SMB, rc, base, d->smb.err_off);
    if (d->smb.have)
      partial(d, MSL_LAYER_SMB);
    return;
  }
  d->layers |= MSL_LAYER_SMB;
  dissect_payload(d, at(base, data.ptr, d->smb.data.ptr));
}

static int is_direct(uint8_t type) {
  return type >= MSL_NBDGM_DIRECT_UNIQUE && type <= MSL_NBDGM_BROADCAST;
}

/* The SMB of a datagram cut short (DGM_LENGTH goes past the packet), as
 * far as it goes: data it points to in the missing part is the cut, not
 * a bad DataOffset. */
static void dissect_cut_smb(msl_dissect *d, const uint8_t *p, size_t len) {
  const msl_nbdgm *g = &d->nbdgm;
  dissect_smb(d, g->data, at(0, p, g->data.ptr));
  const msl_smbtr *s = &d->smb;
  if (d->err == MSL_ERR_INVALID && d->err_layer == MSL_LAYER_SMB &&
      (size_t)s->data_offset + s->data_count <= g->data.len + g->missing)
    fail_at(d, MSL_LAYER_SMB, MSL_ERR_TRUNCATED, 0, len);
}

static void dissect_nbdgm(msl_dissect *d, const uint8_t *p, size_t len) {
  msl_nbdgm *g = &d->nbdgm;
  /* A short DGM_LENGTH is read as receivers read it (Wireshark too). */
  int rc = msl_nbdgm_decode_ex(g, p, len,
                               MSL_NBDGM_LENIENT_NAMES |
                                   MSL_NBDGM_SHORT_LENGTH_OK);
  if (!(g->have & MSL_NBDGM_HAVE_HEADER)) {
    fail_at(d, MSL_LAYER_NBDGM, rc ? rc : MSL_ERR_TRUNCATED, 0, g->err_off);
    return;
  }
  /* The 10 common header bytes are there: always show them; the rest as
   * far as it was read (g->have). */
  d->layers |= MSL_LAYER_NBDGM;
  int direct = is_direct(g->type);
  if (direct) {
    d->nbdgm_names = (g->have & MSL_NBDGM_HAVE_SRC) &&
                     (g->have & MSL_NBDGM_HAVE_DST);
    d->fragment = (g->flags & (MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE)) !=
                      MSL_NBDGM_FLAG_FIRST ||
                  g->offset != 0;
  } else if (g->type >= MSL_NBDGM_QUERY_REQUEST &&
             g->type <= MSL_NBDGM_NEGATIVE_QUERY_RESPONSE) {
    d->nbdgm_names = (g->have & MSL_NBDGM_HAVE_DST) != 0;
  }
  if (direct && (g->have & MSL_NBDGM_HAVE_SRC) && g->src.illegal)
    d->bad_names |= MSL_DISSECT_BAD_SRC;
  if ((g->have & MSL_NBDGM_HAVE_DST) && g->dst.illegal)
    d->bad_names |= MSL_DISSECT_BAD_DST;
  if (rc) {
    fail_at(d, MSL_LAYER_NBDGM, rc, 0, g->err_off);
    /* A datagram cut short: its SMB as far as it goes, as Wireshark does
     * (a fault in it says better what is missing). */
    if (rc == MSL_ERR_TRUNCATED && g->missing && direct && !d->fragment)
      dissect_cut_smb(d, p, len);
    return;
  }
  /* An illegal name is reported and the user data decoded all the same, as
   * Wireshark does; a failure further up replaces this error, since it says
   * what is missing (bad_names still tells about the names). */
  if (d->bad_names)
    fail(d, MSL_LAYER_NBDGM, MSL_ERR_NAME);
  if (direct && !d->fragment)
    dissect_smb(d, g->data, at(0, p, g->data.ptr));
}

static void dissect_nbns(msl_dissect *d, const uint8_t *p, size_t len) {
  d->nbns.err_off = 0; /* not set when the decoder refuses its arguments */
  int rc = msl_nbns_decode_ex(&d->nbns, p, len, MSL_NBNS_LENIENT);
  if (len >= MSL_NBNS_HDR_LEN)
    d->layers |= MSL_LAYER_NBNS;
  if (d->nbns.illegal_names)
    d->bad_names |= MSL_DISSECT_BAD_NBNS;
  if (rc)
    fail_at(d, MSL_LAYER_NBNS, rc, 0, d->nbns.err_off);
  else if (d->bad_names)
    fail(d, MSL_LAYER_NBNS, MSL_ERR_NAME);
  if (!rc)
    d->nbns_ok = 1;
}

static void start(msl_dissect *d, unsigned flags) {
  d->layers = 0;
  d->err = 0;
  d->err_layer = 0;
  d->flags = flags;
  d->reassembled = 0;
  d->fragment = 0;
  d->nbdgm_names = 0;
  d->nbns_ok = 0;
  d->bad_names = 0;
  d->payload = MSL_PAYLOAD_NONE;
  d->partial = 0;
  d->err_at = 0;
  d->err_off = 0;
}

/* len: the payload bytes there are (NO_BASE for a reassembled datagram). */
static void finish(msl_dissect *d, size_t len) {
  if (!d->err && (d->flags & MSL_DISSECT_TRUNCATED))
    fail_at(d, MSL_LAYER_UDP, MSL_ERR_TRUNCATED, len == NO_BASE ? NO_BASE : 0,
            len);
}

int msl_dissect_udp(msl_dissect *d, uint16_t sport, uint16_t dport,
                    const uint8_t *p, size_t len, unsigned flags) {
  if (!d)
    return MSL_ERR_ARG;
  start(d, flags);
  if (!p && len) {
    d->err = MSL_ERR_ARG;
    d->err_layer = MSL_LAYER_UDP;
    return d->err;
  }
  unsigned svc = flags & (MSL_DISSECT_NBDGM | MSL_DISSECT_NBNS);
  if (!svc) {
    /* Wireshark tries the lower port first. */
    uint16_t lo = sport < dport ? sport : dport;
    uint16_t hi = sport < dport ? dport : sport;
    if (lo == MSL_NBNS_PORT || lo == MSL_NBDGM_PORT)
      svc = lo == MSL_NBNS_PORT ? MSL_DISSECT_NBNS : MSL_DISSECT_NBDGM;
    else if (hi == MSL_NBNS_PORT || hi == MSL_NBDGM_PORT)
      svc = hi == MSL_NBNS_PORT ? MSL_DISSECT_NBNS : MSL_DISSECT_NBDGM;
  }
  if (svc & MSL_DISSECT_NBDGM)
    dissect_nbdgm(d, p, len);
  else if (svc & MSL_DISSECT_NBNS)
    dissect_nbns(d, p, len);
  else
    fail(d, MSL_LAYER_UDP, MSL_ERR_UNSUPPORTED);
  finish(d, len);
  return d->err;
}

int msl_dissect_user_data(msl_dissect *d, const msl_nbdgm *dgm,
                          unsigned flags) {
  if (!d || !dgm || !is_direct(dgm->type))
    return MSL_ERR_ARG;
  start(d, flags);
  d->nbdgm = *dgm;
  d->nbdgm.have = MSL_NBDGM_HAVE_HEADER | MSL_NBDGM_HAVE_LENGTH |
                  MSL_NBDGM_HAVE_SRC | MSL_NBDGM_HAVE_DST;
  d->layers = MSL_LAYER_NBDGM;
  d->nbdgm_names = 1;
  d->reassembled = 1;
  if (dgm->src.illegal)
    d->bad_names |= MSL_DISSECT_BAD_SRC;
  if (dgm->dst.illegal)
    d->bad_names |= MSL_DISSECT_BAD_DST;
  if (d->bad_names)
    fail(d, MSL_LAYER_NBDGM, MSL_ERR_NAME);
  dissect_smb(d, dgm->data, NO_BASE);
  finish(d, NO_BASE);
  return d->err;
}

const char *msl_dissect_layer_name(unsigned layer) {
  switch (layer) {
  case MSL_LAYER_NBDGM: return "nbdgm";
  case MSL_LAYER_SMB: return "smb";
  case MSL_LAYER_BROWSE: return "browse";
  case MSL_LAYER_LANMAN: return "lanman";
  case MSL_LAYER_NETLOGON: return "netlogon";
  case MSL_LAYER_NBNS: return "nbns";
  case MSL_LAYER_UDP: return "udp";
  }
  return "";
}

const char *msl_icmp_error_name(uint8_t type, uint8_t code) {
  static const char *const unreach[] = {
      "network unreachable", "host unreachable",     "protocol unreachable",
      "port unreachable",    "fragmentation needed", "source route failed"};
  switch (type) {
  case 3:
    return code < 6 ? unreach[code] : "destination unreachable";
  case 4:
    return "source quench";
  case 5:
    return "redirect";
  case 11:
    return "time exceeded";
  case 12:
    return "parameter problem";
  default:
    return "ICMP error";
  }
}
