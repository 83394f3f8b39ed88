// SPDX-License-Identifier: GPL-2.0
/* ackguardctl watch: per-second changes of the counters, refreshed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "netstat.h"
#include "parse.h"
#include "print.h"
#include "sig.h"

#define WATCH_TOP 5

struct watch {
	struct agc_nl *nl;
	bool flows_ok;			/* cleared once listing is refused */
	struct agc_flow_list flows;
};

static int take_sample(struct watch *w, struct agc_sample *s,
		       struct agc_err *e)
{
	int rc = agc_nl_get_counters(w->nl, &s->ctr, e);

	s->mono = (double)agc_now_ms() / 1000.0;
	if (rc)
		return rc;
	if (agc_netstat_read(&s->ns))
		memset(&s->ns, 0, sizeof(s->ns));	/* leave TcpExt out */
	return 0;
}

/* Top flows by rate; listing needs CAP_NET_ADMIN, counters do not. */
static int take_flows(struct watch *w, struct agc_err *e)
{
	int rc;

	w->flows.n = 0;
	if (!w->flows_ok)
		return 0;
	rc = agc_nl_get_flows(w->nl, NULL, &w->flows, e);
	if (rc == -EPERM || rc == -EACCES) {
		fprintf(stderr, "ackguardctl: watch: cannot list flows: %s\n",
			e->msg);
		w->flows_ok = false;
		w->flows.n = 0;
		return 0;
	}
	if (rc)
		return rc;
	agc_flows_sort(w->flows.v, w->flows.n, AGC_SORT_RATE);
	return 0;
}

static void show_frame(const struct agc_watch_frame *f, bool json, bool tty)
{
	if (json) {
		agc_watch_json(stdout, f);
	} else {
		if (tty)
			fputs("\033[H\033[2J", stdout);
		else if (f->refresh > 1)
			fputc('\n', stdout);
		agc_watch_text(stdout, f);
	}
	fflush(stdout);
}

static int watch_loop(struct watch *w, const struct agc_watch_opts *wo,
		      bool json, struct agc_err *e)
{
	bool tty = !json && isatty(STDOUT_FILENO);
	struct agc_sample prev, cur;
	struct agc_watch_frame f;
	long long start;
	int sigfd, rc;

	sigfd = agc_sig_open();
	if ((rc = take_sample(w, &prev, e)))
		return rc;
	start = agc_now_ms();
	for (uint64_t n = 1; !wo->count || n <= wo->count; n++) {
		long long due = start + (long long)(n * wo->interval_ms);
		long long left = due - agc_now_ms();

		/* late (a slow refresh): sample now; a negative wait is "forever" */
		if (agc_sig_wait(sigfd, -1, left > 0 ? (long)left : 0) < 0)
			break;
		if ((rc = take_sample(w, &cur, e)) || (rc = take_flows(w, e)))
			return rc;
		memset(&f, 0, sizeof(f));
		agc_watch_delta(&prev, &cur, &f);
		f.refresh = n;
		clock_gettime(CLOCK_REALTIME, &f.now);
		f.flows_ok = w->flows_ok;
		f.top = w->flows.v;
		f.ntop = w->flows.n < WATCH_TOP ? w->flows.n : WATCH_TOP;
		show_frame(&f, json, tty);
		prev = cur;
	}
	return 0;
}

int agc_cmd_watch(int argc, char **argv, const struct agc_opts *o)
{
	struct watch w = { .flows_ok = true };
	struct agc_watch_opts wo;
	struct agc_err e;
	int rc;

	if (agc_parse_watch_args(argc, argv, &wo, &e))
		return agc_usage_error("watch", &e);
	if ((rc = agc_connect("watch", &w.nl, false)))
		return rc;
	rc = watch_loop(&w, &wo, o->json, &e);
	agc_nl_close(w.nl);
	agc_flow_list_free(&w.flows);
	return rc ? agc_fail("watch", &e) : AGC_EXIT_OK;
}
