/* Names and sentences for every msl_err (include/mailslot.h) and every
 * codec-internal code (msl_proto_err.h): one table serves msl_strerror,
 * msl_err_name and msl_err_public. */
#include "msl_proto_err.h"

#include <stddef.h>

typedef struct err_row {
  int code;
  int internal; /* msl_proto_err.h: never returned by the public API */
  const char *name;
  const char *text;
} err_row;

#define E_PUB(c, t) {c, 0, #c, t}
#define E_INT(c, t) {c, 1, #c, t}

static const err_row rows[] = {
    E_PUB(MSL_OK, "success"),
    E_INT(MSL_ERR_TRUNCATED, "input ends inside a field (truncated)"),
    E_PUB(MSL_ERR_INVALID, "field holds a value the format forbids"),
    E_PUB(MSL_ERR_NAME, "malformed NetBIOS name"),
    E_INT(MSL_ERR_NAME_LOOP,
          "NetBIOS name compression loop or forward pointer"),
    E_INT(MSL_ERR_NAME_PTR,
          "NetBIOS name compression pointer not allowed here"),
    E_PUB(MSL_ERR_UNSUPPORTED, "message kind not supported"),
    E_INT(MSL_ERR_NOT_SMB, "user data is not an SMB message"),
    E_INT(MSL_ERR_NOT_MAILSLOT, "SMB message is not a mailslot write"),
    E_PUB(MSL_ERR_TOO_MANY,
          "too many at once (a limit on how many was reached)"),
    E_PUB(MSL_ERR_ARG, "invalid argument"),
    E_PUB(MSL_ERR_NOMEM, "out of memory"),
    E_PUB(MSL_ERR_SYSTEM, "system call failed"),
    E_PUB(MSL_ERR_EXISTS, "already exists (a mailslot of that name) or in "
                          "use (a port, a running mailslotd)"),
    E_PUB(MSL_ERR_NOT_FOUND,
          "no mailslot with that name (or its reader closed)"),
    E_PUB(MSL_ERR_TIMEOUT, "nothing arrived within the timeout"),
    E_PUB(MSL_ERR_BUFFER_TOO_SMALL, "buffer too small for the result"),
    E_PUB(MSL_ERR_QUEUE_FULL, "mailslot queue full, message not sent"),
    E_PUB(MSL_ERR_BAD_PATH, "invalid mailslot path"),
    E_PUB(MSL_ERR_ACCESS, "access denied"),
    E_PUB(MSL_ERR_MSG_TOO_BIG,
          "message larger than the mailslot's (or the format's) maximum size"),
    E_PUB(MSL_ERR_NO_SERVICE, "mailslotd is not running"),
    E_PUB(MSL_ERR_NO_INTERFACE, "no up IPv4 interface (or not the one named)"),
    E_PUB(MSL_ERR_NAME_NOT_FOUND, "no host answers for that name"),
};

static const err_row *find(int err) {
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
    if (rows[i].code == err)
      return &rows[i];
  return NULL;
}

const char *msl_strerror(int err) {
  const err_row *r = find(err);
  return r ? r->text : "unknown error";
}

const char *msl_err_name(int err) {
  const err_row *r = find(err);
  return r ? r->name : "MSL_ERR_UNKNOWN";
}

int msl_err_is_internal(int err) {
  const err_row *r = find(err);
  return r && r->internal;
}

int msl_err_public(int err) {
  if (err >= 0)
    return err;
  const err_row *r = find(err);
  return r && !r->internal ? err : MSL_ERR_INVALID;
}
