/*
 * cmd-recover.c - svmtool recover: repair what crashed processes left
 */
#include "svmtool-cmd.h"

static const char usage[] = "svmtool recover [NAME...] [--dry-run]";
static const char what[] =
	"Repair the namespace: locks held by dead processes or broken, regions "
	"left\nhalf-created by dead creators, directory entries without "
	"objects, objects\nmissing from the directory and lost address space.  "
	"Corrupt objects are\nreported and left alone.  One line per finding.  "
	"With --dry-run nothing\nchanges and the exit status is 6 when something "
	"was found.";

int cmd_recover(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_check recover = {
		.name = "recover", .usage = usage, .what = what,
		.names_help = "only these regions (and the namespace)",
		.flags = 0, .fn = svmt_recover,
	};

	return cli_check_command(ctx, argc, argv, &recover);
}
