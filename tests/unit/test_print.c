// SPDX-License-Identifier: GPL-2.0
/* ackguardctl unit tests: printers, formatters and model helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "format.h"
#include "json.h"
#include "print.h"
#include "samples.h"

/* Output capture: CAPTURE(f) { ...print to f... } then check(buf). */
struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *cap_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	return c->f;
}

static void cap_check(struct capture *c, const char *want)
{
	fclose(c->f);
	if (strcmp(c->buf, want)) {
		print_message("---- got ----\n%s---- want ----\n%s----\n",
			      c->buf, want);
		free(c->buf);
		fail();
	}
	free(c->buf);
}

static int setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	samples_init();
	return 0;
}

/* ---- text --------------------------------------------------------- */

#define KERNEL_TEXT \
"kernel:\n" \
"  release                6.1.0-test\n" \
"  tcp_invalid_ratelimit  500ms\n" \
"  limiter                on\n" \
"  the kernel limits too (one answer per 500 ms per socket); ackguard adds " \
"the per-flow view and its own policy\n"

static const char show_text[] =
"config:\n"
"  mode          enforce\n"
"  interval      100ms\n"
"  burst         10\n"
"  max-flows     65536\n"
"  flow-timeout  300s\n"
"  storm-pps     1000\n"
"  log           off\n"
KERNEL_TEXT
"counters:\n"
"  flows-active    3\n"
"  flows-created  42\n"
"  flows-evicted   1\n"
"  flows-expired  38\n"
"  storms          1\n"
"  table-full      0\n"
"  malformed       2\n"
"reasons:\n"
"  reason       seen  passed  dropped  overlimit\n"
"  paws       123456   23456   100000     100000\n"
"  seq            10      10        0          0\n"
"  challenge       0       0        0          0\n"
"  synrecv         5       5        0          0\n"
"  finwait2        0       0        0          0\n"
"  timewait        7       7        0          0\n";

static const char flows_text[] =
"Local Address:Port  Peer Address:Port    State      Reasons     Seen  Passed  Dropped  Overlimit  Rate/s    Age\n"
"10.0.0.1:22         192.0.2.7:51234      ESTAB      paws,seq  123010   23010   100000     100005    1200  1m05s  storm\n"
"[2001:db8::1]:443   [2001:db8::2]:40000  TIME-WAIT  timewait       7       7        0          0       3  850ms\n"
"10.0.0.1:80         198.51.100.9:1025    SYN-RECV   synrecv        5       4        1          1       0  1d01h\n";

static void test_show_text(void **state)
{
	struct capture c;

	(void)state;
	agc_show_text(cap_open(&c), &sample_config, &sample_counters,
		      &sample_kernel);
	cap_check(&c, show_text);
}

static void test_show_text_partial(void **state)
{
	struct agc_config cfg = { 0 };
	struct agc_counters ctr = { 0 };
	struct capture c;

	(void)state;
	/* What an older module might send: some keys, one reason. */
	cfg.have = AGC_BIT(ACKGUARD_CFG_MODE) |
		   AGC_BIT(ACKGUARD_CFG_INTERVAL_MS);
	cfg.v[ACKGUARD_CFG_MODE] = 7;
	cfg.v[ACKGUARD_CFG_INTERVAL_MS] = 2000;
	ctr.have = AGC_BIT(ACKGUARD_CTR_FLOWS_ACTIVE);
	ctr.v[ACKGUARD_CTR_FLOWS_ACTIVE] = 0;
	ctr.reason[ACKGUARD_REASON_SEQ].have = AGC_BIT(ACKGUARD_RSN_SEEN);
	ctr.reason[ACKGUARD_REASON_SEQ].v[ACKGUARD_RSN_SEEN] = 4;
	agc_show_text(cap_open(&c), &cfg, &ctr, NULL);
	cap_check(&c,
		"config:\n"
		"  mode      7\n"
		"  interval  2s\n"
		"counters:\n"
		"  flows-active  0\n"
		"reasons:\n"
		"  reason     seen  passed  dropped  overlimit\n"
		"  paws          -       -        -          -\n"
		"  seq           4       -        -          -\n"
		"  challenge     -       -        -          -\n"
		"  synrecv       -       -        -          -\n"
		"  finwait2      -       -        -          -\n"
		"  timewait      -       -        -          -\n");
}

static void test_stats_text(void **state)
{
	struct capture c;

	(void)state;
	agc_show_text(cap_open(&c), NULL, &sample_counters, NULL);
	cap_check(&c, show_text + strlen(
		"config:\n  mode          enforce\n  interval      100ms\n"
		"  burst         10\n  max-flows     65536\n"
		"  flow-timeout  300s\n  storm-pps     1000\n"
		"  log           off\n" KERNEL_TEXT));
}

static void test_flows_text(void **state)
{
	struct capture c;

	(void)state;
	agc_flows_text(cap_open(&c), sample_flows, SAMPLE_NFLOWS);
	cap_check(&c, flows_text);
	agc_flows_text(cap_open(&c), NULL, 0);
	cap_check(&c, "Local Address:Port  Peer Address:Port  State  Reasons"
		      "  Seen  Passed  Dropped  Overlimit  Rate/s  Age\n");
}

static void test_event_text(void **state)
{
	struct agc_flow fl = { 0 };
	struct capture c;

	(void)state;
	agc_event_text(cap_open(&c), ACKGUARD_CMD_STORM_START,
		       &sample_flows[0], &sample_time);
	cap_check(&c, "2024-05-01T12:00:00.123+0000 storm-start 10.0.0.1:22 "
		      "192.0.2.7:51234 ESTAB rate 1200/s reasons paws,seq\n");
	agc_event_text(cap_open(&c), ACKGUARD_CMD_STORM_END, &sample_flows[1],
		       &sample_time);
	cap_check(&c, "2024-05-01T12:00:00.123+0000 storm-end "
		      "[2001:db8::1]:443 [2001:db8::2]:40000 TIME-WAIT "
		      "rate 3/s reasons timewait\n");
	/* a minimal event: addresses and ports only */
	fl.family = AF_INET6;
	fl.local[15] = 1;
	fl.remote[15] = 2;
	fl.local_port = 1;
	fl.remote_port = 2;
	agc_event_text(cap_open(&c), ACKGUARD_CMD_STORM_END, &fl, &sample_time);
	cap_check(&c, "2024-05-01T12:00:00.123+0000 storm-end [::1]:1 [::2]:2\n");
}

static void test_watch_text(void **state)
{
	struct agc_watch_frame w = sample_frame;
	struct capture c;

	(void)state;
	agc_watch_text(cap_open(&c), &w);
	cap_check(&c,
"ackguard watch: refresh 3, 1.00s, 2024-05-01T12:00:00.123+0000\n"
"\n"
"reason     seen/s  passed/s  dropped/s  overlimit/s\n"
"paws       1200.0     100.0     1100.0       1100.0\n"
"seq           0.0       0.0        0.0          0.0\n"
"challenge     0.0       0.0        0.0          0.0\n"
"synrecv       0.0       0.0        0.0          0.0\n"
"finwait2      0.0       0.0        0.0          0.0\n"
"timewait      0.0       0.0        0.0          0.0\n"
"\n"
"flows-active                     3\n"
"flows-created/s                1.5\n"
"flows-evicted/s                0.0\n"
"flows-expired/s                0.0\n"
"storms/s                       0.2\n"
"table-full/s                   0.0\n"
"malformed/s                    0.0\n"
"TcpExt:PAWSEstab/s          1200.0\n"
"TcpExt:TCPACKSkippedPAWS/s     0.5\n"
"\n"
"top flows by rate:\n"
"Local Address:Port  Peer Address:Port    State      Reasons     Seen  Passed  Dropped  Overlimit  Rate/s    Age\n"
"10.0.0.1:22         192.0.2.7:51234      ESTAB      paws,seq  123010   23010   100000     100005    1200  1m05s  storm\n"
"[2001:db8::1]:443   [2001:db8::2]:40000  TIME-WAIT  timewait       7       7        0          0       3  850ms\n");

	w.flows_ok = false;
	w.ns_have = 0;
	w.ctr_have = AGC_BIT(ACKGUARD_CTR_STORMS);
	agc_watch_text(cap_open(&c), &w);
	cap_check(&c,
"ackguard watch: refresh 3, 1.00s, 2024-05-01T12:00:00.123+0000\n"
"\n"
"reason     seen/s  passed/s  dropped/s  overlimit/s\n"
"paws       1200.0     100.0     1100.0       1100.0\n"
"seq           0.0       0.0        0.0          0.0\n"
"challenge     0.0       0.0        0.0          0.0\n"
"synrecv       0.0       0.0        0.0          0.0\n"
"finwait2      0.0       0.0        0.0          0.0\n"
"timewait      0.0       0.0        0.0          0.0\n"
"\n"
"storms/s  0.2\n"
"\n"
"top flows by rate: unavailable\n");
}

/* ---- JSON --------------------------------------------------------- */

static const char counters_json[] =
"\"counters\":{\"flows_active\":3,\"flows_created\":42,\"flows_evicted\":1,"
"\"flows_expired\":38,\"storms\":1,\"table_full\":0,\"malformed\":2,"
"\"reasons\":{"
"\"paws\":{\"seen\":123456,\"passed\":23456,\"dropped\":100000,\"overlimit\":100000},"
"\"seq\":{\"seen\":10,\"passed\":10,\"dropped\":0,\"overlimit\":0},"
"\"challenge\":{\"seen\":0,\"passed\":0,\"dropped\":0,\"overlimit\":0},"
"\"synrecv\":{\"seen\":5,\"passed\":5,\"dropped\":0,\"overlimit\":0},"
"\"finwait2\":{\"seen\":0,\"passed\":0,\"dropped\":0,\"overlimit\":0},"
"\"timewait\":{\"seen\":7,\"passed\":7,\"dropped\":0,\"overlimit\":0}}}";

#define FLOW0_JSON \
"{\"family\":\"inet\",\"local_addr\":\"10.0.0.1\",\"local_port\":22," \
"\"remote_addr\":\"192.0.2.7\",\"remote_port\":51234,\"state\":\"ESTAB\"," \
"\"rate\":1200,\"age_ms\":65000,\"idle_ms\":20,\"storm\":true," \
"\"seen\":123010,\"passed\":23010,\"dropped\":100000,\"overlimit\":100005," \
"\"reasons\":{\"paws\":{\"seen\":123000,\"passed\":23000,\"dropped\":100000}," \
"\"seq\":{\"seen\":10,\"passed\":10,\"dropped\":0}}}"

#define FLOW1_JSON \
"{\"family\":\"inet6\",\"local_addr\":\"2001:db8::1\",\"local_port\":443," \
"\"remote_addr\":\"2001:db8::2\",\"remote_port\":40000," \
"\"state\":\"TIME-WAIT\",\"rate\":3,\"age_ms\":850,\"idle_ms\":20," \
"\"storm\":false,\"seen\":7,\"passed\":7,\"dropped\":0,\"overlimit\":0," \
"\"reasons\":{\"timewait\":{\"seen\":7,\"passed\":7,\"dropped\":0}}}"

#define FLOW2_JSON \
"{\"family\":\"inet\",\"local_addr\":\"10.0.0.1\",\"local_port\":80," \
"\"remote_addr\":\"198.51.100.9\",\"remote_port\":1025," \
"\"state\":\"SYN-RECV\",\"rate\":0,\"age_ms\":90061000,\"idle_ms\":20," \
"\"storm\":false,\"seen\":5,\"passed\":4,\"dropped\":1,\"overlimit\":1," \
"\"reasons\":{\"synrecv\":{\"seen\":5,\"passed\":4,\"dropped\":1}}}"

static void test_show_json(void **state)
{
	char want[4096];
	struct capture c;

	(void)state;
	snprintf(want, sizeof(want), "{\"config\":{\"mode\":\"enforce\","
		 "\"interval_ms\":100,\"burst\":10,\"max_flows\":65536,"
		 "\"flow_timeout_s\":300,\"storm_pps\":1000,\"log\":false},"
		 "\"kernel_release\":\"6.1.0-test\","
		 "\"kernel_invalid_ratelimit_ms\":500,\"kernel_limiter\":\"on\","
		 "\"kernel_limiter_note\":\"the kernel limits too (one answer "
		 "per 500 ms per socket); ackguard adds the per-flow view and "
		 "its own policy\","
		 "%s}\n", counters_json);
	agc_show_json(cap_open(&c), &sample_config, &sample_counters,
		      &sample_kernel);
	cap_check(&c, want);

	snprintf(want, sizeof(want), "{%s}\n", counters_json);
	agc_show_json(cap_open(&c), NULL, &sample_counters, NULL);
	cap_check(&c, want);
}

static void test_flows_json(void **state)
{
	struct capture c;

	(void)state;
	agc_flows_json(cap_open(&c), sample_flows, SAMPLE_NFLOWS);
	cap_check(&c, "[" FLOW0_JSON "," FLOW1_JSON "," FLOW2_JSON "]\n");
	agc_flows_json(cap_open(&c), NULL, 0);
	cap_check(&c, "[]\n");
}

static void test_event_json(void **state)
{
	struct capture c;

	(void)state;
	agc_event_json(cap_open(&c), ACKGUARD_CMD_STORM_START,
		       &sample_flows[0], &sample_time);
	cap_check(&c, "{\"time\":\"2024-05-01T12:00:00.123Z\","
		      "\"event\":\"storm_start\",\"flow\":" FLOW0_JSON "}\n");
	agc_event_json(cap_open(&c), ACKGUARD_CMD_STORM_END,
		       &sample_flows[1], &sample_time);
	cap_check(&c, "{\"time\":\"2024-05-01T12:00:00.123Z\","
		      "\"event\":\"storm_end\",\"flow\":" FLOW1_JSON "}\n");
}

#define ZERO_RATES "{\"seen\":0.000,\"passed\":0.000,\"dropped\":0.000," \
		   "\"overlimit\":0.000}"

static void test_watch_json(void **state)
{
	struct agc_watch_frame w = sample_frame;
	const char *head =
		"{\"refresh\":3,\"time\":\"2024-05-01T12:00:00.123Z\","
		"\"elapsed\":1.000,\"flows_active\":3,\"per_second\":{"
		"\"flows_created\":1.500,\"flows_evicted\":0.000,"
		"\"flows_expired\":0.000,\"storms\":0.250,\"table_full\":0.000,"
		"\"malformed\":0.000,\"reasons\":{\"paws\":{\"seen\":1200.000,"
		"\"passed\":100.000,\"dropped\":1100.000,\"overlimit\":1100.000},"
		"\"seq\":" ZERO_RATES ",\"challenge\":" ZERO_RATES ","
		"\"synrecv\":" ZERO_RATES ",\"finwait2\":" ZERO_RATES ","
		"\"timewait\":" ZERO_RATES "},\"tcpext\":{\"PAWSEstab\":1200.000,"
		"\"TCPACKSkippedPAWS\":0.500}},";
	char want[8192];
	struct capture c;

	(void)state;
	snprintf(want, sizeof(want), "%s\"top_flows\":[" FLOW0_JSON ","
		 FLOW1_JSON "]}\n", head);
	agc_watch_json(cap_open(&c), &w);
	cap_check(&c, want);

	w.flows_ok = false;
	snprintf(want, sizeof(want), "%s\"top_flows\":null}\n", head);
	agc_watch_json(cap_open(&c), &w);
	cap_check(&c, want);
}

static void test_json_writer(void **state)
{
	struct agc_json j;
	struct capture c;

	(void)state;
	agc_json_init(&j, cap_open(&c));
	agc_json_obj_begin(&j, NULL);
	agc_json_str(&j, "q\"k", "a\"b\\c/\b\f\n\r\t\x01\x1f\x7f");
	agc_json_str(&j, "utf8", "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80");
	/* stray continuation, overlong, surrogate, truncated, > U+10FFFF */
	agc_json_str(&j, "bad", "\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82|\xf4\x90\x80\x80");
	agc_json_u64(&j, "max", UINT64_MAX);
	agc_json_double(&j, "nan", 0.0 / 0.0, 1);
	agc_json_double(&j, "pi", 3.14159, 2);
	agc_json_bool(&j, "t", true);
	agc_json_arr_begin(&j, "a");
	agc_json_null(&j, NULL);
	agc_json_arr_begin(&j, NULL);
	agc_json_arr_end(&j);
	agc_json_obj_begin(&j, NULL);
	agc_json_obj_end(&j);
	agc_json_u64(&j, NULL, 0);
	agc_json_arr_end(&j);
	agc_json_obj_end(&j);
	cap_check(&c, "{\"q\\\"k\":\"a\\\"b\\\\c/\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\","
		      "\"utf8\":\"gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80\","
		      "\"bad\":\"\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|"
		      "\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd\","
		      "\"max\":18446744073709551615,\"nan\":null,\"pi\":3.14,"
		      "\"t\":true,\"a\":[null,[],{},0]}");
}

/* ---- Prometheus ---------------------------------------------------- */

static void test_prom(void **state)
{
	struct agc_counters ctr = { 0 };
	struct agc_config cfg = { 0 };
	struct capture c;

	(void)state;
	ctr.have = AGC_BIT(ACKGUARD_CTR_FLOWS_ACTIVE) |
		   AGC_BIT(ACKGUARD_CTR_STORMS);
	ctr.v[ACKGUARD_CTR_FLOWS_ACTIVE] = 5;
	ctr.v[ACKGUARD_CTR_STORMS] = 18446744073709551615ULL;
	ctr.reason[ACKGUARD_REASON_PAWS] = sample_counters.reason[0];
	ctr.reason[ACKGUARD_REASON_TIMEWAIT].have =
		AGC_BIT(ACKGUARD_RSN_SEEN) | AGC_BIT(ACKGUARD_RSN_DROPPED);
	ctr.reason[ACKGUARD_REASON_TIMEWAIT].v[ACKGUARD_RSN_SEEN] = 9;
	ctr.reason[ACKGUARD_REASON_TIMEWAIT].v[ACKGUARD_RSN_DROPPED] = 2;
	cfg.have = AGC_BIT(ACKGUARD_CFG_MODE) |
		   AGC_BIT(ACKGUARD_CFG_INTERVAL_MS) | AGC_BIT(ACKGUARD_CFG_LOG);
	cfg.v[ACKGUARD_CFG_MODE] = ACKGUARD_MODE_MONITOR;
	cfg.v[ACKGUARD_CFG_INTERVAL_MS] = 1500;
	cfg.v[ACKGUARD_CFG_LOG] = 1;
	agc_stats_prom(cap_open(&c), &cfg, &ctr, &sample_kernel);
	cap_check(&c,
"# HELP ackguard_up 1: the module was loaded and read.\n"
"# TYPE ackguard_up gauge\n"
"ackguard_up 1\n"
"# HELP ackguard_build_info ackguardctl's version and the running kernel's release.\n"
"# TYPE ackguard_build_info gauge\n"
"ackguard_build_info{version=\"1.2.3\",kernel=\"6.1.0-test\"} 1\n"
"# HELP ackguard_kernel_limiter_present 1 if the kernel has net.ipv4.tcp_invalid_ratelimit (4.0+).\n"
"# TYPE ackguard_kernel_limiter_present gauge\n"
"ackguard_kernel_limiter_present 1\n"
"# HELP ackguard_kernel_invalid_ratelimit_seconds net.ipv4.tcp_invalid_ratelimit of the namespace: the kernel's own limit, one answer per this long per socket (0: none).\n"
"# TYPE ackguard_kernel_invalid_ratelimit_seconds gauge\n"
"ackguard_kernel_invalid_ratelimit_seconds 0.500\n"
"# HELP ackguard_segments_seen_total Classified segments, by reason.\n"
"# TYPE ackguard_segments_seen_total counter\n"
"ackguard_segments_seen_total{reason=\"paws\"} 123456\n"
"ackguard_segments_seen_total{reason=\"timewait\"} 9\n"
"# HELP ackguard_segments_passed_total Classified segments passed (within the limit, or not enforced).\n"
"# TYPE ackguard_segments_passed_total counter\n"
"ackguard_segments_passed_total{reason=\"paws\"} 23456\n"
"ackguard_segments_passed_total{reason=\"timewait\"} 7\n"
"# HELP ackguard_segments_dropped_total Classified segments dropped over the limit (enforce mode).\n"
"# TYPE ackguard_segments_dropped_total counter\n"
"ackguard_segments_dropped_total{reason=\"paws\"} 100000\n"
"ackguard_segments_dropped_total{reason=\"timewait\"} 2\n"
"# HELP ackguard_segments_overlimit_total Classified segments over the limit, in any mode.\n"
"# TYPE ackguard_segments_overlimit_total counter\n"
"ackguard_segments_overlimit_total{reason=\"paws\"} 100000\n"
"# HELP ackguard_flows_active Flows in the table now.\n"
"# TYPE ackguard_flows_active gauge\n"
"ackguard_flows_active 5\n"
"# HELP ackguard_storms_total Flows that entered a storm.\n"
"# TYPE ackguard_storms_total counter\n"
"ackguard_storms_total 18446744073709551615\n"
"# HELP ackguard_mode Current mode (1 for the active one).\n"
"# TYPE ackguard_mode gauge\n"
"ackguard_mode{mode=\"off\"} 0\n"
"ackguard_mode{mode=\"monitor\"} 1\n"
"ackguard_mode{mode=\"enforce\"} 0\n"
"# HELP ackguard_config_interval_seconds Rate-limit interval.\n"
"# TYPE ackguard_config_interval_seconds gauge\n"
"ackguard_config_interval_seconds 1.500\n"
"# HELP ackguard_config_log 1 if throttled flows are logged.\n"
"# TYPE ackguard_config_log gauge\n"
"ackguard_config_log 1\n");
}

/* Without the sysctl: present 0 and no ratelimit; unreadable: neither. */
static void test_prom_kernel(void **state)
{
	struct agc_kernel k = sample_kernel;
	struct capture c;

	(void)state;
	k.limiter = AGC_LIMITER_ABSENT;
	k.release[0] = '"';
	k.release[1] = '\\';
	k.release[2] = '\0';
	k.version = "0.1.0";
	agc_stats_prom(cap_open(&c), NULL, NULL, &k);
	cap_check(&c,
"# HELP ackguard_build_info ackguardctl's version and the running kernel's release.\n"
"# TYPE ackguard_build_info gauge\n"
"ackguard_build_info{version=\"0.1.0\",kernel=\"\\\"\\\\\"} 1\n"
"# HELP ackguard_kernel_limiter_present 1 if the kernel has net.ipv4.tcp_invalid_ratelimit (4.0+).\n"
"# TYPE ackguard_kernel_limiter_present gauge\n"
"ackguard_kernel_limiter_present 0\n");
	k.limiter = AGC_LIMITER_UNKNOWN;
	strcpy(k.release, "6.1.0-test");
	agc_stats_prom(cap_open(&c), NULL, NULL, &k);
	cap_check(&c,
"# HELP ackguard_build_info ackguardctl's version and the running kernel's release.\n"
"# TYPE ackguard_build_info gauge\n"
"ackguard_build_info{version=\"0.1.0\",kernel=\"6.1.0-test\"} 1\n");
	k.limiter = AGC_LIMITER_OFF;
	k.ratelimit_ms = 0;
	agc_stats_prom(cap_open(&c), NULL, NULL, &k);
	cap_check(&c,
"# HELP ackguard_build_info ackguardctl's version and the running kernel's release.\n"
"# TYPE ackguard_build_info gauge\n"
"ackguard_build_info{version=\"0.1.0\",kernel=\"6.1.0-test\"} 1\n"
"# HELP ackguard_kernel_limiter_present 1 if the kernel has net.ipv4.tcp_invalid_ratelimit (4.0+).\n"
"# TYPE ackguard_kernel_limiter_present gauge\n"
"ackguard_kernel_limiter_present 1\n"
"# HELP ackguard_kernel_invalid_ratelimit_seconds net.ipv4.tcp_invalid_ratelimit of the namespace: the kernel's own limit, one answer per this long per socket (0: none).\n"
"# TYPE ackguard_kernel_invalid_ratelimit_seconds gauge\n"
"ackguard_kernel_invalid_ratelimit_seconds 0.000\n");
}

/* What the kernel's limiter and ackguard's mode mean together. */
static void test_limiter_note(void **state)
{
	static const struct {
		enum agc_limiter l;
		uint32_t ms;
		const char *mode, *want;
	} cases[] = {
		{ AGC_LIMITER_OFF, 0, "enforce", "the kernel answers every "
		  "invalid segment; ackguard is the only limiter" },
		{ AGC_LIMITER_OFF, 0, "monitor", "the kernel answers every "
		  "invalid segment and ackguard (mode monitor) drops nothing: "
		  "nothing limits the answers" },
		{ AGC_LIMITER_ON, 1000, "enforce", "the kernel limits too (one "
		  "answer per 1000 ms per socket); ackguard adds the per-flow "
		  "view and its own policy" },
		{ AGC_LIMITER_ON, 500, "off", "the kernel limits (one answer "
		  "per 500 ms per socket); ackguard (mode off) drops nothing, "
		  "it adds the per-flow view" },
		{ AGC_LIMITER_ABSENT, 0, "enforce", "the kernel has no upstream "
		  "limiter (before 4.0); ackguard is the only limiter" },
		{ AGC_LIMITER_ABSENT, 0, NULL, "the kernel has no upstream "
		  "limiter (before 4.0) and ackguard's mode is unknown: "
		  "nothing limits the answers" },
	};
	struct agc_kernel k = sample_kernel;
	char buf[256];

	(void)state;
	for (size_t i = 0; i < AGC_ARRAY_SIZE(cases); i++) {
		k.limiter = cases[i].l;
		k.ratelimit_ms = cases[i].ms;
		assert_string_equal(agc_limiter_note(buf, sizeof(buf), &k,
						     cases[i].mode),
				    cases[i].want);
	}
	assert_string_equal(agc_limiter_name(AGC_LIMITER_ABSENT), "absent");
	assert_string_equal(agc_limiter_name(AGC_LIMITER_OFF), "off");
	assert_string_equal(agc_limiter_name(AGC_LIMITER_ON), "on");
	assert_string_equal(agc_limiter_name(AGC_LIMITER_UNKNOWN), "unknown");
}

/* agc_kernel_probe() on files standing in for the sysctl. */
static void test_kernel_probe(void **state)
{
	char dir[] = "/tmp/agc-probe.XXXXXX", path[64];
	struct agc_kernel k;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tcp_invalid_ratelimit", dir);
	/* A kernel before 4.0: the directory is there, the file is not. */
	agc_kernel_probe(&k, path);
	assert_int_equal(k.limiter, AGC_LIMITER_ABSENT);
	assert_true(k.release[0] != '\0');
	f = fopen(path, "w");
	fputs("500\n", f);
	fclose(f);
	agc_kernel_probe(&k, path);
	assert_int_equal(k.limiter, AGC_LIMITER_ON);
	assert_int_equal(k.ratelimit_ms, 500);
	f = fopen(path, "w");
	fputs("0\n", f);
	fclose(f);
	agc_kernel_probe(&k, path);
	assert_int_equal(k.limiter, AGC_LIMITER_OFF);
	assert_int_equal(k.ratelimit_ms, 0);
	f = fopen(path, "w");
	fputs("x\n", f);
	fclose(f);
	agc_kernel_probe(&k, path);
	assert_int_equal(k.limiter, AGC_LIMITER_UNKNOWN);
	unlink(path);
	rmdir(dir);
	/* No directory: nothing is known, "absent" would be a lie. */
	agc_kernel_probe(&k, path);
	assert_int_equal(k.limiter, AGC_LIMITER_UNKNOWN);
	assert_non_null(strstr(k.why, "No such file"));
}

/* ---- dump: pinned, ackguardctl.8 promises it never changes ---------- */

static const char flows_dump[] =
"inet\t10.0.0.1\t22\t192.0.2.7\t51234\t1\t1\t1200\t65000\t20\t"
	"123010\t23010\t100000\t100005\t"
	"123000\t23000\t100000\t10\t10\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\n"
"inet6\t2001:db8::1\t443\t2001:db8::2\t40000\t6\t0\t3\t850\t20\t"
	"7\t7\t0\t0\t"
	"0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t7\t7\t0\n"
"inet\t10.0.0.1\t80\t198.51.100.9\t1025\t12\t0\t0\t90061000\t20\t"
	"5\t4\t1\t1\t"
	"0\t0\t0\t0\t0\t0\t0\t0\t0\t5\t4\t1\t0\t0\t0\t0\t0\t0\n";

static void test_flows_dump(void **state)
{
	struct agc_flow fl;
	struct capture c;

	(void)state;
	agc_flows_dump(cap_open(&c), sample_flows, SAMPLE_NFLOWS);
	cap_check(&c, flows_dump);
	agc_flows_dump(cap_open(&c), NULL, 0);
	cap_check(&c, "");
	/* What a module would send that reports less: "-" for the rest. */
	memset(&fl, 0, sizeof(fl));
	fl.family = AF_INET;
	fl.local[3] = 1;
	fl.remote[3] = 2;
	fl.local_port = 1;
	fl.remote_port = 2;
	fl.reason[ACKGUARD_REASON_SEQ].have = AGC_BIT(ACKGUARD_RSN_SEEN);
	fl.reason[ACKGUARD_REASON_SEQ].v[ACKGUARD_RSN_SEEN] = 3;
	agc_flows_dump(cap_open(&c), &fl, 1);
	cap_check(&c, "inet\t0.0.0.1\t1\t0.0.0.2\t2\t-\t0\t-\t-\t-\t3\t-\t-\t-\t"
		      "0\t0\t0\t3\t-\t-\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\n");
}

/* -p: the layout of Python's json.dumps(indent=2); empty ones stay "{}". */
static void test_json_pretty(void **state)
{
	struct agc_json j;
	struct capture c;

	(void)state;
	agc_json_set_pretty(true);
	agc_json_init(&j, cap_open(&c));
	agc_json_set_pretty(false);
	agc_json_obj_begin(&j, NULL);
	agc_json_u64(&j, "a", 1);
	agc_json_arr_begin(&j, "b");
	agc_json_str(&j, NULL, "x");
	agc_json_obj_begin(&j, NULL);
	agc_json_obj_end(&j);
	agc_json_arr_begin(&j, NULL);
	agc_json_arr_end(&j);
	agc_json_obj_begin(&j, NULL);
	agc_json_null(&j, "c");
	agc_json_obj_end(&j);
	agc_json_arr_end(&j);
	agc_json_obj_end(&j);
	cap_check(&c, "{\n  \"a\": 1,\n  \"b\": [\n    \"x\",\n    {},\n    [],\n"
		      "    {\n      \"c\": null\n    }\n  ]\n}");
	/* The setting is taken at init: this writer is compact again. */
	agc_json_init(&j, cap_open(&c));
	agc_json_obj_begin(&j, NULL);
	agc_json_u64(&j, "a", 1);
	agc_json_obj_end(&j);
	cap_check(&c, "{\"a\":1}");
}

/* ---- formatting ---------------------------------------------------- */

static void test_format(void **state)
{
	uint8_t v4[4] = { 192, 0, 2, 1 }, v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	char b[AGC_ENDPOINT_LEN];

	(void)state;
	assert_string_equal(agc_fmt_age(b, sizeof(b), 0), "0ms");
	assert_string_equal(agc_fmt_age(b, sizeof(b), 999), "999ms");
	assert_string_equal(agc_fmt_age(b, sizeof(b), 1000), "1.0s");
	assert_string_equal(agc_fmt_age(b, sizeof(b), 12345), "12.3s");
	assert_string_equal(agc_fmt_age(b, sizeof(b), 59999), "59.9s");
	assert_string_equal(agc_fmt_age(b, sizeof(b), 60000), "1m00s");
	assert_string_equal(agc_fmt_age(b, sizeof(b), 3599999), "59m59s");
	assert_string_equal(agc_fmt_age(b, sizeof(b), 3600000), "1h00m");
	assert_string_equal(agc_fmt_age(b, sizeof(b), 86399999), "23h59m");
	assert_string_equal(agc_fmt_age(b, sizeof(b), 86400000), "1d00h");
	assert_string_equal(agc_fmt_age(b, sizeof(b), 400 * 86400000ULL),
			    "400d00h");
	assert_string_equal(agc_fmt_ms(b, sizeof(b), 0), "0ms");
	assert_string_equal(agc_fmt_ms(b, sizeof(b), 1), "1ms");
	assert_string_equal(agc_fmt_ms(b, sizeof(b), 1500), "1500ms");
	assert_string_equal(agc_fmt_ms(b, sizeof(b), 60000), "60s");
	assert_string_equal(agc_fmt_endpoint(b, sizeof(b), AF_INET, v4, 0),
			    "192.0.2.1:0");
	assert_string_equal(agc_fmt_endpoint(b, sizeof(b), AF_INET6, v6,
					     65535), "[2001:db8::]:65535");
	assert_string_equal(agc_fmt_endpoint(b, sizeof(b), 99, v6, 1), "?:1");
	assert_string_equal(agc_state_name(1), "ESTAB");
	assert_string_equal(agc_state_name(12), "SYN-RECV");
	assert_string_equal(agc_state_name(0), "UNKNOWN");
	assert_string_equal(agc_state_name(200), "UNKNOWN");
	assert_string_equal(agc_reason_name(ACKGUARD_REASON_FINWAIT2),
			    "finwait2");
	assert_null(agc_reason_name(ACKGUARD_REASON_COUNT));
}

/* ---- model: filter, sort, deltas ----------------------------------- */

static void test_filter_match(void **state)
{
	struct agc_filter f = { 0 };
	const struct agc_flow *v4 = &sample_flows[0], *v6 = &sample_flows[1];

	(void)state;
	assert_true(agc_filter_match(&f, v4));
	f.have = AGC_BIT(ACKGUARD_FLT_FAMILY);
	f.family = AF_INET6;
	assert_false(agc_filter_match(&f, v4));
	assert_true(agc_filter_match(&f, v6));

	f.have = AGC_BIT(ACKGUARD_FLT_ADDR) | AGC_BIT(ACKGUARD_FLT_PREFIX_LEN);
	f.addr_len = 4;
	inet_pton(AF_INET, "192.0.2.0", f.addr);	/* the remote end */
	f.prefix_len = 24;
	assert_true(agc_filter_match(&f, v4));
	assert_false(agc_filter_match(&f, v6));
	f.prefix_len = 31;
	assert_false(agc_filter_match(&f, v4));
	f.have = AGC_BIT(ACKGUARD_FLT_ADDR);	/* full length */
	inet_pton(AF_INET, "10.0.0.1", f.addr);
	assert_true(agc_filter_match(&f, v4));

	f.have = AGC_BIT(ACKGUARD_FLT_PORT);
	f.port = 51234;
	assert_true(agc_filter_match(&f, v4));
	f.port = 443;
	assert_false(agc_filter_match(&f, v4));
	assert_true(agc_filter_match(&f, v6));

	f.have = AGC_BIT(ACKGUARD_FLT_REASON);
	f.reason = ACKGUARD_REASON_SEQ;
	assert_true(agc_filter_match(&f, v4));
	assert_false(agc_filter_match(&f, v6));

	f.have = AGC_BIT(ACKGUARD_FLT_MIN_RATE);
	f.min_rate = 1200;
	assert_true(agc_filter_match(&f, v4));
	f.min_rate = 1201;
	assert_false(agc_filter_match(&f, v4));
}

static void test_flow_overlimit(void **state)
{
	struct agc_flow f = sample_flows[0];
	struct capture c;
	uint64_t v = 42;

	(void)state;
	/* FLOW_OVERLIMIT, not a sum over the reasons (which have none) */
	assert_true(agc_flow_overlimit(&f, &v));
	assert_int_equal(v, 100005);
	assert_false(agc_flow_sum(&f, ACKGUARD_RSN_OVERLIMIT, &v));
	/* FLOW_OVERLIMIT wins over per-reason values, had a module both */
	f.reason[ACKGUARD_REASON_SEQ].have |= AGC_BIT(ACKGUARD_RSN_OVERLIMIT);
	f.reason[ACKGUARD_REASON_SEQ].v[ACKGUARD_RSN_OVERLIMIT] = 7;
	assert_true(agc_flow_overlimit(&f, &v));
	assert_int_equal(v, 100005);
	/* an older module: the sum of its per-reason values */
	f.have &= ~AGC_BIT(ACKGUARD_FLOW_OVERLIMIT);
	assert_true(agc_flow_overlimit(&f, &v));
	assert_int_equal(v, 7);
	assert_true(agc_flow_overlimit(&sample_flows[2], &v));
	assert_int_equal(v, 1);
	/* neither: no value, and no "overlimit" key at all */
	f.reason[ACKGUARD_REASON_SEQ].have &= ~AGC_BIT(ACKGUARD_RSN_OVERLIMIT);
	assert_false(agc_flow_overlimit(&f, &v));
	f.have &= ~AGC_BIT(ACKGUARD_FLOW_STATE);
	f.reason[ACKGUARD_REASON_PAWS] = (struct agc_rsn){ 0 };
	agc_flows_json(cap_open(&c), &f, 1);
	cap_check(&c, "[{\"family\":\"inet\",\"local_addr\":\"10.0.0.1\","
		      "\"local_port\":22,\"remote_addr\":\"192.0.2.7\","
		      "\"remote_port\":51234,\"rate\":1200,\"age_ms\":65000,"
		      "\"idle_ms\":20,\"storm\":true,\"seen\":10,\"passed\":10,"
		      "\"dropped\":0,\"reasons\":{\"seq\":{\"seen\":10,"
		      "\"passed\":10,\"dropped\":0}}}]\n");
}

static void test_sort(void **state)
{
	struct agc_flow v[4];

	(void)state;
	memcpy(v, sample_flows, sizeof(sample_flows));
	v[3] = sample_flows[1];
	v[3].local_port = 1;		/* tie with v[1] on rate */
	agc_flows_sort(v, 4, AGC_SORT_RATE);
	assert_int_equal(v[0].rate, 1200);
	assert_int_equal(v[1].local_port, 443);	/* ties keep their order */
	assert_int_equal(v[2].local_port, 1);
	assert_int_equal(v[3].rate, 0);
	agc_flows_sort(v, 4, AGC_SORT_SEEN);
	assert_int_equal(v[0].local_port, 22);
	assert_int_equal(v[1].local_port, 443);
	assert_int_equal(v[2].local_port, 1);
	assert_int_equal(v[3].local_port, 80);
	agc_flows_sort(v, 4, AGC_SORT_DROPPED);
	assert_int_equal(v[0].local_port, 22);
	assert_int_equal(v[1].local_port, 80);
	agc_flows_sort(v, 4, AGC_SORT_NONE);
	assert_int_equal(v[0].local_port, 22);
}

static void test_delta(void **state)
{
	struct agc_sample a = { 0 }, b = { 0 };
	struct agc_watch_frame w = { 0 };
	struct agc_rsn *ra = &a.ctr.reason[ACKGUARD_REASON_PAWS];
	struct agc_rsn *rb = &b.ctr.reason[ACKGUARD_REASON_PAWS];

	(void)state;
	a.mono = 10.0;
	b.mono = 12.0;
	a.ctr.have = b.ctr.have = AGC_BIT(ACKGUARD_CTR_FLOWS_CREATED) |
				  AGC_BIT(ACKGUARD_CTR_FLOWS_ACTIVE);
	b.ctr.have |= AGC_BIT(ACKGUARD_CTR_STORMS);	/* only in one */
	a.ctr.v[ACKGUARD_CTR_FLOWS_CREATED] = 100;
	b.ctr.v[ACKGUARD_CTR_FLOWS_CREATED] = 104;
	a.ctr.v[ACKGUARD_CTR_FLOWS_ACTIVE] = 50;
	b.ctr.v[ACKGUARD_CTR_FLOWS_ACTIVE] = 7;
	ra->have = rb->have = AGC_BIT(ACKGUARD_RSN_SEEN) |
			      AGC_BIT(ACKGUARD_RSN_DROPPED);
	ra->v[ACKGUARD_RSN_SEEN] = 1000;
	rb->v[ACKGUARD_RSN_SEEN] = 3000;
	ra->v[ACKGUARD_RSN_DROPPED] = 500;
	rb->v[ACKGUARD_RSN_DROPPED] = 40;	/* went back: a reset */
	a.ns.have = b.ns.have = AGC_BIT(AGC_NS_PAWS_ESTAB);
	a.ns.v[AGC_NS_PAWS_ESTAB] = 1;
	b.ns.v[AGC_NS_PAWS_ESTAB] = 9;

	agc_watch_delta(&a, &b, &w);
	assert_true(w.elapsed == 2.0);
	assert_int_equal(w.ctr_have, a.ctr.have);
	assert_true(w.ctr[ACKGUARD_CTR_FLOWS_CREATED] == 2.0);
	assert_true(w.ctr[ACKGUARD_CTR_FLOWS_ACTIVE] == 7.0);	/* gauge */
	assert_int_equal(w.rsn[ACKGUARD_REASON_PAWS].have,
			 AGC_BIT(ACKGUARD_RSN_SEEN) |
			 AGC_BIT(ACKGUARD_RSN_PASSED) |
			 AGC_BIT(ACKGUARD_RSN_DROPPED));
	assert_true(w.rsn[ACKGUARD_REASON_PAWS].v[ACKGUARD_RSN_SEEN] == 1000.0);
	assert_true(w.rsn[ACKGUARD_REASON_PAWS].v[ACKGUARD_RSN_DROPPED] == 20.0);
	/* passed = seen - dropped: 500 -> 2960 */
	assert_true(w.rsn[ACKGUARD_REASON_PAWS].v[ACKGUARD_RSN_PASSED] == 1230.0);
	assert_int_equal(w.rsn[ACKGUARD_REASON_SEQ].have, 0);
	assert_true(w.ns[AGC_NS_PAWS_ESTAB] == 4.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_show_text),
		cmocka_unit_test(test_show_text_partial),
		cmocka_unit_test(test_stats_text),
		cmocka_unit_test(test_flows_text),
		cmocka_unit_test(test_event_text),
		cmocka_unit_test(test_watch_text),
		cmocka_unit_test(test_show_json),
		cmocka_unit_test(test_flows_json),
		cmocka_unit_test(test_event_json),
		cmocka_unit_test(test_watch_json),
		cmocka_unit_test(test_json_writer),
		cmocka_unit_test(test_prom),
		cmocka_unit_test(test_prom_kernel),
		cmocka_unit_test(test_limiter_note),
		cmocka_unit_test(test_kernel_probe),
		cmocka_unit_test(test_flows_dump),
		cmocka_unit_test(test_json_pretty),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_filter_match),
		cmocka_unit_test(test_flow_overlimit),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_delta),
	};

	return cmocka_run_group_tests_name("print", tests, setup, NULL);
}
