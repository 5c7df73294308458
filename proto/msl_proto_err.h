/*
 * The wire codec's own error codes. Only proto/ and the decoders built on
 * it (the capture's link layer and IP reassembly) produce them, to say
 * precisely why an input did not decode; the printers turn them into
 * sentences. They share the range of msl_err (include/mailslot.h) and
 * their values are reserved there, but they are not public: no function
 * of include/mailslot.h returns one. Where a codec result reaches the
 * public API it goes through msl_err_public(), which makes any of them
 * MSL_ERR_INVALID ("the input does not parse").
 */
#ifndef MSL_PROTO_ERR_H
#define MSL_PROTO_ERR_H

#include "mailslot.h"

enum msl_proto_err {
  MSL_ERR_TRUNCATED = -500,    /* input ends inside a field */
  MSL_ERR_NAME_LOOP = -504,    /* name compression pointer loop or forward
                                  jump */
  MSL_ERR_NAME_PTR = -505,     /* compression pointer where none is
                                  allowed */
  MSL_ERR_NOT_SMB = -507,      /* user data is not an SMB */
  MSL_ERR_NOT_MAILSLOT = -508, /* SMB is not a mailslot write */
};

/** 1 when err is one of the codes above (a codec-internal code). */
int msl_err_is_internal(int err);

/**
 * err as a public function may return it: a codec-internal code (or a
 * negative value that is no msl_err at all, such as a number a peer sent)
 * becomes MSL_ERR_INVALID; 0, lengths and public codes pass unchanged.
 */
int msl_err_public(int err);

#endif /* MSL_PROTO_ERR_H */
