// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: decide, from the receiving socket's own state, whether the
 * kernel's TCP input path would answer a pure ACK or SYN with a duplicate,
 * challenge or SYN-ACK retransmission: the answers that upstream Linux
 * (>= 4.0) passes through tcp_oow_rate_limited(). Each check below mirrors
 * a named function of Linux 6.1; the differences from other versions live in
 * compat.h.
 *
 * The socket is read without its lock, as the early-demux and diag paths
 * do: a decision taken on a value that is being updated is at worst the one
 * the kernel would have taken a moment earlier or later.
 */
#include <linux/tcp.h>
#include <net/inet_timewait_sock.h>
#include <net/request_sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "classify.h"
#include "segment.h"
#include "uapi/ackguard.h"

/* tcp_may_update_window() of tcp_input.c */
static bool ag_may_update_window(const struct tcp_sock *tp, u32 ack,
				 u32 ack_seq, u32 nwin)
{
	return after(ack, tp->snd_una) || after(ack_seq, tp->snd_wl1) ||
	       (ack_seq == tp->snd_wl1 && nwin > tp->snd_wnd);
}

/* tcp_disordered_ack() of tcp_input.c: a replayed but harmless dupack. */
static bool ag_disordered_ack(const struct sock *sk,
			      const struct ag_segment *seg)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	return seg->ack && seg->seq == seg->end_seq &&
	       seg->seq == tp->rcv_nxt &&
	       seg->ack_seq == tp->snd_una &&
	       !ag_may_update_window(tp, seg->ack_seq, seg->seq,
				     (u32)seg->window << tp->rx_opt.snd_wscale) &&
	       (s32)(tp->rx_opt.ts_recent - seg->tsval) <=
		(inet_csk(sk)->icsk_rto * 1024) / HZ;
}

/* tcp_paws_discard() of tcp_input.c */
static bool ag_paws_discard(const struct sock *sk,
			    const struct ag_segment *seg)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_options_received rx = {
		.ts_recent = tp->rx_opt.ts_recent,
		.ts_recent_stamp = tp->rx_opt.ts_recent_stamp,
		.rcv_tsval = seg->tsval,
	};

	return !tcp_paws_check(&rx, TCP_PAWS_WINDOW) &&
	       !ag_disordered_ack(sk, seg);
}

/* tcp_sequence() of tcp_input.c */
static bool ag_sequence_ok(const struct tcp_sock *tp,
			   const struct ag_segment *seg)
{
	return !before(seg->end_seq, tp->rcv_wup) &&
	       !after(seg->seq, tp->rcv_nxt + tcp_receive_window(tp));
}

/*
 * A synchronized full socket: tcp_rcv_established() and
 * tcp_rcv_state_process() -> tcp_validate_incoming(), then tcp_ack().
 */
static int ag_classify_full(const struct sock *sk,
			    const struct ag_segment *seg)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u8 state = sk->sk_state;
	u32 max_window;

	if (state == TCP_LISTEN || state == TCP_SYN_SENT || state == TCP_CLOSE)
		return AG_REASON_NONE;

	/*
	 * tcp_rcv_established() and tcp_rcv_state_process() discard a segment
	 * with none of ACK, SYN and RST before validating it (unlike
	 * tcp_timewait_state_process() and tcp_check_req())
	 */
	if (!seg->ack && !seg->syn)
		return AG_REASON_NONE;

	/* tcp_fast_parse_options() keeps the timestamp only when negotiated */
	if (seg->has_ts && tp->rx_opt.tstamp_ok && ag_paws_discard(sk, seg))
		return ACKGUARD_REASON_PAWS;

	if (!ag_sequence_ok(tp, seg))
		return seg->syn ? ACKGUARD_REASON_CHALLENGE :
				  ACKGUARD_REASON_SEQ;

	if (seg->syn) {
		/* a retransmitted SYN-ACK that a fast-open child accepts */
		if (state == TCP_SYN_RECV && sk->sk_socket && seg->ack &&
		    seg->seq + 1 == seg->end_seq && seg->seq + 1 == tp->rcv_nxt &&
		    seg->ack_seq == tp->snd_nxt)
			return AG_REASON_NONE;
		return ACKGUARD_REASON_CHALLENGE;
	}

	/* tcp_ack(): RFC 5961 5.2, an ACK for bytes long acknowledged */
	max_window = min_t(u64, tp->max_window, tp->bytes_acked);
	if (before(seg->ack_seq, tp->snd_una - max_window))
		return ACKGUARD_REASON_CHALLENGE;

	/* tcp_rcv_state_process() challenges any unacceptable ACK */
	if (state != TCP_ESTABLISHED && state != TCP_SYN_RECV &&
	    after(seg->ack_seq, tp->snd_nxt))
		return ACKGUARD_REASON_CHALLENGE;

	return AG_REASON_NONE;
}

/* tcp_in_window() of tcp_minisocks.c */
static bool ag_in_window(u32 seq, u32 end_seq, u32 s_win, u32 e_win)
{
	if (seq == s_win)
		return true;
	if (after(end_seq, s_win) && before(seq, e_win))
		return true;
	return seq == e_win && seq == end_seq;
}

/* tcp_parse_options() with estab == 0 honours timestamps per the sysctl. */
static bool ag_ts_enabled(const struct net *net)
{
	return READ_ONCE(net->ipv4.sysctl_tcp_timestamps);
}

/* tcp_timewait_state_process() of tcp_minisocks.c */
static int ag_classify_timewait(const struct net *net,
				const struct inet_timewait_sock *tw,
				const struct ag_segment *seg)
{
	const struct tcp_timewait_sock *tcptw = tcp_twsk((struct sock *)tw);
	bool saw_ts, paws_reject = false;

	saw_ts = seg->doff > 5 && tcptw->tw_ts_recent_stamp && seg->has_ts &&
		 ag_ts_enabled(net);
	if (saw_ts) {
		struct tcp_options_received rx = {
			.ts_recent = tcptw->tw_ts_recent,
			.ts_recent_stamp = tcptw->tw_ts_recent_stamp,
			.rcv_tsval = seg->tsval,
		};

		paws_reject = tcp_paws_reject(&rx, 0);
	}

	if (tw->tw_substate == TCP_FIN_WAIT2) {
		if (paws_reject ||
		    !ag_in_window(seg->seq, seg->end_seq, tcptw->tw_rcv_nxt,
				  tcptw->tw_rcv_nxt + tcptw->tw_rcv_wnd))
			return ACKGUARD_REASON_FINWAIT2;
		return AG_REASON_NONE;
	}

	/* TIME_WAIT: an in-window bare ACK is absorbed silently */
	if (!paws_reject && seg->seq == tcptw->tw_rcv_nxt &&
	    seg->seq == seg->end_seq)
		return AG_REASON_NONE;

	/* a new SYN may reopen the connection */
	if (seg->syn && !seg->ack && !paws_reject &&
	    (after(seg->seq, tcptw->tw_rcv_nxt) ||
	     (saw_ts && (s32)(tcptw->tw_ts_recent - seg->tsval) < 0)))
		return AG_REASON_NONE;

	return ACKGUARD_REASON_TIMEWAIT;
}

/* tcp_check_req() of tcp_minisocks.c */
static int ag_classify_request(const struct net *net,
			       const struct request_sock *req,
			       const struct ag_segment *seg)
{
	const struct tcp_request_sock *treq = tcp_rsk(req);
	bool paws_reject = false;

	if (seg->doff > 5 && seg->has_ts && ag_ts_enabled(net)) {
		struct tcp_options_received rx = {
			.ts_recent = req->ts_recent,
			.ts_recent_stamp = ktime_get_seconds() -
				reqsk_timeout((struct request_sock *)req,
					      TCP_RTO_MAX) / HZ,
			.rcv_tsval = seg->tsval,
		};

		paws_reject = tcp_paws_reject(&rx, 0);
	}

	/* a retransmitted SYN is answered with a SYN-ACK; other SYNs go on */
	if (seg->syn && !seg->ack && seg->seq == treq->rcv_isn && !paws_reject)
		return ACKGUARD_REASON_SYNRECV;

	/* an ACK of something we never sent is answered with a RST */
	if (seg->ack && seg->ack_seq != treq->snt_isn + 1)
		return AG_REASON_NONE;

	if (paws_reject ||
	    !ag_in_window(seg->seq, seg->end_seq, treq->rcv_nxt,
			  treq->rcv_nxt + req->rsk_rcv_wnd))
		return ACKGUARD_REASON_SYNRECV;

	return AG_REASON_NONE;
}

int ag_classify(const struct net *net, const struct sock *sk,
		const struct ag_segment *seg)
{
	switch (sk->sk_state) {
	case TCP_TIME_WAIT:
		return ag_classify_timewait(net, inet_twsk(sk), seg);
	case TCP_NEW_SYN_RECV:
		return ag_classify_request(net, inet_reqsk(sk), seg);
	default:
		return ag_classify_full(sk, seg);
	}
}
