/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: a namespace's counters (per CPU, bumped by the hook and the
 * flow table, summed for netlink and /proc) and their names.
 */
#ifndef _ACKGUARD_STATS_H
#define _ACKGUARD_STATS_H

#include <linux/compiler.h>
#include <linux/types.h>

#include "uapi/ackguard.h"

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

/* Bumped through ag_stat_inc() and ag_reason_inc() (pernet.h). */
void ag_stats_sum(const struct ag_stats __percpu *pcpu, struct ag_stats *sum);
const char *ag_reason_name(u8 reason);
const char *ag_stat_name(enum ag_stat s);
const char *ag_verdict_name(enum ag_verdict_stat vs);

#endif /* _ACKGUARD_STATS_H */
