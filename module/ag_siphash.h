/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: SipHash-2-4 for kernels before 4.11 (no <linux/siphash.h>),
 * the same function and key type as lib/siphash.c's siphash(), written from
 * the reference description (Aumasson and Bernstein, 2012). Included by
 * compat.h only.
 */
#ifndef _ACKGUARD_SIPHASH_H
#define _ACKGUARD_SIPHASH_H

#include <linux/bitops.h>
#include <linux/types.h>

struct ag_siphash_key {
	u64 key[2];
};

/* the kernel's name for it, so flowtable.c reads the same everywhere */
#define siphash_key_t struct ag_siphash_key

static inline void ag_sipround(u64 *v)
{
	v[0] += v[1];
	v[1] = rol64(v[1], 13);
	v[1] ^= v[0];
	v[0] = rol64(v[0], 32);
	v[2] += v[3];
	v[3] = rol64(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = rol64(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = rol64(v[1], 17);
	v[1] ^= v[2];
	v[2] = rol64(v[2], 32);
}

static inline u64 siphash(const void *data, size_t len,
			  const siphash_key_t *key)
{
	u64 v[4] = {
		0x736f6d6570736575ULL ^ key->key[0],
		0x646f72616e646f6dULL ^ key->key[1],
		0x6c7967656e657261ULL ^ key->key[0],
		0x7465646279746573ULL ^ key->key[1],
	};
	u64 b = ((u64)len) << 56;
	const u8 *p = data, *end = p + (len & ~7UL);
	unsigned int left = len & 7, i;
	u64 m;

	for (; p != end; p += 8) {
		m = get_unaligned_le64(p);
		v[3] ^= m;
		ag_sipround(v);
		ag_sipround(v);
		v[0] ^= m;
	}
	for (i = 0; i < left; i++)
		b |= (u64)p[i] << (8 * i);
	v[3] ^= b;
	ag_sipround(v);
	ag_sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		ag_sipround(v);
	return (v[0] ^ v[1]) ^ (v[2] ^ v[3]);
}

#endif /* _ACKGUARD_SIPHASH_H */
