/* test_number.c -- is a normalised phone number in the reserved test range. */
#include "core/test_number.h"

#include <string.h>

bool test_number_is(const char *e164)
{
    static const size_t prefix_len = sizeof TEST_NUMBER_PREFIX - 1;
    if (!e164 || strncmp(e164, TEST_NUMBER_PREFIX, prefix_len) != 0)
        return false;
    const char *rest = e164 + prefix_len;
    for (size_t i = 0; i < 3; i++)
        if (rest[i] < '0' || rest[i] > '9')
            return false;
    return rest[3] == '\0';
}
