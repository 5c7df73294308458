/* The `mailslot` command: dispatches to one subcommand per job. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "mailslot.h"

struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *help;
};

static const struct command commands[] = {
    {"verify", cmd_verify,
     "decode every NetBIOS packet of capture files, re-encode it and compare"},
    {"decode", cmd_decode,
     "show the NetBIOS datagrams and name-service packets of capture files"},
    {"sniff", cmd_sniff, "capture and decode NetBIOS traffic live"},
    {"listen", cmd_listen, "create a local mailslot and print its messages"},
    {"send", cmd_send, "write one message to a mailslot"},
    {"info", cmd_info, "show a local mailslot's settings"},
    {"resolve", cmd_resolve, "resolve a NetBIOS name by broadcast query"},
    {"nbstat", cmd_nbstat, "show a host's NetBIOS name table and MAC"},
    {"browse", cmd_browse, "list hosts and workgroups (browser)"},
    {"dc-ping", cmd_dc_ping, "find a domain's controllers (netlogon ping)"},
    {"status", cmd_status, "the running mailslotd's counters and relay links"},
};

static void usage(FILE *out) {
  fprintf(out, "usage: mailslot COMMAND [ARGS...]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
  fprintf(out, "\n`mailslot COMMAND --help` describes a command.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(stdout);
    return EXIT_OK;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("mailslot (libmailslot) %s\n", msl_version());
    return EXIT_OK;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name))
      return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "mailslot: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return EXIT_USAGE;
}
