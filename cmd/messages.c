/*
 * messages.c - diagnostics on stderr, git style, and the one mapping from
 * library errors to exit statuses
 */
#include "svmtool-cmd.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>

/* The batch file and line being run, for messages; NULL for none. */
static const char *origin_file;
static unsigned long origin_line;

void cli_set_origin(const char *file, unsigned long line)
{
	origin_file = file;
	origin_line = line;
}

/* One line on stderr; control characters a user typed are shown as '?',
 * so a message is one line and never drives the terminal. */
static void __attribute__((format(printf, 1, 0)))
vwarn(const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (char *p = msg; *p; p++)
		if (iscntrl((unsigned char)*p))
			*p = '?';
	fflush(stdout);
	if (origin_file)
		fprintf(stderr, "%s:%lu: svmtool: %s\n", origin_file,
			origin_line, msg);
	else
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
	case -EINTR: /* a wait for a busy lock, abandoned */
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

const char *cli_syserr(int errnum, char *buf, size_t len)
{
	snprintf(buf, len, "%s", strerror(errnum));
	if (isupper((unsigned char)buf[0]) && !isupper((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

int cli_fail(int err, const char *verb, const char *what)
{
	return cli_fail_detail(err, verb, what, svmt_errdetail());
}

/*
 * "X is owned by uid 1001" -> "X is owned by alice (uid 1001), not
 * trusted: --trust alice trusts it", into @buf.
 */
static const char *untrusted_detail(const char *detail, char *buf,
				    size_t len)
{
	const char *p = strstr(detail, "owned by uid ");
	struct passwd *pw;
	unsigned uid;
	char user[96];

	if (!p || sscanf(p, "owned by uid %u", &uid) != 1)
		return detail;
	pw = getpwuid((uid_t)uid);
	cli_user_str((uid_t)uid, user, sizeof(user));
	if (pw)
		snprintf(buf, len, "%.*sowned by %s, not trusted: --trust %s "
			 "trusts it", (int)(p - detail), detail, user,
			 pw->pw_name);
	else
		snprintf(buf, len, "%.*sowned by %s, not trusted: --trust %u "
			 "trusts it", (int)(p - detail), detail, user, uid);
	return buf;
}

int cli_fail_detail(int err, const char *verb, const char *what,
		    const char *detail)
{
	char reason[128], buf[512];

	if (err == SVMT_EUNTRUSTED)
		detail = untrusted_detail(detail, buf, sizeof(buf));
	cli_strerror(err, reason, sizeof(reason));
	/* A clash, or something missing, is best said by the details alone
	 * ("shm directory '/x' does not exist" is not "no such region"). */
	if ((err == SVMT_ECLASH || err == -ENOENT || err == SVMT_ENONS ||
	     err == SVMT_EFEATURE || err == -EINTR || strstr(detail, reason)) &&
	    detail[0] && !restates(detail, reason, cli_bare_name(what)))
		cli_warn("cannot %s '%s': %s", verb, what, detail);
	else if (detail[0] && !restates(detail, reason, cli_bare_name(what)))
		cli_warn("cannot %s '%s': %s: %s", verb, what, reason, detail);
	else
		cli_warn("cannot %s '%s': %s", verb, what, reason);
	return cli_exit_code(err);
}

const char *cli_user_str(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, len, "%s (uid %u)", pw->pw_name, (unsigned)uid);
	else
		snprintf(buf, len, "uid %u", (unsigned)uid);
	return buf;
}

int cli_denied(int err, const char *verb, const char *what, const char *path,
	       const char *missing)
{
	char detail[PATH_MAX + 256], user[96], mode[16];
	struct stat st;

	if (stat(path, &st) < 0)
		return cli_fail(err, verb, what);
	snprintf(mode, sizeof(mode), "%04o", (unsigned)(st.st_mode & 07777));
	snprintf(detail, sizeof(detail), "%s '%s' (owner %s, mode %s)",
		 missing, path, cli_user_str(st.st_uid, user, sizeof(user)),
		 mode);
	return cli_fail_detail(err, verb, what, detail);
}

int cli_not_found(const char *verb, const char *what)
{
	cli_warn("cannot %s '%s': %s", verb, what, svmt_strerror(-ENOENT));
	return CLI_EXIT_NOTFOUND;
}

int cli_check_state(const struct svmt_region_info *ri, const char *verb,
		    const char *what)
{
	switch (ri->state) {
	case SVMT_STATE_READY:
		return 0;
	case SVMT_STATE_INIT:
		return cli_fail_detail(-EBUSY, verb, what, "it is being created");
	case SVMT_STATE_MISSING:
		return cli_fail_detail(-ENOENT, verb, what, ri->detail[0] ?
				       ri->detail : "its object is missing; "
				       "run recover");
	case SVMT_STATE_ORPHAN:
		return cli_fail_detail(SVMT_ECORRUPT, verb, what, "its object "
				       "is not in the directory; run recover");
	default: /* CORRUPT, NEWER: the validation's own words */
		return cli_fail_detail(ri->error ? ri->error : SVMT_ECORRUPT,
				       verb, what, ri->detail);
	}
}
