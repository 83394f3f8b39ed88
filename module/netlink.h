/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: the generic netlink family (netlink.c), registered once for
 * all namespaces; while registered it also hears the flow table's storms.
 */
#ifndef _ACKGUARD_NETLINK_H
#define _ACKGUARD_NETLINK_H

int ag_genl_register(void);
void ag_genl_unregister(void);

#endif /* _ACKGUARD_NETLINK_H */
