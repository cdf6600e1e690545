/* test_ussd_session.c -- the live USSD sessions (app/ussd_session) with the
 * clock passed in: answers kept and found again, late copies told from new
 * steps, the answer budget, claims and releases, expiry, the cap and the
 * ended sessions that give way; records stored whole, in the memory they
 * use, and in the portable form the nodes' shared table keeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/ussd_session.h"
#include "app/ussd_session_pack.h"

#ifdef __SANITIZE_ADDRESS__
/* sanitizer/allocator_interface.h, which gcc does not install. */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

/* Bytes of heap in use (the sanitizers' allocator replaces glibc's). */
static size_t heap_in_use(void)
{
#ifdef __SANITIZE_ADDRESS__
    return __sanitizer_get_current_allocated_bytes();
#else
    return mallinfo2().uordblks;
#endif
}

/* The same with the blocks glibc maps of their own (a large calloc). */
static size_t heap_and_maps_in_use(void)
{
#ifdef __SANITIZE_ADDRESS__
    return __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
#endif
}

static struct ussd_session *new_record(void)
{
    struct ussd_session *s = calloc(1, sizeof *s);
    assert_non_null(s);
    return s;
}

static void add(struct ussd_session *s, const char *text, const char *screen, bool end)
{
    ussd_session_answer_add(s, text, strlen(text), screen, end);
}

/* The screen kept for text, or NULL. */
static const char *answer(const struct ussd_session *s, const char *text, char *buf, size_t bufsz)
{
    const struct ussd_answer *a = ussd_session_answer_of(s, text, strlen(text));
    if (!a)
        return NULL;
    snprintf(buf, bufsz, "%.*s", (int)a->length, s->arena + a->offset);
    return buf;
}

static void test_answers_and_late_copies(void **state)
{
    (void)state;
    char buf[256];
    struct ussd_session *s = new_record();
    assert_false(ussd_session_is_late(s, "", 0)); /* nothing answered yet */
    add(s, "", "CON home", false);
    add(s, "2", "CON events", false);
    add(s, "2*1", "CON detail", false);
    add(s, "2*1*1", "END booked", true);
    assert_string_equal(answer(s, "", buf, sizeof buf), "CON home");
    assert_string_equal(answer(s, "2*1", buf, sizeof buf), "CON detail");
    assert_string_equal(answer(s, "2*1*1", buf, sizeof buf), "END booked");
    assert_true(ussd_session_answer_of(s, "2*1*1", 5)->end);
    assert_null(answer(s, "2*1*2", buf, sizeof buf));
    /* Prefixes on a '*' are late copies; anything else is not. */
    assert_true(ussd_session_is_late(s, "2*1", 3));
    assert_true(ussd_session_is_late(s, "2", 1));
    assert_true(ussd_session_is_late(s, "", 0));
    assert_true(ussd_session_is_late(s, "2*1*1", 5));
    assert_false(ussd_session_is_late(s, "2*", 2));
    assert_false(ussd_session_is_late(s, "2*1*1*0", 7));
    assert_false(ussd_session_is_late(s, "3", 1));
    free(s);
}

/* The oldest answers give way when the budget is spent; the newest stay
 * whole. */
static void test_answer_budget(void **state)
{
    (void)state;
    char screen[300], text[64], buf[400];
    struct ussd_session *s = new_record();
    size_t steps = 3 * USSD_SESSION_ANSWERS_MAX;
    for (size_t i = 0; i < steps; i++) {
        memset(screen, 'a' + (int)(i % 26), 250);
        snprintf(screen + 250, sizeof screen - 250, " %zu", i);
        snprintf(text, sizeof text, "%zu", i);
        add(s, text, screen, false);
        assert_true(s->nanswers <= USSD_SESSION_ANSWERS_MAX);
        assert_true(s->arena_used <= sizeof s->arena);
    }
    size_t kept = 0;
    for (size_t i = 0; i < steps; i++) {
        snprintf(text, sizeof text, "%zu", i);
        const char *got = answer(s, text, buf, sizeof buf);
        if (!got)
            continue;
        kept++;
        assert_true(i >= steps - s->nanswers); /* only the newest */
        assert_int_equal(strlen(got), 250 + 1 + strlen(text));
        assert_int_equal(got[0], 'a' + (int)(i % 26));
        assert_string_equal(got + 251, text);
    }
    assert_int_equal(kept, s->nanswers);
    assert_true(kept >= USSD_SESSION_ANSWER_BYTES / 260);
    free(s);
}

static void test_claim_release_expiry(void **state)
{
    (void)state;
    struct ussd_sessions *t = ussd_sessions_new(10, 60);
    struct ussd_session *s = new_record();
    assert_int_equal(ussd_session_claim(t,
                                        "sb\x1f"
                                        "1",
                                        1000, s),
                     USSD_CLAIM_NEW);
    assert_string_equal(s->key, "sb\x1f"
                                "1");
    snprintf(s->phone, sizeof s->phone, "+212600000001");
    add(s, "", "CON home", false);
    ussd_session_release(t, s, true);
    memset(s, 0, sizeof *s);
    assert_int_equal(ussd_session_claim(t,
                                        "sb\x1f"
                                        "1",
                                        1030, s),
                     USSD_CLAIM_KNOWN);
    assert_string_equal(s->phone, "+212600000001");
    assert_int_equal(s->nanswers, 1);
    ussd_session_release(t, s, true);
    /* Idle longer than the ttl: a new session under the same key. */
    assert_int_equal(ussd_session_claim(t,
                                        "sb\x1f"
                                        "1",
                                        1091, s),
                     USSD_CLAIM_NEW);
    assert_int_equal(s->nanswers, 0);
    ussd_session_release(t, s, false);
    assert_int_equal(ussd_session_claim(t,
                                        "sb\x1f"
                                        "1",
                                        1092, s),
                     USSD_CLAIM_NEW);
    ussd_session_release(t, s, false);
    ussd_sessions_free(t);
    free(s);
}

static void test_cap_and_ended_sessions(void **state)
{
    (void)state;
    struct ussd_sessions *t = ussd_sessions_new(2, 60);
    struct ussd_session *s = new_record();
    assert_int_equal(ussd_session_claim(t, "a", 1000, s), USSD_CLAIM_NEW);
    ussd_session_release(t, s, true);
    assert_int_equal(ussd_session_claim(t, "b", 1000, s), USSD_CLAIM_NEW);
    ussd_session_release(t, s, true);
    assert_int_equal(ussd_session_claim(t, "c", 1001, s), USSD_CLAIM_FULL);
    /* "a" ends (the provider's notice): it gives way to a new session but
     * its answers stay while there is room. */
    ussd_session_close(t, "a");
    assert_int_equal(ussd_session_claim(t, "a", 1002, s), USSD_CLAIM_KNOWN);
    assert_true(s->closed);
    ussd_session_release(t, s, true);
    assert_int_equal(ussd_session_claim(t, "c", 1003, s), USSD_CLAIM_NEW);
    ussd_session_release(t, s, true);
    assert_int_equal(ussd_session_claim(t, "a", 1004, s), USSD_CLAIM_FULL);
    ussd_session_close(t, "nobody"); /* no-op */
    ussd_sessions_free(t);
    free(s);
}

/* A record comes back from the table as it went in: the state's fields
 * (a registration's draft, an idea), the newest text, every answer. */
static void test_record_kept_whole(void **state)
{
    (void)state;
    struct ussd_sessions *t = ussd_sessions_new(10, 60);
    struct ussd_session *s = new_record();
    struct ussd_session *back = new_record();
    assert_int_equal(ussd_session_claim(t,
                                        "sb\x1f"
                                        "w",
                                        1000, s),
                     USSD_CLAIM_NEW);
    snprintf(s->phone, sizeof s->phone, "+212600000042");
    s->state.version = USSD_STATE_VERSION;
    s->state.screen = USSD_SCR_IDEA_TEXT;
    s->state.page = 3;
    s->state.page_first[2] = 17;
    snprintf(s->state.lang, sizeof s->state.lang, "fr");
    snprintf(s->state.draft.name, sizeof s->state.draft.name, "Fatima Zahra El Idrissi");
    s->state.draft.coop_id = 12345;
    s->state.draft.birth_year = 1987;
    s->state.draft.gender = 'f';
    memset(s->state.idea.text, 'x', sizeof s->state.idea.text - 1);
    s->state.event_id = -7;
    char text[USSD_SESSION_TEXT_MAX - 1];
    memset(text, '1', sizeof text);
    for (size_t i = 1; i < sizeof text; i += 2)
        text[i] = '*';
    add(s, "", "CON Bienvenue", false);
    ussd_session_answer_add(s, text, sizeof text, "CON Idee: texte", false);
    s->last_seen = 1001;
    ussd_session_release(t, s, true);
    assert_int_equal(ussd_session_claim(t,
                                        "sb\x1f"
                                        "w",
                                        1002, back),
                     USSD_CLAIM_KNOWN);
    assert_string_equal(back->key, s->key);
    assert_string_equal(back->phone, s->phone);
    assert_int_equal(back->last_seen, 1002);
    assert_false(back->closed);
    assert_int_equal(back->text_len, sizeof text);
    assert_memory_equal(back->text, text, sizeof text);
    assert_int_equal(back->text[sizeof text], '\0');
    assert_memory_equal(&back->state, &s->state, sizeof s->state);
    assert_int_equal(back->nanswers, 2);
    assert_memory_equal(back->answers, s->answers, 2 * sizeof s->answers[0]);
    assert_int_equal(back->arena_used, s->arena_used);
    assert_memory_equal(back->arena, s->arena, s->arena_used);
    char buf[64];
    assert_string_equal(answer(back, "", buf, sizeof buf), "CON Bienvenue");
    /* A text too long to keep: only its answer's hash stays. */
    char longer[USSD_SESSION_TEXT_MAX + 10];
    memset(longer, '2', sizeof longer);
    ussd_session_answer_add(back, longer, sizeof longer, "CON suite", false);
    back->closed = true;
    ussd_session_release(t, back, true);
    assert_int_equal(ussd_session_claim(t,
                                        "sb\x1f"
                                        "w",
                                        1003, s),
                     USSD_CLAIM_KNOWN);
    assert_true(s->closed);
    assert_true(s->text_overflow);
    assert_int_equal(s->text_len, 0);
    assert_int_equal(s->nanswers, 3);
    assert_non_null(ussd_session_answer_of(s, longer, sizeof longer));
    ussd_session_release(t, s, false);
    ussd_sessions_free(t);
    free(s);
    free(back);
}

/* Answers to texts that are not prefixes of the newest (a provider that
 * sends only the newest input, a new dial's text) come back as found as
 * those that are: the same screen for the same text, none for another. */
static void test_answers_not_prefixes(void **state)
{
    (void)state;
    char buf[64];
    struct ussd_sessions *t = ussd_sessions_new(10, 60);
    struct ussd_session *s = new_record();
    struct ussd_session *back = new_record();
    assert_int_equal(ussd_session_claim(t, "n", 1000, s), USSD_CLAIM_NEW);
    add(s, "", "CON home", false);
    add(s, "2", "CON events", false);
    add(s, "2*1", "CON detail", false);
    add(s, "1", "END booked", true); /* not a prefix of anything before */
    ussd_session_release(t, s, true);
    assert_int_equal(ussd_session_claim(t, "n", 1001, back), USSD_CLAIM_KNOWN);
    assert_int_equal(back->nanswers, 4);
    assert_memory_equal(back->answers, s->answers, 4 * sizeof s->answers[0]);
    assert_string_equal(answer(back, "", buf, sizeof buf), "CON home");
    assert_string_equal(answer(back, "2", buf, sizeof buf), "CON events");
    assert_string_equal(answer(back, "2*1", buf, sizeof buf), "CON detail");
    assert_string_equal(answer(back, "1", buf, sizeof buf), "END booked");
    assert_true(ussd_session_answer_of(back, "1", 1)->end);
    assert_null(answer(back, "2*", buf, sizeof buf));
    assert_null(answer(back, "3", buf, sizeof buf));
    assert_true(ussd_session_is_late(back, "1", 1));
    assert_false(ussd_session_is_late(back, "2", 1));
    ussd_session_release(t, back, false);
    ussd_sessions_free(t);
    free(s);
    free(back);
}

/* What a step read of the member and their grants comes back with the
 * record, whole (app/ussd reuses it on the session's next step); a
 * record without it, or a fresh claim, keeps none. */
static void test_kept_reads(void **state)
{
    (void)state;
    struct ussd_sessions *t = ussd_sessions_new(10, 60);
    struct ussd_session *s = new_record();
    struct ussd_session *back = new_record();
    assert_int_equal(ussd_session_claim(t, "k", 1000, s), USSD_CLAIM_NEW);
    assert_int_equal(s->reads.version, 0);
    struct ussd_kept_reads *k = &s->reads;
    k->version = 41;
    k->found = true;
    k->member.id = 7;
    snprintf(k->member.phone, sizeof k->member.phone, "+212600000007");
    snprintf(k->member.name, sizeof k->member.name, "Youssef Benali");
    snprintf(k->member.cooperative_name, sizeof k->member.cooperative_name, "Coop Atlas");
    k->member.registered_at = 1700000000;
    snprintf(k->member.language, sizeof k->member.language, "fr");
    k->ngrants = 2;
    snprintf(k->grants_lang, sizeof k->grants_lang, "fr");
    snprintf(k->grants[0].reference, sizeof k->grants[0].reference, "GR-2026-00043");
    snprintf(k->grants[0].status, sizeof k->grants[0].status, "under_review");
    k->grants[0].amount_mad = 150000;
    snprintf(k->grants[0].note, sizeof k->grants[0].note, "Dossier en etude");
    snprintf(k->grants[1].reference, sizeof k->grants[1].reference, "GR-2026-00044");
    snprintf(k->grants[1].status, sizeof k->grants[1].status, "approved");
    struct ussd_kept_reads want = *k;
    ussd_session_release(t, s, true);
    assert_int_equal(ussd_session_claim(t, "k", 1001, back), USSD_CLAIM_KNOWN);
    assert_int_equal(back->reads.version, 41);
    assert_true(back->reads.found);
    assert_memory_equal(&back->reads.member, &want.member, sizeof want.member);
    assert_int_equal(back->reads.ngrants, 2);
    assert_string_equal(back->reads.grants_lang, "fr");
    assert_memory_equal(back->reads.grants, want.grants, 2 * sizeof want.grants[0]);
    /* A stranger: nothing found, no grants read. */
    back->reads = (struct ussd_kept_reads){.version = 42, .ngrants = -1};
    ussd_session_release(t, back, true);
    assert_int_equal(ussd_session_claim(t, "k", 1002, s), USSD_CLAIM_KNOWN);
    assert_int_equal(s->reads.version, 42);
    assert_false(s->reads.found);
    assert_int_equal(s->reads.ngrants, -1);
    /* Closed (an END answered): its reads are of no further use, dropped. */
    s->reads = (struct ussd_kept_reads){.version = 44, .found = true, .ngrants = 0};
    s->closed = true;
    ussd_session_release(t, s, true);
    assert_int_equal(ussd_session_claim(t, "k", 1002, back), USSD_CLAIM_KNOWN);
    assert_true(back->closed);
    assert_int_equal(back->reads.version, 0);
    back->closed = false;
    ussd_session_release(t, back, true);
    assert_int_equal(ussd_session_claim(t, "k", 1002, s), USSD_CLAIM_KNOWN);
    /* Nothing kept. */
    s->reads.version = 0;
    ussd_session_release(t, s, true);
    assert_int_equal(ussd_session_claim(t, "k", 1003, back), USSD_CLAIM_KNOWN);
    assert_int_equal(back->reads.version, 0);
    ussd_session_release(t, back, false);
    /* Expired: claimed anew, nothing kept. */
    assert_int_equal(ussd_session_claim(t, "k", 1004, s), USSD_CLAIM_NEW);
    s->reads.version = 43;
    s->reads.ngrants = -1;
    ussd_session_release(t, s, true);
    assert_int_equal(ussd_session_claim(t, "k", 2000, back), USSD_CLAIM_NEW);
    assert_int_equal(back->reads.version, 0);
    ussd_session_release(t, back, false);
    ussd_sessions_free(t);
    free(s);
    free(back);
}

/* Sessions that gave the same screen share it: one dropped, one expired
 * and reset, one replaced step after step, each still reads its own. */
static void test_screens_shared(void **state)
{
    (void)state;
    char buf[64];
    struct ussd_sessions *t = ussd_sessions_new(10, 60);
    struct ussd_session *s = new_record();
    static const char *const keys[] = {"a", "b", "c"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(ussd_session_claim(t, keys[i], 1000, s), USSD_CLAIM_NEW);
        add(s, "", "CON home", false);
        add(s, "1", i == 1 ? "CON one" : "CON other", false);
        ussd_session_release(t, s, true);
    }
    assert_int_equal(ussd_session_claim(t, "a", 1001, s), USSD_CLAIM_KNOWN);
    ussd_session_release(t, s, false);
    for (int step = 0; step < 40; step++) { /* the oldest answers give way */
        assert_int_equal(ussd_session_claim(t, "c", 1001 + step, s), USSD_CLAIM_KNOWN);
        char text[16];
        snprintf(text, sizeof text, "1*%d", step);
        add(s, text, step % 2 ? "CON other" : "CON home", false);
        ussd_session_release(t, s, true);
    }
    assert_int_equal(ussd_session_claim(t, "c", 1041, s), USSD_CLAIM_KNOWN);
    assert_int_equal(s->nanswers, USSD_SESSION_ANSWERS_MAX);
    assert_string_equal(answer(s, "1*39", buf, sizeof buf), "CON other");
    assert_string_equal(answer(s, "1*38", buf, sizeof buf), "CON home");
    assert_null(answer(s, "", buf, sizeof buf));
    ussd_session_release(t, s, true);
    assert_int_equal(ussd_session_claim(t, "b", 1100, s), USSD_CLAIM_NEW); /* expired */
    assert_int_equal(s->nanswers, 0);
    add(s, "", "CON welcome", false);
    ussd_session_release(t, s, true);
    assert_int_equal(ussd_session_claim(t, "b", 1101, s), USSD_CLAIM_KNOWN);
    assert_string_equal(answer(s, "", buf, sizeof buf), "CON welcome");
    ussd_session_release(t, s, true);
    ussd_sessions_free(t); /* every hold given back (asserted by the pool) */
    free(s);
}

/* A step's record passes the previous record's holds on for the screens
 * both keep (the same screen twice too) and takes new ones only for the
 * rest: after many steps and the session dropped, another session's copy
 * of the same screen is still there (under ASan a hold passed twice, or
 * given back too often, is a use after free; the pool asserts at the end
 * that every hold came back). */
static void test_holds_passed_on(void **state)
{
    (void)state;
    char buf[64];
    struct ussd_sessions *t = ussd_sessions_new(10, 60);
    struct ussd_session *s = new_record();
    assert_int_equal(ussd_session_claim(t, "a", 1000, s), USSD_CLAIM_NEW);
    add(s, "", "CON home", false);
    add(s, "1", "CON list", false);
    add(s, "1*0", "CON home", false);
    ussd_session_release(t, s, true);
    assert_int_equal(ussd_session_claim(t, "b", 1000, s), USSD_CLAIM_NEW);
    add(s, "", "CON home", false);
    ussd_session_release(t, s, true);
    for (int step = 0; step < 6; step++) {
        assert_int_equal(ussd_session_claim(t, "a", 1001 + step, s), USSD_CLAIM_KNOWN);
        char text[16];
        snprintf(text, sizeof text, "1*0*%d", step);
        add(s, text, step % 3 ? "CON list" : "CON home", false);
        ussd_session_release(t, s, true);
    }
    assert_int_equal(ussd_session_claim(t, "a", 1010, s), USSD_CLAIM_KNOWN);
    assert_int_equal(s->nanswers, 9);
    assert_string_equal(answer(s, "", buf, sizeof buf), "CON home");
    assert_string_equal(answer(s, "1*0", buf, sizeof buf), "CON home");
    assert_string_equal(answer(s, "1*0*5", buf, sizeof buf), "CON list");
    ussd_session_release(t, s, false); /* dropped: its holds given back */
    assert_int_equal(ussd_session_claim(t, "b", 1010, s), USSD_CLAIM_KNOWN);
    assert_string_equal(answer(s, "", buf, sizeof buf), "CON home");
    ussd_session_release(t, s, true);
    ussd_sessions_free(t); /* every hold given back (asserted by the pool) */
    free(s);
}

/* Any bytes of a state come back: runs of zeros of every length (1, 255,
 * 256, longer) between runs of other bytes. */
static void test_state_bytes_kept(void **state)
{
    (void)state;
    struct ussd_sessions *t = ussd_sessions_new(10, 60);
    struct ussd_session *s = new_record();
    struct ussd_session *back = new_record();
    assert_int_equal(ussd_session_claim(t, "b", 1000, s), USSD_CLAIM_NEW);
    static const size_t zero_runs[] = {1, 2, 255, 256, 257, 600, 3};
    unsigned char *bytes = (unsigned char *)&s->state;
    size_t at = 0, k = 0;
    while (at < sizeof s->state) {
        for (size_t n = 0; n < 1 + k % 13 && at < sizeof s->state; n++) {
            bytes[at] = (unsigned char)(1 + (at * 7) % 250);
            at++;
        }
        for (size_t n = 0; n < zero_runs[k % 7] && at < sizeof s->state; n++)
            bytes[at++] = 0;
        k++;
    }
    ussd_session_release(t, s, true);
    assert_int_equal(ussd_session_claim(t, "b", 1001, back), USSD_CLAIM_KNOWN);
    assert_memory_equal(&back->state, &s->state, sizeof s->state);
    ussd_session_release(t, back, false);
    ussd_sessions_free(t);
    free(s);
    free(back);
}

/* The portable form (app/ussd_session_pack, the nodes' shared table):
 * everything a step reads back, but the kept reads (one process's version)
 * and the state's error_key (a pointer); cut or bad bytes read back as a
 * fresh record, never as part of one. */
static void test_portable_form(void **state)
{
    (void)state;
    struct ussd_session *s = new_record(), *back = new_record();
    unsigned char *bytes = malloc(USSD_PACK_PORTABLE_MAX);
    assert_non_null(bytes);
    snprintf(s->key, sizeof s->key, "sb\x1fp");
    snprintf(s->phone, sizeof s->phone, "+212600000042");
    s->state.version = USSD_STATE_VERSION;
    s->state.screen = USSD_SCR_IDEA_TEXT;
    snprintf(s->state.draft.name, sizeof s->state.draft.name, "Fatima Zahra");
    s->state.event_id = -7;
    s->state.error_key = "error.name";
    add(s, "", "CON Bienvenue", false);
    add(s, "1", "CON Menu", false);
    add(s, "9", "CON Autre", false); /* not a prefix of the newest: its hash kept */
    add(s, "1*2", "END Merci", true);
    s->reads.version = 5;
    s->reads.ngrants = -1;
    size_t n = ussd_pack_portable(s, bytes);
    assert_true(n > 0 && n < 200);
    snprintf(back->key, sizeof back->key, "%s", s->key);
    ussd_unpack_portable(back, bytes, n);
    assert_string_equal(back->phone, s->phone);
    assert_int_equal(back->text_len, 3);
    assert_memory_equal(back->text, "1*2", 4);
    struct ussd_state expected = s->state;
    expected.error_key = NULL;
    assert_memory_equal(&back->state, &expected, sizeof expected);
    assert_int_equal(back->nanswers, 4);
    assert_memory_equal(back->answers, s->answers, 4 * sizeof s->answers[0]);
    assert_memory_equal(back->arena, s->arena, s->arena_used);
    assert_int_equal(back->reads.version, 0);
    char buf[32];
    assert_string_equal(answer(back, "9", buf, sizeof buf), "CON Autre");
    /* Every cut, and every byte changed, leaves a whole record or a fresh one. */
    for (size_t cut = 1; cut < n; cut++) {
        memset(back, 0, sizeof *back);
        ussd_unpack_portable(back, bytes, cut);
        assert_int_equal(back->nanswers, 0);
        assert_string_equal(back->phone, "");
    }
    for (size_t at = 0; at < n; at++) {
        bytes[at] ^= 0x5a;
        memset(back, 0, sizeof *back);
        ussd_unpack_portable(back, bytes, n);
        assert_true(back->nanswers <= USSD_SESSION_ANSWERS_MAX);
        assert_true(back->arena_used <= sizeof back->arena);
        bytes[at] ^= 0x5a;
    }
    free(bytes);
    free(s);
    free(back);
}

/* A short session takes the memory it uses, not the record's bounds, and
 * gives it back when it expires. The menus every session shows are kept
 * once, not once per session; a screen of the session's own (its member
 * number) is its own. */
#define MANY_SESSIONS 4000

static void test_memory_per_session(void **state)
{
    (void)state;
    /* ussd_sessions_count() sweeps with the real clock. */
    time_t then = time(NULL) - 100;
    struct ussd_sessions *t = ussd_sessions_new(2 * MANY_SESSIONS, 1000);
    struct ussd_session *s = new_record();
    static const char *const steps[][2] = {
        {"", "CON Bienvenue a Taawun\n1. Mes demandes\n2. Evenements\n3. Idee de projet\n"
             "4. Alertes\n5. Mon profil\n6. A propos"},
        {"2", "CON Evenements\n1. Foire regionale 12/05 Oujda\n2. Atelier export 18/05 Berkane\n"
              "3. Formation 22/05\n98. Suite\n0. Retour"},
        {"2*1", "END Foire regionale, 12/05 10:00, Oujda. Une place vous est reservee."},
    };
    size_t before = heap_in_use();
    char key[64];
    for (int i = 0; i < MANY_SESSIONS; i++) {
        snprintf(key, sizeof key,
                 "at\x1f"
                 "ATUid_%08d",
                 i);
        for (size_t k = 0; k < 3; k++) {
            enum ussd_claim c = ussd_session_claim(t, key, then, s);
            assert_int_equal(c, k == 0 ? USSD_CLAIM_NEW : USSD_CLAIM_KNOWN);
            if (k == 0) {
                snprintf(s->phone, sizeof s->phone, "+2126%08d", i);
                s->state.version = USSD_STATE_VERSION;
                snprintf(s->state.lang, sizeof s->state.lang, "fr");
            }
            char screen[256];
            snprintf(screen, sizeof screen, "%s%s%08d", steps[k][1], k == 2 ? " No M-" : "", i);
            if (k < 2)
                screen[strlen(steps[k][1])] = '\0';
            add(s, steps[k][0], screen, k == 2);
            s->closed = k == 2;
            ussd_session_release(t, s, true);
        }
    }
    assert_int_equal(ussd_sessions_count(t), MANY_SESSIONS);
    size_t per_session = (heap_in_use() - before) / MANY_SESSIONS;
    /* 528 bytes when each record kept its own copy of every screen, 384
     * with the screens shared but the record in two blocks (an entry, its
     * packed record) and every answer's hash, offset and length kept. */
    assert_true(per_session < 300);
    /* Expired sessions leave memory. */
    ussd_sessions_configure(t, 2 * MANY_SESSIONS, 10);
    assert_int_equal(ussd_sessions_count(t), 0);
    size_t after = heap_in_use();
    print_message("heap per 3-step session %zu bytes, %ld bytes left after expiry\n", per_session,
                  (long)after - (long)before);
    /* glibc counts the chunks its per-thread cache keeps as in use. */
    assert_true(after <= before + 64 * 1024);
    ussd_sessions_free(t);
    free(s);
}

/* An empty table takes a few bytes per session its cap allows (its bucket
 * arrays), not a bucket per session: at the bench's cap of 500,000 that
 * was 4.5 MB before a single session came. */
static void test_table_size_for_cap(void **state)
{
    (void)state;
    size_t before = heap_and_maps_in_use();
    struct ussd_sessions *t = ussd_sessions_new(500000, 60);
    size_t per_allowed = (heap_and_maps_in_use() - before) / 500000;
    print_message("empty table: %zu bytes per allowed session\n", per_allowed);
    assert_true(per_allowed < 4);
    ussd_sessions_free(t);
}

/* Steps of one session run one at a time: threads that each claim the
 * session, bump a count kept in it and release it lose no update. */
#define RACERS 8
#define ROUNDS 500

static void *racer(void *arg)
{
    struct ussd_sessions *t = arg;
    struct ussd_session *s = malloc(sizeof *s);
    for (int i = 0; s && i < ROUNDS; i++) {
        enum ussd_claim c = ussd_session_claim(t, "shared", 1000, s);
        if (c == USSD_CLAIM_FULL)
            continue;
        s->state.page++;
        ussd_session_release(t, s, true);
    }
    free(s);
    return NULL;
}

static void test_one_step_at_a_time(void **state)
{
    (void)state;
    struct ussd_sessions *t = ussd_sessions_new(4, 60);
    pthread_t th[RACERS];
    for (int i = 0; i < RACERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, racer, t), 0);
    for (int i = 0; i < RACERS; i++)
        pthread_join(th[i], NULL);
    struct ussd_session *s = new_record();
    assert_int_equal(ussd_session_claim(t, "shared", 1000, s), USSD_CLAIM_KNOWN);
    assert_int_equal(s->state.page, RACERS * ROUNDS);
    ussd_session_release(t, s, false);
    ussd_sessions_free(t);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers_and_late_copies),
        cmocka_unit_test(test_answer_budget),
        cmocka_unit_test(test_claim_release_expiry),
        cmocka_unit_test(test_cap_and_ended_sessions),
        cmocka_unit_test(test_record_kept_whole),
        cmocka_unit_test(test_answers_not_prefixes),
        cmocka_unit_test(test_kept_reads),
        cmocka_unit_test(test_screens_shared),
        cmocka_unit_test(test_holds_passed_on),
        cmocka_unit_test(test_state_bytes_kept),
        cmocka_unit_test(test_portable_form),
        cmocka_unit_test(test_memory_per_session),
        cmocka_unit_test(test_table_size_for_cap),
        cmocka_unit_test(test_one_step_at_a_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
