/*
 * readline.c - GNU readline, loaded when the interactive shell starts
 *
 * Only the interactive shell reads lines with readline; linked into the
 * binary, readline and the terminfo library it pulls in were loaded and
 * relocated by every command, a fifth of the start-up of `svmtool list`.
 * The shell opens them with dlopen() instead and calls through cli_rl,
 * whose members have the types of readline's own declarations: the
 * compiler still checks every call against readline.h.
 */
#include "readline.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* The soname Debian's libreadline8 ships (readline 8.x). */
#define READLINE_SONAME "libreadline.so.8"

struct cli_rl cli_rl;

static const struct {
	const char *name;
	size_t off;
} symbols[] = {
#define CLI_RL_ENTRY(s) { #s, offsetof(struct cli_rl, s) },
	CLI_RL_SYMBOLS(CLI_RL_ENTRY)
#undef CLI_RL_ENTRY
};

int cli_rl_load(char *err, size_t len)
{
	static void *handle;
	struct cli_rl rl;

	if (handle)
		return 0;
	handle = dlopen(READLINE_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		snprintf(err, len, "%s", dlerror());
		return -1;
	}
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		void *p = dlsym(handle, symbols[i].name);

		if (!p) {
			snprintf(err, len, "%s: no symbol %s", READLINE_SONAME,
				 symbols[i].name);
			dlclose(handle);
			handle = NULL;
			return -1;
		}
		/* Function and data pointers alike: POSIX makes them one. */
		memcpy((char *)&rl + symbols[i].off, &p, sizeof(p));
	}
	cli_rl = rl;
	return 0;
}
