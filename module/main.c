// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: stop TCP ACK loops on kernels whose TCP does not rate-limit
 * out-of-window duplicate ACKs (Linux < 4.0, or tcp_invalid_ratelimit=0).
 *
 * This file loads and unloads the module and creates and destroys each
 * namespace's state (pernet.h). Module parameters (config.c) are the
 * defaults every network namespace starts from; each namespace's live
 * configuration is changed over generic netlink.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "compat.h"
#include "config.h"
#include "flowtable.h"
#include "hooks.h"
#include "netlink.h"
#include "pernet.h"
#include "proc.h"
#include "stats.h"

/* From the tree's VERSION file, passed by Kbuild (the one version number). */
#ifndef AG_VERSION
#error "AG_VERSION not set: build with module/Kbuild"
#endif

unsigned int ag_net_id __read_mostly;

struct ag_net *ag_pernet(const struct net *net)
{
	return net_generic(net, ag_net_id);
}

static int __net_init ag_net_init(struct net *net)
{
	struct ag_net *an = ag_pernet(net);
	int err;

	an->net = net;
	INIT_DELAYED_WORK(&an->gc_work, ag_gc_work);
	/* see struct ag_net; NULL without memory cgroups */
	an->memcg = get_mem_cgroup_from_mm(current->mm);
	err = ag_config_init(&an->config);
	if (err)
		goto put_memcg;
	err = -ENOMEM;
	an->stats = alloc_percpu(struct ag_stats);
	if (!an->stats)
		goto free_cfg;
	/* no one else sees the namespace's settings yet */
	err = ag_table_init(an, rcu_dereference_protected(an->config.cur,
							  true)->max_flows);
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
	ag_config_exit(&an->config);
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
	ag_config_exit(&an->config);
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

	err = ag_config_params_check() ?: ag_compat_init();
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
	pr_info("loaded, version %s, mode %s\n", AG_VERSION,
		ag_config_default_mode());
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
	/* first: it stops the storm events before the family goes away */
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
