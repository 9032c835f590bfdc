/*
 * heap.c - a heap in a region's data area, shared by every attached process
 *
 * Blocks tile the arena: each has a 16-byte header holding its size (a
 * multiple of 16, with the ALLOC bit) and the size of the block before it,
 * so that a free can merge with both neighbours.  Free blocks sit in
 * doubly linked lists whose links live in their payload: exact bins for
 * sizes up to SVMT_HEAP_SMALL_MAX (not merged when freed: the fast path),
 * one list per power of two above.  When nothing fits, the heap is
 * consolidated (every run of free blocks merged) and searched again.
 *
 * Each process keeps, per region handle, a small cache of blocks it freed
 * (up to SVMT_HEAP_SMALL_MAX bytes, a bounded number of each size): a free
 * or an allocation that the cache can serve takes no shared lock at all.
 * Cached blocks stay allocated in the shared heap, marked CACHED with
 * their owner (pid and start time) in their payload; closing the handle
 * gives them back, and a rebuild (a dead lock owner, recover, or an
 * allocation that found nothing) returns those of dead owners.
 *
 * Crash safety: every change keeps the chain of sizes walkable from the
 * first block -- a split writes the new block's header before shrinking
 * the old one, a merge grows the surviving block in one store -- and the
 * ALLOC bit of a block changes in one store.  The lists, the prev fields
 * and the counters may be left half-updated by a process killed in the
 * middle; the next locker gets EOWNERDEAD and rebuilds them all from the
 * chain (svmt_heap_repair), so memory is never handed out twice: a block
 * whose ALLOC bit was set stays allocated, one whose bit was cleared is
 * free.
 */
#include "svmtool-private.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALLOC 1ULL
#define CACHED 2ULL     /* with ALLOC: in its owner's per-process cache */
#define FLAGS 15ULL
#define HDR 16ULL
#define MIN_BLOCK 32ULL
#define CACHE_CAP 32    /* blocks of one size a cache keeps */
#define CACHE_BATCH 8   /* blocks one refill takes */

int svmt_crash_countdown;

void svmt_crash_now(void)
{
	raise(SIGKILL);
}

struct blk {
	uint64_t sz;   /* size | ALLOC */
	uint64_t prev; /* size of the block before, 0 for the first */
};

struct links {
	uint64_t next, prev; /* offsets of free blocks, 0: none */
};

/* The payload of a cached block: who keeps it. */
struct owner {
	int32_t pid;
	uint32_t pad;
	uint64_t start;
};

struct svmt_hcache {
	_Atomic int busy;        /* threads of this process */
	uint64_t bytes, limit;   /* bytes cached, and the most allowed */
	uint8_t n[SVMT_HEAP_NSMALL];
	uint64_t off[SVMT_HEAP_NSMALL][CACHE_CAP];
};

/* A heap being worked on: geometry from validated local copies only. */
struct heap {
	char *base;
	uint64_t size;
	uint64_t arena;
	struct svmt_heap_hdr *h;
};

static inline struct blk *B(const struct heap *c, uint64_t off)
{
	return (struct blk *)(void *)(c->base + off);
}

static inline struct links *L(const struct heap *c, uint64_t off)
{
	return (struct links *)(void *)(c->base + off + HDR);
}

static inline uint64_t bsize(const struct blk *b)
{
	return b->sz & ~(HDR - 1);
}

static inline unsigned log2u(uint64_t v)
{
	return 63u - (unsigned)__builtin_clzll(v);
}

static uint64_t *list_of(const struct heap *c, uint64_t size)
{
	if (size <= SVMT_HEAP_SMALL_MAX)
		return &c->h->small[size / 16];
	return &c->h->large[log2u(size)];
}

static inline bool off_ok(const struct heap *c, uint64_t off);

static void list_push(const struct heap *c, uint64_t off)
{
	uint64_t *head = list_of(c, bsize(B(c, off)));
	struct links *l = L(c, off);
	uint64_t first = *head;

	if (first && !off_ok(c, first)) {
		/* a damaged list is dropped, never followed; the blocks it
		 * held wait for a rebuild (recover) */
		c->h->damaged = 1;
		first = 0;
	}
	l->prev = 0;
	l->next = first;
	if (first)
		L(c, first)->prev = off;
	*head = off;
}

/* Is @off a plausible block offset for a list or a pointer? */
static inline bool off_ok(const struct heap *c, uint64_t off)
{
	return off >= c->arena && off <= c->size - MIN_BLOCK &&
	       !(off & (HDR - 1));
}

/* Unlink free block @off; false (nothing changed) when its links point
 * outside the arena: a damaged heap. */
static bool list_del(const struct heap *c, uint64_t off)
{
	struct links *l = L(c, off);
	uint64_t prev = l->prev, next = l->next;

	if ((prev && !off_ok(c, prev)) || (next && !off_ok(c, next)))
		return false;
	if (prev)
		L(c, prev)->next = next;
	else
		*list_of(c, bsize(B(c, off))) = next;
	if (next)
		L(c, next)->prev = prev;
	return true;
}

/* The header of the block after @off, or NULL at the end. */
static inline struct blk *next_of(const struct heap *c, uint64_t off,
				  uint64_t size)
{
	return off + size < c->size ? B(c, off + size) : NULL;
}

/* ------------------------------------------------------------- layout */

int svmt_heap_init(void *base, uint64_t size)
{
	struct svmt_heap_hdr *h = base;
	uint64_t arena = svmt_page_up(sizeof(*h), 4096);
	struct heap c = { base, size, arena, h };
	int rc;

	if (size < arena + MIN_BLOCK)
		return svmt_fail(-EINVAL, "data area of %" PRIu64 " bytes is too "
				 "small for a heap", size);
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, SVMT_HEAP_MAGIC, sizeof(h->magic));
	h->version = SVMT_HEAP_VERSION;
	h->hdr_size = sizeof(*h);
	h->size = size;
	h->arena_off = arena;
	rc = svmt_lock_init(&h->lock);
	if (rc)
		return rc;
	B(&c, arena)->sz = size - arena;
	B(&c, arena)->prev = 0;
	list_push(&c, arena);
	h->used = arena;
	return 0;
}

int svmt_heap_validate(const struct svmt_heap_hdr *h, uint64_t size)
{
	if (size < sizeof(*h) || memcmp(h->magic, SVMT_HEAP_MAGIC,
					sizeof(h->magic)))
		return svmt_fail(SVMT_ECORRUPT, "heap header: bad magic");
	if (h->version != SVMT_HEAP_VERSION)
		return svmt_fail(SVMT_EVERSION, "heap version %u, expected %u",
				 h->version, SVMT_HEAP_VERSION);
	if (h->hdr_size < sizeof(*h) || h->size != size ||
	    h->arena_off < h->hdr_size || h->arena_off & (HDR - 1) ||
	    h->arena_off > size - MIN_BLOCK)
		return svmt_fail(SVMT_ECORRUPT, "heap header: bad geometry");
	return 0;
}

/* --------------------------------------------------------- walk, repair */

static inline bool flags_ok(uint64_t sz)
{
	/* only ALLOC, and CACHED on an allocated block */
	return !(sz & (FLAGS & ~(ALLOC | CACHED))) &&
	       (sz & (ALLOC | CACHED)) != CACHED;
}

/* Owners already asked about during one walk: most blocks share few. */
struct memo {
	struct owner who[8];
	bool alive[8];
	unsigned n;
};

static bool owner_gone(const struct owner *o, struct memo *m)
{
	struct svmt_ident id = { .pid = o->pid, .start = o->start };
	unsigned i;

	for (i = 0; i < m->n && i < 8; i++)
		if (m->who[i].pid == o->pid && m->who[i].start == o->start)
			return !m->alive[i];
	i = m->n++ % 8;
	m->who[i] = *o;
	m->alive[i] = o->pid > 0 && svmt_ident_alive(&id);
	return !m->alive[i];
}

static bool owner_dead(const struct heap *c, uint64_t off, struct memo *m)
{
	return owner_gone((const struct owner *)(const void *)
			  (c->base + off + HDR), m);
}

/*
 * Walk the chain: every block inside the arena, sizes multiples of 16 and
 * at least MIN_BLOCK, ending exactly at the end.  With @fix, also merge
 * runs of free blocks, set the prev fields and rebuild lists and counters,
 * freeing the cached blocks of dead owners (counted in *reclaimed, which
 * may be NULL).  Returns 0 or SVMT_ECORRUPT.
 */
static int walk(const struct heap *c, bool fix, uint64_t *reclaimed)
{
	uint64_t off = c->arena, prev = 0, used = c->arena;
	uint64_t objects = 0, free_run = 0;
	struct memo memo = { 0 };

	if (fix) {
		memset(c->h->small, 0, sizeof(c->h->small));
		memset(c->h->large, 0, sizeof(c->h->large));
	}
	while (off < c->size) {
		struct blk *b = B(c, off);
		uint64_t sz = bsize(b);

		if (sz < MIN_BLOCK || sz > c->size - off || !flags_ok(b->sz))
			return svmt_fail(SVMT_ECORRUPT, "heap block at 0x%" PRIx64
					 " has a bad size", off);
		if (fix && b->sz & CACHED && owner_dead(c, off, &memo)) {
			b->sz = sz;      /* its owner is gone: free it */
			if (reclaimed)
				(*reclaimed)++;
		}
		if (b->sz & ALLOC) {
			objects++;
			used += sz;
			free_run = 0;
		} else if (fix && free_run) {
			/* merge into the free block before: one store */
			struct blk *f = B(c, free_run);

			f->sz = bsize(f) + sz;
			off += sz;
			continue;
		} else if (fix) {
			free_run = off;
		}
		if (fix)
			b->prev = prev;
		else if (b->prev != prev)
			return svmt_fail(SVMT_ECORRUPT, "heap block at 0x%" PRIx64
					 " disagrees with the one before", off);
		prev = sz;
		off += sz;
	}
	if (!fix)
		return 0;
	/* merged blocks changed sizes: set prev again, push the free ones */
	for (off = c->arena, prev = 0; off < c->size;
	     prev = bsize(B(c, off)), off += prev) {
		B(c, off)->prev = prev;
		if (!(B(c, off)->sz & ALLOC))
			list_push(c, off);
	}
	c->h->used = used;
	c->h->objects = objects;
	return 0;
}

/* Every listed block is free, in the right list, linked both ways. */
static int check_lists(const struct heap *c)
{
	uint64_t nfree = 0, inlists = 0, off;
	size_t i, n = SVMT_HEAP_NSMALL + SVMT_HEAP_NLARGE;

	for (off = c->arena; off < c->size; off += bsize(B(c, off)))
		nfree += !(B(c, off)->sz & ALLOC);
	for (i = 0; i < n; i++) {
		uint64_t *head = i < SVMT_HEAP_NSMALL ? &c->h->small[i]
						       : &c->h->large[i - SVMT_HEAP_NSMALL];
		uint64_t prev = 0;

		for (off = *head; off; prev = off, off = L(c, off)->next) {
			if (!off_ok(c, off) || B(c, off)->sz & ALLOC ||
			    list_of(c, bsize(B(c, off))) != head ||
			    L(c, off)->prev != prev || ++inlists > nfree)
				return svmt_fail(SVMT_ECORRUPT, "heap free lists "
						 "disagree with the blocks");
		}
	}
	if (inlists != nfree)
		return svmt_fail(SVMT_ECORRUPT, "%" PRIu64 " free heap blocks, "
				 "%" PRIu64 " in the free lists", nfree, inlists);
	return 0;
}

int svmt_heap_check(void *base, uint64_t size)
{
	struct svmt_heap_hdr *h = base;
	struct heap c = { base, size, h->arena_off, h };
	uint64_t used = c.h->used, objects = c.h->objects;
	int rc = svmt_heap_validate(c.h, size);

	if (!rc && c.h->damaged)
		rc = svmt_fail(SVMT_ECORRUPT, "heap marked damaged");
	if (!rc)
		rc = walk(&c, false, NULL);
	if (!rc)
		rc = check_lists(&c);
	if (!rc) { /* the counters, recomputed the same way */
		uint64_t u = c.arena, o = 0, off;

		for (off = c.arena; off < size; off += bsize(B(&c, off)))
			if (B(&c, off)->sz & ALLOC) {
				u += bsize(B(&c, off));
				o++;
			}
		if (u != used || o != objects)
			rc = svmt_fail(SVMT_ECORRUPT, "heap counters disagree "
				       "with the blocks");
	}
	return rc;
}

int svmt_heap_repair(void *ctx)
{
	struct svmt_heap_ctx *hc = ctx;
	struct heap c = { hc->base, hc->size, hc->arena, (void *)hc->base };
	int rc = walk(&c, true, &hc->reclaimed);

	/* Blocks that cannot be walked are never handed out again. */
	c.h->damaged = rc ? 1 : 0;
	return rc;
}

/* ------------------------------------------------------- alloc and free */

/* Block size for a request of @n bytes; 0 when it cannot be met. */
static inline uint64_t need_for(size_t n)
{
	if (n > (SIZE_MAX >> 1))
		return 0;
	n = (n + HDR + 15) & ~(size_t)15;
	return n < MIN_BLOCK ? MIN_BLOCK : n;
}

/* Turn free block @off (unlinked) into an allocated one of @need bytes,
 * giving the rest back when it can hold a block. */
static void take(const struct heap *c, uint64_t off, uint64_t need)
{
	struct blk *b = B(c, off);
	uint64_t sz = bsize(b);

	SVMT_CRASH_POINT();
	if (sz - need >= MIN_BLOCK) {
		struct blk *r = B(c, off + need), *n = next_of(c, off, sz);

		r->sz = sz - need;       /* free */
		r->prev = need;
		SVMT_CRASH_POINT();
		if (n)
			n->prev = sz - need;
		b->sz = need | ALLOC;    /* the chain now has both */
		SVMT_CRASH_POINT();
		list_push(c, off + need);
	} else {
		b->sz = sz | ALLOC;
		need = sz;
	}
	c->h->used += need;
	c->h->objects++;
	SVMT_CRASH_POINT();
}

/* Give back the tail of allocated block @off past @need bytes when it can
 * hold a block of its own. */
static void trim(const struct heap *c, uint64_t off, uint64_t need)
{
	struct blk *b = B(c, off), *r, *n;
	uint64_t sz = bsize(b);

	if (sz - need < MIN_BLOCK)
		return;
	r = B(c, off + need);
	n = next_of(c, off, sz);
	r->sz = sz - need;       /* free, outside the chain until ... */
	r->prev = need;
	SVMT_CRASH_POINT();
	if (n)
		n->prev = sz - need;
	b->sz = need | ALLOC;    /* ... this store puts it in */
	c->h->used -= sz - need;
	SVMT_CRASH_POINT();
	list_push(c, off + need);
}

#define BAD UINT64_MAX

/* Unlink listed block @off for use: @off, or BAD when the heap is damaged. */
static uint64_t unlink_free(const struct heap *c, uint64_t off)
{
	if (!off_ok(c, off) || B(c, off)->sz & ALLOC ||
	    bsize(B(c, off)) > c->size - off || !list_del(c, off))
		return BAD;
	return off;
}

/* A free block of at least @need bytes, unlinked; 0 when none, BAD when
 * the lists are damaged. */
static uint64_t find(const struct heap *c, uint64_t need)
{
	unsigned k;

	if (need <= SVMT_HEAP_SMALL_MAX) {
		uint64_t off = c->h->small[need / 16];

		if (off)
			return unlink_free(c, off);
	}
	/* sizes above SVMT_HEAP_SMALL_MAX start in its power of two */
	for (k = need <= SVMT_HEAP_SMALL_MAX ? log2u(SVMT_HEAP_SMALL_MAX)
					     : log2u(need);
	     k < SVMT_HEAP_NLARGE; k++) {
		uint64_t off;
		int steps = 0;

		for (off = c->h->large[k]; off && steps < 32;
		     off = L(c, off)->next, steps++) {
			if (!off_ok(c, off))
				return BAD;
			if (bsize(B(c, off)) >= need)
				return unlink_free(c, off);
		}
	}
	/* small bins above the size asked for: split one */
	for (k = (unsigned)(need / 16) + 1; need <= SVMT_HEAP_SMALL_MAX &&
	     k < SVMT_HEAP_NSMALL; k++) {
		uint64_t off = c->h->small[k];

		if (off)
			return unlink_free(c, off);
	}
	return 0;
}

static int heap_alloc(const struct heap *c, uint64_t need, uint64_t align,
		      void **out)
{
	uint64_t want = align > HDR ? need + align + MIN_BLOCK : need;
	uint64_t off;

	if (!need || want > c->size)
		return svmt_fail(-ENOMEM, "no heap block of %" PRIu64 " bytes",
				 need);
	off = find(c, want);
	if (!off) /* merge what the fast path left apart, then retry */
		off = walk(c, true, NULL) ? BAD : find(c, want);
	if (off == BAD) {
		c->h->damaged = 1;
		return svmt_fail(SVMT_ECORRUPT, "heap damaged; run recover");
	}
	if (!off)
		return svmt_fail(-ENOMEM, "heap exhausted: no free block of %"
				 PRIu64 " bytes", want);
	if (align > HDR) { /* the address is aligned, not just the offset */
		uintptr_t at = (uintptr_t)c->base + off + HDR;
		uint64_t front = ((at + align - 1) & ~(uintptr_t)(align - 1)) - at;

		if (front && front < MIN_BLOCK)
			front += align;
		if (front) { /* give the front back as a free block */
			struct blk *b = B(c, off), *a = B(c, off + front);
			uint64_t sz = bsize(b);
			struct blk *n = next_of(c, off, sz);

			a->sz = sz - front;
			a->prev = front;
			if (n)
				n->prev = sz - front;
			b->sz = front;
			list_push(c, off);
			off += front;
		}
	}
	take(c, off, need);
	*out = c->base + off + HDR;
	return 0;
}

/* The block of a pointer the heap handed out: its offset, or an error. */
static int block_of(const struct heap *c, const void *p, uint64_t *off)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)c->base;
	struct blk *b, *n;
	uint64_t o, sz;

	if (a < lo + HDR || a - lo - HDR > c->size ||
	    !off_ok(c, a - lo - HDR))
		return svmt_fail(SVMT_EFOREIGN, "%p is not in the heap", p);
	o = a - lo - HDR;
	b = B(c, o);
	sz = bsize(b);
	if (sz < MIN_BLOCK || sz > c->size - o || !flags_ok(b->sz))
		return svmt_fail(SVMT_EFOREIGN, "%p is not a heap block", p);
	/* A free header, or what is left of one merged into a neighbour, or
	 * one in a cache: the block was given back already. */
	if (!(b->sz & ALLOC) || b->sz & CACHED)
		return svmt_fail(SVMT_EDOUBLEFREE, "heap block %p is free "
				 "already", p);
	/* an allocated one must sit in the chain: its neighbours agree */
	if ((b->prev && (b->prev > o - c->arena ||
			 bsize(B(c, o - b->prev)) != b->prev)) ||
	    (!b->prev && o != c->arena) ||
	    ((n = next_of(c, o, sz)) && n->prev != sz))
		return svmt_fail(SVMT_EFOREIGN, "%p is not a heap block", p);
	*off = o;
	return 0;
}

static void heap_free(const struct heap *c, uint64_t off)
{
	struct blk *b = B(c, off), *n;
	uint64_t sz = bsize(b);

	SVMT_CRASH_POINT();
	b->sz = sz;                      /* free: one store */
	c->h->used -= sz;
	c->h->objects--;
	SVMT_CRASH_POINT();
	if (sz <= SVMT_HEAP_SMALL_MAX) { /* the fast path: no merging */
		list_push(c, off);
		return;
	}
	n = next_of(c, off, sz);
	if (n && !(n->sz & ALLOC) && unlink_free(c, off + sz) != BAD) {
		SVMT_CRASH_POINT();
		sz += bsize(n);
		b->sz = sz;
		if ((n = next_of(c, off, sz)))
			n->prev = sz;
	}
	if (b->prev && b->prev <= off - c->arena &&
	    !(B(c, off - b->prev)->sz & ALLOC) &&
	    bsize(B(c, off - b->prev)) == b->prev &&
	    unlink_free(c, off - b->prev) != BAD) {
		uint64_t p = off - b->prev;

		SVMT_CRASH_POINT();
		sz += bsize(B(c, p));
		B(c, p)->sz = sz;
		if ((n = next_of(c, p, sz)))
			n->prev = sz;
		off = p;
	}
	list_push(c, off);
	SVMT_CRASH_POINT();
}

/* -------------------------------------------------------------- the API */

static int heap_lock(svmt_region *r, struct heap *c)
{
	struct svmt_heap_ctx hc;
	int rc;

	if (!r->has_heap)
		return svmt_fail(SVMT_ENOHEAP, "region '%s' has no heap",
				 r->name);
	if (!r->heap_arena)
		return svmt_fail(SVMT_ECORRUPT, "heap header of '%s' is damaged",
				 r->name);
	c->base = (char *)r->h + r->data_off;
	c->size = r->data_size;
	c->arena = r->heap_arena;
	c->h = (struct svmt_heap_hdr *)(void *)c->base;
	hc.base = c->base;
	hc.size = c->size;
	hc.arena = c->arena;
	rc = svmt_lock_acquire(&c->h->lock, SVMT_TAG_HEAP, r->ns->timeout_ms,
			       svmt_heap_repair, &hc, NULL);
	if (!rc && c->h->damaged) {
		svmt_lock_release(&c->h->lock);
		rc = svmt_fail(SVMT_ECORRUPT, "heap of '%s' is damaged; run "
			       "recover", r->name);
	}
	return rc;
}

static void heap_unlock(struct heap *c)
{
	svmt_lock_release(&c->h->lock);
}

/* ------------------------------------------------- the per-process cache */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Threads of one process share a handle's cache: a spin lock, held for a
 * few instructions (a refill or a return holds it under the heap lock). */
static inline void cache_lock(struct svmt_hcache *k)
{
	while (atomic_exchange_explicit(&k->busy, 1, memory_order_acquire))
		while (atomic_load_explicit(&k->busy, memory_order_relaxed))
			cpu_relax();
}

static inline void cache_unlock(struct svmt_hcache *k)
{
	atomic_store_explicit(&k->busy, 0, memory_order_release);
}

void svmt_heap_cache_new(svmt_region *r)
{
	struct svmt_hcache *k = calloc(1, sizeof(*k));

	if (!k)
		return; /* every call takes the lock then */
	/* what one process may hold back from the others */
	k->limit = r->data_size / 32 < (256 << 10) ? r->data_size / 32
						   : (256 << 10);
	r->hcache = k;
}

void svmt_heap_cache_forget(svmt_region *r)
{
	if (r->hcache) {
		memset(r->hcache->n, 0, sizeof(r->hcache->n));
		r->hcache->bytes = 0;
		atomic_store(&r->hcache->busy, 0);
	}
}

/* Put @off (allocated, not cached) in the cache, marked with its owner. */
static inline void cache_put(struct svmt_hcache *k, char *base, uint64_t off,
			     uint64_t sz)
{
	struct owner *o = (struct owner *)(void *)(base + off + HDR);
	const struct svmt_ident *me = svmt_self();

	o->pid = me->pid;
	o->start = me->start;
	__atomic_store_n(&((struct blk *)(void *)(base + off))->sz,
			 sz | ALLOC | CACHED, __ATOMIC_RELEASE);
	k->off[sz / 16][k->n[sz / 16]++] = off;
	k->bytes += sz;
}

/* Give the cache's blocks of class @cls (all classes: -1) back to the
 * locked heap, keeping @keep of each. */
static void cache_return(const struct heap *c, struct svmt_hcache *k, int cls,
			 unsigned keep)
{
	int i = cls < 0 ? 0 : cls;
	int end = cls < 0 ? (int)SVMT_HEAP_NSMALL : cls + 1;

	for (; i < end; i++)
		while (k->n[i] > keep) {
			uint64_t off = k->off[i][--k->n[i]];
			struct blk *b = B(c, off);

			k->bytes -= (uint64_t)i * 16;
			/* ours unless the heap was rebuilt meanwhile */
			if (off_ok(c, off) && b->sz == ((uint64_t)i * 16 | ALLOC |
							CACHED)) {
				b->sz = (uint64_t)i * 16 | ALLOC;
				heap_free(c, off);
			}
		}
}

void svmt_heap_cache_flush(svmt_region *r)
{
	struct svmt_hcache *k = r->hcache;
	struct heap c;

	if (!k || !r->has_heap)
		return;
	cache_lock(k);
	if (k->bytes && !heap_lock(r, &c)) {
		cache_return(&c, k, -1, 0);
		heap_unlock(&c);
	}
	/* a heap it could not lock keeps them: recover frees them later */
	memset(k->n, 0, sizeof(k->n));
	k->bytes = 0;
	cache_unlock(k);
}

/*
 * The lock-free part of a free: a small allocated block of this heap goes
 * into the cache.  1 when done, 0 to take the locked path, or an error.
 */
static int cache_free(svmt_region *r, void *p)
{
	struct svmt_hcache *k = r->hcache;
	char *base = (char *)r->h + r->data_off;
	uintptr_t a = (uintptr_t)p;
	uint64_t off, sz, w;

	if (a < (uintptr_t)base + r->heap_arena + HDR ||
	    a - (uintptr_t)base > r->data_size - MIN_BLOCK + HDR ||
	    (a - (uintptr_t)base) & (HDR - 1))
		return 0; /* the locked path says why */
	off = a - (uintptr_t)base - HDR;
	w = __atomic_load_n(&((struct blk *)(void *)(base + off))->sz,
			    __ATOMIC_RELAXED);
	sz = w & ~FLAGS;
	if ((w & (ALLOC | CACHED)) != ALLOC || sz < MIN_BLOCK ||
	    sz > SVMT_HEAP_SMALL_MAX || !flags_ok(w) ||
	    sz > r->data_size - off)
		return 0;
	/* the block after it knows its size while it is allocated */
	if (off + sz < r->data_size &&
	    __atomic_load_n(&((struct blk *)(void *)(base + off + sz))->prev,
			    __ATOMIC_RELAXED) != sz)
		return 0;
	cache_lock(k);
	if (k->n[sz / 16] == CACHE_CAP || k->bytes + sz > k->limit) {
		cache_unlock(k);
		return 0;
	}
	cache_put(k, base, off, sz);
	cache_unlock(k);
	return 1;
}

/* The lock-free part of an allocation: a cached block of the size. */
static void *cache_alloc(svmt_region *r, uint64_t need)
{
	struct svmt_hcache *k = r->hcache;
	char *base = (char *)r->h + r->data_off;
	uint64_t off;

	cache_lock(k);
	if (!k->n[need / 16]) {
		cache_unlock(k);
		return NULL;
	}
	off = k->off[need / 16][--k->n[need / 16]];
	k->bytes -= need;
	cache_unlock(k);
	__atomic_store_n(&((struct blk *)(void *)(base + off))->sz,
			 need | ALLOC, __ATOMIC_RELAXED);
	return base + off + HDR;
}

/* Under the heap lock: a few more blocks of @need bytes for the cache. */
static void cache_refill(const struct heap *c, struct svmt_hcache *k,
			 uint64_t need)
{
	unsigned i;

	cache_lock(k);
	for (i = 1; i < CACHE_BATCH && k->n[need / 16] < CACHE_CAP &&
		    k->bytes + need <= k->limit; i++) {
		uint64_t off = find(c, need);

		if (!off || off == BAD) /* no room: never consolidate for it */
			break;
		take(c, off, need);
		if (bsize(B(c, off)) != need) { /* too small to split: back */
			heap_free(c, off); /* it counts what take counted */
			break;
		}
		cache_put(k, c->base, off, need);
	}
	cache_unlock(k);
}

/* -------------------------------------------------------------- the API */

int svmt_heap_alloc_aligned(svmt_region *r, size_t align, size_t size,
			    void **out)
{
	uint64_t need = need_for(size);
	struct heap c;
	int rc;

	*out = NULL;
	if (align & (align - 1) || align > (1ULL << 30))
		return svmt_fail(-EINVAL, "alignment %zu is not a power of two "
				 "up to 1 GiB", align);
	if (align <= HDR && need && need <= SVMT_HEAP_SMALL_MAX && r->hcache &&
	    (*out = cache_alloc(r, need)))
		return 0;
	rc = heap_lock(r, &c);
	if (rc)
		return rc;
	rc = heap_alloc(&c, need, align, out);
	if (rc == -ENOMEM && r->hcache && r->hcache->bytes) {
		/* what this process holds back comes first */
		cache_lock(r->hcache);
		cache_return(&c, r->hcache, -1, 0);
		cache_unlock(r->hcache);
		rc = heap_alloc(&c, need, align, out);
	} else if (!rc && align <= HDR && need <= SVMT_HEAP_SMALL_MAX &&
		   r->hcache) {
		cache_refill(&c, r->hcache, need);
	}
	heap_unlock(&c);
	return rc;
}

int svmt_heap_alloc(svmt_region *r, size_t size, void **out)
{
	return svmt_heap_alloc_aligned(r, 0, size, out);
}

int svmt_heap_calloc(svmt_region *r, size_t n, size_t size, void **out)
{
	size_t bytes;
	int rc;

	*out = NULL;
	if (__builtin_mul_overflow(n, size, &bytes))
		return svmt_fail(-ENOMEM, "%zu elements of %zu bytes overflow",
				 n, size);
	rc = svmt_heap_alloc(r, bytes, out);
	if (!rc)
		memset(*out, 0, bytes);
	return rc;
}

int svmt_heap_free(svmt_region *r, void *p)
{
	struct heap c;
	uint64_t off;
	int rc;

	if (!p)
		return 0;
	if (r->hcache && r->has_heap && r->heap_arena && cache_free(r, p))
		return 0;
	rc = heap_lock(r, &c);
	if (rc)
		return rc;
	rc = block_of(&c, p, &off);
	if (!rc) {
		uint64_t sz = bsize(B(&c, off));

		heap_free(&c, off);
		/* a full cache of that size: give half of it back too */
		if (sz <= SVMT_HEAP_SMALL_MAX && r->hcache) {
			cache_lock(r->hcache);
			cache_return(&c, r->hcache, (int)(sz / 16), CACHE_CAP / 2);
			cache_unlock(r->hcache);
		}
	}
	heap_unlock(&c);
	return rc;
}

int svmt_heap_realloc(svmt_region *r, void *p, size_t size, void **out)
{
	uint64_t off, need = need_for(size), sz;
	struct blk *n;
	struct heap c;
	void *q;
	int rc;

	if (!p)
		return svmt_heap_alloc(r, size, out);
	*out = NULL;
	if (!size)
		return svmt_heap_free(r, p);
	rc = heap_lock(r, &c);
	if (rc)
		return rc;
	rc = block_of(&c, p, &off);
	if (rc)
		goto out;
	sz = bsize(B(&c, off));
	n = next_of(&c, off, sz);
	if (need && need <= sz) {
		*out = p;
	} else if (need && n && !(n->sz & ALLOC) && sz + bsize(n) >= need) {
		/* grow in place over the free block after it, allocated all
		 * along: a crash never frees what the caller holds */
		uint64_t more = bsize(n);

		if (unlink_free(&c, off + sz) == BAD) {
			c.h->damaged = 1;
			rc = svmt_fail(SVMT_ECORRUPT, "heap damaged; run recover");
			goto out;
		}
		SVMT_CRASH_POINT();
		B(&c, off)->sz = (sz + more) | ALLOC;
		c.h->used += more;
		if ((n = next_of(&c, off, sz + more)))
			n->prev = sz + more;
		trim(&c, off, need);
		*out = p;
	} else {
		rc = heap_alloc(&c, need, 0, &q);
		if (!rc) {
			memcpy(q, p, sz - HDR);
			heap_free(&c, off);
			*out = q;
		}
	}
out:
	heap_unlock(&c);
	return rc;
}

/* The largest free block: the highest non-empty list says where to look. */
static uint64_t largest_free(const struct heap *c)
{
	uint64_t best = 0, off;
	int k, steps = 0;

	for (k = SVMT_HEAP_NLARGE - 1; k >= 0 && !best; k--)
		for (off = c->h->large[k]; off && off_ok(c, off) &&
		     steps < 4096; off = L(c, off)->next, steps++)
			if (bsize(B(c, off)) > best)
				best = bsize(B(c, off));
	for (k = SVMT_HEAP_NSMALL - 1; k > 0 && !best; k--)
		if (c->h->small[k])
			best = (uint64_t)k * 16;
	return best;
}

int svmt_heap_stats_size(svmt_region *r, struct svmt_heap_stats *caller,
			 size_t size)
{
	struct svmt_heap_stats st;
	struct heap c;
	int rc;

	if (size < sizeof(uint32_t))
		return -EINVAL;
	svmt_heap_cache_flush(r); /* this process's part is exact */
	rc = heap_lock(r, &c);
	if (rc)
		return rc;
	memset(&st, 0, sizeof(st));
	st.total = c.size;
	st.used = c.h->used;
	st.free = c.size - c.h->used;
	st.largest_free = largest_free(&c);
	st.objects = c.h->objects;
	heap_unlock(&c);
	memset(caller, 0, size);
	st.struct_size = (uint32_t)(size < sizeof(st) ? size : sizeof(st));
	memcpy(caller, &st, st.struct_size);
	return 0;
}

/* ---------------------------------------------------- the read-only view */

int svmt_heap_view_fd(int fd, uint64_t data_off, uint64_t data_size,
		      struct svmt_heap_view *v)
{
	struct svmt_heap_hdr h;
	uint64_t best = 0;
	int k, rc, steps = 0;

	memset(v, 0, sizeof(*v));
	if (pread(fd, &h, sizeof(h), (off_t)data_off) != (ssize_t)sizeof(h))
		return svmt_fail(SVMT_ECORRUPT, "heap header truncated");
	rc = svmt_heap_validate(&h, data_size);
	if (rc)
		return rc;
	if (h.used < h.arena_off || h.used > data_size)
		return svmt_fail(SVMT_ECORRUPT, "heap counters out of range");
	v->total = data_size;
	v->used = h.used;
	v->free = data_size - h.used;
	v->objects = h.objects;
	v->lock_owner = h.lock.owner_pid;
	if (v->lock_owner) {
		struct svmt_ident o = { .pid = v->lock_owner,
					.start = h.lock.owner_start };

		v->lock_owner_alive = svmt_ident_alive(&o);
	}
	for (k = SVMT_HEAP_NLARGE - 1; k >= 0 && !best; k--) {
		uint64_t off = h.large[k];

		while (off >= h.arena_off && off <= data_size - MIN_BLOCK &&
		       !(off & (HDR - 1)) && steps++ < 4096) {
			struct { struct blk b; struct links l; } x;

			if (pread(fd, &x, sizeof(x), (off_t)(data_off + off)) !=
			    (ssize_t)sizeof(x))
				break;
			if (!(x.b.sz & ALLOC) && bsize(&x.b) > best &&
			    bsize(&x.b) <= data_size - off)
				best = bsize(&x.b);
			off = x.l.next;
		}
	}
	for (k = SVMT_HEAP_NSMALL - 1; k > 0 && !best; k--)
		if (h.small[k])
			best = (uint64_t)k * 16;
	v->largest_free = best;
	return 0;
}

int svmt_heap_scan_fd(int fd, uint64_t data_off, uint64_t data_size,
		      uint64_t *dead_cached)
{
	enum { CHUNK = 1 << 16 };
	struct svmt_heap_hdr h;
	struct memo memo = { 0 };
	uint64_t off, at = 0, have = 0;
	char *buf;
	int rc = 0;

	*dead_cached = 0;
	if (pread(fd, &h, sizeof(h), (off_t)data_off) != (ssize_t)sizeof(h))
		return svmt_fail(SVMT_ECORRUPT, "heap header truncated");
	rc = svmt_heap_validate(&h, data_size);
	if (rc)
		return rc;
	buf = malloc(CHUNK);
	if (!buf)
		return -ENOMEM;
	for (off = h.arena_off; off < data_size;) {
		struct blk b;
		uint64_t sz;

		/* a header and what follows it (an owner): 32 bytes at hand */
		if (off < at || off - at + MIN_BLOCK > have) {
			size_t want = data_size - off < CHUNK ? data_size - off
							       : CHUNK;
			ssize_t n = pread(fd, buf, want, (off_t)(data_off + off));

			if (n < (ssize_t)MIN_BLOCK) {
				rc = svmt_fail(SVMT_ECORRUPT, "heap truncated");
				break;
			}
			at = off;
			have = (uint64_t)n;
		}
		memcpy(&b, buf + (off - at), sizeof(b));
		sz = bsize(&b);
		if (sz < MIN_BLOCK || sz > data_size - off || !flags_ok(b.sz)) {
			rc = svmt_fail(SVMT_ECORRUPT, "heap block at 0x%" PRIx64
				       " has a bad size", off);
			break;
		}
		if (b.sz & CACHED) {
			struct owner o;

			memcpy(&o, buf + (off - at) + HDR, sizeof(o));
			*dead_cached += owner_gone(&o, &memo);
		}
		off += sz;
	}
	free(buf);
	return rc;
}
