/* test_bytepack.c -- core/bytepack: varints at their edges, short strings,
 * squeezed zero runs of every length back whole; a cut or forged input
 * read as bad, never past its end or the room given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/bytepack.h"

static void test_varints(void **state)
{
    (void)state;
    static const uint64_t values[] = {0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX, UINT64_MAX};
    unsigned char buf[128];
    struct packer w = {.p = buf};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        put_varint(&w, values[i]);
    assert_int_equal(w.n, 1 + 1 + 1 + 2 + 2 + 2 + 3 + 5 + 10);
    struct unpacker r = {.p = buf, .n = w.n};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        assert_true(take_varint(&r) == values[i]);
    assert_false(r.bad);
    assert_int_equal(r.at, w.n);
    /* Cut in the middle of a varint. */
    r = (struct unpacker){.p = buf, .n = w.n - 1, .at = w.n - 10};
    assert_true(take_varint(&r) == 0);
    assert_true(r.bad);
    /* More than ten groups. */
    memset(buf, 0xff, 12);
    buf[12] = 0;
    r = (struct unpacker){.p = buf, .n = 13};
    take_varint(&r);
    assert_true(r.bad);
}

static void test_short_strings(void **state)
{
    (void)state;
    unsigned char buf[64];
    struct packer w = {.p = buf};
    put_short_string(&w, "+212600000001", 16);
    put_short_string(&w, "", 16);
    put_short_string(&w, "abcdef", 3); /* at most max bytes */
    assert_int_equal(w.n, 14 + 1 + 4);
    struct unpacker r = {.p = buf, .n = w.n};
    char a[17] = {0}, b[17] = {0}, c[17] = {0}, small[4] = {0};
    take_short_string(&r, a, sizeof a);
    take_short_string(&r, b, sizeof b);
    take_short_string(&r, c, sizeof c);
    assert_false(r.bad);
    assert_string_equal(a, "+212600000001");
    assert_string_equal(b, "");
    assert_string_equal(c, "abc");
    r = (struct unpacker){.p = buf, .n = w.n};
    take_short_string(&r, small, sizeof small); /* 13 bytes into 4: refused */
    assert_true(r.bad);
    assert_string_equal(small, "");
}

static void test_squeezed(void **state)
{
    (void)state;
    static const size_t zero_runs[] = {1, 2, 255, 256, 257, 600, 3};
    unsigned char src[3000], back[3000], buf[2 * 3000 + 3];
    size_t at = 0, k = 0;
    while (at < sizeof src) {
        for (size_t n = 0; n < 1 + k % 13 && at < sizeof src; n++, at++)
            src[at] = (unsigned char)(1 + (at * 7) % 250);
        for (size_t n = 0; n < zero_runs[k % 7] && at < sizeof src; n++)
            src[at++] = 0;
        k++;
    }
    struct packer w = {.p = buf};
    put_squeezed(&w, src, sizeof src);
    assert_true(w.n < sizeof src);
    struct unpacker r = {.p = buf, .n = w.n};
    take_squeezed(&r, back, sizeof back);
    assert_false(r.bad);
    assert_int_equal(r.at, w.n);
    assert_memory_equal(back, src, sizeof src);
    /* All zeros, and nothing at all. */
    memset(src, 0, sizeof src);
    w.n = 0;
    put_squeezed(&w, src, sizeof src);
    put_squeezed(&w, src, 0);
    r = (struct unpacker){.p = buf, .n = w.n};
    memset(back, 1, sizeof back);
    take_squeezed(&r, back, sizeof back);
    take_squeezed(&r, back, 0);
    assert_false(r.bad);
    assert_memory_equal(back, src, sizeof src);
    /* Into less room than it fills, or more: bad. */
    r = (struct unpacker){.p = buf, .n = w.n};
    take_squeezed(&r, back, sizeof back - 1);
    assert_true(r.bad);
    r = (struct unpacker){.p = buf, .n = w.n};
    take_squeezed(&r, back, 100);
    assert_true(r.bad);
    /* Cut short. */
    r = (struct unpacker){.p = buf, .n = 3};
    take_squeezed(&r, back, sizeof back);
    assert_true(r.bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varints),
        cmocka_unit_test(test_short_strings),
        cmocka_unit_test(test_squeezed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
