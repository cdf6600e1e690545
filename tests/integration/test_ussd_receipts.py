"""test_ussd_receipts.py -- a USSD END promises an SMS only when the send
gate will let it go (issue 15, finding 10): a member who stopped all
messages, or a number on the SMS suppression list, is told that no SMS
follows, in their language; the receipt is still recorded, and held."""

import time

import pytest

from conftest import Ussd, add_member, connect_db, msg, new_phone, query, wait_until

IDEA_TITLE, IDEA_TEXT = "Sechoir solaire", "Un sechoir solaire pour les figues"


def receipt(d, phone):
    rows = query(d, "SELECT * FROM messages WHERE phone = ? AND direction = 'out'"
                    " AND kind = 'receipt'", (phone,))
    assert len(rows) == 1, rows
    return rows[0]


def settled(d, phone):
    wait_until(lambda: receipt(d, phone)["status"] != "queued", timeout=10,
               what="the receipt claimed by the sender")
    return receipt(d, phone)["status"]


def book(d, phone):
    u = Ussd(d, phone=phone)
    u.dial()
    u.send("2")
    u.send("1")
    s = u.send("1")
    assert s.end, s
    return s


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_stopped_member_booking_promises_no_sms(daemon, lang):
    d = daemon
    phone = new_phone()
    add_member(d, phone, language=lang, name="Salma Stop", province="berkane",
               sector="agrifood", opted_out=True)
    s = book(d, phone)
    title = s.text.split(": ", 1)[1].split(". ")[0] if lang != "ar" else None
    if title is not None:
        assert s.text == msg(lang, "rsvp_done_no_sms", title=title), s
    assert msg(lang, "rsvp_done_no_sms").split("{title}")[1] in s.text, s
    assert s.text != msg(lang, "rsvp_done", title=title or ""), s
    assert settled(d, phone) == "suppressed"


def test_member_booking_promises_the_sms_that_goes(daemon):
    d = daemon
    phone = new_phone()
    add_member(d, phone, language="fr", name="Salma Go", province="berkane", sector="agrifood")
    s = book(d, phone)
    assert s.text.endswith(msg("fr", "rsvp_done").split("{title}")[1]), s
    assert settled(d, phone) in ("sent", "delivered")


def test_stopped_member_idea_promises_no_sms(daemon):
    d = daemon
    phone = new_phone()
    add_member(d, phone, language="fr", name="Salma Idee", province="berkane",
               sector="agrifood", opted_out=True)
    u = Ussd(d, phone=phone)
    u.dial()
    for key in ("3", "1", IDEA_TITLE, IDEA_TEXT):
        assert u.send(key).con
    s = u.send("1")
    assert s.end and s.text.startswith("Idée enregistrée. Référence ID-"), s
    ref = s.text.split("Référence ")[1].rstrip(".")
    assert s.text == msg("fr", "idea_done_no_sms", reference=ref), s
    assert settled(d, phone) == "suppressed"


def test_suppressed_visitor_event_sms_promises_nothing(daemon):
    d = daemon
    phone = new_phone()
    with connect_db(d, write=True) as conn:
        conn.execute("INSERT INTO sms_suppressions (phone, channel, created_at) VALUES (?, ?, ?)",
                     (phone, "sandbox", int(time.time())))
    u = Ussd(d, phone=phone)
    u.dial()
    for key in ("2", "2", "1"):  # French, events, the first
        assert u.send(key).con
    s = u.send("2")  # details by SMS
    assert s.end and s.text == msg("fr", "event_sms_not_sent"), s
    assert settled(d, phone) == "suppressed"
