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
#include <linux/socket.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>

#include "compat.h"
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

/*
 * Identity of a connection as seen from this host: 36 bytes without holes,
 * hashed and compared as bytes. IPv4 addresses are stored v4-mapped
 * (::ffff:a.b.c.d), which also tells the family: see ag_key_family().
 */
struct ag_flow_key {
	struct in6_addr local;
	struct in6_addr remote;
	__be16 local_port;
	__be16 remote_port;
};

/*
 * AF_INET iff the remote address is v4-mapped. An IPv6 connection never has
 * a v4-mapped peer: tcp_v6_conn_request() refuses SYNs from such sources,
 * and an AF_INET6 socket connect()ing to a v4-mapped address talks IPv4.
 * A forged IPv6 segment from a v4-mapped source can only match a dual-stack
 * socket whose peer is that IPv4 address, so it is counted in the flow of
 * that (IPv4) connection, which is where it belongs.
 */
static inline sa_family_t ag_key_family(const struct ag_flow_key *key)
{
	return ipv6_addr_v4mapped(&key->remote) ? AF_INET : AF_INET6;
}

/* ag_flow.flags; all changed under ag_flow.lock only */
#define AG_FLOW_DEAD		BIT(0)	/* unlinked, freed after a grace period */
#define AG_FLOW_IN_STORM	BIT(1)	/* rate above storm_pps */
#define AG_FLOW_THROTTLED	BIT(2)	/* over the limit in this or the last interval */
#define AG_FLOW_WINDOW_OVER	BIT(3)	/* over the limit in the current interval */

/*
 * One tracked flow: 128 bytes (with a 4-byte spinlock_t, see flowtable.c).
 * Times are the low 32 bits of jiffies, compared with time_after32() and
 * friends: the intervals compared are at most 60 s and a flow idle for
 * flow_timeout_s (at most a day) is removed, far below the 2^31 jiffies
 * (24 days at HZ=1000) where such comparisons turn ambiguous. first_seen is
 * kept at most AG_AGE_MAX behind by the collector, so a flow's age
 * saturates there rather than wraps.
 */
struct ag_flow {
	struct ag_flow __rcu *next;	/* bucket chain */
	struct ag_flow_key key;
	spinlock_t lock;	/* protects everything below */
	u8 state;		/* TCP state at the last segment */
	u8 flags;		/* AG_FLOW_* */
	u16 window_count;	/* segments allowed in the current interval */
	u32 window_start;
	u32 first_seen;
	u32 last_seen;		/* also read without the lock (eviction) */
	u32 rate_start;		/* start of the current 1 s window */
	u32 rate_count;		/* classified segments in it */
	u32 rate_last;		/* classified segments in the last full one */
	u32 overlimit;		/* over the limit in any mode, all reasons */
	/*
	 * The rcu_head overlays the per-reason counters. Safe because
	 * unlinking marks the flow AG_FLOW_DEAD under flow->lock before
	 * call_rcu(), and every reader that writes or reads the counters
	 * (the hook's ag_flow_limit(), ag_flow_snapshot() for netlink dumps
	 * and /proc/net/ackguard/flows) takes flow->lock and skips a DEAD
	 * flow; storm events are sent under flow->lock by the one who
	 * changes the storm state, before the flow is DEAD. Lockless RCU
	 * walkers of a
	 * bucket read only next and key, which stay intact until the flow
	 * is freed.
	 */
	union {
		struct {
			u32 seen[ACKGUARD_REASON_COUNT];
			u32 dropped[ACKGUARD_REASON_COUNT];
		};
		struct rcu_head rcu;
	};
};

/* A consistent copy of a flow, taken under its lock. */
struct ag_flow_snap {
	struct ag_flow_key key;
	u32 seen[ACKGUARD_REASON_COUNT];
	u32 dropped[ACKGUARD_REASON_COUNT];
	u32 overlimit;
	u32 rate;
	u64 age_ms;
	u64 idle_ms;
	u8 state;
	bool in_storm;
};

/* What ag_flow_limit() decided for one segment. */
enum ag_limit {
	AG_LIMIT_PASS,		/* within the limit: counted, passes */
	AG_LIMIT_OVER,		/* over the limit: counted, dropped if enforcing */
	AG_LIMIT_GONE,		/* the flow was being removed: not counted */
};

/* A bucket array: 2^bits chains (apart, so it stays a power of two). */
struct ag_buckets {
	unsigned int bits;
	struct ag_flow __rcu **head;
};

struct ag_table {
	struct ag_buckets __rcu *cur;	/* lookups, and where flows go */
	struct ag_buckets __rcu *old;	/* while growing: being emptied */
	struct mutex resize_lock;	/* growth vs. collector and flush */
	/*
	 * One per group of keys: a key's lock is its hash & lock_mask, and
	 * lock_mask is below every bucket array's size, so the lock of a
	 * bucket of the old array also covers every bucket of the new one
	 * its flows move to.
	 */
	spinlock_t *locks;
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
	struct delayed_work gc_work;	/* queued only while flows exist */
	struct mutex config_lock;	/* serialises config writers */
	/*
	 * The memory cgroup that pays for this namespace's table: its
	 * creator's (for namespaces that existed at insmod, the loader's),
	 * as the kernel's own per-namespace state is charged. Referenced.
	 */
	struct mem_cgroup *memcg;
};

/* main.c */
extern unsigned int ag_net_id;
struct ag_net *ag_pernet(const struct net *net);
void ag_config_defaults(struct ag_config *cfg);
void ag_config_finalize(struct ag_config *cfg);
int ag_config_invalid(const struct ag_config *cfg);

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
int ag_hooks_init(void);
void ag_hooks_exit(void);

/* flowtable.c */
int ag_flow_cache_init(void);
void ag_flow_cache_destroy(void);
int ag_table_init(struct ag_net *an, unsigned int max_flows);
int ag_table_fit(struct ag_net *an, unsigned int max_flows);
unsigned int ag_table_buckets(struct ag_net *an);
void ag_table_destroy(struct ag_net *an);
struct ag_flow *ag_flow_get(struct ag_net *an, const struct ag_config *cfg,
			    const struct ag_flow_key *key);
void ag_table_flush(struct ag_net *an, bool notify);
void ag_gc_work(struct work_struct *work);
enum ag_limit ag_flow_limit(struct ag_net *an, const struct ag_config *cfg,
			    struct ag_flow *flow, u8 reason, u8 tcp_state);
void ag_flow_snap_locked(const struct ag_flow *flow, struct ag_flow_snap *s);
bool ag_flow_snapshot(struct ag_flow *flow, struct ag_flow_snap *s);

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
