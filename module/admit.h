/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ACKGUARD_ADMIT_H
#define _ACKGUARD_ADMIT_H

#include <linux/types.h>

struct net;
struct sock;
struct sk_buff;

bool ag_admit(struct net *net, struct sk_buff *skb, unsigned int thoff,
	      const struct sock *sk, int family);

#endif /* _ACKGUARD_ADMIT_H */
