/*
 * test-crash.c - states a process killed between two steps leaves, stale
 * handles and stale mappings: each is either repaired or refused, never
 * followed into another region's data
 */
#include "testlib.h"

#include <pthread.h>

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
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
