/*
 * bench-region.c - regions: create+remove (B1), attach+detach (B2), and
 * open by name among 10,000 against among 10 (B9)
 *
 * The baselines do by hand what the library must do at least: the object
 * opened in the same directory, sized with posix_fallocate, and for B1 a
 * header written and the object unlinked again; for B2 the object mapped
 * at a fixed address inside a reservation of our own, a client record
 * stored, the address given back to the reservation and the object
 * closed.  (B1's header is written with pwrite: the library maps nothing
 * to create a region it does not attach, or to remove one nobody is
 * attached to.)
 */
#include "bench.h"

#include <sys/mman.h>

#define HDR 4096UL /* header and client table of a default region */
#define HDR_BYTES 800 /* what a region header takes of them */

struct raw {
	int dirfd;
	char *span;       /* PROT_NONE reservation */
	uint64_t size;    /* data bytes */
};

struct lib {
	svmt_ns *ns;
	uint64_t size;
	const char *name;
};

static char *reserve(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		bench_die("reserve", errno);
	return p;
}

/* Give [p, p+len) back to the reservation, as the library does. */
static void unreserve(char *p, size_t len)
{
	if (mmap(p, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
		 MAP_NORESERVE, -1, 0) == MAP_FAILED)
		bench_die("remap", errno);
}

/* ------------------------------------------------------ B1 create+remove */

static double lib_create(void *p, long n)
{
	struct lib *l = p;
	struct svmt_region_opts ro;
	double t0 = bench_now_ns();
	int rc;

	svmt_region_opts_init(&ro);
	ro.size = l->size;
	ro.flags = SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT |
		   SVMT_REGION_EXCL;
	for (long i = 0; i < n; i++) {
		rc = svmt_region_open(l->ns, "cr", &ro, NULL);
		if (!rc)
			rc = svmt_region_remove(l->ns, "cr", 0);
		if (rc)
			bench_die("create+remove", rc);
	}
	return bench_now_ns() - t0;
}

static double raw_create(void *p, long n)
{
	struct raw *r = p;
	char hdr[HDR_BYTES];
	double t0 = bench_now_ns();

	memset(hdr, 0x5a, sizeof(hdr));
	for (long i = 0; i < n; i++) {
		int fd = openat(r->dirfd, "raw-cr", O_RDWR | O_CREAT | O_EXCL |
				O_NOFOLLOW | O_CLOEXEC, 0600);

		if (fd < 0)
			bench_die("raw open", errno);
		if (posix_fallocate(fd, 0, (off_t)(HDR + r->size)))
			bench_die("raw fallocate", errno);
		if (pwrite(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
			bench_die("raw pwrite", errno);
		close(fd);
		unlinkat(r->dirfd, "raw-cr", 0);
	}
	return bench_now_ns() - t0;
}

/* ------------------------------------------------------ B2 attach+detach */

static double lib_attach(void *p, long n)
{
	struct lib *l = p;
	svmt_region *reg;
	double t0 = bench_now_ns();
	int rc;

	for (long i = 0; i < n; i++) {
		rc = svmt_region_open(l->ns, l->name, NULL, &reg);
		if (rc)
			bench_die("attach", rc);
		rc = svmt_region_close(reg);
		if (rc)
			bench_die("detach", rc);
	}
	return bench_now_ns() - t0;
}

static double raw_attach(void *p, long n)
{
	struct raw *r = p;
	double t0 = bench_now_ns();

	for (long i = 0; i < n; i++) {
		int fd = openat(r->dirfd, "raw-at", O_RDWR | O_NOFOLLOW |
				O_CLOEXEC);
		struct stat st;
		char *m;

		if (fd < 0 || fstat(fd, &st))
			bench_die("raw open", errno);
		m = mmap(r->span, (size_t)st.st_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, fd, 0);
		if (m == MAP_FAILED)
			bench_die("raw mmap", errno);
		/* register: a client record (pid, start, pidfs inode) */
		((volatile uint64_t *)(m + 512))[0] = (uint64_t)getpid();
		((volatile uint64_t *)(m + 512))[1] = 1;
		((volatile uint64_t *)(m + 512))[2] = 2;
		unreserve(m, (size_t)st.st_size);
		close(fd);
	}
	return bench_now_ns() - t0;
}

static void raw_object(struct raw *r, const char *name, uint64_t size)
{
	int fd = openat(r->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			0600);

	if (fd < 0 || posix_fallocate(fd, 0, (off_t)(HDR + size)))
		bench_die("raw object", errno);
	close(fd);
}

int main(void)
{
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	struct raw raw = { 0 };
	struct lib lib = { 0 }, small = { 0 }, big = { 0 };
	svmt_ns *ns, *ns10, *ns10k;
	long many = 10000;
	int rc;

	bench_init("bench-region");
	raw.dirfd = open(bench_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (raw.dirfd < 0)
		bench_die("open directory", errno);
	raw.span = reserve(1UL << 30);
	bench_ns_opts(&o, "bench", 0, SVMT_NS_CREATE, 0);
	rc = svmt_ns_open(&o, &ns);
	if (rc)
		bench_die("namespace", rc);
	lib.ns = ns;

	bench_header("regions (bench-region)");
	lib.size = raw.size = 4096;
	bench_pair("B1", "create+remove, 4 KiB", lib_create, &lib,
		   raw_create, &raw, bench_iters(4000), 20, "<= 1.15x", false);
	lib.size = raw.size = 1 << 20;
	bench_pair("B1", "create+remove, 1 MiB", lib_create, &lib,
		   raw_create, &raw, bench_iters(1000), 10, "<= 1.15x", false);

	svmt_region_opts_init(&ro);
	ro.size = 1 << 20;
	ro.flags = SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT;
	rc = svmt_region_open(ns, "at", &ro, NULL);
	if (rc)
		bench_die("create", rc);
	raw_object(&raw, "raw-at", 1 << 20);
	lib.name = "at";
	bench_pair("B2", "attach+detach, 1 MiB", lib_attach, &lib,
		   raw_attach, &raw, bench_iters(10000), 20, "<= 1.2x", false);

	/* B9: the same attach+detach among 10 and among 10,000 regions */
	if (bench_quick)
		many = 1000;
	bench_ns_opts(&o, "ten", 1, SVMT_NS_CREATE, 0);
	rc = svmt_ns_open(&o, &ns10);
	if (rc)
		bench_die("namespace", rc);
	bench_fill(ns10, 10, 4096);
	bench_ns_opts(&o, "many", 2, SVMT_NS_CREATE, 16384);
	rc = svmt_ns_open(&o, &ns10k);
	if (rc)
		bench_die("namespace", rc);
	bench_fill(ns10k, many, 4096);
	small.ns = ns10;
	big.ns = ns10k;
	small.name = big.name = "r7";
	bench_pair("B9", many == 10000 ? "open by name: among 10,000 / among 10"
				       : "open by name: among 1,000 / among 10",
		   lib_attach, &big, lib_attach, &small, bench_iters(10000), 20,
		   "O(1): ~1.0x", false);
	printf("     (B9: both sides are svmtool; the ratio is the growth)\n");

	svmt_ns_close(ns10k);
	svmt_ns_close(ns10);
	svmt_ns_close(ns);
	close(raw.dirfd);
	return 0;
}
