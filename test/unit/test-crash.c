/*
 * test-crash.c - states a process killed between two steps leaves, stale
 * handles and stale mappings: each is either repaired or refused, never
 * followed into another region's data
 */
#include "testlib.h"

#include <pthread.h>
#include <sys/syscall.h>

#define PERSIST (SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT)

/* A delete killed mid-shift leaves an entry twice and a probe gap; the
 * repair keeps every region, once, reachable. */
static void test_rebuild_after_torn_delete_keeps_every_region(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_dir d = svmt_ns_dir(ns);
	struct svmt_dirent *s = svmt_dir_slots(&d), *e;
	struct svmt_extent bad;
	const char *names[] = { "a", "b", "c", "d", "e", "f" };
	uint32_t i, used = 0, empty = 0;

	for (i = 0; i < 6; i++)
		tl_region_make(ns, names[i], 4096);
	assert_ok(svmt_ns_lock(ns, SVMT_TAG_REMOVE, NULL));
	/* a copy of "c" in an empty slot, and "c" moved away from its home
	 * behind a gap: what a killed shift can leave */
	e = svmt_dir_find(&d, "c");
	assert_non_null(e);
	for (i = 0; i < ns->g.slots; i++)
		if (atomic_load(&s[i].state) == SVMT_ENT_EMPTY && &s[i] != e)
			empty = i;
	memcpy(&s[empty], e, sizeof(*e));
	memset(e, 0, sizeof(*e));
	assert_int_not_equal(svmt_dir_check(&d, &bad), 0);
	assert_ok(svmt_dir_rebuild(&d, NULL, NULL));
	assert_int_equal(svmt_dir_check(&d, &bad), 0);
	for (i = 0; i < 6; i++)
		assert_non_null(svmt_dir_find(&d, names[i]));
	for (i = 0; i < ns->g.slots; i++)
		used += atomic_load(&s[i].state) != SVMT_ENT_EMPTY;
	assert_int_equal(used, 6);
	assert_int_equal(ns->r->count, 6);
	svmt_ns_unlock(ns);
}

static void count_dropped(const struct svmt_dirent *e, void *arg)
{
	(void)e;
	(*(int *)arg)++;
}

/* A directory holding more entries than its capacity (only corruption
 * does that) is cut back to the capacity: the free list and a hole in the
 * table must fit. */
static void test_rebuild_cuts_an_overfull_directory_to_capacity(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	svmt_ns *ns = NULL;
	struct svmt_dir d;
	struct svmt_dirent *s;
	struct svmt_extent bad;
	uint32_t i, k = 0;
	int dropped = 0;

	tl_opts(t, &o, SVMT_NS_CREATE);
	o.capacity = 4;
	assert_ok(tl_ns_open_opts(t, &o, &ns));
	d = svmt_ns_dir(ns);
	s = svmt_dir_slots(&d);
	assert_ok(svmt_ns_lock(ns, SVMT_TAG_RECOVER, NULL));
	/* fill every slot with a valid, gapped entry */
	for (i = 0; i < ns->g.slots; i++) {
		snprintf(s[i].name, sizeof(s[i].name), "x%u", i);
		s[i].base = ns->g.area_start + (2 * i + 1) * 4096ULL;
		s[i].size = 4096;
		s[i].generation = i + 1;
		atomic_store(&s[i].state, SVMT_ENT_READY);
		k++;
	}
	assert_ok(svmt_dir_rebuild(&d, count_dropped, &dropped));
	assert_int_equal(dropped, (int)(k - ns->g.capacity));
	assert_int_equal(ns->r->count, ns->g.capacity);
	assert_true(ns->r->free_count <= ns->g.free_cap);
	assert_int_equal(svmt_dir_check(&d, &bad), 0);
	/* and deleting still ends */
	for (i = 0; i < ns->g.slots; i++)
		if (atomic_load(&s[i].state) != SVMT_ENT_EMPTY) {
			svmt_dir_remove_entry(ns, &s[i]);
			break;
		}
	assert_int_equal(ns->r->count, ns->g.capacity - 1);
	svmt_ns_unlock(ns);
}

/* Rebuilding is idempotent and never drops a valid entry. */
static void test_rebuild_twice_changes_nothing_more(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_dir d = svmt_ns_dir(ns);
	struct svmt_ns_info a, b;
	char name[16];

	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		tl_region_make(ns, name, 4096u << (i % 3));
	}
	assert_ok(svmt_ns_info(ns, &a));
	assert_ok(svmt_ns_lock(ns, SVMT_TAG_RECOVER, NULL));
	assert_ok(svmt_dir_rebuild(&d, NULL, NULL));
	assert_ok(svmt_dir_rebuild(&d, NULL, NULL));
	svmt_ns_unlock(ns);
	assert_ok(svmt_ns_info(ns, &b));
	assert_int_equal(b.count, 20);
	assert_int_equal(b.free_bytes, a.free_bytes);
	assert_int_equal(b.free_extents, a.free_extents);
}

/* A region removed (forced) while this process still maps it: a new
 * region created here must not be mapped over the stale mapping. */
static void test_create_avoids_addresses_this_process_still_maps(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region *a = NULL, *b = NULL;

	tl_ropts(&o, 4096, PERSIST);
	assert_ok(svmt_region_open(ns, "a", &o, &a));
	memcpy(svmt_region_data(a), "data of a", 10);
	assert_ok(svmt_region_remove(ns, "a", SVMT_REMOVE_FORCE));
	assert_ok(svmt_region_open(ns, "b", &o, &b));
	assert_int_not_equal(svmt_region_base(b), svmt_region_base(a));
	assert_string_equal(svmt_region_data(a), "data of a");
	memcpy(svmt_region_data(b), "data of b", 10);
	assert_ok(svmt_region_close(a));
	assert_string_equal(svmt_region_data(b), "data of b");
	assert_ok(svmt_region_close(b));
}

/* Opening a region this process has open already, asking another size,
 * is SVMT_ESIZE, not the first handle. */
static void test_second_open_with_another_size_is_esize(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region *a = NULL, *b = NULL;

	tl_ropts(&o, 4096, PERSIST);
	assert_ok(svmt_region_open(ns, "x", &o, &a));
	o.size = 1 << 20;
	assert_rc(svmt_region_open(ns, "x", &o, &b), SVMT_ESIZE);
	assert_null(b);
	o.size = 4096;
	assert_ok(svmt_region_open(ns, "x", &o, &b));
	assert_ptr_equal(a, b);
	assert_ok(svmt_region_close(b));
	assert_ok(svmt_region_close(a));
}

/* A header that points outside the namespace span is never mapped. */
static void test_attach_refuses_base_outside_the_span(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_dir d = svmt_ns_dir(ns);
	struct svmt_region_opts o;
	svmt_region *r = NULL;
	uint64_t far = SVMT_DEFAULT_BASE + TL_SPAN + (64ULL << 20);
	struct svmt_dirent *e;

	tl_region_make(ns, "x", 4096);
	/* both the entry and the header agree on a base out of the span */
	assert_ok(svmt_ns_lock(ns, SVMT_TAG_RECOVER, NULL));
	e = svmt_dir_find(&d, "x");
	e->base = far;
	svmt_ns_unlock(ns);
	assert_ok(tl_patch(t, tl_obj(t, "x"), offsetof(struct svmt_rhdr, base),
			   &far, sizeof(far)));
	svmt_region_opts_init(&o);
	assert_rc(svmt_region_open(ns, "x", &o, &r), SVMT_ECORRUPT);
}

/* Killed after marking the object removed, before dropping the entry:
 * opens say so, recover finishes the removal, the name is usable again. */
static void test_recover_finishes_an_interrupted_removal(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	struct tl_evlog dry = { 0 }, real = { 0 };
	svmt_region *r = NULL;
	uint32_t removed = SVMT_RS_REMOVED;

	tl_region_make(ns, "x", 4096);
	assert_ok(tl_patch(t, tl_obj(t, "x"), offsetof(struct svmt_rhdr, state),
			   &removed, sizeof(removed)));
	svmt_region_opts_init(&o);
	assert_rc(svmt_region_open(ns, "x", &o, &r), -ENOENT);
	assert_ok(svmt_recover(ns, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &dry));
	assert_int_equal(tl_ev_count(&dry, SVMT_EV_MISSING), 1);
	assert_ok(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &real));
	assert_int_equal(tl_ev_count(&real, SVMT_EV_MISSING), 1);
	assert_false(tl_exists(t, tl_obj(t, "x")));
	tl_ropts(&o, 4096, PERSIST | SVMT_REGION_EXCL);
	assert_ok(svmt_region_open(ns, "x", &o, &r));
	assert_ok(svmt_region_close(r));
}

/* A handle to a namespace removed since it was opened gets -ESTALE. */
static void test_removed_namespace_handle_is_stale(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	svmt_ns *ns = NULL;

	assert_ok(tl_ns_open(t, SVMT_NS_CREATE | SVMT_NS_NOATTACH, &ns));
	tl_opts(t, &o, 0);
	assert_ok(svmt_ns_remove(&o));
	tl_ropts(&ro, 4096, PERSIST);
	assert_rc(svmt_region_open(ns, "x", &ro, NULL), -ESTALE);
	assert_int_equal(tl_count_files(t), 0);
}

static int init_pause(void *data, uint64_t size, void *arg)
{
	(void)data;
	(void)size;
	tl_post(arg, 'I');
	tl_pause_forever();
	return 0;
}

static int creator_child(void *p)
{
	struct tl *t = ((void **)p)[0];
	struct tl_chan *c = ((void **)p)[1];
	struct svmt_region_opts o;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	struct svmt_ns_opts no;

	tl_opts(t, &no, 0);
	CHILD_RC(svmt_ns_open(&no, &ns), 0);
	tl_ropts(&o, 4096, PERSIST);
	o.init = init_pause;
	o.init_arg = c;
	CHILD_RC(svmt_region_open(ns, "x", &o, &r), 0);
	return 0;
}

/* A live creator's claim cannot be forced away (its object would be
 * published over whoever took the name). */
static void test_forced_remove_spares_a_live_creators_claim(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct tl_chan *c = tl_chan_new(t);
	void *arg[2] = { t, c };

	(void)ns;
	tl_fork(t, creator_child, arg);
	assert_true(tl_await(c, 'I'));
	assert_rc(svmt_region_remove(ns, "x", SVMT_REMOVE_FORCE), -EBUSY);
}

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int leader_exits_child(void *p)
{
	struct tl_chan *c = p;
	pthread_t th;

	pthread_create(&th, NULL, idle_thread, NULL);
	tl_post(c, 'T');
	pthread_exit(NULL);
}

/* The pidfs inode of @pid's pidfd, 0 when there is none. */
static uint64_t pidfs_ino_of(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct stat st;
	uint64_t ino = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0)
		ino = (uint64_t)st.st_ino;
	close(fd);
	return ino;
}

/* A process whose main thread exited (a zombie leader) still runs. */
static void test_zombie_leader_with_live_threads_is_alive(void **state)
{
	struct tl *t = *state;
	struct tl_chan *c = tl_chan_new(t);
	struct svmt_ident id = { 0 };
	pid_t kid = tl_fork(t, leader_exits_child, c);

	assert_true(tl_await(c, 'T'));
	for (int i = 0; i < 200 && tl_proc_state(kid) != 'Z'; i++)
		tl_nap_ms(5);
	assert_int_equal(tl_proc_state(kid), 'Z');
	id.pid = kid;
	id.start = svmt_proc_start(kid, NULL);
	assert_int_equal(svmt_ident_alive(&id), 1);
	/* and as a pidfs kernel records it: told by the pidfd, not /proc */
	id.pidfs_ino = pidfs_ino_of(kid);
	if (id.pidfs_ino && svmt_self()->pidfs_ino)
		assert_int_equal(svmt_ident_alive(&id), 1);
	tl_kill(t, kid);
}

/* Root creates a region owned by another user: the directory records the
 * owner, so root can still open and remove it. */
static void test_region_given_to_another_owner_stays_usable(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region *r = NULL;

	if (geteuid() != 0)
		skip();
	tl_ropts(&o, 4096, PERSIST);
	o.owner = 65534;
	assert_ok(svmt_region_open(ns, "theirs", &o, NULL));
	svmt_region_opts_init(&o);
	assert_ok(svmt_region_open(ns, "theirs", &o, &r));
	assert_ok(svmt_region_close(r));
	assert_ok(svmt_region_remove(ns, "theirs", 0));
}

/* ------------------------------------- killed mid-update, repaired by lock */

/*
 * Where a holder of the namespace lock dies: each step is what the library
 * does between two stores, performed by hand on the shared structures.
 */
enum torn_step {
	TORN_CLAIM,   /* extent taken from the free list, no entry written */
	TORN_INSERT,  /* slot filled and counted, its state never published */
	TORN_DROP,    /* extent given back, the entry not yet deleted */
};

struct torn_arg {
	struct tl_chan *c;
	svmt_ns *ns;
	enum torn_step step;
};

#define TORN_LEN (1ULL << 20)

static int torn_ns_child(void *p)
{
	struct torn_arg *a = p;
	struct svmt_dir d = svmt_ns_dir(a->ns); /* inherited, attached */
	struct svmt_dirent *e;
	uint64_t addr;

	CHILD_RC(svmt_ns_lock(a->ns, SVMT_TAG_CREATE, NULL), 0);
	switch (a->step) {
	case TORN_CLAIM:
		CHILD_RC(svmt_space_alloc(&d, TORN_LEN, &addr), 0);
		break;
	case TORN_INSERT:
		CHILD_RC(svmt_space_alloc(&d, TORN_LEN, &addr), 0);
		e = svmt_dir_insert(&d, "half");
		CHILD_CHECK(e != NULL);
		e->base = addr;
		e->size = TORN_LEN;
		e->generation = ++a->ns->r->generation;
		e->creator = *svmt_self();
		break;
	case TORN_DROP:
		e = svmt_dir_find(&d, "gone");
		CHILD_CHECK(e != NULL);
		CHILD_RC(svmt_space_free(&d, e->base, e->size), 0);
		break;
	}
	tl_post(a->c, 'H');
	tl_pause_forever();
	return 0;
}

/*
 * Kill a namespace lock holder at @step; then a plain create (the next
 * ordinary locker, no recover) must succeed, and a dry run must find the
 * address space neither leaked nor given twice.
 */
static void torn_ns_update(struct tl *t, enum torn_step step)
{
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_dir d = svmt_ns_dir(ns);
	struct torn_arg a = { tl_chan_new(t), ns, step };
	struct svmt_region_opts o;
	struct svmt_ns_info before, after;
	struct tl_evlog dry = { 0 };
	struct svmt_dirent *e;
	uint64_t gone_base = 0, gone_size = 0, x_base;
	pid_t kid;

	if (step == TORN_DROP) {
		uint32_t removed = SVMT_RS_REMOVED;

		/* a removal marks the object removed, then drops the entry */
		tl_region_make(ns, "gone", 4096);
		e = svmt_dir_find(&d, "gone");
		assert_non_null(e);
		gone_base = e->base;
		gone_size = e->size;
		assert_ok(tl_patch(t, tl_obj(t, "gone"),
				   offsetof(struct svmt_rhdr, state), &removed,
				   sizeof(removed)));
	}
	assert_ok(svmt_ns_info(ns, &before));
	kid = tl_fork(t, torn_ns_child, &a);
	assert_await(a.c, 'H');
	tl_kill(t, kid);

	tl_ropts(&o, 4096, PERSIST | SVMT_REGION_EXCL);
	assert_ok(svmt_region_open(ns, step == TORN_INSERT ? "half" : "x", &o,
				   NULL));
	/* the create took the dead holder's lock: nobody ran recover */
	assert_int_equal(atomic_load(&ns->r->lock.recoveries), 1);
	assert_int_equal(atomic_load(&ns->r->lock.last_dead_pid), kid);

	assert_ok(svmt_recover(ns, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &dry));
	if (tl_ev_count(&dry, SVMT_EV_SPACE_LEAK) ||
	    tl_ev_count(&dry, SVMT_EV_DIRECTORY)) {
		tl_ev_print(&dry);
		fail_msg("address space lost or given twice after the repair");
	}
	assert_ok(svmt_ns_info(ns, &after));
	e = svmt_dir_find(&d, step == TORN_INSERT ? "half" : "x");
	assert_non_null(e);
	x_base = e->base;
	if (step == TORN_DROP) {
		/* the interrupted removal is recover's to finish, and only that */
		assert_int_equal(dry.n, 1);
		assert_non_null(tl_ev_find(&dry, SVMT_EV_MISSING, "gone"));
		assert_true(x_base + e->size <= gone_base ||
			    gone_base + gone_size <= x_base);
		assert_int_equal(after.count, 2);
	} else {
		assert_int_equal(dry.n, 0);
		assert_int_equal(after.count, 1);
	}
	assert_int_equal(after.free_bytes, before.free_bytes - e->size);
}

static void test_ns_holder_killed_after_claiming_an_extent(void **state)
{
	torn_ns_update(*state, TORN_CLAIM);
}

static void test_ns_holder_killed_half_way_through_an_insert(void **state)
{
	torn_ns_update(*state, TORN_INSERT);
}

static void test_ns_holder_killed_between_freeing_and_deleting(void **state)
{
	torn_ns_update(*state, TORN_DROP);
}

/* ------------------------------------------ killed mid-detach, repaired */

enum detach_step {
	DETACH_SHIFTED, /* the table shifted down, the count not lowered */
	DETACH_HOLE,    /* our slot cleared, nothing shifted yet */
};

struct detach_arg {
	struct tl *t;
	struct tl_chan *c;
	enum detach_step step;
};

static struct svmt_ident *client_table(svmt_region *r)
{
	return (struct svmt_ident *)((char *)r->h + SVMT_CLIENTS_OFF);
}

/* Create and attach non-persistent "x", then start to detach and stop
 * half-way, holding the region's lock, until killed. */
static int torn_detach_child(void *p)
{
	struct detach_arg *a = p;
	struct svmt_region_opts o;
	struct svmt_ns_opts no;
	struct svmt_ident *c;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	uint32_t i, n;

	tl_opts(a->t, &no, 0);
	CHILD_RC(svmt_ns_open(&no, &ns), 0);
	tl_ropts(&o, 4096, SVMT_REGION_CREATE);
	CHILD_RC(svmt_region_open(ns, "x", &o, &r), 0);
	tl_post(a->c, 'A');
	tl_hold(a->c);
	CHILD_RC(svmt_lock_acquire(&r->h->meta, SVMT_TAG_CLOSE, -1, NULL, NULL,
				   NULL), 0);
	c = client_table(r);
	n = r->h->nclients;
	for (i = 0; i < n && !svmt_ident_same(&c[i], svmt_self()); i++)
		;
	CHILD_CHECK(i < n);
	if (a->step == DETACH_SHIFTED)
		memmove(&c[i], &c[i + 1], (n - i - 1) * sizeof(*c));
	else
		memset(&c[i], 0, sizeof(*c));
	tl_post(a->c, 'H');
	tl_pause_forever();
	return 0;
}

/* Attach "x", wait for go, close it. */
static int attach_then_close_child(void *p)
{
	struct detach_arg *a = p;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;

	CHILD_RC(tl_child_attach(a->t, "x", &ns, &r), 0);
	tl_post(a->c, 'A');
	tl_hold(a->c);
	CHILD_RC(svmt_region_close(r), 0);
	return 0;
}

/*
 * Clients [victim, survivor, us] of a non-persistent region; the victim
 * is killed half-way through removing itself.  Nobody may be left
 * registered twice: once the survivor and we have closed, the region is
 * gone.
 */
static void torn_detach(struct tl *t, enum detach_step step)
{
	svmt_ns *ns = tl_ns_create(t);
	struct detach_arg va = { t, tl_chan_new(t), step };
	struct detach_arg sa = { t, tl_chan_new(t), step };
	struct svmt_region_opts o;
	svmt_region *r = NULL;
	pid_t victim, survivor;
	uint32_t left;

	victim = tl_fork(t, torn_detach_child, &va);
	assert_await(va.c, 'A');
	survivor = tl_fork(t, attach_then_close_child, &sa);
	assert_await(sa.c, 'A');
	svmt_region_opts_init(&o);
	assert_ok(svmt_region_open(ns, "x", &o, &r));
	assert_int_equal(r->h->nclients, 3);
	assert_int_equal(client_table(r)[0].pid, victim);

	tl_go(va.c, 1);
	assert_await(va.c, 'H');
	tl_kill(t, victim);
	tl_go(sa.c, 1);
	assert_child_ok(t, survivor);
	assert_true(tl_exists(t, tl_obj(t, "x"))); /* we still use it */
	left = r->h->nclients;
	assert_ok(svmt_region_close(r));
	if (tl_exists(t, tl_obj(t, "x")))
		fail_msg("the last client closed; %u registration(s) keep 'x' "
			 "alive", left - 1);
	assert_int_equal(left, 1);
}

static void test_client_killed_after_shifting_the_table(void **state)
{
	torn_detach(*state, DETACH_SHIFTED);
}

static void test_client_killed_after_clearing_its_slot(void **state)
{
	torn_detach(*state, DETACH_HOLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TL_TEST(test_rebuild_after_torn_delete_keeps_every_region),
		TL_TEST(test_rebuild_twice_changes_nothing_more),
		TL_TEST(test_rebuild_cuts_an_overfull_directory_to_capacity),
		TL_TEST(test_create_avoids_addresses_this_process_still_maps),
		TL_TEST(test_second_open_with_another_size_is_esize),
		TL_TEST(test_attach_refuses_base_outside_the_span),
		TL_TEST(test_recover_finishes_an_interrupted_removal),
		TL_TEST(test_removed_namespace_handle_is_stale),
		TL_TEST(test_forced_remove_spares_a_live_creators_claim),
		TL_TEST(test_zombie_leader_with_live_threads_is_alive),
		TL_TEST(test_region_given_to_another_owner_stays_usable),
		TL_TEST(test_ns_holder_killed_after_claiming_an_extent),
		TL_TEST(test_ns_holder_killed_half_way_through_an_insert),
		TL_TEST(test_ns_holder_killed_between_freeing_and_deleting),
		TL_TEST(test_client_killed_after_shifting_the_table),
		TL_TEST(test_client_killed_after_clearing_its_slot),
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
