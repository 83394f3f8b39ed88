/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: the fields of an incoming TCP segment that classification needs,
 * read once from the packet.
 */
#ifndef _ACKGUARD_SEGMENT_H
#define _ACKGUARD_SEGMENT_H

#include <linux/types.h>

struct sk_buff;

struct ag_segment {
	__be16 sport;
	__be16 dport;
	u32 seq;
	u32 end_seq;
	u32 ack_seq;
	u32 tsval;
	u32 tsecr;
	u16 window;
	u8 doff;		/* header length in 32-bit words */
	bool syn;
	bool ack;
	bool has_ts;		/* a timestamp option the kernel would parse */
	bool bad_options;	/* option list the kernel stops parsing early */
};

enum ag_parse_result {
	AG_PARSE_CANDIDATE,	/* no payload, FIN or RST (a SYN may carry
				 * payload or FIN): may be answered
				 */
	AG_PARSE_IGNORE,	/* RST, or data or FIN without SYN: never
				 * touched
				 */
	AG_PARSE_MALFORMED,	/* truncated header or bad data offset */
};

enum ag_parse_result ag_parse_tcp(const struct sk_buff *skb,
				  unsigned int thoff, struct ag_segment *seg);

#endif /* _ACKGUARD_SEGMENT_H */
