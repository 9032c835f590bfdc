/*
 * svmtool.h - libsvmtool: shared virtual memory regions at fixed addresses
 *
 * A *namespace* (named by a root, default "default") is one object in a shm
 * directory (default /dev/shm) holding a directory of named *regions* and an
 * allocator for the namespace's address span [base, base+span).  Every
 * process that attaches reserves the whole span with MAP_FIXED_NOREPLACE and
 * maps regions at the same virtual address inside its reservation, so raw
 * pointers stored in a region's data area are valid in every process.
 *
 * Conventions
 *  - Every function that can fail returns 0 or a negative error code: a
 *    negated errno value (-ENOENT, -EEXIST, -EACCES, -EBUSY, -ETIMEDOUT,
 *    -ENOSPC, -EINVAL, -ENOMEM, ...) or one of the SVMT_E* codes below.
 *    svmt_strerror() turns either into text; svmt_errdetail() gives the
 *    details of the calling thread's last failure (e.g. which mapping clashed).
 *  - The library never prints, exits, aborts or reads the environment.
 *  - Names and roots match [A-Za-z0-9._-]{1,63}, except "." and ".."; one
 *    leading '/' is accepted and dropped.
 *  - The object of region NAME in namespace ROOT is the file "svmt:ROOT:NAME"
 *    in the shm directory; the namespace itself is "svmt:ROOT".  The mapping
 *    is injective because ':' cannot occur in a name.
 *  - Lock order: the namespace lock before a region's bookkeeping lock; the
 *    lock of svmt_region_lock() is outside that order.
 *  - A handle to a namespace removed (svmt_ns_remove) since it was opened
 *    fails with -ESTALE wherever it needs the namespace lock.
 *  - Trusted owners: root, the caller, opts.trusted_uid, the namespace's
 *    owner, and for a region the owner its creator gave it.  Objects of
 *    other owners are refused (SVMT_EUNTRUSTED), except by a read-only
 *    snapshot (SVMT_NS_RDONLY), which reads every object it can into
 *    private memory and validates it before use, whoever owns it.
 *  - Handles may be used from several threads, but not concurrently on the
 *    same handle unless a function says so.
 *  - After fork() the child keeps the parent's mappings but is not a client:
 *    it calls svmt_region_open() again to attach (which registers it and
 *    gives it a handle of its own); closing a handle inherited from the
 *    parent never touches the parent's registration.
 *
 * Growth (how this ABI stays open without new symbol versions)
 *  - Every public struct begins with `uint32_t struct_size` and only ever
 *    grows at its end.  A field is present when it lies entirely within
 *    struct_size (SVMT_HAS_FIELD()).
 *  - Structs the caller allocates (options, svmt_ns_info) are sized by the
 *    caller's compiler: svmt_ns_opts_init(), svmt_region_opts_init() and
 *    svmt_ns_info() are macros passing sizeof(*p) to the library, which
 *    reads and writes only that many bytes.
 *  - Structs the library allocates (svmt_region_info, svmt_lock_info,
 *    svmt_client_info, svmt_event) are reached only through pointers, never
 *    as arrays: lists are opaque (svmt_region_list) with accessors.
 *  - On disk, both headers carry ext4-style feature words and their own
 *    size; an object that uses a feature this version does not know is
 *    refused with SVMT_EFEATURE ("made by a newer svmtool"), or, for a
 *    read-only-compatible feature, may be listed but not changed.
 */
#ifndef SVMTOOL_H
#define SVMTOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SVMT_EXPORT __attribute__((visibility("default")))

#define SVMT_VERSION_STRING "1.0.0"

#define SVMT_DEFAULT_ROOT "default"
#define SVMT_DEFAULT_SHM_DIR "/dev/shm"
#define SVMT_FILE_PREFIX "svmt:"
#ifndef SVMT_DEFAULT_BASE
#define SVMT_DEFAULT_BASE 0x130000000ULL /* sanitizer builds override this */
#endif
#define SVMT_DEFAULT_SPAN (64ULL << 30)
#define SVMT_DEFAULT_CAPACITY 256u
#define SVMT_DEFAULT_MAX_CLIENTS 64u
#define SVMT_MAX_CAPACITY 65536u
#define SVMT_MAX_CLIENTS 4096u
#define SVMT_NAME_MAX 63

/* Is @field of the struct at @p within the size it records? */
#define SVMT_HAS_FIELD(p, field)                                             \
	(offsetof(__typeof__(*(p)), field) + sizeof((p)->field) <=           \
	 (p)->struct_size)

/* Error codes beyond errno (all negative). */
enum svmt_error {
	SVMT_ECORRUPT = -1000,      /* object fails validation; never followed */
	SVMT_EVERSION = -1001,      /* object has an unknown layout version */
	SVMT_ECLASH = -1002,        /* span overlaps an existing mapping */
	SVMT_ENAME = -1003,         /* invalid region or root name */
	SVMT_EDIRFULL = -1004,      /* region directory at capacity */
	SVMT_ENOVA = -1005,         /* no free extent large enough in the span */
	SVMT_ECLIENTFULL = -1006,   /* region client table full */
	SVMT_EUNTRUSTED = -1007,    /* object owned by an untrusted user */
	SVMT_ESIZE = -1008,         /* region exists with a different size */
	SVMT_EINITFN = -1009,       /* the creator's init callback failed */
	SVMT_ENOTATTACHED = -1010,  /* namespace opened without an address reservation */
	SVMT_ENOTRECOVERABLE = -1011, /* lock unusable; run recover */
	SVMT_ERDONLY = -1012,       /* namespace handle is read-only */
	SVMT_EFEATURE = -1013,      /* object made by a newer svmtool: it uses
				       a feature this version does not know */
	SVMT_ENONS = -1014,         /* no such namespace */
	SVMT_ENOHEAP = -1015,       /* the region has no heap */
	SVMT_EFOREIGN = -1016,      /* pointer is not a block of this heap */
	SVMT_EDOUBLEFREE = -1017,   /* heap block is free already */
};

/** Text for an error code (negative errno or SVMT_E*).  Static storage. */
SVMT_EXPORT const char *svmt_strerror(int err);

/**
 * Details of the calling thread's last failed call, such as
 * "address range 0x130000000-0x1130000000 in use by [heap]", or "" when
 * there are none.  Valid until the thread's next libsvmtool call.
 */
SVMT_EXPORT const char *svmt_errdetail(void);

/** The library version, e.g. "1.0.0". */
SVMT_EXPORT const char *svmt_version(void);

/**
 * Check a region or root name.  Returns 0 if valid (a leading '/' is
 * allowed), SVMT_ENAME otherwise.
 */
SVMT_EXPORT int svmt_name_check(const char *name);

/* ---------------------------------------------------------------- namespaces */

typedef struct svmt_ns svmt_ns;

enum svmt_ns_flags {
	SVMT_NS_CREATE = 1u << 0,   /* create the namespace if it does not exist */
	SVMT_NS_EXCL = 1u << 1,     /* with CREATE: fail with -EEXIST if it exists */
	SVMT_NS_NOATTACH = 1u << 2, /* do not reserve the span: admin use only */
	SVMT_NS_RDONLY = 1u << 3,   /* read-only snapshot; implies NOATTACH; never
				       locks or writes anything */
};

struct svmt_ns_opts {
	uint32_t struct_size; /* set by svmt_ns_opts_init() */
	const char *shm_dir;  /* NULL: SVMT_DEFAULT_SHM_DIR */
	const char *root;     /* NULL: SVMT_DEFAULT_ROOT */
	unsigned flags;       /* enum svmt_ns_flags */
	int timeout_ms;       /* lock and creation waits; <0 forever, 0 no wait */
	/* Used only when the namespace is created: */
	uint64_t base;        /* 0: SVMT_DEFAULT_BASE; page aligned */
	uint64_t span;        /* 0: SVMT_DEFAULT_SPAN; page multiple */
	uint32_t capacity;    /* directory capacity; 0: SVMT_DEFAULT_CAPACITY */
	mode_t mode;          /* creation mode, umask applies (default 0600) */
	uid_t owner;          /* (uid_t)-1: the caller */
	gid_t group;          /* (gid_t)-1: the caller's */
	/* Objects owned by root, by the caller or by this uid are trusted. */
	uid_t trusted_uid;    /* (uid_t)-1: none extra */
	uint64_t reserved[8]; /* zero */
};

/**
 * Fill @o with the defaults above and record its size.  Always call before
 * setting fields (the macro passes the caller's sizeof).
 */
SVMT_EXPORT void svmt_ns_opts_init_size(struct svmt_ns_opts *o, size_t size);
#define svmt_ns_opts_init(o) svmt_ns_opts_init_size((o), sizeof(*(o)))

/**
 * Open (or with SVMT_NS_CREATE create) a namespace.  Unless NOATTACH or
 * RDONLY is given, the span is reserved in this process with
 * MAP_FIXED_NOREPLACE and the namespace object is mapped at its base; a clash
 * returns SVMT_ECLASH and svmt_errdetail() names the clashing mapping.
 * Opening an attached namespace twice in one process returns the same handle
 * with a reference count.  On success *out owns a handle for svmt_ns_close().
 * Errors: SVMT_ENONS (no namespace, no CREATE), -ENOENT (no shm
 * directory), -EEXIST (EXCL), SVMT_ENAME, SVMT_ECORRUPT, SVMT_EVERSION,
 * SVMT_EFEATURE (made by a newer svmtool; with read-only-compatible
 * features only, RDONLY opens still work), SVMT_EUNTRUSTED, SVMT_ECLASH,
 * -EINVAL (bad base/span/capacity, or @o not set up by svmt_ns_opts_init),
 * -ETIMEDOUT, -ENOSPC, negated errno.
 */
SVMT_EXPORT int svmt_ns_open(const struct svmt_ns_opts *o, svmt_ns **out);

/**
 * Release a handle.  The last release of an attached namespace unmaps the
 * whole span; regions still open through it must be closed first (their
 * handles are closed here, detaching as svmt_region_close() does).
 */
SVMT_EXPORT void svmt_ns_close(svmt_ns *ns);

struct svmt_ns_info {
	uint32_t struct_size;       /* bytes the library filled in */
	char root[SVMT_NAME_MAX + 1];
	uint64_t base, span;        /* the namespace's address span */
	uint64_t root_size;         /* bytes of the namespace object at base */
	uint32_t capacity, count;   /* directory capacity and regions in it */
	uint64_t free_bytes;        /* free address space for regions */
	uint64_t largest_free;      /* largest free extent */
	uint32_t free_extents;      /* number of free extents */
	uid_t uid;
	gid_t gid;
	mode_t mode;
	int64_t ctime;              /* creation time, seconds since the epoch */
	int attached;               /* span reserved in this process */
	uint32_t page_size;         /* page size the layout was made for */
	/* The namespace's own lock, read without taking it: */
	pid_t lock_owner;           /* 0: free; -1: died before recording */
	int lock_owner_alive;
	uint32_t lock_tag;
	char lock_tag_name[16];     /* "" when free */
};

/**
 * Describe the namespace (a consistent copy taken under its lock) into
 * @out, writing at most @size bytes (the macro passes sizeof(*out)).
 */
SVMT_EXPORT int svmt_ns_info_size(svmt_ns *ns, struct svmt_ns_info *out,
				  size_t size);
#define svmt_ns_info(ns, out) svmt_ns_info_size((ns), (out), sizeof(*(out)))

/**
 * Remove the namespace object of an empty namespace.  -EBUSY while it holds
 * regions, SVMT_ENONS if it does not exist.  Handles open elsewhere keep
 * their mapping.
 */
SVMT_EXPORT int svmt_ns_remove(const struct svmt_ns_opts *o);

/* ------------------------------------------------------------------ regions */

typedef struct svmt_region svmt_region;

enum svmt_region_flags {
	SVMT_REGION_CREATE = 1u << 0,     /* create if missing */
	SVMT_REGION_EXCL = 1u << 1,       /* with CREATE: -EEXIST if it exists */
	SVMT_REGION_PERSISTENT = 1u << 2, /* stays when the last client detaches;
					     otherwise the last client out
					     destroys it */
	SVMT_REGION_EXACT_MODE = 1u << 3, /* apply mode exactly (no umask) */
	SVMT_REGION_HEAP = 1u << 4,       /* with CREATE: the data area is a
					     heap (svmt_heap_alloc()) */
};

/* Flags recorded in a region (svmt_region_info.flags). */
enum svmt_region_rflags {
	SVMT_RF_PERSISTENT = 1u << 0,
	SVMT_RF_HEAP = 1u << 1,     /* the data area is a heap */
	SVMT_RF_FILE = 1u << 2,     /* reserved for a file-backed data area */
};

struct svmt_region_opts {
	uint32_t struct_size; /* set by svmt_region_opts_init() */
	uint64_t size;        /* data area bytes (rounded up to pages); 0 when
				 opening: any size; with CREATE: required */
	unsigned flags;       /* enum svmt_region_flags */
	mode_t mode;          /* default 0600, umask applies unless EXACT_MODE */
	uid_t owner;          /* (uid_t)-1: the caller */
	gid_t group;          /* (gid_t)-1: the caller's */
	uint32_t max_clients; /* 0: SVMT_DEFAULT_MAX_CLIENTS */
	uint64_t user_ctx;    /* opaque value stored in the header */
	/*
	 * Called by the creator only, with the data area mapped at its final
	 * address, before the region is published READY; openers wait (bounded
	 * by the namespace timeout) until it returns.  A non-zero return aborts
	 * the creation (SVMT_EINITFN).
	 */
	int (*init)(void *data, uint64_t size, void *arg);
	void *init_arg;
	uint64_t reserved[8]; /* zero */
	/*
	 * With CREATE: keep the data area in this regular file (an absolute
	 * path, opened without following a symlink; created with the region's
	 * mode and owner, extended when shorter, never truncated: a longer one
	 * is -EINVAL).  The file outlives the region: creating a region on it
	 * again gives its bytes back.  Not with SVMT_REGION_HEAP.
	 */
	const char *file;
};

/** Fill @o with the defaults above and record its size (as for namespaces). */
SVMT_EXPORT void svmt_region_opts_init_size(struct svmt_region_opts *o,
					    size_t size);
#define svmt_region_opts_init(o) svmt_region_opts_init_size((o), sizeof(*(o)))

/**
 * Open region @name of @ns, creating it as @o says.
 *
 * With @out non-NULL the region is attached: mapped at its address inside
 * the namespace reservation (the namespace must be attached) and this process
 * is registered as a client.  Opening the same region again in this process
 * returns the same handle with a reference count; a handle is the region's,
 * not the name's: once the region was removed (and perhaps made again), the
 * name leads to a new handle and the old one keeps what it maps until
 * closed.
 *
 * With @out NULL (creation only, @o must have SVMT_REGION_CREATE) the region
 * is created, or found to exist, without attaching; this works on a
 * NOATTACH namespace.
 *
 * A region being created by a live process is waited for (bounded by the
 * namespace timeout, then -ETIMEDOUT); one left half-created by a dead
 * process is taken over when CREATE is given.  Creation is exclusive:
 * racing creators yield exactly one region.  The object gets its final mode
 * and owner before anyone can open it, and its storage is allocated with
 * posix_fallocate, so a full shm directory gives -ENOSPC here, never SIGBUS
 * later.
 *
 * The init callback must not call libsvmtool on the same namespace handle.
 *
 * Errors: -ENOENT, -EEXIST, SVMT_ESIZE (exists with another size),
 * SVMT_ENAME, -EINVAL, SVMT_EDIRFULL, SVMT_ENOVA (no free extent large
 * enough now), -EFBIG (larger than the namespace's span can ever hold),
 * -ENOSPC, SVMT_ECLIENTFULL, SVMT_ECORRUPT, SVMT_EFEATURE (made by a newer
 * svmtool), SVMT_EUNTRUSTED, SVMT_EINITFN, SVMT_ENOTATTACHED,
 * -ETIMEDOUT, -EBUSY (the region keeps being replaced, or this process
 * still maps its addresses), -EAGAIN (a creation lost its claim), -ESTALE,
 * negated errno.
 */
SVMT_EXPORT int svmt_region_open(svmt_ns *ns, const char *name,
				 const struct svmt_region_opts *o,
				 svmt_region **out);

/**
 * Detach: release the region lock if this process holds it, unregister
 * this process, unmap the region (its addresses stay reserved) and free the
 * handle.  If the region is not persistent and this
 * was its last client, it is destroyed.  Returns 0 or a negative error code;
 * the handle is freed in every case.
 */
SVMT_EXPORT int svmt_region_close(svmt_region *r);

/** The data area (valid at the same address in every attached process). */
SVMT_EXPORT void *svmt_region_data(const svmt_region *r);
/** Size of the data area in bytes (a page multiple). */
SVMT_EXPORT uint64_t svmt_region_data_size(const svmt_region *r);
/** Virtual base and size of the whole region (header page(s) + data). */
SVMT_EXPORT uint64_t svmt_region_base(const svmt_region *r);
SVMT_EXPORT uint64_t svmt_region_size(const svmt_region *r);
/** The region's name (owned by the handle). */
SVMT_EXPORT const char *svmt_region_name(const svmt_region *r);

/**
 * Take the region's robust process-shared lock for the data area, recording
 * this process and @tag (any value, shown by list) as its owner.
 * @timeout_ms <0 waits forever, 0 tries once.  If the previous owner died
 * holding it, the lock is made consistent and taken; the data area is the
 * caller's to check: svmt_region_lock_recovered() says so.  This lock guards
 * the data only: attaching and detaching use a separate bookkeeping lock and
 * never wait for it.  Errors: -ETIMEDOUT, -EDEADLK (this thread holds it),
 * SVMT_ENOTRECOVERABLE (run svmt_recover()).
 */
SVMT_EXPORT int svmt_region_lock(svmt_region *r, uint32_t tag, int timeout_ms);
/**
 * 1 when the last successful svmt_region_lock() on @r found that a process
 * died holding the lock (the data area may be half-updated: check or repair
 * it before unlocking), 0 otherwise.  The news is sticky: it is kept in the
 * region, also when svmt_recover() (svmtool recover) took the dead
 * process's lock or rebuilt a broken one, and every later locker in every
 * process is told until one calls svmt_region_lock_ack().
 */
SVMT_EXPORT int svmt_region_lock_recovered(const svmt_region *r);

/**
 * Say that the data area is whole again after a recovered lock: clears the
 * sticky news svmt_region_lock_recovered() reports.  The caller must hold
 * the lock (svmt_region_lock()); -EPERM otherwise.
 */
SVMT_EXPORT int svmt_region_lock_ack(svmt_region *r);

/** Release the lock taken by svmt_region_lock() in this thread: -EPERM
 * when this thread does not hold it. */
SVMT_EXPORT int svmt_region_unlock(svmt_region *r);

/* ------------------------------------------------------------- data I/O */

enum svmt_io_flags {
	SVMT_IO_LOCK = 1u << 0, /* hold the region's data lock (the one of
				   svmt_region_lock()) around the transfer */
};

/**
 * Copy @len bytes at @offset of region @name's data area into @buf, or
 * (pwrite) from @buf into it, through the object file: the caller does not
 * attach or register as a client, so it can never be a last client out,
 * and nothing is mapped but, with SVMT_IO_LOCK, the header for its lock
 * (waited for as long as the namespace's timeout).  The range must lie in
 * the data area, else -ERANGE and nothing is transferred.  Reading needs no
 * trust in the object's owner (as svmt_list()); writing, or locking, needs
 * a handle that is not read-only and an owner the handle trusts.
 * Returns @len, or a negative error code: -ENOENT (no such region),
 * -ERANGE, -EINVAL (flags), SVMT_ENAME, SVMT_ECORRUPT (the object fails
 * validation or is shorter than its header says), SVMT_EUNTRUSTED,
 * SVMT_ERDONLY, -ETIMEDOUT, -EINTR, SVMT_ENOTRECOVERABLE, negated errno.
 */
SVMT_EXPORT ssize_t svmt_region_pread(svmt_ns *ns, const char *name,
				      void *buf, size_t len, uint64_t offset,
				      unsigned flags);
SVMT_EXPORT ssize_t svmt_region_pwrite(svmt_ns *ns, const char *name,
				       const void *buf, size_t len,
				       uint64_t offset, unsigned flags);

/**
 * The region's root slot (user_ctx): one pointer-sized value, stored and
 * loaded atomically, so that a process can publish the address of its
 * top-level structure and the others find it.  0 or a negative code.
 */
SVMT_EXPORT int svmt_region_set_root(svmt_region *r, void *p);
SVMT_EXPORT void *svmt_region_get_root(const svmt_region *r);

/* --------------------------------------------------------------- heaps */

/*
 * A region created with SVMT_REGION_HEAP has a heap over its whole data
 * area, usable by every attached process: blocks are at the same address
 * everywhere, so pointers to them may be stored in the region.  The heap
 * has its own robust lock (taken through the library's lock wrapper, with
 * the namespace timeout); a process killed in the middle of an operation
 * leaves a heap the next caller repairs, never one that hands out memory
 * twice.  Each process keeps a few blocks it freed (small ones, a
 * bounded amount) cached for its next allocations, which then take no
 * lock; they count as used until it detaches or calls svmt_heap_stats(),
 * and recover returns those of a process that died.  The functions are
 * thread-safe, not async-signal-safe.  They take an attached region and
 * return 0 or a negative code: SVMT_ENOHEAP (no heap), -ENOMEM (exhausted), SVMT_EFOREIGN (a
 * pointer this heap did not give), SVMT_EDOUBLEFREE, SVMT_ECORRUPT (a
 * damaged heap: run svmt_recover()), -ETIMEDOUT.
 */

/** Allocate @size bytes, 16-byte aligned, into *out (NULL on failure). */
SVMT_EXPORT int svmt_heap_alloc(svmt_region *r, size_t size, void **out);
/** Allocate @n * @size zeroed bytes (overflow: -ENOMEM). */
SVMT_EXPORT int svmt_heap_calloc(svmt_region *r, size_t n, size_t size,
				 void **out);
/** Allocate @size bytes aligned to @align (a power of two up to 1 GiB;
 * -EINVAL otherwise). */
SVMT_EXPORT int svmt_heap_alloc_aligned(svmt_region *r, size_t align,
					size_t size, void **out);
/**
 * Resize block @p (NULL: allocate) to @size bytes (0: free it, *out NULL),
 * in place when it can; the contents are kept up to the smaller size.  On
 * failure @p is unchanged.
 */
SVMT_EXPORT int svmt_heap_realloc(svmt_region *r, void *p, size_t size,
				  void **out);
/** Free block @p (NULL: nothing). */
SVMT_EXPORT int svmt_heap_free(svmt_region *r, void *p);

struct svmt_heap_stats {
	uint32_t struct_size;  /* bytes filled in */
	uint64_t total;        /* bytes of the heap (the data area) */
	uint64_t used;         /* its header and allocated blocks */
	uint64_t free;         /* total - used */
	uint64_t largest_free; /* the largest free block, its 16-byte
				  header included */
	uint64_t objects;      /* allocated blocks */
};

/** Describe the heap into @out (at most @size bytes: the macro passes
 * sizeof(*out)), after giving back this process's cached blocks. */
SVMT_EXPORT int svmt_heap_stats_size(svmt_region *r,
				     struct svmt_heap_stats *out, size_t size);
#define svmt_heap_stats(r, out) svmt_heap_stats_size((r), (out), sizeof(*(out)))

enum svmt_remove_flags {
	SVMT_REMOVE_FORCE = 1u << 0, /* remove even with live clients, or when
					the object is corrupt */
};

/**
 * Remove region @name: frees its directory entry and address extent and
 * unlinks its object.  -EBUSY while live clients are attached (dead ones do
 * not count) unless SVMT_REMOVE_FORCE; attached processes keep their mapping
 * until they detach.  A corrupt or untrusted object is removed only with
 * SVMT_REMOVE_FORCE, and so is an object that is not in the directory
 * (-ENOENT otherwise).  Works on a NOATTACH namespace.
 */
SVMT_EXPORT int svmt_region_remove(svmt_ns *ns, const char *name,
				   unsigned flags);

/* ------------------------------------------------------ read-only listing */

enum svmt_state {
	SVMT_STATE_READY = 0,   /* usable */
	SVMT_STATE_INIT = 1,    /* being created (creator alive or not) */
	SVMT_STATE_CORRUPT = 2, /* object fails validation (see error) */
	SVMT_STATE_MISSING = 3, /* directory entry without an object */
	SVMT_STATE_ORPHAN = 4,  /* object not in the directory */
	SVMT_STATE_NEWER = 5,   /* made by a newer svmtool: uses a feature this
				   version does not know (see error, detail) */
};

struct svmt_client_info {
	uint32_t struct_size;
	pid_t pid;
	uint64_t start_time;  /* clock ticks since boot (/proc/PID/stat) */
	int alive;            /* 0: ghost (dead, zombie or pid reused) */
};

struct svmt_lock_info {
	uint32_t struct_size;
	pid_t owner;          /* 0: free */
	uint32_t tag;         /* operation tag recorded by the owner */
	char tag_name[16];    /* "create", "open", ..., "user" for
				 svmt_region_lock(); "" when free */
	int owner_alive;
	uint32_t recoveries;  /* times a dead owner's lock was recovered */
};

/*
 * What the read-only view knows of one region.  Allocated by the library
 * (svmt_list(), svmt_region_stat()); grows at its end.
 */
struct svmt_region_info {
	uint32_t struct_size;
	char name[SVMT_NAME_MAX + 1];
	int state;            /* enum svmt_state */
	int error;            /* for CORRUPT, NEWER: the validation error */
	char detail[96];      /* for CORRUPT, NEWER: what failed */
	uint64_t base, size;  /* virtual extent of the whole region */
	uint64_t data_base, data_size;
	uint64_t user_ctx, generation;
	uint32_t flags;       /* enum svmt_region_rflags */
	int in_directory;     /* the directory has an entry for it */
	mode_t mode;          /* of the object; 0 when there is none */
	uid_t uid;            /* (uid_t)-1 when there is no object */
	gid_t gid;            /* (gid_t)-1 when there is no object */
	int64_t ctime;        /* seconds since the epoch */
	pid_t creator;        /* for INIT: the creating process */
	int creator_alive;
	const struct svmt_lock_info *lock; /* never NULL */
	uint32_t nclients, nghosts;
	/* nclients pointers (NULL when there are none) */
	const struct svmt_client_info *const *clients;
	uint32_t compat, ro_compat, incompat; /* the object's feature words */
	/* With SVMT_RF_HEAP in flags (otherwise 0): */
	uint64_t data_heap;   /* address of the heap: the data area */
	uint64_t heap_total, heap_used, heap_free, heap_largest_free;
	uint64_t heap_objects;
	/* With SVMT_RF_FILE in flags: the file that holds the data area. */
	char file[256];
	/* The object's identity (st_dev, st_ino) when it was read; 0 when
	 * there is no object.  What /proc/PID/maps shows of its mappings. */
	uint64_t obj_dev, obj_ino;
};

/* The result of svmt_list(): opaque, read through the accessors below. */
typedef struct svmt_region_list svmt_region_list;

/**
 * Describe every region of the namespace, sorted by name, including
 * half-created, corrupt, missing, orphan and newer ones.  Strictly
 * read-only: it never attaches, locks, creates or changes anything (objects
 * are read with pread and validated before use).  On success *out owns a
 * list for svmt_list_free().
 */
SVMT_EXPORT int svmt_list(svmt_ns *ns, svmt_region_list **out);
/** Number of regions in @l. */
SVMT_EXPORT size_t svmt_list_count(const svmt_region_list *l);
/** Region @i (0 <= i < count, sorted by name) of @l, owned by @l; NULL
 * when @i is out of range. */
SVMT_EXPORT const struct svmt_region_info *
svmt_list_get(const svmt_region_list *l, size_t i);
/** The region called @name (a leading '/' is ignored), or NULL. */
SVMT_EXPORT const struct svmt_region_info *
svmt_list_find(const svmt_region_list *l, const char *name);
/** Free a list and every region in it (NULL is fine). */
SVMT_EXPORT void svmt_list_free(svmt_region_list *l);

/**
 * Describe the one region @name as svmt_list() would, without reading the
 * others: one directory lookup and one header read, whatever the size of
 * the namespace.  A region whose object is not in the directory (an
 * orphan) is described too.  On success *out (free with
 * svmt_region_info_free()) is the description.  Errors: -ENOENT (neither
 * in the directory nor in the shm directory), SVMT_ENAME, -ENOMEM,
 * SVMT_ECORRUPT (the namespace object); a region that fails validation is
 * returned in state CORRUPT or NEWER.
 */
SVMT_EXPORT int svmt_region_stat(svmt_ns *ns, const char *name,
				 struct svmt_region_info **out);
SVMT_EXPORT void svmt_region_info_free(struct svmt_region_info *ri);

enum svmt_format_flags {
	SVMT_FORMAT_VERBOSE = 1u << 0, /* flags, data and VM lines too */
};

/**
 * Format @ri like the 2009 format_svm_region, 64-bit clean:
 *
 *   NAME: base va 0x0000000130026000 size 0x1021000 (16 mb)
 *     user_ctx 0x0, generation 1
 *     flags: 0x1 PERSISTENT                       (verbose)
 *     data_base 0x0000000130027000 data_size 0x1020000 (verbose)
 *     2 clients, pids: 4242 5151(dead)
 *     lock: free
 *     VM in use:                                  (verbose)
 *       0x0000000130026000 - 0x0000000131046fff (16516k)
 *
 * *out is a malloc'ed, NUL-terminated string ending in a newline.  @ri
 * comes from the library, or from a caller that zeroed it, set struct_size
 * and pointed lock at a struct svmt_lock_info; fields past struct_size
 * count as absent.
 */
SVMT_EXPORT int svmt_format_region(const struct svmt_region_info *ri,
				   unsigned flags, char **out);

/* -------------------------------------------------------- scan and recover */

enum svmt_event_kind {
	SVMT_EV_GHOST = 1,        /* dead client (pid, start_time) */
	SVMT_EV_DESTROYED,        /* non-persistent region left without clients */
	SVMT_EV_DEAD_LOCK_OWNER,  /* lock held by a dead process (pid) */
	SVMT_EV_HALF_CREATED,     /* region left INIT by a dead creator (pid) */
	SVMT_EV_ORPHAN,           /* object not in the directory */
	SVMT_EV_MISSING,          /* directory entry without an object */
	SVMT_EV_SPACE_LEAK,       /* allocator disagrees with the directory */
	SVMT_EV_DIRECTORY,        /* directory index inconsistent */
	SVMT_EV_CORRUPT,          /* corrupt object: reported, left alone */
	SVMT_EV_HEAP,             /* heap left inconsistent (by a process
				     killed in an operation): rebuilt */
};

struct svmt_event {
	uint32_t struct_size;
	int kind;                 /* enum svmt_event_kind */
	const char *region;       /* region name; "" for the namespace itself */
	pid_t pid;                /* GHOST, DEAD_LOCK_OWNER, HALF_CREATED */
	uint64_t start_time;      /* GHOST */
	uint64_t addr, len;       /* SPACE_LEAK: an extent lost or doubly owned */
	int fixed;                /* 1 repaired, 0 only found (dry run/left) */
	int error;                /* why it could not be fixed, or 0 */
	const char *detail;       /* human-readable details, never NULL */
};

/* Called for each finding, possibly with a namespace or region lock held:
 * it must not call libsvmtool on the same namespace. */
typedef void (*svmt_event_fn)(const struct svmt_event *ev, void *arg);

enum svmt_check_flags {
	SVMT_DRY_RUN = 1u << 0,        /* report only; change nothing */
	SVMT_SCAN_DESTROY_EMPTY = 1u << 1, /* scan: destroy non-persistent
					      regions left without clients */
};

/**
 * Find dead clients in the regions named (@names/@nnames; all when @nnames
 * is 0) and remove them, calling @fn for each (fn may be NULL).  With
 * SVMT_DRY_RUN nothing is changed (works on a RDONLY handle).  Returns 0, or
 * -ENOENT after processing the others if a named region does not exist.
 */
SVMT_EXPORT int svmt_scan(svmt_ns *ns, const char *const *names, size_t nnames,
			  unsigned flags, svmt_event_fn fn, void *arg);

/**
 * Repair the namespace: locks held by dead owners (or left not
 * recoverable), regions half-created by dead creators, directory entries
 * without objects, objects missing from the directory (entered again when
 * their extent is free, otherwise unlinked unless a process maps them), and
 * address space the allocator lost or gives twice.  Corrupt objects are reported and
 * left alone.  With SVMT_DRY_RUN it is a read-only consistency check.  With
 * @nnames > 0 only the named regions' problems are handled (plus the
 * namespace's own).  Returns 0 or a negative error code.
 */
SVMT_EXPORT int svmt_recover(svmt_ns *ns, const char *const *names,
			     size_t nnames, unsigned flags, svmt_event_fn fn,
			     void *arg);

/* ------------------------------------------------------------ SIGBUS guard */

/**
 * Install a SIGBUS handler for mappings whose file another process
 * truncates (a writer with access to an object can shorten it between the
 * library's checks and its use).  On a fault at a lost page the handler
 * maps an anonymous zero page there, records the address and lets the
 * access complete; libsvmtool calls that touched a mapping then check the
 * record and fail with SVMT_ECORRUPT ("truncated while in use") instead of
 * the process dying.  Other SIGBUS faults go to the handler that was there
 * before (or the default action).  The library never installs it by
 * itself: a program that wants it calls this once, early, before it starts
 * threads.  Idempotent.  Returns 0 or a negated errno.
 */
SVMT_EXPORT int svmt_sigbus_guard_install(void);

/**
 * Take one address off the guard's record of faults (the start of the page
 * replaced), for programs that touch region data themselves: returns 1 and
 * sets *addr (may be NULL) when there was one, 0 when none is left.
 */
SVMT_EXPORT int svmt_sigbus_pop(void **addr);

/* ------------------------------------------------------------- interrupts */

/**
 * Let every wait of this process (for a lock, for a region's creator) end
 * early once *@flag is non-zero, with -EINTR: an interactive program points
 * it at what its SIGINT handler sets, so that Ctrl-C abandons a wait.  Waits
 * check it at least every 50 ms; an uncontended lock never looks at it.
 * NULL (the default) turns it off.  The library installs no handler.
 */
SVMT_EXPORT void svmt_set_interrupt(const volatile int *flag);

#ifdef __cplusplus
}
#endif

#endif /* SVMTOOL_H */
