// SPDX-License-Identifier: GPL-2.0
/* ackguardctl unit tests: value and argument parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "netstat.h"
#include "parse.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
/* Runs parser fn on a word list; evaluates to its return value. */
#define PARSE(fn, out, e, ...) fn(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), out, e)

static void expect_msg(const struct agc_err *e, const char *needle)
{
	if (!strstr(e->msg, needle))
		fail_msg("error \"%s\" lacks \"%s\"", e->msg, needle);
}

/* ---- durations ---------------------------------------------------- */

static uint64_t dur_ok(const char *s, uint64_t bare, uint64_t min, uint64_t max)
{
	struct agc_err e = { "" };
	uint64_t v = 0;

	if (agc_parse_duration(s, bare, min, max, &v, &e))
		fail_msg("\"%s\" rejected: %s", s, e.msg);
	return v;
}

static void dur_bad(const char *s, const char *why)
{
	struct agc_err e = { "" };
	uint64_t v = 12345;

	if (!agc_parse_duration(s, 1, 1, 60000, &v, &e))
		fail_msg("\"%s\" accepted as %llu", s, (unsigned long long)v);
	assert_int_equal(v, 12345);
	expect_msg(&e, why);
}

static void test_duration_ok(void **state)
{
	(void)state;
	assert_int_equal(dur_ok("500ms", 1, 1, 60000), 500);
	assert_int_equal(dur_ok("1s", 1, 1, 60000), 1000);
	assert_int_equal(dur_ok("2m", 1, 1, 3600000), 120000);
	assert_int_equal(dur_ok("1h", 1, 1, 3600000), 3600000);
	assert_int_equal(dur_ok("1d", 1000, 1000, 86400000), 86400000);
	assert_int_equal(dur_ok("1.5s", 1, 1, 60000), 1500);
	assert_int_equal(dur_ok("0.001s", 1, 1, 60000), 1);
	assert_int_equal(dur_ok("1.0000000000s", 1, 1, 60000), 1000);
	assert_int_equal(dur_ok("007ms", 1, 1, 60000), 7);
	/* bare numbers take the caller's unit */
	assert_int_equal(dur_ok("250", 1, 1, 60000), 250);
	assert_int_equal(dur_ok("30", 1000, 1000, 86400000), 30000);
	assert_int_equal(dur_ok("0.5", 1000, 100, 3600000), 500);
	/* range edges */
	assert_int_equal(dur_ok("1ms", 1, 1, 60000), 1);
	assert_int_equal(dur_ok("60s", 1, 1, 60000), 60000);
	assert_int_equal(dur_ok("1m", 1, 1, 60000), 60000);
}

static void test_duration_bad(void **state)
{
	(void)state;
	dur_bad("0", "out of range (1ms..60s)");
	dur_bad("0ms", "out of range");
	dur_bad("-1", "negative");
	dur_bad("-1s", "negative");
	dur_bad("99999999999999999999", "out of range");
	dur_bad("18446744073709551615d", "out of range");
	dur_bad("61s", "out of range (1ms..60s)");
	dur_bad("60001", "out of range");
	dur_bad("5parsecs", "unknown unit \"parsecs\"");
	dur_bad("1S", "unknown unit \"S\"");
	dur_bad("1 s", "unknown unit \" s\"");
	dur_bad("", "empty");
	dur_bad("s", "not a duration");
	dur_bad("1.", "not a duration");
	dur_bad(".5s", "not a duration");
	dur_bad(" 1s", "not a duration");
	dur_bad("+1s", "not a duration");
	dur_bad("1e3", "unknown unit \"e3\"");
	dur_bad("0x10", "unknown unit");
	dur_bad("1.5ms", "whole number of milliseconds");
	dur_bad("1.0000000001s", "whole number of milliseconds");
}

/* ---- integers ----------------------------------------------------- */

static void test_u64(void **state)
{
	struct agc_err e;
	uint64_t v;

	(void)state;
	assert_int_equal(agc_parse_u64("0", 0, 10, &v, &e), 0);
	assert_int_equal(v, 0);
	assert_int_equal(agc_parse_u64("10000", 1, 10000, &v, &e), 0);
	assert_int_equal(v, 10000);
	assert_int_equal(agc_parse_u64("007", 1, 10, &v, &e), 0);
	assert_int_equal(v, 7);
	assert_int_equal(agc_parse_u64("18446744073709551615", 0, UINT64_MAX,
				       &v, &e), 0);
	assert_true(v == UINT64_MAX);

	assert_int_equal(agc_parse_u64("10001", 1, 10000, &v, &e), -1);
	expect_msg(&e, "out of range (1..10000)");
	assert_int_equal(agc_parse_u64("0", 1, 10000, &v, &e), -1);
	expect_msg(&e, "out of range");
	assert_int_equal(agc_parse_u64("18446744073709551616", 0, UINT64_MAX,
				       &v, &e), -1);
	expect_msg(&e, "out of range");
	assert_int_equal(agc_parse_u64("", 0, 10, &v, &e), -1);
	expect_msg(&e, "empty");
	assert_int_equal(agc_parse_u64("-1", 0, 10, &v, &e), -1);
	expect_msg(&e, "negative");
	assert_int_equal(agc_parse_u64("1x", 0, 10, &v, &e), -1);
	expect_msg(&e, "not a number");
	assert_int_equal(agc_parse_u64("0x1", 0, 10, &v, &e), -1);
	assert_int_equal(agc_parse_u64(" 1", 0, 10, &v, &e), -1);
	assert_int_equal(agc_parse_u64("+1", 0, 10, &v, &e), -1);
	assert_int_equal(agc_parse_u64("1.0", 0, 10, &v, &e), -1);
}

/* ---- addresses and prefixes --------------------------------------- */

static void prefix_ok(const char *s, int family, const char *addr,
		      unsigned int len, bool has_len)
{
	struct agc_err e = { "" };
	struct agc_prefix p;
	uint8_t want[16] = { 0 };

	if (agc_parse_prefix(s, &p, &e))
		fail_msg("\"%s\" rejected: %s", s, e.msg);
	assert_int_equal(p.family, family);
	assert_int_equal(inet_pton(family, addr, want), 1);
	assert_memory_equal(p.addr, want, family == AF_INET ? 4 : 16);
	assert_int_equal(p.len, len);
	assert_int_equal(p.has_len, has_len);
}

static void prefix_bad(const char *s, const char *why)
{
	struct agc_err e = { "" };
	struct agc_prefix p;

	if (!agc_parse_prefix(s, &p, &e))
		fail_msg("\"%s\" accepted", s);
	expect_msg(&e, why);
}

static void test_prefix(void **state)
{
	(void)state;
	prefix_ok("10.0.0.1", AF_INET, "10.0.0.1", 32, false);
	prefix_ok("10.1.2.3/8", AF_INET, "10.0.0.0", 8, true);
	prefix_ok("10.255.1.1/12", AF_INET, "10.240.0.0", 12, true);
	prefix_ok("10.1.2.3/0", AF_INET, "0.0.0.0", 0, true);
	prefix_ok("10.1.2.3/32", AF_INET, "10.1.2.3", 32, true);
	prefix_ok("2001:db8::1", AF_INET6, "2001:db8::1", 128, false);
	prefix_ok("2001:db8:ffff::1/32", AF_INET6, "2001:db8::", 32, true);
	prefix_ok("2001:db8::ffff:ffff:ffff:ffff/65", AF_INET6,
		  "2001:db8::8000:0:0:0", 65, true);
	prefix_ok("[::1]", AF_INET6, "::1", 128, false);
	prefix_ok("[fe80::1]/10", AF_INET6, "fe80::", 10, true);
	prefix_ok("::ffff:192.0.2.1", AF_INET6, "::ffff:192.0.2.1", 128, false);

	prefix_bad("", "empty");
	prefix_bad("10.0.0.256", "not an IPv4 or IPv6 address");
	prefix_bad("10.0.0", "not an IPv4 or IPv6 address");
	prefix_bad("foo", "not an IPv4 or IPv6 address");
	prefix_bad("[10.0.0.1]", "not an IPv4 or IPv6 address");
	prefix_bad("[::1", "not an IPv4 or IPv6 address");
	prefix_bad("2001:db8:::1", "not an IPv4 or IPv6 address");
	prefix_bad("10.0.0.1/33", "bad prefix length \"33\"");
	prefix_bad("::1/129", "bad prefix length \"129\"");
	prefix_bad("10.0.0.1/", "bad prefix length \"\"");
	prefix_bad("10.0.0.1/-1", "bad prefix length");
	prefix_bad("10.0.0.1/8/9", "bad prefix length \"8/9\"");
	prefix_bad("10.0.0.1/ 8", "bad prefix length");
	prefix_bad("10.0.0.0/255.0.0.0", "bad prefix length");
}

/* ---- set ------------------------------------------------------------ */

static void test_set_ok(void **state)
{
	struct agc_config c;
	struct agc_err e = { "" };

	(void)state;
	assert_int_equal(PARSE(agc_parse_set_args, &c, &e, "mode", "enforce",
			       "interval", "100ms", "burst", "10", "max-flows",
			       "4194304", "flow-timeout", "2m", "storm-pps",
			       "100000000", "log", "on"), 0);
	assert_int_equal(c.have, AGC_BIT(__ACKGUARD_CFG_MAX) - 2);
	assert_int_equal(c.v[ACKGUARD_CFG_MODE], ACKGUARD_MODE_ENFORCE);
	assert_int_equal(c.v[ACKGUARD_CFG_INTERVAL_MS], 100);
	assert_int_equal(c.v[ACKGUARD_CFG_BURST], 10);
	assert_int_equal(c.v[ACKGUARD_CFG_MAX_FLOWS], 4194304);
	assert_int_equal(c.v[ACKGUARD_CFG_FLOW_TIMEOUT_S], 120);
	assert_int_equal(c.v[ACKGUARD_CFG_STORM_PPS], 100000000);
	assert_int_equal(c.v[ACKGUARD_CFG_LOG], 1);

	/* bare numbers: interval in ms, flow-timeout in s; subsets */
	assert_int_equal(PARSE(agc_parse_set_args, &c, &e, "interval", "250",
			       "flow-timeout", "30", "mode", "off",
			       "log", "off"), 0);
	assert_int_equal(c.have, AGC_BIT(ACKGUARD_CFG_INTERVAL_MS) |
			 AGC_BIT(ACKGUARD_CFG_FLOW_TIMEOUT_S) |
			 AGC_BIT(ACKGUARD_CFG_MODE) | AGC_BIT(ACKGUARD_CFG_LOG));
	assert_int_equal(c.v[ACKGUARD_CFG_INTERVAL_MS], 250);
	assert_int_equal(c.v[ACKGUARD_CFG_FLOW_TIMEOUT_S], 30);
	assert_int_equal(c.v[ACKGUARD_CFG_MODE], ACKGUARD_MODE_OFF);
	assert_int_equal(c.v[ACKGUARD_CFG_LOG], 0);

	assert_int_equal(PARSE(agc_parse_set_args, &c, &e, "interval", "60s",
			       "flow-timeout", "1d", "mode", "monitor"), 0);
	assert_int_equal(c.v[ACKGUARD_CFG_INTERVAL_MS], 60000);
	assert_int_equal(c.v[ACKGUARD_CFG_FLOW_TIMEOUT_S], 86400);
	assert_int_equal(c.v[ACKGUARD_CFG_MODE], ACKGUARD_MODE_MONITOR);
}

static void set_bad(int argc, char **argv, const char *why)
{
	struct agc_config c;
	struct agc_err e = { "" };

	if (!agc_parse_set_args(argc, argv, &c, &e))
		fail_msg("set %s... accepted", argc ? argv[0] : "");
	expect_msg(&e, why);
}

#define SET_BAD(why, ...) set_bad(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), why)

static void test_set_bad(void **state)
{
	(void)state;
	set_bad(0, ARGV(NULL), "nothing to set");
	SET_BAD("unknown key \"bogus\"", "bogus", "1");
	SET_BAD("missing value for \"burst\"", "mode", "off", "burst");
	SET_BAD("key \"burst\" given twice", "burst", "1", "burst", "2");
	SET_BAD("invalid mode \"drop\": use off, monitor or enforce",
		"mode", "drop");
	SET_BAD("invalid log \"yes\"", "log", "yes");
	SET_BAD("invalid burst \"0\": out of range (1..10000)", "burst", "0");
	SET_BAD("invalid burst \"10001\"", "burst", "10001");
	SET_BAD("invalid max-flows \"4194305\"", "max-flows", "4194305");
	SET_BAD("invalid storm-pps \"0\"", "storm-pps", "0");
	SET_BAD("invalid storm-pps \"100000001\"", "storm-pps", "100000001");
	SET_BAD("invalid interval \"0\": out of range (1ms..60s)",
		"interval", "0");
	SET_BAD("invalid interval \"61s\"", "interval", "61s");
	SET_BAD("invalid interval \"5parsecs\": unknown unit \"parsecs\"",
		"interval", "5parsecs");
	SET_BAD("invalid flow-timeout \"0\": out of range (1s..86400s)",
		"flow-timeout", "0");
	SET_BAD("invalid flow-timeout \"1500ms\": not a whole number of "
		"seconds", "flow-timeout", "1500ms");
	SET_BAD("invalid flow-timeout \"86401\"", "flow-timeout", "86401");
	SET_BAD("invalid burst \"\": empty value", "burst", "");
	SET_BAD("invalid burst \"-1\"", "burst", "-1");
}

/* ---- flows filter --------------------------------------------------- */

static void test_flows_ok(void **state)
{
	const uint8_t net10[4] = { 10, 0, 0, 0 };
	struct agc_flows_opts o;
	struct agc_err e = { "" };

	(void)state;
	assert_int_equal(agc_parse_flows_args(0, ARGV(NULL), &o, &e), 0);
	assert_int_equal(o.flt.have, 0);
	assert_int_equal(o.sort, AGC_SORT_NONE);
	assert_int_equal(o.top, 0);

	assert_int_equal(PARSE(agc_parse_flows_args, &o, &e, "family", "inet",
			       "addr", "10.1.2.3/8", "port", "22", "reason",
			       "timewait", "min-rate", "100", "--sort",
			       "dropped", "--top", "5"), 0);
	assert_int_equal(o.flt.have, AGC_BIT(ACKGUARD_FLT_FAMILY) |
			 AGC_BIT(ACKGUARD_FLT_ADDR) |
			 AGC_BIT(ACKGUARD_FLT_PREFIX_LEN) |
			 AGC_BIT(ACKGUARD_FLT_PORT) |
			 AGC_BIT(ACKGUARD_FLT_REASON) |
			 AGC_BIT(ACKGUARD_FLT_MIN_RATE));
	assert_int_equal(o.flt.family, AF_INET);
	assert_int_equal(o.flt.addr_len, 4);
	assert_memory_equal(o.flt.addr, net10, 4);
	assert_int_equal(o.flt.prefix_len, 8);
	assert_int_equal(o.flt.port, 22);
	assert_int_equal(o.flt.reason, ACKGUARD_REASON_TIMEWAIT);
	assert_int_equal(o.flt.min_rate, 100);
	assert_int_equal(o.sort, AGC_SORT_DROPPED);
	assert_int_equal(o.top, 5);

	/* a plain address sends no prefix length; --top sorts by rate */
	assert_int_equal(PARSE(agc_parse_flows_args, &o, &e, "addr",
			       "2001:db8::1", "--top", "3"), 0);
	assert_int_equal(o.flt.have, AGC_BIT(ACKGUARD_FLT_ADDR));
	assert_int_equal(o.flt.addr_len, 16);
	assert_int_equal(o.sort, AGC_SORT_RATE);

	assert_int_equal(PARSE(agc_parse_flows_args, &o, &e, "family", "inet6",
			       "addr", "::1", "--sort", "seen", "min-rate",
			       "0", "port", "65535"), 0);
	assert_int_equal(o.flt.family, AF_INET6);
	assert_int_equal(o.sort, AGC_SORT_SEEN);
	assert_int_equal(o.top, 0);
	assert_int_equal(o.flt.port, 65535);
}

static void flows_bad(int argc, char **argv, const char *why)
{
	struct agc_flows_opts o;
	struct agc_err e = { "" };

	if (!agc_parse_flows_args(argc, argv, &o, &e))
		fail_msg("flows %s... accepted", argv[0]);
	expect_msg(&e, why);
}

#define FLOWS_BAD(why, ...) flows_bad(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), why)

static void test_flows_bad(void **state)
{
	(void)state;
	FLOWS_BAD("unknown word \"bogus\"", "bogus");
	FLOWS_BAD("unknown word \"bogus\"", "bogus", "1");
	FLOWS_BAD("unknown word \"-j2\"", "port", "22", "-j2", "x");
	FLOWS_BAD("missing value after \"port\"", "port");
	FLOWS_BAD("missing value after \"--top\"", "family", "inet", "--top");
	FLOWS_BAD("invalid family \"ipv4\": use inet or inet6",
		  "family", "ipv4");
	FLOWS_BAD("invalid addr \"10.0.0.1/33\"", "addr", "10.0.0.1/33");
	FLOWS_BAD("invalid addr \"host\": not an IPv4 or IPv6 address",
		  "addr", "host");
	FLOWS_BAD("invalid port \"0\"", "port", "0");
	FLOWS_BAD("invalid port \"65536\"", "port", "65536");
	FLOWS_BAD("invalid port \"ssh\"", "port", "ssh");
	FLOWS_BAD("invalid reason \"rst\"", "reason", "rst");
	FLOWS_BAD("invalid min-rate \"-5\"", "min-rate", "-5");
	FLOWS_BAD("invalid min-rate \"4294967296\"", "min-rate", "4294967296");
	FLOWS_BAD("invalid --sort \"age\"", "--sort", "age");
	FLOWS_BAD("invalid --top \"0\"", "--top", "0");
	FLOWS_BAD("\"port\" given twice", "port", "1", "port", "2");
	FLOWS_BAD("addr \"10.0.0.1\" is not an inet6 address",
		  "family", "inet6", "addr", "10.0.0.1");
	FLOWS_BAD("addr \"::1\" is not an inet address",
		  "addr", "::1", "family", "inet");
}

/* ---- watch, monitor, stats ------------------------------------------ */

static void test_other_args(void **state)
{
	struct agc_watch_opts w;
	struct agc_monitor_opts m;
	enum agc_output out = AGC_OUT_TEXT;
	struct agc_err e = { "" };

	(void)state;
	assert_int_equal(agc_parse_watch_args(0, ARGV(NULL), &w, &e), 0);
	assert_int_equal(w.interval_ms, 1000);
	assert_int_equal(w.count, 0);
	assert_int_equal(PARSE(agc_parse_watch_args, &w, &e, "--interval", "2",
			       "--count", "3"), 0);
	assert_int_equal(w.interval_ms, 2000);
	assert_int_equal(w.count, 3);
	assert_int_equal(PARSE(agc_parse_watch_args, &w, &e, "--interval",
			       "500ms"), 0);
	assert_int_equal(w.interval_ms, 500);
	assert_int_equal(PARSE(agc_parse_watch_args, &w, &e, "--interval",
			       "10ms"), -1);
	expect_msg(&e, "invalid --interval \"10ms\": out of range");
	assert_int_equal(PARSE(agc_parse_watch_args, &w, &e, "--count"), -1);
	expect_msg(&e, "missing value after \"--count\"");
	assert_int_equal(PARSE(agc_parse_watch_args, &w, &e, "-n", "1"), -1);
	expect_msg(&e, "unknown word \"-n\"");

	assert_int_equal(agc_parse_monitor_args(0, ARGV(NULL), &m, &e), 0);
	assert_int_equal(m.count, 0);
	assert_int_equal(m.timeout_ms, 0);
	assert_int_equal(PARSE(agc_parse_monitor_args, &m, &e, "--count", "1",
			       "--timeout", "1.5"), 0);
	assert_int_equal(m.count, 1);
	assert_int_equal(m.timeout_ms, 1500);
	assert_int_equal(PARSE(agc_parse_monitor_args, &m, &e, "--count",
			       "0"), -1);
	expect_msg(&e, "invalid --count \"0\"");
	assert_int_equal(PARSE(agc_parse_monitor_args, &m, &e, "--timeout",
			       "soon"), -1);
	expect_msg(&e, "invalid --timeout \"soon\"");

	assert_int_equal(PARSE(agc_parse_stats_args, &out, &e, "-o",
			       "prometheus"), 0);
	assert_int_equal(out, AGC_OUT_PROM);
	assert_int_equal(PARSE(agc_parse_stats_args, &out, &e, "--output",
			       "json"), 0);
	assert_int_equal(out, AGC_OUT_JSON);
	assert_int_equal(PARSE(agc_parse_stats_args, &out, &e, "-o", "prom"), 0);
	assert_int_equal(out, AGC_OUT_PROM);
	assert_int_equal(PARSE(agc_parse_stats_args, &out, &e, "-o", "xml"), -1);
	expect_msg(&e, "invalid -o \"xml\"");
	assert_int_equal(PARSE(agc_parse_stats_args, &out, &e, "-o"), -1);
	expect_msg(&e, "missing value after \"-o\"");
}

/* ---- /proc/net/netstat ---------------------------------------------- */

static void test_netstat(void **state)
{
	static const char text[] =
		"TcpExt: SyncookiesSent PAWSEstab TCPACKSkippedSynRecv "
		"TCPACKSkippedPAWS TCPACKSkippedSeq TCPACKSkippedFinWait2 "
		"TCPACKSkippedTimeWait TCPACKSkippedChallenge\n"
		"TcpExt: 0 17 1 2 3 4 5 18446744073709551615\n"
		"IpExt: InNoRoutes PAWSEstab\n"
		"IpExt: 0 99\n";
	struct agc_netstat ns;
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	(void)state;
	assert_non_null(f);
	assert_int_equal(agc_netstat_parse(f, &ns), 0);
	fclose(f);
	assert_int_equal(ns.have, AGC_BIT(AGC_NS_COUNT) - 1);
	assert_int_equal(ns.v[AGC_NS_PAWS_ESTAB], 17);
	assert_int_equal(ns.v[AGC_NS_SKIP_SYNRECV], 1);
	assert_int_equal(ns.v[AGC_NS_SKIP_PAWS], 2);
	assert_int_equal(ns.v[AGC_NS_SKIP_SEQ], 3);
	assert_int_equal(ns.v[AGC_NS_SKIP_FINWAIT2], 4);
	assert_int_equal(ns.v[AGC_NS_SKIP_TIMEWAIT], 5);
	assert_true(ns.v[AGC_NS_SKIP_CHALLENGE] == UINT64_MAX);

	f = fmemopen((void *)"Ip: Forwarding\nIp: 1\n", 21, "r");
	assert_non_null(f);
	assert_int_equal(agc_netstat_parse(f, &ns), -1);
	fclose(f);
	assert_int_equal(ns.have, 0);

	/* the running kernel has these counters since Linux 4.0 */
	if (agc_netstat_read(&ns) == 0)
		assert_true(ns.have & AGC_BIT(AGC_NS_PAWS_ESTAB));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_ok),
		cmocka_unit_test(test_duration_bad),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_set_ok),
		cmocka_unit_test(test_set_bad),
		cmocka_unit_test(test_flows_ok),
		cmocka_unit_test(test_flows_bad),
		cmocka_unit_test(test_other_args),
		cmocka_unit_test(test_netstat),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
