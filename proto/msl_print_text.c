/*
 * The one-line summary printer: addresses, then a few words per layer from
 * the field tables' summary items (msl_fields.h); the name service's words
 * are Wireshark's Info column.
 */
#include "msl_fields.h"
#include "msl_print_int.h"

static void sp(msl_out *o) { msl_pr_char(o, ' '); }

/* Description of an NBNS opcode as Wireshark's Info column words it
 * ("Name query", "Registration", ...; NULL when unknown). */
static const char *nbns_info_opcode(unsigned opcode) {
  switch (opcode) {
  case MSL_NBNS_OP_QUERY:
    return "Name query";
  case MSL_NBNS_OP_REGISTER:
    return "Registration";
  case MSL_NBNS_OP_RELEASE:
    return "Release";
  case MSL_NBNS_OP_WACK:
    return "Wait for acknowledgment";
  case MSL_NBNS_OP_REFRESH:
    return "Refresh";
  case MSL_NBNS_OP_REFRESH_ALT:
    return "Refresh (alternate opcode)";
  case MSL_NBNS_OP_MULTIHOMED:
    return "Multi-homed registration";
  }
  return NULL;
}

/* An answer: its type, then its name and addresses, or the node-status
 * names. */
static void nbns_answer(msl_out *o, const msl_nbns_rr *rr, unsigned op) {
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

static void nbns(msl_out *o, const msl_dissect *d) {
  const msl_nbns *m = &d->nbns;
  unsigned op = msl_nbns_opcode(m);
  const char *desc = nbns_info_opcode(op);
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
  for (size_t i = 0; i < n[1]; i++)
    nbns_answer(o, &m->an[i], op);
}

/* "IP:PORT" */
static void endpoint(msl_out *o, uint32_t ip, uint16_t port) {
  msl_out_ipv4(o, ip);
  msl_pr_char(o, ':');
  msl_out_u64(o, port);
}

/* "TIME SRC:SPORT -> DST:DPORT", an ICMP error's first. */
static void frame(msl_out *o, const msl_pkt_meta *m) {
  msl_pr_time(o, m);
  sp(o);
  if (m->flags & MSL_PKT_QUOTED) {
    /* The ICMP error, then the packet it quotes (never delivered). */
    msl_pr_ipv4_pair(o, m->outer_src, m->outer_dst);
    msl_pr_str(o, " ICMP ");
    msl_pr_str(o, msl_icmp_error_name(m->icmp_type, m->icmp_code));
    msl_pr_str(o, " quoting ");
  }
  endpoint(o, m->src_ip, m->sport);
  msl_pr_str(o, " -> ");
  endpoint(o, m->dst_ip, m->dport);
}

/* The words of a layer: first, then body unless the layer was cut. */
static void words(msl_out *o, const msl_dissect *d, unsigned layer,
                  const void *base, const msl_field_layout *first,
                  const msl_field_layout *body) {
  msl_field_ctx c = {base, d, SIZE_MAX, 0, 0};
  msl_fields_text(o, first, &c);
  /* A payload cut short: its command (the fields are in -V and JSON). */
  if (body && !(d->partial & layer))
    msl_fields_text(o, body, &c);
}

static void layers(msl_out *o, const msl_dissect *d) {
  if (d->layers & MSL_LAYER_NBDGM)
    words(o, d, MSL_LAYER_NBDGM, &d->nbdgm, &msl_fl_nbdgm, NULL);
  if (d->layers & MSL_LAYER_SMB)
    words(o, d, MSL_LAYER_SMB, &d->smb, &msl_fl_smb, NULL);
  if (d->layers & MSL_LAYER_BROWSE)
    words(o, d, MSL_LAYER_BROWSE, &d->u.browse, &msl_fl_browse_command,
          msl_fields_browse_body(&d->u.browse));
  else if (d->layers & MSL_LAYER_LANMAN)
    words(o, d, MSL_LAYER_LANMAN, &d->u.lanman, &msl_fl_lanman_command,
          &msl_fl_lanman);
  else if (d->layers & MSL_LAYER_NETLOGON)
    words(o, d, MSL_LAYER_NETLOGON, &d->u.netlogon, &msl_fl_netlogon_command,
          msl_fields_netlogon_body(&d->u.netlogon, 0));
  else if ((d->layers & MSL_LAYER_SMB) && !d->err) {
    sp(o);
    msl_out_u64(o, d->smb.data.len);
    msl_pr_str(o, " bytes");
  }
  if (d->layers & MSL_LAYER_NBNS)
    nbns(o, d);
}

static void summary(msl_out *o, const msl_pkt_meta *m, const msl_dissect *d,
                    unsigned flags) {
  (void)flags;
  if (m)
    frame(o, m);
  layers(o, d);
  if (d->err) {
    msl_pr_str(o, " [error");
    msl_pr_err_at(o, d, " ", "");
    msl_pr_str(o, ": ");
    msl_print_error(o, d);
    msl_pr_char(o, ']');
  }
  msl_pr_char(o, '\n');
}

int msl_print_summary(msl_out *o, const msl_pkt_meta *m, const msl_dissect *d,
                      unsigned flags) {
  return msl_pr_run(o, m, d, flags, summary);
}
