// SPDX-License-Identifier: GPL-2.0
/* ackguardctl: parsing single values (integers, durations, addresses). */
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "parse.h"

int agc_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		  struct agc_err *e)
{
	uint64_t v = 0;
	const char *p;

	if (!*s) {
		agc_err_set(e, "empty value");
		return -1;
	}
	if (*s == '-') {
		agc_err_set(e, "must not be negative");
		return -1;
	}
	for (p = s; *p; p++) {
		if (!isdigit((unsigned char)*p)) {
			agc_err_set(e, "not a number");
			return -1;
		}
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			goto range;
	}
	if (v < min || v > max)
		goto range;
	*out = v;
	return 0;
range:
	agc_err_set(e, "out of range (%" PRIu64 "..%" PRIu64 ")", min, max);
	return -1;
}

static const struct {
	const char *name;
	uint64_t ms;
} duration_units[] = {
	{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	{ "d", 86400000 },
};

/*
 * Reads "N[.F]" into mant/scale (value = mant / scale) and returns the end,
 * or NULL if there is no number. Fraction digits past the ninth cannot
 * change a whole number of milliseconds, so they only set *inexact when
 * not zero.
 */
static const char *parse_decimal(const char *p, uint64_t *mant,
				 uint64_t *scale, bool *overflow, bool *inexact)
{
	const char *start = p;
	unsigned int frac = 0;

	*mant = 0;
	*scale = 1;
	*overflow = *inexact = false;
	for (; isdigit((unsigned char)*p); p++)
		if (__builtin_mul_overflow(*mant, 10, mant) ||
		    __builtin_add_overflow(*mant, (uint64_t)(*p - '0'), mant))
			*overflow = true;
	if (p == start)
		return NULL;
	if (*p != '.')
		return p;
	for (p++; isdigit((unsigned char)*p); p++, frac++) {
		if (frac >= 9) {
			*inexact |= *p != '0';
			continue;
		}
		if (__builtin_mul_overflow(*mant, 10, mant) ||
		    __builtin_add_overflow(*mant, (uint64_t)(*p - '0'), mant))
			*overflow = true;
		*scale *= 10;
	}
	return frac ? p : NULL;
}

int agc_parse_duration(const char *s, uint64_t bare_ms, uint64_t min_ms,
		       uint64_t max_ms, uint64_t *out_ms, struct agc_err *e)
{
	uint64_t mant, scale, unit = bare_ms, total;
	char lo[24], hi[24];
	const char *p;
	bool overflow, inexact;

	if (!*s) {
		agc_err_set(e, "empty value");
		return -1;
	}
	if (*s == '-') {
		agc_err_set(e, "must not be negative");
		return -1;
	}
	p = parse_decimal(s, &mant, &scale, &overflow, &inexact);
	if (!p) {
		agc_err_set(e, "not a duration (expected e.g. 500ms, 1s, 2m)");
		return -1;
	}
	if (*p) {
		size_t i;

		for (i = 0; i < AGC_ARRAY_SIZE(duration_units); i++)
			if (!strcmp(p, duration_units[i].name))
				break;
		if (i == AGC_ARRAY_SIZE(duration_units)) {
			agc_err_set(e, "unknown unit \"%s\" (use ms, s, m, h or d)",
				    p);
			return -1;
		}
		unit = duration_units[i].ms;
	}
	if (overflow || __builtin_mul_overflow(mant, unit, &total))
		goto range;
	if (inexact || total % scale) {
		agc_err_set(e, "not a whole number of milliseconds");
		return -1;
	}
	total /= scale;
	if (total < min_ms || total > max_ms)
		goto range;
	*out_ms = total;
	return 0;
range:
	agc_err_set(e, "out of range (%s..%s)", agc_fmt_ms(lo, sizeof(lo), min_ms),
		    agc_fmt_ms(hi, sizeof(hi), max_ms));
	return -1;
}

static void clear_host_bits(uint8_t *addr, unsigned int bytes, unsigned int len)
{
	for (unsigned int i = 0; i < bytes; i++) {
		if (len >= 8 * (i + 1))
			continue;
		addr[i] &= len > 8 * i ? (uint8_t)(0xff << (8 - (len - 8 * i))) : 0;
	}
}

int agc_parse_prefix(const char *s, struct agc_prefix *p, struct agc_err *e)
{
	char buf[INET6_ADDRSTRLEN + 8], *a = buf, *slash;
	size_t n = strlen(s);
	unsigned int max;
	uint64_t len;

	memset(p, 0, sizeof(*p));
	if (!n) {
		agc_err_set(e, "empty value");
		return -1;
	}
	if (n >= sizeof(buf))
		goto bad;
	memcpy(buf, s, n + 1);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (a[0] == '[') {
		size_t al = strlen(a);

		if (al < 2 || a[al - 1] != ']')
			goto bad;
		a[al - 1] = '\0';
		a++;
		if (inet_pton(AF_INET6, a, p->addr) != 1)
			goto bad;
		p->family = AF_INET6;
	} else if (inet_pton(AF_INET, a, p->addr) == 1) {
		p->family = AF_INET;
	} else if (inet_pton(AF_INET6, a, p->addr) == 1) {
		p->family = AF_INET6;
	} else {
		goto bad;
	}
	max = p->family == AF_INET ? 32 : 128;
	p->len = (uint8_t)max;
	if (!slash)
		return 0;
	if (agc_parse_u64(slash, 0, max, &len, e)) {
		agc_err_prefix(e, "bad prefix length \"%s\": ", slash);
		return -1;
	}
	p->len = (uint8_t)len;
	p->has_len = true;
	clear_host_bits(p->addr, max / 8, p->len);
	return 0;
bad:
	agc_err_set(e, "not an IPv4 or IPv6 address");
	return -1;
}

int agc_parse_word(const char *s, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (words[i] && !strcmp(s, words[i]))
			return (int)i;
	return -1;
}

int agc_parse_cfg_value(const struct agc_cfg_info *ci, const char *s,
			uint32_t *out, struct agc_err *e)
{
	static const char *const onoff[] = { "off", "on" };
	uint64_t v;
	int i;

	switch (ci->kind) {
	case AGC_CFG_MODE:
		i = agc_parse_word(s, agc_mode_names, __ACKGUARD_MODE_MAX);
		if (i < 0) {
			agc_err_set(e, "use off, monitor or enforce");
			return -1;
		}
		*out = (uint32_t)i;
		return 0;
	case AGC_CFG_ONOFF:
		i = agc_parse_word(s, onoff, 2);
		if (i < 0) {
			agc_err_set(e, "use on or off");
			return -1;
		}
		*out = (uint32_t)i;
		return 0;
	case AGC_CFG_MS:
		if (agc_parse_duration(s, 1, ci->min, ci->max, &v, e))
			return -1;
		*out = (uint32_t)v;
		return 0;
	case AGC_CFG_SEC:
		if (agc_parse_duration(s, 1000, ci->min * 1000ULL,
				       ci->max * 1000ULL, &v, e))
			return -1;
		if (v % 1000) {
			agc_err_set(e, "not a whole number of seconds");
			return -1;
		}
		*out = (uint32_t)(v / 1000);
		return 0;
	case AGC_CFG_UINT:
		if (agc_parse_u64(s, ci->min, ci->max, &v, e))
			return -1;
		*out = (uint32_t)v;
		return 0;
	}
	agc_err_set(e, "internal error: unknown key kind");
	return -1;
}
