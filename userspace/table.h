/* SPDX-License-Identifier: GPL-2.0 */
/* ackguardctl: aligned text tables (columns sized to their widest cell). */
#ifndef AGC_TABLE_H
#define AGC_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct agc_table {
	const char *align;	/* one 'l' or 'r' per column */
	size_t ncols;
	size_t nrows;
	size_t cap;		/* rows allocated */
	char **cells;		/* nrows * ncols strings */
};

void agc_table_init(struct agc_table *t, const char *align);
/* Appends a row of ncols strings (copied); NULL cells print empty. */
void agc_table_row(struct agc_table *t, ...);
/* Columns are separated by two spaces; lines carry no trailing blanks. */
void agc_table_print(const struct agc_table *t, FILE *f, const char *indent);
void agc_table_free(struct agc_table *t);

#endif /* AGC_TABLE_H */
