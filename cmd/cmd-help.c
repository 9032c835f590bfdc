/*
 * cmd-help.c - svmtool help [COMMAND], and the text of svmtool --help
 */
#include "svmtool-cmd.h"

#include <string.h>

const char cli_synopsis[] =
	"usage: svmtool [-R ROOT] [--shm-dir DIR] [-T SECONDS] [--trust USER] "
	"COMMAND\n"
	"               [OPTIONS] [--] [ARGS]\n"
	"       svmtool [GLOBAL-OPTIONS] -b FILE\n";

void cli_print_help(const struct cli_ctx *ctx, FILE *fp)
{
	fputs(cli_synopsis, fp);
	fputs("\nShared virtual memory regions at fixed addresses.\n"
	      "\nOptions:\n"
	      "  -R, --root=ROOT       namespace to work in (default \""
	      SVMT_DEFAULT_ROOT "\"; env SVMTOOL_ROOT)\n"
	      "      --shm-dir=DIR     directory of the objects (default "
	      SVMT_DEFAULT_SHM_DIR "; env SVMTOOL_SHM_DIR)\n"
	      "  -T, --timeout=SECONDS how long to wait for locks, 0 = not at "
	      "all (default 10)\n"
	      "      --trust=USER      let changing commands act on objects "
	      "USER owns\n"
	      "  -b, --batch=FILE      run the commands of FILE, one per line "
	      "(- for stdin)\n"
	      "  -h, --help            show this help\n"
	      "  -V, --version         show the version\n"
	      "\nCommands:\n", fp);
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (cli_find_command(ctx, c->name) == c)
			fprintf(fp, "  %-9s %s\n", c->name, c->summary);
	fputs("\nSee 'svmtool help COMMAND' or 'svmtool COMMAND --help' for a "
	      "command's options.\n"
	      "Exit status: 0 ok, 1 failure, 2 usage, 3 not found, 4 permission "
	      "denied, 5 busy,\n6 problems found by --dry-run.\n"
	      "\nSee svmtool(1) and svmtool-COMMAND(1).\n", fp);
}

/* "help COMMAND" is "COMMAND --help"; "help" alone is "svmtool --help". */
int cmd_help(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_command *c = argc > 1 ? cli_find_command(ctx, argv[1]) : NULL;
	char *args[] = { NULL, (char *)"--help", NULL };

	if (argc > 2)
		return cli_usage(NULL, "unexpected argument '%s' for help",
				 argv[2]);
	if (argc > 1 && !c && strcmp(argv[1], "--help") && strcmp(argv[1], "-h"))
		return cli_unknown_command(ctx, argv[1]);
	if (!c || c->fn == cmd_help) {
		cli_print_help(ctx, stdout);
		return CLI_EXIT_OK;
	}
	args[0] = argv[1];
	return c->fn(ctx, 2, args);
}
