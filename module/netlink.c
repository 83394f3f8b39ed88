// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: the generic netlink family: configuration and counters of the
 * caller's network namespace. Flow dumps and storm events are in
 * netlink_flows.c. The message tree is documented in uapi/ackguard.h.
 *
 * Reading configuration and counters is open to everyone, like
 * /proc/net/netstat; changing configuration and anything that names flows
 * needs CAP_NET_ADMIN in the namespace's user namespace.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "compat.h"
#include "config.h"
#include "events.h"
#include "flowtable.h"
#include "genl.h"
#include "netlink.h"
#include "pernet.h"
#include "stats.h"

/*
 * The same ranges bound the module parameters (config.c). Bounds past
 * S16_MAX need a range structure: NLA_POLICY_RANGE holds s16 only.
 */
static struct netlink_range_validation ag_range_interval = {
	.min = 1, .max = AG_INTERVAL_MS_MAX,
};

static struct netlink_range_validation ag_range_max_flows = {
	.min = 1, .max = AG_MAX_FLOWS_MAX,
};

static struct netlink_range_validation ag_range_timeout = {
	.min = 1, .max = AG_FLOW_TIMEOUT_MAX,
};

static struct netlink_range_validation ag_range_storm = {
	.min = 1, .max = AG_STORM_PPS_MAX,
};

static const struct nla_policy ag_cfg_policy[ACKGUARD_CFG_MAX + 1] = {
	[ACKGUARD_CFG_MODE] = NLA_POLICY_MAX(NLA_U8, ACKGUARD_MODE_MAX),
	[ACKGUARD_CFG_INTERVAL_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
							   &ag_range_interval),
	[ACKGUARD_CFG_BURST] = NLA_POLICY_RANGE(NLA_U32, 1, AG_BURST_MAX),
	[ACKGUARD_CFG_MAX_FLOWS] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &ag_range_max_flows),
	[ACKGUARD_CFG_FLOW_TIMEOUT_S] = NLA_POLICY_FULL_RANGE(NLA_U32,
							      &ag_range_timeout),
	[ACKGUARD_CFG_STORM_PPS] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &ag_range_storm),
	[ACKGUARD_CFG_LOG] = NLA_POLICY_MAX(NLA_U8, 1),
};

/*
 * The policy's own messages ("integer out of range") do not say which
 * setting was wrong; these do, for the attribute the parser rejected.
 * The bounds are config.h's, spelled out by the preprocessor.
 */
static const char * const ag_cfg_errors[ACKGUARD_CFG_MAX + 1] = {
	[ACKGUARD_CFG_MODE] = "ackguard: mode must be 0 (off), 1 (monitor) or 2 (enforce)",
	[ACKGUARD_CFG_INTERVAL_MS] = "ackguard: interval_ms must be 1.."
		__stringify(AG_INTERVAL_MS_MAX),
	[ACKGUARD_CFG_BURST] = "ackguard: burst must be 1.."
		__stringify(AG_BURST_MAX),
	[ACKGUARD_CFG_MAX_FLOWS] = "ackguard: max_flows must be 1.."
		__stringify(AG_MAX_FLOWS_MAX),
	[ACKGUARD_CFG_FLOW_TIMEOUT_S] = "ackguard: flow_timeout_s must be 1.."
		__stringify(AG_FLOW_TIMEOUT_MAX),
	[ACKGUARD_CFG_STORM_PPS] = "ackguard: storm_pps must be 1.."
		__stringify(AG_STORM_PPS_MAX),
	[ACKGUARD_CFG_LOG] = "ackguard: log must be 0 or 1",
};

const struct nla_policy ag_genl_policy[ACKGUARD_A_MAX + 1] = {
	/* nests are parsed by the operations, to name what they reject */
	[ACKGUARD_A_CONFIG] = { .type = NLA_NESTED },
	[ACKGUARD_A_FILTER] = { .type = NLA_NESTED },
};

static int ag_put_config(struct sk_buff *skb, const struct ag_config *cfg)
{
	struct nlattr *nest = nla_nest_start(skb, ACKGUARD_A_CONFIG);

	if (!nest ||
	    nla_put_u8(skb, ACKGUARD_CFG_MODE, cfg->mode) ||
	    nla_put_u32(skb, ACKGUARD_CFG_INTERVAL_MS, cfg->interval_ms) ||
	    nla_put_u32(skb, ACKGUARD_CFG_BURST, cfg->burst) ||
	    nla_put_u32(skb, ACKGUARD_CFG_MAX_FLOWS, cfg->max_flows) ||
	    nla_put_u32(skb, ACKGUARD_CFG_FLOW_TIMEOUT_S, cfg->flow_timeout_s) ||
	    nla_put_u32(skb, ACKGUARD_CFG_STORM_PPS, cfg->storm_pps) ||
	    nla_put_u8(skb, ACKGUARD_CFG_LOG, cfg->log))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int ag_nl_get_config(struct sk_buff *skb, struct genl_info *info)
{
	struct ag_net *an = ag_pernet(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &ag_genl_family, 0,
				ACKGUARD_CMD_GET_CONFIG);
	if (!hdr)
		goto too_big;
	rcu_read_lock();
	err = ag_put_config(msg, rcu_dereference(an->config.cur));
	rcu_read_unlock();
	if (err)
		goto too_big;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
too_big:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* Parse the whole request first: a rejected set changes nothing. */
static int ag_nl_set_config(struct sk_buff *skb, struct genl_info *info)
{
	struct ag_net *an = ag_pernet(genl_info_net(info));
	struct nlattr *tb[ACKGUARD_CFG_MAX + 1];
	struct netlink_ext_ack *extack = ag_genl_extack(info);
	struct ag_config *cfg;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, ACKGUARD_A_CONFIG))
		return -EINVAL;
	err = nla_parse_nested(tb, ACKGUARD_CFG_MAX,
			       info->attrs[ACKGUARD_A_CONFIG], ag_cfg_policy,
			       extack);
	if (!err)
		err = ag_nla_check_full_range(tb, ag_cfg_policy,
					      ACKGUARD_CFG_MAX, extack);
	if (err) {
		const struct nlattr *bad = extack->bad_attr;
		int type = bad ? nla_type(bad) : 0;

		/* keep the attribute the parser pointed at, replace the text */
		if (type > 0 && type <= ACKGUARD_CFG_MAX && ag_cfg_errors[type])
			extack->_msg = ag_cfg_errors[type];
		else if (bad)
			extack->_msg = "ackguard: unknown or malformed setting";
		return err;
	}

	cfg = ag_config_edit(&an->config);
	if (!cfg)
		return -ENOMEM;
	if (tb[ACKGUARD_CFG_MODE])
		cfg->mode = nla_get_u8(tb[ACKGUARD_CFG_MODE]);
	if (tb[ACKGUARD_CFG_INTERVAL_MS])
		cfg->interval_ms = nla_get_u32(tb[ACKGUARD_CFG_INTERVAL_MS]);
	if (tb[ACKGUARD_CFG_BURST])
		cfg->burst = nla_get_u32(tb[ACKGUARD_CFG_BURST]);
	if (tb[ACKGUARD_CFG_MAX_FLOWS])
		cfg->max_flows = nla_get_u32(tb[ACKGUARD_CFG_MAX_FLOWS]);
	if (tb[ACKGUARD_CFG_FLOW_TIMEOUT_S])
		cfg->flow_timeout_s =
			nla_get_u32(tb[ACKGUARD_CFG_FLOW_TIMEOUT_S]);
	if (tb[ACKGUARD_CFG_STORM_PPS])
		cfg->storm_pps = nla_get_u32(tb[ACKGUARD_CFG_STORM_PPS]);
	if (tb[ACKGUARD_CFG_LOG])
		cfg->log = nla_get_u8(tb[ACKGUARD_CFG_LOG]);
	err = ag_config_invalid(cfg);
	if (err) {
		ag_config_abort(&an->config, cfg);
		extack->_msg = ag_cfg_errors[err];
		extack->bad_attr = tb[err];
		return -ERANGE;
	}
	/* more buckets first: if that fails, nothing has changed */
	if (cfg->max_flows > ag_config_edited(&an->config)->max_flows) {
		err = ag_table_fit(an, cfg->max_flows);
		if (err) {
			ag_config_abort(&an->config, cfg);
			NL_SET_ERR_MSG(extack,
				       "ackguard: no memory for a table of max_flows flows");
			return err;
		}
	}
	ag_config_commit(&an->config, cfg);
	return 0;
}

static int ag_put_u64(struct sk_buff *skb, int type, u64 v, int pad)
{
	return nla_put_u64_64bit(skb, type, v, pad);
}

static int ag_put_counters(struct sk_buff *skb, struct ag_net *an,
			   const struct ag_stats *sum)
{
	static const int ctr_attr[AG_STAT_COUNT] = {
		[AG_STAT_FLOWS_CREATED] = ACKGUARD_CTR_FLOWS_CREATED,
		[AG_STAT_FLOWS_EVICTED] = ACKGUARD_CTR_FLOWS_EVICTED,
		[AG_STAT_FLOWS_EXPIRED] = ACKGUARD_CTR_FLOWS_EXPIRED,
		[AG_STAT_TABLE_FULL] = ACKGUARD_CTR_TABLE_FULL,
		[AG_STAT_MALFORMED] = ACKGUARD_CTR_MALFORMED,
		[AG_STAT_STORMS] = ACKGUARD_CTR_STORMS,
	};
	struct nlattr *nest, *rn;
	int i, r;

	nest = nla_nest_start(skb, ACKGUARD_A_COUNTERS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < AG_STAT_COUNT; i++)
		if (ag_put_u64(skb, ctr_attr[i], sum->stat[i], ACKGUARD_CTR_PAD))
			return -EMSGSIZE;
	if (nla_put_u32(skb, ACKGUARD_CTR_FLOWS_ACTIVE,
			atomic_read(&an->table.count)))
		return -EMSGSIZE;
	for (r = 0; r < ACKGUARD_REASON_COUNT; r++) {
		const u64 *v = sum->reason[r];

		rn = nla_nest_start(skb, ACKGUARD_CTR_REASON);
		if (!rn || nla_put_u8(skb, ACKGUARD_RSN_ID, r) ||
		    ag_put_u64(skb, ACKGUARD_RSN_SEEN, v[AG_VS_SEEN],
			       ACKGUARD_RSN_PAD) ||
		    ag_put_u64(skb, ACKGUARD_RSN_PASSED, v[AG_VS_PASSED],
			       ACKGUARD_RSN_PAD) ||
		    ag_put_u64(skb, ACKGUARD_RSN_DROPPED, v[AG_VS_DROPPED],
			       ACKGUARD_RSN_PAD) ||
		    ag_put_u64(skb, ACKGUARD_RSN_OVERLIMIT, v[AG_VS_OVERLIMIT],
			       ACKGUARD_RSN_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, rn);
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int ag_nl_get_counters(struct sk_buff *skb, struct genl_info *info)
{
	struct ag_net *an = ag_pernet(genl_info_net(info));
	struct sk_buff *msg;
	struct ag_stats *sum;
	int err = -ENOMEM;
	void *hdr;

	sum = kmalloc(sizeof(*sum), GFP_KERNEL);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!sum || !msg)
		goto out;
	ag_stats_sum(an->stats, sum);
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &ag_genl_family, 0,
				ACKGUARD_CMD_GET_COUNTERS);
	if (!hdr || ag_put_counters(msg, an, sum))
		goto out;
	genlmsg_end(msg, hdr);
	kfree(sum);
	return genlmsg_reply(msg, info);
out:
	nlmsg_free(msg);
	kfree(sum);
	return err;
}

static AG_GENL_OPS_CONST struct genl_ops ag_genl_ops[] = {
	{
		.cmd = ACKGUARD_CMD_GET_CONFIG,
		AG_GENL_OP_POLICY(ag_genl_policy)
		.doit = ag_nl_get_config,
	},
	{
		.cmd = ACKGUARD_CMD_SET_CONFIG,
		AG_GENL_OP_POLICY(ag_genl_policy)
		.doit = ag_nl_set_config,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = ACKGUARD_CMD_GET_COUNTERS,
		AG_GENL_OP_POLICY(ag_genl_policy)
		.doit = ag_nl_get_counters,
	},
	{
		.cmd = ACKGUARD_CMD_GET_FLOWS,
		AG_GENL_OP_POLICY(ag_genl_policy)
#ifdef AG_HAVE_GENL_OPS_START
		.start = ag_nl_get_flows_start,
#endif
		.dumpit = ag_nl_get_flows,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = ACKGUARD_CMD_FLUSH_FLOWS,
		AG_GENL_OP_POLICY(ag_genl_policy)
		.doit = ag_nl_flush_flows,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

/* events name flows: only for those who may dump them */
AG_GENL_OPS_CONST struct genl_multicast_group ag_genl_mcgrps[] = {
	{
		.name = ACKGUARD_MCGRP_EVENTS,
		AG_MCGRP_ADMIN_ONLY
	},
};

struct genl_family ag_genl_family __ro_after_init = {
	.name = ACKGUARD_GENL_NAME,
	.version = ACKGUARD_GENL_VERSION,
	.maxattr = ACKGUARD_A_MAX,
#ifdef AG_HAVE_GENL_FAMILY_POLICY
	.policy = ag_genl_policy,
#endif
	.netnsok = true,
#ifdef AG_HAVE_GENL_MCGRPS
	.module = THIS_MODULE,
	.ops = ag_genl_ops,
	.n_ops = ARRAY_SIZE(ag_genl_ops),
	AG_GENL_RESV_START_OP(ACKGUARD_CMD_MAX + 1)
	.mcgrps = ag_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(ag_genl_mcgrps),
#endif
};

MODULE_INFO(mcast_perm, AG_MCAST_PERM);

static const struct ag_event_listener ag_genl_listener = {
	.storm = ag_genl_storm_event,
};

/* The family first: a storm heard before it exists could not be sent. */
int ag_genl_register(void)
{
	int err;

#ifdef AG_HAVE_GENL_MCGRPS
	err = genl_register_family(&ag_genl_family);
#else
	/* before 3.13: see compat.h */
	err = genl_register_family_with_ops(&ag_genl_family, ag_genl_ops,
					    ARRAY_SIZE(ag_genl_ops));
	if (err)
		return err;
	err = genl_register_mc_group(&ag_genl_family, &ag_genl_mcgrps[0]);
	if (err)
		genl_unregister_family(&ag_genl_family);
#endif
	if (!err)
		ag_events_listen(&ag_genl_listener);
	return err;
}

/* No storm event may be in flight when the family goes away. */
void ag_genl_unregister(void)
{
	ag_events_unlisten();
	genl_unregister_family(&ag_genl_family);
}
