/*
 * Tests for proto/msl_netlogon.c: netlogon mailslot payloads [MS-ADTS §6.3.1].
 * Vectors are the netlogon bytes (the SMB Trans data) of real captures in
 * captures/, cited by file and frame, plus hand-built spec layouts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture_frame.h"
#include "msl_netlogon.h"

/* The netlogon messages (the SMB Trans data) of captured frames, read
 * from captures/ by load_captured_frames before the tests run. */

/* samba-nmbd-lan.pcap frame 54: LOGON_PRIMARY_QUERY (test script) (60
 * bytes). */
static uint8_t pq_54[60];

/* samba-nmbd-lan.pcap frame 55: LOGON_PRIMARY_RESPONSE from Samba 4.17 nmbd
 * (52 bytes). */
static uint8_t pr_55[52];

/* netlogon-samlogon-pause-ex-ad-lab-signin.pcap frame 58:
 * LOGON_SAM_LOGON_REQUEST, no SID, NtVersion 0x0b (77 bytes). */
static uint8_t sreq_58[77];

/* netlogon-samlogon-pause-ex-ad-lab-signin.pcap frame 59:
 * LOGON_SAM_LOGON_REQUEST with a 24-byte domain SID (104 bytes). */
static uint8_t sreq_59[104];

/* netlogon-samlogon-pause-ex-ad-lab-signin.pcap frame 60:
 * LOGON_SAM_LOGON_REQUEST, NtVersion 0x2000000b (77 bytes). */
static uint8_t sreq_60[77];

/* netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap frame 5:
 * LOGON_SAM_LOGON_RESPONSE_EX, V5EX_WITH_IP (142 bytes). */
static uint8_t ex17_5[142];

/* Group setup: the arrays above are the netlogon messages of their
 * frames. */
static int load_captured_frames(void **state) {
  static const char lan[] = "samba-nmbd-lan.pcap";
  static const char signin[] = "netlogon-samlogon-pause-ex-ad-lab-signin.pcap";
  static const captured frames[] = {
      CAPTURED(lan, 54, pq_54),         CAPTURED(lan, 55, pr_55),
      CAPTURED(signin, 58, sreq_58),    CAPTURED(signin, 59, sreq_59),
      CAPTURED(signin, 60, sreq_60),
      CAPTURED("netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap", 5,
               ex17_5),
  };
  (void)state;
  capture_fill(capture_mailslot_data, frames, sizeof frames / sizeof frames[0]);
  return 0;
}

/* netlogon-samlogon-pause-ex-ad-lab-signin.pcap frames 68 and 111
 * (LOGON_SAM_PAUSE_RESPONSE_EX, Flags 0x101 and 0x341) are frame 5 of the
 * capture above but for the opcode (byte 0) and the flags (bytes 4-5, LE):
 * lab_ex_frame writes them into OUT. */
static void lab_ex_frame(uint8_t opcode, uint16_t flags,
                         uint8_t out[sizeof(ex17_5)]) {
  memcpy(out, ex17_5, sizeof(ex17_5));
  out[0] = opcode;
  out[4] = (uint8_t)(flags & 0xff);
  out[5] = (uint8_t)(flags >> 8);
}

/*
 * [MS-ADTS §6.3.1.8] V5 response built by hand: "DC1", user "", "DOM",
 * DomainGuid 01..10, NullGuid, DnsForestName "ex.com" at offset 52,
 * DnsDomainName = pointer to 52, DnsHostName "dc1" + pointer to 52,
 * DcIpAddress 192.168.1.2, Flags 0x33fd, NtVersion 3, tokens.
 */
static const uint8_t v5_hand[] = {
    0x13, 0x00, 'D', 0, 'C', 0, '1', 0, 0, 0, 0, 0, 'D', 0, 'O', 0, 'M', 0,
    0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 'e', 'x', 3, 'c', 'o', 'm', 0,
    0xc0, 0x34, 3, 'd', 'c', '1', 0xc0, 0x34, 192, 168, 1, 2, 0xfd, 0x33,
    0, 0, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
};

/* ---- helpers ---- */

static char *u16(msl_view v, char *buf, size_t cap) {
  int rc = msl_netlogon_utf16_to_utf8(v, buf, cap, MSL_UTF16_STRICT);
  assert_true(rc >= 0);
  return buf;
}

static void assert_view_str(msl_view v, const char *s) {
  assert_int_equal(v.len, strlen(s));
  assert_memory_equal(v.ptr, s, v.len);
}

static void assert_u16_str(msl_view v, const char *s) {
  char buf[256];
  assert_string_equal(u16(v, buf, sizeof(buf)), s);
}

static void assert_dname(const msl_netlogon *m, const msl_netlogon_dname *d,
                         const char *s) {
  char buf[MSL_NETLOGON_DNAME_MAX + 1];
  int rc = msl_netlogon_dname_get(m, d, buf, sizeof(buf));
  assert_int_equal(rc, (int)strlen(s));
  assert_string_equal(buf, s);
}

/* decode, re-encode byte for byte, decode the copy, compare. */
static void roundtrip(const uint8_t *p, size_t len, msl_netlogon *m) {
  uint8_t out[1024];
  msl_netlogon again;
  assert_int_equal(msl_netlogon_decode(m, p, len), 0);
  assert_int_equal(msl_netlogon_encode(m, out, sizeof(out)), (int)len);
  assert_memory_equal(out, p, len);
  /* every smaller buffer overflows, a size query reports nothing else */
  for (size_t cap = 0; cap < len; cap++)
    assert_int_equal(msl_netlogon_encode(m, out, cap),
                     MSL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(msl_netlogon_encode(m, NULL, 0), MSL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(msl_netlogon_decode(&again, out, len), 0);
  assert_true(msl_netlogon_equal(m, &again));
}

/* Every prefix fails, except the listed lengths, which are legal shorter
 * messages on their own (short forms). The copy is exact-size on the heap
 * so ASan sees any over-read. */
static void all_prefixes(const uint8_t *p, size_t len, const size_t *ok,
                         size_t nok) {
  for (size_t n = 0; n < len; n++) {
    uint8_t *c = malloc(n ? n : 1);
    msl_netlogon m;
    assert_non_null(c);
    memcpy(c, p, n);
    int rc = msl_netlogon_decode(&m, c, n);
    int allowed = 0;
    for (size_t i = 0; i < nok; i++)
      allowed |= ok[i] == n;
    free(c);
    if (allowed)
      assert_int_equal(rc, 0);
    else if (rc == 0)
      fail_msg("prefix %zu of %zu decoded", n, len);
    else
      assert_true(rc < 0);
  }
}

/* ---- captures ---- */

static void test_primary_query(void **state) {
  (void)state;
  msl_netlogon m;
  uint8_t out[128];
  roundtrip(pq_54, sizeof(pq_54), &m);
  assert_int_equal(m.opcode, MSL_NETLOGON_PRIMARY_QUERY);
  assert_view_str(m.u.pq.computer, "PEERHOST");
  assert_view_str(m.u.pq.mailslot, "\\MAILSLOT\\NET\\GETDC576");
  assert_int_equal(m.u.pq.pre_pad.len, 0);
  assert_int_equal(m.u.pq.pad.len, 0); /* UTF-16 already at offset 34 */
  assert_int_equal(m.u.pq.short_form, 0);
  assert_u16_str(m.u.pq.unicode_computer, "PEERHOST");
  assert_int_equal(m.u.pq.nt_version, 0x0b);
  assert_int_equal(m.u.pq.lmnt_token, 0xffff);
  assert_int_equal(m.u.pq.lm20_token, 0xffff);
  assert_int_equal(m.trailer.len, 0);
  /* our builder, from the same fields, gives the same bytes */
  int n = msl_netlogon_build_primary_query(
      "PEERHOST", "\\MAILSLOT\\NET\\GETDC576", 0x0b, out, sizeof(out));
  assert_int_equal(n, sizeof(pq_54));
  assert_memory_equal(out, pq_54, sizeof(pq_54));
  /* a mailslot of odd length gets the pad before the UTF-16 name */
  n = msl_netlogon_build_primary_query("PEERHOST", "\\MAILSLOT\\NET\\GETDC57",
                                       0x0b, out, sizeof(out));
  assert_int_equal(n, sizeof(pq_54));
  assert_int_equal(msl_netlogon_decode(&m, out, (size_t)n), 0);
  assert_int_equal(m.u.pq.pad.len, 1);
  assert_u16_str(m.u.pq.unicode_computer, "PEERHOST");
  static const size_t ok[] = {36}; /* == the Win9x short form */
  all_prefixes(pq_54, sizeof(pq_54), ok, 1);
}

static void test_primary_query_forms(void **state) {
  (void)state;
  msl_netlogon m;
  /* Win9x: only Lm20Token after MailslotName [Wireshark packet-smb-logon] */
  static const uint8_t w9x[] = {7, 0, 'A', 'B', 0, '\\', 'M', 0, 0xff, 0xff};
  roundtrip(w9x, sizeof(w9x), &m);
  assert_int_equal(m.u.pq.short_form, 1);
  assert_int_equal(m.u.pq.lm20_token, 0xffff);
  assert_view_str(m.u.pq.mailslot, "\\M");
  /* standard: "AB\0" ends at 5 (odd), "\M\0" ends at 8: no pad */
  static const uint8_t std[] = {7,   0, 'A', 'B', 0, '\\', 'M', 0, 'A', 0,
                                0,   0, 1,   0,   0, 0,    0xff, 0xff, 0xff,
                                0xff};
  roundtrip(std, sizeof(std), &m);
  assert_int_equal(m.u.pq.pad.len, 0);
  assert_int_equal(m.u.pq.pre_pad.len, 0);
  /* alternative: pad before MailslotName (Microsoft test suite), UTF-16
   * then at an odd offset with no pad of its own */
  static const uint8_t alt[] = {7, 0, 'A', 'B', 0, 0,   '\\', 'M', 0,   'A',
                                0, 0, 0,   1,   0, 0,   0,    0xff, 0xff, 0xff,
                                0xff};
  roundtrip(alt, sizeof(alt), &m);
  assert_int_equal(m.u.pq.pre_pad.len, 1);
  assert_int_equal(m.u.pq.pad.len, 0);
  assert_view_str(m.u.pq.mailslot, "\\M");
  assert_u16_str(m.u.pq.unicode_computer, "A");
  assert_int_equal(m.u.pq.nt_version, 1);
  /* a trailing byte is kept and reproduced */
  uint8_t trail[sizeof(std) + 1];
  memcpy(trail, std, sizeof(std));
  trail[sizeof(std)] = 0xee;
  roundtrip(trail, sizeof(trail), &m);
  assert_int_equal(m.trailer.len, 1);
  assert_int_equal(m.trailer.ptr[0], 0xee);
  assert_int_equal(m.u.pq.nt_version, 1);
}

static void test_primary_response(void **state) {
  (void)state;
  msl_netlogon m;
  uint8_t out[128];
  roundtrip(pr_55, sizeof(pr_55), &m);
  assert_int_equal(m.opcode, MSL_NETLOGON_PRIMARY_RESPONSE);
  assert_view_str(m.u.pr.pdc_name, "LABSAMBA");
  assert_int_equal(m.u.pr.pad.len, 1);
  assert_u16_str(m.u.pr.unicode_pdc_name, "LABSAMBA");
  assert_u16_str(m.u.pr.unicode_domain, "LABWG");
  /* Samba aligns NtVersion to 4: two zero bytes the spec does not have */
  assert_int_equal(m.u.pr.nt_pad.len, 2);
  assert_int_equal(m.u.pr.nt_version, 1);
  assert_int_equal(m.u.pr.lmnt_token, 0xffff);
  assert_int_equal(m.u.pr.lm20_token, 0xffff);
  int n = msl_netlogon_build_primary_response(
      "LABSAMBA", "LABWG", MSL_NETLOGON_BUILD_NDR_ALIGN, out, sizeof(out));
  assert_int_equal(n, sizeof(pr_55));
  assert_memory_equal(out, pr_55, sizeof(pr_55));
  /* the spec form: no alignment before NtVersion */
  n = msl_netlogon_build_primary_response("LABSAMBA", "LABWG", 0, out,
                                          sizeof(out));
  assert_int_equal(n, sizeof(pr_55) - 2);
  roundtrip(out, (size_t)n, &m);
  assert_int_equal(m.u.pr.nt_pad.len, 0);
  assert_int_equal(m.u.pr.nt_version, 1);
  assert_u16_str(m.u.pr.unicode_domain, "LABWG");
  assert_int_equal(msl_netlogon_build_primary_response("A", "B", 2, out, 64),
                   MSL_ERR_ARG);
  /* 11: LanMan short form (PrimaryDCName only); 50: a spec-form message
   * (NtVersion right after the name), which is what tshark shows; 51: the
   * same plus one trailing byte */
  static const size_t ok[] = {11, 50, 51};
  all_prefixes(pr_55, sizeof(pr_55), ok, 3);
}

static void test_sam_request(void **state) {
  (void)state;
  msl_netlogon m;
  uint8_t out[256];
  roundtrip(sreq_58, sizeof(sreq_58), &m);
  assert_int_equal(m.opcode, MSL_NETLOGON_SAM_LOGON_REQUEST);
  assert_int_equal(m.u.sreq.request_count, 0);
  assert_u16_str(m.u.sreq.unicode_computer, "CHIP_DOUGLAS-PC");
  assert_int_equal(m.u.sreq.unicode_user.len, 0);
  assert_view_str(m.u.sreq.mailslot, "\\MAILSLOT\\NET\\GETDC042");
  assert_int_equal(m.u.sreq.account_control, 0);
  assert_int_equal(m.u.sreq.sid_size, 0);
  assert_int_equal(m.u.sreq.sid_pad.len, 0); /* no pad without a SID */
  assert_int_equal(m.u.sreq.nt_version, 0x0b);
  int n = msl_netlogon_build_sam_request(0, "CHIP_DOUGLAS-PC", "",
                                         "\\MAILSLOT\\NET\\GETDC042", 0, NULL,
                                         0, 0x0b, out, sizeof(out));
  assert_int_equal(n, sizeof(sreq_58));
  assert_memory_equal(out, sreq_58, sizeof(sreq_58));

  roundtrip(sreq_59, sizeof(sreq_59), &m);
  assert_int_equal(m.u.sreq.sid_size, 24);
  assert_int_equal(m.u.sreq.sid_pad.len, 3); /* 69 -> 72 */
  assert_int_equal(m.u.sreq.sid.len, 24);
  assert_int_equal(m.u.sreq.sid.ptr[0], 1); /* S-1-5-21-... */
  assert_int_equal(m.u.sreq.sid.ptr[1], 4);
  assert_int_equal(m.u.sreq.nt_version, 0x0b);
  n = msl_netlogon_build_sam_request(0, "CHIP_DOUGLAS-PC", "",
                                     "\\MAILSLOT\\NET\\GETDC421", 0,
                                     m.u.sreq.sid.ptr, 24, 0x0b, out,
                                     sizeof(out));
  assert_int_equal(n, sizeof(sreq_59));
  assert_memory_equal(out, sreq_59, sizeof(sreq_59));

  roundtrip(sreq_60, sizeof(sreq_60), &m);
  assert_int_equal(m.u.sreq.nt_version, 0x2000000b);
  n = msl_netlogon_build_sam_request(0, "CHIP_DOUGLAS-PC", "",
                                     "\\MAILSLOT\\NET\\GETDC043", 0, NULL, 0,
                                     0x2000000b, out, sizeof(out));
  assert_int_equal(n, sizeof(sreq_60));
  assert_memory_equal(out, sreq_60, sizeof(sreq_60));
  /* a non-BMP user name goes out as a surrogate pair and comes back */
  n = msl_netlogon_build_sam_request(1, "PC", "u\xf0\x9f\x98\x80", "\\M", 0,
                                     NULL, 0, 0x0b, out, sizeof(out));
  assert_true(n > 0);
  roundtrip(out, (size_t)n, &m);
  assert_int_equal(m.u.sreq.unicode_user.len, 6);
  assert_u16_str(m.u.sreq.unicode_user, "u\xf0\x9f\x98\x80");
  assert_int_equal(msl_netlogon_build_sam_request(0, "PC", "\xc0\x80", "\\M",
                                                  0, NULL, 0, 0x0b, out,
                                                  sizeof(out)),
                   MSL_ERR_ARG);
  assert_int_equal(msl_netlogon_build_sam_request(0, "PC", "", "\\M", 0, NULL,
                                                  4, 0x0b, out, sizeof(out)),
                   MSL_ERR_ARG);

  all_prefixes(sreq_58, sizeof(sreq_58), NULL, 0);
  all_prefixes(sreq_59, sizeof(sreq_59), NULL, 0);
  all_prefixes(sreq_60, sizeof(sreq_60), NULL, 0);
}

static void test_sid_size_bad(void **state) {
  (void)state;
  msl_netlogon m;
  uint8_t c[sizeof(sreq_59)];
  static const uint32_t sizes[] = {25, 33, 200, 0x7fffffff, 0xffffffff};
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    memcpy(c, sreq_59, sizeof(c));
    c[65] = (uint8_t)sizes[i];
    c[66] = (uint8_t)(sizes[i] >> 8);
    c[67] = (uint8_t)(sizes[i] >> 16);
    c[68] = (uint8_t)(sizes[i] >> 24);
    assert_int_equal(msl_netlogon_decode(&m, c, sizeof(c)),
                     MSL_ERR_TRUNCATED);
  }
  /* 20: the SID shrinks and NtVersion is read inside it, still decodes;
   * the message is then 4 bytes longer than it says: a trailer */
  memcpy(c, sreq_59, sizeof(c));
  c[65] = 20;
  assert_int_equal(msl_netlogon_decode(&m, c, sizeof(c)), 0);
  assert_int_equal(m.u.sreq.sid.len, 20);
  assert_int_equal(m.trailer.len, 4);
}

static void check_ex_common(const msl_netlogon *m) {
  static const uint8_t guid[16] = {0xdf, 0x4c, 0xf5, 0x1c, 0xd0, 0x31,
                                   0xfb, 0x4f, 0x9b, 0x75, 0xb0, 0xbc,
                                   0x6b, 0x57, 0x9c, 0x6e};
  const msl_netlogon_sam_response_ex *x = &m->u.ex;
  assert_int_equal(x->sbz, 0);
  assert_memory_equal(x->domain_guid, guid, 16);
  assert_dname(m, &x->names[MSL_NETLOGON_EX_DNS_FOREST], "picklesworth.local");
  assert_int_equal(x->names[MSL_NETLOGON_EX_DNS_FOREST].off, 24);
  assert_dname(m, &x->names[MSL_NETLOGON_EX_DNS_DOMAIN], "picklesworth.local");
  assert_int_equal(x->names[MSL_NETLOGON_EX_DNS_DOMAIN].raw.len, 2); /* ptr */
  assert_dname(m, &x->names[MSL_NETLOGON_EX_DNS_HOST],
               "SnickleFritz.picklesworth.local");
  assert_dname(m, &x->names[MSL_NETLOGON_EX_NB_DOMAIN], "PICKLESWORTH");
  assert_dname(m, &x->names[MSL_NETLOGON_EX_NB_COMPUTER], "SNICKLEFRITZ");
  assert_dname(m, &x->names[MSL_NETLOGON_EX_USER], "");
  assert_dname(m, &x->names[MSL_NETLOGON_EX_DC_SITE],
               "Default-First-Site-Name");
  assert_int_equal(x->names[MSL_NETLOGON_EX_DC_SITE].off, 0x5a);
  assert_dname(m, &x->names[MSL_NETLOGON_EX_CLIENT_SITE],
               "Default-First-Site-Name");
  assert_int_equal(x->has_sockaddr, 1);
  assert_int_equal(x->sockaddr_size, 16);
  assert_int_equal(x->sin_family, 2);
  assert_int_equal(x->sin_port, 0);
  static const uint8_t ip[4] = {192, 168, 1, 195};
  assert_memory_equal(x->sin_addr, ip, 4);
  assert_int_equal(x->has_next_closest_site, 0);
  assert_int_equal(x->nt_version, 0x0d);
  assert_int_equal(x->lmnt_token, 0xffff);
  assert_int_equal(x->lm20_token, 0xffff);
}

static int build_lab_ex(uint16_t opcode, uint32_t flags, uint8_t *out,
                        size_t cap) {
  msl_netlogon_ex_args a;
  static const uint8_t guid[16] = {0xdf, 0x4c, 0xf5, 0x1c, 0xd0, 0x31,
                                   0xfb, 0x4f, 0x9b, 0x75, 0xb0, 0xbc,
                                   0x6b, 0x57, 0x9c, 0x6e};
  memset(&a, 0, sizeof(a));
  a.opcode = opcode;
  a.flags = flags;
  memcpy(a.domain_guid, guid, 16);
  a.names[MSL_NETLOGON_EX_DNS_FOREST] = "picklesworth.local";
  a.names[MSL_NETLOGON_EX_DNS_DOMAIN] = "picklesworth.local";
  a.names[MSL_NETLOGON_EX_DNS_HOST] = "SnickleFritz.picklesworth.local";
  a.names[MSL_NETLOGON_EX_NB_DOMAIN] = "PICKLESWORTH";
  a.names[MSL_NETLOGON_EX_NB_COMPUTER] = "SNICKLEFRITZ";
  a.names[MSL_NETLOGON_EX_USER] = NULL;
  a.names[MSL_NETLOGON_EX_DC_SITE] = "Default-First-Site-Name";
  a.names[MSL_NETLOGON_EX_CLIENT_SITE] = "Default-First-Site-Name";
  a.with_ip = 1;
  a.dc_ip[0] = 192;
  a.dc_ip[1] = 168;
  a.dc_ip[2] = 1;
  a.dc_ip[3] = 195;
  a.nt_version = 0x0d;
  return msl_netlogon_build_sam_response_ex(&a, out, cap);
}

/* A lab frame of sizeof(ex17_5) bytes decodes with OPCODE and FLAGS, and
 * build_lab_ex gives the same bytes back. */
static void check_lab_ex(const uint8_t *frame, uint8_t opcode, uint16_t flags,
                         msl_netlogon *m) {
  uint8_t out[256];
  roundtrip(frame, sizeof(ex17_5), m);
  assert_int_equal(m->opcode, opcode);
  assert_int_equal(m->u.ex.flags, flags);
  check_ex_common(m);
  int n = build_lab_ex(opcode, flags, out, sizeof(out));
  assert_int_equal(n, sizeof(ex17_5));
  assert_memory_equal(out, frame, sizeof(ex17_5));
}

static void test_sam_response_ex(void **state) {
  (void)state;
  uint8_t ex18_68[sizeof(ex17_5)], ex18_111[sizeof(ex17_5)];
  msl_netlogon m;
  check_lab_ex(ex17_5, MSL_NETLOGON_SAM_LOGON_RESPONSE_EX, 0x33fd, &m);
  assert_true(m.u.ex.flags & MSL_DS_PDC_FLAG);
  assert_true(m.u.ex.flags & MSL_DS_WS_FLAG);
  lab_ex_frame(MSL_NETLOGON_SAM_PAUSE_RESPONSE_EX, 0x101, ex18_68);
  check_lab_ex(ex18_68, MSL_NETLOGON_SAM_PAUSE_RESPONSE_EX, 0x101, &m);
  lab_ex_frame(MSL_NETLOGON_SAM_PAUSE_RESPONSE_EX, 0x341, ex18_111);
  check_lab_ex(ex18_111, MSL_NETLOGON_SAM_PAUSE_RESPONSE_EX, 0x341, &m);

  all_prefixes(ex17_5, sizeof(ex17_5), NULL, 0);
  all_prefixes(ex18_68, sizeof(ex18_68), NULL, 0);
}

static void test_ex_closest_site_and_no_ip(void **state) {
  (void)state;
  msl_netlogon m;
  msl_netlogon_ex_args a;
  uint8_t out[512];
  memset(&a, 0, sizeof(a));
  a.opcode = MSL_NETLOGON_SAM_USER_UNKNOWN_EX;
  a.names[MSL_NETLOGON_EX_DNS_FOREST] = "ad.example.org";
  a.names[MSL_NETLOGON_EX_DNS_DOMAIN] = "child.ad.example.org";
  a.names[MSL_NETLOGON_EX_DNS_HOST] = "dc1.child.ad.example.org";
  a.names[MSL_NETLOGON_EX_USER] = "bob";
  a.names[MSL_NETLOGON_EX_DC_SITE] = "S1";
  a.names[MSL_NETLOGON_EX_CLIENT_SITE] = "S2";
  a.next_closest_site = "S1";
  a.nt_version = MSL_NT_VERSION_1 | MSL_NT_VERSION_5EX |
                 MSL_NT_VERSION_WITH_CLOSEST_SITE;
  int n = msl_netlogon_build_sam_response_ex(&a, out, sizeof(out));
  assert_true(n > 0);
  roundtrip(out, (size_t)n, &m);
  assert_int_equal(m.u.ex.has_sockaddr, 0);
  assert_int_equal(m.u.ex.has_next_closest_site, 1);
  assert_int_equal(m.u.ex.next_closest_site.raw.len, 2); /* -> DC site */
  assert_dname(&m, &m.u.ex.next_closest_site, "S1");
  assert_dname(&m, &m.u.ex.names[MSL_NETLOGON_EX_DNS_HOST],
               "dc1.child.ad.example.org");
  assert_int_equal(m.u.ex.names[MSL_NETLOGON_EX_DNS_HOST].raw.len, 6);
  assert_dname(&m, &m.u.ex.names[MSL_NETLOGON_EX_NB_DOMAIN], "");
  assert_dname(&m, &m.u.ex.names[MSL_NETLOGON_EX_USER], "bob");
  /* n - 2: the last 8 bytes then start at the closest-site pointer, so
   * NtVersion reads C0 xx 15 00: no 5EX_WITH_IP, no WITH_CLOSEST_SITE, and
   * the names end right there: a well-formed message */
  assert_int_equal(out[n - 10], 0xc0);
  size_t ok[] = {(size_t)n - 2};
  all_prefixes(out, (size_t)n, ok, 1);
  /* bad builder input */
  a.with_ip = 1; /* bit not in nt_version */
  assert_int_equal(msl_netlogon_build_sam_response_ex(&a, out, sizeof(out)),
                   MSL_ERR_ARG);
  a.with_ip = 0;
  a.names[0] = "a..b";
  assert_int_equal(msl_netlogon_build_sam_response_ex(&a, out, sizeof(out)),
                   MSL_ERR_ARG);
  a.names[0] = "x.";
  assert_int_equal(msl_netlogon_build_sam_response_ex(&a, out, sizeof(out)),
                   MSL_ERR_ARG);
  char big[70];
  memset(big, 'a', 64);
  big[64] = 0;
  a.names[0] = big;
  assert_int_equal(msl_netlogon_build_sam_response_ex(&a, out, sizeof(out)),
                   MSL_ERR_ARG);
  a.names[0] = NULL;
  a.opcode = 0x16;
  assert_int_equal(msl_netlogon_build_sam_response_ex(&a, out, sizeof(out)),
                   MSL_ERR_ARG);
  assert_int_equal(msl_netlogon_build_sam_response_ex(NULL, out, 8),
                   MSL_ERR_ARG);
}

static void test_ex_bad(void **state) {
  (void)state;
  msl_netlogon m;
  uint8_t c[sizeof(ex17_5)];
  /* DcSockAddrSize 17 > sizeof(sockaddr_in) */
  memcpy(c, ex17_5, sizeof(c));
  c[sizeof(c) - 25] = 17;
  assert_int_equal(c[sizeof(c) - 24], 2);
  assert_int_equal(msl_netlogon_decode(&m, c, sizeof(c)), MSL_ERR_INVALID);
  /* size 8: the optional part ends early, 8 bytes left before NtVersion */
  c[sizeof(c) - 25] = 8;
  assert_int_equal(msl_netlogon_decode(&m, c, sizeof(c)), MSL_ERR_INVALID);
  /* NtVersion without 5EX_WITH_IP: the sockaddr bytes are unaccounted */
  memcpy(c, ex17_5, sizeof(c));
  c[sizeof(c) - 8] = 0x05;
  assert_int_equal(msl_netlogon_decode(&m, c, sizeof(c)), MSL_ERR_INVALID);
  /* forward pointer: DnsDomainName -> 0x40 (ahead of it) */
  memcpy(c, ex17_5, sizeof(c));
  assert_int_equal(c[44], 0xc0);
  c[45] = 0x40;
  assert_int_equal(msl_netlogon_decode(&m, c, sizeof(c)), MSL_ERR_NAME_LOOP);
  /* pointer to itself */
  c[45] = 44;
  assert_int_equal(msl_netlogon_decode(&m, c, sizeof(c)), MSL_ERR_NAME_LOOP);
  /* label type 01 (0x40) */
  memcpy(c, ex17_5, sizeof(c));
  c[24] = 0x4c;
  assert_int_equal(msl_netlogon_decode(&m, c, sizeof(c)), MSL_ERR_NAME);
  /* label length running into NtVersion */
  memcpy(c, ex17_5, sizeof(c));
  c[0x5a] = 0x3f;
  assert_true(msl_netlogon_decode(&m, c, sizeof(c)) < 0);
  /* a backward pointer into the middle of a label: ClientSiteName -> 25,
   * the 'p' (0x70) of "picklesworth", read as a label type 01 */
  memcpy(c, ex17_5, sizeof(c));
  assert_int_equal(c[115], 0xc0);
  assert_int_equal(c[116], 0x5a);
  c[116] = 25;
  assert_int_equal(msl_netlogon_decode(&m, c, sizeof(c)), MSL_ERR_NAME);
  /* ... and -> 26 lands on "icklesworth" bytes: 'i' = 0x69, type 01 too;
   * -> 37 is the 0x05 of "local": a valid (odd but legal) name */
  c[116] = 37;
  assert_int_equal(msl_netlogon_decode(&m, c, sizeof(c)), 0);
  assert_dname(&m, &m.u.ex.names[MSL_NETLOGON_EX_CLIENT_SITE], "local");
}

static void test_dname_expand(void **state) {
  (void)state;
  char buf[300];
  /* loop a -> b -> a: at 0 a pointer to 2, at 2 a pointer to 0 */
  static const uint8_t loop[] = {0xc0, 0x02, 0xc0, 0x00};
  assert_int_equal(msl_netlogon_dname_expand(loop, 4, 2, buf, sizeof(buf)),
                   MSL_ERR_NAME_LOOP); /* 2 -> 0 ok, 0 -> 2 forward */
  assert_int_equal(msl_netlogon_dname_expand(loop, 4, 0, buf, sizeof(buf)),
                   MSL_ERR_NAME_LOOP);
  /* label then a pointer back to the label's own start */
  static const uint8_t self[] = {0x01, 'a', 0xc0, 0x00};
  assert_int_equal(msl_netlogon_dname_expand(self, 4, 0, buf, sizeof(buf)),
                   MSL_ERR_NAME_LOOP);
  /* a chain of backward jumps: 17 jumps is one too many */
  uint8_t chain[2 + 2 * 18];
  chain[0] = 1;
  chain[1] = 'z';
  chain[2] = 0; /* overwritten below: chain[2] is the first pointer */
  size_t cl = 2;
  chain[cl++] = 0; /* "z" ends at 2 */
  for (int i = 0; i < 17; i++) {
    chain[cl] = 0xc0;
    chain[cl + 1] = (uint8_t)(i == 0 ? 0 : cl - 2);
    cl += 2;
  }
  /* from the last pointer: 16 jumps down to offset 3, 17th to 0 */
  assert_int_equal(msl_netlogon_dname_expand(chain, cl, cl - 2, buf,
                                             sizeof(buf)),
                   MSL_ERR_NAME_LOOP);
  assert_int_equal(msl_netlogon_dname_expand(chain, cl, cl - 4, buf,
                                             sizeof(buf)),
                   1); /* 16 jumps: fine */
  assert_string_equal(buf, "z");
  /* truncated pointer and truncated label, offset out of range */
  static const uint8_t tp[] = {0xc0};
  assert_int_equal(msl_netlogon_dname_expand(tp, 1, 0, buf, sizeof(buf)),
                   MSL_ERR_TRUNCATED);
  static const uint8_t tl[] = {0x05, 'a', 'b'};
  assert_int_equal(msl_netlogon_dname_expand(tl, 3, 0, buf, sizeof(buf)),
                   MSL_ERR_TRUNCATED);
  assert_int_equal(msl_netlogon_dname_expand(tl, 3, 4, buf, sizeof(buf)),
                   MSL_ERR_TRUNCATED);
  static const uint8_t t80[] = {0x80, 0};
  assert_int_equal(msl_netlogon_dname_expand(t80, 2, 0, buf, sizeof(buf)),
                   MSL_ERR_NAME);
  /* over 255 wire bytes: 5 labels of 63 */
  uint8_t lng[5 * 64 + 1];
  for (int i = 0; i < 5; i++) {
    lng[i * 64] = 63;
    memset(lng + i * 64 + 1, 'x', 63);
  }
  lng[5 * 64] = 0;
  assert_int_equal(msl_netlogon_dname_expand(lng, sizeof(lng), 0, buf,
                                             sizeof(buf)),
                   MSL_ERR_NAME);
  /* 3 labels of 63 + 1 of 61: 255 bytes exactly, 253 dotted */
  lng[3 * 64] = 61;
  lng[3 * 64 + 62] = 0;
  assert_int_equal(msl_netlogon_dname_expand(lng, 3 * 64 + 63, 0, buf,
                                             sizeof(buf)),
                   253);
  /* caller buffer too small */
  static const uint8_t ab[] = {1, 'a', 1, 'b', 0};
  assert_int_equal(msl_netlogon_dname_expand(ab, 5, 0, buf, 3),
                   MSL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(msl_netlogon_dname_expand(ab, 5, 0, buf, 4), 3);
  assert_string_equal(buf, "a.b");
  assert_int_equal(msl_netlogon_dname_expand(ab, 5, 0, NULL, 4), MSL_ERR_ARG);
  assert_int_equal(msl_netlogon_dname_expand(NULL, 5, 0, buf, 4),
                   MSL_ERR_ARG);
}

/* Found by fuzz_netlogon: a name of 254 label bytes ending in a pointer to
 * an empty name is 256 bytes in place but 255 expanded; it is legal and must
 * re-encode byte for byte. */
static void test_ex_longest_name_in_place(void **state) {
  (void)state;
  uint8_t msg[24 + 256 + 7 + 8];
  size_t n = 0;
  memset(msg, 0, sizeof(msg));
  msg[n] = 0x17; /* LOGON_SAM_LOGON_RESPONSE_EX; Sbz, flags, GUID zero */
  n = 24;
  for (int i = 0; i < 3; i++) {
    msg[n++] = 63;
    memset(msg + n, 'a', 63);
    n += 63;
  }
  msg[n++] = 61;
  memset(msg + n, 'b', 61);
  n += 61;
  msg[n++] = 0xc0;
  msg[n++] = 0x02; /* the zero Sbz: an empty name */
  n += 7;          /* seven empty names */
  msg[n++] = MSL_NT_VERSION_1;
  n += 3;
  msg[n++] = 0xff;
  msg[n++] = 0xff;
  msg[n++] = 0xff;
  msg[n++] = 0xff;
  assert_int_equal(n, sizeof(msg));
  msl_netlogon m;
  roundtrip(msg, n, &m);
  assert_int_equal(m.u.ex.names[0].raw.len, MSL_NETLOGON_DNAME_RAW_MAX);
  char buf[MSL_NETLOGON_DNAME_MAX + 1];
  assert_int_equal(msl_netlogon_dname_get(&m, &m.u.ex.names[0], buf,
                                          sizeof(buf)),
                   253);
}

static void test_sam_response_nt40_v5(void **state) {
  (void)state;
  msl_netlogon m;
  uint8_t out[128];
  int n = msl_netlogon_build_sam_response_nt40(
      MSL_NETLOGON_SAM_USER_UNKNOWN, "DC1", "bob", "DOM", out, sizeof(out));
  /* [MS-ADTS §6.3.1.7]: 2 + 8 + 8 + 8 + 4 + 2 + 2 */
  assert_int_equal(n, 34);
  roundtrip(out, (size_t)n, &m);
  assert_int_equal(m.opcode, MSL_NETLOGON_SAM_USER_UNKNOWN);
  assert_int_equal(m.u.sresp.v5, 0);
  assert_u16_str(m.u.sresp.unicode_logon_server, "DC1");
  assert_u16_str(m.u.sresp.unicode_user, "bob");
  assert_u16_str(m.u.sresp.unicode_domain, "DOM");
  assert_int_equal(m.u.sresp.nt_version, 1);
  all_prefixes(out, (size_t)n, NULL, 0);
  assert_int_equal(msl_netlogon_build_sam_response_nt40(0x17, "a", "b", "c",
                                                        out, sizeof(out)),
                   MSL_ERR_ARG);

  roundtrip(v5_hand, sizeof(v5_hand), &m);
  assert_int_equal(m.u.sresp.v5, 1);
  assert_u16_str(m.u.sresp.unicode_logon_server, "DC1");
  assert_int_equal(m.u.sresp.domain_guid[15], 16);
  assert_dname(&m, &m.u.sresp.dns_forest, "ex.com");
  assert_dname(&m, &m.u.sresp.dns_domain, "ex.com");
  assert_dname(&m, &m.u.sresp.dns_host, "dc1.ex.com");
  assert_int_equal(m.u.sresp.dc_ip[0], 192);
  assert_int_equal(m.u.sresp.flags, 0x33fd);
  assert_int_equal(m.u.sresp.nt_version, 3);
  static const size_t ok[] = {28}; /* exactly an NT40 message */
  all_prefixes(v5_hand, sizeof(v5_hand), ok, 1);
}

static void test_utf16(void **state) {
  (void)state;
  char buf[32];
  msl_view v;
  /* odd length */
  static const uint8_t odd[] = {'A', 0, 'B'};
  v.ptr = odd;
  v.len = 3;
  assert_int_equal(msl_netlogon_utf16_to_utf8(v, buf, sizeof(buf), 0),
                   MSL_ERR_ARG);
  /* unpaired high surrogate, then a lone low one */
  static const uint8_t hi[] = {0x3d, 0xd8, 'A', 0};
  v.ptr = hi;
  v.len = 4;
  assert_int_equal(msl_netlogon_utf16_to_utf8(v, buf, sizeof(buf), 0), 4);
  assert_string_equal(buf, "\xef\xbf\xbd" "A");
  assert_int_equal(
      msl_netlogon_utf16_to_utf8(v, buf, sizeof(buf), MSL_UTF16_STRICT),
      MSL_ERR_INVALID);
  v.len = 2; /* high surrogate at the very end */
  assert_int_equal(msl_netlogon_utf16_to_utf8(v, buf, sizeof(buf), 0), 3);
  static const uint8_t lo[] = {0x00, 0xde};
  v.ptr = lo;
  v.len = 2;
  assert_int_equal(msl_netlogon_utf16_to_utf8(v, buf, sizeof(buf), 0), 3);
  assert_int_equal(
      msl_netlogon_utf16_to_utf8(v, buf, sizeof(buf), MSL_UTF16_STRICT),
      MSL_ERR_INVALID);
  /* a valid pair U+1F600, U+00E9, U+20AC */
  static const uint8_t ok[] = {0x3d, 0xd8, 0x00, 0xde, 0xe9, 0, 0xac, 0x20};
  v.ptr = ok;
  v.len = 8;
  assert_int_equal(
      msl_netlogon_utf16_to_utf8(v, buf, sizeof(buf), MSL_UTF16_STRICT), 9);
  assert_string_equal(buf, "\xf0\x9f\x98\x80\xc3\xa9\xe2\x82\xac");
  assert_int_equal(msl_netlogon_utf16_to_utf8(v, buf, 9, 0),
                   MSL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(msl_netlogon_utf16_to_utf8(v, buf, 10, 0), 9);
  assert_int_equal(msl_netlogon_utf16_to_utf8(v, NULL, 0, 0),
                   MSL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(msl_netlogon_utf16_to_utf8(v, NULL, 5, 0), MSL_ERR_ARG);
  v.ptr = NULL;
  v.len = 0;
  assert_int_equal(msl_netlogon_utf16_to_utf8(v, buf, 1, 0), 0);
  assert_string_equal(buf, "");
}

static void test_utf16_in_messages(void **state) {
  (void)state;
  msl_netlogon m;
  /* missing terminator: the name runs to the end */
  static const uint8_t noterm[] = {0x12, 0, 0, 0, 'A', 0, 'B', 0};
  assert_int_equal(msl_netlogon_decode(&m, noterm, sizeof(noterm)),
                   MSL_ERR_TRUNCATED);
  /* odd number of bytes left for the UTF-16 name */
  static const uint8_t oddu[] = {0x13, 0, 'A', 0, 'B'};
  assert_int_equal(msl_netlogon_decode(&m, oddu, sizeof(oddu)),
                   MSL_ERR_TRUNCATED);
  /* unpaired surrogate in a name: decodes (views are raw); the converter
   * replaces it or, strict, refuses */
  static const uint8_t sur[] = {0x13, 0, 0x3d, 0xd8, 0, 0, 0, 0, 0, 0,
                                1,    0, 0,    0,    0xff, 0xff, 0xff, 0xff};
  roundtrip(sur, sizeof(sur), &m);
  char buf[16];
  assert_int_equal(msl_netlogon_utf16_to_utf8(m.u.sresp.unicode_logon_server,
                                              buf, sizeof(buf), 0),
                   3);
  assert_int_equal(msl_netlogon_utf16_to_utf8(m.u.sresp.unicode_logon_server,
                                              buf, sizeof(buf),
                                              MSL_UTF16_STRICT),
                   MSL_ERR_INVALID);
  /* ASCII name without its NUL */
  static const uint8_t noastr[] = {0x07, 0, 'A', 'B'};
  assert_int_equal(msl_netlogon_decode(&m, noastr, sizeof(noastr)),
                   MSL_ERR_TRUNCATED);
}

static void test_empty_unsupported_args(void **state) {
  (void)state;
  msl_netlogon m;
  static const uint8_t one[] = {0x12};
  assert_int_equal(msl_netlogon_decode(&m, NULL, 0), MSL_ERR_TRUNCATED);
  assert_int_equal(msl_netlogon_decode(&m, one, 0), MSL_ERR_TRUNCATED);
  assert_int_equal(msl_netlogon_decode(&m, one, 1), MSL_ERR_TRUNCATED);
  assert_int_equal(msl_netlogon_decode(NULL, one, 1), MSL_ERR_ARG);
  assert_int_equal(msl_netlogon_decode(&m, NULL, 4), MSL_ERR_ARG);
  /* NETLOGON_DB_CHANGE [MS-NRPC §2.2.1.5.1] and PDC startup: opcode kept */
  static const uint8_t dbc[] = {0x0a, 0x00, 1, 2, 3, 4};
  assert_int_equal(msl_netlogon_decode(&m, dbc, sizeof(dbc)),
                   MSL_ERR_UNSUPPORTED);
  assert_int_equal(m.opcode, MSL_NETLOGON_DB_CHANGE);
  static const uint8_t pdcs[] = {0x08, 0x00};
  assert_int_equal(msl_netlogon_decode(&m, pdcs, 2), MSL_ERR_UNSUPPORTED);
  assert_int_equal(m.opcode, 8);
  /* the opcode is a u16: 0x0112 is not 0x12 */
  uint8_t c[sizeof(sreq_58)];
  memcpy(c, sreq_58, sizeof(c));
  c[1] = 1;
  assert_int_equal(msl_netlogon_decode(&m, c, sizeof(c)), MSL_ERR_UNSUPPORTED);
  assert_int_equal(m.opcode, 0x0112);
  /* encode refuses what it cannot write */
  uint8_t out[64];
  assert_int_equal(msl_netlogon_encode(NULL, out, 64), MSL_ERR_ARG);
  memset(&m, 0, sizeof(m));
  m.opcode = 0x0a;
  assert_int_equal(msl_netlogon_encode(&m, out, 64), MSL_ERR_ARG);
  m.opcode = 0x13;
  m.u.sresp.unicode_user.ptr = out;
  m.u.sresp.unicode_user.len = 3;
  assert_int_equal(msl_netlogon_encode(&m, out, 64), MSL_ERR_ARG);
}

static void test_names(void **state) {
  (void)state;
  assert_string_equal(msl_netlogon_opcode_name(0x07), "LOGON_PRIMARY_QUERY");
  assert_string_equal(msl_netlogon_opcode_name(0x18),
                      "LOGON_SAM_PAUSE_RESPONSE_EX");
  assert_null(msl_netlogon_opcode_name(0x16));
  assert_string_equal(msl_netlogon_ntversion_name(MSL_NT_VERSION_5EX_WITH_IP),
                      "V5EX_WITH_IP");
  assert_null(msl_netlogon_ntversion_name(0x3));
  assert_string_equal(msl_netlogon_dsflag_name(0x20000000),
                      "DS_DNS_CONTROLLER_FLAG");
  assert_null(msl_netlogon_dsflag_name(0x2));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_primary_query),
      cmocka_unit_test(test_primary_query_forms),
      cmocka_unit_test(test_primary_response),
      cmocka_unit_test(test_sam_request),
      cmocka_unit_test(test_sid_size_bad),
      cmocka_unit_test(test_sam_response_ex),
      cmocka_unit_test(test_ex_closest_site_and_no_ip),
      cmocka_unit_test(test_ex_bad),
      cmocka_unit_test(test_dname_expand),
      cmocka_unit_test(test_ex_longest_name_in_place),
      cmocka_unit_test(test_sam_response_nt40_v5),
      cmocka_unit_test(test_utf16),
      cmocka_unit_test(test_utf16_in_messages),
      cmocka_unit_test(test_empty_unsupported_args),
      cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests(tests, load_captured_frames, NULL);
}
