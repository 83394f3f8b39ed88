/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguardctl: a minimal streaming JSON writer producing compact output,
 * or with -p indented output (two spaces a level, "key": value, as
 * Python's json.dumps(indent=2) writes it). "key" names the member inside
 * an object and must be NULL inside arrays and for the top-level value.
 */
#ifndef AGC_JSON_H
#define AGC_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define AGC_JSON_DEPTH 16

struct agc_json {
	FILE *f;
	int depth;
	bool more[AGC_JSON_DEPTH];	/* a value was written at this level */
	bool pretty;
};

/* The layout of every writer initialized from now on (-p). */
void agc_json_set_pretty(bool pretty);
void agc_json_init(struct agc_json *j, FILE *f);
void agc_json_obj_begin(struct agc_json *j, const char *key);
void agc_json_obj_end(struct agc_json *j);
void agc_json_arr_begin(struct agc_json *j, const char *key);
void agc_json_arr_end(struct agc_json *j);
void agc_json_str(struct agc_json *j, const char *key, const char *val);
void agc_json_u64(struct agc_json *j, const char *key, uint64_t val);
void agc_json_bool(struct agc_json *j, const char *key, bool val);
void agc_json_null(struct agc_json *j, const char *key);
/* Fixed decimals; NaN and infinities become null. */
void agc_json_double(struct agc_json *j, const char *key, double val,
		     int decimals);
/* Writes s as a quoted JSON string; invalid UTF-8 becomes U+FFFD. */
void agc_json_quote(FILE *f, const char *s);

#endif /* AGC_JSON_H */
