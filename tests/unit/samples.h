/* SPDX-License-Identifier: GPL-2.0 */
/* ackguardctl unit tests: fixed sample data for the printers. */
#ifndef AGC_TEST_SAMPLES_H
#define AGC_TEST_SAMPLES_H

#include "agc.h"

#define SAMPLE_NFLOWS 3

extern struct agc_config sample_config;
extern struct agc_counters sample_counters;
extern struct agc_flow sample_flows[SAMPLE_NFLOWS];
extern struct agc_watch_frame sample_frame;
/* tcp_invalid_ratelimit 500 (on), release 6.1.0-test, version 1.2.3 */
extern struct agc_kernel sample_kernel;
/* 2024-05-01T12:00:00.123Z */
extern const struct timespec sample_time;

/* Fills the globals; call once before use. */
void samples_init(void);

#endif /* AGC_TEST_SAMPLES_H */
