/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: the one place where differences between kernel versions live.
 * Reference: Linux 6.1 (Debian 12). Kbuild detects features in the headers
 * being built against and defines AG_HAVE_* accordingly; nothing else in
 * the module tests for a kernel version.
 *
 * Known differences of later kernels from the checks mirrored in classify.c:
 * 6.7 replaced TCP_PAWS_24DAYS by TCP_PAWS_WRAP inside tcp_paws_check()
 * (which we call, so it follows); 6.14 silently drops some old pure ACKs
 * (PAWSOldAck) and renamed tcp_disordered_ack(). Kbuild refuses kernels
 * from 6.14 on until that mirror is updated.
 */
#ifndef _ACKGUARD_COMPAT_H
#define _ACKGUARD_COMPAT_H

#include <net/genetlink.h>
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

#endif /* _ACKGUARD_COMPAT_H */
