/*
 * cmd-scan.c - svmtool scan: find and remove dead clients
 */
#include "svmtool-cmd.h"

static const char usage[] = "svmtool scan [NAME...] [--dry-run]";
static const char what[] =
	"Find clients that died without detaching from the regions (all, or the "
	"ones\nnamed) and remove them; a region that is not persistent and is "
	"left without\nclients is destroyed.  One line per finding.  With "
	"--dry-run nothing changes\nand the exit status is 6 when something "
	"was found.";

int cmd_scan(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_check scan = {
		.name = "scan", .usage = usage, .what = what,
		.names_help = "only these regions",
		.flags = SVMT_SCAN_DESTROY_EMPTY, .fn = svmt_scan,
		.mappers = 1,
	};

	return cli_check_command(ctx, argc, argv, &scan);
}
