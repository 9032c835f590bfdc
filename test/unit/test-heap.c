/*
 * test-heap.c - the heap of a region: allocations checked against a model,
 * errors that never corrupt, two processes at once, and processes killed
 * with SIGKILL inside heap operations (at random crash points, and at
 * random times from outside) followed by validation
 */
#include "testlib.h"

#define PERSIST (SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT)
#define HEAP_SIZE (32u << 20)

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the seed printed on failure */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static void seed(uint64_t s)
{
	rng_state = s ? s : 1;
}

/* A seed for a test: SVMT_TEST_SEED when set (to replay a failure). */
static uint64_t test_seed(uint64_t dflt)
{
	const char *e = getenv("SVMT_TEST_SEED");

	return e && *e ? strtoull(e, NULL, 10) : dflt;
}

/* Sizes from 1 byte to 1 MiB, spread evenly over their logarithm. */
static size_t rnd_size(void)
{
	unsigned bits = (unsigned)(rnd() % 21);
	size_t lo = (size_t)1 << bits;

	return bits == 20 ? lo : lo + (size_t)(rnd() % lo);
}

/* Create region @name with a heap of @size bytes and attach it. */
static svmt_region *heap_region(struct tl *t, svmt_ns **ns, const char *name,
				uint64_t size)
{
	struct svmt_region_opts o;
	svmt_region *r = NULL;

	if (!*ns)
		*ns = tl_ns_create(t);
	tl_ropts(&o, size, PERSIST | SVMT_REGION_HEAP);
	assert_ok(svmt_region_open(*ns, name, &o, &r));
	return r;
}

static void stats(svmt_region *r, struct svmt_heap_stats *st)
{
	assert_ok(svmt_heap_stats(r, st));
	assert_int_equal(st->struct_size, sizeof *st);
	assert_int_equal(st->free, st->total - st->used);
}

/* Check the heap's blocks and lists, under its lock (nobody else runs). */
static int heap_check(svmt_region *r)
{
	struct svmt_heap_hdr *h = svmt_region_data(r);
	int rc = svmt_lock_acquire(&h->lock, SVMT_TAG_HEAP, 1000, NULL, NULL, NULL);

	if (rc)
		return rc;
	rc = svmt_heap_check(h, svmt_region_data_size(r));
	svmt_lock_release(&h->lock);
	return rc;
}

static void fill(void *p, size_t n, unsigned tag)
{
	unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		c[i] = (unsigned char)(tag * 31 + i * 7);
}

static bool filled(const void *p, size_t n, unsigned tag)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i] != (unsigned char)(tag * 31 + i * 7))
			return false;
	return true;
}

/* ------------------------------------------------------------- basics */

static void test_heap_fresh_stats_alloc_free(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = heap_region(t, &ns, "h", 1 << 20);
	struct svmt_heap_stats st0, st;
	void *p = NULL, *q = NULL;

	stats(r, &st0);
	assert_int_equal(st0.total, svmt_region_data_size(r));
	assert_int_equal(st0.used, 4096);
	assert_int_equal(st0.objects, 0);
	assert_int_equal(st0.largest_free, st0.free);
	assert_ok(svmt_heap_alloc(r, 100, &p));
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 16, 0);
	assert_true((char *)p >= (char *)svmt_region_data(r) + 4096);
	fill(p, 100, 1);
	assert_ok(svmt_heap_calloc(r, 10, 100, &q));
	for (int i = 0; i < 1000; i++)
		assert_int_equal(((char *)q)[i], 0);
	stats(r, &st);
	assert_int_equal(st.objects, 2);
	assert_true(st.used >= st0.used + 1100 + 32);
	assert_true(filled(p, 100, 1));
	assert_ok(svmt_heap_free(r, p));
	assert_ok(svmt_heap_free(r, q));
	assert_ok(svmt_heap_free(r, NULL));
	stats(r, &st);
	assert_int_equal(st.objects, 0);
	assert_int_equal(st.used, st0.used);
	assert_ok(heap_check(r));
	assert_ok(svmt_region_close(r));
}

static void test_heap_aligned_and_realloc(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = heap_region(t, &ns, "h", 4 << 20);
	void *p = NULL, *q = NULL;

	for (size_t a = 16; a <= 65536; a <<= 1) {
		assert_ok(svmt_heap_alloc_aligned(r, a, 24, &p));
		assert_int_equal((uintptr_t)p % a, 0);
		fill(p, 24, (unsigned)a);
		assert_ok(svmt_heap_realloc(r, p, 5000, &q));
		assert_true(filled(q, 24, (unsigned)a));
		assert_ok(svmt_heap_free(r, q));
	}
	assert_rc(svmt_heap_alloc_aligned(r, 24, 8, &p), -EINVAL);
	assert_null(p);
	/* realloc: NULL allocates, in place when the next block is free */
	assert_ok(svmt_heap_realloc(r, NULL, 2000, &p));
	fill(p, 2000, 9);
	assert_ok(svmt_heap_realloc(r, p, 100000, &q));
	assert_true(filled(q, 2000, 9));
	assert_ok(svmt_heap_realloc(r, q, 10, &p));
	assert_ptr_equal(p, q); /* shrinking keeps the block */
	assert_ok(svmt_heap_realloc(r, p, 0, &q));
	assert_null(q);
	assert_ok(heap_check(r));
	assert_ok(svmt_region_close(r));
}

/* Random sequences against a model: contents kept, no overlap, no leak. */
struct live {
	char *p;
	size_t n;
	unsigned tag;
};

static int cmp_live(const void *a, const void *b)
{
	const struct live *x = a, *y = b;

	return x->p < y->p ? -1 : x->p > y->p;
}

static void test_heap_random_against_model(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = heap_region(t, &ns, "h", HEAP_SIZE);
	static struct live live[512];
	struct svmt_heap_stats st0, st;
	size_t nlive = 0, nomem = 0;
	uint64_t s = test_seed((uint64_t)time(NULL) ^ (uint64_t)getpid());
	unsigned tag = 0;
	void *p, *q;

	print_message("# seed %llu\n", (unsigned long long)s);
	seed(s);
	stats(r, &st0);
	for (int op = 0; op < 20000; op++) {
		unsigned what = (unsigned)(rnd() % 8);
		size_t i = nlive ? (size_t)(rnd() % nlive) : 0;

		if (nlive < 512 && (what < 4 || !nlive)) {
			size_t n = rnd_size(), a = (size_t)16 << (rnd() % 9);
			int rc = what == 0 ? svmt_heap_alloc_aligned(r, a, n, &p)
						   : svmt_heap_alloc(r, n, &p);

			if (rc == -ENOMEM) {
				nomem++;
				continue;
			}
			assert_rc(rc, 0);
			assert_int_equal((uintptr_t)p % (what == 0 ? a : 16), 0);
			fill(p, n, ++tag);
			live[nlive++] = (struct live){ p, n, tag };
		} else if (what < 7) {
			if (!filled(live[i].p, live[i].n, live[i].tag))
				fail_msg("block %p of %zu bytes changed (seed %llu)",
					 (void *)live[i].p, live[i].n,
					 (unsigned long long)s);
			assert_ok(svmt_heap_free(r, live[i].p));
			live[i] = live[--nlive];
		} else {
			size_t n = rnd_size(), keep = n < live[i].n ? n : live[i].n;
			int rc = svmt_heap_realloc(r, live[i].p, n, &q);

			if (rc == -ENOMEM) {
				assert_true(filled(live[i].p, live[i].n, live[i].tag));
				nomem++;
				continue;
			}
			assert_rc(rc, 0);
			if (!filled(q, keep, live[i].tag))
				fail_msg("realloc lost contents (seed %llu)",
					 (unsigned long long)s);
			fill(q, n, ++tag);
			live[i] = (struct live){ q, n, tag };
		}
	}
	print_message("# %zu live, %zu refused for lack of room\n", nlive, nomem);
	assert_ok(heap_check(r));
	stats(r, &st);
	assert_int_equal(st.objects, nlive);
	qsort(live, nlive, sizeof live[0], cmp_live);
	for (size_t i = 0; i < nlive; i++) {
		assert_true(filled(live[i].p, live[i].n, live[i].tag));
		if (i)
			assert_true(live[i - 1].p + live[i - 1].n <= live[i].p);
	}
	for (size_t i = 0; i < nlive; i++)
		assert_ok(svmt_heap_free(r, live[i].p));
	stats(r, &st);
	assert_int_equal(st.objects, 0);
	assert_int_equal(st.used, st0.used);
	/* everything came back: one allocation can take it all again */
	assert_ok(svmt_heap_alloc(r, st0.free - 16, &p));
	assert_ok(svmt_heap_free(r, p));
	assert_ok(heap_check(r));
	assert_ok(svmt_region_close(r));
}

/* ------------------------------------------------------------- errors */

static void test_heap_errors_never_corrupt(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = heap_region(t, &ns, "h", 1 << 20), *plain = NULL;
	svmt_region *r2 = NULL;
	struct svmt_region_opts o;
	struct svmt_heap_stats st0, st;
	void *p = NULL, *q = NULL, *v[64];
	int local, n = 0, rc;

	stats(r, &st0);
	assert_ok(svmt_heap_alloc(r, 64, &p));
	assert_ok(svmt_heap_alloc(r, 5000, &q));
	/* foreign pointers: the stack, inside a block, past the end */
	assert_rc(svmt_heap_free(r, &local), SVMT_EFOREIGN);
	assert_rc(svmt_heap_free(r, (char *)p + 16), SVMT_EFOREIGN);
	assert_rc(svmt_heap_free(r, (char *)q + 64), SVMT_EFOREIGN);
	assert_rc(svmt_heap_free(r, (char *)svmt_region_data(r) +
				 svmt_region_data_size(r) + 4096), SVMT_EFOREIGN);
	assert_rc(svmt_heap_free(r, svmt_region_data(r)), SVMT_EFOREIGN);
	assert_rc(svmt_heap_realloc(r, &local, 10, &v[0]), SVMT_EFOREIGN);
	assert_null(v[0]);
	assert_ok(svmt_heap_free(r, p));
	/* double free, of a small block and of a large one */
	assert_rc(svmt_heap_free(r, p), SVMT_EDOUBLEFREE);
	assert_ok(svmt_heap_free(r, q));
	assert_rc(svmt_heap_free(r, q), SVMT_EDOUBLEFREE);
	/* exhaustion, then everything back */
	assert_rc(svmt_heap_alloc(r, 2 << 20, &p), -ENOMEM);
	assert_null(p);
	assert_rc(svmt_heap_calloc(r, SIZE_MAX / 2, 4, &p), -ENOMEM);
	while (n < 64 && (rc = svmt_heap_alloc(r, 64 << 10, &v[n])) == 0)
		n++;
	assert_rc(rc, -ENOMEM);
	assert_true(n >= 14 && n < 16);
	assert_ok(heap_check(r));
	while (n)
		assert_ok(svmt_heap_free(r, v[--n]));
	stats(r, &st);
	assert_int_equal(st.used, st0.used);
	assert_int_equal(st.objects, 0);
	assert_ok(heap_check(r));
	/* a region without a heap */
	tl_ropts(&o, 1 << 16, PERSIST);
	assert_ok(svmt_region_open(ns, "plain", &o, &plain));
	assert_rc(svmt_heap_alloc(plain, 10, &p), SVMT_ENOHEAP);
	assert_rc(svmt_heap_stats(plain, &st), SVMT_ENOHEAP);
	/* asking to create a heap where a region without one exists */
	tl_ropts(&o, 1 << 16, PERSIST | SVMT_REGION_HEAP);
	assert_rc(svmt_region_open(ns, "plain", &o, &r2), SVMT_ENOHEAP);
	assert_rc(svmt_region_open(ns, "plain", &o, NULL), SVMT_ENOHEAP);
	assert_ok(svmt_region_close(plain));
	assert_rc(svmt_region_open(ns, "plain", &o, &r2), SVMT_ENOHEAP);
	assert_ok(svmt_region_close(r));
}

/* A heap header damaged by a writer: refused, never followed. */
static void test_heap_damaged_header_is_refused(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = heap_region(t, &ns, "h", 1 << 20);
	struct svmt_region_opts o;
	void *p = NULL;
	svmt_region_list *l = NULL;

	memcpy(svmt_region_data(r), "garbage!", 8);
	assert_ok(svmt_region_close(r));
	svmt_region_opts_init(&o);
	assert_ok(svmt_region_open(ns, "h", &o, &r));
	assert_rc(svmt_heap_alloc(r, 10, &p), SVMT_ECORRUPT);
	tl_list_rdonly(t, &l);
	assert_int_equal(svmt_list_find(l, "h")->heap_total, 0);
	assert_int_equal(svmt_list_find(l, "h")->state, SVMT_STATE_READY);
	svmt_list_free(l);
	assert_ok(svmt_region_close(r));
}

/*
 * Random bytes over the blocks, or over the header's lists: listing,
 * checking, recovering and using the heap give errors, never a crash, and
 * what recover cannot walk is never handed out.
 */
static void test_heap_hostile_bytes_never_crash(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = heap_region(t, &ns, "h", 256 << 10);
	struct svmt_region_opts o;
	struct svmt_heap_hdr *h = svmt_region_data(r);
	uint64_t s = test_seed((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16));
	char *base = svmt_region_data(r);
	size_t size = svmt_region_data_size(r);
	void *v[32];

	print_message("# seed %llu\n", (unsigned long long)s);
	seed(s);
	assert_ok(svmt_region_close(r));
	svmt_region_opts_init(&o);
	for (int round = 0; round < 60; round++) {
		svmt_region_list *l = NULL;
		int n = 0, rc;

		assert_ok(svmt_region_open(ns, "h", &o, &r));
		base = svmt_region_data(r);
		h = (struct svmt_heap_hdr *)(void *)base;
		for (int i = 0; i < 16; i++) /* some blocks to damage */
			if (svmt_heap_alloc(r, 1 + rnd() % 5000, &v[i]))
				break;
		if (round % 3 == 0) { /* bytes in the arena */
			for (int i = 0; i < 64; i++)
				base[h->arena_off + rnd() % (size - h->arena_off)] =
					(char)rnd();
		} else if (round % 3 == 1) { /* list heads */
			h->small[rnd() % SVMT_HEAP_NSMALL] = rnd() % (2 * size);
			h->large[rnd() % SVMT_HEAP_NLARGE] = rnd() % (2 * size);
		} else { /* sizes of blocks */
			uint64_t off = h->arena_off;

			for (int i = 0; i < 4 && off < size; i++)
				off += ((struct blk_hdr { uint64_t sz, prev; } *)
					(void *)(base + off))->sz & ~15ULL;
			if (off < size - 16)
				*(uint64_t *)(void *)(base + off) = rnd();
		}
		assert_ok(svmt_region_close(r));
		tl_list_rdonly(t, &l);
		assert_non_null(svmt_list_find(l, "h"));
		svmt_list_free(l);
		assert_ok(svmt_recover(ns, NULL, 0, SVMT_DRY_RUN, NULL, NULL));
		rc = svmt_recover(ns, NULL, 0, 0, NULL, NULL);
		assert_true(rc == 0 || rc < 0);
		assert_ok(svmt_region_open(ns, "h", &o, &r));
		while (n < 32 && svmt_heap_alloc(r, 1 + rnd() % 3000, &v[n]) == 0)
			n++;
		while (n)
			svmt_heap_free(r, v[--n]);
		assert_ok(svmt_region_close(r));
		/* start again from a good heap */
		assert_ok(svmt_region_remove(ns, "h", 0));
		tl_ropts(&o, 256 << 10, PERSIST | SVMT_REGION_HEAP);
		assert_ok(svmt_region_open(ns, "h", &o, NULL));
		svmt_region_opts_init(&o);
	}
}

/* The root slot: set by one process, found by another. */
static int root_reader(void *arg)
{
	struct tl *t = arg;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	char *p;

	CHILD_RC(tl_child_attach(t, "h", &ns, &r), 0);
	p = svmt_region_get_root(r);
	CHILD_CHECK(p != NULL);
	CHILD_CHECK(!strcmp(p, "top-level structure"));
	svmt_region_close(r);
	svmt_ns_close(ns);
	return 0;
}

static void test_root_slot_is_shared(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = heap_region(t, &ns, "h", 1 << 20);
	svmt_region_list *l = NULL;
	char *p = NULL;

	assert_null(svmt_region_get_root(r));
	assert_ok(svmt_heap_alloc(r, 64, (void **)&p));
	strcpy(p, "top-level structure");
	assert_ok(svmt_region_set_root(r, p));
	assert_ptr_equal(svmt_region_get_root(r), p);
	assert_child_ok(t, tl_fork(t, root_reader, t));
	tl_list_rdonly(t, &l);
	assert_int_equal(svmt_list_find(l, "h")->user_ctx, (uintptr_t)p);
	svmt_list_free(l);
	assert_ok(svmt_region_close(r));
}

/* ----------------------------------------------------- two processes */

struct kid {
	struct tl *t;
	struct tl_chan *c;
};

static int allocator(void *arg)
{
	struct kid *k = arg;
	struct tl *t = k->t;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	struct live mine[64];
	unsigned me = (unsigned)getpid(), tag = 0;
	size_t n = 0;

	seed(me);
	CHILD_RC(tl_child_attach(t, "h", &ns, &r), 0);
	for (int op = 0; op < 20000; op++) {
		if (n < 64 && (rnd() & 1)) {
			size_t sz = 1 + (size_t)(rnd() % 3000);
			void *p;
			int rc = svmt_heap_alloc(r, sz, &p);

			if (rc == -ENOMEM)
				continue;
			CHILD_RC(rc, 0);
			fill(p, sz, me + ++tag);
			mine[n++] = (struct live){ p, sz, me + tag };
		} else if (n) {
			size_t i = (size_t)(rnd() % n);

			CHILD_CHECK(filled(mine[i].p, mine[i].n, mine[i].tag));
			CHILD_RC(svmt_heap_free(r, mine[i].p), 0);
			mine[i] = mine[--n];
		}
	}
	for (size_t i = 0; i < n; i++) /* what it keeps: still its own */
		CHILD_CHECK(filled(mine[i].p, mine[i].n, mine[i].tag));
	svmt_region_close(r);
	svmt_ns_close(ns);
	tl_post_int(k->c, (int32_t)n); /* how many blocks it kept */
	return 0;
}

static void test_heap_two_processes_allocate_at_once(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = heap_region(t, &ns, "h", HEAP_SIZE);
	struct svmt_heap_stats st;
	struct kid ka = { t, tl_chan_new(t) }, kb = { t, tl_chan_new(t) };
	pid_t a = tl_fork(t, allocator, &ka), b = tl_fork(t, allocator, &kb);
	int32_t na = -1, nb = -1;

	assert_child_ok(t, a);
	assert_child_ok(t, b);
	assert_ok(tl_recv(ka.c, &na, sizeof na, TL_WAIT_MS));
	assert_ok(tl_recv(kb.c, &nb, sizeof nb, TL_WAIT_MS));
	assert_ok(heap_check(r));
	stats(r, &st);
	assert_int_equal(st.objects, na + nb);
	assert_ok(svmt_region_close(r));
}

/* ------------------------------------------------ deaths inside the heap */

/*
 * The dying process records the blocks it owns in region "log": slot i is
 * written after its block is filled, and cleared before the block is
 * freed or reallocated.  What the log holds must survive as allocated,
 * intact blocks; what the dead process had in flight is at most two
 * blocks (a moving realloc holds the old block and the new one).
 */
struct dlog {
	uint64_t seed;
	int countdown;           /* crash point to die at; 0: killed from out */
	uint32_t pad;
	uint64_t p[128];
	uint64_t n[128];
	uint32_t tag[128];
};

static int dier(void *arg)
{
	struct tl *t = arg;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL, *lr = NULL;
	struct svmt_region_opts o;
	struct dlog *d;

	CHILD_RC(tl_child_attach(t, "h", &ns, &r), 0);
	svmt_region_opts_init(&o);
	CHILD_RC(svmt_region_open(ns, "log", &o, &lr), 0);
	d = svmt_region_data(lr);
	seed(d->seed);
	svmt_crash_countdown = d->countdown;
	for (unsigned op = 0;; op++) {
		size_t i = (size_t)(rnd() % 128);
		void *p;

		if (!d->p[i]) {
			size_t n = rnd() % 4 ? 1 + (size_t)(rnd() % 900)
					     : 1 + (size_t)(rnd() % 200000);
			int rc = rnd() % 4 ? svmt_heap_alloc(r, n, &p)
					   : svmt_heap_alloc_aligned(r, 256, n, &p);

			if (rc == -ENOMEM)
				continue;
			CHILD_RC(rc, 0);
			fill(p, n, op);
			d->n[i] = n;
			d->tag[i] = op;
			__atomic_store_n(&d->p[i], (uint64_t)(uintptr_t)p,
					 __ATOMIC_RELEASE);
		} else if (rnd() % 3) {
			p = (void *)(uintptr_t)d->p[i];
			__atomic_store_n(&d->p[i], 0, __ATOMIC_RELEASE);
			CHILD_RC(svmt_heap_free(r, p), 0);
		} else {
			size_t n = 1 + (size_t)(rnd() % 5000);
			void *q;
			int rc;

			/* the old block may go: the log forgets it first */
			p = (void *)(uintptr_t)d->p[i];
			__atomic_store_n(&d->p[i], 0, __ATOMIC_RELEASE);
			rc = svmt_heap_realloc(r, p, n, &q);
			if (rc == -ENOMEM) {
				__atomic_store_n(&d->p[i], (uint64_t)(uintptr_t)p,
						 __ATOMIC_RELEASE);
				continue;
			}
			CHILD_RC(rc, 0);
			fill(q, n, op);
			d->n[i] = n;
			d->tag[i] = op;
			__atomic_store_n(&d->p[i], (uint64_t)(uintptr_t)q,
					 __ATOMIC_RELEASE);
		}
	}
	return 0;
}

static void test_heap_survives_kill9_inside_operations(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = heap_region(t, &ns, "h", 16 << 20), *lr = NULL;
	struct svmt_region_opts o;
	struct svmt_heap_stats st;
	struct dlog *d;
	uint64_t s = test_seed((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20));
	int dead_inside = 0;

	print_message("# seed %llu\n", (unsigned long long)s);
	seed(s);
	tl_ropts(&o, sizeof *d, PERSIST);
	assert_ok(svmt_region_open(ns, "log", &o, &lr));
	d = svmt_region_data(lr);
	for (int round = 0; round < 40; round++) {
		uint64_t before_objects, leaked;
		struct tl_evlog log = { 0 };
		pid_t kid;
		int st_;

		stats(r, &st);
		before_objects = st.objects;
		for (int i = 0; i < 128; i++)
			before_objects -= d->p[i] != 0;
		d->seed = rnd();
		/* even rounds die at a crash point, odd ones are killed */
		d->countdown = round % 2 ? 0 : 1 + (int)(rnd() % 3000);
		kid = tl_fork(t, dier, t);
		if (round % 2) {
			tl_nap_ms(1 + (int)(rnd() % 20));
			tl_kill(t, kid);
		} else {
			st_ = tl_wait(t, kid, 30000);
			assert_true(st_ != -1);
			if (!WIFSIGNALED(st_) || WTERMSIG(st_) != SIGKILL)
				fail_msg("child ended with status 0x%x", st_);
		}
		/* a dry run sees the dead owner, if it died holding the lock */
		assert_ok(svmt_recover(ns, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log));
		if (round % 2 == 0 && !tl_ev_find(&log, SVMT_EV_DEAD_LOCK_OWNER, "h"))
			fail_msg("round %d: no dead heap lock owner reported", round);
		dead_inside += tl_ev_find(&log, SVMT_EV_DEAD_LOCK_OWNER, "h") != NULL;
		/* the next locker repairs */
		stats(r, &st);
		assert_ok(heap_check(r));
		/* what the log says is allocated and intact */
		for (int i = 0; i < 128; i++)
			if (d->p[i])
				assert_true(filled((void *)(uintptr_t)d->p[i],
						   d->n[i], d->tag[i]));
		/* recover returns what the dead process kept in its cache */
		{
			struct tl_evlog rl = { 0 };

			assert_ok(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &rl));
			stats(r, &st);
		}
		leaked = st.objects - before_objects;
		for (int i = 0; i < 128; i++)
			leaked -= d->p[i] != 0;
		if (leaked > 2)
			fail_msg("round %d: %llu blocks lost, at most 2 may be",
				 round, (unsigned long long)leaked);
		/* never handed out twice: fill what is free, the log stays */
		{
			void *v[256];
			int n = 0;

			while (n < 256 && svmt_heap_alloc(r, 64 << 10, &v[n]) == 0)
				memset(v[n++], 0xa5, 64 << 10);
			for (int i = 0; i < 128; i++)
				if (d->p[i])
					assert_true(filled((void *)(uintptr_t)d->p[i],
							   d->n[i], d->tag[i]));
			while (n)
				assert_ok(svmt_heap_free(r, v[--n]));
		}
		/* every block the log holds can be freed */
		for (int i = 0; i < 128; i++)
			if (d->p[i]) {
				assert_ok(svmt_heap_free(r, (void *)(uintptr_t)d->p[i]));
				d->p[i] = 0;
			}
		assert_ok(heap_check(r));
	}
	print_message("# %d of 40 deaths held the heap lock\n", dead_inside);
	assert_true(dead_inside >= 20);
	/* recover, for real, finds a consistent heap now */
	{
		struct tl_evlog log = { 0 };

		assert_ok(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &log));
		assert_null(tl_ev_find(&log, SVMT_EV_HEAP, "h"));
	}
	assert_ok(svmt_region_close(lr));
	assert_ok(svmt_region_close(r));
}

/* ------------------------------------------------ the per-process cache */

static int cache_then_wait(void *arg)
{
	struct kid *k = arg;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	void *v[10];

	CHILD_RC(tl_child_attach(k->t, "h", &ns, &r), 0);
	for (int i = 0; i < 10; i++)
		CHILD_RC(svmt_heap_alloc(r, 100, &v[i]), 0);
	for (int i = 0; i < 10; i++)
		CHILD_RC(svmt_heap_free(r, v[i]), 0);
	/* freed twice by another process: refused, the block is cached */
	tl_post_int(k->c, (int32_t)((char *)v[0] - (char *)svmt_region_data(r)));
	tl_pause_forever();
	return 0;
}

/* Blocks a process keeps cached stay its own; recover returns them when
 * it dies, and nobody else may free them meanwhile. */
static void test_heap_cache_of_dead_process_is_returned(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = heap_region(t, &ns, "h", 4 << 20);
	struct kid k = { t, tl_chan_new(t) };
	struct svmt_heap_stats st;
	struct tl_evlog log = { 0 };
	const struct tl_ev *ev;
	char want[96];
	int32_t off = 0;
	pid_t kid = tl_fork(t, cache_then_wait, &k);

	assert_ok(tl_recv(k.c, &off, sizeof off, TL_WAIT_MS));
	assert_rc(svmt_heap_free(r, (char *)svmt_region_data(r) + off),
		  SVMT_EDOUBLEFREE);
	stats(r, &st);
	/* the ten it freed, and what its refills took ahead */
	assert_true(st.objects >= 10 && st.objects <= 32);
	tl_kill(t, kid);
	/* a dry run finds them, reading only */
	assert_ok(svmt_recover(ns, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log));
	ev = tl_ev_find(&log, SVMT_EV_HEAP, "h");
	assert_non_null(ev);
	assert_int_equal(ev->fixed, 0);
	snprintf(want, sizeof want, "heap: %llu blocks cached by dead processes",
		 (unsigned long long)st.objects);
	assert_string_equal(ev->detail, want);
	memset(&log, 0, sizeof log);
	assert_ok(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &log));
	ev = tl_ev_find(&log, SVMT_EV_HEAP, "h");
	assert_non_null(ev);
	assert_int_equal(ev->fixed, 1);
	snprintf(want, sizeof want, "heap: returned %llu blocks cached by dead "
		 "processes", (unsigned long long)st.objects);
	assert_string_equal(ev->detail, want);
	stats(r, &st);
	assert_int_equal(st.objects, 0);
	assert_ok(heap_check(r));
	assert_ok(svmt_region_close(r));
}

/* A child of fork() does not get the blocks its parent keeps cached. */
static svmt_region *forked_region;
static struct tl_chan *forked_chan;

static int inherited_alloc(void *arg)
{
	void *p = NULL;

	(void)arg;
	CHILD_RC(svmt_heap_alloc(forked_region, 100, &p), 0);
	tl_post_int(forked_chan, (int32_t)((char *)p -
					   (char *)svmt_region_data(forked_region)));
	return 0;
}

static void test_heap_cache_is_not_inherited(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = heap_region(t, &ns, "h", 4 << 20);
	void *p = NULL, *q = NULL;
	int32_t child_off = -1;

	assert_ok(svmt_heap_alloc(r, 100, &p));
	assert_ok(svmt_heap_free(r, p)); /* now in this process's cache */
	forked_region = r;
	forked_chan = tl_chan_new(t);
	assert_child_ok(t, tl_fork(t, inherited_alloc, NULL));
	assert_ok(tl_recv(forked_chan, &child_off, sizeof child_off, TL_WAIT_MS));
	assert_ok(svmt_heap_alloc(r, 100, &q));
	assert_ptr_equal(q, p); /* the cached one, which the child did not get */
	assert_int_not_equal(child_off, (char *)p - (char *)svmt_region_data(r));
	assert_ok(heap_check(r));
	assert_ok(svmt_region_close(r));
}

/* recover, for real, reports the dead owner and rebuilds. */
static void test_recover_repairs_heap_of_dead_owner(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = heap_region(t, &ns, "h", 1 << 20), *lr = NULL;
	struct svmt_region_opts o;
	struct tl_evlog log = { 0 };
	struct dlog *d;
	const struct tl_ev *ev;
	pid_t kid;

	tl_ropts(&o, sizeof *d, PERSIST);
	assert_ok(svmt_region_open(ns, "log", &o, &lr));
	d = svmt_region_data(lr);
	d->seed = 42;
	d->countdown = 50;
	kid = tl_fork(t, dier, t);
	assert_true(WIFSIGNALED(tl_wait(t, kid, 30000)));
	assert_ok(tl_ns_open(t, SVMT_NS_NOATTACH, &ns));
	assert_ok(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &log));
	ev = tl_ev_find(&log, SVMT_EV_DEAD_LOCK_OWNER, "h");
	if (!ev)
		tl_ev_print(&log);
	assert_non_null(ev);
	assert_int_equal(ev->pid, kid);
	assert_int_equal(ev->fixed, 1);
	assert_non_null(strstr(ev->detail, "heap lock held by dead pid"));
	assert_ok(heap_check(r));
	assert_ok(svmt_region_close(lr));
	assert_ok(svmt_region_close(r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TL_TEST(test_heap_fresh_stats_alloc_free),
		TL_TEST(test_heap_aligned_and_realloc),
		TL_TEST(test_heap_random_against_model),
		TL_TEST(test_heap_errors_never_corrupt),
		TL_TEST(test_heap_damaged_header_is_refused),
		TL_TEST(test_heap_hostile_bytes_never_crash),
		TL_TEST(test_root_slot_is_shared),
		TL_TEST(test_heap_two_processes_allocate_at_once),
		TL_TEST(test_heap_survives_kill9_inside_operations),
		TL_TEST(test_recover_repairs_heap_of_dead_owner),
		TL_TEST(test_heap_cache_of_dead_process_is_returned),
		TL_TEST(test_heap_cache_is_not_inherited),
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
