/*
 * Unit tests for the SMB_COM_TRANSACTION mailslot write codec (msl_smbtr).
 * Vectors: MS-MAIL §4 (hex dump), MS-BRWS §4.1 (field list, matched by a
 * real Windows XP frame) and real captures from captures/ (file + frame).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture_frame.h"
#include "mail_example.h"
#include "msl_smbtr.h"

/* The SMB of captured frames, read from captures/ by load_captured_frames
 * before the tests run. */

/* windows-xp-browse-eapon1.pcap frame 1 (SMB only, from UDP payload offset 82):
 * Windows XP Announcement Request on \MAILSLOT\BROWSE, Priority 1 */
static uint8_t xp_req[97];

/* windows-xp-browse-eapon1.pcap frame 7: Windows XP Local Master Announcement;
 * same SMB fields as MS-BRWS §4.1 (Timeout 1000, Priority 0, DataCount 33,
 * DataOffset 86, ByteCount 50) */
static uint8_t xp_lma[119];

/* samba-nmbd-lan.pcap frame 55: nmbd LOGON_PRIMARY_RESPONSE to
 * \MAILSLOT\NET\GETDC576 (Timeout 0, Priority 1, no pad) */
static uint8_t samba_getdc[144];

/* netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap frame 3:
 * Windows SAM LOGON REQUEST to \MAILSLOT\NET\NETLOGON (browser style, Priority 1) */
static uint8_t nt_logon[196];

/* Group setup: the arrays above are the SMB of their frames. */
static int load_captured_frames(void **state) {
  static const char xp[] = "windows-xp-browse-eapon1.pcap";
  static const captured frames[] = {
      CAPTURED(xp, 1, xp_req),
      CAPTURED(xp, 7, xp_lma),
      CAPTURED("samba-nmbd-lan.pcap", 55, samba_getdc),
      CAPTURED("netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap", 3,
               nt_logon),
  };
  (void)state;
  capture_fill(capture_smb, frames, sizeof frames / sizeof frames[0]);
  return 0;
}

struct vec {
  const char *what;
  const uint8_t *p;
  size_t len;
  size_t name_end; /* 69 + name + NUL */
};

#define VEC(a, ne)                                                             \
  { #a, a, sizeof(a), ne }
static const struct vec vecs[] = {
    VEC(mail_example, 101), VEC(xp_req, 86),   VEC(xp_lma, 86),
    VEC(samba_getdc, 92),   VEC(nt_logon, 92),
};
#define NVECS (sizeof(vecs) / sizeof(vecs[0]))

static int view_is(msl_view v, const char *s) {
  return v.len == strlen(s) && memcmp(v.ptr, s, v.len) == 0;
}

/* A mutable copy of a vector (exact-size heap block: ASan sees over-reads). */
static uint8_t *dup(const uint8_t *p, size_t len) {
  uint8_t *q = malloc(len ? len : 1);
  assert_non_null(q);
  if (len)
    memcpy(q, p, len);
  return q;
}

static void put16(uint8_t *p, size_t off, unsigned v) {
  p[off] = (uint8_t)v;
  p[off + 1] = (uint8_t)(v >> 8);
}

/* The header and transaction fields of a decoded write, as a vector's
 * reference lists them. */
typedef struct smbtr_fields {
  uint32_t status;
  uint8_t smb_flags;
  uint16_t smb_flags2, pid_high, tid, pid_low, uid, mid;
  uint16_t total_param_count, total_data_count, max_param_count, max_data_count;
  uint8_t max_setup_count;
  uint16_t trans_flags;
  uint32_t timeout;
  uint16_t param_count, param_offset, data_count, data_offset;
  uint16_t priority, mailslot_class, byte_count;
  const char *name;
  size_t pad_len;
} smbtr_fields;

/* Decodes the SMB in p and checks every field of want. */
static void assert_smbtr_fields(msl_smbtr *m, const uint8_t *p, size_t len,
                                const smbtr_fields *want) {
  assert_int_equal(msl_smbtr_decode(m, p, len), 0);
  assert_int_equal(m->status, want->status);
  assert_int_equal(m->smb_flags, want->smb_flags);
  assert_int_equal(m->smb_flags2, want->smb_flags2);
  assert_int_equal(m->pid_high, want->pid_high);
  assert_int_equal(m->tid, want->tid);
  assert_int_equal(m->pid_low, want->pid_low);
  assert_int_equal(m->uid, want->uid);
  assert_int_equal(m->mid, want->mid);
  assert_int_equal(m->total_param_count, want->total_param_count);
  assert_int_equal(m->total_data_count, want->total_data_count);
  assert_int_equal(m->max_param_count, want->max_param_count);
  assert_int_equal(m->max_data_count, want->max_data_count);
  assert_int_equal(m->max_setup_count, want->max_setup_count);
  assert_int_equal(m->trans_flags, want->trans_flags);
  assert_int_equal(m->timeout, want->timeout);
  assert_int_equal(m->param_count, want->param_count);
  assert_int_equal(m->param_offset, want->param_offset);
  assert_int_equal(m->data_count, want->data_count);
  assert_int_equal(m->data_offset, want->data_offset);
  assert_int_equal(m->priority, want->priority);
  assert_int_equal(m->mailslot_class, want->mailslot_class);
  assert_int_equal(m->byte_count, want->byte_count);
  assert_true(view_is(m->name, want->name));
  assert_int_equal(m->pad.len, want->pad_len);
}

/* MS-MAIL §4: every field of the example, as its "Parsed:" section lists. */
static void test_mail_example_fields(void **state) {
  (void)state;
  /* The dump has Flags 0x0002 (NO_RESPONSE) at offset 43 although the
   * "Parsed:" text only says "Do not disconnect TID": the bytes win. */
  static const smbtr_fields want = {
      /* SMB header */
      .smb_flags = 0x18,
      .smb_flags2 = 0x0004,
      .pid_low = 0xfeff,
      /* transaction words */
      .total_data_count = 36,
      .max_param_count = 2,
      .trans_flags = 0x0002,
      .param_offset = 104,
      .data_count = 36,
      .data_offset = 104,
      /* mailslot setup and bytes */
      .mailslot_class = MSL_SMBTR_CLASS_UNRELIABLE,
      .byte_count = 71,
      .name = "\\MAILSLOT\\test1\\sample_mailslot",
      .pad_len = 3,
  };
  msl_smbtr m;
  assert_smbtr_fields(&m, mail_example, sizeof(mail_example), &want);
  assert_ptr_equal(m.pad.ptr, mail_example + 101);
  assert_ptr_equal(m.data.ptr, mail_example + 104);
  assert_int_equal(m.data.len, 36);
  for (size_t i = 0; i < m.data.len; i++)
    assert_int_equal(m.data.ptr[i], 0xca);
  assert_int_equal(m.trailing.len, 0);
  assert_int_equal(m.flags, 0);
}

/* windows-xp-browse-eapon1.pcap frame 7 against the MS-BRWS §4.1 fields. */
static void test_brws_example_fields(void **state) {
  (void)state;
  static const smbtr_fields want = {
      /* transaction words */
      .total_data_count = 33,
      .timeout = 1000,
      .data_count = 33,
      .data_offset = 86,
      /* mailslot setup and bytes */
      .mailslot_class = MSL_SMBTR_CLASS_UNRELIABLE,
      .byte_count = 50,
      .name = "\\MAILSLOT\\BROWSE",
  };
  msl_smbtr m;
  assert_smbtr_fields(&m, xp_lma, sizeof(xp_lma), &want);
  assert_int_equal(m.data.ptr[0], 0x0f); /* Local Master Announcement */
}

static void test_samba_and_netlogon_fields(void **state) {
  (void)state;
  msl_smbtr m;
  assert_int_equal(msl_smbtr_decode(&m, samba_getdc, sizeof(samba_getdc)), 0);
  assert_true(view_is(m.name, "\\MAILSLOT\\NET\\GETDC576"));
  assert_int_equal(m.timeout, 0);
  assert_int_equal(m.priority, 1);
  assert_int_equal(m.data_offset, 92);
  assert_int_equal(m.data_count, 52);
  assert_int_equal(m.data.len, 52);
  assert_int_equal(m.data.ptr[0], 0x0c); /* LOGON_PRIMARY_RESPONSE */

  assert_int_equal(msl_smbtr_decode(&m, nt_logon, sizeof(nt_logon)), 0);
  assert_true(view_is(m.name, "\\MAILSLOT\\NET\\NETLOGON"));
  assert_int_equal(m.timeout, 1000);
  assert_int_equal(m.priority, 1);
  assert_int_equal(m.data.len, 104);
  assert_int_equal(m.data.ptr[0], 0x12); /* SAM LOGON REQUEST */
}

/* decode -> encode is byte-identical for every vector. */
static void test_roundtrip(void **state) {
  (void)state;
  for (size_t i = 0; i < NVECS; i++) {
    msl_smbtr m;
    uint8_t out[600];
    assert_int_equal(msl_smbtr_decode(&m, vecs[i].p, vecs[i].len), 0);
    int n = msl_smbtr_encode(&m, out, sizeof(out));
    assert_int_equal(n, (int)vecs[i].len);
    assert_memory_equal(out, vecs[i].p, vecs[i].len);
  }
}

/* Every proper prefix fails: TRUNCATED inside the header, words or name;
 * INVALID once DataOffset + DataCount points past the end. */
static void test_every_prefix(void **state) {
  (void)state;
  for (size_t i = 0; i < NVECS; i++) {
    for (size_t n = 0; n < vecs[i].len; n++) {
      uint8_t *q = dup(vecs[i].p, n);
      msl_smbtr m;
      int rc = msl_smbtr_decode(&m, q, n);
      if (n < vecs[i].name_end)
        assert_int_equal(rc, MSL_ERR_TRUNCATED);
      else
        assert_int_equal(rc, MSL_ERR_INVALID);
      free(q);
    }
  }
}

static void test_init_write_matches_references(void **state) {
  (void)state;
  msl_smbtr m;
  uint8_t out[600];
  uint8_t ca[36];
  memset(ca, 0xca, sizeof(ca));

  /* MS-MAIL §4: the Windows client style reproduces the example exactly. */
  assert_int_equal(
      msl_smbtr_init_write(&m, "\\MAILSLOT\\test1\\sample_mailslot", ca,
                           sizeof(ca), MSL_SMBTR_WINDOWS_CLIENT),
      0);
  assert_int_equal(msl_smbtr_encode(&m, out, sizeof(out)),
                   (int)sizeof(mail_example));
  assert_memory_equal(out, mail_example, sizeof(mail_example));

  /* MS-BRWS §4.1 / eapon1 frame 7: browser style. */
  assert_int_equal(msl_smbtr_init_write(&m, "\\MAILSLOT\\BROWSE", xp_lma + 86,
                                        33, MSL_SMBTR_BROWSER),
                   0);
  assert_int_equal(msl_smbtr_encode(&m, out, sizeof(out)), (int)sizeof(xp_lma));
  assert_memory_equal(out, xp_lma, sizeof(xp_lma));

  /* eapon1 frame 1 and the netlogon request: browser style, Priority 1. */
  assert_int_equal(msl_smbtr_init_write(&m, "\\MAILSLOT\\BROWSE", xp_req + 86,
                                        11, MSL_SMBTR_BROWSER),
                   0);
  m.priority = 1;
  assert_int_equal(msl_smbtr_encode(&m, out, sizeof(out)), (int)sizeof(xp_req));
  assert_memory_equal(out, xp_req, sizeof(xp_req));
  assert_int_equal(msl_smbtr_init_write(&m, "\\MAILSLOT\\NET\\NETLOGON",
                                        nt_logon + 92, 104, MSL_SMBTR_BROWSER),
                   0);
  m.priority = 1;
  assert_int_equal(msl_smbtr_encode(&m, out, sizeof(out)),
                   (int)sizeof(nt_logon));
  assert_memory_equal(out, nt_logon, sizeof(nt_logon));

  /* samba-nmbd-lan.pcap frame 55: Samba style. */
  assert_int_equal(msl_smbtr_init_write(&m, "\\MAILSLOT\\NET\\GETDC576",
                                        samba_getdc + 92, 52, MSL_SMBTR_SAMBA),
                   0);
  assert_int_equal(msl_smbtr_encode(&m, out, sizeof(out)),
                   (int)sizeof(samba_getdc));
  assert_memory_equal(out, samba_getdc, sizeof(samba_getdc));
}

static void test_init_write_pad_alignment(void **state) {
  (void)state;
  /* The Windows pad aligns from the SMB start: names of every length mod 4
   * give 0..3 pad bytes, DataOffset % 4 == 0, ParameterOffset ==
   * DataOffset, ByteCount = DataOffset - 69 + len. */
  char name[32] = "\\MAILSLOT\\A";
  for (size_t extra = 0; extra < 8; extra++) {
    msl_smbtr m, d;
    uint8_t out[200];
    const uint8_t data[5] = {1, 2, 3, 4, 5};
    assert_int_equal(msl_smbtr_init_write(&m, name, data, sizeof(data),
                                          MSL_SMBTR_WINDOWS_CLIENT),
                     0);
    size_t name_end = 69 + strlen(name) + 1;
    assert_int_equal(m.data_offset % 4, 0);
    assert_int_equal(m.pad.len, m.data_offset - name_end);
    assert_true(m.pad.len <= 3);
    assert_int_equal(m.param_offset, m.data_offset);
    assert_int_equal(m.byte_count, m.data_offset - 69 + sizeof(data));
    int n = msl_smbtr_encode(&m, out, sizeof(out));
    assert_int_equal(n, (int)(m.data_offset + sizeof(data)));
    for (size_t i = name_end; i < m.data_offset; i++)
      assert_int_equal(out[i], 0);
    assert_int_equal(msl_smbtr_decode(&d, out, (size_t)n), 0);
    assert_memory_equal(d.data.ptr, data, sizeof(data));
    assert_true(view_is(d.name, name));
    strcat(name, "b");
  }
}

static void test_init_write_errors(void **state) {
  (void)state;
  msl_smbtr m;
  const uint8_t d[1] = {0};
  char long_name[MSL_SMBTR_NAME_MAX + 2];
  assert_int_equal(
      msl_smbtr_init_write(NULL, "\\MAILSLOT\\X", d, 1, MSL_SMBTR_SAMBA),
      MSL_ERR_ARG);
  assert_int_equal(msl_smbtr_init_write(&m, NULL, d, 1, MSL_SMBTR_SAMBA),
                   MSL_ERR_ARG);
  assert_int_equal(
      msl_smbtr_init_write(&m, "\\MAILSLOT\\X", NULL, 1, MSL_SMBTR_SAMBA),
      MSL_ERR_ARG);
  assert_int_equal(
      msl_smbtr_init_write(&m, "\\MAILSLOT\\X", d, 1, (enum msl_smbtr_style)42),
      MSL_ERR_ARG);
  assert_int_equal(msl_smbtr_init_write(&m, "\\PIPE\\X", d, 1, MSL_SMBTR_SAMBA),
                   MSL_ERR_ARG);
  assert_int_equal(
      msl_smbtr_init_write(&m, "\\MAILSLOT\\", d, 1, MSL_SMBTR_SAMBA),
      MSL_ERR_ARG);
  assert_int_equal(
      msl_smbtr_init_write(&m, "\\MAILSLOT\\a\tb", d, 1, MSL_SMBTR_SAMBA),
      MSL_ERR_ARG);
  /* Longest accepted name, then one byte more. */
  memset(long_name, 'x', sizeof(long_name));
  memcpy(long_name, "\\MAILSLOT\\", 10);
  long_name[MSL_SMBTR_NAME_MAX] = 0;
  assert_int_equal(
      msl_smbtr_init_write(&m, long_name, NULL, 0, MSL_SMBTR_SAMBA), 0);
  long_name[MSL_SMBTR_NAME_MAX] = 'x';
  long_name[MSL_SMBTR_NAME_MAX + 1] = 0;
  assert_int_equal(
      msl_smbtr_init_write(&m, long_name, NULL, 0, MSL_SMBTR_SAMBA),
      MSL_ERR_ARG);
  /* Lower case prefix is accepted (names are case-insensitive). */
  assert_int_equal(
      msl_smbtr_init_write(&m, "\\mailslot\\browse", d, 1, MSL_SMBTR_SAMBA), 0);
  /* Over the 16-bit fields. */
  static uint8_t big[70000];
  assert_int_equal(msl_smbtr_init_write(&m, "\\MAILSLOT\\X", big, 65535 - 81,
                                        MSL_SMBTR_SAMBA),
                   0);
  assert_int_equal(msl_smbtr_init_write(&m, "\\MAILSLOT\\X", big, 65535 - 80,
                                        MSL_SMBTR_SAMBA),
                   MSL_ERR_MSG_TOO_BIG);
  assert_int_equal(msl_smbtr_init_write(&m, "\\MAILSLOT\\X", big, sizeof(big),
                                        MSL_SMBTR_WINDOWS_CLIENT),
                   MSL_ERR_MSG_TOO_BIG);
}

/* MS-MAIL <2>: 432 - ROUND_UP_4(name after the prefix), checked against
 * the table and against the 512-byte cap with real encodings. */
static void test_max_data(void **state) {
  (void)state;
  assert_int_equal(msl_smbtr_max_data("\\MAILSLOT\\ABCD"), 428);
  assert_int_equal(msl_smbtr_max_data("\\MAILSLOT\\A"), 428);
  assert_int_equal(msl_smbtr_max_data("\\MAILSLOT\\BROWSE"), 424);
  assert_int_equal(msl_smbtr_max_data("\\mailslot\\ABCDEFGH"), 424);
  assert_int_equal(msl_smbtr_max_data("\\MAILSLOT\\ABCDEFGHI"), 420);
  assert_int_equal(msl_smbtr_max_data("\\MAILSLOT\\NET\\NETLOGON"), 420);
  assert_int_equal(msl_smbtr_max_data("\\MAILSLOT\\ABCDEFGHIJKLMNOP"), 416);
  assert_int_equal(msl_smbtr_max_data(NULL), MSL_ERR_ARG);
  assert_int_equal(msl_smbtr_max_data("\\MAILSLOT\\"), MSL_ERR_ARG);
  assert_int_equal(msl_smbtr_max_data("BROWSE"), MSL_ERR_ARG);

  static uint8_t data[512];
  char name[80] = "\\MAILSLOT\\";
  for (int n = 1; n <= 40; n++) {
    strcat(name, "m");
    int max = msl_smbtr_max_data(name);
    assert_true(max > 0);
    msl_smbtr m;
    uint8_t out[600];
    assert_int_equal(msl_smbtr_init_write(&m, name, data, (size_t)max,
                                          MSL_SMBTR_WINDOWS_CLIENT),
                     0);
    assert_int_equal(msl_smbtr_encode(&m, out, sizeof(out)), 512);
    assert_int_equal(msl_smbtr_init_write(&m, name, data, (size_t)max + 1,
                                          MSL_SMBTR_WINDOWS_CLIENT),
                     0);
    assert_int_equal(msl_smbtr_encode(&m, out, sizeof(out)),
                     MSL_ERR_MSG_TOO_BIG);
    m.flags |= MSL_SMBTR_F_NOLIMIT;
    assert_int_equal(msl_smbtr_encode(&m, out, sizeof(out)), 513);
  }
}

static void test_reject(void **state) {
  (void)state;
  msl_smbtr m;
  uint8_t *q;
  const size_t n = sizeof(xp_req);

#define MUTATE(stmt, want)                                                     \
  do {                                                                         \
    q = dup(xp_req, n);                                                        \
    stmt;                                                                      \
    assert_int_equal(msl_smbtr_decode(&m, q, n), want);                        \
    free(q);                                                                   \
  } while (0)

  MUTATE(q[0] = 0xfe, MSL_ERR_NOT_SMB);
  MUTATE(q[3] = 'C', MSL_ERR_NOT_SMB);
  MUTATE(q[4] = 0x32, MSL_ERR_NOT_MAILSLOT); /* TRANSACTION2 */
  MUTATE(q[32] = 0, MSL_ERR_NOT_MAILSLOT);   /* WordCount */
  MUTATE(q[32] = 16, MSL_ERR_NOT_MAILSLOT);
  MUTATE(q[59] = 2, MSL_ERR_NOT_MAILSLOT);       /* SetupCount */
  MUTATE(put16(q, 61, 2), MSL_ERR_NOT_MAILSLOT); /* opcode */
  MUTATE(q[70] = 'N', MSL_ERR_NOT_MAILSLOT);     /* \MNILSLOT\ */
  MUTATE(q[78] = '/', MSL_ERR_NOT_MAILSLOT);     /* \MAILSLOT/ */
  /* "\MAILSLOT\" and nothing more: the name must be non-empty (§2.2.1). */
  MUTATE((q[79] = 0, put16(q, 57, 80)), MSL_ERR_NOT_MAILSLOT);
  /* DataOffset before the end of the name, or inside the words. */
  MUTATE(put16(q, 57, 85), MSL_ERR_INVALID);
  MUTATE(put16(q, 57, 0), MSL_ERR_INVALID);
  MUTATE(put16(q, 57, 33), MSL_ERR_INVALID);
  /* DataOffset or DataCount pointing outside the SMB. */
  MUTATE(put16(q, 57, 0xffff), MSL_ERR_INVALID);
  MUTATE(put16(q, 57, (unsigned)n + 1), MSL_ERR_INVALID);
  MUTATE(put16(q, 55, 12), MSL_ERR_INVALID);
  MUTATE(put16(q, 55, 0xffff), MSL_ERR_INVALID);
  MUTATE((put16(q, 55, 0xffff), put16(q, 57, 0xffff)), MSL_ERR_INVALID);
  /* Name not terminated before the end of the input. */
  MUTATE(memset(q + 69, 'A', n - 69), MSL_ERR_TRUNCATED);
  /* Accepted: lower-case prefix, ByteCount disagreeing, DataOffset at
   * the very end with DataCount 0, ParameterCount/Offset garbage. */
  MUTATE(memcpy(q + 70, "mailslot", 8), 0);
  MUTATE(put16(q, 67, 0xffff), 0);
  MUTATE(put16(q, 67, 0), 0);
  MUTATE((put16(q, 57, (unsigned)n), put16(q, 55, 0)), 0);
  MUTATE((put16(q, 51, 0xffff), put16(q, 53, 0xffff)), 0);
#undef MUTATE

  assert_int_equal(msl_smbtr_decode(NULL, xp_req, n), MSL_ERR_ARG);
  assert_int_equal(msl_smbtr_decode(&m, NULL, 1), MSL_ERR_ARG);
  assert_int_equal(msl_smbtr_decode(&m, NULL, 0), MSL_ERR_TRUNCATED);
  assert_int_equal(msl_smbtr_decode(&m, (const uint8_t *)"", 0),
                   MSL_ERR_TRUNCATED);
  /* A short SMB that is not a transaction is "not a mailslot". */
  assert_int_equal(msl_smbtr_decode(&m, xp_req, 4), MSL_ERR_TRUNCATED);
  q = dup(xp_req, 33);
  q[4] = 0x72; /* NEGOTIATE */
  assert_int_equal(msl_smbtr_decode(&m, q, 33), MSL_ERR_NOT_MAILSLOT);
  free(q);
}

/* Odd DataOffset (1 pad byte), non-zero pad, trailing bytes after the
 * data: all kept and re-encoded as received. */
static void test_tolerated_layouts(void **state) {
  (void)state;
  uint8_t buf[120], out[120];
  msl_smbtr m;
  size_t n = sizeof(xp_req);
  memcpy(buf, xp_req, 86);
  buf[86] = 0xee;                      /* 1 pad byte, not zero, not aligned */
  memcpy(buf + 87, xp_req + 86, 11);   /* data */
  memcpy(buf + 98, "\x01\x02\x03", 3); /* trailing */
  put16(buf, 57, 87);
  n = 101;
  assert_int_equal(msl_smbtr_decode(&m, buf, n), 0);
  assert_int_equal(m.pad.len, 1);
  assert_int_equal(m.pad.ptr[0], 0xee);
  assert_int_equal(m.data.len, 11);
  assert_memory_equal(m.data.ptr, xp_req + 86, 11);
  assert_int_equal(m.trailing.len, 3);
  assert_int_equal(m.trailing.ptr[2], 3);
  assert_int_equal(msl_smbtr_encode(&m, out, sizeof(out)), (int)n);
  assert_memory_equal(out, buf, n);
}

/* An SMB over the 512-byte cap decodes with F_NOLIMIT and re-encodes. */
static void test_big_roundtrip(void **state) {
  (void)state;
  static uint8_t data[1000], out[1200];
  msl_smbtr m, d;
  for (size_t i = 0; i < sizeof(data); i++)
    data[i] = (uint8_t)i;
  assert_int_equal(msl_smbtr_init_write(&m, "\\MAILSLOT\\BIG", data,
                                        sizeof(data), MSL_SMBTR_SAMBA),
                   0);
  assert_int_equal(msl_smbtr_encode(&m, out, sizeof(out)), MSL_ERR_MSG_TOO_BIG);
  m.flags = MSL_SMBTR_F_NOLIMIT;
  int n = msl_smbtr_encode(&m, out, sizeof(out));
  assert_int_equal(n, 69 + 14 + 1000);
  assert_int_equal(msl_smbtr_decode(&d, out, (size_t)n), 0);
  assert_int_equal(d.flags, MSL_SMBTR_F_NOLIMIT);
  static uint8_t again[1200];
  assert_int_equal(msl_smbtr_encode(&d, again, sizeof(again)), n);
  assert_memory_equal(again, out, (size_t)n);
}

static void test_encode_errors(void **state) {
  (void)state;
  msl_smbtr m, bad;
  uint8_t out[200];
  assert_int_equal(msl_smbtr_decode(&m, xp_req, sizeof(xp_req)), 0);
  /* Every capacity short of the length overflows, and writes nothing
   * past cap. */
  for (size_t cap = 0; cap < sizeof(xp_req); cap++) {
    uint8_t *b = malloc(cap ? cap : 1);
    assert_non_null(b);
    assert_int_equal(msl_smbtr_encode(&m, cap ? b : NULL, cap),
                     MSL_ERR_BUFFER_TOO_SMALL);
    free(b);
  }
  assert_int_equal(msl_smbtr_encode(NULL, out, sizeof(out)), MSL_ERR_ARG);
  bad = m;
  bad.data_offset++;
  assert_int_equal(msl_smbtr_encode(&bad, out, sizeof(out)), MSL_ERR_INVALID);
  bad = m;
  bad.data_count--;
  assert_int_equal(msl_smbtr_encode(&bad, out, sizeof(out)), MSL_ERR_INVALID);
  bad = m;
  bad.data.ptr = NULL;
  assert_int_equal(msl_smbtr_encode(&bad, out, sizeof(out)), MSL_ERR_ARG);
  bad = m;
  bad.name.ptr = (const uint8_t *)"\\PIPE\\BROWSE";
  bad.name.len = 12;
  bad.data_offset = (uint16_t)(69 + 13);
  assert_int_equal(msl_smbtr_encode(&bad, out, sizeof(out)), MSL_ERR_INVALID);
  bad = m;
  bad.name.ptr = (const uint8_t *)"\\MAILSLOT\\BR\0WSE";
  assert_int_equal(msl_smbtr_encode(&bad, out, sizeof(out)), MSL_ERR_INVALID);
  /* pad.ptr NULL means zeros. */
  bad = m;
  bad.pad.ptr = NULL;
  bad.pad.len = 2;
  bad.data_offset = (uint16_t)(m.data_offset + 2);
  assert_int_equal(msl_smbtr_encode(&bad, out, sizeof(out)),
                   (int)sizeof(xp_req) + 2);
  assert_int_equal(out[86], 0);
  assert_int_equal(out[87], 0);
}

/* The largest message whose SMB fits a given room (the 576-byte payload
 * Samba receives, less the datagram header and names: 494). */
static void test_max_data_in(void **state) {
  (void)state;
  assert_int_equal(msl_smbtr_max_data_in("\\MAILSLOT\\ABCDE", 494), 406);
  assert_int_equal(msl_smbtr_max_data_in("\\MAILSLOT\\ABCD", 494), 410);
  assert_int_equal(msl_smbtr_max_data_in("\\MAILSLOT\\ABCDE", 512), 424);
  assert_int_equal(msl_smbtr_max_data_in("\\MAILSLOT\\ABCDE", 9999), 424);
  assert_int_equal(msl_smbtr_max_data_in("\\MAILSLOT\\ABCDE", 88), 0);
  assert_int_equal(msl_smbtr_max_data_in("\\MAILSLOT\\ABCDE", 87),
                   MSL_ERR_MSG_TOO_BIG);
  assert_int_equal(msl_smbtr_max_data_in(NULL, 494), MSL_ERR_ARG);
  assert_int_equal(msl_smbtr_max_data_in("BROWSE", 494), MSL_ERR_ARG);
  /* Each answer encodes to at most the room, one byte more does not. */
  static uint8_t data[512];
  char name[80] = "\\MAILSLOT\\";
  for (int n = 1; n <= 40; n++) {
    strcat(name, "m");
    for (size_t room = 100; room <= 520; room += 7) {
      int max = msl_smbtr_max_data_in(name, room);
      if (max < 0)
        continue;
      msl_smbtr m;
      uint8_t out[600];
      assert_int_equal(msl_smbtr_init_write(&m, name, data, (size_t)max,
                                            MSL_SMBTR_WINDOWS_CLIENT),
                       0);
      int len = msl_smbtr_encode(&m, out, sizeof(out));
      assert_true(len > 0 && (size_t)len <= room);
      if (max < msl_smbtr_max_data(name)) {
        msl_smbtr_init_write(&m, name, data, (size_t)max + 1,
                             MSL_SMBTR_WINDOWS_CLIENT);
        assert_true((size_t)msl_smbtr_encode(&m, out, sizeof(out)) > room);
      }
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mail_example_fields),
      cmocka_unit_test(test_brws_example_fields),
      cmocka_unit_test(test_samba_and_netlogon_fields),
      cmocka_unit_test(test_roundtrip),
      cmocka_unit_test(test_every_prefix),
      cmocka_unit_test(test_init_write_matches_references),
      cmocka_unit_test(test_init_write_pad_alignment),
      cmocka_unit_test(test_init_write_errors),
      cmocka_unit_test(test_max_data),
      cmocka_unit_test(test_max_data_in),
      cmocka_unit_test(test_reject),
      cmocka_unit_test(test_tolerated_layouts),
      cmocka_unit_test(test_big_roundtrip),
      cmocka_unit_test(test_encode_errors),
  };
  return cmocka_run_group_tests(tests, load_captured_frames, NULL);
}
