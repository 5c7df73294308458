/*
 * Test support: one frame of a capture in captures/, sliced at the layer a
 * test checks (UDP payload, SMB, mailslot data), so that the tests compare
 * with the real capture instead of a hex copy of it. Include after
 * <cmocka.h>; link with tests/pcap_walk.c.
 */
#ifndef MSL_CAPTURE_FRAME_H
#define MSL_CAPTURE_FRAME_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "msl_nbdgm.h"
#include "msl_smbtr.h"
#include "pcap_walk.h"

struct capture_grab {
  unsigned long want;
  uint8_t *out;
  size_t cap;
  size_t len;
  int found;
};

static inline int capture_grab_cb(const struct walk_pkt *w, void *user) {
  struct capture_grab *g = user;
  if (w->frame != g->want)
    return 0;
  if (w->len > g->cap)
    fail_msg("frame %lu: %zu bytes, room for %zu", w->frame, w->len, g->cap);
  memcpy(g->out, w->payload, w->len);
  g->len = w->len;
  g->found = 1;
  return 1;
}

/* The UDP payload of `frame` of captures/<file> into out (cap bytes);
 * returns its length. A missing file or frame fails the test. */
static inline size_t capture_udp_payload(const char *file,
                                         unsigned long frame, uint8_t *out,
                                         size_t cap) {
  char dir[4096], path[8192];
  if (!pcap_captures_dir(dir, sizeof dir))
    fail_msg("no captures directory (set MSL_CAPTURES_DIR)");
  snprintf(path, sizeof path, "%s/%s", dir, file);
  struct capture_grab g = {frame, out, cap, 0, 0};
  pcap_walk(path, capture_grab_cb, &g);
  if (!g.found)
    fail_msg("%s: frame %lu not found", path, frame);
  return g.len;
}

/* Copies v into out, which must be exactly v.len bytes (the tests size
 * their arrays by the length the capture comment states). */
static inline void capture_copy_exact(msl_view v, uint8_t *out, size_t len) {
  assert_int_equal(v.len, len);
  memcpy(out, v.ptr, len);
}

/* The UDP payload of a frame, exactly len bytes, into out. */
static inline void capture_udp(const char *file, unsigned long frame,
                               uint8_t *out, size_t len) {
  uint8_t udp[1500];
  msl_view v = {udp, capture_udp_payload(file, frame, udp, sizeof udp)};
  capture_copy_exact(v, out, len);
}

/* The SMB of a datagram frame (the NetBIOS datagram's user data), exactly
 * len bytes, into out. */
static inline void capture_smb(const char *file, unsigned long frame,
                               uint8_t *out, size_t len) {
  uint8_t udp[1500];
  msl_nbdgm d;
  size_t n = capture_udp_payload(file, frame, udp, sizeof udp);
  assert_int_equal(msl_nbdgm_decode(&d, udp, n), 0);
  capture_copy_exact(d.data, out, len);
}

/* The mailslot message of a datagram frame (the SMB Trans data), exactly
 * len bytes, into out. */
static inline void capture_mailslot_data(const char *file,
                                         unsigned long frame, uint8_t *out,
                                         size_t len) {
  uint8_t udp[1500];
  msl_nbdgm d;
  msl_smbtr s;
  size_t n = capture_udp_payload(file, frame, udp, sizeof udp);
  assert_int_equal(msl_nbdgm_decode(&d, udp, n), 0);
  assert_int_equal(msl_smbtr_decode(&s, d.data.ptr, d.data.len), 0);
  capture_copy_exact(s.data, out, len);
}

/* An array a test fills from one frame of a capture before it runs; the
 * array's size is the length the frame's layer must have. */
typedef struct captured {
  const char *file;
  unsigned long frame;
  uint8_t *bytes;
  size_t len;
} captured;

#define CAPTURED(file, frame, array) {file, frame, array, sizeof array}

/* One of capture_udp, capture_smb and capture_mailslot_data. */
typedef void capture_layer(const char *file, unsigned long frame,
                           uint8_t *out, size_t len);

/* Fills each of the n arrays of v with the layer of its frame. */
static inline void capture_fill(capture_layer *layer, const captured *v,
                                size_t n) {
  for (size_t i = 0; i < n; i++)
    layer(v[i].file, v[i].frame, v[i].bytes, v[i].len);
}

#endif /* MSL_CAPTURE_FRAME_H */
