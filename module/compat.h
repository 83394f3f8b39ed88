/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: the one place where differences between kernel versions live.
 * Reference: Linux 6.1 (Debian 12). Kbuild detects features in the headers
 * being built against and defines AG_HAVE_* accordingly; nothing else in
 * the module tests for a kernel version.
 *
 * Known differences of later kernels from the checks mirrored in classify.c:
 * 6.7 replaced TCP_PAWS_24DAYS by TCP_PAWS_WRAP inside tcp_paws_check()
 * (which we call, so it follows); 6.14 silently drops some old pure ACKs
 * (PAWSOldAck) and renamed tcp_disordered_ack(). Kbuild refuses kernels
 * from 6.14 on until that mirror is updated.
 */
#ifndef _ACKGUARD_COMPAT_H
#define _ACKGUARD_COMPAT_H

#include <net/genetlink.h>
#include <net/inet_hashtables.h>
#include <net/tcp.h>

/* 6.1 made the established hash per namespace (optionally). */
#ifdef AG_HAVE_PERNET_HASHINFO
#define ag_tcp_hashinfo(net) ((net)->ipv4.tcp_death_row.hashinfo)
#else
#define ag_tcp_hashinfo(net) (&tcp_hashinfo)
#endif

/*
 * Multicast groups that need CAP_NET_ADMIN to join came with 6.6 and the
 * 6.1 stable series (6.1.66). Older kernels let anyone receive storm
 * events; README says so.
 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define AG_MCAST_ADMIN GENL_MCAST_CAP_NET_ADMIN
#else
#define AG_MCAST_ADMIN 0
#endif

/*
 * ---- Kernels 3.10 to 4.19 (branch kold) ----
 * Each shim below is decided by a Kbuild probe of the headers (AG_HAVE_*)
 * or by the macro it replaces being defined; none tests a version number.
 */
#include <linux/kernel.h>
#include <linux/netlink.h>
#include <linux/compiler.h>
#ifdef AG_HAVE_BUILD_BUG_H
#include <linux/build_bug.h>
#endif
#ifdef AG_HAVE_SCHED_MM_H
#include <linux/sched/mm.h>
#endif
#include <linux/memcontrol.h>

#include "uapi/ackguard.h"

/* static_assert: 5.1 (include/linux/build_bug.h) */
#ifndef static_assert
#define static_assert(expr, ...) __ag_static_assert(expr, ##__VA_ARGS__, #expr)
#define __ag_static_assert(expr, msg, ...) _Static_assert(expr, msg)
#endif

/* sizeof_field: 5.5; FIELD_SIZEOF before */
#ifndef sizeof_field
#define sizeof_field(TYPE, MEMBER) sizeof((((TYPE *)0)->MEMBER))
#endif

/*
 * set_active_memcg: 5.10 (5.9 for process context). Before it a softirq
 * allocation cannot be charged to another cgroup: the table is not
 * charged there (the flows still are bounded by max_flows).
 */
#ifndef AG_HAVE_SET_ACTIVE_MEMCG
static inline struct mem_cgroup *ag_set_active_memcg(struct mem_cgroup *m)
{
	return NULL;
}
#define set_active_memcg ag_set_active_memcg
#endif

/* reqsk_timeout(): 6.1; before, tcp_check_req() shifted TCP_TIMEOUT_INIT */
#ifndef AG_HAVE_REQSK_TIMEOUT
#define reqsk_timeout(req, max_timeout) \
	((unsigned long)TCP_TIMEOUT_INIT << (req)->num_timeout)
#endif

/*
 * Attribute policies with ranges came with 4.20 (NLA_POLICY_RANGE). Before
 * it the policy keeps the type and netlink.c checks the same ranges in
 * code (ag_config_invalid(), ag_filter_parse()).
 */
#ifndef NLA_POLICY_RANGE
struct netlink_range_validation {
	u64 min, max;
};
#define NLA_POLICY_RANGE(tp, mn, mx) { .type = (tp) }
#define NLA_POLICY_MAX(tp, mx) { .type = (tp) }
#define NLA_POLICY_FULL_RANGE(tp, range) \
	{ .type = (tp), .len = 0 * sizeof(*(range)) }
#endif

/*
 * A family-wide policy: 5.2. Before it each operation names its policy
 * (AG_GENL_OP_POLICY() in each, empty where the family's applies).
 */
#ifdef AG_HAVE_GENL_FAMILY_POLICY
#define AG_GENL_OP_POLICY(p)
#else
#define AG_GENL_OP_POLICY(p) .policy = (p),
#endif

/* GENL_REQ_ATTR_CHECK(): 6.1 */
#ifndef GENL_REQ_ATTR_CHECK
#define GENL_REQ_ATTR_CHECK(info, attr) ({				\
	bool __missing = !(info)->attrs[(attr)];			\
	if (__missing)							\
		GENL_SET_ERR_MSG((info), "missing attribute " #attr);	\
	__missing;							\
})
#endif

/* inet_sdif() took a non-const skb until 5.? (4.14 introduced it) */
#ifdef AG_HAVE_INET_SDIF_NONCONST
#define inet_sdif(skb) inet_sdif((struct sk_buff *)(skb))
#endif

/*
 * tcp_md5_do_lookup() gained the VRF's l3index in 5.6: ackguard's MD5
 * mirror is written for that one; without it, admit.c fails open for
 * sockets with keys.
 */
#ifndef AG_HAVE_MD5_LOOKUP_L3INDEX
#undef AG_HAVE_MD5SIG_POOL
#endif

/* nla_parse_nested() and nlmsg_parse() take an extack since 4.12 */
#ifdef AG_HAVE_NLA_PARSE_EXTACK
#define AG_NL_EXTACK_NULL , NULL
#else
#define AG_NL_EXTACK_NULL
#endif

/*
 * genl_dumpit_info(): 5.6 (the request parsed with the family's policy for
 * the dump's start callback). Before it, parse it here, into a structure
 * that lives in the caller's block (a compound literal).
 */
#ifndef AG_HAVE_GENL_DUMPIT_INFO
struct genl_dumpit_info {
	struct nlattr *attrs[ACKGUARD_A_MAX + 1];
};

extern struct genl_family ag_genl_family;
extern const struct nla_policy ag_genl_policy[];

static inline const struct genl_dumpit_info *
ag_genl_dumpit_info(struct netlink_callback *cb, struct genl_dumpit_info *info)
{
	if (nlmsg_parse(cb->nlh, GENL_HDRLEN, info->attrs, ACKGUARD_A_MAX,
			ag_genl_policy AG_NL_EXTACK_NULL) < 0)
		memset(info->attrs, 0, sizeof(info->attrs));
	return info;
}

#define genl_dumpit_info(cb) \
	ag_genl_dumpit_info((cb), &(struct genl_dumpit_info){})
#endif

/* netlink_callback: extack since 4.20, ctx (not args) since 5.? */
#ifdef AG_HAVE_NL_CB_CTX
#define ag_cb_ctx(cb) ((void *)(cb)->ctx)
#define AG_CB_CTX_SIZE sizeof_field(struct netlink_callback, ctx)
#else
#define ag_cb_ctx(cb) ((void *)(cb)->args)
#define AG_CB_CTX_SIZE sizeof_field(struct netlink_callback, args)
#endif
#ifdef AG_HAVE_NL_CB_EXTACK
#define ag_cb_extack(cb) ((cb)->extack)
#else
#define ag_cb_extack(cb) ((struct netlink_ext_ack *)NULL)
#endif

#endif /* _ACKGUARD_COMPAT_H */
