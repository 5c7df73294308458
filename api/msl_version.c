/* msl_version: the version this library was built as. */
#include "mailslot.h"
#include "mailslot_version.h"

const char *msl_version(void) { return MSL_VERSION; }
