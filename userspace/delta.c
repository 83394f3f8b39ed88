// SPDX-License-Identifier: GPL-2.0
/* ackguardctl: per-second changes between two watch samples. */
#include <string.h>

#include "agc.h"

/* A counter that went backwards was reset (module reloaded): count from 0. */
static double per_second(uint64_t prev, uint64_t cur, double elapsed)
{
	uint64_t d = cur >= prev ? cur - prev : cur;

	return elapsed > 0 ? (double)d / elapsed : 0.0;
}

void agc_watch_delta(const struct agc_sample *prev,
		     const struct agc_sample *cur, struct agc_watch_frame *w)
{
	double el = cur->mono - prev->mono;

	w->elapsed = el;
	w->ctr_have = prev->ctr.have & cur->ctr.have;
	memset(w->ctr, 0, sizeof(w->ctr));
	for (size_t i = 0; i < agc_nctr; i++) {
		const struct agc_ctr_info *ci = &agc_ctr_infos[i];

		if (!(w->ctr_have & AGC_BIT(ci->attr)))
			continue;
		w->ctr[ci->attr] = ci->gauge ? (double)cur->ctr.v[ci->attr] :
			per_second(prev->ctr.v[ci->attr], cur->ctr.v[ci->attr], el);
	}
	for (unsigned int r = 0; r < ACKGUARD_REASON_COUNT; r++) {
		struct agc_rsn_rate *rr = &w->rsn[r];

		memset(rr, 0, sizeof(*rr));
		for (size_t i = 0; i < agc_nrsn; i++) {
			unsigned int a = agc_rsn_infos[i].attr;
			uint64_t p, c;

			if (!agc_rsn_get(&prev->ctr.reason[r], a, &p) ||
			    !agc_rsn_get(&cur->ctr.reason[r], a, &c))
				continue;
			rr->have |= AGC_BIT(a);
			rr->v[a] = per_second(p, c, el);
		}
	}
	w->ns_have = prev->ns.have & cur->ns.have;
	for (unsigned int i = 0; i < AGC_NS_COUNT; i++)
		w->ns[i] = (w->ns_have & AGC_BIT(i)) ?
			per_second(prev->ns.v[i], cur->ns.v[i], el) : 0.0;
}
