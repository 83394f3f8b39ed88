/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: what the flow table reports to the layers above it. The table
 * calls ag_event_storm() and does not know who listens; the netlink family
 * registers itself as the listener while it exists (ag_events_listen()),
 * and turns the reports into multicast messages.
 */
#ifndef _ACKGUARD_EVENTS_H
#define _ACKGUARD_EVENTS_H

#include <linux/types.h>

struct ag_flow;
struct ag_net;

struct ag_event_listener {
	/*
	 * A flow entered (@start) or left a storm. Called under flow->lock,
	 * at the change, so one flow's reports come in the order of its
	 * changes; from the hook (softirq), the collector and flush (BH
	 * off): inside RCU read-side sections, in atomic context.
	 */
	void (*storm)(struct ag_net *an, const struct ag_flow *flow,
		      bool start);
};

void ag_events_listen(const struct ag_event_listener *listener);
void ag_events_unlisten(void);
void ag_event_storm(struct ag_net *an, const struct ag_flow *flow, bool start);

#endif /* _ACKGUARD_EVENTS_H */
