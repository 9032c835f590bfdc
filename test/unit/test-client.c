/*
 * test-client.c - client identity and liveness: pid + start time (+ pidfs
 * inode), reused pids, zombies, other users' processes; client tables and
 * ghosts as seen by list and scan
 */
#include "testlib.h"

#define PERSIST (SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT)

struct kid_arg {
	struct tl *t;
	struct tl_chan *c;
	const char *region;
};

/* Child: send our identity, wait for go, exit. */
static int ident_child(void *p)
{
	struct kid_arg *a = p;
	struct svmt_ident id = *svmt_self();
	while (write(a->c->up[1], &id, sizeof id) < 0 && errno == EINTR)
		;
	tl_hold(a->c);
	return 0;
}

static int recv_ident(struct tl_chan *c, struct svmt_ident *id)
{
	return tl_recv(c, id, sizeof *id, TL_WAIT_MS);
}

static int hold_child(void *p)
{
	struct kid_arg *a = p;
	tl_post(a->c, 'H');
	tl_pause_forever();
	return 0;
}

/* ------------------------------------------------------------- identity */

static void test_self_identity_is_this_process(void **state)
{
	const struct svmt_ident *me = svmt_self();
	char st = 0;
	(void)state;
	assert_non_null(me);
	assert_int_equal(me->pid, getpid());
	assert_true(me->start > 0);
	assert_int_equal(me->start, svmt_proc_start(getpid(), &st));
	assert_int_equal(st, 'R');
	assert_int_equal(svmt_ident_alive(me), 1);
}

static int self_after_fork_child(void *p)
{
	const struct svmt_ident *me = svmt_self();
	(void)p;
	CHILD_CHECK(me->pid == getpid());
	CHILD_CHECK(me->start == svmt_proc_start(getpid(), NULL));
	CHILD_CHECK(svmt_ident_alive(me) == 1);
	return 0;
}

static void test_self_is_refreshed_after_fork(void **state)
{
	struct tl *t = *state;
	pid_t kid;
	(void)svmt_self(); /* cached in the parent */
	kid = tl_fork(t, self_after_fork_child, NULL);
	assert_child_ok(t, kid);
	assert_int_equal(svmt_self()->pid, getpid());
}

static void test_proc_start_of_missing_pid_is_zero(void **state)
{
	char st = 'x';
	(void)state;
	assert_int_equal(svmt_proc_start(0x3ffffff0, &st), 0);
	assert_int_equal(svmt_proc_start(-1, NULL), 0);
}

static void test_ident_same_compares_pid_and_start(void **state)
{
	struct svmt_ident a = *svmt_self(), b = a;
	(void)state;
	assert_true(svmt_ident_same(&a, &b));
	b.pid++;
	assert_false(svmt_ident_same(&a, &b));
	b = a;
	b.start++;
	assert_false(svmt_ident_same(&a, &b));
}

static void test_ident_dead_reaped_process_is_dead(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, tl_chan_new(t), NULL };
	struct svmt_ident id;
	pid_t kid = tl_fork(t, ident_child, &a);
	assert_ok(recv_ident(a.c, &id));
	assert_int_equal(id.pid, kid);
	assert_int_equal(svmt_ident_alive(&id), 1);
	tl_go(a.c, 1);
	assert_child_ok(t, kid);
	assert_int_equal(svmt_ident_alive(&id), 0);
}

static void test_ident_zombie_is_dead(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, tl_chan_new(t), NULL };
	struct svmt_ident id;
	pid_t kid = tl_fork(t, ident_child, &a);
	assert_ok(recv_ident(a.c, &id));
	tl_go(a.c, 1);
	assert_ok(tl_wait_zombie(kid));
	/* kill(pid, 0) still succeeds on a zombie: the seed's test said alive */
	assert_int_equal(kill(kid, 0), 0);
	assert_int_equal(tl_proc_state(kid), 'Z');
	assert_int_equal(svmt_ident_alive(&id), 0);
	assert_child_ok(t, kid);
}

static void test_ident_live_pid_with_wrong_start_time_is_dead(void **state)
{
	struct svmt_ident id = *svmt_self();
	(void)state;
	id.pidfs_ino = 0;
	assert_int_equal(svmt_ident_alive(&id), 1);
	id.start += 1;
	assert_int_equal(svmt_ident_alive(&id), 0);
	id.start -= 2;
	assert_int_equal(svmt_ident_alive(&id), 0);
}

static void test_ident_live_pid_with_wrong_pidfs_inode_is_dead(void **state)
{
	struct svmt_ident id = *svmt_self();
	(void)state;
	if (id.pidfs_ino == 0)
		skip(); /* no pidfs on this kernel */
	id.pidfs_ino += 1;
	assert_int_equal(svmt_ident_alive(&id), 0);
}

/* ------------------------------------------------------------ pid reuse */

/* Fork fn(arg) so that the child gets pid @want (root, ns_last_pid). */
static pid_t fork_at_pid(struct tl *t, pid_t want, int (*fn)(void *), void *arg)
{
	for (int i = 0; i < 200; i++) {
		char buf[32];
		int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
		int len;
		pid_t p;
		if (fd < 0)
			return -1;
		len = snprintf(buf, sizeof buf, "%d", (int)want - 1);
		if (write(fd, buf, (size_t)len) != len) {
			close(fd);
			return -1;
		}
		close(fd);
		p = tl_fork(t, fn, arg);
		if (p == want)
			return p;
		if (p > 0)
			tl_kill(t, p);
	}
	return -1;
}

static bool can_reuse_pids(void)
{
	return tl_is_root() && access("/proc/sys/kernel/ns_last_pid", W_OK) == 0;
}

static void test_ident_reused_pid_is_dead(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, tl_chan_new(t), NULL };
	struct kid_arg b = { t, tl_chan_new(t), NULL };
	struct svmt_ident old, fresh;
	pid_t first, second;

	if (!can_reuse_pids())
		skip();
	first = tl_fork(t, ident_child, &a);
	assert_ok(recv_ident(a.c, &old));
	tl_go(a.c, 1);
	assert_child_ok(t, first);
	tl_nap_ms(30); /* not synchronisation: a later clock tick for the new start time */
	second = fork_at_pid(t, first, ident_child, &b);
	if (second < 0)
		skip(); /* could not get the pid back */
	/* children fork_at_pid killed for the wrong pid may have sent theirs */
	do
		assert_ok(recv_ident(b.c, &fresh));
	while (fresh.pid != second);
	assert_int_equal(fresh.pid, old.pid);
	assert_int_equal(kill(old.pid, 0), 0); /* a process has that pid */
	assert_int_equal(svmt_ident_alive(&fresh), 1);
	assert_int_equal(svmt_ident_alive(&old), 0);
	/* also with only what a pre-pidfs kernel would have recorded */
	old.pidfs_ino = 0;
	assert_int_equal(svmt_ident_alive(&old), 0);
	tl_go(b.c, 1);
	assert_child_ok(t, second);
}

/* ----------------------------------------------------------- other user */

static int other_user_sleeper(void *p)
{
	struct kid_arg *a = p;
	struct svmt_ident id;
	if (setgid(65534) < 0 || setuid(65534) < 0)
		return 2;
	id = *svmt_self();
	while (write(a->c->up[1], &id, sizeof id) < 0 && errno == EINTR)
		;
	tl_pause_forever();
	return 0;
}

struct checker_arg {
	struct svmt_ident id;
};

static int other_user_checker(void *p)
{
	struct checker_arg *a = p;
	if (setgid(65533) < 0 || setuid(65533) < 0)
		return 2;
	/* kill(pid, 0) says EPERM: the process is alive, just not ours */
	CHILD_CHECK(kill(a->id.pid, 0) < 0 && errno == EPERM);
	CHILD_CHECK(svmt_ident_alive(&a->id) == 1);
	return 0;
}

/* A live process of another user than us, or 0 when none is visible. */
static pid_t foreign_process(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		char path[300];
		struct stat st;
		pid_t pid = (pid_t)atoi(de->d_name);

		snprintf(path, sizeof path, "/proc/%s", de->d_name);
		if (pid > 0 && stat(path, &st) == 0 && st.st_uid != geteuid() &&
		    tl_proc_state(pid) != 'Z' && kill(pid, 0) < 0 &&
		    errno == EPERM)
			found = pid;
	}
	closedir(d);
	return found;
}

/* Not root: no second user to make, so take a process another user
 * runs already (init, a daemon); without one, skip (CI runs as root). */
static void other_user_alive_unprivileged(void)
{
	struct svmt_ident id = { 0 };
	pid_t pid = foreign_process();

	if (!pid) {
		print_message("# skip: no process of another user is visible "
			      "here; the root run forks one\n");
		skip();
	}
	id.pid = pid;
	id.start = svmt_proc_start(pid, NULL);
	assert_int_not_equal(id.start, 0);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(svmt_ident_alive(&id), 1);
	/* and as a pre-pidfs kernel would have recorded it */
	id.start = 0;
	assert_int_equal(svmt_ident_alive(&id), 1);
}

static void test_ident_live_process_of_other_user_is_alive(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, tl_chan_new(t), NULL };
	struct checker_arg ca;
	pid_t sleeper, checker;

	if (!tl_is_root()) {
		other_user_alive_unprivileged();
		return;
	}
	sleeper = tl_fork(t, other_user_sleeper, &a);
	assert_ok(recv_ident(a.c, &ca.id));
	assert_int_equal(ca.id.pid, sleeper);
	checker = tl_fork(t, other_user_checker, &ca);
	assert_child_ok(t, checker);
}

/* ------------------------------------------------- clients in a region */

/* Child: attach region a->region, send identity, wait for go, then exit
 * WITHOUT detaching (a crash as far as the region can tell). */
static int client_then_crash(void *p)
{
	struct kid_arg *a = p;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	struct svmt_ident id;
	CHILD_RC(tl_child_attach(a->t, a->region, &ns, &r), 0);
	id = *svmt_self();
	while (write(a->c->up[1], &id, sizeof id) < 0 && errno == EINTR)
		;
	tl_hold(a->c);
	return 0;
}

static const struct svmt_region_info *list_region(struct tl *t, const char *name,
			svmt_region_list **all, size_t *n)
{
	tl_list_rdonly(t, all);
	*n = svmt_list_count(*all);
	return svmt_list_find(*all, name);
}

static void make_region(struct tl *t, const char *name, uint32_t max_clients)
{
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	tl_ropts(&o, 1 << 16, PERSIST | SVMT_REGION_EXCL);
	o.max_clients = max_clients;
	assert_ok(svmt_region_open(ns, name, &o, NULL));
	tl_ns_close(t, ns);
}

static void test_client_is_registered_and_becomes_ghost_when_killed(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, tl_chan_new(t), "cl" };
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	struct svmt_ident id;
	size_t n = 0;
	pid_t kid;

	make_region(t, "cl", 0);
	kid = tl_fork(t, client_then_crash, &a);
	assert_ok(recv_ident(a.c, &id));
	ri = list_region(t, "cl", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->nclients, 1);
	assert_int_equal(ri->nghosts, 0);
	assert_int_equal(ri->clients[0]->pid, kid);
	assert_int_equal(ri->clients[0]->start_time, id.start);
	assert_int_equal(ri->clients[0]->alive, 1);
	svmt_list_free(all);

	tl_kill(t, kid);
	ri = list_region(t, "cl", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->nclients, 1);
	assert_int_equal(ri->nghosts, 1);
	assert_int_equal(ri->clients[0]->pid, kid);
	assert_int_equal(ri->clients[0]->alive, 0);
	svmt_list_free(all);
}

static void test_client_table_full_is_eclientfull(void **state)
{
	struct tl *t = *state;
	struct kid_arg a1 = { t, tl_chan_new(t), "full" };
	struct kid_arg a2 = { t, tl_chan_new(t), "full" };
	struct svmt_ident id;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	pid_t k1, k2;

	make_region(t, "full", 2);
	k1 = tl_fork(t, client_then_crash, &a1);
	assert_ok(recv_ident(a1.c, &id));
	k2 = tl_fork(t, client_then_crash, &a2);
	assert_ok(recv_ident(a2.c, &id));
	assert_rc(tl_attach(t, "full", &ns, &r), SVMT_ECLIENTFULL);
	/* a dead client's slot is reusable */
	tl_kill(t, k1);
	{
		struct svmt_region_opts o;
		svmt_region_opts_init(&o);
		assert_ok(svmt_region_open(ns, "full", &o, &r));
	}
	assert_int_equal(kill(k2, 0), 0);
	assert_ok(svmt_region_close(r));
}

static void test_max_clients_above_limit_is_einval(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	tl_ropts(&o, 8192, PERSIST);
	o.max_clients = SVMT_MAX_CLIENTS + 1;
	assert_rc(svmt_region_open(ns, "r", &o, NULL), -EINVAL);
	o.max_clients = SVMT_MAX_CLIENTS;
	assert_ok(svmt_region_open(ns, "r", &o, NULL));
}

/* Change the start time recorded for client @pid in region @name's file
 * (the client table is an array of struct svmt_ident). */
static int forge_client_start(struct tl *t, const char *name, pid_t pid)
{
	char path[512];
	struct svmt_rhdr h;
	int fd, rc = -ENOENT;
	snprintf(path, sizeof path, "%s/%s", t->dir, tl_obj(t, name));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
		close(fd);
		return -EIO;
	}
	for (uint32_t i = 0; i < h.max_clients && i < 4096; i++) {
		struct svmt_ident id;
		off_t off = (off_t)h.clients_off + (off_t)(i * sizeof id);
		if (pread(fd, &id, sizeof id, off) != (ssize_t)sizeof id)
			break;
		if (id.pid == pid) {
			id.start += 7;
			if (id.pidfs_ino)
				id.pidfs_ino += 1;
			rc = pwrite(fd, &id, sizeof id, off) == (ssize_t)sizeof id ? 0 : -EIO;
			break;
		}
	}
	close(fd);
	return rc;
}

/*
 * A client whose pid now belongs to another process is a ghost: scan
 * reports and removes it.  Real reuse as root; otherwise the recorded
 * start time of a live client is changed behind the library's back.
 */
static void test_scan_reports_client_with_reused_pid_as_ghost(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, tl_chan_new(t), "reuse" };
	struct kid_arg b = { t, tl_chan_new(t), NULL };
	struct tl_evlog log = { 0 };
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	struct svmt_ident old;
	svmt_ns *ns = NULL;
	size_t n = 0;
	pid_t first, second = -1;
	const struct tl_ev *ev;

	make_region(t, "reuse", 0);
	first = tl_fork(t, client_then_crash, &a);
	assert_ok(recv_ident(a.c, &old));
	if (can_reuse_pids()) {
		tl_go(a.c, 1);
		assert_child_ok(t, first);
		tl_nap_ms(30); /* a later clock tick for the new start time */
		second = fork_at_pid(t, first, hold_child, &b);
		if (second > 0)
			assert_await(b.c, 'H');
	}
	if (second < 0) {
		print_message("# pid reuse unavailable: forging the client's start time\n");
		assert_ok(forge_client_start(t, "reuse", first));
		old.start += 7;
	}
	/* a live process has the recorded pid */
	assert_int_equal(kill(old.pid, 0), 0);

	ri = list_region(t, "reuse", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->nclients, 1);
	assert_int_equal(ri->nghosts, 1);
	assert_int_equal(ri->clients[0]->alive, 0);
	svmt_list_free(all);

	assert_ok(tl_ns_open(t, 0, &ns));
	assert_ok(svmt_scan(ns, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log));
	ev = tl_ev_find(&log, SVMT_EV_GHOST, "reuse");
	if (!ev) {
		tl_ev_print(&log);
		fail_msg("dry-run scan did not report the ghost with reused pid %d", (int)old.pid);
	}
	assert_int_equal(ev->pid, old.pid);
	assert_int_equal(ev->start_time, old.start);
	assert_int_equal(ev->fixed, 0);

	memset(&log, 0, sizeof log);
	assert_ok(svmt_scan(ns, NULL, 0, 0, tl_ev_collect, &log));
	ev = tl_ev_find(&log, SVMT_EV_GHOST, "reuse");
	assert_non_null(ev);
	assert_int_equal(ev->fixed, 1);
	ri = list_region(t, "reuse", &all, &n);
	assert_int_equal(ri->nclients, 0);
	svmt_list_free(all);
}

static void test_scan_reports_zombie_client_as_ghost(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, tl_chan_new(t), "zom" };
	struct tl_evlog log = { 0 };
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	struct svmt_ident id;
	svmt_ns *ns = NULL;
	size_t n = 0;
	pid_t kid;
	const struct tl_ev *ev;

	make_region(t, "zom", 0);
	kid = tl_fork(t, client_then_crash, &a);
	assert_ok(recv_ident(a.c, &id));
	tl_go(a.c, 1);
	assert_ok(tl_wait_zombie(kid));
	assert_int_equal(kill(kid, 0), 0);

	ri = list_region(t, "zom", &all, &n);
	assert_non_null(ri);
	assert_int_equal(ri->nghosts, 1);
	svmt_list_free(all);

	assert_ok(tl_ns_open(t, SVMT_NS_RDONLY, &ns));
	assert_ok(svmt_scan(ns, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log));
	ev = tl_ev_find(&log, SVMT_EV_GHOST, "zom");
	assert_non_null(ev);
	assert_int_equal(ev->pid, kid);
	assert_child_ok(t, kid);
}

struct exec_arg {
	struct tl *t;
	struct tl_chan *c;
};

/* Attach, then become another program: same pid, start time and pidfs
 * inode, no mapping. */
static int attach_then_exec(void *p)
{
	struct exec_arg *a = p;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	CHILD_RC(tl_child_attach(a->t, "r", &ns, &r), 0);
	tl_post(a->c, 'A');
	tl_hold(a->c);
	execl("/bin/sleep", "sleep", "60", (char *)NULL);
	return 1;
}

static bool runs_sleep(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(comm, sizeof comm, f))
		comm[0] = 0;
	fclose(f);
	return !strcmp(comm, "sleep\n");
}

static void test_client_that_exec_ed_is_a_ghost(void **state)
{
	struct tl *t = *state;
	struct exec_arg a = { t, tl_chan_new(t) };
	svmt_region_list *all = NULL;
	const struct svmt_region_info *ri;
	struct tl_evlog log = { 0 };
	svmt_ns *ns = tl_ns_create(t);
	pid_t kid;
	int i;

	tl_region_make(ns, "r", 8192);
	kid = tl_fork(t, attach_then_exec, &a);
	assert_await(a.c, 'A');
	tl_list_rdonly(t, &all);
	ri = svmt_list_find(all, "r");
	assert_int_equal(ri->nclients, 1);
	assert_int_equal(ri->clients[0]->alive, 1);
	svmt_list_free(all);
	assert_rc(svmt_region_remove(ns, "r", 0), -EBUSY);

	tl_go(a.c, 1);
	for (i = 0; i < 1000 && !runs_sleep(kid); i++)
		tl_nap_ms(5);
	assert_true(runs_sleep(kid));
	assert_int_equal(kill(kid, 0), 0);
	tl_list_rdonly(t, &all);
	ri = svmt_list_find(all, "r");
	assert_int_equal(ri->nclients, 1);
	assert_int_equal(ri->clients[0]->alive, 0);
	assert_int_equal(ri->nghosts, 1);
	svmt_list_free(all);
	assert_ok(svmt_scan(ns, NULL, 0, 0, tl_ev_collect, &log));
	assert_int_equal(tl_ev_count(&log, SVMT_EV_GHOST), 1);
	assert_ok(svmt_region_remove(ns, "r", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_identity_is_this_process),
		TL_TEST(test_self_is_refreshed_after_fork),
		TL_TEST(test_client_that_exec_ed_is_a_ghost),
		cmocka_unit_test(test_proc_start_of_missing_pid_is_zero),
		cmocka_unit_test(test_ident_same_compares_pid_and_start),
		TL_TEST(test_ident_dead_reaped_process_is_dead),
		TL_TEST(test_ident_zombie_is_dead),
		cmocka_unit_test(test_ident_live_pid_with_wrong_start_time_is_dead),
		cmocka_unit_test(test_ident_live_pid_with_wrong_pidfs_inode_is_dead),
		TL_TEST(test_ident_reused_pid_is_dead),
		TL_TEST(test_ident_live_process_of_other_user_is_alive),
		TL_TEST(test_client_is_registered_and_becomes_ghost_when_killed),
		TL_TEST(test_client_table_full_is_eclientfull),
		TL_TEST(test_max_clients_above_limit_is_einval),
		TL_TEST(test_scan_reports_client_with_reused_pid_as_ghost),
		TL_TEST(test_scan_reports_zombie_client_as_ghost),
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
