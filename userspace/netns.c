// SPDX-License-Identifier: GPL-2.0
/*
 * ackguardctl: -n NAME, as ip -n: run in the network namespace that
 * ip netns bind-mounted at /run/netns/NAME.
 *
 * Only the network namespace is switched. Everything the tool touches
 * follows it: the netlink socket (opened afterwards), /proc/net/netstat
 * and /proc/sys/net (both resolve through the reading task's namespace).
 * Unlike ip, no mount namespace is made to remount /sys: nothing here
 * reads /sys.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"

#define NETNS_RUN_DIR "/run/netns"

bool agc_netns_name_ok(const char *name, struct agc_err *e)
{
	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, "..")) {
		agc_err_set(e, "invalid network namespace name \"%s\"", name);
		return false;
	}
	return true;
}

int agc_netns_enter(const char *name, struct agc_err *e)
{
	char path[sizeof(NETNS_RUN_DIR) + 256];
	int fd, err;

	if (strlen(name) > 255) {
		agc_err_set(e, "network namespace name too long");
		return -ENAMETOOLONG;
	}
	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		agc_err_set(e, "cannot open network namespace \"%s\": %s",
			    name, strerror(err));
		return -err;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = errno;
		close(fd);
		agc_err_set(e, "cannot enter network namespace \"%s\": %s",
			    name, strerror(err));
		return -err;
	}
	close(fd);
	return 0;
}
