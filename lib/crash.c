/*
 * crash.c - named crash points, for the test build only
 *
 * SQLite's test harness names its fault points and arms them from the
 * test; LMDB and SQLite prove durability by killing at each one.  Ours:
 * SVMT_CRASH("name") in the library, a section listing every point, and
 * svmt_crash_arm() to choose where the process dies.  Without
 * SVMT_CRASH_POINTS this file is empty and the points are nothing.
 */
#include "svmtool-private.h"

#ifdef SVMT_CRASH_POINTS

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const char *const __start_svmt_crash[];
extern const char *const __stop_svmt_crash[];

static const char *armed;
static unsigned armed_skip;

void svmt_crash_hit(const char *name)
{
	if (!armed || strcmp(armed, name))
		return;
	if (armed_skip) {
		armed_skip--;
		return;
	}
	kill(getpid(), SIGKILL);
	for (;;)
		pause();
}

int svmt_crash_arm(const char *name, unsigned skip)
{
	const char *const *p;

	armed = NULL;
	if (!name)
		return 0;
	for (p = __start_svmt_crash; p < __stop_svmt_crash; p++)
		if (!strcmp(*p, name)) {
			armed = *p;
			armed_skip = skip;
			return 0;
		}
	return -ENOENT;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t svmt_crash_points(const char ***names)
{
	size_t n = (size_t)(__stop_svmt_crash - __start_svmt_crash), i, k = 0;
	const char **v = malloc((n + 1) * sizeof(*v));

	*names = v;
	if (!v)
		return 0;
	memcpy(v, __start_svmt_crash, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_name);
	for (i = 0; i < n; i++)
		if (!k || strcmp(v[k - 1], v[i]))
			v[k++] = v[i];
	return k;
}

#else
typedef int svmt_crash_points_not_built; /* ISO C wants something here */
#endif
