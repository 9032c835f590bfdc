/*
 * bench.h - the benchmark harness shared by test/bench/bench-*.c
 *
 * A row measures svmtool and a baseline doing the same work, in turns:
 * each round takes one sample of each (which one goes first alternates),
 * and the ratio is taken round by round, so that a machine whose speed
 * drifts moves both sides of a ratio alike.  A row prints the median of
 * each side, the median ratio and its min-max over the rounds.  Nothing
 * here judges: the targets are printed for the reader, never asserted.
 *
 * SVMT_BENCH_QUICK=1 (make bench-quick) takes fewer iterations per sample
 * and leaves out the largest sizes; the rounds stay BENCH_ROUNDS.
 * SVMT_BENCH_ROWS="B3 G4" runs only the rows named (all when unset).
 */
#ifndef SVMT_BENCH_H
#define SVMT_BENCH_H

#include "svmtool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define BENCH_ROUNDS 9

/* A side of a row: run @n operations, return the ns they took. */
typedef double (*bench_fn)(void *arg, long n);

static bool bench_quick;
static const char *bench_rows; /* SVMT_BENCH_ROWS, or NULL: all */
static char bench_dir[64];
static pid_t bench_owner; /* the process that made bench_dir */

static inline double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* @n iterations, or a tenth of them in a quick run (at least 1). */
static inline long bench_iters(long n)
{
	long v = bench_quick ? n / 10 : n;

	return v > 0 ? v : 1;
}

static inline _Noreturn void bench_die(const char *what, int rc)
{
	fprintf(stderr, "bench: %s: %s (%s)\n", what,
		rc < 0 ? svmt_strerror(rc) : strerror(rc), svmt_errdetail());
	exit(1);
}

static inline int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static inline double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* "12.3 ns", "4.56 us", "7.89 ms" */
static inline const char *bench_time(double ns, char *buf, size_t len)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.1f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

/* How the rows of the current table print a figure. */
typedef const char *(*bench_unit_fn)(double v, char *buf, size_t len);
static bench_unit_fn bench_unit = bench_time;

/* Start a table whose figures print with @unit. */
static inline void bench_header_unit(const char *area, bench_unit_fn unit)
{
	bench_unit = unit;
	printf("\n%s  (median of %d interleaved rounds; ratio min-max)\n",
	       area, BENCH_ROUNDS);
	printf("%-4s %-40s %11s %11s %7s %13s  %s\n", "row", "operation",
	       "svmtool", "baseline", "ratio", "min-max", "target");
	fflush(stdout);
}

/* Start a table of times. */
static inline void bench_header(const char *area)
{
	bench_header_unit(area, bench_time);
}

/* Print one row from the per-round samples. */
static inline void bench_print(const char *id, const char *what,
			       double *a, double *b, const char *target,
			       bool throughput)
{
	double r[BENCH_ROUNDS], ma, mb, mr;
	char sa[32], sb[32], mm[32];
	int i;

	for (i = 0; i < BENCH_ROUNDS; i++)
		r[i] = throughput ? b[i] / a[i] : a[i] / b[i];
	mr = bench_median(r, BENCH_ROUNDS);
	snprintf(mm, sizeof(mm), "%.2f-%.2f", r[0], r[BENCH_ROUNDS - 1]);
	ma = bench_median(a, BENCH_ROUNDS);
	mb = bench_median(b, BENCH_ROUNDS);
	printf("%-4s %-40s %11s %11s %6.2fx %13s  %s\n", id, what,
	       bench_unit(ma, sa, sizeof(sa)), bench_unit(mb, sb, sizeof(sb)),
	       mr, mm, target);
	fflush(stdout);
}

/*
 * Run @lib and @base in turns and print the row.  A round is @n
 * operations of each side, taken in chunks of @chunk operations that
 * alternate (the first side alternates too), so that both sides see the
 * same machine; a round's figure is its time per operation.  The ratio is
 * svmtool's time over the baseline's, or with @throughput the baseline's
 * time over svmtool's (higher is better).
 */
static inline void bench_pair(const char *id, const char *what,
			      bench_fn lib, void *lib_arg, bench_fn base,
			      void *base_arg, long n, long chunk,
			      const char *target, bool throughput)
{
	double a[BENCH_ROUNDS], b[BENCH_ROUNDS];
	int i;

	if (bench_rows && !strstr(bench_rows, id))
		return;
	if (chunk > n)
		chunk = n;
	lib(lib_arg, chunk); /* warm-up, not counted */
	base(base_arg, chunk);
	for (i = 0; i < BENCH_ROUNDS; i++) {
		double ta = 0, tb = 0;
		long k = 0, done;

		for (done = 0; done < n; done += chunk, k++) {
			long c = n - done < chunk ? n - done : chunk;

			if ((k + i) % 2) {
				tb += base(base_arg, c);
				ta += lib(lib_arg, c);
			} else {
				ta += lib(lib_arg, c);
				tb += base(base_arg, c);
			}
		}
		a[i] = ta / (double)n;
		b[i] = tb / (double)n;
	}
	bench_print(id, what, a, b, target, throughput);
}

static void bench_cleanup(void)
{
	char cmd[128];

	if (!bench_dir[0] || getpid() != bench_owner)
		return; /* a child that exits (bench_die) leaves it alone */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", bench_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: cannot remove %s\n", bench_dir);
	bench_dir[0] = '\0';
}

/* Read the environment, make this run's own shm directory. */
static inline void bench_init(const char *name)
{
	const char *q = getenv("SVMT_BENCH_QUICK");

	bench_quick = q && *q && strcmp(q, "0");
	bench_rows = getenv("SVMT_BENCH_ROWS");
	snprintf(bench_dir, sizeof(bench_dir), "/dev/shm/svmt-%s.XXXXXX", name);
	if (!mkdtemp(bench_dir)) {
		perror("bench: mkdtemp");
		exit(1);
	}
	bench_owner = getpid();
	atexit(bench_cleanup);
}

/* Options of namespace number @idx (each its own span) in this run's
 * directory. */
static inline void bench_ns_opts(struct svmt_ns_opts *o, const char *root,
				 int idx, unsigned flags, uint32_t capacity)
{
	svmt_ns_opts_init(o);
	o->shm_dir = bench_dir;
	o->root = root;
	o->flags = flags;
	o->span = 16ULL << 30;
	o->base = SVMT_DEFAULT_BASE + (uint64_t)idx * o->span;
	o->capacity = capacity;
	o->timeout_ms = 10000;
}

/* Create @n persistent regions "r0".."r<n-1>" of @size bytes. */
static inline void bench_fill(svmt_ns *ns, long n, uint64_t size)
{
	struct svmt_region_opts ro;
	char name[32];
	int rc;

	svmt_region_opts_init(&ro);
	ro.size = size;
	ro.flags = SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT;
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "r%ld", i);
		rc = svmt_region_open(ns, name, &ro, NULL);
		if (rc)
			bench_die("create", rc);
	}
}

#endif /* SVMT_BENCH_H */
