/*
 * parse.c - command-line words: argtable2 parsing with git-style messages,
 * sizes, timeouts and names
 */
#include "svmtool-cmd.h"

#include <argtable2.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <math.h> /* isfinite, a macro: no -lm */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* "--size", "-s" or "NAME" for an argtable entry. */
static void arg_label(const struct arg_hdr *h, char *buf, size_t len)
{
	if (h->longopts && h->longopts[0])
		snprintf(buf, len, "--%.*s", (int)strcspn(h->longopts, ","),
			 h->longopts);
	else if (h->shortopts && h->shortopts[0])
		snprintf(buf, len, "-%c", h->shortopts[0]);
	else
		snprintf(buf, len, "%s", h->datatype ? h->datatype : "argument");
}

/* Does "--NAME=..." (possibly abbreviated) name a flag of @table? */
static int is_flag(void **table, const char *word)
{
	size_t len = strcspn(word + 2, "=");

	for (int i = 0;; i++) {
		const struct arg_hdr *h = table[i];
		const char *l = h->longopts;

		if (h->flag & ARG_TERMINATOR)
			return 0;
		if (!l || (h->flag & ARG_HASVALUE))
			continue;
		for (; *l; l += strcspn(l, ","), l += *l == ',')
			if (len <= strcspn(l, ",") && !strncmp(l, word + 2, len))
				return 1;
	}
}

/*
 * argtable2 reports "--flag=value" for a flag that takes no value as a
 * meaningless code; find the word so that the message can name it.
 */
static const char *find_valued_flag(void **table, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strncmp(argv[i], "--", 2) && strchr(argv[i], '=') &&
		    is_flag(table, argv[i]))
			return argv[i];
	}
	return NULL;
}

/* argtable2 reports "--opt ''" as a missing argument without the word. */
static const char *word_before_empty(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i++)
		if (argv[i][0] == '-' && !argv[i + 1][0])
			return argv[i];
	return NULL;
}

static int report_parse_error(const char *cmd, void **table,
			      struct arg_end *end, int argc, char **argv)
{
	const struct arg_hdr *h = end->parent[0];
	int code = end->error[0];
	const char *val = end->argval[0];
	char label[64];

	if (h == &end->hdr) {
		const char *w;

		/*
		 * For "--flag=value" argtable2 records the flag's index in the
		 * table as the code, without a word: codes 1 to 5 are
		 * ambiguous, the word tells.
		 */
		if (code == ARG_ELONGOPT && val)
			return cli_usage(cmd, "unknown option '%s'", val);
		/* A word where the command takes none. */
		if (code == ARG_ENOMATCH && val && val[0] != '-')
			return cli_usage(cmd, "unexpected argument '%s'", val);
		if (code == ARG_EMISSARG && val && !val[0])
			val = word_before_empty(argc, argv);
		if (code == ARG_EMISSARG && val)
			return cli_usage(cmd, "option '%.*s' requires an argument",
					 (int)strcspn(val, "="), val);
		if (code > ' ' && code < 127)
			return cli_usage(cmd, "unknown option '-%c'", code);
		w = find_valued_flag(table, argc, argv);
		if (w)
			return cli_usage(cmd, "option '%.*s' takes no value",
					 (int)strcspn(w, "="), w);
		return cli_usage(cmd, "invalid option");
	}
	arg_label(h, label, sizeof(label));
	if (code == 1) /* below the minimum count */
		return cli_usage(cmd, "missing %s%s",
				 label[0] == '-' ? "option " : "", label);
	if (label[0] != '-')
		return cli_usage(cmd, "unexpected argument '%s'",
				 val ? val : "");
	return cli_usage(cmd, "option '%s' given more than once", label);
}

/* The command whose --help was printed by the last cli_parse(), or NULL. */
static const char *help_shown;

const char *cli_help_shown(void)
{
	const char *cmd = help_shown;

	help_shown = NULL;
	return cmd;
}

int cli_parse(int argc, char **argv, void **table, int n,
	      const char *usage, const char *what)
{
	const struct arg_lit *help = table[0];
	struct arg_end *end = table[n - 1];
	int nerr;

	if (arg_nullcheck(table)) {
		cli_warn("out of memory");
		return CLI_EXIT_FAIL;
	}
	nerr = arg_parse(argc, argv, table);
	/* --help wins over every other error, mandatory ones included. */
	if (help->count > 0) {
		printf("usage: %s\n\n%s\n\n", usage, what);
		arg_print_glossary(stdout, table, "  %-26s %s\n");
		help_shown = argv[0];
		return CLI_EXIT_OK;
	}
	if (nerr > 0)
		return report_parse_error(argv[0], table, end, argc, argv);
	return -1;
}

/* ---------------------------------------------------------------- sizes */

/*
 * The unit after a number, util-linux strtosize style: a letter of KMGTPE in
 * either case alone or with "iB" is a power of 1024, with "B" a power of
 * 1000; "B" alone is bytes.  Returns the multiplier, 0 for no unit, or
 * -1 when @s is not a unit.
 */
static int64_t size_unit(const char *s, uint64_t *mult)
{
	static const char letters[] = "KMGTPE";
	const char *l;
	uint64_t base;

	*mult = 1;
	if (!s[0])
		return 0;
	if (!strcasecmp(s, "B"))
		return 1;
	l = strchr(letters, toupper((unsigned char)s[0]));
	if (!l)
		return -1;
	if (!s[1] || !strcasecmp(s + 1, "iB"))
		base = 1024;
	else if (!strcasecmp(s + 1, "B"))
		base = 1000;
	else
		return -1;
	for (long i = 0; i <= l - letters; i++)
		*mult *= base;
	return 1;
}

int cli_parse_size(const char *cmd, const char *opt, const char *s,
		   uint64_t *out)
{
	unsigned long long v;
	unsigned __int128 total, frac = 0, scale = 1;
	const char *p;
	char *rest;
	uint64_t mult;
	int64_t unit;

	/* strtoull accepts leading blanks and a minus sign: we do not. */
	if (!isdigit((unsigned char)s[0]))
		goto bad;
	errno = 0;
	/* Decimal, or hexadecimal after 0x: a leading zero is not octal. */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!isxdigit((unsigned char)s[2]))
			goto bad;
		v = strtoull(s + 2, &rest, 16);
	} else {
		v = strtoull(s, &rest, 10);
	}
	if (errno == ERANGE)
		goto range;
	if (errno || rest == s)
		goto bad;
	p = rest;
	/* A decimal fraction ("1.5M"); digits past the 18th cannot matter. */
	if (*p == '.' && rest > s && !(s[1] == 'x' || s[1] == 'X')) {
		if (!isdigit((unsigned char)p[1]))
			goto bad;
		for (p++; isdigit((unsigned char)*p); p++) {
			if (scale >= 1000000000000000000ULL)
				continue;
			frac = frac * 10 + (unsigned)(*p - '0');
			scale *= 10;
		}
	}
	/* One blank before the unit: "16 mb" as the first line of create. */
	if (*p == ' ' && p[1])
		p++;
	unit = size_unit(p, &mult);
	if (unit < 0 || (p > rest && p[-1] == ' ' && !unit))
		goto bad;
	if (scale > 1 && mult == 1) {
		cli_usage(cmd, "invalid %s '%s': a fraction needs a unit, "
			  "such as K or MB", opt, s);
		return -1;
	}
	total = (unsigned __int128)v * mult + frac * mult / scale;
	if (total > UINT64_MAX)
		goto range;
	if (total == 0) {
		cli_usage(cmd, "invalid %s '%s': must be greater than zero",
			  opt, s);
		return -1;
	}
	*out = (uint64_t)total;
	return 0;
bad:
	cli_usage(cmd, "invalid %s '%s': expected a number with an optional "
		  "unit such as K, MiB or MB (see svmtool(1))", opt, s);
	return -1;
range:
	cli_usage(cmd, "invalid %s '%s': too large", opt, s);
	return -1;
}

int cli_parse_offset(const char *cmd, const char *opt, const char *s,
		     uint64_t *out)
{
	if (!strcmp(s, "0")) {
		*out = 0;
		return 0;
	}
	return cli_parse_size(cmd, opt, s, out);
}

/* Seconds as a decimal number ("0.5"), 0 = no wait; -1 when invalid. */
int cli_parse_timeout(const char *s)
{
	char *end;
	double v;
	size_t n = strspn(s, "0123456789"), m = 0;

	/* Decimal digits, one point at most: strtod also takes 0x10, 1e3. */
	if (s[n] == '.')
		m = strspn(s + n + 1, "0123456789");
	if (n + m == 0 || s[n + (s[n] == '.') + m])
		return -1;
	v = strtod(s, &end);
	if (end == s || *end || !isfinite(v) || v < 0 || v > 2000000.0)
		return -1;
	/* Round to milliseconds, but never turn a wait into "no wait". */
	return v > 0 && v < 0.001 ? 1 : (int)(v * 1000.0 + 0.5);
}

/* ---------------------------------------------------------------- users */

int cli_parse_id(const char *s, int group, unsigned *out)
{
	char *end;
	unsigned long v;

	if (group) {
		struct group *gr = getgrnam(s);

		if (gr) {
			*out = gr->gr_gid;
			return 0;
		}
	} else {
		struct passwd *pw = getpwnam(s);

		if (pw) {
			*out = pw->pw_uid;
			return 0;
		}
	}
	if (s[0] < '0' || s[0] > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v >= (unsigned)-1)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* ---------------------------------------------------------------- names */

int cli_check_name(const char *cmd, const char *name)
{
	if (svmt_name_check(name) == 0)
		return 0;
	return cli_usage(cmd, "invalid region name '%s': use 1 to 63 of "
			 "A-Z a-z 0-9 . _ -", name);
}

const char *cli_bare_name(const char *name)
{
	return name[0] == '/' ? name + 1 : name;
}
