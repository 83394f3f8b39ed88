/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: the netfilter hooks (hooks.c): per namespace from 4.3, global
 * before; main.c calls both pairs and one of them does the work.
 */
#ifndef _ACKGUARD_HOOKS_H
#define _ACKGUARD_HOOKS_H

struct net;

int ag_hooks_register(struct net *net);
void ag_hooks_unregister(struct net *net);
int ag_hooks_init(void);
void ag_hooks_exit(void);

#endif /* _ACKGUARD_HOOKS_H */
