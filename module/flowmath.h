/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: the arithmetic of a flow's counters and times, kept free of
 * kernel calls so that tests/unit/test_flowmath.c checks it on the host at
 * several HZ values.
 *
 * A flow's counters are u32 to keep the entry in two cache lines (see
 * struct ag_flow); a loop of 500,000 segments/s would wrap one in 2.4 hours,
 * so they saturate at U32_MAX ("at least") instead of restarting from 0.
 * Its times are the low 32 bits of jiffies, up to 2^31 jiffies apart: 24.8
 * days at HZ=1000, 99 days at HZ=250, more than the 49.7 days of
 * milliseconds a u32 holds, so they become milliseconds in 64 bits.
 */
#ifndef _ACKGUARD_FLOWMATH_H
#define _ACKGUARD_FLOWMATH_H

/* Add one unless at U32_MAX; true if it was added. */
static inline bool ag_sat_inc32(u32 *c)
{
	if (*c == U32_MAX)
		return false;
	(*c)++;
	return true;
}

/* Milliseconds in a u32 difference of jiffies, without wrapping. */
static inline u64 ag_jiffies32_to_ms(u32 delta)
{
	return div_u64((u64)delta * MSEC_PER_SEC, HZ);
}

#endif /* _ACKGUARD_FLOWMATH_H */
