// SPDX-License-Identifier: GPL-2.0
/*
 * ackguardctl: what the kernel itself does with invalid segments in this
 * network namespace. /proc/sys/net follows the reading task's namespace
 * (after -n, the chosen one), so this is read after setns().
 */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "agc.h"

void agc_kernel_probe(struct agc_kernel *k, const char *path)
{
	char dir[256], line[64], *end;
	struct utsname u;
	struct stat st;
	unsigned long v;
	FILE *f;

	k->limiter = AGC_LIMITER_UNKNOWN;
	k->ratelimit_ms = 0;
	k->why[0] = '\0';
	if (!uname(&u))
		snprintf(k->release, sizeof(k->release), "%s", u.release);
	else
		snprintf(k->release, sizeof(k->release), "unknown");
	f = fopen(path, "re");
	if (!f) {
		int err = errno;

		/*
		 * Only a missing file in a present directory means the kernel
		 * lacks the sysctl; a missing /proc/sys/net/ipv4 (no /proc, no
		 * IPv4) says nothing about it.
		 */
		snprintf(dir, sizeof(dir), "%s", path);
		if (err == ENOENT && !stat(dirname(dir), &st) &&
		    S_ISDIR(st.st_mode)) {
			k->limiter = AGC_LIMITER_ABSENT;
			return;
		}
		snprintf(k->why, sizeof(k->why), "%s: %s", path, strerror(err));
		return;
	}
	if (!fgets(line, sizeof(line), f)) {
		snprintf(k->why, sizeof(k->why), "%s: empty", path);
		fclose(f);
		return;
	}
	fclose(f);
	errno = 0;
	v = strtoul(line, &end, 10);
	if (errno || end == line || (*end && *end != '\n') || v > UINT32_MAX) {
		snprintf(k->why, sizeof(k->why), "%s: not a number", path);
		return;
	}
	k->ratelimit_ms = (uint32_t)v;
	k->limiter = v ? AGC_LIMITER_ON : AGC_LIMITER_OFF;
}

const char *agc_limiter_name(enum agc_limiter l)
{
	switch (l) {
	case AGC_LIMITER_ABSENT:
		return "absent";
	case AGC_LIMITER_OFF:
		return "off";
	case AGC_LIMITER_ON:
		return "on";
	case AGC_LIMITER_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *agc_limiter_note(char *buf, size_t len,
			     const struct agc_kernel *k, const char *mode)
{
	bool enforce = mode && !strcmp(mode, "enforce");
	char us[64];

	/* What ackguard does about the answers, in its current mode. */
	if (enforce)
		snprintf(us, sizeof(us), "ackguard enforces");
	else if (mode)
		snprintf(us, sizeof(us), "ackguard (mode %s) drops nothing",
			 mode);
	else
		snprintf(us, sizeof(us), "ackguard's mode is unknown");

	switch (k->limiter) {
	case AGC_LIMITER_OFF:
		if (enforce)
			snprintf(buf, len, "the kernel answers every invalid "
				 "segment; ackguard is the only limiter");
		else
			snprintf(buf, len, "the kernel answers every invalid "
				 "segment and %s: nothing limits the answers",
				 us);
		break;
	case AGC_LIMITER_ON:
		if (enforce)
			snprintf(buf, len, "the kernel limits too (one answer "
				 "per %" PRIu32 " ms per socket); ackguard adds "
				 "the per-flow view and its own policy",
				 k->ratelimit_ms);
		else
			snprintf(buf, len, "the kernel limits (one answer per "
				 "%" PRIu32 " ms per socket); %s, it adds the "
				 "per-flow view", k->ratelimit_ms, us);
		break;
	case AGC_LIMITER_ABSENT:
		if (enforce)
			snprintf(buf, len, "the kernel has no upstream limiter "
				 "(before 4.0); ackguard is the only limiter");
		else
			snprintf(buf, len, "the kernel has no upstream limiter "
				 "(before 4.0) and %s: nothing limits the "
				 "answers", us);
		break;
	case AGC_LIMITER_UNKNOWN:
		snprintf(buf, len, "net.ipv4.tcp_invalid_ratelimit could not "
			 "be read (%s)", k->why);
		break;
	}
	return buf;
}
