/*
 * procmap.h - the PROCMAP_QUERY ioctl on /proc/PID/maps (Linux 6.11), as
 * the kernel's UAPI (linux/fs.h) lays it out: Debian 12's headers predate
 * it.  Kernels without it answer ENOTTY; callers then read the maps text.
 * Shared by the library (is a client still mapping its region?) and the
 * command (who maps an object?).
 */
#ifndef SVMT_PROCMAP_H
#define SVMT_PROCMAP_H

#include <stdint.h>
#include <sys/ioctl.h>

struct svmt_procmap_query {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset;
	uint64_t inode;
	uint32_t dev_major, dev_minor;
	uint32_t vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};

#define SVMT_PROCMAP_QUERY _IOWR('f', 17, struct svmt_procmap_query)
#define SVMT_PROCMAP_VMA_SHARED 0x08
#define SVMT_PROCMAP_COVERING_OR_NEXT_VMA 0x10
#define SVMT_PROCMAP_FILE_BACKED_VMA 0x20

#endif /* SVMT_PROCMAP_H */
