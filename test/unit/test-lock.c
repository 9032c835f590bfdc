/*
 * test-lock.c - the robust lock wrapper, region locks and the namespace
 * lock: owner records, timeouts, recovery after kill -9 of the holder
 */
#include "testlib.h"

#include <pthread.h>
#include <sys/syscall.h>

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

static volatile int g_interrupt;

static void *raise_interrupt_later(void *p)
{
	(void)p;
	tl_nap_ms(100);
	g_interrupt = 1;
	return NULL;
}

/* A wait with the interrupt flag raised ends with -EINTR, long before its
 * timeout; the holder keeps the lock; without a flag it is a plain wait. */
static void test_lock_wait_ends_when_the_interrupt_flag_rises(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, tl_chan_new(t), SVMT_TAG_CREATE, 0 };
	pid_t kid = tl_fork(t, shlock_holder, &a);
	pthread_t th;
	int rc;

	assert_await(a.c, 'L');
	g_interrupt = 0;
	svmt_set_interrupt(&g_interrupt);
	assert_int_equal(pthread_create(&th, NULL, raise_interrupt_later, NULL), 0);
	/* an hour of timeout: only the flag can end it */
	rc = svmt_lock_acquire(g_lock, SVMT_TAG_OPEN, 3600 * 1000, NULL, NULL, NULL);
	pthread_join(th, NULL);
	assert_rc(rc, -EINTR);
	assert_int_equal(atomic_load(&g_lock->owner_pid), kid);
	/* raised already: no wait at all, even "forever" */
	assert_rc(svmt_lock_acquire(g_lock, SVMT_TAG_OPEN, -1, NULL, NULL, NULL), -EINTR);
	svmt_set_interrupt(NULL);
	assert_rc(svmt_lock_acquire(g_lock, SVMT_TAG_OPEN, 100, NULL, NULL, NULL),
		  -ETIMEDOUT);
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
	/* the news stays until a holder says the data is whole again */
	assert_ok(svmt_region_lock(r, 9, 0));
	assert_int_equal(svmt_region_lock_recovered(r), 1);
	assert_ok(svmt_region_lock_ack(r));
	assert_int_equal(svmt_region_lock_recovered(r), 0);
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

/* The region "locked", attached (ns, r), its data lock left not
 * recoverable: a holder killed, EOWNERDEAD unlocked without consistent. */
static void make_unrecoverable_lock(struct tl *t, svmt_ns **ns, svmt_region **r)
{
	struct kid_arg a = { t, tl_chan_new(t), 0, 0 };
	pid_t kid;

	make_locked_region(t);
	kid = tl_fork(t, raw_mutex_holder, &a);
	assert_await(a.c, 'A');
	assert_ok(tl_attach(t, "locked", ns, r));
	tl_go(a.c, 1);
	assert_await(a.c, 'L');
	tl_kill(t, kid);
	assert_int_equal(pthread_mutex_lock(&(*r)->h->lock.u.m), EOWNERDEAD);
	assert_int_equal(pthread_mutex_unlock(&(*r)->h->lock.u.m), 0);
}

/* A lock left ENOTRECOVERABLE (EOWNERDEAD unlocked without consistent):
 * svmt_region_lock says so, and svmt_recover makes it usable again. */
static void test_region_lock_not_recoverable_until_recover(void **state)
{
	struct tl *t = *state;
	struct tl_evlog log = { 0 };
	svmt_region_list *ri = NULL;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;

	make_unrecoverable_lock(t, &ns, &r);

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

static int take_ns_lock_now(void *data, uint64_t size, void *arg)
{
	struct nslock_arg *a = arg;
	(void)data;
	(void)size;
	tl_go(a->c, 1);
	return tl_await(a->c, 'N') ? 0 : -1;
}

static int ns_lock_holder_on_go(void *p)
{
	struct nslock_arg *a = p;
	tl_hold(a->c);
	return ns_lock_holder(p);
}

static int create_through_held_lock(void *p)
{
	struct nslock_arg *a = p;
	struct svmt_region_opts ro;
	svmt_region *r = NULL;

	tl_ropts(&ro, 8192, PERSIST);
	ro.init = take_ns_lock_now;
	ro.init_arg = a;
	CHILD_RC(svmt_region_open(a->ns, "r", &ro, &r), -ETIMEDOUT);
	return 0;
}

/* A live process takes the namespace lock between a create's claim and
 * its publish: the create gives up within its timeout, not when that
 * process exits. */
static void test_create_is_bounded_by_timeout_between_claim_and_publish(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	struct nslock_arg a = { t, tl_chan_new(t), NULL };
	svmt_region *r = NULL;
	pid_t holder, creator;

	tl_opts(t, &o, SVMT_NS_CREATE);
	o.timeout_ms = 200;
	assert_ok(tl_ns_open_opts(t, &o, &a.ns));
	holder = tl_fork(t, ns_lock_holder_on_go, &a);
	creator = tl_fork(t, create_through_held_lock, &a);
	assert_child_ok(t, creator);
	assert_int_equal(kill(holder, 0), 0);
	/* once the holder is gone, the dead creator's claim is taken over */
	tl_kill(t, holder);
	tl_ropts(&ro, 8192, PERSIST);
	assert_ok(svmt_region_open(a.ns, "r", &ro, &r));
	assert_ok(svmt_region_close(r));
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


/* ------------------------------------------------------ hostile writers */

#define MUTEX_OFF(field) offsetof(pthread_mutex_t, __data.field)

struct word_case {
	const char *what;
	size_t off;
	uint32_t val;
};

/* Bytes a writer may leave in a mutex; the first ones make glibc abort. */
static const struct word_case hostile_words[] = {
	{ "priority-protect kind", MUTEX_OFF(__kind), 0x92 | 0x40 },
	{ "priority-inherit kind", MUTEX_OFF(__kind), 0x92 | 0x20 },
	{ "plain kind", MUTEX_OFF(__kind), 0 },
	{ "spins and elision", MUTEX_OFF(__spins), 0x10001 },
	{ "futex word naming no thread", MUTEX_OFF(__lock), 0x3fffffff },
	{ "owner naming no thread", MUTEX_OFF(__owner), 0x12345678 },
	{ "count of an error-checking mutex", MUTEX_OFF(__count), 7 },
};

static int acquire_hostile(void *p)
{
	struct svmt_lock_info li;
	(void)p;
	CHILD_RC(svmt_lock_describe(g_lock, &li), SVMT_ECORRUPT);
	CHILD_RC(svmt_lock_acquire(g_lock, SVMT_TAG_SCAN, 100, NULL, NULL, NULL),
		 SVMT_ECORRUPT);
	CHILD_RC(svmt_lock_acquire(g_lock, SVMT_TAG_SCAN, -1, NULL, NULL, NULL),
		 SVMT_ECORRUPT);
	CHILD_CHECK(strncmp(svmt_errdetail(), "lock ", 5) == 0);
	return 0;
}

static void test_lock_with_hostile_mutex_words_is_corrupt_not_an_abort(void **state)
{
	struct tl *t = *state;

	for (size_t i = 0; i < sizeof(hostile_words) / sizeof(hostile_words[0]); i++) {
		const struct word_case *c = &hostile_words[i];
		pid_t kid;
		int st;

		assert_ok(svmt_lock_init(g_lock));
		memcpy(g_lock->u.bytes + c->off, &c->val, sizeof(c->val));
		kid = tl_fork(t, acquire_hostile, NULL);
		st = tl_wait(t, kid, TL_WAIT_MS);
		if (st == -1 || WIFSIGNALED(st) || WEXITSTATUS(st))
			soft_fail("%s: child %s %d", c->what,
				  st != -1 && WIFSIGNALED(st) ? "killed by signal"
							      : "exited with",
				  st == -1 ? -1 : WIFSIGNALED(st) ? WTERMSIG(st)
								  : WEXITSTATUS(st));
	}
	soft_done();
	/* a lock rebuilt is usable again */
	assert_ok(svmt_lock_reinit(g_lock, false));
	assert_ok(svmt_lock_acquire(g_lock, SVMT_TAG_SCAN, 0, NULL, NULL, NULL));
	svmt_lock_release(g_lock);
}

static off_t rlock_off(bool meta)
{
	return (off_t)(meta ? offsetof(struct svmt_rhdr, meta)
			    : offsetof(struct svmt_rhdr, lock));
}

struct corrupt_arg {
	struct tl *t;
	bool meta; /* the bookkeeping lock, else the user's */
};

/* Everything an operator runs over a region whose lock a writer broke;
 * in a child, so that an abort inside glibc shows as a failure. */
static int ops_over_corrupt_region_lock(void *p)
{
	struct corrupt_arg *a = p;
	struct tl_evlog log = { 0 };
	svmt_region_list *ri = NULL;
	struct svmt_ns_opts o;
	svmt_ns *ns = NULL, *ro = NULL;
	svmt_region *r = NULL;

	tl_opts(a->t, &o, SVMT_NS_RDONLY);
	CHILD_RC(svmt_ns_open(&o, &ro), 0);
	CHILD_RC(svmt_list(ro, &ri), 0);
	CHILD_CHECK(svmt_list_count(ri) == 1 &&
		    svmt_list_get(ri, 0)->state == SVMT_STATE_CORRUPT);
	CHILD_CHECK(strstr(svmt_list_get(ri, 0)->detail, "lock kind 0xd2") != NULL);
	svmt_list_free(ri);
	CHILD_RC(svmt_recover(ro, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log), 0);
	CHILD_CHECK(log.n == 1 && log.ev[0].kind == SVMT_EV_CORRUPT && !log.ev[0].fixed);
	log.n = 0;
	CHILD_RC(svmt_scan(ro, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log), 0);
	CHILD_CHECK(log.n == 1 && log.ev[0].kind == SVMT_EV_CORRUPT);

	tl_opts(a->t, &o, 0);
	CHILD_RC(svmt_ns_open(&o, &ns), 0);
	log.n = 0;
	CHILD_RC(svmt_scan(ns, NULL, 0, 0, tl_ev_collect, &log), 0);
	CHILD_CHECK(log.n == (a->meta ? 1 : 0));
	if (a->meta) {
		CHILD_RC(tl_child_attach(a->t, "locked", &ns, &r), SVMT_ECORRUPT);
	} else {
		CHILD_RC(tl_child_attach(a->t, "locked", &ns, &r), 0);
		CHILD_RC(svmt_region_lock(r, 1, 100), SVMT_ECORRUPT);
		CHILD_RC(svmt_region_unlock(r), -EPERM);
	}
	/* recover rebuilds it: nobody alive holds it */
	log.n = 0;
	CHILD_RC(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &log), 0);
	CHILD_CHECK(log.n == 1 && log.ev[0].kind == SVMT_EV_CORRUPT && log.ev[0].fixed);
	CHILD_CHECK(strstr(log.ev[0].detail, "reinitialised") != NULL);
	log.n = 0;
	CHILD_RC(svmt_recover(ro, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log), 0);
	CHILD_CHECK(log.n == 0);
	if (!r)
		CHILD_RC(tl_child_attach(a->t, "locked", &ns, &r), 0);
	CHILD_RC(svmt_region_lock(r, 1, 100), 0);
	/* a data lock rebuilt: the data may be half-written, say so */
	CHILD_CHECK(svmt_region_lock_recovered(r) == !a->meta);
	CHILD_RC(svmt_region_unlock(r), 0);
	svmt_region_close(r);
	svmt_ns_close(ns);
	svmt_ns_close(ro);
	return 0;
}

static void test_recover_rebuilds_corrupt_region_locks_others_do_not_abort(void **state)
{
	struct tl *t = *state;

	for (int meta = 0; meta < 2; meta++) {
		struct corrupt_arg a = { t, meta };
		pid_t kid;

		make_locked_region(t);
		assert_ok(tl_patch_u32(t, tl_obj(t, "locked"),
				       rlock_off(meta) + (off_t)MUTEX_OFF(__kind), 0x92 | 0x40));
		kid = tl_fork(t, ops_over_corrupt_region_lock, &a);
		assert_child_ok(t, kid);
		assert_ok(tl_rm_rf(tl_path(t, tl_obj(t, "locked"))));
		assert_ok(tl_rm_rf(tl_path(t, tl_obj(t, NULL))));
	}
}

static int ops_over_corrupt_ns_lock(void *p)
{
	struct corrupt_arg *a = p;
	struct tl_evlog log = { 0 };
	struct svmt_region_opts ro;
	struct svmt_ns_opts o;
	svmt_ns *ns = NULL, *rd = NULL;

	tl_opts(a->t, &o, SVMT_NS_RDONLY);
	CHILD_RC(svmt_ns_open(&o, &rd), 0);
	CHILD_RC(svmt_recover(rd, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log), 0);
	CHILD_CHECK(log.n == 1 && log.ev[0].kind == SVMT_EV_CORRUPT &&
		    !log.ev[0].region[0]);
	tl_opts(a->t, &o, SVMT_NS_NOATTACH);
	CHILD_RC(svmt_ns_open(&o, &ns), 0);
	tl_ropts(&ro, 8192, PERSIST);
	CHILD_RC(svmt_region_open(ns, "other", &ro, NULL), SVMT_ECORRUPT);
	CHILD_RC(svmt_region_remove(ns, "locked", SVMT_REMOVE_FORCE), SVMT_ECORRUPT);
	log.n = 0;
	CHILD_RC(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &log), 0);
	CHILD_CHECK(log.n == 1 && log.ev[0].kind == SVMT_EV_CORRUPT && log.ev[0].fixed);
	CHILD_RC(svmt_region_open(ns, "other", &ro, NULL), 0);
	log.n = 0;
	CHILD_RC(svmt_recover(rd, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log), 0);
	CHILD_CHECK(log.n == 0);
	svmt_ns_close(ns);
	svmt_ns_close(rd);
	return 0;
}

static void test_recover_rebuilds_corrupt_namespace_lock_others_do_not_abort(void **state)
{
	struct tl *t = *state;
	struct corrupt_arg a = { t, false };
	pid_t kid;

	make_locked_region(t);
	assert_ok(tl_patch_u32(t, tl_obj(t, NULL), (off_t)(offsetof(struct svmt_root, lock) +
					       MUTEX_OFF(__kind)), 0x92 | 0x40));
	kid = tl_fork(t, ops_over_corrupt_ns_lock, &a);
	assert_child_ok(t, kid);
}

/* glibc's trylock of a not-recoverable mutex leaves the caller's thread
 * id in the futex word: the lock is wedged once that process is gone. */
static int raw_trylock(void *p)
{
	struct tl *t = p;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	CHILD_RC(tl_child_attach(t, "locked", &ns, &r), 0);
	CHILD_RC(pthread_mutex_trylock(&r->h->lock.u.m), ENOTRECOVERABLE);
	_exit(0); /* leave without detaching: the word keeps our tid */
}

static void test_lock_not_recoverable_or_wedged_is_reported_and_rebuilt(void **state)
{
	struct tl *t = *state;
	struct tl_evlog log = { 0 };
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	svmt_ns *ns = NULL, *rd = NULL;
	svmt_region *r = NULL;
	size_t n = 0;
	pid_t kid;

	make_unrecoverable_lock(t, &ns, &r);

	/* not recoverable: list and the dry run say so */
	ri = list_locked(t, &all, &n);
	assert_int_equal(ri->lock->owner, -1);
	assert_int_equal(ri->lock->owner_alive, 0);
	assert_string_equal(ri->lock->tag_name, "unrecoverable");
	svmt_list_free(all);
	assert_ok(tl_ns_open(t, SVMT_NS_RDONLY, &rd));
	assert_ok(svmt_recover(rd, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log));
	assert_int_equal(tl_ev_count(&log, SVMT_EV_DEAD_LOCK_OWNER), 1);

	/* someone tries it with glibc: wedged with a dead thread's id */
	kid = tl_fork(t, raw_trylock, t);
	assert_child_ok(t, kid);
	ri = list_locked(t, &all, &n);
	assert_int_equal(ri->lock->owner, kid);
	assert_int_equal(ri->lock->owner_alive, 0);
	svmt_list_free(all);
	log.n = 0;
	assert_ok(svmt_recover(rd, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log));
	assert_int_equal(tl_ev_count(&log, SVMT_EV_DEAD_LOCK_OWNER), 1);
	assert_rc(svmt_region_lock(r, 1, 0), SVMT_ENOTRECOVERABLE);
	assert_rc(svmt_region_lock(r, 1, 100), SVMT_ENOTRECOVERABLE);

	log.n = 0;
	assert_ok(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &log));
	assert_int_equal(log.n, 1);
	assert_true(log.ev[0].fixed);
	log.n = 0;
	assert_ok(svmt_recover(rd, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log));
	assert_int_equal(log.n, 0);
	assert_ok(svmt_region_lock(r, 1, 0));
	assert_int_equal(svmt_region_lock_recovered(r), 1);
	assert_ok(svmt_region_unlock(r));
	tl_ns_close(t, rd);
}

static void test_holder_killed_before_its_owner_record_shows_dead(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, tl_chan_new(t), 0, 0 };
	struct tl_evlog log = { 0 };
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	svmt_ns *rd = NULL;
	size_t n = 0;
	pid_t kid;

	make_locked_region(t);
	kid = tl_fork(t, raw_mutex_holder, &a); /* takes it, records nothing */
	assert_await(a.c, 'A');
	tl_go(a.c, 1);
	assert_await(a.c, 'L');
	/* alive: the futex word names it */
	ri = list_locked(t, &all, &n);
	assert_int_equal(ri->lock->owner, kid);
	assert_int_equal(ri->lock->owner_alive, 1);
	svmt_list_free(all);
	assert_ok(tl_ns_open(t, SVMT_NS_RDONLY, &rd));
	assert_ok(svmt_recover(rd, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log));
	assert_int_equal(log.n, 0);

	tl_kill(t, kid);
	ri = list_locked(t, &all, &n);
	assert_int_not_equal(ri->lock->owner, 0);
	assert_int_equal(ri->lock->owner_alive, 0);
	svmt_list_free(all);
	assert_ok(svmt_recover(rd, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log));
	assert_int_equal(tl_ev_count(&log, SVMT_EV_DEAD_LOCK_OWNER), 1);
	tl_ns_close(t, rd);
}

static int lock_and_report(void *p)
{
	struct kid_arg *a = p;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	CHILD_RC(tl_child_attach(a->t, "locked", &ns, &r), 0);
	CHILD_RC(svmt_region_lock(r, 3, 1000), 0);
	tl_post_int(a->c, svmt_region_lock_recovered(r));
	CHILD_RC(svmt_region_unlock(r), 0);
	return 0;
}

static void test_recover_of_dead_data_lock_holder_reaches_next_locker(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, tl_chan_new(t), 7, 0 };
	struct kid_arg b = { t, tl_chan_new(t), 0, 0 };
	struct tl_evlog log = { 0 };
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	int32_t told = -1;
	pid_t kid;

	make_locked_region(t);
	kid = tl_fork(t, region_lock_holder, &a);
	assert_await(a.c, 'A');
	tl_go(a.c, 1);
	assert_await(a.c, 'L');
	tl_kill(t, kid);

	assert_ok(tl_attach(t, "locked", &ns, &r));
	assert_ok(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &log));
	assert_int_equal(tl_ev_count(&log, SVMT_EV_DEAD_LOCK_OWNER), 1);
	assert_rc(svmt_region_lock_ack(r), -EPERM);

	assert_ok(svmt_region_lock(r, 1, 0));
	assert_int_equal(svmt_region_lock_recovered(r), 1);
	assert_ok(svmt_region_unlock(r));
	/* another process is told too, until someone acknowledges */
	kid = tl_fork(t, lock_and_report, &b);
	assert_child_ok(t, kid);
	assert_int_equal(tl_recv(b.c, &told, sizeof(told), TL_WAIT_MS), 0);
	assert_int_equal(told, 1);
	assert_ok(svmt_region_lock(r, 1, 0));
	assert_int_equal(svmt_region_lock_recovered(r), 1);
	assert_ok(svmt_region_lock_ack(r));
	assert_ok(svmt_region_unlock(r));
	kid = tl_fork(t, lock_and_report, &b);
	assert_child_ok(t, kid);
	assert_int_equal(tl_recv(b.c, &told, sizeof(told), TL_WAIT_MS), 0);
	assert_int_equal(told, 0);
}

/* A writer changes the robust-list pointers of a lock a tool holds: the
 * unlock must not write through them into the tool's memory. */
static int take_and_release(void *p)
{
	(void)p;
	CHILD_RC(svmt_lock_acquire(g_lock, SVMT_TAG_SCAN, 0, NULL, NULL, NULL), 0);
	svmt_lock_release(g_lock);
	return 0;
}

static void test_release_never_writes_through_a_writers_list_pointers(void **state)
{
	struct tl *t = *state;
	static struct svmt_shlock other __attribute__((aligned(64)));
	volatile uintptr_t victim[2] = { 0x1111, 0x2222 };
	pthread_mutex_t *m = &g_lock->u.m;

	for (int nested = 0; nested < 2; nested++) {
		assert_ok(svmt_lock_init(&other));
		if (nested) /* another lock taken before: not the list's end */
			assert_ok(svmt_lock_acquire(&other, SVMT_TAG_OPEN, 0, NULL, NULL, NULL));
		assert_ok(svmt_lock_acquire(g_lock, SVMT_TAG_SCAN, 0, NULL, NULL, NULL));
		/* glibc's unlock writes __prev at __next - 8 and __next at __prev */
		m->__data.__list.__next = (void *)((uintptr_t)&victim[0] + 8);
		m->__data.__list.__prev = (void *)&victim[1];
		svmt_lock_release(g_lock);
		assert_int_equal(victim[0], 0x1111);
		assert_int_equal(victim[1], 0x2222);
		if (nested)
			svmt_lock_release(&other);
		/* released for real, and the thread's list still works */
		assert_child_ok(t, tl_fork(t, take_and_release, NULL));
		assert_ok(svmt_lock_acquire(g_lock, SVMT_TAG_SCAN, 0, NULL, NULL, NULL));
		svmt_lock_release(g_lock);
	}
}

/* This thread's robust list is empty: its head points at itself. */
static void assert_robust_list_empty(void)
{
	uintptr_t *head = NULL;
	size_t len;

	assert_int_equal(syscall(SYS_get_robust_list, 0, &head, &len), 0);
	assert_true(head[0] == (uintptr_t)head);
	assert_true(head[2] == 0); /* nothing pending */
}

/*
 * A robust mutex of the caller's, taken before ours and unlocked first
 * (by glibc, which we do not see): releasing ours must not put it back
 * at the head of the thread's robust list, where glibc and the kernel
 * would write through it once it is gone.
 */
static void test_callers_robust_mutex_unlocked_first_leaves_the_list_whole(void **state)
{
	static struct svmt_shlock other __attribute__((aligned(64)));
	pthread_mutexattr_t a;
	pthread_mutex_t *mine = malloc(sizeof(*mine));
	(void)state;

	assert_non_null(mine);
	assert_ok(pthread_mutexattr_init(&a));
	assert_ok(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST));
	assert_ok(pthread_mutex_init(mine, &a));
	pthread_mutexattr_destroy(&a);
	assert_ok(svmt_lock_init(&other));
	for (int order = 0; order < 2; order++) {
		/* ours, the caller's, ours; the caller's goes first */
		assert_ok(svmt_lock_acquire(&other, SVMT_TAG_OPEN, 0, NULL, NULL, NULL));
		assert_ok(pthread_mutex_lock(mine));
		assert_ok(svmt_lock_acquire(g_lock, SVMT_TAG_SCAN, 0, NULL, NULL, NULL));
		assert_ok(pthread_mutex_unlock(mine));
		if (order) {
			svmt_lock_release(&other);
			svmt_lock_release(g_lock);
		} else {
			svmt_lock_release(g_lock);
			svmt_lock_release(&other);
		}
		assert_robust_list_empty();
	}
	pthread_mutex_destroy(mine);
	free(mine);
	assert_ok(svmt_lock_acquire(g_lock, SVMT_TAG_SCAN, 0, NULL, NULL, NULL));
	svmt_lock_release(g_lock);
	assert_robust_list_empty();
}

/*
 * Where glibc links robust mutexes as lock.c expects (x86-64 glibc), the
 * inline path is used; in a new thread too (the check is per thread).
 */
static void *inline_in_thread(void *arg)
{
	(void)arg;
	return (void *)(uintptr_t)svmt_lock_inline();
}

static void test_lock_inline_path_where_glibc_links_as_expected(void **state)
{
	void *in_thread = NULL;
	pthread_t th;

	(void)state;
#if defined(__x86_64__) && defined(__GLIBC__)
	assert_true(svmt_lock_inline());
	assert_int_equal(pthread_create(&th, NULL, inline_in_thread, NULL), 0);
	assert_int_equal(pthread_join(th, &in_thread), 0);
	assert_true((uintptr_t)in_thread);
#else
	(void)th;
	(void)in_thread;
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		LOCK_TEST(test_lock_acquire_records_owner_and_tag),
		LOCK_TEST(test_lock_held_by_live_process_times_out),
		LOCK_TEST(test_lock_wait_ends_when_the_interrupt_flag_rises),
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
		TL_TEST(test_create_is_bounded_by_timeout_between_claim_and_publish),
		LOCK_TEST(test_lock_with_hostile_mutex_words_is_corrupt_not_an_abort),
		LOCK_TEST(test_release_never_writes_through_a_writers_list_pointers),
		LOCK_TEST(test_callers_robust_mutex_unlocked_first_leaves_the_list_whole),
		TL_TEST(test_recover_rebuilds_corrupt_region_locks_others_do_not_abort),
		TL_TEST(test_recover_rebuilds_corrupt_namespace_lock_others_do_not_abort),
		TL_TEST(test_lock_not_recoverable_or_wedged_is_reported_and_rebuilt),
		TL_TEST(test_holder_killed_before_its_owner_record_shows_dead),
		TL_TEST(test_recover_of_dead_data_lock_holder_reaches_next_locker),
		TL_TEST(test_lock_inline_path_where_glibc_links_as_expected),
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
