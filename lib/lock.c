/*
 * lock.c - the one lock wrapper: robust process-shared mutexes
 *
 * Every lock site goes through svmt_lock_acquire(), which records the owner
 * (pid and start time) and an operation tag after acquiring, and repairs
 * the protected bookkeeping when the previous owner died holding the lock
 * (EOWNERDEAD -> repair -> pthread_mutex_consistent).  The uncontended path
 * makes no system call (the identity is cached): on x86-64 glibc it takes
 * and gives back a free lock itself, with the stores glibc's robust path
 * makes, in its order (take_free, give_free); everything else is glibc's.
 *
 * The mutex lives in memory other users may write: glibc aborts on some
 * bytes (a priority-protect kind, for one), so its words are checked before
 * glibc sees them, against a mutex pthread_mutex_init() makes with our
 * attributes (glibc's layout: futex word, count, owner, users, kind, spins):
 * a free lock whose words are what a free lock's are passes with three
 * loads; any other is checked in full.
 * A held mutex also carries glibc's robust-list pointers, which its unlock
 * follows and writes through: a writer who changed them could make the
 * holder write where it likes.  Each thread remembers what they were when
 * it took its locks and unlinks through that record, or puts them back
 * before glibc unlocks.
 */
#include "svmtool-private.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PID_LIMIT 4194304      /* the kernel's PID_MAX_LIMIT on 64-bit */
/* glibc's __owner values beside a thread id */
#define OWNER_INCONSISTENT 0x7fffffff
#define OWNER_NOTRECOVERABLE 0x7ffffffe

/*
 * This thread's robust-list head (glibc's, registered with the kernel) and
 * the locks it took, with the list entry that followed theirs.  The child
 * of a fork holds none of them (glibc empties its list): forgotten by
 * svmt_lock_atfork_child().
 */
#define HELD_MAX 16
struct held {
	const struct svmt_shlock *l;
	uintptr_t next;
};
struct lock_tls {
	uintptr_t head;
	unsigned n;
	pid_t tid;       /* gettid(), cached; 0: not yet */
	bool own;        /* take and give locks here (see take_free) */
	struct held held[HELD_MAX];
};
static __thread struct lock_tls tls_locks;

/* This thread's: reached through a pointer taken once per call, which the
 * compiler may not derive again (in the shared library each derivation is
 * a call to __tls_get_addr). */
static inline struct lock_tls *my_locks(void)
{
	struct lock_tls *t = &tls_locks;

	__asm__("" : "+r"(t));
	return t;
}

/* What our attributes make: the model the shared words are checked
 * against, and its kind and spins as one word (model_kind8). */
static pthread_once_t model_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t model;
static uint64_t model_kind8;
static int model_rc;
static _Atomic bool model_ok; /* made, and without an error */

/* 8 bytes of a mutex, the two 32-bit fields at @p in one load. */
typedef uint64_t __attribute__((may_alias)) u64_alias;

static int mutex_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	int rc;

	rc = pthread_mutexattr_init(&a);
	if (rc)
		return -rc;
	rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (!rc)
		rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (!rc) /* relocking from the owning thread: -EDEADLK, not a hang */
		rc = pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	if (!rc)
		rc = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return -rc;
}

static void model_make(void)
{
	memset(&model, 0, sizeof(model));
	model_rc = mutex_init(&model);
	model_kind8 = *(const u64_alias *)(const void *)&model.__data.__kind;
	atomic_store_explicit(&model_ok, !model_rc, memory_order_release);
}

/* The model is made (once): true when it could be. */
static inline bool model_ready(void)
{
	if (__builtin_expect(atomic_load_explicit(&model_ok,
						  memory_order_acquire), 1))
		return true;
	pthread_once(&model_once, model_make);
	return !model_rc;
}

int svmt_lock_init(struct svmt_shlock *l)
{
	memset(l, 0, sizeof(*l));
	return mutex_init(&l->u.m);
}

static uint32_t load_word(const void *p)
{
	return __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
}

static uint64_t load_dword(const void *p)
{
	return __atomic_load_n((const u64_alias *)p, __ATOMIC_RELAXED);
}

/*
 * The words of a free lock that glibc may see as they are: not taken, a
 * count of 0 or 1 (glibc leaves 1), no owner (not even "not
 * recoverable"), our kind and spins.  Three loads from the mutex's first
 * 24 bytes; any other words take the full check, svmt_lock_inspect().
 * (The model is made.)
 */
static inline bool looks_free(const pthread_mutex_t *m)
{
	/* __lock, then __count: all but the count's lowest bit */
	const uint64_t free_mask = ~(1ULL << 32);

	return !((load_dword(&m->__data.__lock) & free_mask) |
		 load_word(&m->__data.__owner)) &&
	       load_dword(&m->__data.__kind) == model_kind8;
}

int svmt_lock_inspect(const struct svmt_shlock *l, struct svmt_lock_view *v)
{
	const pthread_mutex_t *m = &l->u.m;
	uint32_t word = load_word(&m->__data.__lock);
	uint32_t count = load_word(&m->__data.__count);
	uint32_t owner = load_word(&m->__data.__owner);
	uint32_t kind = load_word(&m->__data.__kind);
	uint32_t spins = load_word(&m->__data.__kind + 1);

	if (!model_ready())
		return model_rc;
	memset(v, 0, sizeof(*v));
	if (kind != (uint32_t)model.__data.__kind ||
	    spins != load_word(&model.__data.__kind + 1))
		return svmt_fail(SVMT_ECORRUPT, "lock kind 0x%x, expected "
				 "0x%x", kind,
				 (unsigned)model.__data.__kind);
	if ((word & FUTEX_TID_MASK) > PID_LIMIT)
		return svmt_fail(SVMT_ECORRUPT, "lock futex word 0x%x names "
				 "no thread", word);
	if (owner > PID_LIMIT && owner != OWNER_INCONSISTENT &&
	    owner != OWNER_NOTRECOVERABLE)
		return svmt_fail(SVMT_ECORRUPT, "lock owner 0x%x names no "
				 "thread",
				 owner);
	if (count > 1) /* an error-checking mutex counts to one */
		return svmt_fail(SVMT_ECORRUPT, "lock count %u, expected 0 "
				 "or 1",
				 count);
	v->tid = (pid_t)(word & FUTEX_TID_MASK);
	v->owner_died = word & FUTEX_OWNER_DIED;
	v->unrecoverable = owner == OWNER_NOTRECOVERABLE;
	return 0;
}

static bool tid_alive(pid_t tid)
{
	struct svmt_ident id = { .pid = tid };

	return tid > 0 && svmt_ident_alive(&id);
}

bool svmt_lock_held_live(const struct svmt_shlock *l)
{
	struct svmt_ident o = {
		.pid = atomic_load_explicit(&l->owner_pid, memory_order_relaxed),
		.start = atomic_load_explicit(&l->owner_start,
					      memory_order_relaxed),
	};
	uint32_t word = load_word(&l->u.m.__data.__lock);

	return (o.pid > 0 && svmt_ident_alive(&o)) ||
	       tid_alive((pid_t)(word & FUTEX_TID_MASK));
}

int svmt_lock_describe(const struct svmt_shlock *l, struct svmt_lock_info *li)
{
	struct svmt_lock_view v;
	struct svmt_ident o = { .pid = l->owner_pid, .start = l->owner_start };
	const char *tag;
	int rc = svmt_lock_inspect(l, &v);

	memset(li, 0, sizeof(*li));
	li->struct_size = sizeof(*li);
	li->recoveries = l->recoveries;
	if (rc)
		return rc;
	if (o.pid) { /* the record, written after taking the lock */
		li->owner = o.pid;
		li->tag = l->owner_tag;
		li->owner_alive = svmt_ident_alive(&o);
		tag = svmt_tag_name(li->tag);
	} else if (v.tid) { /* taken, the record not yet (or never) written */
		li->owner = v.tid;
		li->owner_alive = tid_alive(v.tid);
		tag = "?";
	} else if (v.owner_died || v.unrecoverable) {
		li->owner = -1; /* died before recording itself */
		tag = v.unrecoverable ? "unrecoverable" : "dead";
	} else {
		return 0;
	}
	snprintf(li->tag_name, sizeof(li->tag_name), "%s", tag);
	return 0;
}

/* Set by svmt_set_interrupt(): waits end once it reads non-zero. */
static const volatile int *interrupt_flag;

void svmt_set_interrupt(const volatile int *flag)
{
	interrupt_flag = flag;
}

bool svmt_interrupted(void)
{
	const volatile int *f = interrupt_flag;

	return f && *f;
}

static struct timespec ts_after(const struct timespec *from, long ms)
{
	struct timespec ts = *from;

	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/*
 * Wait for @m at most @timeout_ms (<0: forever).  With an interrupt flag
 * set, in slices of 50 ms that look at it: EINTR once it is raised.  A
 * slice ends at once when the holder unlocks (the futex wakes us).
 */
static int lock_wait(pthread_mutex_t *m, int timeout_ms)
{
	struct timespec now, end, slice;
	int rc;

	if (timeout_ms == 0)
		return ETIMEDOUT;
	if (!interrupt_flag && timeout_ms < 0)
		return pthread_mutex_lock(m);
	clock_gettime(CLOCK_MONOTONIC, &now);
	end = ts_after(&now, timeout_ms);
	if (!interrupt_flag)
		return pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &end);
	for (;;) {
		if (svmt_interrupted())
			return EINTR;
		slice = ts_after(&now, 50);
		if (timeout_ms >= 0 && ts_before(&end, &slice))
			slice = end;
		rc = pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &slice);
		if (rc != ETIMEDOUT)
			return rc;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout_ms >= 0 && !ts_before(&now, &end))
			return ETIMEDOUT;
	}
}

/* The kernel's struct robust_list_head: what glibc registers per thread. */
struct robust_head {
	uintptr_t list;    /* first entry; the head itself when empty */
	long futex_offset; /* from an entry to its futex word */
	uintptr_t pending; /* entry being taken or given */
};

#if defined(__x86_64__) && defined(__GLIBC__)
/*
 * Does this glibc, on this thread, take and give a robust mutex with the
 * very stores take_free() and give_back() make?  Asked once per thread
 * before they are used: a mutex of our kind, taken by glibc, must be
 * linked first in the list with the links, the slot before the old first
 * entry, the owner, users and count take_free() writes, and given back,
 * leave the list and the pending entry as they were.  A glibc that does
 * otherwise keeps every lock to itself.
 */
static bool glibc_links_as_we_do(struct robust_head *h)
{
	uintptr_t first = h->list, entry, *slot;
	pthread_mutex_t m;
	pid_t tid = gettid();
	bool ok;

	if (mutex_init(&m))
		return false;
	entry = (uintptr_t)&m.__data.__list.__next;
	slot = (uintptr_t *)((first & ~(uintptr_t)1) - sizeof(void *));
	if (pthread_mutex_lock(&m)) {
		pthread_mutex_destroy(&m);
		return false;
	}
	ok = h->list == entry && !h->pending && *slot == entry &&
	     (uintptr_t)m.__data.__list.__next == first &&
	     (uintptr_t)m.__data.__list.__prev == (uintptr_t)h &&
	     m.__data.__lock == tid && m.__data.__owner == tid &&
	     m.__data.__nusers == 1 && m.__data.__count == 1;
	ok = !pthread_mutex_unlock(&m) && ok;
	ok = ok && h->list == first && !h->pending && !m.__data.__lock &&
	     !m.__data.__owner && !m.__data.__nusers;
	pthread_mutex_destroy(&m);
	return ok;
}
#endif

static uintptr_t robust_head(struct lock_tls *t)
{
	if (__builtin_expect(!t->head, 0)) {
		void *h = NULL;
		size_t len;

		if (syscall(SYS_get_robust_list, 0, &h, &len) == 0)
			t->head = (uintptr_t)h;
#if defined(__x86_64__) && defined(__GLIBC__)
		/* glibc's list, as its x86-64 mutexes link into it */
		t->own = h && len == sizeof(struct robust_head) &&
			 ((struct robust_head *)h)->futex_offset ==
				 (long)offsetof(pthread_mutex_t, __data.__lock) -
				 (long)offsetof(pthread_mutex_t, __data.__list.__next) &&
			 glibc_links_as_we_do(h);
#endif
	}
	return t->head;
}

bool svmt_lock_inline(void)
{
	struct lock_tls *t = my_locks();

	robust_head(t);
	return t->own;
}

/* Where glibc links @l into the list: its entry. */
static uintptr_t list_entry(const struct svmt_shlock *l)
{
	return (uintptr_t)&l->u.m.__data.__list.__next;
}

static inline uintptr_t list_first(struct lock_tls *t)
{
	uintptr_t h = robust_head(t);

	return h ? __atomic_load_n((uintptr_t *)h, __ATOMIC_RELAXED) : 0;
}

/*
 * May a lock taken while @first heads the list record @first as what
 * follows it?  Only when we see @first go: the list's own head, or a lock
 * of ours we recorded.  A mutex of the caller's is unlocked by glibc
 * behind our back, and the record would then name a mutex no longer in
 * the list (glibc fixes the shared pointers, not our record).  A lock
 * taken over one of those is left to glibc, links and all.
 */
static inline bool sees_go(const struct lock_tls *t, uintptr_t first)
{
	if (first == t->head)
		return true;
	for (unsigned i = 0; i < t->n; i++)
		if (list_entry(t->held[i].l) == first)
			return true;
	return false;
}

/* @l was just taken, with @before first in the list until then. */
static inline void note_held(struct lock_tls *t, const struct svmt_shlock *l,
			     uintptr_t before)
{
	if (before && sees_go(t, before) && list_first(t) == list_entry(l) &&
	    t->n < HELD_MAX)
		t->held[t->n++] = (struct held){ l, before };
}

void svmt_lock_atfork_child(void)
{
	struct lock_tls *t = my_locks();

	t->n = 0;
	t->tid = 0;
}

#define barrier() __asm__ __volatile__("" ::: "memory")

/* Free the futex word of @m; wake a waiter if there is one. */
static inline void release_word(pthread_mutex_t *m)
{
	uint32_t old = (uint32_t)__atomic_exchange_n(&m->__data.__lock, 0,
						     __ATOMIC_RELEASE);

	if (old & FUTEX_WAITERS)
		syscall(SYS_futex, &m->__data.__lock, FUTEX_WAKE, 1, NULL, NULL,
			0);
}

/*
 * Take the free mutex @m the way glibc's robust trylock does
 * (nptl/pthread_mutex_trylock.c), without its call and its dispatch on the
 * kind: announce the entry as pending, take the futex word, link the mutex
 * first in this thread's robust list, withdraw the announcement, then
 * owner, users and count.  The kernel marks a lock the list or the pending
 * entry names "owner died" when the thread dies, at any point of this;
 * glibc, here or in another process, finds the words it would have
 * written.  0, or EBUSY with nothing changed (the word was not free,
 * glibc would call it not recoverable, or what heads the list is not one
 * whose going we see: the full way tells).
 */
static inline int take_free(struct lock_tls *t, struct svmt_shlock *l)
{
	pthread_mutex_t *m = &l->u.m;
	struct robust_head *h = (struct robust_head *)t->head;
	uintptr_t entry = list_entry(l), first = h->list;
	int tid = t->tid, free = 0;

	if (!sees_go(t, first)) /* glibc's way, unrecorded */
		return EBUSY;
	if (__builtin_expect(!tid, 0))
		tid = t->tid = gettid();
	h->pending = entry;
	barrier();
	if (!__atomic_compare_exchange_n(&m->__data.__lock, &free, tid, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		barrier();
		h->pending = 0;
		return EBUSY;
	}
	if (__builtin_expect(load_word(&m->__data.__owner) ==
			     OWNER_NOTRECOVERABLE, 0)) {
		release_word(m);
		barrier();
		h->pending = 0;
		return EBUSY;
	}
	*(uintptr_t *)((first & ~(uintptr_t)1) - sizeof(void *)) = entry;
	m->__data.__list.__next = (struct __pthread_internal_list *)first;
	m->__data.__list.__prev = (struct __pthread_internal_list *)h;
	barrier();
	h->list = entry;
	barrier();
	h->pending = 0;
	m->__data.__owner = tid;
	m->__data.__nusers++;
	m->__data.__count = 1;
	t->held[t->n++] = (struct held){ l, first };
	return 0;
}

/*
 * Give back @m, held by this thread and first in its list with @next
 * after it, the way glibc's robust unlock does, but unlinked through what
 * we recorded rather than the pointers in the shared words: pending, out
 * of the list, owner and users, the word released (a waiter woken), not
 * pending.
 */
static inline void give_free(struct lock_tls *t, pthread_mutex_t *m,
			     uintptr_t next)
{
	struct robust_head *h = (struct robust_head *)t->head;

	h->pending = (uintptr_t)&m->__data.__list.__next;
	barrier();
	*(uintptr_t *)((next & ~(uintptr_t)1) - sizeof(void *)) = (uintptr_t)h;
	h->list = next;
	barrier();
	m->__data.__owner = 0;
	m->__data.__list.__prev = NULL;
	m->__data.__list.__next = NULL;
	m->__data.__nusers--;
	release_word(m);
	barrier();
	h->pending = 0;
}

/* The slot of @l among the locks this thread took, or -1. */
static inline int held_slot(struct lock_tls *t, const struct svmt_shlock *l)
{
	int i = (int)t->n - 1;

	while (i >= 0 && t->held[i].l != l)
		i--;
	return i;
}

/* @l was unlocked: forget slot @i; a later lock linked after it now
 * follows what followed @l. */
static void forget_inner(struct lock_tls *t, int i)
{
	uintptr_t entry = list_entry(t->held[i].l);
	unsigned last = t->n - 1;

	for (unsigned j = (unsigned)i + 1; j <= last; j++)
		if (t->held[j].next == entry)
			t->held[j].next = t->held[i].next;
	memmove(&t->held[i], &t->held[i + 1],
		(last - (unsigned)i) * sizeof(t->held[0]));
	t->n = last;
}

static inline void forget_held(struct lock_tls *t, int i)
{
	if ((unsigned)i + 1 == t->n) /* the last taken: nothing follows */
		t->n--;
	else
		forget_inner(t, i);
}

/* How long a waiter that found the owner record empty waits, as for any
 * holder, before asking whether the thread in the lock's word lives. */
#define WEDGE_WAIT_MS 10

/*
 * A lock taken by a thread that is gone, without the kernel marking it
 * (glibc leaves a failed trylock of a not-recoverable mutex so): nobody
 * will ever release it.  Only asked when the owner record is empty.
 */
static bool wedged(const struct svmt_shlock *l)
{
	struct svmt_lock_view v;

	if (atomic_load_explicit(&l->owner_pid, memory_order_relaxed))
		return false;
	return !svmt_lock_inspect(l, &v) && v.tid && !v.owner_died &&
	       !tid_alive(v.tid);
}

/*
 * Wait for @l, taken by someone else, at most @timeout_ms (<0: forever).
 * A live holder leaves the owner record empty for a few instructions
 * after it takes the word and before it gives it back, and waiters come
 * exactly then: an empty record is no reason to ask the system whether
 * the holder lives (a kill and a read of /proc, microseconds, which
 * every such waiter paid).  It is waited for as any holder, WEDGE_WAIT_MS
 * at first; only a lock still held then is checked for a dead holder.
 */
static int wait_held(struct svmt_shlock *l, int timeout_ms)
{
	int first = WEDGE_WAIT_MS, rc;

	if (atomic_load_explicit(&l->owner_pid, memory_order_relaxed))
		return lock_wait(&l->u.m, timeout_ms);
	if (timeout_ms >= 0 && timeout_ms < first)
		first = timeout_ms;
	rc = lock_wait(&l->u.m, first);
	if (rc != ETIMEDOUT)
		return rc;
	if (wedged(l))
		return ENOTRECOVERABLE;
	if (timeout_ms >= 0 && timeout_ms <= first)
		return ETIMEDOUT;
	return lock_wait(&l->u.m, timeout_ms < 0 ? -1 : timeout_ms - first);
}

/* @l was taken: the owner record, after. */
static inline int record_owner(struct svmt_shlock *l,
			       const struct svmt_ident *me, uint32_t tag)
{
	SVMT_CRASH("lock-taken-unrecorded");
	atomic_store_explicit(&l->owner_start, me->start, memory_order_relaxed);
	atomic_store_explicit(&l->owner_tag, tag, memory_order_relaxed);
	atomic_store_explicit(&l->owner_pid, me->pid, memory_order_relaxed);
	return 0;
}

/*
 * The lock could not be taken at first sight: its words checked in full,
 * then taken, waited for, or repaired after a dead owner.  @rc is what the
 * first trylock said, or -1 when there was none (or one that changed
 * nothing); @before: the first entry of this thread's robust list before
 * that trylock.  0 when taken and recorded.
 */
static int __attribute__((noinline))
lock_slow(struct lock_tls *t, struct svmt_shlock *l, uint32_t tag,
	  int timeout_ms, int (*repair)(void *ctx), void *ctx,
	  pid_t *recovered, uintptr_t before, int rc)
{
	const struct svmt_ident *me = svmt_self();
	struct svmt_lock_view v;

	if (rc < 0) {
		before = list_first(t);
		rc = svmt_lock_inspect(l, &v);
		if (rc)
			return rc;
		/* glibc would refuse it, and leave it wedged with our thread id */
		if (v.unrecoverable)
			rc = ENOTRECOVERABLE;
		else
			rc = pthread_mutex_trylock(&l->u.m);
		if (rc == EBUSY)
			rc = wait_held(l, timeout_ms);
	}
	if (rc == 0 || rc == EOWNERDEAD)
		note_held(t, l, before);
	if (rc == EOWNERDEAD) {
		pid_t dead = atomic_load_explicit(&l->owner_pid,
						  memory_order_relaxed);
		int rr = repair ? repair(ctx) : 0;

		atomic_store_explicit(&l->last_dead_pid, dead,
				      memory_order_relaxed);
		atomic_fetch_add_explicit(&l->recoveries, 1,
					  memory_order_relaxed);
		/* Nothing repaired what it guards: the next holders are told
		 * until one acknowledges (svmt_region_lock_ack). */
		if (!repair)
			atomic_fetch_or_explicit(&l->flags, SVMT_LOCKF_DIED,
						 memory_order_relaxed);
		SVMT_CRASH("lock-repaired-not-consistent");
		pthread_mutex_consistent(&l->u.m);
		if (recovered)
			*recovered = dead ? dead : -1;
		rc = 0;
		if (rr) {
			svmt_lock_unlock(l);
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
	if (rc == ETIMEDOUT && wedged(l))
		rc = ENOTRECOVERABLE;
	switch (rc) {
	case 0:
		return record_owner(l, me, tag);
	case ENOTRECOVERABLE:
		return svmt_fail(SVMT_ENOTRECOVERABLE,
				 "lock was abandoned unrepaired; run recover");
	case EINTR:
		return svmt_fail(-EINTR, "interrupted while waiting for a lock");
	case ETIMEDOUT: {
		pid_t owner = atomic_load_explicit(&l->owner_pid,
						   memory_order_relaxed);
		uint32_t otag = atomic_load_explicit(&l->owner_tag,
						     memory_order_relaxed);
		if (owner)
			return svmt_fail(-ETIMEDOUT, "lock held by pid %d (%s)",
					 (int)owner, svmt_tag_name(otag));
		return svmt_fail(-ETIMEDOUT, "lock busy");
	}
	default:
		return -rc;
	}
}

int svmt_lock_acquire(struct svmt_shlock *l, uint32_t tag, int timeout_ms,
		      int (*repair)(void *ctx), void *ctx, pid_t *recovered)
{
	struct lock_tls *t = my_locks();
	uintptr_t before = 0;
	int rc = -1;

	if (recovered)
		*recovered = 0;
	/* The fast path: free and sound words, taken at once. */
	if (model_ready() && looks_free(&l->u.m)) {
		if (t->own && t->n < HELD_MAX) {
			rc = take_free(t, l); /* 0 or EBUSY */
		} else {
			before = list_first(t);
			rc = pthread_mutex_trylock(&l->u.m);
			if (rc == 0)
				note_held(t, l, before);
		}
		if (rc == 0)
			return record_owner(l, svmt_self(), tag);
		if (rc == EBUSY) /* taken meanwhile: the full way */
			rc = -1;
	}
	return lock_slow(t, l, tag, timeout_ms, repair, ctx, recovered, before,
			 rc);
}

int svmt_lock_reinit(struct svmt_shlock *l, bool died)
{
	uint32_t recoveries = atomic_load(&l->recoveries);
	uint32_t flags = atomic_load(&l->flags);
	int rc = svmt_lock_init(l);

	atomic_store(&l->recoveries, recoveries + 1);
	atomic_store(&l->flags, flags | (died ? SVMT_LOCKF_DIED : 0));
	/* Sleepers on the old word would wait for a wake that never comes. */
	syscall(SYS_futex, &l->u.m.__data.__lock, FUTEX_WAKE, INT_MAX, NULL,
		NULL, 0);
	return rc;
}

int svmt_lock_unlock(struct svmt_shlock *l)
{
	pthread_mutex_t *m = &l->u.m;
	struct lock_tls *t = my_locks();
	int slot = held_slot(t, l), rc;

	/* We hold it: a kind a writer changed meanwhile is put back, or
	 * glibc could abort in the unlock. */
	if (model_ready() && load_dword(&m->__data.__kind) != model_kind8)
		memcpy(&m->__data.__kind, &model.__data.__kind, 8);
	/*
	 * When it is first in the list (locks are released in the order
	 * opposite to taking them), its links can only be what was written
	 * when it was taken: give it back through our record of them, or put
	 * them back before glibc follows them.
	 */
	if (slot >= 0 && list_first(t) == list_entry(l)) {
		if (t->own && (load_word(&m->__data.__lock) & FUTEX_TID_MASK) ==
				      (uint32_t)t->tid &&
		    load_word(&m->__data.__owner) == (uint32_t)t->tid) {
			give_free(t, m, t->held[slot].next);
			forget_held(t, slot);
			return 0;
		}
		m->__data.__list.__next =
			(struct __pthread_internal_list *)t->held[slot].next;
		m->__data.__list.__prev =
			(struct __pthread_internal_list *)t->head;
	}
	rc = pthread_mutex_unlock(m);
	if (!rc && slot >= 0)
		forget_held(t, slot);
	return rc;
}

void svmt_lock_release(struct svmt_shlock *l)
{
	/* The record is void once its pid is 0: tag and start stay. */
	atomic_store_explicit(&l->owner_pid, 0, memory_order_relaxed);
	SVMT_CRASH("lock-unrecorded-not-released");
	svmt_lock_unlock(l);
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
