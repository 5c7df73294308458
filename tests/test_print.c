/*
 * Tests of the dissector and the three printers (proto/msl_dissect.c,
 * proto/msl_print*.c) on packets of the real captures in captures/ (file and
 * frame cited at each vector), on hostile inputs, and on output buffers of
 * every size.
 *
 * Captures are found as in test_captures.c: $MSL_CAPTURES_DIR, else
 * $srcdir/captures, ./captures, ../captures.
 */
#define _DEFAULT_SOURCE 1

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "msl_print.h"
#include "json_check.h"
#include "pcap_walk.h"

static void test_json_validator(void **state) {
  (void)state;
  static const char *good[] = {"{}\n", "{\"a\":[1,-2.5,true,false,null]}\n",
                               "{\"s\":\"x\\u00e9\\n\\\"\"}\n"};
  static const char *bad[] = {"{\n", "{\"a\":}\n", "{\"a\":01}\n",
                              "{\"a\":\"\x01\"}\n", "{\"a\":1,}\n",
                              "{}", "{\"a\":\"\\x\"}\n", "{} {}\n"};
  for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
    assert_true(json_line_ok(good[i], strlen(good[i])));
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
    assert_false(json_line_ok(bad[i], strlen(bad[i])));
}

/* ---- capture access ---- */

static char dir[4096];

/* One packet copied out of a capture. */
typedef struct pkt {
  unsigned long want;
  int found;
  uint8_t data[65536];
  size_t len;
  msl_pkt_meta meta;
} pkt;

static uint32_t ip4(const uint8_t a[4]) { return msl_get_u32be(a); }

static void fill_meta(msl_pkt_meta *m, const struct walk_pkt *w) {
  memset(m, 0, sizeof(*m));
  m->frame = w->frame;
  m->src_ip = ip4(w->src);
  m->dst_ip = ip4(w->dst);
  m->sport = w->sport;
  m->dport = w->dport;
  m->truncated = (uint8_t)w->truncated;
}

static int grab(const struct walk_pkt *w, void *user) {
  pkt *p = user;
  if (w->frame != p->want)
    return 0;
  memcpy(p->data, w->payload, w->len);
  p->len = w->len;
  fill_meta(&p->meta, w);
  p->found = 1;
  return 1;
}

static pkt P;

/* Loads `frame` of captures/<file> into P (time 0.250000 for the tests). */
static void load(const char *file, unsigned long frame) {
  char path[8192];
  if (!pcap_captures_dir(dir, sizeof dir))
    fail_msg("no captures directory (set MSL_CAPTURES_DIR)");
  snprintf(path, sizeof(path), "%s/%s", dir, file);
  memset(&P, 0, sizeof(P));
  P.want = frame;
  pcap_walk(path, grab, &P);
  if (!P.found)
    fail_msg("%s: frame %lu not found", path, frame);
  P.meta.rel_sec = 0;
  P.meta.rel_usec = 250000;
}

static msl_dissect D;
static char buf[MSL_PRINT_OUT_MAX];

static const char *print(int which, const msl_pkt_meta *m,
                         const msl_dissect *d) {
  msl_out o;
  msl_out_init(&o, buf, sizeof(buf));
  int rc = which == 0   ? msl_print_summary(&o, m, d, 0)
           : which == 1 ? msl_print_tree(&o, m, d, 0)
                        : msl_print_json(&o, m, d, 0);
  assert_int_equal(rc, 0);
  assert_int_equal(strlen(buf), o.len);
  return buf;
}

static const char *dissect_print(int which) {
  msl_dissect_udp(&D, P.meta.sport, P.meta.dport, P.data, P.len,
                  P.meta.truncated ? MSL_DISSECT_TRUNCATED : 0);
  return print(which, &P.meta, &D);
}

/* Dissects the loaded frame P with `flags`; returns msl_dissect_udp's
 * result. */
static int dissect_loaded(unsigned flags) {
  return msl_dissect_udp(&D, P.meta.sport, P.meta.dport, P.data, P.len, flags);
}

/* Dissecting the loaded frame fails with rc, the error at err_layer, and
 * bad_names (MSL_DISSECT_BAD_*) tells which names are illegal. */
static void dissect_fails_at(int rc, unsigned err_layer, unsigned bad_names) {
  assert_int_equal(dissect_loaded(0), rc);
  assert_int_equal(D.err_layer, err_layer);
  assert_int_equal(D.bad_names, bad_names);
}

/* The loaded frame ends inside its NBNS entries: `decoded` of them are
 * read, and the summary line is `summary`. */
static void nbns_cut_after(size_t decoded, const char *summary) {
  assert_int_equal(dissect_loaded(0), MSL_ERR_TRUNCATED);
  assert_int_equal(D.nbns.decoded, decoded);
  assert_string_equal(dissect_print(0), summary);
}

/* The loaded frame's JSON line, which must be valid JSON. */
static const char *print_json(void) {
  const char *j = dissect_print(2);
  assert_true(json_line_ok(j, strlen(j)));
  return j;
}

/* Every string of the NULL-terminated list want is in text. */
static void contains_all(const char *text, const char *const *want) {
  for (; *want; want++)
    if (!strstr(text, *want))
      fail_msg("missing \"%s\" in:\n%s", *want, text);
}

/* No string of the NULL-terminated list unwanted is in text. */
static void contains_none(const char *text, const char *const *unwanted) {
  for (; *unwanted; unwanted++)
    if (strstr(text, *unwanted))
      fail_msg("unexpected \"%s\" in:\n%s", *unwanted, text);
}

/* CONTAINS(text, "a", "b", ...): each string is in text; LACKS: none is. */
#define CONTAINS(text, ...)                                                    \
  contains_all(text, (const char *const[]){__VA_ARGS__, NULL})
#define LACKS(text, ...)                                                       \
  contains_none(text, (const char *const[]){__VA_ARGS__, NULL})

/* ---- the printers on capture packets ---- */

/* samba-nmbd-lan.pcap frame 53: HostAnnouncement from Windows 7 PEERHOST. */
static void test_summary_host_announcement(void **state) {
  (void)state;
  load("samba-nmbd-lan.pcap", 53);
  assert_int_equal(msl_dissect_udp(&D, 138, 138, P.data, P.len, 0), 0);
  assert_int_equal(D.layers,
                   MSL_LAYER_NBDGM | MSL_LAYER_SMB | MSL_LAYER_BROWSE);
  assert_int_equal(D.payload, MSL_PAYLOAD_BROWSE);
  assert_string_equal(dissect_print(0),
                      "0.250000 198.18.5.2:138 -> 198.18.5.255:138 "
                      "DIRECT_GROUP PEERHOST<00> -> LABWG<1d> "
                      "\\MAILSLOT\\BROWSE HostAnnouncement PEERHOST os 6.1 "
                      "type 0x00011003 \"peer comment\"\n");
  const char *j = print_json();
  CONTAINS(j,
           "\"frame\":53,\"time\":0.250000,"
           "\"src\":\"198.18.5.2\",\"sport\":138,"
           "\"dst\":\"198.18.5.255\",\"dport\":138,",
           "\"src_name\":\"PEERHOST<00>\","
           "\"dst_name\":\"LABWG<1d>\"",
           "\"browse\":{\"command\":1,\"command_name\":"
           "\"HostAnnouncement\",\"update_count\":1,"
           "\"period\":720000,\"server\":\"PEERHOST\","
           "\"os_major\":6,\"os_minor\":1,"
           "\"server_type\":69635,",
           "\"comment\":\"peer comment\"",
           "\"trans_name\":\"\\\\MAILSLOT\\\\BROWSE\"");
  const char *t = dissect_print(1);
  CONTAINS(t, "Frame 53:", "    Source Name: PEERHOST<00>\n",
           "    Server Type: 0x00011003\n", "= POTENTIAL_BROWSER: set\n",
           "    Comment: \"peer comment\"\n",
           "        .... ..1. = First fragment: yes\n");
}

/* samba-nmbd-lan.pcap frames 54 (LOGON_PRIMARY_QUERY) and 55
 * (LOGON_PRIMARY_RESPONSE from Samba with its NDR pad). */
static void test_netlogon_primary(void **state) {
  (void)state;
  load("samba-nmbd-lan.pcap", 54);
  assert_string_equal(dissect_print(0),
                      "0.250000 198.18.5.2:138 -> 198.18.5.255:138 "
                      "DIRECT_GROUP PEERHOST<00> -> LABWG<1c> "
                      "\\MAILSLOT\\NET\\NETLOGON LOGON_PRIMARY_QUERY PEERHOST "
                      "reply \\MAILSLOT\\NET\\GETDC576 ntver 0x0000000b\n");
  const char *j = print_json();
  CONTAINS(j,
           "\"netlogon\":{\"command\":7,\"command_name\":"
           "\"LOGON_PRIMARY_QUERY\",\"computer_name\":"
           "\"PEERHOST\",\"mailslot_name\":"
           "\"\\\\MAILSLOT\\\\NET\\\\GETDC576\","
           "\"unicode_computer_name\":\"PEERHOST\","
           "\"nt_version\":11,",
           "\"lmnt_token\":65535,\"lm_token\":65535}");
  const char *t = dissect_print(1);
  CONTAINS(t, "    NtVersion: 0x0000000b\n");
  load("samba-nmbd-lan.pcap", 55);
  assert_string_equal(dissect_print(0),
                      "0.250000 198.18.5.1:138 -> 198.18.5.2:138 "
                      "DIRECT_UNIQUE LABSAMBA<00> -> PEERHOST<00> "
                      "\\MAILSLOT\\NET\\GETDC576 LOGON_PRIMARY_RESPONSE pdc "
                      "LABSAMBA domain LABWG\n");
}

/* netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap frame 5:
 * LOGON_SAM_LOGON_RESPONSE_EX with compressed DNS names. */
static void test_netlogon_ex(void **state) {
  (void)state;
  load("netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap", 5);
  const char *j = print_json();
  CONTAINS(j, "\"forest_dns_name\":\"picklesworth.local\"",
           "\"domain_name\":\"PICKLESWORTH\"",
           "\"server_name\":\"SNICKLEFRITZ\"");
  assert_int_equal(D.layers & MSL_LAYER_NETLOGON, MSL_LAYER_NETLOGON);
  const char *t = dissect_print(1);
  CONTAINS(t,
           "    DNS Host Name: \"SnickleFritz.picklesworth"
           ".local\"\n",
           "= DS_PDC_FLAG: set\n");
}

/* samba-nmbd-lan.pcap frame 1: NBNS registration; frame 51: query
 * response; nbns-nodestatus-win2003-lma-dissector.pcap frame 2: NBSTAT. */
static void test_nbns(void **state) {
  (void)state;
  load("samba-nmbd-lan.pcap", 1);
  assert_string_equal(dissect_print(0),
                      "0.250000 198.18.5.1:137 -> 198.18.5.255:137 "
                      "Registration NB LABSAMBA<20>\n");
  const char *j = print_json();
  CONTAINS(j,
           "\"nbns\":{\"id\":", "\"opcode\":5,\"opcode_name\":\"registration\"",
           "\"additional\":[{\"name\":\"LABSAMBA<20>\","
           "\"type\":32,\"type_name\":\"NB\",\"class\":1,"
           "\"ttl\":0,\"data_length\":6,\"addresses\":"
           "[{\"addr\":\"198.18.5.1\",\"group\":false,");
  load("samba-nmbd-lan.pcap", 51);
  assert_string_equal(dissect_print(0),
                      "0.250000 198.18.5.1:137 -> 198.18.5.2:49746 "
                      "Name query response NB LABWG<1c> 198.18.5.1\n");
  load("nbns-nodestatus-win2003-lma-dissector.pcap", 2);
  j = print_json();
  CONTAINS(j,
           "{\"name\":\"<01><02>__MSBROWSE__<02><01>\","
           "\"group\":true,",
           "\"statistics\":{\"unit_id\":\"");
  const char *t = dissect_print(1);
  CONTAINS(t, "Node name: WINDOWS2003<20> flags 0x0400\n",
           "Owner node type: B\n");
}

/* malformed-smb-trans-oobr2.pcap frame 1: the destination name's first
 * byte is 0xb7, not 'A'..'Z' (tshark: "Illegal NetBIOS name (1st character
 * not between A and Z in first-level encoding)"), which does not stop the
 * dissector; then DGM_LENGTH announces 26 bytes beyond the 195 the capture
 * kept: the SMB is read as far as it goes, its header and transaction words
 * (as tshark shows them), and the error is where it stopped, at byte 151,
 * in the transaction name (issue 12 item 7). */
static void test_malformed(void **state) {
  (void)state;
  load("malformed-smb-trans-oobr2.pcap", 1);
  assert_true(P.meta.truncated);
  assert_int_equal(msl_dissect_udp(&D, 138, 138, P.data, P.len,
                                   MSL_DISSECT_TRUNCATED),
                   MSL_ERR_TRUNCATED);
  assert_int_equal(D.err_layer, MSL_LAYER_SMB);
  assert_int_equal(D.partial, MSL_LAYER_SMB);
  assert_true(D.err_at);
  assert_int_equal(D.err_off, 82 + 69);
  assert_int_equal(D.smb.have, MSL_SMBTR_HAVE_HEADER | MSL_SMBTR_HAVE_WORDS);
  assert_int_equal(D.bad_names, MSL_DISSECT_BAD_DST);
  assert_int_equal(D.nbdgm.dst.illegal, MSL_NBNAME_ILLEGAL_1ST);
  assert_int_equal(D.nbdgm.missing, 26);
  const char *s = dissect_print(0);
  CONTAINS(s, " DIRECT_GROUP DJP95S0J<00> -> Illegal NetBIOS "
              "name (1st character not between A and Z in "
              "first-level encoding) SMB command 0x25 [error "
              "at byte 151: smb: ");
  const char *j = print_json();
  CONTAINS(j,
           "\"dst_name\":\"Illegal NetBIOS name (1st "
           "character not between A and Z in first-level "
           "encoding)\"",
           "\"data_count\":11,\"data_offset\":86,"
           "\"setup_count\":3,\"byte_count\":28},"
           "\"mailslot\":{\"opcode\":1,\"priority\":1,"
           "\"class\":2,\"size\":28},");
  LACKS(j, "trans_name");
  CONTAINS(j, "\"error_layer\":\"smb\",\"error_offset\":151,"
              "\"error\":\"smb: the packet ends inside a field "
              "(truncated) (the capture cut the packet short)"
              "\"");
  const char *t = dissect_print(1);
  CONTAINS(t, "    Byte Count: 28\nMailslot [MS-MAIL 2.2.1]\n",
           "    Size: 28\n    Error: at byte 151: smb: the "
           "packet ends inside a field (truncated) (the "
           "capture cut the packet short)\n\n");
  /* The strict codec, which the network service uses, still refuses it. */
  msl_nbdgm g;
  assert_int_equal(msl_nbdgm_decode(&g, P.data, P.len), MSL_ERR_NAME);
}

/* Fields before the error (issue 12 item 7): malformed-fuzzed frame 464,
 * DataOffset 193 in a 92-byte SMB: the header, the words and the
 * transaction name are shown (tshark shows the same), the mailslot write
 * without its data, the error at DataOffset (byte 82 + 57). Frame 472: the
 * source name's second label has a reserved type: the header up to it. */
static void test_fields_before_error(void **state) {
  (void)state;
  load("malformed-fuzzed-2005-lan-ndpi.pcap", 464);
  assert_int_equal(dissect_loaded(0), MSL_ERR_INVALID);
  assert_int_equal(D.partial, MSL_LAYER_SMB);
  assert_int_equal(D.err_off, 82 + 57);
  const char *j = print_json();
  CONTAINS(j, "\"data_offset\":193,\"setup_count\":3,"
              "\"byte_count\":23,\"trans_name\":"
              "\"\\\\MAILSLOT\\\\BROWSE\"},\"mailslot\":{\"name\":"
              "\"\\\\MAILSLOT\\\\BROWSE\",\"opcode\":1,"
              "\"priority\":1,\"class\":2,\"size\":23},"
              "\"error_layer\":\"smb\",\"error_offset\":139,");
  LACKS(j, "data_hex");
  assert_non_null(strstr(dissect_print(0),
                         "WORKGROUP<1d> \\MAILSLOT\\BROWSE [error at byte "
                         "139: smb: DataOffset/DataCount point outside"));
  load("malformed-fuzzed-2005-lan-ndpi.pcap", 472);
  assert_int_equal(dissect_loaded(0), MSL_ERR_NAME);
  assert_int_equal(D.nbdgm.have,
                   MSL_NBDGM_HAVE_HEADER | MSL_NBDGM_HAVE_LENGTH);
  j = dissect_print(2);
  CONTAINS(j, "\"length\":160,\"offset\":0},"
              "\"error_layer\":\"nbdgm\",\"error_offset\":14,");
  /* A browse frame cut inside its fixed fields: those before the cut. */
  static const uint8_t cut[] = {0x01, 3, 0x80, 0xfc, 0x0a, 0, 'H', 'O',
                                'S',  'T', 0,   0,    0,    0, 0,   0,
                                0,    0,   0,   0,    0,    0, 6,   1};
  msl_browse b;
  assert_int_equal(msl_browse_decode(&b, cut, sizeof cut), MSL_ERR_TRUNCATED);
  assert_int_equal(b.err_off, 24);
  assert_int_equal(b.u.announce.os_minor, 1);
}

/* Decoding goes on past illegal datagram names, as in Wireshark.
 * malformed-fuzzed-2005-lan-ndpi.pcap frame 486: source name 0x85... (tshark
 * "Illegal NetBIOS name (1st character ...)"), destination WORKGROUP<1d>,
 * then an SMB mailslot write to \MAILSLOT\BROWnE (tshark: the same
 * trans_name). Frame 368: both names illegal (2nd character), then user
 * data that is not a mailslot write: that later error is the one shown. */
static void test_illegal_dgm_names(void **state) {
  (void)state;
  load("malformed-fuzzed-2005-lan-ndpi.pcap", 486);
  dissect_fails_at(MSL_ERR_NAME, MSL_LAYER_NBDGM, MSL_DISSECT_BAD_SRC);
  assert_int_equal(D.layers, MSL_LAYER_NBDGM | MSL_LAYER_SMB);
  assert_true(D.nbdgm_names);
  assert_int_equal(D.nbdgm.src.illegal, MSL_NBNAME_ILLEGAL_1ST);
  assert_int_equal(D.nbdgm.dst.illegal, MSL_NBNAME_LEGAL);
  assert_int_equal(D.smb.name.len, 16);
  assert_memory_equal(D.smb.name.ptr, "\\MAILSLOT\\BROWnE", 16);
  const char *j = print_json();
  CONTAINS(j,
           "\"src_name\":\"Illegal NetBIOS name (1st "
           "character not between A and Z in first-level "
           "encoding)\",\"dst_name\":\"WORKGROUP<1d>\"",
           "\"trans_name\":\"\\\\MAILSLOT\\\\BROWnE\"",
           "\"error_layer\":\"nbdgm\",\"error\":\"nbdgm: "
           "illegal NetBIOS name in source name\"");
  /* Strict: refused; lenient: the same fields as the dissector shows. */
  msl_nbdgm g;
  assert_int_equal(msl_nbdgm_decode(&g, P.data, P.len), MSL_ERR_NAME);
  assert_int_equal(msl_nbdgm_decode_ex(&g, P.data, P.len, 0), MSL_ERR_NAME);
  assert_int_equal(
      msl_nbdgm_decode_ex(&g, P.data, P.len, MSL_NBDGM_LENIENT_NAMES), 0);
  assert_int_equal(g.src.illegal, MSL_NBNAME_ILLEGAL_1ST);
  assert_int_equal(g.data.len, 119);

  load("malformed-fuzzed-2005-lan-ndpi.pcap", 368);
  dissect_fails_at(MSL_ERR_NOT_MAILSLOT, MSL_LAYER_SMB,
                   MSL_DISSECT_BAD_SRC | MSL_DISSECT_BAD_DST);
  assert_string_equal(
      dissect_print(0),
      "0.250000 192.168.1.2:138 -> 192.168.1.255:138 DIRECT_GROUP Illegal "
      "NetBIOS name (2nd character not between A and Z in first-level "
      "encoding) -> Illegal NetBIOS name (2nd character not between A and Z "
      "in first-level encoding) SMB command 0x25 WordCount 0 [error at "
      "byte 114: smb: the SMB is not a mailslot write (SMB_COM_TRANSACTION, "
      "opcode 1)]\n");
}

/* Name-service packets: the other entries are decoded past an illegal
 * name. malformed-fuzzed-2005-lan-ndpi.pcap frame 1: the question name has
 * "SA" for a space (tshark ECI_DOMAIN<1c>); frame 113: an illegal question
 * name, type 28960 (tshark "Illegal NetBIOS name (2nd character ...)",
 * type 28960, class 1); frame 97: a legal question, then ARCOUNT 116 and no
 * records: the question is read (nbns.decoded), the packet is truncated. */
static void test_illegal_nbns_names(void **state) {
  (void)state;
  load("malformed-fuzzed-2005-lan-ndpi.pcap", 1);
  dissect_fails_at(MSL_ERR_NAME, MSL_LAYER_NBNS, MSL_DISSECT_BAD_NBNS);
  assert_true(D.nbns_ok);
  assert_int_equal(D.nbns.illegal_names, 1);
  assert_int_equal(D.nbns.decoded, 1);
  assert_int_equal(D.nbns.qd[0].name.nb.illegal, MSL_NBNAME_LETTERS_QZ);
  assert_string_equal(dissect_print(0),
                      "0.250000 192.168.1.2:137 -> 192.168.1.255:137 Name "
                      "query NB ECI_DOMAIN<1c> [error: nbns: illegal "
                      "NetBIOS name in a question]\n");
  msl_nbns m;
  assert_int_equal(msl_nbns_decode(&m, P.data, P.len), MSL_ERR_NAME);
  assert_int_equal(msl_nbns_decode_ex(&m, P.data, P.len, 0), MSL_ERR_NAME);
  assert_int_equal(msl_nbns_decode_ex(&m, P.data, P.len, MSL_NBNS_LENIENT),
                   0);

  load("malformed-fuzzed-2005-lan-ndpi.pcap", 113);
  const char *j = print_json();
  CONTAINS(j, "\"questions\":[{\"name\":\"Illegal NetBIOS "
              "name (2nd character not between A and Z in "
              "first-level encoding)\",\"type\":28960,");

  load("malformed-fuzzed-2005-lan-ndpi.pcap", 97);
  assert_true(P.meta.truncated);
  assert_int_equal(msl_nbns_decode(&m, P.data, P.len), MSL_ERR_TRUNCATED);
  assert_int_equal(m.decoded, 0); /* refused on the counts, up front */
  assert_int_equal(msl_nbns_decode_ex(&m, P.data, P.len, MSL_NBNS_LENIENT),
                   MSL_ERR_TRUNCATED);
  assert_int_equal(m.decoded, 1);
  assert_int_equal(m.arcount, 116);
  char name[MSL_NBNAME_FMT_MAX];
  msl_nbname_format(&m.qd[0].name.nb, name, sizeof name);
  assert_string_equal(name, "ECI_DOMAIN<1c>");
  assert_int_equal(m.qd[0].type, MSL_NBNS_T_NB);
  assert_int_equal(dissect_loaded(MSL_DISSECT_TRUNCATED), MSL_ERR_TRUNCATED);
  assert_false(D.nbns_ok);
  assert_int_equal(D.nbns.decoded, 1);
}

/* NBNS counts that promise more entries than the packet holds [RFC 1002
 * §4.2.1.1]: the entries read before the fault are shown by every printer,
 * as tshark shows them, and the error is still reported.
 * malformed-fuzzed-2005-lan-ndpi.pcap frame 97: ECI_DOMAIN<1c> question,
 * then ARCOUNT 116 and no records (the capture cut the packet); frame 3: an
 * illegal question name (tshark "Illegal NetBIOS name (1st character ...)"),
 * then ANCOUNT 26880 and no records. */
static void test_nbns_partial(void **state) {
  (void)state;
  load("malformed-fuzzed-2005-lan-ndpi.pcap", 97);
  const char *s = dissect_print(0);
  assert_false(D.nbns_ok);
  assert_int_equal(D.nbns.decoded, 1);
  assert_string_equal(s, "0.250000 192.168.1.2:137 -> 192.168.1.255:137 "
                         "Name query NB ECI_DOMAIN<1c> [error at byte 50: "
                         "nbns: the packet ends inside a field (truncated) "
                         "(the capture cut the packet short)]\n");
  const char *j = print_json();
  CONTAINS(j, "\"arcount\":116,\"questions\":[{\"name\":"
              "\"ECI_DOMAIN<1c>\",\"type\":32,\"type_name\":"
              "\"NB\",\"class\":1}],\"answers\":[],"
              "\"authority\":[],\"additional\":[]},"
              "\"error_layer\":\"nbns\",\"error_offset\":50,"
              "\"error\":\"nbns: the packet ends inside a field "
              "(truncated)");
  const char *t = dissect_print(1);
  CONTAINS(t, "    Additional RRs: 116\n    Question: \n"
              "        Name: ECI_DOMAIN<1c>\n"
              "        Type: NB (32)\n        Class: 1\n"
              "    Error: at byte 50: nbns: the packet ends");
  LACKS(t, "Additional: ");

  load("malformed-fuzzed-2005-lan-ndpi.pcap", 3);
  assert_int_equal(dissect_loaded(0), MSL_ERR_TRUNCATED);
  assert_int_equal(D.nbns.decoded, 1);
  assert_int_equal(D.bad_names, MSL_DISSECT_BAD_NBNS);
  assert_int_equal(D.nbns.ancount, 26880);
  s = dissect_print(0);
  CONTAINS(s,
           " Name query NB Illegal NetBIOS name (1st "
           "character not between A and Z in first-level "
           "encoding) [error at byte ",
           ": nbns: the packet ends inside a field "
           "(truncated)]\n");
  j = print_json();
  CONTAINS(j,
           "\"questions\":[{\"name\":\"Illegal NetBIOS "
           "name (1st character not between A and Z in "
           "first-level encoding)\",\"type\":32,",
           "\"answers\":[],");
  t = dissect_print(1);
  CONTAINS(t, "    Question: \n        Name: Illegal "
              "NetBIOS name (1st character");
  LACKS(t, "    Answer: \n");
}

/* The fault inside the records: samba-nmbd-lan.pcap frame 1 (registration:
 * LABSAMBA<20> question, one additional NB record) with ARCOUNT raised to
 * 3: the question and the first record are shown, the two missing ones are
 * not. Frame 51 (query response, one answer LABWG<1c> 198.18.5.1) with
 * ANCOUNT 2 and NSCOUNT 1: the answer is shown, the authority section is
 * empty. A header whose counts the packet cannot start to hold (QDCOUNT 1,
 * nothing after the header) shows no sections at all. */
static void test_nbns_partial_records(void **state) {
  (void)state;
  load("samba-nmbd-lan.pcap", 1);
  P.data[11] = 3; /* ARCOUNT */
  nbns_cut_after(2, "0.250000 198.18.5.1:137 -> 198.18.5.255:137 "
                    "Registration NB LABSAMBA<20> [error at byte 68: nbns: "
                    "the packet ends inside a field (truncated)]\n");
  const char *j = print_json();
  CONTAINS(j,
           "\"arcount\":3,\"questions\":[{\"name\":"
           "\"LABSAMBA<20>\",\"type\":32,",
           "\"answers\":[],\"authority\":[],"
           "\"additional\":[{\"name\":\"LABSAMBA<20>\","
           "\"type\":32,\"type_name\":\"NB\",\"class\":1,"
           "\"ttl\":0,\"data_length\":6,\"addresses\":"
           "[{\"addr\":\"198.18.5.1\",\"group\":false,"
           "\"node\":0,\"node_name\":\"B\",\"nb_flags\":0}]}"
           "]},\"error_layer\":\"nbns\"");
  const char *t = dissect_print(1);
  CONTAINS(t, "    Question: \n        Name: LABSAMBA<20>\n");
  const char *a = strstr(t, "    Additional: \n        Name: LABSAMBA<20>\n");
  assert_non_null(a);
  assert_null(strstr(a + 1, "    Additional: \n")); /* only one */
  CONTAINS(t, "        Address: 198.18.5.1 flags 0x0000\n");

  load("samba-nmbd-lan.pcap", 51);
  P.data[7] = 2; /* ANCOUNT */
  P.data[9] = 1; /* NSCOUNT */
  nbns_cut_after(1, "0.250000 198.18.5.1:137 -> 198.18.5.2:49746 "
                    "Name query response NB LABWG<1c> 198.18.5.1 [error at "
                    "byte 62: nbns: the packet ends inside a field "
                    "(truncated)]\n");
  j = print_json();
  CONTAINS(j,
           "\"questions\":[],\"answers\":[{\"name\":"
           "\"LABWG<1c>\",",
           "\"authority\":[],\"additional\":[]}");
  t = dissect_print(1);
  CONTAINS(t, "    Answer: \n        Name: LABWG<1c>\n");
  LACKS(t, "    Authority: \n");

  /* Nothing read: the header only. */
  P.len = MSL_NBNS_HDR_LEN;
  P.data[5] = 1; /* QDCOUNT */
  assert_int_equal(dissect_loaded(0), MSL_ERR_TRUNCATED);
  assert_int_equal(D.nbns.decoded, 0);
  j = print_json();
  LACKS(j, "\"questions\"", "\"answers\"");
  t = dissect_print(1);
  CONTAINS(t, "    Questions: 1\n");
  LACKS(t, "Question: ", "Answer: ");
}

/* The error names the illegal names. samba-nmbd-lan.pcap frame 1 with the
 * question name's first letter 'E' made 'Q' (letters beyond 'P' [RFC 1001
 * §14.1]): the additional record's name is a pointer to it (0xC00C), so two
 * entries have the illegal name. */
static void test_illegal_name_sentence(void **state) {
  (void)state;
  load("samba-nmbd-lan.pcap", 1);
  assert_int_equal(P.data[12], 0x20);
  P.data[13] = 'Q';
  assert_int_equal(dissect_loaded(0), MSL_ERR_NAME);
  assert_int_equal(D.nbns.illegal_names, 2);
  const char *j = print_json();
  CONTAINS(j, "\"error\":\"nbns: illegal NetBIOS names in 2 "
              "entries, the first in a question\"}");
  assert_non_null(strstr(dissect_print(1),
                         "Error: nbns: illegal NetBIOS names in 2 entries, "
                         "the first in a question\n"));

  /* Only the record's own name illegal: frame 51's answer name. */
  load("samba-nmbd-lan.pcap", 51);
  assert_int_equal(P.data[12], 0x20);
  P.data[13] = 'Q';
  assert_int_equal(dissect_loaded(0), MSL_ERR_NAME);
  assert_non_null(strstr(dissect_print(0), " [error: nbns: illegal NetBIOS "
                                           "name in an answer]\n"));

  /* A datagram's destination name: samba-nmbd-lan.pcap frame 53, the
   * destination name's first letter (offset 14 + 34 + 1) made 'Z'. */
  load("samba-nmbd-lan.pcap", 53);
  assert_int_equal(P.data[48], 0x20);
  P.data[49] = 'Z';
  assert_int_equal(dissect_loaded(0), MSL_ERR_NAME);
  assert_int_equal(D.bad_names, MSL_DISSECT_BAD_DST);
  assert_non_null(strstr(dissect_print(0), " [error: nbdgm: illegal NetBIOS "
                                           "name in destination name]\n"));
  P.data[15] = 'Z'; /* and the source name */
  assert_non_null(strstr(dissect_print(2),
                         "\"error\":\"nbdgm: illegal NetBIOS names in "
                         "source and destination names\"}"));
}

/* Every packet of every capture: each printer succeeds, JSON lines are
 * valid, every line ends in '\n', the summary is one line. */
typedef struct walk_all {
  size_t packets, json_ok, errors;
} walk_all;

static int all_cb(const struct walk_pkt *w, void *user) {
  walk_all *a = user;
  msl_pkt_meta m;
  if (w->sport != 137 && w->sport != 138 && w->dport != 137 &&
      w->dport != 138)
    return 0;
  fill_meta(&m, w);
  int rc = msl_dissect_udp(&D, w->sport, w->dport, w->payload, w->len,
                           w->truncated ? MSL_DISSECT_TRUNCATED : 0);
  assert_int_equal(rc, D.err);
  if (rc) {
    a->errors++;
    assert_true(D.err_layer != 0);
  }
  const char *s = print(0, &m, &D);
  assert_ptr_equal(strchr(s, '\n'), s + strlen(s) - 1);
  print(1, &m, &D);
  s = print(2, &m, &D);
  a->json_ok += (size_t)json_line_ok(s, strlen(s));
  a->packets++;
  return 0;
}

static void test_all_captures(void **state) {
  (void)state;
  walk_all a = {0, 0, 0};
  if (!pcap_captures_dir(dir, sizeof dir))
    fail_msg("no captures directory (set MSL_CAPTURES_DIR)");
  DIR *dp = opendir(dir);
  assert_non_null(dp);
  struct dirent *e;
  while ((e = readdir(dp)) != NULL) {
    char path[8192];
    if (!strstr(e->d_name, ".pcap"))
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    assert_int_equal(pcap_walk(path, all_cb, &a), 0);
  }
  closedir(dp);
  assert_true(a.packets > 1000);
  assert_int_equal(a.json_ok, a.packets);
  assert_true(a.errors > 0); /* the malformed captures */
}

/* Truncation at every length of a valid packet: never a crash, always an
 * error (the decoders reject every proper prefix of these vectors), JSON
 * always valid. samba-nmbd-lan.pcap frames 53-55, 1; netlogon-samlogon-
 * unique-ad-lab-netshare-netbios-only.pcap frame 5. */
static void prefixes(const char *file, unsigned long frame) {
  load(file, frame);
  for (size_t n = 0; n < P.len; n++) {
    uint8_t *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, P.data, n);
    int rc = msl_dissect_udp(&D, P.meta.sport, P.meta.dport, copy, n, 0);
    assert_true(rc < 0);
    const char *j = print(2, &P.meta, &D);
    assert_true(json_line_ok(j, strlen(j)));
    print(0, &P.meta, &D);
    print(1, &P.meta, &D);
    free(copy);
  }
}

static void test_every_prefix(void **state) {
  (void)state;
  /* Packets with illegal names (malformed-fuzzed-2005-lan-ndpi.pcap): every
   * prefix still fails, whatever the dissector decoded past the name. */
  prefixes("malformed-fuzzed-2005-lan-ndpi.pcap", 486);
  prefixes("malformed-fuzzed-2005-lan-ndpi.pcap", 368);
  prefixes("malformed-fuzzed-2005-lan-ndpi.pcap", 1);
  prefixes("malformed-fuzzed-2005-lan-ndpi.pcap", 340);
  prefixes("samba-nmbd-lan.pcap", 53);
  prefixes("samba-nmbd-lan.pcap", 54);
  prefixes("samba-nmbd-lan.pcap", 55);
  prefixes("samba-nmbd-lan.pcap", 1);
  prefixes("netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap", 5);
}

/* A buffer of every size from 0 up: the printer either succeeds with the
 * full text or fails with MSL_ERR_BUFFER_TOO_SMALL leaving the buffer as it
 * was. */
static void test_overflow_every_size(void **state) {
  (void)state;
  static char ref[8192], small[8192];
  load("netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap", 5);
  dissect_loaded(0);
  for (int which = 0; which < 3; which++) {
    msl_out o;
    msl_out_init(&o, ref, sizeof(ref));
    int rc = which == 0   ? msl_print_summary(&o, &P.meta, &D, 0)
             : which == 1 ? msl_print_json(&o, &P.meta, &D, 0)
                          : msl_print_tree(&o, &P.meta, &D, MSL_PRINT_HEX);
    assert_int_equal(rc, 0);
    size_t full = o.len;
    for (size_t cap = 0; cap <= full + 1; cap++) {
      msl_out_init(&o, cap ? small : NULL, cap);
      /* a line already in the buffer must survive the failed call */
      msl_out_str(&o, cap > 3 ? "ab\n" : "");
      size_t before = o.len;
      rc = which == 0   ? msl_print_summary(&o, &P.meta, &D, 0)
           : which == 1 ? msl_print_json(&o, &P.meta, &D, 0)
                        : msl_print_tree(&o, &P.meta, &D, MSL_PRINT_HEX);
      if (cap > before + full) {
        assert_int_equal(rc, 0);
        assert_memory_equal(small + before, ref, full);
        assert_int_equal(o.len, before + full);
      } else {
        assert_int_equal(rc, MSL_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(o.len, before);
        assert_int_equal(msl_out_result(&o), MSL_ERR_BUFFER_TOO_SMALL);
        if (cap) {
          assert_int_equal(small[before], '\0');
          if (before)
            assert_memory_equal(small, "ab\n", 3);
        }
        /* sticky: the next call fails at once */
        assert_int_equal(msl_print_summary(&o, NULL, &D, 0),
                         MSL_ERR_BUFFER_TOO_SMALL);
        msl_out_reset(&o);
        assert_int_equal(o.len, 0);
        assert_int_equal(o.overflow, 0);
      }
    }
  }
}

/* ---- hostile names and strings ---- */

/* A datagram built by hand: names with quotes, backslashes, controls and
 * high bytes; a browse HostAnnouncement whose name and comment hold the
 * same. Every printer must escape them. */
static void test_hostile(void **state) {
  (void)state;
  static uint8_t smb[600], dgm[800];
  uint8_t bro[128];
  msl_browse b;
  msl_smbtr s;
  msl_nbdgm g;
  static const char comment[] = "say \"hi\"\\\x01\x7f\xff<x>";
  assert_int_equal(msl_browse_build_host_announcement(
                       &b, "EVIL\"\\", 60000, 6, 1, 0x1003, "c"),
                   0);
  b.u.announce.name[2] = 0x0a;      /* newline inside the name */
  b.u.announce.name[3] = 0xe9;      /* a high byte */
  b.u.announce.comment.ptr = (const uint8_t *)comment;
  b.u.announce.comment.len = sizeof(comment) - 1;
  int blen = msl_browse_encode(&b, bro, sizeof(bro));
  assert_true(blen > 0);
  assert_int_equal(msl_smbtr_init_write(&s, "\\MAILSLOT\\BROWSE", bro,
                                        (size_t)blen, MSL_SMBTR_BROWSER),
                   0);
  int slen = msl_smbtr_encode(&s, smb, sizeof(smb));
  assert_true(slen > 0);
  msl_nbname src, dst;
  static const uint8_t raw[16] = {'"', '\\', '\n', 0x00, 0xff, '<', '>', '/',
                                  ' ', ' ', ' ', ' ', ' ', ' ', ' ', 0x1d};
  assert_int_equal(msl_nbname_from_raw(&src, raw, NULL), 0);
  assert_int_equal(msl_nbname_make(&dst, "WG", 0x1d, NULL), 0);
  assert_int_equal(msl_nbdgm_init(&g, MSL_NBDGM_DIRECT_GROUP, MSL_NBDGM_SNT_B,
                                  7, 0xc0000201, 138, &src, &dst, smb,
                                  (size_t)slen),
                   0);
  int dlen = msl_nbdgm_encode(&g, dgm, sizeof(dgm));
  assert_true(dlen > 0);
  assert_int_equal(msl_dissect_udp(&D, 138, 138, dgm, (size_t)dlen, 0), 0);
  const char *j = print(2, NULL, &D);
  assert_true(json_line_ok(j, strlen(j)));
  CONTAINS(j, "\"src_name\":\"\\\"\\\\<0a><00><ff><>/<1d>\"",
           "\"server\":\"EV<0a><e9>\\\"\\\\\"",
           "\"comment\":\"say \\\"hi\\\"\\\\<01><7f><ff>"
           "<x>\"");
  /* no frame/time keys without metadata */
  LACKS(j, "\"frame\"");
  const char *t = print(0, NULL, &D);
  assert_ptr_equal(strchr(t, '\n'), t + strlen(t) - 1);
  CONTAINS(t, "EV<0a><e9>\"\\");
  t = print(1, NULL, &D);
  CONTAINS(t, "Source Name: \"\\<0a><00><ff><>/<1d>\n");
}

/* UTF-16 strings: surrogate pairs, unpaired surrogates and controls. */
static void test_utf16(void **state) {
  (void)state;
  uint8_t msg[256];
  /* LOGON_PRIMARY_QUERY with "A\u00e9\U0001F600\uD800\"\x01" as the
   * unicode computer name, hand-built per MS-ADTS 6.3.1.4. */
  static const uint8_t u16[] = {'A', 0, 0xe9, 0, 0x3d, 0xd8, 0x00, 0xde,
                                0x00, 0xd8, '"', 0, 0x01, 0};
  size_t n = 0;
  msg[n++] = 0x07;
  msg[n++] = 0x00;
  memcpy(msg + n, "PC\0\\MAILSLOT\\NET\\GETDC1", 24);
  n += 24;
  if (n % 2)
    msg[n++] = 0;
  memcpy(msg + n, u16, sizeof(u16));
  n += sizeof(u16);
  msg[n++] = 0;
  msg[n++] = 0;
  memcpy(msg + n, "\x0b\0\0\0\xff\xff\xff\xff", 8);
  n += 8;
  msl_nbdgm g;
  msl_nbname src, dst;
  static uint8_t smb[600];
  msl_smbtr s;
  assert_int_equal(msl_smbtr_init_write(&s, "\\MAILSLOT\\NET\\NETLOGON", msg,
                                        n, MSL_SMBTR_BROWSER),
                   0);
  int slen = msl_smbtr_encode(&s, smb, sizeof(smb));
  assert_true(slen > 0);
  msl_nbname_make(&src, "PC", 0, NULL);
  msl_nbname_make(&dst, "DOM", 0x1c, NULL);
  msl_nbdgm_init(&g, MSL_NBDGM_DIRECT_GROUP, MSL_NBDGM_SNT_B, 1, 1, 138,
                 &src, &dst, smb, (size_t)slen);
  /* the reassembled path decodes the same user data */
  assert_int_equal(msl_dissect_user_data(&D, &g, 0), 0);
  assert_true(D.reassembled);
  assert_int_equal(D.layers & MSL_LAYER_NETLOGON, MSL_LAYER_NETLOGON);
  const char *j = print(2, NULL, &D);
  assert_true(json_line_ok(j, strlen(j)));
  CONTAINS(j,
           "\"unicode_computer_name\":\"A\\u00e9\\ud83d"
           "\\ude00\\ufffd\\\"\\u0001\"",
           "\"reassembled\":true");
  const char *t = print(1, NULL, &D);
  CONTAINS(t, "Unicode Computer Name: \"A\xc3\xa9\xf0\x9f\x98"
              "\x80\xef\xbf\xbd\"<01>\"\n");
  t = print(0, NULL, &D);
  CONTAINS(t, "[reassembled ");
}

/* ---- msl_out primitives ---- */

static void test_out_primitives(void **state) {
  (void)state;
  char b[256];
  msl_out o;
  msl_out_init(&o, b, sizeof(b));
  msl_out_u64(&o, 0);
  msl_out_char(&o, ' ');
  msl_out_u64(&o, UINT64_MAX);
  msl_out_char(&o, ' ');
  msl_out_i64(&o, INT64_MIN);
  msl_out_char(&o, ' ');
  msl_out_hex(&o, 0xab, 4);
  msl_out_char(&o, ' ');
  msl_out_hex0x(&o, UINT64_MAX, 2);
  msl_out_char(&o, ' ');
  msl_out_ipv4(&o, 0xc0000201);
  msl_out_char(&o, ' ');
  static const uint8_t t[] = {'a', 0, '<', 0x7f, '"'};
  msl_out_text(&o, t, sizeof(t));
  msl_out_char(&o, ' ');
  msl_out_json_str(&o, t, sizeof(t));
  msl_out_repeat(&o, '-', 3);
  assert_string_equal(b, "0 18446744073709551615 -9223372036854775808 00ab "
                         "0xffffffffffffffff 192.0.2.1 a<00><<7f>\" "
                         "\"a\\u0000<\\u007f\\\"\"---");
  assert_int_equal(msl_out_result(&o), (int)strlen(b));
  /* time: negative relative times */
  msl_pkt_meta m;
  memset(&m, 0, sizeof(m));
  m.rel_sec = -1;
  m.rel_usec = 750000;
  msl_dissect_udp(&D, 1, 2, NULL, 0, 0); /* no NetBIOS port */
  assert_int_equal(D.err, MSL_ERR_UNSUPPORTED);
  assert_int_equal(D.err_layer, MSL_LAYER_UDP);
  assert_string_equal(print(0, &m, &D),
                      "-0.250000 0.0.0.0:0 -> 0.0.0.0:0 [error: udp: not a "
                      "NetBIOS port]\n");
  m.rel_sec = 12;
  m.rel_usec = 5;
  assert_non_null(strstr(print(2, &m, &D), "\"time\":12.000005,"));
  /* a zero-capacity builder only overflows */
  msl_out_init(&o, NULL, 0);
  msl_out_char(&o, 'x');
  assert_int_equal(msl_out_result(&o), MSL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(msl_print_json(NULL, NULL, &D, 0), MSL_ERR_ARG);
  assert_int_equal(msl_print_tree(&o, NULL, NULL, 0), MSL_ERR_ARG);
  assert_int_equal(msl_dissect_udp(NULL, 138, 138, NULL, 0, 0), MSL_ERR_ARG);
  assert_int_equal(msl_dissect_user_data(&D, NULL, 0), MSL_ERR_ARG);
  assert_string_equal(msl_dissect_layer_name(MSL_LAYER_NETLOGON), "netlogon");
  assert_string_equal(msl_dissect_layer_name(0), "");
}

/* Port choice: the lower port first; flags force a service. */
static void test_port_choice(void **state) {
  (void)state;
  load("samba-nmbd-lan.pcap", 1); /* an NBNS packet */
  assert_int_equal(msl_dissect_udp(&D, 137, 5000, P.data, P.len, 0), 0);
  assert_int_equal(D.layers, MSL_LAYER_NBNS);
  assert_int_equal(msl_dissect_udp(&D, 5000, 5001, P.data, P.len,
                                   MSL_DISSECT_NBNS),
                   0);
  assert_int_equal(D.layers, MSL_LAYER_NBNS);
  /* as a datagram it is garbage, but never a crash */
  msl_dissect_udp(&D, 137, 138, P.data, P.len, MSL_DISSECT_NBDGM);
  assert_int_equal(D.layers & MSL_LAYER_NBNS, 0);
  /* truncated flag: a packet that decodes is still flagged */
  assert_int_equal(msl_dissect_udp(&D, 137, 137, P.data, P.len,
                                   MSL_DISSECT_TRUNCATED),
                   MSL_ERR_TRUNCATED);
  assert_int_equal(D.err_layer, MSL_LAYER_UDP);
  assert_int_equal(D.layers, MSL_LAYER_NBNS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_validator),
      cmocka_unit_test(test_out_primitives),
      cmocka_unit_test(test_summary_host_announcement),
      cmocka_unit_test(test_netlogon_primary),
      cmocka_unit_test(test_netlogon_ex),
      cmocka_unit_test(test_nbns),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_fields_before_error),
      cmocka_unit_test(test_illegal_dgm_names),
      cmocka_unit_test(test_illegal_nbns_names),
      cmocka_unit_test(test_nbns_partial),
      cmocka_unit_test(test_nbns_partial_records),
      cmocka_unit_test(test_illegal_name_sentence),
      cmocka_unit_test(test_port_choice),
      cmocka_unit_test(test_hostile),
      cmocka_unit_test(test_utf16),
      cmocka_unit_test(test_overflow_every_size),
      cmocka_unit_test(test_every_prefix),
      cmocka_unit_test(test_all_captures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
