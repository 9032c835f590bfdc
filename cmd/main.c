/*
 * main.c - svmtool: global options and the command table
 */
#include "svmtool-cmd.h"

#include <errno.h>
#include <getopt.h>
#include <math.h> /* isfinite, a macro: no -lm */
#include <stdlib.h>
#include <string.h>

/*
 * The commands, in the order help lists them.
 *
 * How to add a command "foo":
 *  1. write cmd/cmd-foo.c exporting int cmd_foo(int argc, char **argv):
 *     argv[0] is "foo"; parse with cli_parse() (--help first in the table),
 *     return an exit status, never exit(), free everything on every path;
 *  2. declare cmd_foo in cmd/svmtool-cmd.h;
 *  3. add { .name = "foo", .fn = cmd_foo, .summary = "..." } below;
 *  4. write test/cli/foo.bats and man/svmtool-foo.1, and teach the
 *     completions in completions/ the new command.
 * Names are matched exactly: no abbreviations.
 */
const struct cli_command cli_commands[] = {
	{ .name = "create", .fn = cmd_create,
	  .summary = "create a persistent region" },
	{ .name = "map", .fn = cmd_map,
	  .summary = "attach a region and print where it is" },
	{ .name = "list", .fn = cmd_list,
	  .summary = "list regions, their clients and locks" },
	{ .name = "scan", .fn = cmd_scan,
	  .summary = "find and remove dead clients" },
	{ .name = "unmap", .fn = cmd_unmap,
	  .summary = "remove regions" },
	{ .name = "recover", .fn = cmd_recover,
	  .summary = "repair locks, half-created regions and the directory" },
	{ .name = "help", .fn = cmd_help,
	  .summary = "show help for svmtool or a command" },
	{ .name = NULL },
};

const struct cli_command *cli_find_command(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* Seconds as a decimal number ("0.5"), 0 = no wait; -1 when invalid. */
static int parse_timeout(const char *s)
{
	char *end;
	double v;
	size_t n = strspn(s, "0123456789"), m = 0;

	/* Decimal digits, one point at most: strtod also takes 0x10, 1e3. */
	if (s[n] == '.')
		m = strspn(s + n + 1, "0123456789");
	if (n + m == 0 || s[n + (s[n] == '.') + m])
		return -1;
	v = strtod(s, &end);
	if (end == s || *end || !isfinite(v) || v < 0 || v > 2000000.0)
		return -1;
	/* Round to milliseconds, but never turn a wait into "no wait". */
	return v > 0 && v < 0.001 ? 1 : (int)(v * 1000.0 + 0.5);
}

/*
 * Parse the global options (environment first, options override).  Returns
 * -1 to go on with the command at argv[optind], or an exit status.
 */
static int parse_globals(int argc, char **argv)
{
	enum { OPT_SHM_DIR = 256 };
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'R' },
		{ "shm-dir", required_argument, NULL, OPT_SHM_DIR },
		{ "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env, *root_env, *word;
	int ch;

	/* Options override the environment, which is checked only if used. */
	root_env = getenv("SVMTOOL_ROOT");
	if (root_env && root_env[0])
		cli.root = root_env;
	env = getenv("SVMTOOL_SHM_DIR");
	if (env && env[0])
		cli.shm_dir = env;

	/*
	 * Global options end at the command ('+'): what follows belongs to
	 * the command, which parses it with argtable2.
	 */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:R:T:hV", opts, NULL)) != -1) {
		word = argv[optind - 1];
		switch (ch) {
		case 'R':
			if (svmt_name_check(optarg) < 0)
				return cli_usage(NULL, "invalid root '%s': use 1 "
						 "to 63 of A-Z a-z 0-9 . _ -",
						 optarg);
			cli.root = optarg;
			break;
		case OPT_SHM_DIR:
			if (!optarg[0])
				return cli_usage(NULL, "invalid shm directory ''");
			cli.shm_dir = optarg;
			break;
		case 'T':
			cli.timeout_ms = parse_timeout(optarg);
			if (cli.timeout_ms < 0)
				return cli_usage(NULL, "invalid timeout '%s': "
						 "expected seconds, e.g. 0.5",
						 optarg);
			break;
		case 'h':
			cli_print_help(stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("svmtool %s\n", svmt_version());
			return CLI_EXIT_OK;
		case ':':
			return cli_usage(NULL, "option '%.*s' requires an argument",
					 (int)strcspn(word, "="), word);
		default:
			if (!strncmp(word, "--", 2) && !optopt)
				return cli_usage(NULL, "unknown option '%s'", word);
			/* --help=x, --version=x */
			if (!strncmp(word, "--", 2) && strchr(word, '=') &&
			    (optopt == 'h' || optopt == 'V'))
				return cli_usage(NULL, "option '%.*s' takes no "
						 "value", (int)strcspn(word, "="),
						 word);
			return cli_usage(NULL, "unknown option '-%c'", optopt);
		}
	}
	if (optind >= argc) {
		fputs(cli_synopsis, stderr);
		return cli_see_help(NULL);
	}
	if (cli.root && cli.root == root_env && svmt_name_check(root_env) < 0 &&
	    strcmp(argv[optind], "help"))
		return cli_usage(NULL, "invalid root '%s' (from SVMTOOL_ROOT)",
				 root_env);
	return -1;
}

int main(int argc, char **argv)
{
	const struct cli_command *c;
	int ret;

	/* Options may follow names, as the synopses show, whatever the
	 * environment asks of getopt. */
	unsetenv("POSIXLY_CORRECT");
	/* A writer may truncate an object under our mappings: survive it. */
	svmt_sigbus_guard_install();
	ret = parse_globals(argc, argv);

	if (ret < 0) {
		c = cli_find_command(argv[optind]);
		if (c)
			ret = c->fn(argc - optind, argv + optind);
		else
			ret = cli_usage(NULL, "unknown command '%s'",
					argv[optind]);
	}
	/* Data that never reached stdout is a failure (e.g. a full disk). */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		char buf[128];

		cli_warn("cannot write to stdout: %s",
			 cli_strerror(errno ? -errno : -EIO, buf, sizeof(buf)));
		if (ret == CLI_EXIT_OK)
			ret = CLI_EXIT_FAIL;
	}
	return ret;
}
