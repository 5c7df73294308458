/*
 * Tests for the NetBIOS datagram codec (proto/msl_nbdgm.c) [RFC 1002 §4.4,
 * §5.3.1]. Vectors are the UDP payloads of frames of captures/, read from
 * the capture files before the tests run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture_frame.h"
#include "test_util.h"

#include "msl_nbdgm.h"

/*
 * windows-xp-browse-eapon1.pcap frame 1: DIRECT_GROUP, flags 0x0e (H-node),
 * id 0x891d, 192.168.1.249:138, DJP95S0J<00> -> ARBEITSGRUPPE<00>, Request
 * Announcement on \MAILSLOT\BROWSE
 */
static uint8_t v_xp_browse[179];

/*
 * samba-nmbd-lan.pcap frame 55: DIRECT_UNIQUE from nmbd, flags 0x0a
 * (M-node), id 0x78da, 198.18.5.1:138, LABSAMBA<00> -> PEERHOST<00>,
 * LOGON_PRIMARY_RESPONSE to \MAILSLOT\NET\GETDC576
 */
static uint8_t v_samba_unique[226];

/*
 * samba-nmbd-scope.pcap frame 27: DIRECT_GROUP, id 0x78f2,
 * SCOPEDSMB<00>.LAB.EXAMPLE -> SCOPEWG<1e>.LAB.EXAMPLE, Election
 */
static uint8_t v_samba_scope[216];

/*
 * netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap frame 3:
 * DIRECT_UNIQUE, flags 0x02, id 0x93c4, 192.168.1.46:138, CHIP_DOUGLAS-
 * PC<00> -> SNICKLEFRITZ<00>
 */
static uint8_t v_ad_unique[278];

/* The vectors, read from their frames before the tests run. */
static const captured vecs[] = {
    CAPTURED("windows-xp-browse-eapon1.pcap", 1, v_xp_browse),
    CAPTURED("samba-nmbd-lan.pcap", 55, v_samba_unique),
    CAPTURED("samba-nmbd-scope.pcap", 27, v_samba_scope),
    CAPTURED("netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap", 3,
             v_ad_unique),
};
#define NVECS (sizeof(vecs) / sizeof(vecs[0]))

/* Group setup: the vectors are the UDP payloads of their frames. */
static int load_vecs(void **state) {
  (void)state;
  capture_fill(capture_udp, vecs, NVECS);
  return 0;
}

/* Decodes from an exact-size heap copy so ASan sees any over-read. */
static int decode_copy(msl_nbdgm *m, const uint8_t *p, size_t len,
                       uint8_t **keep) {
  uint8_t *c = malloc(len ? len : 1);
  assert_non_null(c);
  if (len)
    memcpy(c, p, len);
  *keep = c;
  return msl_nbdgm_decode(m, len ? c : NULL, len);
}

static void check_round_trip(const uint8_t *p, size_t len) {
  msl_nbdgm m;
  uint8_t out[2048];
  assert_int_equal(msl_nbdgm_decode(&m, p, len), 0);
  assert_int_equal(msl_nbdgm_encoded_len(&m), len);
  assert_int_equal(msl_nbdgm_encode(&m, out, sizeof(out)), (int)len);
  assert_memory_equal(out, p, len);
}

static void test_capture_round_trip(void **state) {
  (void)state;
  for (size_t i = 0; i < NVECS; i++)
    check_round_trip(vecs[i].bytes, vecs[i].len);
}

static void test_xp_fields(void **state) {
  (void)state;
  msl_nbdgm m;
  char buf[MSL_NBNAME_FMT_MAX];
  assert_int_equal(msl_nbdgm_decode(&m, v_xp_browse, sizeof(v_xp_browse)), 0);
  assert_int_equal(m.type, MSL_NBDGM_DIRECT_GROUP);
  assert_int_equal(m.flags, 0x0e);
  assert_string_equal(msl_nbdgm_snt_name(m.flags), "H/NBDD");
  assert_int_equal(m.id, 0x891d);
  assert_int_equal(m.src_ip, 0xc0a801f9u); /* 192.168.1.249 */
  assert_int_equal(m.src_port, 138);
  assert_int_equal(m.length, 165);
  assert_int_equal(m.length, sizeof(v_xp_browse) - 14);
  assert_int_equal(m.offset, 0);
  assert_int_equal(m.length_explicit, 0);
  assert_int_equal(m.trailing.len, 0);
  assert_int_equal(m.missing, 0);
  msl_nbname_format(&m.src, buf, sizeof(buf));
  assert_string_equal(buf, "DJP95S0J<00>");
  msl_nbname_format(&m.dst, buf, sizeof(buf));
  assert_string_equal(buf, "ARBEITSGRUPPE<00>");
  assert_int_equal(m.data.len, sizeof(v_xp_browse) - 82);
  assert_ptr_equal(m.data.ptr, v_xp_browse + 82);
  assert_memory_equal(m.data.ptr, "\xffSMB\x25", 5);
}

static void test_samba_unique_fields(void **state) {
  (void)state;
  msl_nbdgm m;
  char buf[MSL_NBNAME_FMT_MAX];
  assert_int_equal(msl_nbdgm_decode(&m, v_samba_unique, sizeof(v_samba_unique)),
                   0);
  assert_int_equal(m.type, MSL_NBDGM_DIRECT_UNIQUE);
  assert_string_equal(msl_nbdgm_type_name(m.type), "DIRECT_UNIQUE");
  assert_int_equal(m.flags, 0x0a);
  assert_string_equal(msl_nbdgm_snt_name(m.flags), "M");
  assert_int_equal(m.id, 0x78da);
  assert_int_equal(m.src_ip, 0xc6120501u); /* 198.18.5.1 */
  msl_nbname_format(&m.src, buf, sizeof(buf));
  assert_string_equal(buf, "LABSAMBA<00>");
  msl_nbname_format(&m.dst, buf, sizeof(buf));
  assert_string_equal(buf, "PEERHOST<00>");
}

static void test_scoped_names(void **state) {
  (void)state;
  msl_nbdgm m;
  assert_int_equal(msl_nbdgm_decode(&m, v_samba_scope, sizeof(v_samba_scope)),
                   0);
  assert_string_equal(m.src.scope, "LAB.EXAMPLE");
  assert_string_equal(m.dst.scope, "LAB.EXAMPLE");
  assert_int_equal(m.dst.raw[15], 0x1e);
  /* Each name is 34 + 12 bytes (labels 3 "LAB" 7 "EXAMPLE"):
   * DGM_LENGTH counts the scope labels. */
  size_t names = 2 * (34 + 12);
  assert_int_equal(m.length, names + m.data.len);
  assert_int_equal(m.length, sizeof(v_samba_scope) - 14);
  assert_ptr_equal(m.data.ptr, v_samba_scope + 14 + names);
}

/* Rebuilding the Windows XP packet from its fields gives its exact bytes. */
static void test_init_matches_windows(void **state) {
  (void)state;
  msl_nbname src, dst;
  msl_nbdgm m;
  uint8_t out[512];
  assert_int_equal(msl_nbname_make(&src, "DJP95S0J", 0x00, NULL), 0);
  assert_int_equal(msl_nbname_make(&dst, "ARBEITSGRUPPE", 0x00, NULL), 0);
  assert_int_equal(msl_nbdgm_init(&m, MSL_NBDGM_DIRECT_GROUP, MSL_NBDGM_SNT_H,
                                  0x891d, 0xc0a801f9u, MSL_NBDGM_PORT, &src,
                                  &dst, v_xp_browse + 82,
                                  sizeof(v_xp_browse) - 82),
                   0);
  assert_int_equal(m.flags, 0x0e);
  assert_int_equal(msl_nbdgm_encode(&m, out, sizeof(out)),
                   (int)sizeof(v_xp_browse));
  assert_memory_equal(out, v_xp_browse, sizeof(v_xp_browse));

  assert_int_equal(
      msl_nbdgm_init(&m, MSL_NBDGM_ERROR, 0, 1, 2, 3, &src, &dst, NULL, 0),
      MSL_ERR_ARG);
  assert_int_equal(msl_nbdgm_init(&m, MSL_NBDGM_BROADCAST, 0x01, 1, 2, 3, &src,
                                  &dst, NULL, 0),
                   MSL_ERR_ARG);
  assert_int_equal(
      msl_nbdgm_init(&m, MSL_NBDGM_BROADCAST, 0, 1, 2, 3, &src, &dst, NULL, 5),
      MSL_ERR_ARG);
  assert_int_equal(msl_nbdgm_init(NULL, MSL_NBDGM_BROADCAST, 0, 1, 2, 3, &src,
                                  &dst, NULL, 0),
                   MSL_ERR_ARG);
}

/* Every proper prefix of a valid packet fails cleanly (never crashes). */
static void test_every_truncation(void **state) {
  (void)state;
  for (size_t i = 0; i < NVECS; i++) {
    for (size_t n = 0; n < vecs[i].len; n++) {
      msl_nbdgm m;
      uint8_t *c;
      int rc = decode_copy(&m, vecs[i].bytes, n, &c);
      assert_int_equal(rc, MSL_ERR_TRUNCATED);
      if (n >= 82 && vecs[i].bytes[14 + 33] == 0) {
        /* Names complete: the header is filled and `missing` is exact. */
        assert_int_equal(m.data.len + m.missing, vecs[i].len - 82);
        assert_int_equal(m.length_explicit, 1);
      }
      free(c);
    }
  }
}

static void test_empty_and_args(void **state) {
  (void)state;
  msl_nbdgm m;
  uint8_t b[1] = {0x10};
  assert_int_equal(msl_nbdgm_decode(&m, NULL, 0), MSL_ERR_TRUNCATED);
  assert_int_equal(msl_nbdgm_decode(&m, b, 0), MSL_ERR_TRUNCATED);
  assert_int_equal(msl_nbdgm_decode(&m, NULL, 5), MSL_ERR_ARG);
  assert_int_equal(msl_nbdgm_decode(NULL, b, 1), MSL_ERR_ARG);
  assert_int_equal(msl_nbdgm_encode(NULL, b, 1), MSL_ERR_ARG);
  assert_int_equal(msl_nbdgm_encoded_len(NULL), 0);
}

/* Reads a vector into a mutable buffer with room to grow. */
static size_t load(uint8_t *buf, const uint8_t *p, size_t len) {
  memcpy(buf, p, len);
  return len;
}

static void set_len(uint8_t *b, unsigned v) {
  msl_put_u16be(b + 10, v);
}

static void test_dgm_length_smaller(void **state) {
  (void)state;
  uint8_t b[512];
  size_t n = load(b, v_xp_browse, sizeof(v_xp_browse));
  set_len(b, 165 - 10); /* 10 bytes beyond DGM_LENGTH */
  msl_nbdgm m;
  assert_int_equal(msl_nbdgm_decode(&m, b, n), 0);
  assert_int_equal(m.data.len, n - 82 - 10);
  assert_int_equal(m.trailing.len, 10);
  assert_ptr_equal(m.trailing.ptr, b + n - 10);
  assert_int_equal(m.missing, 0);
  /* Computed DGM_LENGTH (names + data) equals the header's: not explicit. */
  assert_int_equal(m.length_explicit, 0);
  check_round_trip(b, n);

  /* DGM_LENGTH exactly the names: empty user data, rest trailing. */
  set_len(b, 68);
  assert_int_equal(msl_nbdgm_decode(&m, b, n), 0);
  assert_int_equal(m.data.len, 0);
  assert_int_equal(m.trailing.len, n - 82);
  check_round_trip(b, n);
}

static void test_dgm_length_too_small_for_names(void **state) {
  (void)state;
  uint8_t b[512], out[512];
  size_t n = load(b, v_xp_browse, sizeof(v_xp_browse));
  set_len(b, 67);
  msl_nbdgm m;
  assert_int_equal(msl_nbdgm_decode(&m, b, n), MSL_ERR_INVALID);
  assert_int_equal(m.data.len, 0);
  assert_int_equal(m.trailing.len, n - 82);
  assert_int_equal(m.length, 67);
  assert_int_equal(m.length_explicit, 1);
  /* Still re-encodes exactly (for a sniffer writing what it saw). */
  assert_int_equal(msl_nbdgm_encode(&m, out, sizeof(out)), (int)n);
  assert_memory_equal(out, b, n);
  set_len(b, 0);
  assert_int_equal(msl_nbdgm_decode(&m, b, n), MSL_ERR_INVALID);
}

/* MSL_NBDGM_SHORT_LENGTH_OK: a short DGM_LENGTH in an unfragmented
 * datagram is ignored, as Samba's parse_dgram and Wireshark ignore it
 * (issue 12 item 1); fragments keep the strict reading. */
static void test_dgm_length_short_ok(void **state) {
  (void)state;
  uint8_t b[512], out[512];
  size_t n = load(b, v_xp_browse, sizeof(v_xp_browse));
  msl_nbdgm m;
  const unsigned ok = MSL_NBDGM_SHORT_LENGTH_OK;
  static const unsigned lens[] = {165 - 10, 68, 67, 0};
  for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
    set_len(b, lens[i]);
    assert_int_equal(msl_nbdgm_decode_ex(&m, b, n, ok), 0);
    assert_int_equal(m.length, lens[i]);
    assert_int_equal(m.data.len, n - 82); /* everything after the names */
    assert_int_equal(m.trailing.len, 0);
    assert_int_equal(m.short_by, 165 - lens[i]);
    assert_int_equal(m.length_explicit, 1);
    assert_int_equal(msl_nbdgm_encode(&m, out, sizeof(out)), (int)n);
    assert_memory_equal(out, b, n);
  }
  /* The right length: nothing short. */
  set_len(b, 165);
  assert_int_equal(msl_nbdgm_decode_ex(&m, b, n, ok), 0);
  assert_int_equal(m.short_by, 0);
  assert_int_equal(m.length_explicit, 0);
  /* A fragment (first of several, or an offset): strict reading. */
  set_len(b, 165 - 10);
  b[1] = 0x0e | MSL_NBDGM_FLAG_MORE;
  assert_int_equal(msl_nbdgm_decode_ex(&m, b, n, ok), 0);
  assert_int_equal(m.short_by, 0);
  assert_int_equal(m.trailing.len, 10);
  b[1] = 0x0e;
  b[13] = 4; /* PACKET_OFFSET 4 */
  assert_int_equal(msl_nbdgm_decode_ex(&m, b, n, ok), 0);
  assert_int_equal(m.short_by, 0);
  assert_int_equal(m.trailing.len, 10);
  b[13] = 0;
  set_len(b, 67);
  b[1] = 0x0c; /* F=0 */
  assert_int_equal(msl_nbdgm_decode_ex(&m, b, n, ok), MSL_ERR_INVALID);
}

static void test_dgm_length_larger(void **state) {
  (void)state;
  uint8_t b[512], out[512];
  size_t n = load(b, v_xp_browse, sizeof(v_xp_browse));
  msl_nbdgm m;
  set_len(b, 0xffff);
  assert_int_equal(msl_nbdgm_decode(&m, b, n), MSL_ERR_TRUNCATED);
  assert_int_equal(m.data.len, n - 82); /* what is there is exposed */
  assert_int_equal(m.missing, 0xffff - 68 - (n - 82));
  assert_int_equal(m.length_explicit, 1);
  assert_int_equal(m.src.raw[0], 'D');
  assert_int_equal(msl_nbdgm_encode(&m, out, sizeof(out)), (int)n);
  assert_memory_equal(out, b, n);

  /* A fragment (M=1) may carry the whole datagram's length: accepted. */
  set_len(b, 165 + 100);
  b[1] = 0x0e | MSL_NBDGM_FLAG_MORE;
  assert_int_equal(msl_nbdgm_decode(&m, b, n), 0);
  assert_int_equal(m.missing, 100);
  assert_int_equal(m.data.len, n - 82);
  b[1] = 0x0c; /* F=0, M=0: a last fragment */
  assert_int_equal(msl_nbdgm_decode(&m, b, n), 0);
  assert_int_equal(m.missing, 100);
}

static void test_reserved_flag_bits(void **state) {
  (void)state;
  uint8_t b[512];
  size_t n = load(b, v_samba_unique, sizeof(v_samba_unique));
  msl_nbdgm m;
  for (unsigned hi = 0; hi < 16; hi++) {
    b[1] = (uint8_t)(hi << 4 | 0x0a);
    assert_int_equal(msl_nbdgm_decode(&m, b, n), 0);
    assert_int_equal(m.flags, b[1]);
    assert_int_equal(m.flags & MSL_NBDGM_FLAG_SNT_MASK, MSL_NBDGM_SNT_M);
    check_round_trip(b, n);
  }
}

static void test_name_pointer_rejected(void **state) {
  (void)state;
  uint8_t b[512];
  msl_nbdgm m;
  size_t n = load(b, v_xp_browse, sizeof(v_xp_browse));
  /* Destination name replaced by a pointer to the source name (offset 14),
   * legal in NBNS, forbidden in datagrams [RFC 1002 §4.1]. */
  msl_put_u16be(b + 48, 0xc00e);
  assert_int_equal(msl_nbdgm_decode(&m, b, n), MSL_ERR_NAME_PTR);
  msl_put_u16be(b + 14, 0xc030);
  assert_int_equal(msl_nbdgm_decode(&m, b, n), MSL_ERR_NAME_PTR);
  /* Query request with a pointer. */
  uint8_t q[12] = {0x14, 0x02, 0, 1, 10, 0, 0, 1, 0, 138, 0xc0, 0x00};
  assert_int_equal(msl_nbdgm_decode(&m, q, sizeof(q)), MSL_ERR_NAME_PTR);
  /* A bad first-level label. */
  n = load(b, v_xp_browse, sizeof(v_xp_browse));
  b[20] = 'Z';
  assert_int_equal(msl_nbdgm_decode(&m, b, n), MSL_ERR_NAME);
}

/* RFC 1002 §4.4.3: 10-byte header + ERROR_CODE = 11 bytes. */
static const uint8_t v_error[11] = {0x13, 0x02, 0x12, 0x34, 0xc0, 0xa8,
                                    0x01, 0x02, 0x00, 0x8a, 0x82};

static void test_error_packet(void **state) {
  (void)state;
  msl_nbdgm m;
  uint8_t out[32];
  assert_int_equal(msl_nbdgm_decode(&m, v_error, sizeof(v_error)), 0);
  assert_int_equal(m.type, MSL_NBDGM_ERROR);
  assert_string_equal(msl_nbdgm_type_name(m.type), "ERROR");
  assert_int_equal(m.id, 0x1234);
  assert_int_equal(m.src_ip, 0xc0a80102u);
  assert_int_equal(m.src_port, 138);
  assert_int_equal(m.error_code, MSL_NBDGM_ERR_DEST_NOT_PRESENT);
  assert_string_equal(msl_nbdgm_error_name(m.error_code),
                      "DESTINATION_NAME_NOT_PRESENT");
  assert_int_equal(m.trailing.len, 0);
  check_round_trip(v_error, sizeof(v_error));
  for (size_t n = 0; n < sizeof(v_error); n++)
    assert_int_equal(msl_nbdgm_decode(&m, v_error, n), MSL_ERR_TRUNCATED);

  /* Built from fields. */
  memset(&m, 0, sizeof(m));
  m.type = MSL_NBDGM_ERROR;
  m.flags = 0x02;
  m.id = 0x1234;
  m.src_ip = 0xc0a80102u;
  m.src_port = 138;
  m.error_code = 0x82;
  assert_int_equal(msl_nbdgm_encode(&m, out, sizeof(out)), 11);
  assert_memory_equal(out, v_error, 11);

  assert_string_equal(msl_nbdgm_error_name(0x83), "INVALID_SOURCE_NAME_FORMAT");
  assert_string_equal(msl_nbdgm_error_name(0x84),
                      "INVALID_DESTINATION_NAME_FORMAT");
  assert_string_equal(msl_nbdgm_error_name(0x85), "UNKNOWN");

  /* Extra bytes after ERROR_CODE are reported and kept. */
  uint8_t x[13];
  memcpy(x, v_error, 11);
  x[11] = 0xaa;
  x[12] = 0xbb;
  assert_int_equal(msl_nbdgm_decode(&m, x, sizeof(x)), 0);
  assert_int_equal(m.trailing.len, 2);
  check_round_trip(x, sizeof(x));
}

/* RFC 1002 §4.4.4-5: 10-byte header + DESTINATION_NAME. */
static void test_query_packets(void **state) {
  (void)state;
  static const uint8_t types[] = {0x14, 0x15, 0x16};
  static const char *names[] = {"QUERY_REQUEST", "POSITIVE_QUERY_RESPONSE",
                                "NEGATIVE_QUERY_RESPONSE"};
  for (size_t t = 0; t < 3; t++) {
    msl_nbdgm m, d;
    uint8_t out[128];
    memset(&m, 0, sizeof(m));
    m.type = types[t];
    m.flags = 0x02;
    m.id = 7;
    m.src_ip = 0x0a000001u;
    m.src_port = 138;
    assert_int_equal(msl_nbname_make(&m.dst, "FRED", 0x00, NULL), 0);
    int n = msl_nbdgm_encode(&m, out, sizeof(out));
    assert_int_equal(n, 10 + 34);
    assert_int_equal(out[0], types[t]);
    /* "FRED" first-level encoded [RFC 1001 §14.1]. */
    assert_memory_equal(out + 10,
                        "\x20"
                        "EGFCEFEECACACACACACACACACACACAAA",
                        33);
    assert_int_equal(out[43], 0);
    assert_int_equal(msl_nbdgm_decode(&d, out, (size_t)n), 0);
    assert_int_equal(d.type, types[t]);
    assert_true(msl_nbname_equal(&d.dst, &m.dst));
    assert_string_equal(msl_nbdgm_type_name(d.type), names[t]);
    for (int k = 0; k < n; k++)
      assert_int_equal(msl_nbdgm_decode(&d, out, (size_t)k), MSL_ERR_TRUNCATED);
  }
}

/* DIRECT_UNIQUE, DIRECT_GROUP and BROADCAST built by hand. */
static void test_direct_types_built(void **state) {
  (void)state;
  static const uint8_t types[] = {0x10, 0x11, 0x12};
  static const char *names[] = {"DIRECT_UNIQUE", "DIRECT_GROUP", "BROADCAST"};
  msl_nbname src, dst, star;
  assert_int_equal(msl_nbname_make(&src, "HOST", 0, "SC.OPE"), 0);
  assert_int_equal(msl_nbname_make(&dst, "WG", 0x1d, "SC.OPE"), 0);
  assert_int_equal(msl_nbname_make(&star, "*", 0, "SC.OPE"), 0);
  const uint8_t data[5] = {1, 2, 3, 4, 5};
  for (size_t t = 0; t < 3; t++) {
    msl_nbdgm m, d;
    uint8_t out[256];
    const msl_nbname *to = types[t] == MSL_NBDGM_BROADCAST ? &star : &dst;
    assert_int_equal(msl_nbdgm_init(&m, types[t], MSL_NBDGM_SNT_B, 0xbeef,
                                    0x01020304u, 138, &src, to, data, 5),
                     0);
    int n = msl_nbdgm_encode(&m, out, sizeof(out));
    size_t names_len = 2 * (34 + 7); /* 2 "SC" 3 "OPE": 7 more bytes */
    assert_int_equal(n, (int)(14 + names_len + 5));
    assert_int_equal(out[0], types[t]);
    assert_int_equal(out[1], 0x02);
    assert_int_equal(out[2], 0xbe);
    assert_int_equal(out[3], 0xef);
    assert_memory_equal(out + 4, "\x01\x02\x03\x04\x00\x8a", 6);
    assert_int_equal(out[10] << 8 | out[11], names_len + 5);
    assert_int_equal(out[12] << 8 | out[13], 0);
    assert_memory_equal(out + n - 5, data, 5);
    assert_int_equal(msl_nbdgm_decode(&d, out, (size_t)n), 0);
    assert_string_equal(msl_nbdgm_type_name(d.type), names[t]);
    assert_true(msl_nbname_equal(&d.src, &src));
    assert_true(msl_nbname_equal(&d.dst, to));
    assert_int_equal(d.data.len, 5);
    assert_memory_equal(d.data.ptr, data, 5);
  }
}

static void test_unknown_type(void **state) {
  (void)state;
  msl_nbdgm m;
  uint8_t b[16] = {0x17, 0x02, 0x00, 0x05, 1, 2, 3, 4, 0, 138};
  assert_int_equal(msl_nbdgm_decode(&m, b, sizeof(b)), MSL_ERR_UNSUPPORTED);
  assert_int_equal(m.type, 0x17);
  assert_int_equal(m.id, 5);
  assert_int_equal(m.src_ip, 0x01020304u);
  assert_string_equal(msl_nbdgm_type_name(0x17), "UNKNOWN");
  assert_string_equal(msl_nbdgm_type_name(0x0f), "UNKNOWN");
  b[0] = 0x00;
  assert_int_equal(msl_nbdgm_decode(&m, b, sizeof(b)), MSL_ERR_UNSUPPORTED);
  assert_int_equal(msl_nbdgm_encode(&m, b, sizeof(b)), MSL_ERR_UNSUPPORTED);
  assert_int_equal(msl_nbdgm_encoded_len(&m), 0);
}

static void test_encode_overflow(void **state) {
  (void)state;
  msl_nbdgm m;
  uint8_t out[512];
  assert_int_equal(msl_nbdgm_decode(&m, v_ad_unique, sizeof(v_ad_unique)), 0);
  for (size_t cap = 0; cap < sizeof(v_ad_unique); cap++) {
    uint8_t *b = malloc(cap ? cap : 1);
    assert_non_null(b);
    assert_int_equal(msl_nbdgm_encode(&m, b, cap), MSL_ERR_BUFFER_TOO_SMALL);
    free(b);
  }
  assert_int_equal(msl_nbdgm_encode(&m, NULL, 0), MSL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(msl_nbdgm_encode(&m, out, sizeof(v_ad_unique)),
                   (int)sizeof(v_ad_unique));
  /* A view with a NULL pointer and a length is refused. */
  m.data.ptr = NULL;
  assert_int_equal(msl_nbdgm_encode(&m, out, sizeof(out)), MSL_ERR_ARG);
}

static void test_encode_too_big(void **state) {
  (void)state;
  msl_nbname a;
  msl_nbdgm m;
  static uint8_t big[0x10000];
  assert_int_equal(msl_nbname_make(&a, "A", 0, NULL), 0);
  assert_int_equal(
      msl_nbdgm_init(&m, 0x10, 0, 1, 1, 138, &a, &a, big, 0xffff - 68), 0);
  assert_int_equal(msl_nbdgm_encoded_len(&m), 14 + 0xffff);
  m.data.len++;
  assert_int_equal(msl_nbdgm_encode(&m, NULL, 0), MSL_ERR_MSG_TOO_BIG);
  m.length_explicit = 1; /* as given: written, even though it disagrees */
  assert_int_equal(msl_nbdgm_encoded_len(&m), 14 + 0x10000);
}

/* msl_nbdgm_type_name and msl_nbdgm_snt_name as assert_code_names calls
 * them. */
static const char *type_name(unsigned type) {
  return msl_nbdgm_type_name((uint8_t)type);
}

static const char *snt_name(unsigned flags) {
  return msl_nbdgm_snt_name((uint8_t)flags);
}

static void test_type_names(void **state) {
  (void)state;
  static const code_name types[] = {{0x10, "DIRECT_UNIQUE"},
                                    {0x16, "NEGATIVE_QUERY_RESPONSE"}};
  static const code_name snts[] = {{0x02, "B"}, {0x06, "P"}, {0xfb, "M"}};
  assert_code_names(type_name, types, ARRAY_LEN(types));
  assert_code_names(snt_name, snts, ARRAY_LEN(snts));
}

/* ---- fragmentation [RFC 1002 §5.3.1] ---- */

static void make_tmpl(msl_nbdgm *t) {
  msl_nbname s, d;
  assert_int_equal(msl_nbname_make(&s, "SENDER", 0, NULL), 0);
  assert_int_equal(msl_nbname_make(&d, "WG", 0x1e, NULL), 0);
  assert_int_equal(msl_nbdgm_init(t, MSL_NBDGM_DIRECT_GROUP, MSL_NBDGM_SNT_M,
                                  0x4242, 0xc0a80005u, 138, &s, &d, NULL, 0),
                   0);
  t->flags |= 0x10; /* a reserved bit: must be carried into each fragment */
}

static void test_fragment_split(void **state) {
  (void)state;
  msl_nbdgm t;
  make_tmpl(&t);
  uint8_t msg[1000];
  for (size_t i = 0; i < sizeof(msg); i++)
    msg[i] = (uint8_t)(i * 7 + 1);
  msl_nbdgm_frag it;
  assert_int_equal(msl_nbdgm_fragment_init(&it, &t, msg, sizeof(msg),
                                           MSL_NBDGM_RFC_MAX_PAYLOAD),
                   0);
  size_t chunk = MSL_NBDGM_RFC_MAX_PAYLOAD - 14 - 68; /* 466 */
  assert_int_equal(msl_nbdgm_fragment_count(&it), 3);
  uint8_t got[1000];
  size_t pos = 0, k = 0;
  uint8_t buf[MSL_NBDGM_RFC_MAX_PAYLOAD];
  int n;
  while ((n = msl_nbdgm_fragment(&it, buf, sizeof(buf))) > 0) {
    msl_nbdgm f;
    assert_true((size_t)n <= MSL_NBDGM_RFC_MAX_PAYLOAD);
    assert_int_equal(msl_nbdgm_decode(&f, buf, (size_t)n), 0);
    assert_int_equal(f.type, MSL_NBDGM_DIRECT_GROUP);
    assert_int_equal(f.id, 0x4242);
    assert_int_equal(f.src_ip, 0xc0a80005u);
    assert_true(msl_nbname_equal(&f.src, &t.src));
    assert_true(msl_nbname_equal(&f.dst, &t.dst));
    assert_int_equal(f.flags & 0xfc, 0x18);
    assert_int_equal(!!(f.flags & MSL_NBDGM_FLAG_FIRST), k == 0);
    assert_int_equal(!!(f.flags & MSL_NBDGM_FLAG_MORE), k < 2);
    assert_int_equal(f.offset, pos);
    assert_int_equal(f.length, 68 + f.data.len);
    assert_int_equal(f.data.len, k < 2 ? chunk : 1000 - 2 * chunk);
    memcpy(got + pos, f.data.ptr, f.data.len);
    pos += f.data.len;
    k++;
  }
  assert_int_equal(n, 0);
  assert_int_equal(k, 3);
  assert_int_equal(pos, sizeof(msg));
  assert_memory_equal(got, msg, sizeof(msg));
  assert_int_equal(msl_nbdgm_fragment(&it, buf, sizeof(buf)), 0);
}

static void test_fragment_fits(void **state) {
  (void)state;
  msl_nbdgm t;
  make_tmpl(&t);
  uint8_t msg[466], a[600], b[600];
  memset(msg, 0x5a, sizeof(msg));
  msl_nbdgm_frag it;
  assert_int_equal(msl_nbdgm_fragment_init(&it, &t, msg, sizeof(msg), 548), 0);
  assert_int_equal(msl_nbdgm_fragment_count(&it), 1);
  int n = msl_nbdgm_fragment(&it, a, sizeof(a));
  assert_int_equal(n, 548);
  assert_int_equal(msl_nbdgm_fragment(&it, a + n, sizeof(a) - (size_t)n), 0);
  /* Same bytes as the plain datagram: F=1, M=0, offset 0. */
  t.data.ptr = msg;
  t.data.len = sizeof(msg);
  assert_int_equal(msl_nbdgm_encode(&t, b, sizeof(b)), 548);
  assert_memory_equal(a, b, 548);
  assert_int_equal(a[1] & 3, MSL_NBDGM_FLAG_FIRST);

  /* Empty message: one datagram with no user data. */
  assert_int_equal(msl_nbdgm_fragment_init(&it, &t, NULL, 0, 548), 0);
  assert_int_equal(msl_nbdgm_fragment(&it, a, sizeof(a)), 82);
  assert_int_equal(msl_nbdgm_fragment(&it, a, sizeof(a)), 0);

  /* One byte more than fits: two fragments, the 2nd with offset 466. */
  uint8_t m2[467];
  memset(m2, 1, sizeof(m2));
  assert_int_equal(msl_nbdgm_fragment_init(&it, &t, m2, sizeof(m2), 548), 0);
  assert_int_equal(msl_nbdgm_fragment_count(&it), 2);
  assert_int_equal(msl_nbdgm_fragment(&it, a, sizeof(a)), 548);
  assert_int_equal(a[1] & 3, 3);
  assert_int_equal(msl_nbdgm_fragment(&it, a, sizeof(a)), 83);
  assert_int_equal(a[1] & 3, 0);
  assert_int_equal(a[12] << 8 | a[13], 466);
  assert_int_equal(a[10] << 8 | a[11], 69);
}

static void test_fragment_limits(void **state) {
  (void)state;
  msl_nbdgm t;
  make_tmpl(&t);
  static uint8_t big[0x10001];
  uint8_t buf[600];
  msl_nbdgm_frag it;
  assert_int_equal(msl_nbdgm_fragment_init(&it, &t, big, 0x10000, 548),
                   MSL_ERR_MSG_TOO_BIG);
  assert_int_equal(msl_nbdgm_fragment_init(&it, &t, big, 0xffff, 14 + 68),
                   MSL_ERR_ARG);
  assert_int_equal(msl_nbdgm_fragment_init(&it, &t, NULL, 3, 548), MSL_ERR_ARG);
  msl_nbdgm bad = t;
  bad.type = MSL_NBDGM_ERROR;
  assert_int_equal(msl_nbdgm_fragment_init(&it, &bad, big, 3, 548),
                   MSL_ERR_ARG);

  /* The largest message: every offset fits 16 bits; a 1-byte chunk. */
  assert_int_equal(msl_nbdgm_fragment_init(&it, &t, big, 0xffff, 14 + 68 + 1),
                   0);
  assert_int_equal(msl_nbdgm_fragment_count(&it), 0xffff);
  size_t k = 0;
  int n;
  while ((n = msl_nbdgm_fragment(&it, buf, sizeof(buf))) > 0) {
    assert_int_equal(n, 83);
    assert_int_equal((size_t)(buf[12] << 8 | buf[13]), k);
    k++;
  }
  assert_int_equal(n, 0);
  assert_int_equal(k, 0xffff);

  /* A huge max_payload still keeps each DGM_LENGTH in 16 bits. */
  assert_int_equal(msl_nbdgm_fragment_init(&it, &t, big, 0xffff, 200000), 0);
  assert_int_equal(msl_nbdgm_fragment_count(&it), 2);

  /* Overflow does not advance the iterator. */
  assert_int_equal(msl_nbdgm_fragment_init(&it, &t, big, 1000, 548), 0);
  assert_int_equal(msl_nbdgm_fragment(&it, buf, 100), MSL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(msl_nbdgm_fragment(&it, buf, sizeof(buf)), 548);
  assert_int_equal(buf[1] & 3, 3);
  assert_int_equal(msl_nbdgm_fragment(NULL, buf, sizeof(buf)), MSL_ERR_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_capture_round_trip),
      cmocka_unit_test(test_xp_fields),
      cmocka_unit_test(test_samba_unique_fields),
      cmocka_unit_test(test_scoped_names),
      cmocka_unit_test(test_init_matches_windows),
      cmocka_unit_test(test_every_truncation),
      cmocka_unit_test(test_empty_and_args),
      cmocka_unit_test(test_dgm_length_smaller),
      cmocka_unit_test(test_dgm_length_too_small_for_names),
      cmocka_unit_test(test_dgm_length_short_ok),
      cmocka_unit_test(test_dgm_length_larger),
      cmocka_unit_test(test_reserved_flag_bits),
      cmocka_unit_test(test_name_pointer_rejected),
      cmocka_unit_test(test_error_packet),
      cmocka_unit_test(test_query_packets),
      cmocka_unit_test(test_direct_types_built),
      cmocka_unit_test(test_unknown_type),
      cmocka_unit_test(test_encode_overflow),
      cmocka_unit_test(test_encode_too_big),
      cmocka_unit_test(test_type_names),
      cmocka_unit_test(test_fragment_split),
      cmocka_unit_test(test_fragment_fits),
      cmocka_unit_test(test_fragment_limits),
  };
  return cmocka_run_group_tests(tests, load_vecs, NULL);
}
