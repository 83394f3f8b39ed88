/* SPDX-License-Identifier: GPL-2.0 */
/* ackguardctl: the commands; each returns an exit code (AGC_EXIT_*). */
#ifndef AGC_CMDS_H
#define AGC_CMDS_H

#include <stdbool.h>

#include "agc.h"
#include "netlink.h"

struct agc_opts {
	bool json;		/* -j, or implied by -p */
	bool pretty;		/* -p */
	const char *netns;	/* -n NAME, already entered; NULL: none */
};

typedef int (*agc_cmd_fn)(int argc, char **argv, const struct agc_opts *o);

int agc_cmd_show(int argc, char **argv, const struct agc_opts *o);
int agc_cmd_set(int argc, char **argv, const struct agc_opts *o);
int agc_cmd_flows(int argc, char **argv, const struct agc_opts *o);
int agc_cmd_dump(int argc, char **argv, const struct agc_opts *o);
int agc_cmd_stats(int argc, char **argv, const struct agc_opts *o);
int agc_cmd_flush(int argc, char **argv, const struct agc_opts *o);
int agc_cmd_watch(int argc, char **argv, const struct agc_opts *o);
int agc_cmd_monitor(int argc, char **argv, const struct agc_opts *o);

/* "ackguardctl: CMD: MSG" plus a hint; returns AGC_EXIT_USAGE. */
int agc_usage_error(const char *cmd, const struct agc_err *e);
/* "ackguardctl: CMD: MSG"; returns AGC_EXIT_FAIL. */
int agc_fail(const char *cmd, const struct agc_err *e);
/*
 * netns.c: -n NAME. agc_netns_name_ok() is the usage check (a name, not a
 * path); agc_netns_enter() moves the process into /run/netns/NAME.
 */
bool agc_netns_name_ok(const char *name, struct agc_err *e);
int agc_netns_enter(const char *name, struct agc_err *e);

/* Opens the netlink client or reports why not; AGC_EXIT_* */
int agc_connect(const char *cmd, struct agc_nl **nl, bool events);

#endif /* AGC_CMDS_H */
