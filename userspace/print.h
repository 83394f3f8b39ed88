/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguardctl: output in three formats. Printers only read the plain
 * structs of agc.h (filled by netlink.c), so they are testable alone.
 * A NULL cfg, counters or kernel pointer leaves that section out.
 */
#ifndef AGC_PRINT_H
#define AGC_PRINT_H

#include <stdio.h>
#include <time.h>

#include "agc.h"

/* print_text.c */
void agc_show_text(FILE *f, const struct agc_config *cfg,
		   const struct agc_counters *c, const struct agc_kernel *k);
void agc_flows_text(FILE *f, const struct agc_flow *v, size_t n);
/*
 * "dump": one line per flow, AGC_DUMP_COLUMNS tab-separated raw values in
 * a fixed order (ackguardctl.8 promises it never changes).
 */
#define AGC_DUMP_COLUMNS 32
void agc_flows_dump(FILE *f, const struct agc_flow *v, size_t n);
/* cmd: ACKGUARD_CMD_STORM_START or ACKGUARD_CMD_STORM_END */
void agc_event_text(FILE *f, int cmd, const struct agc_flow *fl,
		    const struct timespec *ts);
void agc_watch_text(FILE *f, const struct agc_watch_frame *w);

/* print_json.c: each call writes one document and a newline. */
void agc_show_json(FILE *f, const struct agc_config *cfg,
		   const struct agc_counters *c, const struct agc_kernel *k);
void agc_flows_json(FILE *f, const struct agc_flow *v, size_t n);
void agc_event_json(FILE *f, int cmd, const struct agc_flow *fl,
		    const struct timespec *ts);
void agc_watch_json(FILE *f, const struct agc_watch_frame *w);

/* print_prom.c: Prometheus text exposition format 0.0.4. */
/* ackguard_up 1 with counters (only called once the module was read). */
void agc_stats_prom(FILE *f, const struct agc_config *cfg,
		    const struct agc_counters *c, const struct agc_kernel *k);

#endif /* AGC_PRINT_H */
