// SPDX-License-Identifier: GPL-2.0
/* ackguardctl: minimal JSON writer with proper string escaping. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "json.h"

/* A process-wide choice, made once from the command line (-p). */
static bool json_pretty;

void agc_json_set_pretty(bool pretty)
{
	json_pretty = pretty;
}

void agc_json_init(struct agc_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = json_pretty;
}

static void newline_indent(struct agc_json *j, int depth)
{
	fputc('\n', j->f);
	for (int i = 0; i < depth; i++)
		fputs("  ", j->f);
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void agc_json_quote(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		size_t n;

		switch (*s) {
		case '"':  fputs("\\\"", f); s++; continue;
		case '\\': fputs("\\\\", f); s++; continue;
		case '\b': fputs("\\b", f); s++; continue;
		case '\f': fputs("\\f", f); s++; continue;
		case '\n': fputs("\\n", f); s++; continue;
		case '\r': fputs("\\r", f); s++; continue;
		case '\t': fputs("\\t", f); s++; continue;
		}
		if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s);
			s++;
			continue;
		}
		n = utf8_len(s);
		if (!n) {
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		fwrite(s, 1, n, f);
		s += n;
	}
	fputc('"', f);
}

/* Separator and key before any value. */
static void begin_value(struct agc_json *j, const char *key)
{
	int d = j->depth < AGC_JSON_DEPTH ? j->depth : AGC_JSON_DEPTH;

	if (d > 0 && j->more[d - 1])
		fputc(',', j->f);
	if (d > 0) {
		j->more[d - 1] = true;
		if (j->pretty)
			newline_indent(j, j->depth);
	}
	if (key) {
		agc_json_quote(j->f, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
}

static void open_level(struct agc_json *j, const char *key, char c)
{
	begin_value(j, key);
	fputc(c, j->f);
	if (j->depth < AGC_JSON_DEPTH)
		j->more[j->depth] = false;
	j->depth++;
}

static void close_level(struct agc_json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	/* An empty object or array stays "{}" / "[]" on one line. */
	if (j->pretty && j->depth < AGC_JSON_DEPTH && j->more[j->depth])
		newline_indent(j, j->depth);
	fputc(c, j->f);
}

void agc_json_obj_begin(struct agc_json *j, const char *key)
{
	open_level(j, key, '{');
}

void agc_json_obj_end(struct agc_json *j)
{
	close_level(j, '}');
}

void agc_json_arr_begin(struct agc_json *j, const char *key)
{
	open_level(j, key, '[');
}

void agc_json_arr_end(struct agc_json *j)
{
	close_level(j, ']');
}

void agc_json_str(struct agc_json *j, const char *key, const char *val)
{
	begin_value(j, key);
	agc_json_quote(j->f, val);
}

void agc_json_u64(struct agc_json *j, const char *key, uint64_t val)
{
	begin_value(j, key);
	fprintf(j->f, "%" PRIu64, val);
}

void agc_json_bool(struct agc_json *j, const char *key, bool val)
{
	begin_value(j, key);
	fputs(val ? "true" : "false", j->f);
}

void agc_json_null(struct agc_json *j, const char *key)
{
	begin_value(j, key);
	fputs("null", j->f);
}

void agc_json_double(struct agc_json *j, const char *key, double val,
		     int decimals)
{
	begin_value(j, key);
	if (isfinite(val))
		fprintf(j->f, "%.*f", decimals, val);
	else
		fputs("null", j->f);
}
