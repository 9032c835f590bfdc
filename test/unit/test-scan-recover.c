/*
 * test-scan-recover.c - scan (dead clients) and recover (dead lock owners,
 * half-created regions, missing and orphan objects, allocator leaks);
 * dry runs and list change nothing
 */
#include "testlib.h"

#define PERSIST (SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT)
#define MiB (1ULL << 20)

struct kid_arg {
	struct tl *t;
	struct tl_chan *c;
	const char *names[4];
	const char *lock;   /* region to lock after attaching, or NULL */
};

/* Attach every region in names[], optionally lock one, post 'A', pause. */
static int attach_child(void *p)
{
	struct kid_arg *a = p;
	svmt_ns *ns = NULL;
	for (int i = 0; i < 4 && a->names[i]; i++) {
		svmt_region *r = NULL;
		CHILD_RC(tl_child_attach(a->t, a->names[i], &ns, &r), 0);
		if (a->lock && !strcmp(a->lock, a->names[i]))
			CHILD_RC(svmt_region_lock(r, 3, -1), 0);
	}
	tl_post(a->c, 'A');
	tl_pause_forever();
	return 0;
}

static pid_t spawn_attached(struct tl *t, struct kid_arg *a)
{
	pid_t kid;
	a->t = t;
	a->c = tl_chan_new(t);
	assert_non_null(a->c);
	kid = tl_fork(t, attach_child, a);
	assert_await(a->c, 'A');
	return kid;
}

/* Create persistent regions (not attached); nothing left open. */
static void make_regions(struct tl *t, const char *const *names, unsigned flags)
{
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	tl_ropts(&o, 1 << 16, flags);
	for (int i = 0; names[i]; i++)
		assert_ok(svmt_region_open(ns, names[i], &o, NULL));
	tl_ns_close(t, ns);
}

static const struct svmt_region_info *list_region(struct tl *t, const char *name,
			svmt_region_list **all, size_t *n)
{
	tl_list_rdonly(t, all);
	*n = svmt_list_count(*all);
	return svmt_list_find(*all, name);
}

static const struct tl_ev *must_event(const struct tl_evlog *log, int kind,
				      const char *region)
{
	const struct tl_ev *e = tl_ev_find(log, kind, region);
	if (!e) {
		tl_ev_print(log);
		fail_msg("no event of kind %d for '%s'", kind, region);
	}
	return e;
}

#define assert_event(log, kind, region) must_event((log), (kind), (region))

static void assert_no_events(const struct tl_evlog *log, const char *when)
{
	if (log->n) {
		tl_ev_print(log);
		fail_msg("%s: %d unexpected event(s)", when, log->n);
	}
}

/* ------------------------------------------------------------------ scan */

static void test_scan_dry_run_reports_ghost_and_changes_nothing(void **state)
{
	struct tl *t = *state;
	const char *names[] = { "g", NULL };
	struct kid_arg a = { .names = { "g" } };
	struct tl_evlog log = { 0 };
	struct tl_snap before, after;
	svmt_ns *ns = NULL;
	const struct tl_ev *ev;
	pid_t kid;

	make_regions(t, names, PERSIST);
	kid = spawn_attached(t, &a);
	tl_kill(t, kid);

	assert_ok(tl_ns_open(t, 0, &ns));
	assert_ok(tl_snap_take(t, &before));
	assert_ok(svmt_scan(ns, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log));
	assert_ok(tl_snap_take(t, &after));
	assert_snap_equal(&before, &after, true);
	tl_snap_free(&after);
	ev = assert_event(&log, SVMT_EV_GHOST, "g");
	assert_int_equal(ev->pid, kid);
	assert_int_equal(ev->fixed, 0);
	assert_int_equal(tl_ev_count(&log, SVMT_EV_GHOST), 1);
	assert_non_null(ev->detail);

	/* the same through a RDONLY handle */
	memset(&log, 0, sizeof log);
	{
		svmt_ns *ro = NULL;
		assert_ok(tl_ns_open(t, SVMT_NS_RDONLY, &ro));
		assert_ok(svmt_scan(ro, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log));
		tl_ns_close(t, ro);
	}
	assert_ok(tl_snap_take(t, &after));
	assert_snap_equal(&before, &after, true);
	assert_int_equal(tl_ev_count(&log, SVMT_EV_GHOST), 1);
	tl_snap_free(&before);
	tl_snap_free(&after);
}

/* Dead and live clients in turns: the dead go, the live stay in order. */
static void test_scan_removes_ghosts(void **state)
{
	struct tl *t = *state;
	const char *names[] = { "g", NULL };
	struct kid_arg kids[5] = {
		{ .names = { "g" } }, { .names = { "g" } }, { .names = { "g" } },
		{ .names = { "g" } }, { .names = { "g" } },
	};
	struct tl_evlog log = { 0 };
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	svmt_ns *ns = NULL;
	size_t n = 0;
	const struct tl_ev *ev;
	pid_t k[5];
	int i;

	make_regions(t, names, PERSIST);
	for (i = 0; i < 5; i++)
		k[i] = spawn_attached(t, &kids[i]);
	tl_kill(t, k[0]);
	tl_kill(t, k[2]);
	tl_kill(t, k[3]);
	ri = list_region(t, "g", &all, &n);
	assert_int_equal(ri->nclients, 5);
	assert_int_equal(ri->nghosts, 3);
	svmt_list_free(all);

	assert_ok(tl_ns_open(t, SVMT_NS_NOATTACH, &ns));
	assert_ok(svmt_scan(ns, NULL, 0, 0, tl_ev_collect, &log));
	ev = assert_event(&log, SVMT_EV_GHOST, "g");
	assert_int_equal(ev->pid, k[0]);
	assert_int_equal(ev->fixed, 1);
	assert_int_equal(tl_ev_count(&log, SVMT_EV_GHOST), 3);

	ri = list_region(t, "g", &all, &n);
	assert_int_equal(ri->nclients, 2);
	assert_int_equal(ri->nghosts, 0);
	assert_int_equal(ri->clients[0]->pid, k[1]);
	assert_int_equal(ri->clients[1]->pid, k[4]);
	svmt_list_free(all);

	memset(&log, 0, sizeof log);
	assert_ok(svmt_scan(ns, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log));
	assert_no_events(&log, "second scan");
}

static void test_scan_only_named_regions(void **state)
{
	struct tl *t = *state;
	const char *names[] = { "a", "b", NULL };
	struct kid_arg k = { .names = { "a", "b" } };
	struct tl_evlog log = { 0 };
	svmt_region_list *all = NULL;
	svmt_ns *ns = NULL;
	pid_t kid;
	const char *only_a[] = { "a" };
	const char *nope_b[] = { "nope", "b" };

	make_regions(t, names, PERSIST);
	kid = spawn_attached(t, &k);
	tl_kill(t, kid);
	assert_ok(tl_ns_open(t, 0, &ns));

	assert_ok(svmt_scan(ns, only_a, 1, 0, tl_ev_collect, &log));
	assert_event(&log, SVMT_EV_GHOST, "a");
	assert_null(tl_ev_find(&log, SVMT_EV_GHOST, "b"));
	tl_list_rdonly(t, &all);
	assert_int_equal(svmt_list_find(all, "a")->nghosts, 0);
	assert_int_equal(svmt_list_find(all, "b")->nghosts, 1);
	svmt_list_free(all);

	/* a missing name: -ENOENT, after doing the others */
	memset(&log, 0, sizeof log);
	assert_rc(svmt_scan(ns, nope_b, 2, 0, tl_ev_collect, &log), -ENOENT);
	assert_event(&log, SVMT_EV_GHOST, "b");
	tl_list_rdonly(t, &all);
	assert_int_equal(svmt_list_find(all, "b")->nghosts, 0);
	svmt_list_free(all);
}

static void test_scan_destroy_empty_non_persistent(void **state)
{
	struct tl *t = *state;
	const char *names[] = { "np", NULL };
	struct kid_arg k = { .names = { "np" } };
	struct tl_evlog log = { 0 };
	struct tl_snap before, after;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	struct svmt_ns_info in;
	svmt_ns *ns = NULL;
	size_t n = 0;
	pid_t kid;
	const struct tl_ev *ev;

	make_regions(t, names, SVMT_REGION_CREATE); /* not persistent */
	kid = spawn_attached(t, &k);
	tl_kill(t, kid);
	assert_ok(tl_ns_open(t, 0, &ns));

	/* dry run: both reported, nothing changed */
	assert_ok(tl_snap_take(t, &before));
	assert_ok(svmt_scan(ns, NULL, 0, SVMT_DRY_RUN | SVMT_SCAN_DESTROY_EMPTY,
			    tl_ev_collect, &log));
	assert_ok(tl_snap_take(t, &after));
	assert_snap_equal(&before, &after, true);
	tl_snap_free(&before);
	tl_snap_free(&after);
	assert_int_equal(assert_event(&log, SVMT_EV_GHOST, "np")->fixed, 0);
	assert_int_equal(assert_event(&log, SVMT_EV_DESTROYED, "np")->fixed, 0);

	/* without DESTROY_EMPTY the emptied region stays */
	memset(&log, 0, sizeof log);
	assert_ok(svmt_scan(ns, NULL, 0, 0, tl_ev_collect, &log));
	assert_int_equal(assert_event(&log, SVMT_EV_GHOST, "np")->fixed, 1);
	assert_null(tl_ev_find(&log, SVMT_EV_DESTROYED, "np"));
	ri = list_region(t, "np", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->nclients, 0);
	svmt_list_free(all);

	/* with it, it goes: object, entry and extent */
	memset(&log, 0, sizeof log);
	assert_ok(svmt_scan(ns, NULL, 0, SVMT_SCAN_DESTROY_EMPTY, tl_ev_collect, &log));
	ev = assert_event(&log, SVMT_EV_DESTROYED, "np");
	assert_int_equal(ev->fixed, 1);
	assert_false(tl_exists(t, tl_obj(t, "np")));
	assert_ok(svmt_ns_info(ns, &in));
	assert_int_equal(in.count, 0);
	assert_int_equal(in.free_extents, 1);
}

static void test_scan_destroy_empty_spares_persistent_and_used(void **state)
{
	struct tl *t = *state;
	const char *pers[] = { "keep", NULL };
	const char *np[] = { "used", NULL };
	struct kid_arg k = { .names = { "used" } };
	struct tl_evlog log = { 0 };
	svmt_ns *ns = NULL;

	make_regions(t, pers, PERSIST);
	make_regions(t, np, SVMT_REGION_CREATE);
	spawn_attached(t, &k);
	assert_ok(tl_ns_open(t, 0, &ns));
	assert_ok(svmt_scan(ns, NULL, 0, SVMT_SCAN_DESTROY_EMPTY, tl_ev_collect, &log));
	assert_no_events(&log, "scan of healthy regions");
	assert_true(tl_exists(t, tl_obj(t, "keep")));
	assert_true(tl_exists(t, tl_obj(t, "used")));
}

/* --------------------------------------------------------------- recover */

/* Run recover as: dry run (reports, changes nothing), real run (fixes),
 * dry run again (reports nothing).  Returns the events of the first two. */
static void recover_cycle(struct tl *t, svmt_ns *ns, struct tl_evlog *dry,
			  struct tl_evlog *real)
{
	struct tl_snap before, after;
	struct tl_evlog again = { 0 };

	memset(dry, 0, sizeof *dry);
	memset(real, 0, sizeof *real);
	assert_ok(tl_snap_take(t, &before));
	assert_ok(svmt_recover(ns, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, dry));
	assert_ok(tl_snap_take(t, &after));
	assert_snap_equal(&before, &after, true);
	tl_snap_free(&before);
	tl_snap_free(&after);
	for (int i = 0; i < dry->n; i++)
		if (dry->ev[i].fixed)
			fail_msg("dry run claims to have fixed event kind %d", dry->ev[i].kind);

	assert_ok(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, real));
	assert_ok(svmt_recover(ns, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &again));
	assert_no_events(&again, "dry run after recover");
}

static void test_recover_entry_without_object(void **state)
{
	struct tl *t = *state;
	const char *names[] = { "miss", "fine", NULL };
	struct tl_evlog dry, real;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	struct svmt_ns_info in0, in;
	svmt_ns *ns = NULL;
	size_t n = 0;

	make_regions(t, names, PERSIST);
	assert_int_equal(unlink(tl_path(t, tl_obj(t, "miss"))), 0);
	ri = list_region(t, "miss", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->state, SVMT_STATE_MISSING);
	svmt_list_free(all);

	assert_ok(tl_ns_open(t, 0, &ns));
	assert_ok(svmt_ns_info(ns, &in0));
	recover_cycle(t, ns, &dry, &real);
	assert_event(&dry, SVMT_EV_MISSING, "miss");
	assert_int_equal(assert_event(&real, SVMT_EV_MISSING, "miss")->fixed, 1);
	assert_null(tl_ev_find(&real, SVMT_EV_MISSING, "fine"));

	ri = list_region(t, "miss", &all, &n);
	assert_null(ri);
	assert_int_equal(n, 1);
	svmt_list_free(all);
	assert_ok(svmt_ns_info(ns, &in));
	assert_int_equal(in.count, 1);
	assert_int_equal(in.free_bytes, in0.free_bytes + (1 << 16) +
			 svmt_rhdr_data_off(SVMT_DEFAULT_MAX_CLIENTS, SVMT_PAGE));
	assert_true(tl_exists(t, tl_obj(t, "fine")));
}

static void test_recover_orphan_object(void **state)
{
	struct tl *t = *state;
	const char *names[] = { "orph", "fine", NULL };
	struct tl_evlog dry, real;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	struct svmt_dir d;
	struct svmt_dirent *e;
	svmt_ns *ns = NULL;
	size_t n = 0;

	make_regions(t, names, PERSIST);
	assert_ok(tl_ns_open(t, 0, &ns));
	/* drop the entry (and give back its extent) behind the library's back */
	assert_ok(svmt_ns_lock(ns, SVMT_TAG_RECOVER, NULL));
	d = svmt_ns_dir(ns);
	e = svmt_dir_find(&d, "orph");
	assert_non_null(e);
	assert_ok(svmt_space_free(&d, e->base, e->size));
	svmt_dir_delete(&d, e);
	svmt_ns_unlock(ns);

	ri = list_region(t, "orph", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->state, SVMT_STATE_ORPHAN);
	svmt_list_free(all);

	recover_cycle(t, ns, &dry, &real);
	assert_event(&dry, SVMT_EV_ORPHAN, "orph");
	assert_int_equal(assert_event(&real, SVMT_EV_ORPHAN, "orph")->fixed, 1);
	assert_true(tl_exists(t, tl_obj(t, "fine")));
	/* fixed either way: re-entered in the directory (its extent was
	 * free) or unlinked (nobody maps it) */
	ri = list_region(t, "orph", &all, &n);
	if (ri) {
		assert_int_equal(ri->state, SVMT_STATE_READY);
		assert_true(tl_exists(t, tl_obj(t, "orph")));
	} else {
		assert_false(tl_exists(t, tl_obj(t, "orph")));
	}
	svmt_list_free(all);
	{
		struct svmt_ns_info in;
		struct svmt_extent bad;
		assert_ok(svmt_ns_info(ns, &in));
		assert_ok(svmt_ns_lock(ns, SVMT_TAG_INFO, NULL));
		assert_int_equal(svmt_dir_check(&d, &bad), 0);
		svmt_ns_unlock(ns);
	}
}

/* Orphan "orph" whose extent now belongs to region "taker". */
static void make_orphan_with_taken_extent(struct tl *t, svmt_ns **nsp)
{
	const char *names[] = { "orph", "fine", NULL };
	struct svmt_region_opts o;
	struct svmt_dir d;
	struct svmt_dirent *e;
	uint64_t obase;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;

	make_regions(t, names, PERSIST);
	assert_ok(tl_ns_open(t, 0, &ns));
	assert_ok(svmt_ns_lock(ns, SVMT_TAG_RECOVER, NULL));
	d = svmt_ns_dir(ns);
	e = svmt_dir_find(&d, "orph");
	assert_non_null(e);
	obase = e->base;
	assert_ok(svmt_space_free(&d, e->base, e->size));
	svmt_dir_delete(&d, e);
	svmt_ns_unlock(ns);
	tl_ropts(&o, 1 << 16, PERSIST);
	assert_ok(svmt_region_open(ns, "taker", &o, &r));
	assert_int_equal(svmt_region_base(r), obase);
	assert_ok(svmt_region_close(r));
	*nsp = ns;
}

static void test_recover_unlinks_orphan_whose_extent_is_taken(void **state)
{
	struct tl *t = *state;
	struct tl_evlog dry, real;
	svmt_region_list *all = NULL;
	svmt_ns *ns = NULL;
	size_t n = 0;

	make_orphan_with_taken_extent(t, &ns);
	recover_cycle(t, ns, &dry, &real);
	assert_event(&dry, SVMT_EV_ORPHAN, "orph");
	assert_int_equal(assert_event(&real, SVMT_EV_ORPHAN, "orph")->fixed, 1);
	assert_false(tl_exists(t, tl_obj(t, "orph")));
	assert_true(tl_exists(t, tl_obj(t, "taker")));
	tl_list_rdonly(t, &all);
	n = svmt_list_count(all);
	assert_int_equal(n, 2);
	assert_int_equal(svmt_list_find(all, "taker")->state, SVMT_STATE_READY);
	svmt_list_free(all);
}

static int map_orphan_child(void *p)
{
	struct kid_arg *a = p;
	char path[512];
	int fd;
	void *m;
	snprintf(path, sizeof path, "%s/%s", a->t->dir, tl_obj(a->t, "orph"));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHILD_CHECK(fd >= 0);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHILD_CHECK(m != MAP_FAILED);
	close(fd);
	tl_post(a->c, 'M');
	tl_pause_forever();
	return 0;
}

static void test_recover_keeps_orphan_that_is_mapped(void **state)
{
	struct tl *t = *state;
	struct kid_arg k = { t, tl_chan_new(t), { NULL }, NULL };
	struct tl_evlog log = { 0 };
	svmt_ns *ns = NULL;
	const struct tl_ev *ev;

	make_orphan_with_taken_extent(t, &ns);
	tl_fork(t, map_orphan_child, &k);
	assert_await(k.c, 'M');

	assert_ok(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &log));
	ev = assert_event(&log, SVMT_EV_ORPHAN, "orph");
	assert_int_equal(ev->fixed, 0);
	assert_true(ev->error != 0);
	assert_true(tl_exists(t, tl_obj(t, "orph")));
}

static void test_recover_allocator_leak(void **state)
{
	struct tl *t = *state;
	const char *names[] = { "a", NULL };
	struct tl_evlog dry, real;
	struct svmt_ns_info in0, in;
	svmt_ns *ns = NULL;
	const struct tl_ev *ev;

	make_regions(t, names, PERSIST);
	assert_ok(tl_ns_open(t, 0, &ns));
	struct svmt_extent lost;

	assert_ok(svmt_ns_info(ns, &in0));
	assert_int_equal(in0.free_extents, 1);
	/* lose the whole free list under the lock */
	assert_ok(svmt_ns_lock(ns, SVMT_TAG_RECOVER, NULL));
	{
		struct svmt_dir d = svmt_ns_dir(ns);
		lost = svmt_dir_free(&d)[0];
	}
	ns->r->free_count = 0;
	svmt_ns_unlock(ns);

	recover_cycle(t, ns, &dry, &real);
	ev = assert_event(&dry, SVMT_EV_SPACE_LEAK, "");
	/* the event names the lost extent */
	assert_int_equal(ev->addr, lost.start);
	assert_int_equal(ev->len, lost.len);
	assert_int_equal(assert_event(&real, SVMT_EV_SPACE_LEAK, "")->fixed, 1);
	assert_ok(svmt_ns_info(ns, &in));
	assert_int_equal(in.free_extents, 1);
	assert_int_equal(in.free_bytes, in0.free_bytes);
	assert_int_equal(in.largest_free, in0.largest_free);
}

static void test_recover_space_given_twice(void **state)
{
	struct tl *t = *state;
	const char *names[] = { "a", "b", NULL };
	struct tl_evlog dry, real;
	struct svmt_ns_info in0, in;
	struct svmt_dir d;
	struct svmt_extent *f;
	svmt_ns *ns = NULL;
	uint64_t bbase;

	make_regions(t, names, PERSIST);
	assert_ok(tl_ns_open(t, 0, &ns));
	assert_ok(svmt_ns_info(ns, &in0));
	assert_ok(svmt_ns_lock(ns, SVMT_TAG_RECOVER, NULL));
	d = svmt_ns_dir(ns);
	bbase = svmt_dir_find(&d, "b")->base;
	f = svmt_dir_free(&d);
	/* the free tail now starts inside region b: its pages are handed out twice */
	assert_int_equal(ns->r->free_count, 1);
	f[0].len += f[0].start - bbase;
	f[0].start = bbase;
	svmt_ns_unlock(ns);

	recover_cycle(t, ns, &dry, &real);
	assert_event(&dry, SVMT_EV_SPACE_LEAK, "");
	assert_int_equal(assert_event(&real, SVMT_EV_SPACE_LEAK, "")->fixed, 1);
	assert_ok(svmt_ns_info(ns, &in));
	assert_int_equal(in.free_bytes, in0.free_bytes);
	assert_int_equal(in.count, 2);
	/* a new region does not land on b */
	{
		struct svmt_region_opts o;
		svmt_region *r = NULL;
		tl_ropts(&o, 1 << 16, PERSIST);
		assert_ok(svmt_region_open(ns, "c", &o, &r));
		{
			svmt_region_list *all = NULL;
	const struct svmt_region_info *b;
			assert_ok(svmt_list(ns, &all));
			b = svmt_list_find(all, "b");
			assert_true(svmt_region_base(r) >= b->base + b->size ||
				    svmt_region_base(r) + svmt_region_size(r) <= b->base);
			svmt_list_free(all);
		}
		assert_ok(svmt_region_close(r));
	}
}

static void test_recover_dead_lock_owner(void **state)
{
	struct tl *t = *state;
	const char *names[] = { "locked", NULL };
	struct kid_arg k = { .names = { "locked" }, .lock = "locked" };
	struct tl_evlog dry, real;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	svmt_ns *ns = NULL;
	const struct tl_ev *ev;
	size_t n = 0;
	pid_t kid;

	make_regions(t, names, PERSIST);
	kid = spawn_attached(t, &k);
	tl_kill(t, kid);
	assert_ok(tl_ns_open(t, 0, &ns));
	recover_cycle(t, ns, &dry, &real);
	ev = assert_event(&dry, SVMT_EV_DEAD_LOCK_OWNER, "locked");
	assert_int_equal(ev->pid, kid);
	ev = assert_event(&real, SVMT_EV_DEAD_LOCK_OWNER, "locked");
	assert_int_equal(ev->fixed, 1);
	ri = list_region(t, "locked", &all, &n);
	assert_int_equal(ri->lock->owner, 0);
	assert_int_equal(ri->lock->recoveries, 1);
	svmt_list_free(all);
}

struct half_arg {
	struct tl *t;
	struct tl_chan *c;
};

static int hang_init(void *data, uint64_t size, void *arg)
{
	struct half_arg *a = arg;
	(void)data;
	(void)size;
	tl_post(a->c, 'I');
	tl_pause_forever();
	return 0;
}

static int half_creator(void *p)
{
	struct half_arg *a = p;
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	tl_opts(a->t, &o, SVMT_NS_CREATE);
	CHILD_RC(svmt_ns_open(&o, &ns), 0);
	tl_ropts(&ro, 1 << 16, PERSIST);
	ro.init = hang_init;
	ro.init_arg = a;
	svmt_region_open(ns, "half", &ro, &r);
	return 1;
}

static pid_t spawn_half_created(struct tl *t)
{
	static struct half_arg a;
	pid_t kid;
	a.t = t;
	a.c = tl_chan_new(t);
	kid = tl_fork(t, half_creator, &a);
	assert_await(a.c, 'I');
	tl_kill(t, kid);
	return kid;
}

static void test_recover_half_created_region(void **state)
{
	struct tl *t = *state;
	struct tl_evlog dry, real;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	struct svmt_ns_info in;
	svmt_ns *ns = NULL;
	const struct tl_ev *ev;
	size_t n = 0;
	pid_t kid;

	kid = spawn_half_created(t);
	ri = list_region(t, "half", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->state, SVMT_STATE_INIT);
	assert_int_equal(ri->creator, kid);
	assert_int_equal(ri->creator_alive, 0);
	svmt_list_free(all);

	assert_ok(tl_ns_open(t, 0, &ns));
	recover_cycle(t, ns, &dry, &real);
	ev = assert_event(&dry, SVMT_EV_HALF_CREATED, "half");
	assert_int_equal(ev->pid, kid);
	assert_int_equal(assert_event(&real, SVMT_EV_HALF_CREATED, "half")->fixed, 1);
	tl_list_rdonly(t, &all);
	n = svmt_list_count(all);
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(svmt_list_get(all, i)->state, SVMT_STATE_INIT);
	svmt_list_free(all);
	/* the address space agrees with what is left */
	assert_ok(svmt_ns_info(ns, &in));
	{
		uint64_t used = 0;
		tl_list_rdonly(t, &all);
		n = svmt_list_count(all);
		assert_int_equal(in.count, (uint32_t)n);
		for (size_t i = 0; i < n; i++)
			used += svmt_list_get(all, i)->size;
		svmt_list_free(all);
		assert_int_equal(in.free_bytes, in.span - in.root_size - used);
	}
}

static void test_recover_healthy_namespace_reports_nothing(void **state)
{
	struct tl *t = *state;
	const char *names[] = { "a", "b", NULL };
	struct kid_arg k = { .names = { "a" } };
	struct tl_evlog log = { 0 };
	struct tl_snap before, after;
	svmt_ns *ns = NULL;

	make_regions(t, names, PERSIST);
	spawn_attached(t, &k);
	assert_ok(tl_ns_open(t, 0, &ns));
	assert_ok(tl_snap_take(t, &before));
	assert_ok(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &log));
	assert_no_events(&log, "recover of a healthy namespace");
	assert_ok(svmt_scan(ns, NULL, 0, 0, tl_ev_collect, &log));
	assert_no_events(&log, "scan of a healthy namespace");
	assert_ok(tl_snap_take(t, &after));
	/* contents may differ only by lock bookkeeping; sizes and names not */
	assert_int_equal(before.n, after.n);
	tl_snap_free(&before);
	tl_snap_free(&after);
}

static void test_recover_named_regions_only(void **state)
{
	struct tl *t = *state;
	const char *names[] = { "a", "b", NULL };
	const char *only_a[] = { "a" };
	struct tl_evlog log = { 0 };
	svmt_region_list *all = NULL;
	svmt_ns *ns = NULL;

	make_regions(t, names, PERSIST);
	unlink(tl_path(t, tl_obj(t, "a")));
	unlink(tl_path(t, tl_obj(t, "b")));
	assert_ok(tl_ns_open(t, 0, &ns));
	assert_ok(svmt_recover(ns, only_a, 1, 0, tl_ev_collect, &log));
	assert_event(&log, SVMT_EV_MISSING, "a");
	assert_null(tl_ev_find(&log, SVMT_EV_MISSING, "b"));
	tl_list_rdonly(t, &all);
	assert_null(svmt_list_find(all, "a"));
	assert_non_null(svmt_list_find(all, "b"));
	assert_int_equal(svmt_list_find(all, "b")->state, SVMT_STATE_MISSING);
	svmt_list_free(all);
}

/* ------------------------------------------------- read-only listing */

static void test_list_on_rdonly_namespace_changes_no_byte(void **state)
{
	struct tl *t = *state;
	const char *names[] = { "live", "ghost", "locked", "miss", "orph", "bad", NULL };
	struct kid_arg dead = { .names = { "ghost", "locked" }, .lock = "locked" };
	struct kid_arg alive = { .names = { "live" } };
	struct tl_snap before, after;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	struct svmt_ns_info in;
	svmt_ns *ns = NULL;
	size_t n = 0;
	pid_t kdead, klive, khalf;

	/* a namespace with one of everything */
	make_regions(t, names, PERSIST);
	kdead = spawn_attached(t, &dead);
	klive = spawn_attached(t, &alive);
	tl_kill(t, kdead);
	khalf = spawn_half_created(t);
	assert_int_equal(unlink(tl_path(t, tl_obj(t, "miss"))), 0);
	assert_ok(tl_ns_open(t, 0, &ns));
	assert_ok(svmt_ns_lock(ns, SVMT_TAG_RECOVER, NULL));
	{
		struct svmt_dir d = svmt_ns_dir(ns);
		struct svmt_dirent *e = svmt_dir_find(&d, "orph");
		assert_ok(svmt_space_free(&d, e->base, e->size));
		svmt_dir_delete(&d, e);
	}
	svmt_ns_unlock(ns);
	tl_ns_close(t, ns);
	assert_ok(tl_patch(t, tl_obj(t, "bad"), 0, "badmagic", 8));

	assert_ok(tl_snap_take(t, &before));
	assert_ok(tl_ns_open(t, SVMT_NS_RDONLY, &ns));
	assert_ok(svmt_list(ns, &all));
	n = svmt_list_count(all);
	assert_ok(svmt_ns_info(ns, &in));
	assert_ok(svmt_scan(ns, NULL, 0, SVMT_DRY_RUN | SVMT_SCAN_DESTROY_EMPTY, NULL, NULL));
	assert_ok(svmt_recover(ns, NULL, 0, SVMT_DRY_RUN, NULL, NULL));
	for (size_t i = 0; i < n; i++) {
		char *s = NULL;
		assert_ok(svmt_format_region(svmt_list_get(all, i), SVMT_FORMAT_VERBOSE, &s));
		free(s);
	}
	tl_ns_close(t, ns);
	assert_ok(tl_snap_take(t, &after));
	assert_snap_equal(&before, &after, true);
	tl_snap_free(&after);

	/* and it saw everything as it is */
	assert_int_equal(n, 7);
	ri = svmt_list_find(all, "live");
	assert_int_equal(ri->state, SVMT_STATE_READY);
	assert_int_equal(ri->nclients, 1);
	assert_int_equal(ri->clients[0]->pid, klive);
	assert_int_equal(ri->clients[0]->alive, 1);
	ri = svmt_list_find(all, "ghost");
	assert_int_equal(ri->nghosts, 1);
	assert_int_equal(ri->clients[0]->pid, kdead);
	ri = svmt_list_find(all, "locked");
	assert_int_equal(ri->lock->owner, kdead);
	assert_int_equal(ri->lock->owner_alive, 0);
	ri = svmt_list_find(all, "half");
	assert_int_equal(ri->state, SVMT_STATE_INIT);
	assert_int_equal(ri->creator, khalf);
	assert_int_equal(ri->creator_alive, 0);
	assert_int_equal(svmt_list_find(all, "miss")->state, SVMT_STATE_MISSING);
	assert_int_equal(svmt_list_find(all, "orph")->state, SVMT_STATE_ORPHAN);
	assert_int_equal(svmt_list_find(all, "bad")->state, SVMT_STATE_CORRUPT);
	svmt_list_free(all);

	/* list is read-only through a writable handle too */
	assert_ok(tl_ns_open(t, SVMT_NS_NOATTACH, &ns));
	assert_ok(svmt_list(ns, &all));
	n = svmt_list_count(all);
	svmt_list_free(all);
	tl_ns_close(t, ns);
	assert_ok(tl_snap_take(t, &after));
	assert_snap_equal(&before, &after, true);
	tl_snap_free(&before);
	tl_snap_free(&after);
}

/*
 * svmt_list reads the directory a slot at a time for the few objects of a
 * large directory, whole otherwise (or when that view cannot be complete:
 * an entry without its object, a lock held): both see the same regions.
 */
static void test_list_large_capacity_sees_entries_orphans_and_missing(void **state)
{
	struct tl *t = *state;
	struct svmt_region_opts ro;
	struct svmt_ns_opts o;
	svmt_region_list *all = NULL;
	svmt_ns *ns = NULL;
	char name[16];

	tl_opts(t, &o, SVMT_NS_CREATE);
	o.capacity = 4096;
	assert_ok(tl_ns_open_opts(t, &o, &ns));
	tl_ropts(&ro, 4096, PERSIST);
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "r%d", i);
		assert_ok(svmt_region_open(ns, name, &ro, NULL));
	}
	assert_ok(svmt_ns_lock(ns, SVMT_TAG_RECOVER, NULL));
	{
		struct svmt_dir d = svmt_ns_dir(ns);
		struct svmt_dirent *e = svmt_dir_find(&d, "r3");
		assert_ok(svmt_space_free(&d, e->base, e->size));
		svmt_dir_delete(&d, e);
	}
	svmt_ns_unlock(ns);

	/* few objects, every entry has its object: one lookup each */
	tl_list_rdonly(t, &all);
	assert_int_equal(svmt_list_count(all), 5);
	assert_int_equal(svmt_list_find(all, "r0")->state, SVMT_STATE_READY);
	assert_int_equal(svmt_list_find(all, "r0")->in_directory, 1);
	assert_int_equal(svmt_list_find(all, "r3")->state, SVMT_STATE_ORPHAN);
	assert_int_equal(svmt_list_find(all, "r3")->in_directory, 0);
	svmt_list_free(all);

	/* an entry without its object: only the whole directory shows it */
	assert_int_equal(unlink(tl_path(t, tl_obj(t, "r1"))), 0);
	tl_list_rdonly(t, &all);
	assert_int_equal(svmt_list_count(all), 5);
	assert_int_equal(svmt_list_find(all, "r1")->state, SVMT_STATE_MISSING);
	assert_int_equal(svmt_list_find(all, "r3")->state, SVMT_STATE_ORPHAN);
	assert_int_equal(svmt_list_find(all, "r4")->state, SVMT_STATE_READY);
	svmt_list_free(all);

	/* the namespace lock held: the directory is read whole */
	assert_ok(svmt_ns_lock(ns, SVMT_TAG_RECOVER, NULL));
	tl_list_rdonly(t, &all);
	svmt_ns_unlock(ns);
	assert_int_equal(svmt_list_count(all), 5);
	assert_int_equal(svmt_list_find(all, "r1")->state, SVMT_STATE_MISSING);
	assert_int_equal(svmt_list_find(all, "r2")->state, SVMT_STATE_READY);
	svmt_list_free(all);
	tl_ns_close(t, ns);
}

struct temp_arg {
	struct tl *t;
	struct tl_chan *c;
	const char *name; /* NULL: the namespace's own */
};

/* What a creator does on a file system without O_TMPFILE: build the object
 * under "OBJECT~PID", full size; then it is killed before linking it. */
static int build_under_temp_name(void *p)
{
	struct temp_arg *a = p;
	char file[256];
	int fd;

	snprintf(file, sizeof file, "%s~%d", tl_obj(a->t, a->name), (int)getpid());
	fd = open(tl_path(a->t, file), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(posix_fallocate(fd, 0, 1 << 20) == 0);
	tl_post(a->c, 'B');
	tl_pause_forever();
	return 0;
}

static pid_t temp_builder(struct tl *t, struct temp_arg *a)
{
	pid_t kid = tl_fork(t, build_under_temp_name, a);
	assert_await(a->c, 'B');
	return kid;
}

static void test_recover_removes_temporary_objects_of_dead_creators(void **state)
{
	struct tl *t = *state;
	struct temp_arg reg = { t, tl_chan_new(t), "foo" };
	struct temp_arg nsa = { t, tl_chan_new(t), NULL };
	struct temp_arg live = { t, tl_chan_new(t), "bar" };
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	struct tl_evlog log = { 0 };
	svmt_ns *ns = tl_ns_create(t), *rd = NULL;
	pid_t dead1, dead2, alive;

	tl_region_make(ns, "keep", 8192);
	dead1 = temp_builder(t, &reg);
	dead2 = temp_builder(t, &nsa);
	alive = temp_builder(t, &live);
	tl_kill(t, dead1);
	tl_kill(t, dead2);

	/* list shows them, with their creators */
	tl_list_rdonly(t, &all);
	assert_int_equal(svmt_list_count(all), 3);
	ri = svmt_list_find(all, "foo");
	assert_non_null(ri);
	assert_int_equal(ri->state, SVMT_STATE_INIT);
	assert_int_equal(ri->in_directory, 0);
	assert_int_equal(ri->creator, dead1);
	assert_int_equal(ri->creator_alive, 0);
	ri = svmt_list_find(all, "bar");
	assert_non_null(ri);
	assert_int_equal(ri->creator, alive);
	assert_int_equal(ri->creator_alive, 1);
	svmt_list_free(all);

	assert_ok(tl_ns_open(t, SVMT_NS_RDONLY, &rd));
	assert_ok(svmt_recover(rd, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log));
	assert_int_equal(log.n, 2);
	assert_int_equal(tl_ev_count(&log, SVMT_EV_HALF_CREATED), 2);
	assert_non_null(tl_ev_find(&log, SVMT_EV_HALF_CREATED, "foo"));
	assert_non_null(tl_ev_find(&log, SVMT_EV_HALF_CREATED, ""));

	log.n = 0;
	assert_ok(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &log));
	assert_int_equal(log.n, 2);
	assert_true(log.ev[0].fixed && log.ev[1].fixed);
	/* the live creator's is left: keep, bar~PID and the namespace */
	assert_int_equal(tl_count_files(t), 3);
	log.n = 0;
	assert_ok(svmt_recover(rd, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log));
	assert_int_equal(log.n, 0);
	tl_ns_close(t, rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TL_TEST(test_recover_removes_temporary_objects_of_dead_creators),
		TL_TEST(test_scan_dry_run_reports_ghost_and_changes_nothing),
		TL_TEST(test_scan_removes_ghosts),
		TL_TEST(test_scan_only_named_regions),
		TL_TEST(test_scan_destroy_empty_non_persistent),
		TL_TEST(test_scan_destroy_empty_spares_persistent_and_used),
		TL_TEST(test_recover_entry_without_object),
		TL_TEST(test_recover_orphan_object),
		TL_TEST(test_recover_unlinks_orphan_whose_extent_is_taken),
		TL_TEST(test_recover_keeps_orphan_that_is_mapped),
		TL_TEST(test_recover_allocator_leak),
		TL_TEST(test_recover_space_given_twice),
		TL_TEST(test_recover_dead_lock_owner),
		TL_TEST(test_recover_half_created_region),
		TL_TEST(test_recover_healthy_namespace_reports_nothing),
		TL_TEST(test_recover_named_regions_only),
		TL_TEST(test_list_on_rdonly_namespace_changes_no_byte),
		TL_TEST(test_list_large_capacity_sees_entries_orphans_and_missing),
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
