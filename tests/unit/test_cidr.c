/* test_cidr.c -- allow_from entries parsed strictly: what was read with
 * atoi ("203.0.113.5/" as prefix 0, every caller let through) is refused,
 * and what is accepted matches what it says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "core/cidr.h"

static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "203.0.113.5/",
        "203.0.113.5/x",
        "/x",
        "/24",
        "",
        "203.0.113.5/33",
        "203.0.113.5/-1",
        "203.0.113.5/+8",
        "203.0.113.5/ 8",
        "203.0.113.5/8 ",
        "203.0.113.5/0032",
        "203.0.113.5/24",
        "localhost",
        "gw.example.org",
        "gw.example.org/32",
        "203.0.113",
        "203.0.113.5.1",
        "2001:db8::/129",
        "2001:db8::1/64",
        "2001:db8::/",
        "::1/1x",
        "0.0.0.1/0",
        "10.0.0.0/8/8",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct cidr c;
        const char *why = NULL;
        if (cidr_parse(bad[i], &c, &why) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_non_null(why);
    }
}

static bool matches(const char *entry, const char *client)
{
    struct cidr c;
    assert_int_equal(cidr_parse(entry, &c, NULL), 0);
    unsigned char a[16];
    if (inet_pton(AF_INET, client, a) == 1)
        return cidr_contains(&c, AF_INET, a);
    assert_int_equal(inet_pton(AF_INET6, client, a), 1);
    return cidr_contains(&c, AF_INET6, a);
}

static void test_accepted_and_matched(void **state)
{
    (void)state;
    assert_true(matches("203.0.113.5", "203.0.113.5"));
    assert_false(matches("203.0.113.5", "203.0.113.6"));
    assert_true(matches("203.0.113.5/32", "203.0.113.5"));
    assert_true(matches("196.201.214.0/24", "196.201.214.77"));
    assert_false(matches("196.201.214.0/24", "196.201.215.1"));
    assert_true(matches("0.0.0.0/0", "8.8.8.8"));
    assert_false(matches("0.0.0.0/0", "2001:db8::1"));
    assert_true(matches("2001:db8::/32", "2001:db8:1::5"));
    assert_false(matches("2001:db8::/32", "2001:db9::5"));
    assert_true(matches("::1", "::1"));
    assert_true(matches("127.0.0.0/8", "::ffff:127.0.0.9")); /* IPv4-mapped */
    assert_false(matches("127.0.0.1", "::ffff:127.0.0.2"));
    assert_false(matches("::ffff:0:0/96", "127.0.0.1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_accepted_and_matched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
