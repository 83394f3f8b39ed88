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

void agc_stats_prom(FILE *f, const struct agc_config *cfg,
		    const struct agc_counters *c)
{
	if (c)
		counters_prom(f, c);
	if (cfg)
		config_prom(f, cfg);
}
