/*
 * The wire codec, all modules. Semi-public: used by tools/, net/, tests and
 * fuzzers; not installed until its ABI settles.
 */
#ifndef MSL_PROTO_H
#define MSL_PROTO_H

#include "msl_buf.h"
#include "msl_nbname.h"
#include "msl_nbdgm.h"
#include "msl_reasm.h"
#include "msl_smbtr.h"
#include "msl_nbns.h"
#include "msl_browse.h"
#include "msl_netlogon.h"

#endif /* MSL_PROTO_H */
