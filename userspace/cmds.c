// SPDX-License-Identifier: GPL-2.0
/* ackguardctl: one-shot commands (show, set, flows, stats, flush). */
#include <errno.h>
#include <stdio.h>

#include "cmds.h"
#include "parse.h"
#include "print.h"

int agc_usage_error(const char *cmd, const struct agc_err *e)
{
	fprintf(stderr, "ackguardctl: %s%s%s\n", cmd ? cmd : "",
		cmd ? ": " : "", e->msg);
	fprintf(stderr, "Try 'ackguardctl help' for more information.\n");
	return AGC_EXIT_USAGE;
}

int agc_fail(const char *cmd, const struct agc_err *e)
{
	fprintf(stderr, "ackguardctl: %s: %s\n", cmd, e->msg);
	return AGC_EXIT_FAIL;
}

int agc_connect(const char *cmd, struct agc_nl **nl, bool events)
{
	struct agc_err e = { "" };
	int rc = events ? agc_nl_events_open(nl, &e) : agc_nl_open(nl, &e);

	if (rc == -ENOENT) {
		fprintf(stderr, "ackguard is not loaded (try: modprobe ackguard)\n");
		return AGC_EXIT_FAIL;
	}
	return rc ? agc_fail(cmd, &e) : AGC_EXIT_OK;
}

static int no_args(const char *cmd, int argc, char **argv)
{
	struct agc_err e;

	if (argc == 0)
		return AGC_EXIT_OK;
	agc_err_set(&e, "unknown word \"%s\"", argv[0]);
	return agc_usage_error(cmd, &e);
}

int agc_cmd_show(int argc, char **argv, const struct agc_opts *o)
{
	struct agc_config cfg;
	struct agc_counters c;
	struct agc_kernel k;
	struct agc_err e;
	struct agc_nl *nl;
	int rc;

	if ((rc = no_args("show", argc, argv)) ||
	    (rc = agc_connect("show", &nl, false)))
		return rc;
	if (agc_nl_get_config(nl, &cfg, &e) ||
	    agc_nl_get_counters(nl, &c, &e)) {
		agc_nl_close(nl);
		return agc_fail("show", &e);
	}
	agc_nl_close(nl);
	agc_kernel_read(&k);
	if (o->json)
		agc_show_json(stdout, &cfg, &c, &k);
	else
		agc_show_text(stdout, &cfg, &c, &k);
	return AGC_EXIT_OK;
}

int agc_cmd_stats(int argc, char **argv, const struct agc_opts *o)
{
	enum agc_output out = o->json ? AGC_OUT_JSON : AGC_OUT_TEXT;
	struct agc_config cfg;
	struct agc_counters c;
	struct agc_kernel k;
	struct agc_err e;
	struct agc_nl *nl;
	int rc;

	if (agc_parse_stats_args(argc, argv, &out, &e))
		return agc_usage_error("stats", &e);
	if ((rc = agc_connect("stats", &nl, false)))
		return rc;
	if (agc_nl_get_counters(nl, &c, &e) ||
	    (out == AGC_OUT_PROM && agc_nl_get_config(nl, &cfg, &e))) {
		agc_nl_close(nl);
		return agc_fail("stats", &e);
	}
	agc_nl_close(nl);
	if (out == AGC_OUT_PROM) {
		agc_kernel_read(&k);
		agc_stats_prom(stdout, &cfg, &c, &k);
	} else if (out == AGC_OUT_JSON) {
		agc_show_json(stdout, NULL, &c, NULL);
	} else {
		agc_show_text(stdout, NULL, &c, NULL);
	}
	return AGC_EXIT_OK;
}

int agc_cmd_set(int argc, char **argv, const struct agc_opts *o)
{
	struct agc_config cfg;
	struct agc_err e;
	struct agc_nl *nl;
	int rc;

	(void)o;
	if (agc_parse_set_args(argc, argv, &cfg, &e))
		return agc_usage_error("set", &e);
	if ((rc = agc_connect("set", &nl, false)))
		return rc;
	rc = agc_nl_set_config(nl, &cfg, &e);
	agc_nl_close(nl);
	return rc ? agc_fail("set", &e) : AGC_EXIT_OK;
}

/* flows and dump: the same request, filters and order; dump's format. */
static int list_flows(const char *cmd, bool dump, int argc, char **argv,
		      const struct agc_opts *o)
{
	struct agc_flow_list l = { 0 };
	struct agc_flows_opts fo;
	struct agc_err e;
	struct agc_nl *nl;
	size_t n;
	int rc;

	if (dump && o->json) {
		/* One format only: that is the promise of dump. */
		agc_err_set(&e, "no JSON form (-j, -p): use flows -j");
		return agc_usage_error(cmd, &e);
	}
	if (agc_parse_flows_args(argc, argv, &fo, &e))
		return agc_usage_error(cmd, &e);
	if ((rc = agc_connect(cmd, &nl, false)))
		return rc;
	rc = agc_nl_get_flows(nl, &fo.flt, &l, &e);
	agc_nl_close(nl);
	if (rc) {
		agc_flow_list_free(&l);
		return agc_fail(cmd, &e);
	}
	agc_flows_sort(l.v, l.n, fo.sort);
	n = fo.top && fo.top < l.n ? fo.top : l.n;
	if (dump)
		agc_flows_dump(stdout, l.v, n);
	else if (o->json)
		agc_flows_json(stdout, l.v, n);
	else
		agc_flows_text(stdout, l.v, n);
	agc_flow_list_free(&l);
	return AGC_EXIT_OK;
}

int agc_cmd_flows(int argc, char **argv, const struct agc_opts *o)
{
	return list_flows("flows", false, argc, argv, o);
}

int agc_cmd_dump(int argc, char **argv, const struct agc_opts *o)
{
	return list_flows("dump", true, argc, argv, o);
}

int agc_cmd_flush(int argc, char **argv, const struct agc_opts *o)
{
	struct agc_err e;
	struct agc_nl *nl;
	int rc;

	(void)o;
	if ((rc = no_args("flush", argc, argv)) ||
	    (rc = agc_connect("flush", &nl, false)))
		return rc;
	rc = agc_nl_flush_flows(nl, &e);
	agc_nl_close(nl);
	return rc ? agc_fail("flush", &e) : AGC_EXIT_OK;
}
