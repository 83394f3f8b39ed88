/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: the identity of a connection, as the flow table files it.
 */
#ifndef _ACKGUARD_FLOWKEY_H
#define _ACKGUARD_FLOWKEY_H

#include <linux/in6.h>
#include <linux/socket.h>
#include <linux/types.h>
#include <net/ipv6.h>

/*
 * Identity of a connection as seen from this host: 36 bytes without holes,
 * hashed and compared as bytes. IPv4 addresses are stored v4-mapped
 * (::ffff:a.b.c.d), which also tells the family: see ag_key_family().
 */
struct ag_flow_key {
	struct in6_addr local;
	struct in6_addr remote;
	__be16 local_port;
	__be16 remote_port;
};

/*
 * AF_INET iff the remote address is v4-mapped. An IPv6 connection never has
 * a v4-mapped peer: tcp_v6_conn_request() refuses SYNs from such sources,
 * and an AF_INET6 socket connect()ing to a v4-mapped address talks IPv4.
 * A forged IPv6 segment from a v4-mapped source can only match a dual-stack
 * socket whose peer is that IPv4 address, so it is counted in the flow of
 * that (IPv4) connection, which is where it belongs.
 */
static inline sa_family_t ag_key_family(const struct ag_flow_key *key)
{
	return ipv6_addr_v4mapped(&key->remote) ? AF_INET : AF_INET6;
}

/* One end of the connection as a socket address, for printing (%pISpc). */
void ag_key_sockaddr(const struct ag_flow_key *key, bool local,
		     struct sockaddr_storage *ss);

#endif /* _ACKGUARD_FLOWKEY_H */
