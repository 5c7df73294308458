/* NetBIOS name service codec [RFC 1002 §4.2]: capture vectors, builders
 * compared with what Windows and Samba sent, truncation at every length,
 * name pointers (loops, forward, past the end, jump bound), scope limits,
 * RDLENGTH and count overflows, the typed RDATA encoder and printing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"

#include "msl_nbns.h"

/* ---- vectors (UDP payloads, tshark -T fields -e udp.payload) ---- */

/* windows-xp-browse-eapon1.pcap frame 45: broadcast registration
 * DJP95S0J<00>, H-node, 169.254.67.194, TTL 300000, RR_NAME 0xC00C. */
static const char REG_XP[] =
    "892e29100001000000000001204545454b4641444a444646444441454b4341434143"
    "41434143414341434141410000200001c00c00200001000493e000066000a9fe43c2";
/* Same capture, frame 50: the name overwrite demand that ends the claim. */
static const char OVERWRITE_XP[] =
    "892e28100001000000000001204545454b4641444a444646444441454b4341434143"
    "41434143414341434141410000200001c00c00200001000493e000066000a9fe43c2";
/* Same capture, frame 4: broadcast query for ARBEITSGRUPPE<1b>. */
static const char QUERY_XP[] =
    "892101100001000000000000204542464345434546454a4645464445484643464646"
    "414641454643414341424c0000200001";
/* nbns-nodestatus-win2003-lma-dissector.pcap frame 1: node status request
 * for "*", B flag set. */
static const char NBSTAT_REQ_2003[] =
    "035e0010000100000000000020434b41414141414141414141414141414141414141"
    "41414141414141414141410000210001";
/* Same capture, frame 2: Windows Server 2003's node status response: six
 * names, MAC 00:0c:29:3d:23:fd, RDLENGTH 155 = 1 + 6*18 + 46, then 18 zero
 * bytes after the record. */
static const char NBSTAT_2003[] =
    "035e8400000000010000000020434b41414141414141414141414141414141414141"
    "4141414141414141414141000021000100000000009b0657494e444f575332303033"
    "20202020000400534b554c4c5345435552495459202000840057494e444f57533230"
    "303320202020200400534b554c4c534543555249545920201e8400534b554c4c5345"
    "43555249545920201d040001025f5f4d5342524f5753455f5f02018400000c293d23"
    "fd000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000";
/* samba-nmbd-lan.pcap frame 49: Samba 4.17 node status response, 9 names,
 * zero statistics, RDLENGTH 209 = 1 + 9*18 + 46. */
static const char NBSTAT_SAMBA[] =
    "70b08400000000010000000020434b41414141414141414141414141414141414141"
    "414141414141414141414100002100010000000000d1094c414253414d4241202020"
    "202020200004004c414253414d4241202020202020200304004c414253414d424120"
    "20202020202020040001025f5f4d5342524f5753455f5f020184004c414257472020"
    "20202020202020200084004c41425747202020202020202020201b04004c41425747"
    "202020202020202020201c04004c41425747202020202020202020201d04004c4142"
    "5747202020202020202020201e840000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000";
/* nbns-release-anyconnect-ndpi.pcap frame 548: broadcast release of
 * LP-RKERUR-OSX<00>, TTL 0, 10.0.0.227. */
static const char RELEASE_MAC[] =
    "457f3010000100000000000120454d4641434e4643454c4546464346464643434e45"
    "50464446494341434141410000200001c00c0020000100000000000660000a0000e3";
/* nbns-refresh-win10-suricata.pcap frame 3001: unicast refresh (opcode 8,
 * flags 0x4000) of WIN10<20>, 192.168.56.104. */
static const char REFRESH_W10[] =
    "b16840000001000000000001204648454a454f444244414341434143414341434143"
    "41434143414341434143410000200001c00c00200001000493e000066000c0a83868";
/* samba-nmbd-scope.pcap frame 1: registration of SCOPEDSMB<20> with scope
 * LAB.EXAMPLE, B-node, TTL 0, 198.18.5.1. */
static const char REG_SCOPE[] =
    "78e829100001000000000001204644454445504641454645454644454e4543434143"
    "4143414341434143414341034c4142074558414d504c450000200001c00c00200001"
    "0000000000060000c6120501";
/* Same capture, frame 6: broadcast query for SCOPEWG<1d>.LAB.EXAMPLE. */
static const char QUERY_SCOPE[] =
    "78ee0110000100000000000020464445444550464145464648454843414341434143"
    "414341434143414341424e034c4142074558414d504c450000200001";
/* samba-nmbd-lan.pcap frame 46: Samba's positive query response, 0x8580
 * (RA set), TTL 259200. */
static const char QRESP_SAMBA[] =
    "6f168580000000010000000020454d4542454346444542454e454345424341434143"
    "414341434143414341414100002000010003f48000060000c6120501";
/* netlogon-samlogon-pause-ex-ad-lab-signin.pcap frame 65: a Windows
 * host's positive query response for CHIP_DOUGLAS-PC<00>. */
static const char QRESP_WIN[] =
    "92c1850000000001000000002045444549454a464146504545455046464548454d45"
    "424644434e4641454441410000200001000493e000060000c0a8012e";
/* browse-becomebackup-2016-suricata.pcap frame 180: a response with two NB
 * entries (192.168.199.1 and 192.168.10.1). */
static const char QRESP_TWO[] =
    "a7928500000000010000000020464445444647434143414341434143414341434143"
    "41434143414341434143410000200001000493e0000c6000c0a8c7016000c0a80a01";
/* truncated-nbns-valgrind.pcap frame 1: 26 of 50 bytes captured. */
static const char TRUNC_Q[] =
    "8d40010000010000000000002045474643454e45424640464444";

static const char *const all_vectors[] = {
    REG_XP,       OVERWRITE_XP, QUERY_XP,    NBSTAT_REQ_2003, NBSTAT_2003,
    NBSTAT_SAMBA, RELEASE_MAC,  REFRESH_W10, REG_SCOPE,       QUERY_SCOPE,
    QRESP_SAMBA,  QRESP_WIN,    QRESP_TWO};

static msl_nbns m, m2;
static uint8_t pkt[4096], out[4096];

static size_t load(const char *hex) { return unhex(hex, pkt, sizeof pkt); }

static msl_nbname nbname(const char *s, uint8_t suffix, const char *scope) {
  msl_nbname n;
  assert_int_equal(msl_nbname_make(&n, s, suffix, scope), 0);
  return n;
}

/* Loads the vector into pkt and decodes it into msg, which must succeed;
 * returns its length. */
static size_t load_decoded(msl_nbns *msg, const char *hex) {
  size_t len = load(hex);
  assert_int_equal(msl_nbns_decode(msg, pkt, len), 0);
  return len;
}

/* Encodes m and compares with the vector. */
static void assert_encodes_to(const msl_nbns *msg, const char *hex) {
  size_t len = load(hex);
  int n = msl_nbns_encode(msg, out, sizeof out);
  assert_int_equal(n, (int)len);
  assert_memory_equal(out, pkt, len);
}

/* A builder's return code rc and m as it left it: success, and the bytes of
 * the vector. */
static void assert_built_as(int rc, const char *hex) {
  assert_int_equal(rc, 0);
  assert_encodes_to(&m, hex);
}

/* A builder's return code rc and m as it left it: success, and the header
 * flags (the ones a variant of a captured message changes). */
static void assert_built_with_flags(int rc, unsigned flags) {
  assert_int_equal(rc, 0);
  assert_int_equal(m.flags, flags);
}

/* ---- decoding the captures ---- */

static void test_registration_xp(void **state) {
  (void)state;
  load_decoded(&m, REG_XP);
  assert_int_equal(m.trn_id, 0x892e);
  assert_int_equal(m.flags, 0x2910);
  assert_int_equal(msl_nbns_opcode(&m), MSL_NBNS_OP_REGISTER);
  assert_false(msl_nbns_is_response(&m));
  assert_int_equal(m.qdcount, 1);
  assert_int_equal(m.arcount, 1);
  msl_nbname want = nbname("DJP95S0J", 0x00, NULL);
  assert_true(msl_nbname_equal(&m.qd[0].name.nb, &want));
  assert_int_equal(m.qd[0].name.compressed, 0);
  assert_int_equal(m.qd[0].type, MSL_NBNS_T_NB);
  assert_int_equal(m.qd[0].qclass, MSL_NBNS_CLASS_IN);
  const msl_nbns_rr *rr = &m.ar[0];
  assert_true(msl_nbname_equal(&rr->name.nb, &want));
  assert_int_equal(rr->name.compressed, 1);
  assert_int_equal(rr->name.ptr, 12);
  assert_int_equal(rr->name.inline_labels, 0);
  assert_int_equal(rr->ttl, MSL_NBNS_TTL_WINDOWS);
  assert_int_equal(rr->rdata.len, 6);
  assert_int_equal(rr->nb_count, 1);
  assert_int_equal(rr->nb_extra, 0);
  msl_nbns_nb e;
  assert_int_equal(msl_nbns_rr_nb(rr, 0, &e), 1);
  assert_int_equal(e.flags, MSL_NBNS_ONT_H);
  assert_int_equal(e.addr, 0xA9FE43C2u);
  assert_int_equal(rr->nb_first.addr, 0xA9FE43C2u);
  assert_int_equal(msl_nbns_rr_nb(rr, 1, &e), 0);
  assert_int_equal(m.trailer.len, 0);
  assert_int_equal(m.over, 0);
  assert_encodes_to(&m, REG_XP);
}

static void test_node_status_2003(void **state) {
  (void)state;
  size_t len = load(NBSTAT_2003);
  assert_int_equal(len, 229);
  assert_int_equal(msl_nbns_decode(&m, pkt, len), 0);
  assert_int_equal(m.flags, 0x8400);
  assert_int_equal(m.ancount, 1);
  const msl_nbns_rr *rr = &m.an[0];
  msl_nbname star = nbname("*", 0x00, NULL);
  assert_true(msl_nbname_equal(&rr->name.nb, &star));
  assert_int_equal(rr->type, MSL_NBNS_T_NBSTAT);
  assert_int_equal(rr->ttl, 0);
  assert_int_equal(rr->rdata.len, 155);
  assert_int_equal(rr->num_names, 6);
  assert_int_equal(rr->stats_len, MSL_NBNS_STATS_LEN);
  static const struct {
    const char *name;
    uint16_t flags;
  } want[6] = {{"WINDOWS2003    \x00", 0x0400},
               {"SKULLSECURITY  \x00", 0x8400},
               {"WINDOWS2003    \x20", 0x0400},
               {"SKULLSECURITY  \x1e", 0x8400},
               {"SKULLSECURITY  \x1d", 0x0400},
               {"\x01\x02__MSBROWSE__\x02\x01", 0x8400}};
  for (size_t i = 0; i < 6; i++) {
    msl_nbns_node_name nn;
    assert_int_equal(msl_nbns_rr_node_name(rr, i, &nn), 1);
    assert_memory_equal(nn.name, want[i].name, 16);
    assert_int_equal(nn.flags, want[i].flags);
  }
  msl_nbns_node_name nn;
  assert_int_equal(msl_nbns_rr_node_name(rr, 6, &nn), 0);
  static const uint8_t mac[6] = {0x00, 0x0c, 0x29, 0x3d, 0x23, 0xfd};
  assert_memory_equal(rr->stats.unit_id, mac, 6);
  assert_int_equal(rr->stats.session_data_packet_size, 0);
  /* Windows' 18 bytes past RDLENGTH are kept and written back. */
  assert_int_equal(m.trailer.len, 18);
  static const uint8_t zeros[18] = {0};
  assert_memory_equal(m.trailer.ptr, zeros, 18);
  assert_encodes_to(&m, NBSTAT_2003);
}

static void test_node_status_samba(void **state) {
  (void)state;
  load_decoded(&m, NBSTAT_SAMBA);
  const msl_nbns_rr *rr = &m.an[0];
  assert_int_equal(rr->num_names, 9);
  assert_int_equal(rr->rdata.len, 209);
  msl_nbns_node_name nn;
  assert_int_equal(msl_nbns_rr_node_name(rr, 8, &nn), 1);
  assert_memory_equal(nn.name, "LABWG          \x1e", 16);
  assert_int_equal(nn.flags, MSL_NBNS_NB_G | MSL_NBNS_NAME_ACT);
  assert_int_equal(m.trailer.len, 0);
  static const uint8_t zero_mac[6] = {0};
  assert_memory_equal(rr->stats.unit_id, zero_mac, 6);
}

static void test_release_refresh(void **state) {
  (void)state;
  load_decoded(&m, RELEASE_MAC);
  assert_int_equal(msl_nbns_opcode(&m), MSL_NBNS_OP_RELEASE);
  assert_int_equal(m.ar[0].ttl, 0);
  assert_int_equal(m.ar[0].name.ptr, 12);
  assert_int_equal(m.ar[0].nb_first.addr, 0x0A0000E3u);

  load_decoded(&m, REFRESH_W10);
  assert_int_equal(m.flags, 0x4000);
  assert_int_equal(msl_nbns_opcode(&m), MSL_NBNS_OP_REFRESH);
  assert_int_equal(m.ar[0].nb_first.addr, 0xC0A83868u);
  assert_string_equal(msl_nbns_opcode_name(msl_nbns_opcode(&m)), "refresh");
}

static void test_scope(void **state) {
  (void)state;
  load_decoded(&m, REG_SCOPE);
  assert_string_equal(m.qd[0].name.nb.scope, "LAB.EXAMPLE");
  assert_string_equal(m.ar[0].name.nb.scope, "LAB.EXAMPLE");
  assert_int_equal(m.ar[0].name.ptr, 12);
  assert_int_equal(m.ar[0].nb_first.flags, MSL_NBNS_ONT_B);
  assert_encodes_to(&m, REG_SCOPE);
}

static void test_query_responses(void **state) {
  (void)state;
  load_decoded(&m, QRESP_SAMBA);
  assert_int_equal(m.flags, 0x8580);
  assert_true(m.flags & MSL_NBNS_F_RA);
  assert_int_equal(m.an[0].ttl, 259200);

  load_decoded(&m, QRESP_TWO);
  const msl_nbns_rr *rr = &m.an[0];
  assert_int_equal(rr->nb_count, 2);
  msl_nbns_nb e;
  assert_int_equal(msl_nbns_rr_nb(rr, 0, &e), 1);
  assert_int_equal(e.addr, 0xC0A8C701u);
  assert_int_equal(msl_nbns_rr_nb(rr, 1, &e), 1);
  assert_int_equal(e.flags, 0x6000);
  assert_int_equal(e.addr, 0xC0A80A01u);
  assert_int_equal(msl_nbns_rr_nb(rr, 2, &e), 0);
  assert_string_equal(msl_nbns_ont_name(e.flags), "H");
}

static void test_truncated_capture(void **state) {
  (void)state;
  size_t len = load(TRUNC_Q);
  assert_int_equal(len, 26);
  assert_int_equal(msl_nbns_decode(&m, pkt, len), MSL_ERR_TRUNCATED);
}

/* Every prefix of every vector fails as truncated (except, for Windows'
 * padded node status, the prefixes that still hold the whole record). */
static void test_every_prefix(void **state) {
  (void)state;
  for (size_t v = 0; v < sizeof all_vectors / sizeof all_vectors[0]; v++) {
    size_t len = load_decoded(&m, all_vectors[v]);
    size_t need = len - m.trailer.len;
    for (size_t cut = 0; cut < len; cut++) {
      /* An exact-size copy so ASan sees any over-read. */
      uint8_t copy[4096];
      memcpy(copy, pkt, cut);
      int rc = msl_nbns_decode(&m2, cut ? copy : pkt, cut);
      if (cut < need)
        assert_int_equal(rc, MSL_ERR_TRUNCATED);
      else
        assert_int_equal(rc, 0);
    }
  }
  assert_int_equal(msl_nbns_decode(&m, pkt, 0), MSL_ERR_TRUNCATED);
  assert_int_equal(msl_nbns_decode(NULL, pkt, 1), MSL_ERR_ARG);
  assert_int_equal(msl_nbns_decode(&m, NULL, 0), MSL_ERR_ARG);
}

/* ---- builders against the captures ---- */

static void test_build_registration(void **state) {
  (void)state;
  msl_nbname n = nbname("djp95s0j", 0x00, NULL);
  assert_built_as(msl_nbns_build_registration(&m, 0x892e, &n, MSL_NBNS_ONT_H,
                                              0xA9FE43C2u, MSL_NBNS_TTL_WINDOWS,
                                              1),
                  REG_XP);
  assert_built_as(msl_nbns_build_overwrite(&m, 0x892e, &n, MSL_NBNS_ONT_H,
                                           0xA9FE43C2u, MSL_NBNS_TTL_WINDOWS),
                  OVERWRITE_XP);
  msl_nbname s = nbname("SCOPEDSMB", 0x20, "lab.example");
  assert_built_as(msl_nbns_build_registration(&m, 0x78e8, &s, MSL_NBNS_ONT_B,
                                              0xC6120501u, 0, 1),
                  REG_SCOPE);
  /* Unicast: RD without B (Win98 in browse-win98-dos-netbeui-ndpi.pcap). */
  assert_built_with_flags(msl_nbns_build_registration(&m, 1, &n, 0, 1, 0, 0),
                          0x2900);
}

static void test_build_release_refresh(void **state) {
  (void)state;
  msl_nbname n = nbname("LP-RKERUR-OSX", 0x00, NULL);
  assert_built_as(
      msl_nbns_build_release(&m, 0x457f, &n, MSL_NBNS_ONT_H, 0x0A0000E3u, 1),
      RELEASE_MAC);
  msl_nbname w = nbname("WIN10", 0x20, NULL);
  assert_built_as(msl_nbns_build_refresh(&m, 0xb168, &w, MSL_NBNS_ONT_H,
                                         0xC0A83868u, MSL_NBNS_TTL_WINDOWS, 0),
                  REFRESH_W10);
  assert_built_with_flags(msl_nbns_build_refresh(&m, 1, &w, 0, 0, 0, 1),
                          0x4010);
}

static void test_build_queries(void **state) {
  (void)state;
  msl_nbname n = nbname("ARBEITSGRUPPE", 0x1b, NULL);
  assert_built_as(msl_nbns_build_query(&m, 0x8921, &n, 1), QUERY_XP);
  msl_nbname s = nbname("SCOPEWG", 0x1d, "LAB.EXAMPLE");
  assert_built_as(msl_nbns_build_query(&m, 0x78ee, &s, 1), QUERY_SCOPE);
  assert_built_with_flags(msl_nbns_build_query(&m, 1, &s, 0), 0x0100);

  msl_nbname c = nbname("CHIP_DOUGLAS-PC", 0x00, NULL);
  msl_nbns_nb e = {MSL_NBNS_ONT_B, 0xC0A8012Eu};
  assert_built_as(msl_nbns_build_query_response(&m, 0x92c1, &c,
                                                MSL_NBNS_TTL_WINDOWS, &e, 1),
                  QRESP_WIN);
  /* QRESP_TWO's name, taken from its own bytes. */
  load_decoded(&m2, QRESP_TWO);
  msl_nbname f = m2.an[0].name.nb;
  msl_nbns_nb two[2] = {{0x6000, 0xC0A8C701u}, {0x6000, 0xC0A80A01u}};
  assert_built_as(msl_nbns_build_query_response(&m, 0xa792, &f,
                                                MSL_NBNS_TTL_WINDOWS, two, 2),
                  QRESP_TWO);
  assert_int_equal(msl_nbns_build_query_response(&m, 1, &f, 0, two, 0),
                   MSL_ERR_ARG);
}

static void test_build_node_status(void **state) {
  (void)state;
  msl_nbname star = nbname("*", 0x00, NULL);
  assert_built_as(msl_nbns_build_node_status(&m, 0x035e, &star, 1),
                  NBSTAT_REQ_2003);
  assert_built_with_flags(msl_nbns_build_node_status(&m, 0x035e, &star, 0),
                          0x0000);

  /* Windows 2003's answer, without its 18 bytes of padding. */
  size_t len = load_decoded(&m2, NBSTAT_2003);
  msl_nbns_node_name names[6];
  for (size_t i = 0; i < 6; i++)
    assert_int_equal(msl_nbns_rr_node_name(&m2.an[0], i, &names[i]), 1);
  msl_nbns_stats st;
  memset(&st, 0, sizeof st);
  memcpy(st.unit_id, "\x00\x0c\x29\x3d\x23\xfd", 6);
  assert_int_equal(
      msl_nbns_build_node_status_response(&m, 0x035e, &star, names, 6, &st), 0);
  int n = msl_nbns_encode(&m, out, sizeof out);
  assert_int_equal(n, (int)len - 18);
  assert_memory_equal(out, pkt, len - 18);

  /* Samba's, with stats NULL (all zero). */
  len = load_decoded(&m2, NBSTAT_SAMBA);
  msl_nbns_node_name nine[9];
  for (size_t i = 0; i < 9; i++)
    assert_int_equal(msl_nbns_rr_node_name(&m2.an[0], i, &nine[i]), 1);
  assert_built_as(
      msl_nbns_build_node_status_response(&m, 0x70b0, &star, nine, 9, NULL),
      NBSTAT_SAMBA);
  assert_int_equal(
      msl_nbns_build_node_status_response(&m, 1, &star, NULL, 1, NULL),
      MSL_ERR_ARG);
}

/* Responses without a capture: bytes follow the RFC diagrams. */
static void test_build_responses(void **state) {
  (void)state;
  msl_nbname n = nbname("DJP95S0J", 0x00, NULL);
  static const char name_hex[] =
      "204545454b4641444a444646444441454b4341434143414341434143414341414100";
  char hex[512];

  /* §4.2.14 negative query response: NULL record, TTL 0, RDLENGTH 0. */
  assert_int_equal(
      msl_nbns_build_query_negative(&m, 0x1234, &n, MSL_NBNS_RC_NAM), 0);
  snprintf(hex, sizeof hex, "123485030000000100000000%s%s", name_hex,
           "000a0001000000000000");
  assert_encodes_to(&m, hex);
  assert_int_equal(msl_nbns_build_query_negative(&m, 1, &n, 0), MSL_ERR_ARG);

  /* §4.2.6 negative registration response (defence), 0xAD86. */
  assert_int_equal(msl_nbns_build_registration_response(
                       &m, 0x892e, &n, MSL_NBNS_RC_ACT, MSL_NBNS_ONT_B,
                       0xC0A80102u, MSL_NBNS_TTL_WINDOWS),
                   0);
  snprintf(hex, sizeof hex, "892eAD860000000100000000%s%s", name_hex,
           "00200001000493e000060000c0a80102");
  assert_encodes_to(&m, hex);
  assert_int_equal(
      msl_nbns_decode(&m2, out, (size_t)msl_nbns_encode(&m, out, sizeof out)),
      0);
  assert_string_equal(msl_nbns_rcode_name(msl_nbns_rcode(&m2)), "ACT_ERR");

  /* §4.2.8 conflict demand, 0xAD87, TTL 0. */
  assert_int_equal(
      msl_nbns_build_conflict(&m, 7, &n, MSL_NBNS_NB_G, 0x0A000001u), 0);
  snprintf(hex, sizeof hex, "0007AD870000000100000000%s%s", name_hex,
           "0020000100000000000680000a000001");
  assert_encodes_to(&m, hex);

  /* §4.2.16 WACK: RDATA is the request's flags word. */
  assert_int_equal(msl_nbns_build_wack(&m, 0x892e, &n, 9, 0x2910), 0);
  snprintf(hex, sizeof hex, "892eBC000000000100000000%s%s", name_hex,
           "0020000100000009"
           "00022910");
  assert_encodes_to(&m, hex);
  load_decoded(&m2, hex);
  assert_int_equal(m2.an[0].wack_flags, 0x2910);
  assert_int_equal(m2.an[0].nb_count, 0);
  assert_string_equal(msl_nbns_opcode_name(msl_nbns_opcode(&m2)), "WACK");
}

/* ---- pointers ---- */

static void test_pointer_loops(void **state) {
  (void)state;
  static const char hdr_q1[] = "123401100001000000000000";
  char hex[256];
  /* Self pointer at offset 12. */
  snprintf(hex, sizeof hex, "%sc00c00200001", hdr_q1);
  size_t len = load(hex);
  assert_int_equal(msl_nbns_decode(&m, pkt, len), MSL_ERR_NAME_LOOP);
  /* Forward pointer (to the type field). */
  snprintf(hex, sizeof hex, "%sc00e00200001", hdr_q1);
  len = load(hex);
  assert_int_equal(msl_nbns_decode(&m, pkt, len), MSL_ERR_NAME_LOOP);
  /* Past the end. */
  snprintf(hex, sizeof hex, "%sffff00200001", hdr_q1);
  len = load(hex);
  assert_int_equal(msl_nbns_decode(&m, pkt, len), MSL_ERR_NAME_LOOP);
  /* Backward into the header: 0x40 there is a reserved label type. */
  snprintf(hex, sizeof hex, "4034%sc00000200001", hdr_q1 + 4);
  len = load(hex);
  assert_int_equal(msl_nbns_decode(&m, pkt, len), MSL_ERR_NAME);
  /* Two-pointer cycle: RR1 (inline name at 12) has 2 bytes of RDATA at 56
   * holding a pointer to 58; RR2's name at 58 points back to 56. */
  len = load(
      "123484000000000200000000"
      "204545454b4641444a444646444441454b4341434143414341434143414341414100"
      "000a0001000000000002c03a"
      "c03800200001000000000000");
  assert_int_equal(len, 70);
  assert_int_equal(msl_nbns_decode(&m, pkt, len), MSL_ERR_NAME_LOOP);
  /* The same RR2 pointing at RR1's inline name decodes. */
  pkt[59] = 12;
  assert_int_equal(msl_nbns_decode(&m, pkt, len), 0);
  assert_int_equal(m.an[1].name.ptr, 12);
}

/* A chain of k backward pointers inside a NULL record's RDATA; the second
 * record's name enters the chain at its end: 1 + k jumps in all. */
static size_t build_chain(unsigned k) {
  size_t len = load(QUERY_XP); /* header + question, 50 bytes */
  pkt[7] = 2;                  /* ANCOUNT 2 */
  size_t o = len;
  /* RR1: name 0xC00C, NULL, IN, TTL 0, RDLENGTH 2k. */
  static const uint8_t rr1[] = {0xC0, 0x0C, 0x00, 0x0A, 0x00, 0x01, 0, 0, 0, 0};
  memcpy(pkt + o, rr1, sizeof rr1);
  o += sizeof rr1;
  msl_put_u16be(pkt + o, 2 * k);
  o += 2;
  size_t prev = 12;
  for (unsigned i = 0; i < k; i++) {
    msl_put_u16be(pkt + o, (unsigned)(0xC000 | prev));
    prev = o;
    o += 2;
  }
  /* RR2: name = pointer to the chain's last link, NULL, IN, TTL 0, 0. */
  msl_put_u16be(pkt + o, (unsigned)(0xC000 | prev));
  o += 2;
  static const uint8_t tail[] = {0x00, 0x0A, 0x00, 0x01, 0, 0, 0, 0, 0, 0};
  memcpy(pkt + o, tail, sizeof tail);
  return o + sizeof tail;
}

static void test_pointer_jump_bound(void **state) {
  (void)state;
  size_t len = build_chain(MSL_NBNAME_MAX_JUMPS - 1);
  assert_int_equal(msl_nbns_decode(&m, pkt, len), 0);
  msl_nbname want = nbname("ARBEITSGRUPPE", 0x1b, NULL);
  assert_true(msl_nbname_equal(&m.an[1].name.nb, &want));
  assert_int_equal(m.an[1].name.compressed, 1);
  assert_int_equal(msl_nbns_encode(&m, out, sizeof out), (int)len);
  assert_memory_equal(out, pkt, len);
  len = build_chain(MSL_NBNAME_MAX_JUMPS);
  assert_int_equal(msl_nbns_decode(&m, pkt, len), MSL_ERR_NAME_LOOP);
}

/* A name written as its first label followed by a pointer to the scope
 * labels of an earlier name: re-encoded the same way. */
static void test_partial_compression(void **state) {
  (void)state;
  size_t len = load(QUERY_SCOPE); /* question name at 12; scope at 45 */
  pkt[5] = 2;                     /* QDCOUNT 2 */
  memcpy(pkt + len, pkt + 12, 33);
  len += 33;
  msl_put_u16be(pkt + len, 0xC000 | 45);
  len += 2;
  memcpy(pkt + len, "\x00\x20\x00\x01", 4);
  len += 4;
  assert_int_equal(msl_nbns_decode(&m, pkt, len), 0);
  assert_string_equal(m.qd[1].name.nb.scope, "LAB.EXAMPLE");
  assert_int_equal(m.qd[1].name.compressed, 1);
  assert_int_equal(m.qd[1].name.inline_labels, 1);
  assert_int_equal(m.qd[1].name.ptr, 45);
  assert_true(msl_nbname_equal(&m.qd[0].name.nb, &m.qd[1].name.nb));
  assert_int_equal(msl_nbns_encode(&m, out, sizeof out), (int)len);
  assert_memory_equal(out, pkt, len);
  /* Encoder checks: the pointer must go backwards, and there must be as
   * many labels as it is asked to write inline. */
  m.qd[1].name.ptr = 0x300;
  assert_int_equal(msl_nbns_encode(&m, out, sizeof out), MSL_ERR_NAME_PTR);
  m.qd[1].name.ptr = 45;
  m.qd[1].name.inline_labels = 4;
  assert_int_equal(msl_nbns_encode(&m, out, sizeof out), MSL_ERR_ARG);
  m.qd[1].name.inline_labels = 1;
  m.qd[0].name.nb.scope_len = MSL_NBNAME_SCOPE_MAX + 1;
  assert_int_equal(msl_nbns_encode(&m, out, sizeof out), MSL_ERR_NAME);
}

/* ---- limits ---- */

/* RFC 1002 §4.1 / RFC 1035: 255 bytes for a whole name. 33 + 3 * 64 + 29
 * + 1 = 255 passes; one more scope byte fails. */
static void test_scope_limit(void **state) {
  (void)state;
  char scope[256];
  memset(scope, 'A', sizeof scope);
  scope[63] = scope[127] = scope[191] = '.';
  scope[220] = '\0';
  msl_nbname n;
  assert_int_equal(msl_nbname_make(&n, "HOST", 0, scope), 0);
  assert_int_equal(msl_nbname_wire_len(&n), 255);
  assert_int_equal(msl_nbns_build_query(&m, 1, &n, 1), 0);
  int len = msl_nbns_encode(&m, pkt, sizeof pkt);
  assert_int_equal(len, 12 + 255 + 4);
  assert_int_equal(msl_nbns_decode(&m2, pkt, (size_t)len), 0);
  assert_string_equal(m2.qd[0].name.nb.scope, scope);
  /* Grow the last label by one byte (and shift type/class). */
  size_t last = 12 + 33 + 3 * 64;
  assert_int_equal(pkt[last], 28);
  memmove(pkt + last + 30, pkt + last + 29, 5);
  pkt[last] = 29;
  pkt[last + 29] = 'A';
  assert_int_equal(msl_nbns_decode(&m2, pkt, (size_t)len + 1), MSL_ERR_NAME);
}

static void test_rdlength_overflow(void **state) {
  (void)state;
  size_t len = load(REG_XP);
  /* RDLENGTH at 60..61: 0xFFFF and 7 both overrun the packet. */
  msl_put_u16be(pkt + 60, 0xFFFF);
  assert_int_equal(msl_nbns_decode(&m, pkt, len), MSL_ERR_TRUNCATED);
  msl_put_u16be(pkt + 60, 7);
  assert_int_equal(msl_nbns_decode(&m, pkt, len), MSL_ERR_TRUNCATED);
  /* Shorter RDLENGTH leaves bytes after the record: reported as trailer. */
  pkt[61] = 4;
  assert_int_equal(msl_nbns_decode(&m, pkt, len), 0);
  assert_int_equal(m.ar[0].nb_count, 0);
  assert_int_equal(m.ar[0].nb_extra, 4);
  assert_int_equal(m.trailer.len, 2);
  assert_int_equal(msl_nbns_encode(&m, out, sizeof out), (int)len);
  assert_memory_equal(out, pkt, len);
}

static void test_counts(void **state) {
  (void)state;
  /* All four counts 65535 in a registration-sized packet. */
  size_t len = load(REG_XP);
  memset(pkt + 4, 0xFF, 8);
  assert_int_equal(msl_nbns_decode(&m, pkt, len), MSL_ERR_TRUNCATED);
  /* QDCOUNT 65535 with enough bytes for one question only. */
  len = load(QUERY_XP);
  pkt[4] = pkt[5] = 0xFF;
  assert_int_equal(msl_nbns_decode(&m, pkt, len), MSL_ERR_TRUNCATED);
  /* Nine questions (cap 8): all parsed, eight kept, one counted. */
  len = load(QUERY_XP);
  pkt[5] = 9;
  for (int i = 0; i < 8; i++) {
    memcpy(pkt + len, "\xc0\x0c\x00\x20\x00\x01", 6);
    len += 6;
  }
  assert_int_equal(msl_nbns_decode(&m, pkt, len), 0);
  assert_int_equal(m.qdcount, 9);
  assert_int_equal(m.over, 1);
  assert_int_equal(m.qd[7].name.ptr, 12);
  assert_int_equal(msl_nbns_encode(&m, out, sizeof out), MSL_ERR_TOO_MANY);
  m.qdcount = 8;
  assert_int_equal(msl_nbns_encode(&m, out, sizeof out), (int)len - 6);
}

static void test_nbstat_rdata(void **state) {
  (void)state;
  size_t len = load(NBSTAT_SAMBA);
  /* RDLENGTH at 54..55. Short statistics (10 of 46 bytes) are tolerated. */
  pkt[55] = (uint8_t)(1 + 9 * 18 + 10);
  size_t cut = 56 + 1 + 9 * 18 + 10;
  memset(pkt + cut - 10, 0xAB, 6); /* a MAC in the part that is there */
  assert_int_equal(msl_nbns_decode(&m, pkt, cut), 0);
  assert_int_equal(m.an[0].stats_len, 10);
  assert_int_equal(m.an[0].stats.unit_id[5], 0xAB);
  assert_int_equal(m.an[0].stats.number_good_sends, 0);
  assert_int_equal(msl_nbns_encode(&m, out, sizeof out), (int)cut);
  /* Names that overrun RDLENGTH are invalid. */
  pkt[55] = 100;
  assert_int_equal(msl_nbns_decode(&m, pkt, 56 + 100), MSL_ERR_INVALID);
  /* Empty NBSTAT RDATA. */
  pkt[55] = 0;
  assert_int_equal(msl_nbns_decode(&m, pkt, 56), 0);
  assert_int_equal(m.an[0].num_names, 0);
  (void)len;
}

/* Statistics are written and read in RFC order, big-endian. */
static void test_stats_order(void **state) {
  (void)state;
  msl_nbname star = nbname("*", 0, NULL);
  msl_nbns_stats st = {{1, 2, 3, 4, 5, 6},
                       7,
                       8,
                       0x090a,
                       0x0b0c,
                       0x0d0e,
                       0x0f10,
                       0x1112,
                       0x1314,
                       0x15161718,
                       0x191a1b1c,
                       0x1d1e,
                       0x1f20,
                       0x2122,
                       0x2324,
                       0x2526,
                       0x2728,
                       0x292a,
                       0x2b2c,
                       0x2d2e};
  assert_int_equal(
      msl_nbns_build_node_status_response(&m, 1, &star, NULL, 0, &st), 0);
  int n = msl_nbns_encode(&m, out, sizeof out);
  assert_int_equal(n, 12 + 34 + 10 + 1 + 46);
  for (int i = 0; i < 46; i++)
    assert_int_equal(out[n - 46 + i], i + 1);
  assert_int_equal(msl_nbns_decode(&m2, out, (size_t)n), 0);
  /* Compare the 46 bytes of fields, not the struct tail padding. */
  assert_memory_equal(&m2.an[0].stats, &st, MSL_NBNS_STATS_LEN);
}

static void test_encode_errors(void **state) {
  (void)state;
  size_t len = load_decoded(&m, REG_XP);
  for (size_t cap = 0; cap < len; cap++)
    assert_int_equal(msl_nbns_encode(&m, out, cap), MSL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(msl_nbns_encode(&m, NULL, 0), MSL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(msl_nbns_encode(NULL, out, sizeof out), MSL_ERR_ARG);
  /* Typed NB RDATA with more entries than storage. */
  m.ar[0].rdata.ptr = NULL;
  m.ar[0].nb_raw.ptr = NULL;
  m.ar[0].nb_count = 2;
  assert_int_equal(msl_nbns_encode(&m, out, sizeof out), MSL_ERR_ARG);
  m.ar[0].nb_count = 1;
  assert_int_equal(msl_nbns_encode(&m, out, sizeof out), (int)len);
  assert_memory_equal(out, pkt, len);
  assert_int_equal(msl_nbns_build_query(NULL, 1, &m.qd[0].name.nb, 1),
                   MSL_ERR_ARG);
  assert_int_equal(msl_nbns_build_query(&m, 1, NULL, 1), MSL_ERR_ARG);
}

/* msl_nbns_ont_name as assert_code_names calls it. */
static const char *ont_name(unsigned nb_flags) {
  return msl_nbns_ont_name((uint16_t)nb_flags);
}

static void test_names(void **state) {
  (void)state;
  static const code_name opcodes[] = {{0, "query"},
                                      {5, "registration"},
                                      {6, "release"},
                                      {9, "refresh(9)"},
                                      {15, "multi-homed registration"},
                                      {3, "opcode-3"},
                                      {99, "opcode-?"}};
  static const code_name rcodes[] = {
      {0, "OK"}, {7, "CFT_ERR"}, {12, "rcode-12"}};
  static const code_name types[] = {
      {0x20, "NB"}, {0x21, "NBSTAT"}, {0x0a, "NULL"}, {0x1c, "unknown"}};
  static const code_name onts[] = {{0x8000, "B"}, {0x2000, "P"}, {0xC000, "M"}};
  assert_code_names(msl_nbns_opcode_name, opcodes, ARRAY_LEN(opcodes));
  assert_code_names(msl_nbns_rcode_name, rcodes, ARRAY_LEN(rcodes));
  assert_code_names(msl_nbns_type_name, types, ARRAY_LEN(types));
  assert_code_names(ont_name, onts, ARRAY_LEN(onts));
  char buf[32];
  assert_int_equal(msl_nbns_flags_format(0x8590, buf, sizeof buf), 12);
  assert_string_equal(buf, "R AA RD RA B");
  assert_int_equal(msl_nbns_flags_format(0x8590, buf, 5), 12);
  assert_string_equal(buf, "R AA");
  assert_int_equal(msl_nbns_flags_format(0, buf, sizeof buf), 0);
  assert_string_equal(buf, "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_registration_xp),
      cmocka_unit_test(test_node_status_2003),
      cmocka_unit_test(test_node_status_samba),
      cmocka_unit_test(test_release_refresh),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_query_responses),
      cmocka_unit_test(test_truncated_capture),
      cmocka_unit_test(test_every_prefix),
      cmocka_unit_test(test_build_registration),
      cmocka_unit_test(test_build_release_refresh),
      cmocka_unit_test(test_build_queries),
      cmocka_unit_test(test_build_node_status),
      cmocka_unit_test(test_build_responses),
      cmocka_unit_test(test_pointer_loops),
      cmocka_unit_test(test_pointer_jump_bound),
      cmocka_unit_test(test_partial_compression),
      cmocka_unit_test(test_scope_limit),
      cmocka_unit_test(test_rdlength_overflow),
      cmocka_unit_test(test_counts),
      cmocka_unit_test(test_nbstat_rdata),
      cmocka_unit_test(test_stats_order),
      cmocka_unit_test(test_encode_errors),
      cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
