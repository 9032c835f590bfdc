/*
 * bench-heap.c - the region heap against glibc malloc (B8)
 *
 * Both sides keep a pool of live blocks of mixed small sizes (16 to 512
 * bytes, the same sequence on both sides) and replace one block per
 * operation: free it, allocate the next size, touch its first byte.
 */
#include "bench.h"

#define POOL 1024
#define SEQ 4096

static size_t sizes[SEQ];

struct side {
	svmt_region *r;  /* NULL: glibc */
	void *pool[POOL];
	long next;
};

static void *get(struct side *s, size_t size)
{
	void *p;
	int rc;

	if (!s->r)
		return malloc(size);
	rc = svmt_heap_alloc(s->r, size, &p);
	if (rc)
		bench_die("heap alloc", rc);
	return p;
}

static void put(struct side *s, void *p)
{
	int rc;

	if (!s->r) {
		free(p);
		return;
	}
	rc = svmt_heap_free(s->r, p);
	if (rc)
		bench_die("heap free", rc);
}

static double replace(void *p, long n)
{
	struct side *s = p;
	double t0 = bench_now_ns();

	for (long i = 0; i < n; i++, s->next++) {
		long k = s->next % POOL;
		char *b;

		put(s, s->pool[k]);
		b = get(s, sizes[s->next % SEQ]);
		if (!b)
			bench_die("alloc", -ENOMEM);
		b[0] = 1;
		s->pool[k] = b;
	}
	return bench_now_ns() - t0;
}

int main(void)
{
	static struct side heap, glibc;
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	svmt_ns *ns;
	uint32_t x = 12345;
	int rc;

	bench_init("bench-heap");
	for (int i = 0; i < SEQ; i++) { /* xorshift: the same on both sides */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		sizes[i] = 16 + (x % 497);
	}
	bench_ns_opts(&o, "heap", 0, SVMT_NS_CREATE, 0);
	rc = svmt_ns_open(&o, &ns);
	svmt_region_opts_init(&ro);
	ro.size = 16 << 20;
	ro.flags = SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT |
		   SVMT_REGION_HEAP;
	if (!rc)
		rc = svmt_region_open(ns, "heap", &ro, &heap.r);
	if (rc)
		bench_die("heap region", rc);
	for (int i = 0; i < POOL; i++) {
		heap.pool[i] = get(&heap, sizes[i]);
		glibc.pool[i] = get(&glibc, sizes[i]);
	}
	heap.next = glibc.next = POOL;

	bench_header("heap (bench-heap)");
	bench_pair("B8", "free+alloc, 16-512 B mixed, 1024 live",
		   replace, &heap, replace, &glibc, bench_iters(1000000), 1000,
		   "<= 2x", false);

	for (int i = 0; i < POOL; i++) {
		put(&heap, heap.pool[i]);
		put(&glibc, glibc.pool[i]);
	}
	svmt_region_close(heap.r);
	svmt_ns_close(ns);
	return 0;
}
