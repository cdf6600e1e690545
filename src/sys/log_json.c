/* log_json.c -- logfmt pairs read back into a JSON object (see log_json.h):
 * the JSON is made and escaped by jansson, never by hand. */
#include "sys/log_json.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"

#define LOG_JSON_KEY_MAX 64
#define LOG_JSON_SUFFIXES 9 /* key, key_2 .. key_9 */

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The code point of the four hex digits at s, or -1. */
static long hex4(const char *s)
{
    long cp = 0;
    for (int k = 0; k < 4; k++) {
        int d = hex_digit(s[k]);
        if (d < 0)
            return -1;
        cp = cp * 16 + d;
    }
    return cp;
}

/* s[*i] is the opening '"': read the quoted value up to its closing quote
 * (or the end of s), undoing log_quote's escapes, into val. Moves *i past
 * the closing quote; returns the bytes written (never more than read). */
static size_t unquote(const char *s, size_t n, size_t *i, char *val)
{
    size_t j = 0;
    (*i)++;
    while (*i < n && s[*i] != '"') {
        char c = s[(*i)++];
        if (c != '\\' || *i >= n) {
            val[j++] = c;
            continue;
        }
        char e = s[(*i)++];
        long cp;
        if (e == 'n') {
            val[j++] = '\n';
        } else if (e == 'r') {
            val[j++] = '\r';
        } else if (e == 't') {
            val[j++] = '\t';
        } else if (e == 'u' && *i + 4 <= n && (cp = hex4(s + *i)) >= 0) {
            *i += 4;
            /* At most 3 bytes for 6 read; never a NUL, which many readers
             * of JSON refuse (log_quote never writes \u0000). */
            size_t k = cp ? utf8_encode((uint32_t)cp, val + j) : 0;
            if (k == 0)
                val[j++] = '?';
            j += k;
        } else {
            val[j++] = e; /* \" and \\, and any other escaped byte as itself */
        }
    }
    if (*i < n)
        (*i)++;
    return j;
}

/* Set key (kn bytes) to the string val (vn bytes) in o; a key already there
 * or reserved gets a suffix. Returns 0, or -1 when jansson fails. */
static int add_pair(json_t *o, const char *key, size_t kn, const char *val, size_t vn)
{
    char name[LOG_JSON_KEY_MAX + 4];
    if (kn > LOG_JSON_KEY_MAX)
        kn = utf8_floor(key, kn, LOG_JSON_KEY_MAX);
    memcpy(name, key, kn);
    name[kn] = '\0';
    for (int k = 1; k <= LOG_JSON_SUFFIXES; k++) {
        if (k > 1)
            snprintf(name + kn, sizeof name - kn, "_%d", k);
        if (json_object_get(o, name))
            continue;
        json_t *v = json_stringn(val, vn);
        if (!v)
            v = json_string("?"); /* not UTF-8: cannot happen once log_event cleaned it */
        return json_object_set_new(o, name, v);
    }
    return 0; /* the same key ten times: the rest are dropped */
}

/* Skip a word that is not a pair (a quoted piece read whole): moves *i to
 * the space after it. */
static void skip_word(const char *s, size_t n, size_t *i)
{
    while (*i < n && s[*i] != ' ') {
        if (s[*i] == '"') {
            for ((*i)++; *i < n && s[*i] != '"'; (*i)++)
                if (s[*i] == '\\')
                    (*i)++;
        }
        if (*i < n)
            (*i)++;
    }
    if (*i > n)
        *i = n;
}

/* Read the pairs of s[0..n) into o, the other words into text. */
static int read_fields(json_t *o, const char *s, size_t n, char *val, char *text, size_t *tn)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && s[i] == ' ')
            i++;
        if (i >= n)
            break;
        size_t k0 = i;
        while (i < n && s[i] != ' ' && s[i] != '=' && s[i] != '"')
            i++;
        if (i > k0 && i < n && s[i] == '=') {
            size_t kn = i - k0, vn;
            i++;
            if (i < n && s[i] == '"') {
                vn = unquote(s, n, &i, val);
            } else {
                size_t v0 = i;
                while (i < n && s[i] != ' ')
                    i++;
                vn = i - v0;
                memcpy(val, s + v0, vn);
            }
            if (add_pair(o, s + k0, kn, val, vn) != 0)
                return -1;
            continue;
        }
        i = k0;
        skip_word(s, n, &i);
        if (*tn)
            text[(*tn)++] = ' ';
        memcpy(text + *tn, s + k0, i - k0);
        *tn += i - k0;
    }
    return 0;
}

size_t log_json_render(char *out, size_t outsz, const char *ts, const char *level,
                       const char *event, const char *fields, size_t len)
{
    if (len > LOG_JSON_FIELDS_MAX || outsz < 2)
        return 0;
    char val[LOG_JSON_FIELDS_MAX + 1], text[LOG_JSON_FIELDS_MAX + 1];
    size_t tn = 0;
    json_t *o = json_object();
    if (!o)
        return 0;
    int bad = json_object_set_new(o, "ts", json_string(ts));
    bad |= json_object_set_new(o, "level", json_string(level));
    bad |= json_object_set_new(o, "event", json_string(event));
    if (!bad)
        bad = read_fields(o, fields ? fields : "", fields ? len : 0, val, text, &tn);
    if (!bad && tn)
        bad = add_pair(o, LOG_JSON_TEXT_KEY, strlen(LOG_JSON_TEXT_KEY), text, tn);
    size_t need = bad ? 0 : json_dumpb(o, out, outsz - 1, JSON_COMPACT);
    json_decref(o);
    if (need == 0 || need > outsz - 1)
        return 0;
    out[need] = '\0';
    return need;
}
