// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: per-CPU namespace counters and their names.
 */
#include <linux/percpu.h>
#include <linux/string.h>

#include "compat.h"
#include "stats.h"

static const char * const ag_reason_names[ACKGUARD_REASON_COUNT] = {
	[ACKGUARD_REASON_PAWS] = "paws",
	[ACKGUARD_REASON_SEQ] = "seq",
	[ACKGUARD_REASON_CHALLENGE] = "challenge",
	[ACKGUARD_REASON_SYNRECV] = "synrecv",
	[ACKGUARD_REASON_FINWAIT2] = "finwait2",
	[ACKGUARD_REASON_TIMEWAIT] = "timewait",
};

static const char * const ag_stat_names[AG_STAT_COUNT] = {
	[AG_STAT_FLOWS_CREATED] = "flows_created",
	[AG_STAT_FLOWS_EVICTED] = "flows_evicted",
	[AG_STAT_FLOWS_EXPIRED] = "flows_expired",
	[AG_STAT_TABLE_FULL] = "table_full",
	[AG_STAT_MALFORMED] = "malformed",
	[AG_STAT_STORMS] = "storms",
};

static const char * const ag_verdict_names[AG_VS_COUNT] = {
	[AG_VS_SEEN] = "seen",
	[AG_VS_PASSED] = "passed",
	[AG_VS_DROPPED] = "dropped",
	[AG_VS_OVERLIMIT] = "overlimit",
};

const char *ag_reason_name(u8 reason)
{
	return reason < ACKGUARD_REASON_COUNT ? ag_reason_names[reason] : "?";
}

const char *ag_stat_name(enum ag_stat s)
{
	return ag_stat_names[s];
}

const char *ag_verdict_name(enum ag_verdict_stat vs)
{
	return ag_verdict_names[vs];
}

/*
 * Sum the per-CPU counters. Each is a u64 bumped with this_cpu_inc(), read
 * without tearing on 64-bit; on 32-bit a value may be read mid-update,
 * which a monotonic counter's next read corrects.
 */
void ag_stats_sum(const struct ag_stats __percpu *pcpu, struct ag_stats *sum)
{
	int cpu, i, r, v;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct ag_stats *pc = per_cpu_ptr(pcpu, cpu);

		for (i = 0; i < AG_STAT_COUNT; i++)
			sum->stat[i] += READ_ONCE(pc->stat[i]);
		for (r = 0; r < ACKGUARD_REASON_COUNT; r++)
			for (v = 0; v < AG_VS_COUNT; v++)
				sum->reason[r][v] += READ_ONCE(pc->reason[r][v]);
	}
}
