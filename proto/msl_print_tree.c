/* The -V tree printer: every field, one per line, indented by layer. */
#include "msl_print_int.h"

/* Starts a line "<indent>label: " (label may be empty for a heading). */
static void ln(msl_out *o, int ind, const char *label) {
  msl_out_repeat(o, ' ', (size_t)ind * 4);
  msl_pr_str(o, label);
  if (*label)
    msl_pr_str(o, ": ");
}

static void nl(msl_out *o) { msl_pr_char(o, '\n'); }

static void num(msl_out *o, int ind, const char *label, uint64_t v) {
  ln(o, ind, label);
  msl_out_u64(o, v);
  nl(o);
}

static void hexnum(msl_out *o, int ind, const char *label, uint64_t v,
                   unsigned digits) {
  ln(o, ind, label);
  msl_out_hex0x(o, v, digits);
  nl(o);
}

static void head(msl_out *o, const char *title) {
  msl_pr_str(o, title);
  nl(o);
}

static void ascii(msl_out *o, int ind, const char *label, msl_view v) {
  ln(o, ind, label);
  msl_pr_char(o, '"');
  msl_pr_ascii(o, v, 0);
  msl_pr_char(o, '"');
  nl(o);
}

static void utf16(msl_out *o, int ind, const char *label, msl_view v) {
  ln(o, ind, label);
  msl_pr_char(o, '"');
  msl_pr_utf16(o, v, 0);
  msl_pr_char(o, '"');
  nl(o);
}

static void hexv(msl_out *o, int ind, const char *label, msl_view v) {
  ln(o, ind, label);
  if (!v.len)
    msl_pr_str(o, "(none)");
  msl_out_hexbytes(o, v.ptr, v.len);
  nl(o);
}

static void name(msl_out *o, int ind, const char *label, const msl_nbname *n) {
  ln(o, ind, label);
  msl_out_nbname(o, n);
  nl(o);
}

/* One flag bit in Wireshark's dotted form: "..1. .... = label: yes". */
static void bit(msl_out *o, int ind, uint32_t v, uint32_t mask, int width,
                const char *label, const char *value) {
  msl_out_repeat(o, ' ', (size_t)ind * 4);
  for (int i = width - 1; i >= 0; i--) {
    uint32_t b = (uint32_t)1 << i;
    msl_pr_char(o, (mask & b) ? ((v & b) ? '1' : '0') : '.');
    if (i && i % 4 == 0)
      msl_pr_char(o, ' ');
  }
  msl_pr_str(o, " = ");
  msl_pr_str(o, label);
  msl_pr_str(o, ": ");
  msl_pr_str(o, value ? value : ((v & mask) ? "yes" : "no"));
  nl(o);
}

/* Every set bit of a 32-bit mask with its name (unknown bits by value). */
static void bits32(msl_out *o, int ind, uint32_t v,
                   const char *(*nm)(uint32_t)) {
  for (int i = 0; i < 32; i++) {
    uint32_t b = (uint32_t)1 << i;
    if (!(v & b))
      continue;
    const char *s = nm(b);
    bit(o, ind, v, b, 32, s ? s : "unassigned bit", "set");
  }
}

static void hexdump(msl_out *o, int ind, msl_view v) {
  for (size_t off = 0; off < v.len; off += 16) {
    size_t n = v.len - off < 16 ? v.len - off : 16;
    msl_out_repeat(o, ' ', (size_t)ind * 4);
    msl_out_hex(o, off, 4);
    msl_pr_str(o, "  ");
    for (size_t i = 0; i < 16; i++) {
      if (i < n)
        msl_out_hex(o, v.ptr[off + i], 2);
      else
        msl_pr_str(o, "  ");
      msl_pr_char(o, i == 7 ? ' ' : ' ');
    }
    msl_pr_char(o, ' ');
    for (size_t i = 0; i < n; i++) {
      uint8_t c = v.ptr[off + i];
      msl_pr_char(o, c >= 0x20 && c < 0x7f ? (char)c : '.');
    }
    nl(o);
  }
}

/* ---- layers ---- */

static void nbdgm(msl_out *o, const msl_dissect *d, unsigned flags) {
  const msl_nbdgm *g = &d->nbdgm;
  int direct =
      g->type >= MSL_NBDGM_DIRECT_UNIQUE && g->type <= MSL_NBDGM_BROADCAST;
  head(o, d->reassembled ? "NetBIOS Datagram Service [RFC 1002 4.4] "
                           "(reassembled from fragments)"
                         : "NetBIOS Datagram Service [RFC 1002 4.4]");
  ln(o, 1, "Message Type");
  msl_out_hex0x(o, g->type, 2);
  msl_pr_char(o, ' ');
  msl_pr_str(o, msl_nbdgm_type_name(g->type));
  nl(o);
  hexnum(o, 1, "Flags", g->flags, 2);
  if (g->flags & MSL_NBDGM_FLAG_RESERVED)
    bit(o, 2, g->flags, MSL_NBDGM_FLAG_RESERVED, 8, "Reserved", "set");
  ln(o, 2, "");
  {
    /* node type: two bits */
    msl_pr_str(o, ".... ");
    msl_pr_char(o, (g->flags & 0x08) ? '1' : '0');
    msl_pr_char(o, (g->flags & 0x04) ? '1' : '0');
    msl_pr_str(o, ".. = Source node type: ");
    msl_pr_str(o, msl_nbdgm_snt_name(g->flags));
    msl_pr_str(o, " (");
    msl_out_u64(o, (g->flags & MSL_NBDGM_FLAG_SNT_MASK) >> 2);
    msl_pr_char(o, ')');
    nl(o);
  }
  bit(o, 2, g->flags, MSL_NBDGM_FLAG_FIRST, 8, "First fragment", NULL);
  bit(o, 2, g->flags, MSL_NBDGM_FLAG_MORE, 8, "More fragments follow", NULL);
  hexnum(o, 1, "Datagram ID", g->id, 4);
  ln(o, 1, "Source IP");
  msl_out_ipv4(o, g->src_ip);
  nl(o);
  num(o, 1, "Source Port", g->src_port);
  if (direct && (g->have & MSL_NBDGM_HAVE_LENGTH)) {
    ln(o, 1, "Datagram Length");
    msl_out_u64(o, g->length);
    msl_pr_str(o, " bytes (names and user data)");
    if (g->short_by) {
      msl_pr_str(o, " (");
      msl_out_u64(o, g->short_by);
      msl_pr_str(o, " short of the packet: ignored, as receivers do)");
    }
    nl(o);
    num(o, 1, "Packet Offset", g->offset);
  }
  if (direct && (g->have & MSL_NBDGM_HAVE_SRC))
    name(o, 1, "Source Name", &g->src);
  if (g->type == MSL_NBDGM_ERROR && !d->err) {
    ln(o, 1, "Error Code");
    msl_out_hex0x(o, g->error_code, 2);
    msl_pr_char(o, ' ');
    msl_pr_str(o, msl_nbdgm_error_name(g->error_code));
    nl(o);
  }
  if (g->have & MSL_NBDGM_HAVE_DST)
    name(o, 1, "Destination Name", &g->dst);
  if (direct && d->nbdgm_names) {
    ln(o, 1, "User Data");
    msl_out_u64(o, g->data.len);
    msl_pr_str(o, " bytes");
    if (g->missing) {
      msl_pr_str(o, " (");
      msl_out_u64(o, g->missing);
      msl_pr_str(o, " more announced by DGM_LENGTH are missing)");
    }
    if (d->fragment)
      msl_pr_str(o, " (a fragment: decoded once reassembled)");
    nl(o);
    if (d->fragment && (flags & MSL_PRINT_HEX))
      hexdump(o, 2, g->data);
    if (g->trailing.len)
      hexv(o, 1, "Bytes after DGM_LENGTH", g->trailing);
  }
}

/* The SMB header [MS-SMB 2.2.3.1]. */
static void smb_header(msl_out *o, const msl_smbtr *s) {
  ln(o, 1, "Command");
  msl_out_hex0x(o, s->command, 2);
  if (s->command == MSL_SMBTR_CMD)
    msl_pr_str(o, " SMB_COM_TRANSACTION");
  nl(o);
  hexnum(o, 1, "Status", s->status, 8);
  hexnum(o, 1, "Flags", s->smb_flags, 2);
  bit(o, 2, s->smb_flags, 0x80, 8, "Reply", NULL);
  bit(o, 2, s->smb_flags, 0x10, 8, "Canonicalized paths", NULL);
  bit(o, 2, s->smb_flags, 0x08, 8, "Case insensitive", NULL);
  hexnum(o, 1, "Flags2", s->smb_flags2, 4);
  bit(o, 2, s->smb_flags2, 0x8000, 16, "Unicode strings", NULL);
  bit(o, 2, s->smb_flags2, 0x4000, 16, "NT status codes", NULL);
  bit(o, 2, s->smb_flags2, 0x0004, 16, "Security signatures", NULL);
  bit(o, 2, s->smb_flags2, 0x0001, 16, "Long names allowed", NULL);
  num(o, 1, "PID High", s->pid_high);
  ln(o, 1, "Signature");
  msl_out_hexbytes(o, s->security, sizeof(s->security));
  nl(o);
  num(o, 1, "Tree ID", s->tid);
  num(o, 1, "Process ID", s->pid_low);
  num(o, 1, "User ID", s->uid);
  num(o, 1, "Multiplex ID", s->mid);
  num(o, 1, "Word Count", s->word_count);
}

/* The transaction words [MS-CIFS 2.2.4.33.1]. */
static void smb_words(msl_out *o, const msl_smbtr *s) {
  num(o, 1, "Total Parameter Count", s->total_param_count);
  num(o, 1, "Total Data Count", s->total_data_count);
  num(o, 1, "Max Parameter Count", s->max_param_count);
  num(o, 1, "Max Data Count", s->max_data_count);
  num(o, 1, "Max Setup Count", s->max_setup_count);
  hexnum(o, 1, "Transaction Flags", s->trans_flags, 4);
  ln(o, 1, "Timeout");
  msl_out_u64(o, s->timeout);
  msl_pr_str(o, " ms");
  nl(o);
  num(o, 1, "Parameter Count", s->param_count);
  num(o, 1, "Parameter Offset", s->param_offset);
  num(o, 1, "Data Count", s->data_count);
  num(o, 1, "Data Offset", s->data_offset);
  num(o, 1, "Setup Count", s->setup_count);
  num(o, 1, "Byte Count", s->byte_count);
}

/* 1 when the SMB read so far is a mailslot write (Setup says so and the
 * name, if read, does not deny it). */
static int is_mailslot(const msl_smbtr *s) {
  return (s->have & MSL_SMBTR_HAVE_WORDS) &&
         s->setup_count == MSL_SMBTR_SETUP && s->opcode == MSL_SMBTR_OP_WRITE &&
         (!(s->have & MSL_SMBTR_HAVE_NAME) ||
          msl_smbtr_is_mailslot_name(s->name.ptr, s->name.len));
}

/* As far as it was read (partial: d->partial names it). */
static void smb(msl_out *o, const msl_smbtr *s, int partial, unsigned flags) {
  head(o, "SMB Mailslot Write [MS-MAIL 2.2.1, MS-CIFS 2.2.4.33]");
  smb_header(o, s);
  if (s->have & MSL_SMBTR_HAVE_WORDS)
    smb_words(o, s);
  if (s->have & MSL_SMBTR_HAVE_NAME)
    ascii(o, 1, "Transaction Name", s->name);
  if (!is_mailslot(s))
    return;
  head(o, "Mailslot [MS-MAIL 2.2.1]");
  ln(o, 1, "Opcode");
  msl_out_u64(o, s->opcode);
  msl_pr_str(o, " (write mailslot)");
  nl(o);
  num(o, 1, "Priority", s->priority);
  ln(o, 1, "Class");
  msl_out_u64(o, s->mailslot_class);
  msl_pr_str(o, s->mailslot_class == MSL_SMBTR_CLASS_RELIABLE
                     ? " (reliable)"
                     : s->mailslot_class == MSL_SMBTR_CLASS_UNRELIABLE
                           ? " (unreliable & broadcast)"
                           : " (unknown)");
  nl(o);
  num(o, 1, "Size", s->byte_count);
  if (s->have & MSL_SMBTR_HAVE_NAME)
    ascii(o, 1, "Mailslot Name", s->name);
  if (partial)
    return;
  ln(o, 1, "Data");
  msl_out_u64(o, s->data.len);
  msl_pr_str(o, " bytes");
  nl(o);
  if (flags & MSL_PRINT_HEX)
    hexdump(o, 2, s->data);
  if (s->pad.len && s->pad.ptr)
    hexv(o, 1, "Padding", s->pad);
  if (s->trailing.len)
    hexv(o, 1, "Bytes after the data", s->trailing);
}

static void server_type(msl_out *o, int ind, uint32_t t) {
  hexnum(o, ind, "Server Type", t, 8);
  bits32(o, ind + 1, t, msl_pr_sv_name);
}

/* A frame read up to `got` bytes (SIZE_MAX: all): numbers that end
 * there or before, strings that were read. */
#define UPTO(end) (got >= (end))

static void announce(msl_out *o, const msl_browse *b, size_t got) {
  const msl_browse_announce *a = &b->u.announce;
  int dom = b->opcode == MSL_BROWSE_DOMAIN_ANNOUNCEMENT;
  msl_view nm = {a->name, msl_browse_name16_len(a->name)};
  if (UPTO(2))
    num(o, 1, "Update Count", a->update_count);
  if (UPTO(6)) {
    ln(o, 1, "Periodicity");
    msl_out_u64(o, a->periodicity_ms);
    msl_pr_str(o, " ms");
    nl(o);
  }
  if (UPTO(22))
    ascii(o, 1, dom ? "Machine Group" : "Server Name", nm);
  if (UPTO(24)) {
    ln(o, 1, dom ? "Browser Config Version" : "OS Version");
    msl_out_u64(o, a->os_major);
    msl_pr_char(o, '.');
    msl_out_u64(o, a->os_minor);
    nl(o);
  }
  if (UPTO(28))
    server_type(o, 1, a->server_type);
  if (UPTO(32) && dom) {
    hexnum(o, 1, "Mysterious Field", msl_browse_mysterious(a), 8);
  } else if (UPTO(32)) {
    ln(o, 1, "Browser Version");
    msl_out_u64(o, a->browser_major);
    msl_pr_char(o, '.');
    msl_out_u64(o, a->browser_minor);
    nl(o);
    hexnum(o, 1, "Signature", a->signature, 4);
  }
  if (a->comment.ptr)
    ascii(o, 1, dom ? "Local Master Browser" : "Comment", a->comment);
}

static void election(msl_out *o, const msl_browse_election *e, size_t got) {
  uint8_t os = msl_browse_criteria_os(e->criteria);
  uint8_t role = msl_browse_criteria_role(e->criteria);
  const char *osn = msl_browse_elect_os_name(os);
  if (UPTO(2))
    num(o, 1, "Version", e->version);
  if (UPTO(6)) {
    hexnum(o, 1, "Criteria", e->criteria, 8);
    ln(o, 2, "OS");
    msl_out_hex0x(o, os, 2);
    if (osn) {
      msl_pr_char(o, ' ');
      msl_pr_str(o, osn);
    }
    nl(o);
    hexnum(o, 2, "Election Version", msl_browse_criteria_version(e->criteria),
           4);
    hexnum(o, 2, "Role", role, 2);
    bits32(o, 3, role, msl_pr_role_name);
  }
  if (UPTO(10)) {
    ln(o, 1, "Uptime");
    msl_out_u64(o, e->uptime_ms);
    msl_pr_str(o, " ms");
    nl(o);
  }
  if (UPTO(14))
    hexnum(o, 1, "Unused", e->unused, 8);
  if (e->server_name.ptr)
    ascii(o, 1, "Server Name", e->server_name);
}

static void browse(msl_out *o, const msl_browse *b, size_t got) {
  const char *cn = msl_browse_opcode_name(b->opcode);
  head(o, "Browser [MS-BRWS 2.2]");
  ln(o, 1, "Command");
  msl_out_hex0x(o, b->opcode, 2);
  msl_pr_char(o, ' ');
  msl_pr_str(o, cn ? cn : "unknown");
  nl(o);
  switch (b->opcode) {
  case MSL_BROWSE_HOST_ANNOUNCEMENT:
  case MSL_BROWSE_DOMAIN_ANNOUNCEMENT:
  case MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT:
    announce(o, b, got);
    break;
  case MSL_BROWSE_ANNOUNCEMENT_REQUEST:
    if (UPTO(2))
      hexnum(o, 1, "Reserved", b->u.req.reserved, 2);
    if (b->u.req.response_name.ptr)
      ascii(o, 1, "Response Name", b->u.req.response_name);
    break;
  case MSL_BROWSE_REQUEST_ELECTION:
    election(o, &b->u.election, got);
    break;
  case MSL_BROWSE_GET_BACKUP_LIST_REQUEST:
    if (UPTO(2))
      num(o, 1, "Requested Count", b->u.backup_req.count);
    if (UPTO(6))
      num(o, 1, "Token", b->u.backup_req.token);
    break;
  case MSL_BROWSE_GET_BACKUP_LIST_RESPONSE: {
    msl_browse_names it;
    msl_view nm;
    if (UPTO(2))
      num(o, 1, "Backup Server Count", b->u.backup_resp.count);
    if (UPTO(6))
      num(o, 1, "Token", b->u.backup_resp.token);
    if (!b->u.backup_resp.list.ptr && b->u.backup_resp.count)
      break; /* the names ran out */
    msl_browse_names_init(&it, &b->u.backup_resp);
    while (msl_browse_names_next(&it, &nm) == 1)
      ascii(o, 1, "Backup Server", nm);
    break;
  }
  case MSL_BROWSE_BECOME_BACKUP:
    if (b->u.name.ptr)
      ascii(o, 1, "Browser To Promote", b->u.name);
    break;
  case MSL_BROWSE_MASTER_ANNOUNCEMENT:
    if (b->u.name.ptr)
      ascii(o, 1, "Master Browser Server Name", b->u.name);
    break;
  case MSL_BROWSE_RESET_STATE_REQUEST: {
    const char *r = msl_browse_reset_name(b->u.reset_type);
    if (!UPTO(2))
      break;
    ln(o, 1, "Reset Type");
    msl_out_hex0x(o, b->u.reset_type, 2);
    if (r) {
      msl_pr_char(o, ' ');
      msl_pr_str(o, r);
    }
    nl(o);
    break;
  }
  }
  if (b->trailing.len)
    hexv(o, 1, "Bytes after the frame", b->trailing);
}

static void lanman(msl_out *o, const msl_browse_lanman *l, size_t got) {
  head(o, "LAN Manager Announcement (\\MAILSLOT\\LANMAN)");
  hexnum(o, 1, "Opcode", l->opcode, 4);
  if (UPTO(6))
    server_type(o, 1, l->server_type);
  if (UPTO(8)) {
    ln(o, 1, "OS Version");
    msl_out_u64(o, l->os_major);
    msl_pr_char(o, '.');
    msl_out_u64(o, l->os_minor);
    nl(o);
  }
  if (UPTO(10)) {
    ln(o, 1, "Announce Interval");
    msl_out_u64(o, l->interval_s);
    msl_pr_str(o, " s");
    nl(o);
  }
  if (l->name.ptr)
    ascii(o, 1, "Server Name", l->name);
  if (l->comment.ptr)
    ascii(o, 1, "Comment", l->comment);
  if (l->trailing.len)
    hexv(o, 1, "Bytes after the frame", l->trailing);
}

#undef UPTO

static void tokens(msl_out *o, uint32_t ntv, uint16_t lmnt, uint16_t lm) {
  hexnum(o, 1, "NtVersion", ntv, 8);
  bits32(o, 2, ntv, msl_pr_ntver_name);
  hexnum(o, 1, "LmNtToken", lmnt, 4);
  hexnum(o, 1, "Lm20Token", lm, 4);
}

static void dname(msl_out *o, int ind, const char *label,
                  const msl_netlogon *m, const msl_netlogon_dname *n) {
  ln(o, ind, label);
  msl_pr_char(o, '"');
  msl_pr_dname(o, m, n, 0);
  msl_pr_char(o, '"');
  nl(o);
}

static void guid(msl_out *o, const char *label, const uint8_t g[16]) {
  ln(o, 1, label);
  msl_pr_guid(o, g);
  nl(o);
}

static void dsflags(msl_out *o, uint32_t f) {
  hexnum(o, 1, "Flags", f, 8);
  bits32(o, 2, f, msl_pr_dsflag_name);
}

static void netlogon(msl_out *o, const msl_netlogon *m, int partial) {
  const char *cn = msl_netlogon_opcode_name(m->opcode);
  head(o, "Netlogon [MS-ADTS 6.3.1]");
  ln(o, 1, "Command");
  msl_out_hex0x(o, m->opcode, 2);
  msl_pr_char(o, ' ');
  msl_pr_str(o, cn ? cn : "unknown");
  nl(o);
  /* Cut or refused: the command (its fields' layout varies with it). */
  switch (partial ? 0 : m->opcode) {
  case MSL_NETLOGON_PRIMARY_QUERY: {
    const msl_netlogon_primary_query *q = &m->u.pq;
    ascii(o, 1, "Computer Name", q->computer);
    ascii(o, 1, "Mailslot Name", q->mailslot);
    if (q->short_form) {
      hexnum(o, 1, "Lm20Token", q->lm20_token, 4);
      break;
    }
    utf16(o, 1, "Unicode Computer Name", q->unicode_computer);
    tokens(o, q->nt_version, q->lmnt_token, q->lm20_token);
    break;
  }
  case MSL_NETLOGON_PRIMARY_RESPONSE: {
    const msl_netlogon_primary_response *r = &m->u.pr;
    ascii(o, 1, "PDC Name", r->pdc_name);
    if (r->short_form)
      break;
    utf16(o, 1, "Unicode PDC Name", r->unicode_pdc_name);
    utf16(o, 1, "Domain Name", r->unicode_domain);
    tokens(o, r->nt_version, r->lmnt_token, r->lm20_token);
    break;
  }
  case MSL_NETLOGON_SAM_LOGON_REQUEST: {
    const msl_netlogon_sam_request *r = &m->u.sreq;
    num(o, 1, "Request Count", r->request_count);
    utf16(o, 1, "Unicode Computer Name", r->unicode_computer);
    utf16(o, 1, "User Name", r->unicode_user);
    ascii(o, 1, "Mailslot Name", r->mailslot);
    hexnum(o, 1, "Allowable Account Control", r->account_control, 8);
    num(o, 1, "Domain SID Size", r->sid_size);
    if (r->sid.len)
      hexv(o, 1, "Domain SID", r->sid);
    tokens(o, r->nt_version, r->lmnt_token, r->lm20_token);
    break;
  }
  case MSL_NETLOGON_SAM_LOGON_RESPONSE:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE:
  case MSL_NETLOGON_SAM_USER_UNKNOWN: {
    const msl_netlogon_sam_response *r = &m->u.sresp;
    utf16(o, 1, "Logon Server", r->unicode_logon_server);
    utf16(o, 1, "User Name", r->unicode_user);
    utf16(o, 1, "Domain Name", r->unicode_domain);
    if (r->v5) {
      guid(o, "Domain GUID", r->domain_guid);
      guid(o, "Null GUID", r->null_guid);
      dname(o, 1, "DNS Forest Name", m, &r->dns_forest);
      dname(o, 1, "DNS Domain Name", m, &r->dns_domain);
      dname(o, 1, "DNS Host Name", m, &r->dns_host);
      ln(o, 1, "DC IP Address");
      msl_out_ipv4_bytes(o, r->dc_ip);
      nl(o);
      dsflags(o, r->flags);
    }
    tokens(o, r->nt_version, r->lmnt_token, r->lm20_token);
    break;
  }
  case MSL_NETLOGON_SAM_LOGON_RESPONSE_EX:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE_EX:
  case MSL_NETLOGON_SAM_USER_UNKNOWN_EX: {
    static const char *const labels[MSL_NETLOGON_EX_NAMES] = {
        "DNS Forest Name",       "DNS Domain Name",   "DNS Host Name",
        "NetBIOS Domain Name",   "NetBIOS Computer Name", "User Name",
        "DC Site Name",          "Client Site Name"};
    const msl_netlogon_sam_response_ex *r = &m->u.ex;
    num(o, 1, "Sbz", r->sbz);
    dsflags(o, r->flags);
    guid(o, "Domain GUID", r->domain_guid);
    for (int i = 0; i < MSL_NETLOGON_EX_NAMES; i++)
      dname(o, 1, labels[i], m, &r->names[i]);
    if (r->has_sockaddr) {
      num(o, 1, "DC SockAddr Size", r->sockaddr_size);
      if (r->sockaddr_size >= 8) {
        num(o, 2, "Family", r->sin_family);
        num(o, 2, "Port", r->sin_port);
        ln(o, 2, "Address");
        msl_out_ipv4_bytes(o, r->sin_addr);
        nl(o);
      }
    }
    if (r->has_next_closest_site)
      dname(o, 1, "Next Closest Site Name", m, &r->next_closest_site);
    tokens(o, r->nt_version, r->lmnt_token, r->lm20_token);
    break;
  }
  }
  if (m->trailer.len)
    hexv(o, 1, "Bytes after the message", m->trailer);
}

static void nb_flags(msl_out *o, int ind, uint16_t f) {
  bit(o, ind, f, MSL_NBNS_NB_G, 16, "Group name", NULL);
  ln(o, ind, "");
  msl_pr_char(o, '.');
  msl_pr_char(o, (f & 0x4000) ? '1' : '0');
  msl_pr_char(o, (f & 0x2000) ? '1' : '0');
  msl_pr_str(o, ". .... .... .... = Owner node type: ");
  msl_pr_str(o, msl_nbns_ont_name(f));
  nl(o);
}

static void rr_print(msl_out *o, const msl_nbns_rr *rr, unsigned op,
                     int response) {
  ln(o, 2, "Name");
  msl_out_nbname(o, &rr->name.nb);
  nl(o);
  ln(o, 2, "Type");
  msl_pr_str(o, msl_nbns_type_name(rr->type));
  msl_pr_str(o, " (");
  msl_out_u64(o, rr->type);
  msl_pr_char(o, ')');
  nl(o);
  num(o, 2, "Class", rr->rrclass);
  ln(o, 2, "Time to live");
  msl_out_u64(o, rr->ttl);
  msl_pr_str(o, " s");
  nl(o);
  num(o, 2, "Data length", rr->rdata.len);
  if (rr->type == MSL_NBNS_T_NB && op == MSL_NBNS_OP_WACK && response &&
      rr->rdata.len == 2) {
    hexnum(o, 2, "Request flags", rr->wack_flags, 4);
  } else if (rr->type == MSL_NBNS_T_NB) {
    msl_nbns_nb e;
    for (size_t i = 0; msl_nbns_rr_nb(rr, i, &e); i++) {
      ln(o, 2, "Address");
      msl_out_ipv4(o, e.addr);
      msl_pr_str(o, " flags ");
      msl_out_hex0x(o, e.flags, 4);
      nl(o);
      nb_flags(o, 3, e.flags);
    }
    if (rr->nb_extra)
      num(o, 2, "Extra bytes", rr->nb_extra);
  } else if (rr->type == MSL_NBNS_T_NBSTAT) {
    msl_nbns_node_name nn;
    num(o, 2, "Number of names", rr->num_names);
    for (size_t i = 0; msl_nbns_rr_node_name(rr, i, &nn); i++) {
      msl_nbname n;
      msl_nbname_from_raw(&n, nn.name, NULL);
      ln(o, 2, "Node name");
      msl_out_nbname(o, &n);
      msl_pr_str(o, " flags ");
      msl_out_hex0x(o, nn.flags, 4);
      nl(o);
      nb_flags(o, 3, nn.flags);
      bit(o, 3, nn.flags, MSL_NBNS_NAME_DRG, 16, "Being deregistered", NULL);
      bit(o, 3, nn.flags, MSL_NBNS_NAME_CNF, 16, "In conflict", NULL);
      bit(o, 3, nn.flags, MSL_NBNS_NAME_ACT, 16, "Active", NULL);
      bit(o, 3, nn.flags, MSL_NBNS_NAME_PRM, 16, "Permanent node name", NULL);
    }
    if (rr->stats_len) {
      const msl_nbns_stats *s = &rr->stats;
      ln(o, 2, "Unit ID");
      for (int i = 0; i < 6; i++) {
        if (i)
          msl_pr_char(o, ':');
        msl_out_hex(o, s->unit_id[i], 2);
      }
      nl(o);
      num(o, 2, "Jumpers", s->jumpers);
      num(o, 2, "Test result", s->test_result);
      num(o, 2, "Version number", s->version_number);
      num(o, 2, "Period of statistics", s->period_of_statistics);
      num(o, 2, "Number of CRCs", s->number_of_crcs);
      num(o, 2, "Number of alignment errors", s->number_alignment_errors);
      num(o, 2, "Number of collisions", s->number_of_collisions);
      num(o, 2, "Number of send aborts", s->number_send_aborts);
      num(o, 2, "Number of good sends", s->number_good_sends);
      num(o, 2, "Number of good receives", s->number_good_receives);
      num(o, 2, "Number of retransmits", s->number_retransmits);
      num(o, 2, "Number of no resource conditions",
          s->number_no_resource_conditions);
      num(o, 2, "Number of free command blocks",
          s->number_free_command_blocks);
      num(o, 2, "Total number of command blocks",
          s->total_number_command_blocks);
      num(o, 2, "Max total number of command blocks",
          s->max_total_number_command_blocks);
      num(o, 2, "Number of pending sessions", s->number_pending_sessions);
      num(o, 2, "Max number of pending sessions",
          s->max_number_pending_sessions);
      num(o, 2, "Max total sessions possible", s->max_total_sessions_possible);
      num(o, 2, "Session data packet size", s->session_data_packet_size);
    }
  } else if (rr->type == MSL_NBNS_T_A && rr->rdata.len >= 4) {
    ln(o, 2, "Address");
    msl_out_ipv4(o, rr->a_addr);
    nl(o);
  } else if (rr->rdata.len) {
    hexv(o, 2, "Data", rr->rdata);
  }
}

static void section(msl_out *o, const char *title, const msl_nbns_rr *rr,
                    size_t n, const msl_nbns *m) {
  for (size_t i = 0; i < n; i++) {
    ln(o, 1, title);
    nl(o);
    rr_print(o, &rr[i], msl_nbns_opcode(m), msl_nbns_is_response(m));
  }
}

static void nbns(msl_out *o, const msl_dissect *d) {
  const msl_nbns *m = &d->nbns;
  unsigned op = msl_nbns_opcode(m);
  head(o, "NetBIOS Name Service [RFC 1002 4.2]");
  hexnum(o, 1, "Transaction ID", m->trn_id, 4);
  hexnum(o, 1, "Flags", m->flags, 4);
  bit(o, 2, m->flags, MSL_NBNS_F_RESPONSE, 16, "Response", NULL);
  ln(o, 2, "Opcode");
  msl_out_u64(o, op);
  msl_pr_char(o, ' ');
  msl_pr_str(o, msl_nbns_opcode_name(op));
  nl(o);
  bit(o, 2, m->flags, MSL_NBNS_F_AA, 16, "Authoritative", NULL);
  bit(o, 2, m->flags, MSL_NBNS_F_TC, 16, "Truncated", NULL);
  bit(o, 2, m->flags, MSL_NBNS_F_RD, 16, "Recursion desired", NULL);
  bit(o, 2, m->flags, MSL_NBNS_F_RA, 16, "Recursion available", NULL);
  bit(o, 2, m->flags, MSL_NBNS_F_B, 16, "Broadcast", NULL);
  ln(o, 2, "Reply code");
  msl_out_u64(o, msl_nbns_rcode(m));
  msl_pr_char(o, ' ');
  msl_pr_str(o, msl_nbns_rcode_name(msl_nbns_rcode(m)));
  nl(o);
  num(o, 1, "Questions", m->qdcount);
  num(o, 1, "Answer RRs", m->ancount);
  num(o, 1, "Authority RRs", m->nscount);
  num(o, 1, "Additional RRs", m->arcount);
  /* The entries read, all of them or those before a fault (as Wireshark). */
  size_t n[4];
  msl_pr_nbns_shown(d, n);
  for (size_t i = 0; i < n[0]; i++) {
    ln(o, 1, "Question");
    nl(o);
    ln(o, 2, "Name");
    msl_out_nbname(o, &m->qd[i].name.nb);
    nl(o);
    ln(o, 2, "Type");
    msl_pr_str(o, msl_nbns_type_name(m->qd[i].type));
    msl_pr_str(o, " (");
    msl_out_u64(o, m->qd[i].type);
    msl_pr_char(o, ')');
    nl(o);
    num(o, 2, "Class", m->qd[i].qclass);
  }
  section(o, "Answer", m->an, n[1], m);
  section(o, "Authority", m->ns, n[2], m);
  section(o, "Additional", m->ar, n[3], m);
  if (m->over)
    num(o, 1, "Entries not shown", m->over);
  if (m->trailer.len)
    hexv(o, 1, "Bytes after the records", m->trailer);
}

/* The ICMP error that quotes the packet below: it was never delivered. */
static void icmp(msl_out *o, const msl_pkt_meta *m) {
  ln(o, 1, "IPv4");
  msl_out_ipv4(o, m->outer_src);
  msl_pr_str(o, " -> ");
  msl_out_ipv4(o, m->outer_dst);
  nl(o);
  ln(o, 1, "ICMP");
  msl_pr_str(o, msl_icmp_error_name(m->icmp_type, m->icmp_code));
  msl_pr_str(o, " (type ");
  msl_out_u64(o, m->icmp_type);
  msl_pr_str(o, ", code ");
  msl_out_u64(o, m->icmp_code);
  msl_pr_str(o, "), quoting the packet below (never delivered)");
  nl(o);
}

/* "Error: [at byte N: ]LAYER: why", at indent ind. */
static void error_line(msl_out *o, const msl_dissect *d, int ind) {
  ln(o, ind, "Error");
  if (d->err_at) {
    msl_pr_str(o, "at byte ");
    msl_out_u64(o, d->err_off);
    msl_pr_str(o, ": ");
  }
  msl_print_error(o, d);
  nl(o);
}

/* The error of `layer`, where it was hit: the last line of its section,
 * after the fields read before it. 1 when written. */
static int layer_error(msl_out *o, const msl_dissect *d, unsigned layer) {
  if (!d->err || d->err_layer != layer)
    return 0;
  error_line(o, d, 1);
  return 1;
}

int msl_print_tree(msl_out *o, const msl_pkt_meta *m, const msl_dissect *d,
                   unsigned flags) {
  if (!o || !d)
    return MSL_ERR_ARG;
  if (o->overflow)
    return MSL_ERR_BUFFER_TOO_SMALL;
  size_t start = o->len;
  if (m) {
    msl_pr_str(o, "Frame ");
    msl_out_u64(o, m->frame);
    msl_pr_str(o, ": ");
    msl_out_u64(o, m->len);
    msl_pr_str(o, " bytes on wire, ");
    msl_out_u64(o, m->caplen);
    msl_pr_str(o, " captured");
    if (m->truncated)
      msl_pr_str(o, " (truncated)");
    if (m->flags & MSL_PKT_IP_REASSEMBLED)
      msl_pr_str(o, " (IP reassembled)");
    if (m->flags & MSL_PKT_DGM_REASSEMBLED)
      msl_pr_str(o, " (datagram reassembled)");
    nl(o);
    ln(o, 1, "Time");
    msl_pr_time(o, m);
    nl(o);
    if (m->flags & MSL_PKT_QUOTED)
      icmp(o, m);
    ln(o, 1, m->flags & MSL_PKT_QUOTED ? "Quoted IPv4" : "IPv4");
    msl_out_ipv4(o, m->src_ip);
    msl_pr_str(o, " -> ");
    msl_out_ipv4(o, m->dst_ip);
    nl(o);
    ln(o, 1, m->flags & MSL_PKT_QUOTED ? "Quoted UDP" : "UDP");
    msl_out_u64(o, m->sport);
    msl_pr_str(o, " -> ");
    msl_out_u64(o, m->dport);
    nl(o);
  }
  int shown = 0; /* the error was written inside its layer */
  if (d->layers & MSL_LAYER_NBDGM) {
    nbdgm(o, d, flags);
    shown |= layer_error(o, d, MSL_LAYER_NBDGM);
  }
  if (d->layers & MSL_LAYER_SMB) {
    smb(o, &d->smb, d->partial == MSL_LAYER_SMB, flags);
    shown |= layer_error(o, d, MSL_LAYER_SMB);
  }
  if (d->layers & MSL_LAYER_BROWSE) {
    browse(o, &d->u.browse,
           d->partial == MSL_LAYER_BROWSE ? d->u.browse.err_off : SIZE_MAX);
    shown |= layer_error(o, d, MSL_LAYER_BROWSE);
  }
  if (d->layers & MSL_LAYER_LANMAN) {
    lanman(o, &d->u.lanman,
           d->partial == MSL_LAYER_LANMAN ? d->u.lanman.err_off : SIZE_MAX);
    shown |= layer_error(o, d, MSL_LAYER_LANMAN);
  }
  if (d->layers & MSL_LAYER_NETLOGON) {
    netlogon(o, &d->u.netlogon, d->partial == MSL_LAYER_NETLOGON);
    shown |= layer_error(o, d, MSL_LAYER_NETLOGON);
  }
  if (d->layers & MSL_LAYER_NBNS) {
    nbns(o, d);
    shown |= layer_error(o, d, MSL_LAYER_NBNS);
  }
  if (d->err && !shown)
    error_line(o, d, 0);
  nl(o);
  return msl_pr_end(o, start);
}
