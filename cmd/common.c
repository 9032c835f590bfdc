/*
 * common.c - what every svmtool command shares: messages and exit codes,
 * argument parsing, sizes, names, namespace options, event lines
 */
#include "svmtool-cmd.h"

#include <argtable2.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct cli_globals cli = { .timeout_ms = 10000 };

/* One line on stderr; control characters a user typed are shown as '?',
 * so a message is one line and never drives the terminal. */
static void vwarn(const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (char *p = msg; *p; p++)
		if (iscntrl((unsigned char)*p))
			*p = '?';
	fflush(stdout);
	fprintf(stderr, "svmtool: %s\n", msg);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	return cli_see_help(cmd);
}

int cli_see_help(const char *cmd)
{
	fprintf(stderr, "see 'svmtool %s%s--help'\n", cmd ? cmd : "",
		cmd ? " " : "");
	return CLI_EXIT_USAGE;
}

/* The one mapping from library errors to exit statuses. */
int cli_exit_code(int err)
{
	switch (err) {
	case 0:
		return CLI_EXIT_OK;
	case SVMT_ENAME:
		return CLI_EXIT_USAGE;
	case -ENOENT:
	case SVMT_ENONS:
		return CLI_EXIT_NOTFOUND;
	case -EACCES:
	case -EPERM:
	case SVMT_EUNTRUSTED:
		return CLI_EXIT_PERM;
	case -EBUSY:
	case -ETIMEDOUT:
		return CLI_EXIT_BUSY;
	default:
		return CLI_EXIT_FAIL;
	}
}

/*
 * Is @detail only @reason about @what ("no such region 'foo'" next to
 * "no such region")?  Then the reason alone says it.
 */
static int restates(const char *detail, const char *reason, const char *what)
{
	char buf[256], quoted[80];
	char *p;

	snprintf(buf, sizeof(buf), "%s", detail);
	snprintf(quoted, sizeof(quoted), "'%s'", what);
	p = strstr(buf, quoted);
	if (p) {
		size_t q = strlen(quoted);

		if (p > buf && p[-1] == ' ') {
			p--;
			q++;
		}
		memmove(p, p + q, strlen(p + q) + 1);
	}
	return !strcmp(buf, reason);
}

const char *cli_strerror(int err, char *buf, size_t len)
{
	/* git style: messages start in lower case ("permission denied"). */
	snprintf(buf, len, "%s", svmt_strerror(err));
	if (isupper((unsigned char)buf[0]) && !isupper((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

int cli_fail(int err, const char *verb, const char *what)
{
	return cli_fail_detail(err, verb, what, svmt_errdetail());
}

int cli_fail_detail(int err, const char *verb, const char *what,
		    const char *detail)
{
	char reason[128];

	cli_strerror(err, reason, sizeof(reason));
	/* A clash, or something missing, is best said by the details alone
	 * ("shm directory '/x' does not exist" is not "no such region"). */
	if ((err == SVMT_ECLASH || err == -ENOENT || err == SVMT_ENONS ||
	     err == SVMT_EFEATURE || strstr(detail, reason)) &&
	    detail[0] && !restates(detail, reason, cli_bare_name(what)))
		cli_warn("cannot %s '%s': %s", verb, what, detail);
	else if (detail[0] && !restates(detail, reason, cli_bare_name(what)))
		cli_warn("cannot %s '%s': %s: %s", verb, what, reason, detail);
	else
		cli_warn("cannot %s '%s': %s", verb, what, reason);
	return cli_exit_code(err);
}

int cli_not_found(const char *verb, const char *what)
{
	cli_warn("cannot %s '%s': %s", verb, what, svmt_strerror(-ENOENT));
	return CLI_EXIT_NOTFOUND;
}

/* ------------------------------------------------------------ arguments */

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
		return CLI_EXIT_OK;
	}
	if (nerr > 0)
		return report_parse_error(argv[0], table, end, argc, argv);
	return -1;
}

/* ---------------------------------------------------------------- sizes */

int cli_parse_size(const char *cmd, const char *opt, const char *s,
		   uint64_t *out)
{
	static const struct {
		const char *sfx;
		unsigned shift;
	} sfx[] = {
		{ "", 0 }, { "K", 10 }, { "M", 20 }, { "G", 30 }, { "T", 40 },
		{ "KiB", 10 }, { "MiB", 20 }, { "GiB", 30 }, { "TiB", 40 },
	};
	unsigned long long v;
	char *rest;
	size_t i;

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
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if (!strcmp(rest, sfx[i].sfx))
			break;
	if (i == sizeof(sfx) / sizeof(sfx[0]))
		goto bad;
	if (sfx[i].shift && v > (UINT64_MAX >> sfx[i].shift))
		goto range;
	v <<= sfx[i].shift;
	if (v == 0) {
		cli_usage(cmd, "invalid %s '%s': must be greater than zero",
			  opt, s);
		return -1;
	}
	*out = v;
	return 0;
bad:
	cli_usage(cmd, "invalid %s '%s': expected a number with an optional "
		  "K, M, G or T suffix", opt, s);
	return -1;
range:
	cli_usage(cmd, "invalid %s '%s': too large", opt, s);
	return -1;
}

const char *cli_size_str(uint64_t v, int bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	unsigned i = 0;
	uint64_t frac;

	if (bytes || v < 1024) {
		snprintf(buf, len, bytes ? "%" PRIu64 : "%" PRIu64 "B", v);
		return buf;
	}
	/* v = whole * 1024^(i+1) + rest; one decimal digit, rounded. */
	while (i + 1 < sizeof(units) - 1 && v >= (1024ULL << (10 * (i + 1))))
		i++;
	frac = v & ((1ULL << (10 * (i + 1))) - 1);
	v >>= 10 * (i + 1);
	frac = (frac * 10 + (1ULL << (10 * (i + 1) - 1))) >> (10 * (i + 1));
	if (frac >= 10) {
		v++;
		frac = 0;
	}
	if (frac)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "%c", v, frac,
			 units[i]);
	else
		snprintf(buf, len, "%" PRIu64 "%c", v, units[i]);
	return buf;
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

void cli_ns_opts(struct svmt_ns_opts *o, unsigned flags)
{
	svmt_ns_opts_init(o);
	o->root = cli.root;
	o->shm_dir = cli.shm_dir;
	o->timeout_ms = cli.timeout_ms;
	o->flags = flags;
}

int cli_no_namespace(int err)
{
	return err == SVMT_ENONS;
}

const char *cli_root_name(void)
{
	return cli.root ? cli_bare_name(cli.root) : SVMT_DEFAULT_ROOT;
}

int cli_print_region_line(const struct svmt_region_info *ri)
{
	char *s;
	int err = svmt_format_region(ri, 0, &s);

	if (err < 0)
		return err;
	s[strcspn(s, "\n")] = '\0';
	printf("%s\n", s);
	free(s);
	return 0;
}

/* ---------------------------------------------------------------- events */

/* "foo: removed dead client 1234": the library's words for what it found. */
void cli_print_event(const struct svmt_event *ev)
{
	if (ev->region[0])
		printf("%s: ", ev->region);
	else
		printf("namespace %s: ", cli_root_name());
	if (ev->detail[0])
		printf("%s\n", ev->detail);
	else
		printf("problem of kind %d%s\n", ev->kind,
		       ev->fixed ? ", repaired" : "");
}

/* ------------------------------------------------------- scan and recover */

struct check_state {
	unsigned found;
	unsigned nunfixed;
	int unfixed; /* exit status for the first problem left unfixed */
};

static void on_event(const struct svmt_event *ev, void *arg)
{
	struct check_state *st = arg;

	st->found++;
	st->nunfixed += !ev->fixed;
	/* e.g. -ETIMEDOUT (lock held: busy) or SVMT_ECORRUPT (failure) */
	if (!ev->fixed && !st->unfixed)
		st->unfixed = ev->error ? cli_exit_code(ev->error)
					: CLI_EXIT_FAIL;
	cli_print_event(ev);
}

static int run_check(const char *cmd, char const *const *names, int nnames,
		     int dry_run, unsigned flags, cli_check_fn fn)
{
	svmt_region_list *ri = NULL;
	struct svmt_ns_opts nso;
	struct check_state st = { 0, 0, 0 };
	const char **found = NULL;
	size_t nfound = 0;
	char verb[32];
	svmt_ns *ns;
	int err, ret = CLI_EXIT_OK;

	snprintf(verb, sizeof(verb), "%s namespace", cmd);

	for (int i = 0; i < nnames; i++)
		if (cli_check_name(cmd, names[i]))
			return CLI_EXIT_USAGE;
	cli_ns_opts(&nso, dry_run ? SVMT_NS_RDONLY : SVMT_NS_NOATTACH);
	err = svmt_ns_open(&nso, &ns);
	if (cli_no_namespace(err)) {
		/* No namespace: nothing to check, and no region named. */
		for (int i = 0; i < nnames; i++)
			ret = cli_not_found(cmd, names[i]);
		return ret;
	}
	if (err < 0)
		return cli_fail(err, verb, cli_root_name());
	/* Check only the named regions that exist; report the others. */
	if (nnames) {
		err = svmt_list(ns, &ri);
		found = calloc((size_t)nnames, sizeof(*found));
		if (err < 0 || !found) {
			ret = cli_fail(err < 0 ? err : -ENOMEM, verb,
				       cli_root_name());
			goto out;
		}
		for (int i = 0; i < nnames; i++)
			if (svmt_list_find(ri, names[i]))
				found[nfound++] = cli_bare_name(names[i]);
	}
	if (!nnames || nfound) {
		if (dry_run)
			flags |= SVMT_DRY_RUN;
		err = fn(ns, found, nfound, flags, on_event, &st);
		if (err < 0)
			ret = cli_fail(err, verb, cli_root_name());
	}
	for (int i = 0; i < nnames; i++)
		if (!svmt_list_find(ri, names[i])) {
			err = cli_not_found(cmd, names[i]);
			if (ret == CLI_EXIT_OK)
				ret = err;
		}
	if (ret == CLI_EXIT_OK && dry_run && st.found)
		ret = CLI_EXIT_PROBLEMS;
	else if (ret == CLI_EXIT_OK && st.unfixed) {
		cli_warn("%s left %u problem%s unfixed (listed above)", cmd,
			 st.nunfixed, st.nunfixed == 1 ? "" : "s");
		ret = st.unfixed;
	}
out:
	free(found);
	svmt_list_free(ri);
	svmt_ns_close(ns);
	return ret;
}

int cli_check_command(int argc, char **argv, const struct cli_check *c)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_lit *dry_run = arg_lit0(NULL, "dry-run",
					   "only report, change nothing");
	struct arg_str *names = arg_strn(NULL, NULL, "NAME", 0, CLI_MAX_NAMES,
					 c->names_help);
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, dry_run, names, end };
	const int n = (int)(sizeof(table) / sizeof(table[0]));
	int ret = cli_parse(argc, argv, table, n, c->usage, c->what);

	if (ret < 0)
		ret = run_check(c->name, names->sval, names->count,
				dry_run->count > 0, c->flags, c->fn);
	arg_freetable(table, (size_t)n);
	return ret;
}
