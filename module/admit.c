// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: would TCP even look at this segment on this socket?
 *
 * tcp_v4_rcv() and tcp_v6_rcv() of Linux 6.1 discard some segments before
 * any path that answers with a rate-limited ACK. A segment TCP discards
 * there must not be classified: it would spend its flow's budget, and an
 * off-path sender forging two such segments a second (no TCP-MD5 signature,
 * a TTL below a GTSM socket's IP_MINTTL) would get the legitimate peer's
 * keepalives dropped by us, although TCP never looks at the forgeries.
 *
 * What 6.1 checks before handing the segment on, per socket type:
 *
 *   all:           pkt_type == PACKET_HOST; the header checksum
 *                  (skb_checksum_init() before the lookup, completed by
 *                  tcp_checksum_complete() before any state is looked at)
 *   full socket    IP_MINTTL / IPV6_MINHOPCOUNT; xfrm policy; TCP-MD5;
 *   (before        tcp_filter() (pfmemalloc skb, cgroup ingress BPF, LSM,
 *   tcp_rcv_*):    socket filter); the checksum (tcp_v4_do_rcv() for
 *                  states other than ESTABLISHED, tcp_rcv_established()'s
 *                  slow path, which every answered segment takes)
 *   request sock   on its listener: xfrm policy; TCP-MD5; the checksum;
 *   (before        the listener still listening (else reuseport migration
 *   tcp_check_req): or a new lookup); tcp_filter(). No IP_MINTTL.
 *   TIME_WAIT      xfrm policy without a socket; the checksum. Neither
 *   (before        TCP-MD5 nor IP_MINTTL.
 *   tcp_timewait_state_process()):
 *
 * All of these are conditions without side effects on TCP's decision, so
 * the order here is cheapest first, not TCP's. None may change the kernel's
 * counters (TCPMinTTLDrop, TCPMD5NotFound, XfrmInNoPols, ... are TCP's to
 * count when it drops the segment after us): we read the same state and
 * call no function that counts. Where a check cannot be mirrored without
 * side effects (running a BPF program, evaluating an IPsec policy, an LSM
 * hook) we fail open: the segment is not classified and passes uncounted,
 * as if ackguard were not there.
 */
#ifdef CONFIG_CGROUP_BPF
#include <linux/bpf-cgroup.h>
#endif
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/request_sock.h>
#include <net/tcp.h>
#include <net/xfrm.h>

#include "admit.h"
#include "compat.h"

/* tcp_v4_rcv(): IP_MINTTL; tcp_v6_rcv(): IPV6_MINHOPCOUNT (GTSM, RFC 5082) */
static bool ag_min_ttl_ok(const struct sock *sk, const struct sk_buff *skb,
			  int family)
{
	/*
	 * TCP tests ip4_min_ttl/ip6_min_hopcount first, static keys that
	 * are not exported; they only save reading the byte we read.
	 */
	if (family == AF_INET)
		return ip_hdr(skb)->ttl >= READ_ONCE(inet_sk(sk)->min_ttl);
#if IS_ENABLED(CONFIG_IPV6)
	return ipv6_hdr(skb)->hop_limit >=
	       READ_ONCE(inet6_sk(sk)->min_hopcount);
#else
	return true;
#endif
}

/*
 * xfrm4/6_policy_check(sk, XFRM_POLICY_IN, skb): only its two quick
 * answers are side-effect free (no policy at all, or a device without
 * policy); evaluating a policy counts (XfrmInNoPols, XfrmInPolBlock, ...)
 * and may take references, so it is not evaluated here. A segment that
 * came through an SA (AH or ESP, verified: it has a secpath) is taken as
 * TCP would take it: only a holder of the SA's keys can send one, so it
 * cannot be forged to spend a flow's budget (one whose SA does not match
 * the policy's template is dropped by TCP, after being counted by us). A
 * plain segment with a policy in play fails open, and so does any
 * segment for a socket with a policy of its own.
 */
static bool ag_xfrm_ok(struct net *net, const struct sock *sk,
		       struct sk_buff *skb, int family)
{
#ifdef CONFIG_XFRM
	if (sk && rcu_access_pointer(sk->sk_policy[XFRM_POLICY_IN]))
		return false;
#ifdef AG_HAVE_XFRM_NOPOLICY
	if (__xfrm_check_nopolicy(net, skb, XFRM_POLICY_IN) ||
	    __xfrm_check_dev_nopolicy(skb, XFRM_POLICY_IN, family))
		return true;
#else
	/* older helpers: no inbound policy and no IPsec on the way in */
	if (!READ_ONCE(net->xfrm.policy_count[XFRM_POLICY_IN]) &&
	    !secpath_exists(skb))
		return true;
#endif
	return secpath_exists(skb);
#else
	return true;
#endif
}

/*
 * tcp_filter() -> sk_filter_trim_cap(): pfmemalloc skbs go only to
 * SOCK_MEMALLOC sockets (mirrored); then a cgroup's ingress BPF programs,
 * the LSM's socket_sock_rcv_skb and the socket's own filter, none of which
 * can be run without effects (a BPF program may count, mark or trim; an LSM
 * may audit): fail open when the socket has any of them.
 */
static bool ag_filter_ok(const struct sock *sk, const struct sk_buff *skb)
{
	if (skb_pfmemalloc(skb) && !sock_flag(sk, SOCK_MEMALLOC))
		return false;
#ifdef CONFIG_CGROUP_BPF
#ifdef AG_HAVE_CGROUP_BPF_SOCK_ENABLED
	if (cgroup_bpf_enabled(CGROUP_INET_INGRESS) &&
	    cgroup_bpf_sock_enabled((struct sock *)sk, CGROUP_INET_INGRESS))
		return false;
#else
	if (cgroup_bpf_enabled(CGROUP_INET_INGRESS))
		return false;
#endif
#endif
#ifdef CONFIG_NETWORK_SECMARK
	/*
	 * AppArmor and SELinux decide on packets by their secmark; without
	 * one AppArmor always admits. SELinux peer labels (NetLabel,
	 * labeled IPsec) and Smack are not mirrored: README.
	 */
	if (skb->secmark)
		return false;
#endif
	return !rcu_access_pointer(sk->sk_filter);
}

/*
 * The checksum, as conntrack validates it (nf_checksum(): trusts the
 * device's verdict, else computes it and records the result in the skb as
 * TCP itself would; nothing is counted).
 */
static bool ag_csum_ok(struct sk_buff *skb, unsigned int thoff, int family)
{
	return !nf_checksum(skb, NF_INET_LOCAL_IN, thoff, IPPROTO_TCP, family);
}

#ifdef CONFIG_TCP_MD5SIG
/* tcp_parse_md5sig_option() of tcp_input.c, on our copy of the header */
static const u8 *ag_md5_option(const struct tcphdr *th)
{
	int length = th->doff * 4 - sizeof(*th);
	const u8 *ptr = (const u8 *)(th + 1);

	while (length >= TCPOLEN_MD5SIG) {
		int opcode = *ptr++;
		int opsize;

		if (opcode == TCPOPT_EOL)
			return NULL;
		if (opcode == TCPOPT_NOP) {
			length--;
			continue;
		}
		opsize = *ptr++;
		if (opsize < 2 || opsize > length)
			return NULL;
		if (opcode == TCPOPT_MD5SIG)
			return opsize == TCPOLEN_MD5SIG ? ptr : NULL;
		ptr += opsize - 2;
		length -= opsize;
	}
	return NULL;
}

#ifdef AG_HAVE_MD5SIG_POOL
/*
 * The signature TCP expects (RFC 2385): tcp_v4_md5_hash_skb() and
 * tcp_v6_md5_hash_skb() with the same primitives. We cannot call those
 * (af_specific->calc_md5_hash): at LOCAL_IN skb->data and skb->len still
 * include the network header, which they would hash as TCP's. Only
 * segments without payload are classified, so the hash covers the pseudo
 * header, the fixed TCP header with a zero checksum, and the key.
 */
static bool ag_md5_verify(const struct tcp_md5sig_key *key,
			  const struct sk_buff *skb, const struct tcphdr *th,
			  const u8 *hash, int family)
{
	unsigned int tcplen = th->doff * 4, plen;
	struct tcp_md5sig_pool *hp;
	struct scatterlist sg;
	struct tcphdr *_th;
	u8 digest[16];
	bool ok = false;

	hp = tcp_get_md5sig_pool();
	if (!hp)
		return false;	/* TCP fails the segment too */
	if (family == AF_INET) {
		struct tcp4_pseudohdr *bp = hp->scratch;

		bp->saddr = ip_hdr(skb)->saddr;
		bp->daddr = ip_hdr(skb)->daddr;
		bp->pad = 0;
		bp->protocol = IPPROTO_TCP;
		bp->len = cpu_to_be16(tcplen);
		plen = sizeof(*bp);
#if IS_ENABLED(CONFIG_IPV6)
	} else {
		struct tcp6_pseudohdr *bp = hp->scratch;

		bp->saddr = ipv6_hdr(skb)->saddr;
		bp->daddr = ipv6_hdr(skb)->daddr;
		bp->protocol = cpu_to_be32(IPPROTO_TCP);
		bp->len = cpu_to_be32(tcplen);
		plen = sizeof(*bp);
#else
	} else {
		goto out;
#endif
	}
	_th = (struct tcphdr *)((u8 *)hp->scratch + plen);
	memcpy(_th, th, sizeof(*th));
	_th->check = 0;

	if (crypto_ahash_init(hp->md5_req))
		goto out;
	sg_init_one(&sg, hp->scratch, plen + sizeof(*th));
	ahash_request_set_crypt(hp->md5_req, &sg, NULL, plen + sizeof(*th));
	if (crypto_ahash_update(hp->md5_req) || tcp_md5_hash_key(hp, key))
		goto out;
	ahash_request_set_crypt(hp->md5_req, NULL, digest, 0);
	if (crypto_ahash_final(hp->md5_req))
		goto out;
	ok = !crypto_memneq(hash, digest, sizeof(digest));
out:
	tcp_put_md5sig_pool();
	return ok;
}
#endif /* AG_HAVE_MD5SIG_POOL */

/*
 * tcp_inbound_md5_hash() without its counters: no key and no option
 * passes; a key without the option, the option without a key, or a wrong
 * signature is dropped by TCP.
 */
static bool ag_md5_ok(const struct sock *sk, const struct sk_buff *skb,
		      unsigned int thoff, int family)
{
	u8 buf[15 * 4];		/* the longest header, doff 15 */
	const struct tcp_md5sig_key *key;
	const union tcp_md5_addr *saddr;
	const struct tcphdr *th;
	struct tcphdr _th;
	const u8 *hash;
	int l3index;

	th = skb_header_pointer(skb, thoff, sizeof(_th), &_th);
	if (!th)
		return false;
	th = skb_header_pointer(skb, thoff, th->doff * 4, buf);
	if (!th)
		return false;
	hash = ag_md5_option(th);

	/* the key of the peer's address (and VRF), as TCP looks it up */
	if (IS_ENABLED(CONFIG_IPV6) && family == AF_INET6) {
		l3index = inet6_sdif(skb) ? inet6_iif(skb) : 0;
		saddr = (const union tcp_md5_addr *)&ipv6_hdr(skb)->saddr;
	} else {
		l3index = inet_sdif(skb) ? inet_iif(skb) : 0;
		saddr = (const union tcp_md5_addr *)&ip_hdr(skb)->saddr;
	}
#ifdef AG_HAVE_MD5SIG_POOL
	key = tcp_md5_do_lookup(sk, l3index, saddr, family);
	if (!key || !hash)
		return !key && !hash;
	return ag_md5_verify(key, skb, th, hash, family);
#else
	/*
	 * Kernels whose signature code we have not mirrored (6.7 replaced
	 * the MD5 pool and added TCP-AO): fail open for any socket with
	 * keys and any signed segment.
	 */
	(void)key;
	(void)saddr;
	(void)l3index;
	if (hash || rcu_access_pointer(tcp_sk(sk)->md5sig_info))
		return false;
#ifdef CONFIG_TCP_AO
	if (rcu_access_pointer(tcp_sk(sk)->ao_info))
		return false;
#endif
	return true;
#endif
}
#else
static bool ag_md5_ok(const struct sock *sk, const struct sk_buff *skb,
		      unsigned int thoff, int family)
{
	return true;
}
#endif /* CONFIG_TCP_MD5SIG */

/**
 * ag_admit - would TCP take this segment as far as its answering paths?
 * @net:    the namespace the segment arrived in
 * @skb:    the segment, at LOCAL_IN
 * @thoff:  offset of its TCP header
 * @sk:     the socket TCP delivers it to (full, request or timewait)
 * @family: AF_INET or AF_INET6, the packet's
 *
 * False when TCP discards it before tcp_rcv_established(),
 * tcp_rcv_state_process(), tcp_check_req() or tcp_timewait_state_process(),
 * and when that cannot be known without side effects (fail open): such a
 * segment is not classified and passes uncounted.
 */
bool ag_admit(struct net *net, struct sk_buff *skb, unsigned int thoff,
	      const struct sock *sk, int family)
{
	const struct sock *lsk;

	if (skb->pkt_type != PACKET_HOST)
		return false;

	switch (sk->sk_state) {
	case TCP_TIME_WAIT:
		return ag_xfrm_ok(net, NULL, skb, family) &&
		       ag_csum_ok(skb, thoff, family);
	case TCP_NEW_SYN_RECV:
		lsk = inet_reqsk(sk)->rsk_listener;
		/*
		 * A listener that stopped listening makes TCP migrate the
		 * request (reuseport) or drop it and look again.
		 */
		return lsk->sk_state == TCP_LISTEN &&
		       ag_xfrm_ok(net, lsk, skb, family) &&
		       ag_filter_ok(lsk, skb) &&
		       ag_csum_ok(skb, thoff, family) &&
		       ag_md5_ok(lsk, skb, thoff, family);
	default:
		return ag_min_ttl_ok(sk, skb, family) &&
		       ag_xfrm_ok(net, sk, skb, family) &&
		       ag_filter_ok(sk, skb) &&
		       ag_csum_ok(skb, thoff, family) &&
		       ag_md5_ok(sk, skb, thoff, family);
	}
}
