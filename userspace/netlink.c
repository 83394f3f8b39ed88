// SPDX-License-Identifier: GPL-2.0
/*
 * ackguardctl: generic netlink socket, request/reply transactions and
 * extended ACK messages. libnl 3.7 neither enables NETLINK_EXT_ACK nor
 * reports its TLVs, so both are done here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "decode.h"
#include "netlink.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define AGC_NL_IDLE_TIMEOUT	10	/* s without a message: give up */
#define AGC_EDUMPINTR		(-ESTALE)	/* transact(): dump interrupted */
#define AGC_DUMP_TRIES		5
#define AGC_EVENT_BUF		65536

struct agc_nl {
	struct nl_sock *sk;
	int family;
	unsigned char *evbuf;
};

/* One request and everything the kernel answers to it. */
struct txn {
	const struct agc_nl *nl;
	uint32_t seq;
	int (*parse)(struct nlmsghdr *nlh, void *arg);
	void *arg;
	bool done;
	bool intr;		/* a part was flagged NLM_F_DUMP_INTR */
	int error;
	struct agc_err *e;
	time_t last;		/* CLOCK_MONOTONIC s of the last message */
};

static time_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static int nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_PERM:		return -EPERM;
	case NLE_NOACCESS:	return -EACCES;
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_AGAIN:		return -EAGAIN;
	case NLE_INTR:		return -EINTR;
	case NLE_INVAL:		return -EINVAL;
	case NLE_RANGE:		return -ERANGE;
	case NLE_BUSY:		return -EBUSY;
	case NLE_OPNOTSUPP:	return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:	return -EAFNOSUPPORT;
	}
	return -EIO;
}

/*
 * NLMSGERR_ATTR_MSG of an NLMSG_ERROR or NLMSG_DONE message, copied into
 * buf. Returns false when the kernel sent none.
 */
static bool extack_msg(const struct nlmsghdr *nlh, char *buf, size_t len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off, plen;
	const char *s;
	int n;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    nlh->nlmsg_len < NLMSG_HDRLEN)
		return false;
	plen = nlh->nlmsg_len - NLMSG_HDRLEN;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *err = NLMSG_DATA(nlh);

		off = sizeof(*err);
		if (plen < off)
			return false;
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (err->msg.nlmsg_len < NLMSG_HDRLEN)
				return false;
			off += err->msg.nlmsg_len - NLMSG_HDRLEN;
		}
	} else {
		off = sizeof(int);	/* NLMSG_DONE: the dump's error */
	}
	off = NLMSG_ALIGN(off);
	if (off >= plen ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)NLMSG_DATA(nlh) + off),
		      (int)(plen - off), NULL) < 0 ||
	    !tb[NLMSGERR_ATTR_MSG])
		return false;
	s = nla_data(tb[NLMSGERR_ATTR_MSG]);
	n = (int)strnlen(s, (size_t)nla_len(tb[NLMSGERR_ATTR_MSG]));
	while (n > 0 && s[n - 1] == '\n')
		n--;
	if (!n)
		return false;
	snprintf(buf, len, "%.*s", n, s);
	return true;
}

static void txn_fail(struct txn *t, int error, const struct nlmsghdr *nlh)
{
	if (t->error)
		return;			/* keep the first error */
	t->error = error;
	if (!nlh || !extack_msg(nlh, t->e->msg, sizeof(t->e->msg)))
		t->e->msg[0] = '\0';
}

static int on_seq_check(struct nl_msg *msg, void *arg)
{
	struct txn *t = arg;

	return nlmsg_hdr(msg)->nlmsg_seq == t->seq ? NL_OK : NL_SKIP;
}

static int on_msg_in(struct nl_msg *msg, void *arg)
{
	struct txn *t = arg;

	(void)msg;
	t->last = mono_now();
	return NL_OK;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct txn *t = arg;
	int rc;

	if (nlh->nlmsg_type != t->nl->family || !t->parse || t->error)
		return NL_SKIP;
	rc = t->parse(nlh, t->arg);
	if (rc < 0) {
		txn_fail(t, rc, NULL);
		if (rc == -EPROTO)
			agc_err_set(t->e, "malformed reply from the kernel");
	}
	return NL_OK;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	/* libnl passes the payload; the header sits right before it. */
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)err - NLMSG_HDRLEN);
	struct txn *t = arg;

	(void)nla;
	txn_fail(t, err->error < 0 ? err->error : -EPROTO, nlh);
	t->done = true;
	return NL_STOP;
}

/* Read on to the end of the dump; transact() reports it. */
static int on_dump_intr(struct nl_msg *msg, void *arg)
{
	struct txn *t = arg;

	(void)msg;
	t->intr = true;
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct txn *t = arg;
	char warn[sizeof(t->e->msg)];

	if (extack_msg(nlmsg_hdr(msg), warn, sizeof(warn)))
		fprintf(stderr, "ackguardctl: warning: %s\n", warn);
	t->done = true;
	return NL_STOP;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct txn *t = arg;
	int err;

	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(err))) {
		memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
		if (err < 0)
			txn_fail(t, err, nlh);
	}
	t->done = true;
	return NL_STOP;
}

/* Sends msg (consumed) and collects the answer; parse sees each reply. */
static int transact(struct agc_nl *nl, struct nl_msg *msg,
		    int (*parse)(struct nlmsghdr *, void *), void *arg,
		    struct agc_err *e)
{
	struct txn t = { .nl = nl, .parse = parse, .arg = arg, .e = e };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int rc;

	e->msg[0] = '\0';
	if (!cb) {
		nlmsg_free(msg);
		agc_err_set(e, "out of memory");
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_seq_check, &t);
	nl_cb_set(cb, NL_CB_MSG_IN, NL_CB_CUSTOM, on_msg_in, &t);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &t);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, &t);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &t);

	rc = nl_send_auto(nl->sk, msg);
	t.seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (rc < 0) {
		agc_err_set(e, "cannot send to the kernel: %s", nl_geterror(rc));
		t.error = nlerr_to_errno(rc);
		goto out;
	}
	t.last = mono_now();
	while (!t.done) {
		rc = nl_recvmsgs(nl->sk, cb);
		if (t.done)
			break;
		if (rc < 0) {
			txn_fail(&t, nlerr_to_errno(rc), NULL);
			agc_err_set(e, "netlink: %s", nl_geterror(rc));
			break;
		}
		if (mono_now() - t.last > AGC_NL_IDLE_TIMEOUT) {
			txn_fail(&t, -ETIMEDOUT, NULL);
			agc_err_set(e, "no answer from the kernel");
			break;
		}
	}
out:
	nl_cb_put(cb);
	/*
	 * A dump that spanned changes of the table (NLM_F_DUMP_INTR) may
	 * miss entries or list some twice: the caller takes it again.
	 */
	if (t.intr && !t.error) {
		t.error = AGC_EDUMPINTR;
		agc_err_set(e, "the flow table changed during the dump");
	}
	if (t.error && !e->msg[0])
		agc_err_set(e, "%s", strerror(-t.error));
	return t.error;
}

static struct nl_msg *request(const struct agc_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
				flags, cmd, ACKGUARD_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static int no_memory(struct agc_err *e)
{
	agc_err_set(e, "out of memory");
	return -ENOMEM;
}

int agc_nl_open(struct agc_nl **out, struct agc_err *e)
{
	struct timeval tv = { .tv_sec = 1 };
	struct agc_nl *nl = calloc(1, sizeof(*nl));
	int one = 1, fd, rc;

	*out = NULL;
	if (!nl || !(nl->sk = nl_socket_alloc())) {
		free(nl);
		return no_memory(e);
	}
	rc = genl_connect(nl->sk);
	if (rc < 0) {
		agc_err_set(e, "cannot open a generic netlink socket: %s",
			    nl_geterror(rc));
		agc_nl_close(nl);
		return nlerr_to_errno(rc);
	}
	fd = nl_socket_get_fd(nl->sk);
	/* Best effort: kernels before 4.12 have no extended ACKs. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_enable_msg_peek(nl->sk);
	rc = genl_ctrl_resolve(nl->sk, ACKGUARD_GENL_NAME);
	if (rc < 0) {
		if (rc == -NLE_OBJ_NOTFOUND)
			agc_err_set(e, "ackguard is not loaded "
				    "(try: modprobe ackguard)");
		else
			agc_err_set(e, "cannot look up the ackguard netlink "
				    "family: %s", nl_geterror(rc));
		agc_nl_close(nl);
		return nlerr_to_errno(rc);
	}
	nl->family = rc;
	/* Lets the receive loop notice a kernel that never answers. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	*out = nl;
	return 0;
}

void agc_nl_close(struct agc_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl->evbuf);
	free(nl);
}

static int parse_config(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *a = agc_decode_top(nlh, ACKGUARD_A_CONFIG);
	struct agc_config *cfg = arg;

	return a ? agc_decode_config(a, cfg) : 0;
}

static int parse_counters(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *a = agc_decode_top(nlh, ACKGUARD_A_COUNTERS);
	struct agc_counters *c = arg;

	return a ? agc_decode_counters(a, c) : 0;
}

struct flows_arg {
	const struct agc_filter *flt;
	struct agc_flow_list *out;
};

static int parse_flow(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *a = agc_decode_top(nlh, ACKGUARD_A_FLOW);
	struct flows_arg *fa = arg;
	struct agc_flow f;
	int rc;

	if (!a)
		return 0;
	rc = agc_decode_flow(a, &f);
	if (rc)
		return rc;
	if (fa->flt && !agc_filter_match(fa->flt, &f))
		return 0;
	return agc_flow_list_push(fa->out, &f) ? -ENOMEM : 0;
}

/* A reply that must carry the nest: "have" stays 0 if it did not. */
static int get_nest(struct agc_nl *nl, uint8_t cmd,
		    int (*parse)(struct nlmsghdr *, void *), void *out,
		    const uint32_t *have, struct agc_err *e)
{
	struct nl_msg *msg = request(nl, cmd, 0);
	int rc;

	if (!msg)
		return no_memory(e);
	rc = transact(nl, msg, parse, out, e);
	if (!rc && !*have) {
		agc_err_set(e, "the kernel sent an empty reply");
		rc = -EPROTO;
	}
	return rc;
}

int agc_nl_get_config(struct agc_nl *nl, struct agc_config *cfg,
		      struct agc_err *e)
{
	memset(cfg, 0, sizeof(*cfg));
	return get_nest(nl, ACKGUARD_CMD_GET_CONFIG, parse_config, cfg,
			&cfg->have, e);
}

int agc_nl_get_counters(struct agc_nl *nl, struct agc_counters *c,
			struct agc_err *e)
{
	memset(c, 0, sizeof(*c));
	return get_nest(nl, ACKGUARD_CMD_GET_COUNTERS, parse_counters, c,
			&c->have, e);
}

int agc_nl_set_config(struct agc_nl *nl, const struct agc_config *cfg,
		      struct agc_err *e)
{
	struct nl_msg *msg = request(nl, ACKGUARD_CMD_SET_CONFIG, 0);

	if (!msg)
		return no_memory(e);
	if (agc_encode_config(msg, cfg) < 0) {
		nlmsg_free(msg);
		return no_memory(e);
	}
	return transact(nl, msg, NULL, NULL, e);
}

/* A dump the kernel flagged inconsistent is taken again from the start. */
int agc_nl_get_flows(struct agc_nl *nl, const struct agc_filter *flt,
		     struct agc_flow_list *out, struct agc_err *e)
{
	struct flows_arg fa = { .flt = flt, .out = out };
	size_t n0 = out->n;
	int rc = AGC_EDUMPINTR;

	for (int i = 0; i < AGC_DUMP_TRIES && rc == AGC_EDUMPINTR; i++) {
		struct nl_msg *msg = request(nl, ACKGUARD_CMD_GET_FLOWS,
					     NLM_F_DUMP);

		if (!msg)
			return no_memory(e);
		if (agc_encode_filter(msg, flt) < 0) {
			nlmsg_free(msg);
			return no_memory(e);
		}
		out->n = n0;
		rc = transact(nl, msg, parse_flow, &fa, e);
	}
	if (rc == AGC_EDUMPINTR)
		agc_err_set(e, "the flow table kept changing during the dump "
			    "(%d tries)", AGC_DUMP_TRIES);
	return rc;
}

int agc_nl_flush_flows(struct agc_nl *nl, struct agc_err *e)
{
	struct nl_msg *msg = request(nl, ACKGUARD_CMD_FLUSH_FLOWS, 0);

	if (!msg)
		return no_memory(e);
	return transact(nl, msg, NULL, NULL, e);
}

int agc_nl_events_open(struct agc_nl **out, struct agc_err *e)
{
	struct agc_nl *nl;
	int rc, grp;

	rc = agc_nl_open(&nl, e);
	if (rc)
		return rc;
	grp = genl_ctrl_resolve_grp(nl->sk, ACKGUARD_GENL_NAME,
				    ACKGUARD_MCGRP_EVENTS);
	if (grp < 0) {
		agc_err_set(e, "ackguard has no \"%s\" multicast group: %s",
			    ACKGUARD_MCGRP_EVENTS, nl_geterror(grp));
		agc_nl_close(nl);
		/* Not -ENOENT: that means "module not loaded" to callers. */
		return grp == -NLE_OBJ_NOTFOUND ? -EPROTO : nlerr_to_errno(grp);
	}
	nl_socket_disable_seq_check(nl->sk);
	nl->evbuf = malloc(AGC_EVENT_BUF);
	if (!nl->evbuf) {
		agc_nl_close(nl);
		return no_memory(e);
	}
	rc = nl_socket_add_membership(nl->sk, grp);
	if (rc < 0) {
		agc_err_set(e, "cannot join the events group: %s",
			    nl_geterror(rc));
		agc_nl_close(nl);
		return nlerr_to_errno(rc);
	}
	/* Room for bursts of events while we print. */
	nl_socket_set_buffer_size(nl->sk, 1 << 20, 0);
	*out = nl;
	return 0;
}

int agc_nl_fd(const struct agc_nl *nl)
{
	return nl_socket_get_fd(nl->sk);
}

/* Calls fn for a storm event message; 1 if it was one, else 0. */
static int one_event(struct agc_nl *nl, struct nlmsghdr *nlh,
		     agc_event_fn fn, void *arg)
{
	struct genlmsghdr *gh;
	struct nlattr *a;
	struct agc_flow f;

	if (nlh->nlmsg_type != nl->family || !genlmsg_valid_hdr(nlh, 0))
		return 0;
	gh = nlmsg_data(nlh);
	if (gh->cmd != ACKGUARD_CMD_STORM_START &&
	    gh->cmd != ACKGUARD_CMD_STORM_END)
		return 0;
	a = agc_decode_top(nlh, ACKGUARD_A_FLOW);
	if (!a || agc_decode_flow(a, &f)) {
		fprintf(stderr, "ackguardctl: skipping a malformed event\n");
		return 0;
	}
	fn(arg, gh->cmd, &f);
	return 1;
}

int agc_nl_events_read(struct agc_nl *nl, agc_event_fn fn, void *arg,
		       struct agc_err *e)
{
	struct sockaddr_nl sa;
	socklen_t salen = sizeof(sa);
	struct nlmsghdr *nlh;
	int n, count = 0;

	n = (int)recvfrom(agc_nl_fd(nl), nl->evbuf, AGC_EVENT_BUF,
			  MSG_DONTWAIT, (struct sockaddr *)&sa, &salen);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		agc_err_set(e, "%s", strerror(errno));
		return -errno;
	}
	if (salen != sizeof(sa) || sa.nl_pid != 0)
		return 0;		/* not from the kernel */
	for (nlh = (struct nlmsghdr *)nl->evbuf; NLMSG_OK(nlh, n);
	     nlh = NLMSG_NEXT(nlh, n))
		count += one_event(nl, nlh, fn, arg);
	return count;
}
