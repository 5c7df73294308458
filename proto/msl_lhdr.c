/* Local datagram header (see msl_lhdr.h). */
#include "msl_lhdr.h"

#include <string.h>

#include "msl_buf.h"

int msl_lhdr_decode(msl_lhdr *h, msl_msg_info *info, const uint8_t *p,
                    size_t len) {
  msl_rd r;
  msl_msg_info tmp;
  if (!h)
    return MSL_ERR_ARG;
  if (!info)
    info = &tmp;
  memset(info, 0, sizeof(*info));
  msl_rd_init(&r, p, len);
  h->version = msl_rd_u8(&r);
  h->flags = msl_rd_u8(&r);
  h->ext_len = msl_rd_u16le(&r);
  if (r.err)
    return r.err;
  if (h->version != MSL_LHDR_VERSION)
    return MSL_ERR_UNSUPPORTED;
  /* Control datagrams and unknown flags are never messages. */
  if (h->flags & ~MSL_LHDR_F_EXT)
    return MSL_ERR_INVALID;
  if (!(h->flags & MSL_LHDR_F_EXT)) {
    if (h->ext_len != 0)
      return MSL_ERR_INVALID;
    info->origin = MSL_ORIGIN_LOCAL;
    return (int)r.off;
  }
  if (h->ext_len < MSL_LHDR_EXT_LEN || h->ext_len > MSL_LHDR_EXT_MAX)
    return MSL_ERR_INVALID;
  msl_rd e;
  if (msl_rd_sub(&r, h->ext_len, &e) != 0)
    return r.err;
  info->origin = MSL_ORIGIN_NETWORK;
  info->dgram_type = msl_rd_u8(&e);
  msl_rd_skip(&e, 1);
  info->src_port = msl_rd_u16be(&e);
  const uint8_t *q = msl_rd_bytes(&e, 4 + 16 + 16);
  if (!q)
    return MSL_ERR_INVALID; /* unreachable: ext_len >= MSL_LHDR_EXT_LEN */
  memcpy(info->src_ip, q, 4);
  memcpy(info->src_name, q + 4, 16);
  memcpy(info->dst_name, q + 20, 16);
  return (int)r.off;
}

int msl_lhdr_encode(const msl_msg_info *info, uint8_t *buf, size_t cap) {
  msl_wr w;
  int ext = info && info->origin == MSL_ORIGIN_NETWORK;
  msl_wr_init(&w, buf, cap);
  msl_wr_u8(&w, MSL_LHDR_VERSION);
  msl_wr_u8(&w, ext ? MSL_LHDR_F_EXT : 0);
  msl_wr_u16le(&w, ext ? MSL_LHDR_EXT_LEN : 0);
  if (ext) {
    msl_wr_u8(&w, info->dgram_type);
    msl_wr_u8(&w, 0);
    msl_wr_u16be(&w, info->src_port);
    msl_wr_bytes(&w, info->src_ip, 4);
    msl_wr_bytes(&w, info->src_name, 16);
    msl_wr_bytes(&w, info->dst_name, 16);
  }
  return w.err ? w.err : (int)w.off;
}

int msl_lhdr_reply_encode(const msl_lhdr_reply *v, uint8_t *buf, size_t cap) {
  msl_wr w;
  msl_wr_init(&w, buf, cap);
  msl_wr_u8(&w, MSL_LHDR_VERSION);
  msl_wr_u8(&w, MSL_LHDR_F_REPLY);
  msl_wr_u16le(&w, 0);
  msl_wr_u32le(&w, v->max_msg_size);
  msl_wr_u32le(&w, v->next_size);
  msl_wr_u32le(&w, v->msg_count);
  msl_wr_u32le(&w, v->read_timeout);
  msl_wr_u32le(&w, v->status);
  return w.err ? w.err : (int)w.off;
}

int msl_lhdr_reply_decode(msl_lhdr_reply *v, const uint8_t *p, size_t len) {
  msl_rd r;
  if (!v)
    return MSL_ERR_ARG;
  msl_rd_init(&r, p, len);
  uint8_t ver = msl_rd_u8(&r), flags = msl_rd_u8(&r);
  uint16_t ext = msl_rd_u16le(&r);
  v->max_msg_size = msl_rd_u32le(&r);
  v->next_size = msl_rd_u32le(&r);
  v->msg_count = msl_rd_u32le(&r);
  v->read_timeout = msl_rd_u32le(&r);
  v->status = msl_rd_u32le(&r);
  if (r.err)
    return r.err;
  if (ver != MSL_LHDR_VERSION)
    return MSL_ERR_UNSUPPORTED;
  if (flags != MSL_LHDR_F_REPLY || ext != 0 || msl_rd_left(&r) != 0)
    return MSL_ERR_INVALID;
  return 0;
}
