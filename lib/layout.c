/*
 * layout.c - the two on-disk headers: validation, feature words, sizes
 *
 * A header records its own size.  A reader accepts a header larger than
 * its own (a newer writer's) and one as small as the first layout's; fields
 * a header does not cover read as zero.  Feature words say what a reader
 * that does not know a feature may do with the object (see
 * svmtool-private.h).
 */
#include "svmtool-private.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint64_t svmt_sys_page(void)
{
	static uint64_t page;

	if (!page) {
		long p = sysconf(_SC_PAGESIZE);

		page = p > (long)SVMT_PAGE ? (uint64_t)p : SVMT_PAGE;
	}
	return page;
}

int svmt_struct_in(void *dst, size_t dsize, const void *src, size_t ssize)
{
	const unsigned char *extra = (const unsigned char *)src + dsize;
	size_t i;

	if (ssize < sizeof(uint32_t))
		return svmt_fail(-EINVAL, "struct of %zu bytes: not set up by "
				 "its _init function", ssize);
	for (i = 0; ssize > dsize && i < ssize - dsize; i++)
		if (extra[i])
			return svmt_fail(-E2BIG, "struct of %zu bytes uses "
					 "fields this version does not know",
					 ssize);
	memcpy(dst, src, ssize < dsize ? ssize : dsize);
	if (ssize < dsize)
		memset((char *)dst + ssize, 0, dsize - ssize);
	return 0;
}

int svmt_features_check(const struct svmt_features *f,
			const struct svmt_features *known, bool write,
			const char *what)
{
	uint32_t in = f->incompat & ~known->incompat;
	uint32_t ro = f->ro_compat & ~known->ro_compat;

	if (in)
		return svmt_fail(SVMT_EFEATURE, "%s made by a newer svmtool "
				 "(incompatible features 0x%x)", what, in);
	if (ro && write)
		return svmt_fail(SVMT_EFEATURE, "%s made by a newer svmtool "
				 "(read-only compatible features 0x%x): it can "
				 "be listed, not changed", what, ro);
	return 0;
}

/* Does a header of @hdr_size bytes cover the field at [@off, @off+@len)? */
static bool covers(uint32_t hdr_size, size_t off, size_t len)
{
	return off + len <= hdr_size;
}

#define HAS(h, field) covers((h)->hdr_size, offsetof(__typeof__(*(h)), field), \
			     sizeof((h)->field))

uint32_t svmt_slots_for(uint32_t capacity)
{
	uint64_t s = 4;

	if (capacity > SVMT_MAX_CAPACITY)
		return 0; /* refused by the callers */
	while (s < 2ULL * capacity)
		s <<= 1;
	return (uint32_t)s;
}

static bool page_ok(uint64_t page)
{
	return page >= SVMT_PAGE && page <= SVMT_PAGE_MAX &&
	       !(page & (page - 1));
}

int svmt_root_validate(const struct svmt_root *r, uint64_t file_size,
		       const char *root, struct svmt_geom *g)
{
	uint64_t dir_end, free_end, page;

	if (file_size < SVMT_ROOT_HDR_MIN)
		return svmt_fail(SVMT_ECORRUPT, "namespace object truncated "
				 "(%" PRIu64 " bytes)", file_size);
	if (memcmp(r->magic, SVMT_ROOT_MAGIC, sizeof(r->magic)))
		return svmt_fail(SVMT_ECORRUPT, "bad magic");
	if (r->version != SVMT_LAYOUT_VERSION)
		return svmt_fail(SVMT_EVERSION, "layout version %u, expected %u",
				 r->version, SVMT_LAYOUT_VERSION);
	if (r->hdr_size < SVMT_ROOT_HDR_MIN || r->hdr_size % 8 ||
	    r->hdr_size > file_size)
		return svmt_fail(SVMT_ECORRUPT, "header size %u", r->hdr_size);
	page = HAS(r, page_size) ? r->page_size : SVMT_PAGE;
	if (!page_ok(page))
		return svmt_fail(SVMT_ECORRUPT, "page size %" PRIu64, page);
	if (r->file_size != file_size || file_size & (page - 1))
		return svmt_fail(SVMT_ECORRUPT, "size %" PRIu64 " recorded, file "
				 "has %" PRIu64, r->file_size, file_size);
	if (!r->base || (r->base | r->span) & (page - 1) ||
	    r->span <= file_size || r->base >= SVMT_ADDR_LIMIT ||
	    r->span > SVMT_ADDR_LIMIT - r->base)
		return svmt_fail(SVMT_ECORRUPT, "bad span 0x%" PRIx64 "+0x%" PRIx64,
				 r->base, r->span);
	if (r->capacity == 0 || r->capacity > SVMT_MAX_CAPACITY ||
	    r->slots != svmt_slots_for(r->capacity) ||
	    r->free_cap != r->capacity + 1)
		return svmt_fail(SVMT_ECORRUPT, "bad directory geometry");
	/* Offsets are checked against the file before any sum can wrap. */
	if (r->dir_off < r->hdr_size || r->dir_off % 64 ||
	    r->dir_off > file_size || r->free_off > file_size)
		return svmt_fail(SVMT_ECORRUPT, "offsets past the end");
	dir_end = r->dir_off + (uint64_t)r->slots * sizeof(struct svmt_dirent);
	free_end = r->free_off + (uint64_t)r->free_cap * sizeof(struct svmt_extent);
	if (dir_end > file_size || r->free_off < dir_end || r->free_off % 8 ||
	    free_end > file_size)
		return svmt_fail(SVMT_ECORRUPT, "offsets past the end");
	/* Exactly the size its geometry needs: nothing unbounded is read. */
	if (file_size != svmt_page_up(free_end, page))
		return svmt_fail(SVMT_ECORRUPT, "size %" PRIu64 " does not fit "
				 "the directory geometry", file_size);
	if (memchr(r->root, '\0', sizeof(r->root)) == NULL ||
	    (root && strcmp(r->root, root)))
		return svmt_fail(SVMT_ECORRUPT, "object of another namespace");
	if (g) {
		g->base = r->base;
		g->span = r->span;
		g->file_size = file_size;
		g->page = page;
		g->feat.compat = HAS(r, compat) ? r->compat : 0;
		g->feat.ro_compat = HAS(r, ro_compat) ? r->ro_compat : 0;
		g->feat.incompat = HAS(r, incompat) ? r->incompat : 0;
		g->capacity = r->capacity;
		g->slots = r->slots;
		g->free_cap = r->free_cap;
		g->dir_off = r->dir_off;
		g->free_off = r->free_off;
		g->area_start = r->base + file_size;
	}
	return 0;
}

uint64_t svmt_rhdr_data_off(uint32_t max_clients, uint64_t page)
{
	return svmt_page_up(SVMT_CLIENTS_OFF +
			    (uint64_t)max_clients * sizeof(struct svmt_ident),
			    page);
}

void svmt_rhdr_features(const struct svmt_rhdr *h, struct svmt_features *f)
{
	f->compat = HAS(h, compat) ? h->compat : 0;
	f->ro_compat = HAS(h, ro_compat) ? h->ro_compat : 0;
	f->incompat = HAS(h, incompat) ? h->incompat : 0;
}

int svmt_rhdr_validate(const struct svmt_rhdr *h, uint64_t avail,
		       uint64_t file_size, uint64_t page, const char *root,
		       const char *name, bool write)
{
	static const struct svmt_features known = {
		SVMT_RGN_COMPAT_KNOWN, SVMT_RGN_RO_COMPAT_KNOWN,
		SVMT_RGN_INCOMPAT_KNOWN,
	};
	struct svmt_features f;
	uint64_t table_end;

	if (avail < SVMT_RHDR_MIN || file_size < SVMT_RHDR_MIN)
		return svmt_fail(SVMT_ECORRUPT, "region object truncated "
				 "(%" PRIu64 " bytes)", file_size);
	if (memcmp(h->magic, SVMT_RGN_MAGIC, sizeof(h->magic)))
		return svmt_fail(SVMT_ECORRUPT, "bad magic");
	if (h->version != SVMT_LAYOUT_VERSION)
		return svmt_fail(SVMT_EVERSION, "layout version %u, expected %u",
				 h->version, SVMT_LAYOUT_VERSION);
	/* A newer writer's larger header is read as far as we know it. */
	if (h->hdr_size < SVMT_RHDR_MIN || h->hdr_size % 8 ||
	    h->hdr_size > file_size ||
	    avail < (h->hdr_size < sizeof(*h) ? h->hdr_size : sizeof(*h)) ||
	    h->clients_off < h->hdr_size ||
	    h->clients_off % 64 || h->clients_off > file_size)
		return svmt_fail(SVMT_ECORRUPT, "bad header size");
	svmt_rhdr_features(h, &f);
	if (svmt_features_check(&f, &known, write, "region object"))
		return SVMT_EFEATURE;
	table_end = h->clients_off +
		    (uint64_t)h->max_clients * sizeof(struct svmt_ident);
	if (h->max_clients == 0 || h->max_clients > SVMT_MAX_CLIENTS ||
	    h->data_off != svmt_page_up(table_end, page) ||
	    h->nclients > h->max_clients)
		return svmt_fail(SVMT_ECORRUPT, "bad client table");
	if (h->data_size == 0 || h->data_size & (page - 1) ||
	    h->data_size >= SVMT_ADDR_LIMIT ||
	    h->size != h->data_off + h->data_size)
		return svmt_fail(SVMT_ECORRUPT, "bad data size");
	/* f, not h->incompat: an older header's bytes there are not ours */
	if (f.incompat & SVMT_RFEAT_INCOMPAT_FILE) {
		/* The object ends where the data would begin: it is a file. */
		if (!HAS(h, file_path) || !(h->flags & SVMT_RF_FILE) ||
		    h->file_path[0] != '/' ||
		    !memchr(h->file_path, '\0', sizeof(h->file_path)))
			return svmt_fail(SVMT_ECORRUPT, "bad data file record");
		if (h->data_off != file_size)
			return svmt_fail(SVMT_ECORRUPT, "header 0x%" PRIx64
					 " recorded, file has 0x%" PRIx64,
					 h->data_off, file_size);
	} else if (h->size != file_size) {
		return svmt_fail(SVMT_ECORRUPT, "size 0x%" PRIx64 " recorded, "
				 "file has 0x%" PRIx64, h->size, file_size);
	}
	if (!h->base || h->base & (page - 1) ||
	    h->base >= SVMT_ADDR_LIMIT || h->size > SVMT_ADDR_LIMIT - h->base)
		return svmt_fail(SVMT_ECORRUPT, "bad base 0x%" PRIx64, h->base);
	if (!memchr(h->root, '\0', sizeof(h->root)) ||
	    !memchr(h->name, '\0', sizeof(h->name)) ||
	    (root && strcmp(h->root, root)) || (name && strcmp(h->name, name)))
		return svmt_fail(SVMT_ECORRUPT, "object names another region");
	return 0;
}

int svmt_rhdr_parse(const struct svmt_ns *ns, const void *buf, size_t n,
		    const struct stat *st, const char *name, bool write,
		    struct svmt_rhdr *h)
{
	size_t len = n < sizeof(*h) ? n : sizeof(*h);
	int rc;

	if (buf != h)
		memcpy(h, buf, len);
	rc = svmt_rhdr_validate(h, (uint64_t)len, (uint64_t)st->st_size,
				ns->g.page, ns->root_name, name, write);
	/* An older, smaller header: what follows it is not ours to read. */
	if (!rc && h->hdr_size < sizeof(*h))
		memset((char *)h + h->hdr_size, 0, sizeof(*h) - h->hdr_size);
	return rc;
}

int svmt_rhdr_read(const struct svmt_ns *ns, int fd, const struct stat *st,
		   const char *name, bool write, struct svmt_rhdr *h)
{
	ssize_t n = pread(fd, h, sizeof(*h), 0);

	if (n < 0)
		return -errno;
	return svmt_rhdr_parse(ns, h, (size_t)n, st, name, write, h);
}

int svmt_rhdr_open_file(const struct svmt_rhdr *h, int oflags)
{
	struct stat st;
	int fd = open(h->file_path, oflags | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return svmt_fail(-errno, "data file '%s' of region '%s': %s",
				 h->file_path, h->name, svmt_errno_text(errno));
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -errno;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_dev != h->file_dev ||
	    (uint64_t)st.st_ino != h->file_ino) {
		close(fd);
		return svmt_fail(SVMT_ECORRUPT, "data file '%s' of region '%s' "
				 "was replaced", h->file_path, h->name);
	}
	if ((uint64_t)st.st_size < h->data_size) {
		close(fd);
		return svmt_fail(SVMT_ECORRUPT, "data file '%s' of region '%s' "
				 "is shorter than its %" PRIu64 " bytes",
				 h->file_path, h->name, h->data_size);
	}
	return fd;
}
