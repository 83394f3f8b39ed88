// SPDX-License-Identifier: GPL-2.0
/* ackguardctl: formatting addresses, durations and times for output. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"

const char *agc_fmt_addr(char *buf, size_t len, unsigned int family,
			 const uint8_t *addr)
{
	if ((family != AF_INET && family != AF_INET6) ||
	    !inet_ntop((int)family, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *agc_fmt_endpoint(char *buf, size_t len, unsigned int family,
			     const uint8_t *addr, uint16_t port)
{
	char a[AGC_ADDR_LEN];

	agc_fmt_addr(a, sizeof(a), family, addr);
	if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
	return buf;
}

const char *agc_fmt_age(char *buf, size_t len, uint64_t ms)
{
	const uint64_t s = ms / 1000, m = s / 60, h = m / 60, d = h / 24;

	if (ms < 1000)
		snprintf(buf, len, "%" PRIu64 "ms", ms);
	else if (s < 60)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "s", s,
			 (ms % 1000) / 100);
	else if (m < 60)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", m, s % 60);
	else if (h < 24)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", h, m % 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", d, h % 24);
	return buf;
}

const char *agc_fmt_ms(char *buf, size_t len, uint64_t ms)
{
	if (ms && ms % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 "s", ms / 1000);
	else
		snprintf(buf, len, "%" PRIu64 "ms", ms);
	return buf;
}

const char *agc_fmt_reasons(char *buf, size_t len, const struct agc_flow *f)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < ACKGUARD_REASON_COUNT; i++) {
		int n;

		if (!f->reason[i].have)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
			     agc_reason_names[i]);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	if (!used)
		snprintf(buf, len, "-");
	return buf;
}

const char *agc_fmt_time(char *buf, size_t len, const struct timespec *ts,
			 bool utc)
{
	char date[32], zone[8] = "Z";
	struct tm tm;
	time_t t = ts->tv_sec;

	if (utc ? !gmtime_r(&t, &tm) : !localtime_r(&t, &tm)) {
		snprintf(buf, len, "?");
		return buf;
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	if (!utc)
		strftime(zone, sizeof(zone), "%z", &tm);
	snprintf(buf, len, "%s.%03ld%s", date, ts->tv_nsec / 1000000L, zone);
	return buf;
}
