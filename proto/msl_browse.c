/* Browser protocol frames [MS-BRWS §2.2] and LM 2.x announcements. */
#include "msl_browse.h"

/* ---- decoding ---- */

/* A NUL-terminated string of at most max characters, as a view. */
static msl_view rd_str(msl_rd *r, size_t max) {
  msl_view v;
  v.ptr = msl_rd_cstr(r, max, &v.len);
  return v;
}

static void rd_rest(msl_rd *r, msl_view *v) {
  v->len = msl_rd_left(r);
  v->ptr = v->len ? msl_rd_bytes(r, v->len) : NULL;
}

static void rd_announce(msl_rd *r, msl_browse_announce *a, size_t cmax) {
  a->update_count = msl_rd_u8(r);
  a->periodicity_ms = msl_rd_u32le(r);
  const uint8_t *name = msl_rd_bytes(r, MSL_BROWSE_NAME_LEN);
  if (name)
    memcpy(a->name, name, MSL_BROWSE_NAME_LEN);
  a->os_major = msl_rd_u8(r);
  a->os_minor = msl_rd_u8(r);
  a->server_type = msl_rd_u32le(r);
  a->browser_major = msl_rd_u8(r);
  a->browser_minor = msl_rd_u8(r);
  a->signature = msl_rd_u16le(r);
  a->comment = rd_str(r, cmax);
}

static void rd_backup_list(msl_rd *r, msl_browse_backup_resp *b) {
  size_t start = r->off;
  for (unsigned i = 0; i < b->count && !r->err; i++)
    (void)rd_str(r, MSL_BROWSE_NAME_MAX);
  if (!r->err) {
    b->list.ptr = r->p + start;
    b->list.len = r->off - start;
  }
}

int msl_browse_decode(msl_browse *out, const uint8_t *p, size_t len) {
  if (!out)
    return MSL_ERR_ARG;
  memset(out, 0, sizeof *out);
  msl_rd r;
  msl_rd_init(&r, p, len);
  out->opcode = msl_rd_u8(&r);
  switch (out->opcode) {
  case MSL_BROWSE_HOST_ANNOUNCEMENT:
  case MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT:
    rd_announce(&r, &out->u.announce, MSL_BROWSE_COMMENT_DECODE_MAX);
    break;
  case MSL_BROWSE_DOMAIN_ANNOUNCEMENT:
    /* Here the "comment" is LocalMasterBrowserName: a name. */
    rd_announce(&r, &out->u.announce, MSL_BROWSE_NAME_MAX);
    break;
  case MSL_BROWSE_ANNOUNCEMENT_REQUEST:
    out->u.req.reserved = msl_rd_u8(&r);
    out->u.req.response_name = rd_str(&r, MSL_BROWSE_NAME_MAX);
    break;
  case MSL_BROWSE_REQUEST_ELECTION:
    out->u.election.version = msl_rd_u8(&r);
    out->u.election.criteria = msl_rd_u32le(&r);
    out->u.election.uptime_ms = msl_rd_u32le(&r);
    out->u.election.unused = msl_rd_u32le(&r);
    out->u.election.server_name = rd_str(&r, MSL_BROWSE_NAME_MAX);
    break;
  case MSL_BROWSE_GET_BACKUP_LIST_REQUEST:
    out->u.backup_req.count = msl_rd_u8(&r);
    out->u.backup_req.token = msl_rd_u32le(&r);
    break;
  case MSL_BROWSE_GET_BACKUP_LIST_RESPONSE:
    out->u.backup_resp.count = msl_rd_u8(&r);
    out->u.backup_resp.token = msl_rd_u32le(&r);
    rd_backup_list(&r, &out->u.backup_resp);
    break;
  case MSL_BROWSE_BECOME_BACKUP:
  case MSL_BROWSE_MASTER_ANNOUNCEMENT:
    out->u.name = rd_str(&r, MSL_BROWSE_NAME_MAX);
    break;
  case MSL_BROWSE_RESET_STATE_REQUEST:
    out->u.reset_type = msl_rd_u8(&r);
    break;
  default:
    if (r.err)
      return r.err; /* empty input */
    rd_rest(&r, &out->trailing);
    return MSL_ERR_UNSUPPORTED; /* err_off 0: the opcode */
  }
  if (r.err) {
    /* What was read before stays (fixed fields below err_off, strings
     * whose view is set), for a dissector to show. */
    out->err_off = r.off;
    return r.err;
  }
  rd_rest(&r, &out->trailing);
  return 0;
}

int msl_browse_decode_lanman(msl_browse_lanman *out, const uint8_t *p,
                             size_t len) {
  if (!out)
    return MSL_ERR_ARG;
  memset(out, 0, sizeof *out);
  msl_rd r;
  msl_rd_init(&r, p, len);
  out->opcode = msl_rd_u16le(&r);
  if (r.err)
    return r.err;
  switch (out->opcode & 0xff) {
  case MSL_BROWSE_HOST_ANNOUNCEMENT:
  case MSL_BROWSE_DOMAIN_ANNOUNCEMENT:
  case MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT:
    break;
  default:
    return MSL_ERR_UNSUPPORTED;
  }
  out->server_type = msl_rd_u32le(&r);
  out->os_major = msl_rd_u8(&r);
  out->os_minor = msl_rd_u8(&r);
  out->interval_s = msl_rd_u16le(&r);
  out->name = rd_str(&r, MSL_BROWSE_NAME_MAX);
  out->comment = rd_str(&r, MSL_BROWSE_COMMENT_DECODE_MAX);
  if (r.err) {
    out->err_off = r.off; /* what came before stays, as in msl_browse */
    return r.err;
  }
  rd_rest(&r, &out->trailing);
  return 0;
}

int msl_browse_lanman_is_brws(const uint8_t *p, size_t len) {
  if (!p || len < MSL_BROWSE_ANNOUNCE_FIXED + 1)
    return 0;
  if (p[0] != MSL_BROWSE_HOST_ANNOUNCEMENT &&
      p[0] != MSL_BROWSE_DOMAIN_ANNOUNCEMENT &&
      p[0] != MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT)
    return 0;
  return p[30] == 0x55 && p[31] == 0xaa;
}

/* ---- encoding ---- */

/* A view the encoder may write as a NUL-terminated string of <= max. */
static int str_ok(msl_view v, size_t max) {
  if (v.len > max || (v.len && !v.ptr))
    return 0;
  return !v.len || !memchr(v.ptr, 0, v.len);
}

static int raw_ok(msl_view v) { return !v.len || v.ptr; }

static void wr_str(msl_wr *w, msl_view v) { msl_wr_cstr(w, v.ptr, v.len); }

/* A backup list must re-decode as exactly `count` names. */
static int list_ok(const msl_browse_backup_resp *b) {
  if (!raw_ok(b->list))
    return 0;
  msl_rd r;
  msl_rd_init(&r, b->list.ptr, b->list.len);
  for (unsigned i = 0; i < b->count && !r.err; i++)
    (void)rd_str(&r, MSL_BROWSE_NAME_MAX);
  return !r.err && msl_rd_left(&r) == 0;
}

int msl_browse_encode(const msl_browse *m, uint8_t *buf, size_t cap) {
  if (!m || !raw_ok(m->trailing))
    return MSL_ERR_ARG;
  msl_wr w;
  msl_wr_init(&w, buf, cap);
  msl_wr_u8(&w, m->opcode);
  switch (m->opcode) {
  case MSL_BROWSE_HOST_ANNOUNCEMENT:
  case MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT:
  case MSL_BROWSE_DOMAIN_ANNOUNCEMENT: {
    const msl_browse_announce *a = &m->u.announce;
    size_t cmax = m->opcode == MSL_BROWSE_DOMAIN_ANNOUNCEMENT
                      ? MSL_BROWSE_NAME_MAX
                      : MSL_BROWSE_COMMENT_DECODE_MAX;
    if (!str_ok(a->comment, cmax))
      return MSL_ERR_ARG;
    msl_wr_u8(&w, a->update_count);
    msl_wr_u32le(&w, a->periodicity_ms);
    msl_wr_bytes(&w, a->name, MSL_BROWSE_NAME_LEN);
    msl_wr_u8(&w, a->os_major);
    msl_wr_u8(&w, a->os_minor);
    msl_wr_u32le(&w, a->server_type);
    msl_wr_u8(&w, a->browser_major);
    msl_wr_u8(&w, a->browser_minor);
    msl_wr_u16le(&w, a->signature);
    wr_str(&w, a->comment);
    break;
  }
  case MSL_BROWSE_ANNOUNCEMENT_REQUEST:
    if (!str_ok(m->u.req.response_name, MSL_BROWSE_NAME_MAX))
      return MSL_ERR_ARG;
    msl_wr_u8(&w, m->u.req.reserved);
    wr_str(&w, m->u.req.response_name);
    break;
  case MSL_BROWSE_REQUEST_ELECTION: {
    const msl_browse_election *e = &m->u.election;
    if (!str_ok(e->server_name, MSL_BROWSE_NAME_MAX))
      return MSL_ERR_ARG;
    msl_wr_u8(&w, e->version);
    msl_wr_u32le(&w, e->criteria);
    msl_wr_u32le(&w, e->uptime_ms);
    msl_wr_u32le(&w, e->unused);
    wr_str(&w, e->server_name);
    break;
  }
  case MSL_BROWSE_GET_BACKUP_LIST_REQUEST:
    msl_wr_u8(&w, m->u.backup_req.count);
    msl_wr_u32le(&w, m->u.backup_req.token);
    break;
  case MSL_BROWSE_GET_BACKUP_LIST_RESPONSE:
    if (!list_ok(&m->u.backup_resp))
      return MSL_ERR_ARG;
    msl_wr_u8(&w, m->u.backup_resp.count);
    msl_wr_u32le(&w, m->u.backup_resp.token);
    msl_wr_bytes(&w, m->u.backup_resp.list.ptr, m->u.backup_resp.list.len);
    break;
  case MSL_BROWSE_BECOME_BACKUP:
  case MSL_BROWSE_MASTER_ANNOUNCEMENT:
    if (!str_ok(m->u.name, MSL_BROWSE_NAME_MAX))
      return MSL_ERR_ARG;
    wr_str(&w, m->u.name);
    break;
  case MSL_BROWSE_RESET_STATE_REQUEST:
    msl_wr_u8(&w, m->u.reset_type);
    break;
  default:
    return MSL_ERR_UNSUPPORTED;
  }
  msl_wr_bytes(&w, m->trailing.ptr, m->trailing.len);
  return msl_wr_result(&w);
}

int msl_browse_encode_lanman(const msl_browse_lanman *m, uint8_t *buf,
                             size_t cap) {
  if (!m || !raw_ok(m->trailing) || !str_ok(m->name, MSL_BROWSE_NAME_MAX) ||
      !str_ok(m->comment, MSL_BROWSE_COMMENT_DECODE_MAX))
    return MSL_ERR_ARG;
  switch (m->opcode & 0xff) {
  case MSL_BROWSE_HOST_ANNOUNCEMENT:
  case MSL_BROWSE_DOMAIN_ANNOUNCEMENT:
  case MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT:
    break;
  default:
    return MSL_ERR_UNSUPPORTED;
  }
  msl_wr w;
  msl_wr_init(&w, buf, cap);
  msl_wr_u16le(&w, m->opcode);
  msl_wr_u32le(&w, m->server_type);
  msl_wr_u8(&w, m->os_major);
  msl_wr_u8(&w, m->os_minor);
  msl_wr_u16le(&w, m->interval_s);
  wr_str(&w, m->name);
  wr_str(&w, m->comment);
  msl_wr_bytes(&w, m->trailing.ptr, m->trailing.len);
  return msl_wr_result(&w);
}

/* ---- comparison ---- */

static int view_eq(msl_view a, msl_view b) {
  return a.len == b.len && (!a.len || !memcmp(a.ptr, b.ptr, a.len));
}

int msl_browse_equal(const msl_browse *a, const msl_browse *b) {
  if (!a || !b || a->opcode != b->opcode || !view_eq(a->trailing, b->trailing))
    return 0;
  switch (a->opcode) {
  case MSL_BROWSE_HOST_ANNOUNCEMENT:
  case MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT:
  case MSL_BROWSE_DOMAIN_ANNOUNCEMENT: {
    const msl_browse_announce *x = &a->u.announce, *y = &b->u.announce;
    return x->update_count == y->update_count &&
           x->periodicity_ms == y->periodicity_ms &&
           !memcmp(x->name, y->name, MSL_BROWSE_NAME_LEN) &&
           x->os_major == y->os_major && x->os_minor == y->os_minor &&
           x->server_type == y->server_type &&
           x->browser_major == y->browser_major &&
           x->browser_minor == y->browser_minor &&
           x->signature == y->signature && view_eq(x->comment, y->comment);
  }
  case MSL_BROWSE_ANNOUNCEMENT_REQUEST:
    return a->u.req.reserved == b->u.req.reserved &&
           view_eq(a->u.req.response_name, b->u.req.response_name);
  case MSL_BROWSE_REQUEST_ELECTION: {
    const msl_browse_election *x = &a->u.election, *y = &b->u.election;
    return x->version == y->version && x->criteria == y->criteria &&
           x->uptime_ms == y->uptime_ms && x->unused == y->unused &&
           view_eq(x->server_name, y->server_name);
  }
  case MSL_BROWSE_GET_BACKUP_LIST_REQUEST:
    return a->u.backup_req.count == b->u.backup_req.count &&
           a->u.backup_req.token == b->u.backup_req.token;
  case MSL_BROWSE_GET_BACKUP_LIST_RESPONSE:
    return a->u.backup_resp.count == b->u.backup_resp.count &&
           a->u.backup_resp.token == b->u.backup_resp.token &&
           view_eq(a->u.backup_resp.list, b->u.backup_resp.list);
  case MSL_BROWSE_BECOME_BACKUP:
  case MSL_BROWSE_MASTER_ANNOUNCEMENT:
    return view_eq(a->u.name, b->u.name);
  case MSL_BROWSE_RESET_STATE_REQUEST:
    return a->u.reset_type == b->u.reset_type;
  default:
    return 1; /* unknown: opcode and trailing bytes only */
  }
}

/* ---- backup list names ---- */

void msl_browse_names_init(msl_browse_names *it,
                           const msl_browse_backup_resp *r) {
  msl_rd_init(&it->rd, r->list.ptr, r->list.ptr ? r->list.len : 0);
  it->left = r->count;
}

int msl_browse_names_next(msl_browse_names *it, msl_view *name) {
  if (!it->left)
    return 0;
  *name = rd_str(&it->rd, MSL_BROWSE_NAME_MAX);
  if (it->rd.err) {
    it->left = 0;
    return it->rd.err;
  }
  it->left--;
  return 1;
}

/* ---- builders ---- */

/* A caller string as a view; 0 when NULL, empty or longer than max. */
static int arg_str(const char *s, size_t max, int allow_empty, msl_view *v) {
  if (!s)
    return 0;
  size_t n = 0;
  while (n <= max && s[n]) /* never reads past the caller's NUL */
    n++;
  if (n > max)
    return 0;
  v->ptr = (const uint8_t *)s;
  v->len = n;
  return n || allow_empty;
}

static int build_announce(msl_browse *m, uint8_t opcode, const char *name,
                          uint32_t period, uint8_t os_major, uint8_t os_minor,
                          uint32_t type, const char *comment, size_t cmax) {
  msl_view n, c = {(const uint8_t *)"", 0};
  if (!m || !arg_str(name, MSL_BROWSE_NAME_MAX, 0, &n) ||
      (comment && !arg_str(comment, cmax, 1, &c)))
    return MSL_ERR_ARG;
  memset(m, 0, sizeof *m);
  m->opcode = opcode;
  msl_browse_announce *a = &m->u.announce;
  a->periodicity_ms = period;
  memcpy(a->name, n.ptr, n.len); /* NUL padding from the memset */
  a->os_major = os_major;
  a->os_minor = os_minor;
  a->server_type = type;
  a->browser_major = MSL_BROWSE_VERSION_MAJOR;
  a->browser_minor = MSL_BROWSE_VERSION_MINOR;
  a->signature = MSL_BROWSE_SIGNATURE;
  a->comment = c;
  return 0;
}

int msl_browse_build_host_announcement(msl_browse *m, const char *name,
                                       uint32_t periodicity_ms,
                                       uint8_t os_major, uint8_t os_minor,
                                       uint32_t server_type,
                                       const char *comment) {
  return build_announce(m, MSL_BROWSE_HOST_ANNOUNCEMENT, name, periodicity_ms,
                        os_major, os_minor, server_type, comment,
                        MSL_BROWSE_COMMENT_MAX);
}

int msl_browse_build_local_master_announcement(
    msl_browse *m, const char *name, uint32_t periodicity_ms, uint8_t os_major,
    uint8_t os_minor, uint32_t server_type, const char *comment) {
  return build_announce(m, MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT, name,
                        periodicity_ms, os_major, os_minor, server_type,
                        comment, MSL_BROWSE_COMMENT_MAX);
}

int msl_browse_build_domain_announcement(msl_browse *m, const char *group,
                                         uint32_t periodicity_ms,
                                         uint32_t server_type,
                                         const char *master_name) {
  if (!master_name || !*master_name)
    return MSL_ERR_ARG;
  return build_announce(m, MSL_BROWSE_DOMAIN_ANNOUNCEMENT, group,
                        periodicity_ms, MSL_BROWSE_DOMAIN_CONFIG_MAJOR,
                        MSL_BROWSE_DOMAIN_CONFIG_MINOR, server_type,
                        master_name, MSL_BROWSE_NAME_MAX);
}

static int build_name(msl_browse *m, uint8_t opcode, const char *name,
                      msl_view *dst) {
  msl_view v;
  if (!m || !arg_str(name, MSL_BROWSE_NAME_MAX, 0, &v))
    return MSL_ERR_ARG;
  memset(m, 0, sizeof *m);
  m->opcode = opcode;
  *dst = v;
  return 0;
}

int msl_browse_build_announcement_request(msl_browse *m,
                                          const char *response_name) {
  return build_name(m, MSL_BROWSE_ANNOUNCEMENT_REQUEST, response_name,
                    m ? &m->u.req.response_name : NULL);
}

int msl_browse_build_election(msl_browse *m, uint32_t criteria,
                              uint32_t uptime_ms, const char *server_name) {
  int rc = build_name(m, MSL_BROWSE_REQUEST_ELECTION, server_name,
                      m ? &m->u.election.server_name : NULL);
  if (rc)
    return rc;
  m->u.election.version = MSL_BROWSE_ELECTION_VERSION;
  m->u.election.criteria = criteria;
  m->u.election.uptime_ms = uptime_ms;
  return 0;
}

int msl_browse_build_backup_list_request(msl_browse *m, uint8_t count,
                                         uint32_t token) {
  if (!m)
    return MSL_ERR_ARG;
  memset(m, 0, sizeof *m);
  m->opcode = MSL_BROWSE_GET_BACKUP_LIST_REQUEST;
  m->u.backup_req.count = count;
  m->u.backup_req.token = token;
  return 0;
}

int msl_browse_build_backup_list_response(msl_browse *m, uint32_t token,
                                          const char *const *names, unsigned n,
                                          uint8_t *scratch,
                                          size_t scratch_cap) {
  if (!m || n > MSL_BROWSE_BACKUP_LIST_MAX || (n && !names))
    return MSL_ERR_ARG;
  msl_wr w;
  msl_wr_init(&w, scratch, scratch_cap);
  for (unsigned i = 0; i < n; i++) {
    msl_view v;
    if (!arg_str(names[i], MSL_BROWSE_NAME_MAX, 0, &v))
      return MSL_ERR_ARG;
    wr_str(&w, v);
  }
  if (w.err)
    return w.err;
  memset(m, 0, sizeof *m);
  m->opcode = MSL_BROWSE_GET_BACKUP_LIST_RESPONSE;
  m->u.backup_resp.count = (uint8_t)n;
  m->u.backup_resp.token = token;
  m->u.backup_resp.list.ptr = w.off ? scratch : NULL;
  m->u.backup_resp.list.len = w.off;
  return 0;
}

int msl_browse_build_become_backup(msl_browse *m, const char *name) {
  return build_name(m, MSL_BROWSE_BECOME_BACKUP, name, m ? &m->u.name : NULL);
}

int msl_browse_build_master_announcement(msl_browse *m, const char *name) {
  return build_name(m, MSL_BROWSE_MASTER_ANNOUNCEMENT, name,
                    m ? &m->u.name : NULL);
}

int msl_browse_build_reset_state(msl_browse *m, uint8_t type) {
  if (!m)
    return MSL_ERR_ARG;
  memset(m, 0, sizeof *m);
  m->opcode = MSL_BROWSE_RESET_STATE_REQUEST;
  m->u.reset_type = type;
  return 0;
}

int msl_browse_build_lanman(msl_browse_lanman *m, const char *name,
                            uint32_t server_type, uint8_t os_major,
                            uint8_t os_minor, uint16_t interval_s,
                            const char *comment) {
  msl_view n, c = {(const uint8_t *)"", 0};
  if (!m || !arg_str(name, MSL_BROWSE_NAME_MAX, 0, &n) ||
      (comment && !arg_str(comment, MSL_BROWSE_COMMENT_MAX, 1, &c)))
    return MSL_ERR_ARG;
  memset(m, 0, sizeof *m);
  m->opcode = MSL_BROWSE_HOST_ANNOUNCEMENT;
  m->server_type = server_type;
  m->os_major = os_major;
  m->os_minor = os_minor;
  m->interval_s = interval_s;
  m->name = n;
  m->comment = c;
  return 0;
}

/* ---- helpers and names ---- */

size_t msl_browse_name16_len(const uint8_t name[MSL_BROWSE_NAME_LEN]) {
  const uint8_t *nul = memchr(name, 0, MSL_BROWSE_NAME_LEN);
  return nul ? (size_t)(nul - name) : MSL_BROWSE_NAME_LEN;
}

uint32_t msl_browse_mysterious(const msl_browse_announce *a) {
  return (uint32_t)a->browser_major | (uint32_t)a->browser_minor << 8 |
         (uint32_t)a->signature << 16;
}

uint32_t msl_browse_host_period_ms(unsigned count) {
  static const uint32_t min[] = {1, 1, 2, 4, 8};
  if (count >= sizeof min / sizeof min[0])
    return MSL_BROWSE_PERIOD_MAX_MS;
  return min[count] * 60000u;
}

const char *msl_browse_opcode_name(unsigned opcode) {
  switch (opcode) {
  case MSL_BROWSE_HOST_ANNOUNCEMENT:
    return "HostAnnouncement";
  case MSL_BROWSE_ANNOUNCEMENT_REQUEST:
    return "AnnouncementRequest";
  case MSL_BROWSE_REQUEST_ELECTION:
    return "RequestElection";
  case MSL_BROWSE_GET_BACKUP_LIST_REQUEST:
    return "GetBackupListRequest";
  case MSL_BROWSE_GET_BACKUP_LIST_RESPONSE:
    return "GetBackupListResponse";
  case MSL_BROWSE_BECOME_BACKUP:
    return "BecomeBackup";
  case MSL_BROWSE_DOMAIN_ANNOUNCEMENT:
    return "DomainAnnouncement";
  case MSL_BROWSE_MASTER_ANNOUNCEMENT:
    return "MasterAnnouncement";
  case MSL_BROWSE_RESET_STATE_REQUEST:
    return "ResetStateRequest";
  case MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT:
    return "LocalMasterAnnouncement";
  }
  return NULL;
}

/* Indexed by bit number; NULL for bit 27 (unassigned). */
static const char *const sv_names[32] = {
    "WORKSTATION",
    "SERVER",
    "SQLSERVER",
    "DOMAIN_CTRL",
    "DOMAIN_BAKCTRL",
    "TIME_SOURCE",
    "AFP",
    "NOVELL",
    "DOMAIN_MEMBER",
    "PRINTQ_SERVER",
    "DIALIN_SERVER",
    "SERVER_UNIX",
    "NT",
    "WFW",
    "SERVER_MFPN",
    "SERVER_NT",
    "POTENTIAL_BROWSER",
    "BACKUP_BROWSER",
    "MASTER_BROWSER",
    "DOMAIN_MASTER",
    "SERVER_OSF",
    "SERVER_VMS",
    "WINDOWS",
    "DFS",
    "CLUSTER_NT",
    "TERMINALSERVER",
    "CLUSTER_VS_NT",
    NULL,
    "DCE",
    "ALTERNATE_XPORT",
    "LOCAL_LIST_ONLY",
    "DOMAIN_ENUM",
};

static const char *const role_names[8] = {
    "BACKUP", "DC", "MASTER", "PREFERRED", NULL, "WINS", NULL, "PDC",
};

/* Bit number of a single-bit value, or -1. */
static int bit_index(uint32_t v) {
  if (!v || (v & (v - 1)))
    return -1;
  int i = 0;
  while (!(v & 1)) {
    v >>= 1;
    i++;
  }
  return i;
}

const char *msl_browse_sv_type_name(uint32_t bit) {
  int i = bit_index(bit);
  return i < 0 ? NULL : sv_names[i];
}

const char *msl_browse_role_name(uint8_t bit) {
  int i = bit_index(bit);
  return i < 0 ? NULL : role_names[i];
}

const char *msl_browse_elect_os_name(uint8_t os) {
  switch (os) {
  case MSL_BROWSE_ELECT_OS_WFW:
    return "WFW";
  case MSL_BROWSE_ELECT_OS_NTW:
    return "NTW";
  case MSL_BROWSE_ELECT_OS_NTS:
    return "NTS";
  }
  return NULL;
}

const char *msl_browse_reset_name(uint8_t type) {
  switch (type) {
  case MSL_BROWSE_RESET_STOP_MASTER:
    return "STOP_MASTER";
  case MSL_BROWSE_RESET_CLEAR_ALL:
    return "CLEAR_ALL";
  case MSL_BROWSE_RESET_STOP:
    return "STOP";
  }
  return NULL;
}

/* snprintf-like appender: counts everything, writes what fits. */
typedef struct fmt_out {
  char *buf;
  size_t cap, len;
} fmt_out;

static void put(fmt_out *o, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++, o->len++)
    if (o->cap && o->len < o->cap - 1)
      o->buf[o->len] = s[i];
}

static size_t flags_format(uint32_t v, unsigned nbits, const char *const *names,
                           char *buf, size_t cap) {
  static const char hex[] = "0123456789abcdef";
  fmt_out o = {buf, buf ? cap : 0, 0};
  for (unsigned i = 0; i < nbits; i++) {
    uint32_t bit = (uint32_t)1 << i;
    if (!(v & bit))
      continue;
    if (o.len)
      put(&o, "|", 1);
    if (names[i]) {
      const char *nul = memchr(names[i], 0, 32); /* names are < 32 */
      put(&o, names[i], (size_t)(nul - names[i]));
    } else {
      char t[2 + 8];
      unsigned digits = nbits > 8 ? 8 : 2;
      t[0] = '0';
      t[1] = 'x';
      for (unsigned d = 0; d < digits; d++)
        t[2 + d] = hex[(bit >> (4 * (digits - 1 - d))) & 0xf];
      put(&o, t, 2 + digits);
    }
  }
  if (o.cap)
    o.buf[o.len < o.cap ? o.len : o.cap - 1] = '\0';
  return o.len;
}

size_t msl_browse_sv_type_format(uint32_t type, char *buf, size_t cap) {
  return flags_format(type, 32, sv_names, buf, cap);
}

size_t msl_browse_role_format(uint8_t role, char *buf, size_t cap) {
  return flags_format(role, 8, role_names, buf, cap);
}
