"""test_ussd_agent.py -- registration by a cooperative's contact person (an
"agent"), end to end on the real daemon: staff mark a member their
cooperative's contact (API, audited); the contact's home menu gains
"Register a member"; the flow is walked in Arabic, French and English, every
screen read from the catalogs and measured in the encoding it travels in
(conftest.parse_screen); the new member is stored with consent 'pending' in
the contact's cooperative, and one SMS asks for consent in the member's
language. Then the answers (YES / OUI / نعم and their folded spellings, NO /
NON / لا, STOP), and on each send path (broadcast, grant notice, event
cancellation notice, reminder) nothing reaches a member before consent; a
pending member who dials is asked for consent on the first screen (no, then
yes, recorded and audited as the SMS answer is) before any service. A retransmitted final step creates one member; a non-contact never
sees the option; a contact of one cooperative cannot register into another.
"""

import json
import re
import threading
import time
import urllib.parse

import pytest

from conftest import (FORM_CT, SERVICE_CODE, DaemonFactory, Ussd, add_member, assert_json_error, msg,
                      new_phone, numbered, parse_screen, query, sandbox_channel, sector_name,
                      wait_until)
from outbox_helpers import queue_out, write_db
from test_admin_api import Api, make_token, new_event, rsvp

MEMBER_NO = re.compile(r"TA-(\d{6})")
LANG_NO = {"ar": "1", "fr": "2", "en": "3"}
TEST_NUMBER = "+447700900123"  # the reserved test range (core/test_number)


# --------------------------------------------------------------------------
# One daemon for the module, with a staff token.

@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("agent")
    factory = DaemonFactory(tmp)
    conf = factory.config({"channels": (sandbox_channel(),)})
    token = make_token(conf, "staff-agent", "staff")
    d = factory.start(config=conf)
    try:
        yield d, Api(d, token)
    finally:
        factory.finish()


def coop_of(d, code):
    return query(d, "SELECT * FROM cooperatives WHERE code = ?", (code,))[0]


def make_contact(env, lang="fr", coop="2001", name="Khadija Contact"):
    """A member of coop marked contact through the API; returns (id, phone)."""
    d, api = env
    phone = new_phone()
    mid = add_member(d, phone, language=lang, name=name, cooperative=coop,
                     province=coop_of(d, coop)["province"], sector="agriculture")
    r = api.patch(f"/members/{mid}", {"is_contact": True})
    assert r.status == 200, r
    assert r.json()["is_contact"] == 1
    return mid, phone


def member(d, phone):
    rows = query(d, "SELECT * FROM members WHERE phone = ?", (phone,))
    return rows[0] if rows else None


def out(d, phone, kind=None):
    sql = "SELECT * FROM messages WHERE direction = 'out' AND phone = ?"
    args = [phone]
    if kind:
        sql += " AND kind = ?"
        args.append(kind)
    return query(d, sql + " ORDER BY id", args)


def sms_in(d, phone, text):
    """An SMS from phone, answered through the outbox (sandbox)."""
    body = urllib.parse.urlencode({"from": phone, "to": "12345", "text": text,
                                   "date": "2026-03-01 10:00:00", "networkCode": "60401"})
    r = d.post("/hooks/sandbox/sms", body, FORM_CT)
    assert r.status == 200, r


def assert_facts_kept(want, got):
    """got shows want's lines, the name (first line) alone maybe shortened with '…'
    to fit the screen: the phone number, sector, gender and year stay whole."""
    w, g = want.split("\n"), got.split("\n")
    assert g[1:len(w)] == w[1:], (want, got)
    assert g[0] == w[0] or (g[0].endswith("\u2026") and w[0].startswith(g[0][:-1])), (want, got)


def home_options(u, home):
    """The home menu's options over its pages (98 followed, at most 3)."""
    opts, s = {}, home
    for _ in range(4):
        assert s.con, s
        page = numbered(s.text)
        opts.update({k: v for k, v in page.items() if k != "98"})
        if "98" not in page:
            break
        s = u.send("98")
    return opts


def to_confirm(u, lang, name, phone, member_lang="fr", sector_no="1", gender_no="1",
               year="1985"):
    """From the contact's home, walk to the confirm screen; returns the screens."""
    home = u.dial()
    assert home_options(u, home).get("6") == msg(lang, "menu_agent"), u.screens
    steps = [("6", "agent_ask_name"), (name, "agent_ask_phone"),
             (phone, "agent_ask_language"), (LANG_NO[member_lang], "agent_ask_sector"),
             (sector_no, "agent_ask_gender"), (gender_no, "agent_ask_year")]
    screens = [home]
    for value, key in steps:
        s = u.send(value)
        assert s.con and s.text.startswith(msg(lang, key)), (value, s)
        screens.append(s)
    s = u.send(year)
    assert s.con, s
    screens.append(s)
    return screens


def register(env, contact_phone, lang="fr", member_lang="fr", name="Amina Nouvelle",
             phone=None):
    """The whole flow; returns (END screen, new phone)."""
    d, _ = env
    phone = phone or new_phone()
    u = Ussd(d, contact_phone)
    to_confirm(u, lang, name, phone, member_lang)
    end = u.send("1")
    assert end.end, end
    return end, phone


# --------------------------------------------------------------------------
# Staff mark a contact.

def test_staff_mark_and_unmark_a_contact_audited(env):
    d, api = env
    mid = add_member(d, new_phone(), cooperative="1001", province="oujda-angad")
    r = api.patch(f"/members/{mid}", {"is_contact": True})
    assert r.status == 200 and r.json()["is_contact"] == 1, r
    assert api.get(f"/members/{mid}").json()["is_contact"] == 1
    r = api.patch(f"/members/{mid}", {"is_contact": False})
    assert r.status == 200 and r.json()["is_contact"] == 0, r
    rows = query(d, "SELECT * FROM audit_log WHERE object_type = 'member' AND object_id = ?"
                    " AND action = 'member.update' ORDER BY id", (str(mid),))
    changes = [json.loads(a["summary"])["changes"]["is_contact"] for a in rows]
    assert changes == [{"from": 0, "to": 1}, {"from": 1, "to": 0}], rows
    assert rows[0]["who"] == "staff-agent"
    # Only a member with a cooperative; only true or false.
    lone = add_member(d, new_phone())
    err = assert_json_error(api.patch(f"/members/{lone}", {"is_contact": True}), 422)
    assert err["field"] == "is_contact"
    err = assert_json_error(api.patch(f"/members/{mid}", {"is_contact": 1}), 400)
    assert err["field"] == "is_contact"
    assert member(d, query(d, "SELECT phone FROM members WHERE id=?", (lone,))[0]["phone"])[
        "is_contact"] == 0


# --------------------------------------------------------------------------
# The flow in three languages.

@pytest.mark.parametrize("lang,member_lang", [("ar", "fr"), ("fr", "ar"), ("en", "en")])
def test_contact_registers_a_member(env, lang, member_lang):
    d, _ = env
    contact_id, contact_phone = make_contact(env, lang=lang, coop="2001")
    name = {"ar": "فاطمة الزهراء بنعلي", "fr": "Amina Nouvelle", "en": "Samira Agent"}[lang]
    phone = new_phone()
    local = "0" + phone[4:]  # typed as members know it: 06...
    u = Ussd(d, contact_phone)
    screens = to_confirm(u, lang, name, local, member_lang, sector_no="2", gender_no="1",
                         year="1990")
    confirm = screens[-1]
    want = msg(lang, "agent_confirm", name=name, phone=phone,
               sector=sector_name(lang, "livestock"), gender=msg(lang, "gender_f"), year="1990")
    assert_facts_kept(want, confirm.text)
    opts = numbered(confirm.text)
    assert (opts["1"], opts["2"]) == (msg(lang, "confirm_yes"), msg(lang, "confirm_restart"))
    t0 = time.time()
    end = u.send("1")
    assert end.end, end
    no = MEMBER_NO.search(end.text)
    assert no, end
    done = msg(lang, "agent_registered", name=name, member_no=no.group(0))
    assert end.text == done or (lang == "ar" and end.text.endswith(done[done.index(":"):])), end
    # Committed before the END: the row, its consent state and the SMS.
    m = member(d, phone)
    coop = coop_of(d, "2001")
    assert m["id"] == int(no.group(1)) and m["name"] == name
    assert m["cooperative_id"] == coop["id"] and m["province"] == coop["province"]
    assert (m["sector"], m["gender"], m["birth_year"]) == ("livestock", "f", 1990)
    assert m["language"] == member_lang and m["registered_via"] == "contact"
    assert m["registered_by"] == contact_id and m["is_test"] == 0
    assert m["consent_state"] == "pending" and m["consent_at"] is None
    assert t0 - 2 <= m["consent_state_at"] <= time.time() + 2
    sms = out(d, phone)
    assert len(sms) == 1, sms
    contact = query(d, "SELECT name FROM members WHERE id = ?", (contact_id,))[0]["name"]
    assert sms[0]["kind"] == "consent_request" and sms[0]["member_id"] == m["id"]
    assert sms[0]["body"] == msg(member_lang, "sms_agent_consent", contact=contact,
                                 coop=coop["name"], name=name)
    wait_until(lambda: out(d, phone)[0]["status"] in ("sent", "delivered"),
               what="the consent SMS sent")
    audit = query(d, "SELECT * FROM audit_log WHERE action = 'member.register_by_contact'"
                     " AND object_id = ?", (str(m["id"]),))
    assert len(audit) == 1 and audit[0]["role"] == "contact"
    assert audit[0]["who"] == "TA-%06d" % contact_id
    assert json.loads(audit[0]["summary"])["consent_state"] == "pending"


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_phone_step_refuses_clearly(env, lang):
    d, _ = env
    _, contact_phone = make_contact(env, lang=lang)
    taken = new_phone()
    add_member(d, taken, cooperative="1002")  # another cooperative's member
    stopped = new_phone()
    write_db(d, "INSERT INTO sms_suppressions (phone, channel, created_at) VALUES (?,?,?)",
             (stopped, "sandbox", int(time.time())))
    u = Ussd(d, contact_phone)
    u.dial()
    u.send("6")
    assert u.send("Nom Complet").text.startswith(msg(lang, "agent_ask_phone"))
    for typed, err in (("12345", "err_phone"), ("0512345678", "err_phone"),
                       (taken, "err_phone_member"), (stopped, "err_phone_stopped"),
                       (TEST_NUMBER, "err_phone_mixed"), (contact_phone, "err_phone_member")):
        s = u.send(typed)
        assert s.con and msg(lang, err) in s.text, (typed, s)
        assert msg(lang, "agent_ask_phone") in s.text, s
    assert u.send(new_phone()).text.startswith(msg(lang, "agent_ask_language"))
    assert member(d, taken)["cooperative_id"] == coop_of(d, "1002")["id"]
    assert member(d, stopped) is None


def test_test_contact_registers_only_test_numbers(env):
    d, _ = env
    contact = "+447700900201"
    mid = add_member(d, contact, cooperative="2001", province="berkane")
    write_db(d, "UPDATE members SET is_test = 1, is_contact = 1 WHERE id = ?", (mid,))
    u = Ussd(d, contact)
    u.dial()
    u.send("6")
    u.send("Test Person")
    s = u.send(new_phone())
    assert msg("fr", "err_phone_mixed") in s.text, s
    end, phone = register(env, contact, phone="+447700900202")
    assert end.end and member(d, phone)["is_test"] == 1


# --------------------------------------------------------------------------
# Who sees the option.

def test_a_non_contact_does_not_see_the_option(env):
    d, api = env
    phone = new_phone()
    mid = add_member(d, phone, cooperative="2001", province="berkane")
    u = Ussd(d, phone)
    home = u.dial()
    assert "6" not in home_options(u, home) and msg("fr", "menu_agent") not in str(u.screens)
    s = u.send("6")
    assert s.con and msg("fr", "err_choice") in s.text, s
    # Pre-typed inputs do not reach it either.
    s = Ussd(d, phone).post_raw("6*Someone")
    assert msg("fr", "agent_ask_name").encode() not in s.body
    # Marked, the next dial shows it; unmarked, it is gone again.
    api.patch(f"/members/{mid}", {"is_contact": True})
    v = Ussd(d, phone)
    assert home_options(v, v.dial()).get("6") == msg("fr", "menu_agent")
    api.patch(f"/members/{mid}", {"is_contact": False})
    v = Ussd(d, phone)
    assert "6" not in home_options(v, v.dial())


def test_contact_of_a_registers_into_a_only(env):
    d, api = env
    contact_id, contact_phone = make_contact(env, coop="1001")
    end, phone = register(env, contact_phone)
    assert member(d, phone)["cooperative_id"] == coop_of(d, "1001")["id"]
    # A member of cooperative B cannot be taken over by A's contact.
    b_member = new_phone()
    add_member(d, b_member, cooperative="2001")
    u = Ussd(d, contact_phone)
    u.dial()
    u.send("6")
    u.send("Autre Nom")
    assert msg("fr", "err_phone_member") in u.send(b_member).text
    assert member(d, b_member)["cooperative_id"] == coop_of(d, "2001")["id"]
    # Unmarked (or moved) while the flow is under way: nothing is stored.
    fresh = new_phone()
    u = Ussd(d, contact_phone)
    to_confirm(u, "fr", "Trop Tard", fresh)
    api.patch(f"/members/{contact_id}", {"is_contact": False})
    end = u.send("1")
    assert end.end and end.text == msg("fr", "agent_not_contact"), end
    assert member(d, fresh) is None and out(d, fresh) == []


# --------------------------------------------------------------------------
# Retransmissions.

def test_retransmitted_final_step_creates_one_member(env):
    d, _ = env
    _, contact_phone = make_contact(env)
    phone = new_phone()
    u = Ussd(d, contact_phone)
    to_confirm(u, "fr", "Une Seule Fois", phone)
    u.inputs.append("1")
    final = u.text
    answers = []

    def post():
        answers.append(u.post_raw(final))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert len(answers) == 4 and len({a.body for a in answers}) == 1, answers
    assert answers[0].body.startswith(b"END ")
    # Again later in the session, and the whole path pre-typed in a new one.
    assert u.post_raw(final).body == answers[0].body
    again = Ussd(d, contact_phone).post_raw(final)
    assert again.body.startswith(b"CON "), again
    rows = query(d, "SELECT id FROM members WHERE phone = ?", (phone,))
    assert len(rows) == 1, rows
    assert len(out(d, phone, "consent_request")) == 1
    assert len(query(d, "SELECT * FROM audit_log WHERE action = 'member.register_by_contact'"
                        " AND object_id = ?", (str(rows[0]["id"]),))) == 1


def test_two_sessions_for_one_number_register_it_once(env):
    d, _ = env
    _, contact_phone = make_contact(env)
    phone = new_phone()
    a, b = Ussd(d, contact_phone), Ussd(d, contact_phone)
    to_confirm(a, "fr", "Premiere Session", phone)
    to_confirm(b, "fr", "Seconde Session", phone)
    assert a.send("1").text.startswith(msg("fr", "agent_registered", name="Premiere Session",
                                           member_no="TA-")[:10])
    end = b.send("1")
    assert end.end and end.text == msg("fr", "agent_taken"), end
    assert member(d, phone)["name"] == "Premiere Session"
    assert len(out(d, phone)) == 1


# --------------------------------------------------------------------------
# Consent.

YES = ["OUI", "oui", "Oui", "YES", "yes", "نعم", "\ufee7\ufecc\ufee2", "  Oui ! "]
NO = ["NON", "non", "No", "لا"]


@pytest.mark.parametrize("answer", YES)
def test_consent_yes_in_any_spelling(env, answer):
    d, _ = env
    _, contact_phone = make_contact(env)
    _, phone = register(env, contact_phone, member_lang="ar")
    sms_in(d, phone, answer)
    m = member(d, phone)
    assert m["consent_state"] == "given" and m["consent_at"] is not None, (answer, m)
    assert m["consent_state_channel"] == "sms" and m["consent_channel"] == "sms"
    replies = out(d, phone, "reply")
    assert [r["body"] for r in replies] == [msg("ar", "sms_consent_given")], replies
    audit = query(d, "SELECT * FROM audit_log WHERE action = 'member.consent' AND object_id = ?",
                  (str(m["id"]),))
    assert len(audit) == 1 and json.loads(audit[0]["summary"])["consent_state"] == {
        "from": "pending", "to": "given"}
    # Consented, a broadcast-kind message goes.
    mid = queue_out(d, "sandbox", phone, kind="broadcast", member_id=m["id"])
    wait_until(lambda: query(d, "SELECT status FROM messages WHERE id = ?", (mid,))[0][
        "status"] in ("sent", "delivered"), what="a broadcast after consent")


@pytest.mark.parametrize("answer", NO)
def test_consent_no_then_yes(env, answer):
    d, _ = env
    _, contact_phone = make_contact(env)
    _, phone = register(env, contact_phone, member_lang="en")
    sms_in(d, phone, answer)
    m = member(d, phone)
    assert m["consent_state"] == "refused" and m["consent_at"] is None, (answer, m)
    assert out(d, phone, "reply")[-1]["body"] == msg("en", "sms_consent_refused")
    mid = queue_out(d, "sandbox", phone, kind="notification", member_id=m["id"])
    wait_until(lambda: query(d, "SELECT status, error FROM messages WHERE id = ?", (mid,))[0] ==
               {"status": "suppressed", "error": "no_consent"}, what="held after a refusal")
    # Anything else is answered with how to say yes; HELP is no way around.
    sms_in(d, phone, "AIDE")
    assert out(d, phone, "reply")[-1]["body"] == msg("en", "sms_consent_refused")
    sms_in(d, phone, "yes")
    assert member(d, phone)["consent_state"] == "given"


def test_pending_member_is_asked_again_and_stop_still_works(env):
    d, _ = env
    _, contact_phone = make_contact(env)
    _, phone = register(env, contact_phone, member_lang="fr")
    sms_in(d, phone, "EVENEMENTS")
    assert out(d, phone, "reply")[-1]["body"] == msg("fr", "sms_consent_ask")
    assert member(d, phone)["consent_state"] == "pending"
    sms_in(d, phone, "STOP")
    m = member(d, phone)
    assert m["opted_out_at"] is not None
    conf = out(d, phone, "stop_confirmation")
    assert len(conf) == 1 and conf[0]["body"] == msg("fr", "sms_stopped")
    wait_until(lambda: out(d, phone, "stop_confirmation")[0]["status"] in ("sent", "delivered"),
               what="the STOP confirmation sent")


# --------------------------------------------------------------------------
# Nothing before consent, on every send path.

def pending_member(env, lang="fr"):
    d, _ = env
    _, contact_phone = make_contact(env)
    _, phone = register(env, contact_phone, member_lang=lang)
    m = member(d, phone)
    assert m["consent_state"] == "pending"
    return m


def held(d, phone, kind):
    rows = out(d, phone, kind)
    return rows and all(r["status"] == "suppressed" and r["error"] == "no_consent"
                        for r in rows)


def test_no_broadcast_before_consent(env):
    d, api = env
    m = pending_member(env)
    consented = new_phone()
    add_member(d, consented, cooperative=m["cooperative_id"], province=m["province"])
    r = api.post("/broadcasts", {"name": "agent-test", "texts": {
        "ar": "تعاون: خبر", "fr": "Taawun: nouvelle", "en": "Taawun: news"},
        "audience": {"cooperatives": [m["cooperative_id"]]}})
    assert r.status == 201, r
    b = r.json()
    assert api.post(f"/broadcasts/{b['id']}/send").status == 200
    wait_until(lambda: out(d, consented, "broadcast"), what="the consenting member's copy")
    assert [x for x in out(d, m["phone"], "broadcast") if x["status"] != "suppressed"] == []


def test_no_grant_notice_before_consent(env):
    d, api = env
    m = pending_member(env)
    now = int(time.time())
    gid = write_db(d, "INSERT INTO grants (reference, member_id, programme, amount_mad, status,"
                      " created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
                   ("GR-2026-%05d" % (m["id"] % 100000), m["id"], "PME", 1000, "submitted",
                    now, now))
    r = api.post(f"/grants/{gid}/status", {"status": "approved"})
    assert r.status == 200, r
    wait_until(lambda: held(d, m["phone"], "notification"), what="the grant notice held")


def test_no_event_notice_before_consent(env):
    d, api = env
    m = pending_member(env)
    ev = new_event(api, "9%04d" % (m["id"] % 10000), int(time.time()) + 5 * 86400)
    rsvp(d, ev["id"], m["id"])
    assert api.post(f"/events/{ev['id']}/cancel").status == 200
    wait_until(lambda: held(d, m["phone"], "notification"), what="the cancellation held")
    # A reminder-kind message queued for them is held too (the scheduler's
    # own: test_no_scheduled_reminder_before_consent).
    queue_out(d, "sandbox", m["phone"], kind="reminder", member_id=m["id"])
    wait_until(lambda: held(d, m["phone"], "reminder"), what="the reminder held")


def test_no_scheduled_reminder_before_consent(daemons, test_clock):
    """The scheduler's own reminder (the test clock drives it) is held for a
    pending member and goes to a consenting one booked on the same event."""
    t0 = 2000000000
    test_clock.set(t0 - 86400)  # nothing due yet
    conf = daemons.config({"programme.reminder_before_s": 3600,
                           "channels": (sandbox_channel(),)})
    token = make_token(conf, "staff-clock", "staff")
    d = daemons.start(config=conf)
    d.wait_log(r"event=test_clock\b")
    api = Api(d, token)
    m = pending_member((d, api))
    consented = new_phone()
    other = add_member(d, consented, language="fr")
    ev = new_event(api, "9999", t0 + 1800)
    rsvp(d, ev["id"], m["id"])
    rsvp(d, ev["id"], other)
    test_clock.set(t0)
    wait_until(lambda: [x for x in out(d, consented, "reminder")
                        if x["status"] in ("sent", "delivered")], what="the consenting reminder")
    wait_until(lambda: held(d, m["phone"], "reminder"), what="the pending member's reminder held")


def consent_audit(d, m):
    return [json.loads(a["summary"]) for a in query(
        d, "SELECT * FROM audit_log WHERE action = 'member.consent' AND object_id = ?"
           " ORDER BY id", (str(m["id"]),))]


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_dialing_asks_for_consent_before_any_service(env, lang):
    """A pending member who dials the menu is asked first, in their language
    (no home, no events, no receipt before it): no ends the session and is
    recorded and audited as the SMS NO is; the next dial asks again; yes
    is recorded as the SMS YES is and leads home."""
    d, _ = env
    m = pending_member(env, lang)
    question = msg(lang, "member_consent") + "\n1. " + msg(lang, "consent_yes") + \
        "\n2. " + msg(lang, "consent_no")
    u = Ussd(d, m["phone"])
    s = u.dial()
    assert s.con and s.text == question, s
    assert u.send("00").text == question
    wrong = u.send("7")
    assert wrong.con and wrong.text == msg(lang, "err_choice") + "\n" + question, wrong
    # Pre-typed services (*384*123*2*1#) are no way around it.
    s = Ussd(d, m["phone"]).send("2*1")
    assert s.con and s.text == question, s
    assert member(d, m["phone"])["consent_state"] == "pending"
    end = u.send("2")
    assert end.end and end.text == msg(lang, "member_consent_declined",
                                       ussd_code=SERVICE_CODE), end
    r = member(d, m["phone"])
    assert r["consent_state"] == "refused" and r["consent_at"] is None, r
    assert r["consent_state_channel"] == "ussd"
    assert consent_audit(d, m) == [{"consent_state": {"from": "pending", "to": "refused"},
                                    "channel": "ussd"}]
    assert out(d, m["phone"], "reply") == [] and out(d, m["phone"], "receipt") == []
    # Refused, they stay unconsented: nothing but the answers goes.
    mid = queue_out(d, "sandbox", m["phone"], kind="notification", member_id=m["id"])
    wait_until(lambda: query(d, "SELECT status, error FROM messages WHERE id = ?", (mid,))[0] ==
               {"status": "suppressed", "error": "no_consent"}, what="held after a refusal")
    # The next dial asks again; yes leads home.
    u = Ussd(d, m["phone"])
    assert u.dial().text == question
    home = u.send("1")
    assert home.con and home.text.startswith(msg(lang, "home_title").split("{")[0]), home
    assert "1. " + msg(lang, "menu_grants") in home.text, home
    r = member(d, m["phone"])
    assert r["consent_state"] == "given" and r["consent_at"] is not None, r
    assert r["consent_channel"] == "ussd" and r["consent_state_channel"] == "ussd"
    assert consent_audit(d, m)[1:] == [{"consent_state": {"from": "refused", "to": "given"},
                                        "channel": "ussd"}]
    # A retransmission of the answer changes nothing; the next dial is home.
    assert parse_screen(u.post_raw(u.text)).text == home.text
    assert len(consent_audit(d, m)) == 2
    assert Ussd(d, m["phone"]).dial().text == home.text


def test_consent_on_ussd_then_a_receipt_goes(env):
    """Consent given on the menu: the services' SMS go like anyone's."""
    d, _ = env
    m = pending_member(env)
    u = Ussd(d, m["phone"])
    assert u.dial().text.startswith(msg("fr", "member_consent"))
    assert u.send("1").con
    events = u.send("2")
    assert events.con, events
    detail = u.send("1")
    opts = numbered(detail.text)
    choice = next((k for k, v in opts.items() if v in (msg("fr", "event_sms"),
                                                       msg("fr", "event_rsvp"))), None)
    if choice is None:
        pytest.skip(f"no SMS option on {detail!r}")
    end = u.send(choice)
    assert end.end, end
    wait_until(lambda: [r for r in out(d, m["phone"], "receipt")
                        if r["status"] in ("sent", "delivered")], what="the receipt sent")
