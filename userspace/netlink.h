/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguardctl: the generic netlink client. Every call returns 0 (or a
 * count) on success, or a negative errno with e->msg set to the kernel's
 * extended-ACK message when it sent one, else to a description.
 */
#ifndef AGC_NETLINK_H
#define AGC_NETLINK_H

#include "agc.h"

struct agc_nl;

/* -ENOENT: the "ackguard" family is not registered (module not loaded). */
int agc_nl_open(struct agc_nl **nl, struct agc_err *e);
void agc_nl_close(struct agc_nl *nl);

int agc_nl_get_config(struct agc_nl *nl, struct agc_config *cfg,
		      struct agc_err *e);
/* Sends the attributes in cfg->have, all in one request. */
int agc_nl_set_config(struct agc_nl *nl, const struct agc_config *cfg,
		      struct agc_err *e);
int agc_nl_get_counters(struct agc_nl *nl, struct agc_counters *c,
			struct agc_err *e);
/* Appends the flows matching flt (may be NULL) to out. */
int agc_nl_get_flows(struct agc_nl *nl, const struct agc_filter *flt,
		     struct agc_flow_list *out, struct agc_err *e);
int agc_nl_flush_flows(struct agc_nl *nl, struct agc_err *e);

/* Storm events: a socket joined to the "events" group. */
typedef void (*agc_event_fn)(void *arg, int cmd, const struct agc_flow *f);

int agc_nl_events_open(struct agc_nl **nl, struct agc_err *e);
int agc_nl_fd(const struct agc_nl *nl);
/*
 * Reads what is queued without blocking and calls fn once per event.
 * Returns the number of events, or -ENOBUFS when the socket overflowed
 * (events were lost; reading may go on), or another -errno.
 */
int agc_nl_events_read(struct agc_nl *nl, agc_event_fn fn, void *arg,
		       struct agc_err *e);

#endif /* AGC_NETLINK_H */
