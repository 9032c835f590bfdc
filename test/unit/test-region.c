/*
 * test-region.c - regions: geometry, sharing across processes, exclusive
 * creation races, lifecycle (persistent / last client out), removal,
 * init callbacks and half-created regions, ENOSPC on a full tmpfs
 */
#include "testlib.h"

#define PERSIST (SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT)

static const struct svmt_region_info *list_one(struct tl *t, const char *name,
			svmt_region_list **all, size_t *n)
{
	tl_list_rdonly(t, all);
	*n = svmt_list_count(*all);
	return svmt_list_find(*all, name);
}

/* ------------------------------------------------------------- geometry */

static void test_region_create_rounds_size_and_maps_data(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_ns_info in;
	struct svmt_region_opts o;
	svmt_region *r = NULL;
	unsigned char *d;

	assert_ok(svmt_ns_info(ns, &in));
	tl_ropts(&o, 5000, PERSIST);
	assert_ok(svmt_region_open(ns, "geo", &o, &r));
	d = svmt_region_data(r);
	assert_non_null(d);
	assert_int_equal(svmt_region_data_size(r), 8192);
	assert_int_equal((uintptr_t)d % SVMT_PAGE, 0);
	assert_int_equal(svmt_region_base(r) % SVMT_PAGE, 0);
	assert_int_equal(svmt_region_size(r) % SVMT_PAGE, 0);
	assert_true(svmt_region_base(r) >= in.base + in.root_size);
	assert_true(svmt_region_base(r) + svmt_region_size(r) <= in.base + in.span);
	assert_true((uintptr_t)d > svmt_region_base(r));
	assert_int_equal((uintptr_t)d + svmt_region_data_size(r),
			 svmt_region_base(r) + svmt_region_size(r));
	assert_string_equal(svmt_region_name(r), "geo");
	/* the header is at the base */
	assert_memory_equal((void *)(uintptr_t)svmt_region_base(r), SVMT_RGN_MAGIC, 8);
	/* data is zeroed and writable end to end */
	for (size_t i = 0; i < 8192; i++)
		if (d[i])
			fail_msg("data byte %zu is 0x%02x, not zero", i, d[i]);
	memset(d, 0x5a, 8192);
	/* the object has exactly the region's size */
	assert_int_equal(tl_file_size(t, tl_obj(t, "geo")), (off_t)svmt_region_size(r));
	assert_ok(svmt_region_close(r));
}

static void test_region_info_fields(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region *r = NULL;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	size_t n = 0;
	time_t before = tl_realtime_s(), after;
	uint64_t base, size;

	tl_ropts(&o, 1 << 16, PERSIST);
	o.user_ctx = 0x1234abcd5678ULL;
	assert_ok(svmt_region_open(ns, "info", &o, &r));
	after = tl_realtime_s();
	base = svmt_region_base(r);
	size = svmt_region_size(r);
	ri = list_one(t, "info", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->state, SVMT_STATE_READY);
	assert_int_equal(ri->base, base);
	assert_int_equal(ri->size, size);
	assert_int_equal(ri->data_base, (uintptr_t)svmt_region_data(r));
	assert_int_equal(ri->data_size, 1 << 16);
	assert_int_equal(ri->user_ctx, 0x1234abcd5678ULL);
	assert_true(ri->generation >= 1);
	assert_true(ri->flags & SVMT_RF_PERSISTENT);
	assert_int_equal(ri->mode & 07777, 0600);
	assert_int_equal(ri->uid, getuid());
	assert_int_equal(ri->gid, getgid());
	assert_true(ri->ctime >= before && ri->ctime <= after);
	assert_int_equal(ri->nclients, 1);
	assert_int_equal(ri->nghosts, 0);
	assert_non_null(ri->clients);
	assert_int_equal(ri->clients[0]->pid, getpid());
	assert_int_equal(ri->clients[0]->alive, 1);
	assert_int_equal(ri->clients[0]->start_time, svmt_proc_start(getpid(), NULL));
	assert_int_equal(ri->lock->owner, 0);
	svmt_list_free(all);
	assert_ok(svmt_region_close(r));
}

static void test_region_list_is_sorted_by_name(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	svmt_region_list *l = NULL;
	size_t n;
	tl_region_make(ns, "b", 8192);
	tl_region_make(ns, "c", 8192);
	tl_region_make(ns, "a", 8192);
	assert_ok(svmt_list(ns, &l));
	n = svmt_list_count(l);
	assert_int_equal(n, 3);
	assert_string_equal(svmt_list_get(l, 0)->name, "a");
	assert_string_equal(svmt_list_get(l, 1)->name, "b");
	assert_string_equal(svmt_list_get(l, 2)->name, "c");
	assert_ptr_equal(svmt_list_find(l, "/b"), svmt_list_get(l, 1));
	assert_null(svmt_list_find(l, "bb"));
	assert_null(svmt_list_get(l, 3));
	/* extents do not overlap */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++) {
			const struct svmt_region_info *a = svmt_list_get(l, i);
			const struct svmt_region_info *b = svmt_list_get(l, j);

			assert_true(a->base + a->size <= b->base ||
				    b->base + b->size <= a->base);
		}
	svmt_list_free(l);
}

/* Names sharing their first 8 bytes or more, and shorter ones: strcmp's
 * order (the sort compares 8-byte prefixes first). */
static void test_region_list_sorts_long_shared_prefixes(void **state)
{
	static const char *const made[] = {
		"region-10", "r", "region-1", "regio", "region-09",
		"region-1a", "region-", "region_1", "Region-1", "region-100",
	};
	const size_t n = sizeof(made) / sizeof(made[0]);
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	svmt_region_list *l = NULL;
	const char *want[sizeof(made) / sizeof(made[0])];

	for (size_t i = 0; i < n; i++) {
		tl_region_make(ns, made[i], 4096);
		want[i] = made[i];
	}
	/* the expected order, by strcmp (insertion sort) */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(want[j - 1], want[j]) > 0; j--) {
			const char *x = want[j];

			want[j] = want[j - 1];
			want[j - 1] = x;
		}
	assert_ok(svmt_list(ns, &l));
	assert_int_equal(svmt_list_count(l), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(svmt_list_get(l, i)->name, want[i]);
	svmt_list_free(l);
}

static void test_region_mode_umask_and_exact_mode(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	struct stat st;

	umask(077);
	tl_ropts(&o, 8192, PERSIST);
	o.mode = 0640;
	assert_ok(svmt_region_open(ns, "masked", &o, NULL));
	assert_int_equal(lstat(tl_path(t, tl_obj(t, "masked")), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	o.flags |= SVMT_REGION_EXACT_MODE;
	assert_ok(svmt_region_open(ns, "exact", &o, NULL));
	assert_int_equal(lstat(tl_path(t, tl_obj(t, "exact")), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
}

/* ------------------------------------------------------- open variants */

static void test_region_open_missing_is_enoent(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region *r = NULL;
	svmt_region_opts_init(&o);
	assert_rc(svmt_region_open(ns, "nope", &o, &r), -ENOENT);
	assert_int_equal(tl_count_files(t), 1);
}

static void test_region_create_size_zero_is_einval(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region *r = NULL;
	tl_ropts(&o, 0, PERSIST);
	assert_rc(svmt_region_open(ns, "zero", &o, &r), -EINVAL);
	assert_rc(svmt_region_open(ns, "zero", &o, NULL), -EINVAL);
	assert_int_equal(tl_count_files(t), 1);
}

static void test_region_open_with_other_size_is_esize(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region *r = NULL;

	tl_region_make(ns, "sz", 3 * 4096);
	tl_ropts(&o, 4 * 4096, 0);
	assert_rc(svmt_region_open(ns, "sz", &o, &r), SVMT_ESIZE);
	tl_ropts(&o, 4 * 4096, PERSIST);
	assert_rc(svmt_region_open(ns, "sz", &o, &r), SVMT_ESIZE);
	/* a size that rounds to the same page count is the same size */
	tl_ropts(&o, 3 * 4096 - 10, 0);
	assert_ok(svmt_region_open(ns, "sz", &o, &r));
	assert_ok(svmt_region_close(r));
	/* size 0: any size */
	tl_ropts(&o, 0, 0);
	assert_ok(svmt_region_open(ns, "sz", &o, &r));
	assert_int_equal(svmt_region_data_size(r), 3 * 4096);
	assert_ok(svmt_region_close(r));
}

static void test_region_create_without_excl_opens_existing(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region *r = NULL;
	struct svmt_ns_info in;
	uint64_t base;

	tl_ropts(&o, 8192, PERSIST);
	assert_ok(svmt_region_open(ns, "x", &o, &r));
	base = svmt_region_base(r);
	memcpy(svmt_region_data(r), "kept", 5);
	assert_ok(svmt_region_close(r));
	assert_ok(svmt_region_open(ns, "x", &o, &r));
	assert_int_equal(svmt_region_base(r), base);
	assert_string_equal((char *)svmt_region_data(r), "kept");
	assert_ok(svmt_region_close(r));
	assert_ok(svmt_region_open(ns, "x", &o, NULL));
	assert_ok(svmt_ns_info(ns, &in));
	assert_int_equal(in.count, 1);
	o.flags |= SVMT_REGION_EXCL;
	assert_rc(svmt_region_open(ns, "x", &o, &r), -EEXIST);
	assert_rc(svmt_region_open(ns, "x", &o, NULL), -EEXIST);
}

static void test_region_open_twice_in_process_is_one_client(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region *a = NULL, *b = NULL;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	size_t n = 0;
	char *d;

	tl_ropts(&o, 8192, PERSIST);
	assert_ok(svmt_region_open(ns, "twice", &o, &a));
	assert_ok(svmt_region_open(ns, "twice", &o, &b));
	assert_ptr_equal(a, b);
	ri = list_one(t, "twice", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->nclients, 1);
	svmt_list_free(all);

	d = svmt_region_data(a);
	assert_ok(svmt_region_close(b));
	/* still attached after one close */
	memcpy(d, "still", 6);
	ri = list_one(t, "twice", &all, &n);
	assert_int_equal(ri->nclients, 1);
	svmt_list_free(all);
	assert_ok(svmt_region_close(a));
	ri = list_one(t, "twice", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->nclients, 0);
	svmt_list_free(all);
}

static void test_region_handles_of_other_namespace_regions_are_distinct(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region *a = NULL, *b = NULL;
	tl_ropts(&o, 8192, PERSIST);
	assert_ok(svmt_region_open(ns, "one", &o, &a));
	assert_ok(svmt_region_open(ns, "two", &o, &b));
	assert_ptr_not_equal(a, b);
	assert_true(svmt_region_base(a) != svmt_region_base(b));
	memset(svmt_region_data(a), 1, 8192);
	memset(svmt_region_data(b), 2, 8192);
	assert_int_equal(((unsigned char *)svmt_region_data(a))[8191], 1);
	assert_ok(svmt_region_close(a));
	assert_ok(svmt_region_close(b));
}

/* ------------------------------------------- sharing between processes */

struct shared_hdr {
	void *self;          /* where the writer saw the data area */
	int *from_child;     /* pointer into the data area, set by the child */
	int *from_parent;    /* pointer into the data area, set by the parent */
};

struct share_arg {
	struct tl *t;
	struct tl_chan *c;
};

static int share_child(void *p)
{
	struct share_arg *a = p;
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	struct shared_hdr *h;
	char *d;

	tl_opts(a->t, &o, SVMT_NS_CREATE);
	CHILD_RC(svmt_ns_open(&o, &ns), 0);
	tl_ropts(&ro, 1 << 20, SVMT_REGION_CREATE);
	CHILD_RC(svmt_region_open(ns, "shared", &ro, &r), 0);
	d = svmt_region_data(r);
	h = (struct shared_hdr *)d;
	h->self = d;
	h->from_child = (int *)(d + 4096);
	*h->from_child = 4242;
	tl_post(a->c, 'A');
	tl_hold(a->c);
	/* the parent stored a raw pointer; dereference it here */
	CHILD_CHECK(h->from_parent != NULL);
	CHILD_CHECK((char *)h->from_parent >= d && (char *)h->from_parent < d + (1 << 20));
	CHILD_CHECK(*h->from_parent == 777);
	CHILD_RC(svmt_region_close(r), 0);
	svmt_ns_close(ns);
	return 0;
}

static void test_region_two_processes_share_pointers_at_one_address(void **state)
{
	struct tl *t = *state;
	struct tl_chan *c = tl_chan_new(t);
	struct share_arg a = { t, c };
	struct svmt_region_opts o;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	struct shared_hdr *h;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	size_t n = 0;
	pid_t kid;
	char *d;

	kid = tl_fork(t, share_child, &a);
	assert_true(kid > 0);
	assert_await(c, 'A');

	assert_ok(tl_ns_open(t, 0, &ns));
	svmt_region_opts_init(&o);
	assert_ok(svmt_region_open(ns, "shared", &o, &r));
	d = svmt_region_data(r);
	h = (struct shared_hdr *)d;
	/* same virtual address in both processes */
	assert_ptr_equal(h->self, d);
	/* the child's pointer works here */
	assert_ptr_equal(h->from_child, (int *)(d + 4096));
	assert_int_equal(*h->from_child, 4242);
	/* both are registered clients */
	ri = list_one(t, "shared", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->nclients, 2);
	assert_true((ri->clients[0]->pid == kid && ri->clients[1]->pid == getpid()) ||
		    (ri->clients[1]->pid == kid && ri->clients[0]->pid == getpid()));
	svmt_list_free(all);
	/* and the parent's pointer works there */
	h->from_parent = (int *)(d + 8192);
	*h->from_parent = 777;
	tl_go(c, 1);
	assert_child_ok(t, kid);
	assert_ok(svmt_region_close(r));
	/* non-persistent, last client out: destroyed */
	assert_false(tl_exists(t, tl_obj(t, "shared")));
}

/* ------------------------------------------------------ racing creators */

static int race_region_child(void *p)
{
	struct share_arg *a = p;
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	int rc;

	tl_opts(a->t, &o, SVMT_NS_CREATE);
	rc = svmt_ns_open(&o, &ns);
	if (rc) {
		tl_post_int(a->c, 2000 + rc);
		return 1;
	}
	tl_post(a->c, 'R');
	tl_hold(a->c);
	tl_ropts(&ro, 1 << 16, SVMT_REGION_CREATE | SVMT_REGION_EXCL | SVMT_REGION_PERSISTENT);
	rc = svmt_region_open(ns, "race", &ro, &r);
	if (rc == 0) {
		memset(svmt_region_data(r), 0x11, 1 << 16);
		svmt_region_close(r);
	}
	tl_post_int(a->c, rc);
	svmt_ns_close(ns);
	return 0;
}

static void test_region_racing_exclusive_creators_one_wins(void **state)
{
	struct tl *t = *state;
	struct tl_chan *c = tl_chan_new(t);
	struct share_arg a = { t, c };
	pid_t kids[8];
	int ok = 0, eexist = 0;
	svmt_ns *ns = NULL;
	svmt_region_list *ri = NULL;

	for (int i = 0; i < 8; i++) {
		kids[i] = tl_fork(t, race_region_child, &a);
		assert_true(kids[i] > 0);
	}
	for (int i = 0; i < 8; i++)
		assert_await(c, 'R');
	tl_go(c, 8);
	for (int i = 0; i < 8; i++) {
		int32_t rc;
		assert_ok(tl_recv(c, &rc, sizeof rc, TL_WAIT_MS));
		if (rc == 0)
			ok++;
		else if (rc == -EEXIST)
			eexist++;
		else
			fail_msg("a racing creator got %d (%s)", rc, svmt_strerror(rc));
	}
	for (int i = 0; i < 8; i++)
		assert_child_ok(t, kids[i]);
	assert_int_equal(ok, 1);
	assert_int_equal(eexist, 7);
	/* one object, one directory entry */
	assert_int_equal(tl_count_files(t), 2);
	assert_true(tl_exists(t, tl_obj(t, "race")));
	assert_ok(tl_ns_open(t, 0, &ns));
	assert_ok(svmt_list(ns, &ri));
	assert_int_equal(svmt_list_count(ri), 1);
	assert_string_equal(svmt_list_get(ri, 0)->name, "race");
	assert_int_equal(svmt_list_get(ri, 0)->state, SVMT_STATE_READY);
	svmt_list_free(ri);
	{
		struct svmt_ns_info in;
		assert_ok(svmt_ns_info(ns, &in));
		assert_int_equal(in.count, 1);
	}
}

/* ------------------------------------------------------------ lifecycle */

static int client_child(void *p)
{
	struct share_arg *a = p;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	CHILD_RC(tl_child_attach(a->t, "life", &ns, &r), 0);
	memcpy(svmt_region_data(r), "child", 6);
	tl_post(a->c, 'C');
	tl_hold(a->c);
	CHILD_RC(svmt_region_close(r), 0);
	svmt_ns_close(ns);
	return 0;
}

/* Attach "anchor" (keeps nothing alive), wait, then attach "life". */
static int anchor_then_life_child(void *p)
{
	struct share_arg *a = p;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL, *life = NULL;
	struct svmt_region_opts ro;
	CHILD_RC(tl_child_attach(a->t, "anchor", &ns, &r), 0);
	tl_post(a->c, 'C');
	tl_hold(a->c);
	svmt_region_opts_init(&ro);
	CHILD_RC(svmt_region_open(ns, "life", &ro, &life), 0);
	tl_post(a->c, 'L');
	tl_hold(a->c);
	CHILD_RC(svmt_region_close(life), 0);
	CHILD_RC(svmt_region_close(r), 0);
	svmt_ns_close(ns);
	return 0;
}

static void test_region_non_persistent_destroyed_by_last_client_out(void **state)
{
	struct tl *t = *state;
	struct tl_chan *c = tl_chan_new(t);
	struct share_arg a = { t, c };
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	struct svmt_ns_info in0, in1;
	svmt_region *r = NULL;
	pid_t kid;

	assert_ok(svmt_ns_info(ns, &in0));
	/* the child attaches on its own (forked with nothing open) */
	tl_region_make(ns, "anchor", 8192);
	tl_ns_close(t, ns);
	kid = tl_fork(t, anchor_then_life_child, &a);
	assert_await(c, 'C');
	ns = tl_ns_create(t);
	tl_ropts(&o, 1 << 16, SVMT_REGION_CREATE);
	assert_ok(svmt_region_open(ns, "life", &o, &r));
	tl_go(c, 1);
	assert_await(c, 'L');
	/* the parent leaves first: the child still holds it */
	assert_ok(svmt_region_close(r));
	assert_true(tl_exists(t, tl_obj(t, "life")));
	assert_ok(svmt_ns_info(ns, &in1));
	assert_int_equal(in1.count, 2); /* anchor and life */
	/* the child leaves last: destroyed, entry and extent freed */
	tl_go(c, 1);
	assert_child_ok(t, kid);
	assert_false(tl_exists(t, tl_obj(t, "life")));
	assert_ok(svmt_region_remove(ns, "anchor", 0));
	assert_ok(svmt_ns_info(ns, &in1));
	assert_int_equal(in1.count, 0);
	assert_int_equal(in1.free_bytes, in0.free_bytes);
	assert_int_equal(in1.free_extents, 1);
}

/*
 * A child forked while the parent has the namespace and the region open,
 * opening them itself, is a client of its own: the parent's detach must
 * not destroy the non-persistent region under it.
 */
static void test_region_child_forked_after_open_registers_itself(void **state)
{
	struct tl *t = *state;
	struct tl_chan *c = tl_chan_new(t);
	struct share_arg a = { t, c };
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	size_t n = 0;
	svmt_region *r = NULL;
	pid_t kid;

	tl_ropts(&o, 1 << 16, SVMT_REGION_CREATE);
	assert_ok(svmt_region_open(ns, "life", &o, &r));
	kid = tl_fork(t, client_child, &a);
	assert_await(c, 'C');
	ri = list_one(t, "life", &all, &n);
	assert_non_null(ri);
	if (ri->nclients != 2)
		fail_msg("after the forked child opened the region, %u clients are "
			 "registered (expected 2: parent %d and child %d)",
			 ri->nclients, (int)getpid(), (int)kid);
	svmt_list_free(all);
	assert_ok(svmt_region_close(r));
	assert_true(tl_exists(t, tl_obj(t, "life")));
	tl_go(c, 1);
	assert_child_ok(t, kid);
	assert_false(tl_exists(t, tl_obj(t, "life")));
}

static void test_region_persistent_stays_after_last_client(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region *r = NULL;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	size_t n = 0;

	tl_ropts(&o, 1 << 16, PERSIST);
	assert_ok(svmt_region_open(ns, "life", &o, &r));
	memcpy(svmt_region_data(r), "persist", 8);
	assert_ok(svmt_region_close(r));
	assert_true(tl_exists(t, tl_obj(t, "life")));
	ri = list_one(t, "life", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->nclients, 0);
	assert_int_equal(ri->state, SVMT_STATE_READY);
	svmt_list_free(all);
	/* contents survive a detach/attach cycle, and a namespace close */
	tl_ns_close(t, ns);
	ns = tl_ns_create(t);
	svmt_region_opts_init(&o);
	assert_ok(svmt_region_open(ns, "life", &o, &r));
	assert_string_equal((char *)svmt_region_data(r), "persist");
	assert_ok(svmt_region_close(r));
}

static void test_region_created_without_attach_has_no_clients(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	size_t n = 0;
	/* a non-persistent region created with out == NULL is not destroyed
	 * on the spot: it has never had a client */
	tl_ropts(&o, 8192, SVMT_REGION_CREATE);
	assert_ok(svmt_region_open(ns, "lonely", &o, NULL));
	ri = list_one(t, "lonely", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->nclients, 0);
	svmt_list_free(all);
}

/* --------------------------------------------------------------- remove */

static void test_region_remove_frees_entry_extent_and_object(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_ns_info in0, in1;
	assert_ok(svmt_ns_info(ns, &in0));
	tl_region_make(ns, "gone", 1 << 20);
	assert_ok(svmt_region_remove(ns, "gone", 0));
	assert_false(tl_exists(t, tl_obj(t, "gone")));
	assert_ok(svmt_ns_info(ns, &in1));
	assert_int_equal(in1.count, 0);
	assert_int_equal(in1.free_bytes, in0.free_bytes);
	assert_int_equal(in1.free_extents, 1);
	assert_rc(svmt_region_remove(ns, "gone", 0), -ENOENT);
	assert_rc(svmt_region_remove(ns, "gone", SVMT_REMOVE_FORCE), -ENOENT);
	/* the name can be reused */
	tl_region_make(ns, "gone", 8192);
}

static int holder_child(void *p)
{
	struct share_arg *a = p;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	char *d;
	CHILD_RC(tl_child_attach(a->t, "busy", &ns, &r), 0);
	d = svmt_region_data(r);
	memcpy(d, "held", 5);
	tl_post(a->c, 'H');
	tl_hold(a->c);
	/* after a forced remove our mapping is still there and usable */
	CHILD_CHECK(memcmp(d, "held", 5) == 0);
	memcpy(d, "again", 6);
	CHILD_CHECK(memcmp(d, "again", 6) == 0);
	svmt_region_close(r);
	svmt_ns_close(ns);
	return 0;
}

/*
 * Region "busy" with a live client (a child, returned), and *ns a NOATTACH
 * handle (remove works on one) on which a plain remove is refused.
 */
static pid_t busy_region(struct tl *t, struct share_arg *a, svmt_ns **ns)
{
	pid_t kid;

	*ns = tl_ns_create(t);
	tl_region_make(*ns, "busy", 8192);
	tl_ns_close(t, *ns);
	kid = tl_fork(t, holder_child, a);
	assert_await(a->c, 'H');
	assert_ok(tl_ns_open(t, SVMT_NS_NOATTACH, ns));
	assert_rc(svmt_region_remove(*ns, "busy", 0), -EBUSY);
	assert_true(tl_exists(t, tl_obj(t, "busy")));
	return kid;
}

static void test_region_remove_busy_with_live_client_ok_after_it_dies(void **state)
{
	struct tl *t = *state;
	struct share_arg a = { t, tl_chan_new(t) };
	svmt_ns *ns = NULL;
	pid_t kid = busy_region(t, &a, &ns);

	/* the dead client does not count */
	tl_kill(t, kid);
	assert_ok(svmt_region_remove(ns, "busy", 0));
	assert_false(tl_exists(t, tl_obj(t, "busy")));
	{
		struct svmt_ns_info in;
		assert_ok(svmt_ns_info(ns, &in));
		assert_int_equal(in.count, 0);
		assert_int_equal(in.free_extents, 1);
	}
}

/* The directory entry's count of attaches begun and not ended. */
static uint32_t attaches(svmt_ns *ns, const char *name)
{
	struct svmt_dir d = svmt_ns_dir(ns);
	struct svmt_dirent *e = svmt_dir_find(&d, name);

	assert_non_null(e);
	return e->attaches;
}

/*
 * A removal skips the region's own lock only when the directory says no
 * attach began that did not end: the count follows every attach, a
 * failed one too, and a client that dies attached keeps it up (the
 * removal then takes the lock and finds the client dead).
 */
static void test_region_attaches_are_counted_for_removal(void **state)
{
	struct tl *t = *state;
	struct share_arg a = { t, tl_chan_new(t) };
	svmt_ns *ns = tl_ns_create(t), *na = NULL;
	struct svmt_region_opts o;
	svmt_region *r = NULL, *r2 = NULL;
	pid_t kid;

	assert_true(ns->g.feat.ro_compat & SVMT_ROOT_RO_COMPAT_ATTACHES);
	tl_ropts(&o, 8192, PERSIST);
	assert_ok(svmt_region_open(ns, "mine", &o, &r)); /* the creator */
	assert_int_equal(attaches(ns, "mine"), 1);
	assert_ok(svmt_region_close(r));
	assert_int_equal(attaches(ns, "mine"), 0);
	tl_region_make(ns, "busy", 8192);
	assert_int_equal(attaches(ns, "busy"), 0);
	svmt_region_opts_init(&o);
	assert_ok(svmt_region_open(ns, "busy", &o, &r));
	assert_ok(svmt_region_open(ns, "busy", &o, &r2)); /* the same handle */
	assert_int_equal(attaches(ns, "busy"), 1);
	assert_ok(svmt_region_close(r2));
	assert_ok(svmt_region_close(r));
	assert_int_equal(attaches(ns, "busy"), 0);
	o.size = 4096; /* a failed attach ends too */
	assert_rc(svmt_region_open(ns, "busy", &o, &r), SVMT_ESIZE);
	assert_int_equal(attaches(ns, "busy"), 0);
	/* a live client elsewhere: refused; killed attached: the count
	 * stays, the lock path finds it dead */
	kid = tl_fork(t, holder_child, &a);
	assert_await(a.c, 'H');
	assert_int_equal(attaches(ns, "busy"), 1);
	assert_rc(svmt_region_remove(ns, "busy", 0), -EBUSY);
	tl_kill(t, kid);
	assert_int_equal(attaches(ns, "busy"), 1);
	assert_ok(tl_ns_open(t, SVMT_NS_NOATTACH, &na));
	assert_ok(svmt_region_remove(na, "busy", 0));
	assert_ok(svmt_region_remove(na, "mine", 0));
	assert_int_equal(tl_count_files(t), 1);
	tl_ns_close(t, na);
}

static void test_region_remove_force_with_live_client(void **state)
{
	struct tl *t = *state;
	struct share_arg a = { t, tl_chan_new(t) };
	svmt_ns *ns = NULL;
	pid_t kid = busy_region(t, &a, &ns);

	assert_ok(svmt_region_remove(ns, "busy", SVMT_REMOVE_FORCE));
	assert_false(tl_exists(t, tl_obj(t, "busy")));
	{
		struct svmt_ns_info in;
		assert_ok(svmt_ns_info(ns, &in));
		assert_int_equal(in.count, 0);
	}
	/* the attached child keeps its mapping until it detaches */
	tl_go(a.c, 1);
	assert_child_ok(t, kid);
	assert_int_equal(tl_count_files(t), 1);
}

/* --------------------------------------------------------- init callback */

struct init_arg {
	void *seen_data;
	uint64_t seen_size;
	int calls;
	int ret;
};

static int record_init(void *data, uint64_t size, void *arg)
{
	struct init_arg *a = arg;
	a->seen_data = data;
	a->seen_size = size;
	a->calls++;
	memcpy(data, "initialised", 12);
	return a->ret;
}

static void test_region_init_callback_runs_once_at_final_address(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	struct init_arg ia = { 0 };
	svmt_region *r = NULL;

	tl_ropts(&o, 3 * 4096, PERSIST);
	o.init = record_init;
	o.init_arg = &ia;
	assert_ok(svmt_region_open(ns, "init", &o, &r));
	assert_int_equal(ia.calls, 1);
	assert_ptr_equal(ia.seen_data, svmt_region_data(r));
	assert_int_equal(ia.seen_size, 3 * 4096);
	assert_string_equal((char *)svmt_region_data(r), "initialised");
	assert_ok(svmt_region_close(r));
	/* not called for an opener of an existing region */
	assert_ok(svmt_region_open(ns, "init", &o, &r));
	assert_int_equal(ia.calls, 1);
	assert_ok(svmt_region_close(r));
}

static void test_region_init_failure_rolls_back(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	struct init_arg ia = { .ret = -1 };
	struct svmt_ns_info in0, in1;
	svmt_region *r = NULL;

	assert_ok(svmt_ns_info(ns, &in0));
	tl_ropts(&o, 1 << 20, PERSIST);
	o.init = record_init;
	o.init_arg = &ia;
	assert_rc(svmt_region_open(ns, "bad", &o, &r), SVMT_EINITFN);
	assert_int_equal(ia.calls, 1);
	assert_false(tl_exists(t, tl_obj(t, "bad")));
	assert_ok(svmt_ns_info(ns, &in1));
	assert_int_equal(in1.count, 0);
	assert_int_equal(in1.free_bytes, in0.free_bytes);
	assert_int_equal(in1.free_extents, 1);
	/* and the name is usable afterwards */
	ia.ret = 0;
	assert_ok(svmt_region_open(ns, "bad", &o, &r));
	assert_ok(svmt_region_close(r));
}

struct hang_arg {
	struct tl *t;
	struct tl_chan *c;
	int release;  /* 0: hang forever in init; 1: wait for go, then finish */
};

static int hang_init(void *data, uint64_t size, void *arg)
{
	struct hang_arg *a = arg;
	(void)size;
	tl_post(a->c, 'I');
	if (!a->release)
		tl_pause_forever();
	tl_hold(a->c);
	memcpy(data, "hello", 6);
	return 0;
}

static int init_creator_child(void *p)
{
	struct hang_arg *a = p;
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	tl_opts(a->t, &o, SVMT_NS_CREATE);
	CHILD_RC(svmt_ns_open(&o, &ns), 0);
	tl_ropts(&ro, 1 << 16, PERSIST);
	ro.init = hang_init;
	ro.init_arg = a;
	CHILD_RC(svmt_region_open(ns, "half", &ro, &r), 0);
	tl_post(a->c, 'D');
	tl_pause_forever();
	return 0;
}

static void test_region_live_creator_in_init_makes_openers_time_out(void **state)
{
	struct tl *t = *state;
	struct tl_chan *c = tl_chan_new(t);
	struct hang_arg a = { t, c, 0 };
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	size_t n = 0;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	pid_t kid;

	kid = tl_fork(t, init_creator_child, &a);
	assert_await(c, 'I');

	ri = list_one(t, "half", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->state, SVMT_STATE_INIT);
	assert_int_equal(ri->creator, kid);
	assert_int_equal(ri->creator_alive, 1);
	svmt_list_free(all);

	tl_opts(t, &o, 0);
	o.timeout_ms = 300;
	assert_ok(tl_ns_open_opts(t, &o, &ns));
	tl_ropts(&ro, 1 << 16, PERSIST);
	assert_rc(svmt_region_open(ns, "half", &ro, &r), -ETIMEDOUT);
	tl_ropts(&ro, 0, 0);
	assert_rc(svmt_region_open(ns, "half", &ro, &r), -ETIMEDOUT);
	/* the creator is untouched */
	assert_int_equal(kill(kid, 0), 0);
	ri = list_one(t, "half", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->state, SVMT_STATE_INIT);
	svmt_list_free(all);
}

static void test_region_stale_init_is_taken_over_after_creator_killed(void **state)
{
	struct tl *t = *state;
	struct tl_chan *c = tl_chan_new(t);
	struct hang_arg a = { t, c, 0 };
	struct svmt_region_opts ro;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	struct svmt_ns_info in;
	size_t n = 0;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	unsigned char *d;
	pid_t kid;

	kid = tl_fork(t, init_creator_child, &a);
	assert_await(c, 'I');
	tl_kill(t, kid);

	ri = list_one(t, "half", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->state, SVMT_STATE_INIT);
	assert_int_equal(ri->creator, kid);
	assert_int_equal(ri->creator_alive, 0);
	svmt_list_free(all);

	assert_ok(tl_ns_open(t, 0, &ns));
	tl_ropts(&ro, 1 << 16, PERSIST);
	assert_ok(svmt_region_open(ns, "half", &ro, &r));
	d = svmt_region_data(r);
	assert_int_equal(svmt_region_data_size(r), 1 << 16);
	memset(d, 0x77, 1 << 16);
	assert_int_equal(d[(1 << 16) - 1], 0x77);

	ri = list_one(t, "half", &all, &n);
	assert_int_equal(n, 1);
	assert_non_null(ri);
	assert_int_equal(ri->state, SVMT_STATE_READY);
	assert_int_equal(ri->nclients, 1);
	assert_int_equal(ri->clients[0]->pid, getpid());
	svmt_list_free(all);
	assert_ok(svmt_ns_info(ns, &in));
	assert_int_equal(in.count, 1);
	assert_int_equal(in.free_bytes, in.span - in.root_size - svmt_region_size(r));
	assert_int_equal(tl_count_files(t), 2);
	assert_ok(svmt_region_close(r));
}

struct waiter_arg {
	struct tl *t;
	struct tl_chan *c;
};

static int waiting_opener_child(void *p)
{
	struct waiter_arg *a = p;
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	tl_opts(a->t, &o, 0);
	o.timeout_ms = 8000;
	CHILD_RC(svmt_ns_open(&o, &ns), 0);
	svmt_region_opts_init(&ro);
	tl_post(a->c, 'W');
	CHILD_RC(svmt_region_open(ns, "half", &ro, &r), 0);
	/* the creator's init had finished before we got in */
	CHILD_CHECK(memcmp(svmt_region_data(r), "hello", 6) == 0);
	svmt_region_close(r);
	svmt_ns_close(ns);
	return 0;
}

static void test_region_opener_waits_for_live_init_to_finish(void **state)
{
	struct tl *t = *state;
	struct tl_chan *c1 = tl_chan_new(t), *c2 = tl_chan_new(t);
	struct hang_arg a = { t, c1, 1 };
	struct waiter_arg w = { t, c2 };
	pid_t creator, opener;

	creator = tl_fork(t, init_creator_child, &a);
	assert_await(c1, 'I');
	opener = tl_fork(t, waiting_opener_child, &w);
	assert_await(c2, 'W');
	tl_nap_ms(50); /* best effort: let the opener start waiting */
	tl_go(c1, 1);
	assert_await(c1, 'D');
	assert_child_ok(t, opener);
	tl_kill(t, creator);
}

/* ----------------------------------------------------------- full tmpfs */

static bool mount_small_tmpfs(struct tl *t, const char *size)
{
	char opts[32];
	if (!tl_is_root())
		return false;
	snprintf(opts, sizeof opts, "size=%s,mode=0700", size);
	if (mount("svmt-test", t->dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return false;
	t->mounted = 1;
	return true;
}

static void test_region_full_tmpfs_gives_enospc_not_sigbus(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	struct svmt_ns_info in0, in1;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;

	if (!mount_small_tmpfs(t, "1m"))
		skip();
	tl_opts(t, &o, SVMT_NS_CREATE);
	o.capacity = 8;
	assert_ok(tl_ns_open_opts(t, &o, &ns));
	assert_ok(svmt_ns_info(ns, &in0));
	tl_ropts(&ro, 4 << 20, PERSIST);
	assert_rc(svmt_region_open(ns, "big", &ro, &r), -ENOSPC);
	assert_rc(svmt_region_open(ns, "big", &ro, NULL), -ENOSPC);
	/* nothing left behind: no object, no entry, no lost address space */
	assert_int_equal(tl_count_files(t), 1);
	assert_ok(svmt_ns_info(ns, &in1));
	assert_int_equal(in1.count, 0);
	assert_int_equal(in1.free_bytes, in0.free_bytes);
	assert_int_equal(in1.free_extents, 1);
	/* a region that fits works, every page of it */
	tl_ropts(&ro, 256 << 10, PERSIST);
	assert_ok(svmt_region_open(ns, "small", &ro, &r));
	memset(svmt_region_data(r), 0xee, 256 << 10);
	assert_ok(svmt_region_close(r));
}

static void test_ns_create_on_full_tmpfs_gives_enospc(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	char buf[65536];
	int fd;

	if (!mount_small_tmpfs(t, "256k"))
		skip();
	/* fill the file system */
	fd = open(tl_path(t, "filler"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	memset(buf, 1, sizeof buf);
	while (write(fd, buf, sizeof buf) > 0)
		;
	close(fd);
	assert_rc(tl_ns_open(t, SVMT_NS_CREATE, &ns), -ENOSPC);
	assert_rc(tl_ns_open(t, SVMT_NS_CREATE | SVMT_NS_NOATTACH, &ns), -ENOSPC);
	assert_int_equal(tl_count_files(t), 1);
}

/* Handles are the object's, not the name's: after a forced removal and a
 * re-creation, opening the name again gives the new region. */
static void test_region_reopen_after_forced_removal_gives_the_new_region(void **state)
{
	struct tl *t = *state;
	struct svmt_region_opts ro;
	svmt_ns *ns = tl_ns_create(t);
	svmt_region *old = NULL, *again = NULL, *third = NULL;

	tl_ropts(&ro, 8192, PERSIST);
	assert_ok(svmt_region_open(ns, "r", &ro, &old));
	memcpy(svmt_region_data(old), "old", 4);
	assert_ok(svmt_region_remove(ns, "r", SVMT_REMOVE_FORCE));
	tl_ropts(&ro, 65536, PERSIST);
	assert_ok(svmt_region_open(ns, "r", &ro, NULL));

	tl_ropts(&ro, 0, 0);
	assert_ok(svmt_region_open(ns, "r", &ro, &again));
	assert_ptr_not_equal(again, old);
	assert_int_equal(svmt_region_data_size(again), 65536);
	assert_int_not_equal(svmt_region_base(again), svmt_region_base(old));
	assert_int_equal(((char *)svmt_region_data(again))[0], 0);
	/* the name now leads to the new handle only */
	assert_ok(svmt_region_open(ns, "r", &ro, &third));
	assert_ptr_equal(third, again);
	assert_ok(svmt_region_close(third));
	/* the old handle still works on what it maps, and closes cleanly */
	assert_string_equal((char *)svmt_region_data(old), "old");
	assert_ok(svmt_region_close(old));
	assert_ok(svmt_region_close(again));
	assert_ok(svmt_region_remove(ns, "r", 0));
}

/* ------------------------------------------------------ a lease on it */

struct leaser {
	struct tl_chan *c;
	const char *path;
};

/* Hold a write lease on the object for 30 ms (unmap's test does, briefly). */
static int hold_lease(void *arg)
{
	struct leaser *l = arg;
	int fd = open(l->path, O_RDONLY | O_CLOEXEC);

	signal(SIGIO, SIG_IGN); /* the break the parent's open starts */
	if (fd < 0 || fcntl(fd, F_SETLEASE, F_WRLCK) < 0)
		return 1;
	tl_post(l->c, 'L');
	tl_nap_ms(30);
	return fcntl(fd, F_SETLEASE, F_UNLCK) < 0 ? 2 : 0;
}

static void test_region_open_waits_out_a_brief_lease(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	struct svmt_region_info *ri = NULL;
	struct leaser l = { tl_chan_new(t), NULL };
	pid_t pid;

	tl_ropts(&o, 4096, PERSIST);
	assert_ok(svmt_region_open(ns, "leased", &o, NULL));
	l.path = tl_path(t, tl_obj(t, "leased"));
	pid = tl_fork(t, hold_lease, &l);
	assert_await(l.c, 'L');
	/* An O_NONBLOCK open meets EWOULDBLOCK until the lease goes: not
	 * a corrupt region. */
	assert_ok(svmt_region_stat(ns, "leased", &ri));
	assert_int_equal(ri->state, SVMT_STATE_READY);
	assert_int_equal(ri->data_size, 4096);
	svmt_region_info_free(ri);
	assert_child_ok(t, pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TL_TEST(test_region_create_rounds_size_and_maps_data),
		TL_TEST(test_region_info_fields),
		TL_TEST(test_region_list_is_sorted_by_name),
		TL_TEST(test_region_list_sorts_long_shared_prefixes),
		TL_TEST(test_region_mode_umask_and_exact_mode),
		TL_TEST(test_region_open_missing_is_enoent),
		TL_TEST(test_region_create_size_zero_is_einval),
		TL_TEST(test_region_open_with_other_size_is_esize),
		TL_TEST(test_region_create_without_excl_opens_existing),
		TL_TEST(test_region_open_twice_in_process_is_one_client),
		TL_TEST(test_region_handles_of_other_namespace_regions_are_distinct),
		TL_TEST(test_region_two_processes_share_pointers_at_one_address),
		TL_TEST(test_region_racing_exclusive_creators_one_wins),
		TL_TEST(test_region_non_persistent_destroyed_by_last_client_out),
		TL_TEST(test_region_child_forked_after_open_registers_itself),
		TL_TEST(test_region_persistent_stays_after_last_client),
		TL_TEST(test_region_created_without_attach_has_no_clients),
		TL_TEST(test_region_remove_frees_entry_extent_and_object),
		TL_TEST(test_region_reopen_after_forced_removal_gives_the_new_region),
		TL_TEST(test_region_remove_busy_with_live_client_ok_after_it_dies),
		TL_TEST(test_region_remove_force_with_live_client),
		TL_TEST(test_region_attaches_are_counted_for_removal),
		TL_TEST(test_region_init_callback_runs_once_at_final_address),
		TL_TEST(test_region_init_failure_rolls_back),
		TL_TEST(test_region_live_creator_in_init_makes_openers_time_out),
		TL_TEST(test_region_stale_init_is_taken_over_after_creator_killed),
		TL_TEST(test_region_opener_waits_for_live_init_to_finish),
		TL_TEST(test_region_full_tmpfs_gives_enospc_not_sigbus),
		TL_TEST(test_ns_create_on_full_tmpfs_gives_enospc),
		TL_TEST(test_region_open_waits_out_a_brief_lease),
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
