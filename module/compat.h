/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: the one place where differences between kernel versions live.
 * Reference: Linux 6.1 (Debian 12). Kbuild detects features in the headers
 * being built against and defines AG_HAVE_* accordingly; nothing else in
 * the module tests for a kernel version. Where the headers show no
 * difference, Kbuild derives an AG_KERNEL_* flag from the version, and
 * the test here names the upstream change.
 *
 * Differences of later kernels from the checks mirrored in classify.c:
 * 6.4 challenges a SYN failing PAWS and 6.7 changed the replay window
 * (both below); 6.7 replaced TCP_PAWS_24DAYS by TCP_PAWS_WRAP inside
 * tcp_paws_check() (which we call, so it follows). 6.14 silently drops
 * some old pure ACKs (PAWSOldAck) and renamed tcp_disordered_ack(): Kbuild
 * refuses kernels after 6.12, the newest the oracle has passed on.
 */
#ifndef _ACKGUARD_COMPAT_H
#define _ACKGUARD_COMPAT_H

#include <linux/sched/mm.h>
#include <net/genetlink.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/tcp.h>

/* 6.1 made the established hash per namespace (optionally). */
#ifdef AG_HAVE_PERNET_HASHINFO
#define ag_tcp_hashinfo(net) ((net)->ipv4.tcp_death_row.hashinfo)
#else
#define ag_tcp_hashinfo(net) (&tcp_hashinfo)
#endif

/*
 * Who may join the storm events group: genl_bind() checks the group's flags.
 * Mainline 6.7 and the 6.1 stable series (6.1.66) spell it
 * GENL_MCAST_CAP_NET_ADMIN; the stable backports to 5.4, 5.15 and 6.6
 * (5.4.286, 5.15.100, 6.6.87 have it) reuse the operations' flag,
 * GENL_UNS_ADMIN_PERM, checked the same way (netlink_ns_capable() in the
 * namespace's user namespace). A group without flags (5.10.198 and older
 * kernels without the backport) cannot be restricted and the family has
 * no bind callback there: anyone in the namespace receives storm events;
 * README says so, and the module records which one it was built with
 * (modinfo -F mcast_perm) for the tests.
 */
#if defined(GENL_MCAST_CAP_NET_ADMIN)
#define AG_MCGRP_ADMIN_ONLY .flags = GENL_MCAST_CAP_NET_ADMIN,
#define AG_MCAST_PERM "cap_net_admin"
#elif defined(AG_HAVE_GENL_MCGRP_FLAGS)
#define AG_MCGRP_ADMIN_ONLY .flags = GENL_UNS_ADMIN_PERM,
#define AG_MCAST_PERM "uns_admin_perm"
#else
#define AG_MCGRP_ADMIN_ONLY
#define AG_MCAST_PERM "none"
#endif

/* ---- 5.4 to 6.6 (matrix kernels): API the 6.1 reference has ---- */

/*
 * Before 6.0 (req->timeout) tcp_check_req() estimated the age of the
 * request's ts_recent as (TCP_TIMEOUT_INIT / HZ) << num_timeout, unclamped;
 * classify.c divides by HZ as 6.1 does, the same seconds.
 */
#ifndef AG_HAVE_REQSK_TIMEOUT
static inline unsigned long reqsk_timeout(struct request_sock *req,
					  unsigned long max_timeout)
{
	return (unsigned long)TCP_TIMEOUT_INIT << req->num_timeout;
}
#endif

#ifndef GENL_REQ_ATTR_CHECK
#define GENL_REQ_ATTR_CHECK(info, attr) ({				\
	struct genl_info *__info = (info);				\
	bool __missing = !__info->attrs[(attr)];			\
									\
	if (__missing)							\
		NL_SET_ERR_MSG(__info->extack, "Missing attribute");	\
	__missing;							\
})
#endif

/*
 * resv_start_op (6.1) makes the core reject reserved header bits; before
 * it, operations without GENL_DONT_VALIDATE_* were validated strictly
 * anyway, so the field can go.
 */
#ifdef AG_HAVE_GENL_RESV_START_OP
#define AG_GENL_RESV_START_OP(op) .resv_start_op = (op),
#else
#define AG_GENL_RESV_START_OP(op)
#endif

/*
 * The attribute TYPE of a dump request, validated by the core with the
 * family's policy before .start: 6.2 keeps the parsed request in a struct
 * genl_info, 5.6 in struct genl_dumpit_info; 5.4 parses nothing for a dump
 * (it validates it strictly, GENL_DONT_VALIDATE_DUMP unset), so look the
 * attribute up in the message (the family has no user header).
 */
#if defined(AG_HAVE_GENL_INFO_DUMP)
#define ag_dump_attr(cb, type) (genl_info_dump(cb)->attrs[(type)])
#elif defined(AG_HAVE_GENL_DUMPIT_INFO)
#define ag_dump_attr(cb, type) (genl_dumpit_info(cb)->attrs[(type)])
#else
#define ag_dump_attr(cb, type) nlmsg_find_attr((cb)->nlh, GENL_HDRLEN, (type))
#endif

/*
 * A binary attribute's length range: 5.4 takes ranges of integers only;
 * there the policy bounds the maximum and the caller checks the rest.
 */
#ifdef AG_HAVE_NLA_BINARY_RANGE
#define AG_NLA_POLICY_LEN_RANGE(min, max) NLA_POLICY_RANGE(NLA_BINARY, min, max)
#else
#define AG_NLA_POLICY_LEN_RANGE(min, max) { .type = NLA_BINARY, .len = (max) }
#endif

/*
 * 5.4 charges __GFP_ACCOUNT allocations to current->active_memcg only in
 * task context (memcg_kmem_bypass() skips interrupts, and the field is the
 * interrupted task's): there the softirq's allocations are not charged.
 */
#ifndef AG_HAVE_SET_ACTIVE_MEMCG
static inline struct mem_cgroup *set_active_memcg(struct mem_cgroup *memcg)
{
	struct mem_cgroup *old = NULL;

#ifdef CONFIG_MEMCG
	if (!in_interrupt()) {
		old = current->active_memcg;
		current->active_memcg = memcg;
	}
#endif
	return old;
}
#endif

/* 5.11 made inet_sdif() take a const skb. */
#ifndef AG_HAVE_INET_SDIF_CONST
#define inet_sdif(skb) inet_sdif((struct sk_buff *)(skb))
#endif

/*
 * tcp_ack()'s bound for an old ACK (RFC 5961 5.2): 6.1 (Debian's 6.1.192)
 * 6.6 and 5.4.286 take min(max_window, bytes_acked) ("do not accept ACK for
 * bytes we never sent"); 5.15.100 and 5.10.198 take max_window alone, the oracle
 * showed (an ACK of snd_una - 1 before any byte was acknowledged: no
 * answer there). No header tells: Kbuild decides by the release, and an
 * older stable release that took the fix later is treated as without it:
 * ackguard then says nothing where the kernel challenges (fails open).
 */
static inline u32 ag_old_ack_window(const struct tcp_sock *tp)
{
#ifdef AG_TCP_OLD_ACK_BYTES_ACKED
	return min_t(u64, tp->max_window, tp->bytes_acked);
#else
	return tp->max_window;
#endif
}

/*
 * Whether tcp_rcv_state_process() challenges an old ACK (before snd_una,
 * not too old) outside ESTABLISHED: 5.10.198 and 6.6.87 do (tcp_ack()
 * returns 0 for it, and step 5 challenges anything not > 0), Debian's
 * 6.1.192 accepts it ("accept old ack during closing"), the oracle showed.
 * Kbuild sets it for releases known to challenge; others are taken as
 * accepting: ackguard then says nothing where they challenge (fails open).
 */
#ifdef AG_TCP_OLD_ACK_CLOSING_CHALLENGED
#define AG_OLD_ACK_CHALLENGED_CLOSING 1
#else
#define AG_OLD_ACK_CHALLENGED_CLOSING 0
#endif

/* MD5 keys bound to a VRF (l3index) came with 5.6; 5.4 looks up by address. */
#ifndef AG_HAVE_MD5_L3INDEX
#define tcp_md5_do_lookup(sk, l3index, addr, family) \
	((void)(l3index), tcp_md5_do_lookup(sk, addr, family))
#endif

/*
 * 5.4 bounds u32 attributes to s16 only (NLA_POLICY_RANGE). There the
 * policy keeps the range in validation_data, which the core ignores for
 * NLA_U32 without a validation_type, and ag_nla_check_full_range() applies it
 * after parsing, with the core's error (-ERANGE, the attribute named).
 */
#ifndef AG_HAVE_NLA_RANGE_VALIDATION
struct netlink_range_validation {
	u64 min, max;
};

#define NLA_POLICY_FULL_RANGE(tp, _range) {			\
	.type = (tp),						\
	.validation_data = (_range),				\
}

static inline int ag_nla_check_full_range(struct nlattr **tb,
					  const struct nla_policy *policy,
					  int maxtype,
					  struct netlink_ext_ack *extack)
{
	const struct netlink_range_validation *r;
	int i;

	for (i = 0; i <= maxtype; i++) {
		if (!tb[i] || policy[i].type != NLA_U32 ||
		    policy[i].validation_type || !policy[i].validation_data)
			continue;
		r = policy[i].validation_data;
		if (nla_get_u32(tb[i]) < r->min || nla_get_u32(tb[i]) > r->max) {
			NL_SET_ERR_MSG_ATTR(extack, tb[i],
					    "integer out of range");
			return -ERANGE;
		}
	}
	return 0;
}
#else
static inline int ag_nla_check_full_range(struct nlattr **tb,
					  const struct nla_policy *policy,
					  int maxtype,
					  struct netlink_ext_ack *extack)
{
	return 0;
}
#endif

/*
 * tcp_validate_incoming() answers a SYN that fails PAWS with a challenge
 * ACK (TCPSYNChallenge, TCPACKSkippedChallenge) since 6.4, "tcp: Refine
 * SYN handling for PAWS." (Kuniyuki Iwashima, net-next, lore message
 * 20230329201348.79003-1-kuniyu@amazon.com; not in 6.1's stable series);
 * before, with a PAWS dupack (PAWSEstab, TCPACKSkippedPAWS). Nothing in
 * the headers shows it: Kbuild defines AG_KERNEL_6_4 from the version.
 */
#ifdef AG_KERNEL_6_4
#define AG_PAWS_SYN_CHALLENGE true
#else
#define AG_PAWS_SYN_CHALLENGE false
#endif

/*
 * tcp_disordered_ack()'s replay window, tcp_tsval_replay() since 6.7's
 * microsecond TCP timestamps (tp->tcp_usec_ts, probed): the RTO in the
 * peer's TSval units, assuming 1200 Hz for a millisecond clock (1024 Hz
 * before).
 */
static inline u32 ag_tsval_replay(const struct sock *sk)
{
#ifdef AG_HAVE_TCP_USEC_TS
	if (tcp_sk(sk)->tcp_usec_ts)
		return inet_csk(sk)->icsk_rto * (USEC_PER_SEC / HZ);
	return inet_csk(sk)->icsk_rto * 1200 / HZ;
#else
	return inet_csk(sk)->icsk_rto * 1024 / HZ;
#endif
}

#endif /* _ACKGUARD_COMPAT_H */
