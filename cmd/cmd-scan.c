/*
 * cmd-scan.c - svmtool scan: find and remove dead clients
 */
#include "svmtool-cmd.h"

#include <argtable2.h>

static const char usage[] = "svmtool scan [NAME...] [--dry-run]";
static const char what[] =
	"Find clients that died without detaching from the regions (all, or the "
	"ones\nnamed) and remove them; a region that is not persistent and is "
	"left without\nclients is destroyed.  One line per finding.  With "
	"--dry-run nothing changes\nand the exit status is 6 when something "
	"was found.";

int cmd_scan(int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_lit *dry_run = arg_lit0(NULL, "dry-run",
					   "only report, change nothing");
	struct arg_str *names = arg_strn(NULL, NULL, "NAME", 0, CLI_MAX_NAMES,
					 "only these regions");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, dry_run, names, end };
	const int n = (int)(sizeof(table) / sizeof(table[0]));
	int ret;

	ret = cli_parse(argc, argv, table, n, usage, what);
	if (ret >= 0)
		goto out;
	ret = cli_run_check("scan", names->sval, names->count,
			    dry_run->count > 0, SVMT_SCAN_DESTROY_EMPTY,
			    svmt_scan);
out:
	arg_freetable(table, (size_t)n);
	return ret;
}
