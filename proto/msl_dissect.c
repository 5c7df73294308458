/* The dissector: chains the codec modules over one UDP payload. */
#include "msl_dissect.h"

static void fail(msl_dissect *d, unsigned layer, int err) {
  d->err = err;
  d->err_layer = layer;
}

/* Case-insensitive: "\MAILSLOT\" is matched that way by receivers. */
static int name_is(msl_view n, const char *s) {
  size_t i;
  for (i = 0; i < n.len; i++) {
    unsigned a = n.ptr[i], b = (unsigned char)s[i];
    if (!b)
      return 0;
    if (a >= 'a' && a <= 'z')
      a -= 32;
    if (a != b)
      return 0;
  }
  return s[i] == 0;
}

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

/* SMB and payload layers over a whole datagram's user data. */
static void dissect_smb(msl_dissect *d, msl_view data) {
  int rc = msl_smbtr_decode(&d->smb, data.ptr, data.len);
  if (rc) {
    fail(d, MSL_LAYER_SMB, rc);
    return;
  }
  d->layers |= MSL_LAYER_SMB;
  msl_view n = d->smb.name, m = d->smb.data;
  if (name_is(n, "\\MAILSLOT\\BROWSE") ||
      (name_is(n, "\\MAILSLOT\\LANMAN") &&
       msl_browse_lanman_is_brws(m.ptr, m.len))) {
    d->payload = MSL_PAYLOAD_BROWSE;
    rc = msl_browse_decode(&d->u.browse, m.ptr, m.len);
    if (rc)
      fail(d, MSL_LAYER_BROWSE, rc);
    else
      d->layers |= MSL_LAYER_BROWSE;
  } else if (name_is(n, "\\MAILSLOT\\LANMAN")) {
    d->payload = MSL_PAYLOAD_LANMAN;
    rc = msl_browse_decode_lanman(&d->u.lanman, m.ptr, m.len);
    if (rc)
      fail(d, MSL_LAYER_LANMAN, rc);
    else
      d->layers |= MSL_LAYER_LANMAN;
  } else if (name_starts(n, "\\MAILSLOT\\NET\\") ||
             name_is(n, "\\MAILSLOT\\TEMP\\NETLOGON")) {
    d->payload = MSL_PAYLOAD_NETLOGON;
    rc = msl_netlogon_decode(&d->u.netlogon, m.ptr, m.len);
    if (rc)
      fail(d, MSL_LAYER_NETLOGON, rc);
    else
      d->layers |= MSL_LAYER_NETLOGON;
  }
}

static int is_direct(uint8_t type) {
  return type >= MSL_NBDGM_DIRECT_UNIQUE && type <= MSL_NBDGM_BROADCAST;
}

static void dissect_nbdgm(msl_dissect *d, const uint8_t *p, size_t len) {
  msl_nbdgm *g = &d->nbdgm;
  /* A short DGM_LENGTH is read as receivers read it (Wireshark too). */
  int rc = msl_nbdgm_decode_ex(g, p, len,
                               MSL_NBDGM_LENIENT_NAMES |
                                   MSL_NBDGM_SHORT_LENGTH_OK);
  if (len < MSL_NBDGM_SHORT_HDR_LEN) {
    fail(d, MSL_LAYER_NBDGM, rc ? rc : MSL_ERR_TRUNCATED);
    return;
  }
  /* The 10 common header bytes are there: always show them. */
  d->layers |= MSL_LAYER_NBDGM;
  if (is_direct(g->type)) {
    /* Names were read unless the decoder stopped in the header or a name:
     * it returns INVALID or TRUNCATED-with-missing only after both. */
    d->nbdgm_names = !rc || rc == MSL_ERR_INVALID ||
                     (rc == MSL_ERR_TRUNCATED && g->missing);
    d->fragment = (g->flags & (MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE)) !=
                      MSL_NBDGM_FLAG_FIRST ||
                  g->offset != 0;
  } else if (g->type >= MSL_NBDGM_QUERY_REQUEST &&
             g->type <= MSL_NBDGM_NEGATIVE_QUERY_RESPONSE) {
    d->nbdgm_names = !rc; /* only the destination name */
  }
  if (d->nbdgm_names) {
    if (is_direct(g->type) && g->src.illegal)
      d->bad_names |= MSL_DISSECT_BAD_SRC;
    if (g->dst.illegal)
      d->bad_names |= MSL_DISSECT_BAD_DST;
  }
  if (rc) {
    fail(d, MSL_LAYER_NBDGM, rc);
    return;
  }
  /* An illegal name is reported and the user data decoded all the same, as
   * Wireshark does; a failure further up replaces this error, since it says
   * what is missing (bad_names still tells about the names). */
  if (d->bad_names)
    fail(d, MSL_LAYER_NBDGM, MSL_ERR_NAME);
  if (is_direct(g->type) && !d->fragment)
    dissect_smb(d, g->data);
}

static void dissect_nbns(msl_dissect *d, const uint8_t *p, size_t len) {
  int rc = msl_nbns_decode_ex(&d->nbns, p, len, MSL_NBNS_LENIENT);
  if (len >= MSL_NBNS_HDR_LEN)
    d->layers |= MSL_LAYER_NBNS;
  if (d->nbns.illegal_names)
    d->bad_names |= MSL_DISSECT_BAD_NBNS;
  if (rc)
    fail(d, MSL_LAYER_NBNS, rc);
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
}

static void finish(msl_dissect *d) {
  if (!d->err && (d->flags & MSL_DISSECT_TRUNCATED))
    fail(d, MSL_LAYER_UDP, MSL_ERR_TRUNCATED);
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
  finish(d);
  return d->err;
}

int msl_dissect_user_data(msl_dissect *d, const msl_nbdgm *dgm,
                          unsigned flags) {
  if (!d || !dgm || !is_direct(dgm->type))
    return MSL_ERR_ARG;
  start(d, flags);
  d->nbdgm = *dgm;
  d->layers = MSL_LAYER_NBDGM;
  d->nbdgm_names = 1;
  d->reassembled = 1;
  if (dgm->src.illegal)
    d->bad_names |= MSL_DISSECT_BAD_SRC;
  if (dgm->dst.illegal)
    d->bad_names |= MSL_DISSECT_BAD_DST;
  if (d->bad_names)
    fail(d, MSL_LAYER_NBDGM, MSL_ERR_NAME);
  dissect_smb(d, dgm->data);
  finish(d);
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
