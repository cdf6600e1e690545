/* test_screen.c -- USSD screens measured in their own encoding, texts cut
 * with an ellipsis, and numbered lists laid out page by page (GSM-7, Arabic
 * UCS-2, and a GSM-7 list turned UCS-2 by one Arabic line). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/limits.h"
#include "core/screen.h"
#include "core/utf8.h"

static const struct screen_limit network = {USSD_SCREEN_MAX_GSM7, USSD_SCREEN_MAX_UCS2};

/* n copies of unit then tail into buf, NUL-terminated. */
static const char *build(char *buf, size_t size, const char *unit, size_t n, const char *tail)
{
    size_t ul = strlen(unit), len = 0;
    assert_true(n * ul + strlen(tail) < size);
    for (size_t i = 0; i < n; i++, len += ul)
        memcpy(buf + len, unit, ul);
    strcpy(buf + len, tail);
    return buf;
}

static void test_fits(void **state)
{
    static const struct {
        const char *what, *unit;
        size_t n;
        const char *tail;
        bool fits;
        size_t units;
        enum text_encoding enc;
    } cases[] = {
        {"182 GSM", "a", 182, "", true, 182, TEXT_GSM7},
        {"183 GSM", "a", 183, "", false, 183, TEXT_GSM7},
        {"91 euros", "€", 91, "", true, 182, TEXT_GSM7},
        {"92 euros", "€", 92, "", false, 184, TEXT_GSM7},
        {"181 + euro", "a", 181, "€", false, 183, TEXT_GSM7},
        {"80 Arabic", "م", 80, "", true, 80, TEXT_UCS2},
        {"81 Arabic", "م", 81, "", false, 81, TEXT_UCS2},
        {"79 GSM + 1 Arabic", "a", 79, "م", true, 80, TEXT_UCS2},
        {"80 GSM + 1 Arabic", "a", 80, "م", false, 81, TEXT_UCS2},
        {"79 Arabic + emoji", "م", 79, "😀", false, 81, TEXT_UCS2},
        {"78 Arabic + emoji", "م", 78, "😀", true, 80, TEXT_UCS2},
        {"100 GSM + c cedilla", "a", 100, "ç", false, 101, TEXT_UCS2},
        {"empty", "", 0, "", true, 0, TEXT_GSM7},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[1024];
        size_t units = 999;
        enum text_encoding enc = cases[i].enc == TEXT_GSM7 ? TEXT_UCS2 : TEXT_GSM7;
        const char *s = build(buf, sizeof buf, cases[i].unit, cases[i].n, cases[i].tail);
        bool fits = screen_fits(s, strlen(s), network, &units, &enc);
        if (fits != cases[i].fits || units != cases[i].units || enc != cases[i].enc)
            fail_msg("%s: fits=%d units=%zu enc=%d", cases[i].what, fits, units, enc);
    }
    /* The limit is the channel's, not always the network maximum. */
    assert_true(screen_fits("Hello", 5, (struct screen_limit){5, 5}, NULL, NULL));
    assert_false(screen_fits("Hello", 5, (struct screen_limit){4, 80}, NULL, NULL));
    assert_false(screen_fits("\xC0\x80", 2, network, NULL, NULL));
    assert_false(screen_fits("ok\xED\xA0\x80", 5, network, NULL, NULL));
}

struct ellipsize_case {
    const char *what;
    const char *in;
    enum text_encoding enc;
    size_t max;
    const char *out;
};

static void test_ellipsize(void **state)
{
    static const struct ellipsize_case cases[] = {
        {"fits", "Hello world", TEXT_GSM7, 20, "Hello world"},
        {"fits exactly", "Hello world", TEXT_GSM7, 11, "Hello world"},
        {"word cut inside kept text", "Hello world", TEXT_GSM7, 10, "Hello..."},
        {"kept text ends with the space", "Hello world", TEXT_GSM7, 9, "Hello..."},
        {"next character is a space", "Hello world", TEXT_GSM7, 8, "Hello..."},
        {"no space: character cut", "Hello world", TEXT_GSM7, 7, "Hell..."},
        {"long word: character cut", "Supercalifragilistic is long", TEXT_GSM7, 15,
         "Supercalifra..."},
        {"space in first half only", "a bcdefghijklmnop", TEXT_GSM7, 10, "a bcdef..."},
        {"spaces trimmed", "Hello   world", TEXT_GSM7, 10, "Hello..."},
        {"French", "Formation en développement web", TEXT_GSM7, 20, "Formation en..."},
        {"euros cost two", "€€€€€", TEXT_GSM7, 8, "€€..."},
        {"ellipsis alone", "Hello", TEXT_GSM7, 3, "..."},
        {"no room for ellipsis", "Hello", TEXT_GSM7, 2, "He"},
        {"Arabic at word end", "مرحبا بكم في خدمتنا", TEXT_UCS2, 10, "مرحبا بكم…"},
        {"Arabic word cut", "مرحبا بكم في خدمتنا", TEXT_UCS2, 8, "مرحبا…"},
        {"Arabic word cut 9", "مرحبا بكم في خدمتنا", TEXT_UCS2, 9, "مرحبا…"},
        {"Arabic character cut", "مرحبابكمفيخدمتنا", TEXT_UCS2, 5, "مرحب…"},
        {"emoji not split", "ab😀cd", TEXT_UCS2, 4, "ab…"},
        {"emoji kept", "ab😀cd", TEXT_UCS2, 5, "ab😀…"},
        {"UCS-2 zero", "مرحبا", TEXT_UCS2, 0, ""},
        {"empty", "", TEXT_GSM7, 0, ""},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct ellipsize_case *c = &cases[i];
        char out[256];
        long r = screen_ellipsize(c->in, strlen(c->in), c->enc, c->max, out, sizeof out);
        if (r != (long)strlen(c->out) || strcmp(out, c->out) != 0)
            fail_msg("%s: got %ld \"%s\", want \"%s\"", c->what, r, out, c->out);
        assert_true(utf8_valid(out, (size_t)r));
        assert_true(text_units(out, (size_t)r, c->enc) <= c->max);
    }
}

static void test_ellipsize_bounds(void **state)
{
    char out[16];
    (void)state;
    /* "Hello..." needs 9 bytes with its NUL. */
    assert_int_equal(screen_ellipsize("Hello world", 11, TEXT_GSM7, 10, out, 9), 8);
    assert_string_equal(out, "Hello...");
    assert_int_equal(screen_ellipsize("Hello world", 11, TEXT_GSM7, 10, out, 8), -1);
    assert_string_equal(out, "");
    /* Copying unchanged needs room too. */
    assert_int_equal(screen_ellipsize("Hello world", 11, TEXT_GSM7, 11, out, 11), -1);
    assert_int_equal(screen_ellipsize("Hello world", 11, TEXT_GSM7, 11, out, 12), 11);
    /* Invalid UTF-8 is refused. */
    assert_int_equal(screen_ellipsize("ab\xC0\x80", 4, TEXT_GSM7, 2, out, sizeof out), -1);
    assert_int_equal(screen_ellipsize("ab\xE2\x82", 4, TEXT_UCS2, 10, out, sizeof out), -1);
}

struct page {
    size_t first;
    long shown;
    const char *screen;
};

/* Render every page of l and compare with pages[]; check page_start too. */
static void check_pages(struct screen_list l, const struct page *pages, size_t npages)
{
    char out[SCREEN_BYTES_MAX];
    for (size_t p = 0; p < npages; p++) {
        long shown;
        size_t units;
        enum text_encoding enc;
        assert_int_equal(screen_list_page_start(&l, p), pages[p].first);
        l.first = pages[p].first;
        shown = screen_list_render(&l, out, sizeof out);
        if (shown != pages[p].shown || strcmp(out, pages[p].screen) != 0)
            fail_msg("page %zu: got %ld\n%s\n--- want %ld\n%s", p, shown, out, pages[p].shown,
                     pages[p].screen);
        assert_true(screen_fits(out, strlen(out), l.limit, &units, &enc));
    }
    assert_int_equal(screen_list_page_start(&l, npages), l.count);
    assert_int_equal(screen_list_page_start(&l, npages + 5), l.count);
}

static void test_list_all_fit(void **state)
{
    static const char *const items[] = {"Apples", "Bananas", "Cherries"};
    struct screen_list l = {"Choose:", items, 3, 0, "99. More", "0. Back", network};
    static const struct page pages[] = {
        {0, 3, "Choose:\n1. Apples\n2. Bananas\n3. Cherries\n0. Back"},
    };
    (void)state;
    check_pages(l, pages, 1);
}

static void test_list_french(void **state)
{
    /* GSM-7 (é, è, à, É are in the default alphabet): 182 septets. Page one
     * is exactly 182 septets; a fifth item would make it 208. */
    static const char *const items[] = {
        "Comptabilité et gestion financière",
        "Développement web et mobile",
        "Électricité industrielle",
        "Réparation de téléphones",
        "Coiffure et esthétique",
        "Cuisine et restauration",
        "Agriculture moderne et irrigation",
        "Logistique et transport",
        "Langue anglaise pour débutants",
        "Création d'entreprise",
    };
    struct screen_list l = {
        "Formations disponibles à Casablanca :", items, 10, 0, "99. Suite", "0. Retour", network};
    static const struct page pages[] = {
        {0, 4,
         "Formations disponibles à Casablanca :\n"
         "1. Comptabilité et gestion financière\n"
         "2. Développement web et mobile\n"
         "3. Électricité industrielle\n"
         "4. Réparation de téléphones\n"
         "99. Suite\n"
         "0. Retour"},
        {4, 4,
         "Formations disponibles à Casablanca :\n"
         "5. Coiffure et esthétique\n"
         "6. Cuisine et restauration\n"
         "7. Agriculture moderne et irrigation\n"
         "8. Logistique et transport\n"
         "99. Suite\n"
         "0. Retour"},
        {8, 2,
         "Formations disponibles à Casablanca :\n"
         "9. Langue anglaise pour débutants\n"
         "10. Création d'entreprise\n"
         "0. Retour"},
    };
    char out[SCREEN_BYTES_MAX];
    size_t units;
    enum text_encoding enc;
    (void)state;
    check_pages(l, pages, 3);
    assert_true(screen_fits(pages[0].screen, strlen(pages[0].screen), network, &units, &enc));
    assert_int_equal(units, 182);
    assert_int_equal(enc, TEXT_GSM7);

    /* One septet less and page one holds three items. */
    l.limit.gsm7 = 181;
    assert_int_equal(screen_list_render(&l, out, sizeof out), 3);
    assert_int_equal(screen_list_page_start(&l, 1), 3);
}

static void test_list_arabic(void **state)
{
    static const char *const items[] = {
        "رصيد الحساب",  "آخر العمليات",      "تحويل الأموال",
        "دفع الفواتير", "تغيير الرمز السري", "الاتصال بنا",
    };
    struct screen_list l = {"اختر الخدمة:", items, 6, 0, "99. المزيد", "0. رجوع", network};
    static const struct page pages[] = {
        {0, 3,
         "اختر الخدمة:\n"
         "1. رصيد الحساب\n"
         "2. آخر العمليات\n"
         "3. تحويل الأموال\n"
         "99. المزيد\n"
         "0. رجوع"},
        {3, 3,
         "اختر الخدمة:\n"
         "4. دفع الفواتير\n"
         "5. تغيير الرمز السري\n"
         "6. الاتصال بنا\n"
         "0. رجوع"},
    };
    size_t units;
    enum text_encoding enc;
    (void)state;
    check_pages(l, pages, 2);
    /* 79 units: a fourth item ("4. دفع الفواتير" and its newline, 16 units)
     * would make 95. Counting bytes or septets would get this wrong. */
    assert_true(screen_fits(pages[0].screen, strlen(pages[0].screen), network, &units, &enc));
    assert_int_equal(units, 79);
    assert_int_equal(enc, TEXT_UCS2);
}

static void test_list_one_arabic_line(void **state)
{
    /* The same English menu fits whole in GSM-7; an Arabic "back" line makes
     * the screen UCS-2 and its limit 80. */
    static const char *const items[] = {"Balance",   "Last payments", "Transfer money",
                                        "Pay bills", "Change PIN",    "Contact us"};
    struct screen_list l = {"Choose a service:", items, 6, 0, "99. More", "0. Back", network};
    static const struct page gsm[] = {
        {0, 6,
         "Choose a service:\n1. Balance\n2. Last payments\n3. Transfer money\n4. Pay bills\n"
         "5. Change PIN\n6. Contact us\n0. Back"},
    };
    static const struct page ucs2[] = {
        {0, 3,
         "Choose a service:\n1. Balance\n2. Last payments\n3. Transfer money\n99. More\n"
         "0. رجوع"},
        {3, 3, "Choose a service:\n4. Pay bills\n5. Change PIN\n6. Contact us\n0. رجوع"},
    };
    (void)state;
    check_pages(l, gsm, 1);
    l.nav = "0. رجوع";
    check_pages(l, ucs2, 2);
}

static void test_list_extension_chars(void **state)
{
    /* Page two is 53 characters but 58 septets: it cannot hold both items
     * at a 55-septet limit. */
    static const char *const items[] = {"Frais: 200€", "Caution: 50€ {min}", "Total [TTC]"};
    struct screen_list l = {"Tarifs", items, 3, 0, "99. Suite", "0. Retour", {55, 80}};
    static const struct page pages[] = {
        {0, 1, "Tarifs\n1. Frais: 200€\n99. Suite\n0. Retour"},
        {1, 1, "Tarifs\n2. Caution: 50€ {min}\n99. Suite\n0. Retour"},
        {2, 1, "Tarifs\n3. Total [TTC]\n0. Retour"},
    };
    (void)state;
    check_pages(l, pages, 3);
}

static void test_list_last_page_without_more(void **state)
{
    /* With the long "more" line one item does not fit, but both remaining
     * items without it do. */
    static const char *const items[] = {"A", "B"};
    struct screen_list l = {NULL, items, 2, 0, "99. More options for you ok", NULL, {30, 80}};
    static const struct page pages[] = {{0, 2, "1. A\n2. B"}};
    (void)state;
    check_pages(l, pages, 1);
}

static void test_list_ellipsized_item(void **state)
{
    static const char *const items[] = {"A very long item label that cannot fit", "Short"};
    struct screen_list l = {"Menu", items, 1, 0, "99. More", "0. Back", {30, 80}};
    char out[SCREEN_BYTES_MAX];
    (void)state;
    /* 4 + 1 + 3 + 14 + 1 + 7 = 30 septets. */
    assert_int_equal(screen_list_render(&l, out, sizeof out), 1);
    assert_string_equal(out, "Menu\n1. A very long...\n0. Back");

    /* With an item after it, the more line takes its room. */
    l.count = 2;
    l.limit.gsm7 = 39;
    assert_int_equal(screen_list_render(&l, out, sizeof out), 1);
    assert_string_equal(out, "Menu\n1. A very long...\n99. More\n0. Back");
    assert_int_equal(screen_list_page_start(&l, 1), 1);

    /* Arabic: the UCS-2 ellipsis, one unit. 7 + 1 + 3 + 11 + 1 + 7 = 30. */
    static const char *const ar[] = {"خدمة طويلة جدا لا تتسع للشاشة"};
    struct screen_list la = {"القائمة", ar, 1, 0, NULL, "0. رجوع", {182, 30}};
    assert_int_equal(screen_list_render(&la, out, sizeof out), 1);
    assert_string_equal(out, "القائمة\n1. خدمة طويلة…\n0. رجوع");
}

static void test_list_errors_and_edges(void **state)
{
    static const char *const items[] = {"One", "Two", "Three"};
    char out[SCREEN_BYTES_MAX];
    struct screen_list l = {"A header of twenty-four.", items, 3, 0, NULL, "0.", {30, 80}};
    (void)state;

    /* Header and nav take 24 + 1 + 2 = 27 septets; "\n1. " and one letter
     * of an item would need 5 more: no screen can show an item. */
    assert_int_equal(screen_list_render(&l, out, sizeof out), -1);
    assert_int_equal(screen_list_page_start(&l, 1), 3);

    /* Past the end: header and nav only. */
    l.first = 3;
    assert_int_equal(screen_list_render(&l, out, sizeof out), 0);
    assert_string_equal(out, "A header of twenty-four.\n0.");

    /* Header alone too long. */
    l.header = "This header is far too long for thirty";
    assert_int_equal(screen_list_render(&l, out, sizeof out), -1);

    /* Invalid UTF-8 never fits. */
    l.header = "Bad \xC0\x80";
    l.first = 0;
    assert_int_equal(screen_list_render(&l, out, sizeof out), -1);

    /* No header, empty header, no nav: no empty lines. Numbering is global. */
    struct screen_list m = {"", items, 3, 1, "99. More", NULL, network};
    assert_int_equal(screen_list_render(&m, out, sizeof out), 2);
    assert_string_equal(out, "2. Two\n3. Three");
    m.header = NULL;
    m.count = 0;
    m.first = 0;
    assert_int_equal(screen_list_render(&m, out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(screen_list_page_start(&m, 0), 0);

    /* An output buffer too small for the screen. */
    struct screen_list n = {"Choose:", items, 3, 0, NULL, "0. Back", network};
    assert_int_equal(screen_list_render(&n, out, 10), -1);
    assert_string_equal(out, "");
}

/* Issue 15, finding 4: "Atelier:... 11/12" and "Atelier:... 23/12" could
 * not be told apart. Shortened labels keep the words that differ. */
static void test_shorten_distinct(void **state)
{
    (void)state;
    const char *fr[] = {"Atelier: accès au financement",
                        "Atelier: gestion numérique de la coopérative",
                        "Rencontre régionale sur l'innovation coopérative",
                        "Rencontre Dar Al-Mutaawina",
                        "Formation: e-marketing",
                        "Salon"};
    char out[6][SCREEN_LABEL_BYTES];
    size_t w24[] = {24, 24, 24, 24, 24, 24};
    assert_int_equal(screen_shorten_distinct(fr, 6, TEXT_GSM7, w24, out), 0);
    assert_string_equal(out[0], "accès au financement");
    assert_string_equal(out[1], "gestion numérique de...");
    assert_string_equal(out[2], "régionale sur...");
    assert_string_equal(out[3], "Dar Al-Mutaawina");
    assert_string_equal(out[4], "Formation: e-marketing"); /* fits: unchanged */
    assert_string_equal(out[5], "Salon");
    for (size_t i = 0; i < 6; i++)
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(out[i], out[j]);
    /* A kind before a colon gives way even when no other label shares it. */
    const char *ar[] = {"تكوين: التسويق الإلكتروني", "ورشة: الولوج إلى التمويل",
                        "ورشة: التدبير الرقمي للتعاونية"};
    size_t w14[] = {14, 14, 14};
    assert_int_equal(screen_shorten_distinct(ar, 3, TEXT_UCS2, w14, out), 0);
    assert_string_equal(out[0], "التسويق…");
    assert_string_equal(out[1], "الولوج إلى…");
    assert_string_equal(out[2], "التدبير…");
    /* Invalid UTF-8: refused, "" out. */
    const char *bad[] = {"ok", "\xff\xfe long enough to be shortened"};
    size_t w4[] = {4, 4};
    assert_int_equal(screen_shorten_distinct(bad, 2, TEXT_GSM7, w4, out), -1);
    assert_string_equal(out[0], "ok");
    assert_string_equal(out[1], "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fits),
        cmocka_unit_test(test_ellipsize),
        cmocka_unit_test(test_ellipsize_bounds),
        cmocka_unit_test(test_list_all_fit),
        cmocka_unit_test(test_list_french),
        cmocka_unit_test(test_list_arabic),
        cmocka_unit_test(test_list_one_arabic_line),
        cmocka_unit_test(test_list_extension_chars),
        cmocka_unit_test(test_list_last_page_without_more),
        cmocka_unit_test(test_list_ellipsized_item),
        cmocka_unit_test(test_list_errors_and_edges),
        cmocka_unit_test(test_shorten_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
