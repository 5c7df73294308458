/* The relay's TLS over OpenSSL (see msl_tls.h). */
#define _GNU_SOURCE
#include "msl_tls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define KEY_FILE_MAX 65536 /* a PEM key is a few KiB */

typedef struct pin {
  int is_fpr;
  uint8_t fpr[32];
  char *subject;
} pin;

struct msl_tls_ctx {
  SSL_CTX *ssl;
  pin pins[MSL_TLS_PINS_MAX];
  size_t n_pins;
  char subject[MSL_TLS_SUBJECT_MAX];
};

struct msl_tls {
  msl_tls_ctx *ctx;
  SSL *ssl;
  int reason;
  char detail[MSL_TLS_DETAIL_MAX];
  char subject[MSL_TLS_SUBJECT_MAX];
  char fpr[MSL_TLS_FPR_TEXT];
};

static const char *const refusal_names[MSL_TLS_R_COUNT] = {
    "none",     "plaintext",    "timeout", "unknown_ca", "expired",
    "not_yet_valid", "bad_cert", "no_cert", "pin",       "version",
    "peer_refused", "protocol", "closed",  "hello"};

const char *msl_tls_refusal_name(int reason) {
  return reason >= 0 && reason < MSL_TLS_R_COUNT ? refusal_names[reason]
                                                 : "unknown";
}

static void say(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(char *err, size_t cap, const char *fmt, ...) {
  va_list ap;
  if (!err || !cap)
    return;
  va_start(ap, fmt);
  vsnprintf(err, cap, fmt, ap);
  va_end(ap);
}

/* OpenSSL's last error as text ("" when none), and the queue cleared. */
static const char *ossl_error(char *buf, size_t cap) {
  unsigned long e = ERR_peek_last_error();
  buf[0] = '\0';
  if (e)
    ERR_error_string_n(e, buf, cap);
  ERR_clear_error();
  return buf;
}

/* ---- pins ---- */

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = (char)(c | 0x20);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "sha256:HEX" (colons between bytes allowed) into out. 0 or -1. */
static int parse_fpr(const char *s, uint8_t out[32]) {
  size_t n = 0;
  if (strncasecmp(s, "sha256:", 7) != 0)
    return -1;
  for (s += 7; *s; s++) {
    if (*s == ':')
      continue;
    int hi = hexval(s[0]), lo = s[1] ? hexval(s[1]) : -1;
    if (hi < 0 || lo < 0 || n == 32)
      return -1;
    out[n++] = (uint8_t)(hi << 4 | lo);
    s++;
  }
  return n == 32 ? 0 : -1;
}

int msl_tls_pin_valid(const char *p) {
  uint8_t f[32];
  if (!p || !*p || strlen(p) >= MSL_TLS_SUBJECT_MAX)
    return 0;
  if (strncasecmp(p, "sha256:", 7) == 0)
    return parse_fpr(p, f) == 0;
  return 1;
}

static int add_pins(msl_tls_ctx *c, const msl_tls_files *f, char *err,
                    size_t cap) {
  if (f->n_pins > MSL_TLS_PINS_MAX || (f->n_pins && !f->pins)) {
    say(err, cap, "at most %d pins", MSL_TLS_PINS_MAX);
    return MSL_ERR_ARG;
  }
  for (size_t i = 0; i < f->n_pins; i++) {
    pin *p = &c->pins[c->n_pins];
    if (!msl_tls_pin_valid(f->pins[i])) {
      say(err, cap, "pin '%.80s': not sha256:HEX (32 bytes) or a subject",
          f->pins[i] ? f->pins[i] : "");
      return MSL_ERR_ARG;
    }
    p->is_fpr = strncasecmp(f->pins[i], "sha256:", 7) == 0;
    if (p->is_fpr)
      parse_fpr(f->pins[i], p->fpr);
    else if (!(p->subject = strdup(f->pins[i])))
      return MSL_ERR_NOMEM;
    c->n_pins++;
  }
  return 0;
}

/* ---- the key, read with its mode checked first ---- */

static int no_passphrase(char *buf, int size, int rw, void *u) {
  (void)buf, (void)size, (void)rw, (void)u;
  return -1; /* an encrypted key cannot be unlocked unattended */
}

/* The key file's bytes into buf (*len), after checking the opened file:
 * a regular file, not readable by group or others. */
static int read_key_file(const char *path, char *buf, size_t cap,
                         size_t *len, char *err, size_t ecap) {
  struct stat st;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    say(err, ecap, "key %s: %s", path, strerror(errno));
    return MSL_ERR_ACCESS;
  }
  int r = MSL_ERR_ACCESS;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    say(err, ecap, "key %s: not a regular file", path);
  else if (st.st_mode & (S_IRGRP | S_IROTH))
    say(err, ecap, "key %s: readable by its group or by everyone (mode "
        "%04o): refusing it; chmod 600 it", path,
        (unsigned)(st.st_mode & 07777));
  else {
    ssize_t n = read(fd, buf, cap);
    r = n > 0 && (size_t)n < cap ? 0 : MSL_ERR_INVALID;
    *len = n > 0 ? (size_t)n : 0;
    if (r)
      say(err, ecap, "key %s: empty, unreadable or too big", path);
  }
  close(fd);
  return r;
}

static int load_key(SSL_CTX *ssl, const char *path, char *err, size_t cap) {
  char *buf = malloc(KEY_FILE_MAX);
  size_t len = 0;
  char oe[160];
  if (!buf)
    return MSL_ERR_NOMEM;
  int r = read_key_file(path, buf, KEY_FILE_MAX, &len, err, cap);
  EVP_PKEY *k = NULL;
  if (r == 0) {
    BIO *b = BIO_new_mem_buf(buf, (int)len);
    k = b ? PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL) : NULL;
    BIO_free(b);
    if (!k || SSL_CTX_use_PrivateKey(ssl, k) != 1) {
      say(err, cap, "key %s: not an unencrypted PEM private key (%s)", path,
          ossl_error(oe, sizeof(oe)));
      r = MSL_ERR_INVALID;
    }
  }
  EVP_PKEY_free(k);
  OPENSSL_cleanse(buf, KEY_FILE_MAX);
  free(buf);
  return r;
}

/* ---- the context ---- */

static void name_text(X509_NAME *n, char *out, size_t cap) {
  BIO *b = BIO_new(BIO_s_mem());
  out[0] = '\0';
  if (!b)
    return;
  if (n && X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
    int k = BIO_read(b, out, (int)cap - 1);
    out[k > 0 ? k : 0] = '\0';
  }
  BIO_free(b);
}

/* The certificate chain and the CA: read now, kept in memory. */
static int load_certs(msl_tls_ctx *c, const msl_tls_files *f, char *err,
                      size_t cap) {
  char oe[160];
  if (SSL_CTX_use_certificate_chain_file(c->ssl, f->cert) != 1) {
    say(err, cap, "certificate %s: %s", f->cert, ossl_error(oe, sizeof(oe)));
    return MSL_ERR_INVALID;
  }
  if (SSL_CTX_load_verify_locations(c->ssl, f->ca, NULL) != 1) {
    say(err, cap, "CA %s: %s", f->ca, ossl_error(oe, sizeof(oe)));
    return MSL_ERR_INVALID;
  }
  STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(f->ca);
  if (names)
    SSL_CTX_set_client_CA_list(c->ssl, names);
  X509 *me = SSL_CTX_get0_certificate(c->ssl);
  name_text(me ? X509_get_subject_name(me) : NULL, c->subject,
            sizeof(c->subject));
  return 0;
}

static int setup_ctx(msl_tls_ctx *c) {
  c->ssl = SSL_CTX_new(TLS_method());
  if (!c->ssl)
    return MSL_ERR_NOMEM;
  SSL_CTX_set_min_proto_version(c->ssl, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(c->ssl, TLS1_3_VERSION);
  SSL_CTX_set_verify(c->ssl,
                     SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  SSL_CTX_set_num_tickets(c->ssl, 0);
  SSL_CTX_set_session_cache_mode(c->ssl, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
                               SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                               SSL_MODE_RELEASE_BUFFERS);
  return 0;
}

int msl_tls_ctx_new(const msl_tls_files *f, msl_tls_ctx **out, char *err,
                    size_t errcap) {
  char oe[160];
  if (!out)
    return MSL_ERR_ARG;
  *out = NULL;
  if (!f || !f->cert || !f->key || !f->ca) {
    say(err, errcap, "a certificate, a key and a CA file are all needed");
    return MSL_ERR_ARG;
  }
  msl_tls_ctx *c = calloc(1, sizeof(*c));
  if (!c)
    return MSL_ERR_NOMEM;
  /* The key's mode first: a key others can read is refused unread. */
  int r = setup_ctx(c);
  if (r == 0)
    r = add_pins(c, f, err, errcap);
  if (r == 0)
    r = load_key(c->ssl, f->key, err, errcap);
  if (r == 0)
    r = load_certs(c, f, err, errcap);
  if (r == 0 && SSL_CTX_check_private_key(c->ssl) != 1) {
    say(err, errcap, "key %s does not belong to certificate %s (%s)", f->key,
        f->cert, ossl_error(oe, sizeof(oe)));
    r = MSL_ERR_INVALID;
  }
  if (r < 0) {
    msl_tls_ctx_free(c);
    return r;
  }
  *out = c;
  return 0;
}

void msl_tls_ctx_free(msl_tls_ctx *c) {
  if (!c)
    return;
  for (size_t i = 0; i < c->n_pins; i++)
    free(c->pins[i].subject);
  SSL_CTX_free(c->ssl);
  free(c);
}

const char *msl_tls_ctx_subject(const msl_tls_ctx *c) {
  return c ? c->subject : "";
}

/* ---- connections ---- */

int msl_tls_new(msl_tls_ctx *c, int fd, int server, msl_tls **out) {
  if (!c || fd < 0 || !out)
    return MSL_ERR_ARG;
  msl_tls *t = calloc(1, sizeof(*t));
  if (!t || !(t->ssl = SSL_new(c->ssl)) || SSL_set_fd(t->ssl, fd) != 1) {
    msl_tls_free(t);
    return MSL_ERR_NOMEM;
  }
  t->ctx = c;
  if (server)
    SSL_set_accept_state(t->ssl);
  else
    SSL_set_connect_state(t->ssl);
  *out = t;
  return 0;
}

void msl_tls_free(msl_tls *t) {
  if (!t)
    return;
  SSL_free(t->ssl);
  free(t);
}

int msl_tls_reason(const msl_tls *t) { return t ? t->reason : 0; }
const char *msl_tls_detail(const msl_tls *t) { return t ? t->detail : ""; }
const char *msl_tls_peer_subject(const msl_tls *t) {
  return t ? t->subject : "";
}
const char *msl_tls_peer_fingerprint(const msl_tls *t) {
  return t ? t->fpr : "";
}

/* Decrypted bytes only: a partial record also makes SSL_has_pending
 * true, but its rest comes through the socket, which poll watches (a
 * loop that trusted it would spin until then). */
int msl_tls_pending(const msl_tls *t) {
  return t && t->ssl && SSL_pending(t->ssl) > 0;
}

/* The verification error of a failed handshake, as a refusal. */
static int verify_reason(long v) {
  switch (v) {
  case X509_V_ERR_CERT_HAS_EXPIRED:
    return MSL_TLS_R_EXPIRED;
  case X509_V_ERR_CERT_NOT_YET_VALID:
    return MSL_TLS_R_NOT_YET_VALID;
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    return MSL_TLS_R_UNKNOWN_CA;
  default:
    return MSL_TLS_R_BAD_CERT;
  }
}

/* The reason of an SSL_ERROR_SSL from OpenSSL's error queue. */
static int error_reason(unsigned long e) {
  int r = ERR_GET_REASON(e);
  if (r >= SSL_AD_REASON_OFFSET && r < SSL_AD_REASON_OFFSET + 256)
    return MSL_TLS_R_PEER_REFUSED; /* an alert from the peer */
  switch (r) {
  case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
    return MSL_TLS_R_NO_CERT;
  case SSL_R_UNSUPPORTED_PROTOCOL:
  case SSL_R_NO_PROTOCOLS_AVAILABLE:
    return MSL_TLS_R_VERSION;
  case SSL_R_WRONG_VERSION_NUMBER:
  case SSL_R_HTTP_REQUEST:
  case SSL_R_HTTPS_PROXY_REQUEST:
  case SSL_R_UNKNOWN_PROTOCOL:
  case SSL_R_PACKET_LENGTH_TOO_LONG:
    return MSL_TLS_R_PLAINTEXT;
  default:
    return MSL_TLS_R_PROTOCOL;
  }
}

/* A failed call: records reason and detail, returns MSL_TLS_IO_ERROR. */
static int failed(msl_tls *t, int ssl_err) {
  long v = SSL_get_verify_result(t->ssl);
  unsigned long e = ERR_peek_last_error();
  char oe[160];
  if (ssl_err == SSL_ERROR_SYSCALL && !e) {
    t->reason = MSL_TLS_R_CLOSED;
    snprintf(t->detail, sizeof(t->detail), "connection closed (%s)",
             errno ? strerror(errno) : "EOF");
  } else if (v != X509_V_OK) { /* set even when the chain was refused */
    t->reason = verify_reason(v);
    snprintf(t->detail, sizeof(t->detail), "certificate: %s",
             X509_verify_cert_error_string(v));
    ERR_clear_error();
  } else {
    t->reason = e ? error_reason(e) : MSL_TLS_R_PROTOCOL;
    snprintf(t->detail, sizeof(t->detail), "%s", ossl_error(oe, sizeof(oe)));
  }
  return MSL_TLS_IO_ERROR;
}

/* What SSL_get_error says about a call that returned rc <= 0. */
static int io_result(msl_tls *t, int rc) {
  int e = SSL_get_error(t->ssl, rc);
  switch (e) {
  case SSL_ERROR_WANT_READ:
    return MSL_TLS_IO_WANT_READ;
  case SSL_ERROR_WANT_WRITE:
    return MSL_TLS_IO_WANT_WRITE;
  case SSL_ERROR_ZERO_RETURN:
    return MSL_TLS_IO_CLOSED;
  case SSL_ERROR_SYSCALL:
    if (!ERR_peek_error() && (rc == 0 || errno == ECONNRESET ||
                              errno == EPIPE)) {
      t->reason = MSL_TLS_R_CLOSED;
      return MSL_TLS_IO_CLOSED;
    }
    return failed(t, e);
  default:
    return failed(t, e);
  }
}

/* The peer's certificate: its subject and fingerprint kept for the
 * status; 0 when it matches a pin (or there are none), else -1. */
static int check_pins(msl_tls *t) {
  X509 *c = SSL_get0_peer_certificate(t->ssl);
  uint8_t md[32];
  unsigned mdlen = 0;
  char cn[128] = "";
  if (!c || X509_digest(c, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32)
    return -1;
  X509_NAME *n = X509_get_subject_name(c);
  name_text(n, t->subject, sizeof(t->subject));
  strcpy(t->fpr, "sha256:");
  for (unsigned i = 0; i < 32; i++)
    snprintf(t->fpr + 7 + 2 * i, 3, "%02x", md[i]);
  X509_NAME_get_text_by_NID(n, NID_commonName, cn, sizeof(cn));
  const msl_tls_ctx *x = t->ctx;
  for (size_t i = 0; i < x->n_pins; i++) {
    const pin *p = &x->pins[i];
    if (p->is_fpr ? memcmp(p->fpr, md, 32) == 0
                  : strcmp(p->subject, t->subject) == 0 ||
                        (cn[0] && (strcmp(p->subject, cn) == 0 ||
                                   (strncmp(p->subject, "CN=", 3) == 0 &&
                                    strcmp(p->subject + 3, cn) == 0))))
      return 0;
  }
  return x->n_pins ? -1 : 0;
}

int msl_tls_handshake(msl_tls *t) {
  if (!t)
    return MSL_TLS_IO_ERROR;
  ERR_clear_error();
  int rc = SSL_do_handshake(t->ssl);
  if (rc != 1) {
    int r = io_result(t, rc);
    if (r == MSL_TLS_IO_CLOSED) { /* a handshake cut short is a refusal */
      t->reason = MSL_TLS_R_CLOSED;
      snprintf(t->detail, sizeof(t->detail), "closed during the handshake");
      return MSL_TLS_IO_ERROR;
    }
    return r;
  }
  if (check_pins(t) != 0) {
    t->reason = MSL_TLS_R_PIN;
    snprintf(t->detail, sizeof(t->detail), "%.90s %.72s matches no pin",
             t->subject, t->fpr);
    return MSL_TLS_IO_ERROR;
  }
  return MSL_TLS_IO_OK;
}

int msl_tls_read(msl_tls *t, void *buf, size_t cap, size_t *got) {
  *got = 0;
  ERR_clear_error();
  int rc = SSL_read_ex(t->ssl, buf, cap, got);
  return rc == 1 ? MSL_TLS_IO_OK : io_result(t, 0);
}

int msl_tls_write(msl_tls *t, const void *buf, size_t len, size_t *put) {
  *put = 0;
  ERR_clear_error();
  int rc = SSL_write_ex(t->ssl, buf, len, put);
  return rc == 1 ? MSL_TLS_IO_OK : io_result(t, 0);
}
