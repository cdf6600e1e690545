/* test_framing.c -- table-driven tests of the request framing rules
 * (http/framing): which header sets are refused, and why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "http/framing.h"

#define HEADERS_MAX 4

struct framing_case {
    const char *label;
    const char *version;
    const char *headers[HEADERS_MAX][2]; /* name, value; {NULL} ends */
    enum http_framing_verdict want;
};

// clang-format off
static const struct framing_case cases[] = {
    {"plain GET", "HTTP/1.1", {{"Host", "x"}}, HTTP_FRAMING_OK},
    {"POST with a length", "HTTP/1.1", {{"Host", "x"}, {"Content-Length", "42"}}, HTTP_FRAMING_OK},
    {"chunked POST", "HTTP/1.1", {{"Host", "x"}, {"Transfer-Encoding", "chunked"}},
     HTTP_FRAMING_OK},
    {"chunked, any case, spaces", "HTTP/1.1", {{"host", "x"}, {"transfer-encoding", " Chunked "}},
     HTTP_FRAMING_OK},
    {"HTTP/1.0 needs no Host", "HTTP/1.0", {{NULL, NULL}}, HTTP_FRAMING_OK},
    {"length and chunked", "HTTP/1.1",
     {{"Host", "x"}, {"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}},
     HTTP_FRAMING_LENGTH_AND_CHUNKED},
    {"chunked and length", "HTTP/1.1",
     {{"Host", "x"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}},
     HTTP_FRAMING_LENGTH_AND_CHUNKED},
    {"two lengths that differ", "HTTP/1.1",
     {{"Host", "x"}, {"Content-Length", "0"}, {"Content-Length", "35"}},
     HTTP_FRAMING_MANY_LENGTHS},
    {"two equal lengths", "HTTP/1.1",
     {{"Host", "x"}, {"Content-Length", "3"}, {"Content-Length", "3"}},
     HTTP_FRAMING_MANY_LENGTHS},
    {"a list of lengths", "HTTP/1.1", {{"Host", "x"}, {"Content-Length", "3, 3"}},
     HTTP_FRAMING_BAD_LENGTH},
    {"a negative length", "HTTP/1.1", {{"Host", "x"}, {"Content-Length", "-1"}},
     HTTP_FRAMING_BAD_LENGTH},
    {"an empty length", "HTTP/1.1", {{"Host", "x"}, {"Content-Length", ""}},
     HTTP_FRAMING_BAD_LENGTH},
    {"xchunked", "HTTP/1.1", {{"Host", "x"}, {"Transfer-Encoding", "xchunked"}},
     HTTP_FRAMING_UNKNOWN_CODING},
    {"gzip, chunked", "HTTP/1.1", {{"Host", "x"}, {"Transfer-Encoding", "gzip, chunked"}},
     HTTP_FRAMING_UNKNOWN_CODING},
    {"identity", "HTTP/1.1", {{"Host", "x"}, {"Transfer-Encoding", "identity"}},
     HTTP_FRAMING_UNKNOWN_CODING},
    {"chunked twice", "HTTP/1.1",
     {{"Host", "x"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}},
     HTTP_FRAMING_UNKNOWN_CODING},
    {"chunked in HTTP/1.0", "HTTP/1.0", {{"Transfer-Encoding", "chunked"}},
     HTTP_FRAMING_CODING_IN_HTTP10},
    {"HTTP/1.1 without Host", "HTTP/1.1", {{"Content-Length", "0"}}, HTTP_FRAMING_NO_HOST},
    {"two Hosts", "HTTP/1.1", {{"Host", "a"}, {"Host", "b"}}, HTTP_FRAMING_MANY_HOSTS},
};
// clang-format on

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct framing_case *c = &cases[i];
        struct http_framing f = {0};
        for (size_t h = 0; h < HEADERS_MAX && c->headers[h][0]; h++)
            http_framing_add(&f, c->headers[h][0], c->headers[h][1]);
        enum http_framing_verdict got = http_framing_check(&f, c->version);
        if (got != c->want)
            fail_msg("%s: got %d (%s), want %d", c->label, (int)got, http_framing_reason(got),
                     (int)c->want);
        assert_true((got == HTTP_FRAMING_OK) == (http_framing_reason(got)[0] == '\0'));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_cases)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
