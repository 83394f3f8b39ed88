// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: the netfilter hooks. At LOCAL_IN, after the filter table (so
 * packets the firewall drops are not counted) and the source NAT there
 * (see AG_HOOK_PRIORITY_V4) and before TCP, each TCP segment that may be
 * answered without carrying anything (see segment.c) is matched to its
 * local socket and, if TCP would look at it at all (admit.c), classified
 * (classify.c: not at all when TCP will judge it later, on state we cannot
 * see yet); a classified segment is accounted to its flow and dropped when
 * over the flow's limit. Everything else leaves untouched and creates no
 * state.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/inet_hashtables.h>
#include <net/inet6_hashtables.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "admit.h"
#include "classify.h"
#include "compat.h"
#include "config.h"
#include "flowkey.h"
#include "flowtable.h"
#include "hooks.h"
#include "pernet.h"
#include "segment.h"
#include "stats.h"

/*
 * After conntrack's LOCAL_IN source NAT (NF_IP_PRI_NAT_SRC): on a connection
 * this host DNATed in OUTPUT (to a Kubernetes ClusterIP, a Docker-published
 * port), that is what gives a reply back the address its socket is
 * connected to; before it, neither early demux nor our lookup finds the
 * socket, and such a connection's loop would never be classified. Still
 * after the filter table, and before TCP.
 */
#define AG_HOOK_PRIORITY_V4 (NF_IP_PRI_NAT_SRC + 10)
#define AG_HOOK_PRIORITY_V6 (NF_IP6_PRI_NAT_SRC + 10)

/* The socket TCP will deliver to: early demux's, or a lookup of our own. */
static struct sock *ag_lookup_v4(struct net *net, struct sk_buff *skb,
				 const struct ag_segment *seg, bool *ref)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct sock *sk;

	*ref = false;
	if (skb->sk)
		return skb->sk;
	*ref = true;
	sk = ag_inet_lookup_established(net, iph->saddr, seg->sport,
					iph->daddr, ntohs(seg->dport),
					inet_iif(skb), inet_sdif(skb));
#ifndef AG_HAVE_NEW_SYN_RECV
	/* before 4.1: a request socket is in its listener's SYN table */
	if (!sk)
		sk = __inet_lookup_listener(net, ag_tcp_hashinfo(net),
					    iph->saddr, seg->sport, iph->daddr,
					    ntohs(seg->dport), inet_iif(skb));
#endif
	return sk;
}

#if IS_ENABLED(CONFIG_IPV6)
static struct sock *ag_lookup_v6(struct net *net, struct sk_buff *skb,
				 const struct ag_segment *seg, bool *ref)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct sock *sk;

	*ref = false;
	if (skb->sk)
		return skb->sk;
	*ref = true;
	sk = ag_inet6_lookup_established(net, &ip6h->saddr, seg->sport,
					 &ip6h->daddr, ntohs(seg->dport),
					 inet6_iif(skb), inet6_sdif(skb));
#ifndef AG_HAVE_NEW_SYN_RECV
	if (!sk)
		sk = inet6_lookup_listener(net, ag_tcp_hashinfo(net),
					   &ip6h->saddr, seg->sport,
					   &ip6h->daddr, ntohs(seg->dport),
					   inet6_iif(skb));
#endif
	return sk;
}
#endif

/* A listener stands for its SYN table before 4.1: see ag_lookup_v4(). */
static int ag_reason(const struct net *net, struct sock *sk,
		     const struct sk_buff *skb, const struct ag_segment *seg)
{
#ifndef AG_HAVE_NEW_SYN_RECV
	if (sk->sk_state == TCP_LISTEN)
		return ag_classify_syn_table(net, sk, skb, seg);
#endif
	return ag_classify(net, sk, seg);
}

/* Classify, account and judge one candidate segment; bottom halves off. */
static unsigned int __ag_judge(struct ag_net *an, const struct ag_config *cfg,
			       struct sock *sk, const struct sk_buff *skb,
			       const struct ag_segment *seg,
			       struct ag_flow_key *key)
{
	enum ag_limit limit = AG_LIMIT_GONE;
	struct ag_flow *flow;
	int reason;

	reason = ag_reason(an->net, sk, skb, seg);
	if (reason == AG_REASON_NONE)
		return NF_ACCEPT;

	ag_reason_inc(an, reason, AG_VS_SEEN);
	key->local_port = seg->dport;
	key->remote_port = seg->sport;
	flow = ag_flow_get(an, cfg, key);
	/*
	 * Untracked (table full), or the flow was removed while we looked
	 * (see ag_flow_limit()): fail open.
	 */
	if (flow)
		limit = ag_flow_limit(an, cfg, flow, reason,
				      sk->sk_state == TCP_LISTEN ?
				      TCP_SYN_RECV : sk->sk_state);
	if (limit != AG_LIMIT_OVER) {
		ag_reason_inc(an, reason, AG_VS_PASSED);
		return NF_ACCEPT;
	}
	ag_reason_inc(an, reason, AG_VS_OVERLIMIT);
	if (cfg->mode == ACKGUARD_MODE_ENFORCE) {
		ag_reason_inc(an, reason, AG_VS_DROPPED);
		return NF_DROP;
	}
	ag_reason_inc(an, reason, AG_VS_PASSED);
	return NF_ACCEPT;
}

/*
 * The socket's spinlock (classify.c) and the table's locks are taken
 * without _bh, for the softirq the hook normally runs in. But nf_reinject()
 * runs the hooks after an NFQUEUE verdict in process context with bottom
 * halves enabled: a softirq on this CPU could then come for a lock we hold
 * and spin forever. Bottom halves off (a no-op in softirq but for a count).
 */
static unsigned int ag_judge(struct ag_net *an, const struct ag_config *cfg,
			     struct sock *sk, const struct sk_buff *skb,
			     const struct ag_segment *seg,
			     struct ag_flow_key *key)
{
	unsigned int verdict;

	local_bh_disable();
	verdict = __ag_judge(an, cfg, sk, skb, seg, key);
	local_bh_enable();
	return verdict;
}

/* Parse the TCP header; NULL config when the segment is none of ours. */
static const struct ag_config *ag_prepare(struct ag_net *an,
					  const struct sk_buff *skb,
					  unsigned int thoff,
					  struct ag_segment *seg)
{
	const struct ag_config *cfg = rcu_dereference(an->config.cur);

	if (cfg->mode == ACKGUARD_MODE_OFF)
		return NULL;
	switch (ag_parse_tcp(skb, thoff, seg)) {
	case AG_PARSE_MALFORMED:
		ag_stat_inc(an, AG_STAT_MALFORMED);
		return NULL;
	case AG_PARSE_IGNORE:
		return NULL;
	case AG_PARSE_CANDIDATE:
		break;
	}
	if (unlikely(seg->bad_options))
		ag_stat_inc(an, AG_STAT_MALFORMED);
	return cfg;
}

static unsigned int ag_hook_v4(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	struct ag_net *an = ag_pernet(state->net);
	const struct iphdr *iph = ip_hdr(skb);
	const struct ag_config *cfg;
	struct ag_flow_key key = {};
	struct ag_segment seg;
	unsigned int verdict;
	struct sock *sk;
	bool ref;

	/* reassembly ran before LOCAL_IN: no fragments reach us */
	if (iph->protocol != IPPROTO_TCP || ip_is_fragment(iph))
		return NF_ACCEPT;
	cfg = ag_prepare(an, skb, skb_network_offset(skb) + ip_hdrlen(skb),
			 &seg);
	if (!cfg)
		return NF_ACCEPT;

	sk = ag_lookup_v4(state->net, skb, &seg, &ref);
	if (!sk)
		return NF_ACCEPT;
	/* v4-mapped, which makes the key's family AF_INET */
	ipv6_addr_set_v4mapped(iph->daddr, &key.local);
	ipv6_addr_set_v4mapped(iph->saddr, &key.remote);
	/* what TCP discards before answering must not spend the budget */
	verdict = NF_ACCEPT;
	if (ag_admit(state->net, skb, skb_network_offset(skb) + ip_hdrlen(skb),
		     sk, AF_INET))
		verdict = ag_judge(an, cfg, sk, skb, &seg, &key);
	if (ref)
		sock_gen_put(sk);
	return verdict;
}

AG_NF_HOOK(ag_hook_v4)

#if IS_ENABLED(CONFIG_IPV6)
/*
 * An AH-protected segment comes through LOCAL_IN twice: first as it
 * arrived, AH in its header chain (ipv6_skip_exthdr() steps over AH to the
 * TCP header), then, once xfrm has checked and removed AH,
 * xfrm6_transport_finish() runs it through PRE_ROUTING and LOCAL_IN again.
 * Counting both passes made each keepalive or window probe of such a
 * connection two segments, the second over the limit: never answered.
 * Only the second pass counts: the first is not yet authenticated (a forged
 * one, which xfrm drops unanswered, would spend the flow's budget). IPv4
 * needs no test: there AH is the IP protocol, and the first pass is not TCP.
 */
static bool ag_v6_has_ah(const struct sk_buff *skb, int thoff)
{
	unsigned int off = 0;

	/* no extension header: nothing to walk */
	if (thoff == skb_network_offset(skb) + sizeof(struct ipv6hdr))
		return false;
	return ipv6_find_hdr(skb, &off, NEXTHDR_AUTH, NULL, NULL) >= 0;
}

static unsigned int ag_hook_v6(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	struct ag_net *an = ag_pernet(state->net);
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	const struct ag_config *cfg;
	struct ag_flow_key key = {};
	struct ag_segment seg;
	unsigned int verdict;
	u8 nexthdr = ip6h->nexthdr;
	struct sock *sk;
	__be16 frag_off;
	int thoff;
	bool ref;

	thoff = ipv6_skip_exthdr(skb, skb_network_offset(skb) + sizeof(*ip6h),
				 &nexthdr, &frag_off);
	/*
	 * LOCAL_IN runs before IPv6 reassembly: leave every fragment alone
	 * (frag_off holds the offset and the more-fragments bit), or a
	 * first fragment could look like a segment without payload.
	 */
	if (thoff < 0 || nexthdr != IPPROTO_TCP || frag_off)
		return NF_ACCEPT;
	if (unlikely(ag_v6_has_ah(skb, thoff)))
		return NF_ACCEPT;
	cfg = ag_prepare(an, skb, thoff, &seg);
	if (!cfg)
		return NF_ACCEPT;

	sk = ag_lookup_v6(state->net, skb, &seg, &ref);
	if (!sk)
		return NF_ACCEPT;
	/* never v4-mapped for an IPv6 connection: see ag_key_family() */
	key.local = ip6h->daddr;
	key.remote = ip6h->saddr;
	verdict = NF_ACCEPT;
	if (ag_admit(state->net, skb, thoff, sk, AF_INET6))
		verdict = ag_judge(an, cfg, sk, skb, &seg, &key);
	if (ref)
		sock_gen_put(sk);
	return verdict;
}

AG_NF_HOOK(ag_hook_v6)
#endif

static AG_NF_HOOK_OPS_CONST struct nf_hook_ops ag_hook_ops[] = {
	{
		.hook = AG_NF_HOOK_FN(ag_hook_v4),
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = AG_HOOK_PRIORITY_V4,
	},
#if IS_ENABLED(CONFIG_IPV6)
	{
		.hook = AG_NF_HOOK_FN(ag_hook_v6),
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = AG_HOOK_PRIORITY_V6,
	},
#endif
};

#ifdef AG_HAVE_NF_HOOK_STATE
int ag_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, ag_hook_ops, ARRAY_SIZE(ag_hook_ops));
}

void ag_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, ag_hook_ops, ARRAY_SIZE(ag_hook_ops));
}

int ag_hooks_init(void)
{
	return 0;
}

void ag_hooks_exit(void)
{
}
#else
/*
 * Global hooks (before 4.3): registered once every namespace has its state
 * (main.c calls ag_hooks_init() after register_pernet_subsys()); a
 * namespace that appears later has its state before its first device. A
 * namespace that goes away has no devices left when its state is freed;
 * waiting for the hooks still running makes that certain.
 */
int ag_hooks_register(struct net *net)
{
	return 0;
}

void ag_hooks_unregister(struct net *net)
{
	synchronize_net();
}

int ag_hooks_init(void)
{
	return nf_register_hooks(ag_hook_ops, ARRAY_SIZE(ag_hook_ops));
}

void ag_hooks_exit(void)
{
	nf_unregister_hooks(ag_hook_ops, ARRAY_SIZE(ag_hook_ops));
}
#endif
