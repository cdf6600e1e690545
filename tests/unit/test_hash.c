/* test_hash.c -- FNV-1a (core/hash) against the published 64-bit test
 * vectors, so a truncated offset basis cannot come back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/hash.h"

static const struct {
    const char *in;
    uint64_t want;
} vectors[] = {
    {"", 0xcbf29ce484222325ULL},
    {"a", 0xaf63dc4c8601ec8cULL},
    {"foobar", 0x85944171f73967e8ULL},
};

static void test_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        assert_int_equal(hash_string(vectors[i].in), vectors[i].want);
        assert_int_equal(hash_bytes(vectors[i].in, strlen(vectors[i].in)), vectors[i].want);
    }
}

static void test_bytes_with_nul(void **state)
{
    (void)state;
    /* hash_bytes goes past a NUL, hash_string stops there. */
    assert_int_not_equal(hash_bytes("a\0b", 3), hash_string("a"));
    assert_int_equal(hash_bytes("a\0b", 1), hash_string("a"));
    assert_int_equal(hash_bytes(NULL, 0), HASH_FNV1A_OFFSET_BASIS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_bytes_with_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
