/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: the one place where differences between kernel versions live.
 * Reference: Linux 6.1 (Debian 12). Kbuild detects features in the headers
 * being built against and defines AG_HAVE_* accordingly; nothing else in
 * the module tests for a kernel version. Where the headers show no
 * difference, the release decides (AG_KERNEL_RELEASE from Kbuild), and
 * the test here names the upstream change.
 *
 * Differences of later kernels from the checks mirrored in classify.c:
 * 6.4 challenges a SYN failing PAWS and 6.7 changed the replay window
 * (both below); 6.7 replaced TCP_PAWS_24DAYS by TCP_PAWS_WRAP inside
 * tcp_paws_check() (which we call, so it follows). 6.14 silently drops
 * some old pure ACKs (PAWSOldAck) and renamed tcp_disordered_ack(): Kbuild
 * refuses kernels after 6.12, the newest the oracle has passed on.
 */
#ifndef _ACKGUARD_COMPAT_H
#define _ACKGUARD_COMPAT_H

#include <net/genetlink.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/tcp.h>

/*
 * The established hash: per namespace (optionally) since 6.1; the lookups
 * find it from the namespace themselves in newer kernels (7.x, probed: no
 * hashinfo argument). ag_inet*_lookup_established() below take the newest
 * form's arguments.
 */
#ifdef AG_HAVE_PERNET_HASHINFO
#define ag_tcp_hashinfo(net) ((net)->ipv4.tcp_death_row.hashinfo)
#else
#define ag_tcp_hashinfo(net) (&tcp_hashinfo)
#endif

/*
 * Who may join the storm events group: genl_bind() checks the group's flags.
 * Mainline 6.7 and the 6.1 stable series (6.1.66) spell it
 * GENL_MCAST_CAP_NET_ADMIN; the stable backports to 5.4, 5.15 and 6.6
 * (5.4.286, 5.15.100, 6.6.87 have it) reuse the operations' flag,
 * GENL_UNS_ADMIN_PERM, checked the same way (netlink_ns_capable() in the
 * namespace's user namespace). A group without flags (5.10.198 and older
 * kernels without the backport) cannot be restricted and the family has
 * no bind callback there: anyone in the namespace receives storm events;
 * README says so, and the module records which one it was built with
 * (modinfo -F mcast_perm) for the tests.
 */
#if defined(GENL_MCAST_CAP_NET_ADMIN)
#define AG_MCGRP_ADMIN_ONLY .flags = GENL_MCAST_CAP_NET_ADMIN,
#define AG_MCAST_PERM "cap_net_admin"
#elif defined(AG_HAVE_GENL_MCGRP_FLAGS)
#define AG_MCGRP_ADMIN_ONLY .flags = GENL_UNS_ADMIN_PERM,
#define AG_MCAST_PERM "uns_admin_perm"
#else
#define AG_MCGRP_ADMIN_ONLY
#define AG_MCAST_PERM "none"
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

/*
 * siphash: 4.11. Before it, a local SipHash-2-4 (ag_siphash.h): the flow
 * table's keys come from the network, and jhash with a secret seed is not
 * a keyed PRF (its multicollisions let a peer fill one bucket).
 */
/* get_unaligned_*(): <linux/unaligned.h> since 6.12 */
#ifdef AG_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#ifdef AG_HAVE_SIPHASH
#include <linux/siphash.h>
#else
#include "ag_siphash.h"
#endif

/* sizeof_field: 5.5; FIELD_SIZEOF before */
#ifndef sizeof_field
#define sizeof_field(type, member) FIELD_SIZEOF(type, member)
#endif

/*
 * set_active_memcg: 5.10. From 5.? (current->active_memcg, probed) the
 * shim below charges __GFP_ACCOUNT allocations in task context only
 * (memcg_kmem_bypass() skips interrupts, and the field is the interrupted
 * task's): there, and before, the softirq's allocations are not charged
 * (the flows are still bounded by max_flows).
 */
#ifndef AG_HAVE_SET_ACTIVE_MEMCG
static inline struct mem_cgroup *ag_set_active_memcg(struct mem_cgroup *memcg)
{
	struct mem_cgroup *old = NULL;

#if defined(CONFIG_MEMCG) && defined(AG_HAVE_TASK_ACTIVE_MEMCG)
	if (!in_interrupt()) {
		old = current->active_memcg;
		current->active_memcg = memcg;
	}
#endif
	return old;
}

#define set_active_memcg ag_set_active_memcg
#endif

/*
 * Before 6.0 (req->timeout) tcp_check_req() estimated the age of the
 * request's ts_recent as (TCP_TIMEOUT_INIT / HZ) << num_timeout, unclamped;
 * classify.c divides by HZ as 6.1 does, the same seconds.
 */
#ifndef AG_HAVE_REQSK_TIMEOUT
static inline unsigned long reqsk_timeout(struct request_sock *req,
					  unsigned long max_timeout)
{
	return (unsigned long)TCP_TIMEOUT_INIT << req->num_timeout;
}
#endif

#ifndef GENL_REQ_ATTR_CHECK		/* 6.1 */
#define GENL_REQ_ATTR_CHECK(info, attr) ({				\
	struct genl_info *__info = (info);				\
	bool __missing = !__info->attrs[(attr)];			\
									\
	if (__missing)							\
		GENL_SET_ERR_MSG(__info, "Missing attribute");		\
	__missing;							\
})
#endif

/*
 * resv_start_op (6.1) makes the core reject reserved header bits; before
 * it, operations without GENL_DONT_VALIDATE_* were validated strictly
 * anyway, so the field can go.
 */
#ifdef AG_HAVE_GENL_RESV_START_OP
#define AG_GENL_RESV_START_OP(op) .resv_start_op = (op),
#else
#define AG_GENL_RESV_START_OP(op)
#endif

/*
 * The attribute TYPE of a dump request, validated by the core with the
 * family's policy before .start: 6.2 keeps the parsed request in a struct
 * genl_info, 5.6 in struct genl_dumpit_info; 5.4 parses nothing for a dump
 * (it validates it strictly, GENL_DONT_VALIDATE_DUMP unset), so look the
 * attribute up in the message (the family has no user header).
 */
#if defined(AG_HAVE_GENL_INFO_DUMP)
#define ag_dump_attr(cb, type) (genl_info_dump(cb)->attrs[(type)])
#elif defined(AG_HAVE_GENL_DUMPIT_INFO)
#define ag_dump_attr(cb, type) (genl_dumpit_info(cb)->attrs[(type)])
#else
#define ag_dump_attr(cb, type) nlmsg_find_attr((cb)->nlh, GENL_HDRLEN, (type))
#endif

/*
 * A binary attribute's length range: 5.4 takes ranges of integers only;
 * there the policy bounds the maximum and the caller checks the rest.
 */
#ifdef AG_HAVE_NLA_BINARY_RANGE
#define AG_NLA_POLICY_LEN_RANGE(min, max) NLA_POLICY_RANGE(NLA_BINARY, min, max)
#else
#define AG_NLA_POLICY_LEN_RANGE(min, max) { .type = NLA_BINARY, .len = (max) }
#endif

/*
 * Attribute policies with ranges came with 4.20 (NLA_POLICY_RANGE). Before
 * it the policy keeps the type and netlink.c checks the same ranges in
 * code (ag_config_invalid(), ag_filter_parse()).
 */
#ifndef NLA_POLICY_RANGE
#define AG_NLA_RANGES_IN_CODE
struct netlink_range_validation {
	u64 min, max;
};

#define NLA_POLICY_RANGE(tp, mn, mx) { .type = (tp) }
#define NLA_POLICY_MAX(tp, mx) { .type = (tp) }
#define NLA_POLICY_FULL_RANGE(tp, range) \
	{ .type = (tp), .len = 0 * sizeof(*(range)) }
#endif

/*
 * Extended acks: 4.12. Before, errors carry only their errno: a request's
 * messages go to a scratch structure (operations run under genl_mutex,
 * one at a time) and the parsers take no extack.
 */
#ifdef AG_HAVE_NETLINK_EXT_ACK
#define ag_genl_extack(info) ((info)->extack)
#else
struct netlink_ext_ack {
	const char *_msg;
	const struct nlattr *bad_attr;
};

extern struct netlink_ext_ack ag_extack_scratch;
#define ag_genl_extack(info) (&ag_extack_scratch)
#define NL_SET_ERR_MSG(extack, msg) do {			\
	struct netlink_ext_ack *__e = (extack);			\
	if (__e)						\
		__e->_msg = (msg);				\
} while (0)
#define NL_SET_ERR_MSG_ATTR(extack, attr, msg) do {		\
	struct netlink_ext_ack *__e = (extack);			\
	if (__e) {						\
		__e->_msg = (msg);				\
		__e->bad_attr = (attr);				\
	}							\
} while (0)
#define GENL_SET_ERR_MSG(info, msg) NL_SET_ERR_MSG(ag_genl_extack(info), msg)
#endif
#ifndef AG_HAVE_NLA_PARSE_EXTACK
#define nla_parse_nested(tb, max, nla, policy, extack) \
	nla_parse_nested((tb), (max), (nla), (policy))
#endif

/* 64-bit attributes aligned with a pad attribute: 4.7 */
#ifndef AG_HAVE_NLA_PUT_U64_64BIT
#define nla_put_u64_64bit(skb, type, v, pad) nla_put_u64((skb), (type), (v))
#endif

/*
 * Operations open to CAP_NET_ADMIN of the namespace's user namespace: 4.6.
 * Before, the init namespace's CAP_NET_ADMIN (stricter).
 */
#ifndef GENL_UNS_ADMIN_PERM
#define GENL_UNS_ADMIN_PERM GENL_ADMIN_PERM
#endif

#ifndef __ro_after_init			/* 4.6 */
#define __ro_after_init __read_mostly
#endif

/* inet_reqsk() took a non-const socket until 4.? */
#ifdef AG_HAVE_INET_REQSK_NONCONST
#define inet_reqsk(sk) inet_reqsk((struct sock *)(sk))
#endif

/* genl_dump_check_consistent() named the family until 4.15 */
#ifndef AG_HAVE_DUMP_CHECK_CONSISTENT_2
#define genl_dump_check_consistent(cb, hdr) \
	genl_dump_check_consistent((cb), (hdr), &ag_genl_family)
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

/*
 * 5.4 bounds u32 attributes to s16 only (NLA_POLICY_RANGE). There the
 * policy keeps the range in validation_data, which the core ignores for
 * NLA_U32 without a validation_type, and ag_nla_check_full_range() applies it
 * after parsing, with the core's error (-ERANGE, the attribute named).
 */
#if !defined(AG_NLA_RANGES_IN_CODE) && !defined(AG_HAVE_NLA_RANGE_VALIDATION)
struct netlink_range_validation {
	u64 min, max;
};

#define NLA_POLICY_FULL_RANGE(tp, _range) {			\
	.type = (tp),						\
	.validation_data = (_range),				\
}

static inline int ag_nla_check_full_range(struct nlattr **tb,
					  const struct nla_policy *policy,
					  int maxtype,
					  struct netlink_ext_ack *extack)
{
	const struct netlink_range_validation *r;
	int i;

	for (i = 0; i <= maxtype; i++) {
		if (!tb[i] || policy[i].type != NLA_U32 ||
		    policy[i].validation_type || !policy[i].validation_data)
			continue;
		r = policy[i].validation_data;
		if (nla_get_u32(tb[i]) < r->min || nla_get_u32(tb[i]) > r->max) {
			NL_SET_ERR_MSG_ATTR(extack, tb[i],
					    "integer out of range");
			return -ERANGE;
		}
	}
	return 0;
}
#else
static inline int ag_nla_check_full_range(struct nlattr **tb,
					  const struct nla_policy *policy,
					  int maxtype,
					  struct netlink_ext_ack *extack)
{
	return 0;
}
#endif

/* inet_sdif() took a non-const skb until 5.? (4.14 introduced it) */
#ifdef AG_HAVE_INET_SDIF_NONCONST
#define inet_sdif(skb) inet_sdif((struct sk_buff *)(skb))
#endif

/* MD5 keys bound to a VRF (l3index) came with 5.6; 5.4 looks up by address. */
#ifndef AG_HAVE_MD5_L3INDEX
#define tcp_md5_do_lookup(sk, l3index, addr, family) \
	((void)(l3index), tcp_md5_do_lookup(sk, addr, family))
#endif

/* nlmsg_parse() takes an extack since 4.12 */
#ifdef AG_HAVE_NLA_PARSE_EXTACK
#define ag_nlmsg_parse(nlh, hdrlen, tb, max, policy) \
	nlmsg_parse((nlh), (hdrlen), (tb), (max), (policy), NULL)
#else
#define ag_nlmsg_parse(nlh, hdrlen, tb, max, policy) \
	nlmsg_parse((nlh), (hdrlen), (tb), (max), (policy))
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
	if (ag_nlmsg_parse(cb->nlh, GENL_HDRLEN, info->attrs, ACKGUARD_A_MAX,
			   ag_genl_policy) < 0)
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
#ifdef AG_HAVE_GENL_OPS_START
#define AG_CB_CTX_SIZE sizeof_field(struct netlink_callback, args)
#else
/* args[5] marks the first call (netlink_flows.c) */
#define AG_CB_CTX_SIZE (5 * sizeof(long))
#endif
#endif
#ifdef AG_HAVE_NL_CB_EXTACK
#define ag_cb_extack(cb) ((cb)->extack)
#else
#define ag_cb_extack(cb) ((struct netlink_ext_ack *)NULL)
#endif

/* ---- 4.14 and older (branch kold) ---- */
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/proc_fs.h>
#include <linux/seq_file_net.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#ifndef AG_HAVE_SOCK_OWNED_NOCHECK	/* 4.15 */
#define sock_owned_by_user_nocheck(sk) ((sk)->sk_lock.owned)
#endif

#ifndef AG_HAVE_GET_MEMCG_FROM_MM	/* 4.19: no charging before, see above */
#define get_mem_cgroup_from_mm(mm) ((struct mem_cgroup *)NULL)
static inline void ag_mem_cgroup_put(struct mem_cgroup *memcg)
{
}

#define mem_cgroup_put ag_mem_cgroup_put
#endif

#ifndef SLAB_ACCOUNT			/* 4.5 */
#define SLAB_ACCOUNT 0
#endif
#ifndef GFP_KERNEL_ACCOUNT		/* 4.5 */
#define GFP_KERNEL_ACCOUNT GFP_KERNEL
#endif

#ifndef AG_HAVE_KVFREE			/* 3.15 */
static inline void kvfree(const void *p)
{
	if (is_vmalloc_addr(p))
		vfree(p);
	else
		kfree(p);
}
#endif

#ifndef AG_HAVE_KVMALLOC		/* 4.12: kmalloc, or vmalloc when that fails */
static inline void *kvmalloc_array(size_t n, size_t size, gfp_t flags)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = kmalloc(n * size, flags | __GFP_NOWARN | __GFP_NORETRY);
	return p ?: __vmalloc(n * size, flags | __GFP_HIGHMEM, PAGE_KERNEL);
}
#endif
#ifndef AG_HAVE_KVCALLOC			/* 4.18 */
#define kvcalloc(n, size, flags) kvmalloc_array((n), (size), (flags) | __GFP_ZERO)
#endif

#ifndef time_after32			/* 4.15 */
#define time_after32(a, b)	((s32)((u32)(b) - (u32)(a)) < 0)
#define time_before32(b, a)	time_after32(a, b)
#endif

#ifndef AG_HAVE_SYSFS_MATCH_STRING	/* 4.13 */
static inline int __sysfs_match_string(const char * const *a, size_t n,
				       const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] && sysfs_streq(a[i], s))
			return i;
	return -EINVAL;
}
#endif

/* inet_sdif() and the lookups' sdif argument: 4.14 (VRF slaves) */
#ifndef AG_HAVE_INET_SDIF
static inline int inet_sdif(const struct sk_buff *skb)
{
	return 0;
}

static inline int inet6_sdif(const struct sk_buff *skb)
{
	return 0;
}
#endif

static inline struct sock *
ag_inet_lookup_established(struct net *net, __be32 saddr, __be16 sport,
			   __be32 daddr, u16 hnum, int dif, int sdif)
{
#if defined(AG_HAVE_LOOKUP_NET_ONLY)
	return __inet_lookup_established(net, saddr, sport, daddr, hnum, dif,
					 sdif);
#elif defined(AG_HAVE_INET_SDIF)
	return __inet_lookup_established(net, ag_tcp_hashinfo(net), saddr,
					 sport, daddr, hnum, dif, sdif);
#else
	return __inet_lookup_established(net, ag_tcp_hashinfo(net), saddr,
					 sport, daddr, hnum, dif);
#endif
}

#if IS_ENABLED(CONFIG_IPV6)
#include <net/inet6_hashtables.h>

static inline struct sock *
ag_inet6_lookup_established(struct net *net, const struct in6_addr *saddr,
			    __be16 sport, const struct in6_addr *daddr,
			    u16 hnum, int dif, int sdif)
{
#if defined(AG_HAVE_LOOKUP_NET_ONLY)
	return __inet6_lookup_established(net, saddr, sport, daddr, hnum, dif,
					  sdif);
#elif defined(AG_HAVE_INET_SDIF)
	return __inet6_lookup_established(net, ag_tcp_hashinfo(net), saddr,
					  sport, daddr, hnum, dif, sdif);
#else
	return __inet6_lookup_established(net, ag_tcp_hashinfo(net), saddr,
					  sport, daddr, hnum, dif);
#endif
}
#endif

/*
 * proc_create_net() and proc_create_net_single(): 4.18. Before, a
 * file_operations per kind, the seq_operations (or show) and the private
 * size in the entry's data.
 */
#ifndef AG_HAVE_PROC_CREATE_NET
struct ag_proc_net {
	const struct seq_operations *ops;
	unsigned int size;
	int (*show)(struct seq_file *seq, void *v);
};

static inline int ag_proc_net_open(struct inode *inode, struct file *file)
{
	const struct ag_proc_net *d = PDE_DATA(inode);

	return seq_open_net(inode, file, d->ops, d->size);
}

static inline int ag_proc_single_open(struct inode *inode, struct file *file)
{
	const struct ag_proc_net *d = PDE_DATA(inode);

	return single_open_net(inode, file, d->show);
}

static const struct file_operations ag_proc_net_fops __maybe_unused = {
	.owner = THIS_MODULE,
	.open = ag_proc_net_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_net,
};

static const struct file_operations ag_proc_single_fops __maybe_unused = {
	.owner = THIS_MODULE,
	.open = ag_proc_single_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release_net,
};

#define proc_create_net(name, mode, parent, sops, sz) ({		\
	static const struct ag_proc_net __d = { .ops = (sops), .size = (sz) }; \
	proc_create_data((name), (mode), (parent), &ag_proc_net_fops,	\
			 (void *)&__d);					\
})
#define proc_create_net_single(name, mode, parent, fn, data) ({	\
	static const struct ag_proc_net __d = { .show = (fn) };	\
	proc_create_data((name), (mode), (parent), &ag_proc_single_fops, \
			 (void *)&__d);					\
})
#define seq_file_single_net(seq) ((struct net *)(seq)->private)
#endif

#ifndef AG_HAVE_ATOMIC_TRY_CMPXCHG	/* 4.13 */
static inline bool ag_atomic_try_cmpxchg(atomic_t *v, int *oldp, int new)
{
	int old = *oldp, cur = atomic_cmpxchg(v, old, new);

	*oldp = cur;
	return cur == old;
}

#define atomic_try_cmpxchg ag_atomic_try_cmpxchg
#endif

/*
 * net.ipv4.tcp_timestamps: per namespace since 4.14; before, one global
 * int that is not exported: compat.c finds it at load (kallsyms, which
 * these kernels export), and the kernel's default (on) is assumed if not.
 */
#ifdef AG_HAVE_PERNET_TCP_TIMESTAMPS
#define ag_net_tcp_timestamps(net) READ_ONCE((net)->ipv4.sysctl_tcp_timestamps)
static inline int ag_compat_init(void)
{
	return 0;
}
#else
extern int *ag_sysctl_tcp_timestamps;
int ag_compat_init(void);
#define ag_net_tcp_timestamps(net) \
	(ag_sysctl_tcp_timestamps ? READ_ONCE(*ag_sysctl_tcp_timestamps) : 1)
#endif

/* ---- 3.10 (branch kold): before 3.13's genetlink, 4.4's netfilter ---- */
#include <net/inet_timewait_sock.h>
#include <net/request_sock.h>

#ifndef READ_ONCE			/* 3.19 */
#define READ_ONCE(x) ACCESS_ONCE(x)
#define WRITE_ONCE(x, v) (ACCESS_ONCE(x) = (v))
#endif

#ifndef AG_HAVE_KTIME_GET_SECONDS	/* 3.17; tcp_check_req() read this */
#define ktime_get_seconds() get_seconds()
#endif

/*
 * The clock of ts_recent_stamp, which tcp_paws_check() reads: the wall
 * clock, get_seconds(), until 4.19 ("tcp: use monotonic timestamps for
 * PAWS"). A request socket's stamp is computed here (ag_classify_request()):
 * on the other clock, no request socket's PAWS ever failed (the oracle on
 * 4.9.337 and 4.14.67: SYNs with an old TSval, answered, passed as none).
 */
#ifdef AG_PAWS_WALL_CLOCK
#define ag_paws_seconds() get_seconds()
#else
#define ag_paws_seconds() ktime_get_seconds()
#endif

#ifndef AG_HAVE_POWER_EFFICIENT_WQ	/* 3.11 */
#define system_power_efficient_wq system_wq
#endif

#ifndef AG_HAVE_SOCK_GEN_PUT		/* 3.13: a timewait or a full socket */
static inline void sock_gen_put(struct sock *sk)
{
	if (sk->sk_state == TCP_TIME_WAIT)
		inet_twsk_put(inet_twsk(sk));
	else
		sock_put(sk);
}
#endif

#ifndef AG_HAVE_NLA_PUT_IN_ADDR		/* 4.1 */
#define nla_put_in_addr(skb, type, a) nla_put_be32((skb), (type), (a))
#define nla_put_in6_addr(skb, type, a) \
	nla_put((skb), (type), sizeof(struct in6_addr), (a))
#define nla_get_in_addr(nla) nla_get_be32(nla)
static inline struct in6_addr nla_get_in6_addr(const struct nlattr *nla)
{
	struct in6_addr a;

	nla_memcpy(&a, nla, sizeof(a));
	return a;
}
#endif

/*
 * Request sockets in the established hash (TCP_NEW_SYN_RECV): 4.1. Before,
 * they live in their listener's SYN table: hooks.c looks the listener up
 * and classify.c searches its table (ag_classify_syn_table()). The state
 * below never occurs; the request code is the same (3.10's tcp_check_req()
 * reads the same rcv_nxt and rcv_wnd fields).
 */
#ifndef AG_HAVE_NEW_SYN_RECV
#define TCP_NEW_SYN_RECV TCP_MAX_STATES
#define inet_reqsk(sk) ((struct request_sock *)(sk))
#define rsk_rcv_wnd rcv_wnd
#define rsk_listener sk
#endif

/*
 * tcp_ack()'s RFC 5961 5.2 bound: max_window, and not more than was ever
 * acked (bytes_acked) since "tcp: do not accept ACK of bytes we never sent"
 * (6.7, in the stable queue of 2023-12-11 for 4.14, 4.19, 5.4, 5.10 and
 * 5.15, a few days earlier for 6.1 and 6.6); before, max_window alone. The
 * oracle found it on 4.4.121 (17 of 400 segments: old ACKs within
 * max_window but beyond bytes_acked, no challenge there). Only tcp_input.c
 * shows it: the release decides (Kbuild's AG_KERNEL_RELEASE). The first
 * release of each series with it: 4.19.302 read in its changelog; the
 * others are the releases of that queue's week (6.1, 6.6: approximate).
 */
#define AG_KREL(a, b, c) ((a) * 1000000 + (b) * 1000 + (c))
/* a release from lo up to, not including, hi */
#define AG_KREL_IN(lo, hi) ((lo) <= AG_KERNEL_RELEASE && (hi) > AG_KERNEL_RELEASE)
#if defined(AG_HAVE_TCP_BYTES_ACKED) &&				\
	(AG_KREL(6, 7, 0) <= AG_KERNEL_RELEASE ||			\
	 AG_KREL_IN(AG_KREL(6, 6, 5), AG_KREL(6, 7, 0)) ||		\
	 AG_KREL_IN(AG_KREL(6, 1, 66), AG_KREL(6, 2, 0)) ||		\
	 AG_KREL_IN(AG_KREL(5, 15, 143), AG_KREL(5, 16, 0)) ||		\
	 AG_KREL_IN(AG_KREL(5, 10, 204), AG_KREL(5, 11, 0)) ||		\
	 AG_KREL_IN(AG_KREL(5, 4, 264), AG_KREL(5, 5, 0)) ||		\
	 AG_KREL_IN(AG_KREL(4, 19, 302), AG_KREL(4, 20, 0)) ||		\
	 AG_KREL_IN(AG_KREL(4, 14, 333), AG_KREL(4, 15, 0)))
#define ag_tcp_bytes_acked(tp) ((tp)->bytes_acked)
#else
#define ag_tcp_bytes_acked(tp) U64_MAX
#endif

/*
 * tcp_rcv_state_process() given an unacceptable ACK (tcp_ack() <= 0) outside
 * ESTABLISHED and SYN_RECV: before 4.8 it answers nothing (tcp_ack() itself
 * challenges one before snd_una - max_window); "tcp: RFC 5961 5.2 Blind
 * Data Injection Attack Mitigation" (4.8) challenges it, an old ACK
 * (tcp_ack() 0) as well; "net: tcp: accept old ack during closing" (6.8)
 * accepts an old ACK again. The oracle: 4.4.121 answers neither, 4.9.337,
 * 4.14.67 and 4.19.108 challenge both. The latter reached 6.1.y in March
 * 2026 (Debian's 6.1.192 has it; earlier 6.1 releases are taken as having
 * it too). The series still maintained then (5.10, 5.15, 6.6) may have
 * taken it in releases not known here: after the last release the oracle
 * passed on (5.10.198, 5.15.100, 6.6.87) they are taken as accepting, so
 * that ackguard says nothing where they might accept (fails open).
 * Where a release is inferred below, an error by a few releases misjudges
 * only those few.
 */
#define AG_TCP_CHALLENGE_UNACCEPTABLE (AG_KREL(4, 8, 0) <= AG_KERNEL_RELEASE)
#define AG_TCP_CHALLENGE_OLD_ACK					\
	(AG_TCP_CHALLENGE_UNACCEPTABLE &&				\
	 AG_KREL(6, 8, 0) > AG_KERNEL_RELEASE &&			\
	 !AG_KREL_IN(AG_KREL(6, 1, 0), AG_KREL(6, 2, 0)) &&		\
	 !AG_KREL_IN(AG_KREL(5, 10, 199), AG_KREL(5, 11, 0)) &&	\
	 !AG_KREL_IN(AG_KREL(5, 15, 101), AG_KREL(5, 16, 0)) &&	\
	 !AG_KREL_IN(AG_KREL(6, 6, 88), AG_KREL(6, 7, 0)))

/*
 * Kernels without tcp_invalid_ratelimit (vanilla < 4.0): their TCP input
 * differs from 6.1's where classify.c tests AG_TCP_PRE_LIMITER, checked in
 * 3.10.108's tcp_input.c: a full socket discards a segment without ACK
 * (SYN included) before validating it (its unacceptable ACKs: above).
 */
#ifndef AG_HAVE_TCP_INVALID_RATELIMIT
#define AG_TCP_PRE_LIMITER 1
#else
#define AG_TCP_PRE_LIMITER 0
#endif

/*
 * Netfilter hooks per namespace with (priv, skb, state): 4.4 (4.3 for
 * nf_register_net_hooks). Before, one global registration of hooks called
 * with (hooknum, skb, in, out, okfn): hooks.c registers them once, after
 * every namespace has its state (ag_hooks_init()), and wraps each hook.
 */
#ifndef AG_HAVE_NF_HOOK_STATE
struct nf_hook_state {
	struct net *net;
};

#define AG_NF_HOOK_OPS_CONST
#define AG_NF_HOOK(fn)							\
static unsigned int fn##_old(unsigned int hooknum, struct sk_buff *skb,	\
			     const struct net_device *in,		\
			     const struct net_device *out,		\
			     int (*okfn)(struct sk_buff *))		\
{									\
	struct nf_hook_state state = { .net = dev_net(in) };		\
									\
	return fn(NULL, skb, &state);					\
}

#define AG_NF_HOOK_FN(fn) fn##_old
#else
#define AG_NF_HOOK_OPS_CONST const
#define AG_NF_HOOK(fn)
#define AG_NF_HOOK_FN(fn) fn
#endif

/*
 * genetlink before 3.13: operations and groups registered apart, the ops
 * writable (the core links them), groups named by a global id, no dump
 * start callback (4.5: the first dumpit call parses).
 */
#ifdef AG_HAVE_GENL_MCGRPS
#define AG_GENL_OPS_CONST const
#else
#define AG_GENL_OPS_CONST
extern struct genl_multicast_group ag_genl_mcgrps[];
#define ag_mcgrp_id(grp) (ag_genl_mcgrps[(grp)].id)
#define genl_has_listeners(family, net, grp) \
	netlink_has_listeners((net)->genl_sock, ag_mcgrp_id(grp))
#define genlmsg_multicast_netns(family, net, skb, portid, grp, flags) \
	genlmsg_multicast_netns((net), (skb), (portid), ag_mcgrp_id(grp), (flags))
#define genl_set_err(family, net, portid, grp, code) \
	netlink_set_err((net)->genl_sock, (portid), ag_mcgrp_id(grp), (code))
#endif

/*
 * tcp_validate_incoming() answers a SYN that fails PAWS with a challenge
 * ACK (TCPSYNChallenge, TCPACKSkippedChallenge) since 6.4, "tcp: Refine
 * SYN handling for PAWS." (Kuniyuki Iwashima, net-next, lore message
 * 20230329201348.79003-1-kuniyu@amazon.com; not in 6.1's stable series);
 * before, with a PAWS dupack (PAWSEstab, TCPACKSkippedPAWS). Nothing in
 * the headers shows it: the release decides.
 */
#define AG_PAWS_SYN_CHALLENGE (AG_KREL(6, 4, 0) <= AG_KERNEL_RELEASE)

/*
 * tcp_may_update_window() also takes a zero window at the same snd_wl1 as
 * an update since "tcp: correct handling of extreme memory squeeze"
 * (6.14, in the stable series of early 2025): a pure dupack with a zero
 * window is then no disordered ACK, and fails PAWS. The oracle found it on
 * 6.6.87 (kernel paws, ackguard none); Debian's 6.12.118 and 7.1.5 have it,
 * Debian's 6.1 source does not. The first stable releases with it are not
 * known here: the rule is on from the releases seen to have it, so that
 * before them ackguard says nothing where the kernel may accept (fails
 * open: a missed PAWS answer, never a false one).
 */
#define AG_TCP_ZERO_WINDOW_UPDATE					\
	(AG_KREL(6, 14, 0) <= AG_KERNEL_RELEASE ||			\
	 AG_KREL_IN(AG_KREL(6, 12, 118), AG_KREL(6, 13, 0)) ||		\
	 AG_KREL_IN(AG_KREL(6, 6, 87), AG_KREL(6, 7, 0)))

/*
 * tcp_disordered_ack()'s replay window, tcp_tsval_replay() since 6.7's
 * microsecond TCP timestamps (tp->tcp_usec_ts, probed): the RTO in the
 * peer's TSval units, assuming 1200 Hz for a millisecond clock (1024 Hz
 * before).
 */
static inline u32 ag_tsval_replay(const struct sock *sk)
{
#ifdef AG_HAVE_TCP_USEC_TS
	if (tcp_sk(sk)->tcp_usec_ts)
		return inet_csk(sk)->icsk_rto * (USEC_PER_SEC / HZ);
	return inet_csk(sk)->icsk_rto * 1200 / HZ;
#else
	return inet_csk(sk)->icsk_rto * 1024 / HZ;
#endif
}

#endif /* _ACKGUARD_COMPAT_H */
