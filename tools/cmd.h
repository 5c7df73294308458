/* Subcommands of the `mailslot` tool. Each takes the arguments after its
 * own name (argv[0] is the subcommand) and returns the process exit code. */
#ifndef MSL_TOOLS_CMD_H
#define MSL_TOOLS_CMD_H

/* Exit codes shared by the subcommands. */
enum {
  EXIT_OK = 0,
  EXIT_FAILED = 1, /* the command ran and found a problem */
  EXIT_USAGE = 2,  /* bad arguments */
  EXIT_INPUT = 3,  /* an input could not be read */
};

int cmd_verify(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_sniff(int argc, char **argv);
int cmd_listen(int argc, char **argv); /* cmd_local.c */
int cmd_send(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_resolve(int argc, char **argv); /* cmd_nbt.c */
int cmd_nbstat(int argc, char **argv);
int cmd_browse(int argc, char **argv); /* cmd_browse.c */
int cmd_dc_ping(int argc, char **argv);
int cmd_status(int argc, char **argv); /* cmd_status.c */

#endif /* MSL_TOOLS_CMD_H */
