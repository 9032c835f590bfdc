/*
 * test-hostile.c - hostile bytes in the shm directory never crash or hang
 *
 * A namespace with regions (one with a dead client) is saved; then, many
 * times over, one of its files is mutated (random bytes in its header area,
 * truncation, extension) and a child process runs everything an operator
 * would: list and format, dry-run scan and recover on a read-only handle,
 * then real scan, recover and a forced remove.  The child must exit
 * normally within its alarm.  SVMT_HOSTILE_SEED and SVMT_HOSTILE_ROUNDS
 * change the run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "svmtool-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXF 8

struct saved {
	char name[256];
	char *bytes;
	size_t len;
};

static char dir[64];
static struct saved files[MAXF];
static int nfiles;

static void rm_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	rmdir(dir);
}

static void opts(struct svmt_ns_opts *o, unsigned flags)
{
	svmt_ns_opts_init(o);
	o->shm_dir = dir;
	o->root = "hostile";
	o->flags = flags;
	o->span = 1ULL << 30;
	o->capacity = 8;
	o->timeout_ms = 50;
}

static void save_all(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d))) {
		struct saved *s;
		struct stat st;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		assert_true(nfiles < MAXF);
		s = &files[nfiles++];
		snprintf(s->name, sizeof(s->name), "%s", de->d_name);
		fd = openat(dirfd(d), de->d_name, O_RDONLY);
		assert_true(fd >= 0);
		assert_int_equal(fstat(fd, &st), 0);
		s->len = (size_t)st.st_size;
		s->bytes = malloc(s->len);
		assert_non_null(s->bytes);
		assert_int_equal(pread(fd, s->bytes, s->len, 0), (ssize_t)s->len);
		close(fd);
	}
	closedir(d);
}

static void restore_all(void)
{
	char path[512];
	int i;

	for (i = 0; i < nfiles; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%.200s", dir, files[i].name);
		unlink(path);
		f = fopen(path, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(files[i].bytes, 1, files[i].len, f),
				 files[i].len);
		fclose(f);
	}
	/* Whatever a previous round created or renamed goes. */
	{
		DIR *d = opendir(dir);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			bool known = de->d_name[0] == '.';

			for (i = 0; i < nfiles && !known; i++)
				known = !strcmp(files[i].name, de->d_name);
			if (!known)
				unlinkat(dirfd(d), de->d_name, 0);
		}
		if (d)
			closedir(d);
	}
}

static void mutate(unsigned *seed)
{
	struct saved *s = &files[rand_r(seed) % nfiles];
	char path[512];
	int fd, k, n;

	snprintf(path, sizeof(path), "%s/%.200s", dir, s->name);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	switch (rand_r(seed) % 4) {
	case 0: /* truncate */
		assert_int_equal(ftruncate(fd, rand_r(seed) % (off_t)s->len), 0);
		break;
	case 1: /* extend */
		assert_int_equal(ftruncate(fd, (off_t)s->len + 4096 *
					   (1 + rand_r(seed) % 4)), 0);
		break;
	default: /* scribble on the header area */
		n = 1 + rand_r(seed) % 16;
		for (k = 0; k < n; k++) {
			size_t lim = s->len < 8192 ? s->len : 8192;
			off_t at = (off_t)(rand_r(seed) % lim);
			unsigned char b = (unsigned char)rand_r(seed);

			if (rand_r(seed) % 3 == 0)
				b = (unsigned char)(rand_r(seed) % 2 ? 0 : 0xff);
			assert_int_equal(pwrite(fd, &b, 1, at), 1);
		}
		break;
	}
	close(fd);
}

static void operate(void)
{
	struct svmt_ns_opts o;
	svmt_region_list *v;
	svmt_ns *ns;
	size_t i;

	opts(&o, SVMT_NS_RDONLY);
	if (svmt_ns_open(&o, &ns) == 0) {
		if (svmt_list(ns, &v) == 0) {
			for (i = 0; i < svmt_list_count(v); i++) {
				char *s;

				if (svmt_format_region(svmt_list_get(v, i),
						       SVMT_FORMAT_VERBOSE,
						       &s) == 0)
					free(s);
			}
			svmt_list_free(v);
		}
		svmt_scan(ns, NULL, 0, SVMT_DRY_RUN, NULL, NULL);
		svmt_recover(ns, NULL, 0, SVMT_DRY_RUN, NULL, NULL);
		svmt_ns_close(ns);
	}
	opts(&o, SVMT_NS_NOATTACH);
	if (svmt_ns_open(&o, &ns) == 0) {
		struct svmt_ns_info info;

		svmt_ns_info(ns, &info);
		svmt_scan(ns, NULL, 0, SVMT_SCAN_DESTROY_EMPTY, NULL, NULL);
		svmt_recover(ns, NULL, 0, 0, NULL, NULL);
		svmt_region_remove(ns, "two", SVMT_REMOVE_FORCE);
		svmt_ns_close(ns);
	}
	opts(&o, 0);
	if (svmt_ns_open(&o, &ns) == 0) {
		svmt_region *r;

		if (svmt_region_open(ns, "one", NULL, &r) == 0)
			svmt_region_close(r);
		svmt_ns_close(ns);
	}
}

static void hostile_bytes_never_crash(void **state)
{
	const char *e = getenv("SVMT_HOSTILE_SEED");
	unsigned seed = e ? (unsigned)strtoul(e, NULL, 0) : 20261129u;
	int rounds = getenv("SVMT_HOSTILE_ROUNDS")
			     ? atoi(getenv("SVMT_HOSTILE_ROUNDS")) : 300;
	int i;

	(void)state;
	for (i = 0; i < rounds; i++) {
		unsigned round_seed = seed + (unsigned)i;
		int status;
		pid_t pid;

		restore_all();
		mutate(&round_seed);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			alarm(20);
			operate();
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("round %d (seed %u): child %s %d", i,
				 seed + (unsigned)i,
				 WIFSIGNALED(status) ? "killed by signal"
						     : "exited",
				 WIFSIGNALED(status) ? WTERMSIG(status)
						     : WEXITSTATUS(status));
	}
}

static int setup(void **state)
{
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	svmt_ns *ns;
	svmt_region *r;
	const char *names[] = { "one", "two", "three" };
	pid_t pid;
	int i, status;

	(void)state;
	snprintf(dir, sizeof(dir), "/dev/shm/svmt-test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	opts(&o, SVMT_NS_CREATE | SVMT_NS_NOATTACH);
	if (svmt_ns_open(&o, &ns))
		return -1;
	for (i = 0; i < 3; i++) {
		svmt_region_opts_init(&ro);
		ro.size = 4096u << i;
		ro.flags = SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT;
		if (svmt_region_open(ns, names[i], &ro, NULL))
			return -1;
	}
	svmt_ns_close(ns);
	/* A client that dies attached: a ghost in "one". */
	pid = fork();
	if (pid == 0) {
		opts(&o, 0);
		if (svmt_ns_open(&o, &ns) || svmt_region_open(ns, "one", NULL, &r))
			_exit(1);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	save_all();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_dir();
	while (nfiles)
		free(files[--nfiles].bytes);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hostile_bytes_never_crash),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
