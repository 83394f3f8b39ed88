// SPDX-License-Identifier: GPL-2.0
/*
 * pingpong: an ACK-heavy TCP workload for bench/bench-guest.sh: many small
 * request/response exchanges with TCP_NODELAY.
 *
 *   pingpong server --port P [--chunk C]
 *       accept on 0.0.0.0:P and echo back everything, any number of
 *       connections (one epoll loop); with --chunk, answer only one byte
 *       per C bytes received (a bulk sink that acknowledges chunks)
 *   pingpong client --addr A --port P [--conns K] [--size S] [--secs D]
 *       K connections (default 8), each sending S bytes (default 64) and
 *       waiting for them to come back, again and again for D seconds
 *       (default 3); prints "transactions=N secs=T tps=R".  With one
 *       connection each exchange is timed, and it adds the median and
 *       quartiles of the round-trip times and the rate the median gives
 *       ("rtt_median_us= rtt_p25_us= rtt_p75_us= tps_median="): a median
 *       is blind to the exchanges the (shared, emulated) host preempted.
 *       With several --addr (up to 16): one connection to each, the
 *       exchanges taking turns, each timed; one line per address
 *       ("addr=A transactions= rtt_median_us= ... tps_median= mbps_median=").
 *       --reply R: wait for R bytes back instead of S (a bulk transfer in
 *       chunks of S bytes against "server --chunk S", --reply 1).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nodelay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		die("TCP_NODELAY");
}

static __attribute__((noreturn)) void server(int port, long chunk)
{
	static long got[65536];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct epoll_event ev, evs[64];
	char buf[65536];
	int ls, ep, one = 1;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0)
		die("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 128) < 0)
		die("bind/listen");
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.fd = ls;
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1), i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait");
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			ssize_t r;

			if (fd == ls) {
				int c = accept(ls, NULL, NULL);

				if (c < 0)
					continue;
				nodelay(c);
				ev.events = EPOLLIN;
				ev.data.fd = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				continue;
			}
			r = read(fd, buf, sizeof(buf));
			if (r <= 0) {
				got[fd % 65536] = 0;
				close(fd);
				continue;
			}
			if (chunk) {
				/* bulk: one byte back per chunk received */
				got[fd % 65536] += r;
				while (got[fd % 65536] >= chunk) {
					got[fd % 65536] -= chunk;
					if (write(fd, "k", 1) != 1)
						break;
				}
				continue;
			}
			if (write(fd, buf, r) != r) {
				close(fd);
				continue;
			}
		}
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One connection, each exchange timed. */
static int client1(int fd, int size, double secs)
{
	size_t cap = 1 << 20, n = 0;
	double *rtt = malloc(cap * sizeof(*rtt)), t0, end, t;
	char *msg = calloc(1, size), buf[65536];

	if (!rtt || !msg)
		die("malloc");
	t0 = now_s();
	end = t0 + secs;
	for (t = t0; t < end;) {
		double b = t;
		int got = 0;

		if (write(fd, msg, size) != size)
			die("write");
		while (got < size) {
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r <= 0)
				die("read");
			got += r;
		}
		t = now_s();
		if (n < cap)
			rtt[n++] = (t - b) * 1e6;
	}
	secs = t - t0;
	qsort(rtt, n, sizeof(*rtt), cmp_double);
	printf("transactions=%zu secs=%.3f tps=%.0f rtt_median_us=%.1f rtt_p25_us=%.1f rtt_p75_us=%.1f tps_median=%.0f\n",
	       n, secs, n / secs, rtt[n / 2], rtt[n / 4], rtt[3 * n / 4], 1e6 / rtt[n / 2]);
	return 0;
}

/*
 * One connection to each of n servers, the exchanges taking turns (one on
 * the first, one on the second, ...), each timed: the servers are measured
 * side by side, in the same seconds.
 */
static int client_multi(char **addrs, int n, int port, int size, int reply,
			double secs)
{
	size_t cap = 1 << 20, cnt[16] = { 0 };
	double *rtt[16], t0, end, t;
	char *msg = calloc(1, size), buf[65536];
	int fd[16], i;

	if (reply <= 0)
		reply = size;

	for (i = 0; i < n; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

		rtt[i] = malloc(cap * sizeof(double));
		fd[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (!rtt[i] || fd[i] < 0 || inet_pton(AF_INET, addrs[i], &a.sin_addr) != 1 ||
		    connect(fd[i], (struct sockaddr *)&a, sizeof(a)) < 0)
			die(addrs[i]);
		nodelay(fd[i]);
	}
	t0 = now_s();
	end = t0 + secs;
	for (t = t0; t < end;) {
		for (i = 0; i < n; i++) {
			double b = now_s();
			int got = 0;

			int put = 0;

			while (put < size) {
				ssize_t w = write(fd[i], msg + put, size - put);

				if (w <= 0)
					die("write");
				put += w;
			}
			while (got < reply) {
				ssize_t r = read(fd[i], buf, sizeof(buf));

				if (r <= 0)
					die("read");
				got += r;
			}
			t = now_s();
			if (cnt[i] < cap)
				rtt[i][cnt[i]++] = (t - b) * 1e6;
		}
	}
	for (i = 0; i < n; i++) {
		size_t c = cnt[i];

		qsort(rtt[i], c, sizeof(double), cmp_double);
		printf("addr=%s transactions=%zu rtt_median_us=%.1f rtt_p25_us=%.1f rtt_p75_us=%.1f tps_median=%.0f mbps_median=%.1f\n",
		       addrs[i], c, rtt[i][c / 2], rtt[i][c / 4], rtt[i][3 * c / 4], 1e6 / rtt[i][c / 2],
		       size * 8.0 / rtt[i][c / 2]);
	}
	return 0;
}

static int client(const char *addr, int port, int conns, int size, double secs)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct epoll_event ev, evs[64];
	char *msg, buf[65536];
	int *got, ep, i;
	unsigned long tx = 0;
	double t0, end;

	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1 || size < 1 ||
	    size > (int)sizeof(buf) || conns < 1)
		die("arguments");
	msg = calloc(1, size);
	got = calloc(conns + 1024, sizeof(*got));
	ep = epoll_create1(0);
	for (i = 0; i < conns; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("connect");
		nodelay(fd);
		if (conns == 1)
			return client1(fd, size, secs);
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		if (write(fd, msg, size) != size)
			die("write");
	}
	t0 = now_s();
	end = t0 + secs;
	while (now_s() < end) {
		int n = epoll_wait(ep, evs, 64, 100);

		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r <= 0)
				die("read");
			got[fd] += r;
			if (got[fd] >= size) {
				got[fd] -= size;
				tx++;
				if (write(fd, msg, size) != size)
					die("write");
			}
		}
	}
	secs = now_s() - t0;
	printf("transactions=%lu secs=%.3f tps=%.0f\n", tx, secs, tx / secs);
	return 0;
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	char *addrs[16];
	int port = 0, conns = 8, size = 64, reply = 0, i, naddr = 0;
	long chunk = 0;
	double secs = 3;

	if (argc < 2)
		goto usage;
	for (i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--addr")) {
			addr = argv[i + 1];
			if (naddr < 16)
				addrs[naddr++] = argv[i + 1];
		}
		else if (!strcmp(argv[i], "--port"))
			port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--conns"))
			conns = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--size"))
			size = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--reply"))
			reply = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--chunk"))
			chunk = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--secs"))
			secs = atof(argv[i + 1]);
		else
			goto usage;
	}
	if (i != argc || !port)
		goto usage;
	if (!strcmp(argv[1], "server"))
		server(port, chunk);
	if (!strcmp(argv[1], "client") && naddr > 1)
		return client_multi(addrs, naddr, port, size, reply, secs);
	if (!strcmp(argv[1], "client"))
		return client(addr, port, conns, size, secs);
usage:
	fprintf(stderr, "usage: pingpong server --port P [--chunk C]\n"
		"       pingpong client --addr A [--addr A2...] --port P [--conns K] [--size S]\n"
		"                       [--reply R] [--secs D]\n");
	return 2;
}
