#!/bin/sh
# abidw's options for libmailslot's ABI (`make abi-baseline`,
# tests/check-abi.sh): the exported functions and the types of the public
# headers only, without build paths. abidw-flags.sh SRCDIR BUILDDIR
echo "--headers-dir $1/include --header-file $2/include/mailslot_version.h" \
  "--no-corpus-path --no-show-locs --exported-interfaces-only --drop-private-types"
