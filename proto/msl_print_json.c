/* JSON Lines printer: one object per packet. Schema: docs/json.md. */
#include "msl_print_int.h"

/* An object or array being written: knows whether a comma is due. */
typedef struct jw {
  msl_out *o;
  int n;
} jw;

static void jkey(jw *j, const char *k) {
  if (j->n++)
    msl_out_char(j->o, ',');
  msl_out_char(j->o, '"');
  msl_out_str(j->o, k);
  msl_out_mem(j->o, "\":", 2);
}

static void jnum(jw *j, const char *k, uint64_t v) {
  jkey(j, k);
  msl_out_u64(j->o, v);
}

static void jbool(jw *j, const char *k, int v) {
  jkey(j, k);
  msl_out_str(j->o, v ? "true" : "false");
}

static void jstr(jw *j, const char *k, const char *s) {
  jkey(j, k);
  msl_out_json_str(j->o, (const uint8_t *)s, strlen(s));
}

static void jview_ascii(jw *j, const char *k, msl_view v) {
  jkey(j, k);
  msl_pr_ascii(j->o, v, 1);
}

static void jview_utf16(jw *j, const char *k, msl_view v) {
  jkey(j, k);
  msl_pr_utf16(j->o, v, 1);
}

static void jhex(jw *j, const char *k, const uint8_t *p, size_t n) {
  jkey(j, k);
  msl_out_char(j->o, '"');
  msl_out_hexbytes(j->o, p, n);
  msl_out_char(j->o, '"');
}

static void jname(jw *j, const char *k, const msl_nbname *n) {
  char t[MSL_NBNAME_FMT_MAX];
  size_t len = msl_nbname_format(n, t, sizeof(t));
  jkey(j, k);
  msl_out_json_str(j->o, (const uint8_t *)t,
                   len < sizeof(t) ? len : sizeof(t) - 1);
}

static void jip(jw *j, const char *k, uint32_t a) {
  jkey(j, k);
  msl_out_char(j->o, '"');
  msl_out_ipv4(j->o, a);
  msl_out_char(j->o, '"');
}

static void jbits(jw *j, const char *k, uint32_t v,
                  const char *(*name)(uint32_t)) {
  jkey(j, k);
  msl_out_char(j->o, '[');
  msl_pr_bits(j->o, v, name, ",", 1);
  msl_out_char(j->o, ']');
}

static jw jopen(jw *parent, const char *k) {
  jkey(parent, k);
  msl_out_char(parent->o, '{');
  jw j = {parent->o, 0};
  return j;
}

static void jclose(jw *j) { msl_out_char(j->o, '}'); }

/* ---- layers ---- */

static void nbdgm(jw *top, const msl_dissect *d) {
  const msl_nbdgm *g = &d->nbdgm;
  jw j = jopen(top, "nbdgm");
  jnum(&j, "type", g->type);
  jstr(&j, "type_name", msl_nbdgm_type_name(g->type));
  jnum(&j, "flags", g->flags);
  jbool(&j, "more", g->flags & MSL_NBDGM_FLAG_MORE);
  jbool(&j, "first", g->flags & MSL_NBDGM_FLAG_FIRST);
  jnum(&j, "node", (g->flags & MSL_NBDGM_FLAG_SNT_MASK) >> 2);
  jstr(&j, "node_name", msl_nbdgm_snt_name(g->flags));
  jnum(&j, "id", g->id);
  jip(&j, "src_ip", g->src_ip);
  jnum(&j, "src_port", g->src_port);
  int direct = g->type >= MSL_NBDGM_DIRECT_UNIQUE &&
               g->type <= MSL_NBDGM_BROADCAST;
  if (direct && (d->reassembled || d->nbdgm_names ||
                 d->err_layer != MSL_LAYER_NBDGM ||
                 d->err != MSL_ERR_TRUNCATED)) {
    jnum(&j, "length", g->length);
    jnum(&j, "offset", g->offset);
  }
  if (direct && d->nbdgm_names)
    jname(&j, "src_name", &g->src);
  if (d->nbdgm_names)
    jname(&j, "dst_name", &g->dst);
  if (g->type == MSL_NBDGM_ERROR && !d->err) {
    jnum(&j, "error", g->error_code);
    jstr(&j, "error_name", msl_nbdgm_error_name(g->error_code));
  }
  if (direct && d->nbdgm_names) {
    jnum(&j, "data_len", g->data.len);
    if (g->missing)
      jnum(&j, "missing", g->missing);
    if (g->trailing.len)
      jhex(&j, "trailing_hex", g->trailing.ptr, g->trailing.len);
    if (d->fragment)
      jhex(&j, "fragment_hex", g->data.ptr, g->data.len);
  }
  if (d->fragment)
    jbool(&j, "fragment", 1);
  if (d->reassembled)
    jbool(&j, "reassembled", 1);
  jclose(&j);
}

static void smb(jw *top, const msl_smbtr *s) {
  jw j = jopen(top, "smb");
  jnum(&j, "command", MSL_SMBTR_CMD);
  jnum(&j, "status", s->status);
  jnum(&j, "flags", s->smb_flags);
  jnum(&j, "flags2", s->smb_flags2);
  jnum(&j, "tid", s->tid);
  jnum(&j, "pid", s->pid_low);
  jnum(&j, "pid_high", s->pid_high);
  jnum(&j, "uid", s->uid);
  jnum(&j, "mid", s->mid);
  jhex(&j, "signature", s->security, sizeof(s->security));
  jnum(&j, "total_param_count", s->total_param_count);
  jnum(&j, "total_data_count", s->total_data_count);
  jnum(&j, "max_param_count", s->max_param_count);
  jnum(&j, "max_data_count", s->max_data_count);
  jnum(&j, "max_setup_count", s->max_setup_count);
  jnum(&j, "trans_flags", s->trans_flags);
  jnum(&j, "timeout", s->timeout);
  jnum(&j, "param_count", s->param_count);
  jnum(&j, "param_offset", s->param_offset);
  jnum(&j, "data_count", s->data_count);
  jnum(&j, "data_offset", s->data_offset);
  jnum(&j, "setup_count", MSL_SMBTR_SETUP);
  jnum(&j, "byte_count", s->byte_count);
  jview_ascii(&j, "trans_name", s->name);
  jclose(&j);
  j = jopen(top, "mailslot");
  jview_ascii(&j, "name", s->name);
  jnum(&j, "opcode", MSL_SMBTR_OP_WRITE);
  jnum(&j, "priority", s->priority);
  jnum(&j, "class", s->mailslot_class);
  jnum(&j, "size", s->byte_count);
  jnum(&j, "data_len", s->data.len);
  jhex(&j, "data_hex", s->data.ptr, s->data.len);
  if (s->trailing.len)
    jhex(&j, "trailing_hex", s->trailing.ptr, s->trailing.len);
  jclose(&j);
}

static void name16(jw *j, const char *k, const uint8_t name[16]) {
  msl_view v = {name, msl_browse_name16_len(name)};
  jview_ascii(j, k, v);
}

static void browse(jw *top, const msl_browse *b) {
  jw j = jopen(top, "browse");
  const char *cn = msl_browse_opcode_name(b->opcode);
  jnum(&j, "command", b->opcode);
  jstr(&j, "command_name", cn ? cn : "unknown");
  switch (b->opcode) {
  case MSL_BROWSE_HOST_ANNOUNCEMENT:
  case MSL_BROWSE_DOMAIN_ANNOUNCEMENT:
  case MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT: {
    const msl_browse_announce *a = &b->u.announce;
    jnum(&j, "update_count", a->update_count);
    jnum(&j, "period", a->periodicity_ms);
    name16(&j, "server", a->name);
    jnum(&j, "os_major", a->os_major);
    jnum(&j, "os_minor", a->os_minor);
    jnum(&j, "server_type", a->server_type);
    jbits(&j, "server_type_names", a->server_type, msl_pr_sv_name);
    /* 0x0C: bytes 28..31 are not defined (MS-BRWS <19>-<21>), shown
     * both ways, as the announcements' fields and as one u32. */
    jnum(&j, "proto_major", a->browser_major);
    jnum(&j, "proto_minor", a->browser_minor);
    jnum(&j, "signature", a->signature);
    if (b->opcode == MSL_BROWSE_DOMAIN_ANNOUNCEMENT)
      jnum(&j, "mysterious", msl_browse_mysterious(a));
    jview_ascii(&j, b->opcode == MSL_BROWSE_DOMAIN_ANNOUNCEMENT ? "mb_server"
                                                                : "comment",
                a->comment);
    break;
  }
  case MSL_BROWSE_ANNOUNCEMENT_REQUEST:
    jnum(&j, "unused", b->u.req.reserved);
    jview_ascii(&j, "response_computer_name", b->u.req.response_name);
    break;
  case MSL_BROWSE_REQUEST_ELECTION: {
    const msl_browse_election *e = &b->u.election;
    uint8_t os = msl_browse_criteria_os(e->criteria);
    uint8_t role = msl_browse_criteria_role(e->criteria);
    const char *osn = msl_browse_elect_os_name(os);
    jnum(&j, "version", e->version);
    jnum(&j, "criteria", e->criteria);
    jnum(&j, "criteria_os", os);
    jstr(&j, "criteria_os_name", osn ? osn : "");
    jnum(&j, "criteria_version", msl_browse_criteria_version(e->criteria));
    jnum(&j, "criteria_role", role);
    jbits(&j, "criteria_role_names", role, msl_pr_role_name);
    jnum(&j, "uptime", e->uptime_ms);
    jnum(&j, "unused", e->unused);
    jview_ascii(&j, "server", e->server_name);
    break;
  }
  case MSL_BROWSE_GET_BACKUP_LIST_REQUEST:
    jnum(&j, "count", b->u.backup_req.count);
    jnum(&j, "token", b->u.backup_req.token);
    break;
  case MSL_BROWSE_GET_BACKUP_LIST_RESPONSE: {
    msl_browse_names it;
    msl_view nm;
    jnum(&j, "count", b->u.backup_resp.count);
    jnum(&j, "token", b->u.backup_resp.token);
    jkey(&j, "servers");
    msl_out_char(j.o, '[');
    msl_browse_names_init(&it, &b->u.backup_resp);
    for (int i = 0; msl_browse_names_next(&it, &nm) == 1; i++) {
      if (i)
        msl_out_char(j.o, ',');
      msl_pr_ascii(j.o, nm, 1);
    }
    msl_out_char(j.o, ']');
    break;
  }
  case MSL_BROWSE_BECOME_BACKUP:
    jview_ascii(&j, "browser_to_promote", b->u.name);
    break;
  case MSL_BROWSE_MASTER_ANNOUNCEMENT:
    jview_ascii(&j, "mb_server", b->u.name);
    break;
  case MSL_BROWSE_RESET_STATE_REQUEST: {
    const char *rn = msl_browse_reset_name(b->u.reset_type);
    jnum(&j, "reset_cmd", b->u.reset_type);
    jstr(&j, "reset_cmd_name", rn ? rn : "");
    break;
  }
  }
  if (b->trailing.len)
    jhex(&j, "trailing_hex", b->trailing.ptr, b->trailing.len);
  jclose(&j);
}

static void lanman(jw *top, const msl_browse_lanman *l) {
  jw j = jopen(top, "browse");
  jnum(&j, "command", l->opcode & 0xff);
  jstr(&j, "command_name", "LanmanAnnouncement");
  jbool(&j, "lanman", 1);
  jnum(&j, "opcode", l->opcode);
  jnum(&j, "server_type", l->server_type);
  jbits(&j, "server_type_names", l->server_type, msl_pr_sv_name);
  jnum(&j, "os_major", l->os_major);
  jnum(&j, "os_minor", l->os_minor);
  jnum(&j, "period", l->interval_s);
  jview_ascii(&j, "server", l->name);
  jview_ascii(&j, "comment", l->comment);
  if (l->trailing.len)
    jhex(&j, "trailing_hex", l->trailing.ptr, l->trailing.len);
  jclose(&j);
}

static void tokens(jw *j, uint32_t ntv, uint16_t lmnt, uint16_t lm) {
  jnum(j, "nt_version", ntv);
  jbits(j, "nt_version_names", ntv, msl_pr_ntver_name);
  jnum(j, "lmnt_token", lmnt);
  jnum(j, "lm_token", lm);
}

static void netlogon(jw *top, const msl_netlogon *m) {
  jw j = jopen(top, "netlogon");
  const char *cn = msl_netlogon_opcode_name(m->opcode);
  jnum(&j, "command", m->opcode);
  jstr(&j, "command_name", cn ? cn : "unknown");
  switch (m->opcode) {
  case MSL_NETLOGON_PRIMARY_QUERY: {
    const msl_netlogon_primary_query *q = &m->u.pq;
    jview_ascii(&j, "computer_name", q->computer);
    jview_ascii(&j, "mailslot_name", q->mailslot);
    if (q->short_form) {
      jbool(&j, "short_form", 1);
      jnum(&j, "lm_token", q->lm20_token);
    } else {
      jview_utf16(&j, "unicode_computer_name", q->unicode_computer);
      tokens(&j, q->nt_version, q->lmnt_token, q->lm20_token);
    }
    break;
  }
  case MSL_NETLOGON_PRIMARY_RESPONSE: {
    const msl_netlogon_primary_response *r = &m->u.pr;
    jview_ascii(&j, "pdc_name", r->pdc_name);
    if (r->short_form) {
      jbool(&j, "short_form", 1);
    } else {
      jview_utf16(&j, "unicode_pdc_name", r->unicode_pdc_name);
      jview_utf16(&j, "domain_name", r->unicode_domain);
      tokens(&j, r->nt_version, r->lmnt_token, r->lm20_token);
    }
    break;
  }
  case MSL_NETLOGON_SAM_LOGON_REQUEST: {
    const msl_netlogon_sam_request *r = &m->u.sreq;
    jnum(&j, "request_count", r->request_count);
    jview_utf16(&j, "unicode_computer_name", r->unicode_computer);
    jview_utf16(&j, "user_name", r->unicode_user);
    jview_ascii(&j, "mailslot_name", r->mailslot);
    jnum(&j, "account_control", r->account_control);
    jnum(&j, "domain_sid_size", r->sid_size);
    if (r->sid.len)
      jhex(&j, "domain_sid_hex", r->sid.ptr, r->sid.len);
    tokens(&j, r->nt_version, r->lmnt_token, r->lm20_token);
    break;
  }
  case MSL_NETLOGON_SAM_LOGON_RESPONSE:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE:
  case MSL_NETLOGON_SAM_USER_UNKNOWN: {
    const msl_netlogon_sam_response *r = &m->u.sresp;
    jview_utf16(&j, "server_name", r->unicode_logon_server);
    jview_utf16(&j, "user_name", r->unicode_user);
    jview_utf16(&j, "domain_name", r->unicode_domain);
    jbool(&j, "v5", r->v5);
    if (r->v5) {
      jkey(&j, "domain_guid");
      msl_out_char(j.o, '"');
      msl_pr_guid(j.o, r->domain_guid);
      msl_out_char(j.o, '"');
      jkey(&j, "forest_dns_name");
      msl_pr_dname(j.o, m, &r->dns_forest, 1);
      jkey(&j, "domain_dns_name");
      msl_pr_dname(j.o, m, &r->dns_domain, 1);
      jkey(&j, "server_dns_name");
      msl_pr_dname(j.o, m, &r->dns_host, 1);
      jkey(&j, "server_ip");
      msl_out_char(j.o, '"');
      msl_out_ipv4_bytes(j.o, r->dc_ip);
      msl_out_char(j.o, '"');
      jnum(&j, "flags", r->flags);
      jbits(&j, "flags_names", r->flags, msl_pr_dsflag_name);
    }
    tokens(&j, r->nt_version, r->lmnt_token, r->lm20_token);
    break;
  }
  case MSL_NETLOGON_SAM_LOGON_RESPONSE_EX:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE_EX:
  case MSL_NETLOGON_SAM_USER_UNKNOWN_EX: {
    static const char *const keys[MSL_NETLOGON_EX_NAMES] = {
        "forest_dns_name",  "domain_dns_name",  "server_dns_name",
        "domain_name",      "server_name",      "user_name",
        "server_site_name", "client_site_name"};
    const msl_netlogon_sam_response_ex *r = &m->u.ex;
    jnum(&j, "sbz", r->sbz);
    jnum(&j, "flags", r->flags);
    jbits(&j, "flags_names", r->flags, msl_pr_dsflag_name);
    jkey(&j, "domain_guid");
    msl_out_char(j.o, '"');
    msl_pr_guid(j.o, r->domain_guid);
    msl_out_char(j.o, '"');
    for (int i = 0; i < MSL_NETLOGON_EX_NAMES; i++) {
      jkey(&j, keys[i]);
      msl_pr_dname(j.o, m, &r->names[i], 1);
    }
    if (r->has_sockaddr) {
      jnum(&j, "dc_sockaddr_size", r->sockaddr_size);
      jhex(&j, "dc_sockaddr_hex", r->sockaddr.ptr, r->sockaddr.len);
      if (r->sockaddr_size >= 8) {
        jnum(&j, "dc_sockaddr_family", r->sin_family);
        jnum(&j, "dc_sockaddr_port", r->sin_port);
        jkey(&j, "server_ip");
        msl_out_char(j.o, '"');
        msl_out_ipv4_bytes(j.o, r->sin_addr);
        msl_out_char(j.o, '"');
      }
    }
    if (r->has_next_closest_site) {
      jkey(&j, "next_closest_site_name");
      msl_pr_dname(j.o, m, &r->next_closest_site, 1);
    }
    tokens(&j, r->nt_version, r->lmnt_token, r->lm20_token);
    break;
  }
  }
  if (m->trailer.len)
    jhex(&j, "trailing_hex", m->trailer.ptr, m->trailer.len);
  jclose(&j);
}

static void nbns_nb(jw *j, const msl_nbns_nb *e) {
  jip(j, "addr", e->addr);
  jbool(j, "group", (e->flags & MSL_NBNS_NB_G) != 0);
  jnum(j, "node", (e->flags & MSL_NBNS_NB_ONT) >> 13);
  jstr(j, "node_name", msl_nbns_ont_name(e->flags));
  jnum(j, "nb_flags", e->flags);
}

static void nbns_stats(jw *top, const msl_nbns_stats *s) {
  jw j = jopen(top, "statistics");
  jkey(&j, "unit_id");
  msl_out_char(j.o, '"');
  for (int i = 0; i < 6; i++) {
    if (i)
      msl_out_char(j.o, ':');
    msl_out_hex(j.o, s->unit_id[i], 2);
  }
  msl_out_char(j.o, '"');
  jnum(&j, "jumpers", s->jumpers);
  jnum(&j, "test_result", s->test_result);
  jnum(&j, "version_number", s->version_number);
  jnum(&j, "period_of_statistics", s->period_of_statistics);
  jnum(&j, "num_crcs", s->number_of_crcs);
  jnum(&j, "num_alignment_errors", s->number_alignment_errors);
  jnum(&j, "num_collisions", s->number_of_collisions);
  jnum(&j, "num_send_aborts", s->number_send_aborts);
  jnum(&j, "num_good_sends", s->number_good_sends);
  jnum(&j, "num_good_receives", s->number_good_receives);
  jnum(&j, "num_retransmits", s->number_retransmits);
  jnum(&j, "num_no_resource_conditions", s->number_no_resource_conditions);
  jnum(&j, "num_free_command_blocks", s->number_free_command_blocks);
  jnum(&j, "total_command_blocks", s->total_number_command_blocks);
  jnum(&j, "max_total_command_blocks", s->max_total_number_command_blocks);
  jnum(&j, "num_pending_sessions", s->number_pending_sessions);
  jnum(&j, "max_num_pending_sessions", s->max_number_pending_sessions);
  jnum(&j, "max_total_sessions_possible", s->max_total_sessions_possible);
  jnum(&j, "session_data_packet_size", s->session_data_packet_size);
  jclose(&j);
}

static void nbns_rr(msl_out *o, const msl_nbns_rr *rr, unsigned opcode,
                    int response) {
  jw j = {o, 0};
  msl_out_char(o, '{');
  jname(&j, "name", &rr->name.nb);
  jnum(&j, "type", rr->type);
  jstr(&j, "type_name", msl_nbns_type_name(rr->type));
  jnum(&j, "class", rr->rrclass);
  jnum(&j, "ttl", rr->ttl);
  jnum(&j, "data_length", rr->rdata.len);
  if (rr->type == MSL_NBNS_T_NB && opcode == MSL_NBNS_OP_WACK && response &&
      rr->rdata.len == 2) {
    jnum(&j, "wack_flags", rr->wack_flags);
  } else if (rr->type == MSL_NBNS_T_NB) {
    msl_nbns_nb e;
    jkey(&j, "addresses");
    msl_out_char(o, '[');
    for (size_t i = 0; msl_nbns_rr_nb(rr, i, &e); i++) {
      jw a = {o, 0};
      if (i)
        msl_out_char(o, ',');
      msl_out_char(o, '{');
      nbns_nb(&a, &e);
      msl_out_char(o, '}');
    }
    msl_out_char(o, ']');
    if (rr->nb_extra)
      jnum(&j, "extra_bytes", rr->nb_extra);
  } else if (rr->type == MSL_NBNS_T_NBSTAT) {
    msl_nbns_node_name nn;
    jnum(&j, "number_of_names", rr->num_names);
    jkey(&j, "names");
    msl_out_char(o, '[');
    for (size_t i = 0; msl_nbns_rr_node_name(rr, i, &nn); i++) {
      msl_nbname n;
      jw a = {o, 0};
      msl_nbname_from_raw(&n, nn.name, NULL);
      if (i)
        msl_out_char(o, ',');
      msl_out_char(o, '{');
      jname(&a, "name", &n);
      jbool(&a, "group", (nn.flags & MSL_NBNS_NB_G) != 0);
      jnum(&a, "node", (nn.flags & MSL_NBNS_NB_ONT) >> 13);
      jstr(&a, "node_name", msl_nbns_ont_name(nn.flags));
      jnum(&a, "name_flags", nn.flags);
      jbool(&a, "drg", (nn.flags & MSL_NBNS_NAME_DRG) != 0);
      jbool(&a, "cnf", (nn.flags & MSL_NBNS_NAME_CNF) != 0);
      jbool(&a, "act", (nn.flags & MSL_NBNS_NAME_ACT) != 0);
      jbool(&a, "prm", (nn.flags & MSL_NBNS_NAME_PRM) != 0);
      msl_out_char(o, '}');
    }
    msl_out_char(o, ']');
    if (rr->stats_len)
      nbns_stats(&j, &rr->stats);
  } else if (rr->type == MSL_NBNS_T_A && rr->rdata.len >= 4) {
    jip(&j, "addr", rr->a_addr);
  } else if (rr->rdata.len) {
    jhex(&j, "data_hex", rr->rdata.ptr, rr->rdata.len);
  }
  msl_out_char(o, '}');
}

static void nbns_section(jw *j, const char *k, const msl_nbns_rr *rr,
                         size_t count, const msl_nbns *m) {
  size_t n = count < MSL_NBNS_MAX_RR ? count : MSL_NBNS_MAX_RR;
  jkey(j, k);
  msl_out_char(j->o, '[');
  for (size_t i = 0; i < n; i++) {
    if (i)
      msl_out_char(j->o, ',');
    nbns_rr(j->o, &rr[i], msl_nbns_opcode(m), msl_nbns_is_response(m));
  }
  msl_out_char(j->o, ']');
}

static void nbns(jw *top, const msl_dissect *d) {
  const msl_nbns *m = &d->nbns;
  jw j = jopen(top, "nbns");
  jnum(&j, "id", m->trn_id);
  jbool(&j, "response", msl_nbns_is_response(m));
  jnum(&j, "opcode", msl_nbns_opcode(m));
  jstr(&j, "opcode_name", msl_nbns_opcode_name(msl_nbns_opcode(m)));
  jnum(&j, "flags", m->flags);
  jbits(&j, "flags_names", m->flags & ~(MSL_NBNS_F_OPCODE | MSL_NBNS_F_RCODE),
        msl_pr_nbns_hflag_name);
  jnum(&j, "rcode", msl_nbns_rcode(m));
  jstr(&j, "rcode_name", msl_nbns_rcode_name(msl_nbns_rcode(m)));
  jnum(&j, "qdcount", m->qdcount);
  jnum(&j, "ancount", m->ancount);
  jnum(&j, "nscount", m->nscount);
  jnum(&j, "arcount", m->arcount);
  if (d->nbns_ok) {
    size_t n = m->qdcount < MSL_NBNS_MAX_QD ? m->qdcount : MSL_NBNS_MAX_QD;
    jkey(&j, "questions");
    msl_out_char(j.o, '[');
    for (size_t i = 0; i < n; i++) {
      jw q = {j.o, 0};
      if (i)
        msl_out_char(j.o, ',');
      msl_out_char(j.o, '{');
      jname(&q, "name", &m->qd[i].name.nb);
      jnum(&q, "type", m->qd[i].type);
      jstr(&q, "type_name", msl_nbns_type_name(m->qd[i].type));
      jnum(&q, "class", m->qd[i].qclass);
      msl_out_char(j.o, '}');
    }
    msl_out_char(j.o, ']');
    nbns_section(&j, "answers", m->an, m->ancount, m);
    nbns_section(&j, "authority", m->ns, m->nscount, m);
    nbns_section(&j, "additional", m->ar, m->arcount, m);
    if (m->over)
      jnum(&j, "entries_not_shown", m->over);
    if (m->trailer.len)
      jhex(&j, "trailing_hex", m->trailer.ptr, m->trailer.len);
  }
  jclose(&j);
}

int msl_print_json(msl_out *o, const msl_pkt_meta *m, const msl_dissect *d,
                   unsigned flags) {
  (void)flags;
  if (!o || !d)
    return MSL_ERR_ARG;
  if (o->overflow)
    return MSL_ERR_OVERFLOW;
  size_t start = o->len;
  jw j = {o, 0};
  msl_out_char(o, '{');
  if (m) {
    jnum(&j, "frame", m->frame);
    jkey(&j, "time");
    msl_pr_time(o, m);
    jip(&j, "src", m->src_ip);
    jnum(&j, "sport", m->sport);
    jip(&j, "dst", m->dst_ip);
    jnum(&j, "dport", m->dport);
    if (m->truncated)
      jbool(&j, "truncated", 1);
    if (m->flags & MSL_PKT_IP_REASSEMBLED)
      jbool(&j, "ip_reassembled", 1);
    if (m->flags & MSL_PKT_DGM_REASSEMBLED)
      jbool(&j, "dgm_reassembled", 1);
  }
  if (d->layers & MSL_LAYER_NBDGM)
    nbdgm(&j, d);
  if (d->layers & MSL_LAYER_SMB)
    smb(&j, &d->smb);
  if (d->layers & MSL_LAYER_BROWSE)
    browse(&j, &d->u.browse);
  if (d->layers & MSL_LAYER_LANMAN)
    lanman(&j, &d->u.lanman);
  if (d->layers & MSL_LAYER_NETLOGON)
    netlogon(&j, &d->u.netlogon);
  if (d->layers & MSL_LAYER_NBNS)
    nbns(&j, d);
  if (d->err) {
    jstr(&j, "error_layer", msl_dissect_layer_name(d->err_layer));
    jkey(&j, "error");
    msl_out_char(o, '"');
    msl_print_error(o, d); /* plain ASCII, no quotes or backslashes */
    msl_out_char(o, '"');
  }
  msl_out_mem(o, "}\n", 2);
  return msl_pr_end(o, start);
}
