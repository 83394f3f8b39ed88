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

/* -DVERSION from the Makefile: the tree's VERSION file */
#ifndef VERSION
#error "VERSION not set: build with userspace/Makefile"
#endif

static const char usage_text[] =
"Usage: ackguardctl [-j|--json] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  show                          configuration and counters (default)\n"
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
"  watch [--interval DURATION] [--count N]\n"
"  monitor [--count N] [--timeout DURATION]\n"
"  stats [-o text|json|prometheus]\n"
"  flush                         remove all tracked flows\n"
"  help                          this text\n"
"\n"
"Durations: N[.F] with unit ms, s, m, h or d, e.g. 500ms, 1s, 2m.\n"
"Options: -j, --json  JSON output;  -h, --help;  --version\n"
"Exit status: 0 ok, 1 usage error, 2 kernel or system error.\n";

static const struct {
	const char *name;
	agc_cmd_fn fn;
} commands[] = {
	{ "show", agc_cmd_show },
	{ "set", agc_cmd_set },
	{ "flows", agc_cmd_flows },
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

	if (argc == 0)
		return agc_cmd_show(0, argv, o);
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
	for (size_t i = 0; i < AGC_ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[0], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1, o);
	if (argv[0][0] == '-')
		agc_err_set(&e, "unknown option \"%s\"", argv[0]);
	else
		agc_err_set(&e, "unknown command \"%s\"", argv[0]);
	return agc_usage_error(NULL, &e);
}

int main(int argc, char **argv)
{
	struct agc_opts o = { .json = false };
	int n = 0, rc;

	/* -j/--json is accepted anywhere; the rest keeps its order. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			o.json = true;
		else
			argv[n++] = argv[i];
	}
	argv[n] = NULL;
	rc = dispatch(n, argv, &o);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "ackguardctl: cannot write output: %s\n",
			strerror(errno));
		return AGC_EXIT_FAIL;
	}
	return rc;
}
