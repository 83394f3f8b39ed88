// SPDX-License-Identifier: GPL-2.0
/*
 * ackguardctl unit tests: writes one printer's output on the sample data
 * to stdout, for the external validators in run.sh (python json, promtool)
 * and for eyeballing the text formats.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "print.h"
#include "samples.h"

int main(int argc, char **argv)
{
	const char *k = argc > 1 ? argv[1] : "";
	struct agc_watch_frame w;
	struct agc_json j;

	samples_init();
	w = sample_frame;
	if (!strcmp(k, "show-json")) {
		agc_show_json(stdout, &sample_config, &sample_counters,
			      &sample_kernel);
	} else if (!strcmp(k, "stats-json")) {
		agc_show_json(stdout, NULL, &sample_counters, NULL);
	} else if (!strcmp(k, "flows-json")) {
		agc_flows_json(stdout, sample_flows, SAMPLE_NFLOWS);
	} else if (!strcmp(k, "flows-json-empty")) {
		agc_flows_json(stdout, NULL, 0);
	} else if (!strcmp(k, "event-json")) {
		agc_event_json(stdout, ACKGUARD_CMD_STORM_START,
			       &sample_flows[0], &sample_time);
	} else if (!strcmp(k, "watch-json")) {
		agc_watch_json(stdout, &w);
	} else if (!strcmp(k, "watch-json-noflows")) {
		w.flows_ok = false;
		agc_watch_json(stdout, &w);
	} else if (!strcmp(k, "escape-json")) {
		agc_json_init(&j, stdout);
		agc_json_obj_begin(&j, NULL);
		agc_json_str(&j, "ctl", "a\"b\\c\n\t\x01\x1f\x7f");
		agc_json_str(&j, "utf8", "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80");
		agc_json_str(&j, "bad", "\xff\xc3(\xed\xa0\x80\xe2\x82");
		agc_json_arr_begin(&j, "arr");
		agc_json_double(&j, NULL, 1.0 / 0.0, 1);
		agc_json_null(&j, NULL);
		agc_json_arr_begin(&j, NULL);
		agc_json_arr_end(&j);
		agc_json_obj_begin(&j, NULL);
		agc_json_obj_end(&j);
		agc_json_arr_end(&j);
		agc_json_obj_end(&j);
		fputc('\n', stdout);
	} else if (!strcmp(k, "show-text")) {
		agc_show_text(stdout, &sample_config, &sample_counters,
			      &sample_kernel);
	} else if (!strcmp(k, "show-json-pretty")) {
		agc_json_set_pretty(true);
		agc_show_json(stdout, &sample_config, &sample_counters,
			      &sample_kernel);
	} else if (!strcmp(k, "prom-absent")) {
		sample_kernel.limiter = AGC_LIMITER_ABSENT;
		agc_stats_prom(stdout, &sample_config, &sample_counters,
			       &sample_kernel);
	} else if (!strcmp(k, "flows-dump")) {
		agc_flows_dump(stdout, sample_flows, SAMPLE_NFLOWS);
	} else if (!strcmp(k, "flows-text")) {
		agc_flows_text(stdout, sample_flows, SAMPLE_NFLOWS);
	} else if (!strcmp(k, "event-text")) {
		agc_event_text(stdout, ACKGUARD_CMD_STORM_END, &sample_flows[1],
			       &sample_time);
	} else if (!strcmp(k, "watch-text")) {
		agc_watch_text(stdout, &w);
	} else if (!strcmp(k, "prom")) {
		agc_stats_prom(stdout, &sample_config, &sample_counters,
			       &sample_kernel);
	} else if (!strcmp(k, "prom-counters")) {
		agc_stats_prom(stdout, NULL, &sample_counters, NULL);
	} else {
		fprintf(stderr, "usage: emit_samples KIND\n");
		return 2;
	}
	return 0;
}
