/* msisdn.h -- phone numbers: normalise what people and providers type to
 * E.164, reject what cannot be a mobile number, and mask numbers for logs.
 *
 * Accepted: "+2126XXXXXXXX", "002126XXXXXXXX", "2126XXXXXXXX" (as sent by
 * some providers without '+'), the local "06XXXXXXXX"/"07XXXXXXXX", with
 * spaces, dots, dashes and parentheses between digits. Numbers of Morocco
 * (+212) must be mobiles: 6 or 7 followed by eight digits. Numbers of other
 * countries must be 8 to 15 digits long in all.
 *
 * Details: separators may stand anywhere (also before and after the digits);
 * '+' only before the first digit, once. Arabic-Indic (U+0660..U+0669) and
 * Eastern Arabic-Indic (U+06F0..U+06F9) digits in UTF-8 count as digits.
 * Without '+' or "00", a leading 0 means a Moroccan local number and any
 * other first digit means a full international number ("15551234567").
 * A country code cannot start with 0 ("+06...", "0006..."): MSISDN_BAD_LENGTH.
 * A Moroccan number of the wrong length is MSISDN_BAD_LENGTH even when it
 * does not start with 6 or 7; MSISDN_NOT_MOBILE needs nine national digits. */
#ifndef TAAWUN_CORE_MSISDN_H
#define TAAWUN_CORE_MSISDN_H

#include <stddef.h>
#include "core/limits.h"

enum msisdn_status {
    MSISDN_OK = 0,
    MSISDN_EMPTY,      /* nothing but separators */
    MSISDN_BAD_CHAR,   /* a letter or symbol that is not a separator */
    MSISDN_BAD_LENGTH, /* too short or too long for its country */
    MSISDN_NOT_MOBILE, /* a Moroccan number that is not 06/07 */
};

/* Normalise in[0..len) into out (MSISDN_MAX bytes, NUL-terminated E.164).
 * out is written only on MSISDN_OK. */
enum msisdn_status msisdn_normalize(const char *in, size_t len, char out[MSISDN_MAX])
    __attribute__((warn_unused_result));

/* Mask an E.164 number for logs: keep '+', the country code and first
 * national digit, and the last two digits ("+2126*****12"). Anything that is
 * not a normalised number becomes "***". out holds MSISDN_MAX bytes.
 * Always five stars, so the mask hides the length too; for countries other
 * than 212 it keeps '+' and the first three digits ("+155*****67").
 * Reads at most MSISDN_MAX bytes of e164; NULL gives "***". */
void msisdn_mask(const char *e164, char out[MSISDN_MAX]);

const char *msisdn_status_str(enum msisdn_status st);

#endif
