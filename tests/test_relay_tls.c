/*
 * Tests for the relay's TLS (net/msl_tls.c) without a network: the files
 * are made here with the OpenSSL API (a CA, certificates it signed, one
 * expired, one from another CA) in a temporary directory, and two
 * connections handshake over a non-blocking socket pair.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "msl_tls.h"
#include "test_util.h"

static char dir[64];

static void path_of(char *out, const char *name) {
  snprintf(out, 128, "%s/%s", dir, name);
}

static EVP_PKEY *new_key(void) {
  EVP_PKEY *k = EVP_EC_gen("P-256");
  assert_non_null(k);
  return k;
}

/* A certificate for cn and key, signed by (ca, ca_key) or by itself,
 * valid from `from` to `to` days from now. */
static X509 *new_cert(const char *cn, EVP_PKEY *key, X509 *ca,
                      EVP_PKEY *ca_key, long from, long to, long serial) {
  X509 *c = X509_new();
  assert_non_null(c);
  X509_set_version(c, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
  X509_gmtime_adj(X509_getm_notBefore(c), from * 86400);
  X509_gmtime_adj(X509_getm_notAfter(c), to * 86400);
  X509_set_pubkey(c, key);
  X509_NAME *n = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn,
                             -1, -1, 0);
  X509_set_issuer_name(c, ca ? X509_get_subject_name(ca) : n);
  if (!ca) { /* a CA: basicConstraints CA:TRUE */
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
                                            "critical,CA:TRUE");
    X509_add_ext(c, e, -1);
    X509_EXTENSION_free(e);
  }
  assert_true(X509_sign(c, ca_key ? ca_key : key, EVP_sha256()) > 0);
  return c;
}

static void write_pem(const char *name, X509 *c, EVP_PKEY *k, int mode) {
  char p[128];
  path_of(p, name);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  if (c)
    PEM_write_X509(f, c);
  else
    PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
  fclose(f);
  assert_int_equal(chmod(p, (mode_t)mode), 0);
}

/* The files: ca, a (CN=site-a), b (CN=site-b), expired (CN=site-x),
 * rogue (CN=site-a, another CA), and a copy of a's key readable by all. */
static int make_pki(void **state) {
  (void)state;
  strcpy(dir, "/tmp/msl-tls-XXXXXX");
  if (!mkdtemp(dir))
    return -1;
  EVP_PKEY *cak = new_key(), *ok = new_key(), *ak = new_key(),
           *bk = new_key(), *xk = new_key(), *rk = new_key();
  X509 *ca = new_cert("test-ca", cak, NULL, NULL, -1, 2, 1);
  X509 *other = new_cert("other-ca", ok, NULL, NULL, -1, 2, 1);
  X509 *a = new_cert("site-a", ak, ca, cak, -1, 2, 2);
  X509 *b = new_cert("site-b", bk, ca, cak, -1, 2, 3);
  X509 *x = new_cert("site-x", xk, ca, cak, -10, -5, 4);
  X509 *r = new_cert("site-a", rk, other, ok, -1, 2, 5);
  write_pem("ca.pem", ca, NULL, 0644);
  write_pem("a.pem", a, NULL, 0644);
  write_pem("a.key", NULL, ak, 0600);
  write_pem("open.key", NULL, ak, 0644);
  write_pem("b.pem", b, NULL, 0644);
  write_pem("b.key", NULL, bk, 0600);
  write_pem("x.pem", x, NULL, 0644);
  write_pem("x.key", NULL, xk, 0600);
  write_pem("r.pem", r, NULL, 0644);
  write_pem("r.key", NULL, rk, 0600);
  X509 *all[] = {ca, other, a, b, x, r};
  EVP_PKEY *keys[] = {cak, ok, ak, bk, xk, rk};
  for (int i = 0; i < 6; i++) {
    X509_free(all[i]);
    EVP_PKEY_free(keys[i]);
  }
  return 0;
}

static int remove_pki(void **state) {
  (void)state;
  return test_rmtree(dir);
}

/* A context for site s ("a", "b", "x", "r"; key file k, default s.key). */
static int ctx(const char *s, const char *k, const char *const *pins,
               size_t np, msl_tls_ctx **out, char *err) {
  char cert[128], key[128], ca[128], cn[16], kn[16];
  snprintf(cn, sizeof(cn), "%s.pem", s);
  snprintf(kn, sizeof(kn), "%s.key", k ? k : s);
  path_of(cert, cn);
  path_of(key, kn);
  path_of(ca, "ca.pem");
  msl_tls_files f = {cert, key, ca, pins, np};
  return msl_tls_ctx_new(&f, out, err, 256);
}

static void test_files(void **state) {
  (void)state;
  msl_tls_ctx *c = NULL;
  char err[256];
  assert_int_equal(ctx("a", "open", NULL, 0, &c, err), MSL_ERR_ACCESS);
  assert_non_null(strstr(err, "readable by its group or by everyone"));
  assert_int_equal(ctx("a", "b", NULL, 0, &c, err), MSL_ERR_INVALID);
  assert_non_null(strstr(err, "does not belong"));
  assert_int_equal(ctx("a", "missing", NULL, 0, &c, err), MSL_ERR_ACCESS);
  const char *bad[] = {"sha256:00ff"};
  assert_int_equal(ctx("a", NULL, bad, 1, &c, err), MSL_ERR_ARG);
  assert_int_equal(ctx("a", NULL, NULL, 0, &c, err), 0);
  assert_string_equal(msl_tls_ctx_subject(c), "CN=site-a");
  msl_tls_ctx_free(c);
  assert_true(msl_tls_pin_valid("sha256:" "00112233445566778899aabbccddeeff"
                                "00112233445566778899AABBCCDDEEFF"));
  assert_true(msl_tls_pin_valid("sha256:00:11:22:33:44:55:66:77:88:99:aa:bb:"
                                "cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:"
                                "aa:bb:cc:dd:ee:ff"));
  assert_false(msl_tls_pin_valid("sha256:0011"));
  assert_true(msl_tls_pin_valid("CN=site-b"));
  assert_false(msl_tls_pin_valid(""));
}

static int pair_fds[2];

/* Handshakes a client (site cs) with a server (site ss) over a socket
 * pair; returns the server's result, *creason the client's reason. */
static int handshake(msl_tls_ctx *client, msl_tls_ctx *server, int *sreason,
                     int *creason, msl_tls **sout, msl_tls **cout) {
  int sv[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv),
                   0);
  pair_fds[0] = sv[0];
  pair_fds[1] = sv[1];
  msl_tls *c, *s;
  assert_int_equal(msl_tls_new(client, sv[0], 0, &c), 0);
  assert_int_equal(msl_tls_new(server, sv[1], 1, &s), 0);
  int rc = MSL_TLS_IO_WANT_READ, rs = MSL_TLS_IO_WANT_READ;
  for (int i = 0; i < 50; i++) {
    if (rc == MSL_TLS_IO_WANT_READ || rc == MSL_TLS_IO_WANT_WRITE)
      rc = msl_tls_handshake(c);
    if (rs == MSL_TLS_IO_WANT_READ || rs == MSL_TLS_IO_WANT_WRITE)
      rs = msl_tls_handshake(s);
  }
  *sreason = msl_tls_reason(s);
  *creason = msl_tls_reason(c);
  *sout = s;
  *cout = c;
  (void)rc;
  return rs;
}

static void free_pair(msl_tls *s, msl_tls *c) {
  msl_tls_free(s);
  msl_tls_free(c);
  close(pair_fds[0]);
  close(pair_fds[1]);
}

static void test_handshakes(void **state) {
  (void)state;
  msl_tls_ctx *a, *b, *x, *r, *pinned;
  msl_tls *s, *c;
  char err[256];
  int sr, cr;
  const char *pins[] = {"CN=site-b"};
  assert_int_equal(ctx("a", NULL, NULL, 0, &a, err), 0);
  assert_int_equal(ctx("b", NULL, NULL, 0, &b, err), 0);
  assert_int_equal(ctx("x", NULL, NULL, 0, &x, err), 0);
  assert_int_equal(ctx("r", NULL, NULL, 0, &r, err), 0);
  assert_int_equal(ctx("a", NULL, pins, 1, &pinned, err), 0);
  /* Good on both sides; data both ways. */
  assert_int_equal(handshake(b, a, &sr, &cr, &s, &c), MSL_TLS_IO_OK);
  assert_string_equal(msl_tls_peer_subject(s), "CN=site-b");
  assert_string_equal(msl_tls_peer_subject(c), "CN=site-a");
  assert_int_equal(strncmp(msl_tls_peer_fingerprint(s), "sha256:", 7), 0);
  size_t n = 0;
  assert_int_equal(msl_tls_write(c, "hello", 5, &n), MSL_TLS_IO_OK);
  assert_int_equal(n, 5);
  char buf[16];
  assert_int_equal(msl_tls_read(s, buf, sizeof(buf), &n), MSL_TLS_IO_OK);
  assert_int_equal(n, 5);
  assert_memory_equal(buf, "hello", 5);
  assert_int_equal(msl_tls_read(s, buf, sizeof(buf), &n),
                   MSL_TLS_IO_WANT_READ);
  /* A pin by fingerprint: the one just seen. */
  char fpr[MSL_TLS_FPR_TEXT];
  strcpy(fpr, msl_tls_peer_fingerprint(s));
  free_pair(s, c);
  const char *fpins[] = {fpr};
  msl_tls_ctx *fp;
  assert_int_equal(ctx("a", NULL, fpins, 1, &fp, err), 0);
  assert_int_equal(handshake(b, fp, &sr, &cr, &s, &c), MSL_TLS_IO_OK);
  free_pair(s, c);
  /* The subject pin: site-b in, site-x (expired anyway) and rogue out. */
  assert_int_equal(handshake(b, pinned, &sr, &cr, &s, &c), MSL_TLS_IO_OK);
  free_pair(s, c);
  assert_int_equal(handshake(x, a, &sr, &cr, &s, &c), MSL_TLS_IO_ERROR);
  assert_int_equal(sr, MSL_TLS_R_EXPIRED);
  assert_non_null(strstr(msl_tls_detail(s), "expired"));
  free_pair(s, c);
  assert_int_equal(handshake(r, a, &sr, &cr, &s, &c), MSL_TLS_IO_ERROR);
  assert_int_equal(sr, MSL_TLS_R_UNKNOWN_CA);
  free_pair(s, c);
  /* The client checks the server too: the rogue server is refused. */
  handshake(a, r, &sr, &cr, &s, &c);
  assert_int_equal(cr, MSL_TLS_R_UNKNOWN_CA);
  free_pair(s, c);
  msl_tls_ctx *cpin;
  assert_int_equal(ctx("b", NULL, pins, 1, &cpin, err), 0); /* b pins b */
  handshake(cpin, a, &sr, &cr, &s, &c);
  assert_int_equal(cr, MSL_TLS_R_PIN);
  free_pair(s, c);
  msl_tls_ctx *ctxs[] = {a, b, x, r, pinned, fp, cpin};
  for (size_t i = 0; i < sizeof(ctxs) / sizeof(ctxs[0]); i++)
    msl_tls_ctx_free(ctxs[i]);
  assert_string_equal(msl_tls_refusal_name(MSL_TLS_R_PLAINTEXT), "plaintext");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_files),
      cmocka_unit_test(test_handshakes),
  };
  return cmocka_run_group_tests(tests, make_pki, remove_pki);
}
