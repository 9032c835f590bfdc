/*
 * fuzz-parse.c - libFuzzer target: arbitrary text as a region name, as a
 * size (-s, --span, --base) and as a timeout (-T), with the properties the
 * tool promises
 *
 *   make fuzz            (clang, libFuzzer, ASan and UBSan; FUZZ_SECONDS=60)
 *
 * A name is valid exactly when it normalises, and normalising is
 * idempotent; a size that parses is above zero, and what the tool prints
 * for it in bytes parses back to the same number; a timeout is decimal
 * seconds only, whole ones exact in milliseconds.
 */
#include "svmtool-cmd.h"
#include "svmtool-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[128], nm[SVMT_NAME_MAX + 1], nm2[SVMT_NAME_MAX + 1], buf[32];
	uint64_t v, back;
	int ms;

	if (size >= sizeof(in))
		size = sizeof(in) - 1;
	memcpy(in, data, size);
	in[size] = '\0';
	if ((svmt_name_check(in) == 0) != (svmt_name_norm(in, nm) == 0))
		abort();
	if (svmt_name_check(in) == 0 &&
	    (svmt_name_norm(nm, nm2) || strcmp(nm, nm2)))
		abort();
	if (cli_parse_size("fuzz", "size", in, &v) == 0) {
		if (v == 0)
			abort();
		cli_size_str(v, 1, buf, sizeof(buf));
		if (cli_parse_size("fuzz", "size", buf, &back) || back != v)
			abort();
	}
	ms = cli_parse_timeout(in);
	if (ms < -1 || (ms >= 0 && strpbrk(in, "xXeE+- ")))
		abort();
	if (ms >= 0 && strspn(in, "0123456789") == size && size < 8 &&
	    ms != atoi(in) * 1000)
		abort();
	return 0;
}
