/*
 * fuzz-lock.c - libFuzzer target: arbitrary bytes as a lock in shared
 * memory (the pthread mutex words and the owner record), then what every
 * command does with a lock: describe it, take it (no wait), release it
 *
 *   make fuzz            (clang, libFuzzer, ASan and UBSan; FUZZ_SECONDS=60)
 *
 * glibc aborts on some mutex words (a priority-protect kind, for one): the
 * lock wrapper must refuse those as corrupt before glibc sees them.
 */
#include "svmtool-private.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct svmt_shlock l __attribute__((aligned(64)));
	struct svmt_lock_info li;
	pid_t rec;

	if (size > sizeof(l))
		size = sizeof(l);
	svmt_lock_init(&l);
	memcpy(&l, data, size);
	svmt_lock_describe(&l, &li);
	(void)svmt_lock_held_live(&l);
	if (svmt_lock_acquire(&l, SVMT_TAG_SCAN, 0, NULL, NULL, &rec) == 0)
		svmt_lock_release(&l);
	return 0;
}
