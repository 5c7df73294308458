/* The one errno -> msl_err map (see msl_syserr.h). */
#include "msl_syserr.h"

#include <errno.h>

int msl_err_from_errno(int e) {
  switch (e) {
  case ENOENT:
  case ENOTDIR:
  case ECONNREFUSED:
  case ENOTCONN:
  case ECONNRESET:
  case EPIPE:
    return MSL_ERR_NOT_FOUND;
  case EACCES:
  case EPERM:
  case EROFS:
  case ELOOP:
    return MSL_ERR_ACCESS;
  case EEXIST:
  case EADDRINUSE:
    return MSL_ERR_EXISTS;
  case EAGAIN:
#if EWOULDBLOCK != EAGAIN
  case EWOULDBLOCK:
#endif
  case ENOBUFS:
    return MSL_ERR_QUEUE_FULL;
  case EMSGSIZE:
    return MSL_ERR_MSG_TOO_BIG;
  case ENOMEM:
    return MSL_ERR_NOMEM;
  default:
    return MSL_ERR_SYSTEM;
  }
}
