// SPDX-License-Identifier: GPL-2.0
/* ackguardctl: Prometheus text exposition format (version 0.0.4). */
#include <inttypes.h>
#include <stdio.h>

#include "print.h"

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void config_prom(FILE *f, const struct agc_config *cfg)
{
	for (size_t i = 0; i < agc_ncfg; i++) {
		const struct agc_cfg_info *ci = &agc_cfg_infos[i];
		uint32_t v = cfg->v[ci->attr];

		if (!(cfg->have & AGC_BIT(ci->attr)))
			continue;
		family(f, ci->prom, "gauge", ci->help);
		switch (ci->kind) {
		case AGC_CFG_MODE:
			for (unsigned int m = 0; m <= ACKGUARD_MODE_MAX; m++)
				fprintf(f, "%s{mode=\"%s\"} %d\n", ci->prom,
					agc_mode_names[m], v == m);
			break;
		case AGC_CFG_MS:
			fprintf(f, "%s %" PRIu32 ".%03" PRIu32 "\n", ci->prom,
				v / 1000, v % 1000);
			break;
		default:
			fprintf(f, "%s %" PRIu32 "\n", ci->prom, v);
			break;
		}
	}
}

static void counters_prom(FILE *f, const struct agc_counters *c)
{
	for (size_t i = 0; i < agc_nrsn; i++) {
		const struct agc_rsn_info *ri = &agc_rsn_infos[i];
		bool header = false;
		uint64_t v;

		for (unsigned int r = 0; r < ACKGUARD_REASON_COUNT; r++) {
			if (!agc_rsn_get(&c->reason[r], ri->attr, &v))
				continue;
			if (!header)
				family(f, ri->prom, "counter", ri->help);
			header = true;
			fprintf(f, "%s{reason=\"%s\"} %" PRIu64 "\n", ri->prom,
				agc_reason_names[r], v);
		}
	}
	for (size_t i = 0; i < agc_nctr; i++) {
		const struct agc_ctr_info *ci = &agc_ctr_infos[i];

		if (!(c->have & AGC_BIT(ci->attr)))
			continue;
		family(f, ci->prom, ci->gauge ? "gauge" : "counter", ci->help);
		fprintf(f, "%s %" PRIu64 "\n", ci->prom, c->v[ci->attr]);
	}
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void kernel_prom(FILE *f, const struct agc_kernel *k)
{
	family(f, "ackguard_build_info", "gauge",
	       "ackguardctl's version and the running kernel's release.");
	fputs("ackguard_build_info{version=", f);
	label_value(f, k->version ? k->version : "unknown");
	fputs(",kernel=", f);
	label_value(f, k->release);
	fputs("} 1\n", f);
	/* Unreadable: say nothing rather than a wrong "absent". */
	if (k->limiter == AGC_LIMITER_UNKNOWN)
		return;
	family(f, "ackguard_kernel_limiter_present", "gauge",
	       "1 if the kernel has net.ipv4.tcp_invalid_ratelimit (4.0+).");
	fprintf(f, "ackguard_kernel_limiter_present %d\n",
		k->limiter != AGC_LIMITER_ABSENT);
	if (k->limiter == AGC_LIMITER_ABSENT)
		return;
	/*
	 * In seconds, Prometheus' base unit (promtool rejects "_ms"), like
	 * ackguard_config_interval_seconds.
	 */
	family(f, "ackguard_kernel_invalid_ratelimit_seconds", "gauge",
	       "net.ipv4.tcp_invalid_ratelimit of the namespace: the kernel's "
	       "own limit, one answer per this long per socket (0: none).");
	fprintf(f, "ackguard_kernel_invalid_ratelimit_seconds %" PRIu32 ".%03"
		PRIu32 "\n", k->ratelimit_ms / 1000, k->ratelimit_ms % 1000);
}

void agc_stats_prom(FILE *f, const struct agc_config *cfg,
		    const struct agc_counters *c, const struct agc_kernel *k)
{
	if (c) {
		/* A file without this line is stale or from a failed run. */
		family(f, "ackguard_up", "gauge",
		       "1: the module was loaded and read.");
		fprintf(f, "ackguard_up 1\n");
	}
	if (k)
		kernel_prom(f, k);
	if (c)
		counters_prom(f, c);
	if (cfg)
		config_prom(f, cfg);
}
