/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: what the generic netlink files share.
 */
#ifndef _ACKGUARD_GENL_H
#define _ACKGUARD_GENL_H

#include <net/genetlink.h>

#include "compat.h"

struct ag_flow;
struct ag_net;

extern struct genl_family ag_genl_family;
extern const struct nla_policy ag_genl_policy[];
extern AG_GENL_OPS_CONST struct genl_multicast_group ag_genl_mcgrps[];

int ag_nl_get_flows_start(struct netlink_callback *cb);
int ag_nl_get_flows(struct sk_buff *skb, struct netlink_callback *cb);
int ag_nl_flush_flows(struct sk_buff *skb, struct genl_info *info);
void ag_genl_storm_event(struct ag_net *an, const struct ag_flow *flow,
			 bool start);

#endif /* _ACKGUARD_GENL_H */
