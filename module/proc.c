// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: /proc/net/ackguard/{stats,flows}, a read-only view for when
 * ackguardctl is not at hand. stats is nstat-like "name value" lines;
 * flows is one line per tracked flow, like /proc/net/tcp but readable.
 */
#include <linux/math64.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "flowkey.h"
#include "flowtable.h"
#include "pernet.h"
#include "proc.h"
#include "stats.h"

static int ag_stats_show(struct seq_file *seq, void *v)
{
	struct ag_net *an = ag_pernet(seq_file_single_net(seq));
	struct ag_stats *sum;
	int i, r, vs;

	sum = kmalloc(sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	ag_stats_sum(an->stats, sum);
	seq_printf(seq, "flows_active %d\n", atomic_read(&an->table.count));
	seq_printf(seq, "table_buckets %u\n", ag_table_buckets(an));
	for (i = 0; i < AG_STAT_COUNT; i++)
		seq_printf(seq, "%s %llu\n", ag_stat_name(i), sum->stat[i]);
	for (r = 0; r < ACKGUARD_REASON_COUNT; r++)
		for (vs = 0; vs < AG_VS_COUNT; vs++)
			seq_printf(seq, "%s_%s %llu\n", ag_reason_name(r),
				   ag_verdict_name(vs), sum->reason[r][vs]);
	kfree(sum);
	return 0;
}

struct ag_flows_iter {
	struct seq_net_private p;
	unsigned int bucket;
	unsigned int offset;	/* entries already shown from bucket */
	loff_t next_pos;	/* position that (bucket, offset) stands for */
};

/* The entry after (bucket, offset), moving the cursor past it. */
static struct ag_flow *ag_flows_advance(struct seq_file *seq)
{
	struct ag_flows_iter *it = seq->private;
	struct ag_net *an = ag_pernet(seq_file_net(seq));
	/* a table grown between two reads is walked on from the same index */
	struct ag_buckets *b = rcu_dereference(an->table.cur);
	unsigned int nbuckets = 1U << b->bits;
	struct ag_flow *flow;

	for (; it->bucket < nbuckets; it->bucket++, it->offset = 0) {
		unsigned int i = 0;

		for (flow = rcu_dereference(b->head[it->bucket]);
		     flow; flow = rcu_dereference(flow->next)) {
			if (i++ == it->offset) {
				it->offset++;
				it->next_pos++;
				return flow;
			}
		}
	}
	return NULL;
}

static void *ag_flows_start(struct seq_file *seq, loff_t *pos)
	__acquires(RCU)
{
	struct ag_flows_iter *it = seq->private;
	struct ag_flow *flow = NULL;

	rcu_read_lock();
	if (*pos == 0)
		return SEQ_START_TOKEN;
	/*
	 * Resume where the last read stopped: seq_file restarts at the entry
	 * that did not fit, one behind the cursor. Walk again from the start
	 * only after a seek.
	 */
	if (*pos == it->next_pos - 1 && it->offset > 0) {
		it->offset--;
		it->next_pos--;
	} else if (*pos != it->next_pos) {
		it->bucket = 0;
		it->offset = 0;
		it->next_pos = 1;
		while (it->next_pos < *pos && ag_flows_advance(seq))
			;
	}
	flow = ag_flows_advance(seq);
	return flow;
}

static void *ag_flows_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct ag_flows_iter *it = seq->private;

	++*pos;
	if (v == SEQ_START_TOKEN) {
		it->bucket = 0;
		it->offset = 0;
		it->next_pos = 1;
	}
	return ag_flows_advance(seq);
}

static void ag_flows_stop(struct seq_file *seq, void *v)
	__releases(RCU)
{
	rcu_read_unlock();
}

static int ag_flows_show(struct seq_file *seq, void *v)
{
	struct sockaddr_storage local, remote;
	struct ag_flow_snap snap;
	u64 seen = 0, dropped = 0;	/* sums of saturating u32 counters */
	int r;

	if (v == SEQ_START_TOKEN) {
		seq_puts(seq, "local remote state reasons seen passed dropped rate_pps age_s idle_s\n");
		return 0;
	}
	/* a DEAD flow is being removed, and its counters may be gone */
	if (!ag_flow_snapshot(v, &snap))
		return SEQ_SKIP;
	ag_key_sockaddr(&snap.key, true, &local);
	ag_key_sockaddr(&snap.key, false, &remote);
	seq_printf(seq, "%pISpc %pISpc %u ", &local, &remote, snap.state);
	for (r = 0; r < ACKGUARD_REASON_COUNT; r++) {
		if (!snap.seen[r])
			continue;
		seq_printf(seq, "%s%s", seen ? "," : "", ag_reason_name(r));
		seen += snap.seen[r];
		dropped += snap.dropped[r];
	}
	seq_printf(seq, " %llu %llu %llu %u %llu %llu\n", seen, seen - dropped,
		   dropped, snap.rate, div_u64(snap.age_ms, MSEC_PER_SEC),
		   div_u64(snap.idle_ms, MSEC_PER_SEC));
	return 0;
}

static const struct seq_operations ag_flows_seq_ops = {
	.start = ag_flows_start,
	.next = ag_flows_next,
	.stop = ag_flows_stop,
	.show = ag_flows_show,
};

int ag_proc_init(struct net *net)
{
	struct proc_dir_entry *dir;

	dir = proc_net_mkdir(net, "ackguard", net->proc_net);
	if (!dir)
		return -ENOMEM;
	if (!proc_create_net_single("stats", 0444, dir, ag_stats_show, NULL) ||
	    !proc_create_net("flows", 0400, dir, &ag_flows_seq_ops,
			     sizeof(struct ag_flows_iter))) {
		remove_proc_subtree("ackguard", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

void ag_proc_exit(struct net *net)
{
	remove_proc_subtree("ackguard", net->proc_net);
}
