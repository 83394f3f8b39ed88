// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: the parts of compat.h that need a home in the module: only
 * old kernels compile anything here.
 */
#include <linux/kallsyms.h>
#include <linux/module.h>

#include "compat.h"

#ifndef AG_HAVE_NETLINK_EXT_ACK
struct netlink_ext_ack ag_extack_scratch;
#endif

#ifndef AG_HAVE_PERNET_TCP_TIMESTAMPS
int *ag_sysctl_tcp_timestamps;

int ag_compat_init(void)
{
	ag_sysctl_tcp_timestamps =
		(int *)kallsyms_lookup_name("sysctl_tcp_timestamps");
	if (!ag_sysctl_tcp_timestamps)
		pr_warn("ackguard: sysctl_tcp_timestamps not found, assuming 1\n");
	return 0;
}
#endif
