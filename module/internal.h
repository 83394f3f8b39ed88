/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: internal declarations shared by the module's files.
 */
#ifndef _ACKGUARD_INTERNAL_H
#define _ACKGUARD_INTERNAL_H

#include <linux/types.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/percpu.h>
#include <linux/in6.h>
#include <linux/siphash.h>
#include <linux/socket.h>
#include <net/net_namespace.h>

#include "uapi/ackguard.h"

struct sk_buff;
struct sock;

/* Upper bounds of the settings, shared by the parameters and netlink. */
#define AG_INTERVAL_MS_MAX	60000
#define AG_BURST_MAX		10000
#define AG_MAX_FLOWS_MAX	4194304
#define AG_FLOW_TIMEOUT_MAX	86400
#define AG_STORM_PPS_MAX	100000000

/* Namespace counters that are not per reason. */
enum ag_stat {
	AG_STAT_FLOWS_CREATED,
	AG_STAT_FLOWS_EVICTED,
	AG_STAT_FLOWS_EXPIRED,
	AG_STAT_TABLE_FULL,
	AG_STAT_MALFORMED,
	AG_STAT_STORMS,
	AG_STAT_COUNT,
};

/* What happened to one classified segment. */
enum ag_verdict_stat {
	AG_VS_SEEN,
	AG_VS_PASSED,
	AG_VS_DROPPED,
	AG_VS_OVERLIMIT,
	AG_VS_COUNT,
};

struct ag_stats {
	u64 stat[AG_STAT_COUNT];
	u64 reason[ACKGUARD_REASON_COUNT][AG_VS_COUNT];
};

/*
 * Per-namespace configuration. Replaced as a whole under RCU, so the hook
 * always sees one consistent set of values.
 */
struct ag_config {
	u8 mode;
	u8 log;
	u32 interval_ms;
	u32 burst;
	u32 max_flows;
	u32 flow_timeout_s;
	u32 storm_pps;
	unsigned long interval_jiffies;
	struct rcu_head rcu;
};

/* Identity of a connection as seen from this host. */
struct ag_flow_key {
	struct in6_addr local;	/* IPv4 as ::ffff:a.b.c.d */
	struct in6_addr remote;
	__be16 local_port;
	__be16 remote_port;
	u8 family;
	u8 pad[3];	/* zeroed: the key is hashed and compared as bytes */
} __aligned(SIPHASH_ALIGNMENT);

struct ag_flow {
	struct hlist_node node;
	struct ag_flow_key key;
	spinlock_t lock;	/* protects the limiter state and counters below */
	u8 state;		/* TCP state at the last segment */
	bool in_storm;
	bool throttled;		/* over the limit in this or the last interval */
	bool window_over;	/* over the limit in the current interval */
	u32 window_count;	/* segments allowed in the current interval */
	unsigned long window_start;
	unsigned long first_seen;
	unsigned long last_seen;
	unsigned long rate_start;	/* start of the current 1 s window */
	u32 rate_count;		/* classified segments in it */
	u32 rate_last;		/* classified segments in the last full one */
	u32 seen[ACKGUARD_REASON_COUNT];
	u32 dropped[ACKGUARD_REASON_COUNT];
	u32 overlimit[ACKGUARD_REASON_COUNT];
	struct rcu_head rcu;
};

struct ag_table {
	struct hlist_head *buckets;
	spinlock_t *locks;	/* one per group of buckets */
	unsigned int hash_bits;
	unsigned int lock_mask;
	atomic_t count;
	atomic_t gen;		/* bumped on every insert and removal */
	siphash_key_t seed;
};

struct ag_net {
	struct net *net;
	struct ag_config __rcu *config;
	struct ag_stats __percpu *stats;
	struct ag_table table;
	struct delayed_work gc_work;
	struct mutex config_lock;	/* serialises config writers */
};

/* main.c */
extern unsigned int ag_net_id;
struct ag_net *ag_pernet(const struct net *net);
void ag_config_defaults(struct ag_config *cfg);
void ag_config_finalize(struct ag_config *cfg);

/* stats.c */
static inline void ag_stat_inc(struct ag_net *an, enum ag_stat s)
{
	this_cpu_inc(an->stats->stat[s]);
}

static inline void ag_reason_inc(struct ag_net *an, u8 reason,
				 enum ag_verdict_stat vs)
{
	this_cpu_inc(an->stats->reason[reason][vs]);
}

void ag_stats_sum(struct ag_net *an, struct ag_stats *sum);
const char *ag_reason_name(u8 reason);
const char *ag_stat_name(enum ag_stat s);
const char *ag_verdict_name(enum ag_verdict_stat vs);

/* proc.c */
int ag_proc_init(struct net *net);
void ag_proc_exit(struct net *net);

/* hooks.c */
int ag_hooks_register(struct net *net);
void ag_hooks_unregister(struct net *net);

/* flowtable.c */
int ag_flow_cache_init(void);
void ag_flow_cache_destroy(void);
int ag_table_init(struct ag_net *an, unsigned int max_flows);
void ag_table_destroy(struct ag_net *an);
struct ag_flow *ag_flow_get(struct ag_net *an, const struct ag_config *cfg,
			    const struct ag_flow_key *key);
void ag_table_flush(struct ag_net *an);
void ag_gc_work(struct work_struct *work);
bool ag_flow_limit(struct ag_net *an, const struct ag_config *cfg,
		   struct ag_flow *flow, u8 reason, u8 tcp_state);
u32 ag_flow_rate(const struct ag_flow *flow, unsigned long now);

/* flowkey.c */
void ag_key_sockaddr(const struct ag_flow_key *key, bool local,
		     struct sockaddr_storage *ss);

/* netlink.c */
int ag_genl_register(void);
void ag_genl_unregister(void);
void ag_genl_events_enable(bool on);
void ag_genl_storm_event(struct ag_net *an, const struct ag_flow *flow,
			 bool start);

#endif /* _ACKGUARD_INTERNAL_H */
