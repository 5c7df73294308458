/*
 * Field table of the netlogon pings [MS-ADTS 6.3.1] (msl_netlogon): the
 * command, then the fields of its opcode's message, then the version
 * fields every message ends with (NtVersion, LmNtToken, Lm20Token).
 */
#include "msl_fields_json.h"

enum {
  COMMAND,
  /* 0x07 LOGON_PRIMARY_QUERY */
  PQ_COMPUTER, PQ_MAILSLOT, PQ_UNICODE_COMPUTER, SHORT_FORM,
  /* 0x0C LOGON_PRIMARY_RESPONSE */
  PR_PDC, PR_UNICODE_PDC, PR_DOMAIN,
  /* 0x12 LOGON_SAM_LOGON_REQUEST */
  SQ_REQUEST_COUNT, SQ_UNICODE_COMPUTER, SQ_USER, SQ_MAILSLOT,
  SQ_ACCOUNT_CONTROL, SQ_SID_SIZE, SQ_SID,
  /* 0x13-0x15 NT4 and V5 responses */
  SR_SERVER, SR_USER, SR_DOMAIN, SR_V5, SR_DOMAIN_GUID, SR_NULL_GUID,
  SR_FOREST, SR_DNS_DOMAIN, SR_DNS_HOST, SR_DC_IP, SR_FLAGS,
  /* 0x17-0x19 EX responses */
  EX_SBZ, EX_FLAGS, EX_DOMAIN_GUID, EX_FOREST, EX_DNS_DOMAIN, EX_DNS_HOST,
  EX_NB_DOMAIN, EX_NB_COMPUTER, EX_USER, EX_DC_SITE, EX_CLIENT_SITE,
  EX_SOCKADDR_SIZE, EX_SOCKADDR, EX_FAMILY, EX_PORT, EX_ADDRESS,
  EX_NEXT_CLOSEST_SITE,
  /* every message */
  NT_VERSION, LMNT_TOKEN, LM20_TOKEN, TRAILER,
  N_FIELDS
};

static const char *opcode_name(uint32_t v) {
  return msl_netlogon_opcode_name(v);
}

/*
 * The version fields stand at the end of every message, at another place
 * of the union for each: one field each, read by these getters.
 */
static const msl_netlogon *msg(const void *base) { return base; }

static uint64_t nt_version(const void *base) {
  const msl_netlogon *m = msg(base);
  switch (m->opcode) {
  case MSL_NETLOGON_PRIMARY_QUERY:
    return m->u.pq.nt_version;
  case MSL_NETLOGON_PRIMARY_RESPONSE:
    return m->u.pr.nt_version;
  case MSL_NETLOGON_SAM_LOGON_REQUEST:
    return m->u.sreq.nt_version;
  case MSL_NETLOGON_SAM_LOGON_RESPONSE:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE:
  case MSL_NETLOGON_SAM_USER_UNKNOWN:
    return m->u.sresp.nt_version;
  }
  return m->u.ex.nt_version;
}

/* Token 0: LmNtToken, 1: Lm20Token. */
static uint16_t token(const msl_netlogon *m, int lm20) {
  switch (m->opcode) {
  case MSL_NETLOGON_PRIMARY_QUERY:
    return lm20 ? m->u.pq.lm20_token : m->u.pq.lmnt_token;
  case MSL_NETLOGON_PRIMARY_RESPONSE:
    return lm20 ? m->u.pr.lm20_token : m->u.pr.lmnt_token;
  case MSL_NETLOGON_SAM_LOGON_REQUEST:
    return lm20 ? m->u.sreq.lm20_token : m->u.sreq.lmnt_token;
  case MSL_NETLOGON_SAM_LOGON_RESPONSE:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE:
  case MSL_NETLOGON_SAM_USER_UNKNOWN:
    return lm20 ? m->u.sresp.lm20_token : m->u.sresp.lmnt_token;
  }
  return lm20 ? m->u.ex.lm20_token : m->u.ex.lmnt_token;
}

static uint64_t lmnt_token(const void *base) { return token(msg(base), 0); }
static uint64_t lm20_token(const void *base) { return token(msg(base), 1); }

#define MSL_FST msl_netlogon
#define UTF16(label, abbrev, key, member)                                      \
  MSL_F(label, abbrev, key, MSL_FT_UTF16, member)
#define DNAME(label, abbrev, key, member)                                      \
  MSL_F(label, abbrev, key, MSL_FT_DNAME, member)
#define FLAGS(member)                                                          \
  MSL_FX("Flags", "smb_netlogon.flags", "flags", MSL_FT_UINT, member,          \
         MSL_FBITSKEY("flags"), .flags = MSL_FF_HEX | MSL_FF_BITLIST,          \
         .digits = 8, .name = msl_netlogon_dsflag_name)
#define NL "smb_netlogon."
/* Strings whose key is their tshark name after "smb_netlogon." */
#define ASCII_NL(label, key, member) MSL_FSTR(label, NL key, key, member)
#define UTF16_NL(label, key, member) UTF16(label, NL key, key, member)
#define EX_NAME(label, key, i)                                                 \
  DNAME(label, NL key, key, u.ex.names[MSL_NETLOGON_EX_##i])

static const msl_field F[N_FIELDS] = {
    [COMMAND] = {"Command", NL "command", MSL_FKEYN("command"),
                 .type = MSL_FT_UINT, MSL_FAT(msl_netlogon, opcode),
                 .flags = MSL_FF_HEX, .digits = 2, .name = opcode_name,
                 .nul = "unknown"},
    [PQ_COMPUTER] = ASCII_NL("Computer Name", "computer_name", u.pq.computer),
    [PQ_MAILSLOT] = ASCII_NL("Mailslot Name", "mailslot_name", u.pq.mailslot),
    [PQ_UNICODE_COMPUTER] =
        UTF16_NL("Unicode Computer Name", "unicode_computer_name",
                 u.pq.unicode_computer),
    [SHORT_FORM] = {"Short form", NULL, MSL_FKEY("short_form"),
                    .type = MSL_FT_TRUE},
    [PR_PDC] = ASCII_NL("PDC Name", "pdc_name", u.pr.pdc_name),
    [PR_UNICODE_PDC] =
        UTF16_NL("Unicode PDC Name", "unicode_pdc_name", u.pr.unicode_pdc_name),
    [PR_DOMAIN] = UTF16_NL("Domain Name", "domain_name", u.pr.unicode_domain),
    [SQ_REQUEST_COUNT] = MSL_FNUM("Request Count", NL "request_count",
                                  "request_count", u.sreq.request_count),
    [SQ_UNICODE_COMPUTER] =
        UTF16_NL("Unicode Computer Name", "unicode_computer_name",
                 u.sreq.unicode_computer),
    [SQ_USER] = UTF16_NL("User Name", "user_name", u.sreq.unicode_user),
    [SQ_MAILSLOT] = ASCII_NL("Mailslot Name", "mailslot_name", u.sreq.mailslot),
    [SQ_ACCOUNT_CONTROL] =
        MSL_FHEX("Allowable Account Control", NL "flags", "account_control",
                 u.sreq.account_control, 8),
    [SQ_SID_SIZE] = MSL_FNUM("Domain SID Size", NL "domain_sid_size",
                             "domain_sid_size", u.sreq.sid_size),
    [SQ_SID] =
        MSL_F("Domain SID", NULL, "domain_sid_hex", MSL_FT_BYTES, u.sreq.sid),
    [SR_SERVER] =
        UTF16_NL("Logon Server", "server_name", u.sresp.unicode_logon_server),
    [SR_USER] = UTF16_NL("User Name", "user_name", u.sresp.unicode_user),
    [SR_DOMAIN] =
        UTF16_NL("Domain Name", "domain_name", u.sresp.unicode_domain),
    [SR_V5] = MSL_F("V5", NULL, "v5", MSL_FT_BOOL, u.sresp.v5),
    [SR_DOMAIN_GUID] = MSL_F("Domain GUID", NL "domain.guid", "domain_guid",
                             MSL_FT_GUID, u.sresp.domain_guid),
    [SR_NULL_GUID] = {"Null GUID", NULL, .type = MSL_FT_GUID,
                      MSL_FAT(msl_netlogon, u.sresp.null_guid)},
    [SR_FOREST] = DNAME("DNS Forest Name", NL "forest_dns_name",
                        "forest_dns_name", u.sresp.dns_forest),
    [SR_DNS_DOMAIN] = DNAME("DNS Domain Name", NL "domain_dns_name",
                            "domain_dns_name", u.sresp.dns_domain),
    [SR_DNS_HOST] = DNAME("DNS Host Name", NL "server_dns_name",
                          "server_dns_name", u.sresp.dns_host),
    [SR_DC_IP] = {"DC IP Address", NL "server_ip", MSL_FKEY("server_ip"),
                  .type = MSL_FT_IPV4, MSL_FAT(msl_netlogon, u.sresp.dc_ip),
                  .flags = MSL_FF_NET},
    [SR_FLAGS] = FLAGS(u.sresp.flags),
    [EX_SBZ] = MSL_FNUM("Sbz", NULL, "sbz", u.ex.sbz),
    [EX_FLAGS] = FLAGS(u.ex.flags),
    [EX_DOMAIN_GUID] = MSL_F("Domain GUID", NL "domain.guid", "domain_guid",
                             MSL_FT_GUID, u.ex.domain_guid),
    /* the eight names, whose keys are tshark's names */
    [EX_FOREST] = EX_NAME("DNS Forest Name", "forest_dns_name", DNS_FOREST),
    [EX_DNS_DOMAIN] = EX_NAME("DNS Domain Name", "domain_dns_name", DNS_DOMAIN),
    [EX_DNS_HOST] = EX_NAME("DNS Host Name", "server_dns_name", DNS_HOST),
    [EX_NB_DOMAIN] = EX_NAME("NetBIOS Domain Name", "domain_name", NB_DOMAIN),
    [EX_NB_COMPUTER] =
        EX_NAME("NetBIOS Computer Name", "server_name", NB_COMPUTER),
    [EX_USER] = EX_NAME("User Name", "user_name", USER),
    [EX_DC_SITE] = EX_NAME("DC Site Name", "server_site_name", DC_SITE),
    [EX_CLIENT_SITE] =
        EX_NAME("Client Site Name", "client_site_name", CLIENT_SITE),
    [EX_SOCKADDR_SIZE] = MSL_FNUM("DC SockAddr Size", NULL, "dc_sockaddr_size",
                                  u.ex.sockaddr_size),
    [EX_SOCKADDR] = MSL_F("DC SockAddr", NULL, "dc_sockaddr_hex", MSL_FT_BYTES,
                          u.ex.sockaddr),
    [EX_FAMILY] =
        MSL_FNUM("Family", NULL, "dc_sockaddr_family", u.ex.sin_family),
    [EX_PORT] = MSL_FNUM("Port", NULL, "dc_sockaddr_port", u.ex.sin_port),
    [EX_ADDRESS] = {"Address", NL "server_ip", MSL_FKEY("server_ip"),
                    .type = MSL_FT_IPV4, MSL_FAT(msl_netlogon, u.ex.sin_addr),
                    .flags = MSL_FF_NET},
    [EX_NEXT_CLOSEST_SITE] =
        DNAME("Next Closest Site Name", NULL, "next_closest_site_name",
              u.ex.next_closest_site),
    [NT_VERSION] = {"NtVersion", NL "nt_version", MSL_FKEYS("nt_version"),
                    .type = MSL_FT_UINT, .get = nt_version,
                    .flags = MSL_FF_HEX | MSL_FF_BITLIST, .digits = 8,
                    .name = msl_netlogon_ntversion_name},
    [LMNT_TOKEN] = {"LmNtToken", NL "lmnt_token", MSL_FKEY("lmnt_token"),
                    .type = MSL_FT_UINT, .get = lmnt_token, .flags = MSL_FF_HEX,
                    .digits = 4},
    [LM20_TOKEN] = {"Lm20Token", NL "lm_token", MSL_FKEY("lm_token"),
                    .type = MSL_FT_UINT, .get = lm20_token, .flags = MSL_FF_HEX,
                    .digits = 4},
    [TRAILER] = MSL_F("Bytes after the message", NULL, "trailing_hex",
                      MSL_FT_BYTES, trailer),
};

#undef MSL_FST
#undef UTF16
#undef DNAME
#undef FLAGS
#undef NL
#undef ASCII_NL
#undef UTF16_NL
#undef EX_NAME

const msl_field_table msl_ft_netlogon = {"smb_netlogon", F, N_FIELDS};

MSL_FIELD_COMMAND_LAYOUT(msl_fl_netlogon_command, COMMAND);

static const msl_field_item tail_items[] = {MSL_FIW(TRAILER, MSL_IF_NONZERO)};
MSL_FIELD_LAYOUT_DEF_NOTEXT(static, tail, tail_items, NULL);

static const msl_field_item tokens_items[] = {
    MSL_FI(NT_VERSION), MSL_FI(LMNT_TOKEN), MSL_FI(LM20_TOKEN)};
MSL_FIELD_LAYOUT_DEF_NOTEXT(static, tokens, tokens_items, &tail);

/* 0x07 [MS-ADTS 6.3.1.4]; the Win9x short form has only Lm20Token. */
static const msl_field_item pq_short_items[] = {
    MSL_FI(PQ_COMPUTER), MSL_FI(PQ_MAILSLOT),
    MSL_FIW(SHORT_FORM, MSL_ONLY_JSON), MSL_FI(LM20_TOKEN)};
static const msl_field_item pq_short_text[] = {
    MSL_FIW(PQ_COMPUTER, MSL_SAY(" ")),
    MSL_FIW(PQ_MAILSLOT, MSL_SAY(" reply "))};
MSL_FIELD_LAYOUT_DEF(static, pq_short, pq_short_items, pq_short_text, &tail);

static const msl_field_item pq_items[] = {
    MSL_FI(PQ_COMPUTER), MSL_FI(PQ_MAILSLOT), MSL_FI(PQ_UNICODE_COMPUTER)};
static const msl_field_item pq_text[] = {
    MSL_FIW(PQ_COMPUTER, MSL_SAY(" ")),
    MSL_FIW(PQ_MAILSLOT, MSL_SAY(" reply ")),
    MSL_FIW(NT_VERSION, MSL_SAY(" ntver "))};
MSL_FIELD_LAYOUT_DEF(static, pq, pq_items, pq_text, &tokens);

/* 0x0C [MS-ADTS 6.3.1.5] */
static const msl_field_item pr_short_items[] = {
    MSL_FI(PR_PDC), MSL_FIW(SHORT_FORM, MSL_ONLY_JSON)};
static const msl_field_item pr_short_text[] = {
    MSL_FIW(PR_PDC, MSL_SAY(" pdc "))};
MSL_FIELD_LAYOUT_DEF(static, pr_short, pr_short_items, pr_short_text, &tail);

static const msl_field_item pr_items[] = {
    MSL_FI(PR_PDC), MSL_FI(PR_UNICODE_PDC), MSL_FI(PR_DOMAIN)};
static const msl_field_item pr_text[] = {
    MSL_FIW(PR_PDC, MSL_SAY(" pdc ")), MSL_FIW(PR_DOMAIN, MSL_SAY(" domain "))};
MSL_FIELD_LAYOUT_DEF(static, pr, pr_items, pr_text, &tokens);

/* 0x12 [MS-ADTS 6.3.1.6] */
static const msl_field_item sreq_items[] = {
    MSL_FI(SQ_REQUEST_COUNT), MSL_FI(SQ_UNICODE_COMPUTER), MSL_FI(SQ_USER),
    MSL_FI(SQ_MAILSLOT),      MSL_FI(SQ_ACCOUNT_CONTROL),  MSL_FI(SQ_SID_SIZE),
    MSL_FIW(SQ_SID, MSL_IF_NONZERO)};
static const msl_field_item sreq_text[] = {
    MSL_FIW(SQ_UNICODE_COMPUTER, MSL_SAY(" ")),
    MSL_FIW(SQ_USER, MSL_SAY2(" user \"", "\"")),
    MSL_FIW(SQ_MAILSLOT, MSL_SAY(" reply ")),
    MSL_FIW(NT_VERSION, MSL_SAY(" ntver "))};
MSL_FIELD_LAYOUT_DEF(static, sreq, sreq_items, sreq_text, &tokens);

/* 0x13-0x15: the NT40 form, and the V5 form's additions [6.3.1.7-8] */
static int v5(const msl_field_ctx *c) {
  return ((const msl_netlogon *)c->base)->u.sresp.v5;
}

static const msl_field_item sresp_items[] = {
    MSL_FI(SR_SERVER), MSL_FI(SR_USER), MSL_FI(SR_DOMAIN),
    MSL_FIW(SR_V5, MSL_ONLY_JSON), MSL_FIW(SR_DOMAIN_GUID, MSL_IF(v5)),
    MSL_FIW(SR_NULL_GUID, MSL_ONLY_TREE, MSL_IF(v5)),
    MSL_FIW(SR_FOREST, MSL_IF(v5)), MSL_FIW(SR_DNS_DOMAIN, MSL_IF(v5)),
    MSL_FIW(SR_DNS_HOST, MSL_IF(v5)), MSL_FIW(SR_DC_IP, MSL_IF(v5)),
    MSL_FIW(SR_FLAGS, MSL_IF(v5))};
static const msl_field_item sresp_text[] = {
    MSL_FIW(SR_SERVER, MSL_SAY(" server ")),
    MSL_FIW(SR_DOMAIN, MSL_SAY(" domain ")),
    MSL_FIW(SR_USER, MSL_SAY2(" user \"", "\""))};
MSL_FIELD_LAYOUT_DEF(static, sresp, sresp_items, sresp_text, &tokens);

/* 0x17-0x19 [6.3.1.9] */
static int sockaddr(const msl_field_ctx *c) {
  return ((const msl_netlogon *)c->base)->u.ex.has_sockaddr;
}

static int sockaddr_in(const msl_field_ctx *c) {
  const msl_netlogon *m = c->base;
  return m->u.ex.has_sockaddr && m->u.ex.sockaddr_size >= 8;
}

static int next_closest_site(const msl_field_ctx *c) {
  return ((const msl_netlogon *)c->base)->u.ex.has_next_closest_site;
}

static const msl_field_item ex_items[] = {
    MSL_FI(EX_SBZ), MSL_FI(EX_FLAGS), MSL_FI(EX_DOMAIN_GUID),
    MSL_FI(EX_FOREST), MSL_FI(EX_DNS_DOMAIN), MSL_FI(EX_DNS_HOST),
    MSL_FI(EX_NB_DOMAIN), MSL_FI(EX_NB_COMPUTER), MSL_FI(EX_USER),
    MSL_FI(EX_DC_SITE), MSL_FI(EX_CLIENT_SITE),
    MSL_FIW(EX_SOCKADDR_SIZE, MSL_IF(sockaddr)),
    MSL_FIW(EX_SOCKADDR, MSL_ONLY_JSON, MSL_IF(sockaddr)),
    MSL_FIW(EX_FAMILY, MSL_NESTED, MSL_IF(sockaddr_in)),
    MSL_FIW(EX_PORT, MSL_NESTED, MSL_IF(sockaddr_in)),
    MSL_FIW(EX_ADDRESS, MSL_NESTED, MSL_IF(sockaddr_in)),
    MSL_FIW(EX_NEXT_CLOSEST_SITE, MSL_IF(next_closest_site))};
static const msl_field_item ex_text[] = {
    MSL_FIW(EX_DNS_HOST, MSL_SAY(" server ")),
    MSL_FIW(EX_NB_DOMAIN, MSL_SAY(" domain ")),
    MSL_FIW(EX_USER, MSL_SAY2(" user \"", "\" flags ")), MSL_FI(EX_FLAGS)};
MSL_FIELD_LAYOUT_DEF(static, ex, ex_items, ex_text, &tokens);

const msl_field_layout *msl_fields_netlogon_body(const msl_netlogon *m,
                                                 int partial) {
  /* Cut or refused: the command only (the layout of the rest varies). */
  switch (partial ? 0 : m->opcode) {
  case MSL_NETLOGON_PRIMARY_QUERY:
    return m->u.pq.short_form ? &pq_short : &pq;
  case MSL_NETLOGON_PRIMARY_RESPONSE:
    return m->u.pr.short_form ? &pr_short : &pr;
  case MSL_NETLOGON_SAM_LOGON_REQUEST:
    return &sreq;
  case MSL_NETLOGON_SAM_LOGON_RESPONSE:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE:
  case MSL_NETLOGON_SAM_USER_UNKNOWN:
    return &sresp;
  case MSL_NETLOGON_SAM_LOGON_RESPONSE_EX:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE_EX:
  case MSL_NETLOGON_SAM_USER_UNKNOWN_EX:
    return &ex;
  }
  return &tail;
}
