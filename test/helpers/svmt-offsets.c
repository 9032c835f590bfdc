/*
 * svmt-offsets.c - where the locks live in the objects (CLI tests)
 *
 *   svmt-offsets
 *
 * Prints "NAME OFFSET" lines, decimal byte offsets into the object files,
 * for tests that play a hostile writer changing a lock's bytes with dd:
 *
 *   root-lock      the namespace lock's mutex in svmt:ROOT
 *   region-meta    a region's bookkeeping lock's mutex in svmt:ROOT:NAME
 *   region-lock    a region's data lock's mutex (svmt_region_lock)
 *   mutex-kind     the mutex's kind word, from the mutex's start
 *   mutex-word     the mutex's futex word, from the mutex's start
 */
#include "svmtool-private.h"

#include <stddef.h>
#include <stdio.h>

int main(void)
{
	printf("root-lock %zu\n", offsetof(struct svmt_root, lock));
	printf("region-meta %zu\n", offsetof(struct svmt_rhdr, meta));
	printf("region-lock %zu\n", offsetof(struct svmt_rhdr, lock));
	printf("mutex-kind %zu\n", offsetof(pthread_mutex_t, __data.__kind));
	printf("mutex-word %zu\n", offsetof(pthread_mutex_t, __data.__lock));
	return fflush(stdout) == EOF;
}
