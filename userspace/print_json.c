// SPDX-License-Identifier: GPL-2.0
/* ackguardctl: JSON output, one document per call. */
#include <stdio.h>

#include "format.h"
#include "json.h"
#include "print.h"

static void config_json(struct agc_json *j, const struct agc_config *cfg)
{
	agc_json_obj_begin(j, "config");
	for (size_t i = 0; i < agc_ncfg; i++) {
		const struct agc_cfg_info *ci = &agc_cfg_infos[i];
		uint32_t v = cfg->v[ci->attr];
		const char *mode;

		if (!(cfg->have & AGC_BIT(ci->attr)))
			continue;
		if (ci->kind == AGC_CFG_MODE && (mode = agc_mode_name(v)))
			agc_json_str(j, ci->json, mode);
		else if (ci->kind == AGC_CFG_ONOFF)
			agc_json_bool(j, ci->json, v);
		else
			agc_json_u64(j, ci->json, v);
	}
	agc_json_obj_end(j);
}

/*
 * {"seen":1,"passed":1,...} with the values the kernel reported. A flow's
 * reasons have no "overlimit": the flow counts it for all reasons together
 * (an older module's per-reason values only feed that sum).
 */
static void rsn_json(struct agc_json *j, const char *key,
		     const struct agc_rsn *r, bool flow)
{
	uint64_t v;

	agc_json_obj_begin(j, key);
	for (size_t i = 0; i < agc_nrsn; i++) {
		unsigned int a = agc_rsn_infos[i].attr;

		if (flow && a == ACKGUARD_RSN_OVERLIMIT)
			continue;
		if (agc_rsn_get(r, a, &v))
			agc_json_u64(j, agc_rsn_infos[i].name, v);
	}
	agc_json_obj_end(j);
}

static void counters_json(struct agc_json *j, const struct agc_counters *c)
{
	agc_json_obj_begin(j, "counters");
	for (size_t i = 0; i < agc_nctr; i++) {
		const struct agc_ctr_info *ci = &agc_ctr_infos[i];

		if (c->have & AGC_BIT(ci->attr))
			agc_json_u64(j, ci->json, c->v[ci->attr]);
	}
	agc_json_obj_begin(j, "reasons");
	for (unsigned int r = 0; r < ACKGUARD_REASON_COUNT; r++)
		if (c->reason[r].have)
			rsn_json(j, agc_reason_names[r], &c->reason[r], false);
	agc_json_obj_end(j);
	agc_json_obj_end(j);
}

/*
 * The kernel's own limiter next to ackguard's: kernel_invalid_ratelimit_ms
 * is null when the sysctl is absent (or unreadable, limiter "unknown").
 */
static void kernel_json(struct agc_json *j, const struct agc_kernel *k,
			const struct agc_config *cfg)
{
	const char *mode = NULL;
	char note[256];

	if (cfg && (cfg->have & AGC_BIT(ACKGUARD_CFG_MODE)))
		mode = agc_mode_name(cfg->v[ACKGUARD_CFG_MODE]);
	agc_json_str(j, "kernel_release", k->release);
	if (k->limiter == AGC_LIMITER_ON || k->limiter == AGC_LIMITER_OFF)
		agc_json_u64(j, "kernel_invalid_ratelimit_ms", k->ratelimit_ms);
	else
		agc_json_null(j, "kernel_invalid_ratelimit_ms");
	agc_json_str(j, "kernel_limiter", agc_limiter_name(k->limiter));
	agc_json_str(j, "kernel_limiter_note",
		     agc_limiter_note(note, sizeof(note), k, mode));
}

void agc_show_json(FILE *f, const struct agc_config *cfg,
		   const struct agc_counters *c, const struct agc_kernel *k)
{
	struct agc_json j;

	agc_json_init(&j, f);
	agc_json_obj_begin(&j, NULL);
	if (cfg)
		config_json(&j, cfg);
	if (k)
		kernel_json(&j, k, cfg);
	if (c)
		counters_json(&j, c);
	agc_json_obj_end(&j);
	fputc('\n', f);
}

static void flow_json(struct agc_json *j, const char *key,
		      const struct agc_flow *fl)
{
	char addr[AGC_ADDR_LEN];
	uint64_t v;

	agc_json_obj_begin(j, key);
	agc_json_str(j, "family", agc_family_name(fl->family));
	agc_json_str(j, "local_addr",
		     agc_fmt_addr(addr, sizeof(addr), fl->family, fl->local));
	agc_json_u64(j, "local_port", fl->local_port);
	agc_json_str(j, "remote_addr",
		     agc_fmt_addr(addr, sizeof(addr), fl->family, fl->remote));
	agc_json_u64(j, "remote_port", fl->remote_port);
	if (fl->have & AGC_BIT(ACKGUARD_FLOW_STATE))
		agc_json_str(j, "state", agc_state_name(fl->state));
	if (fl->have & AGC_BIT(ACKGUARD_FLOW_RATE))
		agc_json_u64(j, "rate", fl->rate);
	if (fl->have & AGC_BIT(ACKGUARD_FLOW_AGE_MS))
		agc_json_u64(j, "age_ms", fl->age_ms);
	if (fl->have & AGC_BIT(ACKGUARD_FLOW_IDLE_MS))
		agc_json_u64(j, "idle_ms", fl->idle_ms);
	agc_json_bool(j, "storm", fl->storm);
	for (size_t i = 0; i < agc_nrsn; i++) {
		unsigned int a = agc_rsn_infos[i].attr;
		bool have = a == ACKGUARD_RSN_OVERLIMIT ?
			    agc_flow_overlimit(fl, &v) : agc_flow_sum(fl, a, &v);

		if (have)
			agc_json_u64(j, agc_rsn_infos[i].name, v);
	}
	agc_json_obj_begin(j, "reasons");
	for (unsigned int r = 0; r < ACKGUARD_REASON_COUNT; r++)
		if (fl->reason[r].have)
			rsn_json(j, agc_reason_names[r], &fl->reason[r], true);
	agc_json_obj_end(j);
	agc_json_obj_end(j);
}

static void flows_array(struct agc_json *j, const char *key,
			const struct agc_flow *v, size_t n)
{
	agc_json_arr_begin(j, key);
	for (size_t i = 0; i < n; i++)
		flow_json(j, NULL, &v[i]);
	agc_json_arr_end(j);
}

void agc_flows_json(FILE *f, const struct agc_flow *v, size_t n)
{
	struct agc_json j;

	agc_json_init(&j, f);
	flows_array(&j, NULL, v, n);
	fputc('\n', f);
}

void agc_event_json(FILE *f, int cmd, const struct agc_flow *fl,
		    const struct timespec *ts)
{
	char tm[AGC_TIME_LEN];
	struct agc_json j;

	agc_json_init(&j, f);
	agc_json_obj_begin(&j, NULL);
	agc_json_str(&j, "time", agc_fmt_time(tm, sizeof(tm), ts, true));
	agc_json_str(&j, "event", cmd == ACKGUARD_CMD_STORM_START ?
		     "storm_start" : "storm_end");
	flow_json(&j, "flow", fl);
	agc_json_obj_end(&j);
	fputc('\n', f);
}

static void watch_rates(struct agc_json *j, const struct agc_watch_frame *w)
{
	agc_json_obj_begin(j, "per_second");
	for (size_t i = 0; i < agc_nctr; i++) {
		const struct agc_ctr_info *ci = &agc_ctr_infos[i];

		if (!ci->gauge && (w->ctr_have & AGC_BIT(ci->attr)))
			agc_json_double(j, ci->json, w->ctr[ci->attr], 3);
	}
	agc_json_obj_begin(j, "reasons");
	for (unsigned int r = 0; r < ACKGUARD_REASON_COUNT; r++) {
		const struct agc_rsn_rate *rr = &w->rsn[r];

		if (!rr->have)
			continue;
		agc_json_obj_begin(j, agc_reason_names[r]);
		for (size_t i = 0; i < agc_nrsn; i++) {
			unsigned int a = agc_rsn_infos[i].attr;

			if (rr->have & AGC_BIT(a))
				agc_json_double(j, agc_rsn_infos[i].name,
						rr->v[a], 3);
		}
		agc_json_obj_end(j);
	}
	agc_json_obj_end(j);
	agc_json_obj_begin(j, "tcpext");
	for (unsigned int i = 0; i < AGC_NS_COUNT; i++)
		if (w->ns_have & AGC_BIT(i))
			agc_json_double(j, agc_ns_names[i], w->ns[i], 3);
	agc_json_obj_end(j);
	agc_json_obj_end(j);
}

void agc_watch_json(FILE *f, const struct agc_watch_frame *w)
{
	char tm[AGC_TIME_LEN];
	struct agc_json j;

	agc_json_init(&j, f);
	agc_json_obj_begin(&j, NULL);
	agc_json_u64(&j, "refresh", w->refresh);
	agc_json_str(&j, "time", agc_fmt_time(tm, sizeof(tm), &w->now, true));
	agc_json_double(&j, "elapsed", w->elapsed, 3);
	for (size_t i = 0; i < agc_nctr; i++) {
		const struct agc_ctr_info *ci = &agc_ctr_infos[i];

		if (ci->gauge && (w->ctr_have & AGC_BIT(ci->attr)))
			agc_json_u64(&j, ci->json, (uint64_t)w->ctr[ci->attr]);
	}
	watch_rates(&j, w);
	if (w->flows_ok)
		flows_array(&j, "top_flows", w->top, w->ntop);
	else
		agc_json_null(&j, "top_flows");
	agc_json_obj_end(&j);
	fputc('\n', f);
}
