/*
 * The subcommand dispatch of the namespace tests' traffic tools (flood,
 * relay_tool): argv[1] names a command run with argv[1..].
 */
#ifndef SUBCMD_H
#define SUBCMD_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

typedef struct subcmd {
  const char *name;
  int (*run)(int argc, char **argv);
} subcmd;

/* Runs the command of cmds[0..n) that argv[1] names; without one, prints
 * usage and returns 2. */
static inline int subcmd_run(const subcmd *cmds, size_t n, int argc,
                             char **argv, const char *usage) {
  for (size_t i = 0; argc >= 2 && i < n; i++)
    if (strcmp(argv[1], cmds[i].name) == 0)
      return cmds[i].run(argc - 1, argv + 1);
  fputs(usage, stderr);
  return 2;
}

#endif /* SUBCMD_H */
