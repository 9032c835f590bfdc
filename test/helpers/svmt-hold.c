/*
 * svmt-hold.c - hold a namespace in a chosen state until killed (CLI tests)
 *
 *   svmt-hold --shm-dir DIR --root ROOT MODE [NAME] [SIZE]
 *
 * Puts the namespace ROOT of DIR in the state MODE says, prints one line
 * "ready PID" on stdout and then sleeps until a signal kills it.  The tests
 * look at that state while it lives ("lock held by a live process", "region
 * being created") and kill -9 it to get its dead counterpart ("lock held by
 * a dead process", "half-created by a dead process").
 *
 *   region-lock NAME  attach region NAME and hold its lock, taken with
 *                     svmt_region_lock() (tag 0: list shows "user")
 *   open-lock NAME    attach region NAME and hold its lock with the internal
 *                     tag an opening process uses (list shows "open")
 *   ns-lock           hold the namespace lock (internal tag "open")
 *   init NAME SIZE    create region NAME of SIZE bytes (suffix K, M or G
 *                     allowed) and stay in its init callback: the region is
 *                     INIT with this process as its creator
 *   attach NAME       attach region NAME: a plain client
 *
 * Locks are waited for at most 10 s.  Errors: a message on stderr, exit 1.
 * Nothing but the ready line is ever written to stdout.
 */
#include "svmtool-private.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WAIT_MS 10000

static const char *prog = "svmt-hold";

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: %s --shm-dir DIR --root ROOT MODE [NAME] [SIZE]\n"
		"modes: region-lock NAME, open-lock NAME, ns-lock, init NAME SIZE, "
		"attach NAME\n", prog);
	exit(1);
}

static _Noreturn void die(const char *what, const char *name, int err)
{
	const char *d = svmt_errdetail();

	fprintf(stderr, "%s: %s%s%s%s: %s\n", prog, what,
		name ? " '" : "", name ? name : "", name ? "'" : "",
		*d ? d : svmt_strerror(err));
	exit(1);
}

/* Tell the test we are in place, then wait to be killed. */
static _Noreturn void ready_and_wait(void)
{
	if (printf("ready %d\n", (int)getpid()) < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "%s: cannot write the ready line: %s\n", prog,
			strerror(errno));
		exit(1);
	}
	for (;;)
		pause();
}

static int init_hold(void *data, uint64_t size, void *arg)
{
	(void)data;
	(void)size;
	(void)arg;
	ready_and_wait();
	return 0;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end == 'K')
		shift = 10;
	else if (*end == 'M')
		shift = 20;
	else if (*end == 'G')
		shift = 30;
	if (shift)
		end++;
	if (s[0] < '0' || s[0] > '9' || *end || errno || v == 0 ||
	    v > (UINT64_MAX >> shift)) {
		fprintf(stderr, "%s: invalid size '%s'\n", prog, s);
		exit(1);
	}
	return (uint64_t)v << shift;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "shm-dir", required_argument, NULL, 'd' },
		{ "root", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	struct svmt_region *r;
	svmt_ns *ns;
	const char *shm_dir = NULL, *root = NULL, *mode, *name = NULL;
	int c, nargs, rc;

	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			shm_dir = optarg;
			break;
		case 'R':
			root = optarg;
			break;
		default:
			usage();
		}
	}
	if (!shm_dir || !root || optind >= argc)
		usage();
	mode = argv[optind++];
	nargs = argc - optind;
	if (nargs > 0)
		name = argv[optind];

	svmt_ns_opts_init(&o);
	o.shm_dir = shm_dir;
	o.root = root;
	o.timeout_ms = WAIT_MS;
	svmt_region_opts_init(&ro);

	if (!strcmp(mode, "ns-lock")) {
		if (nargs != 0)
			usage();
		o.flags = SVMT_NS_NOATTACH;
		rc = svmt_ns_open(&o, &ns);
		if (rc)
			die("cannot open namespace", root, rc);
		rc = svmt_ns_lock(ns, SVMT_TAG_OPEN, NULL);
		if (rc)
			die("cannot lock namespace", root, rc);
		ready_and_wait();
	}

	if (!strcmp(mode, "init")) {
		if (nargs != 2)
			usage();
		ro.size = parse_size(argv[optind + 1]);
		/* as "svmtool create" does */
		ro.flags = SVMT_REGION_CREATE | SVMT_REGION_EXCL |
			   SVMT_REGION_PERSISTENT;
		ro.init = init_hold;
		o.flags = SVMT_NS_CREATE;
	} else if (!strcmp(mode, "region-lock") || !strcmp(mode, "open-lock") ||
		   !strcmp(mode, "attach")) {
		if (nargs != 1)
			usage();
	} else {
		fprintf(stderr, "%s: unknown mode '%s'\n", prog, mode);
		usage();
	}

	rc = svmt_ns_open(&o, &ns);
	if (rc)
		die("cannot open namespace", root, rc);
	rc = svmt_region_open(ns, name, &ro, &r);
	if (rc) /* init never returns: this is a failure before it ran */
		die(ro.init ? "cannot create region" : "cannot attach region",
		    name, rc);

	if (!strcmp(mode, "region-lock")) {
		rc = svmt_region_lock(r, 0, WAIT_MS);
	} else if (!strcmp(mode, "open-lock")) {
		/* The lock an opening process holds while it registers. */
		struct svmt_rctx ctx = { r->h, r->max_clients,
					 r->clients_off };

		rc = svmt_lock_acquire(&r->h->meta, SVMT_TAG_OPEN, WAIT_MS,
				       svmt_region_repair, &ctx, NULL);
	}
	if (rc)
		die("cannot lock region", name, rc);
	ready_and_wait();
	return 0;
}
