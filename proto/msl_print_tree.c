/*
 * The -V tree printer: the packet's own lines, then a section per layer
 * with every field, one per line, from the field tables (msl_fields.h).
 */
#include "msl_fields.h"
#include "msl_print_int.h"

static void nl(msl_out *o) { msl_pr_char(o, '\n'); }

/* "<indent>label: " */
static void ln(msl_out *o, int ind, const char *label) {
  msl_out_repeat(o, ' ', (size_t)ind * 4);
  msl_pr_str(o, label);
  msl_pr_str(o, ": ");
}

/* "    label: a -> b" of two addresses. */
static void ips(msl_out *o, const char *label, uint32_t a, uint32_t b) {
  ln(o, 1, label);
  msl_pr_ipv4_pair(o, a, b);
  nl(o);
}

/* The ICMP error that quotes the packet below: it was never delivered. */
static void icmp(msl_out *o, const msl_pkt_meta *m) {
  ips(o, "IPv4", m->outer_src, m->outer_dst);
  ln(o, 1, "ICMP");
  msl_pr_str(o, msl_icmp_error_name(m->icmp_type, m->icmp_code));
  msl_pr_str(o, " (type ");
  msl_out_u64(o, m->icmp_type);
  msl_pr_str(o, ", code ");
  msl_out_u64(o, m->icmp_code);
  msl_pr_str(o, "), quoting the packet below (never delivered)");
  nl(o);
}

/* "Frame N: ...", the time, the addresses. */
static void frame(msl_out *o, const msl_pkt_meta *m) {
  int quoted = (m->flags & MSL_PKT_QUOTED) != 0;
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
  if (quoted)
    icmp(o, m);
  ips(o, quoted ? "Quoted IPv4" : "IPv4", m->src_ip, m->dst_ip);
  ln(o, 1, quoted ? "Quoted UDP" : "UDP");
  msl_out_u64(o, m->sport);
  msl_pr_str(o, " -> ");
  msl_out_u64(o, m->dport);
  nl(o);
}

/* "Error: [at byte N: ]LAYER: why", at indent ind. */
static void error_line(msl_out *o, const msl_dissect *d, int ind) {
  msl_out_repeat(o, ' ', (size_t)ind * 4);
  msl_pr_str(o, "Error: ");
  msl_pr_err_at(o, d, "", ": ");
  msl_print_error(o, d);
  nl(o);
}

/*
 * A layer's section: its title, then the fields of `first` and `body` (may
 * be NULL) for the struct at base; then the error, when this layer failed
 * (the last line of its section, after the fields read before it).
 * Returns 1 when the error was written.
 */
static int section(msl_out *o, const msl_dissect *d, unsigned layer,
                   const char *title, const msl_field_layout *first,
                   const msl_field_layout *body, const void *base, size_t got,
                   unsigned flags) {
  msl_field_ctx c = {base, d, got, flags, 1};
  msl_pr_str(o, title);
  nl(o);
  msl_fields_tree(o, first, &c);
  if (body)
    msl_fields_tree(o, body, &c);
  if (!d->err || d->err_layer != layer)
    return 0;
  error_line(o, d, 1);
  return 1;
}

/* The SMB and, when it is one, the mailslot write. */
static int smb(msl_out *o, const msl_dissect *d, unsigned flags) {
  msl_field_ctx c = {&d->smb, d, SIZE_MAX, flags, 1};
  int mailslot = msl_fields_smb_is_mailslot(&d->smb);
  if (!mailslot)
    return section(o, d, MSL_LAYER_SMB,
                   "SMB Mailslot Write [MS-MAIL 2.2.1, MS-CIFS 2.2.4.33]",
                   &msl_fl_smb, NULL, &d->smb, SIZE_MAX, flags);
  msl_pr_str(o, "SMB Mailslot Write [MS-MAIL 2.2.1, MS-CIFS 2.2.4.33]\n");
  msl_fields_tree(o, &msl_fl_smb, &c);
  return section(o, d, MSL_LAYER_SMB, "Mailslot [MS-MAIL 2.2.1]",
                 &msl_fl_mailslot, NULL, &d->smb, SIZE_MAX, flags);
}

/* Bytes of a payload read before its error (SIZE_MAX: all of it). */
static size_t got(const msl_dissect *d, unsigned layer, size_t err_off) {
  return d->partial == layer ? err_off : SIZE_MAX;
}

static int layers(msl_out *o, const msl_dissect *d, unsigned flags) {
  int shown = 0; /* the error was written inside its layer */
  if (d->layers & MSL_LAYER_NBDGM)
    shown |= section(o, d, MSL_LAYER_NBDGM,
                     d->reassembled ? "NetBIOS Datagram Service [RFC 1002 "
                                      "4.4] (reassembled from fragments)"
                                    : "NetBIOS Datagram Service [RFC 1002 4.4]",
                     &msl_fl_nbdgm, NULL, &d->nbdgm, SIZE_MAX, flags);
  if (d->layers & MSL_LAYER_SMB)
    shown |= smb(o, d, flags);
  if (d->layers & MSL_LAYER_BROWSE)
    shown |= section(o, d, MSL_LAYER_BROWSE, "Browser [MS-BRWS 2.2]",
                     &msl_fl_browse_command,
                     msl_fields_browse_body(&d->u.browse), &d->u.browse,
                     got(d, MSL_LAYER_BROWSE, d->u.browse.err_off), flags);
  if (d->layers & MSL_LAYER_LANMAN)
    shown |= section(o, d, MSL_LAYER_LANMAN,
                     "LAN Manager Announcement (\\MAILSLOT\\LANMAN)",
                     &msl_fl_lanman, NULL, &d->u.lanman,
                     got(d, MSL_LAYER_LANMAN, d->u.lanman.err_off), flags);
  if (d->layers & MSL_LAYER_NETLOGON)
    shown |= section(o, d, MSL_LAYER_NETLOGON, "Netlogon [MS-ADTS 6.3.1]",
                     &msl_fl_netlogon_command,
                     msl_fields_netlogon_body(&d->u.netlogon,
                                              d->partial == MSL_LAYER_NETLOGON),
                     &d->u.netlogon, SIZE_MAX, flags);
  if (d->layers & MSL_LAYER_NBNS)
    shown |=
        section(o, d, MSL_LAYER_NBNS, "NetBIOS Name Service [RFC 1002 4.2]",
                &msl_fl_nbns, NULL, &d->nbns, SIZE_MAX, flags);
  return shown;
}

static void tree(msl_out *o, const msl_pkt_meta *m, const msl_dissect *d,
                 unsigned flags) {
  if (m)
    frame(o, m);
  if (!layers(o, d, flags) && d->err)
    error_line(o, d, 0);
  nl(o);
}

int msl_print_tree(msl_out *o, const msl_pkt_meta *m, const msl_dissect *d,
                   unsigned flags) {
  return msl_pr_run(o, m, d, flags, tree);
}
