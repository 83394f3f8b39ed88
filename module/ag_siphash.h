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
#include <asm/unaligned.h>

typedef struct {
	u64 key[2];
} siphash_key_t;

#define AG_SIPROUND(v0, v1, v2, v3) do {				\
	v0 += v1; v1 = rol64(v1, 13); v1 ^= v0; v0 = rol64(v0, 32);	\
	v2 += v3; v3 = rol64(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = rol64(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = rol64(v1, 17); v1 ^= v2; v2 = rol64(v2, 32);	\
} while (0)

static inline u64 siphash(const void *data, size_t len,
			  const siphash_key_t *key)
{
	u64 v0 = 0x736f6d6570736575ULL ^ key->key[0];
	u64 v1 = 0x646f72616e646f6dULL ^ key->key[1];
	u64 v2 = 0x6c7967656e657261ULL ^ key->key[0];
	u64 v3 = 0x7465646279746573ULL ^ key->key[1];
	u64 b = ((u64)len) << 56;
	const u8 *p = data, *end = p + (len & ~7UL);
	unsigned int left = len & 7, i;
	u64 m;

	for (; p != end; p += 8) {
		m = get_unaligned_le64(p);
		v3 ^= m;
		AG_SIPROUND(v0, v1, v2, v3);
		AG_SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (i = 0; i < left; i++)
		b |= (u64)p[i] << (8 * i);
	v3 ^= b;
	AG_SIPROUND(v0, v1, v2, v3);
	AG_SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	AG_SIPROUND(v0, v1, v2, v3);
	AG_SIPROUND(v0, v1, v2, v3);
	AG_SIPROUND(v0, v1, v2, v3);
	AG_SIPROUND(v0, v1, v2, v3);
	return (v0 ^ v1) ^ (v2 ^ v3);
}

#endif /* _ACKGUARD_SIPHASH_H */
