// SPDX-License-Identifier: GPL-2.0
/*
 * ackguardctl: configure and inspect the ackguard kernel module.
 * Command dispatch and exit codes: 0 ok, 1 usage error, 2 kernel or
 * system error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "json.h"

/* -DVERSION from the Makefile: the tree's VERSION file */
#ifndef VERSION
#error "VERSION not set: build with userspace/Makefile"
#endif

static const char usage_text[] =
"Usage: ackguardctl [OPTIONS] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  show                          configuration, the kernel's own limiter\n"
"                                (tcp_invalid_ratelimit) and counters (default)\n"
"  set KEY VALUE [KEY VALUE]...  change the configuration, all or nothing\n"
"      mode off|monitor|enforce\n"
"      interval DURATION         1ms..60s (bare number: ms)\n"
"      burst N                   1..10000\n"
"      max-flows N               1..4194304\n"
"      flow-timeout DURATION     1s..86400s (bare number: s)\n"
"      storm-pps N               1..100000000\n"
"      log on|off\n"
"  flows [FILTER]... [--sort rate|dropped|seen] [--top N]\n"
"      family inet|inet6  addr A[/P]  port N  reason R  min-rate N\n"
"      reasons: paws seq challenge synrecv finwait2 timewait\n"
"  dump [FILTER]... [--sort ...] [--top N]\n"
"                                flows as tab-separated raw values, one line\n"
"                                each, in a format that never changes\n"
"  watch [--interval DURATION] [--count N]\n"
"  monitor [--count N] [--timeout DURATION]\n"
"  stats [-o text|json|prometheus]\n"
"  flush                         remove all tracked flows\n"
"  help                          this text\n"
"\n"
"Options (anywhere on the line):\n"
"  -j, --json          JSON output\n"
"  -p, --pretty        indented JSON (implies -j)\n"
"  -n, --netns NAME    run in network namespace NAME (/run/netns/NAME, ip -n)\n"
"  -h, --help;  -V, --version\n"
"\n"
"Durations: N[.F] with unit ms, s, m, h or d, e.g. 500ms, 1s, 2m.\n"
"Exit status: 0 ok, 1 usage error, 2 kernel or system error.\n";

static const struct {
	const char *name;
	agc_cmd_fn fn;
} commands[] = {
	{ "show", agc_cmd_show },
	{ "set", agc_cmd_set },
	{ "flows", agc_cmd_flows },
	{ "dump", agc_cmd_dump },
	{ "watch", agc_cmd_watch },
	{ "monitor", agc_cmd_monitor },
	{ "stats", agc_cmd_stats },
	{ "flush", agc_cmd_flush },
};

static bool is_help(const char *w)
{
	return !strcmp(w, "help") || !strcmp(w, "-h") || !strcmp(w, "--help");
}

static int dispatch(int argc, char **argv, const struct agc_opts *o)
{
	struct agc_err e;

	if (argc == 0) {
		if (o->netns && agc_netns_enter(o->netns, &e))
			return agc_fail("show", &e);
		return agc_cmd_show(0, argv, o);
	}
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ||
		    (i == 0 && is_help(argv[i]))) {
			fputs(usage_text, stdout);
			return AGC_EXIT_OK;
		}
	}
	if (!strcmp(argv[0], "--version") || !strcmp(argv[0], "-V")) {
		printf("ackguardctl %s\n", VERSION);
		return AGC_EXIT_OK;
	}
	for (size_t i = 0; i < AGC_ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[0], commands[i].name))
			continue;
		/* Before any socket or /proc file is opened. */
		if (o->netns && agc_netns_enter(o->netns, &e))
			return agc_fail(argv[0], &e);
		return commands[i].fn(argc - 1, argv + 1, o);
	}
	if (argv[0][0] == '-')
		agc_err_set(&e, "unknown option \"%s\"", argv[0]);
	else
		agc_err_set(&e, "unknown command \"%s\"", argv[0]);
	return agc_usage_error(NULL, &e);
}

/*
 * -j, -p and -n NAME are accepted anywhere (no command takes a word that
 * starts with "-j", "-p" or "-n"); the rest keeps its order. -p implies -j:
 * ip(8) silently ignores -p without -j, which looks like a bug to whoever
 * asked for pretty output.
 */
static int global_opts(int *argc, char **argv, struct agc_opts *o)
{
	struct agc_err e;
	int n = 0;

	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
			o->json = true;
			o->pretty = true;
		} else if (!strcmp(a, "-n") || !strcmp(a, "--netns") ||
			   !strncmp(a, "--netns=", 8)) {
			const char *v = a[1] == 'n' || a[7] == '\0' ?
					(i + 1 < *argc ? argv[++i] : NULL) :
					a + 8;

			if (!v) {
				agc_err_set(&e, "missing namespace name after \"%s\"",
					    a);
				return agc_usage_error(NULL, &e);
			}
			if (!agc_netns_name_ok(v, &e))
				return agc_usage_error(NULL, &e);
			if (o->netns && strcmp(o->netns, v)) {
				agc_err_set(&e, "two network namespaces: \"%s\" "
					    "and \"%s\"", o->netns, v);
				return agc_usage_error(NULL, &e);
			}
			o->netns = v;
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	*argc = n;
	return AGC_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct agc_opts o = { .json = false };
	int rc;

	rc = global_opts(&argc, argv, &o);
	if (rc)
		return rc;
	agc_json_set_pretty(o.pretty);
	rc = dispatch(argc, argv, &o);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "ackguardctl: cannot write output: %s\n",
			strerror(errno));
		return AGC_EXIT_FAIL;
	}
	return rc;
}
