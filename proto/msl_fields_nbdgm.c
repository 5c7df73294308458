/*
 * Field table of the NetBIOS datagram service header [RFC 1002 4.4.1]
 * (msl_nbdgm), as far as it was read: DGM_LENGTH and the names only for
 * the direct types 0x10-0x12, the user data only once the names were read.
 */
#include "msl_fields_json.h"

enum {
  TYPE, FLAGS, RESERVED, MORE, FIRST, NODE, ID, SRC_IP, SRC_PORT,
  LENGTH, OFFSET, SRC_NAME, ERROR_CODE, DST_NAME,
  DATA_LEN, MISSING, SHORT_BY, TRAILING, DATA, FRAGMENT, REASSEMBLED,
  N_FIELDS
};

static const char *type_name(uint32_t v) {
  return msl_nbdgm_type_name((uint8_t)v);
}

static const char *node_name(uint32_t v) {
  return msl_nbdgm_snt_name((uint8_t)(v << 2));
}

static const char *error_name(uint32_t v) {
  return msl_nbdgm_error_name((uint8_t)v);
}

/* "... (N short of the packet: ignored, as receivers do)" */
static void length_tail(msl_out *o, const msl_field_ctx *c) {
  const msl_nbdgm *g = c->base;
  if (!g->short_by)
    return;
  msl_pr_str(o, " (");
  msl_out_u64(o, g->short_by);
  msl_pr_str(o, " short of the packet: ignored, as receivers do)");
}

static void data_tail(msl_out *o, const msl_field_ctx *c) {
  const msl_nbdgm *g = c->base;
  if (g->missing) {
    msl_pr_str(o, " (");
    msl_out_u64(o, g->missing);
    msl_pr_str(o, " more announced by DGM_LENGTH are missing)");
  }
  if (c->d->fragment)
    msl_pr_str(o, " (a fragment: decoded once reassembled)");
}

#define MSL_FST msl_nbdgm
#define FLAG(label, abbrev, key, bit)                                          \
  MSL_FX(label, abbrev, key, MSL_FT_BOOL, flags, .mask = (bit), .width = 8)

static const msl_field F[N_FIELDS] = {
    [TYPE] = MSL_FX("Message Type", "nbdgm.type", "type", MSL_FT_UINT, type,
                    MSL_FNAMEKEY("type"), .flags = MSL_FF_HEX, .digits = 2,
                    .name = type_name),
    [FLAGS] = MSL_FX("Flags", "nbdgm.flags", "flags", MSL_FT_UINT, flags,
                     .flags = MSL_FF_HEX, .digits = 2),
    [RESERVED] = {"Reserved", NULL, .type = MSL_FT_BOOL,
                  MSL_FAT(msl_nbdgm, flags), .mask = MSL_NBDGM_FLAG_RESERVED,
                  .width = 8, .flags = MSL_FF_SET},
    [MORE] = FLAG("More fragments follow", "nbdgm.next", "more",
                  MSL_NBDGM_FLAG_MORE),
    [FIRST] =
        FLAG("First fragment", "nbdgm.first", "first", MSL_NBDGM_FLAG_FIRST),
    [NODE] = MSL_FX(
        "Source node type", "nbdgm.node_type", "node", MSL_FT_UINT, flags,
        MSL_FNAMEKEY("node"), .mask = MSL_NBDGM_FLAG_SNT_MASK, .width = 8,
        .flags = MSL_FF_DOTTED, .name = node_name, .style = MSL_FN_NAME_NUM),
    [ID] = MSL_FX("Datagram ID", "nbdgm.dgram_id", "id", MSL_FT_UINT, id,
                  .flags = MSL_FF_HEX, .digits = 4),
    [SRC_IP] =
        MSL_F("Source IP", "nbdgm.src.ip", "src_ip", MSL_FT_IPV4, src_ip),
    [SRC_PORT] = MSL_F("Source Port", "nbdgm.src.port", "src_port", MSL_FT_UINT,
                       src_port),
    [LENGTH] = MSL_FX(
        "Datagram Length", "nbdgm.dgram_len", "length", MSL_FT_UINT, length,
        .unit = " bytes (names and user data)", .tail = length_tail),
    [OFFSET] = MSL_F("Packet Offset", "nbdgm.pkt_offset", "offset", MSL_FT_UINT,
                     offset),
    [SRC_NAME] = MSL_F("Source Name", "nbdgm.source_name", "src_name",
                       MSL_FT_NBNAME, src),
    [ERROR_CODE] = MSL_FX("Error Code", "nbdgm.error_code", "error",
                          MSL_FT_UINT, error_code, MSL_FNAMEKEY("error"),
                          .flags = MSL_FF_HEX, .digits = 2, .name = error_name),
    [DST_NAME] = MSL_F("Destination Name", "nbdgm.destination_name", "dst_name",
                       MSL_FT_NBNAME, dst),
    [DATA_LEN] = MSL_FX("User Data", NULL, "data_len", MSL_FT_UINT, data.len,
                        .unit = " bytes", .tail = data_tail),
    [MISSING] = MSL_F("Bytes missing", NULL, "missing", MSL_FT_UINT, missing),
    [SHORT_BY] = MSL_F("DGM_LENGTH short by", NULL, "length_short_by",
                       MSL_FT_UINT, short_by),
    [TRAILING] = MSL_F("Bytes after DGM_LENGTH", NULL, "trailing_hex",
                       MSL_FT_BYTES, trailing),
    [DATA] = MSL_FX("Fragment data", NULL, "fragment_hex", MSL_FT_BYTES, data,
                    .flags = MSL_FF_DUMP),
    [FRAGMENT] = {"Fragment", NULL, MSL_FKEY("fragment"), .type = MSL_FT_TRUE},
    [REASSEMBLED] = {"Reassembled", NULL, MSL_FKEY("reassembled"),
                     .type = MSL_FT_TRUE},
};

#undef MSL_FST
#undef FLAG

const msl_field_table msl_ft_nbdgm = {"nbdgm", F, N_FIELDS};

static int direct(const msl_field_ctx *c) {
  const msl_nbdgm *g = c->base;
  return g->type >= MSL_NBDGM_DIRECT_UNIQUE && g->type <= MSL_NBDGM_BROADCAST;
}

static int have(const msl_field_ctx *c, unsigned bit) {
  return (((const msl_nbdgm *)c->base)->have & bit) != 0;
}

static int direct_length(const msl_field_ctx *c) {
  return direct(c) && have(c, MSL_NBDGM_HAVE_LENGTH);
}

static int direct_src(const msl_field_ctx *c) {
  return direct(c) && have(c, MSL_NBDGM_HAVE_SRC);
}

/* An ERROR datagram that decoded: its code, and nothing else. */
static int error_code(const msl_field_ctx *c) {
  return ((const msl_nbdgm *)c->base)->type == MSL_NBDGM_ERROR && !c->d->err;
}

static int dst(const msl_field_ctx *c) { return have(c, MSL_NBDGM_HAVE_DST); }

/* The user data, once the names were read. */
static int user_data(const msl_field_ctx *c) {
  return direct(c) && c->d->nbdgm_names;
}

static int fragment_data(const msl_field_ctx *c) {
  return user_data(c) && c->d->fragment;
}

static int fragment(const msl_field_ctx *c) { return c->d->fragment; }

static int reassembled(const msl_field_ctx *c) { return c->d->reassembled; }

static const msl_field_item items[] = {
    MSL_FI(TYPE), MSL_FI(FLAGS),
    MSL_FIW(RESERVED, MSL_ONLY_TREE, MSL_NESTED, MSL_IF_NONZERO),
    MSL_FIW(MORE, MSL_ONLY_JSON), MSL_FIW(FIRST, MSL_ONLY_JSON),
    MSL_FIW(NODE, MSL_NESTED), MSL_FIW(FIRST, MSL_ONLY_TREE, MSL_NESTED),
    MSL_FIW(MORE, MSL_ONLY_TREE, MSL_NESTED), MSL_FI(ID), MSL_FI(SRC_IP),
    MSL_FI(SRC_PORT), MSL_FIW(LENGTH, MSL_IF(direct_length)),
    MSL_FIW(OFFSET, MSL_IF(direct_length)),
    MSL_FIW(SRC_NAME, MSL_IF(direct_src)),
    MSL_FIW(ERROR_CODE, MSL_IF(error_code)), /* an ERROR has no names */
    MSL_FIW(DST_NAME, MSL_IF(dst)), MSL_FIW(DATA_LEN, MSL_IF(user_data)),
    MSL_FIW(MISSING, MSL_ONLY_JSON, MSL_IF_NONZERO, MSL_IF(user_data)),
    MSL_FIW(SHORT_BY, MSL_ONLY_JSON, MSL_IF_NONZERO, MSL_IF(user_data)),
    MSL_FIW(DATA, MSL_ONLY_TREE, MSL_NESTED, MSL_IF(fragment_data)),
    MSL_FIW(TRAILING, MSL_IF_NONZERO, MSL_IF(user_data)),
    MSL_FIW(DATA, MSL_ONLY_JSON, MSL_IF(fragment_data)),
    MSL_FIW(FRAGMENT, MSL_ONLY_JSON, MSL_IF(fragment)),
    MSL_FIW(REASSEMBLED, MSL_ONLY_JSON, MSL_IF(reassembled))};

/* Summary: "DIRECT_GROUP SRC<00> -> DST<1d>", then what a fragment is. */
static int text_names(const msl_field_ctx *c) { return !error_code(c); }

static int text_src(const msl_field_ctx *c) {
  const msl_nbdgm *g = c->base;
  return text_names(c) && have(c, MSL_NBDGM_HAVE_SRC) &&
         g->type <= MSL_NBDGM_BROADCAST;
}

static int text_dst(const msl_field_ctx *c) { return text_names(c) && dst(c); }

static int text_reassembled(const msl_field_ctx *c) {
  return text_names(c) && c->d->reassembled;
}

static int text_fragment(const msl_field_ctx *c) {
  return text_names(c) && !c->d->reassembled && c->d->fragment;
}

static const msl_field_item text[] = {
    MSL_FIW(TYPE, MSL_AS_NAME, MSL_SAY(" ")),
    MSL_FIW(ERROR_CODE, MSL_IF(error_code), MSL_SAY(" code ")),
    MSL_FIW(SRC_NAME, MSL_IF(text_src), MSL_SAY2(" ", " ->")),
    MSL_FIW(DST_NAME, MSL_IF(text_dst), MSL_SAY(" ")),
    MSL_FIW(DATA_LEN, MSL_IF(text_reassembled),
            MSL_SAY2(" [reassembled ", " bytes]")),
    MSL_FIW(ID, MSL_IF(text_fragment), MSL_SAY(" fragment id ")),
    MSL_FIW(OFFSET, MSL_IF(text_fragment), MSL_SAY(" offset ")),
    MSL_FIW(DATA_LEN, MSL_IF(text_fragment), MSL_SAY(" len ")),
    MSL_FIW(FIRST, MSL_AS_FLAG, MSL_IF(text_fragment), MSL_SAY(" first")),
    MSL_FIW(MORE, MSL_AS_FLAG, MSL_IF(text_fragment), MSL_SAY(" more"))};

MSL_FIELD_LAYOUT_DEF(, msl_fl_nbdgm, items, text, NULL);
