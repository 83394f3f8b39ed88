// SPDX-License-Identifier: GPL-2.0
/* ackguardctl: names, metadata tables and helpers over the data model. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agc.h"

const struct agc_cfg_info agc_cfg_infos[] = {
	{ ACKGUARD_CFG_MODE, 8, AGC_CFG_MODE, 0, ACKGUARD_MODE_MAX,
	  "mode", "mode", "ackguard_mode",
	  "Current mode (1 for the active one)." },
	{ ACKGUARD_CFG_INTERVAL_MS, 32, AGC_CFG_MS, 1, 60000,
	  "interval", "interval_ms", "ackguard_config_interval_seconds",
	  "Rate-limit interval." },
	{ ACKGUARD_CFG_BURST, 32, AGC_CFG_UINT, 1, 10000,
	  "burst", "burst", "ackguard_config_burst",
	  "Classified segments allowed per flow and interval." },
	{ ACKGUARD_CFG_MAX_FLOWS, 32, AGC_CFG_UINT, 1, 4194304,
	  "max-flows", "max_flows", "ackguard_config_max_flows",
	  "Size limit of the flow table." },
	{ ACKGUARD_CFG_FLOW_TIMEOUT_S, 32, AGC_CFG_SEC, 1, 86400,
	  "flow-timeout", "flow_timeout_s",
	  "ackguard_config_flow_timeout_seconds",
	  "Idle time after which a flow is removed." },
	{ ACKGUARD_CFG_STORM_PPS, 32, AGC_CFG_UINT, 1, 100000000,
	  "storm-pps", "storm_pps", "ackguard_config_storm_pps",
	  "Flow rate (classified segments/s) that starts a storm." },
	{ ACKGUARD_CFG_LOG, 8, AGC_CFG_ONOFF, 0, 1,
	  "log", "log", "ackguard_config_log",
	  "1 if throttled flows are logged." },
};
const size_t agc_ncfg = AGC_ARRAY_SIZE(agc_cfg_infos);

const struct agc_ctr_info agc_ctr_infos[] = {
	{ ACKGUARD_CTR_FLOWS_ACTIVE, true, "flows-active", "flows_active",
	  "ackguard_flows_active", "Flows in the table now." },
	{ ACKGUARD_CTR_FLOWS_CREATED, false, "flows-created", "flows_created",
	  "ackguard_flows_created_total", "Flows created." },
	{ ACKGUARD_CTR_FLOWS_EVICTED, false, "flows-evicted", "flows_evicted",
	  "ackguard_flows_evicted_total",
	  "Idle flows reclaimed to make room for new ones." },
	{ ACKGUARD_CTR_FLOWS_EXPIRED, false, "flows-expired", "flows_expired",
	  "ackguard_flows_expired_total",
	  "Idle flows removed by garbage collection." },
	{ ACKGUARD_CTR_STORMS, false, "storms", "storms",
	  "ackguard_storms_total", "Flows that entered a storm." },
	{ ACKGUARD_CTR_TABLE_FULL, false, "table-full", "table_full",
	  "ackguard_table_full_total",
	  "Classified segments passed untracked: flow table full." },
	{ ACKGUARD_CTR_MALFORMED, false, "malformed", "malformed",
	  "ackguard_malformed_total",
	  "Segments with a bad TCP header or option list." },
};
const size_t agc_nctr = AGC_ARRAY_SIZE(agc_ctr_infos);

const struct agc_rsn_info agc_rsn_infos[] = {
	{ ACKGUARD_RSN_SEEN, "seen", "ackguard_segments_seen_total",
	  "Classified segments, by reason." },
	{ ACKGUARD_RSN_PASSED, "passed", "ackguard_segments_passed_total",
	  "Classified segments passed (within the limit, or not enforced)." },
	{ ACKGUARD_RSN_DROPPED, "dropped", "ackguard_segments_dropped_total",
	  "Classified segments dropped over the limit (enforce mode)." },
	{ ACKGUARD_RSN_OVERLIMIT, "overlimit",
	  "ackguard_segments_overlimit_total",
	  "Classified segments over the limit, in any mode." },
};
const size_t agc_nrsn = AGC_ARRAY_SIZE(agc_rsn_infos);

const char *const agc_ns_names[AGC_NS_COUNT] = {
	[AGC_NS_PAWS_ESTAB] = "PAWSEstab",
	[AGC_NS_SKIP_PAWS] = "TCPACKSkippedPAWS",
	[AGC_NS_SKIP_SEQ] = "TCPACKSkippedSeq",
	[AGC_NS_SKIP_CHALLENGE] = "TCPACKSkippedChallenge",
	[AGC_NS_SKIP_SYNRECV] = "TCPACKSkippedSynRecv",
	[AGC_NS_SKIP_FINWAIT2] = "TCPACKSkippedFinWait2",
	[AGC_NS_SKIP_TIMEWAIT] = "TCPACKSkippedTimeWait",
};

const char *const agc_mode_names[__ACKGUARD_MODE_MAX] = {
	[ACKGUARD_MODE_OFF] = "off",
	[ACKGUARD_MODE_MONITOR] = "monitor",
	[ACKGUARD_MODE_ENFORCE] = "enforce",
};

const char *const agc_reason_names[ACKGUARD_REASON_COUNT] = {
	[ACKGUARD_REASON_PAWS] = "paws",
	[ACKGUARD_REASON_SEQ] = "seq",
	[ACKGUARD_REASON_CHALLENGE] = "challenge",
	[ACKGUARD_REASON_SYNRECV] = "synrecv",
	[ACKGUARD_REASON_FINWAIT2] = "finwait2",
	[ACKGUARD_REASON_TIMEWAIT] = "timewait",
};

/* As ss(8) prints them; numbers from include/net/tcp_states.h. */
static const char *const tcp_state_names[] = {
	[1] = "ESTAB",		[2] = "SYN-SENT",	[3] = "SYN-RECV",
	[4] = "FIN-WAIT-1",	[5] = "FIN-WAIT-2",	[6] = "TIME-WAIT",
	[7] = "CLOSE",		[8] = "CLOSE-WAIT",	[9] = "LAST-ACK",
	[10] = "LISTEN",	[11] = "CLOSING",	[12] = "SYN-RECV",
	[13] = "BOUND-INACTIVE",
};

const struct agc_cfg_info *agc_cfg_info_by_key(const char *key)
{
	for (size_t i = 0; i < agc_ncfg; i++)
		if (!strcmp(agc_cfg_infos[i].key, key))
			return &agc_cfg_infos[i];
	return NULL;
}

const char *agc_mode_name(uint32_t mode)
{
	return mode <= ACKGUARD_MODE_MAX ? agc_mode_names[mode] : NULL;
}

const char *agc_reason_name(unsigned int reason)
{
	return reason < ACKGUARD_REASON_COUNT ? agc_reason_names[reason] : NULL;
}

const char *agc_state_name(unsigned int state)
{
	if (state < AGC_ARRAY_SIZE(tcp_state_names) && tcp_state_names[state])
		return tcp_state_names[state];
	return "UNKNOWN";
}

const char *agc_family_name(unsigned int family)
{
	return family == AF_INET ? "inet" : family == AF_INET6 ? "inet6" : "?";
}

bool agc_rsn_get(const struct agc_rsn *r, unsigned int attr, uint64_t *out)
{
	const uint32_t sd = AGC_BIT(ACKGUARD_RSN_SEEN) |
			    AGC_BIT(ACKGUARD_RSN_DROPPED);

	if (attr >= __ACKGUARD_RSN_MAX)
		return false;
	if (r->have & AGC_BIT(attr)) {
		*out = r->v[attr];
		return true;
	}
	if (attr == ACKGUARD_RSN_PASSED && (r->have & sd) == sd) {
		uint64_t s = r->v[ACKGUARD_RSN_SEEN];
		uint64_t d = r->v[ACKGUARD_RSN_DROPPED];

		*out = s > d ? s - d : 0;
		return true;
	}
	return false;
}

bool agc_flow_sum(const struct agc_flow *f, unsigned int attr, uint64_t *out)
{
	bool any = false;
	uint64_t sum = 0, v;

	for (unsigned int i = 0; i < ACKGUARD_REASON_COUNT; i++) {
		if (agc_rsn_get(&f->reason[i], attr, &v)) {
			sum += v;
			any = true;
		}
	}
	*out = sum;
	return any;
}

bool agc_flow_overlimit(const struct agc_flow *f, uint64_t *out)
{
	if (f->have & AGC_BIT(ACKGUARD_FLOW_OVERLIMIT)) {
		*out = f->overlimit;
		return true;
	}
	return agc_flow_sum(f, ACKGUARD_RSN_OVERLIMIT, out);
}

static bool prefix_match(const uint8_t *a, const uint8_t *p, unsigned int len)
{
	unsigned int bytes = len / 8, bits = len % 8;

	if (memcmp(a, p, bytes))
		return false;
	return !bits || !((a[bytes] ^ p[bytes]) & (0xff << (8 - bits)));
}

bool agc_filter_match(const struct agc_filter *flt, const struct agc_flow *f)
{
	unsigned int alen = f->family == AF_INET ? 4 : 16;

	if ((flt->have & AGC_BIT(ACKGUARD_FLT_FAMILY)) &&
	    f->family != flt->family)
		return false;
	if (flt->have & AGC_BIT(ACKGUARD_FLT_ADDR)) {
		unsigned int len = flt->addr_len * 8;

		if (flt->have & AGC_BIT(ACKGUARD_FLT_PREFIX_LEN))
			len = flt->prefix_len;
		if (alen != flt->addr_len ||
		    (!prefix_match(f->local, flt->addr, len) &&
		     !prefix_match(f->remote, flt->addr, len)))
			return false;
	}
	if ((flt->have & AGC_BIT(ACKGUARD_FLT_PORT)) &&
	    f->local_port != flt->port && f->remote_port != flt->port)
		return false;
	if ((flt->have & AGC_BIT(ACKGUARD_FLT_REASON)) &&
	    (flt->reason >= ACKGUARD_REASON_COUNT ||
	     !f->reason[flt->reason].have))
		return false;
	if ((flt->have & AGC_BIT(ACKGUARD_FLT_MIN_RATE)) &&
	    f->rate < flt->min_rate)
		return false;
	return true;
}

int agc_flow_list_push(struct agc_flow_list *l, const struct agc_flow *f)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct agc_flow *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *f;
	return 0;
}

void agc_flow_list_free(struct agc_flow_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct sort_key {
	uint64_t key;
	size_t idx;
};

static int sort_key_cmp(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;	/* descending */
	return x->idx < y->idx ? -1 : x->idx > y->idx;	/* stable */
}

static uint64_t flow_sort_key(const struct agc_flow *f, enum agc_sort sort)
{
	uint64_t v = 0;

	switch (sort) {
	case AGC_SORT_RATE:
		return f->rate;
	case AGC_SORT_DROPPED:
		agc_flow_sum(f, ACKGUARD_RSN_DROPPED, &v);
		return v;
	case AGC_SORT_SEEN:
		agc_flow_sum(f, ACKGUARD_RSN_SEEN, &v);
		return v;
	case AGC_SORT_NONE:
		break;
	}
	return 0;
}

/* Descending by the chosen key, keeping the kernel's order for ties. */
void agc_flows_sort(struct agc_flow *v, size_t n, enum agc_sort sort)
{
	struct sort_key *keys;
	struct agc_flow *tmp;

	if (sort == AGC_SORT_NONE || n < 2)
		return;
	keys = malloc(n * sizeof(*keys));
	tmp = malloc(n * sizeof(*tmp));
	if (!keys || !tmp) {
		free(keys);
		free(tmp);
		return;		/* unsorted beats failing */
	}
	for (size_t i = 0; i < n; i++) {
		keys[i].key = flow_sort_key(&v[i], sort);
		keys[i].idx = i;
	}
	qsort(keys, n, sizeof(*keys), sort_key_cmp);
	for (size_t i = 0; i < n; i++)
		tmp[i] = v[keys[i].idx];
	memcpy(v, tmp, n * sizeof(*v));
	free(keys);
	free(tmp);
}
