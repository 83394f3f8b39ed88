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
 * A dump's parsed attributes: in a struct genl_info inside the
 * genl_dumpit_info since 6.6, in the genl_dumpit_info itself before.
 */
#ifndef AG_HAVE_GENL_INFO_DUMP
static inline const struct genl_dumpit_info *
genl_info_dump(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb);
}
#endif

/*
 * Multicast groups that need CAP_NET_ADMIN to join came with 6.6 and the
 * 6.1 stable series (6.1.66). Older kernels let anyone receive storm
 * events; README says so.
 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define AG_MCAST_ADMIN GENL_MCAST_CAP_NET_ADMIN
#else
#define AG_MCAST_ADMIN 0
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
