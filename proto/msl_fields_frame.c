/*
 * Field table of the packet itself (msl_pkt_meta): frame number, relative
 * time, IPv4 and UDP addresses, and the ICMP error a quoted packet came in
 * [RFC 792]. Used by JSON; the -V tree and the summary write these on
 * their own compound lines ("IPv4: a -> b").
 */
#include "msl_fields_json.h"

enum {
  FRAME, TIME, SRC, SPORT, DST, DPORT,
  TRUNCATED, IP_REASSEMBLED, DGM_REASSEMBLED,
  /* a packet quoted in an ICMP error */
  OUTER_SRC, OUTER_DST, QUOTED, ICMP_TYPE, ICMP_CODE, ICMP_NAME,
  N_FIELDS
};

static uint64_t icmp_type_code(const void *base) {
  const msl_pkt_meta *m = base;
  return (uint64_t)m->icmp_type << 8 | m->icmp_code;
}

static const char *icmp_name(uint32_t v) {
  return msl_icmp_error_name((uint8_t)(v >> 8), (uint8_t)v);
}

static const msl_field_layout quoted;

#define MSL_FST msl_pkt_meta

static const msl_field F[N_FIELDS] = {
    [FRAME] = MSL_F("Frame", "frame.number", "frame", MSL_FT_UINT, frame),
    [TIME] = {"Time", "frame.time_relative", MSL_FKEY("time"),
              .type = MSL_FT_RELTIME},
    [SRC] = MSL_F("Source", "ip.src", "src", MSL_FT_IPV4, src_ip),
    [SPORT] = MSL_F("Source Port", "udp.srcport", "sport", MSL_FT_UINT, sport),
    [DST] = MSL_F("Destination", "ip.dst", "dst", MSL_FT_IPV4, dst_ip),
    [DPORT] =
        MSL_F("Destination Port", "udp.dstport", "dport", MSL_FT_UINT, dport),
    [TRUNCATED] = MSL_F("Truncated", NULL, "truncated", MSL_FT_TRUE, truncated),
    [IP_REASSEMBLED] = {"IP reassembled", NULL, MSL_FKEY("ip_reassembled"),
                        .type = MSL_FT_TRUE, MSL_FAT(msl_pkt_meta, flags),
                        .mask = MSL_PKT_IP_REASSEMBLED},
    [DGM_REASSEMBLED] = {"Datagram reassembled", NULL,
                         MSL_FKEY("dgm_reassembled"), .type = MSL_FT_TRUE,
                         MSL_FAT(msl_pkt_meta, flags),
                         .mask = MSL_PKT_DGM_REASSEMBLED},
    [OUTER_SRC] = MSL_F("ICMP Source", "ip.src", "src", MSL_FT_IPV4, outer_src),
    [OUTER_DST] =
        MSL_F("ICMP Destination", "ip.dst", "dst", MSL_FT_IPV4, outer_dst),
    [QUOTED] = {"Quoted", NULL, MSL_FKEY("quoted"), .type = MSL_FT_OBJECT,
                .sub = &quoted},
    [ICMP_TYPE] =
        MSL_F("ICMP Type", "icmp.type", "icmp_type", MSL_FT_UINT, icmp_type),
    [ICMP_CODE] =
        MSL_F("ICMP Code", "icmp.code", "icmp_code", MSL_FT_UINT, icmp_code),
    [ICMP_NAME] = {"ICMP Error", NULL, MSL_FKEY("icmp_name"),
                   .type = MSL_FT_STR, .get = icmp_type_code,
                   .name = icmp_name},
};

#undef MSL_FST

static const msl_field_item frame_items[] = {
    MSL_FI(FRAME), MSL_FI(TIME), MSL_FI(SRC), MSL_FI(SPORT), MSL_FI(DST),
    MSL_FI(DPORT), MSL_FIW(TRUNCATED, MSL_IF_NONZERO),
    MSL_FIW(IP_REASSEMBLED, MSL_IF_NONZERO),
    MSL_FIW(DGM_REASSEMBLED, MSL_IF_NONZERO)};

/* A packet quoted in an ICMP error: the frame is the ICMP message (its
 * addresses at the top), the quoted packet's are under "quoted". */
static const msl_field_item quoted_frame_items[] = {
    MSL_FI(FRAME), MSL_FI(TIME), MSL_FI(OUTER_SRC), MSL_FI(OUTER_DST),
    MSL_FIW(TRUNCATED, MSL_IF_NONZERO), MSL_FI(QUOTED)};

static const msl_field_item quoted_items[] = {
    MSL_FI(ICMP_TYPE), MSL_FI(ICMP_CODE), MSL_FI(ICMP_NAME), MSL_FI(SRC),
    MSL_FI(SPORT),     MSL_FI(DST),       MSL_FI(DPORT)};

MSL_FIELD_LAYOUT_DEF_NOTEXT(static, quoted, quoted_items, NULL);
MSL_FIELD_LAYOUT_DEF_NOTEXT(, msl_fl_frame, frame_items, NULL);
MSL_FIELD_LAYOUT_DEF_NOTEXT(, msl_fl_frame_quoted, quoted_frame_items, NULL);

const msl_field_table msl_ft_frame = {"frame", F, N_FIELDS};
