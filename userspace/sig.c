// SPDX-License-Identifier: GPL-2.0
/* ackguardctl: race-free waits that end on SIGINT/SIGTERM (signalfd). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>

#include "sig.h"

int agc_sig_open(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (fd < 0)	/* let the signals kill us as usual */
		sigprocmask(SIG_UNBLOCK, &set, NULL);
	return fd;
}

long long agc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int agc_sig_wait(int sigfd, int fd, long timeout_ms)
{
	struct pollfd p[2] = {
		{ .fd = sigfd, .events = POLLIN },
		{ .fd = fd, .events = POLLIN },
	};
	long long deadline = timeout_ms < 0 ? -1 : agc_now_ms() + timeout_ms;

	for (;;) {
		long long left = deadline < 0 ? -1 : deadline - agc_now_ms();
		int rc;

		if (deadline >= 0 && left < 0)
			left = 0;
		rc = poll(p, fd < 0 ? 1 : 2, left > 0x7fffffff ? 0x7fffffff :
			  (int)left);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p[0].revents)
			return -1;
		if (fd >= 0 && p[1].revents)
			return 1;
		if (deadline >= 0 && agc_now_ms() >= deadline)
			return 0;
	}
}
