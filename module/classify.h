/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ACKGUARD_CLASSIFY_H
#define _ACKGUARD_CLASSIFY_H

#include <linux/types.h>

struct net;
struct sock;
struct ag_segment;

/* No reason: the stack would not answer this segment with an ACK. */
#define AG_REASON_NONE (-1)

int ag_classify(const struct net *net, struct sock *sk,
		const struct ag_segment *seg);

/* a listener's request socket, before 4.1: see classify.c */
struct sk_buff;
int ag_classify_syn_table(const struct net *net, struct sock *lsk,
			  const struct sk_buff *skb,
			  const struct ag_segment *seg);

#endif /* _ACKGUARD_CLASSIFY_H */
