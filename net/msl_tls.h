/*
 * The relay's TLS (OpenSSL), for non-blocking sockets driven by the
 * service's poll loop (docs/relay.md, "Security").
 *
 *  - TLS 1.3 only, both ways; no session tickets, no resumption.
 *  - Mutual authentication: each side presents its certificate chain and
 *    requires one from the other that chains to the configured CA file
 *    (and is within its validity dates); when pins are configured the
 *    peer's certificate must also match one of them: "sha256:HEX" (the
 *    SHA-256 of the DER certificate, colons allowed) or a subject name
 *    (the whole subject as RFC 2253 prints it, "CN=x,O=y", or "CN=x", or
 *    just the common name "x").
 *  - Everything is read once, in msl_tls_ctx_new, so a daemon can drop
 *    its privileges afterwards: the certificate chain, the CA file and
 *    the key. The key file must be a regular file neither group- nor
 *    world-readable (refused otherwise, before anything is read) and not
 *    encrypted.
 *  - Every refusal has a reason (enum msl_tls_refusal) and a detail line
 *    (OpenSSL's error or the verification error) for the log.
 */
#ifndef MSL_TLS_H
#define MSL_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "mailslot.h"

#define MSL_TLS_PINS_MAX 16
#define MSL_TLS_SUBJECT_MAX 256
#define MSL_TLS_DETAIL_MAX 200
#define MSL_TLS_FPR_TEXT (7 + 64 + 1) /* "sha256:" + hex + NUL */

/* Why a peer was refused (the relay adds its own: timeouts, HELLO). */
enum msl_tls_refusal {
  MSL_TLS_R_NONE = 0,
  MSL_TLS_R_PLAINTEXT,     /* not TLS: plaintext or another protocol */
  MSL_TLS_R_TIMEOUT,       /* stopped in the middle of the handshake */
  MSL_TLS_R_UNKNOWN_CA,    /* its certificate does not chain to our CA */
  MSL_TLS_R_EXPIRED,       /* its certificate has expired */
  MSL_TLS_R_NOT_YET_VALID, /* its certificate is not valid yet */
  MSL_TLS_R_BAD_CERT,      /* another verification failure */
  MSL_TLS_R_NO_CERT,       /* it presented no certificate */
  MSL_TLS_R_PIN,           /* a valid certificate that matches no pin */
  MSL_TLS_R_VERSION,       /* it does not speak TLS 1.3 */
  MSL_TLS_R_PEER_REFUSED,  /* it refused us (a TLS alert) */
  MSL_TLS_R_PROTOCOL,      /* another TLS failure */
  MSL_TLS_R_CLOSED,        /* it closed the connection mid-handshake */
  MSL_TLS_R_HELLO,         /* TLS fine, but a bad or missing relay HELLO */
  MSL_TLS_R_COUNT
};

/** "plaintext", "timeout", "unknown_ca", "expired", "not_yet_valid",
 *  "bad_cert", "no_cert", "pin", "version", "peer_refused", "protocol",
 *  "closed", "hello". */
const char *msl_tls_refusal_name(int reason);

typedef struct msl_tls_files {
  const char *cert; /* PEM: our certificate, then any intermediates */
  const char *key;  /* PEM private key, mode 0600 or stricter */
  const char *ca;   /* PEM: the CA certificate(s) peers must chain to */
  const char *const *pins; /* NULL or n_pins pins (see above) */
  size_t n_pins;
} msl_tls_files;

typedef struct msl_tls_ctx msl_tls_ctx;
typedef struct msl_tls msl_tls;

/** 1 when pin is a valid pin ("sha256:" and 64 hex digits, colons
 *  allowed, or a subject of 1..MSL_TLS_SUBJECT_MAX-1 bytes). */
int msl_tls_pin_valid(const char *pin);

/**
 * Reads the files and sets up TLS 1.3 with mutual authentication.
 * @return 0 and *out, or MSL_ERR_ARG (missing file name, bad pin, too many
 *         pins), MSL_ERR_ACCESS (the key file is group- or world-readable,
 *         or not a regular file; a file cannot be opened), MSL_ERR_INVALID
 *         (a file does not hold what it should, the key does not match
 *         the certificate, an encrypted key), MSL_ERR_NOMEM. err gets a
 *         sentence naming the file and the reason.
 */
int msl_tls_ctx_new(const msl_tls_files *f, msl_tls_ctx **out, char *err,
                    size_t errcap);
void msl_tls_ctx_free(msl_tls_ctx *c);

/** Our own certificate's subject (RFC 2253). */
const char *msl_tls_ctx_subject(const msl_tls_ctx *c);

/** A connection over fd (connected, non-blocking; not owned) as the server
 *  (accepted) or the client. 0, MSL_ERR_NOMEM or MSL_ERR_ARG. */
int msl_tls_new(msl_tls_ctx *c, int fd, int server, msl_tls **out);

/** Frees t (NULL ignored); sends no close_notify (the caller closes fd). */
void msl_tls_free(msl_tls *t);

/* What a call did. */
enum msl_tls_io {
  MSL_TLS_IO_OK = 0,
  MSL_TLS_IO_WANT_READ,  /* call again when fd is readable */
  MSL_TLS_IO_WANT_WRITE, /* call again when fd is writable */
  MSL_TLS_IO_CLOSED,     /* the peer closed (close_notify or EOF) */
  MSL_TLS_IO_ERROR,      /* failed: msl_tls_reason / msl_tls_detail */
};

/** Moves the handshake on. OK once done, the peer verified and pinned;
 *  ERROR with a reason otherwise. */
int msl_tls_handshake(msl_tls *t);

/** Reads up to cap bytes (OK: *got > 0). */
int msl_tls_read(msl_tls *t, void *buf, size_t cap, size_t *got);

/** Writes up to len bytes (OK: *put > 0, perhaps less than len). After a
 *  WANT, call again with the same bytes at least (more may follow). */
int msl_tls_write(msl_tls *t, const void *buf, size_t len, size_t *put);

/** 1 when decrypted bytes wait inside TLS (poll on fd would not report
 *  them). */
int msl_tls_pending(const msl_tls *t);

int msl_tls_reason(const msl_tls *t);     /* enum msl_tls_refusal */
const char *msl_tls_detail(const msl_tls *t); /* "" when none */
/** The peer's certificate subject (RFC 2253) and "sha256:HEX", once the
 *  handshake got that far ("" before). */
const char *msl_tls_peer_subject(const msl_tls *t);
const char *msl_tls_peer_fingerprint(const msl_tls *t);

#endif /* MSL_TLS_H */
