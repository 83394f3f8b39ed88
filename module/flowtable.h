/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: the per-namespace flow table: one entry per flow that sent a
 * classified segment, with its rate limiter and storm state. It reports a
 * storm's start and end through events.h and knows nothing of who listens.
 */
#ifndef _ACKGUARD_FLOWTABLE_H
#define _ACKGUARD_FLOWTABLE_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "compat.h"
#include "flowkey.h"
#include "uapi/ackguard.h"

struct ag_config;
struct ag_net;
struct work_struct;

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
	 * flow; storms are reported (events.h) under flow->lock by the one
	 * who changes the storm state, before the flow is DEAD. Lockless RCU
	 * walkers of a bucket read only next and key, which stay intact
	 * until the flow is freed.
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

/* Module load and unload: the slab cache of all namespaces' flows. */
int ag_flow_cache_init(void);
void ag_flow_cache_destroy(void);

/* A namespace's table; the functions below take its struct ag_net. */
int ag_table_init(struct ag_net *an, unsigned int max_flows);
int ag_table_fit(struct ag_net *an, unsigned int max_flows);
unsigned int ag_table_buckets(struct ag_net *an);
void ag_table_flush(struct ag_net *an, bool notify);
void ag_table_destroy(struct ag_net *an);
/* the collector: struct ag_net's gc_work */
void ag_gc_work(struct work_struct *work);

/* The hook: find or create a segment's flow, then account the segment. */
struct ag_flow *ag_flow_get(struct ag_net *an, const struct ag_config *cfg,
			    const struct ag_flow_key *key);
enum ag_limit ag_flow_limit(struct ag_net *an, const struct ag_config *cfg,
			    struct ag_flow *flow, u8 reason, u8 tcp_state);

/* The reports: a copy of one flow, with or without its lock held. */
void ag_flow_snap_locked(const struct ag_flow *flow, struct ag_flow_snap *s);
bool ag_flow_snapshot(struct ag_flow *flow, struct ag_flow_snap *s);

#endif /* _ACKGUARD_FLOWTABLE_H */
