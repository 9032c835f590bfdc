/*
 * test-lock.c - the robust lock wrapper, region locks and the namespace
 * lock: owner records, timeouts, recovery after kill -9 of the holder
 */
#include "testlib.h"

#include <pthread.h>

#define PERSIST (SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT)

/* A lock in shared anonymous memory, inherited by children. */
static struct svmt_shlock *g_lock;

static int lock_setup(void **state)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	g_lock = p;
	if (svmt_lock_init(g_lock))
		return -1;
	return tl_setup(state);
}

static int lock_teardown(void **state)
{
	int rc = tl_teardown(state);
	munmap(g_lock, 4096);
	g_lock = NULL;
	return rc;
}

#define LOCK_TEST(f) cmocka_unit_test_setup_teardown(f, lock_setup, lock_teardown)

struct kid_arg {
	struct tl *t;
	struct tl_chan *c;
	uint32_t tag;
	int timeout_ms;
};

static int shlock_holder(void *p)
{
	struct kid_arg *a = p;
	CHILD_RC(svmt_lock_acquire(g_lock, a->tag, -1, NULL, NULL, NULL), 0);
	tl_post(a->c, 'L');
	tl_pause_forever();
	return 0;
}

struct repair_log {
	int calls;
	void *ctx;
};

static int count_repair(void *ctx)
{
	struct repair_log *l = ctx;
	l->calls++;
	l->ctx = ctx;
	return 0;
}

/* ------------------------------------------------------- the lock wrapper */

static void test_lock_acquire_records_owner_and_tag(void **state)
{
	pid_t rec = -1;
	(void)state;
	assert_int_equal(atomic_load(&g_lock->owner_pid), 0);
	assert_ok(svmt_lock_acquire(g_lock, SVMT_TAG_SCAN, -1, NULL, NULL, &rec));
	assert_int_equal(rec, 0);
	assert_int_equal(atomic_load(&g_lock->owner_pid), getpid());
	assert_int_equal(atomic_load(&g_lock->owner_tag), SVMT_TAG_SCAN);
	assert_int_equal(atomic_load(&g_lock->owner_start), svmt_self()->start);
	svmt_lock_release(g_lock);
	assert_int_equal(atomic_load(&g_lock->owner_pid), 0);
	assert_int_equal(atomic_load(&g_lock->recoveries), 0);
	/* uncontended try-lock works */
	assert_ok(svmt_lock_acquire(g_lock, SVMT_TAG_INFO, 0, NULL, NULL, NULL));
	svmt_lock_release(g_lock);
}

static void test_lock_held_by_live_process_times_out(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, tl_chan_new(t), SVMT_TAG_CREATE, 0 };
	struct repair_log log = { 0 };
	pid_t kid = tl_fork(t, shlock_holder, &a);

	assert_await(a.c, 'L');
	assert_int_equal(atomic_load(&g_lock->owner_pid), kid);
	assert_int_equal(atomic_load(&g_lock->owner_tag), SVMT_TAG_CREATE);
	assert_rc(svmt_lock_acquire(g_lock, SVMT_TAG_OPEN, 0, count_repair, &log, NULL),
		  -ETIMEDOUT);
	assert_rc(svmt_lock_acquire(g_lock, SVMT_TAG_OPEN, 150, count_repair, &log, NULL),
		  -ETIMEDOUT);
	assert_int_equal(log.calls, 0);
	/* the owner record is the holder's, untouched */
	assert_int_equal(atomic_load(&g_lock->owner_pid), kid);
	assert_int_equal(atomic_load(&g_lock->owner_tag), SVMT_TAG_CREATE);
}

static void test_lock_dead_owner_is_recovered_with_repair(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, tl_chan_new(t), SVMT_TAG_REMOVE, 0 };
	struct repair_log log = { 0 };
	pid_t rec = 0;
	pid_t kid = tl_fork(t, shlock_holder, &a);

	assert_await(a.c, 'L');
	tl_kill(t, kid);
	assert_ok(svmt_lock_acquire(g_lock, SVMT_TAG_RECOVER, 2000, count_repair, &log, &rec));
	assert_int_equal(log.calls, 1);
	assert_ptr_equal(log.ctx, &log);
	assert_int_equal(rec, kid);
	assert_int_equal(atomic_load(&g_lock->recoveries), 1);
	assert_int_equal(atomic_load(&g_lock->last_dead_pid), kid);
	assert_int_equal(atomic_load(&g_lock->owner_pid), getpid());
	assert_int_equal(atomic_load(&g_lock->owner_tag), SVMT_TAG_RECOVER);
	svmt_lock_release(g_lock);
	/* consistent again: the next acquire is a plain one */
	rec = -1;
	assert_ok(svmt_lock_acquire(g_lock, SVMT_TAG_INFO, 0, count_repair, &log, &rec));
	assert_int_equal(rec, 0);
	assert_int_equal(log.calls, 1);
	svmt_lock_release(g_lock);
	assert_int_equal(atomic_load(&g_lock->recoveries), 1);
}

static int shlock_waiter(void *p)
{
	struct kid_arg *a = p;
	pid_t rec = 0;
	int rc;
	tl_post(a->c, 'W');
	rc = svmt_lock_acquire(g_lock, a->tag, a->timeout_ms, NULL, NULL, &rec);
	tl_post_int(a->c, rc);
	tl_post_int(a->c, rec);
	if (rc == 0)
		svmt_lock_release(g_lock);
	return 0;
}

/* The seed's defect: waiters already asleep never woke after a death. */
static void test_lock_sleeping_waiter_wakes_when_owner_dies(void **state)
{
	struct tl *t = *state;
	struct kid_arg h = { t, tl_chan_new(t), SVMT_TAG_CREATE, 0 };
	struct kid_arg w = { t, tl_chan_new(t), SVMT_TAG_OPEN, 8000 };
	int32_t rc = 1, rec = 0;
	pid_t holder, waiter;

	holder = tl_fork(t, shlock_holder, &h);
	assert_await(h.c, 'L');
	waiter = tl_fork(t, shlock_waiter, &w);
	assert_await(w.c, 'W');
	tl_wait_futex_sleep(waiter);
	tl_kill(t, holder);
	assert_ok(tl_recv(w.c, &rc, sizeof rc, TL_WAIT_MS));
	assert_ok(tl_recv(w.c, &rec, sizeof rec, TL_WAIT_MS));
	assert_rc(rc, 0);
	assert_int_equal(rec, holder);
	assert_child_ok(t, waiter);
	assert_int_equal(atomic_load(&g_lock->recoveries), 1);
}

static void test_tag_names_exist(void **state)
{
	const uint32_t tags[] = { SVMT_TAG_NONE, SVMT_TAG_CREATE, SVMT_TAG_OPEN,
				  SVMT_TAG_CLOSE, SVMT_TAG_REMOVE, SVMT_TAG_SCAN,
				  SVMT_TAG_RECOVER, SVMT_TAG_INFO, SVMT_TAG_USER | 5 };
	(void)state;
	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
		const char *s = svmt_tag_name(tags[i]);
		assert_non_null(s);
		assert_true(s[0] != 0);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(s, svmt_tag_name(tags[j]));
	}
	assert_non_null(svmt_tag_name(12345));
}

/* ----------------------------------------------------------- region locks */

/*
 * Children attach, post 'A' and wait for go before locking, so the order of
 * events is fixed (attaching itself never waits for the user's lock: see
 * test_region_attach_proceeds_while_user_lock_held).
 */
static int region_lock_holder(void *p)
{
	struct kid_arg *a = p;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	CHILD_RC(tl_child_attach(a->t, "locked", &ns, &r), 0);
	tl_post(a->c, 'A');
	tl_hold(a->c);
	CHILD_RC(svmt_region_lock(r, a->tag, -1), 0);
	memcpy(svmt_region_data(r), "half-written", 13);
	tl_post(a->c, 'L');
	tl_pause_forever();
	return 0;
}

static int region_lock_waiter(void *p)
{
	struct kid_arg *a = p;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	int rc;
	CHILD_RC(tl_child_attach(a->t, "locked", &ns, &r), 0);
	tl_post(a->c, 'A');
	tl_hold(a->c);
	tl_post(a->c, 'W');
	rc = svmt_region_lock(r, a->tag, a->timeout_ms);
	tl_post_int(a->c, rc);
	if (rc == 0)
		svmt_region_unlock(r);
	svmt_region_close(r);
	svmt_ns_close(ns);
	return 0;
}

static void make_locked_region(struct tl *t)
{
	svmt_ns *ns = tl_ns_create(t);
	tl_region_make(ns, "locked", 1 << 16);
	tl_ns_close(t, ns);
}

static const struct svmt_region_info *list_locked(struct tl *t,
						  svmt_region_list **all,
						  size_t *n)
{
	tl_list_rdonly(t, all);
	*n = svmt_list_count(*all);
	return svmt_list_find(*all, "locked");
}

static void test_region_lock_shows_owner_and_tag_in_list(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	size_t n = 0;

	make_locked_region(t);
	assert_ok(tl_attach(t, "locked", &ns, &r));
	assert_ok(svmt_region_lock(r, 42, -1));
	ri = list_locked(t, &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->lock->owner, getpid());
	assert_int_equal(ri->lock->owner_alive, 1);
	assert_int_equal(ri->lock->tag & ~SVMT_TAG_USER, 42);
	assert_int_equal(ri->lock->recoveries, 0);
	svmt_list_free(all);
	assert_ok(svmt_region_unlock(r));
	ri = list_locked(t, &all, &n);
	assert_int_equal(ri->lock->owner, 0);
	svmt_list_free(all);
}

static void test_region_relock_by_owner_is_edeadlk(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;

	make_locked_region(t);
	assert_ok(tl_attach(t, "locked", &ns, &r));
	assert_ok(svmt_region_lock(r, 1, -1));
	assert_rc(svmt_region_lock(r, 2, 100), -EDEADLK);
	assert_rc(svmt_region_lock(r, 2, 0), -EDEADLK);
	assert_ok(svmt_region_unlock(r));
	/* unlocking a lock we do not hold is an error, not a crash */
	assert_true(svmt_region_unlock(r) < 0);
	assert_ok(svmt_region_lock(r, 3, 0));
	assert_ok(svmt_region_unlock(r));
}

static void test_region_lock_held_by_live_child_times_out(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, tl_chan_new(t), 7, 0 };
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	pid_t kid;

	make_locked_region(t);
	kid = tl_fork(t, region_lock_holder, &a);
	assert_await(a.c, 'A');
	assert_ok(tl_attach(t, "locked", &ns, &r));
	tl_go(a.c, 1);
	assert_await(a.c, 'L');
	assert_rc(svmt_region_lock(r, 1, 0), -ETIMEDOUT);
	assert_rc(svmt_region_lock(r, 1, 200), -ETIMEDOUT);
	assert_int_equal(kill(kid, 0), 0);
}

/* The user's lock guards the data, not the bookkeeping: attaching and
 * detaching go on while a live process holds it. */
static void test_region_attach_proceeds_while_user_lock_held(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, tl_chan_new(t), 7, 0 };
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	size_t n = 0;

	make_locked_region(t);
	tl_fork(t, region_lock_holder, &a);
	assert_await(a.c, 'A');
	tl_go(a.c, 1);
	assert_await(a.c, 'L');
	/* the lock is held by the child: attaching does not wait for it */
	assert_ok(tl_attach(t, "locked", &ns, &r));
	assert_rc(svmt_region_lock(r, 1, 0), -ETIMEDOUT);
	ri = list_locked(t, &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->nclients, 2);
	assert_int_equal(ri->lock->tag & ~SVMT_TAG_USER, 7);
	svmt_list_free(all);
	assert_ok(svmt_region_close(r));
	ri = list_locked(t, &all, &n);
	assert_int_equal(ri->nclients, 1);
	svmt_list_free(all);
}

/* Closing a region whose lock this process holds releases the lock before
 * the unmap (a robust lock in unmapped memory would be lost at death). */
static void test_region_close_releases_held_lock(void **state)
{
	struct tl *t = *state;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	size_t n = 0;

	make_locked_region(t);
	assert_ok(tl_attach(t, "locked", &ns, &r));
	assert_ok(svmt_region_lock(r, 5, -1));
	assert_ok(svmt_region_close(r));
	ri = list_locked(t, &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->lock->owner, 0);
	svmt_list_free(all);
	assert_ok(svmt_region_open(ns, "locked", NULL, &r));
	assert_ok(svmt_region_lock(r, 6, 0));
	assert_ok(svmt_region_unlock(r));
	assert_ok(svmt_region_close(r));
}

static void *unlock_from_thread(void *r)
{
	return (void *)(intptr_t)svmt_region_unlock(r);
}

/* Only the thread that holds the lock can release it. */
static void test_region_unlock_from_another_thread_is_eperm(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	size_t n = 0;
	pthread_t th;
	void *rc;

	make_locked_region(t);
	assert_ok(tl_attach(t, "locked", &ns, &r));
	assert_ok(svmt_region_lock(r, 9, -1));
	assert_int_equal(pthread_create(&th, NULL, unlock_from_thread, r), 0);
	assert_int_equal(pthread_join(th, &rc), 0);
	assert_int_equal((intptr_t)rc, -EPERM);
	ri = list_locked(t, &all, &n);
	assert_int_equal(ri->lock->owner, getpid()); /* still shown as held */
	svmt_list_free(all);
	assert_ok(svmt_region_unlock(r));
	assert_ok(svmt_region_lock(r, 9, 0));
	assert_ok(svmt_region_unlock(r));
}

static void test_region_lock_holder_killed_then_parent_locks(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, tl_chan_new(t), 7, 0 };
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	size_t n = 0;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	pid_t kid;

	make_locked_region(t);
	kid = tl_fork(t, region_lock_holder, &a);
	assert_await(a.c, 'A');
	assert_ok(tl_attach(t, "locked", &ns, &r));
	tl_go(a.c, 1);
	assert_await(a.c, 'L');

	ri = list_locked(t, &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->lock->owner, kid);
	assert_int_equal(ri->lock->owner_alive, 1);
	assert_int_equal(ri->lock->tag & ~SVMT_TAG_USER, 7);
	svmt_list_free(all);

	tl_kill(t, kid);
	ri = list_locked(t, &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->lock->owner, kid);
	assert_int_equal(ri->lock->owner_alive, 0);
	svmt_list_free(all);

	assert_ok(svmt_region_lock(r, 9, 2000));
	/* the data area is the caller's to check: it is as the dead one left
	 * it, and the caller is told */
	assert_int_equal(svmt_region_lock_recovered(r), 1);
	assert_string_equal((char *)svmt_region_data(r), "half-written");
	ri = list_locked(t, &all, &n);
	assert_int_equal(ri->lock->owner, getpid());
	assert_int_equal(ri->lock->recoveries, 1);
	svmt_list_free(all);
	assert_ok(svmt_region_unlock(r));
	assert_ok(svmt_region_lock(r, 9, 0));
	assert_int_equal(svmt_region_lock_recovered(r), 0);
	assert_ok(svmt_region_unlock(r));

	ri = list_locked(t, &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->lock->owner, 0);
	assert_int_equal(ri->lock->recoveries, 1);
	/* the region is consistent: its bookkeeping shows no live stranger */
	for (uint32_t i = 0; i < ri->nclients; i++)
		if (ri->clients[i]->pid == kid)
			assert_int_equal(ri->clients[i]->alive, 0);
	svmt_list_free(all);
	/* and the lock works normally from now on */
	assert_ok(svmt_region_lock(r, 10, 0));
	assert_ok(svmt_region_unlock(r));
	ri = list_locked(t, &all, &n);
	assert_int_equal(ri->lock->recoveries, 1);
	svmt_list_free(all);
}

static void test_region_lock_sleeping_waiter_wakes_when_holder_killed(void **state)
{
	struct tl *t = *state;
	struct kid_arg h = { t, tl_chan_new(t), 7, 0 };
	struct kid_arg w = { t, tl_chan_new(t), 8, 8000 };
	int32_t rc = 1;
	pid_t holder, waiter;

	make_locked_region(t);
	holder = tl_fork(t, region_lock_holder, &h);
	assert_await(h.c, 'A');
	waiter = tl_fork(t, region_lock_waiter, &w);
	assert_await(w.c, 'A');
	tl_go(h.c, 1);
	assert_await(h.c, 'L');
	tl_go(w.c, 1);
	assert_await(w.c, 'W');
	tl_wait_futex_sleep(waiter);
	tl_kill(t, holder);
	assert_ok(tl_recv(w.c, &rc, sizeof rc, TL_WAIT_MS));
	assert_rc(rc, 0);
	assert_child_ok(t, waiter);
}

static int raw_mutex_holder(void *p)
{
	struct kid_arg *a = p;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	CHILD_RC(tl_child_attach(a->t, "locked", &ns, &r), 0);
	tl_post(a->c, 'A');
	tl_hold(a->c);
	CHILD_RC(pthread_mutex_lock(&r->h->lock.u.m), 0);
	tl_post(a->c, 'L');
	tl_pause_forever();
	return 0;
}

/* A lock left ENOTRECOVERABLE (EOWNERDEAD unlocked without consistent):
 * svmt_region_lock says so, and svmt_recover makes it usable again. */
static void test_region_lock_not_recoverable_until_recover(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, tl_chan_new(t), 0, 0 };
	struct tl_evlog log = { 0 };
	svmt_region_list *ri = NULL;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	pid_t kid;

	make_locked_region(t);
	kid = tl_fork(t, raw_mutex_holder, &a);
	assert_await(a.c, 'A');
	assert_ok(tl_attach(t, "locked", &ns, &r));
	tl_go(a.c, 1);
	assert_await(a.c, 'L');
	tl_kill(t, kid);
	assert_int_equal(pthread_mutex_lock(&r->h->lock.u.m), EOWNERDEAD);
	assert_int_equal(pthread_mutex_unlock(&r->h->lock.u.m), 0);

	assert_rc(svmt_region_lock(r, 1, 0), SVMT_ENOTRECOVERABLE);
	assert_rc(svmt_region_lock(r, 1, 100), SVMT_ENOTRECOVERABLE);
	/* list still describes it */
	assert_ok(svmt_list(ns, &ri));
	assert_int_equal(svmt_list_count(ri), 1);
	svmt_list_free(ri);

	assert_ok(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &log));
	if (log.n == 0)
		fail_msg("recover reported nothing about the unrecoverable lock");
	assert_ok(svmt_region_lock(r, 1, 0));
	assert_ok(svmt_region_unlock(r));
}

/* ---------------------------------------------------------- namespace lock */

struct nslock_arg {
	struct tl *t;
	struct tl_chan *c;
	svmt_ns *ns;
};

static int ns_lock_holder(void *p)
{
	struct nslock_arg *a = p;
	/* the namespace is inherited, attached, from the parent */
	CHILD_RC(svmt_lock_acquire(&a->ns->r->lock, SVMT_TAG_CREATE, -1, NULL, NULL, NULL), 0);
	tl_post(a->c, 'N');
	tl_pause_forever();
	return 0;
}

static void test_ns_lock_live_holder_makes_changes_time_out(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	struct nslock_arg a = { t, tl_chan_new(t), NULL };
	svmt_region *r = NULL;
	pid_t kid;

	tl_opts(t, &o, SVMT_NS_CREATE);
	o.timeout_ms = 200;
	assert_ok(tl_ns_open_opts(t, &o, &a.ns));
	kid = tl_fork(t, ns_lock_holder, &a);
	assert_await(a.c, 'N');
	assert_int_equal(atomic_load(&a.ns->r->lock.owner_pid), kid);
	tl_ropts(&ro, 8192, PERSIST);
	assert_rc(svmt_region_open(a.ns, "r", &ro, &r), -ETIMEDOUT);
	assert_rc(svmt_region_open(a.ns, "r", &ro, NULL), -ETIMEDOUT);
	assert_false(tl_exists(t, tl_obj(t, "r")));
	assert_int_equal(kill(kid, 0), 0);
}

static void test_ns_lock_dead_holder_is_recovered(void **state)
{
	struct tl *t = *state;
	struct svmt_region_opts ro;
	struct svmt_ns_info in;
	struct nslock_arg a = { t, tl_chan_new(t), NULL };
	svmt_region *r = NULL;
	pid_t kid;

	a.ns = tl_ns_create(t);
	kid = tl_fork(t, ns_lock_holder, &a);
	assert_await(a.c, 'N');
	assert_int_equal(atomic_load(&a.ns->r->lock.owner_pid), kid);
	tl_kill(t, kid);

	tl_ropts(&ro, 8192, PERSIST);
	assert_ok(svmt_region_open(a.ns, "r", &ro, &r));
	assert_int_equal(atomic_load(&a.ns->r->lock.recoveries), 1);
	assert_int_equal(atomic_load(&a.ns->r->lock.last_dead_pid), kid);
	assert_int_equal(atomic_load(&a.ns->r->lock.owner_pid), 0);
	assert_ok(svmt_ns_info(a.ns, &in));
	assert_int_equal(in.count, 1);
	assert_ok(svmt_region_close(r));
	/* and a second create path works too */
	assert_ok(svmt_region_open(a.ns, "s", &ro, NULL));
	assert_ok(svmt_region_remove(a.ns, "s", 0));
	assert_int_equal(atomic_load(&a.ns->r->lock.recoveries), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		LOCK_TEST(test_lock_acquire_records_owner_and_tag),
		LOCK_TEST(test_lock_held_by_live_process_times_out),
		LOCK_TEST(test_lock_dead_owner_is_recovered_with_repair),
		LOCK_TEST(test_lock_sleeping_waiter_wakes_when_owner_dies),
		cmocka_unit_test(test_tag_names_exist),
		TL_TEST(test_region_lock_shows_owner_and_tag_in_list),
		TL_TEST(test_region_relock_by_owner_is_edeadlk),
		TL_TEST(test_region_lock_held_by_live_child_times_out),
		TL_TEST(test_region_attach_proceeds_while_user_lock_held),
		TL_TEST(test_region_close_releases_held_lock),
		TL_TEST(test_region_unlock_from_another_thread_is_eperm),
		TL_TEST(test_region_lock_holder_killed_then_parent_locks),
		TL_TEST(test_region_lock_sleeping_waiter_wakes_when_holder_killed),
		TL_TEST(test_region_lock_not_recoverable_until_recover),
		TL_TEST(test_ns_lock_live_holder_makes_changes_time_out),
		TL_TEST(test_ns_lock_dead_holder_is_recovered),
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
