// SPDX-License-Identifier: GPL-2.0
/*
 * ackguardctl unit tests: attribute trees built the way the kernel module
 * builds them (per module/uapi/ackguard.h) decode into the plain structs,
 * and requests encode with the attribute types the header specifies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/genl/genl.h>

#include "decode.h"

#define FAMILY_ID 0x1234

static struct nl_msg *new_msg(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	assert_non_null(m);
	assert_non_null(genlmsg_put(m, 0, 1, FAMILY_ID, 0, 0, cmd,
				    ACKGUARD_GENL_VERSION));
	return m;
}

static void put_rsn(struct nl_msg *m, int type, uint8_t id, uint64_t seen,
		    uint64_t passed, uint64_t dropped, uint64_t over)
{
	struct nlattr *n = nla_nest_start(m, NLA_F_NESTED | type);

	assert_non_null(n);
	assert_int_equal(nla_put_u8(m, ACKGUARD_RSN_ID, id), 0);
	assert_int_equal(nla_put_u64(m, ACKGUARD_RSN_SEEN, seen), 0);
	assert_int_equal(nla_put_u64(m, ACKGUARD_RSN_PASSED, passed), 0);
	assert_int_equal(nla_put_u64(m, ACKGUARD_RSN_DROPPED, dropped), 0);
	assert_int_equal(nla_put_u64(m, ACKGUARD_RSN_OVERLIMIT, over), 0);
	nla_nest_end(m, n);
}

/* A flow's reason nest: the module sends no RSN_OVERLIMIT there. */
static void put_flow_rsn(struct nl_msg *m, uint8_t id, uint64_t seen,
			 uint64_t passed, uint64_t dropped)
{
	struct nlattr *n = nla_nest_start(m, NLA_F_NESTED |
					  ACKGUARD_FLOW_REASON);

	assert_non_null(n);
	assert_int_equal(nla_put_u8(m, ACKGUARD_RSN_ID, id), 0);
	assert_int_equal(nla_put_u64(m, ACKGUARD_RSN_SEEN, seen), 0);
	assert_int_equal(nla_put_u64(m, ACKGUARD_RSN_PASSED, passed), 0);
	assert_int_equal(nla_put_u64(m, ACKGUARD_RSN_DROPPED, dropped), 0);
	nla_nest_end(m, n);
}

static void test_config(void **state)
{
	struct nl_msg *m = new_msg(ACKGUARD_CMD_GET_CONFIG);
	struct nlattr *n = nla_nest_start(m, NLA_F_NESTED | ACKGUARD_A_CONFIG);
	struct agc_config cfg;

	(void)state;
	nla_put_u8(m, ACKGUARD_CFG_MODE, ACKGUARD_MODE_MONITOR);
	nla_put_u32(m, ACKGUARD_CFG_INTERVAL_MS, 1000);
	nla_put_u32(m, ACKGUARD_CFG_BURST, 32);
	nla_put_u32(m, ACKGUARD_CFG_MAX_FLOWS, 65536);
	nla_put_u32(m, ACKGUARD_CFG_FLOW_TIMEOUT_S, 120);
	nla_put_u32(m, ACKGUARD_CFG_STORM_PPS, 5000);
	nla_put_u8(m, ACKGUARD_CFG_LOG, 1);
	nla_put_u32(m, 60, 7);			/* from a newer module */
	nla_nest_end(m, n);

	n = agc_decode_top(nlmsg_hdr(m), ACKGUARD_A_CONFIG);
	assert_non_null(n);
	assert_null(agc_decode_top(nlmsg_hdr(m), ACKGUARD_A_FLOW));
	assert_int_equal(agc_decode_config(n, &cfg), 0);
	assert_int_equal(cfg.have, AGC_BIT(__ACKGUARD_CFG_MAX) - 2);
	assert_int_equal(cfg.v[ACKGUARD_CFG_MODE], ACKGUARD_MODE_MONITOR);
	assert_int_equal(cfg.v[ACKGUARD_CFG_INTERVAL_MS], 1000);
	assert_int_equal(cfg.v[ACKGUARD_CFG_BURST], 32);
	assert_int_equal(cfg.v[ACKGUARD_CFG_MAX_FLOWS], 65536);
	assert_int_equal(cfg.v[ACKGUARD_CFG_FLOW_TIMEOUT_S], 120);
	assert_int_equal(cfg.v[ACKGUARD_CFG_STORM_PPS], 5000);
	assert_int_equal(cfg.v[ACKGUARD_CFG_LOG], 1);
	nlmsg_free(m);
}

static void test_counters(void **state)
{
	struct nl_msg *m = new_msg(ACKGUARD_CMD_GET_COUNTERS);
	struct nlattr *n = nla_nest_start(m, NLA_F_NESTED | ACKGUARD_A_COUNTERS);
	struct agc_counters c;

	(void)state;
	nla_put_u64(m, ACKGUARD_CTR_FLOWS_CREATED, 10);
	nla_put_u64(m, ACKGUARD_CTR_FLOWS_EVICTED, 1);
	nla_put_u64(m, ACKGUARD_CTR_FLOWS_EXPIRED, 2);
	nla_put_u64(m, ACKGUARD_CTR_TABLE_FULL, 3);
	nla_put_u64(m, ACKGUARD_CTR_MALFORMED, 4);
	nla_put_u32(m, ACKGUARD_CTR_FLOWS_ACTIVE, 5);	/* u32 per header */
	nla_put(m, ACKGUARD_CTR_PAD, 0, NULL);
	nla_put_u64(m, ACKGUARD_CTR_STORMS, 6);
	for (uint8_t r = 0; r < ACKGUARD_REASON_COUNT; r++)
		put_rsn(m, ACKGUARD_CTR_REASON, r, 100 + r, 90, 10, 10 + r);
	put_rsn(m, ACKGUARD_CTR_REASON, 42, 1, 1, 1, 1);	/* unknown id */
	nla_nest_end(m, n);

	n = agc_decode_top(nlmsg_hdr(m), ACKGUARD_A_COUNTERS);
	assert_non_null(n);
	assert_int_equal(agc_decode_counters(n, &c), 0);
	assert_int_equal(c.have, AGC_BIT(ACKGUARD_CTR_FLOWS_CREATED) |
			 AGC_BIT(ACKGUARD_CTR_FLOWS_EVICTED) |
			 AGC_BIT(ACKGUARD_CTR_FLOWS_EXPIRED) |
			 AGC_BIT(ACKGUARD_CTR_TABLE_FULL) |
			 AGC_BIT(ACKGUARD_CTR_MALFORMED) |
			 AGC_BIT(ACKGUARD_CTR_FLOWS_ACTIVE) |
			 AGC_BIT(ACKGUARD_CTR_STORMS));
	assert_int_equal(c.v[ACKGUARD_CTR_FLOWS_CREATED], 10);
	assert_int_equal(c.v[ACKGUARD_CTR_FLOWS_ACTIVE], 5);
	assert_int_equal(c.v[ACKGUARD_CTR_STORMS], 6);
	for (unsigned int r = 0; r < ACKGUARD_REASON_COUNT; r++) {
		assert_true(c.reason[r].have & AGC_BIT(ACKGUARD_RSN_OVERLIMIT));
		assert_int_equal(c.reason[r].v[ACKGUARD_RSN_SEEN], 100 + r);
		assert_int_equal(c.reason[r].v[ACKGUARD_RSN_OVERLIMIT], 10 + r);
	}
	nlmsg_free(m);
}

/* A flow as the module sends it: the uapi types for every attribute. */
static struct nl_msg *flow_msg(int family, const char *l, const char *r,
			       int addr_len_override)
{
	struct nl_msg *m = new_msg(ACKGUARD_CMD_GET_FLOWS);
	struct nlattr *n = nla_nest_start(m, NLA_F_NESTED | ACKGUARD_A_FLOW);
	uint8_t a[16];
	int alen = family == AF_INET ? 4 : 16;

	nla_put_u8(m, ACKGUARD_FLOW_FAMILY, (uint8_t)family);
	inet_pton(family, l, a);
	nla_put(m, ACKGUARD_FLOW_LOCAL_ADDR, alen, a);
	inet_pton(family, r, a);
	nla_put(m, ACKGUARD_FLOW_REMOTE_ADDR,
		addr_len_override ? addr_len_override : alen, a);
	nla_put_u16(m, ACKGUARD_FLOW_LOCAL_PORT, 22);
	nla_put_u16(m, ACKGUARD_FLOW_REMOTE_PORT, 40000);
	nla_put_u8(m, ACKGUARD_FLOW_STATE, 1);
	put_flow_rsn(m, ACKGUARD_REASON_PAWS, 5, 3, 2);
	put_flow_rsn(m, ACKGUARD_REASON_CHALLENGE, 1, 1, 0);
	nla_put_u32(m, ACKGUARD_FLOW_RATE, 77);
	nla_put_u64(m, ACKGUARD_FLOW_AGE_MS, 5000);
	nla_put_u64(m, ACKGUARD_FLOW_IDLE_MS, 10);
	nla_put(m, ACKGUARD_FLOW_PAD, 0, NULL);
	nla_put_u64(m, ACKGUARD_FLOW_OVERLIMIT, 4);
	nla_put_flag(m, ACKGUARD_FLOW_STORM);
	nla_nest_end(m, n);
	return m;
}

static void test_flow(void **state)
{
	struct nl_msg *m = flow_msg(AF_INET6, "2001:db8::1", "2001:db8::2", 0);
	struct nlattr *n = agc_decode_top(nlmsg_hdr(m), ACKGUARD_A_FLOW);
	uint8_t want[16];
	struct agc_flow f;
	uint64_t v;

	(void)state;
	assert_non_null(n);
	assert_int_equal(agc_decode_flow(n, &f), 0);
	assert_int_equal(f.family, AF_INET6);
	inet_pton(AF_INET6, "2001:db8::2", want);
	assert_memory_equal(f.remote, want, 16);
	assert_int_equal(f.local_port, 22);
	assert_int_equal(f.remote_port, 40000);
	assert_int_equal(f.state, 1);
	assert_int_equal(f.rate, 77);
	assert_int_equal(f.age_ms, 5000);
	assert_int_equal(f.idle_ms, 10);
	assert_true(f.storm);
	assert_true(f.have & AGC_BIT(ACKGUARD_FLOW_REASON));
	assert_int_equal(f.reason[ACKGUARD_REASON_PAWS].v[ACKGUARD_RSN_SEEN], 5);
	assert_int_equal(f.reason[ACKGUARD_REASON_CHALLENGE]
			 .v[ACKGUARD_RSN_SEEN], 1);
	assert_int_equal(f.reason[ACKGUARD_REASON_SEQ].have, 0);
	/* over the limit for the flow, 4 (more than dropped: monitor mode) */
	assert_true(f.have & AGC_BIT(ACKGUARD_FLOW_OVERLIMIT));
	assert_int_equal(f.overlimit, 4);
	assert_true(agc_flow_overlimit(&f, &v));
	assert_int_equal(v, 4);
	for (unsigned int r = 0; r < ACKGUARD_REASON_COUNT; r++)
		assert_false(f.reason[r].have & AGC_BIT(ACKGUARD_RSN_OVERLIMIT));
	nlmsg_free(m);

	m = flow_msg(AF_INET, "10.0.0.1", "10.0.0.2", 0);
	n = agc_decode_top(nlmsg_hdr(m), ACKGUARD_A_FLOW);
	assert_int_equal(agc_decode_flow(n, &f), 0);
	assert_int_equal(f.family, AF_INET);
	inet_pton(AF_INET, "10.0.0.2", want);
	assert_memory_equal(f.remote, want, 4);
	nlmsg_free(m);
}

static void test_flow_malformed(void **state)
{
	struct nl_msg *m = flow_msg(AF_INET, "10.0.0.1", "10.0.0.2", 16);
	struct nlattr *n = agc_decode_top(nlmsg_hdr(m), ACKGUARD_A_FLOW);
	struct agc_flow f;

	(void)state;
	assert_int_equal(agc_decode_flow(n, &f), -EPROTO);
	nlmsg_free(m);

	m = flow_msg(AF_INET, "10.0.0.1", "10.0.0.2", 5);
	n = agc_decode_top(nlmsg_hdr(m), ACKGUARD_A_FLOW);
	assert_int_equal(agc_decode_flow(n, &f), -EPROTO);
	nlmsg_free(m);

	/* a reason nest without its id */
	m = new_msg(ACKGUARD_CMD_GET_FLOWS);
	n = nla_nest_start(m, NLA_F_NESTED | ACKGUARD_A_FLOW);
	{
		struct nlattr *r = nla_nest_start(m, NLA_F_NESTED |
						  ACKGUARD_FLOW_REASON);

		nla_put_u64(m, ACKGUARD_RSN_SEEN, 1);
		nla_nest_end(m, r);
	}
	nla_nest_end(m, n);
	n = agc_decode_top(nlmsg_hdr(m), ACKGUARD_A_FLOW);
	assert_int_equal(agc_decode_flow(n, &f), -EPROTO);
	nlmsg_free(m);

	/* a 3-byte integer */
	m = new_msg(ACKGUARD_CMD_GET_FLOWS);
	n = nla_nest_start(m, NLA_F_NESTED | ACKGUARD_A_FLOW);
	nla_put(m, ACKGUARD_FLOW_RATE, 3, "abc");
	nla_nest_end(m, n);
	n = agc_decode_top(nlmsg_hdr(m), ACKGUARD_A_FLOW);
	assert_int_equal(agc_decode_flow(n, &f), -EPROTO);
	nlmsg_free(m);
}

/* Walks a request's A_* nest and checks each attribute's length. */
static struct nlattr *request_nest(struct nl_msg *m, int attr)
{
	struct nlattr *n = agc_decode_top(nlmsg_hdr(m), attr);

	assert_non_null(n);
	assert_true(n->nla_type & NLA_F_NESTED);
	return n;
}

static void test_encode_config(void **state)
{
	struct nl_msg *m = new_msg(ACKGUARD_CMD_SET_CONFIG);
	struct agc_config cfg = { 0 };
	struct nlattr *a, *n;
	int rem, seen = 0;

	(void)state;
	for (unsigned int i = 1; i <= ACKGUARD_CFG_MAX; i++) {
		cfg.have |= AGC_BIT(i);
		cfg.v[i] = i;
	}
	assert_int_equal(agc_encode_config(m, &cfg), 0);
	n = request_nest(m, ACKGUARD_A_CONFIG);
	nla_for_each_nested(a, n, rem) {
		int t = nla_type(a);
		int want = t == ACKGUARD_CFG_MODE || t == ACKGUARD_CFG_LOG ? 1 : 4;

		assert_int_equal(nla_len(a), want);
		assert_int_equal(want == 1 ? nla_get_u8(a) : nla_get_u32(a), t);
		seen |= 1 << t;
	}
	assert_int_equal(seen, (int)(AGC_BIT(__ACKGUARD_CFG_MAX) - 2));
	nlmsg_free(m);

	/* only the keys given */
	m = new_msg(ACKGUARD_CMD_SET_CONFIG);
	cfg.have = AGC_BIT(ACKGUARD_CFG_BURST);
	assert_int_equal(agc_encode_config(m, &cfg), 0);
	n = request_nest(m, ACKGUARD_A_CONFIG);
	seen = 0;
	nla_for_each_nested(a, n, rem)
		seen |= 1 << nla_type(a);
	assert_int_equal(seen, AGC_BIT(ACKGUARD_CFG_BURST));
	nlmsg_free(m);
}

static void test_encode_filter(void **state)
{
	struct nl_msg *m = new_msg(ACKGUARD_CMD_GET_FLOWS);
	struct agc_filter f = { 0 };
	struct nlattr *a, *n;
	int rem, seen = 0;

	(void)state;
	assert_int_equal(agc_encode_filter(m, &f), 0);	/* no nest at all */
	assert_null(agc_decode_top(nlmsg_hdr(m), ACKGUARD_A_FILTER));
	assert_int_equal(agc_encode_filter(m, NULL), 0);

	f.have = AGC_BIT(ACKGUARD_FLT_MAX + 1) - 2;
	f.family = AF_INET6;
	f.addr_len = 16;
	f.addr[0] = 0x20;
	f.prefix_len = 48;
	f.port = 443;
	f.reason = ACKGUARD_REASON_SEQ;
	f.min_rate = 1000;
	assert_int_equal(agc_encode_filter(m, &f), 0);
	n = request_nest(m, ACKGUARD_A_FILTER);
	nla_for_each_nested(a, n, rem) {
		switch (nla_type(a)) {
		case ACKGUARD_FLT_FAMILY:
			assert_int_equal(nla_len(a), 1);
			assert_int_equal(nla_get_u8(a), AF_INET6);
			break;
		case ACKGUARD_FLT_ADDR:
			assert_int_equal(nla_len(a), 16);
			assert_int_equal(((uint8_t *)nla_data(a))[0], 0x20);
			break;
		case ACKGUARD_FLT_PREFIX_LEN:
			assert_int_equal(nla_len(a), 1);
			assert_int_equal(nla_get_u8(a), 48);
			break;
		case ACKGUARD_FLT_PORT:
			assert_int_equal(nla_len(a), 2);
			assert_int_equal(nla_get_u16(a), 443);
			break;
		case ACKGUARD_FLT_REASON:
			assert_int_equal(nla_len(a), 1);
			assert_int_equal(nla_get_u8(a), ACKGUARD_REASON_SEQ);
			break;
		case ACKGUARD_FLT_MIN_RATE:
			assert_int_equal(nla_len(a), 4);
			assert_int_equal(nla_get_u32(a), 1000);
			break;
		default:
			fail_msg("unexpected attribute %d", nla_type(a));
		}
		seen |= 1 << nla_type(a);
	}
	assert_int_equal(seen, (int)(AGC_BIT(ACKGUARD_FLT_MAX + 1) - 2));
	nlmsg_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_flow),
		cmocka_unit_test(test_flow_malformed),
		cmocka_unit_test(test_encode_config),
		cmocka_unit_test(test_encode_filter),
	};

	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
