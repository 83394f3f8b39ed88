/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: what the module keeps per network namespace: its settings, its
 * counters and its flow table, created and destroyed by main.c.
 */
#ifndef _ACKGUARD_PERNET_H
#define _ACKGUARD_PERNET_H

#include <linux/percpu.h>
#include <linux/workqueue.h>

#include "config.h"
#include "flowtable.h"
#include "stats.h"

struct mem_cgroup;
struct net;

struct ag_net {
	struct net *net;
	struct ag_live_config config;
	struct ag_stats __percpu *stats;
	struct ag_table table;
	struct delayed_work gc_work;	/* queued only while flows exist */
	/*
	 * The memory cgroup that pays for this namespace's table: its
	 * creator's (for namespaces that existed at insmod, the loader's),
	 * as the kernel's own per-namespace state is charged. Referenced.
	 */
	struct mem_cgroup *memcg;
};

struct ag_net *ag_pernet(const struct net *net);

static inline void ag_stat_inc(struct ag_net *an, enum ag_stat s)
{
	this_cpu_inc(an->stats->stat[s]);
}

static inline void ag_reason_inc(struct ag_net *an, u8 reason,
				 enum ag_verdict_stat vs)
{
	this_cpu_inc(an->stats->reason[reason][vs]);
}

#endif /* _ACKGUARD_PERNET_H */
