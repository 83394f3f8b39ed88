/* SPDX-License-Identifier: GPL-2.0 */
/* ackguardctl: formatting values for humans; every function returns buf. */
#ifndef AGC_FORMAT_H
#define AGC_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "agc.h"

#define AGC_ADDR_LEN		48	/* >= INET6_ADDRSTRLEN */
#define AGC_ENDPOINT_LEN	64	/* "[addr]:65535" */
#define AGC_REASONS_LEN		96	/* all reason names, comma-separated */
#define AGC_TIME_LEN		40

/* "10.0.0.1", "2001:db8::1"; "?" for an unknown family. */
const char *agc_fmt_addr(char *buf, size_t len, unsigned int family,
			 const uint8_t *addr);
/* "10.0.0.1:22", "[2001:db8::1]:22" */
const char *agc_fmt_endpoint(char *buf, size_t len, unsigned int family,
			     const uint8_t *addr, uint16_t port);
/* "850ms", "12.3s", "5m03s", "2h05m", "3d04h" */
const char *agc_fmt_age(char *buf, size_t len, uint64_t ms);
/* "250ms", or "2s" when a whole number of seconds; parse accepts both. */
const char *agc_fmt_ms(char *buf, size_t len, uint64_t ms);
/* "paws,seq": reasons the flow has seen; "-" if none. */
const char *agc_fmt_reasons(char *buf, size_t len, const struct agc_flow *f);
/* "2024-05-01T12:00:00.123+0200" (local) or "...00.123Z" (utc). */
const char *agc_fmt_time(char *buf, size_t len, const struct timespec *ts,
			 bool utc);

#endif /* AGC_FORMAT_H */
