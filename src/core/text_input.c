/* text_input.c -- cleaning free text members type (names, ideas), shared by
 * the USSD menus and the SMS commands. */
#include "core/text_input.h"

#include <string.h>

#include "core/utf8.h"

bool text_input_is_letter(uint32_t cp)
{
    return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
           (cp >= 0xc0 && cp <= 0x24f && cp != 0xd7 && cp != 0xf7) ||
           (cp >= 0x0620 && cp <= 0x064a) || (cp >= 0x066e && cp <= 0x06d3) ||
           (cp >= 0x06fa && cp <= 0x06ff) || (cp >= 0x2d30 && cp <= 0x2d7f);
}

bool text_input_clean(const char *in, size_t len, size_t min_chars, size_t max_chars,
                      bool breaks_are_spaces, char *out, size_t outsz)
{
    if (outsz == 0 || !utf8_valid(in, len))
        return false;
    size_t j = 0, chars = 0, letters = 0;
    bool space = false;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode(in + i, len - i, &cp);
        if (n == 0 || cp == '#' || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
            return false;
        bool is_break = cp == '\n' || cp == '\r' || cp == '\t';
        if (cp < 0x20 && !(breaks_are_spaces && is_break))
            return false;
        if (cp == ' ' || is_break) {
            space = true;
            i += n;
            continue;
        }
        if (space && j > 0) {
            if (j + 1 >= outsz)
                return false;
            out[j++] = ' ';
            chars++;
        }
        space = false;
        if (j + n >= outsz)
            return false;
        memcpy(out + j, in + i, n);
        j += n;
        chars++;
        if (text_input_is_letter(cp))
            letters++;
        i += n;
    }
    out[j] = '\0';
    return chars >= min_chars && chars <= max_chars && letters >= 2;
}
