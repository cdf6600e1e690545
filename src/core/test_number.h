/* test_number.h -- the reserved range of test phone numbers, declared once:
 * the only numbers the console's phone simulator may act as, stored as test
 * members (members.is_test) and left out of counts, broadcasts and exports.
 *
 * The range is Ofcom's drama range, +44 7700 900000 to +44 7700 900999:
 * reserved for fiction by the UK regulator and never given to a subscriber,
 * so a test number can never belong to a real person on any network. */
#ifndef TAAWUN_CORE_TEST_NUMBER_H
#define TAAWUN_CORE_TEST_NUMBER_H

#include <stdbool.h>

#define TEST_NUMBER_PREFIX "+447700900" /* then exactly three digits */
#define TEST_NUMBER_FIRST "+447700900000"
#define TEST_NUMBER_LAST "+447700900999"

/* true when e164 (a normalised E.164 number, NUL-terminated; NULL gives
 * false) lies in the reserved test range. */
bool test_number_is(const char *e164);

#endif
