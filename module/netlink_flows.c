// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: flow dumps with filters, flush, and storm events.
 */
#include <linux/inet.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "compat.h"
#include "flowkey.h"
#include "flowtable.h"
#include "genl.h"
#include "pernet.h"

#define AG_NO_REASON 0xff

static const struct nla_policy ag_flt_policy[ACKGUARD_FLT_MAX + 1] = {
	[ACKGUARD_FLT_FAMILY] = NLA_POLICY_RANGE(NLA_U8, AF_INET, AF_INET6),
	[ACKGUARD_FLT_ADDR] = AG_NLA_POLICY_LEN_RANGE(4, 16),
	[ACKGUARD_FLT_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[ACKGUARD_FLT_PORT] = { .type = NLA_U16 },
	[ACKGUARD_FLT_REASON] = NLA_POLICY_MAX(NLA_U8, ACKGUARD_REASON_COUNT - 1),
	[ACKGUARD_FLT_MIN_RATE] = { .type = NLA_U32 },
};

/* Dump state, kept in the netlink callback between messages. */
struct ag_dump_ctx {
	struct in6_addr addr;	/* IPv4 as v4-mapped */
	u32 min_rate;
	u32 bucket;
	u32 offset;		/* flows of the bucket already sent */
	u16 port;
	u8 family;		/* 0: any */
	u8 prefix_len;		/* 0: no address filter */
	u8 reason;		/* AG_NO_REASON: any */
	bool has_port;
};

static int ag_put_addr(struct sk_buff *skb, int type,
		       const struct ag_flow_key *key, const struct in6_addr *a)
{
	if (ag_key_family(key) == AF_INET)
		return nla_put_in_addr(skb, type, a->s6_addr32[3]);
	return nla_put_in6_addr(skb, type, a);
}

static int ag_put_flow(struct sk_buff *skb, const struct ag_flow_snap *s)
{
	struct nlattr *nest, *rn;
	int r;

	nest = nla_nest_start(skb, ACKGUARD_A_FLOW);
	if (!nest ||
	    nla_put_u8(skb, ACKGUARD_FLOW_FAMILY, ag_key_family(&s->key)) ||
	    ag_put_addr(skb, ACKGUARD_FLOW_LOCAL_ADDR, &s->key, &s->key.local) ||
	    ag_put_addr(skb, ACKGUARD_FLOW_REMOTE_ADDR, &s->key,
			&s->key.remote) ||
	    nla_put_u16(skb, ACKGUARD_FLOW_LOCAL_PORT,
			ntohs(s->key.local_port)) ||
	    nla_put_u16(skb, ACKGUARD_FLOW_REMOTE_PORT,
			ntohs(s->key.remote_port)) ||
	    nla_put_u8(skb, ACKGUARD_FLOW_STATE, s->state) ||
	    nla_put_u32(skb, ACKGUARD_FLOW_RATE, s->rate) ||
	    nla_put_u64_64bit(skb, ACKGUARD_FLOW_AGE_MS, s->age_ms,
			      ACKGUARD_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, ACKGUARD_FLOW_IDLE_MS, s->idle_ms,
			      ACKGUARD_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, ACKGUARD_FLOW_OVERLIMIT, s->overlimit,
			      ACKGUARD_FLOW_PAD) ||
	    (s->in_storm && nla_put_flag(skb, ACKGUARD_FLOW_STORM)))
		return -EMSGSIZE;
	for (r = 0; r < ACKGUARD_REASON_COUNT; r++) {
		if (!s->seen[r])
			continue;
		rn = nla_nest_start(skb, ACKGUARD_FLOW_REASON);
		if (!rn || nla_put_u8(skb, ACKGUARD_RSN_ID, r) ||
		    nla_put_u64_64bit(skb, ACKGUARD_RSN_SEEN, s->seen[r],
				      ACKGUARD_RSN_PAD) ||
		    nla_put_u64_64bit(skb, ACKGUARD_RSN_PASSED,
				      s->seen[r] - s->dropped[r],
				      ACKGUARD_RSN_PAD) ||
		    nla_put_u64_64bit(skb, ACKGUARD_RSN_DROPPED, s->dropped[r],
				      ACKGUARD_RSN_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, rn);
	}
	nla_nest_end(skb, nest);
	return 0;
}

static bool ag_prefix_match(const struct in6_addr *a, const struct in6_addr *p,
			    unsigned int len)
{
	return ipv6_prefix_equal(a, p, len);
}

static bool ag_filter_match(const struct ag_dump_ctx *f,
			    const struct ag_flow_snap *s)
{
	if (f->family && f->family != ag_key_family(&s->key))
		return false;
	if (f->prefix_len &&
	    !ag_prefix_match(&s->key.local, &f->addr, f->prefix_len) &&
	    !ag_prefix_match(&s->key.remote, &f->addr, f->prefix_len))
		return false;
	if (f->has_port && ntohs(s->key.local_port) != f->port &&
	    ntohs(s->key.remote_port) != f->port)
		return false;
	if (f->reason != AG_NO_REASON && !s->seen[f->reason])
		return false;
	return s->rate >= f->min_rate;
}

static int ag_filter_parse(struct ag_dump_ctx *f, const struct nlattr *nest,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[ACKGUARD_FLT_MAX + 1];
	int err;

	memset(f, 0, sizeof(*f));
	f->reason = AG_NO_REASON;
	if (!nest)
		return 0;
	err = nla_parse_nested(tb, ACKGUARD_FLT_MAX, nest, ag_flt_policy,
			       extack);
	if (err)
		return err;
	if (tb[ACKGUARD_FLT_FAMILY]) {
		f->family = nla_get_u8(tb[ACKGUARD_FLT_FAMILY]);
		if (f->family != AF_INET && f->family != AF_INET6) {
			NL_SET_ERR_MSG_ATTR(extack, tb[ACKGUARD_FLT_FAMILY],
					    "ackguard: family must be AF_INET or AF_INET6");
			return -EINVAL;
		}
	}
	if (tb[ACKGUARD_FLT_ADDR]) {
		const struct nlattr *a = tb[ACKGUARD_FLT_ADDR];
		unsigned int max = 128, len;

		if (nla_len(a) == 4) {
			ipv6_addr_set_v4mapped(nla_get_in_addr(a), &f->addr);
			max = 32;
		} else if (nla_len(a) == 16) {
			f->addr = nla_get_in6_addr(a);
		} else {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "ackguard: address must be 4 or 16 bytes");
			return -EINVAL;
		}
		len = tb[ACKGUARD_FLT_PREFIX_LEN] ?
		      nla_get_u8(tb[ACKGUARD_FLT_PREFIX_LEN]) : max;
		if (len > max) {
			NL_SET_ERR_MSG_ATTR(extack, tb[ACKGUARD_FLT_PREFIX_LEN],
					    "ackguard: prefix length longer than the address");
			return -EINVAL;
		}
		/* a v4 prefix covers the 96 bits of the v4-mapped form */
		f->prefix_len = (max == 32 ? 96 : 0) + len;
	} else if (tb[ACKGUARD_FLT_PREFIX_LEN]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[ACKGUARD_FLT_PREFIX_LEN],
				    "ackguard: prefix length without an address");
		return -EINVAL;
	}
	if (tb[ACKGUARD_FLT_PORT]) {
		f->port = nla_get_u16(tb[ACKGUARD_FLT_PORT]);
		f->has_port = true;
	}
	if (tb[ACKGUARD_FLT_REASON]) {
		f->reason = nla_get_u8(tb[ACKGUARD_FLT_REASON]);
		/* the policy's range, for kernels without one (< 4.20) */
		if (f->reason >= ACKGUARD_REASON_COUNT) {
			NL_SET_ERR_MSG_ATTR(extack, tb[ACKGUARD_FLT_REASON],
					    "ackguard: no such reason");
			return -ERANGE;
		}
	}
	if (tb[ACKGUARD_FLT_MIN_RATE])
		f->min_rate = nla_get_u32(tb[ACKGUARD_FLT_MIN_RATE]);
	return 0;
}

int ag_nl_get_flows_start(struct netlink_callback *cb)
{
	struct ag_dump_ctx *ctx = ag_cb_ctx(cb);

	return ag_filter_parse(ctx, ag_dump_attr(cb, ACKGUARD_A_FILTER),
			       ag_cb_extack(cb));
}

static int ag_dump_one(struct sk_buff *skb, struct netlink_callback *cb,
		       const struct ag_flow_snap *s)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ag_genl_family, NLM_F_MULTI, ACKGUARD_CMD_GET_FLOWS);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	if (ag_put_flow(skb, s)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * One message per flow, resumed by (bucket, offset). cb->seq follows the
 * table's generation, so a dump that spans changes is flagged
 * NLM_F_DUMP_INTR and the caller can retry it.
 */
int ag_nl_get_flows(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ag_dump_ctx *ctx = ag_cb_ctx(cb);
	struct ag_net *an = ag_pernet(sock_net(skb->sk));
	unsigned int nbuckets;
	struct ag_flow_snap snap;
	struct ag_buckets *b;
	struct ag_flow *flow;
	int err = 0;

	/* the dump state lives in the callback (ag_cb_ctx()) */
	BUILD_BUG_ON(sizeof(struct ag_dump_ctx) > AG_CB_CTX_SIZE);

#ifndef AG_HAVE_GENL_OPS_START
	/* no start callback before 4.5: the first call parses the filter */
	if (!cb->args[5]) {
		err = ag_nl_get_flows_start(cb);
		if (err)
			return err;
		cb->args[5] = 1;
	}
#endif
	rcu_read_lock();
	/* a table that grows moves flows: that bumps gen too */
	cb->seq = atomic_read(&an->table.gen);
	b = rcu_dereference(an->table.cur);
	nbuckets = 1U << b->bits;
	for (; ctx->bucket < nbuckets; ctx->bucket++, ctx->offset = 0) {
		unsigned int i = 0;

		for (flow = rcu_dereference(b->head[ctx->bucket]);
		     flow; flow = rcu_dereference(flow->next)) {
			if (i++ < ctx->offset)
				continue;
			/* a DEAD flow is being removed: count it, skip it */
			if (ag_flow_snapshot(flow, &snap) &&
			    ag_filter_match(ctx, &snap)) {
				err = ag_dump_one(skb, cb, &snap);
				if (err)
					goto out;
			}
			ctx->offset++;
		}
		/*
		 * A filter that matches little walks a large table in one
		 * call: yield now and then. (bucket, offset 0) is where the
		 * walk resumes, so leaving RCU between buckets is safe.
		 */
		if ((ctx->bucket & 255) == 255) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
			b = rcu_dereference(an->table.cur);
			nbuckets = 1U << b->bits;
		}
	}
out:
	rcu_read_unlock();
	/* a full message ends this part of the dump; more follows */
	return err ? skb->len : 0;
}

int ag_nl_flush_flows(struct sk_buff *skb, struct genl_info *info)
{
	ag_table_flush(ag_pernet(genl_info_net(info)), true);
	return 0;
}

/*
 * Tell listeners that a flow entered or left a storm: the flow table's
 * report (events.h), heard while the family is registered (netlink.c).
 * Under flow->lock, in atomic context.
 */
void ag_genl_storm_event(struct ag_net *an, const struct ag_flow *flow,
			 bool start)
{
	struct ag_flow_snap snap;
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&ag_genl_family, an->net, 0))
		return;
	ag_flow_snap_locked(flow, &snap);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		goto lost;
	hdr = genlmsg_put(msg, 0, 0, &ag_genl_family, 0,
			  start ? ACKGUARD_CMD_STORM_START :
				  ACKGUARD_CMD_STORM_END);
	if (!hdr || ag_put_flow(msg, &snap)) {
		nlmsg_free(msg);
		goto lost;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&ag_genl_family, an->net, msg, 0, 0,
				GFP_ATOMIC);
	return;
lost:
	/* as on a full receive buffer: the listeners' next read gets ENOBUFS */
	genl_set_err(&ag_genl_family, an->net, 0, 0, ENOBUFS);
}
