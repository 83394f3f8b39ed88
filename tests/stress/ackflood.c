// SPDX-License-Identifier: GPL-2.0
/*
 * ackflood: send pure TCP ACKs with random (invalid) sequence numbers and
 * timestamps as fast as the kernel takes them, through an AF_PACKET socket
 * and sendmmsg(), for the ackguard stress and flood tests (tests/stress/).
 *
 *   ackflood -i DEV -m DSTMAC [options] spoof SRC/PLEN DST
 *       segments from random addresses in SRC/PLEN and random ports to DST
 *       (port --dport, or random): 4-tuples with no socket behind them
 *   ackflood -i DEV -m DSTMAC [options] tuples FILE
 *       segments to existing connections, round robin; each line of FILE is
 *       "REMOTE RPORT LOCAL LPORT" (REMOTE is the sender we pose as, LOCAL
 *       the receiving socket's address), IPv4 or IPv6; lines starting with
 *       '#' are skipped
 *
 * Options:
 *   -n COUNT    stop after COUNT segments (default: run until -t or killed)
 *   -t SECONDS  stop after this long
 *   -b BATCH    segments per sendmmsg (default 64)
 *   -c CPU      pin to this CPU
 *   -s SEED     random seed (default: time and pid)
 *   -T MODE     timestamp option: random (default), none, or old (TSval 1)
 *   -p PORT     destination port in spoof mode (default random >= 1024)
 *   -r PPS      pace to this many segments per second (default: flat out)
 *   -q          quiet: no summary line
 * The summary (stdout) is "sent N in S s, P pps".  Exit 0 when everything
 * was sent, 1 on errors.  SIGTERM/SIGINT stop it cleanly (summary printed).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 1024
#define PKT_MAX 128

struct tuple {
	int family;
	uint8_t src[16], dst[16];	/* src: the peer we pose as */
	uint16_t sport, dport;		/* host order */
};

static volatile sig_atomic_t stop;
static uint64_t rng_state;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t rnd64(void)
{
	/* xorshift64*: plenty for packet fields */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint32_t rnd32(void)
{
	return (uint32_t)(rnd64() >> 32);
}

static void die(const char *msg)
{
	perror(msg);
	exit(2);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ackflood -i DEV -m DSTMAC [-n N] [-t S] [-b B] [-c CPU] [-s SEED]\n"
		"                [-T random|none|old] [-p PORT] [-r PPS] [-q]\n"
		"                spoof SRC/PLEN DST | tuples FILE\n");
	exit(2);
}

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned int m[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
	return 0;
}

/* An address of either family; returns the family or -1. */
static int parse_addr(const char *s, uint8_t *a)
{
	if (inet_pton(AF_INET, s, a) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, a) == 1)
		return AF_INET6;
	return -1;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

enum ts_mode { TS_RANDOM, TS_NONE, TS_OLD };

/*
 * Build one Ethernet frame carrying a pure ACK from t->src:sport to
 * t->dst:dport with random SEQ/ACK (and TSval); returns its length.
 */
static size_t build(uint8_t *buf, const uint8_t *smac, const uint8_t *dmac,
		    const struct tuple *t, enum ts_mode ts, uint16_t ipid)
{
	size_t iphl = t->family == AF_INET ? 20 : 40;
	size_t thl = ts == TS_NONE ? 20 : 32;
	uint8_t *ip = buf + 14, *th;
	uint32_t sum;
	uint8_t pseudo[40];
	size_t plen;

	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	put16(buf + 12, t->family == AF_INET ? ETH_P_IP : ETH_P_IPV6);
	if (t->family == AF_INET) {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + thl));
		put16(ip + 4, ipid);
		put16(ip + 6, 0x4000);	/* DF */
		ip[8] = 64;
		ip[9] = IPPROTO_TCP;
		memcpy(ip + 12, t->src, 4);
		memcpy(ip + 16, t->dst, 4);
		put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
		memcpy(pseudo, t->src, 4);
		memcpy(pseudo + 4, t->dst, 4);
		pseudo[8] = 0;
		pseudo[9] = IPPROTO_TCP;
		put16(pseudo + 10, (uint16_t)thl);
		plen = 12;
	} else {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)thl);
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, t->src, 16);
		memcpy(ip + 24, t->dst, 16);
		memcpy(pseudo, t->src, 16);
		memcpy(pseudo + 16, t->dst, 16);
		put32(pseudo + 32, (uint32_t)thl);
		memset(pseudo + 36, 0, 3);
		pseudo[39] = IPPROTO_TCP;
		plen = 40;
	}
	th = ip + iphl;
	memset(th, 0, thl);
	put16(th, t->sport);
	put16(th + 2, t->dport);
	put32(th + 4, rnd32());		/* SEQ: out of any window */
	put32(th + 8, rnd32());		/* ACK */
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = 0x10;			/* ACK */
	put16(th + 14, 512);
	if (ts != TS_NONE) {
		th[20] = 1;
		th[21] = 1;
		th[22] = 8;
		th[23] = 10;
		put32(th + 24, ts == TS_OLD ? 1 : rnd32());
		put32(th + 28, 0);
	}
	sum = csum_add(0, pseudo, plen);
	sum = csum_add(sum, th, thl);
	put16(th + 16, csum_fold(sum));
	return 14 + iphl + thl;
}

static size_t load_tuples(const char *path, struct tuple **out)
{
	FILE *f = fopen(path, "r");
	char line[512], a[INET6_ADDRSTRLEN + 1], b[INET6_ADDRSTRLEN + 1];
	size_t n = 0, cap = 0;
	unsigned int sp, dp;
	struct tuple *v = NULL;

	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		struct tuple t = { 0 };
		int fa, fb;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%46s %u %46s %u", a, &sp, b, &dp) != 4 ||
		    sp > 65535 || dp > 65535) {
			fprintf(stderr, "ackflood: bad tuple line: %s", line);
			exit(2);
		}
		fa = parse_addr(a, t.src);
		fb = parse_addr(b, t.dst);
		if (fa < 0 || fa != fb) {
			fprintf(stderr, "ackflood: bad addresses: %s", line);
			exit(2);
		}
		t.family = fa;
		t.sport = (uint16_t)sp;
		t.dport = (uint16_t)dp;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				die("realloc");
		}
		v[n++] = t;
	}
	fclose(f);
	*out = v;
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *dev = NULL, *dmac_s = NULL;
	uint64_t count = 0, sent = 0, errors = 0;
	double duration = 0, rate = 0, t0, el;
	unsigned int batch = 64;
	int cpu = -1, opt, fd, quiet = 0, spoof_family = 0;
	enum ts_mode ts = TS_RANDOM;
	uint64_t seed = 0;
	long dport = -1;
	uint8_t smac[6], dmac[6];
	uint8_t spoof_net[16], spoof_dst[16];
	unsigned int spoof_plen = 0;
	struct tuple *tuples = NULL;
	size_t ntuples = 0, next = 0;
	static uint8_t bufs[MAX_BATCH][PKT_MAX];
	static struct iovec iov[MAX_BATCH];
	static struct mmsghdr msgs[MAX_BATCH];
	struct sockaddr_ll sll;
	struct ifreq ifr;
	struct sigaction sa;
	uint16_t ipid = 0;
	unsigned int i;

	while ((opt = getopt(argc, argv, "i:m:n:t:b:c:s:T:p:r:q")) != -1) {
		switch (opt) {
		case 'i': dev = optarg; break;
		case 'm': dmac_s = optarg; break;
		case 'n': count = strtoull(optarg, NULL, 0); break;
		case 't': duration = atof(optarg); break;
		case 'b': batch = (unsigned int)atoi(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'p': dport = atol(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'q': quiet = 1; break;
		case 'T':
			if (!strcmp(optarg, "random"))
				ts = TS_RANDOM;
			else if (!strcmp(optarg, "none"))
				ts = TS_NONE;
			else if (!strcmp(optarg, "old"))
				ts = TS_OLD;
			else
				usage();
			break;
		default: usage();
		}
	}
	if (!dev || !dmac_s || parse_mac(dmac_s, dmac) || batch < 1 ||
	    batch > MAX_BATCH || dport > 65535 || optind >= argc)
		usage();
	if (!strcmp(argv[optind], "spoof") && optind + 3 == argc) {
		char net[64], *slash;
		int fd2;

		snprintf(net, sizeof(net), "%s", argv[optind + 1]);
		slash = strchr(net, '/');
		if (!slash)
			usage();
		*slash = 0;
		spoof_plen = (unsigned int)atoi(slash + 1);
		spoof_family = parse_addr(net, spoof_net);
		fd2 = parse_addr(argv[optind + 2], spoof_dst);
		if (spoof_family < 0 || fd2 != spoof_family ||
		    spoof_plen > (spoof_family == AF_INET ? 32u : 128u))
			usage();
	} else if (!strcmp(argv[optind], "tuples") && optind + 2 == argc) {
		ntuples = load_tuples(argv[optind + 1], &tuples);
		if (!ntuples) {
			fprintf(stderr, "ackflood: no tuples in %s\n", argv[optind + 1]);
			return 2;
		}
	} else {
		usage();
	}

	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("sched_setaffinity");
	}
	rng_state = seed ? seed : ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();
	rng_state |= 1;

	fd = socket(AF_PACKET, SOCK_RAW, 0);	/* send only: no protocol */
	if (fd < 0)
		die("socket(AF_PACKET)");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		die(dev);
	memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(dev);
	if (!sll.sll_ifindex)
		die(dev);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	for (i = 0; i < batch; i++) {
		iov[i].iov_base = bufs[i];
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	t0 = now_s();
	while (!stop) {
		unsigned int n = batch, done = 0;
		int r;

		if (count && count - sent < n)
			n = (unsigned int)(count - sent);
		if (!n)
			break;
		for (i = 0; i < n; i++) {
			struct tuple t;

			if (ntuples) {
				t = tuples[next];
				next = (next + 1) % ntuples;
			} else {
				unsigned int alen = spoof_family == AF_INET ? 4 : 16;
				unsigned int b;

				memset(&t, 0, sizeof(t));
				t.family = spoof_family;
				memcpy(t.dst, spoof_dst, alen);
				/* random host part under the prefix */
				for (b = 0; b < alen; b++) {
					int keep = (int)spoof_plen - (int)b * 8;
					uint8_t mask = keep >= 8 ? 0xff :
						       keep <= 0 ? 0 :
						       (uint8_t)(0xff << (8 - keep));

					t.src[b] = (spoof_net[b] & mask) |
						   ((uint8_t)rnd32() & ~mask);
				}
				t.sport = (uint16_t)(1024 + rnd32() % 64512);
				t.dport = dport >= 0 ? (uint16_t)dport :
					  (uint16_t)(1024 + rnd32() % 64512);
			}
			iov[i].iov_len = build(bufs[i], smac, dmac, &t, ts, ipid++);
		}
		while (done < n && !stop) {
			r = sendmmsg(fd, msgs + done, n - done, 0);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				if (errno == ENOBUFS || errno == EAGAIN) {
					/* the device queue is full: yield */
					sched_yield();
					continue;
				}
				errors++;
				if (errors > 1000) {
					perror("sendmmsg");
					stop = 1;
				}
				break;
			}
			done += (unsigned int)r;
		}
		sent += done;
		if (duration > 0 && now_s() - t0 >= duration)
			break;
		if (rate > 0) {
			/* sleep until this many segments are due */
			double ahead = t0 + sent / rate - now_s();

			if (ahead > 0) {
				struct timespec ts = {
					.tv_sec = (time_t)ahead,
					.tv_nsec = (long)((ahead - (time_t)ahead) * 1e9),
				};

				nanosleep(&ts, NULL);
			}
		}
	}
	el = now_s() - t0;
	if (!quiet)
		printf("sent %llu in %.2f s, %.0f pps\n", (unsigned long long)sent,
		       el, el > 0 ? sent / el : 0.0);
	return errors ? 1 : 0;
}
