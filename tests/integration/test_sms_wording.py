"""test_sms_wording.py -- the SMS wording of issue 15 (findings 9 and 13),
in Arabic, French and English: every reply starts with the programme's
short name; one date and time format (the catalogs' event_when, as on the
USSD screens); amounts with the language's thousands separator; a
reference typed with spaces and in lower case finds the stored
GR-YYYY-NNNNN; ALERTS fits one SMS (French and English, GSM-7); Arabic
lists separated by the Arabic comma; an idea cut at the argument limit says
so; MYDATA keeps the consent record whole.
"""

import re
import time
from datetime import datetime

import pytest

from conftest import SERVICE_CODE, DaemonFactory, Ussd, add_member, msg, new_phone, query
from fakes import segments_of
from outbox_helpers import write_db
from test_admin_api import ZONE, Api, make_token
from test_sms_commands import Phone, with_prefix


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    factory = DaemonFactory(tmp_path_factory.mktemp("wording"))
    daemon = factory.start({})
    try:
        yield daemon
    finally:
        factory.finish()


def member(d, lang, name="Amina Test", coop="2002"):
    """A registered member of the demo cooperative holding GR-2026-00042."""
    phone = new_phone()
    mid = add_member(d, phone, language=lang, name=name, cooperative=coop, province="berkane",
                     sector="textile", gender="f", birth_year=1990, registered_via="import")
    return Phone(d, phone=phone), mid


KEYWORDS = {"fr": {"join": "PARTICIPER", "status": "SUIVI", "events": "EVENEMENTS",
                   "alerts": "ALERTES", "idea": "IDEE", "mydata": "MES DONNEES"},
            "en": {"join": "JOIN", "status": "STATUS", "events": "EVENTS", "alerts": "ALERTS",
                   "idea": "IDEA", "mydata": "MY DATA"},
            "ar": {"join": "حضور", "status": "تتبع", "events": "انشطة", "alerts": "تنبيهات",
                   "idea": "فكرة", "mydata": "بياناتي"}}
LANGS = ["ar", "fr", "en"]


@pytest.mark.parametrize("lang", LANGS)
def test_every_reply_starts_with_the_programme(d, lang):
    p, _ = member(d, lang)
    prefix = msg(lang, "sms_prefix")
    assert prefix.strip() and prefix.split(":")[0] in ("Taawun", "تعاون")
    for text in (KEYWORDS[lang]["join"], KEYWORDS[lang]["events"], KEYWORDS[lang]["idea"],
                 KEYWORDS[lang]["alerts"], "bla bla"):
        got = p.send(text)
        assert got.startswith(prefix), (text, got)
    assert p.send(KEYWORDS[lang]["join"]) == prefix + msg(lang, "sms_join_usage")
    # A text that already names the programme is not prefixed twice
    # ("تعاون، التسجيل: ..." starts with it followed by the Arabic comma).
    register = {"fr": "INSCRIPTION", "en": "REGISTER", "ar": "تسجيل"}[lang]
    got = Phone(d).send(register)
    assert got == msg(lang, "sms_reg_name") and got.count(prefix.split(":")[0]) == 1, got


WHEN = {"fr": r"\d\d/\d\d \d\dh\d\d", "en": r"\d\d/\d\d \d\d:\d\d", "ar": r"\d\d/\d\d \d\d:\d\d"}


@pytest.mark.parametrize("lang", LANGS)
def test_one_date_and_time_format(d, lang):
    """USSD wrote 20/02 10h00, SMS 20/2 10:00: now both the catalog's."""
    now = int(time.time())
    code = "W%s%d" % (lang.upper(), now % 10000)
    write_db(d, "INSERT INTO events (code, kind, title_ar, title_fr, title_en, starts_at, place,"
                " province, capacity, created_at, updated_at) VALUES (?, 'workshop', 'ورشة',"
                " 'Atelier', 'Workshop', ?, 'Berkane', 'berkane', 9, ?, ?)",
             (code, now + 3 * 86400, now, now))
    p, _ = member(d, lang)
    listed = p.send(KEYWORDS[lang]["events"] + " ")
    booked = p.send(KEYWORDS[lang]["join"] + " " + code)
    for got in (listed, booked):
        assert re.search(WHEN[lang], got), got
        assert not re.search(r"(^|\D)\d/\d|(^|\D)\d/\d\d |\d\d/\d(\D|$)", got), got


@pytest.mark.parametrize("lang", LANGS)
def test_receipts_and_notices_write_dates_as_the_catalogs(d, lang):
    """The SMS receipt of a USSD booking and an event's cancellation notice
    wrote "20/02 10:00" in every language, the screens and replies "20/02
    10h00" in French: all now write the catalogs' event_when."""
    now = int(time.time())
    code = "C%s%d" % (lang.upper(), now % 10000)
    eid = write_db(d, "INSERT INTO events (code, kind, title_ar, title_fr, title_en, starts_at,"
                      " place, province, capacity, created_at, updated_at) VALUES (?, 'workshop',"
                      " 'ورشة', 'Atelier', 'Workshop', ?, 'Berkane', 'berkane', 9, ?, ?)",
                   (code, now + 4 * 86400, now, now))
    p, mid = member(d, lang)
    u = Ussd(d, phone=p.phone)
    u.dial()
    u.send("2")
    u.send("1")
    assert u.send("1").end
    rows = query(d, "SELECT body FROM messages WHERE phone=? AND kind='receipt'", (p.phone,))
    assert len(rows) == 1 and re.search(WHEN[lang], rows[0]["body"]), rows
    p.send(KEYWORDS[lang]["join"] + " " + code)
    token = make_token(d.config, "wording-%s" % lang, "staff")
    r = Api(d, token).post(f"/events/{eid}/cancel")
    assert r.status == 200 and r.json()["notices_queued"] == 1, r
    rows = query(d, "SELECT body FROM messages WHERE phone=? AND kind='notification'",
                 (p.phone,))
    assert len(rows) == 1 and re.search(WHEN[lang], rows[0]["body"]), rows


AMOUNT = {"fr": "150 000 MAD", "en": "150,000 MAD", "ar": "150٬000 درهم"}


@pytest.mark.parametrize("lang", LANGS)
def test_reference_typed_loosely_and_amount_with_separator(d, lang):
    p, _ = member(d, lang)
    for typed in ("gr 2026 42", "Gr-2026-42", "GR202600042", "gr2026 00042"):
        got = p.send(KEYWORDS[lang]["status"] + " " + typed)
        assert got.startswith(with_prefix(lang, "GR-2026-00042\n")), (typed, got)
        assert AMOUNT[lang] in got, got
    unknown = p.send(KEYWORDS[lang]["status"] + " gr 2026 99998")
    assert unknown == with_prefix(lang, msg(lang, "sms_grant_unknown",
                                            reference="GR-2026-99998"))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_alerts_fit_one_sms(d, lang):
    p, _ = member(d, lang)
    got = p.send(KEYWORDS[lang]["alerts"])
    assert segments_of(got) == 1, got
    assert got.count(msg(lang, "alert_on")) == 5, got


def test_arabic_lists_use_the_arabic_comma(d):
    p, _ = member(d, "ar")
    got = p.send("تنبيهات")
    assert "،" in got and "," not in got and ";" not in got, got
    assert p.send("لغة الألمانية") == with_prefix("ar", msg("ar", "sms_language_usage",
                                                            languages="AR، FR، EN"))


@pytest.mark.parametrize("lang", LANGS)
def test_an_idea_cut_at_the_limit_says_so(d, lang):
    """An IDEE of 995 characters was stored as 479 without a word."""
    p, mid = member(d, lang)
    text = ("Une unite de sechage solaire pour les figues " * 25)[:995]
    got = p.send(KEYWORDS[lang]["idea"] + " " + text)
    from conftest import query
    idea = query(d, "SELECT * FROM ideas WHERE member_id=?", (mid,))[0]
    assert len(idea["description"]) < 995
    assert got == with_prefix(lang, msg(lang, "sms_idea_cut", title=idea["title"],
                                        reference=idea["reference"],
                                        chars=str(len(idea["description"])))), got


@pytest.mark.parametrize("lang,name", [("fr", "Fatima Zahra Benali"), ("fr", "فاطمة الزهراء بنعلي"),
                                       ("en", "Fatima Zahra Benali"), ("ar", "فاطمة الزهراء بنعلي")])
def test_mydata_keeps_the_consent_record_whole(d, lang, name):
    """The ç of "Français" alone made the French answer UCS-2 and cut its
    consent record; the record now comes first and the language is its code."""
    p, mid = member(d, lang, name=name)
    got = p.send(KEYWORDS[lang]["mydata"])
    # The consent's day in programme time (the record's own timestamp, so a
    # run across midnight, or a UTC machine at 23:00, reads the same day).
    consent_at = query(d, "SELECT consent_at FROM members WHERE id = ?", (mid,))[0]["consent_at"]
    when = datetime.fromtimestamp(consent_at, ZONE).strftime("%d/%m/%Y")
    record = {"fr": "accord du %s (ussd)." % when, "en": "consent of %s (ussd)." % when,
              "ar": "الموافقة %s (ussd)." % when}[lang]
    assert record in got, got
    assert "TA-%06d" % mid in got and segments_of(got) <= 2, got
    if lang == "fr" and name.isascii():
        assert "Français" not in got and " FR" in got, got
