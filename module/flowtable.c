// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: the per-namespace flow table.
 *
 * A fixed array of hash buckets sized when the namespace appears. Lookups
 * walk a bucket under RCU without locks; inserts and removals take one of a
 * small array of spinlocks chosen by bucket. Entries exist only for flows
 * that sent a classified segment, at most max_flows of them; a periodic
 * garbage collector removes the ones idle for flow_timeout_s, and under
 * pressure those idle for longer than their rate-limit interval, whose
 * limiter state no longer matters. Entries are freed after an RCU grace
 * period.
 */
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/rculist.h>
#include <linux/siphash.h>
#include <linux/slab.h>

#include "internal.h"

#define AG_HASH_BITS_MIN 6
#define AG_HASH_BITS_MAX 18
#define AG_LOCKS_MAX 1024
#define AG_GC_PERIOD HZ

static struct kmem_cache *ag_flow_cache;

int ag_flow_cache_init(void)
{
	ag_flow_cache = KMEM_CACHE(ag_flow, 0);
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

int ag_table_init(struct ag_net *an, unsigned int max_flows)
{
	struct ag_table *t = &an->table;
	unsigned int i, nlocks;

	/* about two flows per bucket when the table is full */
	t->hash_bits = clamp_t(unsigned int, order_base_2(max_flows / 2),
			       AG_HASH_BITS_MIN, AG_HASH_BITS_MAX);
	t->buckets = kvcalloc(1U << t->hash_bits, sizeof(*t->buckets),
			      GFP_KERNEL);
	if (!t->buckets)
		return -ENOMEM;
	nlocks = min_t(unsigned int, 1U << t->hash_bits, AG_LOCKS_MAX);
	t->locks = kvmalloc_array(nlocks, sizeof(*t->locks), GFP_KERNEL);
	if (!t->locks) {
		kvfree(t->buckets);
		return -ENOMEM;
	}
	for (i = 0; i < nlocks; i++)
		spin_lock_init(&t->locks[i]);
	t->lock_mask = nlocks - 1;
	atomic_set(&t->count, 0);
	get_random_bytes(&t->seed, sizeof(t->seed));
	return 0;
}

static u32 ag_key_hash(const struct ag_table *t, const struct ag_flow_key *key)
{
	return siphash(key, sizeof(*key), &t->seed) &
	       ((1U << t->hash_bits) - 1);
}

static spinlock_t *ag_bucket_lock(struct ag_table *t, u32 bucket)
{
	return &t->locks[bucket & t->lock_mask];
}

static struct ag_flow *ag_bucket_find(struct hlist_head *head,
				      const struct ag_flow_key *key)
{
	struct ag_flow *flow;

	hlist_for_each_entry_rcu(flow, head, node)
		if (!memcmp(&flow->key, key, sizeof(*key)))
			return flow;
	return NULL;
}

/* Idle for longer than its interval: dropping it loses only attribution. */
static bool ag_flow_evictable(const struct ag_flow *flow,
			      const struct ag_config *cfg, unsigned long now)
{
	unsigned long idle = max_t(unsigned long, cfg->interval_jiffies, HZ);

	return time_after(now, READ_ONCE(flow->last_seen) + idle);
}

static void ag_flow_unlink(struct ag_table *t, struct ag_flow *flow)
{
	hlist_del_rcu(&flow->node);
	atomic_dec(&t->count);
	atomic_inc(&t->gen);
	call_rcu(&flow->rcu, ag_flow_free_rcu);
}

/* Make room in a full table from the flow's own bucket, under its lock. */
static bool ag_evict_one(struct ag_net *an, const struct ag_config *cfg,
			 struct hlist_head *head, unsigned long now)
{
	struct ag_flow *flow, *oldest = NULL;

	hlist_for_each_entry(flow, head, node)
		if (ag_flow_evictable(flow, cfg, now) &&
		    (!oldest || time_before(flow->last_seen, oldest->last_seen)))
			oldest = flow;
	if (!oldest)
		return false;
	ag_flow_unlink(&an->table, oldest);
	ag_stat_inc(an, AG_STAT_FLOWS_EVICTED);
	return true;
}

static void ag_flow_setup(struct ag_flow *flow, const struct ag_flow_key *key,
			  const struct ag_config *cfg, unsigned long now)
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
	unsigned long now = jiffies;
	struct hlist_head *head;
	struct ag_flow *flow;
	spinlock_t *lock;	/* the bucket's */
	u32 bucket;

	bucket = ag_key_hash(t, key);
	head = &t->buckets[bucket];
	flow = ag_bucket_find(head, key);
	if (likely(flow))
		return flow;

	lock = ag_bucket_lock(t, bucket);
	spin_lock(lock);
	flow = ag_bucket_find(head, key);
	if (flow)
		goto unlock;
	if (atomic_read(&t->count) >= cfg->max_flows &&
	    !ag_evict_one(an, cfg, head, now)) {
		ag_stat_inc(an, AG_STAT_TABLE_FULL);
		/* let the collector reclaim idle flows from other buckets */
		mod_delayed_work(system_power_efficient_wq, &an->gc_work, 0);
		goto unlock;
	}
	flow = kmem_cache_zalloc(ag_flow_cache, GFP_ATOMIC | __GFP_NOWARN);
	if (!flow) {
		ag_stat_inc(an, AG_STAT_TABLE_FULL);
		goto unlock;
	}
	ag_flow_setup(flow, key, cfg, now);
	hlist_add_head_rcu(&flow->node, head);
	atomic_inc(&t->count);
	atomic_inc(&t->gen);
	ag_stat_inc(an, AG_STAT_FLOWS_CREATED);
unlock:
	spin_unlock(lock);
	return flow;
}

/*
 * Classified segments per second: those of the last complete second, or of
 * the second under way once it has seen more. The storm start (hook) and
 * end (collector) tests and the reports all use this one measure, so a
 * flow in its first second is not declared out of a storm it just entered.
 */
u32 ag_flow_rate(const struct ag_flow *flow, unsigned long now)
{
	unsigned long start = READ_ONCE(flow->rate_start);
	u32 count = READ_ONCE(flow->rate_count);

	if (time_after_eq(now, start + 2 * HZ))
		return 0;
	if (time_after_eq(now, start + HZ))
		return count;
	return max(READ_ONCE(flow->rate_last), count);
}

static void ag_flow_tick_rate(struct ag_flow *flow, unsigned long now)
{
	if (time_after_eq(now, flow->rate_start + HZ)) {
		flow->rate_last = time_before(now, flow->rate_start + 2 * HZ) ?
				  flow->rate_count : 0;
		flow->rate_start = now;
		flow->rate_count = 0;
	}
	flow->rate_count++;
}

/*
 * Account one classified segment and decide whether it is over the flow's
 * limit: burst segments per interval pass, as upstream's
 * tcp_oow_rate_limited() lets one per tcp_invalid_ratelimit. Returns true
 * when the segment is over the limit; the caller drops it in enforce mode.
 */
bool ag_flow_limit(struct ag_net *an, const struct ag_config *cfg,
		   struct ag_flow *flow, u8 reason, u8 tcp_state)
{
	unsigned long now = jiffies;
	bool over, drop, log_start = false, storm_start = false;

	spin_lock(&flow->lock);
	WRITE_ONCE(flow->last_seen, now);
	flow->state = tcp_state;
	flow->seen[reason]++;
	ag_flow_tick_rate(flow, now);

	if (time_after_eq(now, flow->window_start + cfg->interval_jiffies)) {
		/* a whole interval without excess ends the throttling */
		if (!flow->window_over)
			flow->throttled = false;
		flow->window_start = now;
		flow->window_count = 0;
		flow->window_over = false;
	}
	over = flow->window_count >= cfg->burst;
	if (over) {
		flow->overlimit[reason]++;
		flow->window_over = true;
		if (!flow->throttled) {
			flow->throttled = true;
			log_start = cfg->log;
		}
	} else {
		flow->window_count++;
	}
	drop = over && cfg->mode == ACKGUARD_MODE_ENFORCE;
	if (drop)
		flow->dropped[reason]++;
	if (!flow->in_storm && flow->rate_count > cfg->storm_pps) {
		flow->in_storm = true;
		storm_start = true;
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
	if (unlikely(storm_start)) {
		ag_stat_inc(an, AG_STAT_STORMS);
		ag_genl_storm_event(an, flow, true);
	}
	return over;
}

static void ag_gc_bucket(struct ag_net *an, const struct ag_config *cfg,
			 u32 bucket, bool pressure, unsigned long now)
{
	struct hlist_head *head = &an->table.buckets[bucket];
	unsigned long timeout = cfg->flow_timeout_s * HZ;
	spinlock_t *lock = ag_bucket_lock(&an->table, bucket);
	struct hlist_node *tmp;
	struct ag_flow *flow;

	spin_lock_bh(lock);
	hlist_for_each_entry_safe(flow, tmp, head, node) {
		bool storm_end = false;

		spin_lock(&flow->lock);
		if (flow->in_storm && ag_flow_rate(flow, now) <= cfg->storm_pps) {
			flow->in_storm = false;
			storm_end = true;
		}
		spin_unlock(&flow->lock);
		if (storm_end)
			ag_genl_storm_event(an, flow, false);

		if (time_after(now, flow->last_seen + timeout)) {
			ag_flow_unlink(&an->table, flow);
			ag_stat_inc(an, AG_STAT_FLOWS_EXPIRED);
		} else if (pressure && ag_flow_evictable(flow, cfg, now)) {
			ag_flow_unlink(&an->table, flow);
			ag_stat_inc(an, AG_STAT_FLOWS_EVICTED);
		}
	}
	spin_unlock_bh(lock);
}

void ag_gc_work(struct work_struct *work)
{
	struct ag_net *an = container_of(to_delayed_work(work), struct ag_net,
					 gc_work);
	unsigned int i, nbuckets = 1U << an->table.hash_bits;
	const struct ag_config *cfg;
	unsigned long now = jiffies;
	bool pressure;

	if (atomic_read(&an->table.count) == 0)
		goto again;

	rcu_read_lock();
	cfg = rcu_dereference(an->config);
	/* evict idle flows early when nearly full, so new ones find room */
	pressure = atomic_read(&an->table.count) >= cfg->max_flows / 8 * 7;
	for (i = 0; i < nbuckets; i++) {
		ag_gc_bucket(an, cfg, i, pressure, now);
		if ((i & 255) == 255) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
			cfg = rcu_dereference(an->config);
		}
	}
	rcu_read_unlock();
again:
	queue_delayed_work(system_power_efficient_wq, &an->gc_work,
			   AG_GC_PERIOD);
}

/* Remove every flow; used by flush and when the namespace goes away. */
void ag_table_flush(struct ag_net *an)
{
	unsigned int i, nbuckets = 1U << an->table.hash_bits;
	struct hlist_node *tmp;
	struct ag_flow *flow;

	for (i = 0; i < nbuckets; i++) {
		spinlock_t *lock = ag_bucket_lock(&an->table, i);

		spin_lock_bh(lock);
		hlist_for_each_entry_safe(flow, tmp, &an->table.buckets[i], node)
			ag_flow_unlink(&an->table, flow);
		spin_unlock_bh(lock);
		if ((i & 255) == 255)
			cond_resched();
	}
}

/* The hooks are gone and the collector stopped: nothing else can look. */
void ag_table_destroy(struct ag_net *an)
{
	ag_table_flush(an);
	kvfree(an->table.locks);
	kvfree(an->table.buckets);
}
