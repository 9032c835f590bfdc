/*
 * test-space.c - the address-space allocator and the region directory:
 * first fit, free, fragmentation, coalescing, consistency checks, rebuild;
 * the same through regions; directory capacity
 */
#include "testlib.h"

#define MiB (1ULL << 20)
#define P SVMT_PAGE
#define PERSIST (SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT)

/* A namespace of @span bytes and @cap entries, locked for direct use. */
static svmt_ns *locked_ns(struct tl *t, uint64_t span, uint32_t cap, struct svmt_dir *d)
{
	struct svmt_ns_opts o;
	svmt_ns *ns = NULL;
	tl_opts(t, &o, SVMT_NS_CREATE);
	o.span = span;
	o.capacity = cap;
	assert_ok(tl_ns_open_opts(t, &o, &ns));
	assert_ok(svmt_ns_lock(ns, SVMT_TAG_INFO, NULL));
	*d = svmt_ns_dir(ns);
	return ns;
}

static uint64_t area_start(const struct svmt_dir *d)
{
	return d->g->area_start;
}

static uint64_t area_len(const struct svmt_dir *d)
{
	return d->g->base + d->g->span - d->g->area_start;
}

static void assert_one_free_extent(const struct svmt_dir *d)
{
	struct svmt_extent *f = svmt_dir_free(d);
	assert_int_equal(d->r->free_count, 1);
	assert_int_equal(f[0].start, area_start(d));
	assert_int_equal(f[0].len, area_len(d));
}

/* Insert a READY entry for [base, base+size). */
static struct svmt_dirent *add_entry(const struct svmt_dir *d, const char *name,
				     uint64_t base, uint64_t size)
{
	struct svmt_dirent *e = svmt_dir_insert(d, name);
	assert_non_null(e);
	e->base = base;
	e->size = size;
	e->flags = SVMT_RF_PERSISTENT;
	e->generation = 1;
	e->creator = *svmt_self();
	atomic_store(&e->state, SVMT_ENT_READY);
	return e;
}

static void assert_dir_ok(const struct svmt_dir *d)
{
	struct svmt_extent bad;
	int k = svmt_dir_check(d, &bad);
	if (k)
		fail_msg("svmt_dir_check: kind %d, extent 0x%llx+0x%llx", k,
			 (unsigned long long)bad.start, (unsigned long long)bad.len);
}

/* --------------------------------------------------------- the allocator */

static void test_space_first_fit_and_coalesce(void **state)
{
	struct tl *t = *state;
	struct svmt_dir d;
	svmt_ns *ns = locked_ns(t, 64 * MiB, 16, &d);
	uint64_t a0, a1, a2, a3, a4;
	uint64_t s = area_start(&d);

	assert_one_free_extent(&d);
	assert_ok(svmt_space_alloc(&d, P, &a0));
	assert_ok(svmt_space_alloc(&d, P, &a1));
	assert_ok(svmt_space_alloc(&d, 2 * P, &a2));
	assert_int_equal(a0, s);
	assert_int_equal(a1, s + P);
	assert_int_equal(a2, s + 2 * P);
	assert_int_equal(d.r->free_count, 1);

	/* a one-page hole: too small for two pages, first fit for one */
	assert_ok(svmt_space_free(&d, a1, P));
	assert_int_equal(d.r->free_count, 2);
	assert_ok(svmt_space_alloc(&d, 2 * P, &a3));
	assert_int_equal(a3, s + 4 * P);
	assert_ok(svmt_space_alloc(&d, P, &a4));
	assert_int_equal(a4, s + P);
	assert_int_equal(d.r->free_count, 1);

	/* free in an order that needs every kind of merge */
	assert_ok(svmt_space_free(&d, a2, 2 * P));  /* isolated */
	assert_int_equal(d.r->free_count, 2);
	assert_ok(svmt_space_free(&d, a0, P));      /* isolated at start */
	assert_int_equal(d.r->free_count, 3);
	assert_ok(svmt_space_free(&d, a4, P));      /* joins both sides */
	assert_int_equal(d.r->free_count, 2);
	assert_ok(svmt_space_free(&d, a3, 2 * P));  /* joins the tail */
	assert_one_free_extent(&d);
	assert_dir_ok(&d);
	svmt_ns_unlock(ns);
}

static void test_space_free_rejects_double_and_outside(void **state)
{
	struct tl *t = *state;
	struct svmt_dir d;
	svmt_ns *ns = locked_ns(t, 64 * MiB, 16, &d);
	uint64_t a, b;
	uint64_t end = d.g->base + d.g->span;

	assert_ok(svmt_space_alloc(&d, 4 * P, &a));
	assert_ok(svmt_space_alloc(&d, 4 * P, &b));
	/* free space given back again */
	assert_rc(svmt_space_free(&d, b + 4 * P, P), -EINVAL);
	/* overlapping the free tail */
	assert_rc(svmt_space_free(&d, b, 5 * P), -EINVAL);
	/* the namespace object itself, and past the span */
	assert_rc(svmt_space_free(&d, d.g->base, P), -EINVAL);
	assert_rc(svmt_space_free(&d, end, P), -EINVAL);
	assert_rc(svmt_space_free(&d, end - P, 2 * P), -EINVAL);
	assert_rc(svmt_space_free(&d, UINT64_MAX - P + 1, P), -EINVAL);
	/* unaligned, empty */
	assert_rc(svmt_space_free(&d, a + 1, P), -EINVAL);
	assert_rc(svmt_space_free(&d, a, 0), -EINVAL);
	assert_int_equal(d.r->free_count, 1);
	/* a real free, then the same again */
	assert_ok(svmt_space_free(&d, a, 4 * P));
	assert_rc(svmt_space_free(&d, a, 4 * P), -EINVAL);
	assert_rc(svmt_space_free(&d, a + P, P), -EINVAL);
	assert_ok(svmt_space_free(&d, b, 4 * P));
	assert_one_free_extent(&d);
	svmt_ns_unlock(ns);
}

static void test_space_alloc_rejects_bad_lengths(void **state)
{
	struct tl *t = *state;
	struct svmt_dir d;
	svmt_ns *ns = locked_ns(t, 64 * MiB, 16, &d);
	uint64_t a;
	assert_true(svmt_space_alloc(&d, 0, &a) < 0);
	assert_true(svmt_space_alloc(&d, P + 1, &a) < 0);
	assert_rc(svmt_space_alloc(&d, area_len(&d) + P, &a), SVMT_ENOVA);
	assert_one_free_extent(&d);
	/* exactly everything */
	assert_ok(svmt_space_alloc(&d, area_len(&d), &a));
	assert_int_equal(a, area_start(&d));
	assert_int_equal(d.r->free_count, 0);
	assert_rc(svmt_space_alloc(&d, P, &a), SVMT_ENOVA);
	assert_ok(svmt_space_free(&d, area_start(&d), area_len(&d)));
	assert_one_free_extent(&d);
	svmt_ns_unlock(ns);
}

static void test_space_fill_fragment_coalesce_with_entries(void **state)
{
	struct tl *t = *state;
	struct svmt_dir d;
	svmt_ns *ns = locked_ns(t, 64 * MiB, 128, &d);
	uint64_t base[128], a;
	struct svmt_dirent *e;
	char name[16];
	int n = 0, rc, runs;
	bool used[128] = { false };
	uint64_t tail = area_len(&d) % MiB;

	while ((rc = svmt_space_alloc(&d, MiB, &a)) == 0) {
		assert_true(n < 128);
		snprintf(name, sizeof name, "e%d", n);
		add_entry(&d, name, a, MiB);
		base[n] = a;
		used[n++] = true;
	}
	assert_rc(rc, SVMT_ENOVA);
	assert_int_equal((uint64_t)n, area_len(&d) / MiB);
	assert_int_equal(d.r->count, (uint32_t)n);
	assert_dir_ok(&d);
	for (int i = 1; i < n; i++)
		assert_int_equal(base[i], base[i - 1] + MiB);

	/* remove every other one */
	for (int i = 0; i < n; i += 2) {
		snprintf(name, sizeof name, "e%d", i);
		e = svmt_dir_find(&d, name);
		assert_non_null(e);
		assert_ok(svmt_space_free(&d, e->base, e->size));
		svmt_dir_delete(&d, e);
		used[i] = false;
	}
	assert_dir_ok(&d);
	/* free runs: each removed one, the last merged with the tail */
	runs = 0;
	for (int i = 0; i < n; i++)
		if (!used[i] && (i == 0 || used[i - 1]))
			runs++;
	if (tail && used[n - 1])
		runs++;
	assert_int_equal(d.r->free_count, (uint32_t)runs);
	/* plenty of free space in total, none of it 2 MiB in one piece */
	assert_rc(svmt_space_alloc(&d, 2 * MiB, &a), SVMT_ENOVA);
	/* the survivors are still found by name, the removed ones not */
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "e%d", i);
		e = svmt_dir_find(&d, name);
		if (used[i]) {
			assert_non_null(e);
			assert_int_equal(e->base, base[i]);
		} else {
			assert_null(e);
		}
	}

	/* remove the rest, from the top down */
	for (int i = n - 1; i >= 0; i--) {
		if (!used[i])
			continue;
		snprintf(name, sizeof name, "e%d", i);
		e = svmt_dir_find(&d, name);
		assert_non_null(e);
		assert_ok(svmt_space_free(&d, e->base, e->size));
		svmt_dir_delete(&d, e);
		used[i] = false;
	}
	assert_one_free_extent(&d);
	assert_int_equal(d.r->count, 0);
	assert_dir_ok(&d);
	svmt_ns_unlock(ns);
}

static void test_dir_check_detects_leak_and_double_owner(void **state)
{
	struct tl *t = *state;
	struct svmt_dir d;
	svmt_ns *ns = locked_ns(t, 64 * MiB, 16, &d);
	struct svmt_extent *f = svmt_dir_free(&d), bad, saved;
	uint64_t a;

	assert_ok(svmt_space_alloc(&d, MiB, &a));
	add_entry(&d, "one", a, MiB);
	assert_dir_ok(&d);

	/* leak: the free tail shrinks by a page nobody owns */
	saved = f[0];
	f[0].start += P;
	f[0].len -= P;
	assert_int_equal(svmt_dir_check(&d, &bad), SVMT_EV_SPACE_LEAK);
	f[0] = saved;
	assert_dir_ok(&d);

	/* double owner: the free list also hands out the entry's last page */
	f[0].start -= P;
	f[0].len += P;
	assert_int_equal(svmt_dir_check(&d, &bad), SVMT_EV_SPACE_LEAK);
	f[0] = saved;

	/* lost free list */
	d.r->free_count = 0;
	assert_int_equal(svmt_dir_check(&d, &bad), SVMT_EV_SPACE_LEAK);
	assert_int_equal(bad.start, saved.start);
	assert_int_equal(bad.len, saved.len);

	/* rebuild restores it from the entries */
	assert_ok(svmt_dir_rebuild(&d, NULL, NULL));
	assert_dir_ok(&d);
	assert_int_equal(d.r->free_count, 1);
	assert_int_equal(f[0].start, a + MiB);
	assert_non_null(svmt_dir_find(&d, "one"));
	svmt_ns_unlock(ns);
}

static void test_dir_check_detects_bad_index(void **state)
{
	struct tl *t = *state;
	struct svmt_dir d;
	svmt_ns *ns = locked_ns(t, 64 * MiB, 16, &d);
	struct svmt_extent bad;
	struct svmt_dirent *e;
	uint64_t a;

	assert_ok(svmt_space_alloc(&d, MiB, &a));
	e = add_entry(&d, "one", a, MiB);
	/* the count disagrees with the slots */
	d.r->count = 5;
	assert_int_equal(svmt_dir_check(&d, &bad), SVMT_EV_DIRECTORY);
	d.r->count = 1;
	assert_dir_ok(&d);
	/* an entry outside the span */
	e->base = d.g->base + d.g->span;
	assert_int_equal(svmt_dir_check(&d, &bad), SVMT_EV_DIRECTORY);
	e->base = a;
	assert_dir_ok(&d);
	svmt_ns_unlock(ns);
}

static void rebuild_dropped(const struct svmt_dirent *e, void *arg)
{
	int *n = arg;
	(void)e;
	(*n)++;
}

static void test_dir_rebuild_drops_overlapping_entries(void **state)
{
	struct tl *t = *state;
	struct svmt_dir d;
	svmt_ns *ns = locked_ns(t, 64 * MiB, 16, &d);
	struct svmt_extent bad;
	uint64_t a;
	int dropped = 0;

	assert_ok(svmt_space_alloc(&d, 2 * MiB, &a));
	add_entry(&d, "first", a, 2 * MiB);
	add_entry(&d, "overlap", a + MiB, 2 * MiB); /* claims space twice */
	assert_true(svmt_dir_check(&d, &bad) != 0);
	assert_ok(svmt_dir_rebuild(&d, rebuild_dropped, &dropped));
	assert_int_equal(dropped, 1);
	assert_int_equal(d.r->count, 1);
	assert_dir_ok(&d);
	svmt_ns_unlock(ns);
}

static void test_space_reset_gives_whole_area(void **state)
{
	struct tl *t = *state;
	struct svmt_dir d;
	svmt_ns *ns = locked_ns(t, 64 * MiB, 16, &d);
	uint64_t a;
	assert_ok(svmt_space_alloc(&d, 3 * MiB, &a));
	assert_ok(svmt_space_alloc(&d, 3 * MiB, &a));
	svmt_space_reset(&d);
	assert_one_free_extent(&d);
	svmt_ns_unlock(ns);
}

static void test_dir_hash_survives_deletes_in_collision_chains(void **state)
{
	struct tl *t = *state;
	struct svmt_dir d;
	svmt_ns *ns = locked_ns(t, 64 * MiB, 8, &d);
	char name[16];
	bool present[8];
	uint64_t a;
	/* fill to capacity (slots >= 2*capacity, so chains form), delete in a
	 * scattered order, check every lookup after every delete */
	const int order[8] = { 3, 0, 7, 5, 1, 6, 2, 4 };

	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof name, "n%d", i);
		assert_ok(svmt_space_alloc(&d, P, &a));
		add_entry(&d, name, a, P);
		present[i] = true;
	}
	assert_null(svmt_dir_insert(&d, "ninth"));
	assert_dir_ok(&d);
	for (int k = 0; k < 8; k++) {
		struct svmt_dirent *e;
		snprintf(name, sizeof name, "n%d", order[k]);
		e = svmt_dir_find(&d, name);
		assert_non_null(e);
		assert_ok(svmt_space_free(&d, e->base, e->size));
		svmt_dir_delete(&d, e);
		present[order[k]] = false;
		for (int i = 0; i < 8; i++) {
			snprintf(name, sizeof name, "n%d", i);
			if (present[i] != (svmt_dir_find(&d, name) != NULL))
				fail_msg("after deleting n%d: lookup of n%d is wrong", order[k], i);
		}
		assert_dir_ok(&d);
	}
	assert_one_free_extent(&d);
	svmt_ns_unlock(ns);
}

/* ------------------------------------------------------- through regions */

static void test_regions_fill_fragment_and_coalesce(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	struct svmt_ns_info in0, in;
	struct svmt_region_opts ro;
	svmt_ns *ns = NULL;
	char name[16];
	uint64_t rsize, dsize = MiB - svmt_rhdr_data_off(SVMT_DEFAULT_MAX_CLIENTS, SVMT_PAGE);
	int n = 0, rc, holes;

	tl_opts(t, &o, SVMT_NS_CREATE);
	o.span = 64 * MiB;
	o.capacity = 128;
	assert_ok(tl_ns_open_opts(t, &o, &ns));
	assert_ok(svmt_ns_info(ns, &in0));

	tl_ropts(&ro, dsize, PERSIST);
	for (;;) {
		snprintf(name, sizeof name, "r%03d", n);
		rc = svmt_region_open(ns, name, &ro, NULL);
		if (rc)
			break;
		n++;
		assert_true(n <= 128);
	}
	assert_rc(rc, SVMT_ENOVA);
	assert_false(tl_exists(t, tl_obj(t, name)));
	{
		svmt_region_list *ri = NULL;
		assert_ok(svmt_list(ns, &ri));
		assert_int_equal(svmt_list_count(ri), (size_t)n);
		rsize = svmt_list_get(ri, 0)->size;
		svmt_list_free(ri);
	}
	assert_int_equal(rsize, MiB);
	assert_int_equal((uint64_t)n, in0.free_bytes / rsize);
	assert_ok(svmt_ns_info(ns, &in));
	assert_int_equal(in.count, (uint32_t)n);
	assert_true(in.largest_free < rsize);

	/* remove every other region */
	holes = 0;
	for (int i = 0; i < n; i += 2) {
		snprintf(name, sizeof name, "r%03d", i);
		assert_ok(svmt_region_remove(ns, name, 0));
		holes++;
	}
	assert_ok(svmt_ns_info(ns, &in));
	assert_int_equal(in.count, (uint32_t)(n - holes));
	assert_int_equal(in.free_bytes, in0.free_bytes - (uint64_t)(n - holes) * rsize);
	assert_true(in.free_extents >= (uint32_t)holes);
	assert_true(in.free_extents <= (uint32_t)holes + 1);
	assert_true(in.largest_free < 2 * rsize);
	/* free space is plentiful but fragmented: a 2 MiB region cannot fit */
	tl_ropts(&ro, 2 * MiB - svmt_rhdr_data_off(SVMT_DEFAULT_MAX_CLIENTS, SVMT_PAGE), PERSIST);
	assert_rc(svmt_region_open(ns, "big", &ro, NULL), SVMT_ENOVA);
	assert_false(tl_exists(t, tl_obj(t, "big")));
	/* ...but a 1 MiB one can */
	tl_ropts(&ro, dsize, PERSIST);
	assert_ok(svmt_region_open(ns, "fits", &ro, NULL));
	assert_ok(svmt_region_remove(ns, "fits", 0));

	/* remove the rest: one extent, the whole area */
	for (int i = 1; i < n; i += 2) {
		snprintf(name, sizeof name, "r%03d", i);
		assert_ok(svmt_region_remove(ns, name, 0));
	}
	assert_ok(svmt_ns_info(ns, &in));
	assert_int_equal(in.count, 0);
	assert_int_equal(in.free_extents, 1);
	assert_int_equal(in.free_bytes, in0.free_bytes);
	assert_int_equal(in.largest_free, in0.free_bytes);
	assert_int_equal(in.free_bytes, in.span - in.root_size);
	assert_int_equal(tl_count_files(t), 1);
	/* and now the big one fits */
	tl_ropts(&ro, 2 * MiB - svmt_rhdr_data_off(SVMT_DEFAULT_MAX_CLIENTS, SVMT_PAGE), PERSIST);
	assert_ok(svmt_region_open(ns, "big", &ro, NULL));
}

static void test_region_larger_than_span_is_efbig(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts ro;
	struct svmt_ns_info in0, in1;
	int rc;

	assert_ok(svmt_ns_info(ns, &in0));
	tl_ropts(&ro, TL_SPAN, PERSIST);
	assert_rc(svmt_region_open(ns, "huge", &ro, NULL), -EFBIG);
	tl_ropts(&ro, UINT64_MAX - 100, PERSIST);
	rc = svmt_region_open(ns, "huge", &ro, NULL);
	if (rc != -EFBIG && rc != -EINVAL)
		fail_msg("size UINT64_MAX-100: %d (%s)", rc, svmt_strerror(rc));
	tl_ropts(&ro, (1ULL << 63) + 1, PERSIST);
	rc = svmt_region_open(ns, "huge", &ro, NULL);
	if (rc != -EFBIG && rc != -EINVAL)
		fail_msg("size 2^63+1: %d (%s)", rc, svmt_strerror(rc));
	assert_ok(svmt_ns_info(ns, &in1));
	assert_int_equal(in1.free_bytes, in0.free_bytes);
	assert_int_equal(in1.count, 0);
	assert_int_equal(tl_count_files(t), 1);
}

static void test_directory_at_capacity_is_edirfull(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	struct svmt_ns_info in;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	char name[16];

	tl_opts(t, &o, SVMT_NS_CREATE);
	o.capacity = 4;
	assert_ok(tl_ns_open_opts(t, &o, &ns));
	tl_ropts(&ro, 8192, PERSIST);
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "c%d", i);
		assert_ok(svmt_region_open(ns, name, &ro, NULL));
	}
	assert_rc(svmt_region_open(ns, "c4", &ro, NULL), SVMT_EDIRFULL);
	assert_rc(svmt_region_open(ns, "c4", &ro, &r), SVMT_EDIRFULL);
	assert_false(tl_exists(t, tl_obj(t, "c4")));
	assert_ok(svmt_ns_info(ns, &in));
	assert_int_equal(in.count, 4);
	assert_int_equal(in.capacity, 4);
	/* existing ones still open fine when full */
	assert_ok(svmt_region_open(ns, "c2", &ro, &r));
	assert_ok(svmt_region_close(r));
	/* removing one makes room for another */
	assert_ok(svmt_region_remove(ns, "c1", 0));
	assert_ok(svmt_region_open(ns, "c4", &ro, NULL));
	assert_rc(svmt_region_open(ns, "c5", &ro, NULL), SVMT_EDIRFULL);
	assert_ok(svmt_ns_info(ns, &in));
	assert_int_equal(in.count, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TL_TEST(test_space_first_fit_and_coalesce),
		TL_TEST(test_space_free_rejects_double_and_outside),
		TL_TEST(test_space_alloc_rejects_bad_lengths),
		TL_TEST(test_space_fill_fragment_coalesce_with_entries),
		TL_TEST(test_dir_check_detects_leak_and_double_owner),
		TL_TEST(test_dir_check_detects_bad_index),
		TL_TEST(test_dir_rebuild_drops_overlapping_entries),
		TL_TEST(test_space_reset_gives_whole_area),
		TL_TEST(test_dir_hash_survives_deletes_in_collision_chains),
		TL_TEST(test_regions_fill_fragment_and_coalesce),
		TL_TEST(test_region_larger_than_span_is_efbig),
		TL_TEST(test_directory_at_capacity_is_edirfull),
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
