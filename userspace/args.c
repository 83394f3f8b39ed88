// SPDX-License-Identifier: GPL-2.0
/* ackguardctl: parsing the argument lists of the commands. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "parse.h"

static const char *const family_words[] = { "inet", "inet6" };
static const char *const sort_words[] = {
	[AGC_SORT_NONE] = NULL,
	[AGC_SORT_RATE] = "rate",
	[AGC_SORT_DROPPED] = "dropped",
	[AGC_SORT_SEEN] = "seen",
};

static void list_keys(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < agc_ncfg && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 agc_cfg_infos[i].key);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

int agc_parse_set_args(int argc, char **argv, struct agc_config *cfg,
		       struct agc_err *e)
{
	char keys[128];

	memset(cfg, 0, sizeof(*cfg));
	list_keys(keys, sizeof(keys));
	if (argc == 0) {
		agc_err_set(e, "nothing to set (keys: %s)", keys);
		return -1;
	}
	for (int i = 0; i < argc; i += 2) {
		const struct agc_cfg_info *ci = agc_cfg_info_by_key(argv[i]);

		if (!ci) {
			agc_err_set(e, "unknown key \"%s\" (keys: %s)", argv[i],
				    keys);
			return -1;
		}
		if (i + 1 >= argc) {
			agc_err_set(e, "missing value for \"%s\"", argv[i]);
			return -1;
		}
		if (cfg->have & AGC_BIT(ci->attr)) {
			agc_err_set(e, "key \"%s\" given twice", argv[i]);
			return -1;
		}
		if (agc_parse_cfg_value(ci, argv[i + 1], &cfg->v[ci->attr], e)) {
			agc_err_prefix(e, "invalid %s \"%s\": ", ci->key,
				       argv[i + 1]);
			return -1;
		}
		cfg->have |= AGC_BIT(ci->attr);
	}
	return 0;
}

/* The filter word w with value v; sets the FLT_* bit it fills. */
static int parse_filter_word(const char *w, const char *v,
			     struct agc_flows_opts *o, uint32_t *bit,
			     struct agc_err *e)
{
	struct agc_filter *f = &o->flt;
	struct agc_prefix p;
	uint64_t n;
	int i;

	if (!strcmp(w, "family")) {
		*bit = AGC_BIT(ACKGUARD_FLT_FAMILY);
		i = agc_parse_word(v, family_words, 2);
		if (i < 0) {
			agc_err_set(e, "use inet or inet6");
			return -1;
		}
		f->family = i ? AF_INET6 : AF_INET;
	} else if (!strcmp(w, "addr")) {
		*bit = AGC_BIT(ACKGUARD_FLT_ADDR);
		if (agc_parse_prefix(v, &p, e))
			return -1;
		memcpy(f->addr, p.addr, sizeof(f->addr));
		f->addr_len = p.family == AF_INET ? 4 : 16;
		f->prefix_len = p.len;
		if (p.has_len)
			f->have |= AGC_BIT(ACKGUARD_FLT_PREFIX_LEN);
	} else if (!strcmp(w, "port")) {
		*bit = AGC_BIT(ACKGUARD_FLT_PORT);
		if (agc_parse_u64(v, 1, 65535, &n, e))
			return -1;
		f->port = (uint16_t)n;
	} else if (!strcmp(w, "reason")) {
		*bit = AGC_BIT(ACKGUARD_FLT_REASON);
		i = agc_parse_word(v, agc_reason_names, ACKGUARD_REASON_COUNT);
		if (i < 0) {
			agc_err_set(e, "use paws, seq, challenge, synrecv, "
				    "finwait2 or timewait");
			return -1;
		}
		f->reason = (uint8_t)i;
	} else if (!strcmp(w, "min-rate")) {
		*bit = AGC_BIT(ACKGUARD_FLT_MIN_RATE);
		if (agc_parse_u64(v, 0, UINT32_MAX, &n, e))
			return -1;
		f->min_rate = (uint32_t)n;
	} else if (!strcmp(w, "--sort")) {
		*bit = AGC_BIT(__ACKGUARD_FLT_MAX);
		i = agc_parse_word(v, sort_words, AGC_ARRAY_SIZE(sort_words));
		if (i < 0) {
			agc_err_set(e, "use rate, dropped or seen");
			return -1;
		}
		o->sort = (enum agc_sort)i;
	} else if (!strcmp(w, "--top")) {
		*bit = AGC_BIT(__ACKGUARD_FLT_MAX + 1);
		if (agc_parse_u64(v, 1, UINT32_MAX, &n, e))
			return -1;
		o->top = (uint32_t)n;
	} else {
		*bit = 0;
		agc_err_set(e, "unknown word \"%s\"", w);
		return -1;
	}
	return 0;
}

int agc_parse_flows_args(int argc, char **argv, struct agc_flows_opts *o,
			 struct agc_err *e)
{
	uint32_t seen = 0, bit;
	struct agc_filter *f = &o->flt;
	const char *addr = NULL;

	memset(o, 0, sizeof(*o));
	for (int i = 0; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v) {
			/* Name an unknown word rather than a missing value. */
			if (!parse_filter_word(argv[i], "", o, &bit, e) || bit)
				agc_err_set(e, "missing value after \"%s\"",
					    argv[i]);
			return -1;
		}
		if (parse_filter_word(argv[i], v, o, &bit, e)) {
			if (bit)
				agc_err_prefix(e, "invalid %s \"%s\": ",
					       argv[i], v);
			return -1;
		}
		if (seen & bit) {
			agc_err_set(e, "\"%s\" given twice", argv[i]);
			return -1;
		}
		seen |= bit;
		if (bit == AGC_BIT(ACKGUARD_FLT_ADDR))
			addr = v;
	}
	f->have |= seen & (AGC_BIT(__ACKGUARD_FLT_MAX) - 1);
	if ((f->have & AGC_BIT(ACKGUARD_FLT_FAMILY)) &&
	    (f->have & AGC_BIT(ACKGUARD_FLT_ADDR)) &&
	    (f->addr_len == 4) != (f->family == AF_INET)) {
		agc_err_set(e, "addr \"%s\" is not an %s address", addr,
			    f->family == AF_INET ? "inet" : "inet6");
		return -1;
	}
	if (o->top && o->sort == AGC_SORT_NONE)
		o->sort = AGC_SORT_RATE;
	return 0;
}

/* "--name VALUE" of watch and monitor: a duration or a plain number. */
struct num_opt {
	const char *name;
	uint64_t unit_ms;	/* a duration: a bare number's unit; 0: a count */
	uint64_t min, max;
	uint64_t *out;
};

static int parse_num_opts(int argc, char **argv, const struct num_opt *opts,
			  size_t nopts, struct agc_err *e)
{
	for (int i = 0; i < argc; i += 2) {
		const char *w = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const struct num_opt *o = NULL;
		int rc;

		for (size_t k = 0; k < nopts && !o; k++)
			if (!strcmp(w, opts[k].name))
				o = &opts[k];
		if (!o) {
			agc_err_set(e, "unknown word \"%s\"", w);
			return -1;
		}
		if (!v) {
			agc_err_set(e, "missing value after \"%s\"", w);
			return -1;
		}
		if (o->unit_ms)
			rc = agc_parse_duration(v, o->unit_ms, o->min, o->max,
						o->out, e);
		else
			rc = agc_parse_u64(v, o->min, o->max, o->out, e);
		if (rc) {
			agc_err_prefix(e, "invalid %s \"%s\": ", w, v);
			return -1;
		}
	}
	return 0;
}

int agc_parse_watch_args(int argc, char **argv, struct agc_watch_opts *o,
			 struct agc_err *e)
{
	const struct num_opt opts[] = {
		{ "--interval", 1000, 100, 3600000, &o->interval_ms },
		{ "--count", 0, 1, UINT32_MAX, &o->count },
	};

	o->interval_ms = 1000;
	o->count = 0;
	return parse_num_opts(argc, argv, opts, AGC_ARRAY_SIZE(opts), e);
}

int agc_parse_monitor_args(int argc, char **argv, struct agc_monitor_opts *o,
			   struct agc_err *e)
{
	const struct num_opt opts[] = {
		{ "--count", 0, 1, UINT32_MAX, &o->count },
		{ "--timeout", 1000, 1, 31536000000ULL, &o->timeout_ms },
	};

	o->count = 0;
	o->timeout_ms = 0;
	return parse_num_opts(argc, argv, opts, AGC_ARRAY_SIZE(opts), e);
}

int agc_parse_stats_args(int argc, char **argv, enum agc_output *out,
			 struct agc_err *e)
{
	static const char *const formats[] = {
		[AGC_OUT_TEXT] = "text",
		[AGC_OUT_JSON] = "json",
		[AGC_OUT_PROM] = "prometheus",
	};

	for (int i = 0; i < argc; i += 2) {
		const char *w = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int f;

		if (strcmp(w, "-o") && strcmp(w, "--output")) {
			agc_err_set(e, "unknown word \"%s\"", w);
			return -1;
		}
		if (!v) {
			agc_err_set(e, "missing value after \"%s\"", w);
			return -1;
		}
		f = agc_parse_word(v, formats, AGC_ARRAY_SIZE(formats));
		if (f < 0 && !strcmp(v, "prom"))
			f = AGC_OUT_PROM;
		if (f < 0) {
			agc_err_set(e, "invalid %s \"%s\": use text, json or "
				    "prometheus", w, v);
			return -1;
		}
		*out = (enum agc_output)f;
	}
	return 0;
}
