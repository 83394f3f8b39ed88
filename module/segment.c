// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: read a TCP header and its options from an skb that may be
 * non-linear, never past the end of the header or the packet.
 */
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/tcp.h>

#include "compat.h"
#include "segment.h"

/*
 * Walk the option list the way tcp_parse_options() does, so that exactly
 * the timestamp the kernel would see is the one we see: the kernel stops at
 * EOL, at an option shorter than 2 bytes and at one running past the header,
 * keeping what it parsed before. We note that early stop as bad_options.
 */
static void ag_parse_options(const u8 *ptr, int length, struct ag_segment *seg)
{
	while (length > 0) {
		int opcode = *ptr++;
		int opsize;

		if (opcode == TCPOPT_EOL)
			return;
		if (opcode == TCPOPT_NOP) {
			length--;
			continue;
		}
		if (length < 2)
			goto bad;
		opsize = *ptr++;
		if (opsize < 2 || opsize > length)
			goto bad;
		if (opcode == TCPOPT_TIMESTAMP && opsize == TCPOLEN_TIMESTAMP) {
			seg->has_ts = true;
			seg->tsval = get_unaligned_be32(ptr);
			seg->tsecr = get_unaligned_be32(ptr + 4);
		}
		ptr += opsize - 2;
		length -= opsize;
	}
	return;
bad:
	seg->bad_options = true;
}

enum ag_parse_result ag_parse_tcp(const struct sk_buff *skb,
				  unsigned int thoff, struct ag_segment *seg)
{
	u8 optbuf[MAX_TCP_OPTION_SPACE];
	struct tcphdr _th;
	const struct tcphdr *th;
	unsigned int hdrlen, paylen;
	const u8 *opts;

	th = skb_header_pointer(skb, thoff, sizeof(_th), &_th);
	if (!th)
		return AG_PARSE_MALFORMED;
	hdrlen = th->doff * 4;
	if (hdrlen < sizeof(*th) || thoff + hdrlen > skb->len)
		return AG_PARSE_MALFORMED;

	/*
	 * Only segments the receiver answers without taking anything from
	 * them can loop: no payload, no FIN, no RST. A SYN is the exception:
	 * tcp_oow_rate_limited() limits the answers to a SYN with data or
	 * FIN too. A segment with none of ACK, SYN and RST stays a candidate:
	 * full sockets discard it silently, but timewait and request sockets
	 * answer it when it is out of window (classify.c).
	 */
	paylen = skb->len - thoff - hdrlen;
	if (th->rst || (!th->syn && (paylen || th->fin)))
		return AG_PARSE_IGNORE;

	seg->sport = th->source;
	seg->dport = th->dest;
	seg->seq = ntohl(th->seq);
	/* TCP_SKB_CB(skb)->end_seq of tcp_v4_fill_cb() */
	seg->end_seq = seg->seq + th->syn + th->fin + paylen;
	seg->ack_seq = ntohl(th->ack_seq);
	seg->window = ntohs(th->window);
	seg->doff = th->doff;
	seg->syn = th->syn;
	seg->ack = th->ack;
	seg->has_ts = false;
	seg->bad_options = false;

	if (hdrlen == sizeof(*th))
		return AG_PARSE_CANDIDATE;
	opts = skb_header_pointer(skb, thoff + sizeof(*th),
				  hdrlen - sizeof(*th), optbuf);
	if (!opts)
		return AG_PARSE_MALFORMED;
	ag_parse_options(opts, hdrlen - sizeof(*th), seg);
	return AG_PARSE_CANDIDATE;
}
