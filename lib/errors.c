/*
 * errors.c - error codes, their text, and per-thread failure details
 */
#include "svmtool-private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

_Thread_local char svmt_detail[256];
static _Thread_local char errno_text[96];

const char *svmt_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case SVMT_ECORRUPT: return "corrupt object";
	case SVMT_EVERSION: return "unsupported layout version";
	case SVMT_ECLASH: return "address range in use";
	case SVMT_ENAME: return "invalid name";
	case SVMT_EDIRFULL: return "region directory full";
	case SVMT_ENOVA: return "no free address space";
	case SVMT_ECLIENTFULL: return "client table full";
	case SVMT_EUNTRUSTED: return "object owned by an untrusted user";
	case SVMT_ESIZE: return "region exists with a different size";
	case SVMT_EINITFN: return "initialisation callback failed";
	case SVMT_ENOTATTACHED: return "namespace not attached";
	case SVMT_ENOTRECOVERABLE: return "lock not recoverable";
	case SVMT_ERDONLY: return "namespace opened read-only";
	case SVMT_EFEATURE: return "made by a newer svmtool";
	case SVMT_ENONS: return "no such namespace";
	case SVMT_ENOHEAP: return "region has no heap";
	case SVMT_EFOREIGN: return "not a block of this heap";
	case SVMT_EDOUBLEFREE: return "heap block already free";
	case -ENOENT: return "no such region";
	case -EEXIST: return "region exists";
	case -EBUSY: return "busy";
	case -ETIMEDOUT: return "timed out";
	default: break;
	}
	if (err < 0 && err > -4096) {
		const char *s = strerrordesc_np(-err);
		if (s)
			return s;
	}
	return "unknown error";
}

const char *svmt_errdetail(void)
{
	return svmt_detail;
}

const char *svmt_version(void)
{
	return SVMT_VERSION_STRING;
}

int svmt_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(svmt_detail, sizeof(svmt_detail), fmt, ap);
	va_end(ap);
	return err;
}

const char *svmt_errno_text(int e)
{
	const char *s = strerrordesc_np(e);

	snprintf(errno_text, sizeof(errno_text), "%s", s ? s : "unknown error");
	/* git style, like every message of ours: lower case first. */
	if (errno_text[0] >= 'A' && errno_text[0] <= 'Z' &&
	    !(errno_text[1] >= 'A' && errno_text[1] <= 'Z'))
		errno_text[0] = (char)(errno_text[0] - 'A' + 'a');
	return errno_text;
}
