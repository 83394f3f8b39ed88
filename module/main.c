// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: stop TCP ACK loops on kernels whose TCP does not rate-limit
 * out-of-window duplicate ACKs (Linux < 4.0, or tcp_invalid_ratelimit=0).
 *
 * Module parameters are the defaults every network namespace starts from;
 * each namespace's live configuration is changed over generic netlink.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/netns/generic.h>

#include "internal.h"

/* From the tree's VERSION file, passed by Kbuild (the one version number). */
#ifndef AG_VERSION
#error "AG_VERSION not set: build with module/Kbuild"
#endif

static char *mode = "enforce";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "enforce (drop over the limit), monitor (count only) or off");

static unsigned int interval_ms = 500;
module_param(interval_ms, uint, 0444);
MODULE_PARM_DESC(interval_ms, "rate-limit interval in ms, 1..60000 (upstream: 500)");

static unsigned int burst = 1;
module_param(burst, uint, 0444);
MODULE_PARM_DESC(burst, "classified segments a flow may send per interval, 1..10000");

static unsigned int max_flows = 16384;
module_param(max_flows, uint, 0444);
MODULE_PARM_DESC(max_flows, "tracked flows per namespace, 1..4194304");

static unsigned int flow_timeout_s = 60;
module_param(flow_timeout_s, uint, 0444);
MODULE_PARM_DESC(flow_timeout_s, "seconds before an idle flow is forgotten, 1..86400");

static unsigned int storm_pps = 100;
module_param(storm_pps, uint, 0444);
MODULE_PARM_DESC(storm_pps, "classified segments/s above which a flow is in a storm, 1..100000000");

static bool log_throttle = true;
module_param(log_throttle, bool, 0444);
MODULE_PARM_DESC(log_throttle, "log (rate-limited) when a flow starts being throttled");

unsigned int ag_net_id __read_mostly;
static u8 ag_default_mode;

struct ag_net *ag_pernet(const struct net *net)
{
	return net_generic(net, ag_net_id);
}

static int ag_parse_mode(const char *s)
{
	static const char * const names[] = {
		[ACKGUARD_MODE_OFF] = "off",
		[ACKGUARD_MODE_MONITOR] = "monitor",
		[ACKGUARD_MODE_ENFORCE] = "enforce",
	};

	return __sysfs_match_string(names, ARRAY_SIZE(names), s);
}

void ag_config_defaults(struct ag_config *cfg)
{
	cfg->mode = ag_default_mode;
	cfg->log = log_throttle;
	cfg->interval_ms = interval_ms;
	cfg->burst = burst;
	cfg->max_flows = max_flows;
	cfg->flow_timeout_s = flow_timeout_s;
	cfg->storm_pps = storm_pps;
	ag_config_finalize(cfg);
}

/* Derived values the hook uses, so it never converts units per packet. */
void ag_config_finalize(struct ag_config *cfg)
{
	cfg->interval_jiffies = max_t(unsigned long, 1,
				      msecs_to_jiffies(cfg->interval_ms));
}

static int ag_check_range(const char *name, unsigned int v, unsigned int lo,
			  unsigned int hi)
{
	if (v >= lo && v <= hi)
		return 0;
	pr_err("invalid parameter %s=%u: must be %u..%u\n", name, v, lo, hi);
	return -EINVAL;
}

/* The same bounds as the netlink policy (netlink.c). */
static int ag_params_validate(void)
{
	int m = ag_parse_mode(mode);

	if (m < 0) {
		pr_err("invalid parameter mode=%s: must be enforce, monitor or off\n",
		       mode);
		return -EINVAL;
	}
	ag_default_mode = m;
	return ag_check_range("interval_ms", interval_ms, 1,
			      AG_INTERVAL_MS_MAX) ?:
	       ag_check_range("burst", burst, 1, AG_BURST_MAX) ?:
	       ag_check_range("max_flows", max_flows, 1, AG_MAX_FLOWS_MAX) ?:
	       ag_check_range("flow_timeout_s", flow_timeout_s, 1,
			      AG_FLOW_TIMEOUT_MAX) ?:
	       ag_check_range("storm_pps", storm_pps, 1, AG_STORM_PPS_MAX);
}

/*
 * The netlink attribute of the first setting of @cfg out of its range, or
 * 0. The policy (netlink.c) rejects these first where the kernel validates
 * ranges (4.20 and later); before, this is the check.
 */
int ag_config_invalid(const struct ag_config *cfg)
{
	if (cfg->mode > ACKGUARD_MODE_MAX)
		return ACKGUARD_CFG_MODE;
	if (cfg->interval_ms < 1 || cfg->interval_ms > AG_INTERVAL_MS_MAX)
		return ACKGUARD_CFG_INTERVAL_MS;
	if (cfg->burst < 1 || cfg->burst > AG_BURST_MAX)
		return ACKGUARD_CFG_BURST;
	if (cfg->max_flows < 1 || cfg->max_flows > AG_MAX_FLOWS_MAX)
		return ACKGUARD_CFG_MAX_FLOWS;
	if (cfg->flow_timeout_s < 1 || cfg->flow_timeout_s > AG_FLOW_TIMEOUT_MAX)
		return ACKGUARD_CFG_FLOW_TIMEOUT_S;
	if (cfg->storm_pps < 1 || cfg->storm_pps > AG_STORM_PPS_MAX)
		return ACKGUARD_CFG_STORM_PPS;
	if (cfg->log > 1)
		return ACKGUARD_CFG_LOG;
	return 0;
}

static int __net_init ag_net_init(struct net *net)
{
	struct ag_net *an = ag_pernet(net);
	struct ag_config *cfg;
	int err = -ENOMEM;

	an->net = net;
	mutex_init(&an->config_lock);
	INIT_DELAYED_WORK(&an->gc_work, ag_gc_work);
	/* see struct ag_net; NULL without memory cgroups */
	an->memcg = get_mem_cgroup_from_mm(current->mm);
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		goto put_memcg;
	ag_config_defaults(cfg);
	RCU_INIT_POINTER(an->config, cfg);
	an->stats = alloc_percpu(struct ag_stats);
	if (!an->stats)
		goto free_cfg;
	err = ag_table_init(an, cfg->max_flows);
	if (err)
		goto free_stats;
	err = ag_proc_init(net);
	if (err)
		goto free_table;
	err = ag_hooks_register(net);
	if (err)
		goto free_proc;
	/* the collector starts with the first flow (ag_flow_get()) */
	return 0;

free_proc:
	ag_proc_exit(net);
free_table:
	ag_table_destroy(an);
free_stats:
	free_percpu(an->stats);
free_cfg:
	kfree(cfg);
put_memcg:
	mem_cgroup_put(an->memcg);
	return err;
}

/*
 * Unregistering a hook does not wait for the packets inside it (the old
 * hook array is freed by call_rcu()). The netns core runs synchronize_rcu()
 * between pre_exit and exit, so once ag_net_exit() runs no hook can re-arm
 * the collector or touch the table, the counters or the configuration.
 */
static void __net_exit ag_net_pre_exit(struct net *net)
{
	ag_hooks_unregister(net);
}

static void __net_exit ag_net_exit(struct net *net)
{
	struct ag_net *an = ag_pernet(net);

#ifndef AG_HAVE_PERNET_PRE_EXIT
	/* before 5.3: unregistering per-namespace hooks waits for them */
	ag_net_pre_exit(net);
#endif

	cancel_delayed_work_sync(&an->gc_work);
	ag_proc_exit(net);
	ag_table_destroy(an);
	free_percpu(an->stats);
	kfree_rcu(rcu_dereference_protected(an->config, true), rcu);
	mem_cgroup_put(an->memcg);
}

static struct pernet_operations ag_net_ops = {
	.init = ag_net_init,
#ifdef AG_HAVE_PERNET_PRE_EXIT
	.pre_exit = ag_net_pre_exit,
#endif
	.exit = ag_net_exit,
	.id = &ag_net_id,
	.size = sizeof(struct ag_net),
};

static int __init ag_init(void)
{
	int err;

	err = ag_params_validate() ?: ag_compat_init();
	if (err)
		return err;
	err = ag_flow_cache_init();
	if (err)
		return err;
	err = register_pernet_subsys(&ag_net_ops);
	if (err)
		goto free_cache;
	err = ag_hooks_init();
	if (err)
		goto unregister_pernet;
	err = ag_genl_register();
	if (err)
		goto exit_hooks;
	ag_genl_events_enable(true);
	pr_info("loaded, version %s, mode %s\n", AG_VERSION, mode);
	return 0;

exit_hooks:
	ag_hooks_exit();
unregister_pernet:
	unregister_pernet_subsys(&ag_net_ops);
free_cache:
	rcu_barrier();
	ag_flow_cache_destroy();
	return err;
}

static void __exit ag_exit(void)
{
	/* no storm event may be in flight when the family goes away */
	ag_genl_events_enable(false);
	synchronize_rcu();
	ag_genl_unregister();
	ag_hooks_exit();
	unregister_pernet_subsys(&ag_net_ops);
	/* flows and configurations are freed through RCU callbacks */
	rcu_barrier();
	ag_flow_cache_destroy();
	pr_info("unloaded\n");
}

module_init(ag_init);
module_exit(ag_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("ackguard developers");
MODULE_DESCRIPTION("Rate-limit TCP ACK loops per flow");
MODULE_VERSION(AG_VERSION);
/*
 * No MODULE_ALIAS_GENL_FAMILY(): with it, any user's CTRL_CMD_GETFAMILY for
 * "ackguard" (ackguardctl show, as nobody) would request_module() a module
 * that starts dropping in every namespace. Loading it is the operator's
 * decision: modprobe, /etc/modules-load.d, or the DKMS package's unit.
 */
