// SPDX-License-Identifier: GPL-2.0
/* ackguardctl: human-readable text output. */
#include <inttypes.h>
#include <stdio.h>

#include "format.h"
#include "print.h"
#include "table.h"

static const char *cfg_value(char *buf, size_t len,
			     const struct agc_cfg_info *ci, uint32_t v)
{
	const char *mode;

	switch (ci->kind) {
	case AGC_CFG_MODE:
		mode = agc_mode_name(v);
		if (mode)
			return mode;
		break;
	case AGC_CFG_ONOFF:
		return v ? "on" : "off";
	case AGC_CFG_MS:
		return agc_fmt_ms(buf, len, v);
	case AGC_CFG_SEC:
		snprintf(buf, len, "%" PRIu32 "s", v);
		return buf;
	case AGC_CFG_UINT:
		break;
	}
	snprintf(buf, len, "%" PRIu32, v);
	return buf;
}

static void config_text(FILE *f, const struct agc_config *cfg)
{
	struct agc_table t;
	char buf[32];

	agc_table_init(&t, "ll");
	for (size_t i = 0; i < agc_ncfg; i++) {
		const struct agc_cfg_info *ci = &agc_cfg_infos[i];

		if (cfg->have & AGC_BIT(ci->attr))
			agc_table_row(&t, ci->key, cfg_value(buf, sizeof(buf),
					ci, cfg->v[ci->attr]));
	}
	fprintf(f, "config:\n");
	agc_table_print(&t, f, "  ");
	agc_table_free(&t);
}

static const char *u64_cell(char *buf, size_t len, bool have, uint64_t v)
{
	if (!have)
		return "-";
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

static void counters_text(FILE *f, const struct agc_counters *c)
{
	struct agc_table t;
	char b[4][24];
	uint64_t v[4];
	bool h[4];

	agc_table_init(&t, "lr");
	for (size_t i = 0; i < agc_nctr; i++) {
		const struct agc_ctr_info *ci = &agc_ctr_infos[i];

		if (c->have & AGC_BIT(ci->attr))
			agc_table_row(&t, ci->text, u64_cell(b[0], sizeof(b[0]),
					true, c->v[ci->attr]));
	}
	fprintf(f, "counters:\n");
	agc_table_print(&t, f, "  ");
	agc_table_free(&t);

	agc_table_init(&t, "lrrrr");
	agc_table_row(&t, "reason", "seen", "passed", "dropped", "overlimit");
	for (unsigned int r = 0; r < ACKGUARD_REASON_COUNT; r++) {
		for (size_t i = 0; i < 4; i++)
			h[i] = agc_rsn_get(&c->reason[r], agc_rsn_infos[i].attr,
					   &v[i]);
		agc_table_row(&t, agc_reason_names[r],
			      u64_cell(b[0], sizeof(b[0]), h[0], v[0]),
			      u64_cell(b[1], sizeof(b[1]), h[1], v[1]),
			      u64_cell(b[2], sizeof(b[2]), h[2], v[2]),
			      u64_cell(b[3], sizeof(b[3]), h[3], v[3]));
	}
	fprintf(f, "reasons:\n");
	agc_table_print(&t, f, "  ");
	agc_table_free(&t);
}

static void kernel_text(FILE *f, const struct agc_kernel *k,
			const struct agc_config *cfg)
{
	const char *mode = NULL;
	char val[32], note[256];
	struct agc_table t;

	if (cfg && (cfg->have & AGC_BIT(ACKGUARD_CFG_MODE)))
		mode = agc_mode_name(cfg->v[ACKGUARD_CFG_MODE]);
	switch (k->limiter) {
	case AGC_LIMITER_ON:
	case AGC_LIMITER_OFF:
		snprintf(val, sizeof(val), "%" PRIu32 "ms", k->ratelimit_ms);
		break;
	case AGC_LIMITER_ABSENT:
		snprintf(val, sizeof(val), "absent");
		break;
	case AGC_LIMITER_UNKNOWN:
		snprintf(val, sizeof(val), "unknown");
		break;
	}
	agc_table_init(&t, "ll");
	agc_table_row(&t, "release", k->release);
	agc_table_row(&t, "tcp_invalid_ratelimit", val);
	agc_table_row(&t, "limiter", agc_limiter_name(k->limiter));
	fprintf(f, "kernel:\n");
	agc_table_print(&t, f, "  ");
	agc_table_free(&t);
	fprintf(f, "  %s\n", agc_limiter_note(note, sizeof(note), k, mode));
}

void agc_show_text(FILE *f, const struct agc_config *cfg,
		   const struct agc_counters *c, const struct agc_kernel *k)
{
	if (cfg)
		config_text(f, cfg);
	if (k)
		kernel_text(f, k, cfg);
	if (c)
		counters_text(f, c);
}

static const char *flow_sum_cell(char *buf, size_t len,
				 const struct agc_flow *fl, unsigned int attr)
{
	uint64_t v;
	bool have = agc_flow_sum(fl, attr, &v);

	return u64_cell(buf, len, have, v);
}

static void flow_row(struct agc_table *t, const struct agc_flow *fl)
{
	char loc[AGC_ENDPOINT_LEN], rem[AGC_ENDPOINT_LEN];
	char rsn[AGC_REASONS_LEN], seen[24], pass[24], drop[24], over[24];
	char rate[24], age[24];
	uint64_t overlimit;
	bool have_over = agc_flow_overlimit(fl, &overlimit);

	agc_table_row(t,
		agc_fmt_endpoint(loc, sizeof(loc), fl->family, fl->local,
				 fl->local_port),
		agc_fmt_endpoint(rem, sizeof(rem), fl->family, fl->remote,
				 fl->remote_port),
		(fl->have & AGC_BIT(ACKGUARD_FLOW_STATE)) ?
			agc_state_name(fl->state) : "-",
		agc_fmt_reasons(rsn, sizeof(rsn), fl),
		flow_sum_cell(seen, sizeof(seen), fl, ACKGUARD_RSN_SEEN),
		flow_sum_cell(pass, sizeof(pass), fl, ACKGUARD_RSN_PASSED),
		flow_sum_cell(drop, sizeof(drop), fl, ACKGUARD_RSN_DROPPED),
		u64_cell(over, sizeof(over), have_over, overlimit),
		u64_cell(rate, sizeof(rate),
			 fl->have & AGC_BIT(ACKGUARD_FLOW_RATE), fl->rate),
		(fl->have & AGC_BIT(ACKGUARD_FLOW_AGE_MS)) ?
			agc_fmt_age(age, sizeof(age), fl->age_ms) : "-",
		fl->storm ? "storm" : "");
}

void agc_flows_text(FILE *f, const struct agc_flow *v, size_t n)
{
	struct agc_table t;

	agc_table_init(&t, "llllrrrrrrl");
	agc_table_row(&t, "Local Address:Port", "Peer Address:Port", "State",
		      "Reasons", "Seen", "Passed", "Dropped", "Overlimit",
		      "Rate/s", "Age", "");
	for (size_t i = 0; i < n; i++)
		flow_row(&t, &v[i]);
	agc_table_print(&t, f, NULL);
	agc_table_free(&t);
}

void agc_event_text(FILE *f, int cmd, const struct agc_flow *fl,
		    const struct timespec *ts)
{
	char tm[AGC_TIME_LEN], loc[AGC_ENDPOINT_LEN], rem[AGC_ENDPOINT_LEN];
	char rsn[AGC_REASONS_LEN];

	fprintf(f, "%s %s %s %s", agc_fmt_time(tm, sizeof(tm), ts, false),
		cmd == ACKGUARD_CMD_STORM_START ? "storm-start" : "storm-end",
		agc_fmt_endpoint(loc, sizeof(loc), fl->family, fl->local,
				 fl->local_port),
		agc_fmt_endpoint(rem, sizeof(rem), fl->family, fl->remote,
				 fl->remote_port));
	if (fl->have & AGC_BIT(ACKGUARD_FLOW_STATE))
		fprintf(f, " %s", agc_state_name(fl->state));
	if (fl->have & AGC_BIT(ACKGUARD_FLOW_RATE))
		fprintf(f, " rate %" PRIu32 "/s", fl->rate);
	if (fl->have & AGC_BIT(ACKGUARD_FLOW_REASON))
		fprintf(f, " reasons %s", agc_fmt_reasons(rsn, sizeof(rsn), fl));
	fputc('\n', f);
}

static const char *rate_cell(char *buf, size_t len, bool have, double v)
{
	if (!have)
		return "-";
	snprintf(buf, len, "%.1f", v);
	return buf;
}

static void watch_reasons(FILE *f, const struct agc_watch_frame *w)
{
	struct agc_table t;
	char b[4][32];

	agc_table_init(&t, "lrrrr");
	agc_table_row(&t, "reason", "seen/s", "passed/s", "dropped/s",
		      "overlimit/s");
	for (unsigned int r = 0; r < ACKGUARD_REASON_COUNT; r++) {
		const struct agc_rsn_rate *rr = &w->rsn[r];
		const char *cell[4];

		for (size_t i = 0; i < 4; i++) {
			unsigned int a = agc_rsn_infos[i].attr;

			cell[i] = rate_cell(b[i], sizeof(b[i]),
					    rr->have & AGC_BIT(a), rr->v[a]);
		}
		agc_table_row(&t, agc_reason_names[r], cell[0], cell[1],
			      cell[2], cell[3]);
	}
	agc_table_print(&t, f, NULL);
	agc_table_free(&t);
}

static void watch_counters(FILE *f, const struct agc_watch_frame *w)
{
	struct agc_table t;
	char name[64], val[32];

	agc_table_init(&t, "lr");
	for (size_t i = 0; i < agc_nctr; i++) {
		const struct agc_ctr_info *ci = &agc_ctr_infos[i];

		if (!(w->ctr_have & AGC_BIT(ci->attr)))
			continue;
		snprintf(name, sizeof(name), "%s%s", ci->text,
			 ci->gauge ? "" : "/s");
		if (ci->gauge)
			snprintf(val, sizeof(val), "%.0f", w->ctr[ci->attr]);
		else
			snprintf(val, sizeof(val), "%.1f", w->ctr[ci->attr]);
		agc_table_row(&t, name, val);
	}
	for (unsigned int i = 0; i < AGC_NS_COUNT; i++) {
		if (!(w->ns_have & AGC_BIT(i)))
			continue;
		snprintf(name, sizeof(name), "TcpExt:%s/s", agc_ns_names[i]);
		snprintf(val, sizeof(val), "%.1f", w->ns[i]);
		agc_table_row(&t, name, val);
	}
	agc_table_print(&t, f, NULL);
	agc_table_free(&t);
}

void agc_watch_text(FILE *f, const struct agc_watch_frame *w)
{
	char tm[AGC_TIME_LEN];

	fprintf(f, "ackguard watch: refresh %" PRIu64 ", %.2fs, %s\n\n",
		w->refresh, w->elapsed,
		agc_fmt_time(tm, sizeof(tm), &w->now, false));
	watch_reasons(f, w);
	fputc('\n', f);
	watch_counters(f, w);
	fputc('\n', f);
	if (!w->flows_ok) {
		fprintf(f, "top flows by rate: unavailable\n");
		return;
	}
	fprintf(f, "top flows by rate:\n");
	agc_flows_text(f, w->top, w->ntop);
}

/* ---- dump: the stable format ------------------------------------------ */

static void dump_u64(FILE *f, bool have, uint64_t v)
{
	if (have)
		fprintf(f, "\t%" PRIu64, v);
	else
		fputs("\t-", f);
}

/*
 * The columns, in this order, never change (ackguardctl.8, DUMP FORMAT):
 * family, local address, local port, remote address, remote port, state,
 * storm, rate, age_ms, idle_ms, seen, passed, dropped, overlimit, then
 * seen, passed, dropped of each reason in uapi order. A value the module
 * did not send is "-"; a reason without its nest has seen nothing: 0.
 */
static void dump_flow(FILE *f, const struct agc_flow *fl)
{
	char loc[AGC_ADDR_LEN], rem[AGC_ADDR_LEN];
	uint64_t v;
	bool have;

	fprintf(f, "%s\t%s\t%u\t%s\t%u", agc_family_name(fl->family),
		agc_fmt_addr(loc, sizeof(loc), fl->family, fl->local),
		fl->local_port,
		agc_fmt_addr(rem, sizeof(rem), fl->family, fl->remote),
		fl->remote_port);
	dump_u64(f, fl->have & AGC_BIT(ACKGUARD_FLOW_STATE), fl->state);
	fprintf(f, "\t%d", fl->storm ? 1 : 0);
	dump_u64(f, fl->have & AGC_BIT(ACKGUARD_FLOW_RATE), fl->rate);
	dump_u64(f, fl->have & AGC_BIT(ACKGUARD_FLOW_AGE_MS), fl->age_ms);
	dump_u64(f, fl->have & AGC_BIT(ACKGUARD_FLOW_IDLE_MS), fl->idle_ms);
	have = agc_flow_sum(fl, ACKGUARD_RSN_SEEN, &v);
	dump_u64(f, have, v);
	have = agc_flow_sum(fl, ACKGUARD_RSN_PASSED, &v);
	dump_u64(f, have, v);
	have = agc_flow_sum(fl, ACKGUARD_RSN_DROPPED, &v);
	dump_u64(f, have, v);
	have = agc_flow_overlimit(fl, &v);
	dump_u64(f, have, v);
	for (unsigned int r = 0; r < ACKGUARD_REASON_COUNT; r++) {
		static const unsigned int attrs[] = {
			ACKGUARD_RSN_SEEN, ACKGUARD_RSN_PASSED,
			ACKGUARD_RSN_DROPPED,
		};
		const struct agc_rsn *rs = &fl->reason[r];

		for (size_t i = 0; i < AGC_ARRAY_SIZE(attrs); i++) {
			v = 0;
			have = !rs->have || agc_rsn_get(rs, attrs[i], &v);
			dump_u64(f, have, v);
		}
	}
	fputc('\n', f);
}

void agc_flows_dump(FILE *f, const struct agc_flow *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dump_flow(f, &v[i]);
}
