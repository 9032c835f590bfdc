/*
 * io.c - bytes in and out of a region's data area without attaching
 *
 * svmt_region_pread() and svmt_region_pwrite() work on the object file with
 * pread/pwrite at the data area's offset: they never register as a client
 * (so they can never be the last client out of a region), never map the
 * data (so a truncated object is an error, never SIGBUS), and are bounded
 * by the data area (in the object, or in the data file of a file-backed
 * region).  With SVMT_IO_LOCK they hold the region's data lock
 * (the one of svmt_region_lock()) around the transfer, mapping only the
 * header for it.
 */
#include "svmtool-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

/* The open object of region @name and its validated header. */
static int io_open(struct svmt_ns *ns, const char *name, bool write,
		   bool lock, struct svmt_rhdr *hdr, int *fdp)
{
	char nm[SVMT_NAME_MAX + 1];
	struct stat st;
	uid_t owner;
	int fd, rc;

	if (svmt_name_norm(name, nm))
		return svmt_fail(SVMT_ENAME, "invalid region name '%s'",
				 name ? name : "(null)");
	if ((write || lock) && (ns->flags & SVMT_NS_RDONLY))
		return svmt_fail(SVMT_ERDONLY, "namespace '%s' is open "
				 "read-only", ns->root_name);
	/* Reading alone changes nothing: whoever owns it, as list does. */
	owner = write || lock ? svmt_dir_owner(ns, ns->r, nm) : SVMT_ANY_OWNER;
	fd = svmt_obj_open(ns, nm, write || lock ? O_RDWR : O_RDONLY, owner,
			   &st);
	if (fd == -ENOENT)
		return svmt_fail(-ENOENT, "no such region '%s'", nm);
	if (fd < 0)
		return fd;
	rc = svmt_rhdr_read(ns, fd, &st, nm, write || lock, hdr);
	if (!rc && atomic_load(&hdr->state) != SVMT_RS_READY)
		rc = svmt_fail(-ENOENT, "region '%s' is being removed", nm);
	if (rc) {
		close(fd);
		return rc;
	}
	*fdp = fd;
	return 0;
}

static int check_range(const struct svmt_rhdr *hdr, const char *name,
		       size_t len, uint64_t off)
{
	if (off > hdr->data_size || len > hdr->data_size - off)
		return svmt_fail(-ERANGE, "%zu bytes at offset %llu do not fit "
				 "in the %llu bytes of region '%s'", len,
				 (unsigned long long)off,
				 (unsigned long long)hdr->data_size, name);
	return 0;
}

/* @len bytes at @at of @fd (the data area's first byte at @at 0 of a data
 * file, at data_off of the object). */
static ssize_t transfer(int fd, uint64_t at0, void *buf, size_t len,
			bool write)
{
	size_t done = 0;

	while (done < len) {
		off_t at = (off_t)(at0 + done);
		ssize_t n = write ? pwrite(fd, (char *)buf + done, len - done, at)
				  : pread(fd, (char *)buf + done, len - done, at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) /* shorter than its header says */
			return svmt_fail(SVMT_ECORRUPT, "region object truncated");
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static ssize_t region_io(svmt_ns *ns, const char *name, void *buf,
			 size_t len, uint64_t off, unsigned flags, bool write)
{
	bool lock = flags & SVMT_IO_LOCK;
	struct svmt_rhdr hdr, *h = NULL;
	ssize_t rc;
	int fd = -1;

	svmt_clear_detail();
	if (flags & ~(unsigned)SVMT_IO_LOCK)
		return svmt_fail(-EINVAL, "unknown flags 0x%x", flags);
	if (len && !buf)
		return svmt_fail(-EINVAL, "no buffer");
	rc = io_open(ns, name, write, lock, &hdr, &fd);
	if (rc)
		return rc;
	rc = check_range(&hdr, hdr.name, len, off);
	if (!rc && lock) {
		void *p = mmap(NULL, hdr.data_off, PROT_READ | PROT_WRITE,
			       MAP_SHARED, fd, 0);

		if (p == MAP_FAILED) {
			rc = -errno;
		} else {
			h = p;
			rc = svmt_lock_acquire(&h->lock, SVMT_TAG_USER,
					       ns->timeout_ms, NULL, NULL, NULL);
			if (rc) {
				munmap(h, hdr.data_off);
				h = NULL;
			}
		}
	}
	if (!rc && SVMT_RHDR_FILE(&hdr)) { /* the data is in its own file */
		int dfd = svmt_rhdr_open_file(&hdr, write ? O_RDWR : O_RDONLY);

		rc = dfd < 0 ? dfd : transfer(dfd, off, buf, len, write);
		if (dfd >= 0)
			close(dfd);
	} else if (!rc) {
		rc = transfer(fd, hdr.data_off + off, buf, len, write);
	}
	if (h) { /* never unmapped while held */
		svmt_lock_release(&h->lock);
		munmap(h, hdr.data_off);
	}
	close(fd);
	return rc;
}

ssize_t svmt_region_pread(svmt_ns *ns, const char *name, void *buf,
			  size_t len, uint64_t offset, unsigned flags)
{
	return region_io(ns, name, buf, len, offset, flags, false);
}

ssize_t svmt_region_pwrite(svmt_ns *ns, const char *name, const void *buf,
			   size_t len, uint64_t offset, unsigned flags)
{
	return region_io(ns, name, (void *)buf, len, offset, flags, true);
}
