// SPDX-License-Identifier: GPL-2.0
/* ackguardctl monitor: storm events as they arrive. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "cmds.h"
#include "parse.h"
#include "print.h"
#include "sig.h"

struct monitor {
	bool json;
	uint64_t count;			/* stop after this many; 0: never */
	uint64_t seen;
};

static void on_event(void *arg, int cmd, const struct agc_flow *fl)
{
	struct monitor *m = arg;
	struct timespec now;

	if (m->count && m->seen >= m->count)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	if (m->json)
		agc_event_json(stdout, cmd, fl, &now);
	else
		agc_event_text(stdout, cmd, fl, &now);
	fflush(stdout);
	m->seen++;
}

static int monitor_loop(struct agc_nl *nl, struct monitor *m,
			const struct agc_monitor_opts *mo)
{
	long long deadline = mo->timeout_ms ?
		agc_now_ms() + (long long)mo->timeout_ms : -1;
	int sigfd = agc_sig_open();
	struct agc_err e;

	while (!m->count || m->seen < m->count) {
		long left = deadline < 0 ? -1 : (long)(deadline - agc_now_ms());
		int rc;

		if (deadline >= 0 && left <= 0)
			rc = 0;
		else
			rc = agc_sig_wait(sigfd, agc_nl_fd(nl), left);
		if (rc < 0)
			return AGC_EXIT_OK;	/* SIGINT or SIGTERM */
		if (rc == 0) {
			if (!m->count)
				return AGC_EXIT_OK;
			agc_err_set(&e, "timed out after %" PRIu64 " of %"
				    PRIu64 " events", m->seen, m->count);
			return agc_fail("monitor", &e);
		}
		rc = agc_nl_events_read(nl, on_event, m, &e);
		if (rc == -ENOBUFS)
			fprintf(stderr, "ackguardctl: monitor: receive buffer "
				"overflow, some events were lost\n");
		else if (rc < 0)
			return agc_fail("monitor", &e);
	}
	return AGC_EXIT_OK;
}

int agc_cmd_monitor(int argc, char **argv, const struct agc_opts *o)
{
	struct monitor m = { .json = o->json };
	struct agc_monitor_opts mo;
	struct agc_err e;
	struct agc_nl *nl;
	int rc;

	if (agc_parse_monitor_args(argc, argv, &mo, &e))
		return agc_usage_error("monitor", &e);
	m.count = mo.count;
	if ((rc = agc_connect("monitor", &nl, true)))
		return rc;
	rc = monitor_loop(nl, &m, &mo);
	agc_nl_close(nl);
	return rc;
}
