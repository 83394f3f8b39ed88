// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: the per-namespace flow table.
 *
 * A fixed array of hash buckets sized when the namespace appears, each a
 * singly linked chain of flows. Lookups walk a chain under RCU without
 * locks; inserts and removals take one of a small array of spinlocks chosen
 * by bucket (and a removal the flow's own lock, to mark it DEAD). All these
 * locks are also taken in softirq: the hook takes them with bottom halves
 * off (see ag_judge(): it runs in process context after an NFQUEUE
 * verdict), everyone else with the _bh variants. Entries
 * exist only for flows that sent a classified segment, at most max_flows of
 * them; a periodic garbage collector removes the ones idle for
 * flow_timeout_s, and under pressure those idle for longer than their
 * rate-limit interval, whose limiter state no longer matters. Entries are
 * freed after an RCU grace period.
 */
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/memcontrol.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/time.h>

#include "compat.h"
#include "config.h"
#include "events.h"
#include "flowkey.h"
#include "flowmath.h"
#include "flowtable.h"
#include "pernet.h"
#include "stats.h"

#define AG_HASH_BITS_MIN 6
#define AG_HASH_BITS_MAX 18
#define AG_LOCKS_MAX 1024
#define AG_GC_PERIOD HZ
/* how far behind the collector lets first_seen fall: ages saturate here */
#define AG_AGE_MAX ((u32)S32_MAX)

static struct kmem_cache *ag_flow_cache;

int ag_flow_cache_init(void)
{
	/*
	 * The flow entry is 128 bytes with a 4-byte spinlock_t (the issue's
	 * budget per tracked flow); lock debugging and PREEMPT_RT make the
	 * lock, and so the entry, bigger.
	 */
	if (!IS_ENABLED(CONFIG_DEBUG_SPINLOCK) &&
	    !IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC) &&
	    !IS_ENABLED(CONFIG_PREEMPT_RT))
		BUILD_BUG_ON(sizeof(struct ag_flow) > 128);
	BUILD_BUG_ON(sizeof(struct ag_flow_key) != 36);	/* no padding */
	/* the counters the rcu_head overlays must cover it */
	BUILD_BUG_ON(sizeof_field(struct ag_flow, rcu) >
		     2 * sizeof_field(struct ag_flow, seen));
	BUILD_BUG_ON(AG_BURST_MAX > U16_MAX);	/* window_count */
	/* the longest time compared (see struct ag_flow) fits in an s32 */
	BUILD_BUG_ON((u64)AG_FLOW_TIMEOUT_MAX * HZ >= S32_MAX / 2);

	/* charged to the namespace's memory cgroup: see ag_flow_get() */
	ag_flow_cache = KMEM_CACHE(ag_flow, SLAB_ACCOUNT);
	return ag_flow_cache ? 0 : -ENOMEM;
}

void ag_flow_cache_destroy(void)
{
	kmem_cache_destroy(ag_flow_cache);
}

static void ag_flow_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(ag_flow_cache, container_of(head, struct ag_flow, rcu));
}

/* about two flows per bucket when the table is full */
static unsigned int ag_bits_for(unsigned int max_flows)
{
	return clamp_t(unsigned int, order_base_2(max_flows / 2),
		       AG_HASH_BITS_MIN, AG_HASH_BITS_MAX);
}

/* The namespace's owner pays for its table (see struct ag_net). */
static struct ag_buckets *ag_buckets_alloc(struct ag_net *an,
					   unsigned int bits)
{
	struct mem_cgroup *old_memcg = set_active_memcg(an->memcg);
	struct ag_buckets *b;

	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (b) {
		b->bits = bits;
		b->head = kvcalloc(1U << bits, sizeof(*b->head),
				   GFP_KERNEL_ACCOUNT);
		if (!b->head) {
			kfree(b);
			b = NULL;
		}
	}
	set_active_memcg(old_memcg);
	return b;
}

static void ag_buckets_free(struct ag_buckets *b)
{
	kvfree(b->head);
	kfree(b);
}

int ag_table_init(struct ag_net *an, unsigned int max_flows)
{
	struct ag_table *t = &an->table;
	unsigned int i, nlocks;
	struct ag_buckets *b;

	b = ag_buckets_alloc(an, ag_bits_for(max_flows));
	if (!b)
		return -ENOMEM;
	/* never more locks than the smallest array has buckets */
	nlocks = min_t(unsigned int, 1U << b->bits, AG_LOCKS_MAX);
	t->locks = kvmalloc_array(nlocks, sizeof(*t->locks), GFP_KERNEL);
	if (!t->locks) {
		ag_buckets_free(b);
		return -ENOMEM;
	}
	for (i = 0; i < nlocks; i++)
		spin_lock_init(&t->locks[i]);
	t->lock_mask = nlocks - 1;
	RCU_INIT_POINTER(t->cur, b);
	RCU_INIT_POINTER(t->old, NULL);
	mutex_init(&t->resize_lock);
	atomic_set(&t->count, 0);
	get_random_bytes(&t->seed, sizeof(t->seed));
	return 0;
}

static u32 ag_key_hash(const struct ag_table *t, const struct ag_flow_key *key)
{
	return siphash(key, sizeof(*key), &t->seed);
}

static struct ag_flow __rcu **ag_bucket_head(struct ag_buckets *b, u32 hash)
{
	return &b->head[hash & ((1U << b->bits) - 1)];
}

/* the same for a key in every bucket array: see struct ag_table */
static spinlock_t *ag_bucket_lock(struct ag_table *t, u32 hash)
{
	return &t->locks[hash & t->lock_mask];
}

/* The current array, for the holder of resize_lock (old is NULL then). */
static struct ag_buckets *ag_buckets_locked(struct ag_table *t)
{
	return rcu_dereference_protected(t->cur,
					 lockdep_is_held(&t->resize_lock));
}

unsigned int ag_table_buckets(struct ag_net *an)
{
	unsigned int n;

	rcu_read_lock();
	n = 1U << rcu_dereference(an->table.cur)->bits;
	rcu_read_unlock();
	return n;
}

/* time_after_eq() for the u32 times of struct ag_flow */
#define ag_after_eq32(a, b) (!time_before32(a, b))

/* A chain link, read by the holder of the bucket's lock. */
#define ag_deref_locked(p, lock) \
	rcu_dereference_protected(p, lockdep_is_held(lock))

/* Lockless: the caller is in an RCU read-side section. */
static struct ag_flow *ag_bucket_find(struct ag_flow __rcu *const *head,
				      const struct ag_flow_key *key)
{
	struct ag_flow *flow;

	for (flow = rcu_dereference(*head); flow;
	     flow = rcu_dereference(flow->next))
		if (!memcmp(&flow->key, key, sizeof(*key)))
			return flow;
	return NULL;
}

/* Idle for longer than its interval: dropping it loses only attribution. */
static bool ag_flow_evictable(const struct ag_flow *flow,
			      const struct ag_config *cfg, u32 now)
{
	u32 idle = max_t(unsigned long, cfg->interval_jiffies, HZ);

	return time_after32(now, READ_ONCE(flow->last_seen) + idle);
}

/*
 * Remove the flow *pp points at, under the bucket's lock. Marking it DEAD
 * under its own lock before call_rcu() is what lets the rcu_head overlay
 * the counters: whoever reads or writes them takes flow->lock and skips a
 * DEAD flow. Its next stays as it is, for RCU walkers standing on it.
 *
 * A flow removed in a storm leaves it in the same critical section
 * (@notify: with its storm-end event), so a hook that took the flow before
 * the removal and raced for its lock either started the storm before
 * (and this ends it) or finds the flow DEAD: listeners never see a storm
 * that does not end.
 */
static void __ag_flow_unlink(struct ag_net *an, struct ag_flow __rcu **pp,
			     struct ag_flow *flow, spinlock_t *lock,
			     bool notify)
{
	/* to a flow readers may already see: no barrier needed */
	RCU_INIT_POINTER(*pp, ag_deref_locked(flow->next, lock));
	spin_lock(&flow->lock);
	if (flow->flags & AG_FLOW_IN_STORM) {
		flow->flags &= ~AG_FLOW_IN_STORM;
		if (notify)
			ag_event_storm(an, flow, false);
	}
	flow->flags |= AG_FLOW_DEAD;
	spin_unlock(&flow->lock);
	atomic_inc(&an->table.gen);
	call_rcu(&flow->rcu, ag_flow_free_rcu);
}

/* ... and give its slot back to the table. */
static void ag_flow_unlink(struct ag_net *an, struct ag_flow __rcu **pp,
			   struct ag_flow *flow, spinlock_t *lock, bool notify)
{
	__ag_flow_unlink(an, pp, flow, lock, notify);
	atomic_dec(&an->table.count);
}

/*
 * Take a slot for a new flow. The count is shared by all buckets and their
 * locks do not serialise inserts into different ones: reading it and then
 * incrementing it let two CPUs take the last slot together (max_flows + 1
 * flows, seen under a flood on 5,000 connections).
 */
static bool ag_slot_take(struct ag_table *t, u32 max_flows)
{
	int n = atomic_read(&t->count);

	do {
		if (n >= (int)max_flows)
			return false;
	} while (!atomic_try_cmpxchg(&t->count, &n, n + 1));
	return true;
}

/*
 * Make room in a full table from the flow's own bucket, under its lock. The
 * evicted flow's slot passes to the caller's new flow without going back
 * to the table, where another CPU could take it first.
 */
static bool ag_evict_one(struct ag_net *an, const struct ag_config *cfg,
			 struct ag_flow __rcu **head, spinlock_t *lock,
			 u32 now)
{
	struct ag_flow __rcu **pp, **oldest_pp = NULL;
	struct ag_flow *flow, *oldest = NULL;

	for (pp = head; (flow = ag_deref_locked(*pp, lock));
	     pp = &flow->next)
		if (ag_flow_evictable(flow, cfg, now) &&
		    (!oldest || time_before32(READ_ONCE(flow->last_seen),
					      READ_ONCE(oldest->last_seen)))) {
			oldest = flow;
			oldest_pp = pp;
		}
	if (!oldest)
		return false;
	__ag_flow_unlink(an, oldest_pp, oldest, lock, true);
	ag_stat_inc(an, AG_STAT_FLOWS_EVICTED);
	return true;
}

static void ag_flow_setup(struct ag_flow *flow, const struct ag_flow_key *key,
			  const struct ag_config *cfg, u32 now)
{
	flow->key = *key;
	spin_lock_init(&flow->lock);
	flow->first_seen = now;
	flow->last_seen = now;
	flow->window_start = now - cfg->interval_jiffies;
	flow->rate_start = now;
}

/*
 * Find or create the entry of a flow; NULL when the table is full of busy
 * flows or memory is short (the caller lets the segment pass: ackguard
 * fails open rather than drop what it cannot account for).
 */
struct ag_flow *ag_flow_get(struct ag_net *an, const struct ag_config *cfg,
			    const struct ag_flow_key *key)
{
	struct ag_table *t = &an->table;
	struct ag_buckets *cur, *old;
	struct mem_cgroup *old_memcg;
	u32 now = (u32)jiffies;
	struct ag_flow __rcu **head;
	struct ag_flow *flow;
	spinlock_t *lock;	/* the key's, in every array */
	u32 hash;

	hash = ag_key_hash(t, key);
	cur = rcu_dereference(t->cur);
	head = ag_bucket_head(cur, hash);
	flow = ag_bucket_find(head, key);
	if (likely(flow))
		return flow;
	/*
	 * While the table grows, a flow not yet moved is in the old array;
	 * one being moved may be missed by both walks: the locked search
	 * below finds it, as the move holds the same lock.
	 */
	old = rcu_dereference(t->old);
	if (unlikely(old)) {
		flow = ag_bucket_find(ag_bucket_head(old, hash), key);
		if (flow)
			return flow;
	}

	lock = ag_bucket_lock(t, hash);
	spin_lock(lock);
	flow = ag_bucket_find(head, key);
	if (!flow && unlikely(old))
		flow = ag_bucket_find(ag_bucket_head(old, hash), key);
	if (flow)
		goto unlock;
	if (!ag_slot_take(t, cfg->max_flows) &&
	    !ag_evict_one(an, cfg, head, lock, now)) {
		ag_stat_inc(an, AG_STAT_TABLE_FULL);
		/* let the collector reclaim idle flows from other buckets */
		mod_delayed_work(system_power_efficient_wq, &an->gc_work, 0);
		goto unlock;
	}
	/*
	 * From here on this flow holds a slot. The hook runs in softirq,
	 * where no task says whom to charge: the namespace's memory cgroup
	 * pays, so a container's flows count against the container.
	 */
	old_memcg = set_active_memcg(an->memcg);
	flow = kmem_cache_zalloc(ag_flow_cache, GFP_ATOMIC | __GFP_NOWARN);
	set_active_memcg(old_memcg);
	if (!flow) {
		atomic_dec(&t->count);
		ag_stat_inc(an, AG_STAT_TABLE_FULL);
		goto unlock;
	}
	ag_flow_setup(flow, key, cfg, now);
	RCU_INIT_POINTER(flow->next, ag_deref_locked(*head, lock));
	rcu_assign_pointer(*head, flow);
	atomic_inc(&t->gen);
	ag_stat_inc(an, AG_STAT_FLOWS_CREATED);
	/* the collector sleeps while the table is empty: wake it */
	queue_delayed_work(system_power_efficient_wq, &an->gc_work,
			   AG_GC_PERIOD);
unlock:
	spin_unlock(lock);
	return flow;
}

/*
 * Classified segments per second: those of the last complete second, or of
 * the second under way once it has seen more. The storm start (hook) and
 * end (collector; a flow removed ends its storm whatever its rate) tests
 * and the reports all use this one measure, so a
 * flow in its first second is not declared out of a storm it just entered.
 * Under flow->lock.
 */
static u32 ag_flow_rate(const struct ag_flow *flow, u32 now)
{
	u32 start = flow->rate_start;

	if (ag_after_eq32(now, start + 2 * HZ))
		return 0;
	if (ag_after_eq32(now, start + HZ))
		return flow->rate_count;
	return max(flow->rate_last, flow->rate_count);
}

static void ag_flow_tick_rate(struct ag_flow *flow, u32 now)
{
	if (ag_after_eq32(now, flow->rate_start + HZ)) {
		flow->rate_last = time_before32(now, flow->rate_start + 2 * HZ) ?
				  flow->rate_count : 0;
		flow->rate_start = now;
		flow->rate_count = 0;
	}
	flow->rate_count++;
}

/*
 * Account one classified segment and decide whether it is over the flow's
 * limit: burst segments per interval pass, as upstream's
 * tcp_oow_rate_limited() lets one per tcp_invalid_ratelimit. The caller
 * drops an AG_LIMIT_OVER segment in enforce mode.
 *
 * A flow found DEAD was unlinked (expired, evicted or flushed) after the
 * lookup found it: AG_LIMIT_GONE, and the caller lets the segment pass
 * uncounted, like a segment that finds the table full. Retrying the lookup
 * would only create a fresh entry whose first segment always passes
 * (burst >= 1), and a flow is only removed while idle for longer than its
 * interval or on a flush, so the verdict is the one the limiter would have
 * given; failing open keeps the hook's one insertion path.
 */
enum ag_limit ag_flow_limit(struct ag_net *an, const struct ag_config *cfg,
			    struct ag_flow *flow, u8 reason, u8 tcp_state)
{
	u32 now = (u32)jiffies;
	bool over, drop, counted, log_start = false, storm_start = false;

	spin_lock(&flow->lock);
	if (unlikely(flow->flags & AG_FLOW_DEAD)) {
		spin_unlock(&flow->lock);
		return AG_LIMIT_GONE;
	}
	WRITE_ONCE(flow->last_seen, now);
	flow->state = tcp_state;
	counted = ag_sat_inc32(&flow->seen[reason]);
	ag_flow_tick_rate(flow, now);

	if (ag_after_eq32(now, flow->window_start + cfg->interval_jiffies)) {
		/* a whole interval without excess ends the throttling */
		if (!(flow->flags & AG_FLOW_WINDOW_OVER))
			flow->flags &= ~AG_FLOW_THROTTLED;
		flow->window_start = now;
		flow->window_count = 0;
		flow->flags &= ~AG_FLOW_WINDOW_OVER;
	}
	over = flow->window_count >= cfg->burst;
	if (over) {
		ag_sat_inc32(&flow->overlimit);
		flow->flags |= AG_FLOW_WINDOW_OVER;
		if (!(flow->flags & AG_FLOW_THROTTLED)) {
			flow->flags |= AG_FLOW_THROTTLED;
			log_start = cfg->log;
		}
	} else {
		flow->window_count++;
	}
	drop = over && cfg->mode == ACKGUARD_MODE_ENFORCE;
	/* dropped only with seen, so that dropped <= seen stays true */
	if (drop && counted)
		ag_sat_inc32(&flow->dropped[reason]);
	if (!(flow->flags & AG_FLOW_IN_STORM) &&
	    flow->rate_count > cfg->storm_pps) {
		flow->flags |= AG_FLOW_IN_STORM;
		storm_start = true;
		/* under the lock: see __ag_flow_unlink() */
		ag_event_storm(an, flow, true);
	}
	spin_unlock(&flow->lock);

	if (unlikely(log_start) && net_ratelimit()) {
		struct sockaddr_storage local, remote;

		ag_key_sockaddr(&flow->key, true, &local);
		ag_key_sockaddr(&flow->key, false, &remote);
		pr_info("%s %pISpc -> %pISpc: %s over %u per %u ms\n",
			drop ? "throttling" : "would throttle (monitor)",
			&remote, &local, ag_reason_name(reason), cfg->burst,
			cfg->interval_ms);
	}
	if (unlikely(storm_start))
		ag_stat_inc(an, AG_STAT_STORMS);
	return over ? AG_LIMIT_OVER : AG_LIMIT_PASS;
}

/* Copy what the reports show; under flow->lock, of a flow not DEAD. */
void ag_flow_snap_locked(const struct ag_flow *flow, struct ag_flow_snap *s)
{
	/* read under the lock: not before the last segment's time */
	u32 now = (u32)jiffies;

	lockdep_assert_held(&flow->lock);
	s->key = flow->key;
	memcpy(s->seen, flow->seen, sizeof(s->seen));
	memcpy(s->dropped, flow->dropped, sizeof(s->dropped));
	s->overlimit = flow->overlimit;
	s->rate = ag_flow_rate(flow, now);
	/* u32 differences: the collector keeps them below AG_AGE_MAX */
	s->age_ms = ag_jiffies32_to_ms(now - flow->first_seen);
	s->idle_ms = ag_jiffies32_to_ms(now - flow->last_seen);
	s->state = flow->state;
	s->in_storm = flow->flags & AG_FLOW_IN_STORM;
}

/*
 * The same, taking the lock; false (nothing copied) for a DEAD flow, whose
 * counters the rcu_head may already have overwritten.
 */
bool ag_flow_snapshot(struct ag_flow *flow, struct ag_flow_snap *s)
{
	bool live;

	spin_lock_bh(&flow->lock);
	live = !(flow->flags & AG_FLOW_DEAD);
	if (live)
		ag_flow_snap_locked(flow, s);
	spin_unlock_bh(&flow->lock);
	return live;
}

/* Storm end and age clamp of one flow; under the bucket's lock, BH off. */
static void ag_gc_flow(struct ag_net *an, struct ag_flow *flow,
		       const struct ag_config *cfg)
{
	u32 now;

	spin_lock(&flow->lock);
	/* not before first_seen, unlike the collector's start time */
	now = (u32)jiffies;
	if ((flow->flags & AG_FLOW_IN_STORM) &&
	    ag_flow_rate(flow, now) <= cfg->storm_pps) {
		flow->flags &= ~AG_FLOW_IN_STORM;
		/* under the lock, as the start: events stay in order */
		ag_event_storm(an, flow, false);
	}
	/* a flow busy for weeks: its age saturates instead of wrapping */
	if (now - flow->first_seen > AG_AGE_MAX)
		flow->first_seen = now - AG_AGE_MAX;
	spin_unlock(&flow->lock);
}

static void ag_gc_bucket(struct ag_net *an, const struct ag_config *cfg,
			 struct ag_buckets *b, u32 bucket, bool pressure,
			 u32 now)
{
	u32 timeout = cfg->flow_timeout_s * HZ;
	spinlock_t *lock = ag_bucket_lock(&an->table, bucket);
	struct ag_flow __rcu **pp = &b->head[bucket];
	struct ag_flow *flow;

	/* see ag_table_flush(): an empty bucket costs no lock */
	if (!rcu_access_pointer(*pp))
		return;
	spin_lock_bh(lock);
	while ((flow = ag_deref_locked(*pp, lock))) {
		ag_gc_flow(an, flow, cfg);
		if (time_after32(now, READ_ONCE(flow->last_seen) + timeout)) {
			ag_flow_unlink(an, pp, flow, lock, true);
			ag_stat_inc(an, AG_STAT_FLOWS_EXPIRED);
		} else if (pressure && ag_flow_evictable(flow, cfg, now)) {
			ag_flow_unlink(an, pp, flow, lock, true);
			ag_stat_inc(an, AG_STAT_FLOWS_EVICTED);
		} else {
			pp = &flow->next;
		}
	}
	spin_unlock_bh(lock);
}

void ag_gc_work(struct work_struct *work)
{
	struct ag_net *an = container_of(to_delayed_work(work), struct ag_net,
					 gc_work);
	const struct ag_config *cfg;
	unsigned int i, nbuckets;
	u32 now = (u32)jiffies;
	struct ag_buckets *b;
	bool pressure;

	/*
	 * An empty table needs no collector: it stops here, and the insert of
	 * the next flow queues it again (queue_delayed_work() on a work that
	 * is running but no longer pending queues it), so an idle namespace
	 * costs no wake-ups.
	 */
	if (atomic_read(&an->table.count) == 0)
		return;

	mutex_lock(&an->table.resize_lock);
	b = ag_buckets_locked(&an->table);
	nbuckets = 1U << b->bits;
	rcu_read_lock();
	cfg = rcu_dereference(an->config.cur);
	/* evict idle flows early when nearly full, so new ones find room */
	pressure = atomic_read(&an->table.count) >= cfg->max_flows / 8 * 7;
	for (i = 0; i < nbuckets; i++) {
		ag_gc_bucket(an, cfg, b, i, pressure, now);
		if ((i & 255) == 255) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
			cfg = rcu_dereference(an->config.cur);
		}
	}
	rcu_read_unlock();
	mutex_unlock(&an->table.resize_lock);
	if (atomic_read(&an->table.count))
		queue_delayed_work(system_power_efficient_wq, &an->gc_work,
				   AG_GC_PERIOD);
}

/*
 * Remove every flow; used by flush (@notify: a flow flushed in a storm gets
 * its storm-end event, so listeners never see a storm that does not end) and
 * when the namespace goes away (no listener is left there then).
 *
 * Empty buckets are skipped without their lock (a flow inserted meanwhile
 * is a new flow, not one the flush missed). Besides saving the walk, this
 * matters on PREEMPT_RT: there spin_unlock_bh() runs the pending softirqs
 * in the caller, so under an ACK storm on the same CPU each bucket's
 * lock/unlock paid for a batch of the storm's packets, and an rmmod spent
 * minutes flushing tens of thousands of empty buckets.
 */
void ag_table_flush(struct ag_net *an, bool notify)
{
	unsigned int i, nbuckets;
	struct ag_buckets *b;
	struct ag_flow *flow;

	mutex_lock(&an->table.resize_lock);
	b = ag_buckets_locked(&an->table);
	nbuckets = 1U << b->bits;
	for (i = 0; i < nbuckets; i++) {
		spinlock_t *lock = ag_bucket_lock(&an->table, i);
		struct ag_flow __rcu **head = &b->head[i];

		if (rcu_access_pointer(*head)) {
			spin_lock_bh(lock);
			while ((flow = ag_deref_locked(*head, lock)))
				ag_flow_unlink(an, head, flow, lock, notify);
			spin_unlock_bh(lock);
		}
		if ((i & 255) == 255)
			cond_resched();
	}
	mutex_unlock(&an->table.resize_lock);
}

/*
 * Move every flow of bucket i of @from into @to, under the key's lock. A
 * lockless walker standing on a flow as it moves goes on along its new
 * chain and may miss the rest of the old one: ag_flow_get() then searches
 * again under this lock. Nothing else changes for a moved flow: its lock,
 * limiter and storm state go with it.
 */
static void ag_move_bucket(struct ag_table *t, struct ag_buckets *from,
			   struct ag_buckets *to, unsigned int i)
{
	spinlock_t *lock = ag_bucket_lock(t, i);
	struct ag_flow __rcu **dst;
	struct ag_flow *flow;

	if (!rcu_access_pointer(from->head[i]))
		return;
	spin_lock_bh(lock);
	while ((flow = ag_deref_locked(from->head[i], lock))) {
		RCU_INIT_POINTER(from->head[i],
				 ag_deref_locked(flow->next, lock));
		dst = ag_bucket_head(to, ag_key_hash(t, &flow->key));
		RCU_INIT_POINTER(flow->next, ag_deref_locked(*dst, lock));
		rcu_assign_pointer(*dst, flow);
	}
	atomic_inc(&t->gen);
	spin_unlock_bh(lock);
}

/*
 * Grow the bucket array for @max_flows (never shrink it): about two flows
 * per bucket again when max_flows is raised after the namespace appeared.
 * The new array is published first, and after a grace period every
 * insert goes to it; then the old array's flows move over bucket by
 * bucket, and the old array is freed once no walker can stand on it.
 * -ENOMEM leaves the table as it was.
 */
int ag_table_fit(struct ag_net *an, unsigned int max_flows)
{
	struct ag_table *t = &an->table;
	unsigned int bits = ag_bits_for(max_flows), i;
	struct ag_buckets *from, *to;

	mutex_lock(&t->resize_lock);
	from = ag_buckets_locked(t);
	if (bits <= from->bits) {
		mutex_unlock(&t->resize_lock);
		return 0;
	}
	to = ag_buckets_alloc(an, bits);
	if (!to) {
		mutex_unlock(&t->resize_lock);
		return -ENOMEM;
	}
	rcu_assign_pointer(t->old, from);
	rcu_assign_pointer(t->cur, to);
	synchronize_rcu();
	for (i = 0; i < (1U << from->bits); i++) {
		ag_move_bucket(t, from, to, i);
		if ((i & 255) == 255)
			cond_resched();
	}
	RCU_INIT_POINTER(t->old, NULL);
	mutex_unlock(&t->resize_lock);
	synchronize_rcu();
	ag_buckets_free(from);
	return 0;
}

/* The hooks are gone and the collector stopped: nothing else can look. */
void ag_table_destroy(struct ag_net *an)
{
	ag_table_flush(an, false);
	kvfree(an->table.locks);
	ag_buckets_free(rcu_dereference_protected(an->table.cur, true));
}
