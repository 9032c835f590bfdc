/*
 * commands.c - the command table: one source for dispatch, help and the
 * shell's completion
 */
#include "svmtool-cmd.h"

#include <string.h>

/*
 * The commands, in the order help lists them.
 *
 * How to add a command "foo":
 *  1. write cmd/cmd-foo.c exporting
 *	int cmd_foo(struct cli_ctx *ctx, int argc, char **argv):
 *     argv[0] is "foo"; parse with cli_parse() (--help first in the table),
 *     then get the namespace with cli_ns_open() (never close it: the
 *     context owns it); return an exit status, never exit(), free
 *     everything on every path;
 *  2. declare cmd_foo in cmd/svmtool-cmd.h;
 *  3. add a row below: .flags says how it uses the namespace (CLI_NS_*)
 *     and where it runs (CLI_NOT_IN_SHELL, CLI_SHELL_ONLY);
 *  4. write test/cli/foo.bats and man/svmtool-foo.1, and teach the
 *     completions in completions/ the new command.
 * Names are matched exactly: no abbreviations.
 */
const struct cli_command cli_commands[] = {
	{ .name = "create", .fn = cmd_create, .flags = CLI_NS_WRITE,
	  .summary = "create a persistent region" },
	{ .name = "map", .fn = cmd_map, .flags = CLI_NS_ATTACH,
	  .summary = "attach a region and print where it is" },
	{ .name = "list", .fn = cmd_list, .flags = CLI_NS_READ,
	  .summary = "list regions, their clients and locks" },
	{ .name = "scan", .fn = cmd_scan, .flags = CLI_NS_WRITE,
	  .summary = "find and remove dead clients" },
	{ .name = "unmap", .fn = cmd_unmap, .flags = CLI_NS_WRITE,
	  .summary = "remove regions" },
	{ .name = "recover", .fn = cmd_recover, .flags = CLI_NS_WRITE,
	  .summary = "repair locks, half-created regions and the directory" },
	{ .name = "read", .fn = cmd_read, .flags = CLI_NS_READ,
	  .summary = "copy a region's data to stdout" },
	{ .name = "write", .fn = cmd_write, .flags = CLI_NS_WRITE,
	  .summary = "copy stdin into a region's data" },
	{ .name = "shell", .fn = cmd_shell, .flags = CLI_NOT_IN_SHELL,
	  .summary = "an interactive console, or a batch of commands" },
	{ .name = "help", .fn = cmd_help, .flags = CLI_NS_NONE,
	  .summary = "show help for svmtool or a command" },
	/* The shell's own words. */
	{ .name = "show", .fn = cmd_show, .flags = CLI_NS_READ | CLI_SHELL_ONLY,
	  .summary = "describe regions as format_svm_region did" },
	{ .name = "root", .fn = cmd_root, .flags = CLI_SHELL_ONLY,
	  .summary = "switch to another namespace" },
	{ .name = "hold", .fn = cmd_hold, .flags = CLI_NS_ATTACH | CLI_SHELL_ONLY,
	  .summary = "attach a region until released" },
	{ .name = "release", .fn = cmd_release, .flags = CLI_SHELL_ONLY,
	  .summary = "detach regions the shell holds" },
	{ .name = "status", .fn = cmd_status, .flags = CLI_SHELL_ONLY,
	  .summary = "print the exit status of the last command" },
	{ .name = "quit", .fn = cmd_quit, .flags = CLI_SHELL_ONLY,
	  .summary = "leave the shell" },
	{ .name = "exit", .fn = cmd_quit, .flags = CLI_SHELL_ONLY,
	  .summary = "leave the shell" },
	{ .name = NULL },
};

const struct cli_command *cli_find_command(const struct cli_ctx *ctx,
					   const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++) {
		if (strcmp(c->name, name))
			continue;
		if (ctx->in_shell ? (c->flags & CLI_NOT_IN_SHELL)
				  : (c->flags & CLI_SHELL_ONLY))
			return NULL;
		return c;
	}
	return NULL;
}
