/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguardctl: translation between ackguard attribute trees and the plain
 * structs of agc.h. Decoders return 0 or -EPROTO for a malformed tree;
 * unknown attributes and reason ids are skipped (the ABI only grows).
 */
#ifndef AGC_DECODE_H
#define AGC_DECODE_H

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "agc.h"

/* The top-level ACKGUARD_A_* attribute of a generic netlink message. */
struct nlattr *agc_decode_top(struct nlmsghdr *nlh, int attr);

int agc_decode_config(struct nlattr *nest, struct agc_config *cfg);
int agc_decode_counters(struct nlattr *nest, struct agc_counters *c);
int agc_decode_flow(struct nlattr *nest, struct agc_flow *f);

/* Append an A_CONFIG / A_FILTER nest; 0 or a negative libnl error. */
int agc_encode_config(struct nl_msg *msg, const struct agc_config *cfg);
int agc_encode_filter(struct nl_msg *msg, const struct agc_filter *flt);

#endif /* AGC_DECODE_H */
