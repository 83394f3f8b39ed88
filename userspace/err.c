// SPDX-License-Identifier: GPL-2.0
/* ackguardctl: human-readable error messages carried back to main. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agc.h"

void agc_err_set(struct agc_err *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

/* Prepend context: "invalid burst \"0\": " + "out of range (1..10000)". */
void agc_err_prefix(struct agc_err *e, const char *fmt, ...)
{
	char tail[sizeof(e->msg)];
	size_t n;
	va_list ap;

	if (!e)
		return;
	memcpy(tail, e->msg, sizeof(tail));
	tail[sizeof(tail) - 1] = '\0';
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	/* Truncates the tail if both do not fit. */
	strncat(e->msg, tail, sizeof(e->msg) - n - 1);
}
