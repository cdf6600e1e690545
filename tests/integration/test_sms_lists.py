"""test_sms_lists.py -- SMS lists page (issue 15, finding 8): EVENTS fills
the reply budget (sms.max_reply_segments) and says how to see more; MORE /
SUITE / المزيد, the keyword followed by MORE, or the keyword followed by a
page number give the next pages, until every event was shown once; then
"end of the list". In Arabic, French and English, on a daemon of its own
so that no other test's events join the list.
"""

import time

import pytest

from conftest import DaemonFactory, msg
from fakes import segments_of
from outbox_helpers import write_db
from test_sms_commands import Phone

N_EVENTS = 8


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    factory = DaemonFactory(tmp_path_factory.mktemp("lists"))
    daemon = factory.start({})
    now = int(time.time())
    for i in range(N_EVENTS):
        write_db(daemon, "INSERT INTO events (code, kind, title_ar, title_fr, title_en,"
                         " starts_at, place, province, capacity, created_at, updated_at) VALUES"
                         " (?, 'workshop', ?, ?, ?, ?, 'Berkane', 'berkane', 30, ?, ?)",
                 ("EV%02d" % i, "ورشة التسويق الرقمي %d" % i,
                  "Atelier de marketing numerique %d" % i, "Digital marketing workshop %d" % i,
                  now + (i + 2) * 86400, now, now))
    try:
        yield daemon
    finally:
        factory.finish()


def codes_in(text):
    """The event codes of a list reply: each item starts a line with "CODE:"."""
    return [line.split(":")[0] for line in text.split("\n")[1:] if ":" in line]


WORDS = {"fr": ("EVENEMENTS", "SUITE"), "en": ("EVENTS", "MORE"), "ar": ("انشطة", "المزيد")}


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_events_page_through_the_whole_list(d, lang):
    keyword, more = WORDS[lang]
    p = Phone(d)
    pages = [p.send(keyword)]
    while msg(lang, "sms_list_more") in pages[-1]:
        assert len(pages) < 20, pages
        pages.append(p.send(more))
    shown = [c for page in pages for c in codes_in(page)]
    # Every event once (the demo data's events too), in order, over more
    # than one page; each page uses the budget: more than the 2 (French) or
    # 1 (Arabic) events the first answer used to hold.
    assert [c for c in shown if c.startswith("EV")] == ["EV%02d" % i for i in range(N_EVENTS)]
    assert len(shown) == len(set(shown)) and len(pages) > 1, pages
    assert len(codes_in(pages[0])) >= (2 if lang == "ar" else 3), pages
    for page in pages:
        assert segments_of(page) <= 2, page
        assert page.startswith(msg(lang, "sms_prefix") + msg(lang, "events_title")), page
    assert p.send(more) == msg(lang, "sms_list_end")



@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_events_page_number_and_keyword_more(d, lang):
    keyword, more = WORDS[lang]
    p = Phone(d)
    first = p.send(keyword)
    second = p.send(keyword + " " + more)  # "EVENEMENTS SUITE"
    assert codes_in(second) and not set(codes_in(second)) & set(codes_in(first)), (first, second)
    q = Phone(d)
    assert q.send(keyword + " 2") == second  # "EVENEMENTS 2": the same page
    assert q.send(keyword + " 1") == first
    assert q.send(keyword + " 40") == msg(lang, "sms_list_end")


def test_more_without_a_list(d):
    assert Phone(d).send("SUITE") == msg("fr", "sms_list_end")
    assert Phone(d).send("المزيد") == msg("ar", "sms_list_end")
