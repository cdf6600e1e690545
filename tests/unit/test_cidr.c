/* test_cidr.c -- core/cidr (strict addresses and prefixes, matching,
 * masking) and http/forwarded (the client behind trusted proxies: the
 * rightmost untrusted hop of X-Forwarded-For, and only from a trusted peer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "core/cidr.h"
#include "http/forwarded.h"

static void test_parse_is_strict(void **state)
{
    (void)state;
    static const char *const good[] = {
        "10.0.0.5", "127.0.0.1/32",  "10.0.0.0/8", "0.0.0.0/0",
        "::1",      "2001:db8::/32", "::/0",       "::ffff:127.0.0.1/104"};
    static const char *const bad[] = {"",
                                      "127.0.0.1/",
                                      "127.0.0.1/x",
                                      "127.0.0.1/33",
                                      "::1/129",
                                      "10.0.0.0/08",
                                      "10.0.0.0/+8",
                                      "localhost",
                                      " 127.0.0.1",
                                      "127.0.0.1 ",
                                      "10.0.0.0/8/8",
                                      "1.2.3",
                                      "::ffff:1.2.3.4/95",
                                      "10.0.0.0/-1",
                                      "10.0.0.0/00008"};
    struct cidr c;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(cidr_parse(good[i], &c), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cidr_parse(bad[i], &c), -1);
    assert_int_equal(cidr_parse("::ffff:127.0.0.1/104", &c), 0);
    assert_int_equal(c.addr.family, AF_INET);
    assert_int_equal(c.prefix, 8);
}

static void test_contains_and_mask(void **state)
{
    (void)state;
    struct cidr net;
    struct cidr_addr a;
    assert_int_equal(cidr_parse("203.0.113.0/24", &net), 0);
    assert_int_equal(cidr_addr_parse("203.0.113.9", 11, &a), 0);
    assert_true(cidr_contains(&net, &a));
    assert_int_equal(cidr_addr_parse("::ffff:203.0.113.9", 18, &a), 0); /* mapped = IPv4 */
    assert_true(cidr_contains(&net, &a));
    assert_int_equal(cidr_addr_parse("203.0.114.9", 11, &a), 0);
    assert_false(cidr_contains(&net, &a));
    assert_int_equal(cidr_addr_parse("2001:db8::1", 11, &a), 0);
    assert_false(cidr_contains(&net, &a)); /* families differ */
    char out[CIDR_TEXT_MAX];
    cidr_addr_mask(&a, out, sizeof out);
    assert_string_equal(out, "2001:db8::/48");
    assert_int_equal(cidr_addr_parse("203.0.113.9", 11, &a), 0);
    cidr_addr_mask(&a, out, sizeof out);
    assert_string_equal(out, "203.0.113.0/24");
    cidr_addr_format(&a, out, sizeof out);
    assert_string_equal(out, "203.0.113.9");
}

/* The client of a request from peer (IPv4 text) with xff, trusting
 * 127.0.0.1/32 and 10.0.0.0/8, as text. */
static const char *client(const char *peer, const char *xff)
{
    static char out[CIDR_TEXT_MAX];
    struct cidr trusted[2];
    assert_int_equal(cidr_parse("127.0.0.1/32", &trusted[0]), 0);
    assert_int_equal(cidr_parse("10.0.0.0/8", &trusted[1]), 0);
    struct sockaddr_in sin = {.sin_family = AF_INET};
    assert_int_equal(inet_pton(AF_INET, peer, &sin.sin_addr), 1);
    struct cidr_addr a;
    assert_int_equal(http_forwarded_client((const struct sockaddr *)&sin, xff, trusted, 2, &a), 0);
    cidr_addr_format(&a, out, sizeof out);
    return out;
}

static void test_forwarded_client(void **state)
{
    (void)state;
    /* Untrusted peer: the header is ignored. */
    assert_string_equal(client("198.51.100.7", "203.0.113.9"), "198.51.100.7");
    /* Trusted peer: the rightmost hop that is not a trusted proxy. */
    assert_string_equal(client("127.0.0.1", NULL), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", "203.0.113.9"), "203.0.113.9");
    assert_string_equal(client("127.0.0.1", "1.1.1.1, 203.0.113.9"), "203.0.113.9");
    assert_string_equal(client("127.0.0.1", "1.1.1.1, 203.0.113.9, 10.1.2.3"), "203.0.113.9");
    assert_string_equal(client("127.0.0.1", " 203.0.113.9 ,\t10.1.2.3 "), "203.0.113.9");
    /* All trusted: the leftmost. */
    assert_string_equal(client("127.0.0.1", "10.9.9.9, 10.1.2.3"), "10.9.9.9");
    /* Not an address: the walk stops at the last trusted hop. */
    assert_string_equal(client("127.0.0.1", "203.0.113.9, evil"), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", "203.0.113.9, evil, 10.1.2.3"), "10.1.2.3");
    assert_string_equal(client("127.0.0.1", ""), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", "203.0.113.9:443"), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", "2001:db8::7"), "2001:db8::7");
}

static void test_forwarded_sockaddr_round_trip(void **state)
{
    (void)state;
    struct cidr_addr a, b;
    assert_int_equal(cidr_addr_parse("2001:db8::7", 11, &a), 0);
    struct sockaddr_storage ss;
    assert_int_equal(http_forwarded_peer(http_forwarded_sockaddr(&a, &ss), &b), 0);
    assert_memory_equal(&a, &b, sizeof a);
    assert_int_equal(http_forwarded_peer(NULL, &b), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_is_strict),
        cmocka_unit_test(test_contains_and_mask),
        cmocka_unit_test(test_forwarded_client),
        cmocka_unit_test(test_forwarded_sockaddr_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
