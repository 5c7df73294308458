/* msl_strerror: names every msl_err (include/mailslot.h). */
#include "mailslot.h"

const char *msl_strerror(int err) {
  switch ((msl_err)err) {
  case MSL_OK: return "success";
  case MSL_ERR_TRUNCATED: return "input ends inside a field (truncated)";
  case MSL_ERR_OVERFLOW: return "output buffer too small";
  case MSL_ERR_INVALID: return "field holds a value the format forbids";
  case MSL_ERR_NAME: return "malformed NetBIOS name";
  case MSL_ERR_NAME_LOOP: return "NetBIOS name compression loop or forward pointer";
  case MSL_ERR_NAME_PTR: return "NetBIOS name compression pointer not allowed here";
  case MSL_ERR_UNSUPPORTED: return "message kind not supported";
  case MSL_ERR_NOT_SMB: return "user data is not an SMB message";
  case MSL_ERR_NOT_MAILSLOT: return "SMB message is not a mailslot write";
  case MSL_ERR_LIMIT: return "a configured limit would be exceeded";
  case MSL_ERR_ARG: return "invalid argument";
  case MSL_ERR_TOO_BIG: return "message too large for the format";
  case MSL_ERR_NOMEM: return "out of memory";
  case MSL_ERR_SYSTEM: return "system call failed";
  case MSL_ERR_EXISTS: return "a mailslot with that name already exists";
  case MSL_ERR_NOT_FOUND: return "no mailslot with that name";
  case MSL_ERR_TIMEOUT: return "no message arrived within the timeout";
  case MSL_ERR_BUFFER_TOO_SMALL:
    return "buffer too small for the next message (message kept)";
  case MSL_ERR_QUEUE_FULL: return "mailslot queue full, message not sent";
  case MSL_ERR_BAD_PATH: return "invalid mailslot path";
  case MSL_ERR_ACCESS: return "access denied";
  case MSL_ERR_MSG_TOO_BIG:
    return "message larger than the mailslot's maximum size";
  }
  return "unknown error";
}
