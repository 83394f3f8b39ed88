/* SPDX-License-Identifier: GPL-2.0 */
/* ackguardctl: waiting for a file descriptor, a timeout or SIGINT/SIGTERM. */
#ifndef AGC_SIG_H
#define AGC_SIG_H

/* Blocks SIGINT and SIGTERM and returns a signalfd for them, or -1. */
int agc_sig_open(void);
/*
 * Waits up to timeout_ms (< 0: forever) for fd (< 0: none) to become
 * readable. Returns 1 when fd is readable, 0 on timeout, -1 when a signal
 * arrived or on error.
 */
int agc_sig_wait(int sigfd, int fd, long timeout_ms);
/* Milliseconds on CLOCK_MONOTONIC. */
long long agc_now_ms(void);

#endif /* AGC_SIG_H */
