// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: decide, from the receiving socket's own state, whether the
 * kernel's TCP input path would answer a pure ACK or SYN with a duplicate,
 * challenge or SYN-ACK retransmission: the answers that upstream Linux
 * (>= 4.0) passes through tcp_oow_rate_limited(). Each check below mirrors
 * a named function of Linux 6.1; the differences of later versions (up to
 * 6.12) live in compat.h.
 *
 * A segment is judged only on the socket state TCP itself will judge it
 * on, or not at all (AG_REASON_NONE: pass, uncounted). A full socket is
 * read under its own spinlock and only when no user context owns it; see
 * ag_classify_sock(). Timewait and request sockets have no lock: TCP reads
 * them without one too; see ag_classify_timewait() and ag_classify_request().
 */
#include <linux/tcp.h>
#include <net/inet_timewait_sock.h>
#include <net/inet6_connection_sock.h>
#include <net/request_sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "classify.h"
#include "segment.h"
#include "uapi/ackguard.h"

/* tcp_may_update_window() of tcp_input.c (a zero window: see compat.h) */
static bool ag_may_update_window(const struct tcp_sock *tp, u32 ack,
				 u32 ack_seq, u32 nwin)
{
	return after(ack, tp->snd_una) || after(ack_seq, tp->snd_wl1) ||
	       (ack_seq == tp->snd_wl1 &&
		(nwin > tp->snd_wnd || (AG_TCP_ZERO_WINDOW_UPDATE && !nwin)));
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
	       (s32)(tp->rx_opt.ts_recent - seg->tsval) <= ag_tsval_replay(sk);
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
	return ag_net_tcp_timestamps(net);
}

/*
 * tcp_timewait_state_process() of tcp_minisocks.c. TCP runs it without a
 * lock, on any number of CPUs at once, and so do we: one CPU may be moving
 * the socket from FIN_WAIT2 to TIME_WAIT (tw_substate, then tw_rcv_nxt,
 * then the timestamp) or storing a newer timestamp while we read. Each
 * field is read once, the substate before rcv_nxt, so what we may combine
 * is FIN_WAIT2 with the rcv_nxt past the peer's FIN: a segment before that
 * FIN is then out of window (FINWAIT2), and TCP, after the FIN, answers it
 * from TIME_WAIT all the same (TIMEWAIT, rate-limited too); a segment at or
 * after it is in window, and we pass it. An older timestamp makes PAWS
 * reject less, never more. (Stores are not ordered for us on every
 * architecture; any other mix is one TCP's own concurrent readers can see.)
 */
static int ag_classify_timewait(const struct net *net,
				const struct inet_timewait_sock *tw,
				const struct ag_segment *seg)
{
	const struct tcp_timewait_sock *tcptw = tcp_twsk((struct sock *)tw);
	u8 substate = READ_ONCE(tw->tw_substate);
	u32 rcv_nxt = READ_ONCE(tcptw->tw_rcv_nxt);
	u32 ts_recent = READ_ONCE(tcptw->tw_ts_recent);
	bool saw_ts, paws_reject = false;

	saw_ts = seg->doff > 5 && READ_ONCE(tcptw->tw_ts_recent_stamp) &&
		 seg->has_ts && ag_ts_enabled(net);
	if (saw_ts) {
		struct tcp_options_received rx = {
			.ts_recent = ts_recent,
			.ts_recent_stamp = READ_ONCE(tcptw->tw_ts_recent_stamp),
			.rcv_tsval = seg->tsval,
		};

		paws_reject = tcp_paws_reject(&rx, 0);
	}

	if (substate == TCP_FIN_WAIT2) {
		if (paws_reject ||
		    !ag_in_window(seg->seq, seg->end_seq, rcv_nxt,
				  rcv_nxt + tcptw->tw_rcv_wnd))
			return ACKGUARD_REASON_FINWAIT2;
		return AG_REASON_NONE;
	}

	/* TIME_WAIT: an in-window bare ACK is absorbed silently */
	if (!paws_reject && seg->seq == rcv_nxt && seg->seq == seg->end_seq)
		return AG_REASON_NONE;

	/* a new SYN may reopen the connection */
	if (seg->syn && !seg->ack && !paws_reject &&
	    (after(seg->seq, rcv_nxt) ||
	     (saw_ts && (s32)(ts_recent - seg->tsval) < 0)))
		return AG_REASON_NONE;

	return ACKGUARD_REASON_TIMEWAIT;
}

/*
 * tcp_check_req() of tcp_minisocks.c, for a request socket (fastopen false)
 * or for the request of a fast-open child, which tcp_rcv_state_process()
 * runs first (fastopen true). *goes_on: the segment passed and TCP goes on
 * with the child (fast open only). Only req->ts_recent changes once the
 * request is hashed (tcp_check_req() stores it without a lock; TCP reads it
 * with READ_ONCE() too); a fast-open child's request is read under the
 * child's lock.
 */
static int ag_classify_request(const struct net *net,
			       const struct request_sock *req,
			       const struct ag_segment *seg, bool fastopen,
			       bool *goes_on)
{
	const struct tcp_request_sock *treq = tcp_rsk(req);
	bool paws_reject = false;

	*goes_on = false;
	if (seg->doff > 5 && seg->has_ts && ag_ts_enabled(net)) {
		struct tcp_options_received rx = {
			.ts_recent = READ_ONCE(req->ts_recent),
			.ts_recent_stamp = ag_paws_seconds() -
				reqsk_timeout((struct request_sock *)req,
					      TCP_RTO_MAX) / HZ,
			.rcv_tsval = seg->tsval,
		};

		paws_reject = tcp_paws_reject(&rx, 0);
	}

	/*
	 * A retransmitted SYN (with data or FIN too) is answered with a
	 * SYN-ACK; other SYNs go on.
	 */
	if (seg->syn && !seg->ack && seg->seq == treq->rcv_isn && !paws_reject)
		return ACKGUARD_REASON_SYNRECV;

	/*
	 * An ACK of something we never sent is answered with a RST; a
	 * fast-open child checks the ACK itself, later (it may have sent data).
	 */
	if (!fastopen && seg->ack && seg->ack_seq != treq->snt_isn + 1)
		return AG_REASON_NONE;

	if (paws_reject ||
	    !ag_in_window(seg->seq, seg->end_seq, treq->rcv_nxt,
			  treq->rcv_nxt + req->rsk_rcv_wnd))
		return ACKGUARD_REASON_SYNRECV;

	/*
	 * In window: a SYN other than the first is answered with a RST, a
	 * segment without ACK is dropped; a fast-open child takes the rest.
	 */
	*goes_on = fastopen && seg->ack &&
		   (!seg->syn || seg->seq == treq->rcv_isn);
	return AG_REASON_NONE;
}

/*
 * A synchronized full socket, as tcp_v4_do_rcv() sees it: the request of a
 * fast-open child (tcp_rcv_state_process() -> tcp_check_req()), then
 * tcp_rcv_established() and tcp_rcv_state_process() -> tcp_validate_incoming(),
 * then tcp_ack(). Called with the socket's spinlock held and no owner, so no
 * field below can change while we read it: every writer holds that lock
 * (softirq, timers) or owns the socket (user context). The window edges
 * (rcv_wup, rcv_wnd, rcv_nxt), snd_una and bytes_acked, snd_nxt: all are
 * the values TCP will judge the segment on, never a mix of two updates.
 */
static int ag_classify_full(struct sock *sk, const struct ag_segment *seg)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	const struct request_sock *req;
	u8 state = sk->sk_state;
	u32 max_window;

	lockdep_assert_held(&sk->sk_lock.slock);
	if (state == TCP_LISTEN || state == TCP_SYN_SENT || state == TCP_CLOSE)
		return AG_REASON_NONE;

	req = rcu_dereference_protected(tp->fastopen_rsk,
					lockdep_is_held(&sk->sk_lock.slock));
	if (req) {
		bool goes_on;
		int reason;

		reason = ag_classify_request(sock_net(sk), req, seg, true,
					     &goes_on);
		if (!goes_on)
			return reason;
	}

	/*
	 * tcp_rcv_established() and tcp_rcv_state_process() discard a segment
	 * with none of ACK, SYN and RST before validating it (unlike
	 * tcp_timewait_state_process() and tcp_check_req(), above for a
	 * fast-open child)
	 */
	if (!seg->ack && (AG_TCP_PRE_LIMITER || !seg->syn))
		return AG_REASON_NONE;

	/*
	 * tcp_fast_parse_options() keeps the timestamp only when negotiated.
	 * A SYN failing PAWS is challenged from 6.4 on, answered with a PAWS
	 * dupack before (compat.h).
	 */
	if (seg->has_ts && tp->rx_opt.tstamp_ok && ag_paws_discard(sk, seg))
		return seg->syn && AG_PAWS_SYN_CHALLENGE ?
		       ACKGUARD_REASON_CHALLENGE : ACKGUARD_REASON_PAWS;

	if (!ag_sequence_ok(tp, seg))
		return seg->syn ? ACKGUARD_REASON_CHALLENGE :
				  ACKGUARD_REASON_SEQ;

	if (seg->syn) {
		/* a SYN-ACK that a simultaneous open accepts */
		if (!AG_TCP_PRE_LIMITER &&
		    state == TCP_SYN_RECV && sk->sk_socket && seg->ack &&
		    seg->seq + 1 == seg->end_seq && seg->seq + 1 == tp->rcv_nxt &&
		    seg->ack_seq == tp->snd_nxt)
			return AG_REASON_NONE;
		return ACKGUARD_REASON_CHALLENGE;
	}

	/*
	 * tcp_ack(): RFC 5961 5.2, an ACK for bytes long acknowledged, only
	 * of an ACK before snd_una (one about 2^31 ahead would wrap into
	 * "before snd_una - max_window": tcp_ack() drops it silently as an
	 * ACK of unsent data). In SYN_RECV (a fast-open child), the caller
	 * answers any unacceptable ACK with one RST, which is not
	 * rate-limited.
	 */
	if (before(seg->ack_seq, tp->snd_una)) {
		max_window = min_t(u64, tp->max_window,
				   ag_tcp_bytes_acked(tp));
		if (before(seg->ack_seq, tp->snd_una - max_window) &&
		    state != TCP_SYN_RECV)
			return ACKGUARD_REASON_CHALLENGE;
		/*
		 * an old ACK within the window: accepted, even when closing
		 * (challenged there from 4.8 to 6.8, compat.h)
		 */
		if (AG_TCP_CHALLENGE_OLD_ACK &&
		    state != TCP_ESTABLISHED && state != TCP_SYN_RECV)
			return ACKGUARD_REASON_CHALLENGE;
		return AG_REASON_NONE;
	}

	/* tcp_rcv_state_process() challenges an ACK of unsent data (4.8) */
	if (AG_TCP_CHALLENGE_UNACCEPTABLE &&
	    state != TCP_ESTABLISHED && state != TCP_SYN_RECV &&
	    after(seg->ack_seq, tp->snd_nxt))
		return ACKGUARD_REASON_CHALLENGE;

	return AG_REASON_NONE;
}

/*
 * A full socket is judged on the state TCP will judge the segment on, or
 * not at all. TCP takes the socket's spinlock next, as we do here, the same
 * way and in the same context (tcp_v4_rcv(), tcp_v6_rcv()): if another CPU
 * holds it (a segment, a timer, possibly transmitting), both of us wait and
 * judge on the state it leaves. If a user context owns the socket, TCP puts
 * the segment on the backlog and judges it at release_sock(), on state we
 * cannot see yet: not ours to judge, pass, uncounted. That is the rule on
 * loopback and veth, where the receive softirq runs inside the sender's
 * dev_queue_xmit(): the peer's ACK of a segment arrives before the sender,
 * owning its socket, has advanced snd_nxt past that segment
 * (tcp_event_new_data_sent() runs after the transmit returns), and in
 * CLOSE_WAIT an ACK past snd_nxt is a challenge. We drop the lock before
 * TCP takes it: between the two only a segment, a timer or a user context
 * on another CPU can change the state, which could equally have come just
 * before ours.
 *
 * What this costs: a loop's segments that meet an owned socket pass (TCP's
 * own limit, if any, still applies to them), a few per owner's system call
 * at most, as the next one after release_sock() is judged; and one
 * uncontended atomic on the lock's cache line, which TCP takes next. (A
 * trylock, passing whatever met a busy lock, let one in a hundred SYNs at a
 * fast-open child through uncounted in test_states.)
 */
static int ag_classify_sock(struct sock *sk, const struct ag_segment *seg)
{
	int reason = AG_REASON_NONE;

	bh_lock_sock_nested(sk);
	if (!sock_owned_by_user_nocheck(sk))
		reason = ag_classify_full(sk, seg);
	bh_unlock_sock(sk);
	return reason;
}

#ifndef AG_HAVE_NEW_SYN_RECV
/*
 * Before 4.1 a request socket is not in the established hash but in its
 * listener's SYN table, which TCP searches with the listener locked and not
 * owned (tcp_v4_hnd_req(), tcp_v6_hnd_req(); the SYN-ACK timer and every
 * insertion and removal hold that lock too): so do we, on the table TCP
 * will search (see ag_classify_sock()). Which table: the packet's family,
 * as TCP's (a dual-stack listener keeps IPv4 requests in the IPv4 one).
 */
int ag_classify_syn_table(const struct net *net, struct sock *lsk,
			  const struct sk_buff *skb,
			  const struct ag_segment *seg)
{
	struct request_sock *req = NULL, **prev;
	int reason = AG_REASON_NONE;
	bool goes_on;

	bh_lock_sock_nested(lsk);
	if (sock_owned_by_user(lsk) || lsk->sk_state != TCP_LISTEN)
		goto out;
	if (skb->protocol == htons(ETH_P_IP))
		req = inet_csk_search_req(lsk, &prev, seg->sport,
					  ip_hdr(skb)->saddr,
					  ip_hdr(skb)->daddr);
#if IS_ENABLED(CONFIG_IPV6)
	else
		req = inet6_csk_search_req(lsk, &prev, seg->sport,
					   &ipv6_hdr(skb)->saddr,
					   &ipv6_hdr(skb)->daddr,
					   inet6_iif(skb));
#endif
	if (req)
		reason = ag_classify_request(net, req, seg, false, &goes_on);
out:
	bh_unlock_sock(lsk);
	return reason;
}
#endif

int ag_classify(const struct net *net, struct sock *sk,
		const struct ag_segment *seg)
{
	bool goes_on;

	switch (sk->sk_state) {
	case TCP_TIME_WAIT:
		return ag_classify_timewait(net, inet_twsk(sk), seg);
	case TCP_NEW_SYN_RECV:
		return ag_classify_request(net, inet_reqsk(sk), seg, false,
					   &goes_on);
	case TCP_LISTEN:
	case TCP_SYN_SENT:
	case TCP_CLOSE:
		/* not worth the lock: see ag_classify_full() */
		return AG_REASON_NONE;
	default:
		return ag_classify_sock(sk, seg);
	}
}
