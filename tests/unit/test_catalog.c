/* test_catalog.c -- catalogs (insertion order, replacement, hundreds of
 * keys), language sets with fallback, and {placeholder} expansion with its
 * error cases and bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/catalog.h"

static void test_put_get_order(void **state)
{
    struct catalog *c = catalog_new("fr");
    (void)state;
    assert_non_null(c);
    assert_string_equal(catalog_lang(c), "fr");
    assert_int_equal(catalog_size(c), 0);
    assert_null(catalog_get(c, "welcome"));

    assert_int_equal(catalog_put(c, "welcome", "Bienvenue"), 0);
    assert_int_equal(catalog_put(c, "bye", "Au revoir"), 0);
    assert_int_equal(catalog_put(c, "menu", "Menu"), 0);
    /* Replacing keeps the key's place. */
    assert_int_equal(catalog_put(c, "welcome", "Bienvenue {name}"), 0);

    assert_int_equal(catalog_size(c), 3);
    assert_string_equal(catalog_get(c, "welcome"), "Bienvenue {name}");
    assert_string_equal(catalog_get(c, "bye"), "Au revoir");
    assert_string_equal(catalog_key_at(c, 0), "welcome");
    assert_string_equal(catalog_value_at(c, 0), "Bienvenue {name}");
    assert_string_equal(catalog_key_at(c, 1), "bye");
    assert_string_equal(catalog_key_at(c, 2), "menu");
    assert_null(catalog_key_at(c, 3));
    assert_null(catalog_value_at(c, 3));
    assert_null(catalog_get(c, "Welcome")); /* keys are case-sensitive */
    assert_null(catalog_get(c, "welcom"));
    catalog_free(c);
}

static void test_copies(void **state)
{
    char key[16] = "greeting", value[16] = "Salam";
    struct catalog *c = catalog_new("ar");
    (void)state;
    assert_non_null(c);
    assert_int_equal(catalog_put(c, key, value), 0);
    strcpy(key, "changed");
    strcpy(value, "changed");
    assert_string_equal(catalog_get(c, "greeting"), "Salam");
    assert_null(catalog_get(c, "changed"));
    catalog_free(c);
}

static void test_many_keys(void **state)
{
    enum { N = 600 };
    struct catalog *c = catalog_new("en");
    char key[32], value[32];
    (void)state;
    assert_non_null(c);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "menu.item.%d", i);
        snprintf(value, sizeof value, "value %d", i);
        assert_int_equal(catalog_put(c, key, value), 0);
    }
    for (int i = 0; i < N; i += 3) { /* replace a third of them */
        snprintf(key, sizeof key, "menu.item.%d", i);
        snprintf(value, sizeof value, "new %d", i);
        assert_int_equal(catalog_put(c, key, value), 0);
    }
    assert_int_equal(catalog_size(c), N);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "menu.item.%d", i);
        snprintf(value, sizeof value, i % 3 == 0 ? "new %d" : "value %d", i);
        assert_string_equal(catalog_get(c, key), value);
        assert_string_equal(catalog_key_at(c, (size_t)i), key);
        assert_string_equal(catalog_value_at(c, (size_t)i), value);
    }
    assert_null(catalog_get(c, "menu.item.600"));
    catalog_free(c);
}

static void test_bad_arguments(void **state)
{
    struct catalog *c = catalog_new("");
    (void)state;
    assert_non_null(c); /* an empty code is odd but fits */
    assert_int_equal(catalog_put(c, NULL, "x"), -1);
    assert_int_equal(catalog_put(c, "x", NULL), -1);
    assert_int_equal(catalog_put(NULL, "x", "y"), -1);
    assert_null(catalog_get(c, NULL));
    assert_null(catalog_get(NULL, "x"));
    assert_int_equal(catalog_size(NULL), 0);
    catalog_free(c);
    catalog_free(NULL);
    assert_null(catalog_new(NULL));
    assert_non_null(c = catalog_new("1234567")); /* 7 + NUL = CATALOG_LANG_MAX */
    catalog_free(c);
    assert_null(catalog_new("12345678"));
}

struct langs {
    struct catalog *ar, *fr, *en;
    struct catalog_set set;
};

static int langs_setup(void **state)
{
    static struct langs l;
    memset(&l, 0, sizeof l);
    l.ar = catalog_new("ar");
    l.fr = catalog_new("fr");
    l.en = catalog_new("en");
    if (!l.ar || !l.fr || !l.en)
        return -1;
    if (catalog_put(l.ar, "welcome", "مرحبا") || catalog_put(l.fr, "welcome", "Bienvenue") ||
        catalog_put(l.fr, "bye", "Au revoir") || catalog_put(l.en, "help", "Help"))
        return -1;
    l.set.langs[0] = l.ar;
    l.set.langs[1] = l.fr;
    l.set.count = 2;
    l.set.fallback = l.fr;
    *state = &l;
    return 0;
}

static int langs_teardown(void **state)
{
    struct langs *l = *state;
    catalog_free(l->ar);
    catalog_free(l->fr);
    catalog_free(l->en);
    return 0;
}

static void test_set_find(void **state)
{
    struct langs *l = *state;
    assert_ptr_equal(catalog_set_find(&l->set, "ar"), l->ar);
    assert_ptr_equal(catalog_set_find(&l->set, "fr"), l->fr);
    assert_null(catalog_set_find(&l->set, "en")); /* not in the set */
    assert_null(catalog_set_find(&l->set, NULL));
}

static void test_set_get(void **state)
{
    static const struct {
        const char *lang, *key, *expect;
        bool fell_back;
    } cases[] = {
        {"ar", "welcome", "مرحبا", false},    {"fr", "welcome", "Bienvenue", false},
        {"ar", "bye", "Au revoir", true},     /* Arabic lacks it */
        {"fr", "bye", "Au revoir", false},    /* the default language itself */
        {"en", "welcome", "Bienvenue", true}, /* unknown language */
        {"ar", "help", NULL, false},          /* only in a catalog outside the set */
        {"ar", "nothing", NULL, false},
    };
    struct langs *l = *state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool fell = !cases[i].fell_back;
        const char *v = catalog_set_get(&l->set, cases[i].lang, cases[i].key, &fell);
        if (cases[i].expect == NULL)
            assert_null(v);
        else
            assert_string_equal(v, cases[i].expect);
        assert_int_equal(fell, cases[i].fell_back);
    }
    assert_string_equal(catalog_set_get(&l->set, "ar", "bye", NULL), "Au revoir");
}

static void test_set_without_fallback(void **state)
{
    struct langs *l = *state;
    struct catalog_set s = l->set;
    bool fell = true;
    s.fallback = NULL;
    assert_null(catalog_set_get(&s, "ar", "bye", &fell));
    assert_false(fell);
    assert_string_equal(catalog_set_get(&s, "fr", "bye", &fell), "Au revoir");
}

struct format_case {
    const char *what;
    const char *tmpl;
    size_t outsz;
    long ret;
    const char *out;
};

static void test_format(void **state)
{
    static const struct text_var vars[] = {
        {"name", "Amina"}, {"amount", "150,00"}, {"ar", "مرحبا"}, {"empty", ""}, {"null", NULL},
    };
    static const struct format_case cases[] = {
        {"plain", "Bonjour", 64, 7, "Bonjour"},
        {"empty template", "", 64, 0, ""},
        {"one var", "Bonjour {name} !", 64, 15, "Bonjour Amina !"},
        {"two vars", "{name}: {amount} DH", 64, 16, "Amina: 150,00 DH"},
        {"adjacent", "{name}{amount}", 64, 11, "Amina150,00"},
        {"literal braces", "{{name}} = {name}", 64, 14, "{name} = Amina"},
        {"lone closing brace", "a}b", 64, 3, "a}b"},
        {"escaped closing", "}}{{", 64, 2, "}{"},
        {"empty value", "[{empty}]", 64, 2, "[]"},
        {"NULL value", "[{null}]", 64, 2, "[]"},
        {"Arabic value", "{ar} {name}", 64, 16, "مرحبا Amina"},
        {"unknown", "Hi {nom}!", 64, -1, "Hi {nom}!"},
        {"unknown then known", "{x} {name}", 64, -1, "{x} Amina"},
        {"empty placeholder", "a{}b", 64, -1, "a{}b"},
        {"unclosed", "Hi {name", 64, -1, "Hi {name"},
        {"exact fit", "Bonjour {name}", 14, 13, "Bonjour Amina"},
        {"one byte short", "Bonjour {name}", 13, -1, "Bonjour Amin"},
        {"overflow in literal", "Bonjour {name}", 5, -1, "Bonj"},
        {"size one", "x", 1, -1, ""},
        /* A cut never leaves half a character: 3 bytes of room hold one
         * two-byte Arabic letter, not one and a half. */
        {"cut inside UTF-8", "{ar}", 4, -1, "م"},
        {"cut inside UTF-8 literal", "é€", 4, -1, "é"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct format_case *c = &cases[i];
        char out[65]; /* one guard byte past the largest outsz */
        long r;
        memset(out, 'X', sizeof out);
        r = text_format(c->tmpl, vars, sizeof vars / sizeof vars[0], out, c->outsz);
        if (r != c->ret || strcmp(out, c->out) != 0)
            fail_msg("%s: got %ld \"%s\", want %ld \"%s\"", c->what, r, out, c->ret, c->out);
        assert_int_equal(out[c->outsz], 'X'); /* nothing written past outsz */
    }
}

static void test_format_edges(void **state)
{
    char out[8] = "XXXXXXX";
    long r;
    (void)state;
    r = text_format("abc", NULL, 0, out, 0); /* no room at all: untouched */
    assert_int_equal(r, -1);
    assert_string_equal(out, "XXXXXXX");
    r = text_format("{name}", NULL, 0, out, sizeof out);
    assert_int_equal(r, -1);
    assert_string_equal(out, "{name}");
    r = text_format(NULL, NULL, 0, out, sizeof out);
    assert_int_equal(r, -1);
    assert_string_equal(out, "");
}

/* Amounts and dates as the catalogs write them, on screens and in SMS
 * alike: the separator and the template are the catalogs', per language. */
static void test_amount_and_when(void **state)
{
    (void)state;
    struct catalog *ar = catalog_new("ar"), *fr = catalog_new("fr"), *en = catalog_new("en");
    assert_non_null(ar);
    assert_non_null(fr);
    assert_non_null(en);
    assert_int_equal(catalog_put(ar, "thousands_sep", "\xD9\xAC"), 0); /* U+066C */
    assert_int_equal(catalog_put(fr, "thousands_sep", " "), 0);
    assert_int_equal(catalog_put(fr, "event_when", "{day}/{month} {hour}h{minute}"), 0);
    assert_int_equal(catalog_put(ar, "event_when", "{day}/{month} {hour}:{minute}"), 0);
    struct catalog_set set = {{ar, fr}, 2, fr};
    char out[64];
    static const struct {
        const char *lang;
        long long amount;
        const char *expect;
    } cases[] = {
        {"fr", 150000, "150 000"},
        {"fr", 1250000, "1 250 000"},
        {"fr", 999, "999"},
        {"fr", 1000, "1 000"},
        {"fr", 0, "0"},
        {"fr", -25000, "-25 000"},
        {"ar", 25000,
         "25\xD9\xAC"
         "000"},
        {"en", 150000, "150 000"}, /* not in the set: the default language's */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        catalog_amount(&set, cases[i].lang, cases[i].amount, out, sizeof out);
        assert_string_equal(out, cases[i].expect);
    }
    /* English in the set, with its own separator. */
    assert_int_equal(catalog_put(en, "thousands_sep", ","), 0);
    set.langs[2] = en;
    set.count = 3;
    catalog_amount(&set, "en", 150000, out, sizeof out);
    assert_string_equal(out, "150,000");
    /* A cut never splits the separator. */
    catalog_amount(&set, "ar", 25000, out, 4);
    assert_string_equal(out, "25");
    /* Without a separator in the catalogs: the digits. */
    struct catalog_set bare = {{en}, 1, NULL};
    catalog_amount(&bare, "fr", 150000, out, sizeof out);
    assert_string_equal(out, "150000");

    catalog_when(&set, "fr", 20, 2, 10, 0, out, sizeof out);
    assert_string_equal(out, "20/02 10h00");
    catalog_when(&set, "ar", 5, 12, 9, 30, out, sizeof out);
    assert_string_equal(out, "05/12 09:30");
    catalog_when(&bare, "fr", 5, 12, 9, 30, out, sizeof out); /* no template */
    assert_string_equal(out, "05/12 09:30");
    catalog_free(ar);
    catalog_free(fr);
    catalog_free(en);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_order),
        cmocka_unit_test(test_copies),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test_setup_teardown(test_set_find, langs_setup, langs_teardown),
        cmocka_unit_test_setup_teardown(test_set_get, langs_setup, langs_teardown),
        cmocka_unit_test_setup_teardown(test_set_without_fallback, langs_setup, langs_teardown),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_edges),
        cmocka_unit_test(test_amount_and_when),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
