// SPDX-License-Identifier: GPL-2.0
/* ackguardctl: reading TcpExt PAWSEstab and TCPACKSkipped* counters. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "netstat.h"

static void match_pair(char *names, char *values, struct agc_netstat *ns)
{
	char *sn, *sv, *n, *v;

	/* Skip the "TcpExt:" prefix of both lines. */
	n = strtok_r(names, " \t\n", &sn);
	v = strtok_r(values, " \t\n", &sv);
	while ((n = strtok_r(NULL, " \t\n", &sn)) &&
	       (v = strtok_r(NULL, " \t\n", &sv))) {
		for (unsigned int i = 0; i < AGC_NS_COUNT; i++) {
			char *end;
			uint64_t val;

			if (strcmp(n, agc_ns_names[i]))
				continue;
			errno = 0;
			val = strtoull(v, &end, 10);
			if (errno || *end || end == v)
				break;
			ns->v[i] = val;
			ns->have |= AGC_BIT(i);
			break;
		}
	}
}

int agc_netstat_parse(FILE *f, struct agc_netstat *ns)
{
	char *names = NULL, *values = NULL;
	size_t nl = 0, vl = 0;

	memset(ns, 0, sizeof(*ns));
	while (getline(&names, &nl, f) > 0) {
		if (strncmp(names, "TcpExt:", 7))
			continue;
		if (getline(&values, &vl, f) <= 0 ||
		    strncmp(values, "TcpExt:", 7))
			break;
		match_pair(names, values, ns);
	}
	free(names);
	free(values);
	return ns->have ? 0 : -1;
}

int agc_netstat_read(struct agc_netstat *ns)
{
	FILE *f = fopen(AGC_NETSTAT_PATH, "re");
	int rc;

	if (!f) {
		memset(ns, 0, sizeof(*ns));
		return -errno;
	}
	rc = agc_netstat_parse(f, ns);
	fclose(f);
	return rc ? -ENODATA : 0;
}
