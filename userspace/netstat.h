/* SPDX-License-Identifier: GPL-2.0 */
/* ackguardctl: TcpExt counters from /proc/net/netstat. */
#ifndef AGC_NETSTAT_H
#define AGC_NETSTAT_H

#include <stdio.h>

#include "agc.h"

#define AGC_NETSTAT_PATH "/proc/net/netstat"

/* Parses "TcpExt: names..." / "TcpExt: values..." line pairs. 0 or -1. */
int agc_netstat_parse(FILE *f, struct agc_netstat *ns);
/* Reads the calling namespace's counters; 0, or -errno. */
int agc_netstat_read(struct agc_netstat *ns);

#endif /* AGC_NETSTAT_H */
