/* fuzz_log_json.c -- libFuzzer target for the json log format: any UTF-8
 * text taken as a line's fields becomes one JSON object that jansson reads
 * back, with ts, level and event as given; and a value quoted by
 * log_quote() reads back as itself. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"
#include "sys/log_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* CHECK(): an assert() that survives NDEBUG. */
#include "fuzz_check.h"

/* The fields' longest input: quoted, each byte takes at most 6 (\u00XX). */
#define INPUT_MAX ((LOG_JSON_FIELDS_MAX - 8) / 6)

/* log_quote() lives in sys/log.c with the writer; the fuzzer links only
 * the reader, so the quoting is checked through the unit tests and the
 * reading of every escape log_quote can write is checked here. */
static size_t quote(const char *s, size_t n, char *out)
{
    size_t j = 0;
    out[j++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[j++] = '\\';
            out[j++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            j += (size_t)snprintf(out + j, 7, "\\u%04x", c);
        } else {
            out[j++] = (char)c;
        }
    }
    out[j++] = '"';
    out[j] = '\0';
    return j;
}

static json_t *render(const char *fields, size_t len)
{
    static char out[3 * LOG_JSON_FIELDS_MAX];
    size_t k = log_json_render(out, sizeof out, "T", "debug", "ev", fields, len);
    CHECK(k > 0 && k == strlen(out));
    json_t *o = json_loads(out, JSON_REJECT_DUPLICATES, NULL);
    CHECK(o && json_is_object(o));
    CHECK(strcmp(json_string_value(json_object_get(o, "ts")), "T") == 0);
    CHECK(strcmp(json_string_value(json_object_get(o, "level")), "debug") == 0);
    CHECK(strcmp(json_string_value(json_object_get(o, "event")), "ev") == 0);
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > INPUT_MAX)
        return 0;
    char s[INPUT_MAX + 1];
    memcpy(s, data, size);
    s[size] = '\0';
    size_t n = strlen(s); /* up to a NUL: the writer's fields are C strings */
    if (!utf8_valid(s, n))
        return 0;
    json_decref(render(s, n));

    char fields[LOG_JSON_FIELDS_MAX + 1] = "v=";
    size_t len = 2 + quote(s, n, fields + 2);
    json_t *o = render(fields, len);
    json_t *v = json_object_get(o, "v");
    CHECK(json_is_string(v) && json_string_length(v) == n);
    CHECK(memcmp(json_string_value(v), s, n) == 0);
    json_decref(o);
    return 0;
}
