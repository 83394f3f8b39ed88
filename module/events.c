// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: the one listener to the flow table's reports (events.h).
 */
#include <linux/compiler.h>
#include <linux/rcupdate.h>

#include "compat.h"
#include "events.h"

static const struct ag_event_listener *ag_listener;

void ag_events_listen(const struct ag_event_listener *listener)
{
	WRITE_ONCE(ag_listener, listener);
}

/*
 * Every report is made inside an RCU read-side section (see struct
 * ag_event_listener): after the grace period none is still running in the
 * listener, which may then go away (the netlink family, at unload).
 */
void ag_events_unlisten(void)
{
	WRITE_ONCE(ag_listener, NULL);
	synchronize_rcu();
}

void ag_event_storm(struct ag_net *an, const struct ag_flow *flow, bool start)
{
	const struct ag_event_listener *listener = READ_ONCE(ag_listener);

	if (listener)
		listener->storm(an, flow, start);
}
