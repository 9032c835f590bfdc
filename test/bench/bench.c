/*
 * bench.c - libsvmtool against the raw system calls it wraps, in one run
 *
 * Each line: operation, ns per call through libsvmtool, ns per call of the
 * raw equivalent measured here and now, and their ratio.  Library calls are
 * measured in-process (starting a process costs ~0.5 ms and would drown
 * them).  SVMT_BENCH_SCALE multiplies the iteration counts.
 */
#include "svmtool-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static char dir[64];
static double scale = 1;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static long iters(long n)
{
	long v = (long)((double)n * scale);

	return v > 0 ? v : 1;
}

static void report(const char *what, double lib, double raw, const char *rawname)
{
	printf("%-34s %10.1f ns %10.1f ns  %6.2fx  (raw: %s)\n", what, lib, raw,
	       raw > 0 ? lib / raw : 0.0, rawname);
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench: %s: %s (%s)\n", what, svmt_strerror(rc),
		svmt_errdetail());
	exit(1);
}

static void opts(struct svmt_ns_opts *o, unsigned flags)
{
	svmt_ns_opts_init(o);
	o->shm_dir = dir;
	o->root = "bench";
	o->flags = flags;
	o->span = 4ULL << 30;
	o->timeout_ms = 5000;
}

static void bench_lock(svmt_region *r)
{
	pthread_mutex_t *m;
	pthread_mutexattr_t a;
	long i, n = iters(5000000);
	double t0, lib, raw;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		svmt_region_lock(r, 1, -1);
		svmt_region_unlock(r);
	}
	lib = (now_ns() - t0) / (double)n;
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(m, &a);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		pthread_mutex_lock(m);
		pthread_mutex_unlock(m);
	}
	raw = (now_ns() - t0) / (double)n;
	report("region lock+unlock (uncontended)", lib, raw,
	       "robust pshared mutex lock+unlock");
	munmap(m, 4096);
}

static void bench_attach(svmt_ns *ns)
{
	struct svmt_region_opts ro;
	svmt_region *keep, *r;
	long i, n = iters(20000);
	double t0, lib, raw;
	uint64_t base, size;
	int fd;
	char path[128];
	int rc;

	svmt_region_opts_init(&ro);
	ro.size = 1 << 20;
	ro.flags = SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT;
	rc = svmt_region_open(ns, "attach", &ro, NULL);
	if (rc)
		die("create", rc);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		rc = svmt_region_open(ns, "attach", NULL, &r);
		if (rc)
			die("open", rc);
		svmt_region_close(r);
	}
	lib = (now_ns() - t0) / (double)n;
	/* Raw: open the same object, map it at the same address, unmap. */
	rc = svmt_region_open(ns, "attach", NULL, &keep);
	if (rc)
		die("open", rc);
	base = svmt_region_base(keep);
	size = svmt_region_size(keep);
	svmt_region_close(keep);
	snprintf(path, sizeof(path), "%s/svmt:bench:attach", dir);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		mmap((void *)(uintptr_t)base, size, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_FIXED, fd, 0);
		close(fd);
		mmap((void *)(uintptr_t)base, size, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	}
	raw = (now_ns() - t0) / (double)n;
	report("region attach+detach", lib, raw, "open+mmap+close+mmap");
}

static void bench_create(svmt_ns *ns)
{
	struct svmt_region_opts ro;
	long i, n = iters(2000);
	double t0, lib, raw;
	char path[128];
	int rc, fd;

	svmt_region_opts_init(&ro);
	ro.size = 64 << 10;
	ro.flags = SVMT_REGION_CREATE | SVMT_REGION_EXCL;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		rc = svmt_region_open(ns, "churn", &ro, NULL);
		if (rc)
			die("create", rc);
		rc = svmt_region_remove(ns, "churn", 0);
		if (rc)
			die("remove", rc);
	}
	lib = (now_ns() - t0) / (double)n;
	snprintf(path, sizeof(path), "%s/raw-churn", dir);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		posix_fallocate(fd, 0, (off_t)(ro.size + 4 * 4096));
		close(fd);
		unlink(path);
	}
	raw = (now_ns() - t0) / (double)n;
	report("region create+remove (64 KiB)", lib, raw,
	       "open O_EXCL+posix_fallocate+close+unlink");
}

static void bench_reserve(void)
{
	struct svmt_ns_opts o;
	svmt_ns *ns;
	long i, n = iters(20000);
	double t0, lib, raw;
	int rc;

	opts(&o, 0);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		rc = svmt_ns_open(&o, &ns);
		if (rc)
			die("ns open", rc);
		svmt_ns_close(ns);
	}
	lib = (now_ns() - t0) / (double)n;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		void *p = mmap((void *)(uintptr_t)SVMT_DEFAULT_BASE, o.span,
			       PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
			       MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
		munmap(p, o.span);
	}
	raw = (now_ns() - t0) / (double)n;
	report("namespace attach+detach", lib, raw, "mmap NOREPLACE+munmap");
}

static void bench_list(void)
{
	struct svmt_ns_opts o;
	svmt_region_list *v;
	svmt_ns *ns;
	size_t cnt = 0;
	long i, n = iters(2000);
	double t0, lib, raw;
	char buf[4096];
	int rc;

	opts(&o, SVMT_NS_RDONLY);
	rc = svmt_ns_open(&o, &ns);
	if (rc)
		die("ns open", rc);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		rc = svmt_list(ns, &v);
		if (rc)
			die("list", rc);
		cnt = svmt_list_count(v);
		svmt_list_free(v);
	}
	lib = (now_ns() - t0) / (double)n;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		DIR *d = opendir(dir);
		struct dirent *de;

		while ((de = readdir(d))) {
			int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW);

			if (fd < 0)
				continue;
			if (pread(fd, buf, sizeof(buf), 0) < 0)
				buf[0] = 0;
			close(fd);
		}
		closedir(d);
	}
	raw = (now_ns() - t0) / (double)n;
	printf("(list: %zu regions)\n", cnt);
	report("list (read-only, all regions)", lib, raw,
	       "readdir+open+pread+close of each object");
	svmt_ns_close(ns);
}

static void bench_alive(void)
{
	const struct svmt_ident *me = svmt_self();
	long i, n = iters(100000);
	double t0, lib, raw;
	int alive = 0;

	t0 = now_ns();
	for (i = 0; i < n; i++)
		alive += svmt_ident_alive(me);
	lib = (now_ns() - t0) / (double)n;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		alive += kill(me->pid, 0) == 0;
	raw = (now_ns() - t0) / (double)n;
	report("client liveness check", lib, raw, "kill(pid, 0)");
	if (alive != 2 * n)
		fprintf(stderr, "bench: liveness disagrees\n");
}

/*
 * Mixed small sizes (8 to 512 bytes) through a ring of 1024 live blocks:
 * each step frees the oldest block and allocates a new one.  The same
 * sizes in the same order go through glibc malloc and free.
 */
static void bench_heap(svmt_ns *ns)
{
	enum { LIVE = 1024, NSIZES = 4096 };
	static void *slot[LIVE];
	static size_t sizes[NSIZES];
	struct svmt_region_opts ro;
	svmt_region *r;
	long i, n = iters(4000000);
	uint64_t x = 88172645463325252ULL;
	double t0, lib, raw;
	int rc;

	for (i = 0; i < NSIZES; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sizes[i] = 8 + (size_t)(x % 505);
	}
	svmt_region_opts_init(&ro);
	ro.size = 64 << 20;
	ro.flags = SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT |
		   SVMT_REGION_HEAP;
	rc = svmt_region_open(ns, "heap", &ro, &r);
	if (rc)
		die("create heap", rc);
	for (i = 0; i < LIVE; i++)
		if ((rc = svmt_heap_alloc(r, sizes[i], &slot[i])))
			die("heap alloc", rc);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		void **s = &slot[i % LIVE];

		svmt_heap_free(r, *s);
		if ((rc = svmt_heap_alloc(r, sizes[i % NSIZES], s)))
			die("heap alloc", rc);
	}
	lib = (now_ns() - t0) / (double)n;
	for (i = 0; i < LIVE; i++)
		svmt_heap_free(r, slot[i]);
	svmt_region_close(r);
	for (i = 0; i < LIVE; i++)
		slot[i] = malloc(sizes[i]);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		void **s = &slot[i % LIVE];

		free(*s);
		*s = malloc(sizes[i % NSIZES]);
		if (!*s)
			die("malloc", -ENOMEM);
	}
	raw = (now_ns() - t0) / (double)n;
	for (i = 0; i < LIVE; i++)
		free(slot[i]);
	report("heap free+alloc, 8-512 B mixed", lib, raw, "glibc free+malloc");
}

int main(void)
{
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	svmt_ns *ns;
	svmt_region *r;
	char name[16];
	int i, rc;

	if (getenv("SVMT_BENCH_SCALE"))
		scale = atof(getenv("SVMT_BENCH_SCALE"));
	snprintf(dir, sizeof(dir), "/dev/shm/svmt-bench.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("bench: mkdtemp");
		return 1;
	}
	opts(&o, SVMT_NS_CREATE);
	rc = svmt_ns_open(&o, &ns);
	if (rc)
		die("ns create", rc);
	svmt_region_opts_init(&ro);
	ro.size = 4096;
	ro.flags = SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT;
	rc = svmt_region_open(ns, "lock", &ro, &r);
	if (rc)
		die("create", rc);
	printf("%-34s %13s %13s %8s\n", "operation", "libsvmtool", "raw", "ratio");
	bench_lock(r);
	bench_heap(ns);
	bench_attach(ns);
	bench_create(ns);
	for (i = 0; i < 62; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		rc = svmt_region_open(ns, name, &ro, NULL);
		if (rc)
			die("create", rc);
	}
	svmt_region_close(r);
	svmt_ns_close(ns);
	bench_reserve();
	bench_list();
	bench_alive();
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench: could not remove %s\n", dir);
	}
	return 0;
}
