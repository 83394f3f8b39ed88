// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of module/flowmath.h, the arithmetic of a flow's counters and
 * times, built on the host once per HZ (-DHZ=...): counters saturate
 * instead of wrapping, and ages past 49.7 days (2^32 ms) stay exact.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

/* the kernel names flowmath.h uses */
typedef uint32_t u32;
typedef uint64_t u64;
#define U32_MAX UINT32_MAX
#define MSEC_PER_SEC 1000ULL
static inline u64 div_u64(u64 a, u32 b) { return a / b; }

#include "../../module/flowmath.h"

static void counter_saturates(void **state)
{
	u32 c = U32_MAX - 2;

	(void)state;
	assert_true(ag_sat_inc32(&c));
	assert_true(ag_sat_inc32(&c));
	assert_int_equal(c, U32_MAX);
	/* the old c++ wrapped to 0 here: a loop's count would look small */
	assert_false(ag_sat_inc32(&c));
	assert_int_equal(c, U32_MAX);
}

static void counter_counts(void **state)
{
	u32 c = 0;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		assert_true(ag_sat_inc32(&c));
	assert_int_equal(c, 1000);
}

static void ms_of_small_delta(void **state)
{
	(void)state;
	assert_int_equal(ag_jiffies32_to_ms(0), 0);
	assert_int_equal(ag_jiffies32_to_ms(HZ), 1000);
	assert_int_equal(ag_jiffies32_to_ms(60 * HZ), 60000);
}

/* the longest age a flow reports: the collector keeps it at 2^31 - 1 */
static void ms_of_longest_age(void **state)
{
	u64 want = (u64)INT32_MAX * 1000 / HZ;

	(void)state;
	assert_int_equal(ag_jiffies32_to_ms(INT32_MAX), want);
	/* at HZ <= 497, 2^31 jiffies are more than 2^32 ms (49.7 days) */
	if (HZ <= 497)
		assert_true(ag_jiffies32_to_ms(INT32_MAX) > UINT32_MAX);
	/* monotone across the 2^32 ms boundary */
	assert_true(ag_jiffies32_to_ms(INT32_MAX) >=
		    ag_jiffies32_to_ms(INT32_MAX - HZ));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counter_saturates),
		cmocka_unit_test(counter_counts),
		cmocka_unit_test(ms_of_small_delta),
		cmocka_unit_test(ms_of_longest_age),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
