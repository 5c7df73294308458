/*
 * SMB_COM_TRANSACTION mailslot write codec [MS-MAIL §2.2.1].
 */
#include "msl_smbtr.h"

static const uint8_t smb_magic[4] = {0xff, 'S', 'M', 'B'};
static const uint8_t zero_pad[4] = {0, 0, 0, 0};

static int upper(int c) { return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c; }

/* Length of a caller's C string, scanning at most max + 1 bytes; > max when
 * the string is too long (never reads past its NUL). */
static size_t name_len(const char *s, size_t max) {
  size_t n = 0;
  while (n <= max && s[n])
    n++;
  return n;
}

int msl_smbtr_is_mailslot_name(const uint8_t *s, size_t n) {
  if (!s || n <= MSL_SMBTR_PREFIX_LEN)
    return 0;
  for (size_t i = 0; i < MSL_SMBTR_PREFIX_LEN; i++)
    if (upper(s[i]) != MSL_SMBTR_PREFIX[i])
      return 0;
  return 1;
}

/* Stops the decode at the reader's position (a cut) or at `at`. */
static int stop(msl_smbtr *out, const msl_rd *r, int err, size_t at) {
  out->err_off = r->err ? r->off : at;
  return r->err ? r->err : err;
}

/* The 32-byte header and WordCount [MS-SMB 2.2.3.1]. */
static int read_header(msl_smbtr *out, msl_rd *r) {
  const uint8_t *magic = msl_rd_bytes(r, 4);
  if (!magic)
    return stop(out, r, 0, 0);
  if (memcmp(magic, smb_magic, 4) != 0)
    return stop(out, r, MSL_ERR_NOT_SMB, 0);
  out->command = msl_rd_u8(r);
  out->status = msl_rd_u32le(r);
  out->smb_flags = msl_rd_u8(r);
  out->smb_flags2 = msl_rd_u16le(r);
  out->pid_high = msl_rd_u16le(r);
  const uint8_t *sec = msl_rd_bytes(r, sizeof(out->security));
  if (sec)
    memcpy(out->security, sec, sizeof(out->security));
  out->reserved = msl_rd_u16le(r);
  out->tid = msl_rd_u16le(r);
  out->pid_low = msl_rd_u16le(r);
  out->uid = msl_rd_u16le(r);
  out->mid = msl_rd_u16le(r);
  out->word_count = msl_rd_u8(r);
  if (r->err)
    return stop(out, r, 0, 0);
  out->have = MSL_SMBTR_HAVE_HEADER;
  /* Reject on what we have seen so far before asking for more bytes: a
   * short non-mailslot SMB is "not a mailslot", not "truncated". */
  if (out->command != MSL_SMBTR_CMD)
    return stop(out, r, MSL_ERR_NOT_MAILSLOT, 4);
  if (out->word_count != MSL_SMBTR_WORDS)
    return stop(out, r, MSL_ERR_NOT_MAILSLOT, MSL_SMBTR_HDR_LEN);
  return 0;
}

/* SMB_COM_TRANSACTION words, Setup and ByteCount [MS-CIFS 2.2.4.33.1]. */
static int read_words(msl_smbtr *out, msl_rd *r) {
  out->total_param_count = msl_rd_u16le(r);
  out->total_data_count = msl_rd_u16le(r);
  out->max_param_count = msl_rd_u16le(r);
  out->max_data_count = msl_rd_u16le(r);
  out->max_setup_count = msl_rd_u8(r);
  out->reserved1 = msl_rd_u8(r);
  out->trans_flags = msl_rd_u16le(r);
  out->timeout = msl_rd_u32le(r);
  out->reserved2 = msl_rd_u16le(r);
  out->param_count = msl_rd_u16le(r);
  out->param_offset = msl_rd_u16le(r);
  out->data_count = msl_rd_u16le(r);
  out->data_offset = msl_rd_u16le(r);
  out->setup_count = msl_rd_u8(r);
  out->reserved3 = msl_rd_u8(r);
  out->opcode = msl_rd_u16le(r);
  out->priority = msl_rd_u16le(r);
  out->mailslot_class = msl_rd_u16le(r);
  out->byte_count = msl_rd_u16le(r);
  if (r->err)
    return stop(out, r, 0, 0);
  out->have |= MSL_SMBTR_HAVE_WORDS;
  if (out->setup_count != MSL_SMBTR_SETUP)
    return stop(out, r, MSL_ERR_NOT_MAILSLOT, 59);
  if (out->opcode != MSL_SMBTR_OP_WRITE)
    return stop(out, r, MSL_ERR_NOT_MAILSLOT, 61);
  return 0;
}

int msl_smbtr_decode(msl_smbtr *out, const uint8_t *p, size_t len) {
  msl_rd r;
  if (!out || (!p && len))
    return MSL_ERR_ARG;
  memset(out, 0, sizeof(*out));
  msl_rd_init(&r, p, len);
  int rc = read_header(out, &r);
  if (!rc)
    rc = read_words(out, &r);
  if (rc)
    return rc;

  size_t nlen;
  const uint8_t *name = msl_rd_cstr(&r, MSL_SMBTR_NAME_MAX, &nlen);
  if (!name)
    return stop(out, &r, 0, 0);
  out->name.ptr = name;
  out->name.len = nlen;
  out->have |= MSL_SMBTR_HAVE_NAME;
  if (!msl_smbtr_is_mailslot_name(name, nlen))
    return stop(out, &r, MSL_ERR_NOT_MAILSLOT, MSL_SMBTR_NAME_OFF);

  /* DataOffset counts from the SMB header, i.e. from p (MS-MAIL §2.2.1). */
  size_t name_end = r.off;
  size_t doff = out->data_offset;
  size_t dcnt = out->data_count;
  if (doff < name_end || doff > len || dcnt > len - doff)
    return stop(out, &r, MSL_ERR_INVALID, 57); /* DataOffset */
  out->pad.ptr = msl_rd_bytes(&r, doff - name_end);
  out->pad.len = doff - name_end;
  out->data.ptr = msl_rd_bytes(&r, dcnt);
  out->data.len = dcnt;
  out->trailing.len = msl_rd_left(&r);
  out->trailing.ptr = msl_rd_bytes(&r, out->trailing.len);
  if (r.err)
    return stop(out, &r, 0, 0);
  if (len > MSL_SMBTR_MAX_LEN)
    out->flags |= MSL_SMBTR_F_NOLIMIT;
  return 0;
}

int msl_smbtr_encode(const msl_smbtr *m, uint8_t *buf, size_t cap) {
  msl_wr w;
  if (!m || (!m->name.ptr && m->name.len) || (!m->data.ptr && m->data.len) ||
      (!m->trailing.ptr && m->trailing.len))
    return MSL_ERR_ARG;
  if (m->name.len > MSL_SMBTR_NAME_MAX ||
      !msl_smbtr_is_mailslot_name(m->name.ptr, m->name.len) ||
      memchr(m->name.ptr, 0, m->name.len))
    return MSL_ERR_INVALID;
  /* Each length is bounded before it is added, so the sum cannot wrap. */
  if (m->pad.len > MSL_SMBTR_MAX_LEN_NOLIMIT ||
      m->data.len > MSL_SMBTR_MAX_LEN_NOLIMIT ||
      m->trailing.len > MSL_SMBTR_MAX_LEN_NOLIMIT)
    return MSL_ERR_MSG_TOO_BIG;
  size_t doff = MSL_SMBTR_NAME_OFF + m->name.len + 1 + m->pad.len;
  if (doff != m->data_offset || m->data.len != m->data_count)
    return MSL_ERR_INVALID;
  size_t total = doff + m->data.len + m->trailing.len;
  size_t limit = (m->flags & MSL_SMBTR_F_NOLIMIT) ? MSL_SMBTR_MAX_LEN_NOLIMIT
                                                  : MSL_SMBTR_MAX_LEN;
  if (total > limit)
    return MSL_ERR_MSG_TOO_BIG;

  msl_wr_init(&w, buf, cap);
  msl_wr_bytes(&w, smb_magic, sizeof(smb_magic));
  msl_wr_u8(&w, MSL_SMBTR_CMD);
  msl_wr_u32le(&w, m->status);
  msl_wr_u8(&w, m->smb_flags);
  msl_wr_u16le(&w, m->smb_flags2);
  msl_wr_u16le(&w, m->pid_high);
  msl_wr_bytes(&w, m->security, sizeof(m->security));
  msl_wr_u16le(&w, m->reserved);
  msl_wr_u16le(&w, m->tid);
  msl_wr_u16le(&w, m->pid_low);
  msl_wr_u16le(&w, m->uid);
  msl_wr_u16le(&w, m->mid);
  msl_wr_u8(&w, MSL_SMBTR_WORDS);
  msl_wr_u16le(&w, m->total_param_count);
  msl_wr_u16le(&w, m->total_data_count);
  msl_wr_u16le(&w, m->max_param_count);
  msl_wr_u16le(&w, m->max_data_count);
  msl_wr_u8(&w, m->max_setup_count);
  msl_wr_u8(&w, m->reserved1);
  msl_wr_u16le(&w, m->trans_flags);
  msl_wr_u32le(&w, m->timeout);
  msl_wr_u16le(&w, m->reserved2);
  msl_wr_u16le(&w, m->param_count);
  msl_wr_u16le(&w, m->param_offset);
  msl_wr_u16le(&w, m->data_count);
  msl_wr_u16le(&w, m->data_offset);
  msl_wr_u8(&w, MSL_SMBTR_SETUP);
  msl_wr_u8(&w, m->reserved3);
  msl_wr_u16le(&w, MSL_SMBTR_OP_WRITE);
  msl_wr_u16le(&w, m->priority);
  msl_wr_u16le(&w, m->mailslot_class);
  msl_wr_u16le(&w, m->byte_count);
  msl_wr_cstr(&w, m->name.ptr, m->name.len);
  if (m->pad.ptr)
    msl_wr_bytes(&w, m->pad.ptr, m->pad.len);
  else
    msl_wr_zeros(&w, m->pad.len);
  msl_wr_bytes(&w, m->data.ptr, m->data.len);
  msl_wr_bytes(&w, m->trailing.ptr, m->trailing.len);
  return msl_wr_result(&w);
}

int msl_smbtr_init_write(msl_smbtr *m, const char *mailslot_name,
                         const uint8_t *data, size_t len,
                         enum msl_smbtr_style style) {
  if (!m || !mailslot_name || (!data && len))
    return MSL_ERR_ARG;
  if (style != MSL_SMBTR_WINDOWS_CLIENT && style != MSL_SMBTR_BROWSER &&
      style != MSL_SMBTR_SAMBA)
    return MSL_ERR_ARG;
  size_t nlen = name_len(mailslot_name, MSL_SMBTR_NAME_MAX);
  if (nlen > MSL_SMBTR_NAME_MAX)
    return MSL_ERR_ARG;
  const uint8_t *name = (const uint8_t *)mailslot_name;
  if (!msl_smbtr_is_mailslot_name(name, nlen))
    return MSL_ERR_ARG;
  for (size_t i = 0; i < nlen; i++)
    if (name[i] < 0x20 || name[i] == 0x7f)
      return MSL_ERR_ARG;

  size_t name_end = MSL_SMBTR_NAME_OFF + nlen + 1;
  size_t doff = name_end;
  if (style == MSL_SMBTR_WINDOWS_CLIENT)
    doff = (name_end + 3) & ~(size_t)3; /* aligned from the SMB start */
  if (len > MSL_SMBTR_MAX_LEN_NOLIMIT - doff)
    return MSL_ERR_MSG_TOO_BIG;

  memset(m, 0, sizeof(*m));
  m->command = MSL_SMBTR_CMD;
  m->word_count = MSL_SMBTR_WORDS;
  m->setup_count = MSL_SMBTR_SETUP;
  m->opcode = MSL_SMBTR_OP_WRITE;
  m->total_data_count = (uint16_t)len;
  m->data_count = (uint16_t)len;
  m->data_offset = (uint16_t)doff;
  m->mailslot_class = MSL_SMBTR_CLASS_UNRELIABLE;
  /* ByteCount: every byte after the field (MS-MAIL §4: 32 + 3 + 36 = 71). */
  m->byte_count = (uint16_t)(doff - MSL_SMBTR_NAME_OFF + len);
  m->name.ptr = name;
  m->name.len = nlen;
  m->pad.ptr = zero_pad;
  m->pad.len = doff - name_end;
  m->data.ptr = len ? data : NULL;
  m->data.len = len;
  switch (style) {
  case MSL_SMBTR_WINDOWS_CLIENT:
    m->smb_flags = 0x18;
    m->smb_flags2 = 0x0004;
    m->pid_low = 0xfeff;
    m->max_param_count = 2;
    m->trans_flags = 0x0002; /* NO_RESPONSE: the §4 hex dump, offset 43 */
    m->param_offset = (uint16_t)doff;
    break;
  case MSL_SMBTR_BROWSER:
    m->timeout = 1000;
    break;
  case MSL_SMBTR_SAMBA:
    m->priority = 1;
    break;
  }
  return 0;
}

int msl_smbtr_max_data(const char *mailslot_name) {
  if (!mailslot_name)
    return MSL_ERR_ARG;
  size_t nlen = name_len(mailslot_name, MSL_SMBTR_NAME_MAX);
  if (nlen > MSL_SMBTR_NAME_MAX)
    return MSL_ERR_ARG;
  if (!msl_smbtr_is_mailslot_name((const uint8_t *)mailslot_name, nlen))
    return MSL_ERR_ARG;
  /* 512 - ROUND_UP_4(69 + 10 + n + 1) = 432 - ROUND_UP_4(n): 80 is 4-aligned.
   */
  size_t n = (nlen - MSL_SMBTR_PREFIX_LEN + 3) & ~(size_t)3;
  if (n > 432)
    return MSL_ERR_ARG;
  return (int)(432 - n);
}

int msl_smbtr_max_data_in(const char *mailslot_name, size_t room) {
  int cap = msl_smbtr_max_data(mailslot_name);
  if (cap < 0)
    return cap;
  /* Data starts 4-aligned after the words, the name and its NUL. */
  size_t doff = (MSL_SMBTR_NAME_OFF + strlen(mailslot_name) + 1 + 3) &
                ~(size_t)3;
  if (room < doff)
    return MSL_ERR_MSG_TOO_BIG;
  return room - doff < (size_t)cap ? (int)(room - doff) : cap;
}
