/* placeholders.c -- the personalisation placeholders ({name}, {member_no},
 * {event}, {date}): found, checked and expanded. */
#include "core/placeholders.h"

#include <stdio.h>
#include <string.h>

#include "core/utf8.h"

static const char *const names[PLACEHOLDER_COUNT] = {"name", "member_no", "event", "date"};

const char *placeholder_name(enum placeholder p)
{
    return (unsigned)p < PLACEHOLDER_COUNT ? names[p] : NULL;
}

static int word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The length of the "{word}" starting at s (s[0] == '{'), or 0 when s
 * starts no placeholder-shaped word. */
static size_t word_at(const char *s)
{
    size_t n = 1;
    while (word_char(s[n]))
        n++;
    return n > 1 && s[n] == '}' ? n + 1 : 0;
}

/* The placeholder the "{word}" s[0..n) names, or PLACEHOLDER_COUNT. */
static enum placeholder which(const char *s, size_t n)
{
    for (int p = 0; p < PLACEHOLDER_COUNT; p++)
        if (strlen(names[p]) + 2 == n && memcmp(names[p], s + 1, n - 2) == 0)
            return (enum placeholder)p;
    return PLACEHOLDER_COUNT;
}

unsigned placeholders_used(const char *text)
{
    unsigned used = 0;
    for (const char *s = text; s && (s = strchr(s, '{')); s++) {
        size_t n = word_at(s);
        enum placeholder p = n ? which(s, n) : PLACEHOLDER_COUNT;
        if (p != PLACEHOLDER_COUNT)
            used |= 1u << p;
    }
    return used;
}

/* The length of the placeholder attempt starting at s (s[0] == '{'): a brace
 * that, after any spaces, is followed by something other than a space or a
 * brace ("{nom}", "{ name }", "{name" left open, "{الاسم}"); it runs to the
 * closing brace, or else to the next space or brace. 0 for a brace that is
 * text ("{}", "{ }", a lone "{", ":-}"). */
static size_t attempt_at(const char *s)
{
    size_t n = 1;
    while (s[n] == ' ')
        n++;
    if (s[n] == '\0' || s[n] == '}' || s[n] == '{' || s[n] == ' ')
        return 0;
    size_t open = n;
    while (s[n] != '\0' && s[n] != '}' && s[n] != '{' && s[n] != '\n')
        n++;
    if (s[n] == '}')
        return n + 1;
    n = open; /* left open: the attempt is its first word */
    while (s[n] != '\0' && s[n] != ' ' && s[n] != '{' && s[n] != '\n')
        n++;
    return n;
}

int placeholders_find_unknown(const char *text, char *out, size_t outsz)
{
    for (const char *s = text; s && (s = strchr(s, '{')); s++) {
        size_t n = word_at(s);
        if (n && which(s, n) != PLACEHOLDER_COUNT) {
            s += n - 1;
            continue;
        }
        n = n ? n : attempt_at(s);
        if (n) {
            if (outsz)
                snprintf(out, outsz, "%.*s", (int)utf8_floor(s, n, outsz - 1), s);
            return 1;
        }
    }
    return 0;
}

long placeholders_expand(const char *text, const char *const values[PLACEHOLDER_COUNT], char *out,
                         size_t outsz)
{
    size_t len = 0;
    if (outsz)
        out[0] = '\0';
    for (const char *s = text; *s;) {
        size_t w = *s == '{' ? word_at(s) : 0, n, advance;
        enum placeholder p = w ? which(s, w) : PLACEHOLDER_COUNT;
        const char *piece = s;
        if (p != PLACEHOLDER_COUNT && values[p]) {
            piece = values[p];
            n = strlen(piece);
            advance = w;
        } else {
            n = advance = w ? w : strcspn(s + 1, "{") + 1; /* up to the next brace */
        }
        if (len + n >= outsz)
            return -1;
        memcpy(out + len, piece, n);
        len += n;
        out[len] = '\0';
        s += advance;
    }
    return (long)len;
}
