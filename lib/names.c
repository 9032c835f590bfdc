/*
 * names.c - region and root names, and their object file names
 *
 * Names match [A-Za-z0-9._-]{1,63}, except "." and ".."; one leading '/' is
 * dropped.  Region NAME of root ROOT lives in "svmt:ROOT:NAME", the root in
 * "svmt:ROOT": ':' is not a name character, so the mapping is injective.
 */
#include "svmtool-private.h"

#include <stdio.h>
#include <string.h>

static int name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int svmt_name_norm(const char *in, char out[SVMT_NAME_MAX + 1])
{
	size_t n;

	if (!in)
		return SVMT_ENAME;
	if (in[0] == '/')
		in++;
	for (n = 0; in[n]; n++)
		if (n >= SVMT_NAME_MAX || !name_char((unsigned char)in[n]))
			return SVMT_ENAME;
	if (n == 0 || !strcmp(in, ".") || !strcmp(in, ".."))
		return SVMT_ENAME;
	memcpy(out, in, n + 1);
	return 0;
}

int svmt_name_check(const char *name)
{
	char buf[SVMT_NAME_MAX + 1];

	return svmt_name_norm(name, buf);
}

/* Built by hand: these run on every open and removal, snprintf costs. */
void svmt_objname(char *buf, size_t len, const char *root, const char *name)
{
	size_t p = sizeof(SVMT_FILE_PREFIX) - 1;
	size_t r = strnlen(root, SVMT_NAME_MAX + 1);
	size_t n = name ? strnlen(name, SVMT_NAME_MAX + 1) : 0;

	if (p + r + (name ? 1 + n : 0) >= len) { /* no caller's: cut short */
		if (name)
			snprintf(buf, len, SVMT_FILE_PREFIX "%s:%s", root, name);
		else
			snprintf(buf, len, SVMT_FILE_PREFIX "%s", root);
		return;
	}
	memcpy(buf, SVMT_FILE_PREFIX, p);
	memcpy(buf + p, root, r);
	p += r;
	if (name) {
		buf[p++] = ':';
		memcpy(buf + p, name, n);
		p += n;
	}
	buf[p] = '\0';
}
