/* csvio.c -- reading and writing CSV with libcsv (see csvio.h): line
 * numbers are kept by feeding the parser one physical line at a time. */
#include "sys/csvio.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parse_state {
    struct csvio_table *t;
    char **fields;
    size_t nfields;
    size_t line, start_line;
    bool need_start;
    size_t rows_ended; /* records the parser ended so far */
    const char *error; /* static text when a bound was crossed */
};

/* Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that
 * starts with one of these as a formula. */
static bool csvio_formula_start(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* A plain number ("+212612345678", "-5", "1500.50") is no formula: it stays
 * as it is, so phone numbers and amounts read back unchanged. */
static bool csvio_plain_number(const char *s, size_t n)
{
    size_t i = (n > 0 && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    size_t digits = 0, seps = 0;
    for (; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else if ((s[i] == '.' || s[i] == ',') && digits > 0 && seps == 0)
            seps++;
        else
            return false;
    }
    return digits > 0 && (n == 0 || (s[n - 1] >= '0' && s[n - 1] <= '9'));
}

bool csvio_needs_neutralising(const char *s, size_t n)
{
    if (n == 0)
        return false;
    if (csvio_formula_start(s[0]))
        return !csvio_plain_number(s, n);
    /* A value that already starts with the apostrophe and a formula
     * character gets one more, so the import's undoing is exact. */
    return s[0] == '\'' && n > 1 && csvio_formula_start(s[1]);
}

static void drop_fields(struct parse_state *s)
{
    for (size_t i = 0; i < s->nfields; i++)
        free(s->fields[i]);
    s->nfields = 0;
}

static void on_field(void *data, size_t len, void *ctx)
{
    struct parse_state *s = ctx;
    s->need_start = false;
    if (s->error)
        return;
    if (s->nfields >= CSVIO_FIELDS_MAX) {
        s->error = "too many fields in a row";
        return;
    }
    if (len > CSVIO_FIELD_MAX) {
        s->error = "a field is too long";
        return;
    }
    char *f = malloc(len + 1);
    if (!f) {
        s->error = "out of memory";
        return;
    }
    if (len)
        memcpy(f, data, len);
    f[len] = '\0';
    /* Undo the export's neutralising apostrophe: "'=SUM(A1)" reads back as
     * "=SUM(A1)" (csvio_needs_neutralising is its exact inverse). */
    if (len > 1 && f[0] == '\'' && csvio_needs_neutralising(f + 1, len - 1))
        memmove(f, f + 1, len);
    s->fields[s->nfields++] = f;
}

static void on_row(int c, void *ctx)
{
    (void)c;
    struct parse_state *s = ctx;
    s->need_start = true;
    s->rows_ended++;
    bool empty = true;
    for (size_t i = 0; i < s->nfields && empty; i++)
        empty = s->fields[i][0] == '\0';
    if (s->error || empty) {
        drop_fields(s);
        return;
    }
    struct csvio_table *t = s->t;
    if (t->nrows >= CSVIO_ROWS_MAX) {
        s->error = "too many rows";
        drop_fields(s);
        return;
    }
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct csvio_row *r = realloc(t->rows, cap * sizeof *r);
        if (!r) {
            s->error = "out of memory";
            drop_fields(s);
            return;
        }
        t->rows = r;
        t->cap = cap;
    }
    char **fields = malloc(s->nfields * sizeof *fields);
    if (!fields) {
        s->error = "out of memory";
        drop_fields(s);
        return;
    }
    memcpy(fields, s->fields, s->nfields * sizeof *fields);
    t->rows[t->nrows++] = (struct csvio_row){s->start_line, s->nfields, fields};
    s->nfields = 0;
}

/* The separator the header line uses most outside quotes: ';' or '\t'
 * when either outnumbers the others, else ','. */
static char detect_delimiter(const char *p, size_t len)
{
    size_t commas = 0, semis = 0, tabs = 0;
    bool quoted = false;
    for (size_t i = 0; i < len && p[i] != '\n'; i++) {
        if (p[i] == '"')
            quoted = !quoted;
        else if (!quoted && p[i] == ',')
            commas++;
        else if (!quoted && p[i] == ';')
            semis++;
        else if (!quoted && p[i] == '\t')
            tabs++;
    }
    if (tabs > commas && tabs > semis)
        return '\t';
    return semis > commas ? ';' : ',';
}

const char *csvio_sep_name(char sep)
{
    return sep == ';' ? ";" : sep == '\t' ? "tab" : ",";
}

/* With tabs between fields, only the space is trimmed around them. */
static int csvio_space_only(unsigned char c)
{
    return c == ' ';
}

int csvio_parse(const char *buf, size_t len, struct csvio_table *out, char *err, size_t errsz)
{
    memset(out, 0, sizeof *out);
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
        out->had_bom = true;
    }
    out->delimiter = detect_delimiter(buf, len);
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    csv_set_delim(&p, (unsigned char)out->delimiter);
    if (out->delimiter == '\t')
        csv_set_space_func(&p, csvio_space_only);
    struct parse_state s = {.t = out, .need_start = true, .line = 0};
    s.fields = calloc(CSVIO_FIELDS_MAX, sizeof *s.fields);
    if (!s.fields) {
        csv_free(&p);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    size_t pos = 0;
    while (pos < len && !s.error) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (buf + pos)) + 1 : len - pos;
        s.line++;
        if (s.need_start)
            s.start_line = s.line;
        size_t ended = s.rows_ended;
        bool blank = true;
        for (size_t i = 0; i < n && blank; i++)
            blank = buf[pos + i] == '\r' || buf[pos + i] == '\n';
        if (csv_parse(&p, buf + pos, n, on_field, on_row, &s) != n) {
            snprintf(err, errsz, "line %zu: %s", s.line, csv_strerror(csv_error(&p)));
            drop_fields(&s);
            free(s.fields);
            csv_free(&p);
            return -1;
        }
        if (!blank && s.rows_ended == ended)
            s.need_start = false; /* a record continues on the next line */
        pos += n;
    }
    if (!s.error)
        csv_fini(&p, on_field, on_row, &s);
    drop_fields(&s);
    free(s.fields);
    csv_free(&p);
    if (s.error) {
        snprintf(err, errsz, "line %zu: %s", s.line, s.error);
        return -1;
    }
    if (out->nrows == 0) {
        snprintf(err, errsz, "the file is empty: a header line is required");
        return -1;
    }
    return 0;
}

void csvio_table_free(struct csvio_table *t)
{
    if (!t)
        return;
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t i = 0; i < t->rows[r].nfields; i++)
            free(t->rows[r].fields[i]);
        free(t->rows[r].fields);
    }
    free(t->rows);
    memset(t, 0, sizeof *t);
}

static void put(struct csvio_out *o, const char *s, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n + 1)
            cap *= 2;
        if (cap > o->max)
            cap = o->max;
        if (o->len + n + 1 > cap) {
            o->failed = true;
            return;
        }
        char *d = realloc(o->data, cap);
        if (!d) {
            o->failed = true;
            return;
        }
        o->data = d;
        o->cap = cap;
    }
    memcpy(o->data + o->len, s, n);
    o->len += n;
    o->data[o->len] = '\0';
}

static void csvio_out_quoted(struct csvio_out *o, const char *s, size_t n);

void csvio_out_init(struct csvio_out *o, size_t max, char sep)
{
    memset(o, 0, sizeof *o);
    o->max = max;
    o->sep = sep == ';' || sep == '\t' ? sep : ',';
    put(o, "\xEF\xBB\xBF", 3);
}

void csvio_out_consume(struct csvio_out *o, size_t n)
{
    if (n >= o->len) {
        o->len = 0;
    } else {
        memmove(o->data, o->data + n, o->len - n);
        o->len -= n;
    }
    if (o->data)
        o->data[o->len] = '\0';
}

void csvio_out_field(struct csvio_out *o, const char *s)
{
    if (o->row_started)
        put(o, &o->sep, 1);
    o->row_started = true;
    s = s ? s : "";
    size_t n = strlen(s);
    if (n > CSVIO_FIELD_MAX * 4) {
        o->failed = true;
        return;
    }
    if (csvio_needs_neutralising(s, n)) {
        /* Written as "'=..." inside quotes: the spreadsheet shows the text,
         * never runs it. */
        char *p = malloc(n + 2);
        if (!p) {
            o->failed = true;
            return;
        }
        p[0] = '\'';
        memcpy(p + 1, s, n + 1);
        csvio_out_quoted(o, p, n + 1);
        free(p);
        return;
    }
    csvio_out_quoted(o, s, n);
}

static void csvio_out_quoted(struct csvio_out *o, const char *s, size_t n)
{
    char stack[1024];
    size_t need = csv_write2(NULL, 0, s, n, '"');
    char *q = need <= sizeof stack ? stack : malloc(need);
    if (!q) {
        o->failed = true;
        return;
    }
    csv_write2(q, need, s, n, '"');
    put(o, q, need);
    if (q != stack)
        free(q);
}

void csvio_out_end_row(struct csvio_out *o)
{
    put(o, "\r\n", 2);
    o->row_started = false;
}
