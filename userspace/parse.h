/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguardctl: command-line parsing. Every function returns 0 on success
 * or -1 with e->msg naming the offending word; nothing here prints.
 */
#ifndef AGC_PARSE_H
#define AGC_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "agc.h"

struct agc_prefix {
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];		/* host bits cleared if has_len */
	uint8_t len;			/* prefix length; full if !has_len */
	bool has_len;
};

enum agc_output {
	AGC_OUT_TEXT,
	AGC_OUT_JSON,
	AGC_OUT_PROM,
};

struct agc_watch_opts {
	uint64_t interval_ms;		/* default 1000 */
	uint64_t count;			/* refreshes; 0: until a signal */
};

struct agc_monitor_opts {
	uint64_t count;			/* events; 0: until a signal */
	uint64_t timeout_ms;		/* 0: none */
};

/* Decimal integer in [min, max]; no sign, no spaces. */
int agc_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		  struct agc_err *e);
/*
 * Duration "N[.F][unit]", unit one of ms, s, m, h, d; a bare number is in
 * units of bare_ms. The result must be a whole number of milliseconds
 * within [min_ms, max_ms].
 */
int agc_parse_duration(const char *s, uint64_t bare_ms, uint64_t min_ms,
		       uint64_t max_ms, uint64_t *out_ms, struct agc_err *e);
/* "10.0.0.1", "10.0.0.0/8", "2001:db8::/32", "[::1]", "[::1]/128" */
int agc_parse_prefix(const char *s, struct agc_prefix *p, struct agc_err *e);
/* Index of s in words[0..n), or -1. */
int agc_parse_word(const char *s, const char *const *words, size_t n);
/* One "set" value for the given key, in the attribute's unit. */
int agc_parse_cfg_value(const struct agc_cfg_info *ci, const char *s,
			uint32_t *out, struct agc_err *e);

/* Command argument lists (argv after the command word). */
int agc_parse_set_args(int argc, char **argv, struct agc_config *cfg,
		       struct agc_err *e);
int agc_parse_flows_args(int argc, char **argv, struct agc_flows_opts *o,
			 struct agc_err *e);
int agc_parse_watch_args(int argc, char **argv, struct agc_watch_opts *o,
			 struct agc_err *e);
int agc_parse_monitor_args(int argc, char **argv, struct agc_monitor_opts *o,
			   struct agc_err *e);
int agc_parse_stats_args(int argc, char **argv, enum agc_output *out,
			 struct agc_err *e);

#endif /* AGC_PARSE_H */
