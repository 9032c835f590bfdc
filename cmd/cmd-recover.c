/*
 * cmd-recover.c - svmtool recover: repair what crashed processes left
 */
#include "svmtool-cmd.h"

#include <argtable2.h>

static const char usage[] = "svmtool recover [NAME...] [--dry-run]";
static const char what[] =
	"Repair the namespace: locks held by dead processes, regions left "
	"half-created\nby dead creators, directory entries without objects, "
	"objects missing from the\ndirectory and lost address space.  Corrupt "
	"objects are reported and left\nalone.  One line per finding.  With "
	"--dry-run nothing changes and the exit\nstatus is 6 when something "
	"was found.";

int cmd_recover(int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_lit *dry_run = arg_lit0(NULL, "dry-run",
					   "only report, change nothing");
	struct arg_str *names = arg_strn(NULL, NULL, "NAME", 0, CLI_MAX_NAMES,
					 "only these regions (and the namespace)");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, dry_run, names, end };
	const int n = (int)(sizeof(table) / sizeof(table[0]));
	int ret;

	ret = cli_parse(argc, argv, table, n, usage, what);
	if (ret >= 0)
		goto out;
	ret = cli_run_check("recover", names->sval, names->count,
			    dry_run->count > 0, 0, svmt_recover);
out:
	arg_freetable(table, (size_t)n);
	return ret;
}
