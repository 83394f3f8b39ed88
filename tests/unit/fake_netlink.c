// SPDX-License-Identifier: GPL-2.0
/*
 * ackguardctl unit tests: a stand-in for netlink.c, linked into
 * ackguardctl-fake, so that cli.sh can run the real commands (dispatch,
 * exit codes, watch and monitor loops, signals) without the module.
 *
 * AGC_FAKE selects the behaviour: "ok" (default), "notloaded", "eperm"
 * (privileged requests fail), "einval" (SET_CONFIG is rejected with an
 * ext-ACK style message). AGC_FAKE_LOG names a file that receives one line
 * per request that changes state, as the kernel would have received it.
 * AGC_FAKE_EVENTS is the number of storm events to deliver (default 3).
 * AGC_FAKE_SLOW_MS makes every counters request take that long (a loaded
 * machine, where a refresh ends after the next one was due).
 * AGC_FAKE_RATELIMIT is the namespace's net.ipv4.tcp_invalid_ratelimit
 * (default 500), "absent" (a kernel before 4.0) or "unknown" (unreadable);
 * the kernel release is always 6.1.0-test.
 */
#define _GNU_SOURCE
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netlink.h"
#include "samples.h"

struct agc_nl {
	int pipe[2];		/* events: readable while events remain */
	int events_left;
	int sent;
};

static const char *mode(void)
{
	const char *m = getenv("AGC_FAKE");

	return m ? m : "ok";
}

static void log_line(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void log_line(const char *fmt, ...)
{
	const char *path = getenv("AGC_FAKE_LOG");
	va_list ap;
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static int privileged(struct agc_err *e)
{
	if (strcmp(mode(), "eperm"))
		return 0;
	agc_err_set(e, "%s", strerror(EPERM));
	return -EPERM;
}

int agc_nl_open(struct agc_nl **nl, struct agc_err *e)
{
	samples_init();
	if (!strcmp(mode(), "notloaded")) {
		agc_err_set(e, "ackguard is not loaded (try: modprobe ackguard)");
		return -ENOENT;
	}
	*nl = calloc(1, sizeof(**nl));
	(*nl)->pipe[0] = (*nl)->pipe[1] = -1;
	return 0;
}

void agc_nl_close(struct agc_nl *nl)
{
	if (!nl)
		return;
	if (nl->pipe[0] >= 0) {
		close(nl->pipe[0]);
		close(nl->pipe[1]);
	}
	free(nl);
}

int agc_nl_get_config(struct agc_nl *nl, struct agc_config *cfg,
		      struct agc_err *e)
{
	(void)nl;
	(void)e;
	*cfg = sample_config;
	return 0;
}

int agc_nl_set_config(struct agc_nl *nl, const struct agc_config *cfg,
		      struct agc_err *e)
{
	char line[256] = "set";
	int rc = privileged(e);

	(void)nl;
	if (rc)
		return rc;
	if (!strcmp(mode(), "einval")) {
		agc_err_set(e, "ackguard: burst must be at least 2 per interval");
		return -EINVAL;
	}
	for (size_t i = 0; i < agc_ncfg; i++) {
		const struct agc_cfg_info *ci = &agc_cfg_infos[i];
		size_t n = strlen(line);

		if (cfg->have & AGC_BIT(ci->attr))
			snprintf(line + n, sizeof(line) - n, " %s=%" PRIu32,
				 ci->json, cfg->v[ci->attr]);
	}
	log_line("%s", line);
	return 0;
}

/*
 * paws seen grows at 1000/s of real (monotonic) time, like a storm would,
 * so watch's per-second delta is 1000 however late a refresh comes.
 */
int agc_nl_get_counters(struct agc_nl *nl, struct agc_counters *c,
			struct agc_err *e)
{
	static uint64_t calls;
	struct timespec ts;

	(void)nl;
	(void)e;
	if (getenv("AGC_FAKE_SLOW_MS"))
		usleep(1000 * atoi(getenv("AGC_FAKE_SLOW_MS")));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	*c = sample_counters;
	c->reason[ACKGUARD_REASON_PAWS].v[ACKGUARD_RSN_SEEN] +=
		(uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	c->v[ACKGUARD_CTR_FLOWS_CREATED] += calls;
	calls++;
	return 0;
}

int agc_nl_get_flows(struct agc_nl *nl, const struct agc_filter *flt,
		     struct agc_flow_list *out, struct agc_err *e)
{
	int rc = privileged(e);

	(void)nl;
	if (rc)
		return rc;
	log_line("flows filter=%#" PRIx32, flt ? flt->have : 0);
	for (size_t i = 0; i < SAMPLE_NFLOWS; i++)
		if (!flt || agc_filter_match(flt, &sample_flows[i]))
			agc_flow_list_push(out, &sample_flows[i]);
	return 0;
}

int agc_nl_flush_flows(struct agc_nl *nl, struct agc_err *e)
{
	int rc = privileged(e);

	(void)nl;
	if (!rc)
		log_line("flush");
	return rc;
}

int agc_nl_events_open(struct agc_nl **nl, struct agc_err *e)
{
	const char *n = getenv("AGC_FAKE_EVENTS");
	int rc = agc_nl_open(nl, e);

	if (rc)
		return rc;
	if (pipe2((*nl)->pipe, O_NONBLOCK | O_CLOEXEC)) {
		agc_err_set(e, "%s", strerror(errno));
		return -errno;
	}
	(*nl)->events_left = n ? atoi(n) : 3;
	if ((*nl)->events_left > 0 && write((*nl)->pipe[1], "x", 1) != 1)
		return -EIO;
	return 0;
}

int agc_nl_fd(const struct agc_nl *nl)
{
	return nl->pipe[0];
}

/* Two events per read while they last: start/end of sample flow 0. */
int agc_nl_events_read(struct agc_nl *nl, agc_event_fn fn, void *arg,
		       struct agc_err *e)
{
	char c;
	int n = 0;

	(void)e;
	while (nl->events_left > 0 && n < 2) {
		fn(arg, nl->sent % 2 ? ACKGUARD_CMD_STORM_END :
		   ACKGUARD_CMD_STORM_START, &sample_flows[nl->sent % 2]);
		nl->sent++;
		nl->events_left--;
		n++;
	}
	if (!nl->events_left)
		while (read(nl->pipe[0], &c, 1) == 1)
			;
	return n;
}

#ifndef VERSION
#define VERSION "0.1.0"
#endif

void agc_kernel_read(struct agc_kernel *k)
{
	const char *v = getenv("AGC_FAKE_RATELIMIT");

	memset(k, 0, sizeof(*k));
	snprintf(k->release, sizeof(k->release), "6.1.0-test");
	k->version = VERSION;
	if (!v)
		v = "500";
	if (!strcmp(v, "absent")) {
		k->limiter = AGC_LIMITER_ABSENT;
	} else if (!strcmp(v, "unknown")) {
		k->limiter = AGC_LIMITER_UNKNOWN;
		snprintf(k->why, sizeof(k->why), "/proc/sys/net/ipv4: %s",
			 strerror(ENOENT));
	} else {
		k->ratelimit_ms = (uint32_t)strtoul(v, NULL, 10);
		k->limiter = k->ratelimit_ms ? AGC_LIMITER_ON : AGC_LIMITER_OFF;
	}
}
