/*
 * test-sigbus.c - the SIGBUS guard: an object truncated under a mapping
 * makes calls fail with SVMT_ECORRUPT instead of killing the process, and
 * the library never installs a signal handler by itself
 */
#include "testlib.h"

#define PERSIST (SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT)

/* The SIGBUS action now (cmocka installs one of its own). */
static void sigbus_action(struct sigaction *sa)
{
	assert_int_equal(sigaction(SIGBUS, NULL, sa), 0);
}

/* Children start from the default action: death by SIGBUS. */
static void sigbus_default(void)
{
	signal(SIGBUS, SIG_DFL);
}

static void test_library_installs_no_sigbus_handler(void **state)
{
	struct tl *t = *state;
	struct tl_evlog log = { 0 };
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	struct sigaction before, after;

	sigbus_action(&before);
	ns = tl_ns_create(t);
	tl_region_make(ns, "r", 8192);
	tl_ns_close(t, ns);
	assert_ok(tl_attach(t, "r", &ns, &r));
	assert_ok(svmt_region_lock(r, 1, 0));
	assert_ok(svmt_region_unlock(r));
	assert_ok(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &log));
	assert_ok(svmt_scan(ns, NULL, 0, 0, tl_ev_collect, &log));
	sigbus_action(&after);
	assert_ptr_equal(before.sa_sigaction, after.sa_sigaction);
	assert_int_equal(before.sa_flags, after.sa_flags);
}

struct trunc_arg {
	struct tl *t;
	bool guard;
};

/* Open the namespace, have a writer truncate its object, then use it. */
static int ns_truncated_under_us(void *p)
{
	struct trunc_arg *a = p;
	struct tl_evlog log = { 0 };
	struct svmt_region_opts ro;
	struct svmt_ns_opts o;
	svmt_ns *ns = NULL;

	sigbus_default();
	if (a->guard)
		CHILD_RC(svmt_sigbus_guard_install(), 0);
	tl_opts(a->t, &o, SVMT_NS_NOATTACH);
	CHILD_RC(svmt_ns_open(&o, &ns), 0);
	CHILD_CHECK(truncate(tl_path(a->t, tl_obj(a->t, NULL)), 0) == 0);
	CHILD_RC(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &log), SVMT_ECORRUPT);
	CHILD_CHECK(strstr(svmt_errdetail(), "truncated") != NULL);
	tl_ropts(&ro, 8192, PERSIST);
	CHILD_RC(svmt_region_open(ns, "other", &ro, NULL), SVMT_ECORRUPT);
	CHILD_RC(svmt_scan(ns, NULL, 0, 0, tl_ev_collect, &log), SVMT_ECORRUPT);
	svmt_ns_close(ns);
	return 0;
}

static void test_namespace_truncated_while_in_use_is_corrupt_with_the_guard(void **state)
{
	struct tl *t = *state;
	struct trunc_arg a = { t, false };
	svmt_ns *ns = tl_ns_create(t);
	pid_t kid;
	int st;

	tl_region_make(ns, "r", 8192);
	tl_ns_close(t, ns);
	/* without the guard the process dies: what the guard is for */
	kid = tl_fork(t, ns_truncated_under_us, &a);
	st = tl_wait(t, kid, TL_WAIT_MS);
	assert_true(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS);
	tl_rm_rf(t->dir);
	assert_int_equal(mkdir(t->dir, 0700), 0);
	ns = tl_ns_create(t);
	tl_region_make(ns, "r", 8192);
	tl_ns_close(t, ns);
	a.guard = true;
	kid = tl_fork(t, ns_truncated_under_us, &a);
	assert_child_ok(t, kid);
}

/* A region truncated under an attached client: its lock reads as zeros
 * (corrupt), its data faults are recorded for the program to find. */
static int region_truncated_under_us(void *p)
{
	struct tl *t = p;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	void *addr = NULL;
	char *data;

	sigbus_default();
	CHILD_RC(svmt_sigbus_guard_install(), 0);
	CHILD_RC(svmt_sigbus_guard_install(), 0); /* idempotent */
	CHILD_RC(tl_child_attach(t, "r", &ns, &r), 0);
	data = svmt_region_data(r);
	CHILD_CHECK(truncate(tl_path(t, tl_obj(t, "r")), 0) == 0);
	CHILD_RC(svmt_region_lock(r, 1, 0), SVMT_ECORRUPT);
	data[100] = 'x'; /* survives */
	CHILD_RC(svmt_sigbus_pop(&addr), 1);
	CHILD_CHECK((uintptr_t)addr == svmt_region_base(r) + 0 ||
		    (uintptr_t)addr == (uintptr_t)data);
	while (svmt_sigbus_pop(&addr))
		;
	CHILD_RC(svmt_sigbus_pop(&addr), 0);
	return 0;
}

static void test_region_truncated_under_a_client_is_corrupt_with_the_guard(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	pid_t kid;

	tl_region_make(ns, "r", 8192);
	tl_ns_close(t, ns);
	kid = tl_fork(t, region_truncated_under_us, t);
	assert_child_ok(t, kid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TL_TEST(test_library_installs_no_sigbus_handler),
		TL_TEST(test_namespace_truncated_while_in_use_is_corrupt_with_the_guard),
		TL_TEST(test_region_truncated_under_a_client_is_corrupt_with_the_guard),
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
