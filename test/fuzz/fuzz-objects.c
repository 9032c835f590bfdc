/*
 * fuzz-objects.c - libFuzzer target: arbitrary bytes as a namespace object
 * and a region object, then everything read-only a tool does with them
 *
 *   make fuzz            (clang, libFuzzer, ASan and UBSan; FUZZ_SECONDS=60)
 *
 * The input's first two bytes say where the namespace object ends and the
 * region object begins.  The seed corpus comes from a real namespace.
 */
#include "svmtool-private.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static void put(const char *name, const uint8_t *p, size_t n)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	if (n && write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct svmt_ns_opts o;
	svmt_region_list *v;
	size_t split, i;
	svmt_ns *ns;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/dev/shm/svmt-fuzz.%d", (int)getpid());
		mkdir(dir, 0700);
	}
	if (size < 2)
		return 0;
	split = ((size_t)data[0] << 8 | data[1]) * 64;
	data += 2;
	size -= 2;
	if (split > size)
		split = size;
	put("svmt:f", data, split);
	put("svmt:f:r", data + split, size - split);
	svmt_ns_opts_init(&o);
	o.shm_dir = dir;
	o.root = "f";
	o.flags = SVMT_NS_RDONLY;
	o.timeout_ms = 0;
	if (svmt_ns_open(&o, &ns))
		return 0;
	if (svmt_list(ns, &v) == 0) {
		for (i = 0; i < svmt_list_count(v); i++) {
			char *s;

			if (svmt_format_region(svmt_list_get(v, i),
						       SVMT_FORMAT_VERBOSE, &s) == 0)
				free(s);
		}
		svmt_list_free(v);
	}
	svmt_scan(ns, NULL, 0, SVMT_DRY_RUN, NULL, NULL);
	svmt_recover(ns, NULL, 0, SVMT_DRY_RUN, NULL, NULL);
	svmt_ns_close(ns);
	return 0;
}
