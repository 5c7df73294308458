/*
 * Field table of the NetBIOS name service [RFC 1002 4.2] (msl_nbns): the
 * header, the questions, and the resource records of the three sections
 * with what their RDATA holds by type (NB addresses, node-status names and
 * statistics, an A address, other bytes). The entries shown are those read
 * (msl_pr_nbns_shown): all of them, or those before a fault.
 */
#include "msl_fields_json.h"

enum {
  /* the header */
  ID, FLAGS, RESPONSE, OPCODE, AUTHORITATIVE, TRUNCATED, RECURSION_DESIRED,
  RECURSION_AVAILABLE, BROADCAST, RCODE, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT,
  QUESTIONS, ANSWERS, AUTHORITY, ADDITIONAL, OVER, TRAILER,
  /* a question (msl_nbns_question) */
  Q_NAME, Q_TYPE, Q_CLASS,
  /* a resource record (msl_nbns_rr) */
  RR_NAME, RR_TYPE, RR_CLASS, RR_TTL, RR_DATA_LENGTH, RR_WACK_FLAGS,
  RR_ADDRESSES, RR_EXTRA, RR_NUM_NAMES, RR_NAMES, RR_STATISTICS, RR_ADDR,
  RR_DATA,
  /* an NB entry (msl_nbns_nb) */
  NB_ADDR, NB_GROUP, NB_ONT, NB_FLAGS,
  /* a node-status name (msl_field_node_name) */
  NN_NAME, NN_GROUP, NN_ONT, NN_FLAGS, NN_DRG, NN_CNF, NN_ACT, NN_PRM,
  /* the statistics of a node status response (msl_nbns_stats) */
  UNIT_ID, JUMPERS, TEST_RESULT, VERSION_NUMBER, PERIOD_OF_STATISTICS,
  NUMBER_OF_CRCS, NUMBER_ALIGNMENT_ERRORS, NUMBER_OF_COLLISIONS,
  NUMBER_SEND_ABORTS, NUMBER_GOOD_SENDS, NUMBER_GOOD_RECEIVES,
  NUMBER_RETRANSMITS, NUMBER_NO_RESOURCE_CONDITIONS,
  NUMBER_FREE_COMMAND_BLOCKS, TOTAL_NUMBER_COMMAND_BLOCKS,
  MAX_TOTAL_NUMBER_COMMAND_BLOCKS, NUMBER_PENDING_SESSIONS,
  MAX_NUMBER_PENDING_SESSIONS, MAX_TOTAL_SESSIONS_POSSIBLE,
  SESSION_DATA_PACKET_SIZE,
  N_FIELDS
};

static const char *opcode_name(uint32_t v) { return msl_nbns_opcode_name(v); }

static const char *rcode_name(uint32_t v) { return msl_nbns_rcode_name(v); }

static const char *type_name(uint32_t v) { return msl_nbns_type_name(v); }

static const char *ont_name(uint32_t v) {
  return msl_nbns_ont_name((uint16_t)(v << 13));
}

/* NM_FLAGS by their RFC names (the opcode and rcode bits are not flags). */
static const msl_field_val hflags[] = {{MSL_NBNS_F_RESPONSE, "R"},
                                       {MSL_NBNS_F_AA, "AA"},
                                       {MSL_NBNS_F_TC, "TC"},
                                       {MSL_NBNS_F_RD, "RD"},
                                       {MSL_NBNS_F_RA, "RA"},
                                       {MSL_NBNS_F_B, "B"},
                                       {0, NULL}};

/* How many entries of section s are shown (0 questions, 1 answer, 2
 * authority, 3 additional records). */
static size_t shown(const msl_field_ctx *c, unsigned s) {
  const msl_nbns *m = &c->d->nbns;
  size_t n[4];
  if (c->d->nbns_ok) { /* all that are stored */
    size_t count = s == 0   ? m->qdcount
                   : s == 1 ? m->ancount
                   : s == 2 ? m->nscount
                            : m->arcount;
    size_t cap = s ? MSL_NBNS_MAX_RR : MSL_NBNS_MAX_QD;
    return count < cap ? count : cap;
  }
  msl_pr_nbns_shown(c->d, n);
  return n[s];
}

static int question_next(const msl_field_ctx *c, const msl_field *f,
                         msl_field_iter *it) {
  const msl_nbns *m = c->base;
  (void)f;
  if (!it->i)
    it->n = shown(c, 0);
  if (it->i >= it->n)
    return 0;
  it->elem = &m->qd[it->i];
  return 1;
}

/* The records of section f->arg (1 answer, 2 authority, 3 additional). */
static int rr_next(const msl_field_ctx *c, const msl_field *f,
                   msl_field_iter *it) {
  const msl_nbns *m = c->base;
  if (!it->i)
    it->n = shown(c, f->arg);
  if (it->i >= it->n)
    return 0;
  it->elem = f->arg == 1   ? &m->an[it->i]
             : f->arg == 2 ? &m->ns[it->i]
                           : &m->ar[it->i];
  return 1;
}

static int nb_next(const msl_field_ctx *c, const msl_field *f,
                   msl_field_iter *it) {
  (void)f;
  it->elem = &it->u.nb;
  return msl_nbns_rr_nb(c->base, it->i, &it->u.nb);
}

static int node_name_next(const msl_field_ctx *c, const msl_field *f,
                          msl_field_iter *it) {
  msl_nbns_node_name nn;
  (void)f;
  if (!msl_nbns_rr_node_name(c->base, it->i, &nn))
    return 0;
  msl_nbname_from_raw(&it->u.nn.name, nn.name, NULL);
  it->u.nn.flags = nn.flags;
  it->elem = &it->u.nn;
  return 1;
}

/* "Address: 198.18.5.1 flags 0x6000", "Node name: NAME<00> flags 0x0400" */
static void nb_flags_tail(msl_out *o, const msl_field_ctx *c) {
  msl_pr_str(o, " flags ");
  msl_out_hex0x(o, ((const msl_nbns_nb *)c->base)->flags, 4);
}

static void node_flags_tail(msl_out *o, const msl_field_ctx *c) {
  msl_pr_str(o, " flags ");
  msl_out_hex0x(o, ((const msl_field_node_name *)c->base)->flags, 4);
}

static const msl_field_layout question, rr, nb_entry, node_name, statistics;

#define NB "nbns."
/* A field of struct st, with more designators. */
#define FIELD(label, abbrev, key, ft, st, member, ...)                         \
  MSL_FDEFX(label, NB abbrev, key, ft, st, member, __VA_ARGS__)
#define HDR_BIT(label, abbrev, bit)                                            \
  {label, NB abbrev, .type = MSL_FT_BOOL, MSL_FAT(msl_nbns, flags),            \
   .mask = (bit), .width = 16}
#define SECTION(label, key, section)                                           \
  {label, NULL, MSL_FKEY(key), .type = MSL_FT_LIST, .flags = MSL_FF_HEADING,   \
   .sub = &rr, .next = rr_next, .arg = (section)}
#define TYPE(st)                                                               \
  FIELD("Type", "type", "type", MSL_FT_UINT, st, type, MSL_FNAMEKEY("type"),   \
        .name = type_name, .style = MSL_FN_NAME_NUM)
#define CLASS(st, member)                                                      \
  MSL_FDEF("Class", NB "class", "class", MSL_FT_UINT, st, member)
#define NAME_BIT(label, abbrev, key, st, bit)                                  \
  FIELD(label, abbrev, key, MSL_FT_BOOL, st, flags, .mask = (bit), .width = 16)
#define ONT(abbrev, st)                                                        \
  FIELD("Owner node type", abbrev, "node", MSL_FT_UINT, st, flags,             \
        MSL_FNAMEKEY("node"), .mask = MSL_NBNS_NB_ONT, .width = 16,            \
        .flags = MSL_FF_DOTTED, .name = ont_name, .style = MSL_FN_NAME)
/* A statistic: tshark's name is "nbns." and its key, but for STATX. */
#define STATX(label, abbrev, key, member)                                      \
  MSL_FDEF(label, abbrev, key, MSL_FT_UINT, msl_nbns_stats, member)
#define STAT(label, key, member) STATX(label, NB key, key, member)
#define MSL_FST msl_nbns

static const msl_field F[N_FIELDS] = {
    [ID] = MSL_FHEX("Transaction ID", NB "id", "id", trn_id, 4),
    [FLAGS] = MSL_FX("Flags", NB "flags", "flags", MSL_FT_UINT, flags,
                     MSL_FBITSKEY("flags"), .flags = MSL_FF_HEX, .digits = 4,
                     .bmask = 0xffffu & ~(MSL_NBNS_F_OPCODE | MSL_NBNS_F_RCODE),
                     .vals = hflags),
    [RESPONSE] =
        MSL_FX("Response", NB "flags.response", "response", MSL_FT_BOOL, flags,
               .mask = MSL_NBNS_F_RESPONSE, .width = 16),
    [OPCODE] = MSL_FX("Opcode", NB "flags.opcode", "opcode", MSL_FT_UINT, flags,
                      MSL_FNAMEKEY("opcode"), .mask = MSL_NBNS_F_OPCODE,
                      .name = opcode_name),
    [AUTHORITATIVE] =
        HDR_BIT("Authoritative", "flags.authoritative", MSL_NBNS_F_AA),
    [TRUNCATED] = HDR_BIT("Truncated", "flags.truncated", MSL_NBNS_F_TC),
    [RECURSION_DESIRED] =
        HDR_BIT("Recursion desired", "flags.recdesired", MSL_NBNS_F_RD),
    [RECURSION_AVAILABLE] =
        HDR_BIT("Recursion available", "flags.recavail", MSL_NBNS_F_RA),
    [BROADCAST] = HDR_BIT("Broadcast", "flags.broadcast", MSL_NBNS_F_B),
    [RCODE] = MSL_FX("Reply code", NB "flags.rcode", "rcode", MSL_FT_UINT,
                     flags, MSL_FNAMEKEY("rcode"), .mask = MSL_NBNS_F_RCODE,
                     .name = rcode_name),
    [QDCOUNT] = MSL_FNUM("Questions", NB "count.queries", "qdcount", qdcount),
    [ANCOUNT] = MSL_FNUM("Answer RRs", NB "count.answers", "ancount", ancount),
    [NSCOUNT] =
        MSL_FNUM("Authority RRs", NB "count.auth_rr", "nscount", nscount),
    [ARCOUNT] =
        MSL_FNUM("Additional RRs", NB "count.add_rr", "arcount", arcount),
    [QUESTIONS] = {"Question", NULL, MSL_FKEY("questions"), .type = MSL_FT_LIST,
                   .flags = MSL_FF_HEADING, .sub = &question,
                   .next = question_next},
    [ANSWERS] = SECTION("Answer", "answers", 1),
    [AUTHORITY] = SECTION("Authority", "authority", 2),
    [ADDITIONAL] = SECTION("Additional", "additional", 3),
    [OVER] = MSL_FNUM("Entries not shown", NULL, "entries_not_shown", over),
    [TRAILER] = MSL_F("Bytes after the records", NULL, "trailing_hex",
                      MSL_FT_BYTES, trailer),
    [Q_NAME] = MSL_FDEF("Name", NB "name", "name", MSL_FT_NBNAME,
                        msl_nbns_question, name.nb),
    [Q_TYPE] = TYPE(msl_nbns_question),
    [Q_CLASS] = CLASS(msl_nbns_question, qclass),
    [RR_NAME] = MSL_FDEF("Name", NB "name", "name", MSL_FT_NBNAME, msl_nbns_rr,
                         name.nb),
    [RR_TYPE] = TYPE(msl_nbns_rr),
    [RR_CLASS] = CLASS(msl_nbns_rr, rrclass),
    [RR_TTL] = FIELD("Time to live", "ttl", "ttl", MSL_FT_UINT, msl_nbns_rr,
                     ttl, .unit = " s"),
    [RR_DATA_LENGTH] = MSL_FDEF("Data length", NB "data_length", "data_length",
                                MSL_FT_UINT, msl_nbns_rr, rdata.len),
    [RR_WACK_FLAGS] =
        MSL_FDEFX("Request flags", NULL, "wack_flags", MSL_FT_UINT, msl_nbns_rr,
                  wack_flags, .flags = MSL_FF_HEX, .digits = 4),
    [RR_ADDRESSES] = {"Addresses", NULL, MSL_FKEY("addresses"),
                      .type = MSL_FT_LIST, .sub = &nb_entry, .next = nb_next},
    [RR_EXTRA] = MSL_FDEF("Extra bytes", NULL, "extra_bytes", MSL_FT_UINT,
                          msl_nbns_rr, nb_extra),
    [RR_NUM_NAMES] =
        MSL_FDEF("Number of names", NB "number_of_names", "number_of_names",
                 MSL_FT_UINT, msl_nbns_rr, num_names),
    [RR_NAMES] = {"Node names", NULL, MSL_FKEY("names"), .type = MSL_FT_LIST,
                  .sub = &node_name, .next = node_name_next},
    [RR_STATISTICS] = MSL_FDEFX("Statistics", NULL, "statistics", MSL_FT_OBJECT,
                                msl_nbns_rr, stats, .sub = &statistics),
    [RR_ADDR] = MSL_FDEF("Address", NB "addr", "addr", MSL_FT_IPV4, msl_nbns_rr,
                         a_addr),
    [RR_DATA] = MSL_FDEF("Data", NB "data", "data_hex", MSL_FT_BYTES,
                         msl_nbns_rr, rdata),
    [NB_ADDR] = FIELD("Address", "addr", "addr", MSL_FT_IPV4, msl_nbns_nb, addr,
                      .tail = nb_flags_tail),
    [NB_GROUP] = NAME_BIT("Group name", "nb_flags.group", "group", msl_nbns_nb,
                          MSL_NBNS_NB_G),
    [NB_ONT] = ONT("nb_flags.ont", msl_nbns_nb),
    [NB_FLAGS] = MSL_FDEF("Name flags", NB "nb_flags", "nb_flags", MSL_FT_UINT,
                          msl_nbns_nb, flags),
    [NN_NAME] = FIELD("Node name", "netbios_name", "name", MSL_FT_NBNAME,
                      msl_field_node_name, name, .tail = node_flags_tail),
    [NN_GROUP] = NAME_BIT("Group name", "name_flags.group", "group",
                          msl_field_node_name, MSL_NBNS_NB_G),
    [NN_ONT] = ONT("name_flags.ont", msl_field_node_name),
    [NN_FLAGS] = MSL_FDEF("Name flags", NB "name_flags", "name_flags",
                          MSL_FT_UINT, msl_field_node_name, flags),
    [NN_DRG] = NAME_BIT("Being deregistered", "name_flags.drg", "drg",
                        msl_field_node_name, MSL_NBNS_NAME_DRG),
    [NN_CNF] = NAME_BIT("In conflict", "name_flags.cnf", "cnf",
                        msl_field_node_name, MSL_NBNS_NAME_CNF),
    [NN_ACT] = NAME_BIT("Active", "name_flags.act", "act", msl_field_node_name,
                        MSL_NBNS_NAME_ACT),
    [NN_PRM] = NAME_BIT("Permanent node name", "name_flags.prm", "prm",
                        msl_field_node_name, MSL_NBNS_NAME_PRM),
    [UNIT_ID] = MSL_FDEF("Unit ID", NB "unit_id", "unit_id", MSL_FT_ETHER,
                         msl_nbns_stats, unit_id),
    [JUMPERS] = STAT("Jumpers", "jumpers", jumpers),
    [TEST_RESULT] = STAT("Test result", "test_result", test_result),
    [VERSION_NUMBER] = STAT("Version number", "version_number", version_number),
    [PERIOD_OF_STATISTICS] = STAT("Period of statistics",
                                  "period_of_statistics", period_of_statistics),
    [NUMBER_OF_CRCS] = STAT("Number of CRCs", "num_crcs", number_of_crcs),
    [NUMBER_ALIGNMENT_ERRORS] =
        STAT("Number of alignment errors", "num_alignment_errors",
             number_alignment_errors),
    [NUMBER_OF_COLLISIONS] =
        STAT("Number of collisions", "num_collisions", number_of_collisions),
    [NUMBER_SEND_ABORTS] =
        STAT("Number of send aborts", "num_send_aborts", number_send_aborts),
    [NUMBER_GOOD_SENDS] =
        STAT("Number of good sends", "num_good_sends", number_good_sends),
    [NUMBER_GOOD_RECEIVES] = STAT("Number of good receives",
                                  "num_good_receives", number_good_receives),
    /* tshark's names of these three differ from the keys */
    [NUMBER_RETRANSMITS] = STATX("Number of retransmits", NB "numretransmits",
                                 "num_retransmits", number_retransmits),
    [NUMBER_NO_RESOURCE_CONDITIONS] =
        STAT("Number of no resource conditions", "num_no_resource_conditions",
             number_no_resource_conditions),
    /* (tshark shows one of the three command-block counts, the first) */
    [NUMBER_FREE_COMMAND_BLOCKS] =
        STATX("Number of free command blocks", NB "numcommand_blocks",
              "num_free_command_blocks", number_free_command_blocks),
    [TOTAL_NUMBER_COMMAND_BLOCKS] =
        STATX("Total number of command blocks", NULL, "total_command_blocks",
              total_number_command_blocks),
    [MAX_TOTAL_NUMBER_COMMAND_BLOCKS] =
        STATX("Max total number of command blocks", NULL,
              "max_total_command_blocks", max_total_number_command_blocks),
    [NUMBER_PENDING_SESSIONS] =
        STATX("Number of pending sessions", NB "numpending_sessions",
              "num_pending_sessions", number_pending_sessions),
    [MAX_NUMBER_PENDING_SESSIONS] =
        STAT("Max number of pending sessions", "max_num_pending_sessions",
             max_number_pending_sessions),
    [MAX_TOTAL_SESSIONS_POSSIBLE] =
        STAT("Max total sessions possible", "max_total_sessions_possible",
             max_total_sessions_possible),
    [SESSION_DATA_PACKET_SIZE] =
        STAT("Session data packet size", "session_data_packet_size",
             session_data_packet_size),
};

#undef NB
#undef FIELD
#undef HDR_BIT
#undef SECTION
#undef TYPE
#undef CLASS
#undef NAME_BIT
#undef ONT
#undef STAT
#undef STATX
#undef MSL_FST

const msl_field_table msl_ft_nbns = {"nbns", F, N_FIELDS};

/* Every statistic, in wire order. */
static const msl_field_item statistics_items[] = {
    MSL_FI(UNIT_ID),
    MSL_FI(JUMPERS),
    MSL_FI(TEST_RESULT),
    MSL_FI(VERSION_NUMBER),
    MSL_FI(PERIOD_OF_STATISTICS),
    MSL_FI(NUMBER_OF_CRCS),
    MSL_FI(NUMBER_ALIGNMENT_ERRORS),
    MSL_FI(NUMBER_OF_COLLISIONS),
    MSL_FI(NUMBER_SEND_ABORTS),
    MSL_FI(NUMBER_GOOD_SENDS),
    MSL_FI(NUMBER_GOOD_RECEIVES),
    MSL_FI(NUMBER_RETRANSMITS),
    MSL_FI(NUMBER_NO_RESOURCE_CONDITIONS),
    MSL_FI(NUMBER_FREE_COMMAND_BLOCKS),
    MSL_FI(TOTAL_NUMBER_COMMAND_BLOCKS),
    MSL_FI(MAX_TOTAL_NUMBER_COMMAND_BLOCKS),
    MSL_FI(NUMBER_PENDING_SESSIONS),
    MSL_FI(MAX_NUMBER_PENDING_SESSIONS),
    MSL_FI(MAX_TOTAL_SESSIONS_POSSIBLE),
    MSL_FI(SESSION_DATA_PACKET_SIZE)};
MSL_FIELD_LAYOUT_DEF_NOTEXT(static, statistics, statistics_items, NULL);

/* An NB entry: "Address: a.b.c.d flags 0x6000", its bits one level down. */
static const msl_field_item nb_entry_items[] = {
    MSL_FI(NB_ADDR), MSL_FIW(NB_GROUP, MSL_NESTED), MSL_FIW(NB_ONT, MSL_NESTED),
    MSL_FIW(NB_FLAGS, MSL_ONLY_JSON)};
MSL_FIELD_LAYOUT_DEF_NOTEXT(static, nb_entry, nb_entry_items, NULL);

static const msl_field_item node_name_items[] = {
    MSL_FI(NN_NAME), MSL_FIW(NN_GROUP, MSL_NESTED), MSL_FIW(NN_ONT, MSL_NESTED),
    MSL_FIW(NN_FLAGS, MSL_ONLY_JSON), MSL_FIW(NN_DRG, MSL_NESTED),
    MSL_FIW(NN_CNF, MSL_NESTED), MSL_FIW(NN_ACT, MSL_NESTED),
    MSL_FIW(NN_PRM, MSL_NESTED)};
MSL_FIELD_LAYOUT_DEF_NOTEXT(static, node_name, node_name_items, NULL);

static const msl_field_item question_items[] = {
    MSL_FI(Q_NAME), MSL_FI(Q_TYPE), MSL_FI(Q_CLASS)};
MSL_FIELD_LAYOUT_DEF_NOTEXT(static, question, question_items, NULL);

/* What a record's RDATA is: a WACK's request flags, NB entries, node
 * status, an A address, or bytes. */
static const msl_nbns_rr *rr_of(const msl_field_ctx *c) { return c->base; }

static int wack(const msl_field_ctx *c) {
  const msl_nbns_rr *r = rr_of(c);
  const msl_nbns *m = &c->d->nbns;
  return r->type == MSL_NBNS_T_NB && msl_nbns_opcode(m) == MSL_NBNS_OP_WACK &&
         msl_nbns_is_response(m) && r->rdata.len == 2;
}

static int nb(const msl_field_ctx *c) {
  return rr_of(c)->type == MSL_NBNS_T_NB && !wack(c);
}

static int nbstat(const msl_field_ctx *c) {
  return rr_of(c)->type == MSL_NBNS_T_NBSTAT;
}

static int nbstat_statistics(const msl_field_ctx *c) {
  return nbstat(c) && rr_of(c)->stats_len;
}

static int a(const msl_field_ctx *c) {
  return rr_of(c)->type == MSL_NBNS_T_A && rr_of(c)->rdata.len >= 4;
}

static int other(const msl_field_ctx *c) {
  unsigned t = rr_of(c)->type;
  return t != MSL_NBNS_T_NB && t != MSL_NBNS_T_NBSTAT && !a(c);
}

static const msl_field_item rr_items[] = {
    MSL_FI(RR_NAME), MSL_FI(RR_TYPE), MSL_FI(RR_CLASS), MSL_FI(RR_TTL),
    MSL_FI(RR_DATA_LENGTH), MSL_FIW(RR_WACK_FLAGS, MSL_IF(wack)),
    MSL_FIW(RR_ADDRESSES, MSL_IF(nb)),
    MSL_FIW(RR_EXTRA, MSL_IF_NONZERO, MSL_IF(nb)),
    MSL_FIW(RR_NUM_NAMES, MSL_IF(nbstat)), MSL_FIW(RR_NAMES, MSL_IF(nbstat)),
    MSL_FIW(RR_STATISTICS, MSL_IF(nbstat_statistics)),
    MSL_FIW(RR_ADDR, MSL_IF(a)),
    MSL_FIW(RR_DATA, MSL_IF_NONZERO, MSL_IF(other))};
MSL_FIELD_LAYOUT_DEF_NOTEXT(static, rr, rr_items, NULL);

/* JSON has the sections when entries were read (all, or those before a
 * fault: Wireshark shows those too); the tree shows the entries read. */
static int entries(const msl_field_ctx *c) {
  return c->d->nbns_ok || c->d->nbns.decoded;
}

static const msl_field_item nbns_items[] = {
    MSL_FI(ID), MSL_FIW(FLAGS, MSL_ONLY_TREE), MSL_FIW(RESPONSE, MSL_NESTED),
    MSL_FIW(OPCODE, MSL_NESTED), MSL_FIW(FLAGS, MSL_ONLY_JSON),
    MSL_FIW(AUTHORITATIVE, MSL_ONLY_TREE, MSL_NESTED),
    MSL_FIW(TRUNCATED, MSL_ONLY_TREE, MSL_NESTED),
    MSL_FIW(RECURSION_DESIRED, MSL_ONLY_TREE, MSL_NESTED),
    MSL_FIW(RECURSION_AVAILABLE, MSL_ONLY_TREE, MSL_NESTED),
    MSL_FIW(BROADCAST, MSL_ONLY_TREE, MSL_NESTED), MSL_FIW(RCODE, MSL_NESTED),
    MSL_FI(QDCOUNT), MSL_FI(ANCOUNT), MSL_FI(NSCOUNT), MSL_FI(ARCOUNT),
    MSL_FIW(QUESTIONS, MSL_IF(entries)), MSL_FIW(ANSWERS, MSL_IF(entries)),
    MSL_FIW(AUTHORITY, MSL_IF(entries)), MSL_FIW(ADDITIONAL, MSL_IF(entries)),
    MSL_FIW(OVER, MSL_ONLY_TREE, MSL_IF_NONZERO),
    MSL_FIW(TRAILER, MSL_ONLY_TREE, MSL_IF_NONZERO),
    MSL_FIW(OVER, MSL_ONLY_JSON, MSL_IF_NONZERO, MSL_IF(entries)),
    MSL_FIW(TRAILER, MSL_ONLY_JSON, MSL_IF_NONZERO, MSL_IF(entries))};
MSL_FIELD_LAYOUT_DEF_NOTEXT(, msl_fl_nbns, nbns_items, NULL);
