// SPDX-License-Identifier: GPL-2.0
/* ackguardctl unit tests: fixed sample data for the printers. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "samples.h"

struct agc_config sample_config;
struct agc_counters sample_counters;
struct agc_flow sample_flows[SAMPLE_NFLOWS];
struct agc_watch_frame sample_frame;
struct agc_kernel sample_kernel;
const struct timespec sample_time = { 1714564800, 123456789 };

static void cfg(unsigned int attr, uint32_t v)
{
	sample_config.v[attr] = v;
	sample_config.have |= AGC_BIT(attr);
}

static void rsn(struct agc_rsn *r, uint64_t seen, uint64_t passed,
		uint64_t dropped, uint64_t overlimit, bool with_passed)
{
	r->have = AGC_BIT(ACKGUARD_RSN_ID) | AGC_BIT(ACKGUARD_RSN_SEEN) |
		  AGC_BIT(ACKGUARD_RSN_DROPPED) |
		  AGC_BIT(ACKGUARD_RSN_OVERLIMIT);
	r->v[ACKGUARD_RSN_SEEN] = seen;
	r->v[ACKGUARD_RSN_DROPPED] = dropped;
	r->v[ACKGUARD_RSN_OVERLIMIT] = overlimit;
	if (with_passed) {
		r->have |= AGC_BIT(ACKGUARD_RSN_PASSED);
		r->v[ACKGUARD_RSN_PASSED] = passed;
	}
}

/* A flow's reason, as the module sends it: no RSN_OVERLIMIT. */
static void flow_rsn(struct agc_rsn *r, uint64_t seen, uint64_t passed,
		     uint64_t dropped, bool with_passed)
{
	rsn(r, seen, passed, dropped, 0, with_passed);
	r->have &= ~AGC_BIT(ACKGUARD_RSN_OVERLIMIT);
}

static void flow_overlimit(struct agc_flow *f, uint64_t overlimit)
{
	f->overlimit = overlimit;
	f->have |= AGC_BIT(ACKGUARD_FLOW_OVERLIMIT);
}

static void flow(struct agc_flow *f, int family, const char *l, uint16_t lp,
		 const char *r, uint16_t rp, uint8_t state, uint32_t rate,
		 uint64_t age, bool storm)
{
	memset(f, 0, sizeof(*f));
	f->family = (uint8_t)family;
	inet_pton(family, l, f->local);
	inet_pton(family, r, f->remote);
	f->local_port = lp;
	f->remote_port = rp;
	f->state = state;
	f->rate = rate;
	f->age_ms = age;
	f->idle_ms = 20;
	f->storm = storm;
	f->have = AGC_BIT(ACKGUARD_FLOW_FAMILY) |
		  AGC_BIT(ACKGUARD_FLOW_LOCAL_ADDR) |
		  AGC_BIT(ACKGUARD_FLOW_REMOTE_ADDR) |
		  AGC_BIT(ACKGUARD_FLOW_LOCAL_PORT) |
		  AGC_BIT(ACKGUARD_FLOW_REMOTE_PORT) |
		  AGC_BIT(ACKGUARD_FLOW_STATE) | AGC_BIT(ACKGUARD_FLOW_RATE) |
		  AGC_BIT(ACKGUARD_FLOW_AGE_MS) |
		  AGC_BIT(ACKGUARD_FLOW_IDLE_MS) |
		  AGC_BIT(ACKGUARD_FLOW_REASON);
	if (storm)
		f->have |= AGC_BIT(ACKGUARD_FLOW_STORM);
}

static void frame(void)
{
	struct agc_watch_frame *w = &sample_frame;

	memset(w, 0, sizeof(*w));
	w->refresh = 3;
	w->elapsed = 1.0;
	w->now = sample_time;
	w->ctr_have = sample_counters.have;
	w->ctr[ACKGUARD_CTR_FLOWS_ACTIVE] = 3;
	w->ctr[ACKGUARD_CTR_FLOWS_CREATED] = 1.5;
	w->ctr[ACKGUARD_CTR_STORMS] = 0.25;
	for (unsigned int r = 0; r < ACKGUARD_REASON_COUNT; r++) {
		w->rsn[r].have = AGC_BIT(ACKGUARD_RSN_SEEN) |
				 AGC_BIT(ACKGUARD_RSN_PASSED) |
				 AGC_BIT(ACKGUARD_RSN_DROPPED) |
				 AGC_BIT(ACKGUARD_RSN_OVERLIMIT);
	}
	w->rsn[ACKGUARD_REASON_PAWS].v[ACKGUARD_RSN_SEEN] = 1200;
	w->rsn[ACKGUARD_REASON_PAWS].v[ACKGUARD_RSN_PASSED] = 100;
	w->rsn[ACKGUARD_REASON_PAWS].v[ACKGUARD_RSN_DROPPED] = 1100;
	w->rsn[ACKGUARD_REASON_PAWS].v[ACKGUARD_RSN_OVERLIMIT] = 1100;
	w->ns_have = AGC_BIT(AGC_NS_PAWS_ESTAB) | AGC_BIT(AGC_NS_SKIP_PAWS);
	w->ns[AGC_NS_PAWS_ESTAB] = 1200;
	w->ns[AGC_NS_SKIP_PAWS] = 0.5;
	w->top = sample_flows;
	w->ntop = 2;
	w->flows_ok = true;
}

void samples_init(void)
{
	struct agc_counters *c = &sample_counters;
	struct agc_flow *f = sample_flows;

	memset(&sample_kernel, 0, sizeof(sample_kernel));
	sample_kernel.limiter = AGC_LIMITER_ON;
	sample_kernel.ratelimit_ms = 500;
	strcpy(sample_kernel.release, "6.1.0-test");
	sample_kernel.version = "1.2.3";

	memset(&sample_config, 0, sizeof(sample_config));
	cfg(ACKGUARD_CFG_MODE, ACKGUARD_MODE_ENFORCE);
	cfg(ACKGUARD_CFG_INTERVAL_MS, 100);
	cfg(ACKGUARD_CFG_BURST, 10);
	cfg(ACKGUARD_CFG_MAX_FLOWS, 65536);
	cfg(ACKGUARD_CFG_FLOW_TIMEOUT_S, 300);
	cfg(ACKGUARD_CFG_STORM_PPS, 1000);
	cfg(ACKGUARD_CFG_LOG, 0);

	memset(c, 0, sizeof(*c));
	c->have = AGC_BIT(ACKGUARD_CTR_FLOWS_CREATED) |
		  AGC_BIT(ACKGUARD_CTR_FLOWS_EVICTED) |
		  AGC_BIT(ACKGUARD_CTR_FLOWS_EXPIRED) |
		  AGC_BIT(ACKGUARD_CTR_TABLE_FULL) |
		  AGC_BIT(ACKGUARD_CTR_MALFORMED) |
		  AGC_BIT(ACKGUARD_CTR_FLOWS_ACTIVE) |
		  AGC_BIT(ACKGUARD_CTR_STORMS);
	c->v[ACKGUARD_CTR_FLOWS_CREATED] = 42;
	c->v[ACKGUARD_CTR_FLOWS_EVICTED] = 1;
	c->v[ACKGUARD_CTR_FLOWS_EXPIRED] = 38;
	c->v[ACKGUARD_CTR_TABLE_FULL] = 0;
	c->v[ACKGUARD_CTR_MALFORMED] = 2;
	c->v[ACKGUARD_CTR_FLOWS_ACTIVE] = 3;
	c->v[ACKGUARD_CTR_STORMS] = 1;
	rsn(&c->reason[ACKGUARD_REASON_PAWS], 123456, 23456, 100000, 100000, true);
	rsn(&c->reason[ACKGUARD_REASON_SEQ], 10, 10, 0, 0, true);
	rsn(&c->reason[ACKGUARD_REASON_CHALLENGE], 0, 0, 0, 0, true);
	rsn(&c->reason[ACKGUARD_REASON_SYNRECV], 5, 5, 0, 0, true);
	rsn(&c->reason[ACKGUARD_REASON_FINWAIT2], 0, 0, 0, 0, true);
	rsn(&c->reason[ACKGUARD_REASON_TIMEWAIT], 7, 7, 0, 0, true);

	flow(&f[0], AF_INET, "10.0.0.1", 22, "192.0.2.7", 51234, 1, 1200,
	     65000, true);
	flow_rsn(&f[0].reason[ACKGUARD_REASON_PAWS], 123000, 23000, 100000,
		 true);
	flow_rsn(&f[0].reason[ACKGUARD_REASON_SEQ], 10, 10, 0, true);
	/* 5 over the limit in monitor mode before enforce dropped the rest */
	flow_overlimit(&f[0], 100005);
	flow(&f[1], AF_INET6, "2001:db8::1", 443, "2001:db8::2", 40000, 6, 3,
	     850, false);
	flow_rsn(&f[1].reason[ACKGUARD_REASON_TIMEWAIT], 7, 0, 0, false);
	flow_overlimit(&f[1], 0);
	flow(&f[2], AF_INET, "10.0.0.1", 80, "198.51.100.9", 1025, 12, 0,
	     90061000, false);
	/*
	 * As a module older than FLOW_OVERLIMIT sent it: overlimit per reason,
	 * none for the flow. No PASSED attribute: printed as seen - dropped.
	 */
	rsn(&f[2].reason[ACKGUARD_REASON_SYNRECV], 5, 0, 1, 1, false);
	frame();
}
