// SPDX-License-Identifier: GPL-2.0
/*
 * ackgen: load for the ackguard benchmarks (bench/bench-guest.sh).
 *
 *   ackgen sockets --local A --lport P --remote B --rport R --flows N
 *                  --rcv-nxt X --snd-nxt Y [--ready FILE]
 *       Make N established IPv4 TCP sockets without a handshake, with
 *       TCP_REPAIR: socket i is A:P <-> flow_addr(B, i):flow_port(R, i)
 *       with rcv_nxt X and snd_nxt Y, no timestamps.  No packet is sent.
 *       Writes FILE ("ready N") and holds them until SIGTERM.
 *
 *   ackgen flood --target DEV:FLOWS[:FIRST] [--target ...] --smac M
 *                --dmac M --src B --sport R --dst A --dport P --seq S
 *                --ack Y --count C [--batch K] [--warmup]
 *       Send C pure ACKs (Ethernet/IPv4/TCP, valid checksums) to every
 *       target through one AF_PACKET socket with sendmmsg(), K frames
 *       (default 32) per call, cycling over the target's flows FIRST..
 *       FIRST+FLOWS-1 in the numbering below.  The targets take turns
 *       batch by batch, so they see the same conditions (a shared,
 *       emulated host).  With S out of the receiver's window each one is
 *       an invalid ACK the kernel would answer with a dupack.  --warmup
 *       first sends one untimed ACK per flow.
 *       Each sendmmsg() is timed: a veth delivers in the sender's context,
 *       so the call's duration is the CPU cost of sending and of the whole
 *       receive path of its frames.  Per target it prints the median, the
 *       quartiles and the mean of the per-batch ns per packet (a median
 *       is blind to the batches the host preempted); then the total:
 *       "sent= secs= pps= cpu= cpu_ticks= hz= self_ms=", cpu_ticks being
 *       the busy ticks of the CPU it ran on (pin it) during the loop
 *       (/proc/stat), self_ms its own CPU time.
 *
 * Flow i: address B + i / 50000, port R + i % 50000, so up to 50000 flows
 * per address.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PORTS_PER_ADDR 50000
#define FRAME_LEN (14 + 20 + 20)

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ackgen sockets --local A --lport P --remote B --rport R --flows N\n"
		"                      --rcv-nxt X --snd-nxt Y [--ready FILE]\n"
		"       ackgen flood --target DEV:FLOWS[:FIRST]... --smac M --dmac M\n"
		"                    --src B --sport R --dst A --dport P --seq S --ack Y\n"
		"                    --count C [--batch K] [--warmup]\n");
	exit(2);
}

struct opts {
	const char *ready;
	uint8_t smac[6], dmac[6];
	struct in_addr local, remote, src, dst;
	unsigned int lport, rport, sport, dport;
	unsigned long flows, count, batch;
	uint32_t rcv_nxt, snd_nxt, seq, ack;
};

static uint32_t flow_addr(struct in_addr base, unsigned long i)
{
	return htonl(ntohl(base.s_addr) + i / PORTS_PER_ADDR);
}

static uint16_t flow_port(unsigned int base, unsigned long i)
{
	return htons(base + i % PORTS_PER_ADDR);
}

static void parse_mac(const char *s, uint8_t *mac)
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5]) != 6) {
		fprintf(stderr, "ackgen: bad MAC %s\n", s);
		exit(2);
	}
}

static void parse_ip(const char *s, struct in_addr *a)
{
	if (inet_pton(AF_INET, s, a) != 1) {
		fprintf(stderr, "ackgen: bad IPv4 address %s\n", s);
		exit(2);
	}
}

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s) {
		fprintf(stderr, "ackgen: bad number %s\n", s);
		exit(2);
	}
	return v;
}

/* ------------------------------------------------------------ sockets */

static void setopt(int fd, int level, int name, int val, const char *what)
{
	if (setsockopt(fd, level, name, &val, sizeof(val)) < 0)
		die(what);
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int cmd_sockets(struct opts *o)
{
	struct sockaddr_in la = { .sin_family = AF_INET }, ra = la;
	struct rlimit rl;
	unsigned long i;

	rl.rlim_cur = rl.rlim_max = o->flows + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit(RLIMIT_NOFILE)");
	la.sin_addr = o->local;
	la.sin_port = htons(o->lport);
	for (i = 0; i < o->flows; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0)
			die("socket");
		/* repair mode: bind ignores conflicts, connect sends nothing */
		setopt(fd, IPPROTO_TCP, TCP_REPAIR, TCP_REPAIR_ON, "TCP_REPAIR on");
		if (bind(fd, (struct sockaddr *)&la, sizeof(la)) < 0)
			die("bind");
		setopt(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE, "TCP_REPAIR_QUEUE send");
		setopt(fd, IPPROTO_TCP, TCP_QUEUE_SEQ, (int)o->snd_nxt, "TCP_QUEUE_SEQ send");
		setopt(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE, "TCP_REPAIR_QUEUE recv");
		setopt(fd, IPPROTO_TCP, TCP_QUEUE_SEQ, (int)o->rcv_nxt, "TCP_QUEUE_SEQ recv");
		ra.sin_addr.s_addr = flow_addr(o->remote, i);
		ra.sin_port = flow_port(o->rport, i);
		if (connect(fd, (struct sockaddr *)&ra, sizeof(ra)) < 0)
			die("connect");
		setopt(fd, IPPROTO_TCP, TCP_REPAIR, TCP_REPAIR_OFF_NO_WP, "TCP_REPAIR off");
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if (o->ready) {
		FILE *f;
		char tmp[4096];

		snprintf(tmp, sizeof(tmp), "%s.tmp", o->ready);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "ready %lu\n", o->flows) < 0 || fclose(f))
			die(tmp);
		if (rename(tmp, o->ready) < 0)
			die("rename");
	}
	printf("sockets=%lu\n", o->flows);
	fflush(stdout);
	while (!stop)
		pause();
	return 0;
}

/* ------------------------------------------------------------ flood */

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static void build_frame(const struct opts *o, unsigned long i, uint8_t *f)
{
	struct ether_header *eth = (struct ether_header *)f;
	struct iphdr *ip = (struct iphdr *)(f + 14);
	struct tcphdr *th = (struct tcphdr *)(f + 34);
	uint32_t sum;

	memset(f, 0, FRAME_LEN);
	memcpy(eth->ether_dhost, o->dmac, 6);
	memcpy(eth->ether_shost, o->smac, 6);
	eth->ether_type = htons(ETHERTYPE_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(40);
	ip->id = htons((uint16_t)i);
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->saddr = flow_addr(o->src, i);
	ip->daddr = o->dst.s_addr;
	ip->check = htons(csum_fold(csum_add(0, ip, 20)));
	th->source = flow_port(o->sport, i);
	th->dest = htons(o->dport);
	th->seq = htonl(o->seq);
	th->ack_seq = htonl(o->ack);
	th->doff = 5;
	th->ack = 1;
	th->window = htons(512);
	/* pseudo header + TCP header */
	sum = csum_add(0, &ip->saddr, 8);
	sum += IPPROTO_TCP + 20;
	sum = csum_add(sum, th, 20);
	th->check = htons(csum_fold(sum));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* busy USER_HZ ticks of one CPU, from /proc/stat (all but idle, iowait) */
static long long cpu_ticks(int cpu)
{
	char name[16], line[512];
	long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return -1;
	snprintf(name, sizeof(name), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, strlen(name)))
			continue;
		sscanf(line + strlen(name), "%lld %lld %lld %lld %lld %lld %lld %lld",
		       &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
		break;
	}
	fclose(f);
	/* user nice system [idle] [iowait] irq softirq steal */
	return v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
}

static double self_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, unsigned long n, double p)
{
	return n ? v[(unsigned long)(p * (n - 1) + 0.5)] : 0;
}

/* One destination of a flood: a device and a set of flows. */
struct target {
	char dev[IFNAMSIZ];
	unsigned long flows, first, next, sent, nbatch;
	struct sockaddr_ll sll;
	uint8_t *frames;
	double *ns_per_pkt;	/* one entry per batch */
};

static void parse_target(const char *s, struct target *t)
{
	char buf[128], *p, *q;

	snprintf(buf, sizeof(buf), "%s", s);
	p = strchr(buf, ':');
	if (!p || p == buf || p - buf >= IFNAMSIZ)
		goto bad;
	*p++ = 0;
	memcpy(t->dev, buf, p - buf);
	q = strchr(p, ':');
	if (q)
		*q++ = 0;
	t->flows = num(p);
	t->first = q ? num(q) : 0;
	if (!t->flows)
		goto bad;
	return;
bad:
	fprintf(stderr, "ackgen: bad --target %s (DEV:FLOWS[:FIRST])\n", s);
	exit(2);
}

/* Send up to k frames of t; returns how many went, fills iov/msgs. */
static int send_batch(int fd, struct target *t, struct mmsghdr *msgs,
		      struct iovec *iov, unsigned long k)
{
	unsigned long i, next = t->next;
	int n;

	for (i = 0; i < k; i++) {
		iov[i].iov_base = t->frames + next * FRAME_LEN;
		msgs[i].msg_hdr.msg_name = &t->sll;
		if (++next == t->flows)
			next = 0;
	}
	do {
		n = sendmmsg(fd, msgs, k, 0);
	} while (n < 0 && (errno == ENOBUFS || errno == EAGAIN || errno == EINTR));
	if (n < 0)
		die("sendmmsg");
	t->next = (t->next + n) % t->flows;
	t->sent += n;
	return n;
}

static int cmd_flood(struct opts *o, struct target *tg, int ntg, int warmup)
{
	long long ticks0, ticks1;
	double cpu0_ms, cpu1_ms, t0, t1;
	struct mmsghdr *msgs;
	struct iovec *iov;
	unsigned long i, total = 0;
	int fd, cpu, j;

	if (!ntg || !o->batch)
		usage();
	fd = socket(AF_PACKET, SOCK_RAW, 0);	/* send only: no protocol */
	if (fd < 0)
		die("socket(AF_PACKET)");
	msgs = calloc(o->batch, sizeof(*msgs));
	iov = calloc(o->batch, sizeof(*iov));
	if (!msgs || !iov)
		die("malloc");
	for (i = 0; i < o->batch; i++) {
		iov[i].iov_len = FRAME_LEN;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_ll);
	}
	for (j = 0; j < ntg; j++) {
		struct target *t = &tg[j];

		t->sll.sll_family = AF_PACKET;
		t->sll.sll_ifindex = if_nametoindex(t->dev);
		if (!t->sll.sll_ifindex)
			die(t->dev);
		t->sll.sll_halen = 6;
		memcpy(t->sll.sll_addr, o->dmac, 6);
		t->frames = malloc(t->flows * FRAME_LEN);
		t->ns_per_pkt = calloc(o->count / o->batch + 2, sizeof(double));
		if (!t->frames || !t->ns_per_pkt)
			die("malloc");
		for (i = 0; i < t->flows; i++)
			build_frame(o, t->first + i, t->frames + i * FRAME_LEN);
		/* one untimed pass over every flow: creates the entries */
		if (warmup)
			for (i = 0; i < t->flows; i += o->batch)
				send_batch(fd, t, msgs, iov,
					   t->flows - i < o->batch ? t->flows - i : o->batch);
		t->next = 0;
		t->sent = 0;
	}
	cpu = sched_getcpu();
	cpu0_ms = self_cpu_ms();
	ticks0 = cpu_ticks(cpu);
	t0 = now_s();
	/* batches of the targets in turn, each timed on its own */
	for (;;) {
		int busy = 0;

		for (j = 0; j < ntg; j++) {
			struct target *t = &tg[j];
			unsigned long k = o->count - t->sent;
			double b0;
			int n;

			if (!k)
				continue;
			busy = 1;
			if (k > o->batch)
				k = o->batch;
			b0 = now_s();
			n = send_batch(fd, t, msgs, iov, k);
			if (n > 0)
				t->ns_per_pkt[t->nbatch++] = (now_s() - b0) * 1e9 / n;
		}
		if (!busy)
			break;
	}
	t1 = now_s();
	ticks1 = cpu_ticks(cpu);
	cpu1_ms = self_cpu_ms();
	if (sched_getcpu() != cpu)
		fprintf(stderr, "ackgen: moved from CPU %d (pin it with taskset)\n", cpu);
	for (j = 0; j < ntg; j++) {
		struct target *t = &tg[j];
		double sum = 0;

		for (i = 0; i < t->nbatch; i++)
			sum += t->ns_per_pkt[i];
		qsort(t->ns_per_pkt, t->nbatch, sizeof(double), cmp_double);
		printf("target=%s flows=%lu sent=%lu batches=%lu ns_median=%.0f ns_p25=%.0f ns_p75=%.0f ns_mean=%.0f\n",
		       t->dev, t->flows, t->sent, t->nbatch,
		       pct(t->ns_per_pkt, t->nbatch, 0.5), pct(t->ns_per_pkt, t->nbatch, 0.25),
		       pct(t->ns_per_pkt, t->nbatch, 0.75), t->nbatch ? sum / t->nbatch : 0);
		total += t->sent;
	}
	printf("sent=%lu secs=%.3f pps=%.0f cpu=%d cpu_ticks=%lld hz=%ld self_ms=%.0f\n",
	       total, t1 - t0, total / (t1 - t0), cpu, ticks1 - ticks0,
	       sysconf(_SC_CLK_TCK), cpu1_ms - cpu0_ms);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "local", 1, 0, 'a' }, { "lport", 1, 0, 'p' },
		{ "remote", 1, 0, 'b' }, { "rport", 1, 0, 'r' },
		{ "flows", 1, 0, 'n' }, { "rcv-nxt", 1, 0, 'x' },
		{ "snd-nxt", 1, 0, 'y' }, { "ready", 1, 0, 'R' },
		{ "smac", 1, 0, 'm' },
		{ "dmac", 1, 0, 'M' }, { "src", 1, 0, 's' },
		{ "sport", 1, 0, 'S' }, { "dst", 1, 0, 'd' },
		{ "dport", 1, 0, 'D' }, { "seq", 1, 0, 'q' },
		{ "ack", 1, 0, 'k' }, { "count", 1, 0, 'c' },
		{ "batch", 1, 0, 'B' },
		{ "target", 1, 0, 'T' }, { "warmup", 0, 0, 'W' },
		{ 0, 0, 0, 0 }
	};
	struct opts o = { .batch = 32, .flows = 1 };
	struct target tg[16];
	const char *cmd;
	int c, ntg = 0, warmup = 0;

	memset(tg, 0, sizeof(tg));

	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'a': parse_ip(optarg, &o.local); break;
		case 'p': o.lport = num(optarg); break;
		case 'b': parse_ip(optarg, &o.remote); break;
		case 'r': o.rport = num(optarg); break;
		case 'n': o.flows = num(optarg); break;
		case 'x': o.rcv_nxt = num(optarg); break;
		case 'y': o.snd_nxt = num(optarg); break;
		case 'R': o.ready = optarg; break;
		case 'm': parse_mac(optarg, o.smac); break;
		case 'M': parse_mac(optarg, o.dmac); break;
		case 's': parse_ip(optarg, &o.src); break;
		case 'S': o.sport = num(optarg); break;
		case 'd': parse_ip(optarg, &o.dst); break;
		case 'D': o.dport = num(optarg); break;
		case 'q': o.seq = num(optarg); break;
		case 'k': o.ack = num(optarg); break;
		case 'c': o.count = num(optarg); break;
		case 'B': o.batch = num(optarg); break;
		case 'T':
			if (ntg == 16)
				usage();
			parse_target(optarg, &tg[ntg++]);
			break;
		case 'W': warmup = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (!strcmp(cmd, "sockets"))
		return cmd_sockets(&o);
	if (!strcmp(cmd, "flood"))
		return cmd_flood(&o, tg, ntg, warmup);
	usage();
	return 2;
}
