/* msl_open / msl_open_ex: a local path to its slot (local/), a network
 * path to a sender (api/msl_remote.c). */
#include "mailslot.h"
#include "msl_local.h"
#include "msl_remote.h"

int msl_open_ex(const char *path, unsigned flags, msl_handle **out) {
  if (path && out && msl_remote_is_remote(path))
    return msl_remote_open(path, flags, out);
  return msl_local_open(path, out);
}

int msl_open(const char *path, msl_handle **out) {
  return msl_open_ex(path, 0, out);
}
