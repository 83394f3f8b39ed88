// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: turn flow keys back into socket addresses, for printing.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/string.h>
#include <net/ipv6.h>

#include "flowkey.h"

void ag_key_sockaddr(const struct ag_flow_key *key, bool local,
		     struct sockaddr_storage *ss)
{
	const struct in6_addr *addr = local ? &key->local : &key->remote;
	__be16 port = local ? key->local_port : key->remote_port;

	memset(ss, 0, sizeof(*ss));
	if (ag_key_family(key) == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = port;
		sin->sin_addr.s_addr = addr->s6_addr32[3];
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		sin6->sin6_addr = *addr;
	}
}
