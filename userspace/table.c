// SPDX-License-Identifier: GPL-2.0
/* ackguardctl: aligned text tables. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

void agc_table_init(struct agc_table *t, const char *align)
{
	memset(t, 0, sizeof(*t));
	t->align = align;
	t->ncols = strlen(align);
}

void agc_table_row(struct agc_table *t, ...)
{
	va_list ap;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **cells = realloc(t->cells, cap * t->ncols * sizeof(*cells));

		if (!cells)
			return;		/* out of memory: drop the row */
		t->cells = cells;
		t->cap = cap;
	}
	va_start(ap, t);
	for (size_t c = 0; c < t->ncols; c++) {
		const char *s = va_arg(ap, const char *);

		t->cells[t->nrows * t->ncols + c] = strdup(s ? s : "");
	}
	va_end(ap);
	t->nrows++;
}

static const char *cell(const struct agc_table *t, size_t r, size_t c)
{
	const char *s = t->cells[r * t->ncols + c];

	return s ? s : "";
}

void agc_table_print(const struct agc_table *t, FILE *f, const char *indent)
{
	size_t *width = calloc(t->ncols ? t->ncols : 1, sizeof(*width));
	size_t linemax = 1;
	char *line;

	if (!width)
		return;
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t n = strlen(cell(t, r, c));

			if (n > width[c])
				width[c] = n;
		}
	for (size_t c = 0; c < t->ncols; c++)
		linemax += width[c] + 2;
	line = malloc(linemax);
	for (size_t r = 0; line && r < t->nrows; r++) {
		size_t used = 0;

		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = cell(t, r, c);
			size_t n = strlen(s), pad = width[c] - n;

			if (c) {
				memset(line + used, ' ', 2);
				used += 2;
			}
			if (t->align[c] == 'r') {
				memset(line + used, ' ', pad);
				used += pad;
			}
			memcpy(line + used, s, n);
			used += n;
			if (t->align[c] != 'r') {
				memset(line + used, ' ', pad);
				used += pad;
			}
		}
		while (used && line[used - 1] == ' ')
			used--;
		fprintf(f, "%s%.*s\n", indent ? indent : "", (int)used, line);
	}
	free(line);
	free(width);
}

void agc_table_free(struct agc_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
