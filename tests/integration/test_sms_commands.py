"""test_sms_commands.py -- the SMS commands end to end, through two real
channel formats: the sandbox (Africa's Talking's inbound form; replies go
through the outbox) and Twilio (a valid X-Twilio-Signature; replies come back
inline as TwiML and are stored as sent).

Checked: registration by SMS (guided over several messages, and in one
message), grant status (own, cooperative's, another's reference), events and
JOIN with capacity (full says so), ideas, alerts, the language switch, STOP in
each language from any state (then a broadcast-kind message ends
'suppressed'), STOP from an unknown number (a suppression entry the gate
honours, lifted by START or a registration), START, MYDATA, erase with its
confirmation, the flood limit, unknown commands, invalid UTF-8 and a
1,000-character message. Every reply is read from the catalogs, measured in
its own encoding and never longer than sms.max_reply_segments.
"""

import re
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

import pytest

from conftest import (FORM_CT, SERVICE_CODE, DaemonFactory, add_member, msg, new_phone,
                      province_name, query, sandbox_channel, sector_name, wait_until)
from fakes import FakeTwilio, provider_channel, segments_of
from outbox_helpers import queue_out, write_db

PUBLIC_URL = "https://gw.example.test"
MAX_SEGMENTS = 2  # the default sms.max_reply_segments


# --------------------------------------------------------------------------
# Fixtures: one daemon with a sandbox and a Twilio channel for the module.

@pytest.fixture(scope="module")
def twilio_fake():
    f = FakeTwilio(public_url=PUBLIC_URL)
    yield f
    f.close()


@pytest.fixture(scope="module")
def d(tmp_path_factory, twilio_fake):
    tmp = tmp_path_factory.mktemp("sms")
    factory = DaemonFactory(tmp)
    ch = provider_channel(twilio_fake, tmp, public_url=PUBLIC_URL)
    daemon = factory.start({"channels": (sandbox_channel(), ch)})
    try:
        yield daemon
    finally:
        factory.finish()


class Phone:
    """A phone texting taawun on one channel; send() returns the reply (the
    body of the one outbound message the SMS caused), or None."""

    def __init__(self, daemon, twilio=None, phone=None):
        self.d = daemon
        self.twilio = twilio
        self.phone = phone or new_phone()
        self.last_reply = None

    def _last_out_id(self):
        rows = query(self.d, "SELECT max(id) AS id FROM messages WHERE phone=?", (self.phone,))
        return rows[0]["id"] or 0

    def post(self, text_or_bytes):
        if self.twilio:
            r = self.twilio.sms(self.d.public_port, self.phone, text_or_bytes)
        else:
            fields = {"from": self.phone, "to": "12345", "date": "2026-03-01 10:00:00",
                      "id": "ATXid_" + uuid.uuid4().hex, "linkId": "l", "networkCode": "60401"}
            body = urllib.parse.urlencode(fields) + "&text=" + urllib.parse.quote(
                text_or_bytes.encode("utf-8") if isinstance(text_or_bytes, str)
                else text_or_bytes)
            r = self.d.post("/hooks/sandbox/sms", body, FORM_CT)
        return r

    def send(self, text):
        before = self._last_out_id()
        r = self.post(text)
        assert r.status == 200, r
        rows = query(self.d, "SELECT * FROM messages WHERE phone=? AND direction='out'"
                             " AND id>? ORDER BY id", (self.phone, before))
        assert len(rows) <= 1, rows
        self.last_reply = rows[0] if rows else None
        if not rows:
            return None
        row = rows[0]
        # Every reply fits the segment budget, measured in its own encoding.
        assert segments_of(row["body"]) <= MAX_SEGMENTS, row
        assert row["segments"] == segments_of(row["body"]), row
        if self.twilio and row["status"] == "sent":
            assert row["provider_id"] == "inline", row
            twiml = ET.fromstring(r.body.decode("utf-8"))
            assert twiml.tag == "Response"
            assert [m.text for m in twiml.iter("Message")] == [row["body"]], r.body
        return row["body"]

    def member(self):
        rows = query(self.d, "SELECT * FROM members WHERE phone=?", (self.phone,))
        return rows[0] if rows else None


def sandbox(d, phone=None):
    return Phone(d, phone=phone)


@pytest.fixture
def tw(d, twilio_fake):
    return lambda phone=None: Phone(d, twilio=twilio_fake, phone=phone)


def registered_member(d, lang="fr", coop="2002", province="berkane", phone=None,
                      name="Amina Test"):
    """A registered member of cooperative coop (this file's usual one): (phone, id)."""
    phone = phone or new_phone()
    return phone, add_member(d, phone, language=lang, name=name, cooperative=coop,
                             province=province, sector="textile", gender="f", birth_year=1990,
                             registered_via="import")


def add_event(d, code, capacity, province="berkane", days=5):
    now = int(time.time())
    return write_db(d, "INSERT INTO events (code, kind, title_ar, title_fr, title_en, starts_at,"
                       " place, province, capacity, created_at, updated_at) VALUES"
                       " (?, 'workshop', 'ورشة التسويق', 'Atelier marketing', 'Marketing"
                       " workshop', ?, 'Berkane', ?, ?, ?, ?)",
                    (code, now + days * 86400, province, capacity, now, now))


def with_prefix(lang, text):
    """text as an SMS reply: every reply starts with the programme's short
    name (catalog text sms_prefix) unless the text already does."""
    prefix = msg(lang, "sms_prefix")
    return text if text.startswith(prefix.split(":")[0]) else prefix + text


def reply(lang, key, **placeholders):
    """The catalog text key as the SMS reply that carries it."""
    return with_prefix(lang, msg(lang, key, **placeholders))


def first_line(text):
    return text.split("\n")[0]


# --------------------------------------------------------------------------
# Help, unknown commands, languages of strangers.

def test_help_and_unknown_in_the_senders_language(d, tw):
    p = sandbox(d)
    assert p.send("AIDE") == reply("fr", "sms_help", ussd_code=SERVICE_CODE)
    assert p.last_reply["kind"] == "reply" and p.last_reply["member_id"] is None
    assert sandbox(d).send("مساعدة") == reply("ar", "sms_help", ussd_code=SERVICE_CODE)
    assert tw().send("help") == reply("en", "sms_help", ussd_code=SERVICE_CODE)
    assert sandbox(d).send("xyzzy 42") == reply("fr", "sms_unknown", ussd_code=SERVICE_CODE)
    assert sandbox(d).send("شنو هادشي") == reply("ar", "sms_unknown", ussd_code=SERVICE_CODE)
    assert sandbox(d).send("what is this please") == reply("en", "sms_unknown",
                                                          ussd_code=SERVICE_CODE)
    # A member is answered in their language whatever they write in.
    phone, _ = registered_member(d, lang="en")
    assert sandbox(d, phone).send("aide") == reply("en", "sms_help", ussd_code=SERVICE_CODE)
    # A command that needs a member, from a stranger.
    assert sandbox(d).send("ETAT") == reply("fr", "sms_register_first")


# --------------------------------------------------------------------------
# Registration.

def test_register_guided_with_a_wrong_answer(d):
    p = sandbox(d)
    assert p.send("Bonjour, inscription") == reply("fr", "sms_reg_name")
    assert p.last_reply["kind"] == "registration"
    assert p.send("Fatima Zahra") == reply("fr", "sms_reg_coop")
    assert p.send("9999") == with_prefix("fr", msg("fr", "err_coop") + " " + msg("fr", "sms_reg_coop"))
    got = p.send("2001")
    assert got.startswith(reply("fr", "sms_reg_province", list="")), got
    assert "2 " + province_name("fr", "berkane") in got
    assert p.send("Berkane").startswith(reply("fr", "sms_reg_sector", list=""))
    assert p.send("1") == reply("fr", "sms_reg_gender")
    assert p.send("F") == reply("fr", "sms_reg_year")
    # A wrong year says which years are taken (issue 15, finding 13).
    latest = str(time.localtime().tm_year - 15)  # programme.min_age
    assert p.send("19") == with_prefix("fr", msg("fr", "sms_err_year", min="1900", max=latest)
                                       + " " + msg("fr", "sms_reg_year"))
    assert p.send("1987") == reply("fr", "sms_reg_consent")
    assert p.send("peut-etre") == with_prefix("fr", msg("fr", "err_choice") + " "
                                             + msg("fr", "sms_reg_consent"))
    m = None
    got = p.send("oui")
    m = p.member()
    assert got == reply("fr", "sms_registered", name="Fatima Zahra",
                      member_no="TA-%06d" % m["id"])
    assert (m["name"], m["province"], m["sector"], m["gender"], m["birth_year"],
            m["language"], m["consent_channel"], m["registered_via"]) == \
        ("Fatima Zahra", "berkane", "agriculture", "f", 1987, "fr", "sms", "sms")
    assert m["consent_at"] and m["registered_at"] and not m["opted_out_at"]
    coop = query(d, "SELECT code FROM cooperatives WHERE id=?", (m["cooperative_id"],))
    assert coop[0]["code"] == "2001"
    assert not query(d, "SELECT * FROM sms_conversations WHERE phone=?", (p.phone,))
    # Registered: a second REGISTER says so.
    assert p.send("INSCRIPTION") == reply("fr", "sms_already_registered",
                                        member_no="TA-%06d" % m["id"])


def test_register_in_one_message_arabic_over_twilio(d, tw):
    p = tw()
    text = "تسجيل فاطمة الزهراء، ٢٠٠١، %s، %s، أنثى، ١٩٨٧" % (
        province_name("ar", "berkane"), sector_name("ar", "agriculture"))
    assert p.send(text) == reply("ar", "sms_reg_consent")
    assert p.member() is None  # nothing stored before consent
    m_reply = p.send("نعم")
    m = p.member()
    assert m_reply == reply("ar", "sms_registered", name="فاطمة الزهراء",
                          member_no="TA-%06d" % m["id"])
    assert (m["province"], m["sector"], m["gender"], m["birth_year"], m["language"],
            m["consent_channel"]) == ("berkane", "agriculture", "f", 1987, "ar", "sms")


def test_register_one_message_with_a_bad_field_asks_for_it(d):
    p = sandbox(d)
    got = p.send("REGISTER John Smith; 0; Atlantis; services; M; 1990")
    assert got.startswith(with_prefix("en", msg("en", "err_choice") + " "
                                      + msg("en", "sms_reg_province", list=""))), got
    assert p.send("nador").startswith(reply("en", "sms_reg_consent"))
    assert p.send("no") == reply("en", "consent_refused")
    assert p.member() is None
    assert p.send("yes") == reply("en", "sms_unknown", ussd_code=SERVICE_CODE)


def test_a_command_leaves_the_registration(d):
    p = sandbox(d)
    p.send("INSCRIPTION Karim Benali")
    assert p.send("EVENEMENTS").startswith(reply("fr", "events_title"))
    # The registration is gone; what is kept now is the list's page.
    assert [r["flow"] for r in query(d, "SELECT flow FROM sms_conversations WHERE phone=?",
                                     (p.phone,))] in ([], ["list"])


# --------------------------------------------------------------------------
# Grants, events, ideas, alerts, language, my data.

def test_status_own_cooperatives_and_others(d):
    phone, _ = registered_member(d, lang="fr", coop="2002")
    p = sandbox(d, phone)
    got = p.send("ETAT")
    assert got.startswith(reply("fr", "grants_title")) and "GR-2026-00042" in got, got
    got = p.send("etat gr 2026-00042")
    assert got.startswith(with_prefix("fr", "GR-2026-00042\n" + catalog_status("fr", "approved"))), got
    assert p.send("ETAT GR-2026-00041") == reply("fr", "sms_grant_unknown",
                                               reference="GR-2026-00041")  # another member's
    assert p.send("ETAT GR-2026-99999") == reply("fr", "sms_grant_unknown",
                                               reference="GR-2026-99999")
    lonely, _ = registered_member(d, lang="en", coop=None)
    assert sandbox(d, lonely).send("STATUS") == reply("en", "sms_grants_none")


def catalog_status(lang, status):
    from conftest import catalog
    return catalog(lang)["grant_status"][status]


def test_events_and_join_with_capacity(d, tw):
    code = "SMS%d" % (time.time_ns() % 100000)
    add_event(d, code, capacity=1)
    a_phone, a_id = registered_member(d, lang="fr")
    b_phone, _ = registered_member(d, lang="en")
    a = sandbox(d, a_phone)
    got = a.send("EVENEMENTS")
    assert first_line(got) == reply("fr", "events_title"), got
    assert code in got and msg("fr", "sms_events_join") in got, got
    got = a.send("participer " + code.lower())
    assert got.startswith(reply("fr", "sms_rsvp", title="Atelier marketing", when="")[:30]), got
    assert code in got
    assert tw(b_phone).send("JOIN " + code) == reply("en", "event_full")
    assert a.send("PARTICIPER " + code) == reply("fr", "rsvp_already", title="Atelier marketing")
    assert a.send("PARTICIPER NOPE1") == reply("fr", "sms_event_unknown", code="NOPE1")
    assert a.send("PARTICIPER") == reply("fr", "sms_join_usage")
    rsvps = query(d, "SELECT member_id FROM rsvps r JOIN events e ON e.id=r.event_id"
                     " WHERE e.code=?", (code,))
    assert [r["member_id"] for r in rsvps] == [a_id]


def test_idea(d):
    phone, mid = registered_member(d, lang="fr")
    p = sandbox(d, phone)
    assert p.send("IDEE court") == reply("fr", "sms_idea_usage")
    got = p.send("IDEE Une unite de sechage solaire pour les figues de la cooperative")
    ideas = query(d, "SELECT * FROM ideas WHERE member_id=?", (mid,))
    assert len(ideas) == 1 and ideas[0]["reference"].startswith("ID-"), ideas
    assert ideas[0]["description"] == \
        "Une unite de sechage solaire pour les figues de la cooperative"
    assert got == reply("fr", "sms_idea", title=ideas[0]["title"],
                      reference=ideas[0]["reference"])


def test_alerts_list_and_switch(d, tw):
    phone, mid = registered_member(d, lang="fr")
    p = sandbox(d, phone)
    got = p.send("ALERTES")
    assert got.startswith("Vos alertes") or "ALERTES" in got, got
    assert got.count(msg("fr", "alert_on")) >= 5, got
    topic = __import__("conftest").catalog("fr")["topic"]["events"]
    assert p.send("ALERTES EVENEMENTS NON") == reply("fr", "sms_alert_set", topic=topic,
                                                   state=msg("fr", "alert_off"))
    rows = query(d, "SELECT enabled FROM member_topics WHERE member_id=? AND topic='events'",
                 (mid,))
    assert rows == [{"enabled": 0}]
    assert p.send("ALERTES EVENEMENTS") == reply("fr", "sms_alerts_usage")
    en_phone, en_id = registered_member(d, lang="en")
    tw(en_phone).send("alerts news off")
    assert query(d, "SELECT enabled FROM member_topics WHERE member_id=? AND topic='news'",
                 (en_id,)) == [{"enabled": 0}]


def test_language_switch_and_mydata(d):
    phone, mid = registered_member(d, lang="fr", name="Youssef Test")
    p = sandbox(d, phone)
    assert p.send("LANGUE arabe") == reply("ar", "language_changed")
    assert p.member()["language"] == "ar"
    assert p.send("help") == reply("ar", "sms_help", ussd_code=SERVICE_CODE)
    assert p.send("لغة الألمانية") == reply("ar", "sms_language_usage", languages="AR، FR، EN")
    assert p.send("language english") == reply("en", "language_changed")
    got = p.send("MY DATA")
    assert got.startswith("Taawun: TA-%06d, consent of " % mid) and "Youssef Test" in got, got
    assert province_name("en", "berkane") in got


# --------------------------------------------------------------------------
# STOP, START and the send gate.

@pytest.mark.parametrize("lang,word", [("ar", "توقف"), ("fr", "Arrêt"), ("en", "STOP")])
def test_stop_in_each_language_then_a_broadcast_is_suppressed(d, lang, word):
    phone, mid = registered_member(d, lang=lang)
    p = sandbox(d, phone)
    assert p.send(word) == reply(lang, "sms_stopped")
    assert p.last_reply["kind"] == "stop_confirmation"
    assert p.member()["opted_out_at"]
    wait_until(lambda: query(d, "SELECT status FROM messages WHERE id=?",
                             (p.last_reply["id"],))[0]["status"] in ("sent", "delivered"),
               what="stop confirmation sent")
    bid = queue_out(d, "sandbox", phone, body="Nouvelle formation", kind="broadcast",
                    member_id=mid)
    wait_until(lambda: query(d, "SELECT status FROM messages WHERE id=?", (bid,))[0]["status"]
               == "suppressed", what="broadcast suppressed")
    assert query(d, "SELECT error FROM messages WHERE id=?", (bid,))[0]["error"] == "opted_out"
    # Their own request is not answered either (stored suppressed) ...
    p.send("AIDE")
    wait_until(lambda: query(d, "SELECT status FROM messages WHERE id=?",
                             (p.last_reply["id"],))[0]["status"] == "suppressed",
               what="help suppressed after STOP")
    # ... until START.
    assert p.send("START") == reply(lang, "sms_started")
    assert not p.member()["opted_out_at"]


def test_stop_one_topic_and_start_it(d, tw):
    phone, mid = registered_member(d, lang="en")
    p = tw(phone)
    topic = __import__("conftest").catalog("en")["topic"]["news"]
    assert p.send("stop news please") == reply("en", "sms_stopped_topic", topic=topic)
    assert not p.member()["opted_out_at"]
    assert query(d, "SELECT enabled FROM member_topics WHERE member_id=? AND topic='news'",
                 (mid,)) == [{"enabled": 0}]
    nid = queue_out(d, "sandbox", phone, kind="broadcast", topic="news", member_id=mid)
    eid = queue_out(d, "sandbox", phone, kind="broadcast", topic="events", member_id=mid)
    wait_until(lambda: query(d, "SELECT status FROM messages WHERE id=?", (nid,))[0]["status"]
               == "suppressed", what="news suppressed")
    wait_until(lambda: query(d, "SELECT status FROM messages WHERE id=?", (eid,))[0]["status"]
               in ("sent", "delivered"), what="events sent")
    assert p.send("START NEWS") == reply("en", "sms_started_topic", topic=topic)
    assert query(d, "SELECT enabled FROM member_topics WHERE member_id=? AND topic='news'",
                 (mid,)) == [{"enabled": 1}]


def test_stop_from_an_unknown_number_mid_registration(d):
    p = sandbox(d)
    p.send("INSCRIPTION")
    p.send("Hassan Amrani")
    assert p.send("stop") == reply("fr", "sms_stopped")  # in the exchange's language
    assert p.last_reply["kind"] == "stop_confirmation"
    assert query(d, "SELECT phone FROM sms_suppressions WHERE phone=?", (p.phone,))
    assert not query(d, "SELECT * FROM sms_conversations WHERE phone=?", (p.phone,))
    nid = queue_out(d, "sandbox", p.phone, kind="notification")
    wait_until(lambda: query(d, "SELECT status, error FROM messages WHERE id=?", (nid,))[0]
               == {"status": "suppressed", "error": "phone_suppressed"},
               what="notification to a suppressed phone")
    assert p.send("START") == reply("fr", "sms_start_unregistered")
    assert not query(d, "SELECT phone FROM sms_suppressions WHERE phone=?", (p.phone,))


def test_suppression_survives_erase_and_registration_lifts_it(d):
    phone, mid = registered_member(d, lang="fr")
    p = sandbox(d, phone)
    assert p.send("EFFACER") == reply("fr", "sms_erase_confirm", minutes=10)
    assert p.send("EFFACER") == reply("fr", "erased")
    assert p.last_reply["kind"] == "stop_confirmation"
    m = p.member()
    assert m["erased_at"] and m["name"] is None and m["opted_out_at"]
    # An erased number that says STOP gets its confirmation and stays suppressed.
    assert p.send("STOP") == reply("fr", "sms_stopped")
    assert query(d, "SELECT phone FROM sms_suppressions WHERE phone=?", (phone,))
    # A registration by SMS (its exchange passes the opt-out) lifts it.
    assert p.send("INSCRIPTION Salma Idrissi; 0; Nador; textile; F; 1992") == \
        reply("fr", "sms_reg_consent")
    p.send("OUI")
    m = p.member()
    assert m["registered_at"] and not m["erased_at"] and not m["opted_out_at"]
    assert not query(d, "SELECT phone FROM sms_suppressions WHERE phone=?", (phone,))


def test_erase_needs_confirmation(d, tw):
    phone, mid = registered_member(d, lang="en")
    p = tw(phone)
    assert p.send("ERASE") == reply("en", "sms_erase_confirm", minutes=10)
    assert p.send("help") == reply("en", "sms_help", ussd_code=SERVICE_CODE)  # cancels
    assert p.send("yes") == reply("en", "sms_unknown", ussd_code=SERVICE_CODE)
    assert not p.member()["erased_at"]
    p.send("delete")
    assert p.send("yes") == reply("en", "erased")
    assert p.member()["erased_at"]


def test_consent_needed_for_broadcasts(d):
    phone, mid = registered_member(d, lang="fr")
    write_db(d, "UPDATE members SET consent_at=NULL WHERE id=?", (mid,))
    bid = queue_out(d, "sandbox", phone, kind="broadcast", member_id=mid)
    rid = queue_out(d, "sandbox", phone, kind="reply", member_id=mid)
    wait_until(lambda: query(d, "SELECT status, error FROM messages WHERE id=?", (bid,))[0]
               == {"status": "suppressed", "error": "no_consent"}, what="no consent")
    wait_until(lambda: query(d, "SELECT status FROM messages WHERE id=?", (rid,))[0]["status"]
               in ("sent", "delivered"), what="reply sent")


# --------------------------------------------------------------------------
# Robustness: invalid UTF-8, long messages, the flood limit.

def test_invalid_utf8_and_a_1000_character_message(d):
    p = sandbox(d)
    r = p.post(b"\xff\xfeSTOP \xc3")
    assert r.status == 400, r  # the adapter refuses text that is not UTF-8
    assert not query(d, "SELECT * FROM messages WHERE phone=?", (p.phone,))
    long_text = "Bonjour " + ("la cooperative des femmes de Berkane " * 30)
    long_text = long_text[:1000]
    assert p.send(long_text) == reply("fr", "sms_unknown", ussd_code=SERVICE_CODE)
    stored = query(d, "SELECT body FROM messages WHERE phone=? AND direction='in'", (p.phone,))
    assert [len(r["body"]) for r in stored] == [1000]
    phone, mid = registered_member(d, lang="ar")
    m = sandbox(d, phone)
    got = m.send("فكرة " + "تعاونية لتجفيف التين بالطاقة الشمسية " * 30)
    assert got.startswith("تعاون:"), got
    idea = query(d, "SELECT title, description FROM ideas WHERE member_id=?", (mid,))[0]
    assert 0 < len(idea["description"].encode()) <= 480 and len(idea["title"]) <= 60
    got = m.send("انشطة")
    assert segments_of(got) <= MAX_SEGMENTS


def test_flood_limit(tmp_path):
    factory = DaemonFactory(tmp_path)
    d2 = factory.start({"sms": {"replies_per_hour": 3}})
    try:
        p = sandbox(d2)
        answered = [p.send("AIDE %d" % i) for i in range(5)]
        assert [a is not None for a in answered] == [True, True, True, False, False]
        assert len(query(d2, "SELECT id FROM messages WHERE phone=? AND direction='in'",
                         (p.phone,))) == 5
        phone, _ = registered_member(d2, lang="fr")
        m = sandbox(d2, phone)
        for i in range(3):
            m.send("ETAT %d" % i)
        assert m.send("STOP") is None  # honoured, not answered
        assert m.member()["opted_out_at"]
        assert re.search(r"event=sms_command .*answer=rate_limited", d2.log())
    finally:
        factory.finish()


def test_one_segment_replies(tmp_path):
    factory = DaemonFactory(tmp_path)
    d2 = factory.start({"sms": {"max_reply_segments": 1}})
    try:
        global MAX_SEGMENTS
        saved, MAX_SEGMENTS = MAX_SEGMENTS, 1
        try:
            got = sandbox(d2).send("مساعدة")
            assert segments_of(got) == 1 and got.endswith("\u2026"), got
        finally:
            MAX_SEGMENTS = saved
    finally:
        factory.finish()


def test_a_greeting_alone_gets_the_help_text(d):
    assert sandbox(d).send("Salam") == reply("fr", "sms_help", ussd_code=SERVICE_CODE)
    assert sandbox(d).send("السلام عليكم") == reply("ar", "sms_help", ussd_code=SERVICE_CODE)
