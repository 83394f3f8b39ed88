/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ackguard: generic netlink ABI shared by ackguard.ko and ackguardctl.
 *
 * Family ACKGUARD_GENL_NAME, version ACKGUARD_GENL_VERSION, network-namespace
 * aware: every request acts on the caller's namespace. Multicast group
 * ACKGUARD_MCGRP_EVENTS carries storm events.
 *
 * Message tree (attribute names without their ACKGUARD_ prefix):
 *
 *   CMD_GET_CONFIG   request: -
 *                    reply:   A_CONFIG { CFG_* }
 *   CMD_SET_CONFIG   request: A_CONFIG { any CFG_* }   (CAP_NET_ADMIN)
 *                    reply:   ack; all attributes are validated before
 *                             any is applied: a rejected request changes
 *                             nothing.
 *   CMD_GET_COUNTERS request: -
 *                    reply:   A_COUNTERS { CTR_* (u64),
 *                                          CTR_REASON { RSN_* } x reasons }
 *   CMD_GET_FLOWS    dump (CAP_NET_ADMIN), request: A_FILTER { FLT_* }
 *                    one message per flow: A_FLOW { FLOW_*,
 *                                          FLOW_REASON { RSN_ID, RSN_SEEN,
 *                                            RSN_PASSED, RSN_DROPPED }
 *                                          x reasons that the flow has
 *                                          seen }
 *                    A flow counts its segments over the limit for all
 *                    reasons together (FLOW_OVERLIMIT), not per reason:
 *                    its FLOW_REASON nests carry no RSN_OVERLIMIT.
 *   CMD_FLUSH_FLOWS  request: -  (CAP_NET_ADMIN); reply: ack
 *   CMD_STORM_START, CMD_STORM_END
 *                    events on ACKGUARD_MCGRP_EVENTS: A_FLOW { FLOW_* };
 *                    a flush ends the storms of the flows it removes.
 *
 * Addresses are in network byte order, 4 bytes for AF_INET and 16 for
 * AF_INET6; ports are host byte order u16. "local" is this host's end of
 * the connection, "remote" the peer that sent the classified segment.
 *
 * The ABI is extended only by appending attributes and commands.
 */
#ifndef _UAPI_LINUX_ACKGUARD_H
#define _UAPI_LINUX_ACKGUARD_H

#define ACKGUARD_GENL_NAME	"ackguard"
#define ACKGUARD_GENL_VERSION	1
#define ACKGUARD_MCGRP_EVENTS	"events"

/* What the module does with segments over a flow's limit. */
enum ackguard_mode {
	ACKGUARD_MODE_OFF,	/* classify nothing, pass everything */
	ACKGUARD_MODE_MONITOR,	/* classify and count, pass everything */
	ACKGUARD_MODE_ENFORCE,	/* drop classified segments over the limit */
	__ACKGUARD_MODE_MAX,
};

#define ACKGUARD_MODE_MAX (__ACKGUARD_MODE_MAX - 1)

/*
 * Why a segment was classified: the path of the kernel's TCP input that
 * would answer it, named after the TcpExt counter upstream Linux (>= 4.0)
 * increments when it suppresses that answer.
 */
enum ackguard_reason {
	ACKGUARD_REASON_PAWS,		/* TCPACKSkippedPAWS */
	ACKGUARD_REASON_SEQ,		/* TCPACKSkippedSeq */
	ACKGUARD_REASON_CHALLENGE,	/* TCPACKSkippedChallenge */
	ACKGUARD_REASON_SYNRECV,	/* TCPACKSkippedSynRecv */
	ACKGUARD_REASON_FINWAIT2,	/* TCPACKSkippedFinWait2 */
	ACKGUARD_REASON_TIMEWAIT,	/* TCPACKSkippedTimeWait */
	__ACKGUARD_REASON_MAX,
};

#define ACKGUARD_REASON_COUNT __ACKGUARD_REASON_MAX

enum ackguard_cmd {
	ACKGUARD_CMD_UNSPEC,
	ACKGUARD_CMD_GET_CONFIG,
	ACKGUARD_CMD_SET_CONFIG,
	ACKGUARD_CMD_GET_COUNTERS,
	ACKGUARD_CMD_GET_FLOWS,
	ACKGUARD_CMD_FLUSH_FLOWS,
	ACKGUARD_CMD_STORM_START,
	ACKGUARD_CMD_STORM_END,
	__ACKGUARD_CMD_MAX,
};

#define ACKGUARD_CMD_MAX (__ACKGUARD_CMD_MAX - 1)

/* Top-level attributes. */
enum ackguard_attr {
	ACKGUARD_A_UNSPEC,
	ACKGUARD_A_CONFIG,	/* nested ackguard_cfg_attr */
	ACKGUARD_A_COUNTERS,	/* nested ackguard_ctr_attr */
	ACKGUARD_A_FLOW,	/* nested ackguard_flow_attr */
	ACKGUARD_A_FILTER,	/* nested ackguard_flt_attr */
	__ACKGUARD_A_MAX,
};

#define ACKGUARD_A_MAX (__ACKGUARD_A_MAX - 1)

/* Per-namespace configuration; ranges are enforced by the kernel policy. */
enum ackguard_cfg_attr {
	ACKGUARD_CFG_UNSPEC,
	ACKGUARD_CFG_MODE,		/* u8, enum ackguard_mode */
	ACKGUARD_CFG_INTERVAL_MS,	/* u32, 1 .. 60000 */
	ACKGUARD_CFG_BURST,		/* u32, 1 .. 10000 */
	ACKGUARD_CFG_MAX_FLOWS,		/* u32, 1 .. 4194304 */
	ACKGUARD_CFG_FLOW_TIMEOUT_S,	/* u32, 1 .. 86400 */
	ACKGUARD_CFG_STORM_PPS,		/* u32, 1 .. 100000000 */
	ACKGUARD_CFG_LOG,		/* u8, 0 or 1: log throttled flows */
	__ACKGUARD_CFG_MAX,
};

#define ACKGUARD_CFG_MAX (__ACKGUARD_CFG_MAX - 1)

/* Namespace counters, all u64 unless noted. */
enum ackguard_ctr_attr {
	ACKGUARD_CTR_UNSPEC,
	ACKGUARD_CTR_FLOWS_CREATED,
	ACKGUARD_CTR_FLOWS_EVICTED,	/* idle flows reclaimed to make room */
	ACKGUARD_CTR_FLOWS_EXPIRED,	/* idle flows removed by GC */
	ACKGUARD_CTR_TABLE_FULL,	/* segments passed untracked: no room */
	ACKGUARD_CTR_MALFORMED,		/* bad TCP header or option list */
	ACKGUARD_CTR_FLOWS_ACTIVE,	/* u32, flows in the table now */
	ACKGUARD_CTR_REASON,		/* nested ackguard_rsn_attr, repeated */
	ACKGUARD_CTR_PAD,
	ACKGUARD_CTR_STORMS,		/* flows that entered a storm */
	__ACKGUARD_CTR_MAX,
};

#define ACKGUARD_CTR_MAX (__ACKGUARD_CTR_MAX - 1)

/*
 * Per-reason counters, used for the namespace (all of them) and for each
 * flow (all but RSN_OVERLIMIT, see FLOW_OVERLIMIT).
 */
enum ackguard_rsn_attr {
	ACKGUARD_RSN_UNSPEC,
	ACKGUARD_RSN_ID,	/* u8, enum ackguard_reason */
	ACKGUARD_RSN_SEEN,	/* u64, classified segments */
	ACKGUARD_RSN_PASSED,	/* u64, passed (within limit, or not enforced) */
	ACKGUARD_RSN_DROPPED,	/* u64, dropped over the limit (enforce) */
	ACKGUARD_RSN_OVERLIMIT,	/* u64, over the limit in any mode (namespace) */
	ACKGUARD_RSN_PAD,
	__ACKGUARD_RSN_MAX,
};

#define ACKGUARD_RSN_MAX (__ACKGUARD_RSN_MAX - 1)

enum ackguard_flow_attr {
	ACKGUARD_FLOW_UNSPEC,
	ACKGUARD_FLOW_FAMILY,		/* u8, AF_INET or AF_INET6 */
	ACKGUARD_FLOW_LOCAL_ADDR,	/* binary, 4 or 16 bytes */
	ACKGUARD_FLOW_REMOTE_ADDR,	/* binary, 4 or 16 bytes */
	ACKGUARD_FLOW_LOCAL_PORT,	/* u16 */
	ACKGUARD_FLOW_REMOTE_PORT,	/* u16 */
	ACKGUARD_FLOW_STATE,		/* u8, TCP state at the last segment */
	ACKGUARD_FLOW_REASON,		/* nested ackguard_rsn_attr, repeated */
	ACKGUARD_FLOW_RATE,		/* u32, classified segments/s, last 1 s */
	ACKGUARD_FLOW_AGE_MS,		/* u64, since the first segment; stops
					 * growing at 2^31 - 1 jiffies (24.8 days
					 * at HZ=1000, 99 days at HZ=250)
					 */
	ACKGUARD_FLOW_IDLE_MS,		/* u64, since the last segment */
	ACKGUARD_FLOW_STORM,		/* flag: rate above storm_pps */
	ACKGUARD_FLOW_PAD,
	ACKGUARD_FLOW_OVERLIMIT,	/* u64, segments over the limit in any
					 * mode, all reasons together
					 */
	__ACKGUARD_FLOW_MAX,
};

#define ACKGUARD_FLOW_MAX (__ACKGUARD_FLOW_MAX - 1)

/* Dump filters; all given ones must match. */
enum ackguard_flt_attr {
	ACKGUARD_FLT_UNSPEC,
	ACKGUARD_FLT_FAMILY,		/* u8 */
	ACKGUARD_FLT_ADDR,		/* binary 4/16: either end in prefix */
	ACKGUARD_FLT_PREFIX_LEN,	/* u8, with FLT_ADDR; default full */
	ACKGUARD_FLT_PORT,		/* u16, either end */
	ACKGUARD_FLT_REASON,		/* u8, flow has seen this reason */
	ACKGUARD_FLT_MIN_RATE,		/* u32, current rate at least this */
	__ACKGUARD_FLT_MAX,
};

#define ACKGUARD_FLT_MAX (__ACKGUARD_FLT_MAX - 1)

#endif /* _UAPI_LINUX_ACKGUARD_H */
