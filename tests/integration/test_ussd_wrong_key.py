"""test_ussd_wrong_key.py -- a wrong key shows the same screen: the same
options, "98" exactly where the page had it, and a short error line on top
(issue 15, finding 7). Driven in Africa's Talking's format; the demo data's
French member +212600000002."""

from conftest import SCREEN_MAX_GSM7, SCREEN_MAX_UCS2, Ussd, measure, msg, numbered

YOUSSEF = "+212600000002"  # fr
FATIMA = "+212600000001"   # ar


def options(screen):
    """The numbered options and the navigation: every line from "1." on."""
    lines = screen.text.split("\n")
    first = next(i for i, line in enumerate(lines) if line.split(". ")[0].isdigit())
    return lines[first:]


def fits(text):
    enc, units = measure(text)
    return units <= (SCREEN_MAX_GSM7 if enc == "gsm7" else SCREEN_MAX_UCS2)


def choices(lines, lang):
    """The options and "98", without the navigation line."""
    return [line for line in lines
            if line not in (msg(lang, "nav_back"), msg(lang, "nav_back_home"))]


def wrong_key_keeps(u, lang, key="9"):
    """A wrong key: the error line, then the options and "98" as they were
    (also on a full Arabic page of 80 units, issue 15, finding 7: there the
    error line takes the navigation line's place). Returns the screen."""
    plain = u.screens[-1]
    s = u.send(key)
    assert s.con, s
    assert s.text.split("\n")[0] == msg(lang, "err_choice"), s
    assert choices(options(s), lang) == choices(options(plain), lang), (s, plain)
    if options(s) != options(plain):
        # The navigation gave way only because the page was full.
        assert not fits(msg(lang, "err_choice") + "\n" + plain.text), (s, plain)
    return s


def test_french_alerts_keep_their_five_topics(daemon):
    u = Ussd(daemon, phone=YOUSSEF)
    u.dial()
    s = u.send("4")
    assert [n for n in numbered(s.text) if n.isdigit() and int(n) < 90] == \
        ["1", "2", "3", "4", "5"], s
    s = wrong_key_keeps(u, "fr")
    assert msg("fr", "nav_more") not in s.text, s
    # The fifth topic is still chosen with "5" straight after the error.
    s = u.send("5")
    assert s.con and msg("fr", "err_choice") not in s.text, s


def test_98_on_a_last_page_offers_no_98(daemon):
    for phone, lang in ((YOUSSEF, "fr"), (FATIMA, "ar")):
        u = Ussd(daemon, phone=phone)
        u.dial()
        s = u.send("2")  # events
        while msg(lang, "nav_more") in s.text:
            s = u.send("98")
        s = wrong_key_keeps(u, lang, "98")
        assert msg(lang, "nav_more") not in s.text, s
        wrong_key_keeps(u, lang, "98")


def test_wrong_key_on_every_home_and_list(daemon):
    for phone, lang in ((YOUSSEF, "fr"), (FATIMA, "ar")):
        for path in ([], ["1"], ["2"], ["2", "1"], ["3"], ["4"], ["5"]):
            u = Ussd(daemon, phone=phone)
            u.dial()
            for key in path:
                u.send(key)
            wrong_key_keeps(u, lang, "77")
