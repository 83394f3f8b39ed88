// SPDX-License-Identifier: GPL-2.0
/*
 * ackguardctl: the real system behind agc_kernel_read(); the unit tests
 * link a fake instead (tests/unit/fake_netlink.c).
 */
#include "agc.h"

#ifndef VERSION
#define VERSION "0.1.0"
#endif

void agc_kernel_read(struct agc_kernel *k)
{
	agc_kernel_probe(k, "/proc/sys/net/ipv4/tcp_invalid_ratelimit");
	k->version = VERSION;
}
