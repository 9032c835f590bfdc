/*
 * main.c - svmtool: one command line, run through the dispatcher
 */
#include "svmtool-cmd.h"

#include <stdlib.h>

int main(int argc, char **argv)
{
	struct cli_ctx ctx;
	int ret;

	/* Options may follow names, as the synopses show, whatever the
	 * environment asks of getopt. */
	unsetenv("POSIXLY_CORRECT");
	/* A writer may truncate an object under our mappings: survive it. */
	svmt_sigbus_guard_install();
	cli_ctx_init(&ctx);
	ret = cli_run(&ctx, argc, argv);
	cli_ctx_release(&ctx);
	return ret;
}
