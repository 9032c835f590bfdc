/*
 * cmd-map.c - svmtool map: attach a region, print where it is, maybe hold it
 */
#include "svmtool-cmd.h"

#include <argtable2.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static const char usage[] = "svmtool map NAME [--hold]";
static const char what[] =
	"Attach region NAME at its address and print its name, base and size.\n"
	"With --hold, print a ready line and stay attached until SIGINT, SIGTERM "
	"or\nSIGHUP, then detach cleanly.";

/* Wait for SIGINT, SIGTERM or SIGHUP (blocked since before @ready). */
static void hold(const sigset_t *set, const char *name)
{
	int sig;

	printf("%s: ready, holding as pid %d until SIGINT, SIGTERM or SIGHUP\n",
	       name, (int)getpid());
	fflush(stdout);
	while (sigwait(set, &sig) != 0)
		;
}

static int do_map(const char *name, int hold_it)
{
	struct svmt_ns_opts nso;
	struct svmt_region_opts ro;
	struct svmt_region_info ri;
	sigset_t set, old;
	svmt_region *r;
	svmt_ns *ns;
	int err, ret;

	cli_ns_opts(&nso, 0);
	err = svmt_ns_open(&nso, &ns);
	if (err < 0)
		return cli_fail(err, "map", name);
	svmt_region_opts_init(&ro);
	err = svmt_region_open(ns, name, &ro, &r);
	if (err < 0) {
		ret = cli_fail(err, "map", name);
		svmt_ns_close(ns);
		return ret;
	}
	memset(&ri, 0, sizeof(ri));
	snprintf(ri.name, sizeof(ri.name), "%s", svmt_region_name(r));
	ri.base = svmt_region_base(r);
	ri.size = svmt_region_size(r);
	ri.data_base = (uint64_t)(uintptr_t)svmt_region_data(r);
	ri.data_size = svmt_region_data_size(r);
	err = cli_print_region_line(&ri);
	ret = err < 0 ? cli_fail(err, "map", name) : CLI_EXIT_OK;
	if (ret == CLI_EXIT_OK && hold_it) {
		/* Blocked before the ready line: no signal is lost. */
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGHUP);
		pthread_sigmask(SIG_BLOCK, &set, &old);
		hold(&set, ri.name);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	err = svmt_region_close(r);
	if (err < 0 && ret == CLI_EXIT_OK)
		ret = cli_fail(err, "detach from", name);
	svmt_ns_close(ns);
	return ret;
}

int cmd_map(int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_lit *hold_opt = arg_lit0(NULL, "hold",
					    "stay attached until a signal");
	struct arg_str *name = arg_str1(NULL, NULL, "NAME", "the region's name");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, hold_opt, name, end };
	const int n = (int)(sizeof(table) / sizeof(table[0]));
	int ret;

	if (arg_nullcheck(table)) {
		cli_warn("out of memory");
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	ret = cli_parse(argc, argv, table, n, usage, what);
	if (ret >= 0)
		goto out;
	ret = cli_check_name("map", name->sval[0]);
	if (ret == 0)
		ret = do_map(name->sval[0], hold_opt->count > 0);
out:
	arg_freetable(table, (size_t)n);
	return ret;
}
