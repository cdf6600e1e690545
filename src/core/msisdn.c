/* msisdn.c -- normalise phone numbers as members and providers write them to
 * E.164, keeping Moroccan numbers to mobiles, and mask numbers for logs. */
#include "core/msisdn.h"

#include <stdbool.h>
#include <string.h>

#define MSISDN_COUNTRY_MA "212"
#define MSISDN_COUNTRY_MA_LEN 3
#define MSISDN_MA_NATIONAL_LEN 9 /* 6XXXXXXXX or 7XXXXXXXX */
#define MSISDN_INTL_MIN 8        /* digits, country code included */
#define MSISDN_INTL_MAX 15       /* E.164 maximum */
#define MSISDN_MASK_STARS "*****"

static bool msisdn_is_separator(unsigned char c)
{
    return c == ' ' || c == '.' || c == '-' || c == '(' || c == ')';
}

/* The digit value (0..9) of the character at in[*i], advancing *i past it;
 * -1 when in[*i] does not start a digit. Accepts ASCII digits, Arabic-Indic
 * U+0660..U+0669 (UTF-8 D9 A0..D9 A9) and Eastern Arabic-Indic U+06F0..U+06F9
 * (UTF-8 DB B0..DB B9). */
static int msisdn_digit_at(const unsigned char *in, size_t len, size_t *i)
{
    unsigned char c = in[*i];
    if (c >= '0' && c <= '9') {
        *i += 1;
        return c - '0';
    }
    if (*i + 1 < len) {
        unsigned char c2 = in[*i + 1];
        if (c == 0xD9 && c2 >= 0xA0 && c2 <= 0xA9) {
            *i += 2;
            return c2 - 0xA0;
        }
        if (c == 0xDB && c2 >= 0xB0 && c2 <= 0xB9) {
            *i += 2;
            return c2 - 0xB0;
        }
    }
    return -1;
}

/* Check the Moroccan national number nat[0..len) (after 212). */
static enum msisdn_status msisdn_check_morocco(const char *nat, size_t len)
{
    if (len != MSISDN_MA_NATIONAL_LEN)
        return MSISDN_BAD_LENGTH;
    if (nat[0] != '6' && nat[0] != '7')
        return MSISDN_NOT_MOBILE;
    return MSISDN_OK;
}

enum msisdn_status msisdn_normalize(const char *in, size_t len, char out[MSISDN_MAX])
{
    /* Room for "00", 15 digits and one too many; longer is only counted. */
    char digits[2 + MSISDN_INTL_MAX + 1];
    size_t ndigits = 0;
    bool plus = false;
    const unsigned char *p = (const unsigned char *)in;

    if (in == NULL)
        len = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        if (msisdn_is_separator(c)) {
            i++;
            continue;
        }
        if (c == '+') {
            /* Only before every digit, and only once. */
            if (plus || ndigits > 0)
                return MSISDN_BAD_CHAR;
            plus = true;
            i++;
            continue;
        }
        int d = msisdn_digit_at(p, len, &i);
        if (d < 0)
            return MSISDN_BAD_CHAR;
        if (ndigits < sizeof(digits))
            digits[ndigits] = (char)('0' + d);
        ndigits++;
    }
    if (ndigits == 0)
        return MSISDN_EMPTY;
    if (ndigits > sizeof(digits))
        return MSISDN_BAD_LENGTH;

    /* Find the international digits: after '+', after "00", or bare
     * (providers send "2126..." and "1555..." without '+'); a single leading
     * 0 is the Moroccan trunk prefix. */
    const char *intl = digits;
    size_t intl_len = ndigits;
    const char *national = NULL;
    size_t national_len = 0;
    if (!plus && ndigits >= 2 && digits[0] == '0' && digits[1] == '0') {
        intl += 2;
        intl_len -= 2;
    } else if (!plus && digits[0] == '0') {
        national = digits + 1;
        national_len = ndigits - 1;
    } else if (!plus && ndigits == 9 && (digits[0] == '6' || digits[0] == '7')) {
        /* "612345678": a Moroccan mobile typed without its trunk 0; nine
         * digits are too few for any international mobile number. */
        national = digits;
        national_len = ndigits;
    }

    if (national == NULL) {
        if (intl_len == 0 || intl[0] == '0')
            return MSISDN_BAD_LENGTH; /* no country code starts with 0 */
        if (intl_len >= MSISDN_COUNTRY_MA_LEN &&
            memcmp(intl, MSISDN_COUNTRY_MA, MSISDN_COUNTRY_MA_LEN) == 0) {
            national = intl + MSISDN_COUNTRY_MA_LEN;
            national_len = intl_len - MSISDN_COUNTRY_MA_LEN;
        } else {
            if (intl_len < MSISDN_INTL_MIN || intl_len > MSISDN_INTL_MAX)
                return MSISDN_BAD_LENGTH;
            out[0] = '+';
            memcpy(out + 1, intl, intl_len);
            out[1 + intl_len] = '\0';
            return MSISDN_OK;
        }
    }

    enum msisdn_status st = msisdn_check_morocco(national, national_len);
    if (st != MSISDN_OK)
        return st;
    out[0] = '+';
    memcpy(out + 1, MSISDN_COUNTRY_MA, MSISDN_COUNTRY_MA_LEN);
    memcpy(out + 1 + MSISDN_COUNTRY_MA_LEN, national, national_len);
    out[1 + MSISDN_COUNTRY_MA_LEN + national_len] = '\0';
    return MSISDN_OK;
}

void msisdn_mask(const char *e164, char out[MSISDN_MAX])
{
    static const char hidden[] = "***";
    size_t len = 0;

    if (e164 != NULL) {
        while (len < MSISDN_MAX && e164[len] != '\0')
            len++;
    }
    /* Only a fixed point of msisdn_normalize is a normalised number. */
    char norm[MSISDN_MAX];
    if (len == 0 || len >= MSISDN_MAX || e164[0] != '+' ||
        msisdn_normalize(e164, len, norm) != MSISDN_OK || strcmp(norm, e164) != 0) {
        memcpy(out, hidden, sizeof(hidden));
        return;
    }

    /* Keep "+212" and the first national digit for Morocco, '+' and three
     * digits elsewhere; then a fixed run of stars (which hides the length
     * too) and the last two digits. */
    size_t keep = memcmp(e164 + 1, MSISDN_COUNTRY_MA, MSISDN_COUNTRY_MA_LEN) == 0
                      ? 1 + MSISDN_COUNTRY_MA_LEN + 1
                      : 1 + 3;
    size_t n = 0;
    memcpy(out, e164, keep);
    n += keep;
    memcpy(out + n, MSISDN_MASK_STARS, sizeof(MSISDN_MASK_STARS) - 1);
    n += sizeof(MSISDN_MASK_STARS) - 1;
    memcpy(out + n, e164 + len - 2, 2);
    n += 2;
    out[n] = '\0';
}

const char *msisdn_status_str(enum msisdn_status st)
{
    switch (st) {
    case MSISDN_OK:
        return "ok";
    case MSISDN_EMPTY:
        return "empty";
    case MSISDN_BAD_CHAR:
        return "bad character";
    case MSISDN_BAD_LENGTH:
        return "bad length";
    case MSISDN_NOT_MOBILE:
        return "not a mobile number";
    }
    return "unknown";
}
