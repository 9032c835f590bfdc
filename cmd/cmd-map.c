/*
 * cmd-map.c - svmtool map: attach a region, print where it is, maybe hold it
 */
#include "svmtool-cmd.h"

#include <argtable2.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio_ext.h>
#include <string.h>
#include <unistd.h>

static const char usage[] = "svmtool map NAME [--hold]";
static const char what[] =
	"Attach region NAME at its address and print its name, base and size.\n"
	"With --hold, print a ready line and stay attached until SIGINT, SIGTERM "
	"or\nSIGHUP, then detach cleanly.";

/*
 * Print the ready line and wait for SIGINT, SIGTERM or SIGHUP (blocked by
 * the caller since before attaching).  A ready line that cannot be written
 * (closed pipe, full disk) fails at once: a script waits for it.
 */
static int hold(const sigset_t *set, const char *name)
{
	int sig;

	printf("%s: ready, holding as pid %d until SIGINT, SIGTERM or SIGHUP\n",
	       name, (int)getpid());
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_warn("cannot write the ready line of '%s'", name);
		__fpurge(stdout); /* said once, here */
		clearerr(stdout);
		return CLI_EXIT_FAIL;
	}
	while (sigwait(set, &sig) != 0)
		;
	return CLI_EXIT_OK;
}

static int hup_ignored(void)
{
	struct sigaction sa;

	return sigaction(SIGHUP, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
}

static int do_map(struct cli_ctx *ctx, const char *name, int hold_it)
{
	struct svmt_region_opts ro;
	char rname[SVMT_NAME_MAX + 1];
	struct sigaction ign = { .sa_handler = SIG_IGN }, oldpipe;
	sigset_t set, old;
	svmt_region *r;
	svmt_ns *ns;
	int err, ret;

	/*
	 * While attached, the stop signals stay blocked (they are taken with
	 * sigwait, and a second one must not kill us before we detach) and a
	 * closed stdout is an error, not SIGPIPE.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (!hup_ignored()) /* under nohup, a hang-up does not stop us */
		sigaddset(&set, SIGHUP);
	if (hold_it) {
		pthread_sigmask(SIG_BLOCK, &set, &old);
		sigaction(SIGPIPE, &ign, &oldpipe);
	}
	ret = cli_ns_open(ctx, 0, "map", name, &ns);
	if (ret)
		goto out;
	svmt_region_opts_init(&ro);
	err = svmt_region_open(ns, name, &ro, &r);
	if (err == -EACCES && !svmt_errdetail()[0]) {
		char path[PATH_MAX];

		cli_object_path(ctx, name, path, sizeof(path));
		ret = cli_denied(err, "map", name, path,
				 "no read and write access to");
		goto out;
	}
	if (err < 0) {
		ret = cli_fail(err, "map", name);
		goto out;
	}
	snprintf(rname, sizeof(rname), "%s", svmt_region_name(r));
	err = cli_print_region_line(ns, rname);
	ret = err < 0 ? cli_fail(err, "map", name) : CLI_EXIT_OK;
	if (ret == CLI_EXIT_OK && hold_it)
		ret = hold(&set, rname);
	err = svmt_region_close(r);
	if (err < 0 && ret == CLI_EXIT_OK)
		ret = cli_fail(err, "detach from", name);
out:
	if (hold_it) {
		sigaction(SIGPIPE, &oldpipe, NULL);
		/* Signals that came meanwhile are taken, not acted on. */
		struct timespec zero = { 0, 0 };

		while (sigtimedwait(&set, NULL, &zero) > 0)
			;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	return ret;
}

int cmd_map(struct cli_ctx *ctx, int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_lit *hold_opt = arg_lit0(NULL, "hold",
					    "stay attached until a signal");
	struct arg_str *name = arg_str1(NULL, NULL, "NAME", "the region's name");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, hold_opt, name, end };
	const int n = (int)(sizeof(table) / sizeof(table[0]));
	int ret;

	ret = cli_parse(argc, argv, table, n, usage, what);
	if (ret >= 0)
		goto out;
	ret = cli_check_name("map", name->sval[0]);
	/* In the shell, --hold returns to the prompt, still attached. */
	if (ret == 0 && hold_opt->count && ctx->in_shell)
		ret = cli_hold(ctx, name->sval[0]);
	else if (ret == 0)
		ret = do_map(ctx, name->sval[0], hold_opt->count > 0);
out:
	arg_freetable(table, (size_t)n);
	return ret;
}
