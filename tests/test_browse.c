/* Browser protocol frames [MS-BRWS §2.2] and LM 2.x announcements: every
 * browser payload in captures/ decoded and re-encoded byte for byte, every
 * truncation, malformed strings and lists, the MS-BRWS §4.1 example, and
 * the builders checked against what Windows sends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"

#include "msl_browse.h"
#include "msl_browselist.h"

/* Browser mailslot data (SMB DataOffset/DataCount) of every frame tshark
 * shows as "browser" in captures/, one entry per distinct payload. Taken
 * with tshark -T json -x: smb_raw position + smb.data_offset, smb.dc. */
struct vec {
  const char *file;
  unsigned frame;
  const char *hex;
};

static const struct vec caps[] = {
    /* browse-becomebackup-2016-suricata.pcap frame 1 (also 20, 176, 282,
       443) */
    {"browse-becomebackup-2016-suricata.pcap", 1,
     "0b4445534b544f502d5631464130555100"},
    /* browse-becomebackup-2016-suricata.pcap frame 88 */
    {"browse-becomebackup-2016-suricata.pcap", 88,
     "010060ea00004445534b544f502d56314641305551000a00031000000f0155aa"
     "00"},
    /* browse-becomebackup-2016-suricata.pcap frame 105 (also 177) */
    {"browse-becomebackup-2016-suricata.pcap", 105,
     "02004445534b544f502d5631464130555100"},
    /* browse-becomebackup-2016-suricata.pcap frame 106 (also 178) */
    {"browse-becomebackup-2016-suricata.pcap", 106,
     "0f0080fc0a00534356000000000000000000000000000603031005000f0155aa"
     "00"},
    /* browse-becomebackup-2016-suricata.pcap frame 107 */
    {"browse-becomebackup-2016-suricata.pcap", 107,
     "0100c0d401004445534b544f502d56314641305551000a00031001000f0155aa"
     "00"},
    /* browse-becomebackup-2016-suricata.pcap frame 447 */
    {"browse-becomebackup-2016-suricata.pcap", 447,
     "0100c0d401004445534b544f502d56314641305551000a00031003000f0155aa"
     "00"},
    /* browse-becomebackup-2016-suricata.pcap frame 661 */
    {"browse-becomebackup-2016-suricata.pcap", 661,
     "010080a903004445534b544f502d56314641305551000a00031003000f0155aa"
     "00"},
    /* browse-becomebackup-2016-suricata.pcap frame 801 */
    {"browse-becomebackup-2016-suricata.pcap", 801,
     "0c00a0bb0d00574f524b47524f55500068f07e402000030a0010008020000000"
     "53435600"},
    /* browse-becomebackup-2016-suricata.pcap frame 923 */
    {"browse-becomebackup-2016-suricata.pcap", 923,
     "0100005307004445534b544f502d56314641305551000a00031003000f0155aa"
     "00"},
    /* browse-election-honeynet-2010-netbios-only.pcap frame 17 (also 19,
       20, 21, 42, 44, 45, 46, 59) */
    {"browse-election-honeynet-2010-netbios-only.pcap", 17,
     "020038464431324544443244433134363200"},
    /* browse-election-honeynet-2010-netbios-only.pcap frame 18 (also 43,
       80, 118) */
    {"browse-election-honeynet-2010-netbios-only.pcap", 18,
     "0100c0d40100384644313245444432444331343632000501031001000f0155aa"
     "00"},
    /* browse-election-honeynet-2010-netbios-only.pcap frame 22 (also 23,
       24, 25) */
    {"browse-election-honeynet-2010-netbios-only.pcap", 22,
     "0801200f0110941203000000000038464431324544443244433134363200"},
    /* browse-election-honeynet-2010-netbios-only.pcap frame 47 (also 48,
       49, 50) */
    {"browse-election-honeynet-2010-netbios-only.pcap", 47,
     "0801200f011023b603000000000038464431324544443244433134363200"},
    /* browse-election-honeynet-2010-netbios-only.pcap frame 61 */
    {"browse-election-honeynet-2010-netbios-only.pcap", 61,
     "0c0060ea0000574f524b47524f55500050d7120000e0030a0010008000e0f87f"
     "38464431324544443244433134363200"},
    /* browse-election-honeynet-2010-netbios-only.pcap frame 62 (also 99) */
    {"browse-election-honeynet-2010-netbios-only.pcap", 62,
     "0f00c0d40100384644313245444432444331343632000501031005000f0155aa"
     "00"},
    /* browse-election-honeynet-2010-netbios-only.pcap frame 84 (also 85,
       86, 87) */
    {"browse-election-honeynet-2010-netbios-only.pcap", 84,
     "0801200f011019fa04000000000038464431324544443244433134363200"},
    /* browse-election-honeynet-2010-netbios-only.pcap frame 98 */
    {"browse-election-honeynet-2010-netbios-only.pcap", 98,
     "0c0060ea0000574f524b47524f555000588e6a0500e0030a0010008000e0f87f"
     "38464431324544443244433134363200"},
    /* browse-election-honeynet-2010-netbios-only.pcap frame 100 */
    {"browse-election-honeynet-2010-netbios-only.pcap", 100,
     "0c0060ea0000574f524b47524f555000588e6a050010030a001000800010f97f"
     "38464431324544443244433134363200"},
    /* browse-election-honeynet-2010-netbios-only.pcap frame 122 (also 123,
       124, 125) */
    {"browse-election-honeynet-2010-netbios-only.pcap", 122,
     "0801200f0110177a07000000000038464431324544443244433134363200"},
    /* browse-getbackuplist-2005-lan-suricata.pcap frame 34 (also 368, 661)
     */
    {"browse-getbackuplist-2005-lan-suricata.pcap", 34,
     "010080fc0a00443030323436350000000000000000000500031000000f0155aa"
     "00"},
    /* browse-getbackuplist-2005-lan-suricata.pcap frame 199 */
    {"browse-getbackuplist-2005-lan-suricata.pcap", 199,
     "010080fc0a004c4142313131000000000fb2efcd68220501031000000f0155aa"
     "00"},
    /* browse-getbackuplist-2005-lan-suricata.pcap frame 464 (also 468, 472)
     */
    {"browse-getbackuplist-2005-lan-suricata.pcap", 464, "0904d8000000"},
    /* browse-getbackuplist-2005-lan-suricata.pcap frame 486 */
    {"browse-getbackuplist-2005-lan-suricata.pcap", 486,
     "010080fc0a004c4142313131000000000000000000000501031000000f0155aa"
     "00"},
    /* browse-getbackuplist-lmg-puzzle1.pcap frame 106 */
    {"browse-getbackuplist-lmg-puzzle1.pcap", 106,
     "011860ea00004845524249564f5245000000000000000409039a81000f0155aa"
     "53616d6261205365727665722056657273696f6e20332e322e30707265332d39"
     "2e66633900"},
    /* browse-getbackuplist-lmg-puzzle1.pcap frame 192 (also 205, 223) */
    {"browse-getbackuplist-lmg-puzzle1.pcap", 192, "090405000000"},
    /* browse-unicast-backuplist-ad-lab-share-traversal.pcap frame 11 */
    {"browse-unicast-backuplist-ad-lab-share-traversal.pcap", 11,
     "090401000000"},
    /* browse-unicast-backuplist-ad-lab-share-traversal.pcap frame 82 */
    {"browse-unicast-backuplist-ad-lab-share-traversal.pcap", 82,
     "0a0101000000434849505f444f55474c41532d504300"},
    /* browse-win98-dos-netbeui-ndpi.pcap frame 33 (also 42) */
    {"browse-win98-dos-netbeui-ndpi.pcap", 33,
     "010360ea00004d444a52393800000000000000000000040003204000150455aa"
     "00"},
    /* browse-win98-dos-netbeui-ndpi.pcap frame 62 (also 63, 64, 93, 95,
       109, 118, 127, 152) */
    {"browse-win98-dos-netbeui-ndpi.pcap", 62, "02004d444a52393800"},
    /* browse-win98-dos-netbeui-ndpi.pcap frame 94 (also 96) */
    {"browse-win98-dos-netbeui-ndpi.pcap", 94,
     "010460ea00004d444a52393800000000000000000000040003204100150455aa"
     "00"},
    /* browse-win98-dos-netbeui-ndpi.pcap frame 134 (also 141) */
    {"browse-win98-dos-netbeui-ndpi.pcap", 134,
     "08010000000000000000000000004d444a52393800"},
    /* browse-win98-dos-netbeui-ndpi.pcap frame 135 (also 138, 139, 140) */
    {"browse-win98-dos-netbeui-ndpi.pcap", 135,
     "0801001504017c880100000000004d444a52393800"},
    /* browse-win98-dos-netbeui-ndpi.pcap frame 144 (also 146, 148, 150) */
    {"browse-win98-dos-netbeui-ndpi.pcap", 144,
     "0801001504018f9d0100000000004d444a52393800"},
    /* browse-win98-dos-netbeui-ndpi.pcap frame 155 (also 193) */
    {"browse-win98-dos-netbeui-ndpi.pcap", 155,
     "0f05c0d401004d444a52393800000000000000000000040003204500150455aa"
     "00"},
    /* browse-win98-dos-netbeui-ndpi.pcap frame 209 (also 210) */
    {"browse-win98-dos-netbeui-ndpi.pcap", 209,
     "0c00c0d40100574f524b47524f55500000000000000004000020408000000000"
     "4d444a52393800"},
    /* nbns-nodestatus-win2003-lma-dissector.pcap frame 9 */
    {"nbns-nodestatus-win2003-lma-dissector.pcap", 9,
     "0f0080fc0a0057494e444f57533230303300000001000502039084000f0155aa"
     "00"},
    /* nbns-queries-nodestatus-2015-ndpi.pcap frame 20 */
    {"nbns-queries-nodestatus-2015-ndpi.pcap", 20,
     "010080fc0a004e5652390000000000000000000000000601071001000f0155aa"
     "00"},
    /* nbns-queries-nodestatus-2015-ndpi.pcap frame 113 */
    {"nbns-queries-nodestatus-2015-ndpi.pcap", 113,
     "010080fc0a00424f57494500000000000000000000000601071001000f0155aa"
     "00"},
    /* netlogon-samlogon-pause-ex-ad-lab-signin.pcap frame 639 (also 870,
       netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap frame 1,
       netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap frame 7) */
    {"netlogon-samlogon-pause-ex-ad-lab-signin.pcap", 639,
     "0d434849505f444f55474c41532d504300"},
    /* samba-nmbd-lan.pcap frame 27 */
    {"samba-nmbd-lan.pcap", 27,
     "08018a0f014170170000000000004c414253414d424100"},
    /* samba-nmbd-lan.pcap frame 30 */
    {"samba-nmbd-lan.pcap", 30,
     "08018a0f0141401f0000000000004c414253414d424100"},
    /* samba-nmbd-lan.pcap frame 31 */
    {"samba-nmbd-lan.pcap", 31,
     "08018a0f014110270000000000004c414253414d424100"},
    /* samba-nmbd-lan.pcap frame 32 */
    {"samba-nmbd-lan.pcap", 32,
     "08018a0f0141e02e0000000000004c414253414d424100"},
    /* samba-nmbd-lan.pcap frame 33 */
    {"samba-nmbd-lan.pcap", 33,
     "08018a0f0141b0360000000000004c414253414d424100"},
    /* samba-nmbd-lan.pcap frame 42 */
    {"samba-nmbd-lan.pcap", 42, "0201004c414253414d4241"},
    /* samba-nmbd-lan.pcap frame 43 */
    {"samba-nmbd-lan.pcap", 43,
     "0f03c0d401004c414253414d4241000000000000000006010b9b8c000f0155aa"
     "6f7261636c65206e6d626400"},
    /* samba-nmbd-lan.pcap frame 44 */
    {"samba-nmbd-lan.pcap", 44,
     "0c03c0d401004c4142574700000000000000000000000601001000800f0155aa"
     "4c414253414d424100"},
    /* samba-nmbd-lan.pcap frame 53 */
    {"samba-nmbd-lan.pcap", 53,
     "010180fc0a0050454552484f535400000000000000000601031001000f0155aa"
     "7065657220636f6d6d656e7400"},
    /* samba-nmbd-scope.pcap frame 27 */
    {"samba-nmbd-scope.pcap", 27,
     "08018a0f0141701700000000000053434f504544534d4200"},
    /* samba-nmbd-scope.pcap frame 30 */
    {"samba-nmbd-scope.pcap", 30,
     "08018a0f0141401f00000000000053434f504544534d4200"},
    /* samba-nmbd-scope.pcap frame 31 */
    {"samba-nmbd-scope.pcap", 31,
     "08018a0f0141102700000000000053434f504544534d4200"},
    /* samba-nmbd-scope.pcap frame 32 */
    {"samba-nmbd-scope.pcap", 32,
     "08018a0f0141e02e00000000000053434f504544534d4200"},
    /* samba-nmbd-scope.pcap frame 33 */
    {"samba-nmbd-scope.pcap", 33,
     "08018a0f0141b03600000000000053434f504544534d4200"},
    /* samba-nmbd-scope.pcap frame 42 */
    {"samba-nmbd-scope.pcap", 42, "02010053434f504544534d42"},
    /* samba-nmbd-scope.pcap frame 43 */
    {"samba-nmbd-scope.pcap", 43,
     "0f03c0d4010053434f504544534d420000000000000006010b9b8c000f0155aa"
     "6f7261636c65206e6d626400"},
    /* samba-nmbd-scope.pcap frame 44 */
    {"samba-nmbd-scope.pcap", 44,
     "0c03c0d4010053434f504557470000000000000000000601001000800f0155aa"
     "53434f504544534d4200"},
    /* windows-xp-browse-eapon1.pcap frame 1 (also 2, 76, 78, 79, 80, 94,
       95, malformed-smb-trans-oobr2.pcap frame 1) */
    {"windows-xp-browse-eapon1.pcap", 1, "0200444a50393553304a00"},
    /* windows-xp-browse-eapon1.pcap frame 3 */
    {"windows-xp-browse-eapon1.pcap", 3,
     "0c0060ea000041524245495453475255505045000100030a001000804cfe0403"
     "444a50393553304a00"},
    /* windows-xp-browse-eapon1.pcap frame 7 */
    {"windows-xp-browse-eapon1.pcap", 7,
     "0f0080fc0a00444a50393553304a000072006f0073000501031005000f0155aa"
     "00"},
    /* windows-xp-browse-eapon1.pcap frame 77 */
    {"windows-xp-browse-eapon1.pcap", 77,
     "010080fc0a00444a50393553304a00000000000001000501031001000f0155aa"
     "00"},
    /* windows-xp-browse-eapon1.pcap frame 82 (also 83, 84, 85) */
    {"windows-xp-browse-eapon1.pcap", 82,
     "0801200f011059b1191500000000444a50393553304a00"},
    /* windows-xp-browse-eapon1.pcap frame 96 */
    {"windows-xp-browse-eapon1.pcap", 96,
     "0c0060ea000041524245495453475255505045000100030a001000806cfec506"
     "444a50393553304a00"},
    /* windows-xp-browse-eapon1.pcap frame 108 */
    {"windows-xp-browse-eapon1.pcap", 108,
     "0f0080fc0a00444a50393553304a000059005c0055000501031005000f0155aa"
     "00"},
    /* browse-hnode-ics-beckhoff-addroute1.pcapng frame 48 */
    {"browse-hnode-ics-beckhoff-addroute1.pcapng", 48,
     "0c00e0930400574f524b47524f555000000000000000030a00100080fe070000"
     "4a435f5a48414f00"},
    /* browse-hnode-ics-beckhoff-addroute1.pcapng frame 50 */
    {"browse-hnode-ics-beckhoff-addroute1.pcapng", 50,
     "0f1f20bf020054492d564d00000000000000000000000409039a84000f0155aa"
     "54492d564d20736572766572202853616d62612c205562756e74752900"},
    /* browse-hnode-ics-beckhoff-addroute1.pcapng frame 51 */
    {"browse-hnode-ics-beckhoff-addroute1.pcapng", 51,
     "0c1f20bf0200574f524b47524f5550000000000000000409001000800f0155aa"
     "54492d564d00"},
    /* browse-hnode-ics-beckhoff-addroute1.pcapng frame 119 */
    {"browse-hnode-ics-beckhoff-addroute1.pcapng", 119,
     "0f1f80a9030054492d564d00000000000000000000000409039a84000f0155aa"
     "54492d564d20736572766572202853616d62612c205562756e74752900"},
    /* browse-hnode-ics-beckhoff-addroute1.pcapng frame 120 */
    {"browse-hnode-ics-beckhoff-addroute1.pcapng", 120,
     "0c1f80a90300574f524b47524f5550000000000000000409001000800f0155aa"
     "54492d564d00"},
};
#define NCAPS (sizeof caps / sizeof caps[0])

/* The capture vector for file + frame (fails the test when absent). */
static size_t cap_vec(const char *file, unsigned frame, uint8_t *out,
                      size_t cap) {
  for (size_t i = 0; i < NCAPS; i++)
    if (caps[i].frame == frame && !strcmp(caps[i].file, file))
      return unhex(caps[i].hex, out, cap);
  fail_msg("no vector %s:%u", file, frame);
  return 0;
}

/* cap_vec, then a decode into m that must succeed; returns the length. */
static size_t cap_decode(const char *file, unsigned frame, uint8_t *p,
                         size_t cap, msl_browse *m) {
  size_t len = cap_vec(file, frame, p, cap);
  assert_int_equal(msl_browse_decode(m, p, len), 0);
  return len;
}

/* The 16-byte name field holds want, NUL-terminated. */
static void name16_is(const uint8_t name[16], const char *want) {
  size_t n = strlen(want);
  assert_int_equal(msl_browse_name16_len(name), n);
  assert_memory_equal(name, want, n + 1);
}

/* msl_browse_sv_type_format of type is want. */
static void sv_type_is(uint32_t type, const char *want) {
  char t[128];
  msl_browse_sv_type_format(type, t, sizeof t);
  assert_string_equal(t, want);
}

static int view_is(msl_view v, const char *s) {
  return v.len == strlen(s) && (!v.len || !memcmp(v.ptr, s, v.len));
}

/* Decodes from an exact-size heap copy so ASan sees any over-read. */
static int decode_copy(msl_browse *m, const uint8_t *p, size_t len,
                       uint8_t **copy) {
  *copy = malloc(len ? len : 1);
  assert_non_null(*copy);
  if (len)
    memcpy(*copy, p, len);
  return msl_browse_decode(m, len ? *copy : NULL, len);
}

static void encode_equals(const msl_browse *m, const uint8_t *want,
                          size_t len) {
  uint8_t out[1024];
  int n = msl_browse_encode(m, out, sizeof out);
  assert_int_equal(n, (int)len);
  assert_memory_equal(out, want, len);
}

/* ---- every capture payload ---- */

static void test_captures_round_trip(void **state) {
  (void)state;
  for (size_t i = 0; i < NCAPS; i++) {
    uint8_t p[512], out[512];
    size_t len = unhex(caps[i].hex, p, sizeof p);
    msl_browse m, m2;
    uint8_t *copy;
    int rc = decode_copy(&m, p, len, &copy);
    if (rc)
      fail_msg("%s:%u: %d", caps[i].file, caps[i].frame, rc);
    assert_int_equal(m.opcode, p[0]);
    assert_non_null(msl_browse_opcode_name(m.opcode));
    int n = msl_browse_encode(&m, out, sizeof out);
    if (n != (int)len || memcmp(out, p, len))
      fail_msg("%s:%u: round trip differs", caps[i].file, caps[i].frame);
    assert_int_equal(msl_browse_decode(&m2, out, (size_t)n), 0);
    assert_true(msl_browse_equal(&m, &m2));
    /* Every smaller output buffer overflows without writing past it. */
    for (size_t c = 0; c < len; c++) {
      memset(out, 0xee, sizeof out);
      assert_int_equal(msl_browse_encode(&m, out, c), MSL_ERR_BUFFER_TOO_SMALL);
      assert_int_equal(out[c], 0xee);
    }
    free(copy);
  }
}

/* Every prefix shorter than the frame fails; longer prefixes of a frame
 * with trailing bytes decode with a shorter `trailing`. */
static void test_captures_truncated(void **state) {
  (void)state;
  for (size_t i = 0; i < NCAPS; i++) {
    uint8_t p[512];
    size_t len = unhex(caps[i].hex, p, sizeof p);
    msl_browse full;
    assert_int_equal(msl_browse_decode(&full, p, len), 0);
    size_t end = len - full.trailing.len;
    for (size_t k = 0; k < len; k++) {
      msl_browse m;
      uint8_t *copy;
      int rc = decode_copy(&m, p, k, &copy);
      if (k < end) {
        if (rc != MSL_ERR_TRUNCATED)
          fail_msg("%s:%u prefix %zu: %d", caps[i].file, caps[i].frame, k, rc);
      } else {
        assert_int_equal(rc, 0);
        assert_int_equal(m.trailing.len, k - end);
      }
      free(copy);
    }
  }
}

/* ---- field values per opcode ---- */

/* windows-xp-browse-eapon1.pcap frame 77: Windows XP HostAnnouncement. */
static void test_host_announcement_xp(void **state) {
  (void)state;
  uint8_t p[64];
  msl_browse m;
  cap_decode("windows-xp-browse-eapon1.pcap", 77, p, sizeof p, &m);
  const msl_browse_announce *a = &m.u.announce;
  assert_int_equal(m.opcode, MSL_BROWSE_HOST_ANNOUNCEMENT);
  assert_int_equal(a->update_count, 0);
  assert_int_equal(a->periodicity_ms, 720000);
  name16_is(a->name, "DJP95S0J");
  assert_int_equal(a->name[14], 0x01); /* XP leaves junk after the NUL */
  assert_int_equal(a->os_major, 5);
  assert_int_equal(a->os_minor, 1);
  assert_int_equal(a->server_type, 0x00011003);
  assert_int_equal(a->browser_major, 0x0f);
  assert_int_equal(a->browser_minor, 0x01);
  assert_int_equal(a->signature, MSL_BROWSE_SIGNATURE);
  assert_int_equal(a->comment.len, 0); /* <13>: a single NUL */
  assert_int_equal(m.trailing.len, 0);
  sv_type_is(a->server_type, "WORKSTATION|SERVER|NT|POTENTIAL_BROWSER");
}

/* Samba comments: samba-nmbd-lan.pcap frame 53 (a test script's host
 * announcement, update count 1), browse-getbackuplist-lmg-puzzle1.pcap
 * frame 106 (Samba 3.2), browse-hnode-ics-beckhoff-addroute1.pcapng
 * frame 50 (LocalMasterAnnouncement). */
static void test_announcement_comments(void **state) {
  (void)state;
  uint8_t p[128];
  msl_browse m;
  cap_decode("samba-nmbd-lan.pcap", 53, p, sizeof p, &m);
  assert_int_equal(m.u.announce.update_count, 1);
  assert_true(view_is(m.u.announce.comment, "peer comment"));

  cap_decode("browse-getbackuplist-lmg-puzzle1.pcap", 106, p, sizeof p, &m);
  assert_int_equal(m.u.announce.update_count, 0x18);
  name16_is(m.u.announce.name, "HERBIVORE");
  assert_true(
      view_is(m.u.announce.comment, "Samba Server Version 3.2.0pre3-9.fc9"));

  cap_decode("browse-hnode-ics-beckhoff-addroute1.pcapng", 50, p, sizeof p, &m);
  assert_int_equal(m.opcode, MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT);
  assert_int_equal(m.u.announce.periodicity_ms, 180000);
  assert_true(view_is(m.u.announce.comment, "TI-VM server (Samba, Ubuntu)"));
}

/* nbns-nodestatus-win2003-lma-dissector.pcap frame 9: Windows Server 2003
 * LocalMasterAnnouncement (DFS server). */
static void test_local_master_2003(void **state) {
  (void)state;
  uint8_t p[64];
  msl_browse m;
  cap_decode("nbns-nodestatus-win2003-lma-dissector.pcap", 9, p, sizeof p, &m);
  assert_int_equal(m.opcode, MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT);
  name16_is(m.u.announce.name, "WINDOWS2003");
  assert_int_equal(m.u.announce.os_major, 5);
  assert_int_equal(m.u.announce.os_minor, 2);
  assert_int_equal(m.u.announce.server_type, 0x00849003);
  /* Windows sends 0F 01 here, not the 01 0F of MS-BRWS <25>/<26>. */
  assert_int_equal(m.u.announce.browser_major, 0x0f);
  assert_int_equal(m.u.announce.browser_minor, 0x01);
  sv_type_is(m.u.announce.server_type,
             "WORKSTATION|SERVER|NT|SERVER_NT|MASTER_BROWSER|DFS");
}

/* DomainAnnouncement: windows-xp-browse-eapon1.pcap frame 3 (uninitialised
 * bytes 28..31), browse-win98-dos-netbeui-ndpi.pcap frame 209 (zeros there,
 * config version 4.0), samba-nmbd-lan.pcap frame 44 (0F 01 55 AA). */
static void test_domain_announcement(void **state) {
  (void)state;
  uint8_t p[64];
  msl_browse m;
  cap_decode("windows-xp-browse-eapon1.pcap", 3, p, sizeof p, &m);
  const msl_browse_announce *a = &m.u.announce;
  assert_int_equal(m.opcode, MSL_BROWSE_DOMAIN_ANNOUNCEMENT);
  assert_int_equal(a->periodicity_ms, 60000);
  name16_is(a->name, "ARBEITSGRUPPE");
  assert_int_equal(a->os_major, MSL_BROWSE_DOMAIN_CONFIG_MAJOR);
  assert_int_equal(a->os_minor, MSL_BROWSE_DOMAIN_CONFIG_MINOR);
  assert_int_equal(a->server_type, MSL_SV_DOMAIN_ENUM | MSL_SV_NT);
  assert_int_equal(msl_browse_mysterious(a), 0x0304fe4c);
  assert_true(view_is(a->comment, "DJP95S0J"));

  cap_decode("browse-win98-dos-netbeui-ndpi.pcap", 209, p, sizeof p, &m);
  assert_int_equal(m.u.announce.os_major, 4);
  assert_int_equal(m.u.announce.os_minor, 0);
  assert_int_equal(m.u.announce.server_type, 0x80402000);
  assert_int_equal(msl_browse_mysterious(&m.u.announce), 0);
  assert_int_equal(m.u.announce.signature, 0);
  assert_true(view_is(m.u.announce.comment, "MDJR98"));

  cap_decode("samba-nmbd-lan.pcap", 44, p, sizeof p, &m);
  assert_int_equal(m.u.announce.update_count, 3);
  assert_int_equal(msl_browse_mysterious(&m.u.announce), 0xaa55010f);
  assert_true(view_is(m.u.announce.comment, "LABSAMBA"));
}

/* AnnouncementRequest: windows-xp-browse-eapon1.pcap frame 1, and
 * samba-nmbd-lan.pcap frame 42, where nmbd writes its workgroup token in
 * Reserved, skips a byte (an empty name) and drops the final NUL. */
static void test_announcement_request(void **state) {
  (void)state;
  uint8_t p[64];
  msl_browse m;
  size_t len = cap_decode("windows-xp-browse-eapon1.pcap", 1, p, sizeof p, &m);
  assert_int_equal(m.opcode, MSL_BROWSE_ANNOUNCEMENT_REQUEST);
  assert_int_equal(m.u.req.reserved, 0);
  assert_true(view_is(m.u.req.response_name, "DJP95S0J"));
  assert_int_equal(m.trailing.len, 0);

  len = cap_decode("samba-nmbd-lan.pcap", 42, p, sizeof p, &m);
  assert_int_equal(m.u.req.reserved, 1);
  assert_int_equal(m.u.req.response_name.len, 0);
  assert_true(view_is(m.trailing, "LABSAMBA"));
  encode_equals(&m, p, len);
}

/* RequestElection: windows-xp-browse-eapon1.pcap frame 82 (uptime in ms:
 * ~98 h, not seconds), browse-win98-dos-netbeui-ndpi.pcap frame 134
 * (criteria 0: a client forcing an election, <30>), samba-nmbd-lan.pcap
 * frame 27 (os level 0x41). */
static void test_election(void **state) {
  (void)state;
  uint8_t p[64];
  msl_browse m;
  cap_decode("windows-xp-browse-eapon1.pcap", 82, p, sizeof p, &m);
  const msl_browse_election *e = &m.u.election;
  assert_int_equal(m.opcode, MSL_BROWSE_REQUEST_ELECTION);
  assert_int_equal(e->version, MSL_BROWSE_ELECTION_VERSION);
  assert_int_equal(e->criteria, 0x10010f20);
  assert_int_equal(msl_browse_criteria_os(e->criteria),
                   MSL_BROWSE_ELECT_OS_NTW);
  assert_string_equal(
      msl_browse_elect_os_name(msl_browse_criteria_os(e->criteria)), "NTW");
  assert_int_equal(msl_browse_criteria_version(e->criteria), 0x010f);
  assert_int_equal(msl_browse_criteria_role(e->criteria), MSL_BROWSE_ROLE_WINS);
  assert_int_equal(
      msl_browse_criteria_make(MSL_BROWSE_ELECT_OS_NTW, MSL_BROWSE_ROLE_WINS),
      e->criteria);
  assert_int_equal(e->uptime_ms, 0x1519b159);
  assert_int_equal(e->unused, 0);
  assert_true(view_is(e->server_name, "DJP95S0J"));

  cap_decode("browse-win98-dos-netbeui-ndpi.pcap", 134, p, sizeof p, &m);
  assert_int_equal(m.u.election.criteria, 0);
  assert_int_equal(m.u.election.uptime_ms, 0);
  assert_true(view_is(m.u.election.server_name, "MDJR98"));

  cap_decode("samba-nmbd-lan.pcap", 27, p, sizeof p, &m);
  assert_int_equal(m.u.election.criteria, 0x41010f8a);
  assert_int_equal(m.u.election.uptime_ms, 6000);
  char t[64];
  assert_int_equal(msl_browse_role_format(0x8a, t, sizeof t), 16);
  assert_string_equal(t, "DC|PREFERRED|PDC");
}

/* GetBackupList: browse-unicast-backuplist-ad-lab-share-traversal.pcap
 * frames 11 (request, count 4, token 1) and 82 (response);
 * browse-getbackuplist-2005-lan-suricata.pcap frame 464 (token 0xd8). */
static void test_backup_list(void **state) {
  (void)state;
  uint8_t p[64];
  msl_browse m;
  const char *f = "browse-unicast-backuplist-ad-lab-share-traversal.pcap";
  size_t len = cap_vec(f, 11, p, sizeof p);
  assert_int_equal(len, 6);
  assert_int_equal(msl_browse_decode(&m, p, len), 0);
  assert_int_equal(m.u.backup_req.count, 4);
  assert_int_equal(m.u.backup_req.token, 1);

  len =
      cap_vec("browse-getbackuplist-2005-lan-suricata.pcap", 464, p, sizeof p);
  assert_int_equal(msl_browse_decode(&m, p, len), 0);
  assert_int_equal(m.u.backup_req.token, 0xd8);

  len = cap_decode(f, 82, p, sizeof p, &m);
  assert_int_equal(m.opcode, MSL_BROWSE_GET_BACKUP_LIST_RESPONSE);
  assert_int_equal(m.u.backup_resp.count, 1);
  assert_int_equal(m.u.backup_resp.token, 1);
  msl_browse_names it;
  msl_view v;
  msl_browse_names_init(&it, &m.u.backup_resp);
  assert_int_equal(msl_browse_names_next(&it, &v), 1);
  assert_true(view_is(v, "CHIP_DOUGLAS-PC"));
  assert_int_equal(msl_browse_names_next(&it, &v), 0);
  assert_int_equal(msl_browse_names_next(&it, &v), 0);
}

/* BecomeBackup (browse-becomebackup-2016-suricata.pcap frame 1) and
 * MasterAnnouncement (netlogon-samlogon-pause-ex-ad-lab-signin.pcap frame
 * 639). */
static void test_name_frames(void **state) {
  (void)state;
  uint8_t p[64];
  msl_browse m;
  size_t len =
      cap_decode("browse-becomebackup-2016-suricata.pcap", 1, p, sizeof p, &m);
  assert_int_equal(m.opcode, MSL_BROWSE_BECOME_BACKUP);
  assert_true(view_is(m.u.name, "DESKTOP-V1FA0UQ"));
  len = cap_vec("netlogon-samlogon-pause-ex-ad-lab-signin.pcap", 639, p,
                sizeof p);
  assert_int_equal(msl_browse_decode(&m, p, len), 0);
  assert_int_equal(m.opcode, MSL_BROWSE_MASTER_ANNOUNCEMENT);
  assert_true(view_is(m.u.name, "CHIP_DOUGLAS-PC"));
}

/* ResetStateRequest: no capture has one; MS-BRWS §2.2.9 layout. */
static void test_reset_state(void **state) {
  (void)state;
  static const uint8_t p[] = {0x0e, 0x02};
  msl_browse m, b;
  assert_int_equal(msl_browse_decode(&m, p, sizeof p), 0);
  assert_int_equal(m.opcode, MSL_BROWSE_RESET_STATE_REQUEST);
  assert_int_equal(m.u.reset_type, MSL_BROWSE_RESET_CLEAR_ALL);
  assert_string_equal(msl_browse_reset_name(m.u.reset_type), "CLEAR_ALL");
  assert_null(msl_browse_reset_name(3));
  encode_equals(&m, p, sizeof p);
  assert_int_equal(msl_browse_build_reset_state(&b, MSL_BROWSE_RESET_CLEAR_ALL),
                   0);
  encode_equals(&b, p, sizeof p);
  assert_int_equal(msl_browse_decode(&m, p, 1), MSL_ERR_TRUNCATED);
  assert_int_equal(m.opcode, MSL_BROWSE_RESET_STATE_REQUEST);
}

/* ---- MS-BRWS §4.1 example ---- */

/* §4.1: LocalMasterAnnouncement from GERMANSHA, Periodicity 720000, OS 5.1,
 * ServerType 0x00051003, browser version 15.1, signature 0xAA55, DataCount
 * 33 (so the comment is the single NUL). */
static const uint8_t spec_lma[33] = {
    0x0f, 0x00, 0x80, 0xfc, 0x0a, 0x00, 'G',  'E',  'R',  'M',  'A',
    'N',  'S',  'H',  'A',  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x05, 0x01, 0x03, 0x10, 0x05, 0x00, 0x0f, 0x01, 0x55, 0xaa, 0x00};

static void test_spec_example(void **state) {
  (void)state;
  msl_browse m, b;
  assert_int_equal(msl_browse_decode(&m, spec_lma, sizeof spec_lma), 0);
  assert_int_equal(m.opcode, MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT);
  assert_int_equal(m.u.announce.periodicity_ms, MSL_BROWSE_PERIOD_MAX_MS);
  assert_memory_equal(m.u.announce.name, "GERMANSHA", 10);
  assert_int_equal(m.u.announce.server_type, 0x00051003);
  assert_int_equal(m.u.announce.signature, 43605);
  assert_int_equal(msl_browse_build_local_master_announcement(
                       &b, "GERMANSHA", 720000, 5, 1, 0x00051003, NULL),
                   0);
  encode_equals(&b, spec_lma, sizeof spec_lma);
  assert_true(msl_browse_equal(&m, &b));
  sv_type_is(0x00051003, "WORKSTATION|SERVER|NT|POTENTIAL_BROWSER|"
                         "MASTER_BROWSER");
}

/* ---- builders against Windows bytes ---- */

static void build_equals_capture(const msl_browse *b, const char *file,
                                 unsigned frame) {
  uint8_t p[128];
  size_t len = cap_vec(file, frame, p, sizeof p);
  encode_equals(b, p, len);
}

/* Bytes equal except in the listed [from, to) ranges (junk Windows leaves
 * in fields it does not initialise). */
static void build_equals_except(const msl_browse *b, const char *file,
                                unsigned frame, const size_t *ranges,
                                size_t nranges) {
  uint8_t p[128], out[128];
  size_t len = cap_vec(file, frame, p, sizeof p);
  int n = msl_browse_encode(b, out, sizeof out);
  assert_int_equal(n, (int)len);
  for (size_t i = 0; i < len; i++) {
    int skip = 0;
    for (size_t r = 0; r < nranges; r++)
      skip |= i >= ranges[2 * r] && i < ranges[2 * r + 1];
    if (!skip && out[i] != p[i])
      fail_msg("%s:%u byte %zu: %02x != %02x", file, frame, i, out[i], p[i]);
  }
}

static void test_build_host_announcement(void **state) {
  (void)state;
  const char *f = "browse-becomebackup-2016-suricata.pcap";
  msl_browse b;
  /* Windows 10 (OS 10.0), first timer announcement: frame 88. */
  assert_int_equal(msl_browse_build_host_announcement(
                       &b, "DESKTOP-V1FA0UQ", msl_browse_host_period_ms(0), 10,
                       0, 0x00001003, NULL),
                   0);
  build_equals_capture(&b, f, 88);
  /* Then as a potential browser (frame 107, 120000) and, after the
   * BecomeBackup frames, as a backup browser: frames 661 (240000) and 923
   * (480000). */
  static const struct {
    unsigned frame, count;
    uint32_t type;
  } seq[] = {{107, 2, 0x00011003}, {661, 3, 0x00031003}, {923, 4, 0x00031003}};
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(msl_browse_build_host_announcement(
                         &b, "DESKTOP-V1FA0UQ",
                         msl_browse_host_period_ms(seq[i].count), 10, 0,
                         seq[i].type, ""),
                     0);
    build_equals_capture(&b, f, seq[i].frame);
  }
  /* Windows XP, browse-election-honeynet-2010-netbios-only.pcap frame 18
   * (15-character name). */
  assert_int_equal(msl_browse_build_host_announcement(
                       &b, "8FD12EDD2DC1462", 120000, 5, 1, 0x00011003, NULL),
                   0);
  build_equals_capture(&b, "browse-election-honeynet-2010-netbios-only.pcap",
                       18);
  /* Windows XP, windows-xp-browse-eapon1.pcap frame 77: same but for the
   * junk byte XP leaves in the name padding (offset 6 + 14). */
  assert_int_equal(msl_browse_build_host_announcement(&b, "DJP95S0J", 720000, 5,
                                                      1, 0x00011003, NULL),
                   0);
  static const size_t pad[] = {20, 21};
  build_equals_except(&b, "windows-xp-browse-eapon1.pcap", 77, pad, 1);
}

static void test_build_local_master(void **state) {
  (void)state;
  msl_browse b;
  /* browse-becomebackup-2016-suricata.pcap frame 106 (OS 6.3). */
  assert_int_equal(msl_browse_build_local_master_announcement(
                       &b, "SCV", 720000, 6, 3, 0x00051003, NULL),
                   0);
  build_equals_capture(&b, "browse-becomebackup-2016-suricata.pcap", 106);
  /* nbns-nodestatus-win2003-lma-dissector.pcap frame 9, junk at 20. */
  assert_int_equal(msl_browse_build_local_master_announcement(
                       &b, "WINDOWS2003", 720000, 5, 2, 0x00849003, NULL),
                   0);
  static const size_t pad[] = {20, 21};
  build_equals_except(&b, "nbns-nodestatus-win2003-lma-dissector.pcap", 9, pad,
                      1);
}

static void test_build_domain_announcement(void **state) {
  (void)state;
  msl_browse b;
  /* windows-xp-browse-eapon1.pcap frame 3: equal but for the name padding
   * after "ARBEITSGRUPPE\0" and the uninitialised bytes 28..31. */
  assert_int_equal(msl_browse_build_domain_announcement(
                       &b, "ARBEITSGRUPPE", 60000,
                       MSL_SV_DOMAIN_ENUM | MSL_SV_NT, "DJP95S0J"),
                   0);
  static const size_t junk[] = {20, 22, 28, 32};
  build_equals_except(&b, "windows-xp-browse-eapon1.pcap", 3, junk, 2);
  /* browse-becomebackup-2016-suricata.pcap frame 801 (Windows 8.1 SCV,
   * 15 minutes). */
  assert_int_equal(
      msl_browse_build_domain_announcement(
          &b, "WORKGROUP", 900000, MSL_SV_DOMAIN_ENUM | MSL_SV_NT, "SCV"),
      0);
  static const size_t junk2[] = {16, 22, 28, 32};
  build_equals_except(&b, "browse-becomebackup-2016-suricata.pcap", 801, junk2,
                      2);
}

static void test_build_requests(void **state) {
  (void)state;
  msl_browse b;
  assert_int_equal(msl_browse_build_announcement_request(&b, "DJP95S0J"), 0);
  build_equals_capture(&b, "windows-xp-browse-eapon1.pcap", 1);
  assert_int_equal(msl_browse_build_announcement_request(&b, "DESKTOP-V1FA0UQ"),
                   0);
  build_equals_capture(&b, "browse-becomebackup-2016-suricata.pcap", 105);

  assert_int_equal(
      msl_browse_build_election(&b, 0x10010f20, 0x1519b159, "DJP95S0J"), 0);
  build_equals_capture(&b, "windows-xp-browse-eapon1.pcap", 82);
  assert_int_equal(msl_browse_build_election(&b, 0, 0, "MDJR98"), 0);
  build_equals_capture(&b, "browse-win98-dos-netbeui-ndpi.pcap", 134);

  assert_int_equal(
      msl_browse_build_backup_list_request(&b, MSL_BROWSE_BACKUP_COUNT_DEFAULT,
                                           MSL_BROWSE_BACKUP_TOKEN_DEFAULT),
      0);
  build_equals_capture(
      &b, "browse-unicast-backuplist-ad-lab-share-traversal.pcap", 11);
  assert_int_equal(msl_browse_build_backup_list_request(&b, 4, 5), 0);
  build_equals_capture(&b, "browse-getbackuplist-lmg-puzzle1.pcap", 192);
}

static void test_build_replies(void **state) {
  (void)state;
  msl_browse b;
  uint8_t scratch[64];
  const char *names[] = {"CHIP_DOUGLAS-PC"};
  assert_int_equal(msl_browse_build_backup_list_response(
                       &b, 1, names, 1, scratch, sizeof scratch),
                   0);
  build_equals_capture(
      &b, "browse-unicast-backuplist-ad-lab-share-traversal.pcap", 82);
  /* scratch too small for the names */
  assert_int_equal(
      msl_browse_build_backup_list_response(&b, 1, names, 1, scratch, 15),
      MSL_ERR_BUFFER_TOO_SMALL);
  /* several names, walked back */
  const char *three[] = {"A", "BB", "CCC"};
  assert_int_equal(msl_browse_build_backup_list_response(
                       &b, 7, three, 3, scratch, sizeof scratch),
                   0);
  uint8_t out[64];
  int n = msl_browse_encode(&b, out, sizeof out);
  static const uint8_t want[] = {0x0a, 3,   7, 0,   0,   0,   'A', 0,
                                 'B',  'B', 0, 'C', 'C', 'C', 0};
  assert_int_equal(n, (int)sizeof want);
  assert_memory_equal(out, want, sizeof want);
  msl_browse d;
  assert_int_equal(msl_browse_decode(&d, out, (size_t)n), 0);
  msl_browse_names it;
  msl_view v;
  msl_browse_names_init(&it, &d.u.backup_resp);
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(msl_browse_names_next(&it, &v), 1);
    assert_true(view_is(v, three[i]));
  }
  assert_int_equal(msl_browse_names_next(&it, &v), 0);
  /* empty list */
  assert_int_equal(
      msl_browse_build_backup_list_response(&b, 9, NULL, 0, NULL, 0), 0);
  assert_int_equal(msl_browse_encode(&b, out, sizeof out), 6);

  assert_int_equal(msl_browse_build_become_backup(&b, "DESKTOP-V1FA0UQ"), 0);
  build_equals_capture(&b, "browse-becomebackup-2016-suricata.pcap", 1);
  assert_int_equal(msl_browse_build_master_announcement(&b, "CHIP_DOUGLAS-PC"),
                   0);
  build_equals_capture(&b, "netlogon-samlogon-pause-ex-ad-lab-signin.pcap",
                       639);
}

static void test_build_args(void **state) {
  (void)state;
  msl_browse b;
  char c43[44];
  memset(c43, 'c', 43);
  c43[43] = 0;
  assert_int_equal(msl_browse_build_announcement_request(NULL, "X"),
                   MSL_ERR_ARG);
  assert_int_equal(msl_browse_build_announcement_request(&b, NULL),
                   MSL_ERR_ARG);
  assert_int_equal(msl_browse_build_announcement_request(&b, ""), MSL_ERR_ARG);
  assert_int_equal(
      msl_browse_build_announcement_request(&b, "0123456789ABCDEF"),
      MSL_ERR_ARG);
  assert_int_equal(msl_browse_build_announcement_request(&b, "0123456789ABCDE"),
                   0);
  assert_int_equal(msl_browse_build_election(&b, 0, 0, NULL), MSL_ERR_ARG);
  assert_int_equal(msl_browse_build_host_announcement(&b, "H", 1, 0, 0, 0, c43),
                   MSL_ERR_ARG);
  c43[42] = 0; /* 42 characters + NUL = the spec's 43 bytes */
  assert_int_equal(msl_browse_build_host_announcement(&b, "H", 1, 0, 0, 0, c43),
                   0);
  assert_int_equal(msl_browse_build_domain_announcement(&b, "G", 1, 0, ""),
                   MSL_ERR_ARG);
  assert_int_equal(msl_browse_build_domain_announcement(&b, "G", 1, 0, NULL),
                   MSL_ERR_ARG);
  const char *bad[] = {"OK", "0123456789ABCDEF"};
  uint8_t scratch[64];
  assert_int_equal(
      msl_browse_build_backup_list_response(&b, 1, bad, 2, scratch, 64),
      MSL_ERR_ARG);
  assert_int_equal(
      msl_browse_build_backup_list_response(&b, 1, NULL, 1, scratch, 64),
      MSL_ERR_ARG);
  assert_int_equal(
      msl_browse_build_backup_list_response(&b, 1, bad, 256, scratch, 64),
      MSL_ERR_ARG);
  assert_int_equal(msl_browse_build_backup_list_request(NULL, 4, 1),
                   MSL_ERR_ARG);
  assert_int_equal(msl_browse_build_reset_state(NULL, 1), MSL_ERR_ARG);
  assert_int_equal(msl_browse_build_become_backup(NULL, "X"), MSL_ERR_ARG);
  assert_int_equal(msl_browse_build_master_announcement(&b, ""), MSL_ERR_ARG);
  msl_browse_lanman l;
  assert_int_equal(msl_browse_build_lanman(&l, "", 0, 0, 0, 0, NULL),
                   MSL_ERR_ARG);
  assert_int_equal(msl_browse_build_lanman(NULL, "X", 0, 0, 0, 0, NULL),
                   MSL_ERR_ARG);
}

/* ---- malformed input ---- */

static void test_empty_and_unknown(void **state) {
  (void)state;
  msl_browse m;
  assert_int_equal(msl_browse_decode(&m, NULL, 0), MSL_ERR_TRUNCATED);
  assert_int_equal(msl_browse_decode(NULL, (const uint8_t *)"", 0),
                   MSL_ERR_ARG);
  static const uint8_t unk[] = {0x03, 0xaa, 0xbb};
  assert_int_equal(msl_browse_decode(&m, unk, sizeof unk), MSL_ERR_UNSUPPORTED);
  assert_int_equal(m.opcode, 0x03);
  assert_int_equal(m.trailing.len, 2);
  assert_ptr_equal(m.trailing.ptr, unk + 1);
  assert_null(msl_browse_opcode_name(0x03));
  uint8_t out[8];
  assert_int_equal(msl_browse_encode(&m, out, sizeof out), MSL_ERR_UNSUPPORTED);
  for (unsigned op = 0; op < 256; op++) {
    uint8_t b = (uint8_t)op;
    int rc = msl_browse_decode(&m, &b, 1);
    if (msl_browse_opcode_name(op)) {
      assert_int_equal(rc, MSL_ERR_TRUNCATED);
    } else {
      assert_int_equal(rc, MSL_ERR_UNSUPPORTED);
      assert_int_equal(m.trailing.len, 0);
    }
    assert_int_equal(m.opcode, op);
  }
}

/* Names: 15 characters + NUL decode; 16 fail INVALID; a name that runs to
 * the end of the data without a NUL fails TRUNCATED; a long run without a
 * NUL fails INVALID without reading past the 16 bytes a name may use. */
static void test_long_strings(void **state) {
  (void)state;
  uint8_t p[400];
  msl_browse m;
  memset(p, 'A', sizeof p);
  p[0] = MSL_BROWSE_BECOME_BACKUP;
  p[16] = 0; /* 15 characters */
  assert_int_equal(msl_browse_decode(&m, p, 17), 0);
  assert_int_equal(m.u.name.len, 15);
  p[16] = 'A';
  p[17] = 0; /* 16 characters */
  assert_int_equal(msl_browse_decode(&m, p, 18), MSL_ERR_INVALID);
  assert_int_equal(msl_browse_decode(&m, p, 10), MSL_ERR_TRUNCATED);
  assert_int_equal(msl_browse_decode(&m, p, 300), MSL_ERR_INVALID);

  /* election and announcement request names */
  static const uint8_t el[] = {0x08, 1, 0, 0, 0, 0, 0,   0,
                               0,    0, 0, 0, 0, 0, 'A', 'B'};
  assert_int_equal(msl_browse_decode(&m, el, sizeof el), MSL_ERR_TRUNCATED);
  static const uint8_t ar[] = {0x02, 0};
  assert_int_equal(msl_browse_decode(&m, ar, sizeof ar), MSL_ERR_TRUNCATED);

  /* Comments: up to 255 characters, NUL required. */
  uint8_t h[MSL_BROWSE_ANNOUNCE_FIXED + 300];
  memcpy(h, spec_lma, MSL_BROWSE_ANNOUNCE_FIXED);
  memset(h + MSL_BROWSE_ANNOUNCE_FIXED, 'c', 300);
  h[MSL_BROWSE_ANNOUNCE_FIXED + 255] = 0;
  assert_int_equal(msl_browse_decode(&m, h, MSL_BROWSE_ANNOUNCE_FIXED + 256),
                   0);
  assert_int_equal(m.u.announce.comment.len, 255);
  uint8_t out[400];
  assert_int_equal(msl_browse_encode(&m, out, sizeof out),
                   MSL_BROWSE_ANNOUNCE_FIXED + 256);
  h[MSL_BROWSE_ANNOUNCE_FIXED + 255] = 'c';
  h[MSL_BROWSE_ANNOUNCE_FIXED + 256] = 0;
  assert_int_equal(msl_browse_decode(&m, h, MSL_BROWSE_ANNOUNCE_FIXED + 257),
                   MSL_ERR_INVALID);
  assert_int_equal(msl_browse_decode(&m, h, MSL_BROWSE_ANNOUNCE_FIXED + 40),
                   MSL_ERR_TRUNCATED);
  /* DomainAnnouncement: the last field is a name, 15 at most. */
  h[0] = MSL_BROWSE_DOMAIN_ANNOUNCEMENT;
  h[MSL_BROWSE_ANNOUNCE_FIXED + 20] = 0;
  assert_int_equal(msl_browse_decode(&m, h, MSL_BROWSE_ANNOUNCE_FIXED + 21),
                   MSL_ERR_INVALID);
}

/* BackupServerCount larger than the names present. */
static void test_backup_count_overflow(void **state) {
  (void)state;
  static const uint8_t p[] = {0x0a, 5, 1, 0, 0, 0, 'A', 0, 'B', 0};
  msl_browse m;
  assert_int_equal(msl_browse_decode(&m, p, sizeof p), MSL_ERR_TRUNCATED);
  assert_int_equal(m.opcode, MSL_BROWSE_GET_BACKUP_LIST_RESPONSE);
  /* What came before the fault stays, for a dissector: the count and the
   * token; the list is not set; err_off is where the names ran out. */
  assert_int_equal(m.u.backup_resp.count, 5);
  assert_int_equal(m.u.backup_resp.token, 1);
  assert_int_equal(m.u.backup_resp.list.len, 0);
  assert_int_equal(m.err_off, sizeof p);
  static const uint8_t ff[] = {0x0a, 0xff, 1, 0, 0, 0};
  assert_int_equal(msl_browse_decode(&m, ff, sizeof ff), MSL_ERR_TRUNCATED);
  /* count 0: the names are trailing bytes */
  static const uint8_t zero[] = {0x0a, 0, 1, 0, 0, 0, 'A', 0};
  assert_int_equal(msl_browse_decode(&m, zero, sizeof zero), 0);
  assert_int_equal(m.u.backup_resp.list.len, 0);
  assert_int_equal(m.trailing.len, 2);
  /* 255 names fill the count */
  uint8_t big[6 + 255 * 2];
  memcpy(big, ff, 6);
  for (size_t i = 0; i < 255; i++) {
    big[6 + 2 * i] = 'N';
    big[7 + 2 * i] = 0;
  }
  assert_int_equal(msl_browse_decode(&m, big, sizeof big), 0);
  assert_int_equal(m.u.backup_resp.list.len, 510);
  msl_browse_names it;
  msl_view v;
  unsigned n = 0;
  msl_browse_names_init(&it, &m.u.backup_resp);
  while (msl_browse_names_next(&it, &v) == 1)
    n++;
  assert_int_equal(n, 255);
  /* A hand-made list shorter than its count: the iterator reports it and
   * the encoder refuses it. */
  msl_browse h;
  memset(&h, 0, sizeof h);
  h.opcode = MSL_BROWSE_GET_BACKUP_LIST_RESPONSE;
  h.u.backup_resp.count = 2;
  h.u.backup_resp.list.ptr = (const uint8_t *)"A";
  h.u.backup_resp.list.len = 2;
  msl_browse_names_init(&it, &h.u.backup_resp);
  assert_int_equal(msl_browse_names_next(&it, &v), 1);
  assert_int_equal(msl_browse_names_next(&it, &v), MSL_ERR_TRUNCATED);
  assert_int_equal(msl_browse_names_next(&it, &v), 0);
  uint8_t out[32];
  assert_int_equal(msl_browse_encode(&h, out, sizeof out), MSL_ERR_ARG);
  h.u.backup_resp.count = 0; /* extra bytes beyond the count */
  assert_int_equal(msl_browse_encode(&h, out, sizeof out), MSL_ERR_ARG);
}

static void test_encode_args(void **state) {
  (void)state;
  uint8_t out[64];
  msl_browse m;
  assert_int_equal(msl_browse_encode(NULL, out, sizeof out), MSL_ERR_ARG);
  assert_int_equal(msl_browse_build_become_backup(&m, "X"), 0);
  m.u.name.ptr = (const uint8_t *)"A\0B";
  m.u.name.len = 3; /* embedded NUL would not decode back */
  assert_int_equal(msl_browse_encode(&m, out, sizeof out), MSL_ERR_ARG);
  m.u.name.ptr = (const uint8_t *)"0123456789ABCDEF";
  m.u.name.len = 16;
  assert_int_equal(msl_browse_encode(&m, out, sizeof out), MSL_ERR_ARG);
  m.u.name.ptr = NULL;
  m.u.name.len = 1;
  assert_int_equal(msl_browse_encode(&m, out, sizeof out), MSL_ERR_ARG);
  m.u.name.len = 0; /* NULL, 0: an empty name */
  assert_int_equal(msl_browse_encode(&m, out, sizeof out), 2);
  m.trailing.len = 4; /* trailing NULL with a length */
  assert_int_equal(msl_browse_encode(&m, out, sizeof out), MSL_ERR_ARG);
  assert_int_equal(msl_browse_build_become_backup(&m, "X"), 0);
  assert_int_equal(msl_browse_encode(&m, NULL, 0), MSL_ERR_BUFFER_TOO_SMALL);
}

/* ---- LM 2.x on \MAILSLOT\LANMAN ---- */

/* Built after samba nmbd_sendannounce.c send_lm_announcement: opcode 0x0001,
 * type (WORKSTATION|SERVER|SERVER_UNIX|NT|POTENTIAL_BROWSER), version 4.9,
 * interval 720 s, name, comment, both upper-cased by Samba. */
static const uint8_t lm_vec[] = {0x01, 0x00, 0x03, 0x18, 0x01, 0x00, 0x04,
                                 0x09, 0xd0, 0x02, 'L',  'A',  'B',  'S',
                                 'A',  'M',  'B',  'A',  0x00, 'S',  'A',
                                 'M',  'B',  'A',  ' ',  '4',  0x00};

static void test_lanman(void **state) {
  (void)state;
  msl_browse_lanman l, b;
  assert_int_equal(msl_browse_decode_lanman(&l, lm_vec, sizeof lm_vec), 0);
  assert_int_equal(l.opcode, 1);
  assert_int_equal(l.server_type, 0x00011803);
  assert_int_equal(l.os_major, 4);
  assert_int_equal(l.os_minor, 9);
  assert_int_equal(l.interval_s, 720);
  assert_true(view_is(l.name, "LABSAMBA"));
  assert_true(view_is(l.comment, "SAMBA 4"));
  assert_int_equal(l.trailing.len, 0);
  uint8_t out[64];
  assert_int_equal(msl_browse_encode_lanman(&l, out, sizeof out),
                   (int)sizeof lm_vec);
  assert_memory_equal(out, lm_vec, sizeof lm_vec);
  assert_int_equal(
      msl_browse_build_lanman(&b, "LABSAMBA", 0x00011803, 4, 9, 720, "SAMBA 4"),
      0);
  assert_int_equal(msl_browse_encode_lanman(&b, out, sizeof out),
                   (int)sizeof lm_vec);
  assert_memory_equal(out, lm_vec, sizeof lm_vec);
  for (size_t c = 0; c < sizeof lm_vec; c++)
    assert_int_equal(msl_browse_encode_lanman(&b, out, c),
                     MSL_ERR_BUFFER_TOO_SMALL);
  /* every truncation */
  for (size_t k = 0; k < sizeof lm_vec; k++) {
    uint8_t *copy = malloc(k ? k : 1);
    assert_non_null(copy);
    memcpy(copy, lm_vec, k);
    assert_int_equal(msl_browse_decode_lanman(&l, k ? copy : NULL, k),
                     MSL_ERR_TRUNCATED);
    free(copy);
  }
  /* other opcodes */
  uint8_t x[sizeof lm_vec];
  memcpy(x, lm_vec, sizeof x);
  x[0] = 0x02;
  assert_int_equal(msl_browse_decode_lanman(&l, x, sizeof x),
                   MSL_ERR_UNSUPPORTED);
  assert_int_equal(l.opcode, 2);
  x[0] = 0x0f;
  assert_int_equal(msl_browse_decode_lanman(&l, x, sizeof x), 0);
  assert_int_equal(msl_browse_decode_lanman(NULL, x, sizeof x), MSL_ERR_ARG);
  l.opcode = 0x0003;
  assert_int_equal(msl_browse_encode_lanman(&l, out, sizeof out),
                   MSL_ERR_UNSUPPORTED);
  /* layout detection: LM vs the MS-BRWS layout Windows also sends there */
  assert_false(msl_browse_lanman_is_brws(lm_vec, sizeof lm_vec));
  assert_true(msl_browse_lanman_is_brws(spec_lma, sizeof spec_lma));
  assert_false(msl_browse_lanman_is_brws(spec_lma, 32));
  assert_false(msl_browse_lanman_is_brws(NULL, 0));
}

/* ---- names and formatting ---- */

static void test_names(void **state) {
  (void)state;
  static const struct {
    unsigned op;
    const char *name;
  } ops[] = {
      {0x01, "HostAnnouncement"},      {0x02, "AnnouncementRequest"},
      {0x08, "RequestElection"},       {0x09, "GetBackupListRequest"},
      {0x0a, "GetBackupListResponse"}, {0x0b, "BecomeBackup"},
      {0x0c, "DomainAnnouncement"},    {0x0d, "MasterAnnouncement"},
      {0x0e, "ResetStateRequest"},     {0x0f, "LocalMasterAnnouncement"}};
  unsigned known = 0;
  for (unsigned op = 0; op < 256; op++)
    known += msl_browse_opcode_name(op) != NULL;
  assert_int_equal(known, 10);
  for (size_t i = 0; i < 10; i++)
    assert_string_equal(msl_browse_opcode_name(ops[i].op), ops[i].name);

  unsigned named = 0;
  for (unsigned i = 0; i < 32; i++)
    named += msl_browse_sv_type_name((uint32_t)1 << i) != NULL;
  assert_int_equal(named, 31);
  assert_null(msl_browse_sv_type_name(0x08000000));
  assert_null(msl_browse_sv_type_name(0));
  assert_null(msl_browse_sv_type_name(3));
  assert_string_equal(msl_browse_sv_type_name(MSL_SV_DOMAIN_ENUM),
                      "DOMAIN_ENUM");
  assert_string_equal(msl_browse_sv_type_name(MSL_SV_WINDOWS), "WINDOWS");
  assert_string_equal(msl_browse_sv_type_name(MSL_SV_LOCAL_LIST_ONLY),
                      "LOCAL_LIST_ONLY");
  assert_string_equal(msl_browse_role_name(MSL_BROWSE_ROLE_PDC), "PDC");
  assert_null(msl_browse_role_name(0x10));
  assert_null(msl_browse_elect_os_name(0x41));
  assert_string_equal(msl_browse_elect_os_name(0x20), "NTS");
  assert_string_equal(msl_browse_elect_os_name(0x01), "WFW");

  char t[16];
  assert_int_equal(msl_browse_sv_type_format(0, t, sizeof t), 0);
  assert_string_equal(t, "");
  /* snprintf semantics: truncated but terminated, full length returned */
  size_t need = msl_browse_sv_type_format(0xffffffff, NULL, 0);
  assert_true(need > 300);
  char *all = malloc(need + 1);
  assert_non_null(all);
  assert_int_equal(msl_browse_sv_type_format(0xffffffff, all, need + 1), need);
  assert_int_equal(strlen(all), need);
  assert_non_null(strstr(all, "|CLUSTER_VS_NT|0x08000000|DCE|"));
  for (size_t c = 1; c <= need; c++) {
    assert_int_equal(msl_browse_sv_type_format(0xffffffff, all, c), need);
    assert_int_equal(strlen(all), c - 1);
  }
  free(all);
  assert_int_equal(msl_browse_sv_type_format(0x80000001, t, 5), 23);
  assert_string_equal(t, "WORK");
  assert_int_equal(msl_browse_role_format(0x50, t, sizeof t), 9);
  assert_string_equal(t, "0x10|0x40");

  static const uint32_t period[] = {60000,  60000,  120000, 240000,
                                    480000, 720000, 720000};
  for (unsigned i = 0; i < 7; i++)
    assert_int_equal(msl_browse_host_period_ms(i), period[i]);
  assert_int_equal(msl_browse_host_period_ms(~0u), 720000);
}

/* ---- msl_browselist: entries merged by (kind, name, workgroup) ---- */

static msl_browse announce(uint8_t opcode, const char *name,
                           const char *comment, uint32_t type) {
  msl_browse b;
  memset(&b, 0, sizeof(b));
  b.opcode = opcode;
  /* Windows leaves stack bytes after the name's NUL: not part of it. */
  memset(b.u.announce.name, 0xcc, sizeof(b.u.announce.name));
  memcpy(b.u.announce.name, name, strlen(name) + 1);
  b.u.announce.server_type = type;
  b.u.announce.os_major = 6;
  b.u.announce.os_minor = 1;
  b.u.announce.comment.ptr = (const uint8_t *)comment;
  b.u.announce.comment.len = strlen(comment);
  return b;
}

static const uint8_t dst_1d[16] = "MSLTEST        \x1d";
static const uint8_t dst_1e[16] = "MSLTEST        \x1e";

/* One host heard twice (two addresses: two interfaces), then again as
 * local master: one host entry, the newest fields, local_master kept; its
 * workgroup from the LocalMasterAnnouncement and from a
 * DomainAnnouncement: one workgroup entry (issue 12 item 5). */
static void test_list_merge(void **state) {
  (void)state;
  static msl_browse_list l;
  msl_browse_list_init(&l);
  msl_browse b = announce(MSL_BROWSE_HOST_ANNOUNCEMENT, "H2", "first", 3);
  assert_int_equal(msl_browse_list_add(&l, &b, 0xc6120002, dst_1d), 1);
  b = announce(MSL_BROWSE_HOST_ANNOUNCEMENT, "H2", "second", 0x1003);
  assert_int_equal(msl_browse_list_add(&l, &b, 0xc6130002, dst_1d), 1);
  assert_int_equal(l.n, 1);
  const msl_browse_entry *e = &l.e[0];
  assert_int_equal(e->kind, MSL_BROWSE_ENTRY_HOST);
  assert_int_equal(e->name_len, 2);
  assert_memory_equal(e->name, "H2", 2);
  assert_int_equal(e->wg_len, 7);
  assert_memory_equal(e->wg, "MSLTEST", 7);
  assert_int_equal(e->text_len, 6);
  assert_memory_equal(e->text, "second", 6);
  assert_int_equal(e->ip, 0xc6130002);
  assert_int_equal(e->server_type, 0x1003);
  assert_int_equal(e->heard, 2);
  assert_false(e->local_master);
  /* Another host, and H2 in another workgroup: entries of their own. */
  b = announce(MSL_BROWSE_HOST_ANNOUNCEMENT, "H3", "", 3);
  assert_int_equal(msl_browse_list_add(&l, &b, 0xc6120003, dst_1d), 1);
  b = announce(MSL_BROWSE_HOST_ANNOUNCEMENT, "H2", "", 3);
  static const uint8_t other[16] = "OTHER          \x1d";
  assert_int_equal(msl_browse_list_add(&l, &b, 0xc6120002, other), 1);
  assert_int_equal(l.n, 3);
  /* Local master: H2 merged (flag set), and the workgroup MSLTEST. */
  b = announce(MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT, "H2", "lm", 0x41003);
  assert_int_equal(msl_browse_list_add(&l, &b, 0xc6120002, dst_1e), 2);
  b = announce(MSL_BROWSE_HOST_ANNOUNCEMENT, "H2", "plain", 0x1003);
  assert_int_equal(msl_browse_list_add(&l, &b, 0xc6120002, dst_1d), 1);
  assert_int_equal(l.n, 4);
  assert_true(e->local_master);
  assert_int_equal(e->heard, 4);
  assert_memory_equal(e->text, "plain", 5);
  const msl_browse_entry *w = &l.e[3];
  assert_int_equal(w->kind, MSL_BROWSE_ENTRY_WORKGROUP);
  assert_memory_equal(w->name, "MSLTEST", 7);
  assert_int_equal(w->text_len, 2);
  assert_memory_equal(w->text, "H2", 2);
  assert_false(w->has_type);
  b = announce(MSL_BROWSE_DOMAIN_ANNOUNCEMENT, "MSLTEST", "SAMBA1", 0x80001000);
  static const uint8_t msb[16] = "\x01\x02__MSBROWSE__\x02\x01";
  assert_int_equal(msl_browse_list_add(&l, &b, 0xc6120001, msb), 1);
  assert_int_equal(l.n, 4);
  assert_int_equal(w->heard, 2);
  assert_memory_equal(w->text, "SAMBA1", 6);
  assert_true(w->has_type);
  assert_int_equal(w->ip, 0xc6120001);
  /* Heard without its destination (a local writer): workgroup unknown. */
  b = announce(MSL_BROWSE_HOST_ANNOUNCEMENT, "H3", "", 3);
  assert_int_equal(msl_browse_list_add(&l, &b, 0x7f000001, NULL), 1);
  assert_int_equal(l.n, 5);
  assert_int_equal(l.e[4].wg_len, 0);
  /* Frames that announce nothing; bad arguments. */
  msl_browse q;
  memset(&q, 0, sizeof(q));
  q.opcode = MSL_BROWSE_ANNOUNCEMENT_REQUEST;
  assert_int_equal(msl_browse_list_add(&l, &q, 1, dst_1d), 0);
  assert_int_equal(msl_browse_list_add(NULL, &q, 1, dst_1d), MSL_ERR_ARG);
  assert_int_equal(msl_browse_list_add(&l, NULL, 1, dst_1d), MSL_ERR_ARG);
}

/* Bounded: a comment is cut, a full table refuses and counts. */
static void test_list_bounds(void **state) {
  (void)state;
  static msl_browse_list l;
  char name[16], comment[100];
  memset(comment, 'c', sizeof(comment) - 1);
  comment[sizeof(comment) - 1] = '\0';
  msl_browse_list_init(&l);
  for (int i = 0; i < MSL_BROWSE_LIST_MAX + 10; i++) {
    snprintf(name, sizeof(name), "HOST%d", i);
    msl_browse b = announce(MSL_BROWSE_HOST_ANNOUNCEMENT, name, comment, 3);
    assert_int_equal(msl_browse_list_add(&l, &b, (uint32_t)i, dst_1d),
                     i < MSL_BROWSE_LIST_MAX);
  }
  assert_int_equal(l.n, MSL_BROWSE_LIST_MAX);
  assert_int_equal(l.dropped, 10);
  assert_int_equal(l.e[0].text_len, MSL_BROWSE_LIST_TEXT);
  assert_true(l.e[0].text_cut);
  /* A known entry still refreshes when the table is full. */
  msl_browse b = announce(MSL_BROWSE_HOST_ANNOUNCEMENT, "HOST0", "new", 3);
  assert_int_equal(msl_browse_list_add(&l, &b, 9, dst_1d), 1);
  assert_int_equal(l.e[0].heard, 2);
  assert_false(l.e[0].text_cut);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_captures_round_trip),
      cmocka_unit_test(test_captures_truncated),
      cmocka_unit_test(test_host_announcement_xp),
      cmocka_unit_test(test_announcement_comments),
      cmocka_unit_test(test_local_master_2003),
      cmocka_unit_test(test_domain_announcement),
      cmocka_unit_test(test_announcement_request),
      cmocka_unit_test(test_election),
      cmocka_unit_test(test_backup_list),
      cmocka_unit_test(test_name_frames),
      cmocka_unit_test(test_reset_state),
      cmocka_unit_test(test_spec_example),
      cmocka_unit_test(test_build_host_announcement),
      cmocka_unit_test(test_build_local_master),
      cmocka_unit_test(test_build_domain_announcement),
      cmocka_unit_test(test_build_requests),
      cmocka_unit_test(test_build_replies),
      cmocka_unit_test(test_build_args),
      cmocka_unit_test(test_empty_and_unknown),
      cmocka_unit_test(test_long_strings),
      cmocka_unit_test(test_backup_count_overflow),
      cmocka_unit_test(test_encode_args),
      cmocka_unit_test(test_lanman),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_list_merge),
      cmocka_unit_test(test_list_bounds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
