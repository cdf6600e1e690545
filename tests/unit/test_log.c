/* test_log.c -- the log's last line of defence: no phone number reaches a
 * log line unmasked, whatever form it takes inside a value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sys/log.h"

static void check(const char *in, const char *want)
{
    char buf[256];
    size_t n = strlen(in);
    memcpy(buf, in, n + 1);
    assert_int_equal(log_mask_digits(buf, n), n);
    assert_string_equal(buf, want);
}

static void test_numbers_masked(void **state)
{
    (void)state;
    /* The Vonage multipart key that leaked a full number. */
    check("provider_id=\"concat:+212612000777:R77\"", "provider_id=\"concat:+212*******77:R77\"");
    check("phone=00212612345678", "phone=002*********78");
    check("raw=0612345678 end", "raw=061*****78 end");
    check("a=612345678", "a=612****78");
}

static void test_other_values_kept(void **state)
{
    (void)state;
    check("id=12345678 attempts=3", "id=12345678 attempts=3");
    check("phone=+2126*****12", "phone=+2126*****12");
    check("ms=1.25 batch=100", "ms=1.25 batch=100");
    check("", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_masked),
        cmocka_unit_test(test_other_values_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
