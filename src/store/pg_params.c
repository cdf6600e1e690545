/* pg_params.c -- SQLite's parameter forms rewritten as PostgreSQL's $N. */
#include "store/pg_params.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int pg_params_index(const struct pg_params *p, const char *name)
{
    for (size_t i = 0; i < p->nnames; i++)
        if (strcmp(p->names[i].name, name) == 0)
            return p->names[i].index;
    return 0;
}

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

/* Where the quoted text, comment or dollar-quoted string starting at s
 * ends (just past it), NULL when it never does; s itself when s starts
 * none of them. */
static const char *skip_quoted(const char *s)
{
    if (*s == '\'' || *s == '"') {
        char q = *s;
        for (const char *e = s + 1; *e; e++)
            if (*e == q) {
                if (e[1] != q)
                    return e + 1;
                e++; /* a doubled quote stands for itself */
            }
        return NULL;
    }
    if (s[0] == '-' && s[1] == '-') {
        const char *e = strchr(s, '\n');
        return e ? e + 1 : s + strlen(s);
    }
    if (s[0] == '/' && s[1] == '*') {
        const char *e = strstr(s + 2, "*/");
        return e ? e + 2 : NULL;
    }
    if (s[0] == '$') { /* $$ or $tag$ (a tag: letters, digits, _; not a $N) */
        size_t t = 1;
        while (s[t] && (isalpha((unsigned char)s[t]) || s[t] == '_' ||
                        (t > 1 && isdigit((unsigned char)s[t]))))
            t++;
        if (s[t] != '$')
            return s;
        const char *e = s + t + 1;
        for (; (e = strchr(e, '$')); e++)
            if (strncmp(e, s, t + 1) == 0)
                return e + t + 1;
        return NULL;
    }
    return s;
}

/* Write $n at *o. */
static char *put_number(char *o, int n)
{
    char digits[12];
    int len = 0;
    do
        digits[len++] = (char)('0' + n % 10);
    while ((n /= 10) > 0);
    *o++ = '$';
    while (len > 0)
        *o++ = digits[--len];
    return o;
}

/* The number for the :name of len bytes at s: its earlier one, or the next
 * free one (recorded). 0 past the limits. */
static int number_for_name(struct pg_params *p, const char *s, size_t len)
{
    for (size_t i = 0; i < p->nnames; i++)
        if (strlen(p->names[i].name) == len && memcmp(p->names[i].name, s, len) == 0)
            return p->names[i].index;
    if (len > PG_PARAMS_NAME_MAX || p->nnames == PG_PARAMS_NAMES_MAX || p->count >= PG_PARAMS_MAX)
        return 0;
    memcpy(p->names[p->nnames].name, s, len);
    p->names[p->nnames].name[len] = '\0';
    p->names[p->nnames].index = ++p->count;
    return p->names[p->nnames++].index;
}

char *pg_params_translate(const char *sql, struct pg_params *p)
{
    memset(p, 0, sizeof *p);
    /* "?" (1 byte) becomes at most "$65535" (6): the longest output. */
    char *out = malloc(strlen(sql) * 6 + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *s = sql; *s;) {
        const char *end = skip_quoted(s);
        if (end != s) {
            if (!end)
                goto refused;
            memcpy(o, s, (size_t)(end - s));
            o += end - s;
            s = end;
        } else if (s[0] == ':' && s[1] == ':') {
            *o++ = *s++; /* a cast: the type after it is no name */
            *o++ = *s++;
        } else if (*s == '?') {
            long n;
            if (isdigit((unsigned char)s[1])) {
                char *e;
                n = strtol(s + 1, &e, 10);
                s = e;
            } else {
                n = (long)p->count + 1;
                s++;
            }
            if (n < 1 || n > PG_PARAMS_MAX)
                goto refused;
            if (n > p->count)
                p->count = (int)n;
            o = put_number(o, (int)n);
        } else if (*s == ':' && name_char(s[1])) {
            size_t len = 1;
            while (name_char(s[len]))
                len++;
            int n = number_for_name(p, s, len);
            if (n == 0)
                goto refused;
            o = put_number(o, n);
            s += len;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    return out;
refused:
    free(out);
    p->count = -1;
    return NULL;
}
