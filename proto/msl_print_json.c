/* JSON Lines printer: one object per packet. Schema: docs/json.md. */
#include "msl_print_int.h"

/* An object or array being written: knows whether a comma is due. */
typedef struct jw {
  msl_out *o;
  int n;
} jw;

/*
 * Keys are string literals. K("type") passes the key as it is written
 * after a previous member, `,"type":`, and that text's length, both known
 * at compile time (the "" makes anything but a literal a syntax error);
 * jkey drops the comma before a first member. With the helpers below
 * inlined, a key costs a few stores.
 */
#define K(name) ",\"" name "\":", sizeof(",\"" name "\":") - 1

static inline void jkey(jw *j, const char *k, size_t kn) {
  if (!j->n++) {
    k++;
    kn--;
  }
  msl_pr_mem(j->o, k, kn);
}

static inline void jnum(jw *j, const char *k, size_t kn, uint64_t v) {
  jkey(j, k, kn);
  msl_pr_u64(j->o, v);
}

static inline void jbool(jw *j, const char *k, size_t kn, int v) {
  jkey(j, k, kn);
  if (v)
    msl_pr_mem(j->o, "true", 4);
  else
    msl_pr_mem(j->o, "false", 5);
}

static inline void jstr(jw *j, const char *k, size_t kn, const char *s) {
  jkey(j, k, kn);
  msl_out_json_str(j->o, (const uint8_t *)s, strlen(s));
}

static inline void jview_ascii(jw *j, const char *k, size_t kn, msl_view v) {
  jkey(j, k, kn);
  msl_pr_ascii(j->o, v, 1);
}

static inline void jview_utf16(jw *j, const char *k, size_t kn, msl_view v) {
  jkey(j, k, kn);
  msl_pr_utf16(j->o, v, 1);
}

static inline void jhex(jw *j, const char *k, size_t kn, const uint8_t *p,
                        size_t n) {
  jkey(j, k, kn);
  msl_pr_char(j->o, '"');
  msl_out_hexbytes(j->o, p, n);
  msl_pr_char(j->o, '"');
}

static void jname(jw *j, const char *k, size_t kn, const msl_nbname *n) {
  char t[MSL_NBNAME_FMT_MAX];
  size_t len = msl_nbname_format(n, t, sizeof(t));
  jkey(j, k, kn);
  msl_out_json_str(j->o, (const uint8_t *)t,
                   len < sizeof(t) ? len : sizeof(t) - 1);
}

static inline void jip(jw *j, const char *k, size_t kn, uint32_t a) {
  jkey(j, k, kn);
  msl_pr_ipv4(j->o, a, 1);
}

static inline void jbits(jw *j, const char *k, size_t kn, uint32_t v,
                         const char *(*name)(uint32_t)) {
  jkey(j, k, kn);
  msl_pr_char(j->o, '[');
  msl_pr_bits(j->o, v, name, ",", 1);
  msl_pr_char(j->o, ']');
}

static inline jw jopen(jw *parent, const char *k, size_t kn) {
  jkey(parent, k, kn);
  msl_pr_char(parent->o, '{');
  jw j = {parent->o, 0};
  return j;
}

static inline void jclose(jw *j) { msl_pr_char(j->o, '}'); }

/* ---- layers ---- */

static void nbdgm(jw *top, const msl_dissect *d) {
  const msl_nbdgm *g = &d->nbdgm;
  jw j = jopen(top, K("nbdgm"));
  jnum(&j, K("type"), g->type);
  jstr(&j, K("type_name"), msl_nbdgm_type_name(g->type));
  jnum(&j, K("flags"), g->flags);
  jbool(&j, K("more"), g->flags & MSL_NBDGM_FLAG_MORE);
  jbool(&j, K("first"), g->flags & MSL_NBDGM_FLAG_FIRST);
  jnum(&j, K("node"), (g->flags & MSL_NBDGM_FLAG_SNT_MASK) >> 2);
  jstr(&j, K("node_name"), msl_nbdgm_snt_name(g->flags));
  jnum(&j, K("id"), g->id);
  jip(&j, K("src_ip"), g->src_ip);
  jnum(&j, K("src_port"), g->src_port);
  int direct = g->type >= MSL_NBDGM_DIRECT_UNIQUE &&
               g->type <= MSL_NBDGM_BROADCAST;
  /* As far as it was read (a fault in a name keeps what came before). */
  if (direct && (g->have & MSL_NBDGM_HAVE_LENGTH)) {
    jnum(&j, K("length"), g->length);
    jnum(&j, K("offset"), g->offset);
  }
  if (direct && (g->have & MSL_NBDGM_HAVE_SRC))
    jname(&j, K("src_name"), &g->src);
  if (g->have & MSL_NBDGM_HAVE_DST)
    jname(&j, K("dst_name"), &g->dst);
  if (g->type == MSL_NBDGM_ERROR && !d->err) {
    jnum(&j, K("error"), g->error_code);
    jstr(&j, K("error_name"), msl_nbdgm_error_name(g->error_code));
  }
  if (direct && d->nbdgm_names) {
    jnum(&j, K("data_len"), g->data.len);
    if (g->missing)
      jnum(&j, K("missing"), g->missing);
    if (g->short_by)
      jnum(&j, K("length_short_by"), g->short_by);
    if (g->trailing.len)
      jhex(&j, K("trailing_hex"), g->trailing.ptr, g->trailing.len);
    if (d->fragment)
      jhex(&j, K("fragment_hex"), g->data.ptr, g->data.len);
  }
  if (d->fragment)
    jbool(&j, K("fragment"), 1);
  if (d->reassembled)
    jbool(&j, K("reassembled"), 1);
  jclose(&j);
}

/* A mailslot write as far as it was read (partial: d->partial). */
static void smb(jw *top, const msl_smbtr *s, int partial) {
  jw j = jopen(top, K("smb"));
  jnum(&j, K("command"), s->command);
  jnum(&j, K("status"), s->status);
  jnum(&j, K("flags"), s->smb_flags);
  jnum(&j, K("flags2"), s->smb_flags2);
  jnum(&j, K("tid"), s->tid);
  jnum(&j, K("pid"), s->pid_low);
  jnum(&j, K("pid_high"), s->pid_high);
  jnum(&j, K("uid"), s->uid);
  jnum(&j, K("mid"), s->mid);
  jhex(&j, K("signature"), s->security, sizeof(s->security));
  if (s->word_count != MSL_SMBTR_WORDS)
    jnum(&j, K("word_count"), s->word_count);
  int words = (s->have & MSL_SMBTR_HAVE_WORDS) != 0;
  if (words) {
    jnum(&j, K("total_param_count"), s->total_param_count);
    jnum(&j, K("total_data_count"), s->total_data_count);
    jnum(&j, K("max_param_count"), s->max_param_count);
    jnum(&j, K("max_data_count"), s->max_data_count);
    jnum(&j, K("max_setup_count"), s->max_setup_count);
    jnum(&j, K("trans_flags"), s->trans_flags);
    jnum(&j, K("timeout"), s->timeout);
    jnum(&j, K("param_count"), s->param_count);
    jnum(&j, K("param_offset"), s->param_offset);
    jnum(&j, K("data_count"), s->data_count);
    jnum(&j, K("data_offset"), s->data_offset);
    jnum(&j, K("setup_count"), s->setup_count);
    jnum(&j, K("byte_count"), s->byte_count);
  }
  if (s->have & MSL_SMBTR_HAVE_NAME)
    jview_ascii(&j, K("trans_name"), s->name);
  jclose(&j);
  /* The mailslot write: Setup says so, and the name does not deny it. */
  if (!words || s->setup_count != MSL_SMBTR_SETUP ||
      s->opcode != MSL_SMBTR_OP_WRITE ||
      ((s->have & MSL_SMBTR_HAVE_NAME) &&
       !msl_smbtr_is_mailslot_name(s->name.ptr, s->name.len)))
    return;
  j = jopen(top, K("mailslot"));
  if (s->have & MSL_SMBTR_HAVE_NAME)
    jview_ascii(&j, K("name"), s->name);
  jnum(&j, K("opcode"), s->opcode);
  jnum(&j, K("priority"), s->priority);
  jnum(&j, K("class"), s->mailslot_class);
  jnum(&j, K("size"), s->byte_count);
  if (!partial) {
    jnum(&j, K("data_len"), s->data.len);
    jhex(&j, K("data_hex"), s->data.ptr, s->data.len);
    if (s->trailing.len)
      jhex(&j, K("trailing_hex"), s->trailing.ptr, s->trailing.len);
  }
  jclose(&j);
}

static void name16(jw *j, const char *k, size_t kn, const uint8_t name[16]) {
  msl_view v = {name, msl_browse_name16_len(name)};
  jview_ascii(j, k, kn, v);
}

/* A frame read up to `got` bytes (SIZE_MAX: all of it): a number is
 * shown when it ends there or before, a string when it was read. */
#define UPTO(end) (got >= (end))

static void announce(jw *j, const msl_browse *b, size_t got) {
  const msl_browse_announce *a = &b->u.announce;
  int dom = b->opcode == MSL_BROWSE_DOMAIN_ANNOUNCEMENT;
  if (UPTO(2))
    jnum(j, K("update_count"), a->update_count);
  if (UPTO(6))
    jnum(j, K("period"), a->periodicity_ms);
  if (UPTO(22))
    name16(j, K("server"), a->name);
  if (UPTO(23))
    jnum(j, K("os_major"), a->os_major);
  if (UPTO(24))
    jnum(j, K("os_minor"), a->os_minor);
  if (UPTO(28)) {
    jnum(j, K("server_type"), a->server_type);
    jbits(j, K("server_type_names"), a->server_type, msl_pr_sv_name);
  }
  /* 0x0C: bytes 28..31 are not defined (MS-BRWS <19>-<21>), shown
   * both ways, as the announcements' fields and as one u32. */
  if (UPTO(29))
    jnum(j, K("proto_major"), a->browser_major);
  if (UPTO(30))
    jnum(j, K("proto_minor"), a->browser_minor);
  if (UPTO(32)) {
    jnum(j, K("signature"), a->signature);
    if (dom)
      jnum(j, K("mysterious"), msl_browse_mysterious(a));
  }
  if (a->comment.ptr) {
    if (dom)
      jview_ascii(j, K("mb_server"), a->comment);
    else
      jview_ascii(j, K("comment"), a->comment);
  }
}

static void election(jw *j, const msl_browse_election *e, size_t got) {
  uint8_t os = msl_browse_criteria_os(e->criteria);
  uint8_t role = msl_browse_criteria_role(e->criteria);
  const char *osn = msl_browse_elect_os_name(os);
  if (UPTO(2))
    jnum(j, K("version"), e->version);
  if (UPTO(6)) {
    jnum(j, K("criteria"), e->criteria);
    jnum(j, K("criteria_os"), os);
    jstr(j, K("criteria_os_name"), osn ? osn : "");
    jnum(j, K("criteria_version"), msl_browse_criteria_version(e->criteria));
    jnum(j, K("criteria_role"), role);
    jbits(j, K("criteria_role_names"), role, msl_pr_role_name);
  }
  if (UPTO(10))
    jnum(j, K("uptime"), e->uptime_ms);
  if (UPTO(14))
    jnum(j, K("unused"), e->unused);
  if (e->server_name.ptr)
    jview_ascii(j, K("server"), e->server_name);
}

static void backup_list(jw *j, const msl_browse_backup_resp *r, size_t got) {
  msl_browse_names it;
  msl_view nm;
  if (UPTO(2))
    jnum(j, K("count"), r->count);
  if (UPTO(6))
    jnum(j, K("token"), r->token);
  if (!r->list.ptr && r->count)
    return; /* the names ran out */
  jkey(j, K("servers"));
  msl_pr_char(j->o, '[');
  msl_browse_names_init(&it, r);
  for (int i = 0; msl_browse_names_next(&it, &nm) == 1; i++) {
    if (i)
      msl_pr_char(j->o, ',');
    msl_pr_ascii(j->o, nm, 1);
  }
  msl_pr_char(j->o, ']');
}

static void browse(jw *top, const msl_browse *b, size_t got) {
  jw j = jopen(top, K("browse"));
  const char *cn = msl_browse_opcode_name(b->opcode);
  jnum(&j, K("command"), b->opcode);
  jstr(&j, K("command_name"), cn ? cn : "unknown");
  switch (b->opcode) {
  case MSL_BROWSE_HOST_ANNOUNCEMENT:
  case MSL_BROWSE_DOMAIN_ANNOUNCEMENT:
  case MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT:
    announce(&j, b, got);
    break;
  case MSL_BROWSE_ANNOUNCEMENT_REQUEST:
    if (UPTO(2))
      jnum(&j, K("unused"), b->u.req.reserved);
    if (b->u.req.response_name.ptr)
      jview_ascii(&j, K("response_computer_name"), b->u.req.response_name);
    break;
  case MSL_BROWSE_REQUEST_ELECTION:
    election(&j, &b->u.election, got);
    break;
  case MSL_BROWSE_GET_BACKUP_LIST_REQUEST:
    if (UPTO(2))
      jnum(&j, K("count"), b->u.backup_req.count);
    if (UPTO(6))
      jnum(&j, K("token"), b->u.backup_req.token);
    break;
  case MSL_BROWSE_GET_BACKUP_LIST_RESPONSE:
    backup_list(&j, &b->u.backup_resp, got);
    break;
  case MSL_BROWSE_BECOME_BACKUP:
    if (b->u.name.ptr)
      jview_ascii(&j, K("browser_to_promote"), b->u.name);
    break;
  case MSL_BROWSE_MASTER_ANNOUNCEMENT:
    if (b->u.name.ptr)
      jview_ascii(&j, K("mb_server"), b->u.name);
    break;
  case MSL_BROWSE_RESET_STATE_REQUEST: {
    const char *rn = msl_browse_reset_name(b->u.reset_type);
    if (UPTO(2)) {
      jnum(&j, K("reset_cmd"), b->u.reset_type);
      jstr(&j, K("reset_cmd_name"), rn ? rn : "");
    }
    break;
  }
  }
  if (b->trailing.len)
    jhex(&j, K("trailing_hex"), b->trailing.ptr, b->trailing.len);
  jclose(&j);
}

static void lanman(jw *top, const msl_browse_lanman *l, size_t got) {
  jw j = jopen(top, K("browse"));
  jnum(&j, K("command"), l->opcode & 0xff);
  jstr(&j, K("command_name"), "LanmanAnnouncement");
  jbool(&j, K("lanman"), 1);
  jnum(&j, K("opcode"), l->opcode);
  if (UPTO(6)) {
    jnum(&j, K("server_type"), l->server_type);
    jbits(&j, K("server_type_names"), l->server_type, msl_pr_sv_name);
  }
  if (UPTO(7))
    jnum(&j, K("os_major"), l->os_major);
  if (UPTO(8))
    jnum(&j, K("os_minor"), l->os_minor);
  if (UPTO(10))
    jnum(&j, K("period"), l->interval_s);
  if (l->name.ptr)
    jview_ascii(&j, K("server"), l->name);
  if (l->comment.ptr)
    jview_ascii(&j, K("comment"), l->comment);
  if (l->trailing.len)
    jhex(&j, K("trailing_hex"), l->trailing.ptr, l->trailing.len);
  jclose(&j);
}

#undef UPTO

static void tokens(jw *j, uint32_t ntv, uint16_t lmnt, uint16_t lm) {
  jnum(j, K("nt_version"), ntv);
  jbits(j, K("nt_version_names"), ntv, msl_pr_ntver_name);
  jnum(j, K("lmnt_token"), lmnt);
  jnum(j, K("lm_token"), lm);
}

static void netlogon(jw *top, const msl_netlogon *m, int partial) {
  jw j = jopen(top, K("netlogon"));
  const char *cn = msl_netlogon_opcode_name(m->opcode);
  jnum(&j, K("command"), m->opcode);
  jstr(&j, K("command_name"), cn ? cn : "unknown");
  /* Cut or refused: the command (its fields' layout varies with it). */
  switch (partial ? 0 : m->opcode) {
  case MSL_NETLOGON_PRIMARY_QUERY: {
    const msl_netlogon_primary_query *q = &m->u.pq;
    jview_ascii(&j, K("computer_name"), q->computer);
    jview_ascii(&j, K("mailslot_name"), q->mailslot);
    if (q->short_form) {
      jbool(&j, K("short_form"), 1);
      jnum(&j, K("lm_token"), q->lm20_token);
    } else {
      jview_utf16(&j, K("unicode_computer_name"), q->unicode_computer);
      tokens(&j, q->nt_version, q->lmnt_token, q->lm20_token);
    }
    break;
  }
  case MSL_NETLOGON_PRIMARY_RESPONSE: {
    const msl_netlogon_primary_response *r = &m->u.pr;
    jview_ascii(&j, K("pdc_name"), r->pdc_name);
    if (r->short_form) {
      jbool(&j, K("short_form"), 1);
    } else {
      jview_utf16(&j, K("unicode_pdc_name"), r->unicode_pdc_name);
      jview_utf16(&j, K("domain_name"), r->unicode_domain);
      tokens(&j, r->nt_version, r->lmnt_token, r->lm20_token);
    }
    break;
  }
  case MSL_NETLOGON_SAM_LOGON_REQUEST: {
    const msl_netlogon_sam_request *r = &m->u.sreq;
    jnum(&j, K("request_count"), r->request_count);
    jview_utf16(&j, K("unicode_computer_name"), r->unicode_computer);
    jview_utf16(&j, K("user_name"), r->unicode_user);
    jview_ascii(&j, K("mailslot_name"), r->mailslot);
    jnum(&j, K("account_control"), r->account_control);
    jnum(&j, K("domain_sid_size"), r->sid_size);
    if (r->sid.len)
      jhex(&j, K("domain_sid_hex"), r->sid.ptr, r->sid.len);
    tokens(&j, r->nt_version, r->lmnt_token, r->lm20_token);
    break;
  }
  case MSL_NETLOGON_SAM_LOGON_RESPONSE:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE:
  case MSL_NETLOGON_SAM_USER_UNKNOWN: {
    const msl_netlogon_sam_response *r = &m->u.sresp;
    jview_utf16(&j, K("server_name"), r->unicode_logon_server);
    jview_utf16(&j, K("user_name"), r->unicode_user);
    jview_utf16(&j, K("domain_name"), r->unicode_domain);
    jbool(&j, K("v5"), r->v5);
    if (r->v5) {
      jkey(&j, K("domain_guid"));
      msl_pr_char(j.o, '"');
      msl_pr_guid(j.o, r->domain_guid);
      msl_pr_char(j.o, '"');
      jkey(&j, K("forest_dns_name"));
      msl_pr_dname(j.o, m, &r->dns_forest, 1);
      jkey(&j, K("domain_dns_name"));
      msl_pr_dname(j.o, m, &r->dns_domain, 1);
      jkey(&j, K("server_dns_name"));
      msl_pr_dname(j.o, m, &r->dns_host, 1);
      jkey(&j, K("server_ip"));
      msl_pr_ipv4(j.o, msl_pr_be32(r->dc_ip), 1);
      jnum(&j, K("flags"), r->flags);
      jbits(&j, K("flags_names"), r->flags, msl_pr_dsflag_name);
    }
    tokens(&j, r->nt_version, r->lmnt_token, r->lm20_token);
    break;
  }
  case MSL_NETLOGON_SAM_LOGON_RESPONSE_EX:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE_EX:
  case MSL_NETLOGON_SAM_USER_UNKNOWN_EX: {
    static const struct {
      const char *k;
      size_t kn;
    } keys[MSL_NETLOGON_EX_NAMES] = {
        {K("forest_dns_name")},  {K("domain_dns_name")},
        {K("server_dns_name")},  {K("domain_name")},
        {K("server_name")},      {K("user_name")},
        {K("server_site_name")}, {K("client_site_name")}};
    const msl_netlogon_sam_response_ex *r = &m->u.ex;
    jnum(&j, K("sbz"), r->sbz);
    jnum(&j, K("flags"), r->flags);
    jbits(&j, K("flags_names"), r->flags, msl_pr_dsflag_name);
    jkey(&j, K("domain_guid"));
    msl_pr_char(j.o, '"');
    msl_pr_guid(j.o, r->domain_guid);
    msl_pr_char(j.o, '"');
    for (int i = 0; i < MSL_NETLOGON_EX_NAMES; i++) {
      jkey(&j, keys[i].k, keys[i].kn);
      msl_pr_dname(j.o, m, &r->names[i], 1);
    }
    if (r->has_sockaddr) {
      jnum(&j, K("dc_sockaddr_size"), r->sockaddr_size);
      jhex(&j, K("dc_sockaddr_hex"), r->sockaddr.ptr, r->sockaddr.len);
      if (r->sockaddr_size >= 8) {
        jnum(&j, K("dc_sockaddr_family"), r->sin_family);
        jnum(&j, K("dc_sockaddr_port"), r->sin_port);
        jkey(&j, K("server_ip"));
        msl_pr_ipv4(j.o, msl_pr_be32(r->sin_addr), 1);
      }
    }
    if (r->has_next_closest_site) {
      jkey(&j, K("next_closest_site_name"));
      msl_pr_dname(j.o, m, &r->next_closest_site, 1);
    }
    tokens(&j, r->nt_version, r->lmnt_token, r->lm20_token);
    break;
  }
  }
  if (m->trailer.len)
    jhex(&j, K("trailing_hex"), m->trailer.ptr, m->trailer.len);
  jclose(&j);
}

static void nbns_nb(jw *j, const msl_nbns_nb *e) {
  jip(j, K("addr"), e->addr);
  jbool(j, K("group"), (e->flags & MSL_NBNS_NB_G) != 0);
  jnum(j, K("node"), (e->flags & MSL_NBNS_NB_ONT) >> 13);
  jstr(j, K("node_name"), msl_nbns_ont_name(e->flags));
  jnum(j, K("nb_flags"), e->flags);
}

static void nbns_stats(jw *top, const msl_nbns_stats *s) {
  jw j = jopen(top, K("statistics"));
  jkey(&j, K("unit_id"));
  msl_pr_char(j.o, '"');
  for (int i = 0; i < 6; i++) {
    if (i)
      msl_pr_char(j.o, ':');
    msl_out_hex(j.o, s->unit_id[i], 2);
  }
  msl_pr_char(j.o, '"');
  jnum(&j, K("jumpers"), s->jumpers);
  jnum(&j, K("test_result"), s->test_result);
  jnum(&j, K("version_number"), s->version_number);
  jnum(&j, K("period_of_statistics"), s->period_of_statistics);
  jnum(&j, K("num_crcs"), s->number_of_crcs);
  jnum(&j, K("num_alignment_errors"), s->number_alignment_errors);
  jnum(&j, K("num_collisions"), s->number_of_collisions);
  jnum(&j, K("num_send_aborts"), s->number_send_aborts);
  jnum(&j, K("num_good_sends"), s->number_good_sends);
  jnum(&j, K("num_good_receives"), s->number_good_receives);
  jnum(&j, K("num_retransmits"), s->number_retransmits);
  jnum(&j, K("num_no_resource_conditions"), s->number_no_resource_conditions);
  jnum(&j, K("num_free_command_blocks"), s->number_free_command_blocks);
  jnum(&j, K("total_command_blocks"), s->total_number_command_blocks);
  jnum(&j, K("max_total_command_blocks"), s->max_total_number_command_blocks);
  jnum(&j, K("num_pending_sessions"), s->number_pending_sessions);
  jnum(&j, K("max_num_pending_sessions"), s->max_number_pending_sessions);
  jnum(&j, K("max_total_sessions_possible"), s->max_total_sessions_possible);
  jnum(&j, K("session_data_packet_size"), s->session_data_packet_size);
  jclose(&j);
}

static void nbns_rr(msl_out *o, const msl_nbns_rr *rr, unsigned opcode,
                    int response) {
  jw j = {o, 0};
  msl_pr_char(o, '{');
  jname(&j, K("name"), &rr->name.nb);
  jnum(&j, K("type"), rr->type);
  jstr(&j, K("type_name"), msl_nbns_type_name(rr->type));
  jnum(&j, K("class"), rr->rrclass);
  jnum(&j, K("ttl"), rr->ttl);
  jnum(&j, K("data_length"), rr->rdata.len);
  if (rr->type == MSL_NBNS_T_NB && opcode == MSL_NBNS_OP_WACK && response &&
      rr->rdata.len == 2) {
    jnum(&j, K("wack_flags"), rr->wack_flags);
  } else if (rr->type == MSL_NBNS_T_NB) {
    msl_nbns_nb e;
    jkey(&j, K("addresses"));
    msl_pr_char(o, '[');
    for (size_t i = 0; msl_nbns_rr_nb(rr, i, &e); i++) {
      jw a = {o, 0};
      if (i)
        msl_pr_char(o, ',');
      msl_pr_char(o, '{');
      nbns_nb(&a, &e);
      msl_pr_char(o, '}');
    }
    msl_pr_char(o, ']');
    if (rr->nb_extra)
      jnum(&j, K("extra_bytes"), rr->nb_extra);
  } else if (rr->type == MSL_NBNS_T_NBSTAT) {
    msl_nbns_node_name nn;
    jnum(&j, K("number_of_names"), rr->num_names);
    jkey(&j, K("names"));
    msl_pr_char(o, '[');
    for (size_t i = 0; msl_nbns_rr_node_name(rr, i, &nn); i++) {
      msl_nbname n;
      jw a = {o, 0};
      msl_nbname_from_raw(&n, nn.name, NULL);
      if (i)
        msl_pr_char(o, ',');
      msl_pr_char(o, '{');
      jname(&a, K("name"), &n);
      jbool(&a, K("group"), (nn.flags & MSL_NBNS_NB_G) != 0);
      jnum(&a, K("node"), (nn.flags & MSL_NBNS_NB_ONT) >> 13);
      jstr(&a, K("node_name"), msl_nbns_ont_name(nn.flags));
      jnum(&a, K("name_flags"), nn.flags);
      jbool(&a, K("drg"), (nn.flags & MSL_NBNS_NAME_DRG) != 0);
      jbool(&a, K("cnf"), (nn.flags & MSL_NBNS_NAME_CNF) != 0);
      jbool(&a, K("act"), (nn.flags & MSL_NBNS_NAME_ACT) != 0);
      jbool(&a, K("prm"), (nn.flags & MSL_NBNS_NAME_PRM) != 0);
      msl_pr_char(o, '}');
    }
    msl_pr_char(o, ']');
    if (rr->stats_len)
      nbns_stats(&j, &rr->stats);
  } else if (rr->type == MSL_NBNS_T_A && rr->rdata.len >= 4) {
    jip(&j, K("addr"), rr->a_addr);
  } else if (rr->rdata.len) {
    jhex(&j, K("data_hex"), rr->rdata.ptr, rr->rdata.len);
  }
  msl_pr_char(o, '}');
}

static void nbns_section(jw *j, const char *k, size_t kn,
                         const msl_nbns_rr *rr, size_t count,
                         const msl_nbns *m) {
  jkey(j, k, kn);
  msl_pr_char(j->o, '[');
  for (size_t i = 0; i < count; i++) {
    if (i)
      msl_pr_char(j->o, ',');
    nbns_rr(j->o, &rr[i], msl_nbns_opcode(m), msl_nbns_is_response(m));
  }
  msl_pr_char(j->o, ']');
}

static void nbns(jw *top, const msl_dissect *d) {
  const msl_nbns *m = &d->nbns;
  jw j = jopen(top, K("nbns"));
  jnum(&j, K("id"), m->trn_id);
  jbool(&j, K("response"), msl_nbns_is_response(m));
  jnum(&j, K("opcode"), msl_nbns_opcode(m));
  jstr(&j, K("opcode_name"), msl_nbns_opcode_name(msl_nbns_opcode(m)));
  jnum(&j, K("flags"), m->flags);
  jbits(&j, K("flags_names"),
        m->flags & ~(MSL_NBNS_F_OPCODE | MSL_NBNS_F_RCODE),
        msl_pr_nbns_hflag_name);
  jnum(&j, K("rcode"), msl_nbns_rcode(m));
  jstr(&j, K("rcode_name"), msl_nbns_rcode_name(msl_nbns_rcode(m)));
  jnum(&j, K("qdcount"), m->qdcount);
  jnum(&j, K("ancount"), m->ancount);
  jnum(&j, K("nscount"), m->nscount);
  jnum(&j, K("arcount"), m->arcount);
  /* Entries read before a fault are shown, as Wireshark does. */
  if (d->nbns_ok || m->decoded) {
    size_t n[4];
    msl_pr_nbns_shown(d, n);
    jkey(&j, K("questions"));
    msl_pr_char(j.o, '[');
    for (size_t i = 0; i < n[0]; i++) {
      jw q = {j.o, 0};
      if (i)
        msl_pr_char(j.o, ',');
      msl_pr_char(j.o, '{');
      jname(&q, K("name"), &m->qd[i].name.nb);
      jnum(&q, K("type"), m->qd[i].type);
      jstr(&q, K("type_name"), msl_nbns_type_name(m->qd[i].type));
      jnum(&q, K("class"), m->qd[i].qclass);
      msl_pr_char(j.o, '}');
    }
    msl_pr_char(j.o, ']');
    nbns_section(&j, K("answers"), m->an, n[1], m);
    nbns_section(&j, K("authority"), m->ns, n[2], m);
    nbns_section(&j, K("additional"), m->ar, n[3], m);
    if (m->over)
      jnum(&j, K("entries_not_shown"), m->over);
    if (m->trailer.len)
      jhex(&j, K("trailing_hex"), m->trailer.ptr, m->trailer.len);
  }
  jclose(&j);
}

/* A packet quoted in an ICMP error: the frame is the ICMP message (its
 * addresses at the top), the quoted packet's are under "quoted". */
static void quoted(jw *j, const msl_pkt_meta *m) {
  jnum(j, K("frame"), m->frame);
  jkey(j, K("time"));
  msl_pr_time(j->o, m);
  jip(j, K("src"), m->outer_src);
  jip(j, K("dst"), m->outer_dst);
  if (m->truncated)
    jbool(j, K("truncated"), 1);
  jw q = jopen(j, K("quoted"));
  jnum(&q, K("icmp_type"), m->icmp_type);
  jnum(&q, K("icmp_code"), m->icmp_code);
  jstr(&q, K("icmp_name"), msl_icmp_error_name(m->icmp_type, m->icmp_code));
  jip(&q, K("src"), m->src_ip);
  jnum(&q, K("sport"), m->sport);
  jip(&q, K("dst"), m->dst_ip);
  jnum(&q, K("dport"), m->dport);
  jclose(&q);
}

int msl_print_json(msl_out *o, const msl_pkt_meta *m, const msl_dissect *d,
                   unsigned flags) {
  (void)flags;
  if (!o || !d)
    return MSL_ERR_ARG;
  if (o->overflow)
    return MSL_ERR_BUFFER_TOO_SMALL;
  size_t start = o->len;
  jw j = {o, 0};
  msl_pr_char(o, '{');
  if (m && (m->flags & MSL_PKT_QUOTED)) {
    quoted(&j, m);
  } else if (m) {
    jnum(&j, K("frame"), m->frame);
    jkey(&j, K("time"));
    msl_pr_time(o, m);
    jip(&j, K("src"), m->src_ip);
    jnum(&j, K("sport"), m->sport);
    jip(&j, K("dst"), m->dst_ip);
    jnum(&j, K("dport"), m->dport);
    if (m->truncated)
      jbool(&j, K("truncated"), 1);
    if (m->flags & MSL_PKT_IP_REASSEMBLED)
      jbool(&j, K("ip_reassembled"), 1);
    if (m->flags & MSL_PKT_DGM_REASSEMBLED)
      jbool(&j, K("dgm_reassembled"), 1);
  }
  if (d->layers & MSL_LAYER_NBDGM)
    nbdgm(&j, d);
  if (d->layers & MSL_LAYER_SMB)
    smb(&j, &d->smb, d->partial == MSL_LAYER_SMB);
  if (d->layers & MSL_LAYER_BROWSE)
    browse(&j, &d->u.browse,
           d->partial == MSL_LAYER_BROWSE ? d->u.browse.err_off : SIZE_MAX);
  if (d->layers & MSL_LAYER_LANMAN)
    lanman(&j, &d->u.lanman,
           d->partial == MSL_LAYER_LANMAN ? d->u.lanman.err_off : SIZE_MAX);
  if (d->layers & MSL_LAYER_NETLOGON)
    netlogon(&j, &d->u.netlogon, d->partial == MSL_LAYER_NETLOGON);
  if (d->layers & MSL_LAYER_NBNS)
    nbns(&j, d);
  if (d->err) {
    jstr(&j, K("error_layer"), msl_dissect_layer_name(d->err_layer));
    if (d->err_at)
      jnum(&j, K("error_offset"), d->err_off);
    jkey(&j, K("error"));
    msl_pr_char(o, '"');
    msl_print_error(o, d); /* plain ASCII, no quotes or backslashes */
    msl_pr_char(o, '"');
  }
  msl_pr_mem(o, "}\n", 2);
  return msl_pr_end(o, start);
}
