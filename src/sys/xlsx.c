/* xlsx.c -- one worksheet with libxlsxwriter, in constant memory, into an
 * unlinked temporary file (see xlsx.h). */
#include "sys/xlsx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "sys/log.h"

struct xlsx_sheet {
    lxw_workbook *book;
    lxw_worksheet *sheet;
    lxw_format *bold, *date;
    char path[512];
    char dir[256];
    unsigned row;
    bool failed, finished;
};

static const char *xlsx_tmpdir(void)
{
    const char *d = getenv("TMPDIR");
    return d && *d == '/' ? d : "/tmp";
}

struct xlsx_sheet *xlsx_new(const char *name, bool right_to_left)
{
    struct xlsx_sheet *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    snprintf(x->dir, sizeof x->dir, "%s", xlsx_tmpdir());
    snprintf(x->path, sizeof x->path, "%s/taawun-export-XXXXXX", x->dir);
    int fd = mkstemp(x->path);
    if (fd < 0) {
        log_error("xlsx_failed", "step=mkstemp dir=%s error=\"%s\"", x->dir, strerror(errno));
        free(x);
        return NULL;
    }
    close(fd); /* libxlsxwriter opens the file by name when it packs it */
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = x->dir};
    x->book = workbook_new_opt(x->path, &opt);
    x->sheet = x->book ? workbook_add_worksheet(x->book, name) : NULL;
    x->bold = x->book ? workbook_add_format(x->book) : NULL;
    x->date = x->book ? workbook_add_format(x->book) : NULL;
    if (!x->sheet || !x->bold || !x->date) {
        log_error("xlsx_failed", "step=new");
        xlsx_free(x);
        return NULL;
    }
    format_set_bold(x->bold);
    format_set_num_format(x->date, "yyyy-mm-dd hh:mm");
    worksheet_freeze_panes(x->sheet, 1, 0);
    worksheet_set_column(x->sheet, 0, XLSX_COLUMNS_MAX - 1, 18, NULL);
    if (right_to_left)
        worksheet_right_to_left(x->sheet);
    return x;
}

static int xlsx_check(struct xlsx_sheet *x, size_t col, lxw_error e)
{
    if (e != LXW_NO_ERROR && !x->failed) {
        log_error("xlsx_failed", "step=cell row=%u col=%zu error=\"%s\"", x->row, col,
                  lxw_strerror(e));
        x->failed = true;
    }
    return x->failed ? -1 : 0;
}

int xlsx_text(struct xlsx_sheet *x, size_t col, const char *s, bool header)
{
    if (x->failed || col >= XLSX_COLUMNS_MAX)
        return -1;
    if (!s || !*s)
        return 0;
    return xlsx_check(
        x, col,
        worksheet_write_string(x->sheet, x->row, (lxw_col_t)col, s, header ? x->bold : NULL));
}

int xlsx_number(struct xlsx_sheet *x, size_t col, double v)
{
    if (x->failed || col >= XLSX_COLUMNS_MAX)
        return -1;
    return xlsx_check(x, col, worksheet_write_number(x->sheet, x->row, (lxw_col_t)col, v, NULL));
}

int xlsx_datetime(struct xlsx_sheet *x, size_t col, int year, int month, int day, int hour,
                  int minute)
{
    if (x->failed || col >= XLSX_COLUMNS_MAX || year < 1900 || year > 9999)
        return -1;
    lxw_datetime dt = {year, month, day, hour, minute, 0};
    return xlsx_check(x, col,
                      worksheet_write_datetime(x->sheet, x->row, (lxw_col_t)col, &dt, x->date));
}

int xlsx_end_row(struct xlsx_sheet *x)
{
    if (x->failed)
        return -1;
    x->row++; /* a cell written past the last row fails */
    return x->row < XLSX_ROWS_MAX ? 0 : 1;
}

int xlsx_finish(struct xlsx_sheet *x, int *fd, unsigned long long *size)
{
    if (x->finished || x->failed)
        return -1;
    x->finished = true;
    lxw_error e = workbook_close(x->book);
    x->book = NULL;
    if (e != LXW_NO_ERROR) {
        log_error("xlsx_failed", "step=close error=\"%s\"", lxw_strerror(e));
        return -1;
    }
    int f = open(x->path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (f < 0 || fstat(f, &sb) != 0) {
        log_error("xlsx_failed", "step=open error=\"%s\"", strerror(errno));
        if (f >= 0)
            close(f);
        return -1;
    }
    unlink(x->path);
    x->path[0] = '\0';
    *fd = f;
    *size = (unsigned long long)sb.st_size;
    return 0;
}

void xlsx_free(struct xlsx_sheet *x)
{
    if (!x)
        return;
    if (x->book) {
        /* Never finished: libxlsxwriter has no "discard", so the workbook
         * is packed and the file removed. */
        workbook_close(x->book);
    }
    if (x->path[0])
        unlink(x->path);
    free(x);
}
