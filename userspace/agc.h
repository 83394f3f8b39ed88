/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguardctl: the plain C data model shared by the netlink layer (which
 * fills it), the parsers (which fill requests) and the printers (which only
 * read it). Nothing here depends on libnl, so printers are testable alone.
 *
 * Values are indexed by the uapi attribute numbers; "have" is a bit mask
 * of AGC_BIT(attr) for every attribute the kernel actually sent, so
 * printers can leave out what an older or newer module did not report.
 */
#ifndef AGC_H
#define AGC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../module/uapi/ackguard.h"

#define AGC_BIT(attr)	(1u << (attr))
#define AGC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes of the tool. */
enum {
	AGC_EXIT_OK = 0,
	AGC_EXIT_USAGE = 1,	/* bad command line */
	AGC_EXIT_FAIL = 2,	/* kernel or system error */
};

/* A human-readable error, filled by parsers and by the netlink layer. */
struct agc_err {
	char msg[512];
};

void agc_err_set(struct agc_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void agc_err_prefix(struct agc_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Configuration: v[] indexed by ACKGUARD_CFG_*. */
struct agc_config {
	uint32_t have;
	uint32_t v[__ACKGUARD_CFG_MAX];
};

/*
 * Per-reason counters: v[] indexed by ACKGUARD_RSN_SEEN..OVERLIMIT. A
 * flow's have no OVERLIMIT (see agc_flow_overlimit()).
 */
struct agc_rsn {
	uint32_t have;
	uint64_t v[__ACKGUARD_RSN_MAX];
};

/* Namespace counters: v[] indexed by ACKGUARD_CTR_* (scalars only). */
struct agc_counters {
	uint32_t have;
	uint64_t v[__ACKGUARD_CTR_MAX];
	struct agc_rsn reason[ACKGUARD_REASON_COUNT];
};

/* One tracked flow, as dumped by GET_FLOWS or carried by storm events. */
struct agc_flow {
	uint32_t have;			/* AGC_BIT(ACKGUARD_FLOW_*) */
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t local[16];
	uint8_t remote[16];
	uint16_t local_port;
	uint16_t remote_port;
	uint8_t state;			/* TCP state, include/net/tcp_states.h */
	bool storm;
	uint32_t rate;			/* classified segments/s, last 1 s */
	uint64_t age_ms;
	uint64_t idle_ms;
	uint64_t overlimit;		/* all reasons together */
	struct agc_rsn reason[ACKGUARD_REASON_COUNT];
};

struct agc_flow_list {
	struct agc_flow *v;
	size_t n;
	size_t cap;
};

/* GET_FLOWS filter: "have" holds AGC_BIT(ACKGUARD_FLT_*). */
struct agc_filter {
	uint32_t have;
	uint8_t family;
	uint8_t addr[16];
	uint8_t addr_len;		/* 4 or 16 */
	uint8_t prefix_len;
	uint16_t port;
	uint8_t reason;
	uint32_t min_rate;
};

enum agc_sort {
	AGC_SORT_NONE,
	AGC_SORT_RATE,
	AGC_SORT_DROPPED,
	AGC_SORT_SEEN,
};

struct agc_flows_opts {
	struct agc_filter flt;
	enum agc_sort sort;
	uint32_t top;			/* 0: all */
};

/* TcpExt counters read from /proc/net/netstat. */
enum agc_ns {
	AGC_NS_PAWS_ESTAB,
	AGC_NS_SKIP_PAWS,
	AGC_NS_SKIP_SEQ,
	AGC_NS_SKIP_CHALLENGE,
	AGC_NS_SKIP_SYNRECV,
	AGC_NS_SKIP_FINWAIT2,
	AGC_NS_SKIP_TIMEWAIT,
	AGC_NS_COUNT,
};

struct agc_netstat {
	uint32_t have;			/* AGC_BIT(enum agc_ns) */
	uint64_t v[AGC_NS_COUNT];
};

/* One watch sample: what the per-second changes are computed from. */
struct agc_sample {
	struct agc_counters ctr;
	struct agc_netstat ns;
	double mono;			/* CLOCK_MONOTONIC, seconds */
};

struct agc_rsn_rate {
	uint32_t have;
	double v[__ACKGUARD_RSN_MAX];
};

/* One watch refresh, filled by agc_watch_delta() and the watch loop. */
struct agc_watch_frame {
	uint64_t refresh;		/* 1, 2, ... */
	double elapsed;			/* seconds between the two samples */
	struct timespec now;		/* wall clock of the later sample */
	uint32_t ctr_have;
	double ctr[__ACKGUARD_CTR_MAX];	/* per second; gauges: current */
	struct agc_rsn_rate rsn[ACKGUARD_REASON_COUNT];
	uint32_t ns_have;
	double ns[AGC_NS_COUNT];	/* per second */
	const struct agc_flow *top;	/* highest rate first */
	size_t ntop;
	bool flows_ok;			/* false: flows could not be listed */
};

/*
 * The kernel's own limit on answers to invalid segments in the namespace:
 * net.ipv4.tcp_invalid_ratelimit (Linux 4.0+), one answer per N ms per
 * socket, 0 = none. What ackguard adds depends on it and on ackguard's mode.
 */
enum agc_limiter {
	AGC_LIMITER_UNKNOWN,		/* the sysctl could not be read */
	AGC_LIMITER_ABSENT,		/* no such sysctl: a kernel before 4.0 */
	AGC_LIMITER_OFF,		/* 0: every invalid segment answered */
	AGC_LIMITER_ON,
};

struct agc_kernel {
	enum agc_limiter limiter;
	uint32_t ratelimit_ms;		/* AGC_LIMITER_OFF (0) and _ON */
	char release[65];		/* uname -r */
	const char *version;		/* ackguardctl's */
	char why[128];			/* AGC_LIMITER_UNKNOWN: the error */
};

/* kernel.c: reads the sysctl file at path (and uname); never fails. */
void agc_kernel_probe(struct agc_kernel *k, const char *path);
/* "absent", "off", "on", "unknown" */
const char *agc_limiter_name(enum agc_limiter l);
/* One sentence: what the kernel's limiter and ackguard's mode (NULL:
 * not known) mean together. */
const char *agc_limiter_note(char *buf, size_t len,
			     const struct agc_kernel *k, const char *mode);
/* sysctl.c (a fake in the unit tests): the namespace's values. */
void agc_kernel_read(struct agc_kernel *k);

/* delta.c: rates between two samples (refresh, now, top: caller's). */
void agc_watch_delta(const struct agc_sample *prev,
		     const struct agc_sample *cur, struct agc_watch_frame *w);

/* ------------------------------------------------------------------ */
/* model.c: names and metadata tables, flow helpers                    */

enum agc_cfg_kind {
	AGC_CFG_MODE,			/* off | monitor | enforce */
	AGC_CFG_ONOFF,			/* on | off */
	AGC_CFG_MS,			/* duration in ms, bare number = ms */
	AGC_CFG_SEC,			/* duration in s, bare number = s */
	AGC_CFG_UINT,			/* plain integer */
};

struct agc_cfg_info {
	uint8_t attr;			/* ACKGUARD_CFG_* */
	uint8_t bits;			/* 8 or 32: netlink attribute width */
	enum agc_cfg_kind kind;
	uint32_t min, max;		/* in the attribute's unit */
	const char *key;		/* "flow-timeout": set key, text */
	const char *json;		/* "flow_timeout_s" */
	const char *prom;		/* metric name, NULL if none */
	const char *help;
};

struct agc_ctr_info {
	uint8_t attr;			/* ACKGUARD_CTR_* */
	bool gauge;
	const char *text;		/* "flows-created" */
	const char *json;		/* "flows_created" */
	const char *prom;		/* "ackguard_flows_created_total" */
	const char *help;
};

struct agc_rsn_info {
	uint8_t attr;			/* ACKGUARD_RSN_* */
	const char *name;		/* "seen" */
	const char *prom;
	const char *help;
};

extern const struct agc_cfg_info agc_cfg_infos[];
extern const size_t agc_ncfg;
extern const struct agc_ctr_info agc_ctr_infos[];
extern const size_t agc_nctr;
extern const struct agc_rsn_info agc_rsn_infos[];
extern const size_t agc_nrsn;
extern const char *const agc_ns_names[AGC_NS_COUNT];
extern const char *const agc_mode_names[__ACKGUARD_MODE_MAX];
extern const char *const agc_reason_names[ACKGUARD_REASON_COUNT];

const struct agc_cfg_info *agc_cfg_info_by_key(const char *key);
const char *agc_mode_name(uint32_t mode);	/* "mode-N" never: NULL */
const char *agc_reason_name(unsigned int reason);
const char *agc_state_name(unsigned int state);
const char *agc_family_name(unsigned int family);

/* A flow's or namespace's per-reason value; PASSED falls back to
 * SEEN - DROPPED when the kernel did not report it. */
bool agc_rsn_get(const struct agc_rsn *r, unsigned int attr, uint64_t *out);
/* Sum of one RSN_* value over all reasons; false if no reason has it. */
bool agc_flow_sum(const struct agc_flow *f, unsigned int attr, uint64_t *out);
/* A flow's segments over the limit: FLOW_OVERLIMIT, or from a module that
 * predates it the sum of its per-reason RSN_OVERLIMIT; false if neither. */
bool agc_flow_overlimit(const struct agc_flow *f, uint64_t *out);

/* Client-side check of a dump filter (the kernel applies it too). */
bool agc_filter_match(const struct agc_filter *flt, const struct agc_flow *f);

int agc_flow_list_push(struct agc_flow_list *l, const struct agc_flow *f);
void agc_flow_list_free(struct agc_flow_list *l);
void agc_flows_sort(struct agc_flow *v, size_t n, enum agc_sort sort);

#endif /* AGC_H */
