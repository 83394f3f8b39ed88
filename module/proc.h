/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: /proc/net/ackguard of a namespace (proc.c).
 */
#ifndef _ACKGUARD_PROC_H
#define _ACKGUARD_PROC_H

struct net;

int ag_proc_init(struct net *net);
void ag_proc_exit(struct net *net);

#endif /* _ACKGUARD_PROC_H */
