/*
 * lock.c - the one lock wrapper: robust process-shared mutexes
 *
 * Every lock site goes through svmt_lock_acquire(), which records the owner
 * (pid and start time) and an operation tag after acquiring, and repairs
 * the protected bookkeeping when the previous owner died holding the lock
 * (EOWNERDEAD -> repair -> pthread_mutex_consistent).  The uncontended path
 * is one trylock plus a few stores: no system call (the identity is cached).
 */
#include "svmtool-private.h"

#include <errno.h>
#include <string.h>
#include <time.h>

int svmt_lock_init(struct svmt_shlock *l)
{
	pthread_mutexattr_t a;
	int rc;

	memset(l, 0, sizeof(*l));
	rc = pthread_mutexattr_init(&a);
	if (rc)
		return -rc;
	rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (!rc)
		rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (!rc) /* relocking from the owning thread: -EDEADLK, not a hang */
		rc = pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	if (!rc)
		rc = pthread_mutex_init(&l->u.m, &a);
	pthread_mutexattr_destroy(&a);
	return -rc;
}

static int lock_wait(pthread_mutex_t *m, int timeout_ms)
{
	struct timespec ts;

	if (timeout_ms < 0)
		return pthread_mutex_lock(m);
	if (timeout_ms == 0)
		return ETIMEDOUT;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &ts);
}

int svmt_lock_acquire(struct svmt_shlock *l, uint32_t tag, int timeout_ms,
		      int (*repair)(void *ctx), void *ctx, pid_t *recovered)
{
	const struct svmt_ident *me = svmt_self();
	int rc = pthread_mutex_trylock(&l->u.m);

	if (recovered)
		*recovered = 0;
	if (rc == EBUSY)
		rc = lock_wait(&l->u.m, timeout_ms);
	if (rc == EOWNERDEAD) {
		pid_t dead = atomic_load_explicit(&l->owner_pid,
						  memory_order_relaxed);
		int rr = repair ? repair(ctx) : 0;

		atomic_store_explicit(&l->last_dead_pid, dead,
				      memory_order_relaxed);
		atomic_fetch_add_explicit(&l->recoveries, 1,
					  memory_order_relaxed);
		pthread_mutex_consistent(&l->u.m);
		if (recovered)
			*recovered = dead ? dead : -1;
		rc = 0;
		if (rr) {
			pthread_mutex_unlock(&l->u.m);
			return rr;
		}
	}
	/*
	 * glibc leaves a failed trylock of a not-recoverable robust mutex
	 * marked with our thread id, so the next attempt says EDEADLK; a real
	 * relock by the owner has our pid in the owner record.
	 */
	if (rc == EDEADLK &&
	    atomic_load_explicit(&l->owner_pid, memory_order_relaxed) != me->pid)
		rc = ENOTRECOVERABLE;
	switch (rc) {
	case 0:
		break;
	case ENOTRECOVERABLE:
		return svmt_fail(SVMT_ENOTRECOVERABLE,
				 "lock was abandoned unrepaired; run recover");
	case ETIMEDOUT: {
		pid_t owner = atomic_load_explicit(&l->owner_pid,
						   memory_order_relaxed);
		uint32_t t = atomic_load_explicit(&l->owner_tag,
						  memory_order_relaxed);
		if (owner)
			return svmt_fail(-ETIMEDOUT, "lock held by pid %d (%s)",
					 (int)owner, svmt_tag_name(t));
		return svmt_fail(-ETIMEDOUT, "lock busy");
	}
	default:
		return -rc;
	}
	atomic_store_explicit(&l->owner_start, me->start, memory_order_relaxed);
	atomic_store_explicit(&l->owner_tag, tag, memory_order_relaxed);
	atomic_store_explicit(&l->owner_pid, me->pid, memory_order_relaxed);
	return 0;
}

int svmt_lock_reinit(struct svmt_shlock *l)
{
	uint32_t recoveries = atomic_load(&l->recoveries);
	int rc = svmt_lock_init(l);

	atomic_store(&l->recoveries, recoveries + 1);
	return rc;
}

void svmt_lock_release(struct svmt_shlock *l)
{
	atomic_store_explicit(&l->owner_pid, 0, memory_order_relaxed);
	atomic_store_explicit(&l->owner_tag, 0, memory_order_relaxed);
	atomic_store_explicit(&l->owner_start, 0, memory_order_relaxed);
	pthread_mutex_unlock(&l->u.m);
}

const char *svmt_tag_name(uint32_t tag)
{
	static const char *const names[] = {
		"none", "create", "open", "close", "remove", "scan", "recover",
		"info", "heap",
	};

	if (tag & SVMT_TAG_USER)
		return "user";
	return tag < sizeof(names) / sizeof(names[0]) ? names[tag] : "?";
}
