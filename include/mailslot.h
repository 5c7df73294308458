/*
 * libmailslot: Windows mailslots (MS-MAIL) for POSIX hosts.
 *
 * This is the one installed header. It defines the error codes shared by the
 * wire codec and the library, and (as the library grows) the msl_* API.
 */
#ifndef MAILSLOT_H
#define MAILSLOT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(BUILDING_MSL) && defined(__GNUC__)
#  define MSL_API __attribute__((visibility("default")))
#else
#  define MSL_API
#endif

/*
 * Error codes. 0 is success; errors are negative, in [-599, -500], so a
 * function can return a length or an error in one int. Each code has one
 * meaning; msl_strerror() says it in a sentence, msl_err_name() gives its
 * symbol (for logs and JSON). A code keeps its value for good and a value
 * is never given to another code. Not public, never returned by a
 * function of this header: -500, -504, -505, -507 and -508 (the wire
 * codec's own reasons why an input does not decode; a public function
 * reports such an input as MSL_ERR_INVALID). Retired: -501 and -511
 * (merged into MSL_ERR_BUFFER_TOO_SMALL and MSL_ERR_MSG_TOO_BIG).
 */
typedef enum msl_err {
  MSL_OK = 0,
  /* Input from outside (a packet, a file, a setting's value, a reply of
   * mailslotd or of a reader) that does not parse or holds a value its
   * format forbids. */
  MSL_ERR_INVALID = -502,
  /* Not a valid NetBIOS name (a host, domain or workgroup name, a scope). */
  MSL_ERR_NAME = -503,
  /* Well-formed, but of a kind or version not handled here (a network
   * path where only local ones are, a mailslotd too old for a request). */
  MSL_ERR_UNSUPPORTED = -506,
  /* A cap on how many would be exceeded: this user's share of mailslotd
   * (network writers open through it, requests waiting for a name), a
   * table of fixed size. Waiting for a reader does not clear it; ending
   * some of them (closing handles) does. Compare MSL_ERR_QUEUE_FULL. */
  MSL_ERR_TOO_MANY = -509,
  MSL_ERR_ARG = -510,    /* invalid argument from the caller */
  MSL_ERR_NOMEM = -512,  /* allocation failed */
  MSL_ERR_SYSTEM = -513, /* a system call failed; errno tells */
  /* The name or port is taken: a mailslot with that name exists, the UDP
   * port is bound, a mailslotd already runs there. */
  MSL_ERR_EXISTS = -530,
  /* No mailslot with that name: nobody created it, or its reader closed
   * (for a writer: the other end of its socket is gone). */
  MSL_ERR_NOT_FOUND = -531,
  MSL_ERR_TIMEOUT = -532, /* nothing arrived within the timeout */
  /* The caller's buffer is too small for the result (msl_read: for the
   * next message, which is kept; msl_rundir, msl_service_status: for the
   * text). */
  MSL_ERR_BUFFER_TOO_SMALL = -533,
  /* A queue has no room now (the mailslot's, a socket's): nothing was
   * sent; the same call can succeed once the reader catches up
   * (msl_write_wait waits for that). */
  MSL_ERR_QUEUE_FULL = -534,
  MSL_ERR_BAD_PATH = -535, /* not a valid mailslot path */
  /* Not allowed: the handle has no such right (a reader cannot write, a
   * writer cannot read), or the user lacks the permission. */
  MSL_ERR_ACCESS = -536,
  /* A message larger than the mailslot's maximum, or than the format (a
   * network datagram, an SMB) can carry; nothing was sent. */
  MSL_ERR_MSG_TOO_BIG = -537,
  /* mailslotd (or an embedded service) is not running: no control
   * socket, nobody listening on it, or it closed without answering. */
  MSL_ERR_NO_SERVICE = -538,
  /* No up IPv4 interface to send a group or broadcast message on, or an
   * interface the caller named is not an up IPv4 interface. */
  MSL_ERR_NO_INTERFACE = -539,
  /* Nobody answers for that name: not ours, not in the cache, no answer
   * to a NetBIOS name query (broadcast or WINS), not known to DNS. */
  MSL_ERR_NAME_NOT_FOUND = -540,
} msl_err;

/* The library's version, "MAJOR.MINOR.PATCH" (see mailslot_version.h). */
MSL_API const char *msl_version(void);

/* A static English sentence for an msl_err value (never NULL). */
MSL_API const char *msl_strerror(int err);

/* The symbol of an msl_err value as a static string ("MSL_OK",
 * "MSL_ERR_QUEUE_FULL"), for logs and JSON; "MSL_ERR_UNKNOWN" for a value
 * that is no error code (never NULL). */
MSL_API const char *msl_err_name(int err);

/* ======================================================================
 * Local mailslots: the Win32 mailslot API on POSIX (api/msl_local.c).
 *
 * A reader creates a mailslot by path and receives messages; any process of
 * the same host (same MAILSLOT_RUNDIR) opens it by path and writes. Messages
 * are one-way datagrams: boundaries are kept, each writer's messages arrive
 * in the order written, zero-length messages are messages. Where the slots
 * live, who may open them and the limits: docs/local-mailslots.md.
 *
 * Paths: "\\.\mailslot\NAME" (in C: "\\\\.\\mailslot\\NAME"); NAME may
 * have sub-paths ("app\events"); '/' is accepted for '\'; names compare
 * case-insensitively (ASCII). Every function validates its arguments.
 * ====================================================================== */

/* Read timeout meaning "block until a message arrives". */
#define MSL_WAIT_FOREVER 0xFFFFFFFFu
/* msl_get_info() next_size when the mailslot is empty. */
#define MSL_NO_MESSAGE 0xFFFFFFFFu
/* Largest local message, whatever the slot's maximum (bytes). */
#define MSL_LOCAL_MSG_MAX 65536u

/* A mailslot handle: a reader (msl_create) or a writer (msl_open). */
typedef struct msl_handle msl_handle;

/* Where a message came from (msl_msg_info.origin). */
enum msl_origin {
  MSL_ORIGIN_LOCAL = 0,   /* a writer on this host (msl_write) */
  MSL_ORIGIN_NETWORK = 1, /* a NetBIOS datagram delivered by the service */
};

/*
 * Sender details of one message. uid and pid are the writing process's,
 * as the kernel reports them (a writer cannot forge them). For
 * MSL_ORIGIN_LOCAL the network fields are zero. MSL_ORIGIN_NETWORK is
 * believed only from the network service (the user owning mailslotd's
 * control directory), root or the reader's own user; uid and pid are then
 * the service's, and the network fields describe the NetBIOS datagram
 * [RFC 1002 §4.4]. A message from anyone else that claims network origin
 * reads as local, with its real uid and pid.
 */
typedef struct msl_msg_info {
  int origin;             /* enum msl_origin */
  uint8_t dgram_type;     /* RFC 1002 MSG_TYPE (0x10 direct unique, ...) */
  uint8_t src_ip[4];      /* source IPv4 address, network order */
  uint16_t src_port;      /* source UDP port */
  uint8_t src_name[16];   /* raw source NetBIOS name (15 chars + suffix) */
  uint8_t dst_name[16];   /* raw destination NetBIOS name */
  uint32_t uid;           /* the writing process's user id */
  int32_t pid;            /* the writing process's id */
  uint32_t reserved[8];   /* zero: room for fields to come, so that the
                             size stays part of the 1.x ABI */
} msl_msg_info;

/**
 * Creates the mailslot `path` ("\\.\mailslot\NAME") and returns its reader
 * handle in *out. The name exists until msl_close() or the process dies.
 *
 * @param max_msg_size  largest message accepted, in bytes; 0 = any (up to
 *                      MSL_LOCAL_MSG_MAX). Larger values are kept as given
 *                      for msl_get_info() but capped at MSL_LOCAL_MSG_MAX.
 * @param read_timeout_ms  msl_read() timeout: 0 = return at once, N ms, or
 *                      MSL_WAIT_FOREVER.
 * @return 0, or MSL_ERR_ARG (NULL path/out), MSL_ERR_BAD_PATH (no
 *         "\\.\mailslot\" prefix, empty, too long or bad characters, or
 *         a remote host), MSL_ERR_EXISTS (a live reader owns the name),
 *         MSL_ERR_ACCESS (run directory not usable), MSL_ERR_NOMEM,
 *         MSL_ERR_SYSTEM (errno tells; ENOENT: the run directory's parent
 *         is missing; ENAMETOOLONG: $MAILSLOT_RUNDIR is too long).
 */
MSL_API int msl_create(const char *path, uint32_t max_msg_size,
                       uint32_t read_timeout_ms, msl_handle **out);

/**
 * Opens the existing mailslot `path` for writing; the writer handle is
 * returned in *out. Local paths ("\\.\mailslot\...") and network paths
 * ("\\HOST\...", "\\DOMAIN\...", "\\*\...": see msl_open_ex below).
 * @return 0, or MSL_ERR_ARG, MSL_ERR_BAD_PATH, MSL_ERR_NOT_FOUND (nobody
 *         created it, or its reader died; the run directory is missing),
 *         MSL_ERR_ACCESS (no write permission), MSL_ERR_NOMEM,
 *         MSL_ERR_SYSTEM; for network paths also MSL_ERR_NAME,
 *         MSL_ERR_NO_INTERFACE, MSL_ERR_NAME_NOT_FOUND, MSL_ERR_TOO_MANY,
 *         MSL_ERR_TIMEOUT and MSL_ERR_INVALID (their meanings:
 *         msl_open_ex).
 */
MSL_API int msl_open(const char *path, msl_handle **out);

/**
 * Reads the next message into buf (cap bytes), waiting up to the slot's
 * read timeout. Returns the message length (>= 0; zero-length messages are
 * messages), or:
 *  - MSL_ERR_TIMEOUT: no message within the timeout;
 *  - MSL_ERR_BUFFER_TOO_SMALL: the next message is longer than cap; it is
 *    kept (ask its size with msl_get_info() and read again); the contents
 *    of buf are unspecified;
 *  - MSL_ERR_ACCESS: h is a writer; MSL_ERR_ARG; MSL_ERR_NOMEM;
 *    MSL_ERR_SYSTEM.
 * buf may be NULL when cap is 0.
 */
MSL_API int msl_read(msl_handle *h, void *buf, size_t cap);

/**
 * msl_read() with an explicit timeout (0, ms, or MSL_WAIT_FOREVER) instead
 * of the slot's, and the sender details in *info (may be NULL). Returns
 * what msl_read() returns: the length, or MSL_ERR_TIMEOUT,
 * MSL_ERR_BUFFER_TOO_SMALL, MSL_ERR_ACCESS, MSL_ERR_ARG, MSL_ERR_NOMEM,
 * MSL_ERR_SYSTEM.
 */
MSL_API int msl_read_ex(msl_handle *h, void *buf, size_t cap,
                        msl_msg_info *info, uint32_t timeout_ms);

/**
 * Writes one message of len bytes (0 allowed) without blocking.
 * @return 0, or MSL_ERR_ACCESS (h is a reader), MSL_ERR_ARG,
 *         MSL_ERR_MSG_TOO_BIG (len exceeds the slot's maximum; nothing is
 *         delivered), MSL_ERR_QUEUE_FULL (the slot's queue is full; nothing
 *         is delivered, try later), MSL_ERR_NOT_FOUND (the reader closed),
 *         MSL_ERR_NOMEM, MSL_ERR_SYSTEM. A network handle whose sender
 *         went away (mailslotd closes idle writers, or restarted) is
 *         opened again by the write; when that fails, the write fails as
 *         msl_open_ex would, so also with MSL_ERR_NAME,
 *         MSL_ERR_NO_INTERFACE, MSL_ERR_NAME_NOT_FOUND, MSL_ERR_TOO_MANY,
 *         MSL_ERR_TIMEOUT or MSL_ERR_INVALID.
 */
MSL_API int msl_write(msl_handle *h, const void *buf, size_t len);

/**
 * msl_write(), but while the queue is full waits up to timeout_ms (or
 * MSL_WAIT_FOREVER) for room. Returns MSL_ERR_QUEUE_FULL if still full;
 * otherwise what msl_write() returns: 0, MSL_ERR_ACCESS, MSL_ERR_ARG,
 * MSL_ERR_MSG_TOO_BIG, MSL_ERR_NOT_FOUND, MSL_ERR_NOMEM, MSL_ERR_SYSTEM,
 * and for a network handle opened again MSL_ERR_NAME,
 * MSL_ERR_NO_INTERFACE, MSL_ERR_NAME_NOT_FOUND, MSL_ERR_TOO_MANY,
 * MSL_ERR_TIMEOUT, MSL_ERR_INVALID.
 */
MSL_API int msl_write_wait(msl_handle *h, const void *buf, size_t len,
                           uint32_t timeout_ms);

/**
 * GetMailslotInfo(): any pointer may be NULL. *max_msg_size is the value
 * given to msl_create(); *next_size the length of the next message or
 * MSL_NO_MESSAGE; *msg_count the messages waiting (a lower bound beyond
 * the in-process queue limit, see docs); *read_timeout the current timeout.
 * @return 0, or MSL_ERR_ARG, MSL_ERR_ACCESS (h is a writer), MSL_ERR_NOMEM,
 *         MSL_ERR_SYSTEM.
 */
MSL_API int msl_get_info(msl_handle *h, uint32_t *max_msg_size,
                         uint32_t *next_size, uint32_t *msg_count,
                         uint32_t *read_timeout);

/** SetMailslotInfo(): sets the reader's read timeout. 0 or MSL_ERR_ARG /
 *  MSL_ERR_ACCESS (h is a writer) / MSL_ERR_SYSTEM (the value could not
 *  be published for msl_stat; the handle's timeout is set). */
MSL_API int msl_set_timeout(msl_handle *h, uint32_t read_timeout_ms);

/**
 * A file descriptor for poll/epoll, owned by the handle (do not close or
 * read it). For a reader it is readable while a message may be waiting
 * (then msl_read_ex(h, ..., 0) does not block); for a writer it is writable
 * while the slot's queue has room. Returns the fd or MSL_ERR_ARG /
 * MSL_ERR_SYSTEM.
 */
MSL_API int msl_fd(msl_handle *h);

/**
 * Closes a handle (NULL is ignored). Closing a reader removes the name;
 * messages still queued are discarded. In a fork()ed child that inherited a
 * reader, closing only releases the child's copies and keeps the name.
 */
MSL_API void msl_close(msl_handle *h);

/**
 * Looks up the live local mailslot `path` without opening it, as its reader
 * publishes it: *max_msg_size (as given to msl_create), *read_timeout
 * (kept current by msl_set_timeout) and *reader_pid. Any pointer may be
 * NULL. For the queue (next size, count) ask the reader: msl_query().
 * @return 0, or MSL_ERR_ARG, MSL_ERR_BAD_PATH, MSL_ERR_UNSUPPORTED (a
 *         network path), MSL_ERR_NOT_FOUND (no live reader),
 *         MSL_ERR_ACCESS, MSL_ERR_SYSTEM.
 */
MSL_API int msl_stat(const char *path, uint32_t *max_msg_size,
                     uint32_t *read_timeout, long *reader_pid);

/**
 * GetMailslotInfo() from another process: asks the reader of the local
 * mailslot `path` for its four values (as msl_get_info() would return
 * them) and waits up to wait_ms (or MSL_WAIT_FOREVER) for the answer. Only
 * the reader sees its queue, so it answers itself, whenever its library
 * touches the slot's socket: inside msl_read / msl_read_ex (also while
 * blocked waiting), msl_get_info, msl_serve. The request is never a
 * message. Needs the same permission as writing. Any pointer may be NULL.
 * @return 0, or MSL_ERR_TIMEOUT (the reader did not answer in time: it is
 *         busy, stopped, or not reading), MSL_ERR_NOT_FOUND (no reader, or
 *         it closed or dropped the request), MSL_ERR_INVALID (its answer
 *         does not parse), MSL_ERR_UNSUPPORTED (a network path, or an
 *         answer of another version), MSL_ERR_ACCESS, MSL_ERR_ARG,
 *         MSL_ERR_BAD_PATH, MSL_ERR_NOMEM, MSL_ERR_SYSTEM.
 */
MSL_API int msl_query(const char *path, uint32_t wait_ms,
                      uint32_t *max_msg_size, uint32_t *next_size,
                      uint32_t *msg_count, uint32_t *read_timeout);

/**
 * For a reader that is not reading: waits up to timeout_ms (0, ms or
 * MSL_WAIT_FOREVER) for info requests (msl_query) and answers them.
 * Messages arriving meanwhile move to the handle's own queue and are read
 * later, in order, with msl_read(). Returns the number of requests
 * answered (> 0), or MSL_ERR_TIMEOUT (none arrived), MSL_ERR_QUEUE_FULL
 * (the handle's queue is at its bound: read first), MSL_ERR_ACCESS (h is a
 * writer), MSL_ERR_ARG, MSL_ERR_NOMEM, MSL_ERR_SYSTEM.
 */
MSL_API int msl_serve(msl_handle *h, uint32_t timeout_ms);

/**
 * The directory holding this process's local mailslots (MAILSLOT_RUNDIR,
 * else /run/mailslot for root, $XDG_RUNTIME_DIR/mailslot or
 * /tmp/mailslot-UID otherwise), NUL-terminated into buf.
 * @return its length, or MSL_ERR_ARG / MSL_ERR_BUFFER_TOO_SMALL.
 */
MSL_API int msl_rundir(char *buf, size_t cap);

/* ======================================================================
 * Network mailslots (api/msl_remote.c, net/; docs/network.md).
 *
 * msl_open() also takes "\\HOST\mailslot\NAME", "\\DOMAIN\mailslot\NAME"
 * and "\\*\mailslot\NAME": the handle's msl_write() sends each message
 * as a NetBIOS datagram, through mailslotd when it runs, directly
 * otherwise. A message longer than the Windows limit for the name (424
 * bytes for a 5-8 character name) fails with MSL_ERR_MSG_TOO_BIG unless
 * the handle was opened with MSL_OPEN_FRAGMENT. Samba hosts receive less:
 * nmbd drops a datagram of more than 576 bytes of UDP payload (406 bytes
 * of message for a 5-8 character name); MSL_OPEN_FIT576 keeps to that
 * (docs/interop.md, "Message sizes").
 * ====================================================================== */

/* msl_open_ex() flags. */
#define MSL_OPEN_FRAGMENT 0x1u /* network: allow messages up to 65,000+
                                  bytes, sent as RFC 1002 fragments (only
                                  libmailslot receivers reassemble them) */
#define MSL_OPEN_DIRECT 0x2u   /* network: never go through mailslotd */
#define MSL_OPEN_FIT576 0x4u   /* network: every datagram within 576 bytes
                                  of UDP payload, the most Samba's nmbd
                                  receives: longer messages fail with
                                  MSL_ERR_MSG_TOO_BIG (with
                                  MSL_OPEN_FRAGMENT: are sent as fragments
                                  that fit) */

/**
 * msl_open() with flags (MSL_OPEN_*; local paths ignore them).
 * @return 0, or for any path MSL_ERR_ARG, MSL_ERR_BAD_PATH,
 *         MSL_ERR_NOT_FOUND, MSL_ERR_ACCESS, MSL_ERR_NOMEM, MSL_ERR_SYSTEM
 *         (as msl_open), and for network paths: MSL_ERR_NAME (host or
 *         domain not a valid NetBIOS name, or a bad $MAILSLOT_NAME /
 *         $MAILSLOT_SCOPE), MSL_ERR_ACCESS / MSL_ERR_SYSTEM (no socket
 *         could be opened), MSL_ERR_NO_INTERFACE (a group send and no up
 *         IPv4 interface, or $MAILSLOT_INTERFACE is not one),
 *         MSL_ERR_NAME_NOT_FOUND (a host written as a DNS name that does
 *         not resolve), MSL_ERR_MSG_TOO_BIG (MSL_OPEN_FIT576 and a scope
 *         that leave no room for a message), MSL_ERR_TOO_MANY (this
 *         user's share of mailslotd is used up: writers open through it,
 *         requests waiting for a name), MSL_ERR_TIMEOUT (mailslotd did not
 *         answer), MSL_ERR_INVALID (mailslotd's answer does not parse).
 */
MSL_API int msl_open_ex(const char *path, unsigned flags, msl_handle **out);

/**
 * Largest message msl_write() accepts on a network handle opened for
 * `path` with `flags` (without opening anything or asking the network):
 *  - 0: the Windows limit, 432 - ROUND_UP_4(length of the name after
 *    "\mailslot\") [MS-MAIL <2>], 424 for a 5-8 character name;
 *  - MSL_OPEN_FIT576: the largest message whose datagram is at most 576
 *    bytes of UDP payload, what Samba receives: 406 for a 5-8 character
 *    name, less with a NetBIOS scope (mailslotd's when it runs and
 *    MSL_OPEN_DIRECT is not given, else $MAILSLOT_SCOPE's);
 *  - MSL_OPEN_FRAGMENT (with or without MSL_OPEN_FIT576): what fits a
 *    65535-byte SMB, sent as RFC 1002 fragments.
 * Returns the size, or MSL_ERR_ARG (NULL path), MSL_ERR_BAD_PATH (not a
 * network mailslot path, or a name too long for any message), MSL_ERR_NAME
 * (a bad $MAILSLOT_SCOPE).
 */
MSL_API int msl_remote_max_message(const char *path, unsigned flags);

/* The network service (UDP 138) running inside this process. */
typedef struct msl_service msl_service;

/* Log levels (the "log-level" setting and the log sink's level). */
enum msl_log_level {
  MSL_LOG_ERR = 0,
  MSL_LOG_WARN = 1,
  MSL_LOG_INFO = 2,
  MSL_LOG_DEBUG = 3,
};

/* Receives the service's log lines (msg has no newline). Called from the
 * service's thread. */
typedef void (*msl_log_fn)(void *user, int level, const char *msg);

/*
 * The service's configuration: opaque, so that settings can be added
 * without breaking programs built against an older library. Settings are
 * "key = value" pairs with the keys and values of mailslotd.conf(5) (the
 * daemon's long option names): "name", "workgroup", "interface", "wins",
 * "dgram-port", "name-port", "messenger", "no-announce", "site",
 * "relay-peer", ... plus "no-browser" (none of the browser's names) and
 * "no-control-socket" (no mailslotd.ctl) for embedded services. The
 * defaults are an embedded service's: UDP 138, no name service
 * ("name-port" 0), every up IPv4 interface but loopback, the host name in
 * WORKGROUP, log level "warning" and no log sink.
 */
typedef struct msl_service_config msl_service_config;

/** A configuration with the defaults in *out (free it with
 *  msl_service_config_free). 0, or MSL_ERR_ARG / MSL_ERR_NOMEM. */
MSL_API int msl_service_config_new(msl_service_config **out);

/** Frees cfg (NULL ignored). Services made from it keep working. */
MSL_API void msl_service_config_free(msl_service_config *cfg);

/**
 * Sets one setting; the value is copied. List settings ("interface",
 * "wins", "relay-peer", "relay-pin", "relay-allow") add an entry; yes/no
 * settings take "yes"/"no" ("true"/"false", "on"/"off", "1"/"0"; NULL or
 * "" is yes); numbers are decimal, "relay-queue" takes a K, M or G suffix;
 * file settings ("relay-cert", "relay-key", "relay-ca") are checked now
 * (readable; a key no one but its owner may read).
 * @return 0, or MSL_ERR_ARG (NULL cfg or key, or an unknown key),
 *         MSL_ERR_INVALID (a value the setting does not take),
 *         MSL_ERR_TOO_MANY (a list is full), MSL_ERR_ACCESS (a file that
 *         cannot be read, or a key others may read), MSL_ERR_NOMEM. On
 *         error, msl_service_config_error() tells why.
 */
MSL_API int msl_service_config_set(msl_service_config *cfg, const char *key,
                                   const char *value);

/** Puts a setting back to its default (a list becomes empty). 0, or
 *  MSL_ERR_ARG (NULL cfg or key, or an unknown key). */
MSL_API int msl_service_config_unset(msl_service_config *cfg,
                                     const char *key);

/** Why the last msl_service_config_set(), _unset() or _check() failed
 *  ("" when none did); valid until the next call on cfg. */
MSL_API const char *msl_service_config_error(const msl_service_config *cfg);

/** Checks the settings against each other (the relay needs "site",
 *  "relay-cert", "relay-key", "relay-ca" and "relay-listen" or a
 *  "relay-peer"), as msl_service_create() does. 0, or MSL_ERR_ARG with
 *  the reason in msl_service_config_error(). */
MSL_API int msl_service_config_check(msl_service_config *cfg);

/** The log sink (fn NULL: none); the "log-level" setting says which
 *  lines reach it. 0, or MSL_ERR_ARG. */
MSL_API int msl_service_config_set_log(msl_service_config *cfg,
                                       msl_log_fn fn, void *user);

/**
 * For a service started as root that then switches user (mailslotd, after
 * msl_service_create): the user it will run as, who gets the control
 * directory, and the group slots admit network messages through, which
 * gets the run directory (mode 3777: docs/local-mailslots.md,
 * "Permissions"). -1 leaves either as it is (the default). 0, or
 * MSL_ERR_ARG.
 */
MSL_API int msl_service_config_set_run_ids(msl_service_config *cfg,
                                           long uid, long gid);

/**
 * Creates the service as msl_service_start() does, without running it:
 * the ports and the control socket are bound, the names registered; then
 * run it in the calling thread with msl_service_run(). A daemon drops its
 * privileges in between (mailslotd). msl_service_stop() frees it once
 * msl_service_run() has returned.
 * @return what msl_service_start() returns: 0, or MSL_ERR_ARG,
 *         MSL_ERR_ACCESS, MSL_ERR_EXISTS, MSL_ERR_NO_INTERFACE,
 *         MSL_ERR_INVALID, MSL_ERR_NOMEM, MSL_ERR_SYSTEM.
 */
MSL_API int msl_service_create(const msl_service_config *cfg,
                               msl_service **out);

/**
 * Runs a service made by msl_service_create() in the calling thread until
 * msl_service_request_stop(). Returns 0, or MSL_ERR_SYSTEM when polling
 * fails, MSL_ERR_ARG.
 */
MSL_API int msl_service_run(msl_service *s);

/** Makes msl_service_run() return soon; async-signal-safe. */
MSL_API void msl_service_request_stop(msl_service *s);

/**
 * Embedded mode: starts the datagram service in a thread of this process.
 * It binds UDP dgram_port on every address and, unless MSL_SERVICE_NO_CTL,
 * the control socket in the run directory, then delivers datagrams for our
 * names to this host's local mailslots (any process's) as mailslotd does.
 * @return 0, or MSL_ERR_ARG (bad configuration, a name, workgroup or
 *         scope that is no NetBIOS name included), MSL_ERR_ACCESS (the
 *         port needs privilege: root or CAP_NET_BIND_SERVICE; a run or
 *         control directory that cannot be used; a relay key others may
 *         read or that cannot be read), MSL_ERR_EXISTS (the port is in
 *         use, or a mailslotd owns the run directory),
 *         MSL_ERR_NO_INTERFACE (an interface named in the config is not
 *         up), MSL_ERR_INVALID (a relay certificate, key or CA that does
 *         not load, or a key that is not the certificate's), MSL_ERR_NOMEM,
 *         MSL_ERR_SYSTEM.
 */
MSL_API int msl_service_start(const msl_service_config *cfg,
                              msl_service **out);

/** The service's counters as "name value" lines into buf (NUL-terminated).
 *  Returns the length or MSL_ERR_ARG / MSL_ERR_BUFFER_TOO_SMALL. */
MSL_API int msl_service_status(msl_service *s, char *buf, size_t cap);

/**
 * Asks the service to read the interface list again now, as it does every
 * 60 s (mailslotd: SIGHUP): names are registered on new interfaces and
 * released on vanished ones, broadcasts follow. The re-scan runs in the
 * service's thread; this only sets a flag and wakes it, so it is
 * thread-safe and async-signal-safe. NULL ignored.
 */
MSL_API void msl_service_rescan(msl_service *s);

/** Stops the service thread (if msl_service_start made one), closes its
 *  sockets, removes the control socket and frees it (NULL ignored). */
MSL_API void msl_service_stop(msl_service *s);

/**
 * Asks mailslotd (through its control socket) for its counters, as
 * msl_service_status() prints them.
 * @return the length, MSL_ERR_ARG (NULL buf, cap 0), MSL_ERR_NO_SERVICE
 *         (no mailslotd), MSL_ERR_ACCESS (its control socket fails the
 *         ownership checks), MSL_ERR_TIMEOUT, MSL_ERR_BUFFER_TOO_SMALL,
 *         MSL_ERR_INVALID (a reply that does not parse), MSL_ERR_NOMEM,
 *         MSL_ERR_SYSTEM.
 */
MSL_API int msl_service_query_status(char *buf, size_t cap);

/* The NetBIOS names mailslotd (or an embedded service) registered. */
typedef struct msl_service_identity {
  char name[16];      /* computer name, as registered (upper case) */
  char workgroup[16]; /* workgroup or domain */
  char scope[256];    /* NetBIOS scope ID; "" for none */
  char reserved[64];  /* zero: room for fields to come (1.x ABI) */
} msl_service_identity;

/**
 * Asks mailslotd (through its control socket) which names it speaks
 * with, so that a client's own requests carry them (mailslot browse and
 * dc-ping put them in their datagrams: replies sent to that name reach
 * this host). Strings are NUL-terminated; a name may hold any byte but
 * NUL and '.'.
 * @return 0, or MSL_ERR_ARG (NULL out), MSL_ERR_NO_SERVICE (no mailslotd),
 *         MSL_ERR_ACCESS (its control socket fails the ownership checks),
 *         MSL_ERR_TIMEOUT, MSL_ERR_UNSUPPORTED (a mailslotd too old to
 *         tell), MSL_ERR_INVALID (a reply that does not parse),
 *         MSL_ERR_SYSTEM.
 */
MSL_API int msl_service_query_identity(msl_service_identity *out);

/* ======================================================================
 * NetBIOS name-service clients (api/msl_nbt.c), like nmblookup and
 * `nbtstat -A`: they send from an ephemeral UDP port (no mailslotd
 * needed), with unpredictable TRN_IDs, 3 requests 250 ms apart [RFC 1002
 * §6 BCAST_REQ_RETRY_*], and take an answer only with that TRN_ID and
 * name and, unless broadcast, from an address asked.
 * ====================================================================== */

/* msl_nb_opts.flags: the dst are broadcast addresses (nmblookup -B; else
 * unicast, -U). */
#define MSL_NB_BROADCAST 0x1u

/* Where and how to ask. Zero it, then set what you need. */
typedef struct msl_nb_opts {
  const uint32_t *dst;  /* IPv4 addresses, network order (in_addr.s_addr);
                           NULL with n_dst 0: the broadcast address of
                           every up IPv4 interface but loopback */
  size_t n_dst;
  const char *scope;    /* NetBIOS scope ID; NULL or "" for none */
  uint32_t timeout_ms;  /* answers are awaited this long (at most an
                           hour); 0: 1000 */
  uint16_t port;        /* the name-service port asked; 0: 137 */
  uint16_t flags;       /* MSL_NB_BROADCAST */
  uint32_t reserved[8]; /* zero: room for fields to come (1.x ABI) */
} msl_nb_opts;

/* An address of a name, as one node answered [RFC 1002 §4.2.13]. */
typedef struct msl_nb_addr {
  uint32_t addr;        /* NB_ADDRESS, network order */
  uint32_t from;        /* the node that answered, network order */
  uint32_t ttl;         /* seconds */
  uint16_t nb_flags;    /* NB_FLAGS: 0x8000 group, 0x6000 the node type
                           (0 B, 1 P, 2 M, 3 H) */
  uint16_t reserved0;   /* zero */
  uint32_t reserved[4]; /* zero: room for fields to come (1.x ABI) */
} msl_nb_addr;

/* One entry of a node's name table [RFC 1002 §4.2.18]. */
typedef struct msl_nb_name {
  uint8_t name[16];     /* raw NetBIOS name (15 bytes + suffix) */
  uint16_t flags;       /* NAME_FLAGS: 0x8000 group, 0x6000 node type,
                           0x1000 deregistering, 0x0800 conflict, 0x0400
                           active, 0x0200 permanent */
  uint16_t reserved0;   /* zero */
  uint32_t reserved[2]; /* zero: room for fields to come (1.x ABI) */
} msl_nb_name;

/* What a node-status answer says besides its names. */
typedef struct msl_nb_status {
  uint32_t from;        /* the node that answered, network order */
  uint32_t n_names;     /* names in its table (more than max: cut) */
  uint8_t mac[6];       /* its UNIT_ID (MAC address) */
  uint8_t reserved0[2]; /* zero */
  uint32_t reserved[8]; /* zero: room for fields to come (1.x ABI) */
} msl_nb_status;

/**
 * NetBIOS name query for name (16 raw bytes: 15 + suffix, as
 * msl_msg_info.src_name) in opts->scope, sent to every opts->dst (opts
 * NULL: all zero). Collects the answers for opts->timeout_ms: each
 * address of each positive answer, once per node, at most max into out.
 * @return the number stored (0: nobody answered), or MSL_ERR_ARG (NULL
 *         name, out NULL with max > 0, reserved not zero, dst NULL with
 *         n_dst > 0), MSL_ERR_NAME (bad scope), MSL_ERR_NO_INTERFACE (no
 *         dst and no broadcast interface), MSL_ERR_NOMEM, MSL_ERR_SYSTEM
 *         (no socket, no random bytes, a send failed).
 */
MSL_API int msl_nb_query(const uint8_t name[16], const msl_nb_opts *opts,
                         msl_nb_addr *out, size_t max);

/**
 * Node status of ip (IPv4, network order): asks it for its name table
 * (question "*" in opts->scope; opts->dst, n_dst and flags are not used)
 * and waits at most opts->timeout_ms for the answer. At most max names go
 * into names; *info (NULL: not wanted) gets the rest.
 * @return the number of names stored, or MSL_ERR_NAME_NOT_FOUND (no
 *         answer, a negative one, or refused: nothing listens on the
 *         port), MSL_ERR_ARG (names NULL with max > 0, reserved not zero),
 *         MSL_ERR_NAME (bad scope), MSL_ERR_NOMEM, MSL_ERR_SYSTEM (no
 *         socket, no random bytes).
 */
MSL_API int msl_nb_node_status(uint32_t ip, const msl_nb_opts *opts,
                               msl_nb_name *names, size_t max,
                               msl_nb_status *info);

#ifdef __cplusplus
}
#endif

#endif /* MAILSLOT_H */
