/* The one-line summary printer. */
#include "msl_print_int.h"

static void sp(msl_out *o) { msl_pr_char(o, ' '); }

static void announce(msl_out *o, const msl_browse_announce *a) {
  msl_view v = {a->name, msl_browse_name16_len(a->name)};
  sp(o);
  msl_pr_ascii(o, v, 0);
  msl_pr_str(o, " os ");
  msl_out_u64(o, a->os_major);
  msl_pr_char(o, '.');
  msl_out_u64(o, a->os_minor);
  msl_pr_str(o, " type ");
  msl_out_hex0x(o, a->server_type, 8);
  msl_pr_str(o, " \"");
  msl_pr_ascii(o, a->comment, 0);
  msl_pr_char(o, '"');
}

static void browse(msl_out *o, const msl_browse *b) {
  const char *n = msl_browse_opcode_name(b->opcode);
  sp(o);
  msl_pr_str(o, n ? n : "unknown");
  switch (b->opcode) {
  case MSL_BROWSE_HOST_ANNOUNCEMENT:
  case MSL_BROWSE_DOMAIN_ANNOUNCEMENT:
  case MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT:
    announce(o, &b->u.announce);
    break;
  case MSL_BROWSE_ANNOUNCEMENT_REQUEST:
    sp(o);
    msl_pr_ascii(o, b->u.req.response_name, 0);
    break;
  case MSL_BROWSE_REQUEST_ELECTION:
    sp(o);
    msl_pr_ascii(o, b->u.election.server_name, 0);
    msl_pr_str(o, " criteria ");
    msl_out_hex0x(o, b->u.election.criteria, 8);
    msl_pr_str(o, " uptime ");
    msl_out_u64(o, b->u.election.uptime_ms);
    msl_pr_str(o, "ms");
    break;
  case MSL_BROWSE_GET_BACKUP_LIST_REQUEST:
    msl_pr_str(o, " count ");
    msl_out_u64(o, b->u.backup_req.count);
    msl_pr_str(o, " token ");
    msl_out_u64(o, b->u.backup_req.token);
    break;
  case MSL_BROWSE_GET_BACKUP_LIST_RESPONSE: {
    msl_browse_names it;
    msl_view nm;
    msl_pr_str(o, " token ");
    msl_out_u64(o, b->u.backup_resp.token);
    msl_browse_names_init(&it, &b->u.backup_resp);
    for (int i = 0; msl_browse_names_next(&it, &nm) == 1; i++) {
      msl_pr_char(o, i ? ',' : ' ');
      msl_pr_ascii(o, nm, 0);
    }
    break;
  }
  case MSL_BROWSE_BECOME_BACKUP:
  case MSL_BROWSE_MASTER_ANNOUNCEMENT:
    sp(o);
    msl_pr_ascii(o, b->u.name, 0);
    break;
  case MSL_BROWSE_RESET_STATE_REQUEST: {
    const char *r = msl_browse_reset_name(b->u.reset_type);
    msl_pr_str(o, " type ");
    msl_out_hex0x(o, b->u.reset_type, 2);
    if (r) {
      sp(o);
      msl_pr_str(o, r);
    }
    break;
  }
  }
}

static void lanman(msl_out *o, const msl_browse_lanman *l) {
  msl_pr_str(o, " LanmanAnnouncement ");
  msl_pr_ascii(o, l->name, 0);
  msl_pr_str(o, " os ");
  msl_out_u64(o, l->os_major);
  msl_pr_char(o, '.');
  msl_out_u64(o, l->os_minor);
  msl_pr_str(o, " type ");
  msl_out_hex0x(o, l->server_type, 8);
  msl_pr_str(o, " \"");
  msl_pr_ascii(o, l->comment, 0);
  msl_pr_char(o, '"');
}

static void ntver(msl_out *o, uint32_t v) {
  msl_pr_str(o, " ntver ");
  msl_out_hex0x(o, v, 8);
}

static void netlogon(msl_out *o, const msl_netlogon *m) {
  const char *n = msl_netlogon_opcode_name(m->opcode);
  sp(o);
  msl_pr_str(o, n ? n : "unknown");
  switch (m->opcode) {
  case MSL_NETLOGON_PRIMARY_QUERY:
    sp(o);
    msl_pr_ascii(o, m->u.pq.computer, 0);
    msl_pr_str(o, " reply ");
    msl_pr_ascii(o, m->u.pq.mailslot, 0);
    if (!m->u.pq.short_form)
      ntver(o, m->u.pq.nt_version);
    break;
  case MSL_NETLOGON_PRIMARY_RESPONSE:
    msl_pr_str(o, " pdc ");
    msl_pr_ascii(o, m->u.pr.pdc_name, 0);
    if (!m->u.pr.short_form) {
      msl_pr_str(o, " domain ");
      msl_pr_utf16(o, m->u.pr.unicode_domain, 0);
    }
    break;
  case MSL_NETLOGON_SAM_LOGON_REQUEST:
    sp(o);
    msl_pr_utf16(o, m->u.sreq.unicode_computer, 0);
    msl_pr_str(o, " user \"");
    msl_pr_utf16(o, m->u.sreq.unicode_user, 0);
    msl_pr_str(o, "\" reply ");
    msl_pr_ascii(o, m->u.sreq.mailslot, 0);
    ntver(o, m->u.sreq.nt_version);
    break;
  case MSL_NETLOGON_SAM_LOGON_RESPONSE:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE:
  case MSL_NETLOGON_SAM_USER_UNKNOWN:
    msl_pr_str(o, " server ");
    msl_pr_utf16(o, m->u.sresp.unicode_logon_server, 0);
    msl_pr_str(o, " domain ");
    msl_pr_utf16(o, m->u.sresp.unicode_domain, 0);
    msl_pr_str(o, " user \"");
    msl_pr_utf16(o, m->u.sresp.unicode_user, 0);
    msl_pr_char(o, '"');
    break;
  case MSL_NETLOGON_SAM_LOGON_RESPONSE_EX:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE_EX:
  case MSL_NETLOGON_SAM_USER_UNKNOWN_EX: {
    const msl_netlogon_sam_response_ex *x = &m->u.ex;
    msl_pr_str(o, " server ");
    msl_pr_dname(o, m, &x->names[MSL_NETLOGON_EX_DNS_HOST], 0);
    msl_pr_str(o, " domain ");
    msl_pr_dname(o, m, &x->names[MSL_NETLOGON_EX_NB_DOMAIN], 0);
    msl_pr_str(o, " user \"");
    msl_pr_dname(o, m, &x->names[MSL_NETLOGON_EX_USER], 0);
    msl_pr_str(o, "\" flags ");
    msl_out_hex0x(o, x->flags, 8);
    break;
  }
  }
}

static void nbdgm(msl_out *o, const msl_dissect *d) {
  const msl_nbdgm *g = &d->nbdgm;
  sp(o);
  msl_pr_str(o, msl_nbdgm_type_name(g->type));
  if (g->type == MSL_NBDGM_ERROR && !d->err) {
    msl_pr_str(o, " code ");
    msl_out_hex0x(o, g->error_code, 2);
    sp(o);
    msl_pr_str(o, msl_nbdgm_error_name(g->error_code));
    return;
  }
  if ((g->have & MSL_NBDGM_HAVE_SRC) && g->type <= MSL_NBDGM_BROADCAST) {
    sp(o);
    msl_out_nbname(o, &g->src);
    msl_pr_str(o, " ->");
  }
  if (g->have & MSL_NBDGM_HAVE_DST) {
    sp(o);
    msl_out_nbname(o, &g->dst);
  }
  if (d->reassembled) {
    msl_pr_str(o, " [reassembled ");
    msl_out_u64(o, g->data.len);
    msl_pr_str(o, " bytes]");
  } else if (d->fragment) {
    msl_pr_str(o, " fragment id ");
    msl_out_hex0x(o, g->id, 4);
    msl_pr_str(o, " offset ");
    msl_out_u64(o, g->offset);
    msl_pr_str(o, " len ");
    msl_out_u64(o, g->data.len);
    if (g->flags & MSL_NBDGM_FLAG_FIRST)
      msl_pr_str(o, " first");
    if (g->flags & MSL_NBDGM_FLAG_MORE)
      msl_pr_str(o, " more");
  }
}

static void nbns(msl_out *o, const msl_dissect *d) {
  const msl_nbns *m = &d->nbns;
  unsigned op = msl_nbns_opcode(m);
  const char *desc = msl_pr_nbns_info_opcode(op);
  sp(o);
  if (desc) {
    msl_pr_str(o, desc);
  } else {
    msl_pr_str(o, "Unknown operation (");
    msl_out_u64(o, op);
    msl_pr_char(o, ')');
  }
  if (msl_nbns_is_response(m)) {
    msl_pr_str(o, " response");
    if (msl_nbns_rcode(m)) {
      msl_pr_str(o, ", ");
      msl_pr_str(o, msl_nbns_rcode_name(msl_nbns_rcode(m)));
    }
  }
  /* The entries read, all of them or those before a fault (as Wireshark). */
  size_t n[4];
  msl_pr_nbns_shown(d, n);
  for (size_t i = 0; i < n[0]; i++) {
    sp(o);
    msl_pr_str(o, msl_nbns_type_name(m->qd[i].type));
    sp(o);
    msl_out_nbname(o, &m->qd[i].name.nb);
  }
  for (size_t i = 0; i < n[1]; i++) {
    const msl_nbns_rr *rr = &m->an[i];
    msl_nbns_nb e;
    sp(o);
    msl_pr_str(o, msl_nbns_type_name(rr->type));
    if (rr->type == MSL_NBNS_T_NB && op != MSL_NBNS_OP_WACK) {
      sp(o);
      msl_out_nbname(o, &rr->name.nb);
      for (size_t k = 0; msl_nbns_rr_nb(rr, k, &e); k++) {
        sp(o);
        msl_out_ipv4(o, e.addr);
      }
    } else if (rr->type == MSL_NBNS_T_NBSTAT) {
      msl_nbns_node_name nn;
      for (size_t k = 0; msl_nbns_rr_node_name(rr, k, &nn); k++) {
        msl_nbname nm;
        msl_nbname_from_raw(&nm, nn.name, NULL);
        msl_pr_char(o, k ? ',' : ' ');
        msl_out_nbname(o, &nm);
      }
    } else {
      sp(o);
      msl_out_nbname(o, &rr->name.nb);
    }
  }
}

/* The transaction name, or what the SMB is when it has none. */
static void smb(msl_out *o, const msl_smbtr *s) {
  sp(o);
  if (s->have & MSL_SMBTR_HAVE_NAME) {
    msl_pr_ascii(o, s->name, 0);
    return;
  }
  msl_pr_str(o, "SMB command ");
  msl_out_hex0x(o, s->command, 2);
  if (s->word_count != MSL_SMBTR_WORDS) {
    msl_pr_str(o, " WordCount ");
    msl_out_u64(o, s->word_count);
  }
}

/* The command of a payload decoded in part. */
static void command(msl_out *o, const msl_dissect *d) {
  const char *n = d->partial == MSL_LAYER_BROWSE
                      ? msl_browse_opcode_name(d->u.browse.opcode)
                  : d->partial == MSL_LAYER_NETLOGON
                      ? msl_netlogon_opcode_name(d->u.netlogon.opcode)
                      : "LanmanAnnouncement";
  sp(o);
  msl_pr_str(o, n ? n : "unknown");
}

int msl_print_summary(msl_out *o, const msl_pkt_meta *m, const msl_dissect *d,
                      unsigned flags) {
  (void)flags;
  if (!o || !d)
    return MSL_ERR_ARG;
  if (o->overflow)
    return MSL_ERR_BUFFER_TOO_SMALL;
  size_t start = o->len;
  if (m) {
    msl_pr_time(o, m);
    sp(o);
    if (m->flags & MSL_PKT_QUOTED) {
      /* The ICMP error, then the packet it quotes (never delivered). */
      msl_out_ipv4(o, m->outer_src);
      msl_pr_str(o, " -> ");
      msl_out_ipv4(o, m->outer_dst);
      msl_pr_str(o, " ICMP ");
      msl_pr_str(o, msl_icmp_error_name(m->icmp_type, m->icmp_code));
      msl_pr_str(o, " quoting ");
    }
    msl_out_ipv4(o, m->src_ip);
    msl_pr_char(o, ':');
    msl_out_u64(o, m->sport);
    msl_pr_str(o, " -> ");
    msl_out_ipv4(o, m->dst_ip);
    msl_pr_char(o, ':');
    msl_out_u64(o, m->dport);
  }
  if (d->layers & MSL_LAYER_NBDGM)
    nbdgm(o, d);
  if (d->layers & MSL_LAYER_SMB)
    smb(o, &d->smb);
  /* A payload cut short: its command (the fields are in -V and JSON). */
  if (d->partial & (MSL_LAYER_BROWSE | MSL_LAYER_LANMAN | MSL_LAYER_NETLOGON))
    command(o, d);
  else if (d->layers & MSL_LAYER_BROWSE)
    browse(o, &d->u.browse);
  else if (d->layers & MSL_LAYER_LANMAN)
    lanman(o, &d->u.lanman);
  else if (d->layers & MSL_LAYER_NETLOGON)
    netlogon(o, &d->u.netlogon);
  else if ((d->layers & MSL_LAYER_SMB) && !d->err) {
    sp(o);
    msl_out_u64(o, d->smb.data.len);
    msl_pr_str(o, " bytes");
  }
  if (d->layers & MSL_LAYER_NBNS)
    nbns(o, d);
  if (d->err) {
    msl_pr_str(o, " [error");
    if (d->err_at) {
      msl_pr_str(o, " at byte ");
      msl_out_u64(o, d->err_off);
    }
    msl_pr_str(o, ": ");
    msl_print_error(o, d);
    msl_pr_char(o, ']');
  }
  msl_pr_char(o, '\n');
  return msl_pr_end(o, start);
}
