/*
 * test-ns.c - namespaces: create/open/close, span reservation and clashes,
 * geometry checks, modes, trust, removal, racing creators
 */
#include "testlib.h"

/* A mapping a test made itself; unmapped in teardown whatever happens. */
static void *g_map;
static size_t g_maplen;

static int ns_teardown(void **state)
{
	if (g_map) {
		munmap(g_map, g_maplen);
		g_map = NULL;
	}
	return tl_teardown(state);
}

#define NS_TEST(f) cmocka_unit_test_setup_teardown(f, tl_setup, ns_teardown)

static void *map_at(uint64_t addr, size_t len)
{
	void *p = mmap((void *)(uintptr_t)addr, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (p != (void *)(uintptr_t)addr) { /* pre-4.17 kernel: just a hint */
		munmap(p, len);
		return NULL;
	}
	g_map = p;
	g_maplen = len;
	return p;
}

static void unmap_mine(void)
{
	if (g_map)
		munmap(g_map, g_maplen);
	g_map = NULL;
}

/* Is [addr, addr+len) free in this process? (probe with NOREPLACE) */
static bool range_free(uint64_t addr, uint64_t len)
{
	void *p = mmap((void *)(uintptr_t)addr, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return false;
	munmap(p, len);
	return p == (void *)(uintptr_t)addr;
}

static bool detail_names(const char *detail, uint64_t addr)
{
	char hex[32];
	snprintf(hex, sizeof hex, "%llx", (unsigned long long)addr);
	return strstr(detail, hex) != NULL;
}

/* ------------------------------------------------------------------ tests */

static void test_ns_create_reports_info(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_info in;
	time_t before = tl_realtime_s();
	svmt_ns *ns = tl_ns_create(t);
	time_t after = tl_realtime_s();
	off_t fsize = tl_file_size(t, tl_obj(t, NULL));

	assert_true(fsize > 0);
	assert_ok(svmt_ns_info(ns, &in));
	assert_string_equal(in.root, t->root);
	assert_int_equal(in.base, SVMT_DEFAULT_BASE);
	assert_int_equal(in.span, TL_SPAN);
	assert_int_equal(in.root_size, (uint64_t)fsize);
	assert_int_equal(in.root_size % SVMT_PAGE, 0);
	assert_int_equal(in.capacity, SVMT_DEFAULT_CAPACITY);
	assert_int_equal(in.count, 0);
	assert_int_equal(in.free_bytes, TL_SPAN - in.root_size);
	assert_int_equal(in.largest_free, in.free_bytes);
	assert_int_equal(in.free_extents, 1);
	assert_int_equal(in.uid, getuid());
	assert_int_equal(in.gid, getgid());
	assert_int_equal(in.mode & 07777, 0600);
	assert_true(in.ctime >= before && in.ctime <= after);
	assert_int_equal(in.attached, 1);
	/* the namespace object is mapped at the base */
	assert_memory_equal((void *)(uintptr_t)in.base, SVMT_ROOT_MAGIC, 8);
}

static void test_ns_object_is_named_svmt_root(void **state)
{
	struct tl *t = *state;
	char want[64];
	tl_ns_create(t);
	snprintf(want, sizeof want, "svmt:%s", t->root);
	assert_true(tl_exists(t, want));
	assert_int_equal(tl_count_files(t), 1);
}

/* A missing namespace has its own code: -ENOENT means something else. */
static void test_ns_open_missing_without_create_is_enons(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	assert_rc(tl_ns_open(t, 0, &ns), SVMT_ENONS);
	assert_rc(tl_ns_open(t, SVMT_NS_NOATTACH, &ns), SVMT_ENONS);
	assert_rc(tl_ns_open(t, SVMT_NS_RDONLY, &ns), SVMT_ENONS);
	assert_string_equal(svmt_strerror(SVMT_ENONS), "no such namespace");
	assert_int_equal(tl_count_files(t), 0);
}

static void test_ns_open_missing_shm_dir_is_enoent(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	svmt_ns *ns = NULL;
	char dir[96];
	snprintf(dir, sizeof dir, "%s/does-not-exist", t->dir);
	tl_opts(t, &o, SVMT_NS_CREATE);
	o.shm_dir = dir;
	assert_rc(svmt_ns_open(&o, &ns), -ENOENT);
}

static void test_ns_create_excl_on_existing_is_eexist(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	tl_ns_close(t, tl_ns_create(t));
	assert_rc(tl_ns_open(t, SVMT_NS_CREATE | SVMT_NS_EXCL, &ns), -EEXIST);
	assert_rc(tl_ns_open(t, SVMT_NS_CREATE | SVMT_NS_EXCL | SVMT_NS_NOATTACH, &ns), -EEXIST);
	/* without EXCL it opens */
	assert_ok(tl_ns_open(t, SVMT_NS_CREATE, &ns));
}

static void test_ns_open_twice_returns_same_handle(void **state)
{
	struct tl *t = *state;
	svmt_ns *a = NULL, *b = NULL;
	struct svmt_ns_info in;
	assert_ok(tl_ns_open(t, SVMT_NS_CREATE, &a));
	assert_ok(tl_ns_open(t, 0, &b));
	assert_ptr_equal(a, b);
	/* one release keeps the mapping */
	tl_ns_close(t, b);
	assert_ok(svmt_ns_info(a, &in));
	assert_memory_equal((void *)(uintptr_t)in.base, SVMT_ROOT_MAGIC, 8);
	tl_ns_close(t, a);
	assert_true(range_free(SVMT_DEFAULT_BASE, TL_SPAN));
}

static void test_ns_close_releases_whole_span(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	assert_false(range_free(SVMT_DEFAULT_BASE, SVMT_PAGE));
	assert_false(range_free(SVMT_DEFAULT_BASE + TL_SPAN - SVMT_PAGE, SVMT_PAGE));
	tl_region_make(ns, "r", 1 << 20);
	tl_ns_close(t, ns);
	assert_true(range_free(SVMT_DEFAULT_BASE, TL_SPAN));
}

static void test_ns_span_is_reserved_not_committed(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_ns_info in;
	(void)ns;
	assert_ok(svmt_ns_info(ns, &in));
	/* the tail of the span is reserved PROT_NONE: nothing else can map it */
	assert_false(range_free(in.base + in.span - 2 * SVMT_PAGE, SVMT_PAGE));
	/* and the first byte after the span is not ours */
	assert_true(range_free(in.base + in.span, SVMT_PAGE));
}

static void test_ns_mode_follows_umask(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	svmt_ns *ns = NULL;
	struct stat st;

	umask(022);
	tl_opts(t, &o, SVMT_NS_CREATE | SVMT_NS_NOATTACH);
	o.mode = 0666;
	assert_ok(tl_ns_open_opts(t, &o, &ns));
	assert_int_equal(lstat(tl_path(t, tl_obj(t, NULL)), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	tl_ns_close(t, ns);
	assert_ok(svmt_ns_remove(&o));

	umask(077);
	o.mode = 0640;
	assert_ok(tl_ns_open_opts(t, &o, &ns));
	assert_int_equal(lstat(tl_path(t, tl_obj(t, NULL)), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_ns_clash_at_base_is_eclash_and_keeps_mapping(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	unsigned char *p;
	const char *detail;

	/* the namespace exists; this process already has memory at its base */
	assert_ok(tl_ns_open(t, SVMT_NS_CREATE | SVMT_NS_NOATTACH, &ns));
	tl_ns_close(t, ns);
	p = map_at(SVMT_DEFAULT_BASE, 2 * SVMT_PAGE);
	if (!p)
		skip();
	memset(p, 0xa5, 2 * SVMT_PAGE);

	assert_rc(tl_ns_open(t, 0, &ns), SVMT_ECLASH);
	detail = svmt_errdetail();
	assert_non_null(detail);
	if (!detail_names(detail, SVMT_DEFAULT_BASE))
		fail_msg("svmt_errdetail() \"%s\" does not name the range at 0x%llx", detail,
			 (unsigned long long)SVMT_DEFAULT_BASE);
	/* the existing mapping is intact: same contents, still writable */
	for (size_t i = 0; i < 2 * SVMT_PAGE; i++)
		if (p[i] != 0xa5)
			fail_msg("byte %zu of the existing mapping changed to 0x%02x", i, p[i]);
	p[0] = 1;
	p[2 * SVMT_PAGE - 1] = 2;
	/* and nothing of the span was left reserved by the failed attempt */
	assert_true(range_free(SVMT_DEFAULT_BASE + 2 * SVMT_PAGE, TL_SPAN - 2 * SVMT_PAGE));

	/* creating a fresh namespace there clashes too */
	{
		struct svmt_ns_opts o;
		char root2[40];
		tl_opts(t, &o, SVMT_NS_CREATE);
		snprintf(root2, sizeof root2, "%s-b", t->root);
		o.root = root2;
		assert_rc(tl_ns_open_opts(t, &o, &ns), SVMT_ECLASH);
	}

	unmap_mine();
	assert_ok(tl_ns_open(t, 0, &ns));
}

static void test_ns_clash_in_mid_span_is_eclash(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	uint64_t at = SVMT_DEFAULT_BASE + TL_SPAN / 2;
	unsigned char *p;
	const char *detail;

	p = map_at(at, SVMT_PAGE);
	if (!p)
		skip();
	memcpy(p, "mine", 5);
	assert_rc(tl_ns_open(t, SVMT_NS_CREATE, &ns), SVMT_ECLASH);
	detail = svmt_errdetail();
	if (!detail_names(detail, at) && !detail_names(detail, SVMT_DEFAULT_BASE))
		fail_msg("svmt_errdetail() \"%s\" names neither the span nor the mapping", detail);
	assert_string_equal((char *)p, "mine");
	assert_true(range_free(SVMT_DEFAULT_BASE, TL_SPAN / 2));
	unmap_mine();
}

static void test_ns_overlapping_spans_of_two_namespaces_clash(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	svmt_ns *a = NULL, *b = NULL;
	char root2[40];

	assert_ok(tl_ns_open(t, SVMT_NS_CREATE, &a));
	tl_opts(t, &o, SVMT_NS_CREATE);
	snprintf(root2, sizeof root2, "%s-b", t->root);
	o.root = root2;
	o.base = SVMT_DEFAULT_BASE + TL_SPAN / 2;
	assert_rc(tl_ns_open_opts(t, &o, &b), SVMT_ECLASH);
	assert_true(svmt_errdetail()[0] != 0);
	/* the first namespace is untouched */
	assert_memory_equal((void *)(uintptr_t)SVMT_DEFAULT_BASE, SVMT_ROOT_MAGIC, 8);
	/* adjacent spans coexist (a third root: see the next test for why) */
	snprintf(root2, sizeof root2, "%s-c", t->root);
	o.base = SVMT_DEFAULT_BASE + TL_SPAN;
	assert_ok(tl_ns_open_opts(t, &o, &b));
	assert_ptr_not_equal(a, b);
	{
		struct svmt_ns_info in;
		assert_ok(svmt_ns_info(b, &in));
		assert_int_equal(in.base, SVMT_DEFAULT_BASE + TL_SPAN);
		assert_string_equal(in.root, root2);
	}
}

/*
 * A create that fails because the span clashes must not leave a namespace
 * behind: otherwise the namespace exists with the clashing base, and a
 * retry with another base is silently ignored and clashes forever.
 */
/*
 * A namespace created by a call whose attach then clashes stays (others may
 * have opened it the moment it was linked), empty and removable.
 */
static void test_ns_failed_create_by_clash_leaves_empty_namespace(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	struct svmt_ns_info in;
	svmt_ns *a = NULL, *b = NULL;
	char root2[40];

	assert_ok(tl_ns_open(t, SVMT_NS_CREATE, &a));
	tl_opts(t, &o, SVMT_NS_CREATE);
	snprintf(root2, sizeof root2, "%s-b", t->root);
	o.root = root2;
	o.base = SVMT_DEFAULT_BASE + TL_SPAN / 2;
	assert_rc(tl_ns_open_opts(t, &o, &b), SVMT_ECLASH);
	assert_int_equal(tl_count_files(t), 2);
	o.flags = SVMT_NS_NOATTACH;
	assert_ok(svmt_ns_open(&o, &b)); /* untracked: closed here */
	assert_ok(svmt_ns_info(b, &in));
	assert_int_equal(in.count, 0);
	assert_int_equal(in.base, SVMT_DEFAULT_BASE + TL_SPAN / 2);
	svmt_ns_close(b);
	b = NULL;
	assert_ok(svmt_ns_remove(&o));
	assert_int_equal(tl_count_files(t), 1);
	/* the retry with a free base gets that base */
	o.flags = SVMT_NS_CREATE;
	o.base = SVMT_DEFAULT_BASE + TL_SPAN;
	assert_ok(tl_ns_open_opts(t, &o, &b));
}

static void test_ns_existing_namespace_keeps_its_geometry(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	svmt_ns *ns = NULL;
	struct svmt_ns_info in;

	tl_opts(t, &o, SVMT_NS_CREATE | SVMT_NS_NOATTACH);
	o.base = SVMT_DEFAULT_BASE + (4ULL << 30);
	o.span = 256ULL << 20;
	o.capacity = 16;
	assert_ok(tl_ns_open_opts(t, &o, &ns));
	tl_ns_close(t, ns);
	/* a later opener's base/span/capacity are ignored */
	tl_opts(t, &o, SVMT_NS_CREATE);
	assert_ok(tl_ns_open_opts(t, &o, &ns));
	assert_ok(svmt_ns_info(ns, &in));
	assert_int_equal(in.base, SVMT_DEFAULT_BASE + (4ULL << 30));
	assert_int_equal(in.span, 256ULL << 20);
	assert_int_equal(in.capacity, 16);
	assert_memory_equal((void *)(uintptr_t)in.base, SVMT_ROOT_MAGIC, 8);
}

struct geom_arg {
	struct tl *t;
	struct tl_chan *c;
	uint64_t base, span;
	uint32_t cap;
};

static int geom_child(void *p)
{
	struct geom_arg *a = p;
	struct svmt_ns_opts o;
	svmt_ns *ns = NULL;
	int rc;
	tl_opts(a->t, &o, SVMT_NS_CREATE | SVMT_NS_NOATTACH);
	o.base = a->base;
	o.span = a->span;
	o.capacity = a->cap;
	rc = svmt_ns_open(&o, &ns);
	if (rc == 0)
		svmt_ns_close(ns);
	tl_post_int(a->c, rc);
	return 0;
}

/* Each case runs in a child, so that a hang fails one case, not the file. */
static void check_bad_geometry(struct tl *t, struct tl_chan *c, uint64_t base,
			       uint64_t span, uint32_t cap)
{
	struct geom_arg a = { t, c, base, span, cap };
	pid_t kid = tl_fork(t, geom_child, &a);
	int32_t rc = 0;
	if (tl_recv(c, &rc, sizeof rc, 5000) < 0) {
		tl_kill(t, kid);
		soft_fail("base 0x%llx span 0x%llx capacity %u: svmt_ns_open hangs",
			  (unsigned long long)base, (unsigned long long)span, cap);
	} else {
		tl_wait(t, kid, TL_WAIT_MS);
		if (rc != -EINVAL)
			soft_fail("base 0x%llx span 0x%llx capacity %u: rc %d (%s), expected -EINVAL",
				  (unsigned long long)base, (unsigned long long)span, cap, rc,
				  svmt_strerror(rc));
	}
	if (tl_count_files(t) != 0) {
		soft_fail("base 0x%llx span 0x%llx capacity %u: an object was left behind",
			  (unsigned long long)base, (unsigned long long)span, cap);
		tl_rm_rf(tl_path(t, tl_obj(t, NULL)));
	}
}

static void test_ns_bad_geometry_is_einval(void **state)
{
	struct tl *t = *state;
	struct tl_chan *c = tl_chan_new(t);
	assert_non_null(c);
	check_bad_geometry(t, c, SVMT_DEFAULT_BASE + 1, TL_SPAN, 0);
	check_bad_geometry(t, c, SVMT_DEFAULT_BASE + 2048, TL_SPAN, 0);
	check_bad_geometry(t, c, 0, TL_SPAN + 1, 0);
	check_bad_geometry(t, c, 0, TL_SPAN - 100, 0);
	check_bad_geometry(t, c, SVMT_ADDR_LIMIT - SVMT_PAGE * 16, TL_SPAN, 0);
	check_bad_geometry(t, c, SVMT_ADDR_LIMIT, TL_SPAN, 0);
	check_bad_geometry(t, c, 0xfffffffffffff000ULL, TL_SPAN, 0);
	check_bad_geometry(t, c, SVMT_DEFAULT_BASE, 0xfffffffffffff000ULL, 0);
	check_bad_geometry(t, c, 0, TL_SPAN, SVMT_MAX_CAPACITY + 1);
	check_bad_geometry(t, c, 0, TL_SPAN, 0x80000001u);
	check_bad_geometry(t, c, 0, TL_SPAN, 0xffffffffu);
	/* a span too small to hold the namespace object itself */
	check_bad_geometry(t, c, 0, SVMT_PAGE, 0);
	soft_done();
}

static void test_ns_remove_empty_namespace(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	svmt_ns *ns = tl_ns_create(t);
	tl_ns_close(t, ns);
	tl_opts(t, &o, 0);
	assert_ok(svmt_ns_remove(&o));
	assert_int_equal(tl_count_files(t), 0);
	assert_rc(svmt_ns_remove(&o), SVMT_ENONS);
}

static void test_ns_remove_with_regions_is_ebusy(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	svmt_ns *ns = tl_ns_create(t);
	tl_region_make(ns, "r", 8192);
	tl_opts(t, &o, 0);
	assert_rc(svmt_ns_remove(&o), -EBUSY);
	assert_true(tl_exists(t, tl_obj(t, NULL)));
	assert_ok(svmt_region_remove(ns, "r", 0));
	assert_ok(svmt_ns_remove(&o));
	assert_false(tl_exists(t, tl_obj(t, NULL)));
}

static void test_ns_noattach_cannot_attach_regions(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	struct svmt_region_opts o;
	svmt_region *r = NULL;
	struct svmt_ns_info in;

	assert_ok(tl_ns_open(t, SVMT_NS_CREATE | SVMT_NS_NOATTACH, &ns));
	assert_ok(svmt_ns_info(ns, &in));
	assert_int_equal(in.attached, 0);
	/* nothing of the span is mapped */
	assert_true(range_free(in.base, in.span));
	tl_ropts(&o, 8192, SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT);
	assert_rc(svmt_region_open(ns, "r", &o, &r), SVMT_ENOTATTACHED);
	assert_ok(svmt_region_open(ns, "r", &o, NULL));
	assert_true(tl_exists(t, tl_obj(t, "r")));
	assert_ok(svmt_ns_info(ns, &in));
	assert_int_equal(in.count, 1);
}

static void test_ns_region_open_without_create_needs_out(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	tl_ropts(&o, 8192, 0);
	assert_rc(svmt_region_open(ns, "r", &o, NULL), -EINVAL);
}

static void test_ns_rdonly_refuses_changes(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t), *ro = NULL;
	struct svmt_region_opts o;
	svmt_region *r = NULL;
	struct svmt_ns_info in;
	struct tl_snap before, after;

	tl_region_make(ns, "r", 8192);
	tl_ns_close(t, ns);
	assert_ok(tl_snap_take(t, &before));

	assert_ok(tl_ns_open(t, SVMT_NS_RDONLY, &ro));
	assert_ok(svmt_ns_info(ro, &in));
	assert_int_equal(in.attached, 0);
	assert_int_equal(in.count, 1);
	tl_ropts(&o, 8192, SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT);
	assert_rc(svmt_region_open(ro, "s", &o, NULL), SVMT_ERDONLY);
	svmt_region_opts_init(&o);
	{
		int rc = svmt_region_open(ro, "r", &o, &r);
		if (rc != SVMT_ERDONLY && rc != SVMT_ENOTATTACHED)
			fail_msg("attach through a RDONLY handle: %d (%s)", rc, svmt_strerror(rc));
	}
	assert_rc(svmt_region_remove(ro, "r", 0), SVMT_ERDONLY);
	assert_rc(svmt_region_remove(ro, "r", SVMT_REMOVE_FORCE), SVMT_ERDONLY);
	assert_rc(svmt_scan(ro, NULL, 0, 0, NULL, NULL), SVMT_ERDONLY);
	assert_rc(svmt_recover(ro, NULL, 0, 0, NULL, NULL), SVMT_ERDONLY);
	tl_ns_close(t, ro);

	assert_ok(tl_snap_take(t, &after));
	assert_snap_equal(&before, &after, true);
	tl_snap_free(&before);
	tl_snap_free(&after);
}

static void test_ns_list_of_empty_namespace_is_empty(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	svmt_region_list *ri = NULL;
	assert_ok(svmt_list(ns, &ri));
	assert_int_equal(svmt_list_count(ri), 0);
	assert_null(svmt_list_get(ri, 0));
	svmt_list_free(ri);
	tl_list_rdonly(t, &ri);
	assert_int_equal(svmt_list_count(ri), 0);
	svmt_list_free(ri);
}

static void test_ns_info_tracks_regions_and_free_space(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_ns_info in0, in1, in2;
	struct svmt_region_opts o;
	svmt_region *r = NULL;

	assert_ok(svmt_ns_info(ns, &in0));
	tl_ropts(&o, 1 << 20, SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT);
	assert_ok(svmt_region_open(ns, "a", &o, &r));
	assert_ok(svmt_ns_info(ns, &in1));
	assert_int_equal(in1.count, 1);
	assert_int_equal(in1.free_bytes, in0.free_bytes - svmt_region_size(r));
	assert_true(svmt_region_base(r) >= in0.base + in0.root_size);
	assert_true(svmt_region_base(r) + svmt_region_size(r) <= in0.base + in0.span);
	assert_ok(svmt_region_close(r));
	assert_ok(svmt_region_remove(ns, "a", 0));
	assert_ok(svmt_ns_info(ns, &in2));
	assert_int_equal(in2.count, 0);
	assert_int_equal(in2.free_bytes, in0.free_bytes);
	assert_int_equal(in2.free_extents, 1);
}

static void test_ns_close_detaches_open_regions(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region *keep = NULL, *temp = NULL;
	svmt_region_list *ri = NULL;

	tl_ropts(&o, 8192, SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT);
	assert_ok(svmt_region_open(ns, "keep", &o, &keep));
	tl_ropts(&o, 8192, SVMT_REGION_CREATE);
	assert_ok(svmt_region_open(ns, "temp", &o, &temp));
	/* close the namespace with both regions still open */
	tl_ns_close(t, ns);
	assert_true(range_free(SVMT_DEFAULT_BASE, TL_SPAN));

	tl_list_rdonly(t, &ri);
	assert_int_equal(svmt_list_count(ri), 1);
	assert_string_equal(svmt_list_get(ri, 0)->name, "keep");
	assert_int_equal(svmt_list_get(ri, 0)->nclients, 0);
	svmt_list_free(ri);
	assert_false(tl_exists(t, tl_obj(t, "temp")));
}

static void test_ns_untrusted_owner_is_refused(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	svmt_ns *ns = NULL;

	if (!tl_is_root())
		skip();
	tl_ns_close(t, tl_ns_create(t));
	assert_int_equal(chown(tl_path(t, tl_obj(t, NULL)), 65534, 65534), 0);
	assert_rc(tl_ns_open(t, 0, &ns), SVMT_EUNTRUSTED);
	assert_rc(tl_ns_open(t, SVMT_NS_NOATTACH, &ns), SVMT_EUNTRUSTED);
	/* a snapshot validates its private copy: it needs no trust */
	assert_ok(tl_ns_open(t, SVMT_NS_RDONLY, &ns));
	tl_ns_close(t, ns);
	tl_opts(t, &o, 0);
	o.trusted_uid = 65534;
	assert_ok(tl_ns_open_opts(t, &o, &ns));
}

static void test_ns_explicit_owner_and_group(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	svmt_ns *ns = NULL;
	struct stat st;

	if (!tl_is_root())
		skip();
	tl_opts(t, &o, SVMT_NS_CREATE | SVMT_NS_NOATTACH);
	o.group = 65534;
	o.mode = 0660;
	assert_ok(tl_ns_open_opts(t, &o, &ns));
	assert_int_equal(lstat(tl_path(t, tl_obj(t, NULL)), &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, 65534);
	assert_int_equal(st.st_mode & 07777, 0640); /* umask 022 */
}

/* --------------------------------------------------- racing creators */

struct race_arg {
	struct tl *t;
	struct tl_chan *c;
	unsigned flags;
};

static int race_ns_child(void *p)
{
	struct race_arg *a = p;
	struct svmt_ns_opts o;
	svmt_ns *ns = NULL;
	int rc;
	tl_opts(a->t, &o, a->flags);
	tl_hold(a->c);
	rc = svmt_ns_open(&o, &ns);
	if (rc == 0) {
		struct svmt_ns_info in;
		int irc = svmt_ns_info(ns, &in);
		if (irc)
			rc = 1000 + irc; /* opened but unusable */
		svmt_ns_close(ns);
	}
	tl_post_int(a->c, rc);
	return 0;
}

static void race_ns(struct tl *t, unsigned flags, int *ok, int *eexist)
{
	struct tl_chan *c = tl_chan_new(t);
	struct race_arg a = { t, c, flags };
	pid_t kids[8];
	assert_non_null(c);
	for (int i = 0; i < 8; i++) {
		kids[i] = tl_fork(t, race_ns_child, &a);
		assert_true(kids[i] > 0);
	}
	tl_go(c, 8);
	*ok = *eexist = 0;
	for (int i = 0; i < 8; i++) {
		int32_t rc;
		assert_ok(tl_recv(c, &rc, sizeof rc, TL_WAIT_MS));
		if (rc == 0)
			(*ok)++;
		else if (rc == -EEXIST)
			(*eexist)++;
		else
			fail_msg("a racing creator got %d (%s)", rc, svmt_strerror(rc));
	}
	for (int i = 0; i < 8; i++)
		assert_child_ok(t, kids[i]);
}

static void test_ns_racing_exclusive_creators_one_wins(void **state)
{
	struct tl *t = *state;
	int ok, eexist;
	svmt_ns *ns = NULL;
	race_ns(t, SVMT_NS_CREATE | SVMT_NS_EXCL | SVMT_NS_NOATTACH, &ok, &eexist);
	assert_int_equal(ok, 1);
	assert_int_equal(eexist, 7);
	assert_int_equal(tl_count_files(t), 1);
	assert_ok(tl_ns_open(t, 0, &ns));
}

static void test_ns_racing_creators_all_open_one_namespace(void **state)
{
	struct tl *t = *state;
	int ok, eexist;
	svmt_ns *ns = NULL;
	race_ns(t, SVMT_NS_CREATE, &ok, &eexist);
	assert_int_equal(ok, 8);
	assert_int_equal(tl_count_files(t), 1);
	assert_ok(tl_ns_open(t, 0, &ns));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		NS_TEST(test_ns_create_reports_info),
		NS_TEST(test_ns_object_is_named_svmt_root),
		NS_TEST(test_ns_open_missing_without_create_is_enons),
		NS_TEST(test_ns_open_missing_shm_dir_is_enoent),
		NS_TEST(test_ns_create_excl_on_existing_is_eexist),
		NS_TEST(test_ns_open_twice_returns_same_handle),
		NS_TEST(test_ns_close_releases_whole_span),
		NS_TEST(test_ns_span_is_reserved_not_committed),
		NS_TEST(test_ns_mode_follows_umask),
		NS_TEST(test_ns_clash_at_base_is_eclash_and_keeps_mapping),
		NS_TEST(test_ns_clash_in_mid_span_is_eclash),
		NS_TEST(test_ns_overlapping_spans_of_two_namespaces_clash),
		NS_TEST(test_ns_failed_create_by_clash_leaves_empty_namespace),
		NS_TEST(test_ns_existing_namespace_keeps_its_geometry),
		NS_TEST(test_ns_bad_geometry_is_einval),
		NS_TEST(test_ns_remove_empty_namespace),
		NS_TEST(test_ns_remove_with_regions_is_ebusy),
		NS_TEST(test_ns_noattach_cannot_attach_regions),
		NS_TEST(test_ns_region_open_without_create_needs_out),
		NS_TEST(test_ns_rdonly_refuses_changes),
		NS_TEST(test_ns_list_of_empty_namespace_is_empty),
		NS_TEST(test_ns_info_tracks_regions_and_free_space),
		NS_TEST(test_ns_close_detaches_open_regions),
		NS_TEST(test_ns_untrusted_owner_is_refused),
		NS_TEST(test_ns_explicit_owner_and_group),
		NS_TEST(test_ns_racing_exclusive_creators_one_wins),
		NS_TEST(test_ns_racing_creators_all_open_one_namespace),
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
