/* test_config_schema.c -- the schema as config_schema_entry shows it to the
 * taawun.conf(5) generator: every entry well formed, every default inside
 * its own bounds and choices, every setting under a declared group, and a
 * sentence for each, so the manual documents every setting it lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_docs.h"

#define ENTRIES_MAX 512

static size_t load(struct config_schema_entry *out)
{
    size_t n = 0;
    while (n < ENTRIES_MAX && config_schema_entry(n, &out[n]))
        n++;
    return n;
}

static const struct config_schema_entry *find(const struct config_schema_entry *e, size_t n,
                                              const char *path, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(e[i].path) == len && strncmp(e[i].path, path, len) == 0)
            return &e[i];
    return NULL;
}

static bool in_choices(const char *choices, const char *v)
{
    size_t n = strlen(v);
    for (const char *p = choices;;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0)
            return true;
        if (!bar)
            return false;
        p = bar + 1;
    }
}

static void test_iterator_ends(void **state)
{
    (void)state;
    static struct config_schema_entry e[ENTRIES_MAX];
    size_t n = load(e);
    assert_true(n > 40 && n < ENTRIES_MAX);
    struct config_schema_entry past;
    assert_false(config_schema_entry(n, &past));
    assert_false(config_schema_entry((size_t)-1, &past));
    assert_string_equal(e[0].path, "programme");
    assert_non_null(find(e, n, "database.path", strlen("database.path")));
}

static void test_entries_are_well_formed(void **state)
{
    (void)state;
    static struct config_schema_entry e[ENTRIES_MAX];
    size_t n = load(e);
    static const char *const types[] = {"group",  "list",         "integer", "boolean",
                                        "string", "string array", "number"};
    for (size_t i = 0; i < n; i++) {
        const struct config_schema_entry *s = &e[i];
        char what[300];
        snprintf(what, sizeof what, "%s", s->path);
        bool known = false;
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
            known = known || strcmp(s->type, types[t]) == 0;
        if (!known)
            fail_msg("%s: type %s", what, s->type);
        if (!s->description || !s->description[0])
            fail_msg("%s has no sentence: add one to schema_docs in src/config/config.c", what);
        if (s->min > s->max)
            fail_msg("%s: min %ld > max %ld", what, s->min, s->max);
        if (s->required && s->def)
            fail_msg("%s: required and a default", what);
        if (s->choices && strcmp(s->type, "string") != 0)
            fail_msg("%s: choices on a %s", what, s->type);
        if (s->def && strcmp(s->type, "integer") == 0) {
            char *end;
            long v = strtol(s->def, &end, 10);
            if (*end || v < s->min || v > s->max)
                fail_msg("%s: default %s outside %ld..%ld", what, s->def, s->min, s->max);
        }
        if (s->def && strcmp(s->type, "number") == 0) {
            char *end;
            double v = strtod(s->def, &end);
            if (*end || v < (double)s->min || v > (double)s->max)
                fail_msg("%s: default %s outside %ld..%ld", what, s->def, s->min, s->max);
        }
        if (s->def && strcmp(s->type, "boolean") == 0 && strcmp(s->def, "true") != 0 &&
            strcmp(s->def, "false") != 0)
            fail_msg("%s: default %s", what, s->def);
        if (s->def && strcmp(s->type, "string") == 0) {
            long len = (long)strlen(s->def);
            /* "" stands for "none" even where a value must be longer. */
            if (len && (len < s->min || len > s->max))
                fail_msg("%s: default \"%s\" not %ld..%ld bytes", what, s->def, s->min, s->max);
            if (s->choices && !in_choices(s->choices, s->def))
                fail_msg("%s: default %s not one of %s", what, s->def, s->choices);
        }
        /* The group or list holding it is declared before it. */
        const char *dot = strrchr(s->path, '.');
        if (dot) {
            const struct config_schema_entry *parent = find(e, i, s->path, (size_t)(dot - s->path));
            if (!parent ||
                (strcmp(parent->type, "group") != 0 && strcmp(parent->type, "list") != 0))
                fail_msg("%s: no group or list declared before it", what);
        }
        if (find(e, i, s->path, strlen(s->path)))
            fail_msg("%s declared twice", what);
    }
}

/* A sentence whose setting was renamed or removed would never be printed. */
static void test_every_sentence_names_a_setting(void **state)
{
    (void)state;
    static struct config_schema_entry e[ENTRIES_MAX];
    size_t n = load(e);
    size_t i = 0;
    for (const char *path; (path = config_docs_path(i)); i++)
        if (!find(e, n, path, strlen(path)))
            fail_msg("config_docs.c has a sentence for '%s', which the schema lacks", path);
    assert_int_equal(i, n); /* one sentence per setting, each once */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iterator_ends),
        cmocka_unit_test(test_entries_are_well_formed),
        cmocka_unit_test(test_every_sentence_names_a_setting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
