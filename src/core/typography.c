/* typography.c -- typographic characters to their GSM-7 equivalents (see
 * typography.h), one table. */
#include "core/typography.h"

#include <stdbool.h>
#include <string.h>

#include "core/utf8.h"

/* Each character replaced and what replaces it ("" removes it). */
static const struct {
    uint32_t cp;
    const char *to;
} table[] = {
    {0x2019, "'"},  {0x2018, "'"},  {0x201A, "'"},   {0x201B, "'"},  {0x2032, "'"},  {0x201C, "\""},
    {0x201D, "\""}, {0x201E, "\""}, {0x201F, "\""},  {0x2033, "\""}, {0x00AB, "\""}, {0x00BB, "\""},
    {0x00A0, " "},  {0x202F, " "},  {0x2000, " "},   {0x2001, " "},  {0x2002, " "},  {0x2003, " "},
    {0x2004, " "},  {0x2005, " "},  {0x2006, " "},   {0x2007, " "},  {0x2008, " "},  {0x2009, " "},
    {0x200A, " "},  {0x2013, "-"},  {0x2014, "-"},   {0x2012, "-"},  {0x2015, "-"},  {0x2010, "-"},
    {0x2011, "-"},  {0x2212, "-"},  {0x2026, "..."}, {0x0153, "oe"}, {0x0152, "OE"}, {0x00AD, ""},
    {0x200B, ""},   {0x200C, ""},   {0x200D, ""},    {0x2060, ""},   {0xFEFF, ""},
};

static const char *replacement(uint32_t cp)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].cp == cp)
            return table[i].to;
    return NULL;
}

static bool is_space(uint32_t cp)
{
    const char *to = replacement(cp);
    return cp == ' ' || (to && strcmp(to, " ") == 0);
}

static void note(struct typography_changes *ch, uint32_t cp)
{
    if (!ch)
        return;
    ch->count++;
    for (size_t i = 0; i < ch->nreplaced; i++)
        if (ch->replaced[i] == cp)
            return;
    if (ch->nreplaced < TYPOGRAPHY_REPLACED_MAX)
        ch->replaced[ch->nreplaced++] = cp;
}

long typography_normalise(const char *in, size_t len, char *out, size_t outsz,
                          struct typography_changes *ch)
{
    if (ch)
        memset(ch, 0, sizeof *ch);
    if (outsz == 0)
        return -1;
    out[0] = '\0';
    if (!utf8_valid(in, len))
        return -1;
    size_t i = 0, j = 0;
    bool skip_space = false; /* after an opening guillemet */
    while (i < len) {
        uint32_t cp, next = 0;
        size_t k = utf8_decode(in + i, len - i, &cp);
        if (i + k < len)
            (void)utf8_decode(in + i + k, len - i - k, &next);
        const char *to = replacement(cp);
        if (skip_space && is_space(cp)) {
            if (cp != ' ')
                note(ch, cp);
            i += k;
            continue;
        }
        skip_space = cp == 0x00AB;
        if (is_space(cp) && next == 0x00BB) { /* the space before » */
            if (cp != ' ')
                note(ch, cp);
            i += k;
            continue;
        }
        const char *src = to ? to : in + i;
        size_t n = to ? strlen(to) : k;
        if (to)
            note(ch, cp);
        if (j + n >= outsz) {
            out[0] = '\0';
            return -1;
        }
        memcpy(out + j, src, n);
        j += n;
        i += k;
    }
    out[j] = '\0';
    return (long)j;
}
