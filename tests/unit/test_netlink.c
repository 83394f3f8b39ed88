// SPDX-License-Identifier: GPL-2.0
/*
 * ackguardctl unit tests: extended-ACK parsing on crafted messages, and
 * the request/reply machinery of netlink.c against the running kernel's
 * own generic netlink controller ("nlctrl"), which is always there, so
 * replies, ACKs, dumps, errnos and ext-ACK messages are real.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/genetlink.h>

#include "netlink.c"

/* ---- crafted NLMSG_ERROR / NLMSG_DONE --------------------------------- */

struct crafted {
	union {
		struct nlmsghdr h;
		unsigned char b[512];
	};
};

static void put_tlv(struct crafted *c, size_t *off, int type, const void *d,
		    size_t len)
{
	struct nlattr *a = (struct nlattr *)(c->b + *off);

	a->nla_type = (uint16_t)type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy(c->b + *off + NLA_HDRLEN, d, len);
	*off += NLA_ALIGN(NLA_HDRLEN + len);
}

/* An error for a request of req_payload bytes, echoed unless capped. */
static void craft_error(struct crafted *c, int err, size_t req_payload,
			bool capped, const char *msg)
{
	struct nlmsgerr *e;
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	uint32_t u = 8;

	memset(c, 0, sizeof(*c));
	c->h.nlmsg_type = NLMSG_ERROR;
	e = NLMSG_DATA(&c->h);
	e->error = err;
	e->msg.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + req_payload);
	if (!capped)
		off += NLMSG_ALIGN(req_payload);
	else
		c->h.nlmsg_flags |= NLM_F_CAPPED;
	if (msg) {
		c->h.nlmsg_flags |= NLM_F_ACK_TLVS;
		put_tlv(c, &off, NLMSGERR_ATTR_OFFS, &u, sizeof(u));
		put_tlv(c, &off, NLMSGERR_ATTR_MSG, msg, strlen(msg) + 1);
	}
	c->h.nlmsg_len = (uint32_t)off;
}

static void test_extack_error(void **state)
{
	struct crafted c;
	char buf[128];

	(void)state;
	craft_error(&c, -EINVAL, 24, false, "burst out of range");
	assert_true(extack_msg(&c.h, buf, sizeof(buf)));
	assert_string_equal(buf, "burst out of range");

	craft_error(&c, -EINVAL, 24, true, "capped message\n");
	assert_true(extack_msg(&c.h, buf, sizeof(buf)));
	assert_string_equal(buf, "capped message");

	craft_error(&c, -EPERM, 24, false, NULL);
	assert_false(extack_msg(&c.h, buf, sizeof(buf)));

	/* claims TLVs, but the echoed request runs past the end */
	craft_error(&c, -EINVAL, 24, false, "x");
	((struct nlmsgerr *)NLMSG_DATA(&c.h))->msg.nlmsg_len = 4000;
	assert_false(extack_msg(&c.h, buf, sizeof(buf)));

	/* truncation into a small buffer */
	craft_error(&c, -EINVAL, 0, true, "a long message");
	assert_true(extack_msg(&c.h, buf, 7));
	assert_string_equal(buf, "a long");
}

static void test_extack_done(void **state)
{
	struct crafted c;
	size_t off = NLMSG_HDRLEN + sizeof(int);
	int err = -ENOBUFS;
	char buf[64];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.h.nlmsg_type = NLMSG_DONE;
	c.h.nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	memcpy(NLMSG_DATA(&c.h), &err, sizeof(err));
	put_tlv(&c, &off, NLMSGERR_ATTR_MSG, "dump failed", 12);
	c.h.nlmsg_len = (uint32_t)off;
	assert_true(extack_msg(&c.h, buf, sizeof(buf)));
	assert_string_equal(buf, "dump failed");
}

/* ---- live: the kernel's nlctrl family ---------------------------------- */

static int count_msgs(struct nlmsghdr *nlh, void *arg)
{
	(void)nlh;
	(*(int *)arg)++;
	return 0;
}

static int live_setup(void **state)
{
	static struct agc_nl nl;
	struct timeval tv = { .tv_sec = 1 };
	int one = 1, fd;

	nl.sk = nl_socket_alloc();
	if (!nl.sk || genl_connect(nl.sk) < 0) {
		*state = NULL;
		return 0;
	}
	fd = nl_socket_get_fd(nl.sk);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	nl_socket_enable_msg_peek(nl.sk);
	nl.family = GENL_ID_CTRL;
	*state = &nl;
	return 0;
}

static int live_teardown(void **state)
{
	struct agc_nl *nl = *state;

	if (nl)
		nl_socket_free(nl->sk);
	return 0;
}

static struct nl_msg *ctrl_request(struct agc_nl *nl, int flags,
				   const char *name)
{
	struct nl_msg *m = request(nl, CTRL_CMD_GETFAMILY, flags);

	assert_non_null(m);
	if (name)
		nla_put_string(m, CTRL_ATTR_FAMILY_NAME, name);
	return m;
}

static void test_live(void **state)
{
	struct agc_nl *nl = *state;
	struct agc_err e;
	struct nl_msg *m;
	int n = 0;

	if (!nl)
		skip();
	/* reply, then ACK */
	assert_int_equal(transact(nl, ctrl_request(nl, 0, "nlctrl"),
				  count_msgs, &n, &e), 0);
	assert_int_equal(n, 1);
	/* dump, ended by NLMSG_DONE */
	n = 0;
	assert_int_equal(transact(nl, ctrl_request(nl, NLM_F_DUMP, NULL),
				  count_msgs, &n, &e), 0);
	assert_true(n >= 1);
	/* plain errno */
	n = 0;
	assert_int_equal(transact(nl, ctrl_request(nl, 0, "no-such-family"),
				  count_msgs, &n, &e), -ENOENT);
	assert_int_equal(n, 0);
	assert_string_equal(e.msg, strerror(ENOENT));
	/* policy violation: the kernel's extended ACK message */
	m = request(nl, CTRL_CMD_GETFAMILY, 0);
	nla_put_u8(m, CTRL_ATTR_FAMILY_ID, 1);		/* must be u16 */
	assert_int_equal(transact(nl, m, count_msgs, &n, &e), -ERANGE);
	assert_string_equal(e.msg, "Attribute failed policy validation");
	/* the socket stays usable after errors */
	assert_int_equal(transact(nl, ctrl_request(nl, 0, "nlctrl"),
				  count_msgs, &n, &e), 0);
	assert_int_equal(n, 1);
	/* and an ACK-only request (no reply parser) */
	assert_int_equal(transact(nl, ctrl_request(nl, 0, "nlctrl"), NULL,
				  NULL, &e), 0);
}

static void test_not_loaded(void **state)
{
	struct agc_nl *nl = *state, *out = (struct agc_nl *)1;
	struct agc_err e;

	if (!nl)
		skip();
	/* This host has no ackguard module (unit tests run anywhere). */
	if (genl_ctrl_resolve(nl->sk, ACKGUARD_GENL_NAME) >= 0)
		skip();
	assert_int_equal(agc_nl_open(&out, &e), -ENOENT);
	assert_null(out);
	assert_string_equal(e.msg, "ackguard is not loaded (try: modprobe ackguard)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extack_error),
		cmocka_unit_test(test_extack_done),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_not_loaded),
	};

	return cmocka_run_group_tests_name("netlink", tests, live_setup,
					   live_teardown);
}
