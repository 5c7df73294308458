/* NetBIOS names [RFC 1001 §14.1, RFC 1002 §4.1]: encoding, decoding with
 * and without compression, scope, validation and the printable form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"

#include "msl_nbname.h"

/* Encodes n into buf; returns the length. */
static size_t encode_to(const msl_nbname *n, uint8_t *buf, size_t cap) {
  msl_wr w;
  msl_wr_init(&w, buf, cap);
  msl_nbname_encode(n, &w);
  assert_int_equal(w.err, 0);
  return w.off;
}

static const char *fmt(const msl_nbname *n) {
  static char buf[MSL_NBNAME_FMT_MAX];
  msl_nbname_format(n, buf, sizeof buf);
  return buf;
}

/* RFC 1001 §14.1: "FRED" padded with spaces (the RFC pads the 16th byte too,
 * so its suffix is 0x20). */
static void test_rfc_fred(void **state) {
  (void)state;
  msl_nbname n;
  uint8_t buf[64];
  size_t len;
  assert_int_equal(msl_nbname_make(&n, "fred", 0x20, NULL), 0);
  len = encode_to(&n, buf, sizeof buf);
  assert_int_equal(len, 34);
  assert_int_equal(buf[0], 0x20);
  assert_memory_equal(buf + 1, "EGFCEFEECACACACACACACACACACACACA", 32);
  assert_int_equal(buf[33], 0);
  assert_string_equal(fmt(&n), "FRED<20>");
}

/* The wildcard is padded with NULs: CKAAAA... (samba nbtname.c, illumos). */
static void test_wildcard(void **state) {
  (void)state;
  msl_nbname n;
  uint8_t buf[64];
  assert_int_equal(msl_nbname_make(&n, "*", 0x00, NULL), 0);
  encode_to(&n, buf, sizeof buf);
  assert_memory_equal(buf + 1, "CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 32);
  assert_string_equal(fmt(&n), "*<00>");
}

/* MS-BRWS §2.1.1: \x01\x02__MSBROWSE__\x02 with suffix 0x01. */
static void test_msbrowse(void **state) {
  (void)state;
  static const uint8_t raw[16] = "\x01\x02__MSBROWSE__\x02\x01";
  msl_nbname n;
  uint8_t buf[64];
  assert_int_equal(msl_nbname_from_raw(&n, raw, NULL), 0);
  encode_to(&n, buf, sizeof buf);
  assert_memory_equal(buf + 1, "ABACFPFPENFDECFCEPFHFDEFFPFPACAB", 32);
  assert_string_equal(fmt(&n), "<01><02>__MSBROWSE__<02><01>");
}

/* windows-xp-browse-eapon1.pcap frame 4: query for ARBEITSGRUPPE<1b>. */
static void test_capture_query_name(void **state) {
  (void)state;
  uint8_t pkt[64];
  size_t len = unhex("892101100001000000000000"
                     "204542464345434546454a4645464445484643464646414641454643414341424c00"
                     "00200001", pkt, sizeof pkt);
  msl_rd r;
  msl_rd_init(&r, pkt, len);
  msl_rd_seek(&r, 12);
  msl_nbname n;
  assert_int_equal(msl_nbname_decode(&n, &r, 1), 0);
  assert_int_equal(r.off, 46);
  assert_string_equal(fmt(&n), "ARBEITSGRUPPE<1b>");
  assert_int_equal(msl_nbname_suffix(&n), 0x1b);
  /* Re-encoding gives the same bytes. */
  uint8_t out[64];
  size_t olen;
  olen = encode_to(&n, out, sizeof out);
  assert_int_equal(olen, 34);
  assert_memory_equal(out, pkt + 12, 34);
}

/* samba-nmbd-scope.pcap frame 27: source name SCOPEDSMB<00>.LAB.EXAMPLE. */
static void test_capture_scope(void **state) {
  (void)state;
  uint8_t wire[64];
  size_t len = unhex("204644454445504641454645454644454e4543434143414341434143"
                     "4143414141034c4142074558414d504c4500", wire, sizeof wire);
  assert_int_equal(len, 46);
  msl_rd r;
  msl_rd_init(&r, wire, len);
  msl_nbname n;
  assert_int_equal(msl_nbname_decode(&n, &r, 0), 0);
  assert_int_equal(r.off, len);
  assert_string_equal(n.scope, "LAB.EXAMPLE");
  assert_string_equal(fmt(&n), "SCOPEDSMB<00>.LAB.EXAMPLE");
  assert_int_equal(msl_nbname_wire_len(&n), len);
  uint8_t out[64];
  size_t olen;
  olen = encode_to(&n, out, sizeof out);
  assert_int_equal(olen, len);
  assert_memory_equal(out, wire, len);
  msl_nbname m;
  assert_int_equal(msl_nbname_make(&m, "scopedsmb", 0, "lab.example"), 0);
  assert_true(msl_nbname_equal(&n, &m));
}

/* Every proper prefix of a valid name fails as truncated, never crashes. */
static void test_truncated_every_byte(void **state) {
  (void)state;
  msl_nbname n;
  uint8_t wire[64];
  size_t len;
  assert_int_equal(msl_nbname_make(&n, "HOST", 0, "A.BC"), 0);
  len = encode_to(&n, wire, sizeof wire);
  for (size_t cut = 0; cut < len; cut++) {
    msl_rd r;
    msl_rd_init(&r, wire, cut);
    assert_int_equal(msl_nbname_decode(&n, &r, 1), MSL_ERR_TRUNCATED);
  }
  msl_rd r;
  msl_rd_init(&r, wire, len);
  assert_int_equal(msl_nbname_decode(&n, &r, 1), 0);
}

/* msl_nbname_decode of the len bytes at p (pointers allowed or not). */
static int decode_all(msl_nbname *n, const uint8_t *p, size_t len,
                      int allow_ptr) {
  msl_rd r;
  msl_rd_init(&r, p, len);
  return msl_nbname_decode(n, &r, allow_ptr);
}

static void test_bad_encoding(void **state) {
  (void)state;
  msl_nbname n;
  uint8_t wire[34];
  /* 'Q' is outside 'A'..'P'. */
  wire[0] = 32;
  memset(wire + 1, 'A', 32);
  wire[33] = 0;
  wire[5] = 'Q';
  assert_int_equal(decode_all(&n, wire, sizeof wire, 0), MSL_ERR_NAME);
  /* Lower case is not first-level encoding either. */
  wire[5] = 'a';
  assert_int_equal(decode_all(&n, wire, sizeof wire, 0), MSL_ERR_NAME);
  /* First label must be 32 bytes. */
  wire[5] = 'A';
  wire[0] = 31;
  assert_int_equal(decode_all(&n, wire, sizeof wire, 0), MSL_ERR_NAME);
  /* Empty name. */
  wire[0] = 0;
  assert_int_equal(decode_all(&n, wire, sizeof wire, 0), MSL_ERR_NAME);
  /* Reserved label types 0x40 and 0x80. */
  wire[0] = 0x40;
  assert_int_equal(decode_all(&n, wire, sizeof wire, 1), MSL_ERR_NAME);
  wire[0] = 0x80;
  assert_int_equal(decode_all(&n, wire, sizeof wire, 1), MSL_ERR_NAME);
}

/* The label decoder reads eight characters at a time: every byte value at
 * every place of a label is refused unless it is 'A'..'P', and a legal
 * label gives its bytes. */
static void test_label_every_byte(void **state) {
  (void)state;
  uint8_t wire[34], raw[16];
  msl_nbname n;
  msl_rd r;
  for (int i = 0; i < 16; i++)
    raw[i] = (uint8_t)(0x11 * i + 7);
  wire[0] = 32;
  wire[33] = 0;
  for (int pos = 0; pos < 32; pos++) {
    for (int v = 0; v < 256; v++) {
      for (int i = 0; i < 16; i++) {
        wire[1 + 2 * i] = (uint8_t)('A' + (raw[i] >> 4));
        wire[2 + 2 * i] = (uint8_t)('A' + (raw[i] & 15));
      }
      wire[1 + pos] = (uint8_t)v;
      int legal = v >= 'A' && v <= 'P';
      msl_rd_init(&r, wire, sizeof wire);
      assert_int_equal(msl_nbname_decode(&n, &r, 0), legal ? 0 : MSL_ERR_NAME);
      if (!legal)
        continue;
      uint8_t want = raw[pos / 2];
      if (pos % 2)
        want = (uint8_t)((want & 0xf0) | (v - 'A'));
      else
        want = (uint8_t)((want & 0x0f) | (v - 'A') << 4);
      assert_int_equal(n.raw[pos / 2], want);
      for (int i = 0; i < 16; i++)
        if (i != pos / 2)
          assert_int_equal(n.raw[i], raw[i]);
    }
  }
}

/* Builds [name at 0][pointer bytes...] for compression tests. */
static size_t with_name_at_zero(uint8_t *buf, const uint8_t *tail, size_t tl) {
  msl_nbname n;
  msl_wr w;
  msl_nbname_make(&n, "SRV", 0x20, NULL);
  msl_wr_init(&w, buf, 128);
  msl_nbname_encode(&n, &w);
  msl_wr_bytes(&w, tail, tl);
  return w.off;
}

static void test_pointer(void **state) {
  (void)state;
  uint8_t buf[128];
  static const uint8_t ptr[] = {0xC0, 0x00, 0xEE};
  size_t len = with_name_at_zero(buf, ptr, sizeof ptr);
  msl_rd r;
  msl_nbname n;
  msl_rd_init(&r, buf, len);
  msl_rd_seek(&r, 34);
  assert_int_equal(msl_nbname_decode(&n, &r, 1), 0);
  assert_int_equal(r.off, 36); /* after the pointer, not after the target */
  assert_string_equal(fmt(&n), "SRV<20>");
  /* Not allowed in datagrams. */
  msl_rd_init(&r, buf, len);
  msl_rd_seek(&r, 34);
  assert_int_equal(msl_nbname_decode(&n, &r, 0), MSL_ERR_NAME_PTR);
}

static void test_pointer_loops(void **state) {
  (void)state;
  msl_nbname n;
  msl_rd r;
  /* Pointer to itself. */
  static const uint8_t self[] = {0xC0, 0x00};
  msl_rd_init(&r, self, sizeof self);
  assert_int_equal(msl_nbname_decode(&n, &r, 1), MSL_ERR_NAME_LOOP);
  /* Forward pointer. */
  static const uint8_t fwd[] = {0xC0, 0x02, 0x00};
  msl_rd_init(&r, fwd, sizeof fwd);
  assert_int_equal(msl_nbname_decode(&n, &r, 1), MSL_ERR_NAME_LOOP);
  /* Two pointers pointing at each other: 4 -> 2 -> 4. */
  static const uint8_t cyc[] = {0, 0, 0xC0, 0x04, 0xC0, 0x02};
  msl_rd_init(&r, cyc, sizeof cyc);
  msl_rd_seek(&r, 4);
  assert_int_equal(msl_nbname_decode(&n, &r, 1), MSL_ERR_NAME_LOOP);
  /* Pointer past the end of the packet. */
  static const uint8_t past[] = {0, 0, 0xFF, 0xFF};
  msl_rd_init(&r, past, sizeof past);
  msl_rd_seek(&r, 2);
  assert_int_equal(msl_nbname_decode(&n, &r, 1), MSL_ERR_NAME_LOOP);
  /* A long chain of backward pointers is cut at MSL_NBNAME_MAX_JUMPS. */
  uint8_t chain[2 * 40];
  chain[0] = 0xC0; /* never reached */
  chain[1] = 0x00;
  for (size_t i = 1; i < 40; i++) {
    chain[2 * i] = 0xC0;
    chain[2 * i + 1] = (uint8_t)(2 * (i - 1));
  }
  msl_rd_init(&r, chain, sizeof chain);
  msl_rd_seek(&r, sizeof chain - 2);
  assert_int_equal(msl_nbname_decode(&n, &r, 1), MSL_ERR_NAME_LOOP);
}

static void test_scope_limits(void **state) {
  (void)state;
  msl_nbname n;
  char scope[300];
  /* 63-byte labels are the longest allowed; 64 is not. */
  memset(scope, 'A', 63);
  scope[63] = '\0';
  assert_int_equal(msl_nbname_make(&n, "X", 0, scope), 0);
  memset(scope, 'A', 64);
  scope[64] = '\0';
  assert_int_equal(msl_nbname_make(&n, "X", 0, scope), MSL_ERR_ARG);
  /* 220 bytes of dotted scope fill the 255-byte name exactly. */
  memset(scope, 'A', 220);
  for (size_t i = 50; i < 220; i += 51)
    scope[i] = '.';
  scope[220] = '\0';
  assert_int_equal(msl_nbname_make(&n, "X", 0, scope), 0);
  assert_int_equal(msl_nbname_wire_len(&n), 255);
  uint8_t wire[300];
  size_t len;
  len = encode_to(&n, wire, sizeof wire);
  assert_int_equal(len, 255);
  msl_rd r;
  msl_nbname m;
  msl_rd_init(&r, wire, len);
  assert_int_equal(msl_nbname_decode(&m, &r, 0), 0);
  assert_true(msl_nbname_equal(&n, &m));
  assert_int_equal(m.scope_len, 220);
  /* One more label byte on the wire: 256 bytes, rejected. */
  uint8_t longer[300];
  memcpy(longer, wire, 253);
  longer[253] = 'B';
  longer[254] = 'C';
  longer[255] = 0;
  /* Make the last label one byte longer: find it and bump its length. */
  size_t at = 33, last = 33;
  while (longer[at] && at < 253) {
    last = at;
    at += 1u + longer[at];
  }
  longer[last]++;
  memcpy(longer + last + 1, wire + last + 1, wire[last]);
  longer[last + 1 + longer[last] - 1] = 'Z';
  longer[last + 1 + longer[last]] = 0;
  msl_rd_init(&r, longer, last + 2u + longer[last]);
  assert_int_equal(msl_nbname_decode(&m, &r, 0), MSL_ERR_NAME);
  /* Empty labels and bad characters. */
  assert_int_equal(msl_nbname_make(&n, "X", 0, "A..B"), MSL_ERR_ARG);
  assert_int_equal(msl_nbname_make(&n, "X", 0, ".A"), MSL_ERR_ARG);
  assert_int_equal(msl_nbname_make(&n, "X", 0, "A."), MSL_ERR_ARG);
  assert_int_equal(msl_nbname_make(&n, "X", 0, "A B"), MSL_ERR_ARG);
}

static void test_make_validation(void **state) {
  (void)state;
  msl_nbname n;
  assert_int_equal(msl_nbname_make(&n, "", 0, NULL), MSL_ERR_ARG);
  assert_int_equal(msl_nbname_make(&n, "ABCDEFGHIJKLMNOP", 0, NULL), MSL_ERR_ARG);
  assert_int_equal(msl_nbname_make(&n, "ABCDEFGHIJKLMNO", 0, NULL), 0);
  assert_int_equal(msl_nbname_make(&n, "A\tB", 0, NULL), MSL_ERR_ARG);
  assert_int_equal(msl_nbname_make(&n, "A.B", 0, NULL), MSL_ERR_ARG);
  assert_int_equal(msl_nbname_make(NULL, "A", 0, NULL), MSL_ERR_ARG);
  assert_int_equal(msl_nbname_make(&n, NULL, 0, NULL), MSL_ERR_ARG);
  assert_int_equal(msl_nbname_make(&n, "wg", 0x1d, ""), 0);
  assert_string_equal(fmt(&n), "WG<1d>");
  assert_int_equal(n.scope_len, 0);
}

static void test_format_bounds(void **state) {
  (void)state;
  msl_nbname n;
  char small[6];
  msl_nbname_make(&n, "HOSTNAME", 0x20, "S");
  size_t need = msl_nbname_format(&n, small, sizeof small);
  assert_int_equal(need, strlen("HOSTNAME<20>.S"));
  assert_string_equal(small, "HOSTN");
  assert_int_equal(msl_nbname_format(&n, NULL, 0), need);
  /* Non-printable bytes in the middle are shown as <xx>. */
  uint8_t raw[16];
  memset(raw, ' ', 16);
  raw[0] = 'A';
  raw[1] = 0x7f;
  raw[2] = 'B';
  raw[15] = 0x03;
  msl_nbname_from_raw(&n, raw, NULL);
  assert_string_equal(fmt(&n), "A<7f>B<03>");
}

static void test_encode_overflow(void **state) {
  (void)state;
  msl_nbname n;
  msl_nbname_make(&n, "HOST", 0, "SCOPE");
  uint8_t buf[10];
  msl_wr w;
  msl_wr_init(&w, buf, sizeof buf);
  msl_nbname_encode(&n, &w);
  assert_int_equal(w.err, MSL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(w.off, msl_nbname_wire_len(&n));
  assert_int_equal(msl_wr_result(&w), MSL_ERR_BUFFER_TOO_SMALL);
}

/* ---- msl_nbname_decode_lenient: names as Wireshark reads them ---- */

/* Decodes wire[0..len) leniently; checks the result and, on success, that
 * the cursor ends at `end` with no reader error. */
static void lenient_wire(msl_nbname *n, const uint8_t *wire, size_t len,
                         int allow_ptr, int want, size_t end) {
  msl_rd r;
  msl_rd_init(&r, wire, len);
  memset(n, 0xA5, sizeof *n); /* every field read must be set */
  assert_int_equal(msl_nbname_decode_lenient(n, &r, allow_ptr), want);
  if (!want) {
    assert_int_equal(r.err, 0);
    assert_int_equal(r.off, end);
  }
}

static void lenient_hex(msl_nbname *n, const char *hex, size_t end) {
  uint8_t wire[300];
  lenient_wire(n, wire, unhex(hex, wire, sizeof wire), 0, 0, end);
}

/* One first label of `label` bytes then the root: len + label + 0. */
static size_t one_label(uint8_t *wire, const char *label) {
  size_t len = strlen(label);
  wire[0] = (uint8_t)len;
  memcpy(wire + 1, label, len);
  wire[1 + len] = 0;
  return len + 2;
}

/* A legal name: the same result as the strict decoder, illegal 0. */
static void test_lenient_legal(void **state) {
  (void)state;
  msl_nbname a, b;
  uint8_t wire[64];
  size_t len;
  assert_int_equal(msl_nbname_make(&a, "HOST", 0x20, "A.BC"), 0);
  len = encode_to(&a, wire, sizeof wire);
  lenient_wire(&b, wire, len, 0, 0, len);
  assert_true(msl_nbname_equal(&a, &b));
  assert_int_equal(b.illegal, MSL_NBNAME_LEGAL);
  assert_int_equal(msl_nbname_unreadable(&b), 0);
  assert_string_equal(fmt(&b), "HOST<20>.A.BC");
  /* The 34-byte form (malformed-fuzzed-2005-lan-ndpi.pcap frame 97). */
  lenient_hex(&b,
              "2045464544454a465045454550454e4542454a454f4341434143414341434142"
              "4d00",
              34);
  assert_int_equal(b.illegal, MSL_NBNAME_LEGAL);
  assert_string_equal(fmt(&b), "ECI_DOMAIN<1c>");
  /* The strict decoder also resets the field; so do make and from_raw. */
  msl_rd r;
  msl_rd_init(&r, wire, len);
  memset(&b, 0xA5, sizeof b);
  assert_int_equal(msl_nbname_decode(&b, &r, 0), 0);
  assert_int_equal(b.illegal, 0);
  memset(&a, 0xA5, sizeof a);
  assert_int_equal(msl_nbname_make(&a, "X", 0, NULL), 0);
  assert_int_equal(a.illegal, 0);
  memset(&a, 0xA5, sizeof a);
  assert_int_equal(msl_nbname_from_raw(&a, wire, NULL), 0);
  assert_int_equal(a.illegal, 0);
}

/* Letters beyond 'P': Wireshark ORs (c2 - 'A') into (c1 - 'A') << 4, cut to
 * 8 bits. malformed-fuzzed-2005-lan-ndpi.pcap frame 1 ("SA": 0x120 -> ' ',
 * tshark ECI_DOMAIN<1c>), frame 27 ("CT": 0x20 | 0x13 = '3', tshark
 * "CCI_DoMAIN   3<1c>"), frame 469 ("BS": 0x10 | 0x12 = 0x12, not the sum
 * 0x22; tshark WORKGROUP<12>). The strict decoder refuses all three. */
static void test_lenient_letters(void **state) {
  (void)state;
  static const char *const hex[] = {
      "2045464544454a465045454550454e4542454a454f53414341434143414341424d00",
      "2045444544454a465045454750454e4542454a454f43414341434143544341424d00",
      "2046484550464345 4c45484643455046464641434143414341434143414341425300",
  };
  static const char *const want[] = {"ECI_DOMAIN<1c>", "CCI_DoMAIN   3<1c>",
                                     "WORKGROUP<12>"};
  for (size_t i = 0; i < 3; i++) {
    char clean[80];
    size_t k = 0;
    for (const char *c = hex[i]; *c; c++)
      if (*c != ' ')
        clean[k++] = *c;
    clean[k] = '\0';
    msl_nbname n;
    lenient_hex(&n, clean, 34);
    assert_int_equal(n.illegal, MSL_NBNAME_LETTERS_QZ);
    assert_int_equal(msl_nbname_unreadable(&n), 0);
    assert_string_equal(fmt(&n), want[i]);
    uint8_t wire[40];
    msl_rd r;
    msl_rd_init(&r, wire, unhex(clean, wire, sizeof wire));
    assert_int_equal(msl_nbname_decode(&n, &r, 0), MSL_ERR_NAME);
  }
}

/* Names Wireshark cannot read: its sentence instead of the name, and the
 * cursor after the name so that decoding can go on. */
static void test_lenient_illegal(void **state) {
  (void)state;
  msl_nbname n;
  uint8_t wire[128];
  /* malformed-fuzzed-2005-lan-ndpi.pcap frame 368, source name: 0xb6 is
   * the 2nd byte of pair 8 (tshark: "Illegal NetBIOS name (2nd character
   * not between A and Z in first-level encoding)"). */
  lenient_hex(&n,
              "20454544414441444344454447444643b643414341434143414341434143"
              "41434100",
              34);
  assert_int_equal(n.illegal, MSL_NBNAME_ILLEGAL_2ND);
  assert_true(msl_nbname_unreadable(&n));
  assert_string_equal(fmt(&n), "Illegal NetBIOS name (2nd character not "
                               "between A and Z in first-level encoding)");
  /* Frame 486, source name: 0x85 first (tshark "(1st character ...)"). */
  lenient_hex(&n,
              "20854d4542454344424442444243414341434143414341434143414341434143"
              "4100",
              34);
  assert_int_equal(n.illegal, MSL_NBNAME_ILLEGAL_1ST);
  assert_string_equal(fmt(&n), "Illegal NetBIOS name (1st character not "
                               "between A and Z in first-level encoding)");
  /* Lower case is not 'A'..'Z' either. */
  size_t len = one_label(wire, "FAEaEFEFEFEFEFEFEFEFEFEFEFEFEFEF");
  lenient_wire(&n, wire, len, 0, 0, len);
  assert_int_equal(n.illegal, MSL_NBNAME_ILLEGAL_2ND);
  /* 33 letters: the last pair is cut. */
  len = one_label(wire, "EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE");
  lenient_wire(&n, wire, len, 0, 0, len);
  assert_int_equal(n.illegal, MSL_NBNAME_ILLEGAL_ODD);
  assert_string_equal(fmt(&n), "Illegal NetBIOS name (odd number of bytes)");
  /* 30 letters: 15 bytes; 2 letters: 1 byte. */
  len = one_label(wire, "EEEEEEEEEEEEEEEEEEEEEEEEEEEEEE");
  lenient_wire(&n, wire, len, 0, 0, len);
  assert_int_equal(n.illegal, MSL_NBNAME_ILLEGAL_SHORT);
  assert_int_equal(n.illegal_len, 15);
  assert_string_equal(fmt(&n), "Illegal NetBIOS name (15 bytes long)");
  len = one_label(wire, "EB");
  lenient_wire(&n, wire, len, 0, 0, len);
  assert_string_equal(fmt(&n), "Illegal NetBIOS name (1 bytes long)");
  /* The root name alone (Wireshark reads "<Root>": '<' is not a letter). */
  wire[0] = 0;
  lenient_wire(&n, wire, 1, 0, 0, 1);
  assert_int_equal(n.illegal, MSL_NBNAME_ILLEGAL_1ST);
  /* 34 letters: the first 16 pairs are the name. */
  len = one_label(wire, "EIEPFDFECACACACACACACACACACACAAAEB");
  lenient_wire(&n, wire, len, 0, 0, len);
  assert_int_equal(n.illegal, MSL_NBNAME_LONG);
  assert_string_equal(fmt(&n), "HOST<00>");
  /* An illegal first label with a scope: the scope is read (and the cursor
   * moves past it), the sentence has no scope, as Wireshark prints it. */
  static const uint8_t scoped[] = {4, '!', 'A', 'A', 'A', 3, 'L', 'A', 'B',
                                   0, 0xEE};
  lenient_wire(&n, scoped, sizeof scoped, 0, 0, sizeof scoped - 1);
  assert_int_equal(n.illegal, MSL_NBNAME_ILLEGAL_1ST);
  assert_string_equal(n.scope, "LAB");
  assert_string_equal(fmt(&n), "Illegal NetBIOS name (1st character not "
                               "between A and Z in first-level encoding)");
  /* The sentence is bounded like any name. */
  char small[8];
  size_t need = msl_nbname_format(&n, small, sizeof small);
  assert_int_equal(need, strlen(fmt(&n)));
  assert_string_equal(small, "Illegal");
  assert_int_equal(msl_nbname_format(&n, NULL, 0), need);
}

/* The label structure is checked as strictly as ever: reserved label
 * types, pointers where none are allowed, bad scope labels, and a cut at
 * every byte of an illegal name are errors, never a crash. */
static void test_lenient_structure(void **state) {
  (void)state;
  msl_nbname n;
  uint8_t wire[300];
  static const uint8_t reserved[] = {0x40, 'A', 0};
  lenient_wire(&n, reserved, sizeof reserved, 1, MSL_ERR_NAME, 0);
  static const uint8_t ptr[] = {0xC0, 0x00};
  lenient_wire(&n, ptr, sizeof ptr, 0, MSL_ERR_NAME_PTR, 0);
  lenient_wire(&n, ptr, sizeof ptr, 1, MSL_ERR_NAME_LOOP, 0);
  static const uint8_t bad_scope[] = {2, '1', '2', 2, 'A', ' ', 0};
  lenient_wire(&n, bad_scope, sizeof bad_scope, 0, MSL_ERR_NAME, 0);
  /* malformed-fuzzed-2005-lan-ndpi.pcap frame 472, source name: a legal
   * first label, a 16-byte label starting with a space, then 0x46 (a
   * reserved label type): malformed for both decoders. */
  size_t len = unhex("20454d4542454344424442444243414341434143414341434143414341"
                     "434141411020464845504643454c45484643455046464641",
                     wire, sizeof wire);
  lenient_wire(&n, wire, len, 0, MSL_ERR_NAME, 0);
  /* Every cut of an illegal scoped name: TRUNCATED. */
  len = one_label(wire, "!!EEEEEEEEEEEEEEEEEEEEEEEEEEEEEE");
  wire[len - 1] = 3; /* replace the root with a scope label "ABC" */
  memcpy(wire + len, "ABC", 3);
  wire[len + 3] = 0;
  len += 4;
  lenient_wire(&n, wire, len, 0, 0, len);
  assert_int_equal(n.illegal, MSL_NBNAME_ILLEGAL_1ST);
  for (size_t cut = 0; cut < len; cut++)
    lenient_wire(&n, wire, cut, 0, MSL_ERR_TRUNCATED, 0);
  /* A sticky reader error is returned as is. */
  msl_rd r;
  msl_rd_init(&r, wire, len);
  msl_rd_fail(&r, MSL_ERR_INVALID);
  assert_int_equal(msl_nbname_decode_lenient(&n, &r, 0), MSL_ERR_INVALID);
}

/* Names as users type them (issue 12 item 4): nmblookup's forms. */
static void test_parse_text(void **state) {
  (void)state;
  static const uint8_t msb[16] = {1,   2,   '_', '_', 'M', 'S', 'B', 'R',
                                  'O', 'W', 'S', 'E', '_', '_', 2,   1};
  static const char *const msb_forms[] = {
      "-", "__MSBROWSE__", "__msbrowse__", "\\x01\\x02__MSBROWSE__\\x02\\x01",
      "\\x01\\x02__MSBROWSE__\\x02<01>", "-<01>"};
  msl_nbname n;
  char t[MSL_NBNAME_ESC_MAX];
  for (size_t i = 0; i < sizeof(msb_forms) / sizeof(msb_forms[0]); i++) {
    assert_int_equal(msl_nbname_parse_text(&n, msb_forms[i], 0, NULL), 0);
    assert_memory_equal(n.raw, msb, 16);
  }
  assert_int_equal(msl_nbname_format_escaped(&n, t, sizeof(t)), 28);
  assert_string_equal(t, "\\x01\\x02__MSBROWSE__\\x02<01>");
  assert_int_equal(msl_nbname_parse_text(&n, "-<1d>", 0, NULL), 0);
  assert_int_equal(n.raw[15], 0x1d);
  /* Plain names: upper-cased, space-padded, default or given suffix. */
  assert_int_equal(msl_nbname_parse_text(&n, "nmbd2", 0x20, NULL), 0);
  assert_memory_equal(n.raw, "NMBD2          \x20", 16);
  assert_int_equal(msl_nbname_parse_text(&n, "wg<1B>", 0, "lab.example"), 0);
  assert_memory_equal(n.raw, "WG             \x1b", 16);
  assert_string_equal(n.scope, "LAB.EXAMPLE");
  msl_nbname_format_escaped(&n, t, sizeof(t));
  assert_string_equal(t, "WG<1b>.LAB.EXAMPLE");
  /* The wildcard is NUL-padded [RFC 1002 4.1]. */
  assert_int_equal(msl_nbname_parse_text(&n, "*", 0, NULL), 0);
  assert_memory_equal(n.raw, "*\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
  msl_nbname_format_escaped(&n, t, sizeof(t));
  assert_string_equal(t, "*<00>");
  /* Escapes: kept as typed (not upper-cased); '.' and '\' only so. */
  assert_int_equal(msl_nbname_parse_text(&n, "a\\x62\\x2e\\x5c", 0, NULL), 0);
  assert_memory_equal(n.raw, "Ab.\\           \0", 16);
  msl_nbname_format_escaped(&n, t, sizeof(t));
  assert_string_equal(t, "Ab\\x2e\\x5c<00>");
  /* 15 bytes, then a 16th as the suffix. */
  assert_int_equal(
      msl_nbname_parse_text(&n, "ABCDEFGHIJKLMNO\\x1c", 0, NULL), 0);
  assert_memory_equal(n.raw, "ABCDEFGHIJKLMNO\x1c", 16);
  static const char *const bad[] = {
      "",   "<00>",       "a.b",  "\\x",       "\\xg0",        "\\q",
      "a\t", "ABCDEFGHIJKLMNOPQ", "ABCDEFGHIJKLMNOP<00>",
      "\\x01\\x02__MSBROWSE__\\x02\\x01<01>"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(msl_nbname_parse_text(&n, bad[i], 0, NULL), MSL_ERR_ARG);
  assert_int_equal(msl_nbname_parse_text(NULL, "x", 0, NULL), MSL_ERR_ARG);
  assert_int_equal(msl_nbname_parse_text(&n, "x", 0, "bad..scope"),
                   MSL_ERR_ARG);
}

/* Every raw name prints in a form that reads back to the same bytes. */
static void test_escaped_round_trip(void **state) {
  (void)state;
  msl_nbname n, back;
  char t[MSL_NBNAME_ESC_MAX];
  uint8_t raw[16];
  uint32_t x = 12345;
  for (int k = 0; k < 20000; k++) {
    for (int i = 0; i < 16; i++) {
      x = x * 1103515245u + 12345u;
      raw[i] = (uint8_t)(x >> 16);
      if (k % 3 == 0 && i > 5 && i < 15)
        raw[i] = ' '; /* padding */
      if (k % 5 == 0 && i < 15)
        raw[i] = i ? 0 : '*'; /* wildcards */
    }
    /* Lower-case letters are typed upper-case; any byte can be escaped. */
    assert_int_equal(msl_nbname_from_raw(&n, raw, NULL), 0);
    size_t len = msl_nbname_format_escaped(&n, t, sizeof(t));
    assert_true(len < sizeof(t));
    assert_int_equal(msl_nbname_parse_text(&back, t, 0x42, NULL), 0);
    for (int i = 0; i < 16; i++)
      if (!(raw[i] >= 'a' && raw[i] <= 'z'))
        assert_int_equal(back.raw[i], raw[i]);
  }
  /* Bounded output. */
  assert_int_equal(msl_nbname_parse_text(&n, "\\x01\\x02", 0, NULL), 0);
  assert_int_equal(msl_nbname_format_escaped(&n, t, 5), 12);
  assert_string_equal(t, "\\x01");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc_fred),
      cmocka_unit_test(test_wildcard),
      cmocka_unit_test(test_msbrowse),
      cmocka_unit_test(test_capture_query_name),
      cmocka_unit_test(test_capture_scope),
      cmocka_unit_test(test_truncated_every_byte),
      cmocka_unit_test(test_bad_encoding),
      cmocka_unit_test(test_label_every_byte),
      cmocka_unit_test(test_pointer),
      cmocka_unit_test(test_pointer_loops),
      cmocka_unit_test(test_scope_limits),
      cmocka_unit_test(test_make_validation),
      cmocka_unit_test(test_format_bounds),
      cmocka_unit_test(test_encode_overflow),
      cmocka_unit_test(test_lenient_legal),
      cmocka_unit_test(test_lenient_letters),
      cmocka_unit_test(test_lenient_illegal),
      cmocka_unit_test(test_lenient_structure),
      cmocka_unit_test(test_parse_text),
      cmocka_unit_test(test_escaped_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
