/*
 * sigbus.c - survive a mapping whose file another process truncated
 *
 * A writer may shorten a shared object between our validation and our use
 * of it; touching the lost pages raises SIGBUS.  The guard (installed by
 * the program, never behind its back) maps an anonymous zero page over the
 * faulting page, records the address and returns: the access completes,
 * reading zeros.  The code that touched the mapping then asks whether a
 * fault fell inside it and treats the object as corrupt.  The idea is
 * systemd-journald's; the code is ours.
 */
#include "svmtool-private.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define QUEUE_LEN 64

static _Atomic uintptr_t queue[QUEUE_LEN]; /* 0: empty slot */
static _Atomic unsigned lost;              /* faults the queue had no room for */
static struct sigaction old_action;
static _Atomic int installed;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	uintptr_t page = (uintptr_t)si->si_addr & ~(uintptr_t)(SVMT_PAGE - 1);
	unsigned i;

	(void)uc;
	if (si->si_code != BUS_ADRERR || !page ||
	    mmap((void *)page, SVMT_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
		/* Not a lost page of a mapping: what would have happened. */
		sigaction(sig, &old_action, NULL);
		raise(sig);
		return;
	}
	for (i = 0; i < QUEUE_LEN; i++) {
		uintptr_t empty = 0;

		if (atomic_compare_exchange_strong(&queue[i], &empty, page))
			return;
	}
	atomic_fetch_add(&lost, 1);
}

int svmt_sigbus_guard_install(void)
{
	struct sigaction sa;
	int expected = 0;

	if (!atomic_compare_exchange_strong(&installed, &expected, 1))
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &old_action) < 0) {
		atomic_store(&installed, 0);
		return -errno;
	}
	return 0;
}

int svmt_sigbus_pop(void **addr)
{
	unsigned i;

	for (i = 0; i < QUEUE_LEN; i++) {
		uintptr_t a = atomic_exchange(&queue[i], 0);

		if (a) {
			if (addr)
				*addr = (void *)a;
			return 1;
		}
	}
	return 0;
}

bool svmt_sigbus_hit(const void *p, uint64_t len)
{
	uintptr_t lo = (uintptr_t)p, hi = lo + len;
	bool hit = false;
	unsigned i;

	if (!atomic_load_explicit(&installed, memory_order_relaxed))
		return false;
	for (i = 0; i < QUEUE_LEN; i++) {
		uintptr_t a = atomic_load(&queue[i]);

		if (a && a + SVMT_PAGE > lo && a < hi &&
		    atomic_compare_exchange_strong(&queue[i], &a, 0))
			hit = true;
	}
	/* An overflowing queue forgot where: every mapping is suspect. */
	return hit || atomic_load(&lost) != 0;
}
