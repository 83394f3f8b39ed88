// SPDX-License-Identifier: GPL-2.0
/* ackguardctl: ackguard attribute trees <-> plain structs. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/genl/genl.h>

#include "decode.h"

/* Unsigned integers by their length, tolerant of a u32/u64 mix-up. */
static int get_uint(struct nlattr *a, uint64_t *v)
{
	switch (nla_len(a)) {
	case 1:
		*v = nla_get_u8(a);
		return 0;
	case 2:
		*v = nla_get_u16(a);
		return 0;
	case 4:
		*v = nla_get_u32(a);
		return 0;
	case 8:
		*v = nla_get_u64(a);
		return 0;
	}
	return -EPROTO;
}

struct nlattr *agc_decode_top(struct nlmsghdr *nlh, int attr)
{
	struct nlattr *tb[ACKGUARD_A_MAX + 1];

	if (attr <= 0 || attr > ACKGUARD_A_MAX ||
	    genlmsg_parse(nlh, 0, tb, ACKGUARD_A_MAX, NULL) < 0)
		return NULL;
	return tb[attr];
}

int agc_decode_config(struct nlattr *nest, struct agc_config *cfg)
{
	struct nlattr *a;
	uint64_t v;
	int rem;

	memset(cfg, 0, sizeof(*cfg));
	nla_for_each_nested(a, nest, rem) {
		int t = nla_type(a);

		if (t <= 0 || t > ACKGUARD_CFG_MAX)
			continue;
		if (get_uint(a, &v) || v > UINT32_MAX)
			return -EPROTO;
		cfg->v[t] = (uint32_t)v;
		cfg->have |= AGC_BIT(t);
	}
	return 0;
}

/* One RSN nest into arr[id]. */
static int decode_rsn(struct nlattr *nest, struct agc_rsn *arr)
{
	struct agc_rsn r = { 0 };
	uint64_t id = UINT64_MAX, v;
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		int t = nla_type(a);

		if (t == ACKGUARD_RSN_PAD || t <= 0 || t > ACKGUARD_RSN_MAX)
			continue;
		if (get_uint(a, &v))
			return -EPROTO;
		if (t == ACKGUARD_RSN_ID) {
			id = v;
			continue;
		}
		r.v[t] = v;
		r.have |= AGC_BIT(t);
	}
	if (id == UINT64_MAX)
		return -EPROTO;
	if (id < ACKGUARD_REASON_COUNT) {
		r.have |= AGC_BIT(ACKGUARD_RSN_ID);
		arr[id] = r;
	}
	return 0;
}

int agc_decode_counters(struct nlattr *nest, struct agc_counters *c)
{
	struct nlattr *a;
	uint64_t v;
	int rem;

	memset(c, 0, sizeof(*c));
	nla_for_each_nested(a, nest, rem) {
		int t = nla_type(a);

		if (t == ACKGUARD_CTR_PAD || t <= 0 || t > ACKGUARD_CTR_MAX)
			continue;
		if (t == ACKGUARD_CTR_REASON) {
			if (decode_rsn(a, c->reason))
				return -EPROTO;
			continue;
		}
		if (get_uint(a, &v))
			return -EPROTO;
		c->v[t] = v;
		c->have |= AGC_BIT(t);
	}
	return 0;
}

static int get_addr(struct nlattr *a, uint8_t *dst, unsigned int *len)
{
	int n = nla_len(a);

	if (n != 4 && n != 16)
		return -EPROTO;
	if (*len && *len != (unsigned int)n)
		return -EPROTO;		/* local and remote differ */
	memcpy(dst, nla_data(a), (size_t)n);
	*len = (unsigned int)n;
	return 0;
}

static int flow_scalar(struct agc_flow *f, int t, uint64_t v)
{
	switch (t) {
	case ACKGUARD_FLOW_FAMILY:
		f->family = (uint8_t)v;
		return v == AF_INET || v == AF_INET6 ? 0 : -EPROTO;
	case ACKGUARD_FLOW_LOCAL_PORT:
		f->local_port = (uint16_t)v;
		return v <= UINT16_MAX ? 0 : -EPROTO;
	case ACKGUARD_FLOW_REMOTE_PORT:
		f->remote_port = (uint16_t)v;
		return v <= UINT16_MAX ? 0 : -EPROTO;
	case ACKGUARD_FLOW_STATE:
		f->state = (uint8_t)v;
		return 0;
	case ACKGUARD_FLOW_RATE:
		f->rate = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		return 0;
	case ACKGUARD_FLOW_AGE_MS:
		f->age_ms = v;
		return 0;
	case ACKGUARD_FLOW_IDLE_MS:
		f->idle_ms = v;
		return 0;
	case ACKGUARD_FLOW_OVERLIMIT:
		f->overlimit = v;
		return 0;
	}
	return 0;
}

int agc_decode_flow(struct nlattr *nest, struct agc_flow *f)
{
	unsigned int alen = 0;
	struct nlattr *a;
	uint64_t v;
	int rem, rc;

	memset(f, 0, sizeof(*f));
	nla_for_each_nested(a, nest, rem) {
		int t = nla_type(a);

		if (t == ACKGUARD_FLOW_PAD || t <= 0 || t > ACKGUARD_FLOW_MAX)
			continue;
		switch (t) {
		case ACKGUARD_FLOW_LOCAL_ADDR:
			rc = get_addr(a, f->local, &alen);
			break;
		case ACKGUARD_FLOW_REMOTE_ADDR:
			rc = get_addr(a, f->remote, &alen);
			break;
		case ACKGUARD_FLOW_REASON:
			rc = decode_rsn(a, f->reason);
			break;
		case ACKGUARD_FLOW_STORM:
			f->storm = true;
			rc = 0;
			break;
		default:
			rc = get_uint(a, &v) ? -EPROTO : flow_scalar(f, t, v);
			break;
		}
		if (rc)
			return rc;
		f->have |= AGC_BIT(t);
	}
	if (!(f->have & AGC_BIT(ACKGUARD_FLOW_FAMILY)) && alen)
		f->family = alen == 4 ? AF_INET : AF_INET6;
	if (alen && alen != (f->family == AF_INET ? 4u : 16u))
		return -EPROTO;
	return 0;
}

int agc_encode_config(struct nl_msg *msg, const struct agc_config *cfg)
{
	struct nlattr *nest = nla_nest_start(msg, NLA_F_NESTED |
					     ACKGUARD_A_CONFIG);
	int rc = 0;

	if (!nest)
		return -NLE_NOMEM;
	for (size_t i = 0; i < agc_ncfg && !rc; i++) {
		const struct agc_cfg_info *ci = &agc_cfg_infos[i];

		if (!(cfg->have & AGC_BIT(ci->attr)))
			continue;
		if (ci->bits == 8)
			rc = nla_put_u8(msg, ci->attr, (uint8_t)cfg->v[ci->attr]);
		else
			rc = nla_put_u32(msg, ci->attr, cfg->v[ci->attr]);
	}
	return rc ? rc : nla_nest_end(msg, nest);
}

int agc_encode_filter(struct nl_msg *msg, const struct agc_filter *flt)
{
	struct nlattr *nest;
	int rc = 0;

	if (!flt || !flt->have)
		return 0;
	nest = nla_nest_start(msg, NLA_F_NESTED | ACKGUARD_A_FILTER);
	if (!nest)
		return -NLE_NOMEM;
	if (flt->have & AGC_BIT(ACKGUARD_FLT_FAMILY))
		rc = rc ?: nla_put_u8(msg, ACKGUARD_FLT_FAMILY, flt->family);
	if (flt->have & AGC_BIT(ACKGUARD_FLT_ADDR))
		rc = rc ?: nla_put(msg, ACKGUARD_FLT_ADDR, flt->addr_len,
				   flt->addr);
	if (flt->have & AGC_BIT(ACKGUARD_FLT_PREFIX_LEN))
		rc = rc ?: nla_put_u8(msg, ACKGUARD_FLT_PREFIX_LEN,
				      flt->prefix_len);
	if (flt->have & AGC_BIT(ACKGUARD_FLT_PORT))
		rc = rc ?: nla_put_u16(msg, ACKGUARD_FLT_PORT, flt->port);
	if (flt->have & AGC_BIT(ACKGUARD_FLT_REASON))
		rc = rc ?: nla_put_u8(msg, ACKGUARD_FLT_REASON, flt->reason);
	if (flt->have & AGC_BIT(ACKGUARD_FLT_MIN_RATE))
		rc = rc ?: nla_put_u32(msg, ACKGUARD_FLT_MIN_RATE,
				       flt->min_rate);
	return rc ? rc : nla_nest_end(msg, nest);
}
