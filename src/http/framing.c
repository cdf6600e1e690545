/* framing.c -- the request framing rules (see framing.h): counts of the
 * headers that decide where a request ends, and the verdict on them. */
#include "http/framing.h"

#include <string.h>
#include <strings.h>

/* s without leading and trailing spaces or tabs equals word, ignoring case. */
static bool trimmed_equals(const char *s, const char *word)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n == strlen(word) && strncasecmp(s, word, n) == 0;
}

/* s is one or more decimal digits, spaces or tabs around them allowed. */
static bool is_decimal(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    const char *digits = s;
    while (*s >= '0' && *s <= '9')
        s++;
    if (s == digits)
        return false;
    while (*s == ' ' || *s == '\t')
        s++;
    return *s == '\0';
}

void http_framing_add(struct http_framing *f, const char *name, const char *value)
{
    if (!name)
        return;
    if (!value)
        value = "";
    if (strcasecmp(name, "Content-Length") == 0) {
        f->content_lengths++;
        if (!is_decimal(value))
            f->bad_length = true;
    } else if (strcasecmp(name, "Transfer-Encoding") == 0) {
        f->transfer_encodings++;
        if (!trimmed_equals(value, "chunked"))
            f->unknown_coding = true;
    } else if (strcasecmp(name, "Host") == 0) {
        f->hosts++;
    }
}

enum http_framing_verdict http_framing_check(const struct http_framing *f, const char *version)
{
    /* HTTP/1.1 and later need a Host; libmicrohttpd refuses versions it
     * does not speak before this is asked. */
    bool http11 = !(version && strcmp(version, "HTTP/1.0") == 0);
    if (f->content_lengths > 0 && f->transfer_encodings > 0)
        return HTTP_FRAMING_LENGTH_AND_CHUNKED;
    if (f->content_lengths > 1)
        return HTTP_FRAMING_MANY_LENGTHS;
    if (f->bad_length)
        return HTTP_FRAMING_BAD_LENGTH;
    if (f->transfer_encodings > 1 || f->unknown_coding)
        return HTTP_FRAMING_UNKNOWN_CODING;
    if (f->transfer_encodings > 0 && !http11)
        return HTTP_FRAMING_CODING_IN_HTTP10;
    if (http11 && f->hosts == 0)
        return HTTP_FRAMING_NO_HOST;
    if (f->hosts > 1)
        return HTTP_FRAMING_MANY_HOSTS;
    return HTTP_FRAMING_OK;
}

const char *http_framing_reason(enum http_framing_verdict v)
{
    switch (v) {
    case HTTP_FRAMING_OK:
        return "";
    case HTTP_FRAMING_LENGTH_AND_CHUNKED:
        return "Content-Length and Transfer-Encoding together";
    case HTTP_FRAMING_MANY_LENGTHS:
        return "more than one Content-Length";
    case HTTP_FRAMING_BAD_LENGTH:
        return "Content-Length is not a number";
    case HTTP_FRAMING_UNKNOWN_CODING:
        return "transfer coding other than chunked";
    case HTTP_FRAMING_CODING_IN_HTTP10:
        return "Transfer-Encoding in an HTTP/1.0 request";
    case HTTP_FRAMING_NO_HOST:
        return "HTTP/1.1 request without Host";
    case HTTP_FRAMING_MANY_HOSTS:
        return "more than one Host";
    }
    return "bad framing";
}
