/*
 * bench-lock.c - the region lock: uncontended (B5), two processes handing
 * it over (B6), and the next locker after a holder's kill -9 (B7)
 *
 * The baseline is a glibc robust process-shared mutex in shared memory:
 * what svmt_region_lock() wraps, without the owner record.
 */
#include "bench.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

/* Shared by the two processes of a handoff, in the region's data or in an
 * anonymous shared mapping (with the baseline's mutex). */
struct hand {
	pthread_mutex_t m;        /* baseline only */
	volatile uint32_t turn;   /* strict alternation: whose turn */
	volatile uint64_t count;  /* handoffs so far */
};

struct side {
	bool lib;
	svmt_region *r;           /* lib */
	struct hand *h;
	int go[2], done[2];       /* parent -> partner, partner -> parent */
	pid_t partner;
	bool alternate;
};

static void lock(struct side *s)
{
	int rc = s->lib ? svmt_region_lock(s->r, 1, -1)
			: pthread_mutex_lock(&s->h->m);

	if (rc)
		bench_die("lock", rc);
}

static void unlock(struct side *s)
{
	if (s->lib)
		svmt_region_unlock(s->r);
	else
		pthread_mutex_unlock(&s->h->m);
}

/* Take part as @me until the count reaches @target.  Alternating, wait
 * for our turn outside the lock (spinning a little, then yielding), so
 * that each handoff is one lock passing from one process to the other. */
static void play(struct side *s, uint32_t me, uint64_t target)
{
	for (;;) {
		bool end;

		for (int spin = 0; s->alternate && s->h->turn != me &&
				   s->h->count < target; spin++)
			if (spin > 200)
				sched_yield();
		lock(s);
		end = s->h->count >= target;
		if (!end && (!s->alternate || s->h->turn == me)) {
			s->h->count++;
			s->h->turn = !me;
		}
		unlock(s);
		if (end)
			return;
	}
}

static struct hand *new_hand(void)
{
	struct hand *h = mmap(NULL, sizeof(*h), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutexattr_t a;

	if (h == MAP_FAILED)
		bench_die("mmap", errno);
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&h->m, &a);
	pthread_mutexattr_destroy(&a);
	return h;
}

static svmt_region *attach(svmt_ns **ns, const char *name)
{
	struct svmt_ns_opts o;
	svmt_region *r = NULL;
	int rc;

	bench_ns_opts(&o, "lock", 0, 0, 0);
	rc = svmt_ns_open(&o, ns);
	if (!rc)
		rc = svmt_region_open(*ns, name, NULL, &r);
	if (rc)
		bench_die("attach", rc);
	return r;
}

/* The partner process: on each "go" message (a target), play as 1;
 * a target of 0 ends it. */
static void partner(struct side *s)
{
	uint64_t target;
	svmt_ns *ns = NULL;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (s->lib) {
		s->r = attach(&ns, "lock");
		s->h = svmt_region_data(s->r);
	}
	while (read(s->go[0], &target, sizeof(target)) == sizeof(target) &&
	       target) {
		play(s, 1, target);
		if (write(s->done[1], "d", 1) != 1)
			break;
	}
	_exit(0);
}

static void start_partner(struct side *s)
{
	if (pipe(s->go) || pipe(s->done))
		bench_die("pipe", errno);
	s->partner = fork();
	if (s->partner < 0)
		bench_die("fork", errno);
	if (s->partner == 0)
		partner(s);
}

static void stop_partner(struct side *s)
{
	uint64_t end = 0;

	if (write(s->go[1], &end, sizeof(end)) != sizeof(end))
		bench_die("write", errno);
	close(s->go[1]);
	waitpid(s->partner, NULL, 0);
	close(s->go[0]);
	close(s->done[0]);
	close(s->done[1]);
}

/* @n handoffs, the partner and this process taking part. */
static double handoff(void *p, long n)
{
	struct side *s = p;
	uint64_t target = s->h->count + (uint64_t)n;
	double t0 = bench_now_ns();
	char c;

	if (write(s->go[1], &target, sizeof(target)) != sizeof(target))
		bench_die("write", errno);
	play(s, 0, target);
	if (read(s->done[0], &c, 1) != 1)
		bench_die("read", errno);
	return bench_now_ns() - t0;
}

/* ------------------------------------------------------ B5 uncontended */

static double lib_uncontended(void *p, long n)
{
	svmt_region *r = p;
	double t0 = bench_now_ns();

	for (long i = 0; i < n; i++) {
		svmt_region_lock(r, 1, -1);
		svmt_region_unlock(r);
	}
	return bench_now_ns() - t0;
}

static double raw_uncontended(void *p, long n)
{
	struct hand *h = p;
	double t0 = bench_now_ns();

	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&h->m);
		pthread_mutex_unlock(&h->m);
	}
	return bench_now_ns() - t0;
}

/* ------------------------------------------- B7 kill -9 of the holder */

struct killed {
	bool lib;
	svmt_region *r;
	struct hand *h;
};

/* Fork a holder of the lock, wait until it holds it; then time kill -9
 * to "this process holds the lock, made consistent". */
static double kill_holder(void *p, long n)
{
	struct killed *k = p;
	double total = 0;

	for (long i = 0; i < n; i++) {
		int pipefd[2], rc;
		double t0;
		pid_t kid;
		char c;

		if (pipe(pipefd))
			bench_die("pipe", errno);
		kid = fork();
		if (kid < 0)
			bench_die("fork", errno);
		if (kid == 0) {
			svmt_ns *ns = NULL;

			if (k->lib) {
				svmt_region *r = attach(&ns, "lock");

				rc = svmt_region_lock(r, 7, -1);
			} else {
				rc = pthread_mutex_lock(&k->h->m);
			}
			if (rc || write(pipefd[1], "L", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		if (read(pipefd[0], &c, 1) != 1)
			bench_die("holder", EIO);
		t0 = bench_now_ns();
		kill(kid, SIGKILL);
		if (k->lib) {
			rc = svmt_region_lock(k->r, 1, -1);
			if (rc || !svmt_region_lock_recovered(k->r))
				bench_die("lock after kill", rc ? rc : -EPROTO);
		} else {
			rc = pthread_mutex_lock(&k->h->m);
			if (rc != EOWNERDEAD)
				bench_die("lock after kill", rc ? rc : EPROTO);
			pthread_mutex_consistent(&k->h->m);
		}
		total += bench_now_ns() - t0;
		if (k->lib)
			svmt_region_unlock(k->r);
		else
			pthread_mutex_unlock(&k->h->m);
		waitpid(kid, NULL, 0);
		close(pipefd[0]);
		close(pipefd[1]);
	}
	return total;
}

int main(void)
{
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	struct side ls = { .lib = true }, rs = { .lib = false };
	struct killed lk = { .lib = true }, rk = { .lib = false };
	struct hand *raw;
	svmt_ns *ns;
	svmt_region *r = NULL;
	int rc;

	bench_init("bench-lock");
	bench_ns_opts(&o, "lock", 0, SVMT_NS_CREATE, 0);
	rc = svmt_ns_open(&o, &ns);
	svmt_region_opts_init(&ro);
	ro.size = 4096;
	ro.flags = SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT;
	if (!rc)
		rc = svmt_region_open(ns, "lock", &ro, &r);
	if (rc)
		bench_die("region", rc);
	raw = new_hand();

	bench_header("locks (bench-lock)");
	bench_pair("B5", "lock+unlock, uncontended", lib_uncontended, r,
		   raw_uncontended, raw, bench_iters(2000000), 1000,
		   "<= 1.1x", false);

	ls.r = r;
	ls.h = svmt_region_data(r);
	rs.h = raw;
	ls.alternate = rs.alternate = true; /* partners keep their copy */
	start_partner(&ls);
	start_partner(&rs);
	bench_pair("B6", "two-process handoff, strict alternation",
		   handoff, &ls, handoff, &rs, bench_iters(20000), 2000,
		   ">= 0.95x (throughput)", true);
	stop_partner(&ls);
	stop_partner(&rs);
	ls.alternate = rs.alternate = false;
	start_partner(&ls);
	start_partner(&rs);
	bench_pair("B6", "two-process handoff, free-for-all",
		   handoff, &ls, handoff, &rs, bench_iters(200000), 20000,
		   ">= 0.95x (throughput)", true);
	stop_partner(&ls);
	stop_partner(&rs);

	lk.r = r;
	rk.h = raw;
	bench_pair("B7", "kill -9 of the holder -> next locker has it",
		   kill_holder, &lk, kill_holder, &rk, bench_iters(200), 5,
		   "<= 1.1x", false);
	printf("     (B6: ratio = svmtool's handoffs per second over the "
	       "baseline's)\n");

	svmt_region_close(r);
	svmt_ns_close(ns);
	munmap(raw, sizeof(*raw));
	return 0;
}
